#!/bin/sh
# run.sh [SECONDS] [TARGET...]: build every tests/fuzz/fuzz-<parser>.c with
# clang's libFuzzer (plus ASan and UBSan) and run each for SECONDS (default
# 30) over a scratch copy of corpus/<parser>/, FUZZ_JOBS (default 2)
# targets at a time.  FUZZ_SEED, when set, is every target's libFuzzer
# seed (else each picks its own); the seed run is printed either way.
# Prints one line per target with the executions reached and ends
# "N passed, M failed".
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${1:-30}
[ $# -gt 0 ] && shift
out=${FUZZ_OUT:-build-fuzz}
mkdir -p "$out"
# The leaf modules, as the Makefile's CORE_NAMES lists them (a module added
# there is linked here too).
core=$(awk '/^CORE_NAMES[ \t]*=/ { f = 1; sub(/^CORE_NAMES[ \t]*=/, "") }
    f { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) exit }' Makefile |
    tr -s ' \t' '\n' | sed '/^$/d; s|.*|src/&.c|' | tr '\n' ' ')
case $core in *src/json.c*) ;; *)
	echo "run.sh: no CORE_NAMES in the Makefile" >&2; exit 1 ;;
esac
pass=0
failn=0
if ! command -v clang >/dev/null 2>&1; then
	echo "clang not found: fuzzing skipped"
	echo "0 passed, 0 failed"
	exit 0
fi
targets=${*:-$(ls tests/fuzz/fuzz-*.c 2>/dev/null | sed 's|.*/fuzz-||; s|\.c$||')}
jobs=${FUZZ_JOBS:-2}

# The artifacts a failed run leaves ($out/TARGET-KIND-HASH).
artifact_kinds="crash leak oom timeout"

# fuzz_seed TARGET: the seed libFuzzer says it ran TARGET with.
fuzz_seed() {
	sed -n 's/^INFO: Seed: \([0-9]*\).*/\1/p' "$out/$1.log" | head -n 1
}

# fuzz_one TARGET: build and run one target; its result line goes to
# $out/TARGET.result, "ok" or "fail" to $out/TARGET.rc.
fuzz_one() {
	t=$1
	bin=$out/fuzz-$t
	# validate.c is a daemon file that needs only the core's json.
	extra=
	[ "$t" = validate ] && extra=src/validate.c
	if ! clang -g -O1 -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=undefined -DHAVE_CONFIG_H -I. -Isrc \
	    $(pkg-config --cflags yajl openssl) -o "$bin" "tests/fuzz/fuzz-$t.c" \
	    $extra $core $(pkg-config --libs yajl openssl) -lm \
	    >"$out/$t.build.log" 2>&1
	then
		{ echo "fuzz-$t: build failed"
		sed 's/^/    /' "$out/$t.build.log" | tail -n 5; } >"$out/$t.result"
		echo fail >"$out/$t.rc"; return
	fi
	scratch=$out/corpus-$t
	rm -rf "$scratch"; mkdir -p "$scratch"
	cp tests/fuzz/corpus/"$t"/* "$scratch"/ 2>/dev/null || true
	for k in $artifact_kinds slow-unit; do rm -f "$out/$t-$k"-*; done
	if "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -max_len=65536 \
	    -print_final_stats=1 -artifact_prefix="$out/$t-" \
	    ${FUZZ_SEED:+-seed="$FUZZ_SEED"} "$scratch" >"$out/$t.log" 2>&1
	then
		execs=$(grep -E '^stat::number_of_executed_units' "$out/$t.log" |
		    awk '{print $2}')
		echo "fuzz-$t: ${execs:-?} executions in ${secs}s" \
		    "(seed $(fuzz_seed "$t")), no crash" >"$out/$t.result"
		echo ok >"$out/$t.rc"
	else
		# The report, its first frames and the input itself (base64,
		# up to 8 KiB): a CI log that keeps only this still reproduces
		# it (`base64 -d >FILE`, then `fuzz-TARGET FILE`).
		{ echo "fuzz-$t: CRASH (seed $(fuzz_seed "$t"), see $out/$t.log)"
		grep -E 'ERROR|SUMMARY|Test unit written|^ *#[0-9] ' \
		    "$out/$t.log" | head -n 12
		for k in $artifact_kinds; do
			a=$(ls "$out/$t-$k"-* 2>/dev/null | head -n 1)
			[ -n "$a" ] || continue
			n=$(wc -c <"$a")
			echo "    input: $n bytes"
			[ "$n" -le 8192 ] && base64 -w 76 "$a" |
			    sed 's/^/    Base64: /'
			break
		done; } >"$out/$t.result"
		echo fail >"$out/$t.rc"
	fi
}

# FUZZ_JOBS (default 2) targets at once, each single-threaded: the same
# time per target, less wall time.  A lane takes every jobs-th target.
for t in $targets; do
	rm -f "$out/$t.result" "$out/$t.rc"
done
lane=0
while [ $lane -lt "$jobs" ]; do
	(i=0; for t in $targets; do
		[ $((i % jobs)) = $lane ] && fuzz_one "$t"
		i=$((i + 1))
	done) &
	lane=$((lane + 1))
done
wait
for t in $targets; do
	cat "$out/$t.result" 2>/dev/null || echo "fuzz-$t: no result"
	if [ "$(cat "$out/$t.rc" 2>/dev/null)" = ok ]; then
		pass=$((pass + 1))
	else
		failn=$((failn + 1))
	fi
done
echo "$pass passed, $failn failed"
[ "$failn" = 0 ]

#!/bin/sh
# run.sh: every test suite of `make check`, in order, each adding to one
# tally; ends with the line "N passed, M failed" and exits non-zero on any
# failure.  Each stage's wall time is printed when it ends, and all of
# them before the last line.  Environment: O (build dir, default build),
# VECTORS.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
O=${O:-build}
VECTORS=${VECTORS:-../shared/vectors}
logdir=$top/tests/logs
rm -rf "$logdir"; mkdir -p "$logdir"
total_pass=0
total_fail=0
total_skip=0

# stage TITLE: end the running stage (print its wall time), start TITLE;
# stage "" ends the last one.
stage_name=
stage_t0=
stage_times=
run_t0=$(date +%s)
stage() {
	_now=$(date +%s)
	if [ -n "$stage_name" ]; then
		echo "   ($stage_name: $((_now - stage_t0)) s)"
		stage_times="$stage_times$(printf '  %-44s %5d s' \
		    "$stage_name" $((_now - stage_t0)))
"
	fi
	stage_name=$1
	stage_t0=$_now
	[ -z "$1" ] || echo "== $1"
}

# tally NAME LOGFILE: add the last "N passed, M failed" line of LOGFILE.
tally() {
	line=$(grep -E '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$2" | tail -n 1)
	p=$(echo "$line" | sed -E 's/^([^ ]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2/')
	f=$(echo "$line" | sed -E 's/^([^ ]+: )?([0-9]+) passed, ([0-9]+) failed.*/\3/')
	[ -n "$p" ] || { p=0; f=1; }
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	printf '%-28s %5s passed, %s failed\n' "$1" "$p" "$f"
	[ "$f" = 0 ] && return
	# What failed, here and again in the summary before the last line
	# (where a CI log's tail shows it).
	{ echo "  $1 ($f failed, log ${2#"$top"/}):"
	sed 's/^/    | /' "$2" | grep -E "$fail_lines" | head -n 40
	} | tee -a "$logdir/failures.txt" | sed 1d
}
fail_lines='FAIL|CRASH|ERROR|SUMMARY|Base64| #[0-9] |error|Error|assert'

# one NAME CMD...: a suite of one case, passed when CMD exits 0.
one() {
	name=$1; shift
	if "$@" >"$logdir/$name.log" 2>&1; then
		echo "1 passed, 0 failed" >>"$logdir/$name.log"
	else
		echo "0 passed, 1 failed" >>"$logdir/$name.log"
	fi
	tally "$name" "$logdir/$name.log"
}

stage "unit tests"
for t in "$O"/tests/unit/test-*; do
	[ -x "$t" ] || continue
	n=$(basename "$t")
	"$t" >"$logdir/$n.log" 2>&1
	tally "$n" "$logdir/$n.log"
done

stage "vectors ($VECTORS)"
"$O/tests/vectors/vectors" "$VECTORS" >"$logdir/vectors.log" 2>&1
grep -E '^[a-z_]+\.json: ' "$logdir/vectors.log" | sed 's/^/  /'
tally vectors "$logdir/vectors.log"

stage "fuzz corpora replay"
for t in "$O"/tests/fuzz/replay-*; do
	[ -x "$t" ] || continue
	n=${t##*/replay-}
	one "fuzz-replay-$n" "$t" "tests/fuzz/corpus/$n"
done

if [ -x tests/integration/run.sh ]; then
	stage integration
	O=$O sh tests/integration/run.sh >"$logdir/integration.log" 2>&1
	grep -E '^(PASS|FAIL|SKIP)' "$logdir/integration.log" | sed 's/^/  /'
	tally integration "$logdir/integration.log"
	k=$(sed -n 's/^[0-9]* passed, [0-9]* failed, \([0-9]*\) skipped$/\1/p' \
	    "$logdir/integration.log" | tail -n 1)
	total_skip=$((total_skip + ${k:-0}))
fi

if [ -f tests/systemd/610-systemd.sh ]; then
	stage "systemd (booted in systemd-nspawn)"
	O=$O sh tests/systemd/610-systemd.sh >"$logdir/systemd.log" 2>&1
	grep -E '^(PASS|FAIL|SKIP|# 610)' "$logdir/systemd.log" | sed 's/^/  /'
	tally systemd "$logdir/systemd.log"
	k=$(sed -n 's/^[0-9]* passed, [0-9]* failed, \([0-9]*\) skipped$/\1/p' \
	    "$logdir/systemd.log" | tail -n 1)
	total_skip=$((total_skip + ${k:-0}))
fi

if [ -f tests/extra.sh ]; then
	. tests/extra.sh
fi

stage ""
if [ -s "$logdir/failures.txt" ]; then
	echo "== failures"
	cat "$logdir/failures.txt"
fi
echo "== stage times"
printf '%s' "$stage_times"
printf '  %-44s %5d s\n' total $(($(date +%s) - run_t0))
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
[ "$total_fail" = 0 ]

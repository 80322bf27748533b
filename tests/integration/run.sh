#!/bin/sh
# run.sh [PATTERN]: run the integration cases (NNN-<case>.sh) whose file
# name holds PATTERN against the real og-veil and og-veil-devnet on
# loopback.  Prints PASS/FAIL/SKIP and the wall time per case, in case
# order, keeps failed cases' logs in tests/integration/logs/, and ends
# with "N passed, M failed, K skipped".  A case that cannot run here exits
# 77 after printing why (lib.sh's skip): SKIP, never PASS.
#
# Every case runs once with the devnet on plain HTTP.  A case runs a
# second time with the devnet in --tls mode (og-veil then reaches the
# chain, relay and auth server over HTTPS with the devnet's CA) only when
# its file holds the line
#	# tls: yes
# (unless INTEGRATION_TLS=0).  Mark a case so when the transport is what
# it exercises: the devnet services themselves, the chat path, relay
# errors and faults, failover, streams and their faults, the auth server
# (token refresh, login bundles), the chain (key rotation), and one SDK
# per dialect (400, 401).  Cases whose checks happen before or apart from
# any upstream call (validation, limits, guards, CLI, metrics, receipts,
# the devnet model, PII) and the real agents (452, 453, 473, 474) run over
# plain HTTP only.  A new case without the line runs once, plain.
#
# INTEGRATION_JOBS (default 2) cases run at once, each in its own $T, HOME
# and OG_VEIL_HOME, with its own devnet and og-veil on free ports (lib.sh),
# so they are independent; INTEGRATION_JOBS=1 runs them one by one.  A
# case that must run alone (it measures timing against the whole machine,
# or holds a global resource) says so with the line
#	# parallel: no
# and runs after the others, by itself.  A case gets CASE_TIMEOUT (180)
# seconds; one slow by design (valgrind, hundreds of processes) may ask
# for more with the line
#	# timeout: SECONDS
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
export TOP O
pattern=${1:-}
logs=$TOP/tests/integration/logs
rm -rf "$logs"
pass=0
failn=0
skipn=0
CASE_TIMEOUT=${CASE_TIMEOUT:-180}
JOBS=${INTEGRATION_JOBS:-2}
work=$(mktemp -d /tmp/og-veil-run.XXXXXX)
workers=
trap 'for p in $workers; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# run_case FILE TLS: run one case; prints its PASS/FAIL/SKIP line (and a
# failed case's last log lines).
run_case() {
	name=$(basename "$1" .sh)
	[ "$2" = 1 ] && name="$name[tls]"
	T=$(mktemp -d /tmp/og-veil-it.XXXXXX)
	export T
	rc=0
	t0=$(date +%s.%N)
	# "# timeout: N" in a case raises its limit (a case that is slow by
	# design: valgrind, many processes), never lowers it.
	limit=$(sed -n 's/^# timeout: \([0-9][0-9]*\).*/\1/p' "$1" | head -n 1)
	[ "${limit:-0}" -gt "$CASE_TIMEOUT" ] || limit=$CASE_TIMEOUT
	DEVNET_TLS=$2 timeout -k 5 "$limit" sh -eu -c \
	    '. "$TOP/tests/integration/lib.sh"; . "$1"' sh "$1" \
	    >"$T/case.log" 2>&1 </dev/null || rc=$?
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.1f s", b - a }')
	if [ "$rc" = 0 ]; then
		echo "PASS $name ($took)"
		rm -rf "$T"
	elif [ "$rc" = 77 ]; then
		echo "SKIP $name ($took): $(grep '^SKIP: ' "$T/case.log" |
		    tail -n 1 | cut -c7-)"
		rm -rf "$T"
	else
		echo "FAIL $name ($took)"
		mkdir -p "$logs/$name"
		cp -r "$T"/*.log "$T"/body "$T"/headers "$logs/$name/" \
		    2>/dev/null || true
		sed 's/^/    /' "$T/case.log" | tail -n 15
		rm -rf "$T"
	fi
}

# The work list: "N FILE TLS", in case order; "# parallel: no" cases in
# $work/alone.
n=0
: >"$work/list"
: >"$work/alone"
for f in "$TOP"/tests/integration/[0-9][0-9][0-9]-*.sh; do
	[ -f "$f" ] || continue
	case $(basename "$f") in *"$pattern"*) ;; *) continue ;; esac
	l="$work/list"
	grep -q '^# parallel: no' "$f" && l="$work/alone"
	n=$((n + 1)); echo "$n $f 0" >>"$l"
	if [ "${INTEGRATION_TLS:-1}" = 1 ] && grep -q '^# tls: yes' "$f"; then
		n=$((n + 1)); echo "$n $f 1" >>"$l"
	fi
done

# worker LIST: run every case of LIST nobody claimed yet (mkdir is the
# lock); its output goes to $work/out.N when it is complete.
worker() {
	while read -r i f tls; do
		mkdir "$work/claim.$i" 2>/dev/null || continue
		run_case "$f" "$tls" >"$work/tmp.$i" 2>&1
		mv "$work/tmp.$i" "$work/out.$i"
	done <"$1"
}

# collect LIST: print the results of LIST in order as they arrive.
collect() {
	while read -r i f tls; do
		k=0
		while [ ! -f "$work/out.$i" ]; do
			sleep 0.2
			k=$((k + 1))
			[ $((k % 25)) = 0 ] || continue
			alive=0
			for p in $workers; do	# not counting zombies
				ps -o stat= -p "$p" 2>/dev/null |
				    grep -qv Z && alive=1
			done
			if [ $alive = 0 ] && [ ! -f "$work/out.$i" ]; then
				echo "FAIL $(basename "$f" .sh): not run" \
				    >"$work/out.$i"
			fi
		done
		cat "$work/out.$i"
		case $(head -c 4 "$work/out.$i") in
		PASS) pass=$((pass + 1)) ;;
		SKIP) skipn=$((skipn + 1)) ;;
		*) failn=$((failn + 1)) ;;
		esac
	done <"$1"
}

j=0
while [ $j -lt "$JOBS" ]; do
	worker "$work/list" &
	workers="$workers $!"
	j=$((j + 1))
done
collect "$work/list"
wait
workers=
worker "$work/alone" &
workers=$!
collect "$work/alone"
wait
workers=
echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]

#!/bin/sh
# run.sh [PATTERN]: run the integration cases (NNN-<case>.sh) against the
# real og-veil and og-veil-devnet on loopback.  Cases whose file holds the
# line "# tls: yes" run a second time with the devnet in --tls mode (unless
# INTEGRATION_TLS=0).  Prints
# PASS/FAIL per case, keeps failed cases' logs in tests/integration/logs/,
# and ends with "N passed, M failed, K skipped".  A case that cannot run
# here exits 77 after printing why (lib.sh's skip): SKIP, never PASS.
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

run_case() {	# run_case FILE TLS
	name=$(basename "$1" .sh)
	[ "$2" = 1 ] && name="$name[tls]"
	T=$(mktemp -d /tmp/og-veil-it.XXXXXX)
	export T
	rc=0
	t0=$(date +%s.%N)
	DEVNET_TLS=$2 timeout -k 5 "$CASE_TIMEOUT" sh -eu -c \
	    '. "$TOP/tests/integration/lib.sh"; . "$1"' sh "$1" \
	    >"$T/case.log" 2>&1 || rc=$?
	took=$(awk -v a="$t0" -v b="$(date +%s.%N)" \
	    'BEGIN { printf "%.1f s", b - a }')
	if [ "$rc" = 0 ]; then
		echo "PASS $name ($took)"
		pass=$((pass + 1))
		rm -rf "$T"
	elif [ "$rc" = 77 ]; then
		echo "SKIP $name ($took): $(grep '^SKIP: ' "$T/case.log" |
		    tail -n 1 | cut -c7-)"
		skipn=$((skipn + 1))
		rm -rf "$T"
	else
		echo "FAIL $name ($took)"
		failn=$((failn + 1))
		mkdir -p "$logs/$name"
		cp -r "$T"/*.log "$T"/body "$T"/headers "$logs/$name/" \
		    2>/dev/null || true
		sed 's/^/    /' "$T/case.log" | tail -n 15
		rm -rf "$T"
	fi
}

for f in "$TOP"/tests/integration/[0-9][0-9][0-9]-*.sh; do
	[ -f "$f" ] || continue
	case $(basename "$f") in *"$pattern"*) ;; *) continue ;; esac
	run_case "$f" 0
	if [ "${INTEGRATION_TLS:-1}" = 1 ] && grep -q '^# tls: yes' "$f"; then
		run_case "$f" 1
	fi
done
echo "$pass passed, $failn failed, $skipn skipped"
[ "$failn" = 0 ]

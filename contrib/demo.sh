#!/bin/sh
# demo.sh: `make demo`.  Starts og-veil-devnet (a local OpenGradient network:
# chain registry, relay, two TEE gateways, auth server), logs og-veil in
# with the devnet's bundle under a temporary OG_VEIL_HOME, starts
# `og-veil serve`, sends one prompt through the full path and prints the
# verified answer with its proof, then switches on a tamper fault and shows
# og-veil refusing the answer.  Stops everything it started, even on Ctrl-C.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$top/$O ;; esac
tmp=$(mktemp -d /tmp/og-veil-demo.XXXXXX)
. "$top/tests/common.sh"	# jget, free_port
pids=

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() {
	if [ -t 1 ]; then
		printf '\n\033[1m== %s\033[0m\n' "$*"
	else
		printf '\n== %s\n' "$*"
	fi
}

say "starting og-veil-devnet (local chain, relay, 2 TEE gateways, auth)"
"$O/og-veil-devnet" --state "$tmp/devnet.json" --bundle "$tmp/bundle.json" \
    --stream-delay-ms 5 >"$tmp/devnet.log" 2>&1 &
pids="$pids $!"
i=0
while [ ! -s "$tmp/devnet.json" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -s "$tmp/devnet.json" ] || { cat "$tmp/devnet.log"; echo "devnet did not start"; exit 1; }
sed -n '1,20p' "$tmp/devnet.log"
admin=$(jget "$tmp/devnet.json" admin_url)

export OG_VEIL_HOME=$tmp/home
port=$(free_port)
export OG_VEIL_PORT=$port

say "og-veil login --manual < bundle.json"
"$O/og-veil" login --manual <"$tmp/bundle.json" || exit 1

say "og-veil serve -f (port $port)"
"$O/og-veil" serve -f >"$tmp/veil.log" 2>&1 &
pids="$pids $!"
i=0
while ! curl -sf "http://127.0.0.1:$port/health" >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.1; i=$((i + 1))
done
curl -sf "http://127.0.0.1:$port/health" || { cat "$tmp/veil.log"; exit 1; }
echo

say "og-veil test \"Hello from og-veil\"  (encrypted to the enclave, signature verified)"
"$O/og-veil" test "Hello from og-veil" || exit 1

say "og-veil test --stream \"Streams are verified before replay\""
"$O/og-veil" test --stream "Streams are verified before replay" || exit 1

say "switching on a fault: the gateway tampers with its output after signing"
curl -sf -X POST -H 'Content-Type: application/json' \
    --data '{"name": "tamper-output"}' "$admin/fault" >/dev/null || exit 1
if "$O/og-veil" test "This answer will be tampered with"; then
	echo "og-veil delivered a tampered answer: this must never happen"
	exit 1
fi
echo "og-veil refused the tampered answer: nothing unverified reached the agent."

say "done: stopping og-veil and the devnet"

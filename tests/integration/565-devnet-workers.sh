# 565-devnet-workers: og-veil-devnet --workers 3 forks two more processes
# that serve the relay and the gateways on the same ports with the same TEE
# identities (the benchmark's 10,000 streams need more descriptors than one
# process may hold).  og-veil's streams and plain requests are verified
# whichever worker relays and signs them; every worker serves (its own
# counters in /stats), the billing frame is stripped in each, admin POSTs
# are refused (they would reach one worker), and SIGTERM to the first ends
# them all and removes the state file.
# tls: yes
N=3
devnet_start --workers $N --stream-delay-ms 150
veil_login
veil_start

devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
pids=$(python3 - "$T/stats.json" "$N" "$DEVNET_PID" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
w = s.get("workers")
assert w is not None and len(w) == int(sys.argv[2]), "workers: %r" % w
pids = [x["pid"] for x in w]
assert pids[0] == int(sys.argv[3]), "worker 0 is not the devnet's pid"
assert len(set(pids)) == len(pids) and all(x["running"] for x in w), w
print(" ".join(map(str, pids)))
PY
) || fail "/stats does not list $N running workers"
for p in $pids; do
	kill -0 "$p" 2>/dev/null || fail "worker pid $p is not alive"
done
note "workers: $pids"

# 45 streams at once: og-veil opens an upstream connection for each, and
# the kernel spreads the connections over the workers' listeners.
i=0
while [ $i -lt 45 ]; do
	curl -sS -o "$T/s$i.body" -D "$T/s$i.headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    --data-binary '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"worker stream '$i'"}]}' \
	    "$VEIL_URL/v1/chat/completions" >"$T/s$i.status" 2>&1 &
	i=$((i + 1))
done
streams_done() {
	_k=0
	for _f in "$T"/s*.status; do
		if [ -s "$_f" ]; then _k=$((_k + 1)); fi
	done
	[ $_k -ge 45 ]
}
wait_for 60 streams_done ||
    fail "streams did not end"
i=0
while [ $i -lt 45 ]; do
	[ "$(cat "$T/s$i.status")" = 200 ] || fail "stream $i: $(cat "$T/s$i.status") $(head -c 300 "$T/s$i.body")"
	grep -qi '^X-OpenGradient-Verified: true' "$T/s$i.headers" ||
	    fail "stream $i not verified"
	python3 - "$T/s$i.body" "Echo: worker stream $i" <<'PY' ||
import json, sys
text, done = "", False
for line in open(sys.argv[1]):
    if line.startswith("data: {"):
        d = json.loads(line[6:])
        for c in d.get("choices", []):
            text += (c.get("delta") or {}).get("content") or ""
    done = done or line.startswith("data: [DONE]")
sys.exit(0 if text == sys.argv[2] and done else 1)
PY
	    fail "stream $i: wrong text or no [DONE]"
	! grep -q 'cost_usd\|opengradient-ohttp-billing' "$T/s$i.body" ||
	    fail "stream $i: billing frame delivered"
	i=$((i + 1))
done
note "45 streams verified"

# Plain requests too, on the connections og-veil keeps.
i=0
while [ $i -lt 10 ]; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"plain '$i'"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_json choices.0.message.content "Echo: plain $i"
	i=$((i + 1))
done

devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
python3 - "$T/stats.json" <<'PY' || fail "a worker did not serve: $(cat "$T/stats.json")"
import json, sys
s = json.load(open(sys.argv[1]))
w = s["workers"]
for x in w:
    assert x["relay_requests"] > 0, "worker %d relayed nothing" % x["worker"]
    assert x["gateway_requests"] > 0, "worker %d's gateways got nothing" % x["worker"]
    assert x["relay_billing_frames"] > 0, "worker %d stripped no billing frame" % x["worker"]
assert s["relay_requests"] == sum(x["relay_requests"] for x in w)
assert s["relay_requests"] >= 55, s["relay_requests"]
assert s["relay_billing_frames"] >= 45, s["relay_billing_frames"]
PY
note "every worker relayed, signed and stripped billing frames"

# Admin actions would reach worker 0 only: refused.
code=$(devnet_curl -o "$T/admin.out" -w '%{http_code}' -X POST \
    -H 'Content-Type: application/json' --data-binary '{"name":"tamper-output"}' \
    "$DEVNET_ADMIN/fault")
[ "$code" = 409 ] || fail "admin /fault answered $code under --workers"
grep -q 'workers' "$T/admin.out" || fail "409 without a reason: $(cat "$T/admin.out")"

# SIGTERM to the first ends every worker; the state file goes.
veil_stop
kill "$DEVNET_PID"
wait_for 20 sh -c "! kill -0 $DEVNET_PID" || fail "devnet did not exit"
for p in $pids; do
	wait_for 10 sh -c "! kill -0 $p 2>/dev/null" ||
	    fail "worker $p still runs after the devnet exited"
done
[ ! -e "$T/devnet.json" ] || fail "state file left behind"
if grep -q 'exited (status' "$T/devnet.log"; then
	fail "a worker died early: $(cat "$T/devnet.log")"
fi
note "clean shutdown of all workers"

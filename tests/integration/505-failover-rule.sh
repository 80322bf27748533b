# 505-failover-rule: og-veil fails over by status, never by the relay's
# wording (the live relay's words are unknown), and never sends a request
# twice when the first may have run on a TEE and been billed (PROTOCOL.md
# §10, og-veil(1)).  The selected gateway is stopped and the relay says so
# in other words (relay-wording): 502 "Bad Gateway", 503 "no healthy
# upstream" and 502 "upstream failure" fail over (before, only messages
# with "unreachable", "connect" or "timed out" did); 504 "upstream request
# timeout" does not.  A relay 502 with no such words (relay-status) fails
# over once; a relay that closes without an answer (relay-close) or a
# gateway that breaks a started stream (kill-mid-stream) gets exactly one
# relay request.
# tls: yes
devnet_start --gateways 5	# a dropped TEE stays dropped: one each
veil_login
veil_start

relay_requests() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
	jget "$T/stats.json" relay_requests
}
current_gateway() {
	api_get /health
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); h=json.load(open(sys.argv[2])); print([g["index"] for g in s["gateways"] if g["tee_id"].lower()==h["tee_id"].lower()][0])' "$DEVNET_STATE" "$T/body"
}

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"warm up"}]}'
expect_status 200
for w in 1 2 4; do
	gw=$(current_gateway)
	devnet_admin "/gateway/$gw/stop"
	fault relay-wording "" $w
	before=$(relay_requests)
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"wording '$w'"}]}'
	expect_status 200
	expect_json choices.0.message.content "Echo: wording $w"
	[ "$(current_gateway)" != "$gw" ] || fail "wording $w: same gateway"
	[ $(( $(relay_requests) - before )) = 2 ] ||
	    fail "wording $w: $(( $(relay_requests) - before )) relay requests"
	grep -q 'failing over' "$T/veil.log" || fail "no failover logged"
	fault_clear
	note "relay wording $w: failed over"
done

# 504: the TEE may be running it: passed on, no second request.
gw=$(current_gateway)
devnet_admin "/gateway/$gw/stop"
fault relay-wording "" 3
before=$(relay_requests)
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"no retry"}]}'
expect_status 504
expect_body_contains 'upstream request timeout'
[ $(( $(relay_requests) - before )) = 1 ] || fail "504 was retried"
fault_clear
devnet_admin "/gateway/$gw/start"
note "relay 504: not failed over"

# The relay's own 502 without any of the old words: one failover.
fault relay-status "" 502
before=$(relay_requests)
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"relay 502"}]}'
expect_status 502
expect_body_contains 'Internal relay error'
[ $(( $(relay_requests) - before )) = 2 ] || fail "relay 502 not failed over once"
fault_clear

# Sent, then no answer, or a started answer broken: never twice.  (A
# kept-alive connection the relay closed before any answer byte is resent
# once on a fresh one, HTTP's stale-connection rule: so start afresh.)
for f in relay-close kill-mid-stream; do
	veil_stop
	veil_start
	fault $f
	before=$(relay_requests)
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"once '$f'"}]}'
	expect_status 502
	[ $(( $(relay_requests) - before )) = 1 ] || fail "$f: sent twice"
	fault_clear
	note "$f: one relay request"
done

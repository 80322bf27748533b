# 500-billing-frame: the gateway writes its plaintext billing frame (cost
# JSON) just before the final chunk of every stream (PROTOCOL.md §6).  The
# devnet relay strips it by default, as the live one is meant to; with
# relay-forward-billing it passes it on.  Either way og-veil serves the
# verified stream, and no byte of the frame reaches the agent or the log.
# A stream forwarded with the frame is also read by the openai client.
# tls: yes
devnet_start
veil_login
veil_start

stats() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
	jget "$T/stats.json" relay_billing_frames
}

for mode in stripped forwarded; do
	[ $mode = forwarded ] && fault relay-forward-billing
	before=$(stats)
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"billing '$mode'"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_body_contains 'data: [DONE]'
	python3 - "$T/body" "Echo: billing $mode" <<'PYEOF' || fail "stream text"
import json, sys
text = ""
for line in open(sys.argv[1]):
    if line.startswith("data: {"):
        d = json.loads(line[6:])
        for c in d.get("choices", []):
            text += (c.get("delta") or {}).get("content") or ""
sys.exit(0 if text == sys.argv[2] else 1)
PYEOF
	expect_body_lacks 'opengradient-ohttp-billing'
	expect_body_lacks 'cost_usd'
	! grep -q 'opengradient-ohttp-billing\|cost_usd' "$T/veil.log" ||
	    fail "billing frame bytes in og-veil's log"
	after=$(stats)
	[ "$after" -gt "$before" ] ||
	    fail "the gateway wrote no billing frame ($before -> $after)"
	note "$mode: stream verified, frame never delivered"
done

# Forwarded, with tool calls and through the official client.
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"weather?"}],"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_body_contains 'get_weather'
expect_body_lacks 'cost_usd'
node_client chat.mjs stream
node_client chat.mjs tool-stream
note "openai client: streams with a forwarded billing frame"

# Non-streaming answers have no billing frame: unchanged.
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"single"}]}'
expect_status 200
expect_json choices.0.message.content "Echo: single"

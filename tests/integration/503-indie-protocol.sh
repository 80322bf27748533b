# 503-indie-protocol: og-veil against indie-net.mjs (the independent Node
# network written from PROTOCOL.md) on the facts this layer added: a relay
# that forwards the gateway's plaintext billing frame (§6: skipped, never
# delivered, any layout), max_completion_tokens sent as max_tokens (§7: the
# indie gateway, like the live one, caps at max_tokens only), and the
# gateway's plaintext refusals passed on with their status (§5).
INDIE=$TOP/tests/clients/indie-net.mjs
node "$INDIE" --state "$T/indie.json" --bundle "$T/bundle.json" \
    >"$T/indie.log" 2>&1 &
lib_track $!
wait_for 60 test -s "$T/indie.json" || fail "indie-net did not start"
RELAY=$(jget "$T/indie.json" relay_url)
veil_login
veil_start

# stream_text: the delta text of the stream in $T/body.
stream_text() {
	python3 - "$T/body" <<'PYEOF'
import json, sys
text = ''
for line in open(sys.argv[1], encoding='utf-8'):
    if line.startswith('data: {'):
        for c in json.loads(line[6:]).get('choices') or []:
            text += (c.get('delta') or {}).get('content') or ''
print(text)
PYEOF
}

for m in indie-billing indie-billing-wide indie-billing-trickle \
    indie-billing-split-fdone indie-billing-nodone indie-billing-emptyfinal \
    indie-billing-multi-crlf; do
	chat_post '{"model":"'$m'","stream":true,"messages":[{"role":"user","content":"bill me"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	[ "$(stream_text)" = 'indie: bill me' ] || fail "$m: $(stream_text)"
	expect_body_lacks 'opengradient-ohttp-billing'
	expect_body_lacks '0.0000042'
done
chat_post '{"model":"indie-billing-tool2","stream":true,"messages":[{"role":"user","content":"tools"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_body_lacks '0.0000042'
note "billing frame forwarded by the indie relay: skipped in every layout"

chat_post '{"model":"indie","messages":[{"role":"user","content":"a b c d e f"}],"max_completion_tokens":3}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.finish_reason length
expect_json choices.0.message.content "indie: a b"
chat_post '{"model":"indie-split","stream":true,"messages":[{"role":"user","content":"a b c d e f"}],"max_tokens":null,"max_completion_tokens":4}'
expect_status 200
[ "$(stream_text)" = 'indie: a b c' ] || fail "stream cap: $(stream_text)"
note "max_completion_tokens: capped by the indie gateway, verified"

# What the indie gateway saw on the wire (its log in /indie/stats), as the
# live gateway would read it (PROTOCOL.md 7): max_tokens, never
# max_completion_tokens; no tool_choice when the agent's was null; a
# tool_choice given is passed through as it is.
wire() {	# wire FIELD: of the last request the indie gateways decrypted
	curl -sS "$RELAY/indie/stats" >"$T/stats.json"
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["log"][-1]; v=e.get(sys.argv[2]); print(" ".join(v) if isinstance(v, list) else v)' \
	    "$T/stats.json" "$1"
}
keys=$(wire wire_keys)
case " $keys " in *" max_tokens "*) ;; *) fail "no max_tokens on the wire: $keys" ;; esac
case " $keys " in *max_completion_tokens*) fail "max_completion_tokens sent: $keys" ;; esac
chat_post '{"model":"indie","messages":[{"role":"user","content":"no choice"}],"tool_choice":null,"max_completion_tokens":9}'
expect_status 200
expect_header X-OpenGradient-Verified true
keys=$(wire wire_keys)
case " $keys " in *tool_choice*) fail "tool_choice null sent: $keys" ;; esac
[ "$keys" = "max_tokens messages model temperature" ] ||
    fail "wire keys: $keys"
chat_post '{"model":"indie","messages":[{"role":"user","content":"pick"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],"tool_choice":{"type":"function","function":{"name":"f"}}}'
expect_status 200
expect_header X-OpenGradient-Verified true
[ "$(wire tool_choice)" = '{"function": {"name": "f"}, "type": "function"}' ] ||
    fail "tool_choice on the wire: $(wire tool_choice)"
note "the wire: max_tokens, no max_completion_tokens, no tool_choice null"

for st in 402 429 451 500; do
	chat_post '{"model":"indie-status'$st'","messages":[{"role":"user","content":"refuse"}]}'
	expect_status $st
	expect_body_contains "indie gateway refuses: status $st"
	expect_body_lacks '"verified"'
done
note "plaintext gateway refusals: status and message passed on"

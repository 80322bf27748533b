# 402-dialect-limits: what each dialect refuses, in its own envelope.  A
# request that would seal to more than the network's 512 KiB (PROTOCOL.md
# §5) gets the context-length error before any relay call (Chat and
# Responses: 400 context_length_exceeded; Anthropic: 400
# invalid_request_error "prompt is too long"), saying the sealed size and
# the limit; count_tokens is answered locally (no relay call either);
# Responses refuses previous_response_id and conversation (stateless);
# a wrong key is Anthropic's authentication_error, and x-api-key or Bearer
# both pass; a stream asked with Accept: application/json (Claude Code)
# is still the event stream.
devnet_start
veil_login
veil_start --api-key og-veil

relay_requests() {
	devnet_curl "$DEVNET_ADMIN/stats" | python3 -c \
	    'import json,sys; print(json.load(sys.stdin)["relay_requests"])'
}
# post PATH BODY [curl args]: sets STATUS, $T/body, $T/headers
post() {
	_p=$1; _b=$2; shift 2
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H 'x-api-key: og-veil' \
	    --data-binary "@$_b" "$@" "$VEIL_URL$_p") || STATUS=000
}
body() {
	printf '%s' "$1" >"$T/req.json"
}

# 600 KB of prompt: the body is well under --max-body, the sealed request
# over 512 KiB.
python3 -c 'print("word " * 120000)' >"$T/big.txt"
big() {
	python3 - "$T/big.txt" "$1" >"$T/req.json" <<'PYEOF'
import json, sys
text = open(sys.argv[1]).read()
kind = sys.argv[2]
if kind == 'chat':
    b = {'model': 'gpt-4.1-mini', 'messages': [{'role': 'user', 'content': text}]}
elif kind == 'anthropic':
    b = {'model': 'claude-sonnet-4-5', 'max_tokens': 100, 'stream': True,
         'messages': [{'role': 'user', 'content': text}]}
else:
    b = {'model': 'gpt-5', 'stream': True, 'input': text}
print(json.dumps(b))
PYEOF
}
n0=$(relay_requests)
big chat
post /v1/chat/completions "$T/req.json"
expect_status 400
expect_json error.code context_length_exceeded
expect_body_contains 'prompt is too long'
expect_body_contains '524288 bytes'
big responses
post /v1/responses "$T/req.json"
expect_status 400
expect_json error.code context_length_exceeded
expect_json error.type invalid_request_error
expect_body_contains 'seals to'
big anthropic
post /v1/messages "$T/req.json"
expect_status 400
expect_json type error
expect_json error.type invalid_request_error
python3 -c 'import json,sys; m=json.load(open(sys.argv[1]))["error"]["message"]
assert m.startswith("prompt is too long"), m' "$T/body" ||
    fail "Anthropic's message does not start with 'prompt is too long'"
expect_body_lacks 'word word'
[ "$(relay_requests)" = "$n0" ] || fail "a too-long request reached the relay"

# count_tokens: local, conservative, nothing sent.
big anthropic
post /v1/messages/count_tokens "$T/req.json"
expect_status 200
[ "$(jget "$T/body" input_tokens)" -ge 150000 ] ||
    fail "estimate $(jget "$T/body" input_tokens) below 600 KB / 4"
[ "$(relay_requests)" = "$n0" ] || fail "count_tokens reached the relay"
body '{"model":"claude-sonnet-4-5"}'
post /v1/messages/count_tokens "$T/req.json"
expect_status 400
expect_json error.type invalid_request_error

# Stateless Responses.
for f in '"previous_response_id":"resp_1"' '"conversation":"conv_1"'; do
	body '{"model":"gpt-5","input":"x",'"$f"'}'
	post /v1/responses "$T/req.json"
	expect_status 400
	expect_json error.type invalid_request_error
	expect_body_contains 'send the full conversation in input'
done
# ... but null ones are absent, and unknown fields are never a 400.
body '{"model":"gpt-5","input":"ok","previous_response_id":null,"conversation":null,"client_metadata":{"x":1},"totally_new_field":[1]}'
post /v1/responses "$T/req.json"
expect_status 200
expect_json output.0.content.0.text 'Echo: ok'

# Keys: a wrong one is Anthropic's authentication_error; Bearer passes.
body '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"k"}]}'
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'x-api-key: wrong' \
    -H 'Content-Type: application/json' --data-binary "@$T/req.json" \
    "$VEIL_URL/v1/messages")
expect_status 401
expect_json type error
expect_json error.type authentication_error
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' \
    -H 'Authorization: Bearer og-veil' -H 'anthropic-version: 2023-06-01' \
    -H 'Content-Type: application/json' --data-binary "@$T/req.json" \
    "$VEIL_URL/v1/messages?beta=true")
expect_status 200
expect_json content.0.text 'Echo: k'
# A bad body is a 400 in the Anthropic envelope.
body '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"tool","content":"k"}]}'
post '/v1/messages?beta=true' "$T/req.json"
expect_status 400
expect_json error.type invalid_request_error

# Claude Code streams with Accept: application/json.
body '{"model":"claude-sonnet-4-5","max_tokens":10,"stream":true,"messages":[{"role":"user","content":"accept json"}]}'
post '/v1/messages?beta=true' "$T/req.json" -H 'Accept: application/json'
expect_status 200
expect_header Content-Type text/event-stream
expect_header X-OpenGradient-Verified true
[ "$(grep -c '^event: content_block_stop$' "$T/body")" = 1 ] ||
    fail "not one content_block_stop"
tail -n 3 "$T/body" | grep -q '^event: message_stop$' || fail "no message_stop"

# A 413 from the gateway through the relay (a limit og-veil did not see
# coming) is the same context-length error, in each dialect.
fault relay-status "" 413
body '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
post /v1/chat/completions "$T/req.json"
expect_status 400
expect_json error.code context_length_exceeded
body '{"model":"gpt-5","input":"x"}'
post /v1/responses "$T/req.json"
expect_status 400
expect_json error.code context_length_exceeded
expect_json error.type invalid_request_error
body '{"model":"claude-sonnet-4-5","max_tokens":10,"messages":[{"role":"user","content":"x"}]}'
post /v1/messages "$T/req.json"
expect_status 400
expect_json error.type invalid_request_error
expect_body_contains 'prompt is too long'
fault_clear

# 509-gateway-refusals: every plaintext refusal the devnet gateway can make
# (gateway-status: 400 unsupported model, 402 balance, 413 too large, 429
# rate limit, 451 content policy, 500, 503) reaches the agent through the
# relay with its status and the gateway's message, in each dialect: Chat
# Completions, Anthropic Messages and Responses, streamed or not
# (PROTOCOL.md §5; 413 is the dialect's context-length error).  A refusal
# is not a lie: no TEE is quarantined.  A gateway's Retry-After (429)
# reaches the agent as the devnet relay passes it on, like any proxy of
# end-to-end headers (321 checks the relay's own).
# tls: yes
devnet_start
veil_login
veil_start

# send DIALECT STREAM: POST in that dialect; STATUS, $T/body, $T/headers.
send() {
	case $1 in
	chat) path=/v1/chat/completions
		body='{"model":"gpt-4.1-mini","stream":'$2',"messages":[{"role":"user","content":"refuse me"}]}' ;;
	messages) path=/v1/messages
		body='{"model":"gpt-4.1-mini","max_tokens":64,"stream":'$2',"messages":[{"role":"user","content":"refuse me"}]}' ;;
	responses) path=/v1/responses
		body='{"model":"gpt-4.1-mini","stream":'$2',"input":"refuse me"}' ;;
	esac
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    -H 'Authorization: Bearer og-veil' -H 'x-api-key: og-veil' \
	    -H 'anthropic-version: 2023-06-01' \
	    --data-binary "$body" "$VEIL_URL$path") || STATUS=000
}

# check STATUS DIALECT: what the agent got for the gateway's refusal.
check() {
	python3 - "$T/body" "$1" "$2" "$STATUS" <<'PYEOF'
import json, sys
body, st, d, got = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
detail = {400: "Model 'x' is not supported by this TEE",
          402: "Insufficient balance for this request",
          413: "encapsulated request too large",
          429: "Rate limit exceeded, retry later",
          451: "Request blocked by the content policy",
          500: "Internal gateway error",
          503: "Model backend overloaded"}[st]
want = 400 if st == 413 else st
if got != want:
    sys.exit("%s %d: status %d, expected %d" % (d, st, got, want))
doc = json.load(open(body))
err = doc["error"]
if d == "messages" and doc.get("type") != "error":
    sys.exit("messages %d: not an Anthropic error: %r" % (st, doc))
msg = err["message"]
if detail not in msg:
    sys.exit("%s %d: the gateway's message is lost: %r" % (d, st, msg))
if st == 413 and not msg.startswith("prompt is too long"):
    sys.exit("%s 413: not a context-length error: %r" % (d, msg))
# The dialect's own error type (and code) for the status.
types = {
    "chat": {},
    "messages": {400: "invalid_request_error", 402: "billing_error",
                 413: "invalid_request_error",
                 429: "rate_limit_error", 500: "api_error",
                 503: "overloaded_error"},
    "responses": {429: "rate_limit_error", 500: "server_error",
                  503: "server_error", 400: "invalid_request_error"},
}[d]
if st in types and err["type"] != types[st]:
    sys.exit("%s %d: type %r, expected %r" % (d, st, err["type"], types[st]))
if d == "chat" and err["type"] != "veil_error":
    sys.exit("chat %d: type %r" % (st, err["type"]))
if d != "messages":
    code = "context_length_exceeded" if st == 413 else "relay_error"
    if err.get("code") != code:
        sys.exit("%s %d: code %r, expected %r" % (d, st, err.get("code"), code))
PYEOF
}

for st in 400 402 413 429 451 500 503; do
	fault gateway-status "" "$st"
	for d in chat messages responses; do
		for s in false true; do
			send "$d" "$s"
			check "$st" "$d" || fail "gateway $st, $d, stream $s"
			[ "$st" != 429 ] ||
			    grep -qi '^Retry-After: 5' "$T/headers" ||
			    fail "gateway 429, $d, stream $s: the gateway's Retry-After 5 was not passed on"
		done
	done
	fault_clear
	note "gateway $st: passed on in every dialect"
done

# A refusal is not a failed verification: nothing is quarantined, and the
# network serves again at once.
api_get /health
expect_json quarantined '[]'
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"served"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: served'

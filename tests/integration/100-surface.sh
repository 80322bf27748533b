# 100-surface: /health, /v1/models, routing, methods and the guards
# (Origin, Host, Content-Type, framing) without a login: chat gets 401.
devnet_start
veil_start

api_get /health
expect_status 200
expect_json logged_in false
expect_json tee_id null
grep -q 'og-veil login' "$T/body" || fail "health does not say how to log in"

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}'
expect_status 401
expect_json error.type veil_error
expect_body_contains 'og-veil login'

api_get /v1/models
expect_status 200
expect_json object list
expect_json data.0.object model
expect_json data.0.owned_by opengradient
expect_body_contains '"grok-code-fast-1"'
expect_body_contains '"claude-opus-4-8"'
[ "$(jget "$T/body" data | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 33 ] ||
    fail "expected 33 models"

api_get /v1/models/gpt-5
expect_status 200
expect_json id gpt-5
api_get /v1/models/openai/gpt-5.4-mini
expect_status 200
expect_json id gpt-5.4-mini
api_get /v1/models/no-such-model
expect_status 404
expect_json error.code model_not_found
expect_json error.type veil_error

api_get /v2/nothing
expect_status 404
expect_json error.type veil_error
expect_json error.param null

STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    "$VEIL_URL/v1/chat/completions")
expect_status 405
expect_header Allow 'POST, OPTIONS'
expect_json error.type veil_error

STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -X DELETE "$VEIL_URL/v1/models")
expect_status 405
expect_header Allow 'GET, OPTIONS'

# Content-Type must be JSON.
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Content-Type: text/plain' \
    --data-binary '{}' "$VEIL_URL/v1/chat/completions")
expect_status 415
expect_json error.type veil_error

# Browsers: an Origin not allowed is refused, also for the preflight.
chat_post '{}' -H 'Origin: https://evil.example'
expect_status 403
expect_json error.type veil_error
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -X OPTIONS \
    -H 'Origin: https://evil.example' "$VEIL_URL/v1/chat/completions")
expect_status 403

# DNS rebinding: a foreign Host name is refused; ours pass.
api_get /v1/models -H 'Host: x'
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Host: evil.example' \
    "$VEIL_URL/v1/models")
expect_status 403
for h in "localhost:$VEIL_PORT" "127.0.0.1:$VEIL_PORT" localhost; do
	STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H "Host: $h" \
	    "$VEIL_URL/v1/models")
	expect_status 200
done
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Host: localhost:1' \
    "$VEIL_URL/v1/models")
expect_status 403

# Duplicated or conflicting Content-Length: 400.
python3 - "$VEIL_PORT" >"$T/raw" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
          b"Content-Type: application/json\r\nContent-Length: 2\r\n"
          b"Content-Length: 3\r\n\r\n{}")
s.settimeout(10)
print(s.recv(65536).decode("latin-1").split("\r\n")[0])
PYEOF
grep -q ' 400 ' "$T/raw" || fail "duplicated Content-Length: $(cat "$T/raw")"

# Too large a body: 413.
python3 -c 'print("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a" * 40000 + "\"}]}")' >"$T/big.json"
veil_stop
veil_start --max-body 32768
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$T/big.json" "$VEIL_URL/v1/chat/completions") || STATUS=000
expect_status 413

# Headers past max_headers: 431 in the OpenAI envelope.
big=$(python3 -c 'print("a" * 70000)')
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H "X-Big: $big" \
    "$VEIL_URL/health") || STATUS=000
expect_status 431
expect_json error.type veil_error

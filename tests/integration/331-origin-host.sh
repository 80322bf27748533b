# 331-origin-host: the allowed side of the browser guards.  An Origin listed
# with --allow-origin (or OG_VEIL_ALLOW_ORIGINS) passes with the right CORS
# headers and a working preflight, even with an API key; others stay 403.
# A Host listed with --allow-host passes the DNS-rebinding guard; others
# stay 403.  (100-surface checks the refusals without allow lists.)
devnet_start
veil_login

# req METHOD PATH [curl args]
req() {
	_m=$1; _p=$2; shift 2
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -X "$_m" "$@" "$VEIL_URL$_p") || STATUS=000
}
CHAT='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"cors"}]}'
O1=http://localhost:5173
O2=https://app.example

veil_start --allow-origin "$O1" --allow-origin "$O2" \
    --allow-host proxy.internal
# A simple request from an allowed page: CORS headers on the answer.
req POST /v1/chat/completions -H "Origin: $O1" \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' \
    --data-binary "$CHAT"
expect_status 200
expect_header Access-Control-Allow-Origin "$O1"
expect_header Vary Origin
expect_json choices.0.message.content 'Echo: cors'
req GET /v1/models -H "Origin: $O2"
expect_status 200
expect_header Access-Control-Allow-Origin "$O2"
# Error answers carry them too, so the page can read the message.
req GET /v1/models/nope -H "Origin: $O2"
expect_status 404
expect_header Access-Control-Allow-Origin "$O2"
# Never a wildcard, never credentials.
! grep -qi '^Access-Control-Allow-Origin: \*' "$T/headers" || fail "wildcard"
! grep -qi '^Access-Control-Allow-Credentials' "$T/headers" ||
    fail "credentials allowed"

# The preflight a browser sends before a JSON POST.
req OPTIONS /v1/chat/completions -H "Origin: $O1" \
    -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Headers: authorization, content-type'
expect_status 204
expect_header Access-Control-Allow-Origin "$O1"
expect_header Access-Control-Allow-Methods 'POST, OPTIONS'
grep -i '^Access-Control-Allow-Headers:' "$T/headers" | grep -qi authorization ||
    fail "preflight does not allow Authorization"
grep -i '^Access-Control-Allow-Headers:' "$T/headers" | grep -qi content-type ||
    fail "preflight does not allow Content-Type"
grep -qi '^Access-Control-Max-Age: [0-9]' "$T/headers" || fail "no Max-Age"
req OPTIONS /v1/models -H "Origin: $O2" -H 'Access-Control-Request-Method: GET'
expect_status 204
expect_header Access-Control-Allow-Methods 'GET, OPTIONS'

# Not listed: 403, for the preflight too, and no CORS header to leak.
for o in https://evil.example http://localhost:5174 'null' "$O1.evil.example"; do
	req POST /v1/chat/completions -H "Origin: $o" \
	    -H 'Content-Type: application/json' --data-binary "$CHAT"
	expect_status 403
	expect_json error.code origin_not_allowed
	! grep -qi '^Access-Control-Allow-Origin' "$T/headers" ||
	    fail "CORS header for $o"
	req OPTIONS /v1/chat/completions -H "Origin: $o" \
	    -H 'Access-Control-Request-Method: POST'
	expect_status 403
done

# Hosts: the listed name passes (with or without our port), others 403.
for h in proxy.internal "proxy.internal:$VEIL_PORT" PROXY.internal; do
	req GET /v1/models -H "Host: $h"
	expect_status 200
done
for h in evil.example proxy.internal.evil.example proxy.internal:1; do
	req GET /v1/models -H "Host: $h"
	expect_status 403
	expect_json error.code host_not_allowed
	expect_body_contains '--allow-host'
done
veil_stop

# The environment's lists, and an API key: the preflight still works (a
# browser sends no Authorization on it), the request itself needs the key.
OG_VEIL_ALLOW_ORIGINS="$O2 $O1" OG_VEIL_ALLOW_HOSTS=a.test,b.test \
    veil_start --api-key k-123456
req OPTIONS /v1/chat/completions -H "Origin: $O2" \
    -H 'Access-Control-Request-Method: POST'
expect_status 204
expect_header Access-Control-Allow-Origin "$O2"
req POST /v1/chat/completions -H "Origin: $O2" \
    -H 'Content-Type: application/json' --data-binary "$CHAT"
expect_status 401
expect_header Access-Control-Allow-Origin "$O2"
req POST /v1/chat/completions -H "Origin: $O2" \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer k-123456' \
    --data-binary "$CHAT"
expect_status 200
expect_header Access-Control-Allow-Origin "$O2"
req GET /v1/models -H "Origin: https://evil.example" \
    -H 'Authorization: Bearer k-123456'
expect_status 403

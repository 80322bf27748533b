# 553-framing: RFC 9112 request heads evhttp 2.1 accepts are refused with
# 400 in the JSON envelope: two Host headers, "Host : x" (whitespace
# before the colon), an HTTP/1.1 request without Host; an HTTP/1.0 one
# without Host is served; the host of an absolute-form target is checked
# like Host (403 for a foreign name).  A stream to an HTTP/1.0 keep-alive
# client is sent close-delimited (before: "Content-Length: 0" and then the
# SSE body).  A client that half-closes after its request is treated as
# gone (og-veil(1)), and the server goes on.
devnet_start
veil_login
veil_start

raw() {
	python3 "$TOP/tests/integration/raw-http.py" "$VEIL_PORT" \
	    --timeout-ok --reset-ok "$@" >"$T/raw"
	sed '1,/^\r$/d' "$T/raw" >"$T/body"
}
status_is() {
	head -n 1 "$T/raw" | grep -q "^HTTP/1\.[01] $1 " ||
	    fail "expected $1: $(head -c 300 "$T/raw")"
}

raw 'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer og-veil\r\n\r\n'
status_is 400
expect_json error.code bad_request
expect_body_contains 'more than one Host'
raw 'GET /v1/models HTTP/1.1\r\nHost : 127.0.0.1\r\nAuthorization: Bearer og-veil\r\n\r\n'
status_is 400
expect_body_contains 'whitespace between a header name'
raw 'GET /v1/models HTTP/1.1\r\nAuthorization: Bearer og-veil\r\n\r\n'
status_is 400
expect_body_contains 'without a Host'
raw 'GET /v1/models HTTP/1.0\r\nAuthorization: Bearer og-veil\r\n\r\n'
status_is 200
raw 'GET http://evil.example/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer og-veil\r\nConnection: close\r\n\r\n'
status_is 403
expect_json error.code host_not_allowed
raw 'GET http://127.0.0.1/v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer og-veil\r\nConnection: close\r\n\r\n'
status_is 200

# HTTP/1.0 keep-alive and a stream: no length, the close ends it.
B='{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"ten four"}]}'
raw "POST /v1/chat/completions HTTP/1.0\\r\\nHost: 127.0.0.1\\r\\nConnection: keep-alive\\r\\nAuthorization: Bearer og-veil\\r\\nContent-Type: application/json\\r\\nContent-Length: ${#B}\\r\\n\\r\\n$B"
status_is 200
! grep -qi '^Content-Length:' "$T/raw" || fail "a length on a 1.0 stream: $(head -c 400 "$T/raw")"
grep -qi '^Connection: close' "$T/raw" || fail "no Connection: close"
grep -q '^data: \[DONE\]' "$T/body" || fail "the stream: $(head -c 400 "$T/raw")"
grep -q 'four' "$T/body" || fail "the stream's text: $(head -c 400 "$T/raw")"

# A half-close after the request: treated as the agent leaving.  The FIN
# goes with the request's bytes (raw-http.py --halfclose), and the relay
# holds its answer 1.5 s: else, on a loaded machine, the answer could go
# out before the FIN came, which is no half-close under a request.
fault relay-delay "" 1500
B='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"half"}]}'
raw "POST /v1/chat/completions HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nAuthorization: Bearer og-veil\\r\\nContent-Type: application/json\\r\\nContent-Length: ${#B}\\r\\n\\r\\n$B" --halfclose
! grep -q 'Echo: half' "$T/raw" || fail "answered after a half-close"
wait_for 10 grep -q 'agent went away' "$T/veil.log" ||
    fail "the half-close was not taken for the agent leaving"
fault_clear
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"whole"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: whole'

# 562-libevent-errors: the errors libevent 2.1 makes itself, before
# og-veil sees a request, come back in the JSON envelope, not as
# libevent's HTML page: a request line or header that does not parse
# (400), a head over evhttp's limit (431), a declared or chunked body over
# --max-body and a broken chunked coding (413, with and without Expect:
# 100-continue), an Expect other than 100-continue (417), a method
# libevent does not know (501), also when pipelined behind an answered
# request.  Each keeps its status and "Connection: close", and the server
# goes on.
devnet_start
veil_login
veil_start --max-body 64k --max-headers 4k

H='Host: 127.0.0.1\r\nAuthorization: Bearer og-veil\r\n'
P='POST /v1/chat/completions HTTP/1.1\r\n'"$H"'Content-Type: application/json\r\n'
raw() {
	python3 "$TOP/tests/integration/raw-http.py" "$VEIL_PORT" --wait 10 \
	    --timeout-ok --reset-ok "$@"
}
# libevent_error STATUS CODE REQUEST [--repeat TEXT COUNT]
libevent_error() {
	_st=$1 _code=$2
	shift 2
	raw "$@" >"$T/raw"
	sed '1,/^\r$/d' "$T/raw" >"$T/body"
	head -n 1 "$T/raw" | grep -q "^HTTP/1\.1 $_st " ||
	    fail "expected $_st for $(printf %.60s "$1"): $(head -c 300 "$T/raw")"
	! grep -qi '<html>' "$T/raw" ||
	    fail "an HTML page for $(printf %.60s "$1"): $(head -c 300 "$T/raw")"
	grep -qi '^Content-Type: application/json' "$T/raw" ||
	    fail "not JSON: $(head -c 300 "$T/raw")"
	grep -qi '^Connection: close' "$T/raw" ||
	    fail "no Connection: close: $(head -c 300 "$T/raw")"
	_len=$(sed -n 's/^Content-Length: *\([0-9]*\).*/\1/ip' "$T/raw")
	[ "$_len" = "$(wc -c <"$T/body")" ] ||
	    fail "Content-Length $_len for a $(wc -c <"$T/body")-byte body"
	expect_json error.code "$_code"
}

libevent_error 400 bad_request 'GARBAGE\r\n\r\n'
libevent_error 400 bad_request 'GET /v1/models HTTP/1.1\r\n'"$H"'no colon here\r\n\r\n'
libevent_error 400 bad_request 'GET /v1/models HTTP/9.9\r\n'"$H"'\r\n'
libevent_error 431 headers_too_large 'GET /v1/models HTTP/1.1\r\n'"$H"'X-Big: ' --repeat a 40000
expect_body_contains OG_VEIL_MAX_HEADERS
libevent_error 413 request_too_large "$P"'Content-Length: 9999999\r\n\r\n'
expect_body_contains OG_VEIL_MAX_BODY
libevent_error 413 request_too_large "$P"'Expect: 100-continue\r\nContent-Length: 9999999\r\n\r\n'
libevent_error 413 request_too_large "$P"'Transfer-Encoding: chunked\r\n\r\n20000\r\n' x 70000
libevent_error 413 request_too_large "$P"'Transfer-Encoding: chunked\r\n\r\nzz\r\n'
libevent_error 417 expectation_failed "$P"'Expect: telepathy\r\nContent-Length: 2\r\n\r\n{}'
libevent_error 501 not_implemented 'FROB /v1/models HTTP/1.1\r\n'"$H"'\r\n'
libevent_error 501 not_implemented 'TRACE /v1/models HTTP/1.1\r\n'"$H"'\r\n'

# Pipelined behind a request og-veil answers: evhttp parses it once that
# answer is sent, and its error is JSON too.
raw 'GET /v1/models HTTP/1.1\r\n'"$H"'\r\nGARBAGE\r\n\r\n' >"$T/raw"
[ "$(grep -ao 'HTTP/1\.1 [0-9][0-9][0-9] ' "$T/raw" | tr -d '\n')" = \
    "HTTP/1.1 200 HTTP/1.1 400 " ] || fail "pipelined: $(head -c 400 "$T/raw")"
! grep -qi '<html>' "$T/raw" || fail "pipelined: an HTML page: $(tail -c 300 "$T/raw")"
grep -q '"code":"bad_request"' "$T/raw" || fail "pipelined: $(tail -c 300 "$T/raw")"

# og-veil's own answers are untouched, and it goes on.
api_get /v1/models
expect_status 200
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: after'
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"chunked"}]}' \
    -H 'Transfer-Encoding: chunked'
expect_status 200
expect_json choices.0.message.content 'Echo: chunked'
curl -sS -o "$T/body" -D "$T/headers" -X POST -H 'Authorization: Bearer og-veil' \
    -H 'Content-Type: application/json' --data-binary @/dev/null "$VEIL_URL/v1/chat/completions" >/dev/null
grep -q '"code":"invalid_request_error"' "$T/body" ||
    fail "og-veil's own 400: $(cat "$T/body")"

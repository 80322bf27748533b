# 589-hostile-relay: a relay of our own on loopback answers with what a
# hostile relay may choose: a status that is no status (99999999999, which
# showed as "relay error 1215752191"), a 302, a Retry-After of 10^14
# seconds or an HTTP-date, and a message with ANSI escapes and CR LF.
# og-veil keeps statuses to 4xx/5xx (else 502), passes Retry-After as a
# bounded number of seconds (or not at all), marks the relay's text as
# the relay's, and neither the answer nor the log carries a control byte.
devnet_start
RPORT=$(free_port)
python3 - "$RPORT" "$T/mode" <<'PYEOF' >"$T/relay.log" 2>&1 &
import socket, sys
port, modefile = int(sys.argv[1]), sys.argv[2]
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port))
s.listen(16)
while True:
    c, _ = s.accept()
    data = b""
    while b"\r\n\r\n" not in data:
        d = c.recv(65536)
        if not d:
            break
        data += d
    if b"\r\n\r\n" not in data:
        c.close()	# a probe
        continue
    head, _, body = data.partition(b"\r\n\r\n")
    n = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            n = int(line.split(b":")[1])
    while len(body) < n:
        d = c.recv(65536)
        if not d:
            break
        body += d
    status, ra, msg = open(modefile).read().split("|", 2)
    payload = ('{"detail": %s}' % msg).encode()
    out = "HTTP/1.1 %s Hostile\r\nContent-Type: application/json\r\n" % status
    if ra:
        out += "Retry-After: %s\r\n" % ra
    out += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(payload)
    c.sendall(out.encode() + payload)
    c.close()
PYEOF
lib_track $!
wait_for 10 python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])))" "$RPORT" ||
    fail "the hostile relay did not start"
python3 - "$T/bundle.json" "$T/bundle-h.json" "http://127.0.0.1:$RPORT" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
b["config"]["chat_api_base_url"] = sys.argv[3]
json.dump(b, open(sys.argv[2], "w"))
PYEOF
"$VEIL_BIN" login --manual <"$T/bundle-h.json" >"$T/login.out" 2>&1 ||
    fail "login: $(cat "$T/login.out")"
veil_start

# case STATUS RETRY-AFTER MESSAGE-JSON: set the relay's next answer, post.
case_() {
	printf '%s|%s|%s' "$1" "$2" "$3" >"$T/mode"
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
	! grep -q "$(printf '\033')" "$T/body" "$T/headers" || fail "$1: an ESC in the answer"
}
case_ 99999999999 "" '"huge"'
expect_status 502
expect_json error.type veil_error
expect_body_lacks 1215752191
expect_body_lacks 99999999999
expect_body_contains 'invalid HTTP status'

case_ 302 "" '"moved"'
expect_status 502
expect_body_contains 'the relay answered HTTP 302'

case_ 503 99999999999999 '"busy"'
expect_status 503
expect_header Retry-After 3600
expect_body_contains 'the relay answered HTTP 503: \"busy\"'

case_ 429 "Wed, 21 Oct 2015 07:28:00 GMT" '"slow"'
expect_status 429
expect_header Retry-After ''

case_ 429 " 12 " '"slow"'
expect_status 429
expect_header Retry-After 12

case_ 500 "" '"\u001b[31mred\r\n2026-01-01T00:00:00.000Z info  FORGED"'
expect_status 500
expect_body_contains 'the relay answered HTTP 500'
expect_body_lacks 'u001b'
expect_body_lacks '\r\n'
! grep -q "$(printf '\033')" "$T/veil.log" || fail "an ESC reached the log"
! grep -q '^2026-01-01T00:00:00.000Z info  FORGED' "$T/veil.log" ||
    fail "the relay forged a log line"

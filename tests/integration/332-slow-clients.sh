# 332-slow-clients: a header block past 64 KiB made of many small headers
# gets 431 in the OpenAI envelope; a client that sends half its headers and
# stalls, and one that stops in the middle of its body, are disconnected
# within the documented 60 s idle timeout (og-veil(1)) while the server
# keeps answering others.
devnet_start
veil_login
veil_start
IDLE=60		# server.c: evhttp_set_timeout(), og-veil(1) LIMITS

# Many headers, each small, together past 64 KiB: 431, the envelope.
python3 "$TOP/tests/integration/raw-http.py" "$VEIL_PORT" \
    'GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer og-veil\r\n' \
    --headers 800 90 '\r\n' >"$T/raw" ||
    fail "many headers: raw-http.py failed"
head -n 1 "$T/raw" | grep -q ' 431 ' || fail "many headers: $(head -n 1 "$T/raw")"
sed '1,/^\r$/d' "$T/raw" >"$T/body"
expect_json error.type veil_error
expect_json error.code headers_too_large
api_get /v1/models
expect_status 200
# Far past it (beyond evhttp's own buffer, 2 * 64k + 8k): libevent 2.1
# answers itself, a 4xx, and closes; the server goes on.
python3 "$TOP/tests/integration/raw-http.py" "$VEIL_PORT" --reset-ok \
    'GET /v1/models HTTP/1.1\r\nHost: localhost\r\n' --headers 3000 90 \
    '\r\n' >"$T/raw" ||
    fail "300k of headers: raw-http.py failed"
head -n 1 "$T/raw" | grep -q '^HTTP/1.1 4[0-9][0-9] ' ||
    fail "300k of headers: $(head -n 1 "$T/raw")"
api_get /v1/models
expect_status 200

# Two stalled clients on their own sockets, watched by python: one stops
# in the middle of its headers, one in the middle of a declared body.  It
# prints "open" once both are connected and then, for each, the seconds
# until the server closed it.
python3 - "$VEIL_PORT" $((IDLE + 30)) >"$T/slow" 2>&1 <<'PYEOF' &
import select, socket, sys, time
port, limit = int(sys.argv[1]), float(sys.argv[2])
a = socket.create_connection(("127.0.0.1", port))
a.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
          b"Content-Type: appl")
b = socket.create_connection(("127.0.0.1", port))
b.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\n"
          b"Authorization: Bearer og-veil\r\n"
          b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
          b'{"model":"gpt-4.1-mini","messages":[')
t0 = time.monotonic()
print("open", flush=True)
socks = {a: "headers", b: "body"}
while socks and time.monotonic() - t0 < limit:
    r, _, _ = select.select(list(socks), [], [], 1)
    for s in r:
        try:
            d = s.recv(65536)
        except ConnectionResetError:
            d = b""
        if d == b"":
            print("%s closed %.0f" % (socks[s], time.monotonic() - t0),
                  flush=True)
            del socks[s]
            s.close()
        else:
            print("%s answered %r" % (socks[s], d[:40]), flush=True)
for name in socks.values():
    print("%s still open" % name, flush=True)
PYEOF
SLOW=$!
lib_track $SLOW
wait_for 10 grep -q '^open' "$T/slow" || fail "slow clients: $(cat "$T/slow")"

# Meanwhile the server serves others: a verified chat and a stream.
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"not stalled"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: not stalled'
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"me neither"}]}'
expect_status 200
grep -q '^data: \[DONE\]$' "$T/body" || fail "stream did not finish"
api_get /health
expect_status 200
! grep -q closed "$T/slow" || fail "a slow client was cut early: $(cat "$T/slow")"

# Both stalled sockets are closed within the timeout (plus scheduling).
wait_for $((IDLE + 25)) sh -c "grep -q '^headers closed' '$T/slow' &&
    grep -q '^body closed' '$T/slow'" ||
    fail "a stalled client was not disconnected: $(cat "$T/slow")"
! grep -q 'still open' "$T/slow" || fail "$(cat "$T/slow")"
note "$(tr "\n" " " <"$T/slow")"
# Not answered with a 200 or a chat.
! grep -q 'answered' "$T/slow" || grep 'answered' "$T/slow" | grep -qv ' 200 ' ||
    fail "a stalled client got an answer: $(cat "$T/slow")"
api_get /health
expect_status 200

# 560-body-timeout: a client that sends its headers and part of a body and
# then stays silent is closed after --body-timeout (2 s here; 30 s by
# default), without an answer; a client that sends its small body slowly
# but never pauses that long is served, however long the whole takes
# (before, the 10 s header deadline also cut any request under 136 KiB
# still arriving after 10 s, body included).  Others are served throughout.
devnet_start
veil_login
veil_start --body-timeout 2

python3 - "$VEIL_PORT" >"$T/slow" 2>&1 <<'PYEOF'
import select, socket, sys, time
port = int(sys.argv[1])
body = (b'{"model":"gpt-4.1-mini","messages":[{"role":"user",'
        b'"content":"slow but steady"}]}')
head = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Authorization: Bearer og-veil\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(body))
t0 = time.monotonic()
silent = socket.create_connection(("127.0.0.1", port))
silent.sendall(head + body[:20])
drip = socket.create_connection(("127.0.0.1", port))
drip.sendall(head + body[:-16])
rest = body[-16:]
print("open", flush=True)
got = {silent: b"", drip: b""}
name = {silent: "silent", drip: "drip"}
nxt = time.monotonic() + 0.8
while got and time.monotonic() - t0 < 40:
    if rest and time.monotonic() >= nxt:
        drip.sendall(rest[:1])
        rest = rest[1:]
        nxt += 0.8
    r, _, _ = select.select(list(got), [], [], 0.1)
    for s in r:
        try:
            d = s.recv(65536)
        except OSError:
            d = b""
        if d:
            got[s] += d
            if s is drip and b"}" in got[s].split(b"\r\n\r\n", 1)[-1]:
                d = b""
        if not d:
            print("%s closed %.1f %r" % (name[s], time.monotonic() - t0,
                  got[s][:2000]), flush=True)
            del got[s]
            s.close()
print("end", flush=True)
PYEOF
SLOWP=$!
lib_track $SLOWP
wait_for 10 grep -q '^open' "$T/slow" || fail "$(cat "$T/slow")"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"meanwhile"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: meanwhile'
wait_for 40 grep -q '^end' "$T/slow" || fail "$(cat "$T/slow")"
note "$(tr '\n' ' ' <"$T/slow")"

t=$(sed -n 's/^silent closed \([0-9]*\)\.[0-9] .*/\1/p' "$T/slow")
[ -n "$t" ] || fail "the silent client was never closed: $(cat "$T/slow")"
[ "$t" -ge 1 ] && [ "$t" -le 8 ] ||
    fail "the silent client was closed after $t s, not about 2"
grep -q "^silent closed [0-9.]* b''$" "$T/slow" ||
    fail "the silent client got an answer: $(grep '^silent' "$T/slow")"
grep -q 'sent nothing of its body for 2 s' "$T/veil.log" ||
    fail "no log line for the silent client: $(tail -n 5 "$T/veil.log")"

d=$(sed -n 's/^drip closed \([0-9]*\)\.[0-9] .*/\1/p' "$T/slow")
[ -n "$d" ] && [ "$d" -ge 11 ] || fail "the drip ended early: $(cat "$T/slow")"
grep '^drip closed' "$T/slow" | grep -q 'HTTP/1.1 200 ' ||
    fail "the slow body was not served: $(grep '^drip' "$T/slow")"
grep '^drip closed' "$T/slow" | grep -q 'Echo: slow but steady' ||
    fail "the slow body's answer: $(grep '^drip' "$T/slow")"
api_get /health
expect_status 200

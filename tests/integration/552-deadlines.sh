# 552-deadlines: a client dripping one header byte every 2 s is closed by
# the 10 s header deadline (before, each byte restarted the 60 s idle
# timer, so it stayed forever); an agent that stops reading a large
# verified answer is closed by the 20 s write deadline and what og-veil
# held for it is released; others are served throughout.
case $O in *asan*)
	skip "a 120000-frame stream under ASan starves the devnet's loop: the deadlines it measures are the plain build's" ;;
esac
devnet_start --stream-frames 120000
veil_login
veil_start

# A ~12 MB answer (the devnet repeats the prompt's 100-byte words to
# 120000 tokens): more than the kernel's socket buffers take, so og-veil
# holds the rest for the agent.
python3 -c 'import json; print(json.dumps({"model": "gpt-4.1-mini", "messages": [{"role": "user", "content": " ".join(["w%03d" % i + "x" * 96 for i in range(500)])}]}))' >"$T/big.json"

python3 - "$VEIL_PORT" "$T/big.json" >"$T/slow" 2>&1 <<'PYEOF' &
import select, socket, sys, time
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
t0 = time.monotonic()
drip = socket.create_connection(("127.0.0.1", port))
drip.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
# The reader that stops: a small receive buffer, one request, no reads.
lazy = socket.socket()
lazy.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
lazy.connect(("127.0.0.1", port))
lazy.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
             b"Authorization: Bearer og-veil\r\n"
             b"Content-Type: application/json\r\n"
             b"Content-Length: %d\r\n\r\n" % len(body) + body)
print("open", flush=True)
done = {}
nxt = time.monotonic() + 2
while "drip" not in done and time.monotonic() - t0 < 30:
    if "drip" not in done and time.monotonic() >= nxt:
        try:
            drip.send(b"X")
        except OSError:
            pass
        nxt += 2
    if "drip" not in done:
        r, _, _ = select.select([drip], [], [], 0.2)
        if r:
            try:
                d = drip.recv(65536)
            except OSError:
                d = b""
            if not d:
                done["drip"] = time.monotonic() - t0
                print("drip closed %.0f" % done["drip"], flush=True)
            else:
                print("drip answered %r" % d[:40], flush=True)
    time.sleep(0.1)
print("end", flush=True)
# Hold the lazy connection (never reading) until the server gives up.
while time.monotonic() - t0 < 60:
    time.sleep(0.5)
PYEOF
SLOWP=$!
lib_track $SLOWP
wait_for 20 grep -q '^open' "$T/slow" || fail "$(cat "$T/slow")"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"meanwhile"}]}'
expect_status 200
wait_for 40 grep -q '^end' "$T/slow" || fail "$(cat "$T/slow")"
note "$(tr '\n' ' ' <"$T/slow")"
d=$(sed -n 's/^drip closed //p' "$T/slow")
[ -n "$d" ] || fail "the dripping client was never closed: $(cat "$T/slow")"
[ "$d" -le 20 ] || fail "the dripping client lasted $d s"
! grep -q 'drip answered' "$T/slow" || fail "$(cat "$T/slow")"
wait_for 60 grep -q 'read nothing of its answer for 20 s' "$T/veil.log" ||
    fail "the agent that stopped reading was never closed"
api_get /health
expect_status 200

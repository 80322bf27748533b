# 579-replay-deadline: an agent that reads its verified stream slower than
# --deadline allows gets the content it read, then the dialect's error
# event (upstream_timeout, saying the agent did not read its answer in
# time) and the end of the chunked reply: never a stream that simply stops
# as if whole (before, the replay in pieces ended without a word), and no
# [DONE].  og-veil keeps serving.
case $O in *asan*)
	skip "a 120000-frame stream under ASan starves the devnet's loop (as 552)" ;;
esac
devnet_start --stream-frames 120000 --stream-delay-ms 0
veil_login
veil_start --deadline 15

python3 -c 'import json; print(json.dumps({"model": "gpt-4.1-mini", "stream": True, "messages": [{"role": "user", "content": " ".join(["w%03d" % i + "x" * 96 for i in range(500)])}]}))' >"$T/big.json"
python3 - "$VEIL_PORT" "$T/big.json" >"$T/slow" 2>&1 <<'PYEOF'
import select, socket, sys, time
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
s.connect(("127.0.0.1", port))
s.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          b"Content-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % len(body) + body)
data, t0 = b"", time.monotonic()
# About 100 KB/s at most: the 12 MB answer would take two minutes.
while not data.endswith(b"\r\n0\r\n\r\n") and time.monotonic() - t0 < 90:
    r, _, _ = select.select([s], [], [], 1)
    if r:
        d = s.recv(1024)
        if not d:
            break
        data += d
    time.sleep(0.01)
tail = data[-4000:]
print("bytes", len(data))
print("status", data.split(b"\r\n", 1)[0].decode())
print("content", data.count(b'"content":"'))
print("done", b"[DONE]" in data)
print("end", data.endswith(b"\r\n0\r\n\r\n"))
i = tail.rfind(b'data: {"error"')
print("error", tail[i:i + 200].split(b"\n", 1)[0].decode() if i >= 0 else "none")
PYEOF
note "$(tr '\n' ' ' <"$T/slow")"
grep -q '^status HTTP/1.1 200' "$T/slow" || fail "not a 200 stream: $(cat "$T/slow")"
n=$(sed -n 's/^content //p' "$T/slow")
[ "${n:-0}" -gt 10 ] || fail "no verified content was delivered before the deadline"
grep -q '^done False' "$T/slow" || fail "[DONE] after a cut replay"
grep -q '^end True' "$T/slow" || fail "the reply did not end after the deadline"
grep -q '^error .*upstream_timeout' "$T/slow" ||
    fail "no error event after the cut replay: $(grep '^error' "$T/slow")"
grep -q '^error .*did not read its verified answer' "$T/slow" ||
    fail "the error does not say the agent was too slow: $(grep '^error' "$T/slow")"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"still here"}]}'
expect_status 200

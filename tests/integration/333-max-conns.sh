# 333-max-conns: --max-conns counts every connection from its accept.
# With --max-conns 3 and three kept-alive idle agent connections, a fourth
# is served and the oldest idle one is closed to make room; with three
# connections busy answering (slow streams), a fourth gets a clear 503
# (too_many_connections, Retry-After, Connection: close, the JSON
# envelope) and is closed, /health too; once they finish, new connections
# are served again.
devnet_start
veil_login
veil_start --max-conns 3

# A python holder: opens N kept-alive connections, each does one request,
# then obeys commands on stdin ("req I", "close I", "quit") and reports
# each answer's status line on stdout.
mkfifo "$T/ctl"
cat >"$T/hold.py" <<'PYEOF'
import socket, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
def request(s):
    s.sendall(b"GET /v1/models HTTP/1.1\r\nHost: localhost\r\n"
              b"Authorization: Bearer og-veil\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        c = s.recv(65536)
        if not c:
            return "closed"
        data += c
    head, body = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n")[1:]:
        k, v = line.split(b":", 1)
        if k.strip().lower() == b"content-length":
            length = int(v)
    while len(body) < length:
        c = s.recv(65536)
        if not c:
            return "closed"
        body += c
    return head.split(b"\r\n")[0].decode()
socks = []
for i in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(20)
    socks.append(s)
    print("conn %d %s" % (i, request(s)), flush=True)
print("ready", flush=True)
for line in sys.stdin:
    cmd = line.split()
    if cmd[0] == "req":
        i = int(cmd[1])
        print("req %d %s" % (i, request(socks[i])), flush=True)
    elif cmd[0] == "close":
        socks[int(cmd[1])].close()
        print("closed %d" % int(cmd[1]), flush=True)
    else:
        break
print("bye", flush=True)
PYEOF
python3 "$T/hold.py" "$VEIL_PORT" 3 <"$T/ctl" >"$T/hold" 2>&1 &
HOLD=$!
lib_track $HOLD
exec 3>"$T/ctl"
wait_for 15 grep -q '^ready' "$T/hold" || fail "holder: $(cat "$T/hold")"
[ "$(grep -c '^conn [0-9] HTTP/1.1 200' "$T/hold")" = 3 ] ||
    fail "the first three connections: $(cat "$T/hold")"

# A fourth connection: served; the oldest idle one (0) was closed.
api_get /v1/models
expect_status 200
echo 'req 0' >&3
wait_for 10 grep -q '^req 0 ' "$T/hold" || fail "$(cat "$T/hold")"
grep -q '^req 0 closed' "$T/hold" || fail "idle conn 0 kept: $(cat "$T/hold")"
echo 'req 2' >&3
wait_for 10 grep -q '^req 2 ' "$T/hold" || fail "$(cat "$T/hold")"
grep -q '^req 2 HTTP/1.1 200' "$T/hold" || fail "held conn 2: $(cat "$T/hold")"
ok() {
	api_get /v1/models
	[ "$STATUS" = 200 ]
}

echo quit >&3
exec 3>&-
wait_for 10 sh -c "! kill -0 $HOLD" || fail "holder did not exit"
wait_for 10 ok || fail "no recovery after all closed"
pids=
i=0
while [ $i -lt 3 ]; do
	curl -s -o "$T/p$i" -w '%{http_code}\n' -H 'Authorization: Bearer og-veil' \
	    "$VEIL_URL/v1/models" >"$T/s$i" &
	pids="$pids $!"
	i=$((i + 1))
done
for p in $pids; do
	wait "$p" || true
done
cat "$T/s0" "$T/s1" "$T/s2" | grep -qv '^200$' &&
    fail "three parallel requests: $(cat "$T/s0" "$T/s1" "$T/s2")"
api_get /health
expect_status 200

# Three connections busy with slow streams: the fourth is refused.  The
# streams are long (about 20 frames, 6 s) and the fourth connects only once
# all three have their reply headers (the first-byte commit, 2 s in), so
# that it comes after them: a poll racing their connects would itself be
# one of the three, and a stream the fourth then met at the cap refused.
fault slow-stream "" 300
words=$(python3 -c 'print(" ".join("busy%02d-%s" % (i, "x" * 30) for i in range(60)))')
SLOW='{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$words"'"}]}'
pids=
for i in 1 2 3; do
	curl -sS -D "$T/sh$i" -o "$T/slow$i" -w '%{http_code}\n' \
	    -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' \
	    --data-binary "$SLOW" "$VEIL_URL/v1/chat/completions" >"$T/st$i" &
	pids="$pids $!"
done
committed() {
	for i in 1 2 3; do
		grep -q '^HTTP/1.1 200' "$T/sh$i" 2>/dev/null || return 1
	done
}
wait_for 10 committed ||
    fail "the slow streams were not committed: $(cat "$T/sh1" "$T/sh2" "$T/sh3" "$T/st1" "$T/st2" "$T/st3" 2>&1)"
api_get /v1/models
[ "$STATUS" = 503 ] || fail "a fourth connection was not refused: $STATUS"
expect_json error.code too_many_connections
expect_body_contains 'too many open connections'
expect_header Retry-After 1
grep -qi '^Connection: close' "$T/headers" || fail "no Connection: close"
api_get /health
expect_status 503
for p in $pids; do
	wait "$p" || true
done
for i in 1 2 3; do
	[ "$(cat "$T/st$i")" = 200 ] || fail "slow stream $i: $(cat "$T/st$i")"
	grep -q '^data: \[DONE\]$' "$T/slow$i" || fail "slow stream $i unfinished"
done
fault_clear
wait_for 10 ok || fail "no recovery after the streams"

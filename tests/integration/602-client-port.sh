# 602-client-port: the client verbs find the server where it runs.  After
# `og-veil serve --port P`, status, env, test and a bare og-veil use P
# (they used 11434: status even said "not answering" and exited 0);
# `restart --port Q` moves it (it kept P); a start that fails (port in
# use) leaves server.conf alone (the next restart reused the bad port);
# `og-veil serve -f & og-veil test` (README's quick start) waits for the
# starting server; /health stays liveness while /health/ready answers 503
# with the reason until a login with a usable TEE, and status's exit
# status follows it (4: runs, cannot serve).
V=$VEIL_BIN
# A detached server this case starts is killed when it ends, even on failure.
track_daemon() {
	[ -s "$OG_VEIL_HOME/og-veil.pid" ] && lib_track "$(cat "$OG_VEIL_HOME/og-veil.pid")" || true
}
devnet_start

# A server that is not logged in: live, not ready, status exit 4.
P=$(free_port)
"$V" serve --port "$P" $VEIL_CA_FLAGS >"$T/serve0.out" 2>&1 ||
    fail "serve: $(cat "$T/serve0.out")"
track_daemon
grep -qi "not ready yet: not logged in" "$T/serve0.out" ||
    fail "serve said nothing about the missing login: $(cat "$T/serve0.out")"
curl -sf "http://127.0.0.1:$P/health" >/dev/null || fail "/health not 200"
code=$(curl -s -o "$T/ready" -w '%{http_code}' "http://127.0.0.1:$P/health/ready")
[ "$code" = 503 ] || fail "/health/ready $code while not logged in"
grep -q '"reason":"not logged in' "$T/ready" || fail "ready: $(cat "$T/ready")"
RC=0; "$V" status >"$T/out" 2>&1 || RC=$?
[ "$RC" = 4 ] || fail "status exit $RC (want 4): $(cat "$T/out")"
grep -q "127.0.0.1:$P/v1" "$T/out" || fail "status used another port: $(cat "$T/out")"
grep -q "ready:       no: not logged in" "$T/out" || fail "$(cat "$T/out")"
"$V" stop >/dev/null

veil_login
"$V" serve --port "$P" $VEIL_CA_FLAGS >"$T/serve.out" 2>&1 ||
    fail "serve: $(cat "$T/serve.out")"
track_daemon
wait_for 20 sh -c "curl -sf http://127.0.0.1:$P/health/ready" ||
    fail "never ready: $(curl -s "http://127.0.0.1:$P/health/ready")"
RC=0; "$V" status >"$T/out" 2>&1 || RC=$?
[ "$RC" = 0 ] || fail "status exit $RC: $(cat "$T/out")"
grep -q "127.0.0.1:$P/v1" "$T/out" || fail "status: $(cat "$T/out")"
grep -q "ready:       yes" "$T/out" || fail "status: $(cat "$T/out")"
"$V" status --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["port"] == int(sys.argv[1]) and d["ready"] is True, d' "$P" ||
    fail "status --json"
"$V" env | grep -qF "OPENAI_BASE_URL=http://127.0.0.1:$P/v1" || fail "env: $("$V" env)"
"$V" | grep -q "already running.*127.0.0.1:$P/v1" || fail "bare og-veil: $("$V")"
"$V" test hello >"$T/out" 2>&1 || fail "test: $(cat "$T/out")"
grep -q "tee_id" "$T/out" || fail "test: $(cat "$T/out")"
# An explicit port still wins.
"$V" env --port 9 | grep -qF "127.0.0.1:9/v1" || fail "env --port 9"

# restart --port Q moves the server.
Q=$(free_port)
"$V" restart --port "$Q" >"$T/out" 2>&1 || fail "restart: $(cat "$T/out")"
track_daemon
grep -q "127.0.0.1:$Q/v1" "$T/out" || fail "restart kept the port: $(cat "$T/out")"
curl -sf "http://127.0.0.1:$Q/health" >/dev/null || fail "not on $Q"
grep -q "^OG_VEIL_PORT=$Q\$" "$OG_VEIL_HOME/server.conf" || fail "server.conf: $(cat "$OG_VEIL_HOME/server.conf")"
"$V" stop >/dev/null

# A start that fails leaves server.conf as the last server that listened.
B=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(1); open(sys.argv[2], "w").close(); time.sleep(60)' "$B" "$T/held" &
lib_track $!
wait_for 10 test -e "$T/held" || fail "could not hold port $B"
RC=0; "$V" serve --port "$B" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] || fail "serve on a held port succeeded"
grep -q "^OG_VEIL_PORT=$Q\$" "$OG_VEIL_HOME/server.conf" ||
    fail "a failed start overwrote server.conf: $(cat "$OG_VEIL_HOME/server.conf")"
"$V" restart >"$T/out" 2>&1 || fail "restart after a failed start: $(cat "$T/out")"
track_daemon
grep -q "127.0.0.1:$Q/v1" "$T/out" || fail "$(cat "$T/out")"
"$V" stop >/dev/null

# README's quick start: a server just put in the background.
R=$(free_port)
"$V" serve -f --port "$R" $VEIL_CA_FLAGS >"$T/fg.log" 2>&1 &
lib_track $!
"$V" test hello >"$T/out" 2>&1 || fail "test right after serve -f &: $(cat "$T/out")"
grep -q "tee_id" "$T/out" || fail "$(cat "$T/out")"
"$V" stop >/dev/null

# 580-sigusr1: SIGUSR1 (whose default action ends a process) does not kill
# the daemon: like SIGHUP it reopens the log, so a rotated server.log is
# written afresh, and the server keeps serving.  Both in the foreground and
# detached.
devnet_start
veil_login
veil_start
kill -USR1 "$VEIL_PID"
wait_for 10 grep -q 'log reopened' "$T/veil.log" ||
    { kill -0 "$VEIL_PID" 2>/dev/null || fail "SIGUSR1 killed og-veil serve -f"; \
    fail "no 'log reopened' after SIGUSR1"; }
kill -0 "$VEIL_PID" || fail "SIGUSR1 killed og-veil serve -f"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after usr1"}]}'
expect_status 200
veil_stop

# Detached: rotate server.log, SIGUSR1, a new server.log appears.
export OG_VEIL_PORT=$(free_port)
"$VEIL_BIN" serve >"$T/out" 2>&1 || fail "serve: $(cat "$T/out")"
PID=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID"
mv "$OG_VEIL_HOME/server.log" "$OG_VEIL_HOME/server.log.1"
kill -USR1 "$PID"
wait_for 10 test -s "$OG_VEIL_HOME/server.log" ||
    fail "no new server.log after SIGUSR1 (alive: $(kill -0 "$PID" 2>&1 && echo yes))"
kill -0 "$PID" || fail "SIGUSR1 killed the detached daemon"
grep -q 'log reopened' "$OG_VEIL_HOME/server.log" || fail "$(cat "$OG_VEIL_HOME/server.log")"
[ "$(stat -c %a "$OG_VEIL_HOME/server.log")" = 600 ] || fail "new server.log mode"
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$OG_VEIL_PORT/health") || STATUS=000
expect_status 200
"$VEIL_BIN" stop >"$T/out" 2>&1 || fail "stop: $(cat "$T/out")"

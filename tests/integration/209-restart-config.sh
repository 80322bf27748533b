# 209-restart-config: `og-veil restart` starts the server again with the
# settings it ran with (port, allowed origin), not the defaults of the
# shell that types `restart`; the saved settings file is the owner's only.
devnet_start
veil_login
V=$VEIL_BIN
P=$(free_port)
"$V" --port "$P" --allow-origin http://app.example serve >"$T/out" 2>&1 ||
    { cat "$OG_VEIL_HOME/server.log" >&2; fail "serve: $(cat "$T/out")"; }
PID=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID"
[ "$(stat -c %a "$OG_VEIL_HOME/server.conf")" = 600 ] || fail "server.conf mode"

# restart with no flag at all (the default port would be 11434).
"$V" restart >"$T/out" 2>&1 || fail "restart: $(cat "$T/out")"
PID2=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID2"
[ "$PID2" != "$PID" ] || fail "restart kept the pid"
grep -q "running at http://127.0.0.1:$P/v1 (pid $PID2)" "$T/out" ||
    fail "not restarted on port $P: $(cat "$T/out")"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://app.example' \
    "http://127.0.0.1:$P/v1/models")
[ "$code" = 200 ] || fail "the allowed origin was lost across restart ($code)"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
    "http://127.0.0.1:$P/v1/models")
[ "$code" = 403 ] || fail "another origin is allowed after restart ($code)"
"$V" --port "$P" stop >"$T/out" 2>&1 || fail "stop: $(cat "$T/out")"

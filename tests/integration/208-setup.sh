# 208-setup: `og-veil setup -y --manual` signs in and starts the server
# without a question; the bare command then says it runs.
devnet_start
export OG_VEIL_PORT=$(free_port)
"$VEIL_BIN" setup -y --manual <"$T/bundle.json" >"$T/out" 2>&1 ||
    fail "setup: $(cat "$T/out")"
PID=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID"
grep -q "Signed in as dev@og-veil.local" "$T/out" || fail "$(cat "$T/out")"
grep -q "(pid $PID)" "$T/out" || fail "$(cat "$T/out")"
"$VEIL_BIN" >"$T/out" 2>&1 || fail bare
grep -q "already running (pid $PID)" "$T/out" || fail "$(cat "$T/out")"
"$VEIL_BIN" setup -y --manual <"$T/bundle.json" >"$T/out" 2>&1 || fail "setup again"
grep -q "already running (pid $PID)" "$T/out" || fail "$(cat "$T/out")"
"$VEIL_BIN" stop >/dev/null || fail stop

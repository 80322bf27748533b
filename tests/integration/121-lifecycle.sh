# 121-lifecycle: the pidfile refuses a second server on the same home and
# names the first's pid; a non-loopback bind needs an API key; the API key
# guards /v1 but not /health; SIGTERM exits 0 and removes the pidfile.
devnet_start
veil_login
veil_start
[ "$(cat "$OG_VEIL_HOME/og-veil.pid")" = "$VEIL_PID" ] || fail "pidfile"
if "$VEIL_BIN" serve -f --port "$(free_port)" >"$T/second.log" 2>&1; then
	fail "a second server started"
fi
grep -q "$VEIL_PID" "$T/second.log" || fail "second server does not name pid: $(cat "$T/second.log")"
veil_stop
wait "$VEIL_PID" && rc=0 || rc=$?
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
[ ! -e "$OG_VEIL_HOME/og-veil.pid" ] || fail "pidfile left behind"

if "$VEIL_BIN" serve -f --host 0.0.0.0 --port "$(free_port)" >"$T/open.log" 2>&1; then
	fail "listened on 0.0.0.0 without an API key"
fi
grep -q 'refusing to listen on 0.0.0.0 without an API key' "$T/open.log" ||
    fail "$(cat "$T/open.log")"

veil_start --api-key sekrit
api_get /health
expect_status 200
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' "$VEIL_URL/v1/models")
expect_status 401
expect_json error.type veil_error
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer wrong' "$VEIL_URL/v1/models")
expect_status 401
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Authorization: Bearer sekrit' "$VEIL_URL/v1/models")
expect_status 200
# With a key, any Host passes (the key is the guard).
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Host: my.lan' -H 'Authorization: Bearer sekrit' "$VEIL_URL/v1/models")
expect_status 200

# 334-home-modes: after a full run (login, detached serve, plain and
# streamed chats, a refused request, SIGHUP, stop) $OG_VEIL_HOME is 0700
# and every file in it (database, its -wal/-shm, the server log, the
# pidfile while it exists) is 0600, owned by us, whatever the umask.
devnet_start
umask 022
veil_login
P=$(free_port)
"$VEIL_BIN" serve --port "$P" ${VEIL_CA_FLAGS:-} >"$T/serve.out" 2>&1 ||
    fail "detached serve: $(cat "$T/serve.out")"
VEIL_URL=http://127.0.0.1:$P
pid=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$pid"

# mode_ok PATH MODE
mode_ok() {
	_m=$(stat -c %a "$1") || fail "no $1"
	[ "$_m" = "$2" ] || fail "$1 is mode $_m, expected $2"
	[ "$(stat -c %u "$1")" = "$(id -u)" ] || fail "$1 not ours"
}
mode_ok "$OG_VEIL_HOME/og-veil.pid" 600

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"modes"}]}'
expect_status 200
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"modes"}]}'
expect_status 200
chat_post '{"model":"gpt-4.1-mini","messages":"x"}'
expect_status 400
kill -HUP "$pid"
api_get /health
expect_status 200
"$VEIL_BIN" stop >"$T/stop.out" 2>&1 || fail "stop: $(cat "$T/stop.out")"

mode_ok "$OG_VEIL_HOME" 700
n=0
for f in "$OG_VEIL_HOME"/* "$OG_VEIL_HOME"/.[!.]*; do
	[ -e "$f" ] || continue
	if [ -d "$f" ]; then
		mode_ok "$f" 700
	else
		mode_ok "$f" 600
	fi
	n=$((n + 1))
done
mode_ok "$OG_VEIL_HOME/og-veil.db" 600
mode_ok "$OG_VEIL_HOME/server.log" 600
[ -s "$OG_VEIL_HOME/server.log" ] || fail "empty server log"
note "$n entries checked: $(ls -A "$OG_VEIL_HOME" | tr '\n' ' ')"

# The WAL files while a server has the database open.
"$VEIL_BIN" serve --port "$P" ${VEIL_CA_FLAGS:-} >"$T/serve.out" 2>&1 ||
    fail "detached serve again: $(cat "$T/serve.out")"
lib_track "$(cat "$OG_VEIL_HOME/og-veil.pid")"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"again"}]}'
expect_status 200
for f in "$OG_VEIL_HOME"/*; do
	[ -d "$f" ] || mode_ok "$f" 600
done
"$VEIL_BIN" stop >/dev/null 2>&1 || fail "second stop"

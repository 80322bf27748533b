# 604-cli-small: the small CLI findings.  An ambiguous prefix lists its
# candidates; `og-veil version` and `og-veil logs [-f]` exist; a headless
# login (no DISPLAY) does not claim to open a browser; the daemon started
# by restart shows as `og-veil serve` in ps (it was `og-veil re...`);
# og-veil-devnet(1) renders its bundle keys without stray quotes.
V=$VEIL_BIN
# A detached server this case starts is killed when it ends, even on failure.
track_daemon() {
	[ -s "$OG_VEIL_HOME/og-veil.pid" ] && lib_track "$(cat "$OG_VEIL_HOME/og-veil.pid")" || true
}
RC=0; "$V" s 2>"$T/err" || RC=$?
[ "$RC" = 2 ] || fail "og-veil s: exit $RC"
grep -q "ambiguous command: s (serve, stop, status, setup)" "$T/err" ||
    fail "no candidates: $(cat "$T/err")"
"$V" version >"$T/out" || fail "version"
grep -q "^og-veil " "$T/out" && grep -q "libevent" "$T/out" || fail "$(cat "$T/out")"
RC=0; "$V" logs >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] && grep -q "journalctl -u og-veil" "$T/out" || fail "logs without a log: $RC $(cat "$T/out")"

# Headless: the URL, no "opening it now".
devnet_start
(unset DISPLAY WAYLAND_DISPLAY; exec "$V" login --app-url "$DEVNET_APP" \
    >"$T/login.out" 2>&1) &
lpid=$!
lib_track $lpid
wait_for 10 grep -q "cli-auth" "$T/login.out" || fail "login: $(cat "$T/login.out")"
kill $lpid 2>/dev/null || true
grep -q "opening it now" "$T/login.out" && fail "headless login: $(cat "$T/login.out")"

# restart's daemon names itself; logs shows and follows server.log.
veil_login
P=$(free_port)
"$V" serve --port "$P" $VEIL_CA_FLAGS >/dev/null 2>&1 || fail "serve"
track_daemon
"$V" restart >/dev/null 2>&1 || fail "restart"
track_daemon
pid=$(cat "$OG_VEIL_HOME/og-veil.pid")
args=$(ps -o args= -p "$pid")
case $args in "og-veil serve"*) ;; *) fail "ps shows '$args'" ;; esac
"$V" logs -n 3 >"$T/out" || fail "logs"
[ "$(wc -l <"$T/out")" = 3 ] || fail "logs -n 3: $(cat "$T/out")"
grep -q "listening on" "$OG_VEIL_HOME/server.log" || fail "no server.log"
"$V" logs -f -n 0 >"$T/follow" 2>&1 &
fpid=$!
lib_track $fpid
sleep 0.5
"$V" test hello >/dev/null 2>&1 || true
"$V" stop >/dev/null
wait_for 10 grep -q "og-veil stopped" "$T/follow" || fail "logs -f: $(cat "$T/follow")"
kill $fpid 2>/dev/null || true

# og-veil-devnet(1) FILES: the bundle keys render as quoted words.
if command -v mandoc >/dev/null; then
	mandoc -Tascii "$TOP/man/og-veil-devnet.1" | col -b >"$T/man.txt"
	grep -q "\`email'" "$T/man.txt" && ! grep -q "\`is_anonymous'''" "$T/man.txt" ||
	    fail "devnet FILES garbled: $(grep -A3 'user' "$T/man.txt" | head)"
fi

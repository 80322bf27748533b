# 587-login-origin-http: a login bundle naming a plain-HTTP auth, relay or
# RPC URL on a host that is not loopback is refused (the tokens would go in
# clear) unless `login --allow-http`; https:// and loopback http:// (the
# devnet) are accepted.  The browser listener takes the bundle only from
# the app's origin (derived from --app-url): another origin, or none, gets
# 403 and changes nothing, and the listener keeps waiting.
devnet_start
mkbundle() {	# mkbundle FIELD URL OUT
	python3 - "$T/bundle.json" "$1" "$2" "$3" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
b["config"][sys.argv[2]] = sys.argv[3]
json.dump(b, open(sys.argv[4], "w"))
PYEOF
}
for field in supabase_url chat_api_base_url tee_registry_rpc_url; do
	mkbundle $field "http://$field.example.test" "$T/b-$field.json"
	RC=0; "$VEIL_BIN" login --manual <"$T/b-$field.json" >"$T/out" 2>&1 || RC=$?
	[ "$RC" != 0 ] || fail "$field over plain HTTP accepted"
	grep -q "config.$field is http://$field.example.test: plain HTTP" "$T/out" ||
	    fail "$field: $(cat "$T/out")"
	grep -q -- '--allow-http' "$T/out" || fail "the message does not name --allow-http"
	[ ! -e "$OG_VEIL_HOME/og-veil.db" ] ||
	    [ "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select count(*) from session").fetchone()[0])' "$OG_VEIL_HOME/og-veil.db")" = 0 ] ||
	    fail "$field: a refused bundle was stored"
done
"$VEIL_BIN" login --manual --allow-http <"$T/b-chat_api_base_url.json" >"$T/out" 2>&1 ||
    fail "--allow-http: $(cat "$T/out")"
mkbundle chat_api_base_url "https://chat-api.example.test" "$T/b-https.json"
"$VEIL_BIN" login --manual <"$T/b-https.json" >"$T/out" 2>&1 || fail "https: $(cat "$T/out")"
mkbundle chat_api_base_url "http://[::1]:9" "$T/b-v6.json"
"$VEIL_BIN" login --manual <"$T/b-v6.json" >"$T/out" 2>&1 || fail "[::1]: $(cat "$T/out")"
mkbundle chat_api_base_url "http://127.0.0.1.example.test" "$T/b-fake.json"
! "$VEIL_BIN" login --manual <"$T/b-fake.json" >"$T/out" 2>&1 || fail "127.0.0.1.example.test taken for loopback"
mkbundle chat_api_base_url "http://127.0.0.1@relay.example.test/" "$T/b-user.json"
! "$VEIL_BIN" login --manual <"$T/b-user.json" >"$T/out" 2>&1 || fail "userinfo 127.0.0.1@ taken for loopback"
rm -f "$OG_VEIL_HOME"/og-veil.db*

# The listener: only the app's origin.
"$VEIL_BIN" login --no-browser --app-url "$DEVNET_APP" >"$T/login.out" 2>&1 &
LOGIN=$!
lib_track $LOGIN
wait_for 10 grep -q "/cli-auth?" "$T/login.out" || fail "no URL: $(cat "$T/login.out")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*/cli-auth?[^ ]*' "$T/login.out")
CB=$(python3 -c 'import sys, urllib.parse as u; print(u.parse_qs(u.urlsplit(sys.argv[1]).query)["redirect_uri"][0])' "$URL")
APP_ORIGIN=$(echo "$DEVNET_APP" | sed -E 's#^(https?://[^/]+).*#\1#')
post() {	# post [ORIGIN]
	if [ $# -gt 0 ]; then
		curl -sS -o "$T/body" -w '%{http_code}' -X POST -H "Origin: $1" \
		    -H 'Content-Type: application/json' --data-binary @"$T/bundle.json" "$CB"
	else
		curl -sS -o "$T/body" -w '%{http_code}' -X POST \
		    -H 'Content-Type: application/json' --data-binary @"$T/bundle.json" "$CB"
	fi
}
[ "$(post http://evil.example.test)" = 403 ] || fail "another origin: $(cat "$T/body")"
[ "$(jget "$T/body" ok)" = false ] || fail "403 body: $(cat "$T/body")"
[ "$(post)" = 403 ] || fail "no Origin: $(cat "$T/body")"
[ "$(post "$APP_ORIGIN.evil.test")" = 403 ] || fail "a look-alike origin"
[ ! -e "$OG_VEIL_HOME/og-veil.db" ] || fail "a refused bundle was stored"
kill -0 $LOGIN || fail "the listener gave up after a refused origin"
[ "$(post "$APP_ORIGIN")" = 200 ] || fail "the app's origin: $(cat "$T/body")"
wait $LOGIN || fail "login failed: $(cat "$T/login.out")"
grep -q 'Signed in as dev@og-veil.local' "$T/login.out" || fail "$(cat "$T/login.out")"

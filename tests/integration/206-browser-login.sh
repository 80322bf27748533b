# 206-browser-login: PROTOCOL.md §1 with a real browser.  `og-veil login
# --no-browser` listens on 127.0.0.1 under a random path; curl checks the
# CORS preflight (with Private Network Access), a wrong path (404) and a bad
# bundle (400, ok false, still waiting); then headless Chromium loads the
# devnet's /cli-auth page, which preflights and POSTs the bundle; the
# session is stored and `og-veil status` shows the email.
devnet_start
command -v chromium >/dev/null 2>&1 || fail "chromium is not installed (apt-get install chromium)"
"$VEIL_BIN" login --no-browser --app-url "$DEVNET_APP" >"$T/login.out" 2>&1 &
LOGIN=$!
lib_track $LOGIN
wait_for 10 grep -q "/cli-auth?" "$T/login.out" || fail "no URL: $(cat "$T/login.out")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*/cli-auth?[^ ]*' "$T/login.out")
case $URL in
"$DEVNET_APP/cli-auth?redirect_uri=http%3A%2F%2F127.0.0.1%3A"*"&app_name=opengradient-veil") ;;
*) fail "URL: $URL" ;;
esac
CB=$(python3 -c 'import sys, urllib.parse as u; print(u.parse_qs(u.urlsplit(sys.argv[1]).query)["redirect_uri"][0])' "$URL")
echo "$CB" | grep -Eq '^http://127\.0\.0\.1:[0-9]+/[0-9a-f]{32}$' || fail "redirect_uri $CB"

# Preflight.
curl -sS -o /dev/null -D "$T/h1" -X OPTIONS -H 'Origin: http://example.test' \
    -H 'Access-Control-Request-Method: POST' \
    -H 'Access-Control-Request-Private-Network: true' "$CB"
head -n 1 "$T/h1" | grep -q ' 204' || fail "preflight: $(head -n 1 "$T/h1")"
grep -qi '^Access-Control-Allow-Origin: \*' "$T/h1" || fail "no ACAO"
grep -qi '^Access-Control-Allow-Methods: POST, OPTIONS' "$T/h1" || fail "no ACAM"
grep -qi '^Access-Control-Allow-Headers: Content-Type' "$T/h1" || fail "no ACAH"
grep -qi '^Access-Control-Allow-Private-Network: true' "$T/h1" || fail "no PNA"
curl -sS -o /dev/null -D "$T/h2" -X OPTIONS "$CB"
! grep -qi '^Access-Control-Allow-Private-Network' "$T/h2" || fail "PNA unasked"
# Wrong path.
PORTPART=$(echo "$CB" | sed -E 's#(http://127\.0\.0\.1:[0-9]+)/.*#\1#')
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/bundle.json" "$PORTPART/wrong")
[ "$STATUS" = 404 ] || fail "wrong path: $STATUS"
# A bad bundle: 400 {"ok": false, ...}, the listener keeps waiting.
APP_ORIGIN=$(echo "$DEVNET_APP" | sed -E 's#^(https?://[^/]+).*#\1#')
STATUS=$(curl -sS -o "$T/body" -D "$T/h3" -w '%{http_code}' -X POST \
    -H "Origin: $APP_ORIGIN" \
    -H 'Content-Type: application/json' --data-binary '{"type": "nope"}' "$CB")
[ "$STATUS" = 400 ] || fail "bad bundle: $STATUS"
[ "$(jget "$T/body" ok)" = false ] || fail "bad bundle body: $(cat "$T/body")"
grep -qi '^Access-Control-Allow-Origin: \*' "$T/h3" || fail "no ACAO on 400"
[ ! -e "$OG_VEIL_HOME/og-veil.db" ] || fail "a bad bundle was stored"
kill -0 $LOGIN || fail "login gave up after a bad bundle"

# The real browser.
timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic \
    --no-first-run --disable-background-networking --disable-component-update \
    --disable-sync --user-data-dir="$T/chrome" --virtual-time-budget=15000 \
    --dump-dom "$URL" >"$T/dom.html" 2>"$T/chrome.log" || true
wait_for 30 sh -c "! kill -0 $LOGIN" || fail "login still waiting: $(cat "$T/login.out"; tail -n 5 "$T/chrome.log")"
wait $LOGIN || fail "login failed: $(cat "$T/login.out")"
grep -q "Signed in as dev@og-veil.local (devnet)" "$T/login.out" || fail "$(cat "$T/login.out")"
RC=0; "$VEIL_BIN" status >"$T/status.out" || RC=$?
[ "$RC" = 3 ] || fail "status exit $RC"
grep -q "signed in:   dev@og-veil.local" "$T/status.out" || fail "$(cat "$T/status.out")"

# 203-logout-401: logout while the server runs makes it answer 401 "run
# `og-veil login`"; a fresh login is picked up without a restart.
devnet_start
veil_login
veil_start
BODY='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}'
chat_post "$BODY"
expect_status 200
"$VEIL_BIN" logout >/dev/null || fail logout
wait_for 10 sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '$BODY' $VEIL_URL/v1/chat/completions | grep -qx 401" ||
    fail "still served after logout"
chat_post "$BODY"
expect_status 401
expect_json error.type veil_error
expect_body_contains "og-veil login"
"$VEIL_BIN" login --manual <"$T/bundle.json" >"$T/login.out" 2>&1 || fail "login"
grep -q "uses this login from now on" "$T/login.out" || fail "$(cat "$T/login.out")"
wait_for 20 sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary '$BODY' $VEIL_URL/v1/chat/completions | grep -qx 200" ||
    fail "fresh login not picked up"
chat_post "$BODY"
expect_status 200
expect_json opengradient_verification.verified true
kill -0 "$VEIL_PID" || fail "server restarted"

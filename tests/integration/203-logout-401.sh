# 203-logout-401: logout while the server runs makes it answer 401 "run
# `og-veil login`"; a fresh login is picked up without a restart.
devnet_start
veil_login
veil_start
BODY='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}'
chat_post "$BODY"
expect_status 200
# The server does not read the store for every request (issue 18: two
# fcntl locks each): 60 requests in a row ask it a few times (once per
# 100 ms at most), not 60.
if veil_syscalls fcntl 60 "$BODY"; then
	n=$(grep -c '^[0-9]* *fcntl([0-9]*<[^>]*/og-veil\.db[-a-z]*>' \
	    "$T/strace.out" || true)
	note "$n fcntl calls on og-veil.db for 60 requests"
	[ "$n" -lt 60 ] || fail "$n fcntl calls on og-veil.db for 60 requests"
fi
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

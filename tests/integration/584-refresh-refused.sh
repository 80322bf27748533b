# 584-refresh-refused: once the auth server refused the refresh token
# (revoke-token: 400 invalid_grant), og-veil remembers it: every later
# request gets 401 "og-veil login" without asking the auth server again
# (one refresh attempt, one warning, not one per request), until a new
# login, after which it refreshes and serves again.
devnet_start
veil_login
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"warm"}]}'
expect_status 200
stats() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats" && jget "$T/stats" "$1"
}
a0=$(stats auth_calls)
fault revoke-token
fault expire-token
i=0
while [ $i -lt 6 ]; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"revoked"}]}'
	expect_status 401
	expect_body_contains 'og-veil login'
	i=$((i + 1))
done
a1=$(stats auth_calls)
[ $((a1 - a0)) = 1 ] || fail "the auth server was asked $((a1 - a0)) times, expected once"
n=$(grep -c 'refresh refused' "$T/veil.log" || true)
[ "$n" = 1 ] || fail "$n 'refresh refused' warnings, expected 1"

# A new login (the same account's current bundle) earns a new try.
fault_clear
fault expire-token
veil_login
# The server asks the store for changes at most every 100 ms.
wait_for 10 sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' --data-binary '{\"model\":\"gpt-4.1-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"probe\"}]}' $VEIL_URL/v1/chat/completions | grep -qx 200" ||
    fail "the new login was not picked up"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"signed in again"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: signed in again'

# 323-auth-down: the auth server down does not matter while the access
# token is valid; once it has expired (the relay refuses it, or a short
# --token-ttl) the agent gets 401 saying the auth server could not be
# reached; with the auth server back, og-veil refreshes and serves.
# tls: yes
devnet_start
veil_login
veil_start
refreshes() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats" && jget "$T/stats" token_refreshes
}

fault auth-down
r0=$(refreshes)
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"valid token"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: valid token'
[ "$(refreshes)" = "$r0" ] || fail "a valid token was refreshed"

fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"expired"}]}'
expect_status 401
expect_json error.type veil_error
expect_body_contains 'auth server could not be reached'
expect_body_contains 'og-veil login'
fault_clear
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"auth back"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: auth back'
veil_stop
kill "$DEVNET_PID"
wait_for 20 sh -c "! kill -0 $DEVNET_PID" || fail "the devnet did not exit"

# A 61 s token is expired for og-veil at once (60 s margin).
devnet_start --token-ttl 61
veil_login
fault auth-down
veil_start
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"short ttl"}]}'
expect_status 401
expect_json error.type veil_error
expect_body_contains 'auth server could not be reached'
fault_clear
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"short ttl"}]}'
expect_status 200
expect_body_contains 'data: [DONE]'

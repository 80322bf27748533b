# 113-token: an expired access token is refreshed transparently; a revoked
# session gives 401 telling the user to run og-veil login.
# tls: yes
devnet_start
veil_login
veil_start

fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"refresh me"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: refresh me'
fault_clear

fault revoke-token
fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"revoked"}]}'
expect_status 401
expect_json error.type veil_error
expect_body_contains 'og-veil login'

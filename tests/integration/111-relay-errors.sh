# 111-relay-errors: the relay's own statuses pass through with its message
# (429 and 503 with Retry-After); a relay that closes early is a 502.
# tls: yes
devnet_start
veil_login
veil_start

fault relay-status "" 429
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
expect_status 429
expect_header Retry-After 7
expect_json error.type veil_error
expect_body_contains 'Rate limit exceeded'
node_client fault.mjs 429 stream 'Rate limit'
fault_clear

fault relay-status "" 503
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
expect_status 503
expect_header Retry-After 7
fault_clear

fault relay-status "" 500
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
expect_status 500
expect_body_contains 'Internal relay error'
fault_clear

fault relay-close
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
case $STATUS in 502|504) ;; *) fail "relay-close gave $STATUS" ;; esac
expect_json error.type veil_error
fault_clear

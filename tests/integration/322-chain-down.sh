# 322-chain-down: with the chain's RPC down, a restarted og-veil serves
# from its fresh sqlite registry cache; a fresh home without a cache gets
# 503 naming the registry RPC, and is served once the chain is back.
devnet_start
veil_login
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"fill the cache"}]}'
expect_status 200
veil_stop

fault chain-down
! curl -s -o /dev/null "$DEVNET_CHAIN" || fail "the chain still answers"
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"from the cache"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: from the cache'
expect_header X-OpenGradient-Verified true
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"cached stream"}]}'
expect_status 200
expect_body_contains 'data: [DONE]'
veil_stop

# No cache: a fresh home, logged in, the chain down before any request.
export OG_VEIL_HOME=$T/home2
veil_login
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"no cache"}]}'
expect_status 503
expect_json error.type veil_error
expect_body_contains 'registry'
expect_body_contains "$DEVNET_CHAIN"
fault_clear
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"chain back"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: chain back'

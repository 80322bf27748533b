# 102-chat: verified round trips with the official openai client: plain,
# stream (text equals the devnet's answer), include_usage, and with curl.
# tls: yes
devnet_start
veil_login
veil_start

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hello curl"}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.message.content 'Echo: hello curl'
expect_json opengradient_verification.verified true
tee=$(grep -i '^X-OpenGradient-TEE-Id:' "$T/headers" | cut -d' ' -f2 | tr -d '\r')
expect_json opengradient_verification.tee_id "$tee"

# provider/model ids are reduced to the model.
chat_post '{"model":"openai/gpt-4.1-mini","messages":[{"role":"user","content":"prefixed"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: prefixed'

chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"stream with curl"}]}'
expect_status 200
expect_header Content-Type text/event-stream
expect_header Cache-Control no-cache
[ "$(grep -c '^data: \[DONE\]$' "$T/body")" = 1 ] || fail "not exactly one [DONE]"
tail -n 2 "$T/body" | grep -q '^data: \[DONE\]$' || fail "[DONE] not last"
# PROTOCOL.md §10: the last chunk (the one with the verification block)
# keeps the enclave's proof fields; no other chunk carries them.
[ "$(grep -c '"tee_signature"' "$T/body")" = 1 ] ||
    fail "tee_signature not on exactly one chunk"
grep '"tee_signature"' "$T/body" | grep -q '"opengradient_verification"' ||
    fail "the proof fields are not on the chunk with the verification block"
for k in tee_request_hash tee_output_hash tee_timestamp tee_id; do
	grep '"opengradient_verification"' "$T/body" | grep -q "\"$k\"" ||
	    fail "last chunk lacks $k"
done

api_get /health
expect_json status ok
expect_json logged_in true

node_client chat.mjs plain
node_client chat.mjs stream
node_client chat.mjs usage

# 114-pins: a pinned tee_id is honoured; a PCR pin no TEE matches is
# refused clearly, naming the pin.
# tls: yes
devnet_start
veil_login
tee1=$(jget "$DEVNET_STATE" gateways.1.tee_id)
veil_start --tee-id "$tee1"
for i in 1 2 3; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pinned"}]}'
	expect_status 200
	expect_header X-OpenGradient-TEE-Id "$tee1"
done
veil_stop

pcr=0x$(printf '%064d' 7)
veil_start --expected-pcr "$pcr"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pcr"}]}'
expect_status 503
expect_json error.type veil_error
expect_body_contains "$pcr"
veil_stop

pcr=$(jget "$DEVNET_STATE" gateways.0.pcr_hash)
veil_start --expected-pcr "$pcr"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pcr ok"}]}'
expect_status 200

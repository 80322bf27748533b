# 114-pins: a pinned tee_id is honoured; a PCR pin no TEE matches is
# refused clearly, naming the pin.
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
veil_stop

# The registry starts advertising another pcrHash for the pinned TEE (a
# new measurement): once the refresh timer has re-read the chain, og-veil
# refuses rather than keep using its earlier selection.
pcr=$(jget "$DEVNET_STATE" gateways.0.pcr_hash)
OG_VEIL_TEE_REFRESH_INTERVAL=1 veil_start --expected-pcr "$pcr"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pcr ok"}]}'
expect_status 200
fault pcr-mismatch
refused() {
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"pcr moved"}]}'
	[ "$STATUS" = 503 ]
}
wait_for 20 refused || fail "still served after the registry changed the pcrHash"
expect_json error.type veil_error
expect_body_contains "$pcr"
expect_body_lacks "pcr moved"
fault_clear
wait_for 20 sh -c "curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
    -d '{\"model\":\"gpt-4.1-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}' \
    $VEIL_URL/v1/chat/completions | grep -q 200" || fail "not serving again after the pcrHash came back"

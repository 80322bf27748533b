# 324-corrupt-abi: a malformed registry answer (truncated, or a head
# offset out of range) with no cache (a fresh home) is a 503 saying so,
# never a crash; og-veil serves once the registry is sound again.
devnet_start
for v in 0 1; do
	export OG_VEIL_HOME=$T/home-$v
	veil_login
	fault corrupt-abi "" $v
	veil_start
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
	expect_status 503
	expect_json error.type veil_error
	expect_body_contains 'registry'
	expect_body_contains 'malformed'
	api_get /health
	expect_status 200
	fault_clear
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"sound again"}]}'
	expect_status 200
	expect_json choices.0.message.content 'Echo: sound again'
	veil_stop
	note "corrupt-abi $v: 503, then served"
done

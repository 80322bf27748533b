# 400-anthropic-sdk: the official @anthropic-ai/sdk against /v1/messages:
# create and stream (the official event sequence, a content_block_stop for
# every block), the SDK's stream helper, a Bash tool round trip
# (tool_use, then the tool_result back) plain and streamed, count_tokens;
# each answer verified with the proof headers and block.  With an API key
# set, the SDK's x-api-key passes.  Every tamper fault gives Anthropic's
# error envelope with no content delivered, plain and streamed.
# tls: yes
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --api-key og-veil --quarantine 0
export ANTHROPIC_BASE_URL="$VEIL_URL" ANTHROPIC_API_KEY=og-veil
for m in create stream helper tools tools-stream count; do
	node_client anthropic.mjs "$m" >>"$T/client.log" ||
	    fail "anthropic.mjs $m"
done

sdk_faults anthropic.mjs

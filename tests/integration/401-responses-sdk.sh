# 401-responses-sdk: the official openai package's Responses API against
# /v1/responses: create (a string, then items with a developer prompt and
# a reasoning item), stream (the official event sequence, sequence_number,
# response.completed carrying the items of response.output_item.done),
# the SDK's stream helper, an exec_command function call round trip plain
# and streamed (function_call, then function_call_output), a free-form
# custom tool; Codex's extra fields (client_metadata, include, store,
# reasoning, prompt_cache_key, parallel_tool_calls) are never a 400.  Every
# tamper fault gives the OpenAI error (class server_error) with no content.
# tls: yes
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --api-key og-veil --quarantine 0
for m in create stream helper tools tools-stream custom; do
	node_client responses.mjs "$m" >>"$T/client.log" ||
	    fail "responses.mjs $m"
done

sdk_faults responses.mjs

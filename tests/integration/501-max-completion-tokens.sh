# 501-max-completion-tokens: what current OpenAI SDKs send instead of
# max_tokens.  The gateway reads only max_tokens (the devnet, like the live
# one, stops there with finish_reason "length"), so og-veil sends and hashes
# max_completion_tokens as max_tokens when max_tokens is absent or null
# (PROTOCOL.md §7); it was dropped, and the answer ran to its end.  Also
# a tool_choice null is not sent: the answer is still verified.
# tls: no
devnet_start
veil_login
veil_start

M='"messages":[{"role":"user","content":"one two three four five six"}]'
chat_post '{"model":"gpt-4.1-mini",'"$M"',"max_completion_tokens":1}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.finish_reason length
expect_json choices.0.message.content "Echo: one two "
note "max_completion_tokens 1: capped, verified"

chat_post '{"model":"gpt-4.1-mini",'"$M"',"max_tokens":null,"max_completion_tokens":1,"stream":true}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_body_contains '"finish_reason":"length"'
expect_body_lacks 'three'
note "stream, max_tokens null: capped, verified"

# max_tokens wins over max_completion_tokens.
chat_post '{"model":"gpt-4.1-mini",'"$M"',"max_tokens":2,"max_completion_tokens":1}'
expect_status 200
expect_json choices.0.message.content "Echo: one two three four five "

# Neither: the whole answer.
chat_post '{"model":"gpt-4.1-mini",'"$M"',"tool_choice":null}'
expect_status 200
expect_json choices.0.finish_reason stop
expect_json choices.0.message.content "Echo: one two three four five six"

# The official client sends max_completion_tokens as given.
node_client chat.mjs max-completion-tokens

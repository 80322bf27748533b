# 103-tools: tool calls, single-shot and streamed, and a conversation with
# assistant tool_calls and tool messages.
devnet_start
veil_login
veil_start
node_client chat.mjs tool
node_client chat.mjs tool-stream
node_client chat.mjs conversation

# 450-agent-tool-flow: the devnet model's agent tool flow, verified by
# og-veil on the Chat Completions path, plain and streamed: "run: CMD" with
# Claude Code's Bash or Codex's exec_command offered calls that tool with
# exactly CMD; the tool's result is answered "Tool result received: ...";
# the agent's tools alone get text (og-veil-devnet(1), "The model").
devnet_start
veil_login
veil_start

bash_tool='{"type":"function","function":{"name":"Bash","parameters":{"type":"object","properties":{"command":{"type":"string"},"timeout":{"type":"number"}},"required":["command"]}}}'
agent_tool='{"type":"function","function":{"name":"Agent","parameters":{"type":"object","properties":{"prompt":{"type":"string"}},"required":["prompt"]}}}'
exec_tool='{"type":"function","function":{"name":"exec_command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}}}'

# Claude Code: the prompt after a system reminder, a system message last.
chat_post '{"model":"claude-sonnet-4-6","messages":[{"role":"user","content":[{"type":"text","text":"<system-reminder>\nx\n</system-reminder>\n"},{"type":"text","text":"run: echo \"tool 450\""}]},{"role":"system","content":"env"}],"tools":['"$agent_tool,$bash_tool"']}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.finish_reason tool_calls
expect_json choices.0.message.tool_calls.0.function.name Bash
expect_json choices.0.message.tool_calls.0.function.arguments '{"command": "echo \"tool 450\""}'
call_id=$(jget "$T/body" choices.0.message.tool_calls.0.id)

# The same streamed: the fragments join to the same arguments.
chat_post '{"model":"claude-sonnet-4-6","stream":true,"messages":[{"role":"user","content":"run: echo \"tool 450\""}],"tools":['"$agent_tool,$bash_tool"']}'
expect_status 200
python3 - "$T/body" <<'PY' || fail "streamed tool call"
import json, sys
name, args, fin = '', '', None
for line in open(sys.argv[1]):
    if not line.startswith('data: {'):
        continue
    c = json.loads(line[6:])['choices'][0]
    for tc in c.get('delta', {}).get('tool_calls') or []:
        fn = tc.get('function', {})
        name += fn.get('name') or ''
        args += fn.get('arguments') or ''
    fin = c.get('finish_reason') or fin
assert (name, args, fin) == ('Bash', '{"command": "echo \\"tool 450\\""}',
    'tool_calls'), (name, args, fin)
PY

# The result goes back: text, no call, plain and streamed.
conv='[{"role":"user","content":"run: echo \"tool 450\""},{"role":"assistant","content":null,"tool_calls":[{"id":"'$call_id'","type":"function","function":{"name":"Bash","arguments":"{\"command\": \"echo tool 450\"}"}}]},{"role":"tool","tool_call_id":"'$call_id'","content":"tool 450\n"}]'
chat_post '{"model":"claude-sonnet-4-6","messages":'"$conv"',"tools":['"$agent_tool,$bash_tool"']}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.finish_reason stop
expect_json choices.0.message.content 'Tool result received: tool 450'
expect_body_lacks '"tool_calls"'
chat_post '{"model":"claude-sonnet-4-6","stream":true,"messages":'"$conv"',"tools":['"$agent_tool,$bash_tool"']}'
expect_status 200
python3 - "$T/body" <<'PY' || fail "streamed tool result answer"
import json, sys
text = ''
for line in open(sys.argv[1]):
    if line.startswith('data: {'):
        d = json.loads(line[6:])['choices'][0].get('delta', {})
        assert not d.get('tool_calls'), d
        text += d.get('content') or ''
assert text == 'Tool result received: tool 450\n', repr(text)
PY

# Codex: exec_command.cmd, the system prompt as developer.
chat_post '{"model":"gpt-5","messages":[{"role":"developer","content":"dev"},{"role":"user","content":[{"type":"text","text":"run: ls -l /tmp | wc -l"}]}],"tool_choice":"auto","tools":['"$exec_tool"']}'
expect_status 200
expect_json choices.0.message.tool_calls.0.function.name exec_command
expect_json choices.0.message.tool_calls.0.function.arguments '{"cmd": "ls -l /tmp | wc -l"}'

# The agents' tools without "run:": a text answer, verified.
chat_post '{"model":"gpt-5","stream":false,"messages":[{"role":"user","content":"say hi"}],"tools":['"$exec_tool,$agent_tool"']}'
expect_status 200
expect_json choices.0.finish_reason stop
expect_json choices.0.message.content 'Echo: say hi'

# A tampered tool call is still caught (the flow is signed like any call).
fault tamper-output
chat_post '{"model":"gpt-5","messages":[{"role":"user","content":"run: id"}],"tools":['"$exec_tool"']}'
expect_status 502
expect_body_lacks '"cmd'
fault_clear

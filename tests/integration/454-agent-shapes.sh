# 454-agent-shapes: what the pinned agents send, recorded by
# tests/agents/recorder.mjs on loopback (no og-veil): the facts the dialects
# and the devnet model's tool flow rely on.  When an agent update changes
# them, this case says which.  Claude Code: POST /v1/messages?beta=true,
# streaming, x-api-key, anthropic-version, a Bash tool whose required
# "command" is a string, the tool's output back as a tool_result block.
# Codex: POST /v1/responses, streaming, Bearer key, exec_command whose
# required "cmd" is a string, the output back as function_call_output.
case $O in *asan*)
	skip "records the agents' requests without og-veil: nothing built with ASan runs" ;;
esac
A=$TOP/tests/agents/node_modules/.bin
[ -x "$A/claude" ] && [ -x "$A/codex" ] ||
    skip "the agents are not installed (sh contrib/install-deps.sh check)"
mkdir -p "$T/ch" "$T/xh" "$T/xu" "$T/work"
node "$TOP/tests/agents/recorder.mjs" "$T/rec.jsonl" "$T/rec.port" \
    >"$T/rec.log" 2>&1 &
lib_track $!
wait_for 20 test -s "$T/rec.port" || fail "the recorder did not start"
url=http://127.0.0.1:$(cat "$T/rec.port")

(cd "$T/work" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$T/ch" \
    ANTHROPIC_BASE_URL="$url" ANTHROPIC_API_KEY=sk-rec-454 \
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
    DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 \
    timeout 150 "$A/claude" -p --allowedTools Bash -- "run: echo rec-454" \
    </dev/null >"$T/claude.out" 2>"$T/claude.err") ||
    fail "claude -p against the recorder: $(tail -c 800 "$T/claude.err")"
mv "$T/rec.jsonl" "$T/claude.jsonl"

cat >"$T/xh/config.toml" <<CONF
model = "gpt-5-codex"
model_provider = "rec"
[model_providers.rec]
name = "recorder"
base_url = "$url/v1"
wire_api = "responses"
env_key = "REC_KEY"
CONF
(cd "$T/work" && env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$T/xu" \
    CODEX_HOME="$T/xh" REC_KEY=sk-rec-454 \
    timeout 150 "$A/codex" exec --skip-git-repo-check "run: echo rec-454" \
    </dev/null >"$T/codex.out" 2>"$T/codex.err") ||
    fail "codex exec against the recorder: $(tail -c 800 "$T/codex.err")"
mv "$T/rec.jsonl" "$T/codex.jsonl"

python3 - "$T/claude.jsonl" "$T/codex.jsonl" <<'PY'
import json, sys

def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]

def cmd_tool(tools, name, param, key):
    t = [t for t in tools if t.get('name') == name]
    assert t, '%s offers no %s tool: %s' % (key, name,
        [x.get('name') for x in tools])
    s = t[0][key]
    assert param in s.get('required', []), (name, s.get('required'))
    assert s['properties'][param]['type'] == 'string', s['properties'][param]

c = load(sys.argv[1])
assert len(c) == 2, 'Claude Code: %d requests, expected 2' % len(c)
for r in c:
    assert r['method'] == 'POST' and r['url'] == '/v1/messages?beta=true', \
        r['url']
    h, b = r['headers'], r['body']
    assert h.get('x-api-key') == 'sk-rec-454', 'no x-api-key'
    assert h.get('anthropic-version') == '2023-06-01', h.get('anthropic-version')
    assert b['stream'] is True, 'Claude Code: not streaming'
    cmd_tool(b['tools'], 'Bash', 'command', 'input_schema')
last = c[1]['body']['messages'][-1]
tr = [x for x in last['content'] if x.get('type') == 'tool_result']
assert last['role'] == 'user' and tr, last
assert tr[0]['content'] == 'rec-454', tr[0]
roles = sorted({m['role'] for m in c[0]['body']['messages']})
print('claude: model %s, roles %s, %d tools, %d bytes' % (
    c[0]['body']['model'], roles, len(c[0]['body']['tools']),
    len(json.dumps(c[0]['body']))))

x = load(sys.argv[2])
assert len(x) == 2, 'Codex: %d requests, expected 2' % len(x)
for r in x:
    assert r['method'] == 'POST' and r['url'] == '/v1/responses', r['url']
    assert r['headers'].get('authorization') == 'Bearer sk-rec-454'
    b = r['body']
    assert b['stream'] is True, 'Codex: not streaming'
    cmd_tool([t for t in b['tools'] if t.get('type') == 'function'],
        'exec_command', 'cmd', 'parameters')
items = x[1]['body']['input']
assert items[-2]['type'] == 'function_call', items[-2]
assert items[-2]['name'] == 'exec_command', items[-2]
assert json.loads(items[-2]['arguments']) == {'cmd': 'echo rec-454'}
assert items[-1]['type'] == 'function_call_output', items[-1]
assert items[-1]['call_id'] == items[-2]['call_id']
assert 'rec-454' in items[-1]['output'], items[-1]
print('codex: model %s, tool types %s, %d bytes' % (x[0]['body']['model'],
    sorted({t.get('type') for t in x[0]['body']['tools']}),
    len(json.dumps(x[0]['body']))))
PY

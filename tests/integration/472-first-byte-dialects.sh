# 472-first-byte-dialects: the commit in the Anthropic Messages and OpenAI
# Responses dialects, byte for byte.  Anthropic: message_start and an
# opened empty text block at the commit, empty text_deltas as keep-alives
# (what resets Claude Code's watchdog without content), the empty block
# closed before the verified blocks (a tool call then follows it).
# Responses: response.created and response.in_progress at the commit, then
# response.in_progress again per keep-alive (a data: line: what resets
# Codex's idle timer), sequence numbers unbroken.  Every fault after the
# commit ends the stream with the dialect's in-band error (event: error;
# response.failed) and not one byte of content.
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --first-byte 1 --keepalive 1 --quarantine 0

P='dialect words that must never leak'
ABODY='{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'
RBODY='{"model":"gpt-4.1-mini","stream":true,"input":"'"$P"'"}'

post() {	# post PATH BODY
	STATUS=$(curl -sS -N -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H 'x-api-key: og-veil' \
	    -H 'anthropic-version: 2023-06-01' --data-binary "$2" \
	    "$VEIL_URL$1") || STATUS=000
}

# check DIALECT ok|error [TEXT]: the raw body of a committed stream.
check() {
	expect_status 200
	_v=$(grep -ci '^X-OpenGradient-Verified:' "$T/headers" || true)
	[ "$_v" = 0 ] || fail "a committed stream has X-OpenGradient-Verified"
	python3 - "$T/body" "$@" <<'PYEOF' || fail "$1 $2: the committed stream"
import json, sys
raw = open(sys.argv[1], 'rb').read().decode()
dialect, want = sys.argv[2], sys.argv[3]
text = sys.argv[4] if len(sys.argv) > 4 else None
assert raw.endswith('\n\n'), 'unterminated: %r' % raw[-80:]
evs = []
for blk in raw[:-2].split('\n\n'):
    lines = blk.split('\n')
    name = lines[0][7:] if lines[0].startswith('event: ') else None
    data = [l[6:] for l in lines if l.startswith('data: ')]
    assert len(data) == 1 and len(lines) == (2 if name else 1), repr(blk)
    d = json.loads(data[0])
    assert name is None or d.get('type') == name, repr(blk)
    evs.append(d)
types = [e['type'] for e in evs]
if dialect == 'anthropic':
    assert types[:2] == ['message_start', 'content_block_start'], types
    assert evs[1] == {'type': 'content_block_start', 'index': 0,
        'content_block': {'type': 'text', 'text': ''}}, evs[1]
    i = 2
    while i < len(evs) and evs[i] == {'type': 'content_block_delta',
            'index': 0, 'delta': {'type': 'text_delta', 'text': ''}}:
        i += 1
    assert i > 2, 'no keep-alive'
    rest = evs[i:]
    if want == 'error':
        assert [e['type'] for e in rest] == ['error'], types
        assert text in rest[0]['error']['message'], rest[0]
    else:
        assert rest[0] == {'type': 'content_block_stop', 'index': 0}, rest[0]
        out, blocks = '', []
        for e in rest[1:]:
            if e['type'] == 'content_block_start':
                assert e['index'] == len(blocks) + 1, e
                blocks.append(e['content_block']['type'])
            elif e['type'] == 'content_block_delta' and \
                    e['delta']['type'] == 'text_delta':
                out += e['delta']['text']
        assert types[-2:] == ['message_delta', 'message_stop'], types
        assert evs[-2]['opengradient_verification']['verified'] is True
        if text.startswith('tool:'):
            assert blocks == ['tool_use'], blocks
        else:
            assert out == text, out
else:
    seq = [e['sequence_number'] for e in evs]
    assert seq == list(range(len(evs))), seq
    assert types[:2] == ['response.created', 'response.in_progress'], types
    i = 2
    while i < len(evs) and types[i] == 'response.in_progress':
        i += 1
    assert i > 2, 'no keep-alive'
    rest = evs[i:]
    if want == 'error':
        assert [e['type'] for e in rest] == ['response.failed'], types
        assert text in rest[0]['response']['error']['message'], rest[0]
    else:
        out = ''.join(e['delta'] for e in rest
            if e['type'] == 'response.output_text.delta')
        assert types[-1] == 'response.completed', types
        r = evs[-1]['response']
        assert r['opengradient_verification']['verified'] is True
        if text.startswith('tool:'):
            assert any(o['type'] == 'function_call' for o in r['output'])
        else:
            assert out == text, out
if want == 'error':
    for e in evs[:-1]:
        s = json.dumps(e)
        assert 'Echo' not in s and 'dialect words' not in s, e
print('%s %s: %d events' % (dialect, want, len(evs)))
PYEOF
}

# Verified answers after a commit.
fault relay-delay "" 1500
post /v1/messages "$ABODY"
check anthropic ok "Echo: $P"
post /v1/responses "$RBODY"
check responses ok "Echo: $P"
# A tool call: the empty text block, then the tool_use block.
post /v1/messages '{"model":"claude-sonnet-4-5","max_tokens":256,"stream":true,"tools":[{"name":"Bash","description":"Run","input_schema":{"type":"object","properties":{"command":{"type":"string"}},"required":["command"]}}],"messages":[{"role":"user","content":"run: ls -l"}]}'
check anthropic ok tool:Bash
post /v1/responses '{"model":"gpt-4.1-mini","stream":true,"tools":[{"type":"function","name":"exec_command","parameters":{"type":"object","properties":{"cmd":{"type":"string"}},"required":["cmd"]}}],"input":"run: ls -l"}'
check responses ok tool:exec_command
note "verified text and tool calls after the commit in both dialects"

for f in bad-signature tamper-token tamper-output error-event \
    kill-mid-stream drop-final relay-status; do
	fault_clear
	fault relay-delay "" 1500
	fault "$f"
	post /v1/messages "$ABODY"
	check anthropic error ''
	expect_nowhere "$P"
	post /v1/responses "$RBODY"
	check responses error ''
	expect_nowhere "$P"
	note "$f after the commit: in-band error in both dialects, no content"
done
fault_clear

# The official clients: the stream helper accumulates the message with
# the commit's empty block; the Responses stream keeps its order.
fault slow-stream "" 1000
for c in anthropic responses; do
	out=$(node_client firstbyte.mjs "$c" ok) || fail "$c client"
	[ "$out" = "ok committed" ] || fail "$c: $out"
done
fault_clear
fault relay-delay "" 1500
fault bad-signature
for c in anthropic responses; do
	node_client firstbyte.mjs "$c" error 'verification failed' \
	    >/dev/null || fail "$c did not raise the in-band error"
done
note "the official clients take the commit and raise the in-band error"

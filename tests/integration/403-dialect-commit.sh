# 403-dialect-commit: Anthropic and Responses streams that og-veil commits
# before verification (--first-byte 1; the relay holds each call 1.5 s):
# the opening events (message_start and an empty text block;
# response.created and response.in_progress) and content-free keep-alives
# (an empty text_delta in that block; response.in_progress again, see
# 472) come first, then the verified events with the proof, read by
# the official SDKs; sequence_number runs on across the commit.  A tamper
# fault after the commit ends the stream with the dialect's in-band error
# (event: error; response.failed) and not a byte of content.
devnet_start
veil_login
veil_start --first-byte 1 --keepalive 1

P='commit words that must never leak'
post() {
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H 'x-api-key: og-veil' \
	    --data-binary "$2" "$VEIL_URL$1") || STATUS=000
}
committed() {
	expect_status 200
	expect_header Content-Type text/event-stream
	! grep -qi '^X-OpenGradient-Verified:' "$T/headers" ||
	    fail "a committed stream has X-OpenGradient-Verified"
}
ABODY='{"model":"claude-sonnet-4-5","max_tokens":50,"stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'
RBODY='{"model":"gpt-5","stream":true,"input":"'"$P"'"}'

# Verified after the commit.
fault relay-delay "" 1500
post /v1/messages "$ABODY"
committed
python3 - "$T/body" "Echo: $P" <<'PYEOF' || fail "anthropic committed stream"
import json, sys
evs, text = [], ''
for blk in open(sys.argv[1]).read().split('\n\n'):
    if not blk:
        continue
    name, data = blk.split('\n')
    assert name.startswith('event: ') and data.startswith('data: '), blk
    o = json.loads(data[6:])
    assert o['type'] == name[7:], blk
    evs.append(o['type'])
    if o['type'] == 'content_block_delta':
        text += o['delta']['text']
    if o['type'] == 'message_delta':
        assert o['opengradient_verification']['verified'] is True
        assert 'tee_signature' in o
assert evs[0] == 'message_start' and evs.count('message_start') == 1, evs
assert evs[1] == 'content_block_start', evs
assert evs[2] == 'content_block_delta', evs
assert evs[-1] == 'message_stop', evs
assert evs.count('content_block_start') == evs.count('content_block_stop') == 2
assert text == sys.argv[2], text
PYEOF
fault_clear
fault relay-delay "" 1500
post /v1/responses "$RBODY"
committed
python3 - "$T/body" "Echo: $P" <<'PYEOF' || fail "responses committed stream"
import json, sys
evs, text, n, comments = [], '', 0, 0
for blk in open(sys.argv[1]).read().split('\n\n'):
    if not blk:
        continue
    if blk.startswith(':'):
        comments += 1
        continue
    name, data = blk.split('\n')
    o = json.loads(data[6:])
    assert o['type'] == name[7:] and o['sequence_number'] == n, (n, blk)
    n += 1
    evs.append(o['type'])
    if o['type'] == 'response.output_text.delta':
        text += o['delta']
    if o['type'] == 'response.completed':
        assert o['response']['opengradient_verification']['verified'] is True
assert evs[:2] == ['response.created', 'response.in_progress'], evs
assert evs.count('response.created') == 1, evs
assert evs[-1] == 'response.completed', evs
assert evs[2] == 'response.in_progress', 'no keep-alive'
assert comments == 0, 'a comment: Codex does not count it'
assert text == sys.argv[2], text
PYEOF
fault_clear

# The official SDKs read committed streams.
export ANTHROPIC_BASE_URL="$VEIL_URL" ANTHROPIC_API_KEY=og-veil VEIL_COMMITTED=1
for m in stream helper tools-stream; do
	fault relay-delay "" 1500
	node_client anthropic.mjs "$m" >>"$T/client.log" ||
	    fail "anthropic.mjs $m after a commit"
	fault relay-delay "" 1500
	node_client responses.mjs "$m" >>"$T/client.log" ||
	    fail "responses.mjs $m after a commit"
done
fault_clear

# Tamper after the commit: the in-band error, nothing else.
for f in tamper-output bad-signature drop-final; do
	fault relay-delay "" 1500
	fault "$f"
	post /v1/messages "$ABODY"
	committed
	python3 - "$T/body" <<'PYEOF' || fail "anthropic in-band error ($f)"
import json, sys
blks = [b for b in open(sys.argv[1]).read().split('\n\n') if b]
names = [b.split('\n')[0] for b in blks]
assert names[:2] == ['event: message_start', 'event: content_block_start'], names
assert all(json.loads(b.split('\n')[1][6:]).get('delta') ==
    {'type': 'text_delta', 'text': ''} for b in blks[2:-1]), blks
assert names[-1] == 'event: error', names
e = json.loads(blks[-1].split('\n')[1][6:])
assert e['type'] == 'error' and e['error']['type'] == 'api_error', e
assert 'verification failed' in e['error']['message'], e
PYEOF
	expect_nowhere "$P"
	expect_body_lacks Echo
	fault relay-delay "" 1500
	fault "$f"
	post /v1/responses "$RBODY"
	committed
	python3 - "$T/body" <<'PYEOF' || fail "responses in-band failure ($f)"
import json, sys
blks = [b for b in open(sys.argv[1]).read().split('\n\n')
        if b and not b.startswith(':')]
names = [b.split('\n')[0][7:] for b in blks]
assert names[:2] == ['response.created', 'response.in_progress'], names
assert set(names[2:-1]) <= {'response.in_progress'}, names
assert names[-1] == 'response.failed', names
o = json.loads(blks[-1].split('\n')[1][6:])
assert o['sequence_number'] == len(names) - 1, o
r = o['response']
assert r['status'] == 'failed' and r['output'] == [], r
assert r['error']['code'] == 'verification_failed', r
PYEOF
	expect_nowhere "$P"
	expect_body_lacks Echo
	fault_clear
	note "$f after the commit: in-band errors"
done

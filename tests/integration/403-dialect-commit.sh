# 403-dialect-commit: Anthropic and Responses streams that og-veil commits
# before verification (--first-byte 1; the relay holds each call 1.5 s):
# the opening events (message_start and an empty text block;
# response.created and response.in_progress) and content-free keep-alives
# come first, then the verified events with the proof, read by the
# official SDKs; sequence_number runs on across the commit.  (472 checks
# the commit forms byte for byte; this case checks the answers.)  A tamper
# fault after the commit ends the stream with the dialect's in-band error
# (event: error; response.failed) and not a byte of content.
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --first-byte 1 --keepalive 1 --quarantine 0

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
        if o['index'] == 0:
            assert o['delta']['text'] == '', o  # the commit's empty block
        text += o['delta']['text']
    if o['type'] == 'message_delta':
        assert o['opengradient_verification']['verified'] is True
        assert 'tee_signature' in o
assert evs[0] == 'message_start' and evs.count('message_start') == 1, evs
assert evs[-1] == 'message_stop', evs
assert evs.count('content_block_start') == evs.count('content_block_stop') >= 1
assert text == sys.argv[2], text
PYEOF
fault_clear
fault relay-delay "" 1500
post /v1/responses "$RBODY"
committed
python3 - "$T/body" "Echo: $P" <<'PYEOF' || fail "responses committed stream"
import json, sys
evs, text, n = [], '', 0
for blk in open(sys.argv[1]).read().split('\n\n'):
    if not blk:
        continue
    if blk.startswith(':'):
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
assert names[0] == 'event: message_start', names
assert names[-1] == 'event: error', names
for b in blks[1:-1]:  # the commit's empty block and its keep-alives
    o = json.loads(b.split('\n')[1][6:])
    assert o['type'] in ('content_block_start', 'content_block_delta'), o
    assert o.get('delta', o.get('content_block'))['text'] == '', o
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
assert names[0] == 'response.created' and names[-1] == 'response.failed'
assert set(names[1:-1]) == {'response.in_progress'}, names
for i, b in enumerate(blks):
    assert json.loads(b.split('\n')[1][6:])['sequence_number'] == i, b
o = json.loads(blks[-1].split('\n')[1][6:])
r = o['response']
assert r['status'] == 'failed' and r['output'] == [], r
assert r['error']['code'] == 'verification_failed', r
PYEOF
	expect_nowhere "$P"
	expect_body_lacks Echo
	fault_clear
	note "$f after the commit: in-band errors"
done

# 350-indie-chat: og-veil against indie-net.mjs, an independent Node.js
# implementation of the network's remote parties written from PROTOCOL.md
# alone (its JS primitives first pass the shared vectors).  Every answer
# form the contract allows, plain and stream, must arrive verified with
# the exact text; the bundle's token is near expiry, so og-veil must also
# refresh it through the indie auth server before the relay takes it.
INDIE=$TOP/tests/clients/indie-net.mjs
[ -d "$TOP/../shared/vectors" ] || fail "no shared vectors"
node "$INDIE" --self-test "$TOP/../shared/vectors" >"$T/selftest.log" 2>&1 ||
    { cat "$T/selftest.log" >&2; fail "indie-net self-test"; }
node "$INDIE" --state "$T/indie.json" --bundle "$T/bundle.json" \
    >"$T/indie.log" 2>&1 &
lib_track $!
wait_for 60 test -s "$T/indie.json" || fail "indie-net did not start"
RELAY=$(jget "$T/indie.json" relay_url)
veil_login
veil_start

# indie_ok MODEL STREAM PROMPT: one verified answer with the exact text.
indie_ok() {
	chat_post "{\"model\":\"$1\",\"stream\":$2,\"messages\":[{\"role\":\"user\",\"content\":\"$3\"}],\"temperature\":0.7}"
	expect_status 200
	expect_header X-OpenGradient-Verified true
	if [ "$2" = false ]; then
		expect_json choices.0.message.content "indie: $3"
		expect_json opengradient_verification.verified true
		return
	fi
	expect_header Content-Type text/event-stream
	python3 - "$T/body" "indie: $3" <<'PYEOF' || fail "stream $1"
import json, sys
text, proofs, done = '', 0, 0
for line in open(sys.argv[1], encoding='utf-8'):
    line = line.rstrip('\n')
    if line == 'data: [DONE]':
        done += 1
    elif line.startswith('data: '):
        o = json.loads(line[6:])
        # PROTOCOL.md §10: only the chunk with the verification block
        # keeps the enclave's proof fields, all five, as it sent them.
        if 'opengradient_verification' in o:
            for k in ('tee_signature', 'tee_request_hash', 'tee_output_hash',
                      'tee_timestamp', 'tee_id'):
                assert k in o, (k, o)
        else:
            assert not any(k.startswith('tee_') for k in o), o
        for c in o.get('choices') or []:
            text += (c.get('delta') or {}).get('content') or ''
        if o.get('opengradient_verification', {}).get('verified') is True:
            proofs += 1
assert text == sys.argv[2], (text, sys.argv[2])
assert proofs == 1 and done == 1, (proofs, done)
PYEOF
}

for m in indie indie-bare indie-noids indie-bare-noids indie-tsstr \
    indie-0x indie-upper indie-0x-upper indie-teeidupper indie-teeidbare \
    indie-bare-tsstr-0x-upper-teeidupper; do
	indie_ok "$m" false 'hello indie'
	indie_ok "$m" true 'hello indie'
done
for m in indie-fdone indie-nodone indie-emptyfinal indie-multi \
    indie-crlf indie-comments indie-split indie-wide indie-trickle \
    indie-compact indie-lastdelta indie-multi-fdone indie-split-emptyfinal \
    indie-comments-nodone-crlf indie-split-crlf-comments-compact-wide \
    indie-trickle-wide-multi-tsstr-0x-upper-teeidupper; do
	indie_ok "$m" true 'stream héllo 😀 日本 indie'
done

# The first relay call came with a refreshed token only.
curl -sS "$RELAY/indie/stats" >"$T/stats.json"
[ "$(jget "$T/stats.json" refreshes)" -ge 1 ] || fail "no token refresh"
[ "$(jget "$T/stats.json" rejected)" = 0 ] || fail "relay rejected a token"

node_client indie/openai.mjs indie indie-bare-tsstr-0x indie-fdone-compact \
    indie-split-crlf-teeidbare indie-emptyfinal-upper-tool2 \
    indie-comments-multi-wide indie-nodone-lastdelta-trickle

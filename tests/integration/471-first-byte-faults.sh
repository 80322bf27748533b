# 471-first-byte-faults: every tamper and upstream fault that arrives after
# og-veil committed a Chat Completions stream (--first-byte 1; the relay
# holds each call 1.5 s, relay-delay) ends the stream with the in-band
# error and nothing else: the body is, byte for byte, keep-alive comments
# and one data: {"error": ...} event, without [DONE] and without a byte of
# content; the official openai package raises it as an error.  A failover
# after the commit still delivers the verified answer of the other TEE; an
# agent leaving a committed stream is noticed; a non-stream answer is
# still held whole; og-veil serves normally after each case.
# tls: yes
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --first-byte 1 --keepalive 1 --quarantine 0

P='commit words that must never leak'
BODY='{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'

# expect_inband CODE[|CODE...]: $T/body is keep-alives and the error
# event, exactly.
expect_inband() {
	expect_status 200
	_v=$(grep -ci '^X-OpenGradient-Verified:' "$T/headers" || true)
	[ "$_v" = 0 ] || fail "a committed stream has X-OpenGradient-Verified"
	python3 - "$T/body" "$1" <<'PYEOF' || fail "in-band error body"
import json, re, sys
b = open(sys.argv[1], 'rb').read()
m = re.fullmatch(rb'((?:: og-veil verifying\n\n)+)data: (\{[^\n]*\})\n\n', b)
if not m:
    sys.exit('not keep-alives + one error event: %r' % b[:400])
e = json.loads(m.group(2))
if set(e) != {'error'} or e['error'].get('code') not in sys.argv[2].split('|'):
    sys.exit('error event %r, expected code %s' % (e, sys.argv[2]))
if not e['error'].get('message'):
    sys.exit('no message')
print('%d keep-alives, %s' % (m.group(1).count(b'\n\n'), e['error']['code']))
PYEOF
	expect_nowhere "$P"
	expect_body_lacks Echo
}

served() {
	fault_clear
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"after '"$1"'"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_body_contains 'data: [DONE]'
}

for f in tamper-output:verification_failed tamper-token:verification_failed \
    wrong-tee-id:verification_failed bad-signature:verification_failed \
    bad-request-hash:verification_failed drop-final:verification_failed \
    truncate:verification_failed kill-mid-stream:upstream_error \
    error-event:upstream_error; do
	name=${f%%:*}
	fault relay-delay "" 1500
	fault "$name"
	chat_post "$BODY"
	out=$(expect_inband "${f#*:}")
	served "$name"
	note "$name after the commit: $out"
done

for f in 503:relay_error 429:relay_error 500:relay_error; do
	fault relay-delay "" 1500
	fault relay-status "" "${f%%:*}"
	chat_post "$BODY"
	out=$(expect_inband "${f#*:}")
	served "relay-status ${f%%:*}"
	note "relay-status ${f%%:*} after the commit: $out"
done
fault relay-delay "" 1500
fault relay-close
chat_post "$BODY"
out=$(expect_inband 'relay_error|upstream_unreachable|upstream_error')
served relay-close
note "relay-close after the commit: $out"

# Both gateways down: the failover after the commit fails too.
fault relay-delay "" 1500
fault stop-gateway 0
fault stop-gateway 1
chat_post "$BODY"
out=$(expect_inband relay_error)
served "both gateways down"
note "no reachable TEE after the commit: $out"

# The selected gateway down: failover after the commit, then verified.
api_get /health
sel=$(jget "$T/body" tee_id)
devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
gw=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))
print([g["index"] for g in s["gateways"] if g["tee_id"] == sys.argv[2]][0])' \
    "$T/stats.json" "$sel")
fault relay-delay "" 1500
fault stop-gateway "$gw"
n0=$(relay_count)
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"fail over after the commit"}]}'
expect_status 200
python3 - "$T/body" "$sel" <<'PYEOF' || fail "failover after the commit"
import json, re, sys
b = open(sys.argv[1], 'rb').read()
m = re.fullmatch(rb'((?:: og-veil verifying\n\n)+)((?:data: \{[^\n]*\}\n\n)+)data: \[DONE\]\n\n', b)
if not m:
    sys.exit('not keep-alives + the replay: %r' % b[:400])
ev = [json.loads(l[6:]) for l in m.group(2).split(b'\n\n') if l]
text = ''.join(e['choices'][0]['delta'].get('content') or '' for e in ev
    if e.get('choices'))
if text != 'Echo: fail over after the commit':
    sys.exit('text %r' % text)
v = ev[-1].get('opengradient_verification') or {}
if v.get('verified') is not True or v.get('tee_id') == sys.argv[2]:
    sys.exit('proof %r (failed TEE %s)' % (v, sys.argv[2]))
PYEOF
n1=$(relay_count)
[ $((n1 - n0)) = 2 ] || fail "$((n1 - n0)) relay calls for one failover"
served failover
note "failover after the commit: verified by the other TEE"

# The openai package raises the in-band error, with no content.
fault relay-delay "" 1500
fault bad-signature
OPENAI_BASE_URL=$VEIL_URL/v1 OPENAI_API_KEY=og-veil \
    FIRSTBYTE_PROMPT="$P" node "$TOP/tests/clients/firstbyte.mjs" openai \
    error 'verification failed' >/dev/null ||
    fail "the openai package did not raise the in-band error"
served "openai in-band"
note "openai package: the in-band error is raised, no content"

# An agent that leaves a committed stream: upstream cancelled, served on.
fault slow-stream "" 1000
curl -sS -N --max-time 2 -o "$T/body" -H 'Content-Type: application/json' \
    --data-binary "$BODY" "$VEIL_URL/v1/chat/completions" || true
expect_body_contains ': og-veil verifying'
expect_body_lacks Echo
wait_for 10 grep -q 'agent went away' "$T/veil.log" ||
    fail "og-veil did not notice the agent leaving a committed stream"
served "agent gone"
note "an agent leaving a committed stream is noticed"

# Non-stream: held whole, headers and body after verification.
fault relay-delay "" 1500
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"not a stream"}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.message.content "Echo: not a stream"
expect_body_lacks 'og-veil verifying'
note "a non-stream answer is held whole"

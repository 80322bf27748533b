# 351-indie-negative: against the independent indie-net.mjs, answers that
# were changed after signing, carry another TEE's id, a bad signature, a
# missing final chunk or an in-stream error are refused with 502 and
# nothing of the answer is delivered; an upstream status >= 400 envelope is
# an error too.  Good answers still pass afterwards.
INDIE=$TOP/tests/clients/indie-net.mjs
node "$INDIE" --state "$T/indie.json" --bundle "$T/bundle.json" \
    >"$T/indie.log" 2>&1 &
lib_track $!
wait_for 60 test -s "$T/indie.json" || fail "indie-net did not start"
veil_login
# Every lie comes from the same TEEs, again and again: no quarantine (506).
veil_start --quarantine 0

for stream in false true; do
	for m in indie-tamper indie-bare-tamper indie-wrongtee indie-badsig \
	    indie-tamper-fdone indie-wrongtee-split; do
		chat_post "{\"model\":\"$m\",\"stream\":$stream,\"messages\":[{\"role\":\"user\",\"content\":\"secret answer\"}]}"
		expect_status 502
		expect_body_lacks 'indie: secret'
		expect_json error.type veil_error
		! grep -qi '^X-OpenGradient-Verified: true' "$T/headers" ||
		    fail "$m stream=$stream: marked verified"
	done
	chat_post "{\"model\":\"indie-tamper\",\"stream\":$stream,\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\"}}],\"messages\":[{\"role\":\"user\",\"content\":\"secret answer\"}]}"
	expect_status 502
	expect_body_lacks 'lookup'
done
for m in indie-nofinal indie-errevent indie-nofinal-split; do
	chat_post "{\"model\":\"$m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"secret answer\"}]}"
	expect_status 502
	expect_body_lacks 'indie: secret'
done
chat_post '{"model":"indie-err500","messages":[{"role":"user","content":"secret answer"}]}'
[ "$STATUS" -ge 400 ] || fail "status 500 envelope answered $STATUS"
expect_body_lacks 'indie: secret'
expect_body_contains 'upstream fell over'

# A pinned TEE id that is not in the indie registry is refused (503).
veil_stop
OG_VEIL_TEE_ID=0x$(printf '%064d' 7) veil_start
chat_post '{"model":"indie","messages":[{"role":"user","content":"pinned"}]}'
expect_status 503
veil_stop
# Pinned to each indie gateway in turn: both answer verified.
for i in 0 1; do
	id=$(jget "$T/indie.json" gateways.$i.tee_id)
	OG_VEIL_TEE_ID=$id veil_start
	chat_post '{"model":"indie-bare","messages":[{"role":"user","content":"after"}]}'
	expect_status 200
	expect_header X-OpenGradient-TEE-Id "$id"
	expect_json choices.0.message.content 'indie: after'
	veil_stop
done

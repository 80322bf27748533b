# 110-tamper: every gateway lie is caught; nothing of the content reaches
# the agent (streams: no content delta at all) or the log.
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --quarantine 0

P='secret words that must never leak'
for f in tamper-output tamper-token wrong-tee-id bad-signature \
    bad-request-hash drop-final truncate; do
	fault "$f"
	case $f in
	tamper-token|drop-final|truncate) ;;	# chunked answers only
	*)
		chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"'"$P"'"}]}'
		expect_status 502
		expect_json error.type veil_error
		expect_json error.code verification_failed
		expect_nowhere "$P"
		node_client fault.mjs 502
		;;
	esac
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'
	expect_status 502
	expect_json error.code verification_failed
	expect_nowhere "$P"
	node_client fault.mjs 502 stream
	fault_clear
	note "$f: refused"
done
# An in-stream error event and a gateway killed mid-stream: 502, nothing.
for f in error-event kill-mid-stream; do
	fault "$f"
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'
	expect_status 502
	expect_json error.type veil_error
	expect_nowhere "$P"
	node_client fault.mjs 502 stream
	fault_clear
done
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"fine again"}]}'
expect_status 200

# 320-stream-faults: a gateway killed mid-stream, a chunked answer cut
# inside a chunk (truncate) and one without its final chunk (drop-final):
# a stream gets 502 with no content delta; these faults break only chunked
# answers, so a non-stream under them is served verified.  After each fault
# og-veil serves a normal chat again.
# tls: yes
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --quarantine 0

P='stream words that must never leak'
for f in kill-mid-stream truncate drop-final; do
	fault "$f"
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'
	expect_status 502
	expect_json error.type veil_error
	expect_body_lacks 'data:'
	expect_body_lacks 'Echo'
	expect_nowhere "$P"
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"single under '"$f"'"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_json choices.0.message.content "Echo: single under $f"
	fault_clear
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"after '"$f"'"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_body_contains 'data: [DONE]'
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after '"$f"'"}]}'
	expect_status 200
	expect_json choices.0.message.content "Echo: after $f"
	note "$f: 502 on the stream, served afterwards"
done

# 680-pii-scrub: with --pii-scrub the gateway receives (admin GET
# /received: what the enclave decrypted) the prompt with every email,
# phone, SSN, card and address replaced by its tag, in system, user and
# tool texts and tool-call arguments but not in attachments; the answer
# still verifies (the enclave signed what it received), says what was
# redacted in a header (counts only), and the log has counts only.
# Without the flag nothing is touched.
devnet_start
veil_login
veil_start --pii-scrub

received() {	# the newest decrypted request, into $T/received.json
	devnet_curl -f "$DEVNET_ADMIN/received" >"$T/all.json" ||
	    fail "GET /received"
	python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[-1]))' \
	    "$T/all.json" >"$T/received.json"
}

SECRETS='ada@example.com +44 20 7946 0958 123-45-6789 4111 1111 1111 1111 742 Evergreen Terrace'
chat_post '{"model":"gpt-4.1-mini","messages":[
 {"role":"system","content":"the operator is ops@example.org"},
 {"role":"user","content":[{"type":"text","text":"mail ada@example.com or call +44 20 7946 0958"},
  {"type":"image_url","image_url":{"url":"data:image/png;base64,YWRhQGV4YW1wbGUuY29t"}}]},
 {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"pay","arguments":"{\"card\":\"4111 1111 1111 1111\",\"ssn\":\"123-45-6789\"}"}}]},
 {"role":"tool","tool_call_id":"c1","content":"shipped to 742 Evergreen Terrace"},
 {"role":"user","content":"my email is ada@example.com, the release is 1.2.3 of 2024-01-15"}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.message.content 'Echo: my email is [REDACTED_EMAIL], the release is 1.2.3 of 2024-01-15'
expect_header X-OpenGradient-PII-Redacted 'email=3, phone=1, ssn=1, bank_number=1, address=1'
received
for s in ada@example.com ops@example.org '7946 0958' 123-45-6789 '4111 1111' 'Evergreen Terrace'; do
	! grep -qF -- "$s" "$T/received.json" || fail "the gateway received '$s'"
done
for t in REDACTED_EMAIL REDACTED_PHONE REDACTED_SSN REDACTED_BANK_NUMBER REDACTED_ADDRESS; do
	grep -q "\[$t\]" "$T/received.json" || fail "no [$t] at the gateway"
done
# Attachments are not altered; look-alikes survive.
grep -qF 'YWRhQGV4YW1wbGUuY29t' "$T/received.json" || fail "the attachment changed"
grep -qF '1.2.3 of 2024-01-15' "$T/received.json" || fail "a look-alike was redacted"
# The log says how many, never what.
grep -q 'redacted 3 email, 1 phone, 1 ssn, 1 bank number, 1 address' "$T/veil.log" ||
    fail "no redaction counts in the log"
for s in ada@example.com 123-45-6789 'Evergreen Terrace'; do
	! grep -qF -- "$s" "$T/veil.log" || fail "the log holds '$s'"
done

# A stream verifies too.
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"call (415) 555-2671"}]}'
expect_status 200
expect_header X-OpenGradient-PII-Redacted 'phone=1'
expect_body_contains 'REDACTED_PHONE'
expect_body_lacks '555-2671'
grep -q '"verified": *true' "$T/body" || fail "the stream did not verify"

# The official client sees the verified redacted answer.
node_client chat.mjs plain >/dev/null

# Without --pii-scrub nothing is touched, and no header is sent.
veil_stop
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"mail ada@example.com"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: mail ada@example.com'
! grep -qi '^X-OpenGradient-PII-Redacted:' "$T/headers" || fail "header without --pii-scrub"

# Every dialect: Anthropic Messages and OpenAI Responses are redacted the
# same way before sealing (system, user text blocks, tool results, tool
# inputs), and verify.
veil_stop
veil_start --pii-scrub
post() {	# post PATH JSON
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' -H 'x-api-key: og-veil' \
	    -H 'anthropic-version: 2023-06-01' --data-binary "$2" \
	    "$VEIL_URL$1") || STATUS=000
}
post /v1/messages '{"model":"claude-sonnet-4-6","max_tokens":64,
 "system":[{"type":"text","text":"operator ops@example.org"}],
 "messages":[{"role":"user","content":"my SSN is 123-45-6789"},
  {"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"pay","input":{"card":"4111 1111 1111 1111"}}]},
  {"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"sent to ada@example.com"},
   {"type":"text","text":"call +1 415 555 2671"}]}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_header X-OpenGradient-PII-Redacted 'email=2, phone=1, ssn=1, bank_number=1'
expect_json content.0.text 'Echo: call [REDACTED_PHONE]'
received
for s in ops@example.org 123-45-6789 '4111 1111' ada@example.com '555 2671'; do
	! grep -qF -- "$s" "$T/received.json" || fail "messages: the gateway received '$s'"
done

post /v1/responses '{"model":"gpt-4.1-mini","instructions":"owner ops@example.org",
 "input":[{"type":"message","role":"user","content":[{"type":"input_text","text":"IBAN GB82 WEST 1234 5698 7654 32"}]},
  {"type":"function_call","call_id":"c1","name":"ship","arguments":"{\"to\":\"742 Evergreen Terrace\"}"},
  {"type":"function_call_output","call_id":"c1","output":"done for ada@example.com"},
  {"type":"message","role":"user","content":"and 020 7946 0958"}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_header X-OpenGradient-PII-Redacted 'email=2, phone=1, bank_number=1, address=1'
expect_body_contains 'Echo: and [REDACTED_PHONE]'
received
for s in ops@example.org 'GB82 WEST' 'Evergreen Terrace' ada@example.com '7946 0958'; do
	! grep -qF -- "$s" "$T/received.json" || fail "responses: the gateway received '$s'"
done

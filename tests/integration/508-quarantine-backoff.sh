# 508-quarantine-backoff: the back-off doubles per failure in a row and a
# verified answer after the quarantine resets it (issue 16; og-veil(1)
# Quarantine).  One gateway and --quarantine 1 so that quarantines end
# within the test; every wait polls, no timing is asserted.  Before, a
# failing TEE was never quarantined at all.
# tls: yes
devnet_start --gateways 1
veil_login
veil_start --quarantine 1

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hello"}]}'
expect_status 200
tee=$(jget "$T/body" opengradient_verification.tee_id)

# expect_quarantine FAILURES SECONDS [COUNT]: the warning (its times are
# the log's, so no timing is asserted; /health lists a quarantine only
# while it lasts, which may be shorter than the test's next step).
expect_quarantine() {
	_n=$(grep -c "tee: quarantined $tee (.*) for $2 s, failure $1 in a row: output hash mismatch" "$T/veil.log" || true)
	[ "$_n" -eq "${3:-1}" ] || { grep 'tee:' "$T/veil.log" >&2;
	    fail "$_n warnings 'for $2 s, failure $1', expected ${3:-1}"; }
}
quarantine_over() {
	curl -sf "$VEIL_URL/health" | grep -q '"quarantined":\[\]'
}
lie() {
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"lie"}]}'
	expect_status 502
	expect_json error.code verification_failed
}

fault tamper-output
lie
expect_quarantine 1 1
wait_for 30 quarantine_over || fail "the 1 s quarantine did not end"
lie
expect_quarantine 2 2
wait_for 30 quarantine_over || fail "the 2 s quarantine did not end"
lie
expect_quarantine 3 4

# Verified again after the quarantine: the back-off starts over.
fault_clear
wait_for 30 quarantine_over || fail "the 4 s quarantine did not end"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"honest"}]}'
expect_status 200
grep -q "tee: $tee answered verified again after its quarantine" \
    "$T/veil.log" || fail "no reset in the log"
fault tamper-output
lie
expect_quarantine 1 1 2

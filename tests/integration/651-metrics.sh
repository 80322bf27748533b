# 651-metrics: GET /metrics is Prometheus text that promtool accepts; its
# counters move with verified answers (the relay round trip timed), with
# each tamper fault (by reason), with relay statuses and with the receipts
# written; it sits behind the API key when one is set; no label or value
# carries a prompt; each lying TEE is quarantined once
# (og_veil_quarantines_total): six gateways so that two are left after the
# four faults (the relay 503 fails over once).
command -v promtool >/dev/null 2>&1 ||
    skip "promtool (Debian prometheus) is not installed"
devnet_start --gateways 6
veil_login
veil_start

metric() {	# metric NAME{labels}: its value now (0 when absent)
	curl -sS -H 'Authorization: Bearer og-veil' "$VEIL_URL/metrics" \
	    >"$T/metrics.txt" || fail "GET /metrics"
	awk -v k="$1" 'index($0, k " ") == 1 { v = $2 } END { print v + 0 }' \
	    "$T/metrics.txt"
}

api_get /metrics
expect_status 200
expect_header Content-Type 'text/plain; version=0.0.4; charset=utf-8'
promtool check metrics <"$T/body" >"$T/promtool.out" 2>&1 ||
    { cat "$T/promtool.out"; fail "promtool rejects /metrics"; }

ok='og_veil_requests_total{route="/v1/chat/completions",dialect="chat",outcome="verified"}'
[ "$(metric "$ok")" = 0 ] || fail "verified count before any request"
P='metrics prompt never in a label'
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"'"$P"'"}]}'
expect_status 200
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$P"'"}]}'
expect_status 200
[ "$(metric "$ok")" = 2 ] || fail "verified count $(metric "$ok"), expected 2"
[ "$(metric 'og_veil_verified_content_seconds_count{dialect="chat",stream="true"}')" = 1 ] ||
    fail "no verified-content sample for the stream"
[ "$(metric 'og_veil_first_byte_seconds_count{dialect="chat",stream="false"}')" = 1 ] ||
    fail "no first-byte sample"
for s in false true; do
	[ "$(metric 'og_veil_upstream_seconds_count{stream="'$s'"}')" = 1 ] ||
	    fail "no upstream (relay round trip) sample, stream $s"
done
wait_for 10 sh -c '[ "$(curl -sS -H "Authorization: Bearer og-veil" "$0/metrics" |
    awk "/^og_veil_receipts_total\\{result=\"written\"\\} /{print \$2}")" = 2 ]' \
    "$VEIL_URL" || fail "receipts_total written is not 2"

[ "$(metric 'og_veil_request_loop_seconds_count{dialect="chat"}')" -ge 2 ] ||
    fail "no loop-time-per-request samples"
[ "$(metric 'og_veil_registry_reads_total{result="chain"}')" -ge 1 ] ||
    fail "no registry read from the chain counted"
[ "$(metric 'og_veil_tee_changes_total')" -ge 1 ] || fail "no TEE selection counted"
for f in tamper-output bad-signature wrong-tee-id bad-request-hash; do
	fault "$f"
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"'"$P"'"}]}'
	expect_status 502
	fault_clear
done
bad='og_veil_requests_total{route="/v1/chat/completions",dialect="chat",outcome="verification_failed"}'
[ "$(metric "$bad")" = 4 ] || fail "verification_failed count $(metric "$bad")"
[ "$(metric og_veil_quarantines_total)" = 4 ] ||
    fail "quarantines $(metric og_veil_quarantines_total), expected 4"
for r in output_hash signature tee_id request_hash; do
	[ "$(metric "og_veil_verification_failures_total{reason=\"$r\"}")" -ge 1 ] ||
	    fail "no verification failure counted for $r: $(grep verification_failures "$T/metrics.txt")"
done
fault relay-status "" 503
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
fault_clear
[ "$(metric 'og_veil_relay_responses_total{status="503"}')" -ge 1 ] ||
    fail "relay 503 not counted: $(grep relay_responses "$T/metrics.txt")"
! grep -qF "$P" "$T/metrics.txt" || fail "a prompt reached /metrics"
promtool check metrics <"$T/metrics.txt" >"$T/promtool.out" 2>&1 ||
    { cat "$T/promtool.out"; fail "promtool rejects /metrics after traffic"; }

# og-veil status shows the headline figures from the same counters.
"$VEIL_BIN" status --port "$VEIL_PORT" >"$T/status.out" 2>&1 || true
grep -q '^answers: *2 verified, 5 refused (4 failed verification), 2 receipts' \
    "$T/status.out" || { cat "$T/status.out"; fail "status headline figures"; }
"$VEIL_BIN" status --json --port "$VEIL_PORT" >"$T/body" 2>&1 || true
expect_json answers.verified 2
expect_json answers.verification_failures 4

# Timing a request costs no system call (issue 18: a thread CPU clock
# was six a request; the monotonic clock is read in the vDSO).
if veil_syscalls clock_gettime 20 '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"clock"}]}'; then
	! grep -q CPUTIME "$T/strace.out" ||
	    fail "$(grep -c CPUTIME "$T/strace.out") CPU-clock system calls for 20 requests"
fi

# Behind the API key when one is set.
veil_stop
veil_start --api-key metrics-key-123
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' "$VEIL_URL/metrics")
[ "$STATUS" = 401 ] || fail "/metrics without the key: $STATUS"
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' \
    -H 'Authorization: Bearer metrics-key-123' "$VEIL_URL/metrics")
[ "$STATUS" = 200 ] || fail "/metrics with the key: $STATUS"

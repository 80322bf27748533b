# 326-no-replay: a failover retry happens only before anything reaches the
# agent.  Counted at the relay (admin GET /stats): a stopped gateway costs
# exactly one retry; a stream the gateway breaks after it began (killed,
# truncated, final chunk dropped) is never replayed: one relay call only.
# tls: yes
devnet_start
veil_login
# Faults on every gateway, again and again: no quarantine (506).
veil_start --quarantine 0
stats() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats" && jget "$T/stats" "$1"
}

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"first"}]}'
expect_status 200
tee=$(jget "$T/body" opengradient_verification.tee_id)
idx=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print([g["index"] for g in s["gateways"] if g["tee_id"].lower()==sys.argv[2].lower()][0])' "$DEVNET_STATE" "$tee")
devnet_admin "/gateway/$idx/stop"
n0=$(stats relay_requests)
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"failover"}]}'
expect_status 200
expect_body_contains 'data: [DONE]'
[ "$(stats relay_requests)" = $((n0 + 2)) ] ||
    fail "a stopped gateway: $(($(stats relay_requests) - n0)) relay calls, expected 2"
fault_clear

for f in kill-mid-stream truncate drop-final; do
	fault "$f"
	n0=$(stats relay_requests)
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"once only"}]}'
	expect_status 502
	expect_body_lacks 'data:'
	n1=$(stats relay_requests)
	[ "$n1" = $((n0 + 1)) ] ||
	    fail "$f: $((n1 - n0)) relay calls, expected 1 (no replay)"
	fault_clear
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"fine"}]}'
	expect_status 200
	note "$f: one relay call, no replay"
done

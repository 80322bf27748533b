# 506-quarantine: a TEE whose answer fails verification is quarantined
# (issue 16): the failed request gets its 502 and is not retried (it may
# have been billed, and may be an attack), the next request goes to the
# other TEE; /health, `og-veil status` and the metrics show the quarantine
# and its reason; it outlives a restart (the store); and when every TEE
# is quarantined the agent gets 503 saying so, with Retry-After, in its
# own dialect.  Before, a lying gateway kept being selected: 3 of 3
# requests got 502.
# tls: yes
devnet_start
veil_login
veil_start

relay_requests() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
	jget "$T/stats.json" relay_requests
}
gw_index() {
	python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print([g["index"] for g in s["gateways"] if g["tee_id"].lower()==sys.argv[2].lower()][0])' "$DEVNET_STATE" "$1"
}

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"first"}]}'
expect_status 200
bad=$(jget "$T/body" opengradient_verification.tee_id)
idx=$(gw_index "$bad")
api_get /health
expect_json quarantined '[]'

# The selected gateway lies about its output: 502, sent once only.
fault tamper-output "$idx"
n0=$(relay_requests)
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"lied to"}]}'
expect_status 502
expect_json error.code verification_failed
n1=$(relay_requests)
[ $((n1 - n0)) -eq 1 ] || fail "the failed request went $((n1 - n0)) times to the relay"
grep -q "tee: quarantined $bad .* for 60 s, failure 1 in a row: output hash mismatch" \
    "$T/veil.log" || { grep 'tee:' "$T/veil.log" >&2; fail "no quarantine warning"; }

# The next requests go to the other TEE, verified; streams too.
for i in 1 2 3; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after '$i'"}]}'
	expect_status 200
	expect_json choices.0.message.content "Echo: after $i"
	good=$(jget "$T/body" opengradient_verification.tee_id)
	[ "$good" != "$bad" ] || fail "the quarantined TEE answered request $i"
done
node_client chat.mjs stream

check_health() {
	api_get /health
	expect_status 200
	python3 - "$T/body" "$bad" <<'PYEOF'
import json, sys
h = json.load(open(sys.argv[1]))
q = h["quarantined"]
if len(q) != 1:
    sys.exit("quarantined: %r" % q)
e = q[0]
if e["tee_id"] != sys.argv[2].lower():
    sys.exit("quarantined %s, expected %s" % (e["tee_id"], sys.argv[2]))
if e["failures"] != 1 or not 0 < e["retry_in"] <= 60:
    sys.exit("entry %r" % e)
if e["until"] - e["since"] != 60:
    sys.exit("back-off %d, expected 60" % (e["until"] - e["since"]))
if "output hash mismatch" not in e["reason"]:
    sys.exit("reason %r" % e["reason"])
if h["tee_id"] == e["tee_id"]:
    sys.exit("health shows the quarantined TEE as the selected one")
PYEOF
}
check_health
"$VEIL_BIN" status --port "$VEIL_PORT" >"$T/status.out" 2>&1 || true
grep -q "^quarantined: $bad: output hash mismatch" "$T/status.out" ||
    { cat "$T/status.out" >&2; fail "status does not show the quarantine"; }
"$VEIL_BIN" status --json --port "$VEIL_PORT" >"$T/status.json" 2>&1 || true
[ "$(jget "$T/status.json" quarantined.0.tee_id)" = "$bad" ] ||
    fail "status --json does not show the quarantine"
api_get /metrics
grep -q '^og_veil_quarantines_total 1$' "$T/body" ||
    { grep quarantine "$T/body" >&2; fail "og_veil_quarantines_total is not 1"; }

# Remembered across a restart: still not selected (the fault stays on).
veil_stop
# A stopped server's status reads the store's quarantines.
"$VEIL_BIN" status --port "$VEIL_PORT" >"$T/status.out" 2>&1 || true
grep -q "^quarantined: $bad: output hash mismatch.*as the store remembers" \
    "$T/status.out" ||
    { cat "$T/status.out" >&2; fail "a stopped server's status does not show the stored quarantine"; }
"$VEIL_BIN" status --json --port "$VEIL_PORT" >"$T/status.json" 2>&1 || true
[ "$(jget "$T/status.json" quarantined.0.tee_id)" = "$bad" ] ||
    fail "status --json of a stopped server does not show the stored quarantine"
veil_start
check_health
for i in 1 2; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"restarted"}]}'
	expect_status 200
	[ "$(jget "$T/body" opengradient_verification.tee_id)" != "$bad" ] ||
	    fail "the quarantined TEE was selected after a restart"
done

# Every TEE lies: the other one is quarantined too, then 503 with the
# earliest retry time, in each dialect, and no relay call at all.
fault tamper-output
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"lied to again"}]}'
expect_status 502
expect_json error.code verification_failed
n0=$(relay_requests)
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"all out"}]}'
expect_status 503
expect_body_contains 'every TEE is quarantined after failing verification'
expect_body_contains 'og-veil status'
ra=$(grep -i '^Retry-After:' "$T/headers" | cut -d: -f2 | tr -d ' \r')
[ -n "$ra" ] && [ "$ra" -gt 0 ] && [ "$ra" -le 60 ] ||
    fail "Retry-After is '$ra', expected 1..60"
msg_retry=$(python3 -c 'import json,re,sys; m=json.load(open(sys.argv[1]))["error"]["message"]; print(re.search(r"again at (\S+), in (\d+) s", m).group(2))' "$T/body")
[ "$msg_retry" = "$ra" ] || fail "the message says $msg_retry s, Retry-After $ra"
STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H 'x-api-key: og-veil' \
    -H 'anthropic-version: 2023-06-01' \
    --data-binary '{"model":"gpt-4.1-mini","max_tokens":64,"messages":[{"role":"user","content":"all out"}]}' \
    "$VEIL_URL/v1/messages")
expect_status 503
expect_json type error
expect_body_contains 'every TEE is quarantined'
grep -qi '^Retry-After: [1-9]' "$T/headers" || fail "no Retry-After (messages)"
STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' \
    --data-binary '{"model":"gpt-4.1-mini","input":"all out"}' \
    "$VEIL_URL/v1/responses")
expect_status 503
expect_body_contains 'every TEE is quarantined'
grep -qi '^Retry-After: [1-9]' "$T/headers" || fail "no Retry-After (responses)"
n1=$(relay_requests)
[ "$n1" -eq "$n0" ] || fail "a request went to a quarantined TEE"
api_get /health
[ "$(jget "$T/body" quarantined)" != '[]' ] || fail "health lost the quarantine"
python3 -c 'import json,sys; q=json.load(open(sys.argv[1]))["quarantined"]; sys.exit(len(q) != 2)' "$T/body" ||
    fail "health does not list both TEEs: $(cat "$T/body")"
api_get /health/ready
expect_status 503
expect_json reason 'every TEE is quarantined after failing verification (og-veil status shows why)'
RC=0; "$VEIL_BIN" status --port "$VEIL_PORT" >"$T/status.out" 2>&1 || RC=$?
[ "$RC" = 4 ] || fail "status exits $RC with every TEE quarantined, expected 4"
grep -q '^ready: *no: every TEE is quarantined' "$T/status.out" ||
    { cat "$T/status.out" >&2; fail "status does not say why"; }
[ "$(grep -c '^quarantined: ' "$T/status.out")" = 2 ] ||
    fail "status does not list both TEEs"

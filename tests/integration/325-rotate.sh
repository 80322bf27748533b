# 325-rotate: every gateway rotates its keys while a slow stream is in
# flight.  The stream either completes verified or fails cleanly with 502
# (no content delta).  The next requests, still aimed at the old key, are
# refused by the relay/gateway; og-veil re-reads the registry, sees the
# rotation and retries once with the new key: they succeed.  The refresh
# timer is off, so only that retry can notice the rotation.
# tls: yes
devnet_start
veil_login
veil_start --tee-refresh-interval 0
stats() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats" && jget "$T/stats" "$1"
}

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"before"}]}'
expect_status 200
old=$(jget "$T/body" opengradient_verification.tee_id)

fault slow-stream "" 200
n0=$(stats relay_requests)
curl -sS -o "$T/slow" -D "$T/slow-headers" -w '%{http_code}' \
    -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' \
    --data-binary '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"a slow stream in flight"}]}' \
    "$VEIL_URL/v1/chat/completions" >"$T/slow-status" 2>&1 &
slow=$!
wait_for 20 sh -c "[ \$(curl -sS $DEVNET_CURL $DEVNET_ADMIN/stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"relay_requests\"])') -gt $n0 ]" ||
    fail "the slow stream never reached the relay"
devnet_admin /fault '{"name": "rotate-keys"}'

# A request sent during the slow stream, with the stale key.
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"during"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: during'
tee=$(jget "$T/body" opengradient_verification.tee_id)
[ "$tee" != "$old" ] || fail "answered under the rotated-away key"

wait "$slow" || true
st=$(cat "$T/slow-status")
case $st in
200)
	grep -q '^data: \[DONE\]' "$T/slow" || fail "verified stream without [DONE]"
	# Committed early (--first-byte, 2 s), the verdict is in the last
	# chunk (PROTOCOL.md §10), not in the headers sent before it.
	grep -qi '^X-OpenGradient-Verified: true' "$T/slow-headers" ||
	    python3 - "$T/slow" <<'PYEOF' || fail "200 without the verdict"
import json, sys
ok = False
for line in open(sys.argv[1], encoding='utf-8'):
    if line.startswith('data: {'):
        v = json.loads(line[6:]).get('opengradient_verification')
        ok = ok or (isinstance(v, dict) and v.get('verified') is True)
sys.exit(0 if ok else 1)
PYEOF
	;;
502)
	! grep -q 'data:' "$T/slow" || fail "a failed stream delivered frames" ;;
*)	fail "the in-flight stream got $st" ;;
esac
note "in-flight stream: $st"
fault_clear

for s in '' '"stream":true,'; do
	chat_post '{"model":"gpt-4.1-mini",'"$s"'"messages":[{"role":"user","content":"after"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
done
# Once more, with the current TEE rotated alone and no stream around.
tee=$(grep -i '^X-OpenGradient-TEE-Id:' "$T/headers" | cut -d: -f2 | tr -d ' \r')
idx=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print([g["index"] for g in s["gateways"] if g["tee_id"].lower()==sys.argv[2].lower()][0])' "$DEVNET_STATE" "$tee")
n0=$(stats relay_requests)
devnet_admin "/gateway/$idx/rotate"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"rotated"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: rotated'
[ "$(jget "$T/body" opengradient_verification.tee_id)" != "$tee" ] ||
    fail "answered under the rotated-away key"
[ "$(stats relay_requests)" = $((n0 + 2)) ] ||
    fail "expected one refused call and one retry"

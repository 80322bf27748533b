# 341-max-unverified: with --max-unverified 4096 and slow streams from the
# devnet (fault slow-stream 300) holding their frames until the final one
# verifies, new requests beyond the cap get 503 "holding too many
# unverified bytes" instead of the process holding more; the admitted
# streams still finish verified, and afterwards requests succeed again.
# tls: yes
devnet_start
veil_login
veil_start --max-unverified 4096
fault slow-stream "" 300

# About 20 frames of some 300 bytes each: 6 s per stream, ~6 KiB held.
words=$(python3 -c 'print(" ".join("held%02d-%s" % (i, "x" * 30) for i in range(60)))')
SLOW='{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$words"'"}]}'
SMALL='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"small"}]}'

pids=
for i in 1 2 3; do
	curl -sS -o "$T/slow$i" -w '%{http_code}\n' \
	    -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' \
	    --data-binary "$SLOW" "$VEIL_URL/v1/chat/completions" >"$T/st$i" &
	pids="$pids $!"
done

# While they hold their frames, new requests are refused with a clear
# reason (poll: the held bytes grow with each frame).
refused() {
	chat_post "$SMALL"
	[ "$STATUS" = 503 ]
}
wait_for 20 refused || fail "never refused while streams were held: $STATUS"
expect_json error.type veil_error
expect_json error.code overloaded
expect_body_contains 'holding too many unverified bytes'
expect_header Retry-After 1
chat_post "$SLOW"
expect_status 503
expect_json error.code overloaded
# Routes that hold nothing are still answered.
api_get /health
expect_status 200
api_get /v1/models
expect_status 200

# The admitted streams finish, verified and complete.
for p in $pids; do
	wait "$p" || true
done
for i in 1 2 3; do
	[ "$(cat "$T/st$i")" = 200 ] || fail "slow stream $i: $(cat "$T/st$i") $(head -c 300 "$T/slow$i")"
	grep -q '^data: \[DONE\]$' "$T/slow$i" || fail "slow stream $i unfinished"
	grep -q 'held59-' "$T/slow$i" || fail "slow stream $i lacks its end"
	grep -q '"verified":true' "$T/slow$i" || fail "slow stream $i unverified"
done

# Nothing held any more: served again, plain and streamed.
chat_post "$SMALL"
expect_status 200
expect_json choices.0.message.content 'Echo: small'
# A stream that alone holds more than the cap is not cut: the cap admits,
# it does not truncate (--max-response bounds one answer).
fault_clear
chat_post "$SLOW"
expect_status 200
grep -q '^data: \[DONE\]$' "$T/body" || fail "stream after recovery"
chat_post "$SMALL"
expect_status 200

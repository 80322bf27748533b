# 340-max-response: with --max-response 2048, an answer bigger than that
# (the devnet echoes the prompt) is refused with 502 response_too_large and
# a message naming the cap, plain and streamed, before anything reaches
# the agent; small answers keep working and the server keeps serving.
# tls: yes
devnet_start
veil_login
veil_start --max-response 2048

big=$(python3 -c 'print(" ".join("word%04d" % i for i in range(600)))')
BIG='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"'"$big"'"}]}'
BIGS='{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$big"'"}]}'

# The request itself fits (the cap is on the answer only).
for b in "$BIG" "$BIGS"; do
	chat_post "$b"
	expect_status 502
	expect_json error.type veil_error
	expect_json error.code response_too_large
	expect_body_contains 'response exceeds the buffer cap'
	expect_body_contains OG_VEIL_MAX_RESPONSE
	expect_body_lacks word0599
	expect_body_lacks 'data:'
	! grep -qi '^X-OpenGradient-Verified: true' "$T/headers" ||
	    fail "a refused answer claims verification"
	# The server goes on serving, plain and streamed.
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"small"}]}'
	expect_status 200
	expect_json choices.0.message.content 'Echo: small'
	chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"small too"}]}'
	expect_status 200
	grep -q '^data: \[DONE\]$' "$T/body" || fail "small stream unfinished"
done
expect_nowhere word0599

# Several too-large ones at once, then /health: still alive, nothing held.
pids=
for i in 1 2 3 4; do
	curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
	    -H 'Authorization: Bearer og-veil' --data-binary "$BIGS" \
	    "$VEIL_URL/v1/chat/completions" >"$T/s$i" &
	pids="$pids $!"
done
for p in $pids; do
	wait "$p" || true
done
for i in 1 2 3 4; do
	[ "$(cat "$T/s$i")" = 502 ] || fail "parallel big stream $i: $(cat "$T/s$i")"
done
api_get /health
expect_status 200
expect_json status ok
veil_stop

# The default (32m) carries the same answer.
veil_start
chat_post "$BIG"
expect_status 200
expect_body_contains word0599
chat_post "$BIGS"
expect_status 200
expect_body_contains word0599

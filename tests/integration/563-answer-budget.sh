# 563-answer-budget: the decision for a non-stream answer that arrives
# while --max-unverified is spent (og-veil(1)): og-veil does not pause the
# relay's read, it fails the request with 503 "overloaded" (Retry-After)
# as the bytes that pass the budget arrive, and frees what it held.  Here
# one request's parsed body fits a 96k budget and its echoed ~40 KB answer
# on top of it does not; a small request right after is served, so
# nothing stayed charged.
devnet_start
veil_login
veil_start --max-unverified 96k
big=$(python3 -c 'print("y" * 40000)')
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"'"$big"'"}]}'
expect_status 503
expect_json error.code overloaded
expect_body_contains 'answers in flight hold its memory budget'
grep -qi '^Retry-After: *1' "$T/headers" || fail "no Retry-After: $(cat "$T/headers")"
for i in 1 2 3; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"small '$i'"}]}'
	expect_status 200
	expect_json choices.0.message.content "Echo: small $i"
done

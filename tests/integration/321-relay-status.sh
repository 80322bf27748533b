# 321-relay-status: what 111 leaves out: a relay 502 (no failover: the
# relay itself answered), relay statuses on streams (status, message and
# Retry-After passed on, no stream started), a relay 400 or 404 for a TEE
# whose keys did not change (og-veil re-reads the registry once, as after
# a rotation, then passes the refusal on), a relay closing a stream's
# connection before the first byte; og-veil serves again after each.
# tls: yes
devnet_start
veil_login
veil_start

S='"stream":true,'
for st in 500 502 503 429; do
	for mode in plain stream; do
		[ $mode = stream ] && s=$S || s=
		fault relay-status "" $st
		chat_post '{"model":"gpt-4.1-mini",'"$s"'"messages":[{"role":"user","content":"x"}]}'
		expect_status $st
		expect_json error.type veil_error
		case $st in
		429) expect_body_contains 'Rate limit exceeded'
		    expect_header Retry-After 7 ;;
		503) expect_body_contains 'Service temporarily unavailable'
		    expect_header Retry-After 7 ;;
		*) expect_body_contains 'Internal relay error'
		    expect_header Retry-After '' ;;
		esac
		expect_body_lacks 'data:'
		fault_clear
		chat_post '{"model":"gpt-4.1-mini",'"$s"'"messages":[{"role":"user","content":"again"}]}'
		expect_status 200
		expect_header X-OpenGradient-Verified true
	done
	note "relay $st: passed on, served afterwards"
done

stats() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats" && jget "$T/stats" "$1"
}
for st in 400 404; do
	fault relay-status "" $st
	c0=$(stats chain_calls)
	r0=$(stats relay_requests)
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"x"}]}'
	expect_status $st
	expect_json error.type veil_error
	expect_body_contains 'Request refused'
	[ "$(stats chain_calls)" = $((c0 + 1)) ] ||
	    fail "relay $st: expected one registry re-read"
	[ "$(stats relay_requests)" = $((r0 + 1)) ] ||
	    fail "relay $st: retried although the TEE did not change"
	fault_clear
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"again"}]}'
	expect_status 200
done

fault relay-close
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"x"}]}'
expect_status 502
expect_json error.type veil_error
expect_body_lacks 'data:'
fault_clear
chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"again"}]}'
expect_status 200
expect_body_contains 'data: [DONE]'

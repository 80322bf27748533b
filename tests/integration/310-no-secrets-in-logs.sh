# 310-no-secrets-in-logs: at every verbosity (none, -v, -v -v, -v -v -v), a
# full run (login, plain and streamed chats, a forced token refresh, a
# refused tampered answer) with an API key and a cookie on every request
# leaves neither the tokens, nor the API key, nor the cookie, nor the
# prompt, nor the completion in og-veil's logs (libevent's debug output,
# which quotes every header, is never enabled).
# tls: yes
devnet_start
veil_login
access0=$(jget "$T/bundle.json" access_token)
refresh0=$(jget "$T/bundle.json" refresh_token)
KEY="sk-veil-$(date +%s)-agentkey"
COOKIE="veil-cookie-$$-crumb"
prompt="zebra-quartz-$(date +%s)-secret prompt"

# post JSON: like chat_post, with the API key and a cookie.
post() {
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    -H "Authorization: Bearer $KEY" -H "Cookie: s=$COOKIE" \
	    --data-binary "$1" "$VEIL_URL/v1/chat/completions") || STATUS=000
}

for level in "" "-v" "-v -v" "-v -v -v"; do
	# shellcheck disable=SC2086
	# Faults on every gateway, again and again: no quarantine (506).
	veil_start $level --api-key "$KEY" --quarantine 0
	post "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"$prompt\"}]}"
	expect_status 200
	expect_body_contains "$prompt"
	post "{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$prompt\"}]}"
	expect_status 200
	fault expire-token
	post "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"$prompt again\"}]}"
	expect_status 200
	fault_clear
	fault tamper-output
	post "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"$prompt tampered\"}]}"
	expect_status 502
	fault_clear
	veil_stop
	# The tokens the devnet rotated to during this run.
	access=$(jget "$T/bundle.json" access_token)
	refresh=$(jget "$T/bundle.json" refresh_token)
	for f in "$T/veil.log" "$OG_VEIL_HOME"/*.log "$T/login.out"; do
		[ -f "$f" ] || continue
		for secret in "$access0" "$refresh0" "$access" "$refresh" \
		    "$KEY" "$COOKIE" "$prompt" "zebra-quartz"; do
			! grep -qF -- "$secret" "$f" ||
			    fail "og-veil serve ${level:-(quiet)}: $(basename "$f") contains a secret or the prompt"
		done
	done
	note "og-veil serve ${level:-(quiet)}: no secret in the log"
done
grep -q ' debug ' "$T/veil.log" || fail "og-veil -v wrote no debug line at all"

# 310-no-secrets-in-logs: a full verbose run (login, plain and streamed
# chats, a forced token refresh, a refused tampered answer) leaves neither
# the tokens, nor the prompt, nor the completion in og-veil's logs.
# tls: yes
devnet_start
veil_login
veil_start -v
access=$(jget "$T/bundle.json" access_token)
refresh=$(jget "$T/bundle.json" refresh_token)
prompt="zebra-quartz-$(date +%s)-secret prompt"

chat_post "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"$prompt\"}]}"
expect_status 200
expect_body_contains "$prompt"
chat_post "{\"model\":\"gpt-4.1\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$prompt\"}]}"
expect_status 200
fault expire-token
chat_post "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"$prompt again\"}]}"
expect_status 200
fault_clear
fault tamper-output
chat_post "{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\",\"content\":\"$prompt tampered\"}]}"
expect_status 502
fault_clear

for f in "$T/veil.log" "$OG_VEIL_HOME"/*.log "$T/login.out"; do
	[ -f "$f" ] || continue
	for secret in "$access" "$refresh" "$prompt" "zebra-quartz"; do
		! grep -qF -- "$secret" "$f" || fail "$(basename "$f") contains a secret or the prompt"
	done
done
[ -s "$T/veil.log" ] || fail "og-veil -v wrote no log at all"

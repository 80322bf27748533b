# 112-failover: the selected gateway stops; og-veil drops it, selects the
# other and retries once, transparently.
# tls: yes
devnet_start
veil_login
veil_start

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"first"}]}'
expect_status 200
tee=$(jget "$T/body" opengradient_verification.tee_id)
api_get /health
expect_json tee_id "$tee"
idx=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print([g["index"] for g in s["gateways"] if g["tee_id"].lower()==sys.argv[2].lower()][0])' "$DEVNET_STATE" "$tee")
devnet_admin "/gateway/$idx/stop"

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after stop"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: after stop'
tee2=$(jget "$T/body" opengradient_verification.tee_id)
[ "$tee2" != "$tee" ] || fail "answered by the stopped TEE"
node_client chat.mjs stream

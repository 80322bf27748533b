# 015-devnet-tls: under --tls every listener speaks HTTPS with a
# certificate for 127.0.0.1 and localhost from a fresh CA written to
# --ca-out; curl trusts it with --cacert and refuses it without.
devnet_start --tls --ca-out "$T/ca.pem"
[ "$(jget "$DEVNET_STATE" tls)" = true ] || fail "state: tls"
[ "$(jget "$DEVNET_STATE" ca_file)" = "$T/ca.pem" ] || fail "state: ca_file"
for k in chain_rpc_url relay_url auth_url app_url admin_url; do
	jget "$DEVNET_STATE" $k | grep -q '^https://127\.0\.0\.1:' || fail "$k not https"
done
jget "$T/bundle.json" config.chat_api_base_url | grep -q '^https://' ||
    fail "bundle: relay not https"
C="curl -sS --cacert $T/ca.pem"
$C -H 'Content-Type: application/json' \
    --data-binary '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' \
    "$DEVNET_CHAIN" >"$T/body"
jget "$T/body" result >/dev/null || fail "chain over TLS"
port=${DEVNET_CHAIN##*:}
$C -H 'Content-Type: application/json' \
    --data-binary '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}' \
    "https://localhost:$port" >"$T/body"
jget "$T/body" result >/dev/null || fail "chain over TLS as localhost"
$C "$DEVNET_ADMIN/stats" >/dev/null || fail "admin over TLS"
$C "$DEVNET_APP/" >/dev/null || fail "app over TLS"
gw=$(jget "$DEVNET_STATE" gateways.0.endpoint)
case $gw in https://127.0.0.1:*) ;; *) fail "gateway endpoint $gw" ;; esac
if curl -sS -o /dev/null "$DEVNET_CHAIN" 2>/dev/null; then
	fail "TLS accepted without the CA"
fi
if curl -sS -o /dev/null "http://127.0.0.1:$port" 2>/dev/null; then
	fail "plain HTTP answered on a TLS port"
fi
openssl x509 -in "$T/ca.pem" -noout -text >"$T/ca.txt"
grep -q 'CA:TRUE' "$T/ca.txt" || fail "CA lacks CA:TRUE"
echo | openssl s_client -connect "127.0.0.1:$port" -CAfile "$T/ca.pem" \
    2>/dev/null | openssl x509 -noout -text >"$T/srv.txt"
grep -q 'IP Address:127.0.0.1' "$T/srv.txt" || fail "no IP SAN"
grep -q 'DNS:localhost' "$T/srv.txt" || fail "no DNS SAN"
# The relay reaches the gateways over TLS too (their refusal, not a 502).
tok=$(jget "$T/bundle.json" access_token)
STATUS=$($C -o "$T/body" -w '%{http_code}' -X POST \
    -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $tok" \
    -H "X-TEE-ID: $(jget "$DEVNET_STATE" gateways.0.tee_id)" \
    --data-binary x "$DEVNET_RELAY/api/v1/chat/ohttp") || STATUS=000
[ "$STATUS" != 502 ] && [ "$STATUS" != 000 ] || fail "relay to TLS gateway: $STATUS"

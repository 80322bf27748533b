# 504-tls-untrusted: the network's certificate is not trusted by the CA
# bundle og-veil uses (another CA in --ca-file).  The answer and the log
# say so, naming the host and the CA file in use, for the chain and for
# the relay; before, a TLS failure read "connection closed without an
# answer" (http-client's "TLS certificate rejected" branch was never
# reached).  With the right CA the same setup serves.
DEVNET_TLS=1
devnet_start
veil_login
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$T/other.key" -out "$T/other-ca.pem" -days 2 \
    -subj '/CN=not the devnet CA' >/dev/null 2>&1 ||
    fail "openssl cannot make a CA"
RIGHT=$VEIL_CA_FLAGS
CHAIN_HOST=${DEVNET_CHAIN#https://}
RELAY_HOST=${DEVNET_RELAY#https://}
RELAY_HOST=${RELAY_HOST%%/*}

# The chain: no registry, so 503 naming the chain's host and the CA file.
VEIL_CA_FLAGS="--ca-file $T/other-ca.pem"
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"tls"}]}'
expect_status 503
expect_body_contains "TLS certificate of https://$CHAIN_HOST rejected"
expect_body_contains "$T/other-ca.pem"
expect_body_lacks 'closed without an answer'
grep -q "TLS certificate of https://$CHAIN_HOST rejected" "$T/veil.log" ||
    fail "the log does not name the TLS failure"
veil_stop
note "chain: TLS rejection named, with the CA file"

# The right CA: served, and the registry is cached.
VEIL_CA_FLAGS=$RIGHT
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"tls ok"}]}'
expect_status 200
expect_json choices.0.message.content "Echo: tls ok"
veil_stop

# The relay, with the cached registry: 502 naming the relay's host.
VEIL_CA_FLAGS="--ca-file $T/other-ca.pem"
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"tls relay"}]}'
expect_status 502
expect_body_contains "TLS certificate of https://$RELAY_HOST rejected"
expect_body_contains "$T/other-ca.pem"
expect_body_lacks 'closed without an answer'
expect_nowhere 'Echo: tls relay'
note "relay: TLS rejection named, with the CA file"

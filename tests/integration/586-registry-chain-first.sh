# 586-registry-chain-first: og-veil reads the chain before trusting its
# registry cache.  A registry change made while og-veil was stopped (every
# TEE's pcrHash moved) is seen at once by `serve --expected-pcr OLD`: 503,
# not an answer from the cached entry.  With the chain down the cache is
# used, and the log, /health and `og-veil status` say so with its age;
# once the chain is back og-veil reads it again without a restart.
devnet_start
veil_login
pcr=$(jget "$DEVNET_STATE" gateways.0.pcr_hash)
veil_start --expected-pcr "$pcr"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"fill the cache"}]}'
expect_status 200
api_get /health
expect_json registry_source chain
veil_stop

fault pcr-mismatch
veil_start --expected-pcr "$pcr"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"stale pin"}]}'
expect_status 503
expect_body_contains "$pcr"
veil_stop
fault_clear

fault chain-down
OG_VEIL_TEE_REFRESH_INTERVAL=2 veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"from the cache"}]}'
expect_status 200
grep -q 'using the registry cached [0-9]* s ago' "$T/veil.log" ||
    fail "the log does not say the cache is used: $(grep 'tee:' "$T/veil.log" | tail -n 3)"
api_get /health
expect_json registry_source cache
age=$(jget "$T/body" registry_age)
[ "$age" -ge 0 ] || fail "registry_age $age"
"$VEIL_BIN" status --port "$VEIL_PORT" >"$T/status.out" || true
grep -q 'TEE list:    the cached registry, [0-9]* s old: the chain cannot be reached' "$T/status.out" ||
    fail "status: $(cat "$T/status.out")"
"$VEIL_BIN" status --json --port "$VEIL_PORT" >"$T/status.json" || true
[ "$(jget "$T/status.json" registry_source)" = cache ] || fail "status --json: $(cat "$T/status.json")"

devnet_admin /clear
wait_for 20 sh -c "curl -sS '$VEIL_URL/health' | grep -q '\"registry_source\":\"chain\"'" ||
    fail "og-veil did not read the chain again once it was back"
"$VEIL_BIN" status --port "$VEIL_PORT" >"$T/status.out" || true
grep -q 'TEE list:    read from the chain [0-9]* s ago' "$T/status.out" ||
    fail "status: $(cat "$T/status.out")"

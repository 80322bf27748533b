# 014-devnet-admin: fault round trip through /fault, /stats and /clear;
# unknown names are 400; chain-down refuses connections until cleared;
# pcr-mismatch and corrupt-abi change what the chain serves; rotation
# changes the tee_id in /state and on the chain.
devnet_start
reg=$(jget "$DEVNET_STATE" registry_address)
call="{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_call\",\"params\":[{\"to\":\"$reg\",\"data\":\"0x4b6014da$(printf '%064d' 0)\"},\"latest\"]}"
chain() {
	devnet_curl -H 'Content-Type: application/json' --data-binary "$call" \
	    "$DEVNET_CHAIN" >"$T/body"
	jget "$T/body" result
}
stats() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats"
}

STATUS=$(devnet_curl -o "$T/body" -w '%{http_code}' -X POST \
    --data-binary '{"name": "no-such-fault"}' "$DEVNET_ADMIN/fault") || STATUS=000
expect_status 400
STATUS=$(devnet_curl -o "$T/body" -w '%{http_code}' -X POST \
    --data-binary '{"name": "truncate", "gateway": 9}' "$DEVNET_ADMIN/fault") || STATUS=000
expect_status 400

fault slow-stream 1 250
stats
[ "$(jget "$T/stats" faults.slow-stream.value)" = 250 ] || fail "value"
[ "$(jget "$T/stats" faults.slow-stream.gateway)" = 1 ] || fail "gateway"
fault_clear
stats
[ "$(jget "$T/stats" faults)" = '{}' ] || fail "faults not cleared"

before=$(chain)
fault pcr-mismatch
mism=$(chain)
[ "$mism" != "$before" ] || fail "pcr-mismatch: chain unchanged"
pcr=$(jget "$DEVNET_STATE" gateways.0.pcr_hash)
echo "$before" | grep -q "${pcr#0x}" || fail "true pcr not served"
! echo "$mism" | grep -q "${pcr#0x}" || fail "pcr-mismatch still serves the pcr"
fault_clear
chain | grep -q "${pcr#0x}" || fail "pcr-mismatch not cleared"

fault corrupt-abi
bad=$(chain)
[ "$bad" != "$before" ] || fail "corrupt-abi: chain unchanged"
python3 - "$bad" <<'PYEOF' || fail "corrupt-abi: still a sane encoding"
import sys
b = bytes.fromhex(sys.argv[1][2:])
w = lambda o: int.from_bytes(b[o:o + 32], "big")
try:
    n = w(32)
    ok = len(b) % 32 == 0 and w(0) == 32
    for i in range(n):
        t = 64 + w(64 + 32 * i)
        s = t + w(t + 64)
        ok = ok and s + 32 + w(s) <= len(b) and t + 11 * 32 <= len(b)
except Exception:
    ok = False
sys.exit(1 if ok else 0)
PYEOF
fault_clear

fault chain-down
if devnet_curl -o /dev/null --data-binary "$call" "$DEVNET_CHAIN" 2>/dev/null; then
	fail "chain-down: the chain still answers"
fi
fault_clear
chain | grep -q "${pcr#0x}" || fail "chain not back after clear"

tid=$(jget "$DEVNET_STATE" gateways.0.tee_id)
key=$(jget "$DEVNET_STATE" gateways.0.signing_key_der)
chain | grep -q "$key" || fail "signing key not served"
devnet_admin /gateway/0/rotate
devnet_curl "$DEVNET_ADMIN/state" >"$T/state"
tid2=$(jget "$T/state" gateways.0.tee_id)
[ "$tid2" != "$tid" ] || fail "rotate: tee_id unchanged"
[ "$(jget "$DEVNET_STATE" gateways.0.tee_id)" = "$tid2" ] || fail "state file not rewritten"
! chain | grep -q "$key" || fail "rotate: chain serves the old key"
chain | grep -q "$(jget "$T/state" gateways.0.signing_key_der)" ||
    fail "rotate: chain lacks the new key"
tid1=$(jget "$T/state" gateways.1.tee_id)
fault rotate-keys 1
devnet_curl "$DEVNET_ADMIN/state" >"$T/state"
[ "$(jget "$T/state" gateways.1.tee_id)" != "$tid1" ] || fail "rotate-keys"
fault stop-gateway 1
devnet_curl "$DEVNET_ADMIN/state" >"$T/state"
[ "$(jget "$T/state" gateways.1.running)" = false ] || fail "stop-gateway"
# A stopped gateway stays registered.
python3 - "$(chain)" <<'PYEOF' || fail "stopped gateway left the registry"
import sys
b = bytes.fromhex(sys.argv[1][2:])
sys.exit(0 if int.from_bytes(b[32:64], "big") == 2 else 1)
PYEOF
fault start-gateway 1
devnet_curl "$DEVNET_ADMIN/state" >"$T/state"
[ "$(jget "$T/state" gateways.1.running)" = true ] || fail "start-gateway"

# 010-devnet-chain: the devnet's chain answers JSON-RPC 2.0 as a node does:
# eth_chainId, batches, getActiveTEEs/getTEE through eth_call against the
# registry address (any case), "0x" for another address, and the standard
# errors for an unknown method, bad JSON and an invalid request.
# tls: yes
devnet_start
reg=$(jget "$DEVNET_STATE" registry_address)
ep0=$(jget "$DEVNET_STATE" gateways.0.endpoint)
ep1=$(jget "$DEVNET_STATE" gateways.1.endpoint)
tid0=$(jget "$DEVNET_STATE" gateways.0.tee_id)

rpc() {
	devnet_curl -H 'Content-Type: application/json' --data-binary "$1" \
	    "$DEVNET_CHAIN" >"$T/body"
}

rpc '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}'
[ "$(jget "$T/body" result)" = "0x$(printf %x "$(jget "$DEVNET_STATE" chain_id)")" ] ||
    fail "eth_chainId: $(cat "$T/body")"
[ "$(jget "$T/body" id)" = 1 ] || fail "id not echoed"

# getActiveTEEs(0), with the address in upper case.
REG_UP=0x$(echo "${reg#0x}" | tr a-f A-F)
rpc "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_call\",\"params\":[{\"to\":\"$REG_UP\",\"data\":\"0x4b6014da$(printf '%064d' 0)\"},\"latest\"]}"
python3 - "$T/body" "$ep0" "$ep1" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))["result"]
assert r.startswith("0x"), r[:20]
b = bytes.fromhex(r[2:])
assert len(b) % 32 == 0 and 64 < len(b) < 200000, len(b)
w = lambda o: int.from_bytes(b[o:o + 32], "big")
assert w(0) == 32, "array offset"
n = w(32)
assert n == 2, "entries: %d" % n
eps = []
for i in range(n):
    t = 64 + w(64 + 32 * i)
    s = t + w(t + 64)		# field 2: endpoint (string)
    eps.append(b[s + 32:s + 32 + w(s)].decode())
    k = t + w(t + 96)		# field 3: publicKey (DER SPKI)
    assert w(k) > 200 and b[k + 32] == 0x30, "signing key"
assert eps == sys.argv[2:], eps
PYEOF

# getActiveTEEs of another type: an empty array.
rpc "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"eth_call\",\"params\":[{\"to\":\"$reg\",\"data\":\"0x4b6014da$(printf '%064d' 1)\"},\"latest\"]}"
[ "$(jget "$T/body" result)" = "0x$(printf '%064x' 32)$(printf '%064d' 0)" ] ||
    fail "type 1 not empty: $(cat "$T/body")"

# getTEE(tee_id) answers one tuple holding the endpoint.
rpc "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_call\",\"params\":[{\"to\":\"$reg\",\"data\":\"0x418b207d${tid0#0x}\"},\"latest\"]}"
hexep=$(printf %s "$ep0" | od -An -tx1 | tr -d ' \n')
jget "$T/body" result | grep -q "$hexep" || fail "getTEE lacks the endpoint"
rpc "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_call\",\"params\":[{\"to\":\"$reg\",\"data\":\"0x418b207d$(printf '%064d' 5)\"},\"latest\"]}"
jget "$T/body" error.message | grep -q reverted || fail "unknown TEE not reverted"

# Another address has no code.
rpc "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"eth_call\",\"params\":[{\"to\":\"0x$(printf '%040d' 1)\",\"data\":\"0x4b6014da$(printf '%064d' 0)\"},\"latest\"]}"
[ "$(jget "$T/body" result)" = 0x ] || fail "other address: $(cat "$T/body")"

rpc '{"jsonrpc":"2.0","id":"x","method":"eth_nope","params":[]}'
[ "$(jget "$T/body" error.code)" = -32601 ] || fail "unknown method: $(cat "$T/body")"
[ "$(jget "$T/body" id)" = x ] || fail "unknown method: id"
jget "$T/body" error.message | grep -q 'does not exist/is not available' ||
    fail "unknown method message"
rpc '{"jsonrpc":"2.0","id":1,"method":'
[ "$(jget "$T/body" error.code)" = -32700 ] || fail "bad JSON: $(cat "$T/body")"
rpc '{"id":1,"method":"eth_chainId"}'
[ "$(jget "$T/body" error.code)" = -32600 ] || fail "no jsonrpc: $(cat "$T/body")"
rpc '[{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"},{"jsonrpc":"2.0","id":2,"method":"eth_chainId"}]'
[ "$(jget "$T/body" 1.id)" = 2 ] || fail "batch: $(cat "$T/body")"
jget "$T/body" 0.result | grep -Eq '^0x[0-9a-f]+$' || fail "eth_blockNumber"

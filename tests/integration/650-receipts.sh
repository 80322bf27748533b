# 650-receipts: every verified answer leaves a receipt (plain and stream;
# refused answers none), its id in a header and in the verification block;
# `og-veil verify` passes on it and fails, naming the step, on each field
# altered; the exported file verifies with openssl and an independent
# Keccak-256 following og-veil(1)'s recipe; --keep-content lets the hashes
# be recomputed; retention keeps --receipts-max.
devnet_start
veil_login
veil_start

receipts_count() {
	"$VEIL_BIN" receipts --json -n 0 >"$T/list.json" ||
	    fail "og-veil receipts failed"
	python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' \
	    "$T/list.json"
}

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"receipt one"}]}'
expect_status 200
id1=$(grep -i '^X-OpenGradient-Receipt:' "$T/headers" | cut -d' ' -f2 | tr -d '\r')
case $id1 in rcpt_????????????????????????) ;; *) fail "receipt header '$id1'" ;; esac
expect_json opengradient_verification.receipt_id "$id1"

chat_post '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"receipt two"}]}'
expect_status 200
id2=$(grep -o '"receipt_id": *"rcpt_[0-9a-f]*"' "$T/body" | grep -o 'rcpt_[0-9a-f]*')
[ -n "$id2" ] && [ "$id2" != "$id1" ] || fail "stream receipt id '$id2'"

# Refused answers leave none.
fault tamper-output
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"refused"}]}'
expect_status 502
! grep -qi '^X-OpenGradient-Receipt:' "$T/headers" || fail "a refused answer has a receipt"
fault_clear

# Written off the reply path: wait until both are there.
wait_for 10 sh -c '[ "$("$0" receipts --json -n 0 | grep -o rcpt_ | wc -l)" = 2 ]' \
    "$VEIL_BIN" || fail "expected 2 receipts, have $(receipts_count)"
receipts_count >/dev/null
grep -q "$id1" "$T/list.json" && grep -q "$id2" "$T/list.json" ||
    fail "receipts list lacks $id1 or $id2"

"$VEIL_BIN" verify "$id1" >"$T/v.out" 2>&1 || { cat "$T/v.out"; fail "verify $id1"; }
grep -q "verified" "$T/v.out" || fail "verify did not say verified"
"$VEIL_BIN" verify "$id2" >"$T/v.out" 2>&1 || fail "verify $id2 (stream)"
"$VEIL_BIN" receipts --export "$id1" >"$T/r.json" || fail "export"
"$VEIL_BIN" verify --file "$T/r.json" >"$T/v.out" 2>&1 || fail "verify --file"
! "$VEIL_BIN" verify rcpt_000000000000000000000000 2>/dev/null ||
    fail "an unknown id verified"

# Each field altered: verify fails and names the step.
alter() {	# alter FIELD STEP PYTHON-EXPR(v)
	python3 - "$T/r.json" "$T/bad.json" "$1" "$3" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
v = r[sys.argv[3]]
r[sys.argv[3]] = eval(sys.argv[4])
json.dump(r, open(sys.argv[2], "w"))
PY
	if "$VEIL_BIN" verify --file "$T/bad.json" >"$T/v.out" 2>&1; then
		fail "verify passed with $1 altered"
	fi
	grep -q "step $2" "$T/v.out" || { cat "$T/v.out"; fail "$1: not step $2"; }
}
flip='v[:-1] + ("0" if v[-1] != "0" else "1")'
alter tee_id tee_id "$flip"
alter request_hash signature "$flip"
alter output_hash signature "$flip"
alter tee_timestamp signature 'str(int(v) + 1)'
alter tee_signature signature '("B" if v[0] != "B" else "C") + v[1:]'
alter signing_key_der_base64 tee_id 'v[:-8] + ("AAAA" if v[-8:-4] != "AAAA" else "BBBB") + v[-4:]'
alter request_hash format '"zz"'

# The third-party recipe of og-veil(1): openssl and any Keccak-256.
K="node $TOP/tests/clients/keccak256.mjs"
jget "$T/r.json" signing_key_der_base64 | base64 -d >"$T/key.der"
[ "0x$($K "$T/key.der")" = "$(jget "$T/r.json" tee_id)" ] ||
    fail "keccak256(key.der) is not tee_id"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.stdout.buffer.write(bytes.fromhex(r["request_hash"])+bytes.fromhex(r["output_hash"])+int(r["tee_timestamp"]).to_bytes(32,"big"))' \
    "$T/r.json" >"$T/m.bin"
$K "$T/m.bin" --binary >"$T/msg.bin"
jget "$T/r.json" tee_signature | base64 -d >"$T/sig.bin"
openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
    -sigopt rsa_mgf1_md:sha256 -keyform DER -verify "$T/key.der" \
    -signature "$T/sig.bin" "$T/msg.bin" >"$T/ossl.out" 2>&1 ||
    { cat "$T/ossl.out"; fail "openssl does not verify the exported receipt"; }
grep -q 'Verified OK' "$T/ossl.out" || fail "openssl: $(cat "$T/ossl.out")"
# ... and the same recipe refuses a changed output hash.
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.stdout.buffer.write(bytes.fromhex(r["request_hash"])+bytes(32)+int(r["tee_timestamp"]).to_bytes(32,"big"))' \
    "$T/r.json" >"$T/m.bin"
$K "$T/m.bin" --binary >"$T/msg.bin"
! openssl dgst -sha256 -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
    -sigopt rsa_mgf1_md:sha256 -keyform DER -verify "$T/key.der" \
    -signature "$T/sig.bin" "$T/msg.bin" >/dev/null 2>&1 ||
    fail "openssl verified a receipt with a changed output hash"

# No content kept by default (not in the file, nor in the database);
# --keep-content keeps it and verify recomputes the hashes.
[ "$(jget "$T/r.json" signed_output)" = null ] || fail "content kept by default"
veil_stop
! grep -qa 'receipt one' "$OG_VEIL_HOME"/receipts.db* ||
    fail "receipts.db holds a prompt without --keep-content"
veil_start --keep-content --receipts-max 3
for i in 1 2 3 4 5; do
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"kept '$i'"}]}'
	expect_status 200
done
id=$(grep -i '^X-OpenGradient-Receipt:' "$T/headers" | cut -d' ' -f2 | tr -d '\r')
wait_for 10 sh -c '"$0" receipts --export "$1" >/dev/null 2>&1' "$VEIL_BIN" "$id" ||
    fail "receipt $id not written"
"$VEIL_BIN" receipts --export "$id" >"$T/k.json"
[ "$(jget "$T/k.json" signed_output)" = 'Echo: kept 5' ] ||
    fail "kept output '$(jget "$T/k.json" signed_output)'"
"$VEIL_BIN" verify --file "$T/k.json" >"$T/v.out" 2>&1 || fail "verify kept"
grep -q "recomputed from the kept output" "$T/v.out" || fail "hashes not recomputed"
python3 - "$T/k.json" "$T/bad.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["signed_output"] = r["signed_output"] + "!"
json.dump(r, open(sys.argv[2], "w"))
PY
! "$VEIL_BIN" verify --file "$T/bad.json" >"$T/v.out" 2>&1 || fail "altered output verified"
grep -q "step output_hash" "$T/v.out" || fail "altered output: $(cat "$T/v.out")"
# Retention: at most 3 (pruned as receipts are written).
wait_for 10 sh -c '[ "$("$0" receipts --json -n 0 | grep -o rcpt_ | wc -l)" -le 3 ]' \
    "$VEIL_BIN" || fail "retention kept $(receipts_count), expected 3"
# og-veil never logs a prompt or an answer, with or without receipts.
! grep -qF 'kept 5' "$T/veil.log" || fail "the log holds a prompt"

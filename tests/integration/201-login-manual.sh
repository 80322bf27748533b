# 201-login-manual: PROTOCOL.md §1 through `og-veil login --manual`: a good
# bundle is stored (home 0700, db 0600), bad ones are refused with nothing
# written, tokens are never printed, a bundle without a registry warns,
# logout removes the session.
devnet_start
V=$VEIL_BIN
TOKEN=$(jget "$T/bundle.json" access_token)

# Bad bundles on a fresh home: refused, and nothing on disk.
bad() {	# bad NAME PYTHON-EXPR-ON-b [message]
	python3 - "$T/bundle.json" "$T/bad-$1.json" "$2" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
exec(sys.argv[3])
open(sys.argv[2], "w").write(b if isinstance(b, str) else json.dumps(b))
PYEOF
	RC=0
	"$V" login --manual <"$T/bad-$1.json" >"$T/out" 2>&1 || RC=$?
	[ "$RC" = 1 ] || fail "bad bundle $1 accepted (exit $RC): $(cat "$T/out")"
	[ -z "${3:-}" ] || grep -qF -- "$3" "$T/out" || fail "$1: $(cat "$T/out")"
	! grep -qF -- "$TOKEN" "$T/out" || fail "$1: token printed"
}
bad wrong-type 'b["type"] = "other"' 'type is not "opengradient-cli-auth"'
bad no-type 'del b["type"]' 'no type'
bad no-access 'del b["access_token"]' 'no access_token'
bad empty-access 'b["access_token"] = ""' 'access_token is empty'
bad access-number 'b["access_token"] = 5' 'not a string'
bad no-config 'del b["config"]' 'no config'
bad config-list 'b["config"] = []' 'config is not an object'
bad no-supabase 'del b["config"]["supabase_url"]' 'config.supabase_url'
bad empty-anon 'b["config"]["supabase_anon_key"] = ""' 'config.supabase_anon_key'
bad no-relay 'del b["config"]["chat_api_base_url"]' 'config.chat_api_base_url'
bad bad-address 'b["config"]["tee_registry_address"] = "0x12"' 'tee_registry_address'
bad not-json 'b = "{\"type\": "' 'not valid JSON'
bad array 'b = [b]' 'not a JSON object'
bad oversize 'b["pad"] = "x" * (1024 * 1024 + 10)' 'larger than'
bad expires 'b["expires_at"] = "soon"' 'expires_at'
[ ! -e "$OG_VEIL_HOME" ] || fail "a refused bundle created $OG_VEIL_HOME"

# A good bundle.
"$V" login --manual <"$T/bundle.json" >"$T/out" 2>&1 || fail "login: $(cat "$T/out")"
grep -qx "Signed in as dev@og-veil.local (devnet)" "$T/out" || fail "$(cat "$T/out")"
! grep -qF -- "$TOKEN" "$T/out" || fail "token printed"
[ "$(stat -c %a "$OG_VEIL_HOME")" = 700 ] || fail "home mode $(stat -c %a "$OG_VEIL_HOME")"
[ "$(stat -c %a "$OG_VEIL_HOME/og-veil.db")" = 600 ] || fail "db mode"
RC=0; "$V" status --json >"$T/status.json" || RC=$?
[ "$RC" = 3 ] || fail "status exit $RC"
[ "$(jget "$T/status.json" email)" = dev@og-veil.local ] || fail "email"
[ "$(jget "$T/status.json" app_env)" = devnet ] || fail "app_env"
[ "$(jget "$T/status.json" registry_address)" = "$(jget "$DEVNET_STATE" registry_address)" ] ||
    fail "registry address"
[ "$(jget "$T/status.json" relay_url)" = "$DEVNET_RELAY" ] || fail "relay"
! grep -qF -- "$TOKEN" "$T/status.json" || fail "status printed the token"

# A refused bundle leaves the stored session as it was.
dbtok() {
	python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("select access_token, user_email from session").fetchall())' "$OG_VEIL_HOME/og-veil.db"
}
before=$(dbtok)
bad wrong-type-2 'b["type"] = "x"; b["user"]["email"] = "mallory@example.com"'
[ "$(dbtok)" = "$before" ] || fail "a refused bundle changed the session"

# A bundle without a registry: signed in, with a warning.
python3 - "$T/bundle.json" "$T/noreg.json" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
for k in ("tee_registry_rpc_url", "tee_registry_address", "tee_registry_tee_type"):
    b["config"].pop(k, None)
del b["config"]["app_env"]
json.dump(b, open(sys.argv[2], "w"))
PYEOF
"$V" login --manual <"$T/noreg.json" >"$T/out" 2>&1 || fail "$(cat "$T/out")"
grep -q "Signed in as dev@og-veil.local (production)" "$T/out" || fail "$(cat "$T/out")"
grep -q "cannot serve" "$T/out" || fail "no warning: $(cat "$T/out")"
"$V" status >"$T/out" || true
grep -q "serving is impossible" "$T/out" || fail "$(cat "$T/out")"

# Logout, twice.
"$V" logout >"$T/out" || fail logout
grep -q "Signed out" "$T/out" || fail "$(cat "$T/out")"
"$V" status >"$T/out" || true
grep -q "signed in:   no" "$T/out" || fail "$(cat "$T/out")"
"$V" logout >"$T/out" || fail "second logout"
grep -q "Not signed in" "$T/out" || fail "$(cat "$T/out")"
! grep -qF -- "$TOKEN" "$OG_VEIL_HOME/og-veil.db" || fail "token left in the db after logout"

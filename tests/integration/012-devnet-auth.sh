# 012-devnet-auth: the bundle has PROTOCOL.md §1's shape (mode 0600); the
# auth server checks the apikey, rotates the refresh token (the old one is
# then "Already Used"), honours revoke-token and auth-down.
# tls: yes
devnet_start
B=$T/bundle.json
[ "$(jget "$B" type)" = opengradient-cli-auth ] || fail "bundle type"
[ "$(jget "$B" token_type)" = bearer ] || fail "token_type"
[ "$(jget "$B" user.email)" = dev@og-veil.local ] || fail "user.email"
[ "$(jget "$B" user.is_anonymous)" = false ] || fail "is_anonymous"
[ "$(jget "$B" config.app_env)" = devnet ] || fail "app_env"
[ "$(jget "$B" config.chat_api_base_url)" = "$DEVNET_RELAY" ] || fail "relay url"
[ "$(jget "$B" config.supabase_url)" = "$DEVNET_AUTH" ] || fail "auth url"
[ "$(jget "$B" config.tee_registry_rpc_url)" = "$DEVNET_CHAIN" ] || fail "rpc url"
[ "$(jget "$B" config.tee_registry_tee_type)" = 0 ] || fail "tee type"
[ "$(jget "$B" config.tee_registry_address)" = "$(jget "$DEVNET_STATE" registry_address)" ] ||
    fail "registry address"
[ "$(stat -c %a "$B")" = 600 ] || fail "bundle mode $(stat -c %a "$B")"
jget "$B" access_token | grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' ||
    fail "access token is not JWT-shaped"
now=$(date +%s)
exp=$(jget "$B" expires_at)
[ "$exp" -gt "$now" ] && [ "$exp" -le $((now + 3700)) ] || fail "expires_at"

key=$(jget "$B" config.supabase_anon_key)
rt=$(jget "$B" refresh_token)
at=$(jget "$B" access_token)
U="$DEVNET_AUTH/auth/v1/token?grant_type=refresh_token"
refresh() {	# refresh APIKEY TOKEN
	STATUS=$(devnet_curl -o "$T/body" -w '%{http_code}' -H "apikey: $1" \
	    -H 'Content-Type: application/json' \
	    --data-binary "{\"refresh_token\": \"$2\"}" "$U") || STATUS=000
}

refresh wrong-key "$rt"
expect_status 401
expect_json message "Invalid API key"
refresh "$key" "$rt"
expect_status 200
expect_json token_type bearer
expect_json expires_in 3600
rt2=$(jget "$T/body" refresh_token)
at2=$(jget "$T/body" access_token)
[ "$rt2" != "$rt" ] || fail "refresh token not rotated"
[ "$at2" != "$at" ] || fail "access token not renewed"
[ "$(jget "$B" refresh_token)" = "$rt2" ] || fail "bundle file not updated"
jget "$T/body" user.id >/dev/null || fail "no user"
# The new access token passes the relay's check (404: unknown TEE, not 401).
STATUS=$(devnet_curl -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: message/ohttp-req' -H "Authorization: Bearer $at2" \
    -H "X-TEE-ID: 0x$(printf '%064d' 1)" --data-binary x \
    "$DEVNET_RELAY/api/v1/chat/ohttp") || STATUS=000
expect_status 404

refresh "$key" "$rt"
expect_status 400
expect_json error invalid_grant
expect_json error_description "Invalid Refresh Token: Already Used"

fault revoke-token
refresh "$key" "$rt2"
expect_status 400
expect_json error invalid_grant
fault_clear
refresh "$key" "$rt2"
expect_status 200

fault auth-down
if devnet_curl -o /dev/null "$U" -d '{}' 2>/dev/null; then
	fail "auth-down: the auth server still answers"
fi
fault_clear
refresh wrong-key x
expect_status 401

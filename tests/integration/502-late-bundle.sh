# 502-late-bundle: the Chat app hands over a bundle whose access token has
# already expired (negative expires_in, expires_at in the past) while its
# refresh token is good; this is normal (PROTOCOL.md §2).  og-veil login
# accepts it (it refused it: "expires_in is not an integer from 0 to
# 315360000; nothing was saved"), and the token is refreshed before its
# first use: one refresh, one relay request, no 401 round trip.
# tls: yes
devnet_start --bundle-late 600
[ "$(jget "$T/bundle.json" expires_in)" -lt 0 ] ||
    fail "the devnet bundle is not late"
veil_login
grep -q 'already expired' "$T/login.out" ||
    fail "login did not say the token had expired: $(cat "$T/login.out")"
veil_start

chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"late bundle"}]}'
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.message.content "Echo: late bundle"
devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
[ "$(jget "$T/stats.json" token_refreshes)" = 1 ] ||
    fail "token refreshes: $(jget "$T/stats.json" token_refreshes)"
[ "$(jget "$T/stats.json" relay_requests)" = 1 ] ||
    fail "relay requests: $(jget "$T/stats.json" relay_requests) (a 401 first?)"
note "late bundle: accepted, refreshed before first use"

# And through login's own manual path with expires_at only in the past.
python3 - "$T/bundle.json" "$T/b2.json" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
b["expires_at"] = 1000
b.pop("expires_in", None)
json.dump(b, open(sys.argv[2], "w"))
PYEOF
"$VEIL_BIN" login --manual <"$T/b2.json" >"$T/login2.out" 2>&1 ||
    fail "login with a past expires_at: $(cat "$T/login2.out")"
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"again"}]}'
expect_status 200
expect_json choices.0.message.content "Echo: again"

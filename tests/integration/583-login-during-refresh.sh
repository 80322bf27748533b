# 583-login-during-refresh: `og-veil login` as another account while the
# running server's token refresh is in flight (the devnet's slow-auth
# holds the answer 3 s): the store ends with the new login exactly (its
# email and its tokens, none of the old account's refreshed ones), and the
# running server uses the new login from then on.
devnet_start
veil_login
veil_start -v
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"warm"}]}'
expect_status 200

fault slow-auth "" 3000
fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"in flight"}]}' &
CHAT=$!
wait_for 10 grep -q 'token: refreshing' "$T/veil.log" || fail 'no refresh started'
# Account B: another user's bundle (its tokens are not the devnet's).
python3 - "$T/bundle.json" "$T/bundle-b.json" <<'PYEOF'
import json, sys
b = json.load(open(sys.argv[1]))
b["access_token"] = "B-ACCESS-second-account-token"
b["refresh_token"] = "B-REFRESH-second-account"
b["user"] = {"id": "user-b", "email": "second@og-veil.local"}
json.dump(b, open(sys.argv[2], "w"))
PYEOF
"$VEIL_BIN" login --manual <"$T/bundle-b.json" >"$T/login-b.out" 2>&1 ||
    fail "login B: $(cat "$T/login-b.out")"
wait $CHAT || true
fault_clear
sleep 0.5

python3 - "$OG_VEIL_HOME/og-veil.db" >"$T/row" <<'PYEOF'
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute(
    "SELECT user_email, access_token, refresh_token FROM session").fetchone()
print(r[0]); print(r[1]); print(r[2])
PYEOF
[ "$(sed -n 1p "$T/row")" = second@og-veil.local ] || fail "email: $(sed -n 1p "$T/row")"
[ "$(sed -n 2p "$T/row")" = B-ACCESS-second-account-token ] ||
    fail "the store holds another account's access token beside B's email"
[ "$(sed -n 3p "$T/row")" = B-REFRESH-second-account ] ||
    fail "the store holds another account's refresh token beside B's email"

# The server spends B now: the devnet relay does not know B's token, so
# the answer is 401 "og-veil login", where the old account would be served.
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"which account"}]}'
expect_status 401
expect_body_contains 'og-veil login'
grep -q 'session reloaded from the store' "$T/veil.log" ||
    fail "the running server did not pick up the new login"

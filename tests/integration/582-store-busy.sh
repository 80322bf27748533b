# 582-store-busy: another process holds og-veil.db's write lock (BEGIN
# IMMEDIATE, 8 s) while a token refresh rotates the refresh token.  The
# loop does not wait for the lock (/health answers meanwhile), the request
# is served, the rotated refresh token is kept in memory and written once
# the lock is gone, and a restarted og-veil can refresh with it.
devnet_start
veil_login
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"warm"}]}'
expect_status 200

DB=$OG_VEIL_HOME/og-veil.db
python3 - "$DB" "$T/locked" <<'PYEOF' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(8)
db.execute("ROLLBACK")
PYEOF
LOCKER=$!
lib_track $LOCKER
wait_for 10 test -e "$T/locked" || fail "the locker did not start"

fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"refresh under lock"}]}' &
CHAT=$!
sleep 1
# Before the fix the loop sat 5 s in sqlite's busy handler here.
STATUS=$(curl -sS -o "$T/health" -w '%{http_code}' --max-time 3 "$VEIL_URL/health") ||
    STATUS=000
[ "$STATUS" = 200 ] || fail "/health did not answer while the store was locked ($STATUS)"
wait $CHAT
[ "$(jget "$T/body" choices.0.message.content)" = "Echo: refresh under lock" ] ||
    fail "the request was not served: $(head -c 300 "$T/body")"
kill -0 $LOCKER 2>/dev/null || fail "the lock was released too early for this test"
fault_clear

stored_refresh() {
	python3 - "$DB" <<'PYEOF'
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute(
    "SELECT refresh_token FROM session WHERE id = 1").fetchone()[0])
PYEOF
}
# The devnet keeps bundle.json in step with the tokens it issued.
wait $LOCKER || true
want=$(jget "$T/bundle.json" refresh_token)
wait_for 15 sh -c "[ \"\$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT refresh_token FROM session\").fetchone()[0])' '$DB')\" = '$want' ]" ||
    fail "the rotated refresh token never reached the store (it holds $(stored_refresh | cut -c1-6)..., the devnet issued ${want%"${want#??????}"}...)"
grep -q 'cannot store the refreshed tokens' "$T/veil.log" ||
    fail "no warning about the busy store"
grep -q 'the refreshed tokens are stored now' "$T/veil.log" ||
    fail "no line saying the tokens were stored"

# A restart reads the rotated token and can refresh with it.
veil_stop
veil_start
fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after restart"}]}'
expect_status 200

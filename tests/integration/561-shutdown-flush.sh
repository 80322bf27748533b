# 561-shutdown-flush: a SIGTERM while a rotated refresh token and a
# receipt are still waiting for a busy database writes both before og-veil
# exits.  Another process holds the write locks of og-veil.db and
# receipts.db (BEGIN IMMEDIATE) during a token refresh and a verified
# answer, so both stay queued in memory; the locks go 0.5 s and 1 s after
# the drain ends, while og-veil's last tries wait for them (up to 2 s
# each, off the loop: it has stopped).  Before, the receipt had 200 ms.  A restart refreshes with the stored
# token, and the receipt is there.
devnet_start
veil_login
veil_start
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"warm"}]}'
expect_status 200
DB=$OG_VEIL_HOME/og-veil.db
RDB=$OG_VEIL_HOME/receipts.db
[ -f "$RDB" ] || fail "no receipts.db after a verified answer"

python3 - "$DB" "$RDB" "$T/locked" "$T/release" <<'PYEOF' &
import os, sqlite3, sys, time
dbs = [sqlite3.connect(p, isolation_level=None) for p in sys.argv[1:3]]
for db in dbs:
    db.execute("BEGIN IMMEDIATE")
open(sys.argv[3], "w").close()
t0 = time.monotonic()
while not os.path.exists(sys.argv[4]) and time.monotonic() - t0 < 60:
    time.sleep(0.01)
dbs[0].execute("ROLLBACK")
# receipts.db later: its writer must wait on its own, not only behind
# the token's wait.
time.sleep(0.5)
dbs[1].execute("ROLLBACK")
PYEOF
LOCKER=$!
lib_track $LOCKER
wait_for 10 test -e "$T/locked" || fail "the locker did not start"

fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"before the stop"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: before the stop'
rid=$(sed -n 's/^X-OpenGradient-Receipt: *\([A-Za-z0-9_]*\).*/\1/ip' "$T/headers")
[ -n "$rid" ] || fail "no receipt id: $(cat "$T/headers")"
fault_clear
want=$(jget "$T/bundle.json" refresh_token)
wait_for 10 grep -q 'cannot store the refreshed tokens' "$T/veil.log" ||
    fail "the token write did not wait for the lock: $(tail -n 5 "$T/veil.log")"
kill -0 "$LOCKER" || fail "the locker ended early"

kill -TERM "$VEIL_PID"
wait_for 20 grep -q 'drained' "$T/veil.log" ||
    fail "no drain: $(tail -n 5 "$T/veil.log")"
sleep 0.5
touch "$T/release"
wait_for 20 sh -c "! kill -0 $VEIL_PID" || fail "og-veil did not exit"
wait "$LOCKER" || true
! grep -q 'could not be saved\|could not be written at exit' "$T/veil.log" ||
    fail "$(grep 'could not be' "$T/veil.log")"

got=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT refresh_token FROM session").fetchone()[0])' "$DB")
[ "$got" = "$want" ] ||
    fail "the rotated refresh token was lost at exit (the store holds ${got%"${got#??????}"}..., the devnet issued ${want%"${want#??????}"}...)"
n=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM receipts WHERE id = ?", (sys.argv[2],)).fetchone()[0])' "$RDB" "$rid")
[ "$n" = 1 ] || fail "receipt $rid was lost at exit"

# The next start refreshes with the stored token.
veil_start
fault expire-token
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"after"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: after'

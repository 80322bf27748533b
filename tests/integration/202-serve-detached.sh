# 202-serve-detached: `og-veil serve` detaches and reports URL and pid;
# status (text and --json), a second server refused naming the pid, the
# bare command reports the running one, `test` prints a verified proof
# (plain and streamed), models from the server, restart, stop, and stale
# pidfiles (process gone, process not og-veil) removed with a reason.
devnet_start
veil_login
V=$VEIL_BIN
P=$(free_port)
export OG_VEIL_PORT=$P
# alive PID: running and not a zombie (a container's init may not reap).
alive() {
	[ -r "/proc/$1/stat" ] && ! sed 's/.*) //' "/proc/$1/stat" | grep -q '^Z'
}

"$V" serve >"$T/out" 2>&1 || { cat "$OG_VEIL_HOME/server.log" >&2; fail "serve: $(cat "$T/out")"; }
PID=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID"
grep -q "running at http://127.0.0.1:$P/v1 (pid $PID)" "$T/out" || fail "$(cat "$T/out")"
[ "$(stat -c %a "$OG_VEIL_HOME/server.log")" = 600 ] || fail "server.log mode"
alive "$PID" || fail "server not running"
# Detached: another session (double fork: not its leader either).
sid=$(ps -o sid= -p "$PID" | tr -d ' ')
[ "$sid" != "$(ps -o sid= -p $$ | tr -d ' ')" ] || fail "same session as the shell"
[ "$sid" != "$PID" ] || fail "the daemon leads its session"

"$V" status --json >"$T/st.json" || fail "status exit $? while running"
[ "$(jget "$T/st.json" running)" = true ] || fail running
[ "$(jget "$T/st.json" pid)" = "$PID" ] || fail pid
[ "$(jget "$T/st.json" port)" = "$P" ] || fail port
wait_for 20 sh -c "'$V' status --json | grep -q '\"tee_id\": \"0x'" || fail "no TEE in status"
"$V" status >"$T/out"
grep -q "server:      running (pid $PID)" "$T/out" || fail "$(cat "$T/out")"
grep -Eq "^TEE: +0x[0-9a-f]{64}$" "$T/out" || fail "$(cat "$T/out")"

# A second server is refused, naming the first.
RC=0; "$V" serve >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] && grep -q "already running (pid $PID)" "$T/out" || fail "second serve: $RC $(cat "$T/out")"
RC=0; "$V" serve -f --port "$(free_port)" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] && grep -q "$PID" "$T/out" || fail "second serve -f: $RC $(cat "$T/out")"
"$V" >"$T/out" 2>&1 || fail "bare og-veil while running"
grep -q "already running (pid $PID)" "$T/out" || fail "$(cat "$T/out")"

# One verified round trip, plain and streamed.
"$V" test "hello from the cli" >"$T/out" 2>&1 || fail "test: $(cat "$T/out")"
grep -q "hello from the cli" "$T/out" || fail "no reply: $(cat "$T/out")"
grep -q "^verified: *yes$" "$T/out" || fail "$(cat "$T/out")"
grep -Eq "^tee_id: +0x[0-9a-f]{64}$" "$T/out" || fail "tee_id: $(cat "$T/out")"
grep -Eq "^request_hash: +(0x)?[0-9a-f]{64}$" "$T/out" || fail "request_hash"
grep -Eq "^output_hash: +(0x)?[0-9a-f]{64}$" "$T/out" || fail "output_hash"
grep -Eq "^timestamp: +[0-9]+$" "$T/out" || fail "timestamp"
"$V" test --stream -m gpt-4.1 "streamed words here" >"$T/out" 2>&1 || fail "test --stream: $(cat "$T/out")"
grep -q "streamed words here" "$T/out" || fail "no streamed reply: $(cat "$T/out")"
grep -Eq "^tee_id: +0x[0-9a-f]{64}$" "$T/out" || fail "stream tee_id: $(cat "$T/out")"
# A refused answer: the error and exit 1.
fault tamper-output
RC=0; "$V" test "tamper me" >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "tampered answer: exit $RC"
grep -q "refused (HTTP 502)" "$T/out" || fail "$(cat "$T/out")"
! grep -q "tamper me" "$T/out" || fail "tampered content printed"
fault_clear
"$V" models >"$T/out" || fail models
grep -qx "gpt-4.1-mini" "$T/out" || fail "$(cat "$T/out")"

# restart: a new process, same port.
"$V" restart >"$T/out" 2>&1 || fail "restart: $(cat "$T/out")"
PID2=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID2"
[ "$PID2" != "$PID" ] || fail "restart kept the pid"
! alive "$PID" || fail "old server still alive"
grep -q "running at http://127.0.0.1:$P/v1 (pid $PID2)" "$T/out" || fail "$(cat "$T/out")"

# stop, then stop again.
"$V" stop >"$T/out" 2>&1 || fail "stop: $(cat "$T/out")"
grep -q "og-veil stopped" "$T/out" || fail "$(cat "$T/out")"
! alive "$PID2" || fail "server survived stop"
[ ! -e "$OG_VEIL_HOME/og-veil.pid" ] || fail "pidfile left"
RC=0; "$V" status >/dev/null || RC=$?; [ "$RC" = 3 ] || fail "status $RC after stop"
"$V" stop >"$T/out" 2>&1 || fail "second stop"
grep -q "not running" "$T/out" || fail "$(cat "$T/out")"

# Stale pidfiles: a dead pid, then a live process that is not og-veil.
sh -c 'exit 0' & dead=$!; wait $dead || true
echo "$dead" >"$OG_VEIL_HOME/og-veil.pid"
RC=0; "$V" status >/dev/null || RC=$?; [ "$RC" = 3 ] || fail "status $RC with stale pidfile"
"$V" stop >"$T/out" 2>&1 || fail "stop stale"
grep -q "removed stale pidfile .*(pid $dead is gone)" "$T/out" || fail "$(cat "$T/out")"
[ ! -e "$OG_VEIL_HOME/og-veil.pid" ] || fail "stale pidfile kept"
sleep 30 & other=$!
lib_track $other
echo "$other" >"$OG_VEIL_HOME/og-veil.pid"
"$V" serve >"$T/out" 2>&1 || fail "serve over a stale pidfile: $(cat "$T/out")"
grep -q "(pid $other is not og-veil)" "$T/out" || fail "$(cat "$T/out")"
kill -0 "$other" || fail "og-veil killed an unrelated process"
PID3=$(cat "$OG_VEIL_HOME/og-veil.pid")
lib_track "$PID3"
"$V" stop >/dev/null 2>&1 || fail "final stop"

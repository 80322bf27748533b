# 603-journal: under systemd (stderr is the stream $JOURNAL_STREAM names)
# every line starts with its sd-daemon priority, <4> for warnings and <6>
# for information, without the timestamp journald adds itself (every line
# was stored at priority 6, timestamps twice); elsewhere lines keep their
# UTC timestamp and no prefix.
V=$VEIL_BIN
: >"$T/journal"
js=$(stat -c '%d:%i' "$T/journal")
port=$(free_port)
JOURNAL_STREAM=$js "$V" serve -f --port "$port" 2>>"$T/journal" &
pid=$!
lib_track $pid
wait_for 20 curl -sf "http://127.0.0.1:$port/health" || fail "no server"
kill "$pid"; wait "$pid" 2>/dev/null || true
grep -q '^<4>.*not logged in' "$T/journal" || fail "no <4> warning: $(cat "$T/journal")"
grep -q '^<6>.*listening on' "$T/journal" || fail "no <6> info: $(cat "$T/journal")"
grep -v '^<[0-7]>' "$T/journal" | grep -q . && fail "unprefixed lines: $(cat "$T/journal")"
grep -qE '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z' "$T/journal" &&
    fail "timestamps in the journal: $(cat "$T/journal")"
# Not the journal's stream: timestamps, no prefix.
port=$(free_port)
JOURNAL_STREAM=1:1 "$V" serve -f --port "$port" 2>"$T/plain" &
pid=$!
lib_track $pid
wait_for 20 curl -sf "http://127.0.0.1:$port/health" || fail "no server"
kill "$pid"; wait "$pid" 2>/dev/null || true
grep -q '^<' "$T/plain" && fail "prefix off the journal: $(cat "$T/plain")"
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T.* warn ' "$T/plain" || fail "$(cat "$T/plain")"

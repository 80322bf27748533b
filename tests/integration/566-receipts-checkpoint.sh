# 566-receipts-checkpoint: receipts.db's WAL checkpoints (each syncs the
# disk: fdatasync) never run on the loop thread.  Under strace -f, enough
# receipts to pass the checkpoint threshold (1000 log pages) are written;
# the loop thread (its id is the pid) makes no fdatasync or fsync, another
# thread does (a checkpoint did run), and every receipt is durable: listed
# while serving and after a restart, and one verifies.
devnet_start
veil_login
veil_start --keep-content

N=300
# About 24 KiB a receipt with --keep-content: ~6 pages, 1800 for N.
big=$(python3 -c 'print(" ".join("word%d" % i for i in range(3000)))')
json='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"'"$big"'"}]}'

receipts_n() {
	"$VEIL_BIN" receipts --json -n 0 | grep -o '"rcpt_[0-9a-f]*"' | wc -l
}

veil_syscalls fdatasync,fsync "$N" "$json" ||
    skip "strace cannot trace og-veil here"
wait_for 30 sh -c '[ "$("$0" receipts --json -n 0 | grep -o "\"rcpt_" | wc -l)" -ge "$1" ]' \
    "$VEIL_BIN" "$N" || fail "expected $N receipts, have $(receipts_n)"

# strace -f -o: each line starts with the thread id.
loop=$(awk -v p="$VEIL_PID" '$1 == p && /(fdatasync|fsync)\(/' \
    "$T/strace.out" | wc -l)
other=$(awk -v p="$VEIL_PID" '$1 != p && /(fdatasync|fsync)\(/' \
    "$T/strace.out" | wc -l)
note "fdatasync/fsync: loop thread $loop, other threads $other"
[ "$loop" -eq 0 ] || fail "$loop disk syncs on the loop thread: $(awk -v p="$VEIL_PID" '$1 == p' "$T/strace.out" | head -3)"
[ "$other" -gt 0 ] || fail "no checkpoint ran for $N receipts (no sync at all)"

# The log stays bounded: a restart truncates it to 4 MiB.
wal=$(wc -c <"$OG_VEIL_HOME/receipts.db-wal" 2>/dev/null || echo 0)
[ "$wal" -le $((16 * 1024 * 1024)) ] || fail "receipts.db-wal is $wal bytes"

id=$("$VEIL_BIN" receipts --json -n 1 | grep -o 'rcpt_[0-9a-f]*' | head -1)
veil_stop
[ "$(receipts_n)" -eq "$N" ] || fail "after a restart: $(receipts_n) receipts, not $N"
"$VEIL_BIN" verify "$id" >"$T/v.out" 2>&1 || { cat "$T/v.out"; fail "verify $id"; }

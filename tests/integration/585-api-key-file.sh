# 585-api-key-file: --api-key-file (and OG_VEIL_API_KEY_FILE) reads the
# agents' key from a file, so it never appears in /proc/PID/cmdline; a key
# given as --api-key is overwritten in the daemon's argv once read, with a
# warning; a file others can read, an empty one, a missing one and both
# flags at once are refused with what to do.
devnet_start
veil_login
KEY="sk-file-$(date +%s)-$$"
printf '%s\n' "$KEY" >"$T/key"
chmod 600 "$T/key"

# status_with KEY: GET /v1/models with that key.
status_with() {
	curl -sS -o "$T/body" -w '%{http_code}' -H "Authorization: Bearer $1" \
	    "$VEIL_URL/v1/models" || echo 000
}
veil_start --api-key-file "$T/key"
[ "$(status_with "$KEY")" = 200 ] || fail "the key from the file is refused"
[ "$(status_with og-veil)" = 401 ] || fail "another key is accepted"
! tr '\0' ' ' <"/proc/$VEIL_PID/cmdline" | grep -qF -- "$KEY" ||
    fail "the key is in /proc/PID/cmdline"
veil_stop

OG_VEIL_API_KEY_FILE=$T/key veil_start
[ "$(status_with "$KEY")" = 200 ] || fail "OG_VEIL_API_KEY_FILE: the key is refused"
veil_stop

# --api-key: works, warns, and leaves argv once parsed.
veil_start --api-key "$KEY"
[ "$(status_with "$KEY")" = 200 ] || fail "--api-key: the key is refused"
grep -q 'warning: --api-key on the command line is visible' "$T/veil.log" ||
    fail "no warning for --api-key on the command line"
! tr '\0' ' ' <"/proc/$VEIL_PID/cmdline" | grep -qF -- "$KEY" ||
    fail "--api-key stays readable in /proc/PID/cmdline"
veil_stop

# Refusals.
chmod 644 "$T/key"
RC=0; "$VEIL_BIN" serve -f --api-key-file "$T/key" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] && grep -q 'chmod 600' "$T/out" || fail "a world-readable key file: $RC $(cat "$T/out")"
! grep -qF -- "$KEY" "$T/out" || fail "a message quotes the key"
chmod 600 "$T/key"
: >"$T/empty"; chmod 600 "$T/empty"
RC=0; "$VEIL_BIN" serve -f --api-key-file "$T/empty" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] && grep -q 'is empty' "$T/out" || fail "an empty key file: $RC $(cat "$T/out")"
RC=0; "$VEIL_BIN" serve -f --api-key-file "$T/nope" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] && grep -q 'No such file' "$T/out" || fail "a missing key file: $RC $(cat "$T/out")"
RC=0; "$VEIL_BIN" serve -f --api-key k --api-key-file "$T/key" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] && grep -q 'not both' "$T/out" || fail "both flags: $RC $(cat "$T/out")"

# 207-home-checks: $OG_VEIL_HOME is created 0700 with its parents; a
# symlinked or group/other-writable home is refused with the fix named,
# and nothing is written there.
devnet_start
V=$VEIL_BIN
OG_VEIL_HOME=$T/deep/er/home "$V" login --manual <"$T/bundle.json" >/dev/null ||
    fail "login into a new nested home"
[ "$(stat -c %a "$T/deep/er/home")" = 700 ] || fail "mode $(stat -c %a "$T/deep/er/home")"

mkdir -m 700 "$T/real"
ln -s "$T/real" "$T/link"
RC=0; OG_VEIL_HOME=$T/link "$V" login --manual <"$T/bundle.json" >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "symlinked home accepted"
grep -q "is a symbolic link" "$T/out" || fail "$(cat "$T/out")"
[ -z "$(ls -A "$T/real")" ] || fail "wrote through the symlink"
RC=0; OG_VEIL_HOME=$T/link "$V" serve >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "serve with a symlinked home"

mkdir -m 700 "$T/open"; chmod 777 "$T/open"
RC=0; OG_VEIL_HOME=$T/open "$V" login --manual <"$T/bundle.json" >"$T/out" 2>&1 || RC=$?
[ "$RC" = 1 ] || fail "world-writable home accepted"
grep -q "chmod 700 $T/open" "$T/out" || fail "$(cat "$T/out")"
[ ! -e "$T/open/og-veil.db" ] || fail "db written in a writable home"
RC=0; OG_VEIL_HOME=relative "$V" env >"$T/out" 2>&1 || RC=$?
[ "$RC" = 2 ] || fail "relative home: $RC"

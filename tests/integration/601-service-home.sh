# 601-service-home: the state directory systemd makes for DynamicUser=yes
# (StateDirectory=og-veil): /var/lib/og-veil is a symlink to
# private/og-veil, owned by the dynamic UID.  The service itself (that
# UID, $STATE_DIRECTORY set) opens its database through the real path (it
# looped on "unable to open database file": SQLITE_OPEN_NOFOLLOW); root
# runs status, login and test for it with --service, as the directory's
# owner; other symlinks stay refused.  Needs root (to own files as
# another UID); skipped otherwise.
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	echo "SKIP: needs root and setpriv to act as a dynamic UID"
	exit 0
fi
V=$VEIL_BIN
DUID=61234
chmod 755 "$T"
lib=$T/lib
mkdir -p "$lib/private/og-veil"
chmod 755 "$lib"; chmod 700 "$lib/private"
chown "$DUID:$DUID" "$lib/private/og-veil"; chmod 700 "$lib/private/og-veil"
ln -s private/og-veil "$lib/og-veil"
SVC=$lib/og-veil
devnet_start
chmod 644 "$T/bundle.json"

# As root, without --service: refused, naming --service.
RC=0; OG_VEIL_HOME=$SVC "$V" status >"$T/out" 2>"$T/err" || RC=$?
[ "$RC" != 0 ] || fail "root used the service's home without --service"
grep -q -- "--service" "$T/err" || fail "no hint at --service: $(cat "$T/err")"

# Root signs the service in with --service: files belong to the UID.
OG_VEIL_HOME=$SVC "$V" --service login --manual <"$T/bundle.json" \
    >"$T/out" 2>&1 || fail "--service login: $(cat "$T/out")"
[ "$(stat -c %u "$lib/private/og-veil/og-veil.db")" = $DUID ] ||
    fail "og-veil.db not owned by $DUID: $(ls -ln "$lib/private/og-veil")"
[ "$(stat -c %u "$lib/private")" = 0 ] || fail "private/ re-chowned"
OG_VEIL_HOME=$SVC "$V" --service status >"$T/out" 2>&1 || true
grep -q "signed in:   dev@" "$T/out" || fail "--service status: $(cat "$T/out")"

# The service: its UID, STATE_DIRECTORY=the link (as systemd sets it).
# In its namespace systemd makes private/ searchable for it.
chmod 711 "$lib/private"
port=$(free_port)
STATE_DIRECTORY=$SVC OG_VEIL_HOME=$SVC setpriv --reuid $DUID --regid $DUID \
    --clear-groups "$V" serve -f --port "$port" >"$T/veil.log" 2>&1 &
pid=$!
lib_track $pid
wait_for 20 curl -sf "http://127.0.0.1:$port/health" ||
    fail "the service did not start: $(cat "$T/veil.log")"
grep -q "unable to open database" "$T/veil.log" && fail "$(cat "$T/veil.log")"
# Root reaches it with --service (its port from server.conf).
OG_VEIL_HOME=$SVC "$V" --service test --port "$port" hello >"$T/out" 2>&1 ||
    fail "--service test: $(cat "$T/out")"
grep -q "tee_id" "$T/out" || fail "--service test: $(cat "$T/out")"
kill "$pid"; wait "$pid" 2>/dev/null || true
chmod 700 "$lib/private"

# Other symlinks are refused still: an absolute target, or one whose
# parent others may write.
ln -s "$lib/private/og-veil" "$lib/abs"
RC=0; STATE_DIRECTORY= OG_VEIL_HOME=$lib/abs setpriv --reuid $DUID \
    --regid $DUID --clear-groups "$V" login --manual <"$T/bundle.json" \
    >"$T/out" 2>&1 || RC=$?
grep -q "symbolic link" "$T/out" || fail "absolute link: $(cat "$T/out")"
mkdir -p "$T/open/private/og-veil"; chmod 1777 "$T/open"
chmod 700 "$T/open/private"; chown $DUID "$T/open/private/og-veil"
chmod 700 "$T/open/private/og-veil"
ln -s private/og-veil "$T/open/og-veil"
RC=0; OG_VEIL_HOME=$T/open/og-veil setpriv --reuid $DUID --regid $DUID \
    --clear-groups "$V" login --manual <"$T/bundle.json" >"$T/out" 2>&1 ||
    RC=$?
grep -q "symbolic link" "$T/out" || fail "link in a sticky /tmp-like dir: $(cat "$T/out")"

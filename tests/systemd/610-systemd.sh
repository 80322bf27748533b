#!/bin/sh
# 610-systemd.sh: og-veil under a real, booted systemd (`make
# check-systemd`, also part of `make check`).  A Debian 12 rootfs made
# with debootstrap from the Debian mirror this machine uses is cached in
# $OG_VEIL_ROOTFS_CACHE (default /var/cache/og-veil-systemd-test; the first
# run builds it in a few minutes, later runs copy it), `make install` puts
# og-veil, its devnet, the unit and the manuals into a copy, and
# systemd-nspawn --boot --private-network boots it.  inside.sh then
# follows README "Running under systemd" word for word and checks each
# point (see it).  Where the machine cannot boot a container (not root, no
# systemd-nspawn or debootstrap, no mirror) the case says why and counts
# as skipped, never as passed.  Ends with "N passed, M failed, K skipped".
set -u
TOP=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
CACHE=${OG_VEIL_ROOTFS_CACHE:-/var/cache/og-veil-systemd-test}
PKGS=systemd,systemd-sysv,dbus,libevent-2.1-7,libevent-openssl-2.1-7,libyajl2,libsqlite3-0,libssl3,libjemalloc2,curl,ca-certificates
start=$(date +%s)

skip() {
	echo "SKIP 610-systemd: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}

[ "$(id -u)" = 0 ] || skip "needs root to boot a container (run as root)"
command -v systemd-nspawn >/dev/null ||
    skip "no systemd-nspawn (apt-get install systemd-container)"
[ -x "$O/og-veil" ] && [ -x "$O/og-veil-devnet" ] || skip "build first ($O)"

# The Debian mirror this machine already uses.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\/*\)$/\1/p' \
    /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb  *\(\[[^]]*\] *\)\{0,1\}\(http[^ ]*\) bookworm .*/\2/p' \
    /etc/apt/sources.list 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

# One cached rootfs per package list: a list that grew builds a new one.
base=$CACHE/bookworm-$(printf %s "$PKGS" | cksum | cut -d" " -f1)
if [ ! -x "$base/lib/systemd/systemd" ]; then
	command -v debootstrap >/dev/null ||
	    skip "no debootstrap (apt-get install debootstrap)"
	mkdir -p "$CACHE" || skip "cannot create $CACHE"
	rm -rf "$base.new"
	echo "# building the Debian 12 rootfs from $mirror (cached in $base)"
	if ! debootstrap --variant=minbase --include="$PKGS" bookworm \
	    "$base.new" "$mirror" >"$CACHE/debootstrap.log" 2>&1; then
		tail -n 5 "$CACHE/debootstrap.log"
		rm -rf "$base.new"
		skip "debootstrap from $mirror failed (see $CACHE/debootstrap.log)"
	fi
	mv "$base.new" "$base"
fi

work=$(mktemp -d /var/tmp/og-veil-systemd.XXXXXX)
root=$work/root
machine=og-veil-test-$$
cleanup() {
	[ -n "${npid:-}" ] && kill "$npid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cp -a "$base" "$root" || skip "cannot copy the rootfs"

# README: make install (the unit and manuals come with it).
make -C "$TOP" -s install O="$O" DESTDIR="$root" PREFIX=/usr/local \
    >"$work/install.log" 2>&1 || { cat "$work/install.log";
    echo "FAIL 610-systemd: make install"; echo "0 passed, 1 failed, 0 skipped"; exit 1; }
install -m 0755 "$TOP/tests/systemd/inside.sh" "$root/root/inside.sh"
cat >"$root/etc/systemd/system/og-veil-check.service" <<'UNIT'
[Unit]
Description=og-veil systemd checks (tests/systemd/inside.sh)
After=multi-user.target
[Service]
Type=oneshot
StandardOutput=journal+console
ExecStart=/root/inside.sh
ExecStopPost=/bin/systemctl --no-block poweroff
UNIT
ln -sf /etc/systemd/system/og-veil-check.service \
    "$root/etc/systemd/system/multi-user.target.wants/og-veil-check.service"

echo "# booting systemd in $root (systemd-nspawn --boot --private-network)"
timeout -k 10 420 systemd-nspawn --boot --private-network --register=no \
    --keep-unit --console=pipe --machine="$machine" -D "$root" \
    </dev/null >"$work/boot.log" 2>&1 &
npid=$!
wait $npid
rc=$?
npid=
if [ ! -s "$root/root/result" ]; then
	tail -n 30 "$work/boot.log"
	grep -qi "permission\|not permitted\|cgroup" "$work/boot.log" &&
	    skip "systemd-nspawn could not boot here (rc $rc): see above"
	echo "FAIL 610-systemd: the container produced no result (rc $rc)"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi
pass=0
failn=0
while IFS= read -r line; do
	case $line in
	ok*) echo "PASS 610-systemd ${line#ok }"; pass=$((pass + 1)) ;;
	FAIL*) echo "FAIL 610-systemd ${line#FAIL }"; failn=$((failn + 1)) ;;
	esac
done <"$root/root/result"
if ! grep -qx done "$root/root/result"; then
	echo "FAIL 610-systemd: inside.sh did not finish"
	tail -n 30 "$work/boot.log"
	failn=$((failn + 1))
fi
echo "# 610-systemd took $(($(date +%s) - start)) s"
echo "$pass passed, $failn failed, 0 skipped"
[ "$failn" = 0 ]

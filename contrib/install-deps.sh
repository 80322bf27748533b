#!/bin/sh
# install-deps.sh MODE: make sure what MODE needs is installed.
#   build  compiler, autoconf, pkg-config and the -dev packages
#   check  build + what the test suites drive (curl, node + the openai npm
#          package, the agents Claude Code and Codex from npm, chromium,
#          valgrind, mandoc, clang, python3, and systemd-nspawn and
#          debootstrap for the booted-systemd case, tests/systemd)
#   bench  build + wrk, procps, valgrind and strace (stage 7 counts)
# As root, missing Debian packages are installed with apt-get; otherwise the
# exact apt-get line is printed and the script fails.
set -eu
mode=${1:-build}
top=$(cd "$(dirname "$0")/.." && pwd)

pkgs="gcc make autoconf pkg-config libevent-dev libssl-dev libyajl-dev libsqlite3-dev"
pkgs="$pkgs libjemalloc-dev"	# og-veil's malloc (configure.ac)
case $mode in
build) ;;
check) pkgs="$pkgs curl valgrind mandoc clang python3 chromium procps openssl"
	pkgs="$pkgs prometheus"	# promtool checks GET /metrics (651)
	pkgs="$pkgs systemd-container debootstrap"	# 610-systemd
	command -v node >/dev/null 2>&1 || pkgs="$pkgs nodejs"
	command -v npm >/dev/null 2>&1 || pkgs="$pkgs npm" ;;
bench) pkgs="$pkgs wrk procps curl python3 valgrind strace" ;;
*) echo "install-deps.sh: unknown mode $mode" >&2; exit 2 ;;
esac

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
# node and npm may come from outside Debian (already on PATH): fine.
if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ]; then
		echo "install-deps: apt-get install$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq >/dev/null
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "missing packages; run as root:" >&2
		echo "  apt-get install$missing" >&2
		exit 1
	fi
fi

# Every dependency of tests/clients/package.json, not only the first one.
clients_missing() {
	(cd "$top/tests/clients" && node -e '
const fs = require("fs");
const p = JSON.parse(fs.readFileSync("package.json"));
for (const d of Object.keys(p.dependencies || {}))
	if (!fs.existsSync("node_modules/" + d + "/package.json"))
		process.exit(1);') || return 0
	return 1
}
if [ "$mode" = check ] && clients_missing; then
	echo "install-deps: npm install (tests/clients)"
	(cd "$top/tests/clients" && npm install --no-audit --no-fund --silent)
fi
# The real agents (Claude Code, Codex CLI), pinned by tests/agents'
# package-lock.json; each npm package carries its native binary.
agents=$top/tests/agents/node_modules/.bin
if [ "$mode" = check ] && { [ ! -x "$agents/claude" ] ||
    [ ! -x "$agents/codex" ]; }; then
	echo "install-deps: npm ci (tests/agents)"
	(cd "$top/tests/agents" && npm ci --no-audit --no-fund --silent)
fi
exit 0

# lib.sh: helpers for the integration cases.  run.sh sources this file and
# then one NNN-<case>.sh in a fresh temporary directory $T, under `set -eu`;
# any failing command fails the case.  Every process a case starts is
# killed when it ends.  Nothing here talks to anything but 127.0.0.1.
#
#   devnet_start [flags]     og-veil-devnet with --state $T/devnet.json and
#                            --bundle $T/bundle.json; sets DEVNET_* below
#   veil_login               og-veil login --manual < $T/bundle.json
#   veil_start [flags]       og-veil serve -f on a free port; sets VEIL_URL
#   veil_stop                SIGTERM og-veil serve and wait for it
#   veil_start_valgrind | veil_stop_valgrind   og-veil serve under valgrind
#                            (when installed, NO_VALGRIND unset); the stop
#                            fails on a valgrind error or leak
#   chat_post JSON [curl args]   POST /v1/chat/completions; sets STATUS,
#                            body in $T/body, headers in $T/headers
#   api_get PATH             GET on og-veil; same outputs
#   expect_status N | expect_json PATH VALUE | expect_header NAME VALUE
#   expect_body_contains TEXT | expect_body_lacks TEXT | expect_nowhere TEXT
#   skip REASON              the case cannot run here (SKIP, never PASS)
#   fault NAME [GATEWAY] [VALUE] | fault_clear | devnet_admin PATH [JSON]
#   jget FILE dotted.path    print a value of a JSON file (python3)
#   node_client SCRIPT args  run tests/clients/SCRIPT against og-veil
#   sdk_faults SCRIPT        each tamper fault refused through an SDK client
#   relay_count              the relay calls the devnet has seen
#   veil_syscalls TRACE N JSON   strace og-veil (-e trace=TRACE, -y) while
#                            one curl POSTs JSON N times on one connection;
#                            trace in $T/strace.out; 1 when strace cannot
#                            run here (a note says why)
#   claude_setup | claude_run ARGS   the real Claude Code (tests/agents)
#   codex_setup | codex_config RETRIES [LINES] | codex_run ARGS   Codex
#
# Environment from run.sh: TOP (tree), O (build dir), DEVNET_TLS=1 to run
# the devnet with --tls (og-veil then trusts its CA through --ca-file).

TOP=${TOP:?}
O=${O:-build}
case $O in /*) ;; *) O=$TOP/$O ;; esac
VEIL_BIN=$O/og-veil
DEVNET_BIN=$O/og-veil-devnet
T=${T:?}
export OG_VEIL_HOME=$T/home
export HOME=$T
unset OG_VEIL_HOST OG_VEIL_PORT OG_VEIL_TEE_ID OG_VEIL_EXPECTED_PCR_HASH \
    OG_VEIL_API_KEY OG_VEIL_APP_URL SSL_CERT_FILE 2>/dev/null || true
LIB_PIDS=
STATUS=
. "$TOP/tests/common.sh"	# jget, free_port

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# skip REASON: the case cannot run here; run.sh counts it as skipped.
skip() {
	echo "SKIP: $*" >&2
	exit 77
}

note() {
	echo "# $*" >&2
}

lib_cleanup() {
	for p in $LIB_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $LIB_PIDS; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1; i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null || true
	done
}
trap lib_cleanup EXIT

# lib_track PID: kill PID when the case ends.
lib_track() {
	LIB_PIDS="$LIB_PIDS $1"
}

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
	_n=$(($1 * 10)); shift
	while [ $_n -gt 0 ]; do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

DEVNET_CURL=
devnet_start() {
	_tls=
	[ "${DEVNET_TLS:-0}" = 1 ] && _tls="--tls --ca-out $T/devnet-ca.pem"
	rm -f "$T/devnet.json"
	# shellcheck disable=SC2086
	"$DEVNET_BIN" --state "$T/devnet.json" --bundle "$T/bundle.json" \
	    $_tls "$@" >"$T/devnet.log" 2>&1 &
	DEVNET_PID=$!
	lib_track $DEVNET_PID
	wait_for 30 test -s "$T/devnet.json" ||
	    fail "og-veil-devnet did not write its state file"
	DEVNET_STATE=$T/devnet.json
	DEVNET_ADMIN=$(jget "$DEVNET_STATE" admin_url)
	DEVNET_RELAY=$(jget "$DEVNET_STATE" relay_url)
	DEVNET_CHAIN=$(jget "$DEVNET_STATE" chain_rpc_url)
	DEVNET_AUTH=$(jget "$DEVNET_STATE" auth_url)
	DEVNET_APP=$(jget "$DEVNET_STATE" app_url)
	DEVNET_CURL=
	VEIL_CA_FLAGS=
	if [ -n "$_tls" ]; then
		DEVNET_CURL="--cacert $T/devnet-ca.pem"
		VEIL_CA_FLAGS="--ca-file $T/devnet-ca.pem"
	fi
	export DEVNET_STATE DEVNET_ADMIN DEVNET_RELAY DEVNET_CHAIN DEVNET_AUTH \
	    DEVNET_APP DEVNET_PID
}

# devnet_curl ARGS...: curl that trusts the devnet's CA in TLS mode.
devnet_curl() {
	# shellcheck disable=SC2086
	curl -sS $DEVNET_CURL "$@"
}

devnet_admin() {
	if [ $# -gt 1 ]; then
		devnet_curl -f -X POST -H 'Content-Type: application/json' \
		    --data-binary "$2" "$DEVNET_ADMIN$1" >/dev/null
	else
		devnet_curl -f -X POST "$DEVNET_ADMIN$1" >/dev/null
	fi
}

# fault NAME [GATEWAY] [VALUE]
fault() {
	_j="{\"name\": \"$1\""
	[ $# -ge 2 ] && [ -n "$2" ] && _j="$_j, \"gateway\": $2"
	[ $# -ge 3 ] && _j="$_j, \"value\": $3"
	devnet_admin /fault "$_j}"
}

fault_clear() {
	devnet_admin /clear
}

veil_login() {
	"$VEIL_BIN" login --manual <"$T/bundle.json" >"$T/login.out" 2>&1 ||
	    { cat "$T/login.out" >&2; fail "og-veil login --manual failed"; }
}

veil_start() {
	VEIL_PORT=$(free_port)
	# shellcheck disable=SC2086
	"$VEIL_BIN" serve -f --port "$VEIL_PORT" ${VEIL_CA_FLAGS:-} "$@" \
	    >>"$T/veil.log" 2>&1 &
	VEIL_PID=$!
	lib_track $VEIL_PID
	VEIL_URL=http://127.0.0.1:$VEIL_PORT
	export VEIL_URL VEIL_PORT VEIL_PID
	wait_for 20 curl -sf "$VEIL_URL/health" ||
	    { tail -n 20 "$T/veil.log" >&2; fail "og-veil serve did not start"; }
}

veil_syscalls() {
	command -v strace >/dev/null 2>&1 ||
	    { note "strace is not installed: system calls not counted"; return 1; }
	_trace=$1 _vs_n=$2 _json=$3
	rm -f "$T/strace.out"
	strace -f -y -e trace="$_trace" -o "$T/strace.out" -p "$VEIL_PID" \
	    2>"$T/strace.err" &
	_spid=$!
	if ! wait_for 10 grep -q attached "$T/strace.err"; then
		kill "$_spid" 2>/dev/null || true
		note "strace cannot attach here: $(head -c 200 "$T/strace.err")"
		return 1
	fi
	set --
	while [ $# -lt "$_vs_n" ]; do set -- "$@" "$VEIL_URL/v1/chat/completions"; done
	curl -sS -w '\nHTTP %{http_code}\n' -H 'Content-Type: application/json' \
	    -H 'Authorization: Bearer og-veil' --data-binary "$_json" "$@" \
	    >"$T/strace.answers" || fail "curl: $_vs_n requests"
	kill -INT "$_spid"; wait "$_spid" || true
	[ "$(grep -c '^HTTP 200$' "$T/strace.answers")" = "$_vs_n" ] ||
	    fail "not $_vs_n answers 200: $(grep '^HTTP' "$T/strace.answers" | sort | uniq -c)"
}

veil_start_valgrind() {
	_vg=
	if [ "${NO_VALGRIND:-0}" != 1 ] && command -v valgrind >/dev/null 2>&1; then
		# og-veil may link jemalloc (configure): memcheck replaces
		# its malloc as it does the C library's.
		_vg="valgrind -q --soname-synonyms=somalloc=*jemalloc* --leak-check=full --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --log-file=$T/valgrind.log"
	fi
	VEIL_PORT=$(free_port)
	VEIL_URL=http://127.0.0.1:$VEIL_PORT
	# shellcheck disable=SC2086
	$_vg "$VEIL_BIN" serve -f --port "$VEIL_PORT" ${VEIL_CA_FLAGS:-} \
	    >"$T/veil.log" 2>&1 &
	VEIL_PID=$!
	lib_track $VEIL_PID
	wait_for 60 curl -sf "$VEIL_URL/health" || fail "og-veil did not start"
}

veil_stop_valgrind() {
	kill "$VEIL_PID"
	wait "$VEIL_PID" || fail "og-veil exited with status $? (valgrind found errors or leaks: $(head -c 2000 "$T/valgrind.log" 2>/dev/null))"
}

veil_stop() {
	kill "$VEIL_PID" 2>/dev/null || true
	wait_for 40 sh -c "! kill -0 $VEIL_PID" || fail "og-veil did not exit"
}

# chat_post JSON [curl args...]
chat_post() {
	_body=$1; shift
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Content-Type: application/json' \
	    -H 'Authorization: Bearer og-veil' \
	    --data-binary "$_body" "$@" "$VEIL_URL/v1/chat/completions") ||
	    STATUS=000
}

api_get() {
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -H 'Authorization: Bearer og-veil' "$VEIL_URL$1") || STATUS=000
}

expect_status() {
	[ "$STATUS" = "$1" ] ||
	    { head -c 2000 "$T/body" >&2; echo >&2;
	    fail "status $STATUS, expected $1"; }
}

# expect_json PATH VALUE: a value of the JSON body ($T/body).
expect_json() {
	_v=$(jget "$T/body" "$1" 2>/dev/null) || fail "no $1 in body: $(head -c 500 "$T/body")"
	[ "$_v" = "$2" ] || fail "$1 is '$_v', expected '$2'"
}

expect_header() {
	_v=$(grep -i "^$1:" "$T/headers" | head -n 1 | cut -d: -f2- |
	    sed 's/^ *//; s/\r$//')
	[ "$_v" = "$2" ] || fail "header $1 is '$_v', expected '$2'"
}

expect_body_contains() {
	grep -qF -- "$1" "$T/body" || fail "body lacks '$1': $(head -c 500 "$T/body")"
}

expect_body_lacks() {
	! grep -qF -- "$1" "$T/body" || fail "body contains '$1'"
}

# expect_nowhere TEXT: neither in the answer nor in og-veil's log.
expect_nowhere() {
	expect_body_lacks "$1"
	! grep -qF -- "$1" "$T/veil.log" 2>/dev/null ||
	    fail "og-veil's log contains '$1'"
}

node_client() {
	_s=$1; shift
	OPENAI_BASE_URL=$VEIL_URL/v1 OPENAI_API_KEY=og-veil \
	    node "$TOP/tests/clients/$_s" "$@"
}

# sdk_faults SCRIPT: every tamper fault gives the dialect's error through
# the SDK client tests/clients/SCRIPT (plain where a plain answer can be
# tampered, and streamed) with no content; no prompt reaches og-veil's log.
sdk_faults() {
	P='secret words that must never leak'
	for f in tamper-output tamper-token wrong-tee-id bad-signature \
	    bad-request-hash drop-final truncate error-event kill-mid-stream; do
		fault "$f"
		case $f in
		tamper-token|drop-final|truncate|error-event|kill-mid-stream) ;;
		*)	node_client "$1" fault 502 >>"$T/client.log" ||
			    fail "$f: plain" ;;
		esac
		node_client "$1" fault 502 stream >>"$T/client.log" ||
		    fail "$f: stream"
		fault_clear
		note "$f: refused"
	done
	grep -qF "$P" "$T/veil.log" && fail "the prompt reached og-veil's log"
	node_client "$1" create >>"$T/client.log" || fail "after faults"
}

# relay_count: the relay calls the devnet has seen so far.
relay_count() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
	jget "$T/stats.json" relay_requests
}

# claude_setup: skip unless the Claude Code of tests/agents starts here;
# sets CLAUDE and makes its throwaway HOME and working directory.
claude_setup() {
	CLAUDE=$TOP/tests/agents/node_modules/.bin/claude
	[ -x "$CLAUDE" ] ||
	    skip "Claude Code is not installed (sh contrib/install-deps.sh check)"
	"$CLAUDE" --version >"$T/claude-version" 2>&1 ||
	    skip "Claude Code does not start here: $(head -c 300 "$T/claude-version")"
	note "$(cat "$T/claude-version")"
	mkdir -p "$T/claude-home" "$T/work"
}

# claude_run ARGS...: claude -p in $T/work, no terminal, nothing but the
# API call (key $CLAUDE_KEY; $CLAUDE_ENV: more VAR=VALUE words); RC,
# stdout in $T/claude.out, stderr in $T/claude.err.
claude_run() {
	RC=0
	# shellcheck disable=SC2086
	(cd "$T/work" && env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$T/claude-home" TERM=dumb \
	    ANTHROPIC_BASE_URL="$VEIL_URL" ANTHROPIC_API_KEY="$CLAUDE_KEY" \
	    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
	    DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 $CLAUDE_ENV \
	    timeout 150 "$CLAUDE" -p "$@" </dev/null >"$T/claude.out" \
	    2>"$T/claude.err") || RC=$?
}

# codex_setup: skip unless the Codex of tests/agents starts here; sets
# CODEX and makes its CODEX_HOME, HOME and working directory.
codex_setup() {
	CODEX=$TOP/tests/agents/node_modules/.bin/codex
	[ -x "$CODEX" ] ||
	    skip "Codex is not installed (sh contrib/install-deps.sh check)"
	mkdir -p "$T/codex-home" "$T/work" "$T/codex-user"
	CODEX_HOME=$T/codex-home "$CODEX" --version >"$T/codex-version" 2>&1 ||
	    skip "Codex does not start here: $(head -c 300 "$T/codex-version")"
	note "$(grep -v WARNING "$T/codex-version")"
}

# codex_config RETRIES [LINES]: config.toml naming og-veil ($VEIL_URL) as
# a Responses provider, gpt-5-codex, request and stream retries RETRIES,
# then LINES (more settings of the provider).
codex_config() {
	cat >"$T/codex-home/config.toml" <<CONF
model = "gpt-5-codex"
model_provider = "ogveil"
check_for_update_on_startup = false

[model_providers.ogveil]
name = "og-veil"
base_url = "$VEIL_URL/v1"
wire_api = "responses"
env_key = "OG_VEIL_KEY"
request_max_retries = $1
stream_max_retries = $1
${2:-}
CONF
}

# codex_run ARGS...: codex exec in $T/work, no terminal, key $CODEX_KEY;
# RC, stdout in $T/codex.out, stderr in $T/codex.err.
codex_run() {
	RC=0
	(cd "$T/work" && env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$T/codex-user" CODEX_HOME="$T/codex-home" TERM=dumb \
	    OG_VEIL_KEY="$CODEX_KEY" \
	    timeout 150 "$CODEX" exec --skip-git-repo-check "$@" </dev/null \
	    >"$T/codex.out" 2>"$T/codex.err") || RC=$?
}

# 474-first-byte-codex: the real Codex CLI (tests/agents, as in 453) with
# stream_idle_timeout_ms = 3000 while the devnet takes about 6 s for the
# generation; og-veil runs with --keepalive 1.  It commits the stream after
# --first-byte (2 s) with response.created and response.in_progress, then
# response.in_progress every second: Codex prints the verified answer and
# no retry reaches the devnet (stream_max_retries = 2 would resend a
# stream that went idle).  With the default --keepalive 10 the committed
# stream goes idle for longer than 3 s, and Codex gives up and retries:
# the keep-alives are what keeps it (the test can fail).  (--first-byte 0
# does not trip Codex: its idle timer starts with the response headers.)
case $O in *asan*)
	skip "drives only the real Codex CLI: under ASan the commit and keep-alives are checked by 403, 470 and 472 with the SDKs" ;;
esac
CODEX=$TOP/tests/agents/node_modules/.bin/codex
[ -x "$CODEX" ] ||
    skip "Codex is not installed (sh contrib/install-deps.sh check)"
mkdir -p "$T/codex-home" "$T/work" "$T/codex-user"
CODEX_HOME=$T/codex-home "$CODEX" --version >"$T/codex-version" 2>&1 ||
    skip "Codex does not start here: $(head -c 300 "$T/codex-version")"
note "$(grep -v WARNING "$T/codex-version")"

devnet_start
veil_login

relay_count() {
	devnet_curl "$DEVNET_ADMIN/stats" >"$T/stats.json"
	jget "$T/stats.json" relay_requests
}

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
request_max_retries = 2
stream_max_retries = 2
stream_idle_timeout_ms = 3000
CONF
}

codex_run() {
	RC=0
	(cd "$T/work" && env -i PATH=/usr/local/bin:/usr/bin:/bin \
	    HOME="$T/codex-user" CODEX_HOME="$T/codex-home" TERM=dumb \
	    OG_VEIL_KEY=sk-veil-474 \
	    timeout 150 "$CODEX" exec --skip-git-repo-check "$@" </dev/null \
	    >"$T/codex.out" 2>"$T/codex.err") || RC=$?
}
P="hold on while the enclave signs this one $(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"

veil_start --api-key sk-veil-474 --model-alias gpt-5-codex=gpt-5.5 \
    --keepalive 1
codex_config
fault slow-stream "" 1000
n0=$(relay_count)
codex_run "$P"
n1=$(relay_count)
[ "$RC" = 0 ] || fail "codex exec exited $RC through the commit: $(tail -c 1500 "$T/codex.err")"
[ "$(cat "$T/codex.out")" = "Echo: $P" ] ||
    fail "not the verified answer: $(head -c 800 "$T/codex.out") $(tail -c 800 "$T/codex.err")"
grep -q 'stream committed' "$T/veil.log" ||
    fail "og-veil did not commit the stream (the generation was too fast?)"
[ $((n1 - n0)) = 1 ] || fail "$((n1 - n0)) relay calls: a retry"
note "Codex: the verified answer through a committed stream, one relay call"

veil_stop
veil_start --api-key sk-veil-474 --model-alias gpt-5-codex=gpt-5.5
codex_config
n0=$(relay_count)
codex_run "$P"
n1=$(relay_count)
note "--keepalive 10: rc $RC, $((n1 - n0)) relay calls: $(tail -c 300 "$T/codex.err" | tr '\n' ' ')"
[ "$RC" != 0 ] || [ "$(cat "$T/codex.out")" != "Echo: $P" ] ||
    fail "Codex got the answer with --keepalive 10: the test cannot fail"
[ $((n1 - n0)) -ge 2 ] ||
    fail "--keepalive 10: $((n1 - n0)) relay calls, expected Codex's retries"

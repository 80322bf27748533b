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
codex_setup

devnet_start
veil_login
CODEX_KEY=sk-veil-474
P="hold on while the enclave signs this one $(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"

veil_start --api-key sk-veil-474 --model-alias gpt-5-codex=gpt-5.5 \
    --keepalive 1
codex_config 2 "stream_idle_timeout_ms = 3000"
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
codex_config 2 "stream_idle_timeout_ms = 3000"
n0=$(relay_count)
codex_run "$P"
n1=$(relay_count)
note "--keepalive 10: rc $RC, $((n1 - n0)) relay calls: $(tail -c 300 "$T/codex.err" | tr '\n' ' ')"
[ "$RC" != 0 ] || [ "$(cat "$T/codex.out")" != "Echo: $P" ] ||
    fail "Codex got the answer with --keepalive 10: the test cannot fail"
[ $((n1 - n0)) -ge 2 ] ||
    fail "--keepalive 10: $((n1 - n0)) relay calls, expected Codex's retries"

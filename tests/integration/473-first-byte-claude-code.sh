# 473-first-byte-claude-code: the real Claude Code (tests/agents, as in
# 452) with API_TIMEOUT_MS=3000 while the devnet takes about 6 s for the
# generation.  og-veil commits the stream after --first-byte (2 s) and
# feeds the opened empty text block empty text_deltas: Claude Code prints
# the verified answer, and every relay call it caused was answered once
# (no retry: CLAUDE_CODE_MAX_RETRIES=2 would resend a timed-out request).
# With --first-byte 0 the same run times out and its retries reach the
# devnet: the test can fail.
case $O in *asan*)
	skip "drives only the real Claude Code: under ASan the commit is checked by 403, 470 and 472 with the SDKs" ;;
esac
claude_setup

devnet_start
veil_login
CLAUDE_KEY=sk-veil-473
CLAUDE_ENV="API_TIMEOUT_MS=3000 CLAUDE_CODE_MAX_RETRIES=2"
P="hold on while the enclave signs this one $(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"

veil_start --api-key sk-veil-473 --model-alias 'claude-*=claude-sonnet-4-6'
fault slow-stream "" 1000
n0=$(relay_count)
claude_run "$P"
n1=$(relay_count)
[ "$RC" = 0 ] || fail "claude -p exited $RC through the commit: $(head -c 1500 "$T/claude.err") $(head -c 500 "$T/claude.out")"
[ "$(grep -v '^$' "$T/claude.out" | tail -n 1)" = "$P" ] ||
    fail "not the verified answer: $(head -c 800 "$T/claude.out")"
grep -q 'stream committed' "$T/veil.log" ||
    fail "og-veil did not commit the stream (the generation was too fast?)"
! grep -qE 'req [0-9a-f]+: (agent went away|499)' "$T/veil.log" ||
    fail "Claude Code gave up on a committed stream"
ncalls=$(grep -c 'stream committed' "$T/veil.log")
[ $((n1 - n0)) = "$ncalls" ] ||
    fail "$((n1 - n0)) relay calls for $ncalls committed streams: a retry"
note "Claude Code: the verified answer through $ncalls committed stream(s)"

veil_stop
veil_start --api-key sk-veil-473 --model-alias 'claude-*=claude-sonnet-4-6' \
    --first-byte 0
n0=$(relay_count)
claude_run "$P"
n1=$(relay_count)
note "--first-byte 0: rc $RC, $((n1 - n0)) relay calls: $(head -c 200 "$T/claude.out")"
[ "$RC" != 0 ] || [ "$(grep -v '^$' "$T/claude.out" | tail -n 1)" != "$P" ] ||
    fail "Claude Code got the answer with --first-byte 0: the test cannot fail"
[ $((n1 - n0)) -ge 2 ] ||
    fail "--first-byte 0: $((n1 - n0)) relay calls, expected Claude Code's retries"

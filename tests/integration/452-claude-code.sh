# 452-claude-code: the real Claude Code from npm (tests/agents), run as a
# user would: `claude -p PROMPT` with ANTHROPIC_BASE_URL at og-veil, an API
# key (og-veil requires it: x-api-key), nonessential traffic, the
# autoupdater, telemetry and error reporting off, a throwaway HOME, no
# terminal.  It prints the devnet model's verified answer; a tool round
# trip runs Claude Code's own Bash tool ("run: CMD") and sends the result
# back; a tampered answer reaches it as an error, never as text.  The
# model names it asks for are mapped with --model-alias (og-veil(1)).
case $O in *asan*)
	skip "drives only the real Claude Code: under ASan og-veil's messages path is checked by 400, 403 and 472 with the SDK" ;;
esac
claude_setup

devnet_start
veil_login
veil_start --api-key sk-veil-452 --model-alias 'claude-*=claude-sonnet-4-6'
CLAUDE_KEY=sk-veil-452 CLAUDE_ENV=CLAUDE_CODE_MAX_RETRIES=0
nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

# 1. A plain prompt: the devnet's answer, "Echo: " and the last user text
#    (Claude Code puts a system reminder before the prompt).
claude_run "hello 452 $nonce"
[ "$RC" = 0 ] || fail "claude -p exited $RC: $(head -c 1500 "$T/claude.err") $(head -c 500 "$T/claude.out")"
head -c 6 "$T/claude.out" | grep -qx 'Echo: ' ||
    head -n 1 "$T/claude.out" | grep -q '^Echo: ' ||
    fail "not the devnet's answer: $(head -c 800 "$T/claude.out")"
[ "$(grep -v '^$' "$T/claude.out" | tail -n 1)" = "hello 452 $nonce" ] ||
    fail "the answer does not end with the prompt: $(tail -c 300 "$T/claude.out")"

# The answer named the model the enclave ran (the alias's target).
claude_run --output-format stream-json --verbose "json 452 $nonce"
[ "$RC" = 0 ] || fail "claude -p --output-format json exited $RC: $(head -c 800 "$T/claude.err")"
python3 - "$T/claude.out" "$nonce" <<'PY' || fail "json result: $(head -c 1500 "$T/claude.out")"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
r = [e for e in ev if e.get('type') == 'result'][-1]
assert r.get('is_error') is False, r.get('is_error')
assert r['result'].startswith('Echo: '), r['result'][:200]
assert r['result'].endswith('json 452 ' + sys.argv[2]), r['result'][-200:]
models = {e['message'].get('model') for e in ev if e.get('type') == 'assistant'}
assert models == {'claude-sonnet-4-6'}, models
PY

# 2. A tool round trip: the model calls Bash, Claude Code runs it and sends
#    the output back, the model answers with it.
claude_run --allowedTools Bash -- "run: echo claude-$nonce | tee ran.txt"
[ "$RC" = 0 ] || fail "claude -p (tool) exited $RC: $(head -c 1500 "$T/claude.err") $(head -c 500 "$T/claude.out")"
[ "$(cat "$T/work/ran.txt" 2>/dev/null)" = "claude-$nonce" ] ||
    fail "Claude Code did not run the command: $(head -c 500 "$T/claude.out")"
[ "$(cat "$T/claude.out")" = "Tool result received: claude-$nonce" ] ||
    fail "not the tool result answer: $(head -c 800 "$T/claude.out")"

# og-veil refused none of what Claude Code sent (it would fall back to
# other request shapes and hide the refusal).
! grep -E 'req [0-9a-f]+: 4[0-9][0-9] ' "$T/veil.log" ||
    fail "og-veil refused a request of Claude Code (above)"

# 3. A tampered answer: an error, none of the text.
fault tamper-output
claude_run "tampered 452 $nonce"
fault_clear
note "tampered: rc $RC: $(head -c 300 "$T/claude.out") $(head -c 300 "$T/claude.err")"
[ "$RC" != 0 ] || grep -qi 'error' "$T/claude.out" ||
    fail "claude -p took a tampered answer: $(head -c 500 "$T/claude.out")"
! grep -q "tampered 452" "$T/claude.out" ||
    fail "tampered text reached Claude Code: $(head -c 500 "$T/claude.out")"

# 453-codex: the real Codex CLI from npm (tests/agents), run as a user
# would: `codex exec PROMPT` with a throwaway CODEX_HOME whose config.toml
# names a provider with base_url at og-veil and wire_api = "responses",
# the key in the provider's env_key, no terminal.  It prints the devnet
# model's verified answer; a tool round trip runs Codex's own exec_command
# ("run: CMD") in its workspace-write sandbox and sends the output back; a
# tampered answer reaches it as an error, never as text.  gpt-5-codex is
# mapped with --model-alias (og-veil(1)).
case $O in *asan*)
	skip "drives only the real Codex CLI: under ASan og-veil's responses path is checked by 401, 403 and 472 with the SDK" ;;
esac
codex_setup

devnet_start
veil_login
veil_start --api-key sk-veil-453 --model-alias gpt-5-codex=gpt-5.5
codex_config 0
CODEX_KEY=sk-veil-453
nonce=$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')

# 1. A plain prompt: the devnet's answer is all codex exec prints.
codex_run "hello 453 $nonce"
[ "$RC" = 0 ] || fail "codex exec exited $RC: $(tail -c 1500 "$T/codex.err")"
[ "$(cat "$T/codex.out")" = "Echo: hello 453 $nonce" ] ||
    fail "not the devnet's answer: $(head -c 800 "$T/codex.out") $(tail -c 800 "$T/codex.err")"

# The same answer in Codex's --json events (an agent_message item).
codex_run --json "json 453 $nonce"
[ "$RC" = 0 ] || fail "codex exec --json exited $RC: $(tail -c 800 "$T/codex.err")"
grep -q '"type":"agent_message","text":"Echo: json 453 '"$nonce"'"' \
    "$T/codex.out" ||
    fail "--json lacks the answer: $(head -c 800 "$T/codex.out")"

# 2. A tool round trip: the model calls exec_command, Codex runs it in its
#    sandbox (the workspace may be written) and sends the output back.
codex_run --sandbox workspace-write "run: echo codex-$nonce | tee ran.txt"
[ "$RC" = 0 ] || fail "codex exec (tool) exited $RC: $(tail -c 1500 "$T/codex.err")"
[ "$(cat "$T/work/ran.txt" 2>/dev/null)" = "codex-$nonce" ] ||
    fail "Codex did not run the command: $(tail -c 1500 "$T/codex.err")"
head -c 22 "$T/codex.out" | grep -qx 'Tool result received: ' ||
    head -n 1 "$T/codex.out" | grep -q '^Tool result received: ' ||
    fail "not the tool result answer: $(head -c 800 "$T/codex.out")"
grep -qx "codex-$nonce" "$T/codex.out" ||
    fail "the answer lacks the command's output: $(head -c 800 "$T/codex.out")"
grep -q 'exited with code 0' "$T/codex.out" ||
    fail "the answer lacks the exit status: $(head -c 800 "$T/codex.out")"

# The same with a listed model: Codex then also offers the custom
# (free-form) apply_patch tool and tool_search.
sed 's/^model = .*/model = "gpt-5.5"/' "$T/codex-home/config.toml" \
    >"$T/config.toml" && mv "$T/config.toml" "$T/codex-home/config.toml"
rm -f "$T/work/ran.txt"
codex_run --sandbox workspace-write "run: echo listed-$nonce | tee ran.txt"
[ "$RC" = 0 ] || fail "codex exec (gpt-5.5) exited $RC: $(tail -c 1500 "$T/codex.err")"
[ "$(cat "$T/work/ran.txt" 2>/dev/null)" = "listed-$nonce" ] ||
    fail "Codex (gpt-5.5) did not run the command: $(tail -c 1500 "$T/codex.err")"
grep -qx "listed-$nonce" "$T/codex.out" ||
    fail "the gpt-5.5 answer lacks the output: $(head -c 800 "$T/codex.out")"

! grep -E 'req [0-9a-f]+: 4[0-9][0-9] ' "$T/veil.log" ||
    fail "og-veil refused a request of Codex (above)"

# 3. A tampered answer: an error, none of the text.
fault tamper-output
codex_run "tampered 453 $nonce"
fault_clear
note "tampered: rc $RC: $(head -c 300 "$T/codex.out") $(tail -c 300 "$T/codex.err")"
[ "$RC" != 0 ] || fail "codex exec took a tampered answer: $(head -c 500 "$T/codex.out")"
! grep -q "tampered 453" "$T/codex.out" ||
    fail "tampered text reached Codex: $(head -c 500 "$T/codex.out")"

# 588-cli-escapes: `og-veil test` prints the model's text and the proof's
# tee_host with their control characters escaped: a prompt the model
# echoes with an OSC title, a screen clear and a CR, and a registry
# endpoint with CR LF, ANSI and OSC sequences (hostile-endpoint) reach the
# terminal as \x1b..., never as the raw bytes; newlines in the text stay.
devnet_start
veil_login
fault hostile-endpoint
veil_start
prompt=$(printf 'hi \033]0;PWNED-TITLE\007 \033[2J clear\rback\nline two')
for s in "" --stream; do
	# shellcheck disable=SC2086
	"$VEIL_BIN" test --port "$VEIL_PORT" $s "$prompt" >"$T/out" 2>"$T/err" ||
	    fail "og-veil test $s: $(cat "$T/err")"
	grep -q 'PWNED-TITLE' "$T/out" || fail "the echo is missing: $(cat "$T/out")"
	! grep -q "$(printf '\033')" "$T/out" "$T/err" || fail "test $s printed an ESC"
	! grep -q "$(printf '\007')" "$T/out" "$T/err" || fail "test $s printed a BEL"
	! grep -q "$(printf '\r')" "$T/out" "$T/err" || fail "test $s printed a CR"
	grep -qF 'hi \x1b]0;PWNED-TITLE\x07 \x1b[2J clear\x0dback' "$T/out" ||
	    fail "the text is not shown escaped: $(head -n 3 "$T/out")"
	grep -q '^line two' "$T/out" || fail "a newline of the answer was lost"
	grep -q '^tee_host: .*FORGED-LOG-LINE' "$T/out" ||
	    fail "no tee_host line: $(cat "$T/out")"
	grep -qF '\x1b]0;FORGED-TITLE\x07' "$T/out" ||
	    fail "tee_host is not shown escaped: $(grep tee_host "$T/out")"
	grep -q '^verified:     yes' "$T/out" || fail "not verified: $(cat "$T/out")"
done

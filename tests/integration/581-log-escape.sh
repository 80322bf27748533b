# 581-log-escape: text an upstream chose reaches the log with every control
# character escaped: a registry endpoint ending in CR LF, a forged log line,
# an ANSI colour and an OSC title (the devnet's hostile-endpoint fault)
# leaves no forged line, no ESC and no BEL in the log, and the endpoint is
# logged as \x0d\x0a...
devnet_start
veil_login
fault hostile-endpoint
veil_start -v
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hi"}]}'
expect_status 200
grep -q 'FORGED-LOG-LINE' "$T/veil.log" || fail "the endpoint was never logged"
! grep -q '^2026-01-01T00:00:00.000Z info  FORGED-LOG-LINE' "$T/veil.log" ||
    fail "a registry endpoint forged a log line"
! grep -q "$(printf '\033')" "$T/veil.log" || fail "an ESC reached the log"
! grep -q "$(printf '\007')" "$T/veil.log" || fail "a BEL reached the log"
! grep -q "$(printf '\r')" "$T/veil.log" || fail "a CR reached the log"
grep -qF '\x0d\x0a2026-01-01T00:00:00.000Z info  FORGED-LOG-LINE\x1b[31m\x1b]0;FORGED-TITLE\x07' "$T/veil.log" ||
    fail "the endpoint is not logged escaped: $(grep FORGED "$T/veil.log" | head -n 2)"
# Every line of the log is one of og-veil's own.
! grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z (debug|info |warn |fatal) ' "$T/veil.log" |
    grep -q . || fail "a line not written by og-veil: $(grep -Ev '^[0-9]{4}-' "$T/veil.log" | head -n 2)"

# 205-sigterm-stream: SIGTERM while a stream is in flight lets it finish
# (verified, with its [DONE]) before the server exits 0; no new
# connections are taken meanwhile.
devnet_start --stream-delay-ms 150
veil_login
veil_start
WORDS="one two three four five six seven eight nine ten eleven twelve"
curl -sS -N -o "$T/stream.out" -H 'Content-Type: application/json' \
    --data-binary "{\"model\":\"gpt-4.1-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"$WORDS\"}]}" \
    "$VEIL_URL/v1/chat/completions" &
CURL=$!
lib_track $CURL
# Wait until the request is in flight upstream, then ask the server to stop.
wait_for 10 sh -c "curl -s $DEVNET_ADMIN/stats | grep -q '\"relay_requests\": *[1-9]'" ||
    fail "the stream never reached the relay"
kill -TERM "$VEIL_PID"
sleep 0.3
if curl -s -m 2 -o /dev/null "$VEIL_URL/health"; then
	fail "a new connection was accepted while draining"
fi
wait "$CURL" || fail "the stream failed during the drain"
grep -q 'data: \[DONE\]' "$T/stream.out" || fail "no [DONE]: $(tail -c 300 "$T/stream.out")"
grep -q '"opengradient_verification"' "$T/stream.out" || fail "no proof"
grep -q 'twelve' "$T/stream.out" || fail "stream cut short"
wait "$VEIL_PID" && rc=0 || rc=$?
[ "$rc" = 0 ] || fail "exit $rc after the drain"

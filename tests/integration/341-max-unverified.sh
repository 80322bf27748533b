# 341-max-unverified: --max-unverified is one budget for all the memory
# chat requests hold (parsed bodies, answers, streamed frames held until
# the final one verifies), charged as the bytes arrive.  With a 26k budget
# and slow streams from the devnet (fault slow-stream 300), each holding
# ~13 KiB (body and frames, held as compact values): two fit, three do not: what is held never passes the budget by more than a
# frame (og_veil_unverified_bytes, polled, when /metrics exists), a new
# request refused meanwhile gets 503 "overloaded" with Retry-After, a stream that would hold more fails with
# 503 overloaded (in-band once committed) instead of growing, the others
# finish verified, and afterwards requests succeed again.  Before, streams
# were admitted at 0 bytes and then held many times the cap.
# parallel: no (three slow streams must overlap in time)
devnet_start
veil_login
veil_start --max-unverified 26k
CAP=26624
fault slow-stream "" 300

# About 20 frames of some 300 bytes each: 6 s per stream.
words=$(python3 -c 'print(" ".join("held%02d-%s" % (i, "x" * 30) for i in range(60)))')
SLOW='{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"'"$words"'"}]}'
SMALL='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"small"}]}'

pids=
for i in 1 2 3; do
	curl -sS -o "$T/slow$i" -w '%{http_code}\n' \
	    -H 'Content-Type: application/json' -H 'Authorization: Bearer og-veil' \
	    --data-binary "$SLOW" "$VEIL_URL/v1/chat/completions" >"$T/st$i" &
	pids="$pids $!"
done

# Poll what is held while they run.
held_max=0
refused=0
metrics=1
for n in $(seq 1 80); do
	if [ "$metrics" = 1 ]; then
		api_get /metrics
		[ "$STATUS" = 200 ] || metrics=0
		h=$(grep '^og_veil_unverified_bytes ' "$T/body" |
		    awk '{print int($2)}')
		[ -n "$h" ] && [ "$h" -gt "$held_max" ] && held_max=$h
	fi
	if [ "$refused" = 0 ]; then
		chat_post "$SMALL"
		if [ "$STATUS" = 503 ]; then
			expect_json error.code overloaded
			expect_header Retry-After 1
			refused=1
		fi
	fi
	alive=0
	for p in $pids; do
		kill -0 "$p" 2>/dev/null && alive=1
	done
	[ "$alive" = 0 ] && break
	sleep 0.1
done
if [ "$metrics" = 1 ]; then
	note "held at most $held_max bytes of a $CAP-byte budget"
	[ "$held_max" -gt 0 ] || fail "nothing was ever held"
	[ "$held_max" -le $((CAP + 4096)) ] ||
	    fail "held $held_max bytes, budget $CAP"
else
	note "no /metrics in this build: the held total is not polled"
fi
note "a new request was refused meanwhile: $refused"
# Routes that hold nothing are still answered.
api_get /health
expect_status 200

for p in $pids; do
	wait "$p" || true
done
done_ok=0
over=0
for i in 1 2 3; do
	if grep -q '^data: \[DONE\]$' "$T/slow$i" &&
	    grep -q 'held59-' "$T/slow$i" &&
	    grep -q '"verified":true' "$T/slow$i"; then
		done_ok=$((done_ok + 1))
	elif grep -q 'overloaded' "$T/slow$i"; then
		over=$((over + 1))
	else
		fail "slow stream $i: $(cat "$T/st$i") $(head -c 300 "$T/slow$i")"
	fi
	# Never a partial answer: held text is not delivered unverified.
	if ! grep -q '"verified":true' "$T/slow$i"; then
		! grep -q 'held0' "$T/slow$i" ||
		    fail "stream $i delivered unverified text"
	fi
done
note "$done_ok streams verified, $over refused as overloaded"
[ "$done_ok" -ge 1 ] || fail "no stream finished"
[ "$over" -ge 1 ] || fail "no stream was refused past the budget"

# Nothing held any more: served again, plain and streamed.
fault_clear
chat_post "$SMALL"
expect_status 200
expect_json choices.0.message.content 'Echo: small'
chat_post "$SLOW"
expect_status 200
grep -q '^data: \[DONE\]$' "$T/body" || fail "stream after recovery"

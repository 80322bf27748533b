# 470-first-byte-clients: a generation that takes longer than the clients'
# 3 s header and body timeouts (undici headersTimeout / bodyTimeout), with
# the clients' default retries on.  og-veil commits the stream after
# --first-byte (default 2 s) and keeps it alive every second: the official
# openai package (Chat Completions and Responses), the AI SDK (`ai` with
# @ai-sdk/openai-compatible) and the official @anthropic-ai/sdk get the
# verified answer, no retry reaches the devnet (its relay counts one
# call each), and the committed reply has no X-OpenGradient-Verified
# header (its verdict is in the last chunk).  A fast stream is still held
# and gets the headers.  With --first-byte 0 the same clients time out and
# retry (more than one relay call each): the test can fail.
# timeout: 360 (long generations by design: about 100 s on an idle machine)
devnet_start
veil_login
veil_start --keepalive 1

# About 6 frames of the echo, 1 s apart: past the 3 s timeouts.
fault slow-stream "" 1000
for c in openai aisdk anthropic responses; do
	n0=$(relay_count)
	out=$(node_client firstbyte.mjs "$c" ok) ||
	    fail "$c: no verified answer through the commit"
	[ "$out" = "ok committed" ] || fail "$c: $out, expected a commit"
	n1=$(relay_count)
	[ $((n1 - n0)) = 1 ] || fail "$c: $((n1 - n0)) relay calls, expected 1"
	note "$c: verified answer after a committed stream, one relay call"
done

fault_clear
out=$(node_client firstbyte.mjs openai ok) || fail "fast stream"
[ "$out" = "ok held" ] || fail "fast stream: $out, expected the held reply"
note "a stream verified within --first-byte keeps its headers"

veil_stop
veil_start --first-byte 0 --keepalive 1
fault slow-stream "" 1000
for c in openai aisdk anthropic responses; do
	n0=$(relay_count)
	node_client firstbyte.mjs "$c" timeout >/dev/null ||
	    fail "$c: did not time out with --first-byte 0"
	n1=$(relay_count)
	[ $((n1 - n0)) -ge 2 ] ||
	    fail "$c: $((n1 - n0)) relay calls with --first-byte 0, expected retries"
	note "$c: --first-byte 0 times out and retries ($((n1 - n0)) calls)"
done

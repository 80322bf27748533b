# 550-body-budget: a JSON body costs ~60 times its size once parsed; one
# allowed body must not exhaust memory.  og-veil runs under a 400 MB
# address-space limit: an 8 MB body of "junk":[0,0,...] with --max-body 16m
# gets 413 request_too_large in the envelope (the parse stops at 8 times
# --max-body) instead of killing the server; with --max-unverified 20m a
# 1 MB one gets 503 overloaded (the process budget); the default
# --max-body (4m, from the network's 512 KiB limit) refuses the 8 MB body
# outright; honest requests go on.  Peak RSS is reported.
case $O in *asan*)
	skip "ASan reserves terabytes of shadow address space: no ulimit -v run" ;;
esac
devnet_start
veil_login

python3 - "$T" <<'PYEOF'
import sys
t = sys.argv[1]
def junk(path, size):
    n = (size - 100) // 2
    with open(path, "w") as f:
        f.write('{"model":"gpt-4.1-mini","messages":[{"role":"user",'
                '"content":"x"}],"junk":[' + ",".join(["0"] * n) + "]}")
junk(t + "/junk8m.json", 8000000)
junk(t + "/junk1m.json", 1000000)
PYEOF

# veil_start under ulimit -v, in KiB: og-veil alone maps ~60 MB.
veil_start_limited() {
	VEIL_PORT=$(free_port)
	# shellcheck disable=SC2086
	(ulimit -v 400000; exec "$VEIL_BIN" serve -f --port "$VEIL_PORT" \
	    ${VEIL_CA_FLAGS:-} "$@") >>"$T/veil.log" 2>&1 &
	VEIL_PID=$!
	lib_track $VEIL_PID
	VEIL_URL=http://127.0.0.1:$VEIL_PORT
	wait_for 20 curl -sf "$VEIL_URL/health" ||
	    { tail -n 20 "$T/veil.log" >&2; fail "og-veil serve did not start"; }
}
hello() {
	chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"still here"}]}'
	expect_status 200
	expect_json choices.0.message.content 'Echo: still here'
}

veil_start_limited --max-body 16m
chat_post @"$T/junk8m.json"
kill -0 "$VEIL_PID" 2>/dev/null ||
    fail "og-veil died on the 8 MB body: $(tail -n 3 "$T/veil.log")"
expect_status 413
expect_json error.code request_too_large
expect_body_contains 'memory once parsed'
note "8 MB [0,0,...] body, --max-body 16m: peak RSS $(awk '/VmHWM/ {print $2, $3}' /proc/$VEIL_PID/status)"
hello
veil_stop

veil_start_limited --max-unverified 20m
chat_post @"$T/junk1m.json"
expect_status 503
expect_json error.code overloaded
expect_body_contains OG_VEIL_MAX_UNVERIFIED
hello
veil_stop

# The default limit: the body is refused before it is read.
veil_start_limited
chat_post @"$T/junk8m.json"
expect_status 413
note "8 MB body, defaults: peak RSS $(awk '/VmHWM/ {print $2, $3}' /proc/$VEIL_PID/status)"
hello

# 300-malformed-corpus: every request of tests/integration/malformed/ (bad
# UTF-8, lone surrogates, huge numbers, deep nesting, a wrong type for each
# field, empty and truncated bodies), plus a 100 MB body and duplicated or
# conflicting Content-Length headers, gets a 4xx OpenAI error envelope;
# og-veil, run under valgrind, keeps serving and exits without a leak.
# timeout: 480 (valgrind and 96 Python clients: 164 s seen under load)
devnet_start
veil_login
veil_start_valgrind

n=0
for f in "$TOP"/tests/integration/malformed/*.json; do
	STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	    --data-binary @"$f" "$VEIL_URL/v1/chat/completions") || STATUS=000
	case $STATUS in
	4[0-9][0-9]) ;;
	*) fail "$(basename "$f"): status $STATUS, expected 4xx: $(head -c 300 "$T/body")" ;;
	esac
	jget "$T/body" error.message >/dev/null ||
	    fail "$(basename "$f"): no OpenAI error envelope: $(head -c 300 "$T/body")"
	[ "$(jget "$T/body" error.type)" = veil_error ] ||
	    fail "$(basename "$f"): error.type is not veil_error"
	n=$((n + 1))
done
note "$n malformed bodies refused with 4xx"

# 100 MB body: refused with 413 before it is all read.
head -c 104857600 /dev/zero | tr '\0' 'a' >"$T/big.json"
STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary @"$T/big.json" "$VEIL_URL/v1/chat/completions" 2>/dev/null) || STATUS=000
rm -f "$T/big.json"
case $STATUS in 413|000) ;; *) fail "100 MB body: status $STATUS, expected 413" ;; esac

# Duplicated and conflicting Content-Length: 400 (request smuggling).
req='{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}]}'
len=$(printf '%s' "$req" | wc -c)
for cl in "$len" $((len + 1)); do
	resp=$(printf 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: %s\r\nContent-Length: %s\r\nConnection: close\r\n\r\n%s' \
	    "$len" "$cl" "$req" | python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
s.settimeout(10)
d = b""
try:
    while True:
        c = s.recv(65536)
        if not c: break
        d += c
except Exception: pass
print(d.split(b"\r\n")[0].decode(errors="replace"))' "$VEIL_PORT")
	case $resp in
	"HTTP/1.1 400"*) ;;
	*) fail "duplicate Content-Length ($len, $cl): '$resp', expected 400" ;;
	esac
done

# Still serving: a good request is answered and verified.
chat_post "$req"
expect_status 200
expect_header X-OpenGradient-Verified true

veil_stop_valgrind

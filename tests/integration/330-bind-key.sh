# 330-bind-key: a listener off loopback needs an API key (refused at
# start-up with the reason otherwise); with a key, on 0.0.0.0 or on
# loopback, requests without it or with a wrong one get 401, the right one
# passes (--api-key and OG_VEIL_API_KEY), any Host passes since the key is
# the guard, and /health answers without the key and without secrets.
devnet_start
veil_login

# req KEY METHOD PATH [curl args]: one request with Bearer KEY ("" = none).
req() {
	_k=$1; _m=$2; _p=$3; shift 3
	if [ -n "$_k" ]; then
		set -- -H "Authorization: Bearer $_k" "$@"
	fi
	STATUS=$(curl -sS -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -X "$_m" "$@" "$VEIL_URL$_p") || STATUS=000
}
CHAT='{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"keyed"}]}'
chat() {	# chat KEY [curl args]
	_k=$1; shift
	req "$_k" POST /v1/chat/completions -H 'Content-Type: application/json' \
	    --data-binary "$CHAT" "$@"
}

# Refused without a key, with the reason and the fix; nothing listens.
for h in 0.0.0.0 ::; do
	P=$(free_port)
	RC=0
	"$VEIL_BIN" serve -f --host "$h" --port "$P" >"$T/out" 2>&1 || RC=$?
	[ "$RC" = 1 ] || fail "--host $h without a key: exit $RC"
	grep -q "refusing to listen on $h without an API key" "$T/out" ||
	    fail "no reason given: $(cat "$T/out")"
	grep -q -- '--api-key or OG_VEIL_API_KEY' "$T/out" ||
	    fail "no fix named: $(cat "$T/out")"
	! curl -s "http://127.0.0.1:$P/health" >/dev/null 2>&1 ||
	    fail "something answers on $P"
done
# The detached form says the same and leaves no server behind.
RC=0
"$VEIL_BIN" serve --host 0.0.0.0 --port "$(free_port)" >"$T/out" 2>&1 || RC=$?
[ "$RC" != 0 ] || fail "detached serve on 0.0.0.0 without a key started"
grep -q "without an API key" "$T/out" || fail "detached: $(cat "$T/out")"
[ ! -e "$OG_VEIL_HOME/og-veil.pid" ] || fail "pidfile left behind"

# With --api-key on 0.0.0.0 (spoken to over 127.0.0.1 only).
KEY='s3cret-Key_0123456789'
veil_start --host 0.0.0.0 --api-key "$KEY"
grep -q 'listening on http://0.0.0.0:' "$T/veil.log" || fail "not on 0.0.0.0"
chat ""
expect_status 401
expect_json error.type veil_error
expect_json error.code invalid_api_key
expect_header WWW-Authenticate Bearer
expect_body_contains 'Authorization: Bearer'
expect_body_lacks "$KEY"
chat "wrong-key"
expect_status 401
chat "${KEY}x"
expect_status 401
chat "s3cret"
expect_status 401
req "" GET /v1/models
expect_status 401
req "" POST /v1/chat/completions -H "Authorization: Basic $KEY" \
    -H 'Content-Type: application/json' --data-binary "$CHAT"
expect_status 401
chat "$KEY"
expect_status 200
expect_header X-OpenGradient-Verified true
expect_json choices.0.message.content 'Echo: keyed'
req "$KEY" GET /v1/models
expect_status 200
# The key is the guard: a foreign Host with the key passes, without it not.
req "$KEY" GET /v1/models -H 'Host: evil.example'
expect_status 200
req "" GET /v1/models -H 'Host: evil.example'
expect_status 401
# An Origin is still refused with the key (no CORS unless allowed).
chat "$KEY" -H 'Origin: https://evil.example'
expect_status 403

# /health: no key needed, no secret inside.
req "" GET /health
expect_status 200
expect_json logged_in true
expect_json status ok
python3 - "$T/bundle.json" "$T/body" <<'PYEOF'
import json, sys
bundle = json.load(open(sys.argv[1]))
body = open(sys.argv[2]).read()
health = json.loads(body)
allowed = {"status", "tee_id", "tee_endpoint", "version", "logged_in",
           "registry_source", "registry_age", "quarantined"}
extra = set(health) - allowed
if extra:
    sys.exit("health has unexpected fields %s" % sorted(extra))
def strings(v):
    if isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, str):
        yield v
# Every string of the login bundle long enough to be a secret or an
# identity (tokens, email, wallet), except the public URLs and TEE data.
for s in strings(bundle):
    if len(s) >= 8 and not s.startswith("http") and s in body:
        sys.exit("health reveals a bundle value: %s..." % s[:6])
for w in ("token", "email", "@", "Bearer", "refresh"):
    if w in body:
        sys.exit("health mentions %r" % w)
PYEOF
veil_stop

# OG_VEIL_API_KEY on loopback: the same guard.
OG_VEIL_API_KEY=env-Key-42 veil_start
chat ""
expect_status 401
chat "og-veil"
expect_status 401
chat "env-Key-42"
expect_status 200
req "" GET /health
expect_status 200
# --api-key overrides the environment.
veil_stop
OG_VEIL_API_KEY=env-Key-42 veil_start --api-key flag-Key-43
chat "env-Key-42"
expect_status 401
chat "flag-Key-43"
expect_status 200
expect_nowhere flag-Key-43
expect_nowhere env-Key-42

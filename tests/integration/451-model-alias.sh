# 451-model-alias: --model-alias (flag, environment, -c file) maps an
# agent's model name before sealing: the answer is verified against the
# model the enclave ran and names it; dated snapshots of listed models and
# pattern aliases; /v1/models and `og-veil models` show the aliases; an
# unlisted name is sent as asked with one hint in the log; a malformed
# alias is refused with a message.
devnet_start
veil_login

# A malformed alias: serve refuses to start, saying what is expected.
for bad in 'claude-opus-5-5' '=x' 'a=b=c' '*=x' 'a*b=c'; do
	rc=0
	"$VEIL_BIN" serve -f --port "$(free_port)" --model-alias "$bad" \
	    >"$T/bad.out" 2>&1 || rc=$?
	[ "$rc" != 0 ] || fail "serve accepted --model-alias $bad"
	grep -q 'model alias' "$T/bad.out" ||
	    fail "no actionable message for $bad: $(cat "$T/bad.out")"
done

cat >"$T/veil.env" <<'CONF'
OG_VEIL_MODEL_ALIASES=gpt-5-codex=gpt-5.5
CONF
OG_VEIL_MODEL_ALIASES='claude-*=claude-sonnet-4-6 x=y' veil_start \
    -c "$T/veil.env" --model-alias claude-opus-5-5=claude-opus-4-8

# model asked -> model run (the devnet answers with the model it was sent).
for pair in claude-opus-5-5:claude-opus-4-8 \
    anthropic/claude-opus-5-5:claude-opus-4-8 \
    claude-opus-5-5-20261101:claude-opus-4-8 \
    gpt-5-codex:gpt-5.5 \
    claude-haiku-4-5-20251001:claude-haiku-4-5 \
    claude-fable-9:claude-sonnet-4-6 \
    claude-opus-4-8:claude-opus-4-8 \
    openai/gpt-5:gpt-5; do
	asked=${pair%%:*} want=${pair#*:}
	chat_post '{"model":"'"$asked"'","messages":[{"role":"user","content":"m '"$asked"'"}]}'
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_json model "$want"
	expect_json choices.0.message.content "Echo: m $asked"
	chat_post '{"model":"'"$asked"'","stream":true,"messages":[{"role":"user","content":"s"}]}'
	expect_status 200
	expect_body_contains '"model":"'"$want"'"'
	[ "$asked" = "$want" ] || expect_body_lacks "\"model\":\"$asked\""
done

# An unlisted name without alias: sent as asked, one hint in the log.
chat_post '{"model":"gpt-9-preview","messages":[{"role":"user","content":"u"}]}'
expect_status 200
expect_json model gpt-9-preview
chat_post '{"model":"gpt-9-preview","messages":[{"role":"user","content":"u"}]}'
[ "$(grep -c 'model "gpt-9-preview" is not one the network lists' "$T/veil.log")" = 1 ] ||
    fail "expected one hint for gpt-9-preview: $(grep gpt-9 "$T/veil.log")"
grep -q -- '--model-alias gpt-9-preview=MODEL' "$T/veil.log" ||
    fail "the hint does not say how to alias"

# /v1/models: the exact aliases after the models, with alias_for.
api_get /v1/models
expect_status 200
python3 - "$T/body" <<'PY' || fail "/v1/models aliases: $(cat "$T/body")"
import json, sys
d = json.load(open(sys.argv[1]))['data']
al = {m['id']: m['alias_for'] for m in d if 'alias_for' in m}
assert al == {'claude-opus-5-5': 'claude-opus-4-8', 'gpt-5-codex': 'gpt-5.5',
    'x': 'y'}, al
assert all(m['object'] == 'model' for m in d)
assert not any('*' in m['id'] for m in d)
PY
api_get /v1/models/claude-opus-5-5
expect_status 200
expect_json alias_for claude-opus-4-8
api_get /v1/models/claude-nope
expect_status 404

# og-veil models from the running server, then from the configuration.
"$VEIL_BIN" models --port "$VEIL_PORT" >"$T/models.out" 2>&1 ||
    fail "og-veil models failed"
grep -qx 'claude-opus-5-5 -> claude-opus-4-8' "$T/models.out" ||
    fail "og-veil models lacks the alias: $(cat "$T/models.out")"
grep -qx 'gpt-5.5' "$T/models.out" || fail "og-veil models lacks gpt-5.5"
veil_stop
OG_VEIL_MODEL_ALIASES='claude-*=claude-sonnet-4-6' "$VEIL_BIN" models \
    >"$T/models.out" 2>&1 || fail "og-veil models (offline) failed"
grep -qx 'claude-\* -> claude-sonnet-4-6' "$T/models.out" ||
    fail "offline og-veil models lacks the pattern: $(cat "$T/models.out")"

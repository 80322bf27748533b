# 360-review-unsigned: a gateway that puts text outside what the enclave
# signs (PROTOCOL.md §8: choices[0] content or tool calls only) beside a
# valid signature: og-veil delivers the verified answer and none of that
# text (second choice, refusal, reasoning, top-level fields, content beside
# signed tool calls, tool calls beside signed text), plain and streamed.
# tls: no
devnet_start
veil_login
veil_start

fault unsigned-extra
TOOLS='"tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}}]'
for body in \
    '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hello there"}]}' \
    '{"model":"gpt-4.1-mini","stream":true,"messages":[{"role":"user","content":"hello there"}]}' \
    '{"model":"gpt-4.1-mini","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hello there"}]}' \
    '{"model":"gpt-4.1-mini",'"$TOOLS"',"messages":[{"role":"user","content":"weather?"}]}' \
    '{"model":"gpt-4.1-mini","stream":true,'"$TOOLS"',"messages":[{"role":"user","content":"weather?"}]}'; do
	chat_post "$body"
	expect_status 200
	expect_header X-OpenGradient-Verified true
	expect_body_lacks UNSIGNED-
	case $body in
	*get_weather*) expect_body_contains get_weather ;;
	*) expect_body_contains Echo ;;
	esac
done
# The plain text answer: one choice, content only.
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"hello there"}]}'
expect_status 200
python3 - "$T/body" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert len(d["choices"]) == 1, d
m = d["choices"][0]["message"]
assert m["content"].startswith("Echo"), m
assert "tool_calls" not in m and "refusal" not in m, m
assert d["opengradient_verification"]["verified"] is True
PY
fault_clear
chat_post '{"model":"gpt-4.1-mini","messages":[{"role":"user","content":"fine again"}]}'
expect_status 200

# 564-float-budget: the work one request may do on the loop is bounded.
# A non-integer number in a field the enclave gets is formatted
# shortest-round-trip for its digest on og-veil's one loop, so a body may
# hold at most 65536 of them, wherever they are (BUDGET_MAX_FLOATS): one
# with 70000 gets 413 request_too_large naming the bound when it is
# parsed, before anything else is done with it (before: served).  One
# with 60000 is processed as any body (served: the unknown field never
# reaches the enclave), and the server goes on.
devnet_start
veil_login
veil_start --max-body 2m
python3 - "$T" <<'PYEOF'
import sys
t = sys.argv[1]
def floats(path, n):
    with open(path, "w") as f:
        f.write('{"model":"gpt-4.1-mini","messages":[{"role":"user",'
                '"content":"x"}],"junk":[' +
                ",".join("%d.123456789" % i for i in range(n)) + "]}")
floats(t + "/f70k.json", 70000)
floats(t + "/f60k.json", 60000)
PYEOF
chat_post @"$T/f70k.json"
expect_status 413
expect_json error.code request_too_large
expect_body_contains 'more than 65536 non-integer numbers'
chat_post @"$T/f60k.json"
expect_status 200
expect_json choices.0.message.content 'Echo: x'
chat_post '{"model":"gpt-4.1-mini","temperature":0.7,"top_p":0.95,"messages":[{"role":"user","content":"after"}]}'
expect_status 200
expect_json choices.0.message.content 'Echo: after'

# 404-dialect-malformed: an Anthropic and a Responses request with every
# field in turn removed or replaced by a value of each other JSON type
# (null, a number, a string, an array, an object), and a few bodies that
# are no request at all: each gets a verified 200 or a 4xx in the
# dialect's own envelope, never a 5xx or a dropped connection; og-veil,
# run under valgrind, keeps serving and exits without a leak.
# timeout: 360 (every field of two dialects in turn: 108 s seen under load)
devnet_start
veil_login
veil_start_valgrind

python3 - "$T" <<'PYEOF'
import copy, json, os, sys
T = sys.argv[1]
bases = {
    'messages': {'model': 'claude-sonnet-4-5', 'max_tokens': 20,
        'system': [{'type': 'text', 'text': 's'}],
        'tools': [{'name': 'Bash', 'input_schema': {'type': 'object',
            'properties': {'command': {'type': 'string'}},
            'required': ['command']}}],
        'tool_choice': {'type': 'auto'},
        'messages': [
            {'role': 'user', 'content': [{'type': 'text', 'text': 'q'},
                {'type': 'image', 'source': {'type': 'base64',
                 'media_type': 'image/png', 'data': 'AA'}}]},
            {'role': 'assistant', 'content': [{'type': 'tool_use',
                'id': 't', 'name': 'Bash', 'input': {'command': 'ls'}}]},
            {'role': 'user', 'content': [{'type': 'tool_result',
                'tool_use_id': 't', 'content': [{'type': 'text',
                'text': 'r'}]}]}]},
    'responses': {'model': 'gpt-5', 'instructions': 'i',
        'text': {'format': {'type': 'json_schema', 'name': 'n',
            'schema': {'type': 'object'}}},
        'tools': [{'type': 'function', 'name': 'f', 'parameters':
            {'type': 'object'}}, {'type': 'custom', 'name': 'c'},
            {'type': 'namespace', 'tools': [{'type': 'function',
            'name': 'g'}]}],
        'input': [{'type': 'message', 'role': 'user', 'content': [
            {'type': 'input_text', 'text': 'q'}, {'type': 'input_image',
             'image_url': 'data:image/png;base64,AA'}]},
            {'type': 'function_call', 'call_id': 'c1', 'name': 'f',
             'arguments': '{}'},
            {'type': 'function_call_output', 'call_id': 'c1',
             'output': [{'type': 'input_text', 'text': 'o'}]}]},
}
vals = [None, 7, 's', [], {'x': [1]}]
def paths(v, p=()):
    yield p
    if isinstance(v, dict):
        for k in v:
            yield from paths(v[k], p + (k,))
    elif isinstance(v, list):
        for i, x in enumerate(v):
            yield from paths(x, p + (i,))
def put(v, p, new, remove=False):
    v = copy.deepcopy(v)
    if not p:
        return new
    c = v
    for k in p[:-1]:
        c = c[k]
    if remove:
        del c[p[-1]]
    else:
        c[p[-1]] = new
    return v
n = 0
for route, b in bases.items():
    for p in list(paths(b)):
        muts = [put(b, p, x) for x in vals]
        if p:
            muts.append(put(b, p, None, remove=True))
        for m in muts:
            with open(os.path.join(T, 'm-%s-%04d.json' % (route, n)), 'w') as f:
                json.dump(m, f)
            n += 1
for i, raw in enumerate(['', '[]', '"x"', '{"model":', 'null']):
    for route in bases:
        with open(os.path.join(T, 'm-%s-raw%d.json' % (route, i)), 'w') as f:
            f.write(raw)
PYEOF

# One client process for all of them (a curl and a python per request
# cost more than og-veil under valgrind): a new connection each, as curl.
n=$(python3 - "$T" "$VEIL_PORT" <<'PYEOF'
import glob, http.client, json, os, sys
T, port = sys.argv[1], int(sys.argv[2])
n = 0
for f in sorted(glob.glob(os.path.join(T, 'm-*.json'))):
    name = os.path.basename(f)
    route = name[2:].split('-')[0]
    body = open(f, 'rb').read()
    try:
        c = http.client.HTTPConnection('127.0.0.1', port, timeout=60)
        c.request('POST', '/v1/' + route, body,
            {'Content-Type': 'application/json'})
        r = c.getresponse()
        status, data = r.status, r.read()
        c.close()
    except (OSError, http.client.HTTPException) as e:
        sys.exit('%s: no answer: %r' % (name, e))
    if status != 200 and not 400 <= status <= 499:
        sys.exit('%s: status %d: %r' % (name, status, data[:300]))
    if status != 200:
        try:
            v = json.loads(data)
        except ValueError:
            v = None
        ok = (isinstance(v, dict) and isinstance(v.get('error'), dict)
            and 'type' in v['error'])
        if route == 'messages' and not (ok and v.get('type') == 'error'):
            sys.exit('%s: no Anthropic envelope: %r' % (name, data[:300]))
        if not ok:
            sys.exit('%s: no OpenAI envelope: %r' % (name, data[:300]))
    n += 1
print(n)
PYEOF
) || fail "a mutated request was not answered as it should"
note "$n mutated requests answered"

STATUS=$(curl -sS -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"model":"gpt-5","input":"still here"}' "$VEIL_URL/v1/responses")
expect_status 200
expect_json output.0.content.0.text 'Echo: still here'

veil_stop_valgrind

# common.sh: the shell helpers the integration cases (through lib.sh), the
# demo (contrib/demo.sh) and the bench (tests/bench/bench.sh) share.
# Sourced; POSIX sh and python3.
#
#   jget FILE dotted.path    print a value of a JSON file
#   free_port                a free TCP port on 127.0.0.1

jget() {
	python3 - "$1" "$2" <<'PYEOF'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split('.') if sys.argv[2] else []:
    if isinstance(v, list):
        v = v[int(k)]
    else:
        v = v[k]
if isinstance(v, bool):
    print("true" if v else "false")
elif v is None:
    print("null")
elif isinstance(v, (dict, list)):
    print(json.dumps(v))
else:
    print(v)
PYEOF
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

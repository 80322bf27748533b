#!/bin/sh
# bench.sh: `make bench`.  Prints the speed and memory figures of issue 7
# and writes them to bench/results.json:
#   1. floor: the per-request cryptography alone (tests/bench/floor.c)
#   2. non-streaming load with wrk at 1, 16 and 64 connections against
#      og-veil in front of og-veil-devnet --bench: requests/s, p50/p99,
#      og-veil CPU µs per request (user+sys from /proc) and its ratio to
#      the floor
#   3. streaming scale: BENCH_STREAMS (5000) agents holding streams at once,
#      all verified; og-veil's peak RSS and RSS per open stream
#   4. upstream TCP connections opened per 1000 requests (devnet /stats)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
O=${O:-build}
case $O in /*) ;; *) O=$top/$O ;; esac
DUR=${BENCH_SECONDS:-10}
STREAMS=${BENCH_STREAMS:-5000}
tmp=$(mktemp -d /tmp/og-veil-bench.XXXXXX)
pids=
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	sleep 0.5
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

jq_() { python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)

start_net() {	# start_net DEVNET-FLAGS...
	rm -f "$tmp/devnet.json"
	"$O/og-veil-devnet" --state "$tmp/devnet.json" --bundle "$tmp/bundle.json" \
	    "$@" >"$tmp/devnet.log" 2>&1 &
	dpid=$!; pids="$pids $dpid"
	i=0; while [ ! -s "$tmp/devnet.json" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
	admin=$(jq_ "$tmp/devnet.json" admin_url)
	export OG_VEIL_HOME=$tmp/home-$dpid
	"$O/og-veil" login --manual <"$tmp/bundle.json" >/dev/null || exit 1
	port=$(free_port)
	"$O/og-veil" serve -f --port "$port" >"$tmp/veil.log" 2>&1 &
	vpid=$!; pids="$pids $vpid"
	url=http://127.0.0.1:$port
	i=0; while ! curl -sf "$url/health" >/dev/null 2>&1 && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
	# Warm up: registry fetched, TEE selected, pools filled.
	curl -sf -o /dev/null -H 'Content-Type: application/json' \
	    -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"warm"}]}' \
	    "$url/v1/chat/completions" || { tail "$tmp/veil.log"; exit 1; }
}

stop_net() {
	kill "$vpid" "$dpid" 2>/dev/null
	while kill -0 "$vpid" 2>/dev/null || kill -0 "$dpid" 2>/dev/null; do sleep 0.1; done
}

echo "== 1. floor: the cryptography og-veil cannot avoid"
"$O/tests/bench/floor" 2000 >"$tmp/floor.out" || exit 1
head -n 5 "$tmp/floor.out" | sed 's/^/  /'
tail -n 1 "$tmp/floor.out" >"$tmp/floor.json"
floor=$(jq_ "$tmp/floor.json" floor_us_per_request)

echo "== 2. non-streaming: wrk against og-veil (devnet --bench)"
start_net --bench --stream-delay-ms 0
printf '  %5s %10s %9s %9s %12s %9s\n' conns req/s p50_ms p99_ms cpu_us/req verified
: >"$tmp/levels"
for c in 1 16 64; do
	t0=$(cpu_ticks "$vpid")
	conn0=$(curl -sf "$admin/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("relay_connections",0))')
	wrk -t 2 -c "$c" -d "${DUR}s" --timeout 30s -s tests/bench/post.lua \
	    "$url/v1/chat/completions" >"$tmp/wrk-$c.out" 2>&1
	t1=$(cpu_ticks "$vpid")
	conn1=$(curl -sf "$admin/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("relay_connections",0))')
	python3 - "$tmp/wrk-$c.out" "$c" "$t0" "$t1" "$hz" "$conn0" "$conn1" "$DUR" >>"$tmp/levels" <<'PY'
import json, re, sys
out, c, t0, t1, hz, k0, k1, dur = sys.argv[1:]
m = re.search(r'BENCH verified=(\d+) bad=(\d+) requests=(\d+) errors=(\d+) p50_us=(\d+) p99_us=(\d+) duration_us=(\d+)', open(out).read())
if not m:
    print(json.dumps({"conns": int(c), "error": open(out).read()[-300:]})); sys.exit(0)
v, b, n, e, p50, p99, d = map(int, m.groups())
cpu_us = (int(t1) - int(t0)) * 1e6 / int(hz)
print(json.dumps({"conns": int(c), "rps": round(n / (d / 1e6), 1), "p50_ms": p50 / 1000, "p99_ms": p99 / 1000,
  "requests": n, "verified": v, "bad": b, "errors": e, "cpu_us_per_request": round(cpu_us / max(n, 1), 1),
  "upstream_connections": int(k1) - int(k0)}))
PY
	tail -n 1 "$tmp/levels" | python3 -c 'import json,sys; r=json.load(sys.stdin); print("  %5d %10.1f %9.2f %9.2f %12.1f %9s" % (r["conns"], r.get("rps",0), r.get("p50_ms",0), r.get("p99_ms",0), r.get("cpu_us_per_request",0), "%d/%d" % (r.get("verified",0), r.get("requests",0))))'
done
stop_net

echo "== 3. streaming scale: $STREAMS agents holding streams at once"
start_net --stream-delay-ms 400
base_rss=$(awk '/VmRSS/ {print $2}' "/proc/$vpid/status")
BENCH_STREAM=1 wrk -t 2 -c "$STREAMS" -d 12s --timeout 60s -s tests/bench/post.lua \
    "$url/v1/chat/completions" >"$tmp/wrk-stream.out" 2>&1
peak_rss=$(awk '/VmHWM/ {print $2}' "/proc/$vpid/status")
grep -E 'BENCH|Socket errors' "$tmp/wrk-stream.out" | sed 's/^/  /'
grep -iE 'open-file|file limit|RLIMIT' "$tmp/veil.log" | head -n 2 | sed 's/^/  og-veil: /'
stop_net

python3 - "$tmp/floor.json" "$tmp/levels" "$tmp/wrk-stream.out" "$base_rss" "$peak_rss" "$STREAMS" <<'PY'
import json, os, re, subprocess, sys
floor = json.load(open(sys.argv[1]))
levels = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
m = re.search(r'BENCH verified=(\d+) bad=(\d+) requests=(\d+) errors=(\d+)', open(sys.argv[3]).read())
sv, sb, sn, se = map(int, m.groups()) if m else (0, 0, 0, -1)
base_rss, peak_rss, streams = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
l64 = next((l for l in levels if l.get("conns") == 64), {})
cpu = l64.get("cpu_us_per_request")
ups = sum(l.get("upstream_connections", 0) for l in levels)
reqs = sum(l.get("requests", 0) for l in levels)
try:
    commit = subprocess.check_output(["git", "rev-parse", "--short", "HEAD"], text=True).strip()
except Exception:
    commit = "unknown"
cpu_model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
res = {
    "floor_us_per_request": floor["floor_us_per_request"],
    "floor_detail": floor,
    "cpu_us_per_request": cpu,
    "cpu_ratio": round(cpu / floor["floor_us_per_request"], 2) if cpu else None,
    "levels": levels,
    "rps": {str(l["conns"]): l.get("rps") for l in levels},
    "p50_ms": {str(l["conns"]): l.get("p50_ms") for l in levels},
    "p99_ms": {str(l["conns"]): l.get("p99_ms") for l in levels},
    "streams_total": sn, "streams_verified": sv, "stream_errors": sb + max(se, 0),
    "streams_concurrent": streams,
    "peak_rss_mb": round(peak_rss / 1024, 1),
    "rss_kb_per_stream": round((peak_rss - base_rss) / max(streams, 1), 1),
    "upstream_connections_per_1000_requests": round(ups * 1000 / max(reqs, 1), 2),
    "machine": {"cores": os.cpu_count(), "cpu_model": cpu_model},
    "commit": commit,
}
os.makedirs("bench", exist_ok=True)
json.dump(res, open("bench/results.json", "w"), indent=2)
print("== summary (bench/results.json)")
print("  floor µs/request (RSA-2048)        %8.1f" % res["floor_us_per_request"])
print("  og-veil CPU µs/request (64 conns)  %8s" % cpu)
print("  cpu_ratio (target <= 2.0)          %8s" % res["cpu_ratio"])
print("  streams verified / total           %d / %d (errors %d)" % (sv, sn, res["stream_errors"]))
print("  peak RSS                           %8.1f MB (target <= 200)" % res["peak_rss_mb"])
print("  RSS per open stream                %8.1f KB" % res["rss_kb_per_stream"])
print("  upstream conns per 1000 requests   %8.2f" % res["upstream_connections_per_1000_requests"])
PY

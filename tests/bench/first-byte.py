#!/usr/bin/env python3
# first-byte.py URL STREAMS AT_ONCE: time to first byte and time to
# verified content of og-veil streams (issue 11), STREAMS streams, AT_ONCE
# in flight.  First byte: the status line, sent at the commit (after
# --first-byte) or with the verified answer when it came sooner.  Verified
# content: the first "data: {" event with a delta, which og-veil writes only
# after the whole stream verified.  Prints one JSON line (seconds, p50 and
# p99 of each, how many streams committed before verification).
import json
import socket
import sys
import threading
import time
from urllib.parse import urlparse

url, total, at_once = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
u = urlparse(url)
body = json.dumps({"model": "gpt-4.1", "stream": True, "messages": [
    {"role": "user", "content": "time my first byte please"}]}).encode()
req = (b"POST /v1/chat/completions HTTP/1.1\r\nHost: %s\r\n"
       b"Content-Type: application/json\r\nContent-Length: %d\r\n"
       b"Connection: close\r\n\r\n" % (u.netloc.encode(), len(body)) + body)
results, lock = [], threading.Lock()
todo = iter(range(total))


def one():
    s = socket.create_connection((u.hostname, u.port), timeout=120)
    t0 = time.monotonic()
    s.sendall(req)
    first = content = None
    committed = False
    buf = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        now = time.monotonic()
        if first is None:
            first = now - t0
        buf += d
        if content is None and b'"delta":{"role"' in buf:
            content = now - t0
            committed = b"og-veil verifying" in buf
        if b"data: [DONE]" in buf:
            break
    s.close()
    with lock:
        results.append((first, content, committed))


def worker():
    while True:
        with lock:
            i = next(todo, None)
        if i is None:
            return
        try:
            one()
        except OSError:
            with lock:
                results.append((None, None, False))


ts = [threading.Thread(target=worker) for _ in range(at_once)]
for t in ts:
    t.start()
for t in ts:
    t.join()


def pct(v, p):
    v = sorted(x for x in v if x is not None)
    if not v:
        return None
    return round(v[min(len(v) - 1, int(p / 100 * len(v)))], 3)


fb = [r[0] for r in results]
vc = [r[1] for r in results]
print(json.dumps({
    "streams": total, "at_once": at_once,
    "verified": sum(1 for r in results if r[1] is not None),
    "committed": sum(1 for r in results if r[2]),
    "first_byte_p50_s": pct(fb, 50), "first_byte_p99_s": pct(fb, 99),
    "verified_content_p50_s": pct(vc, 50),
    "verified_content_p99_s": pct(vc, 99)}))

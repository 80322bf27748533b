# 361-review-head: HEAD on every route answers headers only (evhttp 2.1
# wrote the body and no Content-Length, so on a kept-alive connection the
# body was read as the next response), and the connection goes on serving.
# tls: no
devnet_start
veil_login
veil_start

python3 - "$VEIL_PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
for path in ("/health", "/v1/models", "/v1/models/gpt-4.1-mini",
    "/v1/models/nope", "/v1/chat/completions", "/nope"):
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(5)
    s.sendall(("HEAD %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Authorization: Bearer og-veil\r\n\r\n" % path).encode())
    time.sleep(0.2)
    s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Connection: close\r\n\r\n")
    out = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        out += b
    s.close()
    head, sep, rest = out.partition(b"\r\n\r\n")
    assert sep, (path, out)
    assert rest.startswith(b"HTTP/1.1 200 "), (path, out)
    assert b"content-length:" in head.lower(), (path, head)
    print("HEAD %s: headers only" % path)
PY

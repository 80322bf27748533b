"""raw-http.py PORT [OPTION | PART]...: one raw HTTP exchange, for the
requests no HTTP client sends (cases 332, 553, 562).

Connects to 127.0.0.1:PORT, sends the request the PARTs make, in order,
reads until the server closes and writes the bytes that came to stdout.
A PART is text with backslash escapes ('\\r\\n'), or
  --repeat TEXT N   TEXT N times
  --headers N LEN   N headers 'X-H00000: vvv...' (LEN v's), each + CRLF
Options:
  --halfclose       shut the write side with the request (SHUT_WR); the
                    request's bytes are held (TCP_CORK) so that the FIN
                    goes in their segment: the server sees the whole
                    request and the half-close at once, never an answer
                    sent before the FIN left
  --wait S          seconds to wait for the server's close (20)
  --timeout-ok      no close within --wait ends the read; else exit 3
  --reset-ok        a failed send or a reset ends the exchange; else exit 3
Writes the bytes that came in any case.
"""
import socket
import sys


def main(argv):
    port, parts, opt = int(argv[0]), [], {"wait": 20.0}
    i = 1
    while i < len(argv):
        a = argv[i]
        if a == "--repeat":
            parts.append(argv[i + 1].encode() * int(argv[i + 2]))
            i += 3
        elif a == "--headers":
            parts.append(b"".join(b"X-H%05d: %s\r\n" %
                                  (k, b"v" * int(argv[i + 2]))
                                  for k in range(int(argv[i + 1]))))
            i += 3
        elif a == "--wait":
            opt["wait"] = float(argv[i + 1])
            i += 2
        elif a in ("--halfclose", "--timeout-ok", "--reset-ok"):
            opt[a] = True
            i += 1
        else:
            parts.append(a.encode().decode("unicode_escape")
                         .encode("latin-1"))
            i += 1
    s = socket.create_connection(("127.0.0.1", port))
    data, why = b"", None
    try:
        if "--halfclose" in opt:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        s.sendall(b"".join(parts))
        if "--halfclose" in opt:
            s.shutdown(socket.SHUT_WR)
    except OSError as e:
        # The server may answer and close before it read everything.
        if "--reset-ok" not in opt:
            why = str(e)
    s.settimeout(opt["wait"])
    try:
        while why is None:
            c = s.recv(65536)
            if not c:
                break
            data += c
    except socket.timeout:
        if "--timeout-ok" not in opt:
            why = "no close within %g s" % opt["wait"]
    except ConnectionResetError as e:
        if "--reset-ok" not in opt:
            why = str(e)
    sys.stdout.buffer.write(data)
    if why is not None:
        sys.stderr.write("raw-http.py: %s\n" % why)
        return 3
    return 0


sys.exit(main(sys.argv[1:]))

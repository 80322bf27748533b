# 204-notify: `serve -f` speaks the sd_notify protocol to $NOTIFY_SOCKET
# (a unix datagram socket this test listens on): READY=1 once it serves,
# STOPPING=1 on SIGTERM.
devnet_start
veil_login
python3 - "$T/notify.sock" "$T/notify.out" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(0.5)
out = open(sys.argv[2], "a")
end = time.time() + 60
while time.time() < end:
    try:
        m = s.recv(4096)
    except socket.timeout:
        continue
    out.write(m.decode() + "\n")
    out.flush()
    if b"STOPPING=1" in m:
        break
PYEOF
lib_track $!
wait_for 10 test -S "$T/notify.sock" || fail "no notify socket"
NOTIFY_SOCKET=$T/notify.sock veil_start
wait_for 20 grep -q "READY=1" "$T/notify.out" || fail "no READY=1: $(cat "$T/notify.out" 2>/dev/null)"
grep -q "STOPPING=1" "$T/notify.out" && fail "STOPPING before SIGTERM"
veil_stop
wait_for 10 grep -q "STOPPING=1" "$T/notify.out" || fail "no STOPPING=1: $(cat "$T/notify.out")"

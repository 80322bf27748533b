#!/bin/sh
# inside.sh: the checks of 610-systemd.sh, run by a oneshot unit inside the
# booted container (systemd as PID 1, private network).  Each check adds
# "ok NAME" or "FAIL NAME: why" to /root/result; the last line is "done".
# The service commands are README's "Running under systemd", word for word.
set -u
R=/root/result
: >"$R"
ok() { echo "ok $1" >>"$R"; }
bad() { echo "FAIL $1: $2" >>"$R"; }
V=/usr/local/bin/og-veil
URL=http://127.0.0.1:11434
PROMPT="prompt-$(cat /proc/sys/kernel/random/uuid)"
CHAT="{\"model\":\"gpt-4.1-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"$PROMPT\"}]"
json() {	# json FILE KEY: a top-level string value
	sed -n "s/.*\"$2\": *\"\([^\"]*\)\".*/\1/p" "$1" | head -n 1
}
waitfor() {	# waitfor SECONDS CMD...
	_n=$(($1 * 10)); shift
	while [ $_n -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1; _n=$((_n - 1))
	done
	return 1
}

# The devnet stands in for the network, inside the container too.
systemd-run --quiet --unit=og-veil-devnet /usr/local/bin/og-veil-devnet \
    --state /root/devnet.json --bundle /root/bundle.json
waitfor 30 test -s /root/bundle.json && ok devnet ||
    { bad devnet "no bundle"; echo done >>"$R"; exit 0; }
sleep 1
ADMIN=$(json /root/devnet.json admin_url)
ACCESS=$(json /root/bundle.json access_token)

# README: sign the service in once, then enable it.
systemd-run --pipe --wait --quiet -p User=og-veil -p DynamicUser=yes \
    -p StateDirectory=og-veil -p StateDirectoryMode=0700 \
    -E OG_VEIL_HOME=/var/lib/og-veil \
    /usr/local/bin/og-veil login --manual < /root/bundle.json \
    >/root/login.out 2>&1 && ok login || bad login "$(cat /root/login.out)"
systemctl daemon-reload
if timeout 90 systemctl enable --now og-veil >/root/enable.out 2>&1 &&
    [ "$(systemctl is-active og-veil)" = active ]; then
	ok enable-now-active
else
	bad enable-now-active "$(cat /root/enable.out; systemctl status og-veil --no-pager 2>&1 | tail -n 20)"
fi
[ "$(systemctl show -p Type --value og-veil)" = notify ] && ok type-notify ||
    bad type-notify "$(systemctl show -p Type og-veil)"
waitfor 20 sh -c "curl -sf $URL/health/ready" || true
waitfor 15 sh -c 'systemctl show -p StatusText --value og-veil | grep -q "serving on"'
st=$(systemctl show -p StatusText --value og-veil)
case $st in "serving on 127.0.0.1:11434 via TEE 0x"*) ok status-text ;;
*) bad status-text "StatusText='$st'" ;; esac
systemctl status og-veil --no-pager >/root/status.out 2>&1
grep -q "Status: \"serving on" /root/status.out && ok systemctl-status ||
    bad systemctl-status "$(cat /root/status.out)"

# A chat completion and a stream, verified, through port 11434.
curl -sS -H 'Content-Type: application/json' -d "$CHAT}" \
    "$URL/v1/chat/completions" >/root/chat.out 2>&1
grep -q '"verified": *true' /root/chat.out && grep -q "Echo: $PROMPT" /root/chat.out &&
    ok chat || bad chat "$(head -c 600 /root/chat.out)"
curl -sS -N -H 'Content-Type: application/json' -d "$CHAT,\"stream\":true}" \
    "$URL/v1/chat/completions" >/root/stream.out 2>&1
grep -q '\[DONE\]' /root/stream.out && grep -q '"verified": *true' /root/stream.out &&
    ok stream || bad stream "$(head -c 600 /root/stream.out)"

# The administrator acts for the service (README: og-veil --service).
$V --service status >/root/svc-status.out 2>&1 && grep -q "ready:       yes" /root/svc-status.out &&
    ok service-status || bad service-status "$(cat /root/svc-status.out)"
$V --service test hello >/root/svc-test.out 2>&1 && ok service-test ||
    bad service-test "$(cat /root/svc-test.out)"

# A warning at warning priority: a tampered answer is refused and logged.
curl -sf -X POST -H 'Content-Type: application/json' \
    -d '{"name": "tamper-output"}' "$ADMIN/fault" >/dev/null
curl -sS -H 'Content-Type: application/json' -d "$CHAT}" \
    "$URL/v1/chat/completions" >/root/tamper.out 2>&1
curl -sf -X POST "$ADMIN/clear" >/dev/null
grep -q '"error"' /root/tamper.out && ok tamper-refused ||
    bad tamper-refused "$(head -c 400 /root/tamper.out)"

# systemctl stop during a stream lets it finish.
curl -sf -X POST -H 'Content-Type: application/json' \
    -d '{"name": "relay-delay", "value": 3000}' "$ADMIN/fault" >/dev/null
curl -sS -N -H 'Content-Type: application/json' -d "$CHAT,\"stream\":true}" \
    "$URL/v1/chat/completions" >/root/drain.out 2>&1 &
cpid=$!
sleep 1
systemctl stop og-veil
wait $cpid
curl -sf -X POST "$ADMIN/clear" >/dev/null
grep -q '\[DONE\]' /root/drain.out && grep -q '"verified": *true' /root/drain.out &&
    ok stop-drains-stream || bad stop-drains-stream "$(head -c 600 /root/drain.out)"
[ "$(systemctl is-active og-veil)" = inactive ] && ok stopped ||
    bad stopped "$(systemctl is-active og-veil)"

# restart, and SIGKILL with Restart=on-failure, come back.
systemctl start og-veil
p1=$(systemctl show -p MainPID --value og-veil)
systemctl restart og-veil
p2=$(systemctl show -p MainPID --value og-veil)
[ "$(systemctl is-active og-veil)" = active ] && [ "$p2" != "$p1" ] &&
    waitfor 20 curl -sf $URL/health && ok restart ||
    bad restart "$p1 -> $p2 $(systemctl is-active og-veil)"
systemctl kill -s KILL og-veil
waitfor 30 sh -c '[ "$(systemctl is-active og-veil)" = active ] &&
    [ "$(systemctl show -p MainPID --value og-veil)" != '"$p2"' ]'
p3=$(systemctl show -p MainPID --value og-veil)
[ "$(systemctl is-active og-veil)" = active ] && [ "$p3" != "$p2" ] &&
    waitfor 20 curl -sf $URL/health && ok sigkill-restarts ||
    bad sigkill-restarts "$p2 -> $p3 $(systemctl status og-veil --no-pager | tail -n 5)"

# The journal: warnings at warning priority, no token, no prompt.
journalctl --sync 2>/dev/null
journalctl -u og-veil -p warning -o cat --no-pager >/root/warn.out 2>&1
grep -qi "verif" /root/warn.out && ok journal-warning ||
    bad journal-warning "$(cat /root/warn.out | tail -n 5)"
journalctl -u og-veil -p info -o cat --no-pager >/root/info.out 2>&1
grep -q "listening on" /root/info.out && ! grep -q "listening on" /root/warn.out &&
    ok journal-info-not-warning || bad journal-info-not-warning "$(tail -n 5 /root/info.out)"
journalctl -u og-veil -o cat --no-pager >/root/all.out 2>&1
if grep -qF "$ACCESS" /root/all.out || grep -qF "$PROMPT" /root/all.out; then
	bad journal-no-secrets "token or prompt in the journal"
else
	ok journal-no-secrets
fi
grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T' /root/all.out &&
    bad journal-no-timestamps "$(head -n 3 /root/all.out)" || ok journal-no-timestamps

# The sandbox stays as tight as it is.
systemd-analyze security og-veil --no-pager >/root/security.out 2>&1
lvl=$(sed -n 's/.*Overall exposure level for og-veil.service: \([0-9.]*\).*/\1/p' /root/security.out)
if [ -n "$lvl" ] && awk "BEGIN { exit !($lvl <= 1.4) }"; then
	ok "security-exposure-$lvl"
else
	bad security-exposure "level '$lvl': $(tail -n 3 /root/security.out)"
fi
echo done >>"$R"

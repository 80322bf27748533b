# 600-options: the one option table (config_options[] in src/config.c)
# feeds getopt, the environment, -c, server.conf and both help texts:
# every global flag is in `og-veil help` and in a command's --help (they
# had drifted: --max-headers and --tee-refresh-interval were in neither),
# in og-veil(1) and, with its variable, in contrib/og-veil.env.example;
# each flag, variable and file line sets the same thing; server.conf
# holds every saved setting; OG_VEIL_HOME="" is an error, not the default.
V=$VEIL_BIN
# A detached server this case starts is killed when it ends, even on failure.
track_daemon() {
	[ -s "$OG_VEIL_HOME/og-veil.pid" ] && lib_track "$(cat "$OG_VEIL_HOME/og-veil.pid")" || true
}
MAN=$TOP/man/og-veil.1
EXAMPLE=$TOP/contrib/og-veil.env.example

"$V" help >"$T/help.out"
"$V" help env >"$T/help-env.out"
sed -n '/^global flags:/,/^In brackets/p' "$T/help.out" >"$T/flags"
grep -q -- "--max-conns" "$T/flags" || fail "help lists no flags: $(cat "$T/help.out")"
flags=$(grep -oE -- '--[a-z][a-z-]+' "$T/flags" | sort -u)
for f in $flags; do
	grep -qF -- "$f " "$T/flags" || grep -qF -- "$f" "$T/flags" ||
	    fail "help lacks $f"
	grep -qE -- "(^|[ (])$f([ ,.)]|$)" "$T/help-env.out" ||
	    fail "og-veil help env lacks $f: $(cat "$T/help-env.out")"
	grep -qF "Fl Fl ${f#--}" "$MAN" || fail "og-veil(1) lacks $f"
done
for f in --max-headers --tee-refresh-interval --max-unverified --allow-host; do
	grep -qF -- "$f" "$T/flags" || fail "og-veil help lacks $f"
done
for e in $(grep -oE 'OG_VEIL_[A-Z_]+' "$T/flags" | sort -u); do
	grep -qF "Ev $e" "$MAN" || fail "og-veil(1) ENVIRONMENT lacks $e"
	grep -qE "^#?$e=" "$EXAMPLE" || fail "og-veil.env.example lacks $e"
done
# Every line the help prints fits 80 columns.
awk 'length > 79 { print; bad = 1 } END { exit bad }' "$T/help.out" \
    "$T/help-env.out" || fail "help lines wider than 79 columns"

# A flag, its variable and its -c line set the same setting (env prints
# what the client uses; server.conf shows the server side below).
"$V" env --port 7101 | grep -qF "127.0.0.1:7101/v1" || fail "--port"
OG_VEIL_PORT=7102 "$V" env | grep -qF "127.0.0.1:7102/v1" || fail "OG_VEIL_PORT"
printf 'OG_VEIL_PORT=7103\n' >"$T/c.env"
"$V" -c "$T/c.env" env | grep -qF "127.0.0.1:7103/v1" || fail "-c OG_VEIL_PORT"
"$V" --config "$T/c.env" env | grep -qF "127.0.0.1:7103/v1" || fail "--config"
# Flags win over -c, which wins over the environment.
OG_VEIL_PORT=7104 "$V" -c "$T/c.env" env --port 7105 |
    grep -qF ":7105/v1" || fail "flag over file"
OG_VEIL_PORT=7104 "$V" -c "$T/c.env" env | grep -qF ":7103/v1" ||
    fail "file over environment"
# Limits: the new flags are refused with their names, as the old ones.
RC=0; "$V" env --max-headers 12 2>"$T/err" || RC=$?
[ "$RC" = 2 ] && grep -qF "invalid max headers" "$T/err" ||
    fail "--max-headers 12: $RC $(cat "$T/err")"
RC=0; OG_VEIL_TEE_REFRESH_INTERVAL=-5 "$V" env 2>"$T/err" || RC=$?
[ "$RC" = 2 ] && grep -qF "(from OG_VEIL_TEE_REFRESH_INTERVAL)" "$T/err" ||
    fail "OG_VEIL_TEE_REFRESH_INTERVAL=-5: $RC $(cat "$T/err")"
RC=0; OG_VEIL_ALLOW_HOSTS="a.example,b c" "$V" env >/dev/null 2>&1 || RC=$?
[ "$RC" = 0 ] || fail "OG_VEIL_ALLOW_HOSTS with a blank: $RC"
RC=0; "$V" env --allow-host "a,b" 2>"$T/err" || RC=$?
[ "$RC" = 2 ] && grep -qF "invalid --allow-host" "$T/err" ||
    fail "--allow-host a,b: $RC $(cat "$T/err")"

# OG_VEIL_HOME="" is an error that says what to do, not the default.
RC=0; OG_VEIL_HOME= "$V" status >"$T/out" 2>"$T/err" || RC=$?
[ "$RC" = 2 ] || fail "OG_VEIL_HOME='': exit $RC: $(cat "$T/out" "$T/err")"
grep -qF "OG_VEIL_HOME must be an absolute path" "$T/err" ||
    fail "OG_VEIL_HOME='': $(cat "$T/err")"
[ ! -e "$T/.opengradient" ] || fail "OG_VEIL_HOME='' used the default home"

# server.conf: every saved setting, read back by -c as it was given.
devnet_start
veil_login
port=$(free_port)
"$V" serve --port "$port" --max-headers 96k --tee-refresh-interval 120 \
    --max-conns 77 --allow-host h1.example --allow-host h2.example \
    --expected-pcr 0x$(printf "ab%.0s" $(seq 32)) >"$T/serve.out" 2>&1 ||
    fail "serve: $(cat "$T/serve.out")"
track_daemon
conf=$OG_VEIL_HOME/server.conf
for l in "OG_VEIL_PORT=$port" OG_VEIL_MAX_HEADERS=98304 \
    OG_VEIL_TEE_REFRESH_INTERVAL=120 OG_VEIL_MAX_CONNS=77 \
    OG_VEIL_ALLOW_HOSTS=h1.example,h2.example OG_VEIL_MAX_BODY= \
    OG_VEIL_MAX_RESPONSE= OG_VEIL_MAX_UNVERIFIED= OG_VEIL_HOST=127.0.0.1 \
    OG_VEIL_APP_URL= OG_VEIL_EXPECTED_PCR_HASH=; do
	grep -q "^$l" "$conf" || fail "server.conf lacks $l: $(cat "$conf")"
done
grep -q "^OG_VEIL_HOME=" "$conf" && fail "server.conf names the home"
"$V" -c "$conf" env | grep -qF "127.0.0.1:$port/v1" || fail "-c server.conf"
"$V" stop >/dev/null

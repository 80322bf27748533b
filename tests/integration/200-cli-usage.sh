# 200-cli-usage: the command line without a server: help and version,
# usage errors (exit 2, one line and the usage), global flags before or
# after the command, env output and precedence, refused values, status
# exit 3 without creating state, built-in models, update, prefixes.
V=$VEIL_BIN

# run CMD...: RC, output in $T/out (stdout) and $T/err (stderr).
run() {
	RC=0
	"$@" >"$T/out" 2>"$T/err" || RC=$?
}
expect_rc() {
	[ "$RC" = "$1" ] || fail "exit $RC, expected $1: $(cat "$T/out" "$T/err")"
}
out_has() {
	grep -qF -- "$1" "$T/out" || fail "stdout lacks '$1': $(cat "$T/out")"
}
err_has() {
	grep -qF -- "$1" "$T/err" || fail "stderr lacks '$1': $(cat "$T/err")"
}

run "$V" -V; expect_rc 0; out_has "og-veil "
run "$V" --version; expect_rc 0
run "$V" -h; expect_rc 0; out_has "usage: og-veil [-hVv] [-c file]"
run "$V" help; expect_rc 0
cp "$T/out" "$T/help.out"
for c in serve stop restart status env models test login logout setup update; do
	grep -q "^  $c " "$T/help.out" || fail "help lacks $c"
	run "$V" "$c" --help; expect_rc 0; out_has "usage: og-veil $c"
	run "$V" help "$c"; expect_rc 0; out_has "usage: og-veil $c"
done
# The page's SYNOPSIS and usage() agree.
run "$V" bogus; expect_rc 2
err_has "og-veil: unknown command: bogus"
err_has "usage: og-veil [-hVv] [-c file] [global-flags] [command [flags]]"
run "$V" s; expect_rc 2; err_has "ambiguous command: s"
run "$V" --bogus; expect_rc 2; err_has "unknown option --bogus"
run "$V" status --bogus; expect_rc 2
err_has "og-veil status: unknown option --bogus"; err_has "usage: og-veil status [--json]"
run "$V" status -x; expect_rc 2; err_has "unknown option -x"
run "$V" env extra; expect_rc 2; err_has "too many arguments"
run "$V" env --port; expect_rc 2; err_has "missing argument for --port"

# env: defaults, environment, flags before and after, alias, api key.
run "$V" env; expect_rc 0
out_has "export OPENAI_BASE_URL=http://127.0.0.1:11434/v1"
out_has "export OPENAI_API_KEY=og-veil"
OG_VEIL_PORT=9000 run "$V" env; out_has "http://127.0.0.1:9000/v1"
OG_VEIL_PORT=9000 run "$V" env --port 9001; out_has "http://127.0.0.1:9001/v1"
OG_VEIL_PORT=9000 run "$V" --port 9002 endpoint; out_has "http://127.0.0.1:9002/v1"
run "$V" -v env --host ::1 --api-key k3y; out_has "http://[::1]:11434/v1"
out_has "export OPENAI_API_KEY=k3y"

# Refused values.
run "$V" env --port 70000; expect_rc 2; err_has "invalid port 70000: must be 1-65535"
run "$V" env --port 0; expect_rc 2; err_has "invalid port 0: must be 1-65535"
OG_VEIL_PORT=70000 run "$V" env; expect_rc 2; err_has "(from OG_VEIL_PORT)"
run "$V" env --expected-pcr 0x1234; expect_rc 2; err_has "invalid expected PCR hash"
run "$V" env --tee-id zz; expect_rc 2; err_has "invalid tee id"
run "$V" env --max-body 1x; expect_rc 2; err_has "invalid max body"
run "$V" env --app-url ftp://x; expect_rc 2; err_has "invalid app URL"
run "$V" env --ca-file "$T/none.pem"; expect_rc 2; err_has "$T/none.pem"
run "$V" env --expected-pcr 0xABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789
expect_rc 0

# -c file, overridden by flags.
printf 'OG_VEIL_PORT=7001\n# comment\nOG_VEIL_API_KEY="abc"\n' >"$T/veil.env"
run "$V" -c "$T/veil.env" env; out_has "http://127.0.0.1:7001/v1"; out_has "=abc"
run "$V" env -c "$T/veil.env" --port 7002; out_has "http://127.0.0.1:7002/v1"
printf 'OG_VEIL_NOPE=1\n' >"$T/bad.env"
run "$V" -c "$T/bad.env" env; expect_rc 2; err_has "unknown setting OG_VEIL_NOPE"

# status when nothing exists: exit 3 and nothing created.
run "$V" status; expect_rc 3; out_has "signed in:   no"; out_has "not running"
[ ! -e "$OG_VEIL_HOME" ] || fail "status created $OG_VEIL_HOME"
run "$V" stat --json; expect_rc 3
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["running"] is False and d["signed_in"] is False and d["pid"] is None, d' "$T/out" ||
    fail "status --json: $(cat "$T/out")"

# models without a server: the built-in list.
run "$V" models; expect_rc 0; out_has "gpt-4.1-mini"
# test without a server: exit 1, says so.
run "$V" test hello; expect_rc 1; err_has "not running"
run "$V" update; expect_rc 0; out_has "changed nothing"
grep -q "git pull" "$T/out" || grep -q "apt-get" "$T/out" || fail "update: $(cat "$T/out")"

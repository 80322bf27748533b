/*
 * cmd-login.c: `og-veil login [--manual] [--no-browser]` and `og-veil
 * logout`.  Login takes the CLI-auth bundle of PROTOCOL.md §1 from the
 * browser (login.c) or, with --manual, from standard input; a bundle that
 * fails validation changes nothing on disk.  The running server sees the
 * new session through the store without a restart.  Tokens never printed.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "og-veil.h"
#include "xmalloc.h"

#define CMD_LOGIN_MANUAL	310
#define CMD_LOGIN_NO_BROWSER	311
#define CMD_LOGIN_ALLOW_HTTP	314

static int	 cmd_login_exec(const struct cmd_entry *, struct cmd_args *);
static int	 cmd_logout_exec(const struct cmd_entry *, struct cmd_args *);

static const struct option cmd_login_options[] = {
	{ "manual", no_argument, NULL, CMD_LOGIN_MANUAL },
	{ "no-browser", no_argument, NULL, CMD_LOGIN_NO_BROWSER },
	{ "allow-http", no_argument, NULL, CMD_LOGIN_ALLOW_HTTP },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_login_entry = {
	.name = "login",
	.args = { "", 0, 0 },
	.options = cmd_login_options,
	.usage = "[--manual] [--no-browser] [--allow-http] [--app-url url]",
	.help = "Sign in with the OpenGradient Chat app: og-veil opens (or "
	    "with --no-browser\nprints) the app's sign-in page, which hands "
	    "the session back to a listener\non 127.0.0.1.  --manual reads the "
	    "session bundle (JSON) from standard input.\n--allow-http accepts "
	    "a bundle naming plain-HTTP auth, relay or RPC URLs\nthat are not "
	    "loopback (the tokens then travel in clear).",
	.exec = cmd_login_exec
};

const struct cmd_entry cmd_logout_entry = {
	.name = "logout",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Remove the saved session; a running server then answers 401 "
	    "until the\nnext `og-veil login`.",
	.exec = cmd_logout_exec
};

/*
 * Sign in (from stdin when manual, else through the browser) and save the
 * session; allow_http accepts plain-HTTP non-loopback URLs in the bundle.
 * An exit status.
 */
int
cmd_login_run(struct cmd_args *args, int manual, int open_browser,
    int allow_http)
{
	const struct veil_config	*cfg = args->cfg;
	struct session			 s;
	struct store			*st;
	char				*text = NULL, errbuf[512];
	size_t				 len = 0;
	long				 pid;
	int				 rc = CMD_EXIT_FAIL;

	memset(&s, 0, sizeof(s));
	if (manual) {
		if (isatty(STDIN_FILENO))
			fprintf(stderr, "Paste the session bundle (JSON) from "
			    "the Chat app, then press Ctrl-D:\n");
		if (cmd_read_all(STDIN_FILENO, AUTH_MAX_BUNDLE, &text,
		    &len) == -1) {
			fprintf(stderr, "og-veil: cannot read the bundle: "
			    "unreadable or larger than %u bytes\n",
			    AUTH_MAX_BUNDLE);
			return (CMD_EXIT_FAIL);
		}
		if (auth_bundle_parse(text, len, &s, errbuf,
		    sizeof(errbuf)) == -1 || auth_session_check_urls(&s,
		    allow_http, errbuf, sizeof(errbuf)) == -1) {
			fprintf(stderr, "og-veil: %s; nothing was saved\n",
			    errbuf);
			goto done;
		}
	} else if (login_listen(cfg->app_url, open_browser, allow_http,
	    LOGIN_TIMEOUT, &s, errbuf, sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		goto done;
	}

	/* Only a valid bundle touches the disk. */
	if ((st = cmd_store_open(cfg)) == NULL)
		goto done;
	if (store_session_save(st, &s) == -1) {
		fprintf(stderr, "og-veil: cannot save the session in %s\n",
		    cfg->home);
		store_close(st);
		goto done;
	}
	store_close(st);
	printf("Signed in as %s (%s)\n", s.user_email != NULL ?
	    s.user_email : "(no email)", s.app_env);
	if (!auth_session_can_serve(&s))
		printf("warning: this login names no TEE registry "
		    "(tee_registry_rpc_url, tee_registry_address): og-veil "
		    "cannot serve until you sign in with a bundle that has "
		    "them\n");
	/* A bundle handed over late: normal, §2 refreshes it. */
	if (token_expired(&s, (int64_t)time(NULL)))
		printf("The access token in this bundle has already expired; "
		    "%s.\n", s.refresh_token != NULL ? "og-veil refreshes it "
		    "before its first use" : "it holds no refresh token, so "
		    "the relay may refuse it: if so, sign in again");
	if (cmd_pidfile_read(cfg, &pid) == 1)
		printf("The running server (pid %ld) uses this login from now "
		    "on.\n", pid);
	rc = CMD_EXIT_OK;
done:
	session_clear(&s);
	if (text != NULL)
		xfree_secret(text, len);
	return (rc);
}

static int
cmd_login_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	(void)self;
	return (cmd_login_run(args, args->flags[CMD_LOGIN_MANUAL] > 0,
	    args->flags[CMD_LOGIN_NO_BROWSER] == 0,
	    args->flags[CMD_LOGIN_ALLOW_HTTP] > 0));
}

static int
cmd_logout_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct store	*st;
	struct session	 s;
	int		 r;

	(void)self;
	if ((st = cmd_store_open(args->cfg)) == NULL)
		return (CMD_EXIT_FAIL);
	r = store_session_load(st, &s);
	session_clear(&s);
	if (r == 1) {
		store_close(st);
		printf("Not signed in.\n");
		return (CMD_EXIT_OK);
	}
	if (store_session_delete(st) == -1) {
		store_close(st);
		fprintf(stderr, "og-veil: cannot remove the session from %s\n",
		    args->cfg->home);
		return (CMD_EXIT_FAIL);
	}
	store_close(st);
	printf("Signed out; run `og-veil login` to sign in again.\n");
	return (CMD_EXIT_OK);
}

/*
 * cmd-status.c: `og-veil status [--json]`: the version, the login (email,
 * app_env, relay and registry of PROTOCOL.md §1), and whether the server
 * runs (pid, address, the active TEE from its GET /health).  Exit 0 when
 * it runs, 3 when it does not.  Never prints a token.
 */
#include "compat.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

#define CMD_STATUS_JSON		300

static int	 cmd_status_exec(const struct cmd_entry *, struct cmd_args *);
static void	 cmd_status_str(struct buf *, const char *, const char *, int);

static const struct option cmd_status_options[] = {
	{ "json", no_argument, NULL, CMD_STATUS_JSON },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.args = { "", 0, 0 },
	.options = cmd_status_options,
	.usage = "[--json]",
	.help = "Show the version, the signed-in account and whether the "
	    "server runs.\nExit status 0 when it runs, 3 when it does not.",
	.exec = cmd_status_exec
};

/* ,"key":"value" or null. */
static void
cmd_status_str(struct buf *b, const char *key, const char *v, int first)
{
	buf_printf(b, "%s\"%s\": ", first ? "" : ", ", key);
	if (v == NULL)
		buf_add_str(b, "null");
	else
		pyjson_write_string(b, v, strlen(v), 0);
}

static int
cmd_status_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	const struct veil_config	*cfg = args->cfg;
	struct session			 s;
	struct store			*st = NULL;
	struct stat			 sb;
	struct json_value		*health = NULL;
	struct buf			 b;
	const char			*tee_id = NULL, *hstatus = NULL;
	const char			*errstr;
	char				*url, *body = NULL, errbuf[256];
	size_t				 len;
	long				 pid = 0;
	int				 signed_in = 0, running, status, r;

	(void)self;
	memset(&s, 0, sizeof(s));
	/* Only look: status creates nothing when there is no state yet. */
	if (stat(cfg->home, &sb) == 0) {
		if ((st = cmd_store_open(cfg)) == NULL)
			return (CMD_EXIT_FAIL);
		r = store_session_load(st, &s);
		store_close(st);
		if (r == -1) {
			fprintf(stderr, "og-veil: cannot read the saved "
			    "login\n");
			return (CMD_EXIT_FAIL);
		}
		signed_in = r == 0;
	}
	running = cmd_pidfile_read(cfg, &pid) == 1;
	if (running && cmd_http(cfg, "GET", "/health", NULL, 0, 5, &status,
	    &body, &len, errbuf, sizeof(errbuf)) == 0) {
		health = json_parse(body, len, NULL, &errstr);
		tee_id = json_get_str(health, "tee_id");
		hstatus = json_get_str(health, "status");
	} else if (running)
		hstatus = "not answering";
	url = config_base_url(cfg);

	if (args->flags[CMD_STATUS_JSON]) {
		buf_init(&b);
		buf_add_str(&b, "{");
		cmd_status_str(&b, "version", OG_VEIL_VERSION, 1);
		buf_printf(&b, ", \"signed_in\": %s",
		    signed_in ? "true" : "false");
		cmd_status_str(&b, "email", s.user_email, 0);
		cmd_status_str(&b, "app_env", s.app_env, 0);
		cmd_status_str(&b, "relay_url", s.chat_api_base_url, 0);
		cmd_status_str(&b, "registry_address", s.registry_address, 0);
		cmd_status_str(&b, "rpc_url", s.rpc_url, 0);
		buf_printf(&b, ", \"running\": %s", running ? "true" : "false");
		if (running)
			buf_printf(&b, ", \"pid\": %ld", pid);
		else
			buf_add_str(&b, ", \"pid\": null");
		cmd_status_str(&b, "host", cfg->host, 0);
		buf_printf(&b, ", \"port\": %d", cfg->port);
		cmd_status_str(&b, "base_url", url, 0);
		cmd_status_str(&b, "tee_id", tee_id, 0);
		cmd_status_str(&b, "health", hstatus, 0);
		cmd_status_str(&b, "home", cfg->home, 0);
		buf_add_str(&b, "}\n");
		fwrite(b.data, 1, b.len, stdout);
		buf_clear(&b, 0);
	} else {
		printf("og-veil %s\n", OG_VEIL_VERSION);
		if (signed_in) {
			printf("signed in:   %s\n", s.user_email != NULL ?
			    s.user_email : "(no email in the login)");
			printf("environment: %s\n", s.app_env);
			printf("relay:       %s\n", s.chat_api_base_url);
			if (auth_session_can_serve(&s))
				printf("registry:    %s @ %s\n",
				    s.registry_address, s.rpc_url);
			else
				printf("registry:    none in this login: "
				    "serving is impossible until you sign in "
				    "again with a bundle that names one\n");
		} else
			printf("signed in:   no (run `og-veil login`)\n");
		if (running) {
			printf("server:      running (pid %ld) at %s\n", pid,
			    url);
			printf("TEE:         %s\n", tee_id != NULL ? tee_id :
			    "none selected yet");
			if (hstatus != NULL && strcmp(hstatus, "ok") != 0)
				printf("health:      %s\n", hstatus);
		} else
			printf("server:      not running (start it with "
			    "`og-veil serve`)\n");
	}
	json_free(health);
	free(body);
	free(url);
	session_clear(&s);
	return (running ? CMD_EXIT_OK : CMD_EXIT_NOT_RUNNING);
}

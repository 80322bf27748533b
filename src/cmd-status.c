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
#include <time.h>

#include "bytes.h"
#include "escape.h"
#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "quarantine.h"
#include "xmalloc.h"

#define CMD_STATUS_JSON		300

static int	 cmd_status_exec(const struct cmd_entry *, struct cmd_args *);
static void	 cmd_status_str(struct buf *, const char *, const char *, int);
static void	 cmd_status_registry(const char *, int64_t);

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
	    "server runs.\nExit status 0 when it runs and can serve, 3 when it "
	    "does not run, 4 when it\nruns but cannot serve yet (not logged "
	    "in, no usable TEE), 1 when it does\nnot answer.",
	.flags = CMD_F_CLIENT,
	.exec = cmd_status_exec
};

/* Where the running server's registry came from, and how old it is. */
static void
cmd_status_registry(const char *source, int64_t age)
{
	if (source == NULL || age < 0)
		return;
	if (strcmp(source, "cache") == 0)
		printf("TEE list:    the cached registry, %lld s old: the "
		    "chain cannot be reached (the server keeps trying)\n",
		    (long long)age);
	else
		printf("TEE list:    read from the chain %lld s ago\n",
		    (long long)age);
}

/*
 * Quarantined TEEs (/health "quarantined", or the store's as
 * quarantine_json writes them), one line each: the id, how long until it
 * may be used again, and why (escaped); whence ends each line's note.
 */
static void
cmd_status_quarantined(const struct json_value *q, const char *whence)
{
	const struct json_value	*e;
	const char		*id, *why;
	struct buf		 b;
	int64_t			 in, n;
	size_t			 i;

	if (!json_is(q, JSON_ARRAY))
		return;
	for (i = 0; (e = json_index(q, i)) != NULL; i++) {
		id = json_get_str(e, "tee_id");
		why = json_get_str(e, "reason");
		if (json_to_int64(json_get(e, "retry_in"), &in) == -1)
			in = 0;
		if (json_to_int64(json_get(e, "failures"), &n) == -1)
			n = 1;
		buf_init(&b);
		escape_ctl(&b, id != NULL ? id : "?", strlen(id != NULL ?
		    id : "?"), 0);
		buf_add_str(&b, ": ");
		escape_ctl(&b, why != NULL ? why : "", strlen(why != NULL ?
		    why : ""), 0);
		printf("quarantined: %.*s (failure %lld in a row; not used "
		    "for %lld s more%s)\n", (int)b.len, (const char *)b.data,
		    (long long)n, (long long)in, whence);
		buf_clear(&b, 0);
	}
}

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

/* The headline figures of the server's GET /metrics. */
struct cmd_status_figures {
	int		 have;
	double		 verified;
	double		 refused;
	double		 verify_failed;
	double		 receipts;
};

/* Sum the samples of name (with labels holding want, if given). */
static double
cmd_status_sum(const char *text, const char *name, const char *want)
{
	const char	*p, *eol, *v;
	double		 sum = 0;
	size_t		 n = strlen(name);

	for (p = text; *p != '\0'; p = *eol != '\0' ? eol + 1 : eol) {
		if ((eol = strchr(p, '\n')) == NULL)
			eol = p + strlen(p);
		if (strncmp(p, name, n) != 0 || (p[n] != '{' && p[n] != ' '))
			continue;
		if ((v = memchr(p, ' ', (size_t)(eol - p))) == NULL)
			continue;
		if (want != NULL && (memmem(p, (size_t)(v - p), want,
		    strlen(want)) == NULL))
			continue;
		sum += strtod(v + 1, NULL);
	}
	return (sum);
}

static void
cmd_status_metrics(const struct veil_config *cfg,
    struct cmd_status_figures *f)
{
	char	*body = NULL, errbuf[256];
	size_t	 len;
	int	 status;

	memset(f, 0, sizeof(*f));
	if (cmd_http(cfg, "GET", "/metrics", NULL, 0, 5, &status, &body, &len,
	    errbuf, sizeof(errbuf)) == -1 || status != 200) {
		free(body);
		return;
	}
	f->have = 1;
	f->verified = cmd_status_sum(body, "og_veil_requests_total",
	    "outcome=\"verified\"");
	f->refused = cmd_status_sum(body, "og_veil_requests_total", NULL) -
	    f->verified;
	f->verify_failed = cmd_status_sum(body,
	    "og_veil_verification_failures_total", NULL);
	f->receipts = cmd_status_sum(body, "og_veil_receipts_total",
	    "result=\"written\"");
	free(body);
}

static int
cmd_status_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	const struct veil_config	*cfg = args->cfg;
	struct session			 s;
	struct store			*st = NULL;
	struct stat			 sb;
	struct json_value		*health = NULL, *ready_doc = NULL;
	struct json_value		*stored_doc;
	struct buf			 b;
	const char			*tee_id = NULL, *hstatus = NULL;
	struct cmd_status_figures	 fig;
	struct quarantine		 stored;
	int64_t				 now = (int64_t)time(NULL);
	const char			*rsource = NULL;
	int64_t				 rage = -1;
	const char			*errstr;
	char				*url, *body = NULL, *rbody = NULL;
	char				 errbuf[256];
	size_t				 len;
	long				 pid = 0;
	int				 signed_in = 0, running, status, r;
	int				 answering = 0, ready = 0;

	(void)self;
	memset(&s, 0, sizeof(s));
	quarantine_init(&stored);
	/* Only look: status creates nothing when there is no state yet. */
	if (stat(cfg->home, &sb) == 0) {
		if ((st = cmd_store_open(cfg)) == NULL)
			return (CMD_EXIT_FAIL);
		r = store_session_load(st, &s);
		/* What a stopped server will honour when it starts. */
		if (r != -1 && store_quarantine_load(st, &stored) == -1)
			quarantine_clear(&stored);
		store_close(st);
		if (r == -1) {
			fprintf(stderr, "og-veil: cannot read the saved "
			    "login\n");
			return (CMD_EXIT_FAIL);
		}
		signed_in = r == 0;
	}
	running = cmd_pidfile_read(cfg, &pid) == 1;
	/* Liveness and the registry's source from /health. */
	if (running && cmd_http(cfg, "GET", "/health", NULL, 0, 5, &status,
	    &body, &len, errbuf, sizeof(errbuf)) == 0) {
		health = json_parse(body, len, NULL, &errstr);
		tee_id = json_get_str(health, "tee_id");
		answering = 1;
		rsource = json_get_str(health, "registry_source");
		if (json_to_int64(json_get(health, "registry_age"),
		    &rage) == -1)
			rage = -1;
		/* Readiness: 200 serving, else 503 and why not. */
		if (cmd_http(cfg, "GET", "/health/ready", NULL, 0, 5,
		    &status, &rbody, &len, errbuf, sizeof(errbuf)) == 0) {
			ready_doc = json_parse(rbody, len, NULL, &errstr);
			if (status == 200)
				ready = 1;
			else
				hstatus = json_get_str(ready_doc, "reason");
		}
		if (!ready && hstatus == NULL)
			hstatus = "not ready";
	} else if (running)
		hstatus = "not answering";
	memset(&fig, 0, sizeof(fig));
	if (running)
		cmd_status_metrics(cfg, &fig);
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
		buf_printf(&b, ", \"ready\": %s", ready ? "true" : "false");
		cmd_status_str(&b, "health", ready ? "ok" : hstatus, 0);
		cmd_status_str(&b, "registry_source", rsource, 0);
		buf_add_str(&b, ", \"quarantined\": ");
		if (json_is(json_get(health, "quarantined"), JSON_ARRAY))
			pyjson_write(&b, json_get(health, "quarantined"), 0);
		else if (!running)
			quarantine_json(&stored, now, &b);
		else
			buf_add_str(&b, "null");
		if (rage >= 0)
			buf_printf(&b, ", \"registry_age\": %lld",
			    (long long)rage);
		else
			buf_add_str(&b, ", \"registry_age\": null");
		cmd_status_str(&b, "home", cfg->home, 0);
		if (fig.have)
			buf_printf(&b, ", \"answers\": {\"verified\": %.0f, "
			    "\"refused\": %.0f, \"verification_failures\": "
			    "%.0f, \"receipts\": %.0f}", fig.verified,
			    fig.refused, fig.verify_failed, fig.receipts);
		else
			buf_add_str(&b, ", \"answers\": null");
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
			cmd_status_registry(rsource, rage);
			cmd_status_quarantined(json_get(health,
			    "quarantined"), "");
			if (ready)
				printf("ready:       yes\n");
			else
				printf("ready:       no: %s\n", hstatus);
			if (fig.have)
				printf("answers:     %.0f verified, %.0f "
				    "refused (%.0f failed verification), "
				    "%.0f receipts\n", fig.verified,
				    fig.refused,
				    fig.verify_failed, fig.receipts);
		} else {
			printf("server:      not running (start it with "
			    "`og-veil serve`)\n");
			buf_init(&b);
			quarantine_json(&stored, now, &b);
			stored_doc = json_parse((const char *)b.data, b.len,
			    NULL, &errstr);
			buf_clear(&b, 0);
			cmd_status_quarantined(stored_doc,
			    ", as the store remembers");
			json_free(stored_doc);
		}
	}
	quarantine_clear(&stored);
	json_free(health);
	json_free(ready_doc);
	free(body);
	free(rbody);
	free(url);
	session_clear(&s);
	if (!running)
		return (CMD_EXIT_NOT_RUNNING);
	if (!answering)
		return (CMD_EXIT_FAIL);
	return (ready ? CMD_EXIT_OK : CMD_EXIT_NOT_READY);
}

/*
 * cmd-receipts.c: `og-veil receipts [--json] [--since T] [-n N]` lists the
 * receipts of verified answers, newest first; `--export ID` writes one as
 * the self-contained JSON file `og-veil verify --file` and third parties
 * check (og-veil(1) RECEIPTS).  Read-only: it never writes the database.
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "og-veil.h"
#include "pyjson.h"
#include "receipt.h"

#define CMD_RECEIPTS_JSON	300
#define CMD_RECEIPTS_SINCE	301
#define CMD_RECEIPTS_EXPORT	302
#define CMD_RECEIPTS_DEFAULT_N	20

static int	 cmd_receipts_exec(const struct cmd_entry *, struct cmd_args *);

static const struct option cmd_receipts_options[] = {
	{ "json", no_argument, NULL, CMD_RECEIPTS_JSON },
	{ "since", required_argument, NULL, CMD_RECEIPTS_SINCE },
	{ "export", required_argument, NULL, CMD_RECEIPTS_EXPORT },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_receipts_entry = {
	.name = "receipts",
	.args = { "n:", 0, 0 },
	.options = cmd_receipts_options,
	.usage = "[--json] [--since time] [-n count] | --export id",
	.help = "List the receipts of verified answers, newest first (-n 20 "
	    "by default, 0: all;\n--since takes unix seconds, or a duration "
	    "such as 90m, 12h or 7d), or\nprint one receipt as a JSON file "
	    "that `og-veil verify --file` and stock tools check.",
	.exec = cmd_receipts_exec
};

struct cmd_receipts_out {
	int	 json;
	int	 n;
};

/* "1767225600", or a duration back from now: "90s", "30m", "12h", "7d". */
static int
cmd_receipts_since(const char *s, int64_t *out)
{
	const char	*errstr;
	long long	 v;
	size_t		 len = strlen(s);
	int64_t		 unit = 0;

	if (len == 0)
		return (-1);
	switch (s[len - 1]) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	}
	if (unit != 0) {
		char	 num[32];

		if (len - 1 >= sizeof(num) || len == 1)
			return (-1);
		memcpy(num, s, len - 1);
		num[len - 1] = '\0';
		v = strtonum(num, 0, 100LL * 365 * 86400 / unit, &errstr);
		if (errstr != NULL)
			return (-1);
		*out = (int64_t)time(NULL) - (int64_t)v * unit;
		return (0);
	}
	v = strtonum(s, 0, 1LL << 40, &errstr);
	if (errstr != NULL)
		return (-1);
	*out = v;
	return (0);
}

static void
cmd_receipts_print_cb(void *arg, const struct receipt *r)
{
	struct cmd_receipts_out	*o = arg;
	struct buf		 b;
	char			 when[32];
	struct tm		 tm;
	time_t			 t = (time_t)r->created_at;

	if (o->json) {
		buf_init(&b);
		buf_printf(&b, "%s{\"id\": ", o->n++ ? ",\n " : "");
		pyjson_write_string(&b, r->id, strlen(r->id), 0);
		buf_printf(&b, ", \"created_at\": %lld, \"dialect\": ",
		    (long long)r->created_at);
		pyjson_write_string(&b, r->dialect ? r->dialect : "",
		    r->dialect ? strlen(r->dialect) : 0, 0);
		buf_add_str(&b, ", \"model\": ");
		pyjson_write_string(&b, r->model ? r->model : "",
		    r->model ? strlen(r->model) : 0, 0);
		buf_printf(&b, ", \"stream\": %s, \"tee_id\": ",
		    r->stream ? "true" : "false");
		pyjson_write_string(&b, r->tee_id, strlen(r->tee_id), 0);
		buf_add_str(&b, ", \"request_hash\": ");
		pyjson_write_string(&b, r->request_hash,
		    strlen(r->request_hash), 0);
		buf_add_str(&b, ", \"output_hash\": ");
		pyjson_write_string(&b, r->output_hash,
		    strlen(r->output_hash), 0);
		buf_printf(&b, ", \"content_kept\": %s}",
		    r->canonical != NULL ? "true" : "false");
		fwrite(b.data, 1, b.len, stdout);
		buf_clear(&b, 0);
		return;
	}
	if (o->n++ == 0)
		printf("%-29s  %-19s  %-15s  %-6s  %s\n", "ID", "TIME (UTC)",
		    "DIALECT", "STREAM", "TEE");
	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%-29s  %-19s  %-15.15s  %-6s  %.18s…\n", r->id, when,
	    r->dialect != NULL ? r->dialect : "-", r->stream ? "yes" : "no",
	    r->tee_id);
}

static int
cmd_receipts_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct cmd_receipts_out	 o = { 0, 0 };
	struct receipt_store	*rs;
	struct receipt		 r;
	const char		*errstr;
	char			 errbuf[512], *json;
	int64_t			 since = 0;
	long long		 n = CMD_RECEIPTS_DEFAULT_N;
	size_t			 len;
	int			 rv;

	(void)self;
	if (args->values['n'] != NULL) {
		n = strtonum(args->values['n'], 0, 1000000000, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "og-veil: -n %s: give a count from 0 "
			    "(all) up\n", args->values['n']);
			return (CMD_EXIT_USAGE);
		}
	}
	if (args->values[CMD_RECEIPTS_SINCE] != NULL &&
	    cmd_receipts_since(args->values[CMD_RECEIPTS_SINCE], &since) ==
	    -1) {
		fprintf(stderr, "og-veil: --since %s: give unix seconds or a "
		    "duration such as 30m, 12h or 7d\n",
		    args->values[CMD_RECEIPTS_SINCE]);
		return (CMD_EXIT_USAGE);
	}
	if ((rs = receipt_store_open(args->cfg->home, 0, errbuf,
	    sizeof(errbuf))) == NULL) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		return (CMD_EXIT_FAIL);
	}
	if (args->values[CMD_RECEIPTS_EXPORT] != NULL) {
		rv = receipt_store_get(rs, args->values[CMD_RECEIPTS_EXPORT],
		    &r);
		if (rv != 0) {
			fprintf(stderr, "og-veil: %s\n", rv == 1 ?
			    "no receipt has that id (see `og-veil receipts`)" :
			    receipt_store_errmsg(rs));
			receipt_store_close(rs);
			return (CMD_EXIT_FAIL);
		}
		json = receipt_export_json(&r, &len);
		fwrite(json, 1, len, stdout);
		free(json);
		receipt_clear(&r);
		receipt_store_close(rs);
		return (CMD_EXIT_OK);
	}
	o.json = args->flags[CMD_RECEIPTS_JSON] != 0;
	if (o.json)
		printf("[");
	rv = receipt_store_list(rs, since, (size_t)n, cmd_receipts_print_cb,
	    &o);
	if (o.json)
		printf("]\n");
	else if (rv == 0)
		printf("no receipts%s\n", since > 0 ? " in that time" : "");
	if (rv == -1)
		fprintf(stderr, "og-veil: receipts: %s\n",
		    receipt_store_errmsg(rs));
	receipt_store_close(rs);
	return (rv == -1 ? CMD_EXIT_FAIL : CMD_EXIT_OK);
}

/*
 * cmd-test.c: `og-veil test ["prompt"] [--model M] [--stream]`: one
 * verified round trip through the running server, printing the reply and
 * the proof of PROTOCOL.md §9-§10 (tee_id, request_hash, output_hash,
 * timestamp from the opengradient_verification block; for a stream, from
 * the final chunk).  A refused answer prints its error and exits 1.
 * Everything printed that the network chose (the model's text, tee_host,
 * error messages) goes through escape_ctl(): no terminal escape sequence
 * from a model or a registry entry reaches the user's terminal.
 */
#include "compat.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "escape.h"
#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

#define CMD_TEST_MODEL		"gpt-4.1-mini"
#define CMD_TEST_PROMPT		"Say hello in one short sentence."
#define CMD_TEST_TIMEOUT	300
#define CMD_TEST_STREAM		301
#define CMD_TEST_APPEAR		3	/* seconds for a new server's pid */
#define CMD_TEST_START		60	/* and for its /health */

static int	 cmd_test_exec(const struct cmd_entry *, struct cmd_args *);
static void	 cmd_test_content(struct buf *, const struct json_value *);
static void	 cmd_test_hex(const char *, const char *, int);
static int	 cmd_test_proof(const struct json_value *);

static const struct option cmd_test_options[] = {
	{ "model", required_argument, NULL, 'm' },
	{ "stream", no_argument, NULL, CMD_TEST_STREAM },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_test_entry = {
	.name = "test",
	.args = { "m:", 0, 1 },
	.options = cmd_test_options,
	.usage = "[-m model] [--stream] [prompt]",
	.help = "Send one prompt through the running server and print the "
	    "reply and its\nproof (tee_id, request_hash, output_hash, "
	    "timestamp).  The model defaults\nto " CMD_TEST_MODEL ".",
	.flags = CMD_F_CLIENT,
	.exec = cmd_test_exec
};

/* Text of a message or delta content: a string, or the parts' texts. */
static void
cmd_test_content(struct buf *b, const struct json_value *c)
{
	const char	*t;
	size_t		 i;

	if (c == NULL)
		return;
	if (c->type == JSON_STRING) {
		buf_add(b, c->s, c->len);
		return;
	}
	if (c->type != JSON_ARRAY)
		return;
	for (i = 0; i < c->n; i++)
		if ((t = json_get_str(c->items[i], "text")) != NULL)
			buf_add_str(b, t);
}

/*
 * Write pre, the len bytes of s with their control characters escaped
 * (newlines and tabs kept when flags has ESCAPE_KEEP_NL), then post.
 */
static void
cmd_test_print(FILE *fp, const char *pre, const char *s, size_t len,
    int flags, const char *post)
{
	struct buf	b;

	buf_init(&b);
	buf_add_str(&b, pre);
	escape_ctl(&b, s != NULL ? s : "", s != NULL ? len : 0, flags);
	buf_add_str(&b, post);
	fwrite(b.data, 1, b.len, fp);
	buf_clear(&b, 0);
}

/* The same for a NUL-terminated string on one line. */
static void
cmd_test_line(FILE *fp, const char *pre, const char *s, const char *post)
{
	cmd_test_print(fp, pre, s, s != NULL ? strlen(s) : 0, 0, post);
}

/* name: hex value; with want_id as 0x + lower-case hex. */
static void
cmd_test_hex(const char *name, const char *v, int want_id)
{
	size_t	 i;

	if (v == NULL) {
		printf("%-13s (missing)\n", name);
		return;
	}
	if (v[0] == '0' && (v[1] == 'x' || v[1] == 'X'))
		v += 2;
	printf("%-13s %s", name, want_id ? "0x" : "");
	for (i = 0; v[i] != '\0'; i++) {
		if (isxdigit((unsigned char)v[i]))
			putchar(tolower((unsigned char)v[i]));
		else
			cmd_test_print(stdout, "", v + i, 1, 0, "");
	}
	putchar('\n');
}

/* Print the opengradient_verification block of o; -1 when absent. */
static int
cmd_test_proof(const struct json_value *o)
{
	const struct json_value	*pv, *ts, *vf;

	if ((pv = json_get(o, "opengradient_verification")) == NULL ||
	    pv->type != JSON_OBJECT)
		return (-1);
	vf = json_get(pv, "verified");
	printf("\nverified:     %s\n", vf != NULL && vf->type == JSON_TRUE ?
	    "yes" : "NO");
	cmd_test_hex("tee_id:", json_get_str(pv, "tee_id"), 1);
	cmd_test_hex("request_hash:", json_get_str(pv, "request_hash"), 0);
	cmd_test_hex("output_hash:", json_get_str(pv, "output_hash"), 0);
	ts = json_get(pv, "timestamp");
	if (ts != NULL && (ts->type == JSON_INT || ts->type == JSON_STRING ||
	    ts->type == JSON_FLOAT))
		cmd_test_print(stdout, "timestamp:    ", ts->s, ts->len, 0,
		    "\n");
	if (json_get_str(pv, "tee_host") != NULL)
		cmd_test_line(stdout, "tee_host:     ", json_get_str(pv,
		    "tee_host"), "\n");
	return (vf != NULL && vf->type == JSON_TRUE ? 0 : -1);
}

static int
cmd_test_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct veil_config		*cfg = args->cfg;
	struct json_value		*req, *msgs, *m, *doc = NULL, *ev;
	struct json_value		*final = NULL;
	const struct json_value		*err;
	struct buf			 text;
	const char			*model, *prompt, *errstr, *msg;
	char				*body, *resp = NULL, *line, *next;
	char				 errbuf[256];
	size_t				 bodylen, len;
	long				 pid;
	int				 stream, status, rc = CMD_EXIT_FAIL;

	(void)self;
	model = args->values['m'] != NULL ? args->values['m'] : CMD_TEST_MODEL;
	prompt = args->argc > 0 ? args->argv[0] : CMD_TEST_PROMPT;
	stream = args->flags[CMD_TEST_STREAM] > 0;
	/* A server started just before (`og-veil serve -f &`) may come. */
	if (!cmd_http_wait_server(cfg, CMD_TEST_APPEAR, CMD_TEST_START)) {
		if (cmd_pidfile_read(cfg, &pid) == 1)
			fprintf(stderr, "og-veil: the server (pid %ld) does "
			    "not answer on %s:%d: see `og-veil logs`\n", pid,
			    cfg->host, cfg->port);
		else
			fprintf(stderr, "og-veil: the server is not running: "
			    "start it with `og-veil serve`\n");
		return (CMD_EXIT_FAIL);
	}

	req = json_new_object();
	json_object_set(req, "model", json_new_string(model));
	msgs = json_new_array();
	m = json_new_object();
	json_object_set(m, "role", json_new_string("user"));
	json_object_set(m, "content", json_new_string(prompt));
	json_array_add(msgs, m);
	json_object_set(req, "messages", msgs);
	if (stream)
		json_object_set(req, "stream", json_new_bool(1));
	body = pyjson_dumps(req, &bodylen);
	json_free(req);
	if (cmd_http(cfg, "POST", "/v1/chat/completions", body, bodylen,
	    CMD_TEST_TIMEOUT, &status, &resp, &len, errbuf,
	    sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		free(body);
		return (CMD_EXIT_FAIL);
	}
	free(body);
	buf_init(&text);

	if (status != 200) {
		doc = json_parse(resp, len, NULL, &errstr);
		err = json_get(doc, "error");
		msg = json_get_str(err, "message");
		fprintf(stderr, "og-veil: refused (HTTP %d): ", status);
		cmd_test_line(stderr, "", msg != NULL ? msg :
		    "no error message", "\n");
		goto done;
	}
	if (!stream) {
		if ((doc = json_parse(resp, len, NULL, &errstr)) == NULL) {
			cmd_test_line(stderr, "og-veil: the answer is not "
			    "JSON: ", errstr, "\n");
			goto done;
		}
		cmd_test_content(&text, json_get(json_get(json_index(
		    json_get(doc, "choices"), 0), "message"), "content"));
		final = doc;
	} else {
		/* Frames arrive only after the whole stream verified. */
		for (line = resp; line != NULL; line = next) {
			if ((next = strchr(line, '\n')) != NULL)
				*next++ = '\0';
			if (strncmp(line, "data:", 5) != 0)
				continue;
			line += 5;
			while (*line == ' ')
				line++;
			line[strcspn(line, "\r")] = '\0';
			if (strcmp(line, "[DONE]") == 0)
				continue;
			if ((ev = json_parse(line, strlen(line), NULL,
			    &errstr)) == NULL)
				continue;
			if ((err = json_get(ev, "error")) != NULL) {
				msg = json_get_str(err, "message");
				cmd_test_line(stderr, "og-veil: refused: ",
				    msg != NULL ? msg : "error event", "\n");
				json_free(ev);
				goto done;
			}
			cmd_test_content(&text, json_get(json_get(json_index(
			    json_get(ev, "choices"), 0), "delta"), "content"));
			if (json_get(ev, "opengradient_verification") != NULL) {
				json_free(final);
				final = ev;
			} else
				json_free(ev);
		}
		doc = final;
	}
	if (final == NULL) {
		fprintf(stderr, "og-veil: the answer carries no proof\n");
		goto done;
	}
	cmd_test_print(stdout, "", (const char *)text.data, text.len,
	    ESCAPE_KEEP_NL, "\n");
	if (cmd_test_proof(final) == -1) {
		fprintf(stderr, "og-veil: the answer is not verified\n");
		goto done;
	}
	rc = CMD_EXIT_OK;
done:
	if (final != doc)
		json_free(final);
	json_free(doc);
	buf_clear(&text, 1);
	free(resp);
	return (rc);
}

/*
 * anthropic.c: the Anthropic Messages dialect (POST /v1/messages, as
 * Claude Code sends it, and /v1/messages/count_tokens).  A request is
 * translated into the OpenAI chat body PROTOCOL.md §7 seals; the verified
 * answer is rendered as a `message` object or the official event sequence
 * (message_start, content_block_start / _delta / _stop for every block,
 * message_delta, message_stop).  What the enclave cannot express is
 * dropped, never refused: top_k, top_p, metadata, thinking,
 * context_management, cache_control, service_tier, container, mcp_servers,
 * thinking and redacted_thinking blocks, server tools.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "digest.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"
#include "og-veil.h"

/* "data:<media type>;base64,<data>" of a base64 source (new value). */
static struct json_value *
anthropic_data_url(const struct json_value *src)
{
	const char	*mt = json_get_str(src, "media_type");
	struct json_value *d = json_get(src, "data");
	struct json_value *v;
	struct buf	 b;

	if (!json_is(d, JSON_STRING))
		return (NULL);
	buf_init(&b);
	buf_printf(&b, "data:%s;base64,", mt != NULL ? mt :
	    "application/octet-stream");
	buf_add(&b, d->s, d->len);
	v = json_new_stringn((const char *)b.data, b.len);
	buf_clear(&b, 0);
	return (v);
}

/* An image block as an image_url part, or NULL (dropped). */
static struct json_value *
anthropic_image(const struct json_value *blk)
{
	const struct json_value	*src = json_get(blk, "source");
	const char		*type = json_get_str(src, "type");
	struct json_value	*url = NULL, *iu;

	if (type != NULL && strcmp(type, "base64") == 0)
		url = anthropic_data_url(src);
	else if (type != NULL && strcmp(type, "url") == 0 &&
	    json_is(json_get(src, "url"), JSON_STRING))
		url = json_dup(json_get(src, "url"));
	if (url == NULL)
		return (NULL);
	iu = json_new_object();
	json_object_set(iu, "url", url);
	return (translate_typed("image_url", "image_url", iu));
}

/*
 * A document block: base64 as a file part (with its filename, else its
 * title), text sources as a text part; NULL (dropped) otherwise.
 */
static struct json_value *
anthropic_document(const struct json_value *blk)
{
	const struct json_value	*src = json_get(blk, "source");
	const char		*type = json_get_str(src, "type");
	const char		*name;
	struct json_value	*file, *data;

	if (type != NULL && strcmp(type, "text") == 0 &&
	    json_is(json_get(src, "data"), JSON_STRING))
		return (translate_typed("text", "text",
		    json_dup(json_get(src, "data"))));
	if (type == NULL || strcmp(type, "base64") != 0 ||
	    (data = anthropic_data_url(src)) == NULL)
		return (NULL);
	file = json_new_object();
	if ((name = json_get_str(blk, "filename")) != NULL ||
	    (name = json_get_str(blk, "title")) != NULL)
		json_object_set(file, "filename", json_new_string(name));
	json_object_set(file, "file_data", data);
	return (translate_typed("file", "file", file));
}

/* One user turn: tool results first (as tool messages), then the rest. */
static void
anthropic_user(struct json_value *msgs, const struct json_value *content)
{
	const struct json_value	*blk;
	struct json_value	*parts, *p;
	const char		*type;
	size_t			 i;

	if (!json_is(content, JSON_ARRAY)) {
		json_array_add(msgs, translate_msg("user",
		    translate_str(content)));
		return;
	}
	parts = json_new_array();
	for (i = 0; i < content->n; i++) {
		blk = content->items[i];
		if ((type = json_get_str(blk, "type")) == NULL)
			continue;
		p = NULL;
		if (strcmp(type, "tool_result") == 0) {
			/* As a tool message. */
			json_array_add(msgs, translate_tool_msg(translate_str(
			    json_get(blk, "tool_use_id")), translate_text_value(
			    json_get(blk, "content"), "\n")));
			continue;
		}
		if (strcmp(type, "text") == 0 &&
		    json_is(json_get(blk, "text"), JSON_STRING))
			p = translate_typed("text", "text",
			    json_dup(json_get(blk, "text")));
		else if (strcmp(type, "image") == 0)
			p = anthropic_image(blk);
		else if (strcmp(type, "document") == 0)
			p = anthropic_document(blk);
		if (p != NULL)
			json_array_add(parts, p);
	}
	if (parts->n == 0) {
		json_free(parts);
		return;
	}
	json_array_add(msgs, translate_msg("user", parts));
}

/* An assistant turn: its text and tool_use blocks; thinking dropped. */
static void
anthropic_assistant(struct json_value *msgs, const struct json_value *c)
{
	const struct json_value	*blk, *t;
	struct json_value	*m, *calls;
	struct buf		 text, args;
	const char		*type;
	size_t			 i;

	buf_init(&text);
	calls = json_new_array();
	if (json_is(c, JSON_STRING))
		buf_add(&text, c->s, c->len);
	for (i = 0; json_is(c, JSON_ARRAY) && i < c->n; i++) {
		blk = c->items[i];
		if ((type = json_get_str(blk, "type")) == NULL)
			continue;
		if (strcmp(type, "text") == 0 &&
		    json_is((t = json_get(blk, "text")), JSON_STRING))
			buf_add(&text, t->s, t->len);
		if (strcmp(type, "tool_use") != 0)
			continue;
		buf_init(&args);
		if ((t = json_get(blk, "input")) != NULL)
			pyjson_write(&args, t, PYJSON_COMPACT);
		else
			buf_add_str(&args, "{}");
		json_array_add(calls, translate_call(translate_str(
		    json_get(blk, "id")), translate_str(json_get(blk, "name")),
		    json_new_stringn((const char *)args.data, args.len)));
		buf_clear(&args, 0);
	}
	m = translate_msg("assistant", text.len > 0 || calls->n == 0 ?
	    json_new_stringn(text.len > 0 ? (const char *)text.data : "",
	    text.len) : json_new_null());
	if (calls->n > 0)
		json_object_set(m, "tool_calls", calls);
	else
		json_free(calls);
	buf_clear(&text, 0);
	json_array_add(msgs, m);
}

/* Client tools as function tools; server tools (typed) are dropped. */
static struct json_value *
anthropic_tools(const struct json_value *tools, size_t *dropped)
{
	const struct json_value	*t, *v;
	struct json_value	*out;
	const char		*type;
	size_t			 i;

	out = json_new_array();
	for (i = 0; json_is(tools, JSON_ARRAY) && i < tools->n; i++) {
		t = tools->items[i];
		type = json_get_str(t, "type");
		if ((type != NULL && strcmp(type, "custom") != 0) ||
		    !json_is(json_get(t, "name"), JSON_STRING)) {
			(*dropped)++;
			continue;
		}
		v = json_get(t, "input_schema");
		json_array_add(out, translate_tool(t, json_is(v, JSON_OBJECT) ?
		    json_dup(v) : NULL));
	}
	return (out);
}

/* tool_choice auto/any/tool/none as auto/required/function/none. */
static struct json_value *
anthropic_tool_choice(const struct json_value *tc)
{
	const char		*type = json_get_str(tc, "type");

	if (type == NULL)
		return (NULL);
	if (strcmp(type, "auto") == 0 || strcmp(type, "none") == 0)
		return (json_new_string(type));
	if (strcmp(type, "any") == 0)
		return (json_new_string("required"));
	if (strcmp(type, "tool") != 0 ||
	    !json_is(json_get(tc, "name"), JSON_STRING))
		return (NULL);
	return (translate_tool_choice(tc));
}

/* The Messages body as an OpenAI chat body (*out new) and its stream. */
static int
anthropic_translate(const struct json_value *in, struct json_value **out,
    int *stream, char *msg, size_t msglen, char *param, size_t paramlen)
{
	struct translate_err	 e = { msg, msglen, param, paramlen };
	const struct json_value	*v, *msgs, *m, *role;
	struct json_value	*o, *om, *tools, *tc;
	size_t			 i, dropped = 0;

	*out = NULL;
	if (!json_is(in, JSON_OBJECT))
		return (translate_fail(&e, "", "the body must be a JSON "
		    "object (an Anthropic Messages request)"));
	if (!json_is((v = json_get(in, "model")), JSON_STRING) || v->len == 0)
		return (translate_fail(&e, "model", "model: Field required "
		    "(a non-empty string)"));
	msgs = json_get(in, "messages");
	if (!json_is(msgs, JSON_ARRAY) || msgs->n == 0)
		return (translate_fail(&e, "messages", "messages: Field "
		    "required (a non-empty array of messages)"));
	for (i = 0; i < msgs->n; i++) {
		role = json_get(msgs->items[i], "role");
		if (!json_is(role, JSON_STRING) ||
		    (strcmp(role->s, "user") != 0 &&
		    strcmp(role->s, "assistant") != 0 &&
		    strcmp(role->s, "system") != 0))
			return (translate_fail(&e, "messages", "messages.%zu."
			    "role: Input should be 'user', 'assistant' or "
			    "'system'", i));
	}
	o = json_new_object();
	json_object_set(o, "model", json_dup(v));
	om = json_new_array();
	v = json_get(in, "system");
	if (json_is(v, JSON_STRING) || json_is(v, JSON_ARRAY)) {
		json_array_add(om, translate_msg("system",
		    translate_text_value(v, "\n\n")));
	}
	for (i = 0; i < msgs->n; i++) {
		m = msgs->items[i];
		/* Claude Code 2.1 sends system messages between turns. */
		if (strcmp(json_get_str(m, "role"), "system") == 0)
			json_array_add(om, translate_msg("system",
			    translate_text_value(json_get(m, "content"),
			    "\n\n")));
		else if (strcmp(json_get_str(m, "role"), "user") == 0)
			anthropic_user(om, json_get(m, "content"));
		else
			anthropic_assistant(om, json_get(m, "content"));
	}
	json_object_set(o, "messages", om);
	if ((v = json_get(in, "max_tokens")) != NULL && json_is(v, JSON_INT))
		json_object_set(o, "max_tokens", json_dup(v));
	if ((v = json_get(in, "temperature")) != NULL &&
	    (json_is(v, JSON_INT) || json_is(v, JSON_FLOAT)))
		json_object_set(o, "temperature", json_dup(v));
	if (json_is((v = json_get(in, "stop_sequences")), JSON_ARRAY) &&
	    v->n > 0)
		json_object_set(o, "stop", json_dup(v));
	tools = anthropic_tools(json_get(in, "tools"), &dropped);
	if (dropped > 0)
		log_warnx("anthropic: %zu server tool%s dropped (the enclave "
		    "runs client tools only)", dropped, dropped > 1 ? "s" : "");
	if (tools->n > 0) {
		json_object_set(o, "tools", tools);
		if ((tc = anthropic_tool_choice(json_get(in,
		    "tool_choice"))) != NULL)
			json_object_set(o, "tool_choice", tc);
	} else
		json_free(tools);
	*stream = json_is(json_get(in, "stream"), JSON_TRUE);
	*out = o;
	return (0);
}

/* A conservative token estimate of n sealed bytes: one per 3, rounded up. */
long long
anthropic_estimate_tokens(size_t n)
{
	return ((long long)((n + 2) / 3));
}

/* count_tokens: the estimate of the request as og-veil would seal it. */
int
anthropic_count_tokens(const struct json_value *in, long long *n, char *msg,
    size_t msglen)
{
	struct digest_request	 dr;
	struct json_value	*body;
	const char		*errstr;
	char			 param[64];
	int			 stream;

	if (anthropic_translate(in, &body, &stream, msg, msglen, param,
	    sizeof(param)) == -1)
		return (-1);
	memset(&dr, 0, sizeof(dr));
	if (digest_build_request(body, 0, &dr, &errstr) == -1) {
		snprintf(msg, msglen, "%s", errstr);
		json_free(body);
		return (-1);
	}
	*n = anthropic_estimate_tokens(dr.wire_len);
	digest_request_clear(&dr);
	json_free(body);
	return (0);
}

/* The Anthropic error envelope. */
static void
anthropic_error_json(struct buf *b, int status, const char *message)
{
	const char	*type = error_anthropic_type(status);

	buf_add_str(b, "{\"type\":\"error\",\"error\":{\"type\":");
	pyjson_write_string(b, type, strlen(type), 0);
	buf_add_str(b, ",\"message\":");
	pyjson_write_string(b, message, strlen(message), 0);
	buf_add_str(b, "}}");
}

static void
anthropic_error(struct buf *b, const struct error_def *ed, int status,
    const char *param, const char *message)
{
	(void)ed;
	(void)param;
	anthropic_error_json(b, status, message);
}

/* stop_reason from the verified finish_reason. */
static const char *
anthropic_stop_reason(const struct answer *an)
{
	if (an->an_tools)
		return ("tool_use");
	if (an->an_finish != NULL && strcmp(an->an_finish, "length") == 0)
		return ("max_tokens");
	if (an->an_finish != NULL && strcmp(an->an_finish,
	    "content_filter") == 0)
		return ("refusal");
	return ("end_turn");
}

static struct json_value *
anthropic_usage(const struct json_value *u, int with_input)
{
	struct json_value	*o;

	o = json_new_object();
	if (with_input)
		json_object_set(o, "input_tokens",
		    json_new_int(chat_usage_int(u, "prompt_tokens")));
	json_object_set(o, "output_tokens",
	    json_new_int(chat_usage_int(u, "completion_tokens")));
	return (o);
}

/* The tool_use block of a verified call; NULL when its input is no object. */
static struct json_value *
anthropic_tool_use(const struct json_value *call, int with_input)
{
	const struct json_value	*fn = json_get(call, "function"), *v;
	struct json_value	*b, *input;

	if ((input = chat_call_input(call)) == NULL)
		return (NULL);
	b = json_new_object();
	json_object_set(b, "type", json_new_string("tool_use"));
	v = json_get(call, "id");
	json_object_set(b, "id", json_is(v, JSON_STRING) ? json_dup(v) :
	    json_new_string(""));
	v = json_get(fn, "name");
	json_object_set(b, "name", json_is(v, JSON_STRING) ? json_dup(v) :
	    json_new_string(""));
	if (with_input)
		json_object_set(b, "input", input);
	else {
		json_free(input);
		json_object_set(b, "input", json_new_object());
	}
	return (b);
}

static int
anthropic_bad_call(struct answer_error *ae, const struct json_value *call)
{
	const char	*name = json_get_str(json_get(call, "function"),
			    "name");

	answer_set_error(ae, ERROR_UPSTREAM, "the verified tool call %s has "
	    "arguments that are not a JSON object; Anthropic clients cannot "
	    "take it", name != NULL ? name : "(unnamed)");
	return (-1);
}

/* The message object (content empty for message_start). */
static struct json_value *
anthropic_message(struct render *rd, const struct answer *an,
    int start)
{
	struct json_value	*o;

	o = json_new_object();
	json_object_set(o, "id", json_new_string(rd->rd_id));
	json_object_set(o, "type", json_new_string("message"));
	json_object_set(o, "role", json_new_string("assistant"));
	json_object_set(o, "model", json_new_string(an != NULL &&
	    an->an_model != NULL && *an->an_model != '\0' ? an->an_model :
	    rd->rd_model));
	json_object_set(o, "content", json_new_array());
	json_object_set(o, "stop_reason", start ?
	    json_new_null() : json_new_string(anthropic_stop_reason(an)));
	json_object_set(o, "stop_sequence", json_new_null());
	json_object_set(o, "usage", anthropic_usage(an != NULL ?
	    an->an_usage : NULL, 1));
	if (start)	/* the output is counted in message_delta */
		json_object_set(json_get(o, "usage"), "output_tokens",
		    json_new_int(0));
	return (o);
}

/* The proof: the enclave's tee_* fields and the §10 block, into o. */
static void
anthropic_proof(struct json_value *o, struct render *rd,
    const struct answer *an)
{
	size_t	i;

	for (i = 0; an->an_tee != NULL && i < an->an_tee->n; i++)
		json_object_set(o, an->an_tee->members[i].key,
		    json_dup(an->an_tee->members[i].val));
	if (rd->rd_proof != NULL)
		json_object_set(o, "opengradient_verification",
		    json_dup(rd->rd_proof));
}

static int
anthropic_answer(struct render *rd, const struct answer *an, struct buf *b,
    struct answer_error *ae)
{
	struct json_value	*o, *content, *blk;
	size_t			 i;

	o = anthropic_message(rd, an, 0);
	content = json_get(o, "content");
	if (an->an_tools) {
		for (i = 0; i < an->an_calls->n; i++) {
			blk = anthropic_tool_use(an->an_calls->items[i], 1);
			if (blk == NULL) {
				json_free(o);
				return (anthropic_bad_call(ae,
				    an->an_calls->items[i]));
			}
			json_array_add(content, blk);
		}
	} else {
		blk = json_new_object();
		json_object_set(blk, "type", json_new_string("text"));
		json_object_set(blk, "text", json_new_stringn(an->an_text !=
		    NULL ? an->an_text : "", an->an_text_len));
		json_array_add(content, blk);
	}
	anthropic_proof(o, rd, an);
	pyjson_write(b, o, PYJSON_COMPACT);
	json_free(o);
	return (0);
}

static void
anthropic_event(struct buf *b, const char *type, struct json_value *o)
{
	struct json_value	*ev;
	size_t			 i;

	ev = json_new_object();
	json_object_set(ev, "type", json_new_string(type));
	for (i = 0; o != NULL && i < o->n; i++) {
		json_object_set(ev, o->members[i].key, o->members[i].val);
		o->members[i].val = NULL;
	}
	json_free(o);
	chat_sse_event(b, type, ev);
	json_free(ev);
}

/* A block event with its index and one more member (owned). */
static void
anthropic_block_event(struct buf *b, const char *type, size_t index,
    const char *key, struct json_value *val)
{
	struct json_value	*o;

	o = json_new_object();
	json_object_set(o, "index", json_new_int((long long)index));
	if (key != NULL)
		json_object_set(o, key, val);
	anthropic_event(b, type, o);
}

static struct json_value *
anthropic_delta(const char *type, const char *key, const char *s,
    size_t len)
{
	struct json_value	*d;

	d = json_new_object();
	json_object_set(d, "type", json_new_string(type));
	json_object_set(d, key, json_new_stringn(s, len));
	return (d);
}

/* An empty text block's start: what a commit opens (issue 11). */
static struct json_value *
anthropic_text_block(void)
{
	struct json_value	*blk;

	blk = json_new_object();
	json_object_set(blk, "type", json_new_string("text"));
	json_object_set(blk, "text", json_new_string(""));
	return (blk);
}

/*
 * A commit (commit.c): message_start and an opened, empty text block at
 * index 0.  Claude Code's stream watchdog is reset only by content
 * deltas, not by ping, comments or unknown events; an empty text_delta
 * in an open text block resets it and carries nothing.  The verified
 * blocks follow from index 1, after this one is closed.
 */
static void
anthropic_stream_begin(struct render *rd, struct buf *b)
{
	struct json_value	*o;

	o = json_new_object();
	json_object_set(o, "message", anthropic_message(rd, NULL, 1));
	anthropic_event(b, "message_start", o);
	anthropic_block_event(b, "content_block_start", 0, "content_block",
	    anthropic_text_block());
}

/* The keep-alive: an empty text_delta in the commit's empty block. */
static void
anthropic_stream_keepalive(struct render *rd, struct buf *b)
{
	(void)rd;
	anthropic_block_event(b, "content_block_delta", 0, "delta",
	    anthropic_delta("text_delta", "text", "", 0));
}

/*
 * From the cursor on: the opening (rd_part 0), the text deltas until b
 * holds limit bytes at a frame's end, then the tool blocks and the end.
 */
static int
anthropic_stream_next(struct render *rd, const struct answer *an,
    struct buf *b, struct answer_error *ae, size_t limit)
{
	const struct answer_frame *af;
	const struct json_value	*call, *args;
	struct json_value	*o, *blk, *d;
	size_t			 i, off, start, base;

	base = (rd->rd_flags & RENDER_BEGUN) ? 1 : 0;
	if (rd->rd_part > 1)
		return (0);
	if (rd->rd_part == 0) {
		/* Refuse a call Anthropic clients cannot parse first. */
		for (i = 0; an->an_tools && i < an->an_calls->n; i++)
			if ((blk = chat_call_input(an->an_calls->items[i])) ==
			    NULL)
				return (anthropic_bad_call(ae,
				    an->an_calls->items[i]));
			else
				json_free(blk);
		if (!(rd->rd_flags & RENDER_BEGUN)) {
			o = json_new_object();
			json_object_set(o, "message", anthropic_message(rd,
			    an, 1));
			anthropic_event(b, "message_start", o);
		} else {
			/* Committed: close the empty block; ours follow. */
			anthropic_block_event(b, "content_block_stop", 0,
			    NULL, NULL);
		}
		if (!an->an_tools)
			anthropic_block_event(b, "content_block_start", base,
			    "content_block", anthropic_text_block());
		rd->rd_part = 1;
		rd->rd_frame = rd->rd_text = 0;
	}
	if (!an->an_tools) {
		for (i = start = rd->rd_frame, off = rd->rd_text;
		    i < an->an_nframes; i++) {
			if (i > start && b->len >= limit) {
				rd->rd_frame = i;
				rd->rd_text = off;
				return (1);
			}
			af = &an->an_frames[i];
			if (!(af->af_flags & AF_CONTENT))
				continue;
			if (af->af_text > an->an_text_len - off)
				break;	/* frames hold an_text: never */
			if (af->af_text > 0)
				anthropic_block_event(b, "content_block_delta",
				    base, "delta", anthropic_delta("text_delta",
				    "text", an->an_text + off, af->af_text));
			off += af->af_text;
		}
		anthropic_block_event(b, "content_block_stop", base, NULL,
		    NULL);
	}
	for (i = 0; an->an_tools && i < an->an_calls->n; i++) {
		call = an->an_calls->items[i];
		anthropic_block_event(b, "content_block_start", base + i,
		    "content_block", anthropic_tool_use(call, 0));
		args = json_get(json_get(call, "function"), "arguments");
		if (json_is(args, JSON_STRING) && args->len > 0)
			anthropic_block_event(b, "content_block_delta",
			    base + i, "delta", anthropic_delta(
			    "input_json_delta", "partial_json", args->s,
			    args->len));
		anthropic_block_event(b, "content_block_stop", base + i, NULL,
		    NULL);
	}
	o = json_new_object();
	d = json_new_object();
	json_object_set(d, "stop_reason",
	    json_new_string(anthropic_stop_reason(an)));
	json_object_set(d, "stop_sequence", json_new_null());
	json_object_set(o, "delta", d);
	json_object_set(o, "usage", anthropic_usage(an->an_usage, 1));
	anthropic_proof(o, rd, an);
	anthropic_event(b, "message_delta", o);
	anthropic_event(b, "message_stop", NULL);
	rd->rd_part = 2;	/* ended */
	return (0);
}

static void
anthropic_stream_error(struct render *rd, const struct error_def *ed,
    int status, const char *message, struct buf *b)
{
	(void)rd;
	(void)ed;
	buf_add_str(b, "event: error\ndata: ");
	anthropic_error_json(b, status, message);
	buf_add_str(b, "\n\n");
}

const struct dialect dialect_anthropic = {
	.dl_name = "anthropic",
	.dl_id_prefix = "msg_",
	.dl_translate = anthropic_translate,
	.dl_error = anthropic_error,
	.dl_answer = anthropic_answer,
	.dl_stream_begin = anthropic_stream_begin,
	.dl_stream_keepalive = anthropic_stream_keepalive,
	.dl_stream_next = anthropic_stream_next,
	.dl_stream_error = anthropic_stream_error
};

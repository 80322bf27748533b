/*
 * chat.c: the OpenAI Chat Completions dialect (POST /v1/chat/completions),
 * the form the enclave itself speaks (PROTOCOL.md §7, §10).  The agent's
 * body is sealed as it is; answers are rendered exactly as og-veil always
 * delivered them: the scrubbed chat.completion with its proof, or the
 * verified chunks, the last one carrying the enclave's tee_* fields and
 * the verification block, then data: [DONE].
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "og-veil.h"

/* The OpenAI envelope; code and param may be NULL. */
void
chat_error_json(struct buf *b, const char *message, const char *type,
    const char *code, const char *param)
{
	buf_add_str(b, "{\"error\":{\"message\":");
	pyjson_write_string(b, message, strlen(message), 0);
	buf_add_str(b, ",\"type\":");
	pyjson_write_string(b, type, strlen(type), 0);
	buf_add_str(b, ",\"param\":");
	if (param != NULL && *param != '\0')
		pyjson_write_string(b, param, strlen(param), 0);
	else
		buf_add_str(b, "null");
	buf_add_str(b, ",\"code\":");
	if (code != NULL)
		pyjson_write_string(b, code, strlen(code), 0);
	else
		buf_add_str(b, "null");
	buf_add_str(b, "}}");
}

/* One SSE data: event of compact JSON (which holds no raw newline). */
void
chat_sse_data(struct buf *b, const struct json_value *v)
{
	buf_add_str(b, "data: ");
	pyjson_write(b, v, PYJSON_COMPACT);
	buf_add_str(b, "\n\n");
}

/* One named SSE event: "event: <name>" and its data: line. */
void
chat_sse_event(struct buf *b, const char *name, const struct json_value *v)
{
	buf_add_str(b, "event: ");
	buf_add_str(b, name);
	buf_add_str(b, "\n");
	chat_sse_data(b, v);
}

/*
 * A verified call's function.arguments parsed: an object, or NULL when
 * they are no JSON object ("" is the empty object).  New value.
 */
struct json_value *
chat_call_input(const struct json_value *call)
{
	const struct json_value	*a;
	struct json_value	*v;
	const char		*errstr;

	a = json_get(json_get(call, "function"), "arguments");
	if (!json_is(a, JSON_STRING) || a->len == 0)
		return (json_new_object());
	v = json_parse(a->s, a->len, NULL, &errstr);
	if (v != NULL && !json_is(v, JSON_OBJECT)) {
		json_free(v);
		v = NULL;
	}
	return (v);
}

/* A usage count, 0 when absent or not a small integer. */
long long
chat_usage_int(const struct json_value *usage, const char *k)
{
	int64_t	n;

	if (json_to_int64(json_get(usage, k), &n) == -1 || n < 0)
		return (0);
	return ((long long)n);
}

/*
 * PROTOCOL.md §10 names the type veil_error; the class of the status is
 * not given here so that Chat Completions answers stay as they were.
 */
static void
chat_error(struct buf *b, const struct error_def *ed, int status,
    const char *param, const char *message)
{
	(void)status;
	chat_error_json(b, message, "veil_error", ed->name, param);
}

/*
 * obj (an object with members) as compact JSON, with the members of extra
 * (an object) and then key: val appended, without copying obj.
 */
static void
chat_write_with(struct buf *b, const struct json_value *obj,
    const struct json_value *extra, const char *key,
    const struct json_value *val)
{
	size_t	i;

	buf_reserve(b, pyjson_size_hint(obj) + (extra != NULL ?
	    pyjson_size_hint(extra) : 0) + (val != NULL ? strlen(key) + 4 +
	    pyjson_size_hint(val) : 0));
	pyjson_write(b, obj, PYJSON_COMPACT);
	b->len--;		/* the closing brace */
	for (i = 0; extra != NULL && i < extra->n; i++) {
		buf_add_str(b, obj->n > 0 || i > 0 ? "," : "");
		pyjson_write_string(b, extra->members[i].key,
		    extra->members[i].keylen, 0);
		buf_add_str(b, ":");
		pyjson_write(b, extra->members[i].val, PYJSON_COMPACT);
	}
	if (val != NULL) {
		if (obj->n > 0 || (extra != NULL && extra->n > 0))
			buf_add_str(b, ",");
		pyjson_write_string(b, key, strlen(key), 0);
		buf_add_str(b, ":");
		pyjson_write(b, val, PYJSON_COMPACT);
	}
	buf_add_str(b, "}");
}

static int
chat_answer(struct render *rd, const struct answer *an, struct buf *b,
    struct answer_error *ae)
{
	(void)ae;
	/* scrub_response() already carries the tee_* fields. */
	chat_write_with(b, an->an_chat, NULL, "opengradient_verification",
	    rd->rd_proof);
	return (0);
}

static void
chat_stream_begin(struct render *rd, struct buf *b)
{
	(void)rd;
	(void)b;		/* Chat Completions has no opening event. */
}

static void
chat_stream_keepalive(struct render *rd, struct buf *b)
{
	(void)rd;
	buf_add_str(b, ": og-veil verifying\n\n");
}

/* Append a string literal (no strlen per call: chunks are many). */
#define CHAT_ADD(b, lit)	buf_add((b), (lit), sizeof(lit) - 1)

/*
 * What a chunk of model name (at offset model in an_names) starts with:
 * {"id":...,"object":"chat.completion.chunk","created":...,"model":...,
 * then "choices":[{"index":0,"delta":{ unless bare (then the caller goes
 * on).  Frames share it: it is made again only when the model changes.
 */
static void
chat_chunk_head(struct buf *b, const struct answer *an, uint32_t model,
    int bare)
{
	const char	*id = an->an_chunk_id != NULL ? an->an_chunk_id : "";
	const char	*name = an->an_names + model;

	b->len = 0;
	CHAT_ADD(b, "{\"id\":");
	pyjson_write_string(b, id, strlen(id), PYJSON_COMPACT);
	buf_printf(b, ",\"object\":\"chat.completion.chunk\",\"created\":"
	    "%lld,\"model\":", an->an_created);
	pyjson_write_string(b, name, strlen(name), PYJSON_COMPACT);
	if (!bare)
		CHAT_ADD(b, ",\"choices\":[{\"index\":0,\"delta\":{");
}

/*
 * A held frame as the chat.completion.chunk og-veil delivers, in the
 * signed form only (content or tool_calls, an_tools decides), after head
 * (chat_chunk_head() of its model); text and calls are its bytes of
 * an_text and an_frame_calls.  Compact JSON, members in a chunk's order.
 */
static void
chat_frame_write(struct buf *b, const struct answer *an,
    const struct buf *head, const struct answer_frame *af, const char *text,
    const char *calls)
{
	const char	*name;
	int		 n = 0;

	buf_add(b, head->data, head->len);
	if (af->af_flags & AF_ROLE) {
		CHAT_ADD(b, "\"role\":\"assistant\"");
		n++;
	}
	if (!an->an_tools && (af->af_flags & AF_CONTENT)) {
		if (n++ > 0)
			CHAT_ADD(b, ",");
		CHAT_ADD(b, "\"content\":");
		pyjson_write_string(b, text, af->af_text, PYJSON_COMPACT);
	}
	if (an->an_tools && (af->af_flags & AF_CALLS)) {
		if (n++ > 0)
			CHAT_ADD(b, ",");
		CHAT_ADD(b, "\"tool_calls\":");
		buf_add(b, calls, af->af_calls);
	}
	CHAT_ADD(b, "},\"finish_reason\":");
	if (af->af_finish == AF_NULL)
		CHAT_ADD(b, "null");
	else {
		name = an->an_names + af->af_finish;
		pyjson_write_string(b, name, strlen(name), PYJSON_COMPACT);
	}
	CHAT_ADD(b, "}]}");
}

/*
 * From the cursor (rd_frame, rd_text, rd_calls) on, until b holds limit
 * bytes at a frame's end; the last frame carries the proofs, then usage
 * and [DONE].
 */
static int
chat_stream_next(struct render *rd, const struct answer *an,
    struct buf *b, struct answer_error *ae, size_t limit)
{
	const struct answer_frame	*af;
	const struct json_value		*tee = an->an_tee;
	struct buf			 head;
	size_t				 i, j, n, start, text = rd->rd_text;
	size_t				 calls = rd->rd_calls;
	uint32_t			 model;

	(void)ae;
	if (an->an_nframes == 0 || rd->rd_part > 1)
		return (0);	/* stream_finish() always holds the final */
	rd->rd_part = 1;
	buf_init(&head);
	i = rd->rd_frame;	/* < an_nframes: a piece stops before one */
	model = an->an_frames[i].af_model;
	chat_chunk_head(&head, an, model, 0);
	/*
	 * About what the chunks take, so b grows once: the rest of the
	 * stream, or a piece when that is less.
	 */
	n = (an->an_nframes - i) * (head.len + 64) + an->an_text_len +
	    an->an_frame_calls_len + 1024;
	buf_reserve(b, limit < SIZE_MAX - 1024 && n > limit + 1024 ?
	    limit + 1024 : n);
	for (start = i; i < an->an_nframes; i++) {
		if (i > start && b->len >= limit) {
			rd->rd_frame = i;
			rd->rd_text = text;
			rd->rd_calls = calls;
			buf_clear(&head, 0);
			return (1);
		}
		af = &an->an_frames[i];
		if (af->af_model != model) {
			model = af->af_model;
			chat_chunk_head(&head, an, model, 0);
		}
		/* Bounds: the frames' bytes are an_text's, an_frame_calls'. */
		if ((!an->an_tools && (af->af_flags & AF_CONTENT) &&
		    af->af_text > an->an_text_len - text) ||
		    (an->an_tools && (af->af_flags & AF_CALLS) &&
		    af->af_calls > an->an_frame_calls_len - calls))
			break;
		CHAT_ADD(b, "data: ");
		chat_frame_write(b, an, &head, af, an->an_text != NULL ?
		    an->an_text + text : "", an->an_frame_calls != NULL ?
		    an->an_frame_calls + calls : "");
		if (i + 1 == an->an_nframes) {
			/* The last: the enclave's proof and ours appended. */
			b->len--;	/* the closing brace */
			for (j = 0; tee != NULL && j < tee->n; j++) {
				buf_add_u8(b, ',');
				pyjson_write_string(b, tee->members[j].key,
				    tee->members[j].keylen, 0);
				buf_add_u8(b, ':');
				pyjson_write(b, tee->members[j].val,
				    PYJSON_COMPACT);
			}
			if (rd->rd_proof != NULL) {
				buf_add_str(b,
				    ",\"opengradient_verification\":");
				pyjson_write(b, rd->rd_proof, PYJSON_COMPACT);
			}
			buf_add_u8(b, '}');
		}
		CHAT_ADD(b, "\n\n");
		if (af->af_flags & AF_CONTENT)
			text += af->af_text;
		calls += af->af_calls;
	}
	if ((rd->rd_flags & RENDER_INCLUDE_USAGE) && an->an_usage != NULL) {
		af = &an->an_frames[an->an_nframes - 1];
		chat_chunk_head(&head, an, af->af_model, 1);
		CHAT_ADD(b, "data: ");
		buf_add(b, head.data, head.len);
		CHAT_ADD(b, ",\"choices\":[],\"usage\":");
		pyjson_write(b, an->an_usage, PYJSON_COMPACT);
		CHAT_ADD(b, "}\n\n");
	}
	buf_clear(&head, 0);
	buf_add_str(b, "data: [DONE]\n\n");
	rd->rd_part = 2;	/* ended */
	return (0);
}

/* In-band: the error object as a data: event, and no [DONE]. */
static void
chat_stream_error(struct render *rd, const struct error_def *ed,
    int status, const char *message, struct buf *b)
{
	(void)rd;
	buf_add_str(b, "data: ");
	chat_error_json(b, message, error_openai_type(status), ed->name,
	    NULL);
	buf_add_str(b, "\n\n");
}

const struct dialect dialect_chat = {
	.dl_name = "chat",
	.dl_id_prefix = "chatcmpl-",
	.dl_translate = NULL,
	.dl_error = chat_error,
	.dl_answer = chat_answer,
	.dl_stream_begin = chat_stream_begin,
	.dl_stream_keepalive = chat_stream_keepalive,
	.dl_stream_next = chat_stream_next,
	.dl_stream_error = chat_stream_error
};

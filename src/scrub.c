/*
 * scrub.c: what of a verified answer reaches the agent (PROTOCOL.md §8,
 * §9, §10).  The signature covers only the signed output of §8: the
 * non-stream choices[0].message.content or, when finish_reason is
 * "tool_calls", its tool_calls array; in a stream, choices[0].delta.content
 * concatenated, or the tool-call deltas folded into slots {id, type,
 * function: {name, arguments}} when the final finish_reason is
 * "tool_calls".  Anything else a gateway adds (a second choice, refusal,
 * reasoning, logprobs, extra top-level fields, content beside signed tool
 * calls, tool calls beside signed text) is unverified and is never
 * delivered: the answer is rebuilt from the signed parts, plus metadata
 * that carries no text (index, role, a finish_reason token, numeric usage,
 * a model name).
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "sse.h"
#include "xmalloc.h"
#include "og-veil.h"

/* Longest model name or id passed through. */
#define SCRUB_MAX_NAME	256

/* The enclave's proof fields (§9), which carry no text of the model. */
static const char *const scrub_proof[] = { "tee_signature",
    "tee_request_hash", "tee_output_hash", "tee_timestamp", "tee_id" };
#define SCRUB_NPROOF	(sizeof(scrub_proof) / sizeof(scrub_proof[0]))

/* 1 when s is 1..max bytes, each in the given class. */
static int
scrub_token_str(const char *s, size_t len, size_t max, int lower_only)
{
	size_t	i;
	int	c;

	if (s == NULL || len == 0 || len > max)
		return (0);
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if (lower_only ? !((c >= 'a' && c <= 'z') || c == '_') :
		    !(c > ' ' && c < 0x7f))
			return (0);
	}
	return (1);
}

/* 1 when v is a string of 1..max bytes, each in the given class. */
static int
scrub_token(const struct json_value *v, size_t max, int lower_only)
{
	if (!json_is(v, JSON_STRING))
		return (0);
	return (scrub_token_str(v->s, v->len, max, lower_only));
}

/* A finish_reason: a short lower-case token, else null.  New value. */
static struct json_value *
scrub_finish_reason(const struct json_value *fr)
{
	if (scrub_token(fr, 32, 1))
		return (json_dup(fr));
	return (json_new_null());
}

/* usage with only its numbers (one level of nested objects).  New value. */
struct json_value *
scrub_usage(const struct json_value *u)
{
	struct json_value		*o, *sub;
	const struct json_member	*m, *mm;
	size_t				 i, j;

	o = json_new_object();
	if (!json_is(u, JSON_OBJECT))
		return (o);
	for (i = 0; i < u->n; i++) {
		m = &u->members[i];
		if (json_is(m->val, JSON_INT) || json_is(m->val, JSON_FLOAT)) {
			json_object_set(o, m->key, json_dup(m->val));
			continue;
		}
		if (!json_is(m->val, JSON_OBJECT))
			continue;
		sub = json_new_object();
		for (j = 0; j < m->val->n; j++) {
			mm = &m->val->members[j];
			if (json_is(mm->val, JSON_INT) ||
			    json_is(mm->val, JSON_FLOAT))
				json_object_set(sub, mm->key,
				    json_dup(mm->val));
		}
		json_object_set(o, m->key, sub);
	}
	return (o);
}

/* The model name to show: the answer's when sane, else the request's. */
static struct json_value *
scrub_model(const struct json_value *v, const char *fallback)
{
	if (scrub_token(v, SCRUB_MAX_NAME, 0))
		return (json_dup(v));
	return (json_new_string(fallback != NULL ? fallback : ""));
}

/*
 * Non-stream: the delivered chat.completion built from a verified inner
 * response whose signed output (digest_response_output) is out/outlen.
 * id, object, created, model, one choice, numeric usage and the tee_*
 * proof fields.  New value.
 */
struct json_value *
scrub_response(const struct json_value *inner, const char *model,
    const char *out, size_t outlen)
{
	const struct json_value	*choice, *msg, *fr, *tcs, *c, *v;
	struct json_value	*o, *nc, *nm, *choices;
	char			*id;
	size_t			 i;

	choice = json_index(json_get(inner, "choices"), 0);
	msg = json_get(choice, "message");
	fr = json_get(choice, "finish_reason");
	tcs = json_get(msg, "tool_calls");
	c = json_get(msg, "content");

	nm = json_new_object();
	json_object_set(nm, "role", json_new_string("assistant"));
	if (json_is(fr, JSON_STRING) && fr->len == 10 &&
	    memcmp(fr->s, "tool_calls", 10) == 0 && json_is(tcs, JSON_ARRAY)) {
		/* §8: json.dumps(tool_calls) is signed, the content not. */
		json_object_set(nm, "content", json_new_null());
		json_object_set(nm, "tool_calls", json_dup(tcs));
	} else if (json_is(c, JSON_STRING) || json_is(c, JSON_ARRAY))
		/* §8: the string, or the parts' texts joined, is signed. */
		json_object_set(nm, "content", json_new_stringn(out, outlen));
	else
		json_object_set(nm, "content", json_new_null());
	nc = json_new_object();
	json_object_set(nc, "index", json_new_int(0));
	json_object_set(nc, "message", nm);
	json_object_set(nc, "finish_reason", scrub_finish_reason(fr));
	choices = json_new_array();
	json_array_add(choices, nc);

	o = json_new_object();
	if (scrub_token((v = json_get(inner, "id")), SCRUB_MAX_NAME, 0))
		json_object_set(o, "id", json_dup(v));
	else {
		id = req_completion_id();
		json_object_set(o, "id", json_new_string(id));
		free(id);
	}
	json_object_set(o, "object", json_new_string("chat.completion"));
	if (json_is((v = json_get(inner, "created")), JSON_INT))
		json_object_set(o, "created", json_dup(v));
	else
		json_object_set(o, "created",
		    json_new_int((long long)time(NULL)));
	json_object_set(o, "model", scrub_model(json_get(inner, "model"),
	    model));
	json_object_set(o, "choices", choices);
	if (json_is((v = json_get(inner, "usage")), JSON_OBJECT))
		json_object_set(o, "usage", scrub_usage(v));
	/*
	 * The enclave's proof itself (PROTOCOL.md §9, §10: the inner response
	 * keeps it), so an agent can verify again: fields verify_response()
	 * has just checked, which carry no text of the model.
	 */
	for (i = 0; i < SCRUB_NPROOF; i++) {
		v = json_get(inner, scrub_proof[i]);
		if (json_is(v, JSON_STRING) || json_is(v, JSON_INT))
			json_object_set(o, scrub_proof[i], json_dup(v));
	}
	return (o);
}

/* A stream delta's tool_calls as the fold of §8 reads them.  New value. */
static struct json_value *
scrub_tool_deltas(const struct json_value *calls)
{
	const struct json_value	*tc, *fn, *v;
	struct json_value	*a, *t, *f;
	int64_t			 index;
	size_t			 i;

	a = json_new_array();
	for (i = 0; i < calls->n; i++) {
		tc = calls->items[i];
		if (!json_is(tc, JSON_OBJECT))
			continue;	/* the fold skips it */
		index = 0;
		if ((v = json_get(tc, "index")) != NULL &&
		    json_to_int64(v, &index) == -1)
			continue;	/* sse.c refused the stream */
		t = json_new_object();
		json_object_set(t, "index", json_new_int((long long)index));
		if (json_is((v = json_get(tc, "id")), JSON_STRING))
			json_object_set(t, "id", json_dup(v));
		if (json_is((v = json_get(tc, "type")), JSON_STRING))
			json_object_set(t, "type", json_dup(v));
		fn = json_get(tc, "function");
		if (json_is(fn, JSON_OBJECT)) {
			f = json_new_object();
			if (json_is((v = json_get(fn, "name")), JSON_STRING))
				json_object_set(f, "name", json_dup(v));
			if (json_is((v = json_get(fn, "arguments")),
			    JSON_STRING))
				json_object_set(f, "arguments", json_dup(v));
			json_object_set(t, "function", f);
		}
		json_array_add(a, t);
	}
	return (a);
}

/*
 * Stream: a gateway frame in the held form, only choices[0]'s delta role,
 * content (parts joined, as §8 reads them) and tool-call deltas.  Which of
 * content and tool_calls was signed is known only at the final frame; the
 * replay shows the one signed (an_tools).  *ncalls: the calls it shows.
 */
int
scrub_frame(const struct sse_frame *f, struct buf *calls, size_t *ncalls)
{
	struct json_value	*tc;
	int			 flags = 0;

	*ncalls = 0;
	if (f->sf_role)
		flags |= AF_ROLE;
	if (f->sf_content)
		flags |= AF_CONTENT;
	if (f->sf_calls != NULL) {
		tc = scrub_tool_deltas(f->sf_calls);
		*ncalls = tc->n;
		pyjson_write(calls, tc, PYJSON_COMPACT);
		json_free(tc);
		flags |= AF_CALLS;
	}
	return (flags);
}

/* The model a frame shows: its own when sane, else fallback (NULL: ""). */
const char *
scrub_frame_model(const struct sse_frame *f, const char *fallback,
    size_t *len)
{
	if (scrub_token_str(f->sf_model, f->sf_model_len, SCRUB_MAX_NAME, 0)) {
		*len = f->sf_model_len;
		return (f->sf_model);
	}
	if (fallback == NULL)
		fallback = "";
	*len = strlen(fallback);
	return (fallback);
}

/* 1 when the frame's finish_reason shows (a token), 0 for null. */
int
scrub_frame_finish(const struct sse_frame *f)
{
	return (scrub_token_str(f->sf_finish, f->sf_finish_len, 32, 1));
}

/* The enclave's tee_* proof fields of a response or final frame: new. */
struct json_value *
scrub_proof_fields(const struct json_value *v)
{
	const struct json_value	*f;
	struct json_value	*o;
	size_t			 i;

	o = json_new_object();
	for (i = 0; i < SCRUB_NPROOF; i++) {
		f = json_get(v, scrub_proof[i]);
		if (json_is(f, JSON_STRING) || json_is(f, JSON_INT))
			json_object_set(o, scrub_proof[i], json_dup(f));
	}
	return (o);
}

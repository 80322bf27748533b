/*
 * translate.c: what the dialects that translate into an OpenAI chat body
 * (anthropic.c, responses.c) build alike: the chat message, tool, tool
 * call and content part shapes, the text of a string or of text parts,
 * and the 400 a translation fails with.  Every builder returns a new
 * value and takes ownership of the values it is given.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bytes.h"
#include "json.h"
#include "og-veil.h"

/* A dialect translation's 400: the message and the field at fault. */
int
translate_fail(struct translate_err *e, const char *param, const char *fmt,
    ...)
{
	va_list	ap;

	snprintf(e->param, e->paramlen, "%s", param);
	va_start(ap, fmt);
	vsnprintf(e->msg, e->msglen, fmt, ap);
	va_end(ap);
	return (-1);
}

/* A copy of v when it is a string, else "". */
struct json_value *
translate_str(const struct json_value *v)
{
	return (json_is(v, JSON_STRING) ? json_dup(v) : json_new_string(""));
}

/* The text of a string or of an array of text parts, joined by sep. */
void
translate_text(struct buf *b, const struct json_value *v, const char *sep)
{
	const struct json_value	*t;
	size_t			 i, n = 0;

	if (json_is(v, JSON_STRING)) {
		buf_add(b, v->s, v->len);
		return;
	}
	if (!json_is(v, JSON_ARRAY))
		return;
	for (i = 0; i < v->n; i++) {
		t = json_get(v->items[i], "text");
		if (!json_is(t, JSON_STRING))
			continue;	/* images in a tool result: dropped */
		if (n++ > 0)
			buf_add_str(b, sep);
		buf_add(b, t->s, t->len);
	}
}

/* translate_text() as a string value. */
struct json_value *
translate_text_value(const struct json_value *v, const char *sep)
{
	struct json_value	*s;
	struct buf		 b;

	buf_init(&b);
	translate_text(&b, v, sep);
	s = json_new_stringn(b.len > 0 ? (const char *)b.data : "", b.len);
	buf_clear(&b, 0);
	return (s);
}

/* {"type": type, key: v}: a content part, a tool, a tool_choice. */
struct json_value *
translate_typed(const char *type, const char *key, struct json_value *v)
{
	struct json_value	*o;

	o = json_new_object();
	json_object_set(o, "type", json_new_string(type));
	json_object_set(o, key, v);
	return (o);
}

/* {"role": role, "content": content}. */
struct json_value *
translate_msg(const char *role, struct json_value *content)
{
	struct json_value	*m;

	m = json_new_object();
	json_object_set(m, "role", json_new_string(role));
	json_object_set(m, "content", content);
	return (m);
}

/* The tool message answering call id. */
struct json_value *
translate_tool_msg(struct json_value *id, struct json_value *content)
{
	struct json_value	*m;

	m = json_new_object();
	json_object_set(m, "role", json_new_string("tool"));
	json_object_set(m, "tool_call_id", id);
	json_object_set(m, "content", content);
	return (m);
}

/* An assistant's function tool call. */
struct json_value *
translate_call(struct json_value *id, struct json_value *name,
    struct json_value *args)
{
	struct json_value	*call, *fn;

	fn = json_new_object();
	json_object_set(fn, "name", name);
	json_object_set(fn, "arguments", args);
	call = json_new_object();
	json_object_set(call, "id", id);
	json_object_set(call, "type", json_new_string("function"));
	json_object_set(call, "function", fn);
	return (call);
}

/*
 * A function tool: the name and string description of t, and params
 * (NULL: none).  The caller has checked that t's name is a string.
 */
struct json_value *
translate_tool(const struct json_value *t, struct json_value *params)
{
	const struct json_value	*v;
	struct json_value	*fn;

	fn = json_new_object();
	json_object_set(fn, "name", json_dup(json_get(t, "name")));
	if (json_is((v = json_get(t, "description")), JSON_STRING))
		json_object_set(fn, "description", json_dup(v));
	if (params != NULL)
		json_object_set(fn, "parameters", params);
	return (translate_typed("function", "function", fn));
}

/* The tool_choice naming one function: tc's name, a string. */
struct json_value *
translate_tool_choice(const struct json_value *tc)
{
	struct json_value	*fn;

	fn = json_new_object();
	json_object_set(fn, "name", json_dup(json_get(tc, "name")));
	return (translate_typed("function", "function", fn));
}

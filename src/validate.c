/*
 * validate.c: the agent's chat completion body checked as the OpenAI API
 * checks it, before PROTOCOL.md §7 builds anything from it: field types,
 * finite numbers in range, no lone surrogates, a bounded message count.
 * Every failure is a 400 whose message and param name the field (for
 * example "messages[2].content").  null for an optional field is absent.
 */
#include "compat.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "og-veil.h"

/* Bits for the types a field may have. */
#define V_NULL		0x01
#define V_BOOL		0x02
#define V_INT		0x04
#define V_FLOAT		0x08
#define V_NUMBER	(V_INT | V_FLOAT)
#define V_STRING	0x10
#define V_ARRAY		0x20
#define V_OBJECT	0x40

static const char *
validate_type_name(const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL:
		return ("null");
	case JSON_FALSE:
	case JSON_TRUE:
		return ("a boolean");
	case JSON_INT:
		return ("an integer");
	case JSON_FLOAT:
		return ("a number");
	case JSON_STRING:
		return ("a string");
	case JSON_ARRAY:
		return ("an array");
	case JSON_OBJECT:
		return ("an object");
	}
	return ("unknown");
}

static int
validate_mask(const struct json_value *v)
{
	switch (v->type) {
	case JSON_NULL:
		return (V_NULL);
	case JSON_FALSE:
	case JSON_TRUE:
		return (V_BOOL);
	case JSON_INT:
		return (V_INT);
	case JSON_FLOAT:
		return (V_FLOAT);
	case JSON_STRING:
		return (V_STRING);
	case JSON_ARRAY:
		return (V_ARRAY);
	case JSON_OBJECT:
		return (V_OBJECT);
	}
	return (0);
}

static void
validate_path(char *, size_t, const char *, ...)
    __attribute__((__format__(__printf__, 3, 4)));

/* A field path ("messages[2].content") into buf. */
static void
validate_path(char *buf, size_t cap, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
}

static int
validate_err(struct validate_error *ve, const char *param, const char *fmt,
    ...)
    __attribute__((__format__(__printf__, 3, 4)));

static int
validate_err(struct validate_error *ve, const char *param, const char *fmt,
    ...)
{
	va_list	ap;

	snprintf(ve->param, sizeof(ve->param), "%s", param);
	va_start(ap, fmt);
	vsnprintf(ve->message, sizeof(ve->message), fmt, ap);
	va_end(ap);
	return (-1);
}

/* v has one of the types in mask; otherwise a 400 naming param. */
static int
validate_type(struct validate_error *ve, const char *param,
    const struct json_value *v, int mask, const char *want)
{
	if (validate_mask(v) & mask)
		return (0);
	return (validate_err(ve, param, "Invalid type for '%s': expected %s, "
	    "but got %s instead.", param, want, validate_type_name(v)));
}

/* An optional number in [lo, hi]; absent or null passes. */
static int
validate_number(struct validate_error *ve, const struct json_value *body,
    const char *key, double lo, double hi)
{
	const struct json_value	*v = json_get(body, key);
	double			 d;

	if (v == NULL || json_is(v, JSON_NULL))
		return (0);
	if (validate_type(ve, key, v, V_NUMBER, "a number") == -1)
		return (-1);
	if (json_to_double(v, &d) == -1 || !isfinite(d) || d < lo || d > hi)
		return (validate_err(ve, key, "Invalid '%s': %.*s is out of "
		    "range; expected a number between %g and %g.", key,
		    (int)(v->len > 40 ? 40 : v->len), v->s, lo, hi));
	return (0);
}

/* An optional integer in [lo, hi]. */
static int
validate_integer(struct validate_error *ve, const struct json_value *body,
    const char *key, long long lo, long long hi)
{
	const struct json_value	*v = json_get(body, key);
	int64_t			 n;

	if (v == NULL || json_is(v, JSON_NULL))
		return (0);
	if (validate_type(ve, key, v, V_INT, "an integer") == -1)
		return (-1);
	if (json_to_int64(v, &n) == -1 || n < lo || n > hi)
		return (validate_err(ve, key, "Invalid '%s': %.*s is out of "
		    "range; expected an integer between %lld and %lld.", key,
		    (int)(v->len > 40 ? 40 : v->len), v->s, lo, hi));
	return (0);
}

/* An optional field of the given types. */
static int
validate_opt(struct validate_error *ve, const struct json_value *body,
    const char *key, int mask, const char *want)
{
	const struct json_value	*v = json_get(body, key);

	if (v == NULL || json_is(v, JSON_NULL))
		return (0);
	return (validate_type(ve, key, v, mask, want));
}

/*
 * Find the string or key with a lone surrogate under v; its path in path.
 * Returns 1 when it is a key (the path then names the object: a key with a
 * lone surrogate is never echoed back).
 */
static int
validate_surrogate_path(const struct json_value *v, char *path, size_t cap)
{
	struct json_value	 key;
	size_t			 i, len = strlen(path);

	if (json_is(v, JSON_ARRAY)) {
		for (i = 0; i < v->n; i++) {
			if (!json_has_lone_surrogate(v->items[i]))
				continue;
			snprintf(path + len, cap - len, "[%zu]", i);
			return (validate_surrogate_path(v->items[i], path,
			    cap));
		}
	} else if (json_is(v, JSON_OBJECT)) {
		for (i = 0; i < v->n; i++) {
			memset(&key, 0, sizeof(key));
			key.type = JSON_STRING;
			key.s = v->members[i].key;
			key.len = v->members[i].keylen;
			if (json_has_lone_surrogate(&key))
				return (1);
			if (!json_has_lone_surrogate(v->members[i].val))
				continue;
			snprintf(path + len, cap - len, "%s%s",
			    len > 0 ? "." : "", v->members[i].key);
			return (validate_surrogate_path(v->members[i].val,
			    path, cap));
		}
	}
	return (0);
}

static int
validate_content(struct validate_error *ve, const char *param,
    const struct json_value *c, int allow_null)
{
	const struct json_value	*part, *t;
	char			 p[256];
	const char		*type;
	size_t			 i;

	if (json_is(c, JSON_NULL) && allow_null)
		return (0);
	if (validate_type(ve, param, c, V_STRING | V_ARRAY,
	    "one of a string or array of objects") == -1)
		return (-1);
	if (!json_is(c, JSON_ARRAY))
		return (0);
	for (i = 0; i < c->n; i++) {
		part = c->items[i];
		validate_path(p, sizeof(p), "%s[%zu]", param, i);
		if (validate_type(ve, p, part, V_OBJECT, "an object") == -1)
			return (-1);
		validate_path(p, sizeof(p), "%s[%zu].type", param, i);
		if ((t = json_get(part, "type")) == NULL)
			return (validate_err(ve, p, "Missing required "
			    "parameter: '%s'.", p));
		if (validate_type(ve, p, t, V_STRING, "a string") == -1)
			return (-1);
		type = t->s;
		if (strcmp(type, "text") == 0) {
			validate_path(p, sizeof(p), "%s[%zu].text", param, i);
			if ((t = json_get(part, "text")) == NULL)
				return (validate_err(ve, p, "Missing "
				    "required parameter: '%s'.", p));
			if (validate_type(ve, p, t, V_STRING,
			    "a string") == -1)
				return (-1);
		}
	}
	return (0);
}

static int
validate_tool_calls(struct validate_error *ve, const char *param,
    const struct json_value *tc)
{
	const struct json_value	*c, *f, *v;
	char			 p[256];
	size_t			 i;

	if (validate_type(ve, param, tc, V_ARRAY, "an array") == -1)
		return (-1);
	for (i = 0; i < tc->n; i++) {
		c = tc->items[i];
		validate_path(p, sizeof(p), "%s[%zu]", param, i);
		if (validate_type(ve, p, c, V_OBJECT, "an object") == -1)
			return (-1);
		if ((v = json_get(c, "id")) != NULL) {
			validate_path(p, sizeof(p), "%s[%zu].id", param, i);
			if (validate_type(ve, p, v, V_STRING,
			    "a string") == -1)
				return (-1);
		}
		if ((v = json_get(c, "type")) != NULL) {
			validate_path(p, sizeof(p), "%s[%zu].type", param, i);
			if (validate_type(ve, p, v, V_STRING,
			    "a string") == -1)
				return (-1);
		}
		if ((f = json_get(c, "function")) == NULL)
			continue;
		validate_path(p, sizeof(p), "%s[%zu].function", param, i);
		if (validate_type(ve, p, f, V_OBJECT, "an object") == -1)
			return (-1);
		if ((v = json_get(f, "name")) != NULL) {
			validate_path(p, sizeof(p), "%s[%zu].function.name",
			    param, i);
			if (validate_type(ve, p, v, V_STRING,
			    "a string") == -1)
				return (-1);
		}
		if ((v = json_get(f, "arguments")) != NULL) {
			validate_path(p, sizeof(p),
			    "%s[%zu].function.arguments",
			    param, i);
			if (validate_type(ve, p, v, V_STRING,
			    "a string") == -1)
				return (-1);
		}
	}
	return (0);
}

static int
validate_message(struct validate_error *ve, size_t i,
    const struct json_value *m)
{
	const struct json_value	*role, *c, *v;
	char			 p[256];
	const char		*r;
	int			 assistant;

	validate_path(p, sizeof(p), "messages[%zu]", i);
	if (validate_type(ve, p, m, V_OBJECT, "an object") == -1)
		return (-1);
	validate_path(p, sizeof(p), "messages[%zu].role", i);
	if ((role = json_get(m, "role")) == NULL)
		return (validate_err(ve, p, "Missing required parameter: "
		    "'%s'.", p));
	if (validate_type(ve, p, role, V_STRING, "a string") == -1)
		return (-1);
	r = role->s;
	if (strcmp(r, "system") != 0 && strcmp(r, "developer") != 0 &&
	    strcmp(r, "user") != 0 && strcmp(r, "assistant") != 0 &&
	    strcmp(r, "tool") != 0 && strcmp(r, "function") != 0)
		return (validate_err(ve, p, "Invalid value for '%s': "
		    "supported roles are 'system', 'developer', 'user', "
		    "'assistant', 'tool' and 'function'.", p));
	assistant = strcmp(r, "assistant") == 0;
	validate_path(p, sizeof(p), "messages[%zu].content", i);
	c = json_get(m, "content");
	if (c == NULL && !assistant)
		return (validate_err(ve, p, "Missing required parameter: "
		    "'%s'.", p));
	if (c != NULL && validate_content(ve, p, c, assistant ||
	    strcmp(r, "function") == 0) == -1)
		return (-1);
	if ((v = json_get(m, "name")) != NULL && !json_is(v, JSON_NULL)) {
		validate_path(p, sizeof(p), "messages[%zu].name", i);
		if (validate_type(ve, p, v, V_STRING, "a string") == -1)
			return (-1);
	}
	if ((v = json_get(m, "tool_call_id")) != NULL &&
	    !json_is(v, JSON_NULL)) {
		validate_path(p, sizeof(p), "messages[%zu].tool_call_id", i);
		if (validate_type(ve, p, v, V_STRING, "a string") == -1)
			return (-1);
	}
	if ((v = json_get(m, "tool_calls")) != NULL &&
	    !json_is(v, JSON_NULL)) {
		validate_path(p, sizeof(p), "messages[%zu].tool_calls", i);
		if (validate_tool_calls(ve, p, v) == -1)
			return (-1);
	}
	return (0);
}

static int
validate_tools(struct validate_error *ve, const struct json_value *tools)
{
	const struct json_value	*t, *f, *v;
	char			 p[256];
	size_t			 i;

	if (validate_type(ve, "tools", tools, V_ARRAY, "an array") == -1)
		return (-1);
	for (i = 0; i < tools->n; i++) {
		t = tools->items[i];
		validate_path(p, sizeof(p), "tools[%zu]", i);
		if (validate_type(ve, p, t, V_OBJECT, "an object") == -1)
			return (-1);
		validate_path(p, sizeof(p), "tools[%zu].type", i);
		if ((v = json_get(t, "type")) != NULL &&
		    validate_type(ve, p, v, V_STRING, "a string") == -1)
			return (-1);
		if ((f = json_get(t, "function")) == NULL)
			continue;
		validate_path(p, sizeof(p), "tools[%zu].function", i);
		if (validate_type(ve, p, f, V_OBJECT, "an object") == -1)
			return (-1);
		validate_path(p, sizeof(p), "tools[%zu].function.name", i);
		if ((v = json_get(f, "name")) == NULL)
			return (validate_err(ve, p, "Missing required "
			    "parameter: '%s'.", p));
		if (validate_type(ve, p, v, V_STRING, "a string") == -1)
			return (-1);
		validate_path(p, sizeof(p),
		    "tools[%zu].function.parameters", i);
		if ((v = json_get(f, "parameters")) != NULL &&
		    !json_is(v, JSON_NULL) &&
		    validate_type(ve, p, v, V_OBJECT, "an object") == -1)
			return (-1);
	}
	return (0);
}

static int
validate_stop(struct validate_error *ve, const struct json_value *stop)
{
	char	p[64];
	size_t	i;

	if (json_is(stop, JSON_NULL))
		return (0);
	if (validate_type(ve, "stop", stop, V_STRING | V_ARRAY,
	    "one of a string or array of strings") == -1)
		return (-1);
	if (!json_is(stop, JSON_ARRAY))
		return (0);
	if (stop->n > 4)
		return (validate_err(ve, "stop", "Invalid 'stop': at most 4 "
		    "stop sequences are allowed."));
	for (i = 0; i < stop->n; i++) {
		validate_path(p, sizeof(p), "stop[%zu]", i);
		if (validate_type(ve, p, stop->items[i], V_STRING,
		    "a string") == -1)
			return (-1);
	}
	return (0);
}

/* 0, or -1 with a 400 message naming the field at fault. */
int
validate_chat_request(const struct json_value *body,
    struct validate_error *ve)
{
	const struct json_value	*v, *msgs;
	char			 path[256];
	size_t			 i;

	ve->param[0] = '\0';
	ve->message[0] = '\0';
	if (!json_is(body, JSON_OBJECT))
		return (validate_err(ve, "", "The request body must be a "
		    "JSON object, but got %s.", validate_type_name(body)));

	if ((v = json_get(body, "model")) == NULL || json_is(v, JSON_NULL))
		return (validate_err(ve, "model", "Missing required "
		    "parameter: 'model'."));
	if (validate_type(ve, "model", v, V_STRING, "a string") == -1)
		return (-1);
	if (v->len == 0 || strlen(v->s) != v->len)
		return (validate_err(ve, "model", "Invalid 'model': expected "
		    "a non-empty model id (GET /v1/models lists them)."));

	if ((msgs = json_get(body, "messages")) == NULL ||
	    json_is(msgs, JSON_NULL))
		return (validate_err(ve, "messages", "Missing required "
		    "parameter: 'messages'."));
	if (validate_type(ve, "messages", msgs, V_ARRAY, "an array") == -1)
		return (-1);
	if (msgs->n == 0)
		return (validate_err(ve, "messages", "Invalid 'messages': "
		    "empty array. Expected an array with minimum length 1."));
	if (msgs->n > VALIDATE_MAX_MESSAGES)
		return (validate_err(ve, "messages", "Invalid 'messages': "
		    "array too long (%zu). Expected at most %d messages.",
		    msgs->n, VALIDATE_MAX_MESSAGES));
	for (i = 0; i < msgs->n; i++)
		if (validate_message(ve, i, msgs->items[i]) == -1)
			return (-1);

	if (validate_number(ve, body, "temperature", 0.0, 2.0) == -1 ||
	    validate_number(ve, body, "top_p", 0.0, 1.0) == -1 ||
	    validate_number(ve, body, "presence_penalty", -2.0, 2.0) == -1 ||
	    validate_number(ve, body, "frequency_penalty", -2.0, 2.0) == -1 ||
	    validate_integer(ve, body, "n", 1, 128) == -1 ||
	    validate_integer(ve, body, "max_tokens", 0, INT64_MAX) == -1 ||
	    validate_integer(ve, body, "max_completion_tokens", 0,
	    INT64_MAX) == -1 ||
	    validate_integer(ve, body, "seed", INT64_MIN, INT64_MAX) == -1 ||
	    validate_integer(ve, body, "top_logprobs", 0, 20) == -1 ||
	    validate_opt(ve, body, "stream", V_BOOL, "a boolean") == -1 ||
	    validate_opt(ve, body, "logprobs", V_BOOL, "a boolean") == -1 ||
	    validate_opt(ve, body, "parallel_tool_calls", V_BOOL,
	    "a boolean") == -1 ||
	    validate_opt(ve, body, "web_search", V_BOOL, "a boolean") == -1 ||
	    validate_opt(ve, body, "user", V_STRING, "a string") == -1 ||
	    validate_opt(ve, body, "response_format", V_OBJECT,
	    "an object") == -1 ||
	    validate_opt(ve, body, "stream_options", V_OBJECT,
	    "an object") == -1 ||
	    validate_opt(ve, body, "metadata", V_OBJECT, "an object") == -1 ||
	    validate_opt(ve, body, "logit_bias", V_OBJECT, "an object") == -1 ||
	    validate_opt(ve, body, "tool_choice", V_STRING | V_OBJECT,
	    "one of a string or object") == -1)
		return (-1);
	if ((v = json_get(body, "stop")) != NULL && validate_stop(ve, v) == -1)
		return (-1);
	if ((v = json_get(body, "tools")) != NULL && !json_is(v, JSON_NULL) &&
	    validate_tools(ve, v) == -1)
		return (-1);
	if ((v = json_get(body, "response_format")) != NULL &&
	    json_is(v, JSON_OBJECT)) {
		if ((v = json_get(v, "type")) == NULL)
			return (validate_err(ve, "response_format.type",
			    "Missing required parameter: "
			    "'response_format.type'."));
		if (validate_type(ve, "response_format.type", v, V_STRING,
		    "a string") == -1)
			return (-1);
	}
	if ((v = json_get(body, "stream_options")) != NULL &&
	    json_is(v, JSON_OBJECT) &&
	    (v = json_get(v, "include_usage")) != NULL &&
	    !json_is(v, JSON_NULL) &&
	    validate_type(ve, "stream_options.include_usage", v, V_BOOL,
	    "a boolean") == -1)
		return (-1);

	path[0] = '\0';
	if (json_has_lone_surrogate(body)) {
		if (validate_surrogate_path(body, path, sizeof(path)))
			return (validate_err(ve, path, "Invalid '%s': an "
			    "object key holds a lone UTF-16 surrogate "
			    "(\\ud800-\\udfff without its pair), which is "
			    "not valid Unicode.",
			    path[0] != '\0' ? path : "body"));
		return (validate_err(ve, path, "Invalid '%s': the string "
		    "holds a lone UTF-16 surrogate (\\ud800-\\udfff without "
		    "its pair), which is not valid Unicode.",
		    path[0] != '\0' ? path : "body"));
	}
	return (0);
}

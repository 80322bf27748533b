/*
 * digest.c: the request the enclave commits to, PROTOCOL.md §7 (an agent's
 * OpenAI body to wire and canonical, request_hash = keccak256 of
 * json.dumps(canonical, sort_keys=True)), and the content it commits to,
 * §8 (the signed output of a non-streaming response).  The rules follow
 * the network's reference client, quirks included, as canonical_request.json
 * records them: temperature is always a float, a null user content hashes
 * as "None", the wire keeps each user message's original content.
 */
#include "compat.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "digest.h"
#include "json.h"
#include "keccak.h"
#include "pyjson.h"
#include "xmalloc.h"

/*
 * Errors that name what the agent sent are formatted here, like the
 * reference's messages; the daemon is single-threaded and reads *errstr
 * before it builds another request.
 */
static char	digest_errbuf[160];

/* Python's name for the type json.loads() gives v. */
static const char *
digest_type_name(const struct json_value *v)
{
	if (v == NULL)
		return ("NoneType");
	switch (v->type) {
	case JSON_NULL:
		return ("NoneType");
	case JSON_FALSE:
	case JSON_TRUE:
		return ("bool");
	case JSON_INT:
		return ("int");
	case JSON_FLOAT:
		return ("float");
	case JSON_STRING:
		return ("str");
	case JSON_ARRAY:
		return ("list");
	case JSON_OBJECT:
		return ("dict");
	}
	return ("object");
}

/* "<what>, got <type>" into the error buffer. */
static const char *
digest_err_type(const char *what, const struct json_value *v)
{
	snprintf(digest_errbuf, sizeof(digest_errbuf), "%s, got %s", what,
	    digest_type_name(v));
	return (digest_errbuf);
}

/* "unknown message role: 'x'" with the role shown as Python's repr. */
static const char *
digest_err_role(const struct json_value *role)
{
	size_t	i;

	if (role == NULL || role->type == JSON_NULL)
		return ("unknown message role: None");
	if (role->type != JSON_STRING)
		return (digest_err_type("unknown message role", role));
	for (i = 0; i < role->len; i++)
		if (role->s[i] < 0x20 || role->s[i] > 0x7e ||
		    role->s[i] == '\'' || role->s[i] == '\\')
			return ("unknown message role");
	if (role->len > 64)
		return ("unknown message role");
	snprintf(digest_errbuf, sizeof(digest_errbuf),
	    "unknown message role: '%s'", role->s);
	return (digest_errbuf);
}

/* A copy of v, or null when v is absent (dict.get() gives None). */
static struct json_value *
digest_get_dup(const struct json_value *obj, const char *key)
{
	struct json_value	*v;

	if ((v = json_get(obj, key)) == NULL)
		return (json_new_null());
	return (json_dup(v));
}

/* A copy of obj[key] when present, else a new string def (.get(k, def)). */
static struct json_value *
digest_get_default(const struct json_value *obj, const char *key,
    const char *def)
{
	struct json_value	*v;

	if ((v = json_get(obj, key)) == NULL)
		return (json_new_string(def));
	return (json_dup(v));
}

/* A copy of v when truthy, else "" (Python's `v or ""`). */
static struct json_value *
digest_or_empty(const struct json_value *v)
{
	if (!json_truthy(v))
		return (json_new_string(""));
	return (json_dup(v));
}

/*
 * Python's str() of a JSON scalar that is user content: "None", "True",
 * "False", the integer's digits or the float's repr ("inf" on overflow).
 */
static struct json_value *
digest_py_str(const struct json_value *v)
{
	char	r[32];
	double	d;

	switch (v->type) {
	case JSON_NULL:
		return (json_new_string("None"));
	case JSON_TRUE:
		return (json_new_string("True"));
	case JSON_FALSE:
		return (json_new_string("False"));
	case JSON_INT:
		if (v->len == 2 && v->s[0] == '-' && v->s[1] == '0')
			return (json_new_string("0"));
		return (json_new_stringn(v->s, v->len));
	case JSON_FLOAT:
		d = strtod(v->s, NULL);
		if (isinf(d))
			return (json_new_string(d < 0 ? "-inf" : "inf"));
		pyjson_float_repr(d, r, sizeof(r));
		return (json_new_string(r));
	default:
		return (NULL);
	}
}

/*
 * One part of a user message's content list: text parts keep their text,
 * others only their type and a file name; inline bytes are never hashed.
 */
static struct json_value *
digest_part(const struct json_value *part, const char **errstr)
{
	struct json_value	*c;
	const struct json_value	*type, *name, *file;

	if (!json_is(part, JSON_OBJECT)) {
		*errstr = digest_err_type("each content part must be a JSON "
		    "object", part);
		return (NULL);
	}
	c = json_new_object();
	type = json_get(part, "type");
	if (json_is(type, JSON_STRING) && strcmp(type->s, "text") == 0 &&
	    type->len == 4) {
		json_object_set(c, "type", json_new_string("text"));
		json_object_set(c, "text", digest_or_empty(json_get(part,
		    "text")));
		return (c);
	}
	json_object_set(c, "type", digest_get_dup(part, "type"));
	file = json_get(part, "file");
	name = json_get(file, "filename");
	if (!json_is(name, JSON_STRING) || name->len == 0)
		name = json_get(part, "filename");
	if (json_is(name, JSON_STRING) && name->len > 0)
		json_object_set(c, "filename", json_dup(name));
	return (c);
}

/* A user message's canonical content. */
static struct json_value *
digest_user_content(const struct json_value *content, const char **errstr)
{
	struct json_value	*c, *p;
	size_t			 i;

	if (content == NULL)
		return (json_new_string("None"));
	if (content->type == JSON_STRING)
		return (json_dup(content));
	if (content->type == JSON_ARRAY) {
		c = json_new_array();
		for (i = 0; i < content->n; i++) {
			if ((p = digest_part(content->items[i], errstr)) ==
			    NULL) {
				json_free(c);
				return (NULL);
			}
			json_array_add(c, p);
		}
		return (c);
	}
	if ((c = digest_py_str(content)) == NULL)
		*errstr = digest_err_type("user message content must be a "
		    "string or a list of parts", content);
	return (c);
}

/* An assistant message's tool_calls; defaults only for absent keys. */
static struct json_value *
digest_tool_calls(const struct json_value *tcs, const char **errstr)
{
	struct json_value	*out, *c, *fc;
	const struct json_value	*tc, *fn;
	size_t			 i;

	if (!json_is(tcs, JSON_ARRAY)) {
		*errstr = digest_err_type("'tool_calls' must be a list", tcs);
		return (NULL);
	}
	out = json_new_array();
	for (i = 0; i < tcs->n; i++) {
		tc = tcs->items[i];
		if (!json_is(tc, JSON_OBJECT)) {
			*errstr = digest_err_type("each tool call must be a "
			    "JSON object", tc);
			json_free(out);
			return (NULL);
		}
		if ((fn = json_get(tc, "function")) != NULL &&
		    !json_is(fn, JSON_OBJECT)) {
			*errstr = digest_err_type("a tool call's 'function' "
			    "must be a JSON object", fn);
			json_free(out);
			return (NULL);
		}
		c = json_new_object();
		json_object_set(c, "id", digest_get_default(tc, "id", ""));
		json_object_set(c, "type",
		    digest_get_default(tc, "type", "function"));
		fc = json_new_object();
		json_object_set(fc, "name", digest_get_default(fn, "name", ""));
		json_object_set(fc, "arguments",
		    digest_get_default(fn, "arguments", ""));
		json_object_set(c, "function", fc);
		json_array_add(out, c);
	}
	return (out);
}

/*
 * Map one message by role into its canonical form (*canon) and its wire
 * form (*wire, when wire is not NULL): the same, except that a user
 * message carries its original content on the wire.
 */
static int
digest_message(const struct json_value *msg, struct json_value **canon,
    struct json_value **wire, const char **errstr)
{
	struct json_value	*c, *content, *tcs;
	const struct json_value	*role, *orig;
	const char		*r;

	*canon = NULL;
	if (!json_is(msg, JSON_OBJECT)) {
		*errstr = digest_err_type("each message must be a JSON object",
		    msg);
		return (-1);
	}
	role = json_get(msg, "role");
	r = json_is(role, JSON_STRING) && strlen(role->s) == role->len ?
	    role->s : "";
	orig = json_get(msg, "content");
	c = json_new_object();
	if (strcmp(r, "system") == 0 || strcmp(r, "developer") == 0) {
		json_object_set(c, "role", json_new_string("system"));
		json_object_set(c, "content", digest_get_dup(msg, "content"));
	} else if (strcmp(r, "user") == 0) {
		if ((content = digest_user_content(orig, errstr)) == NULL) {
			json_free(c);
			return (-1);
		}
		json_object_set(c, "role", json_new_string("user"));
		json_object_set(c, "content", content);
	} else if (strcmp(r, "assistant") == 0) {
		json_object_set(c, "role", json_new_string("assistant"));
		json_object_set(c, "content", digest_or_empty(orig));
		tcs = json_get(msg, "tool_calls");
		if (json_truthy(tcs)) {
			if ((tcs = digest_tool_calls(tcs, errstr)) == NULL) {
				json_free(c);
				return (-1);
			}
			json_object_set(c, "tool_calls", tcs);
		}
	} else if (strcmp(r, "tool") == 0) {
		json_object_set(c, "role", json_new_string("tool"));
		json_object_set(c, "content", digest_get_dup(msg, "content"));
		json_object_set(c, "tool_call_id",
		    digest_get_dup(msg, "tool_call_id"));
	} else if (strcmp(r, "function") == 0) {
		json_object_set(c, "role", json_new_string("function"));
		json_object_set(c, "content", digest_get_dup(msg, "content"));
		json_object_set(c, "name", digest_get_dup(msg, "name"));
	} else {
		json_free(c);
		*errstr = digest_err_role(role);
		return (-1);
	}
	*canon = c;
	if (wire != NULL) {
		*wire = json_dup(c);
		if (strcmp(r, "user") == 0)
			json_object_set(*wire, "content",
			    digest_get_dup(msg, "content"));
	}
	return (0);
}

/*
 * float(temperature) as a FLOAT whose text is its repr; 0.0 when absent
 * or null.  A value float() cannot take, or one that is not finite, is
 * refused: the wire must stay JSON the gateway can read.
 */
static struct json_value *
digest_temperature(const struct json_value *t, const char **errstr)
{
	char	r[32];
	double	d;

	if (t == NULL || t->type == JSON_NULL)
		d = 0.0;
	else if (t->type == JSON_INT && json_to_double(t, &d) == 0 &&
	    d == 0.0)
		d = 0.0;	/* float(-0) is 0.0: ints have no -0 */
	else if (t->type == JSON_TRUE || t->type == JSON_FALSE)
		d = t->type == JSON_TRUE ? 1.0 : 0.0;
	else if (json_to_double(t, &d) == -1 || !isfinite(d)) {
		*errstr = t->type == JSON_INT || t->type == JSON_FLOAT ?
		    "'temperature' must be a finite number" :
		    digest_err_type("'temperature' must be a number", t);
		return (NULL);
	}
	pyjson_float_repr(d, r, sizeof(r));
	return (json_new_number(JSON_FLOAT, r));
}

/*
 * PROTOCOL.md §7: the canonical request of an OpenAI body, and (when wire
 * is not NULL) the wire request without tool_choice and stream.
 */
static int
digest_canonical(const struct json_value *body, struct json_value **canonp,
    struct json_value **wirep, const char **errstr)
{
	struct json_value	*canon, *wire = NULL, *cmsgs, *wmsgs = NULL;
	struct json_value	*cm, *wm, *temp;
	const struct json_value	*model, *msgs, *v;
	static const char	*copied[] = { "stop", "tools",
				    "response_format" };
	size_t			 i;

	*canonp = NULL;
	if (!json_is(body, JSON_OBJECT)) {
		*errstr = digest_err_type("the request body must be a JSON "
		    "object", body);
		return (-1);
	}
	model = json_get(body, "model");
	if (!json_truthy(model)) {
		*errstr = "request is missing a 'model'";
		return (-1);
	}
	if (model->type != JSON_STRING) {
		*errstr = digest_err_type("'model' must be a string", model);
		return (-1);
	}
	msgs = json_get(body, "messages");
	if (!json_truthy(msgs)) {
		*errstr = "request is missing 'messages'";
		return (-1);
	}
	if (msgs->type != JSON_ARRAY) {
		*errstr = digest_err_type("'messages' must be a list", msgs);
		return (-1);
	}
	v = json_get(body, "tools");
	if (json_truthy(v) && v->type != JSON_ARRAY) {
		*errstr = digest_err_type("'tools' must be a list", v);
		return (-1);
	}
	if ((temp = digest_temperature(json_get(body, "temperature"),
	    errstr)) == NULL)
		return (-1);

	canon = json_new_object();
	json_object_set(canon, "model", json_dup(model));
	cmsgs = json_new_array();
	json_object_set(canon, "messages", cmsgs);
	if (wirep != NULL) {
		wire = json_new_object();
		json_object_set(wire, "model", json_dup(model));
		wmsgs = json_new_array();
		json_object_set(wire, "messages", wmsgs);
	}
	for (i = 0; i < msgs->n; i++) {
		if (digest_message(msgs->items[i], &cm,
		    wirep != NULL ? &wm : NULL, errstr) == -1) {
			json_free(temp);
			json_free(canon);
			json_free(wire);
			return (-1);
		}
		json_array_add(cmsgs, cm);
		if (wire != NULL)
			json_array_add(wmsgs, wm);
	}
	json_object_set(canon, "temperature", temp);
	v = json_get(body, "max_tokens");
	/*
	 * §7: the gateway reads no max_completion_tokens (what current SDKs
	 * send), so the client sends and hashes it as max_tokens.  Only the
	 * client: the gateway's side hashes the wire as the enclave does.
	 */
	if ((v == NULL || v->type == JSON_NULL) && wirep != NULL) {
		v = json_get(body, "max_completion_tokens");
		if (!json_is(v, JSON_INT) && !json_is(v, JSON_FLOAT))
			v = NULL;
	}
	if (v != NULL && v->type != JSON_NULL)
		json_object_set(canon, "max_tokens", json_dup(v));
	for (i = 0; i < sizeof(copied) / sizeof(copied[0]); i++) {
		v = json_get(body, copied[i]);
		if (json_truthy(v))
			json_object_set(canon, copied[i], json_dup(v));
	}
	if (json_truthy(json_get(body, "web_search")))
		json_object_set(canon, "web_search", json_new_bool(1));

	if (wire != NULL) {
		/* The rest of the wire is the canonical request's. */
		for (i = 0; i < canon->n; i++) {
			if (strcmp(canon->members[i].key, "model") == 0 ||
			    strcmp(canon->members[i].key, "messages") == 0)
				continue;
			json_object_set(wire, canon->members[i].key,
			    json_dup(canon->members[i].val));
		}
		*wirep = wire;
	}
	*canonp = canon;
	return (0);
}

/* Serialise both trees and hash the canonical one. */
static void
digest_finish(struct digest_request *dr)
{
	struct buf	b;

	buf_init(&b);
	buf_reserve(&b, pyjson_size_hint(dr->wire));
	pyjson_write(&b, dr->wire, PYJSON_ENSURE_ASCII);
	dr->wire_json = (char *)buf_detach(&b, &dr->wire_len);
	dr->canonical_json = pyjson_dumps(dr->canonical, &dr->canonical_len);
	keccak256(dr->canonical_json, dr->canonical_len, dr->request_hash);
}

/* Build wire and canonical from an agent's body (§7). */
int
digest_build_request(const struct json_value *body, int stream,
    struct digest_request *dr, const char **errstr)
{
	const struct json_value	*tc;

	memset(dr, 0, sizeof(*dr));
	if (digest_canonical(body, &dr->canonical, &dr->wire, errstr) == -1)
		return (-1);
	/* §7: passed through when present and not null. */
	if ((tc = json_get(body, "tool_choice")) != NULL &&
	    tc->type != JSON_NULL)
		json_object_set(dr->wire, "tool_choice", json_dup(tc));
	if (stream)
		json_object_set(dr->wire, "stream", json_new_bool(1));
	digest_finish(dr);
	return (0);
}

/*
 * The gateway's side: the canonical request of a decrypted wire request,
 * as the enclave computes it before hashing (og-veil-devnet).
 */
int
digest_gateway_request(const struct json_value *wire,
    struct digest_request *dr, const char **errstr)
{
	memset(dr, 0, sizeof(*dr));
	if (digest_canonical(wire, &dr->canonical, NULL, errstr) == -1)
		return (-1);
	dr->wire = json_dup(wire);
	digest_finish(dr);
	return (0);
}

/*
 * What a request holds for its whole life is the texts and the hash: the
 * trees go once they are serialised (a held stream's memory).
 */
void
digest_request_trim(struct digest_request *dr)
{
	json_free(dr->wire);
	json_free(dr->canonical);
	dr->wire = dr->canonical = NULL;
}

/* Free what digest_build_request() or digest_gateway_request() made. */
void
digest_request_clear(struct digest_request *dr)
{
	json_free(dr->wire);
	json_free(dr->canonical);
	/* The texts hold the prompt: wipe them. */
	xfree_secret(dr->wire_json, dr->wire_len);
	xfree_secret(dr->canonical_json, dr->canonical_len);
	memset(dr, 0, sizeof(*dr));
}

/*
 * §8, non-streaming: json.dumps(tool_calls, sort_keys=True) when
 * choices[0] finished with "tool_calls" and carries a tool_calls list;
 * else message.content as a string, or the concatenated text of its
 * parts; else "".  *out is new; the caller frees it.
 */
int
digest_response_output(const struct json_value *resp, char **out,
    size_t *outlen, const char **errstr)
{
	const struct json_value	*choice, *msg, *fr, *tcs, *content, *t;
	struct buf		 b;
	size_t			 i;

	*out = NULL;
	*outlen = 0;
	if ((choice = json_index(json_get(resp, "choices"), 0)) == NULL ||
	    choice->type != JSON_OBJECT) {
		*errstr = "response has no choices";
		return (-1);
	}
	msg = json_get(choice, "message");
	fr = json_get(choice, "finish_reason");
	tcs = json_get(msg, "tool_calls");
	if (json_is(fr, JSON_STRING) && fr->len == 10 &&
	    memcmp(fr->s, "tool_calls", 10) == 0 && json_is(tcs, JSON_ARRAY)) {
		*out = pyjson_dumps(tcs, outlen);
		return (0);
	}
	buf_init(&b);
	buf_add(&b, "", 0);	/* NUL-terminated even when empty */
	content = json_get(msg, "content");
	if (json_is(content, JSON_STRING))
		buf_add(&b, content->s, content->len);
	else if (json_is(content, JSON_ARRAY)) {
		for (i = 0; i < content->n; i++) {
			t = json_get(content->items[i], "text");
			if (json_is(t, JSON_STRING))
				buf_add(&b, t->s, t->len);
		}
	}
	*out = (char *)buf_detach(&b, outlen);
	return (0);
}

/* keccak256 of len bytes as 64 lower-case hex digits in out[65]. */
void
digest_hash_hex(const void *p, size_t len, char *out)
{
	uint8_t	h[KECCAK256_LEN];

	keccak256(p, len, h);
	hex_encode(h, sizeof(h), out);
}

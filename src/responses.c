/*
 * responses.c: the OpenAI Responses dialect (POST /v1/responses, as Codex
 * and the Agents SDK send it).  og-veil is stateless, as Ollama's
 * Responses API is: the whole conversation comes in `input` and nothing
 * is stored (previous_response_id and conversation are refused).  A
 * request is translated into the OpenAI chat body PROTOCOL.md §7 seals;
 * the verified answer is rendered as a `response` object or the official
 * event sequence with sequence_number, ending in response.completed.
 * Accepted and not sent: store, include, prompt_cache_key, client_metadata,
 * parallel_tool_calls, reasoning, metadata, truncation, top_p, user,
 * service_tier, and any field not named here; reasoning items and
 * built-in tools (web_search, ...) are dropped.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"
#include "og-veil.h"

/* The parameter a custom (free-form) tool's text travels in. */
#define RESPONSES_CUSTOM_ARG	"input"

/* A content part of a message item as a chat part, or NULL (dropped). */
static struct json_value *
responses_part(const struct json_value *p)
{
	const char		*type = json_get_str(p, "type");
	const struct json_value	*v;
	struct json_value	*sub;

	if (type == NULL)
		return (NULL);
	if (strcmp(type, "input_text") == 0 ||
	    strcmp(type, "output_text") == 0 || strcmp(type, "text") == 0)
		return (translate_typed("text", "text",
		    translate_str(json_get(p, "text"))));
	if (strcmp(type, "input_image") == 0 &&
	    json_is((v = json_get(p, "image_url")), JSON_STRING)) {
		sub = json_new_object();
		json_object_set(sub, "url", json_dup(v));
		if (json_is((v = json_get(p, "detail")), JSON_STRING))
			json_object_set(sub, "detail", json_dup(v));
		return (translate_typed("image_url", "image_url", sub));
	}
	if (strcmp(type, "input_file") == 0 &&
	    json_is((v = json_get(p, "file_data")), JSON_STRING)) {
		sub = json_new_object();
		if (json_is(json_get(p, "filename"), JSON_STRING))
			json_object_set(sub, "filename",
			    json_dup(json_get(p, "filename")));
		json_object_set(sub, "file_data", json_dup(v));
		return (translate_typed("file", "file", sub));
	}
	return (NULL);		/* refusal, file ids, audio: dropped */
}

/* A message item; developer is the system prompt. */
static struct json_value *
responses_message(const struct json_value *it, struct translate_err *e,
    size_t i)
{
	const char		*role = json_get_str(it, "role");
	const struct json_value	*c = json_get(it, "content");
	struct json_value	*parts, *p;
	size_t			 j;

	if (role == NULL || (strcmp(role, "user") != 0 &&
	    strcmp(role, "assistant") != 0 && strcmp(role, "system") != 0 &&
	    strcmp(role, "developer") != 0)) {
		translate_fail(e, "input", "input[%zu].role: expected one of "
		    "'user', 'assistant', 'system' or 'developer'", i);
		return (NULL);
	}
	if (strcmp(role, "developer") == 0)
		role = "system";
	if (json_is(c, JSON_STRING) || strcmp(role, "user") != 0)
		return (translate_msg(role, translate_text_value(c, "")));
	parts = json_new_array();
	for (j = 0; json_is(c, JSON_ARRAY) && j < c->n; j++)
		if ((p = responses_part(c->items[j])) != NULL)
			json_array_add(parts, p);
	return (translate_msg(role, parts));
}

/* A function_call or custom_tool_call item as a chat tool call. */
static struct json_value *
responses_call(const struct json_value *it, int custom)
{
	struct json_value	*args, *a;
	struct buf		 b;

	if (custom) {
		/* A free-form tool is a function taking one string. */
		a = json_new_object();
		json_object_set(a, RESPONSES_CUSTOM_ARG,
		    translate_str(json_get(it, "input")));
		buf_init(&b);
		pyjson_write(&b, a, PYJSON_COMPACT);
		json_free(a);
		args = json_new_stringn((const char *)b.data, b.len);
		buf_clear(&b, 0);
	} else
		args = translate_str(json_get(it, "arguments"));
	return (translate_call(translate_str(json_get(it, "call_id")),
	    translate_str(json_get(it, "name")), args));
}

/* Fold a call into the assistant message ending msgs, or start one. */
static void
responses_add_call(struct json_value *msgs, struct json_value *call)
{
	struct json_value	*last, *calls, *m;
	const char		*role;

	last = msgs->n > 0 ? msgs->items[msgs->n - 1] : NULL;
	role = json_get_str(last, "role");
	if (role != NULL && strcmp(role, "assistant") == 0) {
		if ((calls = json_get(last, "tool_calls")) == NULL) {
			calls = json_new_array();
			json_object_set(last, "tool_calls", calls);
		}
		json_array_add(calls, call);
		return;
	}
	m = translate_msg("assistant", json_new_null());
	calls = json_new_array();
	json_array_add(calls, call);
	json_object_set(m, "tool_calls", calls);
	json_array_add(msgs, m);
}

/* The function a custom tool becomes: one required string. */
static struct json_value *
responses_custom_params(void)
{
	struct json_value	*p, *props, *arg, *req;

	arg = json_new_object();
	json_object_set(arg, "type", json_new_string("string"));
	json_object_set(arg, "description", json_new_string("the tool's "
	    "free-form input"));
	props = json_new_object();
	json_object_set(props, RESPONSES_CUSTOM_ARG, arg);
	req = json_new_array();
	json_array_add(req, json_new_string(RESPONSES_CUSTOM_ARG));
	p = json_new_object();
	json_object_set(p, "type", json_new_string("object"));
	json_object_set(p, "properties", props);
	json_object_set(p, "required", req);
	json_object_set(p, "additionalProperties", json_new_bool(0));
	return (p);
}

/* Function and custom tools (namespaces opened) into out; others counted. */
static void
responses_tools(struct json_value *out, const struct json_value *tools,
    size_t *dropped, int depth)
{
	const struct json_value	*t, *v;
	struct json_value	*ft;
	const char		*type;
	size_t			 i;

	for (i = 0; json_is(tools, JSON_ARRAY) && i < tools->n; i++) {
		t = tools->items[i];
		type = json_get_str(t, "type");
		if (type != NULL && strcmp(type, "namespace") == 0 &&
		    depth < 4) {
			responses_tools(out, json_get(t, "tools"), dropped,
			    depth + 1);
			continue;
		}
		if (type == NULL || (strcmp(type, "function") != 0 &&
		    strcmp(type, "custom") != 0) ||
		    !json_is(json_get(t, "name"), JSON_STRING)) {
			(*dropped)++;
			continue;
		}
		v = json_get(t, "parameters");
		ft = translate_tool(t, strcmp(type, "custom") == 0 ?
		    responses_custom_params() : json_is(v, JSON_OBJECT) ?
		    json_dup(v) : NULL);
		if (json_is(json_get(t, "strict"), JSON_TRUE))
			json_object_set(json_get(ft, "function"), "strict",
			    json_new_bool(1));
		json_array_add(out, ft);
	}
}

static struct json_value *
responses_tool_choice(const struct json_value *tc)
{
	const char		*type;

	if (json_is(tc, JSON_STRING) && (strcmp(tc->s, "auto") == 0 ||
	    strcmp(tc->s, "none") == 0 || strcmp(tc->s, "required") == 0))
		return (json_dup(tc));
	type = json_get_str(tc, "type");
	if (type == NULL || (strcmp(type, "function") != 0 &&
	    strcmp(type, "custom") != 0) ||
	    !json_is(json_get(tc, "name"), JSON_STRING))
		return (NULL);
	return (translate_tool_choice(tc));
}

/* text.format as response_format (json_object, json_schema); else NULL. */
static struct json_value *
responses_format(const struct json_value *text)
{
	const struct json_value	*f = json_get(text, "format"), *v;
	const char		*type = json_get_str(f, "type");
	struct json_value	*o, *js;

	if (type == NULL || strcmp(type, "text") == 0)
		return (NULL);
	o = json_new_object();
	json_object_set(o, "type", json_new_string(type));
	if (strcmp(type, "json_schema") != 0)
		return (o);
	js = json_new_object();
	json_object_set(js, "name", json_is((v = json_get(f, "name")),
	    JSON_STRING) ? json_dup(v) : json_new_string("response"));
	if ((v = json_get(f, "schema")) != NULL)
		json_object_set(js, "schema", json_dup(v));
	if ((v = json_get(f, "strict")) != NULL && (json_is(v, JSON_TRUE) ||
	    json_is(v, JSON_FALSE)))
		json_object_set(js, "strict", json_dup(v));
	json_object_set(o, "json_schema", js);
	return (o);
}

/* One input item into msgs (tools of additional_tools into tools). */
static int
responses_item(struct json_value *msgs, struct json_value *tools,
    size_t *dropped, const struct json_value *it, size_t i,
    struct translate_err *e)
{
	const char		*type = json_get_str(it, "type");
	struct json_value	*m;

	if (!json_is(it, JSON_OBJECT))
		return (translate_fail(e, "input", "input[%zu]: expected an "
		    "object", i));
	if (type == NULL || strcmp(type, "message") == 0) {
		if ((m = responses_message(it, e, i)) == NULL)
			return (-1);
		json_array_add(msgs, m);
	} else if (strcmp(type, "function_call") == 0)
		responses_add_call(msgs, responses_call(it, 0));
	else if (strcmp(type, "custom_tool_call") == 0)
		responses_add_call(msgs, responses_call(it, 1));
	else if (strcmp(type, "function_call_output") == 0 ||
	    strcmp(type, "custom_tool_call_output") == 0)
		json_array_add(msgs, translate_tool_msg(translate_str(
		    json_get(it, "call_id")), translate_text_value(
		    json_get(it, "output"), "")));
	else if (strcmp(type, "additional_tools") == 0)
		responses_tools(tools, json_get(it, "tools"), dropped, 0);
	else if (strcmp(type, "item_reference") == 0)
		return (translate_fail(e, "input", "input[%zu]: og-veil is "
		    "stateless and stores no items: send the referenced item "
		    "itself", i));
	/* reasoning, web_search_call and other items: dropped. */
	return (0);
}

/* The Responses body as an OpenAI chat body (*out new) and its stream. */
static int
responses_translate(const struct json_value *in, struct json_value **out,
    int *stream, char *msg, size_t msglen, char *param, size_t paramlen)
{
	struct translate_err	 e = { msg, msglen, param, paramlen };
	const struct json_value	*v, *input;
	struct json_value	*o, *msgs, *tools, *tc, *rf;
	size_t			 i, dropped = 0;

	*out = NULL;
	if (!json_is(in, JSON_OBJECT))
		return (translate_fail(&e, "", "the body must be a JSON object "
		    "(an OpenAI Responses request)"));
	if (((v = json_get(in, "previous_response_id")) != NULL &&
	    !json_is(v, JSON_NULL)) || ((v = json_get(in, "conversation")) !=
	    NULL && !json_is(v, JSON_NULL)))
		return (translate_fail(&e, json_get(in,
		    "previous_response_id") != NULL &&
		    !json_is(json_get(in, "previous_response_id"), JSON_NULL) ?
		    "previous_response_id" : "conversation", "og-veil is "
		    "stateless and stores no responses: send the full "
		    "conversation in input (and store: false) instead of "
		    "previous_response_id or conversation"));
	if (!json_is((v = json_get(in, "model")), JSON_STRING) || v->len == 0)
		return (translate_fail(&e, "model", "Missing required "
		    "parameter: 'model'."));
	input = json_get(in, "input");
	if (!json_is(input, JSON_STRING) && !json_is(input, JSON_ARRAY))
		return (translate_fail(&e, "input", "Missing required "
		    "parameter: 'input' (a string or an array of items)."));
	o = json_new_object();
	json_object_set(o, "model", json_dup(v));
	msgs = json_new_array();
	tools = json_new_array();
	if (json_is((v = json_get(in, "instructions")), JSON_STRING) &&
	    v->len > 0)
		json_array_add(msgs, translate_msg("system", json_dup(v)));
	if (json_is(input, JSON_STRING))
		json_array_add(msgs, translate_msg("user", json_dup(input)));
	for (i = 0; json_is(input, JSON_ARRAY) && i < input->n; i++)
		if (responses_item(msgs, tools, &dropped, input->items[i], i,
		    &e) == -1) {
			json_free(msgs);
			json_free(tools);
			json_free(o);
			return (-1);
		}
	if (msgs->n == 0) {
		json_free(msgs);
		json_free(tools);
		json_free(o);
		return (translate_fail(&e, "input", "input holds no message"));
	}
	json_object_set(o, "messages", msgs);
	responses_tools(tools, json_get(in, "tools"), &dropped, 0);
	if (dropped > 0)
		log_warnx("responses: %zu built-in tool%s dropped (the "
		    "enclave runs function tools only)", dropped,
		    dropped > 1 ? "s" : "");
	if (tools->n > 0) {
		json_object_set(o, "tools", tools);
		if ((tc = responses_tool_choice(json_get(in,
		    "tool_choice"))) != NULL)
			json_object_set(o, "tool_choice", tc);
	} else
		json_free(tools);
	if ((v = json_get(in, "max_output_tokens")) != NULL &&
	    json_is(v, JSON_INT))
		json_object_set(o, "max_tokens", json_dup(v));
	if ((v = json_get(in, "temperature")) != NULL &&
	    (json_is(v, JSON_INT) || json_is(v, JSON_FLOAT)))
		json_object_set(o, "temperature", json_dup(v));
	if ((rf = responses_format(json_get(in, "text"))) != NULL)
		json_object_set(o, "response_format", rf);
	*stream = json_is(json_get(in, "stream"), JSON_TRUE);
	*out = o;
	return (0);
}

/* The OpenAI envelope with the error class of the status. */
static void
responses_error(struct buf *b, const struct error_def *ed, int status,
    const char *param, const char *message)
{
	chat_error_json(b, message, error_openai_type(status), ed->name,
	    param);
}

/* 1 when name is a custom (free-form) tool of the agent's request. */
static int
responses_is_custom(const struct json_value *tools, const char *name,
    int depth)
{
	const struct json_value	*t;
	const char		*type, *n;
	size_t			 i;

	for (i = 0; json_is(tools, JSON_ARRAY) && i < tools->n; i++) {
		t = tools->items[i];
		type = json_get_str(t, "type");
		n = json_get_str(t, "name");
		if (type != NULL && strcmp(type, "namespace") == 0 &&
		    depth < 4 && responses_is_custom(json_get(t, "tools"),
		    name, depth + 1))
			return (1);
		if (type != NULL && strcmp(type, "custom") == 0 &&
		    n != NULL && strcmp(n, name) == 0)
			return (1);
	}
	return (0);
}

static int
responses_custom_call(struct render *rd, const char *name)
{
	const struct json_value	*in = rd->rd_body, *it;
	size_t			 i;

	if (name == NULL)
		return (0);
	if (responses_is_custom(json_get(in, "tools"), name, 0))
		return (1);
	it = json_get(in, "input");
	for (i = 0; json_is(it, JSON_ARRAY) && i < it->n; i++)
		if (responses_is_custom(json_get(it->items[i], "tools"),
		    name, 0))
			return (1);
	return (0);
}

/* An item id derived from the response id, stable across events. */
static struct json_value *
responses_item_id(struct render *rd, const char *prefix, size_t i)
{
	const char	*tail = rd->rd_id + strlen("resp_");
	char		 id[96];

	if (i == (size_t)-1)
		snprintf(id, sizeof(id), "%s%s", prefix, tail);
	else
		snprintf(id, sizeof(id), "%s%s_%zu", prefix, tail, i);
	return (json_new_string(id));
}

/* The output_text part; done 0: as announced, its text still empty. */
static struct json_value *
responses_text_part(const struct answer *an, int done)
{
	struct json_value	*p;

	p = json_new_object();
	json_object_set(p, "type", json_new_string("output_text"));
	json_object_set(p, "text", done ? json_new_stringn(an->an_text !=
	    NULL ? an->an_text : "", an->an_text_len) : json_new_string(""));
	json_object_set(p, "annotations", json_new_array());
	json_object_set(p, "logprobs", json_new_array());
	return (p);
}

static struct json_value *
responses_msg_item(struct render *rd, const struct answer *an, int done)
{
	struct json_value	*it, *content;

	it = json_new_object();
	json_object_set(it, "id", responses_item_id(rd, "msg_", (size_t)-1));
	json_object_set(it, "type", json_new_string("message"));
	json_object_set(it, "status", json_new_string(done ? "completed" :
	    "in_progress"));
	json_object_set(it, "role", json_new_string("assistant"));
	content = json_new_array();
	if (done)
		json_array_add(content, responses_text_part(an, 1));
	json_object_set(it, "content", content);
	return (it);
}

/*
 * The item of verified call i: function_call, or custom_tool_call for a
 * free-form tool (its input is the one string argument).  done 0: the
 * item as announced, arguments still empty.
 */
static struct json_value *
responses_call_item(struct render *rd, const struct json_value *call,
    size_t i, int done)
{
	const struct json_value	*fn = json_get(call, "function");
	const struct json_value	*args = json_get(fn, "arguments"), *s;
	const char		*name = json_get_str(fn, "name");
	struct json_value	*it, *in;
	int			 custom = responses_custom_call(rd, name);

	it = json_new_object();
	json_object_set(it, "id", responses_item_id(rd, custom ? "ctc_" :
	    "fc_", i));
	json_object_set(it, "type", json_new_string(custom ?
	    "custom_tool_call" : "function_call"));
	json_object_set(it, "status", json_new_string(done ? "completed" :
	    "in_progress"));
	json_object_set(it, "call_id", translate_str(json_get(call, "id")));
	json_object_set(it, "name", json_new_string(name != NULL ? name : ""));
	if (!custom) {
		json_object_set(it, "arguments", done ? translate_str(args) :
		    json_new_string(""));
		return (it);
	}
	in = chat_call_input(call);
	s = json_get(in, RESPONSES_CUSTOM_ARG);
	json_object_set(it, "input", !done ? json_new_string("") :
	    json_is(s, JSON_STRING) ? json_dup(s) : translate_str(args));
	json_free(in);
	return (it);
}

static struct json_value *
responses_usage(const struct json_value *u)
{
	struct json_value	*o, *d;
	long long		 in, out;

	in = chat_usage_int(u, "prompt_tokens");
	out = chat_usage_int(u, "completion_tokens");
	o = json_new_object();
	json_object_set(o, "input_tokens", json_new_int(in));
	d = json_new_object();
	json_object_set(d, "cached_tokens", json_new_int(chat_usage_int(
	    json_get(u, "prompt_tokens_details"), "cached_tokens")));
	json_object_set(o, "input_tokens_details", d);
	json_object_set(o, "output_tokens", json_new_int(out));
	d = json_new_object();
	json_object_set(d, "reasoning_tokens", json_new_int(chat_usage_int(
	    json_get(u, "completion_tokens_details"), "reasoning_tokens")));
	json_object_set(o, "output_tokens_details", d);
	json_object_set(o, "total_tokens", json_new_int(in + out));
	return (o);
}

/* A member of the agent's request echoed, or def (owned) when absent. */
static void
responses_echo(struct json_value *o, const struct json_value *in,
    const char *key, struct json_value *def)
{
	const struct json_value	*v = json_get(in, key);

	if (v != NULL && !json_is(v, JSON_NULL)) {
		json_free(def);
		json_object_set(o, key, json_dup(v));
	} else
		json_object_set(o, key, def);
}

static int
responses_incomplete(const struct answer *an)
{
	return (an != NULL && an->an_finish != NULL &&
	    strcmp(an->an_finish, "length") == 0);
}

/*
 * The response object: status in_progress (an NULL), completed,
 * incomplete or failed (error given, owned); with output and usage when
 * an is given.
 */
static struct json_value *
responses_object(struct render *rd, const struct answer *an,
    const char *status, struct json_value *error)
{
	const struct json_value	*in = rd->rd_body;
	struct json_value	*o, *output, *inc, *fmt, *txt;
	size_t			 i;

	o = json_new_object();
	json_object_set(o, "id", json_new_string(rd->rd_id));
	json_object_set(o, "object", json_new_string("response"));
	json_object_set(o, "created_at", json_new_int(rd->rd_created));
	json_object_set(o, "status", json_new_string(status));
	json_object_set(o, "error", error != NULL ? error : json_new_null());
	if (strcmp(status, "incomplete") == 0) {
		inc = json_new_object();
		json_object_set(inc, "reason",
		    json_new_string("max_output_tokens"));
		json_object_set(o, "incomplete_details", inc);
	} else
		json_object_set(o, "incomplete_details", json_new_null());
	responses_echo(o, in, "instructions", json_new_null());
	responses_echo(o, in, "max_output_tokens", json_new_null());
	json_object_set(o, "model", json_new_string(an != NULL &&
	    an->an_model != NULL && *an->an_model != '\0' ? an->an_model :
	    rd->rd_model));
	output = json_new_array();
	if (an != NULL && an->an_tools)
		for (i = 0; i < an->an_calls->n; i++)
			json_array_add(output, responses_call_item(rd,
			    an->an_calls->items[i], i, 1));
	else if (an != NULL)
		json_array_add(output, responses_msg_item(rd, an, 1));
	json_object_set(o, "output", output);
	responses_echo(o, in, "parallel_tool_calls", json_new_bool(1));
	json_object_set(o, "previous_response_id", json_new_null());
	responses_echo(o, in, "reasoning", json_new_null());
	json_object_set(o, "store", json_new_bool(0));
	responses_echo(o, in, "temperature", json_new_number(JSON_FLOAT,
	    "1.0"));
	txt = json_new_object();
	fmt = json_new_object();
	json_object_set(fmt, "type", json_new_string("text"));
	json_object_set(txt, "format", fmt);
	responses_echo(o, in, "text", txt);
	responses_echo(o, in, "tool_choice", json_new_string("auto"));
	responses_echo(o, in, "tools", json_new_array());
	responses_echo(o, in, "top_p", json_new_number(JSON_FLOAT, "1.0"));
	json_object_set(o, "truncation", json_new_string("disabled"));
	json_object_set(o, "usage", an != NULL ?
	    responses_usage(an->an_usage) : json_new_null());
	responses_echo(o, in, "metadata", json_new_object());
	if (an != NULL) {
		for (i = 0; an->an_tee != NULL && i < an->an_tee->n; i++)
			json_object_set(o, an->an_tee->members[i].key,
			    json_dup(an->an_tee->members[i].val));
		if (rd->rd_proof != NULL)
			json_object_set(o, "opengradient_verification",
			    json_dup(rd->rd_proof));
	}
	return (o);
}

static int
responses_answer(struct render *rd, const struct answer *an, struct buf *b,
    struct answer_error *ae)
{
	struct json_value	*o;

	(void)ae;
	o = responses_object(rd, an, responses_incomplete(an) ?
	    "incomplete" : "completed", NULL);
	pyjson_write(b, o, PYJSON_COMPACT);
	json_free(o);
	return (0);
}

/* One event: its type, sequence_number, then the members of o (owned). */
static void
responses_event(struct render *rd, struct buf *b, const char *type,
    struct json_value *o)
{
	struct json_value	*ev;
	size_t			 i;

	ev = json_new_object();
	json_object_set(ev, "type", json_new_string(type));
	json_object_set(ev, "sequence_number",
	    json_new_int((long long)rd->rd_seq++));
	for (i = 0; o != NULL && i < o->n; i++) {
		json_object_set(ev, o->members[i].key, o->members[i].val);
		o->members[i].val = NULL;
	}
	json_free(o);
	chat_sse_event(b, type, ev);
	json_free(ev);
}

/* An event of output item index (and content part 0 when part). */
static struct json_value *
responses_at(struct render *rd, const char *prefix, size_t index, int part,
    int item_index)
{
	struct json_value	*o;

	o = json_new_object();
	json_object_set(o, "item_id", responses_item_id(rd, prefix,
	    item_index ? index : (size_t)-1));
	json_object_set(o, "output_index", json_new_int((long long)index));
	if (part)
		json_object_set(o, "content_index", json_new_int(0));
	return (o);
}

/* An event carrying the response, still in_progress. */
static void
responses_progress(struct render *rd, struct buf *b, const char *type)
{
	struct json_value	*o;

	o = json_new_object();
	json_object_set(o, "response", responses_object(rd, NULL,
	    "in_progress", NULL));
	responses_event(rd, b, type, o);
}

static void
responses_stream_begin(struct render *rd, struct buf *b)
{
	responses_progress(rd, b, "response.created");
	responses_progress(rd, b, "response.in_progress");
}

/*
 * The keep-alive: response.in_progress again.  Codex's stream idle timer
 * is reset by an event with a data: line, never by a comment; the SDKs
 * take a repeated in_progress as a status event without content.
 */
static void
responses_stream_keepalive(struct render *rd, struct buf *b)
{
	responses_progress(rd, b, "response.in_progress");
}

static int
responses_stream_text(struct render *rd, const struct answer *an,
    struct buf *b, size_t limit)
{
	const struct answer_frame *af;
	struct json_value	*o;
	size_t			 i, off, start;

	if (rd->rd_part == 0) {
		o = json_new_object();
		json_object_set(o, "output_index", json_new_int(0));
		json_object_set(o, "item", responses_msg_item(rd, an, 0));
		responses_event(rd, b, "response.output_item.added", o);
		o = responses_at(rd, "msg_", 0, 1, 0);
		json_object_set(o, "part", responses_text_part(an, 0));
		responses_event(rd, b, "response.content_part.added", o);
		rd->rd_part = 1;
		rd->rd_frame = rd->rd_text = 0;
	}
	for (i = start = rd->rd_frame, off = rd->rd_text; i < an->an_nframes;
	    i++) {
		if (i > start && b->len >= limit) {
			rd->rd_frame = i;
			rd->rd_text = off;
			return (1);
		}
		af = &an->an_frames[i];
		if (!(af->af_flags & AF_CONTENT))
			continue;
		if (af->af_text > an->an_text_len - off)
			break;		/* frames hold an_text: never */
		if (af->af_text > 0) {
			o = responses_at(rd, "msg_", 0, 1, 0);
			json_object_set(o, "delta", json_new_stringn(
			    an->an_text + off, af->af_text));
			json_object_set(o, "logprobs", json_new_array());
			responses_event(rd, b, "response.output_text.delta",
			    o);
		}
		off += af->af_text;
	}
	o = responses_at(rd, "msg_", 0, 1, 0);
	json_object_set(o, "text", json_new_stringn(an->an_text != NULL ?
	    an->an_text : "", an->an_text_len));
	json_object_set(o, "logprobs", json_new_array());
	responses_event(rd, b, "response.output_text.done", o);
	o = responses_at(rd, "msg_", 0, 1, 0);
	json_object_set(o, "part", responses_text_part(an, 1));
	responses_event(rd, b, "response.content_part.done", o);
	o = json_new_object();
	json_object_set(o, "output_index", json_new_int(0));
	json_object_set(o, "item", responses_msg_item(rd, an, 1));
	responses_event(rd, b, "response.output_item.done", o);
	return (0);
}

/* A verified call's items and events: arguments (or input) in one delta. */
static void
responses_stream_call(struct render *rd, const struct json_value *call,
    size_t i, struct buf *b)
{
	const char		*name;
	const struct json_value	*v;
	struct json_value	*o, *it;
	int			 custom;

	name = json_get_str(json_get(call, "function"), "name");
	custom = responses_custom_call(rd, name);
	o = json_new_object();
	json_object_set(o, "output_index", json_new_int((long long)i));
	json_object_set(o, "item", responses_call_item(rd, call, i, 0));
	responses_event(rd, b, "response.output_item.added", o);
	it = responses_call_item(rd, call, i, 1);
	v = json_get(it, custom ? "input" : "arguments");
	if (json_is(v, JSON_STRING) && v->len > 0) {
		o = responses_at(rd, custom ? "ctc_" : "fc_", i, 0, 1);
		json_object_set(o, "delta", json_dup(v));
		responses_event(rd, b, custom ?
		    "response.custom_tool_call_input.delta" :
		    "response.function_call_arguments.delta", o);
	}
	o = responses_at(rd, custom ? "ctc_" : "fc_", i, 0, 1);
	if (!custom)
		json_object_set(o, "name", json_new_string(name != NULL ?
		    name : ""));
	json_object_set(o, custom ? "input" : "arguments", json_dup(v));
	responses_event(rd, b, custom ?
	    "response.custom_tool_call_input.done" :
	    "response.function_call_arguments.done", o);
	o = json_new_object();
	json_object_set(o, "output_index", json_new_int((long long)i));
	json_object_set(o, "item", it);
	responses_event(rd, b, "response.output_item.done", o);
}

/*
 * From the cursor on: the opening (rd_part 0), the text deltas until b
 * holds limit bytes at a frame's end, then the calls and the end.
 */
static int
responses_stream_next(struct render *rd, const struct answer *an,
    struct buf *b, struct answer_error *ae, size_t limit)
{
	struct json_value	*o;
	size_t			 i;

	(void)ae;
	if (rd->rd_part > 1)
		return (0);
	if (rd->rd_part == 0 && !(rd->rd_flags & RENDER_BEGUN))
		responses_stream_begin(rd, b);
	if (!an->an_tools && responses_stream_text(rd, an, b, limit) == 1)
		return (1);
	for (i = 0; an->an_tools && i < an->an_calls->n; i++)
		responses_stream_call(rd, an->an_calls->items[i], i, b);
	o = json_new_object();
	json_object_set(o, "response", responses_object(rd, an,
	    responses_incomplete(an) ? "incomplete" : "completed", NULL));
	responses_event(rd, b, responses_incomplete(an) ?
	    "response.incomplete" : "response.completed", o);
	rd->rd_part = 2;	/* ended */
	return (0);
}

static void
responses_stream_error(struct render *rd, const struct error_def *ed,
    int status, const char *message, struct buf *b)
{
	struct json_value	*o, *e;

	(void)status;
	e = json_new_object();
	json_object_set(e, "code", json_new_string(ed->name != NULL ?
	    ed->name : "server_error"));
	json_object_set(e, "message", json_new_string(message));
	o = json_new_object();
	json_object_set(o, "response", responses_object(rd, NULL, "failed",
	    e));
	responses_event(rd, b, "response.failed", o);
}

const struct dialect dialect_responses = {
	.dl_name = "responses",
	.dl_id_prefix = "resp_",
	.dl_translate = responses_translate,
	.dl_error = responses_error,
	.dl_answer = responses_answer,
	.dl_stream_begin = responses_stream_begin,
	.dl_stream_keepalive = responses_stream_keepalive,
	.dl_stream_next = responses_stream_next,
	.dl_stream_error = responses_stream_error
};

/*
 * devnet-model.c: og-veil-devnet's deterministic built-in model, the
 * "LLM" behind every devnet gateway (PROTOCOL.md §6 and §8 shape what it
 * produces; §7 defines the wire request it reads).
 *
 * The answer, documented so that tests can compute it from the prompt:
 *
 *  - Without tools (or with tool_choice "none"): the text "Echo: " followed
 *    by the text of the last message whose role is "user" (its string
 *    content, or the concatenated "text" of its text parts).  When that
 *    text is empty or there is no user message: "Echo: (nothing)".
 *  - With a non-empty "tools" array and tool_choice not "none": one tool
 *    call to the function named by tool_choice.function.name when
 *    tool_choice is such an object, else to the first tool's
 *    function.name, with arguments json.dumps({"input": <last user text>},
 *    sort_keys=True).  A tool list without a usable name falls back to the
 *    text answer.
 *  - An agent's tool flow, when the tools include a command tool: a
 *    function whose parameters list a property named in
 *    devnet_model_cmd_params ("command": Claude Code's Bash, "cmd":
 *    Codex's exec_command) as required with type "string".  Then, ahead of
 *    the rules above:
 *     - when the newest message (system and developer messages aside) is
 *       a "tool" message answering the previous assistant message's call
 *       of that tool: the text "Tool result received: " followed by that
 *       message's content text (of the newest of several), no tool call;
 *     - else, when tool_choice names no function: when it is not "none"
 *       and the last user text has a line "run: <command>" (the last such
 *       line; <command> is the rest of it without a trailing CR), one call
 *       of the command tool with arguments json.dumps({<param>:
 *       <command>}, sort_keys=True); otherwise the text answer, so that an
 *       agent that offers its tools on every turn gets text.
 *
 * Tokens: the text is cut after every third word, a word being a run of
 * non-space bytes with the spaces that follow it; a piece longer than
 * DEVNET_MODEL_MAX_TOKEN bytes is cut as well, always between two UTF-8
 * characters.  usage.prompt_tokens counts the space-separated words of every
 * message's text; completion_tokens counts the tokens (for a tool call: 1).
 */

#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "devnet.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"

#define DEVNET_MODEL_WORDS	3
#define DEVNET_MODEL_MAX_TOKEN	48

static void	devnet_model_text(const struct json_value *, struct buf *);
static int	devnet_model_words(const struct json_value *);
static int	devnet_model_count(const char *, size_t);
static void	devnet_model_add_token(struct devnet_answer *, const char *,
		    size_t);
static void	devnet_model_tokenize(struct devnet_answer *, const char *,
		    size_t);
static const char *devnet_model_tool_name(const struct json_value *);
static const char *devnet_model_cmd_tool(const struct json_value *,
		    const char **);
static const struct json_value *devnet_model_cmd_result(
		    const struct json_value *, const char *);
static int	devnet_model_run(const struct buf *, const char **, size_t *);
static void	devnet_model_say(struct devnet_answer *, const char *,
		    const struct buf *);
static void	devnet_model_cap(struct devnet_answer *,
		    const struct json_value *);

/* Required string parameters that make a function an agent's command tool. */
static const char *const devnet_model_cmd_params[] = {
	"command",	/* Claude Code: Bash */
	"cmd"		/* Codex: exec_command */
};
#define DEVNET_MODEL_NCMD_PARAMS \
	(sizeof(devnet_model_cmd_params) / sizeof(devnet_model_cmd_params[0]))
#define DEVNET_MODEL_RUN	"run: "
#define DEVNET_MODEL_RESULT	"Tool result received: "

/*
 * Like the live gateway, stop after max_tokens tokens (finish_reason
 * "length").  It reads max_tokens only: a request carrying only
 * max_completion_tokens is not capped by it (PROTOCOL.md §7).
 */
static void
devnet_model_cap(struct devnet_answer *a, const struct json_value *max)
{
	int64_t		 n;
	size_t		 i;

	if (!json_is(max, JSON_INT) || json_to_int64(max, &n) == -1 || n < 1 ||
	    (uint64_t)n >= a->ntokens)
		return;
	for (i = (size_t)n; i < a->ntokens; i++)
		free(a->tokens[i]);
	a->ntokens = (size_t)n;
	a->truncated = 1;
}

/* The text of a message's content: a string or the text of its parts. */
static void
devnet_model_text(const struct json_value *content, struct buf *out)
{
	const struct json_value	*part, *text;
	size_t			 i;

	if (json_is(content, JSON_STRING)) {
		buf_add(out, content->s, content->len);
		return;
	}
	if (!json_is(content, JSON_ARRAY))
		return;
	for (i = 0; i < content->n; i++) {
		part = content->items[i];
		text = json_get(part, "text");
		if (json_is(text, JSON_STRING))
			buf_add(out, text->s, text->len);
	}
}

static int
devnet_model_count(const char *s, size_t len)
{
	size_t	i;
	int	n = 0, inword = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' ||
		    s[i] == '\r')
			inword = 0;
		else if (!inword) {
			inword = 1;
			n++;
		}
	}
	return (n);
}

/* Words in every message's text: the usage figure of the prompt. */
static int
devnet_model_words(const struct json_value *messages)
{
	struct buf	 b;
	size_t		 i;
	int		 n = 0;

	if (!json_is(messages, JSON_ARRAY))
		return (0);
	buf_init(&b);
	for (i = 0; i < messages->n; i++) {
		b.len = 0;
		devnet_model_text(json_get(messages->items[i], "content"), &b);
		n += devnet_model_count((const char *)b.data, b.len);
	}
	buf_clear(&b, 1);
	return (n);
}

static void
devnet_model_add_token(struct devnet_answer *a, const char *s, size_t len)
{
	a->tokens = xreallocarray(a->tokens, a->ntokens + 1,
	    sizeof(*a->tokens));
	a->tokens[a->ntokens++] = xstrndup(s, len);
}

/* Cut text into tokens of about three words, never inside a character. */
static void
devnet_model_tokenize(struct devnet_answer *a, const char *s, size_t len)
{
	size_t	start = 0, i = 0, cut;
	int	words = 0;

	while (i < len) {
		/* One word: non-spaces, then the spaces after it. */
		while (i < len && s[i] != ' ' && i - start <
		    DEVNET_MODEL_MAX_TOKEN)
			i++;
		if (i < len && s[i] != ' ') {
			/* Over-long piece: back up to a character start. */
			cut = i;
			while (cut > start + 1 &&
			    ((unsigned char)s[cut] & 0xc0) == 0x80)
				cut--;
			devnet_model_add_token(a, s + start, cut - start);
			start = i = cut;
			words = 0;
			continue;
		}
		while (i < len && s[i] == ' ')
			i++;
		if (++words == DEVNET_MODEL_WORDS || i == len) {
			devnet_model_add_token(a, s + start, i - start);
			start = i;
			words = 0;
		}
	}
}

/* The function to call, or NULL for a text answer. */
static const char *
devnet_model_tool_name(const struct json_value *wire)
{
	const struct json_value	*tools, *choice;
	const char		*name;

	tools = json_get(wire, "tools");
	if (!json_is(tools, JSON_ARRAY) || tools->n == 0)
		return (NULL);
	choice = json_get(wire, "tool_choice");
	if (json_is(choice, JSON_STRING) && strcmp(choice->s, "none") == 0)
		return (NULL);
	name = json_get_str(json_get(choice, "function"), "name");
	if (name != NULL && *name != '\0')
		return (name);
	name = json_get_str(json_get(tools->items[0], "function"), "name");
	if (name != NULL && *name != '\0')
		return (name);
	return (NULL);
}

/*
 * The first offered command tool's name, its command parameter in *param;
 * NULL when there is none.
 */
static const char *
devnet_model_cmd_tool(const struct json_value *wire, const char **param)
{
	const struct json_value	*tools, *fn, *params, *req, *prop;
	const char		*name, *type;
	size_t			 i, j, k;

	tools = json_get(wire, "tools");
	if (!json_is(tools, JSON_ARRAY))
		return (NULL);
	for (i = 0; i < tools->n; i++) {
		fn = json_get(tools->items[i], "function");
		name = json_get_str(fn, "name");
		params = json_get(fn, "parameters");
		req = json_get(params, "required");
		if (name == NULL || *name == '\0' || !json_is(req, JSON_ARRAY))
			continue;
		for (j = 0; j < req->n; j++) {
			if (!json_is(req->items[j], JSON_STRING))
				continue;
			for (k = 0; k < DEVNET_MODEL_NCMD_PARAMS; k++) {
				if (strcmp(req->items[j]->s,
				    devnet_model_cmd_params[k]) != 0)
					continue;
				prop = json_get(json_get(params, "properties"),
				    devnet_model_cmd_params[k]);
				type = json_get_str(prop, "type");
				if (type == NULL || strcmp(type, "string") != 0)
					continue;
				*param = devnet_model_cmd_params[k];
				return (name);
			}
		}
	}
	return (NULL);
}

/*
 * The newest message when it is a "tool" message answering the previous
 * assistant message's call of the function named tool, else NULL.
 */
static const struct json_value *
devnet_model_cmd_result(const struct json_value *messages, const char *tool)
{
	const struct json_value	*m, *result = NULL, *calls;
	const char		*role, *name;
	size_t			 i, j;

	for (i = messages->n; i > 0; i--) {
		m = messages->items[i - 1];
		if ((role = json_get_str(m, "role")) == NULL)
			return (NULL);
		if (strcmp(role, "system") == 0 ||
		    strcmp(role, "developer") == 0)
			continue;
		if (strcmp(role, "tool") == 0) {
			/* The newest of a run of results is the one shown. */
			if (result == NULL)
				result = m;
			continue;
		}
		if (result == NULL || strcmp(role, "assistant") != 0)
			return (NULL);
		calls = json_get(m, "tool_calls");
		if (!json_is(calls, JSON_ARRAY))
			return (NULL);
		for (j = 0; j < calls->n; j++) {
			name = json_get_str(json_get(calls->items[j],
			    "function"), "name");
			if (name != NULL && strcmp(name, tool) == 0)
				return (result);
		}
		return (NULL);
	}
	return (NULL);
}

/* The command of the last "run: " line of text: 1, or 0 when none. */
static int
devnet_model_run(const struct buf *text, const char **cmd, size_t *len)
{
	const char	*s = (const char *)text->data, *end, *nl;
	size_t		 n = strlen(DEVNET_MODEL_RUN), i;
	int		 found = 0;

	for (i = 0; i + n <= text->len; i++) {
		if ((i > 0 && s[i - 1] != '\n') ||
		    memcmp(s + i, DEVNET_MODEL_RUN, n) != 0)
			continue;
		nl = memchr(s + i + n, '\n', text->len - i - n);
		end = nl != NULL ? nl : s + text->len;
		if (end > s + i + n && end[-1] == '\r')
			end--;
		if (end > s + i + n) {
			*cmd = s + i + n;
			*len = (size_t)(end - *cmd);
			found = 1;
		}
	}
	return (found);
}

/* The text answer: prefix, then body or "(nothing)" when it is empty. */
static void
devnet_model_say(struct devnet_answer *a, const char *prefix,
    const struct buf *body)
{
	struct buf	text;

	buf_init(&text);
	buf_add_str(&text, prefix);
	if (body->len == 0)
		buf_add_str(&text, "(nothing)");
	else
		buf_add(&text, body->data, body->len);
	devnet_model_tokenize(a, (const char *)text.data, text.len);
	a->completion_tokens = (int)a->ntokens;
	buf_clear(&text, 1);
}

/* Answer a decrypted wire request; clear a with devnet_answer_clear(). */
int
devnet_model_answer(const struct json_value *wire, struct devnet_answer *a,
    const char **errstr)
{
	const struct json_value	*messages, *m, *last = NULL, *choice, *result;
	const char		*role, *tool, *cmd_tool, *param, *cmd;
	struct json_value	*args;
	struct buf		 user, text;
	size_t			 i, cmd_len;
	int			 forced;

	memset(a, 0, sizeof(*a));
	messages = json_get(wire, "messages");
	if (!json_is(messages, JSON_ARRAY)) {
		*errstr = "messages is not an array";
		return (-1);
	}
	for (i = 0; i < messages->n; i++) {
		m = messages->items[i];
		role = json_get_str(m, "role");
		if (role != NULL && strcmp(role, "user") == 0)
			last = m;
	}
	buf_init(&user);
	if (last != NULL)
		devnet_model_text(json_get(last, "content"), &user);
	a->prompt_tokens = devnet_model_words(messages);
	tool = devnet_model_tool_name(wire);

	/* An agent's tool flow: see the top of this file. */
	if ((cmd_tool = devnet_model_cmd_tool(wire, &param)) != NULL) {
		if ((result = devnet_model_cmd_result(messages,
		    cmd_tool)) != NULL) {
			buf_init(&text);
			devnet_model_text(json_get(result, "content"), &text);
			devnet_model_say(a, DEVNET_MODEL_RESULT, &text);
			buf_clear(&text, 1);
			buf_clear(&user, 1);
			return (0);
		}
		choice = json_get(wire, "tool_choice");
		forced = json_get_str(json_get(choice, "function"),
		    "name") != NULL;
		if (tool != NULL && !forced &&
		    devnet_model_run(&user, &cmd, &cmd_len)) {
			a->tool_name = xstrdup(cmd_tool);
			args = json_new_object();
			json_object_set(args, param,
			    json_new_stringn(cmd, cmd_len));
			a->tool_args = pyjson_dumps(args, NULL);
			json_free(args);
			a->completion_tokens = 1;
			buf_clear(&user, 1);
			return (0);
		}
		if (!forced)
			tool = NULL;
	}

	if (tool != NULL) {
		a->tool_name = xstrdup(tool);
		args = json_new_object();
		json_object_set(args, "input", json_new_stringn(
		    user.len > 0 ? (const char *)user.data : "", user.len));
		a->tool_args = pyjson_dumps(args, NULL);
		json_free(args);
		a->completion_tokens = 1;
		buf_clear(&user, 1);
		return (0);
	}

	devnet_model_say(a, "Echo: ", &user);
	devnet_model_cap(a, json_get(wire, "max_tokens"));
	a->completion_tokens = (int)a->ntokens;
	buf_clear(&user, 1);
	return (0);
}

/*
 * The benchmark's long generations: a text answer's tokens repeated in
 * order until there are at least n (one content frame each).
 */
void
devnet_model_pad(struct devnet_answer *a, size_t n)
{
	size_t	i, have = a->ntokens;

	if (a->tool_name != NULL || have == 0)
		return;
	for (i = 0; a->ntokens < n; i++)
		devnet_model_add_token(a, a->tokens[i % have],
		    strlen(a->tokens[i % have]));
	a->completion_tokens = (int)a->ntokens;
}

/* Free what devnet_model_answer() put in a. */
void
devnet_answer_clear(struct devnet_answer *a)
{
	size_t	i;

	for (i = 0; i < a->ntokens; i++)
		free(a->tokens[i]);
	free(a->tokens);
	free(a->tool_name);
	free(a->tool_args);
	memset(a, 0, sizeof(*a));
}

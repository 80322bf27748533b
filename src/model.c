/*
 * model.c: the model an agent's request runs on.  Agents ask for names the
 * network spells differently (Claude Code's claude-opus-5-5 or a dated
 * claude-haiku-4-5-20251001, Codex's gpt-5-codex); --model-alias FROM=TO
 * (repeatable, OG_VEIL_MODEL_ALIASES, the -c file) maps them, and the
 * mapping is applied before the request is sealed, so that the enclave
 * commits to the model it runs (PROTOCOL.md §7: "model" is hashed).
 *
 * The name sent, first match wins (og-veil(1), MODELS):
 *  1. an alias whose FROM is the name as asked, its model part (after the
 *     last '/': "anthropic/claude-x" is "claude-x"), or that part without
 *     a date suffix (-YYYYMMDD or -YYYY-MM-DD);
 *  2. a model the network lists (api.c): the model part as it is;
 *  3. a listed model once the date suffix is dropped;
 *  4. a pattern alias (FROM ends in '*': a prefix), the longest matching
 *     FROM, tried on the name as asked, then on its model part: only names
 *     the network does not list reach it, so "claude-*=claude-sonnet-4-6"
 *     leaves claude-opus-4-8 alone;
 *  5. the model part unchanged: the network answers for it.
 * Nothing here logs except model_apply(), once per unlisted name.
 */

#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

/* Distinct unlisted names warned about; later ones are not remembered. */
#define MODEL_WARNED_MAX	32

static size_t	 model_undated_len(const char *);
static const char *model_alias_exact(char *const *, const char *, size_t);
static const char *model_alias_prefix(char *const *, const char *, size_t);
static int	 model_listed(const char *, size_t);

static char	*model_warned[MODEL_WARNED_MAX];	/* owned */
static size_t	 model_nwarned;

/*
 * Check one FROM=TO: both non-empty, printable, no space, comma or second
 * '='; FROM may end in one '*' (a pattern), TO names one model.
 */
int
model_alias_check(const char *spec, char *errbuf, size_t errlen)
{
	const char	*eq, *p, *star;

	if ((eq = strchr(spec, '=')) == NULL || eq == spec || eq[1] == '\0') {
		snprintf(errbuf, errlen, "model alias \"%.80s\": expected "
		    "FROM=TO, e.g. claude-opus-5-5=claude-opus-4-8", spec);
		return (-1);
	}
	for (p = spec; *p != '\0'; p++) {
		if (!isgraph((unsigned char)*p) || *p == ',' ||
		    (*p == '=' && p != eq)) {
			snprintf(errbuf, errlen, "model alias \"%.80s\": "
			    "spaces, commas, control characters and a second "
			    "'=' are not allowed", spec);
			return (-1);
		}
	}
	star = strchr(spec, '*');
	if (star != NULL && (star != eq - 1 || star == spec)) {
		snprintf(errbuf, errlen, "model alias \"%.80s\": '*' may only "
		    "end FROM after a prefix (claude-*=MODEL)", spec);
		return (-1);
	}
	return (0);
}

/* Length of id without a -YYYYMMDD or -YYYY-MM-DD suffix (or its length). */
static size_t
model_undated_len(const char *id)
{
	size_t	len = strlen(id), i, n;

	for (n = 8; n <= 10; n += 2) {
		if (len <= n + 1 || id[len - n - 1] != '-')
			continue;
		for (i = len - n; i < len; i++) {
			if (n == 10 && (i == len - 6 || i == len - 3)) {
				if (id[i] != '-')
					break;
			} else if (!isdigit((unsigned char)id[i]))
				break;
		}
		if (i == len)
			return (len - n - 1);
	}
	return (len);
}

/* The TO of the alias whose FROM is exactly id[0..len) (no pattern). */
static const char *
model_alias_exact(char *const *aliases, const char *id, size_t len)
{
	size_t	i;

	if (len == 0 || id[len - 1] == '*')
		return (NULL);
	for (i = 0; aliases != NULL && aliases[i] != NULL; i++)
		if (strncmp(aliases[i], id, len) == 0 &&
		    aliases[i][len] == '=')
			return (aliases[i] + len + 1);
	return (NULL);
}

/* The TO of the longest pattern alias matching id[0..len), or NULL. */
static const char *
model_alias_prefix(char *const *aliases, const char *id, size_t len)
{
	const char	*to = NULL, *eq;
	size_t		 i, n, best = 0;

	for (i = 0; aliases != NULL && aliases[i] != NULL; i++) {
		eq = strchr(aliases[i], '=');
		if (eq == NULL || eq == aliases[i] || eq[-1] != '*')
			continue;
		n = (size_t)(eq - 1 - aliases[i]);
		if (n <= len && (to == NULL || n > best) &&
		    strncmp(aliases[i], id, n) == 0) {
			to = eq + 1;
			best = n;
		}
	}
	return (to);
}

static int
model_listed(const char *id, size_t len)
{
	const char	*m;
	size_t		 i;

	for (i = 0; (m = api_model_at(i)) != NULL; i++)
		if (strlen(m) == len && strncmp(m, id, len) == 0)
			return (1);
	return (0);
}

/*
 * The model to send for the name an agent asked for (see the top of this
 * file); aliases is a NULL-terminated FROM=TO list or NULL.  Sets *listed
 * (when not NULL) to whether the result is a model the network lists.
 * Returns a new string.
 */
char *
model_resolve(char *const *aliases, const char *asked, int *listed)
{
	const char	*base = api_model_base(asked), *to;
	size_t		 undated = model_undated_len(base);
	char		*out;

	if ((to = model_alias_exact(aliases, asked, strlen(asked))) == NULL &&
	    (to = model_alias_exact(aliases, base, strlen(base))) == NULL)
		to = model_alias_exact(aliases, base, undated);
	if (to == NULL && model_listed(base, strlen(base)))
		to = base;
	if (to == NULL && model_listed(base, undated)) {
		out = xstrndup(base, undated);
		if (listed != NULL)
			*listed = 1;
		return (out);
	}
	/* A prefix of base also matches its undated form: two forms. */
	if (to == NULL && (to = model_alias_prefix(aliases, asked,
	    strlen(asked))) == NULL)
		to = model_alias_prefix(aliases, base, strlen(base));
	if (to == NULL)
		to = base;
	out = xstrdup(to);
	if (listed != NULL)
		*listed = model_listed(out, strlen(out));
	return (out);
}

/*
 * The hook of the request path: replace body's "model" with the model to
 * send, before the request is hashed and sealed.  An unlisted result is
 * sent as it is (the network may serve models this build does not list);
 * the log says once per name how to alias it.
 */
void
model_apply(const struct veil_config *cfg, struct json_value *body)
{
	const char	*asked;
	char		*to;
	size_t		 i;
	int		 listed;

	if ((asked = json_get_str(body, "model")) == NULL)
		return;
	to = model_resolve(cfg->model_aliases, asked, &listed);
	if (!listed) {
		for (i = 0; i < model_nwarned; i++)
			if (strcmp(model_warned[i], to) == 0)
				break;
		if (i == model_nwarned && model_nwarned < MODEL_WARNED_MAX) {
			model_warned[model_nwarned++] = xstrdup(to);
			log_warnx("model \"%s\" is not one the network lists "
			    "(og-veil models); it is sent as it is: if the "
			    "network refuses it, map it with --model-alias "
			    "%s=MODEL", to, to);
		}
	}
	if (strcmp(to, asked) != 0)
		json_object_set(body, "model", json_new_string(to));
	free(to);
}

/*
 * Append the exact aliases to a /v1/models "data" list b (which already
 * holds entries when nonempty): {"id": FROM, ..., "alias_for": TO}.
 */
void
model_aliases_json(const struct veil_config *cfg, struct buf *b, int nonempty)
{
	char *const	*a = cfg->model_aliases;
	const char	*eq;
	size_t		 i;

	for (i = 0; a != NULL && a[i] != NULL; i++) {
		if ((eq = strchr(a[i], '=')) == NULL || eq[-1] == '*')
			continue;
		if (nonempty++)
			buf_add_str(b, ",");
		buf_add_str(b, "{\"id\":");
		pyjson_write_string(b, a[i], (size_t)(eq - a[i]), 0);
		buf_printf(b, ",\"object\":\"model\",\"created\":%d,"
		    "\"owned_by\":\"opengradient\",\"alias_for\":",
		    API_MODEL_CREATED);
		pyjson_write_string(b, eq + 1, strlen(eq + 1), 0);
		buf_add_str(b, "}");
	}
}

/* 1 with {"id": id, ..., "alias_for": TO} in b when id is an exact alias. */
int
model_alias_json_one(const struct veil_config *cfg, const char *id,
    struct buf *b)
{
	const char	*to;

	if ((to = model_alias_exact(cfg->model_aliases, id,
	    strlen(id))) == NULL)
		return (0);
	buf_add_str(b, "{\"id\":");
	pyjson_write_string(b, id, strlen(id), 0);
	buf_printf(b, ",\"object\":\"model\",\"created\":%d,"
	    "\"owned_by\":\"opengradient\",\"alias_for\":",
	    API_MODEL_CREATED);
	pyjson_write_string(b, to, strlen(to), 0);
	buf_add_str(b, "}");
	return (1);
}

/* Free what model_apply() remembered (at exit, for leak checkers). */
void
model_cleanup(void)
{
	size_t	i;

	for (i = 0; i < model_nwarned; i++)
		free(model_warned[i]);
	model_nwarned = 0;
}

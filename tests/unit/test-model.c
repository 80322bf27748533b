/*
 * test-model.c: model.c, the model a request runs on: --model-alias
 * FROM=TO checks, the resolution order (exact alias, listed name, dated
 * snapshot, pattern alias, as asked) and the hook that rewrites a body's
 * "model" before it is sealed.
 */

#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "og-veil.h"
#include "test.h"
#include "xmalloc.h"

static char *aliases[] = {
	"claude-opus-5-5=claude-opus-4-8",
	"gpt-5-codex=gpt-5.5",
	"claude-*=claude-sonnet-4-6",
	"claude-haiku-*=claude-haiku-4-5",
	"anthropic/odd=gpt-5",
	"gpt-4.1-mini=gpt-5-mini",	/* an alias beats a listed name */
	"mine=not-listed-anywhere",
	NULL
};

static int
test_resolve(void)
{
	static const struct {
		const char	*asked, *want;
		int		 listed;
	} rc[] = {
		/* Exact aliases, on the name, its model part, undated. */
		{ "claude-opus-5-5", "claude-opus-4-8", 1 },
		{ "anthropic/claude-opus-5-5", "claude-opus-4-8", 1 },
		{ "claude-opus-5-5-20261101", "claude-opus-4-8", 1 },
		{ "gpt-5-codex", "gpt-5.5", 1 },
		{ "anthropic/odd", "gpt-5", 1 },
		{ "gpt-4.1-mini", "gpt-5-mini", 1 },
		{ "mine", "not-listed-anywhere", 0 },
		/* Listed names pass, patterns do not touch them. */
		{ "claude-opus-4-8", "claude-opus-4-8", 1 },
		{ "openai/gpt-5", "gpt-5", 1 },
		{ "gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14", 1 },
		/* Dated snapshots of listed names. */
		{ "claude-haiku-4-5-20251001", "claude-haiku-4-5", 1 },
		{ "claude-sonnet-4-5-2025-09-29", "claude-sonnet-4-5", 1 },
		{ "o3-2025-04-16", "o3", 1 },
		/* Patterns: the longest prefix wins. */
		{ "claude-haiku-9", "claude-haiku-4-5", 1 },
		{ "claude-fable-1", "claude-sonnet-4-6", 1 },
		{ "anthropic/claude-x", "claude-sonnet-4-6", 1 },
		/* Nothing matches: the model part as asked. */
		{ "gpt-9", "gpt-9", 0 },
		{ "vendor/gpt-9-20250101", "gpt-9-20250101", 0 },
		{ "gpt-5-2025013", "gpt-5-2025013", 0 },	/* 7 digits */
		{ "x-2025-0101", "x-2025-0101", 0 },
		{ "-20250101", "-20250101", 0 },
	};
	char	*got = NULL;
	size_t	 i;
	int	 listed;

	for (i = 0; i < sizeof(rc) / sizeof(rc[0]); i++) {
		listed = -1;
		got = model_resolve(aliases, rc[i].asked, &listed);
		if (strcmp(got, rc[i].want) != 0)
			fprintf(stderr, "  asked %s\n", rc[i].asked);
		TEST_EQ_STR(got, rc[i].want);
		TEST_EQ_INT(listed, rc[i].listed);
		free(got);
		got = NULL;
	}
	/* Without aliases: only listed and dated forms change. */
	got = model_resolve(NULL, "claude-opus-5-5", NULL);
	TEST_EQ_STR(got, "claude-opus-5-5");
	free(got);
	got = model_resolve(NULL, "openai/gpt-5.4-2026-01-01", NULL);
	TEST_EQ_STR(got, "gpt-5.4");
	free(got);
	return (0);
fail:
	free(got);
	return (-1);
}

static int
test_check(void)
{
	static const struct {
		const char	*spec;
		int		 ok;
	} cc[] = {
		{ "a=b", 1 }, { "claude-*=claude-opus-4-8", 1 },
		{ "anthropic/x=gpt-5", 1 }, { "a.b:c=d_e", 1 },
		{ "", 0 }, { "a", 0 }, { "=b", 0 }, { "a=", 0 },
		{ "a=b=c", 0 }, { "a b=c", 0 }, { "a=b,c", 0 },
		{ "a=\tb", 0 }, { "*=b", 0 }, { "a*b=c", 0 }, { "a=b*", 0 },
		{ "a**=b", 0 }, { "a=\x01", 0 },
	};
	char	errbuf[256];
	size_t	i;

	for (i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		errbuf[0] = '\0';
		if (cc[i].ok)
			TEST_EQ_INT(model_alias_check(cc[i].spec, errbuf,
			    sizeof(errbuf)), 0);
		else {
			TEST_EQ_INT(model_alias_check(cc[i].spec, errbuf,
			    sizeof(errbuf)), -1);
			TEST_ASSERT(strstr(errbuf, "model alias") != NULL);
		}
	}
	return (0);
fail:
	fprintf(stderr, "  spec \"%s\"\n", cc[i].spec);
	return (-1);
}

#define PARSE(s)	json_parse((s), strlen(s), NULL, &errstr)

/* The hook: the body's model is what the enclave will hash. */
static int
test_apply(void)
{
	struct veil_config	 cfg;
	struct json_value	*b = NULL;
	struct buf		 out;
	const char		*errstr;

	memset(&cfg, 0, sizeof(cfg));
	cfg.model_aliases = aliases;
	buf_init(&out);
	b = PARSE("{\"model\": \"anthropic/claude-opus-5-5\", "
	    "\"messages\": []}");
	TEST_ASSERT(b != NULL);
	model_apply(&cfg, b);
	TEST_EQ_STR(json_get_str(b, "model"), "claude-opus-4-8");
	json_free(b);
	b = PARSE("{\"model\": \"gpt-9\"}");
	TEST_ASSERT(b != NULL);
	model_apply(&cfg, b);
	model_apply(&cfg, b);	/* warned once; still sent as asked */
	TEST_EQ_STR(json_get_str(b, "model"), "gpt-9");
	json_free(b);
	b = PARSE("{\"messages\": []}");
	TEST_ASSERT(b != NULL);
	model_apply(&cfg, b);
	TEST_ASSERT(json_get(b, "model") == NULL);
	json_free(b);
	b = NULL;

	/* /v1/models: exact aliases only, with alias_for. */
	model_aliases_json(&cfg, &out, 1);
	buf_add(&out, "", 1);
	TEST_EQ_STR((const char *)out.data, ",{\"id\":\"claude-opus-5-5\","
	    "\"object\":\"model\",\"created\":1735689600,\"owned_by\":"
	    "\"opengradient\",\"alias_for\":\"claude-opus-4-8\"},{\"id\":"
	    "\"gpt-5-codex\",\"object\":\"model\",\"created\":1735689600,"
	    "\"owned_by\":\"opengradient\",\"alias_for\":\"gpt-5.5\"},{\"id\":"
	    "\"anthropic/odd\",\"object\":\"model\",\"created\":1735689600,"
	    "\"owned_by\":\"opengradient\",\"alias_for\":\"gpt-5\"},{\"id\":"
	    "\"gpt-4.1-mini\",\"object\":\"model\",\"created\":1735689600,"
	    "\"owned_by\":\"opengradient\",\"alias_for\":\"gpt-5-mini\"},"
	    "{\"id\":\"mine\",\"object\":\"model\",\"created\":1735689600,"
	    "\"owned_by\":\"opengradient\",\"alias_for\":"
	    "\"not-listed-anywhere\"}");
	out.len = 0;
	TEST_EQ_INT(model_alias_json_one(&cfg, "claude-*", &out), 0);
	TEST_EQ_INT(model_alias_json_one(&cfg, "gpt-5-codex", &out), 1);
	TEST_ASSERT(out.len > 0);
	buf_clear(&out, 0);
	model_cleanup();
	return (0);
fail:
	json_free(b);
	buf_clear(&out, 0);
	model_cleanup();
	return (-1);
}

static const struct test_case cases[] = {
	{ "resolve", test_resolve },
	{ "check", test_check },
	{ "apply", test_apply },
};

TEST_MAIN("test-model", cases)

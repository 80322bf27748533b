/*
 * test-api.c: the OpenAI error envelope (always type veil_error, param and
 * code null or named, messages escaped) and the model id helpers.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "bytes.h"
#include "json.h"
#include "og-veil.h"

static int
test_envelope(void)
{
	struct buf		 b;
	struct json_value	*v = NULL, *e;
	const char		*errstr;

	buf_init(&b);
	chat_error_json(&b, "bad \"x\"\n\xc3\xa9", "veil_error",
	    "model_not_found", "model");
	v = json_parse((const char *)b.data, b.len, NULL, &errstr);
	TEST_ASSERT(v != NULL);
	e = json_get(v, "error");
	TEST_EQ_STR(json_get_str(e, "message"), "bad \"x\"\n\xc3\xa9");
	TEST_EQ_STR(json_get_str(e, "type"), "veil_error");
	TEST_EQ_STR(json_get_str(e, "param"), "model");
	TEST_EQ_STR(json_get_str(e, "code"), "model_not_found");
	json_free(v);
	buf_clear(&b, 0);

	chat_error_json(&b, "m", "veil_error", NULL, NULL);
	v = json_parse((const char *)b.data, b.len, NULL, &errstr);
	TEST_ASSERT(v != NULL);
	e = json_get(v, "error");
	TEST_ASSERT(json_is(json_get(e, "param"), JSON_NULL));
	TEST_ASSERT(json_is(json_get(e, "code"), JSON_NULL));
	json_free(v);
	buf_clear(&b, 0);
	return (0);
fail:
	json_free(v);
	buf_clear(&b, 0);
	return (-1);
}

static int
test_models(void)
{
	TEST_EQ_STR(api_model_base("openai/gpt-5"), "gpt-5");
	TEST_EQ_STR(api_model_base("a/b/grok-4"), "grok-4");
	TEST_EQ_STR(api_model_base("gpt-5"), "gpt-5");
	TEST_EQ_STR(api_model_base("x/"), "");
	TEST_ASSERT(api_model_known("gpt-4.1-2025-04-14"));
	TEST_ASSERT(api_model_known("anthropic/claude-opus-4-8"));
	TEST_ASSERT(api_model_known("grok-code-fast-1"));
	TEST_ASSERT(!api_model_known("gpt-4.1"));
	TEST_ASSERT(!api_model_known(""));
	return (0);
fail:
	return (-1);
}

static int
test_completion_id(void)
{
	char	*a = req_completion_id(), *b = req_completion_id();
	int	 ok;

	ok = strncmp(a, "chatcmpl-", 9) == 0 && strlen(a) == 9 + 24 &&
	    strcmp(a, b) != 0;
	free(a);
	free(b);
	TEST_ASSERT(ok);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "error-envelope", test_envelope },
	{ "model-ids", test_models },
	{ "completion-id", test_completion_id },
};

TEST_MAIN("test-api", cases)

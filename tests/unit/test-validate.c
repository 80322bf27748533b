/*
 * test-validate.c: validate_chat_request() refuses every wrongly typed or
 * out-of-range field with a 400 naming it (param and message), and passes
 * every legal body digest_build_request() must then reproduce.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "json.h"
#include "og-veil.h"

#define M	"\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
#define B(x)	"{\"model\":\"gpt-4.1-mini\"," M x "}"

struct validate_case {
	const char	*body;
	const char	*param;		/* NULL: must pass */
};

static const struct validate_case validate_bad[] = {
	{ "[1,2]", "" },
	{ "{\"model\":42," M "}", "model" },
	{ "{" M "}", "model" },
	{ "{\"model\":null," M "}", "model" },
	{ "{\"model\":\"\"," M "}", "model" },
	{ "{\"model\":\"m\"}", "messages" },
	{ "{\"model\":\"m\",\"messages\":{}}", "messages" },
	{ "{\"model\":\"m\",\"messages\":\"hi\"}", "messages" },
	{ "{\"model\":\"m\",\"messages\":[]}", "messages" },
	{ "{\"model\":\"m\",\"messages\":[42]}", "messages[0]" },
	{ "{\"model\":\"m\",\"messages\":[{\"content\":\"x\"}]}",
	  "messages[0].role" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":7,\"content\":\"x\"}]}",
	  "messages[0].role" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"wizard\",\"content\":"
	  "\"x\"}]}", "messages[0].role" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"a\"},"
	  "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\","
	  "\"content\":42}]}", "messages[2].content" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}",
	  "messages[0].content" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	  "\"content\":null}]}",
	  "messages[0].content" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	  "\"content\":[42]}]}",
	  "messages[0].content[0]" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
	  "[{\"type\":\"text\",\"text\":5}]}]}",
	  "messages[0].content[0].text" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
	  "[{\"text\":\"x\"}]}]}", "messages[0].content[0].type" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":"
	  "null,\"tool_calls\":{}}]}", "messages[0].tool_calls" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\",\"content\":"
	  "null,\"tool_calls\":[{\"id\":1}]}]}",
	  "messages[0].tool_calls[0].id" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"assistant\","
	  "\"tool_calls\":"
	  "[{\"id\":\"c\",\"function\":{\"name\":\"f\",\"arguments\":{}}}]}]}",
	  "messages[0].tool_calls[0].function.arguments" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\","
	  "\"tool_call_id\":3}]}", "messages[0].tool_call_id" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\","
	  "\"name\":[]}]}", "messages[0].name" },
	{ B(",\"max_tokens\":\"ten\""), "max_tokens" },
	{ B(",\"max_tokens\":-1"), "max_tokens" },
	{ B(",\"max_tokens\":10.5"), "max_tokens" },
	{ B(",\"max_tokens\":99999999999999999999999"), "max_tokens" },
	{ B(",\"max_completion_tokens\":true"), "max_completion_tokens" },
	{ B(",\"stop\":42"), "stop" },
	{ B(",\"stop\":[\"a\",1]"), "stop[1]" },
	{ B(",\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]"), "stop" },
	{ B(",\"stream\":\"yes\""), "stream" },
	{ B(",\"stream\":1"), "stream" },
	{ B(",\"tools\":[42]"), "tools[0]" },
	{ B(",\"tools\":{}"), "tools" },
	{ B(",\"tools\":[{\"type\":\"function\",\"function\":{}}]"),
	  "tools[0].function.name" },
	{ B(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":1}}]"),
	  "tools[0].function.name" },
	{ B(",\"temperature\":\"hot\""), "temperature" },
	{ B(",\"temperature\":2.5"), "temperature" },
	{ B(",\"temperature\":-0.1"), "temperature" },
	{ B(",\"temperature\":1e999"), "temperature" },
	{ B(",\"top_p\":\"x\""), "top_p" },
	{ B(",\"top_p\":1.5"), "top_p" },
	{ B(",\"n\":\"2\""), "n" },
	{ B(",\"n\":0"), "n" },
	{ B(",\"presence_penalty\":3"), "presence_penalty" },
	{ B(",\"frequency_penalty\":[]"), "frequency_penalty" },
	{ B(",\"seed\":1.5"), "seed" },
	{ B(",\"user\":5"), "user" },
	{ B(",\"response_format\":\"json\""), "response_format" },
	{ B(",\"response_format\":{}"), "response_format.type" },
	{ B(",\"stream_options\":[]"), "stream_options" },
	{ B(",\"stream_options\":{\"include_usage\":\"yes\"}"),
	  "stream_options.include_usage" },
	{ B(",\"tool_choice\":5"), "tool_choice" },
	{ B(",\"logprobs\":\"no\""), "logprobs" },
	{ B(",\"top_logprobs\":50"), "top_logprobs" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
	  "\"a\\ud800b\"}]}", "messages[0].content" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
	  "\"ok\"},{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	  "\"text\":\"\\udc00\"}]}]}", "messages[1].content[0].text" },
	{ B(",\"user\":\"\\udbff\""), "user" },
	{ "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
	  "\"x\",\"\\ud800\":1}]}", "messages[0]" },
	{ B(",\"\\udc00\":1"), "" },
};

static const char *const validate_good[] = {
	B(""),
	B(",\"temperature\":0.7"),
	B(",\"temperature\":1"),
	B(",\"temperature\":1e-7"),
	B(",\"temperature\":0"),
	B(",\"temperature\":2"),
	B(",\"temperature\":null"),
	B(",\"max_tokens\":null,\"stop\":null,\"tools\":null,\"n\":null"),
	B(",\"max_tokens\":0"),
	B(",\"max_tokens\":4096,\"stream\":true,\"stream_options\":"
	  "{\"include_usage\":true}"),
	B(",\"stop\":\"\\n\""),
	B(",\"stop\":[\"a\",\"b\"]"),
	B(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
	  "\"parameters\":{\"type\":\"object\"}}}],\"tool_choice\":\"auto\""),
	B(",\"tool_choice\":{\"type\":\"function\",\"function\":"
	  "{\"name\":\"f\"}}"),
	B(",\"response_format\":{\"type\":\"json_object\"}"),
	B(",\"top_p\":0.9,\"n\":1,\"seed\":-3,\"user\":\"u\","
	  "\"presence_penalty\":-2,\"frequency_penalty\":0.5"),
	B(",\"unknown_field\":{\"anything\":[1,2]}"),
	"{\"model\":\"openai/gpt-4.1\",\"messages\":[{\"role\":\"system\","
	"\"content\":\"s\"},{\"role\":\"developer\",\"content\":\"d\"},"
	"{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"look\"},"
	"{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:x\"}},"
	"{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\"}}]},"
	"{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":"
	"\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
	"\"arguments\":\"{}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"c1\","
	"\"content\":\"42\"},{\"role\":\"function\",\"name\":\"f\","
	"\"content\":null},{\"role\":\"assistant\"}]}",
	"{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
	"\"\\ud83d\\ude00 \\u00e9 \\u4e2d\"}]}",
};

static int
validate_one(const char *text, struct validate_error *ve, int *rv)
{
	struct json_value	*v;
	const char		*errstr;

	if ((v = json_parse(text, strlen(text), NULL, &errstr)) == NULL) {
		fprintf(stderr, "  cannot parse %s: %s\n", text, errstr);
		return (-1);
	}
	*rv = validate_chat_request(v, ve);
	json_free(v);
	return (0);
}

static int
test_bad_fields(void)
{
	struct validate_error	ve;
	size_t			i;
	int			rv, bad = 0;

	for (i = 0; i < sizeof(validate_bad) / sizeof(validate_bad[0]); i++) {
		if (validate_one(validate_bad[i].body, &ve, &rv) == -1)
			goto fail;
		if (rv != -1) {
			fprintf(stderr, "  passed: %s\n", validate_bad[i].body);
			bad++;
			continue;
		}
		if (strcmp(ve.param, validate_bad[i].param) != 0) {
			fprintf(stderr, "  %s: param \"%s\", expected \"%s\"\n",
			    validate_bad[i].body, ve.param,
			    validate_bad[i].param);
			bad++;
		}
		if (*ve.param != '\0' && strstr(ve.message, ve.param) == NULL) {
			fprintf(stderr, "  message does not name %s: %s\n",
			    ve.param, ve.message);
			bad++;
		}
	}
	TEST_EQ_INT(bad, 0);
	return (0);
fail:
	return (-1);
}

static int
test_good_bodies(void)
{
	struct validate_error	ve;
	size_t			i;
	int			rv, bad = 0;

	for (i = 0; i < sizeof(validate_good) / sizeof(validate_good[0]);
	    i++) {
		if (validate_one(validate_good[i], &ve, &rv) == -1)
			goto fail;
		if (rv != 0) {
			fprintf(stderr, "  refused %s: %s (%s)\n",
			    validate_good[i], ve.message, ve.param);
			bad++;
		}
	}
	TEST_EQ_INT(bad, 0);
	return (0);
fail:
	return (-1);
}

static int
test_too_many_messages(void)
{
	struct validate_error	 ve;
	char			*text, *p;
	size_t			 i, n = 10000;
	int			 rv;

	text = malloc(64 + n * 40);
	TEST_ASSERT(text != NULL);
	p = text + sprintf(text, "{\"model\":\"m\",\"messages\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{\"role\":\"user\",\"content\":\"x\"}",
		    i > 0 ? "," : "");
	strcpy(p, "]}");
	rv = -2;
	if (validate_one(text, &ve, &rv) == -1) {
		free(text);
		goto fail;
	}
	free(text);
	TEST_EQ_INT(rv, -1);
	TEST_EQ_STR(ve.param, "messages");
	return (0);
fail:
	return (-1);
}

static int
test_max_messages_pass(void)
{
	struct validate_error	 ve;
	char			*text, *p;
	size_t			 i, n = VALIDATE_MAX_MESSAGES;
	int			 rv;

	text = malloc(64 + n * 40);
	TEST_ASSERT(text != NULL);
	p = text + sprintf(text, "{\"model\":\"m\",\"messages\":[");
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s{\"role\":\"user\",\"content\":\"x\"}",
		    i > 0 ? "," : "");
	strcpy(p, "]}");
	rv = -2;
	if (validate_one(text, &ve, &rv) == -1) {
		free(text);
		goto fail;
	}
	free(text);
	TEST_EQ_INT(rv, 0);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "bad-fields-name-param", test_bad_fields },
	{ "legal-bodies-pass", test_good_bodies },
	{ "too-many-messages", test_too_many_messages },
	{ "max-messages-pass", test_max_messages_pass },
};

TEST_MAIN("test-validate", cases)

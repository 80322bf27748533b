/*
 * test-scrub.c: what of a verified answer reaches the agent (PROTOCOL.md
 * §8, §10): only choices[0]'s signed content or tool calls, in the signed
 * form, with metadata that carries no text.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "og-veil.h"
#include "test.h"

static struct json_value *
parse(const char *s)
{
	const char	*errstr;

	return (json_parse(s, strlen(s), NULL, &errstr));
}

/* The compact JSON text of v (new string). */
static char *
text(const struct json_value *v)
{
	struct buf	b;

	buf_init(&b);
	pyjson_write(&b, v, PYJSON_COMPACT);
	buf_add(&b, "", 1);
	return ((char *)buf_detach(&b, NULL));
}

static int
test_response_text(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;

	in = parse("{\"id\":\"c1\",\"created\":5,\"model\":\"m\",\"extra\":"
	    "\"UNSIGNED\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	    "\"assistant\",\"content\":\"hi\",\"refusal\":\"UNSIGNED\","
	    "\"tool_calls\":[{\"id\":\"UNSIGNED\"}]},\"logprobs\":"
	    "{\"x\":\"UNSIGNED\"},\"finish_reason\":\"stop\"},{\"index\":1,"
	    "\"message\":{\"content\":\"UNSIGNED\"}}],\"usage\":{"
	    "\"prompt_tokens\":1,\"note\":\"UNSIGNED\",\"details\":{"
	    "\"n\":2,\"s\":\"UNSIGNED\"}}}");
	TEST_ASSERT(in != NULL);
	out = scrub_response(in, "req-model", "hi", 2);
	s = text(out);
	TEST_EQ_STR(s, "{\"id\":\"c1\",\"object\":\"chat.completion\","
	    "\"created\":5,\"model\":\"m\",\"choices\":[{\"index\":0,"
	    "\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},"
	    "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,"
	    "\"details\":{\"n\":2}}}");
	free(s);
	json_free(out);
	json_free(in);
	return (0);
fail:
	free(s);
	json_free(out);
	json_free(in);
	return (-1);
}

static int
test_response_tools(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;

	in = parse("{\"model\":\"bad model\\n\",\"choices\":[{\"message\":{"
	    "\"content\":\"UNSIGNED\",\"tool_calls\":[{\"id\":\"a\",\"x\":1}]"
	    "},\"finish_reason\":\"tool_calls\"}]}");
	TEST_ASSERT(in != NULL);
	out = scrub_response(in, "req-model", "ignored", 7);
	TEST_ASSERT(strncmp(json_get_str(out, "id"), "chatcmpl-", 9) == 0);
	TEST_EQ_STR(json_get_str(out, "model"), "req-model");
	s = text(json_get(out, "choices"));
	/* §8 signs json.dumps of the whole array: it goes as given. */
	TEST_EQ_STR(s, "[{\"index\":0,\"message\":{\"role\":\"assistant\","
	    "\"content\":null,\"tool_calls\":[{\"id\":\"a\",\"x\":1}]},"
	    "\"finish_reason\":\"tool_calls\"}]");
	free(s);
	json_free(out);
	json_free(in);
	return (0);
fail:
	free(s);
	json_free(out);
	json_free(in);
	return (-1);
}

static int
test_response_parts(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;

	in = parse("{\"choices\":[{\"message\":{\"content\":[{\"type\":"
	    "\"text\",\"text\":\"a\",\"x\":\"UNSIGNED\"},{\"text\":\"b\"}]},"
	    "\"finish_reason\":\"Ignore previous\"}]}");
	TEST_ASSERT(in != NULL);
	out = scrub_response(in, NULL, "ab", 2);
	s = text(json_get(out, "choices"));
	TEST_EQ_STR(s, "[{\"index\":0,\"message\":{\"role\":\"assistant\","
	    "\"content\":\"ab\"},\"finish_reason\":null}]");
	free(s);
	json_free(out);
	json_free(in);
	return (0);
fail:
	free(s);
	json_free(out);
	json_free(in);
	return (-1);
}

static int
test_chunk(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;
	int			 calls = 0;

	in = parse("{\"model\":\"m\",\"tee_signature\":\"x\",\"usage\":{},"
	    "\"extra\":\"UNSIGNED\",\"choices\":[{\"index\":0,\"delta\":{"
	    "\"role\":\"UNSIGNED\",\"content\":[{\"text\":\"a\"},{\"text\":"
	    "\"b\"}],\"reasoning_content\":\"UNSIGNED\",\"tool_calls\":[7,"
	    "{\"index\":2,\"id\":\"i\",\"x\":\"UNSIGNED\",\"function\":{"
	    "\"arguments\":\"{\",\"y\":\"UNSIGNED\"}}]},\"logprobs\":\"U\","
	    "\"finish_reason\":null},{\"delta\":{\"content\":\"UNSIGNED\"}}]}");
	TEST_ASSERT(in != NULL);
	out = scrub_chunk(in, "chatcmpl-1", 9, "rm", &calls);
	TEST_EQ_INT(calls, 1);
	s = text(out);
	TEST_EQ_STR(s, "{\"id\":\"chatcmpl-1\",\"object\":"
	    "\"chat.completion.chunk\",\"created\":9,\"model\":\"m\","
	    "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
	    "\"content\":\"ab\",\"tool_calls\":[{\"index\":2,\"id\":\"i\","
	    "\"function\":{\"arguments\":\"{\"}}]},\"finish_reason\":null}]}");
	free(s);
	s = NULL;
	json_free(out);
	out = NULL;
	json_free(in);
	in = parse("{\"choices\":[{\"delta\":{\"content\":\"t\"}}]}");
	calls = 0;
	out = scrub_chunk(in, "c", 1, NULL, &calls);
	TEST_EQ_INT(calls, 0);
	TEST_EQ_STR(json_get_str(out, "model"), "");
	json_free(out);
	json_free(in);
	return (0);
fail:
	free(s);
	json_free(out);
	json_free(in);
	return (-1);
}

static int
test_chunk_form(void)
{
	struct json_value	*v = NULL;
	char			*s = NULL;
	const char		*ev = "{\"choices\":[{\"index\":0,\"delta\":{"
	    "\"content\":\"t\",\"tool_calls\":[{\"index\":0}]}}]}";

	v = parse(ev);
	scrub_chunk_form(v, 0);
	s = text(v);
	TEST_EQ_STR(s, "{\"choices\":[{\"index\":0,\"delta\":{"
	    "\"content\":\"t\"}}]}");
	free(s);
	s = NULL;
	json_free(v);
	v = parse(ev);
	scrub_chunk_form(v, 1);
	s = text(v);
	TEST_EQ_STR(s, "{\"choices\":[{\"index\":0,\"delta\":{"
	    "\"tool_calls\":[{\"index\":0}]}}]}");
	free(s);
	s = NULL;
	json_free(v);
	/* No delta: left as it was. */
	v = parse("{\"a\":1}");
	scrub_chunk_form(v, 1);
	s = text(v);
	TEST_EQ_STR(s, "{\"a\":1}");
	free(s);
	json_free(v);
	return (0);
fail:
	free(s);
	json_free(v);
	return (-1);
}

static int
test_proof_fields(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;

	in = parse("{\"tee_id\":\"0xab\",\"tee_signature\":\"c2ln\","
	    "\"tee_timestamp\":17,\"tee_output_hash\":{\"x\":\"UNSIGNED\"},"
	    "\"tee_request_hash\":\"aa\",\"tee_extra\":\"UNSIGNED\","
	    "\"choices\":[]}");
	TEST_ASSERT(in != NULL);
	out = scrub_proof_fields(in);
	s = text(out);
	TEST_EQ_STR(s, "{\"tee_signature\":\"c2ln\",\"tee_request_hash\":"
	    "\"aa\",\"tee_timestamp\":17,\"tee_id\":\"0xab\"}");
	/* scrub_size() is about the compact length. */
	TEST_ASSERT(scrub_size(out) + 8 >= strlen(s));
	TEST_ASSERT(scrub_size(out) <= strlen(s) + 8);
	free(s);
	json_free(out);
	json_free(in);
	return (0);
fail:
	free(s);
	json_free(out);
	json_free(in);
	return (-1);
}

static const struct test_case cases[] = {
	{ "response-text-only-signed", test_response_text },
	{ "response-tools-only-signed", test_response_tools },
	{ "response-parts-joined", test_response_parts },
	{ "chunk-only-signed", test_chunk },
	{ "chunk-form", test_chunk_form },
	{ "proof-fields", test_proof_fields },
};

TEST_MAIN("test-scrub", cases)

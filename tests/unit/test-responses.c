/*
 * test-responses.c: the OpenAI Responses dialect.  A table of requests and
 * the OpenAI chat body each becomes (items folded, tools mapped, fields
 * accepted and not sent, stateless refusals), the response object and the
 * event sequence (with sequence_number) a verified answer renders to, the
 * custom tool call, and the error envelopes.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "og-veil.h"
#include "test.h"
#include "fixture.h"

#define M	"\"model\":\"gpt-x\","
static const struct fixture_translate cases[] = {
	{ "string-input", "{" M "\"input\":\"hi\",\"instructions\":\"sys\","
	  "\"store\":false,\"include\":[\"x\"],\"prompt_cache_key\":\"k\","
	  "\"client_metadata\":{\"a\":1},\"parallel_tool_calls\":true,"
	  "\"reasoning\":{\"effort\":\"high\"},\"max_output_tokens\":50,"
	  "\"temperature\":0.2,\"top_p\":0.9,\"previous_response_id\":null,"
	  "\"stream\":true}",
	  "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"system\","
	  "\"content\":\"sys\"},{\"role\":\"user\",\"content\":\"hi\"}],"
	  "\"max_tokens\":50,\"temperature\":0.2}", 1 },
	{ "items-folded", "{" M "\"input\":[{\"type\":\"message\","
	  "\"role\":\"developer\",\"content\":[{\"type\":\"input_text\","
	  "\"text\":\"dev\"}]},{\"role\":\"user\",\"content\":[{\"type\":"
	  "\"input_text\",\"text\":\"q\"},{\"type\":\"input_image\","
	  "\"image_url\":\"data:image/png;base64,AA\",\"detail\":\"low\"},"
	  "{\"type\":\"input_file\",\"filename\":\"a.pdf\",\"file_data\":"
	  "\"data:application/pdf;base64,AA\"}]},{\"type\":\"reasoning\","
	  "\"summary\":[]},{\"type\":\"message\",\"role\":\"assistant\","
	  "\"content\":[{\"type\":\"output_text\",\"text\":\"let me\"}]},"
	  "{\"type\":\"function_call\",\"call_id\":\"c1\",\"name\":\"f\","
	  "\"arguments\":\"{}\"},{\"type\":\"custom_tool_call\",\"call_id\":"
	  "\"c2\",\"name\":\"apply_patch\",\"input\":\"P\"},{\"type\":"
	  "\"function_call_output\",\"call_id\":\"c1\",\"output\":\"r1\"},"
	  "{\"type\":\"custom_tool_call_output\",\"call_id\":\"c2\","
	  "\"output\":[{\"type\":\"input_text\",\"text\":\"r2\"}]},"
	  "{\"type\":\"function_call\",\"call_id\":\"c3\",\"name\":\"f\","
	  "\"arguments\":\"{\\\"a\\\":1}\"}]}",
	  "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"system\","
	  "\"content\":\"dev\"},{\"role\":\"user\",\"content\":[{\"type\":"
	  "\"text\",\"text\":\"q\"},{\"type\":\"image_url\",\"image_url\":"
	  "{\"url\":\"data:image/png;base64,AA\",\"detail\":\"low\"}},"
	  "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\","
	  "\"file_data\":\"data:application/pdf;base64,AA\"}}]},{\"role\":"
	  "\"assistant\",\"content\":\"let me\",\"tool_calls\":[{\"id\":"
	  "\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\","
	  "\"arguments\":\"{}\"}},{\"id\":\"c2\",\"type\":\"function\","
	  "\"function\":{\"name\":\"apply_patch\",\"arguments\":"
	  "\"{\\\"input\\\":\\\"P\\\"}\"}}]},{\"role\":\"tool\","
	  "\"tool_call_id\":\"c1\",\"content\":\"r1\"},{\"role\":\"tool\","
	  "\"tool_call_id\":\"c2\",\"content\":\"r2\"},{\"role\":"
	  "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c3\","
	  "\"type\":\"function\",\"function\":{\"name\":\"f\","
	  "\"arguments\":\"{\\\"a\\\":1}\"}}]}]}", 0 },
	{ "tools-mapped", "{" M "\"input\":\"x\",\"tool_choice\":{\"type\":"
	  "\"function\",\"name\":\"f\"},\"text\":{\"format\":{\"type\":"
	  "\"json_schema\",\"name\":\"s\",\"schema\":{\"type\":"
	  "\"object\"},\"strict\":true}},\"tools\":[{\"type\":\"function\","
	  "\"name\":\"f\",\"description\":\"d\",\"parameters\":{\"type\":"
	  "\"object\"},\"strict\":true},{\"type\":\"web_search\"},"
	  "{\"type\":\"namespace\",\"name\":\"ns\",\"tools\":[{\"type\":"
	  "\"function\",\"name\":\"g\"}]},{\"type\":\"custom\",\"name\":"
	  "\"c\",\"format\":{\"type\":\"grammar\"}}]}",
	  "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"x\"}],\"tools\":[{\"type\":\"function\","
	  "\"function\":{\"name\":\"f\",\"description\":\"d\","
	  "\"parameters\":{\"type\":\"object\"},\"strict\":true}},"
	  "{\"type\":\"function\",\"function\":{\"name\":\"g\"}},"
	  "{\"type\":\"function\",\"function\":{\"name\":\"c\","
	  "\"parameters\":{\"type\":\"object\",\"properties\":{\"input\":"
	  "{\"type\":\"string\",\"description\":\"the tool's free-form "
	  "input\"}},\"required\":[\"input\"],\"additionalProperties\":"
	  "false}}}],\"tool_choice\":{\"type\":\"function\",\"function\":"
	  "{\"name\":\"f\"}},\"response_format\":{\"type\":\"json_schema\","
	  "\"json_schema\":{\"name\":\"s\",\"schema\":{\"type\":"
	  "\"object\"},\"strict\":true}}}", 0 },
	{ "additional-tools-item", "{" M "\"input\":[{\"type\":"
	  "\"additional_tools\",\"tools\":[{\"type\":\"function\","
	  "\"name\":\"h\"}]},{\"role\":\"user\",\"content\":\"y\"}]}",
	  "{\"model\":\"gpt-x\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"y\"}],\"tools\":[{\"type\":\"function\","
	  "\"function\":{\"name\":\"h\"}}]}", 0 },
	{ "previous-response-id", "{" M "\"input\":\"x\","
	  "\"previous_response_id\":\"resp_1\"}", NULL, 0 },
	{ "conversation", "{" M "\"input\":\"x\",\"conversation\":"
	  "{\"id\":\"c\"}}", NULL, 0 },
	{ "item-reference", "{" M "\"input\":[{\"type\":\"item_reference\","
	  "\"id\":\"i\"}]}", NULL, 0 },
	{ "no-input", "{" M "\"instructions\":\"x\"}", NULL, 0 },
	{ "only-reasoning", "{" M "\"input\":[{\"type\":\"reasoning\"}]}",
	  NULL, 0 },
	{ "bad-role", "{" M "\"input\":[{\"role\":\"tool\",\"content\":"
	  "\"x\"}]}", NULL, 0 },
	{ "no-model", "{\"input\":\"x\"}", NULL, 0 },
};

static int
test_translate(void)
{
	return (fixture_translate(&dialect_responses, cases,
	    sizeof(cases) / sizeof(cases[0])));
}

/* Every data: line's sequence_number counts from 0. */
static int
sequence_ok(const struct buf *b)
{
	const char		*p = (const char *)b->data, *end = p + b->len;
	const char		*e;
	struct json_value	*v;
	long long		 want = 0;
	int64_t			 n;

	while (p < end && (p = memmem(p, (size_t)(end - p), "data: ", 6)) !=
	    NULL) {
		p += 6;
		if ((e = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return (0);
		v = json_parse(p, (size_t)(e - p), NULL, NULL);
		if (json_to_int64(json_get(v, "sequence_number"), &n) == -1 ||
		    n != want++) {
			json_free(v);
			return (0);
		}
		json_free(v);
		p = e;
	}
	return (want > 0);
}

static int
test_render(void)
{
	struct render		 rd;
	struct answer		 an;
	struct answer_error	 ae;
	struct json_value	*body, *v = NULL;
	struct buf		 b;
	char			 names[2048];

	buf_init(&b);
	body = fixture_parse("{\"model\":\"gpt-x\",\"input\":\"x\",\"tools\":[{"
	    "\"type\":\"custom\",\"name\":\"apply_patch\"}],"
	    "\"instructions\":\"sys\"}");
	render_init(&rd, &dialect_responses, body, "gpt-x");
	rd.rd_proof = fixture_parse("{\"verified\":true}");

	/* Non-stream text: a response with one message item and proof. */
	fixture_answer(&an, "gpt-x", 0, 0);
	TEST_EQ_INT(dialect_responses.dl_answer(&rd, &an, &b, &ae), 0);
	v = json_parse((const char *)b.data, b.len, NULL, NULL);
	TEST_ASSERT(v != NULL);
	TEST_EQ_STR(json_get_str(v, "object"), "response");
	TEST_EQ_STR(json_get_str(v, "status"), "completed");
	TEST_EQ_STR(json_get_str(v, "instructions"), "sys");
	TEST_EQ_STR(json_get_str(json_index(json_get(json_index(json_get(v,
	    "output"), 0), "content"), 0), "text"), "Hello");
	TEST_EQ_STR(json_get_str(v, "tee_signature"), "c2ln");
	TEST_ASSERT(json_get(v, "opengradient_verification") != NULL);
	TEST_ASSERT(json_is(json_get(json_get(v, "usage"), "total_tokens"),
	    JSON_INT));
	json_free(v);
	v = NULL;
	answer_clear(&an);
	buf_clear(&b, 0);

	/* A length stop is incomplete. */
	fixture_answer(&an, "gpt-x", 0, 0);
	free(an.an_finish);
	an.an_finish = strdup("length");
	TEST_EQ_INT(dialect_responses.dl_answer(&rd, &an, &b, &ae), 0);
	buf_add(&b, "", 1);
	TEST_ASSERT(strstr((char *)b.data, "\"status\":\"incomplete\"") !=
	    NULL);
	TEST_ASSERT(strstr((char *)b.data, "\"incomplete_details\":{"
	    "\"reason\":\"max_output_tokens\"}") != NULL);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* Stream text: the official sequence, numbered from 0. */
	fixture_answer(&an, "gpt-x", 1, 0);
	TEST_EQ_INT(render_stream_answer(&rd, &an, &b, &ae), 0);
	fixture_event_names(&b, names, sizeof(names));
	TEST_EQ_STR(names, "response.created response.in_progress "
	    "response.output_item.added response.content_part.added "
	    "response.output_text.delta response.output_text.delta "
	    "response.output_text.done response.content_part.done "
	    "response.output_item.done response.completed");
	TEST_ASSERT(sequence_ok(&b));
	answer_clear(&an);
	buf_clear(&b, 0);

	/* A function call, after a commit and a keep-alive. */
	render_clear(&rd);
	render_init(&rd, &dialect_responses, body, "gpt-x");
	dialect_responses.dl_stream_begin(&rd, &b);
	rd.rd_flags |= RENDER_BEGUN;
	dialect_responses.dl_stream_keepalive(&rd, &b);
	fixture_answer(&an, "gpt-x", 1, 1);
	TEST_EQ_INT(render_stream_answer(&rd, &an, &b, &ae), 0);
	fixture_event_names(&b, names, sizeof(names));
	TEST_EQ_STR(names, "response.created response.in_progress "
	    "response.in_progress response.output_item.added "
	    "response.function_call_arguments.delta "
	    "response.function_call_arguments.done "
	    "response.output_item.done response.completed");
	TEST_ASSERT(sequence_ok(&b));
	buf_add(&b, "", 1);
	TEST_ASSERT(strstr((char *)b.data, ": keep-alive") == NULL);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* A call of the agent's custom tool is a custom_tool_call. */
	fixture_answer(&an, "gpt-x", 0, 1);
	json_free(an.an_calls);
	an.an_calls = fixture_parse("[{\"id\":\"call_9\",\"type\":\"function\","
	    "\"function\":{\"name\":\"apply_patch\",\"arguments\":"
	    "\"{\\\"input\\\": \\\"*** Begin Patch\\\"}\"}}]");
	TEST_EQ_INT(dialect_responses.dl_answer(&rd, &an, &b, &ae), 0);
	buf_add(&b, "", 1);
	TEST_ASSERT(strstr((char *)b.data, "\"type\":\"custom_tool_call\","
	    "\"status\":\"completed\",\"call_id\":\"call_9\",\"name\":"
	    "\"apply_patch\",\"input\":\"*** Begin Patch\"") != NULL);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* In-band failure. */
	rd.rd_seq = 5;
	dialect_responses.dl_stream_error(&rd, error_def(ERROR_VERIFICATION),
	    502, "verification failed", &b);
	buf_add(&b, "", 1);
	TEST_ASSERT(strncmp((char *)b.data, "event: response.failed\ndata: "
	    "{\"type\":\"response.failed\",\"sequence_number\":5,", 60) ==
	    0);
	TEST_ASSERT(strstr((char *)b.data, "\"status\":\"failed\",\"error\":"
	    "{\"code\":\"verification_failed\",\"message\":\"verification "
	    "failed\"}") != NULL);
	buf_clear(&b, 0);

	/* Errors: OpenAI envelope with the class of the status. */
	dialect_responses.dl_error(&b, error_def(ERROR_CONTEXT_LENGTH), 400,
	    "input", "prompt is too long");
	buf_add(&b, "", 1);
	TEST_EQ_STR((char *)b.data, "{\"error\":{\"message\":\"prompt is too "
	    "long\",\"type\":\"invalid_request_error\",\"param\":\"input\","
	    "\"code\":\"context_length_exceeded\"}}");
	buf_clear(&b, 0);
	render_clear(&rd);
	json_free(body);
	return (0);
fail:
	json_free(v);
	answer_clear(&an);
	buf_clear(&b, 0);
	render_clear(&rd);
	json_free(body);
	return (-1);
}

static const struct test_case tests[] = {
	{ "translate-table", test_translate },
	{ "render-response-and-events", test_render },
};

TEST_MAIN("test-responses", tests)

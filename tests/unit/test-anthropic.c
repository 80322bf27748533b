/*
 * test-anthropic.c: the Anthropic Messages dialect.  A table of requests
 * and the OpenAI chat body each becomes (what is mapped, dropped or
 * refused), the message object and the event sequence a verified answer
 * renders to, the error envelopes, and the count_tokens estimate.
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

#define M	"\"model\":\"claude-x\",\"max_tokens\":9,"
static const struct fixture_translate cases[] = {
	{ "string-content", "{" M "\"messages\":[{\"role\":\"user\","
	  "\"content\":\"hi\"}]}",
	  "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"hi\"}],\"max_tokens\":9}", 0 },
	{ "system-blocks-and-dropped-fields", "{" M "\"stream\":true,"
	  "\"system\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"text\","
	  "\"text\":\"b\",\"cache_control\":{\"type\":\"ephemeral\"}}],"
	  "\"metadata\":{\"user_id\":\"{}\"},\"thinking\":{\"type\":"
	  "\"adaptive\"},\"top_k\":3,\"context_management\":{},"
	  "\"temperature\":0.5,\"stop_sequences\":[\"X\"],\"messages\":[{"
	  "\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"q\","
	  "\"cache_control\":{}}]}]}",
	  "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"system\","
	  "\"content\":\"a\\n\\nb\"},{\"role\":\"user\",\"content\":[{"
	  "\"type\":\"text\",\"text\":\"q\"}]}],\"max_tokens\":9,"
	  "\"temperature\":0.5,\"stop\":[\"X\"]}", 1 },
	{ "tool-round-trip", "{" M "\"tools\":[{\"name\":\"Bash\","
	  "\"description\":\"d\",\"input_schema\":{\"type\":\"object\"}},"
	  "{\"type\":\"web_search_20250305\",\"name\":\"web_search\"}],"
	  "\"tool_choice\":{\"type\":\"any\"},\"messages\":["
	  "{\"role\":\"user\",\"content\":\"run: ls\"},"
	  "{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\","
	  "\"thinking\":\"hmm\",\"signature\":\"s\"},{\"type\":\"text\","
	  "\"text\":\"ok\"},{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":"
	  "\"Bash\",\"input\":{\"command\":\"ls\"}}]},"
	  "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":"
	  "\"after\"},{\"type\":\"tool_result\",\"tool_use_id\":\"t1\","
	  "\"is_error\":false,\"content\":[{\"type\":\"text\",\"text\":"
	  "\"a\"},{\"type\":\"text\",\"text\":\"b\"}]}]}]}",
	  "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"run: ls\"},{\"role\":\"assistant\",\"content\":"
	  "\"ok\",\"tool_calls\":[{\"id\":\"t1\",\"type\":\"function\","
	  "\"function\":{\"name\":\"Bash\",\"arguments\":"
	  "\"{\\\"command\\\":\\\"ls\\\"}\"}}]},{\"role\":\"tool\","
	  "\"tool_call_id\":\"t1\",\"content\":\"a\\nb\"},{\"role\":\"user\","
	  "\"content\":[{\"type\":\"text\",\"text\":\"after\"}]}],"
	  "\"max_tokens\":9,\"tools\":[{\"type\":\"function\",\"function\":{"
	  "\"name\":\"Bash\",\"description\":\"d\",\"parameters\":{\"type\":"
	  "\"object\"}}}],\"tool_choice\":\"required\"}", 0 },
	{ "tool-choice-tool", "{" M "\"tools\":[{\"name\":\"T\"}],"
	  "\"tool_choice\":{\"type\":\"tool\",\"name\":\"T\"},\"messages\":"
	  "[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\","
	  "\"id\":\"x\",\"name\":\"T\",\"input\":{}}]}]}",
	  "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"assistant\","
	  "\"content\":null,\"tool_calls\":[{\"id\":\"x\",\"type\":"
	  "\"function\",\"function\":{\"name\":\"T\",\"arguments\":\"{}\"}}]}"
	  "],\"max_tokens\":9,\"tools\":[{\"type\":\"function\",\"function\":"
	  "{\"name\":\"T\"}}],\"tool_choice\":{\"type\":\"function\","
	  "\"function\":{\"name\":\"T\"}}}", 0 },
	{ "image-and-document", "{" M "\"messages\":[{\"role\":\"user\","
	  "\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\","
	  "\"media_type\":\"image/png\",\"data\":\"QUJD\"}},{\"type\":"
	  "\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://i/x\"}},"
	  "{\"type\":\"document\",\"title\":\"r.pdf\",\"source\":{\"type\":"
	  "\"base64\",\"media_type\":\"application/pdf\",\"data\":\"UERG\"}},"
	  "{\"type\":\"document\",\"source\":{\"type\":\"text\",\"data\":"
	  "\"plain\"}},{\"type\":\"search_result\"}]}]}",
	  "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	  "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":"
	  "\"data:image/png;base64,QUJD\"}},{\"type\":\"image_url\","
	  "\"image_url\":{\"url\":\"https://i/x\"}},{\"type\":\"file\","
	  "\"file\":{\"filename\":\"r.pdf\",\"file_data\":"
	  "\"data:application/pdf;base64,UERG\"}},{\"type\":\"text\","
	  "\"text\":\"plain\"}]}],\"max_tokens\":9}", 0 },
	{ "no-model", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
	  NULL, 0 },
	{ "no-messages", "{\"model\":\"m\",\"messages\":[]}", NULL, 0 },
	{ "bad-role", "{\"model\":\"m\",\"messages\":[{\"role\":\"tool\","
	  "\"content\":\"x\"}]}", NULL, 0 },
	/* Claude Code 2.1.332: a system message after the first turn. */
	{ "system-message", "{" M "\"messages\":[{\"role\":\"user\","
	  "\"content\":\"hi\"},{\"role\":\"system\",\"content\":[{"
	  "\"type\":\"text\",\"text\":\"# Env\",\"cache_control\":{"
	  "\"type\":\"ephemeral\"}},{\"type\":\"text\",\"text\":\"b\"}]},"
	  "{\"role\":\"system\",\"content\":\"s\"}]}",
	  "{\"model\":\"claude-x\",\"messages\":[{\"role\":\"user\","
	  "\"content\":\"hi\"},{\"role\":\"system\",\"content\":"
	  "\"# Env\\n\\nb\"},{\"role\":\"system\",\"content\":\"s\"}],"
	  "\"max_tokens\":9}", 0 },
	{ "not-an-object", "[1]", NULL, 0 },
};

static int
test_translate(void)
{
	return (fixture_translate(&dialect_anthropic, cases,
	    sizeof(cases) / sizeof(cases[0])));
}

static int
test_render(void)
{
	struct render		 rd;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 b;
	char			 names[1024];

	buf_init(&b);
	render_init(&rd, &dialect_anthropic, NULL, "claude-x");
	rd.rd_proof = fixture_parse("{\"verified\":true}");

	/* Non-stream text. */
	fixture_answer(&an, "claude-x", 0, 0);
	TEST_EQ_INT(dialect_anthropic.dl_answer(&rd, &an, &b, &ae), 0);
	buf_add(&b, "", 1);
	TEST_ASSERT(strstr((char *)b.data, "\"content\":[{\"type\":\"text\","
	    "\"text\":\"Hello\"}],\"stop_reason\":\"end_turn\","
	    "\"stop_sequence\":null,\"usage\":{\"input_tokens\":7,"
	    "\"output_tokens\":2},\"tee_signature\":\"c2ln\",\"tee_id\":"
	    "\"0x1\",\"opengradient_verification\":{\"verified\":true}}") !=
	    NULL);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* Non-stream tool call: input is the parsed arguments. */
	fixture_answer(&an, "claude-x", 0, 1);
	TEST_EQ_INT(dialect_anthropic.dl_answer(&rd, &an, &b, &ae), 0);
	buf_add(&b, "", 1);
	TEST_ASSERT(strstr((char *)b.data, "[{\"type\":\"tool_use\",\"id\":"
	    "\"call_1\",\"name\":\"Bash\",\"input\":{\"command\":\"ls\"}}],"
	    "\"stop_reason\":\"tool_use\"") != NULL);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* Arguments that are no object: refused, nothing rendered. */
	fixture_answer(&an, "claude-x", 0, 1);
	json_free(an.an_calls);
	an.an_calls = fixture_parse("[{\"function\":{\"name\":\"B\","
	    "\"arguments\":"
	    "\"[1]\"}}]");
	TEST_EQ_INT(dialect_anthropic.dl_answer(&rd, &an, &b, &ae), -1);
	TEST_EQ_INT(ae.code, ERROR_UPSTREAM);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* Stream text: every block stopped, in order. */
	fixture_answer(&an, "claude-x", 1, 0);
	TEST_EQ_INT(render_stream_answer(&rd, &an, &b, &ae), 0);
	fixture_event_names(&b, names, sizeof(names));
	TEST_EQ_STR(names, "message_start content_block_start "
	    "content_block_delta content_block_delta content_block_stop "
	    "message_delta message_stop");
	answer_clear(&an);
	buf_clear(&b, 0);

	/*
	 * Stream tool call, after a commit: no second message_start; the
	 * commit's empty text block (index 0), fed an empty text_delta as
	 * the keep-alive, is closed before the tool_use block (index 1).
	 */
	dialect_anthropic.dl_stream_begin(&rd, &b);
	rd.rd_flags |= RENDER_BEGUN;
	dialect_anthropic.dl_stream_keepalive(&rd, &b);
	fixture_answer(&an, "claude-x", 1, 1);
	TEST_EQ_INT(render_stream_answer(&rd, &an, &b, &ae), 0);
	fixture_event_names(&b, names, sizeof(names));
	TEST_EQ_STR(names, "message_start content_block_start "
	    "content_block_delta content_block_stop content_block_start "
	    "content_block_delta content_block_stop message_delta "
	    "message_stop");
	buf_add(&b, "", 1);
	TEST_ASSERT(strstr((char *)b.data, "{\"type\":\"content_block_delta\","
	    "\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"\"}}")
	    != NULL);
	TEST_ASSERT(strstr((char *)b.data, "\"type\":\"content_block_start\","
	    "\"index\":1,\"content_block\":{\"type\":\"tool_use\"") != NULL);
	TEST_ASSERT(strstr((char *)b.data, "\"delta\":{\"type\":"
	    "\"input_json_delta\",\"partial_json\":\"{\\\"command\\\":"
	    "\\\"ls\\\"}\"}") != NULL);
	answer_clear(&an);
	buf_clear(&b, 0);

	/* In-band error of a committed stream. */
	dialect_anthropic.dl_stream_error(&rd, error_def(ERROR_VERIFICATION),
	    502, "verification failed", &b);
	buf_add(&b, "", 1);
	TEST_EQ_STR((char *)b.data, "event: error\ndata: {\"type\":\"error\","
	    "\"error\":{\"type\":\"api_error\",\"message\":\"verification "
	    "failed\"}}\n\n");
	buf_clear(&b, 0);
	render_clear(&rd);
	return (0);
fail:
	answer_clear(&an);
	buf_clear(&b, 0);
	render_clear(&rd);
	return (-1);
}

static int
test_errors(void)
{
	static const struct {
		enum error_code	 code;
		int		 status;
		const char	*type;
	} t[] = {
		{ ERROR_INVALID_REQUEST, 0, "invalid_request_error" },
		{ ERROR_CONTEXT_LENGTH, 0, "invalid_request_error" },
		{ ERROR_INVALID_API_KEY, 0, "authentication_error" },
		{ ERROR_HOST_NOT_ALLOWED, 0, "permission_error" },
		{ ERROR_NOT_FOUND, 0, "not_found_error" },
		{ ERROR_BODY_TOO_LARGE, 0, "request_too_large" },
		{ ERROR_RELAY, 429, "rate_limit_error" },
		{ ERROR_RELAY, 402, "billing_error" },
		{ ERROR_UPSTREAM_TIMEOUT, 0, "timeout_error" },
		{ ERROR_VERIFICATION, 0, "api_error" },
		{ ERROR_NO_TEE, 0, "overloaded_error" },
	};
	const struct error_def	*ed;
	struct buf		 b;
	struct json_value	*v = NULL;
	size_t			 i;
	int			 st;

	buf_init(&b);
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ed = error_def(t[i].code);
		TEST_EQ_INT(ed->code, t[i].code);
		st = t[i].status != 0 ? t[i].status : ed->status;
		dialect_anthropic.dl_error(&b, ed, st, NULL, ed->message);
		v = json_parse((const char *)b.data, b.len, NULL, NULL);
		TEST_ASSERT(v != NULL);
		TEST_EQ_STR(json_get_str(v, "type"), "error");
		TEST_EQ_STR(json_get_str(json_get(v, "error"), "type"),
		    t[i].type);
		TEST_EQ_STR(json_get_str(json_get(v, "error"), "message"),
		    ed->message);
		json_free(v);
		v = NULL;
		buf_clear(&b, 0);
	}
	return (0);
fail:
	json_free(v);
	buf_clear(&b, 0);
	return (-1);
}

static int
test_count_tokens(void)
{
	struct json_value	*in;
	char			 msg[256];
	long long		 n = 0, m = 0;

	TEST_EQ_INT(anthropic_estimate_tokens(0), 0);
	TEST_EQ_INT(anthropic_estimate_tokens(1), 1);
	TEST_EQ_INT(anthropic_estimate_tokens(3), 1);
	TEST_EQ_INT(anthropic_estimate_tokens(4), 2);
	in = fixture_parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"hi\"}]}");
	TEST_EQ_INT(anthropic_count_tokens(in, &n, msg, sizeof(msg)), 0);
	json_free(in);
	in = fixture_parse("{\"model\":\"m\",\"system\":"
	    "\"a long system prompt of "
	    "many words\",\"messages\":[{\"role\":\"user\",\"content\":"
	    "\"hi\"}]}");
	TEST_EQ_INT(anthropic_count_tokens(in, &m, msg, sizeof(msg)), 0);
	json_free(in);
	TEST_ASSERT(n > 0 && m > n);
	in = fixture_parse("{\"messages\":[]}");
	TEST_EQ_INT(anthropic_count_tokens(in, &n, msg, sizeof(msg)), -1);
	json_free(in);
	return (0);
fail:
	return (-1);
}

static const struct test_case tests[] = {
	{ "translate-table", test_translate },
	{ "render-message-and-events", test_render },
	{ "error-envelopes", test_errors },
	{ "count-tokens", test_count_tokens },
};

TEST_MAIN("test-anthropic", tests)

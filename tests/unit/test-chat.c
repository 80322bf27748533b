/*
 * test-chat.c: the Chat Completions renderer, byte for byte: the verified
 * non-stream body with its proof block, the replayed chunks with the
 * enclave's proof fields on the last one only (PROTOCOL.md §10), the
 * usage chunk when asked, one [DONE], and the in-band error of a
 * committed stream (no [DONE]).
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

/* A replayed chunk's start (fixture_answer()'s id, created and model). */
#define HEAD	"data: {\"id\":\"chatcmpl-1\",\"object\":" \
	"\"chat.completion.chunk\",\"created\":9,\"model\":\"gpt-x\","

static int
test_stream(void)
{
	struct render		 rd;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 b;
	int			 usage;

	buf_init(&b);
	render_init(&rd, &dialect_chat, NULL, "gpt-x");
	rd.rd_proof = fixture_parse("{\"verified\":true}");
	for (usage = 0; usage < 2; usage++) {
		rd.rd_flags = usage ? RENDER_INCLUDE_USAGE : 0;
		fixture_answer(&an, "gpt-x", 1, 0);
		TEST_EQ_INT(render_stream_answer(&rd, &an, &b, &ae),
		    0);
		buf_add(&b, "", 1);
		TEST_EQ_STR((char *)b.data, usage ? HEAD "\"choices\":[{"
		    "\"index\":0,\"delta\":{\"content\":\"Hel\"},"
		    "\"finish_reason\":null}]}\n\n" HEAD "\"choices\":[{"
		    "\"index\":0,\"delta\":{\"content\":\"lo\"},"
		    "\"finish_reason\":null}]}\n\n" HEAD "\"choices\":[{"
		    "\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
		    "\"tee_signature\":\"c2ln\",\"tee_id\":\"0x1\","
		    "\"opengradient_verification\":{\"verified\":true}}\n\n"
		    HEAD "\"choices\":[],\"usage\":{\"prompt_tokens\":7,"
		    "\"completion_tokens\":2}}\n\ndata: [DONE]\n\n" :
		    HEAD "\"choices\":[{"
		    "\"index\":0,\"delta\":{\"content\":\"Hel\"},"
		    "\"finish_reason\":null}]}\n\n" HEAD "\"choices\":[{"
		    "\"index\":0,\"delta\":{\"content\":\"lo\"},"
		    "\"finish_reason\":null}]}\n\n" HEAD "\"choices\":[{"
		    "\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],"
		    "\"tee_signature\":\"c2ln\",\"tee_id\":\"0x1\","
		    "\"opengradient_verification\":{\"verified\":true}}\n\n"
		    "data: [DONE]\n\n");
		answer_clear(&an);
		buf_clear(&b, 0);
	}
	dialect_chat.dl_stream_keepalive(&rd, &b);
	dialect_chat.dl_stream_begin(&rd, &b);
	dialect_chat.dl_stream_error(&rd, error_def(ERROR_VERIFICATION), 502,
	    "verification failed", &b);
	buf_add(&b, "", 1);
	TEST_EQ_STR((char *)b.data, ": og-veil verifying\n\ndata: {\"error\":{"
	    "\"message\":\"verification failed\",\"type\":\"server_error\","
	    "\"param\":null,\"code\":\"verification_failed\"}}\n\n");
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
test_answer(void)
{
	struct render		 rd;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 b;

	buf_init(&b);
	render_init(&rd, &dialect_chat, NULL, "gpt-x");
	rd.rd_proof = fixture_parse("{\"verified\":true}");
	fixture_answer(&an, "gpt-x", 0, 0);
	an.an_chat = fixture_parse("{\"id\":\"c\",\"choices\":[],"
	    "\"tee_id\":\"0x1\"}");
	TEST_EQ_INT(dialect_chat.dl_answer(&rd, &an, &b, &ae), 0);
	buf_add(&b, "", 1);
	TEST_EQ_STR((char *)b.data, "{\"id\":\"c\",\"choices\":[],"
	    "\"tee_id\":\"0x1\",\"opengradient_verification\":{"
	    "\"verified\":true}}");
	buf_clear(&b, 0);
	/* The error envelope stays veil_error (PROTOCOL.md §10). */
	dialect_chat.dl_error(&b, error_def(ERROR_CONTEXT_LENGTH), 400, NULL,
	    "too long");
	buf_add(&b, "", 1);
	TEST_EQ_STR((char *)b.data, "{\"error\":{\"message\":\"too long\","
	    "\"type\":\"veil_error\",\"param\":null,\"code\":"
	    "\"context_length_exceeded\"}}");
	answer_clear(&an);
	buf_clear(&b, 0);
	render_clear(&rd);
	return (0);
fail:
	answer_clear(&an);
	buf_clear(&b, 0);
	render_clear(&rd);
	return (-1);
}

/*
 * Frames that held both content and tool-call deltas replay only the form
 * the enclave signed (an_tools): the other never reaches the agent.
 */
static int
test_stream_form(void)
{
	static const char	 calls[] = "[{\"index\":0,\"id\":\"c\"}]";
	struct render		 rd;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 b;
	int			 tools;

	buf_init(&b);
	render_init(&rd, &dialect_chat, NULL, "gpt-x");
	for (tools = 0; tools < 2; tools++) {
		fixture_answer(&an, "gpt-x", 1, 0);
		an.an_tools = tools;
		an.an_frames[0].af_flags = AF_ROLE | AF_CONTENT | AF_CALLS;
		an.an_frames[0].af_calls = sizeof(calls) - 1;
		an.an_frame_calls = strdup(calls);
		an.an_frame_calls_len = sizeof(calls) - 1;
		TEST_EQ_INT(render_stream_answer(&rd, &an, &b, &ae),
		    0);
		buf_add(&b, "", 1);
		TEST_ASSERT(strstr((char *)b.data, tools ?
		    "\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{"
		    "\"index\":0,\"id\":\"c\"}]},\"finish_reason\":null}]}" :
		    "\"delta\":{\"role\":\"assistant\",\"content\":\"Hel\"},"
		    "\"finish_reason\":null}]}") != NULL);
		TEST_ASSERT(strstr((char *)b.data, tools ? "\"content\"" :
		    "\"tool_calls\"") == NULL);
		answer_clear(&an);
		buf_clear(&b, 0);
	}
	render_clear(&rd);
	return (0);
fail:
	answer_clear(&an);
	buf_clear(&b, 0);
	render_clear(&rd);
	return (-1);
}

static const struct test_case tests[] = {
	{ "stream-bytes", test_stream },
	{ "stream-signed-form-only", test_stream_form },
	{ "answer-bytes", test_answer },
};

TEST_MAIN("test-chat", tests)

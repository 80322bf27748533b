/*
 * test-scrub.c: what of a verified answer reaches the agent (PROTOCOL.md
 * §8, §10): only choices[0]'s signed content or tool calls, in the signed
 * form, with metadata that carries no text; a stream frame's held form
 * the same whether sse.c's scan or json_parse() read it.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "sse.h"
#include "og-veil.h"
#include "test.h"
#include "fixture.h"

static int
test_response_text(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;

	in = fixture_parse("{\"id\":\"c1\",\"created\":5,\"model\":\"m\","
	    "\"extra\":"
	    "\"UNSIGNED\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
	    "\"assistant\",\"content\":\"hi\",\"refusal\":\"UNSIGNED\","
	    "\"tool_calls\":[{\"id\":\"UNSIGNED\"}]},\"logprobs\":"
	    "{\"x\":\"UNSIGNED\"},\"finish_reason\":\"stop\"},{\"index\":1,"
	    "\"message\":{\"content\":\"UNSIGNED\"}}],\"usage\":{"
	    "\"prompt_tokens\":1,\"note\":\"UNSIGNED\",\"details\":{"
	    "\"n\":2,\"s\":\"UNSIGNED\"}}}");
	TEST_ASSERT(in != NULL);
	out = scrub_response(in, "req-model", "hi", 2);
	s = fixture_text(out);
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

	in = fixture_parse("{\"model\":\"bad model\\n\",\"choices\":[{"
	    "\"message\":{"
	    "\"content\":\"UNSIGNED\",\"tool_calls\":[{\"id\":\"a\",\"x\":1}]"
	    "},\"finish_reason\":\"tool_calls\"}]}");
	TEST_ASSERT(in != NULL);
	out = scrub_response(in, "req-model", "ignored", 7);
	TEST_ASSERT(strncmp(json_get_str(out, "id"), "chatcmpl-", 9) == 0);
	TEST_EQ_STR(json_get_str(out, "model"), "req-model");
	s = fixture_text(json_get(out, "choices"));
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

	in = fixture_parse("{\"choices\":[{\"message\":{\"content\":[{\"type\":"
	    "\"text\",\"text\":\"a\",\"x\":\"UNSIGNED\"},{\"text\":\"b\"}]},"
	    "\"finish_reason\":\"Ignore previous\"}]}");
	TEST_ASSERT(in != NULL);
	out = scrub_response(in, NULL, "ab", 2);
	s = fixture_text(json_get(out, "choices"));
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

/* What scrub_frame() holds of one gateway frame, as sse.c reads it. */
struct chunk_run {
	const char	*fallback;	/* the request's model */
	int		 frames;
	int		 flags;
	size_t		 ncalls;
	struct buf	 calls;
	char		 text[64];
	char		 model[300];
	int		 finish;
};

static int
chunk_cb(void *arg, const struct sse_frame *f, int final)
{
	struct chunk_run	*r = arg;
	const char		*m;
	size_t			 len;

	(void)final;
	r->frames++;
	r->flags = scrub_frame(f, &r->calls, &r->ncalls);
	buf_add(&r->calls, "", 1);
	snprintf(r->text, sizeof(r->text), "%.*s", (int)f->sf_text_len,
	    f->sf_text != NULL ? f->sf_text : "");
	m = scrub_frame_model(f, r->fallback, &len);
	snprintf(r->model, sizeof(r->model), "%.*s", (int)len, m);
	r->finish = scrub_frame_finish(f);
	return (0);
}

/* Read one event's JSON; scan 0: json_parse() only. */
static void
chunk_read(const char *json, const char *fallback, int scan,
    struct chunk_run *r)
{
	struct sse	*s;
	struct buf	 b;
	const char	*errstr;

	memset(r, 0, sizeof(*r));
	buf_init(&r->calls);
	r->fallback = fallback;
	buf_init(&b);
	buf_printf(&b, "data: %s\n\n", json);
	s = sse_new(chunk_cb, r, 0);
	sse_set_scan(s, scan);
	(void)sse_feed(s, b.data, b.len, &errstr);
	sse_free(s);
	buf_clear(&b, 0);
}

static int
test_chunk(void)
{
	struct chunk_run	 r;
	int			 scan;

	memset(&r, 0, sizeof(r));
	/* A signed final frame: json_parse() reads it. */
	chunk_read("{\"model\":\"m\",\"tee_signature\":\"x\",\"usage\":{},"
	    "\"extra\":\"UNSIGNED\",\"choices\":[{\"index\":0,\"delta\":{"
	    "\"role\":\"UNSIGNED\",\"content\":[{\"text\":\"a\"},{\"text\":"
	    "\"b\"}],\"reasoning_content\":\"UNSIGNED\",\"tool_calls\":[7,"
	    "{\"index\":2,\"id\":\"i\",\"x\":\"UNSIGNED\",\"function\":{"
	    "\"arguments\":\"{\",\"y\":\"UNSIGNED\"}}]},\"logprobs\":\"U\","
	    "\"finish_reason\":null},{\"delta\":{\"content\":\"UNSIGNED\"}}]}",
	    "rm", 1, &r);
	TEST_EQ_INT(r.frames, 1);
	TEST_EQ_INT(r.flags, AF_ROLE | AF_CONTENT | AF_CALLS);
	TEST_EQ_INT(r.ncalls, 1);
	TEST_EQ_STR((char *)r.calls.data, "[{\"index\":2,\"id\":\"i\","
	    "\"function\":{\"arguments\":\"{\"}}]");
	TEST_EQ_STR(r.text, "ab");
	TEST_EQ_STR(r.model, "m");
	TEST_EQ_INT(r.finish, 0);
	buf_clear(&r.calls, 0);
	/* The same frame unsigned, by the scan and by json_parse(). */
	for (scan = 0; scan < 2; scan++) {
		chunk_read("{\"model\":\"m o\",\"choices\":[{\"delta\":{"
		    "\"role\":7,\"content\":[{\"text\":\"a\"},\"x\",{\"type\":"
		    "\"t\",\"text\":\"\\u00e9\"}],\"reasoning\":\"UNSIGNED\"},"
		    "\"finish_reason\":\"Stop\"},{\"delta\":{\"content\":"
		    "\"UNSIGNED\"}}]}", NULL, scan, &r);
		TEST_EQ_INT(r.frames, 1);
		TEST_EQ_INT(r.flags, AF_CONTENT);
		TEST_EQ_STR(r.text, "a\xc3\xa9");
		TEST_EQ_STR(r.model, "");	/* not a name: the request's */
		TEST_EQ_INT(r.finish, 0);	/* not a lower-case token */
		buf_clear(&r.calls, 0);
		chunk_read("{\"choices\":[{\"delta\":{\"content\":\"t\"},"
		    "\"finish_reason\":\"stop\"}],\"model\":\"gpt-4.1\"}", "rm",
		    scan, &r);
		TEST_EQ_INT(r.flags, AF_CONTENT);
		TEST_EQ_INT(r.ncalls, 0);
		TEST_EQ_STR(r.text, "t");
		TEST_EQ_STR(r.model, "gpt-4.1");
		TEST_EQ_INT(r.finish, 1);
		buf_clear(&r.calls, 0);
	}
	return (0);
fail:
	buf_clear(&r.calls, 0);
	return (-1);
}

static int
test_proof_fields(void)
{
	struct json_value	*in, *out = NULL;
	char			*s = NULL;

	in = fixture_parse("{\"tee_id\":\"0xab\",\"tee_signature\":\"c2ln\","
	    "\"tee_timestamp\":17,\"tee_output_hash\":{\"x\":\"UNSIGNED\"},"
	    "\"tee_request_hash\":\"aa\",\"tee_extra\":\"UNSIGNED\","
	    "\"choices\":[]}");
	TEST_ASSERT(in != NULL);
	out = scrub_proof_fields(in);
	s = fixture_text(out);
	TEST_EQ_STR(s, "{\"tee_signature\":\"c2ln\",\"tee_request_hash\":"
	    "\"aa\",\"tee_timestamp\":17,\"tee_id\":\"0xab\"}");
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
	{ "proof-fields", test_proof_fields },
};

TEST_MAIN("test-scrub", cases)

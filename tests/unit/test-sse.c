/*
 * test-sse.c: the SSE parser and signed-output accumulator (PROTOCOL.md §6,
 * §8): line endings, joined data lines, comments, skipped payloads, the
 * in-stream error event, the final frame, tool-call folding, content after
 * the final frame, the event size bound, and that a stream split at every
 * byte position gives the same result.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "sse.h"
#include "test.h"

#define FINAL_STOP	"data: {\"choices\": [{\"delta\": {}, \"index\": 0, " \
	"\"finish_reason\": \"stop\"}], \"tee_signature\": \"c2ln\", " \
	"\"tee_timestamp\": 1}\n\n"
#define FINAL_TOOLS	"data: {\"choices\": [{\"delta\": {}, \"index\": 0, " \
	"\"finish_reason\": \"tool_calls\"}], \"tee_signature\": \"c2ln\"}\n\n"
#define DELTA(s)	"data: {\"choices\": [{\"delta\": {\"content\": \"" s \
	"\"}, \"index\": 0, \"finish_reason\": null}]}\n\n"

/* What a whole run produced. */
struct test_run {
	int		 feed_rv;
	int		 finish_rv;
	const char	*errstr;
	char		 upstream[128];
	char		*out;		/* signed output, or NULL */
	size_t		 outlen;
	char		 reason[32];
	unsigned int	 frames;
	unsigned int	 finals;
	unsigned int	 final_at;	/* frame number of the final */
	int		 abort_at;	/* callback refuses frame n (from 1) */
	char		 views[2048];	/* every frame as the callback saw it */
};

/* The frame number the next runs' callback refuses; 0: none. */
static int	test_abort_at;

static int
test_frame_cb(void *arg, const struct sse_frame *f, int final)
{
	struct test_run	*r = arg;
	size_t		 n = strlen(r->views);

	if (f == NULL)
		abort();
	r->frames++;
	if (final) {
		r->finals++;
		r->final_at = r->frames;
	}
	/* What a consumer reads of the frame, to compare the two paths. */
	snprintf(r->views + n, sizeof(r->views) - n, "%d%d[%.*s]%d[%.*s][%.*s]"
	    "%zu|", f->sf_role, f->sf_content, (int)f->sf_text_len,
	    f->sf_text != NULL ? f->sf_text : "", f->sf_model != NULL,
	    (int)f->sf_model_len, f->sf_model != NULL ? f->sf_model : "",
	    (int)f->sf_finish_len, f->sf_finish != NULL ? f->sf_finish : "",
	    f->sf_calls != NULL ? f->sf_calls->n + 1 : 0);
	if (r->abort_at != 0 && (unsigned int)r->abort_at == r->frames)
		return (1);
	return (0);
}

/*
 * Feed text in pieces: split at the given positions (ascending, up to
 * nsplit), or one byte at a time when bytewise; then finish.
 */
static void
test_feed_path(const char *text, size_t len, const size_t *split,
    size_t nsplit, int bytewise, size_t max_event, int scan,
    struct test_run *r)
{
	struct sse	*s;
	const char	*fr, *up;
	size_t		 pos = 0, i, end;

	memset(r, 0, sizeof(*r));
	r->abort_at = test_abort_at;
	s = sse_new(test_frame_cb, r, max_event);
	sse_set_scan(s, scan);
	for (i = 0; pos < len || i == 0; i++) {
		if (bytewise)
			end = pos + 1;
		else if (i < nsplit)
			end = split[i];
		else
			end = len;
		if (end > len)
			end = len;
		if ((r->feed_rv = sse_feed(s, (const uint8_t *)text + pos,
		    end - pos, &r->errstr)) == -1)
			break;
		pos = end;
		if (len == 0)
			break;
	}
	if (r->feed_rv == 0)
		r->finish_rv = sse_finish(s, &r->errstr);
	else
		r->finish_rv = -1;
	if ((up = sse_upstream_error(s)) != NULL)
		snprintf(r->upstream, sizeof(r->upstream), "%s", up);
	if (sse_signed_output(s, &r->out, &r->outlen) == -1)
		r->out = NULL;
	if ((fr = sse_finish_reason(s)) != NULL)
		snprintf(r->reason, sizeof(r->reason), "%s", fr);
	sse_free(s);
}

static int	test_same(const struct test_run *, const struct test_run *);

/*
 * test_feed_path() with sse.c's scan, checked against json_parse() alone:
 * when the two paths differ in anything a consumer sees, feed_rv and
 * finish_rv are -2, which no case expects.
 */
static void
test_feed(const char *text, size_t len, const size_t *split, size_t nsplit,
    int bytewise, size_t max_event, struct test_run *r)
{
	struct test_run	full;

	test_feed_path(text, len, split, nsplit, bytewise, max_event, 0, &full);
	test_feed_path(text, len, split, nsplit, bytewise, max_event, 1, r);
	if (!test_same(r, &full) || strcmp(r->views, full.views) != 0) {
		fprintf(stderr, "scan and json_parse() differ:\n  %s\n  %s\n",
		    r->views, full.views);
		r->feed_rv = r->finish_rv = -2;
	}
	free(full.out);
}

static void
test_feed_whole(const char *text, struct test_run *r)
{
	test_feed(text, strlen(text), NULL, 0, 0, 0, r);
}

static int
test_same(const struct test_run *a, const struct test_run *b)
{
	if (a->feed_rv != b->feed_rv || a->finish_rv != b->finish_rv ||
	    a->frames != b->frames || a->finals != b->finals ||
	    strcmp(a->reason, b->reason) != 0 ||
	    strcmp(a->upstream, b->upstream) != 0)
		return (0);
	if ((a->out == NULL) != (b->out == NULL))
		return (0);
	return (a->out == NULL || (a->outlen == b->outlen &&
	    memcmp(a->out, b->out, a->outlen) == 0));
}

static int
test_text(void)
{
	struct test_run	r;

	test_feed_whole(DELTA("Hel") DELTA("lo") "data: [DONE]\n\n" FINAL_STOP
	    "data: [DONE]\n\n", &r);
	TEST_EQ_INT(r.feed_rv, 0);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "Hello");
	TEST_EQ_STR(r.reason, "stop");
	TEST_EQ_INT(r.frames, 3);
	TEST_EQ_INT(r.finals, 1);
	TEST_EQ_INT(r.final_at, 3);
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

/* A stream with every feature, split in two at every byte position. */
static const char test_mixed[] =
    ": a comment\r\n"
    "event: message\r\nid: 7\r\nretry: 10\r\n"
    "data: {\"choices\": [{\"delta\": {\"content\": \"w\\u00f6r\", "
    "\"role\": \"assistant\"}}]}\r\n\r\n"
    "data: {\"choices\": [{\"delta\": {\"content\": [{\"type\": \"text\", "
    "\"text\": \"ld\"}, {\"type\": \"x\"}, {\"text\": \"!\"}]}}]}\n\n"
    "data: {\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 1, "
    "\"id\": \"b\", \"function\": {\"name\": \"g\", \"arguments\": \"{\"}}"
    "]}}]}\r\r"
    "data:{\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 0, "
    "\"id\": \"a\", \"type\": \"function\", \"function\": {\"name\": \"f\", "
    "\"arguments\": \"[1\"}}]}}]}\n\n"
    "data: {\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 1, "
    "\"id\": \"\", \"function\": {\"name\": \"\", \"arguments\": \"}\"}}, "
    "{\"index\": 0, \"function\": {\"arguments\": \"]\"}}]}}]}\n\n"
    "data: [DONE]\n\n"
    "data: not json\n\n"
    "data: [1, 2]\n\n"
    "data:\n\n"
    "data: {\"choices\": [{\"delta\": {}, \"finish_reason\": \"tool_calls\"}],"
    "\n"
    "data: \"tee_signature\": \"c2ln\"}\n\n"
    "data: [DONE]\r\n\r\n";

static const char test_mixed_out[] =
    "[{\"function\": {\"arguments\": \"[1]\", \"name\": \"f\"}, \"id\": \"a\", "
    "\"type\": \"function\"}, {\"function\": {\"arguments\": \"{}\", "
    "\"name\": \"g\"}, \"id\": \"b\", \"type\": \"function\"}]";

static int
test_mixed_whole(void)
{
	struct test_run	r;

	test_feed_whole(test_mixed, &r);
	TEST_EQ_INT(r.feed_rv, 0);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.reason, "tool_calls");
	TEST_EQ_STR(r.out, test_mixed_out);
	TEST_EQ_INT(r.frames, 6);
	TEST_EQ_INT(r.finals, 1);
	free(r.out);
	return (0);
fail:
	fprintf(stderr, "  errstr %s out %s\n", r.errstr ? r.errstr : "-",
	    r.out ? r.out : "-");
	free(r.out);
	return (-1);
}

static int
test_split_every_byte(void)
{
	struct test_run	 whole, part;
	size_t		 len = strlen(test_mixed), p, q, split[2];

	test_feed_whole(test_mixed, &whole);
	for (p = 0; p <= len; p++) {
		split[0] = p;
		test_feed(test_mixed, len, split, 1, 0, 0, &part);
		if (!test_same(&whole, &part)) {
			fprintf(stderr, "  split at %zu differs\n", p);
			free(part.out);
			goto fail;
		}
		free(part.out);
	}
	/* Three pieces, around every CR and LF. */
	for (p = 0; p < len; p++) {
		if (test_mixed[p] != '\r' && test_mixed[p] != '\n')
			continue;
		for (q = p; q <= len && q < p + 4; q++) {
			split[0] = p;
			split[1] = q;
			test_feed(test_mixed, len, split, 2, 0, 0, &part);
			if (!test_same(&whole, &part)) {
				fprintf(stderr, "  split at %zu,%zu differs\n",
				    p, q);
				free(part.out);
				goto fail;
			}
			free(part.out);
		}
	}
	test_feed(test_mixed, len, NULL, 0, 1, 0, &part);
	TEST_ASSERT(test_same(&whole, &part));
	free(part.out);
	free(whole.out);
	return (0);
fail:
	free(whole.out);
	return (-1);
}

static int
test_crlf_and_cr(void)
{
	struct test_run	r;

	test_feed_whole("data: {\"choices\": [{\"delta\": {\"content\": "
	    "\"a\"}}]}\r\n\r\n"
	    "data: {\"choices\": [{\"delta\": {\"content\": \"b\"}}]}\r\r"
	    "data: {\"choices\": [{\"delta\": {\"content\": \"c\"}}]}\n\r\n"
	    FINAL_STOP, &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "abc");
	TEST_EQ_INT(r.frames, 4);
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

/* data: lines of one event join with LF into one payload. */
static int
test_multiline_data(void)
{
	struct test_run	r;

	test_feed_whole("data: {\"choices\": [{\"delta\":\n"
	    "data: {\"content\": \"x\"}}]}\n\n"
	    "data: {\"tee_output_hash\": \"00\",\ndata:\"choices\": []}\n\n",
	    &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "x");
	TEST_EQ_INT(r.frames, 2);
	TEST_EQ_INT(r.finals, 1);
	TEST_EQ_STR(r.reason, "");
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

/* Empty, [DONE], non-object and unparsable payloads are skipped. */
static int
test_skipped_payloads(void)
{
	struct test_run	r;

	test_feed_whole("data:\n\ndata: \n\ndata:[DONE]\n\ndata:  [DONE]  \n\n"
	    "data: 5\n\ndata: \"s\"\n\ndata: null\n\ndata: [{}]\n\n"
	    "data: {bad\n\ndata: {\"a\": 1} x\n\ndata: \xff\n\n"
	    "nodata\n\n:comment only\n\n" DELTA("k") FINAL_STOP, &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "k");
	TEST_EQ_INT(r.frames, 2);
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

static int
test_error_event(void)
{
	struct test_run	r;

	test_feed_whole(DELTA("partial") "data: {\"error\": \"Stream "
	    "processing failed\", \"exception_type\": \"APIError\"}\n\n"
	    FINAL_STOP, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	TEST_EQ_INT(r.finish_rv, -1);
	TEST_EQ_STR(r.upstream, "Stream processing failed");
	TEST_ASSERT(r.out == NULL);
	TEST_EQ_INT(r.frames, 1);
	/* The error as the last, unterminated event: seen at finish. */
	test_feed_whole(DELTA("p") "data: {\"error\": \"late\"}", &r);
	TEST_EQ_INT(r.feed_rv, 0);
	TEST_EQ_INT(r.finish_rv, -1);
	TEST_EQ_STR(r.upstream, "late");
	/* An error that is not a string is an ordinary frame (§6). */
	test_feed_whole("data: {\"error\": {\"message\": \"m\"}}\n\n"
	    FINAL_STOP, &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.upstream, "");
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

static int
test_no_final(void)
{
	struct test_run	r;

	test_feed_whole(DELTA("x") "data: [DONE]\n\n", &r);
	TEST_EQ_INT(r.feed_rv, 0);
	TEST_EQ_INT(r.finish_rv, -1);
	TEST_EQ_STR(r.errstr, "TEE stream missing a signed final frame");
	TEST_ASSERT(r.out == NULL);
	test_feed_whole("", &r);
	TEST_EQ_INT(r.finish_rv, -1);
	/* A non-string tee_signature does not make a final frame. */
	test_feed_whole("data: {\"tee_signature\": 5}\n\n", &r);
	TEST_EQ_INT(r.finish_rv, -1);
	TEST_EQ_INT(r.frames, 1);
	return (0);
fail:
	return (-1);
}

/* The final frame's own delta counts; an unterminated one is flushed. */
static int
test_final_content(void)
{
	struct test_run	r;

	test_feed_whole(DELTA("a") "data: {\"choices\": [{\"delta\": "
	    "{\"content\": \"b\"}, \"finish_reason\": \"stop\"}], "
	    "\"tee_output_hash\": \"00\"}", &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "ab");
	TEST_EQ_INT(r.finals, 1);
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

/* Any frame after the signed one is refused: it would be unverified. */
static int
test_after_final(void)
{
	struct test_run	r;

	test_feed_whole(DELTA("a") FINAL_STOP DELTA("evil"), &r);
	TEST_EQ_INT(r.feed_rv, -1);
	TEST_ASSERT(strstr(r.errstr, "after the signed final frame") != NULL);
	TEST_EQ_INT(r.frames, 2);
	free(r.out);
	test_feed_whole(DELTA("a") FINAL_STOP FINAL_STOP, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	free(r.out);
	/* [DONE], comments and blank lines after it are fine. */
	test_feed_whole(DELTA("a") FINAL_STOP "data: [DONE]\n\n: bye\n\n\n\n",
	    &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "a");
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

static int
test_tool_fold(void)
{
	struct test_run	r;

	/* Gemini-style fragments: type repeats, arguments append. */
	test_feed_whole("data: {\"choices\": [{\"delta\": {\"tool_calls\": "
	    "[{\"index\": 0, \"type\": \"function\", \"id\": \"call_1\", "
	    "\"function\": {\"name\": \"get_weather\"}}]}}]}\n\n"
	    "data: {\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 0, "
	    "\"type\": \"function\", \"function\": {\"arguments\": "
	    "\"{\\\"city\\\": \"}}]}}]}\n\n"
	    "data: {\"choices\": [{\"delta\": {\"tool_calls\": [{\"index\": 0, "
	    "\"function\": {\"arguments\": \"\\\"Paris\\\"}\"}}]}}]}\n\n"
	    FINAL_TOOLS, &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "[{\"function\": {\"arguments\": \"{\\\"city\\\": "
	    "\\\"Paris\\\"}\", \"name\": \"get_weather\"}, \"id\": \"call_1\", "
	    "\"type\": \"function\"}]");
	free(r.out);
	/* Defaults: no index means 0, no id or name stays "". */
	test_feed_whole("data: {\"choices\": [{\"delta\": {\"tool_calls\": "
	    "[{\"function\": {\"arguments\": \"x\"}}, 7, null]}}]}\n\n"
	    FINAL_TOOLS, &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "[{\"function\": {\"arguments\": \"x\", \"name\": "
	    "\"\"}, \"id\": \"\", \"type\": \"function\"}]");
	free(r.out);
	/* Slots but finish_reason stop: the text is signed. */
	test_feed_whole(DELTA("t") "data: {\"choices\": [{\"delta\": "
	    "{\"tool_calls\": [{\"index\": 0, \"id\": \"c\"}]}}]}\n\n"
	    FINAL_STOP, &r);
	TEST_EQ_STR(r.out, "t");
	free(r.out);
	/* finish_reason tool_calls but no slot: the text is signed. */
	test_feed_whole(DELTA("u") FINAL_TOOLS, &r);
	TEST_EQ_STR(r.out, "u");
	free(r.out);
	/* Sparse and negative indexes sort numerically. */
	test_feed_whole("data: {\"choices\": [{\"delta\": {\"tool_calls\": "
	    "[{\"index\": 10, \"id\": \"c\"}, {\"index\": -1, \"id\": \"a\"}, "
	    "{\"index\": 2, \"id\": \"b\"}]}}]}\n\n" FINAL_TOOLS, &r);
	TEST_ASSERT(r.out != NULL && strstr(r.out, "\"a\"") < strstr(r.out,
	    "\"b\"") && strstr(r.out, "\"b\"") < strstr(r.out, "\"c\""));
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

static int
test_tool_bad_index(void)
{
	struct test_run	r;

	test_feed_whole("data: {\"choices\": [{\"delta\": {\"tool_calls\": "
	    "[{\"index\": \"0\"}]}}]}\n\n" FINAL_TOOLS, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	test_feed_whole("data: {\"choices\": [{\"delta\": {\"tool_calls\": "
	    "[{\"index\": 99999999999999999999999}]}}]}\n\n" FINAL_TOOLS, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	test_feed_whole("data: {\"choices\": [{\"delta\": {\"tool_calls\": "
	    "[{\"index\": 1.5}]}}]}\n\n" FINAL_TOOLS, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	return (0);
fail:
	return (-1);
}

/* Odd shapes are ignored, never a crash. */
static int
test_odd_shapes(void)
{
	struct test_run	r;

	test_feed_whole("data: {\"choices\": 5}\n\n"
	    "data: {\"choices\": []}\n\n"
	    "data: {\"choices\": [5]}\n\n"
	    "data: {\"choices\": [{\"delta\": 5}]}\n\n"
	    "data: {\"choices\": [{\"delta\": {\"content\": 5}}]}\n\n"
	    "data: {\"choices\": [{\"delta\": {\"content\": [5, "
	    "{\"text\": 1}]}}]}\n\n"
	    "data: {\"choices\": [{\"delta\": {\"tool_calls\": {}}}]}\n\n"
	    "data: {\"choices\": [{\"delta\": {\"tool_calls\": [{\"function\": "
	    "5, \"id\": 3}]}}]}\n\n"
	    "data: {\"choices\": [{\"finish_reason\": 5}], "
	    "\"tee_signature\": \"s\"}\n\n", &r);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_EQ_STR(r.out, "");
	TEST_EQ_STR(r.reason, "");
	TEST_EQ_INT(r.frames, 9);
	free(r.out);
	return (0);
fail:
	free(r.out);
	return (-1);
}

static int
test_event_limit(void)
{
	struct test_run	 r;
	char		 ev[200];
	size_t		 n;

	/* An event of exactly max_event bytes passes; one more fails. */
	snprintf(ev, sizeof(ev), "data: {\"tee_signature\": \"%s\"}\n\n",
	    "xxxxxxxxxxxxxxxx");
	n = strlen(ev) - 2;		/* the line without its LF LF */
	test_feed(ev, strlen(ev), NULL, 0, 0, n, &r);
	TEST_EQ_INT(r.finish_rv, 0);
	free(r.out);
	test_feed(ev, strlen(ev), NULL, 0, 0, n - 1, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	TEST_ASSERT(strstr(r.errstr, "size limit") != NULL);
	test_feed(ev, strlen(ev), NULL, 0, 1, n - 1, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	/* Many data: lines of one event count together. */
	test_feed("data: a\ndata: b\ndata: c\ndata: d\n\n", 33, NULL, 0, 0, 11,
	    &r);
	TEST_EQ_INT(r.feed_rv, -1);
	test_feed("data: a\ndata: b\ndata: c\ndata: d\n\n", 33, NULL, 0, 1, 11,
	    &r);
	TEST_EQ_INT(r.feed_rv, -1);
	return (0);
fail:
	return (-1);
}

static int
test_callback_abort(void)
{
	struct test_run	r;

	test_abort_at = 2;
	test_feed_whole(DELTA("a") DELTA("b") DELTA("c") FINAL_STOP, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	TEST_EQ_INT(r.frames, 2);
	test_feed_whole(DELTA("a") FINAL_STOP, &r);
	TEST_EQ_INT(r.feed_rv, -1);
	free(r.out);
	test_abort_at = 0;
	return (0);
fail:
	test_abort_at = 0;
	return (-1);
}

/* Held bytes grow with what is kept and the parser refuses late feeds. */
static int
test_held_and_sticky(void)
{
	struct sse	*s;
	const char	*errstr;
	const char	*t = DELTA("0123456789");
	size_t		 h0, h1;

	s = sse_new(NULL, NULL, 0);
	h0 = sse_held_bytes(s);
	TEST_EQ_INT(h0, 0);
	TEST_EQ_INT(sse_feed(s, (const uint8_t *)t, 20, &errstr), 0);
	TEST_ASSERT(sse_held_bytes(s) >= 20);	/* partial line */
	TEST_EQ_INT(sse_feed(s, (const uint8_t *)t + 20, strlen(t) - 20,
	    &errstr), 0);
	h1 = sse_held_bytes(s);
	TEST_ASSERT(h1 >= 10 && h1 < strlen(t));	/* just the text */
	TEST_ASSERT(sse_final_frame(s) == NULL);
	TEST_ASSERT(sse_finish_reason(s) == NULL);
	TEST_EQ_INT(sse_feed(s, (const uint8_t *)FINAL_STOP,
	    strlen(FINAL_STOP), &errstr), 0);
	TEST_ASSERT(sse_final_frame(s) != NULL);
	TEST_EQ_INT(sse_finish(s, &errstr), 0);
	TEST_EQ_INT(sse_finish(s, &errstr), 0);
	TEST_EQ_INT(sse_feed(s, (const uint8_t *)"x", 1, &errstr), -1);
	sse_free(s);
	sse_free(NULL);
	return (0);
fail:
	sse_free(s);
	return (-1);
}

/*
 * Frames at the edges of what sse.c's scan reads itself: every one gives
 * the same frames, output and verdict as json_parse() alone (test_feed()
 * compares the two paths), including those the scan hands over.
 */
static int
test_scan_same(void)
{
	static const char *const frames[] = {
	    /* what the scan reads: escapes, pairs, parts, spacing */
	    "{\"choices\":[{\"delta\":{\"content\":\"a\\u00e9\\ud83d\\ude00"
	    "\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"role\":\"assistant\"},\"index\":0,"
	    "\"finish_reason\":null}],\"model\":\"g\\u0070t\"}",
	    "{ \"choices\" : [ { \"delta\" : { \"content\" : [ "
	    "{\"text\":\"a\"},"
	    " 7, {\"type\":\"t\",\"text\":\"b\"}, {\"text\":null} ] } , "
	    "\"finish_reason\" : \"stop\" } , 5 ] , \"x\" : [1,-2.5e+3,0.1E2,"
	    "true,false,null,{\"a\":{}},[]] }",
	    "{\"choices\":[7,{\"delta\":{\"content\":\"second\"}}]}",
	    "{\"choices\":{\"delta\":{\"content\":\"not an array\"}}}",
	    "{\"choices\":[{\"delta\":\"s\",\"finish_reason\":7}],\"model\":5}",
	    "{\"choices\":[{\"delta\":{\"content\":null,\"role\":null,"
	    "\"tool_calls\":null}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"caf\xc3\xa9\"}}]}",
	    "{\"choices\":[]}", "{}",
	    /* what it hands to json_parse() */
	    "{\"choices\":[{\"delta\":{\"content\":\"a\",\"content\":\"b\"}}]}",
	    "{\"choices\":[{\"delta\":{\"cont\\u0065nt\":\"esc key\"}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"lone \\ud800\"}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"lone \\udc00 low\"}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"nul \\u0000 x\"}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"bad \xc3\x28\"}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"ctl \x01\"}}]}",
	    "\f{\"choices\":[{\"delta\":{\"content\":\"form feed\"}}]}",
	    "{\"choices\":[{\"delta\":{\"content\":\"v\"}}]}\v",
	    "{\"choices\":[{\"delta\":{\"content\":\"x\"}}]} trailing",
	    "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],}",
	    "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"n\":01}",
	    "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"n\":1.}",
	    "{\"choices\":[{\"delta\":{\"content\":\"x\"}}],\"n\":nul}",
	    "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]"
	    "]]]]]]]]]]]]]]]],\"choices\":[{\"delta\":{\"content\":"
	    "\"deep\"}}]}",
	    "{\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":"
	    "\"c\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}",
	    "{\"choices\":[{\"delta\":{\"tool_calls\":[]}}]}",
	    "{\"error\":null,\"choices\":[{\"delta\":{\"content\":\"e\"}}]}",
	    "[{\"choices\":[]}]", "\"str\"", "{\"unterminated\":",
	    NULL };
	struct test_run	 r;
	struct buf	 b;
	size_t		 i;

	buf_init(&b);
	for (i = 0; frames[i] != NULL; i++)
		buf_printf(&b, "data: %s\n\n", frames[i]);
	buf_add_str(&b, FINAL_STOP);
	test_feed((const char *)b.data, b.len, NULL, 0, 0, 0, &r);
	TEST_EQ_INT(r.feed_rv, 0);
	TEST_EQ_INT(r.finish_rv, 0);
	TEST_ASSERT(r.frames > 20);
	free(r.out);
	/* Each alone, at every split, too. */
	for (i = 0; frames[i] != NULL; i++) {
		b.len = 0;
		buf_printf(&b, "data: %s\r\n\r\n", frames[i]);
		test_feed((const char *)b.data, b.len, NULL, 0, 1, 0, &r);
		TEST_ASSERT(r.feed_rv != -2);
		free(r.out);
	}
	buf_clear(&b, 0);
	return (0);
fail:
	free(r.out);
	buf_clear(&b, 0);
	return (-1);
}

static const struct test_case cases[] = {
	{ "text", test_text },
	{ "mixed-stream", test_mixed_whole },
	{ "split-at-every-byte", test_split_every_byte },
	{ "crlf-and-cr-events", test_crlf_and_cr },
	{ "multiline-data", test_multiline_data },
	{ "skipped-payloads", test_skipped_payloads },
	{ "error-event", test_error_event },
	{ "no-final-frame", test_no_final },
	{ "final-frame-content", test_final_content },
	{ "frame-after-final", test_after_final },
	{ "tool-call-folding", test_tool_fold },
	{ "tool-call-bad-index", test_tool_bad_index },
	{ "odd-shapes", test_odd_shapes },
	{ "event-size-limit", test_event_limit },
	{ "callback-abort", test_callback_abort },
	{ "held-bytes-and-sticky", test_held_and_sticky },
	{ "scan-same-as-parse", test_scan_same },
};

TEST_MAIN("test-sse", cases)

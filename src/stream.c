/*
 * stream.c: the streaming verifier (PROTOCOL.md §6, §8, §9, §10).  The
 * relay's chunked ciphertext is opened incrementally, its SSE events parsed
 * and each frame kept as compact replay text; nothing reaches the agent
 * until the stream ended with its final chunk, the signed output was
 * recomputed and the signature verified.  Then the frames are replayed as
 * OpenAI chat.completion.chunk events, ending with one data: [DONE].
 * Held bytes count against max_response (per stream) and vl_unverified.
 */
#include "compat.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bytes.h"
#include "json.h"
#include "ohttp.h"
#include "pyjson.h"
#include "sse.h"
#include "verify.h"
#include "xmalloc.h"
#include "og-veil.h"

/* One SSE event of the gateway may not exceed this. */
#define STREAM_MAX_EVENT	(4U * 1024 * 1024)

struct stream {
	struct req		*st_req;	/* not owned: back-pointer */
	struct ohttp_stream	*st_os;		/* owned: chunk opener */
	struct sse		*st_sse;	/* owned: event parser */
	struct buf		 st_out;	/* owned: replay text, held */
	char			*st_id;		/* owned: chatcmpl-... */
	long long		 st_created;
	int			 st_calls;	/* a tool-call slot seen */
	size_t			 st_counted;	/* bytes in vl_unverified */
	int			 st_failed;
	int			 st_status;
	const char		*st_code;
	char			 st_msg[512];
};

static void	stream_set_error(struct stream *, int, const char *,
	    const char *, ...)
	    __attribute__((__format__(__printf__, 4, 5)));
static int	stream_chunk_cb(void *, const uint8_t *, size_t, int);
static int	stream_frame_cb(void *, const struct json_value *, int);

static void
stream_set_error(struct stream *st, int status, const char *code,
    const char *fmt, ...)
{
	va_list	ap;

	if (st->st_failed)
		return;
	st->st_failed = 1;
	st->st_status = status;
	st->st_code = code;
	va_start(ap, fmt);
	vsnprintf(st->st_msg, sizeof(st->st_msg), fmt, ap);
	va_end(ap);
}

/* A new verifier for rq, whose OHTTP context is set. */
struct stream *
stream_new(struct req *rq)
{
	struct stream	*st;

	st = xcalloc(1, sizeof(*st));
	st->st_req = rq;
	buf_init(&st->st_out);
	st->st_os = ohttp_stream_new(&rq->rq_ohttp, stream_chunk_cb, st);
	st->st_sse = sse_new(stream_frame_cb, st, STREAM_MAX_EVENT);
	if (st->st_os == NULL || st->st_sse == NULL)
		fatalx("stream_new");
	st->st_id = req_completion_id();
	st->st_created = (long long)time(NULL);
	return (st);
}

void
stream_free(struct stream *st)
{
	struct veil	*vl;

	if (st == NULL)
		return;
	vl = st->st_req->rq_veil;
	vl->vl_unverified -= st->st_counted;
	ohttp_stream_free(st->st_os);
	sse_free(st->st_sse);
	buf_clear(&st->st_out, 1);
	free(st->st_id);
	free(st);
}

/* Bytes this stream holds unverified. */
size_t
stream_held(const struct stream *st)
{
	return (st->st_out.len + sse_held_bytes(st->st_sse) +
	    ohttp_stream_pending(st->st_os));
}

/* Re-count held bytes; -1 past the per-response cap. */
static int
stream_account(struct stream *st)
{
	struct veil	*vl = st->st_req->rq_veil;
	size_t		 held = stream_held(st);

	vl->vl_unverified -= st->st_counted;
	vl->vl_unverified += held;
	st->st_counted = held;
	if (vl->vl_unverified > vl->vl_cfg->max_unverified) {
		stream_set_error(st, 503, "overloaded", "og-veil is "
		    "overloaded: streams in flight hold its memory budget "
		    "(%s); retry shortly", "OG_VEIL_MAX_UNVERIFIED");
		return (-1);
	}
	if (held > vl->vl_cfg->max_response) {
		stream_set_error(st, 502, "response_too_large",
		    "response exceeds the buffer cap (%s)",
		    "OG_VEIL_MAX_RESPONSE");
		return (-1);
	}
	return (0);
}

/*
 * A gateway frame as an OpenAI chunk with only what §8 signs (scrub.c):
 * choices[0]'s role, content and tool-call deltas, its finish_reason and
 * the model.  A new object.
 */
static struct json_value *
stream_chunk_json(struct stream *st, const struct json_value *frame)
{
	return (scrub_chunk(frame, st->st_id, st->st_created,
	    json_get_str(st->st_req->rq_body, "model"), &st->st_calls));
}

static void
stream_add_event(struct buf *b, const struct json_value *v)
{
	buf_add_str(b, "data: ");
	pyjson_write(b, v, PYJSON_COMPACT);
	buf_add_str(b, "\n\n");
}

static int
stream_frame_cb(void *arg, const struct json_value *frame, int final)
{
	struct stream		*st = arg;
	struct json_value	*o;

	if (st->st_failed)
		return (-1);
	if (final)
		return (0);	/* replayed from sse_final_frame() */
	o = stream_chunk_json(st, frame);
	stream_add_event(&st->st_out, o);
	json_free(o);
	return (stream_account(st));
}

static int
stream_chunk_cb(void *arg, const uint8_t *p, size_t len, int final)
{
	struct stream	*st = arg;
	const char	*errstr, *up;

	(void)final;
	if (st->st_failed)
		return (-1);
	if (sse_feed(st->st_sse, p, len, &errstr) == -1) {
		if ((up = sse_upstream_error(st->st_sse)) != NULL)
			stream_set_error(st, 502, "upstream_error",
			    "the TEE reported an error: %s", up);
		else
			stream_set_error(st, 502, "upstream_error",
			    "bad event stream from the TEE: %s", errstr);
		return (-1);
	}
	return (stream_account(st));
}

static int
stream_result(struct stream *st, int *status, const char **code,
    const char **msg)
{
	*status = st->st_status;
	*code = st->st_code;
	*msg = st->st_msg;
	return (-1);
}

/* Ciphertext bytes from the relay; -1 with the agent's error. */
int
stream_feed(struct stream *st, const uint8_t *p, size_t len, int *status,
    const char **code, const char **msg)
{
	const char	*errstr;

	if (!st->st_failed && ohttp_stream_feed(st->st_os, p, len,
	    &errstr) == -1)
		stream_set_error(st, 502, "verification_failed",
		    "verification failed: the TEE's stream does not decrypt "
		    "(%s); nothing was delivered", errstr);
	if (!st->st_failed)
		stream_account(st);
	if (st->st_failed)
		return (stream_result(st, status, code, msg));
	return (0);
}

/* End of body: verify all, then replay to the agent. */
int
stream_finish(struct stream *st, int *status, const char **code,
    const char **msg)
{
	struct req		*rq = st->st_req;
	const struct json_value	*final, *usage;
	struct json_value	*o;
	struct verify_proof	 pf;
	struct evkeyvalq	*oh;
	struct evbuffer		*eb;
	const char		*errstr, *up, *fr;
	char			*output = NULL;
	size_t			 outlen = 0;
	int			 tools;

	if (st->st_failed)
		return (stream_result(st, status, code, msg));
	if (ohttp_stream_finish(st->st_os, &errstr) == -1) {
		stream_set_error(st, 502, "verification_failed",
		    "verification failed: the TEE's stream is incomplete or "
		    "corrupt (%s); nothing was delivered", errstr);
		return (stream_result(st, status, code, msg));
	}
	if (st->st_failed)
		return (stream_result(st, status, code, msg));
	if (sse_finish(st->st_sse, &errstr) == -1) {
		if ((up = sse_upstream_error(st->st_sse)) != NULL)
			stream_set_error(st, 502, "upstream_error",
			    "the TEE reported an error: %s", up);
		else
			stream_set_error(st, 502, "verification_failed",
			    "verification failed: %s; nothing was delivered",
			    errstr);
		return (stream_result(st, status, code, msg));
	}
	if (st->st_failed)
		return (stream_result(st, status, code, msg));
	final = sse_final_frame(st->st_sse);
	if (final == NULL || sse_signed_output(st->st_sse, &output,
	    &outlen) == -1) {
		stream_set_error(st, 502, "verification_failed",
		    "verification failed: %s; nothing was delivered",
		    "the stream has no signed final frame");
		free(output);
		return (stream_result(st, status, code, msg));
	}
	if (verify_response_key(final, rq->rq_tee->te_vkey,
	    rq->rq_tee->te_id,
	    rq->rq_digest.request_hash, output, outlen, &pf, &errstr) == -1) {
		free(output);
		log_warnx("req %016" PRIx64 ": verification failed: %s",
		    rq->rq_id, errstr);
		stream_set_error(st, 502, "verification_failed",
		    "verification failed: %s; nothing was delivered", errstr);
		return (stream_result(st, status, code, msg));
	}
	free(output);

	/*
	 * Verified: replay the held frames, then the final and usage.  §8
	 * signed the tool calls (final finish_reason "tool_calls" and a slot)
	 * or else the text, never both: the other is dropped from every
	 * frame before anything is delivered.
	 */
	req_enter_state(rq, REQ_DELIVER);
	o = stream_chunk_json(st, final);
	fr = sse_finish_reason(st->st_sse);
	tools = st->st_calls && fr != NULL && strcmp(fr, "tool_calls") == 0;
	if (scrub_replay_form(&st->st_out, tools) == -1) {
		json_free(o);
		stream_set_error(st, 502, "upstream_error",
		    "cannot rebuild the verified stream; nothing was "
		    "delivered");
		return (stream_result(st, status, code, msg));
	}
	scrub_chunk_form(o, tools);
	json_object_set(o, "opengradient_verification",
	    req_proof_json(rq, &pf));
	stream_add_event(&st->st_out, o);
	json_free(o);
	usage = json_get(final, "usage");
	if ((rq->rq_flags & RQ_INCLUDE_USAGE) && usage != NULL &&
	    json_is(usage, JSON_OBJECT)) {
		o = stream_chunk_json(st, final);
		json_object_del(o, "choices");
		json_object_set(o, "choices", json_new_array());
		json_object_set(o, "usage", scrub_usage(usage));
		stream_add_event(&st->st_out, o);
		json_free(o);
	}
	buf_add_str(&st->st_out, "data: [DONE]\n\n");
	log_info("req %016" PRIx64 ": stream verified by TEE %s", rq->rq_id,
	    rq->rq_tee->te_id);
	if (rq->rq_flags & RQ_CLIENT_GONE)
		return (0);
	oh = evhttp_request_get_output_headers(rq->rq_in);
	evhttp_add_header(oh, "Content-Type", "text/event-stream");
	evhttp_add_header(oh, "Cache-Control", "no-cache");
	evhttp_add_header(oh, "X-OpenGradient-Verified", "true");
	evhttp_add_header(oh, "X-OpenGradient-TEE-Id", rq->rq_tee->te_id);
	rq->rq_flags |= RQ_DELIVERING | RQ_REPLIED;
	evhttp_send_reply_start(rq->rq_in, 200, "OK");
	if ((eb = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	evbuffer_add(eb, st->st_out.data, st->st_out.len);
	buf_clear(&st->st_out, 1);
	stream_account(st);
	evhttp_send_reply_chunk(rq->rq_in, eb);
	evbuffer_free(eb);
	evhttp_send_reply_end(rq->rq_in);
	return (0);
}

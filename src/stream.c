/*
 * stream.c: the streaming verifier (PROTOCOL.md §6, §8, §9).  The relay's
 * chunked ciphertext is opened incrementally, its SSE events parsed and
 * each frame kept as a value holding only what §8 signs (scrub_chunk());
 * stream_finish() checks that the stream ended with its final chunk,
 * recomputes the signed output, verifies the signature and hands the
 * frames over in a struct answer, in the signed form.  Nothing here writes
 * to the agent: the delivery path (req.c) renders the answer in the
 * agent's dialect.  Held bytes count against a cap per stream and a total
 * shared by all streams.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "json.h"
#include "ohttp.h"
#include "sse.h"
#include "verify.h"
#include "xmalloc.h"
#include "og-veil.h"

/* One SSE event of the gateway may not exceed this. */
#define STREAM_MAX_EVENT	(4U * 1024 * 1024)

struct stream {
	struct ohttp_stream	*st_os;		/* owned: chunk opener */
	struct sse		*st_sse;	/* owned: event parser */
	struct json_value	**st_frames;	/* owned: scrubbed, held */
	size_t			 st_nframes;
	size_t			 st_cap;
	size_t			 st_frame_bytes; /* scrub_size() of them */
	char			*st_id;		/* owned: chatcmpl-... */
	char			*st_model;	/* owned: the request's */
	long long		 st_created;
	int			 st_calls;	/* a tool-call slot seen */
	size_t			 st_max;	/* cap on held bytes */
	size_t			*st_unverified;	/* not owned: shared total */
	size_t			 st_counted;	/* bytes in *st_unverified */
	int			 st_failed;
	struct answer_error	 st_err;
};

static void	stream_set_error(struct stream *, enum error_code,
	    const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
static int	stream_chunk_cb(void *, const uint8_t *, size_t, int);
static int	stream_frame_cb(void *, const struct json_value *, int);

static void
stream_set_error(struct stream *st, enum error_code code, const char *fmt,
    ...)
{
	va_list	ap;

	if (st->st_failed)
		return;
	st->st_failed = 1;
	st->st_err.code = code;
	va_start(ap, fmt);
	vsnprintf(st->st_err.message, sizeof(st->st_err.message), fmt, ap);
	va_end(ap);
}

/*
 * A new verifier opening chunks under ctx (which must outlive it), for a
 * request of model (copied), holding at most max bytes and counting them
 * in *unverified (may be NULL).
 */
struct stream *
stream_new(const struct ohttp_ctx *ctx, const char *model, size_t max,
    size_t *unverified)
{
	struct stream	*st;

	st = xcalloc(1, sizeof(*st));
	st->st_os = ohttp_stream_new(ctx, stream_chunk_cb, st);
	st->st_sse = sse_new(stream_frame_cb, st, STREAM_MAX_EVENT);
	if (st->st_os == NULL || st->st_sse == NULL)
		fatalx("stream_new");
	st->st_id = req_completion_id();
	st->st_model = model != NULL ? xstrdup(model) : NULL;
	st->st_created = (long long)time(NULL);
	st->st_max = max;
	st->st_unverified = unverified;
	return (st);
}

static void
stream_drop_frames(struct stream *st)
{
	size_t	i;

	for (i = 0; i < st->st_nframes; i++)
		json_free(st->st_frames[i]);
	free(st->st_frames);
	st->st_frames = NULL;
	st->st_nframes = st->st_cap = 0;
	st->st_frame_bytes = 0;
}

void
stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	if (st->st_unverified != NULL)
		*st->st_unverified -= st->st_counted;
	ohttp_stream_free(st->st_os);
	sse_free(st->st_sse);
	stream_drop_frames(st);
	free(st->st_id);
	free(st->st_model);
	free(st);
}

/* Bytes this stream holds unverified. */
size_t
stream_held(const struct stream *st)
{
	return (st->st_frame_bytes + sse_held_bytes(st->st_sse) +
	    ohttp_stream_pending(st->st_os));
}

/* Re-count held bytes; -1 past the per-response cap. */
static int
stream_account(struct stream *st)
{
	size_t	held = stream_held(st);

	if (st->st_unverified != NULL) {
		*st->st_unverified -= st->st_counted;
		*st->st_unverified += held;
	}
	st->st_counted = held;
	if (held > st->st_max) {
		stream_set_error(st, ERROR_RESPONSE_TOO_LARGE,
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
	return (scrub_chunk(frame, st->st_id, st->st_created, st->st_model,
	    &st->st_calls));
}

static void
stream_hold(struct stream *st, struct json_value *v)
{
	if (st->st_nframes == st->st_cap) {
		st->st_cap = st->st_cap == 0 ? 16 : st->st_cap * 2;
		st->st_frames = xreallocarray(st->st_frames, st->st_cap,
		    sizeof(*st->st_frames));
	}
	st->st_frames[st->st_nframes++] = v;
	st->st_frame_bytes += scrub_size(v);
}

static int
stream_frame_cb(void *arg, const struct json_value *frame, int final)
{
	struct stream	*st = arg;

	if (st->st_failed)
		return (-1);
	if (final)
		return (0);	/* taken from sse_final_frame() at the end */
	stream_hold(st, stream_chunk_json(st, frame));
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
			stream_set_error(st, ERROR_UPSTREAM,
			    "the TEE reported an error: %s", up);
		else
			stream_set_error(st, ERROR_UPSTREAM,
			    "bad event stream from the TEE: %s", errstr);
		return (-1);
	}
	return (stream_account(st));
}

static int
stream_result(struct stream *st, struct answer_error *ae)
{
	*ae = st->st_err;
	return (-1);
}

/* Ciphertext bytes from the relay; -1 with the agent's error. */
int
stream_feed(struct stream *st, const uint8_t *p, size_t len,
    struct answer_error *ae)
{
	const char	*errstr;

	if (!st->st_failed && ohttp_stream_feed(st->st_os, p, len,
	    &errstr) == -1)
		stream_set_error(st, ERROR_VERIFICATION,
		    "verification failed: the TEE's stream does not decrypt "
		    "(%s); nothing was delivered", errstr);
	if (!st->st_failed)
		stream_account(st);
	if (st->st_failed)
		return (stream_result(st, ae));
	return (0);
}

/* End of body: verify all, then hand the frames over in an. */
int
stream_finish(struct stream *st, const struct answer_check *ck,
    struct answer *an, struct answer_error *ae)
{
	const struct json_value	*final, *usage, *v;
	struct json_value	*o;
	const char		*errstr, *up, *fr;
	char			*output = NULL;
	size_t			 outlen = 0, i;
	int			 tools;

	answer_init(an);
	if (st->st_failed)
		return (stream_result(st, ae));
	if (ohttp_stream_finish(st->st_os, &errstr) == -1) {
		stream_set_error(st, ERROR_VERIFICATION,
		    "verification failed: the TEE's stream is incomplete or "
		    "corrupt (%s); nothing was delivered", errstr);
		return (stream_result(st, ae));
	}
	if (st->st_failed)
		return (stream_result(st, ae));
	if (sse_finish(st->st_sse, &errstr) == -1) {
		if ((up = sse_upstream_error(st->st_sse)) != NULL)
			stream_set_error(st, ERROR_UPSTREAM,
			    "the TEE reported an error: %s", up);
		else
			stream_set_error(st, ERROR_VERIFICATION,
			    "verification failed: %s; nothing was delivered",
			    errstr);
		return (stream_result(st, ae));
	}
	if (st->st_failed)
		return (stream_result(st, ae));
	final = sse_final_frame(st->st_sse);
	if (final == NULL || sse_signed_output(st->st_sse, &output,
	    &outlen) == -1) {
		stream_set_error(st, ERROR_VERIFICATION,
		    "verification failed: %s; nothing was delivered",
		    "the stream has no signed final frame");
		free(output);
		return (stream_result(st, ae));
	}
	if (verify_response_key(final, ck->vkey, ck->tee_id,
	    ck->request_hash, output, outlen, &an->an_proof, &errstr) == -1) {
		free(output);
		stream_set_error(st, ERROR_VERIFICATION,
		    "verification failed: %s; nothing was delivered", errstr);
		return (stream_result(st, ae));
	}

	/*
	 * Verified.  §8 signed the tool calls (final finish_reason
	 * "tool_calls" and a slot) or else the text, never both: the other
	 * is dropped from every frame before anything is delivered.
	 */
	o = stream_chunk_json(st, final);
	fr = sse_finish_reason(st->st_sse);
	tools = st->st_calls && fr != NULL && strcmp(fr, "tool_calls") == 0;
	stream_hold(st, o);
	for (i = 0; i < st->st_nframes; i++)
		scrub_chunk_form(st->st_frames[i], tools);
	an->an_stream = 1;
	an->an_tools = tools;
	if (tools) {
		an->an_calls = json_parse(output, outlen, NULL, &errstr);
		if (!json_is(an->an_calls, JSON_ARRAY)) {
			free(output);
			answer_clear(an);
			stream_set_error(st, ERROR_UPSTREAM, "%s",
			    "the signed tool calls do not parse");
			return (stream_result(st, ae));
		}
		an->an_signed = output;	/* for receipts (--keep-content) */
		an->an_signed_len = outlen;
	} else {
		an->an_text = xrealloc(output, outlen + 1);
		an->an_text[outlen] = '\0';
		an->an_text_len = outlen;
	}
	v = json_get(json_index(json_get(o, "choices"), 0), "finish_reason");
	if (json_is(v, JSON_STRING))
		an->an_finish = xstrdup(v->s);
	usage = json_get(final, "usage");
	if (usage != NULL && json_is(usage, JSON_OBJECT))
		an->an_usage = scrub_usage(usage);
	v = json_get(o, "model");
	an->an_model = xstrdup(json_is(v, JSON_STRING) ? v->s : "");
	an->an_tee = scrub_proof_fields(final);
	an->an_frames = st->st_frames;
	an->an_nframes = st->st_nframes;
	st->st_frames = NULL;
	st->st_nframes = st->st_cap = 0;
	st->st_frame_bytes = 0;
	stream_account(st);
	return (0);
}

/*
 * stream.c: the streaming verifier (PROTOCOL.md §6, §8, §9).  The relay's
 * chunked ciphertext is opened incrementally, its SSE events parsed and
 * each frame kept as a compact value holding only what §8 signs and the
 * replay shows (struct answer_frame, scrub_frame()): its text stays in the
 * parser's signed output, names are kept once;
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
	struct answer_frame	*st_frames;	/* owned: scrubbed, held */
	size_t			 st_nframes;
	size_t			 st_cap;
	struct buf		 st_calls;	/* frames' tool-call deltas */
	struct buf		 st_names;	/* models, finish reasons */
	uint32_t		 st_last_model;	/* in st_names, or AF_NULL */
	uint32_t		 st_last_finish;
	char			*st_id;		/* owned: chatcmpl-... */
	char			*st_model;	/* owned: the request's */
	long long		 st_created;
	int			 st_calls_seen;	/* a tool-call slot seen */
	size_t			 st_max;	/* cap on held bytes */
	size_t			*st_unverified;	/* not owned: shared total */
	size_t			 st_counted;	/* bytes in *st_unverified */
	int			 st_failed;
	struct answer_error	*st_err;	/* owned: once failed */
};

static void	stream_set_error(struct stream *, enum error_code,
	    const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
static int	stream_chunk_cb(void *, const uint8_t *, size_t, int);
static int	stream_frame_cb(void *, const struct sse_frame *, int);

static void
stream_set_error(struct stream *st, enum error_code code, const char *fmt,
    ...)
{
	va_list	ap;

	if (st->st_failed)
		return;
	st->st_failed = 1;
	st->st_err = xcalloc(1, sizeof(*st->st_err));
	st->st_err->code = code;
	va_start(ap, fmt);
	vsnprintf(st->st_err->message, sizeof(st->st_err->message), fmt, ap);
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
	buf_init(&st->st_calls);
	buf_init(&st->st_names);
	st->st_last_model = st->st_last_finish = AF_NULL;
	return (st);
}

static void
stream_drop_frames(struct stream *st)
{
	free(st->st_frames);
	st->st_frames = NULL;
	st->st_nframes = st->st_cap = 0;
	buf_clear(&st->st_calls, 1);
	buf_clear(&st->st_names, 1);
	st->st_last_model = st->st_last_finish = AF_NULL;
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
	free(st->st_err);
	free(st);
}

/* Bytes this stream holds unverified. */
size_t
stream_held(const struct stream *st)
{
	return (st->st_nframes * sizeof(*st->st_frames) + st->st_calls.len +
	    st->st_names.len + sse_held_bytes(st->st_sse) +
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

/* name (len bytes) in st_names: last when it is the same, else added. */
static uint32_t
stream_name(struct stream *st, uint32_t *last, const char *name, size_t len)
{
	if (*last != AF_NULL && strncmp((const char *)st->st_names.data +
	    *last, name, len) == 0 && st->st_names.data[*last + len] == '\0')
		return (*last);
	*last = (uint32_t)st->st_names.len;
	buf_add(&st->st_names, name, len);
	buf_add_u8(&st->st_names, '\0');
	return (*last);
}

/* Hold a frame in the form the replay shows (scrub.c); -1 past the cap. */
static int
stream_hold(struct stream *st, const struct sse_frame *f)
{
	struct answer_frame	*af;
	const char		*model;
	size_t			 calls0 = st->st_calls.len, n, len;

	/* Offsets are 32-bit: far above any cap on held bytes. */
	if (st->st_names.len > UINT32_MAX - 512 ||
	    st->st_calls.len > UINT32_MAX / 2 ||
	    f->sf_text_len > UINT32_MAX / 2) {
		stream_set_error(st, ERROR_RESPONSE_TOO_LARGE,
		    "response exceeds the buffer cap (%s)",
		    "OG_VEIL_MAX_RESPONSE");
		return (-1);
	}
	if (st->st_nframes == st->st_cap) {
		st->st_cap = st->st_cap == 0 ? 8 : st->st_cap * 2;
		st->st_frames = xreallocarray(st->st_frames, st->st_cap,
		    sizeof(*st->st_frames));
	}
	af = &st->st_frames[st->st_nframes++];
	memset(af, 0, sizeof(*af));
	af->af_flags = (uint8_t)scrub_frame(f, &st->st_calls, &n);
	if (n > 0)
		st->st_calls_seen = 1;
	af->af_calls = (uint32_t)(st->st_calls.len - calls0);
	af->af_text = f->sf_content ? (uint32_t)f->sf_text_len : 0;
	model = scrub_frame_model(f, st->st_model, &len);
	af->af_model = stream_name(st, &st->st_last_model, model, len);
	af->af_finish = scrub_frame_finish(f) ? stream_name(st,
	    &st->st_last_finish, f->sf_finish, f->sf_finish_len) : AF_NULL;
	return (0);
}

static int
stream_frame_cb(void *arg, const struct sse_frame *frame, int final)
{
	struct stream	*st = arg;

	(void)final;	/* the signed frame is held last, like the others */
	if (st->st_failed)
		return (-1);
	if (stream_hold(st, frame) == -1)
		return (-1);
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
	*ae = *st->st_err;
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
	const struct json_value	*final, *usage;
	const struct answer_frame *last;
	const char		*errstr, *up, *fr, *names;
	char			*output = NULL;
	size_t			 outlen = 0;
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
	 * "tool_calls" and a slot) or else the text, never both: the replay
	 * shows only that form of every frame.  The final frame was held
	 * last, like the others.
	 */
	fr = sse_finish_reason(st->st_sse);
	tools = st->st_calls_seen && fr != NULL &&
	    strcmp(fr, "tool_calls") == 0;
	if (st->st_nframes == 0) {	/* sse_finish() saw the final frame */
		free(output);
		stream_set_error(st, ERROR_VERIFICATION,
		    "verification failed: %s; nothing was delivered",
		    "the stream has no signed final frame");
		return (stream_result(st, ae));
	}
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
	last = &st->st_frames[st->st_nframes - 1];
	names = (const char *)st->st_names.data;
	if (last->af_finish != AF_NULL)
		an->an_finish = xstrdup(names + last->af_finish);
	usage = json_get(final, "usage");
	if (usage != NULL && json_is(usage, JSON_OBJECT))
		an->an_usage = scrub_usage(usage);
	an->an_model = xstrdup(names + last->af_model);
	an->an_tee = scrub_proof_fields(final);
	an->an_frames = st->st_frames;
	an->an_nframes = st->st_nframes;
	an->an_frame_calls = (char *)buf_detach(&st->st_calls,
	    &an->an_frame_calls_len);
	an->an_names = (char *)buf_detach(&st->st_names, &an->an_names_len);
	an->an_chunk_id = st->st_id;
	an->an_created = st->st_created;
	st->st_id = NULL;
	st->st_frames = NULL;
	st->st_nframes = st->st_cap = 0;
	st->st_last_model = st->st_last_finish = AF_NULL;
	stream_account(st);
	return (0);
}

/*
 * fuzz-sse.c: the SSE parser and signed-output accumulator over untrusted
 * decrypted stream text, PROTOCOL.md §6 and §8.  Input: two control bytes,
 * then the text.  Byte 0 caps the piece size (0: all at once) and picks a
 * small event bound when its top bit is set; byte 1 seeds the piece sizes.
 * The text is fed in those pieces with sse.c's scan and, separately, all at
 * once with json_parse() alone: both runs must agree on every result (feed,
 * finish, upstream error, frame count, every frame as the consumer sees
 * it, finish_reason, signed output).  Any broken property aborts.
 */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "sse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_sse_run {
	int		 feed_rv;
	int		 finish_rv;
	int		 out_rv;
	unsigned int	 frames;
	unsigned int	 finals;
	uint64_t	 views;		/* FNV-1a of every frame's view */
	char		*upstream;
	char		*reason;
	char		*out;
	size_t		 outlen;
};

static void
fuzz_sse_hash(uint64_t *h, const void *p, size_t len)
{
	const uint8_t	*b = p;
	size_t		 i;

	for (i = 0; i < len; i++)
		*h = (*h ^ b[i]) * 0x100000001b3ULL;
	*h = (*h ^ 0xff) * 0x100000001b3ULL;	/* a field's end */
}

/* Reads every frame (as a consumer does), hashes its view and counts. */
static int
fuzz_sse_cb(void *arg, const struct sse_frame *f, int final)
{
	struct fuzz_sse_run	*r = arg;
	struct json_value	*copy;
	int			 flags[3];

	flags[0] = f->sf_role;
	flags[1] = f->sf_content;
	flags[2] = f->sf_calls != NULL;
	fuzz_sse_hash(&r->views, flags, sizeof(flags));
	fuzz_sse_hash(&r->views, f->sf_text, f->sf_text_len);
	if (f->sf_model != NULL)
		fuzz_sse_hash(&r->views, f->sf_model, f->sf_model_len);
	fuzz_sse_hash(&r->views, "", f->sf_model != NULL);
	if (f->sf_finish != NULL)
		fuzz_sse_hash(&r->views, f->sf_finish, f->sf_finish_len);
	fuzz_sse_hash(&r->views, "", f->sf_finish != NULL);
	if (f->sf_calls != NULL) {
		copy = json_dup(f->sf_calls);
		json_free(copy);
	}
	r->frames++;
	if (final)
		r->finals++;
	return (0);
}

static char *
fuzz_sse_dup(const char *s)
{
	return (s == NULL ? NULL : strdup(s));
}

static void
fuzz_sse_run(const uint8_t *p, size_t len, unsigned int maxpiece,
    unsigned int seed, size_t max_event, int scan, struct fuzz_sse_run *r)
{
	struct sse	*s;
	const char	*errstr;
	size_t		 off, n;

	memset(r, 0, sizeof(*r));
	r->views = 0xcbf29ce484222325ULL;
	s = sse_new(fuzz_sse_cb, r, max_event);
	sse_set_scan(s, scan);
	for (off = 0; off < len; off += n) {
		if (maxpiece == 0)
			n = len - off;
		else {
			seed = seed * 1103515245 + 12345;
			n = 1 + (seed >> 16) % maxpiece;
			if (n > len - off)
				n = len - off;
		}
		if ((r->feed_rv = sse_feed(s, p + off, n, &errstr)) == -1)
			break;
		/* It holds no more than one event beyond what it kept. */
		if (sse_held_bytes(s) > len + 64 * len)
			abort();
	}
	r->finish_rv = r->feed_rv == -1 ? -1 : sse_finish(s, &errstr);
	r->upstream = fuzz_sse_dup(sse_upstream_error(s));
	r->reason = fuzz_sse_dup(sse_finish_reason(s));
	r->out_rv = sse_signed_output(s, &r->out, &r->outlen);
	if ((r->out_rv == 0) != (sse_final_frame(s) != NULL))
		abort();
	if (r->finals > 1 || (r->finals == 1 && sse_final_frame(s) == NULL))
		abort();
	sse_free(s);
}

static int
fuzz_sse_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static void
fuzz_sse_clear(struct fuzz_sse_run *r)
{
	free(r->upstream);
	free(r->reason);
	free(r->out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_sse_run	 a, b;
	size_t			 max_event;

	if (size < 2)
		return (0);
	max_event = (data[0] & 0x80) ? 16 + data[1] : 0;
	fuzz_sse_run(data + 2, size - 2, data[0] & 0x7f, data[1], max_event,
	    1, &a);
	fuzz_sse_run(data + 2, size - 2, 0, 0, max_event, 0, &b);
	if (a.feed_rv != b.feed_rv || a.finish_rv != b.finish_rv ||
	    a.out_rv != b.out_rv || a.frames != b.frames ||
	    a.views != b.views ||
	    a.finals != b.finals || !fuzz_sse_str_eq(a.upstream, b.upstream) ||
	    !fuzz_sse_str_eq(a.reason, b.reason) || a.outlen != b.outlen ||
	    (a.outlen != 0 && memcmp(a.out, b.out, a.outlen) != 0))
		abort();
	fuzz_sse_clear(&a);
	fuzz_sse_clear(&b);
	return (0);
}

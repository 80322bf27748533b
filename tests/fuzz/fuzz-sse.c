/*
 * fuzz-sse.c: the SSE parser and signed-output accumulator over untrusted
 * decrypted stream text, PROTOCOL.md §6 and §8.  Input: two control bytes,
 * then the text.  Byte 0 caps the piece size (0: all at once) and picks a
 * small event bound when its top bit is set; byte 1 seeds the piece sizes.
 * The text is fed in those pieces and, separately, all at once: both runs
 * must agree on every result (feed, finish, upstream error, frame count,
 * finish_reason, signed output).  Any broken property aborts.
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
	char		*upstream;
	char		*reason;
	char		*out;
	size_t		 outlen;
};

/* Copies every frame (as a consumer keeps them) and counts. */
static int
fuzz_sse_cb(void *arg, const struct json_value *frame, int final)
{
	struct fuzz_sse_run	*r = arg;
	struct json_value	*copy;

	copy = json_dup(frame);
	json_free(copy);
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
    unsigned int seed, size_t max_event, struct fuzz_sse_run *r)
{
	struct sse	*s;
	const char	*errstr;
	size_t		 off, n;

	memset(r, 0, sizeof(*r));
	s = sse_new(fuzz_sse_cb, r, max_event);
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
	    &a);
	fuzz_sse_run(data + 2, size - 2, 0, 0, max_event, &b);
	if (a.feed_rv != b.feed_rv || a.finish_rv != b.finish_rv ||
	    a.out_rv != b.out_rv || a.frames != b.frames ||
	    a.finals != b.finals || !fuzz_sse_str_eq(a.upstream, b.upstream) ||
	    !fuzz_sse_str_eq(a.reason, b.reason) || a.outlen != b.outlen ||
	    (a.outlen != 0 && memcmp(a.out, b.out, a.outlen) != 0))
		abort();
	fuzz_sse_clear(&a);
	fuzz_sse_clear(&b);
	return (0);
}

/*
 * pii.c (bench): the cost of --pii-scrub on a 100 KiB prompt: prose with
 * a few of every kind of personal data, and hostile text built to make a
 * backtracking matcher blow up (digit runs, separators, near-emails).
 * Prints one JSON object: microseconds per 100 KiB and MB/s for each.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "pii.h"

#define BENCH_PII_SIZE	(100 * 1024)

static double
bench_pii_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/* Repeat units until size bytes. */
static void
bench_pii_fill(struct buf *b, const char *const *units, size_t n)
{
	size_t	 i = 0;

	while (b->len < BENCH_PII_SIZE)
		buf_add_str(b, units[i++ % n]);
}

/* Microseconds per scrub of b, best of a few rounds. */
static double
bench_pii_run(const struct buf *b, size_t *found)
{
	struct buf	 out;
	double		 t0, best = 1e9, dt;
	int		 round, i, reps = 50;

	buf_init(&out);
	for (round = 0; round < 5; round++) {
		t0 = bench_pii_now();
		for (i = 0; i < reps; i++) {
			out.len = 0;
			*found = pii_scrub_text((const char *)b->data, b->len,
			    &out, NULL);
		}
		dt = (bench_pii_now() - t0) / reps * 1e6;
		if (dt < best)
			best = dt;
	}
	buf_clear(&out, 0);
	return (best);
}

int
main(void)
{
	static const char *const prose[] = {
		"Please review the attached contract before Friday. The "
		"release 2.4.1 shipped on 2024-03-15 and costs $1,299.00 per "
		"seat; order ORD-2024-558812 is pending. ",
		"Contact ada.lovelace@example.com or +44 20 7946 0958. ",
		"The quick brown fox jumps over the lazy dog while the build "
		"runs for 1700000000 milliseconds in room 12. ",
		"Ship to 742 Evergreen Terrace, Springfield. Card 4111 1111 "
		"1111 1111, SSN 123-45-6789, IBAN DE89 3704 0044 0532 0130 "
		"00. ",
		"def handler(event):\n    return {\"status\": 200, "
		"\"items\": [1, 2, 3]}\n",
	};
	static const char *const hostile[] = {
		"1 1-1.1 (1) +1 ", "a.a.a.a.a.a.a.a@", "4111 4111 4111 ",
		"DE89 3704 DE89 ", "account no no no ", "12 Aa Bb Cc Dd ",
	};
	struct buf	 a, h;
	size_t		 fa, fh;
	double		 ua, uh;

	buf_init(&a);
	buf_init(&h);
	bench_pii_fill(&a, prose, sizeof(prose) / sizeof(prose[0]));
	bench_pii_fill(&h, hostile, sizeof(hostile) / sizeof(hostile[0]));
	ua = bench_pii_run(&a, &fa);
	uh = bench_pii_run(&h, &fh);
	printf("{\"pii_prompt_bytes\": %zu, \"pii_prose_us\": %.1f, "
	    "\"pii_prose_mb_s\": %.1f, \"pii_prose_matches\": %zu, "
	    "\"pii_hostile_us\": %.1f, \"pii_hostile_mb_s\": %.1f, "
	    "\"pii_hostile_matches\": %zu}\n",
	    a.len, ua, (double)a.len / ua, fa, uh, (double)h.len / uh, fh);
	buf_clear(&a, 0);
	buf_clear(&h, 0);
	return (0);
}

/*
 * test-receipt-writer.c: the daemon's receipt queue on a real event loop
 * and a real receipts.db.  A receipt is written within the flush delay
 * even when the timer was armed for the next prune, a second away (it was
 * held behind it: under load the 4096-receipt queue overflowed every
 * second and receipts were dropped while the database was idle); a
 * sustained rate above a queue a second loses none; receipt ids are
 * unique and in creation order, so the UNIQUE index on them grows at its
 * edge.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "og-veil.h"
#include "receipt.h"
#include "test.h"
#include "xmalloc.h"

static char	test_home[] = "/tmp/og-veil-test-receipt-writer.XXXXXX";

static void
test_rw_fill(struct receipt *r)
{
	receipt_init(r);
	if (receipt_new_id(r->id) == -1)
		abort();
	r->created_at = (int64_t)time(NULL);
	r->dialect = xstrdup("openai-chat");
	r->tee_id = xstrdup("0xab");
	r->spki = xmemdup("\x30\x01\x02", 3);
	r->spki_len = 3;
	r->request_hash = xstrdup("aa");
	r->output_hash = xstrdup("bb");
	r->tee_timestamp = xstrdup("1767225600");
	r->signature = xstrdup("c2ln");
}

static void
test_rw_add(struct receipt_writer *rw, int n)
{
	struct receipt	 r;

	while (n-- > 0) {
		test_rw_fill(&r);
		receipt_writer_add(rw, &r);
	}
}

/* Run the loop for ms milliseconds. */
static void
test_rw_run(struct event_base *base, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

static int	test_rw_rows;

static void
test_rw_count_cb(void *arg, const struct receipt *r)
{
	(void)arg;
	(void)r;
	test_rw_rows++;
}

static int
test_rw_stored(void)
{
	struct receipt_store	*ro;
	char			 err[256];

	if ((ro = receipt_store_open(test_home, 0, err, sizeof(err))) == NULL)
		return (-1);
	test_rw_rows = 0;
	if (receipt_store_list(ro, 0, 0, test_rw_count_cb, NULL) < 0)
		test_rw_rows = -1;
	receipt_store_close(ro);
	return (test_rw_rows);
}

/*
 * Every flush after the first in a second leaves a prune due and the
 * timer armed a second ahead; over 600 ms at least three receipts come
 * while it is, and each must still be written within 100 ms.
 */
static int
test_rw_not_held_behind_prune(void)
{
	struct event_base	*base;
	struct receipt_writer	*rw = NULL;
	char			 err[256];
	int			 i, before;

	TEST_ASSERT((base = event_base_new()) != NULL);
	rw = receipt_writer_new(base, test_home, 0, 0, err, sizeof(err));
	TEST_ASSERT(rw != NULL);
	before = test_rw_stored();
	for (i = 0; i < 6; i++) {
		test_rw_add(rw, 1);
		test_rw_run(base, 100);
		TEST_EQ_INT(receipt_writer_queued(rw), 0);
	}
	TEST_EQ_INT(test_rw_stored(), before + 6);
	receipt_writer_free(rw);
	event_base_free(base);
	return (0);
fail:
	receipt_writer_free(rw);
	event_base_free(base);
	return (-1);
}

/* 300 receipts every 50 ms for 1.5 s: 6,000 a second, 9,000 in all. */
static int
test_rw_sustained_rate_drops_none(void)
{
	struct event_base	*base;
	struct receipt_writer	*rw = NULL;
	char			 err[256];
	uint64_t		 dropped0;
	int			 i, before;

	metrics_reset();
	dropped0 = metrics_value(METRICS_RECEIPTS, "result=\"dropped\"");
	TEST_ASSERT((base = event_base_new()) != NULL);
	rw = receipt_writer_new(base, test_home, 0, 0, err, sizeof(err));
	TEST_ASSERT(rw != NULL);
	before = test_rw_stored();
	for (i = 0; i < 30; i++) {
		test_rw_add(rw, 300);
		test_rw_run(base, 50);
	}
	test_rw_run(base, 200);
	TEST_EQ_INT(receipt_writer_queued(rw), 0);
	TEST_EQ_INT(metrics_value(METRICS_RECEIPTS, "result=\"dropped\"") -
	    dropped0, 0);
	TEST_EQ_INT(metrics_value(METRICS_RECEIPTS, "result=\"written\""),
	    9000);
	TEST_EQ_INT(test_rw_stored(), before + 9000);
	receipt_writer_free(rw);
	event_base_free(base);
	return (0);
fail:
	receipt_writer_free(rw);
	event_base_free(base);
	return (-1);
}

/* "rcpt_", 24 lowercase hex digits; unique; in creation order. */
static int
test_rw_ids_ordered(void)
{
	char	 prev[RECEIPT_ID_LEN + 1], id[RECEIPT_ID_LEN + 1];
	int	 i, j;

	prev[0] = '\0';
	for (i = 0; i < 20000; i++) {
		TEST_EQ_INT(receipt_new_id(id), 0);
		TEST_EQ_INT(strlen(id), RECEIPT_ID_LEN);
		TEST_ASSERT(strncmp(id, "rcpt_", 5) == 0);
		for (j = 5; j < RECEIPT_ID_LEN; j++)
			TEST_ASSERT(strchr("0123456789abcdef", id[j]) != NULL);
		/* the time part never goes back; the whole id never repeats */
		TEST_ASSERT(strncmp(prev, id, 17) <= 0);
		TEST_ASSERT(strcmp(prev, id) != 0);
		memcpy(prev, id, sizeof(prev));
	}
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "not_held_behind_prune", test_rw_not_held_behind_prune },
	{ "sustained_rate_drops_none", test_rw_sustained_rate_drops_none },
	{ "ids_ordered", test_rw_ids_ordered },
};

TEST_MAIN_IN_DIR("test-receipt-writer", cases, test_home)

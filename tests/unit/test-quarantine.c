/*
 * test-quarantine.c: the back-off doubles from the base to an hour; a
 * quarantined TEE is blocked until its back-off ends; a verified answer
 * forgets it (the next failure starts at the base again); ids are matched
 * case-insensitively and anything else is refused; reasons are bounded and
 * lose control bytes; stored entries are checked; the table is bounded.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "quarantine.h"
#include "test.h"

#define ID_A	"0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
		"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define ID_B	"0xBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" \
		"BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"

static int
test_backoff(void)
{
	TEST_EQ_INT(quarantine_backoff(1, 60), 60);
	TEST_EQ_INT(quarantine_backoff(2, 60), 120);
	TEST_EQ_INT(quarantine_backoff(3, 60), 240);
	TEST_EQ_INT(quarantine_backoff(6, 60), 1920);
	TEST_EQ_INT(quarantine_backoff(7, 60), 3600);
	TEST_EQ_INT(quarantine_backoff(8, 60), 3600);
	TEST_EQ_INT(quarantine_backoff(1000, 60), 3600);
	TEST_EQ_INT(quarantine_backoff(1, 1), 1);
	TEST_EQ_INT(quarantine_backoff(3, 1), 4);
	TEST_EQ_INT(quarantine_backoff(1, 3600), 3600);
	TEST_EQ_INT(quarantine_backoff(1, 0), 0);
	return (0);
fail:
	return (1);
}

static int
test_fail_block_expire(void)
{
	struct quarantine		 q;
	const struct quarantine_entry	*e;

	quarantine_init(&q);
	TEST_ASSERT(!quarantine_blocked(&q, ID_A, 1000));
	e = quarantine_fail(&q, ID_A, "output hash mismatch", 1000, 60);
	TEST_ASSERT(e != NULL);
	TEST_EQ_INT(e->qe_failures, 1);
	TEST_EQ_INT(e->qe_until, 1060);
	TEST_EQ_STR(e->qe_reason, "output hash mismatch");
	TEST_ASSERT(quarantine_blocked(&q, ID_A, 1000));
	TEST_ASSERT(quarantine_blocked(&q, ID_A, 1059));
	TEST_ASSERT(!quarantine_blocked(&q, ID_A, 1060));
	TEST_ASSERT(!quarantine_blocked(&q, ID_B, 1000));
	/* A second failure in a row doubles, counted from now. */
	e = quarantine_fail(&q, ID_A, "RSA-PSS signature verification failed",
	    1100, 60);
	TEST_EQ_INT(e->qe_failures, 2);
	TEST_EQ_INT(e->qe_since, 1100);
	TEST_EQ_INT(e->qe_until, 1220);
	TEST_EQ_STR(e->qe_reason, "RSA-PSS signature verification failed");
	TEST_EQ_INT(q.q_n, 1);
	quarantine_clear(&q);
	TEST_EQ_INT(q.q_n, 0);
	return (0);
fail:
	quarantine_clear(&q);
	return (1);
}

static int
test_forget_resets(void)
{
	struct quarantine		 q;
	const struct quarantine_entry	*e;

	quarantine_init(&q);
	(void)quarantine_fail(&q, ID_A, "x", 0, 60);
	(void)quarantine_fail(&q, ID_A, "x", 100, 60);
	(void)quarantine_fail(&q, ID_B, "y", 100, 60);
	TEST_EQ_INT(quarantine_find(&q, ID_A)->qe_failures, 2);
	TEST_EQ_INT(quarantine_forget(&q, ID_A), 1);
	TEST_EQ_INT(quarantine_forget(&q, ID_A), 0);
	TEST_ASSERT(quarantine_find(&q, ID_A) == NULL);
	TEST_ASSERT(quarantine_find(&q, ID_B) != NULL);
	e = quarantine_fail(&q, ID_A, "x", 500, 60);
	TEST_EQ_INT(e->qe_failures, 1);
	TEST_EQ_INT(e->qe_until, 560);
	quarantine_clear(&q);
	return (0);
fail:
	quarantine_clear(&q);
	return (1);
}

static int
test_ids(void)
{
	struct quarantine		 q;
	const struct quarantine_entry	*e;
	char				 lower[] = ID_B;
	size_t				 i;

	for (i = 2; lower[i] != '\0'; i++)
		lower[i] = 'b';
	quarantine_init(&q);
	e = quarantine_fail(&q, ID_B, "z", 0, 60);
	TEST_ASSERT(e != NULL);
	TEST_EQ_STR(e->qe_id, lower);
	TEST_ASSERT(quarantine_blocked(&q, lower, 1));
	TEST_ASSERT(quarantine_fail(&q, "0xabc", "z", 0, 60) == NULL);
	TEST_ASSERT(quarantine_fail(&q, NULL, "z", 0, 60) == NULL);
	TEST_ASSERT(quarantine_fail(&q, "00aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "z", 0, 60) == NULL);
	TEST_ASSERT(quarantine_fail(&q, "0xgaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "z", 0, 60) == NULL);
	/* Base 0: quarantine is off. */
	TEST_ASSERT(quarantine_fail(&q, ID_A, "z", 0, 0) == NULL);
	TEST_EQ_INT(q.q_n, 1);
	quarantine_clear(&q);
	return (0);
fail:
	quarantine_clear(&q);
	return (1);
}

static int
test_reason(void)
{
	struct quarantine		 q;
	const struct quarantine_entry	*e;
	char				 big[600];

	quarantine_init(&q);
	e = quarantine_fail(&q, ID_A, "forged\r\nline \x1b[31m", 0, 60);
	TEST_EQ_STR(e->qe_reason, "forged??line ?[31m");
	e = quarantine_fail(&q, ID_A, "response is missing 'tee_id' "
	    "\xe2\x80\x94 cannot verify", 0, 60);
	TEST_EQ_STR(e->qe_reason, "response is missing 'tee_id' \xe2\x80\x94 "
	    "cannot verify");
	e = quarantine_fail(&q, ID_A, NULL, 0, 60);
	TEST_EQ_STR(e->qe_reason, "");
	/* Bounded, and cut before a character, never inside one. */
	memset(big, 'a', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	big[QUARANTINE_REASON_LEN - 1] = '\xe2';
	big[QUARANTINE_REASON_LEN] = '\x80';
	big[QUARANTINE_REASON_LEN + 1] = '\x94';
	e = quarantine_fail(&q, ID_A, big, 0, 60);
	TEST_EQ_INT(strlen(e->qe_reason), QUARANTINE_REASON_LEN - 1);
	quarantine_clear(&q);
	return (0);
fail:
	quarantine_clear(&q);
	return (1);
}

static int
test_put(void)
{
	struct quarantine	q;
	struct quarantine_entry	e;

	quarantine_init(&q);
	memset(&e, 0, sizeof(e));
	strlcpy(e.qe_id, ID_B, sizeof(e.qe_id));
	e.qe_failures = 3;
	e.qe_since = 100;
	e.qe_until = 340;
	strlcpy(e.qe_reason, "tee_id mismatch", sizeof(e.qe_reason));
	TEST_EQ_INT(quarantine_put(&q, &e), 0);
	TEST_ASSERT(quarantine_blocked(&q, ID_B, 339));
	TEST_EQ_INT(quarantine_find(&q, ID_B)->qe_failures, 3);
	/* The next failure continues the count. */
	TEST_EQ_INT(quarantine_fail(&q, ID_B, "again", 400, 60)->qe_failures,
	    4);
	/* Malformed rows are refused. */
	e.qe_until = e.qe_since + QUARANTINE_MAX_SECONDS + 1;
	TEST_EQ_INT(quarantine_put(&q, &e), -1);
	e.qe_until = 50;
	TEST_EQ_INT(quarantine_put(&q, &e), -1);
	e.qe_until = 340;
	e.qe_failures = 0;
	TEST_EQ_INT(quarantine_put(&q, &e), -1);
	e.qe_failures = 1;
	strlcpy(e.qe_id, "0x12", sizeof(e.qe_id));
	TEST_EQ_INT(quarantine_put(&q, &e), -1);
	TEST_EQ_INT(q.q_n, 1);
	quarantine_clear(&q);
	return (0);
fail:
	quarantine_clear(&q);
	return (1);
}

static int
test_bounded(void)
{
	struct quarantine	q;
	char			id[QUARANTINE_ID_LEN + 1];
	int			i;

	quarantine_init(&q);
	for (i = 0; i < QUARANTINE_MAX_ENTRIES + 10; i++) {
		snprintf(id, sizeof(id), "0x%064x", i);
		TEST_ASSERT(quarantine_fail(&q, id, "r", i, 60) != NULL);
	}
	TEST_EQ_INT(q.q_n, QUARANTINE_MAX_ENTRIES);
	/* The newest are kept, the ones that ended first made room. */
	snprintf(id, sizeof(id), "0x%064x", QUARANTINE_MAX_ENTRIES + 9);
	TEST_ASSERT(quarantine_find(&q, id) != NULL);
	snprintf(id, sizeof(id), "0x%064x", 0);
	TEST_ASSERT(quarantine_find(&q, id) == NULL);
	quarantine_clear(&q);
	return (0);
fail:
	quarantine_clear(&q);
	return (1);
}

static const struct test_case cases[] = {
	{ "backoff", test_backoff },
	{ "fail-block-expire", test_fail_block_expire },
	{ "forget-resets", test_forget_resets },
	{ "ids", test_ids },
	{ "reason", test_reason },
	{ "put", test_put },
	{ "bounded", test_bounded }
};

TEST_MAIN("test-quarantine", cases)

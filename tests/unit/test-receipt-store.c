/*
 * test-receipt-store.c: receipts.db round trip, retention by count and
 * age, read-only opening, and a busy database that refuses a write at once
 * rather than blocking (the daemon retries from its queue).
 */
#include "compat.h"

#include <sys/stat.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "og-veil.h"
#include "receipt.h"
#include "test.h"
#include "xmalloc.h"

static char	test_home[] = "/tmp/og-veil-test-receipts.XXXXXX";

static void
test_rs_fill(struct receipt *r, int i, int64_t when)
{
	char	 hex[65];

	receipt_init(r);
	snprintf(r->id, sizeof(r->id), "rcpt_%024d", i);
	r->created_at = when;
	r->dialect = xstrdup("openai-chat");
	r->tee_id = xstrdup("0xab");
	r->spki = xmemdup("\x30\x01\x02", 3);
	r->spki_len = 3;
	memset(hex, 'a' + (i % 6), 64);
	hex[64] = '\0';
	r->request_hash = xstrdup(hex);
	r->output_hash = xstrdup(hex);
	r->tee_timestamp = xstrdup("1767225600");
	r->signature = xstrdup("c2ln");
	if (i % 2 == 0) {
		r->output = xmemdup("out\0put", 8);
		r->output_len = 7;
	}
}

static int	test_rs_count;

static void
test_rs_count_cb(void *arg, const struct receipt *r)
{
	(void)arg;
	(void)r;
	test_rs_count++;
}

static int
test_rs_roundtrip_and_retention(void)
{
	struct receipt_store	*rs, *ro;
	struct receipt		 r, g;
	char			 err[256];
	int			 i;

	receipt_init(&g);
	rs = receipt_store_open(test_home, 1, err, sizeof(err));
	TEST_ASSERT(rs != NULL);
	TEST_EQ_INT(receipt_store_begin(rs), 0);
	for (i = 0; i < 10; i++) {
		test_rs_fill(&r, i, 1000 + i);
		TEST_EQ_INT(receipt_store_put(rs, &r), 0);
		receipt_clear(&r);
	}
	TEST_EQ_INT(receipt_store_commit(rs), 0);
	TEST_EQ_INT(receipt_store_get(rs, "rcpt_000000000000000000000004",
	    &g), 0);
	TEST_EQ_INT(g.created_at, 1004);
	TEST_EQ_INT(g.output_len, 7);
	TEST_EQ_MEM(g.output, "out\0put", 7);
	TEST_EQ_INT(g.spki_len, 3);
	TEST_EQ_STR(g.tee_timestamp, "1767225600");
	receipt_clear(&g);
	TEST_EQ_INT(receipt_store_get(rs, "rcpt_nope", &g), 1);
	/* Read-only from another connection, newest first, bounded. */
	ro = receipt_store_open(test_home, 0, err, sizeof(err));
	TEST_ASSERT(ro != NULL);
	test_rs_count = 0;
	TEST_EQ_INT(receipt_store_list(ro, 0, 3, test_rs_count_cb, NULL), 3);
	TEST_EQ_INT(receipt_store_list(ro, 1007, 0, test_rs_count_cb, NULL),
	    3);
	/* Age first (created before 1003 go), then count (keep 4). */
	TEST_EQ_INT(receipt_store_prune(rs, 0, 10, 1013), 3);
	TEST_EQ_INT(receipt_store_prune(rs, 4, 0, 0), 3);
	TEST_EQ_INT(receipt_store_list(ro, 0, 0, test_rs_count_cb, NULL), 4);
	TEST_EQ_INT(receipt_store_get(ro, "rcpt_000000000000000000000005",
	    &g), 1);
	TEST_EQ_INT(receipt_store_get(ro, "rcpt_000000000000000000000006",
	    &g), 0);
	receipt_clear(&g);
	receipt_store_close(ro);
	receipt_store_close(rs);
	return (0);
fail:
	receipt_clear(&g);
	return (-1);
}

/* Another writer holds the lock: the daemon's write fails at once. */
static int
test_rs_busy_never_blocks(void)
{
	struct receipt_store	*rs;
	struct receipt		 r;
	sqlite3			*other = NULL;
	char			 err[256], *path;

	receipt_init(&r);
	rs = receipt_store_open(test_home, 1, err, sizeof(err));
	TEST_ASSERT(rs != NULL);
	xasprintf(&path, "%s/receipts.db", test_home);
	TEST_EQ_INT(sqlite3_open(path, &other), SQLITE_OK);
	free(path);
	TEST_EQ_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
	    SQLITE_OK);
	TEST_EQ_INT(receipt_store_begin(rs), -1);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	TEST_EQ_INT(receipt_store_begin(rs), 0);
	test_rs_fill(&r, 42, 5000);
	TEST_EQ_INT(receipt_store_put(rs, &r), 0);
	TEST_EQ_INT(receipt_store_commit(rs), 0);
	receipt_clear(&r);
	sqlite3_close(other);
	receipt_store_close(rs);
	return (0);
fail:
	receipt_clear(&r);
	sqlite3_close(other);
	return (-1);
}

static int
test_rs_mode(void)
{
	struct stat	 sb;
	char		*path;
	int		 rv;

	xasprintf(&path, "%s/receipts.db", test_home);
	rv = stat(path, &sb);
	free(path);
	TEST_EQ_INT(rv, 0);
	TEST_EQ_INT(sb.st_mode & 0777, 0600);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "roundtrip_and_retention", test_rs_roundtrip_and_retention },
	{ "busy_never_blocks", test_rs_busy_never_blocks },
	{ "mode", test_rs_mode },
};

TEST_MAIN_IN_DIR("test-receipt-store", cases, test_home)

/*
 * test-walckpt.c: the hook replaces sqlite's automatic checkpoint on the
 * writer's connection (its log grows past 1000 pages untouched), and past
 * the threshold the thread checkpoints and restarts the log, keeping it
 * bounded, with every row and user_version intact.
 */
#include "compat.h"

#include <sys/stat.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <unistd.h>

#include "og-veil.h"
#include "test.h"
#include "xmalloc.h"

static char	test_home[] = "/tmp/og-veil-test-walckpt.XXXXXX";

/* A WAL database with a table, as the daemon opens its stores. */
static sqlite3 *
test_wc_open(const char *name, char **pathp)
{
	sqlite3	*db = NULL;

	xasprintf(pathp, "%s/%s", test_home, name);
	if (sqlite3_open(*pathp, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL; PRAGMA user_version = 7;"
	    "CREATE TABLE t (b BLOB)", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return (NULL);
	}
	/* The thread's restart briefly holds the write lock: wait for it. */
	sqlite3_busy_timeout(db, 5000);
	return (db);
}

/* n transactions of a 4 KiB row each: at least a page of log each. */
static int
test_wc_write(sqlite3 *db, int n)
{
	sqlite3_stmt	*s;
	static char	 blob[4096];
	int		 i, rc = 0;

	if (sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?)", -1, &s,
	    NULL) != SQLITE_OK)
		return (-1);
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_bind_blob(s, 1, blob, sizeof(blob), SQLITE_STATIC);
		rc = sqlite3_step(s) == SQLITE_DONE ? 0 : -1;
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	return (rc);
}

static long long
test_wc_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt	*s;
	long long	 v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
		return (-1);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return (v);
}

static off_t
test_wc_wal_size(const char *path)
{
	struct stat	 sb;
	char		*wal;
	off_t		 n;

	xasprintf(&wal, "%s-wal", path);
	n = stat(wal, &sb) == 0 ? sb.st_size : -1;
	free(wal);
	return (n);
}

static int
test_wc_no_autocheckpoint(void)
{
	struct walckpt	*wc = NULL;
	sqlite3		*db;
	char		*path = NULL, err[256];
	unsigned long	 runs, restarts;

	TEST_ASSERT((db = test_wc_open("auto.db", &path)) != NULL);
	TEST_ASSERT((wc = walckpt_new(db, path, 1000000, err,
	    sizeof(err))) != NULL);
	TEST_EQ_INT(test_wc_write(db, 1500), 0);
	/* sqlite's own would have restarted the log at 1000 pages. */
	TEST_ASSERT(test_wc_wal_size(path) > 1500LL * 4096);
	walckpt_counts(wc, &runs, &restarts);
	TEST_EQ_INT(runs, 0);
	walckpt_free(wc);
	sqlite3_close(db);
	free(path);
	return (0);
fail:
	walckpt_free(wc);
	free(path);
	return (-1);
}

static int
test_wc_thread_checkpoints(void)
{
	struct walckpt	*wc = NULL;
	sqlite3		*db;
	char		*path = NULL, err[256];
	unsigned long	 runs = 0, restarts = 0;
	int		 i;

	TEST_ASSERT((db = test_wc_open("thread.db", &path)) != NULL);
	TEST_ASSERT((wc = walckpt_new(db, path, 100, err, sizeof(err))) !=
	    NULL);
	for (i = 0; i < 40; i++) {
		TEST_EQ_INT(test_wc_write(db, 50), 0);
		usleep(10000);
	}
	for (i = 0; i < 500 && restarts == 0; i++) {
		walckpt_counts(wc, &runs, &restarts);
		if (restarts == 0) {
			TEST_EQ_INT(test_wc_write(db, 1), 0);
			usleep(10000);
		}
	}
	TEST_ASSERT(runs > 0);
	TEST_ASSERT(restarts > 0);
	/* 2000 pages written; restarts keep the log near the threshold. */
	TEST_ASSERT(test_wc_wal_size(path) < 1500LL * 4096);
	TEST_ASSERT(test_wc_int(db, "SELECT count(*) FROM t") >= 2000);
	TEST_EQ_INT(test_wc_int(db, "PRAGMA user_version"), 7);
	walckpt_free(wc);
	sqlite3_close(db);
	free(path);
	return (0);
fail:
	walckpt_free(wc);
	free(path);
	return (-1);
}

static const struct test_case cases[] = {
	{ "no_autocheckpoint", test_wc_no_autocheckpoint },
	{ "thread_checkpoints", test_wc_thread_checkpoints },
};

TEST_MAIN_IN_DIR("test-walckpt", cases, test_home)

/*
 * walckpt.c: a WAL database's checkpoints, off the loop.  sqlite's
 * automatic checkpoint runs inside the COMMIT that passes its threshold,
 * on the committing thread, and syncs the log and the database
 * (fdatasync): a blocking disk wait on the loop.  Here the loop's
 * connection only reports the log's size (sqlite3_wal_hook, which replaces
 * the automatic checkpoint); past the threshold it raises a flag under a
 * mutex held for nothing but the flag, and a thread with its own
 * connection to the same file runs a PASSIVE checkpoint (it never takes
 * the write lock, so the loop's commits go on meanwhile).
 *
 * A log fully copied back is restarted by the next writer, whose first
 * frame syncs the new log's header: the thread is that writer, with an
 * empty transaction of its own (it rewrites user_version unchanged), so
 * the loop's next commit appends to a log already started.
 *
 * What bounds the log: each checkpoint copies what was committed before
 * it began; what the loop commits meanwhile is copied by the next one,
 * due at once.  A reader's open snapshot (a CLI listing) holds frames back
 * until it ends; the restart then truncates the file to WALCKPT_LIMIT.
 */
#include "compat.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include <sqlite3.h>

#include "og-veil.h"
#include "xmalloc.h"

#define WALCKPT_BUSY_MS		1000		/* the thread may wait */
#define WALCKPT_LIMIT		(4 * 1024 * 1024) /* log kept after a restart */

struct walckpt {
	sqlite3		*wc_loop;	/* not owned: the loop's connection */
	sqlite3		*wc_db;		/* owned: the thread's connection */
	int		 wc_pages;	/* threshold, in log frames */
	pthread_t	 wc_thread;
	pthread_mutex_t	 wc_mtx;	/* guards wc_due, wc_stop, counts */
	pthread_cond_t	 wc_cond;
	int		 wc_due;
	int		 wc_stop;
	unsigned long	 wc_runs;	/* checkpoints run */
	unsigned long	 wc_restarts;	/* logs restarted by the thread */
};

static int	 walckpt_hook_cb(void *, sqlite3 *, const char *, int);
static void	*walckpt_main(void *);

/* On the loop, after each commit: never waits but for the flag's mutex. */
static int
walckpt_hook_cb(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct walckpt	*wc = arg;

	(void)db;
	(void)name;
	if (pages < wc->wc_pages)
		return (SQLITE_OK);
	pthread_mutex_lock(&wc->wc_mtx);
	wc->wc_due = 1;
	pthread_cond_signal(&wc->wc_cond);
	pthread_mutex_unlock(&wc->wc_mtx);
	return (SQLITE_OK);
}

/* Rewrite user_version unchanged: the transaction restarts a spent log. */
static int
walckpt_restart(struct walckpt *wc)
{
	sqlite3_stmt	*s;
	char		 sql[64];
	int		 v = -1, rc;

	if (sqlite3_exec(wc->wc_db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return (-1);
	if (sqlite3_prepare_v2(wc->wc_db, "PRAGMA user_version", -1, &s,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			v = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (v < 0) {
		sqlite3_exec(wc->wc_db, "ROLLBACK", NULL, NULL, NULL);
		return (-1);
	}
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d; COMMIT", v);
	if ((rc = sqlite3_exec(wc->wc_db, sql, NULL, NULL, NULL)) !=
	    SQLITE_OK)
		sqlite3_exec(wc->wc_db, "ROLLBACK", NULL, NULL, NULL);
	return (rc == SQLITE_OK ? 0 : -1);
}

static void
walckpt_run(struct walckpt *wc)
{
	int	 log = 0, done = 0, restarted = 0;

	if (sqlite3_wal_checkpoint_v2(wc->wc_db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK &&
	    log > 0 && done == log)
		restarted = walckpt_restart(wc) == 0;
	pthread_mutex_lock(&wc->wc_mtx);
	wc->wc_runs++;
	if (restarted)
		wc->wc_restarts++;
	pthread_mutex_unlock(&wc->wc_mtx);
}

static void *
walckpt_main(void *arg)
{
	struct walckpt	*wc = arg;
	int		 stop;

	for (;;) {
		pthread_mutex_lock(&wc->wc_mtx);
		while (!wc->wc_due && !wc->wc_stop)
			pthread_cond_wait(&wc->wc_cond, &wc->wc_mtx);
		stop = wc->wc_stop;
		wc->wc_due = 0;
		pthread_mutex_unlock(&wc->wc_mtx);
		if (stop)
			break;
		walckpt_run(wc);
	}
	return (NULL);
}

struct walckpt *
walckpt_new(struct sqlite3 *loop, const char *path, int pages, char *errbuf,
    size_t errlen)
{
	struct walckpt	*wc;
	char		 sql[64];
	int		 rc;

	if (!sqlite3_threadsafe()) {
		snprintf(errbuf, errlen, "this sqlite is built without "
		    "threads: checkpoints stay on the loop");
		return (NULL);
	}
	wc = xcalloc(1, sizeof(*wc));
	wc->wc_loop = loop;
	wc->wc_pages = pages > 0 ? pages : 1;
	rc = sqlite3_open_v2(path, &wc->wc_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
	snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %d",
	    WALCKPT_LIMIT);
	/* Reading the header opens the log (a checkpoint alone may not). */
	if (rc != SQLITE_OK ||
	    sqlite3_exec(wc->wc_db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(wc->wc_db, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(wc->wc_db, "PRAGMA schema_version", NULL, NULL,
	    NULL) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s: checkpoint connection: %s", path,
		    wc->wc_db != NULL ? sqlite3_errmsg(wc->wc_db) :
		    "out of memory");
		sqlite3_close(wc->wc_db);
		free(wc);
		return (NULL);
	}
	sqlite3_busy_timeout(wc->wc_db, WALCKPT_BUSY_MS);
	pthread_mutex_init(&wc->wc_mtx, NULL);
	pthread_cond_init(&wc->wc_cond, NULL);
	if ((rc = pthread_create(&wc->wc_thread, NULL, walckpt_main, wc)) !=
	    0) {
		snprintf(errbuf, errlen, "checkpoint thread: error %d", rc);
		pthread_cond_destroy(&wc->wc_cond);
		pthread_mutex_destroy(&wc->wc_mtx);
		sqlite3_close(wc->wc_db);
		free(wc);
		return (NULL);
	}
	/* This replaces sqlite's automatic checkpoint on that connection. */
	sqlite3_wal_hook(loop, walckpt_hook_cb, wc);
	return (wc);
}

void
walckpt_counts(struct walckpt *wc, unsigned long *runs,
    unsigned long *restarts)
{
	pthread_mutex_lock(&wc->wc_mtx);
	*runs = wc->wc_runs;
	*restarts = wc->wc_restarts;
	pthread_mutex_unlock(&wc->wc_mtx);
}

void
walckpt_free(struct walckpt *wc)
{
	if (wc == NULL)
		return;
	/* Back to sqlite's own checkpoints for what the loop still writes. */
	sqlite3_wal_autocheckpoint(wc->wc_loop, 1000);
	pthread_mutex_lock(&wc->wc_mtx);
	wc->wc_stop = 1;
	pthread_cond_signal(&wc->wc_cond);
	pthread_mutex_unlock(&wc->wc_mtx);
	pthread_join(wc->wc_thread, NULL);
	/* Shutdown is not serving: a last checkpoint here is allowed. */
	(void)sqlite3_wal_checkpoint_v2(wc->wc_db, NULL,
	    SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_close(wc->wc_db);
	pthread_cond_destroy(&wc->wc_cond);
	pthread_mutex_destroy(&wc->wc_mtx);
	free(wc);
}

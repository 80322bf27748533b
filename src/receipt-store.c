/*
 * receipt-store.c: receipts in sqlite, $OG_VEIL_HOME/receipts.db (0600,
 * WAL), apart from og-veil.db so that listing, exporting and pruning never
 * contend with the login and its tokens.  The daemon is the only writer;
 * the CLI opens it read-only.  Retention: at most a count of rows and none
 * older than an age, pruned as receipts are written.
 */
#include "compat.h"

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "og-veil.h"
#include "receipt.h"
#include "xmalloc.h"

#define RECEIPT_STORE_FILE	"receipts.db"
#define RECEIPT_STORE_SCHEMA	1
#define RECEIPT_STORE_CKPT_PAGES 1000	/* sqlite's automatic threshold */

static const char receipt_store_schema[] =
	"CREATE TABLE IF NOT EXISTS receipts ("
	"  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  id TEXT NOT NULL UNIQUE,"
	"  created_at INTEGER NOT NULL,"
	"  dialect TEXT, route TEXT, model TEXT,"
	"  stream INTEGER NOT NULL DEFAULT 0,"
	"  tee_id TEXT NOT NULL,"
	"  spki BLOB NOT NULL,"
	"  pcr_hash TEXT, endpoint TEXT,"
	"  registry_read_at INTEGER NOT NULL DEFAULT 0,"
	"  request_hash TEXT NOT NULL,"
	"  output_hash TEXT NOT NULL,"
	"  tee_timestamp TEXT NOT NULL,"
	"  signature TEXT NOT NULL,"
	"  request_bytes INTEGER NOT NULL DEFAULT 0,"
	"  response_bytes INTEGER NOT NULL DEFAULT 0,"
	"  canonical BLOB, output BLOB);"
	"CREATE INDEX IF NOT EXISTS receipts_created"
	"  ON receipts (created_at);"
	"PRAGMA user_version = 1;";

/* The columns in the order every SELECT and the INSERT use. */
#define RECEIPT_STORE_COLUMNS \
	"id, created_at, dialect, route, model, stream, tee_id, spki," \
	" pcr_hash, endpoint, registry_read_at, request_hash, output_hash," \
	" tee_timestamp, signature, request_bytes, response_bytes," \
	" canonical, output"

/* The daemon's statements, each prepared once (receipt_store_stmt()). */
enum receipt_store_stmt {
	RS_BEGIN,
	RS_COMMIT,
	RS_ROLLBACK,
	RS_INSERT,
	RS_PRUNE_AGE,
	RS_PRUNE_COUNT,
	RS__COUNT
};

static const char *const receipt_store_sql[RS__COUNT] = {
	[RS_BEGIN] = "BEGIN IMMEDIATE",
	[RS_COMMIT] = "COMMIT",
	[RS_ROLLBACK] = "ROLLBACK",
	[RS_INSERT] = "INSERT OR IGNORE INTO receipts ("
	    RECEIPT_STORE_COLUMNS ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	    " ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[RS_PRUNE_AGE] = "DELETE FROM receipts WHERE created_at < ?",
	/*
	 * seq only grows (AUTOINCREMENT) and an insert takes the next one:
	 * the newest max_count rows are those above max - count, a range of
	 * the primary key, so this costs what it removes.
	 */
	[RS_PRUNE_COUNT] = "DELETE FROM receipts WHERE"
	    " seq <= (SELECT max(seq) FROM receipts) - ?"
};

struct receipt_store {
	sqlite3		*rs_db;
	sqlite3_stmt	*rs_stmts[RS__COUNT];	/* owned, prepared once */
	struct walckpt	*rs_ckpt;	/* owned: checkpoints, or NULL */
	char		*rs_path;	/* owned */
};

static int
receipt_store_err(char *errbuf, size_t errlen, const char *what,
    sqlite3 *db)
{
	snprintf(errbuf, errlen, "%s: %s", what, db != NULL ?
	    sqlite3_errmsg(db) : "out of memory");
	return (-1);
}

struct receipt_store *
receipt_store_open(const char *home, int writable, char *errbuf,
    size_t errlen)
{
	struct receipt_store	*rs;
	char			*path, *msg = NULL;
	int			 rc, version = 0;
	sqlite3_stmt		*s;
	mode_t			 old;

	xasprintf(&path, "%s/%s", home, RECEIPT_STORE_FILE);
	if (writable && store_create_file(path, errbuf, errlen) == -1) {
		free(path);
		return (NULL);
	}
	rs = xcalloc(1, sizeof(*rs));
	old = umask(077);
	rc = sqlite3_open_v2(path, &rs->rs_db, (writable ?
	    SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY) |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		if (!writable && rc == SQLITE_CANTOPEN)
			snprintf(errbuf, errlen, "no receipts yet (%s does not "
			    "exist)", path);
		else
			receipt_store_err(errbuf, errlen, path, rs->rs_db);
		goto fail;
	}
	/*
	 * The daemon never waits for a lock on the loop: a busy database
	 * keeps receipts queued for the next flush.  The CLI waits a little.
	 */
	sqlite3_busy_timeout(rs->rs_db, writable ? 0 : 2000);
	if (writable && sqlite3_exec(rs->rs_db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL;", NULL, NULL, &msg) != SQLITE_OK) {
		snprintf(errbuf, errlen, "%s: %s", path, msg != NULL ? msg :
		    sqlite3_errmsg(rs->rs_db));
		sqlite3_free(msg);
		goto fail;
	}
	if (sqlite3_prepare_v2(rs->rs_db, "PRAGMA user_version", -1, &s,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(s) == SQLITE_ROW)
			version = sqlite3_column_int(s, 0);
		sqlite3_finalize(s);
	}
	if (version > RECEIPT_STORE_SCHEMA) {
		snprintf(errbuf, errlen, "%s has schema version %d, newer than "
		    "this og-veil (%d): update og-veil", path, version,
		    RECEIPT_STORE_SCHEMA);
		goto fail;
	}
	if (version < RECEIPT_STORE_SCHEMA) {
		if (!writable) {
			snprintf(errbuf, errlen, "no receipts yet (%s is "
			    "empty)", path);
			goto fail;
		}
		if (sqlite3_exec(rs->rs_db, receipt_store_schema, NULL, NULL,
		    &msg) != SQLITE_OK) {
			snprintf(errbuf, errlen, "%s: %s", path, msg);
			sqlite3_free(msg);
			goto fail;
		}
	}
	rs->rs_path = path;
	return (rs);
fail:
	free(path);
	receipt_store_close(rs);
	return (NULL);
}

/* How long a write waits for another process's lock (0: never). */
void
receipt_store_set_busy_ms(struct receipt_store *rs, int ms)
{
	sqlite3_busy_timeout(rs->rs_db, ms);
}

void
receipt_store_close(struct receipt_store *rs)
{
	size_t	 i;

	if (rs == NULL)
		return;
	walckpt_free(rs->rs_ckpt);
	for (i = 0; i < RS__COUNT; i++)
		sqlite3_finalize(rs->rs_stmts[i]);
	sqlite3_close(rs->rs_db);
	free(rs->rs_path);
	free(rs);
}

/*
 * The daemon's commits never checkpoint (an fdatasync each time the log
 * passes RECEIPT_STORE_CKPT_PAGES): a thread does it; -1 and errbuf when
 * it cannot start (sqlite keeps checkpointing in the commits then).
 */
int
receipt_store_offload(struct receipt_store *rs, char *errbuf, size_t errlen)
{
	if (rs->rs_ckpt == NULL && (rs->rs_ckpt = walckpt_new(rs->rs_db,
	    rs->rs_path, RECEIPT_STORE_CKPT_PAGES, errbuf, errlen)) == NULL)
		return (-1);
	return (0);
}

static void
receipt_store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
}

static void
receipt_store_bind_blob(sqlite3_stmt *s, int i, const void *v, size_t len)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_blob64(s, i, v, len, SQLITE_STATIC);
}

/* Statement which, prepared on first use (left reset); NULL on error. */
static sqlite3_stmt *
receipt_store_stmt(struct receipt_store *rs, enum receipt_store_stmt which)
{
	sqlite3_stmt	*s = rs->rs_stmts[which];

	if (s == NULL) {
		if (sqlite3_prepare_v3(rs->rs_db, receipt_store_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
			return (NULL);
		rs->rs_stmts[which] = s;
	}
	return (s);
}

/* Run statement which (its parameters bound); SQLITE_DONE or an error. */
static int
receipt_store_run(sqlite3_stmt *s)
{
	int	 rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (rc);
}

int
receipt_store_begin(struct receipt_store *rs)
{
	sqlite3_stmt	*s;

	if ((s = receipt_store_stmt(rs, RS_BEGIN)) == NULL)
		return (-1);
	return (receipt_store_run(s) == SQLITE_DONE ? 0 : -1);
}

int
receipt_store_commit(struct receipt_store *rs)
{
	sqlite3_stmt	*s;

	if ((s = receipt_store_stmt(rs, RS_COMMIT)) != NULL &&
	    receipt_store_run(s) == SQLITE_DONE)
		return (0);
	if ((s = receipt_store_stmt(rs, RS_ROLLBACK)) != NULL)
		(void)receipt_store_run(s);
	else
		sqlite3_exec(rs->rs_db, "ROLLBACK", NULL, NULL, NULL);
	return (-1);
}

int
receipt_store_put(struct receipt_store *rs, const struct receipt *r)
{
	sqlite3_stmt	*s;

	if ((s = receipt_store_stmt(rs, RS_INSERT)) == NULL)
		return (-1);
	receipt_store_bind_text(s, 1, r->id);
	sqlite3_bind_int64(s, 2, r->created_at);
	receipt_store_bind_text(s, 3, r->dialect);
	receipt_store_bind_text(s, 4, r->route);
	receipt_store_bind_text(s, 5, r->model);
	sqlite3_bind_int(s, 6, r->stream != 0);
	receipt_store_bind_text(s, 7, r->tee_id);
	receipt_store_bind_blob(s, 8, r->spki, r->spki_len);
	receipt_store_bind_text(s, 9, r->pcr_hash);
	receipt_store_bind_text(s, 10, r->endpoint);
	sqlite3_bind_int64(s, 11, r->registry_read_at);
	receipt_store_bind_text(s, 12, r->request_hash);
	receipt_store_bind_text(s, 13, r->output_hash);
	receipt_store_bind_text(s, 14, r->tee_timestamp);
	receipt_store_bind_text(s, 15, r->signature);
	sqlite3_bind_int64(s, 16, (sqlite3_int64)r->request_bytes);
	sqlite3_bind_int64(s, 17, (sqlite3_int64)r->response_bytes);
	receipt_store_bind_blob(s, 18, r->canonical, r->canonical_len);
	receipt_store_bind_blob(s, 19, r->output, r->output_len);
	return (receipt_store_run(s) == SQLITE_DONE ? 0 : -1);
}

int
receipt_store_prune(struct receipt_store *rs, uint64_t max_count,
    int64_t max_age, int64_t now)
{
	sqlite3_stmt	*s;
	int		 changed = 0;

	if (max_age > 0) {
		if ((s = receipt_store_stmt(rs, RS_PRUNE_AGE)) == NULL)
			return (-1);
		sqlite3_bind_int64(s, 1, now - max_age);
		if (receipt_store_run(s) != SQLITE_DONE)
			return (-1);
		changed += sqlite3_changes(rs->rs_db);
	}
	if (max_count > 0) {
		if ((s = receipt_store_stmt(rs, RS_PRUNE_COUNT)) == NULL)
			return (-1);
		sqlite3_bind_int64(s, 1, (sqlite3_int64)max_count);
		if (receipt_store_run(s) != SQLITE_DONE)
			return (-1);
		changed += sqlite3_changes(rs->rs_db);
	}
	return (changed);
}

/* A text column as a new string, or NULL. */
static char *
receipt_store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char	*t;

	if (sqlite3_column_type(s, i) == SQLITE_NULL ||
	    (t = sqlite3_column_text(s, i)) == NULL)
		return (NULL);
	return (xstrdup((const char *)t));
}

/* A blob column as new memory (NUL-terminated past *len), or NULL. */
static void *
receipt_store_col_blob(sqlite3_stmt *s, int i, size_t *len)
{
	const void	*b;
	char		*out;

	*len = 0;
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return (NULL);
	b = sqlite3_column_blob(s, i);
	*len = (size_t)sqlite3_column_bytes(s, i);
	out = xmalloc(*len + 1);
	if (*len > 0)
		memcpy(out, b, *len);
	out[*len] = '\0';
	return (out);
}

/* The current row into r (receipt_init'ed here). */
static void
receipt_store_row(sqlite3_stmt *s, struct receipt *r)
{
	const unsigned char	*id;

	receipt_init(r);
	if ((id = sqlite3_column_text(s, 0)) != NULL)
		strlcpy(r->id, (const char *)id, sizeof(r->id));
	r->created_at = sqlite3_column_int64(s, 1);
	r->dialect = receipt_store_col_text(s, 2);
	r->route = receipt_store_col_text(s, 3);
	r->model = receipt_store_col_text(s, 4);
	r->stream = sqlite3_column_int(s, 5);
	r->tee_id = receipt_store_col_text(s, 6);
	r->spki = receipt_store_col_blob(s, 7, &r->spki_len);
	r->pcr_hash = receipt_store_col_text(s, 8);
	r->endpoint = receipt_store_col_text(s, 9);
	r->registry_read_at = sqlite3_column_int64(s, 10);
	r->request_hash = receipt_store_col_text(s, 11);
	r->output_hash = receipt_store_col_text(s, 12);
	r->tee_timestamp = receipt_store_col_text(s, 13);
	r->signature = receipt_store_col_text(s, 14);
	r->request_bytes = (uint64_t)sqlite3_column_int64(s, 15);
	r->response_bytes = (uint64_t)sqlite3_column_int64(s, 16);
	r->canonical = receipt_store_col_blob(s, 17, &r->canonical_len);
	r->output = receipt_store_col_blob(s, 18, &r->output_len);
}

int
receipt_store_get(struct receipt_store *rs, const char *id,
    struct receipt *r)
{
	sqlite3_stmt	*s;
	int		 rc;

	if (sqlite3_prepare_v2(rs->rs_db, "SELECT " RECEIPT_STORE_COLUMNS
	    " FROM receipts WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		receipt_store_row(s, r);
	sqlite3_finalize(s);
	return (rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1);
}

int
receipt_store_list(struct receipt_store *rs, int64_t since, size_t limit,
    receipt_store_cb cb, void *arg)
{
	sqlite3_stmt	*s;
	struct receipt	 r;
	int		 rc, n = 0;

	if (sqlite3_prepare_v2(rs->rs_db, "SELECT " RECEIPT_STORE_COLUMNS
	    " FROM receipts WHERE created_at >= ? ORDER BY seq DESC LIMIT ?",
	    -1, &s, NULL) != SQLITE_OK)
		return (-1);
	sqlite3_bind_int64(s, 1, since);
	sqlite3_bind_int64(s, 2, limit == 0 ? -1 : (sqlite3_int64)limit);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		receipt_store_row(s, &r);
		cb(arg, &r);
		receipt_clear(&r);
		n++;
	}
	sqlite3_finalize(s);
	return (rc == SQLITE_DONE ? n : -1);
}

const char *
receipt_store_errmsg(struct receipt_store *rs)
{
	return (sqlite3_errmsg(rs->rs_db));
}

/*
 * store.c: og-veil's state in sqlite3, $OG_VEIL_HOME/og-veil.db: the login
 * session of PROTOCOL.md §1 (with the tokens of §2), the raw registry answer
 * of §3 as a cache, and small preferences.  The file is created 0600 before
 * sqlite opens it; WAL, a 5 s busy timeout (the daemon's loop lowers it to
 * a few ms with store_set_busy_ms() and retries later), secure_delete so a
 * logout overwrites the tokens, and a schema versioned by PRAGMA
 * user_version.
 * Other processes' commits (a login while the daemon runs) are seen through
 * PRAGMA data_version.
 */
#include "compat.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "og-veil.h"
#include "quarantine.h"
#include "xmalloc.h"

#define STORE_FILE		"og-veil.db"
#define STORE_BUSY_MS		5000

enum store_stmt {
	STORE_SESSION_LOAD,
	STORE_SESSION_SAVE,
	STORE_SESSION_DELETE,
	STORE_TOKENS_UPDATE,
	STORE_REGISTRY_SAVE,
	STORE_REGISTRY_LOAD,
	STORE_PREF_SET,
	STORE_PREF_GET,
	STORE_DATA_VERSION,
	STORE_QUARANTINE_SAVE,
	STORE_QUARANTINE_DELETE,
	STORE_QUARANTINE_LOAD,
	STORE__COUNT
};

static const char *const store_sql[STORE__COUNT] = {
	[STORE_SESSION_LOAD] = "SELECT access_token, refresh_token, expires_at,"
	    " user_id, user_email, app_env, supabase_url, supabase_anon_key,"
	    " chat_api_base_url, rpc_url, registry_address, tee_type"
	    " FROM session WHERE id = 1",
	[STORE_SESSION_SAVE] = "INSERT OR REPLACE INTO session (id,"
	    " access_token, refresh_token, expires_at, user_id, user_email,"
	    " app_env, supabase_url, supabase_anon_key, chat_api_base_url,"
	    " rpc_url, registry_address, tee_type, saved_at)"
	    " VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	[STORE_SESSION_DELETE] = "DELETE FROM session",
	[STORE_TOKENS_UPDATE] = "UPDATE session SET access_token = ?,"
	    " refresh_token = coalesce(?, refresh_token), expires_at = ?,"
	    " saved_at = ? WHERE id = 1 AND refresh_token IS ?",
	[STORE_REGISTRY_SAVE] = "INSERT OR REPLACE INTO registry_cache"
	    " (rpc_url, address, tee_type, data, fetched_at)"
	    " VALUES (?, lower(?), ?, ?, ?)",
	[STORE_REGISTRY_LOAD] = "SELECT data, fetched_at FROM registry_cache"
	    " WHERE rpc_url = ? AND address = lower(?) AND tee_type = ?",
	[STORE_PREF_SET] = "INSERT OR REPLACE INTO prefs (key, value)"
	    " VALUES (?, ?)",
	[STORE_PREF_GET] = "SELECT value FROM prefs WHERE key = ?",
	[STORE_DATA_VERSION] = "PRAGMA data_version",
	[STORE_QUARANTINE_SAVE] = "INSERT OR REPLACE INTO quarantine"
	    " (tee_id, failures, since, until, reason) VALUES (?, ?, ?, ?, ?)",
	[STORE_QUARANTINE_DELETE] = "DELETE FROM quarantine WHERE tee_id = ?",
	[STORE_QUARANTINE_LOAD] = "SELECT tee_id, failures, since, until,"
	    " reason FROM quarantine ORDER BY until DESC LIMIT 256"
};

/*
 * Migrations: migration i takes user_version i to i + 1.  Append only;
 * never edit one that has shipped.
 */
static const char *const store_migrations[] = {
	/* 0 -> 1: the first schema. */
	"CREATE TABLE session ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1),"
	"  access_token TEXT NOT NULL,"
	"  refresh_token TEXT,"
	"  expires_at INTEGER NOT NULL DEFAULT 0,"
	"  user_id TEXT,"
	"  user_email TEXT,"
	"  app_env TEXT NOT NULL DEFAULT 'production',"
	"  supabase_url TEXT NOT NULL,"
	"  supabase_anon_key TEXT NOT NULL,"
	"  chat_api_base_url TEXT NOT NULL,"
	"  rpc_url TEXT,"
	"  registry_address TEXT,"
	"  tee_type INTEGER NOT NULL DEFAULT 0,"
	"  saved_at INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE registry_cache ("
	"  rpc_url TEXT NOT NULL,"
	"  address TEXT NOT NULL,"
	"  tee_type INTEGER NOT NULL,"
	"  data BLOB NOT NULL,"
	"  fetched_at INTEGER NOT NULL,"
	"  PRIMARY KEY (rpc_url, address, tee_type));"
	"CREATE TABLE prefs ("
	"  key TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);",
	/* 1 -> 2: TEEs quarantined after a verification failure (tee.c). */
	"CREATE TABLE quarantine ("
	"  tee_id TEXT PRIMARY KEY,"
	"  failures INTEGER NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  until INTEGER NOT NULL,"
	"  reason TEXT NOT NULL);"
};
#define STORE_SCHEMA_VERSION \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

struct store {
	sqlite3		*st_db;
	sqlite3_stmt	*st_stmts[STORE__COUNT];
	int64_t		 st_data_version;
};

static int	 store_migrate(struct store *, char *, size_t);
static sqlite3_stmt *store_stmt(struct store *, enum store_stmt);
static void	 store_bind_text(sqlite3_stmt *, int, const char *);
static char	*store_column_dup(sqlite3_stmt *, int);
static int64_t	 store_data_version(struct store *);
static int	 store_step_row(sqlite3_stmt *);
static int	 store_step_done(sqlite3_stmt *);

/*
 * Create the database file 0600 with O_EXCL, or check an existing one: a
 * regular file (not a symlink) that we own; a looser mode is tightened.
 */
int
store_create_file(const char *path, char *errbuf, size_t errlen)
{
	struct stat	 st;
	mode_t		 old;
	int		 fd;

	old = umask(077);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	umask(old);
	if (fd != -1) {
		close(fd);
		return (0);
	}
	if (errno != EEXIST)
		return (error_fmt(errbuf, errlen, "cannot create %s: %s", path,
		    strerror(errno)));
	if (lstat(path, &st) == -1)
		return (error_fmt(errbuf, errlen, "%s: %s", path,
		    strerror(errno)));
	if (!S_ISREG(st.st_mode))
		return (error_fmt(errbuf, errlen, "%s is not a regular file "
		    "(a symlink?): remove it", path));
	if (st.st_uid != geteuid())
		return (error_fmt(errbuf, errlen, "%s is owned by uid %u, not "
		    "by you", path, (unsigned int)st.st_uid));
	if ((st.st_mode & 077) != 0 && chmod(path, 0600) == -1)
		return (error_fmt(errbuf, errlen, "chmod 600 %s: %s", path,
		    strerror(errno)));
	return (0);
}

static int
store_migrate(struct store *st, char *errbuf, size_t errlen)
{
	sqlite3_stmt	*s;
	char		*msg = NULL, sql[64];
	int		 version, i, rc;

	if (sqlite3_prepare_v2(st->st_db, "PRAGMA user_version", -1, &s,
	    NULL) != SQLITE_OK)
		return (error_fmt(errbuf, errlen, "schema: %s",
		    sqlite3_errmsg(st->st_db)));
	rc = sqlite3_step(s);
	version = rc == SQLITE_ROW ? sqlite3_column_int(s, 0) : -1;
	sqlite3_finalize(s);
	if (version < 0)
		return (error_fmt(errbuf, errlen, "schema: %s",
		    sqlite3_errmsg(st->st_db)));
	if (version > STORE_SCHEMA_VERSION)
		return (error_fmt(errbuf, errlen, "the database has schema "
		    "version %d, newer than this og-veil (%d): update og-veil",
		    version, STORE_SCHEMA_VERSION));
	for (i = version; i < STORE_SCHEMA_VERSION; i++) {
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", i + 1);
		if (sqlite3_exec(st->st_db, "BEGIN IMMEDIATE", NULL, NULL,
		    &msg) != SQLITE_OK)
			goto fail;
		/* Another process may have migrated meanwhile: re-read. */
		if (sqlite3_prepare_v2(st->st_db, "PRAGMA user_version", -1,
		    &s, NULL) != SQLITE_OK)
			goto fail_rollback;
		rc = sqlite3_step(s) == SQLITE_ROW ?
		    sqlite3_column_int(s, 0) : -1;
		sqlite3_finalize(s);
		if (rc > i) {
			sqlite3_exec(st->st_db, "ROLLBACK", NULL, NULL, NULL);
			i = rc - 1;
			continue;
		}
		if (sqlite3_exec(st->st_db, store_migrations[i], NULL, NULL,
		    &msg) != SQLITE_OK ||
		    sqlite3_exec(st->st_db, sql, NULL, NULL, &msg) !=
		    SQLITE_OK ||
		    sqlite3_exec(st->st_db, "COMMIT", NULL, NULL, &msg) !=
		    SQLITE_OK)
			goto fail_rollback;
	}
	return (0);

fail_rollback:
	sqlite3_exec(st->st_db, "ROLLBACK", NULL, NULL, NULL);
fail:
	error_fmt(errbuf, errlen, "schema migration to version %d: %s", i + 1,
	    msg != NULL ? msg : sqlite3_errmsg(st->st_db));
	sqlite3_free(msg);
	return (-1);
}

/*
 * Open (creating when needed) the store in directory home, which the
 * caller has checked with config_prepare_home().  NULL with errbuf.
 */
struct store *
store_open(const char *home, char *errbuf, size_t errlen)
{
	struct store	*st;
	char		*path, *msg = NULL;
	mode_t		 old;
	int		 rc;

	xasprintf(&path, "%s/%s", home, STORE_FILE);
	if (store_create_file(path, errbuf, errlen) == -1) {
		free(path);
		return (NULL);
	}
	st = xcalloc(1, sizeof(*st));
	/* The -wal and -shm files take the database's mode; umask too. */
	old = umask(077);
	rc = sqlite3_open_v2(path, &st->st_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX, NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		error_fmt(errbuf, errlen, "%s: %s", path, st->st_db != NULL ?
		    sqlite3_errmsg(st->st_db) : sqlite3_errstr(rc));
		goto fail;
	}
	sqlite3_busy_timeout(st->st_db, STORE_BUSY_MS);
	if (sqlite3_exec(st->st_db, "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = ON;"
	    "PRAGMA foreign_keys = ON", NULL, NULL, &msg) != SQLITE_OK) {
		error_fmt(errbuf, errlen, "%s: %s", path, msg != NULL ? msg :
		    sqlite3_errmsg(st->st_db));
		sqlite3_free(msg);
		goto fail;
	}
	if (store_migrate(st, errbuf, errlen) == -1)
		goto fail;
	st->st_data_version = store_data_version(st);
	free(path);
	return (st);
fail:
	free(path);
	store_close(st);
	return (NULL);
}

/*
 * How long a statement waits for another process's lock before it fails
 * with SQLITE_BUSY: the daemon's loop cannot wait 5 s (STORE_BUSY_MS).
 */
void
store_set_busy_ms(struct store *st, int ms)
{
	sqlite3_busy_timeout(st->st_db, ms);
}

/* Finalize every statement and close; NULL is a no-op. */
void
store_close(struct store *st)
{
	size_t	 i;

	if (st == NULL)
		return;
	for (i = 0; i < STORE__COUNT; i++)
		sqlite3_finalize(st->st_stmts[i]);
	sqlite3_close(st->st_db);
	free(st);
}

/* The prepared statement, reset and unbound; NULL on error. */
static sqlite3_stmt *
store_stmt(struct store *st, enum store_stmt which)
{
	sqlite3_stmt	*s = st->st_stmts[which];

	if (s == NULL) {
		if (sqlite3_prepare_v3(st->st_db, store_sql[which], -1,
		    SQLITE_PREPARE_PERSISTENT, &s, NULL) != SQLITE_OK)
			return (NULL);
		st->st_stmts[which] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (s);
}

static void
store_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v == NULL)
		sqlite3_bind_null(s, i);
	else
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
}

static char *
store_column_dup(sqlite3_stmt *s, int i)
{
	const unsigned char	*t;

	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return (NULL);
	t = sqlite3_column_text(s, i);
	return (t == NULL ? NULL : xstrdup((const char *)t));
}

/* Free what a session owns, wiping the tokens, and zero it. */
void
session_clear(struct session *s)
{
	if (s->access_token != NULL)
		xfree_secret(s->access_token, strlen(s->access_token));
	if (s->refresh_token != NULL)
		xfree_secret(s->refresh_token, strlen(s->refresh_token));
	free(s->user_id);
	free(s->user_email);
	free(s->app_env);
	free(s->supabase_url);
	free(s->supabase_anon_key);
	free(s->chat_api_base_url);
	free(s->rpc_url);
	free(s->registry_address);
	memset(s, 0, sizeof(*s));
}

/*
 * Step a statement that yields at most one row: 0 with the row ready for
 * the column reads (the caller resets), 1 when there is none, -1 on error
 * (both reset).
 */
static int
store_step_row(sqlite3_stmt *s)
{
	int	 rc;

	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		return (0);
	sqlite3_reset(s);
	return (rc == SQLITE_DONE ? 1 : -1);
}

/* Step a statement that yields no row, reset it and clear its bindings. */
static int
store_step_done(sqlite3_stmt *s)
{
	int	 rc;

	rc = sqlite3_step(s);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (rc == SQLITE_DONE ? 0 : -1);
}

/* 0 and a filled session (caller clears it), 1 when none, -1 on error. */
int
store_session_load(struct store *st, struct session *out)
{
	sqlite3_stmt	*s;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((s = store_stmt(st, STORE_SESSION_LOAD)) == NULL)
		return (-1);
	if ((rc = store_step_row(s)) != 0)
		return (rc);
	out->access_token = store_column_dup(s, 0);
	out->refresh_token = store_column_dup(s, 1);
	out->expires_at = sqlite3_column_int64(s, 2);
	out->user_id = store_column_dup(s, 3);
	out->user_email = store_column_dup(s, 4);
	out->app_env = store_column_dup(s, 5);
	out->supabase_url = store_column_dup(s, 6);
	out->supabase_anon_key = store_column_dup(s, 7);
	out->chat_api_base_url = store_column_dup(s, 8);
	out->rpc_url = store_column_dup(s, 9);
	out->registry_address = store_column_dup(s, 10);
	out->tee_type = sqlite3_column_int(s, 11);
	sqlite3_reset(s);
	if (out->access_token == NULL || out->supabase_url == NULL ||
	    out->supabase_anon_key == NULL || out->chat_api_base_url == NULL) {
		session_clear(out);
		return (-1);
	}
	if (out->app_env == NULL)
		out->app_env = xstrdup("production");
	return (0);
}

/* Replace the stored session with s. */
int
store_session_save(struct store *st, const struct session *in)
{
	sqlite3_stmt	*s;

	if (in->access_token == NULL || in->supabase_url == NULL ||
	    in->supabase_anon_key == NULL || in->chat_api_base_url == NULL)
		return (-1);
	if ((s = store_stmt(st, STORE_SESSION_SAVE)) == NULL)
		return (-1);
	store_bind_text(s, 1, in->access_token);
	store_bind_text(s, 2, in->refresh_token);
	sqlite3_bind_int64(s, 3, in->expires_at);
	store_bind_text(s, 4, in->user_id);
	store_bind_text(s, 5, in->user_email);
	store_bind_text(s, 6, in->app_env != NULL ? in->app_env :
	    "production");
	store_bind_text(s, 7, in->supabase_url);
	store_bind_text(s, 8, in->supabase_anon_key);
	store_bind_text(s, 9, in->chat_api_base_url);
	store_bind_text(s, 10, in->rpc_url);
	store_bind_text(s, 11, in->registry_address);
	sqlite3_bind_int(s, 12, in->tee_type);
	sqlite3_bind_int64(s, 13, (sqlite3_int64)time(NULL));
	return (store_step_done(s));
}

/*
 * Remove the session.  secure_delete overwrites the freed pages; the WAL
 * checkpoint then truncates the log, so no old copy of a token remains.
 */
int
store_session_delete(struct store *st)
{
	sqlite3_stmt	*s;
	int		 rc;

	if ((s = store_stmt(st, STORE_SESSION_DELETE)) == NULL)
		return (-1);
	rc = sqlite3_step(s);
	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return (-1);
	(void)sqlite3_exec(st->st_db, "PRAGMA wal_checkpoint(TRUNCATE)",
	    NULL, NULL, NULL);
	return (0);
}

/*
 * After a refresh (PROTOCOL.md §2): the new access token, the new refresh
 * token when one was given (NULL keeps the old), and the expiry, written
 * only to the session the refresh renewed: the one whose stored refresh
 * token is still old (NULL: a session without one).  1 when there is no
 * such session (another login replaced it, or a logout removed it), -1
 * when it could not be written (the database is busy: try again).
 */
int
store_tokens_update(struct store *st, const char *old, const char *access,
    const char *refresh, int64_t expires_at)
{
	sqlite3_stmt	*s;
	int		 n;

	if (access == NULL)
		return (-1);
	if ((s = store_stmt(st, STORE_TOKENS_UPDATE)) == NULL)
		return (-1);
	store_bind_text(s, 1, access);
	store_bind_text(s, 2, refresh);
	sqlite3_bind_int64(s, 3, expires_at);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)time(NULL));
	store_bind_text(s, 5, old);
	if (store_step_done(s) == -1)
		return (-1);
	n = sqlite3_changes(st->st_db);
	return (n == 0 ? 1 : 0);
}

static int64_t
store_data_version(struct store *st)
{
	sqlite3_stmt	*s;
	int64_t		 v = -1;

	if ((s = store_stmt(st, STORE_DATA_VERSION)) == NULL)
		return (-1);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return (v);
}

/*
 * 1 when another connection (another process: `og-veil login`, `logout`)
 * committed since the previous call or since store_open(); 0 otherwise,
 * including on error.  This connection's own commits do not count.
 */
int
store_changed(struct store *st)
{
	int64_t	 v;

	if ((v = store_data_version(st)) == -1)
		return (0);
	if (v == st->st_data_version)
		return (0);
	st->st_data_version = v;
	return (1);
}

/* Cache the raw getActiveTEEs answer for (rpc, address, type). */
int
store_registry_save(struct store *st, const char *rpc_url,
    const char *address, int tee_type, const uint8_t *data, size_t len,
    int64_t fetched_at)
{
	sqlite3_stmt	*s;

	if (rpc_url == NULL || address == NULL || (data == NULL && len > 0) ||
	    len > 64U * 1024 * 1024)
		return (-1);
	if ((s = store_stmt(st, STORE_REGISTRY_SAVE)) == NULL)
		return (-1);
	store_bind_text(s, 1, rpc_url);
	store_bind_text(s, 2, address);
	sqlite3_bind_int(s, 3, tee_type);
	sqlite3_bind_blob(s, 4, len > 0 ? (const void *)data : "", (int)len,
	    SQLITE_TRANSIENT);
	sqlite3_bind_int64(s, 5, fetched_at);
	return (store_step_done(s));
}

/* 0 and new *data (caller frees), 1 when absent, -1 on error. */
int
store_registry_load(struct store *st, const char *rpc_url,
    const char *address, int tee_type, uint8_t **data, size_t *len,
    int64_t *fetched_at)
{
	sqlite3_stmt	*s;
	const void	*p;
	int		 rc, n;

	*data = NULL;
	*len = 0;
	if (rpc_url == NULL || address == NULL)
		return (-1);
	if ((s = store_stmt(st, STORE_REGISTRY_LOAD)) == NULL)
		return (-1);
	store_bind_text(s, 1, rpc_url);
	store_bind_text(s, 2, address);
	sqlite3_bind_int(s, 3, tee_type);
	if ((rc = store_step_row(s)) != 0)
		return (rc);
	p = sqlite3_column_blob(s, 0);
	n = sqlite3_column_bytes(s, 0);
	*data = xmalloc(n > 0 ? (size_t)n : 1);
	if (n > 0)
		memcpy(*data, p, (size_t)n);
	*len = (size_t)n;
	if (fetched_at != NULL)
		*fetched_at = sqlite3_column_int64(s, 1);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (0);
}

/* Set a preference (NULL value: not allowed). */
int
store_pref_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt	*s;

	if (key == NULL || value == NULL)
		return (-1);
	if ((s = store_stmt(st, STORE_PREF_SET)) == NULL)
		return (-1);
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, value);
	return (store_step_done(s));
}

/* A preference as a new string, or NULL when unset. */
char *
store_pref_get(struct store *st, const char *key)
{
	sqlite3_stmt	*s;
	char		*v = NULL;

	if ((s = store_stmt(st, STORE_PREF_GET)) == NULL)
		return (NULL);
	store_bind_text(s, 1, key);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = store_column_dup(s, 0);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return (v);
}

/* The schema version this og-veil writes (for tests and `status`). */
int
store_schema_version(void)
{
	return (STORE_SCHEMA_VERSION);
}

/* Remember a quarantined TEE (quarantine.h); -1 busy or error. */
int
store_quarantine_save(struct store *st, const struct quarantine_entry *e)
{
	sqlite3_stmt	*s;

	if ((s = store_stmt(st, STORE_QUARANTINE_SAVE)) == NULL)
		return (-1);
	store_bind_text(s, 1, e->qe_id);
	sqlite3_bind_int(s, 2, e->qe_failures);
	sqlite3_bind_int64(s, 3, e->qe_since);
	sqlite3_bind_int64(s, 4, e->qe_until);
	store_bind_text(s, 5, e->qe_reason);
	return (store_step_done(s));
}

/* Forget a quarantined TEE; -1 busy or error. */
int
store_quarantine_delete(struct store *st, const char *tee_id)
{
	sqlite3_stmt	*s;

	if ((s = store_stmt(st, STORE_QUARANTINE_DELETE)) == NULL)
		return (-1);
	store_bind_text(s, 1, tee_id);
	return (store_step_done(s));
}

/*
 * Every stored quarantine into q (rows that do not check out are
 * skipped): the number restored, or -1 on error.
 */
int
store_quarantine_load(struct store *st, struct quarantine *q)
{
	struct quarantine_entry	 e;
	sqlite3_stmt		*s;
	const unsigned char	*t;
	int			 rc, n = 0;

	if ((s = store_stmt(st, STORE_QUARANTINE_LOAD)) == NULL)
		return (-1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		memset(&e, 0, sizeof(e));
		if ((t = sqlite3_column_text(s, 0)) != NULL)
			strlcpy(e.qe_id, (const char *)t, sizeof(e.qe_id));
		e.qe_failures = sqlite3_column_int(s, 1);
		e.qe_since = sqlite3_column_int64(s, 2);
		e.qe_until = sqlite3_column_int64(s, 3);
		if ((t = sqlite3_column_text(s, 4)) != NULL)
			strlcpy(e.qe_reason, (const char *)t,
			    sizeof(e.qe_reason));
		if (quarantine_put(q, &e) == 0)
			n++;
	}
	sqlite3_reset(s);
	return (rc == SQLITE_DONE ? n : -1);
}

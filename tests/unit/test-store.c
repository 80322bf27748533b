/*
 * test-store.c: the sqlite store: file modes (0600, created atomically),
 * migrations and PRAGMA user_version, the session round trip of PROTOCOL.md
 * §1 and token updates of §2, logout, the registry cache of §3, prefs,
 * quarantined TEEs across a reopen (schema 2), and store_changed() across
 * two connections.
 */
#include "compat.h"

#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "og-veil.h"
#include "quarantine.h"
#include "test.h"
#include "xmalloc.h"

static char	 test_dir[256];
static char	 test_db[300];

static int
test_setup(void)
{
	snprintf(test_dir, sizeof(test_dir), "/tmp/og-veil-test-store-XXXXXX");
	if (mkdtemp(test_dir) == NULL)
		return (-1);
	snprintf(test_db, sizeof(test_db), "%s/og-veil.db", test_dir);
	return (0);
}

static void
test_teardown(void)
{
	char	 cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "  could not remove %s\n", test_dir);
}

/* The whole of fd as a new buffer. */
static char *
test_slurp(int fd, size_t *lenp)
{
	char	*p = NULL;
	size_t	 len = 0;
	ssize_t	 n;

	for (;;) {
		p = xrealloc(p, len + 65536);
		if ((n = read(fd, p + len, 65536)) <= 0)
			break;
		len += (size_t)n;
	}
	*lenp = len;
	return (p);
}

static void
test_session_fill(struct session *s)
{
	memset(s, 0, sizeof(*s));
	s->access_token = xstrdup("eyJ.access.1");
	s->refresh_token = xstrdup("refresh-1");
	s->expires_at = 1767225600;
	s->user_id = xstrdup("u-1");
	s->user_email = xstrdup("ada@example.com");
	s->app_env = xstrdup("staging");
	s->supabase_url = xstrdup("https://p.supabase.co");
	s->supabase_anon_key = xstrdup("anon");
	s->chat_api_base_url = xstrdup("https://chat-api.example");
	s->rpc_url = xstrdup("https://rpc.example");
	s->registry_address =
	    xstrdup("0x00000000000000000000000000000000000000aa");
	s->tee_type = 3;
}

static int
test_mode_0600(void)
{
	struct store	*st = NULL;
	struct stat	 sb;
	char		 err[256], wal[320];

	if (test_setup() == -1)
		return (-1);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(stat(test_db, &sb), 0);
	TEST_EQ_INT(sb.st_mode & 0777, 0600);
	TEST_EQ_INT(store_pref_set(st, "k", "v"), 0);
	snprintf(wal, sizeof(wal), "%s-wal", test_db);
	TEST_EQ_INT(stat(wal, &sb), 0);
	TEST_EQ_INT(sb.st_mode & 0777, 0600);
	store_close(st);
	st = NULL;

	/* A looser existing file is tightened. */
	TEST_EQ_INT(chmod(test_db, 0644), 0);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(stat(test_db, &sb), 0);
	TEST_EQ_INT(sb.st_mode & 0777, 0600);
	store_close(st);
	test_teardown();
	return (0);
fail:
	store_close(st);
	test_teardown();
	return (-1);
}

static int
test_symlink_refused(void)
{
	struct store	*st = NULL;
	char		 err[256], target[320];

	if (test_setup() == -1)
		return (-1);
	snprintf(target, sizeof(target), "%s/elsewhere", test_dir);
	TEST_EQ_INT(close(open(target, O_CREAT | O_WRONLY, 0600)), 0);
	TEST_EQ_INT(symlink(target, test_db), 0);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st == NULL);
	TEST_ASSERT(strstr(err, "not a regular file") != NULL);
	test_teardown();
	return (0);
fail:
	store_close(st);
	test_teardown();
	return (-1);
}

static int
test_user_version(void)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*s = NULL;
	struct store	*st = NULL;
	char		 err[256];

	if (test_setup() == -1)
		return (-1);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	store_close(st);
	st = NULL;
	TEST_EQ_INT(sqlite3_open(test_db, &db), SQLITE_OK);
	TEST_EQ_INT(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s,
	    NULL), SQLITE_OK);
	TEST_EQ_INT(sqlite3_step(s), SQLITE_ROW);
	TEST_EQ_INT(sqlite3_column_int(s, 0), store_schema_version());
	TEST_ASSERT(store_schema_version() >= 1);
	sqlite3_finalize(s);
	s = NULL;
	/* Tables exist: session, registry_cache, prefs. */
	TEST_EQ_INT(sqlite3_exec(db, "SELECT rpc_url, address, tee_type, data,"
	    " fetched_at FROM registry_cache; SELECT key, value FROM prefs;"
	    " SELECT access_token FROM session", NULL, NULL, NULL), SQLITE_OK);
	/* A newer schema than this og-veil is refused. */
	TEST_EQ_INT(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	db = NULL;
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st == NULL);
	TEST_ASSERT(strstr(err, "newer than this og-veil") != NULL);
	test_teardown();
	return (0);
fail:
	sqlite3_finalize(s);
	sqlite3_close(db);
	store_close(st);
	test_teardown();
	return (-1);
}

/* An empty database of version 0 (made elsewhere) is migrated. */
static int
test_migrate_empty(void)
{
	sqlite3		*db = NULL;
	struct store	*st = NULL;
	char		 err[256], *v = NULL;

	if (test_setup() == -1)
		return (-1);
	TEST_EQ_INT(close(open(test_db, O_CREAT | O_WRONLY, 0600)), 0);
	TEST_EQ_INT(sqlite3_open(test_db, &db), SQLITE_OK);
	TEST_EQ_INT(sqlite3_exec(db, "CREATE TABLE unrelated (x)", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	db = NULL;
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_pref_set(st, "a", "1"), 0);
	v = store_pref_get(st, "a");
	TEST_EQ_STR(v, "1");
	free(v);
	store_close(st);
	test_teardown();
	return (0);
fail:
	sqlite3_close(db);
	store_close(st);
	test_teardown();
	return (-1);
}

static int
test_session_round_trip(void)
{
	struct store	*st = NULL;
	struct session	 in, out;
	char		 err[256];

	memset(&out, 0, sizeof(out));
	test_session_fill(&in);
	if (test_setup() == -1)
		goto fail;
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_session_load(st, &out), 1);
	TEST_EQ_INT(store_session_save(st, &in), 0);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_EQ_STR(out.access_token, "eyJ.access.1");
	TEST_EQ_STR(out.refresh_token, "refresh-1");
	TEST_EQ_INT(out.expires_at, 1767225600);
	TEST_EQ_STR(out.user_id, "u-1");
	TEST_EQ_STR(out.user_email, "ada@example.com");
	TEST_EQ_STR(out.app_env, "staging");
	TEST_EQ_STR(out.supabase_url, "https://p.supabase.co");
	TEST_EQ_STR(out.supabase_anon_key, "anon");
	TEST_EQ_STR(out.chat_api_base_url, "https://chat-api.example");
	TEST_EQ_STR(out.rpc_url, "https://rpc.example");
	TEST_EQ_STR(out.registry_address,
	    "0x00000000000000000000000000000000000000aa");
	TEST_EQ_INT(out.tee_type, 3);
	session_clear(&out);

	/* A second save replaces the one row. */
	free(in.user_email);
	in.user_email = NULL;
	free(in.rpc_url);
	in.rpc_url = NULL;
	TEST_EQ_INT(store_session_save(st, &in), 0);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_ASSERT(out.user_email == NULL && out.rpc_url == NULL);
	session_clear(&out);

	/* Refresh: a NULL refresh token keeps the old one. */
	TEST_EQ_INT(store_tokens_update(st, "refresh-1", "eyJ.access.2", NULL,
	    42), 0);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_EQ_STR(out.access_token, "eyJ.access.2");
	TEST_EQ_STR(out.refresh_token, "refresh-1");
	TEST_EQ_INT(out.expires_at, 42);
	session_clear(&out);
	TEST_EQ_INT(store_tokens_update(st, "refresh-1", "eyJ.access.3",
	    "refresh-2", 43), 0);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_EQ_STR(out.refresh_token, "refresh-2");
	session_clear(&out);
	/*
	 * A refresh of another session (its refresh token is no longer the
	 * stored one: a login replaced it meanwhile) writes nothing.
	 */
	TEST_EQ_INT(store_tokens_update(st, "refresh-1", "eyJ.old-account",
	    "refresh-old-2", 44), 1);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_EQ_STR(out.access_token, "eyJ.access.3");
	TEST_EQ_STR(out.refresh_token, "refresh-2");
	TEST_EQ_INT(out.expires_at, 43);
	session_clear(&out);

	/* Logout. */
	TEST_EQ_INT(store_session_delete(st), 0);
	TEST_EQ_INT(store_session_load(st, &out), 1);
	TEST_EQ_INT(store_tokens_update(st, "refresh-2", "x", NULL, 1), 1);
	/* A session without its required fields is not saved. */
	free(in.supabase_url);
	in.supabase_url = NULL;
	TEST_EQ_INT(store_session_save(st, &in), -1);
	store_close(st);
	session_clear(&in);
	test_teardown();
	return (0);
fail:
	session_clear(&in);
	session_clear(&out);
	store_close(st);
	test_teardown();
	return (-1);
}

/* After logout no copy of the token stays in the files. */
static int
test_logout_wipes(void)
{
	struct store	*st = NULL;
	struct session	 in;
	char		 err[256], path[320], *data = NULL;
	size_t		 len, i;
	int		 fd, k;
	const char	*suffix[] = { "", "-wal" };

	test_session_fill(&in);
	free(in.access_token);
	in.access_token = xstrdup("TOKEN-MARKER-7f3a9c");
	if (test_setup() == -1)
		goto fail;
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_session_save(st, &in), 0);
	TEST_EQ_INT(store_session_delete(st), 0);
	store_close(st);
	st = NULL;
	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s%s", test_db, suffix[k]);
		if ((fd = open(path, O_RDONLY)) == -1)
			continue;
		data = test_slurp(fd, &len);
		close(fd);
		TEST_ASSERT(data != NULL);
		for (i = 0; i + 19 <= len; i++)
			TEST_ASSERT(memcmp(data + i, "TOKEN-MARKER-7f3a9c",
			    19) != 0);
		free(data);
		data = NULL;
	}
	session_clear(&in);
	test_teardown();
	return (0);
fail:
	free(data);
	session_clear(&in);
	store_close(st);
	test_teardown();
	return (-1);
}

static int
test_changed_two_connections(void)
{
	struct store	*a = NULL, *b = NULL;
	struct session	 in;
	char		 err[256];

	test_session_fill(&in);
	if (test_setup() == -1)
		goto fail;
	a = store_open(test_dir, err, sizeof(err));
	b = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(a != NULL && b != NULL);
	TEST_EQ_INT(store_changed(a), 0);
	TEST_EQ_INT(store_changed(b), 0);
	/* b commits: a sees it once. */
	TEST_EQ_INT(store_session_save(b, &in), 0);
	TEST_EQ_INT(store_changed(a), 1);
	TEST_EQ_INT(store_changed(a), 0);
	/* Its own commit does not count for b. */
	TEST_EQ_INT(store_changed(b), 0);
	TEST_EQ_INT(store_session_delete(a), 0);
	TEST_EQ_INT(store_changed(b), 1);
	TEST_EQ_INT(store_changed(a), 0);
	store_close(a);
	store_close(b);
	session_clear(&in);
	test_teardown();
	return (0);
fail:
	store_close(a);
	store_close(b);
	session_clear(&in);
	test_teardown();
	return (-1);
}

/*
 * Another process holds the write lock (BEGIN IMMEDIATE): with a short
 * busy timeout the token write fails (-1, to be retried) instead of
 * waiting 5 s, reads still work (WAL), and once the lock is gone the same
 * write lands.
 */
static int
test_busy_write(void)
{
	struct store	*st = NULL;
	struct session	 in, out;
	sqlite3		*db = NULL;
	char		 err[256];

	memset(&out, 0, sizeof(out));
	test_session_fill(&in);
	if (test_setup() == -1)
		goto fail;
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_session_save(st, &in), 0);
	store_set_busy_ms(st, 5);
	TEST_ASSERT(sqlite3_open(test_db, &db) == SQLITE_OK);
	TEST_ASSERT(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) ==
	    SQLITE_OK);
	TEST_EQ_INT(store_tokens_update(st, "refresh-1", "eyJ.access.2",
	    "refresh-2", 42), -1);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_EQ_STR(out.refresh_token, "refresh-1");
	session_clear(&out);
	TEST_ASSERT(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL) ==
	    SQLITE_OK);
	TEST_EQ_INT(store_tokens_update(st, "refresh-1", "eyJ.access.2",
	    "refresh-2", 42), 0);
	TEST_EQ_INT(store_session_load(st, &out), 0);
	TEST_EQ_STR(out.refresh_token, "refresh-2");
	session_clear(&out);
	sqlite3_close(db);
	store_close(st);
	session_clear(&in);
	test_teardown();
	return (0);
fail:
	if (db != NULL)
		sqlite3_close(db);
	store_close(st);
	session_clear(&in);
	session_clear(&out);
	test_teardown();
	return (-1);
}

static int
test_registry_cache(void)
{
	struct store	*st = NULL;
	uint8_t		 blob[300], *out = NULL;
	size_t		 len, i;
	int64_t		 at = 0;
	char		 err[256];

	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)i;
	if (test_setup() == -1)
		return (-1);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_registry_load(st, "http://rpc", "0xAB", 0, &out,
	    &len, &at), 1);
	TEST_EQ_INT(store_registry_save(st, "http://rpc", "0xAB", 0, blob,
	    sizeof(blob), 1000), 0);
	/* The address matches whatever its case. */
	TEST_EQ_INT(store_registry_load(st, "http://rpc", "0xab", 0, &out,
	    &len, &at), 0);
	TEST_EQ_INT(len, sizeof(blob));
	TEST_EQ_MEM(out, blob, sizeof(blob));
	TEST_EQ_INT(at, 1000);
	free(out);
	out = NULL;
	/* Another type or RPC URL is another entry. */
	TEST_EQ_INT(store_registry_load(st, "http://rpc", "0xab", 1, &out,
	    &len, &at), 1);
	TEST_EQ_INT(store_registry_load(st, "http://rpc2", "0xab", 0, &out,
	    &len, &at), 1);
	/* Replaced, and an empty answer is kept as empty. */
	TEST_EQ_INT(store_registry_save(st, "http://rpc", "0xab", 0, NULL, 0,
	    2000), 0);
	TEST_EQ_INT(store_registry_load(st, "http://rpc", "0xAB", 0, &out,
	    &len, &at), 0);
	TEST_EQ_INT(len, 0);
	TEST_EQ_INT(at, 2000);
	free(out);
	store_close(st);
	test_teardown();
	return (0);
fail:
	free(out);
	store_close(st);
	test_teardown();
	return (-1);
}

static int
test_prefs(void)
{
	struct store	*st = NULL;
	char		 err[256], *v = NULL;

	if (test_setup() == -1)
		return (-1);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_ASSERT(store_pref_get(st, "missing") == NULL);
	TEST_EQ_INT(store_pref_set(st, "k", "v1"), 0);
	TEST_EQ_INT(store_pref_set(st, "k", "v2"), 0);
	v = store_pref_get(st, "k");
	TEST_EQ_STR(v, "v2");
	free(v);
	v = NULL;
	TEST_EQ_INT(store_pref_set(st, "k", NULL), -1);
	store_close(st);
	test_teardown();
	return (0);
fail:
	free(v);
	store_close(st);
	test_teardown();
	return (-1);
}

/* A quarantine survives closing the store; a forgotten one does not. */
static int
test_quarantine(void)
{
	struct store			*st = NULL;
	struct quarantine		 q;
	const struct quarantine_entry	*e;
	char				 err[256];
	const char			*a, *b;

	a = "0x0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	b = "0xfedcba9876543210fedcba9876543210"
	    "fedcba9876543210fedcba9876543210";

	quarantine_init(&q);
	if (test_setup() == -1)
		return (-1);
	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_ASSERT(store_schema_version() >= 2);
	TEST_EQ_INT(store_quarantine_load(st, &q), 0);
	(void)quarantine_fail(&q, a, "output hash mismatch", 1000, 60);
	e = quarantine_fail(&q, a, "output hash mismatch", 1100, 60);
	TEST_EQ_INT(store_quarantine_save(st, e), 0);
	e = quarantine_fail(&q, b, "tee_id mismatch", 1200, 60);
	TEST_EQ_INT(store_quarantine_save(st, e), 0);
	TEST_EQ_INT(store_quarantine_delete(st, b), 0);
	store_close(st);
	quarantine_clear(&q);

	st = store_open(test_dir, err, sizeof(err));
	TEST_ASSERT(st != NULL);
	TEST_EQ_INT(store_quarantine_load(st, &q), 1);
	e = quarantine_find(&q, a);
	TEST_ASSERT(e != NULL);
	TEST_EQ_INT(e->qe_failures, 2);
	TEST_EQ_INT(e->qe_since, 1100);
	TEST_EQ_INT(e->qe_until, 1220);
	TEST_EQ_STR(e->qe_reason, "output hash mismatch");
	TEST_ASSERT(quarantine_find(&q, b) == NULL);
	store_close(st);
	quarantine_clear(&q);
	test_teardown();
	return (0);
fail:
	store_close(st);
	quarantine_clear(&q);
	test_teardown();
	return (-1);
}

static int
test_session_clear(void)
{
	struct session	 s;
	size_t		 i;

	test_session_fill(&s);
	session_clear(&s);
	for (i = 0; i < sizeof(s); i++)
		TEST_EQ_INT(((unsigned char *)&s)[i], 0);
	session_clear(&s);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "db-mode-0600", test_mode_0600 },
	{ "db-symlink-refused", test_symlink_refused },
	{ "user-version", test_user_version },
	{ "migrate-foreign-empty", test_migrate_empty },
	{ "session-round-trip", test_session_round_trip },
	{ "logout-wipes-token", test_logout_wipes },
	{ "changed-two-connections", test_changed_two_connections },
	{ "busy-write", test_busy_write },
	{ "registry-cache", test_registry_cache },
	{ "prefs", test_prefs },
	{ "quarantine", test_quarantine },
	{ "session-clear", test_session_clear }
};

TEST_MAIN("test-store", cases)

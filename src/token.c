/*
 * token.c: the access token the relay wants, PROTOCOL.md §2.  A token is
 * expired 60 s before expires_at (0: unknown, assumed valid).  All waiters
 * share one refresh; answers are delivered from the loop, never from
 * inside token_get().  Before each request the session is reloaded when
 * another process (og-veil login, logout) changed the store.  Tokens are
 * never logged.
 *
 * The session is known by the refresh token the store holds for it
 * (ts_stored): refreshed tokens are written only where that is still the
 * stored one, so a login made during a refresh wins and is used at once.
 * A rotated refresh token is the only one that works (the old one is dead
 * once rotated), so it is kept in memory and the write retried on a timer
 * until it lands; the loop never waits on the database for more than a
 * few ms.  Once the auth server refused the refresh token, every request
 * gets 401 "run og-veil login" without asking it again, until the store
 * changes (a login).
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "bytes.h"
#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

#define TOKEN_MAX_ANSWER	(64 * 1024)
#define TOKEN_RETRY_MIN_MS	100	/* first retry of a token write */
#define TOKEN_RETRY_MAX_MS	5000
#define TOKEN_FINAL_BUSY_MS	2000	/* the last try, at shutdown */
#define TOKEN_RELOAD_MS		100	/* store change checks at most */

struct token_waiter {
	token_cb		 tw_cb;
	void			*tw_arg;
	int			 tw_ready;	/* answer known: deliver */
	int			 tw_status;	/* 0: the token */
	const char		*tw_msg;	/* static, or ts_msg */
	TAILQ_ENTRY(token_waiter) tw_entry;
};

struct token_state {
	struct veil		*ts_veil;
	struct http_call	*ts_http;	/* the refresh in flight */
	int			 ts_status;
	struct buf		 ts_body;	/* secret: wiped */
	struct event		*ts_ev;		/* delivers ready waiters */
	TAILQ_HEAD(, token_waiter) ts_waiters;
	char			 ts_msg[256];
	char			*ts_stored;	/* owned, secret: see the top */
	int			 ts_known;	/* ts_stored is meaningful */
	int			 ts_pending;	/* not in the store yet */
	int			 ts_refused;	/* refresh token refused */
	int			 ts_retry_ms;	/* 0: no write failed yet */
	struct event		*ts_retry_ev;	/* retries the token write */
	uint64_t		 ts_checked_ms;	/* last store check (ms) */
};

static const char token_msg_login[] =
    "not logged in: run `og-veil login`";
static const char token_msg_expired[] =
    "your OpenGradient session expired: run `og-veil login`";
static const char token_msg_revoked[] =
    "your OpenGradient session was signed out or revoked: "
    "run `og-veil login`";

static void	token_deliver_cb(evutil_socket_t, short, void *);
static void	token_retry_cb(evutil_socket_t, short, void *);
static int	token_adopt(struct veil *, struct token_state *, int);
static int	token_reload(struct veil *, struct token_state *, int);
static void	token_store(struct veil *, struct token_state *, int);
static void	token_set_stored(struct token_state *, const char *);

/* 1 when the access token must be refreshed at time now. */
int
token_expired(const struct session *s, int64_t now)
{
	if (s->access_token == NULL || *s->access_token == '\0')
		return (1);
	if (s->expires_at == 0)
		return (0);
	return (now >= s->expires_at - TOKEN_EXPIRY_MARGIN);
}

static struct token_state *
token_state(struct veil *v)
{
	struct token_state	*ts = v->vl_token_waiters;

	if (ts != NULL)
		return (ts);
	ts = xcalloc(1, sizeof(*ts));
	ts->ts_veil = v;
	buf_init(&ts->ts_body);
	TAILQ_INIT(&ts->ts_waiters);
	if ((ts->ts_ev = event_new(v->vl_base, -1, 0, token_deliver_cb,
	    ts)) == NULL ||
	    (ts->ts_retry_ev = evtimer_new(v->vl_base, token_retry_cb,
	    ts)) == NULL)
		fatalx("token: cannot create an event");
	/* The session server.c loaded is the one the store holds. */
	if (v->vl_logged_in) {
		token_set_stored(ts, v->vl_session.refresh_token);
		ts->ts_known = 1;
	}
	v->vl_token_waiters = ts;
	return (ts);
}

/* Remember r (NULL: none) as the refresh token the store holds. */
static void
token_set_stored(struct token_state *ts, const char *r)
{
	if (ts->ts_stored != NULL)
		xfree_secret(ts->ts_stored, strlen(ts->ts_stored));
	ts->ts_stored = r != NULL ? xstrdup(r) : NULL;
}

/* 1 when two refresh tokens (either may be NULL) are the same. */
static int
token_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* Free the refresh state (shutdown); waiters are dropped silently. */
void
token_clear(struct veil *v)
{
	struct token_state	*ts = v->vl_token_waiters;
	struct token_waiter	*tw;

	if (ts == NULL)
		return;
	http_call_cancel(ts->ts_http);
	while ((tw = TAILQ_FIRST(&ts->ts_waiters)) != NULL) {
		TAILQ_REMOVE(&ts->ts_waiters, tw, tw_entry);
		free(tw);
	}
	if (ts->ts_pending && v->vl_store != NULL) {
		/* The loop is over: waiting a little is allowed now. */
		store_set_busy_ms(v->vl_store, TOKEN_FINAL_BUSY_MS);
		token_store(v, ts, 1);
		if (ts->ts_pending)
			log_warnx("token: the rotated refresh token could not "
			    "be saved (the database stayed busy): the next "
			    "start needs `og-veil login`");
	}
	buf_clear(&ts->ts_body, 1);
	event_free(ts->ts_ev);
	event_free(ts->ts_retry_ev);
	token_set_stored(ts, NULL);
	free(ts);
	v->vl_token_waiters = NULL;
}

static void
token_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct token_state	*ts = arg;
	struct token_waiter	*tw;
	struct veil		*v = ts->ts_veil;

	(void)fd;
	(void)what;
	/* One at a time: a callback may cancel or add others. */
	for (;;) {
		TAILQ_FOREACH(tw, &ts->ts_waiters, tw_entry)
			if (tw->tw_ready)
				break;
		if (tw == NULL)
			break;
		TAILQ_REMOVE(&ts->ts_waiters, tw, tw_entry);
		if (tw->tw_status == 0 && (!v->vl_logged_in ||
		    v->vl_session.access_token == NULL))
			/* A logout came between the answer and now. */
			tw->tw_cb(tw->tw_arg, NULL, 401, token_msg_login);
		else if (tw->tw_status == 0)
			tw->tw_cb(tw->tw_arg, v->vl_session.access_token, 0,
			    NULL);
		else
			tw->tw_cb(tw->tw_arg, NULL, tw->tw_status, tw->tw_msg);
		free(tw);
		if ((ts = v->vl_token_waiters) == NULL)
			break;
	}
}

/* Mark every waiting caller answered, and deliver from the loop. */
static void
token_answer_all(struct token_state *ts, int status, const char *msg)
{
	struct token_waiter	*tw;

	TAILQ_FOREACH(tw, &ts->ts_waiters, tw_entry) {
		if (tw->tw_ready)
			continue;
		tw->tw_ready = 1;
		tw->tw_status = status;
		tw->tw_msg = msg;
	}
	event_active(ts->ts_ev, EV_TIMEOUT, 1);
}

static void
token_add(struct token_state *ts, token_cb cb, void *arg, int ready,
    int status, const char *msg)
{
	struct token_waiter	*tw;

	tw = xcalloc(1, sizeof(*tw));
	tw->tw_cb = cb;
	tw->tw_arg = arg;
	tw->tw_ready = ready;
	tw->tw_status = status;
	tw->tw_msg = msg;
	TAILQ_INSERT_TAIL(&ts->ts_waiters, tw, tw_entry);
	if (ready)
		event_active(ts->ts_ev, EV_TIMEOUT, 1);
}

/*
 * Load the stored session.  Unless force, keep ours when the store still
 * holds our session (its refresh token is ts_stored): ours is as new or
 * newer.  1 when the session changed (another login, or a logout), else 0.
 */
static int
token_adopt(struct veil *v, struct token_state *ts, int force)
{
	struct session	s;
	int		rc;

	memset(&s, 0, sizeof(s));
	rc = store_session_load(v->vl_store, &s);
	if (rc == -1) {
		log_warnx("token: cannot reload the session; keeping it");
		return (0);
	}
	if (rc == 0 && !force && v->vl_logged_in && ts->ts_known &&
	    token_same(s.refresh_token, ts->ts_stored)) {
		session_clear(&s);
		return (0);
	}
	session_clear(&v->vl_session);
	ts->ts_pending = 0;
	ts->ts_retry_ms = 0;
	evtimer_del(ts->ts_retry_ev);
	ts->ts_refused = 0;
	if (rc == 0) {
		v->vl_session = s;
		v->vl_logged_in = 1;
		token_set_stored(ts, s.refresh_token);
		ts->ts_known = 1;
		log_info("token: session reloaded from the store");
	} else {
		memset(&v->vl_session, 0, sizeof(v->vl_session));
		v->vl_logged_in = 0;
		token_set_stored(ts, NULL);
		ts->ts_known = 0;
		log_info("token: logged out (store)");
	}
	return (1);
}

/*
 * Pick up a login or logout another process wrote to the store; 1 when
 * the session changed.  Unless force, the store is asked only when
 * TOKEN_RELOAD_MS passed since it was last asked.  Any change gives a
 * refused session one more try.
 */
static int
token_reload(struct veil *v, struct token_state *ts, int force)
{
	struct timespec	 now;
	uint64_t	 ms;

	if (v->vl_store == NULL)
		return (0);
	clock_gettime(CLOCK_MONOTONIC, &now);	/* vDSO: no system call */
	ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	if (!force && ts->ts_checked_ms != 0 &&
	    ms - ts->ts_checked_ms < TOKEN_RELOAD_MS)
		return (0);
	ts->ts_checked_ms = ms;
	if (store_changed(v->vl_store) != 1)
		return (0);
	ts->ts_refused = 0;
	return (token_adopt(v, ts, 0));
}

/*
 * Write the session's tokens (ts_pending) where the store still holds our
 * session.  On failure keep them and retry from a timer (unless final).
 */
static void
token_store(struct veil *v, struct token_state *ts, int final)
{
	struct session	*s = &v->vl_session;
	struct timeval	 tv;
	int		 rc;

	if (!ts->ts_pending)
		return;
	if (v->vl_store == NULL) {
		ts->ts_pending = 0;
		return;
	}
	rc = store_tokens_update(v->vl_store, ts->ts_stored, s->access_token,
	    s->refresh_token, s->expires_at);
	if (rc == 0) {
		if (ts->ts_retry_ms > 0)
			log_info("token: the refreshed tokens are stored now");
		ts->ts_pending = 0;
		ts->ts_retry_ms = 0;
		token_set_stored(ts, s->refresh_token);
		return;
	}
	if (rc == 1) {
		/* Another login replaced the session meanwhile: it wins. */
		log_info("token: the stored session changed during the "
		    "refresh; dropping the old session's tokens");
		(void)token_adopt(v, ts, 1);
		return;
	}
	if (final)
		return;
	if (ts->ts_retry_ms == 0) {
		log_warnx("token: cannot store the refreshed tokens (the "
		    "database is busy or unwritable): keeping them in memory "
		    "and retrying");
		ts->ts_retry_ms = TOKEN_RETRY_MIN_MS;
	} else if ((ts->ts_retry_ms *= 2) > TOKEN_RETRY_MAX_MS)
		ts->ts_retry_ms = TOKEN_RETRY_MAX_MS;
	tv.tv_sec = ts->ts_retry_ms / 1000;
	tv.tv_usec = (ts->ts_retry_ms % 1000) * 1000;
	evtimer_add(ts->ts_retry_ev, &tv);
}

static void
token_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct token_state	*ts = arg;

	(void)fd;
	(void)what;
	token_store(ts->ts_veil, ts, 0);
}

/*
 * Parse a refresh answer (200) into new tokens and expiry: 0, or -1 with
 * errstr.  *access and *refresh (may be NULL) are new strings.
 */
int
token_parse_refresh(const uint8_t *p, size_t len, int64_t now,
    char **access, char **refresh, int64_t *expires_at, const char **errstr)
{
	struct json_limits	 lim = { TOKEN_MAX_ANSWER, 32, 0 };
	struct json_value	*v;
	const char		*a, *r;
	int64_t			 n;

	*access = *refresh = NULL;
	*expires_at = 0;
	if ((v = json_parse((const char *)p, len, &lim, errstr)) == NULL)
		return (-1);
	a = json_get_str(v, "access_token");
	if (a == NULL || *a == '\0' || strlen(a) != json_get(v,
	    "access_token")->len) {
		json_free(v);
		*errstr = "no access_token in the answer";
		return (-1);
	}
	*access = xstrdup(a);
	if ((r = json_get_str(v, "refresh_token")) != NULL && *r != '\0' &&
	    strlen(r) == json_get(v, "refresh_token")->len)
		*refresh = xstrdup(r);
	if (json_to_int64(json_get(v, "expires_at"), &n) == 0 && n > 0)
		*expires_at = n;
	else if (json_to_int64(json_get(v, "expires_in"), &n) == 0 && n > 0 &&
	    n < INT64_MAX - now)
		*expires_at = now + n;
	json_free(v);
	return (0);
}

static int
token_headers_cb(void *arg, int status, struct evkeyvalq *h)
{
	struct token_state	*ts = arg;

	(void)h;
	ts->ts_status = status;
	return (0);
}

static int
token_data_cb(void *arg, const uint8_t *p, size_t len)
{
	struct token_state	*ts = arg;

	if (len > TOKEN_MAX_ANSWER - ts->ts_body.len) {
		ts->ts_http = NULL;
		buf_clear(&ts->ts_body, 1);
		snprintf(ts->ts_msg, sizeof(ts->ts_msg),
		    "token refresh failed (answer too large); try again");
		token_answer_all(ts, 502, ts->ts_msg);
		return (-1);
	}
	buf_add(&ts->ts_body, p, len);
	return (0);
}

static void
token_done_cb(void *arg, int result, const char *msg)
{
	struct token_state	*ts = arg;
	struct veil		*v = ts->ts_veil;
	struct session		*s = &v->vl_session;
	const char		*errstr;
	char			*access, *refresh;
	int64_t			 exp;

	ts->ts_http = NULL;
	if (token_reload(v, ts, 1)) {
		/*
		 * A login (or logout) replaced the session this refresh
		 * renewed: its answer belongs to the old account.  Drop it;
		 * the waiters get the new session's token.
		 */
		log_info("token: a new login replaced the session during the "
		    "refresh; using it");
		if (v->vl_logged_in && s->access_token != NULL)
			token_answer_all(ts, 0, NULL);
		else
			token_answer_all(ts, 401, token_msg_login);
	} else if (result != HTTP_CALL_OK) {
		/*
		 * The token is expired (or the relay refused it) and cannot
		 * be renewed: the request is unauthenticated, hence 401, with
		 * what the user can do about it.
		 */
		snprintf(ts->ts_msg, sizeof(ts->ts_msg),
		    "your access token expired and the auth server could not "
		    "be reached to renew it (%s): check the network and retry, "
		    "or run `og-veil login`", msg);
		log_warnx("token: refresh: %s", msg);
		metrics_count(METRICS_TOKEN_REFRESHES, 1, "result",
		    "unreachable", NULL);
		token_answer_all(ts, 401, ts->ts_msg);
	} else if (ts->ts_status == 400 || ts->ts_status == 401 ||
	    ts->ts_status == 403) {
		/* Asking again cannot help: wait for a new login. */
		log_warnx("token: refresh refused (HTTP %d): signed out; "
		    "answering 401 until `og-veil login`", ts->ts_status);
		ts->ts_refused = 1;
		metrics_count(METRICS_TOKEN_REFRESHES, 1, "result", "refused",
		    NULL);
		token_answer_all(ts, 401, token_msg_revoked);
	} else if (ts->ts_status != 200) {
		snprintf(ts->ts_msg, sizeof(ts->ts_msg),
		    "token refresh failed (HTTP %d); try again", ts->ts_status);
		log_warnx("token: refresh: HTTP %d", ts->ts_status);
		metrics_count(METRICS_TOKEN_REFRESHES, 1, "result", "failed",
		    NULL);
		token_answer_all(ts, 502, ts->ts_msg);
	} else if (token_parse_refresh(ts->ts_body.data, ts->ts_body.len,
	    (int64_t)time(NULL), &access, &refresh, &exp, &errstr) == -1) {
		snprintf(ts->ts_msg, sizeof(ts->ts_msg),
		    "token refresh failed (%s); try again", errstr);
		log_warnx("token: refresh: %s", errstr);
		metrics_count(METRICS_TOKEN_REFRESHES, 1, "result", "failed",
		    NULL);
		token_answer_all(ts, 502, ts->ts_msg);
	} else {
		xfree_secret(s->access_token, s->access_token != NULL ?
		    strlen(s->access_token) : 0);
		s->access_token = access;
		if (refresh != NULL) {
			xfree_secret(s->refresh_token, s->refresh_token !=
			    NULL ? strlen(s->refresh_token) : 0);
			s->refresh_token = refresh;
		}
		s->expires_at = exp;
		/* Our own write does not count in store_changed(). */
		ts->ts_pending = 1;
		token_store(v, ts, 0);
		log_info("token: refreshed");
		metrics_count(METRICS_TOKEN_REFRESHES, 1, "result", "ok",
		    NULL);
		token_answer_all(ts, 0, NULL);
	}
	buf_clear(&ts->ts_body, 1);
}

/* Start the shared refresh unless one runs. */
static void
token_start_refresh(struct veil *v, struct token_state *ts)
{
	static const struct http_call_cb hcb = {
		token_headers_cb, token_data_cb, token_done_cb
	};
	struct session		*s = &v->vl_session;
	struct json_value	*req;
	struct buf		 b;
	char			*url;
	size_t			 n;
	const char		*headers[] = {
		"apikey", s->supabase_anon_key,
		"Content-Type", "application/json",
		"Accept", "application/json",
		NULL
	};

	if (ts->ts_http != NULL)
		return;
	/* With no write pending the store holds what we hold. */
	if (!ts->ts_pending) {
		token_set_stored(ts, s->refresh_token);
		ts->ts_known = 1;
	}
	req = json_new_object();
	json_object_set(req, "refresh_token",
	    json_new_string(s->refresh_token));
	buf_init(&b);
	pyjson_write(&b, req, PYJSON_COMPACT);
	json_free(req);
	n = strlen(s->supabase_url);
	while (n > 0 && s->supabase_url[n - 1] == '/')
		n--;
	xasprintf(&url, "%.*s/auth/v1/token?grant_type=refresh_token",
	    (int)n, s->supabase_url);
	ts->ts_status = 0;
	buf_clear(&ts->ts_body, 1);
	ts->ts_http = http_call_new(v->vl_http, "POST", url, headers, b.data,
	    b.len, &hcb, ts);
	buf_clear(&b, 1);
	if (ts->ts_http == NULL) {
		snprintf(ts->ts_msg, sizeof(ts->ts_msg),
		    "token refresh failed (bad supabase_url %s); run "
		    "`og-veil login`", s->supabase_url);
		token_answer_all(ts, 503, ts->ts_msg);
	} else
		log_debug("token: refreshing");
	free(url);
}

static void
token_request(struct veil *v, token_cb cb, void *arg, int force)
{
	struct token_state	*ts = token_state(v);
	struct session		*s = &v->vl_session;

	(void)token_reload(v, ts, 0);
	if (!v->vl_logged_in || s->access_token == NULL) {
		token_add(ts, cb, arg, 1, 401, token_msg_login);
		return;
	}
	if (ts->ts_refused) {
		token_add(ts, cb, arg, 1, 401, token_msg_revoked);
		return;
	}
	if (!force && ts->ts_http == NULL &&
	    !token_expired(s, (int64_t)time(NULL))) {
		token_add(ts, cb, arg, 1, 0, NULL);
		return;
	}
	if (ts->ts_http == NULL && (s->refresh_token == NULL ||
	    *s->refresh_token == '\0' || s->supabase_url == NULL ||
	    s->supabase_anon_key == NULL)) {
		token_add(ts, cb, arg, 1, 401, token_msg_expired);
		return;
	}
	token_add(ts, cb, arg, 0, 0, NULL);
	token_start_refresh(v, ts);
}

/* Call cb with a valid token (now, or after one shared refresh). */
void
token_get(struct veil *v, token_cb cb, void *arg)
{
	token_request(v, cb, arg, 0);
}

/* Force a refresh (the relay said 401), then call cb. */
void
token_refresh(struct veil *v, token_cb cb, void *arg)
{
	token_request(v, cb, arg, 1);
}

/* Forget every pending answer for arg. */
void
token_cancel(struct veil *v, void *arg)
{
	struct token_state	*ts = v->vl_token_waiters;
	struct token_waiter	*tw, *next;

	if (ts == NULL)
		return;
	for (tw = TAILQ_FIRST(&ts->ts_waiters); tw != NULL; tw = next) {
		next = TAILQ_NEXT(tw, tw_entry);
		if (tw->tw_arg != arg)
			continue;
		TAILQ_REMOVE(&ts->ts_waiters, tw, tw_entry);
		free(tw);
	}
}

/*
 * tee.c: which TEE a request uses, PROTOCOL.md §3 and §10.  The registry is
 * read from the chain (getActiveTEEs through rpc.c) at start and by the
 * refresh timer, and kept in memory as the usable list; the copy cached in
 * sqlite is used only while the chain cannot be reached (said in the log
 * and /health, with its age), and a failed read is retried within
 * OG_VEIL_REGISTRY_RETRY seconds rather than at the next refresh; selection
 * applies the PCR and TEE pins (registry.c).  Concurrent selections share
 * one fetch.  A TEE that failed (tee_drop) is not selected again until the
 * whole list has failed.  The refresh timer re-reads the chain and drops
 * the current TEE when it left the active set or rotated its keys; so does
 * tee_recheck(), at once, when the relay refused a request for that TEE.
 * A TEE whose answer failed verification is quarantined (quarantine.c):
 * not selected until its back-off ends, remembered in the store across
 * restarts; a pinned one (--tee-id) is never replaced, only logged.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>

#include "abi.h"
#include "og-veil.h"
#include "pyjson.h"
#include "quarantine.h"
#include "registry.h"
#include "xmalloc.h"

struct tee_waiter {
	tee_cb			 tw_cb;
	void			*tw_arg;
	int			 tw_ready;
	int			 tw_status;	/* 0: pick a TEE at delivery */
	TAILQ_ENTRY(tee_waiter)	 tw_entry;
};

/* A re-read of the registry for one refused request (tee_recheck). */
struct tee_recheck {
	struct veil		*tr_veil;
	struct rpc_call		*tr_rpc;	/* owned until its callback */
	struct tee		*tr_tee;	/* counted: the refused TEE */
	tee_cb			 tr_cb;
	void			*tr_arg;
	TAILQ_ENTRY(tee_recheck) tr_entry;
};

struct tee_state {
	struct veil		*ts_veil;
	struct rpc_call		*ts_rpc;	/* a selection's fetch */
	struct rpc_call		*ts_refresh;	/* the timer's fetch */
	struct event		*ts_ev;		/* delivers ready waiters */
	struct event		*ts_retry_ev;	/* re-read after a failure */
	TAILQ_HEAD(, tee_waiter) ts_waiters;
	TAILQ_HEAD(, tee_recheck) ts_rechecks;
	struct abi_tee		*ts_abi;	/* owned: the registry */
	size_t			 ts_nabi;
	struct abi_tee		*ts_usable;	/* shallow, as vl_tees */
	char			**ts_dropped;	/* owned: tee_ids that failed */
	size_t			 ts_ndropped;
	struct quarantine	 ts_quarantine;	/* failed verification */
	char			 ts_msg[512];
};

static const char tee_msg_noreg[] = "the login bundle has no TEE registry "
    "(tee_registry_*): serving is impossible; run `og-veil login` again";

static void	tee_deliver_cb(evutil_socket_t, short, void *);
static void	tee_timer_cb(evutil_socket_t, short, void *);
static void	tee_recheck_free(struct tee_state *, struct tee_recheck *);

/* Take a reference. */
struct tee *
tee_ref(struct tee *t)
{
	t->te_refs++;
	return (t);
}

/* Drop a reference; the last frees. */
void
tee_unref(struct tee *t)
{
	if (t == NULL || --t->te_refs > 0)
		return;
	free(t->te_endpoint);
	free(t->te_spki);
	verify_key_free(t->te_vkey);
	free(t);
}

/* A TEE from a usable registry entry (one reference), or NULL. */
struct tee *
tee_new(const struct abi_tee *a)
{
	struct tee	*t;

	t = xcalloc(1, sizeof(*t));
	if (registry_key_config(a, &t->te_kc) == -1 ||
	    a->public_key_len == 0) {
		free(t);
		return (NULL);
	}
	t->te_refs = 1;
	verify_tee_id(a->public_key, a->public_key_len, t->te_id);
	registry_pcr_hex(a, t->te_pcr);
	t->te_endpoint = xstrdup(a->endpoint != NULL ? a->endpoint : "");
	t->te_spki = xmemdup(a->public_key, a->public_key_len);
	t->te_spki_len = a->public_key_len;
	if ((t->te_vkey = verify_key_new(t->te_spki, t->te_spki_len)) == NULL)
		fatalx("tee: out of memory");
	return (t);
}

static struct tee_state *
tee_state(struct veil *v)
{
	struct tee_state	*ts = v->vl_tee_waiters;

	if (ts != NULL)
		return (ts);
	ts = xcalloc(1, sizeof(*ts));
	ts->ts_veil = v;
	TAILQ_INIT(&ts->ts_waiters);
	TAILQ_INIT(&ts->ts_rechecks);
	quarantine_init(&ts->ts_quarantine);
	if (v->vl_store != NULL &&
	    store_quarantine_load(v->vl_store, &ts->ts_quarantine) == -1)
		log_warnx("tee: cannot read the quarantined TEEs from the "
		    "store");
	if ((ts->ts_ev = event_new(v->vl_base, -1, 0, tee_deliver_cb,
	    ts)) == NULL ||
	    (ts->ts_retry_ev = evtimer_new(v->vl_base, tee_timer_cb,
	    v)) == NULL)
		fatalx("tee: cannot create an event");
	v->vl_tee_waiters = ts;
	return (ts);
}

static int
tee_is_dropped(const struct tee_state *ts, const char *id)
{
	size_t	i;

	for (i = 0; i < ts->ts_ndropped; i++)
		if (strcmp(ts->ts_dropped[i], id) == 0)
			return (1);
	return (0);
}

static void
tee_list_clear(struct veil *v)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	size_t			 i;

	for (i = 0; i < v->vl_ntees; i++)
		tee_unref(v->vl_tees[i]);
	free(v->vl_tees);
	v->vl_tees = NULL;
	v->vl_ntees = 0;
	if (ts != NULL) {
		free(ts->ts_usable);
		ts->ts_usable = NULL;
	}
}

/* Rebuild the usable list from ts_abi, leaving out failed TEEs. */
static void
tee_list_build(struct veil *v)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	struct tee		*t;
	size_t			 i, n, skipped;

	tee_list_clear(v);
	if (ts->ts_nabi == 0)
		return;
	v->vl_tees = xcalloc(ts->ts_nabi, sizeof(*v->vl_tees));
	ts->ts_usable = xcalloc(ts->ts_nabi, sizeof(*ts->ts_usable));
	for (;;) {
		n = skipped = 0;
		for (i = 0; i < ts->ts_nabi; i++) {
			if (!registry_usable(&ts->ts_abi[i]) ||
			    (t = tee_new(&ts->ts_abi[i])) == NULL)
				continue;
			if (tee_is_dropped(ts, t->te_id)) {
				tee_unref(t);
				skipped++;
				continue;
			}
			v->vl_tees[n] = t;
			ts->ts_usable[n] = ts->ts_abi[i];
			n++;
		}
		if (n > 0 || skipped == 0)
			break;
		/* Every usable TEE failed once: give them another chance. */
		log_info("tee: every registry TEE failed; retrying them all");
		for (i = 0; i < ts->ts_ndropped; i++)
			free(ts->ts_dropped[i]);
		free(ts->ts_dropped);
		ts->ts_dropped = NULL;
		ts->ts_ndropped = 0;
	}
	v->vl_ntees = n;
}

/* Decode a getActiveTEEs result and make it the registry; -1 if malformed. */
static int
tee_install(struct veil *v, const uint8_t *data, size_t len, int64_t when,
    const char **errstr)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	struct abi_tee		*tees;
	size_t			 n;

	if (abi_decode_tees(data, len, &tees, &n, errstr) == -1)
		return (-1);
	tee_list_clear(v);
	abi_tees_free(ts->ts_abi, ts->ts_nabi);
	ts->ts_abi = tees;
	ts->ts_nabi = n;
	v->vl_tees_fetched = when;
	v->vl_tees_cached = 0;		/* tee_load_cache() says otherwise */
	tee_list_build(v);
	log_info("tee: registry has %zu entries, %zu usable", n, v->vl_ntees);
	return (0);
}

/* 1 when a TEE is pinned with --tee-id: it is never quarantined. */
static int
tee_pinned(const struct veil *v)
{
	const struct veil_config	*cfg = v->vl_cfg;

	return (cfg != NULL && cfg->tee_id != NULL && *cfg->tee_id != '\0');
}

/* 1 when t may not be selected now (quarantined and not pinned). */
static int
tee_blocked(const struct veil *v, const struct tee_state *ts,
    const struct tee *t, int64_t now)
{
	return (!tee_pinned(v) &&
	    quarantine_blocked(&ts->ts_quarantine, t->te_id, now));
}

/*
 * Seconds until the first quarantined TEE may be selected again, when
 * every TEE the PCR pin allows is quarantined; else 0.
 */
static long long
tee_all_blocked(const struct veil *v, const struct tee_state *ts,
    int64_t now)
{
	const struct veil_config	*cfg = v->vl_cfg;
	const struct quarantine_entry	*e;
	int64_t				 first = 0;
	size_t				 i;

	if (ts == NULL || ts->ts_quarantine.q_n == 0 || tee_pinned(v))
		return (0);
	for (i = 0; i < v->vl_ntees; i++) {
		if (cfg != NULL && cfg->expected_pcr != NULL &&
		    *cfg->expected_pcr != '\0' &&
		    strcasecmp(v->vl_tees[i]->te_pcr, cfg->expected_pcr) != 0)
			continue;
		e = quarantine_find(&ts->ts_quarantine, v->vl_tees[i]->te_id);
		if (e == NULL || now >= e->qe_until)
			return (0);
		if (first == 0 || e->qe_until < first)
			first = e->qe_until;
	}
	return (first > now ? (long long)(first - now) : 0);
}

long long
tee_retry_after(const struct veil *v)
{
	return (tee_all_blocked(v, v->vl_tee_waiters, (int64_t)time(NULL)));
}

/* The current TEE (a new reference), selecting one if needed; or NULL. */
static struct tee *
tee_pick(struct veil *v, char *errbuf, size_t errlen)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	const struct veil_config *cfg = v->vl_cfg;
	struct abi_tee		*cand = NULL;
	size_t			*map = NULL, idx, n = 0, i;
	int64_t			 now = (int64_t)time(NULL);
	long long		 wait;
	char			 when[32];
	struct tm		 tm;
	time_t			 tt;
	int			 r;

	if (v->vl_tee != NULL && !v->vl_tee->te_dropped &&
	    !tee_blocked(v, ts, v->vl_tee, now))
		return (tee_ref(v->vl_tee));
	if (ts->ts_quarantine.q_n > 0 && !tee_pinned(v) && v->vl_ntees > 0) {
		/* Leave the quarantined out (their index in map). */
		cand = xcalloc(v->vl_ntees, sizeof(*cand));
		map = xcalloc(v->vl_ntees, sizeof(*map));
		for (i = 0; i < v->vl_ntees; i++) {
			if (tee_blocked(v, ts, v->vl_tees[i], now))
				continue;
			cand[n] = ts->ts_usable[i];
			map[n++] = i;
		}
	}
	r = registry_select(cand != NULL ? cand : ts->ts_usable,
	    cand != NULL ? n : v->vl_ntees,
	    cfg != NULL ? cfg->expected_pcr : NULL,
	    cfg != NULL ? cfg->tee_id : NULL, &idx, errbuf, errlen);
	if (r == 0 && cand != NULL)
		idx = map[idx];
	free(cand);
	free(map);
	if (r == -1) {
		/* Nothing left but quarantined TEEs: say so, and until when. */
		if ((wait = tee_all_blocked(v, ts, now)) > 0) {
			tt = (time_t)(now + wait);
			if (gmtime_r(&tt, &tm) == NULL ||
			    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ",
			    &tm) == 0)
				strlcpy(when, "?", sizeof(when));
			snprintf(errbuf, errlen, "every TEE is quarantined "
			    "after failing verification (og-veil status "
			    "shows why): the first may be used again at %s, "
			    "in %lld s", when, wait);
		}
		return (NULL);
	}
	tee_unref(v->vl_tee);
	v->vl_tee = tee_ref(v->vl_tees[idx]);
	log_info("tee: selected %s (%s)", v->vl_tee->te_id,
	    v->vl_tee->te_endpoint);
	metrics_count(METRICS_TEE_CHANGES, 1, NULL);
	return (tee_ref(v->vl_tee));
}

static void
tee_deliver_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tee_state	*ts = arg;
	struct veil		*v = ts->ts_veil;
	struct tee_waiter	*tw;
	struct tee		*t;
	char			 err[512];

	(void)fd;
	(void)what;
	for (;;) {
		TAILQ_FOREACH(tw, &ts->ts_waiters, tw_entry)
			if (tw->tw_ready)
				break;
		if (tw == NULL)
			break;
		TAILQ_REMOVE(&ts->ts_waiters, tw, tw_entry);
		if (tw->tw_status != 0)
			tw->tw_cb(tw->tw_arg, NULL, tw->tw_status, ts->ts_msg);
		else if ((t = tee_pick(v, err, sizeof(err))) == NULL)
			tw->tw_cb(tw->tw_arg, NULL, 503, err);
		else
			tw->tw_cb(tw->tw_arg, t, 0, NULL);
		free(tw);
		if ((ts = v->vl_tee_waiters) == NULL)
			break;
	}
}

static void
tee_answer_all(struct tee_state *ts, int status)
{
	struct tee_waiter	*tw;

	TAILQ_FOREACH(tw, &ts->ts_waiters, tw_entry) {
		if (!tw->tw_ready) {
			tw->tw_ready = 1;
			tw->tw_status = status;
		}
	}
	event_active(ts->ts_ev, EV_TIMEOUT, 1);
}

/* The registry cached in sqlite: 0 installed, -1 none; *when tells. */
static int
tee_load_cache(struct veil *v, int64_t *whenp)
{
	struct session	*s = &v->vl_session;
	const char	*errstr;
	uint8_t		*data;
	size_t		 len;
	int64_t		 when;
	int		 rc;

	if (v->vl_store == NULL || store_registry_load(v->vl_store,
	    s->rpc_url, s->registry_address, s->tee_type, &data, &len,
	    &when) != 0)
		return (-1);
	rc = tee_install(v, data, len, when, &errstr);
	free(data);
	if (rc == -1) {
		log_warnx("tee: cached registry unreadable: %s", errstr);
		return (-1);
	}
	v->vl_tees_cached = 1;
	*whenp = when;
	return (0);
}

/* Read the chain again soon after a failed read (unless refresh is off). */
static void
tee_retry_soon(struct veil *v)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	struct timeval		 tv = { OG_VEIL_REGISTRY_RETRY, 0 };
	int			 secs;

	secs = v->vl_cfg != NULL ? v->vl_cfg->tee_refresh_interval : 0;
	if (secs <= 0 || ts == NULL || ts->ts_retry_ev == NULL ||
	    evtimer_pending(ts->ts_retry_ev, NULL))
		return;
	if (secs < tv.tv_sec)
		tv.tv_sec = secs;
	evtimer_add(ts->ts_retry_ev, &tv);
}

/* How long ago (seconds, at least 0) the registry in memory was read. */
static long long
tee_age(const struct veil *v)
{
	int64_t	age = (int64_t)time(NULL) - v->vl_tees_fetched;

	return (age > 0 ? (long long)age : 0);
}

/* ,"quarantined":[...]: the TEEs not selected now (quarantine_json). */
static void
tee_quarantine_json(const struct veil *v, struct buf *b)
{
	const struct tee_state	*ts = v->vl_tee_waiters;

	buf_add_str(b, ",\"quarantined\":");
	if (ts != NULL)
		quarantine_json(&ts->ts_quarantine, (int64_t)time(NULL), b);
	else
		buf_add_str(b, "[]");
}

void
tee_health_json(const struct veil *v, struct buf *b)
{
	if (v->vl_tees_fetched <= 0)
		buf_add_str(b, ",\"registry_source\":null,"
		    "\"registry_age\":null");
	else
		buf_printf(b, ",\"registry_source\":\"%s\","
		    "\"registry_age\":%lld",
		    v->vl_tees_cached ? "cache" : "chain", tee_age(v));
	tee_quarantine_json(v, b);
}

/*
 * The agent's error text without "verification failed: " and "; nothing
 * was delivered": what went wrong, for the log and /health; bounded and
 * without control bytes (quarantine_reason).
 */
static void
tee_reason(const char *detail, char out[QUARANTINE_REASON_LEN + 1])
{
	static const char	 pre[] = "verification failed: ";
	static const char	 post[] = "; nothing was delivered";
	char			 tmp[512];
	size_t			 n;

	if (detail == NULL)
		detail = "verification failed";
	if (strncmp(detail, pre, sizeof(pre) - 1) == 0)
		detail += sizeof(pre) - 1;
	strlcpy(tmp, detail, sizeof(tmp));
	n = strlen(tmp);
	if (n >= sizeof(post) - 1 &&
	    strcmp(tmp + n - (sizeof(post) - 1), post) == 0)
		tmp[n - (sizeof(post) - 1)] = '\0';
	quarantine_reason(tmp, out);
}

void
tee_quarantine(struct veil *v, struct tee *t, const char *detail)
{
	struct tee_state		*ts = tee_state(v);
	const struct quarantine_entry	*e;
	const struct veil_config	*cfg = v->vl_cfg;
	int				 base;
	char				 why[QUARANTINE_REASON_LEN + 1];

	base = cfg != NULL ? cfg->quarantine : QUARANTINE_BASE_SECONDS;
	tee_reason(detail, why);
	e = quarantine_find(&ts->ts_quarantine, t->te_id);
	if (tee_pinned(v) || base == 0) {
		log_warnx("tee: %s (%s) failed verification (%s): it would "
		    "have been quarantined for %d s, but %s", t->te_id,
		    t->te_endpoint, why, quarantine_backoff(e != NULL &&
		    e->qe_until > (int64_t)time(NULL) ? e->qe_failures + 1 : 1,
		    base > 0 ? base : QUARANTINE_BASE_SECONDS),
		    base == 0 ? "--quarantine is 0" :
		    "--tee-id pins it: it stays selected");
		return;
	}
	/*
	 * Requests sent before the quarantine began may fail after it: one
	 * lie, not several in a row, so the back-off does not double.
	 */
	if (e != NULL && (int64_t)time(NULL) < e->qe_until) {
		log_warnx("tee: %s (%s), quarantined already, failed "
		    "verification again on a request sent before: %s",
		    t->te_id, t->te_endpoint, why);
		return;
	}
	if ((e = quarantine_fail(&ts->ts_quarantine, t->te_id, why,
	    (int64_t)time(NULL), base)) == NULL)
		return;
	log_warnx("tee: quarantined %s (%s) for %lld s, failure %d in a "
	    "row: %s", e->qe_id, t->te_endpoint,
	    (long long)(e->qe_until - e->qe_since), e->qe_failures,
	    e->qe_reason);
	metrics_count(METRICS_QUARANTINES, 1, NULL);
	if (v->vl_store != NULL && store_quarantine_save(v->vl_store, e) == -1)
		log_warnx("tee: cannot save the quarantine of %s in the "
		    "store: it holds until og-veil stops", e->qe_id);
	if (v->vl_tee != NULL && strcmp(v->vl_tee->te_id, t->te_id) == 0) {
		tee_unref(v->vl_tee);
		v->vl_tee = NULL;
	}
}

void
tee_verified(struct veil *v, struct tee *t)
{
	struct tee_state		*ts = v->vl_tee_waiters;
	const struct quarantine_entry	*e;

	if (ts == NULL || ts->ts_quarantine.q_n == 0 ||
	    (e = quarantine_find(&ts->ts_quarantine, t->te_id)) == NULL)
		return;
	/* An answer of a request sent before the quarantine lifts nothing. */
	if ((int64_t)time(NULL) < e->qe_until)
		return;
	log_info("tee: %s answered verified again after its quarantine: its "
	    "back-off starts from %d s again", t->te_id,
	    v->vl_cfg != NULL ? v->vl_cfg->quarantine :
	    QUARANTINE_BASE_SECONDS);
	(void)quarantine_forget(&ts->ts_quarantine, t->te_id);
	if (v->vl_store != NULL &&
	    store_quarantine_delete(v->vl_store, t->te_id) == -1)
		log_warnx("tee: cannot update the quarantine of %s in the "
		    "store", t->te_id);
}

static void
tee_fetch_cb(void *arg, const uint8_t *data, size_t len, const char *err)
{
	struct veil		*v = arg;
	struct tee_state	*ts = v->vl_tee_waiters;
	struct session		*s = &v->vl_session;
	const char		*errstr;
	int64_t			 now = (int64_t)time(NULL), when;

	ts->ts_rpc = NULL;
	if (data == NULL) {
		tee_retry_soon(v);
		if (tee_load_cache(v, &when) == 0) {
			log_warnx("tee: cannot reach the TEE registry at %s "
			    "(%s); using the registry cached %lld s ago until "
			    "the chain answers", s->rpc_url, err, tee_age(v));
			metrics_count(METRICS_REGISTRY_READS, 1, "result",
			    "cache", NULL);
			tee_answer_all(ts, 0);
			return;
		}
		snprintf(ts->ts_msg, sizeof(ts->ts_msg), "cannot reach the "
		    "TEE registry at %s and no cached registry: %s",
		    s->rpc_url, err);
		log_warnx("tee: %s", ts->ts_msg);
		metrics_count(METRICS_REGISTRY_READS, 1, "result", "failed",
		    NULL);
		tee_answer_all(ts, 503);
		return;
	}
	if (tee_install(v, data, len, now, &errstr) == -1) {
		snprintf(ts->ts_msg, sizeof(ts->ts_msg), "the TEE registry "
		    "returned a malformed answer (%s)", errstr);
		log_warnx("tee: %s", ts->ts_msg);
		tee_answer_all(ts, 503);
		return;
	}
	if (v->vl_store != NULL && store_registry_save(v->vl_store,
	    s->rpc_url, s->registry_address, s->tee_type, data, len,
	    now) == -1)
		log_warnx("tee: cannot cache the registry");
	metrics_count(METRICS_REGISTRY_READS, 1, "result", "chain", NULL);
	tee_answer_all(ts, 0);
}

static struct rpc_call *
tee_fetch(struct veil *v, rpc_cb cb, void *arg)
{
	struct session	*s = &v->vl_session;
	uint8_t		 cd[ABI_CALLDATA_LEN];

	abi_calldata_get_active_tees((uint8_t)s->tee_type, cd);
	return (rpc_eth_call(v, s->rpc_url, s->registry_address, cd,
	    sizeof(cd), cb, arg));
}

static int
tee_registry_configured(const struct veil *v)
{
	const struct session	*s = &v->vl_session;

	return (v->vl_logged_in && s->rpc_url != NULL && *s->rpc_url != '\0' &&
	    s->registry_address != NULL && *s->registry_address != '\0');
}

/* Call cb with a TEE (a new reference) or NULL, status and message. */
void
tee_select(struct veil *v, tee_cb cb, void *arg)
{
	struct tee_state	*ts = tee_state(v);
	struct tee_waiter	*tw;
	struct session		*s = &v->vl_session;

	tw = xcalloc(1, sizeof(*tw));
	tw->tw_cb = cb;
	tw->tw_arg = arg;
	TAILQ_INSERT_TAIL(&ts->ts_waiters, tw, tw_entry);

	if (!tee_registry_configured(v)) {
		strlcpy(ts->ts_msg, tee_msg_noreg, sizeof(ts->ts_msg));
		tw->tw_ready = 1;
		tw->tw_status = 503;
		event_active(ts->ts_ev, EV_TIMEOUT, 1);
		return;
	}
	if ((v->vl_tee != NULL && !v->vl_tee->te_dropped) || v->vl_ntees > 0) {
		tw->tw_ready = 1;
		event_active(ts->ts_ev, EV_TIMEOUT, 1);
		return;
	}
	if (ts->ts_rpc != NULL)
		return;		/* joins the fetch in flight */
	/* The chain first: the cache only when it cannot be reached. */
	log_debug("tee: reading the registry at %s", s->rpc_url);
	if ((ts->ts_rpc = tee_fetch(v, tee_fetch_cb, v)) == NULL) {
		snprintf(ts->ts_msg, sizeof(ts->ts_msg), "the TEE registry "
		    "URL %s is not usable: run `og-veil login` again",
		    s->rpc_url);
		tee_answer_all(ts, 503);
	}
}

/* Forget every pending selection for arg. */
void
tee_cancel(struct veil *v, void *arg)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	struct tee_waiter	*tw, *next;
	struct tee_recheck	*tr, *trnext;

	if (ts == NULL)
		return;
	for (tw = TAILQ_FIRST(&ts->ts_waiters); tw != NULL; tw = next) {
		next = TAILQ_NEXT(tw, tw_entry);
		if (tw->tw_arg == arg) {
			TAILQ_REMOVE(&ts->ts_waiters, tw, tw_entry);
			free(tw);
		}
	}
	for (tr = TAILQ_FIRST(&ts->ts_rechecks); tr != NULL; tr = trnext) {
		trnext = TAILQ_NEXT(tr, tr_entry);
		if (tr->tr_arg == arg)
			tee_recheck_free(ts, tr);
	}
}

/* The TEE failed (connect failure, timeout): never select it again. */
void
tee_drop(struct veil *v, struct tee *t)
{
	struct tee_state	*ts = tee_state(v);
	size_t			 i;
	char			 id[sizeof(t->te_id)];

	strlcpy(id, t->te_id, sizeof(id));
	t->te_dropped = 1;
	if (!tee_is_dropped(ts, id)) {
		ts->ts_dropped = xreallocarray(ts->ts_dropped,
		    ts->ts_ndropped + 1, sizeof(*ts->ts_dropped));
		ts->ts_dropped[ts->ts_ndropped++] = xstrdup(id);
		log_warnx("tee: dropped %s (%s)", id, t->te_endpoint);
	}
	if (v->vl_tee != NULL && strcmp(v->vl_tee->te_id, id) == 0) {
		v->vl_tee->te_dropped = 1;
		tee_unref(v->vl_tee);
		v->vl_tee = NULL;
	}
	for (i = 0; i < v->vl_ntees; i++) {
		if (strcmp(v->vl_tees[i]->te_id, id) != 0)
			continue;
		v->vl_tees[i]->te_dropped = 1;
		tee_unref(v->vl_tees[i]);
		memmove(&v->vl_tees[i], &v->vl_tees[i + 1],
		    (v->vl_ntees - i - 1) * sizeof(*v->vl_tees));
		memmove(&ts->ts_usable[i], &ts->ts_usable[i + 1],
		    (v->vl_ntees - i - 1) * sizeof(*ts->ts_usable));
		v->vl_ntees--;
		break;
	}
}

/* The entry of tees[n] whose signing key has this tee_id, or NULL. */
static const struct abi_tee *
tee_find(const struct abi_tee *tees, size_t n, const char *id)
{
	char	tid[VERIFY_TEE_ID_LEN + 1];
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!registry_usable(&tees[i]))
			continue;
		verify_tee_id(tees[i].public_key, tees[i].public_key_len, tid);
		if (strcmp(tid, id) == 0)
			return (&tees[i]);
	}
	return (NULL);
}

static void
tee_refresh_cb(void *arg, const uint8_t *data, size_t len, const char *err)
{
	struct veil		*v = arg;
	struct tee_state	*ts = v->vl_tee_waiters;
	struct session		*s = &v->vl_session;
	const struct abi_tee	*old, *cur;
	struct abi_tee		*tees;
	const char		*errstr, *why = NULL;
	char			 pcr[67];
	size_t			 n;

	ts->ts_refresh = NULL;
	if (data == NULL) {
		log_warnx("tee: registry refresh: %s; serving the registry "
		    "read %lld s ago%s, reading the chain again soon", err,
		    tee_age(v), v->vl_tees_cached ? " (from the cache)" : "");
		metrics_count(METRICS_REGISTRY_READS, 1, "result", "failed",
		    NULL);
		tee_retry_soon(v);
		return;
	}
	if (abi_decode_tees(data, len, &tees, &n, &errstr) == -1) {
		log_warnx("tee: registry refresh: malformed answer (%s)",
		    errstr);
		tee_retry_soon(v);
		return;
	}
	if (v->vl_tee != NULL) {
		old = tee_find(ts->ts_abi, ts->ts_nabi, v->vl_tee->te_id);
		cur = tee_find(tees, n, v->vl_tee->te_id);
		if (cur != NULL)
			registry_pcr_hex(cur, pcr);
		if (cur == NULL)
			why = "left the active set";
		else if (old != NULL && registry_rotated(old, cur)) {
			why = "rotated its keys";
			metrics_count(METRICS_KEY_ROTATIONS, 1, NULL);
		} else if (strcasecmp(pcr, v->vl_tee->te_pcr) != 0)
			/*
			 * Another measurement (PROTOCOL.md §3): selection
			 * must apply the PCR pin to it afresh.
			 */
			why = "changed its pcrHash";
		if (why != NULL) {
			log_info("tee: %s %s: selecting another",
			    v->vl_tee->te_id, why);
			tee_unref(v->vl_tee);
			v->vl_tee = NULL;
		}
	}
	abi_tees_free(tees, n);
	if (tee_install(v, data, len, (int64_t)time(NULL), &errstr) == -1)
		return;
	if (v->vl_store != NULL && store_registry_save(v->vl_store,
	    s->rpc_url, s->registry_address, s->tee_type, data, len,
	    v->vl_tees_fetched) == -1)
		log_warnx("tee: cannot cache the registry");
}

static void
tee_recheck_free(struct tee_state *ts, struct tee_recheck *tr)
{
	TAILQ_REMOVE(&ts->ts_rechecks, tr, tr_entry);
	rpc_cancel(tr->tr_rpc);
	tee_unref(tr->tr_tee);
	free(tr);
}

/* 1 when two TEEs with the same id differ in their OHTTP key. */
static int
tee_keys_differ(const struct tee *a, const struct tee *b)
{
	return (a->te_kc.key_id != b->te_kc.key_id ||
	    a->te_kc.kem_id != b->te_kc.kem_id ||
	    a->te_kc.kdf_id != b->te_kc.kdf_id ||
	    a->te_kc.aead_id != b->te_kc.aead_id ||
	    memcmp(a->te_kc.pk, b->te_kc.pk, sizeof(a->te_kc.pk)) != 0);
}

static void
tee_recheck_cb(void *arg, const uint8_t *data, size_t len, const char *err)
{
	struct tee_recheck	*tr = arg;
	struct veil		*v = tr->tr_veil;
	struct tee_state	*ts = v->vl_tee_waiters;
	struct session		*s = &v->vl_session;
	const struct abi_tee	*cur;
	struct abi_tee		*tees;
	struct tee		*now = NULL, *t;
	const char		*errstr, *why = NULL;
	tee_cb			 cb = tr->tr_cb;
	void			*cbarg = tr->tr_arg;
	size_t			 n;
	char			 ebuf[512];

	tr->tr_rpc = NULL;
	if (data == NULL) {
		log_warnx("tee: registry re-read: %s", err);
		goto unchanged;
	}
	if (abi_decode_tees(data, len, &tees, &n, &errstr) == -1) {
		log_warnx("tee: registry re-read: malformed answer (%s)",
		    errstr);
		goto unchanged;
	}
	if ((cur = tee_find(tees, n, tr->tr_tee->te_id)) == NULL)
		why = "left the active set";
	else if ((now = tee_new(cur)) == NULL ||
	    tee_keys_differ(tr->tr_tee, now))
		why = "rotated its keys";
	tee_unref(now);
	abi_tees_free(tees, n);
	if (why == NULL)
		goto unchanged;
	log_info("tee: %s %s: selecting another", tr->tr_tee->te_id, why);
	if (v->vl_tee != NULL && strcmp(v->vl_tee->te_id,
	    tr->tr_tee->te_id) == 0) {
		tee_unref(v->vl_tee);
		v->vl_tee = NULL;
	}
	if (tee_install(v, data, len, (int64_t)time(NULL), &errstr) == -1)
		goto unchanged;		/* cannot happen: decoded above */
	if (v->vl_store != NULL && store_registry_save(v->vl_store,
	    s->rpc_url, s->registry_address, s->tee_type, data, len,
	    v->vl_tees_fetched) == -1)
		log_warnx("tee: cannot cache the registry");
	tee_recheck_free(ts, tr);
	if ((t = tee_pick(v, ebuf, sizeof(ebuf))) == NULL)
		cb(cbarg, NULL, 503, ebuf);
	else
		cb(cbarg, t, 0, NULL);
	return;
unchanged:
	tee_recheck_free(ts, tr);
	cb(cbarg, NULL, 0, NULL);
}

/*
 * The relay refused a request for t in a way a key rotation explains:
 * re-read the registry now.  cb gets a newly selected TEE (a reference)
 * when t left the active set or changed its OHTTP key (the registry is
 * then installed and t is no longer the current selection); NULL and 0
 * when nothing changed or the registry cannot be read; NULL and 503 when
 * it changed and no usable TEE is left.  From the loop, once, unless
 * tee_cancel(arg) comes first.  -1 (no callback) when there is no
 * registry to ask.
 */
int
tee_recheck(struct veil *v, struct tee *t, tee_cb cb, void *arg)
{
	struct tee_state	*ts = tee_state(v);
	struct tee_recheck	*tr;

	if (!tee_registry_configured(v))
		return (-1);
	tr = xcalloc(1, sizeof(*tr));
	tr->tr_veil = v;
	tr->tr_tee = tee_ref(t);
	tr->tr_cb = cb;
	tr->tr_arg = arg;
	TAILQ_INSERT_TAIL(&ts->ts_rechecks, tr, tr_entry);
	if ((tr->tr_rpc = tee_fetch(v, tee_recheck_cb, tr)) == NULL) {
		tee_recheck_free(ts, tr);
		return (-1);
	}
	return (0);
}

static void
tee_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct veil		*v = arg;
	struct tee_state	*ts = tee_state(v);

	(void)fd;
	(void)what;
	if (ts->ts_refresh != NULL || !tee_registry_configured(v))
		return;
	ts->ts_refresh = tee_fetch(v, tee_refresh_cb, v);
}

/* Start the registry refresh timer (cfg tee_refresh_interval, 0 = off). */
void
tee_refresh_start(struct veil *v)
{
	struct timeval	tv;
	int		secs;

	secs = v->vl_cfg != NULL ? v->vl_cfg->tee_refresh_interval : 0;
	if (secs <= 0 || v->vl_refresh_ev != NULL)
		return;
	(void)tee_state(v);
	v->vl_refresh_ev = event_new(v->vl_base, -1, EV_PERSIST, tee_timer_cb,
	    v);
	if (v->vl_refresh_ev == NULL)
		fatalx("tee: cannot create the refresh timer");
	tv.tv_sec = secs;
	tv.tv_usec = 0;
	event_add(v->vl_refresh_ev, &tv);
}

/* Free every TEE, the caches, the timer and pending selections. */
void
tee_clear_all(struct veil *v)
{
	struct tee_state	*ts = v->vl_tee_waiters;
	struct tee_waiter	*tw;
	size_t			 i;

	if (v->vl_refresh_ev != NULL) {
		event_free(v->vl_refresh_ev);
		v->vl_refresh_ev = NULL;
	}
	tee_unref(v->vl_tee);
	v->vl_tee = NULL;
	tee_list_clear(v);
	if (ts == NULL)
		return;
	rpc_cancel(ts->ts_rpc);
	rpc_cancel(ts->ts_refresh);
	while ((tw = TAILQ_FIRST(&ts->ts_waiters)) != NULL) {
		TAILQ_REMOVE(&ts->ts_waiters, tw, tw_entry);
		free(tw);
	}
	while (!TAILQ_EMPTY(&ts->ts_rechecks))
		tee_recheck_free(ts, TAILQ_FIRST(&ts->ts_rechecks));
	abi_tees_free(ts->ts_abi, ts->ts_nabi);
	for (i = 0; i < ts->ts_ndropped; i++)
		free(ts->ts_dropped[i]);
	free(ts->ts_dropped);
	quarantine_clear(&ts->ts_quarantine);
	event_free(ts->ts_ev);
	event_free(ts->ts_retry_ev);
	free(ts);
	v->vl_tee_waiters = NULL;
}

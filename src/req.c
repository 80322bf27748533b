/*
 * req.c: one agent request from body to verified answer (PROTOCOL.md §4 to
 * §10): parse and validate, build wire and canonical (§7), select a TEE
 * (§3), encapsulate (§4), call the relay (§5), collect and open the answer
 * (§6), verify it (§8, §9) and deliver it with its proof (§10).  One
 * retry at most, and only before anything reached the agent: failover to
 * another TEE when the chosen one is unreachable, or the same request
 * under the new key when the relay refused it because the TEE rotated
 * its keys (§10).  req_free()
 * is the only exit; the memory goes in a deferred callback so that no
 * callback still running can touch freed state.
 */
#include "compat.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bytes.h"
#include "digest.h"
#include "json.h"
#include "ohttp.h"
#include "pyjson.h"
#include "verify.h"
#include "xmalloc.h"
#include "og-veil.h"

static const char *const req_state_names[] = {
	[REQ_NEW] = "new",
	[REQ_SELECT] = "select",
	[REQ_RELAY] = "relay",
	[REQ_COLLECT] = "collect",
	[REQ_VERIFY] = "verify",
	[REQ_DELIVER] = "deliver"
};

static void	req_tee_cb(void *, struct tee *, int, const char *);
static void	req_recheck_cb(void *, struct tee *, int, const char *);
static void	req_send(struct req *);
static void	req_relay_start_cb(void *, int);
static int	req_relay_data_cb(void *, const uint8_t *, size_t);
static void	req_relay_done_cb(void *, int, int, const char *, const char *);
static void	req_relay_done(void *, int, int, const char *, const char *);
static int	req_relay_data(void *, const uint8_t *, size_t);
static struct req *req_start_parse(struct veil *, struct evhttp_request *,
		    const struct dialect *);
static void	req_timeout_cb(evutil_socket_t, short, void *);
static int	req_deadline(const struct veil *);
static void	req_watch_cb(evutil_socket_t, short, void *);
static void	req_teardown_cb(evutil_socket_t, short, void *);
static void	req_collect_done(struct req *);
static void	req_drain_cb(struct evhttp_connection *, void *);

static const struct relay_cb req_relay_cbs = {
	.rc_start = req_relay_start_cb,
	.rc_data = req_relay_data_cb,
	.rc_done = req_relay_done_cb
};

/* Log each state change at debug level. */
void
req_enter_state(struct req *rq, enum req_state st)
{
	log_debug("req %016" PRIx64 ": %s -> %s", rq->rq_id,
	    req_state_names[rq->rq_state], req_state_names[st]);
	rq->rq_state = st;
}

/* prefix and 24 random hex digits (bytes_random_hex()): a new string. */
char *
req_random_id(const char *prefix)
{
	size_t		 n = strlen(prefix);
	char		*s;

	s = xmalloc(n + BYTES_RANDOM_LEN + 1);
	memcpy(s, prefix, n);
	if (bytes_random_hex(s + n) == -1)
		fatalx("RAND_bytes");
	return (s);
}

/* "chatcmpl-" and 24 random hex digits: a new string. */
char *
req_completion_id(void)
{
	return (req_random_id("chatcmpl-"));
}

/* A renderer's state for a request in dialect dl of model (copied). */
void
render_init(struct render *rd, const struct dialect *dl,
    const struct json_value *agent, const char *model)
{
	memset(rd, 0, sizeof(*rd));
	rd->rd_dialect = dl;
	rd->rd_id = req_random_id(dl->dl_id_prefix);
	rd->rd_model = xstrdup(model != NULL ? model : "");
	rd->rd_created = (long long)time(NULL);
	rd->rd_body = agent;
}

/* dl_stream_next from the start again. */
void
render_rewind(struct render *rd)
{
	rd->rd_part = 0;
	rd->rd_frame = rd->rd_text = rd->rd_calls = 0;
}

int
render_stream_answer(struct render *rd, const struct answer *an,
    struct buf *b, struct answer_error *ae)
{
	render_rewind(rd);
	return (rd->rd_dialect->dl_stream_next(rd, an, b, ae, SIZE_MAX));
}

void
render_clear(struct render *rd)
{
	free(rd->rd_id);
	free(rd->rd_model);
	json_free(rd->rd_proof);
	memset(rd, 0, sizeof(*rd));
}

/*
 * evhttp does not read the agent's socket while we work on its request, so
 * it would notice a disconnect only when the answer is written.  Watch the
 * socket ourselves: EOF means the agent left, and the upstream call stops.
 */
static void
req_watch_start(struct req *rq)
{
	struct evhttp_connection *evcon;
	struct bufferevent	*bev;
	int			 fd;

	if ((evcon = evhttp_request_get_connection(rq->rq_in)) == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0)
		return;
	rq->rq_watch = event_new(rq->rq_veil->vl_base, fd, EV_READ,
	    req_watch_cb, rq);
	if (rq->rq_watch == NULL)
		fatalx("event_new");
	event_add(rq->rq_watch, NULL);
}

static void
req_watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct req	*rq = arg;
	ssize_t		 n;
	char		 c;

	(void)what;
	if (rq->rq_flags & RQ_DONE)
		return;
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return;		/* a pipelined request: evhttp's business */
	if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
		event_add(rq->rq_watch, NULL);
		return;
	}
	log_info("req %016" PRIx64 ": agent went away", rq->rq_id);
	/* The reply goes nowhere, but lets evhttp close the connection. */
	req_fail(rq, ERROR_CLIENT_CLOSED, NULL);
}

/*
 * CLOCK_MONOTONIC, ns: read in the vDSO, no system call (a thread CPU
 * clock is one, several times a request).  On the one loop thread the
 * time between two readings around a callback is the loop time it took.
 */
static uint64_t
req_loop_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec);
}

/* Seconds a request may live (--deadline), agent to last byte. */
static int
req_deadline(const struct veil *vl)
{
	if (vl->vl_cfg == NULL || vl->vl_cfg->deadline <= 0)
		return (REQ_DEADLINE_SECONDS);
	return (vl->vl_cfg->deadline);
}

/*
 * Take over an agent's POST in dialect dl; the loop time the request's
 * own callbacks take (parse, seal, open, verify, render) is summed in
 * rq_loop_ns for the og_veil_request_loop_seconds histogram.
 */
void
req_start(struct veil *vl, struct evhttp_request *er,
    const struct dialect *dl)
{
	uint64_t	 c0 = req_loop_ns();
	struct req	*rq;

	rq = req_start_parse(vl, er, dl);
	rq->rq_loop_ns += req_loop_ns() - c0;
}

/* req_start(): the request (gone already when it failed; freed later). */
static struct req *
req_start_parse(struct veil *vl, struct evhttp_request *er,
    const struct dialect *dl)
{
	struct req		*rq;
	struct evbuffer		*in;
	struct validate_error	 ve;
	struct json_value	*so, *iu, *parsed;
	struct timeval		 tv = { req_deadline(vl), 0 };
	const char		*errstr;
	const uint8_t		*body;
	size_t			 len;
	char			*msg, emsg[512], eparam[128];
	int			 stream = 0, status;

	rq = xcalloc(1, sizeof(*rq));
	rq->rq_id = ++vl->vl_next_id;
	clock_gettime(CLOCK_MONOTONIC, &rq->rq_started);
	rq->rq_veil = vl;
	rq->rq_in = er;
	rq->rq_dialect = dl;
	rq->rq_state = REQ_NEW;
	render_init(&rq->rq_render, dl, NULL, NULL);
	buf_init(&rq->rq_resp);
	buf_init(&rq->rq_sealed);
	TAILQ_INSERT_TAIL(&vl->vl_reqs, rq, rq_entry);
	vl->vl_nreqs++;
	server_conn_set_req(er, rq);
	rq->rq_timeout = evtimer_new(vl->vl_base, req_timeout_cb, rq);
	if (rq->rq_timeout == NULL)
		fatalx("evtimer_new");
	evtimer_add(rq->rq_timeout, &tv);
	req_watch_start(rq);
	log_debug("req %016" PRIx64 ": new (%s)", rq->rq_id, dl->dl_name);

	in = evhttp_request_get_input_buffer(er);
	len = evbuffer_get_length(in);
	if (len == 0) {
		req_fail(rq, ERROR_EMPTY_BODY, dl == &dialect_chat ?
		    "empty body: send a JSON chat completion request" : NULL);
		return (rq);
	}
	if (len > vl->vl_cfg->max_body) {
		req_fail(rq, ERROR_BODY_TOO_LARGE, NULL);
		return (rq);
	}
	body = evbuffer_pullup(in, -1);
	parsed = budget_json_parse(vl, body, len, REQ_MAX_JSON_DEPTH,
	    &rq->rq_held, &status, &msg);
	/* Parsed: its read buffer (4 KiB or more) is not held with a stream. */
	evbuffer_drain(in, len);
	if (parsed == NULL) {
		req_fail(rq, status == 400 ? ERROR_INVALID_JSON :
		    status == 413 ? ERROR_BODY_TOO_LARGE : ERROR_OVERLOADED,
		    msg);
		free(msg);
		return (rq);
	}
	if (dl->dl_translate == NULL) {
		rq->rq_body = parsed;
		stream = json_is(json_get(parsed, "stream"), JSON_TRUE);
	} else {
		rq->rq_agent = parsed;
		eparam[0] = '\0';
		if (dl->dl_translate(parsed, &rq->rq_body, &stream, emsg,
		    sizeof(emsg), eparam, sizeof(eparam)) == -1) {
			req_fail_status(rq, ERROR_INVALID_REQUEST, 0, eparam,
			    emsg);
			return (rq);
		}
	}
	if (validate_chat_request(rq->rq_body, &ve) == -1) {
		req_fail_status(rq, ERROR_INVALID_REQUEST, 0, ve.param,
		    ve.message);
		return (rq);
	}
	/* The model the enclave runs: aliases, "provider/model" (model.c). */
	model_apply(vl->vl_cfg, rq->rq_body);
	render_clear(&rq->rq_render);
	render_init(&rq->rq_render, dl, rq->rq_agent,
	    json_get_str(rq->rq_body, "model"));
	if (stream)
		rq->rq_flags |= RQ_STREAM;
	so = json_get(rq->rq_body, "stream_options");
	iu = so != NULL ? json_get(so, "include_usage") : NULL;
	if (iu != NULL && json_is(iu, JSON_TRUE))
		rq->rq_render.rd_flags |= RENDER_INCLUDE_USAGE;
	redact_request(rq);
	if (digest_build_request(rq->rq_body, (rq->rq_flags & RQ_STREAM) != 0,
	    &rq->rq_digest, &errstr) == -1) {
		req_fail(rq, ERROR_INVALID_REQUEST, errstr);
		return (rq);
	}
	digest_request_trim(&rq->rq_digest);
	commit_arm(rq);
	req_enter_state(rq, REQ_SELECT);
	tee_select(vl, req_tee_cb, rq);
	return (rq);
}

static void
req_tee_cb(void *arg, struct tee *te, int status, const char *msg)
{
	struct req	*rq = arg;
	long long	 wait;
	char		 ra[24];

	if (rq->rq_flags & RQ_DONE) {
		if (te != NULL)
			tee_unref(te);
		return;
	}
	if (te == NULL) {
		/* Every TEE quarantined: when to come back. */
		if ((wait = tee_retry_after(rq->rq_veil)) > 0 &&
		    !(rq->rq_flags & RQ_CLIENT_GONE)) {
			snprintf(ra, sizeof(ra), "%lld", wait);
			evhttp_add_header(evhttp_request_get_output_headers(
			    rq->rq_in), "Retry-After", ra);
		}
		req_fail_status(rq, ERROR_NO_TEE, status >= 400 ? status : 503,
		    NULL, msg);
		return;
	}
	if (rq->rq_tee != NULL)
		tee_unref(rq->rq_tee);
	rq->rq_tee = te;
	req_send(rq);
}

/* Encapsulate the wire request for the selected TEE and call the relay. */
static void
req_send(struct req *rq)
{
	struct veil		*vl = rq->rq_veil;
	struct relay_call	*rc;
	const char		*errstr;
	char			*msg;

	if (rq->rq_have_ohttp)
		ohttp_ctx_clear(&rq->rq_ohttp);
	buf_clear(&rq->rq_sealed, 0);
	buf_clear(&rq->rq_resp, 0);
	stream_free(rq->rq_stream);
	rq->rq_stream = NULL;
	if (ohttp_encap_request(&rq->rq_ohttp, &rq->rq_tee->te_kc,
	    (const uint8_t *)rq->rq_digest.wire_json, rq->rq_digest.wire_len,
	    &rq->rq_sealed, &errstr) == -1) {
		xasprintf(&msg, "cannot encrypt for TEE %s: %s",
		    rq->rq_tee->te_id, errstr);
		req_fail(rq, ERROR_ENCAPSULATION, msg);
		free(msg);
		return;
	}
	rq->rq_have_ohttp = 1;
	/* PROTOCOL.md §5: the gateway would refuse it; tell the agent now. */
	if (rq->rq_sealed.len > REQ_MAX_SEALED) {
		xasprintf(&msg, "prompt is too long: the request seals to %zu "
		    "bytes, over the network's limit of %u bytes (512 KiB); "
		    "shorten or compact the conversation", rq->rq_sealed.len,
		    REQ_MAX_SEALED);
		req_fail(rq, ERROR_CONTEXT_LENGTH, msg);
		free(msg);
		return;
	}
	if (rq->rq_flags & RQ_STREAM)
		rq->rq_stream = stream_new(&rq->rq_ohttp,
		    json_get_str(rq->rq_body, "model"),
		    vl->vl_cfg->max_response, &vl->vl_unverified);
	req_enter_state(rq, REQ_RELAY);
	log_debug("req %016" PRIx64 ": to TEE %s%s", rq->rq_id,
	    rq->rq_tee->te_id, (rq->rq_flags & RQ_STREAM) ? " (stream)" : "");
	rq->rq_relay_done = 0;
	rc = relay_post(vl, rq->rq_tee, (rq->rq_flags & RQ_STREAM) != 0,
	    rq->rq_sealed.data, rq->rq_sealed.len, &req_relay_cbs, rq);
	if (rq->rq_relay_done)
		return;		/* rc_done already came */
	if (rc == NULL) {
		req_fail_status(rq, ERROR_RELAY, 502, NULL,
		    "cannot start the relay call");
		return;
	}
	rq->rq_relay = rc;
}

static void
req_relay_start_cb(void *arg, int status)
{
	struct req	*rq = arg;

	(void)status;
	if (rq->rq_flags & RQ_DONE)
		return;
	req_enter_state(rq, REQ_COLLECT);
}

static int
req_relay_data_cb(void *arg, const uint8_t *p, size_t len)
{
	struct req	*rq = arg;
	uint64_t	 c0 = req_loop_ns();
	int		 rv;

	rv = req_relay_data(rq, p, len);
	rq->rq_loop_ns += req_loop_ns() - c0;
	return (rv);
}

static int
req_relay_data(void *arg, const uint8_t *p, size_t len)
{
	struct req		*rq = arg;
	struct answer_error	 ae;

	/* Never -1: a failed request is cancelled from req_teardown_cb(). */
	if (rq->rq_flags & RQ_DONE)
		return (0);
	if (rq->rq_state != REQ_COLLECT)
		req_enter_state(rq, REQ_COLLECT);
	rq->rq_resp_bytes += len;
	if (rq->rq_stream != NULL) {
		if (stream_feed(rq->rq_stream, p, len, &ae) == -1)
			req_fail(rq, ae.code, ae.message);
		else if (rq->rq_veil->vl_unverified >
		    rq->rq_veil->vl_cfg->max_unverified)
			req_fail(rq, ERROR_OVERLOADED, "og-veil is overloaded: "
			    "streams in flight hold its memory budget "
			    "(OG_VEIL_MAX_UNVERIFIED); retry shortly");
		if (rq->rq_flags & RQ_DONE) {
			/*
			 * Failed: what it held stops counting now, not at the
			 * teardown, or the streams fed in this same loop pass
			 * are refused for it too.
			 */
			stream_free(rq->rq_stream);
			rq->rq_stream = NULL;
			budget_release(rq->rq_veil, &rq->rq_held);
		}
		return (0);
	}
	if (len > rq->rq_veil->vl_cfg->max_response - rq->rq_resp.len) {
		req_fail(rq, ERROR_RESPONSE_TOO_LARGE, NULL);
		return (0);
	}
	if (budget_charge(rq->rq_veil, &rq->rq_held, len) == -1) {
		req_fail(rq, ERROR_OVERLOADED, "og-veil is overloaded: "
		    "answers in flight hold its memory budget "
		    "(OG_VEIL_MAX_UNVERIFIED); retry shortly");
		return (0);
	}
	buf_add(&rq->rq_resp, p, len);
	return (0);
}

/* A relay's own error status, passed on with its message. */
static void
req_relay_error(struct req *rq, int status, const char *msg)
{
	char	*m;

	if (status == 413) {
		/* §5: the gateway's limit on the sealed request. */
		xasprintf(&m, "prompt is too long: the network refused the "
		    "request as too large (%u bytes at most sealed): %s",
		    REQ_MAX_SEALED, msg != NULL ? msg : "413");
		req_fail(rq, ERROR_CONTEXT_LENGTH, m);
		free(m);
		return;
	}
	xasprintf(&m, "relay error %d: %s", status,
	    msg != NULL ? msg : "no message");
	req_fail_status(rq, ERROR_RELAY, status >= 400 && status <= 599 ?
	    status : 502, NULL, m);
	free(m);
}

/* The registry re-read after a refusal (tee_recheck): retry or fail. */
static void
req_recheck_cb(void *arg, struct tee *te, int status, const char *msg)
{
	struct req	*rq = arg;

	if (rq->rq_flags & RQ_DONE) {
		if (te != NULL)
			tee_unref(te);
		return;
	}
	if (te == NULL && status != 0) {
		req_fail_status(rq, ERROR_NO_TEE, status, NULL, msg);
		return;
	}
	if (te == NULL) {
		/* The TEE did not change: the refusal stands. */
		req_relay_error(rq, rq->rq_refused, rq->rq_refused_msg);
		return;
	}
	log_warnx("req %016" PRIx64 ": TEE %s rotated its keys; retrying "
	    "once with TEE %s", rq->rq_id, rq->rq_tee->te_id, te->te_id);
	tee_unref(rq->rq_tee);
	rq->rq_tee = te;
	req_send(rq);
}

static void
req_relay_done_cb(void *arg, int result, int status, const char *msg,
    const char *retry_after)
{
	struct req	*rq = arg;
	uint64_t	 c0 = req_loop_ns();

	req_relay_done(rq, result, status, msg, retry_after);
	rq->rq_loop_ns += req_loop_ns() - c0;
}

static void
req_relay_done(void *arg, int result, int status, const char *msg,
    const char *retry_after)
{
	struct req	*rq = arg;
	struct evkeyvalq *oh;
	char		*m;
	int		 st;

	rq->rq_relay_done = 1;
	rq->rq_relay = NULL;
	if (rq->rq_flags & RQ_DONE)
		return;
	if (result == RELAY_OK) {
		req_collect_done(rq);
		return;
	}
	if (relay_may_fail_over(result, status) &&
	    !(rq->rq_flags & (RQ_RETRIED | RQ_DELIVERING))) {
		log_warnx("req %016" PRIx64 ": TEE %s unreachable (%s); "
		    "failing over", rq->rq_id, rq->rq_tee->te_id,
		    msg != NULL ? msg : "connect failed");
		rq->rq_flags |= RQ_RETRIED;
		metrics_count(METRICS_FAILOVERS, 1, "reason", "unreachable",
		    NULL);
		tee_drop(rq->rq_veil, rq->rq_tee);
		tee_unref(rq->rq_tee);
		rq->rq_tee = NULL;
		stream_free(rq->rq_stream);
		rq->rq_stream = NULL;
		buf_clear(&rq->rq_resp, 0);
		req_enter_state(rq, REQ_SELECT);
		tee_select(rq->rq_veil, req_tee_cb, rq);
		return;
	}
	/*
	 * PROTOCOL.md §10 drops a TEE that changed its OHTTP key, key id or
	 * signing key, but the refresh timer may not have run yet.  Until it
	 * does, the relay refuses our requests for that TEE: 404 (its tee_id,
	 * a hash of the old signing key, is gone) or 400 (the gateway does
	 * not know the key id or cannot decapsulate).  Nothing reached the
	 * agent, so re-read the registry now and, if the TEE left it or
	 * rotated, retry once under a new selection; else pass it on.
	 */
	if (result == RELAY_E_HTTP && (status == 400 || status == 404) &&
	    !(rq->rq_flags & (RQ_RETRIED | RQ_DELIVERING)) &&
	    tee_recheck(rq->rq_veil, rq->rq_tee, req_recheck_cb, rq) == 0) {
		rq->rq_flags |= RQ_RETRIED;
		metrics_count(METRICS_FAILOVERS, 1, "reason", "recheck", NULL);
		rq->rq_refused = status;
		free(rq->rq_refused_msg);
		rq->rq_refused_msg = msg != NULL ? xstrdup(msg) : NULL;
		req_enter_state(rq, REQ_SELECT);
		return;
	}
	switch (result) {
	case RELAY_E_AUTH:
		req_fail(rq, ERROR_NOT_LOGGED_IN, msg);
		return;
	case RELAY_E_HTTP:
		if ((status == 429 || status == 503) && retry_after != NULL &&
		    !(rq->rq_flags & RQ_CLIENT_GONE)) {
			oh = evhttp_request_get_output_headers(rq->rq_in);
			evhttp_add_header(oh, "Retry-After", retry_after);
		}
		if (status == 401 || status == 403) {
			req_fail(rq, ERROR_NOT_LOGGED_IN, NULL);
			return;
		}
		req_relay_error(rq, status, msg);
		return;
	case RELAY_E_CONNECT:
		xasprintf(&m, "the relay or TEE is unreachable: %s",
		    msg != NULL ? msg : "connect failed");
		st = msg != NULL && (strcasestr(msg, "timeout") != NULL ||
		    strcasestr(msg, "timed out") != NULL) ? 504 : 502;
		req_fail_status(rq, ERROR_UPSTREAM_UNREACHABLE, st, NULL, m);
		free(m);
		return;
	default:
		xasprintf(&m, "the relay connection broke: %s",
		    msg != NULL ? msg : "I/O error");
		st = msg != NULL && (strcasestr(msg, "timeout") != NULL ||
		    strcasestr(msg, "timed out") != NULL) ? 504 : 502;
		req_fail_status(rq, ERROR_UPSTREAM, st, NULL, m);
		free(m);
		return;
	}
}

/* The display host of a TEE endpoint URL (new string). */
static char *
req_tee_host(const struct tee *te)
{
	struct evhttp_uri	*u;
	const char		*h;
	char			*s;

	if (te->te_endpoint == NULL)
		return (xstrdup(""));
	if ((u = evhttp_uri_parse(te->te_endpoint)) == NULL)
		return (xstrdup(te->te_endpoint));
	h = evhttp_uri_get_host(u);
	s = xstrdup(h != NULL ? h : te->te_endpoint);
	evhttp_uri_free(u);
	return (s);
}

/* The §10 verification block for a proof: a new object. */
struct json_value *
req_proof_json(const struct req *rq, const struct verify_proof *pf)
{
	struct json_value	*o;
	const char		*p;
	char			*host;
	int			 digits = pf->timestamp[0] != '\0';

	for (p = pf->timestamp; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			digits = 0;
	o = json_new_object();
	json_object_set(o, "verified", json_new_bool(1));
	json_object_set(o, "tee_id", json_new_string(pf->tee_id));
	json_object_set(o, "request_hash", json_new_string(pf->request_hash));
	json_object_set(o, "output_hash", json_new_string(pf->output_hash));
	json_object_set(o, "timestamp", digits && strlen(pf->timestamp) < 19 ?
	    json_new_number(JSON_INT, pf->timestamp) :
	    json_new_string(pf->timestamp));
	host = req_tee_host(rq->rq_tee);
	json_object_set(o, "tee_host", json_new_string(host));
	free(host);
	if (rq->rq_receipt[0] != '\0')
		json_object_set(o, "receipt_id",
		    json_new_string(rq->rq_receipt));
	return (o);
}

/* End of the answer: verify it (answer.c, stream.c), then deliver it. */
static void
req_collect_done(struct req *rq)
{
	struct answer		 an;
	struct answer_error	 ae;
	struct answer_check	 ck;
	int			 r;

	req_enter_state(rq, REQ_VERIFY);
	memset(&ck, 0, sizeof(ck));
	ck.vkey = rq->rq_tee->te_vkey;
	ck.tee_id = rq->rq_tee->te_id;
	ck.request_hash = rq->rq_digest.request_hash;
	ck.model = json_get_str(rq->rq_body, "model");
	ck.max_mem = budget_parse_cap(rq->rq_veil->vl_cfg);
	if (rq->rq_stream != NULL)
		r = stream_finish(rq->rq_stream, &ck, &an, &ae);
	else {
		r = answer_open(&rq->rq_ohttp, rq->rq_resp.data,
		    rq->rq_resp.len, &ck, &an, &ae);
		buf_clear(&rq->rq_resp, 0);
	}
	if (r == -1) {
		if (ae.code == ERROR_VERIFICATION)
			log_warnx("req %016" PRIx64 ": %s", rq->rq_id,
			    ae.message);
		req_fail(rq, ae.code, ae.message);
		return;
	}
	req_deliver(rq, &an);
}

/*
 * Write b to a committed stream (nothing when the agent left); with
 * drain, req_drain_cb() runs once the connection has written it all.
 */
static void
req_send_chunk_cb(struct req *rq, struct buf *b, int drain)
{
	struct evbuffer	*eb;

	if ((b->len > 0 || drain) && !(rq->rq_flags & RQ_CLIENT_GONE)) {
		if ((eb = evbuffer_new()) == NULL)
			fatalx("evbuffer_new");
		/*
		 * A copy, not evbuffer_add_reference(): evhttp appends the
		 * chunk's CRLF after it, and libevent sizes that chain at
		 * twice the referenced one.
		 */
		evbuffer_add(eb, b->data, b->len);
		if (drain)
			evhttp_send_reply_chunk_with_cb(rq->rq_in, eb,
			    req_drain_cb, rq);
		else
			evhttp_send_reply_chunk(rq->rq_in, eb);
		evbuffer_free(eb);
	}
	buf_clear(b, 1);
}

static void
req_send_chunk(struct req *rq, struct buf *b)
{
	req_send_chunk_cb(rq, b, 0);
}

/* Free the answer a stream is written from, if any. */
static void
req_answer_drop(struct req *rq)
{
	if (rq->rq_answer == NULL)
		return;
	answer_clear(rq->rq_answer);
	free(rq->rq_answer);
	rq->rq_answer = NULL;
}

/* A verified stream's last piece b, the end of the reply; then free. */
static void
req_stream_end(struct req *rq, struct buf *b)
{
	req_send_chunk(rq, b);
	req_answer_drop(rq);
	evhttp_send_reply_end(rq->rq_in);
	req_free(rq, "stream delivered");
}

/* The dialect's in-band error event on a committed stream. */
static void
req_stream_error(struct req *rq, const struct error_def *ed, int status,
    const char *detail)
{
	struct buf	b;

	buf_init(&b);
	rq->rq_dialect->dl_stream_error(&rq->rq_render, ed, status, detail,
	    &b);
	req_send_chunk(rq, &b);
}

/*
 * The agent's connection wrote the last piece of a verified stream: the
 * next one (RENDER_PIECE bytes or so), so that a long replay is never
 * rendered or queued whole; after the last, the end of the reply.
 */
static void
req_drain_cb(struct evhttp_connection *evcon, void *arg)
{
	struct req		*rq = arg;
	struct answer_error	 ae;
	struct buf		 b;
	uint64_t		 c0;
	int			 r;

	(void)evcon;
	if (rq->rq_answer == NULL || (rq->rq_flags & RQ_DONE))
		return;
	c0 = req_loop_ns();
	buf_init(&b);
	r = rq->rq_dialect->dl_stream_next(&rq->rq_render, rq->rq_answer, &b,
	    &ae, RENDER_PIECE);
	if (r == 1)
		req_send_chunk_cb(rq, &b, 1);
	else	/* 0, or -1 (never after the first piece): the end */
		req_stream_end(rq, &b);
	/* Freed by req_stream_end() only after this callback. */
	rq->rq_loop_ns += req_loop_ns() - c0;
}

/*
 * A stream's 200 and headers, and the dialect's opening events: no
 * content, so not RQ_DELIVERING (failover stays possible).  Neither
 * X-OpenGradient-Verified nor X-OpenGradient-TEE-Id: the verdict is not
 * known yet, and a failover may change the TEE; the last chunk carries
 * both (PROTOCOL.md §10).
 */
void
req_commit(struct req *rq)
{
	struct evkeyvalq	*oh;
	struct buf		 b;

	if (rq->rq_flags & (RQ_COMMITTED | RQ_REPLIED | RQ_DONE))
		return;
	rq->rq_flags |= RQ_COMMITTED;
	if (rq->rq_flags & RQ_CLIENT_GONE)
		return;
	oh = evhttp_request_get_output_headers(rq->rq_in);
	evhttp_add_header(oh, "Content-Type", "text/event-stream");
	evhttp_add_header(oh, "Cache-Control", "no-cache");
	redact_header(rq, oh);
	server_conn_stream_prepare(rq->rq_in);
	evhttp_send_reply_start(rq->rq_in, 200, "OK");
	outcome_first_byte(rq);
	buf_init(&b);
	rq->rq_dialect->dl_stream_begin(&rq->rq_render, &b);
	rq->rq_render.rd_flags |= RENDER_BEGUN;
	req_send_chunk(rq, &b);
}

/* One content-free event on a committed stream. */
void
req_keepalive(struct req *rq)
{
	struct buf	b;

	if (!(rq->rq_flags & RQ_COMMITTED) ||
	    (rq->rq_flags & (RQ_REPLIED | RQ_DONE)))
		return;
	buf_init(&b);
	rq->rq_dialect->dl_stream_keepalive(&rq->rq_render, &b);
	req_send_chunk(rq, &b);
}

/*
 * The one delivery path: a verified answer rendered in the request's
 * dialect, with the proof headers and the §10 verification block.
 */
void
req_deliver(struct req *rq, struct answer *an)
{
	const struct dialect	*dl = rq->rq_dialect;
	struct answer_error	 ae;
	struct evkeyvalq	*oh;
	struct buf		 b;
	int			 r;

	req_enter_state(rq, REQ_DELIVER);
	outcome_receipt_id(rq);
	json_free(rq->rq_render.rd_proof);
	rq->rq_render.rd_proof = req_proof_json(rq, &an->an_proof);
	buf_init(&b);
	/* A stream: its first piece; req_drain_cb() renders the rest. */
	render_rewind(&rq->rq_render);
	if (an->an_stream)
		r = dl->dl_stream_next(&rq->rq_render, an, &b, &ae,
		    RENDER_PIECE);
	else
		r = dl->dl_answer(&rq->rq_render, an, &b, &ae);
	if (r != -1)
		outcome_verified(rq, an);
	if (r != 1 || (rq->rq_flags & RQ_CLIENT_GONE))
		answer_clear(an);
	if (r == -1) {
		buf_clear(&b, 1);
		req_fail(rq, ae.code, ae.message);
		return;
	}
	log_info("req %016" PRIx64 ": %sverified by TEE %s", rq->rq_id,
	    rq->rq_flags & RQ_STREAM ? "stream " : "", rq->rq_tee->te_id);
	tee_verified(rq->rq_veil, rq->rq_tee);
	if (rq->rq_flags & RQ_CLIENT_GONE) {
		buf_clear(&b, 1);
		req_free(rq, "delivered");
		return;
	}
	oh = evhttp_request_get_output_headers(rq->rq_in);
	if (!(rq->rq_flags & RQ_COMMITTED)) {
		evhttp_add_header(oh, "X-OpenGradient-Verified", "true");
		evhttp_add_header(oh, "X-OpenGradient-TEE-Id",
		    rq->rq_tee->te_id);
		outcome_headers(rq, oh);
		outcome_first_byte(rq);
	}
	if (!(rq->rq_flags & RQ_STREAM)) {
		api_reply_json(rq->rq_in, 200, &b);
		rq->rq_flags |= RQ_REPLIED;
		req_free(rq, "delivered");
		return;
	}
	if (!(rq->rq_flags & RQ_COMMITTED)) {
		evhttp_add_header(oh, "Content-Type", "text/event-stream");
		evhttp_add_header(oh, "Cache-Control", "no-cache");
		server_conn_stream_prepare(rq->rq_in);
		evhttp_send_reply_start(rq->rq_in, 200, "OK");
		rq->rq_flags |= RQ_COMMITTED;
	}
	rq->rq_flags |= RQ_DELIVERING | RQ_REPLIED;
	if (r == 1) {
		/* The answer moves to the request until its last piece. */
		commit_stop(rq);
		rq->rq_answer = xmalloc(sizeof(*rq->rq_answer));
		*rq->rq_answer = *an;
		answer_init(an);
		req_send_chunk_cb(rq, &b, 1);
		return;
	}
	req_stream_end(rq, &b);
}

static void
req_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct req	*rq = arg;
	char		*msg;

	(void)fd;
	(void)what;
	if (rq->rq_flags & RQ_DONE)
		return;
	if (rq->rq_answer != NULL)	/* verified, still being written */
		xasprintf(&msg, "the agent did not read its verified answer "
		    "within the request's %d s", req_deadline(rq->rq_veil));
	else
		xasprintf(&msg, "upstream timeout: no verified answer "
		    "within %d s", req_deadline(rq->rq_veil));
	req_fail(rq, ERROR_UPSTREAM_TIMEOUT, msg);
	free(msg);
}

/* An error of the table, in the request's dialect; then free. */
void
req_fail(struct req *rq, enum error_code code, const char *detail)
{
	req_fail_status(rq, code, 0, NULL, detail);
}

/*
 * The envelope with status (0: the table's), unless the agent left or
 * has its answer; in-band on a committed stream.  Then free.
 */
void
req_fail_status(struct req *rq, enum error_code code, int status,
    const char *param, const char *detail)
{
	const struct error_def	*ed = error_def(code);
	struct evkeyvalq	*oh;
	struct buf		 b;

	if (rq->rq_flags & RQ_DONE)
		return;
	if (status == 0)
		status = ed->status != 0 ? ed->status : 502;
	if (detail == NULL)
		detail = ed->message;
	log_info("req %016" PRIx64 ": %d %s", rq->rq_id, status,
	    ed->name != NULL ? ed->name : "error");
	/* A TEE that signed something wrong is not used for a while. */
	if (code == ERROR_VERIFICATION && rq->rq_tee != NULL)
		tee_quarantine(rq->rq_veil, rq->rq_tee, detail);
	outcome_failed(rq, ed, status, detail);
	if (!(rq->rq_flags & (RQ_CLIENT_GONE | RQ_REPLIED)))
		outcome_first_byte(rq);
	if (!(rq->rq_flags & (RQ_CLIENT_GONE | RQ_REPLIED))) {
		if (rq->rq_flags & RQ_COMMITTED) {
			req_stream_error(rq, ed, status, detail);
			evhttp_send_reply_end(rq->rq_in);
		} else {
			oh = evhttp_request_get_output_headers(rq->rq_in);
			if (code == ERROR_OVERLOADED)
				evhttp_add_header(oh, "Retry-After", "1");
			buf_init(&b);
			rq->rq_dialect->dl_error(&b, ed, status, param,
			    detail);
			api_reply_json(rq->rq_in, status, &b);
		}
		rq->rq_flags |= RQ_REPLIED;
	} else if (rq->rq_answer != NULL &&
	    !(rq->rq_flags & RQ_CLIENT_GONE)) {
		/*
		 * Cut while its verified replay was being written in pieces
		 * (the deadline, a shutdown): the dialect's error event after
		 * the last whole piece, so the agent knows its answer is not
		 * whole rather than seeing a stream that simply ends.
		 */
		req_stream_error(rq, ed, status, detail);
	}
	req_free(rq, detail);
}

/* The only exit: stop everything now, release the memory after callbacks. */
void
req_free(struct req *rq, const char *reason)
{
	struct timeval	tv = { 0, 0 };

	if (rq->rq_flags & RQ_DONE)
		return;
	rq->rq_flags |= RQ_DONE;
	rq->rq_free_reason = reason;
	log_debug("req %016" PRIx64 ": done in state %s", rq->rq_id,
	    req_state_names[rq->rq_state]);
	server_conn_unset_req(rq);
	if (rq->rq_timeout != NULL)
		evtimer_del(rq->rq_timeout);
	if (rq->rq_watch != NULL)
		event_del(rq->rq_watch);
	commit_stop(rq);
	if (event_base_once(rq->rq_veil->vl_base, -1, EV_TIMEOUT,
	    req_teardown_cb, rq, &tv) == -1)
		fatalx("event_base_once");
}

static void
req_teardown_cb(evutil_socket_t fd, short what, void *arg)
{
	struct req	*rq = arg;
	struct veil	*vl = rq->rq_veil;

	(void)fd;
	(void)what;
	if (rq->rq_loop_ns > 0)
		metrics_observe(METRICS_REQUEST_LOOP,
		    (double)rq->rq_loop_ns / 1e9, "dialect",
		    rq->rq_dialect->dl_name, NULL);
	tee_cancel(vl, rq);
	relay_cancel(rq->rq_relay);
	rq->rq_relay = NULL;
	if (rq->rq_answer != NULL) {
		/*
		 * Freed while its pieces were being written (the deadline,
		 * shutdown: req_fail_status() wrote the dialect's error
		 * event; a gone agent): the end now replaces req_drain_cb.
		 */
		req_answer_drop(rq);
		evhttp_send_reply_end(rq->rq_in);	/* or frees it */
	}
	if (!(rq->rq_flags & RQ_REPLIED)) {
		/* Orphaned by a gone agent: this only frees it. */
		if (rq->rq_flags & RQ_COMMITTED)
			evhttp_send_reply_end(rq->rq_in);
		else
			api_fail(rq->rq_in, rq->rq_dialect,
			    ERROR_SHUTTING_DOWN, 0, NULL, NULL);
		rq->rq_flags |= RQ_REPLIED;
	}
	if (rq->rq_timeout != NULL)
		event_free(rq->rq_timeout);
	if (rq->rq_watch != NULL)
		event_free(rq->rq_watch);
	commit_free(rq->rq_commit);
	stream_free(rq->rq_stream);
	budget_release(vl, &rq->rq_held);
	buf_clear(&rq->rq_resp, 0);
	buf_clear(&rq->rq_sealed, 0);
	json_free(rq->rq_body);
	json_free(rq->rq_agent);
	render_clear(&rq->rq_render);
	free(rq->rq_refused_msg);
	digest_request_clear(&rq->rq_digest);
	if (rq->rq_have_ohttp)
		ohttp_ctx_clear(&rq->rq_ohttp);
	if (rq->rq_tee != NULL)
		tee_unref(rq->rq_tee);
	TAILQ_REMOVE(&vl->vl_reqs, rq, rq_entry);
	vl->vl_nreqs--;
	free(rq);
}

/* The agent's connection closed under a request. */
void
req_client_gone(struct req *rq)
{
	rq->rq_flags |= RQ_CLIENT_GONE;
	if (rq->rq_flags & RQ_DONE)
		return;
	log_info("req %016" PRIx64 ": agent went away", rq->rq_id);
	req_free(rq, "agent went away");
}

/* Fail every request in flight (shutdown). */
void
req_abort_all(struct veil *vl, const char *why)
{
	struct req	*rq;

	TAILQ_FOREACH(rq, &vl->vl_reqs, rq_entry)
		if (!(rq->rq_flags & RQ_DONE))
			req_fail(rq, ERROR_SHUTTING_DOWN, why);
}

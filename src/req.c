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
#include <openssl/rand.h>

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
static void	req_timeout_cb(evutil_socket_t, short, void *);
static void	req_watch_cb(evutil_socket_t, short, void *);
static void	req_teardown_cb(evutil_socket_t, short, void *);
static void	req_collect_done(struct req *);

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

/* "chatcmpl-" and 24 random hex digits: a new string. */
char *
req_completion_id(void)
{
	uint8_t	 r[12];
	char	 hex[25], *s;

	if (RAND_bytes(r, sizeof(r)) != 1)
		fatalx("RAND_bytes");
	hex_encode(r, sizeof(r), hex);
	xasprintf(&s, "chatcmpl-%s", hex);
	return (s);
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
	req_fail(rq, 499, "client_closed", NULL, "agent went away");
}

/* Take over an agent's POST /v1/chat/completions. */
void
req_start(struct veil *vl, struct evhttp_request *er)
{
	struct req		*rq;
	struct evbuffer		*in;
	struct validate_error	 ve;
	struct json_value	*model, *so, *iu;
	struct timeval		 tv = { REQ_DEADLINE_SECONDS, 0 };
	const char		*errstr, *base;
	const uint8_t		*body;
	size_t			 len;
	char			*msg;
	int			 status;

	rq = xcalloc(1, sizeof(*rq));
	rq->rq_id = ++vl->vl_next_id;
	rq->rq_veil = vl;
	rq->rq_in = er;
	rq->rq_state = REQ_NEW;
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
	log_debug("req %016" PRIx64 ": new", rq->rq_id);

	in = evhttp_request_get_input_buffer(er);
	len = evbuffer_get_length(in);
	if (len == 0) {
		req_fail(rq, 400, "invalid_request_error", NULL,
		    "empty body: send a JSON chat completion request");
		return;
	}
	if (len > vl->vl_cfg->max_body) {
		req_fail(rq, 413, "request_too_large", NULL,
		    "request body exceeds the size limit (OG_VEIL_MAX_BODY)");
		return;
	}
	body = evbuffer_pullup(in, -1);
	rq->rq_body = budget_json_parse(vl, body, len, REQ_MAX_JSON_DEPTH,
	    &rq->rq_held, &status, &msg);
	if (rq->rq_body == NULL) {
		req_fail(rq, status, status == 400 ? "invalid_json" :
		    status == 413 ? "request_too_large" : "overloaded", NULL,
		    msg);
		free(msg);
		return;
	}
	if (validate_chat_request(rq->rq_body, &ve) == -1) {
		req_fail(rq, 400, "invalid_request_error", ve.param,
		    ve.message);
		return;
	}
	/* An agent's "provider/model" names the OpenGradient model. */
	model = json_get(rq->rq_body, "model");
	if (model != NULL && json_is(model, JSON_STRING) &&
	    (base = api_model_base(model->s)) != model->s)
		json_object_set(rq->rq_body, "model", json_new_string(base));
	if (json_is(json_get(rq->rq_body, "stream"), JSON_TRUE))
		rq->rq_flags |= RQ_STREAM;
	so = json_get(rq->rq_body, "stream_options");
	iu = so != NULL ? json_get(so, "include_usage") : NULL;
	if (iu != NULL && json_is(iu, JSON_TRUE))
		rq->rq_flags |= RQ_INCLUDE_USAGE;
	if (digest_build_request(rq->rq_body, (rq->rq_flags & RQ_STREAM) != 0,
	    &rq->rq_digest, &errstr) == -1) {
		req_fail(rq, 400, "invalid_request_error", NULL, errstr);
		return;
	}
	req_enter_state(rq, REQ_SELECT);
	tee_select(vl, req_tee_cb, rq);
}

static void
req_tee_cb(void *arg, struct tee *te, int status, const char *msg)
{
	struct req	*rq = arg;

	if (rq->rq_flags & RQ_DONE) {
		if (te != NULL)
			tee_unref(te);
		return;
	}
	if (te == NULL) {
		req_fail(rq, status >= 400 ? status : 503, "no_tee", NULL,
		    msg != NULL ? msg : "no usable TEE in the registry");
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
		req_fail(rq, 502, "encapsulation_failed", NULL, msg);
		free(msg);
		return;
	}
	rq->rq_have_ohttp = 1;
	if (rq->rq_flags & RQ_STREAM)
		rq->rq_stream = stream_new(rq);
	req_enter_state(rq, REQ_RELAY);
	log_debug("req %016" PRIx64 ": to TEE %s%s", rq->rq_id,
	    rq->rq_tee->te_id, (rq->rq_flags & RQ_STREAM) ? " (stream)" : "");
	rq->rq_relay_done = 0;
	rc = relay_post(vl, rq->rq_tee, (rq->rq_flags & RQ_STREAM) != 0,
	    rq->rq_sealed.data, rq->rq_sealed.len, &req_relay_cbs, rq);
	if (rq->rq_relay_done)
		return;		/* rc_done already came */
	if (rc == NULL) {
		req_fail(rq, 502, "relay_error", NULL,
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
	const char	*code, *msg;
	int		 status;

	/* Never -1: a failed request is cancelled from req_teardown_cb(). */
	if (rq->rq_flags & RQ_DONE)
		return (0);
	if (rq->rq_state != REQ_COLLECT)
		req_enter_state(rq, REQ_COLLECT);
	if (rq->rq_stream != NULL) {
		if (stream_feed(rq->rq_stream, p, len, &status, &code,
		    &msg) == -1)
			req_fail(rq, status, code, NULL, msg);
		return (0);
	}
	if (len > rq->rq_veil->vl_cfg->max_response - rq->rq_resp.len) {
		req_fail(rq, 502, "response_too_large", NULL,
		    "response exceeds the buffer cap (OG_VEIL_MAX_RESPONSE)");
		return (0);
	}
	if (budget_charge(rq->rq_veil, &rq->rq_held, len) == -1) {
		req_fail(rq, 503, "overloaded", NULL, "og-veil is overloaded: "
		    "answers in flight hold its memory budget "
		    "(OG_VEIL_MAX_UNVERIFIED); retry shortly");
		return (0);
	}
	buf_add(&rq->rq_resp, p, len);
	return (0);
}

/* A relay error that says the TEE gateway could not be reached. */
static int
req_unreachable(int result, int status, const char *msg)
{
	if (result == RELAY_E_CONNECT)
		return (1);
	if (result != RELAY_E_HTTP || (status != 502 && status != 503 &&
	    status != 504) || msg == NULL)
		return (0);
	return (strcasestr(msg, "unreachable") != NULL ||
	    strcasestr(msg, "connect") != NULL ||
	    strcasestr(msg, "timed out") != NULL);
}

/* A relay's own error status, passed on with its message. */
static void
req_relay_error(struct req *rq, int status, const char *msg)
{
	char	*m;

	xasprintf(&m, "relay error %d: %s", status,
	    msg != NULL ? msg : "no message");
	req_fail(rq, status >= 400 && status <= 599 ? status : 502,
	    "relay_error", NULL, m);
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
		req_fail(rq, status, "no_tee", NULL, msg);
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
	struct evkeyvalq *oh;
	const char	*code, *emsg;
	char		*m;
	int		 st;

	rq->rq_relay_done = 1;
	rq->rq_relay = NULL;
	if (rq->rq_flags & RQ_DONE)
		return;
	if (result == RELAY_OK) {
		if (rq->rq_stream == NULL) {
			req_collect_done(rq);
			return;
		}
		req_enter_state(rq, REQ_VERIFY);
		if (stream_finish(rq->rq_stream, &st, &code, &emsg) == -1) {
			req_fail(rq, st, code, NULL, emsg);
			return;
		}
		req_free(rq, "stream delivered");
		return;
	}
	if (req_unreachable(result, status, msg) &&
	    !(rq->rq_flags & (RQ_RETRIED | RQ_DELIVERING))) {
		log_warnx("req %016" PRIx64 ": TEE %s unreachable (%s); "
		    "failing over", rq->rq_id, rq->rq_tee->te_id,
		    msg != NULL ? msg : "connect failed");
		rq->rq_flags |= RQ_RETRIED;
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
		rq->rq_refused = status;
		free(rq->rq_refused_msg);
		rq->rq_refused_msg = msg != NULL ? xstrdup(msg) : NULL;
		req_enter_state(rq, REQ_SELECT);
		return;
	}
	switch (result) {
	case RELAY_E_AUTH:
		req_fail(rq, 401, "not_logged_in", NULL, msg != NULL ? msg :
		    "the Chat session expired or was signed out: run "
		    "`og-veil login`");
		return;
	case RELAY_E_HTTP:
		if ((status == 429 || status == 503) && retry_after != NULL &&
		    !(rq->rq_flags & RQ_CLIENT_GONE)) {
			oh = evhttp_request_get_output_headers(rq->rq_in);
			evhttp_add_header(oh, "Retry-After", retry_after);
		}
		if (status == 401 || status == 403) {
			req_fail(rq, 401, "not_logged_in", NULL,
			    "the Chat session expired or was signed out: run "
			    "`og-veil login`");
			return;
		}
		req_relay_error(rq, status, msg);
		return;
	case RELAY_E_CONNECT:
		xasprintf(&m, "the relay or TEE is unreachable: %s",
		    msg != NULL ? msg : "connect failed");
		st = msg != NULL && (strcasestr(msg, "timeout") != NULL ||
		    strcasestr(msg, "timed out") != NULL) ? 504 : 502;
		req_fail(rq, st, "upstream_unreachable", NULL, m);
		free(m);
		return;
	default:
		xasprintf(&m, "the relay connection broke: %s",
		    msg != NULL ? msg : "I/O error");
		st = msg != NULL && (strcasestr(msg, "timeout") != NULL ||
		    strcasestr(msg, "timed out") != NULL) ? 504 : 502;
		req_fail(rq, st, "upstream_error", NULL, m);
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
	return (o);
}

/* The message of an error body: body.error as a string or error.message. */
static const char *
req_error_message(const struct json_value *body)
{
	const struct json_value	*e;
	const char		*s;

	if ((e = json_get(body, "error")) != NULL) {
		if (json_is(e, JSON_STRING))
			return (e->s);
		if ((s = json_get_str(e, "message")) != NULL)
			return (s);
	}
	if ((s = json_get_str(body, "detail")) != NULL)
		return (s);
	return ("the TEE answered with an error");
}

/* Non-stream: open, check the status, verify, deliver. */
static void
req_collect_done(struct req *rq)
{
	struct buf		 pt, out;
	struct json_value	*doc, *inner, *sv, *resp;
	struct verify_proof	 pf;
	struct evkeyvalq	*oh;
	const char		*errstr;
	char			*output = NULL, *msg;
	size_t			 outlen = 0;
	int64_t			 status = 200;

	req_enter_state(rq, REQ_VERIFY);
	buf_init(&pt);
	if (ohttp_open_response(&rq->rq_ohttp, rq->rq_resp.data,
	    rq->rq_resp.len, &pt, &errstr) == -1) {
		xasprintf(&msg, "verification failed: the TEE's response does "
		    "not decrypt (%s); nothing was delivered", errstr);
		req_fail(rq, 502, "verification_failed", NULL, msg);
		free(msg);
		buf_clear(&pt, 1);
		return;
	}
	buf_clear(&rq->rq_resp, 0);
	doc = json_parse_mem((const char *)pt.data, pt.len, NULL,
	    budget_parse_cap(rq->rq_veil->vl_cfg), NULL, &errstr);
	buf_clear(&pt, 1);
	if (doc == NULL || !json_is(doc, JSON_OBJECT)) {
		json_free(doc);
		req_fail(rq, 502, "upstream_error", NULL,
		    "the TEE's answer is not a JSON object");
		return;
	}
	inner = doc;
	sv = json_get(doc, "status");
	if (sv != NULL && json_is(sv, JSON_INT) &&
	    json_get(doc, "body") != NULL) {
		if (json_to_int64(sv, &status) == -1)
			status = 502;
		inner = json_get(doc, "body");
	}
	if (status >= 400) {
		xasprintf(&msg, "the TEE answered %lld: %s", (long long)status,
		    req_error_message(inner));
		req_fail(rq, 502, "upstream_error", NULL, msg);
		free(msg);
		json_free(doc);
		return;
	}
	if (!json_is(inner, JSON_OBJECT)) {
		req_fail(rq, 502, "upstream_error", NULL,
		    "the TEE's answer body is not a JSON object");
		json_free(doc);
		return;
	}
	if (digest_response_output(inner, &output, &outlen, &errstr) == -1 ||
	    verify_response_key(inner, rq->rq_tee->te_vkey,
	    rq->rq_tee->te_id,
	    rq->rq_digest.request_hash, output, outlen, &pf, &errstr) == -1) {
		log_warnx("req %016" PRIx64 ": verification failed: %s",
		    rq->rq_id, errstr);
		xasprintf(&msg, "verification failed: %s; nothing was "
		    "delivered", errstr);
		req_fail(rq, 502, "verification_failed", NULL, msg);
		free(msg);
		free(output);
		json_free(doc);
		return;
	}

	/*
	 * §10 delivers the answer §9 verified: only the signed output of §8
	 * (choices[0]'s content or tool calls) and metadata without text;
	 * other choices, refusal, reasoning and extra fields are unsigned
	 * and dropped (scrub.c).
	 */
	req_enter_state(rq, REQ_DELIVER);
	resp = scrub_response(inner, json_get_str(rq->rq_body, "model"),
	    output, outlen);
	free(output);
	json_free(doc);
	json_object_set(resp, "opengradient_verification",
	    req_proof_json(rq, &pf));
	buf_init(&out);
	pyjson_write(&out, resp, PYJSON_COMPACT);
	json_free(resp);
	oh = evhttp_request_get_output_headers(rq->rq_in);
	evhttp_add_header(oh, "X-OpenGradient-Verified", "true");
	evhttp_add_header(oh, "X-OpenGradient-TEE-Id", rq->rq_tee->te_id);
	if (!(rq->rq_flags & RQ_CLIENT_GONE)) {
		api_reply_json(rq->rq_in, 200, &out);
		rq->rq_flags |= RQ_REPLIED;
	}
	buf_clear(&out, 0);
	log_info("req %016" PRIx64 ": verified by TEE %s", rq->rq_id,
	    rq->rq_tee->te_id);
	req_free(rq, "delivered");
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
	xasprintf(&msg, "upstream timeout: no verified answer within %d s",
	    REQ_DEADLINE_SECONDS);
	req_fail(rq, 504, "upstream_timeout", NULL, msg);
	free(msg);
}

/* Answer with the error envelope unless the agent left; then free. */
void
req_fail(struct req *rq, int status, const char *code, const char *param,
    const char *message)
{
	if (rq->rq_flags & RQ_DONE)
		return;
	log_info("req %016" PRIx64 ": %d %s", rq->rq_id, status,
	    code != NULL ? code : "error");
	if (!(rq->rq_flags & (RQ_CLIENT_GONE | RQ_REPLIED))) {
		if (rq->rq_flags & RQ_DELIVERING)
			evhttp_send_reply_end(rq->rq_in);
		else
			api_reply_error(rq->rq_in, status, code, param,
			    message);
		rq->rq_flags |= RQ_REPLIED;
	}
	req_free(rq, message);
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
	server_conn_set_req(rq->rq_in, NULL);
	if (rq->rq_timeout != NULL)
		evtimer_del(rq->rq_timeout);
	if (rq->rq_watch != NULL)
		event_del(rq->rq_watch);
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
	tee_cancel(vl, rq);
	relay_cancel(rq->rq_relay);
	rq->rq_relay = NULL;
	if (!(rq->rq_flags & RQ_REPLIED)) {
		/* Orphaned by a gone agent: this only frees it. */
		api_reply_error(rq->rq_in, 503, "shutting_down", NULL,
		    "og-veil is shutting down; retry shortly");
		rq->rq_flags |= RQ_REPLIED;
	}
	if (rq->rq_timeout != NULL)
		event_free(rq->rq_timeout);
	if (rq->rq_watch != NULL)
		event_free(rq->rq_watch);
	stream_free(rq->rq_stream);
	budget_release(vl, &rq->rq_held);
	buf_clear(&rq->rq_resp, 0);
	buf_clear(&rq->rq_sealed, 0);
	json_free(rq->rq_body);
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
			req_fail(rq, 503, "shutting_down", NULL, why);
}

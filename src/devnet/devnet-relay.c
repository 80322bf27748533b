/*
 * devnet-relay.c: the devnet's relay (chat-api), PROTOCOL.md §5.  It checks
 * the bearer token and the X-TEE-ID header, forwards the opaque OHTTP body
 * to the named gateway with a real HTTP POST over a pool of keep-alive
 * connections, and streams the gateway's answer back as it arrives.
 * Like the live relay it strips the plaintext billing frame a gateway
 * writes into a chunked answer (PROTOCOL.md §6); relay-forward-billing
 * passes it on instead.
 * Faults: relay-status, relay-close, expire-token, relay-forward-billing,
 * relay-wording, relay-delay.
 */
#include "compat.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>

#include <openssl/ssl.h>

#include "devnet.h"
#include "xmalloc.h"

#define RELAY_PATH		"/api/v1/chat/ohttp"
#define RELAY_POOL_MAX		8192	/* upstream connections per gateway */
#define RELAY_UP_TIMEOUT	300	/* seconds */

struct relay_conn {
	struct evhttp_connection	*rc_evcon;	/* owned */
	struct devnet_relay_pool	*rc_pool;	/* back-pointer */
	int				 rc_busy;	/* requests queued */
	int				 rc_dead;	/* never reuse */
	TAILQ_ENTRY(relay_conn)		 rc_entry;
};

struct devnet_relay_pool {
	TAILQ_HEAD(, relay_conn)	 rp_conns;
	size_t				 rp_n;
	int				 rp_port;
};

struct relay_req {
	struct devnet			*rr_dn;
	struct evhttp_request		*rr_in;		/* NULL: client gone */
	struct evhttp_connection	*rr_in_conn;	/* downstream */
	struct evhttp_request		*rr_up;		/* NULL: finished */
	struct relay_conn		*rr_conn;
	int				 rr_started;	/* reply started */
	int				 rr_gw;
	struct ohttp_filter		*rr_filter;	/* owned or NULL */
	TAILQ_ENTRY(relay_req)		 rr_entry;
};

static TAILQ_HEAD(, relay_req) relay_reqs =
    TAILQ_HEAD_INITIALIZER(relay_reqs);

/* A call the relay-delay fault holds before handling it. */
struct relay_hold {
	struct devnet			*rh_dn;
	struct evhttp_request		*rh_req;	/* evhttp's */
	struct evhttp_connection	*rh_conn;
	struct event			*rh_ev;		/* owned */
	TAILQ_ENTRY(relay_hold)		 rh_entry;
};

static TAILQ_HEAD(, relay_hold) relay_holds =
    TAILQ_HEAD_INITIALIZER(relay_holds);

static struct bufferevent *relay_bevcb(struct event_base *, void *);
static void	relay_request_cb(struct evhttp_request *, void *);
static int	relay_find_gateway(struct devnet *, const char *);
static struct relay_conn *relay_pick(struct devnet *, int);
static void	relay_conn_free(struct relay_conn *);
static void	relay_conn_close_cb(struct evhttp_connection *, void *);
static int	relay_header_cb(struct evhttp_request *, void *);
static void	relay_chunk_cb(struct evhttp_request *, void *);
static void	relay_done_cb(struct evhttp_request *, void *);
static void	relay_error_cb(enum evhttp_request_error, void *);
static void	relay_client_close_cb(struct evhttp_connection *, void *);
static void	relay_req_free(struct relay_req *);
static void	relay_abort(struct evhttp_request *);
static void	relay_handle(struct devnet *, struct evhttp_request *);
static void	relay_hold_free(struct relay_hold *);
static void	relay_hold_cb(evutil_socket_t, short, void *);
static void	relay_hold_close_cb(struct evhttp_connection *, void *);
static void	relay_unreachable(struct devnet *, struct evhttp_request *);

/*
 * relay-wording: how the relay says it could not reach the gateway.  The
 * live relay's words are unknown, so og-veil must not depend on them; 0 is
 * the devnet's own, the others are worded like common proxies.
 */
static const struct {
	int		 status;
	const char	*detail;
} relay_wordings[] = {
	{ 502, "TEE gateway unreachable" },
	{ 502, "Bad Gateway" },
	{ 503, "no healthy upstream" },
	{ 504, "upstream request timeout" },
	{ 502, "upstream failure" },
};
#define RELAY_NWORDINGS	(sizeof(relay_wordings) / sizeof(relay_wordings[0]))

/* Count each accepted connection, then make its bufferevent. */
static struct bufferevent *
relay_bevcb(struct event_base *base, void *arg)
{
	struct devnet	*dn = arg;

	dn->dn_counts->dc_relay_connections++;
	return (devnet_bevcb(base, dn));
}

/* Gateway index named by an X-TEE-ID (hex, any case, 0x optional). */
static int
relay_find_gateway(struct devnet *dn, const char *id)
{
	const char	*gid;
	size_t		 i;

	if (id[0] == '0' && (id[1] == 'x' || id[1] == 'X'))
		id += 2;
	if (*id == '\0')
		return (-1);
	for (i = 0; i < dn->dn_ngateways; i++) {
		gid = devnet_gateway_tee_id(dn->dn_gateways[i]);
		if (gid == NULL)
			continue;
		if (gid[0] == '0' && (gid[1] == 'x' || gid[1] == 'X'))
			gid += 2;
		if (strcasecmp(gid, id) == 0)
			return ((int)i);
	}
	return (-1);
}

static void
relay_conn_free(struct relay_conn *rc)
{
	TAILQ_REMOVE(&rc->rc_pool->rp_conns, rc, rc_entry);
	rc->rc_pool->rp_n--;
	evhttp_connection_set_closecb(rc->rc_evcon, NULL, NULL);
	evhttp_connection_free(rc->rc_evcon);
	free(rc);
}

/* An upstream connection closed: a TLS one cannot be reconnected. */
static void
relay_conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct relay_conn	*rc = arg;

	(void)evcon;
	rc->rc_dead = 1;
}

/* An idle keep-alive connection to gateway gw, or a new one. */
static struct relay_conn *
relay_pick(struct devnet *dn, int gw)
{
	struct devnet_relay_pool	*rp = &dn->dn_relay_pools[gw];
	struct relay_conn		*rc, *next, *best = NULL;
	struct bufferevent		*bev;
	SSL				*ssl;
	int				 port;

	port = devnet_gateway_port(dn->dn_gateways[gw]);
	for (rc = TAILQ_FIRST(&rp->rp_conns); rc != NULL; rc = next) {
		next = TAILQ_NEXT(rc, rc_entry);
		if ((rc->rc_dead || rp->rp_port != port) && rc->rc_busy == 0) {
			relay_conn_free(rc);
			continue;
		}
		if (rc->rc_dead || rp->rp_port != port)
			continue;
		if (best == NULL || rc->rc_busy < best->rc_busy)
			best = rc;
	}
	rp->rp_port = port;
	if (best != NULL && (best->rc_busy == 0 || rp->rp_n >= RELAY_POOL_MAX))
		return (best);

	rc = xcalloc(1, sizeof(*rc));
	rc->rc_pool = rp;
	if (dn->dn_tls) {
		if ((ssl = SSL_new(dn->dn_client_ctx)) == NULL) {
			free(rc);
			return (NULL);
		}
		SSL_set_tlsext_host_name(ssl, "localhost");
		if (SSL_set1_host(ssl, "localhost") != 1) {
			SSL_free(ssl);
			free(rc);
			return (NULL);
		}
		bev = bufferevent_openssl_socket_new(dn->dn_base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, BEV_OPT_CLOSE_ON_FREE |
		    BEV_OPT_DEFER_CALLBACKS);
		if (bev == NULL) {
			free(rc);
			return (NULL);
		}
		rc->rc_evcon = evhttp_connection_base_bufferevent_new(
		    dn->dn_base, NULL, bev, "127.0.0.1", (uint16_t)port);
	} else
		rc->rc_evcon = evhttp_connection_base_new(dn->dn_base, NULL,
		    "127.0.0.1", (uint16_t)port);
	if (rc->rc_evcon == NULL) {
		free(rc);
		return (NULL);
	}
	evhttp_connection_set_timeout(rc->rc_evcon, RELAY_UP_TIMEOUT);
	evhttp_connection_set_retries(rc->rc_evcon, 0);
	evhttp_connection_set_closecb(rc->rc_evcon, relay_conn_close_cb, rc);
	TAILQ_INSERT_TAIL(&rp->rp_conns, rc, rc_entry);
	rp->rp_n++;
	return (rc);
}

static void
relay_req_free(struct relay_req *rr)
{
	if (rr->rr_in_conn != NULL)
		evhttp_connection_set_closecb(rr->rr_in_conn, NULL, NULL);
	if (rr->rr_conn != NULL)
		rr->rr_conn->rc_busy--;
	TAILQ_REMOVE(&relay_reqs, rr, rr_entry);
	if (rr->rr_filter != NULL)
		rr->rr_dn->dn_counts->dc_relay_billing += ohttp_filter_frames(
		    rr->rr_filter);
	ohttp_filter_free(rr->rr_filter);
	free(rr);
}

/* Break the downstream connection: the client sees the stream cut. */
static void
relay_abort(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	evutil_socket_t			 fd;

	evcon = evhttp_request_get_connection(req);
	if (evcon != NULL && (bev = evhttp_connection_get_bufferevent(evcon))
	    != NULL && (fd = bufferevent_getfd(bev)) != -1)
		shutdown(fd, SHUT_RDWR);
}

/* The relay's answer when no byte came from the gateway. */
static void
relay_unreachable(struct devnet *dn, struct evhttp_request *req)
{
	long long	 w = 0;

	if (devnet_fault_on(dn, DEVNET_F_RELAY_WORDING, -1))
		w = devnet_fault_value(dn, DEVNET_F_RELAY_WORDING);
	if (w < 0 || (size_t)w >= RELAY_NWORDINGS)
		w = 1;
	devnet_reply_detail(req, relay_wordings[w].status,
	    relay_wordings[w].detail);
}

/* Upstream headers: start the downstream reply with the same status. */
static int
relay_header_cb(struct evhttp_request *up, void *arg)
{
	struct relay_req	*rr = arg;
	struct evkeyvalq	*h;
	const char		*v, *ra;
	int			 code;

	if (rr->rr_in == NULL)
		return (-1);
	code = evhttp_request_get_response_code(up);
	h = evhttp_request_get_output_headers(rr->rr_in);
	v = evhttp_find_header(evhttp_request_get_input_headers(up),
	    "Content-Type");
	evhttp_add_header(h, "Content-Type", v != NULL ? v :
	    "application/octet-stream");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	/* A proxy passes the gateway's end-to-end Retry-After on (429). */
	if ((ra = evhttp_find_header(evhttp_request_get_input_headers(up),
	    "Retry-After")) != NULL)
		evhttp_add_header(h, "Retry-After", ra);
	if (code < 200 || code > 599)
		code = 502;
	/* §6: a chunked answer carries a billing frame for us. */
	if (code >= 200 && code < 300 && v != NULL &&
	    strncasecmp(v, "message/ohttp-chunked-res", 25) == 0)
		rr->rr_filter = ohttp_filter_new(!devnet_fault_on(rr->rr_dn,
		    DEVNET_F_RELAY_FORWARD_BILLING, rr->rr_gw));
	evhttp_send_reply_start(rr->rr_in, code,
	    evhttp_request_get_response_code_line(up));
	rr->rr_started = 1;
	return (0);
}

/* Upstream bytes: pass them on as they come. */
static void
relay_chunk_cb(struct evhttp_request *up, void *arg)
{
	struct relay_req	*rr = arg;
	struct evbuffer		*in = evhttp_request_get_input_buffer(up);

	struct evbuffer		*evb;
	struct buf		 out;
	const char		*errstr;
	size_t			 len;

	if (rr->rr_in == NULL || !rr->rr_started) {
		evbuffer_drain(in, evbuffer_get_length(in));
		return;
	}
	if (rr->rr_filter == NULL || (len = evbuffer_get_length(in)) == 0) {
		evhttp_send_reply_chunk(rr->rr_in, in);
		return;
	}
	buf_init(&out);
	if (ohttp_filter_feed(rr->rr_filter, evbuffer_pullup(in, -1), len,
	    &out, &errstr) == -1) {
		/* Not ours to judge: the rest goes on as it comes. */
		devnet_warnx("relay: gateway %d: %s", rr->rr_gw, errstr);
		ohttp_filter_free(rr->rr_filter);
		rr->rr_filter = NULL;
	}
	evbuffer_drain(in, len);
	evb = evbuffer_new();
	evbuffer_add(evb, out.data, out.len);
	evhttp_send_reply_chunk(rr->rr_in, evb);
	evbuffer_free(evb);
	buf_clear(&out, 0);
}

static void
relay_error_cb(enum evhttp_request_error err, void *arg)
{
	struct relay_req	*rr = arg;

	devnet_debug("relay: upstream error %d (gateway %d)", (int)err,
	    rr->rr_gw);
}

/* The upstream request ended (up is NULL on failure). */
static void
relay_done_cb(struct evhttp_request *up, void *arg)
{
	struct relay_req	*rr = arg;
	struct devnet		*dn = rr->rr_dn;
	struct evhttp_request	*in = rr->rr_in;
	int			 failed, started = rr->rr_started;

	failed = up == NULL || evhttp_request_get_response_code(up) == 0;
	rr->rr_up = NULL;
	if (failed && rr->rr_conn != NULL)
		rr->rr_conn->rc_dead = 1;
	if (up != NULL && in != NULL && started)
		relay_chunk_cb(up, rr);
	relay_req_free(rr);
	if (in == NULL)
		return;
	if (!started) {
		dn->dn_counts->dc_relay_errors++;
		relay_unreachable(dn, in);
		return;
	}
	if (failed) {
		/* The gateway broke the stream: so does the relay. */
		dn->dn_counts->dc_relay_errors++;
		relay_abort(in);
	}
	/* Not evhttp_send_reply_end(): see devnet_reply_end() (TLS). */
	devnet_reply_end(in);
}

/* The client went away: cancel the upstream call. */
static void
relay_client_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct relay_req	*rr = arg;
	struct evhttp_request	*up = rr->rr_up;

	(void)evcon;
	/*
	 * On EOF evhttp detaches an unfinished request from its connection
	 * and leaves it to us; when it frees the connection itself (at exit)
	 * the request is still attached and goes with it.
	 */
	if (rr->rr_in != NULL && evhttp_request_get_connection(rr->rr_in) ==
	    NULL)
		evhttp_request_free(rr->rr_in);
	rr->rr_in = NULL;
	rr->rr_in_conn = NULL;
	if (up == NULL)
		return;
	rr->rr_up = NULL;
	if (rr->rr_conn != NULL)
		rr->rr_conn->rc_dead = 1;
	evhttp_cancel_request(up);
	relay_req_free(rr);
}

static void
relay_hold_free(struct relay_hold *rh)
{
	if (rh->rh_conn != NULL)
		evhttp_connection_set_closecb(rh->rh_conn, NULL, NULL);
	event_free(rh->rh_ev);
	TAILQ_REMOVE(&relay_holds, rh, rh_entry);
	free(rh);
}

/* The held call's time is up: handle it as if it just came. */
static void
relay_hold_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_hold	*rh = arg;
	struct devnet		*dn = rh->rh_dn;
	struct evhttp_request	*req = rh->rh_req;

	(void)fd;
	(void)what;
	relay_hold_free(rh);
	relay_handle(dn, req);
}

/* The client left while its call was held. */
static void
relay_hold_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct relay_hold	*rh = arg;

	(void)evcon;
	/* As in relay_client_close_cb(): a detached request is ours. */
	if (evhttp_request_get_connection(rh->rh_req) == NULL)
		evhttp_request_free(rh->rh_req);
	rh->rh_conn = NULL;
	relay_hold_free(rh);
}

/* Every call is counted once; relay-delay holds it first. */
static void
relay_request_cb(struct evhttp_request *req, void *arg)
{
	struct devnet		*dn = arg;
	struct relay_hold	*rh;
	struct timeval		 tv;
	long long		 ms;

	dn->dn_counts->dc_relay_requests++;
	if (!devnet_fault_on(dn, DEVNET_F_RELAY_DELAY, -1) ||
	    (ms = devnet_fault_value(dn, DEVNET_F_RELAY_DELAY)) <= 0) {
		relay_handle(dn, req);
		return;
	}
	devnet_debug("relay: relay-delay %lld ms", ms);
	rh = xcalloc(1, sizeof(*rh));
	rh->rh_dn = dn;
	rh->rh_req = req;
	rh->rh_conn = evhttp_request_get_connection(req);
	rh->rh_ev = evtimer_new(dn->dn_base, relay_hold_cb, rh);
	if (rh->rh_ev == NULL) {
		free(rh);
		relay_handle(dn, req);
		return;
	}
	TAILQ_INSERT_TAIL(&relay_holds, rh, rh_entry);
	evhttp_connection_set_closecb(rh->rh_conn, relay_hold_close_cb, rh);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(rh->rh_ev, &tv);
}

static void
relay_handle(struct devnet *dn, struct evhttp_request *req)
{
	struct evkeyvalq	*ih, *oh;
	struct evhttp_request	*up;
	struct relay_req	*rr;
	struct relay_conn	*rc;
	const char		*path, *auth, *ctype, *teeid, *v;
	char			 host[32], detail[64];
	long long		 status;
	int			 gw;

	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL || strcmp(path, RELAY_PATH) != 0) {
		devnet_reply_detail(req, 404, "Not Found");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		devnet_reply_detail(req, 405, "Method Not Allowed");
		return;
	}
	if (devnet_fault_on(dn, DEVNET_F_RELAY_CLOSE, -1)) {
		devnet_debug("relay: relay-close");
		relay_abort(req);
		evhttp_send_reply(req, 500, NULL, NULL);
		return;
	}
	if (devnet_fault_on(dn, DEVNET_F_RELAY_STATUS, -1)) {
		status = devnet_fault_value(dn, DEVNET_F_RELAY_STATUS);
		if (status < 400 || status > 599)
			status = 503;
		if (status == 429 || status == 503)
			evhttp_add_header(
			    evhttp_request_get_output_headers(req),
			    "Retry-After", "7");
		snprintf(detail, sizeof(detail), "%s",
		    status == 429 ? "Rate limit exceeded" :
		    status == 503 ? "Service temporarily unavailable" :
		    status >= 500 ? "Internal relay error" : "Request refused");
		devnet_reply_detail(req, (int)status, detail);
		return;
	}
	ih = evhttp_request_get_input_headers(req);
	auth = evhttp_find_header(ih, "Authorization");
	if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0 ||
	    !devnet_auth_token_ok(dn, auth + 7)) {
		devnet_reply_detail(req, 401, "Invalid or expired token");
		return;
	}
	ctype = evhttp_find_header(ih, "Content-Type");
	if (ctype == NULL || strncasecmp(ctype, "message/ohttp-req", 17) != 0 ||
	    (ctype[17] != '\0' && ctype[17] != ';' && ctype[17] != ' ')) {
		devnet_reply_detail(req, 415,
		    "Content-Type must be message/ohttp-req");
		return;
	}
	if ((teeid = evhttp_find_header(ih, "X-TEE-ID")) == NULL ||
	    *teeid == '\0') {
		devnet_reply_detail(req, 400, "X-TEE-ID header is required");
		return;
	}
	if ((gw = relay_find_gateway(dn, teeid)) == -1) {
		devnet_reply_detail(req, 404, "TEE not found");
		return;
	}
	if (evbuffer_get_length(evhttp_request_get_input_buffer(req)) == 0) {
		devnet_reply_detail(req, 400, "Empty request body");
		return;
	}
	if ((rc = relay_pick(dn, gw)) == NULL) {
		dn->dn_counts->dc_relay_errors++;
		relay_unreachable(dn, req);
		return;
	}

	rr = xcalloc(1, sizeof(*rr));
	rr->rr_dn = dn;
	rr->rr_in = req;
	rr->rr_gw = gw;
	up = evhttp_request_new(relay_done_cb, rr);
	evhttp_request_set_header_cb(up, relay_header_cb);
	evhttp_request_set_chunked_cb(up, relay_chunk_cb);
	evhttp_request_set_error_cb(up, relay_error_cb);
	oh = evhttp_request_get_output_headers(up);
	snprintf(host, sizeof(host), "127.0.0.1:%d", rc->rc_pool->rp_port);
	evhttp_add_header(oh, "Host", host);
	evhttp_add_header(oh, "Content-Type", ctype);
	if ((v = evhttp_find_header(ih, "Accept")) != NULL)
		evhttp_add_header(oh, "Accept", v);
	if ((v = evhttp_find_header(ih, "X-OHTTP-Stream")) != NULL)
		evhttp_add_header(oh, "X-OHTTP-Stream", v);
	evbuffer_add_buffer(evhttp_request_get_output_buffer(up),
	    evhttp_request_get_input_buffer(req));
	if (evhttp_make_request(rc->rc_evcon, up, EVHTTP_REQ_POST,
	    DEVNET_GATEWAY_PATH) == -1) {
		evhttp_request_free(up);
		free(rr);
		rc->rc_dead = 1;
		dn->dn_counts->dc_relay_errors++;
		relay_unreachable(dn, req);
		return;
	}
	rr->rr_up = up;
	rr->rr_conn = rc;
	rc->rc_busy++;
	rr->rr_in_conn = evhttp_request_get_connection(req);
	evhttp_connection_set_closecb(rr->rr_in_conn, relay_client_close_cb,
	    rr);
	TAILQ_INSERT_TAIL(&relay_reqs, rr, rr_entry);
	devnet_debug("relay: request to gateway %d", gw);
}

int
devnet_relay_start(struct devnet *dn, int port, int *outport,
    const char **errstr)
{
	size_t	i;

	dn->dn_relay_pools = xcalloc(dn->dn_ngateways + 1,
	    sizeof(*dn->dn_relay_pools));
	for (i = 0; i < dn->dn_ngateways; i++)
		TAILQ_INIT(&dn->dn_relay_pools[i].rp_conns);
	dn->dn_relay_http = devnet_listen(dn, port, outport, errstr);
	if (dn->dn_relay_http == NULL)
		return (-1);
	evhttp_set_bevcb(dn->dn_relay_http, relay_bevcb, dn);
	evhttp_set_gencb(dn->dn_relay_http, relay_request_cb, dn);
	return (0);
}

/*
 * A forked worker: its own listener on the relay's port, instead of the
 * one inherited (the kernel spreads connections over SO_REUSEPORT ones).
 */
int
devnet_relay_listen(struct devnet *dn, const char **errstr)
{
	int	port;

	if (dn->dn_relay_http != NULL)
		evhttp_free(dn->dn_relay_http);
	dn->dn_relay_http = devnet_listen(dn, dn->dn_relay_port, &port,
	    errstr);
	if (dn->dn_relay_http == NULL)
		return (-1);
	evhttp_set_bevcb(dn->dn_relay_http, relay_bevcb, dn);
	evhttp_set_gencb(dn->dn_relay_http, relay_request_cb, dn);
	return (0);
}

void
devnet_relay_free(struct devnet *dn)
{
	struct relay_hold	*rh;
	struct relay_req	*rr;
	struct relay_conn	*rc;
	size_t			 i;

	/* Open client connections go first: their requests die with them. */
	if (dn->dn_relay_http != NULL) {
		evhttp_free(dn->dn_relay_http);
		dn->dn_relay_http = NULL;
	}
	while ((rh = TAILQ_FIRST(&relay_holds)) != NULL) {
		rh->rh_conn = NULL;
		relay_hold_free(rh);
	}
	while ((rr = TAILQ_FIRST(&relay_reqs)) != NULL) {
		rr->rr_in_conn = NULL;
		rr->rr_conn = NULL;
		relay_req_free(rr);
	}
	if (dn->dn_relay_pools == NULL)
		return;
	for (i = 0; i < dn->dn_ngateways; i++) {
		while ((rc = TAILQ_FIRST(&dn->dn_relay_pools[i].rp_conns)) !=
		    NULL)
			relay_conn_free(rc);
	}
	free(dn->dn_relay_pools);
	dn->dn_relay_pools = NULL;
}

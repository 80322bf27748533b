/*
 * http-client.c: outbound HTTP/1.1 over TCP or TLS on the daemon's one
 * event loop, for the relay (PROTOCOL.md §5), the auth server (§2) and the
 * registry's JSON-RPC endpoint (§3).
 *
 * Connections are pooled per origin (scheme://host:port): an evhttp
 * connection carries one request at a time, so each origin keeps a list of
 * idle keep-alive connections (at most HTTP_CLIENT_MAX_IDLE) and a call
 * takes one, or opens a new one when none is free.  A connection the peer
 * closed is never reused: evhttp would reconnect it with the same SSL
 * object.  A POST that fails on a reused connection before any response
 * byte is retried once on a fresh one (the peer closed it while idle).
 *
 * TLS: the system trust store (SSL_CERT_FILE honoured) plus the configured
 * CA file, peer verification, SNI, host name or IP address check, and one
 * cached session per origin for resumption.
 *
 * Timeouts, per call (http_client_set_timeouts() changes them):
 *	connect		10 s	TCP connect and TLS handshake
 *	first byte	60 s	from the start of the call to the status line
 *	idle		120 s	between two pieces of the body
 *	total		600 s	the whole call
 *
 * Memory is freed out of the callbacks: calls and connections that end go
 * to a reap list that one event frees, so http_call_cancel() is safe from
 * anywhere, including inside the call's own callbacks.
 */
#include "compat.h"

#include <sys/socket.h>
#include <sys/queue.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "og-veil.h"
#include "xmalloc.h"

#define HTTP_CLIENT_MAX_IDLE		64
#define HTTP_CLIENT_MAX_HEADERS		(64 * 1024)
#define HTTP_CLIENT_CONNECT_MS		(10 * 1000)
#define HTTP_CLIENT_FIRST_BYTE_MS	(60 * 1000)
#define HTTP_CLIENT_IDLE_MS		(120 * 1000)
#define HTTP_CLIENT_TOTAL_MS		(600 * 1000)

struct http_origin;
struct http_conn {
	struct http_origin	*cn_origin;	/* not owned */
	struct evhttp_connection *cn_evcon;	/* owned */
	int			 cn_dead;	/* closed: never reused */
	int			 cn_used;	/* has served a request */
	int			 cn_idle;	/* on or_idle */
	TAILQ_ENTRY(http_conn)	 cn_entry;	/* or_idle or hc_reap_conns */
};
TAILQ_HEAD(http_conns, http_conn);

struct http_origin {
	struct http_client	*or_client;	/* back-pointer */
	char			*or_key;	/* owned: scheme://host:port */
	char			*or_host;	/* owned: no brackets */
	char			*or_hosthdr;	/* owned: Host header value */
	int			 or_port;
	int			 or_tls;
	int			 or_ip;		/* host is an IP literal */
	SSL_SESSION		*or_session;	/* owned: for resumption */
	struct http_conns	 or_idle;
	size_t			 or_nidle;
	TAILQ_ENTRY(http_origin) or_entry;
};

enum http_phase {
	HTTP_PHASE_CONNECT,
	HTTP_PHASE_FIRST,
	HTTP_PHASE_BODY
};

struct http_call {
	struct http_client	*ca_client;	/* not owned */
	struct http_origin	*ca_origin;	/* not owned */
	struct http_conn	*ca_conn;	/* in use by this call */
	struct evhttp_request	*ca_req;	/* evhttp owns it */
	int			 ca_flags;
#define CA_HEADERS		 0x01	/* status line and headers seen */
#define CA_FINISHED		 0x02	/* no callback any more */
#define CA_RETRIED		 0x04	/* retried on a fresh connection */
#define CA_STARTING		 0x08	/* inside evhttp_make_request */
#define CA_PENDING		 0x10	/* a result waits for the timer */
#define CA_ABORT		 0x20	/* cancelled: abort on the timer */
	enum http_phase		 ca_phase;
	int			 ca_evcode;	/* from error_cb, or -1 */
	int			 ca_result;	/* pending result */
	struct timespec		 ca_start;
	struct event		*ca_timer;	/* owned */
	enum evhttp_cmd_type	 ca_method;
	char			*ca_target;	/* owned: path?query */
	char			**ca_headers;	/* owned: name, value, ... */
	size_t			 ca_headers_size; /* of the one block */
	const uint8_t		*ca_body;	/* kept for the one retry */
	uint8_t			*ca_body_copy;	/* owned: ca_body, or NULL */
	size_t			 ca_bodylen;
	struct http_call_cb	 ca_cb;
	void			*ca_arg;
	char			 ca_err[256];
	TAILQ_ENTRY(http_call)	 ca_entry;	/* hc_calls or hc_reap_calls */
};
TAILQ_HEAD(http_calls, http_call);

struct http_client {
	struct event_base	*hc_base;	/* not owned */
	struct evdns_base	*hc_dns;	/* not owned */
	SSL_CTX			*hc_ssl;	/* owned */
	char			*hc_ca_file;	/* owned or NULL: --ca-file */
	TAILQ_HEAD(, http_origin) hc_origins;
	struct http_calls	 hc_calls;	/* live */
	struct http_calls	 hc_reap_calls;
	struct http_conns	 hc_reap_conns;
	struct event		*hc_reap_ev;	/* owned */
	uint64_t		 hc_opened;
	int			 hc_connect_ms;
	int			 hc_first_ms;
	int			 hc_idle_ms;
	int			 hc_total_ms;
};

static void	http_client_reap_cb(evutil_socket_t, short, void *);
static void	http_client_close_cb(struct evhttp_connection *, void *);
static int	http_client_session_cb(SSL *, SSL_SESSION *);
static void	http_client_done_cb(struct evhttp_request *, void *);
static void	http_client_error_cb(enum evhttp_request_error, void *);
static int	http_client_header_cb(struct evhttp_request *, void *);
static void	http_client_chunk_cb(struct evhttp_request *, void *);
static void	http_client_timer_cb(evutil_socket_t, short, void *);
static int	http_client_start(struct http_call *, int);
static void	http_client_finish(struct http_call *, int);

/* A new client; ca_file (may be NULL) is trusted beside the system CAs. */
struct http_client *
http_client_new(struct event_base *base, struct evdns_base *dns,
    const char *ca_file, char *errbuf, size_t errlen)
{
	struct http_client	*hc;
	unsigned long		 e;

	hc = xcalloc(1, sizeof(*hc));
	hc->hc_base = base;
	hc->hc_dns = dns;
	TAILQ_INIT(&hc->hc_origins);
	TAILQ_INIT(&hc->hc_calls);
	TAILQ_INIT(&hc->hc_reap_calls);
	TAILQ_INIT(&hc->hc_reap_conns);
	hc->hc_connect_ms = HTTP_CLIENT_CONNECT_MS;
	hc->hc_first_ms = HTTP_CLIENT_FIRST_BYTE_MS;
	hc->hc_idle_ms = HTTP_CLIENT_IDLE_MS;
	hc->hc_total_ms = HTTP_CLIENT_TOTAL_MS;

	hc->hc_reap_ev = event_new(base, -1, 0, http_client_reap_cb, hc);
	if (hc->hc_reap_ev == NULL) {
		snprintf(errbuf, errlen, "cannot create an event");
		goto fail;
	}
	if ((hc->hc_ssl = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(errbuf, errlen, "cannot create a TLS context");
		goto fail;
	}
	SSL_CTX_set_min_proto_version(hc->hc_ssl, TLS1_2_VERSION);
	/* Honours SSL_CERT_FILE and SSL_CERT_DIR. */
	if (SSL_CTX_set_default_verify_paths(hc->hc_ssl) != 1)
		ERR_clear_error();
	if (ca_file != NULL && *ca_file != '\0' &&
	    SSL_CTX_load_verify_locations(hc->hc_ssl, ca_file, NULL) != 1) {
		e = ERR_peek_last_error();
		snprintf(errbuf, errlen, "cannot load the CA file %s: %s",
		    ca_file, e != 0 ? ERR_reason_error_string(e) : "error");
		ERR_clear_error();
		goto fail;
	}
	if (ca_file != NULL && *ca_file != '\0')
		hc->hc_ca_file = xstrdup(ca_file);
	SSL_CTX_set_verify(hc->hc_ssl, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(hc->hc_ssl,
	    SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(hc->hc_ssl, http_client_session_cb);
	return (hc);

fail:
	if (hc->hc_reap_ev != NULL)
		event_free(hc->hc_reap_ev);
	if (hc->hc_ssl != NULL)
		SSL_CTX_free(hc->hc_ssl);
	free(hc);
	return (NULL);
}

/* Change the timeouts, in milliseconds; 0 keeps a value. */
void
http_client_set_timeouts(struct http_client *hc, int connect_ms,
    int first_ms, int idle_ms, int total_ms)
{
	if (connect_ms > 0)
		hc->hc_connect_ms = connect_ms;
	if (first_ms > 0)
		hc->hc_first_ms = first_ms;
	if (idle_ms > 0)
		hc->hc_idle_ms = idle_ms;
	if (total_ms > 0)
		hc->hc_total_ms = total_ms;
}

/* Connections opened since the client was created. */
uint64_t
http_client_connections_opened(const struct http_client *hc)
{
	return (hc->hc_opened);
}

/* Idle keep-alive connections held, all origins. */
size_t
http_client_connections_idle(const struct http_client *hc)
{
	struct http_origin	*or;
	size_t			 n = 0;

	TAILQ_FOREACH(or, &hc->hc_origins, or_entry)
		n += or->or_nidle;
	return (n);
}

static void
http_client_conn_free(struct http_conn *cn)
{
	if (cn->cn_evcon != NULL) {
		evhttp_connection_set_closecb(cn->cn_evcon, NULL, NULL);
		evhttp_connection_free(cn->cn_evcon);
	}
	free(cn);
}

static void
http_client_call_free(struct http_call *ca)
{
	if (ca->ca_timer != NULL)
		event_free(ca->ca_timer);
	free(ca->ca_target);
	/* One block; it may hold a bearer token. */
	if (ca->ca_headers != NULL)
		OPENSSL_cleanse(ca->ca_headers, ca->ca_headers_size);
	free(ca->ca_headers);
	free(ca->ca_body_copy);
	free(ca);
}

static void
http_client_reap_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_client	*hc = arg;
	struct http_call	*ca;
	struct http_conn	*cn;

	(void)fd;
	(void)what;
	while ((ca = TAILQ_FIRST(&hc->hc_reap_calls)) != NULL) {
		TAILQ_REMOVE(&hc->hc_reap_calls, ca, ca_entry);
		http_client_call_free(ca);
	}
	while ((cn = TAILQ_FIRST(&hc->hc_reap_conns)) != NULL) {
		TAILQ_REMOVE(&hc->hc_reap_conns, cn, cn_entry);
		http_client_conn_free(cn);
	}
}

static void
http_client_reap_soon(struct http_client *hc)
{
	event_active(hc->hc_reap_ev, EV_TIMEOUT, 1);
}

/* Free everything; calls still running end without a callback. */
void
http_client_free(struct http_client *hc)
{
	struct http_call	*ca;
	struct http_origin	*or;
	struct http_conn	*cn;
	struct evhttp_request	*req;

	if (hc == NULL)
		return;
	while ((ca = TAILQ_FIRST(&hc->hc_calls)) != NULL) {
		TAILQ_REMOVE(&hc->hc_calls, ca, ca_entry);
		ca->ca_flags |= CA_FINISHED;
		if ((req = ca->ca_req) != NULL) {
			ca->ca_req = NULL;
			evhttp_cancel_request(req);
		}
		if ((cn = ca->ca_conn) != NULL)
			http_client_conn_free(cn);
		http_client_call_free(ca);
	}
	while ((or = TAILQ_FIRST(&hc->hc_origins)) != NULL) {
		TAILQ_REMOVE(&hc->hc_origins, or, or_entry);
		while ((cn = TAILQ_FIRST(&or->or_idle)) != NULL) {
			TAILQ_REMOVE(&or->or_idle, cn, cn_entry);
			http_client_conn_free(cn);
		}
		if (or->or_session != NULL)
			SSL_SESSION_free(or->or_session);
		free(or->or_key);
		free(or->or_host);
		free(or->or_hosthdr);
		free(or);
	}
	http_client_reap_cb(-1, 0, hc);
	event_free(hc->hc_reap_ev);
	SSL_CTX_free(hc->hc_ssl);
	free(hc->hc_ca_file);
	free(hc);
}

/* TLS 1.3 tickets arrive after the handshake: keep the newest per origin. */
static int
http_client_session_cb(SSL *ssl, SSL_SESSION *sess)
{
	struct http_origin	*or = SSL_get_app_data(ssl);

	if (or == NULL)
		return (0);
	if (or->or_session != NULL)
		SSL_SESSION_free(or->or_session);
	or->or_session = sess;
	return (1);
}

static struct http_origin *
http_client_origin(struct http_client *hc, int tls, const char *host,
    int port)
{
	struct http_origin	*or;
	struct in6_addr		 a6;
	struct in_addr		 a4;
	char			*key;
	size_t			 hl;
	int			 v6;

	hl = strlen(host);
	v6 = hl >= 2 && host[0] == '[' && host[hl - 1] == ']';
	xasprintf(&key, "%s://%s:%d", tls ? "https" : "http", host, port);
	TAILQ_FOREACH(or, &hc->hc_origins, or_entry) {
		if (strcmp(or->or_key, key) == 0) {
			free(key);
			return (or);
		}
	}
	or = xcalloc(1, sizeof(*or));
	or->or_client = hc;
	or->or_key = key;
	or->or_host = v6 ? xstrndup(host + 1, hl - 2) : xstrdup(host);
	if (port == (tls ? 443 : 80))
		or->or_hosthdr = xstrdup(host);
	else
		xasprintf(&or->or_hosthdr, "%s:%d", host, port);
	or->or_port = port;
	or->or_tls = tls;
	or->or_ip = inet_pton(AF_INET, or->or_host, &a4) == 1 ||
	    inet_pton(AF_INET6, or->or_host, &a6) == 1;
	TAILQ_INIT(&or->or_idle);
	TAILQ_INSERT_TAIL(&hc->hc_origins, or, or_entry);
	return (or);
}

static struct http_conn *
http_client_conn_new(struct http_client *hc, struct http_origin *or)
{
	struct http_conn	*cn;
	struct bufferevent	*bev;
	SSL			*ssl = NULL;
	int			 secs;
	const int		 opts = BEV_OPT_CLOSE_ON_FREE |
			    BEV_OPT_DEFER_CALLBACKS;

	if (or->or_tls) {
		if ((ssl = SSL_new(hc->hc_ssl)) == NULL)
			goto fail;
		SSL_set_app_data(ssl, or);
		if (or->or_ip) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
			    or->or_host) != 1)
				goto fail;
		} else {
			if (SSL_set_tlsext_host_name(ssl, or->or_host) != 1 ||
			    SSL_set1_host(ssl, or->or_host) != 1)
				goto fail;
		}
		if (or->or_session != NULL &&
		    SSL_SESSION_is_resumable(or->or_session) == 1)
			SSL_set_session(ssl, or->or_session);
		bev = bufferevent_openssl_socket_new(hc->hc_base, -1, ssl,
		    BUFFEREVENT_SSL_CONNECTING, opts);
		if (bev == NULL)
			goto fail;
		ssl = NULL;	/* the bufferevent owns it */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	} else {
		if ((bev = bufferevent_socket_new(hc->hc_base, -1,
		    opts)) == NULL)
			goto fail;
	}

	cn = xcalloc(1, sizeof(*cn));
	cn->cn_origin = or;
	cn->cn_evcon = evhttp_connection_base_bufferevent_new(hc->hc_base,
	    hc->hc_dns, bev, or->or_host, (unsigned short)or->or_port);
	if (cn->cn_evcon == NULL) {
		bufferevent_free(bev);
		free(cn);
		goto fail;
	}
	/*
	 * evhttp's own timeout (connect, read, write) is a backstop: the
	 * call's timer, shorter, decides.  On an idle pooled connection it
	 * closes the connection after this long.
	 */
	secs = hc->hc_idle_ms;
	if (hc->hc_first_ms > secs)
		secs = hc->hc_first_ms;
	if (hc->hc_connect_ms > secs)
		secs = hc->hc_connect_ms;
	secs = secs / 1000 + 1;
	evhttp_connection_set_timeout(cn->cn_evcon, secs);
	evhttp_connection_set_max_headers_size(cn->cn_evcon,
	    HTTP_CLIENT_MAX_HEADERS);
	evhttp_connection_set_closecb(cn->cn_evcon, http_client_close_cb, cn);
	hc->hc_opened++;
	log_debug("http-client: new connection %" PRIu64 " to %s",
	    hc->hc_opened, or->or_key);
	return (cn);

fail:
	if (ssl != NULL)
		SSL_free(ssl);
	log_openssl("http-client: cannot set up a connection");
	return (NULL);
}

static void
http_client_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn	*cn = arg;
	struct http_origin	*or = cn->cn_origin;

	(void)evcon;
	cn->cn_dead = 1;
	if (!cn->cn_idle)
		return;		/* its call releases it */
	/* The peer closed an idle connection: free it out of evhttp. */
	TAILQ_REMOVE(&or->or_idle, cn, cn_entry);
	or->or_nidle--;
	cn->cn_idle = 0;
	TAILQ_INSERT_TAIL(&or->or_client->hc_reap_conns, cn, cn_entry);
	http_client_reap_soon(or->or_client);
}

/* Give the call's connection back: to the idle list, or to be freed. */
static void
http_client_release(struct http_call *ca, int reusable)
{
	struct http_client	*hc = ca->ca_client;
	struct http_conn	*cn = ca->ca_conn;
	struct http_origin	*or = ca->ca_origin;
	struct bufferevent	*bev;

	if (cn == NULL)
		return;
	ca->ca_conn = NULL;
	cn->cn_used = 1;
	/*
	 * Bytes after a complete answer: a confused or hostile peer.  They
	 * would be read as the next call's answer, so never pool it.
	 */
	if (reusable && cn->cn_evcon != NULL &&
	    (bev = evhttp_connection_get_bufferevent(cn->cn_evcon)) != NULL &&
	    evbuffer_get_length(bufferevent_get_input(bev)) > 0)
		reusable = 0;
	if (reusable && !cn->cn_dead && or->or_nidle < HTTP_CLIENT_MAX_IDLE) {
		cn->cn_idle = 1;
		TAILQ_INSERT_HEAD(&or->or_idle, cn, cn_entry);
		or->or_nidle++;
		return;
	}
	cn->cn_dead = 1;
	TAILQ_INSERT_TAIL(&hc->hc_reap_conns, cn, cn_entry);
	http_client_reap_soon(hc);
}

static int
http_client_elapsed_ms(const struct http_call *ca)
{
	struct timespec	now;
	long long	ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - ca->ca_start.tv_sec) * 1000 +
	    (now.tv_nsec - ca->ca_start.tv_nsec) / 1000000;
	return (ms > 0x7fffffff ? 0x7fffffff : (int)ms);
}

static void
http_client_arm(struct http_call *ca, int ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ca->ca_timer, &tv);
}

/* Arm the timer for the current phase. */
static void
http_client_arm_phase(struct http_call *ca)
{
	struct http_client	*hc = ca->ca_client;
	int			 el = http_client_elapsed_ms(ca), ms;

	switch (ca->ca_phase) {
	case HTTP_PHASE_CONNECT:
		ms = hc->hc_connect_ms - el;
		if (ms > hc->hc_first_ms - el)
			ms = hc->hc_first_ms - el;
		break;
	case HTTP_PHASE_FIRST:
		ms = hc->hc_first_ms - el;
		break;
	default:
		ms = hc->hc_idle_ms;
		break;
	}
	if (ms > hc->hc_total_ms - el)
		ms = hc->hc_total_ms - el;
	http_client_arm(ca, ms);
}

/* The message hc_done gets: "<prefix><origin>: <what>". */
static void
http_client_set_err(struct http_call *ca, const char *prefix,
    const char *what)
{
	snprintf(ca->ca_err, sizeof(ca->ca_err), "%s%s: %s", prefix,
	    ca->ca_origin->or_key, what);
}

/*
 * 1, with the call's error set, when its TLS handshake failed because the
 * peer's certificate is not trusted (or names another host): say which
 * host and which CA bundle, so the user can fix the right one.
 */
static int
http_client_tls_rejected(struct http_call *ca)
{
	struct bufferevent	*bev;
	SSL			*ssl;
	unsigned long		 e;
	long			 vr;
	const char		*why = NULL, *cafile;

	if (!ca->ca_origin->or_tls || ca->ca_conn == NULL ||
	    ca->ca_conn->cn_evcon == NULL || (ca->ca_flags & CA_HEADERS))
		return (0);
	bev = evhttp_connection_get_bufferevent(ca->ca_conn->cn_evcon);
	if (bev == NULL || (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return (0);
	if ((vr = SSL_get_verify_result(ssl)) != X509_V_OK)
		why = X509_verify_cert_error_string(vr);
	else if ((e = bufferevent_get_openssl_error(bev)) != 0 &&
	    ERR_GET_LIB(e) == ERR_LIB_SSL &&
	    ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED)
		why = "certificate verify failed";
	if (why == NULL)
		return (0);
	cafile = ca->ca_client->hc_ca_file;
	snprintf(ca->ca_err, sizeof(ca->ca_err), "TLS certificate of %s "
	    "rejected (%s): it is not trusted by %s%s%s", ca->ca_origin->or_key,
	    why, cafile != NULL ? "the CA file " : "the system CA store "
	    "(SSL_CERT_FILE, SSL_CERT_DIR)", cafile != NULL ? cafile : "",
	    cafile != NULL ? " or the system CA store" : "; set --ca-file");
	return (1);
}

/* 1 when the call's connection finished its connect (and TLS handshake). */
static int
http_client_connected(struct http_call *ca)
{
	struct bufferevent	*bev;
	struct sockaddr_storage	 ss;
	socklen_t		 sl = sizeof(ss);
	evutil_socket_t		 fd;
	SSL			*ssl;

	if (ca->ca_conn == NULL || ca->ca_conn->cn_evcon == NULL)
		return (0);
	bev = evhttp_connection_get_bufferevent(ca->ca_conn->cn_evcon);
	if (bev == NULL || (fd = bufferevent_getfd(bev)) == -1)
		return (0);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return (0);
	if (ca->ca_origin->or_tls) {
		if ((ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
			return (0);
		return (SSL_is_init_finished(ssl) == 1);
	}
	return (1);
}

/* Stop the evhttp request (not from inside its callbacks). */
static void
http_client_abort(struct http_call *ca)
{
	struct evhttp_request	*req;

	if ((req = ca->ca_req) != NULL) {
		ca->ca_req = NULL;
		evhttp_request_set_error_cb(req, NULL);
		evhttp_cancel_request(req);
	}
	http_client_release(ca, 0);
}

/* Deliver the result once and free the call later. */
static void
http_client_finish(struct http_call *ca, int result)
{
	struct http_client	*hc = ca->ca_client;

	if (ca->ca_flags & CA_FINISHED)
		return;
	if (ca->ca_flags & CA_STARTING) {
		/* Never call back from inside http_call_new(). */
		ca->ca_flags |= CA_PENDING;
		ca->ca_result = result;
		http_client_arm(ca, 0);
		return;
	}
	ca->ca_flags |= CA_FINISHED;
	evtimer_del(ca->ca_timer);
	TAILQ_REMOVE(&hc->hc_calls, ca, ca_entry);
	TAILQ_INSERT_TAIL(&hc->hc_reap_calls, ca, ca_entry);
	http_client_reap_soon(hc);
	if (ca->ca_cb.hc_done != NULL)
		ca->ca_cb.hc_done(ca->ca_arg, result,
		    result == HTTP_CALL_OK ? NULL : ca->ca_err);
}

static void
http_client_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_call	*ca = arg;
	struct http_client	*hc = ca->ca_client;
	int			 el;

	(void)fd;
	(void)what;
	if (ca->ca_flags & CA_FINISHED)
		return;
	if (ca->ca_flags & CA_ABORT) {
		http_client_abort(ca);
		ca->ca_cb.hc_done = NULL;
		http_client_finish(ca, HTTP_E_IO);
		return;
	}
	if (ca->ca_flags & CA_PENDING) {
		ca->ca_flags &= ~CA_PENDING;
		http_client_finish(ca, ca->ca_result);
		return;
	}
	el = http_client_elapsed_ms(ca);
	if (ca->ca_phase == HTTP_PHASE_CONNECT) {
		if (!http_client_connected(ca)) {
			http_client_abort(ca);
			http_client_set_err(ca, "cannot connect to ",
			    "connect timeout");
			http_client_finish(ca, HTTP_E_CONNECT);
			return;
		}
		ca->ca_phase = HTTP_PHASE_FIRST;
		if (el < hc->hc_first_ms && el < hc->hc_total_ms) {
			http_client_arm_phase(ca);
			return;
		}
	}
	http_client_abort(ca);
	if (el >= hc->hc_total_ms)
		http_client_set_err(ca, "", "total timeout");
	else if (ca->ca_phase == HTTP_PHASE_FIRST)
		http_client_set_err(ca, "", "no answer in time");
	else
		http_client_set_err(ca, "", "answer stalled");
	http_client_finish(ca, HTTP_E_TIMEOUT);
}

static int
http_client_header_cb(struct evhttp_request *req, void *arg)
{
	struct http_call	*ca = arg;
	int			 code;

	if (ca->ca_flags & (CA_FINISHED | CA_ABORT))
		return (-1);
	ca->ca_flags |= CA_HEADERS;
	ca->ca_phase = HTTP_PHASE_BODY;
	http_client_arm_phase(ca);
	code = evhttp_request_get_response_code(req);
	if (ca->ca_cb.hc_headers != NULL &&
	    ca->ca_cb.hc_headers(ca->ca_arg, code,
	    evhttp_request_get_input_headers(req)) == -1) {
		/* The caller aborted: no more callbacks. */
		ca->ca_flags |= CA_ABORT;
		memset(&ca->ca_cb, 0, sizeof(ca->ca_cb));
		http_client_arm(ca, 0);
		return (0);
	}
	return (0);
}

static void
http_client_chunk_cb(struct evhttp_request *req, void *arg)
{
	struct http_call	*ca = arg;
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct evbuffer_iovec	 v[8];
	int			 i, n;

	if (ca->ca_flags & (CA_FINISHED | CA_ABORT))
		return;		/* evhttp drains the buffer */
	http_client_arm_phase(ca);
	while (evbuffer_get_length(in) > 0) {
		n = evbuffer_peek(in, -1, NULL, v, 8);
		if (n > 8)
			n = 8;
		for (i = 0; i < n; i++) {
			if (ca->ca_cb.hc_data != NULL &&
			    ca->ca_cb.hc_data(ca->ca_arg, v[i].iov_base,
			    v[i].iov_len) == -1) {
				ca->ca_flags |= CA_ABORT;
				memset(&ca->ca_cb, 0, sizeof(ca->ca_cb));
				http_client_arm(ca, 0);
				return;
			}
			if (ca->ca_flags & (CA_FINISHED | CA_ABORT))
				return;
			evbuffer_drain(in, v[i].iov_len);
		}
	}
}

static void
http_client_error_cb(enum evhttp_request_error err, void *arg)
{
	struct http_call	*ca = arg;

	ca->ca_evcode = (int)err;
}

static void
http_client_done_cb(struct evhttp_request *req, void *arg)
{
	struct http_call	*ca = arg;
	struct bufferevent	*bev;
	int			 dnserr, code, result;

	if (ca->ca_req == NULL)
		return;		/* aborted */
	ca->ca_req = NULL;	/* evhttp frees it */
	if (ca->ca_flags & (CA_FINISHED | CA_ABORT)) {
		http_client_release(ca, req != NULL &&
		    evhttp_request_get_response_code(req) != 0);
		return;
	}
	if (req != NULL && (code = evhttp_request_get_response_code(req)) > 0) {
		http_client_release(ca, 1);
		http_client_finish(ca, HTTP_CALL_OK);
		return;
	}

	/* The peer closed a reused connection before answering: retry. */
	if (!(ca->ca_flags & (CA_HEADERS | CA_RETRIED)) &&
	    ca->ca_conn != NULL && ca->ca_conn->cn_used && req == NULL &&
	    (ca->ca_evcode == EVREQ_HTTP_EOF ||
	    ca->ca_evcode == EVREQ_HTTP_BUFFER_ERROR)) {
		ca->ca_flags |= CA_RETRIED;
		http_client_release(ca, 0);
		log_debug("http-client: %s closed a kept-alive connection; "
		    "retrying", ca->ca_origin->or_key);
		if (http_client_start(ca, 1) == 0)
			return;
		http_client_set_err(ca, "cannot connect to ",
		    "cannot open a connection");
		http_client_finish(ca, HTTP_E_CONNECT);
		return;
	}

	if (req != NULL) {
		/* evhttp signals a failed connect with status 0. */
		http_client_set_err(ca, "cannot connect to ",
		    "connection failed");
		bev = ca->ca_conn != NULL ?
		    evhttp_connection_get_bufferevent(ca->ca_conn->cn_evcon) :
		    NULL;
		if (bev != NULL &&
		    (dnserr = bufferevent_socket_get_dns_error(bev)) != 0)
			http_client_set_err(ca, "cannot resolve ",
			    evutil_gai_strerror(dnserr));
		else
			(void)http_client_tls_rejected(ca);
		ERR_clear_error();
		result = HTTP_E_CONNECT;
	} else {
		switch (ca->ca_evcode) {
		case EVREQ_HTTP_TIMEOUT:
			http_client_set_err(ca, "", "timeout");
			result = HTTP_E_TIMEOUT;
			break;
		case EVREQ_HTTP_INVALID_HEADER:
			http_client_set_err(ca, "",
			    "invalid response header");
			result = HTTP_E_IO;
			break;
		case EVREQ_HTTP_DATA_TOO_LONG:
			http_client_set_err(ca, "",
			    "response headers too large");
			result = HTTP_E_IO;
			break;
		default:
			/* evhttp reports a failed handshake as an EOF. */
			if (http_client_tls_rejected(ca)) {
				ERR_clear_error();
				result = HTTP_E_CONNECT;
				break;
			}
			if (ca->ca_flags & CA_HEADERS)
				http_client_set_err(ca, "",
				    "answer truncated");
			else
				http_client_set_err(ca, "",
				    "connection closed without an answer");
			result = HTTP_E_IO;
			break;
		}
	}
	http_client_release(ca, 0);
	http_client_finish(ca, result);
}

/* Send the call on an idle connection or a new one; -1 when none opens. */
static int
http_client_start(struct http_call *ca, int fresh)
{
	struct http_client	*hc = ca->ca_client;
	struct http_origin	*or = ca->ca_origin;
	struct http_conn	*cn = NULL;
	struct evhttp_request	*req;
	struct evkeyvalq	*oh;
	char			 len[32];
	char			**h;
	int			 rc;

	if (!fresh && (cn = TAILQ_FIRST(&or->or_idle)) != NULL) {
		TAILQ_REMOVE(&or->or_idle, cn, cn_entry);
		or->or_nidle--;
		cn->cn_idle = 0;
	}
	if (cn == NULL && (cn = http_client_conn_new(hc, or)) == NULL)
		return (-1);
	ca->ca_conn = cn;
	ca->ca_evcode = -1;
	ca->ca_phase = cn->cn_used ? HTTP_PHASE_FIRST : HTTP_PHASE_CONNECT;

	if ((req = evhttp_request_new(http_client_done_cb, ca)) == NULL) {
		http_client_release(ca, 1);
		return (-1);
	}
	evhttp_request_set_header_cb(req, http_client_header_cb);
	evhttp_request_set_chunked_cb(req, http_client_chunk_cb);
	evhttp_request_set_error_cb(req, http_client_error_cb);
	oh = evhttp_request_get_output_headers(req);
	evhttp_add_header(oh, "Host", or->or_hosthdr);
	for (h = ca->ca_headers; h != NULL && h[0] != NULL && h[1] != NULL;
	    h += 2)
		evhttp_add_header(oh, h[0], h[1]);
	if (ca->ca_method == EVHTTP_REQ_POST) {
		snprintf(len, sizeof(len), "%zu", ca->ca_bodylen);
		evhttp_remove_header(oh, "Content-Length");
		evhttp_add_header(oh, "Content-Length", len);
		if (ca->ca_bodylen > 0)
			evbuffer_add(evhttp_request_get_output_buffer(req),
			    ca->ca_body, ca->ca_bodylen);
	}
	ca->ca_req = req;
	ca->ca_flags |= CA_STARTING;
	rc = evhttp_make_request(cn->cn_evcon, req, ca->ca_method,
	    ca->ca_target);
	ca->ca_flags &= ~CA_STARTING;
	if (rc != 0) {
		/* evhttp keeps or frees req itself; it is no longer ours. */
		ca->ca_req = NULL;
		http_client_release(ca, 0);
		return (-1);
	}
	http_client_arm_phase(ca);
	return (0);
}

/*
 * A copy of the name, value, ... list (up to the first NULL pair) in one
 * allocation, the strings after the pointers; its size in *sizep.
 */
static char **
http_client_headers_dup(const char *const *headers, size_t *sizep)
{
	char	**h, *p;
	size_t	  n = 0, i, size, len;

	if (headers == NULL)
		return (NULL);
	while (headers[n] != NULL && headers[n + 1] != NULL)
		n += 2;
	size = (n + 1) * sizeof(*h);
	for (i = 0; i < n; i++)
		size += strlen(headers[i]) + 1;
	h = xmalloc(size);
	p = (char *)(h + n + 1);
	for (i = 0; i < n; i++) {
		len = strlen(headers[i]) + 1;
		memcpy(p, headers[i], len);
		h[i] = p;
		p += len;
	}
	h[n] = NULL;
	*sizep = size;
	return (h);
}

/*
 * Start a call: method "GET" or "POST", an absolute http or https URL,
 * extra headers, a body (copied unless borrow is set).  NULL (with no
 * callback) when the URL is bad or no connection can be made; otherwise
 * hc_done comes later, never from inside this function.  After hc_done
 * the handle is gone.
 */
static struct http_call *
http_call_start(struct http_client *hc, const char *method, const char *url,
    const char *const *headers, const uint8_t *body, size_t bodylen,
    int borrow, const struct http_call_cb *cb, void *arg)
{
	struct http_call	*ca;
	struct evhttp_uri	*uri;
	const char		*scheme, *host, *path, *query;
	int			 tls, port;

	if ((uri = evhttp_uri_parse(url)) == NULL)
		return (NULL);
	scheme = evhttp_uri_get_scheme(uri);
	host = evhttp_uri_get_host(uri);
	if (scheme == NULL || host == NULL || *host == '\0' ||
	    (strcasecmp(scheme, "http") != 0 &&
	    strcasecmp(scheme, "https") != 0)) {
		evhttp_uri_free(uri);
		return (NULL);
	}
	tls = strcasecmp(scheme, "https") == 0;
	if ((port = evhttp_uri_get_port(uri)) == -1)
		port = tls ? 443 : 80;
	if (port <= 0 || port > 65535) {
		evhttp_uri_free(uri);
		return (NULL);
	}

	ca = xcalloc(1, sizeof(*ca));
	ca->ca_client = hc;
	ca->ca_origin = http_client_origin(hc, tls, host, port);
	path = evhttp_uri_get_path(uri);
	if (path == NULL || *path == '\0')
		path = "/";
	if ((query = evhttp_uri_get_query(uri)) != NULL)
		xasprintf(&ca->ca_target, "%s?%s", path, query);
	else
		ca->ca_target = xstrdup(path);
	evhttp_uri_free(uri);
	ca->ca_method = strcasecmp(method, "POST") == 0 ? EVHTTP_REQ_POST :
	    EVHTTP_REQ_GET;
	ca->ca_headers = http_client_headers_dup(headers,
	    &ca->ca_headers_size);
	if (bodylen > 0 && !borrow)
		ca->ca_body = ca->ca_body_copy = xmemdup(body, bodylen);
	else if (bodylen > 0)
		ca->ca_body = body;
	ca->ca_bodylen = bodylen;
	if (cb != NULL)
		ca->ca_cb = *cb;
	ca->ca_arg = arg;
	ca->ca_timer = evtimer_new(hc->hc_base, http_client_timer_cb, ca);
	if (ca->ca_timer == NULL) {
		http_client_call_free(ca);
		return (NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &ca->ca_start);
	TAILQ_INSERT_TAIL(&hc->hc_calls, ca, ca_entry);
	if (http_client_start(ca, 0) == -1) {
		TAILQ_REMOVE(&hc->hc_calls, ca, ca_entry);
		http_client_call_free(ca);
		return (NULL);
	}
	return (ca);
}

/* A call whose body is copied: the caller may free it at once. */
struct http_call *
http_call_new(struct http_client *hc, const char *method, const char *url,
    const char *const *headers, const uint8_t *body, size_t bodylen,
    const struct http_call_cb *cb, void *arg)
{
	return (http_call_start(hc, method, url, headers, body, bodylen, 0,
	    cb, arg));
}

/*
 * A call whose body is borrowed: the caller keeps it unchanged until
 * hc_done or http_call_cancel() (a sealed request is held once).
 */
struct http_call *
http_call_new_borrowed(struct http_client *hc, const char *method,
    const char *url, const char *const *headers, const uint8_t *body,
    size_t bodylen, const struct http_call_cb *cb, void *arg)
{
	return (http_call_start(hc, method, url, headers, body, bodylen, 1,
	    cb, arg));
}

/* Cancel: no callback afterwards; the work happens out of the caller. */
void
http_call_cancel(struct http_call *ca)
{
	if (ca == NULL || (ca->ca_flags & (CA_FINISHED | CA_ABORT)))
		return;
	memset(&ca->ca_cb, 0, sizeof(ca->ca_cb));
	ca->ca_flags |= CA_ABORT;
	ca->ca_flags &= ~CA_PENDING;
	http_client_arm(ca, 0);
}

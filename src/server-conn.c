/*
 * server-conn.c: every agent connection counted from accept(), not from
 * its first request.  evhttp 2.1 has no accept hook, so its bufferevent
 * callback (evhttp_set_bevcb) notes each new connection and a deferred
 * event picks up the evhttp_connection evhttp built around it.  At the cap
 * (--max-conns, lowered to fit the open-file limit with descriptors kept
 * for upstream work) the oldest idle keep-alive connection is closed, else
 * the oldest one still sending its headers after SERVER_EVICT_SECONDS,
 * else the new one gets a 503 in the JSON envelope and is closed.  A 1 s
 * sweep enforces the deadlines: a whole header block in
 * SERVER_HEADER_SECONDS, no body byte for --body-timeout seconds, an answer
 * not read for SERVER_WRITE_SECONDS.  accept() failing with EMFILE or
 * ENFILE pauses the listener (one log line per SERVER_LOG_EVERY) until a
 * connection closes or SERVER_PAUSE_MS pass.
 */
#include "compat.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "xmalloc.h"
#include "og-veil.h"

#define SERVER_STR1(x)	#x
#define SERVER_STR(x)	SERVER_STR1(x)

enum server_conn_state {
	SC_HEAD,		/* reading a request (headers, then body) */
	SC_BUSY,		/* a request is being answered */
	SC_IDLE			/* kept alive between requests */
};

/* One agent connection, found by its descriptor. */
struct server_conn {
	struct evhttp_connection *sc_evcon;	/* evhttp owns it */
	struct bufferevent	*sc_bev;	/* evhttp owns it */
	int			 sc_fd;
	enum server_conn_state	 sc_state;
	int64_t			 sc_since;	/* state entered, ms */
	int64_t			 sc_last_rx;	/* last byte in, ms */
	int64_t			 sc_last_tx;	/* last byte out, ms */
	size_t			 sc_rx;		/* bytes read in SC_HEAD */
	int			 sc_eoh;	/* end-of-head scan state */
	size_t			 sc_head_len;	/* bytes to the blank line */
	int			 sc_rewriting;	/* in server_conn_json_page */
#define SC_EOH_LINE	0			/* within a line */
#define SC_EOH_LF	1			/* a line just ended */
#define SC_EOH_LFCR	2			/* ... and a CR came */
#define SC_EOH_DONE	3			/* the blank line came */
	struct evbuffer_cb_entry *sc_rxcb;	/* on the input */
	struct evbuffer_cb_entry *sc_txcb;	/* on the output */
	struct req		*sc_req;	/* not owned: request on it */
	TAILQ_ENTRY(server_conn) sc_entry;	/* oldest first */
};
TAILQ_HEAD(server_conn_list, server_conn);

static struct server_conn	**server_conns;	/* indexed by descriptor */
static size_t			  server_nconn_slots;
static struct server_conn_list	  server_conn_all =
    TAILQ_HEAD_INITIALIZER(server_conn_all);
static size_t			  server_nconns;
static size_t			  server_max_conns;
static size_t			  server_head_max;	/* api.c's 431 */
static int			  server_body_timeout;	/* seconds */

/* New bufferevents evhttp has not finished setting up; referenced. */
static struct bufferevent	**server_pending;
static size_t			  server_npending;
static size_t			  server_pending_cap;

static struct evconnlistener	*server_listener;	/* evhttp owns it */
static struct event		*server_settle_ev;
static struct event		*server_sweep_ev;
static struct event		*server_resume_ev;
static int			  server_paused;

/* Rate-limited warnings: the last time and how many were not logged. */
struct server_warn {
	int64_t		 sw_last;	/* ms */
	unsigned long	 sw_quiet;
};
static struct server_warn	  server_warn_accept;
static struct server_warn	  server_warn_cap;
static struct server_warn	  server_warn_evict;
static struct server_warn	  server_warn_header;
static struct server_warn	  server_warn_body;
static struct server_warn	  server_warn_write;

static void	server_conn_close_cb(struct evhttp_connection *, void *);

/*
 * The monotonic clock in milliseconds: deadlines of a second or two are
 * that long, not anything from 0 to 1 s more, as whole seconds made them.
 */
static int64_t
server_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

#define SERVER_MS(s)	((int64_t)(s) * 1000)

/* 1 when a warning may be logged now; *quiet says how many were not. */
static int
server_warn_ok(struct server_warn *sw, unsigned long *quiet)
{
	int64_t	now = server_now();

	if (sw->sw_last != 0 &&
	    now - sw->sw_last < SERVER_MS(SERVER_LOG_EVERY)) {
		sw->sw_quiet++;
		return (0);
	}
	*quiet = sw->sw_quiet;
	sw->sw_quiet = 0;
	sw->sw_last = now;
	return (1);
}

/* Agent connections counted now (GET /metrics). */
size_t
server_conn_count(void)
{
	return (server_nconns);
}

static struct server_conn *
server_conn_by_evcon(struct evhttp_connection *evcon)
{
	struct bufferevent	*bev;
	int			 fd;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (fd = bufferevent_getfd(bev)) < 0 ||
	    (size_t)fd >= server_nconn_slots || server_conns[fd] == NULL ||
	    server_conns[fd]->sc_evcon != evcon)
		return (NULL);
	return (server_conns[fd]);
}

static int
server_conn_eoh_step(int st, unsigned char c)
{
	if (c == '\n')
		return (st == SC_EOH_LINE ? SC_EOH_LF : SC_EOH_DONE);
	if (c == '\r')
		return (st == SC_EOH_LF ? SC_EOH_LFCR :
		    st == SC_EOH_LFCR ? SC_EOH_LINE : st);
	return (SC_EOH_LINE);
}

/*
 * Scan the n bytes just added to b for the blank line that ends a header
 * block (CRLF or bare LF line ends, as evhttp reads them), so that the
 * header deadline stops once the body begins, however small it is.
 */
static void
server_conn_scan_head(struct server_conn *sc, struct evbuffer *b, size_t n)
{
	struct evbuffer_ptr	 pos;
	struct evbuffer_iovec	 v[8];
	const unsigned char	*p;
	size_t			 len = evbuffer_get_length(b), i, m, used = 0;
	size_t			 n0;
	int			 k, nv, st = sc->sc_eoh;

	if (n > len)
		n = len;
	n0 = n;
	if (evbuffer_ptr_set(b, &pos, len - n, EVBUFFER_PTR_SET) == -1)
		return;
	while (n > 0 && st != SC_EOH_DONE) {
		if ((nv = evbuffer_peek(b, (ev_ssize_t)n, &pos, v, 8)) <= 0)
			break;
		if (nv > 8)
			nv = 8;
		for (k = 0; k < nv && n > 0 && st != SC_EOH_DONE; k++) {
			p = v[k].iov_base;
			m = v[k].iov_len < n ? v[k].iov_len : n;
			for (i = 0; i < m && st != SC_EOH_DONE; i++)
				st = server_conn_eoh_step(st, p[i]);
			used += i;
			n -= m;
			if (n > 0 && evbuffer_ptr_set(b, &pos, m,
			    EVBUFFER_PTR_ADD) == -1)
				n = 0;
		}
	}
	sc->sc_eoh = st;
	if (st == SC_EOH_DONE)
		sc->sc_head_len = sc->sc_rx - n0 + used;
}

static void
server_conn_rx_cb(struct evbuffer *b, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct server_conn	*sc = arg;

	if (info->n_added == 0)
		return;
	sc->sc_last_rx = server_now();
	if (sc->sc_state == SC_IDLE) {
		sc->sc_state = SC_HEAD;
		sc->sc_since = sc->sc_last_rx;
		sc->sc_rx = 0;
		sc->sc_eoh = SC_EOH_LINE;
	}
	sc->sc_rx += info->n_added;
	if (sc->sc_state == SC_HEAD && sc->sc_eoh != SC_EOH_DONE)
		server_conn_scan_head(sc, b, info->n_added);
}

/*
 * libevent 2.1 answers some errors itself, with a small HTML page
 * (evhttp_send_error()) and no hook to change it: a request line or header
 * it cannot parse or one over its limit (400), a body over its limit or
 * with a broken chunked coding (413), an Expect other than 100-continue
 * (417), a method it does not know (501).  Such a page is queued whole on
 * the output before a byte of it is written, while the connection is not
 * answering a request of ours (not SC_BUSY): it is replaced by the same
 * status in the JSON envelope; a head over the limit gets 431.
 */
static const struct server_conn_page {
	int		 sp_status;
	enum error_code	 sp_error;	/* its message and code, or ... */
	const char	*sp_code;	/* ... these when not NULL */
	const char	*sp_message;
} server_conn_pages[] = {
	{ 400, ERROR_BAD_FRAMING, "bad_request", "the request line or a "
	  "header could not be parsed (RFC 9112)" },
	{ 413, ERROR_BODY_TOO_LARGE, NULL, "request body exceeds the size "
	  "limit (OG_VEIL_MAX_BODY), or its chunked coding is broken" },
	{ 431, ERROR_HEADERS_TOO_LARGE, NULL, NULL },
	{ 417, ERROR_BAD_FRAMING, "expectation_failed", "only "
	  "\"Expect: 100-continue\" is supported (RFC 9110, section 10.1.1)" },
	{ 501, ERROR_METHOD_NOT_ALLOWED, "not_implemented", "og-veil serves "
	  "GET, HEAD, POST, PUT, DELETE, OPTIONS and PATCH only" }
};
#define SERVER_PAGE_FORMAT \
	"<HTML><HEAD>\n<TITLE>%d %.*s</TITLE>\n</HEAD><BODY>\n<H1>%.*s</H1>\n" \
	"</BODY></HTML>\n"
#define SERVER_PAGE_TAIL	"</BODY></HTML>\n"
#define SERVER_PAGE_MAX		2048

/* The page of libevent's in b (all of b), in the JSON envelope. */
static void
server_conn_json_page(struct server_conn *sc, struct evbuffer *b)
{
	const struct server_conn_page	*sp = NULL;
	const struct error_def		*ed;
	struct evbuffer_ptr		 pos;
	struct buf			 body, out;
	char				 page[SERVER_PAGE_MAX + 1], want[512];
	char				 tail[sizeof(SERVER_PAGE_TAIL) - 1];
	const char			*eol, *hdr, *end, *next, *reason;
	size_t				 len = evbuffer_get_length(b), i;
	int				 status, rlen, frozen = 0;

	if (len < sizeof(tail) || len > SERVER_PAGE_MAX ||
	    evbuffer_ptr_set(b, &pos, len - sizeof(tail),
	    EVBUFFER_PTR_SET) == -1)
		return;
	/*
	 * Once anything was written, bufferevent_sock keeps its output frozen
	 * at the front between writes (it thaws it to write): thaw it the same
	 * way to read and replace the page, and freeze it again.
	 */
	if (evbuffer_copyout_from(b, &pos, tail, sizeof(tail)) == -1) {
		evbuffer_unfreeze(b, 1);
		frozen = 1;
	}
	if (evbuffer_copyout_from(b, &pos, tail, sizeof(tail)) !=
	    (ev_ssize_t)sizeof(tail) ||
	    memcmp(tail, SERVER_PAGE_TAIL, sizeof(tail)) != 0 ||
	    evbuffer_copyout(b, page, len) != (ev_ssize_t)len)
		goto out;
	page[len] = '\0';
	/* "HTTP/1.x NNN reason\r\n", headers, and exactly libevent's page. */
	if (len < 16 || strncmp(page, "HTTP/1.", 7) != 0 || page[8] != ' ' ||
	    page[12] != ' ' || (eol = strstr(page, "\r\n")) == NULL ||
	    (end = strstr(eol, "\r\n\r\n")) == NULL)
		goto out;
	for (i = 9, status = 0; i < 12; i++) {
		if (page[i] < '0' || page[i] > '9')
			goto out;
		status = status * 10 + page[i] - '0';
	}
	reason = page + 13;
	rlen = (int)(eol - reason);
	snprintf(want, sizeof(want), SERVER_PAGE_FORMAT, status, rlen, reason,
	    rlen, reason);
	if (strcmp(end + 4, want) != 0)
		goto out;
	/*
	 * A head over evhttp's limit (it says 400 or 413) is 431, as api.c
	 * answers below that limit.
	 */
	if ((status == 400 || status == 413) && (sc->sc_eoh == SC_EOH_DONE ?
	    sc->sc_head_len : sc->sc_rx) > server_head_max) {
		status = 431;
		reason = "Request Header Fields Too Large";
		rlen = (int)strlen(reason);
	}
	for (i = 0; i < sizeof(server_conn_pages) /
	    sizeof(server_conn_pages[0]); i++)
		if (server_conn_pages[i].sp_status == status)
			sp = &server_conn_pages[i];
	ed = error_def(sp != NULL ? sp->sp_error : ERROR_BAD_FRAMING);
	buf_init(&body);
	chat_error_json(&body, sp != NULL && sp->sp_message != NULL ?
	    sp->sp_message : ed->message, error_openai_type(status),
	    sp != NULL && sp->sp_code != NULL ? sp->sp_code : ed->name, NULL);
	buf_init(&out);
	buf_printf(&out, "%.8s %d %.*s\r\n", page, status, rlen, reason);
	for (hdr = eol + 2; hdr < end + 2; hdr = next) {
		next = strstr(hdr, "\r\n") + 2;
		if (strncasecmp(hdr, "Content-Type:", 13) != 0 &&
		    strncasecmp(hdr, "Content-Length:", 15) != 0)
			buf_add(&out, hdr, (size_t)(next - hdr));
	}
	buf_printf(&out, "Content-Type: application/json\r\n"
	    "Content-Length: %zu\r\n\r\n", body.len);
	buf_add(&out, body.data, body.len);
	sc->sc_rewriting = 1;
	evbuffer_drain(b, len);
	evbuffer_add(b, out.data, out.len);
	sc->sc_rewriting = 0;
	log_debug("agent connection %d: libevent's %d page sent as JSON",
	    sc->sc_fd, status);
	buf_clear(&out, 0);
	buf_clear(&body, 0);
out:
	if (frozen)
		evbuffer_freeze(b, 1);
}

static void
server_conn_tx_cb(struct evbuffer *b, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct server_conn	*sc = arg;

	/* Progress, or the first bytes queued: the write clock restarts. */
	if (info->n_deleted > 0 || (info->n_added > 0 && info->orig_size == 0))
		sc->sc_last_tx = server_now();
	/*
	 * Only libevent itself answers a connection that is not answering
	 * (evhttp parses a pipelined request once the answer before it is
	 * sent).
	 */
	if (info->n_added > 0 && sc->sc_state != SC_BUSY && !sc->sc_rewriting)
		server_conn_json_page(sc, b);
}

/* Count a connection evhttp set up: it is in the table from now on. */
static struct server_conn *
server_conn_add(struct evhttp_connection *evcon, struct bufferevent *bev,
    int fd)
{
	struct server_conn	*sc;
	size_t			 n;

	if ((size_t)fd >= server_nconn_slots) {
		n = (size_t)fd + 256;
		server_conns = xreallocarray(server_conns, n,
		    sizeof(*server_conns));
		memset(server_conns + server_nconn_slots, 0,
		    (n - server_nconn_slots) * sizeof(*server_conns));
		server_nconn_slots = n;
	}
	if ((sc = server_conns[fd]) != NULL) {
		/* A stale entry: the descriptor was reused. */
		TAILQ_REMOVE(&server_conn_all, sc, sc_entry);
		server_nconns--;
		if (sc->sc_req != NULL)
			sc->sc_req->rq_conn = NULL;
		free(sc);
	}
	sc = xcalloc(1, sizeof(*sc));
	sc->sc_evcon = evcon;
	sc->sc_bev = bev;
	sc->sc_fd = fd;
	sc->sc_state = SC_HEAD;
	sc->sc_since = sc->sc_last_rx = sc->sc_last_tx = server_now();
	sc->sc_rxcb = evbuffer_add_cb(bufferevent_get_input(bev),
	    server_conn_rx_cb, sc);
	sc->sc_txcb = evbuffer_add_cb(bufferevent_get_output(bev),
	    server_conn_tx_cb, sc);
	server_conns[fd] = sc;
	TAILQ_INSERT_TAIL(&server_conn_all, sc, sc_entry);
	server_nconns++;
	evhttp_connection_set_closecb(evcon, server_conn_close_cb, sc);
	return (sc);
}

/* Forget sc (its connection is going away) and free it. */
static void
server_conn_forget(struct server_conn *sc)
{
	if (sc->sc_req != NULL)
		sc->sc_req->rq_conn = NULL;
	if (sc->sc_rxcb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(sc->sc_bev),
		    sc->sc_rxcb);
	if (sc->sc_txcb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(sc->sc_bev),
		    sc->sc_txcb);
	if ((size_t)sc->sc_fd < server_nconn_slots &&
	    server_conns[sc->sc_fd] == sc)
		server_conns[sc->sc_fd] = NULL;
	TAILQ_REMOVE(&server_conn_all, sc, sc_entry);
	server_nconns--;
	free(sc);
}

static void
server_conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct server_conn	*sc = arg;
	struct req		*rq;

	(void)evcon;
	rq = sc->sc_req;
	server_conn_forget(sc);
	if (server_paused && server_listener != NULL) {
		server_paused = 0;
		evconnlistener_enable(server_listener);
	}
	if (rq != NULL)
		req_client_gone(rq);
}

/*
 * Close sc's connection: now when no request of ours is on it (its close
 * callback forgets it), else through evhttp's EOF path.
 */
static void
server_conn_drop(struct server_conn *sc, struct server_warn *sw,
    const char *why)
{
	unsigned long	quiet;

	log_debug("agent connection %d closed: %s", sc->sc_fd, why);
	if (server_warn_ok(sw, &quiet))
		log_info("agent connection closed: %s (and %lu more since "
		    "the last report)", why, quiet);
	/*
	 * A request being answered belongs to req.c: evhttp must see the
	 * socket fail and detach it (its EOF path), not have it freed.
	 */
	if (sc->sc_state == SC_BUSY) {
		(void)shutdown(sc->sc_fd, SHUT_RDWR);
		return;
	}
	evhttp_connection_free(sc->sc_evcon);
}

/*
 * At the cap: the oldest idle keep-alive connection, else the oldest one
 * still sending its request after SERVER_EVICT_SECONDS; NULL when every
 * connection is answering or young.
 */
static struct server_conn *
server_conn_victim(int64_t now)
{
	struct server_conn	*sc, *head = NULL;

	TAILQ_FOREACH(sc, &server_conn_all, sc_entry) {
		if (sc->sc_state == SC_IDLE && evbuffer_get_length(
		    bufferevent_get_output(sc->sc_bev)) == 0)
			return (sc);
		if (head == NULL && sc->sc_state == SC_HEAD &&
		    now - sc->sc_since >= SERVER_MS(SERVER_EVICT_SECONDS))
			head = sc;
	}
	return (head);
}

/* Answer a connection over the cap with the 503 envelope and close it. */
static void
server_conn_refuse(struct evhttp_connection *evcon, int fd)
{
	const struct error_def	*ed = error_def(ERROR_TOO_MANY_CONNECTIONS);
	struct buf		 body, b;
	unsigned long		 quiet;

	buf_init(&body);
	chat_error_json(&body, ed->message, error_openai_type(ed->status),
	    ed->name, NULL);
	buf_init(&b);
	buf_printf(&b, "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: application/json\r\nRetry-After: 1\r\n"
	    "Connection: close\r\nContent-Length: %zu\r\n\r\n", body.len);
	buf_add(&b, body.data, body.len);
	/* Best effort: a fresh socket's send buffer takes this at once. */
	(void)send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_clear(&b, 0);
	buf_clear(&body, 0);
	if (server_warn_ok(&server_warn_cap, &quiet))
		log_warnx("agent connection refused: %zu open, the cap "
		    "(max_conns) is %zu (%lu more refused since the last "
		    "report)", server_nconns, server_max_conns, quiet);
	evhttp_connection_free(evcon);
}

/* The deferred half of an accept: count what evhttp set up. */
static void
server_conn_settle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct bufferevent	*bev;
	struct server_conn	*victim;
	bufferevent_data_cb	 readcb;
	void			*cbarg;
	size_t			 i;
	int			 cfd;

	(void)fd;
	(void)what;
	(void)arg;
	for (i = 0; i < server_npending; i++) {
		bev = server_pending[i];
		cbarg = NULL;
		readcb = NULL;
		bufferevent_getcb(bev, &readcb, NULL, NULL, &cbarg);
		cfd = bufferevent_getfd(bev);
		/* Freed meanwhile (callbacks cleared), or not set up. */
		if (readcb != NULL && cbarg != NULL && cfd >= 0) {
			if (server_nconns >= server_max_conns &&
			    (victim = server_conn_victim(server_now())) !=
			    NULL)
				server_conn_drop(victim, &server_warn_evict,
				    "the connection cap "
				    "was reached; this one was the oldest idle "
				    "or stalled");
			if (server_nconns >= server_max_conns)
				server_conn_refuse(cbarg, cfd);
			else
				server_conn_add(cbarg, bev, cfd);
		}
		bufferevent_decref(bev);
	}
	server_npending = 0;
}

/* evhttp_set_bevcb(): a new agent connection's bufferevent. */
static struct bufferevent *
server_conn_bev_cb(struct event_base *base, void *arg)
{
	struct bufferevent	*bev;

	(void)arg;
	/* The options evhttp itself would use. */
	if ((bev = bufferevent_socket_new(base, -1, 0)) == NULL)
		return (NULL);
	if (server_npending == server_pending_cap) {
		server_pending_cap = server_pending_cap == 0 ? 64 :
		    server_pending_cap * 2;
		server_pending = xreallocarray(server_pending,
		    server_pending_cap, sizeof(*server_pending));
	}
	bufferevent_incref(bev);
	server_pending[server_npending++] = bev;
	event_active(server_settle_ev, EV_TIMEOUT, 1);
	return (bev);
}

static void
server_conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (server_paused && server_listener != NULL) {
		server_paused = 0;
		evconnlistener_enable(server_listener);
	}
}

/* accept() failed: pause on EMFILE/ENFILE instead of spinning. */
static void
server_conn_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct timeval	 tv = { 0, SERVER_PAUSE_MS * 1000 };
	unsigned long	 quiet;
	int		 e = errno;

	(void)arg;
	if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) {
		evconnlistener_disable(lev);
		server_paused = 1;
		evtimer_add(server_resume_ev, &tv);
	}
	if (server_warn_ok(&server_warn_accept, &quiet))
		log_warnx("accept: %s: %s (%zu agent connections open; "
		    "%lu more since the last report)", strerror(e),
		    server_paused ? "not accepting for a moment" : "going on",
		    server_nconns + server_npending, quiet);
}

/* The 1 s sweep: the header, body-silence and write deadlines. */
static void
server_conn_sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct server_conn	*sc, *next;
	int64_t			 now = server_now();
	char			 why[96];

	(void)fd;
	(void)what;
	(void)arg;
	for (sc = TAILQ_FIRST(&server_conn_all); sc != NULL; sc = next) {
		next = TAILQ_NEXT(sc, sc_entry);
		if (evbuffer_get_length(bufferevent_get_output(sc->sc_bev)) >
		    0 && now - sc->sc_last_tx >=
		    SERVER_MS(SERVER_WRITE_SECONDS))
			server_conn_drop(sc, &server_warn_write,
			    "the agent read nothing of its answer for "
			    SERVER_STR(SERVER_WRITE_SECONDS) " s");
		else if (sc->sc_state != SC_HEAD)
			continue;
		else if (sc->sc_eoh != SC_EOH_DONE &&
		    now - sc->sc_since >= SERVER_MS(SERVER_HEADER_SECONDS))
			server_conn_drop(sc, &server_warn_header,
			    "no complete header block within "
			    SERVER_STR(SERVER_HEADER_SECONDS) " s");
		else if (now - sc->sc_last_rx >=
		    SERVER_MS(server_body_timeout)) {
			snprintf(why, sizeof(why), "the agent sent nothing "
			    "of its body for %d s (body_timeout)",
			    server_body_timeout);
			server_conn_drop(sc, &server_warn_body, why);
		}
	}
}

/*
 * Start counting connections of http (whose only listener is lev), at
 * most max_conns; api.c refuses a head over head_max bytes; a body may
 * pause body_timeout seconds.
 */
void
server_conn_start(struct event_base *base, struct evhttp *http,
    struct evconnlistener *lev, size_t max_conns, size_t head_max,
    int body_timeout)
{
	struct timeval	tv = { 1, 0 };

	server_max_conns = max_conns;
	server_head_max = head_max;
	server_body_timeout = body_timeout;
	server_listener = lev;
	server_paused = 0;
	server_settle_ev = event_new(base, -1, 0, server_conn_settle_cb, NULL);
	server_sweep_ev = event_new(base, -1, EV_PERSIST,
	    server_conn_sweep_cb, NULL);
	server_resume_ev = evtimer_new(base, server_conn_resume_cb, NULL);
	if (server_settle_ev == NULL || server_sweep_ev == NULL ||
	    server_resume_ev == NULL)
		fatalx("event_new");
	event_add(server_sweep_ev, &tv);
	evhttp_set_bevcb(http, server_conn_bev_cb, NULL);
	if (lev != NULL)
		evconnlistener_set_error_cb(lev, server_conn_accept_error_cb);
}

/* The listener is gone (drain): never enable it again. */
void
server_conn_unlisten(void)
{
	server_listener = NULL;
}

static void
server_conn_done_cb(struct evhttp_request *er, void *arg)
{
	struct server_conn	*sc;

	(void)er;
	if ((sc = server_conn_by_evcon(arg)) != NULL &&
	    sc->sc_state == SC_BUSY) {
		sc->sc_state = SC_IDLE;
		sc->sc_since = server_now();
		sc->sc_rx = 0;
	}
}

/*
 * A request arrived on the agent's connection (counted since its accept):
 * it is busy until the answer is sent.  Always 0 now: the cap is applied
 * when a connection is accepted.
 */
int
server_conn_track(struct veil *vl, struct evhttp_request *er)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(er);
	struct bufferevent	*bev;
	struct server_conn	*sc;
	int			 fd;

	(void)vl;
	if ((sc = server_conn_by_evcon(evcon)) == NULL) {
		/* Not seen at accept (bevcb failed): count it now. */
		if (evcon == NULL ||
		    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
		    (fd = bufferevent_getfd(bev)) < 0)
			return (0);
		sc = server_conn_add(evcon, bev, fd);
	}
	sc->sc_state = SC_BUSY;
	sc->sc_since = server_now();
	evhttp_request_set_on_complete_cb(er, server_conn_done_cb, evcon);
	return (0);
}

/*
 * Route the connection's close to rq.  rq->rq_conn points back at the
 * entry, so that forgetting it costs the same with 10,000 connections as
 * with one (rq->rq_in may be freed by then: it is not looked at).
 */
void
server_conn_set_req(struct evhttp_request *er, struct req *rq)
{
	struct server_conn	*sc;

	if ((sc = server_conn_by_evcon(evhttp_request_get_connection(er))) ==
	    NULL)
		return;
	if (sc->sc_req != NULL && sc->sc_req != rq)
		sc->sc_req->rq_conn = NULL;
	sc->sc_req = rq;
	rq->rq_conn = sc;
}

/* rq is done: its connection's close no longer concerns it. */
void
server_conn_unset_req(struct req *rq)
{
	struct server_conn	*sc = rq->rq_conn;

	if (sc != NULL && sc->sc_req == rq)
		sc->sc_req = NULL;
	rq->rq_conn = NULL;
}

/* After evhttp_free(): release what is left. */
void
server_conn_stop(void)
{
	struct server_conn	*sc;
	size_t			 i;

	while ((sc = TAILQ_FIRST(&server_conn_all)) != NULL) {
		TAILQ_REMOVE(&server_conn_all, sc, sc_entry);
		if (sc->sc_req != NULL)
			sc->sc_req->rq_conn = NULL;
		free(sc);
	}
	free(server_conns);
	server_conns = NULL;
	server_nconn_slots = 0;
	server_nconns = 0;
	for (i = 0; i < server_npending; i++)
		bufferevent_decref(server_pending[i]);
	free(server_pending);
	server_pending = NULL;
	server_npending = server_pending_cap = 0;
	if (server_settle_ev != NULL)
		event_free(server_settle_ev);
	if (server_sweep_ev != NULL)
		event_free(server_sweep_ev);
	if (server_resume_ev != NULL)
		event_free(server_resume_ev);
	server_settle_ev = server_sweep_ev = server_resume_ev = NULL;
	server_listener = NULL;
}

/*
 * RFC 9112 framing of the agent's request head, which evhttp 2.1 does not
 * check: 0 and in *hostp the host to check against --allow-host (the
 * Host header, or the host of an absolute-form target, which wins, §3.2.2),
 * or -1 and *whyp: a field name with whitespace before its colon (§5.1;
 * evhttp keeps it as another name, so "Host : x" hid the Host), more than
 * one Host, none in an HTTP/1.1 request (§3.2).
 */
int
server_conn_host(struct evhttp_request *er, const char **hostp,
    const char **whyp)
{
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(er);
	const struct evhttp_uri	*u;
	struct evkeyval		*kv;
	const char		*target, *host = NULL;
	size_t			 n = 0, len;

	TAILQ_FOREACH(kv, ih, next) {
		len = strlen(kv->key);
		if (len == 0 || kv->key[len - 1] == ' ' ||
		    kv->key[len - 1] == '\t') {
			*whyp = "whitespace between a header name and its "
			    "colon (RFC 9112, section 5.1)";
			return (-1);
		}
		if (strcasecmp(kv->key, "Host") == 0) {
			host = kv->value;
			n++;
		}
	}
	if (n > 1) {
		*whyp = "more than one Host header (RFC 9112, section 3.2)";
		return (-1);
	}
	if (n == 0 && er->major == 1 && er->minor >= 1) {
		*whyp = "an HTTP/1.1 request without a Host header "
		    "(RFC 9112, section 3.2)";
		return (-1);
	}
	target = evhttp_request_get_uri(er);
	if (target != NULL && (strncasecmp(target, "http://", 7) == 0 ||
	    strncasecmp(target, "https://", 8) == 0)) {
		if ((u = evhttp_request_get_evhttp_uri(er)) == NULL ||
		    evhttp_uri_get_host(u) == NULL) {
			*whyp = "an absolute-form target without a host";
			return (-1);
		}
		host = evhttp_uri_get_host(u);
	}
	*hostp = host;
	return (0);
}

/*
 * Before a streamed (chunked) reply: HTTP/1.0 has no chunked coding, and
 * evhttp 2.1 would send a 1.0 keep-alive client "Content-Length: 0" and
 * then the stream.  Such a stream is sent close-delimited instead: no
 * length, "Connection: close", the end of the stream is the close.
 */
void
server_conn_stream_prepare(struct evhttp_request *er)
{
	if (er->major != 1 || er->minor != 0)
		return;
	evhttp_remove_header(evhttp_request_get_input_headers(er),
	    "Connection");
	evhttp_remove_header(evhttp_request_get_output_headers(er),
	    "Connection");
	evhttp_add_header(evhttp_request_get_output_headers(er),
	    "Connection", "close");
}

/*
 * test-http-client.c: the outbound client against a real evhttp server on
 * 127.0.0.1 (port 0) in the same event_base: keep-alive reuse, streamed
 * bodies, POST bodies and headers, connect refused, timeouts, cancel from
 * inside a callback, aborts, bad URLs.
 */
#include "compat.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "og-veil.h"
#include "test.h"

struct fixture {
	struct event_base	*base;
	struct evhttp		*http;
	struct http_client	*hc;
	int			 port;
	char			 url[128];
	/* Server side. */
	int			 nserved;
	struct evhttp_request	*held;		/* "/hang": answered last */
	struct evhttp_request	*sreq;		/* "/stream" in progress */
	struct event		*sev;
	int			 sn;
	char			 got_body[256];
	char			 got_hdr[64];
	/* Client side. */
	int			 status;
	int			 ndata;
	char			 data[4096];
	size_t			 datalen;
	int			 ndone;
	int			 result;
	char			 msg[256];
	int			 cancel_in_data;
	int			 abort_in_headers;
	int			 chain;		/* calls to start when done */
	struct http_call	*call;
};

static struct fixture	*fx;
static const struct timeval test_tick = { 0, 20000 };

static void
test_stream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct evhttp_request	*req = fx->sreq;
	struct evbuffer		*b;

	(void)fd;
	(void)what;
	(void)arg;
	if (req == NULL)
		return;
	if (fx->sn < 3) {
		b = evbuffer_new();
		evbuffer_add_printf(b, "piece%d;", fx->sn++);
		evhttp_send_reply_chunk(req, b);
		evbuffer_free(b);
		evtimer_add(fx->sev, &test_tick);
	} else {
		fx->sreq = NULL;
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(req), NULL, NULL);
		evhttp_send_reply_end(req);
	}
}

/* The agent side of a stream went away: stop writing to it. */
static void
test_server_close_cb(struct evhttp_connection *evcon, void *arg)
{
	(void)evcon;
	(void)arg;
	evtimer_del(fx->sev);
	/* evhttp detached the request from the dead connection: free it. */
	if (fx->sreq != NULL && evhttp_request_get_connection(fx->sreq) == NULL)
		evhttp_send_reply_end(fx->sreq);
	fx->sreq = NULL;
}

static void
test_server_cb(struct evhttp_request *req, void *arg)
{
	struct bufferevent *bev;
	struct evbuffer	*b;
	const char	*uri = evhttp_request_get_uri(req), *h;
	size_t		 n;

	(void)arg;
	fx->nserved++;
	if (strcmp(uri, "/hang") == 0) {
		fx->held = req;
		return;
	}
	if (strcmp(uri, "/stream") == 0) {
		fx->sreq = req;
		fx->sn = 0;
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(req), test_server_close_cb,
		    NULL);
		evhttp_send_reply_start(req, 200, "OK");
		test_stream_cb(-1, 0, NULL);
		return;
	}
	b = evbuffer_new();
	if (strcmp(uri, "/extra") == 0) {
		/* A complete answer, then bytes nobody asked for. */
		bev = evhttp_connection_get_bufferevent(
		    evhttp_request_get_connection(req));
		evbuffer_add_printf(b, "hello");
		evhttp_send_reply(req, 200, "OK", b);
		evbuffer_free(b);
		bufferevent_write(bev, "HTTP/1.1 502 Bad\r\n"
		    "Content-Length: 0\r\n\r\n", 37);
		return;
	}
	if (strcmp(uri, "/echo?x=1") == 0) {
		n = evbuffer_get_length(evhttp_request_get_input_buffer(req));
		if (n >= sizeof(fx->got_body))
			n = sizeof(fx->got_body) - 1;
		evbuffer_remove(evhttp_request_get_input_buffer(req),
		    fx->got_body, n);
		fx->got_body[n] = '\0';
		h = evhttp_find_header(evhttp_request_get_input_headers(req),
		    "X-Test");
		if (h != NULL)
			strlcpy(fx->got_hdr, h, sizeof(fx->got_hdr));
	}
	evbuffer_add_printf(b, "hello");
	evhttp_add_header(evhttp_request_get_output_headers(req), "X-Reply",
	    "yes");
	evhttp_send_reply(req, strcmp(uri, "/teapot") == 0 ? 418 : 200, "OK",
	    b);
	evbuffer_free(b);
}

static int
test_headers_cb(void *arg, int status, struct evkeyvalq *h)
{
	(void)arg;
	(void)h;
	fx->status = status;
	if (fx->abort_in_headers) {
		event_base_loopexit(fx->base, &(struct timeval){ 0, 100000 });
		return (-1);
	}
	return (0);
}

static int
test_data_cb(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	fx->ndata++;
	if (fx->datalen + len < sizeof(fx->data)) {
		memcpy(fx->data + fx->datalen, p, len);
		fx->datalen += len;
	}
	if (fx->cancel_in_data) {
		http_call_cancel(fx->call);
		/* Let the server finish, then stop. */
		event_base_loopexit(fx->base, &(struct timeval){ 0, 200000 });
	}
	return (0);
}

static void
test_done_cb(void *arg, int result, const char *msg)
{
	static const struct http_call_cb cb = {
		test_headers_cb, test_data_cb, test_done_cb
	};

	(void)arg;
	fx->ndone++;
	fx->result = result;
	strlcpy(fx->msg, msg != NULL ? msg : "", sizeof(fx->msg));
	fx->call = NULL;
	if (fx->chain > 0) {
		fx->chain--;
		fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
		    &cb, NULL);
		return;
	}
	event_base_loopexit(fx->base, NULL);
}

static const struct http_call_cb test_cb = {
	test_headers_cb, test_data_cb, test_done_cb
};

static int
test_setup(void)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 sl = sizeof(sin);
	char				 err[256];

	fx = calloc(1, sizeof(*fx));
	fx->base = event_base_new();
	fx->http = evhttp_new(fx->base);
	fx->sev = evtimer_new(fx->base, test_stream_cb, NULL);
	evhttp_set_gencb(fx->http, test_server_cb, NULL);
	bs = evhttp_bind_socket_with_handle(fx->http, "127.0.0.1", 0);
	if (bs == NULL)
		return (-1);
	getsockname(evhttp_bound_socket_get_fd(bs), (struct sockaddr *)&sin,
	    &sl);
	fx->port = ntohs(sin.sin_port);
	fx->hc = http_client_new(fx->base, NULL, NULL, err, sizeof(err));
	return (fx->hc == NULL ? -1 : 0);
}

static void
test_teardown(void)
{
	if (fx->held != NULL)
		evhttp_send_reply(fx->held, 200, "OK", NULL);
	http_client_free(fx->hc);
	evhttp_free(fx->http);
	event_free(fx->sev);
	event_base_free(fx->base);
	free(fx);
	fx = NULL;
}

static void
test_guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void
test_run_loop(void)
{
	struct event	*guard;
	struct timeval	 tv = { 5, 0 };

	/* A guard so that a broken client cannot hang the test. */
	guard = evtimer_new(fx->base, test_guard_cb, fx->base);
	evtimer_add(guard, &tv);
	event_base_dispatch(fx->base);
	event_free(guard);
}

static void
test_url(const char *path)
{
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d%s", fx->port,
	    path);
}

/* Two sequential calls share one kept-alive connection. */
static int
test_keepalive(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/");
	fx->chain = 1;
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	TEST_ASSERT(fx->call != NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 2);
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_EQ_INT(fx->status, 200);
	TEST_EQ_INT(fx->nserved, 2);
	TEST_EQ_INT(fx->datalen, 10);
	TEST_ASSERT(memcmp(fx->data, "hellohello", 10) == 0);
	TEST_EQ_INT(http_client_connections_opened(fx->hc), 1);
	TEST_EQ_INT(http_client_connections_idle(fx->hc), 1);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/*
 * Bytes after a complete answer on a kept-alive connection: it is not
 * pooled (they would be read as the next call's answer).
 */
static int
test_extra_bytes(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/extra");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	TEST_ASSERT(fx->call != NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_EQ_INT(fx->status, 200);
	TEST_EQ_INT(http_client_connections_idle(fx->hc), 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* A chunked answer arrives piece by piece. */
static int
test_stream(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/stream");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_ASSERT(fx->ndata >= 3);
	TEST_EQ_INT(fx->datalen, strlen("piece0;piece1;piece2;"));
	TEST_ASSERT(memcmp(fx->data, "piece0;piece1;piece2;",
	    fx->datalen) == 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* POST: the body, a query and extra headers reach the server. */
static int
test_post(void)
{
	const char *const hdrs[] = { "X-Test", "value", "Content-Type",
	    "application/json", NULL };

	TEST_ASSERT(test_setup() == 0);
	test_url("/echo?x=1");
	fx->call = http_call_new(fx->hc, "POST", fx->url, hdrs,
	    (const uint8_t *)"{\"a\":1}", 7, &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_EQ_STR(fx->got_body, "{\"a\":1}");
	TEST_EQ_STR(fx->got_hdr, "value");
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/*
 * http_call_new() copies the body (the caller may reuse it at once);
 * http_call_new_borrowed() sends the caller's bytes, kept until done.
 */
static int
test_post_borrowed(void)
{
	char	body[] = "{\"b\":2}";

	TEST_ASSERT(test_setup() == 0);
	test_url("/echo?x=1");
	fx->call = http_call_new(fx->hc, "POST", fx->url, NULL,
	    (const uint8_t *)body, 7, &test_cb, NULL);
	memset(body, 'x', 7);
	test_run_loop();
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_EQ_STR(fx->got_body, "{\"b\":2}");
	test_teardown();
	memcpy(body, "{\"c\":3}", 7);
	TEST_ASSERT(test_setup() == 0);
	test_url("/echo?x=1");
	fx->call = http_call_new_borrowed(fx->hc, "POST", fx->url, NULL,
	    (const uint8_t *)body, 7, &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_EQ_STR(fx->got_body, "{\"c\":3}");
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* A non-2xx status is a completed call; the caller reads the status. */
static int
test_status(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/teapot");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	TEST_EQ_INT(fx->status, 418);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Nothing listens: HTTP_E_CONNECT, reported after http_call_new returns. */
static int
test_refused(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 sl = sizeof(sin);
	int			 s, port;

	TEST_ASSERT(test_setup() == 0);
	s = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	TEST_ASSERT(bind(s, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	getsockname(s, (struct sockaddr *)&sin, &sl);
	port = ntohs(sin.sin_port);
	close(s);
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d/", port);
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	TEST_ASSERT(fx->call != NULL);
	TEST_EQ_INT(fx->ndone, 0);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, HTTP_E_CONNECT);
	TEST_ASSERT(strstr(fx->msg, "cannot connect to http://127.0.0.1:") !=
	    NULL);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* The server never answers: the first-byte timeout fires. */
static int
test_timeout(void)
{
	TEST_ASSERT(test_setup() == 0);
	http_client_set_timeouts(fx->hc, 0, 200, 0, 0);
	test_url("/hang");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, HTTP_E_TIMEOUT);
	TEST_EQ_INT(fx->nserved, 1);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* The stream stalls between pieces longer than the idle timeout. */
static int
test_idle_timeout(void)
{
	TEST_ASSERT(test_setup() == 0);
	http_client_set_timeouts(fx->hc, 0, 0, 5, 0);
	test_url("/stream");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, HTTP_E_TIMEOUT);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Cancel from inside the data callback: no callback afterwards. */
static int
test_cancel_in_cb(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/stream");
	fx->cancel_in_data = 1;
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 0);
	TEST_EQ_INT(fx->ndata, 1);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Cancel right after starting, then a second call still works. */
static int
test_cancel_now(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	http_call_cancel(fx->call);
	http_call_cancel(NULL);
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, HTTP_CALL_OK);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* hc_headers returns -1: the call ends without hc_done. */
static int
test_abort_headers(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/stream");
	fx->abort_in_headers = 1;
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	test_run_loop();
	TEST_EQ_INT(fx->status, 200);
	TEST_EQ_INT(fx->ndone, 0);
	TEST_EQ_INT(fx->ndata, 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* A client freed with a call in flight frees it without a callback. */
static int
test_free_busy(void)
{
	TEST_ASSERT(test_setup() == 0);
	test_url("/hang");
	fx->call = http_call_new(fx->hc, "GET", fx->url, NULL, NULL, 0,
	    &test_cb, NULL);
	event_base_loopexit(fx->base, &(struct timeval){ 0, 100000 });
	test_run_loop();
	TEST_EQ_INT(fx->nserved, 1);
	TEST_EQ_INT(fx->ndone, 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

static int
test_bad_url(void)
{
	TEST_ASSERT(test_setup() == 0);
	TEST_ASSERT(http_call_new(fx->hc, "GET", "ftp://x/", NULL, NULL, 0,
	    &test_cb, NULL) == NULL);
	TEST_ASSERT(http_call_new(fx->hc, "GET", "not a url", NULL, NULL, 0,
	    &test_cb, NULL) == NULL);
	TEST_ASSERT(http_call_new(fx->hc, "GET", "http:///path", NULL, NULL,
	    0, &test_cb, NULL) == NULL);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

static const struct test_case cases[] = {
	{ "keepalive-reuse", test_keepalive },
	{ "extra-bytes-not-pooled", test_extra_bytes },
	{ "chunked-stream", test_stream },
	{ "post-body-headers", test_post },
	{ "post-copied-or-borrowed", test_post_borrowed },
	{ "non-2xx-status", test_status },
	{ "connect-refused", test_refused },
	{ "first-byte-timeout", test_timeout },
	{ "idle-timeout", test_idle_timeout },
	{ "cancel-in-callback", test_cancel_in_cb },
	{ "cancel-at-once", test_cancel_now },
	{ "abort-in-headers", test_abort_headers },
	{ "free-with-call-in-flight", test_free_busy },
	{ "bad-url", test_bad_url },
};

TEST_MAIN("test-http-client", cases)

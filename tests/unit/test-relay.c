/*
 * test-relay.c: the relay call (PROTOCOL.md §5) and the token refresh it
 * relies on (§2) against a real evhttp server on 127.0.0.1 (port 0): one
 * token refresh and resend on 401, the error-message mapping (detail,
 * error, error.message, raw body), Retry-After, revoked sessions, connect
 * failures.
 */
#include "compat.h"

#include <sys/socket.h>

#include <netinet/in.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "og-veil.h"
#include "test.h"

struct fixture {
	struct veil		 v;
	struct evhttp		*http;
	struct tee		 tee;
	char			 url[128];
	/* Server behaviour. */
	const char		*good_token;	/* the relay accepts this */
	int			 refresh_status;
	const char		*relay_error;	/* answer with 429 and this */
	int			 nrefresh;
	int			 nrelay;
	char			 got_tee[80];
	char			 got_ctype[64];
	/* Client results. */
	int			 started;
	char			 data[64];
	size_t			 datalen;
	int			 ndone;
	int			 result;
	int			 status;
	char			 msg[512];
	char			 retry_after[32];
};

static struct fixture	*fx;

static void
test_server_cb(struct evhttp_request *req, void *arg)
{
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(req);
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(req);
	struct evbuffer		*b = evbuffer_new();
	const char		*uri = evhttp_request_get_uri(req), *h;
	char			 want[128];

	(void)arg;
	if (strncmp(uri, "/auth/v1/token?grant_type=refresh_token", 39) == 0) {
		fx->nrefresh++;
		if (fx->refresh_status != 200) {
			evbuffer_add_printf(b, "{\"error\":\"invalid_grant\"}");
			evhttp_send_reply(req, fx->refresh_status, "No", b);
		} else {
			evbuffer_add_printf(b, "{\"access_token\":\"tok2\","
			    "\"refresh_token\":\"r2\",\"expires_in\":3600}");
			evhttp_send_reply(req, 200, "OK", b);
		}
	} else if (strcmp(uri, "/api/v1/chat/ohttp") == 0) {
		fx->nrelay++;
		if ((h = evhttp_find_header(ih, "X-TEE-ID")) != NULL)
			strlcpy(fx->got_tee, h, sizeof(fx->got_tee));
		if ((h = evhttp_find_header(ih, "Content-Type")) != NULL)
			strlcpy(fx->got_ctype, h, sizeof(fx->got_ctype));
		snprintf(want, sizeof(want), "Bearer %s", fx->good_token);
		h = evhttp_find_header(ih, "Authorization");
		if (h == NULL || strcmp(h, want) != 0) {
			evbuffer_add_printf(b,
			    "{\"detail\":\"token expired\"}");
			evhttp_send_reply(req, 401, "No", b);
		} else if (fx->relay_error != NULL) {
			evbuffer_add_printf(b, "%s", fx->relay_error);
			evhttp_add_header(oh, "Retry-After", "7");
			evhttp_send_reply(req, 429, "Slow", b);
		} else {
			evbuffer_add_printf(b, "CIPHER");
			evhttp_send_reply(req, 200, "OK", b);
		}
	} else
		evhttp_send_reply(req, 404, "No", b);
	evbuffer_free(b);
}

static void
test_start_cb(void *arg, int status)
{
	(void)arg;
	fx->started = status;
}

static int
test_data_cb(void *arg, const uint8_t *p, size_t len)
{
	(void)arg;
	if (fx->datalen + len < sizeof(fx->data)) {
		memcpy(fx->data + fx->datalen, p, len);
		fx->datalen += len;
	}
	return (0);
}

static void
test_done_cb(void *arg, int result, int status, const char *msg,
    const char *ra)
{
	(void)arg;
	fx->ndone++;
	fx->result = result;
	fx->status = status;
	strlcpy(fx->msg, msg != NULL ? msg : "", sizeof(fx->msg));
	strlcpy(fx->retry_after, ra != NULL ? ra : "", sizeof(fx->retry_after));
	event_base_loopexit(fx->v.vl_base, NULL);
}

static const struct relay_cb test_cb = {
	test_start_cb, test_data_cb, test_done_cb
};

static int
test_setup(int listen)
{
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 sl = sizeof(sin);
	char				 err[256];
	int				 s;

	fx = calloc(1, sizeof(*fx));
	fx->v.vl_base = event_base_new();
	fx->http = evhttp_new(fx->v.vl_base);
	evhttp_set_gencb(fx->http, test_server_cb, NULL);
	if (listen) {
		bs = evhttp_bind_socket_with_handle(fx->http, "127.0.0.1", 0);
		if (bs == NULL)
			return (-1);
		getsockname(evhttp_bound_socket_get_fd(bs),
		    (struct sockaddr *)&sin, &sl);
	} else {
		/* A port nothing listens on. */
		s = socket(AF_INET, SOCK_STREAM, 0);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		bind(s, (struct sockaddr *)&sin, sizeof(sin));
		getsockname(s, (struct sockaddr *)&sin, &sl);
		close(s);
	}
	snprintf(fx->url, sizeof(fx->url), "http://127.0.0.1:%d/",
	    ntohs(sin.sin_port));
	fx->v.vl_http = http_client_new(fx->v.vl_base, NULL, NULL, err,
	    sizeof(err));
	fx->v.vl_logged_in = 1;
	fx->v.vl_session.access_token = strdup("tok1");
	fx->v.vl_session.refresh_token = strdup("r1");
	fx->v.vl_session.supabase_url = strdup(fx->url);
	fx->v.vl_session.supabase_anon_key = strdup("anon");
	fx->v.vl_session.chat_api_base_url = strdup(fx->url);
	fx->good_token = "tok2";
	fx->refresh_status = 200;
	strlcpy(fx->tee.te_id, "0xabcdef", sizeof(fx->tee.te_id));
	return (fx->v.vl_http == NULL ? -1 : 0);
}

static void
test_teardown(void)
{
	struct session	*s = &fx->v.vl_session;

	token_clear(&fx->v);
	http_client_free(fx->v.vl_http);
	evhttp_free(fx->http);
	event_base_free(fx->v.vl_base);
	free(s->access_token);
	free(s->refresh_token);
	free(s->supabase_url);
	free(s->supabase_anon_key);
	free(s->chat_api_base_url);
	free(fx);
	fx = NULL;
}

static void
test_post(int stream)
{
	struct relay_call	*rl;

	rl = relay_post(&fx->v, &fx->tee, stream, (const uint8_t *)"ct", 2,
	    &test_cb, NULL);
	(void)rl;
	event_base_loopexit(fx->v.vl_base, &(struct timeval){ 5, 0 });
	event_base_dispatch(fx->v.vl_base);
}

static int
test_message(const char *body, const char *want)
{
	char	out[600];

	relay_error_message((const uint8_t *)body, strlen(body), out,
	    sizeof(out));
	if (strcmp(out, want) != 0) {
		fprintf(stderr, "  \"%s\" -> \"%s\", expected \"%s\"\n", body,
		    out, want);
		return (-1);
	}
	return (0);
}

static int
test_messages(void)
{
	char	big[1200], want[501];

	TEST_ASSERT(test_message("{\"detail\":\"no such TEE\"}",
	    "no such TEE") == 0);
	TEST_ASSERT(test_message("{\"error\":\"quota\",\"x\":1}", "quota") ==
	    0);
	TEST_ASSERT(test_message("{\"error\":{\"message\":\"m\",\"code\":3}}",
	    "m") == 0);
	TEST_ASSERT(test_message("{\"detail\":\"d\",\"error\":\"e\"}", "d") ==
	    0);
	TEST_ASSERT(test_message("{\"detail\":[{\"loc\":[\"body\"]}]}",
	    "[{\"loc\":[\"body\"]}]") == 0);
	TEST_ASSERT(test_message("{\"detail\":null,\"error\":\"e\"}", "e") ==
	    0);
	TEST_ASSERT(test_message("Bad Gateway\n", "Bad Gateway?") == 0);
	TEST_ASSERT(test_message("{\"other\":1}", "{\"other\":1}") == 0);
	TEST_ASSERT(test_message("", "") == 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(want, 'a', 500);
	want[500] = '\0';
	TEST_ASSERT(test_message(big, want) == 0);
	return (0);
fail:
	return (-1);
}

/* 401 from the relay: one refresh, the same body again, success. */
static int
test_refresh_retry(void)
{
	TEST_ASSERT(test_setup(1) == 0);
	test_post(1);
	TEST_EQ_INT(fx->ndone, 1);
	TEST_EQ_INT(fx->result, RELAY_OK);
	TEST_EQ_INT(fx->started, 200);
	TEST_EQ_INT(fx->nrefresh, 1);
	TEST_EQ_INT(fx->nrelay, 2);
	TEST_EQ_INT(fx->datalen, 6);
	TEST_ASSERT(memcmp(fx->data, "CIPHER", 6) == 0);
	TEST_EQ_STR(fx->got_tee, "0xabcdef");
	TEST_EQ_STR(fx->got_ctype, "message/ohttp-req");
	TEST_EQ_STR(fx->v.vl_session.access_token, "tok2");
	TEST_EQ_STR(fx->v.vl_session.refresh_token, "r2");
	TEST_ASSERT(fx->v.vl_session.expires_at > (int64_t)time(NULL) + 3000);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Still 401 after the refresh: the login is gone. */
static int
test_auth_fails(void)
{
	TEST_ASSERT(test_setup(1) == 0);
	fx->good_token = "never";
	test_post(0);
	TEST_EQ_INT(fx->result, RELAY_E_AUTH);
	TEST_EQ_INT(fx->status, 401);
	TEST_ASSERT(strstr(fx->msg, "og-veil login") != NULL);
	TEST_EQ_INT(fx->nrelay, 2);
	TEST_EQ_INT(fx->started, 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* An expired token with a revoked refresh token: 401, run og-veil login. */
static int
test_revoked(void)
{
	TEST_ASSERT(test_setup(1) == 0);
	fx->v.vl_session.expires_at = (int64_t)time(NULL) + 30;
	fx->refresh_status = 400;
	test_post(0);
	TEST_EQ_INT(fx->result, RELAY_E_AUTH);
	TEST_EQ_INT(fx->status, 401);
	TEST_ASSERT(strstr(fx->msg, "signed out or revoked") != NULL);
	TEST_EQ_INT(fx->nrelay, 0);
	TEST_EQ_INT(fx->nrefresh, 1);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* A relay error passes its status, message and Retry-After on. */
static int
test_relay_error(void)
{
	TEST_ASSERT(test_setup(1) == 0);
	fx->v.vl_session.access_token[3] = '2';	/* "tok2": accepted */
	fx->relay_error = "{\"error\":{\"message\":\"slow down\"}}";
	test_post(0);
	TEST_EQ_INT(fx->result, RELAY_E_HTTP);
	TEST_EQ_INT(fx->status, 429);
	TEST_EQ_STR(fx->msg, "the relay answered HTTP 429: \"slow down\"");
	TEST_EQ_STR(fx->retry_after, "7");
	TEST_EQ_INT(fx->nrefresh, 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Relay-chosen numbers: statuses kept to 4xx/5xx, Retry-After bounded. */
static int
test_relay_numbers(void)
{
	char	out[64];

	TEST_ASSERT(relay_status_valid(400));
	TEST_ASSERT(relay_status_valid(599));
	TEST_ASSERT(!relay_status_valid(302));
	TEST_ASSERT(!relay_status_valid(600));
	TEST_ASSERT(!relay_status_valid(1215752191));
	TEST_ASSERT(!relay_status_valid(-1));
	TEST_EQ_INT(relay_retry_after("7", out, sizeof(out)), 0);
	TEST_EQ_STR(out, "7");
	TEST_EQ_INT(relay_retry_after(" 120 ", out, sizeof(out)), 0);
	TEST_EQ_STR(out, "120");
	TEST_EQ_INT(relay_retry_after("0", out, sizeof(out)), 0);
	TEST_EQ_STR(out, "0");
	TEST_EQ_INT(relay_retry_after("99999999999999999999999", out,
	    sizeof(out)), 0);
	TEST_EQ_STR(out, "3600");
	TEST_EQ_INT(relay_retry_after("3601", out, sizeof(out)), 0);
	TEST_EQ_STR(out, "3600");
	TEST_EQ_INT(relay_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", out,
	    sizeof(out)), -1);
	TEST_EQ_INT(relay_retry_after("-5", out, sizeof(out)), -1);
	TEST_EQ_INT(relay_retry_after("5\r\nX-Forged: 1", out, sizeof(out)),
	    -1);
	TEST_EQ_INT(relay_retry_after("", out, sizeof(out)), -1);
	TEST_EQ_INT(relay_retry_after("1.5", out, sizeof(out)), -1);
	return (0);
fail:
	return (-1);
}

/* Nothing listens: RELAY_E_CONNECT, so the caller may fail over. */
static int
test_connect(void)
{
	TEST_ASSERT(test_setup(0) == 0);
	test_post(0);
	TEST_EQ_INT(fx->result, RELAY_E_CONNECT);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Not logged in: 401 before any network. */
static int
test_logged_out(void)
{
	TEST_ASSERT(test_setup(1) == 0);
	fx->v.vl_logged_in = 0;
	test_post(0);
	TEST_EQ_INT(fx->result, RELAY_E_AUTH);
	TEST_EQ_INT(fx->status, 401);
	TEST_EQ_STR(fx->msg, "not logged in: run `og-veil login`");
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/* Cancel before the token arrives: no callback. */
static int
test_cancel(void)
{
	struct relay_call	*rl;

	TEST_ASSERT(test_setup(1) == 0);
	rl = relay_post(&fx->v, &fx->tee, 0, (const uint8_t *)"ct", 2,
	    &test_cb, NULL);
	relay_cancel(rl);
	event_base_loopexit(fx->v.vl_base, &(struct timeval){ 0, 100000 });
	event_base_dispatch(fx->v.vl_base);
	TEST_EQ_INT(fx->ndone, 0);
	TEST_EQ_INT(fx->nrelay, 0);
	test_teardown();
	return (0);
fail:
	test_teardown();
	return (-1);
}

/*
 * PROTOCOL.md §10 failover, by status alone: connect failures and the
 * relay's own 502/503; never 504, never a call broken after it was sent
 * (whatever the words were: "unreachable", "timed out" decided it before).
 */
static int
test_failover_rule(void)
{
	static const struct {
		int	 result, status, want;
	} c[] = {
		{ RELAY_E_CONNECT, 502, 1 },
		{ RELAY_E_CONNECT, 504, 1 },
		{ RELAY_E_HTTP, 502, 1 },
		{ RELAY_E_HTTP, 503, 1 },
		{ RELAY_E_HTTP, 504, 0 },
		{ RELAY_E_HTTP, 500, 0 },
		{ RELAY_E_HTTP, 400, 0 },
		{ RELAY_E_HTTP, 429, 0 },
		{ RELAY_E_IO, 502, 0 },
		{ RELAY_E_IO, 504, 0 },
		{ RELAY_E_AUTH, 401, 0 },
		{ RELAY_OK, 200, 0 },
	};
	size_t	i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		TEST_EQ_INT(relay_may_fail_over(c[i].result, c[i].status),
		    c[i].want);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "error-messages", test_messages },
	{ "relay-numbers", test_relay_numbers },
	{ "401-refresh-and-resend", test_refresh_retry },
	{ "401-after-refresh", test_auth_fails },
	{ "refresh-revoked", test_revoked },
	{ "relay-error-retry-after", test_relay_error },
	{ "connect-refused", test_connect },
	{ "logged-out", test_logged_out },
	{ "cancel-before-token", test_cancel },
	{ "failover-rule", test_failover_rule },
};

TEST_MAIN("test-relay", cases)

/*
 * test-devnet-gateway.c: the devnet gateway and model, end to end against
 * the core library alone (PROTOCOL.md §4, §6 to §9).  The gateway runs
 * in-process on an event_base and a plain evhttp listener; requests are
 * built with digest_build_request and sealed with ohttp_encap_request;
 * answers are opened with ohttp_open_response or ohttp_stream_* and sse.h,
 * and judged by verify_response.  Every fault switch of the gateway must be
 * caught by the client side.  devnet_listen(), devnet_url(),
 * devnet_reply_end() and the fault lookups are small stand-ins here, so
 * devnet.c (and its main) stays out.
 */

#include "compat.h"

#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "devnet.h"
#include "digest.h"
#include "json.h"
#include "ohttp.h"
#include "pyjson.h"
#include "sse.h"
#include "test.h"
#include "verify.h"
#include "xmalloc.h"

static struct devnet	 tdn;

/* Stand-ins for devnet.c. */
int
devnet_fault_on(const struct devnet *dn, enum devnet_fault f, int gw)
{
	const struct devnet_fault_state	*fs = &dn->dn_faults[f];

	return (fs->on && (fs->gateway == -1 || gw == -1 ||
	    fs->gateway == gw));
}

long long
devnet_fault_value(const struct devnet *dn, enum devnet_fault f)
{
	return (dn->dn_faults[f].value);
}

struct evhttp *
devnet_listen(struct devnet *dn, int port, int *outport,
    const char **errstr)
{
	struct evhttp			*http;
	struct evhttp_bound_socket	*bs;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof(sin);

	if ((http = evhttp_new(dn->dn_base)) == NULL) {
		*errstr = "evhttp_new failed";
		return (NULL);
	}
	if ((bs = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    (uint16_t)port)) == NULL) {
		evhttp_free(http);
		*errstr = "bind failed";
		return (NULL);
	}
	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&sin, &slen) == -1) {
		evhttp_free(http);
		*errstr = "getsockname failed";
		return (NULL);
	}
	*outport = ntohs(sin.sin_port);
	return (http);
}

char *
devnet_url(const struct devnet *dn, int port)
{
	char	*s;

	(void)dn;
	xasprintf(&s, "http://127.0.0.1:%d", port);
	return (s);
}

/* What the gateway decrypted goes to admin's GET /received: not here. */
void
devnet_admin_received(struct devnet *dn, const char *text, size_t len)
{
	(void)dn;
	(void)text;
	(void)len;
}

/* The test listener is plain HTTP, where ending a reply needs no care. */
void
devnet_reply_end(struct evhttp_request *req)
{
	evhttp_send_reply_end(req);
}

/* What the client saw of one exchange. */
enum tc_stage {
	TC_OK,		/* verified */
	TC_HTTP,	/* connection failed or non-200 */
	TC_OPEN,	/* OHTTP integrity failure */
	TC_UPSTREAM,	/* in-stream error event or sealed error status */
	TC_VERIFY	/* §9 failed */
};

struct tc {
	int		 status;	/* HTTP; 0: connection failed */
	struct buf	 body;
	int		 done;
	char		*output;	/* signed output when verified */
	const char	*errstr;
	size_t		 nchunks;
	struct evhttp_connection *conn;
	int		 abort_after;	/* client leaves after n pieces */
	int		 raw;		/* agent text is the wire itself */
};

static void
tc_chunk_cb(struct evhttp_request *req, void *arg)
{
	struct tc	*t = arg;
	struct evbuffer	*in = evhttp_request_get_input_buffer(req);
	size_t		 n = evbuffer_get_length(in);

	buf_reserve(&t->body, n);
	evbuffer_remove(in, t->body.data + t->body.len, n);
	t->body.len += n;
	t->nchunks++;
	if (t->abort_after > 0 && t->nchunks >= (size_t)t->abort_after) {
		t->done = 1;
		event_base_loopbreak(tdn.dn_base);
	}
}

static void
tc_done_cb(struct evhttp_request *req, void *arg)
{
	struct tc	*t = arg;
	struct evbuffer	*in;
	size_t		 n;

	t->done = 1;
	if (req != NULL) {
		t->status = evhttp_request_get_response_code(req);
		in = evhttp_request_get_input_buffer(req);
		n = evbuffer_get_length(in);
		buf_reserve(&t->body, n);
		evbuffer_remove(in, t->body.data + t->body.len, n);
		t->body.len += n;
	}
	event_base_loopbreak(tdn.dn_base);
}

static void
tc_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	event_base_loopbreak(tdn.dn_base);
}

/* The registry's view of gateway gw. */
static void
tc_config(struct devnet_gateway *gw, struct ohttp_key_config *kc,
    uint8_t **der, size_t *derlen)
{
	struct abi_tee	t;

	devnet_gateway_abi(gw, &t);
	kc->key_id = t.ohttp.key_id;
	kc->kem_id = t.ohttp.kem_id;
	kc->kdf_id = t.ohttp.kdf_id;
	kc->aead_id = t.ohttp.aead_id;
	memcpy(kc->pk, t.ohttp.public_key, sizeof(kc->pk));
	if (der != NULL) {
		*der = xmemdup(t.public_key, t.public_key_len);
		*derlen = t.public_key_len;
	}
	abi_tee_clear(&t);
}

static int
tc_sse_cb(void *arg, const uint8_t *p, size_t len, int final)
{
	const char	*errstr;

	(void)final;
	return (sse_feed(arg, p, len, &errstr) == -1 ? -1 : 0);
}

/*
 * One exchange: an agent body to gateway gw, sealed to kc (NULL: the
 * registry's current key), streaming or not.  Returns the stage reached.
 */
static enum tc_stage
tc_run(struct devnet_gateway *gw, const struct ohttp_key_config *kc0,
    const char *agent, int stream, struct tc *t)
{
	struct ohttp_key_config	 kc;
	struct digest_request	 dr;
	struct ohttp_ctx	 octx;
	struct json_value	*body, *resp = NULL, *inner;
	struct evhttp_request	*req;
	struct event		*to;
	struct timeval		 tv = { 10, 0 };
	struct verify_proof	 proof;
	struct ohttp_stream	*os = NULL;
	struct sse		*sse = NULL;
	struct buf		 enc, pt;
	const struct json_value	*final;
	uint8_t			*der = NULL;
	size_t			 derlen = 0, outlen;
	enum tc_stage		 stage = TC_HTTP;
	char			 url_tee[VERIFY_TEE_ID_LEN + 1];
	char			*output = NULL;

	memset(&dr, 0, sizeof(dr));
	memset(&octx, 0, sizeof(octx));
	buf_init(&enc);
	buf_init(&pt);
	tc_config(gw, &kc, &der, &derlen);
	if (kc0 != NULL)
		kc = *kc0;
	verify_tee_id(der, derlen, url_tee);

	if (t->raw) {
		dr.wire_json = xstrdup(agent);
		dr.wire_len = strlen(agent);
	}
	body = json_parse(agent, strlen(agent), NULL, &t->errstr);
	if (body == NULL || (!t->raw && digest_build_request(body, stream, &dr,
	    &t->errstr) == -1) || ohttp_encap_request(&octx, &kc,
	    (const uint8_t *)dr.wire_json, dr.wire_len, &enc,
	    &t->errstr) == -1) {
		json_free(body);
		stage = TC_HTTP;
		goto out;
	}
	json_free(body);

	t->conn = evhttp_connection_base_new(tdn.dn_base, NULL, "127.0.0.1",
	    (uint16_t)devnet_gateway_port(gw));
	req = evhttp_request_new(tc_done_cb, t);
	if (stream)
		evhttp_request_set_chunked_cb(req, tc_chunk_cb);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Host",
	    "127.0.0.1");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "message/ohttp-req");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Accept",
	    stream ? "message/ohttp-chunked-res" : "message/ohttp-res");
	if (stream)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "X-OHTTP-Stream", "true");
	evbuffer_add(evhttp_request_get_output_buffer(req), enc.data,
	    enc.len);
	evhttp_make_request(t->conn, req, EVHTTP_REQ_POST, DEVNET_GATEWAY_PATH);
	to = evtimer_new(tdn.dn_base, tc_timeout_cb, NULL);
	evtimer_add(to, &tv);
	event_base_dispatch(tdn.dn_base);
	event_free(to);
	if (t->abort_after > 0) {
		evhttp_connection_free(t->conn);
		t->conn = NULL;
		stage = TC_HTTP;
		goto out;
	}
	if (!t->done || t->status != 200) {
		t->errstr = "HTTP failure";
		stage = TC_HTTP;
		if (stream && t->status == 0 && t->body.len > 0) {
			/* A cut connection is an integrity failure. */
			stage = TC_OPEN;
		}
		goto out;
	}

	if (!stream) {
		if (ohttp_open_response(&octx, t->body.data, t->body.len, &pt,
		    &t->errstr) == -1) {
			stage = TC_OPEN;
			goto out;
		}
		if ((resp = json_parse((const char *)pt.data, pt.len, NULL,
		    &t->errstr)) == NULL) {
			stage = TC_OPEN;
			goto out;
		}
		inner = resp;
		if (json_get(resp, "status") != NULL &&
		    json_get(resp, "body") != NULL) {
			int64_t	st = 0;

			if (json_to_int64(json_get(resp, "status"), &st) ==
			    -1 || st >= 400) {
				t->errstr = "sealed error status";
				stage = TC_UPSTREAM;
				goto out;
			}
			inner = json_get(resp, "body");
		}
		stage = TC_VERIFY;
		if (digest_response_output(inner, &output, &outlen,
		    &t->errstr) == -1 || verify_response(inner, der, derlen,
		    url_tee, dr.request_hash, output, outlen, &proof,
		    &t->errstr) == -1)
			goto out;
	} else {
		sse = sse_new(NULL, NULL, 1 << 20);
		os = ohttp_stream_new(&octx, tc_sse_cb, sse);
		if (ohttp_stream_feed(os, t->body.data, t->body.len,
		    &t->errstr) == -1) {
			stage = sse_upstream_error(sse) != NULL ? TC_UPSTREAM :
			    TC_OPEN;
			goto out;
		}
		if (ohttp_stream_finish(os, &t->errstr) == -1) {
			stage = sse_upstream_error(sse) != NULL ? TC_UPSTREAM :
			    TC_OPEN;
			goto out;
		}
		if (sse_upstream_error(sse) != NULL) {
			stage = TC_UPSTREAM;
			goto out;
		}
		stage = TC_VERIFY;
		if (sse_finish(sse, &t->errstr) == -1 ||
		    (final = sse_final_frame(sse)) == NULL ||
		    sse_signed_output(sse, &output, &outlen) == -1)
			goto out;
		if (verify_response(final, der, derlen, url_tee,
		    dr.request_hash, output, outlen, &proof,
		    &t->errstr) == -1)
			goto out;
	}
	if (strcmp(proof.tee_id, devnet_gateway_tee_id(gw)) != 0) {
		t->errstr = "proof names another tee";
		goto out;
	}
	stage = TC_OK;
	t->output = output;
	output = NULL;

out:
	free(output);
	json_free(resp);
	ohttp_stream_free(os);
	sse_free(sse);
	ohttp_ctx_clear(&octx);
	digest_request_clear(&dr);
	buf_clear(&enc, 0);
	buf_clear(&pt, 1);
	free(der);
	if (t->conn != NULL) {
		evhttp_connection_free(t->conn);
		t->conn = NULL;
	}
	return (stage);
}

static void
tc_clear(struct tc *t)
{
	buf_clear(&t->body, 0);
	free(t->output);
	memset(t, 0, sizeof(*t));
}

static struct devnet_gateway *
tc_setup(void)
{
	struct devnet_gateway	*gw;
	const char		*errstr;
	int			 i;

	signal(SIGPIPE, SIG_IGN);
	memset(&tdn, 0, sizeof(tdn));
	for (i = 0; i < DEVNET_F__COUNT; i++)
		tdn.dn_faults[i].gateway = -1;
	tdn.dn_base = event_base_new();
	tdn.dn_rsa_bits = 1024;
	tdn.dn_stream_delay_ms = 1;
	if ((gw = devnet_gateway_new(&tdn, 0, &errstr)) == NULL) {
		fprintf(stderr, "  gateway: %s\n", errstr);
		event_base_free(tdn.dn_base);
	}
	return (gw);
}

static void
tc_teardown(struct devnet_gateway *gw)
{
	devnet_gateway_free(gw);
	event_base_free(tdn.dn_base);
	tdn.dn_base = NULL;
}

static void
tc_fault(enum devnet_fault f, long long value)
{
	int	i;

	for (i = 0; i < DEVNET_F__COUNT; i++)
		tdn.dn_faults[i].on = 0;
	if ((int)f >= 0) {
		tdn.dn_faults[f].on = 1;
		tdn.dn_faults[f].value = value;
	}
}

#define HELLO	"{\"model\": \"gpt-4.1\", \"messages\": [{\"role\": " \
		"\"system\", \"content\": \"be brief\"}, {\"role\": \"user\"," \
		" \"content\": \"hello devnet, how are you today?\"}]}"
#define HELLO_OUT	"Echo: hello devnet, how are you today?"
#define TOOL	"{\"model\": \"m\", \"messages\": [{\"role\": \"user\", " \
		"\"content\": \"weather in Z\\u00fcrich\"}], \"tools\": [" \
		"{\"type\": \"function\", \"function\": {\"name\": " \
		"\"get_weather\", \"parameters\": {\"type\": \"object\"}}}]}"

static int
test_nonstream_shapes(void)
{
	struct devnet_gateway	*gw;
	struct tc		 t;
	int			 i;

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	/* Eight requests cover every envelope/0x/timestamp combination. */
	for (i = 0; i < 8; i++) {
		TEST_EQ_INT(tc_run(gw, NULL, HELLO, 0, &t), TC_OK);
		TEST_EQ_STR(t.output, HELLO_OUT);
		tc_clear(&t);
	}
	tc_teardown(gw);
	return (0);
fail:
	if (t.errstr != NULL)
		fprintf(stderr, "  %s\n", t.errstr);
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

static int
test_stream_text(void)
{
	struct devnet_gateway	*gw;
	struct tc		 t;
	int			 i;

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	for (i = 0; i < 4; i++) {
		TEST_EQ_INT(tc_run(gw, NULL, HELLO, 1, &t), TC_OK);
		TEST_EQ_STR(t.output, HELLO_OUT);
		tc_clear(&t);
	}
	/* Bench mode: no delay, cached signatures still verify. */
	tdn.dn_bench = 1;
	for (i = 0; i < 3; i++) {
		TEST_EQ_INT(tc_run(gw, NULL, HELLO, i & 1, &t), TC_OK);
		tc_clear(&t);
	}
	tdn.dn_bench = 0;
	tc_teardown(gw);
	return (0);
fail:
	if (t.errstr != NULL)
		fprintf(stderr, "  %s\n", t.errstr);
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

static int
test_tool_call(void)
{
	struct devnet_gateway	*gw;
	struct tc		 t;
	int			 stream;

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	for (stream = 0; stream < 2; stream++) {
		TEST_EQ_INT(tc_run(gw, NULL, TOOL, stream, &t), TC_OK);
		TEST_ASSERT(strstr(t.output, "\"name\": \"get_weather\"") !=
		    NULL);
		TEST_ASSERT(strstr(t.output, "\"arguments\": \"{\\\"input\\\": "
		    "\\\"weather in Z\\\\u00fcrich\\\"}\"") != NULL);
		TEST_ASSERT(strncmp(t.output, "[{\"function\": ", 14) == 0);
		tc_clear(&t);
	}
	tc_teardown(gw);
	return (0);
fail:
	if (t.errstr != NULL)
		fprintf(stderr, "  %s\n", t.errstr);
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

/* Each fault, stream and not, with the stage the client must stop at. */
static const struct {
	enum devnet_fault	 f;
	int			 stream;
	const char		*agent;
	enum tc_stage		 want;
} fault_cases[] = {
	{ DEVNET_F_TAMPER_OUTPUT, 0, HELLO, TC_VERIFY },
	{ DEVNET_F_TAMPER_OUTPUT, 1, HELLO, TC_VERIFY },
	{ DEVNET_F_TAMPER_OUTPUT, 0, TOOL, TC_VERIFY },
	{ DEVNET_F_TAMPER_OUTPUT, 1, TOOL, TC_VERIFY },
	{ DEVNET_F_TAMPER_TOKEN, 1, HELLO, TC_VERIFY },
	{ DEVNET_F_TAMPER_TOKEN, 0, HELLO, TC_VERIFY },
	{ DEVNET_F_WRONG_TEE_ID, 0, HELLO, TC_VERIFY },
	{ DEVNET_F_WRONG_TEE_ID, 1, HELLO, TC_VERIFY },
	{ DEVNET_F_BAD_SIGNATURE, 0, HELLO, TC_VERIFY },
	{ DEVNET_F_BAD_SIGNATURE, 1, TOOL, TC_VERIFY },
	{ DEVNET_F_BAD_REQUEST_HASH, 0, HELLO, TC_VERIFY },
	{ DEVNET_F_BAD_REQUEST_HASH, 1, HELLO, TC_VERIFY },
	{ DEVNET_F_DROP_FINAL, 1, HELLO, TC_OPEN },
	{ DEVNET_F_TRUNCATE, 1, HELLO, TC_OPEN },
	{ DEVNET_F_KILL_MID_STREAM, 1, HELLO, TC_OPEN },
	{ DEVNET_F_ERROR_EVENT, 1, HELLO, TC_UPSTREAM },
	{ DEVNET_F_SLOW_STREAM, 1, HELLO, TC_OK },
};

static int
test_faults(void)
{
	struct devnet_gateway	*gw;
	struct tc		 t;
	size_t			 i;
	enum tc_stage		 got;

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	for (i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
		tc_fault(fault_cases[i].f, 5);
		got = tc_run(gw, NULL, fault_cases[i].agent,
		    fault_cases[i].stream, &t);
		if (got != fault_cases[i].want)
			fprintf(stderr, "  fault case %zu: stage %d (%s)\n", i,
			    (int)got, t.errstr != NULL ? t.errstr : "");
		TEST_EQ_INT(got, fault_cases[i].want);
		tc_clear(&t);
	}
	/* And with every fault off again, the same gateway verifies. */
	tc_fault((enum devnet_fault)-1, 0);
	TEST_EQ_INT(tc_run(gw, NULL, HELLO, 1, &t), TC_OK);
	tc_clear(&t);
	tc_teardown(gw);
	return (0);
fail:
	tc_fault((enum devnet_fault)-1, 0);
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

static int
test_rotate_stop_start(void)
{
	struct devnet_gateway	*gw;
	struct ohttp_key_config	 old, bad;
	struct tc		 t;
	char			 oldid[VERIFY_TEE_ID_LEN + 1];
	const char		*errstr;
	int			 port;

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	tc_config(gw, &old, NULL, NULL);
	strlcpy(oldid, devnet_gateway_tee_id(gw), sizeof(oldid));

	/* A wrong key id: plain 400 {"detail"}. */
	bad = old;
	bad.key_id++;
	TEST_EQ_INT(tc_run(gw, &bad, HELLO, 0, &t), TC_HTTP);
	TEST_EQ_INT(t.status, 400);
	TEST_ASSERT(t.body.len > 10 && memcmp(t.body.data, "{\"detail\": ",
	    11) == 0);
	tc_clear(&t);

	TEST_EQ_INT(devnet_gateway_rotate(gw, &errstr), 0);
	TEST_ASSERT(strcmp(oldid, devnet_gateway_tee_id(gw)) != 0);
	TEST_EQ_INT(tc_run(gw, &old, HELLO, 0, &t), TC_HTTP);
	TEST_EQ_INT(t.status, 400);
	tc_clear(&t);
	TEST_EQ_INT(tc_run(gw, NULL, HELLO, 1, &t), TC_OK);
	tc_clear(&t);

	port = devnet_gateway_port(gw);
	devnet_gateway_stop(gw);
	TEST_EQ_INT(devnet_gateway_running(gw), 0);
	TEST_EQ_INT(tc_run(gw, NULL, HELLO, 0, &t), TC_HTTP);
	TEST_EQ_INT(t.status, 0);
	tc_clear(&t);
	TEST_EQ_INT(devnet_gateway_start(gw, &errstr), 0);
	TEST_EQ_INT(devnet_gateway_port(gw), port);
	TEST_EQ_INT(tc_run(gw, NULL, HELLO, 0, &t), TC_OK);
	tc_clear(&t);
	tc_teardown(gw);
	return (0);
fail:
	if (t.errstr != NULL)
		fprintf(stderr, "  %s\n", t.errstr);
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

/* The client leaves mid-stream; the gateway must free its stream. */
static int
test_client_gone(void)
{
	struct devnet_gateway	*gw;
	struct tc		 t;
	struct timeval		 tv = { 0, 100000 };

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	tdn.dn_stream_delay_ms = 20;
	t.abort_after = 2;
	TEST_EQ_INT(tc_run(gw, NULL, HELLO, 1, &t), TC_HTTP);
	tc_clear(&t);
	event_base_loopexit(tdn.dn_base, &tv);
	event_base_dispatch(tdn.dn_base);
	/* Then a normal exchange still works. */
	tdn.dn_stream_delay_ms = 1;
	TEST_EQ_INT(tc_run(gw, NULL, HELLO, 1, &t), TC_OK);
	tc_clear(&t);
	tc_teardown(gw);
	return (0);
fail:
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

/* Decrypts, but is no request: a sealed 400 envelope, not a crash. */
static int
test_bad_wire(void)
{
	struct devnet_gateway	*gw;
	struct tc		 t;

	memset(&t, 0, sizeof(t));
	if ((gw = tc_setup()) == NULL)
		return (-1);
	t.raw = 1;
	TEST_EQ_INT(tc_run(gw, NULL, "{\"model\": \"m\", \"messages\": "
	    "[{\"role\": \"user\", \"content\": \"x\"}], \"tools\": 5}", 0,
	    &t), TC_UPSTREAM);
	tc_clear(&t);
	t.raw = 1;
	TEST_EQ_INT(tc_run(gw, NULL, "[1, 2]", 0, &t), TC_UPSTREAM);
	tc_clear(&t);
	t.raw = 1;
	TEST_EQ_INT(tc_run(gw, NULL, "{\"messages\": []}", 1, &t),
	    TC_UPSTREAM);
	tc_clear(&t);
	tc_teardown(gw);
	return (0);
fail:
	tc_clear(&t);
	tc_teardown(gw);
	return (-1);
}

static int
test_state_json(void)
{
	struct devnet_gateway	*gw;
	struct json_value	*v = NULL;
	struct abi_tee		 t;
	struct buf		 b;
	const char		*errstr;

	buf_init(&b);
	if ((gw = tc_setup()) == NULL)
		return (-1);
	devnet_gateway_state_json(gw, &b);
	v = json_parse((const char *)b.data, b.len, NULL, &errstr);
	TEST_ASSERT(v != NULL);
	TEST_EQ_STR(json_get_str(v, "tee_id"), devnet_gateway_tee_id(gw));
	TEST_ASSERT(json_is(json_get(v, "running"), JSON_TRUE));
	TEST_EQ_INT(strlen(json_get_str(v, "ohttp_public_key")), 64);
	devnet_gateway_abi(gw, &t);
	TEST_EQ_INT(t.ohttp.key_config_len, 1 + 2 + 32 + 2 + 4);
	TEST_EQ_INT(t.ohttp.key_id, 1);
	TEST_ASSERT(t.tls_certificate_len > 0 && t.enabled);
	abi_tee_clear(&t);
	json_free(v);
	buf_clear(&b, 0);
	tc_teardown(gw);
	return (0);
fail:
	json_free(v);
	buf_clear(&b, 0);
	tc_teardown(gw);
	return (-1);
}

/* The model alone: documented text, tokens, tool choice. */
static int
test_model(void)
{
	static const struct {
		const char	*wire;
		const char	*text;	/* NULL: a tool call */
	} mc[] = {
		{ "{\"messages\": [{\"role\": \"user\", \"content\": \"a b c "
		    "d e f g\"}]}", "Echo: a b c d e f g" },
		{ "{\"messages\": [{\"role\": \"user\", \"content\": \"\"}]}",
		    "Echo: (nothing)" },
		{ "{\"messages\": [{\"role\": \"system\", "
		    "\"content\": \"s\"}]}", "Echo: (nothing)" },
		{ "{\"messages\": [{\"role\": \"user\", \"content\": "
		    "[{\"type\": \"text\", \"text\": \"one \"}, "
		    "{\"type\": \"image_url\"}, {\"type\": \"text\", "
		    "\"text\": \"two\"}]}]}",
		    "Echo: one two" },
		{ "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
		    " \"tools\": [{\"function\": {\"name\": \"f\"}}],"
		    " \"tool_choice\": \"none\"}", "Echo: x" },
		{ "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}],"
		    " \"tools\": [{\"function\": {\"name\": \"f\"}}]}", NULL },
		{ "{\"messages\": [{\"role\": \"user\", \"content\": \""
		    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		    "\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9"
		    "\"}]}", NULL },
	};
	struct devnet_answer	 a;
	struct json_value	*w = NULL;
	struct buf		 b;
	const char		*errstr;
	size_t			 i, j, k;

	memset(&a, 0, sizeof(a));
	buf_init(&b);
	for (i = 0; i < sizeof(mc) / sizeof(mc[0]); i++) {
		w = json_parse(mc[i].wire, strlen(mc[i].wire), NULL, &errstr);
		TEST_ASSERT(w != NULL);
		TEST_EQ_INT(devnet_model_answer(w, &a, &errstr), 0);
		b.len = 0;
		for (j = 0; j < a.ntokens; j++) {
			/* Tokens never end inside a UTF-8 character. */
			k = strlen(a.tokens[j]);
			TEST_ASSERT(k > 0);
			TEST_ASSERT(((unsigned char)a.tokens[j][0] & 0xc0) !=
			    0x80);
			buf_add_str(&b, a.tokens[j]);
		}
		if (i == 5) {
			TEST_EQ_STR(a.tool_name, "f");
			TEST_EQ_STR(a.tool_args, "{\"input\": \"x\"}");
			TEST_EQ_INT(a.ntokens, 0);
		} else if (i == 6) {
			TEST_ASSERT(a.ntokens >= 2);
			TEST_EQ_INT(b.len, 6 + 64);
		} else {
			TEST_ASSERT(a.tool_name == NULL);
			TEST_EQ_STR((const char *)b.data, mc[i].text);
			TEST_EQ_INT(a.completion_tokens, (int)a.ntokens);
		}
		if (i == 0) {
			TEST_EQ_INT(a.ntokens, 3);
			TEST_EQ_STR(a.tokens[0], "Echo: a b ");
			TEST_EQ_INT(a.prompt_tokens, 7);
		}
		devnet_answer_clear(&a);
		json_free(w);
		w = NULL;
	}
	buf_clear(&b, 0);
	return (0);
fail:
	devnet_answer_clear(&a);
	json_free(w);
	buf_clear(&b, 0);
	return (-1);
}

static const struct test_case cases[] = {
	{ "model", test_model },
	{ "state-json", test_state_json },
	{ "nonstream-shapes", test_nonstream_shapes },
	{ "stream-text", test_stream_text },
	{ "tool-call", test_tool_call },
	{ "faults", test_faults },
	{ "rotate-stop-start", test_rotate_stop_start },
	{ "client-gone", test_client_gone },
	{ "bad-wire", test_bad_wire },
};

TEST_MAIN("test-devnet-gateway", cases)

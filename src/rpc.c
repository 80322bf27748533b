/*
 * rpc.c: one JSON-RPC 2.0 eth_call (block tag "latest") to the registry's
 * RPC endpoint, PROTOCOL.md §3: request ids correlate the answer, "result"
 * is hex (0x optional, either case) decoded within RPC_MAX_RESULT bytes,
 * an "error" object becomes "registry RPC error <code>: <message>".
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

struct rpc_call {
	struct http_call	*rc_http;	/* owned until hc_done */
	uint64_t		 rc_id;
	int			 rc_status;
	struct buf		 rc_body;	/* the answer, bounded */
	rpc_cb			 rc_cb;
	void			*rc_arg;
	char			 rc_url[256];	/* for messages */
	char			 rc_err[512];
};

static uint64_t	rpc_next_id = 1;

static int	rpc_headers_cb(void *, int, struct evkeyvalq *);
static int	rpc_data_cb(void *, const uint8_t *, size_t);
static void	rpc_done_cb(void *, int, const char *);

static void
rpc_free(struct rpc_call *rc)
{
	buf_clear(&rc->rc_body, 0);
	free(rc);
}

/* The eth_call request body for (id, to, data): a new string. */
char *
rpc_request_new(uint64_t id, const char *to, const uint8_t *data,
    size_t len, size_t *outlen)
{
	struct json_value	*req, *params, *call;
	struct buf		 b;
	char			*hex, idtext[32];

	hex = xmalloc(2 * len + 3);
	hex[0] = '0';
	hex[1] = 'x';
	hex_encode(data, len, hex + 2);
	snprintf(idtext, sizeof(idtext), "%llu", (unsigned long long)id);

	call = json_new_object();
	json_object_set(call, "to", json_new_string(to));
	json_object_set(call, "data", json_new_string(hex));
	params = json_new_array();
	json_array_add(params, call);
	json_array_add(params, json_new_string("latest"));
	req = json_new_object();
	json_object_set(req, "jsonrpc", json_new_string("2.0"));
	json_object_set(req, "id", json_new_number(JSON_INT, idtext));
	json_object_set(req, "method", json_new_string("eth_call"));
	json_object_set(req, "params", params);

	buf_init(&b);
	pyjson_write(&b, req, PYJSON_COMPACT);
	json_free(req);
	free(hex);
	return ((char *)buf_detach(&b, outlen));
}

/*
 * Parse an eth_call answer for request id: 0 and *out (new, the caller
 * frees; may be empty), or -1 and a message in errbuf.
 */
int
rpc_parse_response(const uint8_t *p, size_t len, uint64_t id, uint8_t **out,
    size_t *outlen, char *errbuf, size_t errlen)
{
	struct json_limits	 lim = { RPC_MAX_ANSWER, 32, 0 };
	struct json_value	*v, *jid, *err, *res;
	const char		*errstr, *msg;
	char			 idtext[32];
	int64_t			 code;
	uint8_t			*data;
	size_t			 n, hl;

	*out = NULL;
	*outlen = 0;
	if ((v = json_parse((const char *)p, len, &lim, &errstr)) == NULL) {
		snprintf(errbuf, errlen, "registry RPC answer is not JSON (%s)",
		    errstr);
		return (-1);
	}
	if (!json_is(v, JSON_OBJECT)) {
		snprintf(errbuf, errlen,
		    "registry RPC answer is not a JSON-RPC object");
		goto fail;
	}
	snprintf(idtext, sizeof(idtext), "%llu", (unsigned long long)id);
	jid = json_get(v, "id");
	if (jid == NULL || !(json_is(jid, JSON_INT) ||
	    json_is(jid, JSON_STRING)) || strcmp(jid->s, idtext) != 0) {
		snprintf(errbuf, errlen,
		    "registry RPC answer is for another request id");
		goto fail;
	}
	if ((err = json_get(v, "error")) != NULL && !json_is(err, JSON_NULL)) {
		msg = json_get_str(err, "message");
		if (json_to_int64(json_get(err, "code"), &code) == -1)
			code = 0;
		snprintf(errbuf, errlen, "registry RPC error %lld: %.300s",
		    (long long)code, msg != NULL ? msg : "(no message)");
		goto fail;
	}
	if ((res = json_get(v, "result")) == NULL ||
	    !json_is(res, JSON_STRING)) {
		snprintf(errbuf, errlen,
		    "registry RPC answer has no result string");
		goto fail;
	}
	hl = res->len;
	if (hl >= 2 && res->s[0] == '0' && (res->s[1] == 'x' ||
	    res->s[1] == 'X'))
		hl -= 2;
	if (hl / 2 > RPC_MAX_RESULT) {
		snprintf(errbuf, errlen, "registry RPC result is too large");
		goto fail;
	}
	data = xmalloc(hl / 2 + 1);
	if (hex_decode(res->s, res->len, data, hl / 2 + 1, &n) == -1) {
		free(data);
		snprintf(errbuf, errlen, "registry RPC result is not hex");
		goto fail;
	}
	json_free(v);
	*out = data;
	*outlen = n;
	return (0);

fail:
	json_free(v);
	return (-1);
}

static int
rpc_headers_cb(void *arg, int status, struct evkeyvalq *h)
{
	struct rpc_call	*rc = arg;

	(void)h;
	rc->rc_status = status;
	return (0);
}

static int
rpc_data_cb(void *arg, const uint8_t *p, size_t len)
{
	struct rpc_call	*rc = arg;

	if (len > RPC_MAX_ANSWER - rc->rc_body.len) {
		http_call_cancel(rc->rc_http);
		rc->rc_http = NULL;
		snprintf(rc->rc_err, sizeof(rc->rc_err),
		    "registry RPC answer from %s is too large", rc->rc_url);
		rc->rc_cb(rc->rc_arg, NULL, 0, rc->rc_err);
		rpc_free(rc);
		return (-1);
	}
	buf_add(&rc->rc_body, p, len);
	return (0);
}

static void
rpc_done_cb(void *arg, int result, const char *msg)
{
	struct rpc_call	*rc = arg;
	uint8_t		*data = NULL;
	size_t		 n = 0;
	int		 ok = 0;

	rc->rc_http = NULL;
	if (result != HTTP_CALL_OK)
		snprintf(rc->rc_err, sizeof(rc->rc_err), "%s", msg);
	else if (rc->rc_status != 200 && rc->rc_body.len == 0)
		snprintf(rc->rc_err, sizeof(rc->rc_err),
		    "registry RPC %s answered HTTP %d", rc->rc_url,
		    rc->rc_status);
	else if (rpc_parse_response(rc->rc_body.data, rc->rc_body.len,
	    rc->rc_id, &data, &n, rc->rc_err, sizeof(rc->rc_err)) == 0)
		ok = 1;
	else if (rc->rc_status != 200)
		snprintf(rc->rc_err, sizeof(rc->rc_err),
		    "registry RPC %s answered HTTP %d", rc->rc_url,
		    rc->rc_status);
	rc->rc_cb(rc->rc_arg, ok ? data : NULL, ok ? n : 0,
	    ok ? NULL : rc->rc_err);
	free(data);
	rpc_free(rc);
}

/*
 * eth_call(to, data) at url; cb gets the decoded result or NULL and a
 * message, once, never from inside this function.  NULL when url is bad.
 * The handle is gone once cb has run.
 */
struct rpc_call *
rpc_eth_call(struct veil *v, const char *url, const char *to,
    const uint8_t *data, size_t len, rpc_cb cb, void *arg)
{
	static const struct http_call_cb hcb = {
		rpc_headers_cb, rpc_data_cb, rpc_done_cb
	};
	static const char *const headers[] = {
		"Content-Type", "application/json",
		"Accept", "application/json",
		NULL
	};
	struct rpc_call	*rc;
	char		*body;
	size_t		 blen;

	rc = xcalloc(1, sizeof(*rc));
	rc->rc_id = rpc_next_id++;
	rc->rc_cb = cb;
	rc->rc_arg = arg;
	strlcpy(rc->rc_url, url, sizeof(rc->rc_url));
	buf_init(&rc->rc_body);
	body = rpc_request_new(rc->rc_id, to, data, len, &blen);
	rc->rc_http = http_call_new(v->vl_http, "POST", url, headers,
	    (const uint8_t *)body, blen, &hcb, rc);
	free(body);
	if (rc->rc_http == NULL) {
		rpc_free(rc);
		return (NULL);
	}
	return (rc);
}

/* Cancel a call: cb is not called.  NULL is a no-op. */
void
rpc_cancel(struct rpc_call *rc)
{
	if (rc == NULL)
		return;
	http_call_cancel(rc->rc_http);
	rpc_free(rc);
}

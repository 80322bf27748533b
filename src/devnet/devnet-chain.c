/*
 * devnet-chain.c: the devnet's chain, a JSON-RPC 2.0 endpoint that answers
 * eth_chainId, eth_blockNumber, net_version and eth_call against the TEE
 * registry of PROTOCOL.md §3 (getActiveTEEs(uint8), getTEE(bytes32)), ABI
 * encoded from the gateways.  Faults: pcr-mismatch, corrupt-abi,
 * chain-down.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "abi.h"
#include "devnet.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"

#define CHAIN_MAX_BODY		(1024U * 1024)
#define CHAIN_MAX_CALLDATA	4096
#define CHAIN_MAX_BATCH		100

/* JSON-RPC 2.0 error codes. */
#define CHAIN_E_PARSE		-32700
#define CHAIN_E_REQUEST		-32600
#define CHAIN_E_METHOD		-32601
#define CHAIN_E_PARAMS		-32602
#define CHAIN_E_REVERT		3

static time_t	chain_genesis;

static void	chain_request_cb(struct evhttp_request *, void *);
static void	chain_one(struct devnet *, const struct json_value *,
		    struct buf *);
static void	chain_error(struct buf *, const struct json_value *, int,
		    const char *);
static void	chain_result(struct buf *, const struct json_value *,
		    const char *);
static int	chain_eth_call(struct devnet *, const struct json_value *,
		    struct buf *, const char **);
static void	chain_entry(struct devnet *, size_t, struct abi_tee *);
static void	chain_corrupt(struct devnet *, struct buf *);
static int	chain_setup(struct devnet *, int, int *, const char **);

static void
chain_id_json(struct buf *b, const struct json_value *id)
{
	buf_add_str(b, "{\"jsonrpc\":\"2.0\",\"id\":");
	if (id == NULL)
		buf_add_str(b, "null");
	else
		pyjson_write(b, id, PYJSON_COMPACT);
}

static void
chain_error(struct buf *b, const struct json_value *id, int code,
    const char *msg)
{
	chain_id_json(b, id);
	buf_printf(b, ",\"error\":{\"code\":%d,\"message\":", code);
	pyjson_write_string(b, msg, strlen(msg), 0);
	buf_add_str(b, "}}");
}

static void
chain_result(struct buf *b, const struct json_value *id, const char *result)
{
	chain_id_json(b, id);
	buf_add_str(b, ",\"result\":");
	pyjson_write_string(b, result, strlen(result), 0);
	buf_add_str(b, "}");
}

/* The text hostile-endpoint appends: a forged log line, colours, OSC. */
#define CHAIN_HOSTILE_TEXT \
	"\r\n2026-01-01T00:00:00.000Z info  FORGED-LOG-LINE\033[31m" \
	"\033]0;FORGED-TITLE\007"

/* Gateway i's registry entry, with pcr-mismatch applied. */
static void
chain_entry(struct devnet *dn, size_t i, struct abi_tee *t)
{
	char	*e;
	size_t	 k;

	memset(t, 0, sizeof(*t));
	devnet_gateway_abi(dn->dn_gateways[i], t);
	if (devnet_fault_on(dn, DEVNET_F_PCR_MISMATCH, (int)i)) {
		for (k = 0; k < sizeof(t->pcr_hash); k++)
			t->pcr_hash[k] ^= 0x5a;
	}
	if (devnet_fault_on(dn, DEVNET_F_HOSTILE_ENDPOINT, (int)i)) {
		xasprintf(&e, "%s%s", t->endpoint, CHAIN_HOSTILE_TEXT);
		free(t->endpoint);
		t->endpoint = e;
		t->endpoint_len = strlen(e);
	}
}

/*
 * corrupt-abi: value 1 points the first head offset past the end; any
 * other value (default) truncates the encoding in the middle of a tail.
 */
static void
chain_corrupt(struct devnet *dn, struct buf *b)
{
	if (devnet_fault_value(dn, DEVNET_F_CORRUPT_ABI) == 1 && b->len >= 64) {
		memset(b->data + 32, 0xff, 32);
		return;
	}
	if (b->len > 96)
		b->len = b->len / 2 + 7;
	else if (b->len > 0)
		b->len--;
}

/* eth_call: the registry contract's two view functions. */
static int
chain_eth_call(struct devnet *dn, const struct json_value *params,
    struct buf *hexout, const char **errstr)
{
	const struct json_value	*call;
	const char		*to, *data;
	uint8_t			 cd[CHAIN_MAX_CALLDATA], want[32];
	char			 addr[43], *hex;
	struct abi_tee		*tees, t;
	struct buf		 enc;
	size_t			 cdlen, i, n;
	uint32_t		 sel;
	int			 found;

	if ((call = json_index(params, 0)) == NULL ||
	    !json_is(call, JSON_OBJECT) ||
	    (data = json_get_str(call, "data")) == NULL) {
		if (call != NULL && json_is(call, JSON_OBJECT))
			data = json_get_str(call, "input");
		else
			data = NULL;
		if (data == NULL) {
			*errstr = "invalid params: want [{to, data}, block]";
			return (-1);
		}
	}
	if (hex_decode(data, strlen(data), cd, sizeof(cd), &cdlen) == -1) {
		*errstr = "invalid params: data is not hex";
		return (-1);
	}
	to = json_get_str(call, "to");
	addr[0] = '0';
	addr[1] = 'x';
	hex_encode(dn->dn_registry_address, 20, addr + 2);
	if (to == NULL || strcasecmp(to, addr) != 0 || cdlen < 4) {
		/* No code at that address: an empty result, as a chain says. */
		buf_add_str(hexout, "0x");
		return (0);
	}
	sel = (uint32_t)cd[0] << 24 | (uint32_t)cd[1] << 16 |
	    (uint32_t)cd[2] << 8 | cd[3];
	buf_init(&enc);
	if (sel == ABI_SELECTOR_GET_ACTIVE_TEES && cdlen == ABI_CALLDATA_LEN) {
		for (i = 4; i < 35; i++) {
			if (cd[i] != 0) {
				*errstr = "execution reverted";
				return (-1);
			}
		}
		tees = xcalloc(dn->dn_ngateways + 1, sizeof(*tees));
		for (i = 0, n = 0; i < dn->dn_ngateways; i++) {
			chain_entry(dn, i, &tees[n]);
			if (tees[n].tee_type != cd[35] || !tees[n].enabled) {
				abi_tee_clear(&tees[n]);
				continue;
			}
			n++;
		}
		abi_encode_tees(tees, n, &enc);
		for (i = 0; i < n; i++)
			abi_tee_clear(&tees[i]);
		free(tees);
	} else if (sel == ABI_SELECTOR_GET_TEE &&
	    cdlen == ABI_CALLDATA_LEN) {
		memcpy(want, cd + 4, 32);
		found = 0;
		for (i = 0; i < dn->dn_ngateways && !found; i++) {
			uint8_t	id[32];
			const char *tid;

			tid = devnet_gateway_tee_id(dn->dn_gateways[i]);
			if (tid == NULL || hex_decode_exact(tid, strlen(tid),
			    id, sizeof(id)) == -1 || memcmp(id, want, 32) != 0)
				continue;
			chain_entry(dn, i, &t);
			abi_encode_tee(&t, &enc);
			abi_tee_clear(&t);
			found = 1;
		}
		if (!found) {
			*errstr = "execution reverted: TEE not found";
			buf_clear(&enc, 0);
			return (-1);
		}
	} else {
		*errstr = "execution reverted";
		return (-1);
	}
	if (devnet_fault_on(dn, DEVNET_F_CORRUPT_ABI, -1))
		chain_corrupt(dn, &enc);
	hex = xmalloc(enc.len * 2 + 1);
	hex_encode(enc.data, enc.len, hex);
	buf_add_str(hexout, "0x");
	buf_add_str(hexout, hex);
	free(hex);
	buf_clear(&enc, 0);
	return (0);
}

/* One JSON-RPC request object into one response object. */
static void
chain_one(struct devnet *dn, const struct json_value *rq, struct buf *b)
{
	const struct json_value	*id, *params, *jv;
	const char		*method, *errstr;
	struct buf		 r;
	char			 msg[160], num[32];

	id = json_is(rq, JSON_OBJECT) ? json_get(rq, "id") : NULL;
	if (id != NULL && !json_is(id, JSON_STRING) &&
	    !json_is(id, JSON_INT) && !json_is(id, JSON_NULL))
		id = NULL;
	jv = json_get(rq, "jsonrpc");
	method = json_get_str(rq, "method");
	if (!json_is(rq, JSON_OBJECT) || jv == NULL ||
	    !json_is(jv, JSON_STRING) || strcmp(jv->s, "2.0") != 0 ||
	    method == NULL) {
		chain_error(b, id, CHAIN_E_REQUEST, "invalid request");
		return;
	}
	params = json_get(rq, "params");
	dn->dn_chain_calls++;
	devnet_debug("chain: %s", method);
	if (strcmp(method, "eth_chainId") == 0) {
		snprintf(num, sizeof(num), "0x%x", DEVNET_CHAIN_ID);
		chain_result(b, id, num);
	} else if (strcmp(method, "net_version") == 0) {
		snprintf(num, sizeof(num), "%d", DEVNET_CHAIN_ID);
		chain_result(b, id, num);
	} else if (strcmp(method, "eth_blockNumber") == 0) {
		/* One block every two seconds since start-up. */
		snprintf(num, sizeof(num), "0x%llx", (unsigned long long)
		    (1000 + (time(NULL) - chain_genesis) / 2));
		chain_result(b, id, num);
	} else if (strcmp(method, "eth_call") == 0) {
		if (params == NULL || !json_is(params, JSON_ARRAY)) {
			chain_error(b, id, CHAIN_E_PARAMS,
			    "invalid params: want [{to, data}, block]");
			return;
		}
		buf_init(&r);
		if (chain_eth_call(dn, params, &r, &errstr) == -1) {
			chain_error(b, id,
			    strncmp(errstr, "execution", 9) == 0 ?
			    CHAIN_E_REVERT : CHAIN_E_PARAMS, errstr);
		} else
			chain_result(b, id, (const char *)r.data);
		buf_clear(&r, 0);
	} else {
		snprintf(msg, sizeof(msg), "the method %.100s does not "
		    "exist/is not available", method);
		chain_error(b, id, CHAIN_E_METHOD, msg);
	}
}

static void
chain_request_cb(struct evhttp_request *req, void *arg)
{
	struct devnet		*dn = arg;
	struct json_limits	 lim = { CHAIN_MAX_BODY, 32, 0 };
	struct json_value	*v;
	struct buf		 b;
	const char		*errstr;
	char			*body;
	size_t			 len, i;

	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		devnet_reply_json(req, 405, "{\"jsonrpc\":\"2.0\",\"id\":null,"
		    "\"error\":{\"code\":-32600,\"message\":"
		    "\"POST a JSON-RPC request\"}}");
		return;
	}
	buf_init(&b);
	if ((body = devnet_body(req, CHAIN_MAX_BODY, &len)) == NULL ||
	    (v = json_parse(body, len, &lim, &errstr)) == NULL) {
		chain_error(&b, NULL, CHAIN_E_PARSE, "parse error");
		devnet_reply_json(req, 200, (const char *)b.data);
		buf_clear(&b, 0);
		free(body);
		return;
	}
	free(body);
	if (json_is(v, JSON_ARRAY)) {
		if (v->n == 0 || v->n > CHAIN_MAX_BATCH)
			chain_error(&b, NULL, CHAIN_E_REQUEST,
			    "invalid request");
		else {
			buf_add_str(&b, "[");
			for (i = 0; i < v->n; i++) {
				if (i > 0)
					buf_add_str(&b, ",");
				chain_one(dn, v->items[i], &b);
			}
			buf_add_str(&b, "]");
		}
	} else
		chain_one(dn, v, &b);
	json_free(v);
	devnet_reply_json(req, 200, (const char *)b.data);
	buf_clear(&b, 0);
}

static int
chain_setup(struct devnet *dn, int port, int *outport, const char **errstr)
{
	dn->dn_chain_http = devnet_listen(dn, port, outport, errstr);
	if (dn->dn_chain_http == NULL)
		return (-1);
	evhttp_set_gencb(dn->dn_chain_http, chain_request_cb, dn);
	return (0);
}

int
devnet_chain_start(struct devnet *dn, int port, int *outport,
    const char **errstr)
{
	if (chain_genesis == 0)
		chain_genesis = time(NULL);
	return (chain_setup(dn, port, outport, errstr));
}

/* chain-down: close the listener and every connection. */
void
devnet_chain_stop(struct devnet *dn)
{
	if (dn->dn_chain_http != NULL) {
		evhttp_free(dn->dn_chain_http);
		dn->dn_chain_http = NULL;
		devnet_debug("chain: down");
	}
}

/* Re-open the listener on the same port. */
int
devnet_chain_resume(struct devnet *dn, const char **errstr)
{
	int	port;

	if (dn->dn_chain_http != NULL)
		return (0);
	if (chain_setup(dn, dn->dn_chain_port, &port, errstr) == -1)
		return (-1);
	devnet_debug("chain: up");
	return (0);
}

void
devnet_chain_free(struct devnet *dn)
{
	devnet_chain_stop(dn);
}

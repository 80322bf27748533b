/*
 * receipt.c: receipts of verified answers (receipt.h): offline checks and
 * the export file.  The checks are PROTOCOL.md §9 replayed from what was
 * kept: tee_id = keccak256(signing key DER); with content, keccak256 of the
 * canonical request and of the signed output against the signed hashes;
 * and the RSA-PSS signature over keccak256(req || out || uint256(ts)).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "json.h"
#include "keccak.h"
#include "pyjson.h"
#include "receipt.h"
#include "verify.h"
#include "xmalloc.h"

static const char *const receipt_step_names[] = {
	[RECEIPT_OK] = "ok",
	[RECEIPT_E_FORMAT] = "format",
	[RECEIPT_E_TEE_ID] = "tee_id",
	[RECEIPT_E_KEY] = "signing_key",
	[RECEIPT_E_REQUEST_HASH] = "request_hash",
	[RECEIPT_E_OUTPUT_HASH] = "output_hash",
	[RECEIPT_E_SIGNATURE] = "signature",
};

void
receipt_init(struct receipt *r)
{
	memset(r, 0, sizeof(*r));
}

void
receipt_clear(struct receipt *r)
{
	free(r->dialect);
	free(r->route);
	free(r->model);
	free(r->tee_id);
	free(r->spki);
	free(r->pcr_hash);
	free(r->endpoint);
	free(r->request_hash);
	free(r->output_hash);
	free(r->tee_timestamp);
	free(r->signature);
	xfree_secret(r->canonical, r->canonical_len);
	xfree_secret(r->output, r->output_len);
	receipt_init(r);
}

/*
 * "rcpt_", 12 hex digits of the wall clock in milliseconds, 12 random:
 * ids in creation order, so the store's UNIQUE index on id grows at its
 * right edge (a random id rewrote a random leaf of it for each receipt:
 * one more page in the log per request).  48 random bits in the same
 * millisecond keep ids unique in practice; the index refuses a repeat.
 */
int
receipt_new_id(char id[RECEIPT_ID_LEN + 1])
{
	char		 rnd[BYTES_RANDOM_LEN + 1];
	struct timespec	 ts;
	uint64_t	 ms;
	int		 i;

	if (bytes_random_hex(rnd) == -1 ||
	    clock_gettime(CLOCK_REALTIME, &ts) == -1)
		return (-1);
	ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	memcpy(id, "rcpt_", 5);
	for (i = 11; i >= 0; i--, ms >>= 4)
		id[5 + i] = "0123456789abcdef"[ms & 15];
	memcpy(id + 17, rnd, 12);
	id[RECEIPT_ID_LEN] = '\0';
	return (0);
}

const char *
receipt_step_name(enum receipt_step s)
{
	if ((size_t)s >= sizeof(receipt_step_names) /
	    sizeof(receipt_step_names[0]))
		return ("unknown");
	return (receipt_step_names[s]);
}

static enum receipt_step
receipt_fail(enum receipt_step s, char *errbuf, size_t errlen,
    const char *msg)
{
	snprintf(errbuf, errlen, "%s: %s", receipt_step_names[s], msg);
	return (s);
}

/* hex of the keccak256 of len bytes equals the 32-byte hex text want. */
static int
receipt_hash_matches(const void *p, size_t len, const uint8_t want[32])
{
	uint8_t	 h[KECCAK256_LEN];

	keccak256(p, len, h);
	return (bytes_equal_ct(h, want, sizeof(h)));
}

enum receipt_step
receipt_verify(const struct receipt *r, int *checked_content, char *errbuf,
    size_t errlen)
{
	struct verify_key	*vk;
	uint8_t			 req[32], out[32];
	const char		*errstr;
	char			 id[VERIFY_TEE_ID_LEN + 1];
	int			 rv;

	*checked_content = 0;
	if (r->spki == NULL || r->spki_len == 0 || r->tee_id == NULL ||
	    r->request_hash == NULL || r->output_hash == NULL ||
	    r->tee_timestamp == NULL || r->signature == NULL)
		return (receipt_fail(RECEIPT_E_FORMAT, errbuf, errlen,
		    "the receipt lacks the signing key, tee_id, a hash, the "
		    "timestamp or the signature"));
	if (hex_decode_exact(r->request_hash, strlen(r->request_hash), req,
	    32) == -1 || hex_decode_exact(r->output_hash,
	    strlen(r->output_hash), out, 32) == -1)
		return (receipt_fail(RECEIPT_E_FORMAT, errbuf, errlen,
		    "request_hash and output_hash must be 32-byte hex"));

	/* 1. The key is the TEE's: tee_id = keccak256(DER). */
	verify_tee_id(r->spki, r->spki_len, id);
	if (!verify_tee_id_equal(id, r->tee_id))
		return (receipt_fail(RECEIPT_E_TEE_ID, errbuf, errlen,
		    "keccak256 of the signing key is not the receipt's "
		    "tee_id"));

	/* 2 and 3. The content, when it was kept, is what was signed. */
	if (r->canonical != NULL && r->output != NULL) {
		*checked_content = 1;
		if (!receipt_hash_matches(r->canonical, r->canonical_len, req))
			return (receipt_fail(RECEIPT_E_REQUEST_HASH, errbuf,
			    errlen, "keccak256 of the kept canonical request "
			    "is not request_hash"));
		if (!receipt_hash_matches(r->output, r->output_len, out))
			return (receipt_fail(RECEIPT_E_OUTPUT_HASH, errbuf,
			    errlen, "keccak256 of the kept output is not "
			    "output_hash"));
	}

	/* 4. The enclave's signature. */
	if ((vk = verify_key_new(r->spki, r->spki_len)) == NULL)
		return (receipt_fail(RECEIPT_E_KEY, errbuf, errlen,
		    "out of memory"));
	rv = verify_signature(vk, req, out, r->tee_timestamp, r->signature,
	    &errstr);
	verify_key_free(vk);
	if (rv == -1) {
		/* A key that does not parse is its own step. */
		if (strstr(errstr, "signing key") != NULL)
			return (receipt_fail(RECEIPT_E_KEY, errbuf, errlen,
			    errstr));
		if (strstr(errstr, "timestamp") != NULL)
			return (receipt_fail(RECEIPT_E_FORMAT, errbuf, errlen,
			    errstr));
		return (receipt_fail(RECEIPT_E_SIGNATURE, errbuf, errlen,
		    errstr));
	}
	snprintf(errbuf, errlen, "ok");
	return (RECEIPT_OK);
}

/* ---- the export file ------------------------------------------------- */

static void
receipt_put_str(struct buf *b, const char *key, const char *v, size_t len,
    int *first)
{
	buf_printf(b, "%s\n  ", *first ? "" : ",");
	*first = 0;
	pyjson_write_string(b, key, strlen(key), 0);
	buf_add_str(b, ": ");
	if (v == NULL)
		buf_add_str(b, "null");
	else
		pyjson_write_string(b, v, len, 0);
}

static void
receipt_put_int(struct buf *b, const char *key, long long v, int *first)
{
	buf_printf(b, "%s\n  ", *first ? "" : ",");
	*first = 0;
	pyjson_write_string(b, key, strlen(key), 0);
	buf_printf(b, ": %lld", v);
}

#define RECEIPT_STR(b, k, v, f)	\
	receipt_put_str((b), (k), (v), (v) != NULL ? strlen(v) : 0, (f))

char *
receipt_export_json(const struct receipt *r, size_t *lenp)
{
	struct buf	 b;
	char		*key;
	int		 first = 1;

	buf_init(&b);
	buf_add_str(&b, "{");
	RECEIPT_STR(&b, "type", RECEIPT_TYPE, &first);
	receipt_put_int(&b, "version", RECEIPT_VERSION, &first);
	RECEIPT_STR(&b, "id", r->id, &first);
	receipt_put_int(&b, "created_at", r->created_at, &first);
	RECEIPT_STR(&b, "dialect", r->dialect, &first);
	RECEIPT_STR(&b, "route", r->route, &first);
	RECEIPT_STR(&b, "model", r->model, &first);
	buf_printf(&b, ",\n  \"stream\": %s", r->stream ? "true" : "false");
	RECEIPT_STR(&b, "tee_id", r->tee_id, &first);
	key = r->spki != NULL ? base64_encode_new(r->spki, r->spki_len) : NULL;
	RECEIPT_STR(&b, "signing_key_der_base64", key, &first);
	free(key);
	RECEIPT_STR(&b, "pcr_hash", r->pcr_hash, &first);
	RECEIPT_STR(&b, "endpoint", r->endpoint, &first);
	receipt_put_int(&b, "registry_read_at", r->registry_read_at, &first);
	RECEIPT_STR(&b, "request_hash", r->request_hash, &first);
	RECEIPT_STR(&b, "output_hash", r->output_hash, &first);
	RECEIPT_STR(&b, "tee_timestamp", r->tee_timestamp, &first);
	RECEIPT_STR(&b, "tee_signature", r->signature, &first);
	receipt_put_int(&b, "request_bytes", (long long)r->request_bytes,
	    &first);
	receipt_put_int(&b, "response_bytes", (long long)r->response_bytes,
	    &first);
	receipt_put_str(&b, "canonical_request", r->canonical,
	    r->canonical_len, &first);
	receipt_put_str(&b, "signed_output", r->output, r->output_len,
	    &first);
	buf_add_str(&b, "\n}\n");
	return ((char *)buf_detach(&b, lenp));
}

/* A string member (copied, may hold NUL when lenp is given) or NULL. */
static int
receipt_take_str(const struct json_value *doc, const char *key, char **out,
    size_t *lenp, int required, char *errbuf, size_t errlen)
{
	const struct json_value	*v = json_get(doc, key);

	*out = NULL;
	if (v == NULL || v->type == JSON_NULL) {
		if (!required)
			return (0);
		snprintf(errbuf, errlen, "format: the receipt has no '%s'",
		    key);
		return (-1);
	}
	if (v->type != JSON_STRING || (lenp == NULL &&
	    memchr(v->s, '\0', v->len) != NULL)) {
		snprintf(errbuf, errlen, "format: '%s' is not a string", key);
		return (-1);
	}
	*out = xmemdup(v->s, v->len + 1);
	if (lenp != NULL)
		*lenp = v->len;
	return (0);
}

static int
receipt_take_int(const struct json_value *doc, const char *key,
    int64_t *out, char *errbuf, size_t errlen)
{
	const struct json_value	*v = json_get(doc, key);

	*out = 0;
	if (v == NULL)
		return (0);
	if (json_to_int64(v, out) == -1 || *out < 0) {
		snprintf(errbuf, errlen, "format: '%s' is not a non-negative "
		    "integer", key);
		return (-1);
	}
	return (0);
}

int
receipt_parse_json(const char *text, size_t len, struct receipt *r,
    char *errbuf, size_t errlen)
{
	struct json_limits	 lim = { RECEIPT_MAX_FILE, 16, 0 };
	struct json_value	*doc;
	const char		*errstr, *type, *id;
	char			*key = NULL;
	int64_t			 v;
	int			 rv = -1;

	receipt_init(r);
	if ((doc = json_parse(text, len, &lim, &errstr)) == NULL) {
		snprintf(errbuf, errlen, "format: not JSON: %s", errstr);
		return (-1);
	}
	if ((type = json_get_str(doc, "type")) == NULL ||
	    strcmp(type, RECEIPT_TYPE) != 0) {
		snprintf(errbuf, errlen, "format: 'type' is not \"%s\"",
		    RECEIPT_TYPE);
		goto out;
	}
	if (receipt_take_int(doc, "version", &v, errbuf, errlen) == -1)
		goto out;
	if (v != RECEIPT_VERSION) {
		snprintf(errbuf, errlen, "format: receipt version %lld is not "
		    "%d", (long long)v, RECEIPT_VERSION);
		goto out;
	}
	if ((id = json_get_str(doc, "id")) != NULL &&
	    strlen(id) <= RECEIPT_ID_LEN)
		strlcpy(r->id, id, sizeof(r->id));
	if (receipt_take_int(doc, "created_at", &r->created_at, errbuf,
	    errlen) == -1 ||
	    receipt_take_int(doc, "registry_read_at", &r->registry_read_at,
	    errbuf, errlen) == -1 ||
	    receipt_take_int(doc, "request_bytes", &v, errbuf, errlen) == -1)
		goto out;
	r->request_bytes = (uint64_t)v;
	if (receipt_take_int(doc, "response_bytes", &v, errbuf, errlen) == -1)
		goto out;
	r->response_bytes = (uint64_t)v;
	r->stream = json_is(json_get(doc, "stream"), JSON_TRUE);
	if (receipt_take_str(doc, "dialect", &r->dialect, NULL, 0, errbuf,
	    errlen) == -1 ||
	    receipt_take_str(doc, "route", &r->route, NULL, 0, errbuf,
	    errlen) == -1 ||
	    receipt_take_str(doc, "model", &r->model, NULL, 0, errbuf,
	    errlen) == -1 ||
	    receipt_take_str(doc, "tee_id", &r->tee_id, NULL, 1, errbuf,
	    errlen) == -1 ||
	    receipt_take_str(doc, "signing_key_der_base64", &key, NULL, 1,
	    errbuf, errlen) == -1 ||
	    receipt_take_str(doc, "pcr_hash", &r->pcr_hash, NULL, 0, errbuf,
	    errlen) == -1 ||
	    receipt_take_str(doc, "endpoint", &r->endpoint, NULL, 0, errbuf,
	    errlen) == -1 ||
	    receipt_take_str(doc, "request_hash", &r->request_hash, NULL, 1,
	    errbuf, errlen) == -1 ||
	    receipt_take_str(doc, "output_hash", &r->output_hash, NULL, 1,
	    errbuf, errlen) == -1 ||
	    receipt_take_str(doc, "tee_timestamp", &r->tee_timestamp, NULL, 1,
	    errbuf, errlen) == -1 ||
	    receipt_take_str(doc, "tee_signature", &r->signature, NULL, 1,
	    errbuf, errlen) == -1 ||
	    receipt_take_str(doc, "canonical_request", &r->canonical,
	    &r->canonical_len, 0, errbuf, errlen) == -1 ||
	    receipt_take_str(doc, "signed_output", &r->output, &r->output_len,
	    0, errbuf, errlen) == -1)
		goto out;
	if (base64_decode_new(key, strlen(key), &r->spki, &r->spki_len) ==
	    -1) {
		snprintf(errbuf, errlen, "format: 'signing_key_der_base64' is "
		    "not base64");
		goto out;
	}
	rv = 0;
out:
	free(key);
	json_free(doc);
	if (rv == -1)
		receipt_clear(r);
	return (rv);
}

/*
 * vec-signature.c: signature.json (PROTOCOL.md §9).  Each case's request
 * hash is recomputed from canonical_json and its output hash from output
 * (the response's own hashes are not trusted), then verify_response() runs
 * with the case's DER key and tee_id: a valid case must verify with the
 * expected proof, an invalid one must fail with the reference's kind of
 * error (the reference_error text up to its first colon).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "keccak.h"
#include "vec.h"
#include "verify.h"

/* 1 when errstr starts like ref does (up to ref's first ':'). */
static int
vec_sig_same_error(const char *errstr, const char *ref)
{
	size_t	n;

	if (ref == NULL)
		return (1);
	n = strcspn(ref, ":");
	return (strncmp(errstr, ref, n) == 0);
}

static void
vec_sig_case(const struct json_value *c, size_t i, struct vec_report *r)
{
	const struct json_value	*canon, *out, *resp, *valid, *ts;
	const char		*tee_id, *errstr = NULL, *name;
	struct verify_proof	 proof;
	uint8_t			*der = NULL, req[32];
	size_t			 derlen;
	int			 rv, want;

	name = vec_name(c, i);
	canon = json_get(c, "canonical_json");
	out = json_get(c, "output");
	resp = json_get(c, "response");
	valid = json_get(c, "valid");
	tee_id = json_get_str(c, "tee_id");
	if (canon == NULL || canon->type != JSON_STRING || out == NULL ||
	    out->type != JSON_STRING || resp == NULL || valid == NULL ||
	    (valid->type != JSON_TRUE && valid->type != JSON_FALSE) ||
	    tee_id == NULL || vec_hex(c, "spki_der_hex", &der, &derlen) == -1) {
		vec_fail(r, name, "case lacks a field");
		goto out;
	}
	want = valid->type == JSON_TRUE;
	keccak256(canon->s, canon->len, req);
	rv = verify_response(resp, der, derlen, tee_id, req, out->s, out->len,
	    &proof, &errstr);
	if (want && rv == -1) {
		vec_fail(r, name, "rejected: %s", errstr);
		goto out;
	}
	if (!want && rv == 0) {
		vec_fail(r, name, "accepted, expected \"%s\"",
		    json_get_str(c, "reference_error"));
		goto out;
	}
	if (!want) {
		if (!vec_sig_same_error(errstr,
		    json_get_str(c, "reference_error"))) {
			vec_fail(r, name, "error \"%s\", expected \"%s\"",
			    errstr, json_get_str(c, "reference_error"));
			goto out;
		}
		vec_pass(r);
		goto out;
	}
	if (!verify_tee_id_equal(proof.tee_id, tee_id) ||
	    !vec_str_eq(json_get(c, "request_hash"), proof.request_hash, 64) ||
	    !vec_str_eq(json_get(c, "output_hash"), proof.output_hash, 64) ||
	    (json_get(c, "msg_hash") != NULL &&
	    !vec_hex_eq(c, "msg_hash", proof.msg_hash, 32))) {
		vec_fail(r, name, "proof differs from the case");
		goto out;
	}
	ts = json_get(c, "timestamp");
	if (ts != NULL && ts->type == JSON_INT &&
	    (ts->len != strlen(proof.timestamp) ||
	    memcmp(ts->s, proof.timestamp, ts->len) != 0)) {
		vec_fail(r, name, "proof timestamp %s differs",
		    proof.timestamp);
		goto out;
	}
	vec_pass(r);
out:
	free(der);
}

/* Check every case of signature.json. */
void
vec_signature(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*a;
	size_t			 i;

	if ((a = json_get(root, "vectors")) == NULL || a->type != JSON_ARRAY)
		return;
	for (i = 0; i < a->n; i++)
		vec_sig_case(a->items[i], i, r);
}

/*
 * vec-canonical-request.c: canonical_request.json (PROTOCOL.md §7).  For
 * each case marked ok the body is built for a plain and a streaming call:
 * canonical_json must match byte for byte, request_hash must match, the
 * trees must equal canonical, wire and wire_stream as JSON, and the
 * gateway's canonicalisation of the recorded wire and wire_stream must
 * give canonical_json again.  A case not ok must be refused.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "json.h"
#include "vec.h"

/* Compare one built request with the case; NULL when it matches. */
static const char *
vec_canonical_request_built(const struct json_value *v,
    const struct digest_request *dr, const char *wirekey)
{
	const struct json_value	*cj, *want;
	struct json_value	*reparsed;
	uint8_t			*hash = NULL;
	size_t			 hlen;
	const char		*errstr;
	int			 ok;

	if ((cj = json_get(v, "canonical_json")) == NULL)
		return ("no canonical_json");
	if (!vec_str_eq(cj, dr->canonical_json, dr->canonical_len))
		return ("canonical_json differs");
	if (json_get(v, "request_hash") != NULL) {
		ok = vec_hex(v, "request_hash", &hash, &hlen) == 0 &&
		    hlen == sizeof(dr->request_hash) &&
		    memcmp(hash, dr->request_hash, hlen) == 0;
		free(hash);
		if (!ok)
			return ("request_hash differs");
	}
	if ((want = json_get(v, "canonical")) != NULL &&
	    !json_equal(want, dr->canonical))
		return ("canonical tree differs");
	if ((want = json_get(v, wirekey)) != NULL &&
	    !json_equal(want, dr->wire))
		return (strcmp(wirekey, "wire") == 0 ? "wire differs" :
		    "wire_stream differs");
	/* What is encrypted must read back as the same wire. */
	reparsed = json_parse(dr->wire_json, dr->wire_len, NULL, &errstr);
	ok = reparsed != NULL && json_equal(reparsed, dr->wire);
	json_free(reparsed);
	if (!ok)
		return ("wire_json does not parse back to the wire");
	return (NULL);
}

/* The gateway side: canonicalise the recorded wire under key. */
static const char *
vec_canonical_request_gateway(const struct json_value *v, const char *key)
{
	struct digest_request	 dr;
	const struct json_value	*wire, *cj, *m;
	const char		*errstr;
	int			 same, want = 1;

	if ((wire = json_get(v, key)) == NULL)
		return (NULL);
	cj = json_get(v, "canonical_json");
	if ((m = json_get(v, "gateway_rehash_matches")) != NULL)
		want = json_truthy(m);
	if (digest_gateway_request(wire, &dr, &errstr) == -1)
		return (want ? "the gateway refused the recorded wire" : NULL);
	same = vec_str_eq(cj, dr.canonical_json, dr.canonical_len);
	digest_request_clear(&dr);
	if (same != want)
		return (want ? "gateway rehash of the recorded wire differs" :
		    "gateway rehash matches, the vector says it must not");
	return (NULL);
}

/* Check one case; NULL when it passes, else the reason. */
static const char *
vec_canonical_request_case(const struct json_value *v)
{
	struct digest_request	 dr;
	const struct json_value	*body, *okv;
	const char		*errstr, *why = NULL;
	int			 stream, ok;

	if ((body = json_get(v, "body")) == NULL)
		return ("no body");
	/* Without "ok", a case that records a result is a positive one. */
	if ((okv = json_get(v, "ok")) != NULL)
		ok = json_truthy(okv);
	else
		ok = json_get(v, "canonical_json") != NULL;
	for (stream = 0; stream <= 1 && why == NULL; stream++) {
		if (digest_build_request(body, stream, &dr, &errstr) == -1) {
			digest_request_clear(&dr);
			if (ok)
				why = errstr;
			continue;
		}
		if (!ok)
			why = "a request the reference refuses was accepted";
		else
			why = vec_canonical_request_built(v, &dr,
			    stream ? "wire_stream" : "wire");
		digest_request_clear(&dr);
	}
	if (why == NULL && ok)
		why = vec_canonical_request_gateway(v, "wire");
	if (why == NULL && ok)
		why = vec_canonical_request_gateway(v, "wire_stream");
	return (why);
}

/* Check every case of canonical_request.json. */
void
vec_canonical_request(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*vs, *v;
	const char		*why;
	size_t			 i;

	vs = json_is(root, JSON_ARRAY) ? root : json_get(root, "vectors");
	for (i = 0; (v = json_index(vs, i)) != NULL; i++) {
		if ((why = vec_canonical_request_case(v)) == NULL)
			vec_pass(r);
		else
			vec_fail(r, vec_name(v, i), "%s", why);
	}
}

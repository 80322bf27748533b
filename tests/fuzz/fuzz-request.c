/*
 * fuzz-request.c: digest.c over an agent's untrusted body (PROTOCOL.md §7,
 * §8).  The input is parsed as a request body and built for a plain and a
 * streaming call; whenever the build succeeds, the gateway's
 * canonicalisation of the wire (the tree, and the wire_json text read
 * back) must give the same canonical bytes and hash.  The same tree then
 * goes through digest_response_output().  Any broken property aborts.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "json.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The gateway must hash the wire w to the same bytes as dr. */
static void
fuzz_request_gateway(const struct json_value *w,
    const struct digest_request *dr)
{
	struct digest_request	 g;
	const char		*errstr;

	if (digest_gateway_request(w, &g, &errstr) == -1)
		abort();
	if (g.canonical_len != dr->canonical_len ||
	    memcmp(g.canonical_json, dr->canonical_json,
	    dr->canonical_len) != 0 ||
	    memcmp(g.request_hash, dr->request_hash, 32) != 0)
		abort();
	digest_request_clear(&g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits	 lim = { 1 << 20, 64, 0 };
	struct digest_request	 dr;
	struct json_value	*body, *w;
	const char		*errstr;
	char			*out;
	size_t			 outlen;
	int			 stream;

	if ((body = json_parse((const char *)data, size, &lim, &errstr)) ==
	    NULL)
		return (0);
	for (stream = 0; stream <= 1; stream++) {
		if (digest_build_request(body, stream, &dr, &errstr) == -1) {
			if (errstr == NULL || *errstr == '\0')
				abort();
			digest_request_clear(&dr);
			continue;
		}
		if (strlen(dr.canonical_json) != dr.canonical_len)
			abort();
		fuzz_request_gateway(dr.wire, &dr);
		/* A wire with an overflowing float is not JSON: skip it. */
		w = json_parse(dr.wire_json, dr.wire_len, NULL, &errstr);
		if (w != NULL)
			fuzz_request_gateway(w, &dr);
		json_free(w);
		digest_request_clear(&dr);
	}
	if (digest_response_output(body, &out, &outlen, &errstr) == 0) {
		if (out == NULL || out[outlen] != '\0')
			abort();
		free(out);
	} else if (out != NULL)
		abort();
	json_free(body);
	return (0);
}

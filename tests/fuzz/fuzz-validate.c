/*
 * fuzz-validate.c: the agent's POST /v1/chat/completions body end to end
 * as req.c takes it (PROTOCOL.md §7, §10): json_parse under the daemon's
 * limits (OG_VEIL_DEFAULT_MAX_BODY, REQ_MAX_JSON_DEPTH), validate.c, the
 * "provider/model" reduction, then digest_build_request for a plain and a
 * streaming call.  Properties: a refusal names its reason in bounded,
 * NUL-terminated text that the error envelope turns into JSON that parses
 * back to the same string; a built request has a canonical text of its
 * stated length and a wire text that parses.  Any broken property aborts.
 * Compiled with src/validate.c, which needs nothing of the daemon.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "digest.h"
#include "json.h"
#include "pyjson.h"
#include "og-veil.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* s as a JSON string literal must parse back to s itself. */
static void
fuzz_validate_envelope(const char *s)
{
	struct json_value	*v;
	struct buf		 b;
	const char		*errstr;

	buf_init(&b);
	pyjson_write_string(&b, s, strlen(s), 0);
	v = json_parse((const char *)b.data, b.len, NULL, &errstr);
	if (v == NULL || !json_is(v, JSON_STRING) || strcmp(v->s, s) != 0)
		abort();
	json_free(v);
	buf_clear(&b, 1);
}

static void
fuzz_validate_build(const struct json_value *body)
{
	struct digest_request	 dr;
	struct json_value	*w;
	const char		*errstr;
	int			 stream;

	for (stream = 0; stream <= 1; stream++) {
		errstr = NULL;
		if (digest_build_request(body, stream, &dr, &errstr) == -1) {
			/* req.c sends errstr to the agent in a 400. */
			if (errstr == NULL || *errstr == '\0')
				abort();
			fuzz_validate_envelope(errstr);
			digest_request_clear(&dr);
			continue;
		}
		if (dr.canonical_json == NULL ||
		    strlen(dr.canonical_json) != dr.canonical_len ||
		    dr.wire == NULL || dr.wire_json == NULL)
			abort();
		w = json_parse(dr.wire_json, dr.wire_len, NULL, &errstr);
		if (w == NULL || !json_is(w, JSON_OBJECT))
			abort();
		json_free(w);
		digest_request_clear(&dr);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits	 lim;
	struct validate_error	 ve;
	struct json_value	*body, *model;
	const char		*errstr, *slash;
	int			 rc;

	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = OG_VEIL_DEFAULT_MAX_BODY;
	lim.max_depth = REQ_MAX_JSON_DEPTH;
	errstr = NULL;
	if ((body = json_parse((const char *)data, size, &lim, &errstr)) ==
	    NULL) {
		if (errstr == NULL || *errstr == '\0')
			abort();
		return (0);
	}
	memset(&ve, 0x5a, sizeof(ve));
	rc = validate_chat_request(body, &ve);
	if (rc == -1) {
		if (memchr(ve.param, '\0', sizeof(ve.param)) == NULL ||
		    memchr(ve.message, '\0', sizeof(ve.message)) == NULL ||
		    ve.message[0] == '\0')
			abort();
		fuzz_validate_envelope(ve.message);
		fuzz_validate_envelope(ve.param);
		json_free(body);
		return (0);
	}
	if (rc != 0)
		abort();
	/* What validation promises the rest of req.c. */
	model = json_get(body, "model");
	if (!json_is(body, JSON_OBJECT) || model == NULL ||
	    !json_is(model, JSON_STRING) ||
	    !json_is(json_get(body, "messages"), JSON_ARRAY))
		abort();
	if ((slash = strrchr(model->s, '/')) != NULL)
		json_object_set(body, "model", json_new_string(slash + 1));
	fuzz_validate_build(body);
	json_free(body);
	return (0);
}

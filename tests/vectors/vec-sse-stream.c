/*
 * vec-sse-stream.c: sse_stream.json (PROTOCOL.md §6, §8, §9).  Each case's
 * decrypted chunks are fed to the SSE accumulator twice, as given and one
 * byte at a time; the stream is finished, its signed output computed and
 * verified with the case's key, tee_id and the request hash of its
 * canonical_json.  ok: signed_output, output_hash, finish_reason, request
 * hash and timestamp must match; not ok: the error must be of the
 * reference's class (RelayError: an in-stream error event; VerificationError:
 * no signed final frame or a failed check) and kind.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "keccak.h"
#include "sse.h"
#include "vec.h"
#include "verify.h"

enum vec_sse_kind {
	VEC_SSE_OK,
	VEC_SSE_RELAY,
	VEC_SSE_VERIFY
};

struct vec_sse_run {
	enum vec_sse_kind	 kind;
	const char		*errstr;
	char			 upstream[256];
	char			*output;
	size_t			 outlen;
	char			 finish_reason[64];
	struct verify_proof	 proof;
	unsigned int		 frames;
	unsigned int		 finals;
};

static int
vec_sse_frame_cb(void *arg, const struct sse_frame *frame, int final)
{
	struct vec_sse_run	*run = arg;

	(void)frame;
	run->frames++;
	if (final)
		run->finals++;
	return (0);
}

/* Classify a failure of the parser s. */
static void
vec_sse_failed(struct vec_sse_run *run, struct sse *s, const char *errstr)
{
	const char	*up = sse_upstream_error(s);

	run->errstr = errstr;
	if (up != NULL) {
		run->kind = VEC_SSE_RELAY;
		snprintf(run->upstream, sizeof(run->upstream), "%s", up);
	} else
		run->kind = VEC_SSE_VERIFY;
}

/* Feed, finish, compute and verify one case; bytewise feeds 1 byte at once. */
static void
vec_sse_run(const struct json_value *c, int bytewise, struct vec_sse_run *run)
{
	const struct json_value	*chunks, *ch, *canon;
	struct sse		*s;
	const char		*errstr, *tee_id, *fr;
	uint8_t			*der = NULL, req[32];
	size_t			 derlen, i, k;

	memset(run, 0, sizeof(*run));
	run->kind = VEC_SSE_VERIFY;
	run->errstr = "case lacks a field";
	chunks = json_get(c, "chunks");
	canon = json_get(c, "canonical_json");
	tee_id = json_get_str(c, "tee_id");
	if (chunks == NULL || chunks->type != JSON_ARRAY || canon == NULL ||
	    canon->type != JSON_STRING || tee_id == NULL ||
	    vec_hex(c, "signing_key_der", &der, &derlen) == -1)
		return;
	keccak256(canon->s, canon->len, req);

	s = sse_new(vec_sse_frame_cb, run, 0);
	for (i = 0; i < chunks->n; i++) {
		ch = chunks->items[i];
		if (ch->type != JSON_STRING)
			goto out;
		for (k = 0; k < ch->len; k += bytewise ? 1 : ch->len) {
			if (sse_feed(s, (const uint8_t *)ch->s + k,
			    bytewise ? 1 : ch->len, &errstr) == -1) {
				vec_sse_failed(run, s, errstr);
				goto out;
			}
		}
	}
	if (sse_finish(s, &errstr) == -1) {
		vec_sse_failed(run, s, errstr);
		goto out;
	}
	if (sse_signed_output(s, &run->output, &run->outlen) == -1) {
		run->errstr = "no signed output";
		goto out;
	}
	if ((fr = sse_finish_reason(s)) != NULL)
		snprintf(run->finish_reason, sizeof(run->finish_reason), "%s",
		    fr);
	if (verify_response(sse_final_frame(s), der, derlen, tee_id, req,
	    run->output, run->outlen, &run->proof, &errstr) == -1) {
		run->errstr = errstr;
		goto out;
	}
	run->kind = VEC_SSE_OK;
	run->errstr = NULL;
out:
	sse_free(s);
	free(der);
}

/* NULL when run matches the expectation, else what differs. */
static const char *
vec_sse_check(const struct vec_sse_run *run, const struct json_value *exp)
{
	const struct json_value	*ok, *v;
	const char		*cls, *ref;
	uint8_t			 h[32];
	char			 hex[65];
	size_t			 n;

	if ((ok = json_get(exp, "ok")) == NULL)
		return ("no expected.ok");
	if (ok->type == JSON_TRUE) {
		if (run->kind != VEC_SSE_OK)
			return (run->errstr != NULL ? run->errstr : "failed");
		if (!vec_str_eq(json_get(exp, "signed_output"), run->output,
		    run->outlen))
			return ("signed_output differs");
		keccak256(run->output, run->outlen, h);
		hex_encode(h, 32, hex);
		if (!vec_str_eq(json_get(exp, "output_hash"), hex, 64))
			return ("output_hash differs");
		if ((v = json_get(exp, "finish_reason")) != NULL &&
		    !vec_str_eq(v, run->finish_reason,
		    strlen(run->finish_reason)))
			return ("finish_reason differs");
		if ((v = json_get(exp, "request_hash")) != NULL &&
		    !vec_str_eq(v, run->proof.request_hash, 64))
			return ("request_hash differs");
		if ((v = json_get(exp, "timestamp")) != NULL &&
		    v->type == JSON_INT &&
		    (v->len != strlen(run->proof.timestamp) ||
		    memcmp(v->s, run->proof.timestamp, v->len) != 0))
			return ("timestamp differs");
		if (run->finals != 1)
			return ("final frame not reported exactly once");
		return (NULL);
	}
	cls = json_get_str(exp, "error_class");
	ref = json_get_str(exp, "reference_error");
	if (run->kind == VEC_SSE_OK)
		return ("accepted a stream the reference rejects");
	if (cls != NULL && strcmp(cls, "RelayError") == 0) {
		if (run->kind != VEC_SSE_RELAY)
			return ("expected an in-stream error event");
		/* The reference says "relay error 502: <message>". */
		n = strlen(run->upstream);
		if (ref != NULL && (strlen(ref) < n ||
		    strcmp(ref + strlen(ref) - n, run->upstream) != 0))
			return ("in-stream error message differs");
		return (NULL);
	}
	if (cls != NULL && strcmp(cls, "VerificationError") == 0) {
		if (run->kind != VEC_SSE_VERIFY)
			return ("expected a verification failure");
		if (ref != NULL && run->errstr != NULL &&
		    strncmp(run->errstr, ref, strcspn(ref, ":")) != 0)
			return ("verification failed for another reason");
		return (NULL);
	}
	return ("unknown error_class");
}

static void
vec_sse_case(const struct json_value *c, size_t i, struct vec_report *r)
{
	const struct json_value	*exp = json_get(c, "expected");
	struct vec_sse_run	 run;
	const char		*why;
	int			 bytewise;

	for (bytewise = 0; bytewise <= 1; bytewise++) {
		vec_sse_run(c, bytewise, &run);
		why = exp == NULL ? "no expected" : vec_sse_check(&run, exp);
		free(run.output);
		if (why != NULL) {
			vec_fail(r, vec_name(c, i), "%s%s", bytewise ?
			    "fed byte by byte: " : "", why);
			return;
		}
	}
	vec_pass(r);
}

/* Check every case of sse_stream.json. */
void
vec_sse_stream(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*a;
	size_t			 i;

	if ((a = json_get(root, "vectors")) == NULL || a->type != JSON_ARRAY)
		return;
	for (i = 0; i < a->n; i++)
		vec_sse_case(a->items[i], i, r);
}

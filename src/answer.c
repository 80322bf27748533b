/*
 * answer.c: the verified answer (PROTOCOL.md §8, §9), the one value the
 * non-stream verifier here and the stream verifier (stream.c) produce and
 * every dialect renders (§10).  No request, no evhttp: ciphertext and what
 * to check it against in, an answer or an error out.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "digest.h"
#include "json.h"
#include "ohttp.h"
#include "verify.h"
#include "xmalloc.h"
#include "og-veil.h"

void
answer_init(struct answer *an)
{
	memset(an, 0, sizeof(*an));
}

void
answer_clear(struct answer *an)
{
	free(an->an_text);
	free(an->an_signed);
	json_free(an->an_calls);
	free(an->an_finish);
	json_free(an->an_usage);
	free(an->an_model);
	json_free(an->an_tee);
	json_free(an->an_chat);
	free(an->an_frames);
	free(an->an_frame_calls);
	free(an->an_names);
	free(an->an_chunk_id);
	answer_init(an);
}

void
answer_set_error(struct answer_error *ae, enum error_code code,
    const char *fmt, ...)
{
	va_list	ap;

	ae->code = code;
	va_start(ap, fmt);
	vsnprintf(ae->message, sizeof(ae->message), fmt, ap);
	va_end(ap);
}

/* The message of an error body: body.error as a string or error.message. */
static const char *
answer_error_message(const struct json_value *body)
{
	const struct json_value	*e;
	const char		*s;

	if ((e = json_get(body, "error")) != NULL) {
		if (json_is(e, JSON_STRING))
			return (e->s);
		if ((s = json_get_str(e, "message")) != NULL)
			return (s);
	}
	if ((s = json_get_str(body, "detail")) != NULL)
		return (s);
	return ("the TEE answered with an error");
}

/*
 * The fields every dialect reads, from the delivered chat.completion
 * (already reduced to what §8 signs by scrub_response()).
 */
static void
answer_fill(struct answer *an)
{
	const struct json_value	*ch, *msg, *v;

	ch = json_index(json_get(an->an_chat, "choices"), 0);
	msg = json_get(ch, "message");
	if ((v = json_get(msg, "tool_calls")) != NULL) {
		an->an_tools = 1;
		an->an_calls = json_dup(v);
	} else if ((v = json_get(msg, "content")) != NULL &&
	    json_is(v, JSON_STRING)) {
		an->an_text = xmalloc(v->len + 1);
		memcpy(an->an_text, v->s, v->len);
		an->an_text[v->len] = '\0';
		an->an_text_len = v->len;
	}
	if ((v = json_get(ch, "finish_reason")) != NULL &&
	    json_is(v, JSON_STRING))
		an->an_finish = xstrdup(v->s);
	if ((v = json_get(an->an_chat, "usage")) != NULL)
		an->an_usage = json_dup(v);
	v = json_get(an->an_chat, "model");
	an->an_model = xstrdup(json_is(v, JSON_STRING) ? v->s : "");
	an->an_tee = scrub_proof_fields(an->an_chat);
}

/* Non-stream: open, check the status, verify; fill an. */
int
answer_open(const struct ohttp_ctx *ctx, const uint8_t *ct, size_t ctlen,
    const struct answer_check *ck, struct answer *an,
    struct answer_error *ae)
{
	struct buf		 pt;
	struct json_value	*doc, *inner, *sv;
	const char		*errstr;
	char			*output = NULL;
	size_t			 outlen = 0;
	int64_t			 status = 200;

	answer_init(an);
	buf_init(&pt);
	if (ohttp_open_response(ctx, ct, ctlen, &pt, &errstr) == -1) {
		answer_set_error(ae, ERROR_VERIFICATION, "verification "
		    "failed: the TEE's response does not decrypt (%s); "
		    "nothing was delivered", errstr);
		buf_clear(&pt, 1);
		return (-1);
	}
	doc = json_parse_mem((const char *)pt.data, pt.len, NULL, ck->max_mem,
	    NULL, &errstr);
	buf_clear(&pt, 1);
	if (doc == NULL || !json_is(doc, JSON_OBJECT)) {
		json_free(doc);
		answer_set_error(ae, ERROR_UPSTREAM, "%s",
		    "the TEE's answer is not a JSON object");
		return (-1);
	}
	inner = doc;
	sv = json_get(doc, "status");
	if (sv != NULL && json_is(sv, JSON_INT) &&
	    json_get(doc, "body") != NULL) {
		if (json_to_int64(sv, &status) == -1)
			status = 502;
		inner = json_get(doc, "body");
	}
	if (status >= 400) {
		answer_set_error(ae, ERROR_UPSTREAM, "the TEE answered %lld: "
		    "%s", (long long)status, answer_error_message(inner));
		json_free(doc);
		return (-1);
	}
	if (!json_is(inner, JSON_OBJECT)) {
		answer_set_error(ae, ERROR_UPSTREAM, "%s",
		    "the TEE's answer body is not a JSON object");
		json_free(doc);
		return (-1);
	}
	if (digest_response_output(inner, &output, &outlen, &errstr) == -1 ||
	    verify_response_key(inner, ck->vkey, ck->tee_id, ck->request_hash,
	    output, outlen, &an->an_proof, &errstr) == -1) {
		answer_set_error(ae, ERROR_VERIFICATION, "verification "
		    "failed: %s; nothing was delivered", errstr);
		free(output);
		json_free(doc);
		return (-1);
	}
	/*
	 * §10 delivers the answer §9 verified: only the signed output of §8
	 * (choices[0]'s content or tool calls) and metadata without text;
	 * other choices, refusal, reasoning and extra fields are unsigned
	 * and dropped (scrub.c).
	 */
	an->an_chat = scrub_response(inner, ck->model, output, outlen);
	an->an_signed = output;		/* for receipts (--keep-content) */
	an->an_signed_len = outlen;
	json_free(doc);
	answer_fill(an);
	return (0);
}

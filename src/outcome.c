/*
 * outcome.c: what each sealed request leaves behind when it ends.  A
 * verified answer leaves a receipt (receipt.h: the proof, the TEE's
 * registry entry as used, sizes, and with --keep-content the canonical
 * request and the signed output), queued to the receipt writer so that
 * the answer is never delayed; every outcome moves the metrics (metrics.c)
 * with labels from bounded sets only.
 */
#include "compat.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>

#include "og-veil.h"
#include "receipt.h"
#include "xmalloc.h"

/* The route a dialect serves, for the requests_total label. */
static const char *
outcome_route(const struct dialect *dl)
{
	if (strcmp(dl->dl_name, "anthropic") == 0)
		return ("/v1/messages");
	if (strcmp(dl->dl_name, "responses") == 0)
		return ("/v1/responses");
	return ("/v1/chat/completions");
}

/* Seconds since the request started. */
static double
outcome_elapsed(const struct req *rq)
{
	return (metrics_since(&rq->rq_started));
}

/*
 * Why a verification failed, from its message, as one of a few words (a
 * bounded label: the message itself carries upstream text).
 */
static const char *
outcome_verify_reason(const char *msg)
{
	static const struct {
		const char	*needle;
		const char	*reason;
	} reasons[] = {
		{ "tee_id", "tee_id" },
		{ "request hash", "request_hash" },
		{ "output hash", "output_hash" },
		{ "signature", "signature" },
		{ "decrypt", "decrypt" },
		{ "AEAD", "decrypt" },
		{ "tag", "decrypt" },
		{ "final", "truncated" },
		{ "truncat", "truncated" },
		{ "timestamp", "timestamp" },
	};
	size_t	 i;

	for (i = 0; msg != NULL && i < sizeof(reasons) / sizeof(reasons[0]);
	    i++)
		if (strstr(msg, reasons[i].needle) != NULL)
			return (reasons[i].reason);
	return ("other");
}

/* The first byte went to the agent now (a reply, or a stream's commit). */
void
outcome_first_byte(struct req *rq)
{
	if (rq->rq_flags & RQ_FIRST_BYTE)
		return;
	rq->rq_flags |= RQ_FIRST_BYTE;
	metrics_observe(METRICS_FIRST_BYTE, outcome_elapsed(rq), "dialect",
	    rq->rq_dialect->dl_name, "stream",
	    rq->rq_flags & RQ_STREAM ? "true" : "false", NULL);
}

void
outcome_failed(struct req *rq, const struct error_def *ed, int status,
    const char *detail)
{
	char	 code[8];

	(void)status;
	metrics_count(METRICS_REQUESTS, 1, "route",
	    outcome_route(rq->rq_dialect), "dialect", rq->rq_dialect->dl_name,
	    "outcome", ed->name != NULL ? ed->name : "error", NULL);
	if (ed->code == ERROR_VERIFICATION)
		metrics_count(METRICS_VERIFY_FAILURES, 1, "reason",
		    outcome_verify_reason(detail), NULL);
	if (ed->code == ERROR_RELAY && status >= 100 && status <= 599) {
		snprintf(code, sizeof(code), "%d", status);
		metrics_count(METRICS_RELAY_STATUS, 1, "status", code, NULL);
	}
}

/* A receipt of the verified answer an for rq, queued to the writer. */
static void
outcome_receipt(struct req *rq, const struct answer *an)
{
	struct veil		*vl = rq->rq_veil;
	const struct tee	*te = rq->rq_tee;
	struct receipt		 r;
	const char		*sig, *model;

	if (vl->vl_receipts == NULL || te == NULL)
		return;
	sig = json_get_str(an->an_tee, "tee_signature");
	if (sig == NULL)
		return;
	receipt_init(&r);
	if (rq->rq_receipt[0] == '\0')
		return;
	strlcpy(r.id, rq->rq_receipt, sizeof(r.id));
	r.created_at = (int64_t)time(NULL);
	r.dialect = xstrdup(rq->rq_dialect->dl_name);
	r.route = xstrdup(outcome_route(rq->rq_dialect));
	model = json_get_str(rq->rq_body, "model");
	r.model = xstrdup(model != NULL ? model : "");
	r.stream = (rq->rq_flags & RQ_STREAM) != 0;
	r.tee_id = xstrdup(te->te_id);
	r.spki = xmemdup(te->te_spki, te->te_spki_len);
	r.spki_len = te->te_spki_len;
	r.pcr_hash = xstrdup(te->te_pcr);
	r.endpoint = xstrdup(te->te_endpoint != NULL ? te->te_endpoint : "");
	r.registry_read_at = vl->vl_tees_fetched;
	r.request_hash = xstrdup(an->an_proof.request_hash);
	r.output_hash = xstrdup(an->an_proof.output_hash);
	r.tee_timestamp = xstrdup(an->an_proof.timestamp);
	r.signature = xstrdup(sig);
	r.request_bytes = rq->rq_sealed.len;
	r.response_bytes = rq->rq_resp_bytes;
	if (vl->vl_cfg->keep_content) {
		r.canonical = xmemdup(rq->rq_digest.canonical_json,
		    rq->rq_digest.canonical_len + 1);
		r.canonical_len = rq->rq_digest.canonical_len;
		if (an->an_signed != NULL) {
			r.output = xmemdup(an->an_signed,
			    an->an_signed_len + 1);
			r.output_len = an->an_signed_len;
		} else {
			r.output = xmemdup(an->an_text != NULL ? an->an_text :
			    "", an->an_text_len + 1);
			r.output_len = an->an_text_len;
		}
	}
	receipt_writer_add(vl->vl_receipts, &r);
}

/*
 * Before a verified answer is rendered: its receipt id, which the §10
 * block and the X-OpenGradient-Receipt header carry ("" without receipts).
 */
void
outcome_receipt_id(struct req *rq)
{
	char	 id[RECEIPT_ID_LEN + 1];

	if (rq->rq_veil->vl_receipts == NULL || receipt_new_id(id) == -1)
		return;
	strlcpy(rq->rq_receipt, id, sizeof(rq->rq_receipt));
}

void
outcome_verified(struct req *rq, const struct answer *an)
{
	metrics_count(METRICS_REQUESTS, 1, "route",
	    outcome_route(rq->rq_dialect), "dialect", rq->rq_dialect->dl_name,
	    "outcome", "verified", NULL);
	metrics_observe(METRICS_VERIFIED, outcome_elapsed(rq), "dialect",
	    rq->rq_dialect->dl_name, "stream",
	    rq->rq_flags & RQ_STREAM ? "true" : "false", NULL);
	outcome_receipt(rq, an);
}

/* The headers a delivered answer carries beyond the proof ones. */
void
outcome_headers(struct req *rq, struct evkeyvalq *oh)
{
	if (rq->rq_receipt[0] != '\0')
		evhttp_add_header(oh, "X-OpenGradient-Receipt",
		    rq->rq_receipt);
	redact_header(rq, oh);
}

/*
 * redact.c: --pii-scrub on the request path.  The chat body every dialect
 * was translated into is redacted (pii.h) before PROTOCOL.md §7 builds
 * and hashes it, so the enclave signs what it received and the proof
 * verifies; the answer says how many of each kind went, never what.
 */
#include "compat.h"

#include <sys/queue.h>

#include <inttypes.h>

#include <event2/http.h>

#include "bytes.h"
#include "og-veil.h"
#include "pii.h"

/* X-OpenGradient-PII-Redacted: counts per kind, never the values. */
void
redact_header(struct req *rq, struct evkeyvalq *oh)
{
	struct buf	 b;
	int		 k;

	if (pii_counts_total(&rq->rq_pii) == 0)
		return;
	buf_init(&b);
	for (k = 0; k < PII_NKINDS; k++)
		if (rq->rq_pii.n[k] > 0)
			buf_printf(&b, "%s%s=%u", b.len > 0 ? ", " : "",
			    pii_kind_name((enum pii_kind)k), rq->rq_pii.n[k]);
	evhttp_add_header(oh, "X-OpenGradient-PII-Redacted",
	    (const char *)b.data);
	buf_clear(&b, 0);
}

/* --pii-scrub: redact the chat body before it is built and sealed. */
void
redact_request(struct req *rq)
{
	int	 k;

	if (!rq->rq_veil->vl_cfg->pii_scrub ||
	    pii_scrub_chat(rq->rq_body, &rq->rq_pii) == 0)
		return;
	for (k = 0; k < PII_NKINDS; k++)
		if (rq->rq_pii.n[k] > 0)
			metrics_count(METRICS_PII_REDACTIONS, rq->rq_pii.n[k],
			    "kind", pii_kind_name((enum pii_kind)k), NULL);
	log_info("req %016" PRIx64 ": redacted %u email, %u phone, %u ssn, "
	    "%u bank number, %u address", rq->rq_id,
	    rq->rq_pii.n[PII_EMAIL], rq->rq_pii.n[PII_PHONE],
	    rq->rq_pii.n[PII_SSN], rq->rq_pii.n[PII_BANK_NUMBER],
	    rq->rq_pii.n[PII_ADDRESS]);
}

/*
 * budget.c: the memory og-veil holds for requests in flight, charged as it
 * grows against one process-wide cap (--max-unverified, vl_unverified):
 * a request's parsed body (the JSON tree costs up to ~60 times its text),
 * a non-stream answer's ciphertext as it arrives, and held stream text
 * (stream.c).  Each request keeps what it was charged and gives it back
 * when it is freed, so one allowed request cannot exhaust memory and many
 * together get 503 overloaded instead of killing the server.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xmalloc.h"
#include "og-veil.h"

/* Bytes left under the process-wide cap. */
static size_t
budget_left(const struct veil *vl)
{
	size_t	cap = vl->vl_cfg->max_unverified;

	return (vl->vl_unverified < cap ? cap - vl->vl_unverified : 0);
}

/*
 * Charge n bytes to a request holding *held: 0, or -1 (nothing charged)
 * when the process-wide budget has not that much left.
 */
int
budget_charge(struct veil *vl, size_t *held, size_t n)
{
	if (n > budget_left(vl))
		return (-1);
	vl->vl_unverified += n;
	*held += n;
	return (0);
}

/* Give back n bytes of what *held was charged (all when n is larger). */
void
budget_uncharge(struct veil *vl, size_t *held, size_t n)
{
	if (n > *held)
		n = *held;
	*held -= n;
	vl->vl_unverified = vl->vl_unverified > n ? vl->vl_unverified - n : 0;
}

/* Give back everything *held was charged. */
void
budget_release(struct veil *vl, size_t *held)
{
	budget_uncharge(vl, held, *held);
}

/*
 * The most one body's parsed tree may take: BUDGET_PARSE_FACTOR times
 * --max-body, at least BUDGET_PARSE_MIN.  Honest chat bodies (text,
 * messages, tool schemas) take 2 to 6 times their size.
 */
size_t
budget_parse_cap(const struct veil_config *cfg)
{
	size_t	cap;

	if (cfg->max_body > SIZE_MAX / BUDGET_PARSE_FACTOR)
		return (SIZE_MAX);
	cap = cfg->max_body * BUDGET_PARSE_FACTOR;
	return (cap < BUDGET_PARSE_MIN ? BUDGET_PARSE_MIN : cap);
}

/*
 * Parse an agent's body of len bytes under the per-request cap and what is
 * left of the process budget; the tree and the body's bytes stay charged
 * to *held.  NULL with *status (400 bad JSON, 413 past the per-request cap,
 * 503 past the process budget) and *msgp (new: the caller frees it).
 */
struct json_value *
budget_json_parse(struct veil *vl, const void *body, size_t len,
    unsigned int depth, size_t *held, int *status, char **msgp)
{
	struct json_limits	 lim;
	struct json_value	*v;
	const char		*errstr;
	size_t			 cap, left, max_mem, mem = 0;

	*msgp = NULL;
	cap = budget_parse_cap(vl->vl_cfg);
	left = budget_left(vl);
	left = left > len ? left - len : 0;
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = vl->vl_cfg->max_body;
	lim.max_depth = depth;
	lim.max_floats = BUDGET_MAX_FLOATS;
	max_mem = cap < left ? cap : left;
	if (max_mem == 0)
		max_mem = 1;	/* 0 would mean no limit */
	v = json_parse_mem(body, len, &lim, max_mem, &mem, &errstr);
	if (v == NULL && errstr == json_err_mem && cap < left) {
		*status = 413;
		xasprintf(msgp, "the body's JSON would take more than %zu "
		    "bytes of memory once parsed (the limit is %d times "
		    "OG_VEIL_MAX_BODY): send fewer, larger values", cap,
		    BUDGET_PARSE_FACTOR);
		return (NULL);
	}
	if (v == NULL && errstr == json_err_floats) {
		*status = 413;
		xasprintf(msgp, "the body has more than %d non-integer "
		    "numbers: each is formatted for the enclave's digest on "
		    "og-veil's one loop, so their number is bounded; send "
		    "fewer", BUDGET_MAX_FLOATS);
		return (NULL);
	}
	if (v == NULL && errstr == json_err_mem) {
		*status = 503;
		xasprintf(msgp, "og-veil is overloaded: requests in flight "
		    "hold %zu bytes of its %zu-byte memory budget "
		    "(OG_VEIL_MAX_UNVERIFIED); retry shortly",
		    vl->vl_unverified, vl->vl_cfg->max_unverified);
		return (NULL);
	}
	if (v == NULL) {
		*status = 400;
		xasprintf(msgp, "the body is not valid JSON: %s", errstr);
		return (NULL);
	}
	/* mem + len is within what was left: charged without a check. */
	vl->vl_unverified += mem + len;
	*held += mem + len;
	return (v);
}

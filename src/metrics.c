/*
 * metrics.c: the daemon's counters and histograms, rendered as Prometheus
 * text (GET /metrics).  Families are one table; a series is a family plus
 * label values that the code chooses from bounded sets (routes, dialects,
 * outcomes, reasons, status codes): never a prompt, a token, a model name
 * or anything else an agent or upstream controls.  The number of series
 * is capped; past the cap, increments land in og_veil_metrics_dropped_total.
 * Gauges (connections, held streams, budgets, registry age) are read from
 * the daemon when rendered.
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "og-veil.h"

#define METRICS_MAX_SERIES	512
#define METRICS_LABELS_MAX	192

enum metrics_type {
	METRICS_COUNTER,
	METRICS_HISTOGRAM
};

/* Upper bounds in seconds: first byte, verified content, upstream. */
static const double metrics_latency_buckets[] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120,
	300, 600
};
/* Loop time in a request's own callbacks, seconds. */
static const double metrics_loop_buckets[] = {
	0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05
};
#define METRICS_NBUCKETS_MAX	16

static const struct {
	const char		*name;
	const char		*help;
	enum metrics_type	 type;
	const double		*buckets;
	size_t			 nbuckets;
} metrics_families[METRICS__COUNT] = {
#define METRICS_COUNTER_FAMILY(e, n, h) \
	[e] = { n, h, METRICS_COUNTER, NULL, 0 }
#define METRICS_HISTOGRAM_FAMILY(e, n, h, b) \
	[e] = { n, h, METRICS_HISTOGRAM, b, sizeof(b) / sizeof(b[0]) }
	METRICS_COUNTER_FAMILY(METRICS_REQUESTS, "og_veil_requests_total",
	    "Agent requests by route, dialect and outcome."),
	METRICS_COUNTER_FAMILY(METRICS_VERIFY_FAILURES,
	    "og_veil_verification_failures_total",
	    "Answers refused because their proof did not verify, by reason."),
	METRICS_COUNTER_FAMILY(METRICS_RELAY_STATUS,
	    "og_veil_relay_responses_total",
	    "Relay answers by HTTP status."),
	METRICS_COUNTER_FAMILY(METRICS_FAILOVERS, "og_veil_failovers_total",
	    "Requests retried on another TEE."),
	METRICS_COUNTER_FAMILY(METRICS_QUARANTINES,
	    "og_veil_quarantines_total",
	    "TEEs quarantined after a verification failure."),
	METRICS_COUNTER_FAMILY(METRICS_TEE_CHANGES,
	    "og_veil_tee_changes_total",
	    "Times the selected TEE changed."),
	METRICS_COUNTER_FAMILY(METRICS_KEY_ROTATIONS,
	    "og_veil_key_rotations_total",
	    "Registry refreshes that showed a TEE's keys rotated."),
	METRICS_COUNTER_FAMILY(METRICS_REGISTRY_READS,
	    "og_veil_registry_reads_total",
	    "Registry reads by result (chain, cache, failed)."),
	METRICS_COUNTER_FAMILY(METRICS_TOKEN_REFRESHES,
	    "og_veil_token_refreshes_total",
	    "Access-token refreshes by result."),
	METRICS_COUNTER_FAMILY(METRICS_RECEIPTS, "og_veil_receipts_total",
	    "Receipts by result (written, dropped, failed)."),
	METRICS_COUNTER_FAMILY(METRICS_PII_REDACTIONS,
	    "og_veil_pii_redactions_total",
	    "Personal data redacted before sealing, by kind."),
	METRICS_HISTOGRAM_FAMILY(METRICS_FIRST_BYTE,
	    "og_veil_first_byte_seconds",
	    "Time from the agent's request to the first byte sent to it.",
	    metrics_latency_buckets),
	METRICS_HISTOGRAM_FAMILY(METRICS_VERIFIED,
	    "og_veil_verified_content_seconds",
	    "Time from the agent's request to verified content.",
	    metrics_latency_buckets),
	METRICS_HISTOGRAM_FAMILY(METRICS_UPSTREAM,
	    "og_veil_upstream_seconds",
	    "Time from the relay call to the end of its answer.",
	    metrics_latency_buckets),
	METRICS_HISTOGRAM_FAMILY(METRICS_REQUEST_LOOP,
	    "og_veil_request_loop_seconds",
	    "Time the event loop spent in a request's own callbacks (parse, "
	    "seal, open, verify, render), by the monotonic clock: its CPU "
	    "time plus any time the loop thread was preempted meanwhile.",
	    metrics_loop_buckets),
#undef METRICS_COUNTER_FAMILY
#undef METRICS_HISTOGRAM_FAMILY
};

struct metrics_series {
	enum metrics_family	 ms_family;
	char			 ms_labels[METRICS_LABELS_MAX];
	uint64_t		 ms_count;	/* counter value, or samples */
	double			 ms_sum;
	uint64_t		 ms_buckets[METRICS_NBUCKETS_MAX];
};

static struct metrics_series	 metrics_series[METRICS_MAX_SERIES];
static size_t			 metrics_nseries;
static uint64_t			 metrics_dropped;

/* Append a label value, escaped as the text format asks. */
static void
metrics_escape(char *out, size_t outlen, size_t *pos, const char *v)
{
	for (; *v != '\0' && *pos + 3 < outlen; v++) {
		if (*v == '\\' || *v == '"') {
			out[(*pos)++] = '\\';
			out[(*pos)++] = *v;
		} else if (*v == '\n') {
			out[(*pos)++] = '\\';
			out[(*pos)++] = 'n';
		} else if ((unsigned char)*v >= 0x20 && *v != 0x7f)
			out[(*pos)++] = *v;
	}
	out[*pos] = '\0';
}

/* name="value",... from NULL-terminated pairs. */
static void
metrics_labels(char *out, size_t outlen, va_list ap)
{
	const char	*k, *v;
	size_t		 pos = 0, kl;

	/* No snprintf(): this runs several times for every request. */
	out[0] = '\0';
	while ((k = va_arg(ap, const char *)) != NULL) {
		v = va_arg(ap, const char *);
		kl = strlen(k);
		if ((pos > 0) + kl + 2 >= outlen - pos - 2)	/* [,]k=" */
			break;
		if (pos > 0)
			out[pos++] = ',';
		memcpy(out + pos, k, kl);
		pos += kl;
		out[pos++] = '=';
		out[pos++] = '"';
		metrics_escape(out, outlen - 1, &pos, v != NULL ? v : "");
		out[pos++] = '"';
		out[pos] = '\0';
	}
}

static struct metrics_series *
metrics_find(enum metrics_family f, const char *labels)
{
	size_t	 i;

	for (i = 0; i < metrics_nseries; i++)
		if (metrics_series[i].ms_family == f &&
		    strcmp(metrics_series[i].ms_labels, labels) == 0)
			return (&metrics_series[i]);
	if (metrics_nseries == METRICS_MAX_SERIES) {
		metrics_dropped++;
		return (NULL);
	}
	metrics_series[metrics_nseries].ms_family = f;
	strlcpy(metrics_series[metrics_nseries].ms_labels, labels,
	    METRICS_LABELS_MAX);
	return (&metrics_series[metrics_nseries++]);
}

void
metrics_count(enum metrics_family f, uint64_t n, ...)
{
	struct metrics_series	*ms;
	char			 labels[METRICS_LABELS_MAX];
	va_list			 ap;

	va_start(ap, n);
	metrics_labels(labels, sizeof(labels), ap);
	va_end(ap);
	if ((ms = metrics_find(f, labels)) != NULL)
		ms->ms_count += n;
}

void
metrics_observe(enum metrics_family f, double v, ...)
{
	struct metrics_series	*ms;
	char			 labels[METRICS_LABELS_MAX];
	va_list			 ap;
	size_t			 i;

	va_start(ap, v);
	metrics_labels(labels, sizeof(labels), ap);
	va_end(ap);
	if ((ms = metrics_find(f, labels)) == NULL)
		return;
	ms->ms_count++;
	ms->ms_sum += v;
	for (i = 0; i < metrics_families[f].nbuckets; i++)
		if (v <= metrics_families[f].buckets[i])
			ms->ms_buckets[i]++;
}

/* Seconds on CLOCK_MONOTONIC since t0, for metrics_observe(). */
double
metrics_since(const struct timespec *t0)
{
	struct timespec	 now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9);
}

uint64_t
metrics_value(enum metrics_family f, const char *labels)
{
	size_t		 i;
	uint64_t	 t = 0;

	for (i = 0; i < metrics_nseries; i++)
		if (metrics_series[i].ms_family == f && (labels == NULL ||
		    strcmp(metrics_series[i].ms_labels, labels) == 0))
			t += metrics_series[i].ms_count;
	return (t);
}

void
metrics_reset(void)
{
	memset(metrics_series, 0, sizeof(metrics_series));
	metrics_nseries = 0;
	metrics_dropped = 0;
}

/* "{labels}" or "", with an extra label appended when given. */
static void
metrics_put_labels(struct buf *b, const char *labels, const char *extra)
{
	if (*labels == '\0' && extra == NULL)
		return;
	buf_printf(b, "{%s%s%s}", labels, *labels != '\0' && extra != NULL ?
	    "," : "", extra != NULL ? extra : "");
}

static void
metrics_put_gauge(struct buf *b, const char *name, const char *help,
    double v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s gauge\n%s %.17g\n", name, help,
	    name, name, v);
}

void
metrics_render(struct buf *b, const struct veil *vl, size_t conns)
{
	const struct metrics_series	*ms;
	char				 le[48];
	size_t				 f, i, k;
	int64_t				 now = (int64_t)time(NULL);

	for (f = 0; f < METRICS__COUNT; f++) {
		buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n",
		    metrics_families[f].name, metrics_families[f].help,
		    metrics_families[f].name,
		    metrics_families[f].type == METRICS_COUNTER ?
		    "counter" : "histogram");
		for (i = 0; i < metrics_nseries; i++) {
			ms = &metrics_series[i];
			if ((size_t)ms->ms_family != f)
				continue;
			if (metrics_families[f].type == METRICS_COUNTER) {
				buf_add_str(b, metrics_families[f].name);
				metrics_put_labels(b, ms->ms_labels, NULL);
				buf_printf(b, " %llu\n",
				    (unsigned long long)ms->ms_count);
				continue;
			}
			for (k = 0; k < metrics_families[f].nbuckets; k++) {
				snprintf(le, sizeof(le), "le=\"%g\"",
				    metrics_families[f].buckets[k]);
				buf_printf(b, "%s_bucket",
				    metrics_families[f].name);
				metrics_put_labels(b, ms->ms_labels, le);
				buf_printf(b, " %llu\n",
				    (unsigned long long)ms->ms_buckets[k]);
			}
			buf_printf(b, "%s_bucket", metrics_families[f].name);
			metrics_put_labels(b, ms->ms_labels, "le=\"+Inf\"");
			buf_printf(b, " %llu\n",
			    (unsigned long long)ms->ms_count);
			buf_printf(b, "%s_sum", metrics_families[f].name);
			metrics_put_labels(b, ms->ms_labels, NULL);
			buf_printf(b, " %.9f\n", ms->ms_sum);
			buf_printf(b, "%s_count", metrics_families[f].name);
			metrics_put_labels(b, ms->ms_labels, NULL);
			buf_printf(b, " %llu\n",
			    (unsigned long long)ms->ms_count);
		}
	}
	buf_printf(b, "# HELP og_veil_metrics_dropped_total Increments lost "
	    "past the series cap.\n# TYPE og_veil_metrics_dropped_total "
	    "counter\nog_veil_metrics_dropped_total %llu\n",
	    (unsigned long long)metrics_dropped);
	if (vl == NULL)
		return;
	metrics_put_gauge(b, "og_veil_open_connections",
	    "Agent connections open now.", (double)conns);
	metrics_put_gauge(b, "og_veil_requests_in_flight",
	    "Agent requests being served now.", (double)vl->vl_nreqs);
	metrics_put_gauge(b, "og_veil_unverified_bytes",
	    "Bytes of answers held until their proof verifies.",
	    (double)vl->vl_unverified);
	metrics_put_gauge(b, "og_veil_unverified_bytes_limit",
	    "The budget for bytes held unverified (--max-unverified).",
	    (double)vl->vl_cfg->max_unverified);
	metrics_put_gauge(b, "og_veil_registry_tees",
	    "Usable TEEs in the last registry read.", (double)vl->vl_ntees);
	metrics_put_gauge(b, "og_veil_registry_age_seconds",
	    "Age of the registry entries in use (-1: none read yet).",
	    vl->vl_tees_fetched > 0 ? (double)(now - vl->vl_tees_fetched) :
	    -1.0);
	metrics_put_gauge(b, "og_veil_logged_in",
	    "1 when a login session is stored.", vl->vl_logged_in ? 1 : 0);
	buf_printf(b, "# HELP og_veil_upstream_connections_opened_total "
	    "Upstream connections opened since start.\n"
	    "# TYPE og_veil_upstream_connections_opened_total counter\n"
	    "og_veil_upstream_connections_opened_total %llu\n",
	    (unsigned long long)vl->vl_upstream_connections);
}

/*
 * evidence.c (bench): the loop time receipts and metrics cost per verified
 * answer: building a receipt and writing it in the writer's batches (a
 * transaction of up to 256 in receipts.db, WAL, synchronous=NORMAL), the
 * metric updates a request makes, and one GET /metrics rendering.  Prints
 * one JSON object of microseconds.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "og-veil.h"
#include "receipt.h"
#include "xmalloc.h"

#define BENCH_EV_RECEIPTS	5120
#define BENCH_EV_BATCH		256

static double
bench_ev_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
bench_ev_receipt(struct receipt *r, int i)
{
	uint8_t	 spki[294];
	char	 hex[65];

	receipt_init(r);
	receipt_new_id(r->id);
	r->created_at = (int64_t)time(NULL);
	r->dialect = xstrdup("chat");
	r->route = xstrdup("/v1/chat/completions");
	r->model = xstrdup("gpt-4.1-mini");
	r->tee_id = xstrdup("0x1111111111111111111111111111111111111111111111"
	    "111111111111111111");
	memset(spki, i & 0xff, sizeof(spki));
	r->spki = xmemdup(spki, sizeof(spki));
	r->spki_len = sizeof(spki);
	r->pcr_hash = xstrdup(r->tee_id);
	r->endpoint = xstrdup("https://tee-1.example");
	memset(hex, 'a', 64);
	hex[64] = '\0';
	r->request_hash = xstrdup(hex);
	r->output_hash = xstrdup(hex);
	r->tee_timestamp = xstrdup("1767225600");
	r->signature = xmalloc(345);
	memset(r->signature, 'Q', 344);
	r->signature[344] = '\0';
	r->request_bytes = 1100;
	r->response_bytes = 900;
}

int
main(void)
{
	struct receipt_store	*rs;
	struct receipt		 r;
	struct buf		 b;
	char			 home[] = "/tmp/og-veil-bench-ev.XXXXXX";
	char			 err[256], cmd[128];
	double			 t0, build = 0, write, single, count, render;
	int			 i, j;

	if (mkdtemp(home) == NULL ||
	    (rs = receipt_store_open(home, 1, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench-evidence: %s\n", err);
		return (1);
	}
	t0 = bench_ev_now();
	for (i = 0; i < BENCH_EV_RECEIPTS; i += BENCH_EV_BATCH) {
		if (receipt_store_begin(rs) == -1)
			return (1);
		for (j = 0; j < BENCH_EV_BATCH; j++) {
			double	 tb = bench_ev_now();

			bench_ev_receipt(&r, i + j);
			build += bench_ev_now() - tb;
			receipt_store_put(rs, &r);
			receipt_clear(&r);
		}
		receipt_store_prune(rs, 100000, 90 * 86400,
		    (int64_t)time(NULL));
		if (receipt_store_commit(rs) == -1)
			return (1);
	}
	write = (bench_ev_now() - t0 - build) / BENCH_EV_RECEIPTS * 1e6;
	build = build / BENCH_EV_RECEIPTS * 1e6;
	/* A quiet server flushes each receipt alone: one per transaction. */
	t0 = bench_ev_now();
	for (i = 0; i < 1000; i++) {
		bench_ev_receipt(&r, i);
		if (receipt_store_begin(rs) == -1)
			return (1);
		receipt_store_put(rs, &r);
		receipt_store_prune(rs, 100000, 90 * 86400,
		    (int64_t)time(NULL));
		if (receipt_store_commit(rs) == -1)
			return (1);
		receipt_clear(&r);
	}
	single = (bench_ev_now() - t0) / 1000 * 1e6 - build;
	receipt_store_close(rs);

	/* What one verified request adds: a count and two samples. */
	t0 = bench_ev_now();
	for (i = 0; i < 100000; i++) {
		metrics_count(METRICS_REQUESTS, 1, "route",
		    "/v1/chat/completions", "dialect", "chat", "outcome",
		    "verified", NULL);
		metrics_observe(METRICS_FIRST_BYTE, 0.01, "dialect", "chat",
		    "stream", "false", NULL);
		metrics_observe(METRICS_VERIFIED, 0.01, "dialect", "chat",
		    "stream", "false", NULL);
	}
	count = (bench_ev_now() - t0) / 100000 * 1e6;
	buf_init(&b);
	t0 = bench_ev_now();
	for (i = 0; i < 1000; i++) {
		b.len = 0;
		metrics_render(&b, NULL, 0);
	}
	render = (bench_ev_now() - t0) / 1000 * 1e6;
	buf_clear(&b, 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", home);
	if (system(cmd) != 0)
		return (1);
	printf("{\"receipt_build_us\": %.2f, \"receipt_write_us\": %.2f, "
	    "\"receipt_write_alone_us\": %.2f, "
	    "\"metrics_per_request_us\": %.3f, \"metrics_render_us\": %.1f}\n",
	    build, write, single, count, render);
	return (0);
}

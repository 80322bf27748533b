/*
 * receipt-writer.c: the daemon's side of receipts.  A verified answer's
 * receipt is queued in memory and written later from a zero timer, after
 * the answer went out, in one transaction per batch: writing never delays
 * an answer.  The database is opened with no busy timeout, so a lock held
 * by another process (a CLI reading while it checkpoints, say) never
 * blocks the loop: the batch stays queued and is retried shortly.  The
 * queue and each batch are bounded; retention is applied as batches land.
 * Commits never checkpoint (that syncs the disk): a thread does
 * (walckpt.c).
 */
#include "compat.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "og-veil.h"
#include "receipt.h"
#include "xmalloc.h"

#define RECEIPT_QUEUE_MAX	4096	/* receipts waiting; older dropped */
#define RECEIPT_BATCH_MAX	256	/* per flush, to bound loop time */
#define RECEIPT_RETRY_MS	250	/* after a busy database */
#define RECEIPT_FINAL_BUSY_MS	2000	/* the last try, at shutdown */
/*
 * A receipt waits this long for others to share its transaction: alone,
 * one costs ~140 us of loop time (commit and pruning), in a batch ~17 us
 * (make bench); a busy server fills batches, a quiet one has time.
 */
#define RECEIPT_FLUSH_MS	20
#define RECEIPT_WARN_SECONDS	10	/* between two "dropped" warnings */

/*
 * Why the timer is armed, soonest first.  A new receipt re-arms a timer
 * armed for a later reason (the next prune, a second away): it must not
 * wait behind it, or a queue filled faster than RECEIPT_QUEUE_MAX a
 * second drops receipts while the database is idle.  It leaves a retry
 * after a busy database as it is.
 */
enum receipt_writer_due {
	RW_IDLE = 0,
	RW_FLUSH,		/* receipts queued */
	RW_RETRY,		/* the database was busy */
	RW_PRUNE		/* only a prune is due */
};

struct receipt_writer {
	struct event_base	*rw_base;	/* not owned */
	struct receipt_store	*rw_store;	/* owned */
	struct event		*rw_ev;		/* owned: flush timer */
	struct receipt		*rw_q;		/* owned: ring of receipts */
	size_t			 rw_head;
	size_t			 rw_n;
	uint64_t		 rw_max_count;
	int64_t			 rw_max_age;
	enum receipt_writer_due	 rw_pending;	/* the timer is armed for */
	uint64_t		 rw_dropped;	/* since the last warning */
	time_t			 rw_warned_at;	/* of that warning */
	int64_t			 rw_pruned_at;	/* time of the last prune */
	int			 rw_prune_due;	/* receipts since that prune */
};

static void	receipt_writer_flush_cb(evutil_socket_t, short, void *);

struct receipt_writer *
receipt_writer_new(struct event_base *base, const char *home,
    uint64_t max_count, int64_t max_age, char *errbuf, size_t errlen)
{
	struct receipt_writer	*rw;

	rw = xcalloc(1, sizeof(*rw));
	if ((rw->rw_store = receipt_store_open(home, 1, errbuf, errlen)) ==
	    NULL) {
		free(rw);
		return (NULL);
	}
	/* Checkpoints sync the disk: a thread's, never the loop's. */
	if (receipt_store_offload(rw->rw_store, errbuf, errlen) == -1)
		log_warnx("receipts: %s", errbuf);
	rw->rw_base = base;
	rw->rw_max_count = max_count;
	rw->rw_max_age = max_age;
	rw->rw_q = xcalloc(RECEIPT_QUEUE_MAX, sizeof(*rw->rw_q));
	rw->rw_ev = evtimer_new(base, receipt_writer_flush_cb, rw);
	return (rw);
}

/* Arms the timer for why, unless it is armed for a sooner reason. */
static void
receipt_writer_arm(struct receipt_writer *rw, enum receipt_writer_due why,
    int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };

	if (rw->rw_pending != RW_IDLE && rw->rw_pending <= why)
		return;
	rw->rw_pending = why;
	evtimer_add(rw->rw_ev, &tv);	/* moves a pending timer */
}

/* One warning per RECEIPT_WARN_SECONDS, with the count, not one a drop. */
static void
receipt_writer_dropped(struct receipt_writer *rw)
{
	time_t	 now = time(NULL);

	rw->rw_dropped++;
	metrics_count(METRICS_RECEIPTS, 1, "result", "dropped", NULL);
	if (rw->rw_warned_at != 0 &&
	    now - rw->rw_warned_at < RECEIPT_WARN_SECONDS)
		return;
	log_warnx("receipts: the queue is full (%d waiting; is the "
	    "database busy?): %" PRIu64 " oldest dropped", RECEIPT_QUEUE_MAX,
	    rw->rw_dropped);
	rw->rw_dropped = 0;
	rw->rw_warned_at = now;
}

void
receipt_writer_add(struct receipt_writer *rw, struct receipt *r)
{
	struct receipt	*slot;

	if (rw->rw_n == RECEIPT_QUEUE_MAX) {
		/* The oldest goes: a bounded queue, said in the metrics. */
		receipt_clear(&rw->rw_q[rw->rw_head]);
		rw->rw_head = (rw->rw_head + 1) % RECEIPT_QUEUE_MAX;
		rw->rw_n--;
		receipt_writer_dropped(rw);
	}
	slot = &rw->rw_q[(rw->rw_head + rw->rw_n) % RECEIPT_QUEUE_MAX];
	*slot = *r;
	receipt_init(r);
	rw->rw_n++;
	receipt_writer_arm(rw, RW_FLUSH, RECEIPT_FLUSH_MS);
}

/* Write up to a batch; 0 when done or dropped, -1 when busy (retry). */
static int
receipt_writer_flush(struct receipt_writer *rw)
{
	struct receipt	*r;
	size_t		 i, n = rw->rw_n < RECEIPT_BATCH_MAX ? rw->rw_n :
			    RECEIPT_BATCH_MAX;
	int		 pruned;

	if (n == 0 && !rw->rw_prune_due)
		return (0);
	if (receipt_store_begin(rw->rw_store) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		r = &rw->rw_q[(rw->rw_head + i) % RECEIPT_QUEUE_MAX];
		if (receipt_store_put(rw->rw_store, r) == -1) {
			receipt_store_commit(rw->rw_store);
			return (-1);
		}
	}
	/*
	 * Both bounds are index ranges, so pruning costs what it removes;
	 * once a second at most: a skipped prune is due a second later, so
	 * the count runs over by at most a second's receipts, briefly.
	 */
	rw->rw_prune_due = 1;
	if ((int64_t)time(NULL) != rw->rw_pruned_at) {
		rw->rw_prune_due = 0;
		rw->rw_pruned_at = (int64_t)time(NULL);
		pruned = receipt_store_prune(rw->rw_store, rw->rw_max_count,
		    rw->rw_max_age, rw->rw_pruned_at);
		if (pruned > 0)
			log_debug("receipts: retention removed %d", pruned);
	}
	if (receipt_store_commit(rw->rw_store) == -1)
		return (-1);
	for (i = 0; i < n; i++) {
		receipt_clear(&rw->rw_q[rw->rw_head]);
		rw->rw_head = (rw->rw_head + 1) % RECEIPT_QUEUE_MAX;
		rw->rw_n--;
	}
	metrics_count(METRICS_RECEIPTS, n, "result", "written", NULL);
	return (0);
}

static void
receipt_writer_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	struct receipt_writer	*rw = arg;

	(void)fd;
	(void)what;
	rw->rw_pending = RW_IDLE;
	if (receipt_writer_flush(rw) == -1) {
		log_debug("receipts: database busy (%s): retrying",
		    receipt_store_errmsg(rw->rw_store));
		receipt_writer_arm(rw, RW_RETRY, RECEIPT_RETRY_MS);
		return;
	}
	if (rw->rw_n > 0)
		receipt_writer_arm(rw, RW_FLUSH, 0);
	else if (rw->rw_prune_due)
		receipt_writer_arm(rw, RW_PRUNE, 1000);
}

size_t
receipt_writer_queued(const struct receipt_writer *rw)
{
	return (rw == NULL ? 0 : rw->rw_n);
}

void
receipt_writer_free(struct receipt_writer *rw)
{
	if (rw == NULL)
		return;
	/*
	 * At shutdown the loop is over: waiting for another process's lock
	 * is allowed now, up to RECEIPT_FINAL_BUSY_MS per batch.
	 */
	receipt_store_set_busy_ms(rw->rw_store, RECEIPT_FINAL_BUSY_MS);
	while (rw->rw_n > 0 && receipt_writer_flush(rw) == 0)
		continue;
	if (rw->rw_n > 0)
		log_warnx("receipts: %zu receipts could not be written at "
		    "exit", rw->rw_n);
	while (rw->rw_n > 0) {
		receipt_clear(&rw->rw_q[rw->rw_head]);
		rw->rw_head = (rw->rw_head + 1) % RECEIPT_QUEUE_MAX;
		rw->rw_n--;
	}
	event_free(rw->rw_ev);
	free(rw->rw_q);
	receipt_store_close(rw->rw_store);
	free(rw);
}

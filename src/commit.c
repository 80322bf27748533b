/*
 * commit.c: never leave an agent waiting on a held stream.  A stream is
 * held until its final frame verifies (stream.c), which takes as long as
 * the generation; agents' HTTP clients give up on minutes of silence, and
 * retry.  When a stream has not verified after first_byte seconds, its
 * reply is committed (req_commit(): status 200, the streaming headers and
 * the dialect's opening events), and every keepalive seconds one
 * keep-alive in the dialect's form follows (req_keepalive()); neither
 * carries content.  The verified replay follows (req_deliver()); a
 * failure after the commit ends the stream with the dialect's in-band
 * error and nothing else (req_fail()).  A keep-alive is not content:
 * failover to another TEE stays possible until the replay starts.
 */
#include "compat.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdlib.h>

#include <event2/event.h>

#include "xmalloc.h"
#include "og-veil.h"

struct commit {
	struct req	*cm_req;	/* back-pointer, not owned */
	struct event	*cm_timer;	/* owned: first byte, then keep-alive */
};

static void	commit_timer_cb(evutil_socket_t, short, void *);

/* Arm the first-byte timer of a stream (nothing when first_byte is 0). */
void
commit_arm(struct req *rq)
{
	struct veil	*vl = rq->rq_veil;
	struct commit	*cm;
	struct timeval	 tv;

	if (!(rq->rq_flags & RQ_STREAM) || rq->rq_commit != NULL ||
	    vl->vl_cfg == NULL || vl->vl_cfg->first_byte <= 0)
		return;
	cm = xcalloc(1, sizeof(*cm));
	cm->cm_req = rq;
	cm->cm_timer = evtimer_new(vl->vl_base, commit_timer_cb, cm);
	if (cm->cm_timer == NULL)
		fatalx("evtimer_new");
	rq->rq_commit = cm;
	tv.tv_sec = vl->vl_cfg->first_byte;
	tv.tv_usec = 0;
	evtimer_add(cm->cm_timer, &tv);
}

/* The first byte is due: commit, then keep the stream alive. */
static void
commit_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct commit	*cm = arg;
	struct req	*rq = cm->cm_req;
	struct timeval	 tv;

	(void)fd;
	(void)what;
	if (rq->rq_flags & (RQ_DONE | RQ_CLIENT_GONE | RQ_DELIVERING |
	    RQ_REPLIED))
		return;
	if (!(rq->rq_flags & RQ_COMMITTED)) {
		req_commit(rq);
		log_info("req %016" PRIx64 ": stream committed after %d s, "
		    "verifying", rq->rq_id, rq->rq_veil->vl_cfg->first_byte);
	}
	req_keepalive(rq);
	tv.tv_sec = rq->rq_veil->vl_cfg->keepalive;
	tv.tv_usec = 0;
	evtimer_add(cm->cm_timer, &tv);
}

/* No more keep-alives: the replay starts, or the request ends. */
void
commit_stop(struct req *rq)
{
	if (rq->rq_commit != NULL)
		evtimer_del(rq->rq_commit->cm_timer);
}

void
commit_free(struct commit *cm)
{
	if (cm == NULL)
		return;
	event_free(cm->cm_timer);
	free(cm);
}

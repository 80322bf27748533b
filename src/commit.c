/*
 * commit.c: never leave an agent waiting on a held stream.  A stream is
 * held until its final frame verifies (stream.c), which takes as long as
 * the generation; agents' HTTP clients give up on minutes of silence, and
 * retry.  When a stream has not verified after first_byte seconds, its
 * reply is committed: status 200, the streaming headers, and every
 * keepalive seconds a keep-alive in the dialect's form that carries no
 * content.  The verified replay follows (stream.c writes it after
 * commit_stop()); a failure after the commit ends the stream with the
 * dialect's in-band error and nothing else (commit_fail()).  A keep-alive
 * is not content: failover stays possible until the replay starts.
 */
#include "compat.h"

#include <sys/queue.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bytes.h"
#include "xmalloc.h"
#include "og-veil.h"

struct commit {
	struct req	*cm_req;	/* back-pointer, not owned */
	struct event	*cm_timer;	/* owned: first byte, then keep-alive */
	unsigned	 cm_keepalives;	/* sent so far */
};

static void	commit_timer_cb(evutil_socket_t, short, void *);

/* The keep-alive of a Chat Completions stream: an SSE comment line. */
void
commit_chat_keepalive(struct buf *b)
{
	buf_add_str(b, ": og-veil verifying\n\n");
}

/*
 * The in-band error of a Chat Completions stream: one data event with the
 * error envelope and no [DONE], which the SDKs raise as an error.
 */
void
commit_chat_error(struct buf *b, const char *code, const char *message)
{
	buf_add_str(b, "data: ");
	api_error_json(b, message, code, NULL);
	buf_add_str(b, "\n\n");
}

/* Write b to the committed reply; b is cleared. */
static void
commit_write(struct req *rq, struct buf *b)
{
	struct evbuffer	*eb;

	if ((eb = evbuffer_new()) == NULL)
		fatalx("evbuffer_new");
	evbuffer_add(eb, b->data, b->len);
	buf_clear(b, 0);
	evhttp_send_reply_chunk(rq->rq_in, eb);
	evbuffer_free(eb);
}

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

/* Commit the reply: status, headers and the first keep-alive. */
static void
commit_start(struct req *rq)
{
	struct evkeyvalq	*oh;

	oh = evhttp_request_get_output_headers(rq->rq_in);
	evhttp_add_header(oh, "Content-Type", "text/event-stream");
	evhttp_add_header(oh, "Cache-Control", "no-cache");
	rq->rq_flags |= RQ_COMMITTED;
	evhttp_send_reply_start(rq->rq_in, 200, "OK");
	log_info("req %016" PRIx64 ": stream committed, verifying", rq->rq_id);
}

static void
commit_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct commit	*cm = arg;
	struct req	*rq = cm->cm_req;
	struct buf	 b;
	struct timeval	 tv;

	(void)fd;
	(void)what;
	if (rq->rq_flags & (RQ_DONE | RQ_CLIENT_GONE | RQ_DELIVERING |
	    RQ_REPLIED))
		return;
	if (!(rq->rq_flags & RQ_COMMITTED))
		commit_start(rq);
	buf_init(&b);
	commit_chat_keepalive(&b);
	commit_write(rq, &b);
	cm->cm_keepalives++;
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

/*
 * End a committed stream with the dialect's in-band error; nothing of the
 * content was written (RQ_DELIVERING is not set).
 */
void
commit_fail(struct req *rq, const char *code, const char *message)
{
	struct buf	b;

	commit_stop(rq);
	buf_init(&b);
	commit_chat_error(&b, code != NULL ? code : "error", message);
	commit_write(rq, &b);
	evhttp_send_reply_end(rq->rq_in);
}

void
commit_free(struct commit *cm)
{
	if (cm == NULL)
		return;
	event_free(cm->cm_timer);
	free(cm);
}

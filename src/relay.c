/*
 * relay.c: the relay call, PROTOCOL.md §5.  POST the encapsulated request
 * to <chat_api_base_url>/api/v1/chat/ohttp with the access token; on
 * 401/403 refresh the token once and send the same body again (nothing has
 * reached the caller yet); map every other outcome to a RELAY_* result, an
 * HTTP status to pass on and a message (the relay's `detail`, else its
 * `error`, else the first 500 bytes of its body, marked as the relay's).
 * The relay chooses those bytes: a status outside 400-599 becomes 502, a
 * Retry-After that is not delta-seconds is dropped and a large one capped
 * at RELAY_MAX_RETRY_AFTER, and the text is printable ASCII only.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "bytes.h"
#include "json.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

#define RELAY_MAX_ERROR_BODY	(64 * 1024)
#define RELAY_MAX_MESSAGE	500
#define RELAY_MAX_RETRY_AFTER	3600	/* seconds an agent is told to wait */

struct relay_call {
	struct veil		*rl_veil;	/* not owned */
	struct http_call	*rl_http;	/* owned until hc_done */
	struct event		*rl_ev;		/* owned: deferred rc_done */
	char			 rl_tee_id[VERIFY_TEE_ID_LEN + 1];
	int			 rl_stream;
	struct timespec		 rl_started;	/* CLOCK_MONOTONIC */
	const uint8_t		*rl_body;	/* not owned: see relay_post */
	size_t			 rl_bodylen;
	int			 rl_flags;
#define RL_RETRIED		 0x01	/* token refreshed once already */
#define RL_STARTED		 0x02	/* 2xx: bytes go to the caller */
#define RL_AUTH			 0x04	/* this answer is 401/403 */
#define RL_DONE			 0x08
	int			 rl_status;
	struct buf		 rl_err;	/* non-2xx body, bounded */
	char			 rl_retry_after[64];
	int			 rl_result;	/* for the deferred rc_done */
	int			 rl_rstatus;
	struct relay_cb		 rl_cb;
	void			*rl_arg;
	/* owned or NULL: RELAY_MSG_LEN bytes, made by the first error */
	char			*rl_msg;
};
#define RELAY_MSG_LEN		(RELAY_MAX_MESSAGE + 128)

static const char relay_msg_auth[] = "your OpenGradient Chat session "
    "expired or was signed out: run `og-veil login`";

static void	relay_token_cb(void *, const char *, int, const char *);

static void
relay_free(struct relay_call *rl)
{
	token_cancel(rl->rl_veil, rl);
	http_call_cancel(rl->rl_http);
	if (rl->rl_ev != NULL)
		event_free(rl->rl_ev);
	buf_clear(&rl->rl_err, 0);
	free(rl->rl_msg);
	free(rl);
}

/* The message buffer: a call that succeeds never needs one (memory). */
static char *
relay_msg(struct relay_call *rl)
{
	if (rl->rl_msg == NULL)
		rl->rl_msg = xcalloc(1, RELAY_MSG_LEN);
	return (rl->rl_msg);
}

/* rc_done once, then free. */
static void
relay_finish(struct relay_call *rl, int result, int status, const char *msg)
{
	void	(*done)(void *, int, int, const char *, const char *);

	if (rl->rl_flags & RL_DONE)
		return;
	rl->rl_flags |= RL_DONE;
	rl->rl_http = NULL;
	if (msg != NULL && msg != rl->rl_msg)
		strlcpy(relay_msg(rl), msg, RELAY_MSG_LEN);
	/* The relay answered: the round trip, to the end of the answer. */
	if (result == RELAY_OK || result == RELAY_E_HTTP)
		metrics_observe(METRICS_UPSTREAM, metrics_since(
		    &rl->rl_started), "stream", rl->rl_stream ? "true" :
		    "false", NULL);
	done = rl->rl_cb.rc_done;
	if (done != NULL)
		done(rl->rl_arg, result, status, msg != NULL ? rl->rl_msg :
		    NULL, rl->rl_retry_after[0] != '\0' ? rl->rl_retry_after :
		    NULL);
	relay_free(rl);
}

static void
relay_deferred_cb(evutil_socket_t fd, short what, void *arg)
{
	struct relay_call	*rl = arg;

	(void)fd;
	(void)what;
	relay_finish(rl, rl->rl_result, rl->rl_rstatus, rl->rl_msg);
}

/* Finish from the loop, not from inside a callback of the caller. */
static void
relay_finish_later(struct relay_call *rl, int result, int status,
    const char *msg)
{
	rl->rl_http = NULL;
	rl->rl_result = result;
	rl->rl_rstatus = status;
	strlcpy(relay_msg(rl), msg, RELAY_MSG_LEN);
	if (rl->rl_ev == NULL && (rl->rl_ev = event_new(rl->rl_veil->vl_base,
	    -1, 0, relay_deferred_cb, rl)) == NULL)
		fatalx("relay: cannot create an event");
	event_active(rl->rl_ev, EV_TIMEOUT, 1);
}

/* Copy up to n bytes of raw text, replacing what is not printable ASCII. */
static void
relay_raw_text(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	size_t	i, n;

	n = len < RELAY_MAX_MESSAGE ? len : RELAY_MAX_MESSAGE;
	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[n] = '\0';
}

static int
relay_text_of(const struct json_value *v, char *out, size_t outlen)
{
	struct buf	b;

	if (v == NULL || json_is(v, JSON_NULL))
		return (-1);
	if (json_is(v, JSON_STRING)) {
		if (v->len == 0)
			return (-1);
		relay_raw_text((const uint8_t *)v->s, v->len, out, outlen);
		return (0);
	}
	buf_init(&b);
	pyjson_write(&b, v, PYJSON_COMPACT | PYJSON_ENSURE_ASCII);
	relay_raw_text(b.data, b.len, out, outlen);
	buf_clear(&b, 0);
	return (0);
}

/*
 * The message of a relay error body: JSON `detail`, else `error` (a string
 * or error.message), else the first 500 bytes; "" for an empty body.
 */
void
relay_error_message(const uint8_t *p, size_t len, char *out, size_t outlen)
{
	struct json_limits	 lim = { RELAY_MAX_ERROR_BODY, 32, 0 };
	struct json_value	*v, *e;
	const char		*errstr;

	out[0] = '\0';
	if (len == 0)
		return;
	if ((v = json_parse((const char *)p, len, &lim, &errstr)) != NULL) {
		if (json_is(v, JSON_OBJECT)) {
			if (relay_text_of(json_get(v, "detail"), out,
			    outlen) == 0) {
				json_free(v);
				return;
			}
			e = json_get(v, "error");
			if (json_is(e, JSON_OBJECT) && relay_text_of(json_get(e,
			    "message"), out, outlen) == 0) {
				json_free(v);
				return;
			}
			if (e != NULL && relay_text_of(e, out, outlen) == 0) {
				json_free(v);
				return;
			}
		}
		json_free(v);
	}
	relay_raw_text(p, len, out, outlen);
}

static int
relay_headers_cb(void *arg, int status, struct evkeyvalq *h)
{
	struct relay_call	*rl = arg;
	const char		*ra;

	rl->rl_status = status;
	rl->rl_flags &= ~RL_AUTH;
	buf_clear(&rl->rl_err, 0);
	if (status >= 200 && status < 300) {
		rl->rl_flags |= RL_STARTED;
		if (rl->rl_cb.rc_start != NULL)
			rl->rl_cb.rc_start(rl->rl_arg, status);
		return (0);
	}
	if (status == 401 || status == 403)
		rl->rl_flags |= RL_AUTH;
	if ((ra = evhttp_find_header(h, "Retry-After")) != NULL &&
	    relay_retry_after(ra, rl->rl_retry_after,
	    sizeof(rl->rl_retry_after)) == -1)
		rl->rl_retry_after[0] = '\0';
	return (0);
}

/* 1 for a status og-veil passes on from the relay (4xx, 5xx). */
int
relay_status_valid(int status)
{
	return (status >= 400 && status <= 599);
}

/*
 * A Retry-After value as og-veil passes it on: delta-seconds (RFC 9110
 * §10.2.3, blanks around allowed), capped at RELAY_MAX_RETRY_AFTER, into
 * out as a decimal.  -1 for anything else (an HTTP-date, junk): dropped.
 */
int
relay_retry_after(const char *in, char *out, size_t outlen)
{
	unsigned long long	 v = 0;
	const char		*p = in;
	int			 digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		if (v <= RELAY_MAX_RETRY_AFTER)
			v = v * 10 + (unsigned long long)(*p - '0');
	while (*p == ' ' || *p == '\t')
		p++;
	if (digits == 0 || *p != '\0')
		return (-1);
	if (v > RELAY_MAX_RETRY_AFTER)
		v = RELAY_MAX_RETRY_AFTER;
	if (snprintf(out, outlen, "%llu", v) >= (int)outlen)
		return (-1);
	return (0);
}

static int
relay_data_cb(void *arg, const uint8_t *p, size_t len)
{
	struct relay_call	*rl = arg;

	if (rl->rl_flags & RL_STARTED) {
		if (rl->rl_cb.rc_data != NULL &&
		    rl->rl_cb.rc_data(rl->rl_arg, p, len) == -1) {
			/* Aborted: rc_done follows unless cancelled. */
			relay_finish_later(rl, RELAY_E_IO, 502,
			    "relay call aborted");
			return (-1);
		}
		return (0);
	}
	if (rl->rl_err.len < RELAY_MAX_ERROR_BODY)
		buf_add(&rl->rl_err, p, len < RELAY_MAX_ERROR_BODY -
		    rl->rl_err.len ? len : RELAY_MAX_ERROR_BODY -
		    rl->rl_err.len);
	return (0);
}

static void
relay_done_cb(void *arg, int result, const char *msg)
{
	struct relay_call	*rl = arg;
	char			 m[RELAY_MAX_MESSAGE + 1];

	rl->rl_http = NULL;
	if (rl->rl_flags & RL_STARTED) {
		if (result == HTTP_CALL_OK)
			relay_finish(rl, RELAY_OK, rl->rl_status, NULL);
		else {
			snprintf(relay_msg(rl), RELAY_MSG_LEN,
			    "relay answer broken: %s", msg);
			relay_finish(rl, RELAY_E_IO, 502, rl->rl_msg);
		}
		return;
	}
	if (result == HTTP_E_CONNECT) {
		snprintf(relay_msg(rl), RELAY_MSG_LEN, "relay: %s", msg);
		relay_finish(rl, RELAY_E_CONNECT, 502, rl->rl_msg);
		return;
	}
	if (result != HTTP_CALL_OK) {
		/*
		 * Sent, but no status came back (timeout, closed): the relay
		 * may have passed it on, so this is no relay answer.
		 */
		snprintf(relay_msg(rl), RELAY_MSG_LEN, "relay: %s", msg);
		relay_finish(rl, RELAY_E_IO, result == HTTP_E_TIMEOUT ? 504 :
		    502, rl->rl_msg);
		return;
	}
	if (rl->rl_flags & RL_AUTH) {
		if (rl->rl_flags & RL_RETRIED) {
			relay_finish(rl, RELAY_E_AUTH, 401, relay_msg_auth);
			return;
		}
		/* §5: 401/403 may be a stale token: refresh once, resend. */
		rl->rl_flags |= RL_RETRIED;
		log_debug("relay: HTTP %d; refreshing the token once",
		    rl->rl_status);
		token_refresh(rl->rl_veil, relay_token_cb, rl);
		return;
	}
	if (rl->rl_status < 100 || rl->rl_status > 599) {
		/* Not a status at all: the number would mean nothing. */
		rl->rl_retry_after[0] = '\0';
		/* A broken answer, not the relay's 502: never failed over. */
		relay_finish(rl, RELAY_E_IO, 502, "the relay answered with "
		    "an invalid HTTP status");
		return;
	}
	relay_error_message(rl->rl_err.data, rl->rl_err.len, m, sizeof(m));
	if (m[0] == '\0')
		snprintf(relay_msg(rl), RELAY_MSG_LEN,
		    "the relay answered HTTP %d", rl->rl_status);
	else
		snprintf(relay_msg(rl), RELAY_MSG_LEN, "the relay answered "
		    "HTTP %d: \"%s\"", rl->rl_status, m);
	if (!relay_status_valid(rl->rl_status))
		rl->rl_retry_after[0] = '\0';
	relay_finish(rl, RELAY_E_HTTP, relay_status_valid(rl->rl_status) ?
	    rl->rl_status : 502, rl->rl_msg);
}

static void
relay_token_cb(void *arg, const char *token, int status, const char *msg)
{
	static const struct http_call_cb hcb = {
		relay_headers_cb, relay_data_cb, relay_done_cb
	};
	struct relay_call	*rl = arg;
	struct session		*s = &rl->rl_veil->vl_session;
	char			*url, *auth;
	size_t			 n;
	const char		*headers[] = {
		"Content-Type", "message/ohttp-req",
		"Accept", rl->rl_stream ? "message/ohttp-chunked-res" :
		    "message/ohttp-res",
		"X-TEE-ID", rl->rl_tee_id,
		"Authorization", NULL,
		rl->rl_stream ? "X-OHTTP-Stream" : NULL, "true",
		NULL
	};

	if (token == NULL) {
		relay_finish(rl, status == 401 ? RELAY_E_AUTH : RELAY_E_HTTP,
		    status, msg);
		return;
	}
	n = strlen(s->chat_api_base_url);
	while (n > 0 && s->chat_api_base_url[n - 1] == '/')
		n--;
	xasprintf(&url, "%.*s/api/v1/chat/ohttp", (int)n,
	    s->chat_api_base_url);
	xasprintf(&auth, "Bearer %s", token);
	headers[7] = auth;
	/* The body stays the caller's (see relay_post): borrowed again. */
	rl->rl_http = http_call_new_borrowed(rl->rl_veil->vl_http, "POST",
	    url, headers, rl->rl_body, rl->rl_bodylen, &hcb, rl);
	xfree_secret(auth, strlen(auth));
	if (rl->rl_http == NULL) {
		snprintf(relay_msg(rl), RELAY_MSG_LEN, "the relay URL %s "
		    "is not usable: run `og-veil login` again", url);
		free(url);
		relay_finish(rl, RELAY_E_CONNECT, 502, rl->rl_msg);
		return;
	}
	free(url);
}

/*
 * POST the encapsulated body for tee (streaming when stream is set).  The
 * callbacks come from the loop, never from inside this function.  body is
 * borrowed, not copied: the caller keeps it unchanged until rc_done or
 * relay_cancel() (the sealed request is held once, in the caller).
 */
struct relay_call *
relay_post(struct veil *v, const struct tee *t, int stream,
    const uint8_t *body, size_t len, const struct relay_cb *cb, void *arg)
{
	struct relay_call	*rl;

	rl = xcalloc(1, sizeof(*rl));
	rl->rl_veil = v;
	strlcpy(rl->rl_tee_id, t->te_id, sizeof(rl->rl_tee_id));
	rl->rl_stream = stream;
	clock_gettime(CLOCK_MONOTONIC, &rl->rl_started);
	rl->rl_body = len > 0 ? body : NULL;
	rl->rl_bodylen = len;
	buf_init(&rl->rl_err);
	rl->rl_cb = *cb;
	rl->rl_arg = arg;
	token_get(v, relay_token_cb, rl);
	return (rl);
}

/*
 * The failover rule (PROTOCOL.md §10, og-veil(1)), which reads statuses,
 * never the relay's wording (the live relay's is unknown), and can never
 * send a request twice when the first may have run, and been billed, on a
 * TEE: fail over when the relay could not be reached (nothing was sent),
 * or when it answered 502 or 503 itself, before any response byte (no
 * TEE answered).  Never on 504 (the TEE may be running it), a timeout
 * after the request was sent, a connection closed without an answer, a
 * stream broken after its first byte, or any other status.
 */
int
relay_may_fail_over(int result, int status)
{
	if (result == RELAY_E_CONNECT)
		return (1);
	return (result == RELAY_E_HTTP && (status == 502 || status == 503));
}

/* Cancel: no callback afterwards.  NULL is a no-op. */
void
relay_cancel(struct relay_call *rl)
{
	if (rl == NULL)
		return;
	relay_free(rl);
}

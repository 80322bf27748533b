/*
 * devnet-auth.c: the devnet's auth server, a stand-in for Supabase's
 * refresh-token grant (PROTOCOL.md §2): apikey check, refresh-token
 * rotation (an old token is "Already Used"), access tokens shaped like a
 * JWT that expire after --token-ttl seconds.  Faults: expire-token,
 * revoke-token, auth-down, slow-auth (the answer held back after the
 * rotation).
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/rand.h>

#include "devnet.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"

#define AUTH_MAX_BODY	65536

static char	*auth_b64url_new(const uint8_t *, size_t);
static char	*auth_random_new(size_t);
static void	 auth_request_cb(struct evhttp_request *, void *);
static void	 auth_token(struct devnet *, struct evhttp_request *);
static void	 auth_reply(struct evhttp_request *, int, const char *,
		    const char *);
static int	 auth_setup(struct devnet *, int, int *, const char **);

/* base64url without padding: a new string. */
static char *
auth_b64url_new(const uint8_t *p, size_t len)
{
	char	*s, *o;
	size_t	 i;

	s = base64_encode_new(p, len);
	for (i = 0, o = s; s[i] != '\0'; i++) {
		if (s[i] == '=')
			continue;
		*o++ = s[i] == '+' ? '-' : s[i] == '/' ? '_' : s[i];
	}
	*o = '\0';
	return (s);
}

/* n random bytes as base64url: a new string. */
static char *
auth_random_new(size_t n)
{
	uint8_t	 raw[64];
	char	*s;

	if (n > sizeof(raw))
		n = sizeof(raw);
	if (RAND_bytes(raw, (int)n) != 1)
		abort();
	s = auth_b64url_new(raw, n);
	OPENSSL_cleanse(raw, sizeof(raw));
	return (s);
}

/* A JWT-shaped token (header.payload.signature, all base64url). */
static char *
auth_jwt_new(struct devnet *dn, const char *role, int64_t exp)
{
	struct buf	 b;
	char		*h, *p, *sig, *tok;
	const char	*hdr = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

	buf_init(&b);
	buf_printf(&b, "{\"iss\":\"og-veil-devnet\",\"role\":\"%s\"", role);
	if (dn->dn_user_id != NULL && strcmp(role, "anon") != 0) {
		buf_printf(&b, ",\"sub\":\"%s\",\"email\":\"%s\","
		    "\"aud\":\"authenticated\"", dn->dn_user_id,
		    DEVNET_USER_EMAIL);
	}
	buf_printf(&b, ",\"iat\":%lld,\"exp\":%lld}", (long long)time(NULL),
	    (long long)exp);
	h = auth_b64url_new((const uint8_t *)hdr, strlen(hdr));
	p = auth_b64url_new(b.data, b.len);
	sig = auth_random_new(32);
	xasprintf(&tok, "%s.%s.%s", h, p, sig);
	free(h);
	free(p);
	free(sig);
	buf_clear(&b, 0);
	return (tok);
}

/* A fresh token pair; the anon key and user id are made once. */
void
devnet_auth_issue(struct devnet *dn)
{
	uint8_t	 u[16];

	if (dn->dn_user_id == NULL) {
		if (RAND_bytes(u, sizeof(u)) != 1)
			abort();
		u[6] = (u[6] & 0x0f) | 0x40;
		u[8] = (u[8] & 0x3f) | 0x80;
		xasprintf(&dn->dn_user_id, "%02x%02x%02x%02x-%02x%02x-%02x%02x-"
		    "%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
		    u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12],
		    u[13], u[14], u[15]);
	}
	if (dn->dn_anon_key == NULL)
		dn->dn_anon_key = auth_jwt_new(dn, "anon",
		    (int64_t)time(NULL) + 10 * 365 * 86400);
	if (dn->dn_access_token != NULL)
		xfree_secret(dn->dn_access_token, strlen(dn->dn_access_token));
	if (dn->dn_refresh_token != NULL)
		xfree_secret(dn->dn_refresh_token,
		    strlen(dn->dn_refresh_token));
	dn->dn_token_expires_at = (int64_t)time(NULL) + dn->dn_token_ttl;
	/* --bundle-late: the first token had expired when it was handed on. */
	if (dn->dn_bundle_late > 0) {
		dn->dn_token_expires_at = (int64_t)time(NULL) -
		    dn->dn_bundle_late;
		dn->dn_bundle_late = 0;
	}
	dn->dn_access_token = auth_jwt_new(dn, "authenticated",
	    dn->dn_token_expires_at);
	dn->dn_refresh_token = auth_random_new(18);
}

void
devnet_auth_expire(struct devnet *dn)
{
	if (dn->dn_expired_token != NULL)
		xfree_secret(dn->dn_expired_token,
		    strlen(dn->dn_expired_token));
	dn->dn_expired_token = NULL;
	if (dn->dn_access_token != NULL)
		dn->dn_expired_token = xstrdup(dn->dn_access_token);
}

/* 1 when tok is the current access token, unexpired and not expired. */
int
devnet_auth_token_ok(const struct devnet *dn, const char *tok)
{
	size_t	len;

	if (tok == NULL || dn->dn_access_token == NULL)
		return (0);
	len = strlen(tok);
	if (len != strlen(dn->dn_access_token) ||
	    !bytes_equal_ct(tok, dn->dn_access_token, len))
		return (0);
	if ((int64_t)time(NULL) >= dn->dn_token_expires_at)
		return (0);
	if (dn->dn_expired_token != NULL &&
	    strcmp(tok, dn->dn_expired_token) == 0)
		return (0);
	return (1);
}

static void
auth_reply(struct evhttp_request *req, int code, const char *key,
    const char *msg)
{
	struct buf	b;

	buf_init(&b);
	buf_printf(&b, "{\"%s\":", key);
	pyjson_write_string(&b, msg, strlen(msg), 0);
	buf_add_str(&b, "}");
	devnet_reply_json(req, code, (const char *)b.data);
	buf_clear(&b, 0);
}

/* An answer slow-auth holds back (the tokens are already rotated). */
struct auth_delayed {
	struct evhttp_request	*ad_req;
	char			*ad_json;	/* owned, secret */
};

static void
auth_delayed_cb(evutil_socket_t fd, short what, void *arg)
{
	struct auth_delayed	*ad = arg;

	(void)fd;
	(void)what;
	devnet_reply_json(ad->ad_req, 200, ad->ad_json);
	xfree_secret(ad->ad_json, strlen(ad->ad_json));
	free(ad);
}

/* POST /auth/v1/token?grant_type=refresh_token (PROTOCOL.md §2). */
static void
auth_token(struct devnet *dn, struct evhttp_request *req)
{
	struct evkeyvalq	 q;
	struct json_value	*v = NULL;
	struct json_limits	 lim = { AUTH_MAX_BODY, 16, 0 };
	struct buf		 b;
	struct auth_delayed	*ad;
	struct timeval		 tv;
	long long		 ms;
	const char		*grant, *apikey, *rt, *errstr;
	char			*body = NULL;
	size_t			 len, klen;
	int			 qok;

	TAILQ_INIT(&q);
	qok = evhttp_parse_query_str(evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req)) != NULL ?
	    evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req)) : "",
	    &q) == 0;
	grant = qok ? evhttp_find_header(&q, "grant_type") : NULL;
	if (grant == NULL || strcmp(grant, "refresh_token") != 0) {
		auth_reply(req, 400, "error", "unsupported_grant_type");
		goto out;
	}
	apikey = evhttp_find_header(evhttp_request_get_input_headers(req),
	    "apikey");
	klen = apikey != NULL ? strlen(apikey) : 0;
	if (apikey == NULL || klen != strlen(dn->dn_anon_key) ||
	    !bytes_equal_ct(apikey, dn->dn_anon_key, klen)) {
		auth_reply(req, 401, "message", "Invalid API key");
		goto out;
	}
	if ((body = devnet_body(req, AUTH_MAX_BODY, &len)) == NULL ||
	    (v = json_parse(body, len, &lim, &errstr)) == NULL ||
	    (rt = json_get_str(v, "refresh_token")) == NULL) {
		auth_reply(req, 400, "error", "invalid_request");
		goto out;
	}
	if (devnet_fault_on(dn, DEVNET_F_REVOKE_TOKEN, -1) ||
	    strlen(rt) != strlen(dn->dn_refresh_token) ||
	    !bytes_equal_ct(rt, dn->dn_refresh_token, strlen(rt))) {
		devnet_reply_json(req, 400, "{\"error\":\"invalid_grant\","
		    "\"error_description\":\"Invalid Refresh Token: "
		    "Already Used\"}");
		goto out;
	}
	devnet_auth_issue(dn);
	dn->dn_token_refreshes++;
	buf_init(&b);
	buf_add_str(&b, "{\"access_token\":");
	pyjson_write_string(&b, dn->dn_access_token,
	    strlen(dn->dn_access_token), 0);
	buf_add_str(&b, ",\"refresh_token\":");
	pyjson_write_string(&b, dn->dn_refresh_token,
	    strlen(dn->dn_refresh_token), 0);
	buf_printf(&b, ",\"token_type\":\"bearer\",\"expires_in\":%d,"
	    "\"expires_at\":%lld,\"user\":{\"id\":\"%s\",\"aud\":"
	    "\"authenticated\",\"role\":\"authenticated\",\"email\":\"%s\","
	    "\"is_anonymous\":false}}", dn->dn_token_ttl,
	    (long long)dn->dn_token_expires_at, dn->dn_user_id,
	    DEVNET_USER_EMAIL);
	ms = devnet_fault_value(dn, DEVNET_F_SLOW_AUTH);
	if (devnet_fault_on(dn, DEVNET_F_SLOW_AUTH, -1) && ms > 0) {
		ad = xcalloc(1, sizeof(*ad));
		ad->ad_req = req;
		ad->ad_json = xstrdup((const char *)b.data);
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (event_base_once(dn->dn_base, -1, EV_TIMEOUT,
		    auth_delayed_cb, ad, &tv) == -1)
			auth_delayed_cb(-1, 0, ad);
	} else
		devnet_reply_json(req, 200, (const char *)b.data);
	buf_clear(&b, 1);
	devnet_debug("auth: tokens rotated");
	/* Keep the bundle file in step with the live session. */
	if (devnet_write_state(dn, &errstr) == -1)
		devnet_warnx("auth: %s", errstr);
out:
	json_free(v);
	if (body != NULL)
		xfree_secret(body, strlen(body));
	evhttp_clear_headers(&q);
}

static void
auth_request_cb(struct evhttp_request *req, void *arg)
{
	struct devnet	*dn = arg;
	const char	*path;

	dn->dn_auth_calls++;
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	devnet_debug("auth: %s", path != NULL ? path : "?");
	if (path == NULL || strcmp(path, "/auth/v1/token") != 0) {
		auth_reply(req, 404, "error", "not found");
		return;
	}
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		auth_reply(req, 405, "error", "method not allowed");
		return;
	}
	auth_token(dn, req);
}

static int
auth_setup(struct devnet *dn, int port, int *outport, const char **errstr)
{
	dn->dn_auth_http = devnet_listen(dn, port, outport, errstr);
	if (dn->dn_auth_http == NULL)
		return (-1);
	evhttp_set_gencb(dn->dn_auth_http, auth_request_cb, dn);
	return (0);
}

int
devnet_auth_start(struct devnet *dn, int port, int *outport,
    const char **errstr)
{
	return (auth_setup(dn, port, outport, errstr));
}

/* auth-down: close the listener and every connection. */
void
devnet_auth_stop(struct devnet *dn)
{
	if (dn->dn_auth_http != NULL) {
		evhttp_free(dn->dn_auth_http);
		dn->dn_auth_http = NULL;
		devnet_debug("auth: down");
	}
}

/* Re-open the listener on the same port. */
int
devnet_auth_resume(struct devnet *dn, const char **errstr)
{
	int	port;

	if (dn->dn_auth_http != NULL)
		return (0);
	if (auth_setup(dn, dn->dn_auth_port, &port, errstr) == -1)
		return (-1);
	devnet_debug("auth: up");
	return (0);
}

void
devnet_auth_free(struct devnet *dn)
{
	devnet_auth_stop(dn);
	if (dn->dn_access_token != NULL)
		xfree_secret(dn->dn_access_token, strlen(dn->dn_access_token));
	if (dn->dn_refresh_token != NULL)
		xfree_secret(dn->dn_refresh_token,
		    strlen(dn->dn_refresh_token));
	if (dn->dn_expired_token != NULL)
		xfree_secret(dn->dn_expired_token,
		    strlen(dn->dn_expired_token));
	free(dn->dn_anon_key);
	free(dn->dn_user_id);
	dn->dn_access_token = dn->dn_refresh_token = NULL;
	dn->dn_expired_token = dn->dn_anon_key = dn->dn_user_id = NULL;
}

/*
 * api.c: the OpenAI surface of og-veil serve (PROTOCOL.md §10): the route
 * table, the guards every request passes (API key, Origin, Host against DNS
 * rebinding, Content-Type and Content-Length), the error envelope and the
 * small JSON answers (/health, /v1/models).
 */
#include "compat.h"

#include <sys/queue.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"
#include "og-veil.h"

#define API_ALLOW_CHAT		"POST, OPTIONS"
#define API_ALLOW_GET		"GET, OPTIONS"

/* The OpenGradient model ids the relay serves. */
static const char *const api_models[] = {
	"gpt-4.1-2025-04-14", "gpt-4.1-mini", "gpt-4.1-nano", "o3", "o4-mini",
	"gpt-5", "gpt-5-mini", "gpt-5.2", "gpt-5.4", "gpt-5.4-mini",
	"gpt-5.4-nano", "gpt-5.5",
	"claude-sonnet-4-5", "claude-sonnet-4-6", "claude-haiku-4-5",
	"claude-opus-4-5", "claude-opus-4-6", "claude-opus-4-7",
	"claude-opus-4-8",
	"gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite",
	"gemini-3-flash-preview", "gemini-3.1-pro-preview",
	"gemini-3.1-flash-lite-preview", "gemini-3.5-flash",
	"grok-4", "grok-4-fast", "grok-4-1-fast", "grok-4-1-fast-non-reasoning",
	"grok-4.20-reasoning", "grok-4.20-non-reasoning", "grok-code-fast-1"
};
#define API_NMODELS	(sizeof(api_models) / sizeof(api_models[0]))

enum api_route_kind {
	API_R_CHAT,		/* a sealed request, in the route's dialect */
	API_R_COUNT_TOKENS,
	API_R_MODELS,
	API_R_MODEL,
	API_R_HEALTH,
	API_R_READY,		/* server.c answers: readiness */
	API_R_METRICS
};

struct api_route {
	const char		*path;
	int			 prefix;	/* path is a prefix (with id) */
	enum api_route_kind	 kind;
	int			 methods;	/* EVHTTP_REQ_* allowed */
	const char		*allow;
	int			 need_key;
	const struct dialect	*dialect;	/* errors and answers */
};

static const struct api_route api_routes[] = {
	{ .path = "/v1/chat/completions", .kind = API_R_CHAT,
	  .methods = EVHTTP_REQ_POST, .allow = API_ALLOW_CHAT, .need_key = 1,
	  .dialect = &dialect_chat },
	{ .path = "/chat/completions", .kind = API_R_CHAT,
	  .methods = EVHTTP_REQ_POST, .allow = API_ALLOW_CHAT, .need_key = 1,
	  .dialect = &dialect_chat },
	{ .path = "/v1/messages", .kind = API_R_CHAT,
	  .methods = EVHTTP_REQ_POST, .allow = API_ALLOW_CHAT, .need_key = 1,
	  .dialect = &dialect_anthropic },
	{ .path = "/v1/messages/count_tokens", .kind = API_R_COUNT_TOKENS,
	  .methods = EVHTTP_REQ_POST, .allow = API_ALLOW_CHAT, .need_key = 1,
	  .dialect = &dialect_anthropic },
	{ .path = "/v1/responses", .kind = API_R_CHAT,
	  .methods = EVHTTP_REQ_POST, .allow = API_ALLOW_CHAT, .need_key = 1,
	  .dialect = &dialect_responses },
	{ .path = "/responses", .kind = API_R_CHAT,
	  .methods = EVHTTP_REQ_POST, .allow = API_ALLOW_CHAT, .need_key = 1,
	  .dialect = &dialect_responses },
	{ .path = "/v1/models", .kind = API_R_MODELS,
	  .methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, .allow = API_ALLOW_GET,
	  .need_key = 1, .dialect = &dialect_chat },
	{ .path = "/v1/models/", .prefix = 1, .kind = API_R_MODEL,
	  .methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, .allow = API_ALLOW_GET,
	  .need_key = 1, .dialect = &dialect_chat },
	{ .path = "/health", .kind = API_R_HEALTH,
	  .methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, .allow = API_ALLOW_GET,
	  .need_key = 0, .dialect = &dialect_chat },
	{ .path = "/health/ready", .kind = API_R_READY,
	  .methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, .allow = API_ALLOW_GET,
	  .need_key = 0, .dialect = &dialect_chat },
	{ .path = "/metrics", .kind = API_R_METRICS,
	  .methods = EVHTTP_REQ_GET | EVHTTP_REQ_HEAD, .allow = API_ALLOW_GET,
	  .need_key = 1, .dialect = &dialect_chat },
};

static void	 api_reply_body(struct evhttp_request *, int, const char *,
		    struct buf *);

static const char *
api_status_reason(int status)
{
	switch (status) {
	case 200:
		return ("OK");
	case 204:
		return ("No Content");
	case 400:
		return ("Bad Request");
	case 401:
		return ("Unauthorized");
	case 403:
		return ("Forbidden");
	case 404:
		return ("Not Found");
	case 405:
		return ("Method Not Allowed");
	case 413:
		return ("Payload Too Large");
	case 415:
		return ("Unsupported Media Type");
	case 429:
		return ("Too Many Requests");
	case 431:
		return ("Request Header Fields Too Large");
	case 499:
		return ("Client Closed Request");
	case 502:
		return ("Bad Gateway");
	case 503:
		return ("Service Unavailable");
	case 504:
		return ("Gateway Timeout");
	default:
		return (status < 400 ? "OK" : "Error");
	}
}

/* Part of a model id after its last '/': "openai/gpt-5" is "gpt-5". */
const char *
api_model_base(const char *id)
{
	const char	*p;

	if ((p = strrchr(id, '/')) != NULL)
		return (p + 1);
	return (id);
}

/* 1 when the id names an OpenGradient model. */
int
api_model_known(const char *id)
{
	const char	*base = api_model_base(id);
	size_t		 i;

	for (i = 0; i < API_NMODELS; i++)
		if (strcmp(api_models[i], base) == 0)
			return (1);
	return (0);
}

/* Send b as JSON with status; b is cleared. */
void
api_reply_json(struct evhttp_request *er, int status, struct buf *b)
{
	api_reply_body(er, status, "application/json", b);
}

/* Send b as the content type given with status; b is cleared. */
static void
api_reply_body(struct evhttp_request *er, int status, const char *type,
    struct buf *b)
{
	struct evbuffer	*eb;
	struct evkeyvalq *oh = evhttp_request_get_output_headers(er);
	char		 len[32];

	evhttp_remove_header(oh, "Content-Type");
	evhttp_add_header(oh, "Content-Type", type);
	if (evhttp_request_get_command(er) == EVHTTP_REQ_HEAD) {
		/*
		 * evhttp 2.1 writes a HEAD reply's body and leaves out its
		 * Content-Length: the body would be read as the start of the
		 * next response on a kept-alive connection.  Headers only.
		 */
		snprintf(len, sizeof(len), "%zu", b->len);
		evhttp_remove_header(oh, "Content-Length");
		evhttp_add_header(oh, "Content-Length", len);
		buf_clear(b, 0);
		evhttp_send_reply(er, status, api_status_reason(status), NULL);
		return;
	}
	eb = evbuffer_new();
	if (eb == NULL)
		fatalx("evbuffer_new");
	evbuffer_add(eb, b->data, b->len);
	buf_clear(b, 0);
	evhttp_send_reply(er, status, api_status_reason(status), eb);
	evbuffer_free(eb);
}

/* Send the chat (OpenAI) error envelope with an actionable message. */
void
api_reply_error(struct evhttp_request *er, int status, const char *code,
    const char *param, const char *message)
{
	struct buf	b;

	buf_init(&b);
	chat_error_json(&b, message, "veil_error", code, param);
	api_reply_json(er, status, &b);
}

/* An error of the table in dialect dl's envelope. */
void
api_fail(struct evhttp_request *er, const struct dialect *dl,
    enum error_code code, int status, const char *param, const char *detail)
{
	const struct error_def	*ed = error_def(code);
	struct buf		 b;

	if (status == 0)
		status = ed->status != 0 ? ed->status : 502;
	buf_init(&b);
	dl->dl_error(&b, ed, status, param, detail != NULL ? detail :
	    ed->message);
	api_reply_json(er, status, &b);
}

static void
api_model_json(struct buf *b, const char *id)
{
	buf_add_str(b, "{\"id\":");
	pyjson_write_string(b, id, strlen(id), 0);
	buf_printf(b, ",\"object\":\"model\",\"created\":%d,"
	    "\"owned_by\":\"opengradient\"}", API_MODEL_CREATED);
}

static void
api_models_reply(struct veil *vl, struct evhttp_request *er)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	buf_add_str(&b, "{\"object\":\"list\",\"data\":[");
	for (i = 0; i < API_NMODELS; i++) {
		if (i > 0)
			buf_add_str(&b, ",");
		api_model_json(&b, api_models[i]);
	}
	model_aliases_json(vl->vl_cfg, &b, API_NMODELS > 0);
	buf_add_str(&b, "]}");
	api_reply_json(er, 200, &b);
}

static void
api_model(struct veil *vl, struct evhttp_request *er, const char *rest)
{
	struct buf	 b;
	char		*id, *msg;
	size_t		 i;

	id = evhttp_uridecode(rest, 0, NULL);
	if (id == NULL) {
		api_fail(er, &dialect_chat, ERROR_BAD_MODEL_ID, 0, NULL, NULL);
		return;
	}
	for (i = 0; i < API_NMODELS; i++) {
		if (strcmp(api_models[i], api_model_base(id)) != 0)
			continue;
		buf_init(&b);
		api_model_json(&b, api_models[i]);
		api_reply_json(er, 200, &b);
		free(id);
		return;
	}
	buf_init(&b);
	if (model_alias_json_one(vl->vl_cfg, id, &b)) {
		api_reply_json(er, 200, &b);
		free(id);
		return;
	}
	xasprintf(&msg, "The model '%s' does not exist: GET /v1/models "
	    "lists the OpenGradient models", id);
	api_fail(er, &dialect_chat, ERROR_MODEL_NOT_FOUND, 0, "model", msg);
	free(msg);
	free(id);
}

static void
api_health(struct veil *vl, struct evhttp_request *er)
{
	struct buf	 b;
	const char	*status = "ok";

	if (vl->vl_draining)
		status = "shutting down";
	else if (!vl->vl_logged_in)
		status = "not logged in: run `og-veil login`";
	else if (vl->vl_tee == NULL)
		status = "no TEE selected yet";
	buf_init(&b);
	buf_add_str(&b, "{\"status\":");
	pyjson_write_string(&b, status, strlen(status), 0);
	buf_add_str(&b, ",\"tee_id\":");
	if (vl->vl_tee != NULL)
		pyjson_write_string(&b, vl->vl_tee->te_id,
		    strlen(vl->vl_tee->te_id), 0);
	else
		buf_add_str(&b, "null");
	buf_add_str(&b, ",\"tee_endpoint\":");
	if (vl->vl_tee != NULL && vl->vl_tee->te_endpoint != NULL)
		pyjson_write_string(&b, vl->vl_tee->te_endpoint,
		    strlen(vl->vl_tee->te_endpoint), 0);
	else
		buf_add_str(&b, "null");
	buf_add_str(&b, ",\"version\":");
	pyjson_write_string(&b, OG_VEIL_VERSION, strlen(OG_VEIL_VERSION), 0);
	buf_printf(&b, ",\"logged_in\":%s",
	    vl->vl_logged_in ? "true" : "false");
	tee_health_json(vl, &b);
	buf_add_str(&b, "}");
	api_reply_json(er, 200, &b);
}

/* 1 when s (len bytes) is in the NULL-terminated list, ignoring case. */
static int
api_in_list(char **list, const char *s, size_t len)
{
	size_t	i;

	if (list == NULL)
		return (0);
	for (i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == len && strncasecmp(list[i], s, len) == 0)
			return (1);
	return (0);
}

/*
 * DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends
 * Host: evil.example.  Without an API key, only our own names pass.
 */
static int
api_host_ok(struct veil *vl, const char *host)
{
	const struct veil_config *cfg = vl->vl_cfg;
	const char	*names[] = { "localhost", "127.0.0.1", "[::1]",
			    cfg->host };
	const char	*colon;
	char		 port[16];
	size_t		 hlen, i;

	if (cfg->api_key != NULL)
		return (1);
	if (host == NULL)
		return (1);	/* HTTP/1.0: no browser omits Host */
	if (api_in_list(cfg->allow_hosts, host, strlen(host)))
		return (1);
	hlen = strlen(host);
	colon = strrchr(host, ':');
	if (colon != NULL && strchr(colon, ']') == NULL) {
		snprintf(port, sizeof(port), "%d", cfg->port);
		if (strcmp(colon + 1, port) != 0)
			return (0);
		hlen = (size_t)(colon - host);
		if (api_in_list(cfg->allow_hosts, host, hlen))
			return (1);
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i] != NULL && strlen(names[i]) == hlen &&
		    strncasecmp(names[i], host, hlen) == 0)
			return (1);
	return (0);
}

/* Constant-time check of Authorization: Bearer <key>. */
static int
api_key_ok(struct veil *vl, struct evkeyvalq *ih)
{
	const char	*key = vl->vl_cfg->api_key, *auth;
	unsigned char	 a[32], b[32];
	unsigned int	 alen, blen;

	if (key == NULL)
		return (1);
	/* Anthropic clients send x-api-key; either header may carry it. */
	auth = evhttp_find_header(ih, "Authorization");
	if (auth != NULL && strncasecmp(auth, "Bearer ", 7) == 0)
		auth += 7;
	else if ((auth = evhttp_find_header(ih, "x-api-key")) == NULL)
		return (0);
	while (*auth == ' ')
		auth++;
	/* Hash both so that neither the length nor a prefix leaks. */
	if (EVP_Digest(auth, strlen(auth), a, &alen, EVP_sha256(), NULL) != 1 ||
	    EVP_Digest(key, strlen(key), b, &blen, EVP_sha256(), NULL) != 1)
		return (0);
	return (CRYPTO_memcmp(a, b, sizeof(a)) == 0);
}

/* 1 when the Content-Type names JSON (application/json or +json). */
static int
api_is_json(const char *ct)
{
	size_t	n;

	if (ct == NULL)
		return (0);
	while (*ct == ' ')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 16 && strncasecmp(ct, "application/json", 16) == 0)
		return (1);
	if (n > 17 && strncasecmp(ct, "application/", 12) == 0 &&
	    strncasecmp(ct + n - 5, "+json", 5) == 0)
		return (1);
	return (0);
}

/* Duplicated or conflicting framing headers: request smuggling, 400. */
static const char *
api_framing_bad(struct evkeyvalq *ih)
{
	struct evkeyval	*kv;
	int		 ncl = 0, nte = 0;

	TAILQ_FOREACH(kv, ih, next) {
		if (strcasecmp(kv->key, "Content-Length") == 0)
			ncl++;
		else if (strcasecmp(kv->key, "Transfer-Encoding") == 0)
			nte++;
	}
	if (ncl > 1)
		return ("duplicated Content-Length header");
	if (ncl > 0 && nte > 0)
		return ("both Content-Length and Transfer-Encoding given");
	if (nte > 1)
		return ("duplicated Transfer-Encoding header");
	return (NULL);
}

static void
api_cors(struct evhttp_request *er, const char *origin)
{
	struct evkeyvalq *oh = evhttp_request_get_output_headers(er);

	if (origin == NULL)
		return;
	evhttp_add_header(oh, "Access-Control-Allow-Origin", origin);
	evhttp_add_header(oh, "Vary", "Origin");
}

static const struct api_route *
api_route_find(const char *path, const char **rest)
{
	const struct api_route	*r;
	size_t			 i, n;

	for (i = 0; i < sizeof(api_routes) / sizeof(api_routes[0]); i++) {
		r = &api_routes[i];
		n = strlen(r->path);
		if (r->prefix) {
			if (strncmp(path, r->path, n) == 0 &&
			    path[n] != '\0') {
				*rest = path + n;
				return (r);
			}
		} else if (strcmp(path, r->path) == 0 ||
		    (strncmp(path, r->path, n) == 0 && path[n] == '/' &&
		    path[n + 1] == '\0')) {
			*rest = NULL;
			return (r);
		}
	}
	return (NULL);
}

/* Bytes the request's headers took on the wire, about. */
static size_t
api_headers_size(struct evkeyvalq *ih)
{
	struct evkeyval	*kv;
	size_t		 n = 0;

	TAILQ_FOREACH(kv, ih, next)
		n += strlen(kv->key) + strlen(kv->value) + 4;
	return (n);
}

/* count_tokens (Anthropic): a local estimate; the prompt goes nowhere. */
static void
api_count_tokens(struct veil *vl, struct evhttp_request *er)
{
	struct evbuffer		*in = evhttp_request_get_input_buffer(er);
	struct json_limits	 lim;
	struct json_value	*v;
	struct buf		 b;
	const char		*errstr;
	size_t			 len = evbuffer_get_length(in);
	long long		 n;
	char			 msg[512];

	if (len > vl->vl_cfg->max_body) {
		api_fail(er, &dialect_anthropic, ERROR_BODY_TOO_LARGE, 0,
		    NULL, NULL);
		return;
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = vl->vl_cfg->max_body;
	lim.max_depth = REQ_MAX_JSON_DEPTH;
	v = json_parse((const char *)evbuffer_pullup(in, -1), len, &lim,
	    &errstr);
	if (v == NULL) {
		snprintf(msg, sizeof(msg), "the body is not valid JSON: %s",
		    len == 0 ? "empty body" : errstr);
		api_fail(er, &dialect_anthropic, ERROR_INVALID_JSON, 0, NULL,
		    msg);
		return;
	}
	if (anthropic_count_tokens(v, &n, msg, sizeof(msg)) == -1) {
		json_free(v);
		api_fail(er, &dialect_anthropic, ERROR_INVALID_REQUEST, 0,
		    NULL, msg);
		return;
	}
	json_free(v);
	buf_init(&b);
	buf_printf(&b, "{\"input_tokens\":%lld}", n);
	api_reply_json(er, 200, &b);
}

/* GET /metrics: the Prometheus text exposition (metrics.c). */
static void
api_metrics(struct veil *vl, struct evhttp_request *er)
{
	struct buf	 b;

	buf_init(&b);
	metrics_render(&b, vl, server_conn_count());
	api_reply_body(er, 200, "text/plain; version=0.0.4; charset=utf-8",
	    &b);
}

/* The evhttp general callback: guards, then the route. */
void
api_request_cb(struct evhttp_request *er, void *arg)
{
	struct veil		*vl = arg;
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(er);
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(er);
	const struct api_route	*r;
	const struct dialect	*dl;
	const struct evhttp_uri	*uri;
	const char		*path, *origin, *rest = NULL, *why, *host;
	enum evhttp_cmd_type	 method = evhttp_request_get_command(er);
	char			*msg;

	uri = evhttp_request_get_evhttp_uri(er);
	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || *path == '\0')
		path = "/";
	r = api_route_find(path, &rest);
	/* Errors in the agent's own envelope from the first one. */
	dl = r != NULL ? r->dialect : &dialect_chat;
	if (api_headers_size(ih) > vl->vl_cfg->max_headers) {
		/* evhttp's own limit is set above ours so that we say 431. */
		evhttp_add_header(oh, "Connection", "close");
		api_fail(er, dl, ERROR_HEADERS_TOO_LARGE, 0, NULL, NULL);
		return;
	}
	if (server_conn_track(vl, er) == -1) {
		evhttp_add_header(oh, "Connection", "close");
		evhttp_add_header(oh, "Retry-After", "1");
		api_fail(er, dl, ERROR_TOO_MANY_CONNECTIONS, 0, NULL, NULL);
		return;
	}
	if (server_conn_host(er, &host, &why) == -1) {
		evhttp_add_header(oh, "Connection", "close");
		api_fail(er, dl, ERROR_BAD_FRAMING, 0, NULL, why);
		return;
	}
	if (!api_host_ok(vl, host)) {
		api_fail(er, dl, ERROR_HOST_NOT_ALLOWED, 0, NULL, NULL);
		return;
	}
	origin = evhttp_find_header(ih, "Origin");
	if (origin != NULL && !api_in_list(vl->vl_cfg->allow_origins, origin,
	    strlen(origin))) {
		api_fail(er, dl, ERROR_ORIGIN_NOT_ALLOWED, 0, NULL, NULL);
		return;
	}
	if (r == NULL) {
		api_cors(er, origin);
		xasprintf(&msg, "no route for %s: og-veil serves POST "
		    "/v1/chat/completions, POST /v1/messages, POST "
		    "/v1/responses, GET /v1/models and GET /health", path);
		api_fail(er, dl, ERROR_NOT_FOUND, 0, NULL, msg);
		free(msg);
		return;
	}
	if (method == EVHTTP_REQ_OPTIONS) {
		/* Preflight: only for allowed origins (checked above). */
		if (origin == NULL) {
			evhttp_add_header(oh, "Allow", r->allow);
			evhttp_send_reply(er, 204, "No Content", NULL);
			return;
		}
		api_cors(er, origin);
		evhttp_add_header(oh, "Access-Control-Allow-Methods", r->allow);
		evhttp_add_header(oh, "Access-Control-Allow-Headers",
		    "Authorization, Content-Type, x-api-key, "
		    "anthropic-version, anthropic-beta");
		evhttp_add_header(oh, "Access-Control-Max-Age", "600");
		evhttp_send_reply(er, 204, "No Content", NULL);
		return;
	}
	api_cors(er, origin);
	if (((int)method & r->methods) == 0) {
		evhttp_add_header(oh, "Allow", r->allow);
		xasprintf(&msg, "use %s for %s", (r->methods &
		    EVHTTP_REQ_POST) ? "POST" : "GET", r->path);
		api_fail(er, dl, ERROR_METHOD_NOT_ALLOWED, 0, NULL,
		    r->kind == API_R_CHAT || r->kind == API_R_COUNT_TOKENS ?
		    msg : "use GET for this path");
		free(msg);
		return;
	}
	if (r->need_key && !api_key_ok(vl, ih)) {
		evhttp_add_header(oh, "WWW-Authenticate", "Bearer");
		api_fail(er, dl, ERROR_INVALID_API_KEY, 0, NULL, NULL);
		return;
	}
	switch (r->kind) {
	case API_R_HEALTH:
		api_health(vl, er);
		return;
	case API_R_READY:
		server_health_ready(vl, er);
		return;
	case API_R_METRICS:
		api_metrics(vl, er);
		return;
	case API_R_MODELS:
		api_models_reply(vl, er);
		return;
	case API_R_MODEL:
		api_model(vl, er, rest);
		return;
	case API_R_CHAT:
	case API_R_COUNT_TOKENS:
		break;
	}

	if ((why = api_framing_bad(ih)) != NULL) {
		evhttp_add_header(oh, "Connection", "close");
		api_fail(er, dl, ERROR_BAD_FRAMING, 0, NULL, why);
		return;
	}
	if (!api_is_json(evhttp_find_header(ih, "Content-Type"))) {
		api_fail(er, dl, ERROR_UNSUPPORTED_MEDIA_TYPE, 0, NULL, NULL);
		return;
	}
	if (r->kind == API_R_COUNT_TOKENS) {
		api_count_tokens(vl, er);
		return;
	}
	if (vl->vl_draining) {
		evhttp_add_header(oh, "Retry-After", "5");
		api_fail(er, dl, ERROR_SHUTTING_DOWN, 0, NULL, NULL);
		return;
	}
	if (vl->vl_unverified >= vl->vl_cfg->max_unverified) {
		evhttp_add_header(oh, "Retry-After", "1");
		api_fail(er, dl, ERROR_OVERLOADED, 0, NULL, NULL);
		return;
	}
	if (!vl->vl_logged_in && vl->vl_store != NULL &&
	    store_changed(vl->vl_store) == 1) {
		session_clear(&vl->vl_session);
		vl->vl_logged_in =
		    store_session_load(vl->vl_store, &vl->vl_session) == 0;
	}
	if (!vl->vl_logged_in) {
		api_fail(er, dl, ERROR_NOT_LOGGED_IN, 0, NULL,
		    "not logged in: run `og-veil login`");
		return;
	}
	req_start(vl, er, r->dialect);
}

/* The i-th built-in model id, or NULL past the end (`og-veil models`). */
const char *
api_model_at(size_t i)
{
	return (i < API_NMODELS ? api_models[i] : NULL);
}

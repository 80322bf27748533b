/*
 * devnet-app.c: the devnet's Chat app, just its /cli-auth page (PROTOCOL.md
 * §1).  The page's script POSTs the login bundle as JSON to redirect_uri
 * with fetch(), so a real browser sends the CORS preflight first, and shows
 * the outcome in the element with id "status".  redirect_uri must point at
 * loopback over plain HTTP.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "devnet.h"
#include "pyjson.h"
#include "xmalloc.h"

static void	app_request_cb(struct evhttp_request *, void *);
static int	app_redirect_ok(const char *);
static void	app_script_str(struct buf *, const char *, size_t);
static void	app_page(struct devnet *, struct evhttp_request *, const char *,
		    const char *);

static const char app_head[] =
    "<!DOCTYPE html>\n"
    "<html lang=\"en\">\n"
    "<head>\n"
    "<meta charset=\"utf-8\">\n"
    "<title>OpenGradient Chat (devnet): CLI sign-in</title>\n"
    "</head>\n"
    "<body>\n"
    "<h1>OpenGradient Chat (devnet)</h1>\n"
    "<p>Signing in <span id=\"app\"></span> as "
    DEVNET_USER_EMAIL ".</p>\n"
    "<p id=\"status\">Signing in&hellip;</p>\n"
    "<script>\n";

static const char app_tail[] =
    "document.getElementById(\"app\").textContent = appName;\n"
    "const status = document.getElementById(\"status\");\n"
    "fetch(redirectUri, {\n"
    "  method: \"POST\",\n"
    "  headers: {\"Content-Type\": \"application/json\"},\n"
    "  body: JSON.stringify(bundle)\n"
    "}).then(function (r) {\n"
    "  return r.text().then(function (t) {\n"
    "    let ok = r.ok;\n"
    "    try { ok = ok && JSON.parse(t).ok === true; } catch (e) {}\n"
    "    status.textContent = ok ?\n"
    "      \"Signed in \\u2014 you can close this tab\" :\n"
    "      \"Sign-in failed: the CLI answered HTTP \" + r.status;\n"
    "  });\n"
    "}).catch(function (e) {\n"
    "  status.textContent = \"Sign-in failed: \" + e.message;\n"
    "});\n"
    "</script>\n"
    "</body>\n"
    "</html>\n";

/* PROTOCOL.md §1: http://127.0.0.1:<port>[/path] or http://localhost:... */
static int
app_redirect_ok(const char *uri)
{
	struct evhttp_uri	*u;
	const char		*host;
	int			 ok = 0, port;

	if ((u = evhttp_uri_parse_with_flags(uri, 0)) == NULL)
		return (0);
	host = evhttp_uri_get_host(u);
	port = evhttp_uri_get_port(u);
	if (evhttp_uri_get_scheme(u) != NULL &&
	    strcmp(evhttp_uri_get_scheme(u), "http") == 0 &&
	    evhttp_uri_get_userinfo(u) == NULL && host != NULL &&
	    (strcmp(host, "127.0.0.1") == 0 ||
	    strcmp(host, "localhost") == 0) &&
	    port > 0 && port <= 65535 && evhttp_uri_get_fragment(u) == NULL)
		ok = 1;
	evhttp_uri_free(u);
	return (ok);
}

/* A JSON string safe inside <script>: no '<', '>' or '&' left raw. */
static void
app_script_str(struct buf *b, const char *s, size_t len)
{
	struct buf	t;
	size_t		i;

	buf_init(&t);
	pyjson_write_string(&t, s, len, PYJSON_ENSURE_ASCII);
	for (i = 0; i < t.len; i++) {
		if (t.data[i] == '<' || t.data[i] == '>' || t.data[i] == '&')
			buf_printf(b, "\\u%04x", t.data[i]);
		else
			buf_add_u8(b, t.data[i]);
	}
	buf_clear(&t, 0);
}

static void
app_page(struct devnet *dn, struct evhttp_request *req, const char *uri,
    const char *name)
{
	struct evbuffer	*eb;
	struct buf	 b, bundle;
	size_t		 i;

	buf_init(&b);
	buf_init(&bundle);
	devnet_bundle_json(dn, &bundle);
	while (bundle.len > 0 && bundle.data[bundle.len - 1] == '\n')
		bundle.len--;
	buf_add_str(&b, app_head);
	buf_add_str(&b, "const redirectUri = ");
	app_script_str(&b, uri, strlen(uri));
	buf_add_str(&b, ";\nconst appName = ");
	app_script_str(&b, name, strlen(name));
	buf_add_str(&b, ";\nconst bundle = ");
	/* The bundle is our own ASCII JSON; its strings hold no '<'. */
	for (i = 0; i < bundle.len; i++) {
		if (bundle.data[i] == '<' || bundle.data[i] == '>' ||
		    bundle.data[i] == '&')
			buf_printf(&b, "\\u%04x", bundle.data[i]);
		else
			buf_add_u8(&b, bundle.data[i]);
	}
	buf_add_str(&b, ";\n");
	buf_add_str(&b, app_tail);
	buf_clear(&bundle, 1);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/html; charset=utf-8");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Cache-Control", "no-store");
	if ((eb = evbuffer_new()) == NULL) {
		buf_clear(&b, 1);
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(eb, b.data, b.len);
	evhttp_send_reply(req, 200, "OK", eb);
	evbuffer_free(eb);
	buf_clear(&b, 1);
}

static void
app_text(struct evhttp_request *req, int code, const char *text)
{
	struct evbuffer	*eb;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "text/plain; charset=utf-8");
	if ((eb = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(eb, text, strlen(text));
	evhttp_send_reply(req, code, NULL, eb);
	evbuffer_free(eb);
}

static void
app_request_cb(struct evhttp_request *req, void *arg)
{
	struct devnet		*dn = arg;
	const struct evhttp_uri	*u = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq	 q;
	const char		*path, *query, *uri, *name;

	dn->dn_app_calls++;
	path = evhttp_uri_get_path(u);
	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET &&
	    evhttp_request_get_command(req) != EVHTTP_REQ_HEAD) {
		app_text(req, 405, "method not allowed\n");
		return;
	}
	if (path == NULL || strcmp(path, "/cli-auth") != 0) {
		if (path != NULL && strcmp(path, "/") == 0)
			app_text(req, 200, "OpenGradient Chat (og-veil-devnet)"
			    ": see /cli-auth\n");
		else
			app_text(req, 404, "not found\n");
		return;
	}
	TAILQ_INIT(&q);
	query = evhttp_uri_get_query(u);
	if (query == NULL || evhttp_parse_query_str(query, &q) != 0 ||
	    (uri = evhttp_find_header(&q, "redirect_uri")) == NULL) {
		app_text(req, 400, "redirect_uri is required\n");
		goto out;
	}
	if (!app_redirect_ok(uri)) {
		app_text(req, 400, "redirect_uri must be "
		    "http://127.0.0.1:<port> or http://localhost:<port>\n");
		goto out;
	}
	if ((name = evhttp_find_header(&q, "app_name")) == NULL)
		name = "an app";
	devnet_debug("app: /cli-auth");
	app_page(dn, req, uri, name);
out:
	evhttp_clear_headers(&q);
}

int
devnet_app_start(struct devnet *dn, int port, int *outport,
    const char **errstr)
{
	dn->dn_app_http = devnet_listen(dn, port, outport, errstr);
	if (dn->dn_app_http == NULL)
		return (-1);
	evhttp_set_gencb(dn->dn_app_http, app_request_cb, dn);
	return (0);
}

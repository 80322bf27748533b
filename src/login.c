/*
 * login.c: the loopback listener of PROTOCOL.md §1.  og-veil listens on
 * 127.0.0.1:<ephemeral> under a random path (16 random bytes, hex) so only
 * the page we opened can answer, prints (and may open) the Chat app's
 * /cli-auth URL, answers the browser's CORS preflight and takes one valid
 * bundle by POST, only from the app's own origin (derived from app_url: the
 * Chat app's, or the devnet's): another page open in the browser cannot
 * sign og-veil in to an account of its choosing.  The preflight still
 * answers `*` (PROTOCOL.md §1); the POST's Origin is what is checked.  Its
 * own event_base: this runs in the CLI, not the daemon.
 */
#include "compat.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "bytes.h"
#include "og-veil.h"
#include "pyjson.h"
#include "xmalloc.h"

struct login {
	struct event_base	*lg_base;
	char			 lg_path[34];	/* "/" + 32 hex */
	struct session		*lg_session;	/* filled on success */
	int			 lg_done;	/* 1 ok, -1 timed out */
	int			 lg_posts;	/* bad bundles seen */
	int			 lg_allow_http;	/* login --allow-http */
	char			 lg_origin[300]; /* the app's origin */
};

static void	 login_request_cb(struct evhttp_request *, void *);
static void	 login_cors(struct evhttp_request *);
static void	 login_reply(struct evhttp_request *, int, const char *);
static void	 login_timeout_cb(evutil_socket_t, short, void *);
static void	 login_open_browser(const char *);

/* <app_url>/cli-auth?redirect_uri=<uri, percent-encoded>&app_name=... */
char *
login_url(const char *app_url, const char *redirect)
{
	static const char	 hexd[] = "0123456789ABCDEF";
	struct buf		 b;
	const unsigned char	*p;
	size_t			 len;

	buf_init(&b);
	buf_printf(&b, "%s/cli-auth?redirect_uri=", app_url);
	for (p = (const unsigned char *)redirect; *p != '\0'; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			buf_add_u8(&b, *p);
		else {
			buf_add_u8(&b, '%');
			buf_add_u8(&b, (uint8_t)hexd[*p >> 4]);
			buf_add_u8(&b, (uint8_t)hexd[*p & 15]);
		}
	}
	buf_printf(&b, "&app_name=%s", OG_VEIL_APP_NAME);
	return ((char *)buf_detach(&b, &len));
}

/* The CORS answer of §1, plus Private Network Access when asked. */
static void
login_cors(struct evhttp_request *er)
{
	struct evkeyvalq	*oh = evhttp_request_get_output_headers(er);
	struct evkeyvalq	*ih = evhttp_request_get_input_headers(er);

	evhttp_add_header(oh, "Access-Control-Allow-Origin", "*");
	evhttp_add_header(oh, "Access-Control-Allow-Methods", "POST, OPTIONS");
	evhttp_add_header(oh, "Access-Control-Allow-Headers", "Content-Type");
	if (evhttp_find_header(ih,
	    "Access-Control-Request-Private-Network") != NULL)
		evhttp_add_header(oh, "Access-Control-Allow-Private-Network",
		    "true");
	evhttp_add_header(oh, "Cache-Control", "no-store");
}

/* {"ok": true} or {"ok": false, "error": msg} with the CORS headers. */
static void
login_reply(struct evhttp_request *er, int code, const char *error)
{
	struct evbuffer	*eb = evbuffer_new();
	struct buf	 b;

	login_cors(er);
	evhttp_add_header(evhttp_request_get_output_headers(er),
	    "Content-Type", "application/json");
	buf_init(&b);
	if (error == NULL)
		buf_add_str(&b, "{\"ok\": true}");
	else {
		buf_add_str(&b, "{\"ok\": false, \"error\": ");
		pyjson_write_string(&b, error, strlen(error), 0);
		buf_add_str(&b, "}");
	}
	if (eb != NULL)
		evbuffer_add(eb, b.data, b.len);
	evhttp_send_reply(er, code, code == 200 ? "OK" : code == 403 ?
	    "Forbidden" : "Bad Request", eb);
	if (eb != NULL)
		evbuffer_free(eb);
	buf_clear(&b, 0);
}

static void
login_request_cb(struct evhttp_request *er, void *arg)
{
	struct login		*lg = arg;
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(er);
	struct evbuffer		*in;
	struct timeval		 tv = { 0, 200 * 1000 };
	const char		*path, *origin;
	char			*body, errbuf[512];
	size_t			 len;
	int			 r;

	path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	if (path == NULL || strcmp(path, lg->lg_path) != 0) {
		evhttp_send_error(er, 404, "Not Found");
		return;
	}
	switch (evhttp_request_get_command(er)) {
	case EVHTTP_REQ_OPTIONS:
		login_cors(er);
		evhttp_send_reply(er, 204, "No Content", NULL);
		return;
	case EVHTTP_REQ_POST:
		break;
	default:
		login_cors(er);
		evhttp_add_header(evhttp_request_get_output_headers(er),
		    "Allow", "POST, OPTIONS");
		evhttp_send_error(er, 405, "Method Not Allowed");
		return;
	}
	if (lg->lg_done != 0) {
		login_reply(er, 400, "already signed in");
		return;
	}
	origin = evhttp_find_header(evhttp_request_get_input_headers(er),
	    "Origin");
	if (origin == NULL || strcasecmp(origin, lg->lg_origin) != 0) {
		fprintf(stderr, "og-veil: refused a bundle from %s (expected "
		    "the app at %s)\n", origin != NULL ? "another origin" :
		    "a client that sent no Origin", lg->lg_origin);
		login_reply(er, 403, "this listener takes the bundle from the "
		    "OpenGradient Chat app's page only");
		return;
	}
	in = evhttp_request_get_input_buffer(er);
	len = evbuffer_get_length(in);
	if (len > AUTH_MAX_BUNDLE) {
		login_reply(er, 400, "bundle too large");
		return;
	}
	body = xmalloc(len + 1);
	if (evbuffer_remove(in, body, len) != (int)len) {
		free(body);
		login_reply(er, 400, "cannot read the bundle");
		return;
	}
	body[len] = '\0';
	r = auth_bundle_parse(body, len, lg->lg_session, errbuf,
	    sizeof(errbuf));
	OPENSSL_cleanse(body, len);
	free(body);
	if (r == 0 && auth_session_check_urls(lg->lg_session,
	    lg->lg_allow_http, errbuf, sizeof(errbuf)) == -1) {
		session_clear(lg->lg_session);
		r = -1;
	}
	if (r == -1) {
		lg->lg_posts++;
		fprintf(stderr, "og-veil: the page sent a bad bundle: %s\n",
		    errbuf);
		login_reply(er, 400, errbuf);
		return;
	}
	login_reply(er, 200, NULL);
	lg->lg_done = 1;
	/* Let the reply reach the page before the loop ends. */
	event_base_loopexit(lg->lg_base, &tv);
}

static void
login_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct login	*lg = arg;

	(void)fd;
	(void)what;
	if (lg->lg_done == 0)
		lg->lg_done = -1;
	event_base_loopexit(lg->lg_base, NULL);
}

/* Try xdg-open or open; quietly, and without waiting for the browser. */
static void
login_open_browser(const char *url)
{
	static const char *const openers[] = { "xdg-open", "open" };
	char		*path, *dir, *save, *copy;
	const char	*env = getenv("PATH");
	const char	*opener = NULL;
	size_t		 i;
	pid_t		 pid;
	int		 fd, status;

	if (env == NULL)
		return;
	for (i = 0; i < 2 && opener == NULL; i++) {
		copy = xstrdup(env);
		for (dir = strtok_r(copy, ":", &save); dir != NULL;
		    dir = strtok_r(NULL, ":", &save)) {
			xasprintf(&path, "%s/%s", dir, openers[i]);
			if (access(path, X_OK) == 0)
				opener = openers[i];
			free(path);
			if (opener != NULL)
				break;
		}
		free(copy);
	}
	if (opener == NULL)
		return;
	switch (pid = fork()) {
	case -1:
		return;
	case 0:
		/* Double fork: the opener may outlive us, no zombie. */
		if (fork() != 0)
			_exit(0);
		(void)setsid();
		if ((fd = open("/dev/null", O_RDWR)) != -1) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
		}
		execlp(opener, opener, url, (char *)NULL);
		_exit(127);
	default:
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	}
}

/*
 * Wait for the bundle: 0 and s filled, or -1 with errbuf.  The URL goes
 * to standard output (flushed) whether or not a browser is opened.
 */
int
login_listen(const char *app_url, int open_browser, int allow_http,
    int timeout, struct session *s, char *errbuf, size_t errlen)
{
	struct login			 lg;
	struct evhttp			*http = NULL;
	struct evhttp_bound_socket	*bound;
	struct event			*tev = NULL;
	struct sockaddr_in		 sin;
	socklen_t			 slen = sizeof(sin);
	struct timeval			 tv = { timeout, 0 };
	uint8_t				 rnd[16];
	char				*redirect = NULL, *url = NULL;
	int				 rc = -1;

	memset(&lg, 0, sizeof(lg));
	memset(s, 0, sizeof(*s));
	lg.lg_session = s;
	lg.lg_allow_http = allow_http;
	if (auth_url_origin(app_url, lg.lg_origin,
	    sizeof(lg.lg_origin)) == -1) {
		snprintf(errbuf, errlen, "the app URL %.200s has no usable "
		    "origin (scheme://host[:port])", app_url);
		return (-1);
	}
	if (RAND_bytes(rnd, sizeof(rnd)) != 1) {
		snprintf(errbuf, errlen, "no random bytes for the login path");
		return (-1);
	}
	lg.lg_path[0] = '/';
	hex_encode(rnd, sizeof(rnd), lg.lg_path + 1);
	if ((lg.lg_base = event_base_new()) == NULL ||
	    (http = evhttp_new(lg.lg_base)) == NULL) {
		snprintf(errbuf, errlen, "cannot set up the login listener");
		goto done;
	}
	evhttp_set_max_body_size(http, AUTH_MAX_BUNDLE);
	evhttp_set_max_headers_size(http, 64 * 1024);
	evhttp_set_timeout(http, 30);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE);
	evhttp_set_gencb(http, login_request_cb, &lg);
	if ((bound = evhttp_bind_socket_with_handle(http, "127.0.0.1",
	    0)) == NULL) {
		snprintf(errbuf, errlen, "cannot listen on 127.0.0.1: %s",
		    strerror(errno));
		goto done;
	}
	if (getsockname(evhttp_bound_socket_get_fd(bound),
	    (struct sockaddr *)&sin, &slen) == -1) {
		snprintf(errbuf, errlen, "getsockname: %s", strerror(errno));
		goto done;
	}
	xasprintf(&redirect, "http://127.0.0.1:%u%s",
	    (unsigned int)ntohs(sin.sin_port), lg.lg_path);
	url = login_url(app_url, redirect);

	if ((tev = evtimer_new(lg.lg_base, login_timeout_cb, &lg)) == NULL ||
	    evtimer_add(tev, &tv) == -1) {
		snprintf(errbuf, errlen, "cannot set the login timeout");
		goto done;
	}
#ifndef __APPLE__
	/* Headless (no display): nothing would open; just say where to go. */
	if (open_browser && getenv("DISPLAY") == NULL &&
	    getenv("WAYLAND_DISPLAY") == NULL)
		open_browser = 0;
#endif
	printf("Sign in to OpenGradient in your browser%s:\n\n  %s\n\n"
	    "Waiting for the Chat app (up to %d minutes)...\n",
	    open_browser ? " (opening it now; if nothing opens, visit this "
	    "URL)" : ", at this URL", url, timeout / 60);
	fflush(stdout);
	if (open_browser)
		login_open_browser(url);

	if (event_base_dispatch(lg.lg_base) == -1)
		snprintf(errbuf, errlen, "the login listener failed");
	else if (lg.lg_done == 1)
		rc = 0;
	else if (lg.lg_done == -1)
		snprintf(errbuf, errlen, "login timed out after %d seconds "
		    "with no bundle from the browser: run `og-veil login` "
		    "again (or `og-veil login --manual` and paste the "
		    "bundle)", timeout);
	else
		snprintf(errbuf, errlen, "the login listener stopped without "
		    "a bundle: run `og-veil login` again");
done:
	if (rc == -1)
		session_clear(s);
	if (tev != NULL)
		event_free(tev);
	if (http != NULL)
		evhttp_free(http);
	if (lg.lg_base != NULL)
		event_base_free(lg.lg_base);
	free(redirect);
	free(url);
	return (rc);
}

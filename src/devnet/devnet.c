/*
 * devnet.c: og-veil-devnet's main(): flags, fault switches, listeners (plain
 * or TLS), the state file and the CLI-auth bundle of PROTOCOL.md §1, and a
 * clean exit on SIGINT and SIGTERM.  Each service lives in its own file.
 */
#include "compat.h"

#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "devnet.h"
#include "pyjson.h"
#include "xmalloc.h"

static const char *devnet_fault_names[DEVNET_F__COUNT] = {
	[DEVNET_F_TAMPER_OUTPUT] = "tamper-output",
	[DEVNET_F_TAMPER_TOKEN] = "tamper-token",
	[DEVNET_F_WRONG_TEE_ID] = "wrong-tee-id",
	[DEVNET_F_BAD_SIGNATURE] = "bad-signature",
	[DEVNET_F_BAD_REQUEST_HASH] = "bad-request-hash",
	[DEVNET_F_DROP_FINAL] = "drop-final",
	[DEVNET_F_TRUNCATE] = "truncate",
	[DEVNET_F_KILL_MID_STREAM] = "kill-mid-stream",
	[DEVNET_F_ERROR_EVENT] = "error-event",
	[DEVNET_F_SLOW_STREAM] = "slow-stream",
	[DEVNET_F_RELAY_STATUS] = "relay-status",
	[DEVNET_F_RELAY_CLOSE] = "relay-close",
	[DEVNET_F_PCR_MISMATCH] = "pcr-mismatch",
	[DEVNET_F_CORRUPT_ABI] = "corrupt-abi",
	[DEVNET_F_CHAIN_DOWN] = "chain-down",
	[DEVNET_F_AUTH_DOWN] = "auth-down",
	[DEVNET_F_EXPIRE_TOKEN] = "expire-token",
	[DEVNET_F_REVOKE_TOKEN] = "revoke-token",
	[DEVNET_F_UNSIGNED_EXTRA] = "unsigned-extra",
	[DEVNET_F_RELAY_FORWARD_BILLING] = "relay-forward-billing",
	[DEVNET_F_GATEWAY_STATUS] = "gateway-status",
	[DEVNET_F_RELAY_WORDING] = "relay-wording",
	[DEVNET_F_SLOW_AUTH] = "slow-auth",
	[DEVNET_F_HOSTILE_ENDPOINT] = "hostile-endpoint",
	[DEVNET_F_RELAY_DELAY] = "relay-delay"
};

static int	devnet_verbose;

static const struct option devnet_longopts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "state", required_argument, NULL, 's' },
	{ "bundle", required_argument, NULL, 'b' },
	{ "tls", no_argument, NULL, 't' },
	{ "ca-out", required_argument, NULL, 'c' },
	{ "gateways", required_argument, NULL, 'g' },
	{ "rsa-bits", required_argument, NULL, 'r' },
	{ "stream-delay-ms", required_argument, NULL, 'd' },
	{ "stream-frames", required_argument, NULL, 'f' },
	{ "token-ttl", required_argument, NULL, 'T' },
	{ "bundle-late", required_argument, NULL, 'L' },
	{ "bench", no_argument, NULL, 'B' },
	{ "fault", required_argument, NULL, 'F' },
	{ "port-relay", required_argument, NULL, 1 },
	{ "port-chain", required_argument, NULL, 2 },
	{ "port-auth", required_argument, NULL, 3 },
	{ "port-app", required_argument, NULL, 4 },
	{ "port-admin", required_argument, NULL, 5 },
	{ "workers", required_argument, NULL, 'W' },
	{ NULL, 0, NULL, 0 }
};

static __dead void devnet_usage(int);
static int	devnet_parse_fault(struct devnet *, const char *);
static void	devnet_signal_cb(evutil_socket_t, short, void *);
static void	devnet_sigchld_cb(evutil_socket_t, short, void *);
static int	devnet_workers_start(struct devnet *, const char **);
static void	devnet_workers_stop(struct devnet *);
static void	devnet_print_urls(struct devnet *);
static int	devnet_write_file(const char *, const struct buf *, mode_t,
		    const char **);
static void	devnet_json_str(struct buf *, const char *);
static void	devnet_json_url(struct devnet *, struct buf *, const char *,
		    int, int);

/* Warnings go to stderr always. */
void
devnet_warnx(const char *fmt, ...)
{
	va_list	ap;

	fputs("og-veil-devnet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Debug lines only under -v; never a token. */
void
devnet_debug(const char *fmt, ...)
{
	va_list	ap;

	if (!devnet_verbose)
		return;
	fputs("og-veil-devnet: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *
devnet_fault_name(enum devnet_fault f)
{
	if ((int)f < 0 || f >= DEVNET_F__COUNT)
		return ("unknown");
	return (devnet_fault_names[f]);
}

int
devnet_fault_lookup(const char *name)
{
	int	i;

	for (i = 0; i < DEVNET_F__COUNT; i++) {
		if (strcmp(devnet_fault_names[i], name) == 0)
			return (i);
	}
	return (-1);
}

int
devnet_fault_on(const struct devnet *dn, enum devnet_fault f, int gw)
{
	const struct devnet_fault_state	*fs;

	if ((int)f < 0 || f >= DEVNET_F__COUNT)
		return (0);
	fs = &dn->dn_faults[f];
	if (!fs->on)
		return (0);
	return (fs->gateway == -1 || gw == -1 || fs->gateway == gw);
}

long long
devnet_fault_value(const struct devnet *dn, enum devnet_fault f)
{
	if ((int)f < 0 || f >= DEVNET_F__COUNT)
		return (0);
	return (dn->dn_faults[f].value);
}

void
devnet_fault_set(struct devnet *dn, enum devnet_fault f, int gw,
    long long value)
{
	struct devnet_fault_state	*fs = &dn->dn_faults[f];

	fs->on = 1;
	fs->gateway = gw;
	fs->value = value;
	devnet_debug("fault %s on (gateway %d, value %lld)",
	    devnet_fault_name(f), gw, value);

	/* Services that are "down" lose their listener right away. */
	if (f == DEVNET_F_CHAIN_DOWN)
		devnet_chain_stop(dn);
	else if (f == DEVNET_F_AUTH_DOWN)
		devnet_auth_stop(dn);
	else if (f == DEVNET_F_EXPIRE_TOKEN)
		devnet_auth_expire(dn);
}

void
devnet_fault_clear(struct devnet *dn)
{
	const char	*errstr;
	int		 i;

	for (i = 0; i < DEVNET_F__COUNT; i++) {
		dn->dn_faults[i].on = 0;
		dn->dn_faults[i].gateway = -1;
		dn->dn_faults[i].value = 0;
	}
	if (dn->dn_expired_token != NULL) {
		xfree_secret(dn->dn_expired_token,
		    strlen(dn->dn_expired_token));
		dn->dn_expired_token = NULL;
	}
	if (devnet_chain_resume(dn, &errstr) == -1)
		devnet_warnx("chain: %s", errstr);
	if (devnet_auth_resume(dn, &errstr) == -1)
		devnet_warnx("auth: %s", errstr);
	devnet_debug("faults cleared");
}

/* A new connection: TLS under --tls (SSL_new per connection), else plain. */
struct bufferevent *
devnet_bevcb(struct event_base *base, void *arg)
{
	struct devnet	*dn = arg;
	SSL		*ssl;

	if (!dn->dn_tls || dn->dn_ssl_ctx == NULL)
		return (bufferevent_socket_new(base, -1,
		    BEV_OPT_CLOSE_ON_FREE));
	if ((ssl = SSL_new(dn->dn_ssl_ctx)) == NULL)
		return (NULL);
	return (bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE));
}

/*
 * Ending a chunked reply over TLS.  libevent 2.1's bufferevent_openssl runs
 * the write callback deferred (and, with more than 32 deferred callbacks
 * queued, only on the next loop pass), while evhttp's write callback calls
 * the connection's pending completion without looking at the output.  So
 * when a reply ends (evhttp_send_reply_end sets that completion to "reply
 * sent") between the moment the output was drained and the moment that
 * stale callback runs, evhttp takes the reply as sent while its last bytes
 * are still queued, turns the connection to reading the next request and
 * disables writing: the tail of the body (the last chunk, the terminating
 * "0" chunk) never leaves and the client waits forever.  Plain sockets run
 * the write callback at once, so only --tls under load showed it.
 *
 * devnet_reply_end() therefore ends the reply only when no such callback
 * can be pending: inside the output buffer's own callback at the moment it
 * drains empty (the deferred write callback is scheduled just after, and
 * by then the terminating chunk is queued, so it is not), or, when the
 * output is already empty, on a zero timer, which runs after every
 * deferred callback already scheduled.
 */
struct devnet_ending {
	struct evhttp_request		*de_req;	/* evhttp's */
	struct evhttp_connection	*de_conn;	/* evhttp's */
	struct evbuffer			*de_out;	/* the connection's */
	struct evbuffer_cb_entry	*de_cb;		/* on de_out */
	struct event			*de_timer;	/* owned */
};

static void
devnet_ending_free(struct devnet_ending *de)
{
	evhttp_connection_set_closecb(de->de_conn, NULL, NULL);
	if (de->de_cb != NULL)
		evbuffer_remove_cb_entry(de->de_out, de->de_cb);
	if (de->de_timer != NULL)
		event_free(de->de_timer);
	free(de);
}

/* The output drained empty: end the reply now. */
static void
devnet_ending_drain_cb(struct evbuffer *out, const struct evbuffer_cb_info *ci,
    void *arg)
{
	struct devnet_ending	*de = arg;
	struct evhttp_request	*req = de->de_req;

	if (ci->n_deleted == 0 || evbuffer_get_length(out) != 0)
		return;
	devnet_ending_free(de);
	evhttp_send_reply_end(req);
}

static void
devnet_ending_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct devnet_ending	*de = arg;
	struct evhttp_request	*req = de->de_req;

	(void)fd;
	(void)what;
	if (evbuffer_get_length(de->de_out) == 0) {
		devnet_ending_free(de);
		evhttp_send_reply_end(req);
		return;
	}
	if (de->de_cb == NULL)
		de->de_cb = evbuffer_add_cb(de->de_out, devnet_ending_drain_cb,
		    de);
}

/* The client left first: evhttp detached the request; free it. */
static void
devnet_ending_close_cb(struct evhttp_connection *conn, void *arg)
{
	struct devnet_ending	*de = arg;
	struct evhttp_request	*req = de->de_req;

	(void)conn;
	devnet_ending_free(de);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_send_reply_end(req);
}

void
devnet_reply_end(struct evhttp_request *req)
{
	struct evhttp_connection	*conn;
	struct bufferevent		*bev;
	struct devnet_ending		*de;
	struct timeval			 tv = { 0, 0 };

	conn = evhttp_request_get_connection(req);
	if (conn == NULL || (bev = evhttp_connection_get_bufferevent(conn)) ==
	    NULL || bufferevent_openssl_get_ssl(bev) == NULL) {
		evhttp_send_reply_end(req);
		return;
	}
	de = xcalloc(1, sizeof(*de));
	de->de_req = req;
	de->de_conn = conn;
	de->de_out = bufferevent_get_output(bev);
	if (evbuffer_get_length(de->de_out) > 0)
		de->de_cb = evbuffer_add_cb(de->de_out, devnet_ending_drain_cb,
		    de);
	else {
		de->de_timer = evtimer_new(evhttp_connection_get_base(conn),
		    devnet_ending_timer_cb, de);
		if (de->de_timer == NULL) {
			free(de);
			evhttp_send_reply_end(req);
			return;
		}
		evtimer_add(de->de_timer, &tv);
	}
	if (de->de_cb == NULL && de->de_timer == NULL) {
		free(de);
		evhttp_send_reply_end(req);
		return;
	}
	evhttp_connection_set_closecb(conn, devnet_ending_close_cb, de);
}

/*
 * Bind 127.0.0.1:port (0: the kernel picks) with a deep backlog, and serve
 * it with a new evhttp; *outport gets the port.  Loopback only, always.
 */
struct evhttp *
devnet_listen(struct devnet *dn, int port, int *outport, const char **errstr)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen;
	struct evhttp		*http;
	int			 fd, one = 1;

	if (port < 0 || port > 65535) {
		*errstr = "bad port";
		return (NULL);
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1) {
		*errstr = "socket failed";
		return (NULL);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* --workers: each worker binds the relay's and gateways' ports. */
	if (dn->dn_workers > 1 && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT,
	    &one, sizeof(one)) == -1) {
		*errstr = "SO_REUSEPORT failed";
		close(fd);
		return (NULL);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		*errstr = errno == EADDRINUSE ? "port in use" : "bind failed";
		close(fd);
		return (NULL);
	}
	if (listen(fd, 4096) == -1) {
		*errstr = "listen failed";
		close(fd);
		return (NULL);
	}
	slen = sizeof(sin);
	if (getsockname(fd, (struct sockaddr *)&sin, &slen) == -1) {
		*errstr = "getsockname failed";
		close(fd);
		return (NULL);
	}
	if ((http = evhttp_new(dn->dn_base)) == NULL) {
		*errstr = "evhttp_new failed";
		close(fd);
		return (NULL);
	}
	if (evhttp_accept_socket_with_handle(http, fd) == NULL) {
		*errstr = "evhttp_accept_socket failed";
		evhttp_free(http);
		close(fd);
		return (NULL);
	}
	evhttp_set_max_body_size(http, DEVNET_MAX_BODY);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE);
	evhttp_set_bevcb(http, devnet_bevcb, dn);
	*outport = ntohs(sin.sin_port);
	return (http);
}

/* "http://127.0.0.1:port" (https under --tls): the caller frees it. */
char *
devnet_url(const struct devnet *dn, int port)
{
	char	*s;

	xasprintf(&s, "%s://127.0.0.1:%d", dn->dn_tls ? "https" : "http",
	    port);
	return (s);
}

void
devnet_reply_json(struct evhttp_request *req, int code, const char *json)
{
	struct evbuffer	*eb;

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	if ((eb = evbuffer_new()) == NULL) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evbuffer_add(eb, json, strlen(json));
	evhttp_send_reply(req, code, NULL, eb);
	evbuffer_free(eb);
}

void
devnet_reply_detail(struct evhttp_request *req, int code, const char *msg)
{
	struct buf	b;

	buf_init(&b);
	buf_add_str(&b, "{\"detail\":");
	devnet_json_str(&b, msg);
	buf_add_str(&b, "}");
	devnet_reply_json(req, code, (const char *)b.data);
	buf_clear(&b, 0);
}

/* The body as a new NUL-terminated string, or NULL when longer than max. */
char *
devnet_body(struct evhttp_request *req, size_t max, size_t *lenp)
{
	struct evbuffer	*eb = evhttp_request_get_input_buffer(req);
	size_t		 len = evbuffer_get_length(eb);
	char		*s;

	if (len > max)
		return (NULL);
	s = xmalloc(len + 1);
	if (len > 0 && evbuffer_copyout(eb, s, len) != (ev_ssize_t)len) {
		free(s);
		return (NULL);
	}
	s[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return (s);
}

static void
devnet_json_str(struct buf *b, const char *s)
{
	pyjson_write_string(b, s, strlen(s), 0);
}

static void
devnet_json_url(struct devnet *dn, struct buf *b, const char *key, int port,
    int comma)
{
	char	*url = devnet_url(dn, port);

	buf_printf(b, "%s\"%s\": ", comma ? ", " : "", key);
	devnet_json_str(b, url);
	free(url);
}

void
devnet_state_json(struct devnet *dn, struct buf *b)
{
	char	 addr[41];
	size_t	 i;

	hex_encode(dn->dn_registry_address, sizeof(dn->dn_registry_address),
	    addr);
	buf_printf(b, "{\"pid\": %ld, \"tls\": %s, \"ca_file\": ",
	    (long)getpid(), dn->dn_tls ? "true" : "false");
	if (dn->dn_tls && dn->dn_ca_path != NULL)
		devnet_json_str(b, dn->dn_ca_path);
	else
		buf_add_str(b, "null");
	devnet_json_url(dn, b, "chain_rpc_url", dn->dn_chain_port, 1);
	devnet_json_url(dn, b, "relay_url", dn->dn_relay_port, 1);
	devnet_json_url(dn, b, "auth_url", dn->dn_auth_port, 1);
	devnet_json_url(dn, b, "app_url", dn->dn_app_port, 1);
	devnet_json_url(dn, b, "admin_url", dn->dn_admin_port, 1);
	buf_printf(b, ", \"registry_address\": \"0x%s\", \"tee_type\": 0, "
	    "\"chain_id\": %d, \"anon_key\": ", addr, DEVNET_CHAIN_ID);
	devnet_json_str(b, dn->dn_anon_key);
	buf_add_str(b, ", \"user_email\": ");
	devnet_json_str(b, DEVNET_USER_EMAIL);
	buf_add_str(b, ", \"gateways\": [");
	for (i = 0; i < dn->dn_ngateways; i++) {
		if (i > 0)
			buf_add_str(b, ", ");
		devnet_gateway_state_json(dn->dn_gateways[i], b);
	}
	buf_add_str(b, "]}\n");
}

/* PROTOCOL.md §1: the bundle the Chat page posts, exactly. */
void
devnet_bundle_json(struct devnet *dn, struct buf *b)
{
	char	 addr[41];

	hex_encode(dn->dn_registry_address, sizeof(dn->dn_registry_address),
	    addr);
	buf_add_str(b, "{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": ");
	devnet_json_str(b, dn->dn_access_token);
	buf_add_str(b, ", \"refresh_token\": ");
	devnet_json_str(b, dn->dn_refresh_token);
	/* expires_in is what is left: negative for a bundle handed on late. */
	buf_printf(b, ", \"token_type\": \"bearer\", \"expires_at\": %lld, "
	    "\"expires_in\": %lld, \"user\": {\"id\": ",
	    (long long)dn->dn_token_expires_at,
	    (long long)(dn->dn_token_expires_at - (int64_t)time(NULL)));
	devnet_json_str(b, dn->dn_user_id);
	buf_add_str(b, ", \"email\": ");
	devnet_json_str(b, DEVNET_USER_EMAIL);
	buf_add_str(b, ", \"is_anonymous\": false}, \"config\": "
	    "{\"app_env\": \"devnet\"");
	devnet_json_url(dn, b, "supabase_url", dn->dn_auth_port, 1);
	buf_add_str(b, ", \"supabase_anon_key\": ");
	devnet_json_str(b, dn->dn_anon_key);
	devnet_json_url(dn, b, "chat_api_base_url", dn->dn_relay_port, 1);
	devnet_json_url(dn, b, "tee_registry_rpc_url", dn->dn_chain_port, 1);
	buf_printf(b, ", \"tee_registry_address\": \"0x%s\", "
	    "\"tee_registry_tee_type\": 0}}\n", addr);
}

/* Write path atomically: a temporary file beside it, then rename(2). */
static int
devnet_write_file(const char *path, const struct buf *b, mode_t mode,
    const char **errstr)
{
	char	*tmp;
	int	 fd;
	size_t	 off = 0;
	ssize_t	 n;

	xasprintf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1) {
		*errstr = "cannot create file";
		free(tmp);
		return (-1);
	}
	(void)fchmod(fd, mode);
	while (off < b->len) {
		n = write(fd, b->data + off, b->len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			*errstr = "write failed";
			close(fd);
			unlink(tmp);
			free(tmp);
			return (-1);
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1 || close(fd) == -1) {
		*errstr = "write failed";
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	if (rename(tmp, path) == -1) {
		*errstr = "rename failed";
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

/* The state file and the bundle, both written atomically. */
int
devnet_write_state(struct devnet *dn, const char **errstr)
{
	struct buf	b;

	if (dn->dn_bundle_path != NULL) {
		buf_init(&b);
		devnet_bundle_json(dn, &b);
		if (devnet_write_file(dn->dn_bundle_path, &b, 0600,
		    errstr) == -1) {
			buf_clear(&b, 1);
			return (-1);
		}
		buf_clear(&b, 1);
	}
	if (dn->dn_state_path != NULL) {
		buf_init(&b);
		devnet_state_json(dn, &b);
		if (devnet_write_file(dn->dn_state_path, &b, 0644,
		    errstr) == -1) {
			buf_clear(&b, 0);
			return (-1);
		}
		buf_clear(&b, 0);
	}
	return (0);
}

static void
devnet_print_urls(struct devnet *dn)
{
	char	*u;
	char	 addr[41];
	size_t	 i;

	hex_encode(dn->dn_registry_address, sizeof(dn->dn_registry_address),
	    addr);
	printf("og-veil-devnet: up (pid %ld%s)\n", (long)getpid(),
	    dn->dn_tls ? ", TLS" : "");
	u = devnet_url(dn, dn->dn_relay_port);
	printf("  relay (chat api)  %s\n", u);
	free(u);
	u = devnet_url(dn, dn->dn_chain_port);
	printf("  chain rpc         %s  registry 0x%s\n", u, addr);
	free(u);
	u = devnet_url(dn, dn->dn_auth_port);
	printf("  auth (supabase)   %s\n", u);
	free(u);
	u = devnet_url(dn, dn->dn_app_port);
	printf("  chat app          %s/cli-auth\n", u);
	free(u);
	u = devnet_url(dn, dn->dn_admin_port);
	printf("  admin             %s\n", u);
	free(u);
	for (i = 0; i < dn->dn_ngateways; i++) {
		u = devnet_url(dn, devnet_gateway_port(dn->dn_gateways[i]));
		printf("  gateway %zu         %s  tee_id %s\n", i, u,
		    devnet_gateway_tee_id(dn->dn_gateways[i]));
		free(u);
	}
	if (dn->dn_tls && dn->dn_ca_path != NULL)
		printf("  CA certificate    %s\n", dn->dn_ca_path);
	if (dn->dn_state_path != NULL)
		printf("  state file        %s\n", dn->dn_state_path);
	if (dn->dn_bundle_path != NULL)
		printf("  login bundle      %s\n", dn->dn_bundle_path);
	fflush(stdout);
}

/* NAME[=VALUE][@GATEWAY] */
static int
devnet_parse_fault(struct devnet *dn, const char *arg)
{
	char		*s, *at, *eq;
	const char	*errstr;
	long long	 value = 0;
	int		 f, gw = -1;

	s = xstrdup(arg);
	if ((at = strchr(s, '@')) != NULL) {
		*at++ = '\0';
		gw = (int)strtonum(at, 0, 1023, &errstr);
		if (errstr != NULL)
			goto bad;
	}
	if ((eq = strchr(s, '=')) != NULL) {
		*eq++ = '\0';
		value = strtonum(eq, -1000000000LL, 1000000000LL, &errstr);
		if (errstr != NULL)
			goto bad;
	}
	if ((f = devnet_fault_lookup(s)) == -1)
		goto bad;
	dn->dn_faults[f].on = 1;
	dn->dn_faults[f].gateway = gw;
	dn->dn_faults[f].value = value;
	free(s);
	return (0);
bad:
	free(s);
	return (-1);
}

static void
devnet_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct devnet	*dn = arg;

	(void)what;
	devnet_debug("signal %d: exiting", (int)sig);
	event_base_loopexit(dn->dn_base, NULL);
}

/* Worker 0: a worker ended before the devnet did. */
static void
devnet_sigchld_cb(evutil_socket_t sig, short what, void *arg)
{
	struct devnet	*dn = arg;
	pid_t		 pid;
	int		 w, st;

	(void)sig;
	(void)what;
	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (w = 1; w < dn->dn_workers; w++) {
			if (dn->dn_worker_pids[w] != pid)
				continue;
			dn->dn_worker_pids[w] = 0;
			devnet_warnx("worker %d (pid %ld) exited (status %d)",
			    w, (long)pid, WIFEXITED(st) ? WEXITSTATUS(st) :
			    128 + WTERMSIG(st));
		}
	}
}

/*
 * --workers N: fork N - 1 workers once the keys, the registry, the tokens
 * and every listener exist, so that each serves the relay and the
 * gateways with the same TEE identities.  A worker re-binds the relay's
 * and the gateways' ports (SO_REUSEPORT: the kernel spreads connections
 * over the workers) and closes the services only worker 0 serves.  The
 * counters live in a shared mapping, one slot per worker.
 */
static int
devnet_workers_start(struct devnet *dn, const char **errstr)
{
	struct devnet_counts	*all;
	size_t			 len, i;
	pid_t			 pid;
	int			 w;

	len = (size_t)dn->dn_workers * sizeof(*all);
	all = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANON,
	    -1, 0);
	if (all == MAP_FAILED) {
		*errstr = "mmap failed";
		return (-1);
	}
	memset(all, 0, len);
	all[0] = dn->dn_counts_one;
	all[0].dc_pid = (uint64_t)getpid();
	dn->dn_counts_all = all;
	dn->dn_counts = &all[0];
	dn->dn_worker_pids = xcalloc((size_t)dn->dn_workers,
	    sizeof(*dn->dn_worker_pids));
	dn->dn_worker_pids[0] = getpid();
	fflush(NULL);
	for (w = 1; w < dn->dn_workers; w++) {
		if ((pid = fork()) == -1) {
			*errstr = "fork failed";
			return (-1);
		}
		if (pid > 0) {
			dn->dn_worker_pids[w] = pid;
			continue;
		}
		/* The worker. */
#ifdef __linux__
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != dn->dn_worker_pids[0])
			_exit(1);
#endif
		dn->dn_worker = w;
		dn->dn_counts = &all[w];
		dn->dn_counts->dc_pid = (uint64_t)getpid();
		if (event_reinit(dn->dn_base) == -1) {
			*errstr = "event_reinit failed";
			return (-1);
		}
		devnet_chain_stop(dn);
		devnet_auth_stop(dn);
		if (dn->dn_app_http != NULL)
			evhttp_free(dn->dn_app_http);
		if (dn->dn_admin_http != NULL)
			evhttp_free(dn->dn_admin_http);
		dn->dn_app_http = dn->dn_admin_http = NULL;
		if (devnet_relay_listen(dn, errstr) == -1)
			return (-1);
		for (i = 0; i < dn->dn_ngateways; i++) {
			devnet_gateway_stop(dn->dn_gateways[i]);
			if (devnet_gateway_start(dn->dn_gateways[i],
			    errstr) == -1)
				return (-1);
		}
		return (0);
	}
	dn->dn_sigchld = evsignal_new(dn->dn_base, SIGCHLD, devnet_sigchld_cb,
	    dn);
	if (dn->dn_sigchld == NULL || evsignal_add(dn->dn_sigchld,
	    NULL) == -1) {
		*errstr = "cannot catch SIGCHLD";
		return (-1);
	}
	return (0);
}

/* Worker 0 at exit: stop the other workers and wait for them. */
static void
devnet_workers_stop(struct devnet *dn)
{
	int	w, st;

	if (dn->dn_worker != 0 || dn->dn_worker_pids == NULL)
		return;
	for (w = 1; w < dn->dn_workers; w++)
		if (dn->dn_worker_pids[w] > 0)
			(void)kill(dn->dn_worker_pids[w], SIGTERM);
	for (w = 1; w < dn->dn_workers; w++) {
		if (dn->dn_worker_pids[w] <= 0)
			continue;
		while (waitpid(dn->dn_worker_pids[w], &st, 0) == -1 &&
		    errno == EINTR)
			continue;
		dn->dn_worker_pids[w] = 0;
	}
}

static __dead void
devnet_usage(int status)
{
	FILE	*f = status == 0 ? stdout : stderr;
	int	 i;

	fprintf(f, "usage: og-veil-devnet [-v] [--state file] "
	    "[--bundle file] [--tls] [--ca-out file]\n"
	    "\t[--gateways n] [--rsa-bits 2048|4096] [--stream-delay-ms n]\n"
	    "\t[--stream-frames n]\n"
	    "\t[--token-ttl seconds] [--bundle-late seconds] [--bench] "
	    "[--fault name[=value][@gateway]] ...\n"
	    "\t[--port-relay port] [--port-chain port] [--port-auth port]\n"
	    "\t[--port-app port] [--port-admin port] [--workers n]\n");
	if (status != 0)
		exit(status);
	fprintf(f, "\n"
	    "  -v, --verbose          log each request to stderr\n"
	    "  --state FILE           state file (JSON: URLs, ports, keys);"
	    " default devnet.json\n"
	    "  --bundle FILE          write the CLI-auth login bundle"
	    " (mode 0600)\n"
	    "  --tls                  serve every listener over HTTPS with a"
	    " fresh test CA\n"
	    "  --ca-out FILE          where to write the CA certificate"
	    " (default: next to the state file)\n"
	    "  --gateways N           number of TEE gateways (default 2)\n"
	    "  --rsa-bits BITS        gateway signing key size, 2048 or 4096\n"
	    "  --stream-delay-ms N    delay between streamed frames"
	    " (default 20)\n"
	    "  --stream-frames N      text answers of at least N tokens"
	    " (the echo repeated)\n"
	    "  --token-ttl SECONDS    access token lifetime (default 3600)\n"
	    "  --bundle-late SECONDS  the first access token expired that"
	    " long ago\n"
	    "  --bench                benchmark mode: reused signatures, no"
	    " stream delay\n\t\t\t (unless --stream-delay-ms)\n"
	    "  --fault NAME[=VALUE][@GATEWAY]  switch a fault on at start\n"
	    "  --port-relay, --port-chain, --port-auth, --port-app,"
	    " --port-admin PORT\n"
	    "                         fixed ports (default: ephemeral)\n"
	    "  --workers N            N processes serve the relay and the"
	    " gateways (load;\n\t\t\t default 1); chain, auth, app and"
	    " admin run in the first,\n\t\t\t /stats sums the relay"
	    " counters and lists each worker's,\n\t\t\t admin POSTs get"
	    " 409 (they would reach one worker only)\n"
	    "\nfaults:");
	for (i = 0; i < DEVNET_F__COUNT; i++)
		fprintf(f, "%s %s", i % 6 == 0 ? "\n " : "",
		    devnet_fault_names[i]);
	fprintf(f, "\nadmin actions: stop-gateway, start-gateway, rotate-keys"
	    "\nsee og-veil-devnet(1) for what each fault does.\n");
	exit(0);
}

int
main(int argc, char **argv)
{
	struct devnet	 dnet, *dn = &dnet;
	const char	*errstr;
	char		*dir, *slash;
	int		 ch, ports[5] = { 0, 0, 0, 0, 0 };
	int		 ngateways = 2, i, status = 1, delay_set = 0;
	size_t		 n;

	memset(dn, 0, sizeof(*dn));
	dn->dn_workers = 1;
	dn->dn_counts = dn->dn_counts_all = &dn->dn_counts_one;
	dn->dn_rsa_bits = 2048;
	dn->dn_stream_delay_ms = 20;
	dn->dn_token_ttl = 3600;
	for (i = 0; i < DEVNET_F__COUNT; i++)
		dn->dn_faults[i].gateway = -1;

	while ((ch = getopt_long(argc, argv, "hv", devnet_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			devnet_usage(0);
		case 'v':
			dn->dn_verbose = devnet_verbose = 1;
			break;
		case 's':
			free(dn->dn_state_path);
			dn->dn_state_path = xstrdup(optarg);
			break;
		case 'b':
			free(dn->dn_bundle_path);
			dn->dn_bundle_path = xstrdup(optarg);
			break;
		case 't':
			dn->dn_tls = 1;
			break;
		case 'c':
			free(dn->dn_ca_path);
			dn->dn_ca_path = xstrdup(optarg);
			break;
		case 'g':
			ngateways = (int)strtonum(optarg, 1, 64, &errstr);
			if (errstr != NULL) {
				devnet_warnx("--gateways: %s", errstr);
				return (1);
			}
			break;
		case 'r':
			dn->dn_rsa_bits = (int)strtonum(optarg, 1024, 8192,
			    &errstr);
			if (errstr != NULL || (dn->dn_rsa_bits != 2048 &&
			    dn->dn_rsa_bits != 4096)) {
				devnet_warnx("--rsa-bits: 2048 or 4096");
				return (1);
			}
			break;
		case 'd':
			dn->dn_stream_delay_ms = (int)strtonum(optarg, 0,
			    600000, &errstr);
			if (errstr != NULL) {
				devnet_warnx("--stream-delay-ms: %s", errstr);
				return (1);
			}
			delay_set = 1;
			break;
		case 'f':
			dn->dn_stream_frames = (int)strtonum(optarg, 1,
			    1000000, &errstr);
			if (errstr != NULL) {
				devnet_warnx("--stream-frames: %s", errstr);
				return (1);
			}
			break;
		case 'T':
			dn->dn_token_ttl = (int)strtonum(optarg, 1,
			    100000000, &errstr);
			if (errstr != NULL) {
				devnet_warnx("--token-ttl: %s", errstr);
				return (1);
			}
			break;
		case 'L':
			dn->dn_bundle_late = (int)strtonum(optarg, 1,
			    100000000, &errstr);
			if (errstr != NULL) {
				devnet_warnx("--bundle-late: %s", errstr);
				return (1);
			}
			break;
		case 'B':
			dn->dn_bench = 1;
			break;
		case 'W':
			dn->dn_workers = (int)strtonum(optarg, 1, 64, &errstr);
			if (errstr != NULL) {
				devnet_warnx("--workers: %s", errstr);
				return (1);
			}
			break;
		case 'F':
			if (devnet_parse_fault(dn, optarg) == -1) {
				devnet_warnx("--fault %s: unknown fault or bad "
				    "value (see --help)", optarg);
				return (1);
			}
			break;
		case 1: case 2: case 3: case 4: case 5:
			ports[ch - 1] = (int)strtonum(optarg, 0, 65535,
			    &errstr);
			if (errstr != NULL) {
				devnet_warnx("bad port %s: %s", optarg, errstr);
				return (1);
			}
			break;
		default:
			devnet_usage(1);
		}
	}
	if (optind != argc)
		devnet_usage(1);
	/* --bench streams with no delay unless one is asked for. */
	if (dn->dn_bench && !delay_set)
		dn->dn_stream_delay_ms = 0;
	if (dn->dn_state_path == NULL)
		dn->dn_state_path = xstrdup("devnet.json");
	if (dn->dn_tls && dn->dn_ca_path == NULL) {
		dir = xstrdup(dn->dn_state_path);
		if ((slash = strrchr(dir, '/')) != NULL) {
			slash[1] = '\0';
			xasprintf(&dn->dn_ca_path, "%sdevnet-ca.pem", dir);
		} else
			dn->dn_ca_path = xstrdup("devnet-ca.pem");
		free(dir);
	}

	/* The state file names the CA: make its path absolute. */
	if (dn->dn_ca_path != NULL && dn->dn_ca_path[0] != '/') {
		if ((dir = getcwd(NULL, 0)) != NULL) {
			xasprintf(&slash, "%s/%s", dir, dn->dn_ca_path);
			free(dir);
			free(dn->dn_ca_path);
			dn->dn_ca_path = slash;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	if ((dn->dn_base = event_base_new()) == NULL) {
		devnet_warnx("event_base_new failed");
		goto out;
	}
	if (RAND_bytes(dn->dn_registry_address,
	    sizeof(dn->dn_registry_address)) != 1) {
		devnet_warnx("RAND_bytes failed");
		goto out;
	}
	devnet_auth_issue(dn);
	if (dn->dn_tls && devnet_tls_init(dn, dn->dn_ca_path, &errstr) == -1) {
		devnet_warnx("tls: %s", errstr);
		goto out;
	}

	dn->dn_gateways = xcalloc((size_t)ngateways, sizeof(*dn->dn_gateways));
	for (i = 0; i < ngateways; i++) {
		dn->dn_gateways[i] = devnet_gateway_new(dn, i, &errstr);
		if (dn->dn_gateways[i] == NULL) {
			devnet_warnx("gateway %d: %s", i, errstr);
			goto out;
		}
		dn->dn_ngateways++;
	}
	if (devnet_chain_start(dn, ports[1], &dn->dn_chain_port,
	    &errstr) == -1) {
		devnet_warnx("chain: %s", errstr);
		goto out;
	}
	if (devnet_auth_start(dn, ports[2], &dn->dn_auth_port,
	    &errstr) == -1) {
		devnet_warnx("auth: %s", errstr);
		goto out;
	}
	if (devnet_relay_start(dn, ports[0], &dn->dn_relay_port,
	    &errstr) == -1) {
		devnet_warnx("relay: %s", errstr);
		goto out;
	}
	if (devnet_app_start(dn, ports[3], &dn->dn_app_port, &errstr) == -1) {
		devnet_warnx("app: %s", errstr);
		goto out;
	}
	if (devnet_admin_start(dn, ports[4], &dn->dn_admin_port,
	    &errstr) == -1) {
		devnet_warnx("admin: %s", errstr);
		goto out;
	}
	/* Faults given as flags take effect now that services run. */
	for (i = 0; i < DEVNET_F__COUNT; i++) {
		if (dn->dn_faults[i].on)
			devnet_fault_set(dn, (enum devnet_fault)i,
			    dn->dn_faults[i].gateway, dn->dn_faults[i].value);
	}

	dn->dn_sigint = evsignal_new(dn->dn_base, SIGINT, devnet_signal_cb, dn);
	dn->dn_sigterm = evsignal_new(dn->dn_base, SIGTERM, devnet_signal_cb,
	    dn);
	if (dn->dn_sigint == NULL || dn->dn_sigterm == NULL ||
	    evsignal_add(dn->dn_sigint, NULL) == -1 ||
	    evsignal_add(dn->dn_sigterm, NULL) == -1) {
		devnet_warnx("cannot catch signals");
		goto out;
	}
	if (dn->dn_workers > 1 && devnet_workers_start(dn, &errstr) == -1) {
		devnet_warnx("worker %d: %s", dn->dn_worker, errstr);
		goto out;
	}
	/* Worker 0 writes the state file: every worker serves by now. */
	if (dn->dn_worker == 0 && devnet_write_state(dn, &errstr) == -1) {
		devnet_warnx("%s: %s", dn->dn_state_path, errstr);
		goto out;
	}
	if (dn->dn_worker == 0)
		devnet_print_urls(dn);

	if (event_base_dispatch(dn->dn_base) == -1)
		devnet_warnx("event loop failed");
	else
		status = 0;

out:
	devnet_workers_stop(dn);
	if (dn->dn_sigchld != NULL)
		event_free(dn->dn_sigchld);
	free(dn->dn_worker_pids);
	if (dn->dn_sigint != NULL)
		event_free(dn->dn_sigint);
	if (dn->dn_sigterm != NULL)
		event_free(dn->dn_sigterm);
	devnet_relay_free(dn);
	devnet_chain_free(dn);
	devnet_auth_free(dn);
	devnet_admin_free(dn);
	if (dn->dn_app_http != NULL)
		evhttp_free(dn->dn_app_http);
	if (dn->dn_admin_http != NULL)
		evhttp_free(dn->dn_admin_http);
	for (n = 0; n < dn->dn_ngateways; n++)
		devnet_gateway_free(dn->dn_gateways[n]);
	free(dn->dn_gateways);
	devnet_tls_free(dn);
	if (dn->dn_base != NULL)
		event_base_free(dn->dn_base);
	if (status == 0 && dn->dn_worker == 0 && dn->dn_state_path != NULL)
		(void)unlink(dn->dn_state_path);
	if (dn->dn_counts_all != &dn->dn_counts_one)
		(void)munmap(dn->dn_counts_all, (size_t)dn->dn_workers *
		    sizeof(*dn->dn_counts_all));
	free(dn->dn_state_path);
	free(dn->dn_bundle_path);
	free(dn->dn_ca_path);
	return (status);
}

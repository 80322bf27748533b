/*
 * server.c: the lifecycle of `og-veil serve` (PROTOCOL.md §10): the
 * event_base and evdns_base, the pidfile ($OG_VEIL_HOME/og-veil.pid, locked
 * with fcntl while we run), the evhttp listener with its limits (agent
 * connections: server-conn.c), signals (SIGTERM/SIGINT drain, SIGHUP and
 * SIGUSR1 reopen the log), sd_notify readiness and the final teardown.
 */
#include "compat.h"

#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bytes.h"
#include "pyjson.h"
#include "xmalloc.h"
#include "og-veil.h"

/* Descriptors kept free for the store, DNS, upstream and logging. */
#define SERVER_FD_RESERVE	64
#define SERVER_BACKLOG		4096	/* the kernel caps it at somaxconn */

static size_t			  server_max_conns;

static struct evhttp		*server_http;
static struct evhttp_bound_socket *server_bound;
static struct event		*server_drain_ev;
static struct timeval		  server_drain_start;
static int			  server_ready;

static void	server_signal_cb(evutil_socket_t, short, void *);
static void	server_drain_cb(evutil_socket_t, short, void *);
static void	server_tee_ready_cb(void *, struct tee *, int, const char *);
static void	server_status_cb(evutil_socket_t, short, void *);
static struct event_base *server_base_new(void);

/* sd_notify(3)-style datagram to $NOTIFY_SOCKET ('@' = abstract). */
void
server_notify(const char *msg)
{
	struct sockaddr_un	 sun;
	const char		*path = getenv("NOTIFY_SOCKET");
	socklen_t		 len;
	size_t			 plen;
	int			 fd;

	if (path == NULL || *path == '\0')
		return;
	plen = strlen(path);
	if (plen >= sizeof(sun.sun_path) ||
	    (path[0] != '/' && path[0] != '@')) {
		log_warnx("NOTIFY_SOCKET is not a usable socket path");
		return;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		log_warn("notify socket");
		return;
	}
	if (sendto(fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&sun, len) == -1)
		log_warn("notify %s", msg);
	close(fd);
}

/* Raise RLIMIT_NOFILE to its hard limit and cap connections under it. */
static void
server_limits(const struct veil_config *cfg)
{
	struct rlimit	rl;
	size_t		avail;

	server_max_conns = cfg->max_conns > 0 ? (size_t)cfg->max_conns :
	    OG_VEIL_DEFAULT_MAX_CONNS;
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit");
		else if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
			return;
	}
	if (rl.rlim_cur == RLIM_INFINITY)
		return;
	/* Each agent request may hold an upstream connection as well. */
	avail = rl.rlim_cur > SERVER_FD_RESERVE * 2 ?
	    (size_t)(rl.rlim_cur - SERVER_FD_RESERVE) / 2 : 16;
	if (avail < server_max_conns) {
		log_info("open-file limit %llu caps agent connections at %zu "
		    "(max_conns %zu)", (unsigned long long)rl.rlim_cur, avail,
		    server_max_conns);
		server_max_conns = avail;
	}
}

/* 1 when the listen address is loopback only. */
static int
server_is_loopback(const char *host)
{
	return (strcmp(host, "localhost") == 0 ||
	    strncmp(host, "127.", 4) == 0 || strcmp(host, "::1") == 0 ||
	    strcmp(host, "[::1]") == 0);
}

/*
 * 1 when the socket is bound to a loopback address (127/8, ::1 or
 * ::ffff:127/104): what a host name like "127.example" really resolved to.
 */
static int
server_fd_is_loopback(evutil_socket_t fd)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	socklen_t		 len = sizeof(ss);
	const uint8_t		*a;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return (0);
	if (ss.ss_family == AF_INET) {
		sin = (struct sockaddr_in *)&ss;
		return ((ntohl(sin->sin_addr.s_addr) >> 24) == 127);
	}
	if (ss.ss_family != AF_INET6)
		return (0);
	sin6 = (struct sockaddr_in6 *)&ss;
	a = sin6->sin6_addr.s6_addr;
	if (IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr))
		return (1);
	return (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) && a[12] == 127);
}

/*
 * Take $OG_VEIL_HOME/og-veil.pid: an fcntl write lock held for our life,
 * the pid inside.  -1 (with a message naming the other pid) when taken.
 */
static int
server_pidfile_open(const struct veil_config *cfg, char **pathp)
{
	struct flock	 fl;
	char		*path, buf[32];
	ssize_t		 n;
	int		 fd;

	xasprintf(&path, "%s/%s", cfg->home, SERVER_PIDFILE);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		log_warn("%s", path);
		free(path);
		return (-1);
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_SETLK, &fl) == -1) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\r\n")] = '\0';
		if (errno == EACCES || errno == EAGAIN)
			log_warnx("og-veil is already serving from %s "
			    "(pid %s): stop it first with `og-veil stop`",
			    cfg->home, *buf != '\0' ? buf : "unknown");
		else
			log_warn("lock %s", path);
		close(fd);
		free(path);
		return (-1);
	}
	snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, buf, strlen(buf), 0) != (ssize_t)strlen(buf)) {
		log_warn("write %s", path);
		close(fd);
		free(path);
		return (-1);
	}
	*pathp = path;
	return (fd);
}

/*
 * Why the server cannot serve a chat now (NULL: it can): /health is
 * liveness, this is readiness (/health/ready, `og-veil status`, STATUS=).
 */
const char *
server_unready_reason(const struct veil *vl)
{
	if (vl->vl_draining)
		return ("shutting down");
	if (!vl->vl_logged_in)
		return ("not logged in: run `og-veil login`");
	if (!auth_session_can_serve(&vl->vl_session))
		return ("the login names no TEE registry: sign in again");
	if (vl->vl_tee == NULL && tee_retry_after(vl) > 0)
		return ("every TEE is quarantined after failing verification "
		    "(og-veil status shows why)");
	if (vl->vl_tee == NULL)
		return ("no usable TEE selected yet");
	return (NULL);
}

/*
 * Tell systemd what the server does now (STATUS=, shown by systemctl
 * status), when it changed.
 */
void
server_notify_status(const struct veil *vl)
{
	static char	 last[512];
	const char	*why;
	char		 msg[512];

	if (getenv("NOTIFY_SOCKET") == NULL)
		return;
	if ((why = server_unready_reason(vl)) == NULL)
		snprintf(msg, sizeof(msg), "STATUS=serving on %s:%d via TEE "
		    "%.18s...", vl->vl_cfg->host, vl->vl_cfg->port,
		    vl->vl_tee->te_id);
	else if (vl->vl_draining)
		snprintf(msg, sizeof(msg), "STATUS=draining %zu request(s)",
		    vl->vl_nreqs);
	else
		snprintf(msg, sizeof(msg), "STATUS=listening on %s:%d, not "
		    "ready: %s", vl->vl_cfg->host, vl->vl_cfg->port, why);
	if (strcmp(msg, last) == 0)
		return;
	memcpy(last, msg, sizeof(last));
	server_notify(msg);
}

/* Every few seconds: STATUS= follows logins, logouts and TEE changes. */
static void
server_status_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	if (server_ready)
		server_notify_status(arg);
}

/* GET /health/ready: 200 when a chat can be served, else 503 and why. */
void
server_health_ready(struct veil *vl, struct evhttp_request *er)
{
	struct buf	 b;
	const char	*why = server_unready_reason(vl);

	buf_init(&b);
	buf_printf(&b, "{\"ready\":%s,\"reason\":", why == NULL ? "true" :
	    "false");
	if (why != NULL)
		pyjson_write_string(&b, why, strlen(why), 0);
	else
		buf_add_str(&b, "null");
	buf_add_str(&b, ",\"tee_id\":");
	if (vl->vl_tee != NULL)
		pyjson_write_string(&b, vl->vl_tee->te_id,
		    strlen(vl->vl_tee->te_id), 0);
	else
		buf_add_str(&b, "null");
	buf_printf(&b, ",\"logged_in\":%s}", vl->vl_logged_in ? "true" :
	    "false");
	api_reply_json(er, why == NULL ? 200 : 503, &b);
}

static void
server_tee_ready_cb(void *arg, struct tee *te, int status, const char *msg)
{
	struct veil	*vl = arg;

	if (te == NULL)
		log_warnx("no TEE yet (%d: %s); serving anyway, requests "
		    "will retry the selection", status,
		    msg != NULL ? msg : "unknown");
	else {
		log_info("TEE %s selected (%s)", te->te_id,
		    te->te_endpoint != NULL ? te->te_endpoint : "-");
		tee_unref(te);
	}
	/* Ready for systemd means listening and done with the first try. */
	if (!server_ready) {
		server_ready = 1;
		server_notify("READY=1");
	}
	server_notify_status(vl);
}

static void
server_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct veil	*vl = arg;
	struct timeval	 tv = { 0, 100 * 1000 };

	(void)what;
	/* SIGUSR1 as well: its default action would end the daemon. */
	if (sig == SIGHUP || sig == SIGUSR1) {
		if (log_reopen() == -1)
			log_warn("log reopen");
		else
			log_info("log reopened");
		return;
	}
	if (vl->vl_draining) {
		log_info("second signal: exiting now");
		event_base_loopexit(vl->vl_base, NULL);
		return;
	}
	log_info("signal %d: draining %zu request(s), up to %d s",
	    (int)sig, vl->vl_nreqs, SERVER_GRACE_SECONDS);
	server_notify("STOPPING=1");
	vl->vl_draining = 1;
	server_notify_status(vl);
	if (server_bound != NULL) {
		server_conn_unlisten();
		evhttp_del_accept_socket(server_http, server_bound);
		server_bound = NULL;
	}
	gettimeofday(&server_drain_start, NULL);
	server_drain_ev = event_new(vl->vl_base, -1, EV_PERSIST,
	    server_drain_cb, vl);
	if (server_drain_ev == NULL)
		fatalx("event_new");
	event_add(server_drain_ev, &tv);
}

static void
server_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct veil	*vl = arg;
	struct timeval	 now;

	(void)fd;
	(void)what;
	gettimeofday(&now, NULL);
	if (vl->vl_nreqs == 0) {
		log_info("drained");
		event_base_loopexit(vl->vl_base, NULL);
	} else if (now.tv_sec - server_drain_start.tv_sec >=
	    SERVER_GRACE_SECONDS) {
		log_warnx("grace period over: %zu request(s) cut short",
		    vl->vl_nreqs);
		event_base_loopexit(vl->vl_base, NULL);
	}
}

/* Run the daemon until SIGTERM/SIGINT; the exit status. */
/*
 * The loop's event base.  With libevent's changelist the adds, deletes and
 * modifications of one fd within a loop pass become one epoll_ctl (evhttp
 * re-arms each connection several times per request: 10 epoll_ctl calls
 * per proxied request without it, 6 with it).  The changelist is unsafe
 * only for fds cloned with dup(); og-veil never dups a socket.
 */
static struct event_base *
server_base_new(void)
{
	struct event_config	*ec;
	struct event_base	*base;

	if ((ec = event_config_new()) == NULL)
		return (NULL);
	(void)event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return (base);
}

int
server_run(const struct veil_config *cfg)
{
	struct veil	 vl;
	struct event	*sigs[5];
	const int	 signos[5] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
			    SIGPIPE };
	struct event	*status_ev = NULL;
	struct timeval	 status_tv = { 5, 0 };
	char		 errbuf[512], *pidpath = NULL, *confpath;
	int		 pidfd = -1, status = 1, r;
	size_t		 i;

	memset(&vl, 0, sizeof(vl));
	memset(sigs, 0, sizeof(sigs));
	TAILQ_INIT(&vl.vl_reqs);
	vl.vl_cfg = cfg;
	server_ready = 0;
	server_bound = NULL;
	server_drain_ev = NULL;

	if (!server_is_loopback(cfg->host) && (cfg->api_key == NULL ||
	    *cfg->api_key == '\0')) {
		log_warnx("refusing to listen on %s without an API key: it is "
		    "not a loopback address, so other machines could use your "
		    "login; set --api-key or OG_VEIL_API_KEY", cfg->host);
		return (1);
	}
	if ((pidfd = server_pidfile_open(cfg, &pidpath)) == -1)
		return (1);
	server_limits(cfg);
	signal(SIGPIPE, SIG_IGN);
	/* Until the loop handles it (reopening the log), it must not kill. */
	signal(SIGUSR1, SIG_IGN);

	if ((vl.vl_base = server_base_new()) == NULL)
		fatalx("event_base_new");
	log_batch(vl.vl_base);
	vl.vl_dns = evdns_base_new(vl.vl_base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS);
	if (vl.vl_dns == NULL) {
		log_warnx("no DNS configuration; resolving only addresses");
		if ((vl.vl_dns = evdns_base_new(vl.vl_base, 0)) == NULL)
			fatalx("evdns_base_new");
	}
	if ((vl.vl_store = store_open(cfg->home, errbuf,
	    sizeof(errbuf))) == NULL) {
		log_warnx("%s", errbuf);
		goto out;
	}
	r = store_session_load(vl.vl_store, &vl.vl_session);
	if (r == -1) {
		log_warnx("cannot read the login from the store");
		goto out;
	}
	vl.vl_logged_in = r == 0;
	/* From here on the store is used from the loop: never wait long. */
	store_set_busy_ms(vl.vl_store, STORE_LOOP_BUSY_MS);
	if (!vl.vl_logged_in)
		log_warnx("not logged in: run `og-veil login`; requests get "
		    "401 until then");
	if (cfg->receipts_max > 0 && (vl.vl_receipts = receipt_writer_new(
	    vl.vl_base, cfg->home, (uint64_t)cfg->receipts_max,
	    (int64_t)cfg->receipts_days * 86400, errbuf, sizeof(errbuf))) ==
	    NULL)
		log_warnx("receipts: %s: serving without receipts", errbuf);
	if ((vl.vl_http = http_client_new(vl.vl_base, vl.vl_dns, cfg->ca_file,
	    errbuf, sizeof(errbuf))) == NULL) {
		log_warnx("%s", errbuf);
		goto out;
	}

	if ((server_http = evhttp_new(vl.vl_base)) == NULL)
		fatalx("evhttp_new");
	server_bound = evhttp_bind_socket_with_handle(server_http, cfg->host,
	    (ev_uint16_t)cfg->port);
	if (server_bound == NULL) {
		log_warn("cannot listen on %s:%d (in use? another og-veil "
		    "or another program may hold the port)", cfg->host,
		    cfg->port);
		goto out;
	}
	/*
	 * evhttp listens with a backlog of 128: agents connecting in a burst
	 * would overflow it and wait for SYN retransmits (1 s, 3 s, ...).
	 * listen() again on the bound socket only raises the backlog.
	 */
	(void)listen(evhttp_bound_socket_get_fd(server_bound), SERVER_BACKLOG);
	if (!server_fd_is_loopback(evhttp_bound_socket_get_fd(server_bound)) &&
	    (cfg->api_key == NULL || *cfg->api_key == '\0')) {
		log_warnx("refusing to listen on %s without an API key: it is "
		    "not a loopback address, so other machines could use your "
		    "login; set --api-key or OG_VEIL_API_KEY", cfg->host);
		goto out;
	}
	/* Above ours: api.c answers 431 in the OpenAI envelope up to here. */
	evhttp_set_max_headers_size(server_http,
	    (ev_ssize_t)(cfg->max_headers * 2 + 8192));
	evhttp_set_max_body_size(server_http, (ev_ssize_t)cfg->max_body);
	/* Idle and slow agents: a read or write stalled this long is cut. */
	evhttp_set_timeout(server_http, 60);
	evhttp_set_allowed_methods(server_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(server_http, "application/json");
	evhttp_set_gencb(server_http, api_request_cb, &vl);
	server_conn_start(vl.vl_base, server_http,
	    evhttp_bound_socket_get_listener(server_bound), server_max_conns,
	    cfg->max_headers, cfg->body_timeout);
	log_info("og-veil %s listening on http://%s:%d/v1", OG_VEIL_VERSION,
	    cfg->host, cfg->port);
	/* Only a server that listens tells clients and restart its settings. */
	confpath = config_path(cfg, CMD_SERVE_CONF);
	if (config_save_file(cfg, confpath, errbuf, sizeof(errbuf)) == -1)
		log_warnx("%s", errbuf);
	free(confpath);

	for (i = 0; i < sizeof(signos) / sizeof(signos[0]); i++) {
		if (signos[i] == SIGPIPE)
			continue;
		sigs[i] = evsignal_new(vl.vl_base, signos[i], server_signal_cb,
		    &vl);
		if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) == -1)
			fatalx("evsignal");
	}
	tee_refresh_start(&vl);
	if (getenv("NOTIFY_SOCKET") != NULL &&
	    (status_ev = event_new(vl.vl_base, -1, EV_PERSIST,
	    server_status_cb, &vl)) != NULL)
		event_add(status_ev, &status_tv);
	if (vl.vl_logged_in && vl.vl_session.rpc_url != NULL)
		tee_select(&vl, server_tee_ready_cb, &vl);
	else
		server_tee_ready_cb(&vl, NULL, 503, vl.vl_logged_in ?
		    "the login has no TEE registry configured" :
		    "not logged in");

	event_base_dispatch(vl.vl_base);
	if (!vl.vl_draining)
		server_notify("STOPPING=1");
	status = 0;

out:
	tee_cancel(&vl, &vl);
	req_abort_all(&vl, "og-veil is shutting down");
	/* Deferred frees of the requests run here. */
	if (vl.vl_base != NULL)
		event_base_loop(vl.vl_base, EVLOOP_NONBLOCK);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (server_drain_ev != NULL) {
		event_free(server_drain_ev);
		server_drain_ev = NULL;
	}
	if (status_ev != NULL)
		event_free(status_ev);
	if (server_http != NULL) {
		evhttp_free(server_http);
		server_http = NULL;
		server_bound = NULL;
	}
	server_conn_stop();
	if (vl.vl_base != NULL) {
		token_clear(&vl);
		tee_clear_all(&vl);
	}
	receipt_writer_free(vl.vl_receipts);
	http_client_free(vl.vl_http);
	if (vl.vl_dns != NULL)
		evdns_base_free(vl.vl_dns, 0);
	if (vl.vl_store != NULL)
		store_close(vl.vl_store);
	session_clear(&vl.vl_session);
	model_cleanup();
	log_batch(NULL);
	if (vl.vl_base != NULL)
		event_base_free(vl.vl_base);
	if (pidpath != NULL) {
		unlink(pidpath);
		free(pidpath);
	}
	close(pidfd);
	log_info("og-veil stopped");
	return (status);
}

/*
 * cmd-http.c: a small blocking HTTP/1.0 client for the running server on
 * loopback, for the CLI only (the CLI may block; the daemon never does).
 * PROTOCOL.md §10 for the answers.
 */
#include "compat.h"

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "og-veil.h"
#include "xmalloc.h"

static int	 cmd_http_connect(const struct veil_config *, char *, size_t);
static int	 cmd_http_dechunk(char *, size_t *);

/* A TCP connection to the configured host and port; -1 with errbuf. */
static int
cmd_http_connect(const struct veil_config *cfg, char *errbuf, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	const char	*host = cfg->host;
	char		 port[16];
	int		 fd = -1, e;

	if (strcmp(host, "0.0.0.0") == 0)
		host = "127.0.0.1";
	else if (strcmp(host, "::") == 0)
		host = "::1";
	snprintf(port, sizeof(port), "%d", cfg->port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((e = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(errbuf, errlen, "%s: %s", host, gai_strerror(e));
		return (-1);
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
	}
	if (fd == -1)
		snprintf(errbuf, errlen, "cannot connect to %s:%s: %s", host,
		    port, strerror(errno));
	freeaddrinfo(res);
	return (fd);
}

/* Decode a chunked body in place; -1 when malformed. */
static int
cmd_http_dechunk(char *p, size_t *lenp)
{
	size_t		 in = 0, out = 0, len = *lenp;
	unsigned long	 n;
	char		*end;

	for (;;) {
		if (in >= len)
			return (-1);
		errno = 0;
		n = strtoul(p + in, &end, 16);
		if (errno != 0 || end == p + in)
			return (-1);
		if ((end = strstr(end, "\r\n")) == NULL)
			return (-1);
		in = (size_t)(end - p) + 2;
		if (n == 0)
			break;
		if (n > len - in || len - in - n < 2)
			return (-1);
		memmove(p + out, p + in, n);
		out += n;
		in += n + 2;
	}
	p[out] = '\0';
	*lenp = out;
	return (0);
}

/*
 * A blocking HTTP/1.0 request to the running server (loopback; CLI only).
 * method, path, optional JSON body; timeout in seconds for the whole
 * exchange.  0 with *status and a new NUL-terminated *body, or -1.
 */
int
cmd_http(const struct veil_config *cfg, const char *method, const char *path,
    const char *body, size_t bodylen, int timeout, int *status, char **resp,
    size_t *resplen, char *errbuf, size_t errlen)
{
	struct pollfd	 pfd;
	struct buf	 hb;
	char		*req = NULL, *p = NULL, *hend, *line, *te;
	size_t		 len = 0, cap = 0, off, reqlen = 0;
	ssize_t		 n;
	time_t		 deadline = time(NULL) + timeout;
	int		 fd, chunked = 0, rc = -1, ms;

	*resp = NULL;
	*resplen = 0;
	if ((fd = cmd_http_connect(cfg, errbuf, errlen)) == -1)
		return (-1);
	buf_init(&hb);
	buf_printf(&hb, "%s %s HTTP/1.0\r\nHost: %s%s%s:%d\r\n"
	    "User-Agent: og-veil/%s\r\nAccept: */*\r\n"
	    "Connection: close\r\n", method, path,
	    strchr(cfg->host, ':') != NULL ? "[" : "", cfg->host,
	    strchr(cfg->host, ':') != NULL ? "]" : "", cfg->port,
	    OG_VEIL_VERSION);
	if (cfg->api_key != NULL)
		buf_printf(&hb, "Authorization: Bearer %s\r\n", cfg->api_key);
	if (body != NULL)
		buf_printf(&hb, "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n", bodylen);
	buf_add_str(&hb, "\r\n");
	req = (char *)buf_detach(&hb, &reqlen);
	for (off = 0; off < reqlen; off += (size_t)n) {
		n = write(fd, req + off, reqlen - off);
		if (n <= 0) {
			snprintf(errbuf, errlen, "write: %s", strerror(errno));
			goto done;
		}
	}
	for (off = 0; body != NULL && off < bodylen; off += (size_t)n) {
		n = write(fd, body + off, bodylen - off);
		if (n <= 0) {
			snprintf(errbuf, errlen, "write: %s", strerror(errno));
			goto done;
		}
	}
	for (;;) {
		ms = (int)(deadline - time(NULL)) * 1000;
		if (ms <= 0) {
			snprintf(errbuf, errlen, "no complete answer within %d "
			    "seconds", timeout);
			goto done;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, ms) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(errbuf, errlen, "poll: %s", strerror(errno));
			goto done;
		}
		if (cap - len < 16384) {
			cap = cap == 0 ? 65536 : cap * 2;
			p = xrealloc(p, cap + 1);
		}
		n = read(fd, p + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(errbuf, errlen, "read: %s", strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > 256U * 1024 * 1024) {
			snprintf(errbuf, errlen, "answer too large");
			goto done;
		}
	}
	if (p == NULL) {
		snprintf(errbuf, errlen, "the server closed the connection "
		    "without an answer");
		goto done;
	}
	p[len] = '\0';
	if (len < 12 || strncmp(p, "HTTP/1.", 7) != 0 ||
	    (hend = strstr(p, "\r\n\r\n")) == NULL) {
		snprintf(errbuf, errlen, "malformed HTTP answer");
		goto done;
	}
	*status = atoi(p + 9);
	*hend = '\0';
	for (line = strstr(p, "\r\n"); line != NULL;
	    line = strstr(line + 2, "\r\n")) {
		if (strncasecmp(line + 2, "Transfer-Encoding:", 18) != 0)
			continue;
		te = line + 20;
		while (*te == ' ')
			te++;
		if (strncasecmp(te, "chunked", 7) == 0)
			chunked = 1;
	}
	off = (size_t)(hend - p) + 4;
	len -= off;
	memmove(p, p + off, len);
	p[len] = '\0';
	if (chunked && cmd_http_dechunk(p, &len) == -1) {
		snprintf(errbuf, errlen, "malformed chunked answer");
		goto done;
	}
	*resp = p;
	*resplen = len;
	p = NULL;
	rc = 0;
done:
	close(fd);
	free(p);
	xfree_secret(req, reqlen);
	return (rc);
}

/* 1 when GET /health answers as og-veil's does. */
int
cmd_http_healthy(const struct veil_config *cfg)
{
	char	*body, errbuf[128];
	size_t	 len;
	int	 status;

	if (cmd_http(cfg, "GET", "/health", NULL, 0, 2, &status, &body, &len,
	    errbuf, sizeof(errbuf)) == -1)
		return (0);
	/* Our server's /health names its version; another program's won't. */
	status = status == 200 && strstr(body, "\"version\"") != NULL;
	free(body);
	return (status);
}

/*
 * Wait for a server that may be starting (`og-veil serve -f &` and at once
 * a client verb): up to appear seconds for its pidfile, then up to answer
 * seconds in all for /health, re-reading its server.conf (the port) as it
 * comes.  1 when it answers.
 */
int
cmd_http_wait_server(struct veil_config *cfg, int appear, int answer)
{
	struct timespec	 ts = { 0, 100 * 1000 * 1000 };
	time_t		 start = time(NULL);
	long		 pid;
	int		 seen = 0;

	for (;;) {
		if (cmd_pidfile_read(cfg, &pid) == 1) {
			seen = 1;
			cmd_client_adopt(cfg);
			if (cmd_http_healthy(cfg))
				return (1);
		}
		if (time(NULL) - start >= (seen ? answer : appear))
			return (0);
		nanosleep(&ts, NULL);
	}
}

/*
 * log.c: the log.h API (OpenBSD shape) for the og-veil daemon and CLI.
 * Lines go to stderr under `serve -f`, or to $OG_VEIL_HOME/server.log when
 * detached (reopened on SIGHUP for rotation).  Each line carries a UTC
 * timestamp and a level; debug lines only with -v; colours only on a TTY.
 * libevent's internal messages and OpenSSL's error queue are routed here.
 * Callers never pass a token, prompt or completion (STYLE.md §3.3), and
 * libevent's debug output is never enabled: it quotes every header, the
 * bearer token and the agent's API key among them, at any -v.  A message
 * may still carry text an upstream chose (a registry endpoint, a relay's
 * error): every control character is written as \xNN, so no message can
 * forge a line or drive a terminal.
 */
#include "compat.h"

#include <sys/stat.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/err.h>

#include "bytes.h"
#include "escape.h"
#include "og-veil.h"
#include "xmalloc.h"

#define LOG_MAX_LINE	(16 * 1024)	/* longer messages are cut */

enum log_level {
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_FATAL
};

/* sd-daemon(3) priorities: debug 7, info 6, warning 4, crit 2. */
static const struct {
	const char	*name;
	const char	*colour;
	int		 prio;
} log_levels[] = {
	[LOG_LEVEL_DEBUG] = { "debug", "\033[2m", 7 },
	[LOG_LEVEL_INFO] = { "info", "", 6 },
	[LOG_LEVEL_WARN] = { "warn", "\033[33m", 4 },
	[LOG_LEVEL_FATAL] = { "fatal", "\033[31m", 2 }
};

static FILE	*log_fp;		/* stderr or the log file */
static char	*log_path;		/* owned or NULL: the log file */
static int	 log_verbose;
static int	 log_colour;
static int	 log_journal;		/* stderr is journald's stream */

/*
 * Batching (log_batch()): under the server's loop, info and debug lines
 * wait in log_pending for log_flush_ev, which the loop runs after the
 * callbacks of the current pass: one write for all the lines of a pass,
 * not one per request.  A warning or a fatal line writes what waits, then
 * itself, at once; so does LOG_BATCH_MAX bytes waiting.
 */
#define LOG_BATCH_MAX	(16 * 1024)
static struct event	*log_flush_ev;	/* owned; NULL: a write per line */
static struct buf	 log_pending;

static void	 log_write(FILE *, const uint8_t *, size_t);
static void	 log_flush(void);
static void	 log_vlog(enum log_level, const char *, const char *, va_list)
		    __attribute__((__format__(__printf__, 3, 0)));
static void	 log_event_cb(int, const char *);
static FILE	*log_open_file(const char *);
static int	 log_is_journal(FILE *);

/*
 * 1 when fp is the stream systemd connected to the journal
 * ($JOURNAL_STREAM is its device:inode): lines then carry a <N> priority
 * prefix and no timestamp, which journald adds itself.
 */
static int
log_is_journal(FILE *fp)
{
	struct stat		 st;
	const char		*js = getenv("JOURNAL_STREAM");
	unsigned long long	 dev, ino;

	if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(fileno(fp), &st) == -1)
		return (0);
	return ((unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino);
}

/*
 * libevent's own messages (event_set_log_callback) at the matching level.
 * Its debug messages are dropped even if something enabled them: they
 * quote headers.
 */
static void
log_event_cb(int severity, const char *msg)
{
	switch (severity) {
	case EVENT_LOG_DEBUG:
		break;
	case EVENT_LOG_MSG:
		log_info("libevent: %s", msg);
		break;
	default:
		log_warnx("libevent: %s", msg);
		break;
	}
}

static FILE *
log_open_file(const char *path)
{
	FILE	*fp;
	int	 fd;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (fd == -1)
		return (NULL);
	(void)fchmod(fd, 0600);
	if ((fp = fdopen(fd, "a")) == NULL) {
		close(fd);
		return (NULL);
	}
	setvbuf(fp, NULL, _IOLBF, 0);
	return (fp);
}

/*
 * Start logging.  foreground: to stderr; otherwise to path (appended, 0600)
 * or, when path is NULL or cannot be opened, to stderr.  verbose enables
 * debug lines.  May be called again to switch.
 */
void
log_init(int foreground, int verbose, const char *path)
{
	FILE	*fp = NULL;

	log_close();
	log_verbose = verbose;
	if (!foreground && path != NULL) {
		if ((fp = log_open_file(path)) != NULL)
			log_path = xstrdup(path);
	}
	log_fp = fp != NULL ? fp : stderr;
	log_journal = log_is_journal(log_fp);
	log_colour = !log_journal && isatty(fileno(log_fp)) &&
	    getenv("NO_COLOR") == NULL;
	event_set_log_callback(log_event_cb);
	/* Never event_enable_debug_logging(): see the top of this file. */
	event_enable_debug_logging(EVENT_DBG_NONE);
}

/* Whole lines to fp in one write (stderr is unbuffered). */
static void
log_write(FILE *fp, const uint8_t *p, size_t len)
{
	flockfile(fp);
	fwrite(p, 1, len, fp);
	fflush(fp);
	funlockfile(fp);
}

/* Write the lines waiting for log_flush_ev, if any. */
static void
log_flush(void)
{
	if (log_pending.len == 0)
		return;
	log_write(log_fp != NULL ? log_fp : stderr, log_pending.data,
	    log_pending.len);
	log_pending.len = 0;
}

static void
log_flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	log_flush();
}

/*
 * Batch info and debug lines per pass of base's loop (see above); with
 * NULL, write what waits and go back to a write per line.  The server
 * calls it with its base, and with NULL before freeing that base.
 */
void
log_batch(struct event_base *base)
{
	log_flush();
	if (log_flush_ev != NULL) {
		event_free(log_flush_ev);
		log_flush_ev = NULL;
		buf_clear(&log_pending, 0);
	}
	if (base != NULL) {
		if ((log_flush_ev = event_new(base, -1, 0, log_flush_cb,
		    NULL)) == NULL)
			return;	/* a write per line, as before */
		buf_init(&log_pending);
	}
}

/* Reopen the log file (SIGHUP after rotation); 0, or -1 keeping the old. */
int
log_reopen(void)
{
	FILE	*fp;

	if (log_path == NULL)
		return (0);
	log_flush();	/* what waits belongs to the old file */
	if ((fp = log_open_file(log_path)) == NULL)
		return (-1);
	if (log_fp != NULL && log_fp != stderr)
		fclose(log_fp);
	log_fp = fp;
	log_colour = 0;
	log_journal = 0;
	return (0);
}

/* Close the log file; later messages go to stderr. */
void
log_close(void)
{
	log_flush();
	if (log_fp != NULL && log_fp != stderr)
		fclose(log_fp);
	log_fp = NULL;
	free(log_path);
	log_path = NULL;
}


static void
log_vlog(enum log_level level, const char *suffix, const char *fmt,
    va_list ap)
{
	FILE		*fp = log_fp != NULL ? log_fp : stderr;
	struct timeval	 tv;
	struct tm	 tm;
	struct buf	 line;
	char		 ts[32], head[96], small[512], *msg = small;
	int		 colour = log_fp != NULL ? log_colour :
			    isatty(STDERR_FILENO), n;
	va_list		 ap2;

	if (level == LOG_LEVEL_DEBUG && log_verbose == 0)
		return;
	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);

	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		small[0] = '\0';
		n = 0;
	} else if ((size_t)n >= sizeof(small)) {
		if (n > LOG_MAX_LINE)
			n = LOG_MAX_LINE;
		msg = xmalloc((size_t)n + 1);
		(void)vsnprintf(msg, (size_t)n + 1, fmt, ap);
	}
	/* The whole line in one buffer: stderr is unbuffered, one write. */
	buf_init(&line);
	if (log_journal && fp == log_fp)
		(void)snprintf(head, sizeof(head), "<%d>%s%s",
		    log_levels[level].prio, level >= LOG_LEVEL_WARN ?
		    log_levels[level].name : "", level >= LOG_LEVEL_WARN ?
		    ": " : "");
	else if (colour && log_levels[level].colour[0] != '\0')
		(void)snprintf(head, sizeof(head), "%s.%03dZ %s%-5s\033[0m ",
		    ts, (int)(tv.tv_usec / 1000), log_levels[level].colour,
		    log_levels[level].name);
	else
		(void)snprintf(head, sizeof(head), "%s.%03dZ %-5s ", ts,
		    (int)(tv.tv_usec / 1000), log_levels[level].name);
	buf_add_str(&line, head);
	escape_ctl(&line, msg, (size_t)n, 0);
	if (msg != small)
		free(msg);
	if (suffix != NULL) {
		buf_add_str(&line, ": ");
		escape_ctl(&line, suffix, strlen(suffix), 0);
	}

	buf_add(&line, "\n", 1);
	if (log_flush_ev != NULL && level <= LOG_LEVEL_INFO &&
	    fp == log_fp) {
		buf_add(&log_pending, line.data, line.len);
		if (log_pending.len >= LOG_BATCH_MAX)
			log_flush();
		else
			event_active(log_flush_ev, 0, 1);
		buf_clear(&line, 0);
		return;
	}
	log_flush();	/* the lines before this one, first */
	log_write(fp, line.data, line.len);
	buf_clear(&line, 0);
}

/* A warning with strerror(errno) appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* A warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_WARN, NULL, fmt, ap);
	va_end(ap);
}

/* An informational line. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* A debug line, only with -v. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_verbose == 0)
		return;
	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Log with strerror(errno) and exit 1: startup and broken invariants only. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_FATAL, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* Log and exit 1. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vlog(LOG_LEVEL_FATAL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Drain OpenSSL's error queue, one warning per entry, prefixed by what. */
void
log_openssl(const char *what)
{
	unsigned long	 e;
	char		 buf[256];
	int		 n = 0;

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		log_warnx("%s: %s", what, buf);
		n++;
	}
	if (n == 0)
		log_warnx("%s: no OpenSSL error queued", what);
}

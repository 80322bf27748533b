/*
 * cmd.c: the command table, unique-prefix lookup and the command line
 * parser (global flags before or after the command, the command's own
 * flags from its entry), plus what several commands share: the store, the
 * pidfile and a small blocking HTTP client for the server on loopback (the
 * CLI may block; the daemon never does).  PROTOCOL.md §10 for the answers.
 */
#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "og-veil.h"
#include "xmalloc.h"

extern const struct cmd_entry cmd_env_entry;
extern const struct cmd_entry cmd_login_entry;
extern const struct cmd_entry cmd_logout_entry;
extern const struct cmd_entry cmd_models_entry;
extern const struct cmd_entry cmd_restart_entry;
extern const struct cmd_entry cmd_serve_entry;
extern const struct cmd_entry cmd_setup_entry;
extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_stop_entry;
extern const struct cmd_entry cmd_test_entry;
extern const struct cmd_entry cmd_update_entry;

static int	 cmd_help_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.args = { "", 0, 1 },
	.usage = "[command]",
	.help = "Show the commands, or one command's flags.",
	.exec = cmd_help_exec
};

const struct cmd_entry *const cmd_table[] = {
	&cmd_serve_entry,
	&cmd_stop_entry,
	&cmd_restart_entry,
	&cmd_status_entry,
	&cmd_env_entry,
	&cmd_models_entry,
	&cmd_test_entry,
	&cmd_login_entry,
	&cmd_logout_entry,
	&cmd_setup_entry,
	&cmd_update_entry,
	&cmd_help_entry,
	NULL
};

/* Global flags: accepted before or after the command. */
#define CMD_G_HOST		256
#define CMD_G_PORT		257
#define CMD_G_TEE_ID		258
#define CMD_G_PCR		259
#define CMD_G_APP_URL		260
#define CMD_G_API_KEY		261
#define CMD_G_CA_FILE		262
#define CMD_G_ALLOW_ORIGIN	263
#define CMD_G_ALLOW_HOST	264
#define CMD_G_MAX_BODY		265
#define CMD_G_MAX_RESPONSE	266
#define CMD_G_MAX_UNVERIFIED	267
#define CMD_G_MAX_CONNS		268
#define CMD_G_REFRESH		269
#define CMD_G_MAX_HEADERS	270
#define CMD_G_FIRST_BYTE	271
#define CMD_G_KEEPALIVE		272
#define CMD_G_SHORT		"c:hvV"

static const struct option cmd_global_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "host", required_argument, NULL, CMD_G_HOST },
	{ "port", required_argument, NULL, CMD_G_PORT },
	{ "tee-id", required_argument, NULL, CMD_G_TEE_ID },
	{ "expected-pcr", required_argument, NULL, CMD_G_PCR },
	{ "app-url", required_argument, NULL, CMD_G_APP_URL },
	{ "api-key", required_argument, NULL, CMD_G_API_KEY },
	{ "ca-file", required_argument, NULL, CMD_G_CA_FILE },
	{ "allow-origin", required_argument, NULL, CMD_G_ALLOW_ORIGIN },
	{ "allow-host", required_argument, NULL, CMD_G_ALLOW_HOST },
	{ "max-body", required_argument, NULL, CMD_G_MAX_BODY },
	{ "max-response", required_argument, NULL, CMD_G_MAX_RESPONSE },
	{ "max-unverified", required_argument, NULL, CMD_G_MAX_UNVERIFIED },
	{ "max-conns", required_argument, NULL, CMD_G_MAX_CONNS },
	{ "max-headers", required_argument, NULL, CMD_G_MAX_HEADERS },
	{ "tee-refresh-interval", required_argument, NULL, CMD_G_REFRESH },
	{ "first-byte", required_argument, NULL, CMD_G_FIRST_BYTE },
	{ "keepalive", required_argument, NULL, CMD_G_KEEPALIVE },
	{ NULL, 0, NULL, 0 }
};
#define CMD_NGLOBAL \
	(sizeof(cmd_global_options) / sizeof(cmd_global_options[0]) - 1)

/* A global flag seen on the command line, applied after the environment. */
struct cmd_setting {
	const char	*name;		/* config_set() name */
	const char	*value;		/* argv memory */
};

struct cmd_parse_state {
	struct cmd_setting	*settings;
	size_t			 nsettings;
	const char		*conf_file;
	int			 verbose;
	int			 help;
	int			 version;
};

static int	 cmd_global(struct cmd_parse_state *, int, const char *);
static int	 cmd_getopt(const char *, int, char **, const char *,
		    const struct option *, struct cmd_parse_state *,
		    struct cmd_args *, int);
static const char *cmd_option_name(const struct option *, int);
static int	 cmd_pid_alive(long);
static int	 cmd_connect(const struct veil_config *, char *, size_t);

/* Exact name or alias, else a unique prefix; NULL (*ambiguous set). */
const struct cmd_entry *
cmd_find(const char *name, int *ambiguous)
{
	const struct cmd_entry	*const *e, *found = NULL;
	size_t			 len = strlen(name);

	*ambiguous = 0;
	if (len == 0)
		return (NULL);
	for (e = cmd_table; *e != NULL; e++) {
		if (strcmp((*e)->name, name) == 0 || ((*e)->alias != NULL &&
		    strcmp((*e)->alias, name) == 0))
			return (*e);
	}
	for (e = cmd_table; *e != NULL; e++) {
		if (strncmp((*e)->name, name, len) != 0 &&
		    ((*e)->alias == NULL ||
		    strncmp((*e)->alias, name, len) != 0))
			continue;
		if (found != NULL && found != *e) {
			*ambiguous = 1;
			return (NULL);
		}
		found = *e;
	}
	return (found);
}

/* Print an entry's usage line, and with full its help and flags. */
void
cmd_usage(FILE *fp, const struct cmd_entry *e, int full)
{
	fprintf(fp, "usage: og-veil %s%s%s\n", e->name,
	    e->usage[0] != '\0' ? " " : "", e->usage);
	if (!full)
		return;
	if (e->alias != NULL)
		fprintf(fp, "alias: %s\n", e->alias);
	fprintf(fp, "\n%s\n", e->help);
	fprintf(fp, "\nGlobal flags (before or after the command): -v, -c "
	    "file, --host, --port,\n--tee-id, --expected-pcr, --app-url, "
	    "--api-key, --ca-file, --allow-origin,\n--allow-host, --max-body, "
	    "--max-response, --max-unverified, --max-conns, --first-byte,\n"
	    "--keepalive.\n"
	    "See og-veil(1).\n");
}

static int
cmd_help_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	const struct cmd_entry	*const *e, *found;
	int			 ambiguous;

	(void)self;
	if (args->argc == 1) {
		if ((found = cmd_find(args->argv[0], &ambiguous)) == NULL) {
			fprintf(stderr, "og-veil: %s command: %s\n",
			    ambiguous ? "ambiguous" : "unknown", args->argv[0]);
			return (CMD_EXIT_USAGE);
		}
		cmd_usage(stdout, found, 1);
		return (CMD_EXIT_OK);
	}
	printf("usage: og-veil [-hVv] [-c file] [global-flags] "
	    "[command [flags]]\n\n");
	printf("Without a command: sign in on first use, then start the "
	    "server in the\nbackground (or say that it runs).\n\n"
	    "commands:\n");
	for (e = cmd_table; *e != NULL; e++)
		printf("  %-8s %s%s%s\n", (*e)->name, (*e)->usage,
		    (*e)->usage[0] != '\0' ? "  " : "", (*e)->help);
	printf("\nglobal flags:\n"
	    "  -c file                  read OG_VEIL_* settings from file\n"
	    "  -v, --verbose            debug logging\n"
	    "  -V, --version            print the version\n"
	    "  --host host              listen address (127.0.0.1)\n"
	    "  --port port              listen port (11434)\n"
	    "  --tee-id id              use only this TEE (0x + 64 hex)\n"
	    "  --expected-pcr hash      require this PCR hash (0x + 64 hex)\n"
	    "  --app-url url            the Chat app (%s)\n"
	    "  --api-key key            require this key from agents\n"
	    "  --ca-file file           extra trusted CA certificates\n"
	    "  --allow-origin origin    allow this browser Origin (repeat)\n"
	    "  --allow-host host        allow this Host header (repeat)\n"
	    "  --max-body bytes         largest request body\n"
	    "  --max-response bytes     largest upstream response\n"
	    "  --max-unverified bytes   streamed bytes held, all streams\n"
	    "  --max-conns n            agent connections at once\n"
	    "  --first-byte seconds     commit a held stream after (2)\n"
	    "  --keepalive seconds      between keep-alives (10)\n"
	    "\nSee og-veil(1).\n", OG_VEIL_DEFAULT_APP_URL);
	return (CMD_EXIT_OK);
}

/* Record a global flag; 0, or 1 when ch is not one. */
static int
cmd_global(struct cmd_parse_state *ps, int ch, const char *arg)
{
	static const struct {
		int		 ch;
		const char	*name;
	} map[] = {
		{ CMD_G_HOST, "host" },
		{ CMD_G_PORT, "port" },
		{ CMD_G_TEE_ID, "tee-id" },
		{ CMD_G_PCR, "expected-pcr" },
		{ CMD_G_APP_URL, "app-url" },
		{ CMD_G_API_KEY, "api-key" },
		{ CMD_G_CA_FILE, "ca-file" },
		{ CMD_G_ALLOW_ORIGIN, "allow-origin" },
		{ CMD_G_ALLOW_HOST, "allow-host" },
		{ CMD_G_MAX_BODY, "max-body" },
		{ CMD_G_MAX_RESPONSE, "max-response" },
		{ CMD_G_MAX_UNVERIFIED, "max-unverified" },
		{ CMD_G_MAX_CONNS, "max-conns" },
		{ CMD_G_MAX_HEADERS, "max-headers" },
		{ CMD_G_REFRESH, "tee-refresh-interval" },
		{ CMD_G_FIRST_BYTE, "first-byte" },
		{ CMD_G_KEEPALIVE, "keepalive" }
	};
	size_t	 i;

	switch (ch) {
	case 'c':
		ps->conf_file = arg;
		return (0);
	case 'h':
		ps->help = 1;
		return (0);
	case 'v':
		ps->verbose++;
		return (0);
	case 'V':
		ps->version = 1;
		return (0);
	}
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].ch != ch)
			continue;
		ps->settings = xreallocarray(ps->settings, ps->nsettings + 1,
		    sizeof(*ps->settings));
		ps->settings[ps->nsettings].name = map[i].name;
		ps->settings[ps->nsettings].value = arg;
		ps->nsettings++;
		return (0);
	}
	return (1);
}

/* The --name of an option value, for messages. */
static const char *
cmd_option_name(const struct option *opts, int val)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if (opts->val == val)
			return (opts->name);
	return (NULL);
}

/*
 * One getopt_long pass.  prog names the command in messages ("" for the
 * global pass).  Returns -1 when done, else an exit status (usage error).
 */
static int
cmd_getopt(const char *prog, int argc, char **argv, const char *shortopts,
    const struct option *longopts, struct cmd_parse_state *ps,
    struct cmd_args *args, int reset)
{
	const char	*name, *bad;
	int		 ch;

	opterr = 0;
	optind = reset ? 0 : 1;
	while ((ch = getopt_long(argc, argv, shortopts, longopts,
	    NULL)) != -1) {
		if (ch == '?' || ch == ':') {
			bad = argv[optind - 1];
			if (optopt != 0 && optopt < 256 && isprint(optopt) &&
			    (bad == NULL || bad[0] != '-' || bad[1] != '-'))
				fprintf(stderr, "og-veil%s%s: %s option -%c\n",
				    *prog != '\0' ? " " : "", prog, ch == ':' ?
				    "missing argument for" : "unknown", optopt);
			else if (ch == ':' && (name = cmd_option_name(longopts,
			    optopt)) != NULL)
				fprintf(stderr, "og-veil%s%s: missing "
				    "argument for --%s\n", *prog != '\0' ?
				    " " : "", prog, name);
			else
				fprintf(stderr, "og-veil%s%s: %s option %s\n",
				    *prog != '\0' ? " " : "", prog, ch == ':' ?
				    "missing argument for" : "unknown",
				    bad != NULL ? bad : "?");
			return (CMD_EXIT_USAGE);
		}
		if (cmd_global(ps, ch, optarg) == 0)
			continue;
		if (ch >= 0 && ch < CMD_MAXOPT) {
			args->flags[ch]++;
			args->values[ch] = optarg;
		}
	}
	return (-1);
}

/*
 * Parse the command line and resolve the configuration.  -1: run
 * (*entry is NULL when no command was given); otherwise the exit status,
 * any message already printed.
 */
int
cmd_parse(int argc, char **argv, const struct cmd_entry **entry,
    struct cmd_args *args, struct veil_config *cfg)
{
	struct cmd_parse_state	 ps;
	const struct cmd_entry	*e = NULL;
	struct option		*opts = NULL;
	char			*shortopts = NULL, errbuf[512];
	size_t			 nopts = 0, i;
	int			 rc, ambiguous, subargc, cfg_ok = 0;
	char			**subargv;

	memset(&ps, 0, sizeof(ps));
	memset(args, 0, sizeof(*args));
	*entry = NULL;

	rc = cmd_getopt("", argc, argv, "+:" CMD_G_SHORT, cmd_global_options,
	    &ps, args, 0);
	if (rc != -1) {
		fprintf(stderr, "run `og-veil help` for the commands and "
		    "flags\n");
		goto done;
	}
	subargc = argc - optind;
	subargv = argv + optind;
	if (subargc > 0) {
		if ((e = cmd_find(subargv[0], &ambiguous)) == NULL) {
			fprintf(stderr, "og-veil: %s command: %s\n", ambiguous ?
			    "ambiguous" : "unknown", subargv[0]);
			usage();
		}
		*entry = e;
		for (i = 0; e->options != NULL && e->options[i].name != NULL;
		    i++)
			;
		nopts = i;
		opts = xcalloc(CMD_NGLOBAL + nopts + 1, sizeof(*opts));
		memcpy(opts, cmd_global_options, CMD_NGLOBAL * sizeof(*opts));
		if (nopts > 0)
			memcpy(opts + CMD_NGLOBAL, e->options,
			    nopts * sizeof(*opts));
		xasprintf(&shortopts, ":%s%s", e->args.template, CMD_G_SHORT);
		rc = cmd_getopt(e->name, subargc, subargv, shortopts, opts,
		    &ps, args, 1);
		if (rc != -1) {
			cmd_usage(stderr, e, 0);
			goto done;
		}
		args->argc = subargc - optind;
		args->argv = subargv + optind;
		if (!ps.help && !ps.version && ((e->args.lower != -1 &&
		    args->argc < e->args.lower) || (e->args.upper != -1 &&
		    args->argc > e->args.upper))) {
			fprintf(stderr, "og-veil %s: %s arguments\n", e->name,
			    args->argc < e->args.lower ? "missing" :
			    "too many");
			cmd_usage(stderr, e, 0);
			rc = CMD_EXIT_USAGE;
			goto done;
		}
	}
	if (ps.version) {
		printf("og-veil %s\n", OG_VEIL_VERSION);
		rc = CMD_EXIT_OK;
		goto done;
	}
	if (ps.help) {
		if (e != NULL && e != &cmd_help_entry)
			cmd_usage(stdout, e, 1);
		else {
			args->argc = 0;
			cmd_help_exec(&cmd_help_entry, args);
		}
		rc = CMD_EXIT_OK;
		goto done;
	}

	if (config_init(cfg, errbuf, sizeof(errbuf)) == -1)
		goto bad_config;
	cfg_ok = 1;
	if (ps.conf_file != NULL && config_load_file(cfg, ps.conf_file,
	    errbuf, sizeof(errbuf)) == -1)
		goto bad_config;
	for (i = 0; i < ps.nsettings; i++) {
		if (config_set(cfg, ps.settings[i].name, ps.settings[i].value,
		    errbuf, sizeof(errbuf)) == -1)
			goto bad_config;
	}
	cfg->verbose = ps.verbose;
	if (config_check(cfg, errbuf, sizeof(errbuf)) == -1)
		goto bad_config;
	args->cfg = cfg;
	rc = -1;
	goto done;

bad_config:
	fprintf(stderr, "og-veil: %s\n", errbuf);
	if (cfg_ok)
		config_clear(cfg);
	rc = CMD_EXIT_USAGE;
done:
	free(ps.settings);
	free(opts);
	free(shortopts);
	return (rc);
}

/* Prepare $OG_VEIL_HOME and open the store; NULL after printing why. */
struct store *
cmd_store_open(const struct veil_config *cfg)
{
	struct store	*st;
	char		 errbuf[512];

	if (config_prepare_home(cfg, errbuf, sizeof(errbuf)) == -1 ||
	    (st = store_open(cfg->home, errbuf, sizeof(errbuf))) == NULL) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		return (NULL);
	}
	return (st);
}

/* 1 when pid is a live process (a zombie counts as gone). */
static int
cmd_pid_alive(long pid)
{
	char	 path[64], buf[512], *p;
	FILE	*fp;
	size_t	 n;

	if (pid <= 0)
		return (0);
	if (kill((pid_t)pid, 0) == -1 && errno != EPERM)
		return (0);
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fp = fopen(path, "r")) == NULL)
		return (1);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) != NULL && p[1] == ' ' && p[2] == 'Z')
		return (0);
	return (1);
}

/*
 * The running server from its pidfile, which it holds an fcntl lock on:
 * 1 and *pid when locked, 0 when there is no pidfile, -1 when the file is
 * stale (nobody holds the lock; *pid is what it says, 0 when unreadable).
 */
int
cmd_server_pid(const struct veil_config *cfg, long *pid)
{
	struct flock	 fl;
	char		*path, buf[32];
	ssize_t		 n;
	int		 fd, rc;
	long		 p;

	*pid = 0;
	xasprintf(&path, "%s/%s", cfg->home, SERVER_PIDFILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	free(path);
	if (fd == -1)
		return (0);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	p = strtol(buf, NULL, 10);
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK) {
		*pid = fl.l_pid > 0 ? (long)fl.l_pid : p;
		rc = 1;
	} else {
		*pid = p > 0 ? p : 0;
		rc = -1;
	}
	close(fd);
	return (rc);
}

/* Remove a stale pidfile and say why it was stale. */
void
cmd_pidfile_remove_stale(const struct veil_config *cfg, long pid)
{
	char	*path;

	xasprintf(&path, "%s/%s", cfg->home, SERVER_PIDFILE);
	if (unlink(path) == 0 || errno == ENOENT) {
		if (pid <= 0)
			printf("removed an unreadable stale pidfile %s\n",
			    path);
		else if (cmd_pid_alive(pid))
			printf("removed stale pidfile %s (pid %ld is not "
			    "og-veil)\n", path, pid);
		else
			printf("removed stale pidfile %s (pid %ld is gone)\n",
			    path, pid);
	} else
		fprintf(stderr, "og-veil: cannot remove %s: %s\n", path,
		    strerror(errno));
	free(path);
}

/* Wait up to secs for pid to exit; 0 when it did. */
int
cmd_wait_exit(long pid, int secs)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < secs * 20; i++) {
		if (!cmd_pid_alive(pid))
			return (0);
		nanosleep(&ts, NULL);
	}
	return (cmd_pid_alive(pid) ? -1 : 0);
}

/* A TCP connection to the configured host and port; -1 with errbuf. */
static int
cmd_connect(const struct veil_config *cfg, char *errbuf, size_t errlen)
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

/* Read up to max bytes of fd into a new string; -1 on error or over max. */
int
cmd_read_all(int fd, size_t max, char **out, size_t *outlen)
{
	char	*p = NULL;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;

	*out = NULL;
	*outlen = 0;
	for (;;) {
		if (cap - len < 4096) {
			cap = cap == 0 ? 8192 : cap * 2;
			p = xrealloc(p, cap + 1);
		}
		n = read(fd, p + len, cap - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(p);
			return (-1);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max) {
			free(p);
			return (-1);
		}
	}
	if (p == NULL)
		p = xmalloc(1);
	p[len] = '\0';
	*out = p;
	*outlen = len;
	return (0);
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
	if ((fd = cmd_connect(cfg, errbuf, errlen)) == -1)
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

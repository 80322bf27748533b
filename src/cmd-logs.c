/*
 * cmd-logs.c: `og-veil logs [-f] [-n lines]`: the end of a detached
 * server's log ($OG_VEIL_HOME/server.log), with -f following it as it
 * grows (and across a rotation) until interrupted.  A server under systemd
 * logs to the journal instead: journalctl -u og-veil.
 */
#include "compat.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "og-veil.h"
#include "xmalloc.h"

#define CMD_LOGS_LINES		20	/* shown by default */
#define CMD_LOGS_MAX_LINES	100000

static int	 cmd_logs_exec(const struct cmd_entry *, struct cmd_args *);
static off_t	 cmd_logs_tail_start(int, long);

static const struct option cmd_logs_options[] = {
	{ "follow", no_argument, NULL, 'f' },
	{ "lines", required_argument, NULL, 'n' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_logs_entry = {
	.name = "logs",
	.args = { "fn:", 0, 0 },
	.options = cmd_logs_options,
	.usage = "[-f] [-n lines]",
	.help = "Show the end of the detached server's log "
	    "($OG_VEIL_HOME/server.log);\n-f (--follow) follows it, -n "
	    "(--lines) sets how many lines (20).\nUnder systemd: journalctl "
	    "-u og-veil.",
	.exec = cmd_logs_exec
};

/* Where the last n lines of fd begin. */
static off_t
cmd_logs_tail_start(int fd, long n)
{
	char	 buf[4096];
	off_t	 pos, end;
	ssize_t	 got, i;
	long	 seen = 0;

	end = lseek(fd, 0, SEEK_END);
	pos = end;
	while (pos > 0) {
		got = pos > (off_t)sizeof(buf) ? (ssize_t)sizeof(buf) :
		    (ssize_t)pos;
		pos -= got;
		if (pread(fd, buf, (size_t)got, pos) != got)
			return (0);
		for (i = got - 1; i >= 0; i--) {
			/* The final newline ends the last line. */
			if (buf[i] == '\n' && pos + i != end - 1 &&
			    ++seen == n)
				return (pos + i + 1);
		}
	}
	return (0);
}

static int
cmd_logs_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct timespec	 ts = { 0, 200 * 1000 * 1000 };
	struct stat	 st, now;
	const char	*errstr;
	char		*path, buf[8192];
	ssize_t		 n;
	long		 lines = CMD_LOGS_LINES;
	int		 fd, nfd;

	(void)self;
	if (args->values['n'] != NULL) {
		lines = (long)strtonum(args->values['n'], 0,
		    CMD_LOGS_MAX_LINES, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "og-veil logs: invalid line count "
			    "%.40s: must be 0-%d\n", args->values['n'],
			    CMD_LOGS_MAX_LINES);
			return (CMD_EXIT_USAGE);
		}
	}
	path = config_path(args->cfg, CMD_SERVE_LOG);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		fprintf(stderr, "og-veil: %s: %s (only a detached server "
		    "writes it; under systemd: journalctl -u og-veil)\n",
		    path, strerror(errno));
		free(path);
		return (CMD_EXIT_FAIL);
	}
	if (lseek(fd, lines == 0 ? lseek(fd, 0, SEEK_END) :
	    cmd_logs_tail_start(fd, lines), SEEK_SET) == -1)
		(void)lseek(fd, 0, SEEK_SET);
	for (;;) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				goto out;
		fflush(stdout);
		if (!args->flags['f'])
			break;
		nanosleep(&ts, NULL);
		/* Rotated (a new file at the path): continue in it. */
		if (fstat(fd, &st) == 0 && stat(path, &now) == 0 &&
		    (now.st_ino != st.st_ino || now.st_dev != st.st_dev) &&
		    (nfd = open(path, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) != -1) {
			close(fd);
			fd = nfd;
		}
	}
out:
	close(fd);
	free(path);
	return (CMD_EXIT_OK);
}

/*
 * cmd-serve.c: `og-veil serve [-f]`.  With -f the daemon (server.c) runs in
 * the foreground, logging to stderr (systemd's Type=notify uses this).
 * Without it og-veil detaches (double fork, setsid), logs to
 * $OG_VEIL_HOME/server.log and waits until the server holds its pidfile
 * and answers GET /health (or dies, closing a pipe), then prints its URL.
 */
#include "compat.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "og-veil.h"
#include "xmalloc.h"

#define CMD_SERVE_START_TIMEOUT	60	/* seconds until /health answers */


static int	 cmd_serve_exec(const struct cmd_entry *, struct cmd_args *);
static void	 cmd_serve_tail_log(const char *);
static void	 cmd_serve_readiness(const struct veil_config *);
static void	 cmd_serve_warn_key(const struct veil_config *);

static const struct option cmd_serve_options[] = {
	{ "foreground", no_argument, NULL, 'f' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_serve_entry = {
	.name = "serve",
	.args = { "f", 0, 0 },
	.options = cmd_serve_options,
	.usage = "[-f]",
	.help = "Start the server: in the background (log in "
	    "$OG_VEIL_HOME/server.log),\nor with -f (--foreground) in the "
	    "foreground, logging to standard error.",
	.exec = cmd_serve_exec
};

/*
 * A key given as --api-key was readable by every local user in
 * /proc/PID/cmdline (ps) until cmd.c overwrote it, and stays in the shell's
 * history: say so, and what to use instead.
 */
static void
cmd_serve_warn_key(const struct veil_config *cfg)
{
	if (config_source(cfg, "api-key") != CONFIG_SRC_FLAG ||
	    cfg->api_key == NULL)
		return;
	fprintf(stderr, "og-veil: warning: --api-key on the command line is "
	    "visible to every local user (ps, /proc/PID/cmdline) and in the "
	    "shell's history: use --api-key-file FILE (mode 600) or "
	    "OG_VEIL_API_KEY instead\n");
}

static int
cmd_serve_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct veil_config	*cfg = args->cfg;
	char			 errbuf[512];
	long			 pid;
	int			 r;

	(void)self;
	if (config_prepare_home(cfg, errbuf, sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		return (CMD_EXIT_FAIL);
	}
	r = cmd_pidfile_read(cfg, &pid);
	if (r == 1) {
		fprintf(stderr, "og-veil: already running (pid %ld) from %s: "
		    "stop it first with `og-veil stop`\n", pid, cfg->home);
		return (CMD_EXIT_FAIL);
	}
	cmd_serve_warn_key(cfg);
	if (!args->flags['f'])
		return (cmd_serve_start(args));
	cfg->foreground = 1;
	log_init(1, cfg->verbose, NULL);
	return (server_run(cfg));
}

/* The end of the log, to explain a server that failed to start. */
static void
cmd_serve_tail_log(const char *path)
{
	char	 buf[1024], *p = buf;
	ssize_t	 n;
	off_t	 size;
	int	 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return;
	size = lseek(fd, 0, SEEK_END);
	if (size > (off_t)sizeof(buf) - 1)
		lseek(fd, size - (off_t)sizeof(buf) + 1, SEEK_SET);
	else
		lseek(fd, 0, SEEK_SET);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* From the first whole line. */
	if (size > (off_t)sizeof(buf) - 1 && (p = strchr(buf, '\n')) != NULL)
		p++;
	else
		p = buf;
	fprintf(stderr, "--- last lines of %s:\n%s", path, p);
}

/* Say on the terminal when the server that started cannot serve yet. */
static void
cmd_serve_readiness(const struct veil_config *cfg)
{
	struct json_value	*doc;
	const char		*why, *errstr;
	char			*body, errbuf[128];
	size_t			 len;
	int			 status, i;

	/* The first TEE selection may take a moment after /health. */
	for (i = 0; i < 50; i++) {
		if (cmd_http(cfg, "GET", "/health/ready", NULL, 0, 2, &status,
		    &body, &len, errbuf, sizeof(errbuf)) == -1)
			return;
		if (status == 200) {
			free(body);
			return;
		}
		doc = json_parse(body, len, NULL, &errstr);
		free(body);
		why = json_get_str(doc, "reason");
		if (why != NULL && (strncmp(why, "no usable TEE", 13) != 0 ||
		    i == 49)) {
			printf("Not ready yet: %s (requests are refused until "
			    "then).\n", why);
			json_free(doc);
			return;
		}
		json_free(doc);
		usleep(100 * 1000);
	}
}

/*
 * Start the daemon detached (double fork, setsid, log to server.log) and
 * wait until it is ready; print its URL and pid.  An exit status.
 */
int
cmd_serve_start(struct cmd_args *args)
{
	struct veil_config	*cfg = args->cfg;
	struct pollfd		 pfd;
	char			*logpath = NULL, *url = NULL;
	char			 errbuf[512];
	pid_t			 child;
	time_t			 deadline;
	long			 pid;
	int			 logfd = -1, pipefd[2], status, r;
	int			 rc = CMD_EXIT_FAIL, ready = 0, died = 0;
	int			 devnull;

	if (config_prepare_home(cfg, errbuf, sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		return (CMD_EXIT_FAIL);
	}
	r = cmd_pidfile_read(cfg, &pid);
	if (r == 1) {
		fprintf(stderr, "og-veil: already running (pid %ld)\n", pid);
		return (CMD_EXIT_FAIL);
	}
	if (r == -1)
		cmd_pidfile_remove_stale(cfg, pid);
	/* server.c writes server.conf (for restart) once it listens. */

	logpath = config_path(cfg, CMD_SERVE_LOG);
	logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (logfd == -1) {
		fprintf(stderr, "og-veil: %s: %s\n", logpath, strerror(errno));
		goto out;
	}
	(void)fchmod(logfd, 0600);
	if (pipe2(pipefd, O_CLOEXEC) == -1) {
		fprintf(stderr, "og-veil: pipe: %s\n", strerror(errno));
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	switch (child = fork()) {
	case -1:
		fprintf(stderr, "og-veil: fork: %s\n", strerror(errno));
		close(pipefd[0]);
		close(pipefd[1]);
		goto out;
	case 0:
		close(pipefd[0]);
		if (setsid() == -1)
			_exit(1);
		switch (fork()) {
		case -1:
			_exit(1);
		case 0:
			break;
		default:
			_exit(0);
		}
		/* The daemon: pipefd[1] stays open until it exits. */
		(void)chdir("/");
		if ((devnull = open("/dev/null", O_RDWR)) != -1) {
			dup2(devnull, STDIN_FILENO);
			if (devnull > STDERR_FILENO)
				close(devnull);
		}
		dup2(logfd, STDOUT_FILENO);
		dup2(logfd, STDERR_FILENO);
		close(logfd);
		/* Readiness is seen through /health, not systemd's socket. */
		unsetenv("NOTIFY_SOCKET");
		cmd_set_title("og-veil serve");
		cfg->foreground = 0;
		log_init(0, cfg->verbose, logpath);
		r = server_run(cfg);
		log_close();
		exit(r);
	}
	close(pipefd[1]);
	while (waitpid(child, &status, 0) == -1 && errno == EINTR)
		;

	deadline = time(NULL) + CMD_SERVE_START_TIMEOUT;
	while (!ready && !died && time(NULL) < deadline) {
		pfd.fd = pipefd[0];
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) == -1 && errno != EINTR)
			break;
		if (pfd.revents & (POLLIN | POLLHUP))
			died = 1;
		else if (cmd_pidfile_read(cfg, &pid) == 1 &&
		    cmd_http_healthy(cfg))
			ready = 1;
	}
	close(pipefd[0]);
	url = config_base_url(cfg);
	if (ready && cmd_pidfile_read(cfg, &pid) == 1) {
		printf("og-veil %s running at %s (pid %ld)\nlog: %s\n",
		    OG_VEIL_VERSION, url, pid, logpath);
		printf("Point agents at it:\n  export OPENAI_BASE_URL=%s\n"
		    "  export OPENAI_API_KEY=%s\n", url, cfg->api_key != NULL ?
		    "<your --api-key>" : "og-veil");
		cmd_serve_readiness(cfg);
		rc = CMD_EXIT_OK;
	} else {
		fprintf(stderr, "og-veil: the server %s; see %s\n", died ?
		    "exited during startup" : "did not become ready in time",
		    logpath);
		cmd_serve_tail_log(logpath);
	}
out:
	if (logfd != -1)
		close(logfd);
	free(logpath);
	free(url);
	return (rc);
}

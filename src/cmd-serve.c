/*
 * cmd-serve.c: `og-veil serve [-f]`.  With -f the daemon (server.c) runs in
 * the foreground, logging to stderr (systemd's Type=notify uses this).
 * Without it og-veil detaches (double fork, setsid), logs to
 * $OG_VEIL_HOME/server.log and waits until the server says READY=1 on a
 * private notify socket, or answers GET /health, then prints its URL.
 */
#include "compat.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
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

#include <openssl/rand.h>

#include "bytes.h"
#include "og-veil.h"
#include "xmalloc.h"

#define CMD_SERVE_START_TIMEOUT	60	/* seconds until READY=1 */
#define CMD_SERVE_LOG		"server.log"

static int	 cmd_serve_exec(const struct cmd_entry *, struct cmd_args *);
static int	 cmd_serve_notify_socket(char *, size_t);
static void	 cmd_serve_tail_log(const char *);
static int	 cmd_serve_healthy(const struct veil_config *);

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
	r = cmd_server_pid(cfg, &pid);
	if (r == 1) {
		fprintf(stderr, "og-veil: already running (pid %ld) from %s: "
		    "stop it first with `og-veil stop`\n", pid, cfg->home);
		return (CMD_EXIT_FAIL);
	}
	if (!args->flags['f'])
		return (cmd_serve_start(args));
	cfg->foreground = 1;
	log_init(1, cfg->verbose, NULL);
	return (server_run(cfg));
}

/* An abstract datagram socket for READY=1; its NOTIFY_SOCKET name. */
static int
cmd_serve_notify_socket(char *name, size_t namelen)
{
	struct sockaddr_un	 sun;
	uint8_t			 rnd[8];
	char			 hex[17];
	size_t			 len;
	int			 fd;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (-1);
	hex_encode(rnd, sizeof(rnd), hex);
	snprintf(name, namelen, "@og-veil-start-%ld-%s", (long)getpid(), hex);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	len = strlen(name);
	memcpy(sun.sun_path, name, len);
	sun.sun_path[0] = '\0';
	if (bind(fd, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* The end of the log, to explain a server that failed to start. */
static void
cmd_serve_tail_log(const char *path)
{
	char	 buf[2048];
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
	fprintf(stderr, "--- last lines of %s:\n%s", path, buf);
}

/* 1 when GET /health answers. */
static int
cmd_serve_healthy(const struct veil_config *cfg)
{
	char	*body, errbuf[128];
	size_t	 len;
	int	 status;

	if (cmd_http(cfg, "GET", "/health", NULL, 0, 2, &status, &body, &len,
	    errbuf, sizeof(errbuf)) == -1)
		return (0);
	free(body);
	return (status == 200);
}

/*
 * Start the daemon detached (double fork, setsid, log to server.log) and
 * wait until it is ready; print its URL and pid.  An exit status.
 */
int
cmd_serve_start(struct cmd_args *args)
{
	struct veil_config	*cfg = args->cfg;
	struct pollfd		 pfd[2];
	char			*logpath = NULL, *url = NULL, name[96], msg[256];
	char			 errbuf[512];
	pid_t			 child;
	time_t			 deadline;
	ssize_t			 n;
	long			 pid;
	int			 logfd = -1, nfd = -1, pipefd[2], status, r;
	int			 rc = CMD_EXIT_FAIL, ready = 0, died = 0, devnull;

	if (config_prepare_home(cfg, errbuf, sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		return (CMD_EXIT_FAIL);
	}
	r = cmd_server_pid(cfg, &pid);
	if (r == 1) {
		fprintf(stderr, "og-veil: already running (pid %ld)\n", pid);
		return (CMD_EXIT_FAIL);
	}
	if (r == -1)
		cmd_pidfile_remove_stale(cfg, pid);

	logpath = config_path(cfg, CMD_SERVE_LOG);
	logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
	    O_CLOEXEC, 0600);
	if (logfd == -1) {
		fprintf(stderr, "og-veil: %s: %s\n", logpath, strerror(errno));
		goto out;
	}
	(void)fchmod(logfd, 0600);
	if ((nfd = cmd_serve_notify_socket(name, sizeof(name))) == -1) {
		fprintf(stderr, "og-veil: notify socket: %s\n",
		    strerror(errno));
		goto out;
	}
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
		close(nfd);
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
		setenv("NOTIFY_SOCKET", name, 1);
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
		pfd[0].fd = nfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = pipefd[0];
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 250) == -1 && errno != EINTR)
			break;
		if (pfd[0].revents & POLLIN) {
			n = recv(nfd, msg, sizeof(msg) - 1, 0);
			if (n > 0) {
				msg[n] = '\0';
				if (strstr(msg, "READY=1") != NULL)
					ready = 1;
			}
		}
		if (pfd[1].revents & (POLLIN | POLLHUP))
			died = 1;
		if (!ready && !died && cmd_server_pid(cfg, &pid) == 1 &&
		    cmd_serve_healthy(cfg))
			ready = 1;
	}
	close(pipefd[0]);
	url = config_base_url(cfg);
	if (ready && cmd_server_pid(cfg, &pid) == 1) {
		printf("og-veil %s running at %s (pid %ld)\nlog: %s\n",
		    OG_VEIL_VERSION, url, pid, logpath);
		printf("Point agents at it:\n  export OPENAI_BASE_URL=%s\n"
		    "  export OPENAI_API_KEY=%s\n", url, cfg->api_key != NULL ?
		    "<your --api-key>" : "og-veil");
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
	if (nfd != -1)
		close(nfd);
	free(logpath);
	free(url);
	return (rc);
}

/*
 * cmd-pidfile.c: the CLI's view of the running server through its pidfile
 * ($OG_VEIL_HOME/og-veil.pid, which server.c writes and holds an fcntl
 * lock on while it serves): who runs, a stale file removed with the
 * reason, waiting for a pid to exit.
 */
#include "compat.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "og-veil.h"
#include "xmalloc.h"

static int	 cmd_pidfile_alive(long);

/* 1 when pid is a live process (a zombie counts as gone). */
static int
cmd_pidfile_alive(long pid)
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
cmd_pidfile_read(const struct veil_config *cfg, long *pid)
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
		else if (cmd_pidfile_alive(pid))
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
cmd_pidfile_wait_exit(long pid, int secs)
{
	struct timespec	 ts = { 0, 50 * 1000 * 1000 };
	int		 i;

	for (i = 0; i < secs * 20; i++) {
		if (!cmd_pidfile_alive(pid))
			return (0);
		nanosleep(&ts, NULL);
	}
	return (cmd_pidfile_alive(pid) ? -1 : 0);
}

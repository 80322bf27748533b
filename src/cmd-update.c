/*
 * cmd-update.c: `og-veil update`: says how this copy was installed and
 * the exact commands that update it.  It never updates anything itself
 * and never pretends to.
 */
#include "compat.h"

#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "og-veil.h"
#include "xmalloc.h"

static int	 cmd_update_exec(const struct cmd_entry *, struct cmd_args *);
static char	*cmd_update_git_top(const char *);
static char	*cmd_update_dpkg(const char *);

const struct cmd_entry cmd_update_entry = {
	.name = "update",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Say how this og-veil was installed and how to update it "
	    "(it changes\nnothing itself).",
	.exec = cmd_update_exec
};

/* The git work tree holding path, or NULL (new string). */
static char *
cmd_update_git_top(const char *path)
{
	struct stat	 sb;
	char		*dir, *p, *probe;

	dir = xstrdup(path);
	while ((p = strrchr(dir, '/')) != NULL) {
		*p = '\0';
		xasprintf(&probe, "%s/.git", *dir != '\0' ? dir : "");
		if (stat(probe, &sb) == 0) {
			free(probe);
			if (*dir == '\0') {
				free(dir);
				return (xstrdup("/"));
			}
			return (dir);
		}
		free(probe);
	}
	free(dir);
	return (NULL);
}

/* The Debian package owning path (dpkg -S), or NULL (new string). */
static char *
cmd_update_dpkg(const char *path)
{
	char	*out = NULL, *colon;
	size_t	 len;
	pid_t	 pid;
	int	 pfd[2], status, fd;

	if (access("/usr/bin/dpkg-query", X_OK) != 0 || pipe(pfd) == -1)
		return (NULL);
	switch (pid = fork()) {
	case -1:
		close(pfd[0]);
		close(pfd[1]);
		return (NULL);
	case 0:
		close(pfd[0]);
		dup2(pfd[1], STDOUT_FILENO);
		if ((fd = open("/dev/null", O_WRONLY)) != -1)
			dup2(fd, STDERR_FILENO);
		execl("/usr/bin/dpkg-query", "dpkg-query", "-S", path,
		    (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	if (cmd_read_all(pfd[0], 65536, &out, &len) == -1)
		out = NULL;
	close(pfd[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (out == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    (colon = strchr(out, ':')) == NULL) {
		free(out);
		return (NULL);
	}
	*colon = '\0';
	return (out);
}

static int
cmd_update_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	char	 exe[PATH_MAX], *top = NULL, *pkg = NULL;
	ssize_t	 n;

	(void)self;
	(void)args;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0) {
		fprintf(stderr, "og-veil: cannot tell where this og-veil "
		    "lives: %s\n", strerror(errno));
		return (CMD_EXIT_FAIL);
	}
	exe[n] = '\0';
	printf("og-veil %s at %s\n", OG_VEIL_VERSION, exe);
	if ((pkg = cmd_update_dpkg(exe)) != NULL) {
		printf("Installed by the Debian package %s.  Update it with:\n"
		    "  sudo apt-get update && sudo apt-get install "
		    "--only-upgrade %s\n", pkg, pkg);
	} else if ((top = cmd_update_git_top(exe)) != NULL) {
		printf("Built from the git checkout %s.  Update it with:\n"
		    "  cd %s && git pull && make\n", top, top);
	} else if (strncmp(exe, "/usr/local/bin/", 15) == 0) {
		printf("Installed by `make install` into /usr/local.  In your "
		    "og-veil source\ncheckout, update it with:\n"
		    "  git pull && make && sudo make install\n");
	} else
		printf("Installed by hand: replace %s with a newer build "
		    "(git pull && make\nin an og-veil checkout).\n", exe);
	printf("Then restart the server: og-veil restart\n"
	    "(og-veil update changed nothing.)\n");
	free(top);
	free(pkg);
	return (CMD_EXIT_OK);
}

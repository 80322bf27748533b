/*
 * cmd-stop.c: `og-veil stop` and `og-veil restart`, one exec for both (as
 * tmux's kill-server and start-server): SIGTERM the pid from the locked
 * pidfile and wait while the server drains (server.c gives requests
 * SERVER_GRACE_SECONDS); a stale pidfile is removed with the reason.
 * restart then starts the server detached with the configuration it ran
 * with ($OG_VEIL_HOME/server.conf, which the server writes once it
 * listens), under the flags restart itself is given.
 */
#include "compat.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "og-veil.h"
#include "xmalloc.h"

/* The drain, plus time for the teardown; matches TimeoutStopSec=40. */
#define CMD_STOP_TIMEOUT	(SERVER_GRACE_SECONDS + 10)

static int	 cmd_stop_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_stop_entry = {
	.name = "stop",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Stop the running server (SIGTERM; requests in flight may "
	    "finish).",
	.exec = cmd_stop_exec
};

const struct cmd_entry cmd_restart_entry = {
	.name = "restart",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Stop the running server, then start it in the background "
	    "with the same\nconfiguration.",
	.exec = cmd_stop_exec		/* shared with cmd_stop_entry */
};

/*
 * Start the server again with the settings the stopped one ran with (saved
 * by the server in $OG_VEIL_HOME/server.conf once it listened), over the
 * current defaults and environment, under this command's own flags and -c
 * (`og-veil restart --port N` moves it); without that file, with this
 * command's configuration.
 */
static int
cmd_stop_restart(struct cmd_args *args)
{
	const struct config_option	*o;
	struct veil_config		 saved, *cur = args->cfg;
	char				*path, errbuf[512];
	int				 rc, src;

	path = config_path(cur, CMD_SERVE_CONF);
	if (access(path, R_OK) == -1) {
		free(path);
		return (cmd_serve_start(args));
	}
	if (config_init(&saved, errbuf, sizeof(errbuf)) == -1 ||
	    config_load_file(&saved, path, errbuf, sizeof(errbuf)) == -1 ||
	    config_check(&saved, errbuf, sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		config_clear(&saved);
		free(path);
		return (CMD_EXIT_FAIL);
	}
	free(path);
	/* What this restart was given (flags, -c) wins over what ran. */
	for (o = config_options; o->co_name != NULL; o++) {
		src = cur->source[o - config_options];
		if (src == CONFIG_SRC_FLAG || src == CONFIG_SRC_FILE)
			config_copy_option(&saved, cur, o, src);
	}
	if (config_check(&saved, errbuf, sizeof(errbuf)) == -1) {
		fprintf(stderr, "og-veil: %s\n", errbuf);
		config_clear(&saved);
		return (CMD_EXIT_FAIL);
	}
	/* The home is where the saved file was found, whatever the env says. */
	free(saved.home);
	saved.home = xstrdup(cur->home);
	saved.verbose = cur->verbose;
	args->cfg = &saved;
	rc = cmd_serve_start(args);
	args->cfg = cur;
	config_clear(&saved);
	return (rc);
}

static int
cmd_stop_exec(const struct cmd_entry *entry, struct cmd_args *args)
{
	const struct veil_config	*cfg = args->cfg;
	long				 pid;
	int				 r;

	r = cmd_pidfile_read(cfg, &pid);
	if (r == -1)
		cmd_pidfile_remove_stale(cfg, pid);
	if (r != 1) {
		printf("og-veil is not running\n");
		if (entry == &cmd_restart_entry)
			return (cmd_stop_restart(args));
		return (CMD_EXIT_OK);
	}
	if (kill((pid_t)pid, SIGTERM) == -1 && errno != ESRCH) {
		fprintf(stderr, "og-veil: cannot signal pid %ld: %s\n", pid,
		    strerror(errno));
		return (CMD_EXIT_FAIL);
	}
	printf("stopping og-veil (pid %ld)...\n", pid);
	fflush(stdout);
	if (cmd_pidfile_wait_exit(pid, CMD_STOP_TIMEOUT) == -1) {
		fprintf(stderr, "og-veil: pid %ld did not exit within %d s; "
		    "`kill -9 %ld` ends it at once\n", pid, CMD_STOP_TIMEOUT,
		    pid);
		return (CMD_EXIT_FAIL);
	}
	printf("og-veil stopped\n");
	/* After the daemon is gone, the same configuration starts anew. */
	if (entry == &cmd_restart_entry)
		return (cmd_stop_restart(args));
	return (CMD_EXIT_OK);
}

/*
 * og-veil.c: main(), the global flags and usage().  The commands live in
 * cmd-*.c, the table and the parser in cmd.c (STYLE.md §2).  Without a
 * command, og-veil signs in on first use (PROTOCOL.md §1) and then starts
 * the server in the background, or says that it already runs.
 */
#include "compat.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og-veil.h"

static int	 og_veil_default(struct cmd_args *);

/*
 * jemalloc's settings, where og-veil links it (configure.ac); read by no
 * one otherwise.  One arena: the server's work is one loop thread (the WAL
 * checkpointer allocates little).  Freed pages go back to the system
 * after 1 s unused, not 10: a burst of streams replayed and finished does
 * not stay in the resident size for the next 10 s.  MALLOC_CONF, in the
 * environment, still overrides them.
 */
const char	*malloc_conf = "narenas:1,dirty_decay_ms:1000";

/* The one-line usage (matches og-veil(1)'s SYNOPSIS); exits 2. */
void
usage(void)
{
	fprintf(stderr, "usage: og-veil [-hVv] [-c file] [global-flags] "
	    "[command [flags]]\n"
	    "run `og-veil help` for the commands and flags\n");
	exit(CMD_EXIT_USAGE);
}

/* No command: sign in on first use, then start detached (or report). */
static int
og_veil_default(struct cmd_args *args)
{
	struct store	*st;
	struct session	 s;
	char		*url;
	long		 pid;
	int		 r;

	if ((st = cmd_store_open(args->cfg)) == NULL)
		return (CMD_EXIT_FAIL);
	r = store_session_load(st, &s);
	store_close(st);
	if (r == -1) {
		fprintf(stderr, "og-veil: cannot read the saved login\n");
		return (CMD_EXIT_FAIL);
	}
	session_clear(&s);
	if (r == 1) {
		printf("Not signed in yet: signing in with the OpenGradient "
		    "Chat app.\n");
		if ((r = cmd_login_run(args, 0, 1, 0)) != CMD_EXIT_OK)
			return (r);
	}
	if (cmd_pidfile_read(args->cfg, &pid) == 1) {
		url = config_base_url(args->cfg);
		printf("og-veil is already running (pid %ld) at %s\n", pid,
		    url);
		free(url);
		return (CMD_EXIT_OK);
	}
	return (cmd_serve_start(args));
}

int
main(int argc, char **argv)
{
	const struct cmd_entry	*entry;
	struct cmd_args		 args;
	struct veil_config	 cfg;
	int			 rc;

	setlocale(LC_CTYPE, "C");
	if ((rc = cmd_parse(argc, argv, &entry, &args, &cfg)) != -1)
		return (rc);
	log_init(1, cfg.verbose, NULL);
	if (entry == NULL)
		rc = og_veil_default(&args);
	else
		rc = entry->exec(entry, &args);
	config_clear(&cfg);
	return (rc);
}

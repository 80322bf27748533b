/*
 * cmd-setup.c: `og-veil setup [-y]`: sign in again (PROTOCOL.md §1), then
 * offer to start the server in the background (-y: yes, no question).
 */
#include "compat.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og-veil.h"

#define CMD_SETUP_MANUAL	312
#define CMD_SETUP_NO_BROWSER	313

static int	 cmd_setup_exec(const struct cmd_entry *, struct cmd_args *);
static int	 cmd_setup_ask(const char *);

static const struct option cmd_setup_options[] = {
	{ "yes", no_argument, NULL, 'y' },
	{ "manual", no_argument, NULL, CMD_SETUP_MANUAL },
	{ "no-browser", no_argument, NULL, CMD_SETUP_NO_BROWSER },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_setup_entry = {
	.name = "setup",
	.args = { "y", 0, 0 },
	.options = cmd_setup_options,
	.usage = "[-y] [--manual] [--no-browser]",
	.help = "Sign in again (as `og-veil login`), then offer to start the "
	    "server;\n-y (--yes) starts it without asking.",
	.exec = cmd_setup_exec
};

/* Ask on the terminal; 1 for yes (the default), 0 for no or no terminal. */
static int
cmd_setup_ask(const char *question)
{
	FILE	*tty;
	char	 line[64];
	int	 yes = 0;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return (0);
	fprintf(tty, "%s [Y/n] ", question);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) != NULL)
		yes = line[0] == '\n' || line[0] == 'y' || line[0] == 'Y';
	fclose(tty);
	return (yes);
}

static int
cmd_setup_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	long	 pid;
	int	 rc;

	(void)self;
	rc = cmd_login_run(args, args->flags[CMD_SETUP_MANUAL] > 0,
	    args->flags[CMD_SETUP_NO_BROWSER] == 0, 0);
	if (rc != CMD_EXIT_OK)
		return (rc);
	if (cmd_pidfile_read(args->cfg, &pid) == 1) {
		printf("og-veil is already running (pid %ld).\n", pid);
		return (CMD_EXIT_OK);
	}
	if (!args->flags['y'] && !cmd_setup_ask("Start the og-veil server "
	    "now?")) {
		printf("Start it later with `og-veil serve`.\n");
		return (CMD_EXIT_OK);
	}
	return (cmd_serve_start(args));
}

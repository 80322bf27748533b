/*
 * cmd-env.c: `og-veil env` (alias `endpoint`): the shell lines that point
 * an OpenAI client at og-veil, with host and port resolved exactly as
 * `serve` resolves them (flags over environment over defaults).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "og-veil.h"

static int	 cmd_env_exec(const struct cmd_entry *, struct cmd_args *);
static void	 cmd_env_quote(const char *);

const struct cmd_entry cmd_env_entry = {
	.name = "env",
	.alias = "endpoint",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Print export lines for OPENAI_BASE_URL and OPENAI_API_KEY:\n"
	    "  eval \"$(og-veil env)\"",
	.flags = CMD_F_CLIENT,
	.exec = cmd_env_exec
};

/* Print s for a POSIX shell: bare when safe, else in single quotes. */
static void
cmd_env_quote(const char *s)
{
	const char	*p;

	if (s[strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-:/+=@%,")] == '\0') {
		fputs(s, stdout);
		return;
	}
	putchar('\'');
	for (p = s; *p != '\0'; p++) {
		if (*p == '\'')
			fputs("'\\''", stdout);
		else
			putchar(*p);
	}
	putchar('\'');
}

static int
cmd_env_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	char	*url;

	(void)self;
	url = config_base_url(args->cfg);
	printf("export OPENAI_BASE_URL=%s\n", url);
	fputs("export OPENAI_API_KEY=", stdout);
	cmd_env_quote(args->cfg->api_key != NULL ? args->cfg->api_key :
	    "og-veil");
	putchar('\n');
	free(url);
	return (CMD_EXIT_OK);
}

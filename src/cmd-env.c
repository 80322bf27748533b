/*
 * cmd-env.c: `og-veil env` (alias `endpoint`): the shell lines that point
 * an OpenAI client at og-veil, with host and port resolved exactly as
 * `serve` resolves them (flags over environment over defaults).
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>

#include "og-veil.h"

static int	 cmd_env_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_env_entry = {
	.name = "env",
	.alias = "endpoint",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Print export lines for OPENAI_BASE_URL and OPENAI_API_KEY:\n"
	    "  eval \"$(og-veil env)\"",
	.exec = cmd_env_exec
};

static int
cmd_env_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	char	*url;

	(void)self;
	url = config_base_url(args->cfg);
	printf("export OPENAI_BASE_URL=%s\n", url);
	printf("export OPENAI_API_KEY=%s\n", args->cfg->api_key != NULL ?
	    args->cfg->api_key : "og-veil");
	free(url);
	return (CMD_EXIT_OK);
}

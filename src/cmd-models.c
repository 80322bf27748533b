/*
 * cmd-models.c: `og-veil models`: the model ids agents may ask for, from
 * the running server's GET /v1/models, or the built-in list (api.c) and
 * the configured --model-alias entries when the server is not running.
 * An alias prints as "FROM -> TO".
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "og-veil.h"

static int	 cmd_models_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_models_entry = {
	.name = "models",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "List the models (from the running server, else the built-in "
	    "list).",
	.flags = CMD_F_CLIENT,
	.exec = cmd_models_exec
};

static int
cmd_models_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	struct json_value	*doc = NULL, *data;
	const char		*id, *to, *errstr, *eq;
	char			*body = NULL, errbuf[256];
	size_t			 len, i;
	long			 pid;
	int			 status;

	(void)self;
	if (cmd_pidfile_read(args->cfg, &pid) == 1 && cmd_http(args->cfg, "GET",
	    "/v1/models", NULL, 0, 10, &status, &body, &len, errbuf,
	    sizeof(errbuf)) == 0 && status == 200 &&
	    (doc = json_parse(body, len, NULL, &errstr)) != NULL &&
	    (data = json_get(doc, "data")) != NULL &&
	    data->type == JSON_ARRAY) {
		for (i = 0; i < data->n; i++) {
			if ((id = json_get_str(data->items[i], "id")) == NULL)
				continue;
			to = json_get_str(data->items[i], "alias_for");
			if (to != NULL)
				printf("%s -> %s\n", id, to);
			else
				printf("%s\n", id);
		}
	} else {
		for (i = 0; (id = api_model_at(i)) != NULL; i++)
			printf("%s\n", id);
		for (i = 0; args->cfg->model_aliases != NULL &&
		    (id = args->cfg->model_aliases[i]) != NULL; i++)
			if ((eq = strchr(id, '=')) != NULL)
				printf("%.*s -> %s\n", (int)(eq - id), id,
				    eq + 1);
	}
	json_free(doc);
	free(body);
	return (CMD_EXIT_OK);
}

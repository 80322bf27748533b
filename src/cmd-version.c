/*
 * cmd-version.c: `og-veil version`, the same as -V: the version, and the
 * libraries it runs with.
 */
#include "compat.h"

#include <stdio.h>

#include <event2/event.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "og-veil.h"

static int	 cmd_version_exec(const struct cmd_entry *, struct cmd_args *);

const struct cmd_entry cmd_version_entry = {
	.name = "version",
	.args = { "", 0, 0 },
	.usage = "",
	.help = "Print the version (as -V) and the libraries og-veil runs "
	    "with.",
	.exec = cmd_version_exec
};

static int
cmd_version_exec(const struct cmd_entry *self, struct cmd_args *args)
{
	(void)self;
	(void)args;
	printf("og-veil %s\n", OG_VEIL_VERSION);
	printf("libevent %s, %s, sqlite %s\n", event_get_version(),
	    OpenSSL_version(OPENSSL_VERSION), sqlite3_libversion());
	return (CMD_EXIT_OK);
}

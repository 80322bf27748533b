/*
 * config.c: og-veil's configuration: built-in defaults, then the OG_VEIL_*
 * environment (and SSL_CERT_FILE), then an optional env-style file (-c),
 * then command-line flags, each value validated as it is set with a message
 * that says what to do.  Every setting is one row of config_options[]
 * below, which feeds all of those, server.conf and both help texts.  Also
 * the state directory $OG_VEIL_HOME (created 0700; a symlinked or
 * group/other-writable one is refused).  The pins are PROTOCOL.md §3's
 * tee_id and pcr_hash, kept as 0x + lower-case hex.
 */
#include "compat.h"

#include <sys/stat.h>

#include <fcntl.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bytes.h"
#include "og-veil.h"
#include "xmalloc.h"

static int	 config_hex32(const char *, const char *, char **, char *,
		    size_t);
static int	 config_size(const char *, const char *, size_t, size_t,
		    size_t *, char *, size_t);
static void	 config_list_add(char ***, const char *);
static void	 config_list_free(char **);
static char	*config_default_home(void);
static int	 config_mkdirs(const char *, char *, size_t);
static int	 config_safe_owner(const struct stat *);
static int	 config_home_is_systemd_link(const char *, const struct stat *);
static const struct config_option *config_option_env(const char *);
static int	 config_bool(const char *, const char *, int *, char *,
		    size_t);
static void	 config_str_free(const struct config_option *, char *);
static int	 config_check_home(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_host(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_hex32(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_url(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_key(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_token(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_key_file(const struct config_option *,
		    const char *, char **, char *, size_t);
static int	 config_check_alias(const struct config_option *,
		    const char *, char **, char *, size_t);

#define CONFIG_FIELD(f)	offsetof(struct veil_config, f)
#define CONFIG_BYTES	(SIZE_MAX / 4)

/*
 * Every setting of og-veil, one row each: the --flag (and -letter), the
 * environment variable (also the NAME of the -c file and of server.conf),
 * where the value lives in struct veil_config, how it is checked, the
 * default, and the help line.  cmd.c builds getopt's long options and both
 * help texts from it; config_init() the defaults and the environment;
 * config_load_file() the -c file; config_save_file() server.conf.
 *
 * To add a setting:
 *   1. add the field to struct veil_config (og-veil.h), with its ownership
 *      comment;
 *   2. add one row here, in the group it belongs to (the order is the
 *      order of `og-veil help` and of server.conf):
 *	{ "max-things", 0, "OG_VEIL_MAX_THINGS", NULL, CONFIG_T_INT,
 *	  CONFIG_FIELD(max_things), 1, 1000, NULL, "64", "max things",
 *	  "n", "things at once", CONFIG_F_SERVE | CONFIG_F_SAVE },
 *      Types: CONFIG_T_STR (char *, owned; "" clears it unless the check
 *      says otherwise), CONFIG_T_INT (int, min..max), CONFIG_T_SIZE
 *      (size_t bytes with k/m/g, min..max), CONFIG_T_LIST (char **: the
 *      flag adds one and may repeat, the environment gives a comma- or
 *      space-separated list), CONFIG_T_BOOL (int 0/1: the flag takes no
 *      argument, the environment 0/1/yes/no/true/false), CONFIG_T_COUNT
 *      (int: a flag without argument, counted, like -v), CONFIG_T_CLI (no
 *      field: cmd.c acts on it, like -c, -h, -V).  A check function
 *      normalizes a string (see config_check_host()); NULL takes the text
 *      as it is.  The default is text, parsed as if given (NULL: none).
 *      Flags: CONFIG_F_SERVE (only the server uses it: listed under
 *      "server flags"), CONFIG_F_SAVE (written to server.conf, so that
 *      `og-veil restart` starts the server as it ran), CONFIG_F_NOFLAG
 *      (environment and file only), CONFIG_F_SECRET (wiped on free, never
 *      printed), CONFIG_F_CLIENT (the client verbs take it from the
 *      running server's server.conf unless given: host, port, api-key);
 *   3. use cfg->max_things; document the flag and the variable in
 *      man/og-veil.1 (FLAGS and ENVIRONMENT) and contrib/og-veil.env.example
 *      (tests/integration/200-cli-usage.sh checks that every row is there).
 * Nothing else names a setting: no getopt value, no env table, no help line.
 * A flag of one command only (status --json) stays in that command's
 * cmd_entry instead.
 */
const struct config_option config_options[] = {
	/* The command line itself (cmd.c). */
	{ "config", 'c', NULL, NULL, CONFIG_T_CLI, 0, 0, 0, NULL, NULL,
	  "config file", "file", "read OG_VEIL_* settings from file", 0 },
	{ "help", 'h', NULL, NULL, CONFIG_T_CLI, 0, 0, 0, NULL, NULL, "help",
	  NULL, "show this help (or a command's)", 0 },
	{ "verbose", 'v', NULL, NULL, CONFIG_T_COUNT, CONFIG_FIELD(verbose),
	  0, 0, NULL, NULL, "verbose", NULL, "debug logging", 0 },
	{ "version", 'V', NULL, NULL, CONFIG_T_CLI, 0, 0, 0, NULL, NULL,
	  "version", NULL, "print the version", 0 },
	{ "service", 0, NULL, NULL, CONFIG_T_BOOL, CONFIG_FIELD(service), 0,
	  0, NULL, NULL, "--service", NULL, "act for the systemd service: its "
	  "state (" OG_VEIL_SERVICE_HOME " unless OG_VEIL_HOME is set), as "
	  "its user when run as root", 0 },

	/* Where og-veil keeps its state, and where it listens. */
	{ "home", 0, "OG_VEIL_HOME", NULL, CONFIG_T_STR, CONFIG_FIELD(home),
	  0, 0, config_check_home, NULL, "home", "dir",
	  "the state directory (~/.opengradient/veil)", CONFIG_F_NOFLAG },
	{ "host", 0, "OG_VEIL_HOST", NULL, CONFIG_T_STR, CONFIG_FIELD(host),
	  0, 0, config_check_host, OG_VEIL_DEFAULT_HOST, "host", "host",
	  "listen address", CONFIG_F_SAVE | CONFIG_F_CLIENT },
	{ "port", 0, "OG_VEIL_PORT", NULL, CONFIG_T_INT, CONFIG_FIELD(port),
	  1, 65535, NULL, "11434", "port", "port", "listen port",
	  CONFIG_F_SAVE | CONFIG_F_CLIENT },
	{ "api-key", 0, "OG_VEIL_API_KEY", NULL, CONFIG_T_STR,
	  CONFIG_FIELD(api_key), 0, 0, config_check_key, NULL, "API key",
	  "key", "require this key from agents",
	  CONFIG_F_SAVE | CONFIG_F_SECRET | CONFIG_F_CLIENT },
	/* The same key from a file: not in /proc/PID/cmdline for all. */
	{ "api-key-file", 0, "OG_VEIL_API_KEY_FILE", NULL, CONFIG_T_STR,
	  CONFIG_FIELD(api_key), 0, 0, config_check_key_file, NULL,
	  "API key file", "file", "read the API key from file",
	  CONFIG_F_SECRET | CONFIG_F_ALIAS },
	{ "app-url", 0, "OG_VEIL_APP_URL", NULL, CONFIG_T_STR,
	  CONFIG_FIELD(app_url), 0, 0, config_check_url,
	  OG_VEIL_DEFAULT_APP_URL, "app URL", "url",
	  "the Chat app og-veil login uses", CONFIG_F_SAVE },
	{ "ca-file", 0, "OG_VEIL_CA_FILE", "SSL_CERT_FILE", CONFIG_T_STR,
	  CONFIG_FIELD(ca_file), 0, 0, NULL, NULL, "CA file", "file",
	  "extra trusted CA certificates", CONFIG_F_SAVE },

	/* What the server trusts and whom it serves. */
	{ "tee-id", 0, "OG_VEIL_TEE_ID", NULL, CONFIG_T_STR,
	  CONFIG_FIELD(tee_id), 0, 0, config_check_hex32, NULL, "tee id",
	  "id", "use only this TEE (0x + 64 hex)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "expected-pcr", 0, "OG_VEIL_EXPECTED_PCR_HASH", NULL, CONFIG_T_STR,
	  CONFIG_FIELD(expected_pcr), 0, 0, config_check_hex32, NULL,
	  "expected PCR hash", "hash", "require this PCR hash (0x + 64 hex)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "tee-refresh-interval", 0, "OG_VEIL_TEE_REFRESH_INTERVAL", NULL,
	  CONFIG_T_INT, CONFIG_FIELD(tee_refresh_interval), 0, 86400 * 7,
	  NULL, "300", "TEE refresh interval", "secs",
	  "re-read the TEE registry this often (0: never)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "quarantine", 0, "OG_VEIL_QUARANTINE", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(quarantine), 0, 3600, NULL, "60", "quarantine", "secs",
	  "first back-off of a TEE that failed verification (0: none)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "allow-origin", 0, "OG_VEIL_ALLOW_ORIGINS", NULL, CONFIG_T_LIST,
	  CONFIG_FIELD(allow_origins), 0, 0, config_check_token, NULL,
	  "--allow-origin", "origin", "allow this browser Origin (repeat)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "allow-host", 0, "OG_VEIL_ALLOW_HOSTS", NULL, CONFIG_T_LIST,
	  CONFIG_FIELD(allow_hosts), 0, 0, config_check_token, NULL,
	  "--allow-host", "host", "allow this Host header (repeat)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "model-alias", 0, "OG_VEIL_MODEL_ALIASES", NULL, CONFIG_T_LIST,
	  CONFIG_FIELD(model_aliases), 0, 0, config_check_alias, NULL,
	  "--model-alias", "from=to",
	  "run model TO when an agent asks for FROM (repeat)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },

	/* Limits. */
	{ "max-body", 0, "OG_VEIL_MAX_BODY", NULL, CONFIG_T_SIZE,
	  CONFIG_FIELD(max_body), 1024, CONFIG_BYTES, NULL, "4m",
	  "max body", "bytes", "largest request body",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "max-response", 0, "OG_VEIL_MAX_RESPONSE", NULL, CONFIG_T_SIZE,
	  CONFIG_FIELD(max_response), 1024, CONFIG_BYTES, NULL, "32m",
	  "max response", "bytes", "largest upstream response",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "max-unverified", 0, "OG_VEIL_MAX_UNVERIFIED", NULL, CONFIG_T_SIZE,
	  CONFIG_FIELD(max_unverified), 1024, CONFIG_BYTES, NULL, "512m",
	  "max unverified", "bytes", "memory held for requests in flight",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "max-headers", 0, "OG_VEIL_MAX_HEADERS", NULL, CONFIG_T_SIZE,
	  CONFIG_FIELD(max_headers), 1024, 16U << 20, NULL, "64k",
	  "max headers", "bytes", "largest request head",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "max-conns", 0, "OG_VEIL_MAX_CONNS", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(max_conns), 1, 1000000, NULL, "8192", "max conns", "n",
	  "agent connections at once", CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "body-timeout", 0, "OG_VEIL_BODY_TIMEOUT", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(body_timeout), 1, 3600, NULL, "30", "body timeout",
	  "secs", "close an agent silent this long within its request body",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },

	/* Privacy and evidence. */
	{ "pii-scrub", 0, "OG_VEIL_PII_SCRUB", NULL, CONFIG_T_BOOL,
	  CONFIG_FIELD(pii_scrub), 0, 1, NULL, NULL, "PII scrub", NULL,
	  "redact personal data before sealing",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "keep-content", 0, "OG_VEIL_KEEP_CONTENT", NULL, CONFIG_T_BOOL,
	  CONFIG_FIELD(keep_content), 0, 1, NULL, NULL, "keep content", NULL,
	  "keep the request and answer in receipts",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "receipts-max", 0, "OG_VEIL_RECEIPTS_MAX", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(receipts_max), 0, 100000000, NULL, "100000",
	  "receipts max", "n", "receipts kept, newest (0: none written)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "receipts-days", 0, "OG_VEIL_RECEIPTS_DAYS", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(receipts_days), 0, 36500, NULL, "90", "receipts days",
	  "days", "receipts older are removed (0: never)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },

	/* Streams: the early commit and its keep-alives (commit.c). */
	{ "first-byte", 0, "OG_VEIL_FIRST_BYTE", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(first_byte), 0, REQ_DEADLINE_SECONDS, NULL, "2",
	  "first byte", "secs",
	  "commit a stream not verified after this (0: hold it all)",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ "keepalive", 0, "OG_VEIL_KEEPALIVE", NULL, CONFIG_T_INT,
	  CONFIG_FIELD(keepalive), 1, 300, NULL, "10", "keepalive", "secs",
	  "between the keep-alives of a committed stream",
	  CONFIG_F_SERVE | CONFIG_F_SAVE },
	{ NULL, 0, NULL, NULL, CONFIG_T_CLI, 0, 0, 0, NULL, NULL, NULL, NULL,
	  NULL, 0 }
};

/* Where the setting --name came from: CONFIG_SRC_*. */
int
config_source(const struct veil_config *cfg, const char *name)
{
	const struct config_option	*o;

	if ((o = config_option_find(name)) == NULL)
		return (CONFIG_SRC_DEFAULT);
	return (cfg->source[o - config_options]);
}

/* The rows of config_options[], without the terminator. */
size_t
config_noptions(void)
{
	return (sizeof(config_options) / sizeof(config_options[0]) - 1);
}

/* The row of a --name (flag or not), or NULL. */
const struct config_option *
config_option_find(const char *name)
{
	const struct config_option	*o;

	for (o = config_options; o->co_name != NULL; o++)
		if (strcmp(o->co_name, name) == 0)
			return (o);
	return (NULL);
}

/* The row read from an environment (or file) NAME, or NULL. */
static const struct config_option *
config_option_env(const char *env)
{
	const struct config_option	*o;

	for (o = config_options; o->co_name != NULL; o++)
		if ((o->co_env != NULL && strcmp(o->co_env, env) == 0) ||
		    (o->co_env_alt != NULL && strcmp(o->co_env_alt, env) == 0))
			return (o);
	return (NULL);
}

_Static_assert(sizeof(config_options) / sizeof(config_options[0]) <=
    CONFIG_MAX_OPTIONS, "config_options[] outgrew CONFIG_MAX_OPTIONS");

/* 32 bytes of hex (0x optional) into a new "0x" + lower-case hex string. */
static int
config_hex32(const char *what, const char *value, char **out, char *errbuf,
    size_t errlen)
{
	const char	*p = value;
	char		*s;
	size_t		 i;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (i = 0; p[i] != '\0'; i++)
		if (!isxdigit((unsigned char)p[i]))
			break;
	if (p[i] != '\0' || i != 64)
		return (error_fmt(errbuf, errlen, "invalid %s \"%.80s\": must "
		    "be 32 bytes of hex (0x followed by 64 hex digits)", what,
		    value));
	s = xmalloc(67);
	s[0] = '0';
	s[1] = 'x';
	for (i = 0; i < 64; i++)
		s[2 + i] = (char)tolower((unsigned char)p[i]);
	s[66] = '\0';
	free(*out);
	*out = s;
	return (0);
}

/* A byte count with an optional k, m or g suffix (powers of 1024). */
static int
config_size(const char *what, const char *value, size_t min, size_t max,
    size_t *out, char *errbuf, size_t errlen)
{
	unsigned long long	 v, mult = 1;
	char			*end;

	errno = 0;
	if (!isdigit((unsigned char)value[0]))
		goto bad;
	v = strtoull(value, &end, 10);
	if (errno != 0)
		goto bad;
	switch (*end) {
	case '\0':
		break;
	case 'k':
	case 'K':
		mult = 1024ULL;
		end++;
		break;
	case 'm':
	case 'M':
		mult = 1024ULL * 1024;
		end++;
		break;
	case 'g':
	case 'G':
		mult = 1024ULL * 1024 * 1024;
		end++;
		break;
	default:
		goto bad;
	}
	if (*end != '\0' || v > ULLONG_MAX / mult)
		goto bad;
	v *= mult;
	if (v < min || v > max)
		goto bad;
	*out = (size_t)v;
	return (0);
bad:
	return (error_fmt(errbuf, errlen, "invalid %s \"%.40s\": must be a "
	    "byte count from %zu to %zu (suffix k, m or g allowed)", what,
	    value, min, max));
}

static void
config_list_add(char ***listp, const char *s)
{
	char	**list = *listp;
	size_t	  n = 0;

	while (list != NULL && list[n] != NULL)
		n++;
	list = xreallocarray(list, n + 2, sizeof(*list));
	list[n] = xstrdup(s);
	list[n + 1] = NULL;
	*listp = list;
}

static void
config_list_free(char **list)
{
	size_t	 i;

	if (list == NULL)
		return;
	for (i = 0; list[i] != NULL; i++)
		free(list[i]);
	free(list);
}

/* ~/.opengradient/veil, from $HOME or the password database. */
static char *
config_default_home(void)
{
	const char	*h = getenv("HOME");
	struct passwd	*pw;
	char		*s;

	if (h == NULL || *h == '\0') {
		if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
			h = pw->pw_dir;
		else
			h = "/";
	}
	xasprintf(&s, "%s%s.opengradient/veil", h,
	    h[strlen(h) - 1] == '/' ? "" : "/");
	return (s);
}


/* The checks of string settings: 0 and a new *out (NULL clears), or -1. */

static int
config_check_home(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	size_t	 len;

	(void)o;
	if (value[0] != '/')
		return (error_fmt(errbuf, errlen, "invalid home \"%s\": "
		    "OG_VEIL_HOME must be an absolute path%s", value,
		    value[0] == '\0' ? " (unset it for the default)" : ""));
	*out = xstrdup(value);
	len = strlen(*out);
	while (len > 1 && (*out)[len - 1] == '/')
		(*out)[--len] = '\0';
	return (0);
}

static int
config_check_host(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	(void)o;
	if (value[0] == '\0' || strlen(value) > 253 ||
	    strpbrk(value, " \t\r\n/") != NULL)
		return (error_fmt(errbuf, errlen, "invalid host \"%.80s\": "
		    "give an address such as 127.0.0.1 or ::1", value));
	*out = xstrdup(value);
	return (0);
}

static int
config_check_hex32(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	*out = NULL;
	if (value[0] == '\0')
		return (0);
	return (config_hex32(o->co_what, value, out, errbuf, errlen));
}

static int
config_check_url(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	size_t	 len;

	if ((strncmp(value, "https://", 8) != 0 &&
	    strncmp(value, "http://", 7) != 0) ||
	    strpbrk(value, " \t\r\n\"<>") != NULL || strlen(value) > 2048)
		return (error_fmt(errbuf, errlen, "invalid %s \"%.80s\": must "
		    "start with https:// (or http://)", o->co_what, value));
	*out = xstrdup(value);
	len = strlen(*out);
	while (len > 8 && (*out)[len - 1] == '/')
		(*out)[--len] = '\0';
	return (0);
}

static int
config_check_key(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	size_t	 len;

	*out = NULL;
	if (value[0] == '\0')
		return (0);
	for (len = 0; value[len] != '\0'; len++)
		if (!isgraph((unsigned char)value[len]))
			return (error_fmt(errbuf, errlen, "invalid %s: only "
			    "printable characters, no spaces", o->co_what));
	if (len > 1024)
		return (error_fmt(errbuf, errlen, "invalid %s: longer than "
		    "1024 bytes", o->co_what));
	*out = xstrdup(value);
	return (0);
}

/*
 * --api-key-file: the key is the file's first line (a final newline and
 * surrounding blanks dropped), checked as --api-key; *out is the key, for
 * the api_key field this row shares (CONFIG_F_ALIAS).  The file must be a
 * regular file of at most 4 KiB that others cannot read.  Messages never
 * quote the key.
 */
static int
config_check_key_file(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	struct stat	 st;
	char		*buf, *p, *e;
	ssize_t		 n;
	size_t		 len = 0, cap = 4097;
	int		 fd, rc;

	*out = NULL;
	if (value[0] == '\0')
		return (0);
	if ((fd = open(value, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return (error_fmt(errbuf, errlen, "API key file %.200s: %s",
		    value, strerror(errno)));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return (error_fmt(errbuf, errlen, "API key file %.200s is not "
		    "a regular file", value));
	}
	if ((st.st_mode & 007) != 0) {
		close(fd);
		return (error_fmt(errbuf, errlen, "API key file %.200s can be "
		    "read by every user (mode %03o): chmod 600 %.200s", value,
		    (unsigned int)(st.st_mode & 0777), value));
	}
	buf = xmalloc(cap);
	while (len < cap - 1) {
		n = read(fd, buf + len, cap - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len >= cap - 1) {
		xfree_secret(buf, cap);
		return (error_fmt(errbuf, errlen, "API key file %.200s is "
		    "larger than 4 KiB", value));
	}
	/* The first line, without blanks around it. */
	p = buf + strspn(buf, " \t");
	p[strcspn(p, "\r\n")] = '\0';
	for (e = p + strlen(p); e > p && (e[-1] == ' ' || e[-1] == '\t'); e--)
		e[-1] = '\0';
	if (*p == '\0') {
		xfree_secret(buf, cap);
		return (error_fmt(errbuf, errlen, "API key file %.200s is "
		    "empty", value));
	}
	rc = config_check_key(o, p, out, errbuf, errlen);
	xfree_secret(buf, cap);
	if (rc == -1)
		return (error_fmt(errbuf, errlen, "invalid API key in %.200s: "
		    "only printable characters, no spaces, at most 1024 bytes",
		    value));
	return (0);
}

/* One list element: no blanks, no commas (the environment's separator). */
static int
config_check_token(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	if (value[0] == '\0' || strpbrk(value, " \t\r\n,") != NULL)
		return (error_fmt(errbuf, errlen, "invalid %s \"%.80s\"",
		    o->co_what, value));
	*out = xstrdup(value);
	return (0);
}

/* FROM=TO of --model-alias (model.c says what is allowed). */
static int
config_check_alias(const struct config_option *o, const char *value,
    char **out, char *errbuf, size_t errlen)
{
	(void)o;
	if (model_alias_check(value, errbuf, errlen) == -1)
		return (-1);
	*out = xstrdup(value);
	return (0);
}

/* 0/1, yes/no, true/false, on/off. */
static int
config_bool(const char *what, const char *value, int *out, char *errbuf,
    size_t errlen)
{
	static const char	*const yes[] = { "1", "yes", "true", "on" };
	static const char	*const no[] = { "0", "no", "false", "off" };
	size_t			 i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(value, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(value, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (error_fmt(errbuf, errlen, "invalid %s \"%.40s\": must be "
	    "1 or 0 (yes/no, true/false, on/off)", what, value));
}

/* Free a string setting's value (wiped first when secret). */
static void
config_str_free(const struct config_option *o, char *s)
{
	if (s != NULL && (o->co_flags & CONFIG_F_SECRET))
		xfree_secret(s, strlen(s));
	else
		free(s);
}

/*
 * Set row o from text.  src is CONFIG_SRC_*: from a flag a list takes one
 * element and a bool or count takes no value (NULL); from the defaults,
 * the environment or a file a list is comma- or space-separated and a
 * bool is 0/1.  -1 with errbuf, cfg unchanged.
 */
int
config_set_option(struct veil_config *cfg, const struct config_option *o,
    const char *value, int src, char *errbuf, size_t errlen)
{
	char		*field = (char *)cfg + o->co_offset;
	char		**sp, ***lp, *s = NULL, *copy, *tok, *save;
	const char	*errstr;
	long long	 n;
	size_t		 i;
	int		*ip, b = 0;
	int		(*check)(const struct config_option *, const char *,
			    char **, char *, size_t);

	if (value == NULL && o->co_type != CONFIG_T_BOOL &&
	    o->co_type != CONFIG_T_COUNT)
		return (error_fmt(errbuf, errlen, "missing value for %s",
		    o->co_name));
	switch (o->co_type) {
	case CONFIG_T_STR:
		sp = (char **)(void *)field;
		if (o->co_check != NULL) {
			if (o->co_check(o, value, &s, errbuf, errlen) == -1)
				return (-1);
		} else if (value[0] != '\0')
			s = xstrdup(value);
		config_str_free(o, *sp);
		*sp = s;
		break;
	case CONFIG_T_INT:
		n = strtonum(value, o->co_min, o->co_max, &errstr);
		if (errstr != NULL)
			return (error_fmt(errbuf, errlen, "invalid %s %.40s: "
			    "must be %lld-%lld", o->co_what, value, o->co_min,
			    o->co_max));
		ip = (int *)(void *)field;
		*ip = (int)n;
		break;
	case CONFIG_T_SIZE:
		return (config_size(o->co_what, value, (size_t)o->co_min,
		    (size_t)o->co_max, (size_t *)(void *)field, errbuf,
		    errlen));
	case CONFIG_T_LIST:
		lp = (char ***)(void *)field;
		check = o->co_check != NULL ? o->co_check : config_check_token;
		if (src == CONFIG_SRC_FLAG) {
			if (check(o, value, &s, errbuf, errlen) == -1)
				return (-1);
			config_list_add(lp, s);
			free(s);
			break;
		}
		/* Check every element before adding any. */
		for (i = 0; i < 2; i++) {
			copy = xstrdup(value);
			for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
			    tok = strtok_r(NULL, ", \t", &save)) {
				if (check(o, tok, &s, errbuf, errlen) == -1) {
					free(copy);
					return (-1);
				}
				if (i == 1)
					config_list_add(lp, s);
				free(s);
			}
			free(copy);
		}
		break;
	case CONFIG_T_BOOL:
		ip = (int *)(void *)field;
		if (value == NULL)
			*ip = 1;
		else if (config_bool(o->co_what, value, &b, errbuf,
		    errlen) == -1)
			return (-1);
		else
			*ip = b;
		break;
	case CONFIG_T_COUNT:
		ip = (int *)(void *)field;
		if (value == NULL) {
			(*ip)++;
			break;
		}
		n = strtonum(value, 0, 100, &errstr);
		if (errstr != NULL)
			return (error_fmt(errbuf, errlen, "invalid %s %.40s: "
			    "must be 0-100", o->co_what, value));
		*ip = (int)n;
		break;
	case CONFIG_T_CLI:
		return (error_fmt(errbuf, errlen, "%s is not a setting",
		    o->co_name));
	}
	cfg->source[o - config_options] = (unsigned char)src;
	return (0);
}

/*
 * Set one option by its long name (the flag without dashes) from text, as
 * a flag does (a list option takes one element).  -1 with errbuf.
 */
int
config_set(struct veil_config *cfg, const char *name, const char *value,
    char *errbuf, size_t errlen)
{
	const struct config_option	*o;

	if ((o = config_option_find(name)) == NULL ||
	    o->co_type == CONFIG_T_CLI)
		return (error_fmt(errbuf, errlen, "unknown option %s", name));
	return (config_set_option(cfg, o, value, CONFIG_SRC_FLAG, errbuf,
	    errlen));
}

/* Defaults, then the environment; -1 with a message in errbuf. */
int
config_init(struct veil_config *cfg, char *errbuf, size_t errlen)
{
	const struct config_option	*o;
	const char			*env[2], *v;
	char				 sub[256];
	size_t				 i;

	memset(cfg, 0, sizeof(*cfg));
	for (o = config_options; o->co_name != NULL; o++) {
		if (o->co_default == NULL)
			continue;
		if (config_set_option(cfg, o, o->co_default,
		    CONFIG_SRC_DEFAULT, sub, sizeof(sub)) == -1) {
			config_clear(cfg);
			return (error_fmt(errbuf, errlen, "built-in default "
			    "of --%s: %s", o->co_name, sub));
		}
	}
	cfg->home = config_default_home();

	for (o = config_options; o->co_name != NULL; o++) {
		/* The alternative first, so that OG_VEIL_* wins. */
		env[0] = o->co_env_alt;
		env[1] = o->co_env;
		for (i = 0; i < 2; i++) {
			if (env[i] == NULL || (v = getenv(env[i])) == NULL)
				continue;
			if (config_set_option(cfg, o, v, CONFIG_SRC_ENV, sub,
			    sizeof(sub)) == -1) {
				/* On failure cfg holds nothing to free. */
				config_clear(cfg);
				return (error_fmt(errbuf, errlen,
				    "%s (from %s)", sub, env[i]));
			}
		}
	}
	return (0);
}

/*
 * Read an env-style file (the -c file, server.conf;
 * contrib/og-veil.env.example): lines NAME=value with the names
 * config_init() reads, '#' comments and blank lines; values may be quoted.
 * Unknown names are refused.
 */
int
config_load_file(struct veil_config *cfg, const char *path, char *errbuf,
    size_t errlen)
{
	const struct config_option	*o;
	FILE				*fp;
	char				 line[4096], sub[256], *p, *eq;
	char				*val, *end;
	size_t				 lineno = 0, vlen;
	int				 rc = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (error_fmt(errbuf, errlen, "%s: %s", path,
		    strerror(errno)));
	while (fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		line[strcspn(line, "\r\n")] = '\0';
		for (p = line; isspace((unsigned char)*p); p++)
			;
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "export ", 7) == 0)
			p += 7;
		if ((eq = strchr(p, '=')) == NULL) {
			rc = error_fmt(errbuf, errlen, "%s:%zu: expected "
			    "NAME=value", path, lineno);
			break;
		}
		*eq = '\0';
		for (val = eq + 1; isspace((unsigned char)*val); val++)
			;
		vlen = strlen(val);
		while (vlen > 0 && isspace((unsigned char)val[vlen - 1]))
			val[--vlen] = '\0';
		if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
		    val[vlen - 1] == val[0]) {
			val[vlen - 1] = '\0';
			val++;
		}
		for (end = eq; end > p && isspace((unsigned char)end[-1]);
		    end--)
			end[-1] = '\0';
		if ((o = config_option_env(p)) == NULL) {
			rc = error_fmt(errbuf, errlen, "%s:%zu: unknown "
			    "setting %.64s", path, lineno, p);
			break;
		}
		if (config_set_option(cfg, o, val, CONFIG_SRC_FILE, sub,
		    sizeof(sub)) == -1) {
			rc = error_fmt(errbuf, errlen, "%s:%zu: %s", path,
			    lineno, sub);
			break;
		}
	}
	fclose(fp);
	return (rc);
}

/* Copy row o's value from src into dst (what dst had is freed). */
void
config_copy_option(struct veil_config *dst, const struct veil_config *src,
    const struct config_option *o, int srcname)
{
	char		*df = (char *)dst + o->co_offset;
	const char	*sf = (const char *)src + o->co_offset;
	char		**list, **sp;
	size_t		 i;

	switch (o->co_type) {
	case CONFIG_T_STR:
		sp = (char **)(void *)df;
		config_str_free(o, *sp);
		*sp = *(char *const *)(const void *)sf != NULL ?
		    xstrdup(*(char *const *)(const void *)sf) : NULL;
		break;
	case CONFIG_T_INT:
	case CONFIG_T_BOOL:
	case CONFIG_T_COUNT:
		memcpy(df, sf, sizeof(int));
		break;
	case CONFIG_T_SIZE:
		memcpy(df, sf, sizeof(size_t));
		break;
	case CONFIG_T_LIST:
		config_list_free(*(char ***)(void *)df);
		*(char ***)(void *)df = NULL;
		list = *(char **const *)(const void *)sf;
		for (i = 0; list != NULL && list[i] != NULL; i++)
			config_list_add((char ***)(void *)df, list[i]);
		break;
	case CONFIG_T_CLI:
		return;
	}
	dst->source[o - config_options] = (unsigned char)srcname;
}

/* Free what cfg owns and zero it. */
void
config_clear(struct veil_config *cfg)
{
	const struct config_option	*o;
	char				*field;

	for (o = config_options; o->co_name != NULL; o++) {
		field = (char *)cfg + o->co_offset;
		if (o->co_flags & CONFIG_F_ALIAS)
			continue;	/* the row it shares with frees it */
		if (o->co_type == CONFIG_T_STR)
			config_str_free(o, *(char **)(void *)field);
		else if (o->co_type == CONFIG_T_LIST)
			config_list_free(*(char ***)(void *)field);
	}
	memset(cfg, 0, sizeof(*cfg));
}

/* Validate the whole configuration once every source is applied. */
int
config_check(const struct veil_config *cfg, char *errbuf, size_t errlen)
{
	char	*tmp = NULL;
	int	 rc;

	if (cfg->port < 1 || cfg->port > 65535)
		return (error_fmt(errbuf, errlen, "invalid port %d: must be "
		    "1-65535", cfg->port));
	if (config_source(cfg, "api-key") == CONFIG_SRC_FLAG &&
	    config_source(cfg, "api-key-file") == CONFIG_SRC_FLAG)
		return (error_fmt(errbuf, errlen, "give --api-key or "
		    "--api-key-file, not both"));
	if (cfg->host == NULL || cfg->host[0] == '\0')
		return (error_fmt(errbuf, errlen, "no host to listen on"));
	if (cfg->home == NULL || cfg->home[0] != '/')
		return (error_fmt(errbuf, errlen, "OG_VEIL_HOME must be an "
		    "absolute path"));
	if (cfg->tee_id != NULL) {
		rc = config_hex32("tee id", cfg->tee_id, &tmp, errbuf, errlen);
		free(tmp);
		tmp = NULL;
		if (rc == -1)
			return (-1);
	}
	if (cfg->expected_pcr != NULL) {
		rc = config_hex32("expected PCR hash", cfg->expected_pcr, &tmp,
		    errbuf, errlen);
		free(tmp);
		if (rc == -1)
			return (-1);
	}
	if (cfg->ca_file != NULL && access(cfg->ca_file, R_OK) == -1)
		return (error_fmt(errbuf, errlen, "CA file %s: %s (check "
		    "--ca-file or SSL_CERT_FILE)", cfg->ca_file,
		    strerror(errno)));
	if (cfg->tee_refresh_interval < 0)
		return (error_fmt(errbuf, errlen, "invalid TEE refresh "
		    "interval %d", cfg->tee_refresh_interval));
	if (cfg->max_conns < 1)
		return (error_fmt(errbuf, errlen, "invalid max conns %d",
		    cfg->max_conns));
	return (0);
}

/* The base URL agents use: http://host:port/v1 (new string). */
char *
config_base_url(const struct veil_config *cfg)
{
	char		*s;
	const char	*h = cfg->host;

	/* An IPv6 literal needs brackets in a URL; 0.0.0.0 is not dialable. */
	if (strchr(h, ':') != NULL)
		xasprintf(&s, "http://[%s]:%d/v1", h, cfg->port);
	else if (strcmp(h, "0.0.0.0") == 0)
		xasprintf(&s, "http://127.0.0.1:%d/v1", cfg->port);
	else
		xasprintf(&s, "http://%s:%d/v1", h, cfg->port);
	return (s);
}

/* $OG_VEIL_HOME/name as a new string. */
char *
config_path(const struct veil_config *cfg, const char *name)
{
	char	*s;

	xasprintf(&s, "%s/%s", cfg->home, name);
	return (s);
}

/*
 * Write the settings in effect to path (created 0600 next to it, then
 * renamed) in the format config_load_file() reads, so that `og-veil
 * restart` starts the server again exactly as it ran: every row with
 * CONFIG_F_SAVE.  The API key is among them: the file is the owner's only,
 * in the 0700 home.
 */
int
config_save_file(const struct veil_config *cfg, const char *path,
    char *errbuf, size_t errlen)
{
	const struct config_option	*o;
	const char			*field;
	char				**list, *tmp, *s;
	struct buf			 b;
	size_t				 i;
	int				 fd, rc = 0;

	buf_init(&b);
	buf_add_str(&b, "# og-veil: the running server's settings, written "
	    "by `og-veil serve`\n# and read by `og-veil restart`.\n");
	for (o = config_options; o->co_name != NULL; o++) {
		if (!(o->co_flags & CONFIG_F_SAVE) || o->co_env == NULL)
			continue;
		field = (const char *)cfg + o->co_offset;
		switch (o->co_type) {
		case CONFIG_T_STR:
			s = *(char *const *)(const void *)field;
			if (s != NULL)
				buf_printf(&b, "%s=%s\n", o->co_env, s);
			break;
		case CONFIG_T_INT:
		case CONFIG_T_BOOL:
		case CONFIG_T_COUNT:
			buf_printf(&b, "%s=%d\n", o->co_env,
			    *(const int *)(const void *)field);
			break;
		case CONFIG_T_SIZE:
			buf_printf(&b, "%s=%zu\n", o->co_env,
			    *(const size_t *)(const void *)field);
			break;
		case CONFIG_T_LIST:
			list = *(char **const *)(const void *)field;
			if (list == NULL || list[0] == NULL)
				break;
			buf_printf(&b, "%s=", o->co_env);
			for (i = 0; list[i] != NULL; i++)
				buf_printf(&b, "%s%s", i == 0 ? "" : ",",
				    list[i]);
			buf_add_str(&b, "\n");
			break;
		case CONFIG_T_CLI:
			break;
		}
	}

	xasprintf(&tmp, "%s.tmp", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		rc = error_fmt(errbuf, errlen, "cannot save %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) == -1) {
		rc = error_fmt(errbuf, errlen, "cannot save %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		rc = error_fmt(errbuf, errlen, "cannot save %s: %s", path,
		    strerror(errno));
		(void)unlink(tmp);
	}
out:
	free(tmp);
	buf_clear(&b, 1);
	return (rc);
}

/* mkdir -p: every missing parent 0700. */
static int
config_mkdirs(const char *path, char *errbuf, size_t errlen)
{
	char	*copy, *p;
	int	 rc = 0;

	copy = xstrdup(path);
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		if (*p == '/') {
			*p = '\0';
			if (mkdir(copy, 0700) == -1 && errno != EEXIST) {
				rc = error_fmt(errbuf, errlen, "cannot create "
				    "%s: %s", copy, strerror(errno));
				break;
			}
			*p = '/';
		} else {
			if (mkdir(copy, 0700) == -1 && errno != EEXIST)
				rc = error_fmt(errbuf, errlen, "cannot create "
				    "%s: %s", copy, strerror(errno));
			break;
		}
	}
	free(copy);
	return (rc);
}

/*
 * Create $OG_VEIL_HOME 0700 (with parents) and check it: a directory we
 * own, not a symlink and not group/other-writable, since it holds the
 * session's tokens.  The one symlink allowed is systemd's own for
 * DynamicUser= (the path equals $STATE_DIRECTORY).
 */
int
config_prepare_home(const struct veil_config *cfg, char *errbuf,
    size_t errlen)
{
	struct stat	 st;
	const char	*home = cfg->home, *sd;
	mode_t		 old;
	int		 rc;

	old = umask(077);
	rc = config_mkdirs(home, errbuf, errlen);
	umask(old);
	if (rc == -1)
		return (-1);
	if (lstat(home, &st) == -1)
		return (error_fmt(errbuf, errlen, "%s: %s", home,
		    strerror(errno)));
	if (S_ISLNK(st.st_mode)) {
		sd = getenv("STATE_DIRECTORY");
		if (sd == NULL || strcmp(sd, home) != 0)
			return (error_fmt(errbuf, errlen, "%s is a symbolic "
			    "link: refusing it; set OG_VEIL_HOME to the real "
			    "directory%s", home, geteuid() == 0 ? " (or use "
			    "--service for the systemd service's)" : ""));
		if (stat(home, &st) == -1)
			return (error_fmt(errbuf, errlen, "%s: %s", home,
			    strerror(errno)));
	}
	if (!S_ISDIR(st.st_mode))
		return (error_fmt(errbuf, errlen, "%s is not a directory: "
		    "move it away or set OG_VEIL_HOME", home));
	if (st.st_uid != geteuid())
		return (error_fmt(errbuf, errlen, "%s is owned by uid %u, "
		    "not by you: set OG_VEIL_HOME to a directory of your own%s",
		    home, (unsigned int)st.st_uid, geteuid() == 0 ? ", or "
		    "use og-veil --service to act as the service's user" :
		    ""));
	if ((st.st_mode & 022) != 0)
		return (error_fmt(errbuf, errlen, "%s is writable by group "
		    "or others (mode %03o): run chmod 700 %s", home,
		    (unsigned int)(st.st_mode & 0777), home));
	return (0);
}

/* 0 when st is owned by root or by us and not group/other-writable. */
static int
config_safe_owner(const struct stat *st)
{
	return ((st->st_uid == 0 || st->st_uid == geteuid()) &&
	    (st->st_mode & 022) == 0 ? 0 : -1);
}

/*
 * systemd's DynamicUser= layout: <dir>/<name> is a symlink to
 * private/<name>, and the link, <dir> and <dir>/private belong to root (or
 * to us) and are writable by nobody else, so nobody else can redirect it.
 * 1 when home is such a link, 0 when not.
 */
static int
config_home_is_systemd_link(const char *home, const struct stat *lst)
{
	struct stat	 st;
	char		 target[PATH_MAX], *dir, *priv;
	const char	*base;
	ssize_t		 n;
	int		 ok = 0;

	if ((lst->st_uid != 0 && lst->st_uid != geteuid()) ||
	    (base = strrchr(home, '/')) == NULL || base[1] == '\0')
		return (0);
	base++;
	if ((n = readlink(home, target, sizeof(target) - 1)) == -1)
		return (0);
	target[n] = '\0';
	if (strncmp(target, "private/", 8) != 0 ||
	    strcmp(target + 8, base) != 0)
		return (0);
	dir = xstrndup(home, (size_t)(base - home));
	xasprintf(&priv, "%sprivate", dir);
	if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
	    config_safe_owner(&st) == 0 && lstat(priv, &st) == 0 &&
	    S_ISDIR(st.st_mode) && config_safe_owner(&st) == 0)
		ok = 1;
	free(dir);
	free(priv);
	return (ok);
}

/*
 * When $OG_VEIL_HOME is a symlink systemd made (DynamicUser=: the path is
 * $STATE_DIRECTORY, or the private/<name> layout above), use the real
 * directory from now on: sqlite opens its files with no symlink on the
 * path.  Any other symlink is left for config_prepare_home() to refuse.
 * -1 with errbuf when the link cannot be resolved.
 */
int
config_resolve_home(struct veil_config *cfg, char *errbuf, size_t errlen)
{
	struct stat	 lst;
	const char	*sd;
	char		*real;

	if (lstat(cfg->home, &lst) == -1 || !S_ISLNK(lst.st_mode))
		return (0);
	sd = getenv("STATE_DIRECTORY");
	if ((sd == NULL || strcmp(sd, cfg->home) != 0) &&
	    !config_home_is_systemd_link(cfg->home, &lst))
		return (0);
	if ((real = realpath(cfg->home, NULL)) == NULL)
		return (error_fmt(errbuf, errlen, "%s: %s", cfg->home,
		    strerror(errno)));
	free(cfg->home);
	cfg->home = real;
	return (0);
}

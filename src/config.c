/*
 * config.c: og-veil's configuration: built-in defaults, then the OG_VEIL_*
 * environment (and SSL_CERT_FILE), then an optional env-style file (-c),
 * then command-line flags, each value validated as it is set with a message
 * that says what to do.  Also the state directory $OG_VEIL_HOME (created
 * 0700; a symlinked or group/other-writable one is refused).  The pins are
 * PROTOCOL.md §3's tee_id and pcr_hash, kept as 0x + lower-case hex.
 */
#include "compat.h"

#include <sys/stat.h>

#include <fcntl.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "og-veil.h"
#include "xmalloc.h"

/* The environment variables config_init() reads, and the option each sets. */
static const struct {
	const char	*env;
	const char	*name;
} config_env[] = {
	{ "OG_VEIL_HOME", "home" },
	{ "OG_VEIL_HOST", "host" },
	{ "OG_VEIL_PORT", "port" },
	{ "OG_VEIL_TEE_ID", "tee-id" },
	{ "OG_VEIL_EXPECTED_PCR_HASH", "expected-pcr" },
	{ "OG_VEIL_APP_URL", "app-url" },
	{ "OG_VEIL_API_KEY", "api-key" },
	{ "SSL_CERT_FILE", "ca-file" },
	{ "OG_VEIL_CA_FILE", "ca-file" },
	{ "OG_VEIL_ALLOW_ORIGINS", "allow-origins" },
	{ "OG_VEIL_ALLOW_HOSTS", "allow-hosts" },
	{ "OG_VEIL_MAX_BODY", "max-body" },
	{ "OG_VEIL_MAX_RESPONSE", "max-response" },
	{ "OG_VEIL_MAX_UNVERIFIED", "max-unverified" },
	{ "OG_VEIL_MAX_HEADERS", "max-headers" },
	{ "OG_VEIL_MAX_CONNS", "max-conns" },
	{ "OG_VEIL_TEE_REFRESH_INTERVAL", "tee-refresh-interval" },
	{ "OG_VEIL_FIRST_BYTE", "first-byte" },
	{ "OG_VEIL_KEEPALIVE", "keepalive" }
};

#define CONFIG_NENV	(sizeof(config_env) / sizeof(config_env[0]))

static int	 config_err(char *, size_t, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static int	 config_hex32(const char *, const char *, char **, char *,
		    size_t);
static int	 config_size(const char *, const char *, size_t, size_t,
		    size_t *, char *, size_t);
static void	 config_list_add(char ***, const char *);
static void	 config_list_free(char **);
static char	*config_default_home(void);
static int	 config_mkdirs(const char *, char *, size_t);

static int
config_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (errbuf != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(errbuf, errlen, fmt, ap);
		va_end(ap);
	}
	return (-1);
}

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
		return (config_err(errbuf, errlen, "invalid %s \"%.80s\": must "
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
	return (config_err(errbuf, errlen, "invalid %s \"%.40s\": must be a "
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

/*
 * Set one option by its long name (the flag without dashes) from text.
 * Environment, file and flags all come through here.  -1 with errbuf.
 */
int
config_set(struct veil_config *cfg, const char *name, const char *value,
    char *errbuf, size_t errlen)
{
	const char	*errstr;
	char		*copy, *tok, *save;
	long long	 n;
	size_t		 len;

	if (strcmp(name, "home") == 0) {
		if (value[0] != '/')
			return (config_err(errbuf, errlen, "invalid home "
			    "\"%s\": OG_VEIL_HOME must be an absolute path",
			    value));
		free(cfg->home);
		cfg->home = xstrdup(value);
		len = strlen(cfg->home);
		while (len > 1 && cfg->home[len - 1] == '/')
			cfg->home[--len] = '\0';
	} else if (strcmp(name, "host") == 0) {
		if (value[0] == '\0' || strlen(value) > 253 ||
		    strpbrk(value, " \t\r\n/") != NULL)
			return (config_err(errbuf, errlen, "invalid host "
			    "\"%.80s\": give an address such as 127.0.0.1 or "
			    "::1", value));
		free(cfg->host);
		cfg->host = xstrdup(value);
	} else if (strcmp(name, "port") == 0) {
		n = strtonum(value, 1, 65535, &errstr);
		if (errstr != NULL)
			return (config_err(errbuf, errlen, "invalid port "
			    "%.40s: must be 1-65535", value));
		cfg->port = (int)n;
	} else if (strcmp(name, "tee-id") == 0) {
		if (value[0] == '\0') {
			free(cfg->tee_id);
			cfg->tee_id = NULL;
			return (0);
		}
		return (config_hex32("tee id", value, &cfg->tee_id, errbuf,
		    errlen));
	} else if (strcmp(name, "expected-pcr") == 0) {
		if (value[0] == '\0') {
			free(cfg->expected_pcr);
			cfg->expected_pcr = NULL;
			return (0);
		}
		return (config_hex32("expected PCR hash", value,
		    &cfg->expected_pcr, errbuf, errlen));
	} else if (strcmp(name, "app-url") == 0) {
		if ((strncmp(value, "https://", 8) != 0 &&
		    strncmp(value, "http://", 7) != 0) ||
		    strpbrk(value, " \t\r\n\"<>") != NULL ||
		    strlen(value) > 2048)
			return (config_err(errbuf, errlen, "invalid app URL "
			    "\"%.80s\": must start with https:// (or http://)",
			    value));
		free(cfg->app_url);
		cfg->app_url = xstrdup(value);
		len = strlen(cfg->app_url);
		while (len > 8 && cfg->app_url[len - 1] == '/')
			cfg->app_url[--len] = '\0';
	} else if (strcmp(name, "api-key") == 0) {
		free(cfg->api_key);
		cfg->api_key = NULL;
		if (value[0] == '\0')
			return (0);
		for (len = 0; value[len] != '\0'; len++)
			if (!isgraph((unsigned char)value[len]))
				return (config_err(errbuf, errlen, "invalid "
				    "API key: only printable characters, no "
				    "spaces"));
		if (len > 1024)
			return (config_err(errbuf, errlen, "invalid API key: "
			    "longer than 1024 bytes"));
		cfg->api_key = xstrdup(value);
	} else if (strcmp(name, "ca-file") == 0) {
		free(cfg->ca_file);
		cfg->ca_file = value[0] == '\0' ? NULL : xstrdup(value);
	} else if (strcmp(name, "allow-origin") == 0 ||
	    strcmp(name, "allow-host") == 0) {
		if (value[0] == '\0' || strpbrk(value, " \t\r\n,") != NULL)
			return (config_err(errbuf, errlen, "invalid --%s "
			    "\"%.80s\"", name, value));
		config_list_add(name[6] == 'o' ? &cfg->allow_origins :
		    &cfg->allow_hosts, value);
	} else if (strcmp(name, "allow-origins") == 0 ||
	    strcmp(name, "allow-hosts") == 0) {
		/* The environment's comma- or space-separated form. */
		copy = xstrdup(value);
		for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
		    tok = strtok_r(NULL, ", \t", &save))
			config_list_add(name[6] == 'o' ? &cfg->allow_origins :
			    &cfg->allow_hosts, tok);
		free(copy);
	} else if (strcmp(name, "max-body") == 0) {
		return (config_size("max body", value, 1024, SIZE_MAX / 4,
		    &cfg->max_body, errbuf, errlen));
	} else if (strcmp(name, "max-response") == 0) {
		return (config_size("max response", value, 1024, SIZE_MAX / 4,
		    &cfg->max_response, errbuf, errlen));
	} else if (strcmp(name, "max-unverified") == 0) {
		return (config_size("max unverified", value, 1024, SIZE_MAX / 4,
		    &cfg->max_unverified, errbuf, errlen));
	} else if (strcmp(name, "max-headers") == 0) {
		return (config_size("max headers", value, 1024, 16U << 20,
		    &cfg->max_headers, errbuf, errlen));
	} else if (strcmp(name, "max-conns") == 0) {
		n = strtonum(value, 1, 1000000, &errstr);
		if (errstr != NULL)
			return (config_err(errbuf, errlen, "invalid max conns "
			    "%.40s: must be 1-1000000", value));
		cfg->max_conns = (int)n;
	} else if (strcmp(name, "tee-refresh-interval") == 0) {
		n = strtonum(value, 0, 86400 * 7, &errstr);
		if (errstr != NULL)
			return (config_err(errbuf, errlen, "invalid TEE "
			    "refresh interval %.40s: must be 0 (off) to 604800 "
			    "seconds", value));
		cfg->tee_refresh_interval = (int)n;
	} else if (strcmp(name, "first-byte") == 0) {
		n = strtonum(value, 0, REQ_DEADLINE_SECONDS, &errstr);
		if (errstr != NULL)
			return (config_err(errbuf, errlen, "invalid first byte "
			    "%.40s: must be 0 (off) to %d seconds", value,
			    REQ_DEADLINE_SECONDS));
		cfg->first_byte = (int)n;
	} else if (strcmp(name, "keepalive") == 0) {
		n = strtonum(value, 1, 300, &errstr);
		if (errstr != NULL)
			return (config_err(errbuf, errlen, "invalid keepalive "
			    "%.40s: must be 1 to 300 seconds", value));
		cfg->keepalive = (int)n;
	} else
		return (config_err(errbuf, errlen, "unknown option %s", name));
	return (0);
}

/* Defaults, then the environment; -1 with a message in errbuf. */
int
config_init(struct veil_config *cfg, char *errbuf, size_t errlen)
{
	const char	*v;
	char		 sub[256];
	size_t		 i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->home = config_default_home();
	cfg->host = xstrdup(OG_VEIL_DEFAULT_HOST);
	cfg->port = OG_VEIL_DEFAULT_PORT;
	cfg->app_url = xstrdup(OG_VEIL_DEFAULT_APP_URL);
	cfg->tee_refresh_interval = OG_VEIL_DEFAULT_REFRESH;
	cfg->max_body = OG_VEIL_DEFAULT_MAX_BODY;
	cfg->max_response = OG_VEIL_DEFAULT_MAX_RESPONSE;
	cfg->max_unverified = OG_VEIL_DEFAULT_MAX_UNVERIFIED;
	cfg->max_headers = OG_VEIL_DEFAULT_MAX_HEADERS;
	cfg->max_conns = OG_VEIL_DEFAULT_MAX_CONNS;
	cfg->first_byte = OG_VEIL_DEFAULT_FIRST_BYTE;
	cfg->keepalive = OG_VEIL_DEFAULT_KEEPALIVE;

	for (i = 0; i < CONFIG_NENV; i++) {
		if ((v = getenv(config_env[i].env)) == NULL)
			continue;
		if (*v == '\0' && strcmp(config_env[i].name, "home") == 0)
			continue;
		if (config_set(cfg, config_env[i].name, v, sub,
		    sizeof(sub)) == -1) {
			/* On failure cfg holds nothing the caller must free. */
			config_clear(cfg);
			return (config_err(errbuf, errlen, "%s (from %s)", sub,
			    config_env[i].env));
		}
	}
	return (0);
}

/*
 * Read an env-style file (the -c file; contrib/og-veil.env.example): lines
 * NAME=value with the names config_init() reads, '#' comments and blank
 * lines; values may be quoted.  Unknown names are refused.
 */
int
config_load_file(struct veil_config *cfg, const char *path, char *errbuf,
    size_t errlen)
{
	FILE	*fp;
	char	 line[4096], sub[256], *p, *eq, *val, *end;
	size_t	 i, lineno = 0, vlen;
	int	 found, rc = 0;

	if ((fp = fopen(path, "r")) == NULL)
		return (config_err(errbuf, errlen, "%s: %s", path,
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
			rc = config_err(errbuf, errlen, "%s:%zu: expected "
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
		found = 0;
		for (i = 0; i < CONFIG_NENV; i++) {
			if (strcmp(config_env[i].env, p) != 0)
				continue;
			found = 1;
			if (config_set(cfg, config_env[i].name, val, sub,
			    sizeof(sub)) == -1) {
				rc = config_err(errbuf, errlen, "%s:%zu: %s",
				    path, lineno, sub);
				goto done;
			}
		}
		if (!found) {
			rc = config_err(errbuf, errlen, "%s:%zu: unknown "
			    "setting %.64s", path, lineno, p);
			break;
		}
	}
done:
	fclose(fp);
	return (rc);
}

/* Free what cfg owns and zero it. */
void
config_clear(struct veil_config *cfg)
{
	free(cfg->home);
	free(cfg->host);
	free(cfg->tee_id);
	free(cfg->expected_pcr);
	free(cfg->app_url);
	if (cfg->api_key != NULL)
		xfree_secret(cfg->api_key, strlen(cfg->api_key));
	free(cfg->ca_file);
	config_list_free(cfg->allow_origins);
	config_list_free(cfg->allow_hosts);
	memset(cfg, 0, sizeof(*cfg));
}

/* Validate the whole configuration once every source is applied. */
int
config_check(const struct veil_config *cfg, char *errbuf, size_t errlen)
{
	char	*tmp = NULL;
	int	 rc;

	if (cfg->port < 1 || cfg->port > 65535)
		return (config_err(errbuf, errlen, "invalid port %d: must be "
		    "1-65535", cfg->port));
	if (cfg->host == NULL || cfg->host[0] == '\0')
		return (config_err(errbuf, errlen, "no host to listen on"));
	if (cfg->home == NULL || cfg->home[0] != '/')
		return (config_err(errbuf, errlen, "OG_VEIL_HOME must be an "
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
		return (config_err(errbuf, errlen, "CA file %s: %s (check "
		    "--ca-file or SSL_CERT_FILE)", cfg->ca_file,
		    strerror(errno)));
	if (cfg->tee_refresh_interval < 0)
		return (config_err(errbuf, errlen, "invalid TEE refresh "
		    "interval %d", cfg->tee_refresh_interval));
	if (cfg->max_conns < 1)
		return (config_err(errbuf, errlen, "invalid max conns %d",
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

/* Append NAME=value to b when value is set. */
static void
config_save_str(struct buf *b, const char *name, const char *value)
{
	if (value != NULL)
		buf_printf(b, "%s=%s\n", name, value);
}

/* Append NAME=a,b,c for a non-empty list. */
static void
config_save_list(struct buf *b, const char *name, char **list)
{
	size_t	i;

	if (list == NULL || list[0] == NULL)
		return;
	buf_printf(b, "%s=", name);
	for (i = 0; list[i] != NULL; i++)
		buf_printf(b, "%s%s", i == 0 ? "" : ",", list[i]);
	buf_add_str(b, "\n");
}

/*
 * Write the settings in effect to path (created 0600 next to it, then
 * renamed) in the format config_load_file() reads, so that `og-veil
 * restart` starts the server again exactly as it ran.  The API key is
 * among them: the file is the owner's only, in the 0700 home.
 */
int
config_save_file(const struct veil_config *cfg, const char *path,
    char *errbuf, size_t errlen)
{
	struct buf	 b;
	char		*tmp;
	int		 fd, rc = 0;

	buf_init(&b);
	buf_add_str(&b, "# og-veil: the running server's settings, written "
	    "by `og-veil serve`\n# and read by `og-veil restart`.\n");
	config_save_str(&b, "OG_VEIL_HOST", cfg->host);
	buf_printf(&b, "OG_VEIL_PORT=%d\n", cfg->port);
	config_save_str(&b, "OG_VEIL_TEE_ID", cfg->tee_id);
	config_save_str(&b, "OG_VEIL_EXPECTED_PCR_HASH", cfg->expected_pcr);
	config_save_str(&b, "OG_VEIL_APP_URL", cfg->app_url);
	config_save_str(&b, "OG_VEIL_API_KEY", cfg->api_key);
	config_save_str(&b, "OG_VEIL_CA_FILE", cfg->ca_file);
	config_save_list(&b, "OG_VEIL_ALLOW_ORIGINS", cfg->allow_origins);
	config_save_list(&b, "OG_VEIL_ALLOW_HOSTS", cfg->allow_hosts);
	buf_printf(&b, "OG_VEIL_MAX_BODY=%zu\nOG_VEIL_MAX_RESPONSE=%zu\n"
	    "OG_VEIL_MAX_UNVERIFIED=%zu\nOG_VEIL_MAX_HEADERS=%zu\n"
	    "OG_VEIL_MAX_CONNS=%d\nOG_VEIL_TEE_REFRESH_INTERVAL=%d\n"
	    "OG_VEIL_FIRST_BYTE=%d\nOG_VEIL_KEEPALIVE=%d\n",
	    cfg->max_body, cfg->max_response, cfg->max_unverified,
	    cfg->max_headers, cfg->max_conns, cfg->tee_refresh_interval,
	    cfg->first_byte, cfg->keepalive);

	xasprintf(&tmp, "%s.tmp", path);
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		rc = config_err(errbuf, errlen, "cannot save %s: %s", path,
		    strerror(errno));
		goto out;
	}
	if (write(fd, b.data, b.len) != (ssize_t)b.len || fsync(fd) == -1) {
		rc = config_err(errbuf, errlen, "cannot save %s: %s", path,
		    strerror(errno));
		(void)close(fd);
		(void)unlink(tmp);
		goto out;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		rc = config_err(errbuf, errlen, "cannot save %s: %s", path,
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
				rc = config_err(errbuf, errlen, "cannot create "
				    "%s: %s", copy, strerror(errno));
				break;
			}
			*p = '/';
		} else {
			if (mkdir(copy, 0700) == -1 && errno != EEXIST)
				rc = config_err(errbuf, errlen, "cannot create "
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
		return (config_err(errbuf, errlen, "%s: %s", home,
		    strerror(errno)));
	if (S_ISLNK(st.st_mode)) {
		sd = getenv("STATE_DIRECTORY");
		if (sd == NULL || strcmp(sd, home) != 0)
			return (config_err(errbuf, errlen, "%s is a symbolic "
			    "link: refusing it; set OG_VEIL_HOME to the real "
			    "directory", home));
		if (stat(home, &st) == -1)
			return (config_err(errbuf, errlen, "%s: %s", home,
			    strerror(errno)));
	}
	if (!S_ISDIR(st.st_mode))
		return (config_err(errbuf, errlen, "%s is not a directory: "
		    "move it away or set OG_VEIL_HOME", home));
	if (st.st_uid != geteuid())
		return (config_err(errbuf, errlen, "%s is owned by uid %u, "
		    "not by you: set OG_VEIL_HOME to a directory of your own",
		    home, (unsigned int)st.st_uid));
	if ((st.st_mode & 022) != 0)
		return (config_err(errbuf, errlen, "%s is writable by group "
		    "or others (mode %03o): run chmod 700 %s", home,
		    (unsigned int)(st.st_mode & 0777), home));
	return (0);
}

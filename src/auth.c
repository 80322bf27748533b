/*
 * auth.c: the CLI-auth bundle of PROTOCOL.md §1: parse and validate the JSON
 * the Chat page posts (or `login --manual` reads) into a struct session.
 * No I/O: the loopback listener is login.c, storage is store.c, refresh is
 * token.c.  Every field is type- and size-checked; nothing is half-filled.
 */
#include "compat.h"

#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "json.h"
#include "og-veil.h"
#include "xmalloc.h"

#define AUTH_TYPE		"opengradient-cli-auth"
#define AUTH_MAX_TOKEN		(64U * 1024)	/* a JWT is a few KiB */
#define AUTH_MAX_URL		2048
#define AUTH_MAX_SHORT		512

enum auth_kind {
	AUTH_TOKEN,		/* visible ASCII only: it goes in a header */
	AUTH_URL,		/* http:// or https://, no spaces */
	AUTH_TEXT		/* UTF-8 without control characters */
};

static int	 auth_string(const struct json_value *, const char *,
		    const char *, int, enum auth_kind, size_t, char **,
		    char *, size_t);
static int	 auth_int(const struct json_value *, const char *,
		    const char *, int64_t, int64_t, int *, int64_t *, char *,
		    size_t);

/*
 * The string member key of obj (named what in messages) into a new *out.
 * Absent or null: an error when required, else *out stays NULL.  Never
 * quotes the value: it may be a credential.
 */
static int
auth_string(const struct json_value *obj, const char *key, const char *what,
    int required, enum auth_kind kind, size_t max, char **out, char *errbuf,
    size_t errlen)
{
	const struct json_value	*v = json_get(obj, key);
	size_t			 i, len;
	unsigned char		 c;

	*out = NULL;
	if (v == NULL || v->type == JSON_NULL) {
		if (required)
			return (error_fmt(errbuf, errlen, "bundle has no %s",
			    what));
		return (0);
	}
	if (v->type != JSON_STRING)
		return (error_fmt(errbuf, errlen, "bundle %s is not a string",
		    what));
	len = v->len;
	if (len == 0) {
		if (required)
			return (error_fmt(errbuf, errlen, "bundle %s is empty",
			    what));
		return (0);
	}
	if (len > max)
		return (error_fmt(errbuf, errlen, "bundle %s is too long (%zu "
		    "bytes, at most %zu)", what, len, max));
	for (i = 0; i < len; i++) {
		c = (unsigned char)v->s[i];
		if (c < 0x20 || c == 0x7f)
			return (error_fmt(errbuf, errlen, "bundle %s holds a "
			    "control character", what));
		if ((kind == AUTH_TOKEN || kind == AUTH_URL) &&
		    (c == ' ' || c >= 0x80))
			return (error_fmt(errbuf, errlen, "bundle %s holds a "
			    "character that is not visible ASCII", what));
	}
	if (kind == AUTH_URL && strncmp(v->s, "https://", 8) != 0 &&
	    strncmp(v->s, "http://", 7) != 0)
		return (error_fmt(errbuf, errlen, "bundle %s is not an http(s) "
		    "URL", what));
	*out = xstrndup(v->s, len);
	if (kind == AUTH_URL) {
		/* A base URL: paths are appended with their own '/'. */
		while (len > 8 && (*out)[len - 1] == '/')
			(*out)[--len] = '\0';
	}
	return (0);
}

/*
 * An integer member (a JSON integer, a float with an integral value or a
 * decimal string) within [min, max]; *present tells whether it was given.
 */
static int
auth_int(const struct json_value *obj, const char *key, const char *what,
    int64_t min, int64_t max, int *present, int64_t *out, char *errbuf,
    size_t errlen)
{
	const struct json_value	*v = json_get(obj, key);
	const char		*errstr;
	double			 d;
	long long		 n;

	*present = 0;
	if (v == NULL || v->type == JSON_NULL)
		return (0);
	switch (v->type) {
	case JSON_INT:
		if (json_to_int64(v, out) == -1)
			goto bad;
		break;
	case JSON_FLOAT:
		if (json_to_double(v, &d) == -1 || d != d ||
		    d < (double)min || d > (double)max)
			goto bad;
		*out = (int64_t)d;
		break;
	case JSON_STRING:
		if (v->len == 0 || v->len > 20 || strlen(v->s) != v->len)
			goto bad;
		n = strtonum(v->s, min, max, &errstr);
		if (errstr != NULL)
			goto bad;
		*out = n;
		break;
	default:
		goto bad;
	}
	if (*out < min || *out > max)
		goto bad;
	*present = 1;
	return (0);
bad:
	return (error_fmt(errbuf, errlen, "bundle %s is not an integer from "
	    "%lld to %lld", what, (long long)min, (long long)max));
}

/*
 * Parse and validate a bundle of len bytes into s (cleared first; filled
 * only on success; the caller clears it).  -1 with an actionable errbuf
 * that never quotes a token.
 */
int
auth_bundle_parse(const char *text, size_t len, struct session *s,
    char *errbuf, size_t errlen)
{
	struct json_limits	 lim = { AUTH_MAX_BUNDLE, 16, 0 };
	struct json_value	*root = NULL;
	const struct json_value	*v, *config, *user;
	struct session		 t;
	const char		*errstr;
	int64_t			 n;
	int			 present, rc = -1;
	size_t			 i;

	memset(s, 0, sizeof(*s));
	memset(&t, 0, sizeof(t));
	if (text == NULL || len == 0)
		return (error_fmt(errbuf, errlen, "empty bundle: paste the "
		    "JSON the Chat app shows"));
	if (len > AUTH_MAX_BUNDLE)
		return (error_fmt(errbuf, errlen, "bundle too large (%zu "
		    "bytes, at most %u)", len, AUTH_MAX_BUNDLE));
	if ((root = json_parse(text, len, &lim, &errstr)) == NULL)
		return (error_fmt(errbuf, errlen, "bundle is not valid JSON: "
		    "%s", errstr));
	if (root->type != JSON_OBJECT) {
		error_fmt(errbuf, errlen, "bundle is not a JSON object");
		goto done;
	}
	v = json_get(root, "type");
	if (v == NULL || v->type != JSON_STRING) {
		error_fmt(errbuf, errlen, "bundle has no type: expected \"%s\"",
		    AUTH_TYPE);
		goto done;
	}
	if (v->len != strlen(AUTH_TYPE) || memcmp(v->s, AUTH_TYPE,
	    v->len) != 0) {
		error_fmt(errbuf, errlen, "bundle type is not \"%s\"",
		    AUTH_TYPE);
		goto done;
	}
	if (auth_string(root, "access_token", "access_token", 1, AUTH_TOKEN,
	    AUTH_MAX_TOKEN, &t.access_token, errbuf, errlen) == -1 ||
	    auth_string(root, "refresh_token", "refresh_token", 0, AUTH_TOKEN,
	    AUTH_MAX_TOKEN, &t.refresh_token, errbuf, errlen) == -1)
		goto done;
	v = json_get(root, "token_type");
	if (v != NULL && v->type != JSON_NULL && (v->type != JSON_STRING ||
	    strcasecmp(v->s, "bearer") != 0)) {
		error_fmt(errbuf, errlen,
		    "bundle token_type is not \"bearer\"");
		goto done;
	}

	if (auth_int(root, "expires_at", "expires_at", 0, INT64_C(1) << 40,
	    &present, &n, errbuf, errlen) == -1)
		goto done;
	if (present)
		t.expires_at = n;
	/*
	 * expires_in is what was left when the page wrote the bundle: a
	 * bundle handed over late has a negative one.  expires_at wins; an
	 * expired token is refreshed before its first use (§2).
	 */
	if (auth_int(root, "expires_in", "expires_in", -10LL * 365 * 86400,
	    10LL * 365 * 86400, &present, &n, errbuf, errlen) == -1)
		goto done;
	if (present && t.expires_at == 0) {
		t.expires_at = (int64_t)time(NULL) + n;
		if (t.expires_at < 1)
			t.expires_at = 1;
	}

	user = json_get(root, "user");
	if (user != NULL && user->type != JSON_NULL) {
		if (user->type != JSON_OBJECT) {
			error_fmt(errbuf, errlen, "bundle user is not an "
			    "object");
			goto done;
		}
		if (auth_string(user, "id", "user.id", 0, AUTH_TEXT,
		    AUTH_MAX_SHORT, &t.user_id, errbuf, errlen) == -1 ||
		    auth_string(user, "email", "user.email", 0, AUTH_TEXT,
		    AUTH_MAX_SHORT, &t.user_email, errbuf, errlen) == -1)
			goto done;
	}

	config = json_get(root, "config");
	if (config == NULL || config->type == JSON_NULL) {
		error_fmt(errbuf, errlen, "bundle has no config");
		goto done;
	}
	if (config->type != JSON_OBJECT) {
		error_fmt(errbuf, errlen, "bundle config is not an object");
		goto done;
	}
	if (auth_string(config, "supabase_url", "config.supabase_url", 1,
	    AUTH_URL, AUTH_MAX_URL, &t.supabase_url, errbuf, errlen) == -1 ||
	    auth_string(config, "supabase_anon_key", "config.supabase_anon_key",
	    1, AUTH_TOKEN, AUTH_MAX_TOKEN, &t.supabase_anon_key, errbuf,
	    errlen) == -1 ||
	    auth_string(config, "chat_api_base_url", "config.chat_api_base_url",
	    1, AUTH_URL, AUTH_MAX_URL, &t.chat_api_base_url, errbuf,
	    errlen) == -1 ||
	    auth_string(config, "app_env", "config.app_env", 0, AUTH_TOKEN,
	    64, &t.app_env, errbuf, errlen) == -1 ||
	    auth_string(config, "tee_registry_rpc_url",
	    "config.tee_registry_rpc_url", 0, AUTH_URL, AUTH_MAX_URL,
	    &t.rpc_url, errbuf, errlen) == -1 ||
	    auth_string(config, "tee_registry_address",
	    "config.tee_registry_address", 0, AUTH_TOKEN, 42,
	    &t.registry_address, errbuf, errlen) == -1)
		goto done;
	if (t.app_env == NULL)
		t.app_env = xstrdup("production");
	if (t.registry_address != NULL) {
		if (strlen(t.registry_address) != 42 ||
		    t.registry_address[0] != '0' ||
		    (t.registry_address[1] != 'x' &&
		    t.registry_address[1] != 'X')) {
			error_fmt(errbuf, errlen, "bundle "
			    "config.tee_registry_address is not 0x followed by "
			    "40 hex digits");
			goto done;
		}
		for (i = 2; i < 42; i++) {
			if (!isxdigit((unsigned char)t.registry_address[i])) {
				error_fmt(errbuf, errlen, "bundle "
				    "config.tee_registry_address is not 0x "
				    "followed by 40 hex digits");
				goto done;
			}
			t.registry_address[i] = (char)tolower(
			    (unsigned char)t.registry_address[i]);
		}
		t.registry_address[1] = 'x';
	}
	if (auth_int(config, "tee_registry_tee_type",
	    "config.tee_registry_tee_type", 0, 255, &present, &n, errbuf,
	    errlen) == -1)
		goto done;
	t.tee_type = present ? (int)n : 0;

	*s = t;
	memset(&t, 0, sizeof(t));
	rc = 0;
done:
	session_clear(&t);
	json_free(root);
	return (rc);
}

/* 1 when the session names a TEE registry, so the daemon can serve. */
int
auth_session_can_serve(const struct session *s)
{
	return (s->rpc_url != NULL && s->registry_address != NULL);
}

/*
 * Split url (http:// or https:// only) into its scheme length (4 or 5)
 * and host (lower case, IPv6 without brackets) and port (0: none given).
 * -1 when it is not such a URL or its authority is unusable.
 */
static int
auth_url_split(const char *url, size_t *schemelen, char *host,
    size_t hostlen, long *port)
{
	const char	*a, *end, *h, *he, *p;
	size_t		 n, i;
	long		 v;

	if (strncasecmp(url, "https://", 8) == 0)
		*schemelen = 5;
	else if (strncasecmp(url, "http://", 7) == 0)
		*schemelen = 4;
	else
		return (-1);
	a = url + *schemelen + 3;
	end = a + strcspn(a, "/?#");
	/* Userinfo is not part of the host. */
	for (h = end; h > a && h[-1] != '@'; h--)
		;
	if (*h == '[') {
		if ((he = memchr(h, ']', (size_t)(end - h))) == NULL)
			return (-1);
		h++;
		p = he + 1;
	} else {
		he = memchr(h, ':', (size_t)(end - h));
		if (he == NULL)
			he = end;
		p = he;
	}
	*port = 0;
	if (p < end) {
		if (*p != ':' || p + 1 == end || end - p > 6)
			return (-1);
		for (v = 0, p++; p < end; p++) {
			if (!isdigit((unsigned char)*p))
				return (-1);
			v = v * 10 + (*p - '0');
		}
		if (v < 1 || v > 65535)
			return (-1);
		*port = v;
	}
	n = (size_t)(he - h);
	if (n == 0 || n >= hostlen)
		return (-1);
	for (i = 0; i < n; i++)
		host[i] = (char)tolower((unsigned char)h[i]);
	host[n] = '\0';
	return (0);
}

/* 1 when host (as auth_url_split() gives it) is a loopback address. */
static int
auth_host_is_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6) ||
		    (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127));
	return (0);
}

int
auth_url_is_private(const char *url)
{
	char	 host[256];
	size_t	 sl;
	long	 port;

	if (url == NULL || auth_url_split(url, &sl, host, sizeof(host),
	    &port) == -1)
		return (0);
	return (sl == 5 || auth_host_is_loopback(host));
}

/*
 * The bundle's auth, relay and RPC URLs must be https:// (the bearer
 * token, the refresh token and the registry travel over them), except on
 * loopback (the devnet), unless allow_http.  The message names the field
 * and the flag; a URL is no credential, so it is quoted.
 */
int
auth_session_check_urls(const struct session *s, int allow_http,
    char *errbuf, size_t errlen)
{
	const struct {
		const char	*what;
		const char	*url;
	} urls[] = {
		{ "config.supabase_url", s->supabase_url },
		{ "config.chat_api_base_url", s->chat_api_base_url },
		{ "config.tee_registry_rpc_url", s->rpc_url }
	};
	size_t	 i;

	if (allow_http)
		return (0);
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		if (urls[i].url == NULL || auth_url_is_private(urls[i].url))
			continue;
		return (error_fmt(errbuf, errlen, "bundle %s is %.200s: plain "
		    "HTTP to a host that is not loopback would send the "
		    "session's tokens in clear; refused (use `og-veil login "
		    "--allow-http` if you really mean it)", urls[i].what,
		    urls[i].url));
	}
	return (0);
}

/* scheme://host[:port], the port left out when it is the default. */
int
auth_url_origin(const char *url, char *out, size_t outlen)
{
	char	 host[256];
	size_t	 sl;
	long	 port;
	int	 n, v6;

	if (auth_url_split(url, &sl, host, sizeof(host), &port) == -1)
		return (-1);
	if ((sl == 5 && port == 443) || (sl == 4 && port == 80))
		port = 0;
	v6 = strchr(host, ':') != NULL;
	if (port != 0)
		n = snprintf(out, outlen, "%s://%s%s%s:%ld", sl == 5 ?
		    "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
		    port);
	else
		n = snprintf(out, outlen, "%s://%s%s%s", sl == 5 ? "https" :
		    "http", v6 ? "[" : "", host, v6 ? "]" : "");
	return (n < 0 || (size_t)n >= outlen ? -1 : 0);
}

/*
 * test-auth.c: the CLI-auth bundle of PROTOCOL.md §1: a full and a minimal
 * bundle, every rule (type, access_token, config and its three required
 * fields, app_env default, optional registry, expires_at/expires_in), wrong
 * types, bounded sizes (over 1 MiB refused), and that a refused bundle
 * leaves the session empty and no message quotes a token.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "og-veil.h"
#include "test.h"
#include "xmalloc.h"

#define FULL \
	"{\"type\": \"opengradient-cli-auth\"," \
	" \"access_token\": \"SECRET-ACCESS-TOKEN\"," \
	" \"refresh_token\": \"SECRET-REFRESH\", \"token_type\": \"bearer\"," \
	" \"expires_at\": 1767225600, \"expires_in\": 3600," \
	" \"user\": {\"id\": \"u-1\", \"email\": \"ada@example.com\"," \
	"   \"is_anonymous\": false}," \
	" \"config\": {\"app_env\": \"staging\"," \
	"   \"supabase_url\": \"https://p.supabase.co/\"," \
	"   \"supabase_anon_key\": \"anon-key\"," \
	"   \"chat_api_base_url\": \"https://chat-api.example\"," \
	"   \"tee_registry_rpc_url\": \"http://127.0.0.1:8545\"," \
	"   \"tee_registry_address\": " \
	"\"0x00000000000000000000000000000000000000AB\"," \
	"   \"tee_registry_tee_type\": 0}}"

/* The head of a bundle with its type and a token. */
#define HEAD \
	"{\"type\": \"opengradient-cli-auth\", \"access_token\": \"t\", "
/* A config with supabase_url and supabase_anon_key, open for more. */
#define CFG "\"config\": {\"supabase_url\": \"https://s\", " \
	"\"supabase_anon_key\": \"a\", "
#define RELAY "\"chat_api_base_url\": \"https://c\""

#define CONFIG_MIN \
	"\"config\": {\"supabase_url\": \"https://p.supabase.co\"," \
	" \"supabase_anon_key\": \"anon\"," \
	" \"chat_api_base_url\": \"https://chat-api.example\"}"

static int
test_parse(const char *text, struct session *s, char *err, size_t errlen)
{
	return (auth_bundle_parse(text, strlen(text), s, err, errlen));
}

/* Refused, with a message containing want, no token, an empty session. */
static int
test_refused(const char *text, const char *want)
{
	struct session	 s;
	char		 err[512];
	size_t		 i;

	memset(err, 0, sizeof(err));
	if (test_parse(text, &s, err, sizeof(err)) != -1) {
		fprintf(stderr, "  accepted: %.200s\n", text);
		session_clear(&s);
		return (-1);
	}
	if (strstr(err, want) == NULL) {
		fprintf(stderr, "  message \"%s\" lacks \"%s\"\n", err, want);
		return (-1);
	}
	if (strstr(err, "SECRET") != NULL) {
		fprintf(stderr, "  message quotes a token: %s\n", err);
		return (-1);
	}
	for (i = 0; i < sizeof(s); i++)
		if (((unsigned char *)&s)[i] != 0) {
			fprintf(stderr, "  session not empty after refusal\n");
			return (-1);
		}
	return (0);
}

static int
test_full(void)
{
	struct session	 s;
	char		 err[256];

	TEST_EQ_INT(test_parse(FULL, &s, err, sizeof(err)), 0);
	TEST_EQ_STR(s.access_token, "SECRET-ACCESS-TOKEN");
	TEST_EQ_STR(s.refresh_token, "SECRET-REFRESH");
	TEST_EQ_INT(s.expires_at, 1767225600);
	TEST_EQ_STR(s.user_id, "u-1");
	TEST_EQ_STR(s.user_email, "ada@example.com");
	TEST_EQ_STR(s.app_env, "staging");
	TEST_EQ_STR(s.supabase_url, "https://p.supabase.co");
	TEST_EQ_STR(s.supabase_anon_key, "anon-key");
	TEST_EQ_STR(s.chat_api_base_url, "https://chat-api.example");
	TEST_EQ_STR(s.rpc_url, "http://127.0.0.1:8545");
	TEST_EQ_STR(s.registry_address,
	    "0x00000000000000000000000000000000000000ab");
	TEST_EQ_INT(s.tee_type, 0);
	TEST_EQ_INT(auth_session_can_serve(&s), 1);
	session_clear(&s);
	return (0);
fail:
	session_clear(&s);
	return (-1);
}

static int
test_minimal(void)
{
	struct session	 s;
	char		 err[256];
	time_t		 now = time(NULL);

	TEST_EQ_INT(test_parse(HEAD
	    "\"expires_in\": 3600, " CONFIG_MIN "}",
	    &s, err, sizeof(err)), 0);
	TEST_EQ_STR(s.app_env, "production");
	TEST_ASSERT(s.refresh_token == NULL && s.user_email == NULL);
	TEST_ASSERT(s.rpc_url == NULL && s.registry_address == NULL);
	TEST_EQ_INT(auth_session_can_serve(&s), 0);
	TEST_ASSERT(s.expires_at >= now + 3600 && s.expires_at <= now + 3610);
	session_clear(&s);

	/* No expiry at all: 0 (unknown); nulls count as absent. */
	TEST_EQ_INT(test_parse(HEAD
	    "\"refresh_token\": null, \"user\": null,"
	    " \"expires_at\": null, " CONFIG_MIN "}", &s, err, sizeof(err)), 0);
	TEST_EQ_INT(s.expires_at, 0);
	session_clear(&s);

	/* expires_at wins over expires_in; a decimal string is accepted. */
	TEST_EQ_INT(test_parse(HEAD
	    "\"expires_at\": \"1767225600\", "
	    "\"expires_in\": 5, " CONFIG_MIN "}", &s, err, sizeof(err)), 0);
	TEST_EQ_INT(s.expires_at, 1767225600);
	session_clear(&s);

	/*
	 * A bundle handed over late: its token already expired (negative
	 * expires_in, or expires_at in the past).  It is accepted, expired,
	 * and refreshed before first use; it was refused ("expires_in is
	 * not an integer from 0 to 315360000").
	 */
	TEST_EQ_INT(test_parse(HEAD "\"refresh_token\": \"r-1\", "
	    "\"expires_in\": -600, " CONFIG_MIN "}", &s, err, sizeof(err)), 0);
	TEST_ASSERT(s.expires_at >= now - 600 && s.expires_at <= now - 590);
	TEST_EQ_INT(token_expired(&s, (int64_t)time(NULL)), 1);
	session_clear(&s);
	TEST_EQ_INT(test_parse(HEAD "\"refresh_token\": \"r-1\", "
	    "\"expires_at\": 1000, \"expires_in\": -315360000, " CONFIG_MIN
	    "}", &s, err, sizeof(err)), 0);
	TEST_EQ_INT(s.expires_at, 1000);
	TEST_EQ_INT(token_expired(&s, (int64_t)time(NULL)), 1);
	session_clear(&s);
	TEST_EQ_INT(test_parse(HEAD "\"expires_in\": \"-30\", " CONFIG_MIN
	    "}", &s, err, sizeof(err)), 0);
	TEST_ASSERT(s.expires_at < now && s.expires_at > 0);
	session_clear(&s);
	/* Still bounded: ten years either way. */
	TEST_ASSERT(test_refused(HEAD "\"expires_in\": -315360001, "
	    CONFIG_MIN "}", "expires_in") == 0);
	return (0);
fail:
	session_clear(&s);
	return (-1);
}

static int
test_type(void)
{
	TEST_ASSERT(test_refused("{\"access_token\": \"t\", " CONFIG_MIN "}",
	    "no type") == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth2\", "
	    "\"access_token\": \"t\", " CONFIG_MIN "}", "type is not") == 0);
	TEST_ASSERT(test_refused("{\"type\": 1, \"access_token\": \"t\", "
	    CONFIG_MIN "}", "no type") == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\\u0000\","
	    " \"access_token\": \"t\", " CONFIG_MIN "}", "type is not") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_access_token(void)
{
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\", "
	    CONFIG_MIN "}", "no access_token") == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": \"\", " CONFIG_MIN "}", "access_token is empty")
	    == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": 12, " CONFIG_MIN "}", "not a string") == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": \"SECRET\\r\\nX-Injected: 1\", " CONFIG_MIN "}",
	    "control character") == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": \"SECRET \", " CONFIG_MIN "}",
	    "not visible ASCII") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"refresh_token\": [1], " CONFIG_MIN "}",
	    "refresh_token is not a string") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"token_type\": \"mac\", " CONFIG_MIN "}",
	    "token_type") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_config(void)
{
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": \"t\"}", "no config") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"config\": []}", "not an object") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"config\": {\"supabase_anon_key\": \"a\","
	    " \"chat_api_base_url\": \"https://c\"}}", "config.supabase_url")
	    == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"config\": {\"supabase_url\": \"\", "
	    "\"supabase_anon_key\": \"a\", " RELAY "}}",
	    "config.supabase_url is empty") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"config\": {\"supabase_url\": \"https://s\""
	    ", \"chat_api_base_url\": \"https://c\"}}",
	    "config.supabase_anon_key") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"config\": {\"supabase_url\": \"https://s\""
	    ", \"supabase_anon_key\": \"a\", \"chat_api_base_url\": \"\"}}",
	    "config.chat_api_base_url is empty") == 0);
	TEST_ASSERT(test_refused(HEAD CFG "\"chat_api_base_url\": "
	    "\"file:///etc\"}}", "not an http(s) URL") == 0);
	TEST_ASSERT(test_refused(HEAD CFG "\"chat_api_base_url\": "
	    "\"https://c\", \"app_env\": 5}}", "config.app_env") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_registry(void)
{
	TEST_ASSERT(test_refused(HEAD CFG RELAY ","
	    " \"tee_registry_address\": \"0x1234\"}}",
	    "config.tee_registry_address") == 0);
	TEST_ASSERT(test_refused(HEAD CFG RELAY ","
	    " \"tee_registry_address\": "
	    "\"0xZZ00000000000000000000000000000000000000\"}}",
	    "40 hex digits") == 0);
	TEST_ASSERT(test_refused(HEAD CFG RELAY ","
	    " \"tee_registry_tee_type\": 256}}", "tee_registry_tee_type") == 0);
	TEST_ASSERT(test_refused(HEAD CFG RELAY ","
	    " \"tee_registry_tee_type\": \"x\"}}", "tee_registry_tee_type")
	    == 0);
	TEST_ASSERT(test_refused(HEAD CFG RELAY ","
	    " \"tee_registry_rpc_url\": 1}}", "tee_registry_rpc_url") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_wrong_types(void)
{
	TEST_ASSERT(test_refused("[]", "not a JSON object") == 0);
	TEST_ASSERT(test_refused("\"opengradient-cli-auth\"",
	    "not a JSON object") == 0);
	TEST_ASSERT(test_refused("{\"type\": \"opengradient-cli-auth\"",
	    "not valid JSON") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"user\": \"ada\", " CONFIG_MIN "}",
	    "user is not an object") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"user\": {\"email\": 5}, " CONFIG_MIN "}",
	    "user.email") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"expires_at\": true, " CONFIG_MIN "}",
	    "expires_at") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"expires_at\": -5, " CONFIG_MIN "}",
	    "expires_at") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"expires_in\": \"soon\", " CONFIG_MIN "}",
	    "expires_in") == 0);
	TEST_ASSERT(test_refused(HEAD
	    "\"expires_at\": 1e300, " CONFIG_MIN "}",
	    "expires_at") == 0);
	TEST_ASSERT(test_refused("", "empty bundle") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_sizes(void)
{
	struct session	 s;
	char		*big = NULL, err[256];
	size_t		 n;

	/* Over 1 MiB: refused before parsing (padding is whitespace). */
	n = AUTH_MAX_BUNDLE + 1;
	big = xmalloc(n + 1);
	memset(big, ' ', n);
	memcpy(big, FULL, strlen(FULL));
	big[n] = '\0';
	TEST_EQ_INT(auth_bundle_parse(big, n, &s, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "too large") != NULL);
	/* Exactly 1 MiB with whitespace is fine. */
	TEST_EQ_INT(auth_bundle_parse(big, n - 1, &s, err, sizeof(err)), 0);
	session_clear(&s);
	free(big);
	big = NULL;

	/* A 70 KiB token is over the per-field bound. */
	n = 70 * 1024;
	big = xmalloc(n + 200);
	snprintf(big, n + 200, "{\"type\": \"opengradient-cli-auth\", "
	    "\"access_token\": \"%0*d\", " CONFIG_MIN "}", (int)n, 0);
	TEST_EQ_INT(test_parse(big, &s, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "too long") != NULL);
	free(big);
	big = NULL;

	/* Deep nesting is a parse error, not a crash. */
	n = 5000;
	big = xmalloc(2 * n + 1);
	memset(big, '[', n);
	memset(big + n, ']', n);
	big[2 * n] = '\0';
	TEST_EQ_INT(test_parse(big, &s, err, sizeof(err)), -1);
	free(big);
	return (0);
fail:
	free(big);
	return (-1);
}

/* Plain HTTP only to loopback; look-alikes and userinfo are not loopback. */
static int
test_private_urls(void)
{
	struct session	s;
	char		err[512];

	TEST_ASSERT(auth_url_is_private("https://chat-api.example"));
	TEST_ASSERT(auth_url_is_private("HTTPS://Chat-Api.Example:8443/x"));
	TEST_ASSERT(auth_url_is_private("http://127.0.0.1:8545"));
	TEST_ASSERT(auth_url_is_private("http://127.3.4.5/"));
	TEST_ASSERT(auth_url_is_private("http://localhost:1"));
	TEST_ASSERT(auth_url_is_private("http://[::1]:9"));
	TEST_ASSERT(auth_url_is_private("http://[::ffff:127.0.0.1]"));
	TEST_ASSERT(auth_url_is_private("http://user@127.0.0.1/"));
	TEST_ASSERT(!auth_url_is_private("http://relay.example"));
	TEST_ASSERT(!auth_url_is_private("http://127.0.0.1.example.test"));
	TEST_ASSERT(!auth_url_is_private("http://127.0.0.1@relay.example/"));
	TEST_ASSERT(!auth_url_is_private("http://10.0.0.1"));
	TEST_ASSERT(!auth_url_is_private("http://[::2]"));
	TEST_ASSERT(!auth_url_is_private("http://127.0.0.1:99999"));
	TEST_ASSERT(!auth_url_is_private("ftp://127.0.0.1"));
	TEST_ASSERT(!auth_url_is_private("http://"));

	memset(&s, 0, sizeof(s));
	s.supabase_url = "https://p.supabase.co";
	s.chat_api_base_url = "http://chat-api.example";
	s.rpc_url = "http://127.0.0.1:8545";
	TEST_EQ_INT(auth_session_check_urls(&s, 0, err, sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "config.chat_api_base_url") != NULL);
	TEST_ASSERT(strstr(err, "--allow-http") != NULL);
	TEST_EQ_INT(auth_session_check_urls(&s, 1, err, sizeof(err)), 0);
	s.chat_api_base_url = "https://chat-api.example";
	s.rpc_url = NULL;
	TEST_EQ_INT(auth_session_check_urls(&s, 0, err, sizeof(err)), 0);
	return (0);
fail:
	return (1);
}

/* The Origin a browser sends for the app's pages. */
static int
test_origin(void)
{
	char	o[300];

	TEST_EQ_INT(auth_url_origin("https://chat.opengradient.ai", o,
	    sizeof(o)), 0);
	TEST_EQ_STR(o, "https://chat.opengradient.ai");
	TEST_EQ_INT(auth_url_origin("HTTPS://Chat.Example:443/app/", o,
	    sizeof(o)), 0);
	TEST_EQ_STR(o, "https://chat.example");
	TEST_EQ_INT(auth_url_origin("http://127.0.0.1:4100/", o, sizeof(o)),
	    0);
	TEST_EQ_STR(o, "http://127.0.0.1:4100");
	TEST_EQ_INT(auth_url_origin("http://x:80", o, sizeof(o)), 0);
	TEST_EQ_STR(o, "http://x");
	TEST_EQ_INT(auth_url_origin("http://u:p@[::1]:8080/a", o, sizeof(o)),
	    0);
	TEST_EQ_STR(o, "http://[::1]:8080");
	TEST_EQ_INT(auth_url_origin("chat.example", o, sizeof(o)), -1);
	TEST_EQ_INT(auth_url_origin("https://", o, sizeof(o)), -1);
	TEST_EQ_INT(auth_url_origin("https://x:0", o, sizeof(o)), -1);
	return (0);
fail:
	return (1);
}

static const struct test_case cases[] = {
	{ "private-urls", test_private_urls },
	{ "origin", test_origin },
	{ "full-bundle", test_full },
	{ "minimal-bundle", test_minimal },
	{ "type-rule", test_type },
	{ "access-token-rule", test_access_token },
	{ "config-rules", test_config },
	{ "registry-fields", test_registry },
	{ "wrong-types", test_wrong_types },
	{ "sizes-bounded", test_sizes }
};

TEST_MAIN("test-auth", cases)

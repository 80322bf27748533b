/*
 * test-token.c: PROTOCOL.md §2 expiry (60 s early, 0 = unknown) and the
 * refresh answer parser.  The refresh round trip runs in test-relay.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "og-veil.h"
#include "test.h"

static int
test_expiry(void)
{
	struct session	s;

	memset(&s, 0, sizeof(s));
	TEST_EQ_INT(token_expired(&s, 1000), 1);	/* no token */
	s.access_token = (char *)(uintptr_t)"t";
	TEST_EQ_INT(token_expired(&s, 1000), 0);	/* unknown: valid */
	s.expires_at = 2000;
	TEST_EQ_INT(token_expired(&s, 1939), 0);
	TEST_EQ_INT(token_expired(&s, 1940), 1);	/* 60 s early */
	TEST_EQ_INT(token_expired(&s, 2500), 1);
	return (0);
fail:
	return (-1);
}

static int
test_parse_one(const char *answer, int want_rc, const char *access,
    const char *refresh, int64_t exp)
{
	char		*a, *r;
	int64_t		 e;
	const char	*errstr;
	int		 rc, ok;

	rc = token_parse_refresh((const uint8_t *)answer, strlen(answer), 1000,
	    &a, &r, &e, &errstr);
	if (rc != want_rc)
		return (-1);
	if (rc == -1)
		return (0);
	ok = strcmp(a, access) == 0 && e == exp &&
	    (refresh == NULL ? r == NULL :
	    r != NULL && strcmp(r, refresh) == 0);
	free(a);
	free(r);
	return (ok ? 0 : -1);
}

static int
test_parse(void)
{
	TEST_ASSERT(test_parse_one("{\"access_token\":\"a\",\"refresh_token\":"
	    "\"r\",\"expires_at\":5000,\"expires_in\":3600}", 0, "a", "r",
	    5000) == 0);
	TEST_ASSERT(test_parse_one("{\"access_token\":\"a\",\"expires_in\":"
	    "3600}", 0, "a", NULL, 4600) == 0);
	TEST_ASSERT(test_parse_one("{\"access_token\":\"a\"}", 0, "a", NULL,
	    0) == 0);
	TEST_ASSERT(test_parse_one("{\"access_token\":\"\"}", -1, NULL, NULL,
	    0) == 0);
	TEST_ASSERT(test_parse_one("{\"access_token\":7}", -1, NULL, NULL,
	    0) == 0);
	TEST_ASSERT(test_parse_one("{\"access_token\":\"a\\u0000b\"}", -1,
	    NULL, NULL, 0) == 0);
	TEST_ASSERT(test_parse_one("not json", -1, NULL, NULL, 0) == 0);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "expiry-margin", test_expiry },
	{ "refresh-answer", test_parse },
};

TEST_MAIN("test-token", cases)

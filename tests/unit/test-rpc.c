/*
 * test-rpc.c: the eth_call request body and the answer parser of rpc.c
 * (PROTOCOL.md §3): id correlation, hex results with or without 0x in
 * either case, JSON-RPC error objects, malformed answers.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "og-veil.h"
#include "test.h"

static int
test_parse(const char *answer, uint64_t id, int want_rc, const char *want)
{
	uint8_t	*out;
	size_t	 n;
	char	 err[256], hex[64];
	int	 rc;

	rc = rpc_parse_response((const uint8_t *)answer, strlen(answer), id,
	    &out, &n, err, sizeof(err));
	if (rc != want_rc) {
		fprintf(stderr, "  %s: rc %d (%s)\n", answer, rc,
		    rc == -1 ? err : "");
		free(out);
		return (-1);
	}
	if (rc == 0) {
		hex_encode(out, n < 30 ? n : 30, hex);
		free(out);
		if (strcmp(hex, want) != 0) {
			fprintf(stderr, "  %s: %s\n", answer, hex);
			return (-1);
		}
	} else if (strstr(err, want) == NULL) {
		fprintf(stderr, "  %s: \"%s\" lacks \"%s\"\n", answer, err,
		    want);
		return (-1);
	}
	return (0);
}

static int
test_request(void)
{
	const uint8_t	 data[] = { 0x4b, 0x60, 0x14, 0xda };
	char		*body;
	size_t		 len;

	body = rpc_request_new(7, "0x00000000000000000000000000000000000000aa",
	    data, sizeof(data), &len);
	TEST_EQ_STR(body, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":"
	    "\"eth_call\",\"params\":[{\"to\":\"0x0000000000000000000000000"
	    "0000000000000aa\",\"data\":\"0x4b6014da\"},\"latest\"]}");
	TEST_EQ_INT(len, strlen(body));
	free(body);
	return (0);
fail:
	free(body);
	return (-1);
}

static int
test_results(void)
{
	TEST_ASSERT(test_parse("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":"
	    "\"0x0aFF\"}", 3, 0, "0aff") == 0);
	TEST_ASSERT(test_parse("{\"id\":3,\"result\":\"0AFF\"}", 3, 0,
	    "0aff") == 0);
	TEST_ASSERT(test_parse("{\"id\":\"3\",\"result\":\"0X01\"}", 3, 0,
	    "01") == 0);
	TEST_ASSERT(test_parse("{\"id\":3,\"result\":\"0x\"}", 3, 0, "") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_errors(void)
{
	TEST_ASSERT(test_parse("{\"id\":3,\"error\":{\"code\":-32000,"
	    "\"message\":\"execution reverted\"}}", 3, -1,
	    "registry RPC error -32000: execution reverted") == 0);
	TEST_ASSERT(test_parse("{\"id\":4,\"result\":\"0x00\"}", 3, -1,
	    "another request id") == 0);
	TEST_ASSERT(test_parse("{\"result\":\"0x00\"}", 3, -1,
	    "another request id") == 0);
	TEST_ASSERT(test_parse("{\"id\":3,\"result\":\"0x0\"}", 3, -1,
	    "not hex") == 0);
	TEST_ASSERT(test_parse("{\"id\":3,\"result\":\"0xzz\"}", 3, -1,
	    "not hex") == 0);
	TEST_ASSERT(test_parse("{\"id\":3,\"result\":12}", 3, -1,
	    "no result") == 0);
	TEST_ASSERT(test_parse("{\"id\":3}", 3, -1, "no result") == 0);
	TEST_ASSERT(test_parse("[1,2]", 3, -1, "not a JSON-RPC") == 0);
	TEST_ASSERT(test_parse("<html>", 3, -1, "not JSON") == 0);
	TEST_ASSERT(test_parse("", 3, -1, "not JSON") == 0);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "request-body", test_request },
	{ "hex-results", test_results },
	{ "errors-and-malformed", test_errors },
};

TEST_MAIN("test-rpc", cases)

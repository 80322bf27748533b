/*
 * test-digest.c: digest.c, the canonical and wire requests (PROTOCOL.md
 * §7), the gateway's canonicalisation and the signed output (§8).  The
 * expected canonical texts are what the reference client hashes.
 */
#include "compat.h"

#include "bytes.h"
#include "digest.h"
#include "json.h"
#include "test.h"

static struct json_value *
parse(const char *s)
{
	const char	*errstr;

	return (json_parse(s, strlen(s), NULL, &errstr));
}

/* 1 when body (stream 0) builds and its canonical JSON is want. */
static int
canon_is(const char *body, const char *want)
{
	struct digest_request	 dr;
	struct json_value	*b;
	const char		*errstr = NULL;
	int			 ok;

	if ((b = parse(body)) == NULL)
		return (0);
	if (digest_build_request(b, 0, &dr, &errstr) == -1) {
		fprintf(stderr, "  %s: refused: %s\n", body, errstr);
		json_free(b);
		digest_request_clear(&dr);
		return (0);
	}
	ok = strcmp(dr.canonical_json, want) == 0;
	if (!ok)
		fprintf(stderr, "  %s:\n    got  %s\n    want %s\n", body,
		    dr.canonical_json, want);
	digest_request_clear(&dr);
	json_free(b);
	return (ok);
}

/* 1 when body is refused with exactly the error want. */
static int
refused(const char *body, const char *want)
{
	struct digest_request	 dr;
	struct json_value	*b;
	const char		*errstr = NULL;
	int			 ok, rc;

	if ((b = parse(body)) == NULL)
		return (0);
	rc = digest_build_request(b, 1, &dr, &errstr);
	ok = rc == -1 && errstr != NULL && strcmp(errstr, want) == 0;
	if (!ok)
		fprintf(stderr, "  %s: rc %d, error \"%s\", want \"%s\"\n",
		    body, rc, rc == -1 && errstr != NULL ? errstr : "", want);
	digest_request_clear(&dr);
	json_free(b);
	return (ok);
}

#define MSG_HI	"\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]"
#define CANON_HI "{\"messages\": [{\"content\": \"hi\", " \
		"\"role\": \"user\"}], \"model\": \"m\", \"temperature\": 0.0}"

static int
test_minimal(void)
{
	struct digest_request	 dr;
	struct json_value	*b, *w = NULL;
	const char		*errstr;
	char			 hex[65];

	memset(&dr, 0, sizeof(dr));
	b = parse("{\"model\":\"gpt-4.1\",\"messages\":[{\"role\":\"user\","
	    "\"content\":\"hi\"}],\"n\":2,\"stream\":true}");
	TEST_ASSERT(b != NULL);
	TEST_EQ_INT(digest_build_request(b, 0, &dr, &errstr), 0);
	TEST_EQ_STR(dr.canonical_json, "{\"messages\": [{\"content\": \"hi\", "
	    "\"role\": \"user\"}], \"model\": \"gpt-4.1\", "
	    "\"temperature\": 0.0}");
	TEST_EQ_INT(dr.canonical_len, strlen(dr.canonical_json));
	hex_encode(dr.request_hash, 32, hex);
	TEST_EQ_STR(hex,
	    "625d9fe65df17a7ea5253a971d519b5b00f413a6853c54d2de569301dae744dc");
	TEST_ASSERT(json_get(dr.wire, "stream") == NULL);
	TEST_ASSERT(json_get(dr.wire, "n") == NULL);
	TEST_ASSERT((w = json_parse(dr.wire_json, dr.wire_len, NULL,
	    &errstr)) != NULL);
	TEST_ASSERT(json_equal(w, dr.wire));
	TEST_ASSERT(json_equal(dr.wire, dr.canonical));
	json_free(w);
	w = NULL;
	digest_request_clear(&dr);
	TEST_ASSERT(dr.wire == NULL && dr.canonical_json == NULL);
	digest_request_clear(&dr);
	json_free(b);
	return (0);
fail:
	digest_request_clear(&dr);
	json_free(b);
	json_free(w);
	return (-1);
}

static int
test_temperature(void)
{
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ",\"temperature\":1}",
	    "{\"messages\": [{\"content\": \"hi\", \"role\": \"user\"}], "
	    "\"model\": \"m\", \"temperature\": 1.0}"));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI
	    ",\"temperature\":null}", CANON_HI));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ",\"temperature\":-0}",
	    CANON_HI));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI
	    ",\"temperature\":1e-7}",
	    "{\"messages\": [{\"content\": \"hi\", \"role\": \"user\"}], "
	    "\"model\": \"m\", \"temperature\": 1e-07}"));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI
	    ",\"temperature\":true}",
	    "{\"messages\": [{\"content\": \"hi\", \"role\": \"user\"}], "
	    "\"model\": \"m\", \"temperature\": 1.0}"));
	TEST_ASSERT(refused("{\"model\":\"m\"," MSG_HI
	    ",\"temperature\":\"hot\"}",
	    "'temperature' must be a number, got str"));
	TEST_ASSERT(refused("{\"model\":\"m\"," MSG_HI
	    ",\"temperature\":1e400}",
	    "'temperature' must be a finite number"));
	TEST_ASSERT(refused("{\"model\":\"m\"," MSG_HI
	    ",\"temperature\":[]}",
	    "'temperature' must be a number, got list"));
	return (0);
fail:
	return (-1);
}

static int
test_optional_fields(void)
{
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ",\"max_tokens\":0,"
	    "\"stop\":\"END\",\"web_search\":\"yes\",\"tools\":[{\"b\":1,"
	    "\"a\":2}],\"response_format\":{\"type\":\"json_object\"},"
	    "\"top_p\":0.5,\"user\":\"u\"}",
	    "{\"max_tokens\": 0, \"messages\": [{\"content\": \"hi\", "
	    "\"role\": \"user\"}], \"model\": \"m\", \"response_format\": "
	    "{\"type\": \"json_object\"}, \"stop\": \"END\", \"temperature\": "
	    "0.0, \"tools\": [{\"a\": 2, \"b\": 1}], \"web_search\": true}"));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ",\"max_tokens\":null,"
	    "\"stop\":[],\"web_search\":0,\"tools\":\"\",\"response_format\":"
	    "{},\"tool_choice\":\"auto\"}", CANON_HI));
	TEST_ASSERT(refused("{\"model\":\"m\"," MSG_HI ",\"tools\":{\"a\":1}}",
	    "'tools' must be a list, got dict"));
	TEST_ASSERT(refused("{\"model\":\"m\"," MSG_HI ",\"tools\":\"x\"}",
	    "'tools' must be a list, got str"));
	return (0);
fail:
	return (-1);
}

static int
test_user_content(void)
{
	static const struct {
		const char	*content;
		const char	*canon;
	} cases[] = {
		{ "null", "\"None\"" },
		{ "true", "\"True\"" },
		{ "false", "\"False\"" },
		{ "42", "\"42\"" },
		{ "-0", "\"0\"" },
		{ "123456789012345678901234567890",
		    "\"123456789012345678901234567890\"" },
		{ "1.50", "\"1.5\"" },
		{ "1e16", "\"1e+16\"" },
		{ "-0.0", "\"-0.0\"" },
		{ "1e400", "\"inf\"" },
		{ "-1e400", "\"-inf\"" },
		{ "\"\"", "\"\"" },
		{ "[]", "[]" },
	};
	char	body[256], want[256];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(body, sizeof(body), "{\"model\":\"m\",\"messages\":"
		    "[{\"role\":\"user\",\"content\":%s}]}", cases[i].content);
		snprintf(want, sizeof(want), "{\"messages\": [{\"content\": "
		    "%s, \"role\": \"user\"}], \"model\": \"m\", "
		    "\"temperature\": 0.0}", cases[i].canon);
		TEST_ASSERT(canon_is(body, want));
	}
	/* Absent content is dict.get()'s None, so "None" too. */
	TEST_ASSERT(canon_is("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"user\"}]}", "{\"messages\": [{\"content\": \"None\", \"role\": "
	    "\"user\"}], \"model\": \"m\", \"temperature\": 0.0}"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	    "\"content\":{\"a\":1}}]}",
	    "user message content must be a string or a list of parts, "
	    "got dict"));
	return (0);
fail:
	return (-1);
}

static int
test_wire_keeps_user_content(void)
{
	struct digest_request	 dr;
	struct json_value	*b;
	const struct json_value	*m;
	const char		*errstr;

	memset(&dr, 0, sizeof(dr));
	b = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	    "\"content\":null},{\"role\":\"user\",\"content\":[{\"type\":"
	    "\"image_url\",\"image_url\":{\"url\":\"data:x\"}}]},{\"role\":"
	    "\"developer\",\"content\":\"d\"}],\"tool_choice\":null}");
	TEST_ASSERT(b != NULL);
	TEST_EQ_INT(digest_build_request(b, 1, &dr, &errstr), 0);
	m = json_index(json_get(dr.wire, "messages"), 0);
	TEST_ASSERT(json_is(json_get(m, "content"), JSON_NULL));
	m = json_index(json_get(dr.wire, "messages"), 1);
	TEST_EQ_STR(json_get_str(json_get(json_index(json_get(m, "content"),
	    0), "image_url"), "url"), "data:x");
	m = json_index(json_get(dr.wire, "messages"), 2);
	TEST_EQ_STR(json_get_str(m, "role"), "system");
	TEST_ASSERT(json_is(json_get(dr.wire, "stream"), JSON_TRUE));
	/* §7: tool_choice null is not sent (it was, as null). */
	TEST_ASSERT(json_get(dr.wire, "tool_choice") == NULL);
	TEST_EQ_STR(dr.canonical_json, "{\"messages\": [{\"content\": "
	    "\"None\", \"role\": \"user\"}, {\"content\": [{\"type\": "
	    "\"image_url\"}], \"role\": \"user\"}, {\"content\": \"d\", "
	    "\"role\": \"system\"}], \"model\": \"m\", \"temperature\": 0.0}");
	digest_request_clear(&dr);
	json_free(b);
	return (0);
fail:
	digest_request_clear(&dr);
	json_free(b);
	return (-1);
}

static int
test_parts(void)
{
	TEST_ASSERT(canon_is("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"user\",\"content\":[{\"type\":\"text\",\"text\":null},"
	    "{\"type\":\"text\"},"
	    "{\"type\":\"text\",\"text\":0},{\"type\":\"text\",\"text\":\"a\","
	    "\"x\":1},{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\","
	    "\"file_data\":\"QQ==\"}},{\"type\":\"file\",\"filename\":\"b\"},"
	    "{\"type\":\"file\",\"file\":{\"filename\":\"\"},\"filename\":"
	    "\"c\"},{\"type\":\"file\",\"filename\":\"\"},{\"type\":"
	    "\"input_audio\",\"filename\":7},{\"image_url\":{}}]}]}",
	    "{\"messages\": [{\"content\": [{\"text\": \"\", \"type\": "
	    "\"text\"}, {\"text\": \"\", \"type\": \"text\"}, {\"text\": \"\", "
	    "\"type\": \"text\"}, {\"text\": \"a\", \"type\": \"text\"}, "
	    "{\"filename\": \"a.pdf\", \"type\": \"file\"}, {\"filename\": "
	    "\"b\", \"type\": \"file\"}, {\"filename\": \"c\", \"type\": "
	    "\"file\"}, {\"type\": \"file\"}, {\"type\": \"input_audio\"}, "
	    "{\"type\": null}], \"role\": \"user\"}], \"model\": \"m\", "
	    "\"temperature\": 0.0}"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	    "\"content\":[\"hi\"]}]}",
	    "each content part must be a JSON object, got str"));
	return (0);
fail:
	return (-1);
}

static int
test_assistant(void)
{
	TEST_ASSERT(canon_is("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"assistant\",\"content\":null,\"tool_calls\":[{\"function\":{}},"
	    "{\"id\":null,\"type\":\"x\",\"function\":{\"name\":\"f\","
	    "\"arguments\":\"{}\",\"extra\":1},\"extra\":2}]},{\"role\":"
	    "\"assistant\",\"content\":\"a\",\"tool_calls\":[]},{\"role\":"
	    "\"assistant\",\"tool_calls\":[{}]}]}",
	    "{\"messages\": [{\"content\": \"\", \"role\": \"assistant\", "
	    "\"tool_calls\": [{\"function\": {\"arguments\": \"\", \"name\": "
	    "\"\"}, \"id\": \"\", \"type\": \"function\"}, {\"function\": "
	    "{\"arguments\": \"{}\", \"name\": \"f\"}, \"id\": null, \"type\": "
	    "\"x\"}]}, {\"content\": \"a\", \"role\": \"assistant\"}, "
	    "{\"content\": \"\", \"role\": \"assistant\", \"tool_calls\": "
	    "[{\"function\": {\"arguments\": \"\", \"name\": \"\"}, \"id\": "
	    "\"\", \"type\": \"function\"}]}], \"model\": \"m\", "
	    "\"temperature\": 0.0}"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"assistant\",\"tool_calls\":{\"a\":1}}]}",
	    "'tool_calls' must be a list, got dict"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"assistant\",\"tool_calls\":[1]}]}",
	    "each tool call must be a JSON object, got int"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"assistant\",\"tool_calls\":[{\"function\":null}]}]}",
	    "a tool call's 'function' must be a JSON object, got NoneType"));
	return (0);
fail:
	return (-1);
}

static int
test_tool_function_roles(void)
{
	TEST_ASSERT(canon_is("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"tool\",\"content\":\"r\"},{\"role\":\"tool\","
	    "\"tool_call_id\":\"c\",\"content\":[1]},{\"role\":\"function\","
	    "\"content\":\"r\"},"
	    "{\"role\":\"function\",\"name\":\"f\",\"content\":null},"
	    "{\"role\":\"system\"}]}",
	    "{\"messages\": [{\"content\": \"r\", \"role\": \"tool\", "
	    "\"tool_call_id\": null}, {\"content\": [1], \"role\": \"tool\", "
	    "\"tool_call_id\": \"c\"}, {\"content\": \"r\", \"name\": null, "
	    "\"role\": \"function\"}, {\"content\": null, \"name\": \"f\", "
	    "\"role\": \"function\"}, {\"content\": null, \"role\": "
	    "\"system\"}], \"model\": \"m\", \"temperature\": 0.0}"));
	return (0);
fail:
	return (-1);
}

static int
test_errors(void)
{
	TEST_ASSERT(refused("[]", "the request body must be a JSON object, "
	    "got list"));
	TEST_ASSERT(refused("{\"messages\":[{\"role\":\"user\","
	    "\"content\":\"hi\"}]}", "request is missing a 'model'"));
	TEST_ASSERT(refused("{\"model\":\"\"," MSG_HI "}",
	    "request is missing a 'model'"));
	TEST_ASSERT(refused("{\"model\":null," MSG_HI "}",
	    "request is missing a 'model'"));
	TEST_ASSERT(refused("{\"model\":5," MSG_HI "}",
	    "'model' must be a string, got int"));
	TEST_ASSERT(refused("{\"model\":\"m\"}",
	    "request is missing 'messages'"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[]}",
	    "request is missing 'messages'"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":null}",
	    "request is missing 'messages'"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":{\"a\":1}}",
	    "'messages' must be a list, got dict"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[\"hi\"]}",
	    "each message must be a JSON object, got str"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[null]}",
	    "each message must be a JSON object, got NoneType"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"wizard\",\"content\":\"x\"}]}",
	    "unknown message role: 'wizard'"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"content\":"
	    "\"x\"}]}", "unknown message role: None"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":7}]}",
	    "unknown message role, got int"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"us'er\"}]}", "unknown message role"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"user\\u0000\"}]}", "unknown message role"));
	TEST_ASSERT(refused("{\"model\":\"m\",\"messages\":[{\"role\":"
	    "\"User\"}]}", "unknown message role: 'User'"));
	return (0);
fail:
	return (-1);
}

static int
test_stream_and_gateway(void)
{
	struct digest_request	 d0, d1, g;
	struct json_value	*b;
	const char		*errstr;

	memset(&d0, 0, sizeof(d0));
	memset(&d1, 0, sizeof(d1));
	memset(&g, 0, sizeof(g));
	b = parse("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
	    "\"content\":null},{\"role\":\"assistant\",\"tool_calls\":[{}]},"
	    "{\"role\":\"tool\"},{\"role\":\"developer\",\"content\":\"d\"}],"
	    "\"temperature\":1,\"tool_choice\":\"auto\",\"web_search\":1,"
	    "\"tools\":[{\"type\":\"function\"}]}");
	TEST_ASSERT(b != NULL);
	TEST_EQ_INT(digest_build_request(b, 0, &d0, &errstr), 0);
	TEST_EQ_INT(digest_build_request(b, 1, &d1, &errstr), 0);
	TEST_EQ_STR(d0.canonical_json, d1.canonical_json);
	TEST_EQ_MEM(d0.request_hash, d1.request_hash, 32);
	TEST_ASSERT(json_get(d0.wire, "stream") == NULL);
	TEST_ASSERT(json_is(json_get(d1.wire, "stream"), JSON_TRUE));
	TEST_EQ_STR(json_get_str(d1.wire, "tool_choice"), "auto");
	/* The gateway hashes the wire it decrypted to the same bytes. */
	TEST_EQ_INT(digest_gateway_request(d1.wire, &g, &errstr), 0);
	TEST_EQ_STR(g.canonical_json, d0.canonical_json);
	TEST_EQ_MEM(g.request_hash, d0.request_hash, 32);
	TEST_ASSERT(json_equal(g.wire, d1.wire));
	digest_request_clear(&g);
	TEST_EQ_INT(digest_gateway_request(d0.wire, &g, &errstr), 0);
	TEST_EQ_STR(g.canonical_json, d0.canonical_json);
	digest_request_clear(&g);
	json_object_set(d0.wire, "model", json_new_int(1));
	TEST_EQ_INT(digest_gateway_request(d0.wire, &g, &errstr), -1);
	TEST_EQ_STR(errstr, "'model' must be a string, got int");
	digest_request_clear(&g);
	digest_request_clear(&d0);
	digest_request_clear(&d1);
	json_free(b);
	return (0);
fail:
	digest_request_clear(&d0);
	digest_request_clear(&d1);
	digest_request_clear(&g);
	json_free(b);
	return (-1);
}

/* 1 when the response's signed output is want (NULL: an error). */
static int
output_isn(const char *resp, const char *want, size_t wantlen)
{
	struct json_value	*r;
	const char		*errstr;
	char			*out = NULL;
	size_t			 len;
	int			 rc, ok;

	if ((r = parse(resp)) == NULL)
		return (0);
	rc = digest_response_output(r, &out, &len, &errstr);
	json_free(r);
	if (want == NULL)
		ok = rc == -1 && out == NULL;
	else
		ok = rc == 0 && len == wantlen && memcmp(out, want, len) == 0 &&
		    out[len] == '\0';
	if (!ok)
		fprintf(stderr, "  %s: got %s\n", resp, out ? out : "(error)");
	free(out);
	return (ok);
}

static int
output_is(const char *resp, const char *want)
{
	return (output_isn(resp, want, want != NULL ? strlen(want) : 0));
}

static int
test_response_output(void)
{
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":"
	    "\"Hello \\ud83d\\ude00\"},\"finish_reason\":\"stop\"}]}",
	    "Hello \xf0\x9f\x98\x80"));
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":"
	    "[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"x\"},\"s\","
	    "{\"text\":5},{\"text\":\"b\"}]}}]}", "ab"));
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":null,"
	    "\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":"
	    "{\"name\":\"f\",\"arguments\":\"{\\\"x\\\": 1}\"}}]},"
	    "\"finish_reason\":\"tool_calls\"}]}",
	    "[{\"function\": {\"arguments\": \"{\\\"x\\\": 1}\", \"name\": "
	    "\"f\"}, \"id\": \"c\", \"type\": \"function\"}]"));
	/* tool_calls only count when the choice finished with them. */
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":\"t\","
	    "\"tool_calls\":[{}]},\"finish_reason\":\"stop\"}]}", "t"));
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":\"t\","
	    "\"tool_calls\":{}},\"finish_reason\":\"tool_calls\"}]}", "t"));
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":"
	    "null}}]}", ""));
	TEST_ASSERT(output_is("{\"choices\":[{\"message\":{\"content\":7}}]}",
	    ""));
	TEST_ASSERT(output_is("{\"choices\":[{}]}", ""));
	TEST_ASSERT(output_isn("{\"choices\":[{\"message\":{\"content\":"
	    "\"a\\u0000b\"}},{\"message\":{\"content\":\"second\"}}]}",
	    "a\0b", 3));
	TEST_ASSERT(output_is("{\"choices\":[]}", NULL));
	TEST_ASSERT(output_is("{\"choices\":[1]}", NULL));
	TEST_ASSERT(output_is("{}", NULL));
	TEST_ASSERT(output_is("[]", NULL));
	return (0);
fail:
	return (-1);
}

static int
test_hash_hex(void)
{
	char	hex[65];

	digest_hash_hex("", 0, hex);
	TEST_EQ_STR(hex,
	    "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470");
	return (0);
fail:
	return (-1);
}

/* 1 when body's wire request (stream 0) serialises to exactly want. */
static int
wire_is(const char *body, const char *want)
{
	struct digest_request	 dr;
	struct json_value	*b;
	const char		*errstr = NULL;
	int			 ok;

	if ((b = parse(body)) == NULL)
		return (0);
	if (digest_build_request(b, 0, &dr, &errstr) == -1) {
		fprintf(stderr, "  %s: refused: %s\n", body, errstr);
		json_free(b);
		digest_request_clear(&dr);
		return (0);
	}
	ok = strcmp(dr.wire_json, want) == 0;
	if (!ok)
		fprintf(stderr, "  %s:\n    got  %s\n    want %s\n", body,
		    dr.wire_json, want);
	digest_request_clear(&dr);
	json_free(b);
	return (ok);
}

/*
 * §7: max_completion_tokens is sent and hashed as max_tokens when
 * max_tokens is absent or null (a number only); max_tokens wins; the
 * gateway side does not map it (the enclave reads no such field).
 */
static int
test_max_completion_tokens(void)
{
	struct digest_request	 dr;
	struct json_value	*b = NULL;
	const char		*errstr;

	memset(&dr, 0, sizeof(dr));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ","
	    "\"max_completion_tokens\":64}",
	    "{\"max_tokens\": 64, \"messages\": [{\"content\": \"hi\", "
	    "\"role\": \"user\"}], \"model\": \"m\", \"temperature\": 0.0}"));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ",\"max_tokens\":null,"
	    "\"max_completion_tokens\":7}",
	    "{\"max_tokens\": 7, \"messages\": [{\"content\": \"hi\", "
	    "\"role\": \"user\"}], \"model\": \"m\", \"temperature\": 0.0}"));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ",\"max_tokens\":5,"
	    "\"max_completion_tokens\":7}",
	    "{\"max_tokens\": 5, \"messages\": [{\"content\": \"hi\", "
	    "\"role\": \"user\"}], \"model\": \"m\", \"temperature\": 0.0}"));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ","
	    "\"max_completion_tokens\":null}", CANON_HI));
	TEST_ASSERT(canon_is("{\"model\":\"m\"," MSG_HI ","
	    "\"max_completion_tokens\":\"64\"}", CANON_HI));
	TEST_ASSERT(wire_is("{\"model\":\"m\"," MSG_HI ","
	    "\"max_completion_tokens\":64}",
	    "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", "
	    "\"content\": \"hi\"}], \"temperature\": 0.0, \"max_tokens\": "
	    "64}"));
	b = parse("{\"model\":\"m\"," MSG_HI ",\"max_completion_tokens\":64}");
	TEST_ASSERT(b != NULL);
	TEST_EQ_INT(digest_gateway_request(b, &dr, &errstr), 0);
	TEST_EQ_STR(dr.canonical_json, CANON_HI);
	digest_request_clear(&dr);
	json_free(b);
	return (0);
fail:
	digest_request_clear(&dr);
	json_free(b);
	return (-1);
}

/* §7: tool_choice goes on the wire only when present and not null. */
static int
test_tool_choice(void)
{
	TEST_ASSERT(wire_is("{\"model\":\"m\"," MSG_HI ",\"tool_choice\":null}",
	    "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", "
	    "\"content\": \"hi\"}], \"temperature\": 0.0}"));
	TEST_ASSERT(wire_is("{\"model\":\"m\"," MSG_HI ",\"tool_choice\":"
	    "\"none\"}",
	    "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", "
	    "\"content\": \"hi\"}], \"temperature\": 0.0, \"tool_choice\": "
	    "\"none\"}"));
	TEST_ASSERT(wire_is("{\"model\":\"m\"," MSG_HI ",\"tool_choice\":"
	    "{\"type\":\"function\",\"function\":{\"name\":\"f\"}}}",
	    "{\"model\": \"m\", \"messages\": [{\"role\": \"user\", "
	    "\"content\": \"hi\"}], \"temperature\": 0.0, \"tool_choice\": "
	    "{\"type\": \"function\", \"function\": {\"name\": \"f\"}}}"));
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "minimal", test_minimal },
	{ "temperature", test_temperature },
	{ "optional-fields", test_optional_fields },
	{ "max-completion-tokens", test_max_completion_tokens },
	{ "tool-choice", test_tool_choice },
	{ "user-content", test_user_content },
	{ "wire-keeps-user-content", test_wire_keeps_user_content },
	{ "parts", test_parts },
	{ "assistant", test_assistant },
	{ "tool-function-roles", test_tool_function_roles },
	{ "errors", test_errors },
	{ "stream-and-gateway", test_stream_and_gateway },
	{ "response-output", test_response_output },
	{ "hash-hex", test_hash_hex },
};

TEST_MAIN("test-digest", cases)

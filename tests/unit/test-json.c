/*
 * test-json.c: json.c, the parser and tree that keep what CPython's
 * json.loads keeps (PROTOCOL.md §7).
 */
#include "compat.h"

#include "bytes.h"
#include "json.h"
#include "test.h"
#include "xmalloc.h"

static struct json_value *
parse(const char *s, const char **errstr)
{
	return (json_parse(s, strlen(s), NULL, errstr));
}

/* 1 when s parses to a single string of exactly the hex bytes given. */
static int
string_is(const char *s, const char *hex)
{
	struct json_value	*v;
	const char		*errstr;
	uint8_t			*want;
	size_t			 wlen;
	int			 ok;

	if ((v = parse(s, &errstr)) == NULL)
		return (0);
	want = test_unhex(hex, &wlen);
	ok = v->type == JSON_STRING && v->len == wlen &&
	    memcmp(v->s, want, wlen) == 0;
	free(want);
	json_free(v);
	return (ok);
}

static int
test_scalars(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;

	TEST_ASSERT((v = parse(" null ", &errstr)) != NULL);
	TEST_EQ_INT(v->type, JSON_NULL);
	json_free(v);
	TEST_ASSERT((v = parse("true", &errstr)) != NULL);
	TEST_EQ_INT(v->type, JSON_TRUE);
	json_free(v);
	TEST_ASSERT((v = parse("\n\tfalse\r\n", &errstr)) != NULL);
	TEST_EQ_INT(v->type, JSON_FALSE);
	json_free(v);
	TEST_ASSERT((v = parse("\"a/b\"", &errstr)) != NULL);
	TEST_EQ_INT(v->type, JSON_STRING);
	TEST_EQ_STR(v->s, "a/b");
	json_free(v);
	v = NULL;
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_numbers_raw(void)
{
	static const struct {
		const char	*in;
		enum json_type	 type;
	} cases[] = {
		{ "0", JSON_INT }, { "-0", JSON_INT }, { "42", JSON_INT },
		{ "1000000000000000000000000000000", JSON_INT },
		{ "0.1", JSON_FLOAT }, { "1e400", JSON_FLOAT },
		{ "1E+2", JSON_FLOAT }, { "-0.0", JSON_FLOAT },
		{ "5e-324", JSON_FLOAT },
	};
	struct json_value	*v = NULL;
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_ASSERT((v = parse(cases[i].in, &errstr)) != NULL);
		TEST_EQ_INT(v->type, cases[i].type);
		TEST_EQ_STR(v->s, cases[i].in);
		json_free(v);
		v = NULL;
	}
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_invalid(void)
{
	static const char *bad[] = {
		"", " ", "01", "1 2", "[1,]", "{\"a\"}", "{1:2}", "-", "1.",
		".5", "NaN", "Infinity", "/*c*/1", "[1]x", "\"a\\x\"", "[",
		"\"\x01\"", "\xef\xbb\xbf" "1", "{\"a\":1,}", "'a'", "tru",
		"\"\\ud800\\", "\"\\u12\"", "[1]]", "{}{}", "\"abc",
	};
	struct json_value	*v;
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		v = parse(bad[i], &errstr);
		if (v != NULL) {
			fprintf(stderr, "  accepted: %s\n", bad[i]);
			json_free(v);
			goto fail;
		}
		TEST_ASSERT(errstr != NULL);
	}
	return (0);
fail:
	return (-1);
}

static int
test_limits_bytes(void)
{
	struct json_limits	 lim = { 8, 0, 0 };
	struct json_value	*v = NULL;
	const char		*errstr = NULL;

	TEST_ASSERT((v = json_parse("[1,2,3]", 7, &lim, &errstr)) != NULL);
	json_free(v);
	TEST_ASSERT((v = json_parse("\"1234567\"", 9, &lim, &errstr)) == NULL);
	TEST_EQ_STR(errstr, "request body too large");
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_limits_floats(void)
{
	struct json_limits	 lim = { 0, 0, 2 };
	struct json_value	*v = NULL;
	const char		*errstr = NULL;

	/* Integers do not count; the third float stops the parse. */
	TEST_ASSERT((v = json_parse("[0.5,1e3,7,8]", 13, &lim, &errstr)) !=
	    NULL);
	json_free(v);
	TEST_ASSERT((v = json_parse("[0.5,1e3,7,2.5]", 15, &lim, &errstr)) ==
	    NULL);
	TEST_ASSERT(errstr == json_err_floats);
	return (0);
fail:
	json_free(v);
	return (-1);
}

/* n nested arrays around a 1. */
static char *
nested(size_t n)
{
	char	*s;
	size_t	 i;

	s = xmalloc(2 * n + 2);
	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + 1 + i] = ']';
	}
	s[n] = '1';
	s[2 * n + 1] = '\0';
	return (s);
}

static int
test_limits_depth(void)
{
	struct json_limits	 lim = { 0, 3, 0 };
	struct json_value	*v = NULL;
	const char		*errstr = NULL;
	char			*s = NULL;

	s = nested(128);
	TEST_ASSERT((v = parse(s, &errstr)) != NULL);
	json_free(v);
	free(s);
	s = nested(129);
	TEST_ASSERT((v = parse(s, &errstr)) == NULL);
	TEST_EQ_STR(errstr, "JSON nested too deeply");
	free(s);
	s = nested(100000);
	TEST_ASSERT((v = parse(s, &errstr)) == NULL);
	TEST_EQ_STR(errstr, "JSON nested too deeply");
	free(s);
	s = NULL;
	TEST_ASSERT((v = json_parse("[{\"a\":[]}]", 10, &lim, &errstr)) !=
	    NULL);
	json_free(v);
	TEST_ASSERT((v = json_parse("[{\"a\":[{}]}]", 12, &lim, &errstr)) ==
	    NULL);
	TEST_EQ_STR(errstr, "JSON nested too deeply");
	return (0);
fail:
	free(s);
	json_free(v);
	return (-1);
}

static int
test_duplicates(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;

	TEST_ASSERT((v = parse("{\"a\":1,\"b\":2,\"a\":3,\"c\":[],\"a\":{}}",
	    &errstr)) != NULL);
	TEST_EQ_INT(v->n, 3);
	TEST_EQ_STR(v->members[0].key, "a");
	TEST_EQ_INT(v->members[0].val->type, JSON_OBJECT);
	TEST_EQ_STR(v->members[1].key, "b");
	TEST_EQ_STR(v->members[2].key, "c");
	json_free(v);
	/* Keys differing only after a NUL are different keys. */
	TEST_ASSERT((v = parse("{\"a\\u0000b\":1,\"a\\u0000c\":2,\"a\":3}",
	    &errstr)) != NULL);
	TEST_EQ_INT(v->n, 3);
	TEST_EQ_INT(v->members[0].keylen, 3);
	json_free(v);
	TEST_ASSERT((v = parse("[{\"x\":1,\"x\":2},{\"x\":3}]", &errstr)) !=
	    NULL);
	TEST_EQ_INT(v->items[0]->n, 1);
	TEST_EQ_STR(v->items[0]->members[0].val->s, "2");
	json_free(v);
	v = NULL;
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_many_keys(void)
{
	struct json_value	*v = NULL;
	struct buf		 b;
	const char		*errstr;
	size_t			 i;

	buf_init(&b);
	buf_add_str(&b, "{");
	for (i = 0; i < 50000; i++)
		buf_printf(&b, "%s\"k%zu\":%zu", i ? "," : "", i % 25000, i);
	buf_add_str(&b, "}");
	v = json_parse((char *)b.data, b.len, NULL, &errstr);
	buf_clear(&b, 0);
	TEST_ASSERT(v != NULL);
	TEST_EQ_INT(v->n, 25000);
	TEST_EQ_STR(v->members[7].key, "k7");
	TEST_EQ_STR(v->members[7].val->s, "25007");
	json_free(v);
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_invalid_utf8(void)
{
	static const char *bad[] = {
		"\"\xc0\x80\"",			/* overlong NUL */
		"\"\xc1\xbf\"",			/* overlong */
		"\"\xe0\x80\x80\"",		/* overlong 3-byte */
		"\"\xf0\x80\x80\x80\"",		/* overlong 4-byte */
		"\"\xed\xa0\x80\"",		/* raw surrogate D800 */
		"\"\xed\xbf\xbf\"",		/* raw surrogate DFFF */
		"\"\xf4\x90\x80\x80\"",		/* above U+10FFFF */
		"\"\xf5\x80\x80\x80\"",
		"\"\xff\"", "\"\x80\"",		/* lone continuation */
		"\"\xc3\"",			/* truncated */
		"\"\xe6\x97\"",
		"\"\xc3\x28\"",			/* bad continuation */
		"\"\\\xc3\xa9\"",		/* escaped non-ASCII */
	};
	struct json_value	*v;
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errstr = NULL;
		if ((v = parse(bad[i], &errstr)) != NULL) {
			fprintf(stderr, "  accepted case %zu\n", i);
			json_free(v);
			goto fail;
		}
	}
	TEST_ASSERT(string_is("\"\xc3\xa9\xe6\x97\xa5\xf0\x9f\x98\x80"
	    "\xef\xbf\xbf\xf4\x8f\xbf\xbf\"",
	    "c3a9e697a5f09f9880efbfbff48fbfbf"));
	TEST_ASSERT(string_is("\"\xed\x9f\xbf\xee\x80\x80\"", "ed9fbfee8080"));
	return (0);
fail:
	return (-1);
}

static int
test_lone_high(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;

	TEST_ASSERT(string_is("\"\\ud800\"", "eda080"));
	TEST_ASSERT(string_is("\"a\\uDBFFb\"", "61edafbf62"));
	/* A high surrogate followed by a non-surrogate escape stays lone. */
	TEST_ASSERT(string_is("\"\\ud800\\u0041\"", "eda08041"));
	TEST_ASSERT(string_is("\"\\ud800\\ud800\"", "eda080eda080"));
	TEST_ASSERT(string_is("\"\\ud83d\\n\"", "eda0bd0a"));
	TEST_ASSERT(string_is("\"\\ud83d\"", "eda0bd"));
	TEST_ASSERT((v = parse("[\"x\",{\"k\":\"\\ud83d\"}]", &errstr)) !=
	    NULL);
	TEST_ASSERT(json_has_lone_surrogate(v));
	json_free(v);
	v = NULL;
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_lone_low(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;

	TEST_ASSERT(string_is("\"\\udc00\"", "edb080"));
	TEST_ASSERT(string_is("\"\\uDFFF\\uD800\"", "edbfbfeda080"));
	TEST_ASSERT(string_is("\"\\ude00\\ud83d\\ude00\"",
	    "edb880f09f9880"));
	TEST_ASSERT((v = parse("{\"\\udc00\":1}", &errstr)) != NULL);
	TEST_EQ_INT(v->members[0].keylen, 3);
	TEST_EQ_MEM(v->members[0].key, "\xed\xb0\x80", 3);
	TEST_ASSERT(json_has_lone_surrogate(v));
	json_free(v);
	v = NULL;
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_pairs(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;

	TEST_ASSERT(string_is("\"\\ud83d\\ude00\"", "f09f9880"));
	TEST_ASSERT(string_is("\"\\uD800\\uDC00\"", "f0908080"));
	TEST_ASSERT(string_is("\"\\udbff\\udfff\"", "f48fbfbf"));
	TEST_ASSERT(string_is("\"\\u00e9\\u0000\\uffff\"", "c3a900efbfbf"));
	/* An escaped backslash: \\ud800 is text, not an escape. */
	TEST_ASSERT(string_is("\"\\\\ud800\"", "5c7564383030"));
	TEST_ASSERT(string_is("\"\\\\\\ud800\"", "5ceda080"));
	TEST_ASSERT(string_is("\"\\\"\\ud800\"", "22eda080"));
	TEST_ASSERT((v = parse("[\"\\ud83d\\ude00\",\"\\\\udc00\"]",
	    &errstr)) != NULL);
	TEST_ASSERT(!json_has_lone_surrogate(v));
	json_free(v);
	v = NULL;
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_nul(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;

	TEST_ASSERT((v = json_parse("\"a\\u0000b\"", 10, NULL, &errstr)) !=
	    NULL);
	TEST_EQ_INT(v->len, 3);
	TEST_EQ_MEM(v->s, "a\0b", 4);
	json_free(v);
	/* A raw NUL byte is not JSON. */
	TEST_ASSERT((v = json_parse("\"a\0b\"", 5, NULL, &errstr)) == NULL);
	TEST_ASSERT((v = json_parse("1\0", 2, NULL, &errstr)) == NULL);
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_build(void)
{
	struct json_value	*o, *a = NULL, *c = NULL;

	o = json_new_object();
	json_object_set(o, "b", json_new_int(-12));
	json_object_set(o, "a", json_new_string("x"));
	json_object_set(o, "b", json_new_bool(1));
	TEST_EQ_INT(o->n, 2);
	TEST_EQ_STR(o->members[0].key, "b");
	TEST_EQ_INT(json_get(o, "b")->type, JSON_TRUE);
	TEST_EQ_STR(json_get_str(o, "a"), "x");
	TEST_ASSERT(json_get_str(o, "b") == NULL);
	TEST_ASSERT(json_get(o, "z") == NULL);
	a = json_new_array();
	json_array_add(a, json_new_null());
	json_array_add(a, json_new_number(JSON_FLOAT, "1.5"));
	json_array_add(a, json_new_stringn("a\0b", 3));
	json_object_set(o, "arr", a);
	a = NULL;
	TEST_ASSERT(json_is(json_index(json_get(o, "arr"), 1), JSON_FLOAT));
	TEST_ASSERT(json_index(json_get(o, "arr"), 3) == NULL);
	TEST_ASSERT(json_index(o, 0) == NULL);
	c = json_dup(o);
	json_object_del(o, "b");
	json_object_del(o, "nope");
	TEST_EQ_INT(o->n, 2);
	TEST_EQ_STR(o->members[0].key, "a");
	TEST_EQ_INT(c->n, 3);
	TEST_EQ_INT(json_index(json_get(c, "arr"), 2)->len, 3);
	TEST_EQ_STR(json_get(c, "b") != NULL ? "t" : "f", "t");
	json_free(o);
	json_free(c);
	json_free(NULL);
	/* Adding to a non-container frees the value instead of leaking. */
	o = json_new_null();
	json_array_add(o, json_new_string("x"));
	json_object_set(o, "k", json_new_string("x"));
	json_free(o);
	return (0);
fail:
	json_free(o);
	json_free(a);
	json_free(c);
	return (-1);
}

static int
test_truthy(void)
{
	static const struct {
		const char	*in;
		int		 truthy;
	} cases[] = {
		{ "0", 0 }, { "-0", 0 }, { "0.0", 0 }, { "-0.0", 0 },
		{ "0e5", 0 }, { "1e-400", 0 }, { "\"\"", 0 }, { "[]", 0 },
		{ "{}", 0 }, { "null", 0 }, { "false", 0 },
		{ "\"0\"", 1 }, { "\"false\"", 1 }, { "1", 1 }, { "-1", 1 },
		{ "0.1", 1 }, { "1e400", 1 }, { "[0]", 1 }, { "{\"a\":0}", 1 },
		{ "true", 1 }, { "100", 1 },
	};
	struct json_value	*v = NULL;
	const char		*errstr;
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_ASSERT((v = parse(cases[i].in, &errstr)) != NULL);
		if (json_truthy(v) != cases[i].truthy) {
			fprintf(stderr, "  truthy(%s)\n", cases[i].in);
			goto fail;
		}
		json_free(v);
		v = NULL;
	}
	TEST_ASSERT(!json_truthy(NULL));
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_numbers_convert(void)
{
	struct json_value	*v = NULL;
	const char		*errstr;
	int64_t			 n;
	double			 d;

	TEST_ASSERT((v = parse("9223372036854775807", &errstr)) != NULL);
	TEST_EQ_INT(json_to_int64(v, &n), 0);
	TEST_ASSERT(n == INT64_MAX);
	json_free(v);
	TEST_ASSERT((v = parse("9223372036854775808", &errstr)) != NULL);
	TEST_EQ_INT(json_to_int64(v, &n), -1);
	TEST_EQ_INT(json_to_double(v, &d), 0);
	TEST_ASSERT(d == 9223372036854775808.0);
	json_free(v);
	TEST_ASSERT((v = parse("-0", &errstr)) != NULL);
	TEST_EQ_INT(json_to_int64(v, &n), 0);
	TEST_EQ_INT(n, 0);
	json_free(v);
	TEST_ASSERT((v = parse("1.0", &errstr)) != NULL);
	TEST_EQ_INT(json_to_int64(v, &n), -1);
	TEST_EQ_INT(json_to_double(v, &d), 0);
	TEST_ASSERT(d == 1.0);
	json_free(v);
	TEST_ASSERT((v = parse("-1e400", &errstr)) != NULL);
	TEST_EQ_INT(json_to_double(v, &d), 0);
	TEST_ASSERT(d < -1e308 && d * 0.0 != 0.0);
	json_free(v);
	TEST_ASSERT((v = parse("\"1\"", &errstr)) != NULL);
	TEST_EQ_INT(json_to_double(v, &d), -1);
	TEST_EQ_INT(json_to_int64(v, &n), -1);
	json_free(v);
	v = NULL;
	return (0);
fail:
	json_free(v);
	return (-1);
}

static int
test_utf8_decode(void)
{
	uint32_t	cp = 0;

	TEST_EQ_INT(json_utf8_decode("\xc3\xa9", 2, 0, &cp), 2);
	TEST_EQ_INT(cp, 0xe9);
	TEST_EQ_INT(json_utf8_decode("\xf4\x8f\xbf\xbf", 4, 0, &cp), 4);
	TEST_EQ_INT(cp, 0x10ffff);
	TEST_EQ_INT(json_utf8_decode("\xe6\x97\xa5", 2, 0, &cp), 0);
	TEST_EQ_INT(json_utf8_decode("\xed\xa0\x80", 3, 0, &cp), 0);
	TEST_EQ_INT(json_utf8_decode("\xed\xa0\x80", 3, 1, &cp), 3);
	TEST_EQ_INT(cp, 0xd800);
	TEST_EQ_INT(json_utf8_decode("\xed\x9f\xbf", 3, 0, NULL), 3);
	TEST_EQ_INT(json_utf8_decode("\xe0\x9f\xbf", 3, 1, NULL), 0);
	TEST_EQ_INT(json_utf8_decode("a", 1, 0, NULL), 0);
	TEST_EQ_INT(json_utf8_decode("", 0, 0, NULL), 0);
	return (0);
fail:
	return (-1);
}

/* A hand-built tree far deeper than the parser allows still frees. */
static int
test_free_deep(void)
{
	struct json_value	*root, *cur, *next;
	size_t			 i;

	root = cur = json_new_array();
	for (i = 0; i < 200000; i++) {
		next = i % 2 ? json_new_array() : json_new_object();
		if (cur->type == JSON_ARRAY)
			json_array_add(cur, next);
		else
			json_object_set(cur, "k", next);
		cur = next;
	}
	json_free(root);
	return (0);
}

/*
 * A parse's tree lives in one arena: values past its first block, a string
 * larger than a block, and containers of every size come back whole.
 */
static int
test_arena_tree(void)
{
	struct json_value	*v = NULL, *it;
	struct buf		 b;
	const char		*errstr;
	char			 big[300000];
	size_t			 i;

	buf_init(&b);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_add_str(&b, "{\"big\":\"");
	buf_add_str(&b, big);
	buf_add_str(&b, "\",\"a\":[");
	for (i = 0; i < 5000; i++)
		buf_printf(&b, "%s{\"k%zu\":\"%.*s\",\"n\":%zu}", i ? "," : "",
		    i, (int)(i % 7), "abcdefg", i);
	/* Escapes make yajl buffer the string: past its scratch block. */
	buf_add_str(&b, "],\"esc\":\"");
	for (i = 0; i < 5000; i++)
		buf_add_str(&b, "a\\n");
	buf_add_str(&b, "\",\"e\":{},\"f\":[]}");
	TEST_ASSERT((v = json_parse((const char *)b.data, b.len, NULL,
	    &errstr)) != NULL);
	TEST_EQ_INT(v->n, 5);
	TEST_EQ_INT(json_get(v, "big")->len, sizeof(big) - 1);
	TEST_EQ_INT(json_get(v, "esc")->len, 10000);
	TEST_ASSERT(memcmp(json_get_str(v, "esc") + 9998, "a\n", 3) == 0);
	TEST_ASSERT(memcmp(json_get_str(v, "big"), big, sizeof(big)) == 0);
	TEST_EQ_INT(json_get(v, "a")->n, 5000);
	for (i = 0; i < 5000; i += 499) {
		it = json_index(json_get(v, "a"), i);
		TEST_EQ_INT(it->n, 2);
		TEST_EQ_INT(it->members[0].val->len, i % 7);
		TEST_EQ_INT(atoi(json_get(it, "n")->s), (int)i);
	}
	TEST_ASSERT(json_is(json_get(v, "e"), JSON_OBJECT));
	TEST_EQ_INT(json_get(v, "e")->n, 0);
	TEST_EQ_INT(json_get(v, "f")->n, 0);
	buf_clear(&b, 0);
	json_free(v);
	return (0);
fail:
	buf_clear(&b, 0);
	json_free(v);
	return (-1);
}

/*
 * Every way a parse can stop part-way frees what it had built (valgrind
 * proves it), and the charge that bounds it is what a tree of separate
 * allocations would take: "[0,0]" is 120 for the array and 138 per zero.
 */
static int
test_arena_partial(void)
{
	static const char *bad[] = {
		"{\"a\":[1,2,{\"b\":\"c\"", "[[[[[[\"x\"]]]]", "{\"a\":1,}",
		"{\"a\":{\"b\":[1,2,3]},\"a\":[true,", "[\"abc\",\"\\ud800\",",
		"{\"k\" 1}", "[1] [2]", "\"unterminated",
	};
	struct json_limits	 lim;
	struct json_value	*v = NULL;
	const char		*errstr;
	size_t			 i, mem;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = json_parse(bad[i], strlen(bad[i]), NULL, &errstr);
		TEST_ASSERT(v == NULL);
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_depth = 3;
	TEST_ASSERT(json_parse("{\"a\":[{\"b\":[]}]}", 16, &lim,
	    &errstr) == NULL);
	TEST_EQ_STR(errstr, "JSON nested too deeply");
	memset(&lim, 0, sizeof(lim));
	lim.max_floats = 2;
	TEST_ASSERT(json_parse("{\"a\":[1.5,\"s\",2.5,3.5]}", 23, &lim,
	    &errstr) == NULL);
	TEST_ASSERT(errstr == json_err_floats);
	TEST_ASSERT((v = json_parse_mem("[0,0]", 5, NULL, 0, &mem,
	    &errstr)) != NULL);
	TEST_EQ_INT(mem, 120 + 2 * 138);
	json_free(v);
	TEST_ASSERT((v = json_parse_mem("[0,0]", 5, NULL, mem, &mem,
	    &errstr)) != NULL);
	json_free(v);
	v = json_parse_mem("[0,0]", 5, NULL, mem - 1, NULL, &errstr);
	TEST_ASSERT(v == NULL);
	TEST_ASSERT(errstr == json_err_mem);
	v = json_parse_mem("{\"abc\":{\"d\":\"efgh\"}}", 20, NULL, 300, NULL,
	    &errstr);
	TEST_ASSERT(v == NULL);
	TEST_ASSERT(errstr == json_err_mem);
	return (0);
fail:
	json_free(v);
	return (-1);
}

/*
 * A parsed tree stays a tree like any other: values replaced, added and
 * removed, containers grown, strings rewritten, parts freed or copied,
 * trees moved into others; freeing it frees exactly what is left.
 */
static int
test_arena_reuse(void)
{
	const char		*text = "{\"model\":\"m\",\"messages\":"
	    "[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":1,"
	    "\"t\":[1,2]}";
	struct json_value	*v = NULL, *c = NULL, *w = NULL, *msg;
	const char		*errstr;
	char			*s;
	size_t			 i;

	for (i = 0; i < 100; i++) {
		TEST_ASSERT((v = json_parse(text, strlen(text), NULL,
		    &errstr)) != NULL);
		json_object_set(v, "model", json_new_string("m2"));
		json_object_set(v, "extra", json_new_int((long long)i));
		json_object_del(v, "n");
		json_array_add(json_get(v, "t"), json_new_string("three"));
		json_array_add(json_get(v, "t"), json_new_object());
		msg = json_index(json_get(v, "messages"), 0);
		s = xstrdup("HELLO");
		json_string_replace(json_get(msg, "content"), s, 5);
		json_object_set(msg, "name", json_new_string("x"));
		TEST_EQ_STR(json_get_str(v, "model"), "m2");
		TEST_EQ_STR(v->members[3].key, "extra");
		TEST_EQ_INT(json_get(v, "t")->n, 4);
		TEST_EQ_STR(json_get_str(msg, "content"), "HELLO");
		TEST_EQ_STR(json_get_str(msg, "role"), "user");
		c = json_dup(v);
		TEST_ASSERT(json_equal(c, v));
		if (i % 2) {
			/* A parsed tree moved into a built one goes with it. */
			w = json_new_array();
			json_array_add(w, v);
			v = NULL;
			json_free(w);
			w = NULL;
		} else {
			json_free(v);
			v = NULL;
		}
		json_string_replace(json_get(c, "model"), xstrdup("m3"), 2);
		TEST_EQ_STR(json_get_str(c, "model"), "m3");
		json_free(c);
		c = NULL;
	}
	return (0);
fail:
	json_free(v);
	json_free(c);
	json_free(w);
	return (-1);
}

/* Duplicate keys resolve the same below and above the pairwise limit. */
static int
test_arena_dedup(void)
{
	struct json_value	*v = NULL;
	struct buf		 b;
	const char		*errstr;
	size_t			 n, i;

	buf_init(&b);
	for (n = 4; n <= 40; n += 36) {
		buf_clear(&b, 0);
		buf_init(&b);
		buf_add_str(&b, "{");
		for (i = 0; i < n; i++)
			buf_printf(&b, "\"k%zu\":%zu,", i % (n / 2), i);
		buf_add_str(&b, "\"k0\":\"last\"}");
		TEST_ASSERT((v = json_parse((const char *)b.data, b.len, NULL,
		    &errstr)) != NULL);
		TEST_EQ_INT(v->n, n / 2);
		TEST_EQ_STR(v->members[0].key, "k0");
		TEST_EQ_STR(v->members[0].val->s, "last");
		TEST_EQ_STR(v->members[1].key, "k1");
		TEST_EQ_INT(atoi(v->members[1].val->s), (int)(n / 2 + 1));
		json_free(v);
		v = NULL;
	}
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	json_free(v);
	return (-1);
}

/*
 * An object's keys live in a few blocks of its own: many keys, one larger
 * than a block, removed and replaced ones, copies, all read back whole.
 */
static int
test_keys_blocks(void)
{
	struct json_value	*o = NULL, *c = NULL;
	char			 k[300];
	size_t			 i;

	o = json_new_object();
	for (i = 0; i < 100; i++) {
		snprintf(k, sizeof(k), "key-%zu-%.*s", i, (int)(i % 13),
		    "abcdefghijklm");
		json_object_set(o, k, json_new_int((long long)i));
	}
	memset(k, 'z', sizeof(k) - 1);
	k[sizeof(k) - 1] = '\0';
	json_object_set(o, k, json_new_string("long"));
	json_object_del(o, "key-0-");
	json_object_set(o, "key-1-a", json_new_string("again"));
	TEST_EQ_INT(o->n, 100);
	TEST_EQ_STR(o->members[0].key, "key-1-a");
	TEST_EQ_STR(json_get_str(o, "key-1-a"), "again");
	TEST_EQ_INT(json_get(o, k)->len, 4);
	TEST_EQ_INT(o->members[99].keylen, sizeof(k) - 1);
	TEST_ASSERT(json_get(o, "key-0-") == NULL);
	TEST_EQ_STR(json_get(o, "key-98-abcdefg")->s, "98");
	c = json_dup(o);
	TEST_ASSERT(json_equal(c, o));
	json_free(o);
	o = NULL;
	TEST_EQ_STR(c->members[50].key, "key-51-abcdefghijkl");
	json_free(c);
	return (0);
fail:
	json_free(o);
	json_free(c);
	return (-1);
}

/*
 * The scan for \\u escapes before yajl: a lone surrogate after other
 * backslashes and at the very end is still found; an escaped backslash
 * before a 'u' is no escape.
 */
static int
test_u_scan(void)
{
	TEST_ASSERT(string_is("\"a\\\\b\\n\\ud800\"", "615c620aeda080"));
	TEST_ASSERT(string_is("\"\\\\u0041\"", "5c7530303431"));
	TEST_ASSERT(string_is("\"\\\"\\udc00\"", "22edb080"));
	TEST_ASSERT(string_is("\"\\u0041\"", "41"));
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "scalars", test_scalars },
	{ "numbers-raw", test_numbers_raw },
	{ "invalid", test_invalid },
	{ "limits-bytes", test_limits_bytes },
	{ "limits-floats", test_limits_floats },
	{ "limits-depth", test_limits_depth },
	{ "duplicates", test_duplicates },
	{ "many-keys", test_many_keys },
	{ "invalid-utf8", test_invalid_utf8 },
	{ "lone-high-surrogate", test_lone_high },
	{ "lone-low-surrogate", test_lone_low },
	{ "surrogate-pairs", test_pairs },
	{ "nul", test_nul },
	{ "build", test_build },
	{ "truthy", test_truthy },
	{ "numbers-convert", test_numbers_convert },
	{ "utf8-decode", test_utf8_decode },
	{ "free-deep", test_free_deep },
	{ "arena-tree", test_arena_tree },
	{ "arena-partial", test_arena_partial },
	{ "arena-reuse", test_arena_reuse },
	{ "arena-dedup", test_arena_dedup },
	{ "keys-blocks", test_keys_blocks },
	{ "u-escape-scan", test_u_scan },
};

TEST_MAIN("test-json", cases)

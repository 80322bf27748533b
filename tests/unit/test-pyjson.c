/*
 * test-pyjson.c: pyjson.c against what CPython's json.dumps(v,
 * sort_keys=True) writes (PROTOCOL.md §7); the expected texts come from
 * CPython 3.
 */
#include "compat.h"

#include <math.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "test.h"

/* 1 when dumps(loads(in)) under flags is exactly want. */
static int
dumps_is(const char *in, int flags, const char *want)
{
	struct json_value	*v;
	struct buf		 b;
	const char		*errstr;
	int			 ok;

	if ((v = json_parse(in, strlen(in), NULL, &errstr)) == NULL) {
		fprintf(stderr, "  parse %s: %s\n", in, errstr);
		return (0);
	}
	buf_init(&b);
	pyjson_write(&b, v, flags);
	ok = b.len == strlen(want) && memcmp(b.data, want, b.len) == 0;
	if (!ok)
		fprintf(stderr, "  %s: got %s, want %s\n", in, b.data, want);
	buf_clear(&b, 0);
	json_free(v);
	return (ok);
}

static int
py(const char *in, const char *want)
{
	return (dumps_is(in, PYJSON_PYTHON, want));
}

static int
test_scalars(void)
{
	TEST_ASSERT(py("null", "null"));
	TEST_ASSERT(py("true", "true"));
	TEST_ASSERT(py("false", "false"));
	TEST_ASSERT(py("\"\"", "\"\""));
	TEST_ASSERT(py("[]", "[]"));
	TEST_ASSERT(py("{}", "{}"));
	return (0);
fail:
	return (-1);
}

static int
test_ints(void)
{
	TEST_ASSERT(py("0", "0"));
	TEST_ASSERT(py("-0", "0"));
	TEST_ASSERT(py("-7", "-7"));
	TEST_ASSERT(py("9007199254740993", "9007199254740993"));
	TEST_ASSERT(py("-1000000000000000000000000000000000000000000001",
	    "-1000000000000000000000000000000000000000000001"));
	TEST_ASSERT(py("[-0,0,-10]", "[0, 0, -10]"));
	return (0);
fail:
	return (-1);
}

static int
float_is(double d, const char *want)
{
	char	r[32];

	pyjson_float_repr(d, r, sizeof(r));
	if (strcmp(r, want) != 0) {
		fprintf(stderr, "  repr(%.17g): got %s, want %s\n", d, r, want);
		return (0);
	}
	return (1);
}

/*
 * The reference: every precision from 1 to 17, the correctly rounded
 * digits and then their lower and upper neighbour, the first that reads
 * back wins (the algorithm pyjson.c used before its fast path).
 */
static void
ref_repr_digits(double x, char *out, size_t outlen)
{
	char	b[48], d[24], *e;
	int	p, n, i, up, ex;

	for (p = 1; p <= 17; p++) {
		snprintf(b, sizeof(b), "%.*e", p - 1, x);
		if (strtod(b, NULL) == x)
			goto found;
		for (up = 0; up <= 1; up++) {
			e = strchr(b, 'e');
			ex = atoi(e + 1);
			for (n = 0, i = 0; b + i < e; i++)
				if (b[i] != '.')
					d[n++] = b[i];
			for (i = n - 1; i >= 0; i--) {
				if (up && d[i] != '9') {
					d[i]++;
					break;
				}
				if (!up && d[i] != '0') {
					d[i]--;
					break;
				}
				d[i] = up ? '0' : '9';
			}
			if (i < 0 && up) {
				d[0] = '1';
				ex++;
			}
			if (i < 0 && !up)
				continue;
			d[n] = '\0';
			snprintf(b, sizeof(b), "%c.%se%d", d[0], d + 1, ex);
			if (strtod(b, NULL) == x)
				goto found;
			snprintf(b, sizeof(b), "%.*e", p - 1, x);
		}
	}
found:
	snprintf(out, outlen, "%.17g", strtod(b, NULL));
	/* Digits only: "d.ddd" without trailing zeros, and the exponent. */
	e = strchr(b, 'e');
	ex = atoi(e + 1);
	for (n = 0, i = 0; b + i < e; i++)
		if (b[i] != '.')
			d[n++] = b[i];
	while (n > 1 && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	snprintf(out, outlen, "%s e%d", d, ex);
}

/* The digits and exponent of a repr() string, in ref_repr_digits' form. */
static void
repr_digits(const char *r, char *out, size_t outlen)
{
	char		 d[40];
	const char	*p;
	int		 n = 0, point = -1, z = 0, ex10 = 0;

	for (p = *r == '-' ? r + 1 : r; *p != '\0' && *p != 'e'; p++) {
		if (*p == '.')
			point = n;
		else if (n < (int)sizeof(d) - 1)
			d[n++] = *p;
	}
	if (*p == 'e')
		ex10 = atoi(p + 1);
	if (point == -1)
		point = n;
	while (z < n - 1 && d[z] == '0')
		z++;
	while (n - 1 > z && d[n - 1] == '0')
		n--;
	d[n] = '\0';
	snprintf(out, outlen, "%s e%d", d + z, point - 1 - z + ex10);
}

/* One double: the fast repr reads back and has the reference's digits. */
static int
float_matches_ref(double x)
{
	char	r[32], a[48], b[48];

	if (x == 0.0)
		return (1);
	pyjson_float_repr(x, r, sizeof(r));
	if (strtod(r, NULL) != x) {
		fprintf(stderr, "  repr(%.17g) = %s does not read back\n",
		    x, r);
		return (0);
	}
	ref_repr_digits(fabs(x), a, sizeof(a));
	repr_digits(r, b, sizeof(b));
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "  repr(%.17g) = %s: digits %s, reference %s\n",
		    x, r, b, a);
		return (0);
	}
	return (1);
}

/*
 * The fast shortest-digits path against the every-precision reference:
 * every power of two and its neighbours (the lopsided intervals), and
 * random bit patterns over the whole range (subnormals included).
 */
static int
test_float_repr_fast(void)
{
	uint64_t	 u, seed = 0x9e3779b97f4a7c15ULL;
	double		 x;
	int		 e, i, bad = 0;

	for (e = -1074; e <= 1023 && bad < 5; e++) {
		x = ldexp(1.0, e);
		bad += !float_matches_ref(x);
		bad += !float_matches_ref(nextafter(x, 0.0));
		bad += !float_matches_ref(-nextafter(x, HUGE_VAL));
	}
	for (i = 0; i < 30000 && bad < 5; i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		u = seed & ~(1ULL << 63);
		memcpy(&x, &u, sizeof(x));
		if (isnan(x) || isinf(x) || x == 0.0)
			continue;
		bad += !float_matches_ref(x);
	}
	TEST_EQ_INT(bad, 0);
	return (0);
fail:
	return (-1);
}

static int
test_float_repr(void)
{
	TEST_ASSERT(float_is(5e-324, "5e-324"));
	TEST_ASSERT(float_is(1.7976931348623157e308,
	    "1.7976931348623157e+308"));
	TEST_ASSERT(float_is(0.1, "0.1"));
	TEST_ASSERT(float_is(0.7, "0.7"));
	TEST_ASSERT(float_is(1e16, "1e+16"));
	TEST_ASSERT(float_is(1e15, "1000000000000000.0"));
	TEST_ASSERT(float_is(9999999999999998.0, "9999999999999998.0"));
	TEST_ASSERT(float_is(1e-05, "1e-05"));
	TEST_ASSERT(float_is(0.0001, "0.0001"));
	TEST_ASSERT(float_is(0.00012345, "0.00012345"));
	TEST_ASSERT(float_is(123456789012345680.0, "1.2345678901234568e+17"));
	TEST_ASSERT(float_is(0.1 + 0.2, "0.30000000000000004"));
	TEST_ASSERT(float_is(1.0, "1.0"));
	TEST_ASSERT(float_is(100.0, "100.0"));
	TEST_ASSERT(float_is(-0.0, "-0.0"));
	TEST_ASSERT(float_is(0.0, "0.0"));
	TEST_ASSERT(float_is(1e22, "1e+22"));
	TEST_ASSERT(float_is(1e-7, "1e-07"));
	TEST_ASSERT(float_is(-2.5e-5, "-2.5e-05"));
	TEST_ASSERT(float_is(1e100, "1e+100"));
	TEST_ASSERT(float_is(2.2250738585072014e-308,
	    "2.2250738585072014e-308"));
	TEST_ASSERT(float_is(HUGE_VAL, "Infinity"));
	TEST_ASSERT(float_is(-HUGE_VAL, "-Infinity"));
	TEST_ASSERT(float_is(NAN, "NaN"));
	/*
	 * Powers of two where the correctly rounded short digits miss the
	 * lopsided rounding interval and a neighbour is the shortest.
	 */
	TEST_ASSERT(float_is(ldexp(1.0, -24), "5.960464477539063e-08"));
	TEST_ASSERT(float_is(ldexp(1.0, -44), "5.684341886080802e-14"));
	TEST_ASSERT(float_is(ldexp(1.0, 89), "6.189700196426902e+26"));
	TEST_ASSERT(float_is(ldexp(1.0, 1023), "8.98846567431158e+307"));
	TEST_ASSERT(float_is(ldexp(1.0, -1022), "2.2250738585072014e-308"));
	TEST_ASSERT(float_is(ldexp(1.0, 63), "9.223372036854776e+18"));
	return (0);
fail:
	return (-1);
}

static int
test_float_text(void)
{
	TEST_ASSERT(py("1e-7", "1e-07"));
	TEST_ASSERT(py("1E-7", "1e-07"));
	TEST_ASSERT(py("0.00001", "1e-05"));
	TEST_ASSERT(py("1E2", "100.0"));
	TEST_ASSERT(py("1.5e16", "1.5e+16"));
	TEST_ASSERT(py("9007199254740993.0", "9007199254740992.0"));
	TEST_ASSERT(py("123456789.123", "123456789.123"));
	TEST_ASSERT(py("1e400", "Infinity"));
	TEST_ASSERT(py("-1e400", "-Infinity"));
	TEST_ASSERT(py("1e-400", "0.0"));
	TEST_ASSERT(py("-1e-400", "-0.0"));
	TEST_ASSERT(py("0e5", "0.0"));
	TEST_ASSERT(py("-0.0", "-0.0"));
	TEST_ASSERT(py("[0.5,1.0E+0]", "[0.5, 1.0]"));
	return (0);
fail:
	return (-1);
}

static int
test_strings(void)
{
	TEST_ASSERT(py("\"a\\\"b\\\\c\"", "\"a\\\"b\\\\c\""));
	TEST_ASSERT(py("\"a/b\\/c\"", "\"a/b/c\""));
	TEST_ASSERT(py("\"l1\\nl2\\r\\tx\\b\\f\"", "\"l1\\nl2\\r\\tx\\b\\f\""));
	TEST_ASSERT(py("\"\\u0000\\u0001\\u001f \\u007f\x7f\"",
	    "\"\\u0000\\u0001\\u001f \\u007f\\u007f\""));
	/* DEL stays raw without ensure_ascii, as in CPython. */
	TEST_ASSERT(dumps_is("\"\x7f\\u007f\"", PYJSON_COMPACT,
	    "\"\x7f\x7f\""));
	TEST_ASSERT(py("\"caf\xc3\xa9\"", "\"caf\\u00e9\""));
	TEST_ASSERT(py("\"\xe6\x97\xa5\"", "\"\\u65e5\""));
	TEST_ASSERT(py("\"\xf0\x9f\x98\x80\"", "\"\\ud83d\\ude00\""));
	TEST_ASSERT(py("\"\\uD83D\\uDE00\"", "\"\\ud83d\\ude00\""));
	TEST_ASSERT(py("\"\xf4\x8f\xbf\xbf\"", "\"\\udbff\\udfff\""));
	TEST_ASSERT(py("\"\\u2028\\uffff\"", "\"\\u2028\\uffff\""));
	return (0);
fail:
	return (-1);
}

static int
test_lone_surrogates(void)
{
	TEST_ASSERT(py("\"\\ud800\"", "\"\\ud800\""));
	TEST_ASSERT(py("\"\\uDC00x\"", "\"\\udc00x\""));
	TEST_ASSERT(py("\"\\ude00\\ud83d\"", "\"\\ude00\\ud83d\""));
	TEST_ASSERT(py("\"\\ud800\\u0041\"", "\"\\ud800A\""));
	/* Raw UTF-8 modes escape them too, so the output stays JSON. */
	TEST_ASSERT(dumps_is("\"\\ud800\xc3\xa9\"", 0, "\"\\ud800\xc3\xa9\""));
	TEST_ASSERT(dumps_is("[\"\\udfff\"]", PYJSON_COMPACT,
	    "[\"\\udfff\"]"));
	return (0);
fail:
	return (-1);
}

static int
test_sort(void)
{
	TEST_ASSERT(py("{\"b\":1,\"a\":2,\"A\":3,\"_\":4,\"aa\":5}",
	    "{\"A\": 3, \"_\": 4, \"a\": 2, \"aa\": 5, \"b\": 1}"));
	TEST_ASSERT(py("{\"z\":{\"y\":1,\"x\":[{\"b\":true,\"a\":null}]},"
	    "\"a\":[]}",
	    "{\"a\": [], \"z\": {\"x\": [{\"a\": null, \"b\": true}], "
	    "\"y\": 1}}"));
	/* Code point order, not UTF-16 order. */
	TEST_ASSERT(py("{\"\\ue000\":1,\"\xf0\x9f\x98\x80\":2,\"\\uffff\":3,"
	    "\"z\":4}",
	    "{\"z\": 4, \"\\ue000\": 1, \"\\uffff\": 3, "
	    "\"\\ud83d\\ude00\": 2}"));
	/* A lone surrogate key sorts between U+D7FF and U+E000. */
	TEST_ASSERT(py("{\"\\ue000\":1,\"\\udc00\":2,\"\\ud7ff\":3}",
	    "{\"\\ud7ff\": 3, \"\\udc00\": 2, \"\\ue000\": 1}"));
	TEST_ASSERT(py("{\"a\\u0000\":1,\"a\":2,\"\":3}",
	    "{\"\": 3, \"a\": 2, \"a\\u0000\": 1}"));
	TEST_ASSERT(py("{\"a\":1,\"b\":2,\"a\":3}", "{\"a\": 3, \"b\": 2}"));
	return (0);
fail:
	return (-1);
}

static int
test_modes(void)
{
	const char	*in = "{\"b\":[1,2.50,\"\xc3\xa9\\n\"],\"a\":{}}";

	TEST_ASSERT(dumps_is(in, PYJSON_PYTHON,
	    "{\"a\": {}, \"b\": [1, 2.5, \"\\u00e9\\n\"]}"));
	TEST_ASSERT(dumps_is(in, PYJSON_SORT_KEYS | PYJSON_COMPACT,
	    "{\"a\":{},\"b\":[1,2.5,\"\xc3\xa9\\n\"]}"));
	TEST_ASSERT(dumps_is(in, PYJSON_COMPACT,
	    "{\"b\":[1,2.5,\"\xc3\xa9\\n\"],\"a\":{}}"));
	TEST_ASSERT(dumps_is(in, PYJSON_ENSURE_ASCII,
	    "{\"b\": [1, 2.5, \"\\u00e9\\n\"], \"a\": {}}"));
	return (0);
fail:
	return (-1);
}

static int
test_dumps(void)
{
	struct json_value	*v;
	char			*s;
	size_t			 len;

	v = json_new_object();
	json_object_set(v, "t", json_new_number(JSON_FLOAT, "1"));
	json_object_set(v, "n", json_new_stringn("a\0b", 3));
	json_object_set(v, "x", json_new_stringn("\xff", 1));
	json_array_add(v, NULL);
	s = pyjson_dumps(v, &len);
	json_free(v);
	TEST_EQ_STR(s,
	    "{\"n\": \"a\\u0000b\", \"t\": 1.0, \"x\": \"\\ufffd\"}");
	TEST_EQ_INT(len, strlen(s));
	free(s);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "scalars", test_scalars },
	{ "ints", test_ints },
	{ "float-repr", test_float_repr },
	{ "float-repr-fast", test_float_repr_fast },
	{ "float-text", test_float_text },
	{ "strings", test_strings },
	{ "lone-surrogates", test_lone_surrogates },
	{ "sort", test_sort },
	{ "modes", test_modes },
	{ "dumps", test_dumps },
};

TEST_MAIN("test-pyjson", cases)

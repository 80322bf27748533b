/*
 * pyjson.c: byte-exact CPython json.dumps(v, sort_keys=True) of a json.h
 * tree, PROTOCOL.md §7: ", " and ": " separators, keys by code point,
 * ensure_ascii escapes, integers as written, floats as Python's repr().
 * CPython's ensure_ascii also writes DEL as \u007f (canonical_json.json
 * shows it) although PROTOCOL.md §7 says DEL is not escaped: CPython wins.
 * Without PYJSON_ENSURE_ASCII it writes raw UTF-8 for answers to agents,
 * still escaping lone surrogates so that the text stays valid JSON.
 */
#include "compat.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "xmalloc.h"

/* Shortest round-trip digits of a finite non-zero double. */
struct pyjson_digits {
	char	d[24];		/* decimal digits, NUL-terminated */
	int	n;		/* how many */
	int	exp;		/* value = d[0].d[1..] x 10^exp */
};

static const char pyjson_hex[] = "0123456789abcdef";

/* 1: a byte written as it is under every flag (printable ASCII but '"'). */
#define PYJSON_PLAIN(c) \
	((c) >= 0x20 && (c) < 0x7f && (c) != '"' && (c) != '\\')
static const uint8_t pyjson_plain[256] = { BYTES_TABLE_256(PYJSON_PLAIN) };

/*
 * Split "%.*e" output ("d.ddde+XX", sign already removed) into digits
 * and exponent.
 */
static void
pyjson_split_e(const char *s, struct pyjson_digits *dg)
{
	int	n = 0;

	for (; *s != '\0' && *s != 'e'; s++)
		if (*s >= '0' && *s <= '9' && n < (int)sizeof(dg->d) - 1)
			dg->d[n++] = *s;
	dg->d[n] = '\0';
	dg->n = n;
	dg->exp = *s == 'e' ? atoi(s + 1) : 0;
}

/* The double the digits denote (positive). */
static double
pyjson_digits_value(const struct pyjson_digits *dg)
{
	char	b[48];

	snprintf(b, sizeof(b), "%c.%se%d", dg->d[0], dg->d + 1, dg->exp);
	return (strtod(b, NULL));
}

/* Step the last digit by +1 or -1, carrying; exp moves on overflow. */
static int
pyjson_digits_step(const struct pyjson_digits *in, int up,
    struct pyjson_digits *out)
{
	int	i;

	*out = *in;
	for (i = out->n - 1; i >= 0; i--) {
		if (up && out->d[i] != '9') {
			out->d[i]++;
			return (0);
		}
		if (!up && out->d[i] != '0') {
			out->d[i]--;
			break;
		}
		out->d[i] = up ? '0' : '9';
	}
	if (up) {
		/* 9.99 + 1 ulp of the last digit is 10.0: 1.00 one up. */
		out->d[0] = '1';
		out->exp++;
		return (0);
	}
	if (i < 0)
		return (-1);
	if (out->d[0] == '0') {
		/* 1.00 - 1 is 0.99: 9.9(9) one exponent down. */
		if (out->n < 2)
			return (-1);
		memmove(out->d, out->d + 1, (size_t)out->n);
		out->d[out->n - 1] = '9';
		out->exp--;
	}
	return (0);
}

/*
 * The shortest decimal that reads back as x (x finite, positive), the
 * nearest one when several have that length, as Python's repr() finds it,
 * by trying every precision.  glibc's "%.*e" rounds correctly, so at each
 * precision the rounded digits are the nearest candidate; at a power of
 * two the interval that rounds to x is lopsided, so a neighbour of the
 * rounded digits may read back when they do not, and is checked too.
 * Up to 17 precisions and 51 conversions: the slow path, for subnormals.
 */
static void
pyjson_shortest_slow(double x, struct pyjson_digits *dg)
{
	struct pyjson_digits	 nb;
	char			 b[48];
	int			 p, up;

	for (p = 1; p <= 17; p++) {
		snprintf(b, sizeof(b), "%.*e", p - 1, x);
		pyjson_split_e(b, dg);
		if (strtod(b, NULL) == x)
			return;
		for (up = 0; up <= 1; up++) {
			if (pyjson_digits_step(dg, up, &nb) == 0 &&
			    pyjson_digits_value(&nb) == x) {
				*dg = nb;
				return;
			}
		}
	}
}

/*
 * The same digits in at most 3 conversions and 5 reads for a normal
 * double.  Any decimal of at most DBL_DIG (15) significant digits survives
 * decimal -> double -> 15 digits, so when some decimal of <= 15 digits
 * reads back as x, the 15-digit rounding of x is that decimal (padded with
 * zeros): one try covers lengths 1 to 15.  Otherwise 16 digits, with the
 * neighbours for the lopsided interval at a power of two; else 17 digits
 * (always enough).  Subnormals have less precision: the slow path.
 */
static void
pyjson_shortest(double x, struct pyjson_digits *dg)
{
	struct pyjson_digits	 nb;
	char			 b[48];
	int			 up;

	if (x < DBL_MIN) {
		pyjson_shortest_slow(x, dg);
		goto strip;
	}
	snprintf(b, sizeof(b), "%.14e", x);
	pyjson_split_e(b, dg);
	if (strtod(b, NULL) == x)
		goto strip;
	snprintf(b, sizeof(b), "%.15e", x);
	pyjson_split_e(b, dg);
	if (strtod(b, NULL) == x)
		goto strip;
	for (up = 0; up <= 1; up++) {
		if (pyjson_digits_step(dg, up, &nb) == 0 &&
		    pyjson_digits_value(&nb) == x) {
			*dg = nb;
			goto strip;
		}
	}
	snprintf(b, sizeof(b), "%.16e", x);
	pyjson_split_e(b, dg);
strip:
	while (dg->n > 1 && dg->d[dg->n - 1] == '0')
		dg->d[--dg->n] = '\0';
}

/* Python's repr() of a double into out (at least 32 bytes). */
void
pyjson_float_repr(double x, char *out, size_t outlen)
{
	struct pyjson_digits	 dg;
	char			 r[40];
	size_t			 n = 0;
	int			 i, e;

	if (isnan(x)) {
		snprintf(out, outlen, "NaN");
		return;
	}
	if (isinf(x)) {
		snprintf(out, outlen, "%s", x < 0 ? "-Infinity" : "Infinity");
		return;
	}
	if (x == 0.0) {
		snprintf(out, outlen, "%s", signbit(x) ? "-0.0" : "0.0");
		return;
	}
	pyjson_shortest(fabs(x), &dg);

	/* At most 1 + 17 digits + "0.000" or "e-324": fits r. */
	if (x < 0)
		r[n++] = '-';
	if (dg.exp >= -4 && dg.exp < 16) {
		/* Positional, always with a fractional part. */
		if (dg.exp < 0) {
			r[n++] = '0';
			r[n++] = '.';
			for (i = -1; i > dg.exp; i--)
				r[n++] = '0';
			memcpy(r + n, dg.d, (size_t)dg.n);
			n += (size_t)dg.n;
		} else {
			for (i = 0; i <= dg.exp; i++)
				r[n++] = i < dg.n ? dg.d[i] : '0';
			r[n++] = '.';
			if (dg.n > dg.exp + 1) {
				memcpy(r + n, dg.d + dg.exp + 1,
				    (size_t)(dg.n - dg.exp - 1));
				n += (size_t)(dg.n - dg.exp - 1);
			} else
				r[n++] = '0';
		}
	} else {
		r[n++] = dg.d[0];
		if (dg.n > 1) {
			r[n++] = '.';
			memcpy(r + n, dg.d + 1, (size_t)(dg.n - 1));
			n += (size_t)(dg.n - 1);
		}
		r[n++] = 'e';
		r[n++] = dg.exp < 0 ? '-' : '+';
		e = dg.exp < 0 ? -dg.exp : dg.exp;
		if (e >= 100)
			r[n++] = (char)('0' + e / 100);
		r[n++] = (char)('0' + e / 10 % 10);
		r[n++] = (char)('0' + e % 10);
	}
	r[n] = '\0';
	snprintf(out, outlen, "%s", r);
}

static void
pyjson_write_u(struct buf *b, uint32_t cp)
{
	char	e[6];

	e[0] = '\\';
	e[1] = 'u';
	e[2] = pyjson_hex[(cp >> 12) & 0xf];
	e[3] = pyjson_hex[(cp >> 8) & 0xf];
	e[4] = pyjson_hex[(cp >> 4) & 0xf];
	e[5] = pyjson_hex[cp & 0xf];
	buf_add(b, e, sizeof(e));
}

/* Append s as a JSON string literal: Python's escapes (quotes included). */
void
pyjson_write_string(struct buf *b, const char *s, size_t len, int flags)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, run = 0, n;
	uint32_t		 cp;
	const char		*esc;

	buf_reserve(b, len + 2);
	buf_add_u8(b, '"');
	while (i < len) {
		/* Printable ASCII but '"' and '\\' goes as it is: run on. */
		while (i < len && pyjson_plain[p[i]])
			i++;
		if (i == len)
			break;
		esc = NULL;
		switch (p[i]) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		}
		if (esc == NULL && p[i] >= 0x20 && p[i] < 0x80 &&
		    (p[i] != 0x7f || !(flags & PYJSON_ENSURE_ASCII))) {
			i++;
			continue;
		}
		buf_add(b, p + run, i - run);
		if (esc != NULL) {
			buf_add_str(b, esc);
			i++;
		} else if (p[i] < 0x20 || p[i] == 0x7f) {
			/* CPython's ensure_ascii escapes DEL as well. */
			pyjson_write_u(b, p[i]);
			i++;
		} else if ((n = json_utf8_decode(p + i, len - i, 1, &cp)) ==
		    0) {
			/* Not UTF-8 (only a hand-built tree): U+FFFD. */
			if (flags & PYJSON_ENSURE_ASCII)
				pyjson_write_u(b, 0xfffd);
			else
				buf_add(b, "\xef\xbf\xbd", 3);
			i++;
		} else {
			if (cp >= 0x10000 && (flags & PYJSON_ENSURE_ASCII)) {
				cp -= 0x10000;
				pyjson_write_u(b, 0xd800 | (cp >> 10));
				pyjson_write_u(b, 0xdc00 | (cp & 0x3ff));
			} else if ((flags & PYJSON_ENSURE_ASCII) ||
			    (cp >= 0xd800 && cp <= 0xdfff))
				pyjson_write_u(b, cp);
			else
				buf_add(b, p + i, n);
			i += n;
		}
		run = i;
	}
	buf_add(b, p + run, i - run);
	buf_add_u8(b, '"');
}

static void
pyjson_write_number(struct buf *b, const struct json_value *v)
{
	char	r[32];

	if (v->type == JSON_INT) {
		/* int("-0") is 0. */
		if (v->len == 2 && v->s[0] == '-' && v->s[1] == '0')
			buf_add_u8(b, '0');
		else
			buf_add(b, v->s, v->len);
		return;
	}
	pyjson_float_repr(strtod(v->s, NULL), r, sizeof(r));
	buf_add_str(b, r);
}

static int
pyjson_member_cmp(const void *a, const void *b)
{
	const struct json_member	*x, *y;
	size_t				 n;
	int				 c;

	x = *(const struct json_member * const *)a;
	y = *(const struct json_member * const *)b;

	n = x->keylen < y->keylen ? x->keylen : y->keylen;
	if ((c = memcmp(x->key, y->key, n)) != 0)
		return (c);
	return (x->keylen < y->keylen ? -1 : x->keylen > y->keylen);
}

/* Objects up to this many members sort their keys on the stack. */
#define PYJSON_ORDER_STACK	16

static void
pyjson_write_object(struct buf *b, const struct json_value *v, int flags)
{
	const struct json_member	 *stack[PYJSON_ORDER_STACK];
	const struct json_member	**order = stack;
	size_t				  i;

	if (v->n > PYJSON_ORDER_STACK)
		order = xreallocarray(NULL, v->n, sizeof(*order));
	for (i = 0; i < v->n; i++)
		order[i] = &v->members[i];
	if (flags & PYJSON_SORT_KEYS)
		qsort(order, v->n, sizeof(*order), pyjson_member_cmp);
	buf_add_u8(b, '{');
	for (i = 0; i < v->n; i++) {
		if (i > 0)
			buf_add_str(b, (flags & PYJSON_COMPACT) ? "," : ", ");
		pyjson_write_string(b, order[i]->key, order[i]->keylen, flags);
		buf_add_str(b, (flags & PYJSON_COMPACT) ? ":" : ": ");
		pyjson_write(b, order[i]->val, flags);
	}
	buf_add_u8(b, '}');
	if (order != stack)
		free(order);
}

/*
 * Append the serialisation of v under flags.  Recursive: the parser's
 * depth limit bounds it.
 */
void
pyjson_write(struct buf *b, const struct json_value *v, int flags)
{
	size_t	i;

	if (v == NULL) {
		buf_add_str(b, "null");
		return;
	}
	switch (v->type) {
	case JSON_NULL:
		buf_add_str(b, "null");
		break;
	case JSON_TRUE:
		buf_add_str(b, "true");
		break;
	case JSON_FALSE:
		buf_add_str(b, "false");
		break;
	case JSON_INT:
	case JSON_FLOAT:
		pyjson_write_number(b, v);
		break;
	case JSON_STRING:
		pyjson_write_string(b, v->s, v->len, flags);
		break;
	case JSON_ARRAY:
		buf_add_u8(b, '[');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				buf_add_str(b, (flags & PYJSON_COMPACT) ?
				    "," : ", ");
			pyjson_write(b, v->items[i], flags);
		}
		buf_add_u8(b, ']');
		break;
	case JSON_OBJECT:
		pyjson_write_object(b, v, flags);
		break;
	}
}

/*
 * About how many bytes pyjson_write() appends for v (exact for plain ASCII
 * text without escapes), so a writer can reserve once.  Recursive like
 * pyjson_write().
 */
size_t
pyjson_size_hint(const struct json_value *v)
{
	size_t	n, i;

	if (v == NULL)
		return (4);
	switch (v->type) {
	case JSON_NULL:
	case JSON_TRUE:
		return (4);
	case JSON_FALSE:
		return (5);
	case JSON_INT:
	case JSON_FLOAT:
		return (v->len + 8);
	case JSON_STRING:
		return (v->len + 2);
	case JSON_ARRAY:
		for (i = 0, n = 2; i < v->n; i++)
			n += pyjson_size_hint(v->items[i]) + 2;
		return (n);
	case JSON_OBJECT:
		for (i = 0, n = 2; i < v->n; i++)
			n += v->members[i].keylen + 6 +
			    pyjson_size_hint(v->members[i].val);
		return (n);
	}
	return (0);
}

/* json.dumps(v, sort_keys=True) as a new NUL-terminated string. */
char *
pyjson_dumps(const struct json_value *v, size_t *len)
{
	struct buf	b;
	size_t		n;
	char		*s;

	buf_init(&b);
	buf_reserve(&b, pyjson_size_hint(v));
	pyjson_write(&b, v, PYJSON_PYTHON);
	s = (char *)buf_detach(&b, &n);
	if (len != NULL)
		*len = n;
	return (s);
}

/*
 * fuzz-json.c: json.c and pyjson.c over untrusted text (PROTOCOL.md §7).
 * Each input is parsed under limits, copied and compared, and written in
 * every pyjson mode; what the Python mode writes must parse again and
 * dump to the same bytes, and every raw UTF-8 mode must stay valid JSON.
 * The first 8 bytes, read as a double, must repr to a text that reads
 * back as the same double.  Any broken property aborts.
 */
#include "compat.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const int fuzz_json_modes[] = {
	0, PYJSON_SORT_KEYS, PYJSON_ENSURE_ASCII, PYJSON_COMPACT,
	PYJSON_PYTHON, PYJSON_SORT_KEYS | PYJSON_COMPACT,
	PYJSON_PYTHON | PYJSON_COMPACT
};

/* 1 when a FLOAT in the tree overflows: its dump is not JSON then. */
static int
fuzz_json_has_inf(const struct json_value *v)
{
	double	d;
	size_t	i;

	switch (v->type) {
	case JSON_FLOAT:
		return (json_to_double(v, &d) == 0 && isinf(d));
	case JSON_ARRAY:
		for (i = 0; i < v->n; i++)
			if (fuzz_json_has_inf(v->items[i]))
				return (1);
		return (0);
	case JSON_OBJECT:
		for (i = 0; i < v->n; i++)
			if (fuzz_json_has_inf(v->members[i].val))
				return (1);
		return (0);
	default:
		return (0);
	}
}

static void
fuzz_json_repr(const uint8_t *p)
{
	char	r[32];
	double	d;

	memcpy(&d, p, sizeof(d));
	pyjson_float_repr(d, r, sizeof(r));
	if (isfinite(d) && strtod(r, NULL) != d)
		abort();
	if (strlen(r) >= sizeof(r) - 1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_limits	 lim = { 1 << 20, 64, 0 };
	struct json_value	*v, *dup, *again;
	struct buf		 b;
	const char		*errstr;
	char			*py, *py2;
	size_t			 i, pylen, py2len;
	int			 inf;

	if (size >= sizeof(double))
		fuzz_json_repr(data);
	if ((v = json_parse((const char *)data, size, &lim, &errstr)) == NULL)
		return (0);
	(void)json_truthy(v);
	(void)json_has_lone_surrogate(v);
	dup = json_dup(v);
	if (size < 4096 && !json_equal(v, dup))
		abort();
	json_free(dup);
	inf = fuzz_json_has_inf(v);

	for (i = 0; i < sizeof(fuzz_json_modes) / sizeof(fuzz_json_modes[0]);
	    i++) {
		buf_init(&b);
		pyjson_write(&b, v, fuzz_json_modes[i]);
		if (!inf) {
			/* Every mode writes JSON this parser reads back. */
			again = json_parse((const char *)b.data, b.len, &lim,
			    &errstr);
			if (again == NULL)
				abort();
			if (size < 4096 && !json_equal(v, again))
				abort();
			json_free(again);
		}
		buf_clear(&b, 0);
	}

	py = pyjson_dumps(v, &pylen);
	if (strlen(py) != pylen)
		abort();
	for (i = 0; i < pylen; i++)
		if ((unsigned char)py[i] < 0x20 || (unsigned char)py[i] > 0x7e)
			abort();	/* ensure_ascii output is printable */
	if (!inf) {
		if ((again = json_parse(py, pylen, &lim, &errstr)) == NULL)
			abort();
		py2 = pyjson_dumps(again, &py2len);
		if (py2len != pylen || memcmp(py, py2, pylen) != 0)
			abort();
		free(py2);
		json_free(again);
	}
	free(py);
	json_free(v);
	return (0);
}

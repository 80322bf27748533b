/*
 * driver.c: `make check-vectors VECTORS=DIR`.  Runs every vector file in
 * DIR that it knows by name, prints "<file>: N passed, M failed" per file
 * and each failing case with its reason, and ends "N passed, M failed".
 */
#include "compat.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "vec.h"
#include "xmalloc.h"

static const struct {
	const char	*file;
	void		(*fn)(const struct json_value *, struct vec_report *);
} vec_files[] = {
	{ "keccak.json", vec_keccak },
	{ "hpke.json", vec_hpke },
	{ "ohttp.json", vec_ohttp },
	{ "canonical_json.json", vec_canonical_json },
	{ "canonical_request.json", vec_canonical_request },
	{ "signature.json", vec_signature },
	{ "registry_abi.json", vec_registry_abi },
	{ "sse_stream.json", vec_sse_stream },
};

void
vec_pass(struct vec_report *r)
{
	r->passed++;
}

void
vec_fail(struct vec_report *r, const char *name, const char *fmt, ...)
{
	va_list	ap;

	r->failed++;
	printf("  FAIL %s: %s: ", r->file, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

const char *
vec_name(const struct json_value *v, size_t i)
{
	static char	 b[512];
	const char	*s;

	if ((s = json_get_str(v, "name")) != NULL)
		snprintf(b, sizeof(b), "%s", s);
	else
		snprintf(b, sizeof(b), "#%zu", i);
	return (b);
}

int
vec_hex(const struct json_value *v, const char *key, uint8_t **out,
    size_t *len)
{
	const struct json_value	*s;

	if ((s = json_get(v, key)) == NULL || s->type != JSON_STRING)
		return (-1);
	*out = xmalloc(s->len / 2 + 1);
	if (hex_decode(s->s, s->len, *out, s->len / 2 + 1, len) == -1) {
		free(*out);
		*out = NULL;
		return (-1);
	}
	return (0);
}

int
vec_hex_eq(const struct json_value *v, const char *key, const void *p,
    size_t len)
{
	uint8_t	*b;
	size_t	 n;
	int	 eq;

	if (vec_hex(v, key, &b, &n) == -1)
		return (0);
	eq = n == len && (len == 0 || memcmp(b, p, len) == 0);
	free(b);
	return (eq);
}

int
vec_str_eq(const struct json_value *v, const void *p, size_t len)
{
	return (v != NULL && v->type == JSON_STRING && v->len == len &&
	    memcmp(v->s, p, len) == 0);
}

static char *
vec_read_file(const char *path, size_t *len)
{
	FILE		*f;
	struct buf	 b;
	char		 tmp[65536];
	size_t		 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	buf_init(&b);
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(&b, tmp, n);
	fclose(f);
	return ((char *)buf_detach(&b, len));
}

int
main(int argc, char **argv)
{
	const char		*dir = argc > 1 ? argv[1] : "../shared/vectors";
	struct json_limits	 lim = { 0, 512, 0 };
	struct json_value	*root;
	struct vec_report	 r;
	const char		*errstr;
	char			*path, *text;
	size_t			 i, len;
	unsigned int		 passed = 0, failed = 0, files = 0;

	for (i = 0; i < sizeof(vec_files) / sizeof(vec_files[0]); i++) {
		xasprintf(&path, "%s/%s", dir, vec_files[i].file);
		text = vec_read_file(path, &len);
		free(path);
		if (text == NULL)
			continue;
		files++;
		memset(&r, 0, sizeof(r));
		r.file = vec_files[i].file;
		if ((root = json_parse(text, len, &lim, &errstr)) == NULL)
			vec_fail(&r, "(file)", "unparsable: %s", errstr);
		else
			vec_files[i].fn(root, &r);
		if (r.passed + r.failed == 0)
			vec_fail(&r, "(file)", "no cases found");
		json_free(root);
		free(text);
		printf("%s: %u passed, %u failed\n", r.file, r.passed,
		    r.failed);
		passed += r.passed;
		failed += r.failed;
	}
	if (files == 0) {
		printf("no known vector file in %s\n", dir);
		failed++;
	}
	printf("%u passed, %u failed\n", passed, failed);
	return (failed == 0 ? 0 : 1);
}

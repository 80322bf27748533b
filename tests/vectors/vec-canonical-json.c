/*
 * vec-canonical-json.c: canonical_json.json (PROTOCOL.md §7).  Each case's
 * input_json is parsed and written as json.dumps(sort_keys=True); the text
 * must equal output and output_hex byte for byte and hash to keccak256.
 * A case marked ok/valid false or expect "error" must be refused.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "keccak.h"
#include "pyjson.h"
#include "vec.h"

/* 1 when the case says its input must be rejected. */
static int
vec_canonical_json_negative(const struct json_value *v)
{
	const char	*e;

	if (json_is(json_get(v, "ok"), JSON_FALSE) ||
	    json_is(json_get(v, "valid"), JSON_FALSE))
		return (1);
	e = json_get_str(v, "expect");
	return (e != NULL && strcmp(e, "error") == 0);
}

/* Check one case; 0 when it passes, else -1 with a reason in *why. */
static int
vec_canonical_json_case(const struct json_value *v, const char **why)
{
	const struct json_value	*in, *out;
	struct json_value	*tree;
	const char		*errstr;
	uint8_t			*want = NULL, md[KECCAK256_LEN];
	char			*dump = NULL;
	size_t			 dlen, wlen;
	int			 checked = 0, rc = -1;

	if (!json_is(in = json_get(v, "input_json"), JSON_STRING)) {
		*why = "no input_json string";
		return (-1);
	}
	tree = json_parse(in->s, in->len, NULL, &errstr);
	if (vec_canonical_json_negative(v)) {
		json_free(tree);
		*why = "a negative case was accepted";
		return (tree == NULL ? 0 : -1);
	}
	if (tree == NULL) {
		*why = errstr;
		return (-1);
	}
	dump = pyjson_dumps(tree, &dlen);
	json_free(tree);
	if ((out = json_get(v, "output")) != NULL) {
		checked = 1;
		if (!vec_str_eq(out, dump, dlen)) {
			*why = "output differs";
			goto done;
		}
	}
	if (json_get(v, "output_hex") != NULL) {
		checked = 1;
		if (vec_hex(v, "output_hex", &want, &wlen) == -1 ||
		    wlen != dlen || memcmp(want, dump, dlen) != 0) {
			*why = "output_hex differs";
			goto done;
		}
		free(want);
		want = NULL;
	}
	if (json_get(v, "keccak256") != NULL) {
		checked = 1;
		keccak256(dump, dlen, md);
		if (vec_hex(v, "keccak256", &want, &wlen) == -1 ||
		    wlen != sizeof(md) || memcmp(want, md, sizeof(md)) != 0) {
			*why = "keccak256 differs";
			goto done;
		}
	}
	if (!checked) {
		*why = "no output, output_hex or keccak256 to compare";
		goto done;
	}
	rc = 0;
done:
	free(want);
	free(dump);
	return (rc);
}

/* Check every case of canonical_json.json. */
void
vec_canonical_json(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*vs, *v;
	const char		*why;
	size_t			 i;

	vs = json_is(root, JSON_ARRAY) ? root : json_get(root, "vectors");
	for (i = 0; (v = json_index(vs, i)) != NULL; i++) {
		why = "failed";
		if (vec_canonical_json_case(v, &why) == 0)
			vec_pass(r);
		else
			vec_fail(r, vec_name(v, i), "%s", why);
	}
}

/*
 * vec-keccak.c: keccak.json (PROTOCOL.md §3, §7, §9).  Every case hashed
 * one-shot and streamed in pieces of 1, 7 and 136 bytes; all must give the
 * recorded Ethereum Keccak-256.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "keccak.h"
#include "vec.h"

/* Hash p in pieces of step bytes. */
static void
vec_keccak_steps(const uint8_t *p, size_t len, size_t step,
    uint8_t md[KECCAK256_LEN])
{
	struct keccak_ctx	 kc;
	size_t			 off, n;

	keccak256_init(&kc);
	for (off = 0; off < len; off += n) {
		n = len - off < step ? len - off : step;
		keccak256_update(&kc, p + off, n);
	}
	keccak256_final(&kc, md);
}

/* Check every case of keccak.json. */
void
vec_keccak(const struct json_value *root, struct vec_report *r)
{
	static const size_t	 steps[] = { 1, 7, 136 };
	const struct json_value	*vs, *v;
	uint8_t			*in, *want, md[KECCAK256_LEN];
	size_t			 i, k, inlen, wantlen;
	int64_t			 n;
	const char		*name;

	vs = json_get(root, "vectors");
	for (i = 0; (v = json_index(vs, i)) != NULL; i++) {
		name = vec_name(v, i);
		in = want = NULL;
		if (vec_hex(v, "input_hex", &in, &inlen) == -1 ||
		    vec_hex(v, "keccak256", &want, &wantlen) == -1 ||
		    wantlen != KECCAK256_LEN) {
			vec_fail(r, name, "input_hex or keccak256 missing");
			goto next;
		}
		if (json_get(v, "input_len") != NULL &&
		    (json_to_int64(json_get(v, "input_len"), &n) == -1 ||
		    n < 0 || (uint64_t)n != inlen)) {
			vec_fail(r, name, "input_len disagrees with input_hex");
			goto next;
		}
		keccak256(in, inlen, md);
		if (memcmp(md, want, sizeof(md)) != 0) {
			vec_fail(r, name, "one-shot hash differs");
			goto next;
		}
		for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
			vec_keccak_steps(in, inlen, steps[k], md);
			if (memcmp(md, want, sizeof(md)) != 0)
				break;
		}
		if (k < sizeof(steps) / sizeof(steps[0])) {
			vec_fail(r, name, "streamed hash (pieces of %zu) "
			    "differs", steps[k]);
			goto next;
		}
		vec_pass(r);
next:
		free(in);
		free(want);
	}
}

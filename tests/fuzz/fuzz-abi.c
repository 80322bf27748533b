/*
 * fuzz-abi.c: the registry ABI decoder over untrusted eth_call results,
 * PROTOCOL.md §3.  Each input goes to abi_decode_tees() and abi_decode_tee();
 * whatever decodes is re-encoded, decoded again and must give the same
 * entries, and the second encoding must equal the first.  The registry
 * filters run over every decoded entry.  Any broken property aborts.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "ohttp.h"
#include "registry.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_abi_mem_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	return (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0));
}

/* Equal values, and nothing the registry would call a rotation. */
static int
fuzz_abi_eq(const struct abi_tee *a, const struct abi_tee *b)
{
	return (abi_tee_equal(a, b) && !registry_rotated(a, b));
}

/* The registry's view of an entry: must not crash, and be consistent. */
static void
fuzz_abi_registry(const struct abi_tee *t)
{
	struct ohttp_key_config	kc;
	char			pcr[67];

	registry_pcr_hex(t, pcr);
	if (registry_usable(t) && registry_skipped(t))
		abort();
	if (registry_usable(t) && registry_key_config(t, &kc) == -1)
		abort();
}

static void
fuzz_abi_tees(const uint8_t *p, size_t len)
{
	struct abi_tee	*t, *t2;
	struct buf	 b, b2;
	const char	*errstr;
	size_t		 n, n2, i;

	if (abi_decode_tees(p, len, &t, &n, &errstr) == -1) {
		if (errstr == NULL || t != NULL || n != 0)
			abort();
		return;
	}
	buf_init(&b);
	buf_init(&b2);
	abi_encode_tees(t, n, &b);
	if (abi_decode_tees(b.data, b.len, &t2, &n2, &errstr) == -1 ||
	    n2 != n)
		abort();
	for (i = 0; i < n; i++) {
		if (!fuzz_abi_eq(&t[i], &t2[i]))
			abort();
		fuzz_abi_registry(&t[i]);
	}
	abi_encode_tees(t2, n2, &b2);
	if (!fuzz_abi_mem_eq(b.data, b.len, b2.data, b2.len))
		abort();
	abi_tees_free(t, n);
	abi_tees_free(t2, n2);
	buf_clear(&b, 0);
	buf_clear(&b2, 0);
}

static void
fuzz_abi_tee(const uint8_t *p, size_t len)
{
	struct abi_tee	 t, t2;
	struct buf	 b, b2;
	const char	*errstr;

	if (abi_decode_tee(p, len, &t, &errstr) == -1) {
		if (errstr == NULL || t.endpoint != NULL ||
		    t.public_key != NULL)
			abort();
		return;
	}
	buf_init(&b);
	buf_init(&b2);
	abi_encode_tee(&t, &b);
	if (abi_decode_tee(b.data, b.len, &t2, &errstr) == -1 ||
	    !fuzz_abi_eq(&t, &t2))
		abort();
	fuzz_abi_registry(&t);
	abi_encode_tee(&t2, &b2);
	if (!fuzz_abi_mem_eq(b.data, b.len, b2.data, b2.len))
		abort();
	abi_tee_clear(&t);
	abi_tee_clear(&t2);
	buf_clear(&b, 0);
	buf_clear(&b2, 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_abi_tees(data, size);
	fuzz_abi_tee(data, size);
	return (0);
}

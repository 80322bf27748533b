/*
 * test-keccak.c: Keccak-256 (Ethereum padding) known answers, the rate
 * boundary and streaming in arbitrary pieces.  PROTOCOL.md §3, §7, §9.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "keccak.h"
#include "test.h"

static int
test_keccak_hex(const void *p, size_t len, const char *want)
{
	uint8_t	 md[KECCAK256_LEN], *exp;
	size_t	 n;
	int	 rc;

	keccak256(p, len, md);
	exp = test_unhex(want, &n);
	rc = n == sizeof(md) && memcmp(md, exp, n) == 0 ? 0 : -1;
	free(exp);
	return (rc);
}

static int
test_empty(void)
{
	TEST_ASSERT(test_keccak_hex("", 0, "c5d2460186f7233c927e7db2dcc703c0"
	    "e500b653ca82273b7bfad8045d85a470") == 0);
	return (0);
fail:
	return (-1);
}

static int
test_abc(void)
{
	TEST_ASSERT(test_keccak_hex("abc", 3, "4e03657aea45a94fc7d47ba826c8d667"
	    "c0d1e6e33a64a036ec44f58fa12d6c45") == 0);
	return (0);
fail:
	return (-1);
}

/* SHA3-256("") is a7ffc6f8...: the padding must be Keccak's, not NIST's. */
static int
test_not_sha3(void)
{
	TEST_ASSERT(test_keccak_hex("", 0, "a7ffc6f8bf1ed76651c14756a061d662"
	    "f580ff4de43b49fa82d80a4b80f8434a") == -1);
	return (0);
fail:
	return (-1);
}

/* 135, 136 and 137 bytes of 'a': either side of the 136-byte rate. */
static int
test_rate_boundary(void)
{
	uint8_t	 a[137];

	memset(a, 'a', sizeof(a));
	TEST_ASSERT(test_keccak_hex(a, 135, "34367dc248bbd832f4e3e69dfaac2f92"
	    "638bd0bbd18f2912ba4ef454919cf446") == 0);
	TEST_ASSERT(test_keccak_hex(a, 136, "a6c4d403279fe3e0af03729caada8374"
	    "b5ca54d8065329a3ebcaeb4b60aa386e") == 0);
	TEST_ASSERT(test_keccak_hex(a, 137, "d869f639c7046b4929fc92a4d988a8b2"
	    "2c55fbadb802c0c66ebcd484f1915f39") == 0);
	return (0);
fail:
	return (-1);
}

/* Every two-piece split of 600 bytes hashes as the one-shot does. */
static int
test_stream_splits(void)
{
	struct keccak_ctx	 kc;
	uint8_t			 data[600], want[KECCAK256_LEN];
	uint8_t			 got[KECCAK256_LEN];
	size_t			 i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	keccak256(data, sizeof(data), want);
	for (i = 0; i <= sizeof(data); i++) {
		keccak256_init(&kc);
		keccak256_update(&kc, data, i);
		keccak256_update(&kc, data + i, sizeof(data) - i);
		keccak256_final(&kc, got);
		TEST_EQ_MEM(got, want, sizeof(want));
	}
	return (0);
fail:
	return (-1);
}

/* One byte at a time, with empty updates between, then reuse after final. */
static int
test_stream_bytes(void)
{
	struct keccak_ctx	 kc;
	uint8_t			 data[300], want[KECCAK256_LEN];
	uint8_t			 got[KECCAK256_LEN];
	size_t			 i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(255 - i);
	keccak256(data, sizeof(data), want);
	keccak256_init(&kc);
	for (i = 0; i < sizeof(data); i++) {
		keccak256_update(&kc, data + i, 1);
		keccak256_update(&kc, data, 0);
	}
	keccak256_final(&kc, got);
	TEST_EQ_MEM(got, want, sizeof(want));
	/* final re-initialises: the same context hashes "" next. */
	keccak256_final(&kc, got);
	TEST_ASSERT(got[0] == 0xc5 && got[31] == 0x70);
	return (0);
fail:
	return (-1);
}

static const struct test_case keccak_tests[] = {
	{ "empty", test_empty },
	{ "abc", test_abc },
	{ "not-sha3", test_not_sha3 },
	{ "rate-boundary", test_rate_boundary },
	{ "stream-splits", test_stream_splits },
	{ "stream-bytes", test_stream_bytes },
};

TEST_MAIN("test-keccak", keccak_tests)

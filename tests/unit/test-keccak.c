/*
 * test-keccak.c: Keccak-256 (Ethereum padding) known answers, the rate
 * boundary, streaming in arbitrary pieces, and the unrolled permutation
 * against FIPS 202's loops.  PROTOCOL.md §3, §7, §9.
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

/*
 * The permutation as FIPS 202 §3.2 writes it, loop by loop: the reference
 * the unrolled, lane-complementing keccak_f1600() is checked against.
 */
static void
test_ref_f1600(uint64_t a[25])
{
	static const uint64_t	 rc[24] = {
		0x0000000000000001ULL, 0x0000000000008082ULL,
		0x800000000000808aULL, 0x8000000080008000ULL,
		0x000000000000808bULL, 0x0000000080000001ULL,
		0x8000000080008081ULL, 0x8000000000008009ULL,
		0x000000000000008aULL, 0x0000000000000088ULL,
		0x0000000080008009ULL, 0x000000008000000aULL,
		0x000000008000808bULL, 0x800000000000008bULL,
		0x8000000000008089ULL, 0x8000000000008003ULL,
		0x8000000000008002ULL, 0x8000000000000080ULL,
		0x000000000000800aULL, 0x800000008000000aULL,
		0x8000000080008081ULL, 0x8000000000008080ULL,
		0x0000000080000001ULL, 0x8000000080008008ULL
	};
	static const unsigned int rho[25] = {
		0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39,
		41, 45, 15, 21, 8, 18, 2, 61, 56, 14
	};
	uint64_t	 b[25], c[5], d[5], v;
	unsigned int	 r, x, y, n;

	for (r = 0; r < 24; r++) {
		for (x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^
			    a[x + 20];
		for (x = 0; x < 5; x++)
			d[x] = c[(x + 4) % 5] ^ (c[(x + 1) % 5] << 1 |
			    c[(x + 1) % 5] >> 63);
		for (y = 0; y < 5; y++)
			for (x = 0; x < 5; x++) {
				v = a[x + 5 * y] ^ d[x];
				n = rho[x + 5 * y];
				b[y + 5 * ((2 * x + 3 * y) % 5)] = n == 0 ? v :
				    v << n | v >> (64 - n);
			}
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] &
				    b[y + (x + 2) % 5]);
		a[0] ^= rc[r];
	}
}

/* Keccak-f[1600] of the zero state: the Keccak team's known answer. */
static int
test_f1600_zero(void)
{
	static const uint64_t	 want[25] = {
		0xF1258F7940E1DDE7ULL, 0x84D5CCF933C0478AULL,
		0xD598261EA65AA9EEULL, 0xBD1547306F80494DULL,
		0x8B284E056253D057ULL, 0xFF97A42D7F8E6FD4ULL,
		0x90FEE5A0A44647C4ULL, 0x8C5BDA0CD6192E76ULL,
		0xAD30A6F71B19059CULL, 0x30935AB7D08FFC64ULL,
		0xEB5AA93F2317D635ULL, 0xA9A6E6260D712103ULL,
		0x81A57C16DBCF555FULL, 0x43B831CD0347C826ULL,
		0x01F22F1A11A5569FULL, 0x05E5635A21D9AE61ULL,
		0x64BEFEF28CC970F2ULL, 0x613670957BC46611ULL,
		0xB87C5A554FD00ECBULL, 0x8C3EE88A1CCF32C8ULL,
		0x940C7922AE3A2614ULL, 0x1841F924A2C509E4ULL,
		0x16F53526E70465C2ULL, 0x75F644E97F30A13BULL,
		0xEAF1FF7B5CECA249ULL
	};
	uint64_t	 st[25];

	memset(st, 0, sizeof(st));
	keccak_f1600(st);
	TEST_EQ_MEM(st, want, sizeof(want));
	keccak_f1600(st);
	TEST_ASSERT(st[0] == 0x2D5C954DF96ECB3CULL);
	return (0);
fail:
	return (-1);
}

/* 500 pseudo-random states: the fast permutation equals the reference. */
static int
test_f1600_reference(void)
{
	uint64_t	 a[25], b[25], x = 0x9e3779b97f4a7c15ULL;
	int		 i, k;

	for (k = 0; k < 500; k++) {
		for (i = 0; i < 25; i++) {
			/* xorshift64: every bit pattern of every lane. */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			a[i] = b[i] = k % 50 == 0 ? ~(uint64_t)0 : x;
		}
		test_ref_f1600(a);
		keccak_f1600(b);
		TEST_EQ_MEM(b, a, sizeof(a));
	}
	return (0);
fail:
	return (-1);
}

/*
 * Every length 0..700 (five blocks and a bit) and every lane offset of
 * the second piece: the sponge over the reference permutation, byte by
 * byte, gives the same digest.
 */
static int
test_sponge_reference(void)
{
	struct keccak_ctx	 kc;
	uint8_t			 data[700], want[KECCAK256_LEN];
	uint8_t			 got[KECCAK256_LEN];
	uint64_t		 st[25];
	size_t			 len, i, pos;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + 17);
	for (len = 0; len <= sizeof(data); len++) {
		memset(st, 0, sizeof(st));
		for (i = pos = 0; i < len; i++) {
			st[pos / 8] ^= (uint64_t)data[i] << (8 * (pos % 8));
			if (++pos == 136) {
				test_ref_f1600(st);
				pos = 0;
			}
		}
		st[pos / 8] ^= (uint64_t)0x01 << (8 * (pos % 8));
		st[16] ^= (uint64_t)0x80 << 56;
		test_ref_f1600(st);
		for (i = 0; i < sizeof(want); i++)
			want[i] = (uint8_t)(st[i / 8] >> (8 * (i % 8)));
		keccak256(data, len, got);
		TEST_EQ_MEM(got, want, sizeof(want));
		keccak256_init(&kc);
		keccak256_update(&kc, data, len % 9);
		keccak256_update(&kc, data + len % 9, len - len % 9);
		keccak256_final(&kc, got);
		TEST_EQ_MEM(got, want, sizeof(want));
	}
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
	{ "f1600-zero", test_f1600_zero },
	{ "f1600-reference", test_f1600_reference },
	{ "sponge-reference", test_sponge_reference },
};

TEST_MAIN("test-keccak", keccak_tests)

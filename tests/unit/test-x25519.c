/*
 * test-x25519.c: the fixed-base X25519(k, 9) against RFC 7748 §6.1's key
 * pairs and against OpenSSL's own public-from-private for edge scalars
 * (each bit alone, all zero, all one, clamping's bits) and 20,000 random
 * ones (500 under valgrind); the key agreement from a peer's table against
 * RFC 7748 §6.1's shared secret and OpenSSL's derive (200 peers of 10
 * random scalars each, the edge scalars, u with its top bit set or not
 * reduced), and the keys it must leave to OpenSSL (small order, a
 * small-order part, the twist, u = -1); both at once (one inversion)
 * against both; and, under valgrind (make check's
 * valgrind stage), that no branch and no memory address depends on the
 * secret, for both.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <valgrind/memcheck.h>

#include "test.h"
#include "x25519.h"

/* OpenSSL's X25519 public key of sk. */
static int
test_openssl_public(const uint8_t sk[32], uint8_t pk[32])
{
	EVP_PKEY	*key;
	size_t		 len = 32;
	int		 rc;

	if ((key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
	    32)) == NULL)
		return (-1);
	rc = EVP_PKEY_get_raw_public_key(key, pk, &len) == 1 && len == 32 ?
	    0 : -1;
	EVP_PKEY_free(key);
	return (rc);
}

/* Ours equals OpenSSL's for sk. */
static int
test_same_as_openssl(const uint8_t sk[32])
{
	uint8_t	 ours[32], theirs[32];

	if (x25519_public_from_secret(sk, ours) != 0 ||
	    test_openssl_public(sk, theirs) != 0)
		return (-1);
	return (memcmp(ours, theirs, 32) == 0 ? 0 : -1);
}

static int
test_rfc7748(void)
{
	static const char *const kat[2][2] = {
		{ "77076d0a7318a57d3c16c17251b26645"
		  "df4c2f87ebc0992ab177fba51db92c2a",
		  "8520f0098930a754748b7ddcb43ef75a"
		  "0dbf3a0d26381af4eba4a98eaa9b4e6a" },
		{ "5dab087e624a8a4b79e17f8b83800ee6"
		  "6f3bb1292618b6fd1c2f8b27ff88e0eb",
		  "de9edb7d7b7dc1b4d35b61c2ece43537"
		  "3f8343c85b78674dadfc7e146f882b4f" },
	};
	uint8_t	*sk = NULL, *want = NULL, pk[32];
	size_t	 n, m;
	int	 i;

	for (i = 0; i < 2; i++) {
		sk = test_unhex(kat[i][0], &n);
		want = test_unhex(kat[i][1], &m);
		TEST_EQ_INT(n, 32);
		TEST_EQ_INT(m, 32);
		TEST_EQ_INT(x25519_public_from_secret(sk, pk), 0);
		TEST_EQ_MEM(pk, want, 32);
		free(sk);
		free(want);
		sk = want = NULL;
	}
	return (0);
fail:
	free(sk);
	free(want);
	return (-1);
}

/* Scalars at the edges: none, all, each bit alone, each byte 0xff. */
static int
test_edge_scalars(void)
{
	uint8_t	 sk[32];
	int	 i;

	memset(sk, 0, sizeof(sk));
	TEST_EQ_INT(test_same_as_openssl(sk), 0);
	memset(sk, 0xff, sizeof(sk));
	TEST_EQ_INT(test_same_as_openssl(sk), 0);
	for (i = 0; i < 256; i++) {
		memset(sk, 0, sizeof(sk));
		sk[i / 8] = (uint8_t)(1 << (i % 8));
		TEST_EQ_INT(test_same_as_openssl(sk), 0);
		memset(sk, 0xff, sizeof(sk));
		sk[i / 8] = (uint8_t)~(1 << (i % 8));
		TEST_EQ_INT(test_same_as_openssl(sk), 0);
	}
	for (i = 0; i < 32; i++) {
		memset(sk, 0, sizeof(sk));
		sk[i] = 0xff;
		TEST_EQ_INT(test_same_as_openssl(sk), 0);
		memset(sk, 0x88, sizeof(sk));	/* every digit -8 */
		sk[i] = 0x77;
		TEST_EQ_INT(test_same_as_openssl(sk), 0);
	}
	return (0);
fail:
	return (-1);
}

static int
test_random_scalars(void)
{
	uint8_t	 sk[32];
	int	 i;
	int	 n = RUNNING_ON_VALGRIND ? 500 : 20000;

	for (i = 0; i < n; i++) {
		TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
		if (test_same_as_openssl(sk) != 0) {
			fprintf(stderr, "  differs from OpenSSL at %d\n", i);
			goto fail;
		}
	}
	return (0);
fail:
	return (-1);
}

/* The output is a function of the clamped scalar only. */
static int
test_clamping(void)
{
	uint8_t	 sk[32], a[32], b[32];
	int	 i;

	for (i = 0; i < 100; i++) {
		TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
		TEST_EQ_INT(x25519_public_from_secret(sk, a), 0);
		sk[0] ^= 7;
		sk[31] ^= 0x80;
		sk[31] ^= 0x40;
		TEST_EQ_INT(x25519_public_from_secret(sk, b), 0);
		TEST_EQ_MEM(a, b, 32);
	}
	return (0);
fail:
	return (-1);
}

/*
 * The secret marked undefined for memcheck: a branch or an address that
 * depends on it is a valgrind error (the valgrind stage fails on any).
 * The table is made first, from public data.  Outside valgrind the marks
 * do nothing and this checks only the answer.
 */
static int
test_constant_time(void)
{
	uint8_t	 sk[32], pk[32], want[32];
	int	 i;

	if (!RUNNING_ON_VALGRIND)
		fprintf(stderr, "  constant-time: checked only under valgrind"
		    " (make check's valgrind stage)\n");
	TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
	TEST_EQ_INT(x25519_public_from_secret(sk, pk), 0);
	for (i = 0; i < 8; i++) {
		TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
		TEST_EQ_INT(test_openssl_public(sk, want), 0);
		(void)VALGRIND_MAKE_MEM_UNDEFINED(sk, sizeof(sk));
		TEST_EQ_INT(x25519_public_from_secret(sk, pk), 0);
		(void)VALGRIND_MAKE_MEM_DEFINED(pk, sizeof(pk));
		(void)VALGRIND_MAKE_MEM_DEFINED(sk, sizeof(sk));
		TEST_EQ_MEM(pk, want, 32);
	}
	return (0);
fail:
	return (-1);
}

/* OpenSSL's X25519(sk, u); -1 if it refuses (an all-zero result). */
static int
test_openssl_dh(const uint8_t sk[32], const uint8_t u[32], uint8_t out[32])
{
	EVP_PKEY	*key = NULL, *peer = NULL;
	EVP_PKEY_CTX	*ctx = NULL;
	size_t		 len = 32;
	int		 rc = -1;

	if ((key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk,
	    32)) == NULL ||
	    (peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, u,
	    32)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) != 1 ||
	    EVP_PKEY_derive(ctx, out, &len) != 1 || len != 32)
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	EVP_PKEY_free(key);
	return (rc);
}

/* Ours from xp (the table of u) equals OpenSSL's for sk. */
static int
test_peer_same(const struct x25519_peer *xp, const uint8_t u[32],
    const uint8_t sk[32])
{
	uint8_t	 ours[32], theirs[32];

	x25519_peer_dh(xp, sk, ours);
	if (test_openssl_dh(sk, u, theirs) != 0)
		return (-1);
	return (memcmp(ours, theirs, 32) == 0 ? 0 : -1);
}

/* A genuine public key: X25519(random, 9) by OpenSSL. */
static int
test_random_public(uint8_t u[32])
{
	uint8_t	 sk[32];

	if (RAND_bytes(sk, sizeof(sk)) != 1)
		return (-1);
	return (test_openssl_public(sk, u));
}

static int
test_peer_rfc7748(void)
{
	static const char *const hex[] = {
		"77076d0a7318a57d3c16c17251b26645"	/* Alice's sk */
		"df4c2f87ebc0992ab177fba51db92c2a",
		"de9edb7d7b7dc1b4d35b61c2ece43537"	/* Bob's pk */
		"3f8343c85b78674dadfc7e146f882b4f",
		"5dab087e624a8a4b79e17f8b83800ee6"	/* Bob's sk */
		"6f3bb1292618b6fd1c2f8b27ff88e0eb",
		"8520f0098930a754748b7ddcb43ef75a"	/* Alice's pk */
		"0dbf3a0d26381af4eba4a98eaa9b4e6a",
		"4a5d9d5ba4ce2de1728e3bf480350f25"	/* K */
		"e07e21c947d19e3376f09b3c1e161742"
	};
	uint8_t			*b[5] = { NULL }, out[32];
	struct x25519_peer	*xp = NULL;
	size_t			 n;
	int			 i;

	for (i = 0; i < 5; i++) {
		b[i] = test_unhex(hex[i], &n);
		TEST_EQ_INT(n, 32);
	}
	for (i = 0; i < 2; i++) {
		TEST_ASSERT((xp = x25519_peer_new(b[2 * i + 1])) != NULL);
		x25519_peer_dh(xp, b[2 * i], out);
		TEST_EQ_MEM(out, b[4], 32);
		x25519_peer_free(xp);
		xp = NULL;
	}
	for (i = 0; i < 5; i++)
		free(b[i]);
	return (0);
fail:
	x25519_peer_free(xp);
	for (i = 0; i < 5; i++)
		free(b[i]);
	return (-1);
}

static int
test_peer_random(void)
{
	struct x25519_peer	*xp = NULL;
	uint8_t			 u[32], sk[32];
	int			 i, j, n = RUNNING_ON_VALGRIND ? 5 : 200;

	for (i = 0; i < n; i++) {
		TEST_EQ_INT(test_random_public(u), 0);
		TEST_ASSERT((xp = x25519_peer_new(u)) != NULL);
		for (j = 0; j < 10; j++) {
			TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
			if (test_peer_same(xp, u, sk) != 0) {
				fprintf(stderr, "  differs from OpenSSL at "
				    "peer %d, scalar %d\n", i, j);
				goto fail;
			}
		}
		x25519_peer_free(xp);
		xp = NULL;
	}
	return (0);
fail:
	x25519_peer_free(xp);
	return (-1);
}

/* The edge scalars of test_edge_scalars, against one peer. */
static int
test_peer_edge_scalars(void)
{
	struct x25519_peer	*xp = NULL;
	uint8_t			 u[32], sk[32];
	int			 i;

	TEST_EQ_INT(test_random_public(u), 0);
	TEST_ASSERT((xp = x25519_peer_new(u)) != NULL);
	memset(sk, 0, sizeof(sk));
	TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
	memset(sk, 0xff, sizeof(sk));
	TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
	for (i = 0; i < 256; i++) {
		memset(sk, 0, sizeof(sk));
		sk[i / 8] = (uint8_t)(1 << (i % 8));
		TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
		memset(sk, 0xff, sizeof(sk));
		sk[i / 8] = (uint8_t)~(1 << (i % 8));
		TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
	}
	for (i = 0; i < 32; i++) {
		memset(sk, 0x88, sizeof(sk));
		sk[i] = 0x77;
		TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
	}
	x25519_peer_free(xp);
	return (0);
fail:
	x25519_peer_free(xp);
	return (-1);
}

/*
 * u as RFC 7748 §5 reads it: the top bit ignored, a value of p or more
 * reduced.  Both forms give the same table as u itself, and OpenSSL's
 * answer.
 */
static int
test_peer_u_forms(void)
{
	struct x25519_peer	*xp = NULL;
	BIGNUM			*p = NULL, *x = NULL;
	uint8_t			 u[32], v[32], be[32], sk[32];
	int			 i, found = 0;

	TEST_EQ_INT(test_random_public(u), 0);
	memcpy(v, u, 32);
	v[31] |= 0x80;
	TEST_ASSERT((xp = x25519_peer_new(v)) != NULL);
	TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
	TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
	TEST_EQ_INT(test_peer_same(xp, v, sk), 0);
	x25519_peer_free(xp);
	xp = NULL;
	/* u + p below 2^255: u below 19; find such a key by trying */
	p = BN_new();
	x = BN_new();
	TEST_ASSERT(p != NULL && x != NULL);
	TEST_ASSERT(BN_set_bit(p, 255) == 1 && BN_sub_word(p, 19) == 1);
	for (i = 0; i < 19 && !found; i++) {
		memset(u, 0, 32);
		u[0] = (uint8_t)i;
		if ((xp = x25519_peer_new(u)) == NULL)
			continue;
		found = 1;
		TEST_ASSERT(BN_set_word(x, (BN_ULONG)i) == 1);
		TEST_ASSERT(BN_add(x, x, p) == 1);
		TEST_ASSERT(BN_bn2binpad(x, be, 32) == 32);
		for (i = 0; i < 32; i++)
			v[i] = be[31 - i];
		x25519_peer_free(xp);
		TEST_ASSERT((xp = x25519_peer_new(v)) != NULL);
		TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
		TEST_EQ_INT(test_peer_same(xp, v, sk), 0);
		x25519_peer_free(xp);
		xp = NULL;
	}
	/* None of 0..18 is in the prime-order group: then only refusals. */
	BN_free(p);
	BN_free(x);
	return (0);
fail:
	x25519_peer_free(xp);
	BN_free(p);
	BN_free(x);
	return (-1);
}

/*
 * What this code leaves to OpenSSL: the small-order points (u = 0, 1,
 * and the order-8 ones), u = -1 (no Edwards point), a genuine key plus
 * the point of order 2 (its u is 1/u), and points of the twist; a random
 * u is served only when OpenSSL agrees with the answer.
 */
static int
test_peer_refused(void)
{
	static const char *const bad[] = {
		"00000000000000000000000000000000"
		"00000000000000000000000000000000",
		"01000000000000000000000000000000"
		"00000000000000000000000000000000",
		"e0eb7a7c3b41b8ae1656e3faf19fc46a"	/* order 8 */
		"da098deb9c32b1fd866205165f49b800",
		"5f9c95bca3508c24b1d0b1559c83ef5b"	/* order 8 */
		"04445cc4581c8e86d8224eddd09f1157",
		"ecffffffffffffffffffffffffffffff"	/* p - 1 = -1 */
		"ffffffffffffffffffffffffffffff7f",
	};
	struct x25519_peer	*xp = NULL;
	BN_CTX			*bc = NULL;
	BIGNUM			*p = NULL, *x = NULL;
	uint8_t			*b = NULL, u[32], be[32], sk[32];
	size_t			 n;
	int			 i, j, served = 0, twist = 0;

	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		b = test_unhex(bad[i], &n);
		TEST_EQ_INT(n, 32);
		TEST_ASSERT(x25519_peer_new(b) == NULL);
		/* small order (all but -1): OpenSSL's answer is all zero */
		if (i < 4) {
			TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
			TEST_EQ_INT(test_openssl_dh(sk, b, u), -1);
		}
		free(b);
		b = NULL;
	}
	/* 1/u: the genuine key's point plus (0, -1) */
	TEST_ASSERT((bc = BN_CTX_new()) != NULL);
	TEST_ASSERT((p = BN_new()) != NULL && (x = BN_new()) != NULL);
	TEST_ASSERT(BN_set_bit(p, 255) == 1 && BN_sub_word(p, 19) == 1);
	for (i = 0; i < 20; i++) {
		TEST_EQ_INT(test_random_public(u), 0);
		for (j = 0; j < 32; j++)
			be[j] = u[31 - j];
		TEST_ASSERT(BN_bin2bn(be, 32, x) != NULL);
		TEST_ASSERT(BN_mod_inverse(x, x, p, bc) != NULL);
		TEST_ASSERT(BN_bn2binpad(x, be, 32) == 32);
		for (j = 0; j < 32; j++)
			u[j] = be[31 - j];
		TEST_ASSERT(x25519_peer_new(u) == NULL);
	}
	/* random u: about half the twist's, 1 in 16 served */
	for (i = 0; i < (RUNNING_ON_VALGRIND ? 16 : 400); i++) {
		TEST_ASSERT(RAND_bytes(u, sizeof(u)) == 1);
		u[31] &= 0x7f;
		if ((xp = x25519_peer_new(u)) == NULL) {
			twist++;
			continue;
		}
		served++;
		TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
		TEST_EQ_INT(test_peer_same(xp, u, sk), 0);
		x25519_peer_free(xp);
		xp = NULL;
	}
	if (!RUNNING_ON_VALGRIND)
		TEST_ASSERT(served > 0 && twist > served);
	BN_free(p);
	BN_free(x);
	BN_CTX_free(bc);
	return (0);
fail:
	x25519_peer_free(xp);
	free(b);
	BN_free(p);
	BN_free(x);
	BN_CTX_free(bc);
	return (-1);
}

/* Both at once (one inversion) equals the two calls, and OpenSSL. */
static int
test_public_and_dh(void)
{
	struct x25519_peer	*xp = NULL;
	uint8_t			 u[32], sk[32], pk[32], dh[32], pk1[32];
	uint8_t			 dh1[32];
	int			 i, j, n = RUNNING_ON_VALGRIND ? 2 : 20;

	for (i = 0; i < n; i++) {
		TEST_EQ_INT(test_random_public(u), 0);
		TEST_ASSERT((xp = x25519_peer_new(u)) != NULL);
		for (j = 0; j < 50; j++) {
			TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
			if (j == 0)
				memset(sk, 0, sizeof(sk));
			if (j == 1)
				memset(sk, 0xff, sizeof(sk));
			TEST_EQ_INT(x25519_public_and_dh(xp, sk, pk, dh), 0);
			TEST_EQ_INT(test_openssl_public(sk, pk1), 0);
			TEST_EQ_MEM(pk, pk1, 32);
			TEST_EQ_INT(test_openssl_dh(sk, u, dh1), 0);
			TEST_EQ_MEM(dh, dh1, 32);
		}
		x25519_peer_free(xp);
		xp = NULL;
	}
	return (0);
fail:
	x25519_peer_free(xp);
	return (-1);
}

/* As test_constant_time, for the key agreement from a peer's table. */
static int
test_peer_constant_time(void)
{
	struct x25519_peer	*xp = NULL;
	uint8_t			 u[32], sk[32], out[32], want[32];
	uint8_t			 pk[32], wpk[32];
	int			 i;

	TEST_EQ_INT(test_random_public(u), 0);
	TEST_ASSERT((xp = x25519_peer_new(u)) != NULL);
	for (i = 0; i < 8; i++) {
		TEST_ASSERT(RAND_bytes(sk, sizeof(sk)) == 1);
		TEST_EQ_INT(test_openssl_dh(sk, u, want), 0);
		TEST_EQ_INT(test_openssl_public(sk, wpk), 0);
		(void)VALGRIND_MAKE_MEM_UNDEFINED(sk, sizeof(sk));
		x25519_peer_dh(xp, sk, out);
		(void)VALGRIND_MAKE_MEM_DEFINED(out, sizeof(out));
		TEST_EQ_MEM(out, want, 32);
		TEST_EQ_INT(x25519_public_and_dh(xp, sk, pk, out), 0);
		(void)VALGRIND_MAKE_MEM_DEFINED(pk, sizeof(pk));
		(void)VALGRIND_MAKE_MEM_DEFINED(out, sizeof(out));
		(void)VALGRIND_MAKE_MEM_DEFINED(sk, sizeof(sk));
		TEST_EQ_MEM(out, want, 32);
		TEST_EQ_MEM(pk, wpk, 32);
	}
	x25519_peer_free(xp);
	return (0);
fail:
	x25519_peer_free(xp);
	return (-1);
}

/*
 * The same cases with table entries selected without AVX2 (SSE2 on
 * x86-64), the form a processor without AVX2 runs.
 */
static int
test_without_avx2(int (*fn)(void))
{
	int	 was, rv;

	was = x25519_set_avx2(0);
	rv = fn();
	(void)x25519_set_avx2(was);
	return (rv);
}

static int test_random_scalars_no_avx2(void)
{ return (test_without_avx2(test_random_scalars)); }
static int test_peer_random_no_avx2(void)
{ return (test_without_avx2(test_peer_random)); }
static int test_peer_edge_scalars_no_avx2(void)
{ return (test_without_avx2(test_peer_edge_scalars)); }
static int test_public_and_dh_no_avx2(void)
{ return (test_without_avx2(test_public_and_dh)); }
static int test_constant_time_no_avx2(void)
{ return (test_without_avx2(test_constant_time)); }
static int test_peer_constant_time_no_avx2(void)
{ return (test_without_avx2(test_peer_constant_time)); }

static const struct test_case x25519_tests[] = {
	{ "rfc7748", test_rfc7748 },
	{ "edge-scalars", test_edge_scalars },
	{ "random-scalars", test_random_scalars },
	{ "clamping", test_clamping },
	{ "constant-time", test_constant_time },
	{ "peer-rfc7748", test_peer_rfc7748 },
	{ "peer-random", test_peer_random },
	{ "peer-edge-scalars", test_peer_edge_scalars },
	{ "peer-u-forms", test_peer_u_forms },
	{ "peer-refused", test_peer_refused },
	{ "public-and-dh", test_public_and_dh },
	{ "peer-constant-time", test_peer_constant_time },
	{ "random-scalars-no-avx2", test_random_scalars_no_avx2 },
	{ "peer-random-no-avx2", test_peer_random_no_avx2 },
	{ "peer-edge-scalars-no-avx2", test_peer_edge_scalars_no_avx2 },
	{ "public-and-dh-no-avx2", test_public_and_dh_no_avx2 },
	{ "constant-time-no-avx2", test_constant_time_no_avx2 },
	{ "peer-constant-time-no-avx2", test_peer_constant_time_no_avx2 },
};

TEST_MAIN("test-x25519", x25519_tests)

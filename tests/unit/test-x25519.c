/*
 * test-x25519.c: the fixed-base X25519(k, 9) against RFC 7748 §6.1's key
 * pairs and against OpenSSL's own public-from-private for edge scalars
 * (each bit alone, all zero, all one, clamping's bits) and 20,000 random
 * ones (500 under valgrind); and, under valgrind (make check's valgrind
 * stage), that no branch and no memory address depends on the secret.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

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

static const struct test_case x25519_tests[] = {
	{ "rfc7748", test_rfc7748 },
	{ "edge-scalars", test_edge_scalars },
	{ "random-scalars", test_random_scalars },
	{ "clamping", test_clamping },
	{ "constant-time", test_constant_time },
};

TEST_MAIN("test-x25519", x25519_tests)

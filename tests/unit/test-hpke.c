/*
 * test-hpke.c: HPKE (RFC 9180) base mode, PROTOCOL.md §4: the RFC's and
 * CFRG's known answers for all three AEADs in both roles, round trips, and
 * every way an open must fail (wrong key, tag, aad, sequence number,
 * low-order public keys, bad suites and lengths).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "test.h"

#define INFO_HEX	"4f6465206f6e2061204772656369616e2055726e"
#define PT_HEX		"4265617574792069732074727574682c2074727574682062" \
			"6561757479"

/* One known-answer vector: the RFC 9180 / CFRG values, as hex. */
struct hpke_kat {
	uint16_t	 aead;
	const char	*ikme;
	const char	*ikmr;
	const char	*skr;
	const char	*pkr;
	const char	*enc;
	const char	*shared;
	const char	*key;
	const char	*nonce;
	const char	*exporter;
	const char	*ct0;		/* seq 0, aad "Count-0" */
	const char	*ct256;		/* seq 256, aad "Count-256" */
	const char	*export;	/* Export("TestContext", 32) */
};

static const struct hpke_kat kat_aes128 = {	/* RFC 9180 A.1.1 */
	HPKE_AEAD_AES128GCM,
	"7268600d403fce431561aef583ee1613527cff655c1343f29812e66706df3234",
	"6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037",
	"4612c550263fc8ad58375df3f557aac531d26850903e55a9f23f21d8534e8ac8",
	"3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d",
	"37fda3567bdbd628e88668c3c8d7e97d1d1253b6d4ea6d44c150f741f1bf4431",
	"fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc",
	"4531685d41d65f03dc48f6b8302c05b0",
	"56d890e5accaaf011cff4b7d",
	"45ff1c2e220db587171952c0592d5f5ebe103f1561a2614e38f2ffd47e99e3f8",
	"f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a9"
	"6d8770ac83d07bea87e13c512a",
	"957f9800542b0b8891badb026d79cc54597cb2d225b54c00c5238c25d05c30e3"
	"fbeda97d2e0e1aba483a2df9f2",
	"e9e43065102c3836401bed8c3c3c75ae46be1639869391d62c61f1ec7af54931",
};

static const struct hpke_kat kat_aes256 = {	/* CFRG test-vectors.json */
	HPKE_AEAD_AES256GCM,
	"dfd175121e21c253a93df7fab2b69fb20112320188532abb11f2ff74efc5c724",
	"d5b09b6a5e44852d7d5de180b6cd07a1cda48cdc561015134458ea3fbea35ec5",
	"4f8282f1b30e39a5d7f3fcccf73d8044a09d89ac168c1929f179e2e93e20b8ae",
	"ac66bae9ffa270cf4a89ed9f274e30c0456babae2572aaaf002ff0d8884ab018",
	"8e806d41aecfcece96a6b47f1e488a3ac6e48090d9b634355c705dd34311d900",
	"80d96bdd3f508642a68fb2830e2ef4ce03eb527cc07dfc594d930b08fb573f9c",
	"d7c0d49221e08f1a9270fed5ace0e600e570c766c83e19643d520670299a97d1",
	"a243fc1ebc972a48eaf28ea9",
	"645487c1f4008c3ef3341576aa1011fc9c69cdccf7f9f4f3e0fc8c2307d58a5f",
	"23ded2d5d90ea89d975dac4792b297240f194952d7421aacbff0474100052b6b"
	"b8aa58d18ef6c42b6960e2e28f",
	"fc6b9d1ddfe63c9818507d7aef6ad30013966471dc8a84481d08b1fe61d442ea"
	"bb40f84a92a480ac22e93b8b4e",
	"b7cacb2b2e923ad7840d4900dcec3f5d1fbb2f3768f137ab539a3259e7a6cb04",
};

static const struct hpke_kat kat_chacha = {	/* RFC 9180 A.2.1 */
	HPKE_AEAD_CHACHA20POLY1305,
	"909a9b35d3dc4713a5e72a4da274b55d3d3821a37e5d099e74a647db583a904b",
	"1ac01f181fdf9f352797655161c58b75c656a6cc2716dcb66372da835542e1df",
	"8057991eef8f1f1af18f4a9491d16a1ce333f695d4db8e38da75975c4478e0fb",
	"4310ee97d88cc1f088a5576c77ab0cf5c3ac797f3d95139c6c84b5429c59662a",
	"1afa08d3dec047a643885163f1180476fa7ddb54c6a8029ea33f95796bf2ac4a",
	"0bbe78490412b4bbea4812666f7916932b828bba79942424abb65244930d69a7",
	"ad2744de8e17f4ebba575b3f5f5a8fa1f69c2a07f6e7500bc60ca6e3e3ec1c91",
	"5c4d98150661b848853b547f",
	"a3b010d4994890e2c6968a36f64470d3c824c8f5029942feb11e7a74b2921922",
	"1c5250d8034ec2b784ba2cfd69dbdb8af406cfe3ff938e131f0def8c8b60b4db"
	"21993c62ce81883d2dd1b51a28",
	"7a4a13e9ef23978e2c520fd4d2e757514ae160cd0cd05e556ef692370ca53076"
	"214c0c40d4c728d6ed9e727a5b",
	"5acb09211139c43b3090489a9da433e8a30ee7188ba8b0a9a1ccf0c229283e53",
};

/* 1 when the n bytes at p equal the hex string. */
static int
test_hpke_eq(const uint8_t *p, size_t n, const char *hex)
{
	uint8_t	*q;
	size_t	 qn;
	int	 eq;

	q = test_unhex(hex, &qn);
	eq = qn == n && memcmp(p, q, n) == 0;
	free(q);
	return (eq);
}

/* Both roles of one known-answer vector. */
static int
test_hpke_kat(const struct hpke_kat *k)
{
	struct hpke_ctx	 s, r;
	struct buf	 ct, pt;
	uint8_t		*ikme, *ikmr, *info, *ptx, *skr, *pkr, *c0;
	uint8_t		 sk[32], pk[32], enc[32], ex[32];
	size_t		 ikmelen, ikmrlen, infolen, ptlen, n, c0len;
	const char	*errstr;
	int		 rc = -1;

	buf_init(&ct);
	buf_init(&pt);
	ikme = test_unhex(k->ikme, &ikmelen);
	ikmr = test_unhex(k->ikmr, &ikmrlen);
	info = test_unhex(INFO_HEX, &infolen);
	ptx = test_unhex(PT_HEX, &ptlen);
	skr = test_unhex(k->skr, &n);
	pkr = test_unhex(k->pkr, &n);
	c0 = test_unhex(k->ct0, &c0len);

	TEST_ASSERT(hpke_derive_keypair(ikmr, ikmrlen, sk, pk, &errstr) == 0);
	TEST_EQ_MEM(sk, skr, 32);
	TEST_EQ_MEM(pk, pkr, 32);

	/* Sender. */
	TEST_ASSERT(hpke_setup_base_s_det(&s, HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, k->aead, pkr, 32, info, infolen, ikme,
	    ikmelen, enc, &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(enc, 32, k->enc));
	TEST_ASSERT(test_hpke_eq(s.shared_secret, 32, k->shared));
	TEST_ASSERT(test_hpke_eq(s.key, s.nk, k->key));
	TEST_ASSERT(test_hpke_eq(s.base_nonce, 12, k->nonce));
	TEST_ASSERT(test_hpke_eq(s.exporter_secret, 32, k->exporter));
	TEST_ASSERT(hpke_seal(&s, (const uint8_t *)"Count-0", 7, ptx, ptlen,
	    &ct, &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(ct.data, ct.len, k->ct0));
	TEST_EQ_INT(s.seq, 1);
	ct.len = 0;
	TEST_ASSERT(hpke_aead_seq(&s, HPKE_SEAL, 256,
	    (const uint8_t *)"Count-256", 9, ptx, ptlen, &ct, &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(ct.data, ct.len, k->ct256));
	TEST_ASSERT(hpke_export(&s, (const uint8_t *)"TestContext", 11, ex,
	    sizeof(ex), &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(ex, 32, k->export));

	/* Recipient. */
	TEST_ASSERT(hpke_setup_base_r(&r, HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, k->aead, enc, 32, sk, 32, info, infolen,
	    &errstr) == 0);
	TEST_EQ_MEM(r.key, s.key, sizeof(r.key));
	TEST_EQ_MEM(r.ksc, s.ksc, sizeof(r.ksc));
	TEST_EQ_MEM(r.secret, s.secret, sizeof(r.secret));
	TEST_ASSERT(hpke_open(&r, (const uint8_t *)"Count-0", 7, c0, c0len,
	    &pt, &errstr) == 0);
	TEST_ASSERT(pt.len == ptlen && memcmp(pt.data, ptx, ptlen) == 0);
	TEST_EQ_INT(r.seq, 1);
	pt.len = 0;
	TEST_ASSERT(hpke_aead_seq(&r, HPKE_OPEN, 256,
	    (const uint8_t *)"Count-256", 9, ct.data, ct.len, &pt,
	    &errstr) == 0);
	TEST_ASSERT(pt.len == ptlen && memcmp(pt.data, ptx, ptlen) == 0);
	TEST_ASSERT(hpke_export(&r, (const uint8_t *)"TestContext", 11, ex,
	    sizeof(ex), &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(ex, 32, k->export));
	rc = 0;
fail:
	hpke_ctx_clear(&s);
	hpke_ctx_clear(&r);
	buf_clear(&ct, 0);
	buf_clear(&pt, 0);
	free(ikme);
	free(ikmr);
	free(info);
	free(ptx);
	free(skr);
	free(pkr);
	free(c0);
	return (rc);
}

static int
test_kat_aes128(void)
{
	return (test_hpke_kat(&kat_aes128));
}

static int
test_kat_aes256(void)
{
	return (test_hpke_kat(&kat_aes256));
}

static int
test_kat_chacha(void)
{
	return (test_hpke_kat(&kat_chacha));
}

/* RFC 5869 A.1: HKDF-SHA256 test case 1. */
static int
test_hkdf_rfc5869(void)
{
	uint8_t		 ikm[22], salt[13], info[10], prk[32], okm[42];
	const char	*errstr;
	size_t		 i;

	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	TEST_ASSERT(hpke_hkdf_extract(salt, sizeof(salt), ikm, sizeof(ikm),
	    prk, &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(prk, 32, "077709362c2e32df0ddc3f0dc47bba63"
	    "90b6c73bb50f9c3122ec844ad7c2b3e5"));
	TEST_ASSERT(hpke_hkdf_expand(prk, info, sizeof(info), okm,
	    sizeof(okm), &errstr) == 0);
	TEST_ASSERT(test_hpke_eq(okm, 42, "3cb25f25faacd57a90434f64d0362f2a"
	    "2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"));
	return (0);
fail:
	return (-1);
}

/* A fresh key, both roles, several messages, for one AEAD. */
static int
test_hpke_roundtrip(uint16_t aead)
{
	struct hpke_ctx	 s, r;
	struct buf	 ct, pt;
	uint8_t		 sk[32], pk[32], enc[32], e1[40], e2[40];
	const char	*errstr;
	char		 msg[64];
	int		 i, rc = -1;

	buf_init(&ct);
	buf_init(&pt);
	memset(&s, 0, sizeof(s));
	memset(&r, 0, sizeof(r));
	TEST_ASSERT(hpke_generate_keypair(sk, pk, &errstr) == 0);
	TEST_ASSERT(hpke_setup_base_s(&s, HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, aead, pk, 32, (const uint8_t *)"i", 1, enc,
	    &errstr) == 0);
	TEST_ASSERT(hpke_setup_base_r(&r, HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, aead, enc, 32, sk, 32, (const uint8_t *)"i",
	    1, &errstr) == 0);
	for (i = 0; i < 5; i++) {
		snprintf(msg, sizeof(msg), "message %d", i);
		ct.len = pt.len = 0;
		TEST_ASSERT(hpke_seal(&s, NULL, 0, (const uint8_t *)msg,
		    strlen(msg), &ct, &errstr) == 0);
		TEST_EQ_INT(ct.len, strlen(msg) + HPKE_TAG_LEN);
		TEST_ASSERT(hpke_open(&r, NULL, 0, ct.data, ct.len, &pt,
		    &errstr) == 0);
		TEST_EQ_STR((char *)pt.data, msg);
	}
	/* An empty plaintext is only a tag. */
	ct.len = pt.len = 0;
	TEST_ASSERT(hpke_seal(&s, NULL, 0, NULL, 0, &ct, &errstr) == 0);
	TEST_EQ_INT(ct.len, HPKE_TAG_LEN);
	TEST_ASSERT(hpke_open(&r, NULL, 0, ct.data, ct.len, &pt, &errstr) == 0);
	TEST_EQ_INT(pt.len, 0);
	/* Both sides export the same, and L = 40 spans two HMAC blocks. */
	TEST_ASSERT(hpke_export(&s, NULL, 0, e1, sizeof(e1), &errstr) == 0);
	TEST_ASSERT(hpke_export(&r, NULL, 0, e2, sizeof(e2), &errstr) == 0);
	TEST_EQ_MEM(e1, e2, sizeof(e1));
	rc = 0;
fail:
	hpke_ctx_clear(&s);
	hpke_ctx_clear(&r);
	buf_clear(&ct, 1);
	buf_clear(&pt, 1);
	return (rc);
}

static int
test_roundtrip_aes128(void)
{
	return (test_hpke_roundtrip(HPKE_AEAD_AES128GCM));
}

static int
test_roundtrip_aes256(void)
{
	return (test_hpke_roundtrip(HPKE_AEAD_AES256GCM));
}

static int
test_roundtrip_chacha(void)
{
	return (test_hpke_roundtrip(HPKE_AEAD_CHACHA20POLY1305));
}

/* A sender context, a recipient context and one sealed message. */
static int
test_hpke_pair(struct hpke_ctx *s, struct hpke_ctx *r, uint8_t sk[32],
    struct buf *ct)
{
	uint8_t		 pk[32], enc[32];
	const char	*errstr;

	if (hpke_generate_keypair(sk, pk, &errstr) == -1 ||
	    hpke_setup_base_s(s, HPKE_KEM_X25519_SHA256, HPKE_KDF_HKDF_SHA256,
	    HPKE_AEAD_CHACHA20POLY1305, pk, 32, NULL, 0, enc, &errstr) == -1 ||
	    hpke_setup_base_r(r, HPKE_KEM_X25519_SHA256, HPKE_KDF_HKDF_SHA256,
	    HPKE_AEAD_CHACHA20POLY1305, enc, 32, sk, 32, NULL, 0,
	    &errstr) == -1 ||
	    hpke_seal(s, (const uint8_t *)"aad", 3, (const uint8_t *)"secret",
	    6, ct, &errstr) == -1)
		return (-1);
	return (0);
}

/* The wrong recipient key, tag, aad or sequence number: nothing opens. */
static int
test_open_failures(void)
{
	struct hpke_ctx	 s, r, w;
	struct buf	 ct, pt;
	uint8_t		 sk[32], sk2[32], pk2[32], enc[32];
	const char	*errstr;
	int		 rc = -1;

	buf_init(&ct);
	buf_init(&pt);
	memset(&w, 0, sizeof(w));
	TEST_ASSERT(test_hpke_pair(&s, &r, sk, &ct) == 0);
	buf_add_str(&pt, "keep");

	/* Wrong recipient key: a different context, the tag fails. */
	TEST_ASSERT(hpke_generate_keypair(sk2, pk2, &errstr) == 0);
	TEST_ASSERT(hpke_x25519_public(sk, enc, &errstr) == 0);
	TEST_ASSERT(hpke_setup_base_s(&w, HPKE_KEM_X25519_SHA256,
	    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_CHACHA20POLY1305, pk2, 32, NULL, 0,
	    enc, &errstr) == 0);
	TEST_ASSERT(hpke_aead_seq(&w, HPKE_OPEN, 0, (const uint8_t *)"aad", 3,
	    ct.data, ct.len, &pt, &errstr) == -1);
	/* Wrong aad. */
	TEST_ASSERT(hpke_aead_seq(&r, HPKE_OPEN, 0, (const uint8_t *)"aaD", 3,
	    ct.data, ct.len, &pt, &errstr) == -1);
	TEST_ASSERT(hpke_aead_seq(&r, HPKE_OPEN, 0, NULL, 0, ct.data, ct.len,
	    &pt, &errstr) == -1);
	/* Wrong sequence number. */
	TEST_ASSERT(hpke_aead_seq(&r, HPKE_OPEN, 1, (const uint8_t *)"aad", 3,
	    ct.data, ct.len, &pt, &errstr) == -1);
	/* Flipped tag bit, flipped ciphertext bit, truncation. */
	ct.data[ct.len - 1] ^= 1;
	TEST_ASSERT(hpke_open(&r, (const uint8_t *)"aad", 3, ct.data, ct.len,
	    &pt, &errstr) == -1);
	ct.data[ct.len - 1] ^= 1;
	ct.data[0] ^= 0x80;
	TEST_ASSERT(hpke_open(&r, (const uint8_t *)"aad", 3, ct.data, ct.len,
	    &pt, &errstr) == -1);
	ct.data[0] ^= 0x80;
	TEST_ASSERT(hpke_open(&r, (const uint8_t *)"aad", 3, ct.data,
	    ct.len - 1, &pt, &errstr) == -1);
	TEST_ASSERT(hpke_open(&r, (const uint8_t *)"aad", 3, ct.data,
	    HPKE_TAG_LEN - 1, &pt, &errstr) == -1);
	/* Failures leave out and seq alone. */
	TEST_EQ_INT(pt.len, 4);
	TEST_EQ_STR((char *)pt.data, "keep");
	TEST_EQ_INT(r.seq, 0);
	/* And the genuine message still opens. */
	TEST_ASSERT(hpke_open(&r, (const uint8_t *)"aad", 3, ct.data, ct.len,
	    &pt, &errstr) == 0);
	TEST_EQ_STR((char *)pt.data, "keepsecret");
	rc = 0;
fail:
	hpke_ctx_clear(&s);
	hpke_ctx_clear(&r);
	hpke_ctx_clear(&w);
	buf_clear(&ct, 0);
	buf_clear(&pt, 1);
	return (rc);
}

/* RFC 9180 §7.1.4: public keys of small order give a zero DH: refused. */
static int
test_zero_dh(void)
{
	struct hpke_ctx	 c;
	uint8_t		 bad[32], sk[32], pk[32], enc[32];
	const char	*errstr;
	int		 u;

	TEST_ASSERT(hpke_generate_keypair(sk, pk, &errstr) == 0);
	for (u = 0; u < 2; u++) {
		memset(bad, 0, sizeof(bad));
		bad[0] = (uint8_t)u;
		errstr = NULL;
		TEST_ASSERT(hpke_setup_base_s(&c, HPKE_KEM_X25519_SHA256,
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES128GCM, bad, 32, NULL,
		    0, enc, &errstr) == -1);
		TEST_ASSERT(errstr != NULL);
		TEST_ASSERT(hpke_setup_base_r(&c, HPKE_KEM_X25519_SHA256,
		    HPKE_KDF_HKDF_SHA256, HPKE_AEAD_AES128GCM, bad, 32, sk, 32,
		    NULL, 0, &errstr) == -1);
		/* A failed setup leaves a wiped, unusable context. */
		TEST_ASSERT(hpke_export(&c, NULL, 0, enc, 32, &errstr) == -1);
	}
	return (0);
fail:
	return (-1);
}

/* Unknown KEM, KDF or AEAD ids and wrong key lengths are refused. */
static int
test_bad_suite(void)
{
	struct hpke_ctx	 c;
	uint8_t		 sk[32], pk[32], enc[32];
	const char	*errstr;

	TEST_ASSERT(hpke_suite_check(0x20, 1, 3, &errstr) == 0);
	TEST_ASSERT(hpke_suite_check(0x10, 1, 3, &errstr) == -1);
	TEST_ASSERT(hpke_suite_check(0x20, 2, 3, &errstr) == -1);
	TEST_ASSERT(hpke_suite_check(0x20, 1, 0xffff, &errstr) == -1);
	TEST_ASSERT(hpke_suite_check(0x20, 1, 0, &errstr) == -1);
	TEST_EQ_INT(hpke_aead_nk(4), 0);
	TEST_ASSERT(hpke_generate_keypair(sk, pk, &errstr) == 0);
	TEST_ASSERT(hpke_setup_base_s(&c, 0x20, 1, 4, pk, 32, NULL, 0, enc,
	    &errstr) == -1);
	TEST_ASSERT(hpke_setup_base_s(&c, 0x20, 1, 3, pk, 31, NULL, 0, enc,
	    &errstr) == -1);
	TEST_ASSERT(hpke_setup_base_r(&c, 0x20, 1, 3, pk, 33, sk, 32, NULL, 0,
	    &errstr) == -1);
	TEST_ASSERT(hpke_setup_base_r(&c, 0x20, 1, 3, pk, 32, sk, 16, NULL, 0,
	    &errstr) == -1);
	return (0);
fail:
	return (-1);
}

/* Export up to 255 * Nh bytes; one more is refused. */
static int
test_export_limits(void)
{
	struct hpke_ctx	 s, r;
	struct buf	 ct;
	uint8_t		 sk[32], *big = NULL;
	const char	*errstr;
	int		 rc = -1;

	buf_init(&ct);
	TEST_ASSERT(test_hpke_pair(&s, &r, sk, &ct) == 0);
	big = malloc(255 * 32 + 1);
	TEST_ASSERT(big != NULL);
	TEST_ASSERT(hpke_export(&s, NULL, 0, big, 255 * 32, &errstr) == 0);
	TEST_ASSERT(hpke_export(&s, NULL, 0, big, 255 * 32 + 1,
	    &errstr) == -1);
	TEST_ASSERT(hpke_export(&s, NULL, 0, big, 0, &errstr) == 0);
	rc = 0;
fail:
	free(big);
	hpke_ctx_clear(&s);
	hpke_ctx_clear(&r);
	buf_clear(&ct, 0);
	return (rc);
}

/* hpke_ctx_clear() leaves no key material behind. */
static int
test_ctx_clear(void)
{
	struct hpke_ctx	 s, r;
	struct buf	 ct;
	uint8_t		 sk[32], zero[sizeof(s)];
	int		 rc = -1;

	buf_init(&ct);
	TEST_ASSERT(test_hpke_pair(&s, &r, sk, &ct) == 0);
	hpke_ctx_clear(&s);
	memset(zero, 0, sizeof(zero));
	TEST_EQ_MEM(&s, zero, sizeof(s));
	rc = 0;
fail:
	hpke_ctx_clear(&r);
	buf_clear(&ct, 0);
	return (rc);
}

static const struct test_case hpke_tests[] = {
	{ "kat-aes128gcm", test_kat_aes128 },
	{ "kat-aes256gcm", test_kat_aes256 },
	{ "kat-chacha20poly1305", test_kat_chacha },
	{ "hkdf-rfc5869", test_hkdf_rfc5869 },
	{ "roundtrip-aes128gcm", test_roundtrip_aes128 },
	{ "roundtrip-aes256gcm", test_roundtrip_aes256 },
	{ "roundtrip-chacha20poly1305", test_roundtrip_chacha },
	{ "open-failures", test_open_failures },
	{ "zero-dh", test_zero_dh },
	{ "bad-suite", test_bad_suite },
	{ "export-limits", test_export_limits },
	{ "ctx-clear", test_ctx_clear },
};

TEST_MAIN("test-hpke", hpke_tests)

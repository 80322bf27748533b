/*
 * hpke.c: HPKE (RFC 9180) base mode, both roles, from OpenSSL 3.0 EVP:
 * DHKEM(X25519, HKDF-SHA256) over EVP_PKEY X25519, HKDF-SHA256 over HMAC
 * (RFC 2104) on EVP SHA-256, and the AEADs AES-128-GCM, AES-256-GCM and
 * ChaCha20-Poly1305 over EVP_CIPHER.  A sender's X25519 (the ephemeral
 * public key and the DH with pkR, whose table is made once per pkR) is
 * x25519.c's, which is faster, whenever x25519.c serves pkR; a recipient's,
 * and a sender's to a key it does not serve, is OpenSSL's.  PROTOCOL.md §4
 * (and §6, whose response keys use the same HKDF and AEAD).  OpenSSL 3.0
 * has no HPKE API.
 */
#include "compat.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "x25519.h"

#define HPKE_LABEL		"HPKE-v1"
#define HPKE_MODE_BASE		0x00
#define HPKE_KEM_SUITE_LEN	5	/* "KEM" || kem_id */
#define HPKE_SUITE_LEN		10	/* "HPKE" || kem || kdf || aead */
#define HPKE_MAX_IOV		8
#define HPKE_HMAC_BLOCK		64	/* SHA-256's block */
#define HPKE_MAX_EXPAND		(255 * HPKE_SECRET_LEN)
/* EVP lengths are ints: refuse what would not fit with room for the tag. */
#define HPKE_MAX_AEAD_LEN	((size_t)INT_MAX - 64)
#define HPKE_PEER_CACHE		8	/* recipient public keys kept */
#define HPKE_NAEAD		3	/* AEADs implemented */

/* One piece of an HMAC message, so labeled inputs need no copying. */
struct hpke_iov {
	const void	*p;
	size_t		 len;
};

static EVP_MD_CTX *hpke_sha256_ctx(const EVP_MD **);
static int	hpke_hmac(const uint8_t *, size_t, const struct hpke_iov *,
		    size_t, uint8_t[HPKE_SECRET_LEN], const char **);
static int	hpke_expand_iov(const uint8_t *, const struct hpke_iov *,
		    size_t, uint8_t *, size_t, const char **);
static int	hpke_labeled_extract(const uint8_t *, size_t, const uint8_t *,
		    size_t, const char *, const uint8_t *, size_t,
		    uint8_t[HPKE_SECRET_LEN], const char **);
static int	hpke_labeled_expand(const uint8_t *, size_t, const uint8_t *,
		    const char *, const uint8_t *, size_t, uint8_t *, size_t,
		    const char **);
static void	hpke_kem_suite(uint8_t[HPKE_KEM_SUITE_LEN]);
static void	hpke_suite(const struct hpke_ctx *, uint8_t[HPKE_SUITE_LEN]);
static EVP_PKEY	*hpke_x25519_import(const uint8_t *, const uint8_t *);
static EVP_PKEY	*hpke_x25519_key(const uint8_t *, const char **);
static EVP_PKEY	*hpke_x25519_peer(const uint8_t *);
static int	hpke_x25519_pub(EVP_PKEY *, uint8_t[HPKE_X25519_LEN],
		    const char **);
static int	hpke_x25519_dh(EVP_PKEY *, const uint8_t *, int,
		    uint8_t[HPKE_X25519_LEN], const char **);
static int	hpke_derive_sk(const uint8_t *, size_t, uint8_t[32],
		    const char **);
static int	hpke_kem_shared(EVP_PKEY *, const uint8_t *, int,
		    const uint8_t *, const uint8_t *, uint8_t[HPKE_SECRET_LEN],
		    const char **);
static int	hpke_key_schedule(struct hpke_ctx *, uint16_t, uint16_t,
		    uint16_t, const uint8_t *, size_t, const char **);
static int	hpke_setup_dh(struct hpke_ctx *, uint16_t, uint16_t,
		    uint16_t, const uint8_t *, const uint8_t *, int,
		    const uint8_t *, size_t, uint8_t[HPKE_X25519_LEN],
		    const char **);
static int	hpke_setup_s_sk(struct hpke_ctx *, uint16_t, uint16_t,
		    uint16_t, const uint8_t *, size_t, const uint8_t *, size_t,
		    const uint8_t *, uint8_t[32], const char **);
static EVP_CIPHER_CTX *hpke_aead_ctx(uint16_t);
static int	hpke_aead(uint16_t, int, const uint8_t *, const uint8_t *,
		    const uint8_t *, size_t, const uint8_t *, size_t,
		    struct buf *, const char **);
static int	hpke_ctx_next(struct hpke_ctx *, int, const uint8_t *, size_t,
		    const uint8_t *, size_t, struct buf *, const char **);

/*
 * SHA-256 and one digest context, fetched and made once for the life of
 * the process (og-veil is single-threaded) and re-initialised per hash.
 */
static EVP_MD_CTX *
hpke_sha256_ctx(const EVP_MD **mdp)
{
	static EVP_MD		*md;
	static EVP_MD_CTX	*mdctx;

	if (md == NULL && (md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return (NULL);
	if (mdctx == NULL && (mdctx = EVP_MD_CTX_new()) == NULL)
		return (NULL);
	*mdp = md;
	return (mdctx);
}

/*
 * HMAC-SHA256 over the concatenation of the pieces, built on the digest
 * (RFC 2104: H(K ^ opad || H(K ^ ipad || m))).  EVP_MAC's HMAC re-keyed
 * per use cost three digest initialisations and five allocations each;
 * this costs two and two.  out may be one of the pieces.
 */
static int
hpke_hmac(const uint8_t *key, size_t keylen, const struct hpke_iov *iov,
    size_t niov, uint8_t out[HPKE_SECRET_LEN], const char **errstr)
{
	static const uint8_t	 zero[HPKE_SECRET_LEN];
	const EVP_MD		*md;
	EVP_MD_CTX		*c;
	uint8_t			 pad[HPKE_HMAC_BLOCK], kh[HPKE_SECRET_LEN];
	unsigned int		 n = 0;
	size_t			 i;
	int			 rc = -1;

	/* RFC 5869: an absent salt is Nh zero bytes (the same HMAC key). */
	if (keylen == 0) {
		key = zero;
		keylen = sizeof(zero);
	}
	if ((c = hpke_sha256_ctx(&md)) == NULL) {
		*errstr = "HMAC-SHA256 unavailable";
		return (-1);
	}
	/* RFC 2104: a key longer than the block is hashed first. */
	if (keylen > sizeof(pad)) {
		if (EVP_DigestInit_ex2(c, md, NULL) != 1 ||
		    EVP_DigestUpdate(c, key, keylen) != 1 ||
		    EVP_DigestFinal_ex(c, kh, &n) != 1 || n != sizeof(kh))
			goto out;
		key = kh;
		keylen = sizeof(kh);
	}
	memset(pad, 0x36, sizeof(pad));
	for (i = 0; i < keylen; i++)
		pad[i] ^= key[i];
	if (EVP_DigestInit_ex2(c, md, NULL) != 1 ||
	    EVP_DigestUpdate(c, pad, sizeof(pad)) != 1)
		goto out;
	for (i = 0; i < niov; i++)
		if (iov[i].len != 0 &&
		    EVP_DigestUpdate(c, iov[i].p, iov[i].len) != 1)
			goto out;
	if (EVP_DigestFinal_ex(c, out, &n) != 1 || n != HPKE_SECRET_LEN)
		goto out;
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (EVP_DigestInit_ex2(c, md, NULL) != 1 ||
	    EVP_DigestUpdate(c, pad, sizeof(pad)) != 1 ||
	    EVP_DigestUpdate(c, out, HPKE_SECRET_LEN) != 1 ||
	    EVP_DigestFinal_ex(c, out, &n) != 1 || n != HPKE_SECRET_LEN)
		goto out;
	rc = 0;
out:
	if (rc == -1) {
		OPENSSL_cleanse(out, HPKE_SECRET_LEN);
		*errstr = "HMAC-SHA256 failed";
	}
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(kh, sizeof(kh));
	return (rc);
}

/* HKDF-Expand (RFC 5869 §2.3) with info given as pieces. */
static int
hpke_expand_iov(const uint8_t *prk, const struct hpke_iov *info, size_t ninfo,
    uint8_t *out, size_t len, const char **errstr)
{
	struct hpke_iov	 iov[HPKE_MAX_IOV];
	uint8_t		 t[HPKE_SECRET_LEN], ctr;
	size_t		 i, done, n;
	int		 rc = -1;

	if (len > HPKE_MAX_EXPAND || ninfo + 2 > HPKE_MAX_IOV) {
		*errstr = "HKDF-Expand length too large";
		return (-1);
	}
	for (done = 0, ctr = 1; done < len; done += n, ctr++) {
		/* T(i) = HMAC(PRK, T(i - 1) || info || i), T(0) empty. */
		iov[0].p = t;
		iov[0].len = done == 0 ? 0 : sizeof(t);
		for (i = 0; i < ninfo; i++)
			iov[i + 1] = info[i];
		iov[ninfo + 1].p = &ctr;
		iov[ninfo + 1].len = 1;
		if (hpke_hmac(prk, HPKE_SECRET_LEN, iov, ninfo + 2, t,
		    errstr) == -1)
			goto out;
		n = len - done < sizeof(t) ? len - done : sizeof(t);
		memcpy(out + done, t, n);
	}
	rc = 0;
out:
	OPENSSL_cleanse(t, sizeof(t));
	return (rc);
}

/* HKDF-Extract(salt, ikm) = HMAC-SHA256(key = salt, msg = ikm). */
int
hpke_hkdf_extract(const uint8_t *salt, size_t saltlen, const uint8_t *ikm,
    size_t ikmlen, uint8_t prk[HPKE_SECRET_LEN], const char **errstr)
{
	struct hpke_iov	 iov = { ikm, ikmlen };

	return (hpke_hmac(salt, saltlen, &iov, 1, prk, errstr));
}

/* HKDF-Expand(prk, info, len) into out. */
int
hpke_hkdf_expand(const uint8_t *prk, const uint8_t *info, size_t infolen,
    uint8_t *out, size_t len, const char **errstr)
{
	struct hpke_iov	 iov = { info, infolen };

	return (hpke_expand_iov(prk, &iov, 1, out, len, errstr));
}

/* RFC 9180 §4: LabeledExtract(salt, label, ikm). */
static int
hpke_labeled_extract(const uint8_t *suite, size_t suitelen,
    const uint8_t *salt, size_t saltlen, const char *label,
    const uint8_t *ikm, size_t ikmlen, uint8_t out[HPKE_SECRET_LEN],
    const char **errstr)
{
	struct hpke_iov	 iov[4];

	iov[0].p = HPKE_LABEL;
	iov[0].len = strlen(HPKE_LABEL);
	iov[1].p = suite;
	iov[1].len = suitelen;
	iov[2].p = label;
	iov[2].len = strlen(label);
	iov[3].p = ikm;
	iov[3].len = ikmlen;
	return (hpke_hmac(salt, saltlen, iov, 4, out, errstr));
}

/* RFC 9180 §4: LabeledExpand(prk, label, info, L). */
static int
hpke_labeled_expand(const uint8_t *suite, size_t suitelen, const uint8_t *prk,
    const char *label, const uint8_t *info, size_t infolen, uint8_t *out,
    size_t len, const char **errstr)
{
	struct hpke_iov	 iov[5];
	uint8_t		 l2[2];

	if (len > HPKE_MAX_EXPAND) {
		*errstr = "HPKE expand length too large";
		return (-1);
	}
	l2[0] = (uint8_t)(len >> 8);
	l2[1] = (uint8_t)len;
	iov[0].p = l2;
	iov[0].len = sizeof(l2);
	iov[1].p = HPKE_LABEL;
	iov[1].len = strlen(HPKE_LABEL);
	iov[2].p = suite;
	iov[2].len = suitelen;
	iov[3].p = label;
	iov[3].len = strlen(label);
	iov[4].p = info;
	iov[4].len = infolen;
	return (hpke_expand_iov(prk, iov, 5, out, len, errstr));
}

/* The KEM's suite_id: "KEM" || I2OSP(kem_id, 2). */
static void
hpke_kem_suite(uint8_t s[HPKE_KEM_SUITE_LEN])
{
	memcpy(s, "KEM", 3);
	s[3] = (uint8_t)(HPKE_KEM_X25519_SHA256 >> 8);
	s[4] = (uint8_t)HPKE_KEM_X25519_SHA256;
}

/* The schedule's suite_id: "HPKE" || kem_id || kdf_id || aead_id. */
static void
hpke_suite(const struct hpke_ctx *ctx, uint8_t s[HPKE_SUITE_LEN])
{
	memcpy(s, "HPKE", 4);
	s[4] = (uint8_t)(ctx->kem_id >> 8);
	s[5] = (uint8_t)ctx->kem_id;
	s[6] = (uint8_t)(ctx->kdf_id >> 8);
	s[7] = (uint8_t)ctx->kdf_id;
	s[8] = (uint8_t)(ctx->aead_id >> 8);
	s[9] = (uint8_t)ctx->aead_id;
}

/* 0 when the suite is one this module implements. */
int
hpke_suite_check(uint16_t kem, uint16_t kdf, uint16_t aead,
    const char **errstr)
{
	if (kem != HPKE_KEM_X25519_SHA256) {
		*errstr = "unsupported HPKE KEM (want DHKEM(X25519))";
		return (-1);
	}
	if (kdf != HPKE_KDF_HKDF_SHA256) {
		*errstr = "unsupported HPKE KDF (want HKDF-SHA256)";
		return (-1);
	}
	if (hpke_aead_nk(aead) == 0) {
		*errstr = "unsupported HPKE AEAD";
		return (-1);
	}
	return (0);
}

/*
 * An X25519 key object from 32 raw bytes each of the secret key sk and the
 * public key pk, either NULL (OpenSSL computes a missing public half from
 * sk; without sk it is a public key); the caller frees it.  The import
 * context is made once: EVP_PKEY_new_raw_*_key() fetched the key manager
 * on every call.
 */
static EVP_PKEY *
hpke_x25519_import(const uint8_t *sk, const uint8_t *pk)
{
	static EVP_PKEY_CTX	*ictx;
	EVP_PKEY		*key = NULL;
	OSSL_PARAM		 params[3], *p = params;

	if (ictx == NULL) {
		if ((ictx = EVP_PKEY_CTX_new_from_name(NULL, "X25519",
		    NULL)) == NULL)
			return (NULL);
		if (EVP_PKEY_fromdata_init(ictx) != 1) {
			EVP_PKEY_CTX_free(ictx);
			ictx = NULL;
			return (NULL);
		}
	}
	if (sk != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(
		    OSSL_PKEY_PARAM_PRIV_KEY, (void *)(uintptr_t)sk,
		    HPKE_X25519_LEN);
	if (pk != NULL)
		*p++ = OSSL_PARAM_construct_octet_string(
		    OSSL_PKEY_PARAM_PUB_KEY, (void *)(uintptr_t)pk,
		    HPKE_X25519_LEN);
	*p = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(ictx, &key, sk != NULL ? EVP_PKEY_KEYPAIR :
	    EVP_PKEY_PUBLIC_KEY, params) != 1)
		return (NULL);
	return (key);
}

/*
 * An X25519 key pair object from 32 raw secret bytes; the caller frees
 * it.  Given the public half, OpenSSL does not compute it (its routine
 * costs twice x25519.c's); without x25519.c (its checks failed), it does.
 */
static EVP_PKEY *
hpke_x25519_key(const uint8_t *sk, const char **errstr)
{
	EVP_PKEY	*key;
	uint8_t		 pk[HPKE_X25519_LEN];

	key = hpke_x25519_import(sk, x25519_public_from_secret(sk, pk) == 0 ?
	    pk : NULL);
	if (key == NULL)
		*errstr = "bad X25519 private key";
	return (key);
}

/*
 * A recipient's public key pkR, kept in a small table with what is made
 * from it on first use: a sender seals to the same few TEE keys over and
 * over.  Public keys only; the table owns its objects for the life of the
 * process.
 */
struct hpke_peer {
	uint8_t			 hp_raw[HPKE_X25519_LEN];
	int			 hp_used;
	int			 hp_tried;	/* x25519_peer_new() asked */
	EVP_PKEY		*hp_key;	/* OpenSSL's key, or NULL */
	struct x25519_peer	*hp_table;	/* x25519.c's, or NULL */
};

static struct hpke_peer *
hpke_peer_find(const uint8_t *pk)
{
	static struct hpke_peer	 cache[HPKE_PEER_CACHE];
	static unsigned int	 next;
	struct hpke_peer	*hp;
	unsigned int		 i;

	for (i = 0; i < HPKE_PEER_CACHE; i++)
		if (cache[i].hp_used &&
		    memcmp(cache[i].hp_raw, pk, HPKE_X25519_LEN) == 0)
			return (&cache[i]);
	hp = &cache[next++ % HPKE_PEER_CACHE];
	EVP_PKEY_free(hp->hp_key);
	x25519_peer_free(hp->hp_table);
	memset(hp, 0, sizeof(*hp));
	memcpy(hp->hp_raw, pk, HPKE_X25519_LEN);
	hp->hp_used = 1;
	return (hp);
}

/* pkR's OpenSSL key object (not to be freed), or NULL. */
static EVP_PKEY *
hpke_x25519_peer(const uint8_t *pk)
{
	struct hpke_peer	*hp = hpke_peer_find(pk);

	if (hp->hp_key == NULL)
		hp->hp_key = hpke_x25519_import(NULL, pk);
	return (hp->hp_key);
}

/*
 * pkR's table for x25519_peer_dh() (not to be freed), made once: about a
 * millisecond.  NULL when x25519.c leaves the key to OpenSSL.
 */
static const struct x25519_peer *
hpke_x25519_peer_table(const uint8_t *pk)
{
	struct hpke_peer	*hp = hpke_peer_find(pk);

	if (!hp->hp_tried) {
		hp->hp_tried = 1;
		hp->hp_table = x25519_peer_new(pk);
	}
	return (hp->hp_table);
}

/* The public key of an X25519 key object. */
static int
hpke_x25519_pub(EVP_PKEY *key, uint8_t pk[HPKE_X25519_LEN],
    const char **errstr)
{
	size_t	 len = HPKE_X25519_LEN;

	if (EVP_PKEY_get_raw_public_key(key, pk, &len) != 1 ||
	    len != HPKE_X25519_LEN) {
		*errstr = "X25519 public key failed";
		return (-1);
	}
	return (0);
}

/* The X25519 public key of a 32-byte secret key. */
int
hpke_x25519_public(const uint8_t *sk, uint8_t pk[HPKE_X25519_LEN],
    const char **errstr)
{
	EVP_PKEY	*key;
	int		 rc;

	if ((key = hpke_x25519_key(sk, errstr)) == NULL)
		return (-1);
	rc = hpke_x25519_pub(key, pk, errstr);
	EVP_PKEY_free(key);
	return (rc);
}

/* RFC 9180 §7.1.4: an all-zero DH output is an error (1, and why). */
static int
hpke_dh_zero(const uint8_t dh[HPKE_X25519_LEN], const char **errstr)
{
	uint8_t	 acc = 0;
	size_t	 i;

	for (i = 0; i < HPKE_X25519_LEN; i++)
		acc |= dh[i];
	if (acc != 0)
		return (0);
	*errstr = "X25519 shared secret is zero";
	return (1);
}

/* DH(sk, pk), by OpenSSL; an all-zero output is an error. */
static int
hpke_x25519_dh(EVP_PKEY *key, const uint8_t *pk, int sender,
    uint8_t out[HPKE_X25519_LEN], const char **errstr)
{
	EVP_PKEY	*peer = NULL, *owned = NULL;
	EVP_PKEY_CTX	*pctx = NULL;
	size_t		 len = HPKE_X25519_LEN;
	int		 rc = -1;

	/* A sender's pkR repeats; a recipient's peer (enc) never does. */
	peer = sender ? hpke_x25519_peer(pk) :
	    (owned = hpke_x25519_import(NULL, pk));
	if (peer == NULL) {
		*errstr = "bad X25519 public key";
		goto out;
	}
	/*
	 * The peer is not "validated" (for X25519 that only makes a context
	 * and walks the name map for each call: any 32 bytes are a public
	 * key); the all-zero check below is RFC 9180's.
	 */
	if ((pctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_derive_init(pctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(pctx, peer, 0) != 1 ||
	    EVP_PKEY_derive(pctx, out, &len) != 1 || len != HPKE_X25519_LEN) {
		OPENSSL_cleanse(out, HPKE_X25519_LEN);
		*errstr = "X25519 key agreement failed";
		goto out;
	}
	if (hpke_dh_zero(out, errstr))
		goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(owned);
	return (rc);
}

/* DeriveKeyPair's secret half: LabeledExpand(dkp_prk, "sk", "", 32). */
static int
hpke_derive_sk(const uint8_t *ikm, size_t ikmlen, uint8_t sk[32],
    const char **errstr)
{
	uint8_t	 suite[HPKE_KEM_SUITE_LEN], prk[HPKE_SECRET_LEN];
	int	 rc = -1;

	hpke_kem_suite(suite);
	if (hpke_labeled_extract(suite, sizeof(suite), NULL, 0, "dkp_prk",
	    ikm, ikmlen, prk, errstr) == -1 ||
	    hpke_labeled_expand(suite, sizeof(suite), prk, "sk", NULL, 0,
	    sk, HPKE_X25519_LEN, errstr) == -1) {
		OPENSSL_cleanse(sk, HPKE_X25519_LEN);
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	return (rc);
}

/* DeriveKeyPair(ikm) for DHKEM(X25519), RFC 9180 §7.1.3. */
int
hpke_derive_keypair(const uint8_t *ikm, size_t ikmlen, uint8_t sk[32],
    uint8_t pk[32], const char **errstr)
{
	if (hpke_derive_sk(ikm, ikmlen, sk, errstr) == -1)
		return (-1);
	if (hpke_x25519_public(sk, pk, errstr) == -1) {
		OPENSSL_cleanse(sk, HPKE_X25519_LEN);
		return (-1);
	}
	return (0);
}

/* GenerateKeyPair(): 32 random bytes are an X25519 secret key. */
int
hpke_generate_keypair(uint8_t sk[32], uint8_t pk[32], const char **errstr)
{
	if (RAND_priv_bytes(sk, HPKE_X25519_LEN) != 1) {
		*errstr = "no randomness for an X25519 key";
		return (-1);
	}
	if (hpke_x25519_public(sk, pk, errstr) == -1) {
		OPENSSL_cleanse(sk, HPKE_X25519_LEN);
		return (-1);
	}
	return (0);
}

/*
 * ExtractAndExpand(dh, kem_context = enc || pkR) into the KEM's
 * shared_secret, RFC 9180 §4.1.
 */
static int
hpke_kem_extract(const uint8_t dh[HPKE_X25519_LEN], const uint8_t *enc,
    const uint8_t *pkr, uint8_t shared[HPKE_SECRET_LEN], const char **errstr)
{
	uint8_t	 suite[HPKE_KEM_SUITE_LEN], prk[HPKE_SECRET_LEN];
	uint8_t	 kctx[2 * HPKE_X25519_LEN];
	int	 rc = -1;

	hpke_kem_suite(suite);
	memcpy(kctx, enc, HPKE_X25519_LEN);
	memcpy(kctx + HPKE_X25519_LEN, pkr, HPKE_X25519_LEN);
	if (hpke_labeled_extract(suite, sizeof(suite), NULL, 0, "eae_prk",
	    dh, HPKE_X25519_LEN, prk, errstr) == -1 ||
	    hpke_labeled_expand(suite, sizeof(suite), prk, "shared_secret",
	    kctx, sizeof(kctx), shared, HPKE_SECRET_LEN, errstr) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	return (rc);
}

/* The KEM's shared_secret from DH(key, pk) by OpenSSL (enc, pkR as above). */
static int
hpke_kem_shared(EVP_PKEY *key, const uint8_t *pk, int sender,
    const uint8_t *enc, const uint8_t *pkr, uint8_t shared[HPKE_SECRET_LEN],
    const char **errstr)
{
	uint8_t	 dh[HPKE_X25519_LEN];
	int	 rc = -1;

	if (hpke_x25519_dh(key, pk, sender, dh, errstr) == -1 ||
	    hpke_kem_extract(dh, enc, pkr, shared, errstr) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(dh, sizeof(dh));
	return (rc);
}

/*
 * The sender's DH half by x25519.c alone, when it serves pkR: enc =
 * X25519(skE, 9) and DH(skE, pkR) from the tables, no OpenSSL key object.
 * 0 done, 1 not served (OpenSSL's turn; ctx untouched), -1 failed.
 */
static int
hpke_setup_dh_own(struct hpke_ctx *ctx, const uint8_t *sk,
    const uint8_t *pkr, uint8_t enc[HPKE_X25519_LEN], const char **errstr)
{
	const struct x25519_peer *xp;
	uint8_t			 dh[HPKE_X25519_LEN];
	int			 rc = -1;

	if ((xp = hpke_x25519_peer_table(pkr)) == NULL ||
	    x25519_public_and_dh(xp, sk, enc, dh) == -1)
		return (1);
	if (hpke_dh_zero(dh, errstr) ||
	    hpke_kem_extract(dh, enc, pkr, ctx->shared_secret, errstr) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(dh, sizeof(dh));
	return (rc);
}

/*
 * KeySchedule for mode_base (psk and psk_id empty), RFC 9180 §5.1, from
 * ctx->shared_secret; fills key, base_nonce and exporter_secret.
 */
static int
hpke_key_schedule(struct hpke_ctx *ctx, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *info, size_t infolen, const char **errstr)
{
	uint8_t	 suite[HPKE_SUITE_LEN];

	ctx->kem_id = kem;
	ctx->kdf_id = kdf;
	ctx->aead_id = aead;
	ctx->nk = hpke_aead_nk(aead);
	ctx->seq = 0;
	hpke_suite(ctx, suite);
	ctx->ksc[0] = HPKE_MODE_BASE;
	if (hpke_labeled_extract(suite, sizeof(suite), NULL, 0, "psk_id_hash",
	    NULL, 0, ctx->ksc + 1, errstr) == -1 ||
	    hpke_labeled_extract(suite, sizeof(suite), NULL, 0, "info_hash",
	    info, infolen, ctx->ksc + 1 + HPKE_SECRET_LEN, errstr) == -1 ||
	    hpke_labeled_extract(suite, sizeof(suite), ctx->shared_secret,
	    HPKE_SECRET_LEN, "secret", NULL, 0, ctx->secret, errstr) == -1 ||
	    hpke_labeled_expand(suite, sizeof(suite), ctx->secret, "key",
	    ctx->ksc, sizeof(ctx->ksc), ctx->key, ctx->nk, errstr) == -1 ||
	    hpke_labeled_expand(suite, sizeof(suite), ctx->secret,
	    "base_nonce", ctx->ksc, sizeof(ctx->ksc), ctx->base_nonce,
	    HPKE_NONCE_LEN, errstr) == -1 ||
	    hpke_labeled_expand(suite, sizeof(suite), ctx->secret, "exp",
	    ctx->ksc, sizeof(ctx->ksc), ctx->exporter_secret, HPKE_SECRET_LEN,
	    errstr) == -1) {
		hpke_ctx_clear(ctx);
		return (-1);
	}
	return (0);
}

/*
 * The DH half of SetupBaseS and SetupBaseR: our secret key sk and the
 * peer's public key (pkR for the sender, enc for the recipient) give the
 * shared secret and the key schedule.  Our public key goes to pk (enc for
 * the sender, pkR for the recipient).  On failure ctx is wiped.
 */
static int
hpke_setup_dh(struct hpke_ctx *ctx, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *sk, const uint8_t *peer, int sender,
    const uint8_t *info, size_t infolen, uint8_t pk[HPKE_X25519_LEN],
    const char **errstr)
{
	EVP_PKEY	*key;
	int		 rc = -1;

	/* x25519.c's when it serves pkR, else OpenSSL's */
	if (sender && (rc = hpke_setup_dh_own(ctx, sk, peer, pk, errstr)) !=
	    1) {
		if (rc == 0 && hpke_key_schedule(ctx, kem, kdf, aead, info,
		    infolen, errstr) == 0)
			return (0);
		hpke_ctx_clear(ctx);
		return (-1);
	}
	rc = -1;
	if ((key = hpke_x25519_key(sk, errstr)) == NULL)
		return (-1);
	if (hpke_x25519_pub(key, pk, errstr) == -1 ||
	    hpke_kem_shared(key, peer, sender, sender ? pk : peer,
	    sender ? peer : pk, ctx->shared_secret, errstr) == -1 ||
	    hpke_key_schedule(ctx, kem, kdf, aead, info, infolen,
	    errstr) == -1) {
		hpke_ctx_clear(ctx);
		goto out;
	}
	rc = 0;
out:
	EVP_PKEY_free(key);
	return (rc);
}

/* SetupBaseS with the ephemeral secret key skE given. */
static int
hpke_setup_s_sk(struct hpke_ctx *ctx, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *pkr, size_t pkrlen, const uint8_t *info,
    size_t infolen, const uint8_t *ske, uint8_t enc[32], const char **errstr)
{
	uint8_t	 pke[HPKE_X25519_LEN];

	memset(ctx, 0, sizeof(*ctx));
	if (hpke_suite_check(kem, kdf, aead, errstr) == -1)
		return (-1);
	if (pkrlen != HPKE_X25519_LEN) {
		*errstr = "recipient public key is not 32 bytes";
		return (-1);
	}
	if (hpke_setup_dh(ctx, kem, kdf, aead, ske, pkr, 1, info, infolen,
	    pke, errstr) == -1)
		return (-1);
	memcpy(enc, pke, HPKE_X25519_LEN);
	return (0);
}

/* SetupBaseS(pkR, info) with a fresh random ephemeral key. */
int
hpke_setup_base_s(struct hpke_ctx *ctx, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *pkr, size_t pkrlen, const uint8_t *info,
    size_t infolen, uint8_t enc[32], const char **errstr)
{
	uint8_t	 ske[HPKE_X25519_LEN];
	int	 rc;

	memset(ctx, 0, sizeof(*ctx));
	/* GenerateKeyPair(): any 32 random bytes are an X25519 secret. */
	if (RAND_priv_bytes(ske, sizeof(ske)) != 1) {
		*errstr = "no randomness for an X25519 key";
		return (-1);
	}
	rc = hpke_setup_s_sk(ctx, kem, kdf, aead, pkr, pkrlen, info, infolen,
	    ske, enc, errstr);
	OPENSSL_cleanse(ske, sizeof(ske));
	return (rc);
}

/* SetupBaseS(pkR, info) with skE = DeriveKeyPair(ikmE) (tests, vectors). */
int
hpke_setup_base_s_det(struct hpke_ctx *ctx, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *pkr, size_t pkrlen, const uint8_t *info,
    size_t infolen, const uint8_t *ikme, size_t ikmelen, uint8_t enc[32],
    const char **errstr)
{
	uint8_t	 ske[HPKE_X25519_LEN];
	int	 rc;

	memset(ctx, 0, sizeof(*ctx));
	if (hpke_derive_sk(ikme, ikmelen, ske, errstr) == -1)
		return (-1);
	rc = hpke_setup_s_sk(ctx, kem, kdf, aead, pkr, pkrlen, info, infolen,
	    ske, enc, errstr);
	OPENSSL_cleanse(ske, sizeof(ske));
	return (rc);
}

/* SetupBaseR(enc, skR, info). */
int
hpke_setup_base_r(struct hpke_ctx *ctx, uint16_t kem, uint16_t kdf,
    uint16_t aead, const uint8_t *enc, size_t enclen, const uint8_t *skr,
    size_t skrlen, const uint8_t *info, size_t infolen, const char **errstr)
{
	uint8_t	 pkr[HPKE_X25519_LEN];

	memset(ctx, 0, sizeof(*ctx));
	if (hpke_suite_check(kem, kdf, aead, errstr) == -1)
		return (-1);
	if (enclen != HPKE_X25519_LEN) {
		*errstr = "encapsulated key is not 32 bytes";
		return (-1);
	}
	if (skrlen != HPKE_X25519_LEN) {
		*errstr = "recipient secret key is not 32 bytes";
		return (-1);
	}
	return (hpke_setup_dh(ctx, kem, kdf, aead, skr, enc, 0, info, infolen,
	    pkr, errstr));
}

/*
 * The cipher context of an AEAD id, or NULL: the cipher fetched once and
 * one context per AEAD kept for the life of the process, re-keyed per
 * operation.  EVP_chacha20_poly1305() and a new context per call cost an
 * implicit fetch and a provider context every time.
 */
static EVP_CIPHER_CTX *
hpke_aead_ctx(uint16_t aead)
{
	static EVP_CIPHER_CTX	*cctx[HPKE_NAEAD];
	EVP_CIPHER		*cipher;
	const char		*name;
	unsigned int		 i;

	switch (aead) {
	case HPKE_AEAD_AES128GCM:
		i = 0;
		name = "AES-128-GCM";
		break;
	case HPKE_AEAD_AES256GCM:
		i = 1;
		name = "AES-256-GCM";
		break;
	case HPKE_AEAD_CHACHA20POLY1305:
		i = 2;
		name = "ChaCha20-Poly1305";
		break;
	default:
		return (NULL);
	}
	if (cctx[i] != NULL)
		return (cctx[i]);
	if ((cipher = EVP_CIPHER_fetch(NULL, name, NULL)) == NULL)
		return (NULL);
	/* Nn = 12 is every one of these AEADs' default IV length. */
	if ((cctx[i] = EVP_CIPHER_CTX_new()) != NULL &&
	    (EVP_CipherInit_ex(cctx[i], cipher, NULL, NULL, NULL, 1) != 1 ||
	    EVP_CIPHER_CTX_get_iv_length(cctx[i]) != HPKE_NONCE_LEN)) {
		EVP_CIPHER_CTX_free(cctx[i]);
		cctx[i] = NULL;
	}
	EVP_CIPHER_free(cipher);	/* the context holds a reference */
	return (cctx[i]);
}

/* The AEAD's key length Nk, or 0 for an unknown id. */
size_t
hpke_aead_nk(uint16_t aead)
{
	switch (aead) {
	case HPKE_AEAD_AES128GCM:
		return (16);
	case HPKE_AEAD_AES256GCM:
	case HPKE_AEAD_CHACHA20POLY1305:
		return (32);
	default:
		return (0);
	}
}

/*
 * One AEAD pass: sealing (enc 1) appends ciphertext || tag, opening (enc 0)
 * takes ciphertext || tag and appends the plaintext, or nothing when the
 * tag does not verify.
 */
static int
hpke_aead(uint16_t aead, int enc, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    struct buf *out, const char **errstr)
{
	EVP_CIPHER_CTX	*cctx;
	uint8_t		*p, tag[HPKE_TAG_LEN];
	size_t		 len, outlen;
	int		 a, n, m;

	if (hpke_aead_nk(aead) == 0) {
		*errstr = "unsupported HPKE AEAD";
		return (-1);
	}
	if (!enc && inlen < HPKE_TAG_LEN) {
		*errstr = "ciphertext shorter than the AEAD tag";
		return (-1);
	}
	if (inlen > HPKE_MAX_AEAD_LEN || aadlen > HPKE_MAX_AEAD_LEN) {
		*errstr = "AEAD input too large";
		return (-1);
	}
	if ((cctx = hpke_aead_ctx(aead)) == NULL) {
		*errstr = "HPKE AEAD unavailable";
		return (-1);
	}
	len = enc ? inlen : inlen - HPKE_TAG_LEN;	/* plaintext length */
	outlen = enc ? len + HPKE_TAG_LEN : len;
	if (!enc)
		memcpy(tag, in + len, HPKE_TAG_LEN);
	buf_reserve(out, outlen);
	p = out->data + out->len;
	a = n = m = 0;
	if (EVP_CipherInit_ex(cctx, NULL, NULL, key, nonce, enc) != 1 ||
	    (!enc && EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_AEAD_SET_TAG,
	    HPKE_TAG_LEN, tag) != 1) ||
	    (aadlen != 0 && EVP_CipherUpdate(cctx, NULL, &a, aad,
	    (int)aadlen) != 1) ||
	    (len != 0 && EVP_CipherUpdate(cctx, p, &n, in, (int)len) != 1) ||
	    EVP_CipherFinal_ex(cctx, p + n, &m) != 1 ||
	    (size_t)n + (size_t)m != len ||
	    (enc && EVP_CIPHER_CTX_ctrl(cctx, EVP_CTRL_AEAD_GET_TAG,
	    HPKE_TAG_LEN, p + len) != 1)) {
		/* Never hand out plaintext that failed authentication. */
		OPENSSL_cleanse(p, outlen);
		out->data[out->len] = '\0';
		*errstr = enc ? "AEAD seal failed" :
		    "AEAD authentication failed";
		return (-1);
	}
	out->len += outlen;
	out->data[out->len] = '\0';
	return (0);
}

/* Seal pt with aad under key and nonce; appends ciphertext || tag. */
int
hpke_aead_seal(uint16_t aead, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, const uint8_t *pt, size_t ptlen,
    struct buf *out, const char **errstr)
{
	return (hpke_aead(aead, HPKE_SEAL, key, nonce, aad, aadlen, pt, ptlen,
	    out, errstr));
}

/* Open ct || tag with aad under key and nonce; appends the plaintext. */
int
hpke_aead_open(uint16_t aead, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *aad, size_t aadlen, const uint8_t *ct, size_t ctlen,
    struct buf *out, const char **errstr)
{
	return (hpke_aead(aead, HPKE_OPEN, key, nonce, aad, aadlen, ct, ctlen,
	    out, errstr));
}

/* RFC 9180 §5.2: base XOR I2OSP(seq, Nn); OHTTP chunks use it too. */
void
hpke_nonce_xor(const uint8_t *base, uint64_t seq,
    uint8_t nonce[HPKE_NONCE_LEN])
{
	unsigned int	 i;

	memcpy(nonce, base, HPKE_NONCE_LEN);
	for (i = 0; i < 8; i++)
		nonce[HPKE_NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

/* Seal (HPKE_SEAL) or open at sequence number seq; ctx is unchanged. */
int
hpke_aead_seq(const struct hpke_ctx *ctx, int enc, uint64_t seq,
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t inlen,
    struct buf *out, const char **errstr)
{
	uint8_t	 nonce[HPKE_NONCE_LEN];

	if (ctx->nk == 0) {
		*errstr = "HPKE context not set up";
		return (-1);
	}
	hpke_nonce_xor(ctx->base_nonce, seq, nonce);
	return (hpke_aead(ctx->aead_id, enc, ctx->key, nonce, aad, aadlen, in,
	    inlen, out, errstr));
}

/* Seal (HPKE_SEAL) or open at ctx->seq, advancing it on success. */
static int
hpke_ctx_next(struct hpke_ctx *ctx, int enc, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t inlen, struct buf *out,
    const char **errstr)
{
	if (ctx->seq == UINT64_MAX) {
		*errstr = "HPKE sequence number overflow";
		return (-1);
	}
	if (hpke_aead_seq(ctx, enc, ctx->seq, aad, aadlen, in, inlen, out,
	    errstr) == -1)
		return (-1);
	ctx->seq++;
	return (0);
}

/* ContextS.Seal(aad, pt): seal at ctx->seq, then advance it. */
int
hpke_seal(struct hpke_ctx *ctx, const uint8_t *aad, size_t aadlen,
    const uint8_t *pt, size_t ptlen, struct buf *out, const char **errstr)
{
	return (hpke_ctx_next(ctx, HPKE_SEAL, aad, aadlen, pt, ptlen, out,
	    errstr));
}

/* ContextR.Open(aad, ct): open at ctx->seq, advancing it on success. */
int
hpke_open(struct hpke_ctx *ctx, const uint8_t *aad, size_t aadlen,
    const uint8_t *ct, size_t ctlen, struct buf *out, const char **errstr)
{
	return (hpke_ctx_next(ctx, HPKE_OPEN, aad, aadlen, ct, ctlen, out,
	    errstr));
}

/* Export(exporter_context, L) = LabeledExpand(exporter_secret, "sec"). */
int
hpke_export(const struct hpke_ctx *ctx, const uint8_t *exctx, size_t exlen,
    uint8_t *out, size_t len, const char **errstr)
{
	uint8_t	 suite[HPKE_SUITE_LEN];

	if (ctx->nk == 0) {
		*errstr = "HPKE context not set up";
		return (-1);
	}
	hpke_suite(ctx, suite);
	return (hpke_labeled_expand(suite, sizeof(suite), ctx->exporter_secret,
	    "sec", exctx, exlen, out, len, errstr));
}

/* Wipe every secret in the context. */
void
hpke_ctx_clear(struct hpke_ctx *ctx)
{
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

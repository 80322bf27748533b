/*
 * floor.c: the per-request cryptography og-veil cannot avoid (`make bench`
 * step 1), measured twice:
 *
 *   floor    the same work with OpenSSL primitives only, every algorithm
 *            fetched once, every context reused, each by the cheapest
 *            route OpenSSL offers (HMAC as two SHA-256s, the ephemeral key
 *            imported from random bytes): X25519 keygen + DH,
 *            the 13 HMAC-SHA256s of HPKE's key schedule, OHTTP's exports
 *            and response keys, ChaCha20-Poly1305 seal of a 1 KiB request
 *            and open of a 512-byte response, Keccak-f[1600] at OpenSSL's
 *            SHA3-256 speed (same permutation, same 136-byte rate, the
 *            same 13 permutations: 1 KiB request, 512-byte output, 96-byte
 *            signed message), and RSA-PSS verify with a prepared context;
 *   og-veil  og-veil's own code for the same work (ohttp_encap_request,
 *            ohttp_open_response, keccak256, verify_key_pss).
 *
 * Also the floor of a streamed frame: one AEAD open of a chunk, as a fixed
 * cost plus a cost per KiB (from 64-byte and 4 KiB chunks), and og-veil's
 * chunked opener (ohttp_stream_feed) on the same chunks.
 *
 * Prints a table and, as JSON on the last line, every figure in µs of CPU
 * time (user + system).
 * usage: floor [iterations]
 */
#include "compat.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "hpke.h"
#include "keccak.h"
#include "ohttp.h"
#include "verify.h"

#define FLOOR_REQ	1024	/* sealed request */
#define FLOOR_RESP	512	/* opened response, hashed output */
#define FLOOR_MSG	96	/* request_hash || output_hash || timestamp */
#define FLOOR_SMALL	64	/* chunk sizes for the per-frame fit */
#define FLOOR_LARGE	4096

/* The OpenSSL objects of the independent floor, made once. */
struct floor_ossl {
	EVP_MD_CTX	*mac;		/* HMAC-SHA256's two hashes */
	EVP_CIPHER_CTX	*aead;		/* ChaCha20-Poly1305, re-keyed */
	EVP_PKEY_CTX	*keygen;	/* X25519 key generation */
	EVP_PKEY_CTX	*import;	/* X25519 private key from bytes */
	EVP_PKEY	*peer;		/* the gateway's public key pkR */
	EVP_MD		*sha3;
	EVP_MD_CTX	*sha3_ctx;
	EVP_MD		*sha256;
};

/*
 * CPU time, not wall time: og-veil's figures are CPU time from /proc, and
 * on a shared machine wall time would count other processes' turns.
 */
static double
floor_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static void
floor_die(const char *what)
{
	fprintf(stderr, "floor: %s failed\n", what);
	exit(1);
}

static void
floor_ossl_init(struct floor_ossl *fo)
{
	EVP_CIPHER	*cipher;
	EVP_PKEY	*gw = NULL;

	if ((fo->mac = EVP_MD_CTX_new()) == NULL)
		floor_die("HMAC");
	if ((cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305",
	    NULL)) == NULL || (fo->aead = EVP_CIPHER_CTX_new()) == NULL ||
	    EVP_CipherInit_ex(fo->aead, cipher, NULL, NULL, NULL, 1) != 1)
		floor_die("ChaCha20-Poly1305");
	EVP_CIPHER_free(cipher);
	if ((fo->keygen = EVP_PKEY_CTX_new_from_name(NULL, "X25519",
	    NULL)) == NULL || EVP_PKEY_keygen_init(fo->keygen) != 1 ||
	    EVP_PKEY_generate(fo->keygen, &gw) != 1)
		floor_die("X25519");
	fo->peer = gw;	/* its private half is never used */
	if ((fo->import = EVP_PKEY_CTX_new_from_name(NULL, "X25519",
	    NULL)) == NULL || EVP_PKEY_fromdata_init(fo->import) != 1)
		floor_die("X25519 import");
	if ((fo->sha3 = EVP_MD_fetch(NULL, "SHA3-256", NULL)) == NULL ||
	    (fo->sha3_ctx = EVP_MD_CTX_new()) == NULL ||
	    (fo->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		floor_die("SHA3-256/SHA-256");
}

static void
floor_ossl_free(struct floor_ossl *fo)
{
	EVP_MD_CTX_free(fo->mac);
	EVP_CIPHER_CTX_free(fo->aead);
	EVP_PKEY_CTX_free(fo->keygen);
	EVP_PKEY_CTX_free(fo->import);
	EVP_PKEY_free(fo->peer);
	EVP_MD_CTX_free(fo->sha3_ctx);
	EVP_MD_free(fo->sha3);
	EVP_MD_free(fo->sha256);
}

/*
 * One HMAC-SHA256 (RFC 2104) as two SHA-256s on one reused digest
 * context: cheaper than EVP_MAC's HMAC re-keyed per use, so the floor is
 * the cheapest way OpenSSL offers, not the most convenient.
 */
static void
floor_hmac(struct floor_ossl *fo, const uint8_t *key, size_t keylen,
    const uint8_t *msg, size_t len, uint8_t out[32])
{
	uint8_t		 pad[64], inner[32];
	unsigned int	 n;
	size_t		 i;

	if (keylen > sizeof(pad))
		floor_die("HMAC key length");
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = (i < keylen ? key[i] : 0) ^ 0x36;
	if (EVP_DigestInit_ex(fo->mac, fo->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(fo->mac, pad, sizeof(pad)) != 1 ||
	    EVP_DigestUpdate(fo->mac, msg, len) != 1 ||
	    EVP_DigestFinal_ex(fo->mac, inner, &n) != 1)
		floor_die("HMAC");
	for (i = 0; i < sizeof(pad); i++)
		pad[i] ^= 0x36 ^ 0x5c;
	if (EVP_DigestInit_ex(fo->mac, fo->sha256, NULL) != 1 ||
	    EVP_DigestUpdate(fo->mac, pad, sizeof(pad)) != 1 ||
	    EVP_DigestUpdate(fo->mac, inner, sizeof(inner)) != 1 ||
	    EVP_DigestFinal_ex(fo->mac, out, &n) != 1)
		floor_die("HMAC");
}

/* RFC 4231 test case 2: the floor times a correct HMAC or none. */
static void
floor_hmac_check(struct floor_ossl *fo)
{
	static const uint8_t	 want[32] = {
		0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04,
		0x24, 0x26, 0x08, 0x95, 0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08,
		0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec,
		0x38, 0x43
	};
	static const char	 msg[] = "what do ya want for nothing?";
	uint8_t			 out[32];

	floor_hmac(fo, (const uint8_t *)"Jefe", 4, (const uint8_t *)msg,
	    sizeof(msg) - 1, out);
	if (memcmp(out, want, sizeof(out)) != 0)
		floor_die("HMAC-SHA256 self-check (RFC 4231 case 2)");
}

/* One ChaCha20-Poly1305 pass; tag is read (open) or written (seal). */
static int
floor_aead(struct floor_ossl *fo, int enc, const uint8_t *key,
    const uint8_t *nonce, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[16])
{
	int	 n, m;

	if (EVP_CipherInit_ex(fo->aead, NULL, NULL, key, nonce, enc) != 1 ||
	    (!enc && EVP_CIPHER_CTX_ctrl(fo->aead, EVP_CTRL_AEAD_SET_TAG, 16,
	    tag) != 1) ||
	    EVP_CipherUpdate(fo->aead, out, &n, in, (int)len) != 1 ||
	    EVP_CipherFinal_ex(fo->aead, out + n, &m) != 1)
		return (-1);
	if (enc && EVP_CIPHER_CTX_ctrl(fo->aead, EVP_CTRL_AEAD_GET_TAG, 16,
	    tag) != 1)
		return (-1);
	return (0);
}

/*
 * SetupBaseS + Seal of the request + OHTTP's two exports: X25519 keygen
 * (32 random bytes imported through a reused context: cheaper than
 * EVP_PKEY_generate(), same scalar multiplication) and DH (the peer set
 * without OpenSSL's X25519 "validation", which checks nothing for X25519
 * but costs a context), then the HMACs RFC 9180 and RFC 9458 need (eae_prk,
 * shared_secret, psk_id_hash, info_hash, secret, key, base_nonce, exp, and
 * two exports: 10), then the AEAD.
 */
static void
floor_seal(struct floor_ossl *fo, const uint8_t *pt, uint8_t *ct,
    uint8_t tag[16])
{
	EVP_PKEY	*eph = NULL;
	EVP_PKEY_CTX	*dctx;
	OSSL_PARAM	 params[2];
	uint8_t		 sk[32], enc[32], dh[32], k[32], msg[128];
	size_t		 len = sizeof(enc);
	int		 i;
	/* eae_prk .. exp, then the two exports, as RFC 9180 labels them. */
	static const size_t floor_hmac_len[10] = {
		51, 92, 28, 55, 23, 88, 95, 88, 46, 55
	};

	if (RAND_bytes(sk, sizeof(sk)) != 1)
		floor_die("RAND_bytes");
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
	    sk, sizeof(sk));
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(fo->import, &eph, EVP_PKEY_KEYPAIR,
	    params) != 1 ||
	    EVP_PKEY_get_raw_public_key(eph, enc, &len) != 1 ||
	    (dctx = EVP_PKEY_CTX_new(eph, NULL)) == NULL ||
	    EVP_PKEY_derive_init(dctx) != 1 ||
	    EVP_PKEY_derive_set_peer_ex(dctx, fo->peer, 0) != 1 ||
	    EVP_PKEY_derive(dctx, dh, &(size_t){ sizeof(dh) }) != 1)
		floor_die("X25519 DH");
	EVP_PKEY_CTX_free(dctx);
	EVP_PKEY_free(eph);
	memset(msg, 0x5a, sizeof(msg));
	memcpy(k, dh, sizeof(k));
	/* Messages of the key schedule's sizes (labels, contexts). */
	for (i = 0; i < 10; i++)
		floor_hmac(fo, k, sizeof(k), msg, floor_hmac_len[i], k);
	if (floor_aead(fo, 1, k, k, pt, FLOOR_REQ, ct, tag) == -1)
		floor_die("AEAD seal");
}

/* The response: extract, expand key and nonce, then the AEAD open. */
static void
floor_open(struct floor_ossl *fo, const uint8_t *key, const uint8_t *nonce,
    const uint8_t *ct, size_t len, uint8_t *pt, uint8_t tag[16])
{
	uint8_t	 salt[64], k[32];

	memset(salt, 1, sizeof(salt));
	floor_hmac(fo, salt, sizeof(salt), salt, 32, k);
	floor_hmac(fo, k, sizeof(k), (const uint8_t *)"key\1", 4, k);
	floor_hmac(fo, k, sizeof(k), (const uint8_t *)"nonce\1", 6, k);
	if (floor_aead(fo, 0, key, nonce, ct, len, pt, tag) == -1)
		floor_die("AEAD open");
}

/* OpenSSL's SHA3-256 of len bytes: ceil((len + 1) / 136) permutations. */
static void
floor_sha3(struct floor_ossl *fo, const uint8_t *p, size_t len,
    uint8_t md[32])
{
	if (EVP_DigestInit_ex(fo->sha3_ctx, fo->sha3, NULL) != 1 ||
	    EVP_DigestUpdate(fo->sha3_ctx, p, len) != 1 ||
	    EVP_DigestFinal_ex(fo->sha3_ctx, md, NULL) != 1)
		floor_die("SHA3-256");
}

/* An RSA key of bits, its DER SubjectPublicKeyInfo and a signature. */
static EVP_PKEY *
floor_rsa(int bits, uint8_t *sig, size_t *siglen, const uint8_t *msg,
    uint8_t **der, size_t *derlen, EVP_MD *sha256)
{
	EVP_PKEY	*pk;
	EVP_PKEY_CTX	*ctx;
	uint8_t		 digest[32];
	int		 n;

	if ((pk = EVP_RSA_gen(bits)) == NULL ||
	    EVP_Digest(msg, 32, digest, NULL, sha256, NULL) != 1)
		floor_die("RSA key");
	if ((ctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, sha256) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, sha256) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) != 1 ||
	    EVP_PKEY_sign(ctx, sig, siglen, digest, 32) != 1)
		floor_die("RSA-PSS sign");
	EVP_PKEY_CTX_free(ctx);
	*der = NULL;
	if ((n = i2d_PUBKEY(pk, der)) <= 0)
		floor_die("i2d_PUBKEY");
	*derlen = (size_t)n;
	return (pk);
}

/* The floor's verify: SHA-256(msg), then PSS with a prepared context. */
static double
floor_verify(EVP_PKEY *pk, EVP_MD *sha256, const uint8_t *sig,
    size_t siglen, const uint8_t *msg, int n)
{
	EVP_PKEY_CTX	*ctx;
	uint8_t		 digest[32];
	double		 t0;
	int		 i;

	if ((ctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, sha256) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, sha256) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) != 1)
		floor_die("RSA-PSS verify setup");
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		if (EVP_Digest(msg, 32, digest, NULL, sha256, NULL) != 1 ||
		    EVP_PKEY_verify(ctx, sig, siglen, digest, 32) != 1)
			floor_die("RSA-PSS verify");
	}
	t0 = (floor_now() - t0) * 1e6 / n;
	EVP_PKEY_CTX_free(ctx);
	return (t0);
}

/* og-veil's verify of the same signature, through its prepared key. */
static double
floor_veil_verify(const uint8_t *der, size_t derlen, const uint8_t *sig,
    size_t siglen, const uint8_t *msg, int n)
{
	struct verify_key	*vk;
	const char		*errstr;
	double			 t0;
	int			 i;

	if ((vk = verify_key_new(der, derlen)) == NULL)
		floor_die("verify_key_new");
	t0 = floor_now();
	for (i = 0; i < n; i++)
		if (verify_key_pss(vk, sig, siglen, msg, &errstr) == -1)
			floor_die(errstr);
	t0 = (floor_now() - t0) * 1e6 / n;
	verify_key_free(vk);
	return (t0);
}

/* The floor of one chunk: AEAD open of len bytes, µs. */
static double
floor_chunk(struct floor_ossl *fo, size_t len, int n)
{
	uint8_t		 key[32], nonce[12], tag[16], *pt, *ct;
	double		 t0;
	int		 i;

	memset(key, 3, sizeof(key));
	memset(nonce, 4, sizeof(nonce));
	if ((pt = calloc(1, len)) == NULL || (ct = calloc(1, len)) == NULL)
		floor_die("malloc");
	if (floor_aead(fo, 1, key, nonce, pt, len, ct, tag) == -1)
		floor_die("AEAD seal");
	t0 = floor_now();
	for (i = 0; i < n; i++)
		if (floor_aead(fo, 0, key, nonce, ct, len, pt, tag) == -1)
			floor_die("AEAD open");
	t0 = (floor_now() - t0) * 1e6 / n;
	free(pt);
	free(ct);
	return (t0);
}

static int
floor_chunk_cb(void *arg, const uint8_t *p, size_t len, int final)
{
	(void)arg;
	(void)p;
	(void)len;
	(void)final;
	return (0);
}

/*
 * og-veil's chunked opener on a body of n chunks of len bytes each (and
 * the final): µs per chunk, the body fed in one piece per chunk.
 */
static double
floor_veil_chunks(const struct ohttp_ctx *cli, const struct ohttp_ctx *gw,
    size_t len, int n)
{
	struct ohttp_sealer	*sl;
	struct ohttp_stream	*os;
	struct buf		 body;
	uint8_t			*pt;
	size_t			*ends, off;
	const char		*errstr;
	double			 t0;
	int			 i;

	buf_init(&body);
	if ((pt = calloc(1, len)) == NULL ||
	    (ends = calloc((size_t)n + 2, sizeof(*ends))) == NULL)
		floor_die("malloc");
	if ((sl = ohttp_sealer_new(gw, NULL, &body, &errstr)) == NULL)
		floor_die(errstr);
	ends[0] = body.len;
	for (i = 0; i < n; i++) {
		if (ohttp_sealer_chunk(sl, pt, len, 0, &body, &errstr) == -1)
			floor_die(errstr);
		ends[i + 1] = body.len;
	}
	if (ohttp_sealer_chunk(sl, pt, len, 1, &body, &errstr) == -1)
		floor_die(errstr);
	ohttp_sealer_free(sl);
	if ((os = ohttp_stream_new(cli, floor_chunk_cb, NULL)) == NULL ||
	    ohttp_stream_feed(os, body.data, ends[0], &errstr) == -1)
		floor_die("ohttp_stream_new");
	t0 = floor_now();
	for (i = 0, off = ends[0]; i < n; off = ends[++i])
		if (ohttp_stream_feed(os, body.data + off, ends[i + 1] - off,
		    &errstr) == -1)
			floor_die(errstr);
	t0 = (floor_now() - t0) * 1e6 / n;
	if (ohttp_stream_feed(os, body.data + off, body.len - off,
	    &errstr) == -1 || ohttp_stream_finish(os, &errstr) == -1)
		floor_die(errstr);
	ohttp_stream_free(os);
	buf_clear(&body, 0);
	free(ends);
	free(pt);
	return (t0);
}

int
main(int argc, char **argv)
{
	struct floor_ossl	 fo;
	struct ohttp_key_config	 kc;
	struct ohttp_ctx	 cli, gw;
	struct buf		 req, pt, resp, out;
	uint8_t			 skR[32], msg[32], h[32], sig2[512], sig4[1024];
	uint8_t			 request[FLOOR_REQ], output[FLOOR_RESP];
	uint8_t			 m96[FLOOR_MSG], ct[FLOOR_REQ], tag[16];
	uint8_t			 key[32], nonce[12], big[136 * 64];
	uint8_t			*der2, *der4;
	size_t			 siglen2 = sizeof(sig2), siglen4 = sizeof(sig4);
	size_t			 derlen2, derlen4;
	const char		*errstr;
	EVP_PKEY		*pk2, *pk4;
	double			 t, t0, f_seal, f_open, f_keccak, f_v2, f_v4, f_perm;
	double			 v_seal, v_open, v_keccak, v_v2, v_v4, v_perm;
	double			 c_small, c_large, c_fixed, c_kib;
	double			 vc_small, vc_large, vc_fixed, vc_kib;
	int			 i, r, n = argc > 1 ? atoi(argv[1]) : 2000;

	if (n < 10)
		n = 10;
	memset(request, 'a', sizeof(request));
	memset(output, 'b', sizeof(output));
	memset(m96, 'c', sizeof(m96));
	memset(msg, 7, sizeof(msg));
	memset(big, 'd', sizeof(big));
	memset(key, 5, sizeof(key));
	memset(nonce, 6, sizeof(nonce));
	floor_ossl_init(&fo);
	floor_hmac_check(&fo);

	/* The independent floor, OpenSSL only. */
	floor_seal(&fo, request, ct, tag);		/* warm */
	t0 = floor_now();
	for (i = 0; i < n; i++)
		floor_seal(&fo, request, ct, tag);
	f_seal = (floor_now() - t0) * 1e6 / n;
	if (floor_aead(&fo, 1, key, nonce, output, sizeof(output), ct,
	    tag) == -1)
		floor_die("AEAD seal");
	t0 = floor_now();
	for (i = 0; i < n; i++)
		floor_open(&fo, key, nonce, ct, sizeof(output), request, tag);
	f_open = (floor_now() - t0) * 1e6 / n;
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		floor_sha3(&fo, request, sizeof(request), h);
		floor_sha3(&fo, output, sizeof(output), h);
		floor_sha3(&fo, m96, sizeof(m96), h);
	}
	f_keccak = (floor_now() - t0) * 1e6 / n;

	/* og-veil's own code for the same work. */
	kc.key_id = 1;
	kc.kem_id = HPKE_KEM_X25519_SHA256;
	kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	if (hpke_generate_keypair(skR, kc.pk, &errstr) == -1)
		floor_die(errstr);
	buf_init(&req);
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		req.len = 0;
		if (ohttp_encap_request(&cli, &kc, request, sizeof(request),
		    &req, &errstr) == -1)
			floor_die(errstr);
		if (i != n - 1)
			ohttp_ctx_clear(&cli);
	}
	v_seal = (floor_now() - t0) * 1e6 / n;
	buf_init(&pt);
	buf_init(&resp);
	buf_init(&out);
	if (ohttp_decap_request(&gw, &kc, skR, req.data, req.len, &pt,
	    &errstr) == -1 ||
	    ohttp_seal_response(&gw, NULL, output, sizeof(output), &resp,
	    &errstr) == -1)
		floor_die(errstr);
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		out.len = 0;
		if (ohttp_open_response(&cli, resp.data, resp.len, &out,
		    &errstr) == -1)
			floor_die(errstr);
	}
	v_open = (floor_now() - t0) * 1e6 / n;
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		keccak256(request, sizeof(request), h);
		keccak256(output, sizeof(output), h);
		keccak256(m96, sizeof(m96), h);
	}
	v_keccak = (floor_now() - t0) * 1e6 / n;
	/*
	 * Keccak-f[1600] alone, OpenSSL's and ours (64 permutations a hash):
	 * five runs of each, interleaved, keeping each one's best, so that
	 * other processes' turns on a shared machine weigh on neither.
	 */
	f_perm = v_perm = 0;
	for (r = 0; r < 5; r++) {
		t0 = floor_now();
		for (i = 0; i < n / 10; i++)
			floor_sha3(&fo, big, sizeof(big) - 1, h);
		t = (floor_now() - t0) * 1e9 / (n / 10 * 64);
		if (r == 0 || t < f_perm)
			f_perm = t;
		t0 = floor_now();
		for (i = 0; i < n / 10; i++)
			keccak256(big, sizeof(big) - 1, h);
		t = (floor_now() - t0) * 1e9 / (n / 10 * 64);
		if (r == 0 || t < v_perm)
			v_perm = t;
	}

	pk2 = floor_rsa(2048, sig2, &siglen2, msg, &der2, &derlen2,
	    fo.sha256);
	pk4 = floor_rsa(4096, sig4, &siglen4, msg, &der4, &derlen4,
	    fo.sha256);
	f_v2 = floor_verify(pk2, fo.sha256, sig2, siglen2, msg, n);
	v_v2 = floor_veil_verify(der2, derlen2, sig2, siglen2, msg, n);
	f_v4 = floor_verify(pk4, fo.sha256, sig4, siglen4, msg, n / 2 + 1);
	v_v4 = floor_veil_verify(der4, derlen4, sig4, siglen4, msg,
	    n / 2 + 1);

	/* A streamed frame: fixed cost + cost per KiB of one AEAD open. */
	c_small = floor_chunk(&fo, FLOOR_SMALL, n * 5);
	c_large = floor_chunk(&fo, FLOOR_LARGE, n);
	c_kib = (c_large - c_small) * 1024 / (FLOOR_LARGE - FLOOR_SMALL);
	c_fixed = c_small - c_kib * FLOOR_SMALL / 1024;
	vc_small = floor_veil_chunks(&cli, &gw, FLOOR_SMALL, n * 5);
	vc_large = floor_veil_chunks(&cli, &gw, FLOOR_LARGE, n);
	vc_kib = (vc_large - vc_small) * 1024 / (FLOOR_LARGE - FLOOR_SMALL);
	vc_fixed = vc_small - vc_kib * FLOOR_SMALL / 1024;

	printf("%-44s %9s %9s\n", "per request (µs)", "floor", "og-veil");
	printf("%-44s %9.1f %9.1f\n", "HPKE setup + seal, 1 KiB request",
	    f_seal, v_seal);
	printf("%-44s %9.1f %9.1f\n", "OHTTP response open (512 B)", f_open,
	    v_open);
	printf("%-44s %9.1f %9.1f\n", "Keccak-256 request + output + msg",
	    f_keccak, v_keccak);
	printf("%-44s %9.1f %9.1f\n", "RSA-2048 PSS verify", f_v2, v_v2);
	printf("%-44s %9.1f %9.1f\n", "total (RSA-2048)",
	    f_seal + f_open + f_keccak + f_v2,
	    v_seal + v_open + v_keccak + v_v2);
	printf("%-44s %9.1f %9.1f\n", "RSA-4096 PSS verify", f_v4, v_v4);
	printf("%-44s %9.0f %9.0f\n", "Keccak-f[1600] ns (SHA3-256 / keccak256)",
	    f_perm, v_perm);
	printf("%-44s %9.2f %9.2f\n", "stream chunk open, fixed µs", c_fixed,
	    vc_fixed);
	printf("%-44s %9.2f %9.2f\n", "stream chunk open, µs per KiB", c_kib,
	    vc_kib);
	printf("{\"floor_us_per_request\": %.2f, "
	    "\"floor_us_per_request_rsa4096\": %.2f, "
	    "\"floor\": {\"hpke_seal_us\": %.2f, \"response_open_us\": %.2f, "
	    "\"keccak_us\": %.2f, \"rsa2048_verify_us\": %.2f, "
	    "\"rsa4096_verify_us\": %.2f, \"keccak_f1600_ns\": %.1f, "
	    "\"chunk_open_fixed_us\": %.3f, \"chunk_open_us_per_kib\": %.3f}, "
	    "\"og_veil_us_per_request\": %.2f, "
	    "\"og_veil\": {\"hpke_seal_us\": %.2f, \"response_open_us\": %.2f, "
	    "\"keccak_us\": %.2f, \"rsa2048_verify_us\": %.2f, "
	    "\"rsa4096_verify_us\": %.2f, \"keccak_f1600_ns\": %.1f, "
	    "\"chunk_open_fixed_us\": %.3f, \"chunk_open_us_per_kib\": %.3f}}\n",
	    f_seal + f_open + f_keccak + f_v2,
	    f_seal + f_open + f_keccak + f_v4,
	    f_seal, f_open, f_keccak, f_v2, f_v4, f_perm, c_fixed, c_kib,
	    v_seal + v_open + v_keccak + v_v2,
	    v_seal, v_open, v_keccak, v_v2, v_v4, v_perm, vc_fixed, vc_kib);

	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&req, 0);
	buf_clear(&pt, 0);
	buf_clear(&resp, 0);
	buf_clear(&out, 0);
	OPENSSL_free(der2);
	OPENSSL_free(der4);
	EVP_PKEY_free(pk2);
	EVP_PKEY_free(pk4);
	floor_ossl_free(&fo);
	return (0);
}

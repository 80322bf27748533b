/*
 * hpke.h: HPKE (RFC 9180) base mode with DHKEM(X25519, HKDF-SHA256) and
 * HKDF-SHA256, AEADs AES-128-GCM, AES-256-GCM and ChaCha20-Poly1305, both
 * roles, built from OpenSSL 3.0 EVP.  PROTOCOL.md §4.  A leaf.
 */
#ifndef HPKE_H
#define HPKE_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define HPKE_KEM_X25519_SHA256	0x0020
#define HPKE_KDF_HKDF_SHA256	0x0001
#define HPKE_AEAD_AES128GCM	0x0001
#define HPKE_AEAD_AES256GCM	0x0002
#define HPKE_AEAD_CHACHA20POLY1305 0x0003

#define HPKE_X25519_LEN		32	/* Npk = Nsk = Nenc */
#define HPKE_MAX_KEY_LEN	32
#define HPKE_NONCE_LEN		12
#define HPKE_TAG_LEN		16
#define HPKE_SECRET_LEN		32	/* Nh of HKDF-SHA256 */

/* A context after SetupBase{S,R}; embed it, wipe it with hpke_ctx_clear(). */
struct hpke_ctx {
	uint16_t	 kem_id;
	uint16_t	 kdf_id;
	uint16_t	 aead_id;
	size_t		 nk;				/* AEAD key length */
	uint8_t		 key[HPKE_MAX_KEY_LEN];
	uint8_t		 base_nonce[HPKE_NONCE_LEN];
	uint8_t		 exporter_secret[HPKE_SECRET_LEN];
	uint64_t	 seq;
	/* Intermediates kept for the test vectors only. */
	uint8_t		 shared_secret[HPKE_SECRET_LEN];
	uint8_t		 secret[HPKE_SECRET_LEN];
	uint8_t		 ksc[1 + 2 * HPKE_SECRET_LEN];	/* key_sched_ctx */
};

/* 0 when the suite is one this module implements, else -1 with errstr. */
int	hpke_suite_check(uint16_t, uint16_t, uint16_t, const char **);
/* DeriveKeyPair(ikm) for DHKEM(X25519): sk and pk, 32 bytes each. */
int	hpke_derive_keypair(const uint8_t *, size_t, uint8_t[32], uint8_t[32],
	    const char **);
/* A fresh random X25519 key pair. */
int	hpke_generate_keypair(uint8_t[32], uint8_t[32], const char **);
/*
 * SetupBaseS(ctx, kem, kdf, aead, pkR, pkRlen, info, infolen, enc): random
 * ephemeral key; enc gets 32 bytes.
 */
int	hpke_setup_base_s(struct hpke_ctx *, uint16_t, uint16_t, uint16_t,
	    const uint8_t *, size_t, const uint8_t *, size_t, uint8_t[32],
	    const char **);
/*
 * SetupBaseS with the ephemeral key derived from ikmE (tests, vectors):
 * (ctx, kem, kdf, aead, pkR, pkRlen, info, infolen, ikmE, ikmElen, enc).
 */
int	hpke_setup_base_s_det(struct hpke_ctx *, uint16_t, uint16_t, uint16_t,
	    const uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t, uint8_t[32], const char **);
/*
 * SetupBaseR: (ctx, kem, kdf, aead, enc, enclen, skR, skRlen, info,
 * infolen); skR is the recipient's 32-byte secret key.
 */
int	hpke_setup_base_r(struct hpke_ctx *, uint16_t, uint16_t, uint16_t,
	    const uint8_t *, size_t, const uint8_t *, size_t,
	    const uint8_t *, size_t, const char **);
/* Seal(aad, aadlen, pt, ptlen): appends ciphertext || tag; bumps seq. */
int	hpke_seal(struct hpke_ctx *, const uint8_t *, size_t,
	    const uint8_t *, size_t, struct buf *, const char **);
/* Open(aad, aadlen, ct, ctlen): appends plaintext; bumps seq on success. */
int	hpke_open(struct hpke_ctx *, const uint8_t *, size_t,
	    const uint8_t *, size_t, struct buf *, const char **);
/*
 * Seal or Open (HPKE_SEAL, HPKE_OPEN) at an explicit sequence number:
 * (ctx, op, seq, aad, aadlen, in, inlen, out); ctx->seq is unchanged
 * (vectors, chunked OHTTP).
 */
#define HPKE_OPEN	0
#define HPKE_SEAL	1
int	hpke_aead_seq(const struct hpke_ctx *, int, uint64_t,
	    const uint8_t *, size_t, const uint8_t *, size_t, struct buf *,
	    const char **);
/* Export(exporter_context, L) into out of L bytes (L <= 255 * 32). */
int	hpke_export(const struct hpke_ctx *, const uint8_t *, size_t,
	    uint8_t *, size_t, const char **);
/* Wipe every secret in the context. */
void	hpke_ctx_clear(struct hpke_ctx *);

/*
 * One AEAD operation with an explicit key and nonce (OHTTP responses use
 * the suite's AEAD outside an HPKE context): (aead, key, nonce, aad, aadlen,
 * in, inlen, out).  Appends to out; open appends nothing on failure.
 */
int	hpke_aead_seal(uint16_t, const uint8_t *, const uint8_t *,
	    const uint8_t *, size_t, const uint8_t *, size_t, struct buf *,
	    const char **);
int	hpke_aead_open(uint16_t, const uint8_t *, const uint8_t *,
	    const uint8_t *, size_t, const uint8_t *, size_t, struct buf *,
	    const char **);
/* The AEAD's key length Nk, or 0 for an unknown id. */
size_t	hpke_aead_nk(uint16_t);
/* base (12 bytes) XOR I2OSP(seq, 12): HPKE's and OHTTP chunks' nonces. */
void	hpke_nonce_xor(const uint8_t *, uint64_t, uint8_t[HPKE_NONCE_LEN]);

/* The X25519 public key of a 32-byte secret key. */
int	hpke_x25519_public(const uint8_t *, uint8_t[32], const char **);
/* HKDF-SHA256 (RFC 5869): Extract(salt, saltlen, ikm, ikmlen, prk). */
int	hpke_hkdf_extract(const uint8_t *, size_t, const uint8_t *, size_t,
	    uint8_t[HPKE_SECRET_LEN], const char **);
/* HKDF-SHA256 Expand(prk (32 bytes), info, infolen, out, L <= 255 * 32). */
int	hpke_hkdf_expand(const uint8_t *, const uint8_t *, size_t, uint8_t *,
	    size_t, const char **);

#endif /* HPKE_H */

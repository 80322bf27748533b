/*
 * verify.h: PROTOCOL.md §9, the enclave's proof: tee_id from the signing
 * key's DER, request and output hash checks (constant time), and RSA-PSS
 * (SHA-256, MGF1-SHA-256, salt 32) over keccak256(req || out || ts).  A leaf.
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

#define VERIFY_TEE_ID_LEN	66	/* "0x" + 64 hex digits */

/* What a verified response proves; all text NUL-terminated. */
struct verify_proof {
	char		 tee_id[VERIFY_TEE_ID_LEN + 1];	/* 0x + lower hex */
	char		 request_hash[65];		/* lower hex */
	char		 output_hash[65];
	char		 timestamp[80];		/* decimal, as signed */
	uint8_t		 msg_hash[32];
};

/* tee_id of a DER SubjectPublicKeyInfo: "0x" + hex(keccak256(der)). */
void	verify_tee_id(const uint8_t *, size_t, char[VERIFY_TEE_ID_LEN + 1]);
/* 1 when two tee_id texts name the same id (case, optional 0x). */
int	verify_tee_id_equal(const char *, const char *);
/*
 * Verify the signed object (a non-stream body or the final frame, with
 * tee_signature, tee_request_hash, tee_output_hash, tee_timestamp, tee_id)
 * against the selected TEE's DER signing key and tee_id, the request hash
 * og-veil computed and the output it is about to deliver.  0 and the proof,
 * or -1 with a precise errstr.
 */
int	verify_response(const struct json_value *, const uint8_t *, size_t,
	    const char *, const uint8_t[32], const char *, size_t,
	    struct verify_proof *, const char **);

/*
 * The signing key parsed once (DER, tee_id), for a daemon that verifies many
 * responses against the same TEE: verify_key_new() returns an object the
 * caller frees with verify_key_free() (NULL only when out of memory; a key
 * that does not parse is reported by verify_response_key()), and
 * verify_response_key() is verify_response() against it.
 */
struct verify_key;
struct verify_key *verify_key_new(const uint8_t *, size_t);
void	verify_key_free(struct verify_key *);
int	verify_response_key(const struct json_value *,
	    const struct verify_key *, const char *, const uint8_t[32],
	    const char *, size_t, struct verify_proof *, const char **);
/*
 * The signature check alone: RSA-PSS (SHA-256, MGF1-SHA-256, salt 32) of
 * SHA-256(msg) under the key, with the context prepared by
 * verify_key_new(): (vk, sig, siglen, msg, errstr), 0 when it verifies.
 */
int	verify_key_pss(const struct verify_key *, const uint8_t *, size_t,
	    const uint8_t[32], const char **);

/*
 * Step 4 alone, for a proof kept after the fact (a receipt): the base64
 * signature over keccak256(req_hash || out_hash || uint256(timestamp)),
 * the timestamp in decimal.  0, or -1 with *errstr.
 */
int	verify_signature(const struct verify_key *, const uint8_t[32],
	    const uint8_t[32], const char *, const char *, const char **);
/* The key's tee_id, "0x" + lower hex (valid while the key lives). */
const char *verify_key_id(const struct verify_key *);

#endif /* VERIFY_H */

/*
 * verify.c: the enclave's proof, PROTOCOL.md §9.  A response (non-stream
 * body or final stream frame) is accepted only when all of these hold: the
 * registry signing key's tee_id (keccak256 of its DER) equals the selected
 * TEE's and the response's; the request hash og-veil computed equals
 * tee_request_hash; keccak256 of the output og-veil is about to deliver
 * equals tee_output_hash; and tee_signature is an RSA-PSS signature (SHA-256,
 * MGF1-SHA-256, salt exactly 32) under that key of
 * msg = keccak256(request_hash || output_hash || uint256(tee_timestamp)).
 *
 * PSS hashes the message it signs: the gateway signs the 32-byte msg, so
 * the digest PSS encodes is SHA-256(msg), which is what EVP_PKEY_verify()
 * is given (it takes the digest, not the message).
 */
#include "compat.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "json.h"
#include "keccak.h"
#include "verify.h"

#define VERIFY_SALT_LEN	32

static int	verify_timestamp_value(const struct json_value *, uint8_t[32],
		    const char **);

/* "0x" + hex(keccak256(der)). */
void
verify_tee_id(const uint8_t *der, size_t len, char out[VERIFY_TEE_ID_LEN + 1])
{
	uint8_t	h[KECCAK256_LEN];

	keccak256(der, len, h);
	out[0] = '0';
	out[1] = 'x';
	hex_encode(h, sizeof(h), out + 2);
}

/* A tee_id text as 32 bytes: 64 hex digits, either case, 0x optional. */
static int
verify_tee_id_bytes(const char *s, size_t len, uint8_t out[32])
{
	return (hex_decode_exact(s, len, out, 32));
}

/* 1 when two tee_id texts name the same id (case, optional 0x). */
int
verify_tee_id_equal(const char *a, const char *b)
{
	uint8_t	x[32], y[32];

	if (a == NULL || b == NULL ||
	    verify_tee_id_bytes(a, strlen(a), x) == -1 ||
	    verify_tee_id_bytes(b, strlen(b), y) == -1)
		return (0);
	return (memcmp(x, y, sizeof(x)) == 0);
}

/* A 32-byte hash field of the response: hex, either case, 0x optional. */
static int
verify_hash_field(const struct json_value *obj, const char *key,
    uint8_t out[32])
{
	const struct json_value	*v;

	if ((v = json_get(obj, key)) == NULL || v->type != JSON_STRING ||
	    hex_decode_exact(v->s, v->len, out, 32) == -1)
		return (-1);
	return (0);
}

/*
 * tee_timestamp: a JSON integer or a string of decimal digits, at most
 * 2^256 - 1, as a big-endian word.
 */
static int
verify_timestamp(const struct json_value *obj, uint8_t ts[32],
    const char **errstr)
{
	return (verify_timestamp_value(json_get(obj, "tee_timestamp"), ts,
	    errstr));
}

/* verify_timestamp() of the value itself (NULL: absent). */
static int
verify_timestamp_value(const struct json_value *v, uint8_t ts[32],
    const char **errstr)
{
	size_t			 i;
	unsigned int		 carry;
	int			 j;

	if (v == NULL || (v->type != JSON_INT && v->type != JSON_STRING) ||
	    v->len == 0) {
		*errstr = "response is missing an integer 'tee_timestamp' — "
		    "cannot verify";
		return (-1);
	}
	memset(ts, 0, 32);
	for (i = 0; i < v->len; i++) {
		if (v->s[i] < '0' || v->s[i] > '9') {
			*errstr = v->s[i] == '-' ?
			    "response 'tee_timestamp' is negative — cannot "
			    "verify" :
			    "response is missing an integer "
			    "'tee_timestamp' — cannot verify";
			return (-1);
		}
		/* ts = ts * 10 + digit, watching the carry out of the top. */
		carry = (unsigned int)(v->s[i] - '0');
		for (j = 31; j >= 0; j--) {
			carry += (unsigned int)ts[j] * 10;
			ts[j] = (uint8_t)carry;
			carry >>= 8;
		}
		if (carry != 0) {
			*errstr = "response 'tee_timestamp' does not fit 256 "
			    "bits — cannot verify";
			return (-1);
		}
	}
	return (0);
}

/*
 * The registry signing key, parsed once: DER -> EVP_PKEY (an RSA key) and
 * its tee_id.  A key that does not parse is kept with the reason, given
 * when a response is verified against it.
 */
struct verify_key {
	EVP_PKEY	*vk_pkey;	/* owned; NULL when the DER is bad */
	EVP_PKEY_CTX	*vk_ctx;	/* owned: verify_init'd for PSS */
	const char	*vk_err;	/* why vk_pkey is NULL */
	char		 vk_id[VERIFY_TEE_ID_LEN + 1];
};

/* SHA-256, fetched once for the life of the process. */
static const EVP_MD *
verify_sha256(void)
{
	static EVP_MD	*md;

	if (md == NULL)
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
	return (md);
}

/*
 * The key's verification context, set up once per TEE key: RSA-PSS,
 * SHA-256, MGF1-SHA-256, salt exactly 32.  NULL when OpenSSL refuses.
 */
static EVP_PKEY_CTX *
verify_key_ctx(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX	*ctx;
	const EVP_MD	*md;

	if ((md = verify_sha256()) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(pkey, NULL)) == NULL)
		return (NULL);
	if (EVP_PKEY_verify_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, VERIFY_SALT_LEN) != 1) {
		EVP_PKEY_CTX_free(ctx);
		return (NULL);
	}
	return (ctx);
}

struct verify_key *
verify_key_new(const uint8_t *der, size_t derlen)
{
	struct verify_key	*vk;
	const uint8_t		*p = der;

	if ((vk = calloc(1, sizeof(*vk))) == NULL)
		return (NULL);
	verify_tee_id(der, derlen, vk->vk_id);
	if (derlen == 0 || derlen > LONG_MAX ||
	    (vk->vk_pkey = d2i_PUBKEY(NULL, &p, (long)derlen)) == NULL ||
	    p != der + derlen) {
		vk->vk_err = "the registry signing key is not a DER public key";
		EVP_PKEY_free(vk->vk_pkey);
		vk->vk_pkey = NULL;
	} else if (EVP_PKEY_get_base_id(vk->vk_pkey) != EVP_PKEY_RSA) {
		vk->vk_err = "the registry signing key is not an RSA key";
		EVP_PKEY_free(vk->vk_pkey);
		vk->vk_pkey = NULL;
	} else if ((vk->vk_ctx = verify_key_ctx(vk->vk_pkey)) == NULL) {
		vk->vk_err = "cannot set up RSA-PSS verification";
		EVP_PKEY_free(vk->vk_pkey);
		vk->vk_pkey = NULL;
	}
	ERR_clear_error();
	return (vk);
}

void
verify_key_free(struct verify_key *vk)
{
	if (vk == NULL)
		return;
	EVP_PKEY_CTX_free(vk->vk_ctx);
	EVP_PKEY_free(vk->vk_pkey);
	free(vk);
}

/*
 * RSA-PSS(SHA-256, MGF1-SHA-256, salt 32) of SHA-256(msg) under the key,
 * with the context verify_key_new() prepared.
 */
int
verify_key_pss(const struct verify_key *vk, const uint8_t *sig,
    size_t siglen, const uint8_t msg[32], const char **errstr)
{
	uint8_t		 digest[EVP_MAX_MD_SIZE];
	unsigned int	 dlen;
	int		 rv = -1;

	*errstr = "RSA-PSS signature verification failed";
	if (vk->vk_pkey == NULL) {
		*errstr = vk->vk_err;
		goto out;
	}
	if (EVP_Digest(msg, 32, digest, &dlen, verify_sha256(), NULL) != 1) {
		*errstr = "cannot set up RSA-PSS verification";
		goto out;
	}
	if (EVP_PKEY_verify(vk->vk_ctx, sig, siglen, digest, dlen) == 1)
		rv = 0;
out:
	/* A bad signature is an answer, not an error to log later. */
	ERR_clear_error();
	return (rv);
}

/*
 * Verify a signed response object against the selected TEE (DER signing
 * key and tee_id), the request hash og-veil computed and the output it is
 * about to deliver.  0 with *proof filled, or -1 with *errstr.
 */
int
verify_response(const struct json_value *obj, const uint8_t *der,
    size_t derlen, const char *tee_id, const uint8_t req_hash[32],
    const char *output, size_t outlen, struct verify_proof *proof,
    const char **errstr)
{
	struct verify_key	*vk;
	int			 rv;

	if ((vk = verify_key_new(der, derlen)) == NULL) {
		*errstr = "out of memory";
		return (-1);
	}
	rv = verify_response_key(obj, vk, tee_id, req_hash, output, outlen,
	    proof, errstr);
	verify_key_free(vk);
	return (rv);
}

/*
 * The signature (base64, len bytes; badsig: the error when it is not
 * base64) over msg = keccak256(req_hash || out_hash || ts), under vk.
 */
static int
verify_signed(const struct verify_key *vk, const uint8_t req_hash[32],
    const uint8_t out_hash[32], const uint8_t ts[32], const char *b64,
    size_t len, const char *badsig, uint8_t msg[32], const char **errstr)
{
	uint8_t	 m[96], *sig = NULL;
	size_t	 siglen;
	int	 rv;

	if (base64_decode_new(b64, len, &sig, &siglen) == -1) {
		*errstr = badsig;
		return (-1);
	}
	memcpy(m, req_hash, 32);
	memcpy(m + 32, out_hash, 32);
	memcpy(m + 64, ts, 32);
	keccak256(m, sizeof(m), msg);
	rv = verify_key_pss(vk, sig, siglen, msg, errstr);
	free(sig);
	return (rv);
}

/* verify_response() with the signing key parsed once by verify_key_new(). */
int
verify_response_key(const struct json_value *obj,
    const struct verify_key *vk, const char *tee_id,
    const uint8_t req_hash[32], const char *output, size_t outlen,
    struct verify_proof *proof, const char **errstr)
{
	const struct json_value	*v;
	const char		*key_id = vk->vk_id;
	uint8_t			 kid[32], rid[32], signed_req[32];
	uint8_t			 out_hash[32], signed_out[32], ts[32];
	uint8_t			 msg[32];

	if (obj == NULL || obj->type != JSON_OBJECT) {
		*errstr = "response is not a JSON object — cannot verify";
		return (-1);
	}

	/* 1. The signing key, the selected TEE and the response agree. */
	if (tee_id == NULL || !verify_tee_id_equal(key_id, tee_id)) {
		*errstr = "tee_id mismatch: the registry signing key is not "
		    "the selected TEE's";
		return (-1);
	}
	if ((v = json_get(obj, "tee_id")) == NULL || v->type != JSON_STRING) {
		*errstr = "response is missing 'tee_id' — cannot verify";
		return (-1);
	}
	verify_tee_id_bytes(key_id, strlen(key_id), kid);
	if (verify_tee_id_bytes(v->s, v->len, rid) == -1 ||
	    memcmp(kid, rid, sizeof(kid)) != 0) {
		*errstr = "tee_id mismatch: the response names another TEE "
		    "than the registry signing key";
		return (-1);
	}

	/* 2. The request the enclave signed is the one og-veil sent. */
	if (verify_hash_field(obj, "tee_request_hash", signed_req) == -1) {
		*errstr = "response is missing a 32-byte hex "
		    "'tee_request_hash' — cannot verify";
		return (-1);
	}
	if (!bytes_equal_ct(signed_req, req_hash, 32)) {
		*errstr = "request hash mismatch: the gateway signed a "
		    "different request than we sent";
		return (-1);
	}

	/* 3. The output og-veil delivers is the one the enclave signed. */
	if (verify_hash_field(obj, "tee_output_hash", signed_out) == -1) {
		*errstr = "response is missing a 32-byte hex "
		    "'tee_output_hash' — cannot verify";
		return (-1);
	}
	keccak256(output, outlen, out_hash);
	if (!bytes_equal_ct(signed_out, out_hash, 32)) {
		*errstr = "output hash mismatch: the response content does "
		    "not match the signed output";
		return (-1);
	}

	/* 4. The signature over keccak256(req || out || ts). */
	if (verify_timestamp(obj, ts, errstr) == -1)
		return (-1);
	if ((v = json_get(obj, "tee_signature")) == NULL ||
	    v->type != JSON_STRING) {
		*errstr = "response is missing 'tee_signature' — cannot "
		    "verify";
		return (-1);
	}
	if (verify_signed(vk, req_hash, out_hash, ts, v->s, v->len,
	    "RSA-PSS signature verification failed", msg, errstr) == -1)
		return (-1);

	if (proof != NULL) {
		memcpy(proof->tee_id, vk->vk_id, sizeof(proof->tee_id));
		hex_encode(req_hash, 32, proof->request_hash);
		hex_encode(out_hash, 32, proof->output_hash);
		abi_u256_to_dec(ts, proof->timestamp, sizeof(proof->timestamp));
		memcpy(proof->msg_hash, msg, sizeof(msg));
	}
	return (0);
}

/*
 * Step 4 alone, for a proof kept after the fact (a receipt): the signature
 * (base64) over keccak256(req_hash || out_hash || uint256(timestamp)),
 * timestamp in decimal.  0, or -1 with *errstr.
 */
int
verify_signature(const struct verify_key *vk, const uint8_t req_hash[32],
    const uint8_t out_hash[32], const char *timestamp, const char *sig_b64,
    const char **errstr)
{
	struct json_value	 tsv;
	uint8_t			 ts[32], msg[32];

	memset(&tsv, 0, sizeof(tsv));
	tsv.type = JSON_STRING;
	tsv.s = (char *)(uintptr_t)timestamp;
	tsv.len = timestamp != NULL ? strlen(timestamp) : 0;
	if (verify_timestamp_value(timestamp != NULL ? &tsv : NULL, ts,
	    errstr) == -1)
		return (-1);
	if (sig_b64 == NULL) {
		*errstr = "the signature is not base64";
		return (-1);
	}
	return (verify_signed(vk, req_hash, out_hash, ts, sig_b64,
	    strlen(sig_b64), "the signature is not base64", msg, errstr));
}

/* The tee_id of a parsed key ("0x" + lower hex). */
const char *
verify_key_id(const struct verify_key *vk)
{
	return (vk->vk_id);
}

/*
 * registry.c: from decoded TEE registry entries to the one og-veil uses,
 * PROTOCOL.md §3 and §10: the reference client's skip rule (empty endpoint
 * or TLS certificate), the usable rule (a 32-byte OHTTP key and a signing
 * key), the OHTTP key config, pcr_hash text, selection by PCR pin, TEE pin
 * or at random, and the key-rotation test of the refresh timer.
 */
#include "compat.h"

#include <openssl/rand.h>

#include <stdio.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "keccak.h"
#include "ohttp.h"
#include "registry.h"

/* 1 when the reference client skips it (empty endpoint or TLS cert). */
int
registry_skipped(const struct abi_tee *t)
{
	return (t->endpoint_len == 0 || t->tls_certificate_len == 0);
}

/* 1 when not skipped, the OHTTP key is 32 bytes and a signing key exists. */
int
registry_usable(const struct abi_tee *t)
{
	return (!registry_skipped(t) &&
	    t->ohttp.public_key_len == HPKE_X25519_LEN &&
	    t->public_key_len != 0);
}

/* "0x" + hex(pcrHash). */
void
registry_pcr_hex(const struct abi_tee *t, char out[67])
{
	out[0] = '0';
	out[1] = 'x';
	hex_encode(t->pcr_hash, sizeof(t->pcr_hash), out + 2);
}

/* The entry's OHTTP key config; -1 when its key is not 32 bytes. */
int
registry_key_config(const struct abi_tee *t, struct ohttp_key_config *kc)
{
	if (t->ohttp.public_key_len != HPKE_X25519_LEN)
		return (-1);
	kc->key_id = t->ohttp.key_id;
	kc->kem_id = t->ohttp.kem_id;
	kc->kdf_id = t->ohttp.kdf_id;
	kc->aead_id = t->ohttp.aead_id;
	memcpy(kc->pk, t->ohttp.public_key, HPKE_X25519_LEN);
	return (0);
}

/*
 * A pinned 32-byte hash (PCR or TEE id) as bytes: 64 hex digits, either
 * case, "0x" optional.
 */
static int
registry_pin(const char *pin, uint8_t out[32])
{
	return (hex_decode_exact(pin, strlen(pin), out, 32));
}

/* 1 when the entry's signing key hashes to the pinned tee_id. */
static int
registry_is_tee(const struct abi_tee *t, const uint8_t id[32])
{
	uint8_t	h[KECCAK256_LEN];

	keccak256(t->public_key, t->public_key_len, h);
	return (memcmp(h, id, sizeof(h)) == 0);
}

/* 1 when the entry passes every filter of registry_select(). */
static int
registry_eligible(const struct abi_tee *t, const uint8_t *pcr,
    const uint8_t *id)
{
	return (registry_usable(t) &&
	    (pcr == NULL || memcmp(t->pcr_hash, pcr, 32) == 0) &&
	    (id == NULL || registry_is_tee(t, id)));
}

/* A uniform index below n from the OpenSSL RNG; -1 when it fails. */
static int
registry_random(size_t n, size_t *idx)
{
	uint64_t	r, limit;

	/* Reject the top partial range so every index is equally likely. */
	limit = UINT64_MAX - UINT64_MAX % n;
	do {
		if (RAND_bytes((unsigned char *)&r, sizeof(r)) != 1)
			return (-1);
	} while (r >= limit);
	*idx = (size_t)(r % n);
	return (0);
}

/*
 * Choose among n entries: usable ones, then those matching the PCR pin,
 * then the TEE pin, else one at random.  On failure errbuf says what to fix.
 */
int
registry_select(const struct abi_tee *t, size_t n, const char *pcr_pin,
    const char *tee_pin, size_t *idx, char *errbuf, size_t errlen)
{
	uint8_t		 pcrb[32], idb[32];
	const uint8_t	*pcr = NULL, *id = NULL;
	char		 pcrhex[65] = "", idhex[65] = "";
	size_t		 i, usable = 0, pcr_ok = 0, left = 0, pick, k;
	int		 listed = 0, listed_usable = 0;

	if (pcr_pin != NULL && *pcr_pin != '\0') {
		if (registry_pin(pcr_pin, pcrb) == -1) {
			snprintf(errbuf, errlen, "pinned PCR hash \"%.80s\" is "
			    "not 32 bytes of hex", pcr_pin);
			return (-1);
		}
		pcr = pcrb;
		hex_encode(pcr, 32, pcrhex);
	}
	if (tee_pin != NULL && *tee_pin != '\0') {
		if (registry_pin(tee_pin, idb) == -1) {
			snprintf(errbuf, errlen, "pinned TEE id \"%.80s\" is "
			    "not 32 bytes of hex", tee_pin);
			return (-1);
		}
		id = idb;
		hex_encode(id, 32, idhex);
	}

	for (i = 0; i < n; i++) {
		if (id != NULL && registry_is_tee(&t[i], id)) {
			listed = 1;
			if (registry_usable(&t[i]))
				listed_usable = 1;
		}
		if (!registry_usable(&t[i]))
			continue;
		usable++;
		if (pcr != NULL && memcmp(t[i].pcr_hash, pcr, 32) != 0)
			continue;
		pcr_ok++;
		if (id != NULL && !registry_is_tee(&t[i], id))
			continue;
		left++;
	}

	if (usable == 0) {
		snprintf(errbuf, errlen, "the registry lists no usable TEE "
		    "(%zu active)", n);
		return (-1);
	}
	if (pcr_ok == 0) {
		snprintf(errbuf, errlen, "no registry TEE matches pinned PCR "
		    "0x%s (%zu usable)", pcrhex, usable);
		return (-1);
	}
	if (left == 0) {
		if (!listed)
			snprintf(errbuf, errlen, "pinned TEE 0x%s is not in "
			    "the registry's active set", idhex);
		else if (!listed_usable)
			snprintf(errbuf, errlen, "pinned TEE 0x%s is listed "
			    "but not usable (it lacks an endpoint, TLS "
			    "certificate, 32-byte OHTTP key or signing key)",
			    idhex);
		else
			snprintf(errbuf, errlen, "pinned TEE 0x%s does not "
			    "match pinned PCR 0x%s", idhex, pcrhex);
		return (-1);
	}

	if (left == 1)
		pick = 0;
	else if (registry_random(left, &pick) == -1) {
		snprintf(errbuf, errlen, "random TEE choice failed: the "
		    "OpenSSL RNG is not available");
		return (-1);
	}
	for (i = 0, k = 0; i < n; i++) {
		if (!registry_eligible(&t[i], pcr, id))
			continue;
		if (k++ == pick) {
			*idx = i;
			return (0);
		}
	}
	/* Not reached: pick < left survivors exist. */
	snprintf(errbuf, errlen, "TEE selection failed");
	return (-1);
}

static int
registry_bytes_differ(const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen)
{
	return (alen != blen || (alen != 0 && memcmp(a, b, alen) != 0));
}

/*
 * 1 when b differs from a in what a cached selection depends on: the OHTTP
 * key, its key id and suite, or the signing key.
 */
int
registry_rotated(const struct abi_tee *a, const struct abi_tee *b)
{
	return (a->ohttp.key_id != b->ohttp.key_id ||
	    a->ohttp.kem_id != b->ohttp.kem_id ||
	    a->ohttp.kdf_id != b->ohttp.kdf_id ||
	    a->ohttp.aead_id != b->ohttp.aead_id ||
	    registry_bytes_differ(a->ohttp.public_key, a->ohttp.public_key_len,
	    b->ohttp.public_key, b->ohttp.public_key_len) ||
	    registry_bytes_differ(a->public_key, a->public_key_len,
	    b->public_key, b->public_key_len));
}

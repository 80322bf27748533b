/*
 * vec-hpke.c: hpke.json (RFC 9180 base mode, PROTOCOL.md §4).  Per vector:
 * one key-schedule case (both key pairs derived from ikmE/ikmR, enc,
 * shared_secret, key_schedule_context, secret, key, base_nonce and
 * exporter_secret, for the sender and for the recipient), one case per
 * encryption (sealed by the sender at its sequence number, opened by the
 * recipient) and one per export (by both roles).  A vector whose mode or
 * suite hpke.c does not implement is skipped and said so; one that uses
 * DHKEM(X25519), HKDF-SHA256 and one of the three AEADs never is.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "json.h"
#include "vec.h"

/* The two contexts of one vector. */
struct vec_hpke {
	struct hpke_ctx	 s;
	struct hpke_ctx	 r;
	int		 ok;	/* both roles set up */
};

/* The key-schedule case: derive, set up both roles, compare everything. */
static const char *
vec_hpke_setup(const struct json_value *v, uint16_t kem, uint16_t kdf,
    uint16_t aead, struct vec_hpke *h)
{
	static char	 why[160];
	uint8_t		*ikme = NULL, *ikmr = NULL, *info = NULL;
	uint8_t		 ske[32], pke[32], skr[32], pkr[32], enc[32];
	size_t		 ikmelen, ikmrlen, infolen;
	const char	*errstr, *bad = NULL;

	if (vec_hex(v, "ikmE", &ikme, &ikmelen) == -1 ||
	    vec_hex(v, "ikmR", &ikmr, &ikmrlen) == -1 ||
	    vec_hex(v, "info", &info, &infolen) == -1) {
		bad = "ikmE, ikmR or info missing";
		goto out;
	}
	if (hpke_derive_keypair(ikme, ikmelen, ske, pke, &errstr) == -1 ||
	    hpke_derive_keypair(ikmr, ikmrlen, skr, pkr, &errstr) == -1) {
		snprintf(why, sizeof(why), "DeriveKeyPair: %s", errstr);
		bad = why;
		goto out;
	}
	if (!vec_hex_eq(v, "skEm", ske, 32) ||
	    !vec_hex_eq(v, "pkEm", pke, 32)) {
		bad = "skEm/pkEm differ";
		goto out;
	}
	if (!vec_hex_eq(v, "skRm", skr, 32) ||
	    !vec_hex_eq(v, "pkRm", pkr, 32)) {
		bad = "skRm/pkRm differ";
		goto out;
	}
	if (hpke_setup_base_s_det(&h->s, kem, kdf, aead, pkr, 32, info,
	    infolen, ikme, ikmelen, enc, &errstr) == -1) {
		snprintf(why, sizeof(why), "SetupBaseS: %s", errstr);
		bad = why;
		goto out;
	}
	if (!vec_hex_eq(v, "enc", enc, 32)) {
		bad = "enc differs";
		goto out;
	}
	if (hpke_setup_base_r(&h->r, kem, kdf, aead, enc, 32, skr, 32, info,
	    infolen, &errstr) == -1) {
		snprintf(why, sizeof(why), "SetupBaseR: %s", errstr);
		bad = why;
		goto out;
	}
	h->ok = 1;
#define VEC_HPKE_FIELD(name, f, len)					\
	if (!vec_hex_eq(v, name, h->s.f, len)) {			\
		bad = name " differs (sender)";				\
		goto out;						\
	}								\
	if (!vec_hex_eq(v, name, h->r.f, len)) {			\
		bad = name " differs (recipient)";			\
		goto out;						\
	}
	VEC_HPKE_FIELD("shared_secret", shared_secret, HPKE_SECRET_LEN);
	VEC_HPKE_FIELD("key_schedule_context", ksc, sizeof(h->s.ksc));
	VEC_HPKE_FIELD("secret", secret, HPKE_SECRET_LEN);
	VEC_HPKE_FIELD("key", key, h->s.nk);
	VEC_HPKE_FIELD("base_nonce", base_nonce, HPKE_NONCE_LEN);
	VEC_HPKE_FIELD("exporter_secret", exporter_secret, HPKE_SECRET_LEN);
#undef VEC_HPKE_FIELD
out:
	free(ikme);
	free(ikmr);
	free(info);
	return (bad);
}

/* One encryption: seal at its sequence number, then open it. */
static const char *
vec_hpke_encryption(const struct json_value *e, struct vec_hpke *h)
{
	static char	 why[160];
	struct buf	 out;
	uint8_t		*pt = NULL, *aad = NULL, *ct = NULL;
	uint8_t		 nonce[HPKE_NONCE_LEN];
	size_t		 ptlen, aadlen, ctlen;
	int64_t		 seq;
	const char	*errstr, *bad = NULL;

	buf_init(&out);
	if (json_to_int64(json_get(e, "sequence_number"), &seq) == -1 ||
	    seq < 0 || vec_hex(e, "pt", &pt, &ptlen) == -1 ||
	    vec_hex(e, "aad", &aad, &aadlen) == -1 ||
	    vec_hex(e, "ct", &ct, &ctlen) == -1) {
		bad = "sequence_number, pt, aad or ct missing";
		goto out;
	}
	if (!h->ok) {
		bad = "no context (setup failed)";
		goto out;
	}
	if (json_get(e, "nonce") != NULL) {
		hpke_nonce_xor(h->s.base_nonce, (uint64_t)seq, nonce);
		if (!vec_hex_eq(e, "nonce", nonce, sizeof(nonce))) {
			bad = "nonce differs";
			goto out;
		}
	}
	if (hpke_aead_seq(&h->s, HPKE_SEAL, (uint64_t)seq, aad, aadlen, pt,
	    ptlen, &out, &errstr) == -1) {
		snprintf(why, sizeof(why), "seal: %s", errstr);
		bad = why;
		goto out;
	}
	if (out.len != ctlen || memcmp(out.data, ct, ctlen) != 0) {
		bad = "sealed ciphertext differs";
		goto out;
	}
	out.len = 0;
	if (hpke_aead_seq(&h->r, HPKE_OPEN, (uint64_t)seq, aad, aadlen, ct,
	    ctlen, &out, &errstr) == -1) {
		snprintf(why, sizeof(why), "open: %s", errstr);
		bad = why;
		goto out;
	}
	if (out.len != ptlen || (ptlen != 0 &&
	    memcmp(out.data, pt, ptlen) != 0))
		bad = "opened plaintext differs";
out:
	buf_clear(&out, 1);
	free(pt);
	free(aad);
	free(ct);
	return (bad);
}

/* One export, by both roles. */
static const char *
vec_hpke_export(const struct json_value *x, struct vec_hpke *h)
{
	static char	 why[160];
	uint8_t		*exctx = NULL, *got = NULL;
	size_t		 exlen;
	int64_t		 l;
	const char	*errstr, *bad = NULL;
	int		 role;

	if (vec_hex(x, "exporter_context", &exctx, &exlen) == -1 ||
	    json_to_int64(json_get(x, "L"), &l) == -1 || l < 0 ||
	    l > 255 * HPKE_SECRET_LEN) {
		bad = "exporter_context or L missing or out of range";
		goto out;
	}
	if (!h->ok) {
		bad = "no context (setup failed)";
		goto out;
	}
	got = malloc((size_t)l + 1);
	for (role = 0; got != NULL && role < 2; role++) {
		if (hpke_export(role == 0 ? &h->s : &h->r, exctx, exlen, got,
		    (size_t)l, &errstr) == -1) {
			snprintf(why, sizeof(why), "export: %s", errstr);
			bad = why;
			goto out;
		}
		if (!vec_hex_eq(x, "exported_value", got, (size_t)l)) {
			bad = role == 0 ? "exported value differs (sender)" :
			    "exported value differs (recipient)";
			goto out;
		}
	}
	if (got == NULL)
		bad = "out of memory";
out:
	free(exctx);
	free(got);
	return (bad);
}

/* Check every case of hpke.json. */
void
vec_hpke(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*vs, *v, *e;
	struct vec_hpke		 h;
	int64_t			 mode, kem, kdf, aead;
	const char		*name, *bad, *errstr;
	char			 label[600];
	size_t			 i, k;
	unsigned int		 skipped = 0;

	vs = json_get(root, "vectors");
	for (i = 0; (v = json_index(vs, i)) != NULL; i++) {
		name = vec_name(v, i);
		snprintf(label, sizeof(label), "%s", name);
		if (json_to_int64(json_get(v, "mode"), &mode) == -1)
			mode = 0;
		if (json_to_int64(json_get(v, "kem_id"), &kem) == -1 ||
		    json_to_int64(json_get(v, "kdf_id"), &kdf) == -1 ||
		    json_to_int64(json_get(v, "aead_id"), &aead) == -1 ||
		    kem < 0 || kem > 0xffff || kdf < 0 || kdf > 0xffff ||
		    aead < 0 || aead > 0xffff) {
			vec_fail(r, label, "kem_id, kdf_id or aead_id missing");
			continue;
		}
		if (mode != 0 || hpke_suite_check((uint16_t)kem, (uint16_t)kdf,
		    (uint16_t)aead, &errstr) == -1) {
			/* Ours: DHKEM(X25519), HKDF-SHA256, the 3 AEADs. */
			if (mode == 0 && kem == HPKE_KEM_X25519_SHA256 &&
			    kdf == HPKE_KDF_HKDF_SHA256 &&
			    hpke_aead_nk((uint16_t)aead) != 0)
				vec_fail(r, label, "suite refused: %s", errstr);
			else
				skipped++;
			continue;
		}
		memset(&h, 0, sizeof(h));
		if ((bad = vec_hpke_setup(v, (uint16_t)kem, (uint16_t)kdf,
		    (uint16_t)aead, &h)) != NULL)
			vec_fail(r, label, "key schedule: %s", bad);
		else
			vec_pass(r);
		for (k = 0; (e = json_index(json_get(v, "encryptions"), k)) !=
		    NULL; k++) {
			if ((bad = vec_hpke_encryption(e, &h)) != NULL)
				vec_fail(r, label, "encryption #%zu: %s", k,
				    bad);
			else
				vec_pass(r);
		}
		for (k = 0; (e = json_index(json_get(v, "exports"), k)) !=
		    NULL; k++) {
			if ((bad = vec_hpke_export(e, &h)) != NULL)
				vec_fail(r, label, "export #%zu: %s", k, bad);
			else
				vec_pass(r);
		}
		hpke_ctx_clear(&h.s);
		hpke_ctx_clear(&h.r);
	}
	if (skipped != 0)
		printf("  hpke.json: %u vectors skipped (mode or suite not "
		    "implemented)\n", skipped);
}

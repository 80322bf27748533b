/*
 * vec-registry-abi.c: registry_abi.json (PROTOCOL.md §3).  Every call's
 * data byte-exact; every vector's eth_call result decoded and compared field
 * by field (addresses in their EIP-55 spelling, tee_id, pcr_hash and the
 * skip and usable verdicts included) and re-encoded byte-exact; every
 * malformed result rejected.
 */
#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "json.h"
#include "keccak.h"
#include "registry.h"
#include "vec.h"
#include "verify.h"
#include "xmalloc.h"

/* The EIP-55 mixed-case spelling of an address, "0x" included. */
static void
vec_abi_checksum(const uint8_t a[20], char out[43])
{
	uint8_t	h[KECCAK256_LEN];
	char	lower[41];
	int	i, nib;

	hex_encode(a, 20, lower);
	keccak256(lower, 40, h);
	out[0] = '0';
	out[1] = 'x';
	for (i = 0; i < 40; i++) {
		nib = (h[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xf;
		out[2 + i] = nib >= 8 ? (char)toupper((unsigned char)lower[i]) :
		    lower[i];
	}
	out[42] = '\0';
}

/* 1 when member key of v is an integer equal to x. */
static int
vec_abi_int_eq(const struct json_value *v, const char *key, int64_t x)
{
	int64_t	got;

	return (json_to_int64(json_get(v, key), &got) == 0 && got == x);
}

/* 1 when member key of v is the decimal text of the uint256 w. */
static int
vec_abi_dec_eq(const struct json_value *v, const char *key,
    const uint8_t w[32])
{
	char	dec[80];

	abi_u256_to_dec(w, dec, sizeof(dec));
	return (vec_str_eq(json_get(v, key), dec, strlen(dec)));
}

/* 1 when member key of v is a bool equal to x. */
static int
vec_abi_bool_eq(const struct json_value *v, const char *key, int x)
{
	const struct json_value	*b = json_get(v, key);

	return (b != NULL && ((b->type == JSON_TRUE && x) ||
	    (b->type == JSON_FALSE && !x)));
}

/* The first field of decoded entry t that differs from want, or NULL. */
static const char *
vec_abi_tee_diff(const struct abi_tee *t, const struct json_value *want)
{
	const struct json_value	*o, *s;
	char			 addr[43], pcr[67], id[VERIFY_TEE_ID_LEN + 1];

	vec_abi_checksum(t->owner, addr);
	if (!vec_str_eq(json_get(want, "owner"), addr, 42))
		return ("owner");
	vec_abi_checksum(t->payment_address, addr);
	if (!vec_str_eq(json_get(want, "paymentAddress"), addr, 42))
		return ("paymentAddress");
	if (!vec_str_eq(json_get(want, "endpoint"), t->endpoint,
	    t->endpoint_len))
		return ("endpoint");
	if (!vec_hex_eq(want, "publicKey", t->public_key,
	    t->public_key_len))
		return ("publicKey");
	if (!vec_hex_eq(want, "tlsCertificate", t->tls_certificate,
	    t->tls_certificate_len))
		return ("tlsCertificate");
	if (!vec_hex_eq(want, "pcrHash", t->pcr_hash, 32))
		return ("pcrHash");
	if (!vec_abi_int_eq(want, "teeType", t->tee_type))
		return ("teeType");
	if (!vec_abi_bool_eq(want, "enabled", t->enabled))
		return ("enabled");
	if (!vec_abi_dec_eq(want, "registeredAt", t->registered_at))
		return ("registeredAt");
	if (!vec_abi_dec_eq(want, "lastHeartbeatAt", t->last_heartbeat_at))
		return ("lastHeartbeatAt");
	if ((o = json_get(want, "ohttpConfig")) == NULL)
		return ("ohttpConfig");
	if (!vec_abi_int_eq(o, "keyId", t->ohttp.key_id))
		return ("ohttpConfig.keyId");
	if (!vec_abi_int_eq(o, "kemId", t->ohttp.kem_id))
		return ("ohttpConfig.kemId");
	if (!vec_abi_int_eq(o, "kdfId", t->ohttp.kdf_id))
		return ("ohttpConfig.kdfId");
	if (!vec_abi_int_eq(o, "aeadId", t->ohttp.aead_id))
		return ("ohttpConfig.aeadId");
	if (!vec_hex_eq(o, "publicKey", t->ohttp.public_key,
	    t->ohttp.public_key_len))
		return ("ohttpConfig.publicKey");
	if (!vec_hex_eq(o, "keyConfig", t->ohttp.key_config,
	    t->ohttp.key_config_len))
		return ("ohttpConfig.keyConfig");
	if (!vec_abi_dec_eq(o, "registeredAt", t->ohttp.registered_at))
		return ("ohttpConfig.registeredAt");

	verify_tee_id(t->public_key, t->public_key_len, id);
	if (!vec_str_eq(json_get(want, "tee_id"), id, strlen(id)))
		return ("tee_id");
	if ((s = json_get(want, "teeId")) != NULL &&
	    !vec_str_eq(s, id, strlen(id)))
		return ("teeId");
	registry_pcr_hex(t, pcr);
	if (!vec_str_eq(json_get(want, "pcr_hash"), pcr, strlen(pcr)))
		return ("pcr_hash");
	if (!vec_abi_bool_eq(want, "skipped_by_reference",
	    registry_skipped(t)))
		return ("skipped_by_reference");
	if (!vec_abi_bool_eq(want, "usable_for_ohttp", registry_usable(t)))
		return ("usable_for_ohttp");
	return (NULL);
}

/* One calls[] entry: its call data byte-exact. */
static void
vec_abi_call(const struct json_value *c, size_t i, struct vec_report *r)
{
	const char		*fn = json_get_str(c, "function");
	const struct json_value	*arg = json_index(json_get(c, "args"), 0);
	uint8_t			 cd[ABI_CALLDATA_LEN], id[32];
	int64_t			 type;

	if (fn == NULL || arg == NULL) {
		vec_fail(r, vec_name(c, i), "no function or args");
		return;
	}
	if (strcmp(fn, "getActiveTEEs(uint8)") == 0) {
		if (json_to_int64(arg, &type) == -1 || type < 0 || type > 255) {
			vec_fail(r, vec_name(c, i), "bad uint8 argument");
			return;
		}
		abi_calldata_get_active_tees((uint8_t)type, cd);
	} else if (strcmp(fn, "getTEE(bytes32)") == 0) {
		if (arg->type != JSON_STRING ||
		    hex_decode_exact(arg->s, arg->len, id, 32) == -1) {
			vec_fail(r, vec_name(c, i), "bad bytes32 argument");
			return;
		}
		abi_calldata_get_tee(id, cd);
	} else {
		vec_fail(r, vec_name(c, i), "unknown function %s", fn);
		return;
	}
	if (!vec_hex_eq(c, "calldata", cd, sizeof(cd)))
		vec_fail(r, fn, "call data differs");
	else
		vec_pass(r);
}

/* One vectors[] entry: decode, compare every field, re-encode. */
static void
vec_abi_vector(const struct json_value *v, size_t i, struct vec_report *r)
{
	const struct json_value	*want = json_get(v, "tees");
	struct abi_tee		*t = NULL;
	struct buf		 b;
	const char		*errstr, *diff;
	uint8_t			*data;
	size_t			 len, n = 0, k;

	buf_init(&b);
	if (vec_hex(v, "return_data", &data, &len) == -1) {
		vec_fail(r, vec_name(v, i), "no return_data");
		return;
	}
	if (want == NULL || want->type != JSON_ARRAY) {
		vec_fail(r, vec_name(v, i), "no tees");
		goto out;
	}
	if (abi_decode_tees(data, len, &t, &n, &errstr) == -1) {
		vec_fail(r, vec_name(v, i), "decode failed: %s", errstr);
		goto out;
	}
	if (n != want->n) {
		vec_fail(r, vec_name(v, i), "%zu entries, expected %zu", n,
		    want->n);
		goto out;
	}
	for (k = 0; k < n; k++) {
		if ((diff = vec_abi_tee_diff(&t[k], want->items[k])) != NULL) {
			vec_fail(r, vec_name(v, i), "entry %zu: %s differs", k,
			    diff);
			goto out;
		}
	}
	abi_encode_tees(t, n, &b);
	if (b.len != len || memcmp(b.data, data, len) != 0) {
		vec_fail(r, vec_name(v, i), "re-encoding differs");
		goto out;
	}
	vec_pass(r);
out:
	abi_tees_free(t, n);
	buf_clear(&b, 0);
	free(data);
}

/* One malformed[] entry: it must be rejected. */
static void
vec_abi_malformed(const struct json_value *v, size_t i, struct vec_report *r)
{
	struct abi_tee	*t;
	const char	*errstr;
	uint8_t		*data;
	size_t		 len, n;

	if (vec_hex(v, "return_data", &data, &len) == -1) {
		vec_fail(r, vec_name(v, i), "no return_data");
		return;
	}
	if (abi_decode_tees(data, len, &t, &n, &errstr) == 0) {
		abi_tees_free(t, n);
		vec_fail(r, vec_name(v, i), "malformed data accepted");
	} else
		vec_pass(r);
	free(data);
}

/* Check every case of registry_abi.json. */
void
vec_registry_abi(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*a;
	size_t			 i;

	if ((a = json_get(root, "calls")) != NULL && a->type == JSON_ARRAY)
		for (i = 0; i < a->n; i++)
			vec_abi_call(a->items[i], i, r);
	if ((a = json_get(root, "vectors")) != NULL && a->type == JSON_ARRAY)
		for (i = 0; i < a->n; i++)
			vec_abi_vector(a->items[i], i, r);
	if ((a = json_get(root, "malformed")) != NULL && a->type == JSON_ARRAY)
		for (i = 0; i < a->n; i++)
			vec_abi_malformed(a->items[i], i, r);
}

/*
 * test-verify.c: PROTOCOL.md §9 with a key made here.  The test signs
 * keccak256(req || out || ts) with RSA-PSS (SHA-256, MGF1-SHA-256, salt 32)
 * through EVP_PKEY_sign(), checks that verify_response() accepts it in every
 * spelling the gateway may use, and that tampering with any one field, a
 * missing field, another salt length, PKCS#1 v1.5 or another key fails.
 */
#include "compat.h"

#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "keccak.h"
#include "test.h"
#include "verify.h"
#include "xmalloc.h"

#define TEST_OUTPUT	"Hello from the enclave"
#define TEST_TS		"1767225600"

static EVP_PKEY	*test_key, *test_key2;

struct test_signed {
	uint8_t		*der;		/* the signing key's SPKI */
	int		 derlen;
	char		 tee_id[VERIFY_TEE_ID_LEN + 1];
	uint8_t		 req[32];	/* request hash og-veil computed */
	struct json_value *resp;	/* the gateway's signed object */
};

static void
test_keys_free(void)
{
	EVP_PKEY_free(test_key);
	EVP_PKEY_free(test_key2);
}

static EVP_PKEY *
test_rsa(void)
{
	if (test_key == NULL) {
		test_key = EVP_RSA_gen(2048);
		test_key2 = EVP_RSA_gen(1024);	/* quicker under valgrind */
		if (test_key == NULL || test_key2 == NULL)
			abort();
		atexit(test_keys_free);
	}
	return (test_key);
}

/* ts (decimal) as a big-endian uint256. */
static void
test_ts_word(const char *dec, uint8_t w[32])
{
	unsigned int	c;
	int		j;

	memset(w, 0, 32);
	for (; *dec != '\0'; dec++) {
		c = (unsigned int)(*dec - '0');
		for (j = 31; j >= 0; j--) {
			c += (unsigned int)w[j] * 10;
			w[j] = (uint8_t)c;
			c >>= 8;
		}
	}
}

/* base64 of an RSA signature over SHA-256(msg) with the given padding. */
static char *
test_sign(EVP_PKEY *key, const uint8_t msg[32], int pad, int saltlen,
    int hash_twice)
{
	EVP_PKEY_CTX	*ctx;
	uint8_t		 d[32], sig[1024];
	unsigned int	 dlen;
	size_t		 siglen = sizeof(sig);

	if (EVP_Digest(msg, 32, d, &dlen, EVP_sha256(), NULL) != 1)
		abort();
	/* "Signed SHA-256(msg) as the message": PSS hashes it once more. */
	if (hash_twice && EVP_Digest(d, 32, d, &dlen, EVP_sha256(), NULL) != 1)
		abort();
	if ((ctx = EVP_PKEY_CTX_new(key, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, pad) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1)
		abort();
	if (pad == RSA_PKCS1_PSS_PADDING &&
	    (EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, saltlen) != 1))
		abort();
	if (EVP_PKEY_sign(ctx, sig, &siglen, d, 32) != 1)
		abort();
	EVP_PKEY_CTX_free(ctx);
	return (base64_encode_new(sig, siglen));
}

/*
 * A response as the gateway sends it: signed by key (the registry's unless
 * another is given) over output and the timestamp text ts.
 */
static void
test_make_opts(struct test_signed *s, EVP_PKEY *key, const char *output,
    const char *ts, int pad, int saltlen, int hash_twice)
{
	uint8_t		 m[96], msg[32], outh[32], *p;
	char		 hex[65], *sig;

	memset(s, 0, sizeof(*s));
	test_rsa();
	s->derlen = i2d_PUBKEY(test_key, NULL);
	s->der = xmalloc((size_t)s->derlen);
	p = s->der;
	i2d_PUBKEY(test_key, &p);
	verify_tee_id(s->der, (size_t)s->derlen, s->tee_id);
	keccak256("{\"model\": \"m\"}", 14, s->req);
	keccak256(output, strlen(output), outh);
	memcpy(m, s->req, 32);
	memcpy(m + 32, outh, 32);
	test_ts_word(ts, m + 64);
	keccak256(m, sizeof(m), msg);
	sig = test_sign(key == NULL ? test_key : key, msg, pad, saltlen,
	    hash_twice);

	s->resp = json_new_object();
	json_object_set(s->resp, "tee_signature", json_new_string(sig));
	hex_encode(s->req, 32, hex);
	json_object_set(s->resp, "tee_request_hash", json_new_string(hex));
	hex_encode(outh, 32, hex);
	json_object_set(s->resp, "tee_output_hash", json_new_string(hex));
	json_object_set(s->resp, "tee_timestamp",
	    json_new_number(JSON_INT, ts));
	json_object_set(s->resp, "tee_id", json_new_string(s->tee_id));
	free(sig);
}

static void
test_make(struct test_signed *s)
{
	test_make_opts(s, NULL, TEST_OUTPUT, TEST_TS, RSA_PKCS1_PSS_PADDING,
	    32, 0);
}

static void
test_signed_clear(struct test_signed *s)
{
	free(s->der);
	json_free(s->resp);
	memset(s, 0, sizeof(*s));
}

/* verify_response() of s delivering output. */
static int
test_verify_out(const struct test_signed *s, const char *output,
    struct verify_proof *proof, const char **errstr)
{
	return (verify_response(s->resp, s->der, (size_t)s->derlen, s->tee_id,
	    s->req, output, strlen(output), proof, errstr));
}

static int
test_verify(const struct test_signed *s, const char **errstr)
{
	struct verify_proof	proof;

	return (test_verify_out(s, TEST_OUTPUT, &proof, errstr));
}

static int
test_starts(const char *s, const char *prefix)
{
	return (s != NULL && strncmp(s, prefix, strlen(prefix)) == 0);
}

static int
test_valid(void)
{
	struct test_signed	 s;
	struct verify_proof	 proof;
	const char		*errstr = NULL;
	char			 hex[65];
	uint8_t			 outh[32];

	test_make(&s);
	TEST_EQ_INT(test_verify_out(&s, TEST_OUTPUT, &proof, &errstr), 0);
	TEST_EQ_STR(proof.tee_id, s.tee_id);
	hex_encode(s.req, 32, hex);
	TEST_EQ_STR(proof.request_hash, hex);
	keccak256(TEST_OUTPUT, strlen(TEST_OUTPUT), outh);
	hex_encode(outh, 32, hex);
	TEST_EQ_STR(proof.output_hash, hex);
	TEST_EQ_STR(proof.timestamp, TEST_TS);
	/* A NULL proof is allowed. */
	TEST_EQ_INT(verify_response(s.resp, s.der, (size_t)s.derlen, s.tee_id,
	    s.req, TEST_OUTPUT, strlen(TEST_OUTPUT), NULL, &errstr), 0);
	test_signed_clear(&s);
	return (0);
fail:
	fprintf(stderr, "  errstr: %s\n", errstr ? errstr : "(none)");
	test_signed_clear(&s);
	return (-1);
}

/* The spellings the gateway may use: 0x, upper case, a string timestamp. */
static int
test_valid_spellings(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL;
	char			 b[128];
	const char		*h;
	size_t			 i;

	test_make(&s);
	h = json_get_str(s.resp, "tee_request_hash");
	snprintf(b, sizeof(b), "0x%s", h);
	json_object_set(s.resp, "tee_request_hash", json_new_string(b));
	h = json_get_str(s.resp, "tee_output_hash");
	snprintf(b, sizeof(b), "0X%s", h);
	for (i = 2; b[i] != '\0'; i++)
		b[i] = (char)(b[i] >= 'a' && b[i] <= 'f' ? b[i] - 32 : b[i]);
	json_object_set(s.resp, "tee_output_hash", json_new_string(b));
	json_object_set(s.resp, "tee_timestamp", json_new_string(TEST_TS));
	snprintf(b, sizeof(b), "%s", s.tee_id + 2);
	for (i = 0; b[i] != '\0'; i++)
		b[i] = (char)(b[i] >= 'a' && b[i] <= 'f' ? b[i] - 32 : b[i]);
	json_object_set(s.resp, "tee_id", json_new_string(b));
	TEST_EQ_INT(test_verify(&s, &errstr), 0);
	/* The selected tee_id with a "0X" prefix, too. */
	memcpy(s.tee_id, "0X", 2);
	TEST_EQ_INT(test_verify(&s, &errstr), 0);
	test_signed_clear(&s);
	return (0);
fail:
	fprintf(stderr, "  errstr: %s\n", errstr ? errstr : "(none)");
	test_signed_clear(&s);
	return (-1);
}

static int
test_tee_id_equal(void)
{
	const char	*a = "0xd860392618ea6a8888a5f8d785d698f9c0bc9a03"
	    "1dd0ee982ccc53462d952b43";

	TEST_EQ_INT(verify_tee_id_equal(a, a + 2), 1);
	TEST_EQ_INT(verify_tee_id_equal(a, "0xD860392618EA6A8888A5F8D785D698F9"
	    "C0BC9A031DD0EE982CCC53462D952B43"), 1);
	TEST_EQ_INT(verify_tee_id_equal(a, "0xd860392618ea6a8888a5f8d785d698f9"
	    "c0bc9a031dd0ee982ccc53462d952b44"), 0);
	TEST_EQ_INT(verify_tee_id_equal(a, "0xd860392618ea"), 0);
	TEST_EQ_INT(verify_tee_id_equal(a, ""), 0);
	TEST_EQ_INT(verify_tee_id_equal(a, NULL), 0);
	TEST_EQ_INT(verify_tee_id_equal("0xzz", "0xzz"), 0);
	return (0);
fail:
	return (-1);
}

/* A flipped bit anywhere in the signature fails. */
static int
test_tamper_signature(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL, *sig;
	uint8_t			*raw;
	size_t			 len, i;
	char			*b64;

	test_make(&s);
	sig = json_get_str(s.resp, "tee_signature");
	TEST_EQ_INT(base64_decode_new(sig, strlen(sig), &raw, &len), 0);
	for (i = 0; i < len; i += 37) {
		raw[i] ^= 0x10;
		b64 = base64_encode_new(raw, len);
		json_object_set(s.resp, "tee_signature", json_new_string(b64));
		free(b64);
		if (test_verify(&s, &errstr) != -1 || !test_starts(errstr,
		    "RSA-PSS signature verification failed")) {
			free(raw);
			goto fail;
		}
		raw[i] ^= 0x10;
	}
	free(raw);
	/* Not base64, truncated, empty: a signature failure. */
	json_object_set(s.resp, "tee_signature", json_new_string("AAAA"));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "RSA-PSS signature verification "
	    "failed"));
	json_object_set(s.resp, "tee_signature", json_new_string("!!!*"));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "RSA-PSS signature verification "
	    "failed"));
	json_object_set(s.resp, "tee_signature", json_new_string(""));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

static int
test_tamper_request_hash(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL;
	char			 hex[65];

	test_make(&s);
	/* The gateway claims another request. */
	snprintf(hex, sizeof(hex), "%s",
	    json_get_str(s.resp, "tee_request_hash"));
	hex[63] = hex[63] == '0' ? '1' : '0';
	json_object_set(s.resp, "tee_request_hash", json_new_string(hex));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "request hash mismatch: "));
	test_signed_clear(&s);
	/* og-veil sent another request than the one signed. */
	test_make(&s);
	s.req[0] ^= 1;
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "request hash mismatch: "));
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

static int
test_tamper_output(void)
{
	struct test_signed	 s;
	struct verify_proof	 proof;
	const char		*errstr = NULL;
	char			 hex[65];

	test_make(&s);
	TEST_EQ_INT(test_verify_out(&s, TEST_OUTPUT "!", &proof, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "output hash mismatch: "));
	TEST_EQ_INT(test_verify_out(&s, "", &proof, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "output hash mismatch: "));
	/* The gateway's output hash itself altered. */
	snprintf(hex, sizeof(hex), "%s",
	    json_get_str(s.resp, "tee_output_hash"));
	hex[0] = hex[0] == 'a' ? 'b' : 'a';
	json_object_set(s.resp, "tee_output_hash", json_new_string(hex));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "output hash mismatch: "));
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

static int
test_tamper_timestamp(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL;

	test_make(&s);
	json_object_set(s.resp, "tee_timestamp",
	    json_new_number(JSON_INT, "1767225601"));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "RSA-PSS signature verification "
	    "failed"));
	/* Leading zeros are the same number, as Python's int() reads them. */
	json_object_set(s.resp, "tee_timestamp",
	    json_new_string("0001767225600"));
	TEST_EQ_INT(test_verify(&s, &errstr), 0);
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

/* Timestamps that are not a uint256 fail before any signature check. */
static int
test_timestamp_types(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL;
	struct json_value	*bad[8];
	size_t			 i;

	test_make(&s);
	bad[0] = json_new_number(JSON_INT, "-1767225600");
	bad[1] = json_new_number(JSON_FLOAT, "1767225600.0");
	bad[2] = json_new_bool(1);
	bad[3] = json_new_null();
	bad[4] = json_new_string("");
	bad[5] = json_new_string("17672256OO");
	bad[6] = json_new_string(" 1767225600");
	bad[7] = json_new_array();
	for (i = 0; i < 8; i++) {
		json_object_set(s.resp, "tee_timestamp", bad[i]);
		if (test_verify(&s, &errstr) != -1 ||
		    strstr(errstr, "'tee_timestamp'") == NULL) {
			fprintf(stderr, "  bad timestamp #%zu: %s\n", i,
			    errstr);
			goto fail;
		}
	}
	json_object_del(s.resp, "tee_timestamp");
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_EQ_STR(errstr, "response is missing an integer 'tee_timestamp' "
	    "— cannot verify");
	/* 2^256 does not fit. */
	json_object_set(s.resp, "tee_timestamp", json_new_string("1157920892"
	    "37316195423570985008687907853269984665640564039457584007913129"
	    "639936"));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(strstr(errstr, "256 bits") != NULL);
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

/* 2^256 - 1 is a valid timestamp when it is what was signed. */
static int
test_timestamp_max(void)
{
	struct test_signed	 s;
	struct verify_proof	 proof;
	const char		*errstr = NULL;
	const char		*max = "11579208923731619542357098500868"
	    "7907853269984665640564039457584007913129639935";

	test_make_opts(&s, NULL, TEST_OUTPUT, max, RSA_PKCS1_PSS_PADDING, 32,
	    0);
	TEST_EQ_INT(test_verify_out(&s, TEST_OUTPUT, &proof, &errstr), 0);
	TEST_EQ_STR(proof.timestamp, max);
	json_object_set(s.resp, "tee_timestamp", json_new_string(max));
	TEST_EQ_INT(test_verify_out(&s, TEST_OUTPUT, &proof, &errstr), 0);
	test_signed_clear(&s);
	return (0);
fail:
	fprintf(stderr, "  errstr: %s\n", errstr ? errstr : "(none)");
	test_signed_clear(&s);
	return (-1);
}

static int
test_tamper_tee_id(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL;
	char			 other[VERIFY_TEE_ID_LEN + 1];

	test_make(&s);
	verify_tee_id((const uint8_t *)"x", 1, other);
	json_object_set(s.resp, "tee_id", json_new_string(other));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "tee_id mismatch: "));
	json_object_set(s.resp, "tee_id", json_new_string("0x1234"));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "tee_id mismatch: "));
	json_object_set(s.resp, "tee_id", json_new_int(5));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	json_object_set(s.resp, "tee_id", json_new_string(s.tee_id));
	TEST_EQ_INT(test_verify(&s, &errstr), 0);
	/* The selected TEE is another one than the key's. */
	memcpy(s.tee_id, other, sizeof(other));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "tee_id mismatch: "));
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

/* Each required field missing, and a body that is not an object. */
static int
test_missing_fields(void)
{
	static const char	*keys[] = { "tee_signature", "tee_request_hash",
	    "tee_output_hash", "tee_timestamp", "tee_id" };
	struct test_signed	 s;
	struct json_value	*arr;
	const char		*errstr = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		test_make(&s);
		json_object_del(s.resp, keys[i]);
		if (test_verify(&s, &errstr) != -1) {
			fprintf(stderr, "  verified without %s\n", keys[i]);
			goto fail;
		}
		test_signed_clear(&s);
	}
	/* Hashes that are not 32 bytes of hex. */
	test_make(&s);
	json_object_set(s.resp, "tee_output_hash", json_new_string("abcd"));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	json_object_set(s.resp, "tee_output_hash", json_new_int(7));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	arr = json_new_array();
	TEST_EQ_INT(verify_response(arr, s.der, (size_t)s.derlen, s.tee_id,
	    s.req, "", 0, NULL, &errstr), -1);
	json_free(arr);
	TEST_EQ_INT(verify_response(NULL, s.der, (size_t)s.derlen, s.tee_id,
	    s.req, "", 0, NULL, &errstr), -1);
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

/* PSS with salt 0, 20 or the maximum, PKCS#1 v1.5, double hashing: fail. */
static int
test_wrong_scheme(void)
{
	static const int	 salts[] = { 0, 20, 31, 33,
	    RSA_PSS_SALTLEN_MAX };
	struct test_signed	 s;
	const char		*errstr = NULL;
	size_t			 i;

	for (i = 0; i < sizeof(salts) / sizeof(salts[0]); i++) {
		test_make_opts(&s, NULL, TEST_OUTPUT, TEST_TS,
		    RSA_PKCS1_PSS_PADDING, salts[i], 0);
		if (test_verify(&s, &errstr) != -1) {
			fprintf(stderr, "  salt %d verified\n", salts[i]);
			goto fail;
		}
		test_signed_clear(&s);
	}
	test_make_opts(&s, NULL, TEST_OUTPUT, TEST_TS, RSA_PKCS1_PADDING, 0, 0);
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	test_signed_clear(&s);
	test_make_opts(&s, NULL, TEST_OUTPUT, TEST_TS, RSA_PKCS1_PSS_PADDING,
	    32, 1);
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "RSA-PSS signature verification "
	    "failed"));
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

/* A signature by a key other than the registry's fails. */
static int
test_other_key(void)
{
	struct test_signed	 s;
	const char		*errstr = NULL;

	test_rsa();
	test_make_opts(&s, test_key2, TEST_OUTPUT, TEST_TS,
	    RSA_PKCS1_PSS_PADDING, 32, 0);
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(test_starts(errstr, "RSA-PSS signature verification "
	    "failed"));
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

/* A registry key that is not RSA, not DER, or has trailing bytes. */
static int
test_bad_key(void)
{
	struct test_signed	 s;
	EVP_PKEY		*ec;
	const char		*errstr = NULL;
	uint8_t			*der, *p;
	int			 len;

	test_make(&s);
	/* Trailing garbage after the SPKI (tee_id recomputed to match). */
	der = xmalloc((size_t)s.derlen + 1);
	memcpy(der, s.der, (size_t)s.derlen);
	der[s.derlen] = 0;
	free(s.der);
	s.der = der;
	s.derlen++;
	verify_tee_id(s.der, (size_t)s.derlen, s.tee_id);
	json_object_set(s.resp, "tee_id", json_new_string(s.tee_id));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(strstr(errstr, "signing key") != NULL);
	/* Not DER at all. */
	s.derlen = 10;
	verify_tee_id(s.der, (size_t)s.derlen, s.tee_id);
	json_object_set(s.resp, "tee_id", json_new_string(s.tee_id));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(strstr(errstr, "signing key") != NULL);
	/* An EC key. */
	if ((ec = EVP_EC_gen("P-256")) == NULL)
		goto fail;
	len = i2d_PUBKEY(ec, NULL);
	free(s.der);
	s.der = p = xmalloc((size_t)len);
	i2d_PUBKEY(ec, &p);
	EVP_PKEY_free(ec);
	s.derlen = len;
	verify_tee_id(s.der, (size_t)s.derlen, s.tee_id);
	json_object_set(s.resp, "tee_id", json_new_string(s.tee_id));
	TEST_EQ_INT(test_verify(&s, &errstr), -1);
	TEST_ASSERT(strstr(errstr, "not an RSA key") != NULL);
	test_signed_clear(&s);
	return (0);
fail:
	test_signed_clear(&s);
	return (-1);
}

static const struct test_case cases[] = {
	{ "valid", test_valid },
	{ "valid-spellings", test_valid_spellings },
	{ "tee-id-equal", test_tee_id_equal },
	{ "tamper-signature", test_tamper_signature },
	{ "tamper-request-hash", test_tamper_request_hash },
	{ "tamper-output", test_tamper_output },
	{ "tamper-timestamp", test_tamper_timestamp },
	{ "timestamp-types", test_timestamp_types },
	{ "timestamp-max-uint256", test_timestamp_max },
	{ "tamper-tee-id", test_tamper_tee_id },
	{ "missing-fields", test_missing_fields },
	{ "wrong-pss-scheme", test_wrong_scheme },
	{ "other-key", test_other_key },
	{ "bad-registry-key", test_bad_key },
};

TEST_MAIN("test-verify", cases)

/*
 * floor.c: the per-request cryptography og-veil cannot avoid, measured
 * alone (`make bench` step 1): HPKE setup + seal of a 1 KiB request (OHTTP
 * encapsulation), opening a single-shot response, Keccak-256 of the
 * canonical request and of the output, and RSA-PSS verification with
 * RSA-2048 and RSA-4096 keys.  Prints µs per operation and, as JSON on the
 * last line, the floor for one request with each key size.
 */
#include "compat.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "hpke.h"
#include "keccak.h"
#include "ohttp.h"

static double
floor_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec + ts.tv_nsec / 1e9);
}

static EVP_PKEY *
floor_rsa(int bits, uint8_t *sig, size_t *siglen, const uint8_t *msg)
{
	EVP_PKEY	*pk;
	EVP_PKEY_CTX	*ctx;

	if ((pk = EVP_RSA_gen(bits)) == NULL)
		abort();
	if ((ctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
	    EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) != 1 ||
	    EVP_PKEY_sign(ctx, sig, siglen, msg, 32) != 1)
		abort();
	EVP_PKEY_CTX_free(ctx);
	return (pk);
}

static double
floor_verify(EVP_PKEY *pk, const uint8_t *sig, size_t siglen,
    const uint8_t *msg, int n)
{
	EVP_PKEY_CTX	*ctx;
	double		 t0;
	int		 i;

	t0 = floor_now();
	for (i = 0; i < n; i++) {
		if ((ctx = EVP_PKEY_CTX_new(pk, NULL)) == NULL ||
		    EVP_PKEY_verify_init(ctx) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
		    EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, EVP_sha256()) != 1 ||
		    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) != 1 ||
		    EVP_PKEY_verify(ctx, sig, siglen, msg, 32) != 1)
			abort();
		EVP_PKEY_CTX_free(ctx);
	}
	return ((floor_now() - t0) * 1e6 / n);
}

int
main(int argc, char **argv)
{
	struct ohttp_key_config	 kc;
	struct ohttp_ctx	 cli, gw;
	struct buf		 req, pt, resp, out;
	uint8_t			 skR[32], msg[32], h[32], sig2[512], sig4[1024];
	uint8_t			 request[1024], output[512];
	size_t			 siglen2 = sizeof(sig2), siglen4 = sizeof(sig4);
	const char		*errstr;
	EVP_PKEY		*pk2, *pk4;
	double			 t0, us_seal, us_open, us_keccak, us_v2, us_v4;
	int			 i, n = argc > 1 ? atoi(argv[1]) : 2000;

	memset(request, 'a', sizeof(request));
	memset(output, 'b', sizeof(output));
	memset(msg, 7, sizeof(msg));
	kc.key_id = 1;
	kc.kem_id = HPKE_KEM_X25519_SHA256;
	kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	if (hpke_generate_keypair(skR, kc.pk, &errstr) == -1)
		abort();

	/* HPKE SetupBaseS + Seal of a 1 KiB request: what og-veil sends. */
	buf_init(&req);
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		req.len = 0;
		if (ohttp_encap_request(&cli, &kc, request, sizeof(request),
		    &req, &errstr) == -1)
			abort();
		if (i != n - 1)
			ohttp_ctx_clear(&cli);
	}
	us_seal = (floor_now() - t0) * 1e6 / n;

	/* The gateway's answer, opened n times by og-veil. */
	buf_init(&pt);
	buf_init(&resp);
	buf_init(&out);
	if (ohttp_decap_request(&gw, &kc, skR, req.data, req.len, &pt,
	    &errstr) == -1 ||
	    ohttp_seal_response(&gw, NULL, output, sizeof(output), &resp,
	    &errstr) == -1)
		abort();
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		out.len = 0;
		if (ohttp_open_response(&cli, resp.data, resp.len, &out,
		    &errstr) == -1)
			abort();
	}
	us_open = (floor_now() - t0) * 1e6 / n;

	/* Keccak-256 of a 1 KiB canonical request and a 512-byte output. */
	t0 = floor_now();
	for (i = 0; i < n; i++) {
		keccak256(request, sizeof(request), h);
		keccak256(output, sizeof(output), h);
		keccak256(h, sizeof(h), msg);
	}
	us_keccak = (floor_now() - t0) * 1e6 / n;

	pk2 = floor_rsa(2048, sig2, &siglen2, msg);
	pk4 = floor_rsa(4096, sig4, &siglen4, msg);
	us_v2 = floor_verify(pk2, sig2, siglen2, msg, n);
	us_v4 = floor_verify(pk4, sig4, siglen4, msg, n / 2 + 1);

	printf("HPKE setup + seal, 1 KiB request   %8.1f us\n", us_seal);
	printf("OHTTP response open (512 B)        %8.1f us\n", us_open);
	printf("Keccak-256 request + output + msg  %8.1f us\n", us_keccak);
	printf("RSA-2048 PSS verify                %8.1f us\n", us_v2);
	printf("RSA-4096 PSS verify                %8.1f us\n", us_v4);
	printf("{\"hpke_seal_us\": %.2f, \"response_open_us\": %.2f, "
	    "\"keccak_us\": %.2f, \"rsa2048_verify_us\": %.2f, "
	    "\"rsa4096_verify_us\": %.2f, \"floor_us_per_request\": %.2f, "
	    "\"floor_us_per_request_rsa4096\": %.2f}\n", us_seal, us_open,
	    us_keccak, us_v2, us_v4, us_seal + us_open + us_keccak + us_v2,
	    us_seal + us_open + us_keccak + us_v4);

	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&req, 0);
	buf_clear(&pt, 0);
	buf_clear(&resp, 0);
	buf_clear(&out, 0);
	EVP_PKEY_free(pk2);
	EVP_PKEY_free(pk4);
	return (0);
}

/*
 * test-ohttp.c: Oblivious HTTP request encapsulation and the single-shot
 * and chunked responses, PROTOCOL.md §4 and §6: a known answer from the
 * SDK, round trips in both roles for all three AEADs, the incremental
 * chunked opener fed in any pieces, and every way a response must fail.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "ohttp.h"
#include "test.h"

/* ohttp.json "ascii request": the SDK's own bytes. */
#define KAT_SKR		"5ff8b965201ab6cea650b958d88a400f39498f8fa96d9866" \
			"9395ee66512ec37d"
#define KAT_PKR		"c7421be79420659d8ed5032ebf42db4c405e27361cd2a93e" \
			"a852ac6e92d26006"
#define KAT_IKME	"551bc8e8464760326750862834391bddc38053ff9d34469a" \
			"fba5f6a7fbe77b7b"
#define KAT_REQ		"{\"model\": \"gpt-4.1\", \"messages\": [{\"role\": " \
			"\"user\", \"content\": \"hi\"}], \"temperature\": 0.0}"
#define KAT_ENCAP	"01002000010003e6a47383cba1c92c3a10a84546803137c6" \
			"d166ef90c9cad9755dc69460dae65e200be1cc157335ad02" \
			"ee4b8ee974f3e3b6fa0809338a7990f321e3877c7a6fc3c1" \
			"39a4ba10034812f1a8a8aa3ab0913fb28c9e5f9962fc40d9" \
			"31bb48b6c42cda7e7b86912396d8ee3cff472cf3c014e69b" \
			"ae8deb8cf6821581d3df856ad096e6bade11fa045ea1498d"
#define KAT_RSECRET	"058c08a952e929ebd943b59160bd9c608e164d15cebaac9c" \
			"06f415e4019403dc"
#define KAT_CSECRET	"4e3ab976cc35bd322be0724d0aee8c336647c401986a83ca" \
			"bf0e9ef7175e0b68"
#define KAT_RES		"{\"id\": \"chatcmpl-x\", \"choices\": [{\"index\": " \
			"0, \"message\": {\"role\": \"assistant\", " \
			"\"content\": \"Hello \\u2713\"}, \"finish_reason\": " \
			"\"stop\"}]}"
#define KAT_RES_BODY	"71fb2e7d879d630075588028fd05749ad7b51c3e69c12eea" \
			"c548f4e3904e5e36cfdac10516e31336d055a3d07d5a1882" \
			"f620be3b7059a62c5597b74e3111bb01230ff6cffff32a85" \
			"eaceef7d2200bb8da9b67443409cf43068035b0308a4c448" \
			"caa60a2685e6d4671c1719faf5ebdc4e5cea78c1a3111cfe" \
			"b1d9d9a94bba7aa7927754c37f870a93f743d37f882f8e49" \
			"f975c4650a52b87d8bacaffd82fbc8a5183edf139210d6d1" \
			"66a9ff74e32af3139e53eddcc6"
#define KAT_CH_BODY	"7faef9e2e8c2fcf4aeec36e4051e645ac356cde3758ccf2f" \
			"ce4266b9f66db0854090536c136d119e028b8354f02a16f1" \
			"b4435fb33600ab34194a71674fbe4e7cbf46ea423dabdfa8" \
			"d53b3f9f70ff3329a57ed14eb0c3b129e6617f1b16a0fd32" \
			"52b259e6e7d58a087b757204eb3d6fe183dbcd8930d9b2e3" \
			"315d0574edf1580a7f6d39e272163221238556b8c1586c6d" \
			"877dc82c9eea9f9c3354c58a273b8e921079463011942" \
			"9bf6206a3f1bc1eb09e83ac002a445cc0238da5eeefab32f" \
			"716b856f5bf4c309727e0ea34bae99fb58d6b"
#define KAT_CH_PT	"data: {\"choices\": [{\"delta\": {\"content\": " \
			"\"Hel\", \"role\": \"assistant\"}, \"index\": 0, " \
			"\"finish_reason\": null}], \"model\": \"gpt-4.1\"}" \
			"\n\ndata: [DONE]\n\n"

/* What the chunk callback saw. */
struct test_sink {
	struct buf	 pt;		/* every chunk's plaintext, in order */
	int		 chunks;
	int		 finals;
	int		 abort_at;	/* refuse this chunk (-1: never) */
};

static int
test_sink_cb(void *arg, const uint8_t *p, size_t len, int final)
{
	struct test_sink	*sk = arg;

	if (sk->chunks == sk->abort_at)
		return (-1);
	buf_add(&sk->pt, p, len);
	sk->chunks++;
	if (final)
		sk->finals++;
	return (0);
}

static void
test_sink_init(struct test_sink *sk)
{
	buf_init(&sk->pt);
	sk->chunks = sk->finals = 0;
	sk->abort_at = -1;
}

/*
 * Feed body to a fresh opener in pieces: piece 0 means one call with
 * everything, otherwise pieces of that size, or (piece < 0) pseudo-random
 * sizes from seed -piece.  0 when finish() succeeds.
 */
static int
test_stream_run(const struct ohttp_ctx *ctx, const uint8_t *body, size_t len,
    int piece, struct test_sink *sk)
{
	struct ohttp_stream	*os;
	const char		*errstr;
	size_t			 off = 0, n;
	unsigned int		 seed = piece < 0 ? (unsigned int)-piece : 0;
	int			 rc = -1;

	if ((os = ohttp_stream_new(ctx, test_sink_cb, sk)) == NULL)
		return (-1);
	while (off < len) {
		if (piece == 0)
			n = len - off;
		else if (piece > 0)
			n = (size_t)piece;
		else {
			seed = seed * 1103515245 + 12345;
			n = (seed >> 16) % 97;
		}
		if (n > len - off)
			n = len - off;
		if (ohttp_stream_feed(os, body + off, n, &errstr) == -1)
			goto out;
		off += n;
	}
	if (ohttp_stream_finish(os, &errstr) == -1)
		goto out;
	rc = 0;
out:
	ohttp_stream_free(os);
	return (rc);
}

/* A client context and the gateway's context for one request. */
static int
test_pair(uint16_t aead, struct ohttp_ctx *cli, struct ohttp_ctx *gw)
{
	struct ohttp_key_config	 kc;
	struct buf		 body, pt;
	uint8_t			 sk[32];
	const char		*errstr;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&pt);
	kc.key_id = 3;
	kc.kem_id = HPKE_KEM_X25519_SHA256;
	kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	kc.aead_id = aead;
	if (hpke_generate_keypair(sk, kc.pk, &errstr) == -1 ||
	    ohttp_encap_request(cli, &kc, (const uint8_t *)"req", 3, &body,
	    &errstr) == -1 ||
	    ohttp_decap_request(gw, &kc, sk, body.data, body.len, &pt,
	    &errstr) == -1 ||
	    pt.len != 3 || memcmp(pt.data, "req", 3) != 0)
		goto out;
	rc = 0;
out:
	buf_clear(&body, 0);
	buf_clear(&pt, 1);
	return (rc);
}

/* The SDK's request, byte-exact, and its responses, both roles. */
static int
test_kat(void)
{
	struct ohttp_key_config	 kc;
	struct ohttp_ctx	 cli, gw;
	struct test_sink	 sk;
	struct buf		 body, pt;
	uint8_t			*skr, *pkr, *ikme, *want, *rs, *cs, *res, *ch;
	size_t			 n, wantlen, reslen, chlen;
	const char		*errstr;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&pt);
	test_sink_init(&sk);
	skr = test_unhex(KAT_SKR, &n);
	pkr = test_unhex(KAT_PKR, &n);
	ikme = test_unhex(KAT_IKME, &n);
	want = test_unhex(KAT_ENCAP, &wantlen);
	rs = test_unhex(KAT_RSECRET, &n);
	cs = test_unhex(KAT_CSECRET, &n);
	res = test_unhex(KAT_RES_BODY, &reslen);
	ch = test_unhex(KAT_CH_BODY, &chlen);
	kc.key_id = 1;
	kc.kem_id = HPKE_KEM_X25519_SHA256;
	kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	memcpy(kc.pk, pkr, 32);

	TEST_ASSERT(ohttp_encap_request_det(&cli, &kc,
	    (const uint8_t *)KAT_REQ, strlen(KAT_REQ), ikme, 32, &body,
	    &errstr) == 0);
	TEST_EQ_INT(body.len, wantlen);
	TEST_EQ_MEM(body.data, want, wantlen);
	TEST_EQ_MEM(cli.response_secret, rs, 32);
	TEST_EQ_MEM(cli.chunked_secret, cs, 32);

	TEST_ASSERT(ohttp_decap_request(&gw, &kc, skr, body.data, body.len,
	    &pt, &errstr) == 0);
	TEST_EQ_STR((char *)pt.data, KAT_REQ);
	TEST_EQ_MEM(gw.response_secret, rs, 32);
	TEST_EQ_MEM(gw.chunked_secret, cs, 32);

	/* Single-shot: open, and re-seal with the same nonce byte-exact. */
	pt.len = 0;
	TEST_ASSERT(ohttp_open_response(&cli, res, reslen, &pt, &errstr) == 0);
	TEST_EQ_STR((char *)pt.data, KAT_RES);
	body.len = 0;
	TEST_ASSERT(ohttp_seal_response(&gw, res, (const uint8_t *)KAT_RES,
	    strlen(KAT_RES), &body, &errstr) == 0);
	TEST_ASSERT(body.len == reslen && memcmp(body.data, res, reslen) == 0);

	/* Chunked: one call, then one byte at a time. */
	TEST_ASSERT(test_stream_run(&cli, ch, chlen, 0, &sk) == 0);
	TEST_EQ_STR((char *)sk.pt.data, KAT_CH_PT);
	TEST_EQ_INT(sk.chunks, 2);
	TEST_EQ_INT(sk.finals, 1);
	buf_clear(&sk.pt, 0);
	test_sink_init(&sk);
	TEST_ASSERT(test_stream_run(&cli, ch, chlen, 1, &sk) == 0);
	TEST_EQ_STR((char *)sk.pt.data, KAT_CH_PT);
	rc = 0;
fail:
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&pt, 1);
	buf_clear(&sk.pt, 1);
	free(skr);
	free(pkr);
	free(ikme);
	free(want);
	free(rs);
	free(cs);
	free(res);
	free(ch);
	return (rc);
}

/* Both roles and both response forms for one AEAD. */
static int
test_roundtrip(uint16_t aead)
{
	struct ohttp_ctx	 cli, gw;
	struct ohttp_sealer	*sl = NULL;
	struct test_sink	 sk;
	struct buf		 body, pt;
	const char		*errstr;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&pt);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(aead, &cli, &gw) == 0);
	TEST_EQ_MEM(cli.response_secret, gw.response_secret, 32);
	TEST_EQ_MEM(cli.chunked_secret, gw.chunked_secret, 32);
	TEST_ASSERT(ohttp_seal_response(&gw, NULL, (const uint8_t *)"answer",
	    6, &body, &errstr) == 0);
	TEST_ASSERT(ohttp_open_response(&cli, body.data, body.len, &pt,
	    &errstr) == 0);
	TEST_EQ_STR((char *)pt.data, "answer");

	body.len = 0;
	TEST_ASSERT((sl = ohttp_sealer_new(&gw, NULL, &body, &errstr)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"one ", 4, 0,
	    &body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, NULL, 0, 0, &body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"two ", 4, 0,
	    &body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"end", 3, 1,
	    &body, &errstr) == 0);
	/* Nothing may follow the final chunk. */
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"x", 1, 0,
	    &body, &errstr) == -1);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &sk) == 0);
	TEST_EQ_STR((char *)sk.pt.data, "one two end");
	TEST_EQ_INT(sk.chunks, 4);
	TEST_EQ_INT(sk.finals, 1);
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&pt, 1);
	buf_clear(&sk.pt, 1);
	return (rc);
}

static int
test_roundtrip_aes128(void)
{
	return (test_roundtrip(HPKE_AEAD_AES128GCM));
}

static int
test_roundtrip_aes256(void)
{
	return (test_roundtrip(HPKE_AEAD_AES256GCM));
}

static int
test_roundtrip_chacha(void)
{
	return (test_roundtrip(HPKE_AEAD_CHACHA20POLY1305));
}

/* The gateway refuses a wrong key id, suite, key, length or tag. */
static int
test_decap_failures(void)
{
	struct ohttp_key_config	 kc, other;
	struct ohttp_ctx	 cli, gw;
	struct buf		 body, pt;
	uint8_t			 sk[32], sk2[32], pk2[32];
	const char		*errstr;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&pt);
	memset(&cli, 0, sizeof(cli));
	kc.key_id = 9;
	kc.kem_id = HPKE_KEM_X25519_SHA256;
	kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	TEST_ASSERT(hpke_generate_keypair(sk, kc.pk, &errstr) == 0);
	TEST_ASSERT(hpke_generate_keypair(sk2, pk2, &errstr) == 0);
	TEST_ASSERT(ohttp_encap_request(&cli, &kc, (const uint8_t *)"q", 1,
	    &body, &errstr) == 0);
	TEST_EQ_INT(body.len, OHTTP_HDR_LEN + 32 + 1 + HPKE_TAG_LEN);

	other = kc;
	other.key_id = 8;
	TEST_ASSERT(ohttp_decap_request(&gw, &other, sk, body.data, body.len,
	    &pt, &errstr) == -1);
	other = kc;
	other.aead_id = HPKE_AEAD_AES256GCM;
	TEST_ASSERT(ohttp_decap_request(&gw, &other, sk, body.data, body.len,
	    &pt, &errstr) == -1);
	TEST_ASSERT(ohttp_decap_request(&gw, &kc, sk2, body.data, body.len,
	    &pt, &errstr) == -1);
	/* hdr + enc + a tag is the shortest; every shorter body fails. */
	TEST_ASSERT(ohttp_decap_request(&gw, &kc, sk, body.data,
	    OHTTP_HDR_LEN + 32 + HPKE_TAG_LEN - 1, &pt, &errstr) == -1);
	TEST_ASSERT(ohttp_decap_request(&gw, &kc, sk, body.data, 0, &pt,
	    &errstr) == -1);
	body.data[body.len - 1] ^= 1;
	TEST_ASSERT(ohttp_decap_request(&gw, &kc, sk, body.data, body.len,
	    &pt, &errstr) == -1);
	body.data[body.len - 1] ^= 1;
	body.data[2] ^= 1;	/* the KEM id */
	TEST_ASSERT(ohttp_decap_request(&gw, &kc, sk, body.data, body.len,
	    &pt, &errstr) == -1);
	body.data[2] ^= 1;
	TEST_EQ_INT(pt.len, 0);
	TEST_ASSERT(ohttp_decap_request(&gw, &kc, sk, body.data, body.len,
	    &pt, &errstr) == 0);
	TEST_EQ_INT(pt.len, 1);
	/* The client refuses a config whose suite it does not implement. */
	other = kc;
	other.kdf_id = 2;
	body.len = 0;
	TEST_ASSERT(ohttp_encap_request(&cli, &other, (const uint8_t *)"q", 1,
	    &body, &errstr) == -1);
	TEST_EQ_INT(body.len, 0);
	rc = 0;
fail:
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&pt, 1);
	return (rc);
}

/* Single-shot: 32 bytes or fewer is malformed; a flipped bit fails. */
static int
test_single_failures(void)
{
	struct ohttp_ctx	 cli, gw;
	struct buf		 body, pt;
	const char		*errstr;
	size_t			 i;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&pt);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(HPKE_AEAD_CHACHA20POLY1305, &cli, &gw) == 0);
	TEST_ASSERT(ohttp_seal_response(&gw, NULL, (const uint8_t *)"ok", 2,
	    &body, &errstr) == 0);
	for (i = 0; i < body.len; i++)
		TEST_ASSERT(ohttp_open_response(&cli, body.data, i, &pt,
		    &errstr) == -1);
	for (i = 0; i < body.len; i++) {
		body.data[i] ^= 0x10;
		TEST_ASSERT(ohttp_open_response(&cli, body.data, body.len,
		    &pt, &errstr) == -1);
		body.data[i] ^= 0x10;
	}
	TEST_EQ_INT(pt.len, 0);
	/* The chunked secret is not the single-shot one. */
	memcpy(cli.response_secret, cli.chunked_secret, 32);
	TEST_ASSERT(ohttp_open_response(&cli, body.data, body.len, &pt,
	    &errstr) == -1);
	rc = 0;
fail:
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&pt, 1);
	return (rc);
}

/* A chunked body with chunks of the given plaintext sizes, then final. */
static int
test_chunked_body(const struct ohttp_ctx *gw, const size_t *sizes, size_t n,
    struct buf *body)
{
	struct ohttp_sealer	*sl;
	uint8_t			*p;
	const char		*errstr;
	size_t			 i, j, max = 1;
	int			 rc = -1;

	for (i = 0; i < n; i++)
		if (sizes[i] > max)
			max = sizes[i];
	p = malloc(max);
	if (p == NULL)
		return (-1);
	if ((sl = ohttp_sealer_new(gw, NULL, body, &errstr)) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		for (j = 0; j < sizes[i]; j++)
			p[j] = (uint8_t)('a' + (i + j) % 26);
		if (ohttp_sealer_chunk(sl, p, sizes[i], 0, body,
		    &errstr) == -1)
			goto out;
	}
	if (ohttp_sealer_chunk(sl, (const uint8_t *)"fin", 3, 1, body,
	    &errstr) == -1)
		goto out;
	rc = 0;
out:
	ohttp_sealer_free(sl);
	free(p);
	return (rc);
}

/* Whole, in 1-byte pieces and in random pieces: the same plaintext. */
static int
test_pieces(void)
{
	static const size_t	 sizes[] = { 5, 0, 200, 1, 70, 3000 };
	struct ohttp_ctx	 cli, gw;
	struct test_sink	 a, b;
	struct buf		 body;
	int			 seed, rc = -1;

	buf_init(&body);
	test_sink_init(&a);
	test_sink_init(&b);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(HPKE_AEAD_AES128GCM, &cli, &gw) == 0);
	TEST_ASSERT(test_chunked_body(&gw, sizes, 6, &body) == 0);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &a) == 0);
	TEST_EQ_INT(a.chunks, 7);
	TEST_EQ_INT(a.pt.len, 5 + 200 + 1 + 70 + 3000 + 3);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 1, &b) == 0);
	TEST_ASSERT(b.pt.len == a.pt.len &&
	    memcmp(a.pt.data, b.pt.data, a.pt.len) == 0);
	for (seed = 1; seed <= 20; seed++) {
		buf_clear(&b.pt, 0);
		test_sink_init(&b);
		TEST_ASSERT(test_stream_run(&cli, body.data, body.len, -seed,
		    &b) == 0);
		TEST_ASSERT(b.pt.len == a.pt.len &&
		    memcmp(a.pt.data, b.pt.data, a.pt.len) == 0);
		TEST_EQ_INT(b.finals, 1);
	}
	rc = 0;
fail:
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&a.pt, 0);
	buf_clear(&b.pt, 0);
	return (rc);
}

/* Every proper prefix of a chunked body fails, fed whole or bytewise. */
static int
test_truncation(void)
{
	static const size_t	 sizes[] = { 10, 64, 0 };
	struct ohttp_ctx	 cli, gw;
	struct test_sink	 sk;
	struct buf		 body;
	size_t			 i;
	int			 rc = -1;

	buf_init(&body);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(HPKE_AEAD_CHACHA20POLY1305, &cli, &gw) == 0);
	TEST_ASSERT(test_chunked_body(&gw, sizes, 3, &body) == 0);
	for (i = 0; i < body.len; i++) {
		TEST_ASSERT(test_stream_run(&cli, body.data, i, 0, &sk) == -1);
		TEST_ASSERT(test_stream_run(&cli, body.data, i, 1, &sk) == -1);
	}
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 1, &sk) == 0);
	rc = 0;
fail:
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&sk.pt, 0);
	return (rc);
}

/*
 * End of body right after a complete non-final chunk: no final chunk.
 * And a varint(0) in the middle makes the rest one (bad) final chunk.
 */
static int
test_missing_final(void)
{
	struct ohttp_ctx	 cli, gw;
	struct ohttp_sealer	*sl = NULL;
	struct test_sink	 sk;
	struct buf		 body;
	const char		*errstr;
	size_t			 cut;
	int			 rc = -1;

	buf_init(&body);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(HPKE_AEAD_CHACHA20POLY1305, &cli, &gw) == 0);
	TEST_ASSERT((sl = ohttp_sealer_new(&gw, NULL, &body, &errstr)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &body, &errstr) == 0);
	cut = body.len;
	TEST_ASSERT(test_stream_run(&cli, body.data, cut, 0, &sk) == -1);
	TEST_EQ_INT(sk.chunks, 1);	/* delivered, but the stream failed */
	/* A "zero-length non-final chunk": 0x00, then more chunks. */
	buf_add_u8(&body, 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"def", 3, 0,
	    &body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"", 0, 1,
	    &body, &errstr) == 0);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &sk) == -1);
	/* Only the nonce. */
	TEST_ASSERT(test_stream_run(&cli, body.data, OHTTP_NONCE_LEN, 0,
	    &sk) == -1);
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&sk.pt, 0);
	return (rc);
}

/* A chunk sealed at the wrong counter, or as final mid-stream, fails. */
static int
test_wrong_counter(void)
{
	struct ohttp_ctx	 cli, gw;
	struct ohttp_sealer	*sl = NULL;
	struct test_sink	 sk;
	struct buf		 body, skipped;
	const char		*errstr;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&skipped);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(HPKE_AEAD_AES256GCM, &cli, &gw) == 0);
	TEST_ASSERT((sl = ohttp_sealer_new(&gw, NULL, &body, &errstr)) != NULL);
	/* Counter 0 goes nowhere: the first chunk on the wire has 1. */
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"lost", 4, 0,
	    &skipped, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"", 0, 1,
	    &body, &errstr) == 0);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &sk) == -1);
	TEST_EQ_INT(sk.chunks, 0);
	/* The final chunk at the right counter but without its aad. */
	ohttp_sealer_free(sl);
	body.len = 0;
	TEST_ASSERT((sl = ohttp_sealer_new(&gw, NULL, &body, &errstr)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &skipped, &errstr) == 0);
	buf_add_u8(&body, 0);
	buf_add(&body, skipped.data + skipped.len - 19, 19);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &sk) == -1);
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&skipped, 0);
	buf_clear(&sk.pt, 0);
	return (rc);
}

/* QUIC varints at 63/64/16383/16384 and a length of 2^30 (too large). */
static int
test_varint_edges(void)
{
	static const size_t	 sizes[] = { 63 - 16, 64 - 16, 16383 - 16,
	    16384 - 16 };
	static const uint64_t	 big[] = { (1ULL << 30) - 1, 1ULL << 30,
	    OHTTP_MAX_CHUNK + 1 };
	struct ohttp_ctx	 cli, gw;
	struct ohttp_stream	*os = NULL;
	struct ohttp_sealer	*sl = NULL;
	struct test_sink	 sk;
	struct buf		 body, v;
	const char		*errstr;
	size_t			 i, off;
	int			 rc = -1;

	buf_init(&body);
	buf_init(&v);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_EQ_INT(bytes_varint_len(63), 1);
	TEST_EQ_INT(bytes_varint_len(64), 2);
	TEST_EQ_INT(bytes_varint_len(16383), 2);
	TEST_EQ_INT(bytes_varint_len(16384), 4);
	TEST_EQ_INT(bytes_varint_len(1ULL << 30), 8);
	TEST_ASSERT(test_pair(HPKE_AEAD_CHACHA20POLY1305, &cli, &gw) == 0);
	TEST_ASSERT(test_chunked_body(&gw, sizes, 4, &body) == 0);
	/* The wire lengths use 1-, 2-, 2- and 4-byte varints. */
	off = OHTTP_NONCE_LEN;
	TEST_EQ_INT(body.data[off], 63);
	off += 1 + 63;
	TEST_ASSERT(body.data[off] == 0x40 && body.data[off + 1] == 64);
	off += 2 + 64;
	TEST_ASSERT(body.data[off] == 0x7f && body.data[off + 1] == 0xff);
	off += 2 + 16383;
	TEST_ASSERT(body.data[off] == 0x80 && body.data[off + 2] == 0x40);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 1, &sk) == 0);
	TEST_EQ_INT(sk.chunks, 5);
	/* A length over the cap is refused as soon as its varint is read. */
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		v.len = 0;
		buf_add(&v, body.data, OHTTP_NONCE_LEN);
		buf_add_varint(&v, big[i]);
		buf_add(&v, "xxxxxxxx", 8);
		TEST_ASSERT((os = ohttp_stream_new(&cli, test_sink_cb,
		    &sk)) != NULL);
		TEST_ASSERT(ohttp_stream_feed(os, v.data, v.len,
		    &errstr) == -1);
		TEST_EQ_INT(ohttp_stream_pending(os), 0);
		ohttp_stream_free(os);
		os = NULL;
	}
	/* A non-minimal varint (0x40 0x13 = 19) is still a length. */
	body.len = v.len = 0;
	TEST_ASSERT((sl = ohttp_sealer_new(&gw, NULL, &body, &errstr)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &body, &errstr) == 0);
	TEST_EQ_INT(body.len, OHTTP_NONCE_LEN + 1 + 19);
	buf_add(&v, body.data, OHTTP_NONCE_LEN);
	buf_add_u8(&v, 0x40);
	buf_add(&v, body.data + OHTTP_NONCE_LEN, 1 + 19);
	TEST_ASSERT(ohttp_sealer_chunk(sl, NULL, 0, 1, &v, &errstr) == 0);
	buf_clear(&sk.pt, 0);
	test_sink_init(&sk);
	TEST_ASSERT(test_stream_run(&cli, v.data, v.len, 1, &sk) == 0);
	TEST_EQ_STR((char *)sk.pt.data, "abc");
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	ohttp_stream_free(os);
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&v, 0);
	buf_clear(&sk.pt, 0);
	return (rc);
}

/* A varint that runs past the end of the body; a chunk under a tag. */
static int
test_varint_past_end(void)
{
	struct ohttp_ctx	 cli, gw;
	struct ohttp_stream	*os = NULL;
	struct test_sink	 sk;
	struct buf		 body;
	const char		*errstr;
	uint8_t			 nonce[OHTTP_NONCE_LEN];
	int			 rc = -1;

	buf_init(&body);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	memset(nonce, 7, sizeof(nonce));
	TEST_ASSERT(test_pair(HPKE_AEAD_CHACHA20POLY1305, &cli, &gw) == 0);
	buf_add(&body, nonce, sizeof(nonce));
	buf_add_u8(&body, 0x80);
	buf_add_u8(&body, 0x00);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &sk) == -1);
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 1, &sk) == -1);
	/* A sealed chunk of 15 bytes cannot hold its tag. */
	TEST_ASSERT((os = ohttp_stream_new(&cli, test_sink_cb, &sk)) != NULL);
	TEST_ASSERT(ohttp_stream_feed(os, nonce, sizeof(nonce), &errstr) == 0);
	TEST_ASSERT(ohttp_stream_feed(os, (const uint8_t *)"\x0f", 1,
	    &errstr) == -1);
	/* Once failed, always failed. */
	TEST_ASSERT(ohttp_stream_feed(os, nonce, 1, &errstr) == -1);
	TEST_ASSERT(ohttp_stream_finish(os, &errstr) == -1);
	rc = 0;
fail:
	ohttp_stream_free(os);
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&sk.pt, 0);
	return (rc);
}

/* pending() counts held bytes; a refusing callback stops the stream. */
static int
test_pending_and_abort(void)
{
	static const size_t	 sizes[] = { 100, 100 };
	struct ohttp_ctx	 cli, gw;
	struct ohttp_stream	*os = NULL;
	struct test_sink	 sk;
	struct buf		 body;
	const char		*errstr;
	int			 rc = -1;

	buf_init(&body);
	test_sink_init(&sk);
	memset(&cli, 0, sizeof(cli));
	memset(&gw, 0, sizeof(gw));
	TEST_ASSERT(test_pair(HPKE_AEAD_CHACHA20POLY1305, &cli, &gw) == 0);
	TEST_ASSERT(test_chunked_body(&gw, sizes, 2, &body) == 0);
	TEST_ASSERT((os = ohttp_stream_new(&cli, test_sink_cb, &sk)) != NULL);
	TEST_ASSERT(ohttp_stream_feed(os, body.data, 10, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 10);
	TEST_ASSERT(ohttp_stream_feed(os, body.data + 10, 23, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 1);	/* the 2-byte varint */
	TEST_ASSERT(ohttp_stream_feed(os, body.data + 33, 50, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 49);
	TEST_ASSERT(ohttp_stream_feed(os, body.data + 83, body.len - 83,
	    &errstr) == 0);
	TEST_EQ_INT(sk.chunks, 2);
	TEST_ASSERT(ohttp_stream_pending(os) == 3 + HPKE_TAG_LEN);
	TEST_ASSERT(ohttp_stream_finish(os, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 0);
	/* After the end, nothing more. */
	TEST_ASSERT(ohttp_stream_feed(os, body.data, 1, &errstr) == -1);
	ohttp_stream_free(os);
	os = NULL;

	buf_clear(&sk.pt, 0);
	test_sink_init(&sk);
	sk.abort_at = 1;
	TEST_ASSERT(test_stream_run(&cli, body.data, body.len, 0, &sk) == -1);
	TEST_EQ_INT(sk.chunks, 1);
	rc = 0;
fail:
	ohttp_stream_free(os);
	ohttp_ctx_clear(&cli);
	ohttp_ctx_clear(&gw);
	buf_clear(&body, 0);
	buf_clear(&sk.pt, 0);
	return (rc);
}

static const struct test_case ohttp_tests[] = {
	{ "kat-sdk", test_kat },
	{ "roundtrip-aes128gcm", test_roundtrip_aes128 },
	{ "roundtrip-aes256gcm", test_roundtrip_aes256 },
	{ "roundtrip-chacha20poly1305", test_roundtrip_chacha },
	{ "decap-failures", test_decap_failures },
	{ "single-shot-failures", test_single_failures },
	{ "chunked-pieces", test_pieces },
	{ "chunked-truncation", test_truncation },
	{ "chunked-missing-final", test_missing_final },
	{ "chunked-wrong-counter", test_wrong_counter },
	{ "varint-edges", test_varint_edges },
	{ "varint-past-end", test_varint_past_end },
	{ "pending-and-abort", test_pending_and_abort },
};

TEST_MAIN("test-ohttp", ohttp_tests)

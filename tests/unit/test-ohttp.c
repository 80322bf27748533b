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

/* Empty the sink for another run. */
static void
test_sink_reset(struct test_sink *sk)
{
	buf_clear(&sk->pt, 1);
	test_sink_init(sk);
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

/* A client and gateway pair for one request, a sink and a body buffer. */
struct test_fx {
	struct ohttp_ctx	 cli;
	struct ohttp_ctx	 gw;
	struct test_sink	 sk;
	struct buf		 body;
};

static int	test_pair(uint16_t, struct ohttp_ctx *, struct ohttp_ctx *);

/* Set up a fixture; test_fx_clear() is safe whatever this returned. */
static int
test_fx_init(struct test_fx *fx, uint16_t aead)
{
	memset(fx, 0, sizeof(*fx));
	buf_init(&fx->body);
	test_sink_init(&fx->sk);
	return (test_pair(aead, &fx->cli, &fx->gw));
}

/* Open the fixture's first len body bytes into its sink (see below). */
static int
test_fx_run(struct test_fx *fx, size_t len, int piece)
{
	return (test_stream_run(&fx->cli, fx->body.data, len, piece, &fx->sk));
}

/* A chunked sealer for the fixture, its nonce appended to the body. */
static struct ohttp_sealer *
test_fx_sealer(struct test_fx *fx)
{
	const char	*errstr;

	return (ohttp_sealer_new(&fx->gw, NULL, &fx->body, &errstr));
}

static void
test_fx_clear(struct test_fx *fx)
{
	ohttp_ctx_clear(&fx->cli);
	ohttp_ctx_clear(&fx->gw);
	buf_clear(&fx->body, 0);
	buf_clear(&fx->sk.pt, 1);
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
	test_sink_reset(&sk);
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
	struct test_fx		 fx;
	struct ohttp_sealer	*sl = NULL;
	struct buf		 pt;
	const char		*errstr;
	int			 rc = -1;

	buf_init(&pt);
	TEST_ASSERT(test_fx_init(&fx, aead) == 0);
	TEST_EQ_MEM(fx.cli.response_secret, fx.gw.response_secret, 32);
	TEST_EQ_MEM(fx.cli.chunked_secret, fx.gw.chunked_secret, 32);
	TEST_ASSERT(ohttp_seal_response(&fx.gw, NULL, (const uint8_t *)"answer",
	    6, &fx.body, &errstr) == 0);
	TEST_ASSERT(ohttp_open_response(&fx.cli, fx.body.data, fx.body.len, &pt,
	    &errstr) == 0);
	TEST_EQ_STR((char *)pt.data, "answer");

	fx.body.len = 0;
	TEST_ASSERT((sl = test_fx_sealer(&fx)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"one ", 4, 0,
	    &fx.body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, NULL, 0, 0, &fx.body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"two ", 4, 0,
	    &fx.body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"end", 3, 1,
	    &fx.body, &errstr) == 0);
	/* Nothing may follow the final chunk. */
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"x", 1, 0,
	    &fx.body, &errstr) == -1);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == 0);
	TEST_EQ_STR((char *)fx.sk.pt.data, "one two end");
	TEST_EQ_INT(fx.sk.chunks, 4);
	TEST_EQ_INT(fx.sk.finals, 1);
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	test_fx_clear(&fx);
	buf_clear(&pt, 1);
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
	struct test_fx		 fx;
	struct buf		 pt;
	const char		*errstr;
	size_t			 i;
	int			 rc = -1;

	buf_init(&pt);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT(ohttp_seal_response(&fx.gw, NULL, (const uint8_t *)"ok", 2,
	    &fx.body, &errstr) == 0);
	for (i = 0; i < fx.body.len; i++)
		TEST_ASSERT(ohttp_open_response(&fx.cli, fx.body.data, i, &pt,
		    &errstr) == -1);
	for (i = 0; i < fx.body.len; i++) {
		fx.body.data[i] ^= 0x10;
		TEST_ASSERT(ohttp_open_response(&fx.cli, fx.body.data,
		    fx.body.len, &pt, &errstr) == -1);
		fx.body.data[i] ^= 0x10;
	}
	TEST_EQ_INT(pt.len, 0);
	/* The chunked secret is not the single-shot one. */
	memcpy(fx.cli.response_secret, fx.cli.chunked_secret, 32);
	TEST_ASSERT(ohttp_open_response(&fx.cli, fx.body.data, fx.body.len, &pt,
	    &errstr) == -1);
	rc = 0;
fail:
	test_fx_clear(&fx);
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
	struct test_fx		 fx;
	struct test_sink	 b;
	int			 seed, rc = -1;

	test_sink_init(&b);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_AES128GCM) == 0);
	TEST_ASSERT(test_chunked_body(&fx.gw, sizes, 6, &fx.body) == 0);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == 0);
	TEST_EQ_INT(fx.sk.chunks, 7);
	TEST_EQ_INT(fx.sk.pt.len, 5 + 200 + 1 + 70 + 3000 + 3);
	TEST_ASSERT(test_stream_run(&fx.cli, fx.body.data, fx.body.len, 1,
	    &b) == 0);
	TEST_ASSERT(b.pt.len == fx.sk.pt.len &&
	    memcmp(fx.sk.pt.data, b.pt.data, fx.sk.pt.len) == 0);
	for (seed = 1; seed <= 20; seed++) {
		test_sink_reset(&b);
		TEST_ASSERT(test_stream_run(&fx.cli, fx.body.data,
		    fx.body.len, -seed, &b) == 0);
		TEST_ASSERT(b.pt.len == fx.sk.pt.len &&
		    memcmp(fx.sk.pt.data, b.pt.data, fx.sk.pt.len) == 0);
		TEST_EQ_INT(b.finals, 1);
	}
	rc = 0;
fail:
	test_fx_clear(&fx);
	buf_clear(&b.pt, 0);
	return (rc);
}

/* Every proper prefix of a chunked body fails, fed whole or bytewise. */
static int
test_truncation(void)
{
	static const size_t	 sizes[] = { 10, 64, 0 };
	struct test_fx		 fx;
	size_t			 i;
	int			 rc = -1;

	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT(test_chunked_body(&fx.gw, sizes, 3, &fx.body) == 0);
	for (i = 0; i < fx.body.len; i++) {
		TEST_ASSERT(test_fx_run(&fx, i, 0) == -1);
		TEST_ASSERT(test_fx_run(&fx, i, 1) == -1);
	}
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 1) == 0);
	rc = 0;
fail:
	test_fx_clear(&fx);
	return (rc);
}

/*
 * End of body right after a complete non-final chunk: no final chunk.
 * And a varint(0) in the middle makes the rest one (bad) final chunk.
 */
static int
test_missing_final(void)
{
	struct test_fx		 fx;
	struct ohttp_sealer	*sl = NULL;
	const char		*errstr;
	size_t			 cut;
	int			 rc = -1;

	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT((sl = test_fx_sealer(&fx)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &fx.body, &errstr) == 0);
	cut = fx.body.len;
	TEST_ASSERT(test_fx_run(&fx, cut, 0) == -1);
	TEST_EQ_INT(fx.sk.chunks, 1);	/* delivered, but the stream failed */
	/* A "zero-length non-final chunk": 0x00, then more chunks. */
	buf_add_u8(&fx.body, 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"def", 3, 0,
	    &fx.body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"", 0, 1,
	    &fx.body, &errstr) == 0);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
	/* Only the nonce. */
	TEST_ASSERT(test_stream_run(&fx.cli, fx.body.data, OHTTP_NONCE_LEN, 0,
	    &fx.sk) == -1);
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	test_fx_clear(&fx);
	return (rc);
}

/* A chunk sealed at the wrong counter, or as final mid-stream, fails. */
static int
test_wrong_counter(void)
{
	struct test_fx		 fx;
	struct ohttp_sealer	*sl = NULL;
	struct buf		 skipped;
	const char		*errstr;
	int			 rc = -1;

	buf_init(&skipped);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_AES256GCM) == 0);
	TEST_ASSERT((sl = test_fx_sealer(&fx)) != NULL);
	/* Counter 0 goes nowhere: the first chunk on the wire has 1. */
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"lost", 4, 0,
	    &skipped, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &fx.body, &errstr) == 0);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"", 0, 1,
	    &fx.body, &errstr) == 0);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
	TEST_EQ_INT(fx.sk.chunks, 0);
	/* The final chunk at the right counter but without its aad. */
	ohttp_sealer_free(sl);
	fx.body.len = 0;
	TEST_ASSERT((sl = test_fx_sealer(&fx)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &skipped, &errstr) == 0);
	buf_add_u8(&fx.body, 0);
	buf_add(&fx.body, skipped.data + skipped.len - 19, 19);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	test_fx_clear(&fx);
	buf_clear(&skipped, 0);
	return (rc);
}

#define TEST_COST	"{\"model\": \"gpt-4.1\", \"cost_usd\": \"0.000123\"}"

/*
 * A stream with two chunks, then the billing frame of PROTOCOL.md §6 (json
 * of jsonlen bytes; real when jsonlen fits), then the final chunk.
 */
static int
test_billing_body(struct test_fx *fx, const char *json, size_t jsonlen)
{
	struct ohttp_sealer	*sl;
	const char		*errstr;
	int			 rc = -1;

	if ((sl = test_fx_sealer(fx)) == NULL)
		return (-1);
	if (ohttp_sealer_chunk(sl, (const uint8_t *)"data: one\n\n", 11, 0,
	    &fx->body, &errstr) == -1 ||
	    ohttp_sealer_chunk(sl, (const uint8_t *)"data: two\n\n", 11, 0,
	    &fx->body, &errstr) == -1 ||
	    ohttp_billing_frame((const uint8_t *)json, jsonlen, &fx->body,
	    &errstr) == -1 ||
	    ohttp_sealer_chunk(sl, (const uint8_t *)"fin", 3, 1, &fx->body,
	    &errstr) == -1)
		goto out;
	rc = 0;
out:
	ohttp_sealer_free(sl);
	return (rc);
}

/*
 * §6: a billing frame before the final chunk is skipped, whatever the
 * pieces, its bytes never reach the consumer and the final chunk still
 * opens at the next counter (the frame is not a chunk).
 */
static int
test_billing_skipped(void)
{
	struct test_fx		 fx;
	struct test_sink	 b;
	int			 seed, piece, rc = -1;

	test_sink_init(&b);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT(test_billing_body(&fx, TEST_COST, strlen(TEST_COST)) ==
	    0);
	TEST_ASSERT(memmem(fx.body.data, fx.body.len, "cost_usd", 8) != NULL);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == 0);
	TEST_EQ_INT(fx.sk.chunks, 3);
	TEST_EQ_INT(fx.sk.finals, 1);
	TEST_EQ_INT(fx.sk.pt.len, 11 + 11 + 3);
	TEST_EQ_MEM(fx.sk.pt.data, "data: one\n\ndata: two\n\nfin", 25);
	for (piece = 1; piece <= 41; piece += 4) {
		test_sink_reset(&b);
		TEST_ASSERT(test_stream_run(&fx.cli, fx.body.data,
		    fx.body.len, piece, &b) == 0);
		TEST_EQ_INT(b.pt.len, 25);
		TEST_EQ_INT(b.finals, 1);
	}
	for (seed = 1; seed <= 30; seed++) {
		test_sink_reset(&b);
		TEST_ASSERT(test_stream_run(&fx.cli, fx.body.data,
		    fx.body.len, -seed, &b) == 0);
		TEST_EQ_MEM(b.pt.data, "data: one\n\ndata: two\n\nfin", 25);
	}
	/* An empty cost JSON, and one of exactly the limit, are frames too. */
	test_fx_clear(&fx);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_AES128GCM) == 0);
	TEST_ASSERT(test_billing_body(&fx, "", 0) == 0);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 1) == 0);
	TEST_EQ_INT(fx.sk.pt.len, 25);
	rc = 0;
fail:
	test_fx_clear(&fx);
	buf_clear(&b.pt, 0);
	return (rc);
}

/*
 * A frame at the 64 KiB bound passes; one byte more, a wrong magic or a
 * body that ends inside the frame fails (nothing final delivered).
 */
static int
test_billing_bounds(void)
{
	struct test_fx	 fx;
	char		*big = NULL;
	size_t		 i, at;
	int		 rc = -1;

	TEST_ASSERT((big = malloc(OHTTP_BILLING_MAX + 1)) != NULL);
	memset(big, ' ', OHTTP_BILLING_MAX + 1);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_AES256GCM) == 0);
	TEST_ASSERT(test_billing_body(&fx, big, OHTTP_BILLING_MAX) == 0);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, -7) == 0);
	TEST_EQ_INT(fx.sk.pt.len, 25);
	/* The sealer side refuses to write a frame over the bound... */
	fx.body.len = 0;
	TEST_ASSERT(test_billing_body(&fx, big, OHTTP_BILLING_MAX + 1) == -1);
	/* ...and the opener refuses to skip one: patch the length field. */
	test_fx_clear(&fx);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_AES256GCM) == 0);
	TEST_ASSERT(test_billing_body(&fx, "{}", 2) == 0);
	at = (size_t)((uint8_t *)memmem(fx.body.data, fx.body.len,
	    OHTTP_BILLING_MAGIC, OHTTP_BILLING_MAGIC_LEN) - fx.body.data);
	fx.body.data[at + OHTTP_BILLING_MAGIC_LEN + 1] = 0x01;	/* 64 KiB+2 */
	fx.sk.finals = 0;
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
	TEST_EQ_INT(fx.sk.finals, 0);
	fx.body.data[at + OHTTP_BILLING_MAGIC_LEN + 1] = 0x00;
	/* A wrong byte anywhere in the magic: a 10-byte "chunk". */
	for (i = 0; i < OHTTP_BILLING_MAGIC_LEN; i++) {
		fx.body.data[at + i] ^= 0x20;
		test_sink_reset(&fx.sk);
		TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
		TEST_ASSERT(test_fx_run(&fx, fx.body.len, 1) == -1);
		TEST_EQ_INT(fx.sk.finals, 0);
		fx.body.data[at + i] ^= 0x20;
	}
	/* Every cut inside the frame fails at end of body. */
	for (i = at; i <= at + OHTTP_BILLING_HDR_LEN + 2; i++) {
		test_sink_reset(&fx.sk);
		TEST_ASSERT(test_fx_run(&fx, i, 3) == -1);
		TEST_EQ_INT(fx.sk.finals, 0);
	}
	test_sink_reset(&fx.sk);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 3) == 0);
	rc = 0;
fail:
	test_fx_clear(&fx);
	free(big);
	return (rc);
}

/*
 * The relay's filter: stripping leaves exactly the body without the frame
 * (which the opener then reads), passing leaves it byte for byte; both in
 * any pieces, and a stream without a frame goes through unchanged.
 */
static int
test_billing_filter(void)
{
	struct test_fx		 fx;
	struct ohttp_filter	*of = NULL;
	struct buf		 out, want;
	const char		*errstr;
	uint8_t			*at;
	size_t			 off, n, piece, framelen;
	int			 strip, rc = -1;

	buf_init(&out);
	buf_init(&want);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT(test_billing_body(&fx, TEST_COST, strlen(TEST_COST)) ==
	    0);
	at = memmem(fx.body.data, fx.body.len, OHTTP_BILLING_MAGIC,
	    OHTTP_BILLING_MAGIC_LEN);
	TEST_ASSERT(at != NULL);
	framelen = OHTTP_BILLING_HDR_LEN + strlen(TEST_COST);
	buf_add(&want, fx.body.data, (size_t)(at - fx.body.data));
	buf_add(&want, at + framelen, fx.body.len - (size_t)(at -
	    fx.body.data) - framelen);
	for (strip = 0; strip <= 1; strip++) {
		for (piece = 1; piece <= 64; piece = piece * 2 + 1) {
			of = ohttp_filter_new(strip);
			out.len = 0;
			for (off = 0; off < fx.body.len; off += n) {
				n = fx.body.len - off < piece ?
				    fx.body.len - off : piece;
				TEST_ASSERT(ohttp_filter_feed(of,
				    fx.body.data + off, n, &out,
				    &errstr) == 0);
			}
			TEST_EQ_INT(ohttp_filter_frames(of), 1);
			ohttp_filter_free(of);
			of = NULL;
			if (strip) {
				TEST_EQ_INT(out.len, want.len);
				TEST_EQ_MEM(out.data, want.data, want.len);
			} else {
				TEST_EQ_INT(out.len, fx.body.len);
				TEST_EQ_MEM(out.data, fx.body.data,
				    fx.body.len);
			}
		}
	}
	/* The stripped body opens to the same plaintext. */
	fx.body.len = 0;
	buf_add(&fx.body, want.data, want.len);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == 0);
	TEST_EQ_MEM(fx.sk.pt.data, "data: one\n\ndata: two\n\nfin", 25);
	/* No frame in it: the filter passes everything, counts none. */
	of = ohttp_filter_new(1);
	out.len = 0;
	TEST_ASSERT(ohttp_filter_feed(of, want.data, want.len, &out,
	    &errstr) == 0);
	TEST_EQ_INT(ohttp_filter_frames(of), 0);
	TEST_EQ_INT(out.len, want.len);
	rc = 0;
fail:
	ohttp_filter_free(of);
	test_fx_clear(&fx);
	buf_clear(&out, 0);
	buf_clear(&want, 0);
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
	struct test_fx		 fx;
	struct ohttp_stream	*os = NULL;
	struct ohttp_sealer	*sl = NULL;
	struct buf		 v;
	const char		*errstr;
	size_t			 i, off;
	int			 rc = -1;

	buf_init(&v);
	TEST_EQ_INT(bytes_varint_len(63), 1);
	TEST_EQ_INT(bytes_varint_len(64), 2);
	TEST_EQ_INT(bytes_varint_len(16383), 2);
	TEST_EQ_INT(bytes_varint_len(16384), 4);
	TEST_EQ_INT(bytes_varint_len(1ULL << 30), 8);
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT(test_chunked_body(&fx.gw, sizes, 4, &fx.body) == 0);
	/* The wire lengths use 1-, 2-, 2- and 4-byte varints. */
	off = OHTTP_NONCE_LEN;
	TEST_EQ_INT(fx.body.data[off], 63);
	off += 1 + 63;
	TEST_ASSERT(fx.body.data[off] == 0x40 && fx.body.data[off + 1] == 64);
	off += 2 + 64;
	TEST_ASSERT(fx.body.data[off] == 0x7f && fx.body.data[off + 1] == 0xff);
	off += 2 + 16383;
	TEST_ASSERT(fx.body.data[off] == 0x80 && fx.body.data[off + 2] == 0x40);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 1) == 0);
	TEST_EQ_INT(fx.sk.chunks, 5);
	/* A length over the cap is refused as soon as its varint is read. */
	for (i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		v.len = 0;
		buf_add(&v, fx.body.data, OHTTP_NONCE_LEN);
		buf_add_varint(&v, big[i]);
		buf_add(&v, "xxxxxxxx", 8);
		TEST_ASSERT((os = ohttp_stream_new(&fx.cli, test_sink_cb,
		    &fx.sk)) != NULL);
		TEST_ASSERT(ohttp_stream_feed(os, v.data, v.len,
		    &errstr) == -1);
		TEST_EQ_INT(ohttp_stream_pending(os), 0);
		ohttp_stream_free(os);
		os = NULL;
	}
	/* A non-minimal varint (0x40 0x13 = 19) is still a length. */
	fx.body.len = v.len = 0;
	TEST_ASSERT((sl = test_fx_sealer(&fx)) != NULL);
	TEST_ASSERT(ohttp_sealer_chunk(sl, (const uint8_t *)"abc", 3, 0,
	    &fx.body, &errstr) == 0);
	TEST_EQ_INT(fx.body.len, OHTTP_NONCE_LEN + 1 + 19);
	buf_add(&v, fx.body.data, OHTTP_NONCE_LEN);
	buf_add_u8(&v, 0x40);
	buf_add(&v, fx.body.data + OHTTP_NONCE_LEN, 1 + 19);
	TEST_ASSERT(ohttp_sealer_chunk(sl, NULL, 0, 1, &v, &errstr) == 0);
	test_sink_reset(&fx.sk);
	TEST_ASSERT(test_stream_run(&fx.cli, v.data, v.len, 1, &fx.sk) == 0);
	TEST_EQ_STR((char *)fx.sk.pt.data, "abc");
	rc = 0;
fail:
	ohttp_sealer_free(sl);
	ohttp_stream_free(os);
	test_fx_clear(&fx);
	buf_clear(&v, 0);
	return (rc);
}

/* A varint that runs past the end of the body; a chunk under a tag. */
static int
test_varint_past_end(void)
{
	struct test_fx		 fx;
	struct ohttp_stream	*os = NULL;
	const char		*errstr;
	uint8_t			 nonce[OHTTP_NONCE_LEN];
	int			 rc = -1;

	memset(nonce, 7, sizeof(nonce));
	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	buf_add(&fx.body, nonce, sizeof(nonce));
	buf_add_u8(&fx.body, 0x80);
	buf_add_u8(&fx.body, 0x00);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 1) == -1);
	/* A sealed chunk of 15 bytes cannot hold its tag. */
	os = ohttp_stream_new(&fx.cli, test_sink_cb, &fx.sk);
	TEST_ASSERT(os != NULL);
	TEST_ASSERT(ohttp_stream_feed(os, nonce, sizeof(nonce), &errstr) == 0);
	TEST_ASSERT(ohttp_stream_feed(os, (const uint8_t *)"\x0f", 1,
	    &errstr) == -1);
	/* Once failed, always failed. */
	TEST_ASSERT(ohttp_stream_feed(os, nonce, 1, &errstr) == -1);
	TEST_ASSERT(ohttp_stream_finish(os, &errstr) == -1);
	rc = 0;
fail:
	ohttp_stream_free(os);
	test_fx_clear(&fx);
	return (rc);
}

/* pending() counts held bytes; a refusing callback stops the stream. */
static int
test_pending_and_abort(void)
{
	static const size_t	 sizes[] = { 100, 100 };
	struct test_fx		 fx;
	struct ohttp_stream	*os = NULL;
	const char		*errstr;
	int			 rc = -1;

	TEST_ASSERT(test_fx_init(&fx, HPKE_AEAD_CHACHA20POLY1305) == 0);
	TEST_ASSERT(test_chunked_body(&fx.gw, sizes, 2, &fx.body) == 0);
	os = ohttp_stream_new(&fx.cli, test_sink_cb, &fx.sk);
	TEST_ASSERT(os != NULL);
	TEST_ASSERT(ohttp_stream_feed(os, fx.body.data, 10, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 10);
	TEST_ASSERT(ohttp_stream_feed(os, fx.body.data + 10, 23, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 1);	/* the 2-byte varint */
	TEST_ASSERT(ohttp_stream_feed(os, fx.body.data + 33, 50, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 49);
	TEST_ASSERT(ohttp_stream_feed(os, fx.body.data + 83, fx.body.len - 83,
	    &errstr) == 0);
	TEST_EQ_INT(fx.sk.chunks, 2);
	TEST_ASSERT(ohttp_stream_pending(os) == 3 + HPKE_TAG_LEN);
	TEST_ASSERT(ohttp_stream_finish(os, &errstr) == 0);
	TEST_EQ_INT(ohttp_stream_pending(os), 0);
	/* After the end, nothing more. */
	TEST_ASSERT(ohttp_stream_feed(os, fx.body.data, 1, &errstr) == -1);
	ohttp_stream_free(os);
	os = NULL;

	test_sink_reset(&fx.sk);
	fx.sk.abort_at = 1;
	TEST_ASSERT(test_fx_run(&fx, fx.body.len, 0) == -1);
	TEST_EQ_INT(fx.sk.chunks, 1);
	rc = 0;
fail:
	ohttp_stream_free(os);
	test_fx_clear(&fx);
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
	{ "billing-skipped", test_billing_skipped },
	{ "billing-bounds", test_billing_bounds },
	{ "billing-filter", test_billing_filter },
};

TEST_MAIN("test-ohttp", ohttp_tests)

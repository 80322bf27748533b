/*
 * test-stream.c: the streaming verifier (PROTOCOL.md §6, §8, §9) end to
 * end in memory: a real OHTTP exchange and a real RSA-PSS signature over
 * chunked SSE frames, fed in pieces; the verified answer it produces (text
 * or tool calls, never both, frames as values in the signed form, the
 * enclave's proof fields), and every way it must refuse: a tampered
 * output, a wrong tee_id, no final chunk, a flipped ciphertext byte, an
 * upstream error event, a stream past its cap.  Held bytes go back to 0.
 */
#include "compat.h"

#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "abi.h"
#include "bytes.h"
#include "hpke.h"
#include "json.h"
#include "keccak.h"
#include "ohttp.h"
#include "pyjson.h"
#include "verify.h"
#include "og-veil.h"
#include "test.h"
#include "fixture.h"

/* The TEE of every case: an OHTTP key and a signing key, made once. */
static struct {
	struct ohttp_key_config	 kc;
	uint8_t			 sk[32];
	EVP_PKEY		*rsa;
	struct verify_key	*vkey;
	char			 tee_id[VERIFY_TEE_ID_LEN + 1];
	uint8_t			 request_hash[32];
} tee;

static int
tee_setup(void)
{
	const char	*errstr;
	uint8_t		*der = NULL, *p;
	int		 len;

	if (tee.rsa != NULL)
		return (0);
	if (hpke_generate_keypair(tee.sk, tee.kc.pk, &errstr) == -1)
		return (-1);
	tee.kc.key_id = 1;
	tee.kc.kem_id = HPKE_KEM_X25519_SHA256;
	tee.kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	tee.kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	if ((tee.rsa = EVP_RSA_gen(2048)) == NULL ||
	    (len = i2d_PUBKEY(tee.rsa, NULL)) <= 0)
		return (-1);
	der = malloc((size_t)len);
	p = der;
	if (i2d_PUBKEY(tee.rsa, &p) != len) {
		free(der);
		return (-1);
	}
	verify_tee_id(der, (size_t)len, tee.tee_id);
	tee.vkey = verify_key_new(der, (size_t)len);
	free(der);
	memset(tee.request_hash, 0x5a, sizeof(tee.request_hash));
	return (tee.vkey != NULL ? 0 : -1);
}

/* The base64 RSA-PSS signature of §9 over (request, output, ts). */
static char *
sign(const uint8_t *out_hash, uint64_t ts)
{
	struct keccak_ctx	 kc;
	EVP_MD_CTX		*md;
	EVP_PKEY_CTX		*pctx = NULL;
	uint8_t			 t[32], msg[32], sig[512];
	size_t			 siglen = sizeof(sig);
	char			*s = NULL;

	abi_u256_from_u64(ts, t);
	keccak256_init(&kc);
	keccak256_update(&kc, tee.request_hash, 32);
	keccak256_update(&kc, out_hash, 32);
	keccak256_update(&kc, t, sizeof(t));
	keccak256_final(&kc, msg);
	if ((md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, tee.rsa) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) == 1 &&
	    EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) == 1)
		s = base64_encode_new(sig, siglen);
	EVP_MD_CTX_free(md);
	return (s);
}

/* How a case's gateway misbehaves. */
#define F_TAMPER	0x01	/* signs an output other than the frames' */
#define F_NO_FINAL	0x02	/* the final chunk never comes */
#define F_FLIP		0x04	/* one ciphertext byte flipped */
#define F_WRONG_ID	0x08	/* tee_id of another key */

/*
 * Seal frames (SSE text each) and a final frame signing output (usage
 * and finish reason given) as the gateway does; ciphertext into ct, the
 * client's context into cctx.
 */
static int
seal_stream(struct ohttp_ctx *cctx, const char *const *frames,
    const char *finish, const char *output, int faults, struct buf *ct)
{
	struct ohttp_ctx	 sctx;
	struct ohttp_sealer	*sl;
	struct buf		 req, pt, fin;
	const char		*errstr, *signed_out;
	uint8_t			 oh[32];
	char			 ohex[65], rhex[65], *sig;
	size_t			 i;
	int			 rv = -1;

	buf_init(&req);
	buf_init(&pt);
	buf_init(&fin);
	if (ohttp_encap_request(cctx, &tee.kc, (const uint8_t *)"{}", 2, &req,
	    &errstr) == -1 ||
	    ohttp_decap_request(&sctx, &tee.kc, tee.sk, req.data, req.len,
	    &pt, &errstr) == -1)
		goto out;
	if ((sl = ohttp_sealer_new(&sctx, NULL, ct, &errstr)) == NULL)
		goto out;
	for (i = 0; frames[i] != NULL; i++)
		if (ohttp_sealer_chunk(sl, (const uint8_t *)frames[i],
		    strlen(frames[i]), 0, ct, &errstr) == -1)
			goto seal;
	signed_out = (faults & F_TAMPER) ? "something else" : output;
	keccak256(signed_out, strlen(signed_out), oh);
	hex_encode(oh, 32, ohex);
	hex_encode(tee.request_hash, 32, rhex);
	if ((sig = sign(oh, 1767225600)) == NULL)
		goto seal;
	buf_printf(&fin, "data: {\"choices\": [{\"delta\": {}, \"index\": 0, "
	    "\"finish_reason\": \"%s\"}], \"model\": \"gm\", \"usage\": "
	    "{\"prompt_tokens\": 3, \"completion_tokens\": 2, \"note\": "
	    "\"x\"}, "
	    "\"tee_signature\": \"%s\", \"tee_timestamp\": 1767225600, "
	    "\"tee_request_hash\": \"%s\", \"tee_output_hash\": \"0x%s\", "
	    "\"tee_id\": \"%s\"}\n\ndata: [DONE]\n\n", finish, sig, rhex, ohex,
	    (faults & F_WRONG_ID) ? "0x00000000000000000000000000000000000000"
	    "00000000000000000000000001" : tee.tee_id);
	free(sig);
	if (!(faults & F_NO_FINAL) && ohttp_sealer_chunk(sl, fin.data,
	    fin.len, 1, ct, &errstr) == -1)
		goto seal;
	if ((faults & F_FLIP) && ct->len > 40)
		ct->data[40] ^= 0x01;
	rv = 0;
seal:
	ohttp_sealer_free(sl);
out:
	ohttp_ctx_clear(&sctx);
	buf_clear(&req, 0);
	buf_clear(&pt, 0);
	buf_clear(&fin, 0);
	return (rv);
}

/* Feed ct in pieces of step bytes and finish; the verifier's result. */
static int
run(struct ohttp_ctx *cctx, const struct buf *ct, size_t step, size_t max,
    struct answer *an, struct answer_error *ae)
{
	struct answer_check	 ck;
	struct stream		*st;
	size_t			 unverified = 0, off, n;
	int			 rv = 0;

	memset(&ck, 0, sizeof(ck));
	ck.vkey = tee.vkey;
	ck.tee_id = tee.tee_id;
	ck.request_hash = tee.request_hash;
	ck.model = "req-model";
	st = stream_new(cctx, "req-model", max, &unverified);
	for (off = 0; off < ct->len && rv == 0; off += n) {
		n = ct->len - off < step ? ct->len - off : step;
		rv = stream_feed(st, ct->data + off, n, ae);
		if (rv == 0 && unverified != stream_held(st))
			rv = -2;
	}
	if (rv == 0)
		rv = stream_finish(st, &ck, an, ae);
	stream_free(st);
	if (unverified != 0)
		return (-3);	/* held bytes not given back */
	return (rv);
}

#define D(s)	"data: {\"choices\":[{\"delta\":{\"content\":\"" s "\"}," \
	"\"index\":0,\"finish_reason\":null}],\"model\":\"gm\"}\n\n"

/* The answer's frames as the chat dialect replays them; new string. */
static char *
replay(const struct answer *an)
{
	struct render		 rd;
	struct answer_error	 ae;
	struct buf		 b;

	buf_init(&b);
	render_init(&rd, &dialect_chat, NULL, "gm");
	if (render_stream_answer(&rd, an, &b, &ae) != 0)
		buf_add_str(&b, "(refused)");
	render_clear(&rd);
	buf_add(&b, "", 1);
	return ((char *)buf_detach(&b, NULL));
}

static int
test_text(void)
{
	static const char *const frames[] = { "data: {\"choices\":[{\"delta\":"
	    "{\"role\":\"assistant\",\"content\":\"\"},\"index\":0}]}\n\n",
	    D("Hel"), ": comment\n\n" D("lo"), NULL };
	static const size_t	 steps[] = { 1, 7, 64, 100000 };
	struct ohttp_ctx	 cctx;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 ct;
	char			*s = NULL, *p;
	size_t			 i, k;

	answer_init(&an);
	buf_init(&ct);
	TEST_ASSERT(tee_setup() == 0);
	TEST_ASSERT(seal_stream(&cctx, frames, "stop", "Hello", 0, &ct) == 0);
	for (k = 0; k < sizeof(steps) / sizeof(steps[0]); k++) {
		TEST_EQ_INT(run(&cctx, &ct, steps[k], 1 << 20, &an, &ae), 0);
		TEST_EQ_INT(an.an_stream, 1);
		TEST_EQ_INT(an.an_tools, 0);
		TEST_EQ_STR(an.an_text, "Hello");
		TEST_EQ_INT(an.an_text_len, 5);
		TEST_ASSERT(an.an_calls == NULL);
		TEST_EQ_STR(an.an_finish, "stop");
		TEST_EQ_STR(an.an_model, "gm");
		TEST_EQ_STR(an.an_proof.tee_id, tee.tee_id);
		s = fixture_text(an.an_usage);
		TEST_EQ_STR(s, "{\"prompt_tokens\":3,\"completion_tokens\":2}");
		free(s);
		s = NULL;
		TEST_EQ_INT(an.an_tee->n, 5);
		TEST_EQ_STR(json_get_str(an.an_tee, "tee_id"), tee.tee_id);
		/* Three frames and the final, held, no proof fields. */
		TEST_EQ_INT(an.an_nframes, 4);
		s = replay(&an);
		for (i = 0, p = s; (p = strstr(p, "data: {")) != NULL; i++) {
			TEST_ASSERT(strncmp(p, "data: {\"id\":\"chatcmpl-",
			    22) == 0);
			p++;
		}
		TEST_EQ_INT(i, 4);
		TEST_ASSERT((p = strstr(s, "\"tee_signature\"")) != NULL);
		TEST_ASSERT(strstr(p, "data: {") == NULL);	/* the last */
		TEST_ASSERT(strstr(s, "\"object\":\"chat.completion.chunk\","
		    "\"created\":") != NULL);
		TEST_ASSERT(strstr(s, "\"model\":\"gm\",\"choices\":[{"
		    "\"index\":0,\"delta\":{\"content\":\"Hel\"},"
		    "\"finish_reason\":null}]}\n\n") != NULL);
		TEST_ASSERT(strstr(s, "\"delta\":{\"role\":\"assistant\","
		    "\"content\":\"\"}") != NULL);
		free(s);
		s = NULL;
		answer_clear(&an);
	}
	ohttp_ctx_clear(&cctx);
	buf_clear(&ct, 0);
	return (0);
fail:
	free(s);
	answer_clear(&an);
	buf_clear(&ct, 0);
	return (-1);
}

static int
test_tools(void)
{
	static const char *const frames[] = {
	    "data: {\"choices\":[{\"delta\":{\"content\":\"UNSIGNED\","
	    "\"tool_calls\":[{\"index\":0,\"id\":\"call_1\",\"type\":"
	    "\"function\",\"function\":{\"name\":\"Bash\",\"arguments\":"
	    "\"{\\\"command\\\":\"}}]},\"index\":0}]}\n\n",
	    "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"function\":{\"arguments\":\"\\\"ls\\\"}\"}}]},"
	    "\"index\":0}]}\n\n",
	    NULL };
	const char		*out = "[{\"function\": {\"arguments\": "
	    "\"{\\\"command\\\":\\\"ls\\\"}\", \"name\": \"Bash\"}, \"id\": "
	    "\"call_1\", \"type\": \"function\"}]";
	struct ohttp_ctx	 cctx;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 ct;
	char			*s = NULL;

	answer_init(&an);
	buf_init(&ct);
	TEST_ASSERT(tee_setup() == 0);
	TEST_ASSERT(seal_stream(&cctx, frames, "tool_calls", out, 0,
	    &ct) == 0);
	TEST_EQ_INT(run(&cctx, &ct, 13, 1 << 20, &an, &ae), 0);
	TEST_EQ_INT(an.an_tools, 1);
	TEST_ASSERT(an.an_text == NULL);
	TEST_EQ_STR(an.an_finish, "tool_calls");
	s = fixture_text(an.an_calls);
	TEST_EQ_STR(s, "[{\"function\":{\"arguments\":\"{\\\"command\\\":"
	    "\\\"ls\\\"}\",\"name\":\"Bash\"},\"id\":\"call_1\",\"type\":"
	    "\"function\"}]");
	free(s);
	s = NULL;
	/* The unsigned content beside signed tool calls is gone. */
	TEST_EQ_INT(an.an_nframes, 3);
	s = replay(&an);
	TEST_ASSERT(strstr(s, "UNSIGNED") == NULL);
	TEST_ASSERT(strstr(s, "\"delta\":{\"tool_calls\":[{\"index\":0,"
	    "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"Bash\",\"arguments\":\"{\\\"command\\\":\"}}]}") != NULL);
	free(s);
	s = NULL;
	answer_clear(&an);
	ohttp_ctx_clear(&cctx);
	buf_clear(&ct, 0);
	return (0);
fail:
	free(s);
	answer_clear(&an);
	buf_clear(&ct, 0);
	return (-1);
}

/* Each fault: refused with the error of the table and nothing held. */
static int
test_refused(void)
{
	static const char *const frames[] = { D("Hi"), NULL };
	static const char *const errframes[] = { D("Hi"),
	    "data: {\"error\": \"model overloaded\"}\n\n", NULL };
	static const struct {
		int			 faults;
		const char *const	*frames;
		size_t			 max;
		enum error_code		 code;
		const char		*says;
	} cases[] = {
		{ F_TAMPER, frames, 1 << 20, ERROR_VERIFICATION,
		  "output hash" },
		{ F_WRONG_ID, frames, 1 << 20, ERROR_VERIFICATION, "tee_id" },
		{ F_NO_FINAL, frames, 1 << 20, ERROR_VERIFICATION,
		  "incomplete" },
		{ F_FLIP, frames, 1 << 20, ERROR_VERIFICATION,
		  "does not decrypt" },
		{ 0, errframes, 1 << 20, ERROR_UPSTREAM, "model overloaded" },
		{ 0, frames, 64, ERROR_RESPONSE_TOO_LARGE,
		  "OG_VEIL_MAX_RESPONSE" },
	};
	struct ohttp_ctx	 cctx;
	struct answer		 an;
	struct answer_error	 ae;
	struct buf		 ct;
	size_t			 i;

	answer_init(&an);
	buf_init(&ct);
	TEST_ASSERT(tee_setup() == 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_clear(&ct, 0);
		memset(&ae, 0, sizeof(ae));
		TEST_ASSERT(seal_stream(&cctx, cases[i].frames, "stop", "Hi",
		    cases[i].faults, &ct) == 0);
		if (run(&cctx, &ct, 5, cases[i].max, &an, &ae) != -1) {
			fprintf(stderr, "  case %zu: not refused\n", i);
			goto fail;
		}
		TEST_EQ_INT(ae.code, cases[i].code);
		if (strstr(ae.message, cases[i].says) == NULL) {
			fprintf(stderr, "  case %zu: \"%s\" lacks \"%s\"\n", i,
			    ae.message, cases[i].says);
			goto fail;
		}
		TEST_ASSERT(an.an_text == NULL && an.an_nframes == 0);
		ohttp_ctx_clear(&cctx);
	}
	buf_clear(&ct, 0);
	return (0);
fail:
	answer_clear(&an);
	buf_clear(&ct, 0);
	return (-1);
}

/*
 * The replay rendered in pieces (dl_stream_next, as the delivery path
 * writes it while the agent reads) is byte for byte the whole replay
 * (render_stream_answer) in every dialect, committed or not; each piece ends
 * at a frame once it holds the limit, so pieces stay small however many
 * frames a stream has.
 */
static int
test_pieces(void)
{
	static const struct dialect *const dls[] = { &dialect_chat,
	    &dialect_anthropic, &dialect_responses };
	enum { NF = 300 };
	const char		*frames[NF + 1];
	static const size_t	 limits[] = { 1, 512, RENDER_PIECE };
	struct ohttp_ctx	 cctx;
	struct answer		 an;
	struct answer_error	 ae;
	struct render		 rd;
	struct buf		 ct, whole, all, piece, out;
	size_t			 d, k, n, max;
	uint64_t		 seq;
	int			 begun, r;

	answer_init(&an);
	buf_init(&ct);
	buf_init(&whole);
	buf_init(&all);
	buf_init(&out);
	for (n = 0; n < NF; n++)
		frames[n] = n % 3 == 2 ? D("w\u00e9 ") : D("word ");
	frames[NF] = NULL;
	for (n = 0; n < NF; n++)
		buf_add_str(&out, n % 3 == 2 ? "w\xc3\xa9 " : "word ");
	buf_add(&out, "", 1);
	TEST_ASSERT(tee_setup() == 0);
	TEST_ASSERT(seal_stream(&cctx, frames, "stop", (const char *)out.data,
	    0, &ct) == 0);
	TEST_EQ_INT(run(&cctx, &ct, 4096, 1 << 24, &an, &ae), 0);
	TEST_EQ_INT(an.an_nframes, NF + 1);
	for (d = 0; d < 3; d++)
		for (begun = 0; begun < 2; begun++) {
			render_init(&rd, dls[d], NULL, "gm");
			rd.rd_flags |= begun ? RENDER_BEGUN : 0;
			seq = rd.rd_seq;	/* responses numbers events */
			TEST_EQ_INT(render_stream_answer(&rd, &an, &whole,
			    &ae), 0);
			for (k = 0; k < 3; k++) {
				render_rewind(&rd);
				rd.rd_seq = seq;
				all.len = 0;
				max = n = 0;
				do {
					buf_init(&piece);
					r = dls[d]->dl_stream_next(&rd, &an,
					    &piece, &ae, limits[k]);
					buf_add(&all, piece.data, piece.len);
					/* (the first opens, the last proves) */
					if (r == 1 && n > 0 && piece.len > max)
						max = piece.len;
					buf_clear(&piece, 0);
					n++;
				} while (r == 1 && n < 10 * NF);
				TEST_EQ_INT(r, 0);
				if (all.len != whole.len || memcmp(all.data,
				    whole.data, whole.len) != 0) {
					fprintf(stderr, "  %s begun %d limit "
					    "%zu: pieces differ\n",
					    dls[d]->dl_name, begun, limits[k]);
					goto fail;
				}
				/* Small pieces: many, none much over it. */
				if (limits[k] == 1)
					TEST_ASSERT(n > NF / 2);
				if (limits[k] == 512)
					TEST_ASSERT(max > 0 && max < 512 + 512);
			}
			/* After its end, nothing more. */
			buf_init(&piece);
			TEST_EQ_INT(dls[d]->dl_stream_next(&rd, &an, &piece,
			    &ae, 512), 0);
			TEST_EQ_INT(piece.len, 0);
			buf_clear(&piece, 0);
			/* The dialect's own end is in the whole replay. */
			buf_add(&whole, "", 1);
			TEST_ASSERT(strstr((const char *)whole.data, d == 0 ?
			    "data: [DONE]" : d == 1 ? "message_stop" :
			    "response.completed") != NULL);
			TEST_ASSERT(strstr((const char *)whole.data,
			    "opengradient_verification") != NULL ||
			    rd.rd_proof == NULL);
			whole.len = 0;
			render_clear(&rd);
		}
	answer_clear(&an);
	ohttp_ctx_clear(&cctx);
	buf_clear(&ct, 0);
	buf_clear(&whole, 0);
	buf_clear(&all, 0);
	buf_clear(&out, 0);
	return (0);
fail:
	render_clear(&rd);
	answer_clear(&an);
	buf_clear(&ct, 0);
	buf_clear(&whole, 0);
	buf_clear(&all, 0);
	buf_clear(&out, 0);
	return (-1);
}

static const struct test_case cases[] = {
	{ "text-verified-any-pieces", test_text },
	{ "replay-in-pieces-same-bytes", test_pieces },
	{ "tools-signed-form-only", test_tools },
	{ "faults-refused", test_refused },
};

TEST_MAIN("test-stream", cases)

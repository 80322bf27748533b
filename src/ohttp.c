/*
 * ohttp.c: Oblivious HTTP (RFC 9458) request encapsulation over HPKE and
 * the single-shot and chunked (draft-ietf-ohai-chunked-ohttp) responses,
 * both roles: og-veil encapsulates and opens, og-veil-devnet decapsulates
 * and seals.  PROTOCOL.md §4 and §6.  The chunked opener accepts the body
 * in pieces of any size and holds at most one chunk; it skips the plaintext
 * billing frame a gateway writes for the relay, which the relay's filter
 * (ohttp_filter_*) strips or passes on.
 */
#include "compat.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "ohttp.h"
#include "xmalloc.h"

#define OHTTP_REQ_LABEL		"message/bhttp request"
#define OHTTP_RES_LABEL		"message/bhttp response"
#define OHTTP_CHUNKED_LABEL	"message/bhttp chunked response"
#define OHTTP_FINAL_AAD		"final"
/* The longest label plus its 0x00 and the header. */
#define OHTTP_INFO_MAX		(sizeof(OHTTP_REQ_LABEL) + OHTTP_HDR_LEN)

/* The chunked opener's states, in wire order. */
enum ohttp_stream_state {
	OHTTP_S_NONCE,		/* collecting the 32-byte response_nonce */
	OHTTP_S_LEN,		/* collecting a chunk's varint length */
	OHTTP_S_CHUNK,		/* collecting a non-final sealed chunk */
	OHTTP_S_BILLING,	/* inside a plaintext billing frame */
	OHTTP_S_FINAL,		/* after varint(0): the rest is the final */
	OHTTP_S_DONE,		/* final chunk opened */
	OHTTP_S_FAILED		/* an error was reported; nothing more */
};

/*
 * A billing frame being skipped (PROTOCOL.md §6): magic || be32 length ||
 * cost JSON.  Only the header is held; the JSON is counted past.
 */
struct ohttp_billing {
	uint8_t		 bl_hdr[OHTTP_BILLING_HDR_LEN];
	size_t		 bl_got;		/* header bytes held */
	uint32_t	 bl_left;		/* JSON bytes still to skip */
};

/* Relay side: passes a chunked body on, with or without billing frames. */
struct ohttp_filter {
	enum ohttp_stream_state	 of_state;
	int			 of_strip;	/* drop billing frames */
	size_t			 of_frames;	/* billing frames seen */
	size_t			 of_got;	/* nonce or varint bytes */
	uint8_t			 of_varint[8];
	uint64_t		 of_left;	/* chunk bytes to pass */
	struct ohttp_billing	 of_bill;
};

/* Gateway side: seals the chunks of one response. */
struct ohttp_sealer {
	uint16_t	 sl_aead;
	uint8_t		 sl_key[HPKE_MAX_KEY_LEN];
	uint8_t		 sl_nonce[HPKE_NONCE_LEN];	/* aead_nonce */
	uint64_t	 sl_counter;			/* next chunk's index */
	int		 sl_done;			/* final chunk sealed */
};

/* Client side: opens a chunked response fed in arbitrary pieces. */
struct ohttp_stream {
	enum ohttp_stream_state	 os_state;
	ohttp_chunk_cb		 os_cb;
	void			*os_arg;	/* the callback's, not owned */
	uint16_t		 os_aead;
	uint8_t			 os_enc[HPKE_X25519_LEN];
	uint8_t			 os_secret[HPKE_SECRET_LEN];
	uint8_t			 os_key[HPKE_MAX_KEY_LEN];
	uint8_t			 os_nonce[HPKE_NONCE_LEN];
	uint64_t		 os_counter;	/* next chunk's index */
	uint64_t		 os_need;	/* sealed length expected */
	struct ohttp_billing	 os_bill;	/* a frame being skipped */
	struct buf		 os_in;		/* owned: a partial field */
};

/*
 * The plaintext of the chunk being opened, shared by every opener: a chunk
 * is opened, handed to the consumer and wiped before the next one (one
 * thread), so a stream waiting for its next chunk holds no plaintext
 * buffer.
 */
static struct buf	 ohttp_stream_pt;
/* ohttp_stream_pt's allocation kept for the next chunk; a larger is freed. */
#define OHTTP_PT_KEEP		(64 * 1024)

static void	ohttp_header(const struct ohttp_key_config *,
		    uint8_t[OHTTP_HDR_LEN]);
static size_t	ohttp_info(const uint8_t *, uint8_t[OHTTP_INFO_MAX]);
static int	ohttp_exports(struct ohttp_ctx *, const char **);
static int	ohttp_encap(struct ohttp_ctx *, const struct ohttp_key_config *,
		    const uint8_t *, size_t, const uint8_t *, size_t,
		    struct buf *, const char **);
static int	ohttp_stream_fail(struct ohttp_stream *, const char *,
		    const char **);
static int	ohttp_stream_open(struct ohttp_stream *, const uint8_t *,
		    size_t, int, const char **);
static int	ohttp_stream_len(struct ohttp_stream *, const uint8_t **,
		    size_t *, const char **);
static int	ohttp_billing_skip(struct ohttp_billing *, const uint8_t **,
		    size_t *, struct buf *, const char **);

/* hdr = keyId || kemId || kdfId || aeadId, PROTOCOL.md §4. */
static void
ohttp_header(const struct ohttp_key_config *kc, uint8_t hdr[OHTTP_HDR_LEN])
{
	hdr[0] = kc->key_id;
	hdr[1] = (uint8_t)(kc->kem_id >> 8);
	hdr[2] = (uint8_t)kc->kem_id;
	hdr[3] = (uint8_t)(kc->kdf_id >> 8);
	hdr[4] = (uint8_t)kc->kdf_id;
	hdr[5] = (uint8_t)(kc->aead_id >> 8);
	hdr[6] = (uint8_t)kc->aead_id;
}

/* info = "message/bhttp request" || 0x00 || hdr; returns its length. */
static size_t
ohttp_info(const uint8_t *hdr, uint8_t info[OHTTP_INFO_MAX])
{
	memcpy(info, OHTTP_REQ_LABEL, sizeof(OHTTP_REQ_LABEL));
	memcpy(info + sizeof(OHTTP_REQ_LABEL), hdr, OHTTP_HDR_LEN);
	return (OHTTP_INFO_MAX);
}

/* The two response secrets, exported from the request's HPKE context. */
static int
ohttp_exports(struct ohttp_ctx *ctx, const char **errstr)
{
	if (hpke_export(&ctx->hpke, (const uint8_t *)OHTTP_RES_LABEL,
	    strlen(OHTTP_RES_LABEL), ctx->response_secret,
	    sizeof(ctx->response_secret), errstr) == -1 ||
	    hpke_export(&ctx->hpke, (const uint8_t *)OHTTP_CHUNKED_LABEL,
	    strlen(OHTTP_CHUNKED_LABEL), ctx->chunked_secret,
	    sizeof(ctx->chunked_secret), errstr) == -1)
		return (-1);
	return (0);
}

/* Encapsulate with a random (ikme NULL) or derived ephemeral key. */
static int
ohttp_encap(struct ohttp_ctx *ctx, const struct ohttp_key_config *kc,
    const uint8_t *pt, size_t ptlen, const uint8_t *ikme, size_t ikmelen,
    struct buf *body, const char **errstr)
{
	uint8_t	 hdr[OHTTP_HDR_LEN], info[OHTTP_INFO_MAX];
	size_t	 infolen, start = body->len;
	int	 rc;

	memset(ctx, 0, sizeof(*ctx));
	ohttp_header(kc, hdr);
	infolen = ohttp_info(hdr, info);
	if (ikme == NULL)
		rc = hpke_setup_base_s(&ctx->hpke, kc->kem_id, kc->kdf_id,
		    kc->aead_id, kc->pk, sizeof(kc->pk), info, infolen,
		    ctx->enc, errstr);
	else
		rc = hpke_setup_base_s_det(&ctx->hpke, kc->kem_id, kc->kdf_id,
		    kc->aead_id, kc->pk, sizeof(kc->pk), info, infolen, ikme,
		    ikmelen, ctx->enc, errstr);
	if (rc == -1)
		goto fail;
	buf_add(body, hdr, sizeof(hdr));
	buf_add(body, ctx->enc, sizeof(ctx->enc));
	if (hpke_seal(&ctx->hpke, NULL, 0, pt, ptlen, body, errstr) == -1 ||
	    ohttp_exports(ctx, errstr) == -1)
		goto fail;
	return (0);
fail:
	body->len = start;
	if (body->data != NULL)
		body->data[start] = '\0';
	ohttp_ctx_clear(ctx);
	return (-1);
}

/* Client: hdr || enc || Seal("", wire request) appended to body. */
int
ohttp_encap_request(struct ohttp_ctx *ctx, const struct ohttp_key_config *kc,
    const uint8_t *pt, size_t ptlen, struct buf *body, const char **errstr)
{
	return (ohttp_encap(ctx, kc, pt, ptlen, NULL, 0, body, errstr));
}

/* The same with skE = DeriveKeyPair(ikmE): (ctx, kc, pt, ptlen, ikmE, len). */
int
ohttp_encap_request_det(struct ohttp_ctx *ctx,
    const struct ohttp_key_config *kc, const uint8_t *pt, size_t ptlen,
    const uint8_t *ikme, size_t ikmelen, struct buf *body,
    const char **errstr)
{
	if (ikme == NULL) {
		*errstr = "no ikmE";
		return (-1);
	}
	return (ohttp_encap(ctx, kc, pt, ptlen, ikme, ikmelen, body, errstr));
}

/* Gateway: check the header against the config, then open the request. */
int
ohttp_decap_request(struct ohttp_ctx *ctx, const struct ohttp_key_config *kc,
    const uint8_t *skr, const uint8_t *body, size_t len, struct buf *pt,
    const char **errstr)
{
	struct bytes_reader	 rd;
	const uint8_t		*hdr, *enc;
	uint8_t			 key_id, info[OHTTP_INFO_MAX];
	uint16_t		 kem, kdf, aead;
	size_t			 infolen;

	memset(ctx, 0, sizeof(*ctx));
	if (len < OHTTP_HDR_LEN + HPKE_X25519_LEN + HPKE_TAG_LEN) {
		*errstr = "encapsulated request too short";
		return (-1);
	}
	hdr = body;
	bytes_reader_init(&rd, body, len);
	if (bytes_get_u8(&rd, &key_id) == -1 ||
	    bytes_get_be16(&rd, &kem) == -1 ||
	    bytes_get_be16(&rd, &kdf) == -1 ||
	    bytes_get_be16(&rd, &aead) == -1)
		goto short_body;
	if (key_id != kc->key_id) {
		*errstr = "request for an unknown key id";
		return (-1);
	}
	if (kem != kc->kem_id || kdf != kc->kdf_id || aead != kc->aead_id) {
		*errstr = "request suite does not match the key config";
		return (-1);
	}
	if (bytes_get_ptr(&rd, HPKE_X25519_LEN, &enc) == -1)
		goto short_body;
	infolen = ohttp_info(hdr, info);
	if (hpke_setup_base_r(&ctx->hpke, kem, kdf, aead, enc,
	    HPKE_X25519_LEN, skr, HPKE_X25519_LEN, info, infolen,
	    errstr) == -1)
		goto fail;
	memcpy(ctx->enc, enc, sizeof(ctx->enc));
	if (hpke_open(&ctx->hpke, NULL, 0, rd.p + rd.off, bytes_left(&rd), pt,
	    errstr) == -1 || ohttp_exports(ctx, errstr) == -1)
		goto fail;
	return (0);
short_body:
	*errstr = "encapsulated request too short";
fail:
	ohttp_ctx_clear(ctx);
	return (-1);
}

/*
 * PROTOCOL.md §6: prk = HMAC-SHA256(key = enc || response_nonce,
 * msg = secret), key = HKDF-Expand(prk, "key", Nk), nonce =
 * HKDF-Expand(prk, "nonce", 12).  prk may be NULL.
 */
int
ohttp_response_keys(const uint8_t *enc, const uint8_t *secret,
    const uint8_t *nonce, uint16_t aead, uint8_t *prk_out,
    uint8_t key[HPKE_MAX_KEY_LEN], uint8_t aead_nonce[HPKE_NONCE_LEN],
    const char **errstr)
{
	uint8_t	 salt[HPKE_X25519_LEN + OHTTP_NONCE_LEN];
	uint8_t	 prk[HPKE_SECRET_LEN];
	size_t	 nk;
	int	 rc = -1;

	if ((nk = hpke_aead_nk(aead)) == 0) {
		*errstr = "unsupported HPKE AEAD";
		return (-1);
	}
	memcpy(salt, enc, HPKE_X25519_LEN);
	memcpy(salt + HPKE_X25519_LEN, nonce, OHTTP_NONCE_LEN);
	if (hpke_hkdf_extract(salt, sizeof(salt), secret, HPKE_SECRET_LEN,
	    prk, errstr) == -1 ||
	    hpke_hkdf_expand(prk, (const uint8_t *)"key", 3, key, nk,
	    errstr) == -1 ||
	    hpke_hkdf_expand(prk, (const uint8_t *)"nonce", 5, aead_nonce,
	    HPKE_NONCE_LEN, errstr) == -1) {
		OPENSSL_cleanse(key, HPKE_MAX_KEY_LEN);
		goto out;
	}
	if (prk_out != NULL)
		memcpy(prk_out, prk, sizeof(prk));
	rc = 0;
out:
	OPENSSL_cleanse(prk, sizeof(prk));
	return (rc);
}

/* Client: body = response_nonce || AEAD(key, nonce, "", plaintext). */
int
ohttp_open_response(const struct ohttp_ctx *ctx, const uint8_t *body,
    size_t len, struct buf *pt, const char **errstr)
{
	uint8_t	 key[HPKE_MAX_KEY_LEN], nonce[HPKE_NONCE_LEN];
	int	 rc;

	/* PROTOCOL.md §6: a body of 32 bytes or fewer is malformed. */
	if (len <= OHTTP_NONCE_LEN) {
		*errstr = "response too short";
		return (-1);
	}
	if (ohttp_response_keys(ctx->enc, ctx->response_secret, body,
	    ctx->hpke.aead_id, NULL, key, nonce, errstr) == -1)
		return (-1);
	rc = hpke_aead_open(ctx->hpke.aead_id, key, nonce, NULL, 0,
	    body + OHTTP_NONCE_LEN, len - OHTTP_NONCE_LEN, pt, errstr);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return (rc);
}

/* Gateway: seal a single-shot response; nonce may be NULL (random). */
int
ohttp_seal_response(const struct ohttp_ctx *ctx, const uint8_t *nonce,
    const uint8_t *pt, size_t ptlen, struct buf *out, const char **errstr)
{
	uint8_t	 rn[OHTTP_NONCE_LEN], key[HPKE_MAX_KEY_LEN];
	uint8_t	 an[HPKE_NONCE_LEN];
	size_t	 start = out->len;
	int	 rc = -1;

	if (nonce != NULL)
		memcpy(rn, nonce, sizeof(rn));
	else if (RAND_bytes(rn, sizeof(rn)) != 1) {
		*errstr = "no randomness for the response nonce";
		return (-1);
	}
	if (ohttp_response_keys(ctx->enc, ctx->response_secret, rn,
	    ctx->hpke.aead_id, NULL, key, an, errstr) == -1)
		return (-1);
	buf_add(out, rn, sizeof(rn));
	if (hpke_aead_seal(ctx->hpke.aead_id, key, an, NULL, 0, pt, ptlen, out,
	    errstr) == -1) {
		out->len = start;
		out->data[start] = '\0';
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(an, sizeof(an));
	return (rc);
}

/* A new chunked sealer; the caller frees it with ohttp_sealer_free(). */
struct ohttp_sealer *
ohttp_sealer_new(const struct ohttp_ctx *ctx, const uint8_t *nonce,
    struct buf *out, const char **errstr)
{
	struct ohttp_sealer	*sl;
	uint8_t			 rn[OHTTP_NONCE_LEN];

	if (nonce != NULL)
		memcpy(rn, nonce, sizeof(rn));
	else if (RAND_bytes(rn, sizeof(rn)) != 1) {
		*errstr = "no randomness for the response nonce";
		return (NULL);
	}
	sl = xcalloc(1, sizeof(*sl));
	sl->sl_aead = ctx->hpke.aead_id;
	if (ohttp_response_keys(ctx->enc, ctx->chunked_secret, rn, sl->sl_aead,
	    NULL, sl->sl_key, sl->sl_nonce, errstr) == -1) {
		ohttp_sealer_free(sl);
		return (NULL);
	}
	buf_add(out, rn, sizeof(rn));
	return (sl);
}

/*
 * Seal one chunk and append it to out: varint(len) || sealed, or for the
 * final chunk varint(0) || sealed with aad "final".
 */
int
ohttp_sealer_chunk(struct ohttp_sealer *sl, const uint8_t *pt, size_t ptlen,
    int final, struct buf *out, const char **errstr)
{
	uint8_t		 nonce[HPKE_NONCE_LEN];
	size_t		 start = out->len;
	const uint8_t	*aad = NULL;
	size_t		 aadlen = 0;

	if (sl->sl_done) {
		*errstr = "chunk after the final chunk";
		return (-1);
	}
	if (ptlen > OHTTP_MAX_CHUNK - HPKE_TAG_LEN) {
		*errstr = "chunk too large";
		return (-1);
	}
	if (final) {
		buf_add_varint(out, 0);
		aad = (const uint8_t *)OHTTP_FINAL_AAD;
		aadlen = strlen(OHTTP_FINAL_AAD);
	} else
		buf_add_varint(out, ptlen + HPKE_TAG_LEN);
	/* PROTOCOL.md §6: chunk i's nonce is aead_nonce XOR be96(i). */
	hpke_nonce_xor(sl->sl_nonce, sl->sl_counter, nonce);
	if (hpke_aead_seal(sl->sl_aead, sl->sl_key, nonce, aad, aadlen, pt,
	    ptlen, out, errstr) == -1) {
		out->len = start;
		out->data[start] = '\0';
		return (-1);
	}
	sl->sl_counter++;
	if (final)
		sl->sl_done = 1;
	return (0);
}

/* Wipe and free a sealer; NULL does nothing. */
void
ohttp_sealer_free(struct ohttp_sealer *sl)
{
	if (sl == NULL)
		return;
	OPENSSL_cleanse(sl, sizeof(*sl));
	free(sl);
}

/*
 * Skip (or, when copy is not NULL, copy) one billing frame: 1 when it
 * ended, 0 when more bytes are needed, -1 when it is not a billing frame
 * or longer than OHTTP_BILLING_MAX.
 */
static int
ohttp_billing_skip(struct ohttp_billing *bl, const uint8_t **p, size_t *len,
    struct buf *copy, const char **errstr)
{
	size_t	 n;

	while (*len > 0 && bl->bl_got < OHTTP_BILLING_HDR_LEN) {
		n = OHTTP_BILLING_HDR_LEN - bl->bl_got;
		n = *len < n ? *len : n;
		memcpy(bl->bl_hdr + bl->bl_got, *p, n);
		/* The magic is checked as it arrives, not only at its end. */
		if (memcmp(bl->bl_hdr, OHTTP_BILLING_MAGIC, bl->bl_got + n <
		    OHTTP_BILLING_MAGIC_LEN ? bl->bl_got + n :
		    OHTTP_BILLING_MAGIC_LEN) != 0) {
			*errstr = "chunk shorter than the AEAD tag "
			    "(and not a billing frame)";
			return (-1);
		}
		if (copy != NULL)
			buf_add(copy, *p, n);
		bl->bl_got += n;
		*p += n;
		*len -= n;
		if (bl->bl_got < OHTTP_BILLING_HDR_LEN)
			continue;
		bl->bl_left = (uint32_t)bl->bl_hdr[OHTTP_BILLING_MAGIC_LEN] <<
		    24 | (uint32_t)bl->bl_hdr[OHTTP_BILLING_MAGIC_LEN + 1] <<
		    16 | (uint32_t)bl->bl_hdr[OHTTP_BILLING_MAGIC_LEN + 2] <<
		    8 | (uint32_t)bl->bl_hdr[OHTTP_BILLING_MAGIC_LEN + 3];
		/* §6: bound it; a frame is a few hundred bytes of JSON. */
		if (bl->bl_left > OHTTP_BILLING_MAX) {
			*errstr = "billing frame too large";
			return (-1);
		}
	}
	if (bl->bl_got < OHTTP_BILLING_HDR_LEN)
		return (0);
	n = *len < bl->bl_left ? *len : bl->bl_left;
	if (copy != NULL)
		buf_add(copy, *p, n);
	bl->bl_left -= (uint32_t)n;
	*p += n;
	*len -= n;
	return (bl->bl_left == 0 ? 1 : 0);
}

/*
 * Gateway: append a billing frame (PROTOCOL.md §6) holding the cost JSON
 * to out; it goes just before the final chunk, in plaintext, for the relay.
 */
int
ohttp_billing_frame(const uint8_t *json, size_t len, struct buf *out,
    const char **errstr)
{
	uint8_t	 be[4];

	if (len > OHTTP_BILLING_MAX) {
		*errstr = "billing frame too large";
		return (-1);
	}
	be[0] = (uint8_t)(len >> 24);
	be[1] = (uint8_t)(len >> 16);
	be[2] = (uint8_t)(len >> 8);
	be[3] = (uint8_t)len;
	buf_add(out, OHTTP_BILLING_MAGIC, OHTTP_BILLING_MAGIC_LEN);
	buf_add(out, be, sizeof(be));
	buf_add(out, json, len);
	return (0);
}

/*
 * Relay: a filter that passes a chunked response body on unchanged except
 * for billing frames, which it drops when strip is set.
 */
struct ohttp_filter *
ohttp_filter_new(int strip)
{
	struct ohttp_filter	*of;

	of = xcalloc(1, sizeof(*of));
	of->of_state = OHTTP_S_NONCE;
	of->of_strip = strip;
	return (of);
}

/*
 * Pass len bytes of the body through the filter, appending what goes on to
 * out.  -1 when the framing is broken; the caller may pass the rest as is.
 */
int
ohttp_filter_feed(struct ohttp_filter *of, const uint8_t *p, size_t len,
    struct buf *out, const char **errstr)
{
	struct bytes_reader	 rd;
	uint64_t		 v;
	size_t			 n, need;
	int			 rc;

	while (len > 0) {
		switch (of->of_state) {
		case OHTTP_S_NONCE:
			n = OHTTP_NONCE_LEN - of->of_got;
			n = len < n ? len : n;
			buf_add(out, p, n);
			of->of_got += n;
			p += n;
			len -= n;
			if (of->of_got == OHTTP_NONCE_LEN) {
				of->of_got = 0;
				of->of_state = OHTTP_S_LEN;
			}
			break;
		case OHTTP_S_LEN:
			if (of->of_got == 0 && *p == OHTTP_BILLING_FIRST) {
				memset(&of->of_bill, 0, sizeof(of->of_bill));
				of->of_frames++;
				of->of_state = OHTTP_S_BILLING;
				break;
			}
			of->of_varint[of->of_got++] = *p;
			buf_add(out, p, 1);
			p++;
			len--;
			need = (size_t)1 << (of->of_varint[0] >> 6);
			if (of->of_got < need)
				break;
			bytes_reader_init(&rd, of->of_varint, of->of_got);
			of->of_got = 0;
			if (bytes_get_varint(&rd, &v) == -1) {
				*errstr = "bad chunk length";
				of->of_state = OHTTP_S_FAILED;
				return (-1);
			}
			of->of_left = v;
			of->of_state = v == 0 ? OHTTP_S_FINAL : OHTTP_S_CHUNK;
			break;
		case OHTTP_S_BILLING:
			rc = ohttp_billing_skip(&of->of_bill, &p, &len,
			    of->of_strip ? NULL : out, errstr);
			if (rc == -1) {
				of->of_state = OHTTP_S_FAILED;
				return (-1);
			}
			if (rc == 1)
				of->of_state = OHTTP_S_LEN;
			break;
		case OHTTP_S_CHUNK:
			n = len < of->of_left ? len : (size_t)of->of_left;
			buf_add(out, p, n);
			of->of_left -= n;
			p += n;
			len -= n;
			if (of->of_left == 0)
				of->of_state = OHTTP_S_LEN;
			break;
		case OHTTP_S_FINAL:
			buf_add(out, p, len);
			len = 0;
			break;
		case OHTTP_S_DONE:
		case OHTTP_S_FAILED:
			*errstr = "response framing already broken";
			return (-1);
		}
	}
	return (0);
}

/* Billing frames the filter has seen (stripped or passed on). */
size_t
ohttp_filter_frames(const struct ohttp_filter *of)
{
	return (of->of_frames);
}

/* Free a filter; NULL does nothing. */
void
ohttp_filter_free(struct ohttp_filter *of)
{
	free(of);
}

/* A new chunked opener; NULL when the context's AEAD is unknown. */
struct ohttp_stream *
ohttp_stream_new(const struct ohttp_ctx *ctx, ohttp_chunk_cb cb, void *arg)
{
	struct ohttp_stream	*os;

	if (hpke_aead_nk(ctx->hpke.aead_id) == 0)
		return (NULL);
	os = xcalloc(1, sizeof(*os));
	os->os_state = OHTTP_S_NONCE;
	os->os_cb = cb;
	os->os_arg = arg;
	os->os_aead = ctx->hpke.aead_id;
	memcpy(os->os_enc, ctx->enc, sizeof(os->os_enc));
	memcpy(os->os_secret, ctx->chunked_secret, sizeof(os->os_secret));
	buf_init(&os->os_in);
	return (os);
}

/* Enter the failed state: every later call fails too. */
static int
ohttp_stream_fail(struct ohttp_stream *os, const char *why,
    const char **errstr)
{
	os->os_state = OHTTP_S_FAILED;
	buf_clear(&os->os_in, 1);
	*errstr = why;
	return (-1);
}

/* Open one sealed chunk at the current counter and hand it over. */
static int
ohttp_stream_open(struct ohttp_stream *os, const uint8_t *ct, size_t ctlen,
    int final, const char **errstr)
{
	struct buf	*pt = &ohttp_stream_pt;
	uint8_t		 nonce[HPKE_NONCE_LEN];
	const char	*why;
	int		 rc;

	hpke_nonce_xor(os->os_nonce, os->os_counter, nonce);
	pt->len = 0;
	if (final)
		rc = hpke_aead_open(os->os_aead, os->os_key, nonce,
		    (const uint8_t *)OHTTP_FINAL_AAD, strlen(OHTTP_FINAL_AAD),
		    ct, ctlen, pt, &why);
	else
		rc = hpke_aead_open(os->os_aead, os->os_key, nonce, NULL, 0,
		    ct, ctlen, pt, &why);
	if (rc == -1)
		return (ohttp_stream_fail(os, final ?
		    "final chunk failed authentication" :
		    "chunk failed authentication", errstr));
	os->os_counter++;
	rc = os->os_cb != NULL ? os->os_cb(os->os_arg, pt->data, pt->len,
	    final) : 0;
	OPENSSL_cleanse(pt->data, pt->len);
	pt->len = 0;
	if (pt->cap > OHTTP_PT_KEEP)
		buf_clear(pt, 1);	/* a large final chunk's */
	if (rc == -1)
		return (ohttp_stream_fail(os, "chunk refused by the consumer",
		    errstr));
	return (0);
}

/* Collect a varint chunk length from the input, byte by byte if need be. */
static int
ohttp_stream_len(struct ohttp_stream *os, const uint8_t **p, size_t *len,
    const char **errstr)
{
	struct bytes_reader	 rd;
	uint64_t		 v;
	size_t			 need;
	int			 rc;

	if (os->os_in.len == 0 && *len > 0 &&
	    *len >= (need = (size_t)1 << ((*p)[0] >> 6))) {
		/* The whole field is here: read it in place. */
		bytes_reader_init(&rd, *p, need);
		*p += need;
		*len -= need;
	} else {
		need = os->os_in.len == 0 ? 1 :
		    (size_t)1 << (os->os_in.data[0] >> 6);
		while (*len > 0 && os->os_in.len < need) {
			buf_add(&os->os_in, *p, 1);
			(*p)++;
			(*len)--;
			need = (size_t)1 << (os->os_in.data[0] >> 6);
		}
		if (os->os_in.len < need)
			return (0);		/* more bytes needed */
		bytes_reader_init(&rd, os->os_in.data, os->os_in.len);
	}
	rc = bytes_get_varint(&rd, &v);
	buf_clear(&os->os_in, 1);
	if (rc == -1)
		return (ohttp_stream_fail(os, "bad chunk length", errstr));
	if (v == 0) {
		os->os_state = OHTTP_S_FINAL;
		return (0);
	}
	if (v > OHTTP_MAX_CHUNK)
		return (ohttp_stream_fail(os, "chunk too large", errstr));
	if (v < HPKE_TAG_LEN)
		return (ohttp_stream_fail(os, "chunk shorter than the AEAD tag",
		    errstr));
	os->os_need = v;
	os->os_state = OHTTP_S_CHUNK;
	return (0);
}

/* Feed len more bytes of the body; opens every chunk completed. */
int
ohttp_stream_feed(struct ohttp_stream *os, const uint8_t *p, size_t len,
    const char **errstr)
{
	size_t	 n;
	int	 rc;

	while (len > 0) {
		switch (os->os_state) {
		case OHTTP_S_NONCE:
			n = OHTTP_NONCE_LEN - os->os_in.len;
			n = len < n ? len : n;
			buf_add(&os->os_in, p, n);
			p += n;
			len -= n;
			if (os->os_in.len < OHTTP_NONCE_LEN)
				break;
			if (ohttp_response_keys(os->os_enc, os->os_secret,
			    os->os_in.data, os->os_aead, NULL, os->os_key,
			    os->os_nonce, errstr) == -1)
				return (ohttp_stream_fail(os, *errstr, errstr));
			buf_clear(&os->os_in, 1);
			os->os_state = OHTTP_S_LEN;
			break;
		case OHTTP_S_LEN:
			/*
			 * §6: 0x0A would be a 10-byte chunk, shorter than
			 * the tag: it can only start a billing frame.
			 */
			if (os->os_in.len == 0 && *p == OHTTP_BILLING_FIRST) {
				memset(&os->os_bill, 0, sizeof(os->os_bill));
				os->os_state = OHTTP_S_BILLING;
				break;
			}
			if (ohttp_stream_len(os, &p, &len, errstr) == -1)
				return (-1);
			break;
		case OHTTP_S_BILLING:
			rc = ohttp_billing_skip(&os->os_bill, &p, &len, NULL,
			    errstr);
			if (rc == -1)
				return (ohttp_stream_fail(os, *errstr, errstr));
			/* Not a chunk: the counter stays where it is. */
			if (rc == 1)
				os->os_state = OHTTP_S_LEN;
			break;
		case OHTTP_S_CHUNK:
			/* A whole chunk in this piece: open it in place. */
			if (os->os_in.len == 0 && len >= os->os_need) {
				n = (size_t)os->os_need;
				if (ohttp_stream_open(os, p, n, 0,
				    errstr) == -1)
					return (-1);
				p += n;
				len -= n;
				os->os_state = OHTTP_S_LEN;
				break;
			}
			n = (size_t)os->os_need - os->os_in.len;
			n = len < n ? len : n;
			buf_add(&os->os_in, p, n);
			p += n;
			len -= n;
			if (os->os_in.len < os->os_need)
				break;
			if (ohttp_stream_open(os, os->os_in.data,
			    os->os_in.len, 0, errstr) == -1)
				return (-1);
			buf_clear(&os->os_in, 1);	/* held no longer */
			os->os_state = OHTTP_S_LEN;
			break;
		case OHTTP_S_FINAL:
			/* The final chunk runs to the end of the body. */
			if (len > OHTTP_MAX_CHUNK ||
			    os->os_in.len > OHTTP_MAX_CHUNK - len)
				return (ohttp_stream_fail(os,
				    "final chunk too large", errstr));
			buf_add(&os->os_in, p, len);
			len = 0;
			break;
		case OHTTP_S_DONE:
			return (ohttp_stream_fail(os,
			    "bytes after the end of the response", errstr));
		case OHTTP_S_FAILED:
			*errstr = "response stream already failed";
			return (-1);
		}
	}
	return (0);
}

/* End of body: open the final chunk; -1 when it is missing or bad. */
int
ohttp_stream_finish(struct ohttp_stream *os, const char **errstr)
{
	int	 rc;

	switch (os->os_state) {
	case OHTTP_S_NONCE:
		return (ohttp_stream_fail(os, "response shorter than its nonce",
		    errstr));
	case OHTTP_S_LEN:
		if (os->os_in.len != 0)
			return (ohttp_stream_fail(os,
			    "response truncated in a chunk length", errstr));
		return (ohttp_stream_fail(os,
		    "response ended without its final chunk", errstr));
	case OHTTP_S_CHUNK:
		return (ohttp_stream_fail(os, "response truncated in a chunk",
		    errstr));
	case OHTTP_S_BILLING:
		return (ohttp_stream_fail(os,
		    "response truncated in a billing frame", errstr));
	case OHTTP_S_FINAL:
		rc = ohttp_stream_open(os, os->os_in.data, os->os_in.len, 1,
		    errstr);
		if (rc == -1)
			return (-1);
		buf_clear(&os->os_in, 1);
		os->os_state = OHTTP_S_DONE;
		return (0);
	case OHTTP_S_DONE:
		return (ohttp_stream_fail(os, "response already finished",
		    errstr));
	case OHTTP_S_FAILED:
	default:
		*errstr = "response stream already failed";
		return (-1);
	}
}

/* Bytes held waiting for a field or chunk to complete. */
size_t
ohttp_stream_pending(const struct ohttp_stream *os)
{
	return (os->os_in.len);
}

/* Wipe and free an opener; NULL does nothing. */
void
ohttp_stream_free(struct ohttp_stream *os)
{
	if (os == NULL)
		return;
	buf_clear(&os->os_in, 1);
	OPENSSL_cleanse(os, sizeof(*os));
	free(os);
}

/* Wipe every secret of an exchange. */
void
ohttp_ctx_clear(struct ohttp_ctx *ctx)
{
	hpke_ctx_clear(&ctx->hpke);
	OPENSSL_cleanse(ctx, sizeof(*ctx));
}

/*
 * vec-ohttp.c: ohttp.json (RFC 9458 and the chunked draft, PROTOCOL.md §4
 * and §6).  Per vector, one case each for: the request encapsulated
 * byte-exact from the fixed ikmE with every intermediate and both exports;
 * its decapsulation by the recipient; the single-shot response (prk, key,
 * nonce, open, re-seal byte-exact with the recorded nonce); the chunked
 * response keys; every chunk re-sealed byte-exact; the whole chunked body;
 * the body opened whole, in 1-byte pieces and in random pieces; and every
 * chunked_negative body, which must fail however it is fed.
 */
#include "compat.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "json.h"
#include "ohttp.h"
#include "vec.h"
#include "xmalloc.h"

#define VEC_OHTTP_REQ_LABEL	"message/bhttp request"

/* The plaintexts a chunked opener delivered, one after another. */
struct vec_ohttp_sink {
	struct buf	 pt;		/* all chunks, concatenated */
	size_t		*ends;		/* end offset of each chunk in pt */
	size_t		 n;
	int		 finals;
};

/* One vector's state, shared by its cases. */
struct vec_ohttp {
	struct ohttp_key_config	 kc;
	uint8_t			 skr[HPKE_X25519_LEN];
	struct ohttp_ctx	 cli;
	struct ohttp_ctx	 gw;
	int			 have_kc;
	int			 have_cli;
	int			 have_gw;
	unsigned int		 seed;
};

/* The bytes of <key>_hex, else of the string <key>; new memory. */
static int
vec_ohttp_bytes(const struct json_value *v, const char *key, uint8_t **p,
    size_t *len)
{
	const struct json_value	*s;
	char			 hk[64];

	snprintf(hk, sizeof(hk), "%s_hex", key);
	if (vec_hex(v, hk, p, len) == 0)
		return (0);
	if ((s = json_get(v, key)) == NULL || s->type != JSON_STRING)
		return (-1);
	*p = xmalloc(s->len + 1);
	memcpy(*p, s->s, s->len);
	*len = s->len;
	return (0);
}

static int
vec_ohttp_sink_cb(void *arg, const uint8_t *p, size_t len, int final)
{
	struct vec_ohttp_sink	*sk = arg;

	buf_add(&sk->pt, p, len);
	sk->ends = xreallocarray(sk->ends, sk->n + 1, sizeof(*sk->ends));
	sk->ends[sk->n++] = sk->pt.len;
	if (final)
		sk->finals++;
	return (0);
}

static void
vec_ohttp_sink_clear(struct vec_ohttp_sink *sk)
{
	buf_clear(&sk->pt, 1);
	free(sk->ends);
	sk->ends = NULL;
	sk->n = 0;
	sk->finals = 0;
}

/*
 * Feed body to a new opener: whole (mode 0), in 1-byte pieces (1) or in
 * pseudo-random pieces (2).  0 when the body opened completely.
 */
static int
vec_ohttp_feed(const struct ohttp_ctx *ctx, const uint8_t *body, size_t len,
    int mode, unsigned int *seed, struct vec_ohttp_sink *sk,
    const char **errstr)
{
	struct ohttp_stream	*os;
	size_t			 off, n;
	int			 rc = -1;

	if ((os = ohttp_stream_new(ctx, vec_ohttp_sink_cb, sk)) == NULL) {
		*errstr = "opener refused the context";
		return (-1);
	}
	for (off = 0; off < len; off += n) {
		if (mode == 0)
			n = len;
		else if (mode == 1)
			n = 1;
		else {
			*seed = *seed * 1103515245 + 12345;
			n = 1 + (*seed >> 16) % 257;
		}
		if (n > len - off)
			n = len - off;
		if (ohttp_stream_feed(os, body + off, n, errstr) == -1)
			goto out;
	}
	if (ohttp_stream_finish(os, errstr) == -1)
		goto out;
	rc = 0;
out:
	ohttp_stream_free(os);
	return (rc);
}

/* Case "request": encapsulation byte-exact, intermediates, exports. */
static const char *
vec_ohttp_request(const struct json_value *v, struct vec_ohttp *o)
{
	static char		 why[160];
	const struct json_value	*rq, *rc;
	struct buf		 body, info;
	uint8_t			*hdr = NULL, *ikme = NULL, *pt = NULL;
	uint8_t			*pkr = NULL, *ikmr = NULL;
	uint8_t			 sk[32], pk[32];
	size_t			 hdrlen, ikmelen, ptlen, pkrlen, ikmrlen;
	int64_t			 key_id;
	const char		*errstr, *bad = NULL;

	buf_init(&body);
	buf_init(&info);
	rq = json_get(v, "request");
	rc = json_get(v, "recipient");
	if (vec_hex(rq, "header", &hdr, &hdrlen) == -1 ||
	    hdrlen != OHTTP_HDR_LEN ||
	    vec_hex(rc, "pkR", &pkr, &pkrlen) == -1 ||
	    pkrlen != HPKE_X25519_LEN) {
		bad = "request.header or recipient.pkR missing";
		goto out;
	}
	o->kc.key_id = hdr[0];
	o->kc.kem_id = (uint16_t)(hdr[1] << 8 | hdr[2]);
	o->kc.kdf_id = (uint16_t)(hdr[3] << 8 | hdr[4]);
	o->kc.aead_id = (uint16_t)(hdr[5] << 8 | hdr[6]);
	memcpy(o->kc.pk, pkr, sizeof(o->kc.pk));
	o->have_kc = 1;
	if (json_get(rc, "key_id") != NULL &&
	    (json_to_int64(json_get(rc, "key_id"), &key_id) == -1 ||
	    key_id != o->kc.key_id)) {
		bad = "recipient.key_id is not the header's";
		goto out;
	}
	/* The recipient's key: skR given, or derived from ikmR. */
	if (vec_hex(rc, "ikmR", &ikmr, &ikmrlen) == 0) {
		if (hpke_derive_keypair(ikmr, ikmrlen, sk, pk, &errstr) == -1 ||
		    memcmp(pk, o->kc.pk, 32) != 0 ||
		    (json_get(rc, "skR") != NULL &&
		    !vec_hex_eq(rc, "skR", sk, 32))) {
			bad = "DeriveKeyPair(ikmR) is not skR/pkR";
			goto out;
		}
		memcpy(o->skr, sk, 32);
	} else if (vec_hex(rc, "skR", &ikmr, &ikmrlen) == 0 && ikmrlen == 32)
		memcpy(o->skr, ikmr, 32);
	else {
		bad = "recipient.ikmR/skR missing";
		goto out;
	}
	buf_add(&info, VEC_OHTTP_REQ_LABEL, sizeof(VEC_OHTTP_REQ_LABEL));
	buf_add(&info, hdr, hdrlen);
	if (json_get(rq, "info") != NULL &&
	    !vec_hex_eq(rq, "info", info.data, info.len)) {
		bad = "info is not the label, 0x00 and the header";
		goto out;
	}
	if (vec_hex(rq, "ikmE", &ikme, &ikmelen) == -1 ||
	    vec_ohttp_bytes(rq, "plaintext", &pt, &ptlen) == -1) {
		bad = "request.ikmE or plaintext missing";
		goto out;
	}
	if (json_get(rq, "skE") != NULL &&
	    (hpke_derive_keypair(ikme, ikmelen, sk, pk, &errstr) == -1 ||
	    !vec_hex_eq(rq, "skE", sk, 32))) {
		bad = "DeriveKeyPair(ikmE) is not skE";
		goto out;
	}
	if (ohttp_encap_request_det(&o->cli, &o->kc, pt, ptlen, ikme, ikmelen,
	    &body, &errstr) == -1) {
		snprintf(why, sizeof(why), "encapsulation: %s", errstr);
		bad = why;
		goto out;
	}
	o->have_cli = 1;
#define VEC_OHTTP_FIELD(name, p, len)					\
	if (!vec_hex_eq(rq, name, p, len)) {				\
		bad = name " differs";					\
		goto out;						\
	}
	VEC_OHTTP_FIELD("enc", o->cli.enc, HPKE_X25519_LEN);
	VEC_OHTTP_FIELD("shared_secret", o->cli.hpke.shared_secret,
	    HPKE_SECRET_LEN);
	VEC_OHTTP_FIELD("key_schedule_context", o->cli.hpke.ksc,
	    sizeof(o->cli.hpke.ksc));
	VEC_OHTTP_FIELD("secret", o->cli.hpke.secret, HPKE_SECRET_LEN);
	VEC_OHTTP_FIELD("key", o->cli.hpke.key, o->cli.hpke.nk);
	VEC_OHTTP_FIELD("base_nonce", o->cli.hpke.base_nonce, HPKE_NONCE_LEN);
	VEC_OHTTP_FIELD("exporter_secret", o->cli.hpke.exporter_secret,
	    HPKE_SECRET_LEN);
	VEC_OHTTP_FIELD("ciphertext", body.data + OHTTP_HDR_LEN +
	    HPKE_X25519_LEN, body.len - OHTTP_HDR_LEN - HPKE_X25519_LEN);
	VEC_OHTTP_FIELD("encapsulated_request", body.data, body.len);
	VEC_OHTTP_FIELD("response_secret", o->cli.response_secret,
	    HPKE_SECRET_LEN);
	VEC_OHTTP_FIELD("chunked_response_secret", o->cli.chunked_secret,
	    HPKE_SECRET_LEN);
#undef VEC_OHTTP_FIELD
out:
	buf_clear(&body, 0);
	buf_clear(&info, 0);
	free(hdr);
	free(ikme);
	free(ikmr);
	free(pt);
	free(pkr);
	return (bad);
}

/* Case "decap": the recipient opens the recorded request. */
static const char *
vec_ohttp_decap(const struct json_value *v, struct vec_ohttp *o)
{
	static char		 why[160];
	const struct json_value	*rq;
	struct buf		 pt;
	uint8_t			*body = NULL, *want = NULL;
	size_t			 len, wantlen;
	const char		*errstr, *bad = NULL;

	buf_init(&pt);
	rq = json_get(v, "request");
	if (!o->have_kc) {
		bad = "no key config";
		goto out;
	}
	if (vec_hex(rq, "encapsulated_request", &body, &len) == -1 ||
	    vec_ohttp_bytes(rq, "plaintext", &want, &wantlen) == -1) {
		bad = "encapsulated_request or plaintext missing";
		goto out;
	}
	if (ohttp_decap_request(&o->gw, &o->kc, o->skr, body, len, &pt,
	    &errstr) == -1) {
		snprintf(why, sizeof(why), "decapsulation: %s", errstr);
		bad = why;
		goto out;
	}
	o->have_gw = 1;
	if (pt.len != wantlen || memcmp(pt.data, want, wantlen) != 0)
		bad = "decapsulated plaintext differs";
	else if (!vec_hex_eq(rq, "response_secret", o->gw.response_secret,
	    HPKE_SECRET_LEN) || !vec_hex_eq(rq, "chunked_response_secret",
	    o->gw.chunked_secret, HPKE_SECRET_LEN))
		bad = "recipient's exports differ";
out:
	buf_clear(&pt, 1);
	free(body);
	free(want);
	return (bad);
}

/* prk, aead_key and aead_nonce of a response object from secret. */
static const char *
vec_ohttp_keys(const struct json_value *rs, const struct vec_ohttp *o,
    const uint8_t *secret)
{
	static char	 why[160];
	uint8_t		*nonce = NULL, prk[32], key[HPKE_MAX_KEY_LEN];
	uint8_t		 an[HPKE_NONCE_LEN];
	size_t		 len;
	const char	*errstr, *bad = NULL;

	if (vec_hex(rs, "response_nonce", &nonce, &len) == -1 ||
	    len != OHTTP_NONCE_LEN) {
		bad = "response_nonce missing or not 32 bytes";
		goto out;
	}
	if (ohttp_response_keys(o->cli.enc, secret, nonce, o->kc.aead_id, prk,
	    key, an, &errstr) == -1) {
		snprintf(why, sizeof(why), "response keys: %s", errstr);
		bad = why;
	} else if (!vec_hex_eq(rs, "prk", prk, sizeof(prk)))
		bad = "prk differs";
	else if (!vec_hex_eq(rs, "aead_key", key,
	    hpke_aead_nk(o->kc.aead_id)))
		bad = "aead_key differs";
	else if (!vec_hex_eq(rs, "aead_nonce", an, sizeof(an)))
		bad = "aead_nonce differs";
out:
	free(nonce);
	return (bad);
}

/* Case "single-shot": keys, open, and re-seal byte-exact. */
static const char *
vec_ohttp_single(const struct json_value *v, struct vec_ohttp *o)
{
	static char		 why[160];
	const struct json_value	*rs;
	struct buf		 out;
	uint8_t			*body = NULL, *want = NULL;
	size_t			 len, wantlen;
	const char		*errstr, *bad = NULL;

	buf_init(&out);
	rs = json_get(v, "single_shot_response");
	if (!o->have_cli || !o->have_gw) {
		bad = "no request context";
		goto out;
	}
	if ((bad = vec_ohttp_keys(rs, o, o->cli.response_secret)) != NULL)
		goto out;
	if (vec_hex(rs, "body", &body, &len) == -1 ||
	    vec_ohttp_bytes(rs, "plaintext", &want, &wantlen) == -1) {
		bad = "body or plaintext missing";
		goto out;
	}
	if (ohttp_open_response(&o->cli, body, len, &out, &errstr) == -1) {
		snprintf(why, sizeof(why), "open: %s", errstr);
		bad = why;
		goto out;
	}
	if (out.len != wantlen || memcmp(out.data, want, wantlen) != 0) {
		bad = "opened plaintext differs";
		goto out;
	}
	out.len = 0;
	if (len < OHTTP_NONCE_LEN || ohttp_seal_response(&o->gw, body, want,
	    wantlen, &out, &errstr) == -1) {
		bad = "seal failed";
		goto out;
	}
	if (out.len != len || memcmp(out.data, body, len) != 0)
		bad = "re-sealed body differs";
out:
	buf_clear(&out, 1);
	free(body);
	free(want);
	return (bad);
}

/* One chunk re-sealed: index, nonce, aad and wire bytes as recorded. */
static const char *
vec_ohttp_chunk(const struct json_value *c, size_t i,
    struct ohttp_sealer *sl, const uint8_t *aead_nonce, struct buf *wire)
{
	static char		 why[160];
	const struct json_value	*f, *aad;
	uint8_t			*pt = NULL, nonce[HPKE_NONCE_LEN];
	size_t			 ptlen, start = wire->len;
	int64_t			 idx;
	int			 final;
	const char		*errstr, *bad = NULL;

	f = json_get(c, "final");
	final = f != NULL && f->type == JSON_TRUE;
	if (json_get(c, "index") != NULL &&
	    (json_to_int64(json_get(c, "index"), &idx) == -1 ||
	    idx < 0 || (uint64_t)idx != i)) {
		bad = "index is not the chunk's position";
		goto out;
	}
	if ((aad = json_get(c, "aad")) != NULL &&
	    !vec_str_eq(aad, final ? "final" : "", final ? 5 : 0)) {
		bad = "aad is not \"final\" exactly on the final chunk";
		goto out;
	}
	if (json_get(c, "chunk_nonce") != NULL) {
		hpke_nonce_xor(aead_nonce, i, nonce);
		if (!vec_hex_eq(c, "chunk_nonce", nonce, sizeof(nonce))) {
			bad = "chunk_nonce differs";
			goto out;
		}
	}
	if (vec_ohttp_bytes(c, "plaintext", &pt, &ptlen) == -1) {
		bad = "plaintext missing";
		goto out;
	}
	if (sl == NULL || ohttp_sealer_chunk(sl, pt, ptlen, final, wire,
	    &errstr) == -1) {
		snprintf(why, sizeof(why), "seal: %s",
		    sl == NULL ? "no sealer" : errstr);
		bad = why;
		goto out;
	}
	if (!vec_hex_eq(c, "wire_hex", wire->data + start,
	    wire->len - start))
		bad = "re-sealed wire bytes differ";
out:
	free(pt);
	return (bad);
}

/* 1 when the sink holds exactly the recorded chunks' plaintexts. */
static int
vec_ohttp_sink_eq(const struct vec_ohttp_sink *sk,
    const struct json_value *chunks)
{
	const struct json_value	*c;
	uint8_t			*pt;
	size_t			 i, ptlen, from;
	int			 eq = 1;

	if (sk->finals != 1)
		return (0);
	for (i = 0; eq && (c = json_index(chunks, i)) != NULL; i++) {
		if (i >= sk->n || vec_ohttp_bytes(c, "plaintext", &pt,
		    &ptlen) == -1)
			return (0);
		from = i == 0 ? 0 : sk->ends[i - 1];
		eq = sk->ends[i] - from == ptlen && (ptlen == 0 ||
		    memcmp(sk->pt.data + from, pt, ptlen) == 0);
		free(pt);
	}
	return (eq && i == sk->n);
}

/* Chunked response: keys, chunks, body, three ways of opening. */
static void
vec_ohttp_chunked(const struct json_value *v, struct vec_ohttp *o,
    const char *name, struct vec_report *r)
{
	static const char	*modes[] = { "whole", "1-byte pieces",
	    "random pieces" };
	const struct json_value	*cr, *chunks, *c;
	struct ohttp_sealer	*sl = NULL;
	struct vec_ohttp_sink	 sk;
	struct buf		 wire;
	uint8_t			*nonce = NULL, *body = NULL, *an = NULL;
	uint8_t			 zero[HPKE_NONCE_LEN];
	size_t			 i, len, anlen;
	const char		*errstr, *bad;
	int			 m;

	buf_init(&wire);
	memset(&sk, 0, sizeof(sk));
	buf_init(&sk.pt);
	memset(zero, 0, sizeof(zero));
	cr = json_get(v, "chunked_response");
	chunks = json_get(cr, "chunks");
	if (!o->have_cli || !o->have_gw)
		bad = "no request context";
	else
		bad = vec_ohttp_keys(cr, o, o->cli.chunked_secret);
	if (bad != NULL)
		vec_fail(r, name, "chunked keys: %s", bad);
	else
		vec_pass(r);

	if (vec_hex(cr, "aead_nonce", &an, &anlen) == -1 ||
	    anlen != HPKE_NONCE_LEN) {
		free(an);
		an = NULL;
	}
	if (o->have_gw && vec_hex(cr, "response_nonce", &nonce, &len) == 0 &&
	    len == OHTTP_NONCE_LEN)
		sl = ohttp_sealer_new(&o->gw, nonce, &wire, &errstr);
	for (i = 0; (c = json_index(chunks, i)) != NULL; i++) {
		if ((bad = vec_ohttp_chunk(c, i, sl, an != NULL ? an : zero,
		    &wire)) != NULL)
			vec_fail(r, name, "chunk #%zu: %s", i, bad);
		else
			vec_pass(r);
	}
	if (i == 0)
		vec_fail(r, name, "chunked_response has no chunks");
	if (!vec_hex_eq(cr, "body", wire.data, wire.len))
		vec_fail(r, name, "chunked body: re-sealed body differs");
	else
		vec_pass(r);

	if (vec_hex(cr, "body", &body, &len) == -1)
		len = 0;
	for (m = 0; m < 3; m++) {
		vec_ohttp_sink_clear(&sk);
		if (!o->have_cli || body == NULL)
			vec_fail(r, name, "chunked open (%s): no context "
			    "or body", modes[m]);
		else if (vec_ohttp_feed(&o->cli, body, len, m, &o->seed, &sk,
		    &errstr) == -1)
			vec_fail(r, name, "chunked open (%s): %s", modes[m],
			    errstr);
		else if (!vec_ohttp_sink_eq(&sk, chunks))
			vec_fail(r, name, "chunked open (%s): plaintexts "
			    "differ", modes[m]);
		else
			vec_pass(r);
	}
	vec_ohttp_sink_clear(&sk);
	ohttp_sealer_free(sl);
	buf_clear(&wire, 0);
	free(nonce);
	free(body);
	free(an);
}

/* Each chunked_negative body must fail, fed whole, bytewise or randomly. */
static void
vec_ohttp_negative(const struct json_value *v, struct vec_ohttp *o,
    const char *name, struct vec_report *r)
{
	const struct json_value	*neg, *e;
	struct vec_ohttp_sink	 sk;
	uint8_t			*body;
	size_t			 i, len;
	const char		*errstr, *nname;
	int			 m;

	memset(&sk, 0, sizeof(sk));
	buf_init(&sk.pt);
	for (i = 0; (neg = json_index(json_get(v, "chunked_negative"), i)) !=
	    NULL; i++) {
		e = json_get(neg, "expect");
		nname = json_get_str(neg, "name");
		if (nname == NULL)
			nname = "?";
		if (e != NULL && !vec_str_eq(e, "error", 5)) {
			vec_fail(r, name, "negative \"%s\": unknown expect",
			    nname);
			continue;
		}
		if (!o->have_cli || vec_hex(neg, "body", &body, &len) == -1) {
			vec_fail(r, name, "negative \"%s\": no context or body",
			    nname);
			continue;
		}
		for (m = 0; m < 3; m++) {
			vec_ohttp_sink_clear(&sk);
			if (vec_ohttp_feed(&o->cli, body, len, m, &o->seed,
			    &sk, &errstr) == 0)
				break;
		}
		if (m < 3)
			vec_fail(r, name, "negative \"%s\": opened (mode %d)",
			    nname, m);
		else
			vec_pass(r);
		free(body);
	}
	vec_ohttp_sink_clear(&sk);
}

/* Check every case of ohttp.json. */
void
vec_ohttp(const struct json_value *root, struct vec_report *r)
{
	const struct json_value	*vs, *v;
	struct vec_ohttp	 o;
	const char		*bad;
	char			 name[512];
	size_t			 i;

	vs = json_get(root, "vectors");
	for (i = 0; (v = json_index(vs, i)) != NULL; i++) {
		snprintf(name, sizeof(name), "%s", vec_name(v, i));
		memset(&o, 0, sizeof(o));
		o.seed = (unsigned int)i + 1;
		if ((bad = vec_ohttp_request(v, &o)) != NULL)
			vec_fail(r, name, "request: %s", bad);
		else
			vec_pass(r);
		if ((bad = vec_ohttp_decap(v, &o)) != NULL)
			vec_fail(r, name, "decap: %s", bad);
		else
			vec_pass(r);
		if (json_get(v, "single_shot_response") != NULL) {
			if ((bad = vec_ohttp_single(v, &o)) != NULL)
				vec_fail(r, name, "single-shot: %s", bad);
			else
				vec_pass(r);
		}
		if (json_get(v, "chunked_response") != NULL)
			vec_ohttp_chunked(v, &o, name, r);
		vec_ohttp_negative(v, &o, name, r);
		ohttp_ctx_clear(&o.cli);
		ohttp_ctx_clear(&o.gw);
		OPENSSL_cleanse(o.skr, sizeof(o.skr));
	}
}

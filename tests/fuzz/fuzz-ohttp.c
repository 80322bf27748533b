/*
 * fuzz-ohttp.c: the OHTTP parsers of untrusted bytes, PROTOCOL.md §4 and
 * §6.  Input: two control bytes, then a body.  The body goes to the
 * incremental chunked opener in pieces whose sizes the control bytes
 * drive, to ohttp_open_response() and to ohttp_decap_request(), all under
 * one fixed key context derived deterministically.  Nothing may crash,
 * leak or hold more than one chunk.
 *
 * Built with -DFUZZ_OHTTP_SEEDS it is instead a program that writes the
 * seed corpus (valid bodies from the same keys, truncations, garbage) into
 * the directory named by its argument.
 */
#include "compat.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hpke.h"
#include "ohttp.h"

#define FUZZ_OHTTP_REQ	"{\"model\": \"m\", \"messages\": []}"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ohttp_key_config	 fuzz_ohttp_kc;
static struct ohttp_ctx		 fuzz_ohttp_cli;	/* client side */
static struct ohttp_ctx		 fuzz_ohttp_gw;		/* gateway side */
static uint8_t			 fuzz_ohttp_skr[32];
static struct buf		 fuzz_ohttp_req;	/* the request body */

/* The fixed keys: recipient from ikmR, ephemeral from ikmE. */
static void
fuzz_ohttp_init(void)
{
	static int	 done;
	uint8_t		 ikmr[32], ikme[32];
	struct buf	 pt;
	const char	*errstr;

	if (done)
		return;
	done = 1;
	memset(ikmr, 0x52, sizeof(ikmr));
	memset(ikme, 0x45, sizeof(ikme));
	fuzz_ohttp_kc.key_id = 1;
	fuzz_ohttp_kc.kem_id = HPKE_KEM_X25519_SHA256;
	fuzz_ohttp_kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	fuzz_ohttp_kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	buf_init(&fuzz_ohttp_req);
	buf_init(&pt);
	if (hpke_derive_keypair(ikmr, sizeof(ikmr), fuzz_ohttp_skr,
	    fuzz_ohttp_kc.pk, &errstr) == -1 ||
	    ohttp_encap_request_det(&fuzz_ohttp_cli, &fuzz_ohttp_kc,
	    (const uint8_t *)FUZZ_OHTTP_REQ, strlen(FUZZ_OHTTP_REQ), ikme,
	    sizeof(ikme), &fuzz_ohttp_req, &errstr) == -1 ||
	    ohttp_decap_request(&fuzz_ohttp_gw, &fuzz_ohttp_kc, fuzz_ohttp_skr,
	    fuzz_ohttp_req.data, fuzz_ohttp_req.len, &pt, &errstr) == -1)
		abort();
	buf_clear(&pt, 0);
}

/* Refuses a chunk that starts with 'X', to reach the abort path. */
static int
fuzz_ohttp_cb(void *arg, const uint8_t *p, size_t len, int final)
{
	size_t	*total = arg;

	(void)final;
	if (len > 0 && p[0] == 'X')
		return (-1);
	*total += len;
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ohttp_stream	*os;
	struct ohttp_ctx	 gw;
	struct buf		 pt;
	const uint8_t		*body;
	const char		*errstr;
	size_t			 len, off, n, total = 0;
	unsigned int		 seed, maxpiece;

	fuzz_ohttp_init();
	if (size < 2)
		return (0);
	/* Byte 0 caps the piece size (0: all at once), byte 1 seeds. */
	maxpiece = data[0];
	seed = data[1];
	body = data + 2;
	len = size - 2;

	if ((os = ohttp_stream_new(&fuzz_ohttp_cli, fuzz_ohttp_cb,
	    &total)) == NULL)
		abort();
	for (off = 0; off < len; off += n) {
		if (maxpiece == 0)
			n = len - off;
		else {
			seed = seed * 1103515245 + 12345;
			n = 1 + (seed >> 16) % maxpiece;
			if (n > len - off)
				n = len - off;
		}
		if (ohttp_stream_feed(os, body + off, n, &errstr) == -1)
			break;
		/* It never holds more than one chunk and a varint. */
		if (ohttp_stream_pending(os) > OHTTP_MAX_CHUNK + 8)
			abort();
	}
	if (off >= len)
		(void)ohttp_stream_finish(os, &errstr);
	ohttp_stream_free(os);

	buf_init(&pt);
	(void)ohttp_open_response(&fuzz_ohttp_cli, body, len, &pt, &errstr);
	buf_clear(&pt, 1);
	if (ohttp_decap_request(&gw, &fuzz_ohttp_kc, fuzz_ohttp_skr, body, len,
	    &pt, &errstr) == 0)
		ohttp_ctx_clear(&gw);
	buf_clear(&pt, 1);
	return (0);
}

#ifdef FUZZ_OHTTP_SEEDS
/* Write one seed: the two control bytes, then len bytes of body. */
static void
fuzz_ohttp_seed(const char *dir, const char *name, uint8_t c0, uint8_t c1,
    const uint8_t *p, size_t len)
{
	char	 path[1024];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL)
		abort();
	fputc(c0, f);
	fputc(c1, f);
	if (len != 0 && fwrite(p, 1, len, f) != len)
		abort();
	fclose(f);
}

int
main(int argc, char **argv)
{
	struct ohttp_sealer	*sl;
	struct buf		 b;
	uint8_t			 nonce[OHTTP_NONCE_LEN], junk[300];
	const char		*errstr;
	size_t			 i, full;

	if (argc != 2)
		return (1);
	fuzz_ohttp_init();
	memset(nonce, 0x4e, sizeof(nonce));
	buf_init(&b);
	if ((sl = ohttp_sealer_new(&fuzz_ohttp_gw, nonce, &b,
	    &errstr)) == NULL ||
	    ohttp_sealer_chunk(sl, (const uint8_t *)"data: {\"a\":1}\n\n", 15,
	    0, &b, &errstr) == -1 ||
	    ohttp_sealer_chunk(sl, NULL, 0, 0, &b, &errstr) == -1 ||
	    ohttp_sealer_chunk(sl, (const uint8_t *)"Xrefused", 8, 0, &b,
	    &errstr) == -1 ||
	    ohttp_sealer_chunk(sl, (const uint8_t *)"data: [DONE]\n\n", 14, 1,
	    &b, &errstr) == -1)
		abort();
	ohttp_sealer_free(sl);
	full = b.len;
	fuzz_ohttp_seed(argv[1], "chunked-whole", 0, 0, b.data, full);
	fuzz_ohttp_seed(argv[1], "chunked-pieces", 7, 3, b.data, full);
	fuzz_ohttp_seed(argv[1], "chunked-bytewise", 1, 0, b.data, full);
	fuzz_ohttp_seed(argv[1], "chunked-cut-in-chunk", 0, 0, b.data, 60);
	fuzz_ohttp_seed(argv[1], "chunked-no-final", 0, 0, b.data,
	    OHTTP_NONCE_LEN + 1 + 15 + 16);
	fuzz_ohttp_seed(argv[1], "chunked-cut-nonce", 0, 0, b.data, 20);

	b.len = 0;
	if (ohttp_seal_response(&fuzz_ohttp_gw, nonce,
	    (const uint8_t *)"{\"status\": 200, \"body\": {}}", 27, &b,
	    &errstr) == -1)
		abort();
	fuzz_ohttp_seed(argv[1], "single-shot", 0, 0, b.data, b.len);
	fuzz_ohttp_seed(argv[1], "request", 0, 0, fuzz_ohttp_req.data,
	    fuzz_ohttp_req.len);

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);
	junk[OHTTP_NONCE_LEN] = 0xc0;	/* an 8-byte varint: a huge length */
	fuzz_ohttp_seed(argv[1], "garbage-varint", 5, 9, junk, sizeof(junk));
	buf_clear(&b, 0);
	return (0);
}
#endif /* FUZZ_OHTTP_SEEDS */

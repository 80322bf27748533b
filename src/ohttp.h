/*
 * ohttp.h: Oblivious HTTP (RFC 9458) request encapsulation over HPKE, the
 * single-shot response and the chunked response (draft-ietf-ohai-chunked-
 * ohttp), both roles: og-veil is the client, og-veil-devnet the gateway.
 * PROTOCOL.md §4 and §6.  A leaf.
 */
#ifndef OHTTP_H
#define OHTTP_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"
#include "hpke.h"

#define OHTTP_HDR_LEN		7	/* keyId, kemId, kdfId, aeadId */
#define OHTTP_NONCE_LEN		32	/* response_nonce */
/* The longest sealed chunk the opener holds (and the sealer writes). */
#define OHTTP_MAX_CHUNK		(16 * 1024 * 1024)

/*
 * PROTOCOL.md §6: the gateway's plaintext billing frame in a chunked body,
 * magic || be32 length || cost JSON, at most OHTTP_BILLING_MAX of JSON.
 */
#define OHTTP_BILLING_MAGIC	"\n--opengradient-ohttp-billing-v1--\n"
#define OHTTP_BILLING_MAGIC_LEN	35
#define OHTTP_BILLING_HDR_LEN	(OHTTP_BILLING_MAGIC_LEN + 4)
#define OHTTP_BILLING_FIRST	0x0a
#define OHTTP_BILLING_MAX	(64 * 1024)

/* The recipient key a registry entry advertises (its ohttpConfig). */
struct ohttp_key_config {
	uint8_t		 key_id;
	uint16_t	 kem_id;
	uint16_t	 kdf_id;
	uint16_t	 aead_id;
	uint8_t		 pk[HPKE_X25519_LEN];
};

/* One exchange's secrets, on either side; wipe with ohttp_ctx_clear(). */
struct ohttp_ctx {
	struct hpke_ctx	 hpke;
	uint8_t		 enc[HPKE_X25519_LEN];
	uint8_t		 response_secret[HPKE_SECRET_LEN];
	uint8_t		 chunked_secret[HPKE_SECRET_LEN];
};

/* Client: hdr || enc || Seal(wire request) appended to body. */
int	ohttp_encap_request(struct ohttp_ctx *, const struct ohttp_key_config *,
	    const uint8_t *, size_t, struct buf *, const char **);
/*
 * The same with the ephemeral key derived from ikmE (vectors, tests):
 * (ctx, config, pt, ptlen, ikmE, ikmElen, body).
 */
int	ohttp_encap_request_det(struct ohttp_ctx *,
	    const struct ohttp_key_config *, const uint8_t *, size_t,
	    const uint8_t *, size_t, struct buf *, const char **);
/* Client: open a single-shot response body; plaintext appended to pt. */
int	ohttp_open_response(const struct ohttp_ctx *, const uint8_t *, size_t,
	    struct buf *, const char **);

/*
 * Gateway: decapsulate a request with the recipient secret key and the
 * config it must match (key id and suite); plaintext appended to pt.
 */
int	ohttp_decap_request(struct ohttp_ctx *, const struct ohttp_key_config *,
	    const uint8_t *, const uint8_t *, size_t, struct buf *,
	    const char **);
/* Gateway: seal a single-shot response; nonce may be NULL (random). */
int	ohttp_seal_response(const struct ohttp_ctx *, const uint8_t *,
	    const uint8_t *, size_t, struct buf *, const char **);

/* Gateway: chunked response sealer. */
struct ohttp_sealer;
/* A new sealer; writes response_nonce (random when NULL) to out. */
struct ohttp_sealer *ohttp_sealer_new(const struct ohttp_ctx *,
	    const uint8_t *, struct buf *, const char **);
/* Seal one chunk (final: aad "final", varint 0) and append it to out. */
int	ohttp_sealer_chunk(struct ohttp_sealer *, const uint8_t *, size_t, int,
	    struct buf *, const char **);
void	ohttp_sealer_free(struct ohttp_sealer *);
/* Gateway: append a billing frame holding the cost JSON (§6) to out. */
int	ohttp_billing_frame(const uint8_t *, size_t, struct buf *,
	    const char **);

/* Relay: passes a chunked body on, dropping billing frames when strip. */
struct ohttp_filter;
struct ohttp_filter *ohttp_filter_new(int);
/* Append what goes on to out; -1 when the framing is broken. */
int	ohttp_filter_feed(struct ohttp_filter *, const uint8_t *, size_t,
	    struct buf *, const char **);
/* Billing frames seen so far. */
size_t	ohttp_filter_frames(const struct ohttp_filter *);
void	ohttp_filter_free(struct ohttp_filter *);

/* Client: incremental chunked response opener, bytes in any pieces. */
struct ohttp_stream;
/* Called with each decrypted chunk; final is 1 for the last. -1 aborts. */
typedef int (*ohttp_chunk_cb)(void *, const uint8_t *, size_t, int);
struct ohttp_stream *ohttp_stream_new(const struct ohttp_ctx *,
	    ohttp_chunk_cb, void *);
/* Feed len bytes; calls the callback for every chunk completed. */
int	ohttp_stream_feed(struct ohttp_stream *, const uint8_t *, size_t,
	    const char **);
/* End of body: opens the final chunk; -1 when it is missing or bad. */
int	ohttp_stream_finish(struct ohttp_stream *, const char **);
/* Bytes held waiting for a chunk to complete (for memory caps). */
size_t	ohttp_stream_pending(const struct ohttp_stream *);
void	ohttp_stream_free(struct ohttp_stream *);

void	ohttp_ctx_clear(struct ohttp_ctx *);

/*
 * The response keys of PROTOCOL.md §6: (enc (32), secret (32),
 * response_nonce (32), aead, prk (32, or NULL), key (Nk), aead_nonce (12)).
 */
int	ohttp_response_keys(const uint8_t *, const uint8_t *, const uint8_t *,
	    uint16_t, uint8_t *, uint8_t[HPKE_MAX_KEY_LEN],
	    uint8_t[HPKE_NONCE_LEN], const char **);

#endif /* OHTTP_H */

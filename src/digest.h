/*
 * digest.h: the request the enclave commits to (PROTOCOL.md §7: OpenAI body
 * to wire and canonical, request hash) and the content it commits to (§8:
 * signed output of a non-streaming response).  A leaf.
 */
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct digest_request {
	struct json_value	*wire;		/* owned */
	struct json_value	*canonical;	/* owned */
	char			*wire_json;	/* owned: what is encrypted */
	size_t			 wire_len;
	char			*canonical_json; /* owned: what is hashed */
	size_t			 canonical_len;
	uint8_t			 request_hash[32];
};

/*
 * Build wire and canonical from an agent's body; stream adds "stream": true
 * to the wire.  -1 with errstr (a 400 for the agent) when the enclave
 * cannot express the request.  Clear out with digest_request_clear().
 */
int	 digest_build_request(const struct json_value *, int,
	    struct digest_request *, const char **);
void	 digest_request_clear(struct digest_request *);
/* Drop the trees (wire, canonical), keeping the texts and the hash. */
void	 digest_request_trim(struct digest_request *);
/*
 * The gateway's side: canonicalise a decrypted wire request exactly as the
 * enclave does before hashing it (og-veil-devnet).
 */
int	 digest_gateway_request(const struct json_value *,
	    struct digest_request *, const char **);
/*
 * §8 non-streaming: the signed output of a response object (the inner
 * response, not an envelope).  *out is new; the caller frees it.
 */
int	 digest_response_output(const struct json_value *, char **, size_t *,
	    const char **);
/* keccak256 of len bytes as 64 lower-case hex digits in out[65]. */
void	 digest_hash_hex(const void *, size_t, char *);

#endif /* DIGEST_H */

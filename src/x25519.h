/*
 * x25519.h: X25519 (RFC 7748 §5) by constant-time fixed-base
 * multiplications on the birationally equivalent Edwards curve: the public
 * key of a secret key, X25519(k, 9), from a table of B made once, and the
 * key agreement X25519(k, u) with a peer key used over and over (an HPKE
 * sender's recipient, the TEE), from a table of that key made once.  HPKE
 * does both per request; OpenSSL 3.0 computes the first with a slower
 * 32-bit routine and the second with a ladder.  A leaf.
 */
#ifndef X25519_H
#define X25519_H

#include <stdint.h>

#define X25519_KEY_LEN	32

struct x25519_peer;

/*
 * pk = X25519(sk, 9).  -1 (pk untouched) if this code failed its own
 * known-answer check when first used: the caller then asks OpenSSL.
 */
int	x25519_public_from_secret(const uint8_t[X25519_KEY_LEN],
	    uint8_t[X25519_KEY_LEN]);

/*
 * The table of the public key u (32 KiB, some milliseconds to make;
 * the caller frees it with x25519_peer_free()), or NULL when this code
 * does not serve u: its own check failed, or u is not a point of the prime
 * order group (the twist, small order, a small-order part).  Such keys
 * are left to OpenSSL, which computes X25519 for any u.
 */
struct x25519_peer *x25519_peer_new(const uint8_t[X25519_KEY_LEN]);
/* out = X25519(sk, u) for the peer's u.  out may be all zero. */
void	x25519_peer_dh(const struct x25519_peer *,
	    const uint8_t[X25519_KEY_LEN], uint8_t[X25519_KEY_LEN]);
/*
 * pk = X25519(sk, 9) and dh = X25519(sk, u) at once, a little faster than
 * the two calls; -1 (both untouched) as x25519_public_from_secret().
 */
int	x25519_public_and_dh(const struct x25519_peer *,
	    const uint8_t[X25519_KEY_LEN], uint8_t[X25519_KEY_LEN],
	    uint8_t[X25519_KEY_LEN]);
void	x25519_peer_free(struct x25519_peer *);
/*
 * Tests: 0 selects table entries without AVX2, 1 with it when the
 * processor has it (the default); the previous setting.
 */
int	x25519_set_avx2(int);

#endif /* X25519_H */

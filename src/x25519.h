/*
 * x25519.h: the X25519 public key of a secret key (RFC 7748 §6.1,
 * X25519(k, 9)) by a constant-time fixed-base multiplication on the
 * birationally equivalent Edwards curve.  HPKE makes one per request (its
 * ephemeral key); OpenSSL 3.0 computes it with a slower 32-bit routine.
 * The key agreement itself stays OpenSSL's.  A leaf.
 */
#ifndef X25519_H
#define X25519_H

#include <stdint.h>

#define X25519_KEY_LEN	32

/*
 * pk = X25519(sk, 9).  -1 (pk untouched) if this code failed its own
 * known-answer check when first used: the caller then asks OpenSSL.
 */
int	x25519_public_from_secret(const uint8_t[X25519_KEY_LEN],
	    uint8_t[X25519_KEY_LEN]);

#endif /* X25519_H */

/*
 * keccak.c: the Keccak-f[1600] permutation (FIPS 202 §3) and Keccak-256 as
 * Ethereum uses it: rate 136 bytes, capacity 512 bits and the original
 * Keccak padding (0x01 ... 0x80), not SHA3-256's 0x06.  PROTOCOL.md §3
 * (tee_id), §7 (request_hash), §8 (output_hash) and §9 (signed message).
 */
#include "compat.h"

#include <string.h>

#include "keccak.h"

#define KECCAK_RATE	136	/* (1600 - 2 * 256) / 8 */
#define KECCAK_ROUNDS	24

/* FIPS 202 §3.2.5: the iota step's round constants RC[ir]. */
static const uint64_t keccak_rc[KECCAK_ROUNDS] = {
	0x0000000000000001ULL, 0x0000000000008082ULL,
	0x800000000000808aULL, 0x8000000080008000ULL,
	0x000000000000808bULL, 0x0000000080000001ULL,
	0x8000000080008081ULL, 0x8000000000008009ULL,
	0x000000000000008aULL, 0x0000000000000088ULL,
	0x0000000080008009ULL, 0x000000008000000aULL,
	0x000000008000808bULL, 0x800000000000008bULL,
	0x8000000000008089ULL, 0x8000000000008003ULL,
	0x8000000000008002ULL, 0x8000000000000080ULL,
	0x000000000000800aULL, 0x800000008000000aULL,
	0x8000000080008081ULL, 0x8000000000008080ULL,
	0x0000000080000001ULL, 0x8000000080008008ULL
};

/* FIPS 202 §3.2.2: the rho step's offsets, for lane x + 5 * y. */
static const unsigned int keccak_rho[25] = {
	0, 1, 62, 28, 27,
	36, 44, 6, 55, 20,
	3, 10, 43, 25, 39,
	41, 45, 15, 21, 8,
	18, 2, 61, 56, 14
};

static void	keccak_f1600(uint64_t[25]);
static void	keccak_absorb_block(uint64_t[25], const uint8_t *);

static inline uint64_t
keccak_rotl(uint64_t v, unsigned int n)
{
	return (n == 0 ? v : (v << n) | (v >> (64 - n)));
}

/* Keccak-f[1600]: 24 rounds of theta, rho, pi, chi and iota. */
static void
keccak_f1600(uint64_t a[25])
{
	uint64_t	 b[25], c[5], d[5];
	unsigned int	 r, x, y;

	for (r = 0; r < KECCAK_ROUNDS; r++) {
		/* theta: xor each column's parity into its neighbours. */
		for (x = 0; x < 5; x++)
			c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^
			    a[x + 20];
		for (x = 0; x < 5; x++)
			d[x] = c[(x + 4) % 5] ^ keccak_rotl(c[(x + 1) % 5], 1);
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				a[y + x] ^= d[x];
		/* rho and pi: lane (x, y) rotates and moves to (y, 2x + 3y). */
		for (y = 0; y < 5; y++)
			for (x = 0; x < 5; x++)
				b[y + 5 * ((2 * x + 3 * y) % 5)] =
				    keccak_rotl(a[x + 5 * y],
				    keccak_rho[x + 5 * y]);
		/* chi: the only non-linear step, along each row. */
		for (y = 0; y < 25; y += 5)
			for (x = 0; x < 5; x++)
				a[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] &
				    b[y + (x + 2) % 5]);
		/* iota */
		a[0] ^= keccak_rc[r];
	}
}

/* Xor one rate-sized block into the state, lanes little-endian. */
static void
keccak_absorb_block(uint64_t st[25], const uint8_t *p)
{
	unsigned int	 i, j;
	uint64_t	 v;

	for (i = 0; i < KECCAK_RATE / 8; i++) {
		v = 0;
		for (j = 0; j < 8; j++)
			v |= (uint64_t)p[8 * i + j] << (8 * j);
		st[i] ^= v;
	}
}

/* Start a Keccak-256 hash. */
void
keccak256_init(struct keccak_ctx *kc)
{
	memset(kc, 0, sizeof(*kc));
}

/* Absorb len more bytes. */
void
keccak256_update(struct keccak_ctx *kc, const void *data, size_t len)
{
	const uint8_t	*p = data;

	while (len > 0) {
		if (kc->pos == 0 && len >= KECCAK_RATE) {
			keccak_absorb_block(kc->st, p);
			keccak_f1600(kc->st);
			p += KECCAK_RATE;
			len -= KECCAK_RATE;
			continue;
		}
		kc->st[kc->pos / 8] ^= (uint64_t)*p << (8 * (kc->pos % 8));
		p++;
		len--;
		if (++kc->pos == KECCAK_RATE) {
			keccak_f1600(kc->st);
			kc->pos = 0;
		}
	}
}

/* Pad (0x01 ... 0x80), permute and squeeze 32 bytes; resets the context. */
void
keccak256_final(struct keccak_ctx *kc, uint8_t out[KECCAK256_LEN])
{
	unsigned int	 i;

	kc->st[kc->pos / 8] ^= (uint64_t)0x01 << (8 * (kc->pos % 8));
	kc->st[(KECCAK_RATE - 1) / 8] ^=
	    (uint64_t)0x80 << (8 * ((KECCAK_RATE - 1) % 8));
	keccak_f1600(kc->st);
	for (i = 0; i < KECCAK256_LEN; i++)
		out[i] = (uint8_t)(kc->st[i / 8] >> (8 * (i % 8)));
	keccak256_init(kc);
}

/* One-shot Keccak-256. */
void
keccak256(const void *data, size_t len, uint8_t out[KECCAK256_LEN])
{
	struct keccak_ctx	 kc;

	keccak256_init(&kc);
	keccak256_update(&kc, data, len);
	keccak256_final(&kc, out);
}

/*
 * x25519.c: X25519 (RFC 7748 §5) as fixed-base multiplications on
 * edwards25519 (RFC 7748 §4.1: the curves are birationally equivalent,
 * u = (1 + y) / (1 - y)): the public key of a secret key, X25519(k, 9) =
 * u(k·B), and the key agreement with a peer key used over and over,
 * X25519(k, u) = u(k·P) for the point P of u.  An HPKE sender does both
 * per request, with a new k and the same P (the TEE's key).
 *
 * The method is the well-known one of Bernstein et al., "High-speed
 * high-security signatures" (2011) §4: k in signed radix 16, 64 digits in
 * [-8, 8]; a table of j·256^i·P (j = 1..8, i = 0..31) as affine
 * (y + x, y - x, 2d·x·y); 64 mixed additions and 4 doublings in extended
 * coordinates (Hisil et al. 2008, a = -1; complete on this curve).  Field
 * elements are five 51-bit limbs with 128-bit products.
 *
 * Constant time: no branch and no memory index depends on the secret; a
 * table entry is chosen by reading all eight of its row with masks (AVX2
 * when the processor has it, see x25519_select()).  B's
 * table is computed once, on first use, and checked: B must lie on the
 * curve and RFC 7748 §6.1's two key pairs must come out, or every call
 * answers -1 and the caller uses OpenSSL (which computes the same values
 * more slowly).  A peer's table is made from its u (public) when a caller
 * asks, in about a millisecond, and only for a point of B's group: u of
 * the twist, of small order or with a small-order part is refused, and
 * the caller leaves that key to OpenSSL, which computes X25519 for any u.
 */
#include "compat.h"

#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "x25519.h"

__extension__ typedef unsigned __int128 x25519_u128;

/* sum f[i]·2^(51·i) mod p = 2^255 - 19; limbs kept below 2^54 */
typedef uint64_t fe[5];

#define FE_MASK		((UINT64_C(1) << 51) - 1)

struct ge_p2 {		/* projective: x = X/Z, y = Y/Z */
	fe	 X, Y, Z;
};

struct ge_p3 {		/* extended: also x·y = T/Z */
	fe	 X, Y, Z, T;
};

struct ge_p1p1 {	/* completed: x = X/Z, y = Y/T */
	fe	 X, Y, Z, T;
};

struct ge_precomp {	/* affine, for mixed addition */
	fe	 ypx, ymx, xy2d;
	uint64_t pad;		/* 128 bytes: whole 16-byte words to select */
};

#define X25519_ROWS	32	/* 256^i, i = 0..31 */
#define X25519_COLS	8	/* j = 1..8 */

/* j·256^i·P, for B or a peer's key */
struct x25519_table {
	/* an entry is two cache lines, never parts of three */
	_Alignas(64) struct ge_precomp t[X25519_ROWS][X25519_COLS];
};

struct x25519_peer {
	struct x25519_table	 xp_table;
};

static struct x25519_table x25519_base;
static fe		 x25519_d;	/* -121665/121666 */
static fe		 x25519_d2;	/* 2d */
static int		 x25519_ready;	/* the table passed its checks */
static pthread_once_t	 x25519_once = PTHREAD_ONCE_INIT;

/* 4p as limbs, for a negation that needs no carry: limbs stay below 2^54 */
static const uint64_t x25519_4p[5] = {
	(UINT64_C(1) << 53) - 76, (UINT64_C(1) << 53) - 4,
	(UINT64_C(1) << 53) - 4, (UINT64_C(1) << 53) - 4,
	(UINT64_C(1) << 53) - 4
};

/* L, the order of B: 2^252 + 27742317777372353535851937790883648493 */
static const uint8_t x25519_order[32] = {
	0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58,
	0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10
};

/* edwards25519's base point B: x, little-endian (RFC 7748 §4.1, RFC 8032) */
static const uint8_t x25519_bx[32] = {
	0x1a, 0xd5, 0x25, 0x8f, 0x60, 0x2d, 0x56, 0xc9,
	0xb2, 0xa7, 0x25, 0x95, 0x60, 0xc7, 0x2c, 0x69,
	0x5c, 0xdc, 0xd6, 0xfd, 0x31, 0xe2, 0xa4, 0xc0,
	0xfe, 0x53, 0x6e, 0xcd, 0xd3, 0x36, 0x69, 0x21
};

/* RFC 7748 §6.1: Alice's and Bob's secret and public keys. */
static const uint8_t x25519_kat[2][2][32] = {
	{ {
		0x77, 0x07, 0x6d, 0x0a, 0x73, 0x18, 0xa5, 0x7d,
		0x3c, 0x16, 0xc1, 0x72, 0x51, 0xb2, 0x66, 0x45,
		0xdf, 0x4c, 0x2f, 0x87, 0xeb, 0xc0, 0x99, 0x2a,
		0xb1, 0x77, 0xfb, 0xa5, 0x1d, 0xb9, 0x2c, 0x2a
	}, {
		0x85, 0x20, 0xf0, 0x09, 0x89, 0x30, 0xa7, 0x54,
		0x74, 0x8b, 0x7d, 0xdc, 0xb4, 0x3e, 0xf7, 0x5a,
		0x0d, 0xbf, 0x3a, 0x0d, 0x26, 0x38, 0x1a, 0xf4,
		0xeb, 0xa4, 0xa9, 0x8e, 0xaa, 0x9b, 0x4e, 0x6a
	} }, { {
		0x5d, 0xab, 0x08, 0x7e, 0x62, 0x4a, 0x8a, 0x4b,
		0x79, 0xe1, 0x7f, 0x8b, 0x83, 0x80, 0x0e, 0xe6,
		0x6f, 0x3b, 0xb1, 0x29, 0x26, 0x18, 0xb6, 0xfd,
		0x1c, 0x2f, 0x8b, 0x27, 0xff, 0x88, 0xe0, 0xeb
	}, {
		0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4,
		0xd3, 0x5b, 0x61, 0xc2, 0xec, 0xe4, 0x35, 0x37,
		0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d,
		0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f
	} }
};

static void
fe_set(fe h, uint64_t v)
{
	h[0] = v;
	h[1] = h[2] = h[3] = h[4] = 0;
}

/* Limbs below 2^51 (h[0] a little above): "reduced", not yet unique. */
static void
fe_carry(fe h)
{
	uint64_t	 c;

	c = h[0] >> 51; h[0] &= FE_MASK; h[1] += c;
	c = h[1] >> 51; h[1] &= FE_MASK; h[2] += c;
	c = h[2] >> 51; h[2] &= FE_MASK; h[3] += c;
	c = h[3] >> 51; h[3] &= FE_MASK; h[4] += c;
	c = h[4] >> 51; h[4] &= FE_MASK; h[0] += 19 * c;
}

/* h = f + g, not carried: inputs reduced or one such sum. */
static void
fe_add(fe h, const fe f, const fe g)
{
	int	 i;

	for (i = 0; i < 5; i++)
		h[i] = f[i] + g[i];
}

/* h = f - g, carried; g below 2^53 per limb (4p is added first). */
static void
fe_sub(fe h, const fe f, const fe g)
{
	h[0] = f[0] + (UINT64_C(1) << 53) - 76 - g[0];
	h[1] = f[1] + (UINT64_C(1) << 53) - 4 - g[1];
	h[2] = f[2] + (UINT64_C(1) << 53) - 4 - g[2];
	h[3] = f[3] + (UINT64_C(1) << 53) - 4 - g[3];
	h[4] = f[4] + (UINT64_C(1) << 53) - 4 - g[4];
	fe_carry(h);
}

/* The 128-bit sums r[] carried into five reduced limbs. */
static inline void
fe_carry_wide(fe h, x25519_u128 r0, x25519_u128 r1, x25519_u128 r2,
    x25519_u128 r3, x25519_u128 r4)
{
	uint64_t	 c;

	r1 += (uint64_t)(r0 >> 51); h[0] = (uint64_t)r0 & FE_MASK;
	r2 += (uint64_t)(r1 >> 51); h[1] = (uint64_t)r1 & FE_MASK;
	r3 += (uint64_t)(r2 >> 51); h[2] = (uint64_t)r2 & FE_MASK;
	r4 += (uint64_t)(r3 >> 51); h[3] = (uint64_t)r3 & FE_MASK;
	c = (uint64_t)(r4 >> 51); h[4] = (uint64_t)r4 & FE_MASK;
	h[0] += 19 * c;
	h[1] += h[0] >> 51;
	h[0] &= FE_MASK;
}

/* h = f·g; limbs of f and g below 2^54.  h may be f or g. */
static void
fe_mul(fe h, const fe f, const fe g)
{
	x25519_u128	 r0, r1, r2, r3, r4;
	uint64_t	 g1 = 19 * g[1], g2 = 19 * g[2], g3 = 19 * g[3];
	uint64_t	 g4 = 19 * g[4];

	r0 = (x25519_u128)f[0] * g[0] + (x25519_u128)f[1] * g4 +
	    (x25519_u128)f[2] * g3 + (x25519_u128)f[3] * g2 +
	    (x25519_u128)f[4] * g1;
	r1 = (x25519_u128)f[0] * g[1] + (x25519_u128)f[1] * g[0] +
	    (x25519_u128)f[2] * g4 + (x25519_u128)f[3] * g3 +
	    (x25519_u128)f[4] * g2;
	r2 = (x25519_u128)f[0] * g[2] + (x25519_u128)f[1] * g[1] +
	    (x25519_u128)f[2] * g[0] + (x25519_u128)f[3] * g4 +
	    (x25519_u128)f[4] * g3;
	r3 = (x25519_u128)f[0] * g[3] + (x25519_u128)f[1] * g[2] +
	    (x25519_u128)f[2] * g[1] + (x25519_u128)f[3] * g[0] +
	    (x25519_u128)f[4] * g4;
	r4 = (x25519_u128)f[0] * g[4] + (x25519_u128)f[1] * g[3] +
	    (x25519_u128)f[2] * g[2] + (x25519_u128)f[3] * g[1] +
	    (x25519_u128)f[4] * g[0];
	fe_carry_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^2; limbs of f below 2^54. */
static void
fe_sq(fe h, const fe f)
{
	x25519_u128	 r0, r1, r2, r3, r4;
	uint64_t	 d0 = 2 * f[0], d1 = 2 * f[1], d2 = 2 * f[2];
	uint64_t	 f3_19 = 19 * f[3], f4_19 = 19 * f[4];
	uint64_t	 f3_38 = 38 * f[3];

	r0 = (x25519_u128)f[0] * f[0] + (x25519_u128)d1 * f4_19 +
	    (x25519_u128)d2 * f3_19;
	r1 = (x25519_u128)d0 * f[1] + (x25519_u128)d2 * f4_19 +
	    (x25519_u128)f[3] * f3_19;
	r2 = (x25519_u128)d0 * f[2] + (x25519_u128)f[1] * f[1] +
	    (x25519_u128)f3_38 * f[4];
	r3 = (x25519_u128)d0 * f[3] + (x25519_u128)d1 * f[2] +
	    (x25519_u128)f[4] * f4_19;
	r4 = (x25519_u128)d0 * f[4] + (x25519_u128)d1 * f[3] +
	    (x25519_u128)f[2] * f[2];
	fe_carry_wide(h, r0, r1, r2, r3, r4);
}

/* h = f^(2^n), n >= 1. */
static void
fe_sq_n(fe h, const fe f, int n)
{
	fe_sq(h, f);
	while (--n > 0)
		fe_sq(h, h);
}

/* h = z^(p - 2) = 1/z (0 for 0): 254 squarings, 11 products. */
static void
fe_invert(fe h, const fe z)
{
	fe	 t0, t1, t2, t3;

	fe_sq(t0, z);			/* z^2 */
	fe_sq_n(t1, t0, 2);		/* z^8 */
	fe_mul(t1, z, t1);		/* z^9 */
	fe_mul(t0, t0, t1);		/* z^11 */
	fe_sq(t2, t0);			/* z^22 */
	fe_mul(t1, t1, t2);		/* z^(2^5 - 1) */
	fe_sq_n(t2, t1, 5);
	fe_mul(t1, t2, t1);		/* z^(2^10 - 1) */
	fe_sq_n(t2, t1, 10);
	fe_mul(t2, t2, t1);		/* z^(2^20 - 1) */
	fe_sq_n(t3, t2, 20);
	fe_mul(t2, t3, t2);		/* z^(2^40 - 1) */
	fe_sq_n(t2, t2, 10);
	fe_mul(t1, t2, t1);		/* z^(2^50 - 1) */
	fe_sq_n(t2, t1, 50);
	fe_mul(t2, t2, t1);		/* z^(2^100 - 1) */
	fe_sq_n(t3, t2, 100);
	fe_mul(t2, t3, t2);		/* z^(2^200 - 1) */
	fe_sq_n(t2, t2, 50);
	fe_mul(t1, t2, t1);		/* z^(2^250 - 1) */
	fe_sq_n(t1, t1, 5);		/* z^(2^255 - 32) */
	fe_mul(h, t1, t0);		/* z^(2^255 - 21) */
}

static uint64_t
fe_load64(const uint8_t *s)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | s[i];
	return (v);
}

static void
fe_store64(uint8_t *s, uint64_t v)
{
	int	 i;

	for (i = 0; i < 8; i++, v >>= 8)
		s[i] = (uint8_t)v;
}

/* 32 little-endian bytes, the top bit ignored (RFC 7748 §5). */
static void
fe_frombytes(fe h, const uint8_t s[32])
{
	h[0] = fe_load64(s) & FE_MASK;
	h[1] = (fe_load64(s + 6) >> 3) & FE_MASK;
	h[2] = (fe_load64(s + 12) >> 6) & FE_MASK;
	h[3] = (fe_load64(s + 19) >> 1) & FE_MASK;
	h[4] = (fe_load64(s + 24) >> 12) & FE_MASK;
}

/* The unique representative in [0, p) as 32 little-endian bytes. */
static void
fe_tobytes(uint8_t s[32], const fe f)
{
	uint64_t	 t[5], q, c;

	memcpy(t, f, sizeof(t));
	fe_carry(t);
	fe_carry(t);
	/* t < 2p: q = 1 iff t >= p, that is iff t + 19 >= 2^255 */
	q = (t[0] + 19) >> 51;
	q = (t[1] + q) >> 51;
	q = (t[2] + q) >> 51;
	q = (t[3] + q) >> 51;
	q = (t[4] + q) >> 51;
	t[0] += 19 * q;		/* t - q·p, the 2^255 dropped below */
	c = t[0] >> 51; t[0] &= FE_MASK; t[1] += c;
	c = t[1] >> 51; t[1] &= FE_MASK; t[2] += c;
	c = t[2] >> 51; t[2] &= FE_MASK; t[3] += c;
	c = t[3] >> 51; t[3] &= FE_MASK; t[4] += c;
	t[4] &= FE_MASK;
	fe_store64(s, t[0] | t[1] << 51);
	fe_store64(s + 8, t[1] >> 13 | t[2] << 38);
	fe_store64(s + 16, t[2] >> 26 | t[3] << 25);
	fe_store64(s + 24, t[3] >> 39 | t[4] << 12);
}

static void
ge_p3_0(struct ge_p3 *h)
{
	fe_set(h->X, 0);
	fe_set(h->Y, 1);
	fe_set(h->Z, 1);
	fe_set(h->T, 0);
}

static void
ge_p1p1_to_p2(struct ge_p2 *r, const struct ge_p1p1 *p)
{
	fe_mul(r->X, p->X, p->T);
	fe_mul(r->Y, p->Y, p->Z);
	fe_mul(r->Z, p->Z, p->T);
}

static void
ge_p1p1_to_p3(struct ge_p3 *r, const struct ge_p1p1 *p)
{
	fe_mul(r->X, p->X, p->T);
	fe_mul(r->Y, p->Y, p->Z);
	fe_mul(r->Z, p->Z, p->T);
	fe_mul(r->T, p->X, p->Y);
}

/* r = 2p (dbl-2008-hwcd, a = -1), every coordinate negated. */
static void
ge_p2_dbl(struct ge_p1p1 *r, const struct ge_p2 *p)
{
	fe	 t0;

	fe_sq(r->X, p->X);		/* A = X^2 */
	fe_sq(r->Z, p->Y);		/* B = Y^2 */
	fe_sq(r->T, p->Z);
	fe_add(r->T, r->T, r->T);	/* C = 2 Z^2 */
	fe_add(r->Y, p->X, p->Y);
	fe_sq(t0, r->Y);		/* (X + Y)^2 */
	fe_add(r->Y, r->Z, r->X);	/* B + A */
	fe_sub(r->Z, r->Z, r->X);	/* B - A */
	fe_sub(r->X, t0, r->Y);		/* E = (X + Y)^2 - A - B */
	fe_sub(r->T, r->T, r->Z);	/* C - (B - A) */
}

static void
ge_p3_dbl(struct ge_p1p1 *r, const struct ge_p3 *p)
{
	struct ge_p2	 q;

	memcpy(q.X, p->X, sizeof(fe));
	memcpy(q.Y, p->Y, sizeof(fe));
	memcpy(q.Z, p->Z, sizeof(fe));
	ge_p2_dbl(r, &q);
}

/* r = p + q, q affine (madd-2008-hwcd-3 with k = 2d; complete). */
static void
ge_madd(struct ge_p1p1 *r, const struct ge_p3 *p, const struct ge_precomp *q)
{
	fe	 t0;

	fe_add(r->X, p->Y, p->X);
	fe_sub(r->Y, p->Y, p->X);
	fe_mul(r->Z, r->X, q->ypx);	/* B = (Y + X)(y + x) */
	fe_mul(r->Y, r->Y, q->ymx);	/* A = (Y - X)(y - x) */
	fe_mul(r->T, q->xy2d, p->T);	/* C = T·2d·x·y */
	fe_add(t0, p->Z, p->Z);		/* D = 2Z */
	fe_sub(r->X, r->Z, r->Y);	/* E = B - A */
	fe_add(r->Y, r->Z, r->Y);	/* H = B + A */
	fe_add(r->Z, t0, r->T);		/* G = D + C */
	fe_sub(r->T, t0, r->T);		/* F = D - C */
}

/* The affine form of p, for the table. */
static void
ge_p3_to_precomp(struct ge_precomp *r, const struct ge_p3 *p, const fe d2)
{
	fe	 zi, x, y;

	fe_invert(zi, p->Z);
	fe_mul(x, p->X, zi);
	fe_mul(y, p->Y, zi);
	fe_add(r->ypx, y, x);
	fe_carry(r->ypx);
	fe_sub(r->ymx, y, x);
	fe_mul(r->xy2d, x, y);
	fe_mul(r->xy2d, r->xy2d, d2);
	r->pad = 0;
}

/* 1 if a == b, else 0, without a branch. */
static uint64_t
x25519_eq(uint32_t a, uint32_t b)
{
	return (((uint64_t)(a ^ b) - 1) >> 63);
}

/*
 * The row's entry for |b| (all zero for 0) into w[16]: each entry and-ed
 * with a mask, all ones for the one wanted, and or-ed in.  Three forms of
 * the same loop: AVX2 (32 bytes a step), chosen at the first use when the
 * processor has it; SSE2 on an x86-64 without AVX; 8 bytes a step
 * elsewhere.  Never SSE2 beside AVX: after library code that leaves the
 * upper halves of the vector registers in use (OpenSSL's AVX-512 ciphers
 * here), each legacy SSE instruction waits on them, which made the SSE2
 * form 3.4 times slower in og-veil than alone (8.5 against 2.5 us per
 * request for the 128 selections).
 */
#if defined(__x86_64__) && defined(__GNUC__)
#define X25519_HAVE_AVX2	1
static int	x25519_use_avx2;	/* set once, by x25519_init() */

__attribute__((target("avx2")))
static void
x25519_pick_avx2(uint64_t w[16], const struct ge_precomp *row, uint32_t babs)
{
	__m256i		 a0, a1, a2, a3, m;
	int		 j;

	a0 = a1 = a2 = a3 = _mm256_setzero_si256();
	for (j = 0; j < X25519_COLS; j++) {
		const __m256i *e = (const __m256i *)(const void *)&row[j];

		m = _mm256_set1_epi64x(-(int64_t)x25519_eq(babs,
		    (uint32_t)j + 1));
		a0 = _mm256_or_si256(a0, _mm256_and_si256(m,
		    _mm256_loadu_si256(e)));
		a1 = _mm256_or_si256(a1, _mm256_and_si256(m,
		    _mm256_loadu_si256(e + 1)));
		a2 = _mm256_or_si256(a2, _mm256_and_si256(m,
		    _mm256_loadu_si256(e + 2)));
		a3 = _mm256_or_si256(a3, _mm256_and_si256(m,
		    _mm256_loadu_si256(e + 3)));
	}
	_mm256_storeu_si256((__m256i *)(void *)(w + 0), a0);
	_mm256_storeu_si256((__m256i *)(void *)(w + 4), a1);
	_mm256_storeu_si256((__m256i *)(void *)(w + 8), a2);
	_mm256_storeu_si256((__m256i *)(void *)(w + 12), a3);
}
#endif

#if defined(__SSE2__)
static void
x25519_pick_sse2(uint64_t w[16], const struct ge_precomp *row, uint32_t babs)
{
	/* eight named accumulators, so that they live in registers */
	__m128i		 a0, a1, a2, a3, a4, a5, a6, a7, m;
	int		 j;

	a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = _mm_setzero_si128();
	for (j = 0; j < X25519_COLS; j++) {
		const __m128i *e = (const __m128i *)(const void *)&row[j];

		m = _mm_set1_epi64x(-(int64_t)x25519_eq(babs, (uint32_t)j + 1));
		a0 = _mm_or_si128(a0, _mm_and_si128(m, _mm_loadu_si128(e)));
		a1 = _mm_or_si128(a1, _mm_and_si128(m, _mm_loadu_si128(e + 1)));
		a2 = _mm_or_si128(a2, _mm_and_si128(m, _mm_loadu_si128(e + 2)));
		a3 = _mm_or_si128(a3, _mm_and_si128(m, _mm_loadu_si128(e + 3)));
		a4 = _mm_or_si128(a4, _mm_and_si128(m, _mm_loadu_si128(e + 4)));
		a5 = _mm_or_si128(a5, _mm_and_si128(m, _mm_loadu_si128(e + 5)));
		a6 = _mm_or_si128(a6, _mm_and_si128(m, _mm_loadu_si128(e + 6)));
		a7 = _mm_or_si128(a7, _mm_and_si128(m, _mm_loadu_si128(e + 7)));
	}
	_mm_storeu_si128((__m128i *)(void *)(w + 0), a0);
	_mm_storeu_si128((__m128i *)(void *)(w + 2), a1);
	_mm_storeu_si128((__m128i *)(void *)(w + 4), a2);
	_mm_storeu_si128((__m128i *)(void *)(w + 6), a3);
	_mm_storeu_si128((__m128i *)(void *)(w + 8), a4);
	_mm_storeu_si128((__m128i *)(void *)(w + 10), a5);
	_mm_storeu_si128((__m128i *)(void *)(w + 12), a6);
	_mm_storeu_si128((__m128i *)(void *)(w + 14), a7);
}
#else
static void
x25519_pick_c(uint64_t w[16], const struct ge_precomp *row, uint32_t babs)
{
	uint64_t	 mask;
	int		 i, j;

	for (i = 0; i < 16; i++)
		w[i] = 0;
	for (j = 0; j < X25519_COLS; j++) {
		const uint64_t *e = (const uint64_t *)(const void *)&row[j];

		mask = 0 - x25519_eq(babs, (uint32_t)j + 1);
		for (i = 0; i < 16; i++)
			w[i] |= mask & e[i];
	}
}
#endif

/* t = b·256^row·P, b in [-8, 8], reading the whole row of P's table. */
static void
x25519_select(struct ge_precomp *t, const struct x25519_table *tab, int row,
    int b)
{
	uint64_t	 bneg = (uint64_t)(uint32_t)b >> 31;
	uint32_t	 babs = (uint32_t)(b - (-(int)bneg & b) * 2);
	uint64_t	 mask, swap, w[16];
	int		 i;

#if defined(X25519_HAVE_AVX2)
	if (x25519_use_avx2)
		x25519_pick_avx2(w, tab->t[row], babs);
	else
#endif
#if defined(__SSE2__)
		x25519_pick_sse2(w, tab->t[row], babs);
#else
		x25519_pick_c(w, tab->t[row], babs);
#endif
	/* b = 0: the neutral element (y + x, y - x, 2dxy) = (1, 1, 0) */
	mask = x25519_eq(babs, 0);
	w[0] |= mask;
	w[5] |= mask;
	/* -(x, y) = (-x, y): swap y + x and y - x, negate x·y (4p - limb) */
	mask = 0 - bneg;
	for (i = 0; i < 5; i++) {
		swap = mask & (w[i] ^ w[5 + i]);
		t->ypx[i] = w[i] ^ swap;
		t->ymx[i] = w[5 + i] ^ swap;
		swap = mask & (w[10 + i] ^ (x25519_4p[i] - w[10 + i]));
		t->xy2d[i] = w[10 + i] ^ swap;
	}
	t->pad = 0;
}

/*
 * h[k] = a·P_k from P_k's table tab[k], k < n (1 or 2), a any 32-byte
 * little-endian number below 2^255 (a clamped secret key, or L).  Two
 * points' steps interleaved, each digit's for both, give the processor
 * two independent chains of products to overlap.
 */
static void
x25519_mult_points(struct ge_p3 *h, const struct x25519_table *const *tab,
    int n, const uint8_t a[32])
{
	struct ge_p2		 s;
	struct ge_p1p1		 r;
	struct ge_precomp	 t;
	signed char		 e[64];
	int			 carry, i, k;

	for (i = 0; i < 32; i++) {
		e[2 * i] = (signed char)(a[i] & 15);
		e[2 * i + 1] = (signed char)(a[i] >> 4);
	}
	/* digits in [-8, 7], the last in [0, 8] since a < 2^255 */
	carry = 0;
	for (i = 0; i < 63; i++) {
		e[i] = (signed char)(e[i] + carry);
		carry = (e[i] + 8) >> 4;
		e[i] = (signed char)(e[i] - carry * 16);
	}
	e[63] = (signed char)(e[63] + carry);

	/* h = sum of odd digits' points, times 16, plus the even ones' */
	for (k = 0; k < n; k++)
		ge_p3_0(&h[k]);
	for (i = 1; i < 64; i += 2) {
		for (k = 0; k < n; k++) {
			x25519_select(&t, tab[k], i / 2, e[i]);
			ge_madd(&r, &h[k], &t);
			ge_p1p1_to_p3(&h[k], &r);
		}
	}
	for (k = 0; k < n; k++) {
		ge_p3_dbl(&r, &h[k]);
		ge_p1p1_to_p2(&s, &r);
		ge_p2_dbl(&r, &s);
		ge_p1p1_to_p2(&s, &r);
		ge_p2_dbl(&r, &s);
		ge_p1p1_to_p2(&s, &r);
		ge_p2_dbl(&r, &s);
		ge_p1p1_to_p3(&h[k], &r);
	}
	for (i = 0; i < 64; i += 2) {
		for (k = 0; k < n; k++) {
			x25519_select(&t, tab[k], i / 2, e[i]);
			ge_madd(&r, &h[k], &t);
			ge_p1p1_to_p3(&h[k], &r);
		}
	}
	OPENSSL_cleanse(e, sizeof(e));
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&r, sizeof(r));
	OPENSSL_cleanse(&t, sizeof(t));
}

/* h = a·P from P's table. */
static void
x25519_mult_point(struct ge_p3 *h, const struct x25519_table *tab,
    const uint8_t a[32])
{
	x25519_mult_points(h, &tab, 1, a);
}

/*
 * out = X25519(sk, u(P)) from P's table: the Montgomery u of k·P, k the
 * clamped sk.  u = (1 + y) / (1 - y) = (Z + Y) / (Z - Y); the identity
 * gives 0 (1/0 is 0 here), as X25519 does.
 */
static void
x25519_mult(const struct x25519_table *tab, const uint8_t sk[X25519_KEY_LEN],
    uint8_t out[X25519_KEY_LEN])
{
	struct ge_p3		 h;
	uint8_t			 a[32];
	fe			 n, d;

	memcpy(a, sk, sizeof(a));
	a[0] &= 248;			/* RFC 7748 §5 decodeScalar25519 */
	a[31] &= 127;
	a[31] |= 64;
	x25519_mult_point(&h, tab, a);
	fe_add(n, h.Z, h.Y);
	fe_sub(d, h.Z, h.Y);
	fe_invert(d, d);
	fe_mul(n, n, d);
	fe_tobytes(out, n);

	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(&h, sizeof(h));
	OPENSSL_cleanse(n, sizeof(n));
	OPENSSL_cleanse(d, sizeof(d));
}

/* 1 if f == g as field elements. */
static int
fe_equal(const fe f, const fe g)
{
	uint8_t	 a[32], b[32];

	fe_tobytes(a, f);
	fe_tobytes(b, g);
	return (memcmp(a, b, sizeof(a)) == 0);
}

/* 1 if f is 0 mod p. */
static int
fe_iszero(const fe f)
{
	uint8_t	 a[32], acc = 0;
	int	 i;

	fe_tobytes(a, f);
	for (i = 0; i < 32; i++)
		acc |= a[i];
	return (acc == 0);
}

/* h = f^e, e 32 little-endian bytes; e is public (a fixed exponent). */
static void
fe_pow(fe h, const fe f, const uint8_t e[32])
{
	fe	 r;
	int	 i;

	fe_set(r, 1);
	for (i = 255; i >= 0; i--) {
		fe_sq(r, r);
		if (e[i / 8] >> (i % 8) & 1)
			fe_mul(r, r, f);
	}
	memcpy(h, r, sizeof(fe));
}

/* 1 if (x, y) is on edwards25519: -x^2 + y^2 = 1 + d·x^2·y^2. */
static int
x25519_on_curve(const fe x, const fe y)
{
	fe	 x2, y2, lhs, rhs, one;

	fe_set(one, 1);
	fe_sq(x2, x);
	fe_sq(y2, y);
	fe_sub(lhs, y2, x2);
	fe_mul(rhs, x2, y2);
	fe_mul(rhs, rhs, x25519_d);
	fe_add(rhs, rhs, one);
	return (fe_equal(lhs, rhs));
}

/* The table j·256^i·P of P = (x, y) (on the curve). */
static void
x25519_table_build(struct x25519_table *tab, const fe x, const fe y)
{
	struct ge_p3	 p, q;
	struct ge_p1p1	 r;
	int		 i, j, k;

	memcpy(p.X, x, sizeof(fe));
	memcpy(p.Y, y, sizeof(fe));
	fe_set(p.Z, 1);
	fe_mul(p.T, x, y);
	for (i = 0; i < X25519_ROWS; i++) {
		ge_p3_to_precomp(&tab->t[i][0], &p, x25519_d2);
		q = p;
		for (j = 1; j < X25519_COLS; j++) {
			ge_madd(&r, &q, &tab->t[i][0]);
			ge_p1p1_to_p3(&q, &r);
			ge_p3_to_precomp(&tab->t[i][j], &q, x25519_d2);
		}
		for (k = 0; k < 8; k++) {	/* p = 256·p */
			ge_p3_dbl(&r, &p);
			ge_p1p1_to_p3(&p, &r);
		}
	}
}

/*
 * d, then the table of B, then the checks: B on the curve and RFC 7748's
 * key pairs.
 */
static void
x25519_init(void)
{
	fe		 x, y, t;
	uint8_t		 pk[32];
	int		 i;

#if defined(X25519_HAVE_AVX2)
	__builtin_cpu_init();
	x25519_use_avx2 = __builtin_cpu_supports("avx2");
#endif
	/* d = -121665 / 121666 (RFC 7748 §4.1) */
	fe_set(t, 121666);
	fe_invert(t, t);
	fe_set(x25519_d, 121665);
	fe_mul(x25519_d, x25519_d, t);
	fe_set(t, 0);
	fe_sub(x25519_d, t, x25519_d);
	fe_add(x25519_d2, x25519_d, x25519_d);
	fe_carry(x25519_d2);
	/* B = (x, 4/5) */
	fe_set(t, 5);
	fe_invert(t, t);
	fe_set(y, 4);
	fe_mul(y, y, t);
	fe_frombytes(x, x25519_bx);
	if (!x25519_on_curve(x, y))
		return;
	x25519_table_build(&x25519_base, x, y);
	for (i = 0; i < 2; i++) {
		x25519_mult(&x25519_base, x25519_kat[i][0], pk);
		if (memcmp(pk, x25519_kat[i][1], sizeof(pk)) != 0)
			return;
	}
	x25519_ready = 1;
}

int
x25519_set_avx2(int on)
{
	int	 was = 0;

	if (pthread_once(&x25519_once, x25519_init) != 0)
		return (0);
#if defined(X25519_HAVE_AVX2)
	was = x25519_use_avx2;
	x25519_use_avx2 = on && __builtin_cpu_supports("avx2");
#else
	(void)on;
#endif
	return (was);
}

int
x25519_public_from_secret(const uint8_t sk[X25519_KEY_LEN],
    uint8_t pk[X25519_KEY_LEN])
{
	if (pthread_once(&x25519_once, x25519_init) != 0 || !x25519_ready)
		return (-1);
	x25519_mult(&x25519_base, sk, pk);
	return (0);
}

/*
 * A point P of edwards25519 with Montgomery coordinate u (RFC 7748 §4.1:
 * y = (u - 1) / (u + 1), x^2 = (y^2 - 1) / (d·y^2 + 1); either root, since
 * k·P and k·(-P) have the same u): 0, or -1 when u is no such point's
 * (u = -1, or a point of the twist).  u is public.
 */
static int
x25519_decode_u(fe x, fe y, const uint8_t u[X25519_KEY_LEN])
{
	/* (p + 3) / 8 = 2^252 - 2 and (p - 1) / 4 = 2^253 - 5 */
	uint8_t	 e38[32], e14[32];
	fe	 U, one, num, den, x2, b, c, m1;

	memset(e38, 0xff, sizeof(e38));
	e38[0] = 0xfe;
	e38[31] = 0x0f;
	memset(e14, 0xff, sizeof(e14));
	e14[0] = 0xfb;
	e14[31] = 0x1f;

	fe_frombytes(U, u);
	fe_set(one, 1);
	fe_add(den, U, one);
	fe_carry(den);
	if (fe_iszero(den))
		return (-1);
	fe_sub(num, U, one);
	fe_invert(den, den);
	fe_mul(y, num, den);
	fe_sq(b, y);
	fe_sub(num, b, one);
	fe_mul(den, b, x25519_d);
	fe_add(den, den, one);
	fe_carry(den);
	if (fe_iszero(den))
		return (-1);
	fe_invert(den, den);
	fe_mul(x2, num, den);
	/* x = x2^((p + 3) / 8), times sqrt(-1) if that squares to -x2 */
	fe_pow(b, x2, e38);
	fe_sq(c, b);
	if (!fe_equal(c, x2)) {
		fe_set(m1, 2);
		fe_pow(m1, m1, e14);		/* sqrt(-1) = 2^((p - 1) / 4) */
		fe_mul(b, b, m1);
		fe_sq(c, b);
		if (!fe_equal(c, x2))
			return (-1);
	}
	memcpy(x, b, sizeof(fe));
	return (x25519_on_curve(x, y) ? 0 : -1);
}

struct x25519_peer *
x25519_peer_new(const uint8_t u[X25519_KEY_LEN])
{
	struct x25519_peer	*xp;
	struct ge_p3		 h;
	fe			 x, y;

	if (pthread_once(&x25519_once, x25519_init) != 0 || !x25519_ready ||
	    x25519_decode_u(x, y, u) == -1 ||
	    (xp = aligned_alloc(64, sizeof(*xp))) == NULL)
		return (NULL);
	x25519_table_build(&xp->xp_table, x, y);
	/*
	 * L·P = 0 (X = 0, Y = Z) only in B's group: a point of small order,
	 * or one with a small-order part, is left to OpenSSL.  (P is never
	 * 0: y = 1 has no u.)
	 */
	x25519_mult_point(&h, &xp->xp_table, x25519_order);
	if (!fe_iszero(h.X) || !fe_equal(h.Y, h.Z)) {
		free(xp);
		return (NULL);
	}
	return (xp);
}

void
x25519_peer_dh(const struct x25519_peer *xp,
    const uint8_t sk[X25519_KEY_LEN], uint8_t out[X25519_KEY_LEN])
{
	x25519_mult(&xp->xp_table, sk, out);
}

/*
 * Both at once: pk = X25519(sk, 9) and dh = X25519(sk, u(P)), with one
 * inversion for the two (Montgomery's trick: 1/a = b/(ab), 1/b = a/(ab)).
 * Neither denominator is 0: k·B and k·P are never the identity for a
 * clamped k (L is 5 mod 8, so no multiple of L below 2^255 is a multiple
 * of 8 at or above 2^254), so ab is not either.
 */
int
x25519_public_and_dh(const struct x25519_peer *xp,
    const uint8_t sk[X25519_KEY_LEN], uint8_t pk[X25519_KEY_LEN],
    uint8_t dh[X25519_KEY_LEN])
{
	const struct x25519_table *tabs[2];
	struct ge_p3	 h[2];
	uint8_t		 a[32];
	fe		 nb, db, np, dp, t;

	if (pthread_once(&x25519_once, x25519_init) != 0 || !x25519_ready)
		return (-1);
	memcpy(a, sk, sizeof(a));
	a[0] &= 248;			/* RFC 7748 §5 decodeScalar25519 */
	a[31] &= 127;
	a[31] |= 64;
	tabs[0] = &x25519_base;
	tabs[1] = &xp->xp_table;
	x25519_mult_points(h, tabs, 2, a);
	fe_add(nb, h[0].Z, h[0].Y);
	fe_sub(db, h[0].Z, h[0].Y);
	fe_add(np, h[1].Z, h[1].Y);
	fe_sub(dp, h[1].Z, h[1].Y);
	fe_mul(t, db, dp);
	fe_invert(t, t);		/* 1/(db·dp) */
	fe_mul(nb, nb, dp);
	fe_mul(nb, nb, t);		/* nb/db */
	fe_mul(np, np, db);
	fe_mul(np, np, t);		/* np/dp */
	fe_tobytes(pk, nb);
	fe_tobytes(dh, np);

	OPENSSL_cleanse(a, sizeof(a));
	OPENSSL_cleanse(h, sizeof(h));
	OPENSSL_cleanse(nb, sizeof(nb));
	OPENSSL_cleanse(db, sizeof(db));
	OPENSSL_cleanse(np, sizeof(np));
	OPENSSL_cleanse(dp, sizeof(dp));
	OPENSSL_cleanse(t, sizeof(t));
	return (0);
}

void
x25519_peer_free(struct x25519_peer *xp)
{
	free(xp);
}

/*
 * keccak.c: the Keccak-f[1600] permutation (FIPS 202 §3) and Keccak-256 as
 * Ethereum uses it: rate 136 bytes, capacity 512 bits and the original
 * Keccak padding (0x01 ... 0x80), not SHA3-256's 0x06.  PROTOCOL.md §3
 * (tee_id), §7 (request_hash), §8 (output_hash) and §9 (signed message).
 *
 * The permutation keeps the 25 lanes in locals, two rounds per loop
 * iteration (state A to E and back), rho and pi folded into the lane
 * names, and six lanes held complemented ("lane complementing", The
 * Keccak reference §2.2) so that chi needs 5 NOTs a round instead of 25.
 * Lanes are named A<row><column>: rows b g k m s (y = 0..4), columns
 * a e i o u (x = 0..4), lane index x + 5 * y.
 */
#include "compat.h"

#include <string.h>

#include "keccak.h"

#define KECCAK_RATE	136	/* (1600 - 2 * 256) / 8 */
#define KECCAK_LANES	(KECCAK_RATE / 8)
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

#define ROL(v, n)	(((v) << (n)) | ((v) >> (64 - (n))))

/*
 * One round from state A to state E: theta's column parities and D, then
 * per output row the five lanes that rho and pi bring there (B), then chi
 * in the complemented form and iota.  The lanes be, bi, go, ki, mi and sa
 * are complemented on entry and on exit.
 */
#define KECCAK_ROUND(A, E, rc) do {					\
	Ca = A##ba ^ A##ga ^ A##ka ^ A##ma ^ A##sa;			\
	Ce = A##be ^ A##ge ^ A##ke ^ A##me ^ A##se;			\
	Ci = A##bi ^ A##gi ^ A##ki ^ A##mi ^ A##si;			\
	Co = A##bo ^ A##go ^ A##ko ^ A##mo ^ A##so;			\
	Cu = A##bu ^ A##gu ^ A##ku ^ A##mu ^ A##su;			\
	Da = Cu ^ ROL(Ce, 1);						\
	De = Ca ^ ROL(Ci, 1);						\
	Di = Ce ^ ROL(Co, 1);						\
	Do = Ci ^ ROL(Cu, 1);						\
	Du = Co ^ ROL(Ca, 1);						\
									\
	Bba = A##ba ^ Da;						\
	Bbe = ROL(A##ge ^ De, 44);					\
	Bbi = ROL(A##ki ^ Di, 43);					\
	Bbo = ROL(A##mo ^ Do, 21);					\
	Bbu = ROL(A##su ^ Du, 14);					\
	E##ba = Bba ^ (Bbe | Bbi) ^ (rc);				\
	E##be = Bbe ^ (~Bbi | Bbo);					\
	E##bi = Bbi ^ (Bbo & Bbu);					\
	E##bo = Bbo ^ (Bbu | Bba);					\
	E##bu = Bbu ^ (Bba & Bbe);					\
									\
	Bga = ROL(A##bo ^ Do, 28);					\
	Bge = ROL(A##gu ^ Du, 20);					\
	Bgi = ROL(A##ka ^ Da, 3);					\
	Bgo = ROL(A##me ^ De, 45);					\
	Bgu = ROL(A##si ^ Di, 61);					\
	E##ga = Bga ^ (Bge | Bgi);					\
	E##ge = Bge ^ (Bgi & Bgo);					\
	E##gi = Bgi ^ (Bgo | ~Bgu);					\
	E##go = Bgo ^ (Bgu | Bga);					\
	E##gu = Bgu ^ (Bga & Bge);					\
									\
	Bka = ROL(A##be ^ De, 1);					\
	Bke = ROL(A##gi ^ Di, 6);					\
	Bki = ROL(A##ko ^ Do, 25);					\
	Bko = ROL(A##mu ^ Du, 8);					\
	Bku = ROL(A##sa ^ Da, 18);					\
	E##ka = Bka ^ (Bke | Bki);					\
	E##ke = Bke ^ (Bki & Bko);					\
	E##ki = Bki ^ (~Bko & Bku);					\
	E##ko = ~Bko ^ (Bku | Bka);					\
	E##ku = Bku ^ (Bka & Bke);					\
									\
	Bma = ROL(A##bu ^ Du, 27);					\
	Bme = ROL(A##ga ^ Da, 36);					\
	Bmi = ROL(A##ke ^ De, 10);					\
	Bmo = ROL(A##mi ^ Di, 15);					\
	Bmu = ROL(A##so ^ Do, 56);					\
	E##ma = Bma ^ (Bme & Bmi);					\
	E##me = Bme ^ (Bmi | Bmo);					\
	E##mi = Bmi ^ (~Bmo | Bmu);					\
	E##mo = ~Bmo ^ (Bmu & Bma);					\
	E##mu = Bmu ^ (Bma | Bme);					\
									\
	Bsa = ROL(A##bi ^ Di, 62);					\
	Bse = ROL(A##go ^ Do, 55);					\
	Bsi = ROL(A##ku ^ Du, 39);					\
	Bso = ROL(A##ma ^ Da, 41);					\
	Bsu = ROL(A##se ^ De, 2);					\
	E##sa = Bsa ^ (~Bse & Bsi);					\
	E##se = ~Bse ^ (Bsi | Bso);					\
	E##si = Bsi ^ (Bso & Bsu);					\
	E##so = Bso ^ (Bsu | Bsa);					\
	E##su = Bsu ^ (Bsa & Bse);					\
} while (0)

/* Keccak-f[1600]: 24 rounds of theta, rho, pi, chi and iota. */
void
keccak_f1600(uint64_t st[25])
{
	uint64_t	 Aba, Abe, Abi, Abo, Abu, Aga, Age, Agi, Ago, Agu;
	uint64_t	 Aka, Ake, Aki, Ako, Aku, Ama, Ame, Ami, Amo, Amu;
	uint64_t	 Asa, Ase, Asi, Aso, Asu;
	uint64_t	 Eba, Ebe, Ebi, Ebo, Ebu, Ega, Ege, Egi, Ego, Egu;
	uint64_t	 Eka, Eke, Eki, Eko, Eku, Ema, Eme, Emi, Emo, Emu;
	uint64_t	 Esa, Ese, Esi, Eso, Esu;
	uint64_t	 Bba, Bbe, Bbi, Bbo, Bbu, Bga, Bge, Bgi, Bgo, Bgu;
	uint64_t	 Bka, Bke, Bki, Bko, Bku, Bma, Bme, Bmi, Bmo, Bmu;
	uint64_t	 Bsa, Bse, Bsi, Bso, Bsu;
	uint64_t	 Ca, Ce, Ci, Co, Cu, Da, De, Di, Do, Du;
	unsigned int	 r;

	Aba = st[0];  Abe = ~st[1];  Abi = ~st[2];  Abo = st[3];  Abu = st[4];
	Aga = st[5];  Age = st[6];   Agi = st[7];   Ago = ~st[8]; Agu = st[9];
	Aka = st[10]; Ake = st[11];  Aki = ~st[12]; Ako = st[13]; Aku = st[14];
	Ama = st[15]; Ame = st[16];  Ami = ~st[17]; Amo = st[18];
	Amu = st[19];
	Asa = ~st[20]; Ase = st[21]; Asi = st[22];  Aso = st[23]; Asu = st[24];
	for (r = 0; r < KECCAK_ROUNDS; r += 2) {
		KECCAK_ROUND(A, E, keccak_rc[r]);
		KECCAK_ROUND(E, A, keccak_rc[r + 1]);
	}
	st[0] = Aba;  st[1] = ~Abe;  st[2] = ~Abi;  st[3] = Abo;  st[4] = Abu;
	st[5] = Aga;  st[6] = Age;   st[7] = Agi;   st[8] = ~Ago; st[9] = Agu;
	st[10] = Aka; st[11] = Ake;  st[12] = ~Aki; st[13] = Ako; st[14] = Aku;
	st[15] = Ama; st[16] = Ame;  st[17] = ~Ami; st[18] = Amo;
	st[19] = Amu;
	st[20] = ~Asa; st[21] = Ase; st[22] = Asi;  st[23] = Aso; st[24] = Asu;
}

/* A little-endian lane from 8 bytes. */
static inline uint64_t
keccak_le64(const uint8_t *p)
{
	uint64_t	 v;

	memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return (v);
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
	unsigned int	 i;

	/* Finish a partial lane byte by byte, then whole lanes. */
	while (len > 0 && kc->pos % 8 != 0) {
		kc->st[kc->pos / 8] ^= (uint64_t)*p++ << (8 * (kc->pos % 8));
		len--;
		if (++kc->pos == KECCAK_RATE) {
			keccak_f1600(kc->st);
			kc->pos = 0;
		}
	}
	if (kc->pos == 0) {
		while (len >= KECCAK_RATE) {
			for (i = 0; i < KECCAK_LANES; i++)
				kc->st[i] ^= keccak_le64(p + 8 * i);
			keccak_f1600(kc->st);
			p += KECCAK_RATE;
			len -= KECCAK_RATE;
		}
	}
	while (len >= 8) {
		kc->st[kc->pos / 8] ^= keccak_le64(p);
		p += 8;
		len -= 8;
		if ((kc->pos += 8) == KECCAK_RATE) {
			keccak_f1600(kc->st);
			kc->pos = 0;
		}
	}
	while (len > 0) {
		kc->st[kc->pos / 8] ^= (uint64_t)*p++ << (8 * (kc->pos % 8));
		len--;
		kc->pos++;	/* stays < 136, a multiple of 8 */
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

/*
 * keccak.h: Keccak-f[1600] and Keccak-256 with Ethereum's padding (0x01),
 * which is not NIST SHA3-256 (0x06).  PROTOCOL.md §3, §7, §9.  A leaf.
 */
#ifndef KECCAK_H
#define KECCAK_H

#include <stddef.h>
#include <stdint.h>

#define KECCAK256_LEN	32

struct keccak_ctx {
	uint64_t	 st[25];
	size_t		 pos;		/* bytes absorbed into this block */
};

/* The permutation itself, on lanes read little-endian (tests, bench). */
void	keccak_f1600(uint64_t[25]);
void	keccak256_init(struct keccak_ctx *);
void	keccak256_update(struct keccak_ctx *, const void *, size_t);
void	keccak256_final(struct keccak_ctx *, uint8_t[KECCAK256_LEN]);
/* One-shot Keccak-256 of len bytes. */
void	keccak256(const void *, size_t, uint8_t[KECCAK256_LEN]);

#endif /* KECCAK_H */

/*
 * abi.h: Solidity ABI for the TEE registry (PROTOCOL.md §3): getActiveTEEs
 * and getTEE call data, a bounds-checked decoder of TEEInfo[] and TEEInfo,
 * and the encoder og-veil-devnet serves.  A leaf.
 */
#ifndef ABI_H
#define ABI_H

#include <stddef.h>
#include <stdint.h>

#include "bytes.h"

#define ABI_SELECTOR_GET_ACTIVE_TEES	0x4b6014da
#define ABI_SELECTOR_GET_TEE		0x418b207d
#define ABI_CALLDATA_LEN		36

struct abi_ohttp_config {
	uint8_t		 key_id;
	uint16_t	 kem_id;
	uint16_t	 kdf_id;
	uint16_t	 aead_id;
	uint8_t		*public_key;		/* owned */
	size_t		 public_key_len;
	uint8_t		*key_config;		/* owned */
	size_t		 key_config_len;
	uint8_t		 registered_at[32];	/* uint256, big-endian */
};

struct abi_tee {
	uint8_t		 owner[20];
	uint8_t		 payment_address[20];
	char		*endpoint;		/* owned, NUL-terminated */
	size_t		 endpoint_len;
	uint8_t		*public_key;		/* owned: DER SPKI */
	size_t		 public_key_len;
	uint8_t		*tls_certificate;	/* owned: DER */
	size_t		 tls_certificate_len;
	uint8_t		 pcr_hash[32];
	uint8_t		 tee_type;
	int		 enabled;
	uint8_t		 registered_at[32];
	uint8_t		 last_heartbeat_at[32];
	struct abi_ohttp_config ohttp;
};

/* getActiveTEEs(uint8 type) call data into out (36 bytes). */
void	abi_calldata_get_active_tees(uint8_t, uint8_t[ABI_CALLDATA_LEN]);
/* getTEE(bytes32 id) call data into out (36 bytes). */
void	abi_calldata_get_tee(const uint8_t[32], uint8_t[ABI_CALLDATA_LEN]);
/*
 * Decode the eth_call result of getActiveTEEs: *tees is a new array of *n
 * entries the caller frees with abi_tees_free().  -1 with errstr on any
 * offset or length out of range; never reads past len.
 */
int	abi_decode_tees(const uint8_t *, size_t, struct abi_tee **, size_t *,
	    const char **);
/* Decode the getTEE result (one TEEInfo) into t; clear with abi_tee_clear(). */
int	abi_decode_tee(const uint8_t *, size_t, struct abi_tee *,
	    const char **);
void	abi_tee_clear(struct abi_tee *);
/* 1 when two entries hold the same values, field by field. */
int	abi_tee_equal(const struct abi_tee *, const struct abi_tee *);
void	abi_tees_free(struct abi_tee *, size_t);
/* Encode n entries as the getActiveTEEs result, appended to out. */
void	abi_encode_tees(const struct abi_tee *, size_t, struct buf *);
/* Encode one entry as the getTEE result, appended to out. */
void	abi_encode_tee(const struct abi_tee *, struct buf *);
/* uint256 big-endian from a value, and back (-1 when it exceeds 64 bits). */
void	abi_u256_from_u64(uint64_t, uint8_t[32]);
int	abi_u256_to_u64(const uint8_t[32], uint64_t *);
/* Decimal text of a uint256 into out (at least 79 bytes). */
void	abi_u256_to_dec(const uint8_t[32], char *, size_t);

#endif /* ABI_H */

/*
 * bytes.h: bounds-checked readers and growable writers for untrusted bytes;
 * hex and base64; constant-time comparison.  A leaf module: no logging.
 */
#ifndef BYTES_H
#define BYTES_H

#include <stddef.h>
#include <stdint.h>

/* A read cursor over memory it does not own. */
struct bytes_reader {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
};

/* A growable byte buffer; data is owned, always NUL-terminated past len. */
struct buf {
	uint8_t		*data;
	size_t		 len;
	size_t		 cap;
};

void		 bytes_reader_init(struct bytes_reader *, const void *, size_t);
size_t		 bytes_left(const struct bytes_reader *);
int		 bytes_get_u8(struct bytes_reader *, uint8_t *);
int		 bytes_get_be16(struct bytes_reader *, uint16_t *);
int		 bytes_get_be32(struct bytes_reader *, uint32_t *);
/* QUIC variable-length integer (RFC 9000 §16); -1 when short. */
int		 bytes_get_varint(struct bytes_reader *, uint64_t *);
/* Point *out at the next n bytes (not copied); -1 when fewer remain. */
int		 bytes_get_ptr(struct bytes_reader *, size_t, const uint8_t **);

void		 buf_init(struct buf *);
/* Free the data (wiping it first when secret is non-zero) and re-init. */
void		 buf_clear(struct buf *, int);
void		 buf_reserve(struct buf *, size_t);
void		 buf_add(struct buf *, const void *, size_t);
void		 buf_add_str(struct buf *, const char *);
void		 buf_add_u8(struct buf *, uint8_t);
void		 buf_add_be16(struct buf *, uint16_t);
void		 buf_add_varint(struct buf *, uint64_t);
void		 buf_printf(struct buf *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
/* Hand the data to the caller (who frees it) and re-init the buffer. */
uint8_t		*buf_detach(struct buf *, size_t *);
/* Bytes a varint of this value takes on the wire (1, 2, 4 or 8). */
size_t		 bytes_varint_len(uint64_t);

/* Lower-case hex of len bytes into out (2 * len + 1 bytes, NUL-terminated). */
void		 hex_encode(const uint8_t *, size_t, char *);
/*
 * Decode hex text of slen bytes (an optional "0x"/"0X" prefix, either case)
 * into out of outcap bytes; *outlen gets the count.  -1 on odd length,
 * a non-hex digit or overflow of outcap.
 */
int		 hex_decode(const char *, size_t, uint8_t *, size_t, size_t *);
/* hex_decode of exactly n bytes: -1 unless the text holds exactly n. */
int		 hex_decode_exact(const char *, size_t, uint8_t *, size_t);

/* Standard base64 with padding; the result is new, NUL-terminated. */
char		*base64_encode_new(const uint8_t *, size_t);
/*
 * Decode standard base64 (padding optional, no whitespace) of slen bytes;
 * *out is new memory the caller frees.  -1 on a bad character or length.
 */
int		 base64_decode_new(const char *, size_t, uint8_t **, size_t *);

/*
 * BYTES_RANDOM_LEN random hex digits and a NUL into out, for ids (not
 * for keys: the bytes come from a pool); -1 without randomness.
 */
#define BYTES_RANDOM_LEN	24
int		 bytes_random_hex(char[BYTES_RANDOM_LEN + 1]);

/* 1 when the two len-byte regions are equal, in time independent of data. */
int		 bytes_equal_ct(const void *, const void *, size_t);

/*
 * The initializer of a 256-entry table by byte: F(0), F(1), ... F(255),
 * F a constant expression of its byte (base64's digit values, the plain
 * bytes of pyjson's and sse's strings).
 */
#define BYTES_TABLE_16(F, c) \
	F(c), F(c + 1), F(c + 2), F(c + 3), F(c + 4), F(c + 5), F(c + 6), \
	F(c + 7), F(c + 8), F(c + 9), F(c + 10), F(c + 11), F(c + 12), \
	F(c + 13), F(c + 14), F(c + 15)
#define BYTES_TABLE_256(F) \
	BYTES_TABLE_16(F, 0x00), BYTES_TABLE_16(F, 0x10), \
	BYTES_TABLE_16(F, 0x20), BYTES_TABLE_16(F, 0x30), \
	BYTES_TABLE_16(F, 0x40), BYTES_TABLE_16(F, 0x50), \
	BYTES_TABLE_16(F, 0x60), BYTES_TABLE_16(F, 0x70), \
	BYTES_TABLE_16(F, 0x80), BYTES_TABLE_16(F, 0x90), \
	BYTES_TABLE_16(F, 0xa0), BYTES_TABLE_16(F, 0xb0), \
	BYTES_TABLE_16(F, 0xc0), BYTES_TABLE_16(F, 0xd0), \
	BYTES_TABLE_16(F, 0xe0), BYTES_TABLE_16(F, 0xf0)

#endif /* BYTES_H */

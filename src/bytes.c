/*
 * bytes.c: bounds-checked reading of untrusted bytes (PROTOCOL.md §3, §6),
 * growable buffers, hex, base64 and constant-time comparison.
 */
#include "compat.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "xmalloc.h"

/* Start reading len bytes at p. */
void
bytes_reader_init(struct bytes_reader *rd, const void *p, size_t len)
{
	rd->p = p;
	rd->len = len;
	rd->off = 0;
}

/* Bytes not yet read. */
size_t
bytes_left(const struct bytes_reader *rd)
{
	return (rd->len - rd->off);
}

/* Read one byte. */
int
bytes_get_u8(struct bytes_reader *rd, uint8_t *v)
{
	if (bytes_left(rd) < 1)
		return (-1);
	*v = rd->p[rd->off++];
	return (0);
}

/* Read a big-endian 16-bit value. */
int
bytes_get_be16(struct bytes_reader *rd, uint16_t *v)
{
	if (bytes_left(rd) < 2)
		return (-1);
	*v = (uint16_t)((rd->p[rd->off] << 8) | rd->p[rd->off + 1]);
	rd->off += 2;
	return (0);
}

/* Read a big-endian 32-bit value. */
int
bytes_get_be32(struct bytes_reader *rd, uint32_t *v)
{
	const uint8_t	*q;

	if (bytes_left(rd) < 4)
		return (-1);
	q = rd->p + rd->off;
	*v = ((uint32_t)q[0] << 24) | ((uint32_t)q[1] << 16) |
	    ((uint32_t)q[2] << 8) | q[3];
	rd->off += 4;
	return (0);
}

/* Read a QUIC varint: the two high bits of the first byte give its size. */
int
bytes_get_varint(struct bytes_reader *rd, uint64_t *v)
{
	size_t		 n, i;
	uint64_t	 x;

	if (bytes_left(rd) < 1)
		return (-1);
	n = (size_t)1 << (rd->p[rd->off] >> 6);
	if (bytes_left(rd) < n)
		return (-1);
	x = rd->p[rd->off] & 0x3f;
	for (i = 1; i < n; i++)
		x = (x << 8) | rd->p[rd->off + i];
	rd->off += n;
	*v = x;
	return (0);
}

/* Point at the next n bytes without copying them. */
int
bytes_get_ptr(struct bytes_reader *rd, size_t n, const uint8_t **out)
{
	if (bytes_left(rd) < n)
		return (-1);
	*out = rd->p + rd->off;
	rd->off += n;
	return (0);
}

/* An empty buffer. */
void
buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

/* Free the buffer's data, wiping it first when it held a secret. */
void
buf_clear(struct buf *b, int secret)
{
	if (b->data != NULL && secret)
		OPENSSL_cleanse(b->data, b->cap);
	free(b->data);
	buf_init(b);
}

/* Make room for n more bytes plus the trailing NUL. */
void
buf_reserve(struct buf *b, size_t n)
{
	size_t	need, cap;

	if (n > SIZE_MAX - b->len - 1)
		abort();
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap == 0 ? 64 : b->cap;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = xrealloc(b->data, cap);
	b->cap = cap;
}

/* Append len bytes. */
void
buf_add(struct buf *b, const void *p, size_t len)
{
	buf_reserve(b, len);
	if (len != 0)
		memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* Append a C string without its NUL. */
void
buf_add_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

/* Append one byte. */
void
buf_add_u8(struct buf *b, uint8_t v)
{
	buf_add(b, &v, 1);
}

/* Append a big-endian 16-bit value. */
void
buf_add_be16(struct buf *b, uint16_t v)
{
	uint8_t	q[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	buf_add(b, q, 2);
}

/* Bytes the QUIC varint encoding of v takes. */
size_t
bytes_varint_len(uint64_t v)
{
	if (v < 64)
		return (1);
	if (v < 16384)
		return (2);
	if (v < 1073741824)
		return (4);
	return (8);
}

/* Append v as a QUIC varint (values up to 2^62 - 1). */
void
buf_add_varint(struct buf *b, uint64_t v)
{
	uint8_t	q[8];
	size_t	n, i;

	n = bytes_varint_len(v);
	for (i = 0; i < n; i++)
		q[n - 1 - i] = (uint8_t)(v >> (8 * i));
	q[0] |= (uint8_t)((n == 1 ? 0 : n == 2 ? 1 : n == 4 ? 2 : 3) << 6);
	buf_add(b, q, n);
}

/* Append printf-formatted text. */
void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* Give the data to the caller, who frees it; the buffer is empty after. */
uint8_t *
buf_detach(struct buf *b, size_t *len)
{
	uint8_t	*p;

	if (b->data == NULL) {
		buf_reserve(b, 0);
		b->data[0] = '\0';
	}
	p = b->data;
	if (len != NULL)
		*len = b->len;
	buf_init(b);
	return (p);
}

/* Lower-case hex, NUL-terminated. */
void
hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 0xf];
	}
	out[2 * len] = '\0';
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* Decode hex with an optional 0x prefix, either case. */
int
hex_decode(const char *s, size_t slen, uint8_t *out, size_t outcap,
    size_t *outlen)
{
	size_t	i, n;
	int	hi, lo;

	if (slen >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		slen -= 2;
	}
	if (slen % 2 != 0)
		return (-1);
	n = slen / 2;
	if (n > outcap)
		return (-1);
	for (i = 0; i < n; i++) {
		if ((hi = hex_digit(s[2 * i])) == -1 ||
		    (lo = hex_digit(s[2 * i + 1])) == -1)
			return (-1);
		out[i] = (uint8_t)((hi << 4) | lo);
	}
	if (outlen != NULL)
		*outlen = n;
	return (0);
}

/* Decode hex that must hold exactly n bytes. */
int
hex_decode_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
	size_t	got;

	if (hex_decode(s, slen, out, n, &got) == -1 || got != n)
		return (-1);
	return (0);
}

static const char base64_digits[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Standard base64 with padding; the caller frees the result. */
char *
base64_encode_new(const uint8_t *p, size_t len)
{
	char		*out, *o;
	size_t		 i;
	uint32_t	 v;

	out = o = xmalloc(4 * ((len + 2) / 3) + 1);
	for (i = 0; i + 2 < len; i += 3) {
		v = ((uint32_t)p[i] << 16) | ((uint32_t)p[i + 1] << 8) |
		    p[i + 2];
		*o++ = base64_digits[(v >> 18) & 63];
		*o++ = base64_digits[(v >> 12) & 63];
		*o++ = base64_digits[(v >> 6) & 63];
		*o++ = base64_digits[v & 63];
	}
	if (i < len) {
		v = (uint32_t)p[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)p[i + 1] << 8;
		*o++ = base64_digits[(v >> 18) & 63];
		*o++ = base64_digits[(v >> 12) & 63];
		*o++ = i + 1 < len ? base64_digits[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return (out);
}

/* The value of each base64 digit; B64_X: not a digit. */
#define B64_X	0xff
#define BASE64_VALUE(c) (uint8_t)( \
	(c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : \
	(c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 : \
	(c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : \
	(c) == '+' ? 62 : (c) == '/' ? 63 : B64_X)
static const uint8_t base64_values[256] = { BYTES_TABLE_256(BASE64_VALUE) };

/*
 * Decode standard base64; *out is new and the caller frees it.  Four
 * digits at a time by table (the bytes of one group ORed: one test).
 */
int
base64_decode_new(const char *s, size_t slen, uint8_t **out, size_t *outlen)
{
	const uint8_t	*p = (const uint8_t *)s;
	uint8_t		*o;
	size_t		 i, n = 0, pad = 0, full;
	uint32_t	 acc = 0;
	unsigned int	 a, b, c, d;
	int		 bits = 0;

	while (slen > 0 && s[slen - 1] == '=' && pad < 2) {
		slen--;
		pad++;
	}
	if (slen % 4 == 1 || (pad != 0 && (slen + pad) % 4 != 0))
		return (-1);
	o = xmalloc(slen * 3 / 4 + 1);
	full = slen - slen % 4;
	for (i = 0; i < full; i += 4) {
		a = base64_values[p[i]];
		b = base64_values[p[i + 1]];
		c = base64_values[p[i + 2]];
		d = base64_values[p[i + 3]];
		if ((a | b | c | d) & 0xc0)
			goto bad;
		acc = (a << 18) | (b << 12) | (c << 6) | d;
		o[n++] = (uint8_t)(acc >> 16);
		o[n++] = (uint8_t)(acc >> 8);
		o[n++] = (uint8_t)acc;
	}
	for (acc = 0; i < slen; i++) {
		if ((a = base64_values[p[i]]) == B64_X)
			goto bad;
		acc = (acc << 6) | a;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (uint8_t)(acc >> bits);
		}
	}
	*out = o;
	*outlen = n;
	return (0);
bad:
	free(o);
	return (-1);
}

/*
 * The random bytes of the next BYTES_RANDOM_POOL ids (completion ids,
 * receipt ids: they correlate logs and answers, they are no key
 * material), filled by one RAND_bytes() call: a call costs some 7,000
 * instructions and a getpid(2) (OpenSSL's fork check), twice a request
 * otherwise.  A forked child starts with an empty pool (pthread_atfork),
 * so two processes never hand out the same ids.
 */
#define BYTES_RANDOM_POOL	32
static uint8_t	bytes_random_pool[BYTES_RANDOM_POOL * BYTES_RANDOM_LEN / 2];
static size_t	bytes_random_left;	/* unused ids at the pool's end */
static int	bytes_random_atfork;

static void
bytes_random_forget(void)
{
	bytes_random_left = 0;
}

int
bytes_random_hex(char out[BYTES_RANDOM_LEN + 1])
{
	const uint8_t	*p;

	if (!bytes_random_atfork) {
		if (pthread_atfork(NULL, NULL, bytes_random_forget) != 0)
			return (-1);
		bytes_random_atfork = 1;
	}
	if (bytes_random_left == 0) {
		if (RAND_bytes(bytes_random_pool,
		    sizeof(bytes_random_pool)) != 1)
			return (-1);
		bytes_random_left = BYTES_RANDOM_POOL;
	}
	p = bytes_random_pool + (BYTES_RANDOM_POOL - bytes_random_left) *
	    (BYTES_RANDOM_LEN / 2);
	bytes_random_left--;
	hex_encode(p, BYTES_RANDOM_LEN / 2, out);
	return (0);
}

/* Constant-time equality of two regions of len bytes. */
int
bytes_equal_ct(const void *a, const void *b, size_t len)
{
	return (CRYPTO_memcmp(a, b, len) == 0);
}

/*
 * abi.c: the Solidity ABI of the TEE registry, PROTOCOL.md §3: call data for
 * getActiveTEEs(uint8) and getTEE(bytes32), a decoder of their TEEInfo[] and
 * TEEInfo results that checks every offset and length against the data
 * before it reads, and the encoder og-veil-devnet serves (byte-exact with
 * ethers).
 *
 * Layout, in 32-byte words.  getActiveTEEs returns one head word (the offset
 * of the array), then the array: a count word, one offset per element
 * (relative to the first offset word) and the elements.  getTEE returns one
 * head word (the offset of the tuple), then the tuple.  A TEEInfo tuple is
 * 11 head words (owner, paymentAddress, @endpoint, @publicKey,
 * @tlsCertificate, pcrHash, teeType, enabled, registeredAt, lastHeartbeatAt,
 * @ohttpConfig) whose @offsets are relative to the tuple's first word;
 * ohttpConfig is 7 head words (keyId, kemId, kdfId, aeadId, @publicKey,
 * @keyConfig, registeredAt) relative to its own first word.  A bytes or
 * string tail is a length word and the data padded to a whole word.
 *
 * Strictness: like ethers, tails may sit anywhere in the data (overlap is
 * not an error) and a byte string's padding must lie inside the data; like
 * Solidity's own decoder (and unlike ethers, which masks them), narrow
 * integers, addresses and bools with dirty high bits are errors.  Shared
 * tails could make a small blob decode into a huge tree, so the decoded size
 * is bounded by ABI_MAX_INFLATION times the input (ethers bounds it too).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "xmalloc.h"

#define ABI_WORD		32
#define ABI_TEE_HEAD		(11 * ABI_WORD)
#define ABI_OHTTP_HEAD		(7 * ABI_WORD)
#define ABI_MAX_INFLATION	16

/* One decoding pass over untrusted data. */
struct abi_dec {
	const uint8_t	*p;
	size_t		 len;
	size_t		 budget;	/* decoded bytes still allowed */
	const char	*err;
};

static int
abi_fail(struct abi_dec *d, const char *why)
{
	if (d->err == NULL)
		d->err = why;
	return (-1);
}

/* Point *w at the word at off, which must lie wholly inside the data. */
static int
abi_dec_word(struct abi_dec *d, size_t off, const uint8_t **w)
{
	if (off > d->len || d->len - off < ABI_WORD)
		return (abi_fail(d, "ABI data ends inside a word"));
	*w = d->p + off;
	return (0);
}

/* 1 when the first n bytes of w are zero. */
static int
abi_zero(const uint8_t *w, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (w[i] != 0)
			return (0);
	return (1);
}

/*
 * The word at off as a size.  A value that does not fit 64 bits cannot be
 * an offset or length inside the data: it is an error, never a wrap.
 */
static int
abi_dec_size(struct abi_dec *d, size_t off, size_t *v, const char *why)
{
	const uint8_t	*w;
	uint64_t	 x;

	if (abi_dec_word(d, off, &w) == -1)
		return (-1);
	if (abi_u256_to_u64(w, &x) == -1 || x > SIZE_MAX)
		return (abi_fail(d, why));
	*v = (size_t)x;
	return (0);
}

/* Follow the offset word at off, relative to base, into *abs. */
static int
abi_dec_offset(struct abi_dec *d, size_t base, size_t off, size_t *abs)
{
	size_t	v;

	if (abi_dec_size(d, off, &v, "ABI offset out of range") == -1)
		return (-1);
	/* base <= len holds: a word was read at or after it. */
	if (base > d->len || v > d->len - base)
		return (abi_fail(d, "ABI offset past the end of the data"));
	*abs = base + v;
	return (0);
}

/* Charge n decoded bytes against the inflation budget. */
static int
abi_dec_charge(struct abi_dec *d, size_t n)
{
	if (n > d->budget)
		return (abi_fail(d, "ABI data inflates past its bound"));
	d->budget -= n;
	return (0);
}

/* A bytes/string tail at off: a length word, then the padded data. */
static int
abi_dec_bytes(struct abi_dec *d, size_t off, const uint8_t **out,
    size_t *outlen)
{
	size_t	n, room, padded;

	if (abi_dec_size(d, off, &n, "ABI byte string length out of range") ==
	    -1)
		return (-1);
	room = d->len - off - ABI_WORD;
	if (n > room)
		return (abi_fail(d, "ABI byte string runs past the end"));
	padded = n + (ABI_WORD - n % ABI_WORD) % ABI_WORD;
	if (padded > room)
		return (abi_fail(d, "ABI byte string padding past the end"));
	if (abi_dec_charge(d, n) == -1)
		return (-1);
	*out = d->p + off + ABI_WORD;
	*outlen = n;
	return (0);
}

/* Follow the offset at head (relative to base) and copy the bytes there. */
static int
abi_dec_dyn(struct abi_dec *d, size_t base, size_t head, uint8_t **out,
    size_t *outlen)
{
	const uint8_t	*p;
	size_t		 abs, n;

	if (abi_dec_offset(d, base, head, &abs) == -1 ||
	    abi_dec_bytes(d, abs, &p, &n) == -1)
		return (-1);
	*out = xmalloc(n + 1);
	if (n != 0)
		memcpy(*out, p, n);
	(*out)[n] = '\0';
	*outlen = n;
	return (0);
}

/* A uint<8*n> word: the high 32 - n bytes must be zero. */
static int
abi_dec_uint(struct abi_dec *d, size_t off, size_t n, uint64_t *v)
{
	const uint8_t	*w;
	uint64_t	 x = 0;
	size_t		 i;

	if (abi_dec_word(d, off, &w) == -1)
		return (-1);
	if (!abi_zero(w, ABI_WORD - n))
		return (abi_fail(d, "ABI integer has non-zero high bytes"));
	for (i = ABI_WORD - n; i < ABI_WORD; i++)
		x = (x << 8) | w[i];
	*v = x;
	return (0);
}

/* An address word: 12 zero bytes, then 20. */
static int
abi_dec_address(struct abi_dec *d, size_t off, uint8_t out[20])
{
	const uint8_t	*w;

	if (abi_dec_word(d, off, &w) == -1)
		return (-1);
	if (!abi_zero(w, ABI_WORD - 20))
		return (abi_fail(d, "ABI address has non-zero high bytes"));
	memcpy(out, w + ABI_WORD - 20, 20);
	return (0);
}

/* A full 32-byte word (bytes32, uint256). */
static int
abi_dec_raw(struct abi_dec *d, size_t off, uint8_t out[32])
{
	const uint8_t	*w;

	if (abi_dec_word(d, off, &w) == -1)
		return (-1);
	memcpy(out, w, ABI_WORD);
	return (0);
}

/*
 * 1 when p holds well-formed UTF-8 (no overlong forms, surrogates or code
 * points past U+10FFFF): ethers refuses to decode such a string.
 */
static int
abi_utf8_valid(const uint8_t *p, size_t n)
{
	size_t		i = 0, k, need;
	uint32_t	cp, min;

	while (i < n) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		if ((p[i] & 0xe0) == 0xc0) {
			need = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if ((p[i] & 0xf0) == 0xe0) {
			need = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if ((p[i] & 0xf8) == 0xf0) {
			need = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return (0);
		if (n - i - 1 < need)
			return (0);
		for (k = 1; k <= need; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return (0);
			cp = (cp << 6) | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return (0);
		i += need + 1;
	}
	return (1);
}

/* The ohttpConfig tuple whose first word is at base. */
static int
abi_dec_ohttp(struct abi_dec *d, size_t base, struct abi_ohttp_config *o)
{
	uint64_t	v;

	if (abi_dec_charge(d, ABI_OHTTP_HEAD) == -1)
		return (-1);
	if (abi_dec_uint(d, base, 1, &v) == -1)
		return (-1);
	o->key_id = (uint8_t)v;
	if (abi_dec_uint(d, base + 1 * ABI_WORD, 2, &v) == -1)
		return (-1);
	o->kem_id = (uint16_t)v;
	if (abi_dec_uint(d, base + 2 * ABI_WORD, 2, &v) == -1)
		return (-1);
	o->kdf_id = (uint16_t)v;
	if (abi_dec_uint(d, base + 3 * ABI_WORD, 2, &v) == -1)
		return (-1);
	o->aead_id = (uint16_t)v;
	if (abi_dec_dyn(d, base, base + 4 * ABI_WORD, &o->public_key,
	    &o->public_key_len) == -1)
		return (-1);
	if (abi_dec_dyn(d, base, base + 5 * ABI_WORD, &o->key_config,
	    &o->key_config_len) == -1)
		return (-1);
	return (abi_dec_raw(d, base + 6 * ABI_WORD, o->registered_at));
}

/* The TEEInfo tuple whose first word is at base; t starts zeroed. */
static int
abi_dec_tee(struct abi_dec *d, size_t base, struct abi_tee *t)
{
	uint8_t		*s;
	uint64_t	 v;
	size_t		 abs;

	if (abi_dec_charge(d, ABI_TEE_HEAD) == -1)
		return (-1);
	if (abi_dec_address(d, base, t->owner) == -1 ||
	    abi_dec_address(d, base + 1 * ABI_WORD, t->payment_address) == -1)
		return (-1);
	if (abi_dec_dyn(d, base, base + 2 * ABI_WORD, &s,
	    &t->endpoint_len) == -1)
		return (-1);
	t->endpoint = (char *)s;
	if (!abi_utf8_valid(s, t->endpoint_len))
		return (abi_fail(d, "ABI string is not valid UTF-8"));
	if (abi_dec_dyn(d, base, base + 3 * ABI_WORD, &t->public_key,
	    &t->public_key_len) == -1)
		return (-1);
	if (abi_dec_dyn(d, base, base + 4 * ABI_WORD, &t->tls_certificate,
	    &t->tls_certificate_len) == -1)
		return (-1);
	if (abi_dec_raw(d, base + 5 * ABI_WORD, t->pcr_hash) == -1)
		return (-1);
	if (abi_dec_uint(d, base + 6 * ABI_WORD, 1, &v) == -1)
		return (-1);
	t->tee_type = (uint8_t)v;
	if (abi_dec_uint(d, base + 7 * ABI_WORD, 1, &v) == -1)
		return (-1);
	if (v > 1)
		return (abi_fail(d, "ABI bool is neither 0 nor 1"));
	t->enabled = (int)v;
	if (abi_dec_raw(d, base + 8 * ABI_WORD, t->registered_at) == -1 ||
	    abi_dec_raw(d, base + 9 * ABI_WORD, t->last_heartbeat_at) == -1)
		return (-1);
	if (abi_dec_offset(d, base, base + 10 * ABI_WORD, &abs) == -1)
		return (-1);
	return (abi_dec_ohttp(d, abs, &t->ohttp));
}

static void
abi_dec_init(struct abi_dec *d, const uint8_t *p, size_t len)
{
	d->p = p;
	d->len = len;
	d->budget = len > SIZE_MAX / ABI_MAX_INFLATION ? SIZE_MAX :
	    len * ABI_MAX_INFLATION;
	d->err = NULL;
}

/* Decode the getActiveTEEs result; the caller frees *tees. */
int
abi_decode_tees(const uint8_t *p, size_t len, struct abi_tee **tees,
    size_t *n, const char **errstr)
{
	struct abi_dec	 d;
	struct abi_tee	*t = NULL;
	size_t		 arr, count, area, i, abs;

	*tees = NULL;
	*n = 0;
	abi_dec_init(&d, p, len);
	if (abi_dec_offset(&d, 0, 0, &arr) == -1 ||
	    abi_dec_size(&d, arr, &count, "ABI array length out of range") ==
	    -1)
		goto fail;
	area = arr + ABI_WORD;
	/* Each element takes at least its offset word. */
	if (count > (len - area) / ABI_WORD) {
		abi_fail(&d, "ABI array length larger than the data");
		goto fail;
	}
	t = xcalloc(count == 0 ? 1 : count, sizeof(*t));
	for (i = 0; i < count; i++) {
		if (abi_dec_offset(&d, area, area + i * ABI_WORD, &abs) == -1 ||
		    abi_dec_tee(&d, abs, &t[i]) == -1) {
			abi_tees_free(t, i + 1);
			goto fail;
		}
	}
	*tees = t;
	*n = count;
	return (0);
fail:
	*errstr = d.err;
	return (-1);
}

/* Decode the getTEE result (one TEEInfo) into t. */
int
abi_decode_tee(const uint8_t *p, size_t len, struct abi_tee *t,
    const char **errstr)
{
	struct abi_dec	d;
	size_t		abs;

	memset(t, 0, sizeof(*t));
	abi_dec_init(&d, p, len);
	if (abi_dec_offset(&d, 0, 0, &abs) == -1 ||
	    abi_dec_tee(&d, abs, t) == -1) {
		abi_tee_clear(t);
		*errstr = d.err;
		return (-1);
	}
	return (0);
}

/* Free what an entry owns and zero it. */
void
abi_tee_clear(struct abi_tee *t)
{
	if (t == NULL)
		return;
	free(t->endpoint);
	free(t->public_key);
	free(t->tls_certificate);
	free(t->ohttp.public_key);
	free(t->ohttp.key_config);
	memset(t, 0, sizeof(*t));
}

static int
abi_mem_equal(const void *a, size_t alen, const void *b, size_t blen)
{
	return (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0));
}

static int
abi_ohttp_equal(const struct abi_ohttp_config *a,
    const struct abi_ohttp_config *b)
{
	return (a->key_id == b->key_id && a->kem_id == b->kem_id &&
	    a->kdf_id == b->kdf_id && a->aead_id == b->aead_id &&
	    abi_mem_equal(a->public_key, a->public_key_len, b->public_key,
	    b->public_key_len) &&
	    abi_mem_equal(a->key_config, a->key_config_len, b->key_config,
	    b->key_config_len) &&
	    memcmp(a->registered_at, b->registered_at, 32) == 0);
}

/* 1 when two entries hold the same values, field by field. */
int
abi_tee_equal(const struct abi_tee *a, const struct abi_tee *b)
{
	return (memcmp(a->owner, b->owner, 20) == 0 &&
	    memcmp(a->payment_address, b->payment_address, 20) == 0 &&
	    abi_mem_equal(a->endpoint, a->endpoint_len, b->endpoint,
	    b->endpoint_len) &&
	    abi_mem_equal(a->public_key, a->public_key_len, b->public_key,
	    b->public_key_len) &&
	    abi_mem_equal(a->tls_certificate, a->tls_certificate_len,
	    b->tls_certificate, b->tls_certificate_len) &&
	    memcmp(a->pcr_hash, b->pcr_hash, 32) == 0 &&
	    a->tee_type == b->tee_type &&
	    (a->enabled != 0) == (b->enabled != 0) &&
	    memcmp(a->registered_at, b->registered_at, 32) == 0 &&
	    memcmp(a->last_heartbeat_at, b->last_heartbeat_at, 32) == 0 &&
	    abi_ohttp_equal(&a->ohttp, &b->ohttp));
}

/* Free an array of n entries from abi_decode_tees(). */
void
abi_tees_free(struct abi_tee *t, size_t n)
{
	size_t	i;

	if (t == NULL)
		return;
	for (i = 0; i < n; i++)
		abi_tee_clear(&t[i]);
	free(t);
}

/* getActiveTEEs(uint8): the selector, then the type as a word. */
void
abi_calldata_get_active_tees(uint8_t type, uint8_t out[ABI_CALLDATA_LEN])
{
	memset(out, 0, ABI_CALLDATA_LEN);
	out[0] = (ABI_SELECTOR_GET_ACTIVE_TEES >> 24) & 0xff;
	out[1] = (ABI_SELECTOR_GET_ACTIVE_TEES >> 16) & 0xff;
	out[2] = (ABI_SELECTOR_GET_ACTIVE_TEES >> 8) & 0xff;
	out[3] = ABI_SELECTOR_GET_ACTIVE_TEES & 0xff;
	out[ABI_CALLDATA_LEN - 1] = type;
}

/* getTEE(bytes32): the selector, then the id. */
void
abi_calldata_get_tee(const uint8_t id[32], uint8_t out[ABI_CALLDATA_LEN])
{
	out[0] = (ABI_SELECTOR_GET_TEE >> 24) & 0xff;
	out[1] = (ABI_SELECTOR_GET_TEE >> 16) & 0xff;
	out[2] = (ABI_SELECTOR_GET_TEE >> 8) & 0xff;
	out[3] = ABI_SELECTOR_GET_TEE & 0xff;
	memcpy(out + 4, id, 32);
}

/* Bytes a byte-string tail takes: the length word and the padded data. */
static size_t
abi_enc_bytes_size(size_t n)
{
	return (ABI_WORD + n + (ABI_WORD - n % ABI_WORD) % ABI_WORD);
}

static size_t
abi_enc_ohttp_size(const struct abi_ohttp_config *o)
{
	return (ABI_OHTTP_HEAD + abi_enc_bytes_size(o->public_key_len) +
	    abi_enc_bytes_size(o->key_config_len));
}

static size_t
abi_enc_tee_size(const struct abi_tee *t)
{
	return (ABI_TEE_HEAD + abi_enc_bytes_size(t->endpoint_len) +
	    abi_enc_bytes_size(t->public_key_len) +
	    abi_enc_bytes_size(t->tls_certificate_len) +
	    abi_enc_ohttp_size(&t->ohttp));
}

static void
abi_enc_u64(struct buf *b, uint64_t v)
{
	uint8_t	w[ABI_WORD];

	abi_u256_from_u64(v, w);
	buf_add(b, w, sizeof(w));
}

static void
abi_enc_address(struct buf *b, const uint8_t a[20])
{
	uint8_t	w[ABI_WORD];

	memset(w, 0, ABI_WORD - 20);
	memcpy(w + ABI_WORD - 20, a, 20);
	buf_add(b, w, sizeof(w));
}

static void
abi_enc_bytes(struct buf *b, const void *p, size_t n)
{
	static const uint8_t	zero[ABI_WORD];

	abi_enc_u64(b, n);
	buf_add(b, p, n);
	buf_add(b, zero, (ABI_WORD - n % ABI_WORD) % ABI_WORD);
}

static void
abi_enc_ohttp(struct buf *b, const struct abi_ohttp_config *o)
{
	size_t	off = ABI_OHTTP_HEAD;

	abi_enc_u64(b, o->key_id);
	abi_enc_u64(b, o->kem_id);
	abi_enc_u64(b, o->kdf_id);
	abi_enc_u64(b, o->aead_id);
	abi_enc_u64(b, off);
	off += abi_enc_bytes_size(o->public_key_len);
	abi_enc_u64(b, off);
	buf_add(b, o->registered_at, ABI_WORD);
	abi_enc_bytes(b, o->public_key, o->public_key_len);
	abi_enc_bytes(b, o->key_config, o->key_config_len);
}

static void
abi_enc_tee(struct buf *b, const struct abi_tee *t)
{
	size_t	off = ABI_TEE_HEAD;

	abi_enc_address(b, t->owner);
	abi_enc_address(b, t->payment_address);
	abi_enc_u64(b, off);
	off += abi_enc_bytes_size(t->endpoint_len);
	abi_enc_u64(b, off);
	off += abi_enc_bytes_size(t->public_key_len);
	abi_enc_u64(b, off);
	off += abi_enc_bytes_size(t->tls_certificate_len);
	buf_add(b, t->pcr_hash, ABI_WORD);
	abi_enc_u64(b, t->tee_type);
	abi_enc_u64(b, t->enabled ? 1 : 0);
	buf_add(b, t->registered_at, ABI_WORD);
	buf_add(b, t->last_heartbeat_at, ABI_WORD);
	abi_enc_u64(b, off);
	abi_enc_bytes(b, t->endpoint, t->endpoint_len);
	abi_enc_bytes(b, t->public_key, t->public_key_len);
	abi_enc_bytes(b, t->tls_certificate, t->tls_certificate_len);
	abi_enc_ohttp(b, &t->ohttp);
}

/* The getActiveTEEs result for n entries, appended to b. */
void
abi_encode_tees(const struct abi_tee *t, size_t n, struct buf *b)
{
	size_t	i, off;

	abi_enc_u64(b, ABI_WORD);
	abi_enc_u64(b, n);
	off = n * ABI_WORD;
	for (i = 0; i < n; i++) {
		abi_enc_u64(b, off);
		off += abi_enc_tee_size(&t[i]);
	}
	for (i = 0; i < n; i++)
		abi_enc_tee(b, &t[i]);
}

/* The getTEE result for one entry, appended to b. */
void
abi_encode_tee(const struct abi_tee *t, struct buf *b)
{
	abi_enc_u64(b, ABI_WORD);
	abi_enc_tee(b, t);
}

/* A uint256 word holding v. */
void
abi_u256_from_u64(uint64_t v, uint8_t w[32])
{
	int	i;

	memset(w, 0, 24);
	for (i = 0; i < 8; i++)
		w[31 - i] = (uint8_t)(v >> (8 * i));
}

/* The value of a uint256 word; -1 when it needs more than 64 bits. */
int
abi_u256_to_u64(const uint8_t w[32], uint64_t *v)
{
	uint64_t	x = 0;
	int		i;

	if (!abi_zero(w, 24))
		return (-1);
	for (i = 24; i < 32; i++)
		x = (x << 8) | w[i];
	*v = x;
	return (0);
}

/* Decimal text of a uint256 (up to 78 digits) into out of outlen bytes. */
void
abi_u256_to_dec(const uint8_t w[32], char *out, size_t outlen)
{
	uint8_t		 n[32];
	char		 digits[80];
	size_t		 pos = sizeof(digits) - 1;
	uint64_t	 x;
	unsigned int	 rem;
	int		 i, nonzero;

	if (outlen == 0)
		return;
	digits[pos] = '\0';
	/* A timestamp or an amount: 64 bits, a digit per division by 10. */
	if (abi_u256_to_u64(w, &x) == 0) {
		do {
			digits[--pos] = (char)('0' + x % 10);
			x /= 10;
		} while (x != 0);
		strlcpy(out, digits + pos, outlen);
		return;
	}
	memcpy(n, w, sizeof(n));
	do {
		/* Divide n by 10 in place, byte by byte from the top. */
		rem = 0;
		nonzero = 0;
		for (i = 0; i < 32; i++) {
			rem = (rem << 8) | n[i];
			n[i] = (uint8_t)(rem / 10);
			rem %= 10;
			nonzero |= n[i];
		}
		digits[--pos] = (char)('0' + rem);
	} while (nonzero);
	strlcpy(out, digits + pos, outlen);
}

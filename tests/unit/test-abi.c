/*
 * test-abi.c: the registry ABI (PROTOCOL.md §3): call data, uint256 helpers,
 * encode/decode round trips, the byte layout, and every malformed shape we
 * can think of (truncation at each byte, offsets and lengths past the end,
 * 2^256-1 lengths, huge counts, dirty high bits, shared tails, inflation).
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "test.h"
#include "xmalloc.h"

/* Word positions in the encoding of a one-entry TEEInfo[]. */
#define W		32
#define POS_ARRAY	(0 * W)		/* head: offset of the array */
#define POS_COUNT	(1 * W)
#define POS_ELEM0	(2 * W)		/* offset of element 0 */
#define POS_TUPLE	(3 * W)		/* element 0 starts here */
#define POS_OWNER	(POS_TUPLE + 0 * W)
#define POS_PAYMENT	(POS_TUPLE + 1 * W)
#define POS_ENDPOINT	(POS_TUPLE + 2 * W)
#define POS_PUBKEY	(POS_TUPLE + 3 * W)
#define POS_TLS		(POS_TUPLE + 4 * W)
#define POS_TYPE	(POS_TUPLE + 6 * W)
#define POS_ENABLED	(POS_TUPLE + 7 * W)
#define POS_OHTTP	(POS_TUPLE + 10 * W)
#define POS_EP_LEN	(POS_TUPLE + 11 * W)	/* endpoint's length word */

static void
test_fill(uint8_t *p, size_t n, uint8_t seed)
{
	size_t	i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* A plausible entry with owned fields of the given sizes. */
static void
test_tee(struct abi_tee *t, uint8_t seed, const char *endpoint,
    size_t pklen, size_t tlslen, size_t ohttplen)
{
	memset(t, 0, sizeof(*t));
	test_fill(t->owner, 20, seed);
	test_fill(t->payment_address, 20, seed + 1);
	t->endpoint = xstrdup(endpoint);
	t->endpoint_len = strlen(endpoint);
	t->public_key = xmalloc(pklen + 1);
	test_fill(t->public_key, pklen, seed + 2);
	t->public_key_len = pklen;
	t->tls_certificate = xmalloc(tlslen + 1);
	test_fill(t->tls_certificate, tlslen, seed + 3);
	t->tls_certificate_len = tlslen;
	test_fill(t->pcr_hash, 32, seed + 4);
	t->tee_type = seed;
	t->enabled = seed & 1;
	abi_u256_from_u64(1767225600 + seed, t->registered_at);
	abi_u256_from_u64(1767229200 + seed, t->last_heartbeat_at);
	t->ohttp.key_id = seed;
	t->ohttp.kem_id = 0x20;
	t->ohttp.kdf_id = 1;
	t->ohttp.aead_id = 3;
	t->ohttp.public_key = xmalloc(ohttplen + 1);
	test_fill(t->ohttp.public_key, ohttplen, seed + 5);
	t->ohttp.public_key_len = ohttplen;
	t->ohttp.key_config = xmalloc(ohttplen + 9 + 1);
	test_fill(t->ohttp.key_config, ohttplen + 9, seed + 6);
	t->ohttp.key_config_len = ohttplen + 9;
	memset(t->ohttp.registered_at, 0xff, 32);
}

static int
test_mem_eq(const void *a, size_t alen, const void *b, size_t blen)
{
	return (alen == blen && (alen == 0 || memcmp(a, b, alen) == 0));
}

/* The encoding of one typical entry as getActiveTEEs returns it. */
static void
test_encode_one(struct buf *b)
{
	struct abi_tee	t;

	test_tee(&t, 1, "https://tee-0.example.org:8443", 294, 300, 32);
	buf_init(b);
	abi_encode_tees(&t, 1, b);
	abi_tee_clear(&t);
}

static void
test_set_word(struct buf *b, size_t off, uint64_t v)
{
	abi_u256_from_u64(v, b->data + off);
}

/* 0 when abi_decode_tees() rejects the buffer (and leaks nothing). */
static int
test_rejects(const uint8_t *p, size_t len)
{
	struct abi_tee	*t;
	const char	*errstr = NULL;
	size_t		 n;

	if (abi_decode_tees(p, len, &t, &n, &errstr) == 0) {
		abi_tees_free(t, n);
		return (-1);
	}
	if (errstr == NULL || t != NULL || n != 0)
		return (-1);
	return (0);
}

static int
test_calldata_active(void)
{
	uint8_t	cd[ABI_CALLDATA_LEN];
	char	hex[2 * ABI_CALLDATA_LEN + 1];

	abi_calldata_get_active_tees(0, cd);
	hex_encode(cd, sizeof(cd), hex);
	TEST_EQ_STR(hex, "4b6014da00000000000000000000000000000000000000000000"
	    "00000000000000000000");
	abi_calldata_get_active_tees(255, cd);
	hex_encode(cd, sizeof(cd), hex);
	TEST_EQ_STR(hex, "4b6014da00000000000000000000000000000000000000000000"
	    "000000000000000000ff");
	return (0);
fail:
	return (-1);
}

static int
test_calldata_get_tee(void)
{
	uint8_t	id[32], cd[ABI_CALLDATA_LEN];

	memset(id, 0xab, sizeof(id));
	abi_calldata_get_tee(id, cd);
	TEST_EQ_MEM(cd, "\x41\x8b\x20\x7d", 4);
	TEST_EQ_MEM(cd + 4, id, 32);
	return (0);
fail:
	return (-1);
}

static int
test_u256(void)
{
	uint8_t		w[32];
	uint64_t	v;
	char		dec[79];

	abi_u256_from_u64(0, w);
	abi_u256_to_dec(w, dec, sizeof(dec));
	TEST_EQ_STR(dec, "0");
	abi_u256_from_u64(1767225600, w);
	abi_u256_to_dec(w, dec, sizeof(dec));
	TEST_EQ_STR(dec, "1767225600");
	TEST_EQ_INT(abi_u256_to_u64(w, &v), 0);
	TEST_EQ_INT(v, 1767225600);
	abi_u256_from_u64(UINT64_MAX, w);
	abi_u256_to_dec(w, dec, sizeof(dec));
	TEST_EQ_STR(dec, "18446744073709551615");
	w[23] = 1;		/* 2^64 + 2^64 - 1 */
	TEST_EQ_INT(abi_u256_to_u64(w, &v), -1);
	abi_u256_to_dec(w, dec, sizeof(dec));
	TEST_EQ_STR(dec, "36893488147419103231");
	memset(w, 0xff, sizeof(w));
	abi_u256_to_dec(w, dec, sizeof(dec));
	TEST_EQ_STR(dec, "1157920892373161954235709850086879078532699846656405"
	    "64039457584007913129639935");
	return (0);
fail:
	return (-1);
}

static int
test_empty_array(void)
{
	struct buf	 b;
	struct abi_tee	*t = NULL;
	const char	*errstr;
	size_t		 n = 99;
	char		 hex[129];

	buf_init(&b);
	abi_encode_tees(NULL, 0, &b);
	TEST_EQ_INT(b.len, 64);
	hex_encode(b.data, b.len, hex);
	TEST_EQ_STR(hex, "00000000000000000000000000000000000000000000000000000"
	    "000000000200000000000000000000000000000000000000000000000000000"
	    "000000000000");
	TEST_EQ_INT(abi_decode_tees(b.data, b.len, &t, &n, &errstr), 0);
	TEST_EQ_INT(n, 0);
	abi_tees_free(t, n);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

static int
test_roundtrip(void)
{
	struct abi_tee	 in[3], *out = NULL;
	struct buf	 b, b2;
	const char	*errstr;
	size_t		 n = 0, i;

	test_tee(&in[0], 1, "https://tee-0.example.org:8443", 294, 300, 32);
	test_tee(&in[1], 2, "", 0, 0, 0);
	test_tee(&in[2], 3, "https://t\xc3\xa9\xf0\x9f\x98\x80", 550, 64, 33);
	buf_init(&b);
	buf_init(&b2);
	abi_encode_tees(in, 3, &b);
	TEST_EQ_INT(b.len % 32, 0);
	TEST_EQ_INT(abi_decode_tees(b.data, b.len, &out, &n, &errstr), 0);
	TEST_EQ_INT(n, 3);
	for (i = 0; i < 3; i++)
		TEST_ASSERT(abi_tee_equal(&in[i], &out[i]));
	TEST_EQ_STR(out[0].endpoint, "https://tee-0.example.org:8443");
	abi_encode_tees(out, n, &b2);
	TEST_ASSERT(test_mem_eq(b.data, b.len, b2.data, b2.len));
	abi_tees_free(out, n);
	for (i = 0; i < 3; i++)
		abi_tee_clear(&in[i]);
	buf_clear(&b, 0);
	buf_clear(&b2, 0);
	return (0);
fail:
	abi_tees_free(out, n);
	for (i = 0; i < 3; i++)
		abi_tee_clear(&in[i]);
	buf_clear(&b, 0);
	buf_clear(&b2, 0);
	return (-1);
}

/* The head words ethers writes: offsets relative to their own area. */
static int
test_layout(void)
{
	struct buf	b;
	uint64_t	v;

	test_encode_one(&b);
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_ARRAY, &v), 0);
	TEST_EQ_INT(v, 0x20);
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_COUNT, &v), 0);
	TEST_EQ_INT(v, 1);
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_ELEM0, &v), 0);
	TEST_EQ_INT(v, 0x20);
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_ENDPOINT, &v), 0);
	TEST_EQ_INT(v, 0x160);
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_PUBKEY, &v), 0);
	TEST_EQ_INT(v, 0x1a0);		/* 0x160 + 32 + 32 */
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_TLS, &v), 0);
	TEST_EQ_INT(v, 0x300);		/* 0x1a0 + 32 + 320 */
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_OHTTP, &v), 0);
	TEST_EQ_INT(v, 0x460);		/* 0x300 + 32 + 320 */
	TEST_EQ_INT(abi_u256_to_u64(b.data + POS_EP_LEN, &v), 0);
	TEST_EQ_INT(v, 30);
	TEST_EQ_INT(b.len, 1600);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

static int
test_single_tee(void)
{
	struct abi_tee	 in, out;
	struct buf	 b, b2;
	const char	*errstr;
	uint64_t	 v;

	test_tee(&in, 7, "https://x", 10, 20, 32);
	buf_init(&b);
	buf_init(&b2);
	abi_encode_tee(&in, &b);
	TEST_EQ_INT(abi_u256_to_u64(b.data, &v), 0);
	TEST_EQ_INT(v, 0x20);
	TEST_EQ_INT(abi_decode_tee(b.data, b.len, &out, &errstr), 0);
	TEST_ASSERT(abi_tee_equal(&in, &out));
	abi_encode_tee(&out, &b2);
	TEST_ASSERT(test_mem_eq(b.data, b.len, b2.data, b2.len));
	abi_tee_clear(&out);
	/* A truncated getTEE result fails and leaves t cleared. */
	TEST_EQ_INT(abi_decode_tee(b.data, b.len - 1, &out, &errstr), -1);
	TEST_ASSERT(out.endpoint == NULL && out.public_key == NULL);
	TEST_EQ_INT(abi_decode_tee(b.data, 0, &out, &errstr), -1);
	abi_tee_clear(&in);
	buf_clear(&b, 0);
	buf_clear(&b2, 0);
	return (0);
fail:
	abi_tee_clear(&in);
	buf_clear(&b, 0);
	buf_clear(&b2, 0);
	return (-1);
}

/* Every proper prefix of a valid encoding is an error, never a read past. */
static int
test_truncated_each_byte(void)
{
	struct buf	 b;
	uint8_t		*copy;
	size_t		 l;

	test_encode_one(&b);
	for (l = 0; l < b.len; l++) {
		/* An exact-size copy so a read past l would trip valgrind. */
		copy = xmalloc(l == 0 ? 1 : l);
		memcpy(copy, b.data, l);
		if (test_rejects(copy, l) != 0) {
			fprintf(stderr, "  prefix of %zu bytes accepted\n", l);
			free(copy);
			goto fail;
		}
		free(copy);
	}
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

static int
test_empty_input(void)
{
	static const uint8_t	zero[64];

	TEST_EQ_INT(test_rejects(NULL, 0), 0);
	TEST_EQ_INT(test_rejects(zero, 31), 0);
	/* Offset 0x00: the "array" is the head word itself, count 0. */
	TEST_EQ_INT(test_rejects(zero, 32), -1);
	return (0);
fail:
	return (-1);
}

/* Each offset word set to values at and past the end, and to 2^256-1. */
static int
test_offsets_past_end(void)
{
	static const size_t	 pos[] = { POS_ARRAY, POS_ELEM0, POS_ENDPOINT,
	    POS_PUBKEY, POS_TLS, POS_OHTTP };
	struct buf		 b;
	uint8_t			 save[32];
	size_t			 i;

	test_encode_one(&b);
	for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		memcpy(save, b.data + pos[i], 32);
		test_set_word(&b, pos[i], b.len);
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		test_set_word(&b, pos[i], b.len - 31);
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		test_set_word(&b, pos[i], UINT64_MAX);
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		memset(b.data + pos[i], 0xff, 32);
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		b.data[pos[i]] = 0x01;
		memset(b.data + pos[i] + 1, 0, 31);	/* 2^248 */
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		memcpy(b.data + pos[i], save, 32);
	}
	TEST_EQ_INT(test_rejects(b.data, b.len), -1);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

/* The ohttpConfig tuple's own offsets past the end. */
static int
test_ohttp_offsets_past_end(void)
{
	struct buf	b;
	size_t		base;

	test_encode_one(&b);
	base = POS_TUPLE + 0x460;
	test_set_word(&b, base + 4 * W, b.len);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	buf_clear(&b, 0);
	test_encode_one(&b);
	memset(b.data + base + 5 * W, 0xff, 32);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

/* Lengths of 2^256-1, 2^64-1, one past the data and padding past it. */
static int
test_huge_lengths(void)
{
	struct buf	b;
	size_t		room;

	test_encode_one(&b);
	memset(b.data + POS_EP_LEN, 0xff, 32);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	test_set_word(&b, POS_EP_LEN, UINT64_MAX);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	test_set_word(&b, POS_EP_LEN, UINT64_MAX - 30);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	room = b.len - POS_EP_LEN - W;
	test_set_word(&b, POS_EP_LEN, room + 1);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	/* Fits, but its padding would not: ethers rejects it too. */
	test_set_word(&b, POS_EP_LEN, room - 1);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

/* Counts past what the data can hold, up to 2^256-1. */
static int
test_huge_count(void)
{
	struct buf	b;

	test_encode_one(&b);
	test_set_word(&b, POS_COUNT, (b.len - POS_ELEM0) / W + 1);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	test_set_word(&b, POS_COUNT, 2);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	test_set_word(&b, POS_COUNT, UINT64_MAX);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	memset(b.data + POS_COUNT, 0xff, 32);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

/*
 * Two elements whose offsets name the same tuple decode (ethers accepts
 * shared tails); an offset into the head itself reads the head's words.
 */
static int
test_overlapping(void)
{
	struct buf	 b, o;
	struct abi_tee	*t = NULL;
	const char	*errstr;
	size_t		 n = 0;

	test_encode_one(&b);
	buf_init(&o);
	/* Head, count 2, both offsets 0x40, then the one tuple. */
	buf_add(&o, b.data, POS_ELEM0);
	abi_u256_from_u64(2, o.data + POS_COUNT);
	buf_add(&o, b.data + POS_ELEM0, W);
	buf_add(&o, b.data + POS_ELEM0, W);
	abi_u256_from_u64(0x40, o.data + POS_ELEM0);
	abi_u256_from_u64(0x40, o.data + POS_ELEM0 + W);
	buf_add(&o, b.data + POS_TUPLE, b.len - POS_TUPLE);
	TEST_EQ_INT(abi_decode_tees(o.data, o.len, &t, &n, &errstr), 0);
	TEST_EQ_INT(n, 2);
	TEST_ASSERT(abi_tee_equal(&t[0], &t[1]));
	abi_tees_free(t, n);
	t = NULL;
	n = 0;
	/* The endpoint offset 0: its "length" is the owner address. */
	test_set_word(&b, POS_ENDPOINT, 0);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	/* The element offset pointing back at the count word. */
	buf_clear(&b, 0);
	test_encode_one(&b);
	test_set_word(&b, POS_ELEM0, 0);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	/* The endpoint sharing the TLS certificate's tail: not UTF-8. */
	buf_clear(&b, 0);
	test_encode_one(&b);
	memcpy(b.data + POS_ENDPOINT, b.data + POS_TLS, W);
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	buf_clear(&b, 0);
	buf_clear(&o, 0);
	return (0);
fail:
	abi_tees_free(t, n);
	buf_clear(&b, 0);
	buf_clear(&o, 0);
	return (-1);
}

/* Many elements sharing one large tuple would decode to far more memory. */
static int
test_inflation(void)
{
	struct abi_tee	 t;
	struct buf	 one, o;
	size_t		 i, count = 200, tuple_len;

	test_tee(&t, 1, "https://x", 4000, 4000, 32);
	buf_init(&one);
	abi_encode_tees(&t, 1, &one);
	abi_tee_clear(&t);
	tuple_len = one.len - POS_TUPLE;
	buf_init(&o);
	buf_add(&o, one.data, POS_ELEM0);
	abi_u256_from_u64(count, o.data + POS_COUNT);
	for (i = 0; i < count; i++) {
		buf_add(&o, one.data + POS_ELEM0, W);
		abi_u256_from_u64(count * W, o.data + o.len - W);
	}
	buf_add(&o, one.data + POS_TUPLE, tuple_len);
	TEST_EQ_INT(test_rejects(o.data, o.len), 0);
	buf_clear(&one, 0);
	buf_clear(&o, 0);
	return (0);
fail:
	buf_clear(&one, 0);
	buf_clear(&o, 0);
	return (-1);
}

/* Addresses, uint8, uint16 and bool words with dirty high bits. */
static int
test_dirty_words(void)
{
	static const size_t	 pos[] = { POS_OWNER, POS_PAYMENT, POS_TYPE,
	    POS_ENABLED, POS_TUPLE + 0x460, POS_TUPLE + 0x460 + W,
	    POS_TUPLE + 0x460 + 2 * W, POS_TUPLE + 0x460 + 3 * W };
	struct buf		 b;
	uint8_t			 save;
	size_t			 i;

	test_encode_one(&b);
	for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		save = b.data[pos[i]];
		b.data[pos[i]] = 0x01;
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		b.data[pos[i]] = save;
		save = b.data[pos[i] + 11];
		b.data[pos[i] + 11] = 0x80;
		TEST_EQ_INT(test_rejects(b.data, b.len), 0);
		b.data[pos[i] + 11] = save;
	}
	/* bool 2 and uint8 256 */
	b.data[POS_ENABLED + 31] = 2;
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	b.data[POS_ENABLED + 31] = 1;
	b.data[POS_TYPE + 30] = 1;
	TEST_EQ_INT(test_rejects(b.data, b.len), 0);
	b.data[POS_TYPE + 30] = 0;
	TEST_EQ_INT(test_rejects(b.data, b.len), -1);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

/* An endpoint that is not UTF-8 is refused, as ethers refuses it. */
static int
test_bad_utf8(void)
{
	static const char	*bad[] = { "\xff", "a\xc3", "\xc0\xaf",
	    "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe0\x80\xaf", "\x80" };
	struct abi_tee		 t;
	struct buf		 b;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_tee(&t, 1, bad[i], 10, 10, 32);
		buf_init(&b);
		abi_encode_tees(&t, 1, &b);
		abi_tee_clear(&t);
		if (test_rejects(b.data, b.len) != 0) {
			fprintf(stderr, "  endpoint #%zu accepted\n", i);
			buf_clear(&b, 0);
			goto fail;
		}
		buf_clear(&b, 0);
	}
	return (0);
fail:
	return (-1);
}

/* An embedded NUL is valid UTF-8: kept, with endpoint_len covering it. */
static int
test_endpoint_nul(void)
{
	struct abi_tee	 t, *out = NULL;
	struct buf	 b;
	const char	*errstr;
	size_t		 n = 0;

	test_tee(&t, 1, "abc", 10, 10, 32);
	t.endpoint[1] = '\0';
	buf_init(&b);
	abi_encode_tees(&t, 1, &b);
	TEST_EQ_INT(abi_decode_tees(b.data, b.len, &out, &n, &errstr), 0);
	TEST_EQ_INT(out[0].endpoint_len, 3);
	TEST_EQ_MEM(out[0].endpoint, "a\0c", 4);
	abi_tees_free(out, n);
	abi_tee_clear(&t);
	buf_clear(&b, 0);
	return (0);
fail:
	abi_tees_free(out, n);
	abi_tee_clear(&t);
	buf_clear(&b, 0);
	return (-1);
}

/* Data after the encoding and unaligned offsets are accepted (as ethers). */
static int
test_trailing_and_unaligned(void)
{
	struct buf	 b, o;
	struct abi_tee	*t = NULL;
	const char	*errstr;
	size_t		 n = 0;

	buf_init(&o);
	test_encode_one(&b);
	buf_add(&b, "junk", 4);
	TEST_EQ_INT(abi_decode_tees(b.data, b.len, &t, &n, &errstr), 0);
	abi_tees_free(t, n);
	t = NULL;
	/* The whole array shifted by 3 bytes: head offset 0x23. */
	buf_add(&o, b.data, W);
	buf_add(&o, "\0\0\0", 3);
	buf_add(&o, b.data + W, b.len - W);
	abi_u256_from_u64(0x23, o.data);
	TEST_EQ_INT(abi_decode_tees(o.data, o.len, &t, &n, &errstr), 0);
	TEST_EQ_INT(n, 1);
	abi_tees_free(t, n);
	buf_clear(&b, 0);
	buf_clear(&o, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	buf_clear(&o, 0);
	return (-1);
}

static const struct test_case cases[] = {
	{ "calldata-get-active-tees", test_calldata_active },
	{ "calldata-get-tee", test_calldata_get_tee },
	{ "u256-helpers", test_u256 },
	{ "empty-array", test_empty_array },
	{ "roundtrip-three", test_roundtrip },
	{ "layout-head-words", test_layout },
	{ "get-tee-single", test_single_tee },
	{ "truncated-at-each-byte", test_truncated_each_byte },
	{ "empty-and-short-input", test_empty_input },
	{ "offsets-past-end", test_offsets_past_end },
	{ "ohttp-offsets-past-end", test_ohttp_offsets_past_end },
	{ "huge-lengths", test_huge_lengths },
	{ "huge-count", test_huge_count },
	{ "overlapping-offsets", test_overlapping },
	{ "inflation-bounded", test_inflation },
	{ "dirty-high-bits", test_dirty_words },
	{ "endpoint-not-utf8", test_bad_utf8 },
	{ "endpoint-embedded-nul", test_endpoint_nul },
	{ "trailing-and-unaligned", test_trailing_and_unaligned },
};

TEST_MAIN("test-abi", cases)

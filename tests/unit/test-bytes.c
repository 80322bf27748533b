/*
 * test-bytes.c: base64 (bytes.h): every one of the 256 byte values is a
 * digit with its alphabet value or refused, at every place of a whole
 * group and of a last, short one; padding is checked, and
 * encoding then decoding gives the bytes back at every length to 100.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "test.h"

static const char test_bytes_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* "AAA" + c decodes to 3 bytes whose low 6 bits are c's value, or fails. */
static int
test_bytes_base64_digits(void)
{
	const char	*q;
	char		 s[4] = { 'A', 'A', 'A', 0 };
	uint8_t		*out = NULL;
	size_t		 n;
	int		 c, rc;

	for (c = 1; c < 256; c++) {
		s[3] = (char)c;
		rc = base64_decode_new(s, 4, &out, &n);
		q = strchr(test_bytes_alphabet, c);
		if (q == NULL || c == '=') {
			if (c == '=') {
				/* "AAA=": one padding digit, two bytes. */
				TEST_EQ_INT(rc, 0);
				TEST_EQ_INT(n, 2);
				free(out);
				out = NULL;
				continue;
			}
			TEST_EQ_INT(rc, -1);
			continue;
		}
		TEST_EQ_INT(rc, 0);
		TEST_EQ_INT(n, 3);
		TEST_EQ_INT(out[2], q - test_bytes_alphabet);
		free(out);
		out = NULL;
	}
	/* A NUL inside the length is not a digit. */
	TEST_EQ_INT(base64_decode_new("AA\0A", 4, &out, &n), -1);
	return (0);
fail:
	fprintf(stderr, "  byte %d\n", c);
	free(out);
	return (-1);
}

/*
 * Each byte at each place of "AAAAAAA" (a whole group, then three digits
 * of a last one): a digit lands its six bits at that place, anything else
 * is refused, whichever of the two paths reads it.
 */
static int
test_bytes_base64_every_place(void)
{
	const char	*q;
	char		 s[8];
	uint8_t		*out = NULL;
	uint64_t	 want;
	size_t		 n, i;
	int		 c = 0, pos, rc;

	for (pos = 0; pos < 7; pos++) {
		for (c = 0; c < 256; c++) {
			memset(s, 'A', 7);
			s[pos] = (char)c;
			rc = base64_decode_new(s, 7, &out, &n);
			q = c == 0 ? NULL : strchr(test_bytes_alphabet, c);
			if (q == NULL) {
				TEST_EQ_INT(rc, -1);
				continue;
			}
			TEST_EQ_INT(rc, 0);
			TEST_EQ_INT(n, 5);
			/* 42 bits, the first 40 of them the 5 bytes. */
			want = (uint64_t)(q - test_bytes_alphabet) <<
			    (6 * (6 - pos));
			want >>= 2;
			for (i = 0; i < 5; i++)
				TEST_EQ_INT(out[i], (want >> (8 * (4 - i))) &
				    0xff);
			free(out);
			out = NULL;
		}
	}
	return (0);
fail:
	fprintf(stderr, "  byte %d at %d\n", c, pos);
	free(out);
	return (-1);
}

static int
test_bytes_base64_padding(void)
{
	static const struct {
		const char	*s;
		int		 rc;
		size_t		 n;
	} cases[] = {
		{ "", 0, 0 }, { "QQ==", 0, 1 }, { "QUI=", 0, 2 },
		{ "QUJD", 0, 3 }, { "QQ", 0, 1 }, { "QUI", 0, 2 },
		{ "Q", -1, 0 }, { "QQ=", -1, 0 }, { "Q===", -1, 0 },
		{ "QUJDQ", -1, 0 }, { "QU=I", -1, 0 }, { "QUJD ", -1, 0 },
	};
	uint8_t		*out = NULL;
	size_t		 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		TEST_EQ_INT(base64_decode_new(cases[i].s, strlen(cases[i].s),
		    &out, &n), cases[i].rc);
		if (cases[i].rc == 0) {
			TEST_EQ_INT(n, cases[i].n);
			TEST_EQ_MEM(out, "ABC", n);
		}
		free(out);
		out = NULL;
	}
	return (0);
fail:
	fprintf(stderr, "  case %zu\n", i);
	free(out);
	return (-1);
}

static int
test_bytes_base64_roundtrip(void)
{
	uint8_t		 in[100], *out = NULL;
	char		*s = NULL;
	size_t		 len, i, n;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 11);
	for (len = 0; len <= sizeof(in); len++) {
		s = base64_encode_new(in, len);
		TEST_EQ_INT(strlen(s), (len + 2) / 3 * 4);
		TEST_EQ_INT(base64_decode_new(s, strlen(s), &out, &n), 0);
		TEST_EQ_INT(n, len);
		TEST_EQ_MEM(out, in, len);
		free(s);
		free(out);
		s = NULL;
		out = NULL;
	}
	return (0);
fail:
	fprintf(stderr, "  length %zu\n", len);
	free(s);
	free(out);
	return (-1);
}

static const struct test_case cases[] = {
	{ "base64_digits", test_bytes_base64_digits },
	{ "base64_every_place", test_bytes_base64_every_place },
	{ "base64_padding", test_bytes_base64_padding },
	{ "base64_roundtrip", test_bytes_base64_roundtrip },
};

TEST_MAIN("test-bytes", cases)

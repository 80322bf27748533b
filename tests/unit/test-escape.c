/*
 * test-escape.c: escape_ctl() leaves printable ASCII and well-formed UTF-8
 * alone and writes every C0 control, DEL, C1 control, ill-formed byte
 * (overlong, surrogate, truncated, stray continuation) as \xNN: a forged
 * log line (CR LF), an ANSI colour, an OSC 8 link and an 8-bit CSI.
 */
#include "compat.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "escape.h"
#include "test.h"

/* escape_ctl of in (len bytes) equals want. */
static int
check(const char *in, size_t len, int flags, const char *want)
{
	struct buf	b;
	int		ok;

	buf_init(&b);
	escape_ctl(&b, in, len, flags);
	ok = b.len == strlen(want) && (b.len == 0 ||
	    memcmp(b.data, want, b.len) == 0);
	if (!ok)
		fprintf(stderr, "  got \"%.*s\", want \"%s\"\n", (int)b.len,
		    b.data != NULL ? (const char *)b.data : "", want);
	if (ok != escape_is_clean(in, len, flags) && strcmp(in, want) == 0)
		ok = 0;
	buf_clear(&b, 0);
	return (ok);
}

#define CHECK(in, flags, want) \
	TEST_ASSERT(check(in, sizeof(in) - 1, flags, want))

static int
test_plain(void)
{
	CHECK("", 0, "");
	CHECK("GET /v1/models 200", 0, "GET /v1/models 200");
	CHECK("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 0,
	    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	TEST_ASSERT(escape_is_clean("abc \xc3\xa9", 6, 0));
	return (0);
fail:
	return (1);
}

static int
test_forged_line(void)
{
	CHECK("https://tee.example\r\n2026-01-01T00:00:00.000Z info  fake",
	    0, "https://tee.example\\x0d\\x0a2026-01-01T00:00:00.000Z info  "
	    "fake");
	CHECK("a\tb\nc", 0, "a\\x09b\\x0ac");
	CHECK("a\tb\nc\r", ESCAPE_KEEP_NL, "a\tb\nc\\x0d");
	TEST_ASSERT(!escape_is_clean("a\nb", 3, 0));
	TEST_ASSERT(escape_is_clean("a\nb", 3, ESCAPE_KEEP_NL));
	return (0);
fail:
	return (1);
}

static int
test_terminal(void)
{
	CHECK("\033[31mred\033[0m", ESCAPE_KEEP_NL,
	    "\\x1b[31mred\\x1b[0m");
	CHECK("\033]8;;https://evil\033\\x\033]8;;\033\\", ESCAPE_KEEP_NL,
	    "\\x1b]8;;https://evil\\x1b\\x\\x1b]8;;\\x1b\\");
	CHECK("\033]0;title\007", 0, "\\x1b]0;title\\x07");
	CHECK("del\177", 0, "del\\x7f");
	/* C1 CSI as UTF-8 (U+009B) and as a raw byte. */
	CHECK("\xc2\x9b" "2J", 0, "\\xc2\\x9b2J");
	CHECK("\x9b" "2J", 0, "\\x9b2J");
	CHECK("\xc2\xa0nbsp", 0, "\xc2\xa0nbsp");
	return (0);
fail:
	return (1);
}

static int
test_ill_formed(void)
{
	CHECK("\xc0\xaf", 0, "\\xc0\\xaf");		/* overlong '/' */
	CHECK("\xe0\x80\xaf", 0, "\\xe0\\x80\\xaf");	/* overlong */
	CHECK("\xed\xa0\x80", 0, "\\xed\\xa0\\x80");	/* surrogate */
	CHECK("\xf4\x90\x80\x80", 0, "\\xf4\\x90\\x80\\x80"); /* > 10FFFF */
	CHECK("\xe2\x82", 0, "\\xe2\\x82");		/* truncated */
	CHECK("\xff\xfe", 0, "\\xff\\xfe");
	CHECK("a\0b", 0, "a\\x00b");
	return (0);
fail:
	return (1);
}

static const struct test_case cases[] = {
	{ "plain", test_plain },
	{ "forged_line", test_forged_line },
	{ "terminal", test_terminal },
	{ "ill_formed", test_ill_formed }
};

TEST_MAIN("test-escape", cases)

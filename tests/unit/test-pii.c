/*
 * test-pii.c: the redaction table (input, expected output, matches) and
 * cases for chat bodies and counts.  Each table row is a case of its own
 * in the tally.  (Linear time is a property of the matchers' bounded
 * look-ahead; the fuzz target and `make bench` exercise hostile text.)
 */
#include "compat.h"

#include "bytes.h"
#include "json.h"
#include "pii.h"
#include "test.h"

#define E	"[REDACTED_EMAIL]"
#define P	"[REDACTED_PHONE]"
#define S	"[REDACTED_SSN]"
#define B	"[REDACTED_BANK_NUMBER]"
#define A	"[REDACTED_ADDRESS]"

static const struct {
	const char	*in;
	const char	*out;
	unsigned int	 n;
} pii_table[] = {
	/* email */
	{ "mail ada@example.com today", "mail " E " today", 1 },
	{ "ada.lovelace+veil@mail.example.co.uk", E, 1 },
	{ "<ada_l%x@sub-domain.example.org>", "<" E ">", 1 },
	{ "write to ada@example.com.", "write to " E ".", 1 },
	{ "a@b.co,c@d.io", E "," E, 2 },
	{ "Mon courriel : jean.dupont@exemple.fr merci",
	    "Mon courriel : " E " merci", 1 },
	{ "邮箱 wang@example.cn 谢谢", "邮箱 " E " 谢谢", 1 },
	{ "user@localhost", "user@localhost", 0 },
	{ "@handle and foo@ and @bar.com", "@handle and foo@ and @bar.com",
	    0 },
	{ "x@y.c", "x@y.c", 0 },
	{ "git@github.com:org/repo.git", E ":org/repo.git", 1 },
	{ "version 1.2.3@beta", "version 1.2.3@beta", 0 },
	/* phone */
	{ "call +1 415 555 2671 now", "call " P " now", 1 },
	{ "+44 20 7946 0958", P, 1 },
	{ "+44 (0)20 7946 0958", P, 1 },
	{ "+33 1 23 45 67 89", P, 1 },
	{ "+49-30-1234567", P, 1 },
	{ "+8613800138000", P, 1 },
	{ "(415) 555-2671", P, 1 },
	{ "415-555-2671", P, 1 },
	{ "415.555.2671", P, 1 },
	{ "1-800-555-0199", P, 1 },
	{ "020 7946 0958", P, 1 },
	{ "06 12 34 56 78", P, 1 },
	{ "Tel.: 0176-1234-5678.", "Tel.: " P ".", 1 },
	{ "电话：+86 138 0013 8000。", "电话：" P "。", 1 },
	{ "+1 234", "+1 234", 0 },
	{ "415-555-2671-99", "415-555-2671-99", 0 },
	{ "192.168.100.200", "192.168.100.200", 0 },
	/* SSN */
	{ "SSN 123-45-6789", "SSN " S, 1 },
	{ "ssn: 123 45 6789.", "ssn: " S ".", 1 },
	{ "000-12-3456", "000-12-3456", 0 },
	{ "666-12-3456", "666-12-3456", 0 },
	{ "901-12-3456", "901-12-3456", 0 },
	{ "123-00-4567", "123-00-4567", 0 },
	/* payment cards */
	{ "card 4111 1111 1111 1111 exp", "card " B " exp", 1 },
	{ "4111-1111-1111-1111", B, 1 },
	{ "4111111111111111", B, 1 },
	{ "Amex 3782 822463 10005", "Amex " B, 1 },
	{ "5555555555554444,", B ",", 1 },
	{ "6011 1111 1111 1117", B, 1 },
	{ "4111 1111 1111 1112", "4111 1111 1111 1112", 0 },
	{ "order 1234567890123456", "order 1234567890123456", 0 },
	{ "ts 1700000000000", "ts 1700000000000", 0 },
	/* IBAN */
	{ "IBAN DE89 3704 0044 0532 0130 00 please",
	    "IBAN " B " please", 1 },
	{ "GB82WEST12345698765432", B, 1 },
	{ "gb82 west 1234 5698 7654 32", B, 1 },
	{ "FR14 2004 1010 0505 0001 3M02 606 BIC", B " BIC", 1 },
	{ "DE00 3704 0044 0532 0130 00", "DE00 3704 0044 0532 0130 00", 0 },
	{ "AB12 CDEF", "AB12 CDEF", 0 },
	/* US bank routing and account numbers named as such */
	{ "routing number 021000021", "routing number " B, 1 },
	{ "ABA: 011000015", "ABA: " B, 1 },
	{ "routing 021000022", "routing 021000022", 0 },
	{ "account number is 000123456789", "account number is " B, 1 },
	{ "Acct #: 12-3456-78", "Acct #: " B, 1 },
	{ "my account is locked since 2019",
	    "my account is locked since 2019", 0 },
	{ "021000021", "021000021", 0 },
	/* street addresses */
	{ "I live at 742 Evergreen Terrace, Springfield.",
	    "I live at " A ", Springfield.", 1 },
	{ "1600 Pennsylvania Avenue NW, Washington",
	    A ", Washington", 1 },
	{ "221B Baker Street", A, 1 },
	{ "at 10 Downing St. today", "at " A " today", 1 },
	{ "350 5th Ave, New York", A ", New York", 1 },
	{ "12 Old Mill Rd North", A, 1 },
	{ "I have 3 cats on the street", "I have 3 cats on the street", 0 },
	{ "Chapter 3 Way Forward", "Chapter 3 Way Forward", 0 },
	/* look-alikes that must survive */
	{ "on 2024-01-15 at 10:30:00", "on 2024-01-15 at 10:30:00", 0 },
	{ "15/01/2024 and 01.02.2025", "15/01/2024 and 01.02.2025", 0 },
	{ "version 10.15.7 build 1234", "version 10.15.7 build 1234", 0 },
	{ "price $1,299.99 or 1299,99 EUR",
	    "price $1,299.99 or 1299,99 EUR", 0 },
	{ "order ORD-2024-558812 shipped", "order ORD-2024-558812 shipped",
	    0 },
	{ "unix 1700000000", "unix 1700000000", 0 },
	{ "sha 3f786850e387550fdab836ed7e6dc881de23001b",
	    "sha 3f786850e387550fdab836ed7e6dc881de23001b", 0 },
	{ "Ada Lovelace of London, England", "Ada Lovelace of London, England",
	    0 },
	/* several kinds in one text, and at the edges */
	{ "ada@example.com 415-555-2671 123-45-6789",
	    E " " P " " S, 3 },
	{ "4111111111111111|ada@example.com", B "|" E, 2 },
	{ "", "", 0 },
};

/* One table row: scrub, compare, count. */
static int
test_pii_row(size_t r)
{
	struct buf		 b;
	struct pii_counts	 c;
	size_t			 n;
	int			 ok;

	memset(&c, 0, sizeof(c));
	buf_init(&b);
	n = pii_scrub_text(pii_table[r].in, strlen(pii_table[r].in), &b, &c);
	ok = n == pii_table[r].n && pii_counts_total(&c) == n &&
	    b.len == strlen(pii_table[r].out) &&
	    memcmp(b.data, pii_table[r].out, b.len) == 0;
	if (!ok)
		fprintf(stderr, "  row %zu: \"%s\" -> \"%.*s\" (%zu), expected "
		    "\"%s\" (%u)\n", r, pii_table[r].in, (int)b.len,
		    b.data ? (const char *)b.data : "", n, pii_table[r].out,
		    pii_table[r].n);
	buf_clear(&b, 0);
	return (ok ? 0 : -1);
}

static int
test_pii_counts_by_kind(void)
{
	struct buf		 b;
	struct pii_counts	 c;
	const char		*in = "a@b.io x@y.org +44 20 7946 0958 "
	    "123-45-6789 GB82WEST12345698765432 742 Evergreen Terrace";

	memset(&c, 0, sizeof(c));
	buf_init(&b);
	TEST_EQ_INT(pii_scrub_text(in, strlen(in), &b, &c), 6);
	TEST_EQ_INT(c.n[PII_EMAIL], 2);
	TEST_EQ_INT(c.n[PII_PHONE], 1);
	TEST_EQ_INT(c.n[PII_SSN], 1);
	TEST_EQ_INT(c.n[PII_BANK_NUMBER], 1);
	TEST_EQ_INT(c.n[PII_ADDRESS], 1);
	TEST_EQ_STR(pii_kind_name(PII_BANK_NUMBER), "bank_number");
	TEST_EQ_STR(pii_kind_tag(PII_ADDRESS), A);
	buf_clear(&b, 0);
	return (0);
fail:
	buf_clear(&b, 0);
	return (-1);
}

/* Text parts, content strings and tool arguments; images left alone. */
static int
test_pii_chat_body(void)
{
	static const char body[] = "{\"model\":\"m\",\"messages\":["
	    "{\"role\":\"system\",\"content\":\"owner ops@example.com\"},"
	    "{\"role\":\"user\",\"content\":[{\"type\":\"text\","
	    "\"text\":\"mail me at ada\\u0040example.com\"},"
	    "{\"type\":\"image_url\",\"image_url\":{\"url\":"
	    "\"data:image/png;base64,ada@example.com\"}}]},"
	    "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{"
	    "\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":"
	    "\"send\",\"arguments\":\"{\\\"to\\\":\\\"+1 415 555 2671\\\"}\""
	    "}}]},"
	    "{\"role\":\"tool\",\"tool_call_id\":\"c1\",\"content\":"
	    "\"sent to 415-555-2671\"}]}";
	struct json_value	*v, *m;
	struct pii_counts	 c;
	const char		*errstr;

	memset(&c, 0, sizeof(c));
	v = json_parse(body, sizeof(body) - 1, NULL, &errstr);
	TEST_ASSERT(v != NULL);
	TEST_EQ_INT(pii_scrub_chat(v, &c), 4);
	TEST_EQ_INT(c.n[PII_EMAIL], 2);
	TEST_EQ_INT(c.n[PII_PHONE], 2);
	m = json_get(v, "messages");
	TEST_EQ_STR(json_get_str(json_index(m, 0), "content"), "owner " E);
	TEST_EQ_STR(json_get_str(json_index(json_get(json_index(m, 1),
	    "content"), 0), "text"), "mail me at " E);
	TEST_EQ_STR(json_get_str(json_get(json_index(json_get(json_index(m,
	    1), "content"), 1), "image_url"), "url"),
	    "data:image/png;base64,ada@example.com");
	TEST_EQ_STR(json_get_str(json_get(json_index(json_get(json_index(m,
	    2), "tool_calls"), 0), "function"), "arguments"),
	    "{\"to\":\"" P "\"}");
	TEST_EQ_STR(json_get_str(json_index(m, 3), "content"), "sent to " P);
	/* The replaced strings' lengths too (pyjson writes len bytes). */
	TEST_EQ_INT(json_get(json_index(m, 0), "content")->len,
	    strlen("owner " E));
	TEST_EQ_INT(json_get(json_index(m, 3), "content")->len,
	    strlen("sent to " P));
	json_free(v);
	return (0);
fail:
	json_free(v);
	return (-1);
}

/* A body with nothing to redact is left exactly as it was. */
static int
test_pii_chat_untouched(void)
{
	static const char body[] = "{\"messages\":[{\"role\":\"user\","
	    "\"content\":\"hello on 2024-01-15\"}]}";
	struct json_value	*v;
	struct pii_counts	 c;
	const char		*errstr;

	memset(&c, 0, sizeof(c));
	v = json_parse(body, sizeof(body) - 1, NULL, &errstr);
	TEST_ASSERT(v != NULL);
	TEST_EQ_INT(pii_scrub_chat(v, &c), 0);
	TEST_EQ_INT(pii_counts_total(&c), 0);
	TEST_EQ_STR(json_get_str(json_index(json_get(v, "messages"), 0),
	    "content"), "hello on 2024-01-15");
	TEST_EQ_INT(pii_scrub_chat(NULL, &c), 0);
	json_free(v);
	return (0);
fail:
	json_free(v);
	return (-1);
}

static const struct test_case cases[] = {
	{ "counts_by_kind", test_pii_counts_by_kind },
	{ "chat_body", test_pii_chat_body },
	{ "chat_untouched", test_pii_chat_untouched },
};

int
main(int argc, char **argv)
{
	size_t	 r, i;
	int	 passed = 0, failed = 0;

	(void)argc;
	(void)argv;
	for (r = 0; r < sizeof(pii_table) / sizeof(pii_table[0]); r++) {
		if (test_pii_row(r) == 0) {
			printf("ok   table[%zu]\n", r);
			passed++;
		} else {
			printf("FAIL table[%zu]\n", r);
			failed++;
		}
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].fn() == 0) {
			printf("ok   %s\n", cases[i].name);
			passed++;
		} else {
			printf("FAIL %s\n", cases[i].name);
			failed++;
		}
	}
	printf("test-pii: %d passed, %d failed\n", passed, failed);
	return (failed == 0 ? 0 : 1);
}

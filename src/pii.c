/*
 * pii.c: pattern and checksum redaction of personal data (pii.h).
 *
 * One pass over the text.  At each start (a byte that can begin a match and
 * does not continue a run of the same class) the matchers in pii_matchers[]
 * are tried in order; each looks ahead at most PII_MAX_LOOKAHEAD bytes and
 * returns where its match starts (after a keyword it keeps, for account
 * numbers) and how long it is.  Starts are bounded by the text's length and
 * each attempt by the constant look-ahead, so the work is linear: there is
 * no backtracking over unbounded input.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pii.h"

/* No matcher reads further than this from its start. */
#define PII_MAX_LOOKAHEAD	384
#define PII_EMAIL_LOCAL_MAX	64
#define PII_EMAIL_DOMAIN_MAX	253
#define PII_NELEM(a)		(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char	*name;
	const char	*tag;
} pii_kinds[PII_NKINDS] = {
	[PII_EMAIL] = { "email", "[REDACTED_EMAIL]" },
	[PII_PHONE] = { "phone", "[REDACTED_PHONE]" },
	[PII_SSN] = { "ssn", "[REDACTED_SSN]" },
	[PII_BANK_NUMBER] = { "bank_number", "[REDACTED_BANK_NUMBER]" },
	[PII_ADDRESS] = { "address", "[REDACTED_ADDRESS]" },
};

/*
 * A match: p[off, off + len) becomes the kind's tag; len 0: none.  The
 * kind PII_KEEP marks a span shaped like an identifier that failed its
 * checksum: it is passed over whole, so no other matcher redacts a piece
 * of it ("DE00 3704 …" is not a phone number either).
 */
#define PII_KEEP	PII_NKINDS
struct pii_match {
	size_t		 off;
	size_t		 len;
	enum pii_kind	 kind;
};

/* The text and the start being tried. */
struct pii_text {
	const unsigned char	*p;
	size_t			 len;
};

const char *
pii_kind_name(enum pii_kind k)
{
	return (k < PII_NKINDS ? pii_kinds[k].name : "unknown");
}

const char *
pii_kind_tag(enum pii_kind k)
{
	return (k < PII_NKINDS ? pii_kinds[k].tag : "[REDACTED]");
}

unsigned int
pii_counts_total(const struct pii_counts *c)
{
	unsigned int	 t = 0;
	int		 k;

	for (k = 0; k < PII_NKINDS; k++)
		t += c->n[k];
	return (t);
}

static int
pii_digit(int c)
{
	return (c >= '0' && c <= '9');
}

static int
pii_upper(int c)
{
	return (c >= 'A' && c <= 'Z');
}

static int
pii_alpha(int c)
{
	return (pii_upper(c) || (c >= 'a' && c <= 'z'));
}

static int
pii_alnum(int c)
{
	return (pii_digit(c) || pii_alpha(c));
}

static int
pii_lower(int c)
{
	return (pii_upper(c) ? c - 'A' + 'a' : c);
}

/* The byte at i, or 0 past the end (0 is never part of a match). */
static int
pii_at(const struct pii_text *t, size_t i)
{
	return (i < t->len ? t->p[i] : 0);
}

/*
 * After a digit match ending at e: no further digit group joined by a
 * separator ("415-555-2671-99" is not a phone number), and no digit.
 */
static int
pii_digits_end(const struct pii_text *t, size_t e)
{
	int	 c = pii_at(t, e);

	if (pii_alnum(c))
		return (0);
	if ((c == '-' || c == '.' || c == '/') && pii_digit(pii_at(t, e + 1)))
		return (0);
	return (1);
}

/* Before a digit match starting at s: the same, looking back. */
static int
pii_digits_start(const struct pii_text *t, size_t s)
{
	int	 c;

	if (s == 0)
		return (1);
	c = t->p[s - 1];
	if (pii_alnum(c))
		return (0);
	if ((c == '-' || c == '.' || c == '/') && s >= 2 &&
	    pii_digit(t->p[s - 2]))
		return (0);
	return (1);
}

/*
 * Read a run of digits and single separators from sep_set starting at i:
 * the digits (at most maxd) into d, group sizes into groups (at most
 * maxg).  Every separator must be the same byte and sit between digits.
 * Returns the end offset, or 0 when nothing was read.
 */
static size_t
pii_digit_groups(const struct pii_text *t, size_t i, const char *sep_set,
    char *d, size_t maxd, size_t *nd, size_t *groups, size_t maxg,
    size_t *ng)
{
	size_t	 end = i;
	int	 sep = 0, c;

	*nd = 0;
	*ng = 0;
	while (end - i < PII_MAX_LOOKAHEAD) {
		if (!pii_digit(pii_at(t, end)))
			break;
		if (*ng == maxg)
			return (0);
		groups[*ng] = 0;
		while (pii_digit(c = pii_at(t, end))) {
			if (*nd == maxd)
				return (0);
			d[(*nd)++] = (char)c;
			groups[*ng]++;
			end++;
		}
		(*ng)++;
		c = pii_at(t, end);
		if (c == 0 || strchr(sep_set, c) == NULL ||
		    !pii_digit(pii_at(t, end + 1)))
			break;
		if (sep != 0 && c != sep)
			break;
		sep = c;
		end++;
	}
	return (*nd == 0 ? 0 : end);
}

/* ---- email --------------------------------------------------------------- */

static int
pii_email_local(int c)
{
	return (pii_alnum(c) || c == '.' || c == '_' || c == '%' ||
	    c == '+' || c == '-');
}

static int
pii_email_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	size_t	 j = i, k, label, last_start = 0, labels = 0, end = 0;
	int	 c;

	if (!pii_email_local(t->p[i]) || (i > 0 &&
	    (pii_email_local(t->p[i - 1]) || t->p[i - 1] == '@')))
		return (0);
	while (j - i < PII_EMAIL_LOCAL_MAX && pii_email_local(pii_at(t, j)))
		j++;
	if (pii_at(t, j) != '@' || j == i || t->p[i] == '.' ||
	    t->p[j - 1] == '.')
		return (0);
	k = j + 1;
	/* Labels of letters, digits and inner hyphens, joined by dots. */
	for (;;) {
		label = k;
		while (k - j < PII_EMAIL_DOMAIN_MAX &&
		    (pii_alnum(c = pii_at(t, k)) || c == '-'))
			k++;
		if (k == label || t->p[label] == '-' || t->p[k - 1] == '-' ||
		    k - label > 63)
			break;
		labels++;
		last_start = label;
		end = k;
		if (pii_at(t, k) != '.' || !pii_alnum(pii_at(t, k + 1)))
			break;
		k++;
	}
	if (labels < 2)
		return (0);
	/* The top-level label: two or more letters. */
	if (end - last_start < 2)
		return (0);
	for (k = last_start; k < end; k++)
		if (!pii_alpha(t->p[k]))
			return (0);
	m->off = 0;
	m->len = end - i;
	m->kind = PII_EMAIL;
	return (1);
}

/* ---- US social security number ------------------------------------------- */

static int
pii_ssn_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	char	 d[10];
	size_t	 groups[4], nd, ng, end;
	int	 area, group, serial;

	if (!pii_digit(t->p[i]) || !pii_digits_start(t, i))
		return (0);
	end = pii_digit_groups(t, i, "- ", d, 9, &nd, groups, 3, &ng);
	if (end == 0 || nd != 9 || ng != 3 || groups[0] != 3 ||
	    groups[1] != 2 || groups[2] != 4 || !pii_digits_end(t, end))
		return (0);
	area = (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
	group = (d[3] - '0') * 10 + (d[4] - '0');
	serial = (d[5] - '0') * 1000 + (d[6] - '0') * 100 +
	    (d[7] - '0') * 10 + (d[8] - '0');
	if (area == 0 || area == 666 || area >= 900 || group == 0 ||
	    serial == 0)
		return (0);
	m->off = 0;
	m->len = end - i;
	m->kind = PII_SSN;
	return (1);
}

/* ---- payment card -------------------------------------------------------- */

static int
pii_luhn(const char *d, size_t n)
{
	size_t	 i;
	int	 sum = 0, v, dbl = 0;

	for (i = n; i-- > 0; ) {
		v = d[i] - '0';
		if (dbl && (v *= 2) > 9)
			v -= 9;
		sum += v;
		dbl = !dbl;
	}
	return (sum % 10 == 0);
}

/* Issuer prefixes of the card networks: a Luhn-valid order id is not one. */
static int
pii_card_prefix(const char *d, size_t n)
{
	int	 p2 = (d[0] - '0') * 10 + (d[1] - '0');
	int	 p3 = p2 * 10 + (d[2] - '0');
	int	 p4 = p3 * 10 + (d[3] - '0');

	if (d[0] == '4')				/* Visa */
		return (n == 13 || n == 16 || n == 19);
	if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720))
		return (n == 16);			/* Mastercard */
	if (p2 == 34 || p2 == 37)			/* American Express */
		return (n == 15);
	/* Discover, UnionPay */
	if (p4 == 6011 || p2 == 65 || (p3 >= 644 && p3 <= 649) || p2 == 62)
		return (n >= 16 && n <= 19);
	if (p2 == 35)					/* JCB */
		return (n >= 16 && n <= 19);
	if (p2 == 36 || p2 == 38 || (p3 >= 300 && p3 <= 305))
		return (n >= 14 && n <= 19);		/* Diners Club */
	return (0);
}

static int
pii_card_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	char	 d[20];
	size_t	 groups[8], nd, ng, end, g;

	if (!pii_digit(t->p[i]) || !pii_digits_start(t, i))
		return (0);
	end = pii_digit_groups(t, i, "- ", d, 19, &nd, groups, 6, &ng);
	if (end == 0 || nd < 13 || nd > 19 || !pii_digits_end(t, end))
		return (0);
	/* Grouped the way cards are written: groups of three or more. */
	for (g = 0; ng > 1 && g < ng; g++)
		if (groups[g] < 3 || groups[g] > 6)
			return (0);
	m->off = 0;
	m->len = end - i;
	m->kind = pii_card_prefix(d, nd) && pii_luhn(d, nd) ?
	    PII_BANK_NUMBER : PII_KEEP;
	return (1);
}

/* ---- IBAN ---------------------------------------------------------------- */

/* ISO 13616 mod 97 over the rearranged IBAN (country and check moved last). */
static int
pii_iban_valid(const char *s, size_t n)
{
	unsigned int	 r = 0;
	size_t		 i;
	int		 c;

	if (n < 15 || n > 34)
		return (0);
	for (i = 0; i < n; i++) {
		c = s[(i + 4) % n];
		if (pii_digit(c))
			r = (r * 10 + (unsigned int)(c - '0')) % 97;
		else if (pii_upper(c))
			r = (r * 100 + (unsigned int)(c - 'A' + 10)) % 97;
		else
			return (0);
	}
	return (r == 1);
}

static int
pii_iban_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	char	 s[35];
	size_t	 n = 0, j, k, group, ends[12], lens[12], nends = 0;
	int	 c;

	if (!pii_alpha(t->p[i]) || !pii_alpha(pii_at(t, i + 1)) ||
	    !pii_digit(pii_at(t, i + 2)) || !pii_digit(pii_at(t, i + 3)) ||
	    (i > 0 && pii_alnum(t->p[i - 1])))
		return (0);
	j = i;
	/*
	 * Either one unbroken run, or groups of four joined by single spaces
	 * with a shorter last group.  Every place a group ends is a candidate
	 * end; the longest that passes mod 97 wins (at most 9 groups).
	 */
	while (n < 34 && nends < 12) {
		group = 0;
		while (n < 34 && pii_alnum(c = pii_at(t, j))) {
			s[n++] = (char)(pii_alpha(c) && !pii_upper(c) ?
			    c - 'a' + 'A' : c);
			group++;
			j++;
		}
		if (pii_alnum(pii_at(t, j)))
			return (0);		/* longer than any IBAN */
		ends[nends] = j;
		lens[nends++] = n;
		if (group != 4 || pii_at(t, j) != ' ' ||
		    !pii_alnum(pii_at(t, j + 1)))
			break;
		j++;
	}
	for (k = nends; k-- > 0; ) {
		if (pii_iban_valid(s, lens[k]) &&
		    !pii_alnum(pii_at(t, ends[k]))) {
			m->off = 0;
			m->len = ends[k] - i;
			m->kind = PII_BANK_NUMBER;
			return (1);
		}
	}
	if (lens[nends - 1] < 15)
		return (0);
	m->off = 0;
	m->len = ends[nends - 1] - i;
	m->kind = PII_KEEP;
	return (1);
}

/* ---- phone number -------------------------------------------------------- */

/*
 * International: "+" and 8 to 15 digits in groups joined by single spaces,
 * hyphens or dots, a group possibly in parentheses ("+44 (0)20 7946 0958");
 * the longest such run of whole groups.
 */
static size_t
pii_phone_intl(const struct pii_text *t, size_t i)
{
	size_t	 j = i + 1, digits = 0, end = 0;
	int	 c, paren;

	if (!pii_digit(pii_at(t, j)) && pii_at(t, j) != '(')
		return (0);
	while (j - i < 32) {
		paren = 0;
		if (pii_at(t, j) == '(') {
			paren = 1;
			j++;
		}
		if (!pii_digit(pii_at(t, j)))
			break;
		while (pii_digit(pii_at(t, j)) && digits <= 15) {
			j++;
			digits++;
		}
		if (paren) {
			if (pii_at(t, j) != ')')
				break;
			j++;
			if (pii_digit(pii_at(t, j)))
				continue;	/* "(0)20" */
		}
		/* The longest run of whole groups that is a number wins. */
		if (digits >= 8 && digits <= 15 && pii_digits_end(t, j))
			end = j;
		c = pii_at(t, j);
		if (c == ' ' || c == '-' || c == '.') {
			if (pii_at(t, j + 1) == '(' ||
			    pii_digit(pii_at(t, j + 1))) {
				j++;
				continue;
			}
		} else if (pii_at(t, j) == '(')
			continue;
		break;
	}
	return (end == 0 ? 0 : end - i);
}

/*
 * North American: "(415) 555-2671", "415-555-2671", "415.555.2671",
 * "415 555 2671", optionally after "1-" or "1 ".
 */
static size_t
pii_phone_nanp(const struct pii_text *t, size_t i)
{
	char	 d[12];
	size_t	 groups[4], nd, ng, j = i, end;
	int	 c;

	if (pii_at(t, j) == '1' && ((c = pii_at(t, j + 1)) == '-' ||
	    c == ' ' || c == '.') && (pii_digit(pii_at(t, j + 2)) ||
	    pii_at(t, j + 2) == '('))
		j += 2;
	if (pii_at(t, j) == '(') {
		if (!pii_digit(pii_at(t, j + 1)) ||
		    !pii_digit(pii_at(t, j + 2)) ||
		    !pii_digit(pii_at(t, j + 3)) || pii_at(t, j + 4) != ')')
			return (0);
		j += 5;
		if (pii_at(t, j) == ' ')
			j++;
		end = pii_digit_groups(t, j, "-. ", d, 7, &nd, groups, 2, &ng);
		if (end == 0 || ng != 2 || groups[0] != 3 || groups[1] != 4)
			return (0);
	} else {
		end = pii_digit_groups(t, j, "-. ", d, 10, &nd, groups, 3,
		    &ng);
		if (end == 0 || ng != 3 || groups[0] != 3 || groups[1] != 3 ||
		    groups[2] != 4)
			return (0);
	}
	if (!pii_digits_end(t, end))
		return (0);
	return (end - i);
}

/*
 * National with a trunk 0: "020 7946 0958", "06 12 34 56 78",
 * "0176-1234-5678": 10 to 12 digits in two or more groups.
 */
static size_t
pii_phone_national(const struct pii_text *t, size_t i)
{
	char	 d[13];
	size_t	 groups[8], nd, ng, end;

	if (pii_at(t, i) != '0' || pii_at(t, i + 1) == '0')
		return (0);
	end = pii_digit_groups(t, i, "- .", d, 12, &nd, groups, 6, &ng);
	if (end == 0 || nd < 10 || ng < 2 || groups[0] < 2 || groups[0] > 5 ||
	    !pii_digits_end(t, end))
		return (0);
	return (end - i);
}

static int
pii_phone_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	size_t	 n = 0;
	int	 c = t->p[i];

	if (c == '+') {
		if (i > 0 && (pii_alnum(t->p[i - 1]) || t->p[i - 1] == '+'))
			return (0);
		n = pii_phone_intl(t, i);
	} else if (c == '(' || pii_digit(c)) {
		if (!pii_digits_start(t, i) ||
		    (i > 0 && t->p[i - 1] == '('))
			return (0);
		if ((n = pii_phone_nanp(t, i)) == 0 && c != '(')
			n = pii_phone_national(t, i);
	}
	if (n == 0)
		return (0);
	m->off = 0;
	m->len = n;
	m->kind = PII_PHONE;
	return (1);
}

/* ---- bank routing and account numbers named as such ---------------------- */

/* ABA routing number: a Federal Reserve prefix and the 3-7-1 checksum. */
static int
pii_aba_valid(const char *d)
{
	int	 p = (d[0] - '0') * 10 + (d[1] - '0'), sum;

	if (!(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) ||
	    p == 80))
		return (0);
	sum = 3 * ((d[0] - '0') + (d[3] - '0') + (d[6] - '0')) +
	    7 * ((d[1] - '0') + (d[4] - '0') + (d[7] - '0')) +
	    ((d[2] - '0') + (d[5] - '0') + (d[8] - '0'));
	return (sum % 10 == 0);
}

/* Keywords that name the number after them, lower case. */
static const struct {
	const char	*word;
	size_t		 len;
	int		 routing;	/* 1: a 9-digit ABA number */
} pii_bank_words[] = {
	{ "routing", 7, 1 },
	{ "aba", 3, 1 },
	{ "rtn", 3, 1 },
	{ "account", 7, 0 },
	{ "acct", 4, 0 },
	{ "a/c", 3, 0 },
	{ "iban", 4, 0 },
};

/* Words allowed between the keyword and the number ("account no. is"). */
static const char *const pii_bank_fillers[] = {
	"number", "numbers", "no", "nr", "num", "is", "was", "transit", "#"
};

static int
pii_word_is(const struct pii_text *t, size_t i, size_t n, const char *w)
{
	size_t	 k;

	for (k = 0; k < n; k++)
		if (w[k] == '\0' || pii_lower(t->p[i + k]) != w[k])
			return (0);
	return (w[n] == '\0');
}

static int
pii_bank_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	char	 d[18];
	size_t	 j, k, w, n, nd, ng, groups[6], end, start;
	int	 routing = -1, filler, c;

	c = pii_lower(t->p[i]);
	if ((c != 'r' && c != 'a' && c != 'i') ||
	    (i > 0 && pii_alnum(t->p[i - 1])))
		return (0);
	for (w = 0; w < PII_NELEM(pii_bank_words); w++) {
		n = pii_bank_words[w].len;
		if (i + n <= t->len && pii_word_is(t, i, n,
		    pii_bank_words[w].word) && !pii_alnum(pii_at(t, i + n))) {
			routing = pii_bank_words[w].routing;
			break;
		}
	}
	if (routing == -1)
		return (0);
	/* Up to three filler words and punctuation, on one line. */
	j = i + n;
	for (k = 0; k < 8 && j - i < 48; k++) {
		while ((c = pii_at(t, j)) == ' ' || c == ':' || c == '#' ||
		    c == '.' || c == '=' || c == '-' || c == '(' || c == ')')
			j++;
		if (pii_digit(pii_at(t, j)))
			break;
		start = j;
		while (pii_alpha(pii_at(t, j)))
			j++;
		if (j == start)
			return (0);
		filler = 0;
		for (w = 0; w < PII_NELEM(pii_bank_fillers); w++)
			if (pii_word_is(t, start, j - start,
			    pii_bank_fillers[w]))
				filler = 1;
		if (!filler)
			return (0);
	}
	if (!pii_digit(pii_at(t, j)) || !pii_digits_start(t, j))
		return (0);
	end = pii_digit_groups(t, j, "- ", d, 17, &nd, groups, 6, &ng);
	if (end == 0 || !pii_digits_end(t, end))
		return (0);
	if (routing ? (nd != 9 || ng != 1 || !pii_aba_valid(d)) :
	    (nd < 4 || nd > 17))
		return (0);
	m->off = j - i;
	m->len = end - j;
	m->kind = PII_BANK_NUMBER;
	return (1);
}

/* ---- street address line ------------------------------------------------- */

static const char *const pii_street_types[] = {
	"street", "st", "avenue", "ave", "av", "road", "rd", "boulevard",
	"blvd", "lane", "ln", "drive", "dr", "court", "ct", "place", "pl",
	"way", "terrace", "ter", "parkway", "pkwy", "circle", "cir",
	"highway", "hwy", "square", "sq", "trail", "trl", "alley", "aly",
	"crescent", "cres", "close", "row", "plaza", "plz", "expressway",
	"expy", "freeway", "fwy", "pike", "loop", "walk", "mews", "grove",
};

static const char *const pii_directions[] = {
	"n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east",
	"west", "northeast", "northwest", "southeast", "southwest",
};

static int
pii_word_in(const struct pii_text *t, size_t i, size_t n,
    const char *const *list, size_t count)
{
	size_t	 k;

	for (k = 0; k < count; k++)
		if (pii_word_is(t, i, n, list[k]))
			return (1);
	return (0);
}

/*
 * A word of a street name at i: capitalised letters ("Elm", "O'Neil",
 * "St.") or an ordinal ("5th", "42nd").  Returns its length, 0 if none.
 */
static size_t
pii_street_word(const struct pii_text *t, size_t i)
{
	size_t	 j = i;
	int	 c;

	if (pii_upper(pii_at(t, j))) {
		j++;
		while (j - i < 24 && (pii_alpha(c = pii_at(t, j)) ||
		    ((c == '\'' || c == '-') && pii_alpha(pii_at(t, j + 1)))))
			j++;
		return (pii_alnum(pii_at(t, j)) ? 0 : j - i);
	}
	while (j - i < 5 && pii_digit(pii_at(t, j)))
		j++;
	if (j == i || j + 2 > t->len)
		return (0);
	if (pii_word_is(t, j, 2, "st") || pii_word_is(t, j, 2, "nd") ||
	    pii_word_is(t, j, 2, "rd") || pii_word_is(t, j, 2, "th")) {
		j += 2;
		return (pii_alnum(pii_at(t, j)) ? 0 : j - i);
	}
	return (0);
}

/* The length of the alphabetic word at i. */
static size_t
pii_alpha_run(const struct pii_text *t, size_t i)
{
	size_t	 j = i;

	while (j - i < 24 && pii_alpha(pii_at(t, j)))
		j++;
	return (pii_alnum(pii_at(t, j)) ? 0 : j - i);
}

static int
pii_address_match(const struct pii_text *t, size_t i, struct pii_match *m)
{
	size_t	 j = i, k, n, best = 0, word;
	int	 words;

	if (!pii_digit(t->p[i]) || !pii_digits_start(t, i))
		return (0);
	while (j - i < 6 && pii_digit(pii_at(t, j)))
		j++;
	if (pii_upper(pii_at(t, j)) && pii_at(t, j + 1) == ' ')
		j++;				/* "221B Baker Street" */
	if (pii_at(t, j) != ' ')
		return (0);
	j++;
	for (words = 0; words < 5; words++) {
		/* Is the word at j a street type ending the line? */
		n = pii_alpha_run(t, j);
		if (words > 0 && n > 0 && (pii_upper(t->p[j])) &&
		    pii_word_in(t, j, n, pii_street_types,
		    PII_NELEM(pii_street_types))) {
			k = j + n;
			if (pii_at(t, k) == '.')
				k++;
			/* An optional direction: "NW", "North". */
			if (pii_at(t, k) == ' ' &&
			    pii_upper(pii_at(t, k + 1)) &&
			    (word = pii_alpha_run(t, k + 1)) > 0 &&
			    pii_word_in(t, k + 1, word, pii_directions,
			    PII_NELEM(pii_directions))) {
				k += 1 + word;
				if (pii_at(t, k) == '.' && word <= 2)
					k++;
			}
			if (!pii_alnum(pii_at(t, k)))
				best = k;
		}
		if (words == 4 || (word = pii_street_word(t, j)) == 0)
			break;
		j += word;
		if (pii_at(t, j) == '.')
			j++;
		if (pii_at(t, j) != ' ')
			break;
		j++;
	}
	if (best == 0)
		return (0);
	/* A trailing abbreviation's dot may end the sentence: keep it. */
	m->off = 0;
	m->len = best - i;
	m->kind = PII_ADDRESS;
	return (1);
}

/* ---- the scan ------------------------------------------------------------ */

typedef int (*pii_matcher)(const struct pii_text *, size_t,
    struct pii_match *);

/* Tried in this order at every start; the first match wins. */
static const pii_matcher pii_matchers[] = {
	pii_email_match,
	pii_bank_match,
	pii_iban_match,
	pii_ssn_match,
	pii_card_match,
	pii_phone_match,
	pii_address_match,
};

size_t
pii_scrub_text(const char *text, size_t len, struct buf *out,
    struct pii_counts *counts)
{
	struct pii_text	 t = { (const unsigned char *)text, len };
	struct pii_match m;
	size_t		 i = 0, copied = 0, found = 0, k;
	int		 c;

	while (i < len) {
		c = t.p[i];
		/*
		 * Only an ASCII letter, digit or one of "+(._%-" can start a
		 * match, and never inside a word: every matcher needs a
		 * non-alphanumeric byte before its start.
		 */
		if ((!pii_alnum(c) && c != '+' && c != '(' && c != '.' &&
		    c != '_' && c != '%' && c != '-') ||
		    (i > 0 && pii_alnum(t.p[i - 1]))) {
			i++;
			continue;
		}
		memset(&m, 0, sizeof(m));
		for (k = 0; k < PII_NELEM(pii_matchers);
		    k++)
			if (pii_matchers[k](&t, i, &m) && m.len > 0)
				break;
		if (m.len == 0) {
			i++;
			continue;
		}
		if (m.kind == PII_KEEP) {
			i += m.off + m.len;
			continue;
		}
		buf_add(out, text + copied, i + m.off - copied);
		buf_add_str(out, pii_kinds[m.kind].tag);
		if (counts != NULL)
			counts->n[m.kind]++;
		found++;
		i += m.off + m.len;
		copied = i;
	}
	buf_add(out, text + copied, len - copied);
	return (found);
}

/* ---- a chat body --------------------------------------------------------- */

/* Redact one string value in place; the number of matches. */
static size_t
pii_scrub_value(struct json_value *v, struct pii_counts *counts)
{
	struct buf	 b;
	char		*s;
	size_t		 n, len;

	if (v == NULL || v->type != JSON_STRING || v->len == 0)
		return (0);
	buf_init(&b);
	if ((n = pii_scrub_text(v->s, v->len, &b, counts)) == 0) {
		buf_clear(&b, 1);
		return (0);
	}
	explicit_bzero(v->s, v->len);
	s = (char *)buf_detach(&b, &len);
	json_string_replace(v, s, len);
	return (n);
}

size_t
pii_scrub_chat(struct json_value *body, struct pii_counts *counts)
{
	struct json_value	*msgs, *msg, *content, *part, *calls, *fn;
	size_t			 i, j, n = 0;
	const char		*type;

	if ((msgs = json_get(body, "messages")) == NULL ||
	    msgs->type != JSON_ARRAY)
		return (0);
	for (i = 0; i < msgs->n; i++) {
		msg = msgs->items[i];
		if ((content = json_get(msg, "content")) != NULL) {
			if (content->type == JSON_STRING)
				n += pii_scrub_value(content, counts);
			else if (content->type == JSON_ARRAY) {
				for (j = 0; j < content->n; j++) {
					part = content->items[j];
					type = json_get_str(part, "type");
					if (type != NULL &&
					    strcmp(type, "text") == 0)
						n += pii_scrub_value(
						    json_get(part, "text"),
						    counts);
				}
			}
		}
		if ((calls = json_get(msg, "tool_calls")) == NULL ||
		    calls->type != JSON_ARRAY)
			continue;
		for (j = 0; j < calls->n; j++) {
			fn = json_get(calls->items[j], "function");
			n += pii_scrub_value(json_get(fn, "arguments"), counts);
		}
	}
	return (n);
}

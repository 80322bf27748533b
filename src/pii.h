/*
 * pii.h: opt-in redaction of personal data from the text an agent sends,
 * before the request is hashed and sealed (og-veil(1) --pii-scrub).
 * Pattern and checksum matches only: email addresses, phone numbers, US
 * SSNs, payment cards (Luhn), IBANs (mod 97), US routing (ABA checksum) and
 * account numbers named as such, and street-address lines.  Names, cities,
 * countries and dates are never touched.  Every matcher looks ahead a
 * bounded number of bytes from a bounded set of starts, so the work is
 * linear in the text.  A leaf module: no logging.
 */
#ifndef PII_H
#define PII_H

#include <stddef.h>

struct buf;
struct json_value;

/* What a match is redacted as; the tags are in pii.c's table. */
enum pii_kind {
	PII_EMAIL,
	PII_PHONE,
	PII_SSN,
	PII_BANK_NUMBER,	/* card, IBAN, routing or account number */
	PII_ADDRESS,
	PII_NKINDS
};

struct pii_counts {
	unsigned int	 n[PII_NKINDS];
};

/* "email", "phone", ...: the name counts are reported under. */
const char	*pii_kind_name(enum pii_kind);
/* "[REDACTED_EMAIL]", ...: what a match becomes. */
const char	*pii_kind_tag(enum pii_kind);

/*
 * Append text (len bytes, UTF-8 or not) to out with every match replaced by
 * its tag; add the matches to counts (may be NULL).  Returns the number of
 * matches.
 */
size_t		 pii_scrub_text(const char *, size_t, struct buf *,
		    struct pii_counts *);

/*
 * Redact, in place, every text of a Chat Completions shaped body: message
 * content strings, "text" parts of content arrays (other parts, such as
 * images and files, are left alone) and assistant tool-call arguments.
 * Returns the number of matches, added to counts.
 */
size_t		 pii_scrub_chat(struct json_value *, struct pii_counts *);

/* Total of all kinds. */
unsigned int	 pii_counts_total(const struct pii_counts *);

#endif /* PII_H */

/*
 * fuzz-pii.c: the PII matchers over untrusted text (pii.h).  Properties:
 * nothing is read out of bounds (ASan), a text without matches comes back
 * byte for byte, every match leaves exactly one tag, the text around the
 * tags is the input's, and a chat body built from the text is redacted
 * the same way inside JSON.
 */
#include "compat.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pii.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Occurrences of every kind's tag in p[0, len). */
static size_t
fuzz_pii_tags(const uint8_t *p, size_t len)
{
	size_t	 n = 0, i, k, tl;

	for (i = 0; i < len; i++)
		for (k = 0; k < PII_NKINDS; k++) {
			tl = strlen(pii_kind_tag((enum pii_kind)k));
			if (len - i >= tl && memcmp(p + i,
			    pii_kind_tag((enum pii_kind)k), tl) == 0)
				n++;
		}
	return (n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf		 out;
	struct pii_counts	 c;
	struct json_value	*body, *msgs, *msg;
	size_t			 n, n2;

	memset(&c, 0, sizeof(c));
	buf_init(&out);
	n = pii_scrub_text((const char *)data, size, &out, &c);
	if (pii_counts_total(&c) != n)
		abort();
	if (n == 0 && (out.len != size || (size > 0 &&
	    memcmp(out.data, data, size) != 0)))
		abort();
	if (fuzz_pii_tags(out.data, out.len) !=
	    n + fuzz_pii_tags(data, size))
		abort();
	/* The same text as a message's content, redacted inside the tree. */
	body = json_new_object();
	msgs = json_new_array();
	msg = json_new_object();
	json_object_set(msg, "role", json_new_string("user"));
	json_object_set(msg, "content",
	    json_new_stringn((const char *)data, size));
	json_array_add(msgs, msg);
	json_object_set(body, "messages", msgs);
	n2 = pii_scrub_chat(body, NULL);
	if (n2 != (size == 0 ? 0 : n))
		abort();
	msg = json_index(json_get(body, "messages"), 0);
	if (json_get(msg, "content")->len != (n2 == 0 ? size : out.len) ||
	    (n2 > 0 && memcmp(json_get(msg, "content")->s, out.data,
	    out.len) != 0))
		abort();
	json_free(body);
	buf_clear(&out, 0);
	return (0);
}

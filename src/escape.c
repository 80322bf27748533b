/*
 * escape.c: control characters out of text that reaches a log line or a
 * terminal.  A relay, registry or model chooses some of the text og-veil
 * prints: a CR LF in a registry endpoint would forge a log line, an ESC or
 * OSC sequence in model output would drive the user's terminal.  UTF-8 is
 * decoded only to find C1 controls and ill-formed bytes; valid text is
 * copied unchanged.
 */
#include "compat.h"

#include <stdint.h>
#include <string.h>

#include "bytes.h"
#include "escape.h"

/*
 * The length of the well-formed UTF-8 sequence at p (at most len bytes),
 * or 0 when it is ill-formed (RFC 3629: no overlongs, no surrogates, at
 * most U+10FFFF).
 */
static size_t
escape_utf8_len(const uint8_t *p, size_t len)
{
	uint8_t	 lo = 0x80, hi = 0xbf;
	size_t	 n, i;

	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (len < n || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
	return (n);
}

/* Bytes at p that pass unchanged: 0 when p[0] must be escaped. */
static size_t
escape_span(const uint8_t *p, size_t len, int flags)
{
	size_t	n;

	if (p[0] < 0x80) {
		if (p[0] >= 0x20 && p[0] != 0x7f)
			return (1);
		if ((flags & ESCAPE_KEEP_NL) && (p[0] == '\n' || p[0] == '\t'))
			return (1);
		return (0);
	}
	if ((n = escape_utf8_len(p, len)) == 0)
		return (0);
	/* C1 controls: U+0080-U+009F, 0xc2 0x80-0x9f. */
	if (n == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
		return (0);
	return (n);
}

void
escape_ctl(struct buf *b, const void *v, size_t len, int flags)
{
	static const char	 hexd[] = "0123456789abcdef";
	const uint8_t		*p = v;
	size_t			 i = 0, start, n;
	char			 e[4];

	while (i < len) {
		start = i;
		while (i < len && (n = escape_span(p + i, len - i,
		    flags)) > 0)
			i += n;
		if (i > start)
			buf_add(b, p + start, i - start);
		if (i >= len)
			break;
		/* One escaped byte; a C1 control escapes both of its bytes. */
		n = p[i] == 0xc2 && i + 1 < len && p[i + 1] >= 0x80 &&
		    p[i + 1] <= 0x9f ? 2 : 1;
		while (n-- > 0) {
			e[0] = '\\';
			e[1] = 'x';
			e[2] = hexd[p[i] >> 4];
			e[3] = hexd[p[i] & 15];
			buf_add(b, e, sizeof(e));
			i++;
		}
	}
}

int
escape_is_clean(const void *v, size_t len, int flags)
{
	const uint8_t	*p = v;
	size_t		 i = 0, n;

	while (i < len) {
		if ((n = escape_span(p + i, len - i, flags)) == 0)
			return (0);
		i += n;
	}
	return (1);
}

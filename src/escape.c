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
#include "json.h"

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
	if ((n = json_utf8_decode(p, len, 0, NULL)) == 0)
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

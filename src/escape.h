/*
 * escape.h: make untrusted text safe to write to a log line or a terminal.
 * A leaf module: no logging.
 */
#ifndef ESCAPE_H
#define ESCAPE_H

#include <stddef.h>

struct buf;

/* Keep newline and tab as they are (text for a terminal, not a log line). */
#define ESCAPE_KEEP_NL		0x01

/*
 * Append len bytes of p to b with every C0 control character, DEL, C1
 * control (U+0080-U+009F) and byte that is not part of well-formed UTF-8
 * written as \xNN, so no byte can end a line, move the cursor or start a
 * terminal escape sequence.  Everything else is copied unchanged.
 */
void	escape_ctl(struct buf *, const void *, size_t, int);
/* 1 when escape_ctl() would change nothing. */
int	escape_is_clean(const void *, size_t, int);

#endif /* ESCAPE_H */

/*
 * strlcpy.c: strlcpy(3) and strlcat(3) for a libc that lacks them.
 */
#include "../compat.h"

#include <string.h>

#ifndef HAVE_STRLCPY
/*
 * Copy src into dst of size dsize, always NUL-terminating; returns
 * strlen(src).
 */
size_t
strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t	len = strlen(src);

	if (dsize != 0) {
		size_t n = len >= dsize ? dsize - 1 : len;
		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}
#endif

#ifndef HAVE_STRLCAT
/* Append src to dst of size dsize; returns the length it tried to create. */
size_t
strlcat(char *dst, const char *src, size_t dsize)
{
	size_t	dlen = strnlen(dst, dsize);

	if (dlen == dsize)
		return (dsize + strlen(src));
	return (dlen + strlcpy(dst + dlen, src, dsize - dlen));
}
#endif

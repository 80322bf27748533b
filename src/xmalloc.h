/*
 * xmalloc.h: allocation that dies on out-of-memory.  Safe because every
 * untrusted size is bounded before it reaches an allocator.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

/* Each returns new memory the caller frees with free(3). */
void		*xmalloc(size_t);
void		*xcalloc(size_t, size_t);
void		*xreallocarray(void *, size_t, size_t);
void		*xrealloc(void *, size_t);
char		*xstrdup(const char *);
char		*xstrndup(const char *, size_t);
void		*xmemdup(const void *, size_t);
int		 xasprintf(char **, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
/* free(3) after OPENSSL_cleanse() of len bytes; NULL is a no-op. */
void		 xfree_secret(void *, size_t);

#endif /* XMALLOC_H */

/*
 * xmalloc.c: allocation wrappers that abort with a message on exhaustion.
 */
#include "compat.h"

#include <openssl/crypto.h>

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xmalloc.h"

static __dead void
xmalloc_die(const char *what, size_t n)
{
	fprintf(stderr, "og-veil: %s(%zu): out of memory\n", what, n);
	abort();
}

/* New memory of size bytes; the caller frees it. */
void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		xmalloc_die("xmalloc", size);
	return (p);
}

/* New zeroed memory for nmemb * size bytes; the caller frees it. */
void *
xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		xmalloc_die("xcalloc", nmemb * size);
	return (p);
}

/* Resize ptr to nmemb * size bytes, checking the product for overflow. */
void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (size != 0 && nmemb > SIZE_MAX / size)
		xmalloc_die("xreallocarray", SIZE_MAX);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		xmalloc_die("xreallocarray", nmemb * size);
	return (p);
}

/* Resize ptr to size bytes. */
void *
xrealloc(void *ptr, size_t size)
{
	return (xreallocarray(ptr, 1, size));
}

/* A copy of the string s; the caller frees it. */
char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

/* A NUL-terminated copy of at most n bytes of s; the caller frees it. */
char *
xstrndup(const char *s, size_t n)
{
	char	*p;

	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return (p);
}

/* A copy of len bytes at p, with a NUL after them; the caller frees it. */
void *
xmemdup(const void *p, size_t len)
{
	char	*q;

	q = xmalloc(len + 1);
	if (len != 0)
		memcpy(q, p, len);
	q[len] = '\0';
	return (q);
}

/* asprintf(3) that dies on failure; *ret is new and the caller frees it. */
int
xasprintf(char **ret, const char *fmt, ...)
{
	va_list	ap;
	int	i;

	va_start(ap, fmt);
	i = vasprintf(ret, fmt, ap);
	va_end(ap);
	if (i < 0 || *ret == NULL)
		xmalloc_die("xasprintf", 0);
	return (i);
}

/* Wipe then free a secret of len bytes. */
void
xfree_secret(void *p, size_t len)
{
	if (p == NULL)
		return;
	OPENSSL_cleanse(p, len);
	free(p);
}

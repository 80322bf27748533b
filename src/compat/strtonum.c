/*
 * strtonum.c: OpenBSD's strtonum(3) for a libc that lacks it.
 */
#include "../compat.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>

#ifndef HAVE_STRTONUM
/* Parse a decimal in [minval, maxval]; on failure return 0 and set *errstrp. */
long long
strtonum(const char *numstr, long long minval, long long maxval,
    const char **errstrp)
{
	long long	 ll;
	char		*ep;
	const char	*errstr = NULL;

	if (minval > maxval) {
		errstr = "invalid";
		ll = 0;
		goto out;
	}
	errno = 0;
	ll = strtoll(numstr, &ep, 10);
	if (numstr == ep || *ep != '\0') {
		errstr = "invalid";
		ll = 0;
	} else if ((ll == LLONG_MIN && errno == ERANGE) || ll < minval) {
		errstr = "too small";
		ll = 0;
	} else if ((ll == LLONG_MAX && errno == ERANGE) || ll > maxval) {
		errstr = "too large";
		ll = 0;
	}
out:
	if (errstrp != NULL)
		*errstrp = errstr;
	return (ll);
}
#endif

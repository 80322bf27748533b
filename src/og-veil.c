/*
 * og-veil.c: main(), global flags and usage().  (Placeholder until the
 * command table lands.)
 */
#include "compat.h"

#include <stdio.h>

int
main(void)
{
	printf("og-veil %s\n", PACKAGE_VERSION);
	return (0);
}

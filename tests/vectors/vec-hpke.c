/*
 * vec-hpke.c: hpke.json (stub until the module lands).
 */
#include "compat.h"

#include "vec.h"

/* Check every case of hpke.json. */
void
vec_hpke(const struct json_value *root, struct vec_report *r)
{
	(void)root;
	vec_fail(r, "(file)", "checker not implemented yet");
}

/*
 * vec-ohttp.c: ohttp.json (stub until the module lands).
 */
#include "compat.h"

#include "vec.h"

/* Check every case of ohttp.json. */
void
vec_ohttp(const struct json_value *root, struct vec_report *r)
{
	(void)root;
	vec_fail(r, "(file)", "checker not implemented yet");
}

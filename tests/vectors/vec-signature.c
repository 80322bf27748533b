/*
 * vec-signature.c: signature.json (stub until the module lands).
 */
#include "compat.h"

#include "vec.h"

/* Check every case of signature.json. */
void
vec_signature(const struct json_value *root, struct vec_report *r)
{
	(void)root;
	vec_fail(r, "(file)", "checker not implemented yet");
}

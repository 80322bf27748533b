/*
 * vec-canonical-request.c: canonical_request.json (stub until the module lands).
 */
#include "compat.h"

#include "vec.h"

/* Check every case of canonical_request.json. */
void
vec_canonical_request(const struct json_value *root, struct vec_report *r)
{
	(void)root;
	vec_fail(r, "(file)", "checker not implemented yet");
}

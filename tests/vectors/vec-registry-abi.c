/*
 * vec-registry-abi.c: registry_abi.json (stub until the module lands).
 */
#include "compat.h"

#include "vec.h"

/* Check every case of registry_abi.json. */
void
vec_registry_abi(const struct json_value *root, struct vec_report *r)
{
	(void)root;
	vec_fail(r, "(file)", "checker not implemented yet");
}

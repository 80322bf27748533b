/*
 * vec-sse-stream.c: sse_stream.json (stub until the module lands).
 */
#include "compat.h"

#include "vec.h"

/* Check every case of sse_stream.json. */
void
vec_sse_stream(const struct json_value *root, struct vec_report *r)
{
	(void)root;
	vec_fail(r, "(file)", "checker not implemented yet");
}

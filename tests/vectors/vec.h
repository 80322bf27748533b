/*
 * vec.h: the vector driver's interface.  One vec-<file>.c per vector file
 * of ../shared/vectors/README.md; each checks every case of a parsed file
 * and reports through vec_pass()/vec_fail().
 */
#ifndef VEC_H
#define VEC_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct vec_report {
	const char	*file;
	unsigned int	 passed;
	unsigned int	 failed;
};

void	vec_pass(struct vec_report *);
void	vec_fail(struct vec_report *, const char *, const char *, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
/* A case's "name" (or "#index" when it has none) into a static buffer. */
const char *vec_name(const struct json_value *, size_t);
/*
 * Decode a hex string member (0x optional) into new memory; -1 if
 * absent/bad.
 */
int	vec_hex(const struct json_value *, const char *, uint8_t **, size_t *);
/* 1 when member key of v is hex (0x optional) for exactly len bytes at p. */
int	vec_hex_eq(const struct json_value *, const char *, const void *,
	    size_t);
/* 1 when v is a JSON string equal to len bytes at p. */
int	vec_str_eq(const struct json_value *, const void *, size_t);

/* One per known file: check every case of the file's parsed root. */
void	vec_keccak(const struct json_value *, struct vec_report *);
void	vec_hpke(const struct json_value *, struct vec_report *);
void	vec_ohttp(const struct json_value *, struct vec_report *);
void	vec_canonical_json(const struct json_value *, struct vec_report *);
void	vec_canonical_request(const struct json_value *, struct vec_report *);
void	vec_signature(const struct json_value *, struct vec_report *);
void	vec_registry_abi(const struct json_value *, struct vec_report *);
void	vec_sse_stream(const struct json_value *, struct vec_report *);

#endif /* VEC_H */

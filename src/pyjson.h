/*
 * pyjson.h: byte-exact CPython json.dumps(v, sort_keys=True) of a json.h
 * tree (PROTOCOL.md §7), plus a compact UTF-8 writer for answers to agents.
 * A leaf.
 */
#ifndef PYJSON_H
#define PYJSON_H

#include <stddef.h>

#include "bytes.h"
#include "json.h"

#define PYJSON_SORT_KEYS	0x01	/* keys by code point (UTF-8 order) */
#define PYJSON_ENSURE_ASCII	0x02	/* non-ASCII and DEL as \uXXXX */
#define PYJSON_COMPACT		0x04	/* "," and ":", not ", " and ": " */
#define PYJSON_PYTHON		(PYJSON_SORT_KEYS | PYJSON_ENSURE_ASCII)

/* Append the serialisation of v under flags to out. */
void	 pyjson_write(struct buf *, const struct json_value *, int);
/* About how many bytes pyjson_write() appends for v: reserve it once. */
size_t	 pyjson_size_hint(const struct json_value *);
/* json.dumps(v, sort_keys=True): a new string the caller frees. */
char	*pyjson_dumps(const struct json_value *, size_t *);
/* Python's repr() of a double ("0.7", "1e-07", "Infinity"): out >= 32. */
void	 pyjson_float_repr(double, char *, size_t);
/* Append s as a JSON string literal under flags (quotes included). */
void	 pyjson_write_string(struct buf *, const char *, size_t, int);

#endif /* PYJSON_H */

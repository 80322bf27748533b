/*
 * json.h: a JSON value tree that keeps what CPython's json keeps (PROTOCOL.md
 * §7): integers and floats as their raw text, so nothing is lost; duplicate
 * keys resolved last-wins at parse time (order of first appearance kept);
 * strings as bytes.  Parsing uses yajl with size and depth limits.  A leaf.
 *
 * Strings are UTF-8, except that a lone UTF-16 surrogate written as a \u
 * escape is kept as its 3-byte generalised-UTF-8 form (ED A0..BF xx), so
 * pyjson_dumps() writes it back as Python does and json_has_lone_surrogate()
 * lets request validation refuse it.
 */
#ifndef JSON_H
#define JSON_H

#include <stddef.h>
#include <stdint.h>

enum json_type {
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_INT,		/* s/len: the integer's text as written */
	JSON_FLOAT,		/* s/len: the number's text as written */
	JSON_STRING,		/* s/len: decoded bytes (may hold NUL) */
	JSON_ARRAY,
	JSON_OBJECT
};

struct json_member {
	char			*key;	/* NUL-terminated; the object owns it */
	size_t			 keylen;
	struct json_value	*val;	/* owned */
};

/*
 * Where a value's parts live.  A parse puts the whole tree in one arena
 * whose header holds the root (JSON_F_ROOT): json_free() of the root frees
 * it at once, json_free() of a value inside frees only what was attached
 * to it later.  A constructed string keeps its bytes in the value's own
 * allocation (JSON_F_TEXT).  Only json.c reads or sets these flags.
 */
#define JSON_F_NODE	0x01	/* the value itself: in an arena */
#define JSON_F_TEXT	0x02	/* s: in an arena or the value's block */
#define JSON_F_ITEMS	0x04	/* items or members array: in an arena */
#define JSON_F_KEYS	0x08	/* every member's key: in an arena */

struct json_keys;		/* json.c: blocks of an object's keys */
#define JSON_F_ROOT	0x10	/* heads an arena: json_free() frees it */

struct json_value {
	enum json_type		 type;
	unsigned char		 flags;	/* JSON_F_*: json.c's business */
	char			*s;	/* owned: INT, FLOAT, STRING */
	size_t			 len;
	union {
		struct json_value	**items; /* owned: ARRAY */
		struct json_member	*members; /* owned: OBJECT */
	};
	struct json_keys	*keys;	/* owned: an OBJECT's key bytes */
	size_t			 n;	/* items or members */
	size_t			 cap;
};

/* Limits applied while parsing untrusted text. */
struct json_limits {
	size_t		 max_bytes;	/* 0: no limit */
	unsigned int	 max_depth;	/* 0: default 128 */
	size_t		 max_floats;	/* non-integer numbers; 0: no limit */
};

/* The *errstr of a parse past its memory limit (compare the pointer). */
extern const char	 json_err_mem[];
/* The *errstr of a parse past max_floats (compare the pointer). */
extern const char	 json_err_floats[];

/*
 * Parse len bytes of JSON text (exactly one value, whitespace around it
 * allowed).  Returns a new tree the caller frees with json_free(), or NULL
 * with *errstr set.  limits may be NULL.  Invalid UTF-8 is an error.
 */
struct json_value	*json_parse(const char *, size_t,
			    const struct json_limits *, const char **);
/*
 * The same under a memory limit: the parse stops with json_err_mem once
 * the tree would take more than max_mem bytes (0: no limit; allocator
 * overhead counted), and *mem (when not NULL) gets what it took.
 */
struct json_value	*json_parse_mem(const char *, size_t,
			    const struct json_limits *, size_t, size_t *,
			    const char **);
void			 json_free(struct json_value *);
/* Replace a STRING's bytes with s (len bytes, NUL-terminated; v owns s). */
void			 json_string_replace(struct json_value *, char *,
			    size_t);
/* A deep copy; the caller frees it. */
struct json_value	*json_dup(const struct json_value *);

/* Constructors: each returns a new value the caller (or a container) owns. */
struct json_value	*json_new_null(void);
struct json_value	*json_new_bool(int);
struct json_value	*json_new_string(const char *);
struct json_value	*json_new_stringn(const char *, size_t);
/* An integer or float from its JSON text (not checked). */
struct json_value	*json_new_number(enum json_type, const char *);
struct json_value	*json_new_int(long long);
struct json_value	*json_new_array(void);
struct json_value	*json_new_object(void);
/* Append v (ownership passes) to an array. */
void			 json_array_add(struct json_value *,
			    struct json_value *);
/* Set key to v (ownership passes), replacing an existing value in place. */
void			 json_object_set(struct json_value *, const char *,
			    struct json_value *);
/* Remove key if present. */
void			 json_object_del(struct json_value *, const char *);

/* Lookup: NULL when obj is not an object or has no such key. */
struct json_value	*json_get(const struct json_value *, const char *);
/* The string's bytes (NUL-terminated) or NULL when v is not a string. */
const char		*json_get_str(const struct json_value *, const char *);
/* Index into an array; NULL when out of range or not an array. */
struct json_value	*json_index(const struct json_value *, size_t);
int			 json_is(const struct json_value *, enum json_type);
/* Python truthiness: not null/false/0/0.0/""/[]/{}. */
int			 json_truthy(const struct json_value *);
/* An INT that fits: 0, else -1. */
int			 json_to_int64(const struct json_value *, int64_t *);
/* An INT or FLOAT as a double (strtod of the text; may be +-inf). */
int			 json_to_double(const struct json_value *, double *);
/*
 * 1 when a and b are the same JSON: objects compared as sets of keys,
 * arrays in order, INT with INT and FLOAT with FLOAT by value.
 */
int			 json_equal(const struct json_value *,
			    const struct json_value *);
/* The value of 4 hex digits at p (4 bytes readable), or -1. */
long			 json_hex4(const unsigned char *);
/*
 * One UTF-8 sequence at p of at most len bytes: its length and code point
 * (cp may be NULL), 0 when invalid; surrogates non-zero also accepts a
 * lone surrogate's generalised form.
 */
size_t			 json_utf8_decode(const void *, size_t, int,
			    uint32_t *);
/* 1 when any string or key in the tree holds a lone surrogate. */
int			 json_has_lone_surrogate(const struct json_value *);

#endif /* JSON_H */

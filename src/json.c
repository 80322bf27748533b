/*
 * json.c: JSON text to a json.h tree through yajl 2, with size and depth
 * limits, keeping what CPython's json.loads keeps (PROTOCOL.md §7): number
 * texts as written, duplicate keys last-wins in first position, and lone
 * UTF-16 surrogate escapes as their generalised-UTF-8 bytes.  Constructors,
 * lookups and Python truthiness for the request builders.
 */
#include "compat.h"

#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl_parse.h>

#include "bytes.h"
#include "json.h"
#include "xmalloc.h"

#define JSON_DEFAULT_DEPTH	128
/* What malloc adds to each allocation, as json_parse counts it. */
#define JSON_MALLOC_OVERHEAD	16
/* Arena blocks: the first sized from the text, then doubling to a cap. */
#define JSON_BLOCK_MIN		1024
#define JSON_BLOCK_FIRST_MAX	65536
#define JSON_BLOCK_MAX		262144
/* Open containers and pending members a parse keeps before the heap. */
#define JSON_PARSE_STACK	16
#define JSON_PARSE_PENDING	32
/* Objects up to this many members are deduplicated without sorting. */
#define JSON_DEDUP_SMALL	16

const char	json_err_mem[] = "the JSON needs too much memory once parsed";
const char	json_err_floats[] = "the JSON has too many non-integer numbers";

/*
 * An arena block; the bytes follow.  The first block also holds the
 * struct json_arena, whose ja_root is the parsed tree's root.
 */
struct json_block {
	struct json_block	*next;
	size_t			 size;		/* bytes after the header */
};

/* A parse's memory: freed at once by json_free() of ja_root. */
struct json_arena {
	struct json_value	 ja_root;	/* first: the tree's root */
	struct json_block	*ja_blocks;	/* owned; the first holds ja */
	char			*ja_next;	/* free bytes: the last block */
	size_t			 ja_left;
	size_t			 ja_size;	/* the next block's size */
};

/* An open container and where its pending members start. */
struct json_open {
	struct json_value	*v;		/* in the arena */
	size_t			 base;		/* index into jp->pend */
};

/*
 * The parse in progress: what yajl's callbacks build.  A container's
 * members (or items, in .val) wait on pend until it closes, then move to
 * an array of exactly their number in the arena.
 */
struct json_parser {
	struct json_arena	*arena;		/* owned until returned */
	struct json_value	*root;		/* &arena->ja_root once set */
	struct json_open	*stack;		/* open containers */
	size_t			 depth;
	size_t			 stackcap;
	struct json_member	*pend;		/* pending members */
	size_t			 npend;
	size_t			 pendcap;
	unsigned int		 max_depth;
	size_t			 mem;		/* bytes the tree takes */
	size_t			 max_mem;	/* 0: no limit */
	size_t			 nfloats;
	size_t			 max_floats;	/* 0: no limit */
	const char		*errstr;
	struct json_open	 stack0[JSON_PARSE_STACK];
	struct json_member	 pend0[JSON_PARSE_PENDING];
};

/* A member's place for duplicate resolution. */
struct json_slot {
	const struct json_member	*m;
	size_t				 pos;
};

static struct json_value *
json_new(enum json_type type)
{
	struct json_value	*v;

	v = xcalloc(1, sizeof(*v));
	v->type = type;
	return (v);
}

/* A new null. */
struct json_value *
json_new_null(void)
{
	return (json_new(JSON_NULL));
}

/* A new true (non-zero) or false. */
struct json_value *
json_new_bool(int b)
{
	return (json_new(b ? JSON_TRUE : JSON_FALSE));
}

/* A new string of len bytes copied from s, in one allocation. */
struct json_value *
json_new_stringn(const char *s, size_t len)
{
	struct json_value	*v;

	if (len > SIZE_MAX - sizeof(*v) - 1)
		abort();
	v = xmalloc(sizeof(*v) + len + 1);
	memset(v, 0, sizeof(*v));
	v->type = JSON_STRING;
	v->flags = JSON_F_TEXT;
	v->s = (char *)(v + 1);
	if (len > 0)
		memcpy(v->s, s, len);
	v->s[len] = '\0';
	v->len = len;
	return (v);
}

/* A new string copied from the NUL-terminated s. */
struct json_value *
json_new_string(const char *s)
{
	return (json_new_stringn(s, strlen(s)));
}

/* A new INT or FLOAT holding the number text s. */
struct json_value *
json_new_number(enum json_type type, const char *s)
{
	struct json_value	*v;

	v = json_new_stringn(s, strlen(s));
	v->type = type == JSON_FLOAT ? JSON_FLOAT : JSON_INT;
	return (v);
}

/* A new INT of value n. */
struct json_value *
json_new_int(long long n)
{
	char	b[32];
	int	l;

	l = snprintf(b, sizeof(b), "%lld", n);
	return (json_new_number(JSON_INT, l > 0 ? b : "0"));
}

/* A new empty array. */
struct json_value *
json_new_array(void)
{
	return (json_new(JSON_ARRAY));
}

/* A new empty object. */
struct json_value *
json_new_object(void)
{
	return (json_new(JSON_OBJECT));
}

/*
 * Make room for one more item or member.  A parsed container's array is in
 * its arena, exactly full: it moves to the heap.
 */
static void
json_grow(struct json_value *c)
{
	struct json_value	**items;
	struct json_member	 *members;
	size_t			  ncap;

	if (c->n < c->cap)
		return;
	ncap = c->cap == 0 ? 4 : c->cap * 2;
	if (c->type == JSON_ARRAY) {
		items = (c->flags & JSON_F_ITEMS) ? NULL : c->items;
		items = xreallocarray(items, ncap, sizeof(*items));
		if ((c->flags & JSON_F_ITEMS) && c->n > 0)
			memcpy(items, c->items, c->n * sizeof(*items));
		c->items = items;
	} else {
		members = (c->flags & JSON_F_ITEMS) ? NULL : c->members;
		members = xreallocarray(members, ncap, sizeof(*members));
		if ((c->flags & JSON_F_ITEMS) && c->n > 0)
			memcpy(members, c->members, c->n * sizeof(*members));
		c->members = members;
	}
	c->flags &= ~JSON_F_ITEMS;
	c->cap = ncap;
}

/*
 * A block of an object's key bytes: keys are appended, never freed one by
 * one (a removed key's bytes stay until the object goes), so an object
 * built key by key takes a few allocations, not one a key.
 */
struct json_keys {
	struct json_keys	*next;
	size_t			 used;
	size_t			 size;
	/* then size bytes */
};
#define JSON_KEYS_FIRST		64

/* A NUL-terminated copy of the key of len bytes at k, in obj's blocks. */
static char *
json_key_dup(struct json_value *obj, const char *k, size_t len)
{
	struct json_keys	*kb = obj->keys;
	size_t			 size;
	char			*p;

	if (len > SIZE_MAX / 2 - sizeof(*kb))
		abort();
	if (kb == NULL || kb->size - kb->used < len + 1) {
		size = kb == NULL ? JSON_KEYS_FIRST : kb->size * 2;
		if (size < len + 1)
			size = len + 1;
		kb = xmalloc(sizeof(*kb) + size);
		kb->next = obj->keys;
		kb->used = 0;
		kb->size = size;
		obj->keys = kb;
	}
	p = (char *)(kb + 1) + kb->used;
	kb->used += len + 1;
	if (len > 0)
		memcpy(p, k, len);
	p[len] = '\0';
	return (p);
}

/* Free an object's key blocks. */
static void
json_keys_free(struct json_keys *kb)
{
	struct json_keys	*next;

	for (; kb != NULL; kb = next) {
		next = kb->next;
		free(kb);
	}
}

/* Give a parsed object's keys (in its arena) copies in its own blocks. */
static void
json_own_keys(struct json_value *obj)
{
	struct json_member	*m;
	size_t			 i;

	if (!(obj->flags & JSON_F_KEYS))
		return;
	for (i = 0; i < obj->n; i++) {
		m = &obj->members[i];
		m->key = json_key_dup(obj, m->key, m->keylen);
	}
	obj->flags &= ~JSON_F_KEYS;
}

/* Append v to the array a; a owns v from now on. */
void
json_array_add(struct json_value *a, struct json_value *v)
{
	if (a == NULL || a->type != JSON_ARRAY) {
		json_free(v);
		return;
	}
	json_grow(a);
	a->items[a->n++] = v;
}

static struct json_member *
json_find(const struct json_value *obj, const char *key, size_t keylen)
{
	size_t	i;

	if (obj == NULL || obj->type != JSON_OBJECT)
		return (NULL);
	for (i = 0; i < obj->n; i++) {
		if (obj->members[i].keylen == keylen &&
		    memcmp(obj->members[i].key, key, keylen) == 0)
			return (&obj->members[i]);
	}
	return (NULL);
}

/* Append a member without looking for an existing key. */
static void
json_object_append(struct json_value *obj, const char *key, size_t keylen,
    struct json_value *v)
{
	struct json_member	*m;

	json_own_keys(obj);
	json_grow(obj);
	m = &obj->members[obj->n++];
	m->key = json_key_dup(obj, key, keylen);
	m->keylen = keylen;
	m->val = v;
}

/* Set key to v (ownership passes); an existing key keeps its position. */
void
json_object_set(struct json_value *obj, const char *key, struct json_value *v)
{
	struct json_member	*m;
	size_t			 keylen = strlen(key);

	if (obj == NULL || obj->type != JSON_OBJECT) {
		json_free(v);
		return;
	}
	if ((m = json_find(obj, key, keylen)) != NULL) {
		json_free(m->val);
		m->val = v;
		return;
	}
	json_object_append(obj, key, keylen, v);
}

/* Remove key (and free its value) when present. */
void
json_object_del(struct json_value *obj, const char *key)
{
	struct json_member	*m;
	size_t			 i;

	if ((m = json_find(obj, key, strlen(key))) == NULL)
		return;
	i = (size_t)(m - obj->members);
	json_free(m->val);	/* the key's bytes stay in obj's blocks */
	memmove(&obj->members[i], &obj->members[i + 1],
	    (obj->n - i - 1) * sizeof(*obj->members));
	obj->n--;
}

/* The value of key in obj, or NULL. */
struct json_value *
json_get(const struct json_value *obj, const char *key)
{
	struct json_member	*m;

	if ((m = json_find(obj, key, strlen(key))) == NULL)
		return (NULL);
	return (m->val);
}

/* The bytes of the string at key, or NULL when absent or not a string. */
const char *
json_get_str(const struct json_value *obj, const char *key)
{
	const struct json_value	*v;

	if ((v = json_get(obj, key)) == NULL || v->type != JSON_STRING)
		return (NULL);
	return (v->s);
}

/* Item i of an array, or NULL. */
struct json_value *
json_index(const struct json_value *a, size_t i)
{
	if (a == NULL || a->type != JSON_ARRAY || i >= a->n)
		return (NULL);
	return (a->items[i]);
}

/* 1 when v is non-NULL and of type t. */
int
json_is(const struct json_value *v, enum json_type t)
{
	return (v != NULL && v->type == t);
}

/* Free an arena's blocks, the one holding ja itself last. */
static void
json_arena_free(struct json_arena *ja)
{
	struct json_block	*b, *next, *first = ja->ja_blocks;

	for (b = first->next; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(first);
}

/* The arena whose header holds root (a JSON_F_ROOT value). */
static struct json_arena *
json_arena_of(struct json_value *root)
{
	return ((struct json_arena *)(void *)((char *)root -
	    offsetof(struct json_arena, ja_root)));
}

/*
 * Free a tree without recursion: a work list of values still to free, so a
 * deep tree built by hand cannot exhaust the C stack.  What lives in an
 * arena goes with the arena's root: a parsed tree's values are walked only
 * for what was attached to them after the parse.
 */
void
json_free(struct json_value *v)
{
	struct json_value	 *stack[64], **todo = stack, **t;
	struct json_value	 *top = v;
	size_t			  n = 0, cap = 64, i;
	int			  root;

	if (v == NULL)
		return;
	root = (v->flags & JSON_F_ROOT) != 0;
	todo[n++] = v;
	while (n > 0) {
		v = todo[--n];
		if ((v->flags & JSON_F_ROOT) && v != top) {
			json_free(v);	/* another parse's tree, moved in */
			continue;
		}
		if (v->type == JSON_ARRAY || v->type == JSON_OBJECT) {
			if (cap - n < v->n) {
				while (cap - n < v->n)
					cap *= 2;
				t = xreallocarray(todo == stack ? NULL : todo,
				    cap, sizeof(*todo));
				if (todo == stack)
					memcpy(t, stack, n * sizeof(*todo));
				todo = t;
			}
			for (i = 0; i < v->n; i++) {
				if (v->type == JSON_ARRAY) {
					if (v->items[i] != NULL)
						todo[n++] = v->items[i];
				} else {
					if (v->members[i].val != NULL)
						todo[n++] = v->members[i].val;
				}
			}
		}
		if (v->type == JSON_OBJECT)
			json_keys_free(v->keys);
		if (!(v->flags & JSON_F_ITEMS) &&
		    (v->type == JSON_ARRAY || v->type == JSON_OBJECT))
			free(v->items);		/* or members: one union */
		if (!(v->flags & JSON_F_TEXT))
			free(v->s);
		if (!(v->flags & (JSON_F_NODE | JSON_F_ROOT)))
			free(v);
	}
	if (todo != stack)
		free(todo);
	if (root)
		json_arena_free(json_arena_of(top));
}

/* Replace a STRING's bytes with s (len bytes, NUL-terminated; v owns s). */
void
json_string_replace(struct json_value *v, char *s, size_t len)
{
	if (!(v->flags & JSON_F_TEXT))
		free(v->s);
	v->s = s;
	v->len = len;
	v->flags &= ~JSON_F_TEXT;
}

/* Room for n items or members in the new, empty container c: one array. */
static void
json_reserve(struct json_value *c, size_t n)
{
	if (n == 0 || c->cap != 0)
		return;
	c->items = xreallocarray(NULL, n, c->type == JSON_ARRAY ?
	    sizeof(*c->items) : sizeof(*c->members));
	c->cap = n;
}

/* A deep copy (recursive: depth is bounded by the parser's limit). */
struct json_value *
json_dup(const struct json_value *v)
{
	struct json_value	*c;
	size_t			 i;

	if (v == NULL)
		return (NULL);
	switch (v->type) {
	case JSON_INT:
	case JSON_FLOAT:
	case JSON_STRING:
		c = json_new_stringn(v->s, v->len);
		c->type = v->type;
		return (c);
	case JSON_ARRAY:
		c = json_new_array();
		json_reserve(c, v->n);
		for (i = 0; i < v->n; i++)
			json_array_add(c, json_dup(v->items[i]));
		return (c);
	case JSON_OBJECT:
		c = json_new_object();
		json_reserve(c, v->n);
		for (i = 0; i < v->n; i++)
			json_object_append(c, v->members[i].key,
			    v->members[i].keylen, json_dup(v->members[i].val));
		return (c);
	default:
		return (json_new(v->type));
	}
}

/* 1 when the integer text is zero ("0", "-0", "000"). */
static int
json_int_is_zero(const char *s, size_t len)
{
	size_t	i = 0;

	if (i < len && (s[i] == '-' || s[i] == '+'))
		i++;
	for (; i < len; i++)
		if (s[i] != '0')
			return (0);
	return (1);
}

/* Python truthiness of a json.loads() value. */
int
json_truthy(const struct json_value *v)
{
	double	d;

	if (v == NULL)
		return (0);
	switch (v->type) {
	case JSON_NULL:
	case JSON_FALSE:
		return (0);
	case JSON_TRUE:
		return (1);
	case JSON_INT:
		return (!json_int_is_zero(v->s, v->len));
	case JSON_FLOAT:
		/* float("1e-400") is 0.0: underflow is falsy too. */
		d = strtod(v->s, NULL);
		return (d != 0.0);
	case JSON_STRING:
		return (v->len > 0);
	case JSON_ARRAY:
	case JSON_OBJECT:
		return (v->n > 0);
	}
	return (0);
}

/* An INT whose value fits int64_t into *out: 0, else -1. */
int
json_to_int64(const struct json_value *v, int64_t *out)
{
	long long	 n;
	char		*end;

	if (v == NULL || v->type != JSON_INT || v->len == 0)
		return (-1);
	errno = 0;
	n = strtoll(v->s, &end, 10);
	if (errno != 0 || end != v->s + v->len)
		return (-1);
	*out = (int64_t)n;
	return (0);
}

/* An INT or FLOAT as a double (overflow gives +-inf, as float() does). */
int
json_to_double(const struct json_value *v, double *out)
{
	char	*end;

	if (v == NULL || (v->type != JSON_INT && v->type != JSON_FLOAT) ||
	    v->len == 0)
		return (-1);
	*out = strtod(v->s, &end);
	if (end != v->s + v->len)
		return (-1);
	return (0);
}

/* 1 when the two INT texts are the same integer ("-0" is "0"). */
static int
json_int_equal(const struct json_value *a, const struct json_value *b)
{
	if (json_int_is_zero(a->s, a->len) && json_int_is_zero(b->s, b->len))
		return (1);
	return (a->len == b->len && memcmp(a->s, b->s, a->len) == 0);
}

/* The same JSON value (recursive: depth is bounded by the parser). */
int
json_equal(const struct json_value *a, const struct json_value *b)
{
	const struct json_member	*m;
	double				 x, y;
	size_t				 i;

	if (a == NULL || b == NULL)
		return (a == b);
	if (a->type != b->type)
		return (0);
	switch (a->type) {
	case JSON_INT:
		return (json_int_equal(a, b));
	case JSON_FLOAT:
		if (json_to_double(a, &x) == -1 || json_to_double(b, &y) == -1)
			return (0);
		return (x == y && signbit(x) == signbit(y));
	case JSON_STRING:
		return (a->len == b->len && memcmp(a->s, b->s, a->len) == 0);
	case JSON_ARRAY:
		if (a->n != b->n)
			return (0);
		for (i = 0; i < a->n; i++)
			if (!json_equal(a->items[i], b->items[i]))
				return (0);
		return (1);
	case JSON_OBJECT:
		if (a->n != b->n)
			return (0);
		for (i = 0; i < a->n; i++) {
			m = json_find(b, a->members[i].key,
			    a->members[i].keylen);
			if (m == NULL || !json_equal(a->members[i].val, m->val))
				return (0);
		}
		return (1);
	default:
		return (1);
	}
}

/* 1 when len bytes at s hold a surrogate's generalised-UTF-8 (ED A0..BF). */
static int
json_bytes_have_surrogate(const char *s, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i;

	for (i = 0; i + 1 < len; i++)
		if (p[i] == 0xed && p[i + 1] >= 0xa0 && p[i + 1] <= 0xbf)
			return (1);
	return (0);
}

/* 1 when any string or key in the tree holds a lone surrogate. */
int
json_has_lone_surrogate(const struct json_value *v)
{
	size_t	i;

	if (v == NULL)
		return (0);
	switch (v->type) {
	case JSON_STRING:
		return (json_bytes_have_surrogate(v->s, v->len));
	case JSON_ARRAY:
		for (i = 0; i < v->n; i++)
			if (json_has_lone_surrogate(v->items[i]))
				return (1);
		return (0);
	case JSON_OBJECT:
		for (i = 0; i < v->n; i++)
			if (json_bytes_have_surrogate(v->members[i].key,
			    v->members[i].keylen) ||
			    json_has_lone_surrogate(v->members[i].val))
				return (1);
		return (0);
	default:
		return (0);
	}
}

/*
 * Decode one UTF-8 sequence at p (at most left bytes): its length and,
 * when cp is not NULL, its code point; 0 when invalid.  Strict: no
 * overlongs, nothing above U+10FFFF, and no surrogates unless surrogates
 * is non-zero (json.h keeps a lone one as ED A0..BF xx).
 */
size_t
json_utf8_decode(const void *s, size_t left, int surrogates, uint32_t *cp)
{
	const unsigned char	*p = s;
	unsigned char		 lo = 0x80, hi = 0xbf;
	size_t			 n, i;
	uint32_t		 c;

	if (left == 0)
		return (0);
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		c = p[0] & 0x0f;
		if (p[0] == 0xe0)
			lo = 0xa0;
		else if (p[0] == 0xed && !surrogates)
			hi = 0x9f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		c = p[0] & 0x07;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;
	} else
		return (0);
	if (left < n || p[1] < lo || p[1] > hi)
		return (0);
	for (i = 1; i < n; i++) {
		if (p[i] < 0x80 || p[i] > 0xbf)
			return (0);
		c = (c << 6) | (p[i] & 0x3f);
	}
	if (cp != NULL)
		*cp = c;
	return (n);
}

/* The value of 4 hex digits at p (4 bytes readable), or -1. */
long
json_hex4(const unsigned char *p)
{
	long	v = 0;
	int	i, d;

	for (i = 0; i < 4; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return (-1);
		v = v * 16 + d;
	}
	return (v);
}

/*
 * 1 when the text holds a backslash followed by 'u' (what memmem() would
 * find): memchr() to each backslash, as texts hold few, is several times
 * cheaper than glibc's memmem() for a 2-byte needle.
 */
static int
json_has_u(const char *text, size_t len)
{
	const char	*p = text, *end = text + len;

	while (p < end && (p = memchr(p, '\\', (size_t)(end - p))) != NULL) {
		if (p + 1 < end && p[1] == 'u')
			return (1);
		p++;
	}
	return (0);
}

/*
 * One linear pass over the raw text: validate UTF-8 strictly (CPython's
 * json.loads of bytes decodes them first) and find each \u escape of a
 * surrogate that does not form a high+low pair.  yajl would turn such an
 * escape into '?' or CESU bytes, changing what is hashed, so when out is
 * not NULL the text is copied there with each lone escape rewritten as its
 * 3-byte generalised-UTF-8 form.  Returns the number of lone escapes, or
 * -1 on invalid UTF-8.
 */
static long
json_scan(const char *text, size_t len, struct buf *out)
{
	const unsigned char	*p = (const unsigned char *)text;
	size_t			 i = 0, n, from = 0;
	long			 cp, lo, lone = 0;
	int			 instr = 0;
	unsigned char		 enc[3], any = 0;

	/*
	 * Most texts are ASCII without a \u escape: then there is nothing to
	 * validate or rewrite, and two passes the compiler vectorises find
	 * that at a fraction of the cost of the loop below.
	 */
	if (out == NULL) {
		for (n = 0; n < len; n++)
			any |= p[n];
		if (any < 0x80 && !json_has_u(text, len))
			return (0);
	}
	while (i < len) {
		if (p[i] >= 0x80) {
			n = json_utf8_decode(p + i, len - i, 0, NULL);
			if (n == 0)
				return (-1);
			i += n;
			continue;
		}
		if (!instr || p[i] != '\\') {
			if (p[i] == '"')
				instr = !instr;
			i++;
			continue;
		}
		/* A backslash inside a string: the next byte is escaped. */
		if (i + 1 >= len || p[i + 1] >= 0x80) {
			i++;
			continue;
		}
		if (p[i + 1] != 'u' || len - i < 6 ||
		    (cp = json_hex4(p + i + 2)) == -1 ||
		    cp < 0xd800 || cp > 0xdfff) {
			i += 2;
			continue;
		}
		if (cp <= 0xdbff && len - i >= 12 && p[i + 6] == '\\' &&
		    p[i + 7] == 'u' && (lo = json_hex4(p + i + 8)) >= 0xdc00 &&
		    lo <= 0xdfff) {
			i += 12;
			continue;
		}
		lone++;
		if (out != NULL) {
			buf_add(out, p + from, i - from);
			enc[0] = 0xed;
			enc[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
			enc[2] = (unsigned char)(0x80 | (cp & 0x3f));
			buf_add(out, enc, sizeof(enc));
			from = i + 6;
		}
		i += 6;
	}
	if (out != NULL)
		buf_add(out, p + from, len - from);
	return (lone);
}

/* A new arena whose first block fits about hint bytes of tree. */
static struct json_arena *
json_arena_new(size_t hint)
{
	struct json_block	*b;
	struct json_arena	*ja;
	size_t			 size;

	size = hint < JSON_BLOCK_MIN ? JSON_BLOCK_MIN :
	    hint > JSON_BLOCK_FIRST_MAX ? JSON_BLOCK_FIRST_MAX : hint;
	size = (size + 7) & ~(size_t)7;
	b = xmalloc(sizeof(*b) + sizeof(*ja) + size);
	b->next = NULL;
	b->size = sizeof(*ja) + size;
	ja = (struct json_arena *)(void *)(b + 1);
	memset(ja, 0, sizeof(*ja));
	ja->ja_blocks = b;
	ja->ja_next = (char *)(ja + 1);
	ja->ja_left = size;
	ja->ja_size = size * 2 > JSON_BLOCK_MAX ? JSON_BLOCK_MAX : size * 2;
	return (ja);
}

/*
 * n bytes from the arena, aligned for any tree member.  A large request
 * gets a block of its own, so a block's unused tail stays small.
 */
static void *
json_arena_alloc(struct json_arena *ja, size_t n)
{
	struct json_block	*b;
	void			*p;

	if (n > SIZE_MAX - sizeof(*b) - 8)
		abort();
	n = (n + 7) & ~(size_t)7;
	if (n > ja->ja_left) {
		if (n > ja->ja_size / 4) {
			b = xmalloc(sizeof(*b) + n);
			b->size = n;
			b->next = ja->ja_blocks->next;
			ja->ja_blocks->next = b;
			return (b + 1);
		}
		b = xmalloc(sizeof(*b) + ja->ja_size);
		b->size = ja->ja_size;
		b->next = ja->ja_blocks->next;
		ja->ja_blocks->next = b;
		ja->ja_next = (char *)(b + 1);
		ja->ja_left = ja->ja_size;
		if (ja->ja_size < JSON_BLOCK_MAX)
			ja->ja_size *= 2;
	}
	p = ja->ja_next;
	ja->ja_next += n;
	ja->ja_left -= n;
	return (p);
}

/* A NUL-terminated copy of len bytes at s, in the arena. */
static char *
json_arena_strndup(struct json_arena *ja, const char *s, size_t len)
{
	char	*p;

	p = json_arena_alloc(ja, len + 1);
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

/*
 * Count n more bytes of tree (a value, a key, a container's slot); 0 and
 * errstr past max_mem, so the parse stops before memory runs out: a
 * 2-byte "0," costs about 100 bytes once parsed.  The count is what a tree
 * of separate allocations would take, more than its arena takes.
 */
static int
json_parser_charge(struct json_parser *jp, size_t n)
{
	jp->mem += n + JSON_MALLOC_OVERHEAD;
	if (jp->max_mem != 0 && jp->mem > jp->max_mem) {
		jp->errstr = json_err_mem;
		return (0);
	}
	return (1);
}

/* Append a pending member (or item, in .val) for the open container. */
static void
json_parser_pend(struct json_parser *jp, char *key, size_t keylen,
    struct json_value *v)
{
	struct json_member	*p;

	if (jp->npend == jp->pendcap) {
		p = xreallocarray(jp->pend == jp->pend0 ? NULL : jp->pend,
		    jp->pendcap * 2, sizeof(*p));
		if (jp->pend == jp->pend0)
			memcpy(p, jp->pend0, sizeof(jp->pend0));
		jp->pend = p;
		jp->pendcap *= 2;
	}
	p = &jp->pend[jp->npend++];
	p->key = key;
	p->keylen = keylen;
	p->val = v;
}

/*
 * A new value of type (with text s of len bytes for numbers and strings),
 * attached to the open container or made the root; containers are opened.
 */
static int
json_parser_add(struct json_parser *jp, enum json_type type, const char *s,
    size_t len)
{
	struct json_open	*o = NULL, *ns;
	struct json_value	*v;
	int			 text;

	text = type == JSON_INT || type == JSON_FLOAT || type == JSON_STRING;
	/* The value, its text, and its slot (arrays grow by doubling). */
	if (!json_parser_charge(jp, sizeof(*v) + (text ?
	    len + 1 + JSON_MALLOC_OVERHEAD : 0) +
	    2 * sizeof(struct json_member)))
		return (0);
	if (jp->depth == 0) {
		if (jp->root != NULL) {
			jp->errstr = "invalid JSON: more than one value";
			return (0);
		}
		v = &jp->arena->ja_root;
		v->flags = JSON_F_ROOT;
	} else {
		o = &jp->stack[jp->depth - 1];
		if (o->v->type == JSON_OBJECT && (jp->npend == o->base ||
		    jp->pend[jp->npend - 1].val != NULL)) {
			jp->errstr = "invalid JSON";
			return (0);
		}
		v = json_arena_alloc(jp->arena, sizeof(*v));
		memset(v, 0, sizeof(*v));
		v->flags = JSON_F_NODE;
	}
	v->type = type;
	if (text) {
		v->s = json_arena_strndup(jp->arena, s, len);
		v->len = len;
		v->flags |= JSON_F_TEXT;
	}
	if (o == NULL)
		jp->root = v;
	else if (o->v->type == JSON_ARRAY)
		json_parser_pend(jp, NULL, 0, v);
	else
		jp->pend[jp->npend - 1].val = v;
	if (type == JSON_ARRAY || type == JSON_OBJECT) {
		if (jp->depth >= jp->max_depth) {
			jp->errstr = "JSON nested too deeply";
			return (0);
		}
		if (jp->depth == jp->stackcap) {
			ns = xreallocarray(jp->stack == jp->stack0 ? NULL :
			    jp->stack, jp->stackcap * 2, sizeof(*ns));
			if (jp->stack == jp->stack0)
				memcpy(ns, jp->stack0, sizeof(jp->stack0));
			jp->stack = ns;
			jp->stackcap *= 2;
		}
		jp->stack[jp->depth].v = v;
		jp->stack[jp->depth].base = jp->npend;
		jp->depth++;
	}
	return (1);
}

static int
json_null_cb(void *ctx)
{
	return (json_parser_add(ctx, JSON_NULL, NULL, 0));
}

static int
json_boolean_cb(void *ctx, int b)
{
	return (json_parser_add(ctx, b ? JSON_TRUE : JSON_FALSE, NULL, 0));
}

static int
json_number_cb(void *ctx, const char *s, size_t len)
{
	struct json_parser	*jp = ctx;
	enum json_type		 type;

	type = memchr(s, '.', len) != NULL || memchr(s, 'e', len) != NULL ||
	    memchr(s, 'E', len) != NULL ? JSON_FLOAT : JSON_INT;
	/* Each float costs a shortest round-trip formatting later. */
	if (type == JSON_FLOAT && jp->max_floats != 0 &&
	    ++jp->nfloats > jp->max_floats) {
		jp->errstr = json_err_floats;
		return (0);
	}
	return (json_parser_add(ctx, type, s, len));
}

static int
json_string_cb(void *ctx, const unsigned char *s, size_t len)
{
	return (json_parser_add(ctx, JSON_STRING, (const char *)s, len));
}

static int
json_start_map_cb(void *ctx)
{
	return (json_parser_add(ctx, JSON_OBJECT, NULL, 0));
}

static int
json_map_key_cb(void *ctx, const unsigned char *s, size_t len)
{
	struct json_parser	*jp = ctx;

	if (jp->depth == 0 ||
	    jp->stack[jp->depth - 1].v->type != JSON_OBJECT) {
		jp->errstr = "invalid JSON";
		return (0);
	}
	if (!json_parser_charge(jp, len + 1))
		return (0);
	json_parser_pend(jp, json_arena_strndup(jp->arena, (const char *)s,
	    len), len, NULL);
	return (1);
}

static int
json_slot_cmp(const void *a, const void *b)
{
	const struct json_slot	*x = a, *y = b;
	size_t			 n;
	int			 c;

	n = x->m->keylen < y->m->keylen ? x->m->keylen : y->m->keylen;
	if ((c = memcmp(x->m->key, y->m->key, n)) != 0)
		return (c);
	if (x->m->keylen != y->m->keylen)
		return (x->m->keylen < y->m->keylen ? -1 : 1);
	return (x->pos < y->pos ? -1 : x->pos > y->pos);
}

/*
 * json.loads builds a dict: a repeated key keeps its first position and
 * takes its last value.  n members at m, compacted in place; returns how
 * many remain.  Everything here is in the parse's arena, so a dropped key
 * or value needs no free.  Small objects compare pairwise; larger ones
 * sort the keys, so a hostile object with many keys costs no quadratic
 * time.
 */
static size_t
json_object_dedup(struct json_member *m, size_t n)
{
	struct json_slot	*slots;
	size_t			 i, j, k;
	int			 dups = 0;

	if (n < 2)
		return (n);
	if (n <= JSON_DEDUP_SMALL) {
		for (i = k = 0; i < n; i++) {
			for (j = 0; j < k; j++)
				if (m[j].keylen == m[i].keylen &&
				    memcmp(m[j].key, m[i].key,
				    m[i].keylen) == 0)
					break;
			if (j < k)
				m[j].val = m[i].val;
			else
				m[k++] = m[i];
		}
		return (k);
	}
	slots = xreallocarray(NULL, n, sizeof(*slots));
	for (i = 0; i < n; i++) {
		slots[i].m = &m[i];
		slots[i].pos = i;
	}
	qsort(slots, n, sizeof(*slots), json_slot_cmp);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && slots[j].m->keylen ==
		    slots[i].m->keylen && memcmp(slots[j].m->key,
		    slots[i].m->key, slots[i].m->keylen) == 0; j++)
			;
		if (j - i == 1)
			continue;
		dups = 1;
		m[slots[i].pos].val = m[slots[j - 1].pos].val;
		for (k = i + 1; k < j; k++)
			m[slots[k].pos].key = NULL;
	}
	free(slots);
	if (!dups)
		return (n);
	for (i = j = 0; i < n; i++)
		if (m[i].key != NULL)
			m[j++] = m[i];
	return (j);
}

/* Close the innermost container: its pending members move to the arena. */
static int
json_parser_close(struct json_parser *jp, enum json_type type)
{
	struct json_open	*o;
	struct json_value	*v;
	struct json_member	*p;
	size_t			 n, i;

	if (jp->depth == 0 || jp->stack[jp->depth - 1].v->type != type)
		return (0);
	o = &jp->stack[--jp->depth];
	v = o->v;
	p = jp->pend + o->base;
	n = jp->npend - o->base;
	if (type == JSON_OBJECT) {
		if (n > 0 && p[n - 1].val == NULL)
			return (0);	/* a key without its value */
		n = json_object_dedup(p, n);
		if (n > 0) {
			v->members = json_arena_alloc(jp->arena,
			    n * sizeof(*v->members));
			memcpy(v->members, p, n * sizeof(*v->members));
		}
		v->flags |= JSON_F_KEYS;
	} else if (n > 0) {
		v->items = json_arena_alloc(jp->arena, n * sizeof(*v->items));
		for (i = 0; i < n; i++)
			v->items[i] = p[i].val;
	}
	if (n > 0)
		v->flags |= JSON_F_ITEMS;
	v->n = v->cap = n;
	jp->npend = o->base;
	return (1);
}

static int
json_end_map_cb(void *ctx)
{
	return (json_parser_close(ctx, JSON_OBJECT));
}

static int
json_start_array_cb(void *ctx)
{
	return (json_parser_add(ctx, JSON_ARRAY, NULL, 0));
}

static int
json_end_array_cb(void *ctx)
{
	return (json_parser_close(ctx, JSON_ARRAY));
}

/*
 * yajl's own memory for one parse (its handle, lexer, buffers: a handful
 * of allocations each parse) comes from a block on json_parse_mem()'s
 * stack while it fits, the heap beyond; yajl_free() ends it all.  Each
 * piece in the block is preceded by its size, for realloc.
 */
#define JSON_SCRATCH		4096
#define JSON_SCRATCH_HDR	16	/* the size, 16-byte aligned */

struct json_scratch {
	size_t			 used;
	union {
		max_align_t	 align;
		unsigned char	 b[JSON_SCRATCH];
	}			 u;
};

/* 1 when p is a piece of sc's block. */
static int
json_scratch_has(const struct json_scratch *sc, const void *p)
{
	uintptr_t	a = (uintptr_t)p, lo = (uintptr_t)sc->u.b;

	return (a >= lo && a < lo + JSON_SCRATCH);
}

static void *
json_scratch_malloc(void *ctx, size_t n)
{
	struct json_scratch	*sc = ctx;
	unsigned char		*p;
	size_t			 need;

	if (n <= JSON_SCRATCH - JSON_SCRATCH_HDR) {
		need = (n + JSON_SCRATCH_HDR + 15) & ~(size_t)15;
		if (need <= JSON_SCRATCH - sc->used) {
			p = sc->u.b + sc->used;
			memcpy(p, &n, sizeof(n));
			sc->used += need;
			return (p + JSON_SCRATCH_HDR);
		}
	}
	return (xmalloc(n));
}

static void *
json_scratch_realloc(void *ctx, void *p, size_t n)
{
	struct json_scratch	*sc = ctx;
	size_t			 old;
	void			*np;

	if (p == NULL)
		return (json_scratch_malloc(ctx, n));
	if (!json_scratch_has(sc, p))
		return (xrealloc(p, n));
	memcpy(&old, (unsigned char *)p - JSON_SCRATCH_HDR, sizeof(old));
	if (n <= old)
		return (p);
	np = json_scratch_malloc(ctx, n);
	memcpy(np, p, old);
	return (np);
}

static void
json_scratch_free(void *ctx, void *p)
{
	if (p != NULL && !json_scratch_has(ctx, p))
		free(p);
}

static const yajl_callbacks json_callbacks = {
	.yajl_null = json_null_cb,
	.yajl_boolean = json_boolean_cb,
	.yajl_number = json_number_cb,
	.yajl_string = json_string_cb,
	.yajl_start_map = json_start_map_cb,
	.yajl_map_key = json_map_key_cb,
	.yajl_end_map = json_end_map_cb,
	.yajl_start_array = json_start_array_cb,
	.yajl_end_array = json_end_array_cb
};

/* Parse exactly one JSON value; the caller frees the tree. */
struct json_value *
json_parse(const char *text, size_t len, const struct json_limits *limits,
    const char **errstr)
{
	return (json_parse_mem(text, len, limits, 0, NULL, errstr));
}

/* json_parse() in at most max_mem bytes; what it took in *memp. */
struct json_value *
json_parse_mem(const char *text, size_t len,
    const struct json_limits *limits, size_t max_mem, size_t *memp,
    const char **errstr)
{
	struct json_parser	 jp;
	struct json_scratch	 sc;
	yajl_alloc_funcs	 af = { json_scratch_malloc,
				    json_scratch_realloc, json_scratch_free,
				    &sc };
	struct buf		 copy;
	yajl_handle		 h;
	yajl_status		 st;
	long			 lone;

	if (limits != NULL && limits->max_bytes != 0 &&
	    len > limits->max_bytes) {
		*errstr = "request body too large";
		return (NULL);
	}
	if ((lone = json_scan(text, len, NULL)) == -1) {
		*errstr = "invalid UTF-8 in JSON text";
		return (NULL);
	}
	buf_init(&copy);
	if (lone > 0) {
		json_scan(text, len, &copy);
		text = (const char *)copy.data;
		len = copy.len;
	}

	memset(&jp, 0, sizeof(jp));
	jp.stack = jp.stack0;
	jp.stackcap = JSON_PARSE_STACK;
	jp.pend = jp.pend0;
	jp.pendcap = JSON_PARSE_PENDING;
	jp.max_depth = JSON_DEFAULT_DEPTH;
	if (limits != NULL && limits->max_depth != 0)
		jp.max_depth = limits->max_depth;
	jp.max_mem = max_mem;
	if (limits != NULL)
		jp.max_floats = limits->max_floats;
	sc.used = 0;
	if ((h = yajl_alloc(&json_callbacks, &af, &jp)) == NULL) {
		buf_clear(&copy, 0);
		*errstr = "out of memory";
		return (NULL);
	}
	/* Small texts take about 4 times their size once parsed. */
	jp.arena = json_arena_new(len > JSON_BLOCK_FIRST_MAX ?
	    JSON_BLOCK_FIRST_MAX : 4 * len + 512);
	/* UTF-8 was checked above; lone surrogates must pass through. */
	yajl_config(h, yajl_dont_validate_strings, 1);
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	yajl_free(h);
	buf_clear(&copy, 0);
	if (jp.stack != jp.stack0)
		free(jp.stack);
	if (jp.pend != jp.pend0)
		free(jp.pend);
	if (memp != NULL)
		*memp = jp.mem;

	if (st != yajl_status_ok || jp.root == NULL || jp.depth != 0) {
		if (st == yajl_status_client_canceled && jp.errstr != NULL)
			*errstr = jp.errstr;
		else
			*errstr = "invalid JSON";
		/* A partial tree is all in the arena: nothing else to free. */
		json_arena_free(jp.arena);
		return (NULL);
	}
	return (jp.root);
}

/*
 * sse.c: the decrypted gateway stream, PROTOCOL.md §6 and §8.  Text arrives
 * in arbitrary pieces; lines end in LF, CRLF or CR, a blank line ends an
 * event, an event's data: lines join with LF, comments (":") and other
 * fields are ignored.  Each event's data is one frame: empty, [DONE],
 * non-object or unparsable data is skipped; {"error": "<string>"} is an
 * upstream failure; the object with a string tee_signature or
 * tee_output_hash is the signed final frame.
 *
 * From every frame (the final one included) the accumulator keeps what the
 * enclave signs: choices[0].delta.content (a string, or the texts of an
 * array of parts) concatenated, and choices[0].delta.tool_calls folded by
 * index into slots {"id", "type", "function": {"name", "arguments"}} where
 * a non-empty id, type or name replaces and arguments append.  A frame
 * after the signed one is an error: its content would be unverified.
 *
 * Frames are read without a tree where that is exact (sse_scan): one pass
 * over the event's JSON that validates it strictly and picks out what §8
 * and the replay read.  Whatever it does not read exactly as json_parse()
 * would (an escaped key where it looks, a repeated key it reads, a lone
 * surrogate or \u0000, deep nesting, whitespace JSON does not allow, tool
 * calls, an error, the signed final frame) goes to json_parse(), so both
 * paths give the same frames; test-sse and fuzz-sse compare them.  A
 * complete line is read where it lies in the fed text, not copied.
 */
#include "compat.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "json.h"
#include "pyjson.h"
#include "sse.h"
#include "xmalloc.h"

/* Fixed cost charged per tool-call slot in sse_held_bytes(). */
#define SSE_SLOT_COST	64
/* The scan's nesting limit (json_parse() decides deeper texts). */
#define SSE_SCAN_DEPTH	32
/* Scratch kept between frames; a larger one is freed. */
#define SSE_SCRATCH_KEEP	1024

/* One tool call being folded together from its deltas. */
struct sse_slot {
	int64_t		 index;
	struct buf	 id;
	struct buf	 type;
	struct buf	 name;
	struct buf	 args;
};

struct sse {
	sse_frame_cb		 cb;
	void			*arg;
	size_t			 max_event;
	struct buf		 line;		/* current line, unterminated */
	struct buf		 data;		/* data: lines of this event */
	/* this event's one data: line where it lies (during sse_feed only) */
	const uint8_t		*pend;
	size_t			 pendlen;
	int			 has_data;
	int			 noscan;	/* sse_set_scan(s, 0) */
	struct buf		 scratch;	/* a frame's decoded strings */
	int			 saw_cr;	/* skip an LF after a CR */
	int			 finished;
	struct buf		 text;		/* accumulated content */
	struct sse_slot		*slots;		/* sorted by index */
	size_t			 nslots;
	size_t			 slot_bytes;
	/*
	 * The signed frame: its text kept (a tree takes about three times
	 * its bytes) until sse_final_frame() parses it again, once.
	 */
	int			 has_final;
	struct buf		 final_text;
	struct json_value	*final;		/* owned: parsed, or NULL */
	size_t			 final_bytes;
	char			*upstream;	/* owned: in-stream error */
	const char		*failed;	/* sticky error */
};

/* A new parser; cb may be NULL.  max_event 0 means the default. */
struct sse *
sse_new(sse_frame_cb cb, void *arg, size_t max_event)
{
	struct sse	*s;

	s = xcalloc(1, sizeof(*s));
	s->cb = cb;
	s->arg = arg;
	s->max_event = max_event == 0 ? SSE_MAX_EVENT_DEFAULT : max_event;
	buf_init(&s->line);
	buf_init(&s->data);
	buf_init(&s->scratch);
	buf_init(&s->text);
	buf_init(&s->final_text);
	return (s);
}

void
sse_set_scan(struct sse *s, int on)
{
	s->noscan = !on;
}

static void
sse_slot_clear(struct sse_slot *sl)
{
	buf_clear(&sl->id, 1);
	buf_clear(&sl->type, 1);
	buf_clear(&sl->name, 1);
	buf_clear(&sl->args, 1);
}

/* Free the parser; what it held was model output, so wipe it. */
void
sse_free(struct sse *s)
{
	size_t	i;

	if (s == NULL)
		return;
	buf_clear(&s->line, 1);
	buf_clear(&s->data, 1);
	buf_clear(&s->scratch, 1);
	buf_clear(&s->text, 1);
	for (i = 0; i < s->nslots; i++)
		sse_slot_clear(&s->slots[i]);
	free(s->slots);
	buf_clear(&s->final_text, 1);
	json_free(s->final);
	free(s->upstream);
	free(s);
}

static int
sse_fail(struct sse *s, const char *why, const char **errstr)
{
	if (s->failed == NULL)
		s->failed = why;
	*errstr = s->failed;
	return (-1);
}

/* A frame is done with the scratch: keep a small one for the next. */
static void
sse_scratch_done(struct sse *s)
{
	if (s->scratch.cap > SSE_SCRATCH_KEEP)
		buf_clear(&s->scratch, 1);
	else
		s->scratch.len = 0;
}

/* The slot for index, created (in index order) when new. */
static struct sse_slot *
sse_slot(struct sse *s, int64_t index)
{
	struct sse_slot	*sl;
	size_t		 lo = 0, hi = s->nslots, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->slots[mid].index == index)
			return (&s->slots[mid]);
		if (s->slots[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	s->slots = xreallocarray(s->slots, s->nslots + 1, sizeof(*s->slots));
	memmove(&s->slots[lo + 1], &s->slots[lo],
	    (s->nslots - lo) * sizeof(*s->slots));
	s->nslots++;
	sl = &s->slots[lo];
	memset(sl, 0, sizeof(*sl));
	sl->index = index;
	buf_init(&sl->id);
	buf_init(&sl->type);
	buf_init(&sl->name);
	buf_init(&sl->args);
	buf_add_str(&sl->type, "function");
	s->slot_bytes += SSE_SLOT_COST + sl->type.len;
	return (sl);
}

/* A non-empty string v replaces b's content. */
static void
sse_replace(struct sse *s, struct buf *b, const struct json_value *v)
{
	if (v == NULL || v->type != JSON_STRING || v->len == 0)
		return;
	s->slot_bytes -= b->len;
	b->len = 0;
	buf_add(b, v->s, v->len);
	s->slot_bytes += b->len;
}

/* Fold one frame's choices[0].delta.tool_calls into the slots. */
static int
sse_fold_tool_calls(struct sse *s, const struct json_value *calls,
    const char **errstr)
{
	const struct json_value	*tc, *iv, *fn, *a;
	struct sse_slot		*sl;
	int64_t			 index;
	size_t			 i;

	for (i = 0; i < calls->n; i++) {
		tc = calls->items[i];
		if (tc->type != JSON_OBJECT)
			continue;
		index = 0;
		if ((iv = json_get(tc, "index")) != NULL &&
		    json_to_int64(iv, &index) == -1)
			return (sse_fail(s, "tool call delta has a non-integer "
			    "index", errstr));
		sl = sse_slot(s, index);
		sse_replace(s, &sl->id, json_get(tc, "id"));
		sse_replace(s, &sl->type, json_get(tc, "type"));
		if ((fn = json_get(tc, "function")) == NULL ||
		    fn->type != JSON_OBJECT)
			continue;
		sse_replace(s, &sl->name, json_get(fn, "name"));
		if ((a = json_get(fn, "arguments")) != NULL &&
		    a->type == JSON_STRING) {
			buf_add(&sl->args, a->s, a->len);
			s->slot_bytes += a->len;
		}
	}
	return (0);
}

/* §8: what one frame adds to the signed output. */
static int
sse_accumulate(struct sse *s, const struct sse_frame *f, const char **errstr)
{
	if (f->sf_content)
		buf_add(&s->text, f->sf_text, f->sf_text_len);
	if (f->sf_calls != NULL)
		return (sse_fold_tool_calls(s, f->sf_calls, errstr));
	return (0);
}

/* The frame a parsed object holds; its texts stay in v (or scratch). */
static void
sse_view(struct sse *s, const struct json_value *v, struct sse_frame *f)
{
	const struct json_value	*choice, *delta, *c, *t;
	size_t			 i;

	memset(f, 0, sizeof(*f));
	s->scratch.len = 0;
	choice = json_index(json_get(v, "choices"), 0);
	if ((c = json_get(v, "model")) != NULL && c->type == JSON_STRING) {
		f->sf_model = c->s;
		f->sf_model_len = c->len;
	}
	if ((c = json_get(choice, "finish_reason")) != NULL &&
	    c->type == JSON_STRING) {
		f->sf_finish = c->s;
		f->sf_finish_len = c->len;
	}
	delta = json_get(choice, "delta");
	if (delta == NULL || delta->type != JSON_OBJECT)
		return;
	f->sf_role = json_is(json_get(delta, "role"), JSON_STRING);
	if ((c = json_get(delta, "content")) != NULL) {
		if (c->type == JSON_STRING) {
			f->sf_content = 1;
			f->sf_text = c->s;
			f->sf_text_len = c->len;
		} else if (c->type == JSON_ARRAY) {
			for (i = 0; i < c->n; i++) {
				t = json_get(c->items[i], "text");
				if (t != NULL && t->type == JSON_STRING)
					buf_add(&s->scratch, t->s, t->len);
			}
			f->sf_content = 1;
			f->sf_text = s->scratch.len > 0 ?
			    (const char *)s->scratch.data : "";
			f->sf_text_len = s->scratch.len;
		}
	}
	if ((c = json_get(delta, "tool_calls")) != NULL &&
	    c->type == JSON_ARRAY)
		f->sf_calls = c;
}

/* Where the scan is in a frame's text, and the strings it picked out. */
enum sse_level {
	SSE_L_SKIP,		/* a value nobody reads */
	SSE_L_TOP,		/* the frame */
	SSE_L_CHOICE,		/* choices[0] */
	SSE_L_DELTA,		/* choices[0].delta */
	SSE_L_PART		/* an item of delta.content */
};
struct sse_span {
	const uint8_t	*raw;		/* in the text, or NULL: in scratch */
	size_t		 off;		/* in scratch */
	size_t		 len;
	int		 set;
};
struct sse_scan {
	const uint8_t	*p;
	const uint8_t	*end;
	unsigned int	 depth;
	struct buf	*scratch;
	int		 role;
	int		 content;
	struct sse_span	 text;
	struct sse_span	 model;
	struct sse_span	 finish;
};

/* The scan's verdicts. */
#define SSE_SCAN_FULL	0	/* ask json_parse() */
#define SSE_SCAN_FRAME	1	/* a frame, read */

static int	sse_scan_value(struct sse_scan *, enum sse_level, int);

/* 1 for a byte a string holds as it is: ASCII, no control, '"' or '\\'. */
#define SSE_PLAIN(c) \
	((c) >= 0x20 && (c) < 0x80 && (c) != '"' && (c) != '\\')
static const uint8_t sse_plain[256] = { BYTES_TABLE_256(SSE_PLAIN) };

static void
sse_scan_ws(struct sse_scan *sc)
{
	while (sc->p < sc->end && (*sc->p == ' ' || *sc->p == '\t' ||
	    *sc->p == '\n' || *sc->p == '\r'))
		sc->p++;
}

/*
 * A string at sc->p (on its quote): its raw bytes and whether it holds
 * escapes.  -1 for what the scan leaves to json_parse(): invalid or
 * non-strict text, a lone surrogate escape, \u0000.
 */
static int
sse_scan_string(struct sse_scan *sc, const uint8_t **raw, size_t *rawlen,
    int *esc)
{
	const uint8_t	*p = sc->p + 1, *end = sc->end;
	size_t		 n;
	int		 cp, lo;

	*raw = p;
	*esc = 0;
	for (;;) {
		while (p < end && sse_plain[*p])
			p++;
		if (p >= end)
			return (-1);
		if (*p == '"')
			break;
		if (*p >= 0x80) {
			if ((n = json_utf8_decode(p, (size_t)(end - p), 0,
			    NULL)) == 0)
				return (-1);
			p += n;
			continue;
		}
		if (*p != '\\' || end - p < 2)
			return (-1);	/* a control character */
		*esc = 1;
		if (strchr("\"\\/bfnrt", p[1]) != NULL && p[1] != '\0') {
			p += 2;
			continue;
		}
		if (p[1] != 'u' || end - p < 6 || (cp = json_hex4(p + 2)) <= 0)
			return (-1);
		if (cp >= 0xdc00 && cp <= 0xdfff)
			return (-1);
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
			    (lo = json_hex4(p + 8)) < 0xdc00 || lo > 0xdfff)
				return (-1);
			p += 12;
			continue;
		}
		p += 6;
	}
	*rawlen = (size_t)(p - *raw);
	sc->p = p + 1;
	return (0);
}

/* Append a scanned string's decoded bytes (its escapes were checked). */
static void
sse_scan_decode(struct buf *b, const uint8_t *p, size_t len)
{
	const uint8_t	*end = p + len, *run;
	uint8_t		 u[4];
	uint32_t	 cp;
	size_t		 n;

	while (p < end) {
		run = p;
		while (p < end && *p != '\\')
			p++;
		buf_add(b, run, (size_t)(p - run));
		if (p >= end)
			break;
		switch (p[1]) {
		case 'b':
			buf_add_u8(b, '\b');
			break;
		case 'f':
			buf_add_u8(b, '\f');
			break;
		case 'n':
			buf_add_u8(b, '\n');
			break;
		case 'r':
			buf_add_u8(b, '\r');
			break;
		case 't':
			buf_add_u8(b, '\t');
			break;
		case 'u':
			cp = (uint32_t)json_hex4(p + 2);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    ((uint32_t)json_hex4(p + 8) - 0xdc00);
				p += 6;
			}
			if (cp < 0x80) {
				u[0] = (uint8_t)cp;
				n = 1;
			} else if (cp < 0x800) {
				u[0] = (uint8_t)(0xc0 | (cp >> 6));
				u[1] = (uint8_t)(0x80 | (cp & 0x3f));
				n = 2;
			} else if (cp < 0x10000) {
				u[0] = (uint8_t)(0xe0 | (cp >> 12));
				u[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				u[2] = (uint8_t)(0x80 | (cp & 0x3f));
				n = 3;
			} else {
				u[0] = (uint8_t)(0xf0 | (cp >> 18));
				u[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
				u[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				u[3] = (uint8_t)(0x80 | (cp & 0x3f));
				n = 4;
			}
			buf_add(b, u, n);
			p += 4;
			break;
		default:		/* " \ / */
			buf_add_u8(b, p[1]);
			break;
		}
		p += 2;
	}
}

/* A string value the frame reads: where its bytes are, or -1. */
static int
sse_scan_keep(struct sse_scan *sc, struct sse_span *sp, int append)
{
	const uint8_t	*raw;
	size_t		 len;
	int		 esc;

	if (sse_scan_string(sc, &raw, &len, &esc) == -1)
		return (-1);
	if (!append && !esc) {
		sp->raw = raw;
		sp->len = len;
	} else {
		if (!append) {
			sp->raw = NULL;
			sp->off = sc->scratch->len;
		}
		sse_scan_decode(sc->scratch, raw, len);
		sp->len = sc->scratch->len - sp->off;
	}
	sp->set = 1;
	return (0);
}

static int
sse_scan_literal(struct sse_scan *sc, const char *lit, size_t n)
{
	if ((size_t)(sc->end - sc->p) < n || memcmp(sc->p, lit, n) != 0)
		return (-1);
	sc->p += n;
	return (0);
}

/* A number as JSON writes it; what follows is the caller's to check. */
static int
sse_scan_number(struct sse_scan *sc)
{
	const uint8_t	*p = sc->p, *end = sc->end;

	if (p < end && *p == '-')
		p++;
	if (p >= end || *p < '0' || *p > '9')
		return (-1);
	if (*p++ != '0')
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	if (p < end && *p == '.') {
		if (++p >= end || *p < '0' || *p > '9')
			return (-1);
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9')
			return (-1);
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	sc->p = p;
	return (0);
}

/*
 * The bit of a key the frame reads at this level, 0 for one it skips, -1
 * for one the scan leaves to json_parse().
 */
static int
sse_scan_key(enum sse_level lv, const uint8_t *k, size_t n, int esc)
{
#define SSE_KEY(s)	(n == sizeof(s) - 1 && memcmp(k, s, n) == 0)
	if (lv == SSE_L_SKIP)
		return (0);
	if (esc)
		return (-1);	/* it could spell a key read here */
	switch (lv) {
	case SSE_L_TOP:
		if (SSE_KEY("choices"))
			return (1);
		if (SSE_KEY("model"))
			return (2);
		if (SSE_KEY("error") || SSE_KEY("tee_signature") ||
		    SSE_KEY("tee_output_hash"))
			return (-1);
		return (0);
	case SSE_L_CHOICE:
		if (SSE_KEY("delta"))
			return (1);
		return (SSE_KEY("finish_reason") ? 2 : 0);
	case SSE_L_DELTA:
		if (SSE_KEY("role"))
			return (1);
		if (SSE_KEY("content"))
			return (2);
		return (SSE_KEY("tool_calls") ? 4 : 0);
	case SSE_L_PART:
		return (SSE_KEY("text") ? 1 : 0);
	default:
		return (0);
	}
#undef SSE_KEY
}

/* The value of a key the frame reads (bit of sse_scan_key()). */
static int
sse_scan_member(struct sse_scan *sc, enum sse_level lv, int bit)
{
	int	c = *sc->p;

	switch (lv) {
	case SSE_L_TOP:
		if (bit == 1)
			return (sse_scan_value(sc, c == '[' ? SSE_L_CHOICE :
			    SSE_L_SKIP, 1));
		if (c == '"')
			return (sse_scan_keep(sc, &sc->model, 0));
		break;
	case SSE_L_CHOICE:
		if (bit == 1)
			return (sse_scan_value(sc, c == '{' ? SSE_L_DELTA :
			    SSE_L_SKIP, 0));
		if (c == '"')
			return (sse_scan_keep(sc, &sc->finish, 0));
		break;
	case SSE_L_DELTA:
		if (bit == 1 && c == '"') {
			sc->role = 1;
			return (sse_scan_value(sc, SSE_L_SKIP, 0));
		}
		if (bit == 2 && c == '"') {
			sc->content = 1;
			return (sse_scan_keep(sc, &sc->text, 0));
		}
		if (bit == 2 && c == '[') {
			sc->content = 1;
			sc->text.raw = NULL;
			sc->text.off = sc->scratch->len;
			sc->text.len = 0;
			sc->text.set = 1;
			return (sse_scan_value(sc, SSE_L_PART, 1));
		}
		if (bit == 4 && c == '[')
			return (-1);	/* tool calls: json_parse() */
		break;
	case SSE_L_PART:
		if (c == '"')
			return (sse_scan_keep(sc, &sc->text, 1));
		break;
	default:
		break;
	}
	return (sse_scan_value(sc, SSE_L_SKIP, 0));
}

/*
 * One value at sc->p.  An object read at level lv (its keys by
 * sse_scan_key()); an array whose items are read at lv when items is 1
 * (the first only for choices), else skipped.
 */
static int
sse_scan_value(struct sse_scan *sc, enum sse_level lv, int items)
{
	const uint8_t	*k;
	size_t		 kn, i;
	unsigned int	 seen = 0;
	int		 esc, bit, c, close;

	if (sc->p >= sc->end)
		return (-1);
	c = *sc->p;
	if (c == '"')
		return (sse_scan_string(sc, &k, &kn, &esc));
	if (c == 't')
		return (sse_scan_literal(sc, "true", 4));
	if (c == 'f')
		return (sse_scan_literal(sc, "false", 5));
	if (c == 'n')
		return (sse_scan_literal(sc, "null", 4));
	if (c != '{' && c != '[')
		return (sse_scan_number(sc));
	if (++sc->depth > SSE_SCAN_DEPTH)
		return (-1);
	close = c == '{' ? '}' : ']';
	sc->p++;
	sse_scan_ws(sc);
	if (sc->p < sc->end && *sc->p == close) {
		sc->p++;
		sc->depth--;
		return (0);
	}
	for (i = 0;; i++) {
		if (sc->p >= sc->end)
			return (-1);
		if (c == '[') {
			if (sse_scan_value(sc, items && (i == 0 ||
			    lv == SSE_L_PART) && *sc->p == '{' ? lv :
			    SSE_L_SKIP, 0) == -1)
				return (-1);
		} else {
			if (*sc->p != '"' ||
			    sse_scan_string(sc, &k, &kn, &esc) == -1)
				return (-1);
			sse_scan_ws(sc);
			if (sc->p >= sc->end || *sc->p != ':')
				return (-1);
			sc->p++;
			sse_scan_ws(sc);
			if (sc->p >= sc->end ||
			    (bit = sse_scan_key(lv, k, kn, esc)) == -1)
				return (-1);
			if (bit != 0) {
				if (seen & (unsigned int)bit)
					return (-1);	/* last wins there */
				seen |= (unsigned int)bit;
				if (sse_scan_member(sc, lv, bit) == -1)
					return (-1);
			} else if (sse_scan_value(sc, SSE_L_SKIP, 0) == -1)
				return (-1);
		}
		sse_scan_ws(sc);
		if (sc->p >= sc->end)
			return (-1);
		if (*sc->p == close)
			break;
		if (*sc->p != ',')
			return (-1);
		sc->p++;
		sse_scan_ws(sc);
	}
	sc->p++;
	sc->depth--;
	return (0);
}

static void
sse_span_get(const struct sse_scan *sc, const struct sse_span *sp,
    const char **s, size_t *len)
{
	if (!sp->set)
		return;
	*s = sp->raw != NULL ? (const char *)sp->raw : sp->len == 0 ? "" :
	    (const char *)sc->scratch->data + sp->off;
	*len = sp->len;
}

/* The fast path: a frame read from its text, or a verdict. */
static int
sse_scan(struct sse *s, const uint8_t *p, size_t len, struct sse_frame *f)
{
	struct sse_scan	 sc;

	if (p[0] != '{')
		return (SSE_SCAN_FULL);	/* yajl's whitespace has \f, \v too */
	memset(&sc, 0, sizeof(sc));
	sc.p = p;
	sc.end = p + len;
	sc.scratch = &s->scratch;
	s->scratch.len = 0;
	if (sse_scan_value(&sc, SSE_L_TOP, 0) == -1)
		return (SSE_SCAN_FULL);
	sse_scan_ws(&sc);
	if (sc.p != sc.end)
		return (SSE_SCAN_FULL);
	memset(f, 0, sizeof(*f));
	f->sf_role = sc.role;
	f->sf_content = sc.content;
	sse_span_get(&sc, &sc.text, &f->sf_text, &f->sf_text_len);
	sse_span_get(&sc, &sc.model, &f->sf_model, &f->sf_model_len);
	sse_span_get(&sc, &sc.finish, &f->sf_finish, &f->sf_finish_len);
	return (SSE_SCAN_FRAME);
}

static int
sse_is_space(uint8_t c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

/* One event's data: a frame, or nothing. */
static int
sse_payload(struct sse *s, const uint8_t *p, size_t len, const char **errstr)
{
	struct json_limits	 lim;
	struct json_value	*v, *e;
	struct sse_frame	 f;
	const char		*jerr;
	int			 final, rv;

	while (len > 0 && sse_is_space(p[0])) {
		p++;
		len--;
	}
	while (len > 0 && sse_is_space(p[len - 1]))
		len--;
	if (len == 0 || (len == 6 && memcmp(p, "[DONE]", 6) == 0))
		return (0);
	rv = s->noscan ? SSE_SCAN_FULL : sse_scan(s, p, len, &f);
	if (rv == SSE_SCAN_FRAME) {
		if (s->has_final)
			return (sse_fail(s, "stream data after the signed "
			    "final frame (it would be unverified)", errstr));
		if (sse_accumulate(s, &f, errstr) == -1)
			return (-1);
		rv = s->cb != NULL ? s->cb(s->arg, &f, 0) : 0;
		sse_scratch_done(s);
		if (rv != 0)
			return (sse_fail(s, "stream frame refused", errstr));
		return (0);
	}
	lim.max_bytes = s->max_event;
	lim.max_depth = 0;
	lim.max_floats = 0;
	if ((v = json_parse((const char *)p, len, &lim, &jerr)) == NULL)
		return (0);
	if (v->type != JSON_OBJECT) {
		json_free(v);
		return (0);
	}
	if ((e = json_get(v, "error")) != NULL && e->type == JSON_STRING) {
		s->upstream = xstrndup(e->s, e->len);
		json_free(v);
		return (sse_fail(s, "the TEE reported an error in the stream",
		    errstr));
	}
	if (s->has_final) {
		json_free(v);
		return (sse_fail(s, "stream data after the signed final frame "
		    "(it would be unverified)", errstr));
	}
	final = json_get_str(v, "tee_signature") != NULL ||
	    json_get_str(v, "tee_output_hash") != NULL;
	sse_view(s, v, &f);
	if (sse_accumulate(s, &f, errstr) == -1) {
		sse_scratch_done(s);
		json_free(v);
		return (-1);
	}
	if (final) {
		s->has_final = 1;
		buf_add(&s->final_text, p, len);
		s->final_bytes = len;
	}
	rv = s->cb != NULL ? s->cb(s->arg, &f, final) : 0;
	sse_scratch_done(s);
	json_free(v);
	if (rv != 0)
		return (sse_fail(s, "stream frame refused", errstr));
	return (0);
}

/* Keep the pending data: line (its fed text is about to go). */
static void
sse_keep(struct sse *s)
{
	if (s->pend == NULL)
		return;
	buf_add(&s->data, s->pend, s->pendlen);
	s->pend = NULL;
	s->pendlen = 0;
}

/* A blank line: dispatch the event, if it had data. */
static int
sse_dispatch(struct sse *s, const char **errstr)
{
	int	rv;

	if (!s->has_data)
		return (0);
	if (s->pend != NULL)
		rv = sse_payload(s, s->pend, s->pendlen, errstr);
	else
		rv = sse_payload(s, s->data.data, s->data.len, errstr);
	s->pend = NULL;
	s->pendlen = 0;
	buf_clear(&s->data, 1);
	s->has_data = 0;
	return (rv);
}

/*
 * One complete line (its terminator removed).  inplace: p lies in the fed
 * text, valid until sse_feed() returns.
 */
static int
sse_line(struct sse *s, const uint8_t *p, size_t len, int inplace,
    const char **errstr)
{
	const uint8_t	*colon, *val;
	size_t		 flen, vlen;

	if (len == 0)
		return (sse_dispatch(s, errstr));
	if (p[0] == ':')
		return (0);			/* a comment */
	if ((colon = memchr(p, ':', len)) == NULL) {
		flen = len;
		val = p + len;
		vlen = 0;
	} else {
		flen = (size_t)(colon - p);
		val = colon + 1;
		vlen = len - flen - 1;
		if (vlen > 0 && val[0] == ' ') {
			val++;
			vlen--;
		}
	}
	if (flen == 4 && memcmp(p, "data", 4) == 0) {
		if (s->has_data) {
			sse_keep(s);
			buf_add_u8(&s->data, '\n');
			buf_add(&s->data, val, vlen);
		} else if (inplace) {
			s->pend = val;
			s->pendlen = vlen;
		} else
			buf_add(&s->data, val, vlen);
		s->has_data = 1;
	}
	return (0);
}

/* Feed decrypted text in any pieces. */
int
sse_feed(struct sse *s, const uint8_t *p, size_t len, const char **errstr)
{
	const uint8_t	*nl, *cr;
	size_t		 i, start, seg;
	int		 rv;

	if (s->failed != NULL)
		return (sse_fail(s, s->failed, errstr));
	if (s->finished)
		return (sse_fail(s, "stream data after its end", errstr));
	i = 0;
	while (i < len) {
		if (s->saw_cr) {
			s->saw_cr = 0;
			if (p[i] == '\n') {
				i++;
				continue;
			}
		}
		start = i;
		nl = memchr(p + i, '\n', len - i);
		seg = nl != NULL ? (size_t)(nl - (p + i)) : len - i;
		if ((cr = memchr(p + i, '\r', seg)) != NULL)
			seg = (size_t)(cr - (p + i));
		i += seg;
		if (seg > s->max_event || s->line.len + s->data.len +
		    s->pendlen > s->max_event - seg) {
			sse_keep(s);
			return (sse_fail(s, "stream event exceeds the size "
			    "limit", errstr));
		}
		if (i == len) {
			buf_add(&s->line, p + start, seg);
			break;
		}
		if (p[i] == '\r')
			s->saw_cr = 1;
		i++;
		if (s->line.len == 0)
			rv = sse_line(s, p + start, seg, 1, errstr);
		else {
			buf_add(&s->line, p + start, seg);
			rv = sse_line(s, s->line.data, s->line.len, 0, errstr);
			buf_clear(&s->line, 1);
		}
		if (rv == -1) {
			sse_keep(s);
			return (-1);
		}
	}
	sse_keep(s);
	return (0);
}

/* End of stream: flush a last unterminated event; -1 without a final frame. */
int
sse_finish(struct sse *s, const char **errstr)
{
	int	rv;

	if (s->failed != NULL)
		return (sse_fail(s, s->failed, errstr));
	if (!s->finished) {
		s->finished = 1;
		if (s->line.len > 0) {
			rv = sse_line(s, s->line.data, s->line.len, 0, errstr);
			buf_clear(&s->line, 1);
			if (rv == -1)
				return (-1);
		}
		if (sse_dispatch(s, errstr) == -1)
			return (-1);
	}
	if (!s->has_final) {
		*errstr = "TEE stream missing a signed final frame";
		return (-1);
	}
	return (0);
}

/* The in-stream {"error": "..."} message, or NULL. */
const char *
sse_upstream_error(const struct sse *s)
{
	return (s->upstream);
}

/* The signed final frame (parsed again from its text, once), or NULL. */
const struct json_value *
sse_final_frame(struct sse *s)
{
	const char	*jerr;

	if (s->final == NULL && s->has_final)
		s->final = json_parse((const char *)s->final_text.data,
		    s->final_text.len, NULL, &jerr);	/* it parsed before */
	return (s->final);
}

/* The final frame's choices[0].finish_reason, or NULL. */
const char *
sse_finish_reason(struct sse *s)
{
	const struct json_value	*final;

	if ((final = sse_final_frame(s)) == NULL)
		return (NULL);
	return (json_get_str(json_index(json_get(final, "choices"), 0),
	    "finish_reason"));
}

/* A buffer's bytes as a new JSON string. */
static struct json_value *
sse_buf_json(const struct buf *b)
{
	return (json_new_stringn(b->len == 0 ? "" : (const char *)b->data,
	    b->len));
}

/* The folded tool calls as a json.h array, in index order; new. */
static struct json_value *
sse_slots_json(const struct sse *s)
{
	struct json_value	*arr, *o, *fn;
	const struct sse_slot	*sl;
	size_t			 i;

	arr = json_new_array();
	for (i = 0; i < s->nslots; i++) {
		sl = &s->slots[i];
		fn = json_new_object();
		json_object_set(fn, "name", sse_buf_json(&sl->name));
		json_object_set(fn, "arguments", sse_buf_json(&sl->args));
		o = json_new_object();
		json_object_set(o, "id", sse_buf_json(&sl->id));
		json_object_set(o, "type", sse_buf_json(&sl->type));
		json_object_set(o, "function", fn);
		json_array_add(arr, o);
	}
	return (arr);
}

/*
 * §8 streaming: the signed output; *out is new (NUL-terminated) and the
 * caller frees it.  -1 before the final frame decided its form.
 */
int
sse_signed_output(struct sse *s, char **out, size_t *len)
{
	struct json_value	*arr;
	const char		*fr;

	*out = NULL;
	*len = 0;
	if (sse_final_frame(s) == NULL)
		return (-1);
	fr = sse_finish_reason(s);
	if (fr != NULL && strcmp(fr, "tool_calls") == 0 && s->nslots > 0) {
		arr = sse_slots_json(s);
		*out = pyjson_dumps(arr, len);
		json_free(arr);
		return (0);
	}
	*out = xmalloc(s->text.len + 1);
	if (s->text.len != 0)
		memcpy(*out, s->text.data, s->text.len);
	(*out)[s->text.len] = '\0';
	*len = s->text.len;
	return (0);
}

/* Bytes the parser holds: the partial event and what it accumulated. */
size_t
sse_held_bytes(const struct sse *s)
{
	return (s->line.len + s->data.len + s->pendlen + s->text.len +
	    s->slot_bytes + s->final_bytes);
}

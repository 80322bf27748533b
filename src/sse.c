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
	int			 has_data;
	int			 saw_cr;	/* skip an LF after a CR */
	int			 finished;
	struct buf		 text;		/* accumulated content */
	struct sse_slot		*slots;		/* sorted by index */
	size_t			 nslots;
	size_t			 slot_bytes;
	struct json_value	*final;		/* owned: the signed frame */
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
	buf_init(&s->text);
	return (s);
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
	buf_clear(&s->text, 1);
	for (i = 0; i < s->nslots; i++)
		sse_slot_clear(&s->slots[i]);
	free(s->slots);
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
sse_accumulate(struct sse *s, const struct json_value *frame,
    const char **errstr)
{
	const struct json_value	*delta, *c, *part, *t;
	size_t			 i;

	delta = json_get(json_index(json_get(frame, "choices"), 0), "delta");
	if (delta == NULL || delta->type != JSON_OBJECT)
		return (0);
	if ((c = json_get(delta, "content")) != NULL) {
		if (c->type == JSON_STRING)
			buf_add(&s->text, c->s, c->len);
		else if (c->type == JSON_ARRAY) {
			for (i = 0; i < c->n; i++) {
				part = c->items[i];
				if ((t = json_get(part, "text")) != NULL &&
				    t->type == JSON_STRING)
					buf_add(&s->text, t->s, t->len);
			}
		}
	}
	if ((c = json_get(delta, "tool_calls")) != NULL &&
	    c->type == JSON_ARRAY)
		return (sse_fold_tool_calls(s, c, errstr));
	return (0);
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
	const char		*jerr;
	int			 final;

	while (len > 0 && sse_is_space(p[0])) {
		p++;
		len--;
	}
	while (len > 0 && sse_is_space(p[len - 1]))
		len--;
	if (len == 0 || (len == 6 && memcmp(p, "[DONE]", 6) == 0))
		return (0);
	lim.max_bytes = s->max_event;
	lim.max_depth = 0;
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
	if (s->final != NULL) {
		json_free(v);
		return (sse_fail(s, "stream data after the signed final frame "
		    "(it would be unverified)", errstr));
	}
	final = json_get_str(v, "tee_signature") != NULL ||
	    json_get_str(v, "tee_output_hash") != NULL;
	if (sse_accumulate(s, v, errstr) == -1) {
		json_free(v);
		return (-1);
	}
	if (final) {
		s->final = v;
		s->final_bytes = len;
	}
	if (s->cb != NULL && s->cb(s->arg, v, final) != 0) {
		if (!final)
			json_free(v);
		return (sse_fail(s, "stream frame refused", errstr));
	}
	if (!final)
		json_free(v);
	return (0);
}

/* A blank line: dispatch the event, if it had data. */
static int
sse_dispatch(struct sse *s, const char **errstr)
{
	int	rv;

	if (!s->has_data)
		return (0);
	rv = sse_payload(s, s->data.data, s->data.len, errstr);
	buf_clear(&s->data, 1);
	s->has_data = 0;
	return (rv);
}

/* One complete line (its terminator removed). */
static int
sse_line(struct sse *s, const char **errstr)
{
	const uint8_t	*p = s->line.data, *colon, *val;
	size_t		 len = s->line.len, flen, vlen;
	int		 rv = 0;

	if (len == 0)
		return (sse_dispatch(s, errstr));
	if (p[0] == ':')
		goto out;			/* a comment */
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
		if (s->has_data)
			buf_add_u8(&s->data, '\n');
		buf_add(&s->data, val, vlen);
		s->has_data = 1;
	}
out:
	s->line.len = 0;
	return (rv);
}

/* Feed decrypted text in any pieces. */
int
sse_feed(struct sse *s, const uint8_t *p, size_t len, const char **errstr)
{
	size_t	i, start;

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
		while (i < len && p[i] != '\n' && p[i] != '\r')
			i++;
		if (i - start > s->max_event ||
		    s->line.len + s->data.len > s->max_event - (i - start))
			return (sse_fail(s, "stream event exceeds the size "
			    "limit", errstr));
		buf_add(&s->line, p + start, i - start);
		if (i == len)
			break;
		if (p[i] == '\r')
			s->saw_cr = 1;
		i++;
		if (sse_line(s, errstr) == -1)
			return (-1);
	}
	return (0);
}

/* End of stream: flush a last unterminated event; -1 without a final frame. */
int
sse_finish(struct sse *s, const char **errstr)
{
	if (s->failed != NULL)
		return (sse_fail(s, s->failed, errstr));
	if (!s->finished) {
		s->finished = 1;
		if (s->line.len > 0 && sse_line(s, errstr) == -1)
			return (-1);
		if (sse_dispatch(s, errstr) == -1)
			return (-1);
	}
	if (s->final == NULL) {
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

/* The signed final frame, or NULL. */
const struct json_value *
sse_final_frame(const struct sse *s)
{
	return (s->final);
}

/* The final frame's choices[0].finish_reason, or NULL. */
const char *
sse_finish_reason(const struct sse *s)
{
	if (s->final == NULL)
		return (NULL);
	return (json_get_str(json_index(json_get(s->final, "choices"), 0),
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
sse_signed_output(const struct sse *s, char **out, size_t *len)
{
	struct json_value	*arr;
	const char		*fr;

	*out = NULL;
	*len = 0;
	if (s->final == NULL)
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
	return (s->line.len + s->data.len + s->text.len + s->slot_bytes +
	    s->final_bytes);
}

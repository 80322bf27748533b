/*
 * sse.h: decrypted gateway stream text (PROTOCOL.md §6, §8): an incremental
 * SSE parser and the accumulator of the content the enclave signs (text and
 * tool-call deltas folded by index), with final-frame and in-stream error
 * detection.  Bytes in, frames and the signed output out.  A leaf.
 */
#ifndef SSE_H
#define SSE_H

#include <stddef.h>
#include <stdint.h>

#include "json.h"

struct sse;

/* One event's bytes when sse_new() is given 0. */
#define SSE_MAX_EVENT_DEFAULT	(1024 * 1024)

/*
 * One frame as the accumulator and its consumer read it: what §8 signs and
 * the replay shows.  Its pointers are valid only during the callback.
 */
struct sse_frame {
	int			 sf_role;	/* delta.role: a string */
	int			 sf_content;	/* delta.content: text, parts */
	const char		*sf_text;	/* its text, parts' joined */
	size_t			 sf_text_len;
	/* delta.tool_calls when an array, else NULL */
	const struct json_value	*sf_calls;
	const char		*sf_model;	/* model (a string) or NULL */
	size_t			 sf_model_len;
	/* choices[0].finish_reason when a string, else NULL */
	const char		*sf_finish;
	size_t			 sf_finish_len;
};

/*
 * Called for every data: event that holds a JSON object, in order, with
 * the frame and a flag that is 1 for the signed final frame (its tree is
 * sse_final_frame()).  A non-zero return aborts the feed.
 */
typedef int (*sse_frame_cb)(void *, const struct sse_frame *, int);

/* A new parser; cb may be NULL.  max_event bounds one event's bytes. */
struct sse	*sse_new(sse_frame_cb, void *, size_t);
void		 sse_free(struct sse *);
/*
 * Feed decrypted text in any pieces.  -1 with errstr on an in-stream
 * upstream error (sse_upstream_error() then returns its message), on an
 * over-long event, or when the callback aborts.
 */
int		 sse_feed(struct sse *, const uint8_t *, size_t, const char **);
/* End of stream: flush a last unterminated event; -1 without a final frame. */
int		 sse_finish(struct sse *, const char **);
/* The in-stream {"error": "..."} message, or NULL. */
const char	*sse_upstream_error(const struct sse *);
/* The signed final frame (tee_signature or tee_output_hash), or NULL. */
const struct json_value *sse_final_frame(struct sse *);
/* The final frame's choices[0].finish_reason, or NULL. */
const char	*sse_finish_reason(struct sse *);
/*
 * §8 streaming: the signed output (text, or json.dumps of the folded tool
 * calls when finish_reason is "tool_calls").  *out is new; caller frees.
 * -1 while there is no final frame (it decides the form).
 */
int		 sse_signed_output(struct sse *, char **, size_t *);
/* Bytes the parser holds (partial event plus accumulated output). */
size_t		 sse_held_bytes(const struct sse *);
/*
 * 0: read every frame with json_parse(), never the fast scan (the tests
 * compare both paths); 1 (the default): the scan where it reads exactly.
 */
void		 sse_set_scan(struct sse *, int);

#endif /* SSE_H */

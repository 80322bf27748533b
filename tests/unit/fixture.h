/*
 * fixture.h: what the dialect, scrub and stream unit tests build alike:
 * JSON in and out, a verified answer as the verifiers leave it, the event
 * names of an SSE text and the run of a dialect's translation table.
 * Include after og-veil.h and test.h.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

/* The value of a JSON text (new, or NULL when it is not JSON). */
static inline struct json_value *
fixture_parse(const char *s)
{
	const char	*errstr;

	return (json_parse(s, strlen(s), NULL, &errstr));
}

/* The compact JSON text of v (new string). */
static inline char *
fixture_text(const struct json_value *v)
{
	struct buf	b;

	buf_init(&b);
	pyjson_write(&b, v, PYJSON_COMPACT);
	buf_add(&b, "", 1);
	return ((char *)buf_detach(&b, NULL));
}

/*
 * A verified answer as the verifiers leave it, of model: "Hello" (held
 * as the frames "Hel", "lo" and the final when stream) or one Bash tool
 * call (tools).
 */
static inline void
fixture_answer(struct answer *an, const char *model, int stream, int tools)
{
	static const char *const deltas[] = { "Hel", "lo" };
	struct answer_frame	*f;
	size_t			 i;

	answer_init(an);
	an->an_stream = stream;
	an->an_tools = tools;
	an->an_model = strdup(model);
	an->an_usage = fixture_parse("{\"prompt_tokens\":7,"
	    "\"completion_tokens\":2}");
	an->an_tee = fixture_parse("{\"tee_signature\":\"c2ln\","
	    "\"tee_id\":\"0x1\"}");
	if (tools) {
		an->an_finish = strdup("tool_calls");
		an->an_calls = fixture_parse("[{\"id\":\"call_1\",\"type\":"
		    "\"function\",\"function\":{\"name\":\"Bash\","
		    "\"arguments\":\"{\\\"command\\\":\\\"ls\\\"}\"}}]");
	} else {
		an->an_finish = strdup("stop");
		an->an_text = strdup("Hello");
		an->an_text_len = 5;
	}
	if (!stream)
		return;
	/* Held frames (stream.c): "Hel", "lo" (text form), the final. */
	an->an_frames = calloc(3, sizeof(*an->an_frames));
	an->an_names = malloc(sizeof("gpt-x\0stop"));
	memcpy(an->an_names, "gpt-x\0stop", sizeof("gpt-x\0stop"));
	an->an_names_len = sizeof("gpt-x\0stop") - 1;
	an->an_chunk_id = strdup("chatcmpl-1");
	an->an_created = 9;
	for (i = 0; !tools && i < 2; i++) {
		f = &an->an_frames[an->an_nframes++];
		f->af_flags = AF_CONTENT;
		f->af_text = (uint32_t)strlen(deltas[i]);
		f->af_finish = AF_NULL;
	}
	f = &an->an_frames[an->an_nframes++];
	f->af_finish = 6;	/* "stop" */
}

/* The event names of an SSE text, space-separated, into out. */
static inline void
fixture_event_names(const struct buf *b, char *out, size_t cap)
{
	const char	*p = (const char *)b->data, *end = p + b->len, *e;

	out[0] = '\0';
	while (p < end && (p = memmem(p, (size_t)(end - p), "event: ",
	    7)) != NULL) {
		p += 7;
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL)
			break;
		if (out[0] != '\0')
			strlcat(out, " ", cap);
		strncat(out, p, (size_t)(e - p) < cap - strlen(out) - 1 ?
		    (size_t)(e - p) : cap - strlen(out) - 1);
		p = e;
	}
}

/* A request of a dialect and the chat body it becomes (NULL: refused). */
struct fixture_translate {
	const char	*name;
	const char	*in;
	const char	*out;
	int		 stream;
};

/* Each case through dl's translation: 0, or -1 with what differed. */
static inline int
fixture_translate(const struct dialect *dl,
    const struct fixture_translate *cases, size_t ncases)
{
	struct json_value	*in = NULL, *out = NULL;
	char			 msg[256], param[64], *s = NULL;
	size_t			 i;
	int			 stream, rv;

	for (i = 0; i < ncases; i++) {
		in = fixture_parse(cases[i].in);
		if (in == NULL) {
			fprintf(stderr, "  %s: bad case JSON\n", cases[i].name);
			goto fail;
		}
		stream = -1;
		msg[0] = '\0';
		rv = dl->dl_translate(in, &out, &stream, msg, sizeof(msg),
		    param, sizeof(param));
		if (cases[i].out == NULL) {
			if (rv != -1 || out != NULL || msg[0] == '\0') {
				fprintf(stderr, "  %s: not refused\n",
				    cases[i].name);
				goto fail;
			}
		} else {
			if (rv != 0) {
				fprintf(stderr, "  %s: %s\n", cases[i].name,
				    msg);
				goto fail;
			}
			s = fixture_text(out);
			if (strcmp(s, cases[i].out) != 0) {
				fprintf(stderr, "  %s:\n   got  %s\n"
				    "   want %s\n", cases[i].name, s,
				    cases[i].out);
				goto fail;
			}
			TEST_EQ_INT(stream, cases[i].stream);
			free(s);
			s = NULL;
		}
		json_free(out);
		json_free(in);
		out = in = NULL;
	}
	return (0);
fail:
	free(s);
	json_free(out);
	json_free(in);
	return (-1);
}

#endif /* FIXTURE_H */

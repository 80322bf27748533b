/*
 * quarantine.c: the table of TEEs that failed verification (issue 16, see
 * quarantine.h): the doubling back-off, the lookup selection makes, and
 * forgetting a TEE that answered verified again.  The table is bounded:
 * when full, the entry whose quarantine ended first makes room.  Reasons
 * are bounded and never hold a control character or ill-formed UTF-8
 * (escape.h), so they are safe in a log line, a terminal and JSON.
 */
#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "escape.h"
#include "pyjson.h"
#include "quarantine.h"
#include "xmalloc.h"

void
quarantine_init(struct quarantine *q)
{
	q->q_entries = NULL;
	q->q_n = 0;
}

void
quarantine_clear(struct quarantine *q)
{
	free(q->q_entries);
	quarantine_init(q);
}

/* base doubled per failure after the first, capped at the maximum. */
int
quarantine_backoff(int failures, int base)
{
	int	secs = base, i;

	if (base <= 0)
		return (0);
	if (secs > QUARANTINE_MAX_SECONDS)
		return (QUARANTINE_MAX_SECONDS);
	for (i = 1; i < failures && secs < QUARANTINE_MAX_SECONDS; i++)
		secs *= 2;
	return (secs < QUARANTINE_MAX_SECONDS ? secs : QUARANTINE_MAX_SECONDS);
}

/* A tee_id, "0x" + 64 hex digits, lower-cased into out; -1 if not one. */
static int
quarantine_id(const char *id, char out[QUARANTINE_ID_LEN + 1])
{
	size_t	i;

	if (id == NULL || strlen(id) != QUARANTINE_ID_LEN || id[0] != '0' ||
	    (id[1] != 'x' && id[1] != 'X'))
		return (-1);
	out[0] = '0';
	out[1] = 'x';
	for (i = 2; i < QUARANTINE_ID_LEN; i++) {
		if (!isxdigit((unsigned char)id[i]))
			return (-1);
		out[i] = (char)tolower((unsigned char)id[i]);
	}
	out[QUARANTINE_ID_LEN] = '\0';
	return (0);
}

/*
 * Untrusted text, bounded (cut before a UTF-8 character, not inside one):
 * as it is when escape_ctl() would change nothing, else as printable
 * ASCII with '?' for every other byte.
 */
void
quarantine_reason(const char *in, char out[QUARANTINE_REASON_LEN + 1])
{
	size_t	i, n = 0;

	if (in == NULL)
		in = "";
	while (n < QUARANTINE_REASON_LEN && in[n] != '\0')
		n++;
	if (n == QUARANTINE_REASON_LEN && in[n] != '\0')
		while (n > 0 && ((unsigned char)in[n] & 0xc0) == 0x80)
			n--;
	if (escape_is_clean(in, n, 0))
		memcpy(out, in, n);
	else
		for (i = 0; i < n; i++)
			out[i] = in[i] >= 0x20 && in[i] < 0x7f ? in[i] : '?';
	out[n] = '\0';
}

static struct quarantine_entry *
quarantine_lookup(const struct quarantine *q, const char *lid)
{
	size_t	i;

	for (i = 0; i < q->q_n; i++)
		if (strcmp(q->q_entries[i].qe_id, lid) == 0)
			return (&q->q_entries[i]);
	return (NULL);
}

/* A new zeroed slot; when full, the one whose quarantine ended first. */
static struct quarantine_entry *
quarantine_slot(struct quarantine *q)
{
	struct quarantine_entry	*e;
	size_t			 i, old = 0;

	if (q->q_n < QUARANTINE_MAX_ENTRIES) {
		q->q_entries = xreallocarray(q->q_entries, q->q_n + 1,
		    sizeof(*q->q_entries));
		e = &q->q_entries[q->q_n++];
	} else {
		for (i = 1; i < q->q_n; i++)
			if (q->q_entries[i].qe_until <
			    q->q_entries[old].qe_until)
				old = i;
		e = &q->q_entries[old];
	}
	memset(e, 0, sizeof(*e));
	return (e);
}

const struct quarantine_entry *
quarantine_fail(struct quarantine *q, const char *id, const char *reason,
    int64_t now, int base)
{
	struct quarantine_entry	*e;
	char			 lid[QUARANTINE_ID_LEN + 1];

	if (quarantine_id(id, lid) == -1 || base <= 0)
		return (NULL);
	if ((e = quarantine_lookup(q, lid)) == NULL) {
		e = quarantine_slot(q);
		memcpy(e->qe_id, lid, sizeof(e->qe_id));
	}
	if (e->qe_failures < 1000)
		e->qe_failures++;
	e->qe_since = now;
	e->qe_until = now + quarantine_backoff(e->qe_failures, base);
	quarantine_reason(reason, e->qe_reason);
	return (e);
}

const struct quarantine_entry *
quarantine_find(const struct quarantine *q, const char *id)
{
	char	lid[QUARANTINE_ID_LEN + 1];

	if (quarantine_id(id, lid) == -1)
		return (NULL);
	return (quarantine_lookup(q, lid));
}

int
quarantine_blocked(const struct quarantine *q, const char *id, int64_t now)
{
	const struct quarantine_entry	*e;

	if (q->q_n == 0)
		return (0);
	e = quarantine_find(q, id);
	return (e != NULL && now < e->qe_until);
}

int
quarantine_forget(struct quarantine *q, const char *id)
{
	struct quarantine_entry	*e;
	char			 lid[QUARANTINE_ID_LEN + 1];
	size_t			 i;

	if (q->q_n == 0 || quarantine_id(id, lid) == -1 ||
	    (e = quarantine_lookup(q, lid)) == NULL)
		return (0);
	i = (size_t)(e - q->q_entries);
	memmove(e, e + 1, (q->q_n - i - 1) * sizeof(*e));
	q->q_n--;
	return (1);
}

int
quarantine_put(struct quarantine *q, const struct quarantine_entry *in)
{
	struct quarantine_entry	*e;
	char			 lid[QUARANTINE_ID_LEN + 1];

	if (quarantine_id(in->qe_id, lid) == -1 || in->qe_failures < 1 ||
	    in->qe_until < in->qe_since ||
	    in->qe_until - in->qe_since > QUARANTINE_MAX_SECONDS)
		return (-1);
	if ((e = quarantine_lookup(q, lid)) == NULL)
		e = quarantine_slot(q);
	memcpy(e->qe_id, lid, sizeof(e->qe_id));
	e->qe_since = in->qe_since;
	e->qe_until = in->qe_until;
	e->qe_failures = in->qe_failures < 1000 ? in->qe_failures : 1000;
	quarantine_reason(in->qe_reason, e->qe_reason);
	return (0);
}

void
quarantine_json(const struct quarantine *q, int64_t now, struct buf *b)
{
	const struct quarantine_entry	*e, *next;
	int64_t				 after;
	size_t				 i;
	int				 first = 1;

	buf_add_str(b, "[");
	/* Few entries: pick the next by until each time (no sort, no copy). */
	for (after = INT64_MIN;; after = next->qe_until) {
		next = NULL;
		for (i = 0; i < q->q_n; i++) {
			e = &q->q_entries[i];
			if (e->qe_until > now && e->qe_until > after &&
			    (next == NULL || e->qe_until < next->qe_until))
				next = e;
		}
		if (next == NULL)
			break;
		/* Entries sharing an until all print at this step. */
		for (i = 0; i < q->q_n; i++) {
			e = &q->q_entries[i];
			if (e->qe_until != next->qe_until)
				continue;
			buf_printf(b, "%s{\"tee_id\":\"%s\",\"failures\":%d,"
			    "\"since\":%lld,\"until\":%lld,\"retry_in\":%lld,"
			    "\"reason\":", first ? "" : ",", e->qe_id,
			    e->qe_failures, (long long)e->qe_since,
			    (long long)e->qe_until,
			    (long long)(e->qe_until - now));
			pyjson_write_string(b, e->qe_reason,
			    strlen(e->qe_reason), 0);
			buf_add_str(b, "}");
			first = 0;
		}
	}
	buf_add_str(b, "]");
}

/*
 * quarantine.h: TEEs that failed verification and are not selected again
 * for a while (issue 16).  The first failure keeps a TEE out for the base
 * back-off, each further consecutive failure doubles it, up to
 * QUARANTINE_MAX_SECONDS; a verified answer forgets the TEE (the next
 * failure starts again at the base).  A leaf: no logging, no clock (the
 * caller passes the time), a bounded table.
 */
#ifndef QUARANTINE_H
#define QUARANTINE_H

#include <stddef.h>
#include <stdint.h>

#define QUARANTINE_BASE_SECONDS	60	/* the default first back-off */
#define QUARANTINE_MAX_SECONDS	3600
#define QUARANTINE_MAX_ENTRIES	256
#define QUARANTINE_ID_LEN	66	/* "0x" + 64 hex */
#define QUARANTINE_REASON_LEN	200

struct quarantine_entry {
	char	 qe_id[QUARANTINE_ID_LEN + 1];
	int64_t	 qe_since;		/* the last failure, unix seconds */
	int64_t	 qe_until;		/* not selected before this */
	int	 qe_failures;		/* consecutive, at least 1 */
	char	 qe_reason[QUARANTINE_REASON_LEN + 1];	/* escaped text */
};

struct quarantine {
	struct quarantine_entry	*q_entries;	/* owned */
	size_t			 q_n;
};

void	quarantine_init(struct quarantine *);
void	quarantine_clear(struct quarantine *);
/* The back-off of the nth consecutive failure with base seconds. */
int	quarantine_backoff(int, int);
/*
 * One more failure of id (0x + 64 hex, stored lower-case) at now with
 * reason (untrusted bytes: escaped, bounded): the entry, or NULL when id
 * is not a tee_id.  base is the first back-off in seconds (> 0).
 */
const struct quarantine_entry *quarantine_fail(struct quarantine *,
	    const char *, const char *, int64_t, int);
/*
 * Untrusted text as a reason: bounded, cut between UTF-8 characters, no
 * control byte or ill-formed UTF-8 (escape.h) left.
 */
void	quarantine_reason(const char *, char[QUARANTINE_REASON_LEN + 1]);
/* The entry of id, or NULL. */
const struct quarantine_entry *quarantine_find(const struct quarantine *,
	    const char *);
/* 1 when id may not be selected at now. */
int	quarantine_blocked(const struct quarantine *, const char *, int64_t);
/* A verified answer from id: forget it.  1 when there was an entry. */
int	quarantine_forget(struct quarantine *, const char *);
/* Restore a stored entry (checked; -1 when malformed, nothing kept). */
int	quarantine_put(struct quarantine *, const struct quarantine_entry *);
struct buf;
/*
 * [{"tee_id","failures","since","until","retry_in","reason"}] onto b: the
 * entries still in force at now, first to return first.
 */
void	quarantine_json(const struct quarantine *, int64_t, struct buf *);

#endif /* QUARANTINE_H */

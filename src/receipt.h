/*
 * receipt.h: the durable proof of one verified answer (og-veil(1)
 * RECEIPTS): what the enclave signed, the TEE's registry entry it was
 * checked against, and, only with --keep-content, the canonical request
 * and the signed output.  Export to and parse from a self-contained JSON
 * file, and check one offline, step by step.  A leaf: no I/O, no logging.
 */
#ifndef RECEIPT_H
#define RECEIPT_H

#include <stddef.h>
#include <stdint.h>

#define RECEIPT_ID_LEN		29	/* "rcpt_" + 24 hex digits */
#define RECEIPT_TYPE		"og-veil-receipt"
#define RECEIPT_VERSION		1
/* Larger export files are refused (keys, hashes, kept content). */
#define RECEIPT_MAX_FILE	(64U * 1024 * 1024)

struct receipt {
	char		 id[RECEIPT_ID_LEN + 1];
	int64_t		 created_at;	/* unix seconds */
	char		*dialect;	/* owned: "openai-chat", ... */
	char		*route;		/* owned: "/v1/chat/completions" */
	char		*model;		/* owned: as sealed */
	int		 stream;
	char		*tee_id;	/* owned: 0x + 64 hex */
	uint8_t		*spki;		/* owned: DER signing key */
	size_t		 spki_len;
	char		*pcr_hash;	/* owned: 0x + 64 hex */
	char		*endpoint;	/* owned: registry endpoint */
	int64_t		 registry_read_at; /* when the entry was read */
	char		*request_hash;	/* owned: 64 hex */
	char		*output_hash;	/* owned: 64 hex */
	char		*tee_timestamp;	/* owned: decimal */
	char		*signature;	/* owned: base64 */
	uint64_t	 request_bytes;	/* sealed request */
	uint64_t	 response_bytes; /* relay body */
	char		*canonical;	/* owned or NULL: --keep-content */
	size_t		 canonical_len;
	char		*output;	/* owned or NULL: --keep-content */
	size_t		 output_len;
};

/* The steps of receipt_verify(), in order; each names what failed. */
enum receipt_step {
	RECEIPT_OK,
	RECEIPT_E_FORMAT,	/* a field is missing or malformed */
	RECEIPT_E_TEE_ID,	/* keccak256(signing key) is not tee_id */
	RECEIPT_E_KEY,		/* the signing key is not an RSA DER key */
	RECEIPT_E_REQUEST_HASH,	/* keccak256(canonical) != request_hash */
	RECEIPT_E_OUTPUT_HASH,	/* keccak256(output) != output_hash */
	RECEIPT_E_SIGNATURE	/* RSA-PSS over the message fails */
};

void		 receipt_init(struct receipt *);
/* Free what r owns (kept content wiped) and re-init it. */
void		 receipt_clear(struct receipt *);
/* A fresh id "rcpt_" + 24 random hex into id; -1 without randomness. */
int		 receipt_new_id(char[RECEIPT_ID_LEN + 1]);
/* "signature", "tee_id", ...: the name of a step for messages. */
const char	*receipt_step_name(enum receipt_step);

/*
 * Check r offline: the signing key's tee_id, then (only when content was
 * kept) the request and output hashes, then the signature over
 * keccak256(request_hash || output_hash || uint256(tee_timestamp)).  The
 * step that failed, with a message in errbuf; *checked_content says
 * whether the hashes could be recomputed.
 */
enum receipt_step receipt_verify(const struct receipt *, int *, char *,
		    size_t);

/* The export file's JSON (a new NUL-terminated string; caller frees). */
char		*receipt_export_json(const struct receipt *, size_t *);
/* Parse an export file into r (init'ed by it); -1 with errbuf. */
int		 receipt_parse_json(const char *, size_t, struct receipt *,
		    char *, size_t);

#endif /* RECEIPT_H */

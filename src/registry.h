/*
 * registry.h: from decoded registry entries to a TEE og-veil may use
 * (PROTOCOL.md §3): tee_id and pcr_hash, the skip and usable filters, and
 * selection by PCR pin, TEE pin or at random.  A leaf.
 */
#ifndef REGISTRY_H
#define REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include "abi.h"
#include "ohttp.h"
#include "verify.h"

/* 1 when the reference client skips it (empty endpoint or TLS cert). */
int	registry_skipped(const struct abi_tee *);
/* 1 when not skipped, OHTTP key is 32 bytes and signing key non-empty. */
int	registry_usable(const struct abi_tee *);
/* "0x" + hex(pcrHash) into out[67]. */
void	registry_pcr_hex(const struct abi_tee *, char[67]);
/* The OHTTP key config of an entry; -1 when the key is not 32 bytes. */
int	registry_key_config(const struct abi_tee *, struct ohttp_key_config *);
/*
 * Choose among n entries: usable ones, then those matching the PCR pin
 * (may be NULL; case-insensitive, 0x optional), then the TEE pin (may be
 * NULL), else one at random.  *idx gets the index; -1 with errstr (which
 * names the pin) when nothing is left.  errbuf receives the full message.
 */
int	registry_select(const struct abi_tee *, size_t, const char *,
	    const char *, size_t *, char *, size_t);
/* 1 when b differs from a in OHTTP key, key id or signing key. */
int	registry_rotated(const struct abi_tee *, const struct abi_tee *);

#endif /* REGISTRY_H */

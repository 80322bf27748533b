/*
 * test-registry.c: the skip and usable rules, pcr_hash text, the OHTTP key
 * config, selection (PCR pin, TEE pin, random) with its error messages, and
 * the rotation test (PROTOCOL.md §3, §10).
 */
#include "compat.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "abi.h"
#include "bytes.h"
#include "registry.h"
#include "test.h"
#include "verify.h"
#include "xmalloc.h"

#define NTEES	4

static uint8_t *
test_dup(uint8_t fill, size_t n)
{
	uint8_t	*p = xmalloc(n + 1);

	memset(p, fill, n);
	return (p);
}

/* A usable entry whose keys and PCR derive from seed. */
static void
test_tee(struct abi_tee *t, uint8_t seed)
{
	memset(t, 0, sizeof(*t));
	t->endpoint = xstrdup("https://tee.example.org");
	t->endpoint_len = strlen(t->endpoint);
	t->public_key = test_dup(seed, 40);
	t->public_key_len = 40;
	t->tls_certificate = test_dup(0x30, 10);
	t->tls_certificate_len = 10;
	memset(t->pcr_hash, 0xa0 + seed, 32);
	t->ohttp.key_id = seed;
	t->ohttp.kem_id = 0x20;
	t->ohttp.kdf_id = 1;
	t->ohttp.aead_id = 3;
	t->ohttp.public_key = test_dup(0x50 + seed, 32);
	t->ohttp.public_key_len = 32;
	t->ohttp.key_config = test_dup(0, 0);
}

static void
test_tees(struct abi_tee *t)
{
	size_t	i;

	for (i = 0; i < NTEES; i++)
		test_tee(&t[i], (uint8_t)(i + 1));
}

static void
test_tees_clear(struct abi_tee *t)
{
	size_t	i;

	for (i = 0; i < NTEES; i++)
		abi_tee_clear(&t[i]);
}

static void
test_upper(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)toupper((unsigned char)*s);
}

static int
test_usable_rules(void)
{
	struct abi_tee	t;

	test_tee(&t, 1);
	TEST_EQ_INT(registry_skipped(&t), 0);
	TEST_EQ_INT(registry_usable(&t), 1);
	t.endpoint_len = 0;
	TEST_EQ_INT(registry_skipped(&t), 1);
	TEST_EQ_INT(registry_usable(&t), 0);
	t.endpoint_len = 5;
	t.tls_certificate_len = 0;
	TEST_EQ_INT(registry_skipped(&t), 1);
	TEST_EQ_INT(registry_usable(&t), 0);
	t.tls_certificate_len = 10;
	t.ohttp.public_key_len = 31;
	TEST_EQ_INT(registry_skipped(&t), 0);
	TEST_EQ_INT(registry_usable(&t), 0);
	t.ohttp.public_key_len = 33;
	TEST_EQ_INT(registry_usable(&t), 0);
	t.ohttp.public_key_len = 32;
	t.public_key_len = 0;
	TEST_EQ_INT(registry_usable(&t), 0);
	t.public_key_len = 40;
	TEST_EQ_INT(registry_usable(&t), 1);
	abi_tee_clear(&t);
	return (0);
fail:
	abi_tee_clear(&t);
	return (-1);
}

static int
test_pcr_hex(void)
{
	struct abi_tee	t;
	char		hex[67];

	memset(&t, 0, sizeof(t));
	t.pcr_hash[0] = 0x00;
	t.pcr_hash[1] = 0xd2;
	t.pcr_hash[31] = 0xcb;
	registry_pcr_hex(&t, hex);
	TEST_EQ_STR(hex, "0x00d20000000000000000000000000000000000000000000000"
	    "000000000000cb");
	return (0);
fail:
	return (-1);
}

static int
test_key_config(void)
{
	struct abi_tee		t;
	struct ohttp_key_config	kc;

	test_tee(&t, 3);
	TEST_EQ_INT(registry_key_config(&t, &kc), 0);
	TEST_EQ_INT(kc.key_id, 3);
	TEST_EQ_INT(kc.kem_id, 0x20);
	TEST_EQ_INT(kc.kdf_id, 1);
	TEST_EQ_INT(kc.aead_id, 3);
	TEST_EQ_MEM(kc.pk, t.ohttp.public_key, 32);
	t.ohttp.public_key_len = 33;
	TEST_EQ_INT(registry_key_config(&t, &kc), -1);
	abi_tee_clear(&t);
	return (0);
fail:
	abi_tee_clear(&t);
	return (-1);
}

static int
test_select_none_usable(void)
{
	struct abi_tee	t[NTEES];
	char		err[256] = "";
	size_t		idx, i;

	test_tees(t);
	for (i = 0; i < NTEES; i++)
		t[i].ohttp.public_key_len = 0;
	TEST_EQ_INT(registry_select(t, NTEES, NULL, NULL, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "the registry lists no usable TEE") != NULL);
	TEST_EQ_INT(registry_select(t, 0, NULL, NULL, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "the registry lists no usable TEE") != NULL);
	test_tees_clear(t);
	return (0);
fail:
	test_tees_clear(t);
	return (-1);
}

/* Random choice: only usable entries, and over many draws all of them. */
static int
test_select_random(void)
{
	struct abi_tee	t[NTEES];
	char		err[256];
	size_t		idx, i;
	int		seen[NTEES] = { 0 };

	test_tees(t);
	t[2].tls_certificate_len = 0;		/* skipped */
	for (i = 0; i < 400; i++) {
		TEST_EQ_INT(registry_select(t, NTEES, NULL, "", &idx, err,
		    sizeof(err)), 0);
		TEST_ASSERT(idx < NTEES && idx != 2);
		seen[idx]++;
	}
	TEST_ASSERT(seen[0] > 0 && seen[1] > 0 && seen[3] > 0);
	test_tees_clear(t);
	return (0);
fail:
	test_tees_clear(t);
	return (-1);
}

static int
test_select_pcr(void)
{
	struct abi_tee	t[NTEES];
	char		err[256], pin[67];
	size_t		idx, i;

	test_tees(t);
	memcpy(t[3].pcr_hash, t[1].pcr_hash, 32);
	registry_pcr_hex(&t[1], pin);
	for (i = 0; i < 50; i++) {
		TEST_EQ_INT(registry_select(t, NTEES, pin, NULL, &idx, err,
		    sizeof(err)), 0);
		TEST_ASSERT(idx == 1 || idx == 3);
	}
	/* Upper case, and without 0x. */
	test_upper(pin);
	TEST_EQ_INT(registry_select(t, NTEES, pin, NULL, &idx, err,
	    sizeof(err)), 0);
	TEST_ASSERT(idx == 1 || idx == 3);
	TEST_EQ_INT(registry_select(t, NTEES, pin + 2, NULL, &idx, err,
	    sizeof(err)), 0);
	TEST_ASSERT(idx == 1 || idx == 3);
	/* A matching but unusable entry is not chosen. */
	t[3].public_key_len = 0;
	for (i = 0; i < 20; i++) {
		TEST_EQ_INT(registry_select(t, NTEES, pin, NULL, &idx, err,
		    sizeof(err)), 0);
		TEST_EQ_INT(idx, 1);
	}
	test_tees_clear(t);
	return (0);
fail:
	test_tees_clear(t);
	return (-1);
}

static int
test_select_pcr_missing(void)
{
	struct abi_tee	t[NTEES];
	char		err[256];
	size_t		idx;
	const char	*pin = "0xEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEEE"
	    "EEEEEEEEEEEEEEEEEEEE";

	test_tees(t);
	TEST_EQ_INT(registry_select(t, NTEES, pin, NULL, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "no registry TEE matches pinned PCR 0xeeee") !=
	    NULL);
	/* A pin that is not a 32-byte hash names itself. */
	TEST_EQ_INT(registry_select(t, NTEES, "0x1234", NULL, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "0x1234") != NULL);
	test_tees_clear(t);
	return (0);
fail:
	test_tees_clear(t);
	return (-1);
}

static int
test_select_tee_pin(void)
{
	struct abi_tee	t[NTEES];
	char		err[256], id[VERIFY_TEE_ID_LEN + 1];
	size_t		idx;

	test_tees(t);
	verify_tee_id(t[2].public_key, t[2].public_key_len, id);
	TEST_EQ_INT(registry_select(t, NTEES, NULL, id, &idx, err,
	    sizeof(err)), 0);
	TEST_EQ_INT(idx, 2);
	test_upper(id);
	TEST_EQ_INT(registry_select(t, NTEES, NULL, id + 2, &idx, err,
	    sizeof(err)), 0);
	TEST_EQ_INT(idx, 2);
	test_tees_clear(t);
	return (0);
fail:
	test_tees_clear(t);
	return (-1);
}

static int
test_select_tee_pin_missing(void)
{
	struct abi_tee	t[NTEES];
	char		err[256], id[VERIFY_TEE_ID_LEN + 1], pcr[67];
	size_t		idx;

	test_tees(t);
	verify_tee_id((const uint8_t *)"other", 5, id);
	TEST_EQ_INT(registry_select(t, NTEES, NULL, id, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "pinned TEE 0x") != NULL);
	TEST_ASSERT(strstr(err, id) != NULL);
	TEST_ASSERT(strstr(err, "is not in the registry's active set") !=
	    NULL);
	/* Listed but not usable. */
	verify_tee_id(t[1].public_key, t[1].public_key_len, id);
	t[1].ohttp.public_key_len = 31;
	TEST_EQ_INT(registry_select(t, NTEES, NULL, id, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "not usable") != NULL);
	/* Usable, but another PCR is pinned. */
	t[1].ohttp.public_key_len = 32;
	registry_pcr_hex(&t[0], pcr);
	TEST_EQ_INT(registry_select(t, NTEES, pcr, id, &idx, err,
	    sizeof(err)), -1);
	TEST_ASSERT(strstr(err, "does not match pinned PCR") != NULL);
	/* Both pins agree. */
	registry_pcr_hex(&t[1], pcr);
	TEST_EQ_INT(registry_select(t, NTEES, pcr, id, &idx, err,
	    sizeof(err)), 0);
	TEST_EQ_INT(idx, 1);
	test_tees_clear(t);
	return (0);
fail:
	test_tees_clear(t);
	return (-1);
}

static int
test_rotated(void)
{
	struct abi_tee	a, b;

	test_tee(&a, 1);
	test_tee(&b, 1);
	TEST_EQ_INT(registry_rotated(&a, &b), 0);
	b.last_heartbeat_at[31] = 9;		/* not a key change */
	b.endpoint_len = 3;
	TEST_EQ_INT(registry_rotated(&a, &b), 0);
	b.ohttp.public_key[0] ^= 1;
	TEST_EQ_INT(registry_rotated(&a, &b), 1);
	b.ohttp.public_key[0] ^= 1;
	b.ohttp.key_id++;
	TEST_EQ_INT(registry_rotated(&a, &b), 1);
	b.ohttp.key_id--;
	b.public_key[39] ^= 1;
	TEST_EQ_INT(registry_rotated(&a, &b), 1);
	b.public_key[39] ^= 1;
	b.public_key_len--;
	TEST_EQ_INT(registry_rotated(&a, &b), 1);
	b.public_key_len++;
	b.ohttp.aead_id = 1;
	TEST_EQ_INT(registry_rotated(&a, &b), 1);
	abi_tee_clear(&a);
	abi_tee_clear(&b);
	return (0);
fail:
	abi_tee_clear(&a);
	abi_tee_clear(&b);
	return (-1);
}

static const struct test_case cases[] = {
	{ "usable-rules", test_usable_rules },
	{ "pcr-hex", test_pcr_hex },
	{ "key-config", test_key_config },
	{ "select-none-usable", test_select_none_usable },
	{ "select-random-usable-only", test_select_random },
	{ "select-pcr-pin", test_select_pcr },
	{ "select-pcr-pin-missing", test_select_pcr_missing },
	{ "select-tee-pin", test_select_tee_pin },
	{ "select-tee-pin-missing", test_select_tee_pin_missing },
	{ "rotated", test_rotated },
};

TEST_MAIN("test-registry", cases)

/*
 * test-receipt.c: receipts checked offline (receipt.h): a receipt signed
 * as the enclave signs (RSA-PSS, SHA-256, salt 32, over keccak256(req ||
 * out || ts)) passes with and without kept content; each altered field
 * fails at the step that names it; the export file round-trips; ids are
 * distinct across the random pool's refills and in a forked child.
 */
#include "compat.h"

#include <sys/wait.h>

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <unistd.h>

#include "abi.h"
#include "bytes.h"
#include "keccak.h"
#include "receipt.h"
#include "test.h"
#include "verify.h"
#include "xmalloc.h"

static EVP_PKEY	*test_key;

static EVP_PKEY *
test_receipt_key(void)
{
	if (test_key == NULL)
		test_key = EVP_RSA_gen(2048);
	return (test_key);
}

/* Sign msg = keccak256(req || out || uint256(ts)) as the gateway does. */
static char *
test_receipt_sign(const uint8_t req[32], const uint8_t out[32], uint64_t ts)
{
	EVP_PKEY_CTX	*ctx;
	uint8_t		 m[96], msg[32], dg[32], sig[512];
	size_t		 siglen = sizeof(sig);
	unsigned int	 dlen;

	memcpy(m, req, 32);
	memcpy(m + 32, out, 32);
	abi_u256_from_u64(ts, m + 64);
	keccak256(m, sizeof(m), msg);
	EVP_Digest(msg, 32, dg, &dlen, EVP_sha256(), NULL);
	ctx = EVP_PKEY_CTX_new(test_receipt_key(), NULL);
	if (ctx == NULL || EVP_PKEY_sign_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_signature_md(ctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(ctx, 32) != 1 ||
	    EVP_PKEY_sign(ctx, sig, &siglen, dg, dlen) != 1)
		abort();
	EVP_PKEY_CTX_free(ctx);
	return (base64_encode_new(sig, siglen));
}

/* A receipt for a canonical request and output, signed; content kept. */
static void
test_receipt_make(struct receipt *r, int keep)
{
	static const char canon[] = "{\"messages\": [], \"model\": \"m\"}";
	static const char output[] = "Hello from the enclave";
	uint8_t		 req[32], out[32], *der = NULL;
	char		 hex[65], id[VERIFY_TEE_ID_LEN + 1];
	int		 n;

	receipt_init(r);
	receipt_new_id(r->id);
	r->created_at = 1767225600;
	r->dialect = xstrdup("openai-chat");
	r->route = xstrdup("/v1/chat/completions");
	r->model = xstrdup("m");
	n = i2d_PUBKEY(test_receipt_key(), &der);
	r->spki = xmemdup(der, (size_t)n);
	r->spki_len = (size_t)n;
	OPENSSL_free(der);
	verify_tee_id(r->spki, r->spki_len, id);
	r->tee_id = xstrdup(id);
	r->pcr_hash = xstrdup("0x1111111111111111111111111111111111111111111111"
	    "111111111111111111");
	r->endpoint = xstrdup("https://tee.example");
	keccak256(canon, sizeof(canon) - 1, req);
	keccak256(output, sizeof(output) - 1, out);
	hex_encode(req, 32, hex);
	r->request_hash = xstrdup(hex);
	hex_encode(out, 32, hex);
	r->output_hash = xstrdup(hex);
	r->tee_timestamp = xstrdup("1767225600");
	r->signature = test_receipt_sign(req, out, 1767225600);
	if (keep) {
		r->canonical = xmemdup(canon, sizeof(canon));
		r->canonical_len = sizeof(canon) - 1;
		r->output = xmemdup(output, sizeof(output));
		r->output_len = sizeof(output) - 1;
	}
}

static int
test_receipt_good(void)
{
	struct receipt	 r;
	char		 err[256];
	int		 content;

	test_receipt_make(&r, 1);
	TEST_EQ_INT(receipt_verify(&r, &content, err, sizeof(err)),
	    RECEIPT_OK);
	TEST_EQ_INT(content, 1);
	receipt_clear(&r);
	test_receipt_make(&r, 0);
	TEST_EQ_INT(receipt_verify(&r, &content, err, sizeof(err)),
	    RECEIPT_OK);
	TEST_EQ_INT(content, 0);
	TEST_EQ_INT(strncmp(r.id, "rcpt_", 5), 0);
	TEST_EQ_INT(strlen(r.id), RECEIPT_ID_LEN);
	receipt_clear(&r);
	return (0);
fail:
	receipt_clear(&r);
	return (-1);
}

/* Replace a string field of r with v (owned by r afterwards). */
static void
test_receipt_set(char **field, const char *v)
{
	free(*field);
	*field = xstrdup(v);
}

static int
test_receipt_altered(void)
{
	struct receipt	 r;
	char		 err[256];
	int		 content, i;
	static const enum receipt_step want[] = {
		RECEIPT_E_TEE_ID, RECEIPT_E_REQUEST_HASH,
		RECEIPT_E_OUTPUT_HASH, RECEIPT_E_SIGNATURE,
		RECEIPT_E_SIGNATURE, RECEIPT_E_REQUEST_HASH,
		RECEIPT_E_OUTPUT_HASH, RECEIPT_E_FORMAT, RECEIPT_E_TEE_ID,
		RECEIPT_E_SIGNATURE,
	};

	for (i = 0; i < (int)(sizeof(want) / sizeof(want[0])); i++) {
		test_receipt_make(&r, 1);
		switch (i) {
		case 0:		/* another TEE's id */
			r.tee_id[5] = r.tee_id[5] == 'a' ? 'b' : 'a';
			break;
		case 1:		/* the signed request hash */
			r.request_hash[0] = r.request_hash[0] == '0' ?
			    '1' : '0';
			break;
		case 2:
			r.output_hash[63] = r.output_hash[63] == '0' ?
			    '1' : '0';
			break;
		case 3:		/* the time signed */
			test_receipt_set(&r.tee_timestamp, "1767225601");
			break;
		case 4:		/* another signature */
			r.signature[10] = r.signature[10] == 'A' ? 'B' : 'A';
			break;
		case 5:		/* the kept request */
			r.canonical[3] ^= 1;
			break;
		case 6:		/* the kept output */
			r.output[0] ^= 1;
			break;
		case 7:
			test_receipt_set(&r.request_hash, "zz");
			break;
		case 8:		/* the key itself */
			r.spki[r.spki_len - 1] ^= 1;
			break;
		case 9:		/* without content, a hash change is caught */
			xfree_secret(r.canonical, r.canonical_len);
			xfree_secret(r.output, r.output_len);
			r.canonical = r.output = NULL;
			r.output_hash[0] = r.output_hash[0] == '0' ? '1' : '0';
			break;
		}
		if (receipt_verify(&r, &content, err, sizeof(err)) !=
		    want[i]) {
			fprintf(stderr, "  alteration %d: %s\n", i, err);
			goto fail;
		}
		TEST_ASSERT(strncmp(err, receipt_step_name(want[i]),
		    strlen(receipt_step_name(want[i]))) == 0);
		receipt_clear(&r);
	}
	return (0);
fail:
	receipt_clear(&r);
	return (-1);
}

static int
test_receipt_export_roundtrip(void)
{
	struct receipt	 r, p;
	char		*json, err[256];
	size_t		 len;
	int		 content;

	receipt_init(&p);
	test_receipt_make(&r, 1);
	r.stream = 1;
	r.request_bytes = 1234;
	json = receipt_export_json(&r, &len);
	TEST_ASSERT(json != NULL && len == strlen(json));
	TEST_EQ_INT(receipt_parse_json(json, len, &p, err, sizeof(err)), 0);
	TEST_EQ_STR(p.id, r.id);
	TEST_EQ_STR(p.tee_id, r.tee_id);
	TEST_EQ_STR(p.signature, r.signature);
	TEST_EQ_INT(p.stream, 1);
	TEST_EQ_INT(p.request_bytes, 1234);
	TEST_EQ_INT(p.spki_len, r.spki_len);
	TEST_EQ_INT(p.canonical_len, r.canonical_len);
	TEST_EQ_INT(receipt_verify(&p, &content, err, sizeof(err)),
	    RECEIPT_OK);
	TEST_EQ_INT(content, 1);
	receipt_clear(&p);
	free(json);
	/* Without content, the file has nulls and still verifies. */
	receipt_clear(&r);
	test_receipt_make(&r, 0);
	json = receipt_export_json(&r, &len);
	TEST_ASSERT(strstr(json, "\"signed_output\": null") != NULL);
	TEST_EQ_INT(receipt_parse_json(json, len, &p, err, sizeof(err)), 0);
	TEST_EQ_INT(receipt_verify(&p, &content, err, sizeof(err)),
	    RECEIPT_OK);
	TEST_EQ_INT(content, 0);
	receipt_clear(&p);
	free(json);
	receipt_clear(&r);
	return (0);
fail:
	receipt_clear(&p);
	receipt_clear(&r);
	return (-1);
}

static int
test_receipt_parse_refusals(void)
{
	static const char *const bad[] = {
		"", "[]", "{\"type\":\"other\"}",
		"{\"type\":\"og-veil-receipt\",\"version\":2}",
		"{\"type\":\"og-veil-receipt\",\"version\":1}",
		"{\"type\":\"og-veil-receipt\",\"version\":1,\"tee_id\":1}",
	};
	struct receipt	 r;
	char		 err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		TEST_EQ_INT(receipt_parse_json(bad[i], strlen(bad[i]), &r,
		    err, sizeof(err)), -1);
		TEST_ASSERT(strncmp(err, "format: ", 8) == 0);
	}
	return (0);
fail:
	fprintf(stderr, "  input %zu\n", i);
	return (-1);
}

/*
 * 100 ids (the pool refills several times) are well formed and distinct,
 * and a child forked with ids left in the pool draws other ids than the
 * parent's next ones.
 */
static int
test_receipt_ids(void)
{
	static char	 ids[100][RECEIPT_ID_LEN + 1];
	char		 child[RECEIPT_ID_LEN + 1], next[RECEIPT_ID_LEN + 1];
	size_t		 i, j;
	ssize_t		 n;
	pid_t		 pid;
	int		 p[2], status;

	for (i = 0; i < 100; i++) {
		TEST_EQ_INT(receipt_new_id(ids[i]), 0);
		TEST_EQ_INT(strlen(ids[i]), RECEIPT_ID_LEN);
		TEST_ASSERT(strncmp(ids[i], "rcpt_", 5) == 0);
		TEST_ASSERT(strspn(ids[i] + 5, "0123456789abcdef") == 24);
		for (j = 0; j < i; j++)
			TEST_ASSERT(strcmp(ids[i], ids[j]) != 0);
	}
	TEST_EQ_INT(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		if (receipt_new_id(child) == -1 ||
		    write(p[1], child, sizeof(child)) != sizeof(child))
			_exit(1);
		_exit(0);
	}
	TEST_ASSERT(pid > 0);
	close(p[1]);
	n = read(p[0], child, sizeof(child));
	close(p[0]);
	TEST_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	TEST_EQ_INT(n, sizeof(child));
	TEST_EQ_INT(receipt_new_id(next), 0);
	TEST_ASSERT(strcmp(child, next) != 0);
	return (0);
fail:
	return (-1);
}

static const struct test_case cases[] = {
	{ "ids", test_receipt_ids },
	{ "good", test_receipt_good },
	{ "altered", test_receipt_altered },
	{ "export_roundtrip", test_receipt_export_roundtrip },
	{ "parse_refusals", test_receipt_parse_refusals },
};

int
main(int argc, char **argv)
{
	int	 rv;

	rv = test_run("test-receipt", cases, sizeof(cases) / sizeof(cases[0]),
	    argc, argv);
	EVP_PKEY_free(test_key);
	return (rv);
}

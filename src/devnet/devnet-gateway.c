/*
 * devnet-gateway.c: a devnet TEE gateway, the far end of PROTOCOL.md: it
 * decapsulates OHTTP requests as the recipient (§4), canonicalises the
 * decrypted wire request and hashes it (§7), asks the built-in model, signs
 * keccak256(request_hash || output_hash || be256(timestamp)) with RSA-PSS
 * (§8, §9) and answers with a single-shot or a chunked OHTTP response (§6),
 * with the fault switches of og-veil-devnet(1).
 *
 * It is built from the leaf modules alone, so that it is right against the
 * protocol and the vectors, never by agreement with og-veil.  Answers vary
 * their legal shape from one request to the next (envelope or bare object,
 * hashes with or without 0x, tee_timestamp as integer or decimal string) so
 * that a client is exercised on every form §6 and §9 allow.
 */

#include "compat.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "devnet.h"
#include "digest.h"
#include "hpke.h"
#include "json.h"
#include "keccak.h"
#include "ohttp.h"
#include "pyjson.h"
#include "verify.h"
#include "xmalloc.h"

#define DEVNET_GATEWAY_TEE_ID_LEN	VERIFY_TEE_ID_LEN
#define DEVNET_GATEWAY_MAX_DEPTH	64
#define DEVNET_GATEWAY_ERROR_EVENT	"Stream processing failed"
/* PROTOCOL.md §5: the live gateway's limit on hdr || enc || ct. */
#define DEVNET_GATEWAY_MAX_ENCAP	(512U * 1024)

/* gateway-status: the plaintext refusals a live gateway sends (§5). */
static const struct {
	int		 status;
	const char	*reason;
	const char	*detail;
} devnet_gateway_refusals[] = {
	{ 400, "Bad Request", "Model 'x' is not supported by this TEE" },
	{ 402, "Payment Required", "Insufficient balance for this request" },
	{ 403, "Forbidden", "Request refused" },
	{ 404, "Not Found", "Not Found" },
	{ 405, "Method Not Allowed", "use POST" },
	{ 413, "Payload Too Large", "encapsulated request too large" },
	{ 429, "Too Many Requests", "Rate limit exceeded, retry later" },
	{ 451, "Unavailable For Legal Reasons",
	    "Request blocked by the content policy" },
	{ 500, "Internal Server Error", "Internal gateway error" },
	{ 503, "Service Unavailable", "Model backend overloaded" },
};
#define DEVNET_GATEWAY_NREFUSALS	(sizeof(devnet_gateway_refusals) / \
	sizeof(devnet_gateway_refusals[0]))

/* What a response proves, before it is written in one of its shapes. */
struct devnet_gateway_proof {
	uint8_t		 request_hash[32];
	uint8_t		 output_hash[32];
	int64_t		 timestamp;
	char		*signature;	/* owned: base64 */
	const char	*tee_id;	/* the gateway's, or the wrong one */
};

/* One streamed answer in flight: frames sealed and sent on a timer. */
struct devnet_gateway_stream {
	struct devnet_gateway	*gs_gw;		/* back-pointer */
	struct evhttp_request	*gs_req;	/* evhttp owns it */
	struct evhttp_connection *gs_conn;	/* evhttp owns it */
	struct ohttp_ctx	 gs_octx;	/* wiped on free */
	struct ohttp_sealer	*gs_sealer;	/* owned */
	char			**gs_frames;	/* owned: SSE events */
	size_t			 gs_nframes;	/* the last goes in "final" */
	size_t			 gs_next;
	int			 gs_delay_ms;
	int			 gs_fault;	/* DROP_FINAL, TRUNCATE, KILL */
	size_t			 gs_cut;	/* frame where the fault hits */
	char			*gs_billing;	/* owned or NULL: cost JSON */
	struct event		*gs_timer;	/* owned */
	struct devnet_gateway_stream *gs_prev;
	struct devnet_gateway_stream *gs_next_stream;
};

struct devnet_gateway {
	struct devnet		*gw_dn;		/* not owned */
	int			 gw_index;
	int			 gw_port;	/* kept across stop/start */
	struct evhttp		*gw_http;	/* owned; NULL while stopped */
	char			*gw_endpoint;	/* owned */
	struct ohttp_key_config	 gw_kc;
	uint8_t			 gw_sk[HPKE_X25519_LEN]; /* wiped */
	int64_t			 gw_key_at;	/* OHTTP key registered */
	EVP_PKEY		*gw_rsa;	/* owned: signing key */
	uint8_t			*gw_der;	/* owned: SPKI */
	size_t			 gw_der_len;
	char			 gw_tee_id[DEVNET_GATEWAY_TEE_ID_LEN + 1];
	char			 gw_wrong_id[DEVNET_GATEWAY_TEE_ID_LEN + 1];
	uint8_t			 gw_pcr[32];
	uint8_t			*gw_cert;	/* owned: DER */
	size_t			 gw_cert_len;
	int64_t			 gw_registered_at;
	uint64_t		 gw_nreq;	/* picks the answer's shape */
	/* Bench mode: the last signature, reused within its second. */
	uint8_t			 gw_cache_req[32];
	uint8_t			 gw_cache_out[32];
	int64_t			 gw_cache_ts;
	char			*gw_cache_sig;	/* owned or NULL */
	struct devnet_gateway_stream *gw_streams; /* owned: in flight */
};

static int	 devnet_gateway_keys(struct devnet_gateway *, const char **);
static int	 devnet_gateway_cert(struct devnet_gateway *, const char **);
static void	 devnet_gateway_refuse(struct evhttp_request *, long long);
static void	 devnet_gateway_reply_detail(struct evhttp_request *, int,
		    const char *);
static void	 devnet_gateway_send_sealed(struct evhttp_request *,
		    struct ohttp_ctx *, struct buf *, int);
static int	 devnet_gateway_sign(struct devnet_gateway *, const uint8_t *,
		    const char *, size_t, struct devnet_gateway_proof *,
		    const char **);
static void	 devnet_gateway_put_proof(struct json_value *,
		    const struct devnet_gateway_proof *, uint64_t);
static struct json_value *devnet_gateway_usage(const struct devnet_answer *);
static struct json_value *devnet_gateway_tool_calls(const char *,
		    const char *, const char *);
static char	*devnet_gateway_text(const struct devnet_answer *, size_t *);
static void	 devnet_gateway_single(struct devnet_gateway *,
		    struct evhttp_request *, struct ohttp_ctx *, const char *,
		    const struct devnet_answer *, const char *,
		    const struct devnet_gateway_proof *, uint64_t);
static void	 devnet_gateway_single_error(struct evhttp_request *,
		    struct ohttp_ctx *, const char *);
static char	*devnet_gateway_frame(const struct json_value *);
static struct json_value *devnet_gateway_delta_frame(struct json_value *,
		    const char *, const char *);
static void	 devnet_gateway_add_frame(char ***, size_t *, char *);
static char	*devnet_gateway_billing(const struct devnet_gateway *,
		    const char *, const struct devnet_answer *);
static void	 devnet_gateway_stream_start(struct devnet_gateway *,
		    struct evhttp_request *, struct ohttp_ctx *, char **,
		    size_t, char *);
static void	 devnet_gateway_stream_free(struct devnet_gateway_stream *);
static void	 devnet_gateway_stream_cb(evutil_socket_t, short, void *);
static void	 devnet_gateway_stream_close_cb(struct evhttp_connection *,
		    void *);
static void	 devnet_gateway_stream_arm(struct devnet_gateway_stream *);
static void	 devnet_gateway_request_cb(struct evhttp_request *, void *);
static void	 devnet_gateway_answer(struct devnet_gateway *,
		    struct evhttp_request *, struct ohttp_ctx *,
		    const struct json_value *, int);
static void	 devnet_gateway_fail(struct devnet_gateway *,
		    struct evhttp_request *, struct ohttp_ctx *, int,
		    const char *);
static void	 devnet_gateway_stream_frames(struct devnet_gateway *,
		    const char *, const struct devnet_answer *, const char *,
		    const struct devnet_gateway_proof *, uint64_t, char ***,
		    size_t *);

/* A fresh OHTTP key pair (key id kept in gw_kc) and RSA signing key. */
static int
devnet_gateway_keys(struct devnet_gateway *gw, const char **errstr)
{
	EVP_PKEY	*pkey;
	uint8_t		*der = NULL, *p, *wrong;
	int		 len, bits;

	if (hpke_generate_keypair(gw->gw_sk, gw->gw_kc.pk, errstr) == -1)
		return (-1);
	gw->gw_kc.kem_id = HPKE_KEM_X25519_SHA256;
	gw->gw_kc.kdf_id = HPKE_KDF_HKDF_SHA256;
	gw->gw_kc.aead_id = HPKE_AEAD_CHACHA20POLY1305;
	gw->gw_key_at = (int64_t)time(NULL);

	bits = gw->gw_dn->dn_rsa_bits > 0 ? gw->gw_dn->dn_rsa_bits : 2048;
	if ((pkey = EVP_RSA_gen((unsigned int)bits)) == NULL) {
		*errstr = "RSA key generation failed";
		return (-1);
	}
	if ((len = i2d_PUBKEY(pkey, NULL)) <= 0) {
		EVP_PKEY_free(pkey);
		*errstr = "cannot encode the signing key";
		return (-1);
	}
	der = xmalloc((size_t)len);
	p = der;
	if (i2d_PUBKEY(pkey, &p) != len) {
		free(der);
		EVP_PKEY_free(pkey);
		*errstr = "cannot encode the signing key";
		return (-1);
	}
	EVP_PKEY_free(gw->gw_rsa);
	free(gw->gw_der);
	gw->gw_rsa = pkey;
	gw->gw_der = der;
	gw->gw_der_len = (size_t)len;
	verify_tee_id(der, (size_t)len, gw->gw_tee_id);

	/* wrong-tee-id: the id of a different key (one DER byte changed). */
	wrong = xmemdup(der, (size_t)len);
	wrong[len - 1] ^= 0x01;
	verify_tee_id(wrong, (size_t)len, gw->gw_wrong_id);
	free(wrong);

	/* A new key invalidates the bench-mode signature cache. */
	free(gw->gw_cache_sig);
	gw->gw_cache_sig = NULL;
	return (0);
}

/* The TLS certificate the registry pins: the server's, or a self-signed. */
static int
devnet_gateway_cert(struct devnet_gateway *gw, const char **errstr)
{
	X509		*x = NULL;
	X509_NAME	*name;
	uint8_t		*p;
	char		 cn[64];
	int		 len;

	free(gw->gw_cert);
	gw->gw_cert = NULL;
	if (gw->gw_dn->dn_ssl_ctx != NULL &&
	    SSL_CTX_get0_certificate(gw->gw_dn->dn_ssl_ctx) != NULL) {
		x = X509_dup(SSL_CTX_get0_certificate(gw->gw_dn->dn_ssl_ctx));
		if (x == NULL)
			goto fail;
	} else {
		if ((x = X509_new()) == NULL)
			goto fail;
		snprintf(cn, sizeof(cn), "og-veil-devnet gateway %d",
		    gw->gw_index);
		if (X509_set_version(x, 2) != 1 ||
		    ASN1_INTEGER_set(X509_get_serialNumber(x),
		    gw->gw_index + 1) != 1 ||
		    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
		    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365) ==
		    NULL || X509_set_pubkey(x, gw->gw_rsa) != 1)
			goto fail;
		name = X509_get_subject_name(x);
		if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		    (const unsigned char *)cn, -1, -1, 0) != 1 ||
		    X509_set_issuer_name(x, name) != 1 ||
		    X509_sign(x, gw->gw_rsa, EVP_sha256()) <= 0)
			goto fail;
	}
	if ((len = i2d_X509(x, NULL)) <= 0)
		goto fail;
	gw->gw_cert = xmalloc((size_t)len);
	p = gw->gw_cert;
	if (i2d_X509(x, &p) != len)
		goto fail;
	gw->gw_cert_len = (size_t)len;
	X509_free(x);
	return (0);

fail:
	X509_free(x);
	free(gw->gw_cert);
	gw->gw_cert = NULL;
	*errstr = "cannot make the gateway's TLS certificate";
	return (-1);
}

/* A gateway with fresh keys, listening on an ephemeral port. */
struct devnet_gateway *
devnet_gateway_new(struct devnet *dn, int index, const char **errstr)
{
	struct devnet_gateway	*gw;
	char			 label[64];

	gw = xcalloc(1, sizeof(*gw));
	gw->gw_dn = dn;
	gw->gw_index = index;
	gw->gw_kc.key_id = (uint8_t)(1 + index);
	gw->gw_registered_at = (int64_t)time(NULL);
	snprintf(label, sizeof(label), "og-veil-devnet gateway %d", index);
	keccak256(label, strlen(label), gw->gw_pcr);
	if (devnet_gateway_keys(gw, errstr) == -1 ||
	    devnet_gateway_cert(gw, errstr) == -1 ||
	    devnet_gateway_start(gw, errstr) == -1) {
		devnet_gateway_free(gw);
		return (NULL);
	}
	gw->gw_endpoint = devnet_url(dn, gw->gw_port);
	return (gw);
}

/* Stop the gateway, end its streams and free it; NULL is a no-op. */
void
devnet_gateway_free(struct devnet_gateway *gw)
{
	if (gw == NULL)
		return;
	devnet_gateway_stop(gw);
	while (gw->gw_streams != NULL)
		devnet_gateway_stream_free(gw->gw_streams);
	OPENSSL_cleanse(gw->gw_sk, sizeof(gw->gw_sk));
	EVP_PKEY_free(gw->gw_rsa);
	free(gw->gw_der);
	free(gw->gw_cert);
	free(gw->gw_endpoint);
	free(gw->gw_cache_sig);
	free(gw);
}

/* The registry entry (PROTOCOL.md §3): every pointer in t is a new copy. */
void
devnet_gateway_abi(const struct devnet_gateway *gw, struct abi_tee *t)
{
	struct buf	 kc;
	uint8_t		 h[KECCAK256_LEN];
	char		 label[64];

	memset(t, 0, sizeof(*t));
	snprintf(label, sizeof(label), "og-veil-devnet owner %d",
	    gw->gw_index);
	keccak256(label, strlen(label), h);
	memcpy(t->owner, h + 12, 20);
	snprintf(label, sizeof(label), "og-veil-devnet payment %d",
	    gw->gw_index);
	keccak256(label, strlen(label), h);
	memcpy(t->payment_address, h + 12, 20);
	t->endpoint = xstrdup(gw->gw_endpoint != NULL ? gw->gw_endpoint : "");
	t->endpoint_len = strlen(t->endpoint);
	t->public_key = xmemdup(gw->gw_der, gw->gw_der_len);
	t->public_key_len = gw->gw_der_len;
	t->tls_certificate = xmemdup(gw->gw_cert, gw->gw_cert_len);
	t->tls_certificate_len = gw->gw_cert_len;
	memcpy(t->pcr_hash, gw->gw_pcr, 32);
	t->tee_type = 0;
	t->enabled = 1;
	abi_u256_from_u64((uint64_t)gw->gw_registered_at, t->registered_at);
	abi_u256_from_u64((uint64_t)time(NULL), t->last_heartbeat_at);

	t->ohttp.key_id = gw->gw_kc.key_id;
	t->ohttp.kem_id = gw->gw_kc.kem_id;
	t->ohttp.kdf_id = gw->gw_kc.kdf_id;
	t->ohttp.aead_id = gw->gw_kc.aead_id;
	t->ohttp.public_key = xmemdup(gw->gw_kc.pk, HPKE_X25519_LEN);
	t->ohttp.public_key_len = HPKE_X25519_LEN;
	/* RFC 9458 §3.1 key configuration: one symmetric suite. */
	buf_init(&kc);
	buf_add_u8(&kc, gw->gw_kc.key_id);
	buf_add_be16(&kc, gw->gw_kc.kem_id);
	buf_add(&kc, gw->gw_kc.pk, HPKE_X25519_LEN);
	buf_add_be16(&kc, 4);
	buf_add_be16(&kc, gw->gw_kc.kdf_id);
	buf_add_be16(&kc, gw->gw_kc.aead_id);
	t->ohttp.key_config = buf_detach(&kc, &t->ohttp.key_config_len);
	abi_u256_from_u64((uint64_t)gw->gw_key_at, t->ohttp.registered_at);
}

int
devnet_gateway_port(const struct devnet_gateway *gw)
{
	return (gw->gw_port);
}

const char *
devnet_gateway_tee_id(const struct devnet_gateway *gw)
{
	return (gw->gw_tee_id);
}

/* Close the listener and every connection (streams end). */
void
devnet_gateway_stop(struct devnet_gateway *gw)
{
	if (gw->gw_http == NULL)
		return;
	evhttp_free(gw->gw_http);
	gw->gw_http = NULL;
}

/* Listen again, on the same port once one was chosen. */
int
devnet_gateway_start(struct devnet_gateway *gw, const char **errstr)
{
	struct evhttp	*http;
	int		 port;

	if (gw->gw_http != NULL)
		return (0);
	if ((http = devnet_listen(gw->gw_dn, gw->gw_port, &port,
	    errstr)) == NULL)
		return (-1);
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
	evhttp_set_max_body_size(http, DEVNET_MAX_BODY);
	evhttp_set_gencb(http, devnet_gateway_request_cb, gw);
	gw->gw_http = http;
	gw->gw_port = port;
	return (0);
}

int
devnet_gateway_running(const struct devnet_gateway *gw)
{
	return (gw->gw_http != NULL);
}

/* Key rotation: new OHTTP key under the next key id, new RSA key. */
int
devnet_gateway_rotate(struct devnet_gateway *gw, const char **errstr)
{
	struct ohttp_key_config	 old = gw->gw_kc;
	uint8_t			 oldsk[HPKE_X25519_LEN];

	memcpy(oldsk, gw->gw_sk, sizeof(oldsk));
	gw->gw_kc.key_id = (uint8_t)(gw->gw_kc.key_id + 1);
	if (devnet_gateway_keys(gw, errstr) == -1 ||
	    devnet_gateway_cert(gw, errstr) == -1) {
		gw->gw_kc = old;
		memcpy(gw->gw_sk, oldsk, sizeof(oldsk));
		OPENSSL_cleanse(oldsk, sizeof(oldsk));
		return (-1);
	}
	OPENSSL_cleanse(oldsk, sizeof(oldsk));
	return (0);
}

/* The gateway's entry of the state file, a JSON object. */
void
devnet_gateway_state_json(const struct devnet_gateway *gw, struct buf *out)
{
	struct json_value	*o;
	char			 pcr[2 + 64 + 1], pk[2 * HPKE_X25519_LEN + 1];
	char			*der;

	pcr[0] = '0';
	pcr[1] = 'x';
	hex_encode(gw->gw_pcr, sizeof(gw->gw_pcr), pcr + 2);
	hex_encode(gw->gw_kc.pk, sizeof(gw->gw_kc.pk), pk);
	der = xmalloc(2 * gw->gw_der_len + 1);
	hex_encode(gw->gw_der, gw->gw_der_len, der);

	o = json_new_object();
	json_object_set(o, "index", json_new_int(gw->gw_index));
	json_object_set(o, "tee_id", json_new_string(gw->gw_tee_id));
	json_object_set(o, "pcr_hash", json_new_string(pcr));
	json_object_set(o, "endpoint", json_new_string(
	    gw->gw_endpoint != NULL ? gw->gw_endpoint : ""));
	json_object_set(o, "port", json_new_int(gw->gw_port));
	json_object_set(o, "key_id", json_new_int(gw->gw_kc.key_id));
	json_object_set(o, "ohttp_public_key", json_new_string(pk));
	json_object_set(o, "signing_key_der", json_new_string(der));
	json_object_set(o, "rsa_bits", json_new_int(
	    EVP_PKEY_get_bits(gw->gw_rsa)));
	json_object_set(o, "running", json_new_bool(gw->gw_http != NULL));
	pyjson_write(out, o, 0);
	json_free(o);
	free(der);
}

/* A plain (unencrypted) JSON error, as the gateway's HTTP layer sends. */
static void
devnet_gateway_reply_detail(struct evhttp_request *req, int code,
    const char *msg)
{
	struct evbuffer	*evb;
	struct buf	 b;
	const char	*reason = "Bad Request";
	size_t		 i;

	for (i = 0; i < DEVNET_GATEWAY_NREFUSALS; i++)
		if (devnet_gateway_refusals[i].status == code)
			reason = devnet_gateway_refusals[i].reason;
	buf_init(&b);
	buf_add_str(&b, "{\"detail\": ");
	pyjson_write_string(&b, msg, strlen(msg), PYJSON_ENSURE_ASCII);
	buf_add_str(&b, "}");
	evb = evbuffer_new();
	evbuffer_add(evb, b.data, b.len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "application/json");
	if (code == 429)
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Retry-After", "5");
	evhttp_send_reply(req, code, reason, evb);
	evbuffer_free(evb);
	buf_clear(&b, 0);
}

/* gateway-status: refuse in plaintext with the chosen status (§5). */
static void
devnet_gateway_refuse(struct evhttp_request *req, long long status)
{
	const char	*detail = "Request refused";
	size_t		 i;

	if (status < 400 || status > 599)
		status = 400;
	for (i = 0; i < DEVNET_GATEWAY_NREFUSALS; i++)
		if (devnet_gateway_refusals[i].status == status)
			detail = devnet_gateway_refusals[i].detail;
	devnet_gateway_reply_detail(req, (int)status, detail);
}

/*
 * PROTOCOL.md §9: msg = keccak256(request_hash || output_hash ||
 * be256(timestamp)), signed RSA-PSS with SHA-256 (which hashes msg once
 * more), MGF1-SHA-256 and a 32-byte salt.  Faults bad-request-hash,
 * bad-signature and wrong-tee-id are applied here.
 */
static int
devnet_gateway_sign(struct devnet_gateway *gw, const uint8_t *request_hash,
    const char *output, size_t outlen, struct devnet_gateway_proof *pf,
    const char **errstr)
{
	struct devnet		*dn = gw->gw_dn;
	struct keccak_ctx	 kc;
	EVP_MD_CTX		*md = NULL;
	EVP_PKEY_CTX		*pctx;
	uint8_t			 ts[32], msg[KECCAK256_LEN], *sig = NULL;
	size_t			 siglen = 0;
	int			 i = gw->gw_index;

	memset(pf, 0, sizeof(*pf));
	memcpy(pf->request_hash, request_hash, 32);
	if (devnet_fault_on(dn, DEVNET_F_BAD_REQUEST_HASH, i))
		pf->request_hash[31] ^= 0x01;
	keccak256(output, outlen, pf->output_hash);
	pf->timestamp = (int64_t)time(NULL);
	pf->tee_id = devnet_fault_on(dn, DEVNET_F_WRONG_TEE_ID, i) ?
	    gw->gw_wrong_id : gw->gw_tee_id;

	if (dn->dn_bench && gw->gw_cache_sig != NULL &&
	    gw->gw_cache_ts == pf->timestamp &&
	    memcmp(gw->gw_cache_req, pf->request_hash, 32) == 0 &&
	    memcmp(gw->gw_cache_out, pf->output_hash, 32) == 0) {
		pf->signature = xstrdup(gw->gw_cache_sig);
		goto faults;
	}

	abi_u256_from_u64((uint64_t)pf->timestamp, ts);
	keccak256_init(&kc);
	keccak256_update(&kc, pf->request_hash, 32);
	keccak256_update(&kc, pf->output_hash, 32);
	keccak256_update(&kc, ts, sizeof(ts));
	keccak256_final(&kc, msg);

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL,
	    gw->gw_rsa) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	    EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, msg, sizeof(msg)) != 1)
		goto fail;
	sig = xmalloc(siglen);
	if (EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1)
		goto fail;
	EVP_MD_CTX_free(md);
	pf->signature = base64_encode_new(sig, siglen);
	free(sig);
	if (dn->dn_bench) {
		free(gw->gw_cache_sig);
		gw->gw_cache_sig = xstrdup(pf->signature);
		memcpy(gw->gw_cache_req, pf->request_hash, 32);
		memcpy(gw->gw_cache_out, pf->output_hash, 32);
		gw->gw_cache_ts = pf->timestamp;
	}

faults:
	if (devnet_fault_on(dn, DEVNET_F_BAD_SIGNATURE, i)) {
		/* Flip a bit of the signature itself, not of its encoding. */
		uint8_t	*raw;
		size_t	 rawlen;

		if (base64_decode_new(pf->signature, strlen(pf->signature),
		    &raw, &rawlen) == 0 && rawlen > 0) {
			raw[rawlen / 2] ^= 0x10;
			free(pf->signature);
			pf->signature = base64_encode_new(raw, rawlen);
			free(raw);
		}
	}
	return (0);

fail:
	EVP_MD_CTX_free(md);
	free(sig);
	*errstr = "RSA-PSS signing failed";
	return (-1);
}

/* The tee_* fields of PROTOCOL.md §9, in the shape variant picks. */
static void
devnet_gateway_put_proof(struct json_value *o,
    const struct devnet_gateway_proof *pf, uint64_t variant)
{
	char	h[2 + 64 + 1], ts[32];
	int	skip = (variant & 2) ? 0 : 2;

	json_object_set(o, "tee_signature", json_new_string(pf->signature));
	h[0] = '0';
	h[1] = 'x';
	hex_encode(pf->request_hash, 32, h + 2);
	json_object_set(o, "tee_request_hash", json_new_string(h + skip));
	hex_encode(pf->output_hash, 32, h + 2);
	json_object_set(o, "tee_output_hash", json_new_string(h + skip));
	if (variant & 4) {
		snprintf(ts, sizeof(ts), "%" PRId64, pf->timestamp);
		json_object_set(o, "tee_timestamp", json_new_string(ts));
	} else
		json_object_set(o, "tee_timestamp",
		    json_new_int(pf->timestamp));
	json_object_set(o, "tee_id", json_new_string(pf->tee_id));
}

static struct json_value *
devnet_gateway_usage(const struct devnet_answer *a)
{
	struct json_value	*u;

	u = json_new_object();
	json_object_set(u, "prompt_tokens", json_new_int(a->prompt_tokens));
	json_object_set(u, "completion_tokens",
	    json_new_int(a->completion_tokens));
	json_object_set(u, "total_tokens",
	    json_new_int(a->prompt_tokens + a->completion_tokens));
	return (u);
}

/* [{"id", "type": "function", "function": {"name", "arguments"}}] */
static struct json_value *
devnet_gateway_tool_calls(const char *id, const char *name, const char *args)
{
	struct json_value	*list, *call, *fn;

	fn = json_new_object();
	json_object_set(fn, "name", json_new_string(name));
	json_object_set(fn, "arguments", json_new_string(args));
	call = json_new_object();
	json_object_set(call, "id", json_new_string(id));
	json_object_set(call, "type", json_new_string("function"));
	json_object_set(call, "function", fn);
	list = json_new_array();
	json_array_add(list, call);
	return (list);
}

/* The answer's text: its tokens joined.  A new string. */
static char *
devnet_gateway_text(const struct devnet_answer *a, size_t *len)
{
	struct buf	b;
	size_t		i;

	buf_init(&b);
	for (i = 0; i < a->ntokens; i++)
		buf_add_str(&b, a->tokens[i]);
	buf_add(&b, "", 0);
	return ((char *)buf_detach(&b, len));
}

/*
 * The unsigned-extra fault's members beside the signed ones of a message
 * or delta m: a refusal, reasoning, and content beside signed tool calls
 * (tool) or tool calls beside signed text.
 */
static void
devnet_gateway_unsigned_beside(struct json_value *m, int tool)
{
	json_object_set(m, "refusal", json_new_string("UNSIGNED-REFUSAL"));
	json_object_set(m, "reasoning_content",
	    json_new_string("UNSIGNED-REASONING"));
	if (tool)
		json_object_set(m, "content", json_new_string("UNSIGNED-TEXT"));
	else
		json_object_set(m, "tool_calls",
		    devnet_gateway_tool_calls("call_unsigned",
		    "UNSIGNED-TOOL", "{}"));
}

/*
 * The unsigned-extra fault, single-shot: text PROTOCOL.md §8 does not sign
 * (a second choice, refusal and reasoning beside the message, content
 * beside signed tool calls or tool calls beside signed text).
 */
static void
devnet_gateway_unsigned_single(struct json_value *choices,
    struct json_value *msg, int tool)
{
	struct json_value	*choice, *m;

	devnet_gateway_unsigned_beside(msg, tool);
	m = json_new_object();
	json_object_set(m, "role", json_new_string("assistant"));
	json_object_set(m, "content", json_new_string("UNSIGNED-CHOICE1"));
	choice = json_new_object();
	json_object_set(choice, "index", json_new_int(1));
	json_object_set(choice, "message", m);
	json_object_set(choice, "finish_reason", json_new_string("stop"));
	json_array_add(choices, choice);
}

/* The unsigned-extra fault, streaming: the same beside a delta frame. */
static void
devnet_gateway_unsigned_frame(struct json_value *f, int tool)
{
	struct json_value	*choices, *delta, *choice, *d;

	choices = json_get(f, "choices");
	delta = json_get(json_index(choices, 0), "delta");
	devnet_gateway_unsigned_beside(delta, tool);
	d = json_new_object();
	json_object_set(d, "content", json_new_string("UNSIGNED-CHOICE1"));
	choice = json_new_object();
	json_object_set(choice, "delta", d);
	json_object_set(choice, "index", json_new_int(1));
	json_object_set(choice, "finish_reason", json_new_null());
	json_array_add(choices, choice);
	json_object_set(f, "unsigned_note", json_new_string("UNSIGNED-TOP"));
}

/* A sealed single-shot response (§6) carrying the chat completion. */
static void
devnet_gateway_single(struct devnet_gateway *gw, struct evhttp_request *req,
    struct ohttp_ctx *octx, const char *model, const struct devnet_answer *a,
    const char *call_id, const struct devnet_gateway_proof *pf,
    uint64_t variant)
{
	struct json_value	*body, *choice, *msg, *choices, *top;
	struct buf		 pt;
	char			*text, id[64];
	int			 tamper, extra;

	extra = devnet_fault_on(gw->gw_dn, DEVNET_F_UNSIGNED_EXTRA,
	    gw->gw_index);
	tamper = devnet_fault_on(gw->gw_dn, DEVNET_F_TAMPER_OUTPUT,
	    gw->gw_index) || devnet_fault_on(gw->gw_dn,
	    DEVNET_F_TAMPER_TOKEN, gw->gw_index);
	msg = json_new_object();
	json_object_set(msg, "role", json_new_string("assistant"));
	if (a->tool_name != NULL) {
		json_object_set(msg, "content", json_new_null());
		/* The fault changes the arguments after they were signed. */
		if (tamper) {
			text = NULL;
			xasprintf(&text, "%s ", a->tool_args);
			json_object_set(msg, "tool_calls",
			    devnet_gateway_tool_calls(call_id, a->tool_name,
			    text));
			free(text);
		} else
			json_object_set(msg, "tool_calls",
			    devnet_gateway_tool_calls(call_id, a->tool_name,
			    a->tool_args));
	} else {
		text = devnet_gateway_text(a, NULL);
		if (tamper)
			text[strlen(text) - 1] ^= 0x01;
		json_object_set(msg, "content", json_new_string(text));
		free(text);
	}
	choice = json_new_object();
	json_object_set(choice, "index", json_new_int(0));
	json_object_set(choice, "message", msg);
	json_object_set(choice, "finish_reason", json_new_string(
	    a->tool_name != NULL ? "tool_calls" : a->truncated ? "length" :
	    "stop"));
	choices = json_new_array();
	json_array_add(choices, choice);
	if (extra)
		devnet_gateway_unsigned_single(choices, msg,
		    a->tool_name != NULL);

	snprintf(id, sizeof(id), "chatcmpl-devnet-%d-%" PRIu64, gw->gw_index,
	    gw->gw_nreq);
	body = json_new_object();
	json_object_set(body, "id", json_new_string(id));
	json_object_set(body, "object", json_new_string("chat.completion"));
	json_object_set(body, "created", json_new_int(pf->timestamp));
	json_object_set(body, "model", json_new_string(model));
	json_object_set(body, "choices", choices);
	json_object_set(body, "usage", devnet_gateway_usage(a));
	if (extra)
		json_object_set(body, "unsigned_note",
		    json_new_string("UNSIGNED-TOP"));
	devnet_gateway_put_proof(body, pf, variant);
	if ((variant & 1) == 0) {
		top = json_new_object();
		json_object_set(top, "status", json_new_int(200));
		json_object_set(top, "body", body);
	} else
		top = body;

	buf_init(&pt);
	pyjson_write(&pt, top, PYJSON_ENSURE_ASCII);
	json_free(top);
	devnet_gateway_send_sealed(req, octx, &pt, 1);
}

/*
 * Seal pt as the single-shot response and send it (200 message/ohttp-res),
 * or a plain 500 when sealing fails.  pt is cleared (wiped when wipe).
 */
static void
devnet_gateway_send_sealed(struct evhttp_request *req,
    struct ohttp_ctx *octx, struct buf *pt, int wipe)
{
	struct evbuffer	*evb;
	struct buf	 sealed;
	const char	*errstr;

	buf_init(&sealed);
	if (ohttp_seal_response(octx, NULL, pt->data, pt->len, &sealed,
	    &errstr) == -1) {
		buf_clear(pt, wipe);
		devnet_gateway_reply_detail(req, 500, errstr);
		return;
	}
	buf_clear(pt, wipe);
	evb = evbuffer_new();
	evbuffer_add(evb, sealed.data, sealed.len);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "message/ohttp-res");
	evhttp_send_reply(req, 200, "OK", evb);
	evbuffer_free(evb);
	buf_clear(&sealed, 0);
}

/* A request that decrypted but cannot be served: a sealed 400 envelope. */
static void
devnet_gateway_single_error(struct evhttp_request *req,
    struct ohttp_ctx *octx, const char *msg)
{
	struct buf	 pt;

	buf_init(&pt);
	buf_add_str(&pt, "{\"status\": 400, \"body\": {\"error\": ");
	pyjson_write_string(&pt, msg, strlen(msg), PYJSON_ENSURE_ASCII);
	buf_add_str(&pt, "}}");
	devnet_gateway_send_sealed(req, octx, &pt, 0);
}

/* "data: <json>\n\n" in Python's default json.dumps layout. */
static char *
devnet_gateway_frame(const struct json_value *v)
{
	struct buf	b;

	buf_init(&b);
	buf_add_str(&b, "data: ");
	pyjson_write(&b, v, PYJSON_ENSURE_ASCII);
	buf_add_str(&b, "\n\n");
	return ((char *)buf_detach(&b, NULL));
}

/* {"choices": [{"delta": d, "index": 0, "finish_reason": fr}], "model"} */
static struct json_value *
devnet_gateway_delta_frame(struct json_value *delta, const char *fr,
    const char *model)
{
	struct json_value	*f, *choice, *choices;

	choice = json_new_object();
	json_object_set(choice, "delta", delta);
	json_object_set(choice, "index", json_new_int(0));
	json_object_set(choice, "finish_reason",
	    fr != NULL ? json_new_string(fr) : json_new_null());
	choices = json_new_array();
	json_array_add(choices, choice);
	f = json_new_object();
	json_object_set(f, "choices", choices);
	json_object_set(f, "model", json_new_string(model));
	return (f);
}

static void
devnet_gateway_add_frame(char ***frames, size_t *n, char *frame)
{
	*frames = xreallocarray(*frames, *n + 1, sizeof(**frames));
	(*frames)[(*n)++] = frame;
}

/* The streamed answer's SSE events (§6), the signed frame last. */
static void
devnet_gateway_stream_frames(struct devnet_gateway *gw, const char *model,
    const struct devnet_answer *a, const char *call_id,
    const struct devnet_gateway_proof *pf, uint64_t variant,
    char ***frames, size_t *nframes)
{
	struct devnet		*dn = gw->gw_dn;
	struct json_value	*delta, *f, *calls, *call, *fn;
	size_t			 i, len, cut[4], ntamper;
	char			*piece;
	int			 k, tamper_out, tamper_tok, extra;

	extra = devnet_fault_on(dn, DEVNET_F_UNSIGNED_EXTRA, gw->gw_index);
	tamper_out = devnet_fault_on(dn, DEVNET_F_TAMPER_OUTPUT,
	    gw->gw_index);
	tamper_tok = devnet_fault_on(dn, DEVNET_F_TAMPER_TOKEN,
	    gw->gw_index);
	if (a->tool_name != NULL) {
		fn = json_new_object();
		json_object_set(fn, "name", json_new_string(a->tool_name));
		json_object_set(fn, "arguments", json_new_string(""));
		call = json_new_object();
		json_object_set(call, "index", json_new_int(0));
		json_object_set(call, "id", json_new_string(call_id));
		json_object_set(call, "type", json_new_string("function"));
		json_object_set(call, "function", fn);
		calls = json_new_array();
		json_array_add(calls, call);
		delta = json_new_object();
		json_object_set(delta, "role", json_new_string("assistant"));
		json_object_set(delta, "tool_calls", calls);
		f = devnet_gateway_delta_frame(delta, NULL, model);
		if (extra)
			devnet_gateway_unsigned_frame(f,
			    a->tool_name != NULL);
		devnet_gateway_add_frame(frames, nframes,
		    devnet_gateway_frame(f));
		json_free(f);

		/* Arguments in three pieces, cut between characters. */
		len = strlen(a->tool_args);
		cut[0] = 0;
		cut[3] = len;
		for (k = 1; k < 3; k++) {
			cut[k] = len * (size_t)k / 3;
			while (cut[k] > cut[k - 1] && cut[k] < len &&
			    ((unsigned char)a->tool_args[cut[k]] & 0xc0) ==
			    0x80)
				cut[k]--;
		}
		for (k = 0; k < 3; k++) {
			piece = xstrndup(a->tool_args + cut[k],
			    cut[k + 1] - cut[k]);
			if (k == 1 && (tamper_out || tamper_tok)) {
				free(piece);
				xasprintf(&piece, "%.*s ",
				    (int)(cut[k + 1] - cut[k]),
				    a->tool_args + cut[k]);
			}
			fn = json_new_object();
			json_object_set(fn, "arguments",
			    json_new_string(piece));
			free(piece);
			call = json_new_object();
			json_object_set(call, "index", json_new_int(0));
			json_object_set(call, "function", fn);
			calls = json_new_array();
			json_array_add(calls, call);
			delta = json_new_object();
			json_object_set(delta, "tool_calls", calls);
			f = devnet_gateway_delta_frame(delta, NULL, model);
			if (extra)
				devnet_gateway_unsigned_frame(f,
				    a->tool_name != NULL);
			devnet_gateway_add_frame(frames, nframes,
			    devnet_gateway_frame(f));
			json_free(f);
		}
	} else {
		/* tamper-output hits the first token, tamper-token a later. */
		ntamper = tamper_tok ? a->ntokens / 2 :
		    (tamper_out ? 0 : a->ntokens);
		for (i = 0; i < a->ntokens; i++) {
			delta = json_new_object();
			if (i == ntamper) {
				piece = xstrdup(a->tokens[i]);
				piece[0] ^= 0x01;
				json_object_set(delta, "content",
				    json_new_string(piece));
				free(piece);
			} else
				json_object_set(delta, "content",
				    json_new_string(a->tokens[i]));
			json_object_set(delta, "role",
			    json_new_string("assistant"));
			f = devnet_gateway_delta_frame(delta, NULL, model);
			if (extra)
				devnet_gateway_unsigned_frame(f,
				    a->tool_name != NULL);
			devnet_gateway_add_frame(frames, nframes,
			    devnet_gateway_frame(f));
			json_free(f);
		}
	}

	if (devnet_fault_on(dn, DEVNET_F_ERROR_EVENT, gw->gw_index)) {
		f = json_new_object();
		json_object_set(f, "error",
		    json_new_string(DEVNET_GATEWAY_ERROR_EVENT));
	} else {
		f = devnet_gateway_delta_frame(json_new_object(),
		    a->tool_name != NULL ? "tool_calls" : a->truncated ?
		    "length" : "stop", model);
		devnet_gateway_put_proof(f, pf, variant);
		json_object_set(f, "usage", devnet_gateway_usage(a));
		if (extra)
			devnet_gateway_unsigned_frame(f, a->tool_name != NULL);
	}
	devnet_gateway_add_frame(frames, nframes, devnet_gateway_frame(f));
	json_free(f);
	devnet_gateway_add_frame(frames, nframes, xstrdup("data: [DONE]\n\n"));
}

/*
 * The cost JSON of a streamed answer, for the relay's billing frame (§6):
 * a new string.  The live gateway's field set is its own; the relay only
 * needs it to be JSON.
 */
static char *
devnet_gateway_billing(const struct devnet_gateway *gw, const char *model,
    const struct devnet_answer *a)
{
	struct json_value	*o;
	char			*s;

	o = json_new_object();
	json_object_set(o, "tee_id", json_new_string(gw->gw_tee_id));
	json_object_set(o, "model", json_new_string(model));
	json_object_set(o, "prompt_tokens", json_new_int(a->prompt_tokens));
	json_object_set(o, "completion_tokens",
	    json_new_int(a->completion_tokens));
	json_object_set(o, "cost_usd", json_new_string("0.000001"));
	s = pyjson_dumps(o, NULL);
	json_free(o);
	return (s);
}

/*
 * Begin a chunked response (§6) and send frames on a timer; billing (owned,
 * or NULL) goes in a billing frame before the final chunk.
 */
static void
devnet_gateway_stream_start(struct devnet_gateway *gw,
    struct evhttp_request *req, struct ohttp_ctx *octx, char **frames,
    size_t nframes, char *billing)
{
	struct devnet			*dn = gw->gw_dn;
	struct devnet_gateway_stream	*gs;
	struct evbuffer			*evb;
	struct buf			 nonce;
	const char			*errstr;
	size_t				 i;

	gs = xcalloc(1, sizeof(*gs));
	gs->gs_gw = gw;
	gs->gs_req = req;
	gs->gs_conn = evhttp_request_get_connection(req);
	gs->gs_octx = *octx;
	OPENSSL_cleanse(octx, sizeof(*octx));
	gs->gs_frames = frames;
	gs->gs_nframes = nframes;
	gs->gs_billing = billing;
	gs->gs_delay_ms = dn->dn_stream_delay_ms;
	if (devnet_fault_on(dn, DEVNET_F_SLOW_STREAM, gw->gw_index))
		gs->gs_delay_ms = (int)devnet_fault_value(dn,
		    DEVNET_F_SLOW_STREAM);
	if (gs->gs_delay_ms < 0)
		gs->gs_delay_ms = 0;
	/* The faults that break the body hit half-way through. */
	gs->gs_cut = nframes / 2;
	if (devnet_fault_on(dn, DEVNET_F_KILL_MID_STREAM, gw->gw_index))
		gs->gs_fault = DEVNET_F_KILL_MID_STREAM;
	else if (devnet_fault_on(dn, DEVNET_F_TRUNCATE, gw->gw_index))
		gs->gs_fault = DEVNET_F_TRUNCATE;
	else if (devnet_fault_on(dn, DEVNET_F_DROP_FINAL, gw->gw_index)) {
		gs->gs_fault = DEVNET_F_DROP_FINAL;
		gs->gs_cut = nframes - 1;
	} else
		gs->gs_fault = -1;

	buf_init(&nonce);
	if ((gs->gs_sealer = ohttp_sealer_new(&gs->gs_octx, NULL, &nonce,
	    &errstr)) == NULL) {
		devnet_gateway_reply_detail(req, 500, errstr);
		for (i = 0; i < nframes; i++)
			free(frames[i]);
		free(frames);
		free(billing);
		ohttp_ctx_clear(&gs->gs_octx);
		free(gs);
		return;
	}
	gs->gs_next_stream = gw->gw_streams;
	if (gw->gw_streams != NULL)
		gw->gw_streams->gs_prev = gs;
	gw->gw_streams = gs;
	gs->gs_timer = evtimer_new(dn->dn_base, devnet_gateway_stream_cb, gs);

	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Type", "message/ohttp-chunked-res");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(gs->gs_conn,
	    devnet_gateway_stream_close_cb, gs);
	evb = evbuffer_new();
	evbuffer_add(evb, nonce.data, nonce.len);
	evhttp_send_reply_chunk(req, evb);
	evbuffer_free(evb);
	buf_clear(&nonce, 0);
	devnet_gateway_stream_arm(gs);
}

static void
devnet_gateway_stream_arm(struct devnet_gateway_stream *gs)
{
	struct timeval	tv;

	tv.tv_sec = gs->gs_delay_ms / 1000;
	tv.tv_usec = (gs->gs_delay_ms % 1000) * 1000;
	evtimer_add(gs->gs_timer, &tv);
}

/* Unlink and free a stream; the request is left to its caller. */
static void
devnet_gateway_stream_free(struct devnet_gateway_stream *gs)
{
	struct devnet_gateway	*gw = gs->gs_gw;
	size_t			 i;

	if (gs->gs_prev != NULL)
		gs->gs_prev->gs_next_stream = gs->gs_next_stream;
	else
		gw->gw_streams = gs->gs_next_stream;
	if (gs->gs_next_stream != NULL)
		gs->gs_next_stream->gs_prev = gs->gs_prev;
	if (gs->gs_timer != NULL)
		event_free(gs->gs_timer);
	ohttp_sealer_free(gs->gs_sealer);
	ohttp_ctx_clear(&gs->gs_octx);
	for (i = 0; i < gs->gs_nframes; i++)
		xfree_secret(gs->gs_frames[i], strlen(gs->gs_frames[i]));
	free(gs->gs_frames);
	free(gs->gs_billing);
	free(gs);
}

/*
 * The client went away (or the gateway stopped).  When evhttp has already
 * detached the unfinished request from its connection, it is ours to free;
 * otherwise the connection frees it.
 */
static void
devnet_gateway_stream_close_cb(struct evhttp_connection *conn, void *arg)
{
	struct devnet_gateway_stream	*gs = arg;
	struct evhttp_request		*req = gs->gs_req;

	(void)conn;
	devnet_gateway_stream_free(gs);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_send_reply_end(req);
}

/* Send the next frame as one sealed chunk, or end the stream. */
static void
devnet_gateway_stream_cb(evutil_socket_t fd, short what, void *arg)
{
	struct devnet_gateway_stream	*gs = arg;
	struct evhttp_request		*req = gs->gs_req;
	struct evhttp_connection	*conn = gs->gs_conn;
	struct evbuffer			*evb;
	struct buf			 out;
	const char			*errstr, *frame;
	int				 final;

	(void)fd;
	(void)what;
	final = gs->gs_next + 1 == gs->gs_nframes;
	if (gs->gs_next == gs->gs_cut && gs->gs_fault ==
	    DEVNET_F_KILL_MID_STREAM) {
		evhttp_connection_set_closecb(conn, NULL, NULL);
		devnet_gateway_stream_free(gs);
		evhttp_connection_free(conn);
		return;
	}
	if (gs->gs_next == gs->gs_cut && gs->gs_fault == DEVNET_F_DROP_FINAL) {
		evhttp_connection_set_closecb(conn, NULL, NULL);
		devnet_gateway_stream_free(gs);
		devnet_reply_end(req);
		return;
	}

	frame = gs->gs_frames[gs->gs_next];
	buf_init(&out);
	/*
	 * §6: the plaintext billing frame for the relay, just before final
	 * (a few hundred bytes: it cannot exceed the bound).
	 */
	if (final && gs->gs_billing != NULL)
		(void)ohttp_billing_frame((const uint8_t *)gs->gs_billing,
		    strlen(gs->gs_billing), &out, &errstr);
	if (ohttp_sealer_chunk(gs->gs_sealer, (const uint8_t *)frame,
	    strlen(frame), final, &out, &errstr) == -1) {
		/* Cannot happen with a valid context; end the body short. */
		final = 1;
		out.len = 0;
	}
	if (gs->gs_next == gs->gs_cut && gs->gs_fault == DEVNET_F_TRUNCATE) {
		out.len /= 2;
		final = 1;
	}
	evb = evbuffer_new();
	evbuffer_add(evb, out.data, out.len);
	evhttp_send_reply_chunk(req, evb);
	evbuffer_free(evb);
	buf_clear(&out, 1);
	gs->gs_next++;
	if (final) {
		/* devnet_reply_end(): see devnet.c (TLS write callbacks). */
		evhttp_connection_set_closecb(conn, NULL, NULL);
		devnet_gateway_stream_free(gs);
		devnet_reply_end(req);
		return;
	}
	devnet_gateway_stream_arm(gs);
}

/* Serve one decrypted, parsed wire request. */
static void
devnet_gateway_answer(struct devnet_gateway *gw, struct evhttp_request *req,
    struct ohttp_ctx *octx, const struct json_value *wire, int stream)
{
	struct digest_request		 dr;
	struct devnet_answer		 a;
	struct devnet_gateway_proof	 pf;
	struct json_value		*calls;
	char				**frames = NULL, *output, call_id[64];
	const char			*errstr, *model;
	size_t				 nframes = 0, outlen;
	uint64_t			 variant = gw->gw_nreq++;

	memset(&dr, 0, sizeof(dr));
	memset(&a, 0, sizeof(a));
	memset(&pf, 0, sizeof(pf));
	/* §7: the hash of what was decrypted, never of anything sent clear. */
	if (digest_gateway_request(wire, &dr, &errstr) == -1 ||
	    devnet_model_answer(wire, &a, &errstr) == -1)
		goto bad;
	if (gw->gw_dn->dn_stream_frames > 0)
		devnet_model_pad(&a, (size_t)gw->gw_dn->dn_stream_frames);
	if (json_truthy(json_get(wire, "stream")))
		stream = 1;
	model = json_get_str(wire, "model");
	if (model == NULL)
		model = "";

	/* §8: the signed output is the text or json.dumps(tool_calls). */
	snprintf(call_id, sizeof(call_id), "call_devnet_%d_%" PRIu64,
	    gw->gw_index, variant);
	if (a.tool_name != NULL) {
		calls = devnet_gateway_tool_calls(call_id, a.tool_name,
		    a.tool_args);
		output = pyjson_dumps(calls, &outlen);
		json_free(calls);
	} else
		output = devnet_gateway_text(&a, &outlen);
	if (devnet_gateway_sign(gw, dr.request_hash, output, outlen, &pf,
	    &errstr) == -1) {
		xfree_secret(output, outlen);
		goto bad;
	}
	xfree_secret(output, outlen);

	if (stream) {
		devnet_gateway_stream_frames(gw, model, &a, call_id, &pf,
		    variant, &frames, &nframes);
		devnet_gateway_stream_start(gw, req, octx, frames, nframes,
		    devnet_gateway_billing(gw, model, &a));
	} else
		devnet_gateway_single(gw, req, octx, model, &a, call_id, &pf,
		    variant);
	free(pf.signature);
	devnet_answer_clear(&a);
	digest_request_clear(&dr);
	return;

bad:
	devnet_answer_clear(&a);
	digest_request_clear(&dr);
	devnet_gateway_fail(gw, req, octx, stream, errstr);
}

/* A request that decrypted but cannot be served: a sealed error. */
static void
devnet_gateway_fail(struct devnet_gateway *gw, struct evhttp_request *req,
    struct ohttp_ctx *octx, int stream, const char *msg)
{
	struct json_value	*f;
	char			**frames = NULL;
	size_t			 nframes = 0;

	if (!stream) {
		devnet_gateway_single_error(req, octx, msg);
		return;
	}
	f = json_new_object();
	json_object_set(f, "error", json_new_string(msg));
	devnet_gateway_add_frame(&frames, &nframes, devnet_gateway_frame(f));
	json_free(f);
	devnet_gateway_add_frame(&frames, &nframes,
	    xstrdup("data: [DONE]\n\n"));
	devnet_gateway_stream_start(gw, req, octx, frames, nframes, NULL);
}

/* Any path, POST: an OHTTP encapsulated request (PROTOCOL.md §4, §5). */
static void
devnet_gateway_request_cb(struct evhttp_request *req, void *arg)
{
	struct devnet_gateway	*gw = arg;
	struct evkeyvalq	*hdrs = evhttp_request_get_input_headers(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	struct json_limits	 lim;
	struct json_value	*wire;
	struct ohttp_ctx	 octx;
	struct buf		 pt;
	const char		*errstr, *h;
	size_t			 len;
	int			 stream = 0;

	/* (NULL in the unit test's devnet, which counts nothing) */
	if (gw->gw_dn->dn_counts != NULL)
		gw->gw_dn->dn_counts->dc_gateway_requests++;
	if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
		devnet_gateway_reply_detail(req, 405, "use POST");
		return;
	}
	if ((h = evhttp_find_header(hdrs, "X-OHTTP-Stream")) != NULL &&
	    strcasecmp(h, "true") == 0)
		stream = 1;
	if ((h = evhttp_find_header(hdrs, "Accept")) != NULL &&
	    strstr(h, "message/ohttp-chunked-res") != NULL)
		stream = 1;

	if (devnet_fault_on(gw->gw_dn, DEVNET_F_GATEWAY_STATUS,
	    gw->gw_index)) {
		devnet_gateway_refuse(req, devnet_fault_value(gw->gw_dn,
		    DEVNET_F_GATEWAY_STATUS));
		return;
	}

	len = evbuffer_get_length(in);
	memset(&octx, 0, sizeof(octx));
	buf_init(&pt);
	if (len == 0) {
		devnet_gateway_reply_detail(req, 400,
		    "missing OHTTP request");
		return;
	}
	if (len > DEVNET_GATEWAY_MAX_ENCAP) {
		devnet_gateway_reply_detail(req, 413,
		    "encapsulated request too large");
		return;
	}
	if (ohttp_decap_request(&octx, &gw->gw_kc, gw->gw_sk,
	    evbuffer_pullup(in, -1), len, &pt, &errstr) == -1) {
		ohttp_ctx_clear(&octx);
		buf_clear(&pt, 1);
		devnet_gateway_reply_detail(req, 400, errstr);
		return;
	}
	memset(&lim, 0, sizeof(lim));
	lim.max_bytes = DEVNET_MAX_BODY;
	lim.max_depth = DEVNET_GATEWAY_MAX_DEPTH;
	wire = json_parse(pt.len > 0 ? (const char *)pt.data : "", pt.len,
	    &lim, &errstr);
	if (wire != NULL && json_is(wire, JSON_OBJECT))
		devnet_admin_received(gw->gw_dn, (const char *)pt.data,
		    pt.len);
	buf_clear(&pt, 1);
	if (wire == NULL || !json_is(wire, JSON_OBJECT)) {
		if (wire != NULL)
			errstr = "request is not a JSON object";
		devnet_gateway_fail(gw, req, &octx, stream, errstr);
	} else
		devnet_gateway_answer(gw, req, &octx, wire, stream);
	json_free(wire);
	ohttp_ctx_clear(&octx);
}

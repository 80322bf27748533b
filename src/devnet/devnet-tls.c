/*
 * devnet-tls.c: --tls for og-veil-devnet.  At start-up it makes a fresh
 * test CA (EC P-256) and a server certificate for 127.0.0.1 and localhost
 * signed by it, writes the CA certificate where og-veil can be told to trust
 * it, and builds the server SSL_CTX every listener uses plus the client
 * SSL_CTX the relay uses towards the gateways.
 */
#include "compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "devnet.h"
#include "xmalloc.h"

#define TLS_DAYS	30

static EVP_PKEY	*tls_key_new(void);
static int	 tls_add_ext(X509 *, X509 *, int, const char *);
static X509	*tls_cert_new(EVP_PKEY *, X509 *, EVP_PKEY *, const char *,
		    int);
static int	 tls_write_pem(const char *, X509 *);

static EVP_PKEY *
tls_key_new(void)
{
	return (EVP_EC_gen("P-256"));
}

static int
tls_add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ex;
	int		 rv;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return (-1);
	rv = X509_add_ext(cert, ex, -1) == 1 ? 0 : -1;
	X509_EXTENSION_free(ex);
	return (rv);
}

/*
 * A certificate for key, signed by issuer_key (self-signed when issuer is
 * NULL).  ca: a CA certificate, else a server certificate for loopback.
 */
static X509 *
tls_cert_new(EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
    const char *cn, int ca)
{
	X509		*x;
	X509_NAME	*name;
	uint8_t		 serial[16];
	BIGNUM		*bn = NULL;

	if ((x = X509_new()) == NULL)
		return (NULL);
	if (X509_set_version(x, 2) != 1)
		goto fail;
	if (RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	BN_free(bn);
	bn = NULL;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x),
	    (long)TLS_DAYS * 86400) == NULL)
		goto fail;
	if (X509_set_pubkey(x, key) != 1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"og-veil-devnet", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		goto fail;
	if (X509_set_issuer_name(x, issuer != NULL ?
	    X509_get_subject_name(issuer) : name) != 1)
		goto fail;
	if (issuer == NULL)
		issuer = x;
	if (ca) {
		if (tls_add_ext(x, issuer, NID_basic_constraints,
		    "critical,CA:TRUE,pathlen:0") == -1 ||
		    tls_add_ext(x, issuer, NID_key_usage,
		    "critical,keyCertSign,cRLSign") == -1 ||
		    tls_add_ext(x, issuer, NID_subject_key_identifier,
		    "hash") == -1)
			goto fail;
	} else {
		if (tls_add_ext(x, issuer, NID_basic_constraints,
		    "critical,CA:FALSE") == -1 ||
		    tls_add_ext(x, issuer, NID_key_usage,
		    "critical,digitalSignature,keyEncipherment") == -1 ||
		    tls_add_ext(x, issuer, NID_ext_key_usage,
		    "serverAuth") == -1 ||
		    tls_add_ext(x, issuer, NID_subject_alt_name,
		    "IP:127.0.0.1,DNS:localhost") == -1 ||
		    tls_add_ext(x, issuer, NID_authority_key_identifier,
		    "keyid:always") == -1)
			goto fail;
	}
	if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
		goto fail;
	return (x);
fail:
	BN_free(bn);
	X509_free(x);
	return (NULL);
}

static int
tls_write_pem(const char *path, X509 *x)
{
	char	*tmp;
	FILE	*f;
	int	 ok;

	xasprintf(&tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((f = fopen(tmp, "w")) == NULL) {
		free(tmp);
		return (-1);
	}
	ok = PEM_write_X509(f, x) == 1;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok || rename(tmp, path) == -1) {
		unlink(tmp);
		free(tmp);
		return (-1);
	}
	free(tmp);
	return (0);
}

/* Make the CA and server certificate, write the CA, build the contexts. */
int
devnet_tls_init(struct devnet *dn, const char *ca_path, const char **errstr)
{
	EVP_PKEY	*cakey = NULL, *key = NULL;
	X509		*ca = NULL, *cert = NULL;
	SSL_CTX		*sctx = NULL, *cctx = NULL;
	int		 rv = -1;

	if ((cakey = tls_key_new()) == NULL || (key = tls_key_new()) == NULL) {
		*errstr = "key generation failed";
		goto out;
	}
	if ((ca = tls_cert_new(cakey, NULL, cakey, "og-veil-devnet test CA",
	    1)) == NULL ||
	    (cert = tls_cert_new(key, ca, cakey, "127.0.0.1", 0)) == NULL) {
		*errstr = "certificate generation failed";
		goto out;
	}
	if (tls_write_pem(ca_path, ca) == -1) {
		*errstr = "cannot write the CA certificate";
		goto out;
	}
	if ((sctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(sctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate(sctx, cert) != 1 ||
	    SSL_CTX_add1_chain_cert(sctx, ca) != 1 ||
	    SSL_CTX_use_PrivateKey(sctx, key) != 1 ||
	    SSL_CTX_check_private_key(sctx) != 1) {
		*errstr = "server TLS context failed";
		goto out;
	}
	if ((cctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    X509_STORE_add_cert(SSL_CTX_get_cert_store(cctx), ca) != 1) {
		*errstr = "client TLS context failed";
		goto out;
	}
	SSL_CTX_set_verify(cctx, SSL_VERIFY_PEER, NULL);
	dn->dn_ssl_ctx = sctx;
	dn->dn_client_ctx = cctx;
	sctx = cctx = NULL;
	rv = 0;
out:
	SSL_CTX_free(sctx);
	SSL_CTX_free(cctx);
	X509_free(ca);
	X509_free(cert);
	EVP_PKEY_free(cakey);
	EVP_PKEY_free(key);
	return (rv);
}

void
devnet_tls_free(struct devnet *dn)
{
	SSL_CTX_free(dn->dn_ssl_ctx);
	SSL_CTX_free(dn->dn_client_ctx);
	dn->dn_ssl_ctx = dn->dn_client_ctx = NULL;
}

/*
 * NAME
 *	test_dane 1
 * SUMMARY
 *	unit tests for child/dane.c: TLSA matching in real handshakes
 * DESCRIPTION
 *	Makes a CA, a server certificate it signs (for mx.example.test)
 *	and a self-signed one, in memory, then runs TLS handshakes
 *	between an OpenSSL server and a client prepared by
 *	dane_ctx_enable()/dane_ssl_enable() over a BIO pair:
 *	DANE-EE(3) SPKI SHA-256 of the leaf verifies at depth 0, even
 *	self-signed and with another name; a wrong digest fails with
 *	X509_V_ERR_DANE_NO_MATCH; DANE-TA(2) of the CA verifies at depth
 *	1 and checks the name; PKIX-EE(1) records are skipped as
 *	unusable; a digest type outside tls_dane_digests is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "dane.h"
#include "tlsa.h"

struct pki {
	EVP_PKEY *cakey, *key, *selfkey;
	X509   *ca, *leaf, *self;
};

static struct pki pki;
static long serial = 1;

static X509 *
mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, int ca)
{
	X509   *x = X509_new();
	X509_NAME *n;
	X509_EXTENSION *ext;
	X509V3_CTX v3;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints,
	    ca ? "critical,CA:TRUE" : "CA:FALSE");
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!ca) {
		char	san[300];

		snprintf(san, sizeof(san), "DNS:%s", cn);
		ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name,
		    san);
		X509_add_ext(x, ext, -1);
		X509_EXTENSION_free(ext);
	}
	assert_true(X509_sign(x, ikey ? ikey : key, EVP_sha256()) > 0);
	return (x);
}

static int
setup(void **state)
{
	(void)state;
	pki.cakey = EVP_EC_gen("P-256");
	pki.key = EVP_EC_gen("P-256");
	pki.selfkey = EVP_EC_gen("P-256");
	pki.ca = mkcert("Test CA", pki.cakey, NULL, NULL, 1);
	pki.leaf = mkcert("mx.example.test", pki.key, pki.ca, pki.cakey, 0);
	pki.self = mkcert("other.test", pki.selfkey, NULL, NULL, 0);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	X509_free(pki.ca);
	X509_free(pki.leaf);
	X509_free(pki.self);
	EVP_PKEY_free(pki.cakey);
	EVP_PKEY_free(pki.key);
	EVP_PKEY_free(pki.selfkey);
	return (0);
}

/* Add one record "u s m" whose data is taken from cert (or its key). */
static void
add_rr(struct tlsa_set *set, unsigned u, unsigned s, unsigned m, X509 *x,
    int corrupt)
{
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	int	len;
	struct tlsa_rr *rr = &set->rr[set->count++];

	len = s == TLSA_SEL_CERT ? i2d_X509(x, &der)
	    : i2d_PUBKEY(X509_get0_pubkey(x), &der);
	assert_true(len > 0);
	rr->usage = (uint8_t)u;
	rr->selector = (uint8_t)s;
	rr->mtype = (uint8_t)m;
	rr->off = (uint16_t)set->used;
	if (m == 0) {
		memcpy(set->data + set->used, der, (size_t)len);
		rr->len = (uint16_t)len;
	} else {
		assert_true(EVP_Digest(der, (size_t)len, md, &mdlen,
		    m == 1 ? EVP_sha256() : EVP_sha512(), NULL));
		memcpy(set->data + set->used, md, mdlen);
		rr->len = (uint16_t)mdlen;
	}
	if (corrupt)
		set->data[set->used] ^= 0xff;
	set->used += rr->len;
	OPENSSL_free(der);
}

static int skipped;

static void
count_skip(const char *why, void *arg)
{
	(void)why;
	(void)arg;
	skipped++;
}

/*
 * Handshake: the server shows 'cert' (and 'chain'), the client uses
 * the records of 'set'. Returns the verify result; *added, *depth.
 */
static long
handshake(X509 *cert, EVP_PKEY *key, X509 *chain, const struct tlsa_set *set,
    const char *digests, int *added, int *depth)
{
	SSL_CTX *sctx, *cctx;
	SSL    *s, *c;
	BIO    *b1, *b2;
	struct tlsa_digests dg;
	char	why[TLSA_WHY_MAX];
	int	i, rc, rs, verified;
	long	res;
	const char *names[] = {"mx.example.test"};

	assert_int_equal(tlsa_digests_parse(digests, &dg, why, sizeof(why)),
	    0);
	sctx = SSL_CTX_new(TLS_server_method());
	cctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(sctx);
	assert_non_null(cctx);
	assert_int_equal(SSL_CTX_use_certificate(sctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, key), 1);
	if (chain)
		assert_int_equal(SSL_CTX_add1_chain_cert(sctx, chain), 1);
	assert_int_equal(dane_ctx_enable(cctx, &dg), 0);
	SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);
	s = SSL_new(sctx);
	c = SSL_new(cctx);
	assert_int_equal(BIO_new_bio_pair(&b1, 0, &b2, 0), 1);
	SSL_set_bio(c, b1, b1);
	SSL_set_bio(s, b2, b2);
	SSL_set_connect_state(c);
	SSL_set_accept_state(s);
	skipped = 0;
	*added = dane_ssl_enable(c, "mx.example.test", names, 1, set, &dg,
	    "_25._tcp.mx.example.test", count_skip, NULL);
	for (i = 0, rc = rs = 0; i < 50 && (rc != 1 || rs != 1); i++) {
		if (rc != 1)
			rc = SSL_do_handshake(c);
		if (rs != 1)
			rs = SSL_do_handshake(s);
	}
	assert_int_equal(rc, 1);
	res = SSL_get_verify_result(c);
	verified = dane_verified(c, depth);
	assert_int_equal(verified, res == X509_V_OK && *added > 0);
	SSL_free(c);
	SSL_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	return (res);
}

static struct tlsa_set set;

static void
reset(void)
{
	memset(&set, 0, sizeof(set));
}

static void
test_ee_match(void **state)
{
	int	added, depth = -1;

	(void)state;
	reset();
	add_rr(&set, 3, 1, 1, pki.self, 0);
	/* Self-signed, another name: DANE-EE checks neither. */
	assert_int_equal(handshake(pki.self, pki.selfkey, NULL, &set,
	    "sha512 sha256", &added, &depth), X509_V_OK);
	assert_int_equal(added, 1);
	assert_int_equal(depth, 0);
	reset();
	add_rr(&set, 3, 0, 2, pki.leaf, 0);	/* full cert, SHA-512 */
	assert_int_equal(handshake(pki.leaf, pki.key, pki.ca, &set,
	    "sha512 sha256", &added, &depth), X509_V_OK);
	reset();
	add_rr(&set, 3, 1, 0, pki.leaf, 0);	/* full SPKI */
	assert_int_equal(handshake(pki.leaf, pki.key, pki.ca, &set,
	    "sha256", &added, &depth), X509_V_OK);
	assert_int_equal(added, 1);
}

static void
test_ee_mismatch(void **state)
{
	int	added, depth;

	(void)state;
	reset();
	add_rr(&set, 3, 1, 1, pki.self, 1);
	assert_int_equal(handshake(pki.self, pki.selfkey, NULL, &set,
	    "sha512 sha256", &added, &depth), X509_V_ERR_DANE_NO_MATCH);
	assert_int_equal(added, 1);
	/* The record of another server's key. */
	reset();
	add_rr(&set, 3, 1, 1, pki.leaf, 0);
	assert_int_equal(handshake(pki.self, pki.selfkey, NULL, &set,
	    "sha256", &added, &depth), X509_V_ERR_DANE_NO_MATCH);
}

static void
test_ta(void **state)
{
	int	added, depth = -1;

	(void)state;
	reset();
	add_rr(&set, 2, 0, 1, pki.ca, 0);
	assert_int_equal(handshake(pki.leaf, pki.key, pki.ca, &set,
	    "sha512 sha256", &added, &depth), X509_V_OK);
	assert_int_equal(depth, 1);
	/* DANE-TA checks the name: other.test signed by the CA fails. */
	{
		EVP_PKEY *k = EVP_EC_gen("P-256");
		X509   *x = mkcert("wrong.test", k, pki.ca, pki.cakey, 0);

		assert_int_equal(handshake(x, k, pki.ca, &set, "sha256",
		    &added, &depth), X509_V_ERR_HOSTNAME_MISMATCH);
		X509_free(x);
		EVP_PKEY_free(k);
	}
}

static void
test_unusable(void **state)
{
	int	added, depth;

	(void)state;
	reset();
	add_rr(&set, 1, 1, 1, pki.leaf, 0);	/* PKIX-EE */
	add_rr(&set, 0, 0, 1, pki.ca, 0);	/* PKIX-TA */
	add_rr(&set, 3, 1, 2, pki.leaf, 0);	/* sha512, not configured */
	handshake(pki.leaf, pki.key, pki.ca, &set, "sha256", &added,
	    &depth);
	assert_int_equal(added, 0);
	assert_int_equal(skipped, 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ee_match),
		cmocka_unit_test(test_ee_mismatch),
		cmocka_unit_test(test_ta),
		cmocka_unit_test(test_unusable),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

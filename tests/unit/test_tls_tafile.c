/*
 * NAME
 *	test_tls_tafile 1
 * SUMMARY
 *	unit tests of the trust anchor file reader (parent/tls_tafile.c)
 * DESCRIPTION
 *	Files written by the test with certificates and keys it makes:
 *	certificates, public keys, both mixed with a private key block
 *	(skipped, as Postfix skips it), a list of files, and each refusal
 *	with its reason: an empty file, text without PEM, a PEM block that
 *	does not decode, a CERTIFICATE or PUBLIC KEY block with other DER,
 *	a file that is missing or a directory, too many anchors, a
 *	certificate larger than the IPC bound. A refused file adds nothing.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/tls_tafile.c, Postfix src/tls/tls_dane.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sj_tls.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct {
	char	dir[64];
	EVP_PKEY *key;
	X509	*cert;
	char	cert_pem[8192];
	char	pkey_pem[4096];
	char	priv_pem[4096];
	char	big_pem[16384];		/* a CERTIFICATE of 4000 bytes */
	char	notcert_pem[4096];	/* a CERTIFICATE block of a key */
} t;

static void
bio_text(BIO *b, char *dst, size_t dstsz)
{
	char	*p;
	long	n = BIO_get_mem_data(b, &p);

	assert_true(n > 0 && (size_t)n < dstsz);
	memcpy(dst, p, (size_t)n);
	dst[n] = '\0';
	BIO_free(b);
}

/* One EC key, one self-signed certificate, their PEM forms. */
static int
setup(void **state)
{
	unsigned char *der = NULL;
	char	san[8192] = "";
	X509_EXTENSION *ext;
	X509_NAME *n;
	X509	*big;
	BIO	*b;
	size_t	i;
	int	len;

	(void)state;
	snprintf(t.dir, sizeof(t.dir), "/tmp/sj_tafile.XXXXXX");
	assert_non_null(mkdtemp(t.dir));
	assert_non_null(t.key = EVP_PKEY_Q_keygen(NULL, NULL, "EC",
	    "P-256"));
	assert_non_null(t.cert = X509_new());
	X509_set_version(t.cert, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(t.cert), 1);
	X509_gmtime_adj(X509_getm_notBefore(t.cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(t.cert), 86400);
	n = X509_get_subject_name(t.cert);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)"Test TA", -1, -1, 0);
	X509_set_issuer_name(t.cert, n);
	X509_set_pubkey(t.cert, t.key);
	assert_true(X509_sign(t.cert, t.key, EVP_sha256()) > 0);

	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, t.cert);
	bio_text(b, t.cert_pem, sizeof(t.cert_pem));
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PUBKEY(b, t.key);
	bio_text(b, t.pkey_pem, sizeof(t.pkey_pem));
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_PrivateKey(b, t.key, NULL, NULL, 0, NULL, NULL);
	bio_text(b, t.priv_pem, sizeof(t.priv_pem));
	/* A valid certificate over SJ_TLS_TA_DER_MAX: 200 names. */
	assert_non_null(big = X509_dup(t.cert));
	for (i = 0; i < 200; i++)
		snprintf(san + strlen(san), sizeof(san) - strlen(san),
		    "%sDNS:host%03zu.example.test", i ? "," : "", i);
	assert_non_null(ext = X509V3_EXT_conf_nid(NULL, NULL,
	    NID_subject_alt_name, san));
	X509_add_ext(big, ext, -1);
	X509_EXTENSION_free(ext);
	assert_true(X509_sign(big, t.key, EVP_sha256()) > 0);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio_X509(b, big);
	bio_text(b, t.big_pem, sizeof(t.big_pem));
	X509_free(big);
	/* A SubjectPublicKeyInfo labelled CERTIFICATE. */
	assert_true((len = i2d_PUBKEY(t.key, &der)) > 0);
	b = BIO_new(BIO_s_mem());
	PEM_write_bio(b, "CERTIFICATE", "", der, len);
	bio_text(b, t.notcert_pem, sizeof(t.notcert_pem));
	OPENSSL_free(der);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	X509_free(t.cert);
	EVP_PKEY_free(t.key);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t.dir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* Write 'text' to DIR/name; the path in path[]. */
static void
put(const char *name, const char *text, char *path, size_t pathsz)
{
	FILE	*fp;

	snprintf(path, pathsz, "%s/%s", t.dir, name);
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(text, fp) < 0, 0);
	assert_int_equal(fclose(fp), 0);
}

static const char *
pem(const char *which)
{
	if (strcmp(which, "C") == 0)
		return (t.cert_pem);
	if (strcmp(which, "K") == 0)
		return (t.pkey_pem);
	if (strcmp(which, "P") == 0)
		return (t.priv_pem);
	if (strcmp(which, "B") == 0)
		return (t.big_pem);
	if (strcmp(which, "N") == 0)
		return (t.notcert_pem);
	return (which);		/* literal text */
}

struct ta_case {
	const char *name;
	const char *parts[4];		/* C, K, P, B, N or literal text */
	int	rc;
	const char *why;		/* substring, on failure */
	const char *kinds;		/* "CK..": the anchors, in order */
};

static const struct ta_case ta_cases[] = {
	{ "one certificate", { "C" }, 0, NULL, "C" },
	{ "one public key", { "K" }, 0, NULL, "K" },
	{ "mixed, a private key skipped", { "K", "P", "C", "C" }, 0, NULL,
	    "KCC" },
	{ "text around the blocks", { "# anchors\n", "C", "comment\n" }, 0,
	    NULL, "C" },
	{ "empty file", { "" }, -1, "no certificate or public key found",
	    NULL },
	{ "garbage, no PEM", { "this is not a certificate\n" }, -1,
	    "no certificate or public key found", NULL },
	{ "only a private key", { "P" }, -1,
	    "no certificate or public key found", NULL },
	{ "broken base64", { "-----BEGIN CERTIFICATE-----\n!!!!\n"
	    "-----END CERTIFICATE-----\n" }, -1,
	    "error reading trust anchor file: ", NULL },
	{ "no END line", { "-----BEGIN CERTIFICATE-----\nMIIB\n" }, -1,
	    "error reading trust anchor file: ", NULL },
	{ "a key labelled CERTIFICATE", { "C", "N" }, -1,
	    ": malformed trust-anchor certificate", NULL },
	{ "a certificate over the IPC bound", { "B" }, -1,
	    "(smtpjail's limit is 3072)", NULL },
};

static void
test_files(void **state)
{
	struct sj_tls_tas *tas;
	char	text[65536], path[256], why[1024], name[32];
	size_t	i, k;
	int	rc;

	(void)state;
	assert_non_null(tas = calloc(1, sizeof(*tas)));
	for (i = 0; i < NELEM(ta_cases); i++) {
		const struct ta_case *c = &ta_cases[i];

		text[0] = '\0';
		for (k = 0; k < NELEM(c->parts) && c->parts[k] != NULL; k++)
			strncat(text, pem(c->parts[k]), sizeof(text) -
			    strlen(text) - 1);
		snprintf(name, sizeof(name), "case%zu.pem", i);
		put(name, text, path, sizeof(path));
		tas->n = 0;
		why[0] = '\0';
		rc = tls_tafile_load(path, tas, why, sizeof(why));
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
			    why);
		if (rc < 0) {
			if (strstr(why, c->why) == NULL ||
			    strstr(why, path) == NULL)
				fail_msg("%s: \"%s\" lacks \"%s\" or the file "
				    "name", c->name, why, c->why);
			if (tas->n != 0)
				fail_msg("%s: %zu anchors kept", c->name,
				    tas->n);
			continue;
		}
		if (tas->n != strlen(c->kinds))
			fail_msg("%s: %zu anchors, want %zu", c->name, tas->n,
			    strlen(c->kinds));
		for (k = 0; k < tas->n; k++) {
			const unsigned char *p = tas->a[k].der;
			X509	*x;
			EVP_PKEY *pk;

			if (c->kinds[k] == 'C') {
				assert_int_equal(tas->a[k].kind,
				    SJ_TLS_TA_CERT);
				x = d2i_X509(NULL, &p, (long)tas->a[k].len);
				assert_non_null(x);
				assert_int_equal(X509_cmp(x, t.cert), 0);
				X509_free(x);
			} else {
				assert_int_equal(tas->a[k].kind,
				    SJ_TLS_TA_PKEY);
				pk = d2i_PUBKEY(NULL, &p, (long)tas->a[k].len);
				assert_non_null(pk);
				assert_int_equal(EVP_PKEY_eq(pk, t.key), 1);
				EVP_PKEY_free(pk);
			}
		}
	}
	free(tas);
}

static void
test_refusals(void **state)
{
	struct sj_tls_tas *tas;
	char	text[65536] = "", path[256], path2[256], list[600];
	char	why[1024];
	size_t	i;

	(void)state;
	assert_non_null(tas = calloc(1, sizeof(*tas)));
	/* missing, a directory */
	snprintf(path, sizeof(path), "%s/missing.pem", t.dir);
	assert_int_equal(tls_tafile_load(path, tas, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "error opening trust anchor file: "));
	assert_non_null(strstr(why, "No such file or directory"));
	assert_int_equal(tls_tafile_load(t.dir, tas, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not a regular file"));
	/* SJ_TLS_TA_MAX anchors pass, one more does not */
	for (i = 0; i < SJ_TLS_TA_MAX; i++)
		strcat(text, t.cert_pem);
	put("max.pem", text, path, sizeof(path));
	assert_int_equal(tls_tafile_load(path, tas, why, sizeof(why)), 0);
	assert_int_equal(tas->n, SJ_TLS_TA_MAX);
	tas->n = 0;
	strcat(text, t.pkey_pem);
	put("over.pem", text, path, sizeof(path));
	assert_int_equal(tls_tafile_load(path, tas, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 16 trust anchors"));
	assert_int_equal(tas->n, 0);
	/* a list: both files, in order; a bad one refuses the list */
	put("c.pem", t.cert_pem, path, sizeof(path));
	put("k.pem", t.pkey_pem, path2, sizeof(path2));
	snprintf(list, sizeof(list), " %s,%s ", path, path2);
	assert_int_equal(tls_tafile_load_list(list, tas, why, sizeof(why)),
	    0);
	assert_int_equal(tas->n, 2);
	assert_int_equal(tas->a[0].kind, SJ_TLS_TA_CERT);
	assert_int_equal(tas->a[1].kind, SJ_TLS_TA_PKEY);
	tas->n = 0;
	snprintf(list, sizeof(list), "%s %s/missing.pem", path, t.dir);
	assert_int_equal(tls_tafile_load_list(list, tas, why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "missing.pem"));
	free(tas);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_refusals),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

/*
 * NAME
 *	test_tls_sign 1
 * SUMMARY
 *	unit tests of the parent's client-key signer and its settings
 * DESCRIPTION
 *	parent/tls_sign.c against a fake child: one end of a SEQPACKET
 *	pair stands for the child, which reads the SIGN_RESP. Keys and
 *	self-signed certificates (RSA 2048, EC P-256) are made here into
 *	a temporary directory. Checked: a signature inside the window (a
 *	brokered SMTP connection of the job in flight) is made and
 *	verifies with the certificate's key (RSA-PSS, RSA PKCS#1 v1.5,
 *	ECDSA); a second one on the same connection, one without a
 *	brokered connection (outside a handshake), between jobs or after
 *	ABORT, for another job, with a digest of the wrong length, with an
 *	algorithm of the other key type, and without a key are refused
 *	(answered IPC_SIGN_REFUSED, -1 with the reason). A key that does
 *	not match the certificate is refused at start.
 *
 *	parent/cfg_tlscert.c: the three ways Postfix's tls_certkey.c
 *	reads a client certificate; the chain the children get holds
 *	certificates only; the order and count errors.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/tls_sign.c, parent/cfg_tlscert.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "cfg_params.h"
#include "ipc_chan.h"
#include "msg.h"
#include "sj_tls.h"
#include "tls_sign.h"

static struct fixture {
	char	dir[64];
	EVP_PKEY *rsa;
	EVP_PKEY *ec;
	char	rsa_key[128], rsa_crt[128], ec_pem[128], rsa_chain[128];
	char	bad_chain[128];
	int	sv[2];
	char	last_warn[512];
} fx;

static void
sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN)
		snprintf(fx.last_warn, sizeof(fx.last_warn), "%s", text);
}

static X509 *
selfsign(EVP_PKEY *k, const char *cn)
{
	X509	*x = X509_new();

	assert_non_null(x);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	    MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	X509_set_pubkey(x, k);
	assert_true(X509_sign(x, k, EVP_sha256()) > 0);
	return (x);
}

/* Write the objects in order: 'k' key, 'c' certificate. */
static void
write_pem(const char *path, const char *order, EVP_PKEY *k, X509 *x)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	for (; *order; order++)
		if (*order == 'k')
			assert_true(PEM_write_PrivateKey(fp, k, NULL, NULL, 0,
			    NULL, NULL));
		else
			assert_true(PEM_write_X509(fp, x));
	fclose(fp);
}

static int
setup(void **state)
{
	X509	*xr, *xe;

	(void)state;
	msg_set_sink(sink, NULL);
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/sj-tls-sign.XXXXXX");
	assert_non_null(mkdtemp(fx.dir));
	fx.rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fx.ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(fx.rsa);
	assert_non_null(fx.ec);
	xr = selfsign(fx.rsa, "client-rsa");
	xe = selfsign(fx.ec, "client-ec");
	snprintf(fx.rsa_key, sizeof(fx.rsa_key), "%s/rsa.key", fx.dir);
	snprintf(fx.rsa_crt, sizeof(fx.rsa_crt), "%s/rsa.crt", fx.dir);
	snprintf(fx.ec_pem, sizeof(fx.ec_pem), "%s/ec.pem", fx.dir);
	snprintf(fx.rsa_chain, sizeof(fx.rsa_chain), "%s/chain.pem", fx.dir);
	snprintf(fx.bad_chain, sizeof(fx.bad_chain), "%s/bad.pem", fx.dir);
	write_pem(fx.rsa_key, "k", fx.rsa, xr);
	write_pem(fx.rsa_crt, "c", fx.rsa, xr);
	write_pem(fx.ec_pem, "ck", fx.ec, xe);
	write_pem(fx.rsa_chain, "kcc", fx.rsa, xr);
	write_pem(fx.bad_chain, "ck", fx.rsa, xr);
	X509_free(xr);
	X509_free(xe);
	return (0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	tls_sign_close();
	EVP_PKEY_free(fx.rsa);
	EVP_PKEY_free(fx.ec);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx.dir);
	return (system(cmd) == 0 ? 0 : -1);
}

/* main.cf lines -> a TLS configuration (level encrypt). */
static int
load(struct sj_tls_config *t, const char *lines, char *why, size_t whysz)
{
	struct sj_params *p = sj_params_new();
	char	cf[2048];
	int	rc;

	assert_non_null(p);
	snprintf(cf, sizeof(cf), "smtp_tls_security_level = encrypt\n%s",
	    lines);
	assert_int_equal(sj_params_load_buf(p, "main.cf", cf, strlen(cf),
	    NULL, NULL, why, whysz), 0);
	rc = sj_tls_config_load(t, p, why, whysz);
	sj_params_free(p);
	return (rc);
}

static void
unload(struct sj_tls_config *t)
{
	free(t->ccert_pem);
	t->ccert_pem = NULL;
}

static void
open_rsa(struct sj_tls_config *t)
{
	char	cf[512], why[512] = "";

	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s\n"
	    "smtp_tls_key_file = %s\n", fx.rsa_crt, fx.rsa_key);
	assert_int_equal(load(t, cf, why, sizeof(why)), 0);
	if (tls_sign_open(t, why, sizeof(why)) != 0)
		fail_msg("tls_sign_open: %s", why);
}

static void
open_ec(struct sj_tls_config *t)
{
	char	cf[512], why[512] = "";

	snprintf(cf, sizeof(cf), "smtp_tls_eccert_file = %s\n", fx.ec_pem);
	assert_int_equal(load(t, cf, why, sizeof(why)), 0);
	if (tls_sign_open(t, why, sizeof(why)) != 0)
		fail_msg("tls_sign_open: %s", why);
}

static void
hex(const unsigned char *b, size_t n, char *out)
{
	size_t	i;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* One SIGN_REQ through tls_sign_serve(); the fake child's answer. */
static int
ask(uint32_t job, unsigned alg, unsigned md, const unsigned char *dg,
    size_t dlen, const struct tls_sign_window *w, unsigned *used,
    struct ipc_sign_resp *resp, char *why, size_t whysz)
{
	struct ipc_msg m, a;
	char	rwhy[256];
	int	rc;

	assert_int_equal(ipc_chan_pair(fx.sv), 0);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_SIGN_REQ;
	m.fd = -1;
	m.u.sign_req.job_id = job;
	m.u.sign_req.alg = alg;
	m.u.sign_req.md = md;
	hex(dg, dlen, m.u.sign_req.digest);
	rc = tls_sign_serve(fx.sv[0], &m, w, used, "QID", why, whysz);
	assert_int_equal(ipc_chan_recv(fx.sv[1], IPC_P2C, &a, rwhy,
	    sizeof(rwhy)), 0);
	assert_int_equal(a.type, IPC_T_SIGN_RESP);
	assert_int_equal(a.u.sign_resp.job_id, job);
	*resp = a.u.sign_resp;
	close(fx.sv[0]);
	close(fx.sv[1]);
	return (rc);
}

static int
verifies(EVP_PKEY *k, unsigned alg, const EVP_MD *md,
    const unsigned char *dg, size_t dlen, const char *sighex)
{
	unsigned char sig[SJ_SIGN_SIG_MAX];
	size_t	n = strlen(sighex) / 2, i;
	EVP_PKEY_CTX *c;
	unsigned v;
	int	ok;

	for (i = 0; i < n; i++) {
		assert_int_equal(sscanf(sighex + 2 * i, "%2x", &v), 1);
		sig[i] = (unsigned char)v;
	}
	assert_non_null(c = EVP_PKEY_CTX_new(k, NULL));
	assert_int_equal(EVP_PKEY_verify_init(c), 1);
	if (alg != SJ_SIGN_ECDSA)
		assert_true(EVP_PKEY_CTX_set_rsa_padding(c,
		    alg == SJ_SIGN_RSA_PSS ? RSA_PKCS1_PSS_PADDING :
		    RSA_PKCS1_PADDING) > 0);
	assert_true(EVP_PKEY_CTX_set_signature_md(c, md) > 0);
	if (alg == SJ_SIGN_RSA_PSS)
		assert_true(EVP_PKEY_CTX_set_rsa_pss_saltlen(c,
		    RSA_PSS_SALTLEN_DIGEST) > 0);
	ok = EVP_PKEY_verify(c, sig, n, dg, dlen) == 1;
	EVP_PKEY_CTX_free(c);
	return (ok);
}

static const struct tls_sign_window job7 = { 7, 1, 1 };

static void
test_rsa_sign_and_bounds(void **state)
{
	struct sj_tls_config t;
	struct ipc_sign_resp r;
	unsigned char dg[32], dg48[48];
	char	why[512];
	unsigned used = 0;
	struct tls_sign_window two = { 7, 1, 2 }, none = { 7, 1, 0 },
		    idle = { 7, 0, 1 };

	(void)state;
	memset(dg, 0x5a, sizeof(dg));
	memset(dg48, 0x33, sizeof(dg48));
	open_rsa(&t);
	assert_true(tls_sign_ready());

	/* Inside the window: signed, and the signature verifies. */
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), 0);
	assert_int_equal(r.status, IPC_SIGN_OK);
	assert_int_equal(strlen(r.sig), 2 * 256);
	assert_true(verifies(fx.rsa, SJ_SIGN_RSA_PSS, EVP_sha256(), dg, 32,
	    r.sig));
	assert_int_equal(used, 1);

	/* A second one on the same (only) connection: refused. */
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), -1);
	assert_int_equal(r.status, IPC_SIGN_REFUSED);
	assert_string_equal(r.sig, "");
	assert_non_null(strstr(why, "one signature per connection"));
	assert_non_null(strstr(fx.last_warn, "QID: sandboxed child's "
	    "signing request refused: SIGN_REQ number 2"));

	/* No brokered connection: outside any handshake. */
	used = 0;
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &none, &used, &r, why, sizeof(why)), -1);
	assert_int_equal(r.status, IPC_SIGN_REFUSED);
	assert_non_null(strstr(why, "with 0 brokered SMTP connection"));

	/* Between jobs or after ABORT, another job's id. */
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &idle, &used, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "outside a job's handshake"));
	assert_int_equal(ask(8, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "SIGN_REQ for job 8"));

	/* A digest of the wrong length, an EC algorithm: refused, and
	 * neither used the connection's signature. */
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg48, 48,
	    &job7, &used, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "digest of 48 bytes for SHA256"));
	assert_int_equal(ask(7, SJ_SIGN_ECDSA, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "for an RSA key"));
	assert_int_equal(used, 0);

	/* Two connections: two signatures (PKCS#1 v1.5, SHA-384), then no
	 * third. */
	assert_int_equal(ask(7, SJ_SIGN_RSA_PKCS1, SJ_SIGN_MD_SHA384, dg48, 48,
	    &two, &used, &r, why, sizeof(why)), 0);
	assert_true(verifies(fx.rsa, SJ_SIGN_RSA_PKCS1, EVP_sha384(), dg48,
	    48, r.sig));
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &two, &used, &r, why, sizeof(why)), 0);
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &two, &used, &r, why, sizeof(why)), -1);
	assert_int_equal(used, 2);
	tls_sign_close();
	unload(&t);

	/* No key at all. */
	used = 0;
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "without a client certificate"));
}

static void
test_ec_sign(void **state)
{
	struct sj_tls_config t;
	struct ipc_sign_resp r;
	unsigned char dg[32];
	char	why[512];
	unsigned used = 0;

	(void)state;
	memset(dg, 0xa5, sizeof(dg));
	open_ec(&t);
	assert_int_equal(t.ccert_mode, SJ_TLS_CCERT_MIXED);
	assert_int_equal(ask(7, SJ_SIGN_RSA_PSS, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "for an EC key"));
	assert_int_equal(ask(7, SJ_SIGN_ECDSA, SJ_SIGN_MD_SHA256, dg, 32,
	    &job7, &used, &r, why, sizeof(why)), 0);
	assert_int_equal(r.status, IPC_SIGN_OK);
	assert_true(verifies(fx.ec, SJ_SIGN_ECDSA, EVP_sha256(), dg, 32,
	    r.sig));
	tls_sign_close();
	unload(&t);
}

/* What the children get: certificates, never a key object. */
static void
test_settings(void **state)
{
	struct sj_tls_config t;
	char	cf[512], why[512];

	(void)state;
	snprintf(cf, sizeof(cf), "smtp_tls_chain_files = %s\n", fx.rsa_chain);
	assert_int_equal(load(&t, cf, why, sizeof(why)), 0);
	assert_int_equal(t.ccert_mode, SJ_TLS_CCERT_CHAIN);
	assert_non_null(strstr(t.ccert_pem, "BEGIN CERTIFICATE"));
	assert_null(strstr(t.ccert_pem, "PRIVATE"));
	assert_non_null(strstr(strstr(t.ccert_pem, "END CERTIFICATE"),
	    "BEGIN CERTIFICATE"));	/* the chain's second certificate */
	assert_int_equal(tls_sign_open(&t, why, sizeof(why)), 0);
	assert_true(tls_sign_ready());
	tls_sign_close();
	unload(&t);

	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s\n", fx.ec_pem);
	assert_int_equal(load(&t, cf, why, sizeof(why)), 0);
	assert_int_equal(t.ccert_mode, SJ_TLS_CCERT_MIXED);
	assert_null(strstr(t.ccert_pem, "PRIVATE"));
	unload(&t);

	/* A key that is not the certificate's. */
	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s\n"
	    "smtp_tls_key_file = %s\n", fx.ec_pem, fx.rsa_key);
	assert_int_equal(load(&t, cf, why, sizeof(why)), 0);
	assert_int_equal(tls_sign_open(&t, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "does not match public key"));
	assert_false(tls_sign_ready());
	unload(&t);

	/* Postfix's order in chain files: the key first. */
	snprintf(cf, sizeof(cf), "smtp_tls_chain_files = %s\n", fx.bad_chain);
	assert_int_equal(load(&t, cf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "key not first"));
	unload(&t);

	/* One key: a second chain, or both RSA and EC slots. */
	snprintf(cf, sizeof(cf), "smtp_tls_chain_files = %s, %s\n",
	    fx.rsa_chain, fx.rsa_chain);
	assert_int_equal(load(&t, cf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "smtpjail signs with one client key"));
	unload(&t);
	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s\n"
	    "smtp_tls_eccert_file = %s\n", fx.rsa_crt, fx.ec_pem);
	assert_int_equal(load(&t, cf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "one client key"));
	unload(&t);

	/* A "mixed" file without its key; a certificate file without a
	 * certificate. */
	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s\n", fx.rsa_crt);
	assert_int_equal(load(&t, cf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "No private key found in"));
	unload(&t);
	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s\n"
	    "smtp_tls_key_file = %s\n", fx.rsa_key, fx.rsa_key);
	assert_int_equal(load(&t, cf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "No certs for key"));
	unload(&t);
	snprintf(cf, sizeof(cf), "smtp_tls_cert_file = %s/none\n"
	    "smtp_tls_key_file = %s\n", fx.dir, fx.rsa_key);
	assert_int_equal(load(&t, cf, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "No such file"));
	unload(&t);

	/* At level none nothing is read (smtp(8) initialises no TLS). */
	{
		struct sj_params *p = sj_params_new();
		const char *l = "smtp_tls_security_level = none\n"
		    "smtp_tls_cert_file = /nonexistent\n";

		assert_int_equal(sj_params_load_buf(p, "main.cf", l,
		    strlen(l), NULL, NULL, why, sizeof(why)), 0);
		assert_int_equal(sj_tls_config_load(&t, p, why, sizeof(why)),
		    0);
		assert_int_equal(t.ccert_mode, SJ_TLS_CCERT_NONE);
		sj_params_free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rsa_sign_and_bounds),
		cmocka_unit_test(test_ec_sign),
		cmocka_unit_test(test_settings),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

/*
 * NAME
 *	test_cfg_tlsopts 1
 * SUMMARY
 *	unit tests of OpenSSL's options and groups (parent/cfg_tlsopts.c)
 * DESCRIPTION
 *	The defaults give SSL_OP_ALL and Postfix's five curves (those this
 *	OpenSSL has). tls_disable_workarounds takes bits out of SSL_OP_ALL
 *	(by name, any case, or as a 0x mask); tls_ssl_options adds
 *	NO_RENEGOTIATION and NO_TICKET and never a bit Postfix manages
 *	itself (a protocol bit given as a mask is dropped, as Postfix drops
 *	it). An unknown name in either stops the start with the name. An
 *	unknown or unusable curve is skipped; a list of only such curves
 *	leaves OpenSSL's defaults. Without TLS none of them is read.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/cfg_tlsopts.c, Postfix src/tls/tls_misc.c, src/tls/tls_dh.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/obj_mac.h>
#include <openssl/ssl.h>

#include "cfg_params.h"
#include "sj_tls.h"

static int warned;

static void
count_warnings(void *ctx, const char *text)
{
	(void)ctx;
	if (strstr(text, "ignoring unknown ECDHE curve \"no_such_curve\"")
	    != NULL)
		warned++;
}

/* Load main.cf settings "name=value" (NULL-terminated) at level may. */
static int
load(struct sj_tls_config *t, const char *const *set, char *why,
    size_t whysz)
{
	struct sj_params *p = sj_params_new();
	char	name[128];
	const char *eq;
	int	rc;

	assert_non_null(p);
	assert_int_equal(sj_params_set(p, "compatibility_level", "3.6"), 0);
	for (; *set != NULL; set++) {
		assert_non_null(eq = strchr(*set, '='));
		snprintf(name, sizeof(name), "%.*s", (int)(eq - *set), *set);
		assert_int_equal(sj_params_set(p, name, eq + 1), 0);
	}
	why[0] = '\0';
	rc = sj_tls_config_load(t, p, why, whysz);
	/* As parent/config.c: only with a context. */
	if (rc == 0 && t->enabled)
		rc = sj_tls_options_load(t, p, count_warnings, NULL, why,
		    whysz);
	sj_params_free(p);
	return (rc);
}

static void
test_defaults(void **state)
{
	const char *set[] = { "smtp_tls_security_level=may", NULL };
	struct sj_tls_config t;
	char	why[512];

	(void)state;
	assert_int_equal(load(&t, set, why, sizeof(why)), 0);
	assert_true(t.ssl_options == (uint64_t)SSL_OP_ALL);
	/* Debian 12's OpenSSL 3 has all five. */
	assert_int_equal(t.curve_count, 5);
	assert_int_equal(t.curve_nids[0], NID_X25519);
	assert_int_equal(t.curve_nids[1], NID_X448);
	assert_int_equal(t.curve_nids[2], NID_X9_62_prime256v1);
	assert_int_equal(t.curve_nids[3], NID_secp521r1);
	assert_int_equal(t.curve_nids[4], NID_secp384r1);
}

static void
test_options(void **state)
{
	const char *set[] = { "smtp_tls_security_level=encrypt",
	    "tls_ssl_options=no_renegotiation, NO_TICKET 0x08000000",
	    "tls_disable_workarounds=TLS_ROLLBACK_BUG,0x00000800 "
	    "CVE-2010-4180", NULL };
	struct sj_tls_config t;
	char	why[512];
	uint64_t want;

	(void)state;
	assert_int_equal(load(&t, set, why, sizeof(why)), 0);
	/* A list given: the Safari bit goes too (tls_bug_bits()). */
	want = ((uint64_t)SSL_OP_ALL & ~((uint64_t)SSL_OP_TLS_ROLLBACK_BUG |
	    0x800 | SSL_OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG |
	    SSL_OP_SAFARI_ECDHE_ECDSA_BUG)) |
	    SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_TICKET;
	assert_true((SSL_OP_ALL & SSL_OP_SAFARI_ECDHE_ECDSA_BUG) != 0);
	/* 0x08000000 is SSL_OP_NO_TLSv1_2: managed by Postfix, dropped. */
	assert_true((uint64_t)SSL_OP_NO_TLSv1_2 == 0x08000000);
	assert_true(t.ssl_options == want);
	assert_true((t.ssl_options & SSL_OP_NO_TLSv1_2) == 0);
}

static void
test_unknown_names(void **state)
{
	const char *bad_op[] = { "smtp_tls_security_level=may",
	    "tls_ssl_options=NO_RENEGOTATION", NULL };
	const char *bad_bug[] = { "smtp_tls_security_level=may",
	    "tls_disable_workarounds=TLS_D5_BUG NO_SUCH_BUG", NULL };
	const char *bad_hex[] = { "smtp_tls_security_level=may",
	    "tls_ssl_options=0x12g4", NULL };
	const char *off[] = { "smtp_tls_security_level=none",
	    "tls_ssl_options=NO_RENEGOTATION", NULL };
	struct sj_tls_config t;
	char	why[512];

	(void)state;
	assert_int_equal(load(&t, bad_op, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "tls_ssl_options: unknown value "
	    "\"NO_RENEGOTATION\""));
	assert_int_equal(load(&t, bad_bug, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "tls_disable_workarounds: unknown value "
	    "\"NO_SUCH_BUG\""));
	assert_int_equal(load(&t, bad_hex, why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "\"0x12g4\""));
	/* Without TLS Postfix never reads it; neither does smtpjail. */
	assert_int_equal(load(&t, off, why, sizeof(why)), 0);
}

static void
test_curves(void **state)
{
	const char *some[] = { "smtp_tls_security_level=may",
	    "tls_eecdh_auto_curves=no_such_curve, P-384 , secp256k1 "
	    "prime256v1", NULL };
	const char *none[] = { "smtp_tls_security_level=may",
	    "tls_eecdh_auto_curves=no_such_curve", NULL };
	struct sj_tls_config t;
	char	why[512];

	(void)state;
	assert_int_equal(load(&t, some, why, sizeof(why)), 0);
	assert_int_equal(warned, 1);	/* Postfix's tls_dh.c warning */
	/* NIST name, short names; the unknown one skipped. secp256k1 is
	 * a known curve OpenSSL 3 may or may not offer for TLS. */
	assert_true(t.curve_count == 2 || t.curve_count == 3);
	assert_int_equal(t.curve_nids[0], NID_secp384r1);
	assert_int_equal(t.curve_nids[t.curve_count - 1],
	    NID_X9_62_prime256v1);
	assert_int_equal(load(&t, none, why, sizeof(why)), 0);
	assert_int_equal(t.curve_count, 0);
	assert_int_equal(warned, 2);
	/* A name longer than any curve's is unknown, not cut to a known one. */
	{
		char	set_long[300];
		const char *lng[] = { "smtp_tls_security_level=may", set_long,
		    NULL };

		snprintf(set_long, sizeof(set_long),
		    "tls_eecdh_auto_curves=secp384r1%0200d", 0);
		assert_int_equal(load(&t, lng, why, sizeof(why)), 0);
		assert_int_equal(t.curve_count, 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_unknown_names),
		cmocka_unit_test(test_curves),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

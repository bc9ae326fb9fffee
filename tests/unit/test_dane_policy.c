/*
 * NAME
 *	test_dane_policy 1
 * SUMMARY
 *	unit tests for child/dane_policy.c: Postfix 3.7's dane_init() table
 * DESCRIPTION
 *	One row per case: configured level, DNSSEC lookups, ignored MX
 *	errors, insecure MX policy, MX and host security, TLSA result and
 *	usable count; expected: whether a TLSA lookup is asked for, the
 *	effective level, the DSN, the text and the warning, as Postfix's
 *	smtp_tls_policy.c dane_init()/dane_incompat() produce them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dane_policy.h"

#define D	DANE_POL_CONF_DANE
#define DO	DANE_POL_CONF_DANE_ONLY
#define NOLOOK	(-1)

struct row {
	const char *name;
	int	level, dnssec, ignmx, imx, via_mx, mx_sec, host_sec, force;
	int	tlsa;
	size_t	usable;
	int	want_lookup, want_level;
	const char *want_dsn, *want_text, *want_warning;
};

static const struct row rows[] = {
	{"dnssec off, dane", D, 0, 0, 3, 1, 1, 1, 0, NOLOOK, 0,
	    0, DANE_POL_MAY, "", "example.test: dane configured with dnssec "
	    "lookups disabled", "example.test: dane configured with dnssec "
	    "lookups disabled"},
	{"dnssec off, dane-only", DO, 0, 0, 3, 1, 1, 1, 0, NOLOOK, 0,
	    0, DANE_POL_INVALID, "4.7.5", "client TLS configuration problem",
	    "example.test: dane-only configured with dnssec lookups disabled"},
	{"MX errors ignored", D, 1, 1, 3, 1, 1, 1, 0, NOLOOK, 0,
	    0, DANE_POL_MAY, "", "example.test: dane configured with MX lookup "
	    "errors ignored", "example.test: dane configured with MX lookup "
	    "errors ignored"},
	{"secure MX: look up TLSA", D, 1, 0, 3, 1, 1, 1, 0, NOLOOK, 0,
	    1, DANE_POL_INVALID, "", "", ""},
	{"secure MX, usable records", D, 1, 0, 3, 1, 1, 1, 0,
	    DANE_POL_TLSA_FOUND, 2, 0, DANE_POL_DANE, "", "", ""},
	{"dane-only, usable records", DO, 1, 0, 3, 1, 1, 1, 0,
	    DANE_POL_TLSA_FOUND, 1, 0, DANE_POL_DANE, "", "", ""},
	{"no TLSA, dane: may", D, 1, 0, 3, 1, 1, 1, 0, DANE_POL_TLSA_NONE, 0,
	    0, DANE_POL_MAY, "", "no TLSA records found", ""},
	{"no TLSA, dane-only: deferred", DO, 1, 0, 3, 1, 1, 1, 0,
	    DANE_POL_TLSA_NONE, 0, 0, DANE_POL_INVALID, "4.7.5",
	    "no TLSA records found", ""},
	{"unusable, dane: encrypt", D, 1, 0, 3, 1, 1, 1, 0,
	    DANE_POL_TLSA_FOUND, 0, 0, DANE_POL_ENCRYPT, "",
	    "TLSA records unusable", ""},
	{"unusable, dane-only: deferred", DO, 1, 0, 3, 1, 1, 1, 0,
	    DANE_POL_TLSA_FOUND, 0, 0, DANE_POL_INVALID, "4.7.5",
	    "TLSA records unusable", ""},
	{"lookup error, dane: deferred", D, 1, 0, 3, 1, 1, 1, 0,
	    DANE_POL_TLSA_ERROR, 0, 0, DANE_POL_INVALID, "4.7.5",
	    "TLSA lookup error for mx.example.test:25", ""},
	{"insecure host: no lookup, may", D, 1, 0, 3, 1, 1, 0, 0, NOLOOK, 0,
	    0, DANE_POL_MAY, "", "no TLSA records found", ""},
	{"insecure host, forced lookup", D, 1, 0, 3, 1, 1, 0, 1, NOLOOK, 0,
	    1, DANE_POL_INVALID, "", "", ""},
	{"insecure MX, policy may", D, 1, 0, 1, 1, 0, 1, 0, NOLOOK, 0,
	    0, DANE_POL_MAY, "", "non DNSSEC destination", ""},
	{"insecure MX, dane-only", DO, 1, 0, 3, 1, 0, 1, 0, NOLOOK, 0,
	    0, DANE_POL_INVALID, "4.7.5", "non DNSSEC destination", ""},
	{"insecure MX, policy encrypt", D, 1, 0, 2, 1, 0, 1, 0,
	    DANE_POL_TLSA_FOUND, 1, 0, DANE_POL_ENCRYPT, "",
	    "Verification not possible, MX RRset is insecure", ""},
	{"insecure MX, policy dane: half", D, 1, 0, 3, 1, 0, 1, 0,
	    DANE_POL_TLSA_FOUND, 1, 0, DANE_POL_HALF_DANE, "", "", ""},
	{"insecure MX, policy dane, no TLSA", D, 1, 0, 3, 1, 0, 1, 0,
	    DANE_POL_TLSA_NONE, 0, 0, DANE_POL_MAY, "",
	    "no TLSA records found", ""},
	{"no MX (A only), secure host", DO, 1, 0, 1, 0, 0, 1, 0,
	    DANE_POL_TLSA_FOUND, 1, 0, DANE_POL_DANE, "", "", ""},
};

static void
test_table(void **state)
{
	struct dane_policy_in in;
	struct dane_policy_out out;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];

		memset(&in, 0, sizeof(in));
		in.level = r->level;
		in.dnssec_lookups = r->dnssec;
		in.ignore_mx_errors = r->ignmx;
		in.insecure_mx_policy = r->imx;
		in.via_mx = r->via_mx;
		in.mx_secure = r->mx_sec;
		in.host_secure = r->host_sec;
		in.force_tlsa = r->force;
		in.tlsa = r->tlsa;
		in.usable = r->usable;
		in.dest = "example.test";
		in.host = "mx.example.test";
		in.port = 25;
		dane_policy_decide(&in, &out);
		print_message("%s\n", r->name);
		assert_int_equal(out.lookup_tlsa, r->want_lookup);
		assert_int_equal(out.level, r->want_level);
		assert_string_equal(out.dsn, r->want_dsn);
		assert_string_equal(out.text, r->want_text);
		assert_string_equal(out.warning, r->want_warning);
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(dane_policy_imx_parse("may"), DANE_POL_IMX_MAY);
	assert_int_equal(dane_policy_imx_parse("Encrypt"),
	    DANE_POL_IMX_ENCRYPT);
	assert_int_equal(dane_policy_imx_parse("dane"), DANE_POL_IMX_DANE);
	assert_int_equal(dane_policy_imx_parse("verify"), -1);
	assert_string_equal(dane_policy_level_name(DANE_POL_HALF_DANE),
	    "half-dane");
	assert_string_equal(dane_policy_level_name(DANE_POL_INVALID),
	    "invalid");
}

/*
 * TLSA base domains and reference names through a CNAME, as Postfix
 * 3.7 tls_dane_resolve() and smtp_tls_policy.c dane_init().
 */
static void
test_cname(void **state)
{
	const char *then, *names[3];

	(void)state;
	/* Validated address behind a CNAME: the target, then the MX name. */
	assert_string_equal(dane_policy_tlsa_first("mx.a.test",
	    "real.b.test", 1, &then), "real.b.test");
	assert_string_equal(then, "mx.a.test");
	/* Not validated: the MX name only (no TLSA lookup is made then). */
	assert_string_equal(dane_policy_tlsa_first("mx.a.test",
	    "real.b.test", 0, &then), "mx.a.test");
	assert_null(then);
	/* No CNAME (same name in any case, or none recorded). */
	assert_string_equal(dane_policy_tlsa_first("mx.a.test",
	    "MX.A.test", 1, &then), "mx.a.test");
	assert_null(then);
	assert_string_equal(dane_policy_tlsa_first("mx.a.test", "", 1,
	    &then), "mx.a.test");
	assert_null(then);

	/* qname_secure(): an insecure host behind a CNAME. */
	{
		struct dane_policy_in in;
		struct dane_policy_out out;

		memset(&in, 0, sizeof(in));
		in.level = DANE_POL_CONF_DANE_ONLY;
		in.dnssec_lookups = 1;
		in.insecure_mx_policy = DANE_POL_IMX_DANE;
		in.via_mx = in.mx_secure = 1;
		in.is_cname = 1;
		in.tlsa = -1;
		in.dest = "a.test";
		in.host = "mx.a.test";
		in.port = 25;
		dane_policy_decide(&in, &out);
		assert_int_equal(out.check_cname, 1);
		assert_int_equal(out.lookup_tlsa, 0);
		in.cname_checked = 1;
		in.cname_secure = 1;
		dane_policy_decide(&in, &out);
		assert_int_equal(out.check_cname, 0);
		assert_int_equal(out.lookup_tlsa, 1);
		in.cname_secure = 0;
		dane_policy_decide(&in, &out);
		assert_int_equal(out.lookup_tlsa, 0);
		assert_string_equal(out.text, "no TLSA records found");
		/* A failed CNAME lookup is a TLSA lookup error. */
		in.tlsa = DANE_POL_TLSA_ERROR;
		dane_policy_decide(&in, &out);
		assert_string_equal(out.text, "TLSA lookup error for "
		    "mx.a.test:25");
		/* No CNAME: no check, no lookup. */
		in.is_cname = 0;
		in.cname_checked = 0;
		in.tlsa = -1;
		dane_policy_decide(&in, &out);
		assert_int_equal(out.check_cname, 0);
		assert_int_equal(out.lookup_tlsa, 0);
	}

	/* Base found at the target: base, rname, qname. */
	assert_int_equal(dane_policy_refnames("real.b.test", "mx.a.test",
	    "real.b.test", names), 3);
	assert_string_equal(names[0], "real.b.test");
	assert_string_equal(names[1], "real.b.test");
	assert_string_equal(names[2], "mx.a.test");
	/* Base at the MX name (the target had none). */
	assert_int_equal(dane_policy_refnames("mx.a.test", "mx.a.test",
	    "real.b.test", names), 3);
	assert_string_equal(names[0], "mx.a.test");
	assert_string_equal(names[1], "real.b.test");
	assert_string_equal(names[2], "mx.a.test");
	/* No CNAME. */
	assert_int_equal(dane_policy_refnames("mx.a.test", "mx.a.test",
	    "mx.a.test", names), 2);
	assert_string_equal(names[0], "mx.a.test");
	assert_string_equal(names[1], "mx.a.test");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cname),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_idna 1
 * SUMMARY
 *	unit tests for parent/idna.c
 * DESCRIPTION
 *	Every nexthop form with UTF-8 and ASCII host names: only the UTF-8
 *	names change, to their A-labels (UTS #46 non-transitional, as
 *	Postfix's midna_domain_to_ascii()); names that do not convert and
 *	results that do not fit.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "idna.h"

static void
test_forms(void **state)
{
	static const struct {
		const char *in, *want;
	} v[] = {
		{ "example.com", "example.com" },
		{ "b\303\274cher.example", "xn--bcher-kva.example" },
		{ "B\303\234CHER.example", "xn--bcher-kva.example" },
		{ "[b\303\274cher.example]:2525", "[xn--bcher-kva.example]:2525" },
		{ "b\303\274cher.example:587", "xn--bcher-kva.example:587" },
		{ "[192.0.2.1]:25", "[192.0.2.1]:25" },
		{ "[ipv6:2001:db8::1]", "[ipv6:2001:db8::1]" },
		{ "a.test, b\303\274cher.example [m\303\274ller.test]:26",
		    "a.test, xn--bcher-kva.example [xn--mller-kva.test]:26" },
		/* non-transitional: sharp s stays (Postfix, IDNA2008) */
		{ "stra\303\237e.test", "xn--strae-oqa.test" },
		/* not convertible (a lone continuation byte): unchanged */
		{ "bad\200.test", "bad\200.test" },
		{ "", "" },
	};
	char	out[256], why[128];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(idna_nexthop(v[i].in, out, sizeof(out), why,
		    sizeof(why)), 0);
		if (strcmp(out, v[i].want) != 0)
			fail_msg("case %zu: \"%s\", want \"%s\"", i, out,
			    v[i].want);
	}
}

static void
test_too_long(void **state)
{
	char	out[16], why[128] = "";

	(void)state;
	/* the A-label form is longer than the UTF-8 one */
	assert_int_equal(idna_nexthop("b\303\274cher.example", out,
	    sizeof(out), why, sizeof(why)), -ENAMETOOLONG);
	assert_non_null(strstr(why, "ASCII form"));
	assert_int_equal(idna_nexthop("0123456789abcdef", out, sizeof(out),
	    why, sizeof(why)), -ENAMETOOLONG);
	assert_int_equal(idna_nexthop("0123456789abcde", out, sizeof(out),
	    why, sizeof(why)), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_too_long),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

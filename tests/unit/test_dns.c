/*
 * NAME
 *	test_dns 1
 * SUMMARY
 *	unit tests for child/dns.c: the channel dns_init_opts() builds
 * DESCRIPTION
 *	Reads the c-ares channel's settings back (ares_save_options()):
 *	glibc's defaults without options, resolv.conf's timeout, attempts
 *	and rotate with them, and never a search domain or hosts lookup.
 *	Lookups themselves are tested in test_dest.c and, inside the
 *	sandbox, in tests/sandbox/.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dns.h"

static void
expect_channel(const struct dns_opts *dopt, int timeout_ms, int tries,
    int rotate)
{
	struct dns_ctx ctx;
	struct ares_options opt;
	char	why[256];
	int	mask;

	if (dns_init_opts(&ctx, dopt, why, sizeof(why)) < 0)
		fail_msg("dns_init_opts: %s", why);
	assert_int_equal(ares_save_options(ctx.channel, &opt, &mask),
	    ARES_SUCCESS);
	assert_true(mask & ARES_OPT_TIMEOUTMS);
	assert_int_equal(opt.timeout, timeout_ms);
	assert_int_equal(opt.tries, tries);
	assert_int_equal((mask & ARES_OPT_ROTATE) != 0, rotate);
	assert_true(opt.flags & ARES_FLAG_NOSEARCH);
	assert_int_equal(opt.ndomains, 0);
	assert_string_equal(opt.lookups, "b");
	ares_destroy_options(&opt);
	dns_free(&ctx);
}

static void
test_defaults(void **state)
{
	(void)state;
	expect_channel(NULL, 5000, 2, 0);
}

static void
test_resolv_options(void **state)
{
	const struct dns_opts two = { 2000, 3, 0 };
	const struct dns_opts rot = { 1000, 1, 1 };
	const struct dns_opts zero = { 0, 0, 0 };

	(void)state;
	expect_channel(&two, 2000, 3, 0);
	expect_channel(&rot, 1000, 1, 1);
	expect_channel(&zero, 5000, 2, 0);	/* 0 = the default */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_resolv_options),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

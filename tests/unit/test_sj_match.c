/*
 * NAME
 *	test_sj_match 1
 * SUMMARY
 *	unit tests for ipc/sj_match.c
 * DESCRIPTION
 *	Tables of (pattern or list, name, address, parent style, expected)
 *	written from Postfix's match_list(3)/match_ops(3) rules, including
 *	its quirks: with parent style ".example.com" matches only itself,
 *	bare IPv6 patterns are table names, IPv4 never matches IPv6.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sj_match.h"

static void
test_hostname(void **state)
{
	static const struct {
		const char *pattern, *name;
		int	parent, want;
	} v[] = {
		{ "mx.example.com", "mx.example.com", 0, 1 },
		{ "MX.Example.COM", "mx.example.com", 0, 1 },
		{ "example.com", "mx.example.com", 0, 0 },
		{ "example.com", "mx.example.com", 1, 1 },
		{ "example.com", "a.b.example.com", 1, 1 },
		{ "example.com", "badexample.com", 1, 0 },
		{ "example.com", "example.com.evil", 1, 0 },
		{ ".example.com", "mx.example.com", 0, 1 },
		{ ".example.com", "example.com", 0, 0 },
		{ ".example.com", "badexample.com", 0, 0 },
		/* match_ops.c: parent style ignores the leading dot rule */
		{ ".example.com", "mx.example.com", 1, 0 },
		{ "", "mx.example.com", 1, 0 },
		{ "mx.example.com", "", 1, 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (sj_match_hostname(v[i].pattern, v[i].name, v[i].parent) !=
		    v[i].want)
			fail_msg("hostname %s ~ %s parent %d: want %d",
			    v[i].name, v[i].pattern, v[i].parent, v[i].want);
}

static void
test_hostaddr(void **state)
{
	static const struct {
		const char *pattern, *addr;
		int	want;
	} v[] = {
		{ "192.0.2.1", "192.0.2.1", 1 },
		{ "[192.0.2.1]", "192.0.2.1", 1 },
		{ "192.0.2.1", "192.0.2.10", 0 },
		{ "192.0.2.0/24", "192.0.2.77", 1 },
		{ "192.0.2.0/24", "192.0.3.1", 0 },
		{ "192.0.2.128/25", "192.0.2.127", 0 },
		{ "192.0.2.128/25", "192.0.2.200", 1 },
		{ "[192.0.2.0]/24", "192.0.2.5", 1 },
		{ "0.0.0.0/0", "203.0.113.9", 1 },
		{ "10.0.0.0/33", "10.0.0.1", 0 },
		{ "10.0.0.0/", "10.0.0.1", 0 },
		{ "10.0.0.0/x", "10.0.0.1", 0 },
		{ "[::1]", "::1", 1 },
		{ "[::1]", "0:0:0:0:0:0:0:1", 1 },
		{ "[2001:db8::]/32", "2001:db8:1::25", 1 },
		{ "[2001:db8::]/32", "2001:db9::25", 0 },
		{ "[2001:db8::]/129", "2001:db8::25", 0 },
		/* IPv4 never matches IPv6 and the other way round */
		{ "0.0.0.0/0", "::1", 0 },
		{ "[::]/0", "192.0.2.1", 0 },
		/* a name is not an address */
		{ "192.0.2.1", "mx.example.com", 0 },
		{ "[192.0.2.1", "192.0.2.1", 0 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (sj_match_hostaddr(v[i].pattern, v[i].addr) != v[i].want)
			fail_msg("addr %s ~ %s: want %d", v[i].addr,
			    v[i].pattern, v[i].want);
}

static void
test_lists(void **state)
{
	static const struct {
		const char *list, *name, *addr;
		int	parent, want;
	} v[] = {
		{ "", "mx.example.com", "192.0.2.1", 1, 0 },
		{ "example.com", "mx.example.com", "192.0.2.1", 1, 1 },
		{ "other.test, example.com", "mx.example.com", NULL, 1, 1 },
		{ "other.test\texample.com\n", "mx.example.com", NULL, 1, 1 },
		{ "192.0.2.0/24", "mx.example.com", "192.0.2.1", 1, 1 },
		{ "192.0.2.0/24", "mx.example.com", NULL, 1, 0 },
		/* first match wins; '!' inverts */
		{ "!mx.example.com example.com", "mx.example.com", NULL, 1, 0 },
		{ "!mx.example.com example.com", "a.example.com", NULL, 1, 1 },
		{ "!!example.com", "a.example.com", NULL, 1, 1 },
		{ "!192.0.2.1, 192.0.2.0/24", "x.test", "192.0.2.1", 1, 0 },
		{ "!192.0.2.1, 192.0.2.0/24", "x.test", "192.0.2.2", 1, 1 },
		/* tables and files are skipped, the rest still works */
		{ "hash:/etc/postfix/peers, /etc/peers, example.com",
		    "mx.example.com", NULL, 1, 1 },
		{ "hash:/etc/postfix/peers", "hash", NULL, 1, 0 },
		/* bare IPv6 is a table name in Postfix */
		{ "::1", NULL, "::1", 1, 0 },
		{ "[::1]", NULL, "::1", 1, 1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (sj_match_namadr_list(v[i].list, v[i].name, v[i].addr,
		    v[i].parent) != v[i].want)
			fail_msg("list \"%s\" name %s addr %s: want %d",
			    v[i].list, v[i].name ? v[i].name : "-",
			    v[i].addr ? v[i].addr : "-", v[i].want);
	assert_int_equal(sj_match_namadr_list(NULL, "a", "192.0.2.1", 1), 0);
	assert_int_equal(sj_match_domain_list("example.com", "x.example.com",
	    1), 1);
	assert_int_equal(sj_match_domain_list("example.com", "x.example.com",
	    0), 0);
	/* a domain list never matches addresses */
	assert_int_equal(sj_match_domain_list("192.0.2.0/24", "192.0.2.1",
	    1), 0);
}

static void
test_check(void **state)
{
	static const struct {
		const char *list;
		int	want;
		const char *why;
	} v[] = {
		{ "", SJ_MATCH_OK, "" },
		{ "example.com, .example.net 192.0.2.0/24 [::1] [2001:db8::]/32",
		    SJ_MATCH_OK, "" },
		{ "example.com hash:/etc/x", SJ_MATCH_UNSUPPORTED, "hash:/etc/x" },
		{ "/etc/postfix/peers", SJ_MATCH_UNSUPPORTED,
		    "/etc/postfix/peers" },
		{ "!cidr:/etc/x", SJ_MATCH_UNSUPPORTED, "!cidr:/etc/x" },
		{ "10.0.0.0/33", SJ_MATCH_BAD, "10.0.0.0/33" },
		{ "hash:/x [::1]/200", SJ_MATCH_BAD, "[::1]/200" },
		{ "!", SJ_MATCH_BAD, "!" },
	};
	char	why[128];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		rc = sj_match_list_check(v[i].list, why, sizeof(why));
		if (rc != v[i].want || strcmp(why, v[i].why) != 0)
			fail_msg("check \"%s\": got %d \"%s\", want %d \"%s\"",
			    v[i].list, rc, why, v[i].want, v[i].why);
	}
	/* an overlong pattern is bad and reported cut and censored */
	{
		char	big[600];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		big[3] = '\001';
		assert_int_equal(sj_match_list_check(big, why, sizeof(why)),
		    SJ_MATCH_BAD);
		assert_int_equal(strlen(why), 64);
		assert_int_equal(why[3], '?');
		assert_int_equal(sj_match_namadr_list(big, big, NULL, 1), 0);
	}
}

static void
test_parent_style(void **state)
{
	const char *dflt = "debug_peer_list,fast_flush_domains,mynetworks,"
	    "permit_mx_backup_networks,qmqpd_authorized_clients,"
	    "relay_domains,smtpd_access_maps";

	(void)state;
	assert_int_equal(sj_match_list_has(dflt, "debug_peer_list"), 1);
	assert_int_equal(sj_match_list_has(dflt, "fast_flush_domains"),
	    1);
	assert_int_equal(sj_match_list_has(dflt, "debug_peer"), 0);
	assert_int_equal(sj_match_list_has("", "debug_peer_list"), 0);
	assert_int_equal(sj_match_list_has(NULL, "debug_peer_list"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_hostaddr),
		cmocka_unit_test(test_lists),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_parent_style),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

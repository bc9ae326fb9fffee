/*
 * NAME
 *	test_tls_sni 1
 * SUMMARY
 *	unit tests of the SNI choice of a client session (child/tls_sni.c)
 * DESCRIPTION
 *	At every non-DANE level smtp_tls_servername decides: empty sends
 *	nothing, "hostname" and "nexthop" name the server and the request's
 *	domain (case-sensitive, as Postfix's strcmp()), anything else is
 *	sent as is. At dane, dane-only and half-dane the TLSA base domain is
 *	sent whatever smtp_tls_servername says (Postfix 3.7 tls_client.c
 *	tls_auth_enable(): the DANE case sets the name after the
 *	servername), the server's name when there is no base domain.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/tls_sni.c, Postfix src/tls/tls_client.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sj_tls.h"
#include "tls_sni.h"

#define HOST	"mx1.example.test"
#define NEXTHOP	"example.test"
#define BASE	"real.example.test"

static void
test_not_dane(void **state)
{
	static const int levels[] = { SJ_TLS_LEV_MAY, SJ_TLS_LEV_ENCRYPT,
	    SJ_TLS_LEV_FPRINT, SJ_TLS_LEV_VERIFY, SJ_TLS_LEV_SECURE };
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		assert_null(tls_sni_name("", levels[i], BASE, HOST, NEXTHOP));
		assert_null(tls_sni_name(NULL, levels[i], BASE, HOST,
		    NEXTHOP));
		assert_string_equal(tls_sni_name("hostname", levels[i], BASE,
		    HOST, NEXTHOP), HOST);
		assert_string_equal(tls_sni_name("nexthop", levels[i], BASE,
		    HOST, NEXTHOP), NEXTHOP);
		assert_string_equal(tls_sni_name("sni.example.test",
		    levels[i], BASE, HOST, NEXTHOP), "sni.example.test");
		/* Postfix compares with strcmp(): sent as a name. */
		assert_string_equal(tls_sni_name("HOSTNAME", levels[i], BASE,
		    HOST, NEXTHOP), "HOSTNAME");
	}
}

static void
test_dane_base_wins(void **state)
{
	static const int levels[] = { SJ_TLS_LEV_DANE, SJ_TLS_LEV_DANE_ONLY,
	    SJ_TLS_LEV_HALF_DANE };
	static const char *const names[] = { "", "hostname", "nexthop",
	    "sni.example.test" };
	size_t	i, j;

	(void)state;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		for (j = 0; j < sizeof(names) / sizeof(names[0]); j++) {
			assert_string_equal(tls_sni_name(names[j], levels[i],
			    BASE, HOST, NEXTHOP), BASE);
			assert_string_equal(tls_sni_name(names[j], levels[i],
			    NULL, HOST, NEXTHOP), HOST);
			assert_string_equal(tls_sni_name(names[j], levels[i],
			    "", HOST, NEXTHOP), HOST);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_dane),
		cmocka_unit_test(test_dane_base_wins),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

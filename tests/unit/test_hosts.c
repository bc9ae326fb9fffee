/*
 * NAME
 *	test_hosts 1
 * SUMMARY
 *	unit tests of the hosts file for smtp_host_lookup = native
 * DESCRIPTION
 *	parent/hosts_file.c: a file with comments, blank lines, IPv4 and
 *	IPv6 addresses, several names per line, a bad address, a bad name
 *	and an over-long line becomes exactly the expected (address,
 *	name) pairs in file order; a missing file is an empty list; more
 *	than SJ_HOSTS_MAX names is refused. child/hosts.c: those pairs
 *	answer lookups case-insensitively, with or without a trailing
 *	dot, all addresses of a name in file order, filtered by the
 *	enabled families; unknown names find nothing; bad pairs and the
 *	SJ_HOSTS_MAX-th plus one are refused.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/hosts_file.c, child/hosts.c
 */
#include <arpa/inet.h>
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

#include "hosts.h"
#include "hosts_file.h"
#include "sj_limits.h"

static char test_path[64];

static void
write_file(const char *text)
{
	FILE	*fp;

	snprintf(test_path, sizeof(test_path), "/tmp/sj-test-hosts.%ld",
	    (long)getpid());
	assert_non_null(fp = fopen(test_path, "w"));
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static void
test_read(void **state)
{
	static const char *want[][2] = {
		{ "127.0.0.1", "localhost" },
		{ "::1", "localhost" },
		{ "::1", "ip6-localhost" },
		{ "192.0.2.10", "Mail.Example.TEST" },
		{ "192.0.2.10", "mail" },
		{ "2001:db8::10", "mail.example.test" },
		{ "192.0.2.11", "after.long.test" },
		{ "192.0.2.12", "last.test" },
	};
	char	text[8192], why[256] = "";
	struct ipc_hosts *v;
	uint32_t n, i;

	(void)state;
	snprintf(text, sizeof(text), "# comment\n\n"
	    "127.0.0.1\tlocalhost\n"
	    "::1 localhost ip6-localhost # trailing comment\n"
	    "192.0.2.10 Mail.Example.TEST mail bad/name\n"
	    "   2001:db8::10   mail.example.test\n"
	    "999.1.1.1 not.an.address\n"
	    "name.first 192.0.2.99\n"
	    "192.0.2.13 %05000d\n"
	    "192.0.2.11 after.long.test\n"
	    "192.0.2.12 last.test", 0);
	write_file(text);
	assert_int_equal(hosts_file_read(test_path, &v, &n, why,
	    sizeof(why)), 0);
	unlink(test_path);
	assert_int_equal(n, sizeof(want) / sizeof(want[0]));
	for (i = 0; i < n; i++) {
		assert_string_equal(v[i].addr, want[i][0]);
		assert_string_equal(v[i].name, want[i][1]);
	}
	free(v);

	assert_int_equal(hosts_file_read("/nonexistent/sj-hosts", &v, &n, why,
	    sizeof(why)), 0);
	assert_int_equal(n, 0);
	assert_null(v);
}

static void
test_too_many(void **state)
{
	char	*text, why[256] = "";
	struct ipc_hosts *v;
	uint32_t n;
	size_t	i, len = 0, size = (SJ_HOSTS_MAX + 1) * 32;

	(void)state;
	assert_non_null(text = malloc(size));
	for (i = 0; i <= SJ_HOSTS_MAX; i++)
		len += (size_t)snprintf(text + len, size - len,
		    "192.0.2.1 h%zu.test\n", i);
	write_file(text);
	free(text);
	assert_int_equal(hosts_file_read(test_path, &v, &n, why, sizeof(why)),
	    -E2BIG);
	unlink(test_path);
	assert_non_null(strstr(why, "more than"));
}

static void
add(const char *addr, const char *name)
{
	struct ipc_hosts h;

	memset(&h, 0, sizeof(h));
	snprintf(h.addr, sizeof(h.addr), "%s", addr);
	snprintf(h.name, sizeof(h.name), "%s", name);
	assert_int_equal(hosts_add(&h), 0);
}

static void
test_lookup(void **state)
{
	struct dns_addr out[8];
	struct ipc_hosts h;
	char	text[INET6_ADDRSTRLEN];
	size_t	n, i;

	(void)state;
	hosts_reset();
	add("192.0.2.10", "Mail.Example.TEST");
	add("2001:db8::10", "mail.example.test.");
	add("192.0.2.20", "other.test");
	add("192.0.2.11", "mail.example.test");

	n = hosts_lookup("MAIL.example.test.", 1, 1, out, 8);
	assert_int_equal(n, 3);
	assert_int_equal(out[0].family, AF_INET);
	inet_ntop(AF_INET, out[0].addr, text, sizeof(text));
	assert_string_equal(text, "192.0.2.10");
	assert_int_equal(out[1].family, AF_INET6);
	inet_ntop(AF_INET6, out[1].addr, text, sizeof(text));
	assert_string_equal(text, "2001:db8::10");
	inet_ntop(AF_INET, out[2].addr, text, sizeof(text));
	assert_string_equal(text, "192.0.2.11");

	assert_int_equal(hosts_lookup("mail.example.test", 1, 0, out, 8), 2);
	assert_int_equal(hosts_lookup("mail.example.test", 0, 1, out, 8), 1);
	assert_int_equal(hosts_lookup("mail.example.test", 1, 1, out, 1), 1);
	assert_int_equal(hosts_lookup("mail.example", 1, 1, out, 8), 0);
	assert_int_equal(hosts_lookup("example.test", 1, 1, out, 8), 0);
	assert_int_equal(hosts_lookup("nohost.test", 1, 1, out, 8), 0);

	memset(&h, 0, sizeof(h));
	snprintf(h.addr, sizeof(h.addr), "mail.test");
	snprintf(h.name, sizeof(h.name), "x.test");
	assert_int_equal(hosts_add(&h), -EINVAL);
	snprintf(h.addr, sizeof(h.addr), "192.0.2.1");
	h.name[0] = '\0';
	assert_int_equal(hosts_add(&h), -EINVAL);

	hosts_reset();
	assert_int_equal(hosts_lookup("other.test", 1, 1, out, 8), 0);
	for (i = 0; i < SJ_HOSTS_MAX; i++)
		add("192.0.2.1", "many.test");
	snprintf(h.name, sizeof(h.name), "one.more.test");
	assert_int_equal(hosts_add(&h), -E2BIG);
	assert_int_equal(hosts_lookup("many.test", 1, 1, out, 8), 8);
	hosts_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_lookup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

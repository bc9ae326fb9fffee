/*
 * NAME
 *	test_egress 1
 * SUMMARY
 *	unit tests for policy/egress.c
 * DESCRIPTION
 *	A table of connection requests (purpose, address, port) against a
 *	policy made from a typical configuration, each allowed or refused
 *	with the reason's key words: loopback, link-local, own address,
 *	wrong port, a name server not configured, mapped addresses; a
 *	literal [127.0.0.1]:10025 content filter and smtpjail_egress_allow
 *	open the door, a name does not; the address limit and the one
 *	retry per address; the source address rules of smtp_connect.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>

#include "sj_egress.h"

static struct egress_conf
base_conf(void)
{
	struct egress_conf c;

	memset(&c, 0, sizeof(c));
	c.dns_servers = "192.0.2.53:53,[2001:db8::53]:53,127.0.0.53:53";
	c.own_addrs = "127.0.0.1,::1,198.51.100.7,2001:db8::7";
	c.inet_addrs = "127.0.0.1,::1,198.51.100.7,2001:db8::7";
	c.relayhost = "";
	c.fallback_relay = "";
	c.egress_allow = "";
	c.bind_address = "";
	c.bind_address6 = "";
	c.default_port = 25;
	c.mx_address_limit = 5;
	return (c);
}

static socklen_t
mk_sa(const char *addr, unsigned port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		return (sizeof(*s4));
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) != 1)
		fail_msg("bad test address %s", addr);
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	return (sizeof(*s6));
}

static int
ask(const struct egress_policy *pol, struct egress_job *job, int purpose,
    const char *addr, unsigned port, char *why, size_t whysz)
{
	struct sockaddr_storage ss;
	socklen_t len = mk_sa(addr, port, &ss);

	why[0] = '\0';
	return (egress_check(pol, job, purpose, (struct sockaddr *)&ss, len,
	    why, whysz));
}

static void
test_table(void **state)
{
	static const struct {
		const char *nexthop;
		int	purpose;
		const char *addr;
		unsigned port;
		int	ok;
		const char *reason;	/* substring of why[] when refused */
	} v[] = {
		/* DNS: the configured servers, on their port, only. */
		{ "example.com", EGRESS_DNS_UDP, "192.0.2.53", 53, 1, NULL },
		{ "example.com", EGRESS_DNS_TCP, "2001:db8::53", 53, 1, NULL },
		{ "example.com", EGRESS_DNS_UDP, "127.0.0.53", 53, 1, NULL },
		{ "example.com", EGRESS_DNS_UDP, "192.0.2.54", 53,
		    0, "not a configured name server" },
		{ "example.com", EGRESS_DNS_UDP, "192.0.2.53", 5353,
		    0, "not a configured name server" },
		{ "example.com", EGRESS_DNS_UDP, "127.0.0.1", 514,
		    0, "not a configured name server" },
		/* SMTP to the world, on the job's port. */
		{ "example.com", EGRESS_SMTP, "203.0.113.9", 25, 1, NULL },
		{ "example.com", EGRESS_SMTP, "2001:db8:1::9", 25, 1, NULL },
		{ "example.com", EGRESS_SMTP, "203.0.113.9", 80,
		    0, "port 80 is not a port" },
		{ "example.com:2525", EGRESS_SMTP, "203.0.113.9", 25,
		    0, "port 25 is not a port" },
		{ "example.com:2525", EGRESS_SMTP, "203.0.113.9", 2525, 1, NULL },
		{ "[example.com]:submission", EGRESS_SMTP, "203.0.113.9", 587,
		    1, NULL },
		/* Never the special ranges, never ourselves ... */
		{ "example.com", EGRESS_SMTP, "127.0.0.1", 25,
		    0, "loopback" },
		{ "example.com", EGRESS_SMTP, "127.3.4.5", 25, 0, "loopback" },
		{ "example.com", EGRESS_SMTP, "::1", 25, 0, "loopback" },
		{ "example.com", EGRESS_SMTP, "::ffff:127.0.0.1", 25,
		    0, "loopback" },
		{ "example.com", EGRESS_SMTP, "169.254.169.254", 25,
		    0, "link-local" },
		{ "example.com", EGRESS_SMTP, "fe80::1", 25, 0, "link-local" },
		{ "example.com", EGRESS_SMTP, "224.0.0.1", 25, 0, "multicast" },
		{ "example.com", EGRESS_SMTP, "ff02::1", 25, 0, "multicast" },
		{ "example.com", EGRESS_SMTP, "0.0.0.0", 25, 0, "unspecified" },
		{ "example.com", EGRESS_SMTP, "::", 25, 0, "unspecified" },
		{ "example.com", EGRESS_SMTP, "255.255.255.255", 25,
		    0, "broadcast" },
		{ "example.com", EGRESS_SMTP, "198.51.100.7", 25,
		    0, "own addresses" },
		{ "example.com", EGRESS_SMTP, "2001:db8::7", 25,
		    0, "own addresses" },
		/* ... unless the nexthop names it literally. */
		{ "[127.0.0.1]:10025", EGRESS_SMTP, "127.0.0.1", 10025, 1, NULL },
		{ "[127.0.0.1]:10025", EGRESS_SMTP, "127.0.0.1", 25,
		    0, "port 25" },
		{ "[127.0.0.1]:10025", EGRESS_SMTP, "127.0.0.2", 10025,
		    0, "loopback" },
		{ "[IPv6:::1]:10025", EGRESS_SMTP, "::1", 10025, 1, NULL },
		{ "127.0.0.1:10025", EGRESS_SMTP, "127.0.0.1", 10025, 1, NULL },
		{ "a.example, [198.51.100.7]", EGRESS_SMTP, "198.51.100.7", 25,
		    1, NULL },
		/* A name whose MX points at localhost opens nothing. */
		{ "localhost", EGRESS_SMTP, "127.0.0.1", 25, 0, "loopback" },
	};
	struct egress_conf c = base_conf();
	struct egress_policy pol;
	struct egress_job job;
	char	why[512];
	size_t	i;
	int	rv;

	(void)state;
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		egress_job_begin(&job, &pol, v[i].nexthop);
		rv = ask(&pol, &job, v[i].purpose, v[i].addr, v[i].port, why,
		    sizeof(why));
		if (v[i].ok && rv != 0)
			fail_msg("row %zu (%s %s:%u): refused: %s", i,
			    v[i].nexthop, v[i].addr, v[i].port, why);
		if (!v[i].ok && rv != -EACCES)
			fail_msg("row %zu (%s %s:%u): allowed", i,
			    v[i].nexthop, v[i].addr, v[i].port);
		if (!v[i].ok && strstr(why, v[i].reason) == NULL)
			fail_msg("row %zu: reason \"%s\" lacks \"%s\"", i, why,
			    v[i].reason);
	}
}

/* relayhost, smtp_fallback_relay and smtpjail_egress_allow literals. */
static void
test_config_literals(void **state)
{
	struct egress_conf c = base_conf();
	struct egress_policy pol;
	struct egress_job job;
	char	why[512];

	(void)state;
	c.relayhost = "[127.0.0.1]:10025";
	c.fallback_relay = "[10.0.0.1]:2525 backup.example";
	c.egress_allow = "169.254.0.0/16, [::1]";
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	egress_job_begin(&job, &pol, "example.com");
	/* Fallback relay ports are the job's ports too. */
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "10.0.0.1", 2525, why,
	    sizeof(why)), 0);
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "127.0.0.1", 10025, why,
	    sizeof(why)), 0);
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "169.254.1.1", 25, why,
	    sizeof(why)), 0);
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "::1", 25, why,
	    sizeof(why)), 0);
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "127.0.0.2", 25, why,
	    sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "loopback"));
	/* Three destinations: 2 of the list + the nexthop, 5 each. */
	assert_int_equal(job.max_addrs, 15);

	/* A name in smtpjail_egress_allow is refused at start. */
	c.egress_allow = "localhost";
	assert_int_equal(egress_policy_init(&pol, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "smtpjail_egress_allow"));
}

/* smtp_mx_address_limit per destination; one retry per address. */
static void
test_limits(void **state)
{
	struct egress_conf c = base_conf();
	struct egress_policy pol;
	struct egress_job job;
	char	why[512], addr[32];
	int	i;

	(void)state;
	c.mx_address_limit = 3;
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	egress_job_begin(&job, &pol, "example.com");
	for (i = 1; i <= 3; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		assert_int_equal(ask(&pol, &job, EGRESS_SMTP, addr, 25, why,
		    sizeof(why)), 0);
	}
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "203.0.113.4", 25, why,
	    sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "smtp_mx_address_limit"));
	/* The plain-text retry, then no more. */
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "203.0.113.1", 25, why,
	    sizeof(why)), 0);
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "203.0.113.1", 25, why,
	    sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "connections to one address"));
	/* DNS is not counted. */
	for (i = 0; i < 10; i++)
		assert_int_equal(ask(&pol, &job, EGRESS_DNS_UDP, "192.0.2.53",
		    53, why, sizeof(why)), 0);
	/* ... but a flood of DNS sockets ends. */
	for (i = 10; i < EGRESS_DNS_PER_JOB; i++)
		assert_int_equal(ask(&pol, &job, EGRESS_DNS_TCP, "192.0.2.53",
		    53, why, sizeof(why)), 0);
	assert_int_equal(ask(&pol, &job, EGRESS_DNS_UDP, "192.0.2.53", 53,
	    why, sizeof(why)), -EACCES);
	assert_non_null(strstr(why, "DNS sockets in one delivery"));
	/* A new job starts again. */
	egress_job_begin(&job, &pol, "example.com");
	assert_int_equal(ask(&pol, &job, EGRESS_SMTP, "203.0.113.4", 25, why,
	    sizeof(why)), 0);
	/* Limit 0: no limit. */
	c.mx_address_limit = 0;
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	egress_job_begin(&job, &pol, "example.com");
	for (i = 1; i <= 20; i++) {
		snprintf(addr, sizeof(addr), "203.0.113.%d", i);
		assert_int_equal(ask(&pol, &job, EGRESS_SMTP, addr, 25, why,
		    sizeof(why)), 0);
	}
}

/* Source addresses: Postfix smtp_connect.c. */
static void
test_bind(void **state)
{
	struct egress_conf c = base_conf();
	struct egress_policy pol;
	const struct egress_net *b;
	char	why[512], text[64];
	int	enforce;

	(void)state;
	/* Two IPv4 inet_interfaces addresses (one loopback): no binding. */
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	assert_null(egress_bind_address(&pol, AF_INET, &enforce));
	/* Exactly one, not loopback: bind to it, never enforced. */
	c.inet_addrs = "198.51.100.7";
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	assert_non_null(b = egress_bind_address(&pol, AF_INET, &enforce));
	egress_net_format(b, text, sizeof(text));
	assert_string_equal(text, "198.51.100.7");
	assert_int_equal(enforce, 0);
	assert_null(egress_bind_address(&pol, AF_INET6, &enforce));
	/* Exactly one, loopback: no binding. */
	c.inet_addrs = "127.0.0.1";
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	assert_null(egress_bind_address(&pol, AF_INET, &enforce));
	/* smtp_bind_address(6) win, enforced when asked. */
	c.bind_address = "192.0.2.1";
	c.bind_address6 = "[2001:db8::1]";	/* brackets allowed */
	c.bind_enforce = 1;
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	assert_non_null(b = egress_bind_address(&pol, AF_INET, &enforce));
	egress_net_format(b, text, sizeof(text));
	assert_string_equal(text, "192.0.2.1");
	assert_int_equal(enforce, 1);
	assert_non_null(b = egress_bind_address(&pol, AF_INET6, &enforce));
	egress_net_format(b, text, sizeof(text));
	assert_string_equal(text, "2001:db8::1");
	/* A name, or the wrong family, is refused at start. */
	c.bind_address = "mail.example";
	assert_int_equal(egress_policy_init(&pol, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "smtp_bind_address"));
	c.bind_address = "2001:db8::1";
	assert_int_equal(egress_policy_init(&pol, &c, why, sizeof(why)), -1);
	c.bind_address = "192.0.2.0/24";
	assert_int_equal(egress_policy_init(&pol, &c, why, sizeof(why)), -1);
}

static void
collect(void *ctx, const char *line)
{
	size_t	len = strlen(ctx);

	snprintf((char *)ctx + len, 4096 - len, "%s", line);
}

static void
test_describe(void **state)
{
	struct egress_conf c = base_conf();
	struct egress_policy pol;
	char	why[512], out[4096] = "";

	(void)state;
	c.egress_allow = "10.1.0.0/16";
	if (egress_policy_init(&pol, &c, why, sizeof(why)) < 0)
		fail_msg("init: %s", why);
	egress_describe(&pol, collect, out);
	assert_non_null(strstr(out, "egress: DNS (UDP, TCP) to name server "
	    "192.0.2.53:53\n"));
	assert_non_null(strstr(out, "[2001:db8::53]:53"));
	assert_non_null(strstr(out, "egress: SMTP refused to own address "
	    "198.51.100.7"));
	assert_non_null(strstr(out, "egress: SMTP allowed to 10.1.0.0/16 "
	    "(smtpjail_egress_allow)"));
	assert_non_null(strstr(out, "at most 5 addresses per destination"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_config_literals),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_describe),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

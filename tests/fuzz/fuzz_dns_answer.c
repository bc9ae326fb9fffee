/*
 * NAME
 *	fuzz_dns_answer 1
 * SUMMARY
 *	libFuzzer target: the DNS answer parser of child/dns_parse.c
 * DESCRIPTION
 *	The first input byte picks the question type (MX, A or AAAA); the
 *	rest is a DNS answer as a hostile name server (or a forger on the
 *	path) would send it, fed to dns_parse(), which every answer that
 *	c-ares accepts reaches (dns_callback() of child/dns.c). The parser
 *	and struct dns_chain are declared in child/dns_int.h, the
 *	resolver's private header; the parser comes from the archive.
 *	After every parse: the result is one of the classes the caller
 *	handles, at most DNS_RR_MAX records are kept, every MX host is a
 *	valid host name or address of at most SJ_HOSTNAME_MAX bytes, every
 *	address has a known family, and a CNAME target, when one is
 *	returned, is a valid name.
 * SECURITY
 *	Runs the child's DNS parser on hostile input, outside the sandbox.
 * SEE ALSO
 *	child/dns_parse.c, RFC 1035 section 4.1, RFC 7505
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "dns_int.h"
#include "fuzz_quiet.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_result(const struct dns_chain *ch, int rv, const char *cname)
{
	size_t	i;

	switch (rv) {
	case DNS_OK:
	case DNS_RECURSE:
	case DNS_NOTFOUND:
	case DNS_NULLMX:
	case DNS_FAIL:
	case DNS_INVAL:
	case DNS_RETRY:
		break;
	default:
		abort();
	}
	if (rv == DNS_RECURSE && !dns_valid_hostname(cname)
	    && !dns_valid_hostaddr(cname))
		abort();
	if (ch->mx) {
		if (ch->mx->count > DNS_RR_MAX || (rv != DNS_OK
		    && ch->mx->count != 0))
			abort();
		for (i = 0; i < ch->mx->count; i++) {
			const char *h = ch->mx->mx[i].host;

			if (strnlen(h, sizeof(ch->mx->mx[i].host))
			    > SJ_HOSTNAME_MAX)
				abort();
			if (!dns_valid_hostname(h) && !dns_valid_hostaddr(h))
				abort();
			if (ch->mx->mx[i].pref > 65535)
				abort();
		}
	} else {
		if (ch->ar->count > DNS_RR_MAX || (rv != DNS_OK
		    && ch->ar->count != 0))
			abort();
		for (i = 0; i < ch->ar->count; i++)
			if (ch->ar->addr[i].family != (ch->qtype == DNS_T_A ?
			    AF_INET : AF_INET6))
				abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_mx_reply mx;
	static struct dns_addr_reply ar;
	static const int qtypes[] = {DNS_T_MX, DNS_T_A, DNS_T_AAAA};
	struct dns_chain ch;
	char	cname[SJ_HOSTNAME_MAX + 1];
	int	rv;

	msg_set_sink(fuzz_quiet, NULL);
	if (size < 1 || size - 1 > 65535)
		return (0);
	memset(&ch, 0, sizeof(ch));
	ch.qtype = qtypes[data[0] % 3];
	memcpy(ch.name, "fuzz.example", sizeof("fuzz.example"));
	if (ch.qtype == DNS_T_MX) {
		memset(&mx, 0, sizeof(mx));
		ch.mx = &mx;
	} else {
		memset(&ar, 0, sizeof(ar));
		ch.ar = &ar;
	}
	cname[0] = '\0';
	rv = dns_parse(&ch, data + 1, (int)(size - 1), cname);
	check_result(&ch, rv, cname);
	return (0);
}

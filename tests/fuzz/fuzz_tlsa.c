/*
 * NAME
 *	fuzz_tlsa 1
 * SUMMARY
 *	libFuzzer target: TLSA answer parser and usability filter
 * DESCRIPTION
 *	The input is a DNS answer as a hostile name server sends it to
 *	"_25._tcp.mx.example.test IN TLSA" (child/dnssec_query.c). It goes
 *	through tlsa_answer_parse(); the set must then be within its
 *	bounds (count, arena, every record inside the arena), and every
 *	kept record is judged by tlsa_rr_usable() (which decodes full
 *	certificates and keys with OpenSSL) with both digest lists. The
 *	same bytes go through dnssec_answer_validated(), which child/dns.c
 *	runs on every MX and address answer at smtp_dns_support_level =
 *	dnssec; it must agree with the parser on a well-formed answer.
 *	dnssec_cname_answer() (Postfix's qname_secure() check) reads them
 *	too: one of its classes, "secure" only when validated.
 * SECURITY
 *	Runs the child's parsers on hostile input, outside the sandbox.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_quiet.h"
#include "msg.h"
#include "dnssec_query.h"
#include "tlsa.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QNAME	"_25._tcp.mx.example.test"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlsa_set set;	/* 17 KiB: not on libFuzzer's stack */
	struct tlsa_digests both, one;
	char	why[TLSA_WHY_MAX];
	size_t	i;
	int	rv;

	msg_set_sink(fuzz_quiet, NULL);
	if (tlsa_digests_parse("sha512 sha256", &both, why, sizeof(why)) < 0
	    || tlsa_digests_parse("sha256", &one, why, sizeof(why)) < 0)
		abort();
	rv = tlsa_answer_parse(data, size, QNAME, &set);
	if (rv != TLSA_OK && rv != TLSA_NOTFOUND && rv != TLSA_RETRY
	    && rv != TLSA_MALFORMED)
		abort();
	if (rv != TLSA_OK && set.count != 0)
		abort();
	/* The CNAME status check (qname_secure()) reads the same bytes. */
	switch (dnssec_cname_answer(data, size, 1)) {
	case DNSSEC_CNAME_SECURE:
		if (!dnssec_answer_validated(data, size, 1))
			abort();
		break;
	case DNSSEC_CNAME_INSECURE:
	case DNSSEC_CNAME_GONE:
	case DNSSEC_CNAME_AGAIN:
	case DNSSEC_CNAME_FAIL:
		break;
	default:
		abort();
	}
	if (dnssec_answer_validated(data, size, 1) && rv != TLSA_MALFORMED
	    && !(set.ad && set.edns_do))
		abort();
	if (set.count > TLSA_RR_MAX || set.used > TLSA_DATA_MAX)
		abort();
	for (i = 0; i < set.count; i++) {
		if ((size_t)set.rr[i].off + set.rr[i].len > set.used)
			abort();
		(void)tlsa_rr_usable(&set, &set.rr[i], &both, QNAME, why,
		    sizeof(why));
		if (strlen(why) >= sizeof(why))
			abort();
		(void)tlsa_rr_usable(&set, &set.rr[i], &one, QNAME, why,
		    sizeof(why));
	}
	return (0);
}

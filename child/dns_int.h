/*
 * NAME
 *	dns_int.h 3h
 * SUMMARY
 *	the DNS resolver's query chain, shared by its two modules
 * DESCRIPTION
 *	struct dns_chain (one name being resolved) and the answer parser
 *	of child/dns_parse.c that child/dns.c calls from its c-ares
 *	callback; the DNS constants both use. Nothing else includes this
 *	header but tests/fuzz/fuzz_dns_answer.c.
 * SECURITY
 *	Child only.
 */
#ifndef DNS_INT_H
#define DNS_INT_H

#include "dns.h"

#define DNS_RECURSE	1	/* internal: a CNAME without data */

#define DNS_C_IN	1
#define DNS_T_A		1
#define DNS_T_CNAME	5
#define DNS_T_MX	15
#define DNS_T_AAAA	28

#define DNS_HDR_LEN	12

/* One name being resolved, with its CNAME steps. */
struct dns_chain {
	struct dns_ctx *ctx;
	int	qtype;
	char	name[SJ_HOSTNAME_MAX + 1];	/* current query name */
	int	steps;				/* CNAMEs followed */
	int	done;
	int	insecure;			/* an answer not validated */
	struct dns_mx_reply *mx;		/* exactly one of mx/ar */
	struct dns_addr_reply *ar;
};

static inline unsigned
dns_get16(const unsigned char *p)
{
	return ((unsigned)p[0] << 8 | p[1]);
}

/* "A", "AAAA", "MX", "CNAME" or "?", for messages. */
const char *dns_type_name(int type);

/* One NOERROR answer: DNS_OK, DNS_RECURSE (cname[] set) or a failure. */
int	dns_parse(struct dns_chain *ch, const unsigned char *abuf, int alen,
	    char *cname);

#endif

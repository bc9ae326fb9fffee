/*
 * NAME
 *	dnssec_query.h 3h
 * SUMMARY
 *	DNSSEC-requesting queries (DO bit) and the rule for trusting AD
 * DESCRIPTION
 *	c-ares 1.18 cannot set the EDNS0 DO bit through its API, so
 *	dnssec_query_build() writes the whole query: RD and AD set in the
 *	header (RFC 6840 5.7), one question, and an OPT record (RFC 6891)
 *	with a 1232-byte payload and DO set (RFC 3225). The query is sent
 *	with ares_send() through dns_raw_query() (child/dns.c).
 *
 *	An answer counts as DNSSEC-validated only when all three hold:
 *	the resolver is trusted (dnssec_ad_trusted()), the header has AD,
 *	and the answer carries an OPT record with DO echoed. The last
 *	test catches c-ares' EDNS fallback: after a FORMERR without OPT,
 *	c-ares strips the last 11 octets of a query (our OPT record) and
 *	sends it again without DO; such an answer is insecure.
 *
 *	The trust rule (README "DNSSEC", SECURITY.md): AD is believed
 *	only when every name server of resolv.conf is a loopback address
 *	(127.0.0.0/8, ::1; glibc's default 127.0.0.1 when there is none),
 *	or when resolv.conf says "options trust-ad" (glibc 2.31's switch
 *	with the same meaning). Otherwise every answer is insecure.
 * SECURITY
 *	Child only. The query is built from a validated host name and a
 *	port number; answers are parsed by child/tlsa.c.
 * SEE ALSO
 *	child/tlsa.h, child/dns.h, RFC 3225, RFC 4035 3.2.3, RFC 6840 5.7,
 *	RFC 6891, Postfix src/dns/dns_lookup.c (RES_USE_DNSSEC)
 */
#ifndef DNSSEC_QUERY_H
#define DNSSEC_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include "tlsa.h"

struct dns_ctx;

/* RFC 6891 6.2.5, DNS flag day 2020. */
#define DNSSEC_EDNS_SIZE	1232
/* Header, name, type/class, OPT. */
#define DNSSEC_QUERY_MAX	(12 + TLSA_WIRE_NAME_MAX + 4 + 11)
/* Largest answer kept (TCP). */
#define DNSSEC_ANSWER_MAX	65535
/* "_65535._tcp." before the host name. */
#define DNSSEC_TLSA_PREFIX_MAX	12
/* Room for one Postfix-style lookup error text. */
#define DNSSEC_WHY_MAX		(2 * TLSA_WIRE_NAME_MAX + 128)

/* dnssec_lookup_tlsa() results, as Postfix tls_dane.c classifies. */
#define DNSSEC_TLSA_SECURE	0	/* validated records in the set */
#define DNSSEC_TLSA_INSECURE	1	/* records, not validated: unusable */
#define DNSSEC_TLSA_NONE	2	/* NXDOMAIN or NODATA */
#define DNSSEC_TLSA_ERROR	(-1)	/* lookup error; why[] says so */

/* A query for name/qtype with DO set. Length, or -EINVAL. */
int	dnssec_query_build(const char *name, unsigned qtype,
	    unsigned char *buf, size_t size);

/* The trust rule above. servers: the c-ares csv CONFIG carries. */
int	dnssec_ad_trusted(const char *servers, int trust_ad);

/*
 * Any answer (MX, A, AAAA): AD set, an OPT record with DO in the
 * additional section, and 'trusted'. 0 for anything that does not
 * parse.
 */
int	dnssec_answer_validated(const unsigned char *abuf, size_t alen,
	    int trusted);

/* AD believed: trusted resolver, AD set and DO echoed. */
int	dnssec_answer_secure(const struct tlsa_set *, int trusted);

/*
 * The TLSA records of _port._tcp.host (host: a valid host name).
 * "trusted" is dnssec_ad_trusted()'s verdict. -ECANCELED when the
 * parent cancelled the wait.
 */
int	dnssec_lookup_tlsa(struct dns_ctx *, const char *host, unsigned port,
	    int trusted, struct tlsa_set *, char *why, size_t whysz);

/*
 * dnssec_probe (Postfix 3.7 src/dns/dns_sec.c dns_sec_probe()): look
 * up name ("." allowed) and type with DO set and classify the answer;
 * the classes are the IPC_PROBE_* values of ipc_msg.h. -ECANCELED
 * when the parent cancelled the wait.
 */
#define DNSSEC_PROBE_VALIDATED	0	/* a validated answer */
#define DNSSEC_PROBE_INSECURE	1	/* an answer (or an invalid name) */
#define DNSSEC_PROBE_RETRY	2	/* no answer: try again */
#define DNSSEC_PROBE_FAIL	3	/* no answer: non-recoverable */
#define DNSSEC_PROBE_AVAILABLE	4	/* not sent: an answer was validated */
int	dnssec_probe_run(struct dns_ctx *, unsigned qtype, const char *name);

/*
 * Postfix 3.7 tls_dane.c qname_secure(): is the CNAME of qname (a host
 * whose address records, behind that CNAME, were not validated) itself
 * validated? A class below, or -ECANCELED, -ENOMEM.
 */
#define DNSSEC_CNAME_SECURE	1	/* a validated CNAME */
#define DNSSEC_CNAME_INSECURE	0	/* a CNAME, not validated */
#define DNSSEC_CNAME_GONE	(-1)	/* "no longer a CNAME" */
#define DNSSEC_CNAME_AGAIN	(-2)	/* lookup error: try again */
#define DNSSEC_CNAME_FAIL	(-3)	/* lookup error: non-recoverable */
int	dnssec_cname_secure(struct dns_ctx *, const char *qname);
/* The classes above for one answer to that query (no lookup errors
 * but FAIL; AGAIN for a truncated header). */
int	dnssec_cname_answer(const unsigned char *abuf, size_t alen,
	    int trusted);

#endif

/*
 * NAME
 *	tlsa.h 3h
 * SUMMARY
 *	TLSA records: DNS answer and rdata parser, usability filter
 * DESCRIPTION
 *	tlsa_answer_parse() reads a whole DNS answer to a TLSA query
 *	(RFC 6698 2.1) and keeps the TLSA records of the query name,
 *	following CNAMEs inside the answer; it also reports the header's
 *	AD bit and whether the answer carries an EDNS0 OPT record with
 *	the DO bit set (RFC 3225 3: a validating server echoes DO).
 *	Whether AD may be believed is decided elsewhere (dnssec_query.h).
 *
 *	tlsa_rr_usable() says whether one record can be used for SMTP
 *	DANE (RFC 7672 3.1.3: DANE-TA(2) and DANE-EE(3) only; PKIX-TA(0)
 *	and PKIX-EE(1) are "unusable"), with selector 0 or 1, a matching
 *	type of tls_dane_digests (or 0, full data), a digest of the right
 *	length, and full data that decodes as a certificate or public key.
 *	The warning texts follow Postfix 3.7 src/tls/tls_dane.c.
 *
 *	tlsa_digests_parse() parses tls_dane_digests.
 * SECURITY
 *	Child only (the fuzz target runs it outside). Answers are
 *	hostile: every read is bounded by the answer length, names are
 *	decoded with a hop limit, record data is copied into a fixed
 *	arena and records that do not fit are dropped and counted.
 * SEE ALSO
 *	RFC 1035 4.1, RFC 6698, RFC 6891 (EDNS0), RFC 7672
 */
#ifndef TLSA_H
#define TLSA_H

#include <stddef.h>
#include <stdint.h>

#define TLSA_T_TLSA	52	/* RFC 6698 7.1 */
#define TLSA_T_CNAME	5
#define TLSA_T_OPT	41	/* RFC 6891 */
#define TLSA_C_IN	1

/* RFC 6698 2.1.1, RFC 7218 acronyms. */
#define TLSA_USAGE_PKIX_TA	0
#define TLSA_USAGE_PKIX_EE	1
#define TLSA_USAGE_DANE_TA	2
#define TLSA_USAGE_DANE_EE	3
#define TLSA_SEL_CERT		0
#define TLSA_SEL_SPKI		1
#define TLSA_MTYPE_FULL		0
#define TLSA_MTYPE_SHA256	1
#define TLSA_MTYPE_SHA512	2

/* Postfix 3.7 var_dns_rr_list_limit: records kept from one answer. */
#define TLSA_RR_MAX		100
/* All record data of one answer. A TCP answer is at most 64 KiB; 16
 * KiB holds a few full certificates, or 100 SHA-512 digests. */
#define TLSA_DATA_MAX		16384
/* RFC 1035 2.3.4: a name is at most 255 octets in wire form. */
#define TLSA_WIRE_NAME_MAX	255
/* Compression pointers followed in one name (loop guard). */
#define TLSA_NAME_HOPS_MAX	64
/* Postfix dns_lookup_x(): CNAME steps before giving up. */
#define TLSA_CNAME_MAX		10
/* Room for one warning text. */
#define TLSA_WHY_MAX		512
/* tls_dane_digests entries (Postfix knows two IANA digests). */
#define TLSA_DIGESTS_MAX	4

/* tlsa_answer_parse() results. */
#define TLSA_OK		0	/* records of the name are in the set */
#define TLSA_NOTFOUND	(-1)	/* NXDOMAIN, or NOERROR without TLSA */
#define TLSA_RETRY	(-2)	/* SERVFAIL and other "try again" */
#define TLSA_MALFORMED	(-3)	/* the answer does not parse */

struct tlsa_rr {
	uint8_t	usage;
	uint8_t	selector;
	uint8_t	mtype;
	uint16_t off;			/* into tlsa_set.data */
	uint16_t len;
};

struct tlsa_set {
	int	ad;			/* header AD bit (RFC 4035 3.2.3) */
	int	edns_do;		/* OPT present with DO set */
	int	rcode;			/* header RCODE */
	uint32_t ttl;			/* smallest TTL of the kept records */
	size_t	count;
	size_t	dropped;		/* records that did not fit */
	size_t	used;			/* bytes of data[] in use */
	struct tlsa_rr rr[TLSA_RR_MAX];
	unsigned char data[TLSA_DATA_MAX];
};

/* tls_dane_digests, in order of preference. */
struct tlsa_digests {
	size_t	count;
	struct {
		uint8_t	mtype;		/* 1 or 2 */
		char	name[8];	/* "sha256", "sha512" */
		size_t	len;		/* digest octets */
	} d[TLSA_DIGESTS_MAX];
};

/* Wire form of a presentation name, lower case. Length, or -EINVAL. */
int	tlsa_name_to_wire(const char *name, unsigned char *wire, size_t size);

/* One rdata: 0, or -EINVAL when shorter than its three fixed octets. */
int	tlsa_rdata_parse(const unsigned char *rd, size_t len,
	    uint8_t *usage, uint8_t *selector, uint8_t *mtype);

/* The answer to "qname IN TLSA". One of TLSA_OK ... TLSA_MALFORMED. */
int	tlsa_answer_parse(const unsigned char *abuf, size_t alen,
	    const char *qname, struct tlsa_set *);

/*
 * 1 if the record can be used, 0 if not (why[] says why, Postfix's
 * words; "rrname" is the owner name for that text).
 */
int	tlsa_rr_usable(const struct tlsa_set *, const struct tlsa_rr *,
	    const struct tlsa_digests *, const char *rrname, char *why,
	    size_t whysz);

/* tls_dane_digests: 0, or -EINVAL with why[] (Postfix's warnings). */
int	tlsa_digests_parse(const char *value, struct tlsa_digests *,
	    char *why, size_t whysz);

#endif

/*
 * NAME
 *	dnssec_query 3
 * SUMMARY
 *	DNSSEC-requesting queries (DO bit) and the rule for trusting AD
 * DESCRIPTION
 *	See dnssec_query.h. dnssec_query_build() writes RFC 1035 4.1
 *	by hand: id 0 (ares_send() puts its own), RD and AD set, one
 *	question, ARCOUNT 1, then the OPT pseudo-record: owner ".", type
 *	41, CLASS the UDP payload size, TTL holding extended RCODE 0,
 *	version 0 and the DO flag, no options (RFC 6891 6.1.2, 6.1.3;
 *	RFC 3225 3). It is exactly the 11 octets that c-ares' FORMERR
 *	fallback (ares_process.c, process_answer()) cuts off, which is
 *	why dnssec_answer_secure() also asks for DO in the answer.
 *
 *	dnssec_lookup_tlsa() asks for _port._tcp.host IN TLSA and
 *	classifies the result as Postfix 3.7 tls_dane.c dane_lookup()
 *	does: validated records, records that are not validated (treated
 *	as none), not found (NXDOMAIN/NODATA), or a lookup error with the
 *	text Postfix's dns_lookup() gives ("Host or domain name not
 *	found. Name service error for name=... type=TLSA: Host not found,
 *	try again").
 * SECURITY
 *	Child only, in the sandbox. The answer buffer is allocated per
 *	lookup and freed; answers are parsed by child/tlsa.c. The trust
 *	rule decides from the configuration (resolv.conf as the parent
 *	read it), never from anything in an answer.
 * SEE ALSO
 *	child/dns.c (dns_raw_query()), child/tlsa.c, RFC 3225, RFC 6891,
 *	Postfix src/dns/dns_lookup.c, src/tls/tls_dane.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ares.h>

#include "dns.h"
#include "dnssec_query.h"
#include "msg.h"
#include "sj_text.h"

#define DNSSEC_HDR_LEN	12
#define DNSSEC_FLAG_RD	0x01	/* octet 2 */
#define DNSSEC_FLAG_AD	0x20	/* octet 3 */
#define DNSSEC_T_OPT	41
#define DNSSEC_C_IN	1
#define DNSSEC_OPT_DO	0x80	/* high octet of the OPT flags */
#define DNSSEC_T_CNAME	5

static void
dnssec_put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static int
dnssec_query_write(const char *name, unsigned qtype, unsigned char *buf,
    size_t size, int root_ok)
{
	int	n;
	size_t	o;

	if (size < DNSSEC_QUERY_MAX || qtype > 0xffff)
		return (-EINVAL);
	memset(buf, 0, DNSSEC_HDR_LEN);
	buf[2] = DNSSEC_FLAG_RD;
	buf[3] = DNSSEC_FLAG_AD;
	dnssec_put16(buf + 4, 1);		/* QDCOUNT */
	dnssec_put16(buf + 10, 1);		/* ARCOUNT: the OPT */
	o = DNSSEC_HDR_LEN;
	if ((n = tlsa_name_to_wire(name, buf + o, TLSA_WIRE_NAME_MAX)) < 0
	    || (n == 1 && !root_ok))
		return (-EINVAL);		/* the root: the probe only */
	o += (size_t)n;
	dnssec_put16(buf + o, qtype);
	dnssec_put16(buf + o + 2, DNSSEC_C_IN);
	o += 4;
	buf[o++] = 0;				/* owner "." */
	dnssec_put16(buf + o, DNSSEC_T_OPT);
	dnssec_put16(buf + o + 2, DNSSEC_EDNS_SIZE);
	buf[o + 4] = 0;				/* extended RCODE */
	buf[o + 5] = 0;				/* version 0 */
	buf[o + 6] = DNSSEC_OPT_DO;
	buf[o + 7] = 0;
	dnssec_put16(buf + o + 8, 0);		/* no options */
	o += 10;
	return ((int)o);
}

int
dnssec_query_build(const char *name, unsigned qtype, unsigned char *buf,
    size_t size)
{
	return (dnssec_query_write(name, qtype, buf, size, 0));
}

/* 1 if addr (no port, no brackets) is a loopback address. */
static int
dnssec_loopback(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, addr, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

int
dnssec_ad_trusted(const char *servers, int trust_ad)
{
	char	addr[64];
	const char *p = servers, *end, *close;
	size_t	len;

	if (trust_ad)
		return (1);
	if (servers == NULL || *servers == '\0')
		return (1);			/* glibc: 127.0.0.1 */
	while (*p != '\0') {
		end = strchr(p, ',');
		len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0 && p[0] == '[') {
			/* "[v6]:port" */
			close = memchr(p, ']', len);
			if (close == NULL)
				return (0);
			len = (size_t)(close - p - 1);
			p++;
		} else {
			/* "v4[:port]" or a bare v6 address */
			const char *colon = memchr(p, ':', len);

			if (colon != NULL && memchr(colon + 1, ':',
			    len - (size_t)(colon + 1 - p)) == NULL)
				len = (size_t)(colon - p);
		}
		if (len == 0 || len >= sizeof(addr))
			return (0);
		memcpy(addr, p, len);
		addr[len] = '\0';
		if (!dnssec_loopback(addr))
			return (0);
		if (end == NULL)
			break;
		p = end + 1;
	}
	return (1);
}

/* Position after the (possibly compressed) name at pos, or 0. */
static size_t
dnssec_skip_name(const unsigned char *abuf, size_t alen, size_t pos)
{
	unsigned c;

	while (pos < alen) {
		c = abuf[pos];
		if ((c & 0xc0) == 0xc0)
			return (pos + 2 <= alen ? pos + 2 : 0);
		if (c & 0xc0)
			return (0);
		if (c == 0)
			return (pos + 1);
		pos += 1 + c;
	}
	return (0);
}

int
dnssec_answer_validated(const unsigned char *abuf, size_t alen, int trusted)
{
	unsigned counts[4], i, sect;
	size_t	pos, next;
	int	edns_do = 0, opts = 0;

	if (!trusted || abuf == NULL || alen < DNSSEC_HDR_LEN
	    || !(abuf[3] & DNSSEC_FLAG_AD))
		return (0);
	for (i = 0; i < 4; i++)
		counts[i] = (unsigned)abuf[4 + 2 * i] << 8 | abuf[5 + 2 * i];
	pos = DNSSEC_HDR_LEN;
	for (i = 0; i < counts[0]; i++) {
		if ((next = dnssec_skip_name(abuf, alen, pos)) == 0
		    || next + 4 > alen)
			return (0);
		pos = next + 4;
	}
	for (sect = 1; sect < 4; sect++) {
		for (i = 0; i < counts[sect]; i++) {
			if ((next = dnssec_skip_name(abuf, alen, pos)) == 0
			    || next + 10 > alen)
				return (0);
			if (sect == 3 && next == pos + 1 && abuf[next] == 0
			    && abuf[next + 1] == DNSSEC_T_OPT) {
				if (++opts > 1)
					return (0);	/* RFC 6891 6.1.1 */
				edns_do = (abuf[next + 6] & DNSSEC_OPT_DO) != 0;
			}
			pos = next + 10 + ((size_t)abuf[next + 8] << 8
			    | abuf[next + 9]);
			if (pos > alen)
				return (0);
		}
	}
	return (edns_do);
}

int
dnssec_answer_secure(const struct tlsa_set *set, int trusted)
{
	return (trusted && set->ad && set->edns_do);
}

int
dnssec_lookup_tlsa(struct dns_ctx *ctx, const char *host, unsigned port,
    int trusted, struct tlsa_set *set, char *why, size_t whysz)
{
	unsigned char q[DNSSEC_QUERY_MAX];
	unsigned char *abuf;
	char	qname[DNSSEC_TLSA_PREFIX_MAX + SJ_HOSTNAME_MAX + 1];
	size_t	alen = 0;
	int	qlen, rv, status, ares_status;
	const char *text;

	why[0] = '\0';
	set->count = set->used = set->dropped = 0;
	set->ad = set->edns_do = 0;
	if (port == 0 || port > 65535 || !dns_valid_hostname(host)
	    || dns_valid_hostaddr(host))
		return (-EINVAL);
	if ((size_t)snprintf(qname, sizeof(qname), "_%u._tcp.%s", port,
	    host) >= sizeof(qname)
	    || (qlen = dnssec_query_build(qname, TLSA_T_TLSA, q,
	    sizeof(q))) < 0) {
		snprintf(why, whysz, "Name service error for %.300s: invalid "
		    "host or domain name", qname);
		return (DNSSEC_TLSA_ERROR);
	}
	if ((abuf = malloc(DNSSEC_ANSWER_MAX)) == NULL)
		return (-ENOMEM);
	rv = dns_raw_query(ctx, q, (size_t)qlen, abuf, DNSSEC_ANSWER_MAX,
	    &alen, &ares_status);
	if (rv < 0) {
		free(abuf);
		if (rv == -ECANCELED)
			return (rv);
		ares_status = ARES_ESERVFAIL;
	}
	if (rv == 0 && ares_status == ARES_SUCCESS)
		status = tlsa_answer_parse(abuf, alen, qname, set);
	else if (rv == 0 && (ares_status == ARES_ENOTFOUND
	    || ares_status == ARES_ENODATA))
		status = TLSA_NOTFOUND;
	else
		status = TLSA_RETRY;
	if (rv == 0)
		free(abuf);
	/* dns_lookup_x(): a DNSSEC-requesting lookup ended. */
	dns_sec_note(ctx, (status == TLSA_OK || status == TLSA_NOTFOUND)
	    && dnssec_answer_secure(set, trusted));
	switch (status) {
	case TLSA_OK:
		return (dnssec_answer_secure(set, trusted) ?
		    DNSSEC_TLSA_SECURE : DNSSEC_TLSA_INSECURE);
	case TLSA_NOTFOUND:
		return (DNSSEC_TLSA_NONE);
	case TLSA_RETRY:
		text = "Host not found, try again";
		break;
	default:
		snprintf(why, whysz, "Name service error for name=%s "
		    "type=TLSA: Malformed or unexpected name server reply",
		    qname);
		return (DNSSEC_TLSA_ERROR);
	}
	snprintf(why, whysz, "Host or domain name not found. Name service "
	    "error for name=%s type=TLSA: %s", qname, text);
	return (DNSSEC_TLSA_ERROR);
}

int
dnssec_probe_run(struct dns_ctx *ctx, unsigned qtype, const char *name)
{
	unsigned char q[DNSSEC_QUERY_MAX];
	unsigned char *abuf;
	size_t	alen = 0;
	int	qlen, rv, ares_status, result;

	/* dns_lookup_x(): an invalid name is "not found", never sent. */
	if (strcmp(name, ".") != 0 && (!dns_valid_hostname(name)
	    || dns_valid_hostaddr(name)))
		return (DNSSEC_PROBE_INSECURE);
	if ((qlen = dnssec_query_write(name, qtype, q, sizeof(q), 1)) < 0)
		return (DNSSEC_PROBE_INSECURE);
	if ((abuf = malloc(DNSSEC_ANSWER_MAX)) == NULL)
		return (DNSSEC_PROBE_RETRY);
	rv = dns_raw_query(ctx, q, (size_t)qlen, abuf, DNSSEC_ANSWER_MAX,
	    &alen, &ares_status);
	if (rv == -ECANCELED)
		result = rv;
	else if (rv < 0)
		result = DNSSEC_PROBE_RETRY;
	else if (ares_status == ARES_SUCCESS) {
		/* dns_query(): the AD bit of any reply counts. */
		if (dnssec_answer_validated(abuf, alen, ctx->ad_trusted))
			result = DNSSEC_PROBE_VALIDATED;
		else if ((abuf[3] & 0x0f) == 0 || (abuf[3] & 0x0f) == 3)
			result = DNSSEC_PROBE_INSECURE;	/* NOERROR, NXDOMAIN */
		else
			result = DNSSEC_PROBE_FAIL;	/* glibc NO_RECOVERY */
	} else if (ares_status == ARES_ENOTFOUND
	    || ares_status == ARES_ENODATA)
		result = DNSSEC_PROBE_INSECURE;
	else if (ares_status == ARES_EFORMERR)
		result = DNSSEC_PROBE_FAIL;
	else
		result = DNSSEC_PROBE_RETRY;	/* SERVFAIL, timeout, ... */
	free(abuf);
	return (result);
}

int
dnssec_cname_answer(const unsigned char *abuf, size_t alen, int trusted)
{
	size_t	pos, next;
	unsigned i, an, qd, rdlen;

	if (abuf == NULL || alen < DNSSEC_HDR_LEN)
		return (DNSSEC_CNAME_AGAIN);
	if ((abuf[3] & 0x0f) == 3)
		return (DNSSEC_CNAME_GONE);		/* NXDOMAIN */
	if ((abuf[3] & 0x0f) != 0)
		return (DNSSEC_CNAME_FAIL);		/* glibc NO_RECOVERY */
	/* dns_get_answer(): a CNAME record in the answer section. */
	qd = (unsigned)abuf[4] << 8 | abuf[5];
	an = (unsigned)abuf[6] << 8 | abuf[7];
	pos = DNSSEC_HDR_LEN;
	for (i = 0; i < qd; i++) {
		if ((pos = dnssec_skip_name(abuf, alen, pos)) == 0
		    || pos + 4 > alen)
			return (DNSSEC_CNAME_GONE);
		pos += 4;
	}
	for (i = 0; i < an; i++) {
		if ((next = dnssec_skip_name(abuf, alen, pos)) == 0
		    || next + 10 > alen)
			break;
		rdlen = (unsigned)abuf[next + 8] << 8 | abuf[next + 9];
		if (((unsigned)abuf[next] << 8 | abuf[next + 1])
		    == DNSSEC_T_CNAME)
			return (dnssec_answer_validated(abuf, alen, trusted) ?
			    DNSSEC_CNAME_SECURE : DNSSEC_CNAME_INSECURE);
		pos = next + 10 + rdlen;
		if (pos > alen)
			break;
	}
	return (DNSSEC_CNAME_GONE);
}

int
dnssec_cname_secure(struct dns_ctx *ctx, const char *qname)
{
	unsigned char q[DNSSEC_QUERY_MAX];
	unsigned char *abuf;
	size_t	alen = 0;
	int	qlen, rv, ares_status, result;
	int	validated = 0;

	if ((qlen = dnssec_query_build(qname, DNSSEC_T_CNAME, q,
	    sizeof(q))) < 0)
		return (DNSSEC_CNAME_GONE);	/* dns_lookup(): not found */
	if ((abuf = malloc(DNSSEC_ANSWER_MAX)) == NULL)
		return (-ENOMEM);
	rv = dns_raw_query(ctx, q, (size_t)qlen, abuf, DNSSEC_ANSWER_MAX,
	    &alen, &ares_status);
	if (rv == -ECANCELED) {
		free(abuf);
		return (rv);
	}
	if (rv < 0)
		result = DNSSEC_CNAME_AGAIN;
	else if (ares_status == ARES_SUCCESS) {
		validated = dnssec_answer_validated(abuf, alen,
		    ctx->ad_trusted);
		result = dnssec_cname_answer(abuf, alen, ctx->ad_trusted);
	} else if (ares_status == ARES_ENOTFOUND
	    || ares_status == ARES_ENODATA)
		result = DNSSEC_CNAME_GONE;
	else if (ares_status == ARES_EFORMERR)
		result = DNSSEC_CNAME_FAIL;
	else
		result = DNSSEC_CNAME_AGAIN;
	free(abuf);
	/* dns_lookup_x(): a DNSSEC-requesting lookup ended. */
	dns_sec_note(ctx, validated);
	return (result);
}

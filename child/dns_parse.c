/*
 * NAME
 *	dns_parse 3
 * SUMMARY
 *	the child's DNS answer parser and host name checks
 * DESCRIPTION
 *	dns_parse() reads one NOERROR answer that c-ares accepted
 *	(dns_callback() of child/dns.c) into the chain's MX or address
 *	reply. Answers are parsed here (ares_expand_name() for names)
 *	rather than with ares_parse_*_reply(), to classify them record by
 *	record as Postfix's dns_get_answer() does: an invalid MX target
 *	drops that record, an invalid owner or CNAME drops the answer, an
 *	MX target "." is a null MX, a CNAME without data is returned for
 *	the caller to follow. dns_valid_hostname() and
 *	dns_valid_hostaddr() are Postfix's name checks, for every name
 *	that is kept or queried.
 * SECURITY
 *	Child only, in the sandbox. Answers are hostile (a name server, or
 *	a forger on the path): every offset is checked against the answer
 *	length before it is read, names are validated before they are
 *	kept, and a bad name is censored before it is logged.
 *	tests/fuzz/fuzz_dns_answer.c feeds dns_parse() hostile answers.
 * SEE ALSO
 *	child/dns.c, Postfix src/dns/dns_lookup.c dns_get_answer(),
 *	src/util/valid_hostname.c, RFC 1035 section 4.1, RFC 7505
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "dns.h"
#include "dns_int.h"
#include "msg.h"
#include "sj_text.h"

#define DNS_RR_FIXED	10	/* type, class, ttl, rdlength */

/* Postfix valid_hostname(name, DO_WILDCARD), silent. */
int
dns_valid_hostname(const char *name)
{
	const char *cp;
	size_t	label_len = 0, label_count = 0;
	int	non_numeric = 0;
	unsigned char ch;

	if (*name == '\0')
		return (0);
	for (cp = name; (ch = (unsigned char)*cp) != '\0'; cp++) {
		if ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')
		    || (ch >= 'A' && ch <= 'Z') || ch == '_') {
			if (label_len == 0)
				label_count++;
			if (++label_len > 63)
				return (0);
			if (ch < '0' || ch > '9')
				non_numeric = 1;
		} else if (ch == '*') {
			if (label_len || label_count
			    || (cp[1] && cp[1] != '.'))
				return (0);
			label_count++;
			label_len++;
			non_numeric = 1;
		} else if (ch == '.') {
			if (label_len == 0 || cp[1] == '\0')
				return (0);
			label_len = 0;
		} else if (ch == '-') {
			non_numeric = 1;
			label_len++;
			if (label_len == 1 || cp[1] == '\0' || cp[1] == '.')
				return (0);
		} else {
			return (0);
		}
	}
	if (!non_numeric)
		return (0);
	return (cp - name <= SJ_HOSTNAME_MAX);
}

int
dns_valid_hostaddr(const char *name)
{
	unsigned char buf[16];

	if (strchr(name, ':') != NULL)
		return (inet_pton(AF_INET6, name, buf) == 1);
	return (inet_pton(AF_INET, name, buf) == 1);
}

const char *
dns_type_name(int type)
{
	switch (type) {
	case DNS_T_A:
		return ("A");
	case DNS_T_AAAA:
		return ("AAAA");
	case DNS_T_MX:
		return ("MX");
	case DNS_T_CNAME:
		return ("CNAME");
	default:
		return ("?");
	}
}

/*
 * Expand the name at 'p' into out[SJ_HOSTNAME_MAX + 1]. Sets *used to
 * the bytes it occupies at p. 0, or DNS_RETRY if it does not parse.
 * A name that does not fit is returned as "\\" (never valid).
 */
static int
dns_name(const unsigned char *p, const unsigned char *abuf, int alen,
    char *out, long *used)
{
	char   *s = NULL;
	size_t	len;

	if (p < abuf || p >= abuf + alen)
		return (DNS_RETRY);
	if (ares_expand_name(p, abuf, alen, &s, used) != ARES_SUCCESS
	    || s == NULL)
		return (DNS_RETRY);
	if (*used <= 0 || *used > (abuf + alen) - p) {
		ares_free_string(s);
		return (DNS_RETRY);
	}
	len = strlen(s);
	if (len > SJ_HOSTNAME_MAX) {
		out[0] = '\\';
		out[1] = '\0';
	} else {
		memcpy(out, s, len + 1);
	}
	ares_free_string(s);
	return (0);
}

/* Postfix valid_rr_name(): addresses pass with a warning. */
static int
dns_valid_rr_name(const struct dns_chain *ch, const char *name,
    const char *where, int type)
{
	char	safe[128];
	const char *gripe;
	int	ok;

	if (dns_valid_hostaddr(name)) {
		gripe = "numeric domain name";
		ok = 1;
	} else if (!dns_valid_hostname(name)) {
		gripe = "malformed domain name";
		ok = 0;
	} else {
		return (1);
	}
	sj_text_censor(safe, sizeof(safe), name, strlen(name));
	msg_warn("%s in %s of %s record for %s: %s", gripe, where,
	    dns_type_name(type), ch->name, safe);
	return (ok);
}

/*
 * Parse a NOERROR answer with records, as Postfix dns_get_answer().
 * Returns DNS_OK (records stored), DNS_RECURSE (cname[] set), or a
 * failure class; stored records are dropped on failure.
 */
int
dns_parse(struct dns_chain *ch, const unsigned char *abuf, int alen,
    char *cname)
{
	const unsigned char *p, *end = abuf + alen;
	char	name[SJ_HOSTNAME_MAX + 1];
	unsigned qd, an, type, class, rdlen, i;
	int	not_found = DNS_NOTFOUND, found = 0, cname_found = 0;
	size_t	*countp = ch->mx ? &ch->mx->count : &ch->ar->count;
	long	used;

	*countp = 0;
	if (alen < DNS_HDR_LEN)
		return (DNS_RETRY);
	qd = dns_get16(abuf + 4);
	an = dns_get16(abuf + 6);
	p = abuf + DNS_HDR_LEN;
	for (i = 0; i < qd; i++) {
		if (dns_name(p, abuf, alen, name, &used) != 0)
			return (DNS_RETRY);
		p += used;
		if (end - p < 4)
			return (DNS_RETRY);
		p += 4;
	}

#define CORRUPT(s)	do { *countp = 0; return (s); } while (0)

	for (i = 0; i < an; i++) {
		if (dns_name(p, abuf, alen, name, &used) != 0)
			CORRUPT(DNS_RETRY);
		p += used;
		if (end - p < DNS_RR_FIXED)
			CORRUPT(DNS_RETRY);
		type = dns_get16(p);
		class = dns_get16(p + 2);
		rdlen = dns_get16(p + 8);
		if (class != DNS_C_IN) {
			msg_warn("dns_get_fixed: bad class: %u", class);
			CORRUPT(DNS_RETRY);
		}
		if (!dns_valid_rr_name(ch, name, "resource name", (int)type))
			CORRUPT(DNS_INVAL);
		p += DNS_RR_FIXED;
		if ((unsigned long)(end - p) < rdlen)
			CORRUPT(DNS_RETRY);
		if ((int)type == ch->qtype) {
			if (*countp >= DNS_RR_MAX) {
				msg_warn("DNS record count limit (%d) exceeded "
				    "-- dropping excess record(s) after "
				    "qname=%s qtype=%s", DNS_RR_MAX, ch->name,
				    dns_type_name(ch->qtype));
				break;
			}
			if (type == DNS_T_MX) {
				if (rdlen < 3
				    || dns_name(p + 2, abuf, alen, name,
				    &used) != 0
				    || used > (long)rdlen - 2) {
					not_found = DNS_RETRY;
				} else if (name[0] == '\0') {
					CORRUPT(DNS_NULLMX);
				} else if (!dns_valid_rr_name(ch, name,
				    "resource data", (int)type)) {
					if (not_found != DNS_RETRY)
						not_found = DNS_INVAL;
				} else {
					ch->mx->mx[*countp].pref = dns_get16(p);
					memcpy(ch->mx->mx[*countp].host, name,
					    strlen(name) + 1);
					(*countp)++;
					found++;
				}
			} else {
				struct dns_addr *a = &ch->ar->addr[*countp];
				unsigned want = type == DNS_T_A ? 4 : 16;

				if (rdlen != want) {
					msg_warn("extract_answer: bad address "
					    "length: %u", rdlen);
					not_found = DNS_RETRY;
				} else {
					if (*countp == 0)
						memcpy(ch->ar->rname, name,
						    strlen(name) + 1);
					a->family = type == DNS_T_A ?
					    AF_INET : AF_INET6;
					memset(a->addr, 0, sizeof(a->addr));
					memcpy(a->addr, p, want);
					(*countp)++;
					found++;
				}
			}
		} else if (type == DNS_T_CNAME) {
			if (dns_name(p, abuf, alen, name, &used) != 0
			    || used > (long)rdlen)
				CORRUPT(DNS_RETRY);
			if (!dns_valid_rr_name(ch, name, "resource data",
			    (int)type))
				CORRUPT(DNS_INVAL);
			memcpy(cname, name, strlen(name) + 1);
			cname_found++;
		}
		p += rdlen;
	}
#undef CORRUPT

	if (found)
		return (DNS_OK);
	if (cname_found)
		return (DNS_RECURSE);
	return (not_found);
}

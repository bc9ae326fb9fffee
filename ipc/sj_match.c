/*
 * NAME
 *	sj_match 3
 * SUMMARY
 *	Postfix host-name and address list matching
 * DESCRIPTION
 *	See sj_match.h. The rules are those of Postfix's match_list(3) and
 *	match_ops(3) for namadr_list and domain_list: first match wins, '!'
 *	inverts, a parent-style list lets "domain" match its subdomains and
 *	otherwise only ".domain" does; an address pattern is compared in
 *	binary form, so "::1" matches "0:0:0:0:0:0:0:1", and IPv4 never
 *	matches IPv6.
 * SECURITY
 *	Both processes. Lists come from main.cf (trusted); names and
 *	addresses may come from DNS and peers (hostile): they are only
 *	compared, never copied beyond fixed buffers, and overlong input
 *	simply does not match.
 * SEE ALSO
 *	Postfix match_list(3), match_ops(3), namadr_list(3), domain_list(3),
 *	cidr_match(3); postconf(5) parent_domain_matches_subdomains
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sj_limits.h"
#include "sj_match.h"
#include "sj_text.h"

#define MATCH_SEP	", \t\r\n"
/* "[" + the longest IPv6 text + "]/128" */
#define MATCH_ADDR_PAT_MAX	(INET6_ADDRSTRLEN + 6)

/* One pattern of a list, as a bounded string; *len 0 ends the list. */
static const char *
match_next(const char **cursor, size_t *len)
{
	const char *p = *cursor;

	p += strspn(p, MATCH_SEP);
	*len = strcspn(p, MATCH_SEP);
	*cursor = p + *len;
	return (p);
}

/*
 * "/file/name", or "type:table" (Postfix's MATCH_DICTIONARY: a ':'
 * outside brackets, which is why IPv6 patterns must be in []).
 */
static int
match_unsupported(const char *pattern)
{
	return (pattern[0] == '/' ||
	    (pattern[0] != '[' && strchr(pattern, ':') != NULL));
}

int
sj_match_hostname(const char *pattern, const char *name, int parent_style)
{
	size_t	nlen = strlen(name), plen = strlen(pattern);
	const char *pd;

	if (strcasecmp(name, pattern) == 0)
		return (1);
	if (plen == 0 || plen >= nlen)
		return (0);
	pd = name + nlen - plen;
	if (parent_style)
		return (pd[-1] == '.' && strcasecmp(pd, pattern) == 0);
	return (pattern[0] == '.' && strcasecmp(pd, pattern) == 0);
}

/* Parses "addr", "[addr]", "net/len" or "[net]/len". */
static int
match_parse_addr(const char *pattern, int *family, unsigned char *bytes,
    unsigned *prefix)
{
	char	buf[MATCH_ADDR_PAT_MAX + 1], *slash, *end, *host = buf;
	size_t	len = strlen(pattern);
	unsigned long n;
	unsigned max;

	if (len == 0 || len > MATCH_ADDR_PAT_MAX)
		return (-1);
	memcpy(buf, pattern, len + 1);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (host[0] == '[') {
		size_t	hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			return (-1);
		host[hl - 1] = '\0';
		host++;
	}
	if (inet_pton(AF_INET, host, bytes) == 1) {
		*family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, bytes) == 1) {
		*family = AF_INET6;
		max = 128;
	} else {
		return (-1);
	}
	*prefix = max;
	if (slash != NULL) {
		if (*slash < '0' || *slash > '9')
			return (-1);
		n = strtoul(slash, &end, 10);
		if (*end != '\0' || n > max)
			return (-1);
		*prefix = (unsigned)n;
	}
	return (0);
}

static int
match_prefix_equal(const unsigned char *a, const unsigned char *b,
    unsigned prefix)
{
	unsigned full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (memcmp(a, b, full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	mask = (unsigned char)(0xff << (8 - rest));
	return ((a[full] & mask) == (b[full] & mask));
}

int
sj_match_hostaddr(const char *pattern, const char *addr)
{
	unsigned char pbytes[16], abytes[16];
	unsigned prefix;
	int	pfam, afam;

	if (addr[strspn(addr, "0123456789abcdefABCDEF:.")] != '\0')
		return (0);
	if (match_parse_addr(pattern, &pfam, pbytes, &prefix) < 0)
		return (0);
	if (inet_pton(AF_INET, addr, abytes) == 1)
		afam = AF_INET;
	else if (inet_pton(AF_INET6, addr, abytes) == 1)
		afam = AF_INET6;
	else
		return (0);
	if (afam != pfam)
		return (0);
	return (match_prefix_equal(pbytes, abytes, prefix));
}

/* Runs the list; each pattern is tried as a name, then as an address. */
static int
match_list(const char *list, const char *name, const char *addr,
    int parent_style)
{
	const char *cursor = list, *p;
	char	pat[SJ_HOSTNAME_MAX + 2], *bare;
	size_t	len;
	int	result;

	if (list == NULL)
		return (0);
	for (;;) {
		p = match_next(&cursor, &len);
		if (len == 0)
			return (0);
		if (len >= sizeof(pat))
			continue;
		memcpy(pat, p, len);
		pat[len] = '\0';
		for (result = 1, bare = pat; *bare == '!'; bare++)
			result = !result;
		if (*bare == '\0' || match_unsupported(bare))
			continue;
		if (name != NULL && sj_match_hostname(bare, name,
		    parent_style))
			return (result);
		if (addr != NULL && sj_match_hostaddr(bare, addr))
			return (result);
	}
}

int
sj_match_namadr_list(const char *list, const char *name, const char *addr,
    int parent_style)
{
	return (match_list(list, name, addr, parent_style));
}

int
sj_match_domain_list(const char *list, const char *domain, int parent_style)
{
	return (match_list(list, domain, NULL, parent_style));
}

int
sj_match_list_check(const char *list, char *why, size_t whysz)
{
	const char *cursor = list, *p;
	char	pat[SJ_HOSTNAME_MAX + 2], *bare;
	unsigned char bytes[16];
	unsigned prefix;
	size_t	len;
	int	worst = SJ_MATCH_OK, kind, fam;

	if (whysz > 0)
		why[0] = '\0';
	if (list == NULL)
		return (SJ_MATCH_OK);
	for (;;) {
		p = match_next(&cursor, &len);
		if (len == 0)
			return (worst);
		kind = SJ_MATCH_OK;
		if (len >= sizeof(pat)) {
			kind = SJ_MATCH_BAD;
		} else {
			memcpy(pat, p, len);
			pat[len] = '\0';
			for (bare = pat; *bare == '!'; bare++)
				;
			if (*bare == '\0')
				kind = SJ_MATCH_BAD;
			else if (match_unsupported(bare))
				kind = SJ_MATCH_UNSUPPORTED;
			else if ((strchr(bare, '/') != NULL ||
			    strchr(bare, ':') != NULL || bare[0] == '[') &&
			    match_parse_addr(bare, &fam, bytes, &prefix) < 0)
				kind = SJ_MATCH_BAD;
		}
		if (kind > worst) {
			worst = kind;
			sj_text_censor(why, whysz, p, len > 64 ? 64 : len);
		}
	}
}

int
sj_match_list_has(const char *list, const char *param)
{
	const char *cursor = list, *p;
	size_t	len, plen = strlen(param);

	if (list == NULL)
		return (0);
	for (;;) {
		p = match_next(&cursor, &len);
		if (len == 0)
			return (0);
		if (len == plen && strncasecmp(p, param, len) == 0)
			return (1);
	}
}

/*
 * NAME
 *	egress 3
 * SUMMARY
 *	the egress policy: which connections the parent opens for the child
 * DESCRIPTION
 *	See sj_egress.h for the rules. Everything is decided on numeric
 *	addresses: the configuration's lists are parsed here once (names
 *	in smtpjail_egress_allow are refused at start, because a name's
 *	addresses are what DNS says they are), IPv4-mapped IPv6 addresses
 *	are judged as the IPv4 address they carry, and the "special"
 *	ranges are those of RFC 6890 that a mail relay has no business
 *	reaching: 0/8 and :: (unspecified, "this host"), 127/8 and ::1
 *	(loopback), 169.254/16 and fe80::/10 (link-local, cloud metadata),
 *	224/4 and ff00::/8 (multicast), 255.255.255.255 (broadcast).
 *
 *	The nexthop is parsed as Postfix's host_port() does (a
 *	"[literal]:port" or "host:port" element, "IPv6:" prefix allowed),
 *	only to learn the ports and literal addresses the job names; the
 *	child parses it again, with its own checks, to deliver.
 *
 *	The source address is Postfix's (src/smtp/smtp_connect.c,
 *	smtp_connect_sock()): smtp_bind_address or smtp_bind_address6 when
 *	set; otherwise, when $inet_interfaces has exactly one address of
 *	the family and it is not loopback, that one.
 * SECURITY
 *	Parent. Configuration trusted; what egress_check() is given comes
 *	from the child and is hostile: it is only compared.
 * SEE ALSO
 *	parent/broker.c, RFC 6890, Postfix src/smtp/smtp_connect.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sj_egress.h"
#include "sj_limits.h"

#define EGRESS_SEP	", \t\r\n"

const char *
egress_purpose_name(uint32_t p)
{
	switch (p) {
	case EGRESS_DNS_UDP:
		return ("DNS UDP");
	case EGRESS_DNS_TCP:
		return ("DNS TCP");
	case EGRESS_SMTP:
		return ("SMTP");
	default:
		return ("?");
	}
}

/* A v4-mapped v6 address is judged as the v4 address it carries. */
static void
egress_unmap(struct egress_net *n)
{
	static const unsigned char mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	if (n->family == AF_INET6 && memcmp(n->addr, mapped, 12) == 0) {
		memmove(n->addr, n->addr + 12, 4);
		memset(n->addr + 4, 0, 12);
		n->family = AF_INET;
		n->prefix = n->prefix >= 96 ? n->prefix - 96 : 0;
	}
}

/* Numeric address text (no brackets) to n with a host prefix. */
static int
egress_parse_addr(const char *text, struct egress_net *n)
{
	memset(n, 0, sizeof(*n));
	if (inet_pton(AF_INET, text, n->addr) == 1) {
		n->family = AF_INET;
		n->prefix = 32;
	} else if (inet_pton(AF_INET6, text, n->addr) == 1) {
		n->family = AF_INET6;
		n->prefix = 128;
	} else {
		return (-1);
	}
	egress_unmap(n);
	return (0);
}

/* "addr", "[addr]", "addr/len", "[addr]/len". */
static int
egress_parse_net(const char *item, struct egress_net *n)
{
	char	buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	const char *p = item;
	size_t	len = strlen(item);
	unsigned long plen;
	unsigned max;

	if (len >= sizeof(buf))
		return (-1);
	memcpy(buf, p, len + 1);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	p = buf;
	len = strlen(buf);
	if (len >= 2 && buf[0] == '[' && buf[len - 1] == ']') {
		buf[len - 1] = '\0';
		p = buf + 1;
	}
	if (strncasecmp(p, "ipv6:", 5) == 0)
		p += 5;
	if (egress_parse_addr(p, n) < 0)
		return (-1);
	if (slash == NULL)
		return (0);
	max = n->family == AF_INET ? 32 : 128;
	if (*slash < '0' || *slash > '9')
		return (-1);
	plen = strtoul(slash, &end, 10);
	if (*end != '\0' || plen > 128)
		return (-1);
	/* A mapped address was unmapped: its prefix counts from bit 96. */
	if (strchr(p, ':') != NULL && n->family == AF_INET)
		plen = plen >= 96 ? plen - 96 : 0;
	if (plen > max)
		return (-1);
	n->prefix = (unsigned)plen;
	return (0);
}

/* Is 'a' (a host) inside network 'n'? Ports are compared elsewhere. */
static int
egress_in(const struct egress_net *n, const struct egress_net *a)
{
	unsigned bits = n->prefix, i;
	unsigned char mask;

	if (n->family != a->family)
		return (0);
	for (i = 0; bits >= 8; i++, bits -= 8)
		if (n->addr[i] != a->addr[i])
			return (0);
	if (bits == 0)
		return (1);
	mask = (unsigned char)(0xff << (8 - bits));
	return ((n->addr[i] & mask) == (a->addr[i] & mask));
}

static int
egress_in_list(const struct egress_net *list, size_t n,
    const struct egress_net *a)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (egress_in(&list[i], a))
			return (1);
	return (0);
}

/* The RFC 6890 ranges of DESCRIPTION; NULL if none. */
static const char *
egress_special(const struct egress_net *a)
{
	static const struct {
		const char *net;
		const char *what;
	} special[] = {
		{ "0.0.0.0/8", "an unspecified address" },
		{ "127.0.0.0/8", "a loopback address" },
		{ "169.254.0.0/16", "a link-local address" },
		{ "224.0.0.0/4", "a multicast address" },
		{ "255.255.255.255/32", "the broadcast address" },
		{ "::/128", "an unspecified address" },
		{ "::1/128", "a loopback address" },
		{ "fe80::/10", "a link-local address" },
		{ "ff00::/8", "a multicast address" },
	};
	struct egress_net n;
	size_t	i;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (egress_parse_net(special[i].net, &n) < 0)
			continue;		/* cannot happen */
		if (egress_in(&n, a))
			return (special[i].what);
	}
	return (NULL);
}

static unsigned
egress_service(const char *s)
{
	static const struct {
		const char *name;
		unsigned port;
	} known[] = {
		{ "lmtp", 24 }, { "smtp", 25 }, { "smtps", 465 },
		{ "submissions", 465 }, { "submission", 587 },
	};
	unsigned long v;
	char   *end;
	size_t	i;

	if (*s >= '0' && *s <= '9') {
		v = strtoul(s, &end, 10);
		return (*end == '\0' && v > 0 && v < 65536 ? (unsigned)v : 0);
	}
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(s, known[i].name) == 0)
			return (known[i].port);
	return (0);
}

/*
 * One destination element, as host_port(): "[literal]:port",
 * "host:port", "host". *lit set when the host is a numeric address.
 */
static int
egress_hop(const char *elem, unsigned def_port, struct egress_net *lit,
    int *is_lit, unsigned *port)
{
	char	buf[SJ_NEXTHOP_MAX + 1], *host, *svc = NULL, *cp;

	if (strlen(elem) >= sizeof(buf))
		return (-1);
	memcpy(buf, elem, strlen(elem) + 1);
	if (buf[0] == '[') {
		host = buf + 1;
		if ((cp = strchr(host, ']')) == NULL)
			return (-1);
		*cp++ = '\0';
		if (*cp == ':')
			svc = cp + 1;
		else if (*cp != '\0')
			return (-1);
		if (strncasecmp(host, "ipv6:", 5) == 0)
			host += 5;
	} else {
		host = buf;
		if ((cp = strrchr(buf, ':')) != NULL) {
			*cp = '\0';
			svc = cp + 1;
		}
	}
	*port = svc == NULL || *svc == '\0' ? def_port : egress_service(svc);
	*is_lit = egress_parse_addr(host, lit) == 0;
	return (0);
}

/* Apply fn to each element of list. */
static void
egress_each(const char *list, void (*fn)(void *, const char *), void *ctx)
{
	char	elem[SJ_NEXTHOP_MAX + 1];
	size_t	len;

	if (list == NULL)
		return;
	for (;;) {
		list += strspn(list, EGRESS_SEP);
		if (*list == '\0')
			return;
		len = strcspn(list, EGRESS_SEP);
		if (len < sizeof(elem)) {
			memcpy(elem, list, len);
			elem[len] = '\0';
			fn(ctx, elem);
		}
		list += len;
	}
}

struct egress_parse {
	struct egress_policy *pol;
	struct egress_job *job;
	const char *param;
	char   *why;
	size_t	whysz;
	int	err;
	unsigned hops;
};

static void
egress_add_ns(void *vp, const char *item)
{
	struct egress_parse *p = vp;
	struct egress_net n;
	unsigned port;
	int	lit;

	if (p->err || egress_hop(item, 53, &n, &lit, &port) < 0 || !lit ||
	    port == 0 || p->pol->nns >= EGRESS_NS_MAX) {
		if (!p->err)
			snprintf(p->why, p->whysz, "name server list: bad or "
			    "too many entries at \"%.60s\"", item);
		p->err = 1;
		return;
	}
	n.port = port;
	p->pol->ns[p->pol->nns++] = n;
}

static void
egress_add_own(void *vp, const char *item)
{
	struct egress_parse *p = vp;
	struct egress_net n;

	if (p->err || egress_parse_net(item, &n) < 0)
		return;		/* cfg_child.c made them; skip oddities */
	if (p->pol->nown >= EGRESS_OWN_MAX) {
		snprintf(p->why, p->whysz, "%s: more than %d own addresses",
		    p->param, EGRESS_OWN_MAX);
		p->err = 1;
		return;
	}
	p->pol->own[p->pol->nown++] = n;
}

static void
egress_add_allow(void *vp, const char *item)
{
	struct egress_parse *p = vp;
	struct egress_net n;

	if (p->err)
		return;
	if (egress_parse_net(item, &n) < 0) {
		snprintf(p->why, p->whysz, "parameter %s: \"%.60s\" is not a "
		    "numeric address or network (names are not allowed: "
		    "their addresses are what DNS says)", p->param, item);
		p->err = 1;
		return;
	}
	if (p->pol->nallow >= EGRESS_ALLOW_MAX) {
		snprintf(p->why, p->whysz, "parameter %s: more than %d "
		    "entries", p->param, EGRESS_ALLOW_MAX);
		p->err = 1;
		return;
	}
	p->pol->allow[p->pol->nallow++] = n;
}

/* relayhost, smtp_fallback_relay: their literals; count the hops. */
static void
egress_add_relay(void *vp, const char *item)
{
	struct egress_parse *p = vp;
	struct egress_net n;
	unsigned port;
	int	lit;
	struct egress_policy *pol = p->pol;
	size_t	i;

	p->hops++;
	if (p->err || egress_hop(item, pol->default_port, &n, &lit,
	    &port) < 0)
		return;
	for (i = 0; i < pol->nrelay_ports; i++)
		if (pol->relay_ports[i] == port)
			break;
	if (i == pol->nrelay_ports && port != 0 &&
	    pol->nrelay_ports < EGRESS_JOB_HOPS)
		pol->relay_ports[pol->nrelay_ports++] = port;
	if (lit && pol->nallow < EGRESS_ALLOW_MAX)
		pol->allow[pol->nallow++] = n;
}

static int
egress_bind_one(const char *param, const char *value, int family,
    struct egress_net *out, char *why, size_t whysz)
{
	/* postconf(5): "address information may be enclosed inside []". */
	if (egress_parse_net(value, out) < 0 || out->family != family ||
	    out->prefix != (family == AF_INET ? 32U : 128U)) {
		snprintf(why, whysz, "parameter %s: \"%.60s\" is not a numeric "
		    "%s address", param, value, family == AF_INET ? "IPv4" :
		    "IPv6");
		return (-1);
	}
	return (0);
}

int
egress_policy_init(struct egress_policy *pol, const struct egress_conf *c,
    char *why, size_t whysz)
{
	struct egress_parse p;
	struct egress_net inet[EGRESS_OWN_MAX];
	size_t	i, n4 = 0, n6 = 0, i4 = 0, i6 = 0;

	memset(pol, 0, sizeof(*pol));
	memset(&p, 0, sizeof(p));
	pol->default_port = c->default_port ? c->default_port : 25;
	pol->mx_address_limit = c->mx_address_limit;
	pol->bind_enforce = c->bind_enforce;
	p.pol = pol;
	p.why = why;
	p.whysz = whysz;

	p.param = "name servers";
	egress_each(c->dns_servers, egress_add_ns, &p);
	p.param = "inet_interfaces/proxy_interfaces";
	egress_each(c->own_addrs, egress_add_own, &p);
	p.param = "smtpjail_egress_allow";
	egress_each(c->egress_allow, egress_add_allow, &p);
	pol->nallow_param = pol->nallow;
	egress_each(c->relayhost, egress_add_relay, &p);
	p.hops = 0;
	egress_each(c->fallback_relay, egress_add_relay, &p);
	pol->fallback_hops = p.hops;
	if (p.err)
		return (-1);

	if (c->bind_address != NULL && *c->bind_address) {
		if (egress_bind_one("smtp_bind_address", c->bind_address,
		    AF_INET, &pol->bind4, why, whysz) < 0)
			return (-1);
		pol->have_bind4 = 1;
	}
	if (c->bind_address6 != NULL && *c->bind_address6) {
		if (egress_bind_one("smtp_bind_address6", c->bind_address6,
		    AF_INET6, &pol->bind6, why, whysz) < 0)
			return (-1);
		pol->have_bind6 = 1;
	}
	/* smtp_connect.c: exactly one inet_interfaces address, not loopback. */
	memset(&p, 0, sizeof(p));
	memset(inet, 0, sizeof(inet));
	{
		struct egress_policy tmp;

		memset(&tmp, 0, sizeof(tmp));
		p.pol = &tmp;
		p.why = why;
		p.whysz = whysz;
		p.param = "inet_interfaces";
		egress_each(c->inet_addrs, egress_add_own, &p);
		if (p.err)
			return (-1);
		for (i = 0; i < tmp.nown; i++) {
			inet[i] = tmp.own[i];
			if (inet[i].family == AF_INET) {
				n4++;
				i4 = i;
			} else {
				n6++;
				i6 = i;
			}
		}
	}
	if (!pol->have_bind4 && n4 == 1 &&
	    egress_special(&inet[i4]) == NULL) {
		pol->bind4 = inet[i4];
		pol->have_bind4 = pol->bind4_implicit = 1;
	}
	if (!pol->have_bind6 && n6 == 1 &&
	    egress_special(&inet[i6]) == NULL) {
		pol->bind6 = inet[i6];
		pol->have_bind6 = pol->bind6_implicit = 1;
	}
	return (0);
}

static void
egress_add_job_hop(void *vp, const char *item)
{
	struct egress_parse *p = vp;
	struct egress_job *job = p->job;
	struct egress_net n;
	unsigned port;
	size_t	i;
	int	lit;

	p->hops++;
	if (egress_hop(item, p->pol->default_port, &n, &lit, &port) < 0)
		return;
	if (lit && job->nliteral < EGRESS_JOB_HOPS)
		job->literal[job->nliteral++] = n;
	for (i = 0; i < job->nports; i++)
		if (job->ports[i] == port)
			return;
	if (port != 0 && job->nports < EGRESS_JOB_HOPS + 1)
		job->ports[job->nports++] = port;
}

void
egress_job_begin(struct egress_job *job, const struct egress_policy *pol,
    const char *nexthop)
{
	struct egress_parse p;
	unsigned hops;
	size_t	i, j;

	memset(job, 0, sizeof(*job));
	memset(&p, 0, sizeof(p));
	p.pol = (struct egress_policy *)pol;	/* read only here */
	p.job = job;
	egress_each(nexthop, egress_add_job_hop, &p);
	hops = p.hops;
	/* The child tries smtp_fallback_relay after the nexthop list. */
	for (i = 0; i < pol->nrelay_ports; i++) {
		for (j = 0; j < job->nports; j++)
			if (job->ports[j] == pol->relay_ports[i])
				break;
		if (j == job->nports && job->nports < EGRESS_JOB_HOPS + 1)
			job->ports[job->nports++] = pol->relay_ports[i];
	}
	hops += pol->fallback_hops;
	job->max_addrs = pol->mx_address_limit * (hops ? hops : 1);
	if (pol->mx_address_limit == 0)
		job->max_addrs = 0;
}

/* The child's sockaddr, checked for length and family. */
static int
egress_from_sa(const struct sockaddr *sa, socklen_t salen,
    struct egress_net *n)
{
	memset(n, 0, sizeof(*n));
	if (salen >= sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		n->family = AF_INET;
		memcpy(n->addr, &s4->sin_addr, 4);
		n->prefix = 32;
		n->port = ntohs(s4->sin_port);
	} else if (salen >= sizeof(struct sockaddr_in6) &&
	    sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		n->family = AF_INET6;
		memcpy(n->addr, &s6->sin6_addr, 16);
		n->prefix = 128;
		n->port = ntohs(s6->sin6_port);
	} else {
		return (-1);
	}
	egress_unmap(n);
	return (0);
}

void
egress_net_format(const struct egress_net *n, char *buf, size_t bufsz)
{
	char	text[INET6_ADDRSTRLEN] = "?";
	int	full = n->prefix == (n->family == AF_INET ? 32U : 128U);

	(void)inet_ntop(n->family, n->addr, text, sizeof(text));
	if (n->port && n->family == AF_INET6)
		snprintf(buf, bufsz, "[%s]:%u", text, n->port);
	else if (n->port)
		snprintf(buf, bufsz, "%s:%u", text, n->port);
	else if (full)
		snprintf(buf, bufsz, "%s", text);
	else
		snprintf(buf, bufsz, "%s/%u", text, n->prefix);
}

int
egress_check(const struct egress_policy *pol, struct egress_job *job,
    enum egress_purpose purpose, const struct sockaddr *sa, socklen_t salen,
    char *why, size_t whysz)
{
	struct egress_net a;
	char	text[INET6_ADDRSTRLEN + 16];
	const char *what;
	size_t	i;

	if (egress_from_sa(sa, salen, &a) < 0) {
		snprintf(why, whysz, "not an IPv4 or IPv6 address");
		return (-EACCES);
	}
	egress_net_format(&a, text, sizeof(text));
	switch (purpose) {
	case EGRESS_DNS_UDP:
	case EGRESS_DNS_TCP:
		for (i = 0; i < pol->nns; i++)
			if (egress_in(&pol->ns[i], &a) &&
			    pol->ns[i].port == a.port)
				break;
		if (i < pol->nns && job->ndns >= EGRESS_DNS_PER_JOB) {
			snprintf(why, whysz, "%s to %s: more than %d DNS "
			    "sockets in one delivery",
			    egress_purpose_name(purpose), text,
			    EGRESS_DNS_PER_JOB);
			return (-EACCES);
		}
		if (i < pol->nns) {
			job->ndns++;
			return (0);
		}
		snprintf(why, whysz, "%s to %s: not a configured name server",
		    egress_purpose_name(purpose), text);
		return (-EACCES);
	case EGRESS_SMTP:
		break;
	default:
		snprintf(why, whysz, "unknown purpose %u", (unsigned)purpose);
		return (-EACCES);
	}
	for (i = 0; i < job->nports; i++)
		if (job->ports[i] == a.port)
			break;
	if (i == job->nports) {
		snprintf(why, whysz, "SMTP to %s: port %u is not a port of "
		    "this delivery's destinations", text, a.port);
		return (-EACCES);
	}
	what = egress_special(&a);
	if (what == NULL && egress_in_list(pol->own, pol->nown, &a))
		what = "one of this host's own addresses";
	if (what != NULL && !egress_in_list(job->literal, job->nliteral, &a)
	    && !egress_in_list(pol->allow, pol->nallow, &a)) {
		snprintf(why, whysz, "SMTP to %s: %s, not named literally by "
		    "the nexthop, relayhost, smtp_fallback_relay or "
		    "smtpjail_egress_allow", text, what);
		return (-EACCES);
	}
	a.port = 0;				/* counted per address */
	for (i = 0; i < job->nseen; i++) {
		if (job->seen[i].a.family == a.family &&
		    memcmp(job->seen[i].a.addr, a.addr, 16) == 0) {
			if (job->seen[i].uses >= EGRESS_USES_MAX) {
				snprintf(why, whysz, "SMTP to %s: more than "
				    "%d connections to one address in one "
				    "delivery", text, EGRESS_USES_MAX);
				return (-EACCES);
			}
			job->seen[i].uses++;
			return (0);
		}
	}
	if ((job->max_addrs && job->nseen >= job->max_addrs) ||
	    job->nseen >= EGRESS_JOB_SEEN) {
		snprintf(why, whysz, "SMTP to %s: more than %u addresses in "
		    "one delivery (smtp_mx_address_limit %u per destination)",
		    text, job->max_addrs ? job->max_addrs : EGRESS_JOB_SEEN,
		    pol->mx_address_limit);
		return (-EACCES);
	}
	job->seen[job->nseen].a = a;
	job->seen[job->nseen].uses = 1;
	job->nseen++;
	return (0);
}

const struct egress_net *
egress_bind_address(const struct egress_policy *pol, int family,
    int *enforce)
{
	*enforce = 0;
	if (family == AF_INET && pol->have_bind4) {
		*enforce = pol->bind_enforce && !pol->bind4_implicit;
		return (&pol->bind4);
	}
	if (family == AF_INET6 && pol->have_bind6) {
		*enforce = pol->bind_enforce && !pol->bind6_implicit;
		return (&pol->bind6);
	}
	return (NULL);
}

void
egress_describe(const struct egress_policy *pol,
    void (*out)(void *, const char *), void *ctx)
{
	char	line[256], text[INET6_ADDRSTRLEN + 16];
	size_t	i;

	for (i = 0; i < pol->nns; i++) {
		egress_net_format(&pol->ns[i], text, sizeof(text));
		snprintf(line, sizeof(line), "egress: DNS (UDP, TCP) to name "
		    "server %s\n", text);
		out(ctx, line);
	}
	snprintf(line, sizeof(line), "egress: SMTP only to the ports a "
	    "delivery's destinations name (smtp_tcp_port %u by default)\n",
	    pol->default_port);
	out(ctx, line);
	out(ctx, "egress: SMTP refused to loopback, link-local, multicast, "
	    "broadcast and unspecified addresses unless named literally\n");
	for (i = 0; i < pol->nown; i++) {
		egress_net_format(&pol->own[i], text, sizeof(text));
		snprintf(line, sizeof(line), "egress: SMTP refused to own "
		    "address %s unless named literally\n", text);
		out(ctx, line);
	}
	for (i = 0; i < pol->nallow; i++) {
		egress_net_format(&pol->allow[i], text, sizeof(text));
		snprintf(line, sizeof(line), "egress: SMTP allowed to %s "
		    "(%s)\n", text, i < pol->nallow_param ?
		    "smtpjail_egress_allow" :
		    "literal in relayhost or smtp_fallback_relay");
		out(ctx, line);
	}
	if (pol->mx_address_limit)
		snprintf(line, sizeof(line), "egress: at most %u addresses per "
		    "destination (smtp_mx_address_limit), %d connections per "
		    "address\n", pol->mx_address_limit, EGRESS_USES_MAX);
	else
		snprintf(line, sizeof(line), "egress: no address limit "
		    "(smtp_mx_address_limit 0), %d connections per address\n",
		    EGRESS_USES_MAX);
	out(ctx, line);
	if (pol->have_bind4) {
		egress_net_format(&pol->bind4, text, sizeof(text));
		snprintf(line, sizeof(line), "egress: IPv4 source address %s "
		    "(%s)\n", text, pol->bind4_implicit ? "the one "
		    "inet_interfaces address" : pol->bind_enforce ?
		    "smtp_bind_address, enforced" : "smtp_bind_address");
		out(ctx, line);
	}
	if (pol->have_bind6) {
		egress_net_format(&pol->bind6, text, sizeof(text));
		snprintf(line, sizeof(line), "egress: IPv6 source address %s "
		    "(%s)\n", text, pol->bind6_implicit ? "the one "
		    "inet_interfaces address" : pol->bind_enforce ?
		    "smtp_bind_address6, enforced" : "smtp_bind_address6");
		out(ctx, line);
	}
}

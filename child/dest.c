/*
 * NAME
 *	dest 3
 * SUMMARY
 *	from a Postfix nexthop to an ordered list of SMTP server addresses
 * DESCRIPTION
 *	See dest.h. dest_parse_nexthop() is in dest_nexthop.c;
 *	dest_resolve() follows
 *	smtp_domain_addr() and smtp_host_addr() (src/smtp/smtp_addr.c)
 *	step by step, so that every DSN status and reason text is the one
 *	stock smtp(8) produces:
 *
 *	MX case: MX lookup; "not found" makes the domain its own MX;
 *	other failures give 4.4.3 (try again), 5.4.4 (invalid names),
 *	5.4.3 (non-recoverable), 5.1.0 (null MX), and with
 *	ignore_mx_lookup_error the A/AAAA lookup is done instead (not
 *	after a null MX). Then the addresses of every MX host, A before
 *	AAAA, each inheriting its MX preference; a soft error dominates
 *	later hard ones; no address at all gives the collected error
 *	("no MX host for %s has a valid address record"), made soft by
 *	smtp_defer_if_no_mx_address_found. Loop detection (port 25):
 *	cut the list before the first preference at which one of our
 *	addresses appears; nothing left is 5.4.6 "mail for %s loops back
 *	to myself", or 4.4.4 "unable to find primary relay for %s" when
 *	the best MX had no address. Then shuffle (smtp_randomize_addresses),
 *	stable sort by preference and smtp_address_preference, balance
 *	IPv4/IPv6 under smtp_mx_address_limit, and cut at that limit.
 *
 *	Host case ([host], or DNS disabled): a literal is used as is;
 *	a name gets A/AAAA lookups; an own address is 5.4.6 at once.
 *
 *	Native lookups (smtp_host_lookup = native, or DNS disabled): Postfix
 *	then uses getaddrinfo() (NSS, "hosts: files dns"). The sandbox has
 *	neither files nor NSS: the hosts-file pairs the parent read at
 *	start (child/hosts.c) are tried first, then A/AAAA queries; errors
 *	are reported in Postfix's native form "unable to look up host %s:
 *	<gai_strerror text>" with its 4.4.4/4.3.0/5.4.4/5.3.0 statuses.
 *	With "dns, native" DNS comes first and only a "not found" falls
 *	through to the native form (the same replies, re-read), as
 *	smtp_addr_one() does. MX lookups are made unless DNS is disabled.
 *
 *	Relays: a hard error of a hop marked is_relay becomes 4.3.5 and
 *	out->relay_problem names the parameter to warn about.
 * SECURITY
 *	Child only, inside the sandbox. The nexthop comes from the parent
 *	(Postfix's queue manager) and is validated here; DNS answers come
 *	from dns.c (parsed by dns_parse.c), whose names are validated
 *	hostnames or literals; every reason text is censored once more
 *	before it is returned.
 * SEE ALSO
 *	child/dest_nexthop.c, child/dns.c, Postfix src/smtp/smtp_addr.c,
 *	smtp_connect.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dest.h"
#include "dest_int.h"
#include "dns.h"
#include "hosts.h"
#include "msg.h"
#include "sj_text.h"

#define DEST_HOSTS_BATCH (DNS_BATCH_MAX / 2)	/* MX hosts per batch */
#define DEST_OWN_MAX	64		/* own addresses for loop checks */
#define DEST_FILE_MAX	64		/* hosts-file addresses per name */

/* Postfix's accumulated error (DSN_BUF: status and reason). */
struct dest_why {
	char	status[SJ_DSN_STATUS_MAX + 1];	/* "" = none yet */
	char	reason[SJ_REASON_MAX + 1];
};

/* One candidate address. */
struct dest_work {
	unsigned pref;
	int	family;
	unsigned char addr[16];
	const char *host;		/* MX host or hop name */
	char	rname[SJ_HOSTNAME_MAX + 1];	/* after CNAMEs, or "" */
	int	secure;			/* the address RRset was validated */
	int	via_mx;			/* the host came from an MX lookup */
	int	mx_secure;		/* ... and that MX RRset was validated */
};

struct dest_state {
	struct dns_ctx *dns;
	const struct dest_hop *hop;
	const struct ipc_config *cfg;
	int	inet4;
	int	inet6;
	int	native;			/* smtp_host_lookup has native */
	int	host_dns;		/* smtp_host_lookup has dns */
	int	dns_off;		/* DNS disabled: native alone, no MX */
	int	loop_detect;
	int	truncated;		/* DNS_RR_MAX addresses collected */
	struct dest_why why;
	struct dest_work *list;		/* DNS_RR_MAX */
	size_t	count;
	struct dns_addr_reply *replies;	/* DNS_BATCH_MAX */
	struct dns_mx_reply *mx;	/* MX names live here until the end */
	const char **hosts;		/* DNS_RR_MAX */
	unsigned *prefs;		/* DNS_RR_MAX */
	struct dns_addr own[DEST_OWN_MAX];
	size_t	nown;
};

#define HAS_SOFT(w)	((w)->status[0] == '4')
#define HAS_HARD(w)	((w)->status[0] == '5')

static void
dest_status(struct dest_why *w, const char *status)
{
	snprintf(w->status, sizeof(w->status), "%s", status);
}

static void
dest_simple(struct dest_why *w, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
dest_simple(struct dest_why *w, const char *status, const char *fmt, ...)
{
	va_list	ap;

	dest_status(w, status);
	va_start(ap, fmt);
	vsnprintf(w->reason, sizeof(w->reason), fmt, ap);
	va_end(ap);
}

static void
dest_reason(struct dest_why *w, const char *text)
{
	snprintf(w->reason, sizeof(w->reason), "%s", text);
}

void
dest_fill_err(struct ipc_result *err, const char *status, uint32_t flags,
    const char *reason)
{
	snprintf(err->status, sizeof(err->status), "%s", status);
	sj_text_censor(err->reason, sizeof(err->reason), reason,
	    strlen(reason));
	err->flags = flags;
	err->diag_code = 0;
	err->diag_text[0] = '\0';
	err->mta_name[0] = '\0';
	snprintf(err->relay, sizeof(err->relay), "none");
}

int
dest_literal(const char *host, struct dns_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (strchr(host, ':') != NULL) {
		if (inet_pton(AF_INET6, host, a->addr) != 1)
			return (-1);
		a->family = AF_INET6;
	} else {
		if (inet_pton(AF_INET, host, a->addr) != 1)
			return (-1);
		a->family = AF_INET;
	}
	return (0);
}

/*
 * Address collection.
 */

static int
dest_family_ok(const struct dest_state *st, int family)
{
	return (family == AF_INET ? st->inet4 : st->inet6);
}

/* Append one address; 0, or -1 when the list is full (truncated). */
static int
dest_append(struct dest_state *st, const char *host, unsigned pref,
    const struct dns_addr *a, int secure, const char *rname)
{
	struct dest_work *w;

	if (st->count >= DNS_RR_MAX) {
		st->truncated = 1;
		return (-1);
	}
	w = &st->list[st->count++];
	w->pref = pref;
	w->family = a->family;
	memcpy(w->addr, a->addr, sizeof(w->addr));
	w->host = host;
	w->rname[0] = '\0';
	if (rname != NULL && strlen(rname) < sizeof(w->rname))
		memcpy(w->rname, rname, strlen(rname) + 1);
	w->secure = secure;
	w->via_mx = w->mx_secure = 0;
	return (0);
}

/*
 * Does this host need A/AAAA queries? Not for a literal of an enabled
 * family. With DNS, a literal of a disabled family goes to dns.c, which
 * answers "invalid host or domain name" without a query, as Postfix's
 * dns_lookup() does; getaddrinfo() would return any literal at once.
 */
static int
dest_needs_query(const struct dest_state *st, const char *host)
{
	struct dns_addr a;

	if (dest_literal(host, &a) != 0)
		/* Native alone: a hosts-file entry answers without DNS. */
		return (st->host_dns || !st->native ||
		    hosts_lookup(host, st->inet4, st->inet6, &a, 1) == 0);
	return (st->host_dns && !dest_family_ok(st, a.family));
}

/* glibc gai_strerror() texts, for the native (DNS disabled) form. */
#define GAI_AGAIN	"Temporary failure in name resolution"
#define GAI_NONAME	"Name or service not known"
#define GAI_NODATA	"No address associated with hostname"
#define GAI_FAIL	"Non-recoverable failure in name resolution"

/*
 * The native form (getaddrinfo() through NSS "files dns"): the hosts
 * file the parent handed over, then the A/AAAA replies r[0..nr-1],
 * whose errors are reported as getaddrinfo() would report them.
 */
static void
dest_addr_native(struct dest_state *st, const char *host, unsigned pref,
    const struct dns_addr_reply *r, size_t nr)
{
	struct dns_addr a, fa[DEST_FILE_MAX];
	int	again = 0, nodata = 0, fail = 0, found = 0;
	const char *text;
	size_t	i, j, nf;

	if (dest_literal(host, &a) == 0) {
		/* getaddrinfo() returns it, the family filter not. */
		dest_simple(&st->why, HAS_SOFT(&st->why) ? "4.4.4" : "5.4.4",
		    "%s: host not found", host);
		return;
	}
	/* "hosts: files dns": the file first, DNS if it has none. */
	nf = hosts_lookup(host, st->inet4, st->inet6, fa, DEST_FILE_MAX);
	for (i = 0; i < nf; i++)
		if (dest_append(st, host, pref, &fa[i], 0, NULL) < 0)
			return;
	if (nf > 0)
		return;
	for (i = 0; i < nr; i++) {
		for (j = 0; j < r[i].count; j++, found++)
			if (dest_append(st, host, pref, &r[i].addr[j],
			    r[i].dnssec_valid, r[i].rname) < 0)
				return;
		if (r[i].status == DNS_RETRY)
			again = 1;
		else if (r[i].status == DNS_FAIL || r[i].status == DNS_INVAL)
			fail = 1;
		else if (r[i].ares_status == ARES_ENODATA)
			nodata = 1;
	}
	if (found)
		return;
	text = again ? GAI_AGAIN : fail ? GAI_FAIL : nodata ? GAI_NODATA :
	    GAI_NONAME;
	/* RETRY_AI_ERROR() and DSN_NOHOST() of smtp_addr.c */
	dest_simple(&st->why, (HAS_SOFT(&st->why) || again) ?
	    (fail && !again ? "4.3.0" : "4.4.4") :
	    (fail ? "5.3.0" : "5.4.4"),
	    "unable to look up host %s: %s", host, text);
}

/*
 * smtp_addr_one(): addresses of one host at one preference, with the
 * A and AAAA replies r[0..nr-1] in inet_protocols order (A first).
 */
static void
dest_addr_one(struct dest_state *st, const char *host, unsigned pref,
    const struct dns_addr_reply *r, size_t nr)
{
	struct dns_addr a;
	int	status = DNS_NOTFOUND, hpref = INT_MIN;
	char	saved[DNS_WHY_MAX + 1] = "";
	size_t	i, j;

	if (dest_literal(host, &a) == 0 && dest_family_ok(st, a.family)) {
		(void)dest_append(st, host, pref, &a, 0, NULL);
		return;
	}

	if (!st->host_dns) {
		dest_addr_native(st, host, pref, r, nr);
		return;
	}

	/* dns_lookup_rv(): the larger class wins, ties go to the later. */
	for (i = 0; i < nr; i++) {
		status = r[i].status;
		if (status != DNS_OK)
			dest_reason(&st->why, r[i].why);
		for (j = 0; j < r[i].count; j++)
			if (dest_append(st, host, pref, &r[i].addr[j],
			    r[i].dnssec_valid, r[i].rname) < 0)
				break;
		if (st->truncated || i + 1 == nr)
			break;
		if (status >= hpref) {
			hpref = status;
			if (status != DNS_OK)
				snprintf(saved, sizeof(saved), "%s", r[i].why);
		}
	}
	if (status < hpref) {
		status = hpref;
		if (status != DNS_OK)
			dest_reason(&st->why, saved);
	}
	switch (status) {
	case DNS_OK:
		return;
	case DNS_FAIL:
		dest_status(&st->why, HAS_SOFT(&st->why) ? "4.4.3" : "5.4.3");
		return;
	case DNS_INVAL:
		dest_status(&st->why, HAS_SOFT(&st->why) ? "4.4.4" : "5.4.4");
		return;
	case DNS_NOTFOUND:
		dest_status(&st->why, HAS_SOFT(&st->why) ? "4.4.4" : "5.4.4");
		/* Postfix: "maybe native naming service will succeed". */
		if (st->native)
			dest_addr_native(st, host, pref, r, nr);
		return;
	default:
		dest_status(&st->why, "4.4.3");
		return;
	}
}

/*
 * Look up and collect the addresses of hosts[0..n-1] (with their
 * preferences), in order, DEST_HOSTS_BATCH hosts per batch of queries.
 */
static int
dest_hosts_addr(struct dest_state *st, const char *const *hosts,
    const unsigned *prefs, size_t n)
{
	struct dns_addr_query q[DNS_BATCH_MAX];
	size_t	base, i, k, nq, per, first[DEST_HOSTS_BATCH];
	size_t	cnt[DEST_HOSTS_BATCH];
	int	rv;

	for (base = 0; base < n && !st->truncated; base += k) {
		k = n - base < DEST_HOSTS_BATCH ? n - base : DEST_HOSTS_BATCH;
		nq = 0;
		for (i = 0; i < k; i++) {
			first[i] = nq;
			cnt[i] = 0;
			if (!dest_needs_query(st, hosts[base + i]))
				continue;
			per = 0;
			if (st->inet4) {
				q[nq].name = hosts[base + i];
				q[nq].family = AF_INET;
				q[nq].reply = &st->replies[nq];
				nq++;
				per++;
			}
			if (st->inet6) {
				q[nq].name = hosts[base + i];
				q[nq].family = AF_INET6;
				q[nq].reply = &st->replies[nq];
				nq++;
				per++;
			}
			cnt[i] = per;
		}
		if (nq > 0 && (rv = dns_lookup_addr_many(st->dns, q, nq)) < 0)
			return (rv);
		for (i = 0; i < k && !st->truncated; i++)
			dest_addr_one(st, hosts[base + i], prefs[base + i],
			    &st->replies[first[i]], cnt[i]);
	}
	return (0);
}

/* Is this one of our own addresses ($inet_interfaces, $proxy_interfaces)? */
static int
dest_is_own(const struct dest_state *st, const struct dest_work *w)
{
	size_t	i;
	size_t	len = w->family == AF_INET ? 4 : 16;

	for (i = 0; i < st->nown; i++)
		if (st->own[i].family == w->family
		    && memcmp(st->own[i].addr, w->addr, len) == 0)
			return (1);
	return (0);
}

/* cfg->local_addrs: addresses separated by commas and/or white space. */
static void
dest_parse_own(struct dest_state *st, const char *list)
{
	char	buf[INET6_ADDRSTRLEN + 8], *h;
	const char *cp = list;
	size_t	len;

	st->nown = 0;
	for (;;) {
		cp += strspn(cp, DEST_SEP);
		if (*cp == '\0')
			break;
		len = strcspn(cp, DEST_SEP);
		if (len < sizeof(buf)) {
			memcpy(buf, cp, len);
			buf[len] = '\0';
			h = buf;
			if (*h == '[' && len > 2 && h[len - 1] == ']') {
				h[len - 1] = '\0';
				h++;
			}
			if (st->nown < DEST_OWN_MAX
			    && dest_literal(h, &st->own[st->nown]) == 0)
				st->nown++;
		}
		cp += len;
	}
}

static int
dest_cmp(const struct dest_work *a, const struct dest_work *b, unsigned pref)
{
	if (a->pref != b->pref)
		return (a->pref < b->pref ? -1 : 1);
	if (a->family == b->family || pref == IPC_PREF_ANY)
		return (0);
	if (pref == IPC_PREF_IPV6)
		return (a->family == AF_INET6 ? -1 : 1);
	return (a->family == AF_INET ? -1 : 1);
}

/* Stable insertion sort: n <= DNS_RR_MAX. */
static void
dest_sort(struct dest_work *v, size_t n, unsigned pref)
{
	struct dest_work t;
	size_t	i, j;

	for (i = 1; i < n; i++) {
		t = v[i];
		for (j = i; j > 0 && dest_cmp(&v[j - 1], &t, pref) > 0; j--)
			v[j] = v[j - 1];
		v[j] = t;
	}
}

static void
dest_shuffle(struct dest_state *st)
{
	struct dest_work t;
	size_t	i, j;

	for (i = st->count; i > 1; i--) {
		j = dns_random_below(st->dns, (uint32_t)i);
		t = st->list[i - 1];
		st->list[i - 1] = st->list[j];
		st->list[j] = t;
	}
}

/* smtp_balance_inet_proto() (smtp_balance_inet_protocols = yes). */
static void
dest_balance(struct dest_state *st, size_t limit)
{
	size_t	v4 = 0, v6 = 0, t4, t6, i, k = 0;

	if (limit > DNS_RR_MAX)
		limit = DNS_RR_MAX;
	for (i = 0; i < st->count; i++) {
		if (st->list[i].family == AF_INET)
			v4++;
		else
			v6++;
	}
	if (!(v4 > 0 && v6 > 0 && v4 + v6 > limit))
		return;
	if (v6 <= limit / 2) {
		t6 = v6;
		t4 = limit - t6;
	} else if (v4 <= limit / 2) {
		t4 = v4;
		t6 = limit - t4;
	} else {
		t4 = (limit + (st->list[0].family == AF_INET)) / 2;
		t6 = limit - t4;
	}
	for (i = 0; i < st->count; i++) {
		size_t *tp = st->list[i].family == AF_INET ? &t4 : &t6;

		if (*tp > 0) {
			st->list[k++] = st->list[i];
			(*tp)--;
		}
	}
	st->count = k;
}

/* Shuffle, sort, balance: the tail of both lookup paths. */
static void
dest_order(struct dest_state *st, int sort)
{
	if (st->count < 2)
		return;
	if (st->cfg->flags & IPC_CF_RANDOMIZE)
		dest_shuffle(st);
	if (sort)
		dest_sort(st->list, st->count, st->cfg->addr_pref);
	if (st->cfg->mx_address_limit > 0)
		dest_balance(st, st->cfg->mx_address_limit);
}

/* smtp_host_addr(). 0 (st->count may be 0: st->why says why), or <0. */
static int
dest_host_addr(struct dest_state *st, const char *host)
{
	const char *hosts[1];
	unsigned prefs[1] = {0};
	size_t	i;
	int	rv;

	memset(&st->why, 0, sizeof(st->why));
	st->count = 0;
	st->truncated = 0;
	hosts[0] = host;
	if ((rv = dest_hosts_addr(st, hosts, prefs, 1)) < 0)
		return (rv);
	if (st->count > 0 && st->loop_detect) {
		for (i = 0; i < st->count; i++) {
			if (dest_is_own(st, &st->list[i])) {
				st->count = 0;
				dest_simple(&st->why, "5.4.6",
				    "mail for %s loops back to myself", host);
				return (0);
			}
		}
	}
	dest_order(st, st->inet4 && st->inet6);
	return (0);
}

/* smtp_domain_addr(). 0 (count 0: st->why says why), or <0. */
static int
dest_domain_addr(struct dest_state *st, const char *name, int *final)
{
	struct dns_mx_reply *mx = st->mx;
	unsigned best_pref, best_found, self_pref;
	size_t	i, j;
	int	rv, ignore = (st->cfg->flags & IPC_CF_IGNORE_MX_ERROR) != 0;

	memset(&st->why, 0, sizeof(st->why));
	st->count = 0;
	st->truncated = 0;
	if ((rv = dns_lookup_mx(st->dns, name, mx)) < 0)
		return (rv);
	dest_reason(&st->why, mx->why);
	switch (mx->status) {
	case DNS_OK:
		break;
	case DNS_NOTFOUND:
		return (dest_host_addr(st, name));
	case DNS_NULLMX:
		dest_status(&st->why, "5.1.0");
		return (0);
	case DNS_INVAL:
		dest_status(&st->why, "5.4.4");
		return (ignore ? dest_host_addr(st, name) : 0);
	case DNS_FAIL:
		dest_status(&st->why, "5.4.3");
		return (ignore ? dest_host_addr(st, name) : 0);
	default:
		dest_status(&st->why, "4.4.3");
		return (ignore ? dest_host_addr(st, name) : 0);
	}

	/* dns_rr_sort(): by preference, equal ones in answer order. */
	for (i = 1; i < mx->count; i++) {
		struct dns_mx t = mx->mx[i];

		for (j = i; j > 0 && mx->mx[j - 1].pref > t.pref; j--)
			mx->mx[j] = mx->mx[j - 1];
		mx->mx[j] = t;
	}
	best_pref = mx->mx[0].pref;
	for (i = 0; i < mx->count; i++) {
		st->hosts[i] = mx->mx[i].host;
		st->prefs[i] = mx->mx[i].pref;
	}
	if ((rv = dest_hosts_addr(st, st->hosts, st->prefs, mx->count)) < 0)
		return (rv);
	/* For DANE (child/dane_policy.c): was the MX RRset validated. */
	for (i = 0; i < st->count; i++) {
		st->list[i].via_mx = 1;
		st->list[i].mx_secure = mx->dnssec_valid;
	}
	if (st->count == 0) {
		if ((st->cfg->flags & IPC_CF_DEFER_NO_MX_ADDR)
		    && HAS_HARD(&st->why))
			st->why.status[0] = '4';
		if (st->why.status[0] == '\0')	/* cannot happen */
			dest_simple(&st->why, "4.3.0",
			    "server unavailable or unable to receive mail");
		msg_warn("no MX host for %s has a valid address record", name);
		return (0);
	}
	best_found = st->list[0].pref;
	if (st->loop_detect) {
		for (i = 0; i < st->count; i++)
			if (dest_is_own(st, &st->list[i]))
				break;
		if (i < st->count) {
			*final = 1;
			self_pref = st->list[i].pref;
			for (j = 0; j < st->count; j++)
				if (st->list[j].pref == self_pref)
					break;
			st->count = j;
			if (st->count == 0) {
				if (best_pref != best_found)
					dest_simple(&st->why, "4.4.4",
					    "unable to find primary relay "
					    "for %s", name);
				else
					dest_simple(&st->why, "5.4.6",
					    "mail for %s loops back to myself",
					    name);
				return (0);
			}
		}
	}
	dest_order(st, 1);
	return (0);
}

static void
dest_state_free(struct dest_state *st)
{
	free(st->list);
	free(st->replies);
	free(st->mx);
	free(st->hosts);
	free(st->prefs);
}

static int
dest_state_init(struct dest_state *st, struct dns_ctx *dns,
    const struct dest_hop *hop, const struct ipc_config *cfg)
{
	memset(st, 0, sizeof(*st));
	st->dns = dns;
	st->hop = hop;
	st->cfg = cfg;
	st->inet4 = (cfg->flags & IPC_CF_INET4) != 0;
	st->inet6 = (cfg->flags & IPC_CF_INET6) != 0;
	/* Postfix smtp.c: DNS disabled means native lookups alone. */
	st->dns_off = (cfg->flags & IPC_CF_DISABLE_DNS) != 0;
	st->host_dns = !st->dns_off && ((cfg->flags & IPC_CF_HOST_DNS) ||
	    (cfg->flags & (IPC_CF_HOST_DNS | IPC_CF_HOST_NATIVE)) == 0);
	st->native = st->dns_off || (cfg->flags & IPC_CF_HOST_NATIVE) != 0;
	st->loop_detect = hop->port == DEST_SMTP_PORT;
	/*
	 * malloc(), not calloc(): zeroing these 105 KB touched 26 pages
	 * in every new child, most of them never used. Nothing is read
	 * before it is written: dest_append() fills each element it
	 * counts in 'list', dns_lookup_mx() and dns_lookup_addr_many()
	 * clear a reply's header and fill the records they count, and
	 * 'hosts' and 'prefs' are set from the MX reply before use.
	 */
	if ((st->list = malloc(DNS_RR_MAX * sizeof(*st->list))) == NULL
	    || (st->replies = malloc(DNS_BATCH_MAX *
	    sizeof(*st->replies))) == NULL
	    || (st->mx = malloc(sizeof(*st->mx))) == NULL
	    || (st->hosts = malloc(DNS_RR_MAX * sizeof(*st->hosts))) == NULL
	    || (st->prefs = malloc(DNS_RR_MAX * sizeof(*st->prefs))) == NULL) {
		dest_state_free(st);
		return (-ENOMEM);
	}
	if (st->loop_detect)
		dest_parse_own(st, cfg->local_addrs);
	return (0);
}

/* The ordered, cut list into 'out'. */
static void
dest_output(struct dest_state *st, struct dest_list *out)
{
	const struct dest_work *w;
	struct dest_addr *d;
	size_t	i, n = st->count;

	if (st->cfg->mx_address_limit > 0 && n > st->cfg->mx_address_limit)
		n = st->cfg->mx_address_limit;
	if (n > DEST_ADDR_MAX)
		n = DEST_ADDR_MAX;
	for (i = 0; i < n; i++) {
		w = &st->list[i];
		d = &out->addr[i];
		memset(d, 0, sizeof(*d));
		sj_text_censor(d->host, sizeof(d->host), w->host,
		    strlen(w->host));
		if (w->rname[0] != '\0')
			sj_text_censor(d->rname, sizeof(d->rname), w->rname,
			    strlen(w->rname));
		else
			memcpy(d->rname, d->host, strlen(d->host) + 1);
		d->pref = w->pref;
		d->secure = w->secure;
		d->via_mx = w->via_mx;
		d->mx_secure = w->mx_secure;
		if (w->family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&d->sa;

			sin->sin_family = AF_INET;
			sin->sin_port = htons(st->hop->port);
			memcpy(&sin->sin_addr, w->addr, 4);
			d->salen = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 =
			    (struct sockaddr_in6 *)&d->sa;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(st->hop->port);
			memcpy(&sin6->sin6_addr, w->addr, 16);
			d->salen = sizeof(*sin6);
		}
		if (inet_ntop(w->family, w->addr, d->addr_text,
		    sizeof(d->addr_text)) == NULL)
			msg_panic("dest_output: inet_ntop family %d",
			    w->family);
	}
	out->count = n;
}

int
dest_resolve(struct dns_ctx *dns, const struct dest_hop *hop,
    const struct ipc_config *cfg, struct dest_list *out,
    struct ipc_result *err)
{
	struct dest_state st;
	const char *status;
	uint32_t flags = 0;
	int	rv, final = 0;

	out->count = 0;
	out->final = 0;
	out->relay_problem = NULL;
	if ((cfg->flags & (IPC_CF_INET4 | IPC_CF_INET6)) == 0) {
		dest_fill_err(err, "4.4.4", 0,
		    "all network protocols are disabled");
		return (-1);
	}
	if (dest_state_init(&st, dns, hop, cfg) < 0) {
		dest_fill_err(err, "4.3.0", 0,
		    "smtpjail child: out of memory looking up destination");
		return (-1);
	}
	if (!st.dns_off && !hop->no_mx)
		rv = dest_domain_addr(&st, hop->name, &final);
	else
		rv = dest_host_addr(&st, hop->name);
	if (rv < 0) {
		/* Only -ECANCELED is passed on; anything else is a deferral. */
		if (rv != -ECANCELED)
			msg_warn("DNS lookup for %s: %s", hop->name,
			    strerror(-rv));
		dest_fill_err(err, "4.4.3", 0, rv == -ECANCELED ?
		    "delivery cancelled during DNS lookup" :
		    "local error during DNS lookup");
		dest_state_free(&st);
		return (rv == -ECANCELED ? rv : -1);
	}
	if (st.count > 0) {
		dest_output(&st, out);
		out->final = final;
		dest_state_free(&st);
		return (0);
	}

	/* Failure: the accumulated status and text. */
	status = st.why.status[0] ? st.why.status : "4.3.0";
	if (strcmp(status, "5.4.6") == 0) {
		final = 1;			/* SMTP_HAS_LOOP_DSN() */
		flags |= IPC_RF_LOOPS_BACK;
	}
	if (hop->is_relay && status[0] == '5') {
		status = "4.3.5";
		flags &= ~IPC_RF_LOOPS_BACK;	/* no best_mx_transport */
		out->relay_problem = hop->is_fallback ?
		    "smtp_fallback_relay" : "relayhost";
	}
	dest_fill_err(err, status, flags, st.why.reason[0] ? st.why.reason :
	    "server unavailable or unable to receive mail");
	out->final = final;
	dest_state_free(&st);
	return (-1);
}

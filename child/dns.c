/*
 * NAME
 *	dns 3
 * SUMMARY
 *	the child's DNS resolver: c-ares behind a cancellable poll loop
 * DESCRIPTION
 *	See dns.h. dns_init() creates a c-ares 1.18 channel whose every
 *	setting is given here, so that c-ares never opens a file: lookups
 *	"b" (DNS only, no hosts file), no search domains, ndots 1, no
 *	sortlist, one placeholder server (127.0.0.1, what glibc uses
 *	without a nameserver line; CONFIG replaces it), the timeout, tries
 *	and rotation of resolv.conf's options line as the parent read it
 *	(dns_init_opts(); by default glibc's RES_TIMEOUT 5 s, RES_DFLRETRY
 *	2 tries, no rotation), EDNS0
 *	with a 1232-byte payload (DNS flag day 2020) so that large MX sets
 *	seldom need TCP. c-ares drops EDNS by itself for a server that
 *	answers FORMERR without an OPT record.
 *
 *	ARES_FLAG_NOCHECKRESP is deliberately NOT set: without it c-ares
 *	treats SERVFAIL, NOTIMP and REFUSED like glibc's res_send() does,
 *	tries the next server, and reports ARES_ECONNREFUSED (or
 *	ARES_ETIMEOUT if a server also timed out) when none is left. All of
 *	these are "try again" for Postfix (src/dns/dns_lookup.c), so
 *	the class is the same either way, and a working second server is
 *	used as with glibc. FORMERR reaches us as ARES_EFORMERR
 *	("non-recoverable"); other rcodes that c-ares passes through as
 *	ARES_SUCCESS are classified "non-recoverable" here, as glibc does.
 *
 *	c-ares' socket operations are routed through sj_sys.h with
 *	ares_set_socket_functions(), so c-ares itself makes no socket
 *	system call (it then also skips its fcntl/setsockopt calls); the
 *	sockets themselves come from the parent (child/dns_sock.c). The
 *	wait is sys_wait() on the c-ares socket, which the parent can
 *	cancel through the IPC socket. sj_sys.h can wait on one socket
 *	only; when c-ares has several (several servers, UDP and TCP), the
 *	others are polled without blocking every DNS_SLICE_MS.
 *
 *	Answers are parsed by dns_parse() (child/dns_parse.c), record by
 *	record as Postfix's dns_get_answer() does; a CNAME without data is
 *	followed here, up to DNS_CNAME_MAX steps.
 *
 *	Two hooks serve DNSSEC (child/dnssec_query.c): with
 *	dns_set_dnssec() on, queries are built with the EDNS0 DO bit and
 *	sent with ares_send(), and each reply says whether every answer
 *	of its chain was validated (AD, DO echoed, trusted resolver);
 *	dns_raw_query() sends a query its caller built (TLSA).
 * SECURITY
 *	Child only. dns_init() runs before lock-down, in each new child
 *	after the fork (child_after_fork(): getrandom(); c-ares keys its
 *	query ids from /dev/urandom, or in the jail from rand(), whose
 *	state child_after_fork() filled from getrandom()), so that no two
 *	children share a key; everything else runs in the sandbox. Answers
 *	are hostile: dns_parse() reads them, and text is censored before
 *	it leaves this module.
 * SEE ALSO
 *	child/dns_parse.c, child/dest.c, include/sj_sys.h,
 *	Postfix src/dns/dns_lookup.c,
 *	c-ares 1.18.1 src/lib/ares_process.c and ares_query.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "dns.h"
#include "dns_int.h"
#include "dnssec_query.h"
#include "msg.h"
#include "sj_sys.h"
#include "sj_text.h"

#define DNS_SLICE_MS	20	/* see DESCRIPTION: several sockets */
#define DNS_TRY_MS	5000	/* glibc RES_TIMEOUT */
#define DNS_TRIES	2	/* glibc RES_DFLRETRY */
#define DNS_EDNS_SIZE	1232	/* DNS flag day 2020 */

#define RCODE_NOERROR	0
#define RCODE_NXDOMAIN	3

/* xoshiro256** (Blackman, Vigna): fast, and good enough to shuffle. */
static uint64_t
dns_rotl(uint64_t x, int k)
{
	return ((x << k) | (x >> (64 - k)));
}

static uint64_t
dns_random(struct dns_ctx *ctx)
{
	uint64_t *s = ctx->rng;
	uint64_t r = dns_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = dns_rotl(s[3], 45);
	return (r);
}

uint32_t
dns_random_below(struct dns_ctx *ctx, uint32_t n)
{
	uint64_t r, lim;

	if (n <= 1)
		return (0);
	/* Rejection sampling: no modulo bias. */
	lim = UINT64_MAX - UINT64_MAX % n;
	do {
		r = dns_random(ctx);
	} while (r >= lim);
	return ((uint32_t)(r % n));
}

int
dns_init(struct dns_ctx *ctx, char *why, size_t whysz)
{
	return (dns_init_opts(ctx, NULL, why, whysz));
}

int
dns_init_opts(struct dns_ctx *ctx, const struct dns_opts *dopt, char *why,
    size_t whysz)
{
	struct ares_options opt;
	struct in_addr placeholder;
	char	lookups[] = "b";
	ssize_t	got;
	size_t	have = 0;
	int	rv, mask;

	memset(ctx, 0, sizeof(*ctx));
	ctx->deadline_ms = DNS_DEADLINE_MS;

	while (have < sizeof(ctx->rng)) {
		got = getrandom((unsigned char *)ctx->rng + have,
		    sizeof(ctx->rng) - have, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			snprintf(why, whysz, "getrandom: %s", strerror(errno));
			return (-1);
		}
		have += (size_t)got;
	}
	if ((ctx->rng[0] | ctx->rng[1] | ctx->rng[2] | ctx->rng[3]) == 0)
		ctx->rng[0] = 1;		/* the one bad xoshiro state */

	if ((rv = ares_library_init(ARES_LIB_INIT_ALL)) != ARES_SUCCESS) {
		snprintf(why, whysz, "ares_library_init: %s", ares_strerror(rv));
		return (-1);
	}
	memset(&opt, 0, sizeof(opt));
	placeholder.s_addr = htonl(INADDR_LOOPBACK);
	opt.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_EDNS;
	opt.timeout = dopt != NULL && dopt->timeout_ms > 0 ?
	    (int)dopt->timeout_ms : DNS_TRY_MS;
	opt.tries = dopt != NULL && dopt->tries > 0 ? (int)dopt->tries :
	    DNS_TRIES;
	opt.ndots = 1;
	opt.servers = &placeholder;
	opt.nservers = 1;
	opt.domains = NULL;
	opt.ndomains = 0;
	opt.lookups = lookups;
	opt.sortlist = NULL;
	opt.nsort = 0;
	opt.ednspsz = DNS_EDNS_SIZE;
	/* Every field that would send c-ares to resolv.conf is set. */
	mask = ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	    ARES_OPT_NDOTS | ARES_OPT_SERVERS | ARES_OPT_DOMAINS |
	    ARES_OPT_LOOKUPS | ARES_OPT_SORTLIST | ARES_OPT_EDNSPSZ |
	    (dopt != NULL && dopt->rotate ? ARES_OPT_ROTATE :
	    ARES_OPT_NOROTATE);
	if ((rv = ares_init_options(&ctx->channel, &opt, mask))
	    != ARES_SUCCESS) {
		snprintf(why, whysz, "ares_init_options: %s", ares_strerror(rv));
		ares_library_cleanup();
		return (-1);
	}
	ares_set_socket_functions(ctx->channel, dns_socket_functions(), ctx);
	ctx->ready = 1;
	return (0);
}

int
dns_set_servers(struct dns_ctx *ctx, const char *csv)
{
	int	rv;

	if (!ctx->ready || ctx->pending > 0)
		return (-EINVAL);
	if (csv == NULL || *csv == '\0')
		return (0);
	if ((rv = ares_set_servers_ports_csv(ctx->channel, csv))
	    != ARES_SUCCESS) {
		msg_warn("DNS servers: %s", ares_strerror(rv));
		return (-EINVAL);
	}
	return (0);
}

void
dns_set_dnssec(struct dns_ctx *ctx, int on, int trusted)
{
	ctx->dnssec = on != 0;
	ctx->ad_trusted = trusted != 0;
}

void
dns_set_probe(struct dns_ctx *ctx, unsigned qtype, const char *name,
    void (*report)(void *, int), void *arg)
{
	size_t	len = strlen(name);

	ctx->sec_stats &= ~DNS_SEC_DONT_PROBE;
	if (qtype == 0 || qtype > 0xffff || len >= sizeof(ctx->probe_name)) {
		ctx->sec_stats |= DNS_SEC_DONT_PROBE;
		return;
	}
	ctx->probe_type = qtype;
	memcpy(ctx->probe_name, name, len + 1);
	ctx->probe_report = report;
	ctx->probe_arg = arg;
}

void
dns_allow_probe(struct dns_ctx *ctx, int allowed)
{
	ctx->probe_allowed = allowed != 0;
}

/* Postfix 3.7 dns_lookup.c dns_lookup_x(), then dns_sec.c dns_sec_probe(). */
void
dns_sec_note(struct dns_ctx *ctx, int validated)
{
	int	r;

	if (validated)
		ctx->sec_stats |= DNS_SEC_AVAILABLE;
	if (!ctx->probe_allowed || (ctx->sec_stats & DNS_SEC_DONT_PROBE))
		return;
	ctx->sec_stats |= DNS_SEC_DONT_PROBE;	/* once, and no recursion */
	if (ctx->sec_stats & DNS_SEC_AVAILABLE)
		r = DNSSEC_PROBE_AVAILABLE;
	else
		r = dnssec_probe_run(ctx, ctx->probe_type, ctx->probe_name);
	if (r == DNSSEC_PROBE_VALIDATED)
		ctx->sec_stats |= DNS_SEC_AVAILABLE;
	if (r >= 0 && ctx->probe_report != NULL)
		ctx->probe_report(ctx->probe_arg, r);
}

void
dns_set_deadline(struct dns_ctx *ctx, unsigned ms)
{
	ctx->deadline_ms = ms ? ms : DNS_DEADLINE_MS;
}

void
dns_free(struct dns_ctx *ctx)
{
	if (!ctx->ready)
		return;
	ares_destroy(ctx->channel);
	ares_library_cleanup();
	ctx->ready = 0;
}

/* Reply fields of a chain, whichever kind it is. */
static void
dns_chain_result(struct dns_chain *ch, int status, int ares_status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
dns_chain_result(struct dns_chain *ch, int status, int ares_status,
    const char *fmt, ...)
{
	char	tmp[DNS_WHY_MAX + 1];
	char   *why;
	va_list	ap;
	int	n;

	if (ch->mx) {
		ch->mx->status = status;
		ch->mx->ares_status = ares_status;
		why = ch->mx->why;
		if (status != DNS_OK)
			ch->mx->count = 0;
	} else {
		ch->ar->status = status;
		ch->ar->ares_status = ares_status;
		why = ch->ar->why;
		if (status != DNS_OK)
			ch->ar->count = 0;
	}
	why[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
		va_end(ap);
		if (n > 0)
			sj_text_censor(why, DNS_WHY_MAX + 1, tmp, strlen(tmp));
	}
	if (!ch->done) {
		ch->done = 1;
		ch->ctx->pending--;
	}
}

/* Postfix dns_strerror() texts for the resolver's h_errno values. */
#define DNS_TXT_NOTFOUND	"Host not found"
#define DNS_TXT_TRYAGAIN	"Host not found, try again"
#define DNS_TXT_NORECOVERY	"Non-recoverable error"
#define DNS_TXT_NODATA		"Host found but no data record of requested type"

static void
dns_chain_herror(struct dns_chain *ch, int status, int ares_status,
    const char *text)
{
	dns_chain_result(ch, status, ares_status,
	    "Host or domain name not found. "
	    "Name service error for name=%s type=%s: %s",
	    ch->name, dns_type_name(ch->qtype), text);
}

static void dns_callback(void *, int, int, unsigned char *, int);

/* Send the query for ch->name, or end the chain if the name is bad. */
static void
dns_chain_start(struct dns_chain *ch)
{
	/* As Postfix: never ask DNS about an address or an invalid name. */
	if (dns_valid_hostaddr(ch->name) || !dns_valid_hostname(ch->name)) {
		dns_chain_result(ch, DNS_NOTFOUND, ARES_EBADNAME,
		    "Name service error for %s: invalid host or domain name",
		    ch->name);
		return;
	}
	/* May call back at once (no server, no socket). */
	if (ch->ctx->dnssec) {
		unsigned char q[DNSSEC_QUERY_MAX];
		int	qlen;

		if ((qlen = dnssec_query_build(ch->name, (unsigned)ch->qtype,
		    q, sizeof(q))) < 0) {
			dns_chain_result(ch, DNS_NOTFOUND, ARES_EBADNAME,
			    "Name service error for %s: invalid host or "
			    "domain name", ch->name);
			return;
		}
		ares_send(ch->ctx->channel, q, qlen, dns_callback, ch);
		return;
	}
	ares_query(ch->ctx->channel, ch->name, DNS_C_IN, ch->qtype,
	    dns_callback, ch);
}

/* c-ares status of a query that produced no usable answer. */
static void
dns_chain_ares_error(struct dns_chain *ch, int status)
{
	switch (status) {
	case ARES_ENOTFOUND:
		dns_chain_herror(ch, DNS_NOTFOUND, status, DNS_TXT_NOTFOUND);
		break;
	case ARES_ENODATA:
		dns_chain_herror(ch, DNS_NOTFOUND, status, DNS_TXT_NODATA);
		break;
	case ARES_EFORMERR:
		dns_chain_herror(ch, DNS_FAIL, status, DNS_TXT_NORECOVERY);
		break;
	case ARES_EBADNAME:
		dns_chain_result(ch, DNS_NOTFOUND, status,
		    "Name service error for %s: invalid host or domain name",
		    ch->name);
		break;
	default:
		/*
		 * ARES_ESERVFAIL, ARES_EREFUSED, ARES_ENOTIMP (only seen with
		 * NOCHECKRESP), ARES_ECONNREFUSED (all servers said SERVFAIL,
		 * REFUSED or NOTIMP, or the port was closed), ARES_ETIMEOUT,
		 * ARES_ECANCELLED (deadline, cancel), ARES_ENOMEM, ... :
		 * glibc's res_send() gives up with TRY_AGAIN for all of them.
		 */
		dns_chain_herror(ch, DNS_RETRY, status, DNS_TXT_TRYAGAIN);
		break;
	}
}

static void
dns_callback(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_chain *ch = arg;
	char	cname[SJ_HOSTNAME_MAX + 1];
	int	rv;

	(void)timeouts;
	if (ch->done)
		return;				/* cannot happen */
	if (status != ARES_SUCCESS) {
		dns_chain_ares_error(ch, status);
		return;
	}
	if (abuf == NULL || alen < DNS_HDR_LEN) {
		dns_chain_herror(ch, DNS_RETRY, ARES_EBADRESP, DNS_TXT_TRYAGAIN);
		return;
	}
	/* Postfix dns_query(): the AD bit of any reply counts. */
	if (ch->ctx->dnssec && dnssec_answer_validated(abuf, (size_t)alen,
	    ch->ctx->ad_trusted))
		ch->ctx->sec_stats |= DNS_SEC_AVAILABLE;
	/*
	 * ares_send() (DNSSEC queries) hands over every answer as success:
	 * classify NXDOMAIN and an empty NOERROR as ares_query() does
	 * (c-ares 1.18 ares_query.c qcallback()), so that they read as
	 * Postfix's "Host not found" and "no data record".
	 */
	if (ch->ctx->dnssec && (abuf[3] & 0x0f) == RCODE_NXDOMAIN) {
		dns_chain_ares_error(ch, ARES_ENOTFOUND);
		return;
	}
	if (ch->ctx->dnssec && (abuf[3] & 0x0f) == RCODE_NOERROR
	    && dns_get16(abuf + 6) == 0) {
		dns_chain_ares_error(ch, ARES_ENODATA);
		return;
	}
	/* c-ares passes rcodes it does not know as success; glibc: fatal. */
	if ((abuf[3] & 0x0f) != RCODE_NOERROR) {
		dns_chain_herror(ch, DNS_FAIL, ARES_EBADRESP,
		    DNS_TXT_NORECOVERY);
		return;
	}
	if (!ch->ctx->dnssec || !dnssec_answer_validated(abuf, (size_t)alen,
	    ch->ctx->ad_trusted))
		ch->insecure = 1;
	cname[0] = '\0';
	rv = dns_parse(ch, abuf, alen, cname);
	switch (rv) {
	case DNS_OK:
		dns_chain_result(ch, DNS_OK, ARES_SUCCESS, NULL);
		if (ch->mx)
			ch->mx->dnssec_valid = !ch->insecure;
		else
			ch->ar->dnssec_valid = !ch->insecure;
		return;
	case DNS_NULLMX:
		dns_chain_result(ch, DNS_NULLMX, ARES_SUCCESS,
		    "Domain %s does not accept mail (nullMX)", ch->name);
		return;
	case DNS_RECURSE:
		if (ch->ctx->cancelling) {
			dns_chain_herror(ch, DNS_RETRY, ARES_ECANCELLED,
			    DNS_TXT_TRYAGAIN);
			return;
		}
		memcpy(ch->name, cname, strlen(cname) + 1);
		if (++ch->steps >= DNS_CNAME_MAX) {
			msg_warn("dns_lookup: Name server loop for %s",
			    ch->name);
			dns_chain_result(ch, DNS_NOTFOUND, ARES_SUCCESS,
			    "Name server loop for %s", ch->name);
			return;
		}
		dns_chain_start(ch);
		return;
	default:
		dns_chain_result(ch, rv, ARES_EBADRESP,
		    "Name service error for name=%s type=%s: "
		    "Malformed or unexpected name server reply",
		    ch->name, dns_type_name(ch->qtype));
		return;
	}
}

/* Let c-ares handle an event on fd (or only timeouts, fd < 0). */
static void
dns_process(struct dns_ctx *ctx, int fd, short events, short revents)
{
	ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;

	if (fd >= 0 && (events & POLLIN)
	    && (revents & (POLLIN | POLLERR | POLLHUP)))
		rfd = fd;
	if (fd >= 0 && (events & POLLOUT)
	    && (revents & (POLLOUT | POLLERR | POLLHUP)))
		wfd = fd;
	ares_process_fd(ctx->channel, rfd, wfd);
}

static void
dns_cancel(struct dns_ctx *ctx)
{
	ctx->cancelling = 1;
	ares_cancel(ctx->channel);		/* ECANCELLED to every chain */
	ctx->cancelling = 0;
	ctx->pending = 0;
}

/* Drive c-ares until every chain is done. 0, -ECANCELED, -errno. */
static int
dns_run(struct dns_ctx *ctx)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM], hs[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct timeval tv, *tvp;
	int64_t	deadline, now, wake, t;
	nfds_t	n, i;
	int	bits, rv;

	deadline = sys_now_ms() + ctx->deadline_ms;
	while (ctx->pending > 0) {
		bits = ares_getsock(ctx->channel, socks, ARES_GETSOCK_MAXNUM);
		for (n = 0, i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short	ev = 0;

			/* Not ARES_GETSOCK_WRITABLE(): 1 << 31 overflows int. */
			if ((unsigned)bits & (1U << i))
				ev |= POLLIN;
			if ((unsigned)bits & (1U << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev == 0)
				continue;
			/* c-ares holds handles (dns_sock_open()). */
			hs[n] = socks[i];
			if ((pfd[n].fd = dns_sock_fd(socks[i])) < 0)
				continue;
			pfd[n].events = ev;
			pfd[n].revents = 0;
			n++;
		}
		now = sys_now_ms();
		if (now >= deadline) {
			dns_cancel(ctx);	/* chains say "try again" */
			return (0);
		}
		wake = deadline;
		if ((tvp = ares_timeout(ctx->channel, NULL, &tv)) != NULL) {
			t = now + (int64_t)tvp->tv_sec * 1000
			    + (tvp->tv_usec + 999) / 1000;
			if (t < wake)
				wake = t;
		}
		if (n > 1) {
			if ((rv = sys_poll(pfd, n, 0)) < 0) {
				dns_cancel(ctx);
				return (rv);
			}
			if (rv > 0) {
				for (i = 0; i < n; i++)
					if (pfd[i].revents)
						dns_process(ctx, hs[i],
						    pfd[i].events,
						    pfd[i].revents);
				continue;
			}
			if (wake > now + DNS_SLICE_MS)
				wake = now + DNS_SLICE_MS;
		}
		if (wake < 1)
			wake = 1;		/* 0 would mean "no limit" */
		rv = sys_wait(n > 0 ? pfd[0].fd : -1, n > 0 ? pfd[0].events : 0,
		    wake);
		if (rv == -ECANCELED) {
			dns_cancel(ctx);
			return (-ECANCELED);
		}
		if (rv == 0)
			dns_process(ctx, hs[0], pfd[0].events,
			    POLLIN | POLLOUT);
		else if (rv == -ETIMEDOUT)
			dns_process(ctx, -1, 0, 0);
		else {
			msg_warn("DNS wait: %s", strerror(-rv));
			dns_cancel(ctx);
			return (rv);
		}
	}
	return (0);
}

static int
dns_check_ready(struct dns_ctx *ctx)
{
	if (!ctx->ready)
		return (-EINVAL);
	if (ctx->pending != 0)
		msg_panic("dns: lookup while %d queries are pending",
		    ctx->pending);
	return (0);
}

static void
dns_chain_init(struct dns_chain *ch, struct dns_ctx *ctx, const char *name,
    int qtype)
{
	size_t	len = strnlen(name, SJ_HOSTNAME_MAX + 1);

	memset(ch, 0, sizeof(*ch));
	ch->ctx = ctx;
	ch->qtype = qtype;
	if (len > SJ_HOSTNAME_MAX) {
		/* Too long to be a host name: "\\" fails validation. */
		ch->name[0] = '\\';
		ch->name[1] = '\0';
	} else {
		memcpy(ch->name, name, len);
		ch->name[len] = '\0';
	}
}

int
dns_lookup_mx(struct dns_ctx *ctx, const char *name,
    struct dns_mx_reply *reply)
{
	struct dns_chain ch;
	int	rv;

	memset(reply, 0, offsetof(struct dns_mx_reply, mx));
	reply->status = DNS_RETRY;
	if ((rv = dns_check_ready(ctx)) < 0)
		return (rv);
	dns_chain_init(&ch, ctx, name, DNS_T_MX);
	ch.mx = reply;
	ctx->pending = 1;
	dns_chain_start(&ch);
	if ((rv = dns_run(ctx)) == 0 && ctx->dnssec)
		dns_sec_note(ctx, 0);
	return (rv);
}

int
dns_lookup_addr_many(struct dns_ctx *ctx, struct dns_addr_query *q,
    size_t n)
{
	struct dns_chain ch[DNS_BATCH_MAX];
	size_t	i, j, k;
	int	rv;

	for (i = 0; i < n; i++) {
		memset(q[i].reply, 0, offsetof(struct dns_addr_reply, addr));
		q[i].reply->status = DNS_RETRY;
	}
	if ((rv = dns_check_ready(ctx)) < 0)
		return (rv);
	for (i = 0; i < n; i += k) {
		k = n - i < DNS_BATCH_MAX ? n - i : DNS_BATCH_MAX;
		ctx->pending = (int)k;
		for (j = 0; j < k; j++) {
			if (q[i + j].family != AF_INET
			    && q[i + j].family != AF_INET6)
				msg_panic("dns_lookup_addr: bad family %d",
				    q[i + j].family);
			dns_chain_init(&ch[j], ctx, q[i + j].name,
			    q[i + j].family == AF_INET ? DNS_T_A : DNS_T_AAAA);
			ch[j].ar = q[i + j].reply;
		}
		for (j = 0; j < k; j++)
			dns_chain_start(&ch[j]);
		if ((rv = dns_run(ctx)) < 0)
			return (rv);
		if (ctx->dnssec)
			dns_sec_note(ctx, 0);
	}
	return (0);
}

int
dns_lookup_addr(struct dns_ctx *ctx, const char *name, int family,
    struct dns_addr_reply *reply)
{
	struct dns_addr_query q;

	q.name = name;
	q.family = family;
	q.reply = reply;
	return (dns_lookup_addr_many(ctx, &q, 1));
}

/* One raw query of dns_raw_query(). */
struct dns_raw {
	struct dns_ctx *ctx;
	unsigned char *abuf;
	size_t	asize;
	size_t	alen;
	int	status;
	int	done;
};

static void
dns_raw_callback(void *arg, int status, int timeouts, unsigned char *abuf,
    int alen)
{
	struct dns_raw *raw = arg;

	(void)timeouts;
	if (raw->done)
		return;
	raw->status = status;
	if (status == ARES_SUCCESS && (abuf == NULL || alen < DNS_HDR_LEN
	    || (size_t)alen > raw->asize))
		raw->status = ARES_EBADRESP;
	else if (status == ARES_SUCCESS) {
		memcpy(raw->abuf, abuf, (size_t)alen);
		raw->alen = (size_t)alen;
	}
	raw->done = 1;
	raw->ctx->pending--;
}

int
dns_raw_query(struct dns_ctx *ctx, const unsigned char *q, size_t qlen,
    unsigned char *abuf, size_t asize, size_t *alen, int *ares_status)
{
	struct dns_raw raw;
	int	rv;

	*alen = 0;
	*ares_status = ARES_ECANCELLED;
	if ((rv = dns_check_ready(ctx)) < 0)
		return (rv);
	if (qlen < DNS_HDR_LEN || qlen > 65535)
		return (-EINVAL);
	memset(&raw, 0, sizeof(raw));
	raw.ctx = ctx;
	raw.abuf = abuf;
	raw.asize = asize;
	ctx->pending++;
	/* c-ares sets its own query id (ares_send.c); may call back now. */
	ares_send(ctx->channel, q, (int)qlen, dns_raw_callback, &raw);
	if ((rv = dns_run(ctx)) < 0)
		return (rv);
	if (!raw.done)
		msg_panic("dns_raw_query: no answer and no error");
	*alen = raw.alen;
	*ares_status = raw.status;
	return (0);
}

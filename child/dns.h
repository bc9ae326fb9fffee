/*
 * NAME
 *	dns.h 3h
 * SUMMARY
 *	the child's DNS resolver: c-ares behind a cancellable poll loop
 * DESCRIPTION
 *	dns_init() prepares a c-ares channel before the sandbox is entered
 *	(no hosts file, no search domains, no resolv.conf: every setting
 *	comes from here and from CONFIG) and seeds the child's PRNG from
 *	getrandom(). dns_set_servers() installs the servers of the CONFIG
 *	message. The lookups look synchronous: they send their queries
 *	and drive c-ares with sys_wait()/sys_poll() until every answer is
 *	in, the safety deadline passes, or the parent cancels the wait
 *	(-ECANCELED).
 *
 *	Each answer is classified the way Postfix 3.7's dns_lookup() does
 *	with glibc underneath (src/dns/dns_lookup.c): 'status'
 *	is one of the DNS_* classes below and 'why' holds Postfix's text,
 *	e.g. "Host or domain name not found. Name service error for
 *	name=nx.test type=A: Host not found". CNAME chains are followed
 *	(10 steps at most), names in answers are checked with Postfix's
 *	valid_hostname() rules, at most DNS_RR_MAX records are kept.
 * SECURITY
 *	Child only. dns_init() runs as root before lock-down; everything
 *	else runs in the sandbox and makes its system calls through
 *	sj_sys.h, c-ares' socket operations included. DNS answers are
 *	hostile: they are parsed here with bounds checks before use, and
 *	names that reach 'why' or a log line are validated hostnames.
 * SEE ALSO
 *	child/dest.h, include/sj_sys.h, RFC 1035, RFC 7505 (null MX)
 */
#ifndef DNS_H
#define DNS_H

#include <stddef.h>
#include <stdint.h>

#include <ares.h>

#include "sj_limits.h"

/*
 * Lookup classes, ordered as Postfix's dns.h orders them: when the A
 * and AAAA lookups of one host disagree, the numerically larger class
 * wins (dns_lookup_rv()).
 */
#define DNS_NOTFOUND	(-6)	/* NXDOMAIN, NODATA: "not found" */
#define DNS_NULLMX	(-5)	/* MX "0 ." (RFC 7505) */
#define DNS_FAIL	(-4)	/* FORMERR and other non-recoverable */
#define DNS_INVAL	(-3)	/* answer with an invalid name */
#define DNS_RETRY	(-2)	/* SERVFAIL, REFUSED, NOTIMP, timeout, ... */
#define DNS_OK		0

/* Postfix 3.7: var_dns_rr_list_limit, records kept from one answer. */
#define DNS_RR_MAX	100
/* Postfix dns_lookup_x(): CNAME steps before "Name server loop". */
#define DNS_CNAME_MAX	10
/* Room for one Postfix-style DNS error text (two names + words). */
#define DNS_WHY_MAX	(2 * SJ_HOSTNAME_MAX + 128)
/* Safety bound for one lookup batch, on top of c-ares' own timeouts
 * (5 s per try, 2 tries per server, as glibc's resolver). */
#define DNS_DEADLINE_MS	60000
/* Queries in flight at once in dns_lookup_addr_many(). */
#define DNS_BATCH_MAX	16

struct dns_mx {
	unsigned pref;
	char	host[SJ_HOSTNAME_MAX + 1];	/* valid hostname or IP literal */
};

struct dns_addr {
	int	family;				/* AF_INET or AF_INET6 */
	unsigned char addr[16];			/* 4 or 16 bytes used */
};

struct dns_mx_reply {
	int	status;				/* DNS_OK, DNS_NOTFOUND, ... */
	int	dnssec_valid;			/* see dns_set_dnssec() */
	int	ares_status;			/* ARES_*, for diagnostics */
	char	why[DNS_WHY_MAX + 1];		/* "" when status == DNS_OK */
	size_t	count;
	struct dns_mx mx[DNS_RR_MAX];		/* in answer order */
};

struct dns_addr_reply {
	int	status;
	int	dnssec_valid;			/* see dns_set_dnssec() */
	int	ares_status;
	char	why[DNS_WHY_MAX + 1];
	/* Owner of the records: the name after CNAMEs (Postfix's rname,
	 * src/dns/dns_lookup.c); "" without records. */
	char	rname[SJ_HOSTNAME_MAX + 1];
	size_t	count;
	struct dns_addr addr[DNS_RR_MAX];	/* in answer order */
};

/* One element of a batch: look up 'family' records of 'name'. */
struct dns_addr_query {
	const char *name;
	int	family;				/* AF_INET: A, AF_INET6: AAAA */
	struct dns_addr_reply *reply;
};

/* Per-process resolver state; embed it, do not copy it. */
struct dns_ctx {
	ares_channel channel;
	int	ready;				/* dns_init() succeeded */
	unsigned deadline_ms;			/* per batch, DNS_DEADLINE_MS */
	int	pending;			/* queries without an answer */
	int	cancelling;			/* no CNAME follow-ups */
	uint64_t rng[4];			/* xoshiro256** state */
	int	dnssec;				/* DO-bit queries */
	int	ad_trusted;			/* dnssec_ad_trusted() */
	/* Postfix 3.7 dns_sec.c DNS_SEC_FLAG_*: dns_sec_note() */
	unsigned sec_stats;
	int	probe_allowed;			/* dns_allow_probe() */
	unsigned probe_type;			/* dns_set_probe() */
	char	probe_name[SJ_HOSTNAME_MAX + 1];
	void	(*probe_report)(void *, int);
	void   *probe_arg;
};

#define DNS_SEC_AVAILABLE	(1U << 0)	/* a validated answer came */
#define DNS_SEC_DONT_PROBE	(1U << 1)	/* probe sent, or none set */

/*
 * The resolv.conf options that apply to our lookups, as glibc reads
 * them ("options timeout:N attempts:N rotate"): the parent parses the
 * file, the child never opens it.
 */
struct dns_opts {
	unsigned timeout_ms;			/* first try, per server */
	unsigned tries;				/* rounds over the servers */
	int	rotate;				/* start at a random server */
};

/* Before the sandbox. 0, or -1 with why[] saying what failed. */
int	dns_init(struct dns_ctx *, char *why, size_t whysz);
/* The same with options (NULL: glibc's defaults, 5 s, 2, no rotate). */
int	dns_init_opts(struct dns_ctx *, const struct dns_opts *, char *why,
	    size_t whysz);
/* "addr[:port],[v6addr]:port,..." (c-ares csv). "" keeps the default
 * (127.0.0.1, as glibc without a nameserver line). 0 or -EINVAL. */
int	dns_set_servers(struct dns_ctx *, const char *csv);
/*
 * smtp_dns_support_level = dnssec: MX and address queries are built by
 * child/dnssec_query.c with the DO bit and sent with ares_send(); a
 * reply's dnssec_valid is 1 when every answer of its CNAME chain was
 * validated (dnssec_answer_validated()) and 'trusted' (the AD trust
 * rule's verdict) holds. Off: ares_query(), dnssec_valid always 0.
 */
void	dns_set_dnssec(struct dns_ctx *, int on, int trusted);
/*
 * dnssec_probe: at the end of the first DNSSEC-requesting lookup after
 * which no validated answer has arrived, look up name/qtype once
 * (dnssec_probe_run()) and hand its DNSSEC_PROBE_* class to report();
 * when an answer was validated first, report DNSSEC_PROBE_AVAILABLE
 * instead (no probe, as Postfix). Only while dns_allow_probe() says so
 * (the parent's per-process state); once per child. qtype 0: never.
 */
void	dns_allow_probe(struct dns_ctx *, int allowed);
void	dns_set_probe(struct dns_ctx *, unsigned qtype, const char *name,
	    void (*report)(void *, int), void *arg);
/* A DNSSEC-requesting lookup ended ('validated': an answer of it was):
 * runs the probe when it is due. For child/dnssec_query.c. */
void	dns_sec_note(struct dns_ctx *, int validated);
/* Bound one lookup batch (0 = DNS_DEADLINE_MS). */
void	dns_set_deadline(struct dns_ctx *, unsigned ms);
void	dns_free(struct dns_ctx *);

/*
 * Lookups. 0 when the lookup ended (the reply says how), -ECANCELED
 * when the parent cancelled the wait, -ENOMEM/-EINVAL/-EIO for local
 * trouble (the reply then says DNS_RETRY, "try again").
 */
int	dns_lookup_mx(struct dns_ctx *, const char *name,
	    struct dns_mx_reply *);
int	dns_lookup_addr(struct dns_ctx *, const char *name, int family,
	    struct dns_addr_reply *);
/* All queries of the batch in parallel (DNS_BATCH_MAX at a time). */
int	dns_lookup_addr_many(struct dns_ctx *, struct dns_addr_query *,
	    size_t n);

/*
 * Hook for child/dnssec_query.c: send a query built by the caller with
 * ares_send() and wait for its answer, copied to abuf (at most asize
 * octets, *alen set). 0 with *ares_status the c-ares status, or
 * -ECANCELED, -EINVAL, -EIO as the lookups above.
 */
int	dns_raw_query(struct dns_ctx *, const unsigned char *q, size_t qlen,
	    unsigned char *abuf, size_t asize, size_t *alen,
	    int *ares_status);

/* Postfix valid_hostname(name, DO_WILDCARD) without the gripes. */
int	dns_valid_hostname(const char *name);
/* 1 if name is an IPv4 or IPv6 address literal (no brackets). */
int	dns_valid_hostaddr(const char *name);

/*
 * The socket operations c-ares uses in the child (child/dns_sock.c:
 * handles for sockets the parent opens, through sj_sys.h); their 'arg'
 * is unused. dns_init_opts() installs them.
 */
const struct ares_socket_functions *dns_socket_functions(void);
/* The socket behind a handle c-ares holds (child/dns_sock.c), or -1. */
int	dns_sock_fd(ares_socket_t);
/* Close the UDP sockets kept for the rest of a job (child/dns_sock.c). */
void	dns_sock_job_end(void);

/* The PRNG seeded in dns_init(): uniform in [0, n), n > 0. */
uint32_t dns_random_below(struct dns_ctx *, uint32_t n);

#endif

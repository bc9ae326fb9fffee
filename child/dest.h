/*
 * NAME
 *	dest.h 3h
 * SUMMARY
 *	from a Postfix nexthop to an ordered list of SMTP server addresses
 * DESCRIPTION
 *	dest_parse_nexthop() splits a nexthop ("example.com",
 *	"[mx.example]:2525", "a.example, [10.0.0.1]", ...) into hops and
 *	appends smtp_fallback_relay; dest_resolve() turns one hop into
 *	server addresses (MX walk, preference order, equal preferences
 *	randomised, A/AAAA per inet_protocols and smtp_address_preference,
 *	smtp_mx_address_limit, loop check against the local addresses) or
 *	a classified error in the ipc_result (4.x.x soft, 5.x.x hard,
 *	IPC_RF_LOOPS_BACK when we are the best MX), as Postfix 3.7 does
 *	(src/smtp/smtp_connect.c, smtp_addr.c).
 * SECURITY
 *	Child only, inside the sandbox. DNS answers are hostile: names are
 *	censored before they reach a result or a log line.
 */
#ifndef DEST_H
#define DEST_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "ipc_msg.h"
#include "sj_limits.h"

#define DEST_HOPS_MAX	32	/* destinations in one nexthop + fallbacks */
#define DEST_ADDR_MAX	64	/* addresses kept for one hop */

struct dns_ctx;			/* child/dns.h */

struct dest_hop {
	char	name[SJ_HOSTNAME_MAX + 1];	/* no brackets, no port */
	uint16_t port;				/* explicit, or default_port */
	int	no_mx;				/* was [bracketed] */
	int	is_relay;			/* relayhost or fallback: hard DNS errors -> 4.3.5 */
	int	is_fallback;			/* from smtp_fallback_relay */
	/* The element as written (Postfix's session->dest): a SASL
	 * password table key, e.g. "[relay.example]:587". */
	char	spec[SJ_NEXTHOP_MAX + 1];
};

struct dest_addr {
	char	host[SJ_HOSTNAME_MAX + 1];	/* MX host, or the hop name */
	/* The owner of its address records (CNAMEs followed); = host
	 * for a literal, the hosts file or no CNAME. DANE: the TLSA base
	 * domain tried first (child/dane_server.c). */
	char	rname[SJ_HOSTNAME_MAX + 1];
	char	addr_text[INET6_ADDRSTRLEN];
	struct sockaddr_storage sa;		/* port filled in */
	socklen_t salen;
	unsigned pref;				/* MX preference; 0 without MX */
	/* smtp_dns_support_level = dnssec (dns.h dnssec_valid), for
	 * the DANE policy of the server (child/dane_server.c). */
	int	secure;					/* A/AAAA validated */
	int	via_mx;					/* host from an MX lookup */
	int	mx_secure;				/* that MX validated */
};

struct dest_list {
	struct dest_addr addr[DEST_ADDR_MAX];
	size_t	count;
	/*
	 * Set by dest_resolve() on success and on failure. 'final': we
	 * are an MX host of this destination, or mail for it loops back
	 * to us: do not go on to later hops (fallback relays), as
	 * Postfix's SMTP_MISC_FLAG_FINAL_NEXTHOP. 'relay_problem': the
	 * hop is a relay and its hard error was turned into 4.3.5; the
	 * caller logs "warning: <relay_problem> configuration problem"
	 * when this is the error it reports ("relayhost" or
	 * "smtp_fallback_relay"), else NULL.
	 */
	int	final;
	const char *relay_problem;
};

/*
 * 0, or -1 with err filled (status 4.3.5 and a reason such as
 * 'missing "]" in server description: [a.example'; Postfix's smtp(8)
 * would exit fatally, which qmgr sees as a deferral). Elements are
 * separated by commas and/or white space. is_relay is set on every
 * non-fallback hop when the first element equals $relayhost as a
 * string (Postfix compares sites[0] with var_relayhost), and on every
 * fallback hop. Service names: the known_tcp_ports defaults (smtp,
 * submission, submissions, smtps, lmtp) or a number.
 */
int	dest_parse_nexthop(const char *nexthop, const struct ipc_config *,
	    struct dest_hop *hops, size_t maxhops, size_t *nhops,
	    struct ipc_result *err);

/*
 * 0 with out->count > 0, or -1 with err filled. -ECANCELED when the
 * wait was cancelled by the parent (sys_wait). err: status, reason,
 * flags (IPC_RF_LOOPS_BACK only for a 5.4.6 loop that was not turned
 * into 4.3.5, i.e. when best_mx_transport may take over), diag_code 0,
 * diag_text and mta_name "", relay "none"; job_id and index are left
 * alone. The addresses are in the order to try, already cut at
 * smtp_mx_address_limit (and DEST_ADDR_MAX).
 */
int	dest_resolve(struct dns_ctx *, const struct dest_hop *,
	    const struct ipc_config *, struct dest_list *out,
	    struct ipc_result *err);

#endif

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
 *	(postfix-interfaces.md 8.1-8.5).
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
};

struct dest_addr {
	char	host[SJ_HOSTNAME_MAX + 1];	/* MX host, or the hop name */
	char	addr_text[INET6_ADDRSTRLEN];
	struct sockaddr_storage sa;		/* port filled in */
	socklen_t salen;
	unsigned pref;				/* MX preference; 0 without MX */
};

struct dest_list {
	struct dest_addr addr[DEST_ADDR_MAX];
	size_t	count;
};

/* 0, or -1 with err filled (status 4.3.5/5.x.x and reason). */
int	dest_parse_nexthop(const char *nexthop, const struct ipc_config *,
	    struct dest_hop *hops, size_t maxhops, size_t *nhops,
	    struct ipc_result *err);

/*
 * 0 with out->count > 0, or -1 with err filled. -ECANCELED when the
 * wait was cancelled by the parent (sys_wait).
 */
int	dest_resolve(struct dns_ctx *, const struct dest_hop *,
	    const struct ipc_config *, struct dest_list *out,
	    struct ipc_result *err);

#endif

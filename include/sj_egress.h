/*
 * NAME
 *	sj_egress.h 3h
 * SUMMARY
 *	the egress policy: which connections the parent opens for the child
 * DESCRIPTION
 *	The child has no socket() or connect(): it asks the parent for each
 *	connection (policy/egress.c decides, parent/broker.c opens it).
 *	The policy is built once from the configuration
 *	(egress_policy_init()), narrowed per job by the job's nexthop
 *	(egress_job_begin()), and asked once per request (egress_check()).
 *
 *	- DNS (UDP or TCP): only a configured name server, on its port.
 *	- SMTP: only a port some destination of the job names (its nexthop
 *	  list, smtp_fallback_relay, or smtp_tcp_port where none is given);
 *	  never a loopback, link-local, multicast, broadcast or unspecified
 *	  address, nor one of the host's own ($inet_interfaces,
 *	  $proxy_interfaces), unless a literal address in the job's
 *	  nexthop, relayhost or smtp_fallback_relay names it, or
 *	  smtpjail_egress_allow lists it (addresses or networks only: a name
 *	  the child resolved never opens the door);
 *	- at most smtp_mx_address_limit addresses per destination of the
 *	  job (times the destinations in its list), each twice at most
 *	  (one plain-text retry); DNS is not counted against it (a flood
 *	  stops at EGRESS_DNS_PER_JOB sockets).
 * SECURITY
 *	Parent. The configuration is trusted; the address, port and purpose
 *	come from the child and are hostile.
 */
#ifndef SJ_EGRESS_H
#define SJ_EGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define EGRESS_NS_MAX		8	/* name servers (glibc MAXNS is 3) */
#define EGRESS_OWN_MAX		64	/* own addresses */
#define EGRESS_ALLOW_MAX	32	/* smtpjail_egress_allow + relay literals */
#define EGRESS_JOB_HOPS		32	/* destinations of one job */
#define EGRESS_JOB_SEEN		128	/* distinct SMTP addresses of one job */
#define EGRESS_USES_MAX		2	/* one connection + one plain-text retry */
/* DNS sockets of one job: c-ares keeps one UDP socket per server and
 * opens TCP only for truncated answers; this only stops a flood. */
#define EGRESS_DNS_PER_JOB	1000

enum egress_purpose {
	EGRESS_DNS_UDP = 1,
	EGRESS_DNS_TCP = 2,
	EGRESS_SMTP = 3,
};

/* One address or network; port 0 = any port. */
struct egress_net {
	int	family;			/* AF_INET or AF_INET6 */
	unsigned char addr[16];		/* v4 in the first 4 bytes */
	unsigned prefix;		/* 32/128 for a host */
	unsigned port;
};

/* The configuration the policy is made from (all strings may be ""). */
struct egress_conf {
	const char *dns_servers;	/* "a:53,[v6]:53" as CONFIG has it */
	const char *own_addrs;		/* inet_interfaces + proxy_interfaces */
	const char *inet_addrs;		/* inet_interfaces only (bind rule) */
	const char *relayhost;
	const char *fallback_relay;	/* smtp_fallback_relay */
	const char *egress_allow;	/* smtpjail_egress_allow */
	const char *bind_address;	/* smtp_bind_address */
	const char *bind_address6;	/* smtp_bind_address6 */
	int	bind_enforce;		/* smtp_bind_address_enforce */
	unsigned default_port;		/* smtp_tcp_port */
	unsigned mx_address_limit;	/* smtp_mx_address_limit, 0 = none */
};

struct egress_policy {
	struct egress_net ns[EGRESS_NS_MAX];
	size_t	nns;
	struct egress_net own[EGRESS_OWN_MAX];
	size_t	nown;
	struct egress_net allow[EGRESS_ALLOW_MAX];	/* config literals */
	size_t	nallow;
	size_t	nallow_param;		/* of which smtpjail_egress_allow */
	unsigned fallback_hops;		/* destinations in smtp_fallback_relay */
	unsigned relay_ports[EGRESS_JOB_HOPS];	/* ports of relayhost, fallback */
	size_t	nrelay_ports;
	unsigned default_port;
	unsigned mx_address_limit;
	/* Source addresses (Postfix smtp_connect.c). */
	struct egress_net bind4, bind6;
	int	have_bind4, have_bind6;
	int	bind_enforce;
	int	bind4_implicit, bind6_implicit;	/* single inet_interfaces rule */
};

struct egress_job {
	struct egress_net literal[EGRESS_JOB_HOPS];	/* nexthop literals */
	size_t	nliteral;
	unsigned ports[EGRESS_JOB_HOPS + 1];
	size_t	nports;
	unsigned max_addrs;		/* 0 = no limit */
	struct {
		struct egress_net a;
		unsigned uses;
	}	seen[EGRESS_JOB_SEEN];
	size_t	nseen;
	unsigned ndns;			/* DNS sockets granted */
};

/* 0, or -1 with why[] naming the parameter and the value. */
int	egress_policy_init(struct egress_policy *, const struct egress_conf *,
	    char *why, size_t whysz);
/* The job's destinations (the request's nexthop, trusted). */
void	egress_job_begin(struct egress_job *, const struct egress_policy *,
	    const char *nexthop);
/*
 * 0 when the connection may be opened (and then counted), else
 * -EACCES with why[] the reason for the log.
 */
int	egress_check(const struct egress_policy *, struct egress_job *,
	    enum egress_purpose, const struct sockaddr *, socklen_t,
	    char *why, size_t whysz);
/* The source address for a connection of this family, or NULL. */
const struct egress_net *egress_bind_address(const struct egress_policy *,
	    int family, int *enforce);
/* "DNS UDP", "DNS TCP", "SMTP", "?" */
const char *egress_purpose_name(uint32_t);
/* One line per rule, for --sandbox-check; each line ends in '\n'. */
void	egress_describe(const struct egress_policy *,
	    void (*out)(void *, const char *), void *ctx);
/* "addr" or "addr/prefix" of n (":port" when set). */
void	egress_net_format(const struct egress_net *, char *, size_t);

#endif

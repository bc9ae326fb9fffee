/*
 * NAME
 *	dest_nexthop 3
 * SUMMARY
 *	a Postfix nexthop and smtp_fallback_relay into destinations
 * DESCRIPTION
 *	dest_parse_nexthop() (see dest.h) follows Postfix 3.7's
 *	host_port() and smtp_parse_destination(): "[host]:port",
 *	"[IPv6:addr]", "host:service", lists split at commas and white
 *	space, the known_tcp_ports names, and Postfix's reason texts for
 *	every malformed form. No getservbyname(): the sandbox has no
 *	/etc/services.
 * SECURITY
 *	Child only, inside the sandbox. The nexthop comes from the parent
 *	(Postfix's queue manager) and is validated here; every element
 *	is censored before it reaches a reason text.
 * SEE ALSO
 *	child/dest.c, Postfix src/smtp/smtp_connect.c, src/util/host_port.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dest.h"
#include "dest_int.h"
#include "dns.h"
#include "msg.h"
#include "sj_text.h"

/* Postfix known_tcp_ports default: "lmtp=24, smtp=25, smtps=submissions=465, submission=587". */
static int
dest_known_port(const char *service)
{
	static const struct {
		const char *name;
		int	port;
	} known[] = {
		{"lmtp", 24},
		{"smtp", 25},
		{"smtps", 465},
		{"submissions", 465},
		{"submission", 587},
	};
	size_t	i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(service, known[i].name) == 0)
			return (known[i].port);
	return (-1);
}

static int
dest_alldig(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return (0);
	return (1);
}

/*
 * One element: host_port() then smtp_parse_destination(). 'elem' is
 * modified. 0, or -1 with why[] in Postfix's words.
 */
static int
dest_parse_one(char *elem, const char *orig, uint16_t def_port,
    struct dest_hop *hop, char *why, size_t whysz)
{
	char   *cp = elem, *host, *service = NULL, *colon;
	int	ipv6 = 0, port;
	long	num;

	memset(hop, 0, sizeof(*hop));
	if (*cp == '[') {
		++cp;
		if (strncasecmp(cp, "IPv6:", 5) == 0) {
			ipv6 = 1;
			cp += 5;
		}
		host = cp;
		if ((cp = strchr(cp, ']')) == NULL) {
			snprintf(why, whysz, "missing \"]\" in server "
			    "description: %s", orig);
			return (-1);
		}
		*cp++ = '\0';
		if (*cp && *cp++ != ':') {
			snprintf(why, whysz, "garbage after \"]\" in server "
			    "description: %s", orig);
			return (-1);
		}
		if (ipv6 && strchr(host, ':') == NULL) {
			snprintf(why, whysz, "malformed IPv6 address in server "
			    "description: %s", orig);
			return (-1);
		}
		if (ipv6) {
			struct dns_addr a;

			if (dest_literal(host, &a) != 0) {
				snprintf(why, whysz, "malformed IPv6 address "
				    "in server description: %s", orig);
				return (-1);
			}
		}
		if (*cp)
			service = cp;
		hop->no_mx = 1;
	} else {
		host = elem;
		if ((colon = strrchr(elem, ':')) != NULL) {
			*colon = '\0';
			if (colon[1])
				service = colon + 1;
			if (*elem == '\0') {
				snprintf(why, whysz, "missing host information "
				    "in server description: %s", orig);
				return (-1);
			}
		}
	}
	if (!dns_valid_hostname(host) && !dns_valid_hostaddr(host)) {
		snprintf(why, whysz, "valid hostname or network address "
		    "required in server description: %s", orig);
		return (-1);
	}
	if (service && service[0] >= '0' && service[0] <= '9'
	    && !dest_alldig(service)) {
		snprintf(why, whysz, "garbage after numerical service in "
		    "server description: %s", orig);
		return (-1);
	}
	if (service == NULL) {
		port = def_port;
	} else if ((port = dest_known_port(service)) > 0) {
		/* known_tcp_ports */
	} else if (dest_alldig(service)) {
		num = strlen(service) > 5 ? 65536 : strtol(service, NULL, 10);
		if (num <= 0 || num >= 65536) {
			snprintf(why, whysz, "bad network port: %s for "
			    "destination: %s", service, orig);
			return (-1);
		}
		port = (int)num;
	} else {
		/* No getservbyname() in the sandbox: no /etc/services. */
		snprintf(why, whysz, "unknown service: %s/tcp", service);
		return (-1);
	}
	if (strlen(host) > SJ_HOSTNAME_MAX) {	/* checked above; be sure */
		snprintf(why, whysz, "valid hostname or network address "
		    "required in server description: %s", orig);
		return (-1);
	}
	memcpy(hop->name, host, strlen(host) + 1);
	hop->port = (uint16_t)port;
	return (0);
}

/* Split 'list' and append its hops. 0, or -1 with why[]. */
static int
dest_parse_list(const char *list, uint16_t def_port, int fallback,
    const char *relayhost, struct dest_hop *hops, size_t maxhops,
    size_t *nhops, char *why, size_t whysz)
{
	char	elem[SJ_NEXTHOP_MAX + 1], orig[SJ_NEXTHOP_MAX + 1];
	char	spec[SJ_NEXTHOP_MAX + 1];
	const char *cp = list;
	size_t	len;
	int	relay = 0, first = 1;
	size_t	start = *nhops;

	for (;;) {
		cp += strspn(cp, DEST_SEP);
		if (*cp == '\0')
			break;
		len = strcspn(cp, DEST_SEP);
		if (len > SJ_NEXTHOP_MAX) {
			snprintf(why, whysz, "server description too long");
			return (-1);
		}
		memcpy(elem, cp, len);
		elem[len] = '\0';
		cp += len;
		sj_text_censor(orig, sizeof(orig), elem, len);
		if (*nhops >= maxhops) {
			snprintf(why, whysz, "too many destinations in nexthop "
			    "and %s (limit %zu)", "smtp_fallback_relay",
			    maxhops);
			return (-1);
		}
		/* dest_parse_one() cuts elem up: keep it as written first. */
		memcpy(spec, elem, len + 1);
		if (dest_parse_one(elem, orig, def_port, &hops[*nhops], why,
		    whysz) < 0)
			return (-1);
		memcpy(hops[*nhops].spec, spec, len + 1);
		if (first && !fallback && relayhost && *relayhost
		    && strcmp(orig, relayhost) == 0)
			relay = 1;
		first = 0;
		hops[*nhops].is_fallback = fallback;
		hops[*nhops].is_relay = fallback;
		(*nhops)++;
	}
	if (relay)
		for (; start < *nhops; start++)
			hops[start].is_relay = 1;
	return (0);
}

int
dest_parse_nexthop(const char *nexthop, const struct ipc_config *cfg,
    struct dest_hop *hops, size_t maxhops, size_t *nhops,
    struct ipc_result *err)
{
	char	why[SJ_REASON_MAX + 1];
	uint16_t def_port;

	*nhops = 0;
	def_port = (cfg->default_port > 0 && cfg->default_port < 65536) ?
	    (uint16_t)cfg->default_port : DEST_SMTP_PORT;
	if (nexthop == NULL || nexthop[strspn(nexthop, DEST_SEP)] == '\0') {
		dest_fill_err(err, "4.3.5", 0, "empty nexthop hostname");
		return (-1);
	}
	if (dest_parse_list(nexthop, def_port, 0, cfg->relayhost, hops,
	    maxhops, nhops, why, sizeof(why)) < 0
	    || dest_parse_list(cfg->fallback_relay, def_port, 1, NULL, hops,
	    maxhops, nhops, why, sizeof(why)) < 0) {
		msg_warn("%s", why);
		dest_fill_err(err, "4.3.5", 0, why);
		*nhops = 0;
		return (-1);
	}
	return (0);
}

/*
 * NAME
 *	cfg_child 3
 * SUMMARY
 *	the child's CONFIG: what the sandboxed SMTP client is told at start
 * DESCRIPTION
 *	cfg_child(), called by sj_config_load() (parent/config.c,
 *	DESCRIPTION item 9): the child's CONFIG (struct ipc_config) is
 *	filled in: flags from
 *	the smtp_* booleans and inet_protocols, timeouts in seconds,
 *	smtp_tcp_port as a number (known_tcp_ports, then services),
 *	local_addrs from inet_interfaces and proxy_interfaces ("all"
 *	and "loopback-only" by getifaddrs(), names by getaddrinfo()),
 *	dns_servers from the "nameserver" lines of
 *	$smtpjail_resolv_conf (when it is not set and the process is
 *	chrooted with -c: $queue_directory/etc/resolv.conf, the file
 *	stock smtp(8)'s resolver reads there) as glibc reads them
 *	(first 3; none: the
 *	glibc default 127.0.0.1). Its "options" lines give timeout:N
 *	(glibc default 5, at most 30, 0 acts as 1), attempts:N (default
 *	2, at most 5; 0, which would make glibc give up at once, acts as
 *	1) and rotate, kept in sj_config for the child's resolver; other
 *	options do not apply (no search, no hosts file). The protocols,
 *	addresses and name servers are parent/cfg_net.c's; the SASL and
 *	smtp_generic_maps parts parent/sasl.c's and parent/generic_map.c's.
 *	Also: debug_peer_list, the connection cache, smtp_host_lookup
 *	(with the hosts file), the MIME limits, smtp_dns_support_level.
 * SECURITY
 *	Parent, as root, before any sandbox, so it may resolve names and
 *	read the hosts file. main.cf is trusted; what goes to the child is
 *	limited to printable text within the ipc_config fields
 *	(sj_limits.h).
 * SEE ALSO
 *	parent/config.c, parent/cfg_net.c, include/ipc_msg.h, Postfix
 *	src/smtp/smtp.c, src/smtp/smtp_params.c, src/global/mail_params.h
 */
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_child.h"
#include "cfg_net.h"
#include "cfg_params.h"
#include "config.h"
#include "dnssec_probe.h"
#include "generic_map.h"
#include "hosts_file.h"
#include "sasl.h"
#include "sj_config.h"
#include "sj_match.h"

static int
get_time32(struct sj_config *cfg, const char *name, long min,
    uint32_t *dst, char *why, size_t whysz)
{
	unsigned v;
	int	rc;

	if ((rc = config_get_time(cfg, name, min, INT32_MAX, &v, why,
	    whysz)) < 0)
		return (rc);
	*dst = v;
	return (0);
}

static int
set_flag(struct sj_config *cfg, const char *name, uint32_t bit, char *why,
    size_t whysz)
{
	int	v, rc;

	if ((rc = sj_params_get_bool(cfg->params, name, &v, why, whysz)) < 0)
		return (rc);
	if (v)
		cfg->child.flags |= bit;
	return (0);
}

/* Bounded copy into a fixed ipc_config field; must be printable. */
static int
copy_field(char *dst, size_t dstsz, const char *name, const char *v,
    char *why, size_t whysz)
{
	if (strlen(v) >= dstsz) {
		snprintf(why, whysz, "parameter %s: value longer than %zu "
		    "bytes", name, dstsz - 1);
		return (-E2BIG);
	}
	if (!config_printable(v)) {
		snprintf(why, whysz, "parameter %s: non-printable character "
		    "in value", name);
		return (-EINVAL);
	}
	memcpy(dst, v, strlen(v) + 1);
	return (0);
}

static int
copy_param(struct sj_config *cfg, const char *name, char *dst, size_t dstsz,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(cfg->params, name, &v, why, whysz)) < 0)
		return (rc);
	return (copy_field(dst, dstsz, name, v, why, whysz));
}

/*
 * Network: ports, protocols, interfaces, resolvers.
 */

/* smtp_tcp_port: a number, a known_tcp_ports name, or a service. */
static int
config_port(struct sj_config *cfg, char *why, size_t whysz)
{
	const char *port;
	char	**list = NULL, *e, *names, *tok, *save, *end;
	struct servent *se;
	long	v = -1;
	int	n, i, rc;

	if ((rc = sj_params_get_str(cfg->params, "smtp_tcp_port", &port, why,
	    whysz)) < 0)
		return (rc);
	if (*port != '\0' && strspn(port, "0123456789") == strlen(port)) {
		errno = 0;
		v = strtol(port, &end, 10);
		if (errno != 0 || v < 1 || v > 65535) {
			snprintf(why, whysz, "parameter smtp_tcp_port: invalid "
			    "port number: %.20s", port);
			return (-EINVAL);
		}
		cfg->child.default_port = (uint32_t)v;
		return (0);
	}
	if ((rc = sj_params_get_list(cfg->params, "known_tcp_ports", &list,
	    &n, why, whysz)) < 0)
		return (rc);
	/* Elements "name=name=...=number". */
	for (i = 0; i < n && v < 0; i++) {
		if ((e = strrchr(list[i], '=')) == NULL)
			continue;
		*e++ = '\0';
		names = list[i];
		for (tok = strtok_r(names, "=", &save); tok != NULL;
		    tok = strtok_r(NULL, "=", &save)) {
			if (strcmp(tok, port) != 0)
				continue;
			errno = 0;
			v = strtol(e, &end, 10);
			if (*e == '\0' || *end != '\0' || errno != 0 ||
			    v < 1 || v > 65535) {
				snprintf(why, whysz, "parameter "
				    "known_tcp_ports: bad port for %.50s: "
				    "%.20s", port, e);
				sj_list_free(list, n);
				return (-EINVAL);
			}
			break;
		}
	}
	sj_list_free(list, n);
	if (v < 0 && *port != '\0' && (se = getservbyname(port, "tcp")) != NULL)
		v = ntohs((uint16_t)se->s_port);
	if (v < 1 || v > 65535) {
		snprintf(why, whysz, "parameter smtp_tcp_port: unknown "
		    "service: \"%.50s\" (not in known_tcp_ports or the "
		    "services database)", port);
		return (-EINVAL);
	}
	cfg->child.default_port = (uint32_t)v;
	return (0);
}

/*
 * debug_peer_list and debug_peer_level (Postfix debug_peer(3)): the
 * child matches each SMTP peer against the list and logs that
 * session's chat. Postfix refuses a level below 1 and a list it cannot
 * parse; /file and type:table patterns, which would need files the
 * child cannot open, are skipped with a warning.
 */
static int
config_debug_peer(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	const char *v;
	long	n;
	int	rc;

	if ((rc = config_get_int(cfg, "debug_peer_level", 1, INT32_MAX, &n, why,
	    whysz)) < 0 ||
	    (rc = copy_param(cfg, "debug_peer_list", c->debug_peer_list,
	    sizeof(c->debug_peer_list), why, whysz)) < 0 ||
	    (rc = config_match_list(cfg, "debug_peer_list",
	    c->debug_peer_list, CONFIG_BAD_ERROR, why, whysz)) < 0 ||
	    (rc = sj_params_get_str(cfg->params,
	    "parent_domain_matches_subdomains", &v, why, whysz)) < 0)
		return (rc);
	if (sj_match_list_has(v, "debug_peer_list"))
		c->flags |= IPC_CF_DEBUG_PEER_PARENT;
	return (0);
}

/*
 * Connection reuse (Postfix smtp_connection_cache_*, 3.7 defaults and
 * minimums: cache time and reuse time at least 1s, count 0 = no limit).
 * The child keeps the idle sessions itself (child/conn_cache.c), so
 * there is no scache service to name. The destination list is a
 * Postfix string_list: exact, case-insensitive names; /file and
 * type:table entries need tables the child cannot read.
 */
static int
config_conn_cache(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	long	n;
	int	rc;

	if ((rc = set_flag(cfg, "smtp_connection_cache_on_demand",
	    IPC_CF_CACHE_ON_DEMAND, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_connection_cache_time_limit", 1,
	    &c->cache_time_limit, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_connection_reuse_time_limit", 1,
	    &c->reuse_time_limit, why, whysz)) < 0 ||
	    (rc = config_get_int(cfg, "smtp_connection_reuse_count_limit", 0,
	    INT32_MAX, &n, why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "smtp_connection_cache_destinations",
	    c->cache_destinations, sizeof(c->cache_destinations), why,
	    whysz)) < 0)
		return (rc);
	c->reuse_count_limit = (uint32_t)n;
	return (config_match_list(cfg, "smtp_connection_cache_destinations",
	    c->cache_destinations, CONFIG_BAD_NAME, why, whysz));
}

/*
 * smtp_host_lookup (Postfix smtp.c: a name_mask of "dns" and "native";
 * DNS disabled means native alone). With native, the hosts file that
 * stock smtp(8)'s getaddrinfo() would read: $queue_directory/etc/hosts
 * when chrooted (-c), else /etc/hosts.
 */
static int
config_host_lookup(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	const char *v, *cp;
	char	path[4096];
	size_t	len;
	int	rc;

	if ((rc = sj_params_get_str(cfg->params, "smtp_host_lookup", &v, why,
	    whysz)) < 0)
		return (rc);
	for (cp = v; *(cp += strspn(cp, ", \t\r\n")) != '\0'; cp += len) {
		len = strcspn(cp, ", \t\r\n");
		if (len == 3 && strncmp(cp, "dns", 3) == 0)
			c->flags |= IPC_CF_HOST_DNS;
		else if (len == 6 && strncmp(cp, "native", 6) == 0)
			c->flags |= IPC_CF_HOST_NATIVE;
		else {
			snprintf(why, whysz, "unknown smtp_host_lookup value "
			    "\"%.*s\" in \"%.100s\"",
			    (int)(len > 64 ? 64 : len), cp, v);
			return (-EINVAL);
		}
	}
	if ((c->flags & (IPC_CF_HOST_DNS | IPC_CF_HOST_NATIVE)) == 0) {
		snprintf(why, whysz, "smtp_host_lookup: no lookup method "
		    "(expected dns, native or both)");
		return (-EINVAL);
	}
	if ((c->flags & (IPC_CF_HOST_NATIVE | IPC_CF_DISABLE_DNS)) == 0)
		return (0);
	if (cfg->opt_chroot)
		snprintf(path, sizeof(path), "%s/etc/hosts",
		    cfg->queue_directory);
	else
		snprintf(path, sizeof(path), "/etc/hosts");
	return (hosts_file_read(path, &cfg->hosts, &c->hosts_count, why,
	    whysz));
}

/* The MIME parser's limits, Postfix 3.7 mail_params.c minimums. */
static int
config_mime(struct sj_config *cfg, char *why, size_t whysz)
{
	static const struct {
		const char *name;
		long	min;
		size_t	off;
	} t[] = {
		{ "header_size_limit", 1,
		    offsetof(struct ipc_config, header_size_limit) },
		{ "mime_nesting_limit", 1,
		    offsetof(struct ipc_config, mime_nesting_limit) },
		{ "mime_boundary_length_limit", 1,
		    offsetof(struct ipc_config, mime_boundary_length_limit) },
		{ "line_length_limit", 512,
		    offsetof(struct ipc_config, queue_line_length_limit) },
	};
	size_t	i;
	long	n;
	int	rc;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((rc = config_get_int(cfg, t[i].name, t[i].min, INT32_MAX,
		    &n, why, whysz)) < 0)
			return (rc);
		*(uint32_t *)((char *)&cfg->child + t[i].off) = (uint32_t)n;
	}
	return (0);
}

int
cfg_child(struct sj_config *cfg, char *why, size_t whysz)
{
	struct ipc_config *c = &cfg->child;
	const char *v;
	long	n;
	int	rc, off;

	memset(c, 0, sizeof(*c));
	if ((rc = set_flag(cfg, "smtp_skip_5xx_greeting",
	    IPC_CF_SKIP_5XX_GREETING, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_skip_quit_response",
	    IPC_CF_SKIP_QUIT_RESPONSE, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "ignore_mx_lookup_error",
	    IPC_CF_IGNORE_MX_ERROR, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_never_send_ehlo", IPC_CF_NEVER_EHLO,
	    why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_randomize_addresses", IPC_CF_RANDOMIZE,
	    why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtp_defer_if_no_mx_address_found",
	    IPC_CF_DEFER_NO_MX_ADDR, why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "smtpjail_use_chunking", IPC_CF_USE_CHUNKING,
	    why, whysz)) < 0 ||
	    (rc = set_flag(cfg, "disable_mime_output_conversion",
	    IPC_CF_NO_MIME_OCONV, why, whysz)) < 0)
		return (rc);
	if (cfg->soft_bounce)
		c->flags |= IPC_CF_SOFT_BOUNCE;

	/* smtp_dns_support_level, else the legacy disable_dns_lookups. */
	if ((rc = sj_params_get_str(cfg->params, "smtp_dns_support_level",
	    &v, why, whysz)) < 0)
		return (rc);
	if (*v == '\0') {
		if ((rc = sj_params_get_bool(cfg->params,
		    "disable_dns_lookups", &off, why, whysz)) < 0)
			return (rc);
		if (off)
			c->flags |= IPC_CF_DISABLE_DNS;
	} else if (strcmp(v, "disabled") == 0) {
		c->flags |= IPC_CF_DISABLE_DNS;
	} else if (strcmp(v, "dnssec") == 0) {
		c->flags |= IPC_CF_DNSSEC;
		/* Postfix 3.7 dns_sec.c: looked up at the first DNSSEC
		 * lookup whose answer is not validated (child). */
		if ((rc = sj_params_get_str(cfg->params, "dnssec_probe", &v,
		    why, whysz)) < 0)
			return (rc);
		if ((rc = dnssec_probe_parse(v, &cfg->dnssec_probe_type,
		    cfg->dnssec_probe_name, sizeof(cfg->dnssec_probe_name),
		    why, whysz)) < 0)
			return (rc);
		snprintf(cfg->dnssec_probe, sizeof(cfg->dnssec_probe), "%s",
		    v);
	} else if (strcmp(v, "enabled") != 0) {
		snprintf(why, whysz, "invalid smtp_dns_support_level: "
		    "\"%.50s\" (expected disabled, enabled or dnssec)", v);
		return (-EINVAL);
	}

	if ((rc = cfg_net_protocols(cfg, why, whysz)) < 0 ||
	    (rc = config_host_lookup(cfg, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_params_get_str(cfg->params, "smtp_address_preference",
	    &v, why, whysz)) < 0)
		return (rc);
	if (strcasecmp(v, "any") == 0)
		c->addr_pref = IPC_PREF_ANY;
	else if (strcasecmp(v, "ipv4") == 0)
		c->addr_pref = IPC_PREF_IPV4;
	else if (strcasecmp(v, "ipv6") == 0)
		c->addr_pref = IPC_PREF_IPV6;
	else {
		snprintf(why, whysz, "bad smtp_address_preference value: "
		    "\"%.50s\" (expected any, ipv4 or ipv6)", v);
		return (-EINVAL);
	}

	/* smtp(8) 3.7 time table: connect min 0, the others min 1. */
	if ((rc = get_time32(cfg, "smtp_connect_timeout", 0,
	    &c->connect_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_helo_timeout", 1, &c->helo_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_mail_timeout", 1, &c->mail_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_rcpt_timeout", 1, &c->rcpt_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_data_init_timeout", 1,
	    &c->data_init_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_data_xfer_timeout", 1,
	    &c->data_xfer_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_data_done_timeout", 1,
	    &c->data_done_timeout, why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_quit_timeout", 1, &c->quit_timeout,
	    why, whysz)) < 0 ||
	    (rc = get_time32(cfg, "smtp_rset_timeout", 1, &c->rset_timeout,
	    why, whysz)) < 0)
		return (rc);
	if ((rc = config_get_int(cfg, "smtp_mx_address_limit", 0, INT32_MAX, &n,
	    why, whysz)) < 0)
		return (rc);
	c->mx_address_limit = (uint32_t)n;
	if ((rc = config_get_int(cfg, "smtp_mx_session_limit", 0, INT32_MAX, &n,
	    why, whysz)) < 0)
		return (rc);
	c->mx_session_limit = (uint32_t)n;
	if ((rc = config_get_int(cfg, "smtp_line_length_limit", 0, INT32_MAX,
	    &n, why, whysz)) < 0)
		return (rc);
	c->line_length_limit = (uint32_t)n;
	if ((rc = config_mime(cfg, why, whysz)) < 0 ||
	    (rc = config_port(cfg, why, whysz)) < 0)
		return (rc);

	if ((rc = sj_params_get_str(cfg->params, "smtp_helo_name", &v, why,
	    whysz)) < 0)
		return (rc);
	if (*v == '\0') {
		snprintf(why, whysz, "parameter smtp_helo_name: value must "
		    "not be empty");
		return (-EINVAL);
	}
	if ((rc = copy_field(c->helo_name, sizeof(c->helo_name),
	    "smtp_helo_name", v, why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "relayhost", c->relayhost,
	    sizeof(c->relayhost), why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "smtp_fallback_relay", c->fallback_relay,
	    sizeof(c->fallback_relay), why, whysz)) < 0 ||
	    (rc = copy_param(cfg, "myhostname", c->myhostname,
	    sizeof(c->myhostname), why, whysz)) < 0)
		return (rc);

	c->local_addrs[0] = '\0';
	if ((rc = cfg_net_interfaces(cfg, "inet_interfaces", 1, why,
	    whysz)) < 0)
		return (rc);
	/* The egress broker binds like smtp_connect.c: inet_interfaces only. */
	free(cfg->inet_addrs);
	if ((cfg->inet_addrs = strdup(c->local_addrs)) == NULL) {
		snprintf(why, whysz, "strdup: %s", strerror(errno));
		return (-ENOMEM);
	}
	if ((rc = cfg_net_interfaces(cfg, "proxy_interfaces", 0, why,
	    whysz)) < 0 ||
	    (rc = config_debug_peer(cfg, why, whysz)) < 0 ||
	    (rc = config_conn_cache(cfg, why, whysz)) < 0 ||
	    (rc = sasl_config(cfg, why, whysz)) < 0 ||
	    (rc = generic_map_config(cfg, why, whysz)) < 0)
		return (rc);
	return (cfg_net_resolv(cfg, why, whysz));
}


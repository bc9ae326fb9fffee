/*
 * NAME
 *	cfg_net 3
 * SUMMARY
 *	the network part of the configuration: protocols, the host's own
 *	addresses, the name servers
 * DESCRIPTION
 *	Called by cfg_child() (parent/cfg_child.c) to fill in the
 *	child's CONFIG:
 *
 *	cfg_net_protocols(): inet_protocols ("all" means what the kernel
 *	can make sockets for), as the IPC flags.
 *
 *	cfg_net_interfaces(): the addresses of inet_interfaces or
 *	proxy_interfaces, Postfix's notion of "myself" (src/global/
 *	own_inet_addr.c): "all" and "loopback-only" by getifaddrs(),
 *	names by getaddrinfo(), literal addresses as they are; appended,
 *	deduplicated, to local_addrs.
 *
 *	cfg_net_resolv(): dns_servers from the "nameserver" lines of
 *	$smtpjail_resolv_conf (when it is not set and the process is
 *	chrooted with -c: $queue_directory/etc/resolv.conf, the file stock
 *	smtp(8)'s resolver reads there), as glibc's res_init() reads them
 *	(the first 3; none: 127.0.0.1), and the timeout:, attempts: and
 *	rotate options (see parent/cfg_child.c).
 * SECURITY
 *	Parent, as root, before any sandbox: it may resolve names and
 *	enumerate interfaces. The files are root-owned configuration;
 *	what goes to the child is bounded by the ipc_config fields.
 * SEE ALSO
 *	parent/cfg_child.c, Postfix src/global/own_inet_addr.c,
 *	src/global/inet_proto.c, glibc resolv/res_init.c, resolv.conf(5)
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cfg_net.h"
#include "cfg_params.h"
#include "config.h"
#include "sj_config.h"

/* What a chrooted resolver opens: /etc/resolv.conf under the new root. */
#define RESOLV_CONF_IN_ROOT	"/etc/resolv.conf"
/* glibc resolv.conf: MAXNS nameservers are used, the rest ignored. */
#define RESOLV_MAXNS		3
/* glibc resolv.h: RES_TIMEOUT, RES_MAXRETRANS, RES_DFLRETRY, RES_MAXRETRY */
#define RESOLV_TIMEOUT_DEF	5
#define RESOLV_TIMEOUT_MAX	30
#define RESOLV_ATTEMPTS_DEF	2
#define RESOLV_ATTEMPTS_MAX	5

/* Can this host make IPv6 sockets? ("all" means what the kernel has.) */
static int
have_inet6(void)
{
	int	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return (errno != EAFNOSUPPORT);
	close(fd);
	return (1);
}

int
cfg_net_protocols(struct sj_config *cfg, char *why, size_t whysz)
{
	char	**list;
	uint32_t bits = 0;
	int	n, i, rc;

	if ((rc = sj_params_get_list(cfg->params, "inet_protocols", &list, &n,
	    why, whysz)) < 0)
		return (rc);
	for (i = 0; i < n; i++) {
		if (strcasecmp(list[i], "all") == 0)
			bits |= IPC_CF_INET4 |
			    (have_inet6() ? IPC_CF_INET6 : 0);
		else if (strcasecmp(list[i], "ipv4") == 0)
			bits |= IPC_CF_INET4;
		else if (strcasecmp(list[i], "ipv6") == 0)
			bits |= IPC_CF_INET6;
		else {
			snprintf(why, whysz, "parameter inet_protocols: "
			    "invalid value: \"%.50s\" (expected all, ipv4, "
			    "ipv6)", list[i]);
			sj_list_free(list, n);
			return (-EINVAL);
		}
	}
	sj_list_free(list, n);
	cfg->child.flags |= bits;
	return (0);
}

/* Append one address (deduplicated) to the comma list in out[outsz]. */
static int
addr_append(char *out, size_t outsz, const struct sockaddr *sa,
    uint32_t flags)
{
	char	text[INET6_ADDRSTRLEN], item[INET6_ADDRSTRLEN + 2];
	const void *a;
	size_t	len = strlen(out), tl;
	const char *p;

	if (sa == NULL)
		return (0);
	if (sa->sa_family == AF_INET && (flags & IPC_CF_INET4))
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6 && (flags & IPC_CF_INET6))
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		return (0);
	if (inet_ntop(sa->sa_family, a, text, sizeof(text)) == NULL)
		return (-errno);
	snprintf(item, sizeof(item), ",%s,", text);
	tl = strlen(text);
	/* Already listed? */
	for (p = out; (p = strstr(p, text)) != NULL; p += tl)
		if ((p == out || p[-1] == ',') &&
		    (p[tl] == ',' || p[tl] == '\0'))
			return (0);
	if (len + (len ? 1 : 0) + tl >= outsz)
		return (-E2BIG);
	if (len)
		out[len++] = ',';
	memcpy(out + len, text, tl + 1);
	return (0);
}

static int
ifaddrs_append(char *out, size_t outsz, uint32_t flags, int loopback_only,
    char *why, size_t whysz)
{
	struct ifaddrs *ifa, *i;
	int	rc = 0;

	if (getifaddrs(&ifa) < 0) {
		rc = -errno;
		snprintf(why, whysz, "parameter inet_interfaces: "
		    "getifaddrs: %s", strerror(errno));
		return (rc);
	}
	for (i = ifa; i != NULL && rc == 0; i = i->ifa_next) {
		if (loopback_only && !(i->ifa_flags & IFF_LOOPBACK))
			continue;
		rc = addr_append(out, outsz, i->ifa_addr, flags);
	}
	freeifaddrs(ifa);
	if (rc < 0)
		snprintf(why, whysz, "parameter inet_interfaces: too many "
		    "local addresses (more than %d bytes)", SJ_LIST_MAX);
	return (rc);
}

static int
host_append(char *out, size_t outsz, const char *param, const char *host,
    uint32_t flags, char *why, size_t whysz)
{
	struct addrinfo hints, *res, *r;
	char	name[SJ_HOSTNAME_MAX + 1];
	size_t	n = strlen(host);
	int	rc = 0, gai;

	/* Postfix accepts [address] too. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof(name)) {
		snprintf(why, whysz, "parameter %s: bad host or address: "
		    "\"%.100s\"", param, host);
		return (-EINVAL);
	}
	memcpy(name, host, n);
	name[n] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(name, NULL, &hints, &res)) != 0) {
		snprintf(why, whysz, "parameter %s: host not found: "
		    "\"%.100s\": %s", param, name, gai_strerror(gai));
		return (-ENOENT);
	}
	for (r = res; r != NULL && rc == 0; r = r->ai_next)
		rc = addr_append(out, outsz, r->ai_addr, flags);
	freeaddrinfo(res);
	if (rc < 0)
		snprintf(why, whysz, "parameter %s: too many local addresses "
		    "(more than %d bytes)", param, SJ_LIST_MAX);
	return (rc);
}

int
cfg_net_interfaces(struct sj_config *cfg, const char *param, int keywords,
    char *why, size_t whysz)
{
	char	**list;
	char	*out = cfg->child.local_addrs;
	size_t	outsz = sizeof(cfg->child.local_addrs);
	uint32_t fam = cfg->child.flags & (IPC_CF_INET4 | IPC_CF_INET6);
	int	n, i, rc = 0;

	if ((rc = sj_params_get_list(cfg->params, param, &list, &n, why,
	    whysz)) < 0)
		return (rc);
	for (i = 0; i < n && rc == 0; i++) {
		if (keywords && strcasecmp(list[i], "all") == 0)
			rc = ifaddrs_append(out, outsz, fam, 0, why, whysz);
		else if (keywords && strcasecmp(list[i], "loopback-only") == 0)
			rc = ifaddrs_append(out, outsz, fam, 1, why, whysz);
		else
			rc = host_append(out, outsz, param, list[i], fam, why,
			    whysz);
	}
	sj_list_free(list, n);
	return (rc);
}

/* glibc res_setoptions(): the options we use, clamped as glibc does. */
static void
config_resolv_options(struct sj_config *cfg, const char *opts)
{
	const char *cp = opts;
	unsigned long n;
	size_t	len;

	for (;;) {
		cp += strspn(cp, " \t");
		if ((len = strcspn(cp, " \t\r\n")) == 0)
			return;
		if (len > 8 && strncmp(cp, "timeout:", 8) == 0 &&
		    isdigit((unsigned char)cp[8])) {
			n = strtoul(cp + 8, NULL, 10);
			cfg->resolv_timeout = n > RESOLV_TIMEOUT_MAX ?
			    RESOLV_TIMEOUT_MAX : n == 0 ? 1 : (unsigned)n;
		} else if (len > 9 && strncmp(cp, "attempts:", 9) == 0 &&
		    isdigit((unsigned char)cp[9])) {
			n = strtoul(cp + 9, NULL, 10);
			cfg->resolv_attempts = n > RESOLV_ATTEMPTS_MAX ?
			    RESOLV_ATTEMPTS_MAX : n == 0 ? 1 : (unsigned)n;
		} else if (len == 6 && strncmp(cp, "rotate", 6) == 0) {
			cfg->resolv_rotate = 1;
		} else if (len == 8 && strncmp(cp, "trust-ad", 8) == 0) {
			cfg->child.flags |= IPC_CF_TRUST_AD;
		}
		cp += len;
	}
}

/* glibc res_init(): "nameserver ADDR" lines, MAXNS of them; options. */
int
cfg_net_resolv(struct sj_config *cfg, char *why, size_t whysz)
{
	char	*out = cfg->child.dns_servers, line[1024], addr[256];
	char	inroot[PATH_MAX];
	size_t	outsz = sizeof(cfg->child.dns_servers), len;
	unsigned char bin[sizeof(struct in6_addr)];
	const char *path, *cp;
	FILE	*fp;
	int	count = 0, rc, n, lineno = 0;

	if ((rc = sj_params_get_str(cfg->params, "smtpjail_resolv_conf",
	    &path, why, whysz)) < 0)
		return (rc);
	/*
	 * Chrooted (-c), stock smtp(8)'s resolver opens /etc/resolv.conf
	 * inside $queue_directory: read that file unless the parameter
	 * names one. The warning below names the file when it is missing.
	 */
	if (cfg->opt_chroot &&
	    !sj_params_is_set(cfg->params, "smtpjail_resolv_conf")) {
		if ((size_t)snprintf(inroot, sizeof(inroot), "%s%s",
		    cfg->queue_directory, RESOLV_CONF_IN_ROOT) >=
		    sizeof(inroot)) {
			snprintf(why, whysz, "queue_directory too long for "
			    "%s", RESOLV_CONF_IN_ROOT);
			return (-ENAMETOOLONG);
		}
		path = inroot;
	}
	out[0] = '\0';
	cfg->child.flags &= ~IPC_CF_TRUST_AD;
	cfg->resolv_timeout = RESOLV_TIMEOUT_DEF;
	cfg->resolv_attempts = RESOLV_ATTEMPTS_DEF;
	cfg->resolv_rotate = 0;
	if ((fp = fopen(path, "re")) == NULL) {
		/* glibc: no file means the local server. */
		config_warnf(cfg, "smtpjail_resolv_conf: open %.200s: %s; "
		    "using 127.0.0.1 as the resolver does", path,
		    strerror(errno));
	}
	while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
		lineno++;
		if (strncmp(line, "options", 7) == 0 &&
		    (line[7] == ' ' || line[7] == '\t')) {
			config_resolv_options(cfg, line + 7);
			continue;
		}
		if (strncmp(line, "nameserver", 10) != 0 ||
		    (line[10] != ' ' && line[10] != '\t'))
			continue;
		if (count >= RESOLV_MAXNS)
			continue;
		cp = line + 10 + strspn(line + 10, " \t");
		len = strcspn(cp, ";# \t\r\n");
		if (len == 0 || len >= sizeof(addr))
			continue;
		memcpy(addr, cp, len);
		addr[len] = '\0';
		if (inet_pton(AF_INET, addr, bin) == 1)
			n = snprintf(out + strlen(out), outsz - strlen(out),
			    "%s%s:53", count ? "," : "", addr);
		else if (inet_pton(AF_INET6, addr, bin) == 1)
			n = snprintf(out + strlen(out), outsz - strlen(out),
			    "%s[%s]:53", count ? "," : "", addr);
		else {
			config_warnf(cfg, "%.200s, line %d: nameserver "
			    "\"%.64s\" %s; ignored", path, lineno, addr,
			    strchr(addr, '%') ? "has a scope, which c-ares "
			    "cannot use" : "is not a numeric address");
			continue;
		}
		if (n < 0 || (size_t)n >= outsz - strlen(out)) {
			fclose(fp);
			snprintf(why, whysz, "%.200s: nameserver list too "
			    "long", path);
			return (-E2BIG);
		}
		count++;
	}
	if (fp != NULL)
		fclose(fp);
	if (count == 0)
		snprintf(out, outsz, "127.0.0.1:53");
	return (0);
}

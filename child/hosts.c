/*
 * NAME
 *	hosts 3
 * SUMMARY
 *	the hosts-file entries the parent handed over (smtp_host_lookup = native)
 * DESCRIPTION
 *	See hosts.h. The entries are kept as the parent sent them, in file
 *	order, in one array that grows by doubling up to SJ_HOSTS_MAX; a
 *	lookup is a linear scan (a hosts file has few entries, and a
 *	lookup happens once per destination host).
 *
 *	Module state: one static context (the child is single threaded).
 * SECURITY
 *	Child only. It opens no file: the parent read /etc/hosts (or
 *	$queue_directory/etc/hosts) before the child's lock-down and sent
 *	its pairs over the IPC socket.
 * SEE ALSO
 *	parent/hosts_file.c, child/dest.c, hosts(5)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hosts.h"
#include "sj_limits.h"

struct hosts_entry {
	struct dns_addr addr;
	char	name[SJ_HOSTNAME_MAX + 1];
};

static struct hosts_ctx {
	struct hosts_entry *v;
	size_t	n;
	size_t	size;
} hosts_ctx;

int
hosts_add(const struct ipc_hosts *h)
{
	struct hosts_entry e, *p;
	size_t	size, len;

	memset(&e, 0, sizeof(e));
	if (inet_pton(AF_INET, h->addr, e.addr.addr) == 1)
		e.addr.family = AF_INET;
	else if (inet_pton(AF_INET6, h->addr, e.addr.addr) == 1)
		e.addr.family = AF_INET6;
	else
		return (-EINVAL);
	len = strnlen(h->name, sizeof(h->name));
	if (len == 0 || len >= sizeof(e.name))
		return (-EINVAL);
	memcpy(e.name, h->name, len);
	/* "name." and "name" are one name. */
	if (len > 1 && e.name[len - 1] == '.')
		e.name[len - 1] = '\0';
	if (hosts_ctx.n == SJ_HOSTS_MAX)
		return (-E2BIG);
	if (hosts_ctx.n == hosts_ctx.size) {
		size = hosts_ctx.size ? hosts_ctx.size * 2 : 16;
		if (size > SJ_HOSTS_MAX)
			size = SJ_HOSTS_MAX;
		if ((p = realloc(hosts_ctx.v, size * sizeof(*p))) == NULL)
			return (-ENOMEM);
		hosts_ctx.v = p;
		hosts_ctx.size = size;
	}
	hosts_ctx.v[hosts_ctx.n++] = e;
	return (0);
}

size_t
hosts_lookup(const char *name, int inet4, int inet6, struct dns_addr *out,
    size_t max)
{
	const struct hosts_entry *e;
	size_t	i, n = 0, len = strlen(name);

	if (len > 1 && name[len - 1] == '.')
		len--;
	for (i = 0; i < hosts_ctx.n && n < max; i++) {
		e = &hosts_ctx.v[i];
		if (strlen(e->name) != len || strncasecmp(e->name, name, len))
			continue;
		if ((e->addr.family == AF_INET && !inet4) ||
		    (e->addr.family == AF_INET6 && !inet6))
			continue;
		out[n++] = e->addr;
	}
	return (n);
}

void
hosts_reset(void)
{
	free(hosts_ctx.v);
	memset(&hosts_ctx, 0, sizeof(hosts_ctx));
}

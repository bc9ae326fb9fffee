/*
 * NAME
 *	hosts.h 3h
 * SUMMARY
 *	the hosts-file entries the parent handed over (smtp_host_lookup = native)
 * DESCRIPTION
 *	hosts_add() stores one (address, name) pair of an IPC HOSTS
 *	message; hosts_lookup() returns, in file order, the addresses of
 *	the enabled families whose names include 'name' (ASCII case
 *	insensitive, a trailing dot ignored), as glibc's "files" source
 *	does for getaddrinfo(); hosts_reset() forgets them all.
 * SECURITY
 *	Child only. The pairs come from the parent, which read them from
 *	the administrator's file; each is checked again (address syntax,
 *	name length) and their number is bounded by SJ_HOSTS_MAX.
 */
#ifndef HOSTS_H
#define HOSTS_H

#include <stddef.h>

#include "dns.h"
#include "ipc_msg.h"

/* 0, -EINVAL (not an address), -E2BIG (SJ_HOSTS_MAX), -ENOMEM. */
int	hosts_add(const struct ipc_hosts *);

/* Matches of the enabled families, at most 'max' into out[]. */
size_t	hosts_lookup(const char *name, int inet4, int inet6,
	    struct dns_addr *out, size_t max);

void	hosts_reset(void);

#endif

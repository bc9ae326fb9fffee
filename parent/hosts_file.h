/*
 * NAME
 *	hosts_file.h 3h
 * SUMMARY
 *	read the hosts file for smtp_host_lookup = native
 * DESCRIPTION
 *	hosts_file_read() reads 'path' as glibc's "files" source of host
 *	names does: '#' starts a comment, the first field of a line is an
 *	IPv4 or IPv6 address (a line with another first field is
 *	skipped), every further field is a name of that address. Each
 *	(address, name) pair becomes one struct ipc_hosts, in file order;
 *	names that are no valid host name (RFC 1035 letters, digits, '-',
 *	'_', '.') or longer than SJ_HOSTNAME_MAX are skipped. A missing
 *	file is an empty list (glibc then finds nothing in it).
 *
 *	Returns 0 with *out (malloc'd, free() it) and *count set, or a
 *	negative errno with 'why': an unreadable file, more than
 *	SJ_HOSTS_MAX pairs.
 * SECURITY
 *	Parent only, at start (root, before the chroot): the file is the
 *	administrator's. Every copy is bounded by the ipc_hosts fields.
 * SEE ALSO
 *	hosts(5), child/hosts.c
 */
#ifndef HOSTS_FILE_H
#define HOSTS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"

int	hosts_file_read(const char *path, struct ipc_hosts **out,
	    uint32_t *count, char *why, size_t whysz);

#endif

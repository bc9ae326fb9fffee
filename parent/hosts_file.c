/*
 * NAME
 *	hosts_file 3
 * SUMMARY
 *	read the hosts file for smtp_host_lookup = native
 * DESCRIPTION
 *	See hosts_file.h. Stock smtp(8) with smtp_host_lookup = native
 *	calls getaddrinfo(), which consults glibc's NSS ("hosts: files
 *	dns" on Debian). The parent cannot run NSS (its seccomp filter
 *	forbids the sockets NSS modules open) and the child has no files,
 *	so the parent reads the file once at start and hands its pairs to
 *	the child (IPC HOSTS messages); the child answers from them, then
 *	from DNS, as the "files dns" order does. Other NSS sources
 *	(myhostname, mdns, ldap, ...), /etc/host.conf and /etc/gai.conf
 *	are not consulted.
 * SECURITY
 *	Parent only, before it drops privileges. Lines are read with a
 *	bounded buffer; a longer line is read in pieces, of which only the
 *	first is parsed (glibc does the same with its own limit).
 * SEE ALSO
 *	hosts(5), nsswitch.conf(5), Postfix src/smtp/smtp_addr.c
 *	(smtp_addr_one, SMTP_HOST_FLAG_NATIVE)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hosts_file.h"
#include "sj_limits.h"

#define HOSTS_SEP	" \t\r\n"

/* RFC 1035 label characters, plus '_' and '.' as resolvers accept them. */
static int
hosts_name_ok(const char *name)
{
	const char *cp;

	if (*name == '\0' || strlen(name) > SJ_HOSTNAME_MAX)
		return (0);
	for (cp = name; *cp != '\0'; cp++)
		if (!((*cp >= 'a' && *cp <= 'z') ||
		    (*cp >= 'A' && *cp <= 'Z') || (*cp >= '0' && *cp <= '9') ||
		    *cp == '-' || *cp == '_' || *cp == '.'))
			return (0);
	return (1);
}

int
hosts_file_read(const char *path, struct ipc_hosts **out, uint32_t *count,
    char *why, size_t whysz)
{
	struct ipc_hosts *v = NULL;
	unsigned char bin[sizeof(struct in6_addr)];
	char	line[4096], *addr, *name, *save, *hash;
	size_t	n = 0, len;
	int	skip = 0;
	FILE	*fp;

	*out = NULL;
	*count = 0;
	if ((fp = fopen(path, "re")) == NULL) {
		if (errno == ENOENT)
			return (0);
		snprintf(why, whysz, "smtp_host_lookup = native: open %.200s: "
		    "%s", path, strerror(errno));
		return (-errno);
	}
	if ((v = calloc(SJ_HOSTS_MAX, sizeof(*v))) == NULL) {
		fclose(fp);
		snprintf(why, whysz, "out of memory reading %.200s", path);
		return (-ENOMEM);
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		len = strlen(line);
		/* The rest of a long line: not a line of its own. */
		if (skip) {
			skip = len > 0 && line[len - 1] != '\n';
			continue;
		}
		skip = len > 0 && line[len - 1] != '\n' && !feof(fp);
		if ((hash = strchr(line, '#')) != NULL)
			*hash = '\0';
		if ((addr = strtok_r(line, HOSTS_SEP, &save)) == NULL ||
		    strlen(addr) > SJ_ADDR_TEXT_MAX ||
		    (inet_pton(AF_INET, addr, bin) != 1 &&
		    inet_pton(AF_INET6, addr, bin) != 1))
			continue;
		while ((name = strtok_r(NULL, HOSTS_SEP, &save)) != NULL) {
			if (!hosts_name_ok(name))
				continue;
			if (n == SJ_HOSTS_MAX) {
				fclose(fp);
				free(v);
				snprintf(why, whysz, "smtp_host_lookup = "
				    "native: %.200s has more than %d names",
				    path, SJ_HOSTS_MAX);
				return (-E2BIG);
			}
			memcpy(v[n].addr, addr, strlen(addr) + 1);
			memcpy(v[n].name, name, strlen(name) + 1);
			n++;
		}
	}
	if (ferror(fp)) {
		fclose(fp);
		free(v);
		snprintf(why, whysz, "smtp_host_lookup = native: read %.200s "
		    "failed", path);
		return (-EIO);
	}
	fclose(fp);
	*out = v;
	*count = (uint32_t)n;
	return (0);
}

/*
 * NAME
 *	master_svc 3
 * SUMMARY
 *	the master(8) service contract of a single_server delivery agent
 * DESCRIPTION
 *	What master(8) asks of a process that it starts for a "unix"
 *	service: the status record (pid, generation, avail) on fd 5, TAKEN
 *	right after accept() and AVAIL after the client is gone; the
 *	generation from $GENERATION (octal); the accept lock
 *	pid/<type>.<service>, opened while still root because pid/ is
 *	root-owned; listen sockets on fd 6 and up (-s).
 * SECURITY
 *	Parent. Inputs are master(8)'s descriptors and environment, which
 *	are trusted; values are still range-checked.
 * SEE ALSO
 *	parent/main.c; Postfix src/master/single_server.c,
 *	master_proto.[ch] (master_notify()), master_spawn.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "master_svc.h"

static int
master_svc_generation(unsigned *gen, char *why, size_t whysz)
{
	const char *s = getenv("GENERATION");
	char	*end;
	unsigned long v;

	*gen = 0;
	if (s == NULL)
		return (0);
	errno = 0;
	v = strtoul(s, &end, 8);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > UINT32_MAX) {
		snprintf(why, whysz, "bad GENERATION environment value: "
		    "'%.20s' (expected an octal number)", s);
		return (-EINVAL);
	}
	*gen = (unsigned)v;
	return (0);
}

int
master_svc_init(struct master_svc *svc, const struct sj_config *cfg,
    char *why, size_t whysz)
{
	char	path[512];
	int	i, err;

	memset(svc, 0, sizeof(*svc));
	svc->status_fd = -1;
	svc->lock_fd = -1;
	if ((err = master_svc_generation(&svc->generation, why, whysz)) < 0)
		return (err);
	if (cfg->opt_standalone)
		return (0);
	if (cfg->socket_count < 1 || cfg->socket_count > MASTER_LISTEN_MAX) {
		snprintf(why, whysz, "-s %d: out of range 1..%d",
		    cfg->socket_count, MASTER_LISTEN_MAX);
		return (-EINVAL);
	}
	if (fcntl(MASTER_STATUS_FD, F_GETFD) < 0) {
		snprintf(why, whysz, "master status descriptor %d is not open "
		    "(not started by master(8)? use -S to test by hand)",
		    MASTER_STATUS_FD);
		return (-EBADF);
	}
	svc->status_fd = MASTER_STATUS_FD;
	for (i = 0; i < cfg->socket_count; i++) {
		int	fd = MASTER_LISTEN_FD + i;

		if (fcntl(fd, F_GETFD) < 0) {
			snprintf(why, whysz, "listen descriptor %d is not open",
			    fd);
			return (-EBADF);
		}
		svc->listen_fd[svc->nlisten++] = fd;
	}
	/* Postfix marks its inherited descriptors close-on-exec. */
	for (i = MASTER_STATUS_FD; i < MASTER_LISTEN_FD + svc->nlisten; i++)
		(void)fcntl(i, F_SETFD, FD_CLOEXEC);
	if (cfg->opt_solitary)
		return (0);
	/* Open the accept lock now: pid/ is root-owned (single_server.c). */
	snprintf(path, sizeof(path), "pid/%s.%s", cfg->transport_type,
	    cfg->service_name);
	svc->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0600);
	if (svc->lock_fd < 0) {
		err = -errno;
		snprintf(why, whysz, "open lock file %s: %s", path,
		    strerror(errno));
		return (err);
	}
	return (0);
}

int
master_svc_status(struct master_svc *svc, int avail)
{
	/* Native int layout, one write of 12 bytes (master_proto.h). */
	struct {
		int	pid;
		unsigned gen;
		int	avail;
	} rec;
	ssize_t	n;

	if (svc->status_fd < 0)
		return (0);
	rec.pid = (int)getpid();
	rec.gen = svc->generation;
	rec.avail = avail ? 1 : 0;
	do {
		n = write(svc->status_fd, &rec, sizeof(rec));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (-errno);
	if ((size_t)n != sizeof(rec))
		return (-EIO);
	return (0);
}

int
master_svc_accept(struct master_svc *svc, int fd)
{
	int	conn, err = 0, flags;

	if (svc->lock_fd >= 0 && flock(svc->lock_fd, LOCK_EX) < 0)
		return (-errno);
	conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		err = -errno;
	if (svc->lock_fd >= 0)
		(void)flock(svc->lock_fd, LOCK_UN);
	if (conn < 0)
		return (err == -EWOULDBLOCK ? -EAGAIN : err);
	/* The listen socket is non-blocking; the connection must not be. */
	if ((flags = fcntl(conn, F_GETFL)) < 0 ||
	    fcntl(conn, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		err = -errno;
		close(conn);
		return (err);
	}
	return (conn);
}

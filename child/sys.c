/*
 * NAME
 *	sys 3
 * SUMMARY
 *	the child's system-call wrapper layer
 * DESCRIPTION
 *	See sj_sys.h. Thin wrappers that retry EINTR and return -errno, so
 *	that every system call the sandboxed child makes is visible in one
 *	file and can be checked against policy/policy_child.c.
 * SECURITY
 *	Child only, after lock-down. No wrapper takes a path name.
 * SEE ALSO
 *	policy/policy_child.c, SECURITY.md (syscall table)
 */
#include <errno.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "sj_sys.h"

static struct sys_ctx {
	int	cancel_fd;
} sys_ctx = { -1 };

#define RETRY(expr) do { \
	ssize_t	rv_; \
	do { rv_ = (expr); } while (rv_ < 0 && errno == EINTR); \
	return (rv_ < 0 ? -errno : rv_); \
} while (0)

int64_t
sys_now_ms(void)
{
	struct timespec ts;

	/* vDSO: no system call on x86_64, clock_gettime in the allow-list
	 * for the fallback. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
sys_wallclock(uint64_t *sec, uint32_t *usec)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*sec = (uint64_t)ts.tv_sec;
	*usec = (uint32_t)(ts.tv_nsec / 1000);
}

int
sys_socket_inet(int family, int type)
{
	int	fd;

	if (family != AF_INET && family != AF_INET6)
		return (-EAFNOSUPPORT);
	fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	return (fd < 0 ? -errno : fd);
}

int
sys_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (connect(fd, sa, len) < 0)
		return (-errno);
	return (0);
}

int
sys_connect_result(int fd)
{
	int	err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return (-errno);
	return (-err);
}

ssize_t
sys_read(int fd, void *buf, size_t len)
{
	RETRY(read(fd, buf, len));
}

ssize_t
sys_write(int fd, const void *buf, size_t len)
{
	RETRY(write(fd, buf, len));
}

ssize_t
sys_pread(int fd, void *buf, size_t len, off_t off)
{
	RETRY(pread(fd, buf, len, off));
}

ssize_t
sys_writev(int fd, const struct iovec *iov, int n)
{
	RETRY(writev(fd, iov, n));
}

ssize_t
sys_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
    socklen_t *salen)
{
	RETRY(recvfrom(fd, buf, len, flags, sa, salen));
}

ssize_t
sys_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	/* MSG_NOSIGNAL: a closed peer gives EPIPE, not SIGPIPE. */
	RETRY(sendto(fd, buf, len, flags | MSG_NOSIGNAL, sa, salen));
}

int
sys_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return (setsockopt(fd, level, name, val, len) < 0 ? -errno : 0);
}

int
sys_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	return (getsockname(fd, sa, len) < 0 ? -errno : 0);
}

int
sys_close(int fd)
{
	/* No retry: Linux releases the descriptor even on EINTR. */
	return (close(fd) < 0 ? -errno : 0);
}

int
sys_poll(struct pollfd *pfd, nfds_t n, int timeout_ms)
{
	int	rv = poll(pfd, n, timeout_ms);

	return (rv < 0 ? -errno : rv);
}

void
sys_set_cancel_fd(int fd)
{
	sys_ctx.cancel_fd = fd;
}

int
sys_wait(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd[2];
	int64_t	left;
	int	rv, n = 1;

	pfd[0].fd = fd;
	pfd[0].events = events;
	if (sys_ctx.cancel_fd >= 0) {
		pfd[1].fd = sys_ctx.cancel_fd;
		pfd[1].events = POLLIN;
		n = 2;
	}
	for (;;) {
		if (deadline_ms > 0) {
			left = deadline_ms - sys_now_ms();
			if (left <= 0)
				return (-ETIMEDOUT);
			if (left > 60000)
				left = 60000;
		} else {
			left = -1;
		}
		pfd[0].revents = 0;
		if (n == 2)
			pfd[1].revents = 0;
		rv = poll(pfd, (nfds_t)n, (int)left);
		if (rv < 0 && errno == EINTR)
			continue;
		if (rv < 0)
			return (-errno);
		if (n == 2 && pfd[1].revents != 0)
			return (-ECANCELED);
		if (pfd[0].revents != 0)
			return (0);
	}
}

/*
 * NAME
 *	sys 3
 * SUMMARY
 *	the child's system-call wrapper layer
 * DESCRIPTION
 *	See sj_sys.h. Thin wrappers that retry EINTR and return -errno, so
 *	that every system call the sandboxed child makes is visible in one
 *	file and can be checked against policy/policy_child.c. Sockets
 *	come from the parent (sys_connect_via(): an IPC round trip, the
 *	child's only replacement for socket() and connect()).
 * SECURITY
 *	Child only, after lock-down. No wrapper takes a path name.
 * SEE ALSO
 *	policy/policy_child.c, SECURITY.md (syscall table)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ipc_chan.h"
#include "msg.h"
#include "sj_sys.h"

static struct sys_ctx {
	int	cancel_fd;
	int	cancelled;		/* an ABORT was read by sys_connect_via() */
	int	ipc_fd;			/* where CONNECT goes; -1 = none */
	uint32_t job_id;
	int	abort_taken;
	sys_connector_fn connector;	/* tests outside the sandbox only */
	unsigned ehlo_discard;		/* of the last granted SOCKET */
} sys_ctx = { -1, 0, -1, 0, 0, NULL, 0 };

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

void
sys_set_ipc(int ipc_fd)
{
	sys_ctx.ipc_fd = ipc_fd;
}

void
sys_set_job(uint32_t job_id)
{
	sys_ctx.job_id = job_id;
	sys_ctx.abort_taken = 0;
	sys_ctx.cancelled = 0;
}

int
sys_abort_taken(void)
{
	return (sys_ctx.abort_taken);
}

void
sys_set_connector(sys_connector_fn fn)
{
	sys_ctx.connector = fn;
}

/* IPC trouble while asking: as child_main.c's child_recv() does. */
static void __attribute__((noreturn))
sys_ipc_fail(int err, const char *why)
{
	if (err == -ECONNRESET)
		_exit(0);			/* the parent is gone */
	msg_error("child: IPC protocol error: %s", why);
	_exit(1);
}

/*
 * The parent opens every socket (DESCRIPTION of sj_sys.h): CONNECT,
 * then read until its SOCKET. An ABORT for this job read meanwhile is
 * kept (sys_abort_taken()) and cancels every later sys_wait(); the
 * parent answers this CONNECT anyway, so the answer is still awaited.
 */
int
sys_connect_via(int purpose, const struct sockaddr *sa, socklen_t salen)
{
	struct ipc_msg m;
	char	why[256];
	const void *addr;
	unsigned port;
	int	err;

	/* A test's connector keeps what sys_set_ehlo_discard() set. */
	if (sys_ctx.connector != NULL)
		return (sys_ctx.connector(purpose, sa, salen));
	sys_ctx.ehlo_discard = 0;
	if (sys_ctx.ipc_fd < 0)
		return (-ENOTCONN);
	if (sys_ctx.cancelled)
		return (-ECANCELED);
	memset(&m, 0, sizeof(m));
	if (sa->sa_family == AF_INET && salen >= sizeof(struct sockaddr_in)) {
		addr = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
		port = ntohs(((const struct sockaddr_in *)(const void *)sa)->
		    sin_port);
	} else if (sa->sa_family == AF_INET6 &&
	    salen >= sizeof(struct sockaddr_in6)) {
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr;
		port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
	} else {
		return (-EAFNOSUPPORT);
	}
	if (port == 0 || inet_ntop(sa->sa_family, addr, m.u.connect.addr,
	    sizeof(m.u.connect.addr)) == NULL)
		return (-EINVAL);
	m.type = IPC_T_CONNECT;
	m.fd = -1;
	m.u.connect.job_id = sys_ctx.job_id;
	m.u.connect.purpose = (uint32_t)purpose;
	m.u.connect.port = port;
	if ((err = ipc_chan_send(sys_ctx.ipc_fd, &m)) < 0)
		sys_ipc_fail(err == -EPIPE ? -ECONNRESET : err, strerror(-err));
	for (;;) {
		err = ipc_chan_recv(sys_ctx.ipc_fd, IPC_P2C, &m, why,
		    sizeof(why));
		if (err == -EAGAIN || err == -EINTR)
			continue;
		if (err < 0)
			sys_ipc_fail(err, err == -EBADMSG || err == -EPROTO ?
			    why : strerror(-err));
		if (m.type == IPC_T_ABORT && m.u.abort.job_id == sys_ctx.job_id
		    && !sys_ctx.abort_taken) {
			sys_ctx.abort_taken = 1;
			sys_ctx.cancelled = 1;
			continue;
		}
		if (m.type != IPC_T_SOCKET ||
		    m.u.socket.job_id != sys_ctx.job_id) {
			ipc_msg_release(&m);
			sys_ipc_fail(-EBADMSG, "message other than SOCKET or "
			    "ABORT after CONNECT");
		}
		if (sys_ctx.cancelled) {
			ipc_msg_release(&m);
			return (-ECANCELED);
		}
		if (m.u.socket.error != 0)
			return (-(int)m.u.socket.error);
		sys_ctx.ehlo_discard = m.u.socket.ehlo_discard;
		return (m.fd);
	}
}

unsigned
sys_connect_ehlo_discard(void)
{
	return (sys_ctx.ehlo_discard);
}

void
sys_set_ehlo_discard(unsigned mask)
{
	sys_ctx.ehlo_discard = mask;
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
	/* The filter allows exactly IPPROTO_TCP/TCP_QUICKACK (smtp_ack.c). */
	return (setsockopt(fd, level, name, val, len) < 0 ? -errno : 0);
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
	if (fd < 0)
		sys_ctx.cancelled = 0;
}

int
sys_wait(int fd, short events, int64_t deadline_ms)
{
	struct pollfd pfd[2];
	int64_t	left;
	int	rv, n = 1;

	if (sys_ctx.cancelled)
		return (-ECANCELED);
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

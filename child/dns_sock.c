/*
 * NAME
 *	dns_sock 3
 * SUMMARY
 *	c-ares' socket functions in the child: handles and brokered sockets
 * DESCRIPTION
 *	dns_socket_functions() is what child/dns.c gives
 *	ares_set_socket_functions(): c-ares makes no socket system call
 *	itself, and the child makes none either: every socket comes from
 *	the parent (sys_connect_via()). dns_sock_fd() turns the handle
 *	c-ares holds into that socket, for the poll loop of dns.c.
 * SECURITY
 *	Child only, in the sandbox. What is received on these sockets is
 *	hostile; it is only passed to c-ares here.
 * SEE ALSO
 *	child/dns.c, child/sys.c, parent/broker.c, c-ares 1.18
 *	ares_set_socket_functions(3), src/lib/ares_process.c open_socket()
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "dns.h"
#include "ipc_msg.h"
#include "sj_sys.h"

#define DNS_SEND_BUF	2048	/* coalesced TCP writes */

/*
 * Socket functions for c-ares: each returns -1 with errno set, as
 * c-ares expects, and goes through the child's system-call layer.
 *
 * The child cannot create a socket, and c-ares 1.18 asks for one
 * before it says where it goes: open_socket() in ares_process.c calls
 * asocket(family, type, 0), then (user functions set) skips
 * configure_socket() and TCP_NODELAY, then aconnect(s, server) and
 * keeps 's' as the connection's identity. asocket() therefore hands out
 * a handle, not a descriptor (DNS_HANDLE_BASE + slot: above any
 * descriptor the child can hold, RLIMIT_NOFILE 32), aconnect() asks the
 * parent for a socket connected to the server (sys_connect_via(), DNS
 * UDP or TCP by the type asocket() was given), and every other
 * function, and the poll loop in dns_run(), translate the handle to
 * that descriptor. c-ares never uses the number as a descriptor itself
 * on this path: no fd_set (we use ares_getsock() and ares_process_fd()),
 * no fcntl or setsockopt (skipped for user socket functions).
 */
#define DNS_SOCK_MAX	8		/* UDP and TCP per server, and spare */
#define DNS_HANDLE_BASE	4096

/*
 * c-ares 1.18 closes a server's UDP socket as soon as no query is
 * pending (ARES_FLAG_STAYOPEN unset), so the MX lookup and the address
 * lookups of one delivery would each cost a CONNECT/SOCKET round trip
 * with the parent and a fresh socket there. A UDP socket c-ares closes
 * is parked here instead and handed back when c-ares next connects to
 * the same server address in the same job; dns_sock_job_end() closes
 * what is parked. Only UDP: a TCP connection has state. Per job, not
 * for the child's life: a new source port per delivery, as Postfix's
 * res_query() gets a new one per query, and no socket outlives the job
 * whose CONNECT the broker judged.
 */
#define DNS_SPARE_MAX	2

static struct dns_sock_ctx {
	struct {
		int	used;
		int	type;		/* SOCK_DGRAM or SOCK_STREAM */
		int	fd;		/* from the parent, or -1 */
		struct sockaddr_storage peer;	/* where it is connected */
		socklen_t peerlen;
	}	slot[DNS_SOCK_MAX];
	struct {
		int	fd;		/* -1: empty */
		struct sockaddr_storage peer;
		socklen_t peerlen;
	}	spare[DNS_SPARE_MAX];
	int	spare_init;
} dns_sock_ctx;

/* The spare slots start empty (fd -1), once. */
static void
dns_spare_init(void)
{
	int	i;

	if (dns_sock_ctx.spare_init)
		return;
	for (i = 0; i < DNS_SPARE_MAX; i++)
		dns_sock_ctx.spare[i].fd = -1;
	dns_sock_ctx.spare_init = 1;
}

/* Park a UDP socket c-ares closed; 0 if kept, -1 to close it now. */
static int
dns_spare_put(int fd, const struct sockaddr_storage *peer, socklen_t len)
{
	int	i;

	dns_spare_init();
	if (len == 0)
		return (-1);
	for (i = 0; i < DNS_SPARE_MAX; i++) {
		if (dns_sock_ctx.spare[i].fd >= 0)
			continue;
		dns_sock_ctx.spare[i].fd = fd;
		dns_sock_ctx.spare[i].peer = *peer;
		dns_sock_ctx.spare[i].peerlen = len;
		return (0);
	}
	return (-1);
}

/*
 * A parked socket connected to sa, emptied of what arrived since its
 * last query (late or duplicate answers: c-ares would drop them by ID
 * and question anyway), or -1.
 */
static int
dns_spare_take(const struct sockaddr *sa, socklen_t salen)
{
	unsigned char junk[512];
	ssize_t	rv;
	int	i, fd, n;

	dns_spare_init();
	for (i = 0; i < DNS_SPARE_MAX; i++) {
		fd = dns_sock_ctx.spare[i].fd;
		if (fd < 0 || dns_sock_ctx.spare[i].peerlen != salen ||
		    memcmp(&dns_sock_ctx.spare[i].peer, sa, salen) != 0)
			continue;
		dns_sock_ctx.spare[i].fd = -1;
		/* The parent made it non-blocking: EAGAIN when empty. */
		for (n = 0; n < 16; n++)
			if ((rv = sys_recvfrom(fd, junk, sizeof(junk), 0,
			    NULL, NULL)) < 0)
				break;
		if (n < 16 && rv == -EAGAIN)
			return (fd);
		(void)sys_close(fd);	/* an error queued: start afresh */
		return (-1);
	}
	return (-1);
}

void
dns_sock_job_end(void)
{
	int	i;

	dns_spare_init();
	for (i = 0; i < DNS_SPARE_MAX; i++) {
		if (dns_sock_ctx.spare[i].fd >= 0)
			(void)sys_close(dns_sock_ctx.spare[i].fd);
		dns_sock_ctx.spare[i].fd = -1;
	}
}

/* The slot of handle h, or -1. */
static int
dns_slot(ares_socket_t h)
{
	long	i = (long)h - DNS_HANDLE_BASE;

	if (i < 0 || i >= DNS_SOCK_MAX || !dns_sock_ctx.slot[i].used)
		return (-1);
	return ((int)i);
}

/* The descriptor behind handle h, or -1 with errno set. */
int
dns_sock_fd(ares_socket_t h)
{
	int	i = dns_slot(h);

	if (i < 0) {
		errno = EBADF;
		return (-1);
	}
	if (dns_sock_ctx.slot[i].fd < 0) {
		errno = ENOTCONN;
		return (-1);
	}
	return (dns_sock_ctx.slot[i].fd);
}

static ares_socket_t
dns_sock_open(int family, int type, int protocol, void *arg)
{
	int	i;

	(void)arg;
	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if ((family != AF_INET && family != AF_INET6) ||
	    (type != SOCK_DGRAM && type != SOCK_STREAM)
	    || (protocol != 0
	    && protocol != (type == SOCK_DGRAM ? IPPROTO_UDP : IPPROTO_TCP))) {
		errno = EINVAL;
		return (ARES_SOCKET_BAD);
	}
	for (i = 0; i < DNS_SOCK_MAX; i++)
		if (!dns_sock_ctx.slot[i].used)
			break;
	if (i == DNS_SOCK_MAX) {
		errno = EMFILE;
		return (ARES_SOCKET_BAD);
	}
	dns_sock_ctx.slot[i].used = 1;
	dns_sock_ctx.slot[i].type = type;
	dns_sock_ctx.slot[i].fd = -1;
	return (DNS_HANDLE_BASE + i);
}

static int
dns_sock_close(ares_socket_t h, void *arg)
{
	int	i = dns_slot(h), fd, rv;

	(void)arg;
	if (i < 0) {
		errno = EBADF;
		return (-1);
	}
	fd = dns_sock_ctx.slot[i].fd;
	dns_sock_ctx.slot[i].used = 0;
	dns_sock_ctx.slot[i].fd = -1;
	if (fd >= 0 && dns_sock_ctx.slot[i].type == SOCK_DGRAM &&
	    dns_spare_put(fd, &dns_sock_ctx.slot[i].peer,
	    dns_sock_ctx.slot[i].peerlen) == 0)
		return (0);
	if (fd >= 0 && (rv = sys_close(fd)) < 0) {
		errno = -rv;
		return (-1);
	}
	return (0);
}

static int
dns_sock_connect(ares_socket_t h, const struct sockaddr *sa,
    ares_socklen_t salen, void *arg)
{
	int	i = dns_slot(h), fd;

	(void)arg;
	if (i < 0) {
		errno = EBADF;
		return (-1);
	}
	if (dns_sock_ctx.slot[i].fd >= 0) {
		errno = EISCONN;
		return (-1);
	}
	if (dns_sock_ctx.slot[i].type == SOCK_DGRAM && salen > 0 &&
	    (size_t)salen <= sizeof(dns_sock_ctx.slot[i].peer) &&
	    (fd = dns_spare_take(sa, salen)) >= 0) {
		dns_sock_ctx.slot[i].fd = fd;
		memcpy(&dns_sock_ctx.slot[i].peer, sa, salen);
		dns_sock_ctx.slot[i].peerlen = salen;
		return (0);
	}
	fd = sys_connect_via(dns_sock_ctx.slot[i].type == SOCK_DGRAM ?
	    IPC_CONN_DNS_UDP : IPC_CONN_DNS_TCP, sa, salen);
	if (fd < 0) {
		errno = -fd;
		return (-1);
	}
	dns_sock_ctx.slot[i].fd = fd;
	dns_sock_ctx.slot[i].peerlen = 0;
	if (salen > 0 && (size_t)salen <= sizeof(dns_sock_ctx.slot[i].peer)) {
		memcpy(&dns_sock_ctx.slot[i].peer, sa, salen);
		dns_sock_ctx.slot[i].peerlen = salen;
	}
	return (0);
}

static ares_ssize_t
dns_sock_recvfrom(ares_socket_t h, void *buf, size_t len, int flags,
    struct sockaddr *sa, ares_socklen_t *salen, void *arg)
{
	ssize_t	rv;
	int	fd;

	(void)arg;
	if ((fd = dns_sock_fd(h)) < 0)
		return (-1);
	if ((rv = sys_recvfrom(fd, buf, len, flags, sa, salen)) < 0) {
		errno = (int)-rv;
		return (-1);
	}
	return (rv);
}

/*
 * sendto() with MSG_NOSIGNAL rather than writev(): a TCP server that
 * resets the connection must give EPIPE, not SIGPIPE. UDP queries are
 * always one buffer; several TCP queries are coalesced, and a short
 * write is fine on a stream.
 */
static ares_ssize_t
dns_sock_sendv(ares_socket_t h, const struct iovec *iov, int n, void *arg)
{
	unsigned char buf[DNS_SEND_BUF];
	size_t	len = 0;
	ssize_t	rv;
	int	i, fd;

	(void)arg;
	if ((fd = dns_sock_fd(h)) < 0)
		return (-1);
	if (n <= 0) {
		errno = EINVAL;
		return (-1);
	}
	if (n == 1 || iov[0].iov_len >= sizeof(buf)) {
		rv = sys_sendto(fd, iov[0].iov_base, iov[0].iov_len, 0, NULL, 0);
	} else {
		for (i = 0; i < n && iov[i].iov_len <= sizeof(buf) - len; i++) {
			memcpy(buf + len, iov[i].iov_base, iov[i].iov_len);
			len += iov[i].iov_len;
		}
		rv = sys_sendto(fd, buf, len, 0, NULL, 0);
	}
	if (rv < 0) {
		errno = (int)-rv;
		return (-1);
	}
	return (rv);
}

static const struct ares_socket_functions dns_sock_funcs = {
	dns_sock_open,
	dns_sock_close,
	dns_sock_connect,
	dns_sock_recvfrom,
	dns_sock_sendv,
};

const struct ares_socket_functions *
dns_socket_functions(void)
{
	return (&dns_sock_funcs);
}

/*
 * NAME
 *	ipc_chan 3
 * SUMMARY
 *	the parent <-> child socketpair: framing and descriptor passing
 * DESCRIPTION
 *	See ipc_chan.h. One SOCK_SEQPACKET datagram is one message, so a
 *	message arrives whole or not at all and never needs reassembly.
 *	ipc_chan_send() encodes with ipc_msg_encode() and attaches exactly
 *	one descriptor (SCM_RIGHTS) when the table declares one, and none
 *	otherwise; ipc_chan_send_timed() gives up with -ETIMEDOUT when
 *	the peer leaves no room in the socket buffer for that long (the
 *	parent's sends, so that a child that stops reading cannot hold
 *	it). ipc_chan_recv() receives into a buffer one byte larger
 *	than the largest legal message, so that an oversize datagram is
 *	seen as such, with room in the control buffer for several
 *	descriptors, so that a peer that sends more than one cannot leave
 *	any of them open in this process: every descriptor that came with
 *	a refused message is closed before returning.
 * SECURITY
 *	Both processes. In the parent the peer is the sandboxed child and
 *	hostile: it may send truncated, oversize or empty datagrams,
 *	control messages of any kind and descriptors it should not send.
 *	System calls made here (for the child's allow-list): sendmsg,
 *	recvmsg, close, and poll (zero timeout, only after a 0-byte read).
 * SEE ALSO
 *	ipc_msg(3), unix(7) SCM_RIGHTS, OpenSSH monitor_fdpass.c
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "ipc_chan.h"
#include "ipc_msg.h"
#include "ipc_msg_int.h"
#include "sj_limits.h"

/*
 * Room for this many descriptors in the receive control buffer. One is
 * legal; the rest is there so that extra descriptors are installed
 * (and then closed by us) rather than cut off with MSG_CTRUNC, which
 * is refused as well and also closes what was installed.
 */
#define IPC_CHAN_FDS_MAX	8

int
ipc_chan_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return (-errno);
	return (0);
}

int
ipc_chan_send(int sock, const struct ipc_msg *msg)
{
	return (ipc_chan_send_timed(sock, msg, -1));
}

/* Milliseconds on the monotonic clock. */
static long long
ipc_chan_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

static int ipc_chan_send_buf(int, const struct ipc_msg *, int,
    unsigned char *, size_t);
static int ipc_chan_recv_buf(int, enum ipc_dir, struct ipc_msg *, char *,
    size_t, unsigned char *, size_t);

/*
 * The encoded bytes of a message can hold a secret (SASL_CRED's password):
 * both ends wipe their buffer once the message is sent or decoded.
 */
int
ipc_chan_send_timed(int sock, const struct ipc_msg *msg, int timeout_ms)
{
	unsigned char buf[SJ_IPC_MSG_MAX];
	int	rv;

	rv = ipc_chan_send_buf(sock, msg, timeout_ms, buf, sizeof(buf));
	explicit_bzero(buf, sizeof(buf));
	return (rv);
}

int
ipc_chan_recv(int sock, enum ipc_dir dir, struct ipc_msg *msg, char *why,
    size_t whysz)
{
	unsigned char buf[SJ_IPC_MSG_MAX + 1];
	int	rv;

	rv = ipc_chan_recv_buf(sock, dir, msg, why, whysz, buf, sizeof(buf));
	explicit_bzero(buf, sizeof(buf));
	return (rv);
}

static int
ipc_chan_send_buf(int sock, const struct ipc_msg *msg, int timeout_ms,
    unsigned char *buf, size_t bufsz)
{
	union {
		struct cmsghdr hdr;
		unsigned char buf[CMSG_SPACE(sizeof(int))];
	}	cbuf;
	const struct ipc_msg_spec *spec;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	ssize_t	n, r;

	if ((spec = ipc_msg_spec(msg->type)) == NULL)
		return (-EINVAL);
	/* Exactly one descriptor where the table declares one, else none. */
	if (ipc_msg_wants_fd(msg) != (msg->fd >= 0))
		return (-EINVAL);
	if ((n = ipc_msg_encode(msg, buf, bufsz)) < 0)
		return ((int)n);

	memset(&mh, 0, sizeof(mh));
	iov.iov_base = buf;
	iov.iov_len = (size_t)n;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (msg->fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &msg->fd, sizeof(int));
	}
	if (timeout_ms < 0) {
		do {
			r = sendmsg(sock, &mh, MSG_NOSIGNAL);
		} while (r < 0 && errno == EINTR);
	} else {
		/*
		 * A peer that does not read fills the socket buffer: wait
		 * for room, never longer than the timeout in total.
		 */
		long long deadline = ipc_chan_now_ms() + timeout_ms, left;
		struct pollfd pfd;

		for (;;) {
			r = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (r >= 0 || (errno != EINTR && errno != EAGAIN))
				break;
			if (errno == EINTR)
				continue;
			if ((left = deadline - ipc_chan_now_ms()) <= 0)
				return (-ETIMEDOUT);
			pfd.fd = sock;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
				return (-errno);
		}
	}
	if (r < 0)
		return (errno == ECONNRESET ? -EPIPE : -errno);
	/* SOCK_SEQPACKET sends all or nothing. */
	if (r != n)
		return (-EIO);
	return (0);
}

static void
ipc_chan_close_all(int *fds, size_t nfds)
{
	size_t	i;

	for (i = 0; i < nfds; i++)
		(void)close(fds[i]);
}

/*
 * A 0-byte read is either the peer gone or an empty datagram: only the
 * former sets POLLHUP/POLLRDHUP. An empty datagram is a protocol error.
 */
static int
ipc_chan_peer_gone(int sock)
{
	struct pollfd pfd;
	int	rv;

	pfd.fd = sock;
	pfd.events = POLLIN | POLLRDHUP;
	pfd.revents = 0;
	do {
		rv = poll(&pfd, 1, 0);
	} while (rv < 0 && errno == EINTR);
	/* If poll fails, believe the 0-byte read. */
	return (rv < 0 || (pfd.revents & (POLLHUP | POLLRDHUP)) != 0);
}

static int
ipc_chan_recv_buf(int sock, enum ipc_dir dir, struct ipc_msg *msg, char *why,
    size_t whysz, unsigned char *buf, size_t bufsz)
{
	union {
		struct cmsghdr hdr;
		unsigned char buf[CMSG_SPACE(IPC_CHAN_FDS_MAX * sizeof(int))];
	}	cbuf;
	int	fds[IPC_CHAN_FDS_MAX];
	size_t	nfds = 0, i, cnt;
	int	other_level = -1, other_type = -1;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	const char *name;
	uint16_t type;
	ssize_t	n;

	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	if (why != NULL && whysz > 0)
		why[0] = '\0';

	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = buf;
	iov.iov_len = bufsz;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (errno == EWOULDBLOCK ? -EAGAIN : -errno);

	/* Take every descriptor the kernel installed, whatever follows. */
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			other_level = cm->cmsg_level;
			other_type = cm->cmsg_type;
			continue;
		}
		if (cm->cmsg_len < CMSG_LEN(0))
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < cnt; i++) {
			int	fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (nfds < IPC_CHAN_FDS_MAX)
				fds[nfds++] = fd;
			else if (fd >= 0)
				(void)close(fd);	/* cbuf holds no more */
		}
	}

	/* Name the message in diagnostics when its type is there. */
	if (n >= 4) {
		type = (uint16_t)(buf[2] | (buf[3] << 8));
		name = ipc_msg_name(type);
	} else {
		name = "message";
	}

	if (mh.msg_flags & MSG_CTRUNC) {
		ipc_why(why, whysz, "%s: control data truncated (more "
		    "than %d descriptors?)", name, IPC_CHAN_FDS_MAX);
		goto refuse;
	}
	if (mh.msg_flags & MSG_TRUNC) {
		ipc_why(why, whysz, "%s: datagram truncated: larger "
		    "than %zu bytes", name, bufsz);
		goto refuse;
	}
	if (other_level != -1) {
		ipc_why(why, whysz, "%s: control message level %d type "
		    "%d is not SCM_RIGHTS", name, other_level, other_type);
		goto refuse;
	}
	if (nfds > 1) {
		ipc_why(why, whysz, "%s: %zu descriptors in one message",
		    name, nfds);
		goto refuse;
	}
	if (n == 0 && nfds == 0) {
		if (ipc_chan_peer_gone(sock))
			return (-ECONNRESET);
		ipc_why(why, whysz, "empty datagram");
		return (-EBADMSG);
	}
	if ((size_t)n > SJ_IPC_MSG_MAX) {
		ipc_why(why, whysz, "%s: datagram of %zd bytes exceeds "
		    "%d", name, n, SJ_IPC_MSG_MAX);
		goto refuse;
	}
	/* ipc_msg_decode() owns the descriptor from here, and closes it
	 * if it refuses the message. */
	return (ipc_msg_decode(dir, buf, (size_t)n, nfds ? fds[0] : -1, msg,
	    why, whysz));

refuse:
	ipc_chan_close_all(fds, nfds);
	return (-EBADMSG);
}

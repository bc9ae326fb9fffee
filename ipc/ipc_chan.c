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
 *	seen as such, through ipc_fdpass_recv(), whose control buffer has
 *	room for several descriptors, so that a peer that sends more than
 *	one cannot leave any of them open in this process: every
 *	descriptor that came with a refused message is closed before
 *	returning.
 * SECURITY
 *	Both processes. In the parent the peer is the sandboxed child and
 *	hostile: it may send truncated, oversize or empty datagrams,
 *	control messages of any kind and descriptors it should not send.
 *	System calls made here (for the child's allow-list): close, and
 *	poll (zero timeout, only after a 0-byte read); sendmsg, recvmsg
 *	and close in ipc_fdpass(3).
 * SEE ALSO
 *	ipc_msg(3), ipc_fdpass(3), unix(7) SCM_RIGHTS
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "ipc_chan.h"
#include "ipc_fdpass.h"
#include "ipc_msg.h"
#include "ipc_msg_int.h"
#include "sj_limits.h"

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
	const struct ipc_msg_spec *spec;
	ssize_t	n;
	size_t	nfds = msg->fd >= 0 ? 1 : 0;
	int	r;

	if ((spec = ipc_msg_spec(msg->type)) == NULL)
		return (-EINVAL);
	/* Exactly one descriptor where the table declares one, else none. */
	if (ipc_msg_wants_fd(msg) != (msg->fd >= 0))
		return (-EINVAL);
	if ((n = ipc_msg_encode(msg, buf, bufsz)) < 0)
		return ((int)n);

	if (timeout_ms < 0) {
		r = ipc_fdpass_send(sock, buf, (size_t)n, MSG_NOSIGNAL,
		    &msg->fd, nfds);
	} else {
		/*
		 * A peer that does not read fills the socket buffer: wait
		 * for room, never longer than the timeout in total.
		 */
		long long deadline = ipc_chan_now_ms() + timeout_ms, left;
		struct pollfd pfd;

		for (;;) {
			r = ipc_fdpass_send(sock, buf, (size_t)n,
			    MSG_NOSIGNAL | MSG_DONTWAIT, &msg->fd, nfds);
			if (r != -EAGAIN)
				break;
			if ((left = deadline - ipc_chan_now_ms()) <= 0)
				return (-ETIMEDOUT);
			pfd.fd = sock;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
				return (-errno);
		}
	}
	/* -EIO: SOCK_SEQPACKET sends all or nothing. */
	return (r == -ECONNRESET ? -EPIPE : r);
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
	struct ipc_fdpass_info in;
	const char *name;
	uint16_t type;
	size_t	n;
	int	fd, err;

	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	if (why != NULL && whysz > 0)
		why[0] = '\0';

	/* One descriptor kept; any others were closed, but counted. */
	err = ipc_fdpass_recv(sock, buf, bufsz, MSG_CMSG_CLOEXEC, &fd, 1,
	    &in);
	if (err < 0 && err != -ETOOMANYREFS && err != -EMSGSIZE)
		return (err == -EWOULDBLOCK ? -EAGAIN : err);
	n = in.len;

	/* Name the message in diagnostics when its type is there. */
	if (n >= 4) {
		type = (uint16_t)(buf[2] | (buf[3] << 8));
		name = ipc_msg_name(type);
	} else {
		name = "message";
	}

	/* ipc_fdpass_recv() closed every descriptor of these two. */
	if (err == -ETOOMANYREFS) {
		ipc_why(why, whysz, "%s: control data truncated (more "
		    "than %d descriptors?)", name, SJ_FDPASS_FDS_MAX);
		return (-EBADMSG);
	}
	if (err == -EMSGSIZE) {
		ipc_why(why, whysz, "%s: datagram truncated: larger "
		    "than %zu bytes", name, bufsz);
		return (-EBADMSG);
	}
	if (in.other_level != -1) {
		ipc_why(why, whysz, "%s: control message level %d type "
		    "%d is not SCM_RIGHTS", name, in.other_level,
		    in.other_type);
		goto refuse;
	}
	if (in.nfds + in.nextra > 1) {
		ipc_why(why, whysz, "%s: %zu descriptors in one message",
		    name, in.nfds + in.nextra);
		goto refuse;
	}
	if (n == 0 && in.nfds + in.nextra == 0) {
		if (ipc_chan_peer_gone(sock))
			return (-ECONNRESET);
		ipc_why(why, whysz, "empty datagram");
		return (-EBADMSG);
	}
	if (n > SJ_IPC_MSG_MAX) {
		ipc_why(why, whysz, "%s: datagram of %zu bytes exceeds "
		    "%d", name, n, SJ_IPC_MSG_MAX);
		goto refuse;
	}
	/* ipc_msg_decode() owns the descriptor from here, and closes it
	 * if it refuses the message. */
	return (ipc_msg_decode(dir, buf, n, fd, msg, why, whysz));

refuse:
	if (fd >= 0)
		(void)close(fd);
	return (-EBADMSG);
}

/*
 * NAME
 *	ipc_fdpass 3
 * SUMMARY
 *	one datagram with descriptors (SCM_RIGHTS): send and receive
 * DESCRIPTION
 *	See ipc_fdpass.h. The one place where smtpjail builds and parses
 *	the control data of unix(7) descriptor passing; the callers keep
 *	their own framing and their own checks of what came (the IPC
 *	channel, ipc/ipc_chan.c; the spawner's answers, policy/spawner.c;
 *	scache(8)'s descriptors, parent/child_lend.c).
 *
 *	A message is sent with exactly one SCM_RIGHTS control message of
 *	CMSG_LEN(nfds * sizeof(int)) bytes, in a control buffer of
 *	CMSG_SPACE() of that, or with no control data when there is no
 *	descriptor: what each caller sent before this module. The receive
 *	control buffer has room for SJ_FDPASS_FDS_MAX descriptors whatever
 *	the caller keeps, so that a peer that sends more than expected has
 *	them installed here and closed, rather than cut off by the kernel
 *	with MSG_CTRUNC (which is refused, and also closes what fitted).
 *	Every descriptor the kernel installed is either handed to the
 *	caller or closed before returning.
 * SECURITY
 *	Every process: the parent (from the child, which is hostile, from
 *	the spawner and from scache(8)), the spawner and the child. System
 *	calls made here (for the spawner's and the child's allow-lists):
 *	sendmsg and recvmsg with the caller's descriptor and flags, close.
 * SEE ALSO
 *	unix(7) SCM_RIGHTS, cmsg(3), ipc_chan(3), OpenSSH monitor_fdpass.c
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ipc_fdpass.h"
#include "sj_limits.h"

/* Room for the largest control message either direction builds. */
union ipc_fdpass_cbuf {
	struct cmsghdr hdr;
	unsigned char buf[CMSG_SPACE(SJ_FDPASS_FDS_MAX * sizeof(int))];
};

int
ipc_fdpass_send(int sock, const void *buf, size_t len, int flags,
    const int *fds, size_t nfds)
{
	union ipc_fdpass_cbuf cbuf;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	ssize_t	n;

	if (nfds > SJ_FDPASS_FDS_MAX || (nfds > 0 && fds == NULL))
		return (-EINVAL);
	memset(&mh, 0, sizeof(mh));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (-errno);
	/* SOCK_SEQPACKET sends all or nothing; a stream may not. */
	return ((size_t)n == len ? 0 : -EIO);
}

/* Close what was kept and count it with the rest: nothing is kept. */
static void
ipc_fdpass_drop(int *fds, struct ipc_fdpass_info *info)
{
	size_t	i;

	for (i = 0; i < info->nfds; i++) {
		(void)close(fds[i]);
		fds[i] = -1;
	}
	info->nextra += info->nfds;
	info->nfds = 0;
}

int
ipc_fdpass_recv(int sock, void *buf, size_t bufsz, int flags, int *fds,
    size_t maxfds, struct ipc_fdpass_info *info)
{
	union ipc_fdpass_cbuf cbuf;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	size_t	i, cnt;
	ssize_t	n;
	int	fd;

	memset(info, 0, sizeof(*info));
	info->other_level = info->other_type = -1;
	if (maxfds > SJ_FDPASS_FDS_MAX || (maxfds > 0 && fds == NULL))
		return (-EINVAL);
	for (i = 0; i < maxfds; i++)
		fds[i] = -1;

	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = buf;
	iov.iov_len = bufsz;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = sizeof(cbuf.buf);
	do {
		n = recvmsg(sock, &mh, flags);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return (-errno);
	info->len = (size_t)n;

	/* Take every descriptor the kernel installed, whatever follows. */
	for (cm = CMSG_FIRSTHDR(&mh); cm != NULL; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS) {
			info->other_level = cm->cmsg_level;
			info->other_type = cm->cmsg_type;
			continue;
		}
		if (cm->cmsg_len < CMSG_LEN(0))
			continue;
		cnt = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < cnt; i++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof(int));
			if (fd < 0) {		/* not from Linux */
				info->nextra++;
				continue;
			}
			if (info->nfds < maxfds) {
				fds[info->nfds++] = fd;
			} else {
				(void)close(fd);
				info->nextra++;
			}
		}
	}
	if (mh.msg_flags & MSG_CTRUNC) {
		ipc_fdpass_drop(fds, info);
		return (-ETOOMANYREFS);
	}
	if (mh.msg_flags & MSG_TRUNC) {
		ipc_fdpass_drop(fds, info);
		return (-EMSGSIZE);
	}
	return (0);
}

/*
 * NAME
 *	ipc_fdpass.h 3h
 * SUMMARY
 *	one datagram with descriptors (SCM_RIGHTS): send and receive
 * DESCRIPTION
 *	ipc_fdpass_send() sends 'len' bytes with 'nfds' descriptors (none:
 *	no control data at all) in one sendmsg(), as one SCM_RIGHTS
 *	control message. ipc_fdpass_recv() receives one message into
 *	'buf' and keeps at most 'maxfds' of the descriptors that came with
 *	it; any others are closed. A truncated datagram or truncated
 *	control data is an error, and then no descriptor is kept. What
 *	the message may carry (how many descriptors, of what kind, with
 *	which bytes) is the caller's to check.
 */
#ifndef IPC_FDPASS_H
#define IPC_FDPASS_H

#include <stddef.h>

/* What came with the bytes besides what fds[] holds. */
struct ipc_fdpass_info {
	size_t	len;		/* bytes in buf; also with -EMSGSIZE and
				 * -ETOOMANYREFS (then cut at bufsz) */
	size_t	nfds;		/* descriptors kept in fds[], <= maxfds */
	size_t	nextra;		/* descriptors that came and were closed:
				 * past maxfds, or all with an error */
	int	other_level;	/* the last control message that is not */
	int	other_type;	/* SCM_RIGHTS (-1: none) */
};

/*
 * 0 when all 'len' bytes went; -EINVAL for more than SJ_FDPASS_FDS_MAX
 * descriptors; -EIO for a short send; else sendmsg()'s -errno (EINTR
 * is retried). 'flags' go to sendmsg() unchanged.
 */
int	ipc_fdpass_send(int sock, const void *buf, size_t len, int flags,
	    const int *fds, size_t nfds);
/*
 * 0 and info filled; fds[0..maxfds-1] hold the kept descriptors, then
 * -1. Errors, with every descriptor that came closed and fds[] all -1:
 * -EINVAL for maxfds above SJ_FDPASS_FDS_MAX; -ETOOMANYREFS when the
 * control data was truncated (MSG_CTRUNC: more than SJ_FDPASS_FDS_MAX
 * descriptors, or other control data besides them); -EMSGSIZE when
 * the datagram was longer than bufsz (MSG_TRUNC); else recvmsg()'s
 * -errno (EINTR is retried; -EAGAIN when non-blocking and nothing
 * came). A length of 0 is the peer's EOF or an empty datagram: the
 * caller tells them apart. 'flags' go to recvmsg() unchanged.
 */
int	ipc_fdpass_recv(int sock, void *buf, size_t bufsz, int flags,
	    int *fds, size_t maxfds, struct ipc_fdpass_info *info);

#endif

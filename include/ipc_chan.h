/*
 * NAME
 *	ipc_chan.h 3h
 * SUMMARY
 *	the socketpair between parent and child: send, receive, fd passing
 * DESCRIPTION
 *	ipc_chan_pair() creates the SOCK_SEQPACKET|SOCK_CLOEXEC pair.
 *	ipc_chan_send() encodes and sends one message, with its descriptor
 *	(SCM_RIGHTS) when the table declares one. ipc_chan_recv() receives
 *	one datagram with MSG_CMSG_CLOEXEC, refuses truncated datagrams
 *	(MSG_TRUNC/MSG_CTRUNC), more than one descriptor, or control data
 *	that is not SCM_RIGHTS, and decodes it with ipc_msg_decode().
 *	Descriptors that arrive with a refused message are closed.
 */
#ifndef IPC_CHAN_H
#define IPC_CHAN_H

#include "ipc_msg.h"

int	ipc_chan_pair(int fds[2]);
/* 0 or negative errno; -EPIPE when the peer is gone. */
int	ipc_chan_send(int sock, const struct ipc_msg *msg);
/* Same, waiting at most timeout_ms for room (-1: no limit); -ETIMEDOUT. */
int	ipc_chan_send_timed(int sock, const struct ipc_msg *msg,
	    int timeout_ms);
/*
 * 0 and a decoded msg; -ECONNRESET on orderly EOF (peer gone);
 * -EAGAIN if non-blocking and nothing there; -EBADMSG/-EPROTO with
 * why[] filled for a protocol violation; other negative errno.
 */
int	ipc_chan_recv(int sock, enum ipc_dir dir, struct ipc_msg *msg,
	    char *why, size_t whysz);

#endif

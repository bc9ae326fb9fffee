/*
 * NAME
 *	local_connector.h 3h
 * SUMMARY
 *	tests outside the sandbox: sockets opened locally, not by a parent
 * DESCRIPTION
 *	The child asks its parent for every socket (sys_connect_via()).
 *	Unit tests that run child code in the test process have no parent
 *	and no sandbox: sys_set_connector(local_connect) makes them open
 *	and connect the socket themselves, as the broker would (non-blocking,
 *	close-on-exec, connect started). Test code only.
 */
#ifndef LOCAL_CONNECTOR_H
#define LOCAL_CONNECTOR_H

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipc_msg.h"
#include "sj_sys.h"

static int
local_connect(int purpose, const struct sockaddr *sa, socklen_t salen)
{
	int	fd, type = purpose == IPC_CONN_DNS_UDP ? SOCK_DGRAM : SOCK_STREAM;

	if ((fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return (-errno);
	if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS) {
		int	err = -errno;

		close(fd);
		return (err);
	}
	return (fd);
}

#endif

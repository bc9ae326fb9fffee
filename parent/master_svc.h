/*
 * NAME
 *	master_svc.h 3h
 * SUMMARY
 *	the master(8) service contract of a single_server delivery agent
 */
#ifndef MASTER_SVC_H
#define MASTER_SVC_H

#include "sj_config.h"

#define MASTER_STATUS_FD	5	/* status socketpair shared with master */
#define MASTER_LISTEN_FD	6	/* first listen socket */
#define MASTER_LISTEN_MAX	16	/* -s upper bound */

struct master_svc {
	int	status_fd;		/* -1 in stand-alone mode */
	int	listen_fd[MASTER_LISTEN_MAX];
	int	nlisten;
	int	lock_fd;		/* pid/<type>.<service>, -1 if solitary */
	unsigned generation;		/* from $GENERATION, octal */
	unsigned use_count;
};

/* Before privileges go: GENERATION, lock file, fd checks. */
int	master_svc_init(struct master_svc *, const struct sj_config *,
	    char *why, size_t whysz);
/* Writes the 12-byte status record; 0 or -errno. */
int	master_svc_status(struct master_svc *, int avail);
/*
 * Accepts one connection from listen socket 'fd' under the accept lock.
 * Returns the connection (blocking, close-on-exec), -EAGAIN when another
 * process won, or another -errno.
 */
int	master_svc_accept(struct master_svc *, int fd);

#endif

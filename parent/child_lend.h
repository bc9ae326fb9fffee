/*
 * NAME
 *	child_lend.h 3h
 * SUMMARY
 *	idle sandboxed children lent to the transport's other processes
 *	through scache(8)
 * DESCRIPTION
 *	See parent/child_lend.c.
 */
#ifndef CHILD_LEND_H
#define CHILD_LEND_H

#include <stddef.h>
#include <sys/types.h>

#include "attr.h"
#include "sj_config.h"
#include "sj_limits.h"

/*
 * How long after its start a child may still be lent: a borrower lends
 * it on only before this, so that the process whose spawner made it
 * knows when it may exit without cutting a borrower's job short
 * (child_pool_close_all()). Children are cheap to make; this only bounds
 * how long one is handed around.
 */
#define SJ_LEND_HORIZON_MS	10000
/* How long a lender's exit waits, past the horizon, for a borrowed
 * child's job to end before its spawner kills it. */
#define SJ_LEND_GRACE_MS	20000

/* "smtpjail:" SERVICE ":" IPC_VERSION ":" 32 hex ":" NEXTHOP */
#define SJ_LEND_SERVICE_MAX	100
#define SJ_LEND_LABEL_MAX	(9 + SJ_LEND_SERVICE_MAX + 12 + 33 + \
	SJ_NEXTHOP_MAX + 1)
/* "pid=N;until=MS": what the lender says about the child. */
#define SJ_LEND_PROP_MAX	64

/* What a child's label does not say, written by the parent that lends. */
struct child_lend_props {
	pid_t	pid;			/* the child, for logs and reaping */
	long long until_ms;		/* CLOCK_MONOTONIC: last lend */
};

struct child_lend {
	int	enabled;		/* smtpjail_child_sharing, scache alive */
	int	fd;			/* connection to scache(8); -1: none */
	struct attr_stream stream;	/* reads fd's replies */
	int	timeout;		/* s, per wait: connection_cache_protocol_timeout */
	char	svc_dir[16];		/* "private" */
	char	service[32];		/* "scache" */
	/* "smtpjail:SERVICE:VERSION:DIGEST:" */
	char	prefix[SJ_LEND_LABEL_MAX - SJ_NEXTHOP_MAX];
};

/*
 * Parent: label prefix from the service name and a digest of every
 * message a child gets before its first job (CONFIG, HOSTS, CHECK), so
 * that only a child configured exactly as this process would configure
 * it is ever borrowed. Sharing is off when cfg says so. 0, or -1 with
 * why[] (then sharing stays off).
 */
int	child_lend_init(struct child_lend *, const struct sj_config *,
	    char *why, size_t whysz);
/* Gives scache(8) a copy of the child's IPC socket for ttl_s seconds
 * (the caller closes its own). 0 when scache(8) may hold it (also when
 * the reply after the descriptor is lost: the caller must then not keep
 * the child); negative errno when it was not taken. */
int	child_lend_save(struct child_lend *, const char *nexthop, int ipc_fd,
	    const struct child_lend_props *, int ttl_s);
/* A lent child of this nexthop: its IPC socket (checked to be a
 * SOCK_SEQPACKET socket pair end that nothing is waiting on), or a
 * negative errno (-ENOENT: none cached). */
int	child_lend_find(struct child_lend *, const char *nexthop,
	    struct child_lend_props *);
void	child_lend_close(struct child_lend *);

/* Parsing and formatting of the props text (exported for tests). */
int	child_lend_props_format(char *buf, size_t bufsz,
	    const struct child_lend_props *);
int	child_lend_props_parse(const char *text, struct child_lend_props *);

#endif

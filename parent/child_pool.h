/*
 * NAME
 *	child_pool.h 3h
 * SUMMARY
 *	one sandboxed child per destination, a few kept idle
 */
#ifndef CHILD_POOL_H
#define CHILD_POOL_H

#include <poll.h>

#include "child_ctl.h"
#include "child_lend.h"
#include "sj_limits.h"
#include "sj_spawner.h"

/*
 * Idle children kept, one per recently used nexthop; the least recently
 * used is closed first. Each holds its own connection cache (up to
 * SJ_CONN_CACHE_MAX sessions), so this bounds the sessions kept too.
 */
#define SJ_CHILD_POOL_MAX	4

struct child_pool_slot {
	int	used;			/* a live child is in cc */
	struct child_ctl cc;
	char	nexthop[SJ_NEXTHOP_MAX + 1];	/* the only one it serves */
	long long idle_since_ms;	/* CLOCK_MONOTONIC */
	long long until_ms;		/* lendable until (child_lend.h) */
	unsigned jobs;			/* jobs served */
};

/*
 * Children closed without waiting (a new destination took the slot):
 * the spawner reports their exit later. One still there after
 * CHILD_EXIT_WAIT_MS is killed (SPAWNER_KILL), as child_ctl_stop()
 * would have; when this list is full a child is stopped the slow way.
 */
#define SJ_CHILD_POOL_REAP_MAX	16

struct child_pool_reap {
	pid_t	pid;			/* 0: free */
	long long kill_at_ms;		/* CLOCK_MONOTONIC */
	int	killed;			/* SPAWNER_KILL sent */
};

/*
 * Children of our spawner out on loan (parent/child_lend.c), until their
 * spawner reports their end. Bounded so that the pool, the children
 * being stopped and these stay within SJ_SPAWNER_CHILDREN_MAX: when it
 * is full, an idle child is closed instead of lent.
 */
#define SJ_CHILD_LEND_MAX	(SJ_SPAWNER_CHILDREN_MAX - SJ_CHILD_POOL_MAX - \
	SJ_CHILD_POOL_REAP_MAX)

struct child_pool_lent {
	pid_t	pid;			/* 0: free */
	long long until_ms;		/* its lend horizon */
	int	killed;			/* SPAWNER_KILL sent */
};

struct child_pool {
	const struct sj_config *cfg;
	struct spawner sp;
	struct child_pool_slot slot[SJ_CHILD_POOL_MAX];
	struct child_pool_reap reap[SJ_CHILD_POOL_REAP_MAX];
	struct child_lend lend;		/* off until child_pool_share() */
	int	lend_at_put;		/* lend when a job ends, not only on need */
	/* The nexthop of the job before: a process that serves one
	 * destination job after job keeps its child (no scache(8) turns). */
	char	last_nexthop[SJ_NEXTHOP_MAX + 1];
	struct child_pool_lent lent[SJ_CHILD_LEND_MAX];
};

/* Parent, root: starts the spawner. 0, or -1 with why[] filled. */
int	child_pool_init(struct child_pool *, const struct sj_config *,
	    char *why, size_t whysz);
/* Under master(8), once the configuration is complete (content
 * checks loaded): share idle children with the transport's other
 * processes through scache(8) when smtpjail_child_sharing says so. */
void	child_pool_share(struct child_pool *);
/*
 * The child for this nexthop: the idle one that served it before, one
 * another process lent (child_lend.c), or a new one from the spawner
 * (started: READY, CONFIG). NULL with why[] when none can be had;
 * child_pool_broken() then says whether the spawner is gone.
 */
struct child_ctl *child_pool_get(struct child_pool *, const char *nexthop,
	    char *why, size_t whysz);
/* The job on cc ended; 'broken': stop that child (logged), only it. */
void	child_pool_put(struct child_pool *, struct child_ctl *, int broken);
/* The spawner is gone: no more children can be had. */
int	child_pool_broken(struct child_pool *);
/* Poll set of the idle children and the spawner; returns the count, and
 * the poll timeout (ms, -1: none) for the next idle time limit. */
int	child_pool_poll_fds(struct child_pool *, struct pollfd *, int max,
	    int *timeout_ms);
/* After poll(): an idle child that spoke or died is stopped (logged),
 * idle ones past smtp_connection_cache_time_limit are closed, the
 * spawner's reports are read. -1 when the spawner is gone. */
int	child_pool_poll_done(struct child_pool *, const struct pollfd *,
	    int n);
/* Before an exit: idle children still within their horizon are lent
 * rather than closed (a $max_use exit would waste them). */
void	child_pool_lend_idle(struct child_pool *);
/* Every child closed; children on loan waited for (at most until their
 * horizon plus SJ_LEND_GRACE_MS), then the spawner stopped. */
void	child_pool_close_all(struct child_pool *);
/* Children of our spawner out on loan now. */
unsigned child_pool_lent_count(const struct child_pool *);
/* For --sandbox-check: the spawner's pid. */
pid_t	child_pool_spawner_pid(const struct child_pool *);

#endif

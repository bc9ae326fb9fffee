/*
 * NAME
 *	child_pool 3
 * SUMMARY
 *	one sandboxed child per destination, a few kept idle
 * DESCRIPTION
 *	A child serves the jobs of one nexthop only: the request's nexthop
 *	as qmgr sent it, compared byte for byte. child_pool_get() returns
 *	the idle child that served that nexthop before, or asks the spawner
 *	(policy/spawner.c) for a new one and starts it (READY, CONFIG:
 *	child_ctl_start()). At most SJ_CHILD_POOL_MAX children are kept;
 *	when a new one is needed and every slot is taken, the least
 *	recently used child is closed first. An idle child is closed when
 *	it has been idle for smtp_connection_cache_time_limit (its cached
 *	sessions would be closed by then anyway), so interleaved
 *	destinations do not pay for a new child per job, and a destination
 *	seen once does not keep a process.
 *
 *	A child that dies, hangs or breaks the protocol is stopped by
 *	child_pool_put(.., broken) and its slot freed: that ends its own
 *	job (parent/deliver.c defers what it did not report) and nothing
 *	else. An idle child that speaks or dies is stopped the same way.
 *	Only the spawner's end (EOF, a broken answer) ends the parent,
 *	which then finishes the request in hand and exits: master(8)
 *	starts a fresh parent and spawner.
 * SECURITY
 *	Parent. The key is qmgr's nexthop (trusted); nothing a child says
 *	decides which child gets a job.
 * SEE ALSO
 *	parent/child_ctl.c, policy/spawner.c, parent/deliver.c
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child_pool.h"
#include "msg.h"

static long long
child_pool_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

int
child_pool_init(struct child_pool *pool, const struct sj_config *cfg,
    char *why, size_t whysz)
{
	memset(pool, 0, sizeof(*pool));
	pool->cfg = cfg;
	return (spawner_start(&pool->sp, cfg, why, whysz));
}

/* Stop the child of a slot and free the slot; 'warn': log why. */
static void
child_pool_close(struct child_pool *pool, struct child_pool_slot *s,
    int warn)
{
	char	why[1024];

	(void)pool;
	if (!s->used)
		return;
	child_ctl_stop(&s->cc, why, sizeof(why));
	if (warn)
		msg_warn("sandboxed child stopped: %s", why);
	else
		msg_verbose("sandboxed child for %s closed: %s", s->nexthop,
		    why);
	s->used = 0;
}

/*
 * An idle child's slot is needed: close it without waiting for its exit
 * (EOF ends it: it writes QUIT to its cached sessions and exits; the
 * spawner reaps it and reports). child_pool_reap() collects the report,
 * or has the child killed if it is still there after CHILD_EXIT_WAIT_MS.
 */
static void
child_pool_release(struct child_pool *pool, struct child_pool_slot *s)
{
	struct child_pool_reap *r;
	pid_t	pid;

	for (r = pool->reap; r < pool->reap + SJ_CHILD_POOL_REAP_MAX; r++)
		if (r->pid == 0)
			break;
	if (r == pool->reap + SJ_CHILD_POOL_REAP_MAX) {
		child_pool_close(pool, s, 0);	/* waits */
		return;
	}
	msg_verbose("sandboxed child for %s released", s->nexthop);
	if ((pid = child_ctl_release(&s->cc)) > 0) {
		r->pid = pid;
		r->kill_at_ms = child_pool_now_ms() + CHILD_EXIT_WAIT_MS;
		r->killed = 0;
	}
	s->used = 0;
}

/* Released children: forget those that ended, kill the late ones. */
static void
child_pool_reap(struct child_pool *pool)
{
	struct child_pool_reap *r;
	long long now = child_pool_now_ms();
	int	st;

	for (r = pool->reap; r < pool->reap + SJ_CHILD_POOL_REAP_MAX; r++) {
		if (r->pid == 0)
			continue;
		if (spawner_exit_status(&pool->sp, r->pid, 0, &st) != 0) {
			r->pid = 0;	/* ended, or the spawner is gone */
			continue;
		}
		if (now < r->kill_at_ms)
			continue;
		if (r->killed) {
			/* Its spawner reports no exit: let it be. */
			msg_warn("child pid %d did not exit after SIGKILL",
			    (int)r->pid);
			r->pid = 0;
			continue;
		}
		msg_warn("child pid %d did not exit on EOF: killed",
		    (int)r->pid);
		if (spawner_kill(&pool->sp, r->pid) < 0) {
			r->pid = 0;
			continue;
		}
		r->killed = 1;
		r->kill_at_ms = now + CHILD_KILL_WAIT_MS;
	}
}

struct child_ctl *
child_pool_get(struct child_pool *pool, const char *nexthop, char *why,
    size_t whysz)
{
	struct child_pool_slot *s, *lru = NULL, *slot = NULL;
	char	how[512];
	int	err;

	if (strlen(nexthop) >= sizeof(pool->slot[0].nexthop)) {
		snprintf(why, whysz, "nexthop longer than smtpjail's limit");
		return (NULL);
	}
	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++) {
		if (!s->used) {
			if (slot == NULL)
				slot = s;
			continue;
		}
		if (strcmp(s->nexthop, nexthop) == 0)
			return (&s->cc);
		if (lru == NULL || s->idle_since_ms < lru->idle_since_ms)
			lru = s;
	}
	if (slot == NULL) {
		/* Not waited for: this job needs its child now. */
		child_pool_release(pool, lru);
		slot = lru;
	}
	err = child_ctl_spawn_from(&slot->cc, &pool->sp, why, whysz);
	if (err < 0)
		return (NULL);
	slot->used = 1;
	slot->jobs = 0;
	snprintf(slot->nexthop, sizeof(slot->nexthop), "%s", nexthop);
	if (child_ctl_start(&slot->cc, pool->cfg, how, sizeof(how)) < 0) {
		snprintf(why, whysz, "sandboxed child did not start: %s", how);
		child_ctl_stop(&slot->cc, how, sizeof(how));
		msg_warn("sandboxed child stopped: %s", how);
		slot->used = 0;
		return (NULL);
	}
	return (&slot->cc);
}

void
child_pool_put(struct child_pool *pool, struct child_ctl *cc, int broken)
{
	struct child_pool_slot *s;

	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++) {
		if (!s->used || &s->cc != cc)
			continue;
		s->jobs++;
		s->idle_since_ms = child_pool_now_ms();
		if (broken)
			child_pool_close(pool, s, 1);
		return;
	}
	msg_panic("child_pool_put: child not in the pool");
}

int
child_pool_broken(struct child_pool *pool)
{
	return (pool->sp.dead);
}

int
child_pool_poll_fds(struct child_pool *pool, struct pollfd *pfd, int max,
    int *timeout_ms)
{
	struct child_pool_slot *s;
	struct child_pool_reap *r;
	long long now = child_pool_now_ms(), limit, left;
	int	n = 0;

	limit = (long long)pool->cfg->child.cache_time_limit * 1000;
	*timeout_ms = -1;
	if (n < max && pool->sp.fd >= 0) {
		pfd[n].fd = pool->sp.fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	/* A released child not reported yet: look again by its deadline. */
	for (r = pool->reap; r < pool->reap + SJ_CHILD_POOL_REAP_MAX; r++) {
		if (r->pid == 0)
			continue;
		left = r->kill_at_ms - now;
		if (left < 0)
			left = 0;
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
	}
	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++) {
		if (!s->used || n >= max)
			continue;
		pfd[n].fd = s->cc.ipc_fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
		left = s->idle_since_ms + limit - now;
		if (left < 0)
			left = 0;
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = left > 3600000 ? 3600000 : (int)left;
	}
	return (n);
}

int
child_pool_poll_done(struct child_pool *pool, const struct pollfd *pfd,
    int n)
{
	struct child_pool_slot *s;
	struct ipc_msg m;
	long long now = child_pool_now_ms(), limit;
	char	why[1024];
	unsigned logs;
	int	i, err;
	pid_t	pid;

	limit = (long long)pool->cfg->child.cache_time_limit * 1000;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == pool->sp.fd) {
			(void)spawner_drain(&pool->sp);
			continue;
		}
		for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++)
			if (s->used && s->cc.ipc_fd == pfd[i].fd)
				break;
		if (s == pool->slot + SJ_CHILD_POOL_MAX)
			continue;
		/* An idle child spoke or died: either way it is done. */
		pid = s->cc.pid;
		logs = s->cc.log_count;
		err = child_ctl_recv(&s->cc, &m, 1000, why, sizeof(why));
		if (err == 0) {
			ipc_msg_release(&m);
			snprintf(why, sizeof(why), "unsolicited %s",
			    ipc_msg_name(m.type));
		} else if (err == -ETIMEDOUT && s->cc.log_count != logs) {
			/* It logged (child_ctl_recv() did), then fell
			 * silent. */
			snprintf(why, sizeof(why), "unsolicited LOG");
		}
		msg_warn("child pid %d between requests: %s", (int)pid, why);
		child_pool_close(pool, s, err != -ECONNRESET);
	}
	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++)
		if (s->used && now - s->idle_since_ms >= limit)
			child_pool_close(pool, s, 0);
	child_pool_reap(pool);
	return (pool->sp.dead ? -1 : 0);
}

void
child_pool_close_all(struct child_pool *pool)
{
	struct child_pool_slot *s;

	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++)
		child_pool_close(pool, s, 0);
	spawner_stop(&pool->sp);
}

pid_t
child_pool_spawner_pid(const struct child_pool *pool)
{
	return (pool->sp.pid);
}

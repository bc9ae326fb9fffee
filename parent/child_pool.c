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
 *	Under master(8) (child_pool_share()), idle children are also
 *	shared with the transport's other processes through scache(8)
 *	(parent/child_lend.c): a child whose slot is needed for another
 *	nexthop, or that is idle when the process exits, is lent rather
 *	than closed while it is within its lend horizon, and a nexthop
 *	with no idle child here is looked up in scache(8) before the
 *	spawner is asked. An idle child stays here otherwise, for
 *	smtp_connection_cache_time_limit as before (scache(8) would keep
 *	it at most connection_cache_ttl_limit); a borrowed one at most
 *	until its horizon. A borrowed child is driven
 *	as our own, except that we cannot kill it: closing its channel
 *	ends it, and the process whose spawner made it kills it once its
 *	loan is over (child_pool_close_all() waits for the children it
 *	lent until their horizon plus SJ_LEND_GRACE_MS, then has the
 *	spawner kill them, before it exits).
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
	pool->lend.fd = -1;
	return (spawner_start(&pool->sp, cfg, why, whysz));
}

void
child_pool_share(struct child_pool *pool)
{
	char	why[256];

	if (child_lend_init(&pool->lend, pool->cfg, why, sizeof(why)) < 0)
		msg_warn("sandboxed children are not shared: %s", why);
	/* scache(8) keeps a loan at most connection_cache_ttl_limit: lend
	 * each idle child at once only where that does not shorten its
	 * idle life (smtp_connection_cache_time_limit), as with the
	 * defaults; otherwise only when its slot is needed or at exit. */
	pool->lend_at_put = pool->lend.enabled &&
	    pool->cfg->child.cache_time_limit <= pool->cfg->scache_ttl_limit;
}

/* A child of our spawner is out on loan: remember it until it ends. */
static void
child_pool_lent_add(struct child_pool *pool, pid_t pid, long long until)
{
	struct child_pool_lent *e;

	for (e = pool->lent; e < pool->lent + SJ_CHILD_LEND_MAX; e++) {
		if (e->pid != 0)
			continue;
		e->pid = pid;
		e->until_ms = until;
		e->killed = 0;
		return;
	}
	msg_panic("child_pool_lent_add: no room for pid %d", (int)pid);
}

/* 1 if pid was one of ours on loan (and is no longer listed). */
static int
child_pool_lent_take(struct child_pool *pool, pid_t pid)
{
	struct child_pool_lent *e;

	for (e = pool->lent; e < pool->lent + SJ_CHILD_LEND_MAX; e++) {
		if (e->pid != pid || pid == 0)
			continue;
		e->pid = 0;
		return (1);
	}
	return (0);
}

/*
 * Children on loan that the spawner reported ended: forget them. One
 * still there SJ_LEND_GRACE_MS after its horizon (no borrower keeps a
 * child past its horizon, so only one that ignores EOF or a job that
 * long) is killed, as at exit (child_pool_lent_wait()).
 */
static void
child_pool_lent_reap(struct child_pool *pool)
{
	struct child_pool_lent *e;
	long long now = child_pool_now_ms();
	int	st;

	for (e = pool->lent; e < pool->lent + SJ_CHILD_LEND_MAX; e++) {
		if (e->pid == 0)
			continue;
		/* Reports were read by child_pool_poll_done(). */
		if (pool->sp.dead || spawner_exit_taken(&pool->sp, e->pid,
		    &st)) {
			e->pid = 0;	/* ended, or the spawner is gone */
			continue;
		}
		if (now < e->until_ms + SJ_LEND_GRACE_MS)
			continue;
		if (e->killed) {
			if (now < e->until_ms + SJ_LEND_GRACE_MS +
			    CHILD_KILL_WAIT_MS)
				continue;
			msg_warn("lent child pid %d did not exit after SIGKILL",
			    (int)e->pid);
			e->pid = 0;
			continue;
		}
		msg_warn("lent child pid %d still running at the end of its "
		    "loan: killed", (int)e->pid);
		if (spawner_kill(&pool->sp, e->pid) < 0) {
			e->pid = 0;
			continue;
		}
		e->killed = 1;
	}
}

/*
 * An idle child whose slot is needed: lend it through scache(8) if it
 * may still be lent. 1 when scache(8) has it (the slot is ours to
 * reuse); 0 when it was not lent (the caller closes it as before).
 */
static int
child_pool_lend(struct child_pool *pool, struct child_pool_slot *s)
{
	struct child_lend_props p;
	long long left = s->until_ms - child_pool_now_ms();
	int	ttl = (int)pool->cfg->child.cache_time_limit;

	/* Less than a second of loan left is not worth a round trip. */
	if (!pool->lend.enabled || left < 1000 || s->cc.pid < 0 ||
	    (!s->cc.borrowed &&
	    child_pool_lent_count(pool) >= SJ_CHILD_LEND_MAX))
		return (0);
	if ((long long)ttl * 1000 > left)
		ttl = (int)(left / 1000);
	p.pid = s->cc.pid;
	p.until_ms = s->until_ms;
	if (child_lend_save(&pool->lend, s->nexthop, s->cc.ipc_fd, &p,
	    ttl) < 0)
		return (0);
	msg_verbose("sandboxed child pid %d for %s lent for %d s",
	    (int)p.pid, s->nexthop, ttl);
	/* Our copies go as for any child let go without waiting (its
	 * stderr, no longer read, is logged and closed: a later write
	 * fails with EPIPE and cannot block it); one of our spawner's is
	 * listed until it ends. */
	if (child_ctl_release(&s->cc) > 0)
		child_pool_lent_add(pool, p.pid, p.until_ms);
	s->used = 0;
	return (1);
}

/*
 * A child another process lent us, for this nexthop, into 'slot'. 0,
 * or -1 when there is none (or sharing is off).
 */
static int
child_pool_borrow(struct child_pool *pool, struct child_pool_slot *slot,
    const char *nexthop)
{
	struct child_lend_props p;
	int	fd, tries;

	for (tries = 0; tries < 2 && pool->lend.enabled; tries++) {
		if ((fd = child_lend_find(&pool->lend, nexthop, &p)) == -ENOENT)
			return (-1);
		if (fd < 0)
			continue;	/* one that spoke or ended: the next */
		memset(&slot->cc, 0, sizeof(slot->cc));
		slot->cc.pid = p.pid;
		slot->cc.ipc_fd = fd;
		slot->cc.err_fd = -1;
		/* One of ours coming back is ours again: we can kill it. */
		if (child_pool_lent_take(pool, p.pid))
			slot->cc.sp = &pool->sp;
		else
			slot->cc.borrowed = 1;
		slot->used = 1;
		slot->jobs = 0;
		slot->until_ms = p.until_ms;
		snprintf(slot->nexthop, sizeof(slot->nexthop), "%s", nexthop);
		msg_verbose("sandboxed child pid %d for %s: borrowed%s",
		    (int)p.pid, nexthop, slot->cc.borrowed ? "" :
		    " (our own, back)");
		return (0);
	}
	return (-1);
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

	if (child_pool_lend(pool, s))
		return;
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
		if (pool->sp.dead || spawner_exit_taken(&pool->sp, r->pid,
		    &st)) {
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
	if (child_pool_borrow(pool, slot, nexthop) == 0)
		return (&slot->cc);
	err = child_ctl_spawn_from(&slot->cc, &pool->sp, why, whysz);
	if (err < 0)
		return (NULL);
	slot->used = 1;
	slot->jobs = 0;
	slot->until_ms = child_pool_now_ms() + SJ_LEND_HORIZON_MS;
	msg_verbose("sandboxed child pid %d for %s: new", (int)slot->cc.pid,
	    nexthop);
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

	int	streak;

	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++) {
		if (!s->used || &s->cc != cc)
			continue;
		s->jobs++;
		s->idle_since_ms = child_pool_now_ms();
		/* Two jobs in a row for this nexthop: the next is likely
		 * ours too, and the child stays here. */
		streak = strcmp(pool->last_nexthop, s->nexthop) == 0;
		snprintf(pool->last_nexthop, sizeof(pool->last_nexthop), "%s",
		    s->nexthop);
		if (broken)
			child_pool_close(pool, s, 1);
		/* Idle now: offered to every process of the service, as
		 * smtp(8) offers an idle session (smtp_reuse.c). */
		else if (pool->lend_at_put && !streak &&
		    child_pool_lend(pool, s))
			return;
		/* A borrowed child past its horizon is not kept: its
		 * lender kills it SJ_LEND_GRACE_MS later. */
		else if (s->cc.borrowed && s->idle_since_ms >= s->until_ms)
			child_pool_close(pool, s, 0);
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
	struct child_pool_lent *l;
	long long now = child_pool_now_ms(), limit, left;
	int	n = 0;

	limit = (long long)pool->cfg->child.cache_time_limit * 1000;
	*timeout_ms = -1;
	if (n < max && pool->sp.fd >= 0) {
		pfd[n].fd = pool->sp.fd;
		pfd[n].events = POLLIN;
		pfd[n++].revents = 0;
	}
	/* A child on loan: look again when it is due to be killed. */
	for (l = pool->lent; l < pool->lent + SJ_CHILD_LEND_MAX; l++) {
		if (l->pid == 0)
			continue;
		left = l->until_ms + SJ_LEND_GRACE_MS +
		    (l->killed ? CHILD_KILL_WAIT_MS : 0) - now;
		if (left < 0)
			left = 0;
		if (*timeout_ms < 0 || left < *timeout_ms)
			*timeout_ms = (int)left;
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
		if (s->cc.borrowed && s->until_ms - now < left)
			left = s->until_ms - now;
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
	int	i, err, sp_ready = 0;
	pid_t	pid;

	limit = (long long)pool->cfg->child.cache_time_limit * 1000;
	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		if (pfd[i].fd == pool->sp.fd) {
			sp_ready = 1;	/* read below */
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
		if (s->used && (now - s->idle_since_ms >= limit ||
		    (s->cc.borrowed && now >= s->until_ms)))
			child_pool_close(pool, s, 0);
	/* Every report that came, once; then the lists look them up (and
	 * those read meanwhile by spawner_exit_status(), kept too). */
	if (sp_ready && !pool->sp.dead)
		(void)spawner_drain(&pool->sp);
	child_pool_reap(pool);
	child_pool_lent_reap(pool);
	return (pool->sp.dead ? -1 : 0);
}

/*
 * Before the spawner goes (and its children with it): wait for each
 * child on loan to end, at most until its horizon plus the grace, then
 * have it killed. A borrower's job still running then is deferred by the
 * borrower, as for any child that dies.
 */
static void
child_pool_lent_wait(struct child_pool *pool)
{
	struct child_pool_lent *e;
	long long left;
	int	st, r;

	for (e = pool->lent; e < pool->lent + SJ_CHILD_LEND_MAX; e++) {
		if (e->pid == 0 || pool->sp.dead)
			continue;
		left = e->until_ms + SJ_LEND_GRACE_MS - child_pool_now_ms();
		r = spawner_exit_status(&pool->sp, e->pid,
		    left > 0 ? (int)left : 0, &st);
		if (r == 0) {
			msg_warn("lent child pid %d still running at the end "
			    "of its loan: killed", (int)e->pid);
			if (spawner_kill(&pool->sp, e->pid) == 0)
				(void)spawner_exit_status(&pool->sp, e->pid,
				    CHILD_KILL_WAIT_MS, &st);
		}
		e->pid = 0;
	}
}

void
child_pool_lend_idle(struct child_pool *pool)
{
	struct child_pool_slot *s;

	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++)
		if (s->used)
			(void)child_pool_lend(pool, s);
}

void
child_pool_close_all(struct child_pool *pool)
{
	struct child_pool_slot *s;

	for (s = pool->slot; s < pool->slot + SJ_CHILD_POOL_MAX; s++)
		child_pool_close(pool, s, 0);
	child_lend_close(&pool->lend);
	pool->lend.enabled = 0;
	child_pool_lent_wait(pool);
	spawner_stop(&pool->sp);
}

pid_t
child_pool_spawner_pid(const struct child_pool *pool)
{
	return (pool->sp.pid);
}

unsigned
child_pool_lent_count(const struct child_pool *pool)
{
	const struct child_pool_lent *e;
	unsigned n = 0;

	for (e = pool->lent; e < pool->lent + SJ_CHILD_LEND_MAX; e++)
		n += e->pid != 0;
	return (n);
}

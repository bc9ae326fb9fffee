/*
 * NAME
 *	child_ctl 3
 * SUMMARY
 *	the parent's side of the child: spawn, talk, supervise, reap
 * DESCRIPTION
 *	child_ctl_spawn_from() takes a child from the spawner
 *	(policy/spawner.c), which made the IPC socketpair and the stderr
 *	pipe, forked it while root, and hands over the parent's ends; the
 *	spawner reaps it and reports how it ended, and kills it when asked
 *	(the parent, as $mail_owner, cannot). This is how smtpjail's parent
 *	gets every child (parent/child_pool.c).
 *
 *	child_ctl_spawn() forks a child itself: it creates the socketpair
 *	and pipe, prepares what the child inherits (child_prepare(): the
 *	recipient slots and seccomp program), and forks; the child runs
 *	child_main() and never returns. Tests and tools that run as root
 *	use it; the parent frees what it prepared once READY has come (or
 *	the child is stopped).
 *	child_ctl_start() waits for READY (the child sends it only after its
 *	sandbox is in place) and sends CONFIG. child_ctl_recv() returns the
 *	child's next result message; LOG messages and the child's stderr
 *	(a seccomp trap report, a sanitizer report) are logged through
 *	parent/child_log.c (fixed prefix, one per-job budget). Sends to
 *	the child give up after CHILD_SEND_TIMEOUT_MS.
 *
 *	When the child is gone the reason is made explicit: exit status,
 *	signal, and for SIGSYS "killed by seccomp" with what to do next
 *	(from waitpid(), or the spawner's EXIT report).
 * SECURITY
 *	Parent. Everything from the child is hostile: messages are decoded
 *	by ipc_msg_decode() for the parent's direction only; stderr bytes
 *	are censored and cut into bounded lines.
 * SEE ALSO
 *	child/child_main.c, ipc/ipc_chan.c, SECURITY.md
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child_ctl.h"
#include "child_log.h"
#include "child_main.h"
#include "ipc_chan.h"
#include "msg.h"
#include "sj_text.h"

int
child_ctl_spawn(struct child_ctl *cc, const struct sj_config *cfg,
    char *why, size_t whysz)
{
	int	sv[2], ep[2], err;
	pid_t	pid;

	memset(cc, 0, sizeof(*cc));
	cc->pid = -1;
	cc->ipc_fd = cc->err_fd = -1;
	if ((err = ipc_chan_pair(sv)) < 0) {
		snprintf(why, whysz, "socketpair: %s", strerror(-err));
		return (err);
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		err = -errno;
		snprintf(why, whysz, "pipe: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return (err);
	}
	/* Before the fork what need not be done after it: the child
	 * starts with its resolver and seccomp program ready. */
	if (child_prepare(cfg, why, whysz) < 0) {
		err = -EINVAL;
		goto fail;
	}
	if ((pid = fork()) < 0) {
		err = -errno;
		snprintf(why, whysz, "fork: %s", strerror(errno));
		child_prepare_release();
		goto fail;
	}
	if (pid == 0) {
		close(sv[0]);
		close(ep[0]);
		child_main(sv[1], ep[1], cfg);
		/* NOTREACHED */
	}
	/*
	 * The parent frees what it prepared only once the child is ready
	 * (child_ctl_start(), or child_ctl_stop()): freeing writes to
	 * pages it now shares with the child, and those copy-on-write
	 * faults would delay a child waiting for the same CPU.
	 */
	close(sv[1]);
	close(ep[1]);
	cc->pid = pid;
	cc->ipc_fd = sv[0];
	cc->err_fd = ep[0];
	(void)fcntl(cc->err_fd, F_SETFL, O_NONBLOCK);
	return (0);
fail:
	close(sv[0]);
	close(sv[1]);
	close(ep[0]);
	close(ep[1]);
	return (err);
}

int
child_ctl_spawn_from(struct child_ctl *cc, struct spawner *sp, char *why,
    size_t whysz)
{
	int	err;

	memset(cc, 0, sizeof(*cc));
	cc->pid = -1;
	cc->ipc_fd = cc->err_fd = -1;
	if ((err = spawner_spawn(sp, &cc->pid, &cc->ipc_fd, &cc->err_fd, why,
	    whysz)) < 0) {
		cc->pid = -1;
		return (err);
	}
	cc->sp = sp;
	(void)fcntl(cc->err_fd, F_SETFL, O_NONBLOCK);
	return (0);
}

void
child_ctl_describe(int wstatus, char *buf, size_t bufsz)
{
	if (WIFEXITED(wstatus)) {
		snprintf(buf, bufsz, "child exit status %d",
		    WEXITSTATUS(wstatus));
	} else if (WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGSYS) {
		snprintf(buf, bufsz, "child killed by seccomp (signal %d, "
		    "SIGSYS): it made a system call outside its allow-list; "
		    "the kernel audit log has the number (ausearch -m SECCOMP),"
		    " or set smtpjail_seccomp_debug = yes to have it logged",
		    SIGSYS);
	} else if (WIFSIGNALED(wstatus)) {
		snprintf(buf, bufsz, "child killed by signal %d (%s)",
		    WTERMSIG(wstatus), strsignal(WTERMSIG(wstatus)));
	} else {
		snprintf(buf, bufsz, "child ended with wait status 0x%x",
		    (unsigned)wstatus);
	}
}

/* waitpid() for up to 'ms' milliseconds; 0 if the child is still there. */
static pid_t
child_ctl_wait(pid_t pid, int *st, int ms)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	pid_t	r;
	int	i;

	for (i = 0; i <= ms / 10; i++) {
		if ((r = waitpid(pid, st, WNOHANG)) != 0)
			return (r);
		nanosleep(&ts, NULL);
	}
	return (0);
}

/* The same for a child of the spawner: it reaps, we ask. */
static pid_t
child_ctl_wait_spawned(struct child_ctl *cc, int *st, int kill_it,
    int *kill_errno)
{
	int	r;

	r = spawner_exit_status(cc->sp, cc->pid, CHILD_EXIT_WAIT_MS, st);
	if (r == 0 && kill_it) {
		if (spawner_kill(cc->sp, cc->pid) < 0)
			*kill_errno = ECONNRESET;
		else
			r = spawner_exit_status(cc->sp, cc->pid,
			    CHILD_KILL_WAIT_MS, st);
	}
	if (r < 0)
		*kill_errno = ECONNRESET;
	return (r > 0 ? cc->pid : 0);
}

/*
 * Reap (waiting a moment for an exiting child) and describe. Every wait
 * is bounded: once the parent runs as $mail_owner, kill() of the child
 * (the sandbox user) fails with EPERM, and a child that ignores EOF
 * must not hold its parent in waitpid() forever.
 */
static void
child_ctl_reap(struct child_ctl *cc, int kill_it, char *why, size_t whysz)
{
	int	st, kill_errno = 0;
	pid_t	r;

	if (cc->pid < 0) {
		snprintf(why, whysz, "child had already ended");
		return;
	}
	if (cc->borrowed) {
		/* Another process's spawner reaps it and kills it if it
		 * outlives its loan (parent/child_pool.c). */
		snprintf(why, whysz, "borrowed child pid %d: channel closed "
		    "(its lender's spawner reaps it)", (int)cc->pid);
		cc->pid = -1;
		return;
	}
	if (cc->sp != NULL)
		r = child_ctl_wait_spawned(cc, &st, kill_it, &kill_errno);
	else
		r = child_ctl_wait(cc->pid, &st, CHILD_EXIT_WAIT_MS);
	if (cc->sp == NULL && r == 0 && kill_it) {
		if (kill(cc->pid, SIGKILL) < 0)
			kill_errno = errno;
		else
			r = child_ctl_wait(cc->pid, &st, CHILD_KILL_WAIT_MS);
	}
	(void)child_log_stderr(cc, 1, NULL, 0);
	if (r == cc->pid) {
		cc->wstatus = st;
		child_ctl_describe(st, why, whysz);
	} else if (r == 0 && cc->sp != NULL && kill_errno != 0) {
		snprintf(why, whysz, "child pid %d: the spawner is gone, "
		    "which ends its children", (int)cc->pid);
	} else if (r == 0 && kill_errno != 0) {
		snprintf(why, whysz, "child pid %d did not exit and cannot be "
		    "killed (kill: %s): it is left to end on its own",
		    (int)cc->pid, strerror(kill_errno));
	} else if (r == 0) {
		snprintf(why, whysz, "child pid %d did not exit%s",
		    (int)cc->pid, kill_it ? " after SIGKILL" : "");
	} else {
		snprintf(why, whysz, "child pid %d: waitpid: %s", (int)cc->pid,
		    strerror(errno));
	}
	cc->pid = -1;
}

int
child_ctl_send(struct child_ctl *cc, const struct ipc_msg *m, char *why,
    size_t whysz)
{
	int	err;

	/* Bounded: a child that stops reading must not hold the parent. */
	err = ipc_chan_send_timed(cc->ipc_fd, m, CHILD_SEND_TIMEOUT_MS);
	if (err == -ETIMEDOUT)
		snprintf(why, whysz, "send %s to child: the child has not read "
		    "its messages for %d s", ipc_msg_name(m->type),
		    CHILD_SEND_TIMEOUT_MS / 1000);
	else if (err < 0)
		snprintf(why, whysz, "send %s to child: %s",
		    ipc_msg_name(m->type), strerror(-err));
	return (err);
}

int
child_ctl_recv(struct child_ctl *cc, struct ipc_msg *m, int timeout_ms,
    char *why, size_t whysz)
{
	struct pollfd pfd[2];
	struct timespec now;
	long long deadline, left;
	int	err, rv;

	clock_gettime(CLOCK_MONOTONIC, &now);
	deadline = now.tv_sec * 1000LL + now.tv_nsec / 1000000 + timeout_ms;
	for (;;) {
		pfd[0].fd = cc->ipc_fd;
		pfd[0].events = POLLIN;
		pfd[1].fd = cc->err_fd;
		pfd[1].events = POLLIN;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = deadline - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
		if (left <= 0) {
			snprintf(why, whysz, "no message from child pid %d for "
			    "%d s", (int)cc->pid, timeout_ms / 1000);
			return (-ETIMEDOUT);
		}
		rv = poll(pfd, cc->err_fd >= 0 ? 2 : 1, (int)left);
		if (rv < 0 && errno == EINTR)
			continue;
		if (rv < 0) {
			err = -errno;
			snprintf(why, whysz, "poll: %s", strerror(errno));
			return (err);
		}
		if (cc->err_fd >= 0 && pfd[1].revents != 0) {
			if ((err = child_log_stderr(cc, 0, why, whysz)) < 0)
				return (err);
			if ((pfd[1].revents & (POLLHUP | POLLERR)) &&
			    !(pfd[1].revents & POLLIN)) {
				close(cc->err_fd);
				cc->err_fd = -1;
			}
		}
		if (pfd[0].revents == 0)
			continue;
		err = ipc_chan_recv(cc->ipc_fd, IPC_C2P, m, why, whysz);
		if (err == -EAGAIN)
			continue;
		if (err == -ECONNRESET) {
			child_ctl_reap(cc, 1, why, whysz);
			return (-ECONNRESET);
		}
		if (err < 0)
			return (err);
		if (m->type != IPC_T_LOG)
			return (0);
		if ((err = child_log_msg(cc, &m->u.log, why, whysz)) < 0)
			return (err);
	}
}

int
child_ctl_start_msgs(const struct sj_config *cfg,
    int (*fn)(const struct ipc_msg *, void *), void *ctx)
{
	struct ipc_msg m;
	uint32_t i;
	int	err;

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_CONFIG;
	m.fd = -1;
	m.u.config = cfg->child;
	if ((err = fn(&m, ctx)) < 0)
		return (err);
	/* smtp_host_lookup = native: the hosts file, one pair each. */
	for (i = 0; i < cfg->child.hosts_count; i++) {
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_HOSTS;
		m.fd = -1;
		m.u.hosts = cfg->hosts[i];
		if ((err = fn(&m, ctx)) < 0)
			return (err);
	}
	/* smtp_*_checks: the rules the parent read at start, in order. */
	for (i = 0; i < cfg->child.checks_count; i++) {
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_CHECK;
		m.fd = -1;
		m.u.check = cfg->checks[i];
		if ((err = fn(&m, ctx)) < 0)
			return (err);
	}
	return (0);
}

struct child_ctl_start_ctx {
	struct child_ctl *cc;
	char   *why;
	size_t	whysz;
};

static int
child_ctl_start_send(const struct ipc_msg *m, void *ctx)
{
	struct child_ctl_start_ctx *c = ctx;

	return (child_ctl_send(c->cc, m, c->why, c->whysz));
}

int
child_ctl_start(struct child_ctl *cc, const struct sj_config *cfg,
    char *why, size_t whysz)
{
	struct child_ctl_start_ctx sc = { cc, why, whysz };
	struct ipc_msg m;
	int	err;

	err = child_ctl_recv(cc, &m, CHILD_READY_TIMEOUT_MS, why, whysz);
	if (err < 0)
		return (err);
	if (m.type != IPC_T_READY) {
		snprintf(why, whysz, "child sent %s before READY",
		    ipc_msg_name(m.type));
		ipc_msg_release(&m);
		return (-EBADMSG);
	}
	child_prepare_release();
	if (m.u.ready.version != IPC_VERSION) {
		snprintf(why, whysz, "child speaks IPC version %u, parent %u",
		    m.u.ready.version, IPC_VERSION);
		return (-EPROTO);
	}
	return (child_ctl_start_msgs(cfg, child_ctl_start_send, &sc));
}

pid_t
child_ctl_release(struct child_ctl *cc)
{
	char	why[256];
	pid_t	pid = cc->pid;

	if (cc->sp == NULL || pid < 0) {
		child_ctl_stop(cc, why, sizeof(why));
		return (0);
	}
	if (cc->ipc_fd >= 0) {
		close(cc->ipc_fd);
		cc->ipc_fd = -1;
	}
	child_prepare_release();	/* when no READY came */
	/* What it wrote so far; nothing is waited for. */
	(void)child_log_stderr(cc, 1, NULL, 0);
	if (cc->err_fd >= 0) {
		close(cc->err_fd);
		cc->err_fd = -1;
	}
	cc->pid = -1;
	return (pid);
}

void
child_ctl_stop(struct child_ctl *cc, char *why, size_t whysz)
{
	if (cc->ipc_fd >= 0) {
		close(cc->ipc_fd);
		cc->ipc_fd = -1;
	}
	child_prepare_release();	/* when no READY came */
	/* The child exits on EOF; give it a moment, then kill. */
	child_ctl_reap(cc, 1, why, whysz);
	if (cc->err_fd >= 0) {
		close(cc->err_fd);
		cc->err_fd = -1;
	}
}

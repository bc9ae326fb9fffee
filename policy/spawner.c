/*
 * NAME
 *	spawner 3
 * SUMMARY
 *	the spawner: a fresh sandboxed child for each destination
 * DESCRIPTION
 *	A child serves the jobs of one nexthop only (SECURITY.md), so the
 *	parent needs new sandboxed children long after it has dropped root.
 *	It never regains the privilege: spawner_start() forks, while the
 *	parent is still root and before it has read a byte from qmgr, a
 *	small process that keeps only what building a sandbox takes, and
 *	the parent asks it for children over a socketpair.
 *
 *	The spawner, in this order: PR_SET_PDEATHSIG SIGKILL (it ends with
 *	the parent, and its children with it, by their own PDEATHSIG);
 *	/dev/null on 0, 1 and 2, its socket on fd 3, every other descriptor
 *	closed; child_prepare() (the time zone, the recipient slots, the
 *	children's seccomp program: shared by every child, built once);
 *	chroot into the sandbox directory (checked first: empty, owned by
 *	root, writable by root only), so that it and every child it forks
 *	start in the empty root; the bounding set emptied and read back
 *	empty, the permitted and effective sets reduced to the four
 *	capabilities of spawner_caps[], the inheritable and ambient sets
 *	emptied;
 *	PR_SET_NO_NEW_PRIVS, not dumpable, RLIMIT_CORE and RLIMIT_FSIZE 0;
 *	its seccomp filter (policy/policy_spawner.c). It then sends READY.
 *
 *	Its loop: ppoll() on the socket with SIGCHLD unblocked only there;
 *	each SIGCHLD reaps every ended child and reports it (EXIT, the wait
 *	status); a SPAWN makes a socketpair and a stderr pipe and forks a
 *	child that enters the sandbox exactly as before (child_main():
 *	child/child_main.c, policy/sandbox_child.c), then the parent's ends
 *	go back with CHILD (SCM_RIGHTS, two descriptors); a KILL sends
 *	SIGKILL to a child of this spawner (any other pid is ignored). Any
 *	other datagram, or one of another size, ends the spawner; EOF too.
 *
 *	The parent's side (spawner_spawn(), spawner_kill(),
 *	spawner_exit_status(), spawner_drain()) checks every answer: its
 *	exact size, the type, a pid > 0, two descriptors with CHILD and
 *	none otherwise. Anything else and the spawner counts as dead.
 * SECURITY
 *	The spawner runs as root with CAP_SETUID, CAP_SETGID,
 *	CAP_SYS_CHROOT and CAP_KILL, an empty bounding set, in the empty
 *	sandbox root,
 *	under its own allow-list. Its only input is the parent's fixed-size
 *	request; it never reads from a child (it only learns their wait
 *	status from the kernel) or from the network.
 * SEE ALSO
 *	include/sj_spawner.h, policy/policy_spawner.c, parent/child_pool.c,
 *	SECURITY.md
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child_main.h"
#include "ipc_chan.h"
#include "ipc_fdpass.h"
#include "msg.h"
#include "sj_sandbox.h"
#include "sj_spawner.h"

#define SPAWNER_FD	3
/* Larger than any free chunk of the spawner's heap: spawner_heap_settle(). */
#define SPAWNER_HEAP_SORT	(1024 * 1024)

/* What the spawner keeps, each with its reason. */
static const struct spawner_cap {
	cap_value_t cap;
	const char *name;
	const char *why;
} spawner_caps[] = {
	{ CAP_SETUID, "CAP_SETUID", "a new child's setresuid() to "
	    "smtpjail_sandbox_user" },
	{ CAP_SETGID, "CAP_SETGID", "a new child's setgroups(0) and "
	    "setresgid()" },
	{ CAP_SYS_CHROOT, "CAP_SYS_CHROOT", "a new child's chroot() into the "
	    "sandbox directory" },
	{ CAP_KILL, "CAP_KILL", "SIGKILL of a child (the sandbox user) the "
	    "parent gave up on" },
};

#define SPAWNER_NCAPS	(sizeof(spawner_caps) / sizeof(spawner_caps[0]))

/* The spawner process's one context. */
static struct spawner_ctx {
	int	fd;
	pid_t	child[SJ_SPAWNER_CHILDREN_MAX];
	unsigned nchild;
	struct sj_config cfg;		/* the parent's; the root is "/" */
	char	root[2];
} spawner_ctx;

uint64_t
spawner_caps_mask(void)
{
	uint64_t m = 0;
	size_t	i;

	for (i = 0; i < SPAWNER_NCAPS; i++)
		m |= 1ULL << spawner_caps[i].cap;
	return (m);
}

/* ---------------------------------------------------------------- spawner */

static void
spawner_send(int type, pid_t pid, int status, const int *fds, int nfd,
    const char *why)
{
	struct spawner_msg m;

	memset(&m, 0, sizeof(m));
	m.type = (uint32_t)type;
	m.pid = pid;
	m.status = status;
	if (why != NULL)
		snprintf(m.why, sizeof(m.why), "%s", why);
	/* sendmsg() on fd 3 with MSG_NOSIGNAL: the child's row allows it. */
	if (ipc_fdpass_send(spawner_ctx.fd, &m, sizeof(m), MSG_NOSIGNAL, fds,
	    (size_t)nfd) < 0)
		_exit(1);		/* the parent is gone */
}

static void __attribute__((noreturn))
spawner_die(const char *what, int err)
{
	char	why[SPAWNER_WHY_MAX];

	snprintf(why, sizeof(why), "%s: %s", what, strerror(err));
	spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
	_exit(1);
}

/* Every child that ended: forget it, tell the parent how it ended. */
static void
spawner_reap(void)
{
	unsigned i;
	pid_t	pid;
	int	st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < spawner_ctx.nchild; i++)
			if (spawner_ctx.child[i] == pid)
				break;
		if (i == spawner_ctx.nchild)
			continue;
		spawner_ctx.child[i] = spawner_ctx.child[--spawner_ctx.nchild];
		spawner_send(SPAWNER_EXIT, pid, st, NULL, 0, NULL);
	}
}

static void
spawner_fork_child(void)
{
	struct sigaction sa;
	sigset_t none;
	int	sv[2], ep[2], fds[2], err;
	pid_t	pid;
	char	why[SPAWNER_WHY_MAX];

	if (spawner_ctx.nchild >= SJ_SPAWNER_CHILDREN_MAX) {
		snprintf(why, sizeof(why), "%d children alive, the limit",
		    SJ_SPAWNER_CHILDREN_MAX);
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		return;
	}
	if ((err = ipc_chan_pair(sv)) < 0) {
		snprintf(why, sizeof(why), "socketpair: %s", strerror(-err));
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		return;
	}
	if (pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(why, sizeof(why), "pipe: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		return;
	}
	if ((pid = fork()) < 0) {
		snprintf(why, sizeof(why), "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		close(ep[0]);
		close(ep[1]);
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		return;
	}
	if (pid == 0) {
		/* The child: SIGCHLD as a new process has it, nothing
		 * blocked, no way back to the spawner's socket. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		(void)sigaction(SIGCHLD, &sa, NULL);
		sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
		close(SPAWNER_FD);
		close(sv[0]);
		close(ep[0]);
		child_main_null_fd(STDIN_FILENO);
		child_main(sv[1], ep[1], &spawner_ctx.cfg);
		/* NOTREACHED */
	}
	close(sv[1]);
	close(ep[1]);
	spawner_ctx.child[spawner_ctx.nchild++] = pid;
	fds[0] = sv[0];
	fds[1] = ep[0];
	spawner_send(SPAWNER_CHILD, pid, 0, fds, 2, NULL);
	close(sv[0]);
	close(ep[0]);
}

static void
spawner_kill_child(pid_t pid)
{
	unsigned i;

	for (i = 0; i < spawner_ctx.nchild; i++)
		if (spawner_ctx.child[i] == pid && pid > 0)
			(void)kill(pid, SIGKILL);
}

static void
spawner_sigchld(int sig)
{
	(void)sig;			/* ppoll() returns EINTR: enough */
}

static void __attribute__((noreturn))
spawner_loop(void)
{
	struct spawner_msg m;
	struct pollfd pfd;
	sigset_t none;
	ssize_t	n;
	int	rv;

	sigemptyset(&none);
	for (;;) {
		spawner_reap();
		pfd.fd = spawner_ctx.fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		rv = ppoll(&pfd, 1, NULL, &none);
		if (rv < 0 && errno == EINTR)
			continue;
		if (rv < 0)
			_exit(1);
		/* MSG_TRUNC: the real length, so a longer one is refused. */
		n = recv(spawner_ctx.fd, &m, sizeof(m), MSG_TRUNC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			_exit(0);		/* the parent is gone */
		if (n != (ssize_t)sizeof(m))
			_exit(1);
		switch (m.type) {
		case SPAWNER_SPAWN:
			spawner_fork_child();
			break;
		case SPAWNER_KILL:
			spawner_kill_child(m.pid);
			break;
		default:
			_exit(1);
		}
	}
}

/*
 * Leave the heap as a child's first malloc() would leave it, so that no
 * child does that work again on pages it shares with the spawner: every
 * page glibc writes in a new child is a copy-on-write fault. A child's
 * first large request (its c-ares channel, 75 KB) would consolidate the
 * fastbins left by the parent's start-up, child_prepare() and the
 * filter's construction (malloc_consolidate(), unlink_chunk()), then sort
 * every chunk of the unsorted bin into its bin (_int_malloc(), glibc
 * 2.36 malloc.c): together a fifth of a new child's faults. A request
 * larger than any free chunk does both here, once; it is served from
 * the top chunk or by mmap() and given back (brk() or munmap(), both
 * allowed to the spawner). The spawner itself allocates nothing after
 * this.
 */
static void
spawner_heap_settle(void)
{
	void   *volatile p;		/* else the compiler drops the pair */

	p = malloc(SPAWNER_HEAP_SORT);
	free(p);
}

/*
 * Bounding set empty; permitted and effective only spawner_caps[];
 * inheritable and ambient empty.
 *
 * The bounding set limits only what execve() can grant and what capset()
 * may add to the inheritable set (security/commoncap.c,
 * cap_bprm_creds_from_file() and cap_capset()). The spawner never execs
 * and only lowers its sets; the capabilities it uses are checked in its
 * effective set (ns_capable()), which the bounding set does not limit.
 * So it empties it whole, once, and every child it forks inherits an
 * empty bounding set (fork copies the credentials, and nothing but
 * PR_CAPBSET_DROP, cap_prctl_drop(), ever changes it in a process):
 * sandbox_child_enter() then finds nothing to drop (40 prctl() calls and
 * credential copies fewer per child) and needs no CAP_SETPCAP. Dropping
 * needs CAP_SETPCAP in the effective set: so before capset() below.
 */
static void
spawner_caps_keep(void)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	cap_value_t cap, max = cap_max_bits();
	size_t	i;
	int	set;

	for (cap = 0; cap < max; cap++)
		if (cap_drop_bound(cap) < 0)
			spawner_die("cap_drop_bound", errno);
	for (cap = 0; cap < max; cap++)
		if ((set = cap_get_bound(cap)) != 0)
			spawner_die("cap_get_bound: the bounding set is not "
			    "empty", set < 0 ? errno : EEXIST);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		spawner_die("prctl PR_CAP_AMBIENT_CLEAR_ALL", errno);
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	memset(data, 0, sizeof(data));
	for (i = 0; i < SPAWNER_NCAPS; i++) {
		cap = spawner_caps[i].cap;
		data[cap / 32].effective |= 1U << (cap % 32);
		data[cap / 32].permitted |= 1U << (cap % 32);
	}
	if (capset(&hdr, data) < 0)
		spawner_die("capset", errno);
}

static void __attribute__((noreturn))
spawner_main(int sock, pid_t parent, const struct sj_config *cfg)
{
	struct sj_sandbox_spec spec;
	struct sigaction sa;
	struct rlimit rl;
	sigset_t chld;
	char	why[512];
	int	nullfd;
	pid_t	self = getpid();

	/* Not the parent's log channel (its descriptor goes below): a
	 * diagnostic goes to stderr, /dev/null here and the stderr pipe in
	 * a child until its IPC sink is set. */
	msg_set_sink(NULL, NULL);
	spawner_ctx.fd = SPAWNER_FD;
	if (sock != SPAWNER_FD && dup3(sock, SPAWNER_FD, O_CLOEXEC) < 0)
		_exit(1);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		spawner_die("prctl PR_SET_PDEATHSIG", errno);
	if (getppid() != parent)
		_exit(1);
	if ((nullfd = open("/dev/null", O_RDWR)) < 0)
		spawner_die("open /dev/null", errno);
	if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0 || dup2(nullfd, 2) < 0)
		spawner_die("dup2 /dev/null", errno);
	if (close_range(SPAWNER_FD + 1, ~0U, 0) < 0)
		spawner_die("close_range", errno);

	/* Shared by every child: built once, before the lock-down. */
	if (child_prepare(cfg, why, sizeof(why)) < 0) {
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		_exit(1);
	}
	child_sandbox_spec(cfg, &spec);
	if (sandbox_check_spec(&spec, why, sizeof(why)) < 0) {
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		_exit(1);
	}
	if (chdir(cfg->sandbox_directory) < 0)
		spawner_die("chdir sandbox directory", errno);
	if (chroot(".") < 0)
		spawner_die("chroot sandbox directory", errno);
	if (chdir("/") < 0)
		spawner_die("chdir /", errno);
	/* The children enter the sandbox from here: their root is ours. */
	spawner_ctx.cfg = *cfg;
	spawner_ctx.root[0] = '/';
	spawner_ctx.cfg.sandbox_directory = spawner_ctx.root;

	spawner_caps_keep();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		spawner_die("prctl PR_SET_NO_NEW_PRIVS", errno);
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		spawner_die("prctl PR_SET_DUMPABLE", errno);
	rl.rlim_cur = rl.rlim_max = 0;
	if (setrlimit(RLIMIT_CORE, &rl) < 0 ||
	    setrlimit(RLIMIT_FSIZE, &rl) < 0)
		spawner_die("setrlimit", errno);

	/* SIGCHLD only inside ppoll(). */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = spawner_sigchld;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		spawner_die("sigaction SIGCHLD", errno);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0)
		spawner_die("sigprocmask", errno);

	/* Free heap pages back to the kernel: fewer page-table entries
	 * for each fork() to copy. Before the filter, which has no
	 * madvise(). */
	(void)malloc_trim(0);
	if (policy_spawner_install(cfg->seccomp_trap, why, sizeof(why)) < 0) {
		spawner_send(SPAWNER_FAIL, 0, 0, NULL, 0, why);
		_exit(1);
	}
	spawner_heap_settle();
	spawner_send(SPAWNER_READY, self, 0, NULL, 0, NULL);
	spawner_loop();
}

/* ----------------------------------------------------------------- parent */

static void
spawner_keep_exit(struct spawner *sp, pid_t pid, int status)
{
	if (sp->nexits == SJ_SPAWNER_EXITS_KEPT) {
		memmove(sp->exits, sp->exits + 1,
		    (SJ_SPAWNER_EXITS_KEPT - 1) * sizeof(sp->exits[0]));
		sp->nexits--;
	}
	sp->exits[sp->nexits].pid = pid;
	sp->exits[sp->nexits].status = status;
	sp->nexits++;
}

/*
 * One answer within timeout_ms (0: only what is there). 0; -EAGAIN when
 * nothing came; -ECONNRESET/-EPROTO when the spawner is gone or broke
 * its protocol (sp->dead). EXIT reports are kept and 1 is returned.
 */
static int
spawner_recv(struct spawner *sp, struct spawner_msg *m, int fds[2],
    int timeout_ms)
{
	struct ipc_fdpass_info in;
	struct pollfd pfd;
	size_t	nfd, i;
	int	got[2], rv;

	fds[0] = fds[1] = -1;
	if (sp->dead || sp->fd < 0)
		return (-ECONNRESET);
	pfd.fd = sp->fd;
	pfd.events = POLLIN;
	do {
		rv = poll(&pfd, 1, timeout_ms);
	} while (rv < 0 && errno == EINTR);
	if (rv == 0)
		return (-EAGAIN);
	/* Two descriptors kept; others closed, but counted. A truncated
	 * datagram or control data: an error, nothing kept. */
	rv = ipc_fdpass_recv(sp->fd, m, sizeof(*m),
	    MSG_CMSG_CLOEXEC | MSG_DONTWAIT, got, 2, &in);
	if (rv == -EAGAIN)
		return (-EAGAIN);
	nfd = in.nfds + in.nextra;
	if (rv == 0 && in.len == sizeof(*m) &&
	    m->why[sizeof(m->why) - 1] == '\0' &&
	    ((m->type == SPAWNER_CHILD && m->pid > 0 && nfd == 2) ||
	    (m->type == SPAWNER_READY && m->pid == sp->pid && nfd == 0) ||
	    (m->type == SPAWNER_EXIT && m->pid > 0 && nfd == 0) ||
	    (m->type == SPAWNER_FAIL && nfd == 0))) {
		if (nfd == 2) {
			fds[0] = got[0];
			fds[1] = got[1];
		}
		if (m->type != SPAWNER_EXIT)
			return (0);
		spawner_keep_exit(sp, m->pid, m->status);
		return (1);
	}
	for (i = 0; i < in.nfds; i++)
		close(got[i]);
	sp->dead = 1;
	/* EOF: a 0-byte read with nothing else. A 0-byte datagram that
	 * carried descriptors or cut control data is a protocol error. */
	return (rv == 0 && in.len == 0 && nfd == 0 ? -ECONNRESET : -EPROTO);
}

int
spawner_start(struct spawner *sp, const struct sj_config *cfg, char *why,
    size_t whysz)
{
	struct spawner_msg m;
	pid_t	parent = getpid();
	int	sv[2], fds[2], err;

	memset(sp, 0, sizeof(*sp));
	sp->pid = -1;
	sp->fd = -1;
	if ((err = ipc_chan_pair(sv)) < 0) {
		snprintf(why, whysz, "spawner socketpair: %s", strerror(-err));
		return (-1);
	}
	if ((sp->pid = fork()) < 0) {
		snprintf(why, whysz, "fork (spawner): %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return (-1);
	}
	if (sp->pid == 0) {
		close(sv[0]);
		spawner_main(sv[1], parent, cfg);
	}
	close(sv[1]);
	sp->fd = sv[0];
	do {
		err = spawner_recv(sp, &m, fds, SJ_SPAWNER_REPLY_MS);
	} while (err == 1);
	if (err == 0 && m.type == SPAWNER_READY)
		return (0);
	if (err == 0 && m.type == SPAWNER_FAIL)
		snprintf(why, whysz, "spawner: %s", m.why);
	else
		snprintf(why, whysz, "spawner did not start (%s)",
		    err == -EAGAIN ? "no answer" : "broken answer");
	if (fds[0] >= 0) {
		close(fds[0]);
		close(fds[1]);
	}
	spawner_stop(sp);
	return (-1);
}

int
spawner_spawn(struct spawner *sp, pid_t *pid, int *ipc_fd, int *err_fd,
    char *why, size_t whysz)
{
	struct spawner_msg m;
	int	fds[2], err;

	memset(&m, 0, sizeof(m));
	m.type = SPAWNER_SPAWN;
	if (sp->dead || send(sp->fd, &m, sizeof(m), MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(m)) {
		sp->dead = 1;
		snprintf(why, whysz, "spawner is gone");
		return (-ECONNRESET);
	}
	do {
		err = spawner_recv(sp, &m, fds, SJ_SPAWNER_REPLY_MS);
	} while (err == 1);
	if (err == -EAGAIN) {
		sp->dead = 1;
		snprintf(why, whysz, "no answer from the spawner in %d ms",
		    SJ_SPAWNER_REPLY_MS);
		return (-ETIMEDOUT);
	}
	if (err < 0) {
		snprintf(why, whysz, "spawner %s", err == -ECONNRESET ?
		    "is gone" : "broke its protocol");
		return (err);
	}
	if (m.type == SPAWNER_FAIL) {
		snprintf(why, whysz, "spawner: %s", m.why);
		return (-EAGAIN);
	}
	if (m.type != SPAWNER_CHILD || fds[0] < 0) {
		sp->dead = 1;
		snprintf(why, whysz, "spawner broke its protocol");
		return (-EPROTO);
	}
	*pid = m.pid;
	*ipc_fd = fds[0];
	*err_fd = fds[1];
	return (0);
}

int
spawner_kill(struct spawner *sp, pid_t pid)
{
	struct spawner_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SPAWNER_KILL;
	m.pid = pid;
	if (sp->dead || send(sp->fd, &m, sizeof(m), MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(m)) {
		sp->dead = 1;
		return (-1);
	}
	return (0);
}

int
spawner_exit_taken(struct spawner *sp, pid_t pid, int *status)
{
	unsigned i;

	for (i = 0; i < sp->nexits; i++) {
		if (sp->exits[i].pid != pid)
			continue;
		*status = sp->exits[i].status;
		sp->exits[i] = sp->exits[--sp->nexits];
		return (1);
	}
	return (0);
}

static long long
spawner_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

int
spawner_exit_status(struct spawner *sp, pid_t pid, int timeout_ms,
    int *status)
{
	struct spawner_msg m;
	long long deadline = spawner_now_ms() + timeout_ms, left;
	int	fds[2], err;

	for (;;) {
		if (spawner_exit_taken(sp, pid, status))
			return (1);
		left = deadline - spawner_now_ms();
		if (left < 0)
			return (0);
		err = spawner_recv(sp, &m, fds, (int)left);
		if (err == -EAGAIN)
			return (0);
		if (err < 0)
			return (-1);
		if (err == 0) {
			/* Nobody asked: the spawner broke its protocol. */
			if (fds[0] >= 0) {
				close(fds[0]);
				close(fds[1]);
			}
			sp->dead = 1;
			return (-1);
		}
	}
}

int
spawner_drain(struct spawner *sp)
{
	struct spawner_msg m;
	int	fds[2], err;

	while ((err = spawner_recv(sp, &m, fds, 0)) == 1)
		continue;
	if (err == 0) {
		if (fds[0] >= 0) {
			close(fds[0]);
			close(fds[1]);
		}
		sp->dead = 1;
	}
	return (sp->dead ? -1 : 0);
}

void
spawner_stop(struct spawner *sp)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int	i, st;

	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	sp->dead = 1;
	if (sp->pid <= 0)
		return;
	/* It exits on EOF; root's process cannot be signalled by
	 * $mail_owner, and its PDEATHSIG ends it with us anyway. */
	for (i = 0; i < 100; i++) {
		if (waitpid(sp->pid, &st, WNOHANG) != 0)
			break;
		nanosleep(&ts, NULL);
	}
	sp->pid = -1;
}

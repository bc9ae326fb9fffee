/*
 * NAME
 *	test_spawner 1
 * SUMMARY
 *	the spawner, its filter, and one sandboxed child per destination
 * DESCRIPTION
 *	Runs the parent's side (parent/child_pool.c) against the real
 *	spawner (policy/spawner.c) started by this process as root, as
 *	smtpjail's parent does before it drops privileges:
 *
 *	- the live spawner as the kernel sees it (/proc/PID/status: uid 0,
 *	  CapEff and CapPrm exactly its four capabilities,
 *	  CapInh, CapBnd and CapAmb empty, NoNewPrivs 1, Seccomp 2; its root
 *	  the sandbox directory), and a child it made passes sandbox_report();
 *	- its filter, loaded in a test process with policy_spawner_install():
 *	  what it never needs kills the process (execve, AF_UNIX stream and
 *	  netlink sockets, ptrace, mount, unshare, clone with namespace
 *	  flags, signals other than SIGKILL, executable mappings, mprotect,
 *	  memfd_create, bind, chmod, other socket options, a bounding-set
 *	  drop: the spawner emptied its set before the filter); a file open
 *	  fails with ENOENT and creates nothing; what it needs works
 *	  (fork and wait, the child's socketpair and pipe, SIGKILL of its
 *	  own child, the one directory open);
 *	- a request of the wrong size ends the spawner, and then the pool
 *	  refuses to make children (the parent would finish and exit);
 *	- the parent refuses every malformed answer of a fake spawner (a
 *	  CHILD without exactly two descriptors or with pid 0, descriptors
 *	  on EXIT or FAIL, short answers, text without its NUL, unknown
 *	  or request types, a second READY) and counts the spawner gone;
 *	  a FAIL leaves it alive; EXIT reports are kept until asked for;
 *	- two nexthops get two children (pids differ); the same nexthop
 *	  again gets the same child; past SJ_CHILD_POOL_MAX nexthops the
 *	  least recently used child is closed;
 *	- a child killed during a job: its end is reported by the spawner
 *	  ("child killed by signal 9"), and the next job for that nexthop
 *	  gets a fresh child from the same spawner;
 *	- each child's DNS query ids are its own: two children, two jobs
 *	  each, against a DNS server in a private network namespace that
 *	  records every query id; the sequences differ (forked from one
 *	  prepared resolver, they were equal).
 *
 *	Needs root (chroot, setresuid, network namespace).
 * SEE ALSO
 *	policy/spawner.c, policy/policy_spawner.c, parent/child_pool.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "broker.h"
#include "child_main.h"
#include "child_pool.h"
#include "ipc_fdpass.h"
#include "msg.h"
#include "sj_config.h"
#include "sj_sandbox.h"
#include "sj_sandbox_report.h"
#include "sj_spawner.h"
#include "test_user.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct world {
	int	ok;
	char	skip_why[256];
	char	dir[64];
	char	sandbox[64];
	char	main_cf[128];
	char	resolv[128];
	pid_t	dns_pid;
	int	ids_fd;			/* read end: u16 ids, one per query */
	struct sj_config cfg;
	char	log[16384];
	size_t	loglen;
} world;

static void
cap_sink(enum msg_level lvl, const char *text, void *ctx)
{
	int	n;

	(void)ctx;
	if (world.loglen >= sizeof(world.log) - 1)
		return;
	n = snprintf(world.log + world.loglen, sizeof(world.log) -
	    world.loglen, "%s%s\n", msg_level_prefix(lvl), text);
	if (n > 0)
		world.loglen += (size_t)n < sizeof(world.log) - world.loglen ?
		    (size_t)n : sizeof(world.log) - world.loglen - 1;
}

#define NEED_WORLD() do { \
	if (!world.ok) { \
		print_message("skipped: %s\n", world.skip_why); \
		skip(); \
	} \
} while (0)

/* ------------------------------------------------------ the live spawner */

static unsigned long long
status_hex(pid_t pid, const char *field)
{
	char	path[64], line[256];
	size_t	n = strlen(field);
	unsigned long long v = ~0ULL;
	FILE   *fp;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	assert_non_null(fp = fopen(path, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncmp(line, field, n) == 0 && line[n] == ':')
			v = strtoull(line + n + 1, NULL, 16);
	fclose(fp);
	return (v);
}

static void
test_live_spawner(void **state)
{
	struct child_pool pool;
	struct sj_sandbox_spec spec;
	struct child_ctl *cc;
	char	why[1024] = "", path[64], link[256];
	FILE   *null;
	pid_t	sp;
	ssize_t	n;

	(void)state;
	NEED_WORLD();
	if (child_pool_init(&pool, &world.cfg, why, sizeof(why)) < 0)
		fail_msg("child_pool_init: %s", why);
	sp = child_pool_spawner_pid(&pool);
	assert_true(sp > 0);
	assert_int_equal(status_hex(sp, "CapEff"), spawner_caps_mask());
	assert_int_equal(status_hex(sp, "CapPrm"), spawner_caps_mask());
	assert_int_equal(status_hex(sp, "CapBnd"), 0);
	assert_int_equal(status_hex(sp, "CapInh"), 0);
	assert_int_equal(status_hex(sp, "CapAmb"), 0);
	/* decimal fields read as hex: 0, 1, 2 are the same */
	assert_int_equal(status_hex(sp, "NoNewPrivs"), 1);
	assert_int_equal(status_hex(sp, "Seccomp"), 2);
	snprintf(path, sizeof(path), "/proc/%ld/root", (long)sp);
	assert_true((n = readlink(path, link, sizeof(link) - 1)) > 0);
	link[n] = '\0';
	assert_string_equal(link, world.sandbox);

	assert_non_null(null = fopen("/dev/null", "w"));
	child_sandbox_spec(&world.cfg, &spec);
	assert_int_equal(sandbox_report_spawner(sp, &spec,
	    spawner_caps_mask(), null), 0);
	if ((cc = child_pool_get(&pool, "live.test", why, sizeof(why))) ==
	    NULL)
		fail_msg("child_pool_get: %s", why);
	/* The child's parent is the spawner, not us. */
	assert_int_equal(status_hex(cc->pid, "PPid") != 0, 1);
	assert_int_equal(sandbox_report(cc->pid, &spec, null), 0);
	fclose(null);
	child_pool_close_all(&pool);
	/* The spawner exits on EOF; we reaped it. */
	assert_int_equal(kill(sp, 0), -1);
}

/* ----------------------------------------------- the filter, op by op */

struct op {
	const char *name;
	int	(*fn)(void);
	int	killed;		/* 1: SIGSYS expected; 0: fn's status 0 */
};

static int
op_execve(void)
{
	char   *argv[] = { "true", NULL };

	execve("/bin/true", argv, argv + 1);
	return (1);
}

static int
op_unix_stream(void)
{
	return (socket(AF_UNIX, SOCK_STREAM, 0) >= 0);
}

static int
op_netlink(void)
{
	return (socket(AF_NETLINK, SOCK_RAW, 0) >= 0);
}

static int
op_socketpair_stream(void)
{
	int	sv[2];

	return (socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
}

static int
op_ptrace(void)
{
	return ((int)ptrace(PTRACE_TRACEME, 0, NULL, NULL));
}

static int
op_mount(void)
{
	return (mount("none", "/tmp", "tmpfs", 0, NULL));
}

static int
op_unshare(void)
{
	return (unshare(CLONE_NEWUSER));
}

static int
op_clone_newns(void)
{
	return ((int)syscall(SYS_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0));
}

static int
op_kill_term(void)
{
	return (kill(getppid(), 0));
}

static int
op_mmap_exec(void)
{
	return (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
}

static int
op_mprotect(void)
{
	static char page[8192] __attribute__((aligned(4096)));

	return (mprotect(page, 4096, PROT_READ));
}

static int
op_memfd(void)
{
	return (memfd_create("x", 0));
}

static int
op_bind(void)
{
	struct sockaddr_in sin;
	int	fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	return (bind(fd, (struct sockaddr *)&sin, sizeof(sin)));
}

static int
op_chmod(void)
{
	return (chmod("/tmp", 0777));
}

static int
op_reuseaddr(void)
{
	int	fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1;

	return (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)));
}

/* The test runs as root with a full bounding set: unfiltered, this works. */
static int
op_capbset_drop(void)
{
	return (prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN, 0, 0, 0));
}

/* Permitted, or failing harmlessly: 0 means as the table says. */
static int
op_open_passwd(void)
{
	return (!(open("/etc/passwd", O_RDONLY) < 0 && errno == ENOENT));
}

static int
op_create(void)
{
	return (!(open("/tmp/sj-spawner-must-not-exist",
	    O_WRONLY | O_CREAT | O_CLOEXEC, 0600) < 0 && errno == ENOENT));
}

static int
op_fork_wait(void)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0)
		_exit(7);
	return (!(pid > 0 && waitpid(pid, &st, 0) == pid &&
	    WIFEXITED(st) && WEXITSTATUS(st) == 7));
}

static int
op_child_fds(void)
{
	int	sv[2], p[2];

	return (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv) != 0 || pipe2(p, O_CLOEXEC) != 0);
}

static int
op_kill_own_child(void)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0) {
		for (;;)
			(void)poll(NULL, 0, 1000);	/* not pause() */
	}
	return (!(pid > 0 && kill(pid, SIGKILL) == 0 &&
	    waitpid(pid, &st, 0) == pid && WIFSIGNALED(st) &&
	    WTERMSIG(st) == SIGKILL));
}

static int
op_open_root_dir(void)
{
	return (open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC) < 0);
}

static const struct op ops[] = {
	{ "execve", op_execve, 1 },
	{ "socket(AF_UNIX, SOCK_STREAM)", op_unix_stream, 1 },
	{ "socket(AF_NETLINK)", op_netlink, 1 },
	{ "socketpair(AF_UNIX, SOCK_STREAM)", op_socketpair_stream, 1 },
	{ "ptrace", op_ptrace, 1 },
	{ "mount", op_mount, 1 },
	{ "unshare(CLONE_NEWUSER)", op_unshare, 1 },
	{ "clone(CLONE_NEWNS)", op_clone_newns, 1 },
	{ "kill with signal 0", op_kill_term, 1 },
	{ "mmap PROT_EXEC", op_mmap_exec, 1 },
	{ "mprotect", op_mprotect, 1 },
	{ "memfd_create", op_memfd, 1 },
	{ "bind", op_bind, 1 },
	{ "chmod", op_chmod, 1 },
	{ "setsockopt SO_REUSEADDR", op_reuseaddr, 1 },
	{ "prctl(PR_CAPBSET_DROP)", op_capbset_drop, 1 },
	{ "open /etc/passwd: ENOENT", op_open_passwd, 0 },
	{ "open O_CREAT: ENOENT, nothing made", op_create, 0 },
	{ "fork and wait", op_fork_wait, 0 },
	{ "socketpair(SEQPACKET) and pipe2", op_child_fds, 0 },
	{ "SIGKILL of its own child", op_kill_own_child, 0 },
	{ "open a directory read-only", op_open_root_dir, 0 },
};

static void
test_spawner_filter(void **state)
{
	const struct op *op;
	char	why[256];
	pid_t	pid;
	int	st, bad = 0, ok;

	(void)state;
	NEED_WORLD();
	for (op = ops; op < ops + NELEM(ops); op++) {
		if ((pid = fork()) == 0) {
			if (policy_spawner_install(0, why, sizeof(why)) < 0)
				_exit(100);
			_exit(op->fn() ? 1 : 0);
		}
		assert_true(pid > 0);
		assert_int_equal(waitpid(pid, &st, 0), pid);
		ok = op->killed ? WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS :
		    WIFEXITED(st) && WEXITSTATUS(st) == 0;
		print_message("%-40s %s (wait status 0x%x)\n", op->name,
		    ok ? "ok" : "WRONG", (unsigned)st);
		bad += !ok;
	}
	assert_int_equal(access("/tmp/sj-spawner-must-not-exist", F_OK), -1);
	assert_int_equal(bad, 0);
}

/* A request of the wrong size: the spawner ends, no more children. */
static void
test_spawner_bad_request(void **state)
{
	struct child_pool pool;
	char	why[1024] = "", junk[3] = { 1, 0, 0 };
	int	st;

	(void)state;
	NEED_WORLD();
	if (child_pool_init(&pool, &world.cfg, why, sizeof(why)) < 0)
		fail_msg("child_pool_init: %s", why);
	assert_int_equal(send(pool.sp.fd, junk, sizeof(junk), 0),
	    (ssize_t)sizeof(junk));
	assert_int_equal(waitpid(pool.sp.pid, &st, 0), pool.sp.pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	pool.sp.pid = -1;
	assert_null(child_pool_get(&pool, "a.test", why, sizeof(why)));
	assert_true(child_pool_broken(&pool));
	child_pool_close_all(&pool);
}

/* ------------------------------------- the parent checks every answer */

/* One answer from a fake spawner: 'len' bytes of m, 'nfd' descriptors. */
static void
fake_answer(int fd, const struct spawner_msg *m, size_t len, int nfd)
{
	int	fds[3] = { 0, 1, 2 };

	assert_true(nfd >= 0 && nfd <= 3);
	assert_int_equal(ipc_fdpass_send(fd, m, len, 0, fds, (size_t)nfd), 0);
}

/* The parent's side of a fake spawner: sv[0] is sp's, sv[1] answers. */
static void
fake_spawner(struct spawner *sp, int sv[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
	    sv), 0);
	memset(sp, 0, sizeof(*sp));
	sp->pid = 12345;
	sp->fd = sv[0];
}

struct bad_answer {
	const char *name;
	uint32_t type;
	int32_t	pid;
	size_t	len;		/* 0: sizeof(struct spawner_msg) */
	int	nfd;
	int	unterminated;	/* why[] without its NUL */
};

static const struct bad_answer bad_answers[] = {
	{ "CHILD without descriptors", SPAWNER_CHILD, 42, 0, 0, 0 },
	{ "CHILD with one descriptor", SPAWNER_CHILD, 42, 0, 1, 0 },
	{ "CHILD with three descriptors", SPAWNER_CHILD, 42, 0, 3, 0 },
	{ "CHILD with pid 0", SPAWNER_CHILD, 0, 0, 2, 0 },
	{ "EXIT with a descriptor", SPAWNER_EXIT, 42, 0, 1, 0 },
	{ "fail answer with a descriptor", SPAWNER_FAIL, 0, 0, 1, 0 },
	{ "short answer", SPAWNER_FAIL, 0, 8, 0, 0 },
	{ "fail answer, text without NUL", SPAWNER_FAIL, 0, 0, 0, 1 },
	{ "unknown type 99", 99, 42, 0, 0, 0 },
	{ "READY again (another pid)", SPAWNER_READY, 7, 0, 0, 0 },
	{ "a request type from the spawner", SPAWNER_SPAWN, 0, 0, 0, 0 },
};

static void
test_parent_checks_answers(void **state)
{
	const struct bad_answer *b;
	struct spawner sp;
	struct spawner_msg m;
	char	why[256], req[sizeof(m)];
	pid_t	pid;
	int	sv[2], ipc, err, st, bad = 0, ok;

	(void)state;
	for (b = bad_answers; b < bad_answers + NELEM(bad_answers); b++) {
		fake_spawner(&sp, sv);
		memset(&m, 0, sizeof(m));
		m.type = b->type;
		m.pid = b->pid;
		if (b->unterminated)
			memset(m.why, 'x', sizeof(m.why));
		fake_answer(sv[1], &m, b->len ? b->len : sizeof(m), b->nfd);
		err = spawner_spawn(&sp, &pid, &ipc, &st, why, sizeof(why));
		ok = err < 0 && err != -EAGAIN && sp.dead;
		print_message("%-36s %s (%d: %s)\n", b->name, ok ? "refused" :
		    "WRONG", err, why);
		bad += !ok;
		close(sv[0]);
		close(sv[1]);
	}
	assert_int_equal(bad, 0);

	/* A 0-byte datagram with descriptors: a protocol error, not the
	 * spawner's end (which is a 0-byte read with nothing else). */
	fake_spawner(&sp, sv);
	memset(&m, 0, sizeof(m));
	fake_answer(sv[1], &m, 0, 2);
	assert_int_equal(spawner_spawn(&sp, &pid, &ipc, &st, why,
	    sizeof(why)), -EPROTO);
	assert_true(sp.dead);
	close(sv[0]);
	close(sv[1]);

	/* FAIL: no child, the spawner lives on; EXIT reports are kept. */
	fake_spawner(&sp, sv);
	memset(&m, 0, sizeof(m));
	m.type = SPAWNER_FAIL;
	snprintf(m.why, sizeof(m.why), "fork: no");
	fake_answer(sv[1], &m, sizeof(m), 0);
	assert_int_equal(spawner_spawn(&sp, &pid, &ipc, &st, why,
	    sizeof(why)), -EAGAIN);
	assert_string_equal(why, "spawner: fork: no");
	assert_false(sp.dead);
	assert_int_equal(recv(sv[1], req, sizeof(req), 0), (ssize_t)sizeof(m));
	memset(&m, 0, sizeof(m));
	m.type = SPAWNER_EXIT;
	m.pid = 77;
	m.status = 9;
	fake_answer(sv[1], &m, sizeof(m), 0);
	m.type = SPAWNER_CHILD;
	m.pid = 78;
	fake_answer(sv[1], &m, sizeof(m), 2);
	assert_int_equal(spawner_spawn(&sp, &pid, &ipc, &st, why,
	    sizeof(why)), 0);
	assert_int_equal(pid, 78);
	close(ipc);
	close(st);
	assert_int_equal(spawner_exit_status(&sp, 77, 0, &st), 1);
	assert_int_equal(st, 9);
	assert_int_equal(spawner_exit_status(&sp, 77, 0, &st), 0);
	close(sv[1]);
	/* EOF: gone. */
	assert_int_equal(spawner_drain(&sp), -1);
	assert_true(sp.dead);
	close(sv[0]);
}

/* ------------------------------------------------ one child per nexthop */

static pid_t
pool_pid(struct child_pool *pool, const char *nexthop)
{
	struct child_ctl *cc;
	char	why[1024] = "";
	pid_t	pid;

	if ((cc = child_pool_get(pool, nexthop, why, sizeof(why))) == NULL)
		fail_msg("child_pool_get %s: %s", nexthop, why);
	pid = cc->pid;
	child_pool_put(pool, cc, 0);
	return (pid);
}

/* Is pid on the pool's list of released children? */
static int
pool_reaping(const struct child_pool *pool, pid_t pid)
{
	int	i;

	for (i = 0; i < SJ_CHILD_POOL_REAP_MAX; i++)
		if (pool->reap[i].pid == pid)
			return (1);
	return (0);
}

/* The parent's loop between requests (parent/main.c), until no released
 * child is left unreported (bounded: a hung child fails the test). */
static void
pool_settle(struct child_pool *pool)
{
	struct pollfd pfd[8];
	int	n, timeout, i, left;

	for (i = 0; i < 200; i++) {
		for (left = 0, n = 0; n < SJ_CHILD_POOL_REAP_MAX; n++)
			left += pool->reap[n].pid != 0;
		if (left == 0)
			return;
		n = child_pool_poll_fds(pool, pfd, 8, &timeout);
		(void)poll(pfd, (nfds_t)n, timeout < 0 || timeout > 50 ? 50 :
		    timeout);
		assert_int_equal(child_pool_poll_done(pool, pfd, n), 0);
	}
	fail_msg("released children not reported by the spawner");
}

static void
test_pool_per_nexthop(void **state)
{
	struct child_pool pool;
	char	why[1024] = "", name[32];
	pid_t	a, b, again, first[SJ_CHILD_POOL_MAX];
	int	i;

	(void)state;
	NEED_WORLD();
	if (child_pool_init(&pool, &world.cfg, why, sizeof(why)) < 0)
		fail_msg("child_pool_init: %s", why);
	a = pool_pid(&pool, "[192.0.2.1]:25");
	b = pool_pid(&pool, "example.test");
	assert_true(a > 0 && b > 0);
	assert_int_not_equal(a, b);
	assert_int_equal(pool_pid(&pool, "[192.0.2.1]:25"), a);
	assert_int_equal(pool_pid(&pool, "example.test"), b);
	/* The nexthop is compared byte for byte. */
	again = pool_pid(&pool, "[192.0.2.1]:26");
	assert_int_not_equal(again, a);

	child_pool_close_all(&pool);
	if (child_pool_init(&pool, &world.cfg, why, sizeof(why)) < 0)
		fail_msg("child_pool_init: %s", why);
	for (i = 0; i < SJ_CHILD_POOL_MAX; i++) {
		snprintf(name, sizeof(name), "n%d.test", i);
		first[i] = pool_pid(&pool, name);
	}
	/* Use n0 again: n1 is now the least recently used. */
	assert_int_equal(pool_pid(&pool, "n0.test"), first[0]);
	(void)pool_pid(&pool, "extra.test");
	/* n1's child was released, not waited for: it is on the reap
	 * list until the spawner reports its exit. */
	assert_true(pool_reaping(&pool, first[1]));
	pool_settle(&pool);
	assert_false(pool_reaping(&pool, first[1]));
	/* ended and reaped by the spawner, not killed: gone */
	assert_int_equal(kill(first[1], 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(pool_pid(&pool, "n0.test"), first[0]);
	assert_int_not_equal(pool_pid(&pool, "n1.test"), first[1]);
	child_pool_close_all(&pool);
}

/* --------------------------------------------------------------- jobs */

static int
content_memfd(void)
{
	static const char text[] = "Subject: test\n\nbody\n";
	int	fd;

	fd = memfd_create("content", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1),
	    (ssize_t)sizeof(text) - 1);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL), 0);
	return (fd);
}

/* DELIVER + one RCPT; returns the first error of child_ctl_recv() or 0
 * at DONE. */
static int
run_job(struct child_ctl *cc, uint32_t job, const char *nexthop,
    int kill_first, char *why, size_t whysz)
{
	struct ipc_msg m;
	int	fd = content_memfd(), err;

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_DELIVER;
	m.fd = fd;
	m.u.deliver.job_id = job;
	m.u.deliver.rcpt_count = 1;
	m.u.deliver.content_size = 20;
	m.u.deliver.content_fd = fd;
	snprintf(m.u.deliver.nexthop, sizeof(m.u.deliver.nexthop), "%s",
	    nexthop);
	snprintf(m.u.deliver.sender, sizeof(m.u.deliver.sender),
	    "a@client.test");
	snprintf(m.u.deliver.queue_id, sizeof(m.u.deliver.queue_id), "Q%u",
	    job);
	broker_job_begin(job, nexthop);
	assert_int_equal(child_ctl_send(cc, &m, why, whysz), 0);
	close(fd);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_RCPT;
	m.fd = -1;
	m.u.rcpt.job_id = job;
	snprintf(m.u.rcpt.address, sizeof(m.u.rcpt.address), "u@%s",
	    nexthop);
	assert_int_equal(child_ctl_send(cc, &m, why, whysz), 0);
	if (kill_first)
		assert_int_equal(kill(cc->pid, SIGKILL), 0);
	for (;;) {
		if ((err = child_ctl_recv(cc, &m, 30000, why, whysz)) < 0)
			return (err);
		if (m.type == IPC_T_DONE)
			return (0);
		/* The child has no sockets: the parent's broker opens them. */
		if (m.type == IPC_T_CONNECT && broker_serve(cc->ipc_fd, &m,
		    "Q", why, whysz) < 0)
			return (-EPROTO);
	}
}

static void
test_killed_child_ends_only_its_job(void **state)
{
	struct child_pool pool;
	struct child_ctl *cc;
	char	why[1024] = "";
	pid_t	first, sp;
	int	err;

	(void)state;
	NEED_WORLD();
	if (child_pool_init(&pool, &world.cfg, why, sizeof(why)) < 0)
		fail_msg("child_pool_init: %s", why);
	sp = child_pool_spawner_pid(&pool);
	if ((cc = child_pool_get(&pool, "k.test", why, sizeof(why))) == NULL)
		fail_msg("child_pool_get: %s", why);
	first = cc->pid;
	err = run_job(cc, 1, "k.test", 1, why, sizeof(why));
	assert_int_equal(err, -ECONNRESET);
	/* how it ended, as the spawner reported it */
	if (strstr(why, "child killed by signal 9") == NULL)
		fail_msg("reason: %s", why);
	world.loglen = 0;
	child_pool_put(&pool, cc, 1);
	assert_non_null(strstr(world.log, "sandboxed child stopped"));
	/* The spawner lives on; the next job gets a fresh child. */
	assert_int_equal(kill(sp, 0), 0);
	if ((cc = child_pool_get(&pool, "k.test", why, sizeof(why))) == NULL)
		fail_msg("child_pool_get after the kill: %s", why);
	assert_int_not_equal(cc->pid, first);
	assert_int_equal(run_job(cc, 2, "k.test", 0, why, sizeof(why)), 0);
	child_pool_put(&pool, cc, 0);
	assert_false(child_pool_broken(&pool));
	child_pool_close_all(&pool);
}

/* The ids the DNS server saw since the last call. */
static size_t
dns_ids(uint16_t *ids, size_t max)
{
	size_t	n = 0;
	ssize_t	r;

	while (n < max && (r = read(world.ids_fd, &ids[n],
	    sizeof(ids[n]))) == (ssize_t)sizeof(ids[n]))
		n++;
	return (n);
}

static void
test_dns_ids_differ(void **state)
{
	struct child_pool pool;
	struct child_ctl *cc;
	const char *hops[2] = { "x.test", "y.test" };
	uint16_t ids[2][8];
	size_t	nids[2];
	char	why[1024] = "";
	pid_t	pid[2];
	int	c, j;

	(void)state;
	NEED_WORLD();
	(void)dns_ids(ids[0], 8);		/* drain */
	if (child_pool_init(&pool, &world.cfg, why, sizeof(why)) < 0)
		fail_msg("child_pool_init: %s", why);
	for (c = 0; c < 2; c++) {
		for (j = 0; j < 2; j++) {
			if ((cc = child_pool_get(&pool, hops[c], why,
			    sizeof(why))) == NULL)
				fail_msg("child_pool_get: %s", why);
			if (j == 0)
				pid[c] = cc->pid;
			/* two jobs for one nexthop: one child */
			assert_int_equal(cc->pid, pid[c]);
			if (run_job(cc, (uint32_t)(10 * c + j + 1), hops[c], 0,
			    why, sizeof(why)) < 0)
				fail_msg("job: %s", why);
			child_pool_put(&pool, cc, 0);
		}
		nids[c] = dns_ids(ids[c], 8);
		print_message("child %d (%s): %zu queries, ids %04x %04x\n",
		    (int)pid[c], hops[c], nids[c], ids[c][0], ids[c][1]);
		assert_true(nids[c] >= 2);
	}
	assert_int_not_equal(pid[0], pid[1]);
	/* Forked from one keyed resolver, both would send the same ids. */
	assert_false(ids[0][0] == ids[1][0] && ids[0][1] == ids[1][1]);
	child_pool_close_all(&pool);
}

/* ------------------------------------------------------------- world */

static void __attribute__((noreturn))
dns_serve(int fd, int out)
{
	unsigned char q[1500];
	ssize_t	n;
	struct sockaddr_in from;
	socklen_t flen;
	uint16_t id;

	for (;;) {
		flen = sizeof(from);
		n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&from,
		    &flen);
		if (n < 12)
			continue;
		memcpy(&id, q, 2);
		if (write(out, &id, sizeof(id)) < 0)
			_exit(1);
		/* NXDOMAIN, question (and OPT) echoed: one query per job */
		q[2] |= 0x80;
		q[3] = 0x83;
		(void)sendto(fd, q, (size_t)n, 0, (struct sockaddr *)&from,
		    flen);
	}
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int	fd, rc = -1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return (rc);
}

static void
write_file(const char *path, const char *text)
{
	FILE   *fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
		fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static int
world_setup(void **state)
{
	struct sockaddr_in sin;
	struct passwd *sbu;
	char	text[1024], why[512] = "";
	char   *argv[] = { "smtpjail", "-t", "unix", NULL };
	int	fd, p[2];

	(void)state;
	if (geteuid() != 0) {
		snprintf(world.skip_why, sizeof(world.skip_why), "needs root");
		return (0);
	}
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		snprintf(world.skip_why, sizeof(world.skip_why), "cannot make "
		    "a network namespace: %s", strerror(errno));
		return (0);
	}
	if ((sbu = test_sandbox_user()) == NULL) {
		fprintf(stderr, "no dedicated sandbox user\n");
		return (-1);
	}
	snprintf(world.dir, sizeof(world.dir), "/tmp/sj-spawner.XXXXXX");
	snprintf(world.sandbox, sizeof(world.sandbox),
	    "/tmp/sj-spawner-jail.XXXXXX");
	if (mkdtemp(world.dir) == NULL || mkdtemp(world.sandbox) == NULL ||
	    chmod(world.sandbox, 0755) < 0)
		return (-1);
	snprintf(world.main_cf, sizeof(world.main_cf), "%s/main.cf",
	    world.dir);
	snprintf(world.resolv, sizeof(world.resolv), "%s/resolv.conf",
	    world.dir);
	write_file(world.resolv, "nameserver 127.0.0.1\n"
	    "options timeout:2 attempts:1\n");
	snprintf(text, sizeof(text),
	    "myhostname = client.test\n"
	    "smtpjail_sandbox_user = %s\n"
	    "smtpjail_sandbox_directory = %s\n"
	    "smtpjail_resolv_conf = %s\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "inet_protocols = ipv4\n", sbu->pw_name, world.sandbox,
	    world.resolv);
	write_file(world.main_cf, text);
	setenv("MAIL_CONFIG", world.dir, 1);
	unsetenv("MAIL_VERBOSE");
	unsetenv("MAIL_DEBUG");
	if (sj_config_load(&world.cfg, 3, argv, why, sizeof(why)) < 0) {
		fprintf(stderr, "sj_config_load: %s\n", why);
		return (-1);
	}
	/* The parent's egress broker answers the children's CONNECTs. */
	if (broker_init(&world.cfg, why, sizeof(why)) < 0) {
		fprintf(stderr, "broker_init: %s\n", why);
		return (-1);
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
		return (-1);
	if ((world.dns_pid = fork()) == 0) {
		close(p[0]);
		dns_serve(fd, p[1]);
	}
	close(fd);
	close(p[1]);
	world.ids_fd = p[0];
	msg_set_sink(cap_sink, NULL);
	world.ok = 1;
	return (0);
}

static int
world_teardown(void **state)
{
	int	st;

	(void)state;
	if (world.dns_pid > 0) {
		kill(world.dns_pid, SIGKILL);
		waitpid(world.dns_pid, &st, 0);
	}
	if (world.dir[0]) {
		unlink(world.main_cf);
		unlink(world.resolv);
		rmdir(world.dir);
	}
	if (world.sandbox[0])
		rmdir(world.sandbox);
	return (0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_live_spawner),
		cmocka_unit_test(test_spawner_filter),
		cmocka_unit_test(test_spawner_bad_request),
		cmocka_unit_test(test_parent_checks_answers),
		cmocka_unit_test(test_pool_per_nexthop),
		cmocka_unit_test(test_killed_child_ends_only_its_job),
		cmocka_unit_test(test_dns_ids_differ),
	};

	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests_name("spawner", tests, world_setup,
	    world_teardown));
}

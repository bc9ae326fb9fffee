/*
 * NAME
 *	test_sandbox 1
 * SUMMARY
 *	sandbox conformance: the live child, forbidden and permitted calls
 * DESCRIPTION
 *	Forks children that enter the real sandbox (sandbox_child_enter()
 *	into an empty root-owned directory, as the test run's dedicated
 *	sandbox user, tests/sandbox/test_user.h) and checks:
 *
 *	- sandbox_report() on a live sandboxed child says ok, and on an
 *	  unsandboxed one says FAILED;
 *	- every forbidden operation (open, openat, execve, AF_UNIX and
 *	  other non-IP sockets, ptrace, chmod, fork, kill, mount, ...) kills
 *	  the child with SIGSYS;
 *	- every operation the child needs (IP sockets, connect, poll, I/O
 *	  on pipes and sockets, pread on a memfd, fd passing on the IPC
 *	  socketpair, malloc, clocks, the whole sys_* layer) works;
 *	- c-ares 1.18 resolves a name inside the sandbox, over UDP and TCP,
 *	  with its own sockets and through sys_*, against a responder run
 *	  by this test on 127.0.0.1;
 *	- trap mode reports the system call number on stderr;
 *	- sandbox_check_spec() refuses each bad directory or user, saying
 *	  why;
 *	- sandbox_parent_enter() drops to the given user and its deny-list
 *	  kills what it lists;
 *	- the exported filters equal tests/fixtures/policy_*.pfc.
 *
 *	Needs root: each test is skipped with a message otherwise.
 * SEE ALSO
 *	policy/, tests/sandbox/aux_export_policy.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pwd.h>
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
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <sys/random.h>

#include <openssl/rand.h>

#include "dns.h"
#include "ipc_chan.h"
#include "ipc_fdpass.h"
#include "sj_limits.h"
#include "sj_sandbox.h"
#include "sj_sandbox_report.h"
#include "sj_spawner.h"
#include "sj_sys.h"
#include "test_user.h"

#define CONTENT		"0123456789abcdefghijklmnopqrstuvwxyz"
#define WAIT_LIMIT_S	60		/* only against hangs */
#define EXIT_NO_SANDBOX	90		/* sandbox_child_enter() failed */
#define DNS_ANSWER_ADDR	"10.1.2.3"

extern char **environ;

struct tctx {
	char	dir[64];		/* empty, root-owned, 0755 */
	uid_t	uid;			/* nobody */
	gid_t	gid;			/* its own group */
	uid_t	forbidden;		/* stands in for $mail_owner */
	gid_t	forbidden_gid;
	int	tcp_fd;			/* listening on 127.0.0.1 */
	uint16_t tcp_port;
	int	memfd;			/* sealed, holds CONTENT */
	int	seq[2];			/* SOCK_SEQPACKET pair, as the IPC */
	int	hold[2];		/* pipe a child waits on */
	int	pfd[2];			/* pipe for I/O tests */
	pid_t	victim;			/* a process nobody may signal */
	int	have_inet6;
	int	inet_udp;		/* an unconnected UDP socket, inherited */
	int	bsv[2];			/* IPC pair per run: [1] becomes fd 3 */
	int	given_tcp;		/* made in prep: connected to tcp_fd */
	int	given_udp;		/* made in prep: connected to itself */
	struct dns_ctx dns;		/* dns.c rows */
	/* c-ares rows, set per row before the fork */
	uint16_t dns_port;
	int	dns_flags;
	ares_channel channel;
};

typedef int (*op_fn)(struct tctx *);

/* Skip unless root: every test here needs to chroot and change ids. */
#define NEED_ROOT() do { \
	if (geteuid() != 0) { \
		print_message("skipped: sandbox tests need root " \
		    "(chroot, setresuid, capabilities)\n"); \
		skip(); \
	} \
} while (0)

static void
spec_of(const struct tctx *t, struct sj_sandbox_spec *spec, int trap)
{
	memset(spec, 0, sizeof(*spec));
	spec->directory = t->dir;
	spec->uid = t->uid;
	spec->gid = t->gid;
	spec->forbidden_uid = t->forbidden;
	spec->seccomp_trap = trap;
}

/*
 * Fork a child that runs prep() (outside the jail), enters the sandbox
 * and exits with op()'s result. errfd, if >= 0, becomes its stderr.
 */
/* In a forked child: cmocka's signal handlers must not run there. */
static void
default_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS,
	    SIGABRT };
	size_t	i;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

static pid_t
sandboxed(struct tctx *t, int trap, int errfd, op_fn prep, op_fn op)
{
	struct sj_sandbox_spec spec;
	char	why[512];
	pid_t	pid;
	int	rc;

	if ((pid = fork()) != 0)
		return (pid);
	default_signals();
	if (errfd >= 0 && dup2(errfd, STDERR_FILENO) < 0)
		_exit(EXIT_NO_SANDBOX);
	if (prep != NULL && (rc = prep(t)) != 0)
		_exit(rc);
	spec_of(t, &spec, trap);
	if (sandbox_child_enter(&spec, why, sizeof(why)) < 0) {
		dprintf(STDERR_FILENO, "sandbox_child_enter: %s\n", why);
		_exit(EXIT_NO_SANDBOX);
	}
	_exit(op(t));
}

/* Wait status of pid; kills it after WAIT_LIMIT_S (only against hangs). */
static int
wait_for(pid_t pid)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int	i, st;

	for (i = 0; i < WAIT_LIMIT_S * 100; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (st);
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("child %d still running after %d s", (int)pid, WAIT_LIMIT_S);
	return (st);
}

static void
describe(int st, char *buf, size_t bufsz)
{
	if (WIFEXITED(st))
		snprintf(buf, bufsz, "exit status %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, bufsz, "signal %d (%s)", WTERMSIG(st),
		    strsignal(WTERMSIG(st)));
	else
		snprintf(buf, bufsz, "wait status 0x%x", (unsigned)st);
}

static struct sockaddr_in
loopback(uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return (sin);
}

static int
bound_socket(int type, uint16_t port, uint16_t *bound)
{
	struct sockaddr_in sin = loopback(port);
	socklen_t len = sizeof(sin);
	int	fd, one = 1;

	if ((fd = socket(AF_INET, type | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, 64) < 0) ||
	    getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
		close(fd);
		return (-1);
	}
	*bound = ntohs(sin.sin_port);
	return (fd);
}

/*
 * Fixtures.
 */
static int
group_setup(void **state)
{
	struct tctx *t;
	struct passwd *pw;
	int	fd;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	*state = t;
	t->victim = -1;
	snprintf(t->dir, sizeof(t->dir), "/tmp/sj-sandbox.XXXXXX");
	if (mkdtemp(t->dir) == NULL || chmod(t->dir, 0755) < 0)
		return (-1);
	if ((pw = test_sandbox_user()) == NULL)
		return (-1);
	t->uid = pw->pw_uid;
	t->gid = pw->pw_gid;
	if ((pw = getpwnam("postfix")) != NULL) {
		t->forbidden = pw->pw_uid;
		t->forbidden_gid = pw->pw_gid;
	} else {
		t->forbidden = t->forbidden_gid = 1;
	}
	if ((t->tcp_fd = bound_socket(SOCK_STREAM, 0, &t->tcp_port)) < 0)
		return (-1);
	if ((t->memfd = memfd_create("content", MFD_CLOEXEC |
	    MFD_ALLOW_SEALING)) < 0 ||
	    write(t->memfd, CONTENT, strlen(CONTENT)) !=
	    (ssize_t)strlen(CONTENT) ||
	    fcntl(t->memfd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK |
	    F_SEAL_GROW | F_SEAL_WRITE) < 0)
		return (-1);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, t->seq) < 0)
		return (-1);
	if (pipe2(t->pfd, O_CLOEXEC) < 0)
		return (-1);
	if ((t->inet_udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	t->bsv[0] = t->bsv[1] = -1;
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) >= 0) {
		t->have_inet6 = 1;
		close(fd);
	}
	if ((t->victim = fork()) == 0) {
		pause();
		_exit(0);
	}
	return (t->victim < 0 ? -1 : 0);
}

static int
group_teardown(void **state)
{
	struct tctx *t = *state;

	if (t == NULL)
		return (0);
	if (t->victim > 0) {
		kill(t->victim, SIGKILL);
		waitpid(t->victim, NULL, 0);
	}
	close(t->tcp_fd);
	close(t->memfd);
	close(t->seq[0]);
	close(t->seq[1]);
	close(t->pfd[0]);
	close(t->pfd[1]);
	close(t->inet_udp);
	rmdir(t->dir);
	free(t);
	return (0);
}

/*
 * The report on a live child.
 */
static int
op_hold(struct tctx *t)
{
	char	c;

	close(t->hold[1]);
	/* Returns at EOF: the test closed its end. */
	return (read(t->hold[0], &c, 1) == 0 ? 0 : 1);
}

/* Line by line: print_message() has a bounded buffer. */
static void
print_lines(const char *buf)
{
	const char *line, *end;

	for (line = buf; (end = strchr(line, '\n')) != NULL; line = end + 1)
		print_message("%.*s\n", (int)(end - line), line);
}

static char *
report_of(pid_t pid, const struct sj_sandbox_spec *spec, int *rc)
{
	char   *buf = NULL;
	size_t	len = 0;
	FILE   *fp;

	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	*rc = sandbox_report(pid, spec, fp);
	fclose(fp);
	return (buf);
}

static void
test_report_sandboxed(void **state)
{
	struct tctx *t = *state;
	struct sj_sandbox_spec spec;
	char   *out, what[64];
	pid_t	pid;
	int	i, rc, st;

	NEED_ROOT();
	assert_int_equal(pipe2(t->hold, O_CLOEXEC), 0);
	pid = sandboxed(t, 0, -1, NULL, op_hold);
	assert_true(pid > 0);
	close(t->hold[0]);
	/* Seccomp is the last step: report once it is in place. */
	spec_of(t, &spec, 0);
	for (i = 0;; i++) {
		out = report_of(pid, &spec, &rc);
		if (rc == 0 || strstr(out, "Seccomp 2 ok") != NULL || i == 500)
			break;
		free(out);
		usleep(20000);
	}
	print_lines(out);
	close(t->hold[1]);
	st = wait_for(pid);
	describe(st, what, sizeof(what));
	assert_int_equal(rc, 0);
	assert_non_null(strstr(out,
	    "sandbox-check: CapBnd 0000000000000000 ok"));
	assert_non_null(strstr(out, "sandbox-check: NoNewPrivs 1 ok"));
	assert_non_null(strstr(out, "sandbox-check: dumpable 0 ok"));
	assert_non_null(strstr(out, "sandbox-check: RLIMIT_NPROC 0/0 ok"));
	assert_non_null(strstr(out, "sandbox-check: allowed-syscalls "));
	assert_string_equal(out + strlen(out) - strlen("sandbox-check: ok\n"),
	    "sandbox-check: ok\n");
	free(out);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("sandboxed child ended with %s", what);
}

/* Says "sandboxed" on pfd, then waits like op_hold. */
static int
op_ready_hold(struct tctx *t)
{
	close(t->pfd[0]);
	if (write(t->pfd[1], "r", 1) != 1)
		return (1);
	return (op_hold(t));
}

/*
 * PR_SET_PDEATHSIG: a sandboxed child whose parent ends is killed by
 * the kernel, even though nobody closes the pipe it waits on (this
 * process keeps it open) and nobody may signal it.
 */
static void
test_parent_death(void **state)
{
	struct tctx *t = *state;
	char	c, what[64];
	pid_t	mid, child = -1;
	int	st, report[2], group_pfd[2];

	NEED_ROOT();
	/* t->pfd belongs to the group (the I/O tests): borrow it */
	memcpy(group_pfd, t->pfd, sizeof(group_pfd));
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
	assert_int_equal(pipe2(t->hold, O_CLOEXEC), 0);
	assert_int_equal(pipe2(t->pfd, O_CLOEXEC), 0);
	assert_int_equal(pipe2(report, O_CLOEXEC), 0);
	if ((mid = fork()) == 0) {
		/* the "parent": starts the child, waits until it is
		 * sandboxed, reports its pid, ends */
		close(report[0]);
		child = sandboxed(t, 0, -1, NULL, op_ready_hold);
		/* EOF, not a hang, if the child dies before "r". */
		close(t->pfd[1]);
		if (child < 0 || read(t->pfd[0], &c, 1) != 1 ||
		    write(report[1], &child, sizeof(child)) !=
		    (ssize_t)sizeof(child))
			_exit(1);
		_exit(0);
	}
	assert_true(mid > 0);
	close(report[1]);
	close(t->pfd[0]);
	close(t->pfd[1]);
	close(t->hold[0]);
	assert_int_equal(read(report[0], &child, sizeof(child)),
	    sizeof(child));
	close(report[0]);
	st = wait_for(mid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	/* orphaned, reparented to us (subreaper): must die of SIGKILL */
	st = wait_for(child);
	describe(st, what, sizeof(what));
	close(t->hold[1]);
	memcpy(t->pfd, group_pfd, sizeof(group_pfd));
	assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0), 0);
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
		fail_msg("orphaned sandboxed child ended with %s, not SIGKILL",
		    what);
}

static void
test_report_unsandboxed(void **state)
{
	struct tctx *t = *state;
	struct sj_sandbox_spec spec;
	char   *out;
	pid_t	pid;
	int	rc;

	NEED_ROOT();
	assert_int_equal(pipe2(t->hold, O_CLOEXEC), 0);
	if ((pid = fork()) == 0)
		_exit(op_hold(t));
	assert_true(pid > 0);
	close(t->hold[0]);
	spec_of(t, &spec, 0);
	out = report_of(pid, &spec, &rc);
	close(t->hold[1]);
	wait_for(pid);
	/*
	 * The expected report is not printed: its "FAILED" lines would
	 * read as a test failure in a CI log. Shown only when it is wrong.
	 */
	if (rc != -1 ||
	    strstr(out, "sandbox-check: uid 0/0/0/0 FAILED") == NULL ||
	    strstr(out, "sandbox-check: Seccomp 0 FAILED") == NULL ||
	    strstr(out, "sandbox-check: FAILED (uid, gid") == NULL)
		print_lines(out);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(out, "sandbox-check: uid 0/0/0/0 FAILED"));
	assert_non_null(strstr(out, "sandbox-check: Seccomp 0 FAILED"));
	assert_non_null(strstr(out, "sandbox-check: FAILED (uid, gid"));
	free(out);
}

/*
 * Forbidden operations: each must kill the child with SIGSYS.
 */
static int
op_open_libc(struct tctx *t)
{
	(void)t;
	return (open("/etc/passwd", O_RDONLY) >= 0 ? 0 : 1);
}

static int
op_open_raw(struct tctx *t)
{
	(void)t;
	return (syscall(SYS_open, "/etc/passwd", O_RDONLY) >= 0 ? 0 : 1);
}

static int
op_openat(struct tctx *t)
{
	(void)t;
	return (syscall(SYS_openat, AT_FDCWD, "/", O_RDONLY) >= 0 ? 0 : 1);
}

static int
op_execve(struct tctx *t)
{
	char   *argv[] = { "true", NULL };

	(void)t;
	execve("/bin/true", argv, environ);
	return (1);
}

static int
op_socket_unix(struct tctx *t)
{
	(void)t;
	return (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1);
}

static int
op_connect_unix(struct tctx *t)
{
	struct sockaddr_un sun;
	int	fd;

	(void)t;
	/* An abstract socket needs no path: only socket() stands between
	 * a chrooted process and it. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, "\0smtpjail-test", 14);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return (1);
	return (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 ? 0 : 1);
}

static int
op_socket_netlink(struct tctx *t)
{
	(void)t;
	return (socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE) >= 0 ? 0 : 1);
}

static int
op_socket_raw(struct tctx *t)
{
	(void)t;
	return (socket(AF_INET, SOCK_RAW, IPPROTO_ICMP) >= 0 ? 0 : 1);
}

static int
op_socket_ping(struct tctx *t)
{
	(void)t;
	return (socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) >= 0 ? 0 : 1);
}

static int
op_socket_sctp(struct tctx *t)
{
	(void)t;
	return (socket(AF_INET6, SOCK_STREAM, IPPROTO_SCTP) >= 0 ? 0 : 1);
}

static int
op_socket_packet(struct tctx *t)
{
	(void)t;
	return (socket(AF_PACKET, SOCK_DGRAM, 0) >= 0 ? 0 : 1);
}

static int
op_socketpair(struct tctx *t)
{
	int	sv[2];

	(void)t;
	return (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 ? 0 : 1);
}

static int
op_ptrace(struct tctx *t)
{
	(void)t;
	return (ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : 1);
}

static int
op_chmod(struct tctx *t)
{
	(void)t;
	return (chmod("/", 0777) == 0 ? 0 : 1);
}

static int
op_fork(struct tctx *t)
{
	pid_t	pid;

	(void)t;
	if ((pid = fork()) == 0)
		_exit(0);
	return (pid > 0 ? 0 : 1);
}

static int
op_kill(struct tctx *t)
{
	return (kill(t->victim, SIGTERM) == 0 ? 0 : 1);
}

static int
op_mount(struct tctx *t)
{
	(void)t;
	return (mount("none", "/", "tmpfs", 0, NULL) == 0 ? 0 : 1);
}

static int
op_mmap_exec(struct tctx *t)
{
	(void)t;
	return (mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0) != MAP_FAILED ? 0 : 1);
}

static int
op_mmap_file(struct tctx *t)
{
	return (mmap(NULL, 4096, PROT_READ, MAP_SHARED, t->memfd, 0) !=
	    MAP_FAILED ? 0 : 1);
}

static int
op_mprotect(struct tctx *t)
{
	void   *p;

	(void)t;
	p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (2);
	return (mprotect(p, 4096, PROT_READ | PROT_EXEC) == 0 ? 0 : 1);
}

static int
op_setuid(struct tctx *t)
{
	(void)t;
	return (setuid(0) == 0 ? 0 : 1);
}

static int
op_unshare(struct tctx *t)
{
	(void)t;
	return (unshare(CLONE_NEWUSER) == 0 ? 0 : 1);
}

static int
op_fcntl_dupfd(struct tctx *t)
{
	(void)t;
	return (fcntl(STDERR_FILENO, F_DUPFD, 10) >= 0 ? 0 : 1);
}

static int
op_dup(struct tctx *t)
{
	(void)t;
	return (dup(STDERR_FILENO) >= 0 ? 0 : 1);
}

static int
op_ioctl(struct tctx *t)
{
	int	one = 1;

	(void)t;
	return (ioctl(t->pfd[0], FIONBIO, &one) == 0 ? 0 : 1);
}

/* The socket calls below use a socket made before the sandbox, so that
 * the call under test, not socket(), is what the filter meets. */
static int
op_bind(struct tctx *t)
{
	struct sockaddr_in sin = loopback(0);

	return (bind(t->inet_udp, (struct sockaddr *)&sin,
	    sizeof(sin)) == 0 ? 0 : 1);
}

static int
op_getsockopt_other(struct tctx *t)
{
	socklen_t len = sizeof(int);
	int	v;

	return (getsockopt(t->inet_udp, SOL_SOCKET, SO_TYPE, &v,
	    &len) == 0 ? 0 : 1);
}

static int
op_setsockopt_other(struct tctx *t)
{
	int	one = 1;

	return (setsockopt(t->inet_udp, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == 0 ? 0 : 1);
}

/* Another option at TCP's level than the ones allowed. */
static int
op_setsockopt_tcp_cork(struct tctx *t)
{
	int	one = 1;

	return (setsockopt(t->inet_udp, IPPROTO_TCP, TCP_CORK, &one,
	    sizeof(one)) == 0 ? 0 : 1);
}

/* TCP_QUICKACK's number at the socket level (SO_PRIORITY): the level
 * is checked with the name. */
static int
op_setsockopt_quickack_sol(struct tctx *t)
{
	int	one = 1;

	return (setsockopt(t->inet_udp, SOL_SOCKET, TCP_QUICKACK, &one,
	    sizeof(one)) == 0 ? 0 : 1);
}

static int
op_setsockopt_nodelay(struct tctx *t)
{
	int	one = 1;

	return (setsockopt(t->inet_udp, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one)) == 0 ? 0 : 1);
}

/* Finding 2 of the review: no socket, no connect, no sendto anywhere. */
static int
op_socket_inet(struct tctx *t, int family, int type)
{
	(void)t;
	return (socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0) >= 0 ?
	    0 : 1);
}

static int
op_inet4_tcp(struct tctx *t)
{
	return (op_socket_inet(t, AF_INET, SOCK_STREAM));
}

static int
op_inet4_udp(struct tctx *t)
{
	return (op_socket_inet(t, AF_INET, SOCK_DGRAM));
}

static int
op_inet6_tcp(struct tctx *t)
{
	return (op_socket_inet(t, AF_INET6, SOCK_STREAM));
}

static int
op_connect_inet(struct tctx *t)
{
	struct sockaddr_in sin = loopback(t->tcp_port);

	return (connect(t->inet_udp, (struct sockaddr *)&sin,
	    sizeof(sin)) == 0 ? 0 : 1);
}

static int
op_sendto_dest(struct tctx *t)
{
	struct sockaddr_in sin = loopback(514);

	return (sendto(t->inet_udp, "x", 1, MSG_NOSIGNAL,
	    (struct sockaddr *)&sin, sizeof(sin)) == 1 ? 0 : 1);
}

static int
op_sendto_fastopen(struct tctx *t)
{
	return (sendto(t->inet_udp, "x", 1, MSG_NOSIGNAL | MSG_FASTOPEN,
	    NULL, 0) == 1 ? 0 : 1);
}

static int
op_send_no_nosignal(struct tctx *t)
{
	return (send(t->inet_udp, "x", 1, 0) == 1 ? 0 : 1);
}

/* Finding 8: calls nothing makes any more. */
static int
op_writev(struct tctx *t)
{
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };

	return (writev(t->pfd[1], iov, 2) == 4 ? 0 : 1);
}

static int
op_getsockname(struct tctx *t)
{
	struct sockaddr_in me;
	socklen_t len = sizeof(me);

	return (getsockname(t->inet_udp, (struct sockaddr *)&me,
	    &len) == 0 ? 0 : 1);
}

static int
op_fcntl_getfl(struct tctx *t)
{
	return (fcntl(t->pfd[0], F_GETFL) >= 0 ? 0 : 1);
}

static int __attribute__((unused))
op_rt_sigreturn(struct tctx *t)
{
	(void)t;
	/* Without a frame this would fault; the filter must kill first. */
	return (syscall(SYS_rt_sigreturn) == 0 ? 0 : 1);
}

/* sendmsg/recvmsg on a descriptor other than the IPC socket (fd 3). */
static int
ipc_other(const struct tctx *t)
{
	return (t->seq[0] != 3 ? t->seq[0] : t->seq[1]);
}

static int
op_sendmsg_other(struct tctx *t)
{
	struct iovec iov = { "x", 1 };
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	return (sendmsg(ipc_other(t), &mh, MSG_NOSIGNAL) == 1 ? 0 : 1);
}

static int
op_recvmsg_other(struct tctx *t)
{
	char	c;
	struct iovec iov = { &c, 1 };
	struct msghdr mh;

	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	return (recvmsg(ipc_other(t), &mh, MSG_DONTWAIT |
	    MSG_CMSG_CLOEXEC) >= 0 ? 0 : 1);
}

static int
op_memfd_create(struct tctx *t)
{
	(void)t;
	return (memfd_create("x", 0) >= 0 ? 0 : 1);
}

/* getrandom with a flag OpenSSL does not use (the blocking pool). */
static int
op_getrandom_random(struct tctx *t)
{
	unsigned char b[8];

	(void)t;
	return (syscall(SYS_getrandom, b, sizeof(b), GRND_RANDOM) >= 0 ?
	    0 : 1);
}

static int
op_io_uring(struct tctx *t)
{
	unsigned char params[120];

	(void)t;
	memset(params, 0, sizeof(params));
	return (syscall(SYS_io_uring_setup, 1, params) >= 0 ? 0 : 1);
}

#ifdef __x86_64__
static int
op_int80(struct tctx *t)
{
	long	rv = 20;		/* i386 getpid */

	(void)t;
	__asm__ volatile ("int $0x80" : "+a" (rv) : : "memory");
	return (rv > 0 ? 0 : 1);
}

/* 1 if this kernel runs i386 system calls (IA32 emulation). */
static int
ia32_available(void)
{
	pid_t	pid;
	int	st;

	if ((pid = fork()) == 0) {
		default_signals();
		_exit(op_int80(NULL));
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return (0);
	return (WIFEXITED(st));
}

static int
op_x32(struct tctx *t)
{
	(void)t;
	/* __X32_SYSCALL_BIT | write */
	return (syscall(0x40000000L | SYS_write, 2, "", 0) >= 0 ? 0 : 1);
}
#endif

struct op_row {
	const char *name;
	op_fn	fn;
	int	asan_allows;		/* not a kill in an ASan build */
};

static const struct op_row forbidden[] = {
	{ "open(\"/etc/passwd\") (libc: openat)", op_open_libc, 1 },
	{ "open syscall", op_open_raw, 1 },
	{ "openat syscall", op_openat, 1 },
	{ "execve(\"/bin/true\")", op_execve, 0 },
	{ "socket(AF_UNIX)", op_socket_unix, 0 },
	{ "connect to a UNIX socket", op_connect_unix, 0 },
	{ "socket(AF_NETLINK)", op_socket_netlink, 0 },
	{ "socket(AF_PACKET)", op_socket_packet, 0 },
	{ "socket(AF_INET, SOCK_RAW)", op_socket_raw, 0 },
	{ "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)", op_socket_ping, 0 },
	{ "socket(AF_INET6, SOCK_STREAM, IPPROTO_SCTP)", op_socket_sctp, 0 },
	{ "socketpair(AF_UNIX)", op_socketpair, 0 },
	{ "ptrace(PTRACE_TRACEME)", op_ptrace, 0 },
	{ "chmod(\"/\", 0777)", op_chmod, 0 },
	{ "fork()", op_fork, 0 },
	{ "kill(other, SIGTERM)", op_kill, 0 },
	{ "mount", op_mount, 0 },
	{ "mmap(PROT_EXEC)", op_mmap_exec, 0 },
	{ "mmap of a file", op_mmap_file, 0 },
	{ "mprotect", op_mprotect, 0 },
	{ "setuid(0)", op_setuid, 0 },
	{ "unshare(CLONE_NEWUSER)", op_unshare, 0 },
	{ "fcntl(F_DUPFD)", op_fcntl_dupfd, 0 },
	{ "dup", op_dup, 0 },
	{ "ioctl(FIONBIO)", op_ioctl, 1 },
	{ "bind", op_bind, 0 },
	{ "getsockopt(SO_TYPE)", op_getsockopt_other, 0 },
	{ "setsockopt(SO_REUSEADDR)", op_setsockopt_other, 0 },
	{ "setsockopt(IPPROTO_TCP, TCP_CORK)", op_setsockopt_tcp_cork, 0 },
	{ "setsockopt(SOL_SOCKET, TCP_QUICKACK)",
	    op_setsockopt_quickack_sol, 0 },
	{ "setsockopt(TCP_NODELAY)", op_setsockopt_nodelay, 0 },
	{ "socket(AF_INET, SOCK_STREAM)", op_inet4_tcp, 0 },
	{ "socket(AF_INET, SOCK_DGRAM)", op_inet4_udp, 0 },
	{ "socket(AF_INET6, SOCK_STREAM)", op_inet6_tcp, 0 },
	{ "connect to 127.0.0.1", op_connect_inet, 0 },
	{ "sendto 127.0.0.1:514", op_sendto_dest, 0 },
	{ "sendto(MSG_FASTOPEN)", op_sendto_fastopen, 0 },
	{ "send without MSG_NOSIGNAL", op_send_no_nosignal, 0 },
	{ "writev", op_writev, 0 },
	{ "getsockname", op_getsockname, 0 },
	{ "fcntl(F_GETFL)", op_fcntl_getfl, 0 },
#ifndef SJ_ASAN
	/* The ASan build allows it for the runtime's signal handlers. */
	{ "rt_sigreturn (kill mode)", op_rt_sigreturn, 0 },
#endif
	{ "sendmsg on a descriptor other than 3", op_sendmsg_other, 0 },
	{ "recvmsg on a descriptor other than 3", op_recvmsg_other, 0 },
	{ "memfd_create", op_memfd_create, 0 },
	{ "getrandom(GRND_RANDOM)", op_getrandom_random, 0 },
	{ "io_uring_setup", op_io_uring, 0 },
#ifdef __x86_64__
	{ "i386 ABI (int 0x80)", op_int80, 0 },
	{ "x32 ABI", op_x32, 0 },
#endif
};

static void
test_forbidden(void **state)
{
	struct tctx *t = *state;
	char	what[64];
	size_t	i;
	int	st, bad = 0;

	NEED_ROOT();
	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
#ifdef __x86_64__
		if (forbidden[i].fn == op_int80 && !ia32_available()) {
			print_message("%-45s skipped (no i386 ABI in this "
			    "kernel)\n", forbidden[i].name);
			continue;
		}
#endif
		st = wait_for(sandboxed(t, 0, -1, NULL, forbidden[i].fn));
		describe(st, what, sizeof(what));
#ifdef SJ_ASAN
		if (forbidden[i].asan_allows) {
			/* The call fails (ENOENT, ENOTTY): the op exits 1. */
			if (WIFEXITED(st) && WEXITSTATUS(st) == 1) {
				print_message("%-45s fails (ASan build): ok\n",
				    forbidden[i].name);
			} else {
				print_message("%-45s %s: NOT FAILED\n",
				    forbidden[i].name, what);
				bad++;
			}
			continue;
		}
#endif
		st = wait_for(sandboxed(t, 0, -1, NULL, forbidden[i].fn));
		describe(st, what, sizeof(what));
		if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
			print_message("%-45s killed by SIGSYS: ok\n",
			    forbidden[i].name);
		} else {
			print_message("%-45s %s: NOT KILLED\n",
			    forbidden[i].name, what);
			bad++;
		}
	}
	/* The victim outlived the kill attempt. */
	assert_int_equal(kill(t->victim, 0), 0);
	assert_int_equal(bad, 0);
}

/*
 * Permitted operations: each child must exit 0.
 */

/* Before the sandbox, as the broker would: sockets the child is given. */
static int
prep_given(struct tctx *t)
{
	struct sockaddr_in sin = loopback(t->tcp_port), me;
	socklen_t len = sizeof(me);

	if ((t->given_tcp = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) < 0
	    || (connect(t->given_tcp, (struct sockaddr *)&sin, sizeof(sin)) < 0
	    && errno != EINPROGRESS))
		return (20);
	sin = loopback(0);
	if ((t->given_udp = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    bind(t->given_udp, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
	    getsockname(t->given_udp, (struct sockaddr *)&me, &len) < 0 ||
	    connect(t->given_udp, (struct sockaddr *)&me, len) < 0)
		return (21);
	return (0);
}

/* What the child does with a socket the parent connected. */
static int
op_given_io(struct tctx *t)
{
	struct pollfd pfd = { t->given_tcp, POLLOUT, 0 };
	socklen_t len = sizeof(int);
	char	buf[8];
	int	err = -1;

	if (poll(&pfd, 1, 30000) != 1)
		return (1);
	if (getsockopt(t->given_tcp, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    err != 0)
		return (2);
	if (write(t->given_tcp, "EHLO x\r\n", 8) != 8 ||
	    send(t->given_tcp, "QUIT\r\n", 6, MSG_NOSIGNAL) != 6)
		return (3);
	if (send(t->given_udp, "ping", 4, MSG_NOSIGNAL) != 4 ||
	    recvfrom(t->given_udp, buf, sizeof(buf), 0, NULL, NULL) != 4 ||
	    memcmp(buf, "ping", 4) != 0)
		return (4);
	return (close(t->given_tcp) == 0 && close(t->given_udp) == 0 ? 0 : 5);
}

static int
op_pipe_io(struct tctx *t)
{
	struct pollfd pfd = { t->pfd[0], POLLIN, 0 };
	char	buf[8];

	if (write(t->pfd[1], "xyz", 3) != 3)
		return (1);
	if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLIN))
		return (2);
	if (read(t->pfd[0], buf, 3) != 3 || memcmp(buf, "xyz", 3) != 0)
		return (3);
	return (0);
}

static int
op_memfd_read(struct tctx *t)
{
	char	buf[sizeof(CONTENT)];

	if (pread(t->memfd, buf, 10, 10) != 10 ||
	    memcmp(buf, &CONTENT[10], 10) != 0)
		return (1);
	return (read(t->memfd, buf, 1) >= 0 ? 0 : 2);
}

/* A descriptor other than 3 that must survive the move onto 3. */
static int
move_off_3(int *fd)
{
	int	nfd;

	if (*fd != 3)
		return (0);
	if ((nfd = fcntl(*fd, F_DUPFD_CLOEXEC, 10)) < 0)
		return (-1);
	*fd = nfd;
	return (0);
}

/*
 * Before the sandbox: the IPC socket on fd 3, as child_main.c puts it
 * (t->bsv made by the test before the fork; the test holds bsv[0]).
 */
static int
prep_ipc(struct tctx *t)
{
	if (move_off_3(&t->memfd) < 0 || move_off_3(&t->pfd[0]) < 0 ||
	    move_off_3(&t->pfd[1]) < 0 || move_off_3(&t->inet_udp) < 0)
		return (22);
	if (t->bsv[1] != 3 && dup3(t->bsv[1], 3, O_CLOEXEC) < 0)
		return (23);
	sys_set_ipc(3);
	sys_set_job(1);
	return (0);
}

static int
op_fd_passing(struct tctx *t)
{
	struct ipc_fdpass_info in;
	char	byte = 0, buf[4];
	int	fd;

	/* As the child receives DELIVER (queued by the test) on fd 3:
	 * recvmsg(3, MSG_CMSG_CLOEXEC), as ipc_chan_recv() makes it. */
	(void)t;
	if (ipc_fdpass_recv(3, &byte, 1, MSG_CMSG_CLOEXEC, &fd, 1,
	    &in) < 0 || in.len != 1 || byte != 'D')
		return (2);
	if (in.nfds != 1 || in.nextra != 0)
		return (3);
	if (pread(fd, buf, 4, 0) != 4 || memcmp(buf, CONTENT, 4) != 0)
		return (4);
	/* And answers on fd 3 (sendmsg, MSG_NOSIGNAL, no descriptor). */
	byte = 'R';
	if (ipc_fdpass_send(3, &byte, 1, MSG_NOSIGNAL, NULL, 0) != 0)
		return (1);
	return (close(fd) == 0 ? 0 : 5);
}

/* The test's side of fd 3 for op_fd_passing: DELIVER's memfd queued. */
static void
queue_deliver(struct tctx *t)
{
	char	byte = 'D';

	assert_int_equal(ipc_fdpass_send(t->bsv[0], &byte, 1, MSG_NOSIGNAL,
	    &t->memfd, 1), 0);
}

/*
 * A test broker: answers one CONNECT on bfd by opening the socket here
 * (no policy: the egress policy has its own tests). 1 when it answered
 * one, 0 when there was nothing to read, -1 at EOF or on an error.
 */
static int
test_broker_answer(int bfd)
{
	struct sockaddr_storage ss;
	struct ipc_msg m, a;
	socklen_t len;
	char	why[256];
	int	fd, rc;

	if (ipc_chan_recv(bfd, IPC_C2P, &m, why, sizeof(why)) < 0)
		return (-1);
	if (m.type != IPC_T_CONNECT) {
		ipc_msg_release(&m);
		return (0);
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, m.u.connect.addr,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port =
		    htons((uint16_t)m.u.connect.port);
		len = sizeof(struct sockaddr_in);
	} else {
		ss.ss_family = AF_INET6;
		inet_pton(AF_INET6, m.u.connect.addr,
		    &((struct sockaddr_in6 *)&ss)->sin6_addr);
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)m.u.connect.port);
		len = sizeof(struct sockaddr_in6);
	}
	fd = socket(ss.ss_family, (m.u.connect.purpose == IPC_CONN_DNS_UDP ?
	    SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&ss, len) < 0 &&
	    errno != EINPROGRESS) {
		close(fd);
		fd = -1;
	}
	memset(&a, 0, sizeof(a));
	a.type = IPC_T_SOCKET;
	a.fd = fd;
	a.u.socket.job_id = m.u.connect.job_id;
	a.u.socket.error = fd < 0 ? ECONNREFUSED : 0;
	rc = ipc_chan_send(bfd, &a);
	if (fd >= 0)
		close(fd);
	return (rc < 0 ? -1 : 1);
}

/* Answers CONNECTs until the child exits; its wait status. */
static int
broker_until_exit(int bfd, pid_t pid, unsigned *served)
{
	struct pollfd pfd;
	int	i, st;

	for (i = 0; i < WAIT_LIMIT_S * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return (st);
		pfd.fd = bfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 100) == 1 && test_broker_answer(bfd) > 0)
			(*served)++;
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	fail_msg("child %d still running after %d s", (int)pid, WAIT_LIMIT_S);
	return (st);
}

static int
op_malloc(struct tctx *t)
{
	char   *p, *q, *small[1000];
	size_t	i;

	(void)t;
	if ((p = malloc(10 * 1024 * 1024)) == NULL)
		return (1);
	memset(p, 'x', 10 * 1024 * 1024);
	if ((q = realloc(p, 20 * 1024 * 1024)) == NULL)
		return (2);
	memset(q + 10 * 1024 * 1024, 'y', 10 * 1024 * 1024);
	if (q[0] != 'x' || q[20 * 1024 * 1024 - 1] != 'y')
		return (3);
	free(q);
	for (i = 0; i < 1000; i++)
		if ((small[i] = malloc(100 + i)) == NULL)
			return (4);
	for (i = 0; i < 1000; i++)
		free(small[i]);
	return (0);
}

static int
op_clock(struct tctx *t)
{
	struct timespec ts;

	(void)t;
	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0 ||
	    clock_gettime(CLOCK_REALTIME, &ts) < 0)
		return (1);
	/* The system call itself, as when the vDSO falls back. */
	if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) < 0)
		return (2);
	return (time(NULL) > 0 ? 0 : 3);
}

/* Every function of the wrapper layer, inside the sandbox: the sockets
 * come from the test's broker on fd 3 (sys_connect_via()). */
static int
op_sys_layer(struct tctx *t)
{
	struct sockaddr_in sin = loopback(t->tcp_port);
	struct sockaddr_in6 bad6;
	struct pollfd pfd;
	uint64_t sec;
	uint32_t usec;
	char	buf[8];
	int	fd, rv, one = 1;

	if (sys_now_ms() <= 0)
		return (1);
	sys_wallclock(&sec, &usec);
	if (sec == 0)
		return (2);
	/* Only IPv4 and IPv6 addresses are asked for. */
	memset(&bad6, 0, sizeof(bad6));
	bad6.sin6_family = AF_UNIX;
	if (sys_connect_via(IPC_CONN_SMTP, (struct sockaddr *)&bad6,
	    sizeof(bad6)) != -EAFNOSUPPORT)
		return (3);
	if ((fd = sys_connect_via(IPC_CONN_SMTP, (struct sockaddr *)&sin,
	    sizeof(sin))) < 0)
		return (4);
	if (sys_wait(fd, POLLOUT, sys_now_ms() + 30000) != 0 ||
	    sys_connect_result(fd) != 0)
		return (6);
	/* smtp_ack(3): on a connected SMTP socket */
	if (sys_setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one,
	    sizeof(one)) != 0)
		return (7);
	if (sys_write(fd, "NOOP\r\n", 6) != 6 ||
	    sys_sendto(fd, "NOOP\r\n", 6, 0, NULL, 0) != 6)
		return (8);
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (sys_poll(&pfd, 1, 0) != 0)
		return (14);
	if (sys_close(fd) != 0)
		return (9);
	if (sys_pread(t->memfd, buf, 4, 2) != 4 ||
	    memcmp(buf, &CONTENT[2], 4) != 0)
		return (15);
	/* Input on the cancel descriptor ends a wait. */
	if (write(t->pfd[1], "c", 1) != 1)
		return (16);
	sys_set_cancel_fd(t->pfd[0]);
	rv = sys_wait(t->pfd[0], POLLOUT, sys_now_ms() + 30000);
	sys_set_cancel_fd(-1);
	if (rv != -ECANCELED || sys_read(t->pfd[0], buf, 1) != 1)
		return (17);
	return (0);
}

/*
 * OpenSSL's randomness in the jail (child/tls.c): a generator set up
 * before the fork and the lock-down notices the new pid (getpid) and
 * reseeds (getrandom, flags 0); the child's bytes differ from what the
 * parent draws next.
 */
static int
op_openssl_rand(struct tctx *t)
{
	unsigned char a[32], b[32];

	(void)t;
	if (RAND_bytes(a, sizeof(a)) != 1 || RAND_priv_bytes(b,
	    sizeof(b)) != 1 || memcmp(a, b, sizeof(a)) == 0)
		return (1);
	if (syscall(SYS_getrandom, a, sizeof(a), 0) != (long)sizeof(a))
		return (2);
	return (getpid() > 0 ? 0 : 3);
}

static int
op_trap_mode_ok(struct tctx *t)
{
	/* Trap mode changes nothing for allowed calls. */
	return (op_malloc(t) == 0 && op_pipe_io(t) == 0 ? 0 : 1);
}

struct permit_row {
	const char *name;
	op_fn	prep;			/* before the sandbox, or NULL */
	op_fn	fn;
	int	trap;
	int	ipc;			/* fd 3: 1 queued DELIVER, 2 broker */
};

static const struct permit_row permitted[] = {
	{ "given TCP and UDP sockets: SO_ERROR, write, send, recv",
	    prep_given, op_given_io, 0, 0 },
	{ "poll, read, write on a pipe", NULL, op_pipe_io, 0, 0 },
	{ "pread/read on a sealed memfd", NULL, op_memfd_read, 0, 0 },
	{ "recvmsg/sendmsg on fd 3 with SCM_RIGHTS", prep_ipc,
	    op_fd_passing, 0, 1 },
	{ "malloc 10 MB, realloc 20 MB, 1000 small", NULL, op_malloc, 0, 0 },
	{ "clock_gettime, time", NULL, op_clock, 0, 0 },
	{ "the sys_* wrapper layer, sockets from a broker", prep_ipc,
	    op_sys_layer, 0, 2 },
	{ "OpenSSL RAND after fork: getpid, getrandom", NULL,
	    op_openssl_rand, 0, 0 },
	{ "trap mode: allowed calls", NULL, op_trap_mode_ok, 1, 0 },
};

static void
test_permitted(void **state)
{
	struct tctx *t = *state;
	char	what[64];
	size_t	i;
	int	st, bad = 0;

	NEED_ROOT();
	/* OpenSSL's generators exist before the forks (as in child/tls.c). */
	assert_int_equal(RAND_bytes((unsigned char *)what, 8), 1);
	for (i = 0; i < sizeof(permitted) / sizeof(permitted[0]); i++) {
		unsigned served = 0;
		pid_t	pid;

		if (permitted[i].ipc) {
			assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET |
			    SOCK_CLOEXEC, 0, t->bsv), 0);
			if (permitted[i].ipc == 1)
				queue_deliver(t);
		}
		pid = sandboxed(t, permitted[i].trap, -1, permitted[i].prep,
		    permitted[i].fn);
		st = permitted[i].ipc == 2 ?
		    broker_until_exit(t->bsv[0], pid, &served) : wait_for(pid);
		if (permitted[i].ipc) {
			close(t->bsv[0]);
			close(t->bsv[1]);
			t->bsv[0] = t->bsv[1] = -1;
		}
		if (permitted[i].ipc == 2 && served != 1) {
			print_message("%-45s FAILED: %u sockets brokered\n",
			    permitted[i].name, served);
			bad++;
			continue;
		}
		describe(st, what, sizeof(what));
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
			print_message("%-45s ok\n", permitted[i].name);
		} else {
			print_message("%-45s FAILED: %s\n", permitted[i].name,
			    what);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * c-ares inside the sandbox, against a responder in this process.
 */
struct dns_result {
	int	done;
	int	status;
	struct in_addr addr;
};

/* Before the sandbox: library, channel, servers (reads resolv.conf). */
static int
dns_prep(struct tctx *t)
{
	struct ares_options opt;
	char	csv[64];

	if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
		return (30);
	memset(&opt, 0, sizeof(opt));
	opt.lookups = "b";
	opt.flags = t->dns_flags;
	opt.tries = 2;
	if (ares_init_options(&t->channel, &opt, ARES_OPT_LOOKUPS |
	    ARES_OPT_FLAGS | ARES_OPT_TRIES) != ARES_SUCCESS)
		return (31);
	snprintf(csv, sizeof(csv), "127.0.0.1:%u", (unsigned)t->dns_port);
	if (ares_set_servers_ports_csv(t->channel, csv) != ARES_SUCCESS)
		return (32);
	return (0);
}

/* Before the sandbox: dns.c's channel (dns_init()) and fd 3. */
static int
dns_prep_ctx(struct tctx *t)
{
	char	csv[64], why[256];

	if (dns_init(&t->dns, why, sizeof(why)) < 0)
		return (33);
	snprintf(csv, sizeof(csv), "127.0.0.1:%u", (unsigned)t->dns_port);
	if (dns_set_servers(&t->dns, csv) < 0)
		return (34);
	return (prep_ipc(t));
}

/* Inside the sandbox: dns_lookup_addr(), sockets from the broker. */
static int
dns_op_ctx(struct tctx *t)
{
	static struct dns_addr_reply r;
	struct in_addr want;

	if (dns_lookup_addr(&t->dns, "x.test", AF_INET, &r) != 0)
		return (44);
	if (r.status != DNS_OK || r.count != 1) {
		dprintf(STDERR_FILENO, "dns.c: %s\n", r.why);
		return (45);
	}
	inet_pton(AF_INET, DNS_ANSWER_ADDR, &want);
	return (memcmp(r.addr[0].addr, &want, 4) == 0 ? 0 : 46);
}

static void
dns_callback(void *arg, int status, int timeouts, struct hostent *he)
{
	struct dns_result *r = arg;

	(void)timeouts;
	r->done = 1;
	r->status = status;
	if (status == ARES_SUCCESS && he != NULL &&
	    he->h_addrtype == AF_INET && he->h_addr_list[0] != NULL)
		memcpy(&r->addr, he->h_addr_list[0], sizeof(r->addr));
}

/* Inside the sandbox: resolve x.test with a poll loop. */
static int
dns_op(struct tctx *t)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	struct pollfd pfd[ARES_GETSOCK_MAXNUM];
	struct dns_result res;
	struct timeval tv, *tvp;
	struct in_addr want;
	int64_t	deadline = sys_now_ms() + 30000;
	unsigned bits;
	short	ev;
	int	i, n, ms;

	memset(&res, 0, sizeof(res));
	ares_gethostbyname(t->channel, "x.test", AF_INET, dns_callback, &res);
	while (!res.done) {
		if (sys_now_ms() > deadline)
			return (40);
		/* ares.h's ARES_GETSOCK_WRITABLE(bits, 15) shifts an int by
		 * 31: test the bits as unsigned. */
		bits = (unsigned)ares_getsock(t->channel, socks,
		    ARES_GETSOCK_MAXNUM);
		for (i = n = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			ev = 0;
			if (bits & (1U << i))
				ev |= POLLIN;
			if (bits & (1U << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev == 0)
				continue;
			pfd[n].fd = socks[i];
			pfd[n].events = ev;
			pfd[n].revents = 0;
			n++;
		}
		tvp = ares_timeout(t->channel, NULL, &tv);
		ms = tvp ? (int)(tv.tv_sec * 1000 + tv.tv_usec / 1000) : 1000;
		if (poll(pfd, (nfds_t)n, ms) < 0 && errno != EINTR)
			return (41);
		if (n == 0)
			ares_process_fd(t->channel, ARES_SOCKET_BAD,
			    ARES_SOCKET_BAD);
		for (i = 0; i < n; i++)
			ares_process_fd(t->channel,
			    pfd[i].revents & (POLLIN | POLLERR | POLLHUP) ?
			    pfd[i].fd : ARES_SOCKET_BAD,
			    pfd[i].revents & POLLOUT ? pfd[i].fd :
			    ARES_SOCKET_BAD);
	}
	ares_destroy(t->channel);
	if (res.status != ARES_SUCCESS) {
		dprintf(STDERR_FILENO, "c-ares: %s\n",
		    ares_strerror(res.status));
		return (42);
	}
	inet_pton(AF_INET, DNS_ANSWER_ADDR, &want);
	return (res.addr.s_addr == want.s_addr ? 0 : 43);
}

/* An answer to any query: the question, and for type A one record. */
static size_t
dns_answer(const unsigned char *q, size_t qlen, unsigned char *a, size_t asz)
{
	static const unsigned char rr[] = {
		0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x01, 0x2c, 0, 4, 10, 1, 2, 3,
	};
	size_t	off = 12;
	int	is_a;

	if (qlen < 12)
		return (0);
	while (off < qlen && q[off] != 0)
		off += (size_t)q[off] + 1;
	off += 1 + 4;
	if (off > qlen || off + sizeof(rr) > asz)
		return (0);
	is_a = q[off - 4] == 0 && q[off - 3] == 1;
	memcpy(a, q, off);
	a[2] = (unsigned char)(0x84 | (q[2] & 0x01));	/* QR AA RD */
	a[3] = 0x80;					/* RA */
	a[4] = 0, a[5] = 1;				/* QDCOUNT */
	a[6] = 0, a[7] = (unsigned char)is_a;		/* ANCOUNT */
	memset(a + 8, 0, 4);				/* NS, AR */
	if (!is_a)
		return (off);
	memcpy(a + off, rr, sizeof(rr));
	return (off + sizeof(rr));
}

/*
 * Serves UDP and TCP queries until the child exits; its wait status.
 * With tc, UDP answers are truncated (TC, no records: the client must
 * ask again over TCP). With bfd >= 0, CONNECTs are answered too.
 */
static int
dns_serve(int udp, int tcp, pid_t pid, unsigned *answered, int tc, int bfd,
    unsigned *served)
{
	unsigned char q[600], a[700], tq[600];
	struct sockaddr_storage from;
	struct pollfd pfd[4];
	socklen_t flen;
	size_t	have = 0, alen;
	ssize_t	n;
	int	conn = -1, st, i;

	for (i = 0; i < WAIT_LIMIT_S * 10; i++) {
		if (waitpid(pid, &st, WNOHANG) == pid) {
			if (conn >= 0)
				close(conn);
			return (st);
		}
		pfd[0].fd = udp;
		pfd[1].fd = tcp;
		pfd[2].fd = conn;
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		pfd[3].fd = bfd;
		pfd[3].events = POLLIN;
		pfd[3].revents = 0;
		if (bfd >= 0 && poll(&pfd[3], 1, 0) == 1 &&
		    test_broker_answer(bfd) > 0)
			(*served)++;
		if (poll(pfd, conn >= 0 ? 3 : 2, 100) <= 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			flen = sizeof(from);
			n = recvfrom(udp, q, sizeof(q), 0,
			    (struct sockaddr *)&from, &flen);
			if (n > 0 && (alen = dns_answer(q, (size_t)n, a,
			    sizeof(a))) > 0 && tc) {
				a[2] |= 0x02;		/* TC */
				a[7] = 0;		/* no answer */
				alen = (size_t)n;	/* the question only */
			}
			if (n > 0 && alen > 0 && sendto(udp, a, alen, 0,
			    (struct sockaddr *)&from, flen) == (ssize_t)alen)
				(*answered)++;
		}
		if (pfd[1].revents & POLLIN) {
			if (conn >= 0)
				close(conn);
			conn = accept4(tcp, NULL, NULL, SOCK_CLOEXEC);
			have = 0;
		}
		if (conn >= 0 && (pfd[2].revents & (POLLIN | POLLHUP))) {
			n = read(conn, tq + have, sizeof(tq) - have);
			if (n <= 0) {
				close(conn);
				conn = -1;
				continue;
			}
			have += (size_t)n;
			if (have < 2 || have < 2 + (size_t)(tq[0] << 8 | tq[1]))
				continue;
			alen = dns_answer(tq + 2, have - 2, a + 2,
			    sizeof(a) - 2);
			a[0] = (unsigned char)(alen >> 8);
			a[1] = (unsigned char)alen;
			if (alen > 0 && write(conn, a, alen + 2) ==
			    (ssize_t)alen + 2)
				(*answered)++;
			have = 0;
		}
	}
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	if (conn >= 0)
		close(conn);
	fail_msg("c-ares child still running after %d s", WAIT_LIMIT_S);
	return (st);
}

static void
test_cares(void **state)
{
	static const struct {
		const char *name;
		int	flags;
		int	brokered;	/* dns.c, sockets from the broker */
		int	tc;		/* UDP answers truncated: TCP */
	} rows[] = {
		/* c-ares opening its own sockets is what the filter stops. */
		{ "c-ares, own sockets, UDP: killed", 0, 0, 0 },
		{ "c-ares, own sockets, TCP: killed", ARES_FLAG_USEVC, 0, 0 },
		{ "dns.c, brokered sockets, UDP", 0, 1, 0 },
		{ "dns.c, brokered sockets, TC then TCP", 0, 1, 1 },
	};
	struct tctx *t = *state;
	char	what[64];
	unsigned answered, served;
	uint16_t port;
	size_t	i;
	pid_t	pid;
	int	udp, tcp, st, ok, bad = 0;

	NEED_ROOT();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		/* UDP and TCP on the same port, as a name server. */
		udp = bound_socket(SOCK_DGRAM, 0, &port);
		assert_true(udp >= 0);
		tcp = bound_socket(SOCK_STREAM, port, &port);
		assert_true(tcp >= 0);
		t->dns_port = port;
		t->dns_flags = rows[i].flags;
		answered = served = 0;
		if (rows[i].brokered) {
			assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET |
			    SOCK_CLOEXEC, 0, t->bsv), 0);
			pid = sandboxed(t, 0, -1, dns_prep_ctx, dns_op_ctx);
			st = dns_serve(udp, tcp, pid, &answered, rows[i].tc,
			    t->bsv[0], &served);
			close(t->bsv[0]);
			close(t->bsv[1]);
			t->bsv[0] = t->bsv[1] = -1;
			ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
			    answered >= (rows[i].tc ? 2U : 1U) &&
			    served >= (rows[i].tc ? 2U : 1U);
		} else {
			st = dns_serve(udp, tcp, sandboxed(t, 0, -1, dns_prep,
			    dns_op), &answered, 0, -1, &served);
			ok = WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS &&
			    answered == 0;
		}
		close(udp);
		close(tcp);
		describe(st, what, sizeof(what));
		if (ok) {
			print_message("%-45s ok (%s, %u answers, %u sockets "
			    "brokered)\n", rows[i].name, what, answered,
			    served);
		} else {
			print_message("%-45s FAILED: %s, %u answers, %u "
			    "sockets brokered\n", rows[i].name, what,
			    answered, served);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/*
 * Trap mode: the report names the system call.
 */
static void
test_trap_mode(void **state)
{
	struct tctx *t = *state;
	char	buf[512], want[128];
	ssize_t	n;
	size_t	len = 0;
	int	ep[2], st;

	NEED_ROOT();
	assert_int_equal(pipe2(ep, O_CLOEXEC), 0);
#ifdef SJ_ASAN
	/* open fails with ENOENT in an ASan build: trap on ptrace. */
	st = wait_for(sandboxed(t, 1, ep[1], NULL, op_ptrace));
#else
	st = wait_for(sandboxed(t, 1, ep[1], NULL, op_open_libc));
#endif
	close(ep[1]);
	while (len < sizeof(buf) - 1 &&
	    (n = read(ep[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	close(ep[0]);
	print_lines(buf);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 128 + SIGSYS);
#ifdef SJ_ASAN
	snprintf(want, sizeof(want),
	    "smtpjail child: seccomp trap: syscall %d (ptrace)\n", SYS_ptrace);
#else
	snprintf(want, sizeof(want),
	    "smtpjail child: seccomp trap: syscall %d (openat)\n", SYS_openat);
#endif
	assert_non_null(strstr(buf, want));
}

#ifdef SJ_ASAN
/*
 * ASan build: a sanitizer report still reaches stderr from the sandbox.
 */
static int
op_ubsan_error(struct tctx *t)
{
	volatile int big = 0x7fffffff;

	(void)t;
	return (big + 1 == 0 ? 0 : 1);		/* signed overflow */
}

static int
op_asan_error(struct tctx *t)
{
	volatile size_t past = 8;
	char   *volatile p = calloc(1, 8);	/* ASan's find, not UBSan's */

	(void)t;
	return (p[past]);			/* heap overflow */
}

static void
test_sanitizer_report(void **state)
{
	static const struct {
		const char *name;
		op_fn	fn;
		const char *want;
	} rows[] = {
		{ "UBSan", op_ubsan_error, "runtime error: signed integer "
		    "overflow" },
		{ "ASan", op_asan_error, "ERROR: AddressSanitizer: "
		    "heap-buffer-overflow" },
	};
	struct tctx *t = *state;
	char	buf[8192], what[64];
	size_t	i, len;
	ssize_t	n;
	int	ep[2], st;

	NEED_ROOT();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		assert_int_equal(pipe2(ep, O_CLOEXEC), 0);
		st = wait_for(sandboxed(t, 0, ep[1], NULL, rows[i].fn));
		close(ep[1]);
		len = 0;
		while (len < sizeof(buf) - 1 && (n = read(ep[0], buf + len,
		    sizeof(buf) - 1 - len)) > 0)
			len += (size_t)n;
		buf[len] = '\0';
		close(ep[0]);
		describe(st, what, sizeof(what));
		print_message("%s report from the sandbox (%s):\n",
		    rows[i].name, what);
		print_lines(buf);
		assert_false(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
		assert_non_null(strstr(buf, rows[i].want));
	}
}
#endif

/*
 * sandbox_check_spec() refusals.
 */
enum bad_dir {
	BAD_NONE, BAD_NOT_EMPTY, BAD_GROUP_W, BAD_OTHER_W, BAD_OWNER,
	BAD_MISSING, BAD_FILE, BAD_RELATIVE,
};

static void
test_check_spec(void **state)
{
	static const struct {
		const char *name;
		enum bad_dir dir;
		int	uid0, gid0, uid_is_forbidden;
		const char *why;	/* NULL: accepted */
	} rows[] = {
		{ "good", BAD_NONE, 0, 0, 0, NULL },
		{ "not empty", BAD_NOT_EMPTY, 0, 0, 0,
		    "not empty (contains 'foo')" },
		{ "group-writable", BAD_GROUP_W, 0, 0, 0,
		    "writable by group or other (mode 0775)" },
		{ "other-writable", BAD_OTHER_W, 0, 0, 0,
		    "writable by group or other (mode 0757)" },
		{ "not root-owned", BAD_OWNER, 0, 0, 0, "not owned by root" },
		{ "missing", BAD_MISSING, 0, 0, 0,
		    "No such file or directory" },
		{ "a file", BAD_FILE, 0, 0, 0, "not a directory" },
		{ "relative", BAD_RELATIVE, 0, 0, 0, "not an absolute path" },
		{ "uid 0", BAD_NONE, 1, 0, 0, "uid 0 is not allowed" },
		{ "gid 0", BAD_NONE, 0, 1, 0, "gid 0 is not allowed" },
		{ "uid is $mail_owner", BAD_NONE, 0, 0, 1, "$mail_owner" },
	};
	struct tctx *t = *state;
	struct sj_sandbox_spec spec;
	char	dir[64], path[128], why[512];
	size_t	i;
	int	rc, fd;

	NEED_ROOT();
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(dir, sizeof(dir), "/tmp/sj-spec.XXXXXX");
		assert_non_null(mkdtemp(dir));
		assert_int_equal(chmod(dir, 0755), 0);
		snprintf(path, sizeof(path), "%s/foo", dir);
		spec_of(t, &spec, 0);
		spec.directory = dir;
		switch (rows[i].dir) {
		case BAD_NOT_EMPTY:
		case BAD_FILE:
			assert_true((fd = open(path, O_CREAT | O_WRONLY |
			    O_CLOEXEC, 0600)) >= 0);
			close(fd);
			if (rows[i].dir == BAD_FILE)
				spec.directory = path;
			break;
		case BAD_GROUP_W:
			assert_int_equal(chmod(dir, 0775), 0);
			break;
		case BAD_OTHER_W:
			assert_int_equal(chmod(dir, 0757), 0);
			break;
		case BAD_OWNER:
			assert_int_equal(chown(dir, t->uid, t->gid), 0);
			break;
		case BAD_MISSING:
			spec.directory = path;
			break;
		case BAD_RELATIVE:
			spec.directory = dir + 1;
			break;
		case BAD_NONE:
			break;
		}
		if (rows[i].uid0)
			spec.uid = 0;
		if (rows[i].gid0)
			spec.gid = 0;
		if (rows[i].uid_is_forbidden)
			spec.forbidden_uid = spec.uid;
		why[0] = '\0';
		rc = sandbox_check_spec(&spec, why, sizeof(why));
		print_message("%-20s -> %d %s\n", rows[i].name, rc, why);
		unlink(path);
		rmdir(dir);
		if (rows[i].why == NULL) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -1);
			assert_non_null(strstr(why, rows[i].why));
		}
	}
}

/* sandbox_child_enter() refuses before it changes anything. */
static void
test_enter_refuses(void **state)
{
	struct tctx *t = *state;
	char	path[128], buf[512];
	ssize_t	n;
	int	ep[2], fd, st;

	NEED_ROOT();
	snprintf(path, sizeof(path), "%s/intruder", t->dir);
	assert_true((fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC,
	    0600)) >= 0);
	close(fd);
	assert_int_equal(pipe2(ep, O_CLOEXEC), 0);
	st = wait_for(sandboxed(t, 0, ep[1], NULL, op_open_libc));
	close(ep[1]);
	unlink(path);
	n = read(ep[0], buf, sizeof(buf) - 1);
	close(ep[0]);
	buf[n > 0 ? n : 0] = '\0';
	print_message("child stderr: %s", buf);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), EXIT_NO_SANDBOX);
	assert_non_null(strstr(buf, "smtpjail_sandbox_directory"));
	assert_non_null(strstr(buf, "not empty (contains 'intruder')"));
}

/*
 * The parent's restrictions.
 */
static int
pop_execve(struct tctx *t)
{
	return (op_execve(t));
}

/* The egress broker's sockets: TCP bound and connected, UDP. */
static int
pop_socket_inet(struct tctx *t)
{
	struct sockaddr_in sin = loopback(0);
	int	fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) < 0)
		return (1);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return (2);
	sin = loopback(t->tcp_port);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS)
		return (3);
	if (close(fd) < 0 || (fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		return (4);
	return (close(fd) == 0 ? 0 : 5);
}

static int
pop_socket_inet6(struct tctx *t)
{
	int	fd;

	(void)t;
	/* No IPv6 on the host is not a kill either. */
	if ((fd = socket(AF_INET6, SOCK_DGRAM, 0)) < 0)
		return (errno == EAFNOSUPPORT ? 0 : 1);
	return (close(fd) == 0 ? 0 : 2);
}

static int
pop_clone_newuser(struct tctx *t)
{
	long	pid;

	(void)t;
	pid = syscall(SYS_clone, (long)(CLONE_NEWUSER | SIGCHLD), 0L, 0L,
	    0L, 0L);
	if (pid == 0)
		_exit(0);
	return (pid > 0 ? 0 : 1);
}

static int
pop_chroot(struct tctx *t)
{
	(void)t;
	return (chroot("/") == 0 ? 0 : 1);
}

static int
pop_bpf(struct tctx *t)
{
	(void)t;
	return (syscall(SYS_bpf, 0, NULL, 0) >= 0 ? 0 : 1);
}

static int
pop_process_vm_readv(struct tctx *t)
{
	(void)t;
	return (syscall(SYS_process_vm_readv, (long)getppid(), NULL, 0L,
	    NULL, 0L, 0L) >= 0 ? 0 : 1);
}

static int
pop_keyctl(struct tctx *t)
{
	(void)t;
	return (syscall(SYS_keyctl, 0, 0, 0, 0, 0) >= 0 ? 0 : 1);
}

/* What the parent keeps: AF_UNIX, fork, ids and capabilities as set. */
static int
pop_allowed(struct tctx *t)
{
	struct { uint64_t flags, pidfd, child_tid, parent_tid, exit_signal,
	    stack, stack_size, tls; } ca;
	cap_t	now, none;
	int	fd, sv[2], st, same;
	pid_t	pid;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM, 0)) < 0 || close(fd) < 0)
		return (1);
	if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
		return (2);
	if ((pid = fork()) == 0)
		_exit(0);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || st != 0)
		return (3);
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
	if (syscall(SYS_clone3, &ca, sizeof(ca)) != -1 || errno != ENOSYS)
		return (4);
	if (getuid() != t->uid || geteuid() != t->uid || getgid() != t->gid)
		return (5);
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return (6);
	now = cap_get_proc();
	none = cap_init();
	same = now && none && cap_compare(now, none) == 0;
	cap_free(now);
	cap_free(none);
	if (!same)
		return (7);
	/* The chroot: the test directory is empty. */
	if (access("/etc", F_OK) == 0)
		return (8);
	return (0);
}

static void
test_parent(void **state)
{
	static const struct {
		const char *name;
		op_fn	fn;
		int	killed;
	} rows[] = {
		{ "execve", pop_execve, 1 },
		{ "broker: AF_INET TCP bind+connect, UDP", pop_socket_inet, 0 },
		{ "broker: socket(AF_INET6, SOCK_DGRAM)", pop_socket_inet6, 0 },
		{ "socket(AF_INET, SOCK_RAW)", op_socket_raw, 1 },
		{ "socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP)", op_socket_ping,
		    1 },
		{ "socket(AF_INET6, SOCK_STREAM, IPPROTO_SCTP)", op_socket_sctp,
		    1 },
		{ "socket(AF_PACKET)", op_socket_packet, 1 },
		{ "socket(AF_NETLINK)", op_socket_netlink, 1 },
		{ "ptrace", op_ptrace, 1 },
		{ "setuid(0)", op_setuid, 1 },
		{ "chroot", pop_chroot, 1 },
		{ "unshare(CLONE_NEWUSER)", op_unshare, 1 },
		{ "clone(CLONE_NEWUSER)", pop_clone_newuser, 1 },
		{ "mount", op_mount, 1 },
		{ "bpf", pop_bpf, 1 },
		{ "io_uring_setup", op_io_uring, 1 },
		{ "process_vm_readv", pop_process_vm_readv, 1 },
		{ "keyctl", pop_keyctl, 1 },
#ifdef __x86_64__
		{ "i386 ABI (int 0x80)", op_int80, 1 },
#endif
		{ "AF_UNIX, fork, clone3 ENOSYS, ids, caps", pop_allowed, 0 },
	};
	struct tctx *t = *state;
	struct sj_parent_spec ps;
	char	why[512], what[64];
	size_t	i;
	pid_t	pid;
	int	st, ok, bad = 0;

	NEED_ROOT();
	memset(&ps, 0, sizeof(ps));
	ps.chroot_dir = t->dir;
	ps.drop = 1;
	ps.uid = t->uid;
	ps.gid = t->gid;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
#ifdef __x86_64__
		if (rows[i].fn == op_int80 && !ia32_available()) {
			print_message("parent: %-40s skipped (no i386 ABI in "
			    "this kernel)\n", rows[i].name);
			continue;
		}
#endif
		if ((pid = fork()) == 0) {
			default_signals();
			if (sandbox_parent_enter(&ps, why, sizeof(why)) < 0) {
				dprintf(STDERR_FILENO, "%s\n", why);
				_exit(EXIT_NO_SANDBOX);
			}
			_exit(rows[i].fn(t));
		}
		assert_true(pid > 0);
		st = wait_for(pid);
		describe(st, what, sizeof(what));
		if (rows[i].killed)
			ok = WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS;
		else
			ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
		print_message("parent: %-40s %s: %s\n", rows[i].name, what,
		    ok ? "ok" : "WRONG");
		bad += !ok;
	}
	assert_int_equal(bad, 0);
}

/*
 * Policies: size and fixtures.
 */
#ifndef SJ_ASAN
static char *
slurp_fd(int fd)
{
	char   *buf;
	off_t	len = lseek(fd, 0, SEEK_END);

	assert_true(len >= 0);
	assert_non_null(buf = calloc(1, (size_t)len + 1));
	assert_int_equal(pread(fd, buf, (size_t)len, 0), len);
	return (buf);
}

static void
check_fixture(const char *name, int (*export_fn)(int))
{
	const char *top = getenv("SJ_TOP");
	char	path[512], *now, *want;
	int	fd, ffd;

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s", top ? top : ".",
	    name);
	assert_true((fd = memfd_create(name, MFD_CLOEXEC)) >= 0);
	assert_int_equal(export_fn(fd), 0);
	now = slurp_fd(fd);
	close(fd);
	if ((ffd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		fail_msg("%s: %s (regenerate: make tests && "
		    "build/tests/sandbox/aux_export_policy tests/fixtures)",
		    path, strerror(errno));
	want = slurp_fd(ffd);
	close(ffd);
	if (strcmp(now, want) != 0)
		fail_msg("the exported filter differs from %s: review the "
		    "change, then regenerate it with: make tests && "
		    "build/tests/sandbox/aux_export_policy tests/fixtures",
		    path);
	free(now);
	free(want);
}

static int
export_child(int fd)
{
	return (policy_child_export(fd, 0));
}

static int
export_spawner(int fd)
{
	return (policy_spawner_export(fd, 0));
}

#endif

static void
test_fixtures(void **state)
{
	(void)state;
#ifdef SJ_ASAN
	print_message("skipped: the ASan build's filters differ on purpose; "
	    "fixtures hold the production build's\n");
	skip();
#else
	check_fixture("policy_child.pfc", export_child);
	check_fixture("policy_parent.pfc", policy_parent_export);
	check_fixture("policy_spawner.pfc", export_spawner);
#endif
}

static void
test_policy_size(void **state)
{
	int	n = policy_child_rule_count();

	(void)state;
	print_message("child allow-list: %d system calls\n", n);
	assert_true(n > 0);
#ifndef SJ_ASAN
	assert_true(n <= SJ_CHILD_SYSCALLS_MAX);
#endif
	assert_string_equal(policy_syscall_name(SYS_openat), "openat");
	assert_string_equal(policy_syscall_name(SYS_exit_group), "exit_group");
	assert_string_equal(policy_syscall_name(-1), "?");
	assert_string_equal(policy_syscall_name(100000), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_size),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_check_spec),
		cmocka_unit_test(test_enter_refuses),
		cmocka_unit_test(test_report_sandboxed),
		cmocka_unit_test(test_report_unsandboxed),
		cmocka_unit_test(test_parent_death),
		cmocka_unit_test(test_forbidden),
		cmocka_unit_test(test_permitted),
		cmocka_unit_test(test_cares),
		cmocka_unit_test(test_trap_mode),
#ifdef SJ_ASAN
		cmocka_unit_test(test_sanitizer_report),
#endif
		cmocka_unit_test(test_parent),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}

/*
 * NAME
 *	policy_child 3
 * SUMMARY
 *	the child's seccomp allow-list
 * DESCRIPTION
 *	policy_child_install() loads the filter of the sandboxed child: a
 *	short allow-list, read against the wrapper layer child/sys.c (and
 *	what c-ares, glibc's malloc and the IPC code need), whose default
 *	action kills the whole process (SCMP_ACT_KILL_PROCESS). There is no
 *	open, openat, execve, ptrace, mount, clone/fork or kill: a child
 *	that tries one dies with SIGSYS, and the parent reports it.
 *
 *	There is no socket, connect, bind or setsockopt either: the parent
 *	opens every connection (parent/broker.c, after the egress policy
 *	of policy/egress.c) and passes it over the IPC socket.
 *
 *	Arguments are checked where the check is cheap and meaningful:
 *	sendto() only without a destination and with MSG_NOSIGNAL alone
 *	(no MSG_FASTOPEN, which would connect); sendmsg() and recvmsg()
 *	only on the IPC socket (fd 3) with the one flag ipc_chan uses;
 *	getsockopt() only for SO_ERROR; mmap() only anonymous and never
 *	executable. rt_sigreturn is only in the trap-mode filter (the SIGSYS
 *	reporter; it exits, but a handler frame is what the kernel builds).
 *
 *	policy_child_describe() prints each allowed call with its argument
 *	conditions (--sandbox-check), so that an administrator can diff it
 *	after an upgrade.
 *
 *	With trap_mode (smtpjail_seccomp_debug = yes) the default action is
 *	SCMP_ACT_TRAP instead: a SIGSYS handler writes
 *	"smtpjail child: seccomp trap: syscall N (name)" to fd 2 (the pipe
 *	the parent logs) and exits with status 128 + SIGSYS. The handler is
 *	async-signal-safe: it formats with its own code and takes names from
 *	a table filled in before the filter is loaded.
 *
 *	The program is built before the fork: policy_child_prepare(), run
 *	by the parent while still root and unsandboxed (child_prepare()),
 *	has libseccomp generate it (seccomp_export_bpf(), the program
 *	seccomp_load() would load) and keeps it in memory, which the child
 *	inherits. policy_child_install() in the child then only does what
 *	seccomp_load() does: PR_SET_NO_NEW_PRIVS and
 *	seccomp(SECCOMP_SET_MODE_FILTER, 0, program). That saves the child
 *	libseccomp's kernel probes and the BPF generation (about 0.6 ms).
 *	policy_child_install_libseccomp() loads the same rules through
 *	seccomp_load(): tests/sandbox/test_policy_prebuilt.c compares the
 *	two as the kernel holds them.
 *
 *	policy_child_rule_count() is the number of distinct system calls
 *	allowed on this architecture; policy_child_export() writes the
 *	filter as libseccomp's pseudo filter code (tests/fixtures/).
 *
 *	Under -DSJ_ASAN (AddressSanitizer build) a few more calls are
 *	allowed for the sanitizer runtime, and the file lookups it makes to
 *	write a report fail with ENOENT instead of killing; each row says
 *	"ASan build only".
 * SECURITY
 *	Built in the parent before the fork (root, before it reads any
 *	input), installed by the child as the last step of
 *	sandbox_child_enter(). Adding a system
 *	call to child/sys.c means adding a row here, with its reason, and
 *	regenerating tests/fixtures/policy_child.pfc.
 * SEE ALSO
 *	include/sj_sys.h, child/sys.c, policy/sandbox_child.c, SECURITY.md
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sj_sandbox.h"

/* Names the SIGSYS reporter can print: x86_64 numbers are below 512. */
#define POLICY_TRAP_NAMES	512
#define POLICY_TRAP_NAME_MAX	32

struct policy_rule {
	int	nr;			/* SCMP_SYS(name) */
	const char *name;
	unsigned int argc;		/* conditions, all must hold */
	struct scmp_arg_cmp argv[3];
	uint32_t action;		/* SCMP_ACT_ALLOW but in ASan builds */
	const char *why;
	int	trap_only;		/* rt_sigreturn: the SIGSYS reporter */
};

#define EQ(n, v)	{ (n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0 }
#define MASKED_EQ(n, m, v) \
	{ (n), SCMP_CMP_MASKED_EQ, (scmp_datum_t)(m), (scmp_datum_t)(v) }
#define ALLOW		SCMP_ACT_ALLOW
#define ANY(sys, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, ALLOW, why, 0 }
#define ARG1(sys, a, why) \
	{ SCMP_SYS(sys), #sys, 1, { a }, ALLOW, why, 0 }
#define ARG2(sys, a, b, why) \
	{ SCMP_SYS(sys), #sys, 2, { a, b }, ALLOW, why, 0 }
#define ARG3(sys, a, b, c, why) \
	{ SCMP_SYS(sys), #sys, 3, { a, b, c }, ALLOW, why, 0 }
/* Only in trap mode (smtpjail_seccomp_debug), or in ASan builds. */
#ifdef SJ_ASAN
#define TRAP_ONLY(sys, why)	ANY(sys, why)
#else
#define TRAP_ONLY(sys, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, ALLOW, why, 1 }
#endif
/* The child's IPC socket (child/child_main.c CHILD_IPC_FD). */
#define POLICY_IPC_FD	3
/* Not allowed: fails with the error instead of killing (ASan only). */
#define FAILS(sys, err, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, SCMP_ACT_ERRNO(err), why, 0 }

/*
 * The allow-list. Rows of one system call are adjacent; the rows of a
 * call are alternatives, the conditions of a row all hold.
 */
static const struct policy_rule policy_child_rules[] = {
	/* Descriptors the child already holds. */
	ANY(read, "sys_read: SMTP replies, the content memfd read in order"),
	ANY(pread64, "sys_pread: message content from the sealed memfd"),
	ANY(write, "sys_write: SMTP commands and data; reports on stderr"),
	ANY(recvfrom, "sys_recvfrom: DNS answers, SMTP replies (recv)"),
	ARG3(sendto, EQ(3, MSG_NOSIGNAL), EQ(4, 0), EQ(5, 0),
	    "sys_sendto: DNS queries, SMTP data, on connected sockets only "
	    "(no destination) and with MSG_NOSIGNAL alone (no MSG_FASTOPEN)"),
	ARG2(recvmsg, EQ(0, POLICY_IPC_FD), EQ(2, MSG_CMSG_CLOEXEC),
	    "ipc_chan_recv (ipc_fdpass_recv): IPC from the parent on fd 3 "
	    "only: requests, the content memfd and sockets (SCM_RIGHTS)"),
	ARG2(sendmsg, EQ(0, POLICY_IPC_FD), EQ(2, MSG_NOSIGNAL),
	    "ipc_chan_send (ipc_fdpass_send): IPC to the parent on fd 3 "
	    "only: LOG, results, CONNECT, DONE"),
	ANY(poll, "sys_wait/sys_poll: the one place the child blocks"),
	ANY(close, "sys_close: finished DNS and SMTP sockets, the memfd"),

	/*
	 * Network: no socket, connect, bind or setsockopt. Every socket
	 * comes from the parent (sys_connect_via(), parent/broker.c, the
	 * egress policy in policy/egress.c), non-blocking and still
	 * connecting; the child only learns how the connect ended.
	 */
	ARG2(getsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_ERROR),
	    "sys_connect_result: outcome of the parent's non-blocking connect"),
	ARG2(setsockopt, EQ(1, IPPROTO_TCP), EQ(2, TCP_QUICKACK),
	    "smtp_ack: ACK a reply at once while more are awaited (else "
	    "the server's Nagle waits for our delayed ACK)"),

	/* Memory: glibc malloc (and c-ares through it). */
	ANY(brk, "malloc: the main heap"),
	ARG2(mmap, MASKED_EQ(2, PROT_EXEC, 0),
	    MASKED_EQ(3, MAP_ANONYMOUS, MAP_ANONYMOUS),
	    "malloc of large blocks: anonymous and never executable"),
	ANY(munmap, "free of large blocks"),
	ANY(mremap, "realloc of large blocks"),

	/* Time. */
	ANY(clock_gettime, "deadlines, timestamps: when the vDSO falls back"),

	/* Randomness: OpenSSL (TLS, child/tls.c). */
	ARG1(getrandom, EQ(2, 0), "OpenSSL's DRBG seeds and reseeds from "
	    "the kernel (getentropy(), flags 0)"),
	ANY(getpid, "OpenSSL's DRBG compares the pid at each use to reseed "
	    "after a fork (fork detection)"),

	/* Process. */
	ANY(exit_group, "_exit() and exit()"),
	TRAP_ONLY(rt_sigreturn, "smtpjail_seccomp_debug only: the SIGSYS "
	    "reporter's frame (kill mode installs no handler: the parent "
	    "sets none but SIG_IGN before the fork)"),
	ANY(restart_syscall, "the kernel resumes a poll() interrupted by "
	    "SIGSTOP/SIGCONT with it"),

#ifdef SJ_ASAN
	/* The sanitizer runtime, never in a production build. */
	ANY(madvise, "ASan build only: the allocator marks its regions "
	    "(MADV_NOHUGEPAGE, MADV_DONTDUMP)"),
	ANY(sigaltstack, "ASan build only: the runtime checks its signal "
	    "stack"),
	ANY(futex, "ASan build only: the runtime's locks (report path)"),
	/* The runtime looks for its executable's name to write a report;
	 * failing, not killing, lets the report reach stderr. */
	FAILS(open, ENOENT, "ASan build only: a report's /proc/self/cmdline"),
	FAILS(openat, ENOENT, "ASan build only: as open"),
	FAILS(readlink, ENOENT, "ASan build only: a report's /proc/self/exe"),
	FAILS(ioctl, ENOTTY, "ASan build only: isatty(2) for a report's "
	    "colours"),
	FAILS(pipe2, EMFILE, "ASan build only: a report's memory "
	    "readability probe"),
#endif
};

#define POLICY_CHILD_NRULES \
	(sizeof(policy_child_rules) / sizeof(policy_child_rules[0]))

static struct policy_child_ctx {
	/* Filled before the filter, read only by the SIGSYS handler. */
	char	names[POLICY_TRAP_NAMES][POLICY_TRAP_NAME_MAX];
	/* policy_child_prepare(): the program seccomp_load() would load. */
	struct sock_filter *prog;
	unsigned short prog_len;	/* instructions */
	int	prog_trap;		/* the trap_mode it was built for */
} policy_child_ctx;

int
policy_child_rule_count(void)
{
	size_t	i, j;
	int	n = 0;

	for (i = 0; i < POLICY_CHILD_NRULES; i++) {
		if (policy_child_rules[i].nr < 0 ||	/* not on this arch */
		    policy_child_rules[i].action != SCMP_ACT_ALLOW ||
		    policy_child_rules[i].trap_only)
			continue;
		for (j = 0; j < i; j++)
			if (policy_child_rules[j].nr ==
			    policy_child_rules[i].nr)
				break;
		if (j == i)
			n++;
	}
	return (n);
}

/* trap_rows: also the rows only the trap-mode filter has. */
static int
policy_child_rules_add_mode(void *fctx, const int *skip, size_t nskip,
    int trap_rows, char *why, size_t whysz)
{
	scmp_filter_ctx ctx = fctx;
	const struct policy_rule *r;
	size_t	k;
	int	err;

	for (r = policy_child_rules; r < policy_child_rules +
	    POLICY_CHILD_NRULES; r++) {
		if (r->trap_only && !trap_rows)
			continue;
		for (k = 0; k < nskip; k++)
			if (skip[k] == r->nr)
				break;
		if (k < nskip)
			continue;
		err = seccomp_rule_add_array(ctx, r->action, r->nr,
		    r->argc, r->argc ? r->argv : NULL);
		if (err < 0) {
			snprintf(why, whysz, "seccomp_rule_add %s: %s",
			    r->name, strerror(-err));
			return (err);
		}
	}
	return (0);
}

/*
 * The spawner's filter is a union its children inherit: it takes the
 * trap-mode rows too (rt_sigreturn: its own SIGCHLD handler, and a
 * child's SIGSYS reporter); each child's own filter is the narrower.
 */
int
policy_child_rules_add(void *fctx, const int *skip, size_t nskip, char *why,
    size_t whysz)
{
	return (policy_child_rules_add_mode(fctx, skip, nskip, 1, why, whysz));
}

static int
policy_child_build(int trap_mode, scmp_filter_ctx *out, char *why,
    size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	if ((err = policy_filter_new(trap_mode ? SCMP_ACT_TRAP :
	    SCMP_ACT_KILL_PROCESS, &ctx, why, whysz)) < 0)
		return (err);
	if ((err = policy_child_rules_add_mode(ctx, NULL, 0, trap_mode, why,
	    whysz)) < 0) {
		seccomp_release(ctx);
		return (err);
	}
	*out = ctx;
	return (0);
}

/* Async-signal-safe appenders for the SIGSYS report. */
static size_t
policy_trap_puts(char *buf, size_t len, size_t bufsz, const char *s)
{
	while (*s != '\0' && len < bufsz)
		buf[len++] = *s++;
	return (len);
}

static size_t
policy_trap_putnum(char *buf, size_t len, size_t bufsz, long v)
{
	char	tmp[24];
	size_t	n = 0;
	unsigned long u;

	if (v < 0) {
		if (len < bufsz)
			buf[len++] = '-';
		u = 0UL - (unsigned long)v;
	} else {
		u = (unsigned long)v;
	}
	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0 && n < sizeof(tmp));
	while (n > 0 && len < bufsz)
		buf[len++] = tmp[--n];
	return (len);
}

static void
policy_child_sigsys(int sig, siginfo_t *si, void *uc)
{
	char	buf[160];
	size_t	len = 0;
	long	nr = si->si_syscall;
	const char *name = "?";

	(void)sig;
	(void)uc;
	if (nr >= 0 && nr < POLICY_TRAP_NAMES &&
	    policy_child_ctx.names[nr][0] != '\0')
		name = policy_child_ctx.names[nr];
	len = policy_trap_puts(buf, len, sizeof(buf),
	    "smtpjail child: seccomp trap: syscall ");
	len = policy_trap_putnum(buf, len, sizeof(buf), nr);
	len = policy_trap_puts(buf, len, sizeof(buf), " (");
	len = policy_trap_puts(buf, len, sizeof(buf), name);
	len = policy_trap_puts(buf, len, sizeof(buf), ")\n");
	if (write(STDERR_FILENO, buf, len) < 0) {
		/* Nothing left to report it to. */
	}
	_exit(128 + SIGSYS);
}

static int
policy_child_trap_setup(char *why, size_t whysz)
{
	struct sigaction sa;
	sigset_t set;
	int	err;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = policy_child_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0) {
		err = -errno;
		snprintf(why, whysz, "sigaction SIGSYS: %s", strerror(errno));
		return (err);
	}
	/* A blocked SIGSYS would be turned into a plain kill. */
	sigemptyset(&set);
	sigaddset(&set, SIGSYS);
	if (sigprocmask(SIG_UNBLOCK, &set, NULL) < 0) {
		err = -errno;
		snprintf(why, whysz, "sigprocmask SIGSYS: %s", strerror(errno));
		return (err);
	}
	return (0);
}

/* The names the SIGSYS reporter prints (libseccomp's table lookups). */
static void
policy_child_trap_names(void)
{
	const char *name;
	long	nr;

	for (nr = 0; nr < POLICY_TRAP_NAMES; nr++) {
		name = policy_syscall_name(nr);
		snprintf(policy_child_ctx.names[nr], POLICY_TRAP_NAME_MAX,
		    "%s", strcmp(name, "?") == 0 ? "" : name);
	}
}

/*
 * The BPF program libseccomp generates for ctx: seccomp_export_bpf()
 * (libseccomp 2.5 writes it only to a descriptor) into a memfd, read
 * back whole into policy_child_ctx.prog.
 */
static int
policy_child_program(scmp_filter_ctx ctx, char *why, size_t whysz)
{
	struct stat st;
	void   *buf;
	ssize_t	got;
	int	fd, err;

	if ((fd = memfd_create("smtpjail-child-filter", MFD_CLOEXEC)) < 0) {
		err = -errno;
		snprintf(why, whysz, "memfd_create (child filter): %s",
		    strerror(errno));
		return (err);
	}
	if ((err = seccomp_export_bpf(ctx, fd)) < 0) {
		snprintf(why, whysz, "seccomp_export_bpf: %s", strerror(-err));
		goto out;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		snprintf(why, whysz, "fstat (child filter): %s",
		    strerror(errno));
		goto out;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS) {
		err = -EINVAL;
		snprintf(why, whysz, "seccomp_export_bpf: %lld bytes is not a "
		    "program of 1 to %d instructions", (long long)st.st_size,
		    BPF_MAXINSNS);
		goto out;
	}
	if ((buf = malloc((size_t)st.st_size)) == NULL) {
		err = -ENOMEM;
		snprintf(why, whysz, "malloc (child filter): %s",
		    strerror(ENOMEM));
		goto out;
	}
	if ((got = pread(fd, buf, (size_t)st.st_size, 0)) != st.st_size) {
		err = got < 0 ? -errno : -EIO;
		snprintf(why, whysz, "pread (child filter): %s",
		    got < 0 ? strerror(errno) : "short read");
		free(buf);
		goto out;
	}
	policy_child_release();
	policy_child_ctx.prog = buf;
	policy_child_ctx.prog_len = (unsigned short)(st.st_size /
	    sizeof(struct sock_filter));
	err = 0;
out:
	close(fd);
	return (err);
}

int
policy_child_prepare(int trap_mode, char *why, size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	if ((err = policy_child_build(trap_mode, &ctx, why, whysz)) < 0)
		return (err);
	err = policy_child_program(ctx, why, whysz);
	seccomp_release(ctx);
	if (err < 0)
		return (err);
	policy_child_ctx.prog_trap = trap_mode;
	if (trap_mode)
		policy_child_trap_names();
	return (0);
}

int
policy_child_prepared(int trap_mode)
{
	return (policy_child_ctx.prog != NULL &&
	    policy_child_ctx.prog_trap == trap_mode);
}

void
policy_child_release(void)
{
	free(policy_child_ctx.prog);
	policy_child_ctx.prog = NULL;
	policy_child_ctx.prog_len = 0;
}

int
policy_child_install(int trap_mode, char *why, size_t whysz)
{
	struct sock_fprog fprog;
	int	err;

	if (!policy_child_prepared(trap_mode)) {
		snprintf(why, whysz, "seccomp: no filter prepared for %s mode "
		    "(policy_child_prepare() did not run)",
		    trap_mode ? "trap" : "kill");
		return (-EINVAL);
	}
	if (trap_mode && (err = policy_child_trap_setup(why, whysz)) < 0)
		return (err);
	/*
	 * What seccomp_load() does with our attributes (2.5.4, strace):
	 * PR_SET_NO_NEW_PRIVS (SCMP_FLTATR_CTL_NNP), then
	 * seccomp(SECCOMP_SET_MODE_FILTER) with no flags (no TSYNC, LOG,
	 * SPEC_ALLOW or listener).
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		err = -errno;
		snprintf(why, whysz, "prctl PR_SET_NO_NEW_PRIVS (seccomp): %s",
		    strerror(errno));
		return (err);
	}
	fprog.len = policy_child_ctx.prog_len;
	fprog.filter = policy_child_ctx.prog;
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0) {
		err = -errno;
		snprintf(why, whysz, "seccomp SECCOMP_SET_MODE_FILTER: %s",
		    strerror(errno));
		return (err);
	}
	/* The program stays: free() would write to a heap page the child
	 * still shares with the parent, for 1 KB. */
	return (0);
}

int
policy_child_install_libseccomp(int trap_mode, char *why, size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	if (trap_mode) {
		policy_child_trap_names();
		if ((err = policy_child_trap_setup(why, whysz)) < 0)
			return (err);
	}
	if ((err = policy_child_build(trap_mode, &ctx, why, whysz)) < 0)
		return (err);
	err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err < 0) {
		snprintf(why, whysz, "seccomp_load: %s", strerror(-err));
		return (err);
	}
	return (0);
}

int
policy_child_export(int fd, int trap_mode)
{
	scmp_filter_ctx ctx;
	char	why[256];
	int	err;

	if ((err = policy_child_build(trap_mode, &ctx, why, sizeof(why))) < 0)
		return (err);
	err = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return (err);
}

/* "arg3 == 0x4000" style, one condition. */
static void
policy_child_cond(const struct scmp_arg_cmp *c, char *buf, size_t bufsz)
{
	switch (c->op) {
	case SCMP_CMP_EQ:
		snprintf(buf, bufsz, "arg%u == %#llx", c->arg,
		    (unsigned long long)c->datum_a);
		break;
	case SCMP_CMP_MASKED_EQ:
		snprintf(buf, bufsz, "(arg%u & %#llx) == %#llx", c->arg,
		    (unsigned long long)c->datum_a,
		    (unsigned long long)c->datum_b);
		break;
	default:
		snprintf(buf, bufsz, "arg%u op%d %#llx", c->arg, (int)c->op,
		    (unsigned long long)c->datum_a);
		break;
	}
}

void
policy_child_describe(int trap_mode, void (*out)(void *, const char *),
    void *ctx)
{
	const struct policy_rule *r;
	char	line[512], cond[96];
	size_t	len;
	unsigned i;

	for (r = policy_child_rules; r < policy_child_rules +
	    POLICY_CHILD_NRULES; r++) {
		if (r->nr < 0 || (r->trap_only && !trap_mode))
			continue;
		len = (size_t)snprintf(line, sizeof(line), "child allows: %s",
		    r->name);
		if (r->action != SCMP_ACT_ALLOW && len < sizeof(line))
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    " (fails, ASan build)");
		for (i = 0; i < r->argc && len < sizeof(line); i++) {
			policy_child_cond(&r->argv[i], cond, sizeof(cond));
			len += (size_t)snprintf(line + len, sizeof(line) - len,
			    "%s%s", i ? " && " : " if ", cond);
		}
		if (len < sizeof(line))
			snprintf(line + len, sizeof(line) - len, "\n");
		out(ctx, line);
	}
}

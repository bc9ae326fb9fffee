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
 *	Arguments are checked where the check is cheap and meaningful:
 *	socket() only for AF_INET/AF_INET6, TCP or UDP (no raw, ICMP, SCTP
 *	or other protocol, no other family);
 *	fcntl() only for the four commands c-ares uses; getsockopt() only
 *	for SO_ERROR; setsockopt() only for the options in the table; mmap()
 *	only anonymous and never executable.
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
};

#define EQ(n, v)	{ (n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0 }
#define MASKED_EQ(n, m, v) \
	{ (n), SCMP_CMP_MASKED_EQ, (scmp_datum_t)(m), (scmp_datum_t)(v) }
#define ALLOW		SCMP_ACT_ALLOW
#define ANY(sys, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, ALLOW, why }
#define ARG1(sys, a, why) \
	{ SCMP_SYS(sys), #sys, 1, { a }, ALLOW, why }
#define ARG2(sys, a, b, why) \
	{ SCMP_SYS(sys), #sys, 2, { a, b }, ALLOW, why }
#define ARG3(sys, a, b, c, why) \
	{ SCMP_SYS(sys), #sys, 3, { a, b, c }, ALLOW, why }
/* Not allowed: fails with the error instead of killing (ASan only). */
#define FAILS(sys, err, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, SCMP_ACT_ERRNO(err), why }

/*
 * socket(2)'s type with SOCK_NONBLOCK/SOCK_CLOEXEC masked off; the
 * kernel reads the argument as an int, so does the mask.
 */
#define SOCK_TYPE_MASK_32	((uint32_t)~(SOCK_NONBLOCK | SOCK_CLOEXEC))
#define SOCKET(family, type, proto, why) \
	ARG3(socket, EQ(0, family), MASKED_EQ(1, SOCK_TYPE_MASK_32, type), \
	    EQ(2, proto), why)

/*
 * The allow-list. Rows of one system call are adjacent; the rows of a
 * call are alternatives, the conditions of a row all hold.
 */
static const struct policy_rule policy_child_rules[] = {
	/* Descriptors the child already holds. */
	ANY(read, "sys_read: SMTP replies, the content memfd read in order"),
	ANY(pread64, "sys_pread: message content from the sealed memfd"),
	ANY(write, "sys_write: SMTP commands and data; reports on stderr"),
	ANY(writev, "sys_writev: pipelined SMTP commands; c-ares TCP queries"),
	ANY(recvfrom, "sys_recvfrom: DNS answers, SMTP replies (recv)"),
	ANY(sendto, "sys_sendto: DNS queries, SMTP data (send)"),
	ANY(recvmsg, "IPC from the parent: requests, the content memfd "
	    "(SCM_RIGHTS)"),
	ANY(sendmsg, "IPC to the parent: LOG, results, DONE"),
	ANY(poll, "sys_wait/sys_poll: the one place the child blocks"),
	ANY(close, "sys_close: finished DNS and SMTP sockets, the memfd"),

	/* Network: IPv4 and IPv6 only, TCP or UDP only (protocol 0 or
	 * the explicit one: c-ares' address sorting asks for IPPROTO_UDP). */
	SOCKET(AF_INET, SOCK_STREAM, 0, "sys_socket_inet: SMTP, DNS over TCP"),
	SOCKET(AF_INET, SOCK_STREAM, IPPROTO_TCP, "as above"),
	SOCKET(AF_INET, SOCK_DGRAM, 0, "sys_socket_inet: DNS over UDP"),
	SOCKET(AF_INET, SOCK_DGRAM, IPPROTO_UDP, "c-ares: source address "
	    "probe for RFC 6724 sorting"),
	SOCKET(AF_INET6, SOCK_STREAM, 0, "sys_socket_inet: SMTP, DNS over TCP"),
	SOCKET(AF_INET6, SOCK_STREAM, IPPROTO_TCP, "as above"),
	SOCKET(AF_INET6, SOCK_DGRAM, 0, "sys_socket_inet: DNS over UDP"),
	SOCKET(AF_INET6, SOCK_DGRAM, IPPROTO_UDP, "c-ares: source address "
	    "probe for RFC 6724 sorting"),
	ANY(connect, "sys_connect: SMTP servers; c-ares connects its UDP "
	    "sockets"),
	ARG2(getsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_ERROR),
	    "sys_connect_result: outcome of a non-blocking connect"),
	ARG2(setsockopt, EQ(1, IPPROTO_TCP), EQ(2, TCP_NODELAY),
	    "sys_setsockopt: c-ares and SMTP pipelining send at once"),
	ARG2(setsockopt, EQ(1, IPPROTO_TCP), EQ(2, TCP_QUICKACK),
	    "smtp_ack: ACK a reply at once while more are awaited (else "
	    "the server's Nagle waits for our delayed ACK)"),
	ARG2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_SNDBUF),
	    "sys_setsockopt: c-ares socket_send_buffer_size, tcp_windowsize"),
	ARG2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_RCVBUF),
	    "sys_setsockopt: c-ares socket_receive_buffer_size, "
	    "tcp_windowsize"),
	ARG2(setsockopt, EQ(1, SOL_SOCKET), EQ(2, SO_KEEPALIVE),
	    "sys_setsockopt: detect dead SMTP servers on long sessions"),
	ANY(getsockname, "sys_getsockname: local address (loop check, logs); "
	    "c-ares source address sorting"),
	ARG1(fcntl, EQ(1, F_GETFL), "c-ares reads socket flags (O_NONBLOCK)"),
	ARG1(fcntl, EQ(1, F_SETFL), "c-ares makes its sockets non-blocking"),
	ARG1(fcntl, EQ(1, F_GETFD), "c-ares reads descriptor flags"),
	ARG1(fcntl, EQ(1, F_SETFD), "c-ares sets FD_CLOEXEC on its sockets"),

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
	ANY(rt_sigreturn, "return from a signal handler (e.g. one the "
	    "parent installed before fork)"),
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
		    policy_child_rules[i].action != SCMP_ACT_ALLOW)
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

int
policy_child_rules_add(void *fctx, const int *skip, size_t nskip, char *why,
    size_t whysz)
{
	scmp_filter_ctx ctx = fctx;
	const struct policy_rule *r;
	size_t	k;
	int	err;

	for (r = policy_child_rules; r < policy_child_rules +
	    POLICY_CHILD_NRULES; r++) {
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

static int
policy_child_build(int trap_mode, scmp_filter_ctx *out, char *why,
    size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	ctx = seccomp_init(trap_mode ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		snprintf(why, whysz, "seccomp_init: cannot create a filter");
		return (-ENOMEM);
	}
	/* A call through another ABI (int 0x80, x32) is not in the list. */
	err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	if (err < 0) {
		snprintf(why, whysz, "seccomp_attr_set ACT_BADARCH: %s",
		    strerror(-err));
		seccomp_release(ctx);
		return (err);
	}
	if ((err = policy_child_rules_add(ctx, NULL, 0, why, whysz)) < 0) {
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

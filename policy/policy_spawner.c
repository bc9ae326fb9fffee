/*
 * NAME
 *	policy_spawner 3
 * SUMMARY
 *	the spawner's seccomp allow-list
 * DESCRIPTION
 *	policy_spawner_install() loads the spawner's filter (see
 *	policy/spawner.c). A seccomp filter is inherited by fork() and
 *	cannot be removed: every child the spawner forks runs under this
 *	filter and then adds its own (policy/policy_child.c); the kernel
 *	applies both, and the stricter answer wins. So this list is the
 *	union of three parts, each row with its reason:
 *
 *	1. The child's own rows, copied from policy_child.c with their
 *	   argument conditions (policy_child_rules_add()), so that a
 *	   child under both filters may do exactly what its own allows,
 *	   no more. (open/openat/pipe2 are not copied: part 3 has them.)
 *	2. What a new child does between fork() and its own filter:
 *	   the steps of sandbox_child_enter() (chroot, ids, capabilities,
 *	   prctl, rlimits, seccomp) and child_after_fork() (getrandom).
 *	3. What the spawner itself does: wait in ppoll(), fork(), make a
 *	   socketpair and a pipe per child, reap, SIGKILL a child.
 *
 *	There is no socket but the AF_UNIX socketpair, and no connect
 *	(the child's rows have neither: its sockets come from the parent's
 *	egress broker), no execve, no ptrace, no mount, no open that can
 *	succeed but of a directory (and the spawner's root is the empty
 *	sandbox directory). The default action kills the process (traps
 *	with smtpjail_seccomp_debug, so that a child's report still works;
 *	the spawner itself has no SIGSYS handler and dies of it).
 * SECURITY
 *	Built and installed by the spawner, root, before its first request.
 *	Adding a row means regenerating tests/fixtures/policy_spawner.pfc.
 * SEE ALSO
 *	policy/spawner.c, policy/policy_child.c, SECURITY.md
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "sj_sandbox.h"
#include "sj_spawner.h"

struct spawner_rule {
	int	nr;
	const char *name;
	unsigned int argc;
	struct scmp_arg_cmp argv[2];
	uint32_t action;
	const char *why;
};

#define EQ(n, v)	{ (n), SCMP_CMP_EQ, (scmp_datum_t)(v), 0 }
#define NE(n, v)	{ (n), SCMP_CMP_NE, (scmp_datum_t)(v), 0 }
#define ANY(sys, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, SCMP_ACT_ALLOW, why }
#define ARG1(sys, a, why) \
	{ SCMP_SYS(sys), #sys, 1, { a }, SCMP_ACT_ALLOW, why }
#define ARG2(sys, a, b, why) \
	{ SCMP_SYS(sys), #sys, 2, { a, b }, SCMP_ACT_ALLOW, why }
#define FAILS1(sys, a, err, why) \
	{ SCMP_SYS(sys), #sys, 1, { a }, SCMP_ACT_ERRNO(err), why }
#define FAILS(sys, err, why) \
	{ SCMP_SYS(sys), #sys, 0, { EQ(0, 0) }, SCMP_ACT_ERRNO(err), why }

/* glibc 2.36 fork(): clone(CLONE_CHILD_SETTID|CLONE_CHILD_CLEARTID|SIGCHLD) */
#define FORK_FLAGS	(CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD)
/* The one directory open a child makes: its root, to check it. */
#define ROOT_OPEN	(O_RDONLY | O_DIRECTORY | O_CLOEXEC)

static const struct spawner_rule spawner_rules[] = {
	/* 3. The spawner itself. */
	ANY(ppoll, "the spawner waits for a request with SIGCHLD unblocked"),
	ANY(rt_sigprocmask, "SIGCHLD blocked outside ppoll; a new child "
	    "unblocks all; trap mode unblocks SIGSYS"),
	ANY(rt_sigaction, "a new child resets SIGCHLD; trap mode installs "
	    "the SIGSYS reporter"),
	ANY(wait4, "reap children, learn how each ended (EXIT)"),
	ARG1(kill, EQ(1, SIGKILL), "KILL: a child the parent gave up on "
	    "(only pids of its own children, checked in spawner.c)"),
	ARG1(clone, EQ(0, FORK_FLAGS), "fork() of a new child (no thread, "
	    "no namespace)"),
	ANY(set_robust_list, "glibc's fork(): the new child registers its "
	    "robust futex list"),
	FAILS(clone3, ENOSYS, "its flags cannot be inspected: glibc falls "
	    "back to clone"),
	ARG2(socketpair, EQ(0, AF_UNIX), EQ(1, SOCK_SEQPACKET | SOCK_CLOEXEC),
	    "a new child's IPC socketpair (ipc_chan_pair())"),
	ARG1(pipe2, EQ(1, O_CLOEXEC), "a new child's stderr pipe"),

	/* 2. A new child, from fork() to its own filter. */
	ANY(dup2, "child_fds(): /dev/null on 0 and 1, the pipe on 2"),
	ANY(dup3, "child_fds(): the IPC socket on fd 3"),
	ANY(close_range, "child_fds(): every other descriptor"),
	ARG1(getrandom, EQ(2, 0), "child_after_fork(): its own random state "
	    "(DNS ids, c-ares key)"),
	ARG1(openat, EQ(2, ROOT_OPEN), "sandbox_child_enter(): open its "
	    "root (the empty sandbox directory) to check it"),
	FAILS1(openat, NE(2, ROOT_OPEN), ENOENT, "any other open fails: "
	    "c-ares' fopen(/dev/urandom) in child_after_fork()"),
	FAILS(open, ENOENT, "as openat"),
	ANY(newfstatat, "sandbox_child_enter(): fstat of the directory"),
	ANY(fstat, "as newfstatat (older glibc)"),
	ANY(lseek, "sandbox_child_enter(): rewind before listing it"),
	ANY(getdents64, "sandbox_child_enter(): the directory is empty"),
	ANY(fchdir, "sandbox_child_enter(): into the checked directory"),
	ANY(chroot, "sandbox_child_enter(): chroot(\".\")"),
	ANY(chdir, "sandbox_child_enter(): chdir(\"/\")"),
	ARG1(prctl, EQ(0, PR_CAPBSET_READ), "the bounding set, read back "
	    "empty (the spawner emptied it: no PR_CAPBSET_DROP here)"),
	ARG1(prctl, EQ(0, PR_CAP_AMBIENT), "the ambient set, cleared and "
	    "read back"),
	ARG1(prctl, EQ(0, PR_SET_NO_NEW_PRIVS), "no_new_privs"),
	ARG1(prctl, EQ(0, PR_GET_NO_NEW_PRIVS), "no_new_privs, read back"),
	ARG1(prctl, EQ(0, PR_SET_DUMPABLE), "not dumpable"),
	ARG1(prctl, EQ(0, PR_GET_DUMPABLE), "not dumpable, read back"),
	ARG1(prctl, EQ(0, PR_SET_PDEATHSIG), "the child dies with the "
	    "spawner"),
	ANY(capget, "capabilities read back empty"),
	ANY(capset, "capabilities cleared"),
	ANY(setgroups, "no supplementary groups"),
	ANY(setresgid, "the sandbox group"),
	ANY(setresuid, "the sandbox user"),
	ANY(getresuid, "ids read back"),
	ANY(getresgid, "ids read back"),
	ANY(getgroups, "groups read back"),
	ANY(getppid, "the spawner still alive after PDEATHSIG"),
	ARG1(prlimit64, EQ(0, 0), "setrlimit() of its own limits"),
	ARG2(seccomp, EQ(0, SECCOMP_SET_MODE_FILTER), EQ(1, 0),
	    "the child's own filter, stacked on this one"),
#ifdef SJ_ASAN
	FAILS1(pipe2, NE(1, O_CLOEXEC), EMFILE, "ASan build only: as in "
	    "the child's filter"),
#endif
};

#define SPAWNER_NRULES	(sizeof(spawner_rules) / sizeof(spawner_rules[0]))

/* Part 3 has its own rows for these: the child's would override them. */
static const int spawner_skip[] = {
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(pipe2),
};

static int
policy_spawner_build(int trap_mode, scmp_filter_ctx *out, char *why,
    size_t whysz)
{
	const struct spawner_rule *r;
	scmp_filter_ctx ctx;
	int	err;

	if ((err = policy_filter_new(trap_mode ? SCMP_ACT_TRAP :
	    SCMP_ACT_KILL_PROCESS, &ctx, why, whysz)) < 0)
		return (err);
	if ((err = policy_child_rules_add(ctx, spawner_skip,
	    sizeof(spawner_skip) / sizeof(spawner_skip[0]), why, whysz)) < 0)
		goto bad;
	for (r = spawner_rules; r < spawner_rules + SPAWNER_NRULES; r++) {
		err = seccomp_rule_add_array(ctx, r->action, r->nr, r->argc,
		    r->argc ? r->argv : NULL);
		if (err < 0) {
			snprintf(why, whysz, "seccomp_rule_add %s: %s",
			    r->name, strerror(-err));
			goto bad;
		}
	}
	*out = ctx;
	return (0);
bad:
	seccomp_release(ctx);
	return (err);
}

int
policy_spawner_install(int trap_mode, char *why, size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	if ((err = policy_spawner_build(trap_mode, &ctx, why, whysz)) < 0)
		return (err);
	err = seccomp_load(ctx);
	seccomp_release(ctx);
	if (err < 0) {
		snprintf(why, whysz, "seccomp_load (spawner): %s",
		    strerror(-err));
		return (err);
	}
	return (0);
}

int
policy_spawner_export(int fd, int trap_mode)
{
	scmp_filter_ctx ctx;
	char	why[256];
	int	err;

	if ((err = policy_spawner_build(trap_mode, &ctx, why,
	    sizeof(why))) < 0)
		return (err);
	err = seccomp_export_pfc(ctx, fd);
	seccomp_release(ctx);
	return (err);
}

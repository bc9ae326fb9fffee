/*
 * NAME
 *	test_policy_prebuilt 1
 * SUMMARY
 *	the pre-built child filter is the one seccomp_load() would load
 * DESCRIPTION
 *	policy_child_prepare() builds the child's BPF program in the parent
 *	before the fork, and policy_child_install() hands it to the kernel
 *	with seccomp(2) itself. This test loads the filter three ways, each
 *	in its own forked child:
 *
 *	- the reference: policy_child_install_libseccomp(), libseccomp's
 *	  own seccomp_load() as before the change;
 *	- pre-built: policy_child_prepare() in this process, then
 *	  policy_child_install() in the child (what child_ctl_spawn() does);
 *	- prepared in the child: policy_child_install() without a program
 *	  must refuse; then policy_child_prepare() and install in the child
 *	  (what sandbox_child_enter() does when the caller did not prepare);
 *
 *	and reads each filter back from the kernel with
 *	PTRACE_SECCOMP_GET_FILTER: the three must be the same instructions,
 *	byte for byte, in kill mode and in trap mode. Each child must also
 *	run on under its filter (read, write, exit_group) and exit 0.
 *
 *	Needs root (CAP_SYS_ADMIN for PTRACE_SECCOMP_GET_FILTER).
 * SEE ALSO
 *	policy/policy_child.c, tests/sandbox/test_sandbox.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/filter.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sj_sandbox.h"

#define PROG_MAX	BPF_MAXINSNS

enum load_way { LOAD_LIBSECCOMP, LOAD_PREBUILT, LOAD_UNPREPARED };

struct loaded {
	struct sock_filter insn[PROG_MAX];
	long	len;
};

/* In the child: load the filter, say so, wait for EOF, exit 0. */
static void __attribute__((noreturn))
child_load(enum load_way way, int trap, int ready_fd, int hold_fd)
{
	char	why[256], c;
	int	err;

	if (way == LOAD_UNPREPARED) {
		/* As sandbox_child_enter() does without child_prepare(). */
		policy_child_release();
		if (policy_child_install(trap, why, sizeof(why)) >= 0 ||
		    strstr(why, "no filter prepared") == NULL) {
			dprintf(STDERR_FILENO, "install without a program: "
			    "%s\n", why);
			_exit(4);
		}
		if (policy_child_prepare(trap, why, sizeof(why)) < 0) {
			dprintf(STDERR_FILENO, "prepare: %s\n", why);
			_exit(2);
		}
	}
	err = way == LOAD_LIBSECCOMP ?
	    policy_child_install_libseccomp(trap, why, sizeof(why)) :
	    policy_child_install(trap, why, sizeof(why));
	if (err < 0) {
		dprintf(STDERR_FILENO, "install: %s\n", why);
		_exit(2);
	}
	/* From here on only what the filter allows. */
	if (write(ready_fd, "r", 1) != 1)
		_exit(3);
	while (read(hold_fd, &c, 1) > 0)
		continue;
	_exit(0);
}

/* Fork a child that loads the filter 'way'; read it back from the kernel. */
static void
load_and_dump(enum load_way way, int trap, struct loaded *out)
{
	int	ready[2], hold[2], st;
	char	c;
	pid_t	pid;

	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(hold), 0);
	if ((pid = fork()) == 0) {
		close(ready[0]);
		close(hold[1]);
		child_load(way, trap, ready[1], hold[0]);
	}
	assert_true(pid > 0);
	close(ready[1]);
	close(hold[0]);
	if (read(ready[0], &c, 1) != 1) {
		(void)waitpid(pid, &st, 0);
		fail_msg("load way %d trap %d: child did not load its filter "
		    "(wait status 0x%x)", (int)way, trap, (unsigned)st);
	}
	assert_int_equal(ptrace(PTRACE_SEIZE, pid, 0, 0), 0);
	assert_int_equal(ptrace(PTRACE_INTERRUPT, pid, 0, 0), 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFSTOPPED(st));
	out->len = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, NULL);
	if (out->len <= 0 || out->len > PROG_MAX)
		fail_msg("PTRACE_SECCOMP_GET_FILTER: %ld (%s)", out->len,
		    strerror(errno));
	assert_int_equal(ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 0, out->insn),
	    out->len);
	/* There is exactly one filter: no second one below it. */
	assert_int_equal(ptrace(PTRACE_SECCOMP_GET_FILTER, pid, 1, NULL), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(ptrace(PTRACE_DETACH, pid, 0, 0), 0);
	close(hold[1]);
	close(ready[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("load way %d trap %d: child ended with wait status "
		    "0x%x under its filter", (int)way, trap, (unsigned)st);
}

static void
check_same(int trap)
{
	static struct loaded ref, pre, unprep;
	char	why[256];

	if (geteuid() != 0)
		skip();
	load_and_dump(LOAD_LIBSECCOMP, trap, &ref);
	if (policy_child_prepare(trap, why, sizeof(why)) < 0)
		fail_msg("policy_child_prepare: %s", why);
	load_and_dump(LOAD_PREBUILT, trap, &pre);
	policy_child_release();
	load_and_dump(LOAD_UNPREPARED, trap, &unprep);

	assert_int_equal(pre.len, ref.len);
	assert_memory_equal(pre.insn, ref.insn, (size_t)ref.len *
	    sizeof(ref.insn[0]));
	assert_int_equal(unprep.len, ref.len);
	assert_memory_equal(unprep.insn, ref.insn, (size_t)ref.len *
	    sizeof(ref.insn[0]));
}

static void
test_same_kill_mode(void **state)
{
	(void)state;
	check_same(0);
}

static void
test_same_trap_mode(void **state)
{
	(void)state;
	check_same(1);
}

/* The two modes differ (the default action): the dump sees the policy. */
static void
test_modes_differ(void **state)
{
	static struct loaded kill_mode, trap_mode;
	char	why[256];

	(void)state;
	if (geteuid() != 0)
		skip();
	if (policy_child_prepare(0, why, sizeof(why)) < 0)
		fail_msg("policy_child_prepare: %s", why);
	load_and_dump(LOAD_PREBUILT, 0, &kill_mode);
	if (policy_child_prepare(1, why, sizeof(why)) < 0)
		fail_msg("policy_child_prepare: %s", why);
	load_and_dump(LOAD_PREBUILT, 1, &trap_mode);
	policy_child_release();
	if (kill_mode.len == trap_mode.len)
		assert_memory_not_equal(kill_mode.insn, trap_mode.insn,
		    (size_t)kill_mode.len * sizeof(kill_mode.insn[0]));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_kill_mode),
		cmocka_unit_test(test_same_trap_mode),
		cmocka_unit_test(test_modes_differ),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

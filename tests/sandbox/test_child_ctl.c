/*
 * NAME
 *	test_child_ctl 1
 * SUMMARY
 *	the parent names how the sandboxed child ended
 * DESCRIPTION
 *	A child enters the real sandbox (policy/sandbox_child.c) and makes a
 *	forbidden system call; the parent's child_ctl_describe() must say
 *	"killed by seccomp" for that wait status, and give the plain exit
 *	status or signal otherwise. Needs root.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "child_ctl.h"
#include "sj_sandbox.h"
#include "test_user.h"

struct forbidden {
	const char *name;
	int	(*op)(void);
};

static int op_open(void) __attribute__((unused));

static int
op_open(void)
{
	return (open("/etc/passwd", O_RDONLY));
}

static int
op_unix_socket(void)
{
	return (socket(AF_UNIX, SOCK_STREAM, 0));
}

static int
op_fork(void)
{
	return ((int)fork());
}

static const struct forbidden forbidden[] = {
#ifndef SJ_ASAN		/* the ASan build lets open() fail, for its reports */
	{ "open", op_open },
#endif
	{ "socket(AF_UNIX)", op_unix_socket },
	{ "fork", op_fork },
};

static int
wait_sandboxed(int (*op)(void))
{
	struct sj_sandbox_spec spec;
	struct passwd *pw = test_sandbox_user();
	char	dir[] = "/tmp/sj-ctl.XXXXXX", why[256];
	pid_t	pid;
	int	st = 0;

	assert_non_null(pw);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(chmod(dir, 0755), 0);
	memset(&spec, 0, sizeof(spec));
	spec.directory = dir;
	spec.uid = pw->pw_uid;
	spec.gid = pw->pw_gid;
	spec.forbidden_uid = 0xfffffffe;
	if ((pid = fork()) == 0) {
		if (sandbox_child_enter(&spec, why, sizeof(why)) < 0)
			_exit(100);
		(void)op();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	rmdir(dir);
	return (st);
}

static void
test_seccomp_kill_named(void **state)
{
	char	buf[512];
	size_t	i;
	int	st;

	(void)state;
	if (geteuid() != 0)
		skip();
	for (i = 0; i < sizeof(forbidden) / sizeof(forbidden[0]); i++) {
		st = wait_sandboxed(forbidden[i].op);
		if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
			fail_msg("%s: wait status 0x%x, not SIGSYS",
			    forbidden[i].name, (unsigned)st);
		child_ctl_describe(st, buf, sizeof(buf));
		if (strstr(buf, "killed by seccomp") == NULL ||
		    strstr(buf, "ausearch") == NULL)
			fail_msg("%s: description '%s'", forbidden[i].name,
			    buf);
	}
}

static void
test_other_endings(void **state)
{
	char	buf[512];

	(void)state;
	child_ctl_describe(1 << 8, buf, sizeof(buf));	/* exit(1) */
	assert_string_equal(buf, "child exit status 1");
	child_ctl_describe(SIGKILL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "signal 9"));
	assert_null(strstr(buf, "seccomp"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seccomp_kill_named),
		cmocka_unit_test(test_other_endings),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

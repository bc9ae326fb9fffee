/*
 * NAME
 *	test_user.h 3h
 * SUMMARY
 *	the dedicated sandbox user of a sandbox test
 * DESCRIPTION
 *	test_sandbox_user() returns the user the tests build their
 *	sandboxes for: $SJ_SANDBOX_USER, which tests/run-tests.sh creates
 *	for the whole run (tests/sandbox/sandbox_user.sh); a test binary
 *	run alone creates "sjc<pid>" with its own group and removes it at
 *	exit. Never nobody: smtpjail refuses a shared user
 *	(policy/sandbox_identity.c), and its tests build what it runs.
 *	Test code only, as root.
 */
#ifndef TEST_USER_H
#define TEST_USER_H

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char test_user_made[32];
static pid_t test_user_owner;

static void
test_user_drop(void)
{
	char	cmd[96];

	/* Only the process that made it (forked children exit too). */
	if (test_user_made[0] == '\0' || getpid() != test_user_owner)
		return;
	snprintf(cmd, sizeof(cmd), "userdel %s >/dev/null 2>&1",
	    test_user_made);
	if (system(cmd) != 0)
		fprintf(stderr, "# could not remove test user %s\n",
		    test_user_made);
	test_user_made[0] = '\0';
}

static inline struct passwd *
test_sandbox_user(void)
{
	const char *name = getenv("SJ_SANDBOX_USER");
	struct passwd *pw;
	char	cmd[256];

	if (name != NULL && *name != '\0' && (pw = getpwnam(name)) != NULL)
		return (pw);
	if (test_user_made[0] != '\0')
		return (getpwnam(test_user_made));
	snprintf(test_user_made, sizeof(test_user_made), "sjc%ld",
	    (long)getpid());
	snprintf(cmd, sizeof(cmd), "useradd --system --user-group "
	    "--no-create-home --home-dir /nonexistent --shell "
	    "/usr/sbin/nologin %s >/dev/null 2>&1", test_user_made);
	if (system(cmd) != 0) {
		test_user_made[0] = '\0';
		return (NULL);
	}
	test_user_owner = getpid();
	atexit(test_user_drop);
	return (getpwnam(test_user_made));
}

#endif

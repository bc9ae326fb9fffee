/*
 * NAME
 *	policy_names 3
 * SUMMARY
 *	system-call numbers to names, for reports
 * DESCRIPTION
 *	policy_syscall_name() turns a system-call number of this
 *	architecture into its name ("openat"), or "?" when libseccomp does
 *	not know it. The result lives in this module's context and stays
 *	valid until the next call.
 *
 *	libseccomp allocates the name it returns, so this function must
 *	not be called from a signal handler: the SIGSYS reporter of the
 *	child (policy/policy_child.c) uses a table filled in by calling
 *	this function before the filter is installed.
 * SECURITY
 *	Parent and child, before lock-down or outside signal handlers.
 *	The number may come from a kernel report (siginfo); any value is
 *	accepted.
 * SEE ALSO
 *	policy/policy_child.c, seccomp_syscall_resolve_num_arch(3)
 */
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>

#include "sj_sandbox.h"

/* Longest x86_64 name is 23 characters ("landlock_create_ruleset"). */
#define POLICY_NAME_MAX	64

static struct policy_names_ctx {
	char	name[POLICY_NAME_MAX];
} policy_names_ctx;

const char *
policy_syscall_name(long nr)
{
	char   *s;
	int	n;

	if (nr < 0 || nr > INT_MAX)
		return ("?");
	s = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, (int)nr);
	if (s == NULL)
		return ("?");
	n = snprintf(policy_names_ctx.name, sizeof(policy_names_ctx.name),
	    "%s", s);
	free(s);
	if (n < 0 || (size_t)n >= sizeof(policy_names_ctx.name))
		return ("?");
	return (policy_names_ctx.name);
}

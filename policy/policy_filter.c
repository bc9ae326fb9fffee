/*
 * NAME
 *	policy_filter 3
 * SUMMARY
 *	a new libseccomp filter with the project's architecture rule
 * DESCRIPTION
 *	policy_filter_new() creates a libseccomp filter whose default
 *	action is def_action and which kills the process on a call made
 *	through another ABI of this machine (int 0x80 or x32 on x86_64):
 *	the rules of every filter here name x86_64 numbers, so a call
 *	through another ABI would not be seen by them. The child's, the
 *	spawner's and the parent's filters all start here.
 * SECURITY
 *	Called before lock-down, in the process that will load the filter
 *	(or exports it, for fixtures). Errors say which libseccomp call
 *	failed and why.
 * SEE ALSO
 *	policy/policy_child.c, policy/policy_spawner.c,
 *	policy/policy_parent.c, seccomp_init(3), seccomp_attr_set(3)
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>

#include "sj_sandbox.h"

int
policy_filter_new(uint32_t def_action, void **out, char *why, size_t whysz)
{
	scmp_filter_ctx ctx;
	int	err;

	if ((ctx = seccomp_init(def_action)) == NULL) {
		snprintf(why, whysz, "seccomp_init: cannot create a filter");
		return (-ENOMEM);
	}
	err = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS);
	if (err < 0) {
		snprintf(why, whysz, "seccomp_attr_set ACT_BADARCH: %s",
		    strerror(-err));
		seccomp_release(ctx);
		return (err);
	}
	*out = ctx;
	return (0);
}

/*
 * NAME
 *	sandbox_parent 3
 * SUMMARY
 *	the parent's own restrictions
 * DESCRIPTION
 *	sandbox_parent_enter() runs once the child has reported that its
 *	sandbox is in place (SECURITY.md, "Processes"). In order:
 *
 *	1. chroot(spec->chroot_dir) and chdir("/") when master.cf asks for
 *	   it (-c: $queue_directory); this needs CAP_SYS_CHROOT, so it
 *	   comes before the uid change.
 *	2. With -u: setgroups(1, &gid), setresgid() and setresuid() to
 *	   $mail_owner, as Postfix's own daemons do, checked afterwards with
 *	   getresuid/getresgid.
 *	3. Clear the effective, permitted and inheritable capability sets
 *	   (the inheritable set survives a uid change, and without -u the
 *	   parent stays uid 0: it keeps no capability either way), and the
 *	   ambient set, and check the result.
 *	4. PR_SET_NO_NEW_PRIVS: required to load a filter without
 *	   CAP_SYS_ADMIN.
 *	5. The deny-list (policy/policy_parent.c).
 *
 *	The parent never regains the privilege to build a new sandbox: a
 *	dead child ends the process pair and master(8) starts a fresh one.
 *	Any failing step returns -1 with "step: reason" in why[].
 * SECURITY
 *	Parent, as root, before it serves the first request. The
 *	specification comes from the command line (master.cf) and main.cf.
 * SEE ALSO
 *	include/sj_sandbox.h, policy/policy_parent.c, policy/sandbox_child.c
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "sj_sandbox.h"

#define STEP_FAIL(...) do { \
	snprintf(why, whysz, __VA_ARGS__); \
	return (-1); \
} while (0)

static int
sandbox_parent_ids(const struct sj_parent_spec *spec, char *why,
    size_t whysz)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg, gid = spec->gid;

	if (spec->uid == 0 || spec->gid == 0)
		STEP_FAIL("mail_owner: uid %lu gid %lu: must not be root",
		    (unsigned long)spec->uid, (unsigned long)spec->gid);
	if (setgroups(1, &gid) < 0)
		STEP_FAIL("setgroups %lu: %s", (unsigned long)gid,
		    strerror(errno));
	if (setresgid(gid, gid, gid) < 0)
		STEP_FAIL("setresgid %lu: %s", (unsigned long)gid,
		    strerror(errno));
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
		STEP_FAIL("setresuid %lu: %s", (unsigned long)spec->uid,
		    strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || ru != spec->uid ||
	    eu != spec->uid || su != spec->uid)
		STEP_FAIL("getresuid: ids are not %lu after setresuid",
		    (unsigned long)spec->uid);
	if (getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid ||
	    sg != gid)
		STEP_FAIL("getresgid: ids are not %lu after setresgid",
		    (unsigned long)gid);
	return (0);
}

static int
sandbox_parent_caps(char *why, size_t whysz)
{
	if (sandbox_caps_clear_sets(why, whysz) < 0)
		return (-1);
	if (cap_reset_ambient() < 0)
		STEP_FAIL("cap_reset_ambient: %s", strerror(errno));
	return (0);
}

int
sandbox_parent_enter(const struct sj_parent_spec *spec, char *why,
    size_t whysz)
{
	if (spec->chroot_dir != NULL) {
		if (chroot(spec->chroot_dir) < 0)
			STEP_FAIL("chroot %s: %s", spec->chroot_dir,
			    strerror(errno));
		if (chdir("/") < 0)
			STEP_FAIL("chdir / in %s: %s", spec->chroot_dir,
			    strerror(errno));
	}
	if (spec->drop && sandbox_parent_ids(spec, why, whysz) < 0)
		return (-1);
	if (sandbox_parent_caps(why, whysz) < 0)
		return (-1);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		STEP_FAIL("prctl PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (policy_parent_install(why, whysz) < 0)
		return (-1);
	return (0);
}

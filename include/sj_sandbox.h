/*
 * NAME
 *	sj_sandbox.h 3h
 * SUMMARY
 *	locking down the child, and the parent's own restrictions
 * DESCRIPTION
 *	sandbox_child_enter() turns the freshly forked child (still root)
 *	into the network-only process of SECURITY.md ("The child's
 *	sandbox"), in this order: check
 *	the sandbox directory (empty, root-owned, writable by nobody but
 *	root), chroot and chdir("/"), setgroups(0)/setresgid/setresuid to
 *	the sandbox user, clear every capability set and the bounding and
 *	ambient sets, PR_SET_NO_NEW_PRIVS, PR_SET_DUMPABLE 0,
 *	rlimits, then the seccomp allow-list (policy/policy_child.c). Any
 *	failure returns -1 with the step and errno in why[]: the caller
 *	exits, there is no degraded mode.
 *
 *	sandbox_parent_enter() honours -c (chroot $queue_directory) and -u
 *	(drop to $mail_owner), clears capabilities, and installs the
 *	parent's deny-list (policy/policy_parent.c).
 * SECURITY
 *	Runs as root. Every rule and limit has its reason in policy/.
 */
#ifndef SJ_SANDBOX_H
#define SJ_SANDBOX_H

#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

struct sj_sandbox_spec {
	const char *directory;	/* smtpjail_sandbox_directory */
	uid_t	uid;		/* smtpjail_sandbox_user */
	gid_t	gid;
	uid_t	forbidden_uid;	/* $mail_owner: the sandbox user must differ */
	int	seccomp_trap;	/* SIGSYS trap with reporter instead of kill */
};

struct sj_parent_spec {
	const char *chroot_dir;	/* NULL unless -c */
	int	drop;		/* -u */
	uid_t	uid;		/* $mail_owner */
	gid_t	gid;
};

/* Checks only: directory and user acceptable? (also run before fork) */
int	sandbox_check_spec(const struct sj_sandbox_spec *, char *why,
	    size_t whysz);
int	sandbox_child_enter(const struct sj_sandbox_spec *, char *why,
	    size_t whysz);
int	sandbox_parent_enter(const struct sj_parent_spec *, char *why,
	    size_t whysz);

/* Clears the effective, permitted and inheritable sets and checks they
 * are empty (both halves; the child also empties bounding/ambient). */
int	sandbox_caps_clear_sets(char *why, size_t whysz);

/* policy/: the filters themselves */
/*
 * Builds the child's BPF program with libseccomp, in the parent before
 * the fork (still root, not yet sandboxed), so the child only hands it
 * to the kernel; policy_child_release() frees it (the parent, after
 * the fork). policy_child_install() loads the prepared program, and
 * fails when there is none for trap_mode; sandbox_child_enter()
 * prepares one first when the caller has not (tests fork without it).
 */
int	policy_child_prepare(int trap_mode, char *why, size_t whysz);
int	policy_child_prepared(int trap_mode);
void	policy_child_release(void);
int	policy_child_install(int trap_mode, char *why, size_t whysz);
/* The same filter through seccomp_load(), the reference that
 * tests/sandbox compares the prepared program with. */
int	policy_child_install_libseccomp(int trap_mode, char *why,
	    size_t whysz);
int	policy_parent_install(char *why, size_t whysz);
int	policy_child_rule_count(void);	/* allowed syscalls on this arch */
/* Adds the child's rows (but for the syscall numbers in skip[]) to a
 * libseccomp filter: the spawner's, which its children inherit. */
int	policy_child_rules_add(void *scmp_ctx, const int *skip, size_t nskip,
	    char *why, size_t whysz);
/* One line per allowed call with its argument conditions. */
void	policy_child_describe(int trap_mode,
	    void (*out)(void *, const char *), void *ctx);
/* Writes seccomp_export_pfc() of each filter to fd (fixtures, audits). */
int	policy_child_export(int fd, int trap_mode);
int	policy_parent_export(int fd);
/* A libseccomp filter (scmp_filter_ctx) with def_action and every
 * foreign-ABI call killed (policy/policy_filter.c). */
int	policy_filter_new(uint32_t def_action, void **scmp_ctx, char *why,
	    size_t whysz);
/* Name of a syscall number on this arch, or "?" (for SIGSYS reports). */
const char *policy_syscall_name(long nr);

#endif

/*
 * NAME
 *	child_main.h 3h
 * SUMMARY
 *	the sandboxed child: lock-down, then serve jobs from the parent
 */
#ifndef CHILD_MAIN_H
#define CHILD_MAIN_H

#include "sj_config.h"
#include "sj_sandbox.h"

/*
 * Runs in the freshly forked child, as root. 'ipc_fd' is the child's
 * end of the socketpair, 'err_fd' the write end of its stderr pipe.
 * Never returns.
 */
void	child_main(int ipc_fd, int err_fd, const struct sj_config *)
	    __attribute__((noreturn));

/*
 * In the parent, before the fork (root, not yet sandboxed): what the
 * child needs and cannot have in the jail, prepared so that the child
 * inherits it instead of building it after the fork: the time zone,
 * the c-ares channel and its random key, the recipient slots, and the
 * child's seccomp program (policy_child_prepare()). 0, or -1 with
 * why[] filled. child_prepare_release() frees all of it again; the
 * parent calls it right after the fork (it never uses any of it).
 */
int	child_prepare(const struct sj_config *, char *why, size_t whysz);
void	child_prepare_release(void);

/* The sandbox the child enters, from the configuration (one place). */
void	child_sandbox_spec(const struct sj_config *, struct sj_sandbox_spec *);

#endif

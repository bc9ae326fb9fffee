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

/* The sandbox the child enters, from the configuration (one place). */
void	child_sandbox_spec(const struct sj_config *, struct sj_sandbox_spec *);

#endif

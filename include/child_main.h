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
 * Before the fork (root, not yet sandboxed; in the spawner once for all
 * its children): what every child needs and cannot have in the jail,
 * prepared so that each inherits it instead of building it after the
 * fork: the time zone, the recipient slots, and the child's seccomp
 * program (policy_child_prepare()). Shared state only: nothing random
 * (a TLS context would go here too). 0, or -1 with why[] filled.
 * child_prepare_release() frees all of it again.
 */
int	child_prepare(const struct sj_config *, char *why, size_t whysz);
void	child_prepare_release(void);
/*
 * In each new child, after the fork and before the lock-down: what must
 * be its own, the random state (getrandom(), rand()'s state) and the
 * c-ares channel keyed from it (OpenSSL's generator would be reseeded
 * here). Called by child_main(); 0, or -1 with why[] filled.
 */
int	child_after_fork(const struct sj_config *, char *why, size_t whysz);
/* The spawner's /dev/null descriptor, for children forked in the jail. */
void	child_main_null_fd(int fd);

/* The sandbox the child enters, from the configuration (one place). */
void	child_sandbox_spec(const struct sj_config *, struct sj_sandbox_spec *);

#endif

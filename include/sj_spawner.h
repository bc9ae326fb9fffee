/*
 * NAME
 *	sj_spawner.h 3h
 * SUMMARY
 *	the spawner: builds a fresh sandboxed child for each destination
 * DESCRIPTION
 *	spawner_start() forks the spawner while the parent is still root.
 *	The spawner keeps only what building a sandbox takes (see
 *	policy/spawner.c and SECURITY.md): four capabilities and an empty
 *	bounding set, its own
 *	seccomp filter, the empty sandbox directory as its root, no
 *	network and no file. It says READY once. Its only input is a
 *	fixed-size request from the parent (struct spawner_msg): SPAWN or
 *	KILL. It answers CHILD (the new child's IPC socket and stderr pipe,
 *	SCM_RIGHTS) or FAIL, and sends, unasked, EXIT for every child it
 *	reaped.
 *
 *	The parent's side: spawner_spawn() asks for a child and waits for
 *	the answer; spawner_kill() asks for SIGKILL of one of its
 *	children; spawner_exit_status() waits (bounded) for a child's EXIT;
 *	spawner_drain() reads what arrived unasked (between requests).
 *	EXIT reports that nobody asked for yet are kept in a small table.
 * SECURITY
 *	The spawner trusts the parent (the only peer of its socket); the
 *	parent treats the spawner's answers as data of fixed size and
 *	checks type, pid and descriptor count.
 */
#ifndef SJ_SPAWNER_H
#define SJ_SPAWNER_H

#include <stdint.h>
#include <sys/types.h>

#include "sj_config.h"

/* Live children of one spawner: the pool (SJ_CHILD_POOL_MAX), the
 * children being stopped and those on loan (parent/child_pool.h); a
 * SPAWN beyond it is refused. */
#define SJ_SPAWNER_CHILDREN_MAX	64
/* EXIT reports kept for spawner_exit_status() until asked for (the
 * oldest is dropped): one per live child, so that a report the parent
 * will ask for is not pushed out by others. */
#define SJ_SPAWNER_EXITS_KEPT	SJ_SPAWNER_CHILDREN_MAX
/* How long the parent waits for the answer to a SPAWN. */
#define SJ_SPAWNER_REPLY_MS	10000

/* The spawner's protocol: one fixed-size datagram each way. */
enum spawner_type {
	SPAWNER_SPAWN = 1,	/* parent → spawner: fork a sandboxed child */
	SPAWNER_KILL = 2,	/* parent → spawner: SIGKILL child 'pid' */
	SPAWNER_CHILD = 3,	/* spawner → parent: 'pid', 2 descriptors */
	SPAWNER_FAIL = 4,	/* spawner → parent: no child, 'why' */
	SPAWNER_EXIT = 5,	/* spawner → parent: 'pid' ended, 'status' */
	SPAWNER_READY = 6,	/* spawner → parent: locked down, 'pid' its own */
};

#define SPAWNER_WHY_MAX		120

struct spawner_msg {
	uint32_t type;		/* enum spawner_type */
	int32_t	pid;		/* KILL, CHILD, EXIT */
	int32_t	status;		/* EXIT: the wait status */
	char	why[SPAWNER_WHY_MAX];	/* FAIL: NUL-terminated */
};

struct spawner_exit {
	pid_t	pid;
	int	status;
};

struct spawner {
	pid_t	pid;		/* the spawner process; -1 when none */
	int	fd;		/* our end of its socket; -1 when none */
	int	dead;		/* EOF or a bad message: no more children */
	struct spawner_exit exits[SJ_SPAWNER_EXITS_KEPT];
	unsigned nexits;
};

/* The capabilities the spawner keeps, as a /proc CapEff mask. */
uint64_t spawner_caps_mask(void);

/* Parent, root: fork the spawner. 0, or -1 with why[] filled. */
int	spawner_start(struct spawner *, const struct sj_config *,
	    char *why, size_t whysz);
/* A new child: its pid, the parent's end of its IPC socket and the read
 * end of its stderr pipe. 0; -EAGAIN (why: the spawner refused, it
 * lives on); other negative: the spawner is gone (sp->dead). */
int	spawner_spawn(struct spawner *, pid_t *pid, int *ipc_fd,
	    int *err_fd, char *why, size_t whysz);
int	spawner_kill(struct spawner *, pid_t);
/* 1 and *status when child 'pid' was reported ended within timeout_ms;
 * 0 when not (yet); -1 when the spawner is gone. */
int	spawner_exit_status(struct spawner *, pid_t, int timeout_ms,
	    int *status);
/* Reads every report waiting; -1 when the spawner is gone. */
int	spawner_drain(struct spawner *);
/* 1 and *status when child 'pid''s EXIT report was already read (and
 * is taken now); 0 when not. No system call: spawner_drain() first. */
int	spawner_exit_taken(struct spawner *, pid_t, int *status);
/* Close the socket (the spawner exits) and reap it, bounded. */
void	spawner_stop(struct spawner *);

/* policy/policy_spawner.c */
int	policy_spawner_install(int trap_mode, char *why, size_t whysz);
int	policy_spawner_export(int fd, int trap_mode);

#endif

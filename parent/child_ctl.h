/*
 * NAME
 *	child_ctl.h 3h
 * SUMMARY
 *	the parent's side of the child: spawn, talk, supervise, reap
 */
#ifndef CHILD_CTL_H
#define CHILD_CTL_H

#include <sys/types.h>

#include "child_log.h"
#include "ipc_msg.h"
#include "sj_config.h"
#include "sj_sandbox.h"
#include "sj_spawner.h"

/* LOG messages and stderr lines accepted per job before the child counts
 * as flooding (parent/child_log.c). */
#define CHILD_LOG_PER_JOB	SJ_CHILD_LOG_PER_JOB
/* How long a freshly forked child may take to lock itself down. */
#define CHILD_READY_TIMEOUT_MS	10000
/* How long the parent waits for the child to exit after EOF, then after
 * SIGKILL, before it gives up (child_ctl_stop(), the broken pair). */
#define CHILD_EXIT_WAIT_MS	1000
#define CHILD_KILL_WAIT_MS	5000
/* How long a send to the child may wait for room in the socket buffer:
 * the real child reads its job at once and is otherwise idle reading,
 * so only a child that stopped reading takes this long. */
#define CHILD_SEND_TIMEOUT_MS	10000

struct child_ctl {
	pid_t	pid;			/* -1 when reaped */
	int	ipc_fd;			/* our end of the socketpair */
	int	err_fd;			/* read end of the child's stderr */
	unsigned log_count;		/* LOG + stderr lines since the reset */
	char	err_line[CHILD_ERR_LINE_MAX];	/* partial stderr line */
	size_t	err_len;
	int	wstatus;		/* valid once pid == -1 */
	struct spawner *sp;		/* the child's maker; NULL: our fork */
	/* Lent to us by another process (parent/child_lend.c): its spawner
	 * reaps it; we can only close the channel. */
	int	borrowed;
};

/* Forks the child (which never returns from this call). */
int	child_ctl_spawn(struct child_ctl *, const struct sj_config *,
	    char *why, size_t whysz);
/* A child from the spawner (policy/spawner.c): it reaps it and reports
 * how it ended. 0; -EAGAIN when the spawner refused (it lives on);
 * other negative when the spawner is gone. */
int	child_ctl_spawn_from(struct child_ctl *, struct spawner *,
	    char *why, size_t whysz);
/*
 * Every message a child gets before its first job, in order: CONFIG,
 * HOSTS (one per pair), CHECK (one per rule). Calls fn with each; its
 * first negative return ends the walk and is returned. child_ctl_start()
 * sends them; parent/child_lend.c digests them.
 */
int	child_ctl_start_msgs(const struct sj_config *,
	    int (*fn)(const struct ipc_msg *, void *), void *ctx);
/* Waits for READY, checks the version, sends CONFIG, HOSTS, CHECK. */
int	child_ctl_start(struct child_ctl *, const struct sj_config *,
	    char *why, size_t whysz);
int	child_ctl_send(struct child_ctl *, const struct ipc_msg *,
	    char *why, size_t whysz);
/*
 * Next message from the child other than LOG (LOG lines and stderr are
 * logged here). 0; -ETIMEDOUT; -ECONNRESET when the child is gone (why
 * says how it ended); -EBADMSG/-EPROTO for a protocol violation.
 */
int	child_ctl_recv(struct child_ctl *, struct ipc_msg *, int timeout_ms,
	    char *why, size_t whysz);
/* Close the channel, kill if needed, reap; why says how it ended. */
void	child_ctl_stop(struct child_ctl *, char *why, size_t whysz);
/*
 * A spawner's child that is done with: close its channel (it exits on
 * EOF) and its stderr pipe, without waiting. Returns its pid: the
 * caller collects the spawner's EXIT report later (or has it killed).
 * A child of our own fork (cc->sp NULL) is stopped as child_ctl_stop()
 * does, and 0 is returned.
 */
pid_t	child_ctl_release(struct child_ctl *);
/* "exit status 1", "child killed by seccomp (SIGSYS) ..." */
void	child_ctl_describe(int wstatus, char *buf, size_t bufsz);

#endif

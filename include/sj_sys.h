/*
 * NAME
 *	sj_sys.h 3h
 * SUMMARY
 *	the child's system-call wrapper layer
 * DESCRIPTION
 *	Every system call the child makes after lock-down goes through one
 *	of these functions (c-ares included: its socket functions are
 *	routed here with ares_set_socket_functions()), so that the seccomp
 *	allow-list in policy/policy_child.c can be read against this file.
 *	Functions return the syscall result or a negative errno; EINTR is
 *	retried here.
 *
 *	sys_wait() is the only blocking point: it polls 'fd' for 'events'
 *	together with the IPC socket registered with sys_set_cancel_fd();
 *	input on the IPC socket (ABORT, or the parent gone) cancels the
 *	wait with -ECANCELED. A deadline of 0 means no limit.
 *
 *	The child has no socket() or connect(): sys_connect_via() asks the
 *	parent (IPC CONNECT with the purpose, address and port; the parent
 *	checks its egress policy, policy/egress.c) and returns the socket
 *	the parent opened and passed back (SOCKET + SCM_RIGHTS):
 *	non-blocking, close-on-exec, connected or still connecting (wait
 *	for POLLOUT, then sys_connect_result()). A refusal is -EACCES.
 * SECURITY
 *	Child only. The list below is the complete set of operations the
 *	sandboxed child needs; adding one means adding a seccomp rule.
 */
#ifndef SJ_SYS_H
#define SJ_SYS_H

#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Monotonic milliseconds, for deadlines. */
int64_t	sys_now_ms(void);
/* Wall clock (for MSG_STATS timings). */
void	sys_wallclock(uint64_t *sec, uint32_t *usec);

/* A socket from the parent: purpose IPC_CONN_*; fd or -errno. */
int	sys_connect_via(int purpose, const struct sockaddr *, socklen_t);
void	sys_set_ipc(int ipc_fd);		/* child_main: fd 3 */
void	sys_set_job(uint32_t job_id);		/* CONNECTs name this job */
int	sys_abort_taken(void);			/* an ABORT came with a SOCKET */
/* The EHLO keywords to ignore (SJ_EHLO_MASK_*) that came with the last
 * socket sys_connect_via() returned; 0 after a refusal. */
unsigned sys_connect_ehlo_discard(void);
/* Tests with a connector: the mask the next connection reports. */
void	sys_set_ehlo_discard(unsigned);
/* Tests outside the sandbox: open sockets locally instead of asking. */
typedef int (*sys_connector_fn)(int purpose, const struct sockaddr *,
	    socklen_t);
void	sys_set_connector(sys_connector_fn);
int	sys_connect_result(int fd);		/* SO_ERROR after a non-blocking connect */
ssize_t	sys_read(int fd, void *, size_t);
ssize_t	sys_write(int fd, const void *, size_t);
ssize_t	sys_pread(int fd, void *, size_t, off_t);
ssize_t	sys_recvfrom(int fd, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t	sys_sendto(int fd, const void *, size_t, int, const struct sockaddr *, socklen_t);
int	sys_setsockopt(int fd, int level, int name, const void *, socklen_t);	/* TCP_QUICKACK only */
int	sys_close(int fd);
int	sys_poll(struct pollfd *, nfds_t, int timeout_ms);

void	sys_set_cancel_fd(int fd);		/* IPC socket; -1 = none */
/* 0 when ready, -ETIMEDOUT past deadline_ms (monotonic), -ECANCELED. */
int	sys_wait(int fd, short events, int64_t deadline_ms);

#endif

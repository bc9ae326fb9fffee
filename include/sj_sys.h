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

int	sys_socket_inet(int family, int type);	/* AF_INET/AF_INET6 only, non-blocking, CLOEXEC */
int	sys_connect(int fd, const struct sockaddr *, socklen_t);
int	sys_connect_result(int fd);		/* SO_ERROR after a non-blocking connect */
ssize_t	sys_read(int fd, void *, size_t);
ssize_t	sys_write(int fd, const void *, size_t);
ssize_t	sys_pread(int fd, void *, size_t, off_t);
ssize_t	sys_writev(int fd, const struct iovec *, int);
ssize_t	sys_recvfrom(int fd, void *, size_t, int, struct sockaddr *, socklen_t *);
ssize_t	sys_sendto(int fd, const void *, size_t, int, const struct sockaddr *, socklen_t);
int	sys_setsockopt(int fd, int level, int name, const void *, socklen_t);
int	sys_getsockname(int fd, struct sockaddr *, socklen_t *);
int	sys_close(int fd);
int	sys_poll(struct pollfd *, nfds_t, int timeout_ms);

void	sys_set_cancel_fd(int fd);		/* IPC socket; -1 = none */
/* 0 when ready, -ETIMEDOUT past deadline_ms (monotonic), -ECANCELED. */
int	sys_wait(int fd, short events, int64_t deadline_ms);

#endif

/*
 * NAME
 *	broker.h 3h
 * SUMMARY
 *	the parent opens the child's connections (egress broker)
 * DESCRIPTION
 *	broker_init() builds the egress policy (policy/egress.c) from the
 *	configuration at start-up; a bad smtpjail_egress_allow or
 *	smtp_bind_address is fatal then. broker_job_begin() narrows it to
 *	one job's nexthop; broker_serve() answers one CONNECT from the
 *	child with one SOCKET: a socket the parent created, bound and
 *	connected (non-blocking, so the parent never waits on the
 *	network), or the errno of the refusal (EACCES, logged with the
 *	reason) or of the failure.
 * SECURITY
 *	Parent. The CONNECT is hostile (decoded by ipc_msg_codec.c, then
 *	checked by the policy); the parent never reads or writes the socket.
 */
#ifndef BROKER_H
#define BROKER_H

#include <stdint.h>

#include "ipc_msg.h"
#include "sj_config.h"

int	broker_init(const struct sj_config *, char *why, size_t whysz);
void	broker_job_begin(uint32_t job_id, const char *nexthop);
void	broker_job_end(void);
/* The job in flight, whether it may still connect (no ABORT), and the
 * SMTP sockets handed to the child in it (parent/tls_sign.c). */
void	broker_job_window(uint32_t *job_id, int *active,
	    unsigned *smtp_conns);
/* ABORT was sent: answer every further CONNECT with ECANCELED. */
void	broker_job_abort(void);
/*
 * Answer msg (a CONNECT) on ipc_fd. 0 when answered (granted or
 * refused); -1 with why[] when the child broke the protocol (another
 * job's id, no job) or the answer could not be sent.
 */
int	broker_serve(int ipc_fd, const struct ipc_msg *msg,
	    const char *queue_id, char *why, size_t whysz);
/* The policy, one line per rule, for --sandbox-check. */
void	broker_describe(void (*out)(void *, const char *), void *ctx);

#endif

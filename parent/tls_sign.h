/*
 * NAME
 *	tls_sign.h 3h
 * SUMMARY
 *	the client private key, kept and used by the parent only
 * DESCRIPTION
 *	See parent/tls_sign.c.
 */
#ifndef TLS_SIGN_H
#define TLS_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"
#include "sj_tls.h"

/*
 * Reads the client key named by the TLS configuration (as root, after
 * the spawner's fork, before the privilege drop) and checks it against
 * the certificate the children have. Nothing to do without a client
 * certificate. 0, or -1 with why[].
 */
int	tls_sign_open(const struct sj_tls_config *, char *why, size_t whysz);
/* 1 when a key is loaded. */
int	tls_sign_ready(void);
/* Forget the key (tests). */
void	tls_sign_close(void);

/*
 * What the broker says about the job in flight (parent/broker.c): the
 * job, whether it may still open connections, and how many SMTP
 * connections it was given. Each one allows one signature.
 */
struct tls_sign_window {
	uint32_t job_id;
	int	active;			/* a job is in flight, no ABORT yet */
	unsigned smtp_conns;		/* SMTP sockets handed to the child */
};

/*
 * Answers one SIGN_REQ on ipc_fd with one SIGN_RESP. *used counts the
 * signatures of this job (zero it at the job's start). Refused (logged
 * with queue_id, answered IPC_SIGN_REFUSED, returns -1 with why[]):
 * no key, another job's id, no job or after ABORT, no brokered SMTP
 * connection without its signature, a digest whose length is not the
 * digest's, an algorithm the key cannot do. -1 also when the answer
 * cannot be sent. 0 when signed (or when OpenSSL failed: answered
 * IPC_SIGN_FAILED, logged).
 */
int	tls_sign_serve(int ipc_fd, const struct ipc_msg *,
	    const struct tls_sign_window *, unsigned *used,
	    const char *queue_id, char *why, size_t whysz);

/* tls_sign_serve() with the window of parent/broker.c's job in flight. */
int	tls_sign_serve_job(int ipc_fd, const struct ipc_msg *, unsigned *used,
	    const char *queue_id, char *why, size_t whysz);

#endif

/*
 * NAME
 *	tls.h 3h
 * SUMMARY
 *	the child's TLS client: context, STARTTLS handshake, record I/O
 * DESCRIPTION
 *	tls_prepare() runs before the fork, with the rest of
 *	child_prepare(): it initialises OpenSSL (its configuration file
 *	and the providers are read now), builds the one SSL_CTX of the
 *	configured level and loads every trusted certificate (the
 *	smtp_tls_CAfile and every file under smtp_tls_CApath) into its
 *	store, so that nothing is read from disk later. tls_reseed() runs
 *	in the child after the fork, before the lock-down: it reseeds
 *	OpenSSL's random generators so that no two children share state.
 *
 *	tls_start() runs the client handshake on a connected, non-blocking
 *	socket within a deadline and judges the peer (child/tls_verify.c).
 *	From then on tls_io_read() and tls_io_write() move SMTP bytes
 *	through the TLS records of that socket; on a socket without TLS
 *	they are plain reads and writes. tls_io_close() ends the TLS
 *	session of a socket (one close_notify, not waited for), if any.
 * SECURITY
 *	Child only after the fork. The peer is hostile: OpenSSL parses its
 *	records and certificates inside the sandbox; what leaves for the
 *	parent are the fields of struct ipc_tls_info.
 */
#ifndef CHILD_TLS_H
#define CHILD_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "child_deliver.h"
#include "ipc_msg.h"
#include "sj_tls.h"

/* What the SMTP session knows about the peer. */
struct tls_peer {
	const char *nexthop;		/* the request's domain */
	const char *host;		/* the server's name */
	const char *namaddr;		/* "host[addr]:port" as Postfix logs */
	uint32_t job_id;
	child_emit_fn emit;
	void	*emit_ctx;
};

/* The handshake's outcome. */
struct tls_state {
	int	matched;		/* the level's certificate check passed */
	struct ipc_tls_info info;	/* what the parent logs */
};

int	tls_prepare(const struct sj_tls_config *, char *why, size_t whysz);
void	tls_release(void);
int	tls_reseed(void);

/* The configuration tls_prepare() saw (never NULL after it). */
const struct sj_tls_config *tls_config(void);
/* main.cf's policy; the job's replaces it until tls_use_config(NULL). */
const struct sj_tls_config *tls_config_global(void);
void	tls_use_config(const struct sj_tls_config *);
/* An SSL_CTX is ready (level > none). */
int	tls_available(void);

/*
 * Handshake on 'fd' by 'deadline_ms'. 0: TLS is on for 'fd', *st
 * filled (and the summary sent). Negative: the handshake failed
 * (-ECANCELED when the parent cancelled); nothing more may be sent on
 * 'fd'.
 */
int	tls_start(int fd, int level, const struct tls_peer *,
	    int64_t deadline_ms, struct tls_state *st);

/*
 * Like read(2)/send(2) on a non-blocking socket: bytes, 0 at EOF, or a
 * negative errno; -EAGAIN with *events set to what to wait for.
 */
ssize_t	tls_io_read(int fd, void *buf, size_t len, short *events);
ssize_t	tls_io_write(int fd, const void *buf, size_t len, short *events);
/* Bytes already decrypted and not yet read. */
int	tls_io_pending(int fd);
int	tls_io_active(int fd);
void	tls_io_close(int fd);
/*
 * A connection with TLS goes to the connection cache: until
 * tls_io_resume(), what its record I/O meets (the QUIT of a closing
 * entry) is reported to no job and the job's strings are forgotten.
 */
void	tls_io_idle(int fd);
/*
 * A connection with TLS taken from the connection cache for a new job:
 * its record I/O reports to 'p' from now on, and the summary of its
 * handshake goes to the parent as SJ_TLS_EV_CONN_REUSED. 0, -ENOENT
 * when 'fd' has no TLS, or tls_emit()'s error.
 */
int	tls_io_resume(int fd, const struct tls_peer *p);

/* Send one TLS_INFO message (event and fields set by the caller). */
int	tls_emit(const struct tls_peer *, struct ipc_tls_info *);

#endif

/*
 * NAME
 *	smtp_starttls.h 3h
 * SUMMARY
 *	the STARTTLS state of an SMTP session
 */
#ifndef SMTP_STARTTLS_H
#define SMTP_STARTTLS_H

#include "sj_tls.h"

struct sess;

/* After EHLO: 0 (go on, with or without TLS), SESS_FAILED, or an error. */
int	smtp_starttls_offer(struct sess *);
/* The handshake on the session's socket; as smtp_starttls_offer(). */
int	smtp_starttls_handshake(struct sess *, const struct sj_tls_config *);
/* Postfix RETRY_AS_PLAINTEXT when its conditions hold. */
void	smtp_starttls_plain_retry(struct sess *, int after_session);
/*
 * A cached connection with TLS (smtp_tls_connection_reuse) taken for
 * this session: its TLS state now reports to this job, Postfix's "...
 * TLS connection reused to ..." is logged, and the session is in TLS
 * with 'matched' as its certificate's verdict. 0, or -1 when the
 * descriptor has no TLS state or the parent is gone.
 */
int	smtp_starttls_resume(struct sess *, int matched);

#endif

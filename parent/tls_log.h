/*
 * NAME
 *	tls_log.h 3h
 * SUMMARY
 *	Postfix's TLS log lines, formatted by the parent from TLS_INFO
 */
#ifndef TLS_LOG_H
#define TLS_LOG_H

#include "ipc_msg.h"
#include "sj_tls.h"

/* At start, before the sandbox: OpenSSL's error texts (TLS on only). */
void	tls_log_init(const struct sj_tls_config *);
/* Log what Postfix logs for this event at smtp_tls_loglevel; 0 or
 * -EINVAL for an unknown event (the decoder refuses those first). */
int	tls_log_info(const struct sj_tls_config *, const struct ipc_tls_info *);

#endif

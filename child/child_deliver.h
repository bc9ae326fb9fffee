/*
 * NAME
 *	child_deliver.h 3h
 * SUMMARY
 *	one delivery job in the child: walk the destinations, run SMTP
 * DESCRIPTION
 *	child_deliver() delivers one DELIVER request the way Postfix 3.7
 *	smtp_connect_inet() does (src/smtp/smtp_connect.c): for each hop
 *	of the nexthop list (dest_parse_nexthop) it resolves the servers
 *	(dest_resolve), connects to each in turn (smtp_connect_timeout),
 *	and runs an SMTP session (smtp_session(3)) until every recipient
 *	has an outcome, smtp_mx_session_limit sessions completed their
 *	handshake, or the addresses run out. Recipients that got a soft
 *	error from a server that was not the last one are kept for the
 *	next server. What remains at the end fails with the last error.
 *
 *	Outcomes leave through 'emit' as IPC messages: one RCPT_RESULT per
 *	recipient (index = position in rcpts[]), or one SITE_RESULT that
 *	stands for every recipient not reported yet. SITE_RESULT is used
 *	exactly where Postfix would update the hop status (a connection,
 *	handshake or I/O failure, or recipients left over at the end) and
 *	no session of this job completed a mail transaction; everything
 *	else is reported per recipient. Every recipient is reported exactly
 *	once unless the job is cancelled.
 *
 *	'done' receives conn_setup_done (start of the last MAIL FROM, or
 *	the time of a whole-job failure) and deliver_done (end of data
 *	reply, or the time of the failure), reuse_count 0 (no connection
 *	cache), and job_id.
 * SECURITY
 *	Child only, in the sandbox. Everything it reads from DNS or SMTP
 *	servers is hostile; text that leaves in a message is censored.
 */
#ifndef CHILD_DELIVER_H
#define CHILD_DELIVER_H

#include <stddef.h>

#include "dest.h"
#include "ipc_msg.h"

/* Sends one message to the parent: 0, or a negative errno. */
typedef int (*child_emit_fn)(void *ctx, const struct ipc_msg *msg);

/*
 * 0 when the job ended (every recipient reported); -ECANCELED when the
 * parent interrupted it (nothing more is emitted); the negative errno
 * of 'emit' when a message could not be sent.
 */
int	child_deliver(struct dns_ctx *, const struct ipc_config *,
	    const struct ipc_deliver *, const struct ipc_rcpt *rcpts,
	    size_t nrcpt, child_emit_fn emit, void *emit_ctx,
	    struct ipc_done *done);

#endif

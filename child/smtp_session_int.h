/*
 * NAME
 *	smtp_session_int.h 3h
 * SUMMARY
 *	the SMTP session's state, shared by its two modules
 * DESCRIPTION
 *	struct sess and the session primitives of child/smtp_session.c
 *	that child/smtp_starttls.c (the STARTTLS state of the session)
 *	uses: send a command and read its reply, the session failures,
 *	the EHLO step. Nothing else includes this header.
 * SECURITY
 *	Child only.
 */
#ifndef SMTP_SESSION_INT_H
#define SMTP_SESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"
#include "mime.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"
#include "smtp_session.h"

/* Internal: the session ended, its outcomes are applied. */
#define SESS_FAILED	1
/* Internal: the pipelined RSET probe failed; nothing was reported. */
#define SESS_STALE	3

struct sess {
	struct smtp_job *job;
	const struct ipc_config *cfg;
	const struct smtp_peer *peer;
	int	fd;
	int	broken;			/* I/O failed: send nothing more */
	int	esmtp;
	/* Connection reuse (Postfix THIS_SESSION_IS_CACHED and friends). */
	int64_t	expire_ms;		/* no reuse after; 0 = never cache */
	uint32_t reuse_count;		/* times taken from the cache */
	int	no_cache;		/* a failure that ends the session */
	int	keep;			/* transaction ended without QUIT */
	int	probe;			/* RSET probe due, or queued unanswered */
	unsigned probe_wait;		/* seconds for its reply; 0: rset_timeout */
	int	tls_level;		/* enum sj_tls_level of this session */
	int	in_tls;			/* STARTTLS done: records on fd */
	int	tls_matched;		/* its certificate matched (SASL options) */
	struct smtp_ehlo ehlo;
	struct smtp_reply reply;
	struct smtp_reply_io io;
	size_t	out_len;		/* queued command bytes */
	char	out[SMTP_CMD_MAX + SMTP_PIPELINE_WINDOW];
	size_t	cmd_len;		/* the command being built */
	char	cmd[SMTP_CMD_MAX];
	char	text[SJ_REPLY_TEXT_MAX + 1];	/* reply joined by spaces */
	struct mime_limits mime;	/* xfer_content_opts() */
};

/* Postfix smtp_chat.c: the command in s->cmd now, then its reply. */
int	sess_chat(struct sess *, unsigned timeout_s);
void	cmd_reset(struct sess *);
void	cmd_add(struct sess *, const char *);
int64_t	sess_deadline(unsigned timeout_s);
/* The reply as one line of text (s->text). */
const char *sess_text(struct sess *);
/* An outcome: status, the reply (or NULL), the remote MTA, the reason. */
void	res_fill(struct ipc_result *, const char *status,
	    const struct smtp_reply *, const char *mta, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* Postfix smtp_site_fail()/smtp_mesg_fail(): SESS_FAILED or an error. */
int	sess_fail(struct sess *, const struct ipc_result *, int throttle);
/* Postfix smtp_stream_except(). */
int	sess_stream_fail(struct sess *, int err, const char *stage);
/* EHLO (or HELO) and the checks of its reply. */
int	sess_ehlo(struct sess *);

#endif

/*
 * NAME
 *	smtp_session_int.h 3h
 * SUMMARY
 *	the SMTP session's state, shared by its two modules
 * DESCRIPTION
 *	struct sess and the session primitives of child/smtp_session.c
 *	that child/smtp_starttls.c (the STARTTLS state of the session)
 *	uses: send a command and read its reply, the session failures,
 *	the EHLO step; the transaction steps that child/smtp_bdat.c
 *	(CHUNKING) shares with DATA; and the commands child/smtp_cmd.c
 *	builds. Nothing else includes this header.
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

/* The transaction cursors (Postfix send_state/recv_state). */
struct xfer {
	size_t	n;			/* recipients in this transaction */
	size_t	sent;			/* commands queued: 0..n+2 */
	size_t	recvd;			/* replies read */
	long	nacc;			/* accepted recipients; -1 DATA refused */
	int	mail_rejected;
	int	data_ok;
};

/* Postfix smtputf8.h: SMTPUTF8_FLAG_REQUESTED. */
#define SMTPUTF8_REQUESTED	(1U << 0)
/* Postfix dsn_mask.h: DSN_RET_FULL, DSN_RET_HDRS. */
#define DSN_RET_FULL		1
#define DSN_RET_HDRS		2

/*
 * Postfix 3.7 SMTP_MIME_DOWNGRADE (smtp_proto.c): content not declared
 * 7bit, to a server without 8BITMIME, is converted by mime(3).
 */
#define SESS_MIME_DOWNGRADE(s) \
	(((s)->cfg->flags & IPC_CF_NO_MIME_OCONV) == 0 && \
	((s)->ehlo.features & SMTP_EHLO_8BITMIME) == 0 && \
	((s)->job->dlv->flags & IPC_DF_7BIT) == 0)

/* Queue the command in s->cmd; write the queue out. */
void	out_append(struct sess *);
int	out_flush(struct sess *, unsigned timeout_s);
/* Postfix smtp_rcpt_fail() and smtp_rcpt_done() for recipient i. */
int	sess_rcpt_fail(struct sess *, size_t i);
int	sess_rcpt_done(struct sess *, size_t i);
/* child/smtp_xfer.c: one mail transaction (Postfix smtp_loop()). */
int	sess_xfer(struct sess *);

/* child/smtp_cmd.c: MAIL FROM and RCPT TO, built in s->cmd. */
void	cmd_mail(struct sess *);
void	cmd_rcpt(struct sess *, const struct ipc_rcpt *);

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

/*
 * The transaction steps that child/smtp_bdat.c (CHUNKING) shares with
 * DATA; see child/smtp_session.c.
 */
/* "host H[A] said: <reply> (in reply to <request>)" for the open ones. */
int	sess_said_all(struct sess *, const char *request);
int	sess_said_all_as(struct sess *, const char *status,
	    const char *request);
/* QUIT may follow the last command (1), or the session is kept (0). */
int	sess_end_quit(struct sess *, int pipelining);
int	sess_quit(struct sess *, int already_sent);
/* Read replies until the receiver caught up (the probe's first). */
int	xfer_sync(struct sess *, struct xfer *);
/* RSET (and QUIT) instead of the rest of the transaction. */
int	xfer_rset(struct sess *, int pipelining);
/* The reply that ends the transaction: to "." or to BDAT LAST. */
int	xfer_end_reply(struct sess *, const struct xfer *, const char *request);
/* No reply to the end of data; the content unreadable; MIME failed. */
int	xfer_dot_fail(struct sess *, const struct xfer *, int err);
int	xfer_local_fail(struct sess *, int err);
int	xfer_mime_fail(struct sess *);
/* Content options common to DATA and BDAT. */
struct smtp_content_opts;
void	xfer_content_opts(struct sess *, struct smtp_content_opts *,
	    const char *trailer);

/* child/smtp_bdat.c: CHUNKING offered, on, and not known broken here. */
int	bdat_usable(const struct sess *);
/* The content in BDAT chunks after MAIL and the RCPTs were queued. */
int	xfer_bdat(struct sess *, struct xfer *, int pipelining, int abort);

#endif

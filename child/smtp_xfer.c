/*
 * NAME
 *	smtp_xfer 3
 * SUMMARY
 *	the mail transaction of an SMTP session: Postfix smtp_loop()
 * DESCRIPTION
 *	sess_xfer() runs one transaction on an established session:
 *	MAIL FROM, the RCPTs and DATA (RFC 5321), pipelined when the
 *	server offers PIPELINING (RFC 2920) as Postfix's smtp_loop()
 *	sends them (send_state/recv_state, here struct xfer), with the
 *	RSET probe of a cached session first, and BDAT through
 *	child/smtp_bdat.c when the server offers CHUNKING (RFC 3030).
 *	Each reply is judged as smtp_proto.c does: a refused MAIL fails
 *	every recipient, each RCPT reply is that recipient's outcome,
 *	the reply to the end of the content decides the accepted ones.
 *	The stage timeouts are Postfix's (smtp_mail_timeout,
 *	smtp_rcpt_timeout, smtp_data_init_timeout ...).
 * SECURITY
 *	Child only. Every reply is hostile input, parsed by
 *	child/smtp_reply.c within its bounds; outcomes go to the parent
 *	as IPC results, never as free text it logs.
 * SEE ALSO
 *	Postfix src/smtp/smtp_proto.c, smtp_trouble.c, smtp_rcpt.c;
 *	child/smtp_session.c, child/smtp_bdat.c; RFC 5321, RFC 2920,
 *	RFC 3030
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "content_checks.h"
#include "msg.h"
#include "sj_sys.h"
#include "smtp_content.h"
#include "smtp_session_int.h"
#include "transcript.h"

/* Commands of the mail transaction, in the order they are sent. */
enum xfer_kind {
	X_MAIL,
	X_RCPT,
	X_DATA,
};

/* The mail transaction: Postfix smtp_loop(). */

static enum xfer_kind
xfer_kind_of(const struct xfer *x, size_t pos)
{
	return (pos == 0 ? X_MAIL : pos <= x->n ? X_RCPT : X_DATA);
}

static unsigned
xfer_timeout(const struct sess *s, enum xfer_kind k)
{
	switch (k) {
	case X_MAIL:
		return (s->cfg->mail_timeout);
	case X_RCPT:
		return (s->cfg->rcpt_timeout);
	case X_DATA:
	default:
		return (s->cfg->data_init_timeout);
	}
}

static const char *
xfer_stage(enum xfer_kind k)
{
	switch (k) {
	case X_MAIL:
		return ("sending MAIL FROM");
	case X_RCPT:
		return ("sending RCPT TO");
	case X_DATA:
	default:
		return ("sending DATA command");
	}
}

static void
xfer_build(struct sess *s, const struct xfer *x, enum xfer_kind k)
{
	struct ipc_done *d = s->job->done;

	switch (k) {
	case X_MAIL:
		/* Postfix: connection set-up ends where MAIL FROM starts. */
		sys_wallclock(&d->conn_setup_done_sec,
		    &d->conn_setup_done_usec);
		cmd_mail(s);
		break;
	case X_RCPT:
		cmd_rcpt(s, &s->job->rcpts[s->job->order[x->sent - 1]]);
		break;
	case X_DATA:
		cmd_reset(s);
		cmd_add(s, "DATA\r\n");
		break;
	}
}

/* The reply to the command at position 'pos' of the sequence. */
static int
xfer_reply(struct sess *s, struct xfer *x, size_t pos)
{
	enum xfer_kind k = xfer_kind_of(x, pos);
	int	err;

	switch (k) {
	case X_MAIL:
		if (s->reply.code / 100 != 2) {
			if ((err = sess_said_all(s, "MAIL FROM command")) < 0)
				return (err);
			x->mail_rejected = 1;
		}
		return (0);
	case X_RCPT:
		if (x->mail_rejected)
			return (0);
		if (s->reply.code / 100 == 2) {
			x->nacc++;
			/* An address probe ends here: the RCPT reply is the
			 * outcome (Postfix smtp_address_verify_target=rcpt). */
			if (s->job->dlv->flags & IPC_DF_VERIFY_ONLY)
				return (sess_rcpt_done(s,
				    s->job->order[pos - 1]));
			return (0);
		}
		err = sess_rcpt_fail(s, s->job->order[pos - 1]);
		return (err < 0 ? err : 0);
	case X_DATA:
	default:
		if (s->reply.code / 100 == 3) {
			x->data_ok = 1;
			return (0);
		}
		if (x->nacc > 0 &&
		    (err = sess_said_all(s, "DATA command")) < 0)
			return (err);
		x->nacc = -1;
		return (0);
	}
}

/*
 * The reply to the RSET probe of a cached session (Postfix
 * smtp_reuse_common()), sent alone or queued in front of MAIL FROM. No
 * reply, or one that is not 2xx, is a stale session: SESS_STALE, with
 * nothing reported and no content sent, so the job moves to another
 * connection as if this one had not been cached.
 */
static int
sess_probe_reply(struct sess *s)
{
	const unsigned wait = s->probe_wait ? s->probe_wait :
	    s->cfg->rset_timeout;
	int	err;

	s->probe = 0;
	s->probe_wait = 0;
	if ((err = out_flush(s, wait)) == 0)
		err = smtp_reply_read(&s->io, sess_deadline(wait), &s->reply);
	if (err == -ECANCELED)
		return (err);
	if (err < 0 || s->reply.code / 100 != 2) {
		s->broken = 1;
		return (SESS_STALE);
	}
	return (0);
}

/* Flush what is queued and read replies until the receiver caught up. */
int
xfer_sync(struct sess *s, struct xfer *x)
{
	enum xfer_kind k;
	int	err;

	if (s->probe && (err = sess_probe_reply(s)) != 0)
		return (err);
	while (x->recvd < x->sent) {
		k = xfer_kind_of(x, x->recvd);
		if ((err = out_flush(s, xfer_timeout(s, k))) < 0)
			return (sess_stream_fail(s, err, xfer_stage(k)));
		err = smtp_reply_read(&s->io,
		    sess_deadline(xfer_timeout(s, k)), &s->reply);
		if (err < 0)
			return (sess_stream_fail(s, err, xfer_stage(k)));
		if ((err = xfer_reply(s, x, x->recvd++)) < 0)
			return (err);
	}
	return (0);
}

/* RSET (and QUIT) instead of the rest of the transaction. */
int
xfer_rset(struct sess *s, int pipelining)
{
	int	err, quit;

	quit = sess_end_quit(s, pipelining);
	cmd_reset(s);
	cmd_add(s, quit ? "RSET\r\nQUIT\r\n" : "RSET\r\n");
	out_append(s);
	if ((err = out_flush(s, s->cfg->rset_timeout)) == 0)
		err = smtp_reply_read(&s->io,
		    sess_deadline(s->cfg->rset_timeout), &s->reply);
	if (err < 0) {
		/* Postfix: nobody is waiting for an outcome any more. */
		s->broken = 1;
		return (err == -ECANCELED ? err : 0);
	}
	/* A session whose RSET fails is in no known state. */
	if (s->reply.code / 100 != 2)
		s->no_cache = 1;
	return (sess_quit(s, quit));
}

/* No reply to the end of data: the message may already be delivered. */
int
xfer_dot_fail(struct sess *s, const struct xfer *x, int err)
{
	if (err == -ECANCELED)
		return (err);
	if (x->nacc > 0)
		msg_warn("%s: no reply to the end of data: the message may "
		    "be delivered twice", s->peer->relay);
	return (sess_stream_fail(s, err, "sending end of data -- message "
	    "may be sent more than once"));
}

/* The memfd could not be read: Postfix "local data error". */
int
xfer_local_fail(struct sess *s, int err)
{
	struct ipc_result why;

	msg_warn("smtp_session: reading the message content: %s",
	    strerror(-err));
	transcript_error(IPC_TC_DATA);
	s->broken = 1;
	res_fill(&why, "4.3.0", NULL, NULL,
	    "local data error while talking to %s", s->peer->namaddr);
	return (sess_fail(s, &why, 1));
}

/* Postfix smtp_mime_fail(): the content cannot be converted. */
int
xfer_mime_fail(struct sess *s)
{
	struct ipc_result why;

	s->broken = 1;
	res_fill(&why, MIME_ERR_NESTING_DSN, NULL, NULL, "%s",
	    MIME_ERR_NESTING_TEXT);
	return (sess_fail(s, &why, 0));
}

/* The end-of-data reply. */
static int
xfer_dot_reply(struct sess *s, const struct xfer *x)
{
	return (xfer_end_reply(s, x, "end of DATA command"));
}

/* The reply that ends the transaction: to "." or to BDAT LAST. */
int
xfer_end_reply(struct sess *s, const struct xfer *x, const char *request)
{
	struct ipc_done *d = s->job->done;
	struct smtp_job *job = s->job;
	size_t	i;
	int	err;

	sys_wallclock(&d->deliver_done_sec, &d->deliver_done_usec);
	if (x->nacc <= 0)
		return (0);
	if (s->reply.code / 100 != 2) {
		err = sess_said_all(s, request);
		return (err < 0 ? err : 0);
	}
	for (i = 0; i < x->n; i++) {
		size_t	r = job->order[i];

		if ((job->rstate[r] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO &&
		    (err = sess_rcpt_done(s, r)) < 0)
			return (err);
	}
	return (0);
}

/* Content options common to DATA and BDAT. */
void
xfer_content_opts(struct sess *s, struct smtp_content_opts *opts,
    const char *trailer)
{
	memset(opts, 0, sizeof(*opts));
	content_checks_opts(opts, &s->mime, s->cfg, SESS_MIME_DOWNGRADE(s),
	    s->job->dlv->job_id);
	opts->line_limit = s->cfg->line_length_limit;
	opts->xfer_timeout = s->cfg->data_xfer_timeout;
	opts->done_timeout = s->cfg->data_done_timeout;
	opts->trailer = trailer;
	opts->queue_id = s->job->dlv->queue_id;
}

static int
xfer_data(struct sess *s, struct xfer *x, int pipelining)
{
	const struct ipc_deliver *dlv = s->job->dlv;
	const int quit = sess_end_quit(s, pipelining);
	const char *trailer = quit ? ".\r\nQUIT\r\n" : ".\r\n";
	struct smtp_content_opts opts;
	struct smtp_content_result cres;
	int	err;

	if (x->nacc > 0) {
		xfer_content_opts(s, &opts, trailer);
		transcript_out(trailer, strlen(trailer));
		err = smtp_content_send(s->fd, dlv->content_fd,
		    dlv->content_size, &opts, &cres);
		if (err == -ECANCELED)
			return (err);
		if (err < 0 && cres.local)
			return (xfer_local_fail(s, err));
		if (err < 0 && cres.mime)
			return (xfer_mime_fail(s));
		if (err < 0 && cres.stage == SMTP_CONTENT_BODY) {
			if (err == -ETIMEDOUT)
				return (sess_stream_fail(s, err,
				    "sending message body"));
			/* Postfix: look for a premature reply (5xx). */
			s->broken = 1;
			err = smtp_reply_read(&s->io,
			    sess_deadline(s->cfg->data_done_timeout),
			    &s->reply);
			if (err < 0)
				return (sess_stream_fail(s,
				    err == -ECANCELED ? err : -ECONNRESET,
				    "sending message body"));
			err = xfer_dot_reply(s, x);
			return (err < 0 ? err : SESS_FAILED);
		}
		if (err < 0)
			return (xfer_dot_fail(s, x, err));
	} else {
		/* DATA accepted, no recipient: end it at once (RFC 2920). */
		cmd_reset(s);
		cmd_add(s, trailer);
		out_append(s);
		if ((err = out_flush(s, s->cfg->data_done_timeout)) < 0)
			return (xfer_dot_fail(s, x, err));
	}
	err = smtp_reply_read(&s->io, sess_deadline(s->cfg->data_done_timeout),
	    &s->reply);
	if (err < 0)
		return (xfer_dot_fail(s, x, err));
	if ((err = xfer_dot_reply(s, x)) < 0)
		return (err);
	return (sess_quit(s, quit));
}

int
sess_xfer(struct sess *s)
{
	struct smtp_job *job = s->job;
	const struct ipc_deliver *dlv = job->dlv;
	struct ipc_result why;
	struct xfer x;
	enum xfer_kind k;
	int	pipelining, chunking, err, abort = 0;
	size_t	i, last;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < job->nrcpt; i++)
		if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO)
			job->order[x.n++] = (uint32_t)i;
	pipelining = (s->ehlo.features & SMTP_EHLO_PIPELINING) != 0;
	/*
	 * A cached session's RSET probe (RFC 2920: RSET may be pipelined)
	 * leads MAIL, the RCPTs and DATA in one write; xfer_sync() reads
	 * its reply first. With BDAT a small message's chunk joins that
	 * write (child/smtp_bdat.c, SMTP_PROBE_CONTENT_MAX).
	 * Without PIPELINING, or when no transaction follows, it is sent
	 * alone.
	 */
	if (s->probe) {
		cmd_reset(s);
		cmd_add(s, "RSET\r\n");
		out_append(s);
		if ((!pipelining || x.n == 0 || (s->ehlo.size_limit > 0 &&
		    s->ehlo.size_limit < dlv->data_size)) &&
		    (err = sess_probe_reply(s)) != 0)
			return (err);
	}

	/* Postfix smtp_xfer(): refuse before MAIL FROM (request->data_size). */
	if (s->ehlo.size_limit > 0 && s->ehlo.size_limit < dlv->data_size) {
		res_fill(&why, "5.3.4", NULL, NULL, "message size %llu exceeds "
		    "size limit %llu of server %s",
		    (unsigned long long)dlv->data_size,
		    (unsigned long long)s->ehlo.size_limit, s->peer->namaddr);
		if ((err = sess_fail(s, &why, 0)) < 0)
			return (err);
		job->complete_session = 1;
		return (sess_quit(s, 0));
	}

	if (x.n == 0)
		return (sess_quit(s, 0));
	s->io.warn_garbage = pipelining;

	/* MAIL, the RCPTs and DATA; a probe (or BDAT) stops before DATA. */
	chunking = bdat_usable(s);
	last = (dlv->flags & IPC_DF_VERIFY_ONLY) || chunking ? x.n + 1 :
	    x.n + 2;
	while (x.sent < last) {
		k = xfer_kind_of(&x, x.sent);
		xfer_build(s, &x, k);
		if (x.sent > x.recvd && (!pipelining ||
		    s->out_len + s->cmd_len > SMTP_PIPELINE_WINDOW) &&
		    (err = xfer_sync(s, &x)) != 0)
			return (err);
		if (x.sent == x.recvd &&
		    ((k == X_RCPT && x.mail_rejected) ||
		    (k == X_DATA && x.nacc == 0))) {
			abort = 1;
			break;
		}
		out_append(s);
		x.sent++;
	}
	if (chunking)
		return (xfer_bdat(s, &x, pipelining, abort));
	if (!abort && (err = xfer_sync(s, &x)) != 0)
		return (err);
	if (dlv->flags & IPC_DF_VERIFY_ONLY) {
		sys_wallclock(&job->done->deliver_done_sec,
		    &job->done->deliver_done_usec);
		return (xfer_rset(s, pipelining));
	}
	if (!abort && x.data_ok)
		return (xfer_data(s, &x, pipelining));
	return (xfer_rset(s, pipelining));
}

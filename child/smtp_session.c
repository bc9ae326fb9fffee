/*
 * NAME
 *	smtp_session 3
 * SUMMARY
 *	the SMTP client state machine and the recipient outcome policy
 * DESCRIPTION
 *	See smtp_session.h. The transaction follows Postfix 3.7 smtp_loop():
 *	commands form the sequence MAIL, RCPT x n, DATA; a sender cursor
 *	queues commands and a receiver cursor reads their replies in order.
 *	Without PIPELINING the sender waits for each reply; with it, the
 *	sender runs ahead while the unacknowledged commands fit in
 *	SMTP_PIPELINE_WINDOW bytes, so a normal request goes out in one
 *	write. When the receiver has caught up it may change course: MAIL
 *	FROM rejected or no recipient accepted means RSET instead of the
 *	next command. After a 3xx DATA reply the content follows (or only
 *	"." when no recipient was accepted, RFC 2920), then QUIT, pipelined
 *	after "." when the server offers PIPELINING.
 *
 *	The transaction itself is child/smtp_xfer.c, the MAIL and RCPT
 *	commands are built by child/smtp_cmd.c, and CHUNKING (RFC 3030,
 *	BDAT instead of DATA) is child/smtp_bdat.c; they share struct sess
 *	and the session's steps through smtp_session_int.h.
 *
 *	Replies map to outcomes as in Postfix src/smtp/smtp_trouble.c and
 *	smtp_proto.c:
 *
 *	greeting not 2xx	"host H[A] refused to talk to me: <reply>",
 *				all, class 5 forced to 4 with
 *				smtp_skip_5xx_greeting
 *	EHLO 421		same text, all; other EHLO failures: HELO
 *	HELO not 2xx		same text, all
 *	SMTPUTF8 needed		5.6.7 "SMTPUTF8 is required, but was not
 *				offered by host H[A]", all
 *	SIZE too small		5.3.4 "message size N exceeds size limit M
 *				of server H[A]", all
 *	MAIL, DATA, end of data	"host H[A] said: <reply> (in reply to
 *				MAIL FROM|DATA|end of DATA command)",
 *				the recipients still without outcome
 *	RCPT			same text "(in reply to RCPT TO command)",
 *				that recipient
 *	end of data 2xx		sent, reason = the reply
 *	timeout / lost conn.	4.4.2 "conversation with H[A] timed out
 *				while <stage>" / "lost connection with
 *				H[A] while <stage>", all remaining
 *	content unreadable	4.3.0 "local data error while talking to
 *				H[A]", all remaining
 *	TLS required, no	4.7.4 "TLS is required, but was not offered
 *	STARTTLS		by host H[A]", all
 *	STARTTLS refused	"TLS is required, but host H[A] refused to
 *				start TLS: <reply>", all (level >= encrypt)
 *	handshake failed	4.7.5 "Cannot start TLS: handshake failure",
 *				all; not throttled at "may", where the
 *				same server is tried again in clear text
 *				when the request allows it
 *	certificate no match	4.7.5 "Server certificate not verified", all
 *
 *	STARTTLS (RFC 3207) is a state of the session, in its own module
 *	child/smtp_starttls.c (which shares struct sess through
 *	smtp_session_int.h): after EHLO, when offered and the level is at
 *	least "may", the handshake (child/tls.c) and EHLO again over TLS;
 *	with smtp_tls_wrappermode TLS starts before the greeting. From then
 *	on the reply reader and the content writer move their bytes through
 *	tls_io_read()/tls_io_write(). A session with TLS is cached only
 *	with smtp_tls_connection_reuse (or the policy's connection_reuse=
 *	yes), as Postfix 3.7 smtp_proto.c smtp_start_tls()
 *	(DONT_CACHE_THIS_SESSION otherwise); taken again, it logs "...
 *	TLS connection reused to ..." (tls_io_resume()).
 *
 *	The status is the reply's enhanced code when it has the reply's
 *	class, else <class>.0.0, or 5.5.0 for a reply that is not 2/4/5xx;
 *	a failure whose status would be 2.x.x becomes 5.5.0 with
 *	"Protocol error: " in front of the reason. diag_text is the reply;
 *	diag_code is its code for a success and for a 4xx/5xx failure,
 *	else 0 (parent/deliver_child.c refuses a failure with a code below
 *	400).
 *	A connection lost while the body is written gets one more read for
 *	a premature reply, as in Postfix; no reply to the end of data also
 *	logs a warning that the message may be delivered twice.
 *
 *	Module state: the session buffers live in one static context (the
 *	child runs one session at a time).
 * SECURITY
 *	Child only. Everything from the server is hostile: replies are
 *	parsed by smtp_reply(3) into bounded, censored text; addresses and
 *	parameters sent to the server come from the parent and are quoted
 *	(RFC 5321 quoted-string, RFC 3461 xtext, RFC 6533 unitext) into a
 *	bounded command buffer.
 * SEE ALSO
 *	child/smtp_xfer.c, child/smtp_cmd.c, child/smtp_starttls.c,
 *	child/smtp_bdat.c, child/tls.c, Postfix
 *	src/smtp/smtp_proto.c, smtp_trouble.c, smtp_rcpt.c,
 *	global/quote_821_local.c, xtext.c, uxtext.c; RFC 5321, RFC 2920,
 *	RFC 1870, RFC 3030, RFC 3461, RFC 6152, RFC 6531
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "msg.h"
#include "sj_match.h"
#include "sj_sys.h"
#include "sj_text.h"
#include "smtp_auth.h"
#include "smtp_content.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"
#include "smtp_session.h"
#include "smtp_session_int.h"
#include "smtp_starttls.h"
#include "tls.h"
#include "transcript.h"






/*
 * xfer_bdat() hands the queued commands to smtp_content_bdat() as its
 * prefix; SMTP_CONTENT_HEADROOM restates this queue's size so that they
 * share the first chunk's write. Keep the two in step.
 */
_Static_assert(sizeof(((struct sess *)0)->out) + SMTP_CONTENT_BDAT_CMD_MAX <=
    SMTP_CONTENT_HEADROOM, "SMTP_CONTENT_HEADROOM is smaller than the "
    "command queue");



static struct smtp_session_ctx {
	struct sess sess;
} smtp_session_ctx;

/* Job bookkeeping. */

void
smtp_session_job_init(struct smtp_job *job, const struct ipc_config *cfg,
    const struct ipc_deliver *dlv, const struct ipc_rcpt *rcpts,
    size_t nrcpt, unsigned char *rstate, uint32_t *order, child_emit_fn emit,
    void *emit_ctx, struct ipc_done *done)
{
	memset(job, 0, sizeof(*job));
	job->cfg = cfg;
	job->dlv = dlv;
	job->rcpts = rcpts;
	job->nrcpt = nrcpt;
	job->rstate = rstate;
	job->order = order;
	job->left = nrcpt;
	job->emit = emit;
	job->emit_ctx = emit_ctx;
	job->done = done;
	job->tls_level = tls_config() == NULL ? SJ_TLS_LEV_NONE :
	    tls_config()->level;
	memset(rstate, SMTP_RCPT_TODO, nrcpt);
}

void
smtp_session_peer(struct smtp_peer *p, const char *host, const char *addr,
    unsigned port)
{
	memset(p, 0, sizeof(*p));
	sj_text_censor(p->host, sizeof(p->host), host, strlen(host));
	sj_text_censor(p->addr, sizeof(p->addr), addr, strlen(addr));
	p->port = port;
	p->best_mx = 1;
	snprintf(p->namaddr, sizeof(p->namaddr), "%s[%s]", p->host, p->addr);
	snprintf(p->relay, sizeof(p->relay), "%s[%s]:%u", p->host, p->addr,
	    port);
}

void
smtp_session_set_why(struct smtp_job *job, const struct ipc_result *why)
{
	job->why = *why;
	job->have_why = 1;
	job->why_seq++;
}

void
smtp_session_end(struct smtp_job *job)
{
	size_t	i;

	for (i = 0; i < job->nrcpt; i++)
		if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_KEEP)
			job->rstate[i] = SMTP_RCPT_TODO;
}

static int
job_is_unset(uint64_t sec, uint32_t usec)
{
	return (sec == 0 && usec == 0);
}

/* Postfix smtp_bulk_fail(): the set-up and completion time stamps. */
static void
job_stamp_failure(struct smtp_job *job)
{
	struct ipc_done *d = job->done;

	if (job_is_unset(d->conn_setup_done_sec, d->conn_setup_done_usec)) {
		sys_wallclock(&d->conn_setup_done_sec, &d->conn_setup_done_usec);
		d->deliver_done_sec = d->conn_setup_done_sec;
		d->deliver_done_usec = d->conn_setup_done_usec;
	} else {
		sys_wallclock(&d->deliver_done_sec, &d->deliver_done_usec);
	}
}

/* Send one result; the texts are censored once more on the way out. */
static int
job_emit(struct smtp_job *job, enum ipc_type type, uint32_t index,
    const struct ipc_result *res, const char *relay)
{
	struct ipc_msg m;
	struct ipc_result *r = &m.u.result;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.fd = -1;
	*r = *res;
	r->job_id = job->dlv->job_id;
	r->index = type == IPC_T_RCPT_RESULT ? index : 0;
	/* Postfix's MSG_STATS at this moment: the parent logs on arrival. */
	r->reuse_count = job->done->reuse_count;
	r->conn_setup_done_sec = job->done->conn_setup_done_sec;
	r->conn_setup_done_usec = job->done->conn_setup_done_usec;
	r->deliver_done_sec = job->done->deliver_done_sec;
	r->deliver_done_usec = job->done->deliver_done_usec;
	r->flags &= IPC_RF_ALL;
	if (r->diag_code != 0 && (r->diag_code < 200 || r->diag_code > 599))
		r->diag_code = 0;
	if (relay == NULL || *relay == '\0')
		relay = "none";
	sj_text_censor(r->relay, sizeof(r->relay), relay, strlen(relay));
	sj_text_censor(r->reason, sizeof(r->reason), r->reason,
	    strnlen(r->reason, sizeof(r->reason)));
	sj_text_censor(r->diag_text, sizeof(r->diag_text), r->diag_text,
	    strnlen(r->diag_text, sizeof(r->diag_text)));
	sj_text_censor(r->mta_name, sizeof(r->mta_name), r->mta_name,
	    strnlen(r->mta_name, sizeof(r->mta_name)));
	r->status[sizeof(r->status) - 1] = '\0';
	if (!sj_text_is_dsn_status(r->status)) {
		msg_warn("smtp_session: bad status \"%.9s\" for a result; "
		    "using 4.3.0", r->status);
		memcpy(r->status, "4.3.0", sizeof("4.3.0"));
	}
	if (r->reason[0] == '\0')
		snprintf(r->reason, sizeof(r->reason), "%s",
		    "delivery status unknown");
	return (job->emit(job->emit_ctx, &m));
}

static int
job_report(struct smtp_job *job, size_t i, const struct ipc_result *res,
    const char *relay)
{
	int	err;

	err = job_emit(job, IPC_T_RCPT_RESULT, (uint32_t)i, res, relay);
	job->rstate[i] = SMTP_RCPT_DONE;
	job->left--;
	return (err);
}

/* Soft for the "try the next server" decision (soft_bounce counts). */
static int
job_soft(const struct smtp_job *job, const struct ipc_result *why)
{
	return (why->status[0] == '4' || (why->status[0] == '5' &&
	    (job->cfg->flags & IPC_CF_SOFT_BOUNCE)));
}

int
smtp_session_fail_all(struct smtp_job *job, const struct ipc_result *why,
    const char *relay, int throttle)
{
	size_t	i, ntodo = 0, nkeep = 0;
	int	err;

	smtp_session_set_why(job, why);
	if (throttle)
		job->throttled = 1;
	if (job_soft(job, why) && !job->final_server) {
		/* Postfix logs this with the queue id (smtp_trouble.c). */
		msg_info("%s: %s", job->dlv->queue_id, why->reason);
		for (i = 0; i < job->nrcpt; i++)
			if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO)
				job->rstate[i] = SMTP_RCPT_KEEP;
		return (0);
	}
	job_stamp_failure(job);
	for (i = 0; i < job->nrcpt; i++) {
		if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO)
			ntodo++;
		else if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_KEEP)
			nkeep++;
	}
	if (ntodo == 0)
		return (0);
	/*
	 * SITE_RESULT is "every recipient not reported yet": use it only
	 * when that is exactly the set Postfix fails here, and only where
	 * Postfix may set the hop status.
	 */
	if (throttle && !job->complete_session && nkeep == 0) {
		err = job_emit(job, IPC_T_SITE_RESULT, 0, why, relay);
		for (i = 0; i < job->nrcpt; i++)
			if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO)
				job->rstate[i] = SMTP_RCPT_DONE;
		job->left -= ntodo;
		return (err);
	}
	for (i = 0; i < job->nrcpt; i++)
		if ((job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO &&
		    (err = job_report(job, i, why, relay)) < 0)
			return (err);
	return (0);
}

/* Result texts. */

/*
 * Postfix vsmtp_fill_dsn(): mta != NULL when the server said it. A
 * failure must not carry a 2.x.x (or 3.x.x) status.
 */
void
res_fill(struct ipc_result *res, const char *status,
    const struct smtp_reply *reply, const char *mta, const char *fmt, ...)
{
	va_list	ap;
	size_t	n = 0;

	memset(res, 0, sizeof(*res));
	if (mta != NULL && status[0] != '4' && status[0] != '5') {
		transcript_error(IPC_TC_PROTOCOL);
		n = (size_t)snprintf(res->reason, sizeof(res->reason), "%s",
		    "Protocol error: ");
		status = "5.5.0";
	}
	va_start(ap, fmt);
	vsnprintf(res->reason + n, sizeof(res->reason) - n, fmt, ap);
	va_end(ap);
	snprintf(res->status, sizeof(res->status), "%s", status);
	/* Postfix smtp_check_code() for a failure (a 2xx one is caught
	 * above; sess_rcpt_done() passes a 2xx success as 4.0.0). */
	if (mta != NULL && reply != NULL && reply->code / 100 != 2)
		transcript_check_code(reply->code);
	if (reply != NULL) {
		/* The parent takes a failure with a reply code only if the
		 * code is one of a failure (4xx/5xx): a 250 to DATA or a 354
		 * to RCPT keeps its text but not its code. */
		res->diag_code = reply->code >= 400 && reply->code <= 599 ?
		    (uint32_t)reply->code : 0;
		smtp_reply_format(reply, res->diag_text,
		    sizeof(res->diag_text));
	}
	if (mta != NULL)
		snprintf(res->mta_name, sizeof(res->mta_name), "%s", mta);
	snprintf(res->relay, sizeof(res->relay), "%s", "none");
}

const char *
sess_text(struct sess *s)
{
	smtp_reply_format(&s->reply, s->text, sizeof(s->text));
	return (s->text);
}

/* Session failures. */

int
sess_fail(struct sess *s, const struct ipc_result *why, int throttle)
{
	int	err;

	/* Postfix DONT_CACHE_THROTTLED_SESSION: we cannot talk to it. */
	if (throttle)
		s->no_cache = 1;
	err = smtp_session_fail_all(s->job, why, s->peer->relay, throttle);
	return (err < 0 ? err : SESS_FAILED);
}

/* Postfix smtp_stream_except(). */
int
sess_stream_fail(struct sess *s, int err, const char *stage)
{
	struct ipc_result why;

	if (err == -ECANCELED)
		return (err);
	s->broken = 1;
	smtp_starttls_plain_retry(s, 1);
	if (err == -ETIMEDOUT)
		res_fill(&why, "4.4.2", NULL, NULL,
		    "conversation with %s timed out while %s",
		    s->peer->namaddr, stage);
	else
		res_fill(&why, "4.4.2", NULL, NULL,
		    "lost connection with %s while %s", s->peer->namaddr,
		    stage);
	return (sess_fail(s, &why, 1));
}

static int
sess_refused(struct sess *s, const char *status)
{
	struct ipc_result why;

	res_fill(&why, status, &s->reply, s->peer->host,
	    "host %s refused to talk to me: %s", s->peer->namaddr,
	    sess_text(s));
	return (sess_fail(s, &why, 1));
}

/* Postfix smtp_mesg_fail() with the server's reply, as 'status'. */
int
sess_said_all_as(struct sess *s, const char *status, const char *request)
{
	struct ipc_result why;

	res_fill(&why, status, &s->reply, s->peer->host,
	    "host %s said: %s (in reply to %s)", s->peer->namaddr,
	    sess_text(s), request);
	return (sess_fail(s, &why, 0));
}

/* Postfix smtp_mesg_fail() with the server's reply and its status. */
int
sess_said_all(struct sess *s, const char *request)
{
	return (sess_said_all_as(s, s->reply.dsn, request));
}

/* Postfix smtp_rcpt_fail(). */
int
sess_rcpt_fail(struct sess *s, size_t i)
{
	struct smtp_job *job = s->job;
	struct ipc_result why;

	res_fill(&why, s->reply.dsn, &s->reply, s->peer->host,
	    "host %s said: %s (in reply to %s)", s->peer->namaddr,
	    sess_text(s), "RCPT TO command");
	smtp_session_set_why(job, &why);
	if (job_soft(job, &why) && !job->final_server) {
		msg_info("%s: %s", job->dlv->queue_id, why.reason);
		job->rstate[i] = SMTP_RCPT_KEEP;
		return (0);
	}
	return (job_report(job, i, &why, s->peer->relay));
}

/* Postfix smtp_rcpt_done(): reason and diagnostic are the reply. */
int
sess_rcpt_done(struct sess *s, size_t i)
{
	struct ipc_result res;

	/* The caller saw a 2xx reply, so its status is 2.x.x. */
	res_fill(&res, "4.0.0", &s->reply, s->peer->host, "%s",
	    sess_text(s));
	snprintf(res.status, sizeof(res.status), "%s", s->reply.dsn);
	res.diag_code = (uint32_t)s->reply.code;
	/* Postfix smtp_rcpt_done(): a DSN server sends SUCCESS notices. */
	if (s->ehlo.features & SMTP_EHLO_DSN)
		res.flags |= IPC_RF_REMOTE_DSN;
	return (job_report(s->job, i, &res, s->peer->relay));
}

/* I/O. */

int64_t
sess_deadline(unsigned timeout_s)
{
	return (timeout_s == 0 ? 0 : sys_now_ms() + (int64_t)timeout_s * 1000);
}

void
out_append(struct sess *s)
{
	if (s->cmd_len > sizeof(s->out) - s->out_len)
		msg_panic("smtp_session: output queue overflow");
	memcpy(s->out + s->out_len, s->cmd, s->cmd_len);
	transcript_out(s->cmd, s->cmd_len);
	s->out_len += s->cmd_len;
}

int
out_flush(struct sess *s, unsigned timeout_s)
{
	int	err;

	if (s->out_len == 0)
		return (0);
	err = smtp_content_write(s->fd, s->out, s->out_len, timeout_s);
	s->out_len = 0;
	return (err);
}

/* Send the command in s->cmd now and read its reply. */
int
sess_chat(struct sess *s, unsigned timeout_s)
{
	int	err;

	out_append(s);
	if ((err = out_flush(s, timeout_s)) < 0)
		return (err);
	return (smtp_reply_read(&s->io, sess_deadline(timeout_s), &s->reply));
}

/*
 * Connection reuse. A session may go back to the cache when the job
 * allowed storing it (expire_ms set) and nothing went wrong that leaves
 * the protocol in doubt (Postfix's DONT_CACHE_THIS_SESSION cases): no
 * I/O error, no failure that throttles the destination, no protocol
 * error (a reply code Postfix smtp_check_code() rejects, a non-ESMTP
 * line), and no unread input left behind.
 */
static int
sess_cacheable(const struct sess *s)
{
	const struct sj_tls_config *t = tls_config();

	/* With TLS only under the job's smtp_tls_connection_reuse (or its
	 * policy's connection_reuse=): Postfix smtp_start_tls()
	 * DONT_CACHE_THIS_SESSION otherwise. */
	return (s->expire_ms > 0 && !s->broken && !s->no_cache &&
	    (!s->in_tls || (t != NULL && t->conn_reuse)) &&
	    (transcript_peek()->classes & IPC_TC_PROTOCOL) == 0 &&
	    (s->reply.flags & SMTP_REPLY_F_GARBAGE) == 0 &&
	    smtp_reply_pending(&s->io) == 0);
}

/*
 * At the end of the transaction (the "." or RSET that ends it): keep
 * the session, i.e. send no QUIT, unless it is not cacheable or is
 * expired (Postfix THIS_SESSION_IS_EXPIRED: older than
 * smtp_connection_reuse_time_limit, or used
 * smtp_connection_reuse_count_limit times). Returns 1 when QUIT may be
 * pipelined behind the last command: PIPELINING and the session ends.
 */
int
sess_end_quit(struct sess *s, int pipelining)
{
	const struct ipc_config *cfg = s->cfg;

	if (s->expire_ms > 0 && (s->expire_ms < sys_now_ms() ||
	    (cfg->reuse_count_limit > 0 &&
	    s->reuse_count >= cfg->reuse_count_limit)))
		s->expire_ms = 0;
	s->keep = sess_cacheable(s);
	return (pipelining && !s->keep);
}

/* QUIT, already queued or not; failures here change no outcome. */
int
sess_quit(struct sess *s, int already_sent)
{
	int	err;

	if (s->broken || (s->keep && sess_cacheable(s)))
		return (0);
	s->keep = 0;
	if (!already_sent) {
		cmd_reset(s);
		cmd_add(s, "QUIT\r\n");
		out_append(s);
		if ((err = out_flush(s, s->cfg->quit_timeout)) < 0) {
			s->broken = 1;
			return (err == -ECANCELED ? err : 0);
		}
	}
	if (s->cfg->flags & IPC_CF_SKIP_QUIT_RESPONSE)
		return (0);
	err = smtp_reply_read(&s->io, sess_deadline(s->cfg->quit_timeout),
	    &s->reply);
	if (err < 0) {
		s->broken = 1;
		return (err == -ECANCELED ? err : 0);
	}
	return (0);
}

/* smtp_auth(3)'s chat: the line goes out, 'shown' to the transcript. */
static int
sess_auth_chat(void *ctx, const char *line, const char *shown,
    const struct smtp_reply **reply)
{
	struct sess *s = ctx;
	int	err;

	cmd_reset(s);
	cmd_add(s, line);
	cmd_add(s, "\r\n");
	transcript_out(shown, strlen(shown));
	memcpy(s->out, s->cmd, s->cmd_len);
	s->out_len = s->cmd_len;
	err = out_flush(s, s->cfg->helo_timeout);
	explicit_bzero(s->cmd, s->cmd_len);
	explicit_bzero(s->out, s->cmd_len);
	*reply = &s->reply;
	if (err < 0)
		return (err);
	return (smtp_reply_read(&s->io, sess_deadline(s->cfg->helo_timeout),
	    &s->reply));
}

/* AUTH after EHLO (smtp_auth(3)); a failure ends the session uncached. */
static int
sess_auth(struct sess *s)
{
	struct smtp_auth_io io = { sess_auth_chat, s, !s->in_tls ?
	    SMTP_AUTH_TLS_NONE : s->tls_matched ? SMTP_AUTH_TLS_MATCHED :
	    SMTP_AUTH_TLS_ON };
	struct ipc_result why;
	int	rv;

	rv = smtp_auth_login(s->job, s->job->dest, s->peer, &s->ehlo, &io,
	    &why);
	if (rv == SMTP_AUTH_FAILED) {
		s->no_cache = 1;
		return (sess_fail(s, &why, 0));
	}
	if (rv < 0)
		return (sess_stream_fail(s, rv, "performing the AUTH "
		    "handshake"));
	return (0);
}

/* Handshake: Postfix smtp_helo(). */

/*
 * Postfix 3.7 smtp_connect.c sets SMTP_MISC_FLAG_LOOP_DETECT for a
 * nexthop on TCP port 25 only: a content filter on another port may
 * answer with our own name.
 */
#define SESS_LOOP_DETECT(s) \
	((s)->peer->port == 25 && (s)->cfg->myhostname[0] != '\0')

/*
 * A greeting that names our own host: Postfix only warns (the EHLO
 * reply decides). The name is the first word after the code.
 */
static void
sess_greeting_loop(const struct sess *s)
{
	const char *me = s->cfg->myhostname, *w = s->reply.text;
	size_t	len, mlen = strlen(me);

	if (!SESS_LOOP_DETECT(s) || s->reply.len < 4)
		return;
	w += 4;
	len = strcspn(w, " \t\n");
	if (len == mlen && strncasecmp(w, me, mlen) == 0)
		msg_warn("host %s greeted me with my own hostname %s",
		    s->peer->relay, me);
}


static int
sess_handshake(struct sess *s)
{
	const struct ipc_config *cfg = s->cfg;
	const struct sj_tls_config *t = tls_config();
	const char *where = "receiving the initial server greeting";
	char	status[SJ_DSN_STATUS_MAX + 1];
	int	err;

	/* smtp_tls_wrappermode (SMTPS, RFC 8314): TLS before the greeting
	 * (Postfix smtp_helo(); the level is at least "encrypt"). */
	if (t != NULL && t->wrappermode && s->tls_level >= SJ_TLS_LEV_ENCRYPT &&
	    (err = smtp_starttls_handshake(s, t)) != 0)
		return (err);
	err = smtp_reply_read(&s->io, sess_deadline(cfg->helo_timeout),
	    &s->reply);
	if (err < 0)
		return (sess_stream_fail(s, err, where));
	if (s->reply.code / 100 != 2) {
		snprintf(status, sizeof(status), "%s", s->reply.dsn);
		if (s->reply.code / 100 == 5 &&
		    (cfg->flags & IPC_CF_SKIP_5XX_GREETING))
			status[0] = '4';
		return (sess_refused(s, status));
	}

	sess_greeting_loop(s);
	if ((err = sess_ehlo(s)) != 0)
		return (err);
	/* AUTH after the EHLO that follows STARTTLS, never before it
	 * (Postfix smtp_helo(): smtp_sasl_helo_login() comes last). */
	if ((err = smtp_starttls_offer(s)) != 0)
		return (err);
	return (sess_auth(s));
}

/* EHLO (or HELO) and the checks of its reply; again after STARTTLS. */
int
sess_ehlo(struct sess *s)
{
	const struct ipc_config *cfg = s->cfg;
	const struct ipc_deliver *dlv = s->job->dlv;
	const char *where;
	struct ipc_result why;
	int	err;

	s->esmtp = (cfg->flags & IPC_CF_NEVER_EHLO) == 0;
	if (s->esmtp) {
		where = "performing the EHLO handshake";
		cmd_reset(s);
		cmd_add(s, "EHLO ");
		cmd_add(s, cfg->helo_name);
		cmd_add(s, "\r\n");
		if ((err = sess_chat(s, cfg->helo_timeout)) < 0)
			return (sess_stream_fail(s, err, where));
		if (s->reply.code / 100 != 2) {
			if (s->reply.code == 421)
				return (sess_refused(s, s->reply.dsn));
			s->esmtp = 0;
		}
	}
	if (!s->esmtp) {
		where = "performing the HELO handshake";
		cmd_reset(s);
		cmd_add(s, "HELO ");
		cmd_add(s, cfg->helo_name);
		cmd_add(s, "\r\n");
		if ((err = sess_chat(s, cfg->helo_timeout)) < 0)
			return (sess_stream_fail(s, err, where));
		if (s->reply.code / 100 != 2)
			return (sess_refused(s, s->reply.dsn));
		memset(&s->ehlo, 0, sizeof(s->ehlo));
	} else {
		smtp_ehlo_read(s->job, &s->reply, s->peer, &s->ehlo);
		/* Postfix smtp_helo(): EHLO answered with our own name */
		if (SESS_LOOP_DETECT(s) &&
		    strcasecmp(s->ehlo.server, cfg->myhostname) == 0) {
			msg_warn("host %s replied to HELO/EHLO with my own "
			    "hostname %s", s->peer->relay, cfg->myhostname);
			res_fill(&why, s->peer->best_mx ? "5.4.6" : "4.4.6",
			    NULL, NULL, "mail for %s loops back to myself",
			    dlv->nexthop);
			return (sess_fail(s, &why, 1));
		}
	}

	if ((s->ehlo.features & SMTP_EHLO_SMTPUTF8) == 0 &&
	    (smtp_session_needs(s->job) & SMTP_EHLO_SMTPUTF8)) {
		res_fill(&why, "5.6.7", NULL, NULL, "SMTPUTF8 is required, "
		    "but was not offered by host %s", s->peer->namaddr);
		return (sess_fail(s, &why, 0));
	}
	if ((s->ehlo.features & SMTP_EHLO_SMTPUTF8) &&
	    (s->ehlo.features & SMTP_EHLO_8BITMIME) == 0) {
		msg_info("host %s offers SMTPUTF8 support, but not 8BITMIME",
		    s->peer->namaddr);
		s->ehlo.features |= SMTP_EHLO_8BITMIME;
	}
	return (0);
}

/*
 * Per-session state, fresh for every session: a cached connection
 * brings only what its conn holds (EHLO features, use count, expiry),
 * never the previous job's transcript, debug_peer decision, replies or
 * buffered input.
 */
static void
sess_begin(struct sess *s, struct smtp_job *job, int fd,
    const struct smtp_peer *peer)
{
	memset(&s->ehlo, 0, sizeof(s->ehlo));
	memset(&s->reply, 0, sizeof(s->reply));
	s->job = job;
	s->cfg = job->cfg;
	s->peer = peer;
	s->fd = fd;
	s->broken = 0;
	s->esmtp = 0;
	s->out_len = 0;
	s->cmd_len = 0;
	s->expire_ms = 0;
	s->reuse_count = 0;
	s->no_cache = 0;
	s->keep = 0;
	s->in_tls = 0;
	s->tls_matched = 0;
	s->tls_level = job->tls_plain_next ? SJ_TLS_LEV_NONE :
	    job->tls_level;
	job->tls_plain_next = 0;
	s->probe = 0;
	s->probe_wait = 0;
	job->throttled = 0;
	smtp_reply_io_init(&s->io, fd, peer->relay);
	transcript_begin(peer->relay);
	/* Postfix debug_peer_check(): the chat is logged for these peers */
	transcript_debug(s->cfg->debug_peer_list[0] != '\0' &&
	    sj_match_namadr_list(s->cfg->debug_peer_list, peer->host,
	    peer->addr, (s->cfg->flags & IPC_CF_DEBUG_PEER_PARENT) != 0));
}

/* The transaction of a session whose handshake (or probe) is done. */
static int
sess_run_xfer(struct sess *s, int final_if_counted)
{
	struct smtp_job *job = s->job;
	int	rv, was_final = job->final_server;

	if (final_if_counted)
		job->final_server = 1;
	/* Postfix sets msg_stats.reuse_count when it sends MAIL FROM. */
	job->done->reuse_count = s->reuse_count;
	rv = sess_xfer(s);
	if (rv < 0)
		return (rv);
	if (rv == SESS_STALE) {
		/* As if the session had never been taken from the cache. */
		job->final_server = was_final;
		return (SMTP_SESSION_STALE);
	}
	if (!s->broken)
		job->complete_session = 1;
	return (SMTP_SESSION_COUNTED);
}

int
smtp_session_resume(struct smtp_job *job, const struct smtp_conn *conn,
    int final_if_counted)
{
	struct sess *s = &smtp_session_ctx.sess;

	sess_begin(s, job, conn->fd, &conn->peer);
	s->ehlo = conn->ehlo;
	s->esmtp = conn->esmtp;
	s->expire_ms = conn->expire_ms;
	s->reuse_count = conn->reuse_count;
	s->tls_level = conn->tls_level;
	if (conn->in_tls && smtp_starttls_resume(s, conn->tls_matched) < 0) {
		/* No TLS state for the descriptor, or the parent is gone:
		 * never a byte in clear text on it. */
		s->broken = 1;
		return (SMTP_SESSION_STALE);
	}
	/*
	 * "RSET between messages", as Postfix's smtp_reuse_common() probe,
	 * but with PIPELINING in front of MAIL FROM (sess_xfer()): a failed
	 * probe (the server timed the idle session out: 421, EOF, reset)
	 * moves the job to a new connection with nothing reported.
	 * Commands without content are harmless; DATA content follows only
	 * the 354; a BDAT chunk of a small message goes with the probe, and
	 * why that loses nothing and duplicates only with a server that
	 * breaks RFC 5321 is argued in child/smtp_bdat.c
	 * (SMTP_PROBE_CONTENT_MAX). Saves the probe's own round trip per
	 * message.
	 */
	s->probe = 1;
	return (sess_run_xfer(s, final_if_counted));
}

unsigned
smtp_session_needs(const struct smtp_job *job)
{
	const struct ipc_deliver *dlv = job->dlv;

	unsigned need;

	need = SMTP_NEED_TLS_LEVEL(job->tls_plain_next ? SJ_TLS_LEV_NONE :
	    job->tls_level);
	/* Postfix DELIVERY_REQUIRES_SMTPUTF8. */
	if ((dlv->smtputf8 & SMTPUTF8_REQUESTED) &&
	    (dlv->smtputf8 & ~SMTPUTF8_REQUESTED))
		need |= SMTP_EHLO_SMTPUTF8;
	return (need);
}

int
smtp_session_keep(struct smtp_conn *conn)
{
	struct sess *s = &smtp_session_ctx.sess;

	if (!s->keep || !sess_cacheable(s))
		return (0);
	memset(conn, 0, sizeof(*conn));
	conn->fd = s->fd;
	conn->peer = *s->peer;
	conn->ehlo = s->ehlo;
	conn->esmtp = s->esmtp;
	conn->reuse_count = s->reuse_count;
	conn->expire_ms = s->expire_ms;
	conn->tls_level = s->tls_level;
	conn->in_tls = s->in_tls;
	conn->tls_matched = s->tls_matched;
	return (1);
}

int
smtp_session_run(struct smtp_job *job, int fd, const struct smtp_peer *peer,
    int final_if_counted)
{
	struct sess *s = &smtp_session_ctx.sess;
	int	rv, err;

	sess_begin(s, job, fd, peer);
	/* Postfix smtp_session_alloc(): CACHE_THIS_SESSION_UNTIL(start +
	 * smtp_connection_reuse_time_limit) when the request may store. */
	if (job->conn_store)
		s->expire_ms = sys_now_ms() +
		    (int64_t)job->cfg->reuse_time_limit * 1000;

	rv = sess_handshake(s);
	if (rv < 0)
		return (rv);
	if (rv == SESS_FAILED) {
		/* Postfix sends QUIT unless the connection broke. */
		if ((err = sess_quit(s, 0)) < 0)
			return (err);
		return (SMTP_SESSION_NOT_COUNTED);
	}
	return (sess_run_xfer(s, final_if_counted));
}

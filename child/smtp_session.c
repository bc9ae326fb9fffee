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
 *	CHUNKING (RFC 3030): BDAT instead of DATA, in its own module
 *	child/smtp_bdat.c, which shares struct sess and the transaction
 *	steps through smtp_session_int.h.
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
 *	tls_io_read()/tls_io_write(). A session with TLS is never cached.
 *
 *	The status is the reply's enhanced code when it has the reply's
 *	class, else <class>.0.0, or 5.5.0 for a reply that is not 2/4/5xx;
 *	a failure whose status would be 2.x.x becomes 5.5.0 with
 *	"Protocol error: " in front of the reason. diag_text is the reply;
 *	diag_code is its code for a success and for a 4xx/5xx failure,
 *	else 0 (parent/deliver.c refuses a failure with a code below 400).
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
 *	child/smtp_starttls.c, child/smtp_bdat.c, child/tls.c, Postfix
 *	src/smtp/smtp_proto.c, smtp_trouble.c, smtp_rcpt.c,
 *	global/quote_821_local.c, xtext.c, uxtext.c; RFC 5321, RFC 2920,
 *	RFC 1870, RFC 3030, RFC 3461, RFC 6152, RFC 6531
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "content_checks.h"
#include "mime.h"
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


/* Postfix smtputf8.h: SMTPUTF8_FLAG_REQUESTED. */
#define SMTPUTF8_REQUESTED	(1U << 0)
/* Postfix dsn_mask.h: DSN_RET_FULL, DSN_RET_HDRS. */
#define DSN_RET_FULL		1
#define DSN_RET_HDRS		2

/* Commands of the mail transaction, in the order they are sent. */
enum xfer_kind {
	X_MAIL,
	X_RCPT,
	X_DATA,
};


/*
 * Postfix 3.7 SMTP_MIME_DOWNGRADE (smtp_proto.c): content not declared
 * 7bit, to a server without 8BITMIME, is converted by mime(3).
 */
#define SESS_MIME_DOWNGRADE(s) \
	(((s)->cfg->flags & IPC_CF_NO_MIME_OCONV) == 0 && \
	((s)->ehlo.features & SMTP_EHLO_8BITMIME) == 0 && \
	((s)->job->dlv->flags & IPC_DF_7BIT) == 0)

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
static int
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
static int
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

/* Command building. */

void
cmd_reset(struct sess *s)
{
	s->cmd_len = 0;
}

static void
cmd_addn(struct sess *s, const char *p, size_t len)
{
	/* SMTP_CMD_MAX covers the largest command the IPC limits allow. */
	if (len > sizeof(s->cmd) - s->cmd_len)
		msg_panic("smtp_session: command longer than %d bytes",
		    SMTP_CMD_MAX);
	memcpy(s->cmd + s->cmd_len, p, len);
	s->cmd_len += len;
}

void
cmd_add(struct sess *s, const char *str)
{
	cmd_addn(s, str, strlen(str));
}

static void
cmd_addc(struct sess *s, int c)
{
	char	ch = (char)c;

	cmd_addn(s, &ch, 1);
}

static void
cmd_addu(struct sess *s, unsigned long long v)
{
	char	num[24];

	snprintf(num, sizeof(num), "%llu", v);
	cmd_add(s, num);
}

/* Postfix is_821_dot_string() in 8-bit clean mode. */
static int
addr_is_dot_string(const char *p, const char *end)
{
	const char *cp;
	unsigned char c;

	if (p == end || *p == '.')
		return (0);
	for (cp = p; cp < end; cp++) {
		c = (unsigned char)*cp;
		if (c == '.' && cp + 1 < end && cp[1] == '.')
			return (0);
		if (c == ' ' || c < 0x20 || c == 0x7f)
			return (0);
		if (strchr("<>()[]\\,;:@\"", c) != NULL)
			return (0);
	}
	return (end[-1] != '.');
}

/* RFC 5321 4.1.2 path: quote the local part when it needs it. */
static void
cmd_add_address(struct sess *s, const char *addr)
{
	const char *at, *cp;

	if (*addr == '\0')
		return;
	if ((at = strrchr(addr, '@')) == NULL)
		at = addr + strlen(addr);
	if (addr_is_dot_string(addr, at)) {
		cmd_add(s, addr);
		return;
	}
	cmd_addc(s, '"');
	for (cp = addr; cp < at; cp++) {
		if (*cp == '\r' || *cp == '\n' || *cp == '"' || *cp == '\\')
			cmd_addc(s, '\\');
		cmd_addc(s, *cp);
	}
	cmd_addc(s, '"');
	cmd_add(s, at);
}

/* RFC 3461 4 xtext (Postfix xtext_quote_append). */
static void
cmd_add_xtext(struct sess *s, const char *str, const char *special)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *cp;

	for (cp = (const unsigned char *)str; *cp; cp++) {
		if (*cp != '+' && *cp > 32 && *cp < 127 &&
		    strchr(special, *cp) == NULL) {
			cmd_addc(s, *cp);
		} else {
			cmd_addc(s, '+');
			cmd_addc(s, hex[*cp >> 4]);
			cmd_addc(s, hex[*cp & 15]);
		}
	}
}

/*
 * RFC 6533 3 unitext (Postfix uxtext_quote_append): 0 or -1 for bad
 * UTF-8, in which case the caller drops what was added.
 */
static int
cmd_add_uxtext(struct sess *s, const char *str, const char *special)
{
	const unsigned char *cp;
	unsigned long u;
	int	more;
	char	esc[16];

	for (cp = (const unsigned char *)str; *cp; cp++) {
		if (*cp != '\\' && *cp > 32 && *cp < 127 &&
		    strchr(special, *cp) == NULL) {
			cmd_addc(s, *cp);
			continue;
		}
		if (*cp < 0x80) {
			u = *cp;
			more = 0;
		} else if ((*cp & 0xe0) == 0xc0) {
			u = *cp & 0x1f;
			more = 1;
		} else if ((*cp & 0xf0) == 0xe0) {
			u = *cp & 0x0f;
			more = 2;
		} else if ((*cp & 0xf8) == 0xf0) {
			u = *cp & 0x07;
			more = 3;
		} else if ((*cp & 0xfc) == 0xf8) {
			u = *cp & 0x03;
			more = 4;
		} else if ((*cp & 0xfe) == 0xfc) {
			u = *cp & 0x01;
			more = 5;
		} else {
			return (-1);
		}
		for (; more > 0; more--) {
			if ((*++cp & 0xc0) != 0x80)
				return (-1);
			u = u << 6 | (*cp & 0x3f);
		}
		snprintf(esc, sizeof(esc), "\\x{%02lX}", u);
		cmd_add(s, esc);
	}
	return (0);
}

static void
cmd_mail(struct sess *s)
{
	const struct ipc_deliver *dlv = s->job->dlv;
	unsigned f = s->ehlo.features;

	cmd_reset(s);
	cmd_add(s, "MAIL FROM:<");
	cmd_add_address(s, dlv->sender);
	cmd_add(s, ">");
	/* Postfix: no SIZE when the content will be converted. */
	if ((f & SMTP_EHLO_SIZE) && !SESS_MIME_DOWNGRADE(s)) {
		/* Postfix smtp_proto.c: request->data_size, not our copy */
		cmd_add(s, " SIZE=");
		cmd_addu(s, (unsigned long long)dlv->data_size);
	}
	if (f & SMTP_EHLO_8BITMIME) {
		if (dlv->flags & IPC_DF_8BITMIME)
			cmd_add(s, " BODY=8BITMIME");
		else if (dlv->flags & IPC_DF_7BIT)
			cmd_add(s, " BODY=7BIT");
	}
	if (f & SMTP_EHLO_DSN) {
		if (dlv->envid[0] != '\0') {
			cmd_add(s, " ENVID=");
			cmd_add_xtext(s, dlv->envid, "+=");
		}
		if (dlv->ret_flags == DSN_RET_FULL)
			cmd_add(s, " RET=FULL");
		else if (dlv->ret_flags == DSN_RET_HDRS)
			cmd_add(s, " RET=HDRS");
	}
	if ((f & SMTP_EHLO_SMTPUTF8) && (dlv->smtputf8 & SMTPUTF8_REQUESTED))
		cmd_add(s, " SMTPUTF8");
	cmd_add(s, "\r\n");
}

static void
cmd_rcpt(struct sess *s, const struct ipc_rcpt *rcpt)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} notify[] = {
		{ 1, "NEVER" }, { 2, "SUCCESS" }, { 4, "FAILURE" },
		{ 8, "DELAY" },
	};
	size_t	mark, k;
	int	comma = 0;

	cmd_reset(s);
	cmd_add(s, "RCPT TO:<");
	cmd_add_address(s, rcpt->address);
	cmd_add(s, ">");
	if (s->ehlo.features & SMTP_EHLO_DSN) {
		if (rcpt->orcpt[0] != '\0') {
			mark = s->cmd_len;
			cmd_add(s, " ORCPT=");
			if (strncasecmp(rcpt->orcpt, "utf-8;", 6) == 0) {
				if (cmd_add_uxtext(s, rcpt->orcpt, "+=") < 0)
					s->cmd_len = mark;
			} else {
				cmd_add_xtext(s, rcpt->orcpt, "=");
			}
		}
		if (rcpt->notify_flags != 0) {
			cmd_add(s, " NOTIFY=");
			for (k = 0; k < sizeof(notify) / sizeof(notify[0]);
			    k++) {
				if (rcpt->notify_flags & notify[k].bit) {
					if (comma)
						cmd_add(s, ",");
					cmd_add(s, notify[k].name);
					comma = 1;
				}
			}
		}
	}
	cmd_add(s, "\r\n");
}

/* I/O. */

int64_t
sess_deadline(unsigned timeout_s)
{
	return (timeout_s == 0 ? 0 : sys_now_ms() + (int64_t)timeout_s * 1000);
}

static void
out_append(struct sess *s)
{
	if (s->cmd_len > sizeof(s->out) - s->out_len)
		msg_panic("smtp_session: output queue overflow");
	memcpy(s->out + s->out_len, s->cmd, s->cmd_len);
	transcript_out(s->cmd, s->cmd_len);
	s->out_len += s->cmd_len;
}

static int
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
	return (s->expire_ms > 0 && !s->broken && !s->no_cache && !s->in_tls &&
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

static int
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

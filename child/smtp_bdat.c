/*
 * NAME
 *	smtp_bdat 3
 * SUMMARY
 *	CHUNKING: the content of an SMTP transaction in BDAT chunks
 * DESCRIPTION
 *	CHUNKING (RFC 3030): when the server offers it (and
 *	smtpjail_use_chunking is on, and the request is not an address
 *	probe), the DATA command and its round trip are replaced by BDAT
 *	chunks of the content without dot-stuffing, sent as the content is
 *	converted ("BDAT <n>" per full chunk, the rest as "BDAT <m> LAST";
 *	smtp_content(3)). With PIPELINING, MAIL, the RCPTs and the first
 *	chunk leave in one write; replies are read in order as the chunks
 *	go out, so that at most SMTP_BDAT_WINDOW chunks are unanswered,
 *	and QUIT follows the last chunk. A one-chunk message is thus sent
 *	even if every RCPT is refused, and the server's refusal of the
 *	BDAT changes no outcome (RFC 3030: the server reads the whole
 *	chunk whatever it answers). Without PIPELINING each reply is
 *	awaited and BDAT is sent only when a recipient was accepted, else
 *	RSET. A refused chunk that is not the last is the end-of-data
 *	reply for the open recipients; no more chunks are sent, the
 *	replies to those already sent are read and RSET (and QUIT) ends
 *	the session; so do MAIL refused or all RCPTs refused, when their
 *	replies arrive before the last chunk. The reply to the last chunk
 *	is the end-of-data reply ("(in reply to BDAT command)"), read
 *	within smtp_data_done_timeout. A 500 or 502 reply to the first
 *	BDAT means a server that announced CHUNKING without knowing
 *	BDAT, and has taken the data for commands: the open recipients
 *	are deferred (never bounced: class 4), the connection ends (also
 *	when no recipient was accepted), and this
 *	child uses DATA with that address from then on
 *	(SMTP_BDAT_BROKEN_MAX addresses remembered).
 *
 *	On a cached session with PIPELINING, the RSET probe, MAIL, the
 *	RCPTs, "BDAT <n> LAST" and the chunk of a message of at most
 *	SMTP_PROBE_CONTENT_MAX bytes leave in one write: one round trip
 *	per message. Why that loses no message and sends one twice only
 *	with a server that breaks RFC 5321: see SMTP_PROBE_CONTENT_MAX.
 *
 *	Module state: the addresses that answered BDAT with 500/502.
 * SECURITY
 *	Child only. Replies are the hostile server's, parsed by
 *	smtp_reply(3); the chunks are written by smtp_content(3).
 * SEE ALSO
 *	child/smtp_session.c, child/smtp_content.c, Postfix
 *	src/smtp/smtp_proto.c, src/smtpd/smtpd_chat.c; RFC 3030, RFC 2920,
 *	RFC 5321, RFC 1047
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "sj_sys.h"
#include "smtp_content.h"
#include "smtp_reply.h"
#include "smtp_session.h"
#include "smtp_session_int.h"

/* Servers that announced CHUNKING but answered BDAT with 500/502. */
#define SMTP_BDAT_BROKEN_MAX	8
/*
 * BDAT chunks (SMTP_CONTENT_BDAT_CHUNK bytes each) whose replies may
 * be outstanding with PIPELINING: 512 KiB in flight, more than the
 * bandwidth-delay product of most paths, so the stream does not wait
 * for replies; and at most this many short replies (besides those to
 * MAIL and RCPT) wait unread in the socket, far below what any socket
 * buffer holds, so the server never blocks writing replies while we
 * block writing chunks.
 */
#define SMTP_BDAT_WINDOW	4

static struct smtp_bdat_ctx {
	char	bdat_broken[SMTP_BDAT_BROKEN_MAX][SJ_RELAY_MAX + 1];
	unsigned bdat_broken_next;
} smtp_bdat_ctx;

int
bdat_usable(const struct sess *s)
{
	const struct smtp_bdat_ctx *ctx = &smtp_bdat_ctx;
	size_t	i;

	if ((s->cfg->flags & IPC_CF_USE_CHUNKING) == 0 ||
	    (s->ehlo.features & SMTP_EHLO_CHUNKING) == 0 ||
	    (s->job->dlv->flags & IPC_DF_VERIFY_ONLY))
		return (0);
	for (i = 0; i < SMTP_BDAT_BROKEN_MAX; i++)
		if (strcmp(ctx->bdat_broken[i], s->peer->relay) == 0)
			return (0);
	return (1);
}

/* A reply to the first BDAT that says the command is unknown. */
static int
bdat_not_known(const struct sess *s)
{
	return (s->reply.code == 500 || s->reply.code == 502);
}

/*
 * 500/502 to BDAT: the server took the chunk for commands, so the
 * stream is out of step whether or not a recipient was accepted: end
 * the session and use DATA from now on. Defer the open recipients (a
 * 5xx here says nothing about the message); with none open, every
 * outcome is already set.
 */
static int
bdat_unknown(struct sess *s, const struct xfer *x)
{
	struct smtp_bdat_ctx *ctx = &smtp_bdat_ctx;
	char	status[SJ_DSN_STATUS_MAX + 1];

	msg_warn("%s offers CHUNKING but answered BDAT with \"%s\": using "
	    "DATA with it from now on", s->peer->relay, sess_text(s));
	snprintf(ctx->bdat_broken[ctx->bdat_broken_next %
	    SMTP_BDAT_BROKEN_MAX], sizeof(ctx->bdat_broken[0]), "%s",
	    s->peer->relay);
	ctx->bdat_broken_next++;
	s->broken = 1;			/* the stream is out of step */
	if (x->nacc <= 0)
		return (SESS_FAILED);
	snprintf(status, sizeof(status), "%s", s->reply.dsn);
	status[0] = '4';
	return (sess_said_all_as(s, status, "BDAT command"));
}

/*
 * A cached session's RSET probe, MAIL, the RCPTs, "BDAT <n> LAST" and
 * the chunk leave in one write when the content is at most this size
 * (one round trip per message; RFC 2920 section 3.1 lets RSET lead a
 * pipelined group, RFC 3030 section 4.2 lets BDAT and its chunk follow
 * pipelined commands). A larger message waits for the probe's reply
 * first, as before; so does every chunk after the first (bdat_more()),
 * so at most one chunk goes to a session not yet known to be alive.
 *
 * Why no message is lost and none is sent twice except as below (the
 * probe's reply is read first, sess_probe_reply(); nothing is reported
 * before it):
 * - A write error, EOF, reset or no reply at all before the RSET
 *   reply: SESS_STALE, the job moves to a new connection with nothing
 *   reported. Replies come in order (RFC 2920 section 3.1), so no
 *   BDAT reply was read and nothing can be reported sent: never a
 *   loss. The server could have taken the message only if the
 *   connection broke after the whole chunk reached it (its replies
 *   unwritten, or unread because a write of ours, QUIT, failed after
 *   the chunk): the lost end-of-data reply of RFC 1047, which Postfix
 *   accepts for every message; here a duplicate. Postfix smtpd
 *   holds pipelined replies until its input runs dry (smtpd_chat.c),
 *   so with a small message the RSET reply comes with the BDAT reply,
 *   after the message was committed: once the LAST chunk is out the
 *   RSET reply is awaited for
 *   smtp_data_done_timeout, not smtp_rset_timeout, so a slow server
 *   (a milter) is not taken for a dead one. The price: a cached
 *   session whose server vanished silently (no EOF, no reset) costs
 *   smtp_data_done_timeout instead of smtp_rset_timeout before the job
 *   moves.
 * - A reply to RSET that is not 2xx: also SESS_STALE, as Postfix's
 *   smtp_reuse_common() takes a failed probe for a dead session; the
 *   replies after it are not read. RFC 5321 section 4.1.1.5 requires
 *   250 to RSET; a 421 closes the session (section 3.8) so nothing
 *   after it is taken. Any other reply is a server out of step or in
 *   no known state: counting a 250 read after it as the BDAT LAST
 *   reply could report a message sent that was not (a loss), so it is
 *   not counted; should such a server still take MAIL, RCPT and the
 *   chunk, the message is delivered twice (the job goes on to a new
 *   connection). A duplicate, only with a server that breaks RFC 5321.
 * - A 2xx reply to RSET: the transaction is an ordinary pipelined one.
 */
#define SMTP_PROBE_CONTENT_MAX	65536

/* The chunk transfer of one transaction. */
struct bdat {
	struct sess *s;
	struct xfer *x;
	size_t	window;			/* chunk replies allowed outstanding */
	uint64_t sent;			/* chunks written, LAST not counted */
	uint64_t acked;			/* chunk replies read */
	int	refused;		/* a chunk was refused: outcome set */
};

/* Internal: stop sending chunks, end the transaction with RSET. */
#define BDAT_STOP	2

/*
 * The reply to the next chunk that is not the last. A failure ends the
 * transaction (RFC 3030 section 3: send no more chunks) with that
 * reply as the outcome of the recipients still open; the first chunk
 * answered with 500/502 is a server that does not know BDAT.
 */
static int
bdat_reply(struct bdat *b)
{
	struct sess *s = b->s;
	int	err;

	if ((err = xfer_sync(s, b->x)) != 0)
		return (err);
	err = smtp_reply_read(&s->io, sess_deadline(s->cfg->data_xfer_timeout),
	    &s->reply);
	if (err < 0)
		return (sess_stream_fail(s, err, "sending message body"));
	b->acked++;
	if (s->reply.code / 100 == 2 || b->refused)
		return (0);
	if (b->acked == 1 && bdat_not_known(s))
		return (bdat_unknown(s, b->x));
	if (b->x->nacc <= 0)
		return (0);
	b->refused = 1;
	sys_wallclock(&s->job->done->deliver_done_sec,
	    &s->job->done->deliver_done_usec);
	err = sess_said_all(s, "BDAT command");
	return (err < 0 ? err : 0);
}

/*
 * smtp_content_bdat() wrote a chunk. Read replies until fewer than
 * 'window' chunks are unanswered; stop when the transaction can no
 * longer succeed.
 */
static int
bdat_more(void *ctx)
{
	struct bdat *b = ctx;
	const struct xfer *x = b->x;
	int	err;

	b->sent++;
	/* No second chunk before the probe's reply (xfer_bdat()). */
	if (b->s->probe && (err = xfer_sync(b->s, b->x)) != 0)
		return (err);
	while (b->sent - b->acked >= b->window)
		if ((err = bdat_reply(b)) != 0)
			return (err);
	if (b->refused || x->mail_rejected ||
	    (x->recvd == x->sent && x->nacc == 0))
		return (BDAT_STOP);
	return (0);
}

/*
 * After MAIL and the RCPTs were queued (x->sent == x->n + 1): the
 * content in BDAT chunks (smtp_content_bdat), then the replies in
 * order. With PIPELINING up to SMTP_BDAT_WINDOW chunks go unanswered,
 * without it each reply is awaited. 'abort': the sender loop already
 * saw MAIL refused.
 */
int
xfer_bdat(struct sess *s, struct xfer *x, int pipelining, int abort)
{
	const struct ipc_deliver *dlv = s->job->dlv;
	struct smtp_content_opts opts;
	struct smtp_content_result cres;
	struct bdat b;
	int	err;

	/* A large message's chunks wait for the probe's reply. */
	if (!abort && (!pipelining || x->mail_rejected || (s->probe &&
	    dlv->content_size > SMTP_PROBE_CONTENT_MAX)) &&
	    (err = xfer_sync(s, x)) != 0)
		return (err);
	if (abort || x->mail_rejected || (x->recvd == x->sent && x->nacc == 0))
		return (xfer_rset(s, pipelining));

	memset(&b, 0, sizeof(b));
	b.s = s;
	b.x = x;
	b.window = pipelining ? SMTP_BDAT_WINDOW : 1;
	xfer_content_opts(s, &opts,
	    sess_end_quit(s, pipelining) ? "QUIT\r\n" : NULL);
	/* The queued commands lead the first chunk's write. */
	opts.prefix = s->out;
	opts.prefix_len = s->out_len;
	s->out_len = 0;
	err = smtp_content_bdat(s->fd, dlv->content_fd, dlv->content_size,
	    &opts, bdat_more, &b, &cres);
	if (cres.stopped && err != BDAT_STOP)
		return (err);
	/* Written to a cached session not yet known to be alive. */
	if (s->probe && err < 0 && err != -ECANCELED && !cres.local &&
	    !cres.mime) {
		s->broken = 1;
		return (SESS_STALE);
	}
	/* The LAST chunk went out: the probe's reply is now end-of-data's. */
	if (s->probe && err == 0)
		s->probe_wait = s->cfg->data_done_timeout;
	if (cres.stopped) {
		/* The server reads every chunk it was sent: stay in step. */
		while (b.acked < b.sent)
			if ((err = bdat_reply(&b)) != 0)
				return (err);
		return (xfer_rset(s, pipelining));
	}
	if (err == -ECANCELED)
		return (err);
	if (err < 0 && cres.local)
		return (xfer_local_fail(s, err));
	if (err < 0 && cres.mime)
		return (xfer_mime_fail(s));
	if (err < 0 && cres.stage == SMTP_CONTENT_BODY)
		return (sess_stream_fail(s, err, "sending message body"));
	if (err < 0)
		return (xfer_dot_fail(s, x, err));

	while (b.acked < b.sent)
		if ((err = bdat_reply(&b)) != 0)
			return (err);
	if ((err = xfer_sync(s, x)) != 0)
		return (err);
	err = smtp_reply_read(&s->io, sess_deadline(s->cfg->data_done_timeout),
	    &s->reply);
	if (err < 0)
		return (xfer_dot_fail(s, x, err));
	if (b.sent == 0 && bdat_not_known(s))
		return (bdat_unknown(s, x));
	/* A refused chunk already decided the outcome. */
	if (!b.refused && (err = xfer_end_reply(s, x, "BDAT command")) < 0)
		return (err);
	return (sess_quit(s, opts.trailer != NULL));
}

/*
 * NAME
 *	smtp_starttls 3
 * SUMMARY
 *	the STARTTLS state of an SMTP session
 * DESCRIPTION
 *	Postfix 3.7 smtp_proto.c smtp_helo() and smtp_start_tls(), after
 *	the EHLO reply: smtp_starttls_offer() notes an unused offer
 *	(smtp_tls_note_starttls_offer), sends STARTTLS when the server
 *	offers it and the level is at least "may", runs the handshake
 *	(child/tls.c) and EHLO again over TLS; or fails the session with
 *	Postfix's status and text when the level requires TLS and the
 *	server does not offer it ("TLS is required, but was not offered by
 *	host H[A]", 4.7.4) or refuses it ("TLS is required, but host H[A]
 *	refused to start TLS: <reply>", the reply's status).
 *	smtp_starttls_handshake() is the handshake itself, also used before
 *	the greeting with smtp_tls_wrappermode: a failure is 4.7.5 "Cannot
 *	start TLS: handshake failure" (not throttled at "may"), a
 *	certificate that does not match at "fingerprint", "verify" or
 *	"secure" is 4.7.5 "Server certificate not verified".
 *
 *	smtp_starttls_plain_retry() is Postfix's RETRY_AS_PLAINTEXT: at
 *	"may", for a request that waited minimal_backoff_time (or is an
 *	address probe; the parent says so with IPC_DF_TLS_PLAIN_OK) and
 *	without a SASL credential for the session (the parent says, asked
 *	with IPC_SASL_ASK_EXISTS), a
 *	failed handshake, or a TLS session lost with recipients left,
 *	makes the same server be tried again in clear text
 *	(child/child_deliver.c), and this one not the final server.
 *
 *	smtp_starttls_resume() puts a session taken from the connection
 *	cache with TLS (smtp_tls_connection_reuse) back in TLS: the
 *	state stayed in child/tls.c under its descriptor.
 * SECURITY
 *	Child only. The server is hostile: its reply to STARTTLS is parsed
 *	by smtp_reply(3); anything it sent before the handshake is
 *	discarded (RFC 3207 section 4.2, CVE-2011-0411); the handshake and
 *	its certificates are OpenSSL's, in the sandbox.
 * SEE ALSO
 *	child/smtp_session.c, child/tls.c, Postfix src/smtp/smtp_proto.c,
 *	smtp.h (RETRY_AS_PLAINTEXT), RFC 3207, RFC 8314
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "smtp_auth.h"
#include "smtp_session_int.h"
#include "smtp_starttls.h"
#include "tls.h"

static int starttls_then_ehlo(struct sess *, const struct sj_tls_config *);

/*
 * Postfix RETRY_AS_PLAINTEXT, when PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_
 * FAILURE (after_session 0) or ..._AFTER_TLS_SESSION_FAILURE (1, some
 * recipients still without outcome) holds: level "may", the request
 * allows it (IPC_DF_TLS_PLAIN_OK). The same server is tried again in
 * clear text, so this one is not the final server.
 */
void
smtp_starttls_plain_retry(struct sess *s, int after_session)
{
	struct smtp_job *job = s->job;
	size_t	i, todo = 0;

	if (s->tls_level != SJ_TLS_LEV_MAY ||
	    (job->dlv->flags & IPC_DF_TLS_PLAIN_OK) == 0 ||
	    (after_session && !s->in_tls))
		return;
	for (i = 0; i < job->nrcpt; i++)
		todo += (job->rstate[i] & SMTP_RCPT_STATE) == SMTP_RCPT_TODO;
	if (after_session && todo == 0)
		return;
	/* Postfix: && !HAVE_SASL_CREDENTIALS, so that no credential goes
	 * over a session that could not keep TLS. */
	if (smtp_auth_has_cred(job, job->dest, s->peer))
		return;
	job->tls_retry_plain = 1;
	job->final_server = 0;
}

static void
starttls_peer(const struct sess *s, struct tls_peer *tp)
{
	tp->nexthop = s->job->dlv->nexthop;
	tp->host = s->peer->host;
	tp->namaddr = s->peer->relay;
	tp->job_id = s->job->dlv->job_id;
	tp->emit = s->job->emit;
	tp->emit_ctx = s->job->emit_ctx;
}

/*
 * STARTTLS, as Postfix 3.7 smtp_helo() and smtp_start_tls(): offered
 * and level >= may: send it; on 2xx the handshake (child/tls.c), then
 * EHLO again over TLS. The texts and statuses are Postfix's.
 */
int
smtp_starttls_offer(struct sess *s)
{
	const struct sj_tls_config *t = tls_config();
	const char *where = "receiving the STARTTLS response";
	struct ipc_tls_info info;
	struct ipc_result why;
	struct tls_peer tp;
	int	offered, err;

	if (t == NULL || s->in_tls)
		return (0);
	offered = (s->ehlo.features & SMTP_EHLO_STARTTLS) != 0;
	starttls_peer(s, &tp);
	if (offered && t->note_starttls_offer &&
	    s->tls_level <= SJ_TLS_LEV_NONE) {
		memset(&info, 0, sizeof(info));
		info.event = SJ_TLS_EV_OFFERED;
		snprintf(info.host, sizeof(info.host), "%s", s->peer->host);
		if ((err = tls_emit(&tp, &info)) < 0)
			return (err);
	}
	if (offered && tls_available() && s->tls_level >= SJ_TLS_LEV_MAY) {
		cmd_reset(s);
		cmd_add(s, "STARTTLS\r\n");
		if ((err = sess_chat(s, t->starttls_timeout)) < 0)
			return (sess_stream_fail(s, err, where));
		if (s->reply.code / 100 == 2)
			return (starttls_then_ehlo(s, t));
		/* Refused although announced. */
		s->ehlo.features &= ~SMTP_EHLO_STARTTLS;
		if (SJ_TLS_REQUIRED(s->tls_level)) {
			res_fill(&why, s->reply.dsn, &s->reply, s->peer->host,
			    "TLS is required, but host %s refused to start "
			    "TLS: %s", s->peer->namaddr, sess_text(s));
			return (sess_fail(s, &why, 1));
		}
		return (0);
	}
	if (!SJ_TLS_REQUIRED(s->tls_level))
		return (0);
	if (!offered)
		res_fill(&why, "4.7.4", NULL, NULL, "TLS is required, but was "
		    "not offered by host %s", s->peer->namaddr);
	else
		res_fill(&why, "4.7.5", NULL, NULL, "TLS is required, but "
		    "our TLS engine is unavailable");
	return (sess_fail(s, &why, 1));
}

/*
 * The TLS handshake on the session's socket (Postfix smtp_start_tls()):
 * 0 when TLS is on and the level's certificate check passed, else the
 * session's failure.
 */
int
smtp_starttls_handshake(struct sess *s, const struct sj_tls_config *t)
{
	struct ipc_result why;
	struct tls_state st;
	struct tls_peer tp;
	int	err;

	starttls_peer(s, &tp);
	err = tls_start(s->fd, s->tls_level, &tp,
	    sess_deadline(t->starttls_timeout), &st);
	if (err == -ECANCELED)
		return (err);
	if (err < 0) {
		/* Postfix DONT_USE_FORBIDDEN_SESSION: no more I/O. */
		s->broken = 1;
		smtp_starttls_plain_retry(s, 0);
		res_fill(&why, "4.7.5", NULL, NULL, "Cannot start TLS: "
		    "handshake failure");
		/* Opportunistic TLS does not throttle (smtp_proto.c). */
		return (sess_fail(s, &why, s->tls_level != SJ_TLS_LEV_MAY));
	}
	s->in_tls = 1;
	s->tls_matched = st.matched;
	if (SJ_TLS_MUST_MATCH(s->tls_level) && !st.matched) {
		res_fill(&why, "4.7.5", NULL, NULL, "Server certificate not "
		    "verified");
		return (sess_fail(s, &why, 1));
	}
	return (0);
}

int
smtp_starttls_resume(struct sess *s, int matched)
{
	struct tls_peer tp;

	starttls_peer(s, &tp);
	if (tls_io_resume(s->fd, &tp) < 0)
		return (-1);
	s->in_tls = 1;
	s->tls_matched = matched;
	return (0);
}

static int
starttls_then_ehlo(struct sess *s, const struct sj_tls_config *t)
{
	int	rv;

	if ((rv = smtp_starttls_handshake(s, t)) != 0)
		return (rv);
	/* Anything the server sent before the handshake is discarded:
	 * RFC 3207 section 4.2, and CVE-2011-0411 (command injection). */
	smtp_reply_io_init(&s->io, s->fd, s->peer->relay);
	memset(&s->ehlo, 0, sizeof(s->ehlo));
	return (sess_ehlo(s));
}


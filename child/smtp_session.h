/*
 * NAME
 *	smtp_session.h 3h
 * SUMMARY
 *	one SMTP session on a connected socket, and recipient outcomes
 * DESCRIPTION
 *	A job (struct smtp_job) is one DELIVER request: its recipients,
 *	their state (to do, kept for the next server, reported), the last
 *	error seen (Postfix's state->why) and the channel to the parent.
 *	smtp_session_run() runs one SMTP session on a connected socket as
 *	Postfix 3.7 smtp_helo() and smtp_xfer() do (src/smtp/smtp_proto.c):
 *	greeting, EHLO (HELO fallback), MAIL FROM, RCPT TO, DATA,
 *	content, end of data (or BDAT LAST, RFC 3030 CHUNKING, when offered
 *	and smtpjail_use_chunking is on), RSET or QUIT, with PIPELINING
 *	when offered, and turns each reply into per-recipient or
 *	whole-session outcomes.
 *
 *	Outcome policy (Postfix smtp_trouble.c): a soft error (4.x.x, or
 *	5.x.x with soft_bounce) on a server that is not the final one keeps
 *	the recipients it concerns for the next server and logs the reason
 *	as info; otherwise the recipients are reported (deferred or
 *	bounced). soft_bounce itself (5.x.x reported as a deferral) is
 *	applied by the parent, as Postfix's bounce client does: the child
 *	reports the server's 5.x.x status unchanged.
 *
 *	smtp_session_fail_all() is the whole-session failure (Postfix
 *	smtp_bulk_fail()) that child_deliver() also uses for connection
 *	failures and the left-over recipients; smtp_session_end() makes
 *	kept recipients eligible again before the next server.
 * SECURITY
 *	Child only. The server is hostile: replies are bounded and
 *	censored (smtp_reply(3)); the text that leaves in a result is
 *	printable ASCII and fits its IPC field.
 */
#ifndef SMTP_SESSION_H
#define SMTP_SESSION_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "child_deliver.h"
#include "ipc_msg.h"
#include "sj_limits.h"
#include "smtp_ehlo.h"

/* Recipient state (low bits of smtp_job.rstate[]). */
#define SMTP_RCPT_TODO		0	/* no outcome yet */
#define SMTP_RCPT_KEEP		1	/* soft error: try the next server */
#define SMTP_RCPT_DONE		2	/* reported to the parent */
#define SMTP_RCPT_STATE		3	/* mask */

/* Unacknowledged pipelined command bytes (Postfix VSTREAM_BUFSIZE). */
#define SMTP_PIPELINE_WINDOW	4096
/* One command line: "RCPT TO:<...> ORCPT=<uxtext> NOTIFY=..." */
#define SMTP_CMD_MAX		16384

struct smtp_job {
	const struct ipc_config *cfg;
	const struct ipc_deliver *dlv;
	const struct ipc_rcpt *rcpts;
	size_t	nrcpt;
	unsigned char *rstate;		/* nrcpt entries, SMTP_RCPT_* */
	uint32_t *order;		/* nrcpt entries, scratch */
	size_t	left;			/* recipients not DONE */
	child_emit_fn emit;
	void	*emit_ctx;
	struct ipc_done *done;
	int	final_server;		/* Postfix SMTP_MISC_FLAG_FINAL_SERVER */
	int	complete_session;	/* a session finished its transaction */
	int	have_why;
	int	conn_store;		/* Postfix SMTP_MISC_FLAG_CONN_STORE */
	int	throttled;		/* the last session failed with throttle */
	const char *dest;		/* hop being tried, as written (SASL) */
	/* Postfix RETRY_AS_PLAINTEXT: the session asks for the same
	 * address again without TLS; the next session runs at "none". */
	int	tls_retry_plain;
	int	tls_plain_next;
	/* The TLS level of the next session: smtp_tls_security_level,
	 * or at dane/dane-only the server's (child/dane_server.c). */
	int	tls_level;
	unsigned why_seq;		/* counts updates of 'why' */
	struct ipc_result why;		/* last error, Postfix state->why */
};

struct smtp_peer {
	char	host[SJ_HOSTNAME_MAX + 1];	/* name looked up, or literal */
	char	addr[INET6_ADDRSTRLEN];		/* printable address */
	unsigned port;
	char	namaddr[SJ_RELAY_MAX + 1];	/* "host[addr]" */
	char	relay[SJ_RELAY_MAX + 1];	/* "host[addr]:port" */
	int	best_mx;			/* among the best MX (or no MX) */
	/* EHLO keywords to ignore from this server (SJ_EHLO_MASK_*): the
	 * parent's answer with the socket (smtp_discard_ehlo_*). */
	unsigned ehlo_discard;
};

/*
 * A connected session that may outlive its job: what the connection
 * cache (child/conn_cache.c) keeps between jobs. 'expire_ms' is
 * Postfix's session expire_time: set at connect to now +
 * smtp_connection_reuse_time_limit when the job may store sessions,
 * 0 = never cached.
 */
struct smtp_conn {
	int	fd;
	struct smtp_peer peer;
	struct smtp_ehlo ehlo;		/* the EHLO reply's features */
	int	esmtp;
	uint32_t reuse_count;		/* times taken from the cache */
	int64_t	expire_ms;		/* monotonic; 0 = not cacheable */
	int	tls_level;		/* the session's TLS level */
	/* With smtp_tls_connection_reuse: TLS is on (child/tls.c holds
	 * the connection's state under 'fd'), and whether the
	 * certificate matched. */
	int	in_tls;
	int	tls_matched;
};

/*
 * In what smtp_session_needs() returns, above the SMTP_EHLO_* bits:
 * the TLS level the job's next session runs at, plus one. A cached
 * session (clear text, or with TLS under smtp_tls_connection_reuse) is
 * taken only by a job at the level it was made at: a clear-text one
 * never by a job that requires TLS.
 */
#define SMTP_NEED_TLS_SHIFT	24
#define SMTP_NEED_TLS_LEVEL(l)	(((unsigned)(l) + 1) << SMTP_NEED_TLS_SHIFT)

/* Session outcome, when not negative. */
#define SMTP_SESSION_COUNTED	0	/* handshake done: counts */
#define SMTP_SESSION_NOT_COUNTED 1	/* failed before MAIL FROM */
#define SMTP_SESSION_STALE	2	/* cached session failed its RSET probe */

void	smtp_session_job_init(struct smtp_job *, const struct ipc_config *,
	    const struct ipc_deliver *, const struct ipc_rcpt *, size_t nrcpt,
	    unsigned char *rstate, uint32_t *order, child_emit_fn, void *,
	    struct ipc_done *);

/* host and addr are censored; relay/namaddr built from them. */
void	smtp_session_peer(struct smtp_peer *, const char *host,
	    const char *addr, unsigned port);

/*
 * Run one session on 'fd' (connected, non-blocking; not closed here).
 * 'final_if_counted': this becomes the final server once the handshake
 * succeeds (smtp_mx_session_limit reached on the last destination).
 * Returns SMTP_SESSION_COUNTED or SMTP_SESSION_NOT_COUNTED, or
 * -ECANCELED, or the emit error. Sets job->final_server as needed.
 */
int	smtp_session_run(struct smtp_job *, int fd, const struct smtp_peer *,
	    int final_if_counted);

/*
 * Run one transaction on a session taken from the connection cache:
 * an RSET probe first (Postfix smtp_reuse_common()), pipelined in
 * front of MAIL FROM when the server offers PIPELINING (RFC 2920); no
 * content is sent before its reply. When the probe fails (I/O error,
 * timeout, a reply other than 2xx) nothing was reported and
 * SMTP_SESSION_STALE is returned: the caller closes the connection and
 * delivers on another one, as if it had not been cached. Otherwise as
 * smtp_session_run() after the handshake.
 */
int	smtp_session_resume(struct smtp_job *, const struct smtp_conn *,
	    int final_if_counted);

/*
 * After smtp_session_run() or smtp_session_resume(): 1 with *conn
 * filled (fd, peer, EHLO state, use count, expiry) when the session
 * ended its transaction without QUIT and may be cached; 0 when it ended
 * with QUIT or broke, and the caller just closes the descriptor.
 */
int	smtp_session_keep(struct smtp_conn *conn);

/*
 * The SMTP_EHLO_* features the job's server must offer (SMTPUTF8 when
 * the delivery requires it): what a session from the cache must have.
 */
unsigned smtp_session_needs(const struct smtp_job *);

/*
 * Whole-job failure with 'why' (status, reason, diag_*, mta_name set;
 * relay from 'relay', NULL = "none"). 'throttle' as Postfix's
 * smtp_site_fail()/smtp_sess_fail() (1) or smtp_mesg_fail() (0).
 * Records 'why' as the last error. Returns 0 or the emit error.
 */
int	smtp_session_fail_all(struct smtp_job *, const struct ipc_result *why,
	    const char *relay, int throttle);

/* Record an error that reports nobody (connect failure, DNS). */
void	smtp_session_set_why(struct smtp_job *, const struct ipc_result *);

/* End of a session: kept recipients become eligible again. */
void	smtp_session_end(struct smtp_job *);

#endif

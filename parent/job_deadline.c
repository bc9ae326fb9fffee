/*
 * NAME
 *	job_deadline 3
 * SUMMARY
 *	the one absolute deadline of a job handed to the child
 * DESCRIPTION
 *	job_deadline_ms() is the time a legitimate child may take for one
 *	job in the worst case its own timeouts allow, computed once when
 *	the job starts and never renewed by a message from the child (a
 *	child that sends a LOG line now and then does not extend it).
 *
 *	The child tries at most $smtp_mx_address_limit addresses (each may
 *	take $smtp_connect_timeout) and holds at most
 *	$smtp_mx_session_limit sessions; in each it may wait, per Postfix
 *	stage: the greeting, EHLO and a HELO fallback
 *	($smtp_helo_timeout each), MAIL, one RCPT reply per recipient,
 *	DATA, the content ($smtp_data_xfer_timeout per JOB_XFER_CHUNK
 *	bytes: a peer slower than that is treated as stalled), the final
 *	reply, QUIT, and two RSETs (the probe of a reused session and the
 *	end of an aborted transaction), and with TLS the handshake
 *	($smtp_starttls_timeout; at level "may" every session can be
 *	followed by a plain-text one to the same address). DNS adds JOB_DNS_BATCH_S per
 *	lookup batch (child/dns.h DNS_DEADLINE_MS): the MX lookup and one
 *	address batch per address, plus one. JOB_SLACK_S covers the
 *	parent's own steps. The sum is capped by $daemon_timeout (the
 *	watchdog of every Postfix daemon, which stock smtp(8) has too) and
 *	by JOB_DEADLINE_MAX_S.
 * SECURITY
 *	Parent. Pure arithmetic on trusted configuration; the child has no
 *	say in it.
 * SEE ALSO
 *	parent/deliver_child.c, Postfix smtp(8) "smtp_*_timeout", SECURITY.md
 */
#include <time.h>

#include "job_deadline.h"

long long
job_deadline_ms(const struct sj_config *cfg, uint64_t size, unsigned nrcpt)
{
	const struct ipc_config *c = &cfg->child;
	unsigned long long addrs, sessions, session, s;

	addrs = c->mx_address_limit > 0 ? c->mx_address_limit :
	    JOB_ADDR_UNLIMITED;
	sessions = c->mx_session_limit > 0 ? c->mx_session_limit : addrs;
	if (sessions > addrs)
		sessions = addrs;
	if (nrcpt == 0)
		nrcpt = 1;
	session = 3ULL * c->helo_timeout + c->mail_timeout +
	    (unsigned long long)c->rcpt_timeout * nrcpt +
	    c->data_init_timeout +
	    (unsigned long long)c->data_xfer_timeout *
	    (size / JOB_XFER_CHUNK + 1) +
	    c->data_done_timeout + c->quit_timeout + 2ULL * c->rset_timeout;
	/* STARTTLS: the handshake (smtp_starttls_timeout); at "may" a
	 * failed one is followed by a plain-text session to the same
	 * address (Postfix smtp_connect.c), so every address may take two. */
	if (cfg->tls.level > SJ_TLS_LEV_NONE)
		session += cfg->tls.starttls_timeout;
	if (cfg->tls.level == SJ_TLS_LEV_MAY)
		sessions *= 2;
	s = JOB_DNS_BATCH_S * (addrs + 2) + addrs * c->connect_timeout +
	    sessions * session + JOB_SLACK_S;
	if (cfg->daemon_timeout > 0 && s > cfg->daemon_timeout)
		s = cfg->daemon_timeout;
	if (s > JOB_DEADLINE_MAX_S)
		s = JOB_DEADLINE_MAX_S;
	if (s == 0)
		s = 1;
	return ((long long)s * 1000);
}

long long
job_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

/*
 * NAME
 *	deliver_child 3
 * SUMMARY
 *	one job's exchange with the sandboxed child, and its checks
 * DESCRIPTION
 *	deliver_run_child() hands the job to the child (the TLS policy
 *	when the table had one, DELIVER with the memfd, then one RCPT per
 *	recipient), and collects the child's results until DONE, serving
 *	what the child asks for meanwhile (SASL credentials, signatures,
 *	connections, smtp_generic_maps lookups) within one job deadline.
 *	A recipient whose address or ORCPT does not fit the IPC is
 *	bounced here, before the child hears of the job.
 *
 *	Results are checked as they arrive: the job id, a recipient index
 *	in range and reported once, nothing after a SITE_RESULT or DONE, a
 *	"sent" only with a 2xx server reply, a site result never "sent",
 *	relay= and the MTA name shaped as host names and addresses. A
 *	recipient's result is acted on as soon as it arrives (logged with
 *	the conn_use= and delays= of the session that decided it, marked
 *	in the queue file: parent/deliver_outcome.c), as smtp(8) does at
 *	each final reply: a parent
 *	or child that dies afterwards cannot make that recipient go out a
 *	second time. A child can lie about "sent" in any case
 *	(as a hostile server can), so acting on arrival gives it nothing
 *	more.
 * SECURITY
 *	Parent. Every message from the child is hostile and checked here
 *	beyond the decoder's checks; a violation, a death or the deadline
 *	ends the job (parent/deliver.c defers what was not reported).
 * SEE ALSO
 *	parent/deliver.c, parent/child_ctl.c, parent/job_deadline.c,
 *	parent/broker.c, SECURITY.md; RFC 5321
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "broker.h"
#include "checks_log.h"
#include "child_ctl.h"
#include "deliver_job.h"
#include "dnssec_probe.h"
#include "dreq.h"
#include "ehlo_discard.h"
#include "generic_map.h"
#include "idna.h"
#include "ipc_chan.h"
#include "job_deadline.h"
#include "msg.h"
#include "notice.h"
#include "sasl.h"
#include "tls_sign.h"
#include "sj_text.h"
#include "tls_log.h"
#include "tls_policy.h"

/* TLS_INFO messages in one job: 4 per session, with room to spare. */
#define DELIVER_TLS_INFO_MAX	256

/* Checks of one result beyond the decoder: is it plausible for this job? */
static int
deliver_check_result(struct deliver_job *job, const struct ipc_msg *m)
{
	const struct ipc_result *r = &m->u.result;
	char	cls = r->status[0];

	if (r->job_id != job->job_id) {
		snprintf(job->why, sizeof(job->why), "%s for job %u, expected "
		    "job %u", ipc_msg_name(m->type), r->job_id, job->job_id);
		return (-1);
	}
	if (job->have_site) {
		snprintf(job->why, sizeof(job->why), "%s after SITE_RESULT",
		    ipc_msg_name(m->type));
		return (-1);
	}
	/* relay= and the DSN's Remote-MTA are fields, not free text. */
	if (!sj_text_is_relay(r->relay) ||
	    (r->mta_name[0] != '\0' && !sj_text_is_host(r->mta_name))) {
		snprintf(job->why, sizeof(job->why), "%s with a relay or MTA "
		    "name that is not a host name and address",
		    ipc_msg_name(m->type));
		return (-1);
	}
	if (m->type == IPC_T_RCPT_RESULT) {
		if (r->index >= job->nmap) {
			snprintf(job->why, sizeof(job->why), "RCPT_RESULT for "
			    "recipient %u of %u", r->index, job->nmap);
			return (-1);
		}
		if (job->rcpt[job->map[r->index]].reported) {
			snprintf(job->why, sizeof(job->why), "second "
			    "RCPT_RESULT for recipient %u", r->index);
			return (-1);
		}
		/* "sent" only on a 2xx reply from a server. */
		if (cls == '2' && (r->diag_code < 200 || r->diag_code > 299)) {
			snprintf(job->why, sizeof(job->why), "recipient %u "
			    "reported sent (%s) without a 2xx reply (code %u)",
			    r->index, r->status, r->diag_code);
			return (-1);
		}
	} else if (cls == '2') {
		snprintf(job->why, sizeof(job->why), "SITE_RESULT with "
		    "success status %s", r->status);
		return (-1);
	}
	if (cls != '2' && r->diag_code != 0 && r->diag_code < 400) {
		snprintf(job->why, sizeof(job->why), "%s status %s with "
		    "reply code %u", ipc_msg_name(m->type), r->status,
		    r->diag_code);
		return (-1);
	}
	return (0);
}

/*
 * A recipient address or ORCPT longer than the IPC allows cannot be
 * handed to the child. Stock smtp(8) would send it and the server
 * would refuse the command (RFC 5321 4.5.3.1.3: a path is at most 256
 * octets), so that recipient alone is bounced (5.1.3), now; the others
 * go to the child (job->map). Returns the number handed to the child.
 */
static unsigned
deliver_map_rcpts(struct deliver_job *job)
{
	struct dreq *req = job->req;
	struct ipc_result r;
	unsigned i, n = 0;

	if ((job->map = calloc(req->rcpt_count, sizeof(*job->map))) == NULL)
		msg_fatal("calloc %u recipients: %s", req->rcpt_count,
		    strerror(errno));
	for (i = 0; i < req->rcpt_count; i++) {
		if (strlen(req->rcpt[i].address) <= SJ_ADDR_MAX &&
		    strlen(req->rcpt[i].dsn_orcpt) <= SJ_ORCPT_MAX) {
			job->map[n++] = i;
			continue;
		}
		msg_warn("%s: recipient %u: %s longer than smtpjail's limit of "
		    "%d bytes", req->queue_id, i, strlen(req->rcpt[i].address) >
		    SJ_ADDR_MAX ? "address" : "ORCPT", strlen(
		    req->rcpt[i].address) > SJ_ADDR_MAX ? SJ_ADDR_MAX :
		    SJ_ORCPT_MAX);
		deliver_result_local(&r, "5.1.3", strlen(req->rcpt[i].address) >
		    SJ_ADDR_MAX ? "recipient address too long" :
		    "original recipient address (ORCPT) too long");
		r.index = i;
		job->rcpt[i].reported = 1;
		job->rcpt[i].res = r;
		job->rcpt[i].done = deliver_outcome(job, i, &r);
	}
	job->nmap = n;
	return (n);
}

/*
 * The job deadline passed: the first time, send ABORT and allow
 * JOB_ABORT_GRACE_MS for DONE (results that come meanwhile count);
 * the second time, give up. 0 to go on waiting, -1 (job->why) to stop.
 */
static int
deliver_deadline(struct deliver_job *job, struct child_ctl *cc,
    long long deadline_ms)
{
	struct ipc_msg m;
	char	why[512];

	job->child_broken = 1;
	if (job->aborted) {
		snprintf(job->why, sizeof(job->why), "job deadline of %lld s "
		    "passed, and no DONE %d s after ABORT", deadline_ms / 1000,
		    JOB_ABORT_GRACE_MS / 1000);
		return (-1);
	}
	job->aborted = 1;
	broker_job_abort();		/* no new connection after ABORT */
	msg_warn("%s: sandboxed child pid %d passed the job deadline of "
	    "%lld s: sending ABORT", job->req->queue_id, (int)cc->pid,
	    deadline_ms / 1000);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_ABORT;
	m.fd = -1;
	m.u.abort.job_id = job->job_id;
	if (child_ctl_send(cc, &m, why, sizeof(why)) < 0) {
		snprintf(job->why, sizeof(job->why), "job deadline of %lld s "
		    "passed; %s", deadline_ms / 1000, why);
		return (-1);
	}
	job->end_ms = job_now_ms() + JOB_ABORT_GRACE_MS;
	return (0);
}

/* One SASL_REQ: the job's credential or none (parent/sasl.c). */
static int
deliver_sasl(struct deliver_job *job, struct child_ctl *cc,
    const struct ipc_msg *m)
{
	struct ipc_msg r;
	int	err;

	memset(&r, 0, sizeof(r));
	r.type = IPC_T_SASL_CRED;
	r.fd = -1;
	if (sasl_answer(&job->sasl, job->job_id, &m->u.sasl_req,
	    &r.u.sasl_cred, job->why, sizeof(job->why)) < 0)
		return (-1);
	err = child_ctl_send(cc, &r, job->why, sizeof(job->why));
	explicit_bzero(&r, sizeof(r));
	return (err < 0 ? -1 : 0);
}

/*
 * Hand the job to the child and collect its results until DONE.
 * 0 when the child's results may be used; -1 otherwise (job->why).
 */
int
deliver_run_child(struct deliver_job *job, struct child_ctl *cc, int memfd,
    uint64_t content_len)
{
	struct dreq *req = job->req;
	struct ipc_msg m;
	struct ipc_result res;
	unsigned i, k, nreported = 0, ntls = 0;
	long long deadline_ms, left;
	int	err;

	/* One deadline for the whole job, sends included, never renewed. */
	deadline_ms = job_deadline_ms(job->cfg, content_len, req->rcpt_count);
	job->end_ms = job_now_ms() + deadline_ms;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_DELIVER;
	m.fd = memfd;
	m.u.deliver.job_id = job->job_id;
	m.u.deliver.rcpt_count = req->rcpt_count;
	if (strcmp(req->encoding, "8bit") == 0)
		m.u.deliver.flags |= IPC_DF_8BITMIME;
	else if (strcmp(req->encoding, "7bit") == 0)
		m.u.deliver.flags |= IPC_DF_7BIT;
	/* sendmail -bv and verify(8) probes: RCPT only, nothing sent. */
	if (DEL_REQ_TRACE_ONLY(req->flags))
		m.u.deliver.flags |= IPC_DF_VERIFY_ONLY;
	/* qmgr's connection cache hints; the child's cache applies them */
	if (req->flags & DEL_REQ_FLAG_CONN_LOAD)
		m.u.deliver.flags |= IPC_DF_CONN_LOAD;
	if (req->flags & DEL_REQ_FLAG_CONN_STORE)
		m.u.deliver.flags |= IPC_DF_CONN_STORE;
	/* Postfix smtp.h PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE:
	 * trace-only, or PREACTIVE_DELAY >= minimal_backoff_time (the
	 * message was deferred before); its !HAVE_SASL_CREDENTIALS
	 * depends on the server's name, so the child asks then
	 * (IPC_SASL_ASK_EXISTS, child/smtp_starttls.c). */
	if (DEL_REQ_TRACE_ONLY(req->flags) ||
	    (long long)req->stats.active_arrival.tv_sec -
	    (long long)req->stats.incoming_arrival.tv_sec >=
	    (long long)job->cfg->tls.min_backoff)
		m.u.deliver.flags |= IPC_DF_TLS_PLAIN_OK;
	/* dnssec_probe: once per process, as Postfix (dnssec_probe.c). */
	if ((job->probe_open = dnssec_probe_due(job->cfg)) != 0)
		m.u.deliver.flags |= IPC_DF_DNSSEC_PROBE;
	m.u.deliver.smtputf8 = req->sendopts;
	m.u.deliver.ret_flags = req->dsn_ret;
	m.u.deliver.content_size = content_len;
	m.u.deliver.data_size = (uint64_t)req->data_size;
	m.u.deliver.content_fd = memfd;
	/* Postfix smtp_connect(): UTF-8 domains are looked up as A-labels */
	if (job->cfg->smtputf8_enable) {
		if (idna_nexthop(req->nexthop, m.u.deliver.nexthop,
		    sizeof(m.u.deliver.nexthop), job->why,
		    sizeof(job->why)) < 0)
			return (-1);
	} else if (snprintf(m.u.deliver.nexthop, sizeof(m.u.deliver.nexthop),
	    "%s", req->nexthop) >= (int)sizeof(m.u.deliver.nexthop)) {
		snprintf(job->why, sizeof(job->why), "nexthop longer than "
		    "smtpjail's limit");
		return (-1);
	}
	/* smtp_generic_maps: the parent has the tables (generic_map.c). */
	if ((err = generic_map_envelope(req->sender, m.u.deliver.sender,
	    sizeof(m.u.deliver.sender), job->why, sizeof(job->why))) < 0 &&
	    err != -ENOSPC)
		return (-1);
	if (err == -ENOSPC ||
	    snprintf(m.u.deliver.envid, sizeof(m.u.deliver.envid), "%s",
	    req->dsn_envid) >= (int)sizeof(m.u.deliver.envid) ||
	    snprintf(m.u.deliver.queue_id, sizeof(m.u.deliver.queue_id), "%s",
	    req->queue_id) >= (int)sizeof(m.u.deliver.queue_id)) {
		snprintf(job->why, sizeof(job->why), "sender or ENVID "
		    "longer than smtpjail's limits");
		return (-1);
	}
	/* Recipients that do not fit the IPC limits are bounced here. */
	if ((m.u.deliver.rcpt_count = deliver_map_rcpts(job)) == 0)
		return (0);
	/* smtp_generic_maps: before the child hears of the job. */
	if ((job->rw = generic_map_rcpts(req, job->map, job->nmap,
	    SJ_ADDR_MAX, job->why, sizeof(job->why))) == NULL &&
	    job->why[0] != '\0')
		return (-1);
	memcpy(job->nexthop, m.u.deliver.nexthop, sizeof(job->nexthop));
	memset(&job->sasl, 0, sizeof(job->sasl));
	job->nsign = 0;
	job->sasl.nexthop = job->nexthop;
	job->sasl.sender = req->sender;
	/* The connections the child may ask for (parent/broker.c). */
	broker_job_begin(job->job_id, m.u.deliver.nexthop);
	if (job->tls_found) {
		struct ipc_msg pm;
		uint32_t n;

		memset(&pm, 0, sizeof(pm));
		pm.type = IPC_T_TLS_POLICY;
		pm.fd = -1;
		if (tls_policy_to_ipc(&job->tls, job->job_id, &pm.u.tls_policy,
		    job->why, sizeof(job->why)) < 0)
			return (-1);
		if (child_ctl_send(cc, &pm, job->why, sizeof(job->why)) < 0) {
			job->child_broken = 1;
			return (-1);
		}
		/* Its tafile= anchors, one message each. */
		n = pm.u.tls_policy.ta_count;
		for (k = 0; k < n; k++) {
			memset(&pm, 0, sizeof(pm));
			pm.type = IPC_T_TLS_ANCHOR;
			pm.fd = -1;
			if (tls_policy_anchor_to_ipc(&job->tls, job->job_id, k,
			    &pm.u.tls_anchor) < 0)
				msg_panic("%s: trust anchor %u of %u missing",
				    req->queue_id, k, n);
			if (child_ctl_send(cc, &pm, job->why,
			    sizeof(job->why)) < 0) {
				job->child_broken = 1;
				return (-1);
			}
		}
	}
	if ((err = child_ctl_send(cc, &m, job->why, sizeof(job->why))) < 0) {
		job->child_broken = 1;
		return (-1);
	}
	for (k = 0; k < job->nmap; k++) {
		i = job->map[k];
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_RCPT;
		m.fd = -1;
		m.u.rcpt.job_id = job->job_id;
		m.u.rcpt.index = k;
		m.u.rcpt.notify_flags = req->rcpt[i].notify & 0xf;
		if (snprintf(m.u.rcpt.address, sizeof(m.u.rcpt.address), "%s",
		    job->rw != NULL ? job->rw[k] : req->rcpt[i].address) >=
		    (int)sizeof(m.u.rcpt.address) ||
		    snprintf(m.u.rcpt.orcpt, sizeof(m.u.rcpt.orcpt), "%s",
		    req->rcpt[i].dsn_orcpt) >= (int)sizeof(m.u.rcpt.orcpt)) {
			/* Checked above; the child already has the job. */
			msg_panic("%s: recipient %u grew past the limits",
			    req->queue_id, i);
		}
		if (child_ctl_send(cc, &m, job->why, sizeof(job->why)) < 0) {
			job->child_broken = 1;
			return (-1);
		}
		if (job_now_ms() >= job->end_ms) {
			snprintf(job->why, sizeof(job->why), "job deadline of "
			    "%lld s passed while the child read its recipients",
			    deadline_ms / 1000);
			job->child_broken = 1;
			return (-1);
		}
	}

	cc->log_count = 0;
	for (;;) {
		if ((left = job->end_ms - job_now_ms()) <= 0) {
			if (deliver_deadline(job, cc, deadline_ms) < 0)
				return (-1);
			continue;
		}
		err = child_ctl_recv(cc, &m, left > INT_MAX ? INT_MAX :
		    (int)left, job->why, sizeof(job->why));
		if (err == -ETIMEDOUT)
			continue;		/* the deadline, above */
		if (err < 0) {
			job->child_broken = 1;
			return (-1);
		}
		switch (m.type) {
		case IPC_T_RCPT_RESULT:
			if (deliver_check_result(job, &m) < 0)
				goto violation;
			res = m.u.result;
			res.index = job->map[res.index];
			deliver_arrived(job, &res);
			nreported++;
			break;
		case IPC_T_SITE_RESULT:
			if (deliver_check_result(job, &m) < 0)
				goto violation;
			job->have_site = 1;
			job->site = m.u.result;
			break;
		case IPC_T_TRANSCRIPT:
			if (notice_keep(&job->notices, &m.u.transcript,
			    job->job_id, req->queue_id, job->why,
			    sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_TLS_INFO:
			/* Bounded: a few per session, sessions per job are
			 * bounded by smtp_mx_*_limit and the budget. */
			if (m.u.tls_info.job_id != job->job_id ||
			    ++ntls > DELIVER_TLS_INFO_MAX) {
				snprintf(job->why, sizeof(job->why), "TLS_INFO "
				    "for job %u (job %u, %u of at most %d)",
				    m.u.tls_info.job_id, job->job_id, ntls,
				    DELIVER_TLS_INFO_MAX);
				goto violation;
			}
			(void)tls_log_info(&job->tls, &m.u.tls_info);
			break;
		case IPC_T_SASL_REQ:
			if (deliver_sasl(job, cc, &m) < 0)
				goto violation;
			break;
		case IPC_T_CHECK_LOG:
			if (checks_log(cc, &m.u.check_log, job->job_id,
			    job->cfg->child.checks_classes, req->queue_id,
			    job->why, sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_SIGN_REQ:
			/* The client key is the parent's (tls_sign.c). */
			if (tls_sign_serve_job(cc->ipc_fd, &m, &job->nsign,
			    req->queue_id, job->why, sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_DNSSEC_PROBE:
			/* dnssec_probe's warnings, from our copy of it. */
			if (dnssec_probe_note(&m.u.dnssec_probe, job->job_id,
			    job->cfg, &job->probe_open, job->why,
			    sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_EHLO_NOTE:
			if (ehlo_discard_note(&m.u.ehlo_note, job->why,
			    sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_GENERIC_REQ:
			/* Header addresses: the tables are here. */
			if (generic_map_serve(cc->ipc_fd, &m.u.generic_req,
			    job->job_id, &job->ngeneric, req->queue_id,
			    job->why, sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_CONNECT:
			/* The child has no sockets: it asks (SECURITY.md). */
			if (broker_serve(cc->ipc_fd, &m, req->queue_id,
			    job->why, sizeof(job->why)) < 0)
				goto violation;
			break;
		case IPC_T_DONE:
			if (m.u.done.job_id != job->job_id) {
				snprintf(job->why, sizeof(job->why), "DONE for "
				    "job %u, expected job %u",
				    m.u.done.job_id, job->job_id);
				goto violation;
			}
			if (job->aborted) {
				/* Unreported recipients are deferred. */
				snprintf(job->why, sizeof(job->why), "job "
				    "deadline of %lld s passed (ABORT sent, "
				    "DONE received)", deadline_ms / 1000);
				return (-1);
			}
			if (nreported < job->nmap && !job->have_site) {
				snprintf(job->why, sizeof(job->why), "DONE with "
				    "%u of %u recipients reported", nreported,
				    job->nmap);
				goto violation;
			}
			job->done = m.u.done;
			return (0);
		default:
			snprintf(job->why, sizeof(job->why), "unexpected %s "
			    "during a job", ipc_msg_name(m.type));
			ipc_msg_release(&m);
			goto violation;
		}
	}
violation:
	job->child_broken = 1;
	return (-1);
}

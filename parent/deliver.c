/*
 * NAME
 *	deliver 3
 * SUMMARY
 *	one qmgr delivery request, from greeting to final reply
 * DESCRIPTION
 *	Reads the request (parent/dreq.c), opens and locks the queue file,
 *	decodes the content into a sealed memfd (parent/qfile.c), hands
 *	the job to the child (DELIVER with the memfd, then one RCPT per
 *	recipient), and collects the child's results until DONE.
 *
 *	Results are checked as they arrive: the job id, a recipient index
 *	in range and reported once, nothing after a SITE_RESULT or DONE, a
 *	"sent" only with a 2xx server reply, a site result never "sent",
 *	relay= and the MTA name shaped as host names and addresses. A
 *	recipient's result is acted on as soon as it arrives (logged with
 *	the conn_use= and delays= of the session that decided it, marked
 *	in the queue file), as smtp(8) does at each final reply: a parent
 *	or child that dies afterwards cannot make that recipient go out a
 *	second time. A SITE_RESULT applies at DONE to every recipient
 *	without a result. If the child breaks the protocol, dies or passes
 *	the job deadline, every recipient without a result is deferred
 *	(when in doubt, defer). A child can lie about "sent" in any case
 *	(as a hostile server can), so acting on arrival gives it nothing
 *	more.
 *	The job goes to the child of the request's nexthop
 *	(parent/child_pool.c); a broken child is stopped and ends only
 *	its own job: the next request gets a fresh one.
 *
 *	Then each recipient goes the way Postfix 3.7's smtp(8) sends it
 *	(src/smtp/smtp_rcpt.c, smtp_trouble.c; src/global/sent.c,
 *	defer.c, bounce.c):
 *	sent (trace where asked, log, mark done when the request says so),
 *	deferred (defer service, log), bounced (bounce service, log, mark
 *	done only when bounce(8) accepted it; soft_bounce turns it into a
 *	deferral). The reply is FINAL only when every recipient was marked
 *	done or bounced-and-recorded; anything else is DEFER. A site
 *	failure that deferred the request goes into the hop status.
 * SECURITY
 *	Parent. qmgr, the queue file and the bounce services are trusted;
 *	every result from the child is hostile and checked here beyond the
 *	decoder's checks. Only the type byte at a recipient offset from
 *	qmgr's request is ever written, never an offset from the child.
 * SEE ALSO
 *	parent/dreq.c, parent/svc_client.c, parent/child_ctl.c,
 *	SECURITY.md; Postfix src/smtp/smtp_rcpt.c, smtp_trouble.c
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "broker.h"
#include "checks_log.h"
#include "deliver.h"
#include "dreq.h"
#include "dsn_filter.h"
#include "dnssec_probe.h"
#include "ehlo_discard.h"
#include "generic_map.h"
#include "idna.h"
#include "ipc_chan.h"
#include "job_deadline.h"
#include "log_status.h"
#include "msg.h"
#include "notice.h"
#include "pass.h"
#include "qfile.h"
#include "sasl.h"
#include "tls_sign.h"
#include "sj_match.h"
#include "sj_text.h"
#include "svc_client.h"
#include "tls_log.h"
#include "tls_policy.h"

/* TLS_INFO messages in one job: 4 per session, with room to spare. */
#define DELIVER_TLS_INFO_MAX	256

/* Per-recipient state of the job in flight. */
struct deliver_rcpt {
	int	reported;		/* result came from the child */
	int	done;			/* acted on: 1 when marked or final */
	struct ipc_result res;		/* the outcome to act on */
};

struct deliver_job {
	const struct sj_config *cfg;
	struct dreq *req;
	struct qfile qf;
	uint32_t job_id;
	struct deliver_rcpt *rcpt;
	int	have_site;		/* a SITE_RESULT arrived */
	struct ipc_result site;
	struct ipc_done done;
	struct notice_set notices;	/* session transcripts (notice.c) */
	int	child_broken;		/* the pair must be restarted */
	long long end_ms;		/* job_now_ms() deadline (job_deadline.c) */
	unsigned *map;			/* child's recipient k: request's map[k] */
	unsigned nmap;			/* recipients handed to the child */
	int	aborted;		/* ABORT sent at the deadline */
	char	nexthop[SJ_NEXTHOP_MAX + 1];	/* as sent in DELIVER */
	struct sasl_job sasl;		/* what SASL_REQ may be given */
	unsigned nsign;			/* SIGN_REQs answered in this job */
	int	probe_open;		/* IPC_DF_DNSSEC_PROBE, no report yet */
	/* The job's TLS policy (smtp_tls_policy_maps, parent/tls_policy.c):
	 * 1 when the table had an entry, sent as TLS_POLICY first. */
	int	tls_found;
	struct sj_tls_config tls;
	unsigned ngeneric;		/* GENERIC_REQ answered */
	char	**rw;			/* rewritten recipients, or NULL */
	char	why[1024];		/* why the child's word was discarded */
};

/* The parent's context for job numbering. */
static struct deliver_ctx {
	uint32_t next_job_id;
} deliver_ctx;

static void
deliver_result_local(struct ipc_result *r, const char *status,
    const char *reason)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->status, sizeof(r->status), "%s", status);
	snprintf(r->relay, sizeof(r->relay), "none");
	sj_text_censor(r->reason, sizeof(r->reason), reason, strlen(reason));
}

/* Every recipient gets the same local deferral (nothing was used). */
static void
deliver_defer_all(struct deliver_job *job, const char *status,
    const char *reason)
{
	unsigned i;

	for (i = 0; i < job->req->rcpt_count; i++)
		if (!job->rcpt[i].reported)
			deliver_result_local(&job->rcpt[i].res, status, reason);
	job->have_site = 0;
}

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

static void deliver_arrived(struct deliver_job *, const struct ipc_result *);
static int deliver_outcome(struct deliver_job *, unsigned,
	    const struct ipc_result *);

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
static int
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
	 * message was deferred before); smtpjail has no SASL. */
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

/* A child timestamp is used only when it is plausible. */
static void
deliver_stats_time(struct timeval *tv, uint64_t sec, uint32_t usec,
    const struct timeval *not_before, const struct timeval *now)
{
	if (sec == 0 || (long long)sec < (long long)not_before->tv_sec - 1 ||
	    (long long)sec > (long long)now->tv_sec + 1) {
		*tv = *now;
		return;
	}
	tv->tv_sec = (time_t)sec;
	tv->tv_usec = (suseconds_t)usec;
}

/* The request's MSG_STATS from the child's stamps (DONE or a result). */
static void
deliver_times(struct deliver_job *job, uint32_t reuse_count,
    uint64_t setup_sec, uint32_t setup_usec, uint64_t done_sec,
    uint32_t done_usec)
{
	struct dreq *req = job->req;
	struct timeval now;

	gettimeofday(&now, NULL);
	deliver_stats_time(&req->stats.conn_setup_done, setup_sec, setup_usec,
	    &req->stats.agent_handoff, &now);
	deliver_stats_time(&req->stats.deliver_done, done_sec, done_usec,
	    &req->stats.conn_setup_done, &now);
	req->stats.reuse_count = reuse_count;
}

static void
deliver_log(struct deliver_job *job, unsigned i, const char *status,
    enum log_status_word word, const struct ipc_result *r,
    const char *reason)
{
	struct log_status ls;
	char	line[LOG_STATUS_LINE_MAX];

	memset(&ls, 0, sizeof(ls));
	ls.queue_id = job->req->queue_id;
	ls.recipient = job->req->rcpt[i].address;
	ls.orig_recipient = job->req->rcpt[i].orig_addr;
	ls.relay = r->relay[0] ? r->relay : "none";
	ls.stats = &job->req->stats;
	gettimeofday(&ls.now, NULL);
	ls.resolution = job->cfg->delay_logging_resolution_limit;
	ls.dsn_status = status;
	ls.status = word;
	ls.reason = reason;
	ls.utf8 = job->cfg->smtputf8_enable;
	if (log_status_format(line, sizeof(line), &ls) < 0)
		msg_warn("%s: status line for recipient %u too long",
		    job->req->queue_id, i);
	else
		msg_info("%s", line);
}

static void
deliver_svc_rcpt(struct deliver_job *job, unsigned i, unsigned notify,
    struct svc_rcpt *rc)
{
	memset(rc, 0, sizeof(*rc));
	rc->orig_addr = job->req->rcpt[i].orig_addr;
	rc->address = job->req->rcpt[i].address;
	rc->offset = job->req->rcpt[i].offset;
	rc->dsn_orcpt = job->req->rcpt[i].dsn_orcpt;
	rc->notify = notify;
}

static int
deliver_append(struct deliver_job *job, unsigned i, const char *service,
    const struct ipc_result *r, const char *status, const char *action,
    const char *reason, unsigned notify)
{
	struct svc_rcpt rc;
	struct svc_dsn dsn;
	char	why[512];
	int	err;

	deliver_svc_rcpt(job, i, notify, &rc);
	memset(&dsn, 0, sizeof(dsn));
	dsn.status = status;
	dsn.action = action;
	dsn.reason = reason;
	dsn.dtype = r->diag_code ? "smtp" : "";
	dsn.dtext = r->diag_code ? r->diag_text : "";
	dsn.mtype = r->mta_name[0] ? "dns" : "";
	dsn.mname = r->mta_name;
	err = svc_bounce_append(SVC_DIR_PRIVATE, service,
	    DEL_REQ_TRACE_FLAGS(job->req->flags), job->req->queue_id, &rc,
	    &dsn, (int)job->cfg->ipc_timeout, why, sizeof(why));
	if (err < 0)
		msg_warn("%s: %s service: %s", job->req->queue_id, service,
		    why);
	return (err);
}

/* Mark recipient i done in the queue file; 1 when done. */
static int
deliver_mark(struct deliver_job *job, unsigned i)
{
	char	why[512];

	if (job->req->rcpt[i].offset == -1)
		return (1);		/* -1: none (deliver_completed.c) */
	if (qfile_mark_done(&job->qf, job->req->rcpt[i].offset, why,
	    sizeof(why)) < 0) {
		/* Delivered but not marked: it will be sent again later. */
		msg_error("%s: update queue file %s: %s", job->req->queue_id,
		    job->qf.path, why);
		return (0);
	}
	return (1);
}

/* Tell flush(8) about a deferral it may speed up (global/defer.c). */
static void
deliver_flush(struct deliver_job *job, unsigned i)
{
	const struct sj_config *cfg = job->cfg;
	const char *at = strrchr(job->req->rcpt[i].address, '@');
	char	why[512];
	int	status = 0;

	if (at == NULL || at[1] == '\0' || cfg->fast_flush_domains == NULL ||
	    !sj_match_domain_list(cfg->fast_flush_domains, at + 1,
	    cfg->fast_flush_parent))
		return;
	if (svc_flush_add(SVC_DIR_PUBLIC, cfg->flush_service_name, at + 1,
	    job->req->queue_id, (int)cfg->ipc_timeout, &status, why,
	    sizeof(why)) < 0)
		msg_warn("%s: flush service failure: %s", job->req->queue_id,
		    why);
}

static enum log_status_word
deliver_log_word(const char *name)
{
	int	k;

	for (k = 0; k < LOG_STATUS_WORD_COUNT; k++)
		if (strcmp(log_status_word_str(k), name) == 0)
			return ((enum log_status_word)k);
	msg_panic("deliver_log_word: unknown status word \"%s\"", name);
}

/*
 * One recipient's outcome through Postfix's service table (svc_route,
 * src/global/sent.c, defer.c, bounce.c). Returns 1 when the recipient is
 * done: marked, or delivered with nothing to mark; 0 leaves it for a
 * later attempt.
 */
static int
deliver_outcome(struct deliver_job *job, unsigned i,
    const struct ipc_result *orig)
{
	struct ipc_result filtered = *orig;
	const struct ipc_result *r = &filtered;
	const struct sj_config *cfg = job->cfg;
	struct dreq *req = job->req;
	struct svc_route rt;
	struct svc_rcpt rc;
	char	status[SJ_DSN_STATUS_MAX + 1], why[512];
	char	reason[SJ_REASON_MAX + 128];
	const char *service;
	int	outcome, ok = 1, k, err;

	/* smtp_delivery_status_filter, before soft_bounce and routing. */
	(void)dsn_filter_apply(&filtered);
	outcome = r->status[0] == '2' ? SVC_OUT_SENT :
	    r->status[0] == '4' ? SVC_OUT_DEFER : SVC_OUT_BOUNCE;
	if (svc_route(req->flags, outcome, cfg->soft_bounce, 1,
	    (r->flags & IPC_RF_REMOTE_DSN) != 0, req->rcpt[i].notify,
	    &rt) < 0)
		msg_panic("%s: no service route for flags 0x%x outcome %d",
		    req->queue_id, req->flags, outcome);
	if (svc_dsn_status(status, sizeof(status), r->status, outcome,
	    rt.dsn_class) < 0)
		msg_panic("%s: bad DSN class %d", req->queue_id, rt.dsn_class);

	for (k = 0; k < rt.nstep; k++) {
		switch (rt.step[k].call) {
		case SVC_CALL_TRACE:
			service = cfg->trace_service_name;
			(void)svc_trace_reason(reason, sizeof(reason),
			    r->relay, r->reason);
			err = deliver_append(job, i, service, r, status,
			    rt.action, reason, rt.notify);
			break;
		case SVC_CALL_BOUNCE:
			service = cfg->bounce_service_name;
			err = deliver_append(job, i, service, r, status,
			    rt.action, r->reason, rt.notify);
			break;
		case SVC_CALL_DEFER:
			service = cfg->defer_service_name;
			err = deliver_append(job, i, service, r, status,
			    rt.action, r->reason, rt.notify);
			break;
		case SVC_CALL_VERIFY:
		default:
			service = cfg->verify_service_name;
			deliver_svc_rcpt(job, i, rt.notify, &rc);
			err = svc_verify_rcpt(SVC_DIR_PRIVATE, service, &rc,
			    rt.verify_status, r->reason,
			    (int)cfg->ipc_timeout, why, sizeof(why));
			if (err < 0)
				msg_warn("%s: %s service: %s", req->queue_id,
				    service, why);
			break;
		}
		if (err < 0 && rt.step[k].required) {
			ok = 0;		/* Postfix stops at the first one */
			break;
		}
		if (err < 0)
			msg_warn("%s: %s service failure", req->queue_id,
			    service);
	}
	if (!ok && rt.fallback != SVC_FALLBACK_NONE) {
		/* A required service call failed: the whole defer path
		 * with 4.3.0 (defer, trace when asked, log). */
		struct ipc_result fb;

		memset(&fb, 0, sizeof(fb));
		fb.job_id = r->job_id;
		fb.index = r->index;
		snprintf(fb.status, sizeof(fb.status), "4.3.0");
		snprintf(fb.relay, sizeof(fb.relay), "%.*s",
		    (int)sizeof(fb.relay) - 1, r->relay);
		(void)svc_fallback_reason(fb.reason, sizeof(fb.reason),
		    rt.fallback, req->queue_id, cfg->bounce_service_name,
		    cfg->trace_service_name);
		(void)deliver_outcome(job, i, &fb);
		return (0);
	}
	if (ok || rt.log_always)
		deliver_log(job, i, status, deliver_log_word(rt.log_status),
		    r, r->reason);
	if (rt.flush)
		deliver_flush(job, i);
	if (svc_route_done(&rt, ok))
		return (deliver_mark(job, i));
	return (svc_route_status(&rt, ok) == DEL_STAT_FINAL);
}

/*
 * A recipient's result arrived (checked): act on it now, with the
 * stamps of the session that decided it, as smtp(8) does at the reply.
 */
static void
deliver_arrived(struct deliver_job *job, const struct ipc_result *r)
{
	struct deliver_rcpt *rc = &job->rcpt[r->index];

	rc->reported = 1;
	rc->res = *r;
	deliver_times(job, r->reuse_count, r->conn_setup_done_sec,
	    r->conn_setup_done_usec, r->deliver_done_sec,
	    r->deliver_done_usec);
	rc->done = deliver_outcome(job, r->index, &rc->res);
}

static int
cfg_has(const char *value)
{
	return (value != NULL && *value != '\0');
}

/*
 * We are the best MX: hand the recipient to $best_mx_transport
 * (Postfix src/global/deliver_pass.c). The other agent logs, marks and
 * bounces; 1 when it said FINAL. If it cannot be reached or answers
 * garbage, the recipient is deferred here, as Postfix does.
 */
static int
deliver_pass(struct deliver_job *job, unsigned i)
{
	struct ipc_result fail;
	char	why[512];
	int	st;

	msg_info("%s: passing <%s> to transport=%s", job->req->queue_id,
	    job->req->rcpt[i].address, job->cfg->best_mx_transport);
	st = pass_rcpt(job->cfg->best_mx_transport, job->req, i,
	    (int)job->cfg->ipc_timeout, why, sizeof(why));
	if (st == DEL_STAT_FINAL)
		return (1);
	if (st == DEL_STAT_DEFER)
		return (0);
	msg_warn("%s: %s", job->req->queue_id, why);
	deliver_result_local(&fail, "4.3.0", st == -EBADMSG ?
	    "unknown mail transport error" : "mail transport unavailable");
	return (deliver_outcome(job, i, &fail));
}

static void
deliver_hop(struct dreq_hop *hop, const struct ipc_result *r)
{
	memset(hop, 0, sizeof(*hop));
	hop->status = r->status;
	hop->dtype = r->diag_code ? "smtp" : "";
	hop->dtext = r->diag_code ? r->diag_text : "";
	hop->mtype = r->mta_name[0] ? "dns" : "";
	hop->mname = r->mta_name;
	hop->action = "";
	hop->reason = r->reason;
}

/*
 * The child's word ends here (violation, death, deadline): the
 * recipients it reported were acted on when their results came; the
 * others are deferred.
 */
static void
deliver_defer_rest(struct deliver_job *job)
{
	const struct dreq *req = job->req;
	unsigned i, left = 0;

	for (i = 0; i < req->rcpt_count; i++) {
		if (job->rcpt[i].reported)
			continue;
		deliver_result_local(&job->rcpt[i].res, "4.3.0",
		    "mail delivery agent (sandboxed child) failed");
		left++;
	}
	if (left == req->rcpt_count)
		msg_warn("%s: sandboxed child failed, deferring all %u "
		    "recipients: %s", req->queue_id, req->rcpt_count,
		    job->why);
	else if (left == 0)
		msg_warn("%s: sandboxed child failed after reporting all %u "
		    "recipients: %s", req->queue_id, req->rcpt_count,
		    job->why);
	else
		msg_warn("%s: sandboxed child failed after reporting %u of "
		    "%u recipients, deferring the other %u: %s",
		    req->queue_id, req->rcpt_count - left, req->rcpt_count,
		    left, job->why);
	job->have_site = 0;
}

/*
 * The content has a bad record, or the file ends before it does. Postfix
 * 3.7's smtp(8) meets that while sending DATA (src/smtp/smtp_proto.c,
 * smtp_loop()): it warns "bad record type: N in message content", fails
 * every pending recipient with 5.3.0 "unreadable mail queue entry"
 * (smtp_mesg_fail(), DSN_BY_LOCAL_MTA: a bounce, or a deferral under
 * soft_bounce), and only when every one of those was recorded (status
 * still 0) marks the file corrupt (global/mark_corrupt.c) and answers
 * qmgr with that status; qmgr then saves the file in the corrupt queue.
 * We read the content before connecting, so no session exists: the
 * outcome, DSN, text and mark are stock's; relay= is "none" where stock
 * names the server it was talking to, and nothing is sent.
 */
static int
deliver_unreadable(struct deliver_job *job, const char *detail)
{
	struct dreq *req = job->req;
	unsigned i, ndone = 0;

	msg_warn("%s: bad record type: %d in message content",
	    req->queue_id, job->qf.bad_type);
	msg_verbose("%s: %s", req->queue_id, detail);
	deliver_times(job, 0, 0, 0, 0, 0);
	for (i = 0; i < req->rcpt_count; i++) {
		deliver_result_local(&job->rcpt[i].res, "5.3.0",
		    "unreadable mail queue entry");
		ndone += deliver_outcome(job, i, &job->rcpt[i].res);
	}
	if (ndone != req->rcpt_count)
		return (DEL_STAT_DEFER);
	(void)qfile_mark_corrupt(&job->qf);	/* it logs the warning */
	return (DEL_STAT_FINAL);
}

/*
 * Runs one request whose attributes were read. Returns the status for
 * qmgr and fills the hop DSN when the destination as a whole failed.
 */
static int
deliver_request(struct deliver_job *job, struct child_pool *pool,
    struct dreq_hop *hop, int *use_hop)
{
	struct child_ctl *cc;
	struct dreq *req = job->req;
	uint64_t content_len = 0;
	unsigned i, ndone = 0;
	int	memfd = -1, err, pass;
	char	why[1024];

	*use_hop = 0;
	/* dreq_check_queue_file() logs Postfix's own warning. */
	if (dreq_check_queue_file(req, why, sizeof(why)) < 0)
		return (DEL_STAT_DEFER);
	if (qfile_open(&job->qf, req->queue_name, req->queue_id, why,
	    sizeof(why)) < 0) {
		msg_warn("%s: %s", req->queue_id, why);
		return (DEL_STAT_DEFER);
	}
	err = qfile_content_memfd(&job->qf, req->data_offset, req->data_size,
	    &memfd, &content_len, why, sizeof(why));
	if (err == -EUCLEAN)
		return (deliver_unreadable(job, why));
	if (err < 0) {
		msg_warn("%s: reading content: %s", req->queue_id, why);
		return (DEL_STAT_DEFER);
	}

	job->job_id = ++deliver_ctx.next_job_id;
	/* smtp_tls_policy_maps, read at delivery time as smtp(8) does; an
	 * invalid entry defers the job (Postfix MARK_INVALID()). */
	job->tls = job->cfg->tls;
	if ((job->tls_found = tls_policy_lookup(req->nexthop, &job->tls)) < 0) {
		close(memfd);
		deliver_times(job, 0, 0, 0, 0, 0);
		for (i = 0; i < req->rcpt_count; i++) {
			deliver_result_local(&job->rcpt[i].res, TLS_POLICY_DSN,
			    TLS_POLICY_REASON);
			ndone += deliver_outcome(job, i, &job->rcpt[i].res);
		}
		if (ndone == req->rcpt_count)
			return (DEL_STAT_FINAL);
		/* Postfix smtp_connect.c: no server could be tried, a site
		 * failure, which qmgr(8) applies to the destination. */
		deliver_hop(hop, &job->rcpt[0].res);
		*use_hop = 1;
		return (DEL_STAT_DEFER);
	}
	/* The child of this nexthop, and no other (parent/child_pool.c). */
	if ((cc = child_pool_get(pool, req->nexthop, job->why,
	    sizeof(job->why))) == NULL) {
		job->child_broken = 1;
		err = -1;
	} else {
		err = deliver_run_child(job, cc, memfd, content_len);
		/* A broken child is stopped now: only this job is lost. */
		child_pool_put(pool, cc, job->child_broken);
	}
	close(memfd);
	if (err < 0 && !job->child_broken) {
		msg_warn("%s: request refused, deferring all %u recipients: "
		    "%s", req->queue_id, req->rcpt_count, job->why);
		deliver_defer_all(job, "4.3.0", job->why);
	} else if (err < 0) {
		deliver_defer_rest(job);
	} else {
		for (i = 0; i < req->rcpt_count; i++)
			if (!job->rcpt[i].reported)
				job->rcpt[i].res = job->site;
	}

	/* What is left: the stamps of DONE (none when it did not come). */
	deliver_times(job, job->done.reuse_count,
	    job->done.conn_setup_done_sec, job->done.conn_setup_done_usec,
	    job->done.deliver_done_sec, job->done.deliver_done_usec);
	pass = job->have_site && (job->site.flags & IPC_RF_LOOPS_BACK) &&
	    cfg_has(job->cfg->best_mx_transport);
	for (i = 0; i < req->rcpt_count; i++) {
		if (job->rcpt[i].reported)
			ndone += job->rcpt[i].done;
		else if (pass)
			ndone += deliver_pass(job, i);
		else
			ndone += deliver_outcome(job, i, &job->rcpt[i].res);
	}
	if (err == 0)
		notice_post_all(&job->notices, job->cfg, req->sender);
	if (ndone == req->rcpt_count)
		return (DEL_STAT_FINAL);
	if (!pass && job->have_site && job->site.status[0] == '4') {
		deliver_hop(hop, &job->site);
		*use_hop = 1;
	}
	return (DEL_STAT_DEFER);
}

int
deliver_serve(int rfd, int wfd, const struct sj_config *cfg,
    struct child_pool *pool)
{
	struct deliver_job job;
	struct dreq req;
	struct dreq_hop hop;
	char	why[1024];
	int	err, status, use_hop = 0;

	if (dreq_greet(wfd, (int)cfg->ipc_timeout) < 0)
		return (0);		/* qmgr went away: nothing to do */
	memset(&req, 0, sizeof(req));
	/* The first byte may take forever (qmgr decides); dreq_read()
	 * bounds the rest by $ipc_timeout and logs what went wrong. */
	err = dreq_read(rfd, &req, (int)cfg->ipc_timeout, why, sizeof(why));
	if (err == -ECONNRESET)
		return (0);
	if (err < 0) {
		(void)dreq_reply(wfd, NULL, DEL_STAT_DEFER,
		    (int)cfg->ipc_timeout);
		dreq_free(&req);
		return (0);
	}
	memset(&job, 0, sizeof(job));
	job.cfg = cfg;
	job.req = &req;
	job.qf.fd = -1;
	if ((job.rcpt = calloc(req.rcpt_count, sizeof(*job.rcpt))) == NULL)
		msg_fatal("calloc %u recipients: %s", req.rcpt_count,
		    strerror(errno));
	status = deliver_request(&job, pool, &hop, &use_hop);
	broker_job_end();
	notice_free(&job.notices);
	if (job.qf.fd >= 0)
		qfile_close(&job.qf);
	if (dreq_reply(wfd, use_hop ? &hop : NULL, status,
	    (int)cfg->ipc_timeout) < 0)
		msg_warn("%s: cannot send the delivery status to qmgr",
		    req.queue_id);
	free(job.rcpt);
	free(job.map);
	generic_map_rcpts_free(job.rw, job.nmap);
	dreq_free(&req);
	return (child_pool_broken(pool) ? -1 : 0);
}

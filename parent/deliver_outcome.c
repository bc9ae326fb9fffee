/*
 * NAME
 *	deliver_outcome 3
 * SUMMARY
 *	one recipient's result acted on: services, log, queue-file mark
 * DESCRIPTION
 *	deliver_outcome(): each recipient goes the way Postfix 3.7's
 *	smtp(8) sends it
 *	(src/smtp/smtp_rcpt.c, smtp_trouble.c; src/global/sent.c,
 *	defer.c, bounce.c):
 *	sent (trace where asked, log, mark done when the request says so),
 *	deferred (defer service, log), bounced (bounce service, log, mark
 *	done only when bounce(8) accepted it; soft_bounce turns it into a
 *	deferral), after smtp_delivery_status_filter. A required service
 *	call that fails sends the recipient down the defer path with 4.3.0.
 *
 *	deliver_arrived() does it when a checked result arrives, with the
 *	child's stamps of the session that decided it (deliver_times(),
 *	the request's MSG_STATS for conn_use= and delays=).
 * SECURITY
 *	Parent. The result was checked by parent/deliver_child.c (or made
 *	here); the services are trusted. Only the type byte at a recipient
 *	offset from qmgr's request is ever written, never an offset from
 *	the child.
 * SEE ALSO
 *	parent/deliver.c, parent/svc_client.c (svc_route), parent/qfile.c,
 *	parent/log_status.c, parent/dsn_filter.c; Postfix
 *	src/smtp/smtp_rcpt.c, smtp_trouble.c, src/global/sent.c, defer.c,
 *	bounce.c, deliver_completed.c
 */
#include <stdio.h>
#include <string.h>
#include <sys/time.h>

#include "deliver_job.h"
#include "dreq.h"
#include "dsn_filter.h"
#include "log_status.h"
#include "msg.h"
#include "qfile.h"
#include "sj_match.h"
#include "svc_client.h"

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
void
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
int
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
void
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

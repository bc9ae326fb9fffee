/*
 * NAME
 *	deliver 3
 * SUMMARY
 *	one qmgr delivery request, from greeting to final reply
 * DESCRIPTION
 *	Reads the request (parent/dreq.c), opens and locks the queue file,
 *	decodes the content into a sealed memfd (parent/qfile.c), hands
 *	the job to the child and collects its checked results until DONE
 *	(parent/deliver_child.c), and acts on each recipient's result
 *	(parent/deliver_outcome.c).
 *
 *	A SITE_RESULT applies at DONE to every recipient
 *	without a result. If the child breaks the protocol, dies or passes
 *	the job deadline, every recipient without a result is deferred
 *	(when in doubt, defer).
 *	The job goes to the child of the request's nexthop
 *	(parent/child_pool.c); a broken child is stopped and ends only
 *	its own job: the next request gets a fresh one. A recipient the
 *	child's site result sends back to us (we are the best MX) goes to
 *	$best_mx_transport; content with a bad record fails as stock
 *	smtp(8) fails it.
 *
 *	The reply is FINAL only when every recipient was marked
 *	done or bounced-and-recorded; anything else is DEFER. A site
 *	failure that deferred the request goes into the hop status.
 * SECURITY
 *	Parent. qmgr, the queue file and the bounce services are trusted;
 *	every result from the child is hostile and checked by
 *	parent/deliver_child.c beyond the decoder's checks.
 * SEE ALSO
 *	parent/deliver_child.c, parent/deliver_outcome.c, parent/dreq.c,
 *	parent/svc_client.c, parent/child_ctl.c,
 *	SECURITY.md; Postfix src/smtp/smtp_rcpt.c, smtp_trouble.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "broker.h"
#include "deliver.h"
#include "deliver_job.h"
#include "dreq.h"
#include "generic_map.h"
#include "msg.h"
#include "notice.h"
#include "pass.h"
#include "qfile.h"
#include "sj_text.h"
#include "tls_policy.h"

/* The parent's context for job numbering. */
static struct deliver_ctx {
	uint32_t next_job_id;
} deliver_ctx;

void
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


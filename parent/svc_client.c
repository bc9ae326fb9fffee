/*
 * NAME
 *	svc_client 3
 * SUMMARY
 *	clients of bounce/defer/trace, verify(8) and flush(8); which to call
 * DESCRIPTION
 *	A delivery agent reports every recipient's outcome to Postfix's
 *	status services before it may tell qmgr that the recipient is
 *	finished. Each report is one connection (Postfix
 *	src/global/mail_command_client.c): connect to <dir>/<service>
 *	(e.g. "private/bounce"), check the service's greeting, send one
 *	attr0 list, read "status", close.
 *	The request bytes are those of Postfix's bounce_append(),
 *	defer_append(), trace_append() (APPEND: nrequest, flags, queue_id,
 *	the rcpt_print() block, the dsn_print() block), verify_clnt_update()
 *	and flush_add(). The status reply is read STRICT for bounce and
 *	flush (Postfix's mail_command_client()) and MISSING-only for verify
 *	(verify_clnt_update()).
 *
 *	svc_route() reproduces the decisions that Postfix's sent(),
 *	defer_append(), bounce_append(), trace_append() and verify_append()
 *	make for smtp(8) (src/global/sent.c, defer.c, bounce.c,
 *	trace.c, verify.c; src/smtp/smtp_rcpt.c): which services, which
 *	DSN action, what the log line says, whether the recipient may be
 *	marked done, and what the request's reply must be. It is a pure
 *	function, so the whole table is unit-tested. The rules that keep
 *	mail safe:
 *
 *	- a deferral never marks a recipient done and always makes the
 *	  request DEFER (also with soft_bounce), except for address probes
 *	  (MTA_VRFY, USR_VRFY), which Postfix completes once the verify or
 *	  trace service accepted the result;
 *	- a bounce marks the recipient done only if bounce(8) (and trace,
 *	  with sendmail -v) accepted the record; otherwise it becomes a
 *	  4.3.0 deferral;
 *	- a success marks the recipient done only if every trace record it
 *	  needs was accepted and the request has DEL_REQ_FLAG_SUCCESS;
 *	  a failed trace turns it into a 4.3.0 deferral.
 *
 *	Not reproduced: $smtp_delivery_status_filter (Postfix 3.0+, empty
 *	by default), and verify_clnt_update()'s retry-forever loop (we
 *	report the failure; the recipient is deferred).
 * SECURITY
 *	Parent. The services are Postfix daemons (trusted). Everything
 *	sent is built in a bounded buffer; the reply is one bounded int.
 * SEE ALSO
 *	parent/attr.c; Postfix src/global/bounce.c, defer.c, trace.c,
 *	sent.c, verify.c, verify_clnt.c, flush_clnt.c, rcpt_print.c,
 *	dsn_print.c, mail_command_client.c;
 *	src/smtp/smtp_rcpt.c, smtp_trouble.c (behaviour, no code copied)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "attr.h"
#include "msg.h"
#include "sj_limits.h"
#include "sj_text.h"
#include "svc_client.h"

/* "private/bounce" and friends. */
#define SVC_NAME_MAX	108	/* sizeof(sun_path) */
#define SVC_SHOW_MAX	100

/* ------------------------------------------------------------------ */
/* Connection plumbing                                                 */

int
svc_connect(const char *svc_dir, const char *service, int timeout,
    char *name, size_t namesz, char *why, size_t whysz)
{
	struct sockaddr_un sa;
	struct timeval tv;
	int	fd, e;

	if (svc_dir == NULL || service == NULL || *svc_dir == '\0' ||
	    *service == '\0' || strchr(service, '/') != NULL) {
		snprintf(name, namesz, "(bad service name)");
		snprintf(why, whysz, "bad service directory or name");
		return (-EINVAL);
	}
	if ((size_t)snprintf(name, namesz, "%s/%s", svc_dir, service) >=
	    namesz || strlen(name) >= sizeof(sa.sun_path)) {
		snprintf(why, whysz, "service path %.50s/%.50s too long",
		    svc_dir, service);
		return (-ENAMETOOLONG);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, name, strlen(name) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		e = errno;
		snprintf(why, whysz, "connect to %s: socket: %s", name,
		    strerror(e));
		msg_warn("%s", why);
		return (-e);
	}
	/* A UNIX connect() waits for backlog room up to SO_SNDTIMEO. */
	if (timeout > 0) {
		tv.tv_sec = timeout;
		tv.tv_usec = 0;
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		e = errno;
		if (e == EAGAIN || e == EINPROGRESS)
			e = ETIMEDOUT;
		(void)close(fd);
		snprintf(why, whysz, "connect to %s: %s", name, strerror(e));
		msg_warn("%s", why);
		return (-e);
	}
	return (fd);
}

int
svc_open(const char *svc_dir, const char *service, int timeout,
    struct attr_stream *s, char *path, size_t pathsz, char *why,
    size_t whysz)
{
	char	name[SVC_NAME_MAX + 16];
	int	fd, err;

	if ((fd = svc_connect(svc_dir, service, timeout, name, sizeof(name),
	    why, whysz)) < 0)
		return (fd);
	snprintf(path, pathsz, "%s socket", name);
	if ((err = attr_stream_init(s, fd, path, timeout)) < 0) {
		snprintf(why, whysz, "%s: %s", path, strerror(-err));
		(void)close(fd);
		return (err);
	}
	return (fd);
}

/*
 * One exchange: greeting, request, status. status_flags is the
 * strictness of the status read. Returns 0 with *status, or <0.
 */
static int
svc_exchange(const char *svc_dir, const char *service, const char *proto,
    struct attr_out *req, int status_flags, int *status, int timeout,
    char *why, size_t whysz)
{
	char	path[SVC_NAME_MAX + 32];
	struct attr_stream s;
	struct attr_spec sp = { .type = ATTR_TYPE_INT, .name = "status" };
	unsigned v = 0;
	int	fd, err;

	*status = -1;
	if (req->err != 0) {
		snprintf(why, whysz, "request to %.50s/%.50s not built: %s",
		    svc_dir, service, strerror(-req->err));
		msg_warn("%s", why);
		return (req->err);
	}
	if ((fd = svc_open(svc_dir, service, timeout, &s, path, sizeof(path),
	    why, whysz)) < 0)
		return (fd);
	if ((err = attr_greet_read(&s, proto)) < 0) {
		snprintf(why, whysz, "read %s: %s", path,
		    s.err[0] ? s.err : strerror(-err));
		msg_warn("read %s: %s", path, strerror(-err));
	} else if ((err = attr_out_write(req, fd, timeout)) < 0) {
		snprintf(why, whysz, "write %s: %s", path, strerror(-err));
		msg_warn("%s", why);
	} else {
		sp.out.u = &v;
		if ((err = attr_scan(&s, status_flags, &sp, 1)) < 0) {
			snprintf(why, whysz, "write/read %s: %s", path,
			    s.err[0] ? s.err : strerror(-err));
			msg_warn("write/read %s: %s", path, strerror(-err));
		} else {
			/* Sent as %u: 4294967295 is -1. */
			*status = (int)v;
		}
	}
	attr_stream_free(&s);
	(void)close(fd);
	/* A reply value over its bound is a protocol error. */
	return (err == -ENOSPC ? -EBADMSG : err);
}

/* ------------------------------------------------------------------ */
/* bounce / defer / trace                                              */

#define S(p)	((p) != NULL ? (p) : "")

int
svc_bounce_append(const char *svc_dir, const char *service,
    unsigned trace_flags, const char *queue_id, const struct svc_rcpt *rcpt,
    const struct svc_dsn *dsn, int timeout, char *why, size_t whysz)
{
	struct attr_out o;
	int	err, status;

	if (queue_id == NULL || rcpt == NULL || dsn == NULL ||
	    rcpt->address == NULL) {
		snprintf(why, whysz, "%s: incomplete APPEND request",
		    S(service));
		return (-EINVAL);
	}
	if ((err = attr_out_init(&o, SVC_REQUEST_MAX)) < 0) {
		snprintf(why, whysz, "%s: %s", S(service), strerror(-err));
		return (err);
	}
	attr_put_int(&o, "nrequest", BOUNCE_CMD_APPEND);
	attr_put_int(&o, "flags", (int)DEL_REQ_TRACE_FLAGS(trace_flags));
	attr_put_str(&o, "queue_id", queue_id);
	/* rcpt_print() */
	attr_put_str(&o, "original_recipient", S(rcpt->orig_addr));
	attr_put_str(&o, "recipient", rcpt->address);
	attr_put_long(&o, "offset", rcpt->offset);
	attr_put_str(&o, "dsn_orig_rcpt", S(rcpt->dsn_orcpt));
	attr_put_int(&o, "notify_flags", (int)rcpt->notify);
	/* dsn_print() */
	attr_put_str(&o, "status", S(dsn->status));
	attr_put_str(&o, "diag_type", S(dsn->dtype));
	attr_put_str(&o, "diag_text", S(dsn->dtext));
	attr_put_str(&o, "mta_type", S(dsn->mtype));
	attr_put_str(&o, "mta_mname", S(dsn->mname));
	attr_put_str(&o, "action", S(dsn->action));
	attr_put_str(&o, "reason", S(dsn->reason));
	attr_put_end(&o);
	err = svc_exchange(svc_dir, service, SVC_PROTO_BOUNCE, &o,
	    ATTR_FLAG_STRICT, &status, timeout, why, whysz);
	attr_out_free(&o);
	if (err < 0)
		return (err);
	if (status != 0) {
		snprintf(why, whysz, "%s/%s: service answered status %d",
		    svc_dir, service, status);
		return (-EPROTO);
	}
	return (0);
}

/* ------------------------------------------------------------------ */
/* verify                                                              */

int
svc_verify_update(const char *svc_dir, const char *service,
    const char *addr, int rcpt_status, const char *reason, int timeout,
    char *why, size_t whysz)
{
	struct attr_out o;
	int	err, status;

	if (addr == NULL) {
		snprintf(why, whysz, "%s: no address to update", S(service));
		return (-EINVAL);
	}
	if ((err = attr_out_init(&o, SVC_REQUEST_MAX)) < 0) {
		snprintf(why, whysz, "%s: %s", S(service), strerror(-err));
		return (err);
	}
	attr_put_str(&o, "request", "update");
	attr_put_str(&o, "address", addr);
	attr_put_int(&o, "recipient_status", rcpt_status);
	attr_put_str(&o, "reason", S(reason));
	attr_put_end(&o);
	err = svc_exchange(svc_dir, service, SVC_PROTO_VERIFY, &o,
	    ATTR_FLAG_MISSING, &status, timeout, why, whysz);
	attr_out_free(&o);
	if (err < 0)
		return (err);
	if (status != VRFY_STAT_OK) {
		snprintf(why, whysz, "%s/%s: service answered status %d",
		    svc_dir, service, status);
		return (-EPROTO);
	}
	return (0);
}

int
svc_verify_rcpt(const char *svc_dir, const char *service,
    const struct svc_rcpt *rcpt, int rcpt_status, const char *reason,
    int timeout, char *why, size_t whysz)
{
	const char *orig = S(rcpt->orig_addr);
	int	err;

	if (rcpt->address == NULL) {
		snprintf(why, whysz, "%s: no address to update", S(service));
		return (-EINVAL);
	}
	/* Two updates for one probe: the original and the final address. */
	if (*orig != '\0' && (err = svc_verify_update(svc_dir, service, orig,
	    rcpt_status, reason, timeout, why, whysz)) < 0)
		return (err);
	if (strcmp(rcpt->address, orig) != 0)
		return (svc_verify_update(svc_dir, service, rcpt->address,
		    rcpt_status, reason, timeout, why, whysz));
	return (0);
}

/* ------------------------------------------------------------------ */
/* flush                                                               */

int
svc_flush_add(const char *svc_dir, const char *service, const char *site,
    const char *queue_id, int timeout, int *flush_status, char *why,
    size_t whysz)
{
	struct attr_out o;
	int	err;

	*flush_status = FLUSH_STAT_FAIL;
	if (site == NULL || queue_id == NULL) {
		snprintf(why, whysz, "%s: incomplete add request", S(service));
		return (-EINVAL);
	}
	if ((err = attr_out_init(&o, SVC_REQUEST_MAX)) < 0) {
		snprintf(why, whysz, "%s: %s", S(service), strerror(-err));
		return (err);
	}
	attr_put_str(&o, "request", "add");
	attr_put_str(&o, "site", site);
	attr_put_str(&o, "queue_id", queue_id);
	attr_put_end(&o);
	err = svc_exchange(svc_dir, service, SVC_PROTO_FLUSH, &o,
	    ATTR_FLAG_STRICT, flush_status, timeout, why, whysz);
	attr_out_free(&o);
	return (err);
}

/* ------------------------------------------------------------------ */
/* Decision table                                                      */

static void
svc_route_add(struct svc_route *r, enum svc_call call, int required)
{
	if (r->nstep >= SVC_ROUTE_STEPS_MAX)
		msg_panic("svc_route: more than %d steps", SVC_ROUTE_STEPS_MAX);
	r->step[r->nstep].call = call;
	r->step[r->nstep].required = required;
	r->nstep++;
}

/* Address probes: verify(8) for MTA_VRFY, trace for USR_VRFY (sent.c). */
static void
svc_route_probe(struct svc_route *r, unsigned req_flags, int outcome,
    int verify_neg_cache)
{
	r->action = outcome == SVC_OUT_SENT ? "deliverable" : "undeliverable";
	r->log_status = r->action;
	/* smtp_rcpt_done() marks a success only with FLAG_SUCCESS;
	 * smtp_trouble.c marks a probe's failure whenever the report
	 * went through (the probe file is thrown away anyway). */
	r->done_if_ok = outcome == SVC_OUT_SENT ?
	    (req_flags & DEL_REQ_FLAG_SUCCESS) != 0 : 1;
	r->status_if_ok = DEL_STAT_FINAL;
	r->fallback = SVC_FALLBACK_NONE;
	if (req_flags & DEL_REQ_FLAG_MTA_VRFY) {
		r->verify_status = outcome == SVC_OUT_SENT ? DEL_RCPT_STAT_OK :
		    outcome == SVC_OUT_DEFER ? DEL_RCPT_STAT_DEFER :
		    DEL_RCPT_STAT_BOUNCE;
		if (outcome != SVC_OUT_SENT && !verify_neg_cache) {
			/* Nothing is cached; Postfix counts it as OK. */
			r->action = "undeliverable-but-not-cached";
			r->log_status = r->action;
			r->verify_status = -1;
			return;
		}
		svc_route_add(r, SVC_CALL_VERIFY, 1);
	} else {
		svc_route_add(r, SVC_CALL_TRACE, 1);
	}
}

int
svc_route(unsigned req_flags, int outcome, int soft_bounce,
    int verify_neg_cache, int remote_dsn, unsigned notify,
    struct svc_route *r)
{
	memset(r, 0, sizeof(*r));
	r->verify_status = -1;
	r->notify = notify;
	r->status_if_ok = DEL_STAT_DEFER;
	if (outcome != SVC_OUT_SENT && outcome != SVC_OUT_DEFER &&
	    outcome != SVC_OUT_BOUNCE)
		return (-EINVAL);
	r->dsn_class = outcome;

	if (outcome == SVC_OUT_SENT) {
		/* The remote MTA took over DSN SUCCESS (smtp_rcpt_done). */
		if (remote_dsn)
			r->notify &= ~(unsigned)DSN_NOTIFY_SUCCESS;
		if (DEL_REQ_TRACE_ONLY(req_flags)) {
			svc_route_probe(r, req_flags, outcome, 1);
			return (0);
		}
		r->action = "relayed";
		r->log_status = "sent";
		if ((req_flags & DEL_REQ_FLAG_RECORD) ||
		    ((req_flags & DEL_REQ_FLAG_REC_DLY_SENT) &&
		    (r->notify == 0 || (r->notify & DSN_NOTIFY_DELAY))))
			svc_route_add(r, SVC_CALL_TRACE, 1);
		if (r->notify & DSN_NOTIFY_SUCCESS)
			svc_route_add(r, SVC_CALL_TRACE, 1);
		r->done_if_ok = (req_flags & DEL_REQ_FLAG_SUCCESS) != 0;
		r->status_if_ok = DEL_STAT_FINAL;
		r->fallback = SVC_FALLBACK_TRACE;
		return (0);
	}
	if (DEL_REQ_TRACE_ONLY(req_flags)) {
		svc_route_probe(r, req_flags, outcome, verify_neg_cache);
		return (0);
	}
	if (outcome == SVC_OUT_DEFER) {
		r->action = "delayed";
		r->log_status = "deferred";
		r->log_always = 1;
		svc_route_add(r, SVC_CALL_DEFER, 0);
		if (req_flags & DEL_REQ_FLAG_RECORD)
			svc_route_add(r, SVC_CALL_TRACE, 0);
		r->flush = 1;
		r->done_if_ok = 0;
		r->status_if_ok = DEL_STAT_DEFER;
		r->fallback = SVC_FALLBACK_NONE;
		return (0);
	}
	/* Bounce. */
	if (soft_bounce) {
		r->dsn_class = SVC_OUT_DEFER;
		r->action = "delayed";
		r->log_status = "SOFTBOUNCE";
		svc_route_add(r, SVC_CALL_DEFER, 1);
		r->done_if_ok = 0;
		r->status_if_ok = DEL_STAT_DEFER;
	} else {
		r->action = "failed";
		r->log_status = "bounced";
		svc_route_add(r, SVC_CALL_BOUNCE, 1);
		r->done_if_ok = 1;
		r->status_if_ok = DEL_STAT_FINAL;
	}
	if (req_flags & DEL_REQ_FLAG_RECORD)
		svc_route_add(r, SVC_CALL_TRACE, 1);
	r->fallback = SVC_FALLBACK_BOUNCE;
	return (0);
}

int
svc_route_done(const struct svc_route *r, int ok)
{
	return (ok && r->done_if_ok ? 1 : 0);
}

int
svc_route_status(const struct svc_route *r, int ok)
{
	return (ok && r->status_if_ok == DEL_STAT_FINAL ? DEL_STAT_FINAL :
	    DEL_STAT_DEFER);
}

int
svc_fallback_reason(char *out, size_t outsz, enum svc_fallback fb,
    const char *queue_id, const char *bounce_service,
    const char *trace_service)
{
	int	n;

	switch (fb) {
	case SVC_FALLBACK_TRACE:
		n = snprintf(out, outsz, "%s: %s service failed", S(queue_id),
		    S(trace_service));
		break;
	case SVC_FALLBACK_BOUNCE:
		n = snprintf(out, outsz, "%s or %s service failure",
		    S(bounce_service), S(trace_service));
		break;
	default:
		if (outsz > 0)
			out[0] = '\0';
		return (-EINVAL);
	}
	return (n < 0 || (size_t)n >= outsz ? -ENOSPC : 0);
}

int
svc_dsn_status(char *out, size_t outsz, const char *status, int outcome,
    int dsn_class)
{
	static const char *const who[] = {
		[SVC_OUT_SENT] = "sent",
		[SVC_OUT_DEFER] = "defer_append",
		[SVC_OUT_BOUNCE] = "bounce_append",
	};
	char	show[SVC_SHOW_MAX + 1];
	int	replaced = 0;

	if ((outcome != SVC_OUT_SENT && outcome != SVC_OUT_DEFER &&
	    outcome != SVC_OUT_BOUNCE) || (dsn_class != SVC_OUT_SENT &&
	    dsn_class != SVC_OUT_DEFER && dsn_class != SVC_OUT_BOUNCE) ||
	    outsz < SJ_DSN_STATUS_MAX + 1)
		return (-EINVAL);
	if (status == NULL || status[0] != '0' + outcome ||
	    strlen(status) > SJ_DSN_STATUS_MAX ||
	    !sj_text_is_dsn_status(status)) {
		size_t	len = status != NULL ? strlen(status) : 0;

		sj_text_censor(show, sizeof(show), S(status),
		    len > SVC_SHOW_MAX ? SVC_SHOW_MAX : len);
		msg_warn("%s: ignoring dsn code \"%s\"", who[outcome], show);
		snprintf(out, outsz, "%d.0.0", outcome);
		replaced = 1;
	} else {
		memcpy(out, status, strlen(status) + 1);
	}
	out[0] = (char)('0' + dsn_class);
	return (replaced);
}

int
svc_trace_reason(char *out, size_t outsz, const char *relay,
    const char *reason)
{
	int	n;

	if (outsz == 0)
		return (-ENOSPC);
	if (relay == NULL || strcmp(relay, SVC_NO_RELAY) == 0)
		n = snprintf(out, outsz, "%s", S(reason));
	else
		n = snprintf(out, outsz, "delivery via %s: %s", relay,
		    S(reason));
	return (n < 0 || (size_t)n >= outsz ? -ENOSPC : 0);
}

/*
 * NAME
 *	svc_client.h 3h
 * SUMMARY
 *	clients of bounce/defer/trace, verify(8) and flush(8); which to call
 * DESCRIPTION
 *	See parent/svc_client.c.
 *
 *	svc_route() is the decision table of Postfix 3.7's sent(),
 *	defer_append() and bounce_append() as smtp(8) calls them
 *	(src/global/sent.c, defer.c, bounce.c; src/smtp/smtp_rcpt.c,
 *	smtp_trouble.c): for one recipient and
 *	one outcome (delivered, deferred, bounced) it says which services
 *	to call, with which DSN action, and - the part that decides
 *	whether mail can be lost - whether the recipient may be marked
 *	done ('D') and what it contributes to the reply to qmgr. The
 *	caller runs the steps in order with the svc_*() clients, stops at
 *	the first failed required step, and then asks svc_route_done()
 *	and svc_route_status(). A recipient is marked done only if
 *	svc_route_done() says 1 (and the write of 'D' succeeded); the
 *	request may be FINAL only if every recipient's svc_route_status()
 *	was DEL_STAT_FINAL.
 */
#ifndef SVC_CLIENT_H
#define SVC_CLIENT_H

#include <stddef.h>

#include "dreq.h"

struct attr_stream;		/* parent/attr.h */

/* Greetings of the services (src/global/mail_proto.h; "prrotocol" sic). */
#define SVC_PROTO_BOUNCE	"delivery_status_protocol"
#define SVC_PROTO_VERIFY	"address_verification_prrotocol"
#define SVC_PROTO_FLUSH		"queue_flush_protocol"

/* Socket directories relative to $queue_directory (mail_proto.h). */
/* bounce, defer, trace, verify */
#define SVC_DIR_PRIVATE		"private"
#define SVC_DIR_PUBLIC		"public"	/* flush */

/* bounce(8) commands; an agent only sends APPEND. */
#define BOUNCE_CMD_APPEND	0

/* DSN NOTIFY bits in notify_flags (src/global/dsn_mask.h). */
#define DSN_NOTIFY_NEVER	(1 << 0)
#define DSN_NOTIFY_SUCCESS	(1 << 1)
#define DSN_NOTIFY_FAILURE	(1 << 2)
#define DSN_NOTIFY_DELAY	(1 << 3)

/* recipient_status of a verify(8) update (global/deliver_request.h). */
#define DEL_RCPT_STAT_OK	0
#define DEL_RCPT_STAT_DEFER	1
#define DEL_RCPT_STAT_BOUNCE	2

/* verify(8) and flush(8) reply status values. */
#define VRFY_STAT_OK		0
#define VRFY_STAT_FAIL		(-1)
#define VRFY_STAT_BAD		(-2)
#define FLUSH_STAT_FAIL		(-1)
#define FLUSH_STAT_OK		0
#define FLUSH_STAT_BAD		3
#define FLUSH_STAT_DENY		4

/* One APPEND request: 15 attributes, a few kB at most. */
#define SVC_REQUEST_MAX		(16 * 1024)

/* Postfix's relay name when no server was involved (NO_RELAY_AGENT). */
#define SVC_NO_RELAY		"none"

/* The recipient block of an APPEND (rcpt_print order). */
struct svc_rcpt {
	const char *orig_addr;	/* original_recipient, may be "" */
	const char *address;	/* recipient */
	long	offset;		/* from the request */
	const char *dsn_orcpt;	/* dsn_orig_rcpt, may be "" */
	unsigned notify;	/* notify_flags, as svc_route() says */
};

/* The DSN block of an APPEND (dsn_print order: status, dtype, dtext,
 * mtype, mname, action, reason). NULL fields are sent as "". */
struct svc_dsn {
	const char *status;	/* RFC 3463 "c.s.d" */
	const char *action;	/* failed, delayed, relayed, deliverable, ... */
	const char *reason;	/* as in the log, in parentheses */
	const char *dtype;	/* diag_type: "smtp" or "" */
	const char *dtext;	/* diag_text: the server reply or "" */
	const char *mtype;	/* mta_type: "dns" or "" */
	const char *mname;	/* mta_mname: remote MTA or "" */
};

/*
 * Every client connects to "<svc_dir>/<service>" relative to the
 * current directory ($queue_directory, or "/" after chroot), checks the
 * greeting, sends one request, reads "status" and closes. Each wait is
 * limited to timeout seconds ($ipc_timeout). Failures log Postfix's
 * warnings ("connect to private/bounce: %m", "read private/bounce
 * socket: %m", "write ...", "write/read ...") and fill why[].
 */

/*
 * APPEND to bounce, defer or trace (Postfix src/global/bounce.c,
 * defer.c, trace.c). trace_flags is masked with
 * DEL_REQ_TRACE_FLAGS_MASK (bits 0 and 1 are bounce(8) control bits
 * that an agent must leave clear). For a trace APPEND pass a reason
 * built with svc_trace_reason(). Returns 0 only if the service answered
 * status 0; -EPROTO if it answered another status; else a negative
 * errno (-ENOENT/-ECONNREFUSED connect, -EBADMSG protocol, -ETIMEDOUT,
 * -EPIPE, -ENOSPC request too large, -ENAMETOOLONG path).
 */
/*
 * Connects to <svc_dir>/<service> (relative to the queue directory);
 * name[] gets that path. The descriptor, or -errno with why[] (also
 * logged as a warning).
 */
int	svc_connect(const char *svc_dir, const char *service, int timeout,
	    char *name, size_t namesz, char *why, size_t whysz);

/*
 * svc_connect() and a reader on the connection; path[] gets
 * "<svc_dir>/<service> socket" (the name in Postfix's warnings). The
 * descriptor (caller closes it and frees *s), or -errno with why[].
 */
int	svc_open(const char *svc_dir, const char *service, int timeout,
	    struct attr_stream *, char *path, size_t pathsz, char *why,
	    size_t whysz);

int	svc_bounce_append(const char *svc_dir, const char *service,
	    unsigned trace_flags, const char *queue_id,
	    const struct svc_rcpt *, const struct svc_dsn *, int timeout,
	    char *why, size_t whysz);

/*
 * One verify(8) update (src/global/verify_clnt.c): "request update
 * address <addr> recipient_status <n> reason <text>". Returns 0 only if
 * verify answered VRFY_STAT_OK; -EPROTO otherwise (why[] has the
 * status). Unlike Postfix's client this does not retry forever: the
 * caller defers instead.
 */
int	svc_verify_update(const char *svc_dir, const char *service,
	    const char *addr, int rcpt_status, const char *reason, int timeout,
	    char *why, size_t whysz);

/*
 * Postfix's verify_append() updates: original_recipient when it is
 * not empty, then recipient when it differs; stops at the first
 * failure. Returns 0 when all that were sent succeeded.
 */
int	svc_verify_rcpt(const char *svc_dir, const char *service,
	    const struct svc_rcpt *, int rcpt_status, const char *reason,
	    int timeout, char *why, size_t whysz);

/*
 * flush(8) "add" (src/global/flush_clnt.c): "request add site <domain>
 * queue_id <qid>". The caller checks $fast_flush_domains first. Returns
 * 0 when flush answered, with its FLUSH_STAT_* in *flush_status; else a
 * negative errno. Postfix treats OK and DENY as fine and only warns
 * otherwise.
 */
int	svc_flush_add(const char *svc_dir, const char *service,
	    const char *site, const char *queue_id, int timeout,
	    int *flush_status, char *why, size_t whysz);

/* ------------------------------------------------------------------ */
/* Which service for which outcome (global/sent.c, defer.c, bounce.c)  */

/* Outcome classes, by the first digit of the DSN status. */
#define SVC_OUT_SENT		2
#define SVC_OUT_DEFER		4
#define SVC_OUT_BOUNCE		5

enum svc_call {
	SVC_CALL_VERIFY,	/* svc_verify_rcpt(), route.verify_status */
	SVC_CALL_TRACE,		/* APPEND to $trace_service_name */
	SVC_CALL_BOUNCE,	/* APPEND to $bounce_service_name */
	SVC_CALL_DEFER,		/* APPEND to $defer_service_name */
};

/* What replaces the outcome when a required step fails. */
enum svc_fallback {
	SVC_FALLBACK_NONE,	/* nothing: recipient not done, DEFER */
	/* defer: 4.3.0 "<qid>: <trace> service failed" */
	SVC_FALLBACK_TRACE,
	SVC_FALLBACK_BOUNCE,	/* defer: 4.3.0 "<bounce> or <trace> service
				 * failure" */
};

#define SVC_ROUTE_STEPS_MAX	2

struct svc_step {
	enum svc_call call;
	int	required;	/* 1: failure = fallback; 0: warn only */
};

struct svc_route {
	int	dsn_class;	/* first digit of the status sent (soft_bounce
				 * turns 5 into 4) */
	const char *action;	/* DSN action of every step */
	const char *log_status;	/* status= of the log line */
	int	log_always;	/* log even if a step failed (defer) */
	unsigned notify;	/* notify_flags to send in the APPENDs */
	int	verify_status;	/* DEL_RCPT_STAT_* for SVC_CALL_VERIFY, -1 */
	int	nstep;
	struct svc_step step[SVC_ROUTE_STEPS_MAX];
	int	done_if_ok;	/* may mark 'D' if every required step is OK */
	int	status_if_ok;	/* DEL_STAT_FINAL or DEL_STAT_DEFER */
	int	flush;		/* flush(8) "add" afterwards (defer.c) */
	enum svc_fallback fallback;
};

/*
 * The plan for one recipient. req_flags: the request's full flags;
 * outcome: SVC_OUT_*; soft_bounce: $soft_bounce; verify_neg_cache:
 * $address_verify_negative_cache; remote_dsn: the server announced
 * DSN (clears NOTIFY=SUCCESS before a success, as smtp(8) does);
 * notify: the recipient's notify_flags. Returns 0 or -EINVAL.
 */
int	svc_route(unsigned req_flags, int outcome, int soft_bounce,
	    int verify_neg_cache, int remote_dsn, unsigned notify,
	    struct svc_route *);

/* 1 if the recipient may be marked 'D': required steps all OK (ok=1)
 * and the plan allows it. Never for a deferral or a failed step. */
int	svc_route_done(const struct svc_route *, int ok);
/* The recipient's share of the reply: DEL_STAT_FINAL only if ok and
 * the plan allows it; DEL_STAT_DEFER otherwise. */
int	svc_route_status(const struct svc_route *, int ok);

/* The reason of a fallback deferral (status "4.3.0"). */
int	svc_fallback_reason(char *out, size_t outsz, enum svc_fallback,
	    const char *queue_id, const char *bounce_service,
	    const char *trace_service);

/*
 * Postfix's DSN sanity check of sent/defer_append/bounce_append: if
 * status is not a valid RFC 3463 code of class 'outcome', log
 * 'warning: <who>: ignoring dsn code "<status>"' and use "<outcome>.0.0";
 * then set the first digit to 'dsn_class' (soft_bounce). out needs
 * SJ_DSN_STATUS_MAX + 1 bytes. Returns 1 if it replaced the code, 0 if
 * not, -EINVAL for a bad class or buffer.
 */
int	svc_dsn_status(char *out, size_t outsz, const char *status,
	    int outcome, int dsn_class);

/*
 * Postfix's trace_append() reason: "delivery via <relay>: <reason>",
 * or just the reason when relay is NULL or SVC_NO_RELAY. Returns 0, or
 * -ENOSPC when it had to cut the text (out is still terminated).
 */
int	svc_trace_reason(char *out, size_t outsz, const char *relay,
	    const char *reason);

#endif

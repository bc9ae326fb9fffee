/*
 * NAME
 *	notice.h 3h
 * SUMMARY
 *	postmaster notices: session transcripts mailed through cleanup(8)
 * DESCRIPTION
 *	See parent/notice.c and Postfix src/smtp/smtp_chat.c
 *	(smtp_chat_notify()).
 *
 *	During a job parent/deliver_child.c hands every TRANSCRIPT message
 *	from the child to notice_keep(), which checks it and keeps a copy (at
 *	most NOTICE_PER_JOB_MAX per job; one more is refused as a protocol
 *	violation). After the job's outcomes,
 *	notice_post_all() mails each kept transcript whose error classes
 *	are in $notify_classes to $error_notice_recipient, as Postfix's
 *	smtp(8) does, unless the envelope sender is empty or the
 *	double-bounce address. A failure to post is a warning and changes
 *	no recipient's outcome.
 */
#ifndef NOTICE_H
#define NOTICE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

#include "ipc_msg.h"
#include "sj_buf.h"
#include "sj_config.h"

/* Greeting of cleanup(8) (mail_proto.h), then a queue_id attribute. */
#define NOTICE_PROTO_CLEANUP	"cleanup_protocol"
/* Sessions per job whose transcripts are kept (sj_limits.h): more is
 * a child flooding the postmaster, and a protocol violation. */
#define NOTICE_PER_JOB_MAX	SJ_TRANSCRIPT_PER_JOB
/* The records of one notice: headers, the wrapped transcript. */
#define NOTICE_RECORDS_MAX	(4 * SJ_TRANSCRIPT_MAX + 8192)

/* Postfix cleanup_user.h flags sent to cleanup(8). */
#define NOTICE_CLEANUP_FILTER	(1 << 1)	/* CLEANUP_FLAG_FILTER */
#define NOTICE_CLEANUP_MAP_OK	(1 << 5)	/* CLEANUP_FLAG_MAP_OK */
#define NOTICE_CLEANUP_MILTER	(1 << 6)	/* CLEANUP_FLAG_MILTER */
#define NOTICE_CLEANUP_AUTOUTF8	(1 << 9)	/* CLEANUP_FLAG_AUTOUTF8 */

struct notice_set {
	unsigned count;
	struct ipc_transcript *t[NOTICE_PER_JOB_MAX];
};

/* What a notice says besides the transcript. */
struct notice_msg {
	const char *myhostname;
	const char *mail_name;		/* "Postfix" */
	const char *sender;		/* double-bounce@myhostname */
	const char *recipient;		/* $error_notice_recipient */
	const char *queue_id;		/* from cleanup(8)'s greeting */
	int	hfrom_obsolete;		/* header_from_format = obsolete */
	struct timeval now;
	const struct ipc_transcript *t;
};

/*
 * $notify_classes as IPC_TC_* bits (the classes smtp(8) raises:
 * protocol, data); the other Postfix class names are accepted and
 * ignored. 0, or -EINVAL with why[] naming an unknown class.
 */
int	notice_classes(const char *list, uint32_t *mask, char *why,
	    size_t whysz);

/*
 * Checks one TRANSCRIPT from the (untrusted) child against the job and
 * keeps a copy: 0, or -1 with why[] when the child broke the protocol
 * (wrong job, malformed text). A transcript beyond the per-job limit
 * is dropped with a warning, not a violation.
 */
int	notice_keep(struct notice_set *, const struct ipc_transcript *,
	    uint32_t job_id, const char *queue_id, char *why, size_t whysz);

/* Posts what $notify_classes asks for (see above); never fails. */
void	notice_post_all(const struct notice_set *, const struct sj_config *,
	    const char *sender);

void	notice_free(struct notice_set *);

/*
 * Posts one notice through <svc_dir>/<service> (cleanup): 0, or a
 * negative errno with why[]. For tests and notice_post_all().
 */
int	notice_post(const char *svc_dir, const struct sj_config *,
	    const struct ipc_transcript *, char *why, size_t whysz);

/*
 * The records of one notice (queue-file encoding, src/global/record.c,
 * as post_mail.c writes them): T, A log_message_origin, A trace_flags, S,
 * R, M, one N per message line, X, E. 0 or -ENOSPC.
 */
int	notice_records(struct sj_buf *, const struct notice_msg *);

#endif

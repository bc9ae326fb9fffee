/*
 * NAME
 *	dreq.h 3h
 * SUMMARY
 *	the qmgr(8) delivery request: greeting, request, final reply
 * DESCRIPTION
 *	See parent/dreq.c; Postfix src/global/deliver_request.[ch] and
 *	src/qmgr/qmgr_deliver.c.
 *
 *	THE FINAL REPLY DECIDES WHETHER MAIL IS KEPT. qmgr deletes the
 *	queue file when every request of a message comes back FINAL (0),
 *	without looking at the file. So:
 *
 *	    Never reply FINAL (DEL_STAT_FINAL) unless every recipient of
 *	    the request was delivered-and-marked or bounced-and-recorded
 *	    (bounce/trace/verify accepted the record, and the recipient
 *	    was marked 'D' where the rules of svc_route() say so). When in
 *	    doubt, reply DEFER (DEL_STAT_DEFER).
 *
 *	dreq_reply() writes exactly what it is told (any status other
 *	than 0 is sent as DEFER); it cannot check this rule for you.
 *	Put a hop status (struct dreq_hop) only on a DEFER reply for a
 *	failure of the destination as a whole (qmgr_deliver.c takes it
 *	as feedback on the destination); per-recipient failures never go
 *	there.
 */
#ifndef DREQ_H
#define DREQ_H

#include <stddef.h>

#include "msg_stats.h"
#include "sj_limits.h"

/* Request flags, Postfix's names and values (deliver_request.h). */
#define DEL_REQ_FLAG_SUCCESS	(1 << 0)	/* mark successes done */
#define DEL_REQ_FLAG_BOUNCE	(1 << 1)	/* historic, no effect */
#define DEL_REQ_FLAG_MTA_VRFY	(1 << 8)	/* verify(8) address probe */
#define DEL_REQ_FLAG_USR_VRFY	(1 << 9)	/* sendmail -bv */
#define DEL_REQ_FLAG_RECORD	(1 << 10)	/* sendmail -v */
#define DEL_REQ_FLAG_CONN_LOAD	(1 << 11)	/* may use scache */
#define DEL_REQ_FLAG_CONN_STORE	(1 << 12)	/* may fill scache */
#define DEL_REQ_FLAG_REC_DLY_SENT (1 << 13)	/* "delay cleared" notices */

/* Only these bits go to bounce/defer/trace/verify. */
#define DEL_REQ_TRACE_FLAGS_MASK \
	(DEL_REQ_FLAG_MTA_VRFY | DEL_REQ_FLAG_USR_VRFY | DEL_REQ_FLAG_RECORD | \
	 DEL_REQ_FLAG_REC_DLY_SENT)
#define DEL_REQ_TRACE_FLAGS(f)	((f) & DEL_REQ_TRACE_FLAGS_MASK)
/* Do not deliver, only report (address probes). */
#define DEL_REQ_TRACE_ONLY(f) \
	((f) & (DEL_REQ_FLAG_MTA_VRFY | DEL_REQ_FLAG_USR_VRFY))

/* Final reply status (deliver_request.h). */
#define DEL_STAT_FINAL		0	/* every recipient done: see above */
#define DEL_STAT_DEFER		(-1)

/* Greeting qmgr expects from us (MAIL_ATTR_PROTO_DELIVER, mail_proto.h). */
#define DREQ_PROTOCOL		"delivery_request_protocol"

/* "7bit", "8bit", "local", "remote", "SMTP", ports: one short word.
 * Postfix sends nothing longer than 8 bytes here. */
#define DREQ_WORD_MAX		64
/* Informational client attributes (log_client_*, log_helo_name, sasl_*,
 * log_ident): they came from one SMTP command line, which Postfix
 * bounds by $line_length_limit (2048). Refusing longer defers the mail,
 * so the bound is that of an SMTP line, not of a valid value. */
#define DREQ_INFO_MAX		SJ_SMTP_LINE_MAX

struct dreq_rcpt {
	char	*orig_addr;	/* original_recipient, may be "" */
	char	*address;	/* recipient */
	long	offset;		/* R record offset; -1 = nothing to mark */
	char	*dsn_orcpt;	/* dsn_orig_rcpt "type;address", may be "" */
	/* notify_flags: 1 NEVER 2 SUCCESS 4 FAILURE 8 DELAY */
	unsigned notify;
};

struct dreq {
	unsigned flags;				/* DEL_REQ_FLAG_* */
	char	queue_name[SJ_QUEUE_NAME_MAX + 1];	/* [A-Za-z0-9]+ */
	char	queue_id[SJ_QUEUE_ID_MAX + 1];	/* [A-Za-z0-9_]+ */
	long	data_offset;			/* >= 0 */
	long	data_size;			/* >= 0 */
	char	*nexthop;			/* non-empty */
	char	*encoding;			/* "7bit", "8bit" or "" */
	/* smtputf8 (3.7) / sendopts (3.10) */
	unsigned sendopts;
	/* which of the two names came */
	const char *sendopts_name;
	char	*sender;			/* "" for <> */
	char	*dsn_envid;
	unsigned dsn_ret;			/* 0, 1 FULL, 2 HDRS */
	unsigned char time_blob[MSG_STATS_BLOB_LEN];	/* as received */
	struct msg_stats stats;			/* time_blob decoded */
	char	*client_name;			/* log_client_name */
	char	*client_addr;			/* log_client_address */
	char	*client_port;			/* log_client_port */
	char	*client_proto;			/* log_protocol_name */
	char	*client_helo;			/* log_helo_name */
	char	*sasl_method;
	char	*sasl_username;
	char	*sasl_sender;
	char	*log_ident;
	char	*rewrite_context;
	unsigned rcpt_count;			/* 1..SJ_RCPT_MAX */
	struct dreq_rcpt *rcpt;			/* rcpt_count entries */
};

/* The hop status of the final reply (dsn_print.c); NULL fields send "". */
struct dreq_hop {
	const char *status;	/* RFC 3463 code, e.g. "4.4.1" */
	const char *dtype;	/* diag_type: "smtp" or "" */
	const char *dtext;	/* diag_text: server reply or "" */
	const char *mtype;	/* mta_type: "dns" or "" */
	const char *mname;	/* mta_mname: remote MTA name or "" */
	const char *action;	/* "" for a hop status */
	const char *reason;	/* text for qmgr's "delivery temporarily
				 * suspended: ..." */
};

/*
 * Names the service in warnings ("<service> socket", e.g. "smtp
 * socket"); the default is "smtp". Call once at start-up.
 */
void	dreq_set_service(const char *service);

/* Sends "protocol\0delivery_request_protocol\0\0" (36 bytes). */
int	dreq_greet(int fd, int timeout);

/*
 * Reads one request (23 attributes in order, STRICT; "sendopts" is
 * accepted for "smtputf8") and its recipient lists, and validates it.
 * Returns 0 (free it with dreq_free()), -ECONNRESET if qmgr closed the
 * connection without sending anything (reply nothing, no warning), or
 * -EBADMSG (also -ETIMEDOUT, -ENOMEM, -EIO) with why[] naming the
 * problem and a warning logged as smtp(8) would; the caller then
 * replies DEFER with an empty hop status. *req is zeroed first and is
 * safe to dreq_free() after any outcome. The wait for the first byte
 * has no limit, as in Postfix (qmgr writes right after our greeting or
 * closes); every later wait is limited to timeout seconds (<= 0: none).
 * The warnings are logged here: the caller need not log why[] again.
 */
int	dreq_read(int fd, struct dreq *, int timeout, char *why,
	    size_t whysz);
void	dreq_free(struct dreq *);

/*
 * Writes the 8-attribute final reply: hop status (hop == NULL: all
 * empty) and status (0 FINAL; anything else goes out as -1 DEFER).
 * -EINVAL if a hop field exceeds its bound (SJ_DSN_STATUS_MAX,
 * SJ_REPLY_TEXT_MAX, SJ_HOSTNAME_MAX, SJ_REASON_MAX); nothing is
 * written then.
 */
int	dreq_reply(int fd, const struct dreq_hop *hop, int status,
	    int timeout);

/*
 * After the reply, waits (up to timeout) for qmgr to close the
 * connection, as Postfix's deliver_request_final() does, so that the
 * reply is not lost by closing too early. Returns 0 when the peer
 * closed, -ETIMEDOUT, or -EBADMSG if it sent something.
 */
int	dreq_wait_close(int fd, int timeout);

/*
 * Postfix's mail_open_ok() (3.7): lstat of "<queue_name>/<queue_id>"
 * relative to the current directory ($queue_directory). 0 if it is a
 * regular file with owner permissions exactly rwx; -ENOENT missing
 * (no warning, as Postfix); -EPERM not a regular file (warning
 * "<path>: uid N: not a regular file") or not rwx for the owner (not
 * ready, or marked corrupt; no warning); -EINVAL bad names; other
 * -errno from lstat (warning "<path>: %m"). The caller replies DEFER.
 */
int	dreq_check_queue_file(const struct dreq *, char *why, size_t whysz);
/* Same check for a path the caller built (hashed queues, qfile_path()). */
int	dreq_check_queue_path(const char *path, char *why, size_t whysz);

/* Decodes the 88-byte MSG_STATS blob (msg_stats.h; little-endian, LP64). */
void	dreq_stats_decode(struct msg_stats *, const unsigned char *blob);
/* Encodes it back (best_mx_transport forwarding, global/deliver_pass.c). */
void	dreq_stats_encode(unsigned char *blob, const struct msg_stats *);

#endif

/*
 * NAME
 *	log_status.h 3h
 * SUMMARY
 *	text of the per-recipient delivery status log line
 * DESCRIPTION
 *	log_status_format() produces what Postfix 3.7's log_adhoc() logs
 *	after "postfix/smtp[pid]: ", e.g.
 *
 *	ID: to=<rcpt>, orig_to=<orig>, relay=host[addr]:port, conn_use=2,
 *	delay=1.2, delays=0.01/0.01/0.1/1.1, dsn=2.0.0, status=sent (reason)
 *
 *	(one line). Pure formatting: the caller supplies "now". See
 *	parent/log_status.c and Postfix src/global/log_adhoc.c.
 */
#ifndef LOG_STATUS_H
#define LOG_STATUS_H

#include <stddef.h>
#include <sys/time.h>

#include "msg_stats.h"

/* Fits every field at its sj_limits.h maximum, addresses fully quoted. */
#define LOG_STATUS_LINE_MAX	8192

/* Postfix global/mail_params.h: delay_logging_resolution_limit range. */
#define LOG_STATUS_RES_MIN	0
#define LOG_STATUS_RES_MAX	6
#define LOG_STATUS_RES_DEFAULT	2

/* The status= words Postfix 3.7 logs (sent.c, defer.c, bounce.c,
 * verify.c, trace.c). */
enum log_status_word {
	LOG_STATUS_SENT = 0,
	LOG_STATUS_DEFERRED,
	LOG_STATUS_BOUNCED,
	LOG_STATUS_SOFTBOUNCE,		/* bounce with soft_bounce = yes */
	LOG_STATUS_DELIVERABLE,		/* sendmail -bv / address probes */
	LOG_STATUS_UNDELIVERABLE,
	LOG_STATUS_UNDELIVERABLE_NOT_CACHED,	/* verify(8) update failed */
	LOG_STATUS_WORD_COUNT
};

struct log_status {
	const char *queue_id;
	const char *recipient;		/* internal form; "" prints as <> */
	const char *orig_recipient;	/* NULL or "" when there is none */
	const char *relay;		/* "host[addr]:port" or "none" */
	const struct msg_stats *stats;
	struct timeval now;		/* used when deliver_done is not set */
	unsigned resolution;		/* $delay_logging_resolution_limit */
	int	addr_form_internal;	/* $info_log_address_format = internal */
	int	utf8;			/* $smtputf8_enable: keep UTF-8 bytes */
	const char *dsn_status;		/* "2.0.0" */
	enum log_status_word status;
	const char *reason;		/* DSN text */
};

/*
 * Writes the line into out[outsz] (NUL-terminated). 0; -EINVAL for a
 * missing field, a resolution above 6 or an unknown status word;
 * -ENOSPC when out[] is too small (the text is cut, still terminated).
 * The result has been through Postfix's printable(): bytes that are
 * not printable ASCII (nor UTF-8, when utf8 is set) are '?'.
 */
int	log_status_format(char *out, size_t outsz, const struct log_status *);

/* "sent", "deferred", ...; NULL for an unknown value. */
const char *log_status_word_str(enum log_status_word);

/*
 * Postfix's format_tv(): a time with sig_dig (1..6) significant digits
 * for small values, at most max_dig (0..6) decimals, rounded, no
 * trailing zeros. -EINVAL for out-of-range arguments (Postfix panics),
 * -ENOSPC if out[] is too small.
 */
int	log_status_format_tv(char *out, size_t outsz, long sec, long usec,
	    int sig_dig, int max_dig);

/*
 * An internal-form address in Postfix's external form for logging
 * (quote_822_local(), 8-bit clean): the local part is quoted when it is
 * not an RFC 822 dot-string. "" stays "". 0 or -ENOSPC.
 */
int	log_status_quote_addr(char *out, size_t outsz, const char *addr);

/* Postfix printable(s, '?'), in place. */
void	log_status_printable(char *s, int utf8);

#endif

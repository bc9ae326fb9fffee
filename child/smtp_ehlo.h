/*
 * NAME
 *	smtp_ehlo.h 3h
 * SUMMARY
 *	the ESMTP features a server announces in its EHLO reply
 * DESCRIPTION
 *	smtp_ehlo_parse() reads the lines of a 2xx EHLO reply as Postfix
 *	3.7 smtp_helo() does: the first line names the server, every later
 *	line starts with a keyword (case-insensitive; "KEYWORD=..." is
 *	accepted as Microsoft's old AUTH syntax is). SIZE takes an optional
 *	all-digit limit: a limit that does not fit in 64 bits (or in
 *	SMTP_EHLO_SIZE_MAX) means "no limit", as Postfix's off_t overflow
 *	does; a non-numeric one is ignored with a warning. CHUNKING makes
 *	smtp_session(3) send BDAT instead of DATA (Postfix 3.7 never uses
 *	BDAT); STARTTLS is recorded only. Keywords in the discard mask
 *	(smtp_discard_ehlo_keywords) are ignored, as Postfix does.
 * SECURITY
 *	Child only. The reply is hostile; it was censored and bounded by
 *	smtp_reply(3) before it gets here.
 */
#ifndef SMTP_EHLO_H
#define SMTP_EHLO_H

#include <stdint.h>

#include "sj_limits.h"
#include "smtp_reply.h"

#define SMTP_EHLO_PIPELINING	(1U << 0)	/* RFC 2920 */
#define SMTP_EHLO_SIZE		(1U << 1)	/* RFC 1870 */
#define SMTP_EHLO_8BITMIME	(1U << 2)	/* RFC 6152 */
#define SMTP_EHLO_DSN		(1U << 3)	/* RFC 3461 */
#define SMTP_EHLO_SMTPUTF8	(1U << 4)	/* RFC 6531 */
#define SMTP_EHLO_ENHANCEDSTATUSCODES (1U << 5)	/* RFC 2034 */
#define SMTP_EHLO_CHUNKING	(1U << 6)	/* RFC 3030 */
#define SMTP_EHLO_STARTTLS	(1U << 7)	/* RFC 3207: recorded only */
#define SMTP_EHLO_AUTH		(1U << 8)	/* RFC 4954: mechanisms in 'auth' */

/* The AUTH mechanism words kept (Postfix joins repeated AUTH lines up
 * to $line_length_limit; RFC 4422 names are at most 20 characters). */
#define SMTP_EHLO_AUTH_MAX	512

/* SIZE limits above this are treated as "no limit" (2^62). */
#define SMTP_EHLO_SIZE_MAX	((uint64_t)1 << 62)

struct smtp_ehlo {
	unsigned features;		/* SMTP_EHLO_* */
	uint64_t size_limit;		/* 0: none announced or unusable */
	char	server[SJ_HOSTNAME_MAX + 1];	/* first word of line 1 */
	char	auth[SMTP_EHLO_AUTH_MAX + 1];	/* AUTH words, "" if none */
};

/* 'peer' names the server in warnings ("host[addr]:port"); 'discard'
 * is the EHLO mask (include/sj_ehlo_mask.h) of keywords to ignore. */
void	smtp_ehlo_parse(const struct smtp_reply *, const char *peer,
	    unsigned discard, struct smtp_ehlo *);

/* The session's parse: the peer's discard mask, and EHLO_NOTE to the
 * parent first when the mask is to be logged. */
struct smtp_job;
struct smtp_peer;
void	smtp_ehlo_read(struct smtp_job *, const struct smtp_reply *,
	    const struct smtp_peer *, struct smtp_ehlo *);

#endif

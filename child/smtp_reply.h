/*
 * NAME
 *	smtp_reply.h 3h
 * SUMMARY
 *	read and parse one SMTP server reply
 * DESCRIPTION
 *	smtp_reply_read() reads one reply (one or more lines) from a
 *	non-blocking socket through sys_wait()/sys_read(), keeping bytes
 *	that belong to later (pipelined) replies in the io buffer. Lines
 *	are bounded by SJ_SMTP_LINE_MAX (the rest of a longer line is read
 *	and discarded), the stored text by SJ_REPLY_TEXT_MAX and
 *	SJ_SMTP_REPLY_LINES_MAX lines; reading goes on until the final
 *	line ("NNN " or "NNN") or the deadline.
 *
 *	Parsing follows Postfix 3.7 smtp_chat_resp() (src/smtp/smtp_chat.c):
 *	a line with exactly three digits followed by '-' continues the
 *	reply, followed by a space or nothing ends it; any other line is
 *	kept in the text and flagged SMTP_REPLY_F_GARBAGE. The code is
 *	that of the final line. The DSN status is the RFC 3463 code after
 *	the reply code when its class equals the reply's first digit, else
 *	"<d>.0.0" for 2xx/4xx/5xx and "5.5.0" for anything else. smtpjail
 *	is stricter than Postfix in one point: when the lines of a reply
 *	disagree on the code, the reply is a protocol error (code 0, status
 *	5.5.0, SMTP_REPLY_F_MISMATCH), as a reply without a code would be.
 *
 *	smtp_reply_begin()/smtp_reply_add_line() are the parser without
 *	I/O (tests, fuzzing). smtp_reply_format() gives the text used in
 *	results and logs: the lines joined by single spaces.
 * SECURITY
 *	Child only. Reply bytes are hostile: every stored byte is censored
 *	(sj_text_censor: printable ASCII only), every copy is bounded.
 */
#ifndef SMTP_REPLY_H
#define SMTP_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "sj_limits.h"

/* Input buffer: bytes read from the server and not yet parsed. */
#define SMTP_REPLY_INBUF	8192

#define SMTP_REPLY_F_GARBAGE	(1U << 0)	/* a line without "NNN[- ]" */
#define SMTP_REPLY_F_MISMATCH	(1U << 1)	/* lines disagree on the code */
#define SMTP_REPLY_F_LONGLINE	(1U << 2)	/* a line was cut */
#define SMTP_REPLY_F_TRUNCATED	(1U << 3)	/* text or line count cut */
#define SMTP_REPLY_F_CENSORED	(1U << 4)	/* non-printable bytes replaced */
#define SMTP_REPLY_F_BADCODE	(1U << 5)	/* code not in 200..599 */

struct smtp_reply {
	int	code;			/* final line's code; 0 = none/invalid */
	char	dsn[SJ_DSN_STATUS_MAX + 1];	/* "5.1.1", always set */
	int	dsn_given;		/* dsn came from the reply text */
	unsigned flags;			/* SMTP_REPLY_F_* */
	unsigned nlines;		/* lines read, stored or not */
	int	first_code;		/* code of the first numbered line */
	size_t	len;			/* bytes in text */
	char	text[SJ_REPLY_TEXT_MAX + 1];	/* censored lines, '\n' between */
};

struct smtp_reply_io {
	int	fd;
	const char *peer;		/* "host[addr]:port", for warnings */
	int	warn_garbage;		/* log non-SMTP lines (pipelining) */
	size_t	pos;			/* next unparsed byte */
	size_t	len;			/* bytes in buf */
	unsigned char buf[SMTP_REPLY_INBUF];
};

void	smtp_reply_io_init(struct smtp_reply_io *, int fd, const char *peer);
/* Bytes received and not yet consumed by smtp_reply_read(). */
size_t	smtp_reply_pending(const struct smtp_reply_io *);

/*
 * 0 with *reply filled; -ETIMEDOUT past deadline_ms (0 = none);
 * -ECANCELED when the parent interrupts the wait; -ECONNRESET when
 * the server closed the connection before the reply was complete;
 * another negative errno for a read error (also a lost connection).
 */
int	smtp_reply_read(struct smtp_reply_io *, int64_t deadline_ms,
	    struct smtp_reply *);

void	smtp_reply_begin(struct smtp_reply *);
/*
 * One line without its CR LF: raw bytes line[len], 'cut' when bytes
 * beyond len were discarded. Returns 1 when this line ended the reply
 * (code and dsn are then final), 0 when more lines must follow.
 */
int	smtp_reply_add_line(struct smtp_reply *, const char *line, size_t len,
	    int cut);

/* The lines joined by spaces into out[outsz]; returns the length. */
size_t	smtp_reply_format(const struct smtp_reply *, char *out, size_t outsz);

/* A reply made up locally: code 0, status 'dsn', empty text. */
void	smtp_reply_fake(struct smtp_reply *, const char *dsn);

#endif

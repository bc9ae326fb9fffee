/*
 * NAME
 *	smtp_content.h 3h
 * SUMMARY
 *	send the message content as SMTP DATA, and bounded socket writes
 * DESCRIPTION
 *	smtp_content_send() reads the message (LF line endings, as the
 *	parent decoded it from the queue file) from the sealed memfd in
 *	SMTP_CONTENT_CHUNK pieces with sys_pread() and writes it to the
 *	server as Postfix 3.7 smtp(8) does (postfix-interfaces.md 4.5):
 *	every LF becomes CR LF (bytes are otherwise sent as they are, 8-bit
 *	included), a line that starts with '.' gets one more '.', a line
 *	longer than line_limit is broken into pieces of line_limit bytes,
 *	the later ones starting with a space (CR LF SPACE), a last line
 *	without LF is ended with CR LF; then 'trailer' (".\r\n", or
 *	".\r\nQUIT\r\n" when pipelining) follows. Output is gathered into
 *	SMTP_CONTENT_OUTBUF bytes per write; each write of the body must make
 *	progress within xfer_timeout (smtp_data_xfer_timeout), the last
 *	one, which carries the trailer, within done_timeout
 *	(smtp_data_done_timeout).
 *
 *	With opts->bdat set the content is prepared for BDAT (RFC 3030):
 *	the same conversion without dot-stuffing, and 'trailer' is the
 *	command that follows the chunk (QUIT when pipelining) or NULL.
 *	smtp_content_measure() returns the number of bytes that conversion
 *	produces (trailer and prefix not counted), for "BDAT <n> LAST".
 *	opts->prefix (prefix_len bytes) is
 *	written before the content in the same buffer: pipelined commands
 *	and the BDAT command share the first write with the data.
 *
 *	smtp_content_write() writes a whole buffer to a non-blocking
 *	socket (sys_sendto, MSG_NOSIGNAL); the timeout restarts whenever
 *	bytes were written.
 * SECURITY
 *	Child only. The content is trusted to be the message (the parent
 *	made it), but is bounded by 'size' and read in fixed pieces; the
 *	socket peer is hostile and can only stall or close.
 */
#ifndef SMTP_CONTENT_H
#define SMTP_CONTENT_H

#include <stddef.h>
#include <stdint.h>

#define SMTP_CONTENT_CHUNK	65536	/* bytes per sys_pread() */
#define SMTP_CONTENT_OUTBUF	65536	/* bytes per write to the server */

/* Where smtp_content_send() failed. */
#define SMTP_CONTENT_BODY	1	/* "sending message body" */
#define SMTP_CONTENT_END	2	/* the write that carries the trailer */

struct smtp_content_opts {
	unsigned line_limit;		/* smtp_line_length_limit, 0 = none */
	unsigned xfer_timeout;		/* seconds, 0 = none */
	unsigned done_timeout;		/* seconds, 0 = none */
	const char *trailer;		/* ".\r\n" or ".\r\nQUIT\r\n" */
	const char *queue_id;		/* for "<qid>: " in log lines, or NULL */
	int	bdat;			/* RFC 3030 chunk: no dot-stuffing */
	const char *prefix;		/* bytes sent first, or NULL */
	size_t	prefix_len;
};

struct smtp_content_result {
	int	stage;			/* SMTP_CONTENT_* of a failure, else 0 */
	int	local;			/* the memfd could not be read */
	int	folded;			/* a line was broken */
	uint64_t bytes_in;		/* content bytes read */
	uint64_t bytes_out;		/* bytes written to the server */
};

/*
 * 0 when everything including the trailer was written. Else a negative
 * errno: -ETIMEDOUT, -ECANCELED, -EPIPE/-ECONNRESET (lost connection)
 * with res->stage set; or, with res->local set, -EIO (content shorter
 * than 'size') or the sys_pread() error.
 */
int	smtp_content_send(int sock, int content_fd, uint64_t size,
	    const struct smtp_content_opts *, struct smtp_content_result *);

/*
 * Size in bytes of the converted content (no prefix, no trailer): 0 and
 * *len, or, with res->local set, -EIO or the sys_pread() error.
 */
int	smtp_content_measure(int content_fd, uint64_t size,
	    const struct smtp_content_opts *, uint64_t *len,
	    struct smtp_content_result *);

/* 0, -ETIMEDOUT, -ECANCELED or the send error (-EPIPE, -ECONNRESET...). */
int	smtp_content_write(int fd, const void *buf, size_t len,
	    unsigned timeout_s);

#endif

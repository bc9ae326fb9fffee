/*
 * NAME
 *	smtp_content.h 3h
 * SUMMARY
 *	send the message content as SMTP DATA, and bounded socket writes
 * DESCRIPTION
 *	smtp_content_send() reads the message (LF line endings, as the
 *	parent decoded it from the queue file) from the sealed memfd in
 *	SMTP_CONTENT_CHUNK pieces with sys_pread() and writes it to the
 *	server as Postfix 3.7 smtp(8) does (src/smtp/smtp_proto.c):
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
 *	smtp_content_bdat() sends the same conversion, without dot-
 *	stuffing, as RFC 3030 chunks while it converts (one read of the
 *	content): every SMTP_CONTENT_BDAT_CHUNK bytes of output go out as
 *	"BDAT <n>" and the bytes, in one write; the rest (possibly none)
 *	as "BDAT <m> LAST", followed by 'trailer' (QUIT when pipelining)
 *	or nothing. After each chunk that is not the last, 'more' is
 *	called: it reads the replies it must (the caller bounds how many
 *	are outstanding) and returns 0 to go on or anything else to stop
 *	before the next chunk; smtp_content_bdat() then returns that value
 *	with res->stopped set. opts->prefix (prefix_len bytes: pipelined
 *	commands) goes out in front of the first BDAT command, in the
 *	same write. Chunk commands are written to the transcript.
 *
 *	With opts->mime, the content first goes through mime(3): 8-bit
 *	MIME parts become quoted-printable, as Postfix does for a server
 *	without 8BITMIME.
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
/*
 * Bytes per write to the server, and the size of every BDAT chunk but
 * the last. 128 KiB: a 1 MB message takes 8 writes and 8 BDAT replies
 * (the command and reply cost per chunk is then < 0.1 % of the bytes),
 * while a receiver that holds a whole chunk in memory before storing it
 * (RFC 3030 allows that) needs no more than that.
 */
#define SMTP_CONTENT_OUTBUF	(128 * 1024)
#define SMTP_CONTENT_BDAT_CHUNK	SMTP_CONTENT_OUTBUF
/*
 * Room in front of the output for opts->prefix and the BDAT command,
 * so that they share the write with the data: the session's command
 * queue (SMTP_CMD_MAX + SMTP_PIPELINE_WINDOW) and "BDAT <20 digits>
 * LAST\r\n". A longer prefix is written on its own.
 */
#define SMTP_CONTENT_BDAT_CMD_MAX	32
#define SMTP_CONTENT_HEADROOM	(16384 + 4096 + SMTP_CONTENT_BDAT_CMD_MAX)
/* Room after the output for the trailer (".\r\nQUIT\r\n"). */
#define SMTP_CONTENT_TAILROOM	16

/* Where smtp_content_send() failed. */
#define SMTP_CONTENT_BODY	1	/* "sending message body" */
#define SMTP_CONTENT_END	2	/* the write that carries the trailer */

struct mime_limits;

struct smtp_content_opts {
	unsigned line_limit;		/* smtp_line_length_limit, 0 = none */
	unsigned xfer_timeout;		/* seconds, 0 = none */
	unsigned done_timeout;		/* seconds, 0 = none */
	const char *trailer;		/* ".\r\n" or ".\r\nQUIT\r\n" */
	const char *queue_id;		/* for "<qid>: " in log lines, or NULL */
	const char *prefix;		/* bytes sent first, or NULL */
	size_t	prefix_len;
	/* 8-bit MIME to quoted-printable (mime(3)) with these, or NULL */
	const struct mime_limits *mime;
	int	downgrade;		/* with mime: 8-bit to QP */
	int	checks;			/* with mime: header/body checks */
	uint32_t job_id;		/* for CHECK_LOG */
};

struct smtp_content_result {
	int	stage;			/* SMTP_CONTENT_* of a failure, else 0 */
	int	local;			/* the memfd could not be read */
	int	mime;			/* MIME_ERR_NESTING was returned */
	/* local is also set when a header/body check failed (lookup) */
	int	folded;			/* a line was broken */
	int	stopped;		/* BDAT: 'more' asked to stop */
	uint64_t chunks;		/* BDAT: commands written */
	uint64_t bytes_in;		/* content bytes read */
	uint64_t bytes_out;		/* bytes written to the server */
};

/*
 * 0 when everything including the trailer was written. Else a negative
 * errno: -ETIMEDOUT, -ECANCELED, -EPIPE/-ECONNRESET (lost connection)
 * with res->stage set; or, with res->local set, -EIO (content shorter
 * than 'size'), -ENOMEM or the sys_pread() error; or, with res->mime
 * set, MIME_ERR_NESTING (the content was cut off mid-message).
 */
int	smtp_content_send(int sock, int content_fd, uint64_t size,
	    const struct smtp_content_opts *, struct smtp_content_result *);

/*
 * After a BDAT chunk that is not the last: 0 goes on, anything else
 * stops the transfer (the value smtp_content_bdat() then returns).
 */
typedef int (*smtp_content_more_fn)(void *ctx);

/*
 * As smtp_content_send(), in BDAT chunks; or, with res->stopped set,
 * what 'more' returned. res->chunks counts the BDAT commands written.
 */
int	smtp_content_bdat(int sock, int content_fd, uint64_t size,
	    const struct smtp_content_opts *, smtp_content_more_fn more,
	    void *more_ctx, struct smtp_content_result *);

/* 0, -ETIMEDOUT, -ECANCELED or the send error (-EPIPE, -ECONNRESET...). */
int	smtp_content_write(int fd, const void *buf, size_t len,
	    unsigned timeout_s);

#endif

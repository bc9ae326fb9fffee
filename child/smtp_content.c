/*
 * NAME
 *	smtp_content 3
 * SUMMARY
 *	stream the message content to the server in SMTP DATA form
 * DESCRIPTION
 *	See smtp_content.h. The conversion walks each input piece once:
 *	runs of bytes up to the next LF are copied as spans, so the cost
 *	per byte is a memchr() and a memcpy(). Line folding mirrors
 *	Postfix's smtp_text_out(): an output line holds at most line_limit
 *	bytes; when more bytes of the same input line follow, CR LF SPACE
 *	is inserted and the space counts toward the next piece. A line of
 *	exactly line_limit bytes is not broken. The '.' added by dot-
 *	stuffing does not count. Postfix works on queue-file records and
 *	smtpjail on whole lines; the results differ only when a record
 *	boundary falls exactly on a break point (Postfix then sends one
 *	more, empty, continuation line).
 *
 *	For BDAT (RFC 3030) the same conversion runs without dot-stuffing,
 *	and the output buffer is the chunk: when it is full and more output
 *	follows, the chunk's command is put in the headroom in front of the
 *	buffer (after the pipelined prefix, for the first chunk) and the
 *	command and the data leave in one write. Only when the content ends
 *	is the command of the chunk still in the buffer known to be "BDAT
 *	<m> LAST"; so the content is read once and never measured ahead.
 *	A content that fills the last chunk exactly thus ends in a full
 *	LAST chunk, never in an empty one (only an empty content sends
 *	"BDAT 0 LAST").
 *
 *	The two buffers live in this module's context (the child is single
 *	threaded; nothing else runs while a message is being sent).
 *	For a server without 8BITMIME the bytes read first go through
 *	mime(3) (opts->mime), whose output is this conversion's input.
 * SECURITY
 *	Child only. Reads only the memfd it is given, bounded by 'size';
 *	writes only to the SMTP socket. The content is parsed (MIME) only
 *	here, in the sandbox.
 * SEE ALSO
 *	mime(3), Postfix src/smtp/smtp_proto.c (smtp_text_out), RFC 5321 4.5.2
 *	(transparency), 4.5.3.1.6 (line length)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "content_checks.h"
#include "mime.h"
#include "msg.h"
#include "sj_sys.h"
#include "smtp_ack.h"
#include "smtp_content.h"
#include "tls.h"
#include "transcript.h"

/* content_put() stopped because 'more' asked to (never an errno). */
#define CONTENT_STOPPED	(-100000)

static struct smtp_content_ctx {
	unsigned char in[SMTP_CONTENT_CHUNK];
	/* Headroom, SMTP_CONTENT_OUTBUF bytes of output, tailroom. */
	unsigned char buf[SMTP_CONTENT_HEADROOM + SMTP_CONTENT_OUTBUF +
	    SMTP_CONTENT_TAILROOM];
} smtp_content_ctx;

#define CONTENT_OUT	(smtp_content_ctx.buf + SMTP_CONTENT_HEADROOM)

/* One conversion run. */
struct content_state {
	int	sock;
	const struct smtp_content_opts *opts;
	struct smtp_content_result *res;
	size_t	out_len;
	size_t	limit;			/* line_limit, or SIZE_MAX */
	size_t	space_left;		/* room on the current output line */
	int	at_bol;			/* next byte starts an input line */
	int	bdat;			/* RFC 3030 chunks, no dot-stuffing */
	size_t	prefix_len;		/* opts->prefix not yet written */
	smtp_content_more_fn more;	/* BDAT: after each chunk */
	void	*more_ctx;
	int	stop_rv;		/* what 'more' returned */
};

static int64_t
content_deadline(unsigned timeout_s)
{
	return (timeout_s == 0 ? 0 : sys_now_ms() + (int64_t)timeout_s * 1000);
}

int
smtp_content_write(int fd, const void *buf, size_t len, unsigned timeout_s)
{
	const unsigned char *p = buf;
	int64_t	deadline = content_deadline(timeout_s);
	ssize_t	n;
	short	ev;
	int	err;

	while (len > 0) {
		n = tls_io_write(fd, p, len, &ev);
		if (n > 0) {
			smtp_ack_sent(fd);
			p += n;
			len -= (size_t)n;
			deadline = content_deadline(timeout_s);
			continue;
		}
		if (n == 0)
			return (-EPIPE);
		if (n != -EAGAIN)
			return ((int)n);
		if ((err = sys_wait(fd, ev, deadline)) < 0)
			return (err);
	}
	return (0);
}

/*
 * The write that starts at 'head' (headroom bytes in front of the
 * output: the prefix, a BDAT command) and holds the output and 'tail'
 * bytes of trailer after it. A prefix that does not fit in the
 * headroom goes first, on its own.
 */
static int
content_write(struct content_state *st, const char *cmd, size_t cmd_len,
    size_t tail, unsigned timeout_s)
{
	const struct smtp_content_opts *opts = st->opts;
	unsigned char *head = CONTENT_OUT;
	size_t	len;
	int	err;

	if (cmd_len > SMTP_CONTENT_BDAT_CMD_MAX)
		msg_panic("smtp_content: BDAT command of %zu bytes", cmd_len);
	if (cmd_len > 0) {
		head -= cmd_len;
		memcpy(head, cmd, cmd_len);
	}
	if (st->prefix_len > 0) {
		if (st->prefix_len <= (size_t)(head - smtp_content_ctx.buf)) {
			head -= st->prefix_len;
			memcpy(head, opts->prefix, st->prefix_len);
		} else {
			err = smtp_content_write(st->sock, opts->prefix,
			    st->prefix_len, timeout_s);
			if (err < 0)
				return (err);
			st->res->bytes_out += st->prefix_len;
		}
		st->prefix_len = 0;
	}
	len = (size_t)(CONTENT_OUT - head) + st->out_len + tail;
	if ((err = smtp_content_write(st->sock, head, len, timeout_s)) < 0)
		return (err);
	st->res->bytes_out += len;
	st->out_len = 0;
	return (0);
}

/* "BDAT <n>[ LAST]\r\n" into cmd[SMTP_CONTENT_BDAT_CMD_MAX]. */
static size_t
content_bdat_cmd(char *cmd, size_t n, int last)
{
	int	len;

	len = snprintf(cmd, SMTP_CONTENT_BDAT_CMD_MAX, "BDAT %zu%s\r\n", n,
	    last ? " LAST" : "");
	if (len < 0 || len >= SMTP_CONTENT_BDAT_CMD_MAX)
		msg_panic("smtp_content: BDAT command does not fit");
	transcript_out(cmd, (size_t)len);
	return ((size_t)len);
}

/* The output buffer is full and more follows: write it out. */
static int
content_flush(struct content_state *st)
{
	char	cmd[SMTP_CONTENT_BDAT_CMD_MAX];
	size_t	cmd_len = 0;
	int	err;

	if (st->bdat)
		cmd_len = content_bdat_cmd(cmd, st->out_len, 0);
	err = content_write(st, cmd, cmd_len, 0, st->opts->xfer_timeout);
	if (err < 0) {
		st->res->stage = SMTP_CONTENT_BODY;
		return (err);
	}
	if (st->bdat) {
		st->res->chunks++;
		if (st->more != NULL &&
		    (st->stop_rv = st->more(st->more_ctx)) != 0) {
			st->res->stopped = 1;
			return (CONTENT_STOPPED);
		}
	}
	return (0);
}

static int
content_put(struct content_state *st, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t	n;
	int	err;

	while (len > 0) {
		if (st->out_len == SMTP_CONTENT_OUTBUF &&
		    (err = content_flush(st)) < 0)
			return (err);
		n = SMTP_CONTENT_OUTBUF - st->out_len;
		if (n > len)
			n = len;
		memcpy(CONTENT_OUT + st->out_len, p, n);
		st->out_len += n;
		p += n;
		len -= n;
	}
	return (0);
}

/* Convert in[len]: spans up to each LF, folding as they are copied. */
static int
content_convert(struct content_state *st, const unsigned char *in,
    size_t len)
{
	const unsigned char *p = in, *end = in + len, *lf;
	size_t	span, n;
	int	err;

	while (p < end) {
		if (st->at_bol) {
			st->at_bol = 0;
			st->space_left = st->limit;
			/* RFC 3030: BDAT data is not dot-stuffed. */
			if (*p == '.' && !st->bdat &&
			    (err = content_put(st, ".", 1)) < 0)
				return (err);
		}
		lf = memchr(p, '\n', (size_t)(end - p));
		span = (size_t)((lf != NULL ? lf : end) - p);
		/*
		 * The common case, a whole line that needs no break and
		 * fits in the buffer: one copy, no per-piece checks.
		 */
		if (lf != NULL && span <= st->space_left &&
		    span + 2 <= SMTP_CONTENT_OUTBUF - st->out_len) {
			unsigned char *o = CONTENT_OUT + st->out_len;

			memcpy(o, p, span);
			o[span] = '\r';
			o[span + 1] = '\n';
			st->out_len += span + 2;
			st->at_bol = 1;
			p = lf + 1;
			continue;
		}
		while (span > 0) {
			if (st->space_left == 0) {
				/* More of this line follows: break it. */
				if ((err = content_put(st, "\r\n ", 3)) < 0)
					return (err);
				st->space_left = st->limit - 1;
				if (!st->res->folded) {
					st->res->folded = 1;
					/* Postfix logs it with the queue id. */
					msg_info("%s%sbreaking line > %u bytes "
					    "with <CR><LF>SPACE",
					    st->opts->queue_id ?
					    st->opts->queue_id : "",
					    st->opts->queue_id ? ": " : "",
					    st->opts->line_limit);
				}
			}
			n = span < st->space_left ? span : st->space_left;
			if ((err = content_put(st, p, n)) < 0)
				return (err);
			if (st->limit != SIZE_MAX)
				st->space_left -= n;
			p += n;
			span -= n;
		}
		if (lf != NULL) {
			if ((err = content_put(st, "\r\n", 2)) < 0)
				return (err);
			st->at_bol = 1;
			p = lf + 1;
		}
	}
	return (0);
}

static void
content_init(struct content_state *st, int sock,
    const struct smtp_content_opts *opts, struct smtp_content_result *res)
{
	memset(res, 0, sizeof(*res));
	memset(st, 0, sizeof(*st));
	st->sock = sock;
	st->opts = opts;
	st->res = res;
	/* A one-byte limit cannot hold "SPACE + 1 byte": treat as none. */
	st->limit = opts->line_limit > 1 ? opts->line_limit : SIZE_MAX;
	st->space_left = st->limit;
	st->at_bol = 1;
	st->prefix_len = opts->prefix != NULL ? opts->prefix_len : 0;
}

static int	content_read(struct content_state *, int, uint64_t,
		    struct mime *);

/* mime(3) output: the converted content, into the SMTP conversion. */
static int
content_mime_out(void *ctx, const void *buf, size_t len)
{
	return (content_convert(ctx, buf, len));
}

/* Read and convert the whole content, ending the last line. */
static int
content_run(struct content_state *st, int content_fd, uint64_t size)
{
	struct smtp_content_result *res = st->res;
	struct content_checks_job ccj;
	struct mime_hooks hk;
	struct mime *mime = NULL;
	int	err;

	/* Postfix: the MIME parser runs to downgrade or for the checks. */
	memset(&ccj, 0, sizeof(ccj));
	ccj.out = content_mime_out;
	ccj.out_ctx = st;
	ccj.job_id = st->opts->job_id;
	memset(&hk, 0, sizeof(hk));
	hk.downgrade = 1;
	if (st->opts->checks)
		content_checks_hooks(&hk, &ccj, st->opts->downgrade);
	if (st->opts->mime != NULL && (mime = mime_open_hooks(st->opts->mime,
	    &hk, content_mime_out, st)) == NULL) {
		res->local = 1;
		return (-ENOMEM);
	}
	err = content_read(st, content_fd, size, mime);
	if (err == 0 && mime != NULL)
		err = mime_close(mime);
	mime_free(mime);
	if (err == MIME_ERR_NESTING)
		res->mime = 1;
	if (ccj.failed)
		res->local = 1;
	if (err < 0)
		return (err);
	if (!st->at_bol && (err = content_put(st, "\r\n", 2)) < 0)
		return (err);
	return (0);
}

/* Read the content; through mime(3) to 7 bits when 'mime' is given. */
static int
content_read(struct content_state *st, int content_fd, uint64_t size,
    struct mime *mime)
{
	struct smtp_content_result *res = st->res;
	uint64_t off = 0;
	size_t	want;
	ssize_t	n;
	int	err;

	while (off < size) {
		want = size - off < sizeof(smtp_content_ctx.in) ?
		    (size_t)(size - off) : sizeof(smtp_content_ctx.in);
		n = sys_pread(content_fd, smtp_content_ctx.in, want,
		    (off_t)off);
		if (n < 0 && n != -EAGAIN) {
			res->local = 1;
			return ((int)n);
		}
		if (n == 0) {
			res->local = 1;
			return (-EIO);
		}
		if (n < 0)
			continue;
		off += (uint64_t)n;
		res->bytes_in = off;
		err = mime != NULL ?
		    mime_write(mime, smtp_content_ctx.in, (size_t)n) :
		    content_convert(st, smtp_content_ctx.in, (size_t)n);
		if (err < 0)
			return (err);
	}
	return (0);
}

/* The last write: what is buffered and the trailer. */
static int
content_finish(struct content_state *st, const char *cmd, size_t cmd_len)
{
	const char *trailer = st->opts->trailer;
	size_t	tlen = trailer != NULL ? strlen(trailer) : 0;
	int	err;

	if (tlen > SMTP_CONTENT_TAILROOM)
		msg_panic("smtp_content: trailer of %zu bytes", tlen);
	if (tlen > 0)
		memcpy(CONTENT_OUT + st->out_len, trailer, tlen);
	err = content_write(st, cmd, cmd_len, tlen, st->opts->done_timeout);
	if (err < 0) {
		st->res->stage = SMTP_CONTENT_END;
		return (err);
	}
	return (0);
}

int
smtp_content_send(int sock, int content_fd, uint64_t size,
    const struct smtp_content_opts *opts, struct smtp_content_result *res)
{
	struct content_state st;
	int	err;

	content_init(&st, sock, opts, res);
	if ((err = content_run(&st, content_fd, size)) < 0)
		return (err);
	return (content_finish(&st, NULL, 0));
}

int
smtp_content_bdat(int sock, int content_fd, uint64_t size,
    const struct smtp_content_opts *opts, smtp_content_more_fn more,
    void *more_ctx, struct smtp_content_result *res)
{
	struct content_state st;
	char	cmd[SMTP_CONTENT_BDAT_CMD_MAX];
	size_t	cmd_len;
	int	err;

	content_init(&st, sock, opts, res);
	st.bdat = 1;
	st.more = more;
	st.more_ctx = more_ctx;
	if ((err = content_run(&st, content_fd, size)) < 0)
		return (err == CONTENT_STOPPED ? st.stop_rv : err);
	cmd_len = content_bdat_cmd(cmd, st.out_len, 1);
	if (opts->trailer != NULL)
		transcript_out(opts->trailer, strlen(opts->trailer));
	if ((err = content_finish(&st, cmd, cmd_len)) < 0)
		return (err);
	res->chunks++;
	return (0);
}

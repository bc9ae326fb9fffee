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
 *	For BDAT (RFC 3030) the same conversion runs without dot-stuffing:
 *	smtp_content_measure() runs it once without output to learn the
 *	chunk size, smtp_content_send() with opts->bdat set sends it. Both
 *	passes read the same sealed memfd, so they agree.
 *
 *	The two buffers live in this module's context (the child is single
 *	threaded; nothing else runs while a message is being sent).
 * SECURITY
 *	Child only. Reads only the memfd it is given, bounded by 'size';
 *	writes only to the SMTP socket.
 * SEE ALSO
 *	Postfix src/smtp/smtp_proto.c (smtp_text_out), RFC 5321 4.5.2
 *	(transparency), 4.5.3.1.6 (line length), postfix-interfaces.md 4.5
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "msg.h"
#include "sj_sys.h"
#include "smtp_content.h"

static struct smtp_content_ctx {
	unsigned char in[SMTP_CONTENT_CHUNK];
	unsigned char out[SMTP_CONTENT_OUTBUF];
} smtp_content_ctx;

/* One conversion run. */
struct content_state {
	int	sock;
	const struct smtp_content_opts *opts;
	struct smtp_content_result *res;
	size_t	out_len;
	size_t	limit;			/* line_limit, or SIZE_MAX */
	size_t	space_left;		/* room on the current output line */
	int	at_bol;			/* next byte starts an input line */
	int	count_only;		/* measure: count, write nothing */
	uint64_t counted;		/* bytes the conversion produced */
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
	int	err;

	while (len > 0) {
		n = sys_sendto(fd, p, len, 0, NULL, 0);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			deadline = content_deadline(timeout_s);
			continue;
		}
		if (n == 0)
			return (-EPIPE);
		if (n != -EAGAIN)
			return ((int)n);
		if ((err = sys_wait(fd, POLLOUT, deadline)) < 0)
			return (err);
	}
	return (0);
}

static int
content_flush(struct content_state *st)
{
	int	err;

	if (st->out_len == 0)
		return (0);
	err = smtp_content_write(st->sock, smtp_content_ctx.out, st->out_len,
	    st->opts->xfer_timeout);
	if (err < 0) {
		st->res->stage = SMTP_CONTENT_BODY;
		return (err);
	}
	st->res->bytes_out += st->out_len;
	st->out_len = 0;
	return (0);
}

static int
content_put(struct content_state *st, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t	n;
	int	err;

	if (st->count_only) {
		st->counted += len;
		return (0);
	}
	while (len > 0) {
		if (st->out_len == sizeof(smtp_content_ctx.out) &&
		    (err = content_flush(st)) < 0)
			return (err);
		n = sizeof(smtp_content_ctx.out) - st->out_len;
		if (n > len)
			n = len;
		memcpy(smtp_content_ctx.out + st->out_len, p, n);
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
			if (*p == '.' && !st->opts->bdat &&
			    (err = content_put(st, ".", 1)) < 0)
				return (err);
		}
		lf = memchr(p, '\n', (size_t)(end - p));
		span = (size_t)((lf != NULL ? lf : end) - p);
		while (span > 0) {
			if (st->space_left == 0) {
				/* More of this line follows: break it. */
				if ((err = content_put(st, "\r\n ", 3)) < 0)
					return (err);
				st->space_left = st->limit - 1;
				if (!st->res->folded && !st->count_only) {
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
}

/* Read and convert the whole content, ending the last line. */
static int
content_run(struct content_state *st, int content_fd, uint64_t size)
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
		if ((err = content_convert(st, smtp_content_ctx.in,
		    (size_t)n)) < 0)
			return (err);
	}
	if (!st->at_bol && (err = content_put(st, "\r\n", 2)) < 0)
		return (err);
	return (0);
}

int
smtp_content_measure(int content_fd, uint64_t size,
    const struct smtp_content_opts *opts, uint64_t *len,
    struct smtp_content_result *res)
{
	struct content_state st;
	int	err;

	content_init(&st, -1, opts, res);
	st.count_only = 1;
	if ((err = content_run(&st, content_fd, size)) < 0)
		return (err);
	*len = st.counted;
	return (0);
}

int
smtp_content_send(int sock, int content_fd, uint64_t size,
    const struct smtp_content_opts *opts, struct smtp_content_result *res)
{
	struct content_state st;
	int	err;

	content_init(&st, sock, opts, res);
	/* Queued commands go out in the same write as the content. */
	if (opts->prefix_len > 0 &&
	    (err = content_put(&st, opts->prefix, opts->prefix_len)) < 0)
		return (err);
	if ((err = content_run(&st, content_fd, size)) < 0)
		return (err);
	/* The trailer may need a flush of its own if the buffer is full. */
	if (opts->trailer != NULL &&
	    strlen(opts->trailer) > sizeof(smtp_content_ctx.out) - st.out_len &&
	    (err = content_flush(&st)) < 0)
		return (err);
	if (opts->trailer != NULL &&
	    (err = content_put(&st, opts->trailer, strlen(opts->trailer))) < 0)
		return (err);
	err = smtp_content_write(sock, smtp_content_ctx.out, st.out_len,
	    opts->done_timeout);
	if (err < 0) {
		res->stage = SMTP_CONTENT_END;
		return (err);
	}
	res->bytes_out += st.out_len;
	return (0);
}

/*
 * NAME
 *	smtp_reply 3
 * SUMMARY
 *	read and parse one SMTP server reply
 * DESCRIPTION
 *	See smtp_reply.h. Lines are collected byte by byte from an input
 *	buffer that is refilled with sys_read() after sys_wait() says the
 *	socket is readable; a line ends at LF, the CRs before it are
 *	dropped (Postfix smtp_get()). A line keeps at most
 *	SJ_SMTP_LINE_MAX bytes: the rest is read and thrown away (Postfix
 *	smtp_get() with SMTP_GET_FLAG_SKIP), and the line is still
 *	parsed. The deadline covers the whole reply,
 *	which bounds a server that trickles bytes or never ends a
 *	multi-line reply (Postfix bounds each read only).
 * SECURITY
 *	Child only; the bytes come from a remote SMTP server and are
 *	hostile. Fixed-size buffers, every index checked, every stored
 *	byte censored.
 * SEE ALSO
 *	Postfix src/smtp/smtp_chat.c (smtp_chat_resp), RFC 5321 4.2,
 *	RFC 3463; Postfix src/global/dsn_util.c (dsn_valid)
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "msg.h"
#include "sj_sys.h"
#include "sj_text.h"
#include "smtp_ack.h"
#include "smtp_reply.h"
#include "tls.h"
#include "transcript.h"

void
smtp_reply_io_init(struct smtp_reply_io *io, int fd, const char *peer)
{
	io->fd = fd;
	io->peer = peer != NULL ? peer : "";
	io->warn_garbage = 0;
	io->pos = io->len = 0;
}

size_t
smtp_reply_pending(const struct smtp_reply_io *io)
{
	return (io->len - io->pos);
}

void
smtp_reply_begin(struct smtp_reply *r)
{
	r->code = 0;
	memcpy(r->dsn, "5.5.0", sizeof("5.5.0"));
	r->dsn_given = 0;
	r->flags = 0;
	r->nlines = 0;
	r->first_code = 0;
	r->len = 0;
	r->text[0] = '\0';
}

void
smtp_reply_fake(struct smtp_reply *r, const char *dsn)
{
	smtp_reply_begin(r);
	if (sj_text_is_dsn_status(dsn))
		snprintf(r->dsn, sizeof(r->dsn), "%s", dsn);
}

/* Number of leading ASCII digits (stops at 4: more is never valid). */
static size_t
reply_digits(const char *s, size_t len)
{
	size_t	n = 0;

	while (n < len && n < 4 && s[n] >= '0' && s[n] <= '9')
		n++;
	return (n);
}

/*
 * RFC 3463 status at the start of s[len]: class 2/4/5, 1-3 digits,
 * 1-3 digits, then end or a space (Postfix dsn_valid()). Returns its
 * length or 0.
 */
static size_t
reply_dsn_len(const char *s, size_t len)
{
	size_t	i = 2, n;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return (0);
	for (n = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		n++;
	if (n < 1 || n > 3 || i >= len || s[i] != '.')
		return (0);
	i++;
	for (n = 0; i < len && s[i] >= '0' && s[i] <= '9'; i++)
		n++;
	if (n < 1 || n > 3 || (i < len && s[i] != ' ' && s[i] != '\t'))
		return (0);
	return (i);
}

/* Store one censored line in the text, bounded. */
static void
reply_store(struct smtp_reply *r, const char *line, size_t len)
{
	size_t	room, i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c > 0x7e) {
			r->flags |= SMTP_REPLY_F_CENSORED;
			break;
		}
	}
	if (r->nlines > SJ_SMTP_REPLY_LINES_MAX) {
		r->flags |= SMTP_REPLY_F_TRUNCATED;
		return;
	}
	if (r->len > 0) {
		if (r->len >= SJ_REPLY_TEXT_MAX) {
			r->flags |= SMTP_REPLY_F_TRUNCATED;
			return;
		}
		r->text[r->len++] = '\n';
		r->text[r->len] = '\0';
	}
	room = sizeof(r->text) - r->len;
	if (len >= room)
		r->flags |= SMTP_REPLY_F_TRUNCATED;
	r->len += sj_text_censor(r->text + r->len, room, line, len);
}

/* Final line seen: settle code and status. */
static void
reply_finish(struct smtp_reply *r, const char *line, size_t len, int code)
{
	const char *p;
	size_t	left, n;

	if (r->first_code != 0 && r->first_code != code)
		r->flags |= SMTP_REPLY_F_MISMATCH;
	if (r->flags & SMTP_REPLY_F_MISMATCH) {
		/* smtpjail: a reply that changes its code is not a reply. */
		r->code = 0;
		memcpy(r->dsn, "5.5.0", sizeof("5.5.0"));
		return;
	}
	r->code = code;
	if (code < 200 || code > 599)
		r->flags |= SMTP_REPLY_F_BADCODE;
	if (line[0] != '2' && line[0] != '4' && line[0] != '5') {
		memcpy(r->dsn, "5.5.0", sizeof("5.5.0"));
		return;
	}
	p = line + 3;
	left = len - 3;
	while (left > 0 && *p == ' ') {
		p++;
		left--;
	}
	if ((n = reply_dsn_len(p, left)) > 0 && p[0] == line[0]) {
		memcpy(r->dsn, p, n);
		r->dsn[n] = '\0';
		r->dsn_given = 1;
	} else {
		r->dsn[0] = line[0];
		memcpy(r->dsn + 1, ".0.0", sizeof(".0.0"));
	}
}

int
smtp_reply_add_line(struct smtp_reply *r, const char *line, size_t len,
    int cut)
{
	int	code;

	if (cut)
		r->flags |= SMTP_REPLY_F_LONGLINE;
	r->nlines++;
	reply_store(r, line, len);
	if (reply_digits(line, len) == 3) {
		code = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
		    (line[2] - '0');
		if (len > 3 && line[3] == '-') {
			if (r->first_code == 0)
				r->first_code = code;
			else if (r->first_code != code)
				r->flags |= SMTP_REPLY_F_MISMATCH;
			return (0);
		}
		if (len == 3 || line[3] == ' ') {
			reply_finish(r, line, len, code);
			return (1);
		}
	}
	r->flags |= SMTP_REPLY_F_GARBAGE;
	return (0);
}

size_t
smtp_reply_format(const struct smtp_reply *r, char *out, size_t outsz)
{
	size_t	i, n;

	if (outsz == 0)
		return (0);
	n = r->len < outsz - 1 ? r->len : outsz - 1;
	for (i = 0; i < n; i++)
		out[i] = r->text[i] == '\n' ? ' ' : r->text[i];
	out[n] = '\0';
	return (n);
}

/* Refill the input buffer: 0, or a negative errno (EOF: -ECONNRESET). */
static int
reply_fill(struct smtp_reply_io *io, int64_t deadline_ms)
{
	ssize_t	n;
	int	err;

	short	ev = POLLIN;

	io->pos = io->len = 0;
	/* More reply bytes are awaited: acknowledge what was read. */
	smtp_ack_wait(io->fd);
	for (;;) {
		/* TLS may hold decrypted bytes the socket no longer has. */
		if (!tls_io_pending(io->fd) &&
		    (err = sys_wait(io->fd, ev, deadline_ms)) < 0)
			return (err);
		n = tls_io_read(io->fd, io->buf, sizeof(io->buf), &ev);
		if (n > 0) {
			smtp_ack_read(io->fd);
			io->len = (size_t)n;
			return (0);
		}
		if (n == 0)
			return (-ECONNRESET);
		if (n != -EAGAIN)
			return ((int)n);
	}
}

/* Postfix prints the first 30 (long lines) or 100 (garbage) bytes. */
static void
reply_head(char *out, size_t outsz, const char *line, size_t len)
{
	sj_text_censor(out, outsz, line, len);
}

int
smtp_reply_read(struct smtp_reply_io *io, int64_t deadline_ms,
    struct smtp_reply *r)
{
	/* One spare byte for the CR that may precede LF. */
	char	line[SJ_SMTP_LINE_MAX + 1];
	size_t	ll = 0;
	char	head[101];
	int	dropped = 0, cut, err, done;
	unsigned before;
	unsigned char c;

	smtp_reply_begin(r);
	for (;;) {
		if (io->pos >= io->len &&
		    (err = reply_fill(io, deadline_ms)) < 0)
			return (err);
		c = io->buf[io->pos++];
		if (c != '\n') {
			if (ll < sizeof(line))
				line[ll++] = (char)c;
			else
				dropped = 1;
			continue;
		}
		/* Postfix smtp_get(): every CR before the LF goes. */
		while (!dropped && ll > 0 && line[ll - 1] == '\r')
			ll--;
		cut = dropped;
		if (ll > SJ_SMTP_LINE_MAX) {
			ll = SJ_SMTP_LINE_MAX;
			cut = 1;
		}
		if (cut) {
			reply_head(head, 31, line, ll);
			msg_warn("%s: response longer than %d: %s...",
			    io->peer, SJ_SMTP_LINE_MAX, head);
		}
		before = r->flags;
		transcript_in(line, ll);	/* the postmaster notice */
		done = smtp_reply_add_line(r, line, ll, cut);
		if (!(before & SMTP_REPLY_F_TRUNCATED) &&
		    (r->flags & SMTP_REPLY_F_TRUNCATED)) {
			reply_head(head, 31, r->text, r->len);
			msg_warn("%s: multi-line response longer than %d %s...",
			    io->peer, SJ_REPLY_TEXT_MAX, head);
		}
		if (io->warn_garbage && !(before & SMTP_REPLY_F_GARBAGE) &&
		    (r->flags & SMTP_REPLY_F_GARBAGE)) {
			reply_head(head, sizeof(head), line, ll);
			msg_warn("non-ESMTP response from %s: %s", io->peer,
			    head);
		}
		if (done)
			return (0);
		ll = 0;
		dropped = 0;
	}
}

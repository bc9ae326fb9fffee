/*
 * NAME
 *	attr 3
 * SUMMARY
 *	Postfix's attr0 attribute protocol over a stream socket
 * DESCRIPTION
 *	Postfix's internal services (qmgr, bounce, defer, trace, verify,
 *	flush) speak "attr0" on their UNIX stream sockets: an attribute
 *	list is a sequence of "name\0value\0" pairs followed by one more
 *	"\0"; ints go out as %u, longs as %lu, binary data as base64
 *	(Postfix src/util/attr_print0.c). There is no length or type on the
 *	wire: the reader knows the expected sequence.
 *
 *	The reader walks an expected list in order, with Postfix's two
 *	strictness modes (src/util/attr.h, attr_scan0.c): STRICT (missing
 *	and unexpected attributes are errors) and MISSING-only (unexpected
 *	attributes are read and skipped). It logs the warnings Postfix
 *	logs, word for word, so that an administrator sees the same text
 *	from us as from smtp(8):
 *	"unexpected attribute %s from %s (expecting: %s)", "missing
 *	attribute %s in input from %s", "premature end-of-input on %s while
 *	reading %s", "timeout on %s while reading %s", "unexpected
 *	end-of-input from %s while reading %s", "malformed numerical data
 *	from %s while reading %s: %.100s", "unexpected %s %s from %s
 *	(expected: %s)".
 *
 *	Input is buffered in a fixed array; each name and value is read
 *	into a buffer of fixed size (ATTR_NAME_MAX, ATTR_VALUE_MAX) and a
 *	longer one is a protocol error. A stream allocates one value buffer
 *	when it is created and nothing else; string attributes are copied
 *	out with their own, per-attribute bound. Numbers must be plain
 *	decimal digits that fit their type (Postfix's sscanf("%u") would
 *	also take "-1" or leading blanks; Postfix never sends them).
 *
 *	The writer builds a whole list in a bounded buffer and writes it
 *	with one call, so a peer never sees half a list from us unless the
 *	connection breaks.
 *
 *	Every wait (poll) is limited to the stream's timeout in seconds,
 *	like a Postfix VSTREAM timeout: the limit applies per wait, not to
 *	the whole list.
 * SECURITY
 *	Parent. Peers are Postfix daemons (trusted), but nothing they send
 *	is used before it has been bounded and checked; text from a peer
 *	that goes into a warning is censored first.
 * SEE ALSO
 *	Postfix src/util/attr_scan0.c and attr_print0.c (behaviour
 *	reproduced, no code copied)
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "attr.h"
#include "base64.h"
#include "msg.h"
#include "sj_text.h"

#define CTX_NAME	"input attribute name"
#define CTX_VALUE	"input attribute value"
#define LIST_END_NAME	"(list terminator)"

/* Peer text shown in a warning is cut like Postfix's %.100s. */
#define ATTR_SHOW_MAX	100

/* ------------------------------------------------------------------ */
/* Diagnostics                                                         */

static void attr_warn(struct attr_stream *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
attr_warn(struct attr_stream *s, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(s->err, sizeof(s->err), fmt, ap);
	va_end(ap);
	msg_warn("%s", s->err);
}

/* Censored, shortened copy of peer text for a warning. */
static const char *
attr_show(char *buf, size_t bufsz, const char *text, size_t len)
{
	if (len > ATTR_SHOW_MAX)
		len = ATTR_SHOW_MAX;
	sj_text_censor(buf, bufsz, text, len);
	return (buf);
}

/* ------------------------------------------------------------------ */
/* Low-level I/O                                                       */

static int
attr_poll(int fd, short events, int timeout)
{
	struct pollfd pfd;
	int	ms, n;

	if (timeout <= 0)
		ms = -1;
	else if (timeout > INT_MAX / 1000)
		ms = INT_MAX;
	else
		ms = timeout * 1000;
	for (;;) {
		pfd.fd = fd;
		pfd.events = events;
		pfd.revents = 0;
		n = poll(&pfd, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (-errno);
		if (n == 0)
			return (-ETIMEDOUT);
		if (pfd.revents & POLLNVAL)
			return (-EBADF);
		/* POLLHUP/POLLERR: the read or write reports what it is. */
		return (0);
	}
}

int
attr_write_all(int fd, const void *buf, size_t len, int timeout)
{
	const char *p = buf;
	ssize_t	n;
	int	err, is_sock = 1;

	while (len > 0) {
		if (is_sock) {
			n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n < 0 && errno == ENOTSOCK) {
				is_sock = 0;
				continue;
			}
		} else {
			n = write(fd, p, len);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if ((err = attr_poll(fd, POLLOUT, timeout)) < 0)
					return (err);
				continue;
			}
			if (errno == EPIPE || errno == ECONNRESET)
				return (-EPIPE);
			return (-errno);
		}
		if (n == 0)
			return (-EIO);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* Refills the input buffer: >0 bytes read, 0 end of input, <0 error. */
static int
attr_fill(struct attr_stream *s)
{
	ssize_t	n;
	int	err;

	if (s->eof)
		return (0);
	for (;;) {
		if ((err = attr_poll(s->fd, POLLIN, s->timeout)) < 0)
			return (err);
		n = read(s->fd, s->ibuf, sizeof(s->ibuf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN ||
		    errno == EWOULDBLOCK))
			continue;
		if (n < 0) {
			/* A reset is an end of input, as for Postfix. */
			if (errno == ECONNRESET) {
				s->eof = 1;
				return (0);
			}
			return (-errno);
		}
		if (n == 0) {
			s->eof = 1;
			return (0);
		}
		s->ipos = 0;
		s->ilen = (size_t)n;
		return ((int)n);
	}
}

/*
 * Reads one NUL-terminated string into dst[cap + 1]. Logs Postfix's
 * warnings for end of input and timeouts; a string longer than cap is
 * refused (-ENOSPC) and leaves the stream unusable.
 */
static int
attr_read_string(struct attr_stream *s, char *dst, size_t cap,
    size_t *lenp, const char *context)
{
	size_t	len = 0, avail, take;
	unsigned char *nul;
	int	n;

	*lenp = 0;
	dst[0] = '\0';
	for (;;) {
		if (s->ipos == s->ilen) {
			if ((n = attr_fill(s)) < 0) {
				if (n == -ETIMEDOUT)
					attr_warn(s, "timeout on %s while "
					    "reading %s", s->path, context);
				else
					attr_warn(s, "premature end-of-input "
					    "on %s while reading %s: %s",
					    s->path, context, strerror(-n));
				return (n);
			}
			if (n == 0) {
				if (len == 0)
					attr_warn(s, "premature end-of-input "
					    "on %s while reading %s",
					    s->path, context);
				else
					attr_warn(s, "unexpected end-of-input "
					    "from %s while reading %s",
					    s->path, context);
				return (-EPIPE);
			}
		}
		avail = s->ilen - s->ipos;
		nul = memchr(s->ibuf + s->ipos, '\0', avail);
		take = nul != NULL ? (size_t)(nul - (s->ibuf + s->ipos)) :
		    avail;
		if (take > cap - len) {
			attr_warn(s, "%s too long (more than %zu bytes) from "
			    "%s", context, cap, s->path);
			return (-ENOSPC);
		}
		memcpy(dst + len, s->ibuf + s->ipos, take);
		len += take;
		s->ipos += take;
		if (nul != NULL) {
			s->ipos++;	/* the NUL */
			dst[len] = '\0';
			*lenp = len;
			return (0);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Reader                                                              */

int
attr_stream_init(struct attr_stream *s, int fd, const char *path,
    int timeout)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->timeout = timeout;
	snprintf(s->path, sizeof(s->path), "%s", path);
	if ((s->val = malloc(ATTR_VALUE_MAX + 1)) == NULL)
		return (-ENOMEM);
	s->val[0] = '\0';
	return (0);
}

void
attr_stream_free(struct attr_stream *s)
{
	free(s->val);
	s->val = NULL;
}

int
attr_stream_at_eof(struct attr_stream *s)
{
	int	n;

	if (s->ipos < s->ilen)
		return (0);
	if ((n = attr_fill(s)) < 0) {
		if (n == -ETIMEDOUT)
			attr_warn(s, "timeout on %s while waiting for input",
			    s->path);
		else
			attr_warn(s, "read %s: %s", s->path, strerror(-n));
		return (n);
	}
	return (n == 0 ? 1 : 0);
}

/*
 * Positions the stream at the value of the attribute 'want' (or 'alt'),
 * skipping others in MISSING-only mode; want == NULL asks for the list
 * terminator, which is then consumed.
 */
static int
attr_next(struct attr_stream *s, int flags, const char *want,
    const char *alt, const char **got)
{
	char	show[ATTR_SHOW_MAX + 1];
	size_t	nlen, skipped;
	int	err;

	for (skipped = 0;; skipped++) {
		err = attr_read_string(s, s->name, ATTR_NAME_MAX, &nlen,
		    CTX_NAME);
		if (err < 0)
			return (err);
		if (nlen == 0) {
			if (want == NULL)
				return (0);
			if (flags & ATTR_FLAG_MISSING)
				attr_warn(s, "missing attribute %s in input "
				    "from %s", want, s->path);
			else
				snprintf(s->err, sizeof(s->err), "missing "
				    "attribute %s in input from %s", want,
				    s->path);
			return (-EBADMSG);
		}
		if (want != NULL && strcmp(s->name, want) == 0) {
			if (got != NULL)
				*got = want;
			return (0);
		}
		if (want != NULL && alt != NULL && strcmp(s->name, alt) == 0) {
			if (got != NULL)
				*got = alt;
			return (0);
		}
		if (flags & ATTR_FLAG_EXTRA) {
			attr_warn(s, "unexpected attribute %s from %s "
			    "(expecting: %s)",
			    attr_show(show, sizeof(show), s->name, nlen),
			    s->path, want != NULL ? want : LIST_END_NAME);
			return (-EBADMSG);
		}
		if (skipped >= ATTR_SKIP_MAX) {
			attr_warn(s, "more than %d unexpected attributes from "
			    "%s (expecting: %s)", ATTR_SKIP_MAX, s->path,
			    want != NULL ? want : LIST_END_NAME);
			return (-EBADMSG);
		}
		err = attr_read_string(s, s->val, ATTR_VALUE_MAX, &s->vlen,
		    CTX_VALUE);
		if (err < 0)
			return (err);
	}
}

static int
attr_read_value(struct attr_stream *s)
{
	return (attr_read_string(s, s->val, ATTR_VALUE_MAX, &s->vlen,
	    CTX_VALUE));
}

/* Plain decimal digits, no sign, no blanks, at most 'limit'. */
static int
attr_parse_number(struct attr_stream *s, unsigned long limit,
    unsigned long *out)
{
	char	show[ATTR_SHOW_MAX + 1];
	unsigned long v = 0;
	size_t	i;

	for (i = 0; i < s->vlen; i++) {
		unsigned d = (unsigned char)s->val[i] - '0';

		if (d > 9 || v > (limit - d) / 10)
			break;
		v = v * 10 + d;
	}
	if (s->vlen == 0 || i != s->vlen) {
		attr_warn(s, "malformed numerical data from %s while reading "
		    "%s: %s", s->path, CTX_VALUE,
		    attr_show(show, sizeof(show), s->val, s->vlen));
		return (-EBADMSG);
	}
	*out = v;
	return (0);
}

static int
attr_convert(struct attr_stream *s, const struct attr_spec *sp)
{
	char	show[ATTR_SHOW_MAX + 1];
	unsigned long v;
	size_t	dlen;
	char	*copy;
	int	err;

	switch (sp->type) {
	case ATTR_TYPE_STR:
		if (s->vlen > sp->max) {
			attr_warn(s, "attribute %s too long (%zu > %zu bytes) "
			    "from %s", s->name, s->vlen, sp->max, s->path);
			return (-EBADMSG);
		}
		if ((copy = malloc(s->vlen + 1)) == NULL)
			return (-ENOMEM);
		memcpy(copy, s->val, s->vlen + 1);
		*sp->out.str = copy;
		return (0);
	case ATTR_TYPE_INT:
		if ((err = attr_parse_number(s, UINT_MAX, &v)) < 0)
			return (err);
		*sp->out.u = (unsigned)v;
		return (0);
	case ATTR_TYPE_LONG:
		if ((err = attr_parse_number(s, ULONG_MAX, &v)) < 0)
			return (err);
		*sp->out.ul = v;
		return (0);
	case ATTR_TYPE_DATA:
		err = base64_decode(sp->out.data, sp->max, s->val, s->vlen,
		    &dlen);
		if (err == -EINVAL) {
			attr_warn(s, "malformed base64 data from %s while "
			    "reading %s: %s", s->path, CTX_VALUE,
			    attr_show(show, sizeof(show), s->val, s->vlen));
			return (-EBADMSG);
		}
		if (err < 0 || dlen != sp->max) {
			/* What the value would decode to (Postfix's text). */
			if (err < 0) {
				dlen = BASE64_DECODED_MAX(s->vlen);
				if (s->vlen > 0 && s->val[s->vlen - 1] == '=')
					dlen--;
				if (s->vlen > 1 && s->val[s->vlen - 2] == '=')
					dlen--;
			}
			attr_warn(s, "attribute %s: size mis-match: %zu != %zu "
			    "from %s", s->name, dlen, sp->max, s->path);
			return (-EBADMSG);
		}
		return (0);
	case ATTR_TYPE_STREQ:
		if (strcmp(s->val, sp->out.eq) != 0) {
			attr_warn(s, "unexpected %s %s from %s (expected: %s)",
			    s->name,
			    attr_show(show, sizeof(show), s->val, s->vlen),
			    s->path, sp->out.eq);
			return (-EBADMSG);
		}
		return (0);
	}
	msg_panic("attr_convert: unknown attribute type %d", (int)sp->type);
}

int
attr_scan(struct attr_stream *s, int flags, const struct attr_spec *spec,
    size_t n)
{
	size_t	i, j;
	int	err = 0;

	s->err[0] = '\0';
	for (i = 0; i < n; i++) {
		if ((err = attr_next(s, flags, spec[i].name, spec[i].alt,
		    spec[i].got)) < 0)
			break;
		if ((err = attr_read_value(s)) < 0)
			break;
		if ((err = attr_convert(s, &spec[i])) < 0)
			break;
	}
	if (err == 0 && (flags & ATTR_FLAG_MORE) == 0)
		err = attr_next(s, flags, NULL, NULL, NULL);
	if (err < 0) {
		for (j = 0; j < i && j < n; j++) {
			if (spec[j].type == ATTR_TYPE_STR) {
				free(*spec[j].out.str);
				*spec[j].out.str = NULL;
			}
		}
	}
	return (err);
}

int
attr_get_str(struct attr_stream *s, int flags, const char *name,
    char *out, size_t outsz)
{
	int	err;

	if (outsz == 0)
		return (-EINVAL);
	out[0] = '\0';
	if ((err = attr_next(s, flags, name, NULL, NULL)) < 0 ||
	    (err = attr_read_value(s)) < 0)
		return (err);
	if (s->vlen >= outsz) {
		attr_warn(s, "attribute %s too long (%zu > %zu bytes) from %s",
		    name, s->vlen, outsz - 1, s->path);
		return (-EBADMSG);
	}
	memcpy(out, s->val, s->vlen + 1);
	return (0);
}

int
attr_get_uint(struct attr_stream *s, int flags, const char *name,
    unsigned *out)
{
	struct attr_spec sp = { .type = ATTR_TYPE_INT, .name = name };

	sp.out.u = out;
	return (attr_scan(s, flags | ATTR_FLAG_MORE, &sp, 1));
}

int
attr_get_ulong(struct attr_stream *s, int flags, const char *name,
    unsigned long *out)
{
	struct attr_spec sp = { .type = ATTR_TYPE_LONG, .name = name };

	sp.out.ul = out;
	return (attr_scan(s, flags | ATTR_FLAG_MORE, &sp, 1));
}

int
attr_get_end(struct attr_stream *s, int flags)
{
	return (attr_next(s, flags, NULL, NULL, NULL));
}

int
attr_greet_read(struct attr_stream *s, const char *proto)
{
	struct attr_spec sp = {
		.type = ATTR_TYPE_STREQ, .name = ATTR_NAME_PROTOCOL,
	};

	sp.out.eq = proto;
	return (attr_scan(s, ATTR_FLAG_STRICT, &sp, 1));
}

/* ------------------------------------------------------------------ */
/* Writer                                                              */

int
attr_out_init(struct attr_out *o, size_t cap)
{
	o->err = 0;
	return (sj_buf_init(&o->buf, cap));
}

void
attr_out_free(struct attr_out *o)
{
	sj_buf_free(&o->buf);
}

static void
attr_put_raw(struct attr_out *o, const char *text)
{
	int	err;

	if (o->err == 0 &&
	    (err = sj_buf_put(&o->buf, text, strlen(text) + 1)) < 0)
		o->err = err;
}

static void
attr_put_name(struct attr_out *o, const char *name)
{
	if (name == NULL || *name == '\0') {
		if (o->err == 0)
			o->err = -EINVAL;
		return;
	}
	attr_put_raw(o, name);
}

void
attr_put_str(struct attr_out *o, const char *name, const char *val)
{
	attr_put_name(o, name);
	attr_put_raw(o, val != NULL ? val : "");
}

void
attr_put_int(struct attr_out *o, const char *name, int val)
{
	char	num[16];

	snprintf(num, sizeof(num), "%u", (unsigned)val);
	attr_put_name(o, name);
	attr_put_raw(o, num);
}

void
attr_put_long(struct attr_out *o, const char *name, long val)
{
	char	num[32];

	snprintf(num, sizeof(num), "%lu", (unsigned long)val);
	attr_put_name(o, name);
	attr_put_raw(o, num);
}

void
attr_put_data(struct attr_out *o, const char *name, const void *data,
    size_t len)
{
	long	n;

	attr_put_name(o, name);
	if (o->err != 0)
		return;
	n = base64_encode((char *)o->buf.data + o->buf.len,
	    o->buf.cap - o->buf.len, data, len);
	if (n < 0) {
		o->err = (int)n;
		return;
	}
	o->buf.len += (size_t)n + 1;	/* with its NUL */
}

void
attr_put_end(struct attr_out *o)
{
	if (o->err == 0)
		o->err = sj_buf_put_u8(&o->buf, 0);
}

int
attr_out_write(struct attr_out *o, int fd, int timeout)
{
	if (o->err != 0)
		return (o->err);
	return (attr_write_all(fd, o->buf.data, o->buf.len, timeout));
}

int
attr_greet_write(int fd, const char *proto, int timeout)
{
	struct attr_out o;
	int	err;

	if ((err = attr_out_init(&o, sizeof(ATTR_NAME_PROTOCOL) +
	    strlen(proto) + 2)) < 0)
		return (err);
	attr_put_str(&o, ATTR_NAME_PROTOCOL, proto);
	attr_put_end(&o);
	err = attr_out_write(&o, fd, timeout);
	attr_out_free(&o);
	return (err);
}

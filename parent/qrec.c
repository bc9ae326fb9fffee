/*
 * NAME
 *	qrec 3
 * SUMMARY
 *	Postfix queue file records: reader and content decoder
 * DESCRIPTION
 *	qrec_get() decodes one record header (type byte, base-128 length,
 *	low bits first) with the limits of Postfix's rec_get_raw(): at most
 *	five length bytes, a length of at most INT_MAX, and a payload that
 *	ends inside the file. Over-long (non-minimal) length encodings are
 *	accepted, as Postfix does.
 *
 *	qrec_content() reproduces what smtp(8) reads between the request's
 *	data offset and the X record: N and L records become message
 *	lines (N ends a line, L continues it), p records are followed with
 *	Postfix's reverse-jump loop guard, w records are skipped, and any
 *	other record, a malformed record or the end of the file is a
 *	corrupt queue file. The caller gets the same "bad record type"
 *	number smtp(8) logs: the type byte, -1 for EOF or -2 for a
 *	malformed record.
 *
 *	Descriptor sources are read with pread(2) through a window of a
 *	fixed size, so a record of any length is streamed to the sink in
 *	window-sized pieces and never held whole.
 * SECURITY
 *	Parent. Queue files are written by Postfix and trusted for their
 *	meaning, but every length and offset is still checked against the
 *	file size before use, the walk is bounded (reverse-jump limit,
 *	output limit), and nothing here writes to the file.
 * SEE ALSO
 *	Postfix global/record.c, global/rec_type.h, smtp/smtp_proto.c
 *	(smtp_loop() sending the content); parent/qfile.c
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qrec.h"

#define ULL(x)	((unsigned long long)(x))

void
qrec_src_mem(struct qrec_src *src, const void *data, size_t len)
{
	memset(src, 0, sizeof(*src));
	src->fd = -1;
	src->mem = data;
	src->size = len;
}

int
qrec_src_fd(struct qrec_src *src, int fd, uint64_t size, size_t window)
{
	unsigned char *buf;
	int	err;

	if (window == 0)
		window = QREC_WINDOW_DEFAULT;
	if (window < QREC_WINDOW_MIN)
		window = QREC_WINDOW_MIN;
	if ((buf = malloc(window)) == NULL) {
		memset(src, 0, sizeof(*src));
		src->fd = -1;
		return (-ENOMEM);
	}
	if ((err = qrec_src_fd_buf(src, fd, size, buf, window)) < 0) {
		free(buf);
		return (err);
	}
	src->win_owned = 1;
	return (0);
}

int
qrec_src_fd_buf(struct qrec_src *src, int fd, uint64_t size,
    unsigned char *buf, size_t cap)
{
	memset(src, 0, sizeof(*src));
	src->fd = -1;
	if (fd < 0 || size > (uint64_t)INT64_MAX || buf == NULL ||
	    cap < QREC_WINDOW_MIN)
		return (-EINVAL);
	src->win = buf;
	src->wincap = cap;
	src->fd = fd;
	src->size = size;
	return (0);
}

void
qrec_src_free(struct qrec_src *src)
{
	if (src->win_owned)
		free(src->win);
	memset(src, 0, sizeof(*src));
	src->fd = -1;
}

/* Reloads the window so that it starts at 'off'. */
static int
qrec_fill(struct qrec_src *src, uint64_t off, char *why, size_t whysz)
{
	uint64_t left = src->size - off;
	size_t	need = left < src->wincap ? (size_t)left : src->wincap;
	size_t	have = 0;
	ssize_t	n;

	src->winoff = off;
	src->winlen = 0;
	while (have < need) {
		n = pread(src->fd, src->win + have, need - have,
		    (off_t)(off + have));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			snprintf(why, whysz, "read at offset %llu: %s",
			    ULL(off + have), strerror(errno));
			return ((int)n);
		}
		if (n == 0) {
			snprintf(why, whysz, "read at offset %llu: file "
			    "shrank below its size %llu", ULL(off + have),
			    ULL(src->size));
			return (-EIO);
		}
		have += (size_t)n;
	}
	src->winlen = have;
	return (0);
}

int
qrec_peek(struct qrec_src *src, uint64_t off, size_t want,
    const unsigned char **p, size_t *got, char *why, size_t whysz)
{
	uint64_t left;
	size_t	min, have;
	int	err;

	*p = NULL;
	*got = 0;
	if (off >= src->size)
		return (-ENODATA);
	left = src->size - off;
	if (want == 0)
		want = 1;
	if (want > left)
		want = (size_t)left;
	if (src->fd < 0) {
		*p = src->mem + off;
		*got = want;
		return (0);
	}
	/* What a refill could give: the request, capped by the window. */
	min = want < src->wincap ? want : src->wincap;
	if (off < src->winoff || off >= src->winoff + src->winlen ||
	    src->winoff + src->winlen - off < min) {
		if ((err = qrec_fill(src, off, why, whysz)) < 0)
			return (err == -EIO ? err : -EIO);
	}
	have = (size_t)(src->winoff + src->winlen - off);
	*p = src->win + (off - src->winoff);
	*got = have < want ? have : want;
	return (0);
}

int
qrec_read(struct qrec_src *src, uint64_t off, void *buf, size_t len,
    char *why, size_t whysz)
{
	unsigned char *out = buf;
	const unsigned char *p;
	size_t	got;
	int	err;

	if (off > src->size || len > src->size - off) {
		snprintf(why, whysz, "offset %llu: %zu bytes run past the "
		    "end of the file (size %llu)", ULL(off), len,
		    ULL(src->size));
		return (-EUCLEAN);
	}
	while (len > 0) {
		if ((err = qrec_peek(src, off, len, &p, &got, why, whysz)) < 0)
			return (err == -ENODATA ? -EUCLEAN : err);
		memcpy(out, p, got);
		out += got;
		off += got;
		len -= got;
	}
	return (0);
}

int
qrec_get(struct qrec_src *src, uint64_t off, struct qrec *rec,
    char *why, size_t whysz)
{
	const unsigned char *p;
	size_t	got, i;
	uint64_t len = 0;
	int	err, done = 0;

	memset(rec, 0, sizeof(*rec));
	err = qrec_peek(src, off, 1 + QREC_LEN_BYTES_MAX, &p, &got, why, whysz);
	if (err < 0)
		return (err);
	rec->type = p[0];
	rec->offset = off;
	for (i = 0; i < QREC_LEN_BYTES_MAX; i++) {
		if (1 + i >= got) {
			snprintf(why, whysz, "offset %llu: unexpected EOF "
			    "reading length, record type %d", ULL(off),
			    rec->type);
			return (-EUCLEAN);
		}
		len |= (uint64_t)(p[1 + i] & 0x7f) << (7 * i);
		if ((p[1 + i] & 0x80) == 0) {
			done = 1;
			break;
		}
	}
	if (!done) {
		snprintf(why, whysz, "offset %llu: too many length bits, "
		    "record type %d", ULL(off), rec->type);
		return (-EUCLEAN);
	}
	if (len > QREC_LEN_MAX) {
		snprintf(why, whysz, "offset %llu: illegal length %llu, "
		    "record type %d", ULL(off), ULL(len), rec->type);
		return (-EUCLEAN);
	}
	rec->data_offset = off + 2 + i;
	rec->len = len;
	if (rec->data_offset > src->size ||
	    len > src->size - rec->data_offset) {
		snprintf(why, whysz, "offset %llu: unexpected EOF in data, "
		    "record type %d length %llu (file size %llu)", ULL(off),
		    rec->type, ULL(len), ULL(src->size));
		return (-EUCLEAN);
	}
	return (0);
}

/*
 * Postfix rec_goto() semantics: the payload is a C string; leading
 * white space is skipped, then only decimal digits may follow; 0 means
 * "no jump". Returns the target (>= 0) or -1 if malformed.
 */
static int64_t
qrec_ptr_value(const char *s)
{
	int64_t	v = 0;

	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	for (; *s != 0; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return (-1);
		v = v * 10 + (*s - '0');
	}
	return (v);
}

/* Sends a payload to the sink in window-sized pieces. */
static int
qrec_emit_payload(struct qrec_src *src, const struct qrec *rec,
    uint64_t max_out, qrec_sink_fn sink, void *ctx, struct qrec_content *res,
    char *why, size_t whysz)
{
	uint64_t off = rec->data_offset, left = rec->len;
	const unsigned char *p;
	size_t	got, want;
	int	err;

	if (left > max_out - res->out_len) {
		snprintf(why, whysz, "offset %llu: message content exceeds "
		    "%llu bytes", ULL(rec->offset), ULL(max_out));
		return (-EFBIG);
	}
	while (left > 0) {
		want = left > SIZE_MAX ? SIZE_MAX : (size_t)left;
		if ((err = qrec_peek(src, off, want, &p, &got, why, whysz)) < 0)
			return (err == -ENODATA ? -EIO : err);
		if ((err = sink(ctx, p, got)) < 0) {
			snprintf(why, whysz, "offset %llu: writing content: "
			    "%s", ULL(off), strerror(-err));
			return (err);
		}
		res->out_len += got;
		off += got;
		left -= got;
	}
	return (0);
}

static int
qrec_emit_newline(uint64_t max_out, qrec_sink_fn sink, void *ctx,
    struct qrec_content *res, char *why, size_t whysz)
{
	int	err;

	if (res->out_len >= max_out) {
		snprintf(why, whysz, "message content exceeds %llu bytes",
		    ULL(max_out));
		return (-EFBIG);
	}
	if ((err = sink(ctx, "\n", 1)) < 0) {
		snprintf(why, whysz, "writing content: %s", strerror(-err));
		return (err);
	}
	res->out_len += 1;
	res->lines += 1;
	return (0);
}

static int
qrec_bad(struct qrec_content *res, int type, uint64_t off)
{
	res->bad_type = type;
	res->bad_offset = off;
	return (-EUCLEAN);
}

int
qrec_content(struct qrec_src *src, uint64_t offset, uint64_t max_out,
    qrec_sink_fn sink, void *ctx, struct qrec_content *res,
    char *why, size_t whysz)
{
	struct qrec rec;
	char	ptr[QREC_PTR_PAYLOAD_MAX + 1];
	uint64_t pos = offset, saved_target = 0;
	unsigned reverse = 0;
	int64_t	target;
	int	err, prev = 0;

	memset(res, 0, sizeof(*res));
	for (;;) {
		err = qrec_get(src, pos, &rec, why, whysz);
		if (err == -ENODATA) {
			snprintf(why, whysz, "offset %llu: unexpected end of "
			    "file in message content", ULL(pos));
			return (qrec_bad(res, QREC_TYPE_EOF, pos));
		}
		if (err == -EUCLEAN)
			return (qrec_bad(res, QREC_TYPE_ERROR, pos));
		if (err < 0)
			return (err);

		switch (rec.type) {
		case QREC_TYPE_PTR:
			if (rec.len > QREC_PTR_PAYLOAD_MAX) {
				snprintf(why, whysz, "offset %llu: pointer "
				    "record of %llu bytes", ULL(pos),
				    ULL(rec.len));
				return (qrec_bad(res, QREC_TYPE_ERROR, pos));
			}
			err = qrec_read(src, rec.data_offset, ptr,
			    (size_t)rec.len, why, whysz);
			if (err == -EUCLEAN)
				return (qrec_bad(res, QREC_TYPE_ERROR, pos));
			if (err < 0)
				return (err);
			ptr[rec.len] = 0;
			if ((target = qrec_ptr_value(ptr)) < 0) {
				snprintf(why, whysz, "offset %llu: malformed "
				    "pointer record value", ULL(pos));
				return (qrec_bad(res, QREC_TYPE_ERROR, pos));
			}
			if (target == 0) {
				pos = rec.data_offset + rec.len;
				break;
			}
			if ((uint64_t)target <= saved_target &&
			    ++reverse > QREC_REVERSE_JUMP_LIMIT) {
				snprintf(why, whysz, "offset %llu: too many "
				    "reverse jump records", ULL(pos));
				return (qrec_bad(res, QREC_TYPE_ERROR, pos));
			}
			saved_target = (uint64_t)target;
			pos = (uint64_t)target;
			break;
		case QREC_TYPE_DTXT:
			pos = rec.data_offset + rec.len;
			break;
		case QREC_TYPE_NORM:
		case QREC_TYPE_CONT:
			err = qrec_emit_payload(src, &rec, max_out, sink, ctx,
			    res, why, whysz);
			if (err < 0)
				return (err);
			if (rec.type == QREC_TYPE_NORM &&
			    (err = qrec_emit_newline(max_out, sink, ctx, res,
			    why, whysz)) < 0)
				return (err);
			prev = rec.type;
			pos = rec.data_offset + rec.len;
			break;
		case QREC_TYPE_XTRA:
			/* smtp(8): a last L line gets its newline anyway. */
			if (prev == QREC_TYPE_CONT)
				return (qrec_emit_newline(max_out, sink, ctx,
				    res, why, whysz));
			return (0);
		default:
			snprintf(why, whysz, "offset %llu: bad record type: "
			    "%d in message content", ULL(pos), rec.type);
			return (qrec_bad(res, rec.type, pos));
		}
	}
}

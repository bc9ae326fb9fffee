/*
 * NAME
 *	ipc_msg_codec 3
 * SUMMARY
 *	the IPC message encoder and decoder
 * DESCRIPTION
 *	See ipc_msg.h. ipc_msg_encode() and ipc_msg_decode() are generic:
 *	the field descriptors of a type's row in the table (ipc_msg.c)
 *	drive them, and both end with ipc_msg_check() (ipc_msg_check.c).
 *	The encoder refuses what the peer would refuse; the decoder
 *	refuses, with a one-line reason in why[], a wrong version, type,
 *	direction or length, short or trailing bytes, a string with NUL,
 *	too long or not of its field's text rule, and a descriptor where
 *	the table declares none, or none where it declares one.
 *
 *	Wire format: header u16 version, u16 type, u32 body length; then
 *	the fields in struct order, u32/u64 little-endian, strings as a
 *	u16 length and the bytes without NUL. Descriptors are not in the
 *	bytes; ipc_chan(3) carries them as SCM_RIGHTS.
 * SECURITY
 *	Both processes. The parent decodes what the (possibly compromised)
 *	child sends: every length is checked against the bytes received
 *	and against the member it is copied into before memory is touched,
 *	and every refusal closes the descriptor that came with the message.
 * SEE ALSO
 *	ipc_msg(3), ipc_msg_check(3), ipc_chan(3), sj_buf(3), sj_text(3)
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "ipc_msg.h"
#include "ipc_msg_int.h"
#include "msg.h"
#include "sj_buf.h"
#include "sj_text.h"

void
ipc_why(char *why, size_t whysz, const char *fmt, ...)
{
	va_list	ap;

	if (why == NULL || whysz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
}

static const char *
ipc_dir_name(enum ipc_dir dir)
{
	return (dir == IPC_P2C ? "parent-to-child" : "child-to-parent");
}

/* The text rule of a string field: RAW, TXT or LNS (ipc_msg.c). */
static int
ipc_text_ok(int text, const char *s)
{
	const unsigned char *p;

	if (text == TXT)
		return (sj_text_is_printable(s));
	if (text == LNS) {
		for (p = (const unsigned char *)s; *p; p++)
			if ((*p < 0x20 || *p > 0x7e) && *p != '\n')
				return (0);
	}
	return (1);
}

/* IPC_FD_IF_OK types: does this answer grant (carry) a descriptor? */
static int
m_granted(const struct ipc_msg *m)
{
	return (m->type == IPC_T_SOCKET && m->u.socket.error == 0);
}

int
ipc_msg_wants_fd(const struct ipc_msg *m)
{
	const struct ipc_row *row = ipc_row((uint32_t)m->type);

	if (row == NULL)
		return (0);
	if (row->spec.has_fd == IPC_FD_IF_OK)
		return (m_granted(m));
	return (row->spec.has_fd == IPC_FD_ONE);
}

static void
ipc_put_le32(unsigned char *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

ssize_t
ipc_msg_encode(const struct ipc_msg *msg, void *buf, size_t bufsz)
{
	const struct ipc_row *row;
	const struct ipc_field *f;
	const unsigned char *base;
	struct sj_buf b;
	const char *s;
	size_t	i, body;
	char	why[256];
	int	err = 0;

	if ((row = ipc_row((uint32_t)msg->type)) == NULL)
		return (-EINVAL);
	base = (const unsigned char *)&msg->u;

	/* Refuse what the peer would refuse: text first, then ranges. */
	for (i = 0; i < row->nfields; i++) {
		f = &row->fields[i];
		if (f->kind != IPC_K_STR)
			continue;
		s = (const char *)(base + f->off);
		if (strnlen(s, f->size) >= f->size)
			return (-EINVAL);	/* not terminated */
		if (!ipc_text_ok(f->text, s))
			return (-EINVAL);
	}
	if (ipc_msg_check(msg, row->spec.name, why, sizeof(why)) < 0)
		return (-EINVAL);

	/*
	 * A writable view of the caller's storage (sj_buf_wrap() is
	 * read-only). It is never passed to sj_buf_free().
	 */
	memset(&b, 0, sizeof(b));
	b.data = buf;
	b.cap = bufsz;

	/* Body length is patched in once known. */
	if ((err = sj_buf_put_u16(&b, IPC_VERSION)) < 0 ||
	    (err = sj_buf_put_u16(&b, (uint16_t)msg->type)) < 0 ||
	    (err = sj_buf_put_u32(&b, 0)) < 0)
		return (err);
	for (i = 0; i < row->nfields && err == 0; i++) {
		f = &row->fields[i];
		switch (f->kind) {
		case IPC_K_U32: {
			uint32_t v;

			memcpy(&v, base + f->off, sizeof(v));
			err = sj_buf_put_u32(&b, v);
			break;
		}
		case IPC_K_U64: {
			uint64_t v;

			memcpy(&v, base + f->off, sizeof(v));
			err = sj_buf_put_u64(&b, v);
			break;
		}
		case IPC_K_STR:
			err = sj_buf_put_str(&b, (const char *)(base + f->off),
			    f->size - 1);
			break;
		}
	}
	if (err < 0)
		return (err);
	body = b.len - IPC_HDR_LEN;
	if (body > row->spec.max_body)
		msg_panic("ipc_msg_encode: %s: body %zu > table maximum %zu",
		    row->spec.name, body, row->spec.max_body);
	ipc_put_le32((unsigned char *)buf + 4, (uint32_t)body);
	return ((ssize_t)b.len);
}

/* Decodes one string field, naming the exact problem. */
static int
ipc_get_str(struct sj_buf *b, const struct ipc_field *f, char *out,
    const char *name, char *why, size_t whysz)
{
	const unsigned char *p;
	size_t	left = sj_buf_left(b);
	size_t	n;

	if (left < 2) {
		ipc_why(why, whysz, "%s: short body at field %s: needs 2 "
		    "bytes of length, %zu left", name, f->name, left);
		return (-1);
	}
	p = b->data + b->pos;
	n = (size_t)p[0] | ((size_t)p[1] << 8);
	if (n > f->size - 1) {
		ipc_why(why, whysz, "%s: field %s: string length %zu exceeds "
		    "maximum %zu", name, f->name, n, f->size - 1);
		return (-1);
	}
	if (n > left - 2) {
		ipc_why(why, whysz, "%s: short body at field %s: string of "
		    "%zu bytes, %zu left", name, f->name, n, left - 2);
		return (-1);
	}
	if (memchr(p + 2, '\0', n) != NULL) {
		ipc_why(why, whysz, "%s: field %s: string contains NUL",
		    name, f->name);
		return (-1);
	}
	if (sj_buf_get_str(b, out, f->size, f->size - 1) < 0) {
		ipc_why(why, whysz, "%s: field %s: bad string", name, f->name);
		return (-1);
	}
	if (!ipc_text_ok(f->text, out)) {
		ipc_why(why, whysz, "%s: field %s: not printable ASCII%s",
		    name, f->name, f->text == LNS ? " lines" : "");
		return (-1);
	}
	return (0);
}

static int
ipc_decode_body(const struct ipc_row *row, struct sj_buf *b,
    struct ipc_msg *msg, char *why, size_t whysz)
{
	const char *name = row->spec.name;
	const struct ipc_field *f;
	unsigned char *base = (unsigned char *)&msg->u;
	size_t	i;

	for (i = 0; i < row->nfields; i++) {
		f = &row->fields[i];
		switch (f->kind) {
		case IPC_K_U32: {
			uint32_t v;

			if (sj_buf_get_u32(b, &v) < 0) {
				ipc_why(why, whysz, "%s: short body at field "
				    "%s: needs 4 bytes, %zu left", name,
				    f->name, sj_buf_left(b));
				return (-1);
			}
			memcpy(base + f->off, &v, sizeof(v));
			break;
		}
		case IPC_K_U64: {
			uint64_t v;

			if (sj_buf_get_u64(b, &v) < 0) {
				ipc_why(why, whysz, "%s: short body at field "
				    "%s: needs 8 bytes, %zu left", name,
				    f->name, sj_buf_left(b));
				return (-1);
			}
			memcpy(base + f->off, &v, sizeof(v));
			break;
		}
		case IPC_K_STR:
			if (ipc_get_str(b, f, (char *)(base + f->off), name,
			    why, whysz) < 0)
				return (-1);
			break;
		}
	}
	if (sj_buf_left(b) != 0) {
		ipc_why(why, whysz, "%s: trailing %zu bytes", name,
		    sj_buf_left(b));
		return (-1);
	}
	return (ipc_msg_check(msg, name, why, whysz));
}

int
ipc_msg_decode(enum ipc_dir dir, const void *buf, size_t len, int fd,
    struct ipc_msg *msg, char *why, size_t whysz)
{
	const struct ipc_row *row;
	const char *name;
	struct sj_buf b;
	uint16_t version, type;
	uint32_t blen;
	size_t	body;
	int	err = -EBADMSG;

	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	if (why != NULL && whysz > 0)
		why[0] = '\0';

	sj_buf_wrap(&b, buf, len);
	if (sj_buf_get_u16(&b, &version) < 0 ||
	    sj_buf_get_u16(&b, &type) < 0 ||
	    sj_buf_get_u32(&b, &blen) < 0) {
		ipc_why(why, whysz, "message of %zu bytes is shorter than "
		    "the %d-byte header", len, IPC_HDR_LEN);
		goto refuse;
	}
	name = ipc_msg_name(type);
	if (version != IPC_VERSION) {
		ipc_why(why, whysz, "%s: IPC version %u, expected %d", name,
		    version, IPC_VERSION);
		err = -EPROTO;
		goto refuse;
	}
	if ((row = ipc_row(type)) == NULL) {
		ipc_why(why, whysz, "%s: unknown message type", name);
		goto refuse;
	}
	if (row->spec.dir != dir) {
		ipc_why(why, whysz, "%s: wrong direction: %s message "
		    "received by the %s", name, ipc_dir_name(row->spec.dir),
		    dir == IPC_P2C ? "child" : "parent");
		goto refuse;
	}
	body = len - IPC_HDR_LEN;
	if (blen != body) {
		ipc_why(why, whysz, "%s: header says body of %u bytes, "
		    "message has %zu", name, blen, body);
		goto refuse;
	}
	if (body > row->spec.max_body) {
		ipc_why(why, whysz, "%s: body of %zu bytes exceeds maximum "
		    "%zu", name, body, row->spec.max_body);
		goto refuse;
	}
	if (row->spec.has_fd == IPC_FD_ONE && fd < 0) {
		ipc_why(why, whysz, "%s: missing descriptor", name);
		goto refuse;
	}
	if (row->spec.has_fd == IPC_FD_NONE && fd >= 0) {
		ipc_why(why, whysz, "%s: unexpected descriptor", name);
		goto refuse;
	}
	msg->type = (enum ipc_type)type;
	if (ipc_decode_body(row, &b, msg, why, whysz) < 0)
		goto refuse;
	/* SOCKET: a descriptor exactly when the answer grants one. */
	if (row->spec.has_fd == IPC_FD_IF_OK &&
	    (m_granted(msg) != (fd >= 0))) {
		ipc_why(why, whysz, "%s: %s descriptor", name, fd >= 0 ?
		    "unexpected" : "missing");
		goto refuse;
	}
	msg->fd = fd;
	if (msg->type == IPC_T_DELIVER)
		msg->u.deliver.content_fd = fd;	/* a copy: msg->fd owns it */
	return (0);

refuse:
	if (fd >= 0)
		(void)close(fd);
	memset(msg, 0, sizeof(*msg));
	msg->fd = -1;
	return (err);
}

void
ipc_msg_release(struct ipc_msg *msg)
{
	if (msg->fd >= 0)
		(void)close(msg->fd);
	msg->fd = -1;
	if (msg->type == IPC_T_DELIVER)
		msg->u.deliver.content_fd = -1;
}

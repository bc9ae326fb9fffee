/*
 * NAME
 *	attr.h 3h
 * SUMMARY
 *	Postfix's attr0 attribute protocol over a stream socket
 * DESCRIPTION
 *	See parent/attr.c and Postfix src/util/attr_scan0.c. A list is
 *	"name\0value\0" pairs ended by one extra "\0". The writer builds a
 *	whole list in a bounded buffer (attr_out) and writes it; the reader
 *	(attr_stream) walks an expected list in order with Postfix's
 *	strictness flags and logs Postfix's warnings.
 *
 *	Every function returns 0 or a negative errno: -EBADMSG for a
 *	protocol error, -ETIMEDOUT, -EPIPE (end of input), -ENOSPC (a value
 *	or list larger than its bound), -EIO for other I/O errors. On a
 *	reader failure the warning that was logged is also kept in the
 *	stream's 'err' member (without the "warning: " prefix).
 */
#ifndef ATTR_H
#define ATTR_H

#include <stddef.h>

#include "sj_buf.h"

/* Longest attribute name we accept; Postfix's are under 32 bytes. */
#define ATTR_NAME_MAX		256
/* Longest attribute value read from a Postfix socket; our longest
 * legitimate one is a few kB (a reason text), so 64 KiB is generous.
 * Longer is a protocol error, never an allocation. */
#define ATTR_VALUE_MAX		(64 * 1024)
/* Unknown attributes skipped in one list in MISSING-only mode. */
#define ATTR_SKIP_MAX		256
/* Room for a warning text kept in the stream. */
#define ATTR_ERR_MAX		512
/* Read buffer of a stream. */
#define ATTR_IBUF_SIZE		4096

/*
 * Strictness, as Postfix's ATTR_FLAG_* (same meaning, not same code):
 * MISSING, a missing attribute is an error; EXTRA, an unexpected one is;
 * MORE, the list continues (the terminator is not read).
 */
#define ATTR_FLAG_NONE		0
#define ATTR_FLAG_MISSING	(1 << 0)
#define ATTR_FLAG_EXTRA		(1 << 1)
#define ATTR_FLAG_MORE		(1 << 2)
#define ATTR_FLAG_STRICT	(ATTR_FLAG_MISSING | ATTR_FLAG_EXTRA)

/* Greeting attribute name (MAIL_ATTR_PROTO, global/mail_proto.h). */
#define ATTR_NAME_PROTOCOL	"protocol"

/* ------------------------------------------------------------------ */
/* Reader                                                              */

struct attr_stream {
	int	fd;			/* not owned */
	int	timeout;		/* seconds per wait; <= 0: no limit */
	/* "smtp socket", "private/bounce socket" */
	char	path[128];
	unsigned char ibuf[ATTR_IBUF_SIZE];
	size_t	ipos, ilen;		/* unread bytes: ibuf[ipos..ilen) */
	int	eof;			/* end of input seen */
	char	name[ATTR_NAME_MAX + 1];	/* last name read */
	char	*val;			/* ATTR_VALUE_MAX + 1 bytes, owned */
	size_t	vlen;			/* length of the last value read */
	char	err[ATTR_ERR_MAX];	/* last warning, "" if none */
};

enum attr_type {
	ATTR_TYPE_STR,		/* text, stored as a malloc'ed copy */
	ATTR_TYPE_INT,		/* %u of a 32-bit value */
	ATTR_TYPE_LONG,		/* %lu of a 64-bit value */
	ATTR_TYPE_DATA,		/* base64 of exactly 'max' bytes */
	ATTR_TYPE_STREQ,	/* text that must equal out.eq */
};

/* One expected attribute of a list. */
struct attr_spec {
	enum attr_type type;
	const char *name;
	/* another name accepted in its place, or NULL */
	const char *alt;
	size_t	max;		/* STR: longest length; DATA: exact length */
	union {
		char	**str;	/* STR: *str = malloc'ed copy (caller frees) */
		unsigned *u;	/* INT */
		unsigned long *ul;	/* LONG */
		unsigned char *data;	/* DATA: room for max bytes */
		const char *eq;	/* STREQ: the required value */
	} out;
	const char **got;	/* optional: the name that matched */
};

/* path names the peer in warnings. Allocates the value buffer. */
int	attr_stream_init(struct attr_stream *, int fd, const char *path,
	    int timeout);
/* Frees the value buffer; does not close the descriptor. */
void	attr_stream_free(struct attr_stream *);

/*
 * Waits (up to the timeout) for the first byte of a list. Returns 1 if
 * the peer closed the connection before sending anything (Postfix's
 * quiet "EOF check"), 0 if input is waiting, or a negative errno.
 */
int	attr_stream_at_eof(struct attr_stream *);

/*
 * Reads one list as described by spec[n] with the given flags. With
 * ATTR_FLAG_MORE the terminator is not consumed. On failure, strings
 * this call allocated are freed and their pointers set to NULL.
 */
int	attr_scan(struct attr_stream *, int flags, const struct attr_spec *,
	    size_t n);

/* Piecewise reading, for callers that decide as they go. */
int	attr_get_str(struct attr_stream *, int flags, const char *name,
	    char *out, size_t outsz);
int	attr_get_uint(struct attr_stream *, int flags, const char *name,
	    unsigned *);
int	attr_get_ulong(struct attr_stream *, int flags, const char *name,
	    unsigned long *);
/* Reads the terminator; STRICT refuses, MISSING-only skips, extras. */
int	attr_get_end(struct attr_stream *, int flags);

/* Checks a greeting list "protocol\0<proto>\0\0" (STRICT, string equals). */
int	attr_greet_read(struct attr_stream *, const char *proto);

/* ------------------------------------------------------------------ */
/* Writer                                                              */

struct attr_out {
	struct sj_buf buf;
	int	err;		/* sticky: first failure of a put */
};

int	attr_out_init(struct attr_out *, size_t cap);
void	attr_out_free(struct attr_out *);
/* Puts fail (sticky -ENOSPC/-EINVAL) instead of growing the buffer. */
void	attr_put_str(struct attr_out *, const char *name, const char *val);
/* Postfix sends ints as %u: -1 goes out as 4294967295. */
void	attr_put_int(struct attr_out *, const char *name, int val);
void	attr_put_long(struct attr_out *, const char *name, long val);
void	attr_put_data(struct attr_out *, const char *name, const void *,
	    size_t);
void	attr_put_end(struct attr_out *);
/* Writes the whole buffer; returns the sticky error first, if any. */
int	attr_out_write(struct attr_out *, int fd, int timeout);

/* Writes a greeting list "protocol\0<proto>\0\0". */
int	attr_greet_write(int fd, const char *proto, int timeout);

/* Writes all of buf[len] to fd, waiting up to timeout s per wait. */
int	attr_write_all(int fd, const void *buf, size_t len, int timeout);

#endif

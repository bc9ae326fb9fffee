/*
 * NAME
 *	qrec.h 3h
 * SUMMARY
 *	Postfix queue file records: reader and content decoder
 * DESCRIPTION
 *	A record is a type byte, a little-endian base-128 length and that
 *	many payload bytes (Postfix src/global/record.c). qrec_get() reads
 *	one record header at a given offset and checks that the payload
 *	lies inside the file; qrec_content() walks the content segment
 *	from the request's data offset to the X record and hands the
 *	message lines, LF-terminated, to a sink (as smtp_proto.c reads it).
 *
 *	A source is either a memory buffer (fuzzing, tests) or a file
 *	descriptor read with pread(2) through a bounded window.
 */
#ifndef QREC_H
#define QREC_H

#include <stddef.h>
#include <stdint.h>

/* Postfix's pseudo types for "bad record type: %d" (global/record.h). */
#define QREC_TYPE_EOF		(-1)	/* end of file at a record boundary */
#define QREC_TYPE_ERROR		(-2)	/* malformed record */

/* Record letters the agent cares about (global/rec_type.h). */
#define QREC_TYPE_SIZE		'C'
#define QREC_TYPE_RCPT		'R'
#define QREC_TYPE_DONE		'D'
#define QREC_TYPE_MESG		'M'
#define QREC_TYPE_NORM		'N'
#define QREC_TYPE_CONT		'L'
#define QREC_TYPE_DTXT		'w'
#define QREC_TYPE_PTR		'p'
#define QREC_TYPE_XTRA		'X'

/*
 * Postfix reads at most 5 length bytes (a 6th would shift past an int)
 * and refuses a length above INT_MAX (global/record.c).
 */
#define QREC_LEN_BYTES_MAX	5
#define QREC_LEN_MAX		0x7fffffffUL
/* A 'p' payload is "%15ld"; Postfix has no cap, we allow some slack. */
#define QREC_PTR_PAYLOAD_MAX	64
/* global/record.c rec_goto(): loop guard for pointer records. */
#define QREC_REVERSE_JUMP_LIMIT	10000
/* Read-ahead window for descriptor sources. */
#define QREC_WINDOW_DEFAULT	(256 * 1024)
#define QREC_WINDOW_MIN		16

struct qrec_src {
	int	fd;			/* >= 0: pread(2) from here */
	const unsigned char *mem;	/* fd < 0: the whole file */
	uint64_t size;			/* file size (fstat) or buffer length */
	unsigned char *win;		/* fd sources: read-ahead window */
	size_t	wincap;
	int	win_owned;		/* qrec_src_free() frees win */
	uint64_t winoff;		/* file offset of win[0] */
	size_t	winlen;			/* valid bytes in win */
};

struct qrec {
	int	type;			/* the type byte, 0..255 */
	uint64_t offset;		/* file offset of the type byte */
	uint64_t data_offset;		/* file offset of the first payload byte */
	uint64_t len;			/* payload length, <= QREC_LEN_MAX */
};

/* Result details of qrec_content(). */
struct qrec_content {
	uint64_t out_len;		/* bytes handed to the sink */
	uint64_t lines;			/* LF-terminated lines produced */
	uint64_t bad_offset;		/* -EUCLEAN: offset of the bad record */
	int	bad_type;		/* -EUCLEAN: type byte or QREC_TYPE_* */
};

/* A sink returns 0 or a negative errno (which ends the walk). */
typedef int (*qrec_sink_fn)(void *ctx, const void *data, size_t len);

void	qrec_src_mem(struct qrec_src *, const void *data, size_t len);
/* window 0 means QREC_WINDOW_DEFAULT; the descriptor stays the caller's */
int	qrec_src_fd(struct qrec_src *, int fd, uint64_t size, size_t window);
/*
 * The same with the caller's window buf[cap] (cap >= QREC_WINDOW_MIN),
 * which outlives the source: a buffer kept for the life of the process
 * is not faulted in again for every file.
 */
int	qrec_src_fd_buf(struct qrec_src *, int fd, uint64_t size,
	    unsigned char *buf, size_t cap);
void	qrec_src_free(struct qrec_src *);

/*
 * Points *p at up to 'want' bytes at 'off' (at least one byte, fewer
 * when the file or the window ends first). 0, -ENODATA at or past the
 * end of the file, -EIO when the file cannot be read or shrank.
 */
int	qrec_peek(struct qrec_src *, uint64_t off, size_t want,
	    const unsigned char **p, size_t *got, char *why, size_t whysz);
/* Copies exactly len bytes at off: 0, -EUCLEAN past the end, -EIO. */
int	qrec_read(struct qrec_src *, uint64_t off, void *buf, size_t len,
	    char *why, size_t whysz);

/*
 * Reads the record header at 'off'. 0 with *rec filled (the payload is
 * inside the file); -ENODATA when off is the end of the file; -EUCLEAN
 * for a malformed length or a payload past the end (why[] says which,
 * with the offset); -EIO for a read error.
 */
int	qrec_get(struct qrec_src *, uint64_t off, struct qrec *,
	    char *why, size_t whysz);

/*
 * Decodes the content segment that starts at 'offset': N ends a line,
 * L continues it, p is followed (0 = no jump), w is skipped, X ends the
 * content (a pending L line gets its LF). The sink receives the lines
 * with LF endings, in pieces. Returns 0; -EUCLEAN for anything else
 * (other record type, EOF, malformed record or pointer: res->bad_type
 * and res->bad_offset as smtp(8) would report them); -EFBIG when the
 * output would exceed max_out; -EIO; or the sink's error.
 */
int	qrec_content(struct qrec_src *, uint64_t offset, uint64_t max_out,
	    qrec_sink_fn, void *ctx, struct qrec_content *res,
	    char *why, size_t whysz);

#endif

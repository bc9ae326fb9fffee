/*
 * NAME
 *	mime.h 3h
 * SUMMARY
 *	8-bit MIME to 7-bit (quoted-printable) conversion of message content
 * DESCRIPTION
 *	What Postfix 3.7 smtp(8) does to a message whose encoding is not
 *	7bit when the server did not announce 8BITMIME (RFC 6152) and
 *	disable_mime_output_conversion = no: its MIME parser
 *	(src/global/mime_state.c in "downgrade" mode) walks the header and
 *	body parts and
 *	  - turns the body of every leaf part whose Content-Transfer-
 *	    Encoding is 8bit or binary into quoted-printable (RFC 2045
 *	    6.7: "=XX" for control characters but TAB, '=' and 8-bit
 *	    bytes, a soft line break "=" once an output line holds more
 *	    than 72 characters, a space or TAB before a hard line break
 *	    encoded), and says so in its header: the part's own
 *	    Content-Transfer-Encoding header is dropped and
 *	    "Content-Transfer-Encoding: quoted-printable" (for message/any
 *	    but message/global and for multipart/any: "7bit") is written at
 *	    the end of the part's header block;
 *	  - descends into multipart/any (boundary= parameters, at most
 *	    mime_nesting_limit levels, each boundary cut at
 *	    mime_boundary_length_limit bytes) and message/rfc822 parts;
 *	  - passes everything else through unchanged: headers (8-bit
 *	    included, except the normalisation "Name :" -> "Name:" of the
 *	    obsolete form), 7-bit, quoted-printable and base64 parts,
 *	    multipart preambles and epilogues. A header longer than
 *	    header_size_limit is cut at a record boundary, as Postfix
 *	    does.
 *	Content more deeply nested than mime_nesting_limit is an error
 *	(Postfix: 5.6.0 "MIME nesting exceeds safety limit").
 *
 *	The input is the content as the parent decoded it from the queue
 *	file (lines ending in LF). mime_write() cuts it into the records
 *	the queue file held (pieces of at most record_limit =
 *	line_length_limit bytes, the last piece of a line "normal", the
 *	others "continued"), because Postfix's parser sees records: header
 *	truncation and boundary recognition depend on them. The output is
 *	handed to 'out' as a byte stream with LF line endings (possibly
 *	in several calls per line); the caller applies SMTP's dot-stuffing
 *	and line folding to it.
 *
 *	mime_open() allocates the state for one message; mime_write()
 *	takes content in pieces of any size; mime_close() ends the content
 *	(a last line without LF is ended, any pending header written);
 *	mime_free() releases the state.
 * SECURITY
 *	Child only: the content is hostile. All memory is bounded by the
 *	limits given (header_size_limit + record_limit for the pending
 *	header and its tokens, mime_nesting_limit + 2 boundaries of at
 *	most mime_boundary_length_limit bytes), allocated at open or push.
 * SEE ALSO
 *	Postfix src/global/mime_state.c, header_token.c, is_header.c,
 *	src/smtp/smtp_proto.c (SMTP_MIME_DOWNGRADE); RFC 2045, 2046, 6152
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>
#include <stdint.h>

/* mime_write()/mime_close(): nesting over mime_nesting_limit (no errno). */
#define MIME_ERR_NESTING	(-200001)
#define MIME_ERR_NESTING_DSN	"5.6.0"
#define MIME_ERR_NESTING_TEXT	"MIME nesting exceeds safety limit"

struct mime_limits {
	uint32_t header_limit;		/* header_size_limit */
	uint32_t nesting_limit;		/* mime_nesting_limit */
	uint32_t boundary_limit;	/* mime_boundary_length_limit */
	uint32_t record_limit;		/* line_length_limit (queue records) */
};

/* Output: 0 to go on, a negative value stops (mime_write returns it). */
typedef int (*mime_out_fn)(void *ctx, const void *buf, size_t len);

struct mime;

/* Record types a body hook sees (Postfix REC_TYPE_NORM, REC_TYPE_CONT). */
#define MIME_REC_NORM	'N'	/* ends a line */
#define MIME_REC_CONT	'L'	/* the line goes on */

/* Header classes a header hook sees (Postfix MIME_HDR_*). */
#define MIME_HDR_PRIMARY	1	/* the message's own headers */
#define MIME_HDR_MULTIPART	2	/* headers after --boundary */
#define MIME_HDR_NESTED		3	/* headers of message/rfc822 */

/*
 * Postfix's mime_state(3) callbacks, for header and body checks: with
 * a hook, mime(3) hands it each complete header (NUL-terminated, lines
 * joined by '\n'; is_mime when Postfix flags it HDR_OPT_MIME:
 * Content-*, MIME-Version) or each body record (Postfix's BODY_OUT,
 * quoted-printable lines included) instead of writing it; the hook
 * writes what it wants (with the LF). 'downgrade' selects the 8-bit
 * to quoted-printable conversion; without it mime(3) only parses (as
 * Postfix's mime_state with checks but no downgrade).
 */
struct mime_hooks {
	int	downgrade;
	int	(*header)(void *ctx, int cls, int is_mime, const char *hdr,
		    size_t len);
	int	(*body)(void *ctx, int type, const char *text, size_t len);
	void	*ctx;
};

/* NULL when out of memory; limits of 0 are taken as 1. */
struct mime *mime_open(const struct mime_limits *, mime_out_fn, void *ctx);
struct mime *mime_open_hooks(const struct mime_limits *,
	    const struct mime_hooks *, mime_out_fn, void *ctx);

/* Postfix is_header_buf(): the length of the header name, 0 if none. */
size_t	mime_header_name(const void *, size_t);

/* 0, MIME_ERR_NESTING, or what 'out' returned. */
int	mime_write(struct mime *, const void *buf, size_t len);
int	mime_close(struct mime *);

void	mime_free(struct mime *);

#endif

/*
 * NAME
 *	generic_hdr.h 3h
 * SUMMARY
 *	smtp_generic_maps in message headers: parse, look up, re-emit
 * DESCRIPTION
 *	See child/generic_hdr.c.
 */
#ifndef GENERIC_HDR_H
#define GENERIC_HDR_H

#include <stddef.h>

/* The longest address handed to a lookup (the parent's DICT_KEY_MAX). */
#define GENERIC_HDR_ADDR_MAX	1100
/* A rewritten header: at most this many bytes (beyond: defer). */
#define GENERIC_HDR_OUT_MAX	(1024 * 1024)
/* Tokens of one header, sentinels and inserted commas included. */
#define GENERIC_HDR_TOK_MAX	(512 * 1024)

/*
 * Looks up one address (internal form, NUL-terminated). 1: found, the
 * new address (internal form) in out[]; 0: not found; negative: error
 * (the job is deferred).
 */
typedef int (*generic_hdr_lookup_fn)(void *ctx, const char *addr,
	    char *out, size_t outsz);

/*
 * The length of the canonical name (Postfix header_opts.c) when 'hdr'
 * is a header whose addresses smtp(8) rewrites (HDR_OPT_SENDER or
 * HDR_OPT_RECIP), else 0.
 */
size_t	generic_hdr_match(const char *hdr, size_t len);

/*
 * Postfix's smtp_header_rewrite() address part for one primary header
 * (lines joined by '\n', no final LF). 1: rewritten, *out (malloc'ed,
 * NUL-terminated, lines joined by '\n', continuation lines folded as
 * Postfix does) and *outlen set; 0: no address was found in the table
 * (the header goes out unchanged); negative: a lookup error or a limit
 * (-E2BIG), the job is deferred.
 */
int	generic_hdr_rewrite(const char *hdr, size_t len,
	    generic_hdr_lookup_fn, void *ctx, char **out, size_t *outlen);
/*
 * The same with the name length of the header as it arrived ('nlen',
 * from generic_hdr_match()), for a header replaced by a header check:
 * Postfix keeps the original header's HEADER_OPTS and parses the new
 * text from strlen(name) + 1 (src/smtp/smtp_proto.c).
 */
int	generic_hdr_rewrite_as(const char *hdr, size_t len, size_t nlen,
	    generic_hdr_lookup_fn, void *ctx, char **out, size_t *outlen);

#endif

/*
 * NAME
 *	sj_ehlo_mask.h 3h
 * SUMMARY
 *	EHLO keyword names and masks (smtp_discard_ehlo_keywords)
 * DESCRIPTION
 *	See ipc/sj_ehlo_mask.c. The bits are Postfix's EHLO_MASK_* values
 *	(src/global/ehlo_mask.h), so that a mask in the SOCKET message
 *	means what it means in Postfix; EHLO_MASK_REQTLS (Postfix 3.10) is
 *	not a 3.7 name and is ignored, as 3.7 ignores it.
 */
#ifndef SJ_EHLO_MASK_H
#define SJ_EHLO_MASK_H

#include <stddef.h>

#define SJ_EHLO_MASK_8BITMIME		(1U << 0)
#define SJ_EHLO_MASK_PIPELINING		(1U << 1)
#define SJ_EHLO_MASK_SIZE		(1U << 2)
#define SJ_EHLO_MASK_VRFY		(1U << 3)
#define SJ_EHLO_MASK_ETRN		(1U << 4)
#define SJ_EHLO_MASK_AUTH		(1U << 5)
#define SJ_EHLO_MASK_VERP		(1U << 6)
#define SJ_EHLO_MASK_STARTTLS		(1U << 7)
#define SJ_EHLO_MASK_XCLIENT		(1U << 8)
#define SJ_EHLO_MASK_XFORWARD		(1U << 9)
#define SJ_EHLO_MASK_ENHANCEDSTATUSCODES (1U << 10)
#define SJ_EHLO_MASK_DSN		(1U << 11)
#define SJ_EHLO_MASK_SMTPUTF8		(1U << 12)
#define SJ_EHLO_MASK_CHUNKING		(1U << 13)
#define SJ_EHLO_MASK_SILENT		(1U << 15)	/* do not log */
#define SJ_EHLO_MASK_ALL		(0x3fffU | SJ_EHLO_MASK_SILENT)

/* The names as one line: every name, one space between. */
#define SJ_EHLO_MASK_STR_MAX		200

/* Postfix ehlo_mask(): names separated by commas and/or white space,
 * in any case; names it does not know are ignored. */
unsigned sj_ehlo_mask(const char *words);

/* Postfix str_ehlo_mask(): the names of the bits set in mask, in
 * Postfix's table order, separated by one space, into buf[bufsz]. */
const char *sj_ehlo_mask_str(unsigned mask, char *buf, size_t bufsz);

#endif

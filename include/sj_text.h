/*
 * NAME
 *	sj_text.h 3h
 * SUMMARY
 *	censoring and checking of text that came from a peer
 * DESCRIPTION
 *	sj_text_censor() is what the child applies to every server reply,
 *	DNS name and error before it leaves the child: bytes outside
 *	printable ASCII (0x20-0x7e) become '?', CR/LF become ' ', and the
 *	text is cut at the size given. sj_text_is_printable() is what the
 *	parent checks again on receipt: a text that fails it is a protocol
 *	violation by the child.
 */
#ifndef SJ_TEXT_H
#define SJ_TEXT_H

#include <stddef.h>

/* Copies at most outsz-1 bytes of in[inlen], censored, NUL-terminates. */
size_t	sj_text_censor(char *out, size_t outsz, const char *in, size_t inlen);
/* 1 if every byte of s is 0x20-0x7e, else 0. */
int	sj_text_is_printable(const char *s);
/* 1 if s looks like an RFC 3463 status "[245].d{1,3}.d{1,3}". */
int	sj_text_is_dsn_status(const char *s);
/* 1 if s has only the characters of a host name (or IPv6 literal). */
int	sj_text_is_host(const char *s);
/* 1 if s is "none" or "host[address]:port" with a host as above, an
 * address of hex digits, '.' and ':', and a port of 1-5 digits. */
int	sj_text_is_relay(const char *s);

#endif

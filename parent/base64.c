/*
 * NAME
 *	base64 3
 * SUMMARY
 *	standard base64 (RFC 4648 section 4) into and out of bounded buffers
 * DESCRIPTION
 *	Postfix's attr0 protocol sends binary ("data") attribute values as
 *	standard base64 with '=' padding (Postfix attr_print0.c); the
 *	only such value on our sockets is the delivery request's "time"
 *	blob. The encoder writes into a caller buffer whose size it checks
 *	first. The decoder accepts only the canonical encoding: length a
 *	multiple of 4, padding only at the very end, zero filler bits. That
 *	is what Postfix's base64_encode() writes, and being strict means a
 *	malformed value is refused instead of half-decoded (Postfix's own
 *	decoder silently stops at the first '=').
 * SECURITY
 *	Parent. Input comes from qmgr (trusted, still fully checked); every
 *	output byte is bounds-checked before it is written.
 * SEE ALSO
 *	parent/attr.c, RFC 4648
 */
#include <errno.h>
#include <stdint.h>

#include "base64.h"

static const char base64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Value of an alphabet character, or -1. */
static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (c - 'A');
	if (c >= 'a' && c <= 'z')
		return (c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (c - '0' + 52);
	if (c == '+')
		return (62);
	if (c == '/')
		return (63);
	return (-1);
}

long
base64_encode(char *out, size_t outsz, const void *in, size_t inlen)
{
	const unsigned char *p = in;
	size_t	i, o = 0;
	uint32_t v;

	/* Keep BASE64_ENCODED_LEN() and the long result from overflowing. */
	if (inlen > (size_t)INT32_MAX / 2 ||
	    outsz < BASE64_ENCODED_LEN(inlen) + 1)
		return (-ENOSPC);
	for (i = 0; i + 3 <= inlen; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = base64_alphabet[v >> 6 & 63];
		out[o++] = base64_alphabet[v & 63];
	}
	if (inlen - i == 1) {
		v = (uint32_t)p[i] << 16;
		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (inlen - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		out[o++] = base64_alphabet[v >> 18 & 63];
		out[o++] = base64_alphabet[v >> 12 & 63];
		out[o++] = base64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return ((long)o);
}

int
base64_decode(void *out, size_t outsz, const char *in, size_t inlen,
    size_t *outlen)
{
	unsigned char *q = out;
	size_t	i, o = 0, npad;
	int	c[4], k;
	uint32_t v;

	*outlen = 0;
	if (inlen % 4 != 0)
		return (-EINVAL);
	for (i = 0; i < inlen; i += 4) {
		npad = 0;
		for (k = 0; k < 4; k++) {
			unsigned char ch = (unsigned char)in[i + k];

			if (ch == '=' && i + 4 == inlen && k >= 2) {
				c[k] = 0;
				npad++;
				continue;
			}
			/* A character after a pad, or a pad elsewhere. */
			if (npad > 0 || (c[k] = base64_value(ch)) < 0)
				return (-EINVAL);
		}
		v = (uint32_t)c[0] << 18 | (uint32_t)c[1] << 12 |
		    (uint32_t)c[2] << 6 | (uint32_t)c[3];
		/* Filler bits of a padded group must be zero (canonical). */
		if ((npad == 2 && (v & 0xffff) != 0) ||
		    (npad == 1 && (v & 0xff) != 0))
			return (-EINVAL);
		if (3 - npad > outsz - o)
			return (-ENOSPC);
		q[o++] = (unsigned char)(v >> 16);
		if (npad < 2)
			q[o++] = (unsigned char)(v >> 8);
		if (npad < 1)
			q[o++] = (unsigned char)v;
	}
	*outlen = o;
	return (0);
}

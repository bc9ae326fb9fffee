/*
 * NAME
 *	base64.h 3h
 * SUMMARY
 *	standard base64 (RFC 4648 section 4) into and out of bounded buffers
 * DESCRIPTION
 *	See parent/base64.c. Used for the "data" attributes of Postfix's
 *	attr0 protocol (Postfix src/util/attr_print0.c), e.g. the request's
 *	88-byte "time" blob.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stddef.h>

/* Characters (without NUL) that base64_encode() produces for n bytes. */
#define BASE64_ENCODED_LEN(n)	((((n) + 2) / 3) * 4)
/* Largest number of bytes that n characters of base64 can decode to. */
#define BASE64_DECODED_MAX(n)	(((n) / 4) * 3)

/*
 * Encodes in[inlen] into out[outsz] with '=' padding and a terminating
 * NUL. Returns the number of characters written (without the NUL), or
 * -ENOSPC when outsz < BASE64_ENCODED_LEN(inlen) + 1 or inlen is absurd.
 */
long	base64_encode(char *out, size_t outsz, const void *in, size_t inlen);

/*
 * Decodes in[inlen] (exactly inlen characters; no NUL needed) into
 * out[outsz] and stores the decoded length in *outlen. Strict: the
 * length must be a multiple of 4, every character must be in the
 * alphabet, '=' may only pad the last group ("xx==" or "xxx="), and
 * the unused bits before the padding must be zero (the canonical form
 * that Postfix and every RFC 4648 encoder produce). Returns 0, -EINVAL
 * for malformed input, -ENOSPC when out is too small.
 */
int	base64_decode(void *out, size_t outsz, const char *in, size_t inlen,
	    size_t *outlen);

#endif

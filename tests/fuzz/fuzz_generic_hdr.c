/*
 * NAME
 *	fuzz_generic_hdr 1
 * SUMMARY
 *	libFuzzer target: the child's header address parser (generic maps)
 * DESCRIPTION
 *	The input is one header as mime(3) hands it to the header hook
 *	(lines joined by '\n'); the first byte picks the lookup's answers:
 *	which addresses are "found" (those containing a byte of the
 *	input's choosing), what they become (a plain address, a quoted
 *	local part with spaces, a bare user, an "@" in the local part, an
 *	empty string) and whether the n-th lookup fails. Checked on every
 *	run: every address handed to the lookup is NUL-terminated and at
 *	most GENERIC_HDR_ADDR_MAX bytes; the result is 0 (and no output),
 *	1 or a negative error; a rewritten header starts with the input's
 *	name and ": ", holds no NUL, its continuation lines start with a
 *	TAB or a space and it is at most GENERIC_HDR_OUT_MAX bytes; fed
 *	back with nothing found, it parses again without error.
 * SECURITY
 *	Runs the child's header parser on hostile input, outside the
 *	sandbox.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "generic_hdr.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Bytes of header read; `make fuzz-long` uses -max_len=16385 (mode byte). */
#define FUZZ_HDR_MAX	16384

struct fz {
	uint8_t	mode;
	int	calls;
};

static int
fz_lookup(void *ctx, const char *addr, char *out, size_t outsz)
{
	struct fz *f = ctx;
	static const char *const res[] = {
		"new@example.test", "a b@example.test", "user", "x@y@z.test",
		"\"q\"@example.test", "",
	};
	size_t	len = strlen(addr);

	if (len > GENERIC_HDR_ADDR_MAX)
		abort();
	f->calls++;
	if ((f->mode & 0x80) && f->calls == 3)
		return (-EAGAIN);
	if (memchr(addr, 'a' + (f->mode & 0x0f), len) == NULL)
		return (0);
	snprintf(out, outsz, "%s", res[(f->mode >> 4) % 6]);
	return (1);
}

static int
fz_never(void *ctx, const char *addr, char *out, size_t outsz)
{
	(void)ctx;
	(void)out;
	(void)outsz;
	if (strlen(addr) > GENERIC_HDR_ADDR_MAX)
		abort();
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	char	*hdr, *out, *out2, *nl;
	size_t	len, outlen, outlen2, nlen;
	int	rc;

	if (size < 1)
		return (0);
	memset(&f, 0, sizeof(f));
	f.mode = data[0];
	len = size - 1 > FUZZ_HDR_MAX ? FUZZ_HDR_MAX : size - 1;
	if ((hdr = malloc(len + 1)) == NULL)
		return (0);
	memcpy(hdr, data + 1, len);
	hdr[len] = '\0';
	/* mime(3) hands over a C string: stop at a NUL as it would. */
	len = strlen(hdr);
	rc = generic_hdr_rewrite(hdr, len, fz_lookup, &f, &out, &outlen);
	if (rc > 1 || (rc <= 0 && out != NULL))
		abort();
	if (rc == 1) {
		nlen = generic_hdr_match(hdr, len);
		if (outlen != strlen(out) || outlen > GENERIC_HDR_OUT_MAX ||
		    nlen == 0 || strncmp(out, hdr, nlen) != 0 ||
		    strncmp(out + nlen, ": ", 2) != 0)
			abort();
		for (nl = strchr(out, '\n'); nl != NULL;
		    nl = strchr(nl + 1, '\n'))
			if (nl[1] != '\t' && nl[1] != ' ')
				abort();
		/*
		 * Rewritten again with no table match: unchanged, or refused
		 * for a limit. Postfix's tok822_parse() algorithm is not a
		 * fixed point on hostile input: a '>' without '<' groups a
		 * whole list into one address, and each pass may add ','
		 * and '""' tokens to it, so the second pass can meet an
		 * address over GENERIC_HDR_ADDR_MAX (-E2BIG: the job would be
		 * deferred); corpus input reparse-e2big.
		 */
		rc = generic_hdr_rewrite(out, outlen, fz_never, NULL, &out2,
		    &outlen2);
		if ((rc != 0 && rc != -E2BIG) || out2 != NULL)
			abort();
		free(out);
	}
	free(hdr);
	return (0);
}

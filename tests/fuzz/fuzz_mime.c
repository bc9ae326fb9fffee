/*
 * NAME
 *	fuzz_mime 1
 * SUMMARY
 *	libFuzzer target: the 8-bit MIME to quoted-printable conversion
 * DESCRIPTION
 *	The input is message content as the parent hands it to the child
 *	(LF line endings), which a hostile sender controls. The first byte
 *	picks small or default limits (so that record cutting, header
 *	truncation, boundary cutting and the nesting limit are all
 *	reached) and how the rest is split into mime_write() calls. Checks
 *	what must hold for any input: the run ends with 0 or
 *	MIME_ERR_NESTING, the same for the whole input in one call and in
 *	pieces; without error both give the same bytes, and the output is
 *	bounded (each byte becomes at most "=XX" plus soft line breaks and
 *	the headers the conversion adds). ASan/UBSan catch the rest.
 * SECURITY
 *	Runs the child's MIME parser on hostile input, outside the sandbox.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_quiet.h"
#include "mime.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_out {
	size_t	len;
	size_t	cap;
	unsigned char *buf;
};

static int
fuzz_out(void *ctx, const void *buf, size_t len)
{
	struct fuzz_out *o = ctx;

	if (o->len + len > o->cap) {
		size_t	cap = (o->len + len) * 2 + 64;
		unsigned char *p = realloc(o->buf, cap);

		if (p == NULL)
			abort();
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	return (0);
}

static int
fuzz_run(const struct mime_limits *lim, const uint8_t *in, size_t len,
    size_t piece, struct fuzz_out *o)
{
	struct mime *m;
	size_t	off, n;
	int	err = 0;

	if ((m = mime_open(lim, fuzz_out, o)) == NULL)
		abort();
	for (off = 0; off < len && err == 0; off += n) {
		n = len - off < piece ? len - off : piece;
		err = mime_write(m, in + off, n);
	}
	if (err == 0)
		err = mime_close(m);
	mime_free(m);
	if (err != 0 && err != MIME_ERR_NESTING)
		abort();
	return (err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mime_limits small = { 64, 2, 8, 40 };
	static const struct mime_limits dflt = { 102400, 100, 2048, 2048 };
	struct fuzz_out a = { 0, 0, NULL }, b = { 0, 0, NULL };
	const struct mime_limits *lim;
	size_t	piece;
	int	ea, eb;

	msg_set_sink(fuzz_quiet, NULL);
	if (size < 1)
		return (0);
	lim = (data[0] & 1) ? &small : &dflt;
	piece = 1 + (data[0] >> 1);
	data++;
	size--;
	ea = fuzz_run(lim, data, size, size ? size : 1, &a);
	eb = fuzz_run(lim, data, size, piece, &b);
	if (ea != eb)
		abort();
	/* Each input byte becomes at most "=XX" plus soft breaks. */
	if (ea == 0 && a.len > 4 * size + 64 * (size / 2 + 2))
		abort();
	if (ea == 0 && (a.len != b.len ||
	    (a.len > 0 && memcmp(a.buf, b.buf, a.len) != 0)))
		abort();
	free(a.buf);
	free(b.buf);
	return (0);
}

/*
 * NAME
 *	test_mime 1
 * SUMMARY
 *	unit tests of the 8-bit MIME to quoted-printable conversion
 * DESCRIPTION
 *	Table: content in, exact bytes out, with Postfix's default limits
 *	or small ones: 7-bit and undeclared content untouched (8-bit bytes
 *	too), an 8bit text part (header replaced, '=', controls, a space
 *	and a TAB before the line end, soft breaks after 73 characters),
 *	binary, quoted-printable and base64 parts left alone, a multipart
 *	with a preamble, an 8bit part, a message/rfc822 part with its own
 *	8bit body and a nested multipart, multipart/digest, message/global,
 *	message/partial, two Content-Transfer-Encoding headers, a folded
 *	and commented Content-Type, an obsolete "Name :" header, a body
 *	without the empty line, headers only, no final LF, empty content,
 *	header_size_limit truncation, records of line_length_limit bytes
 *	(a continued record is not a boundary), mime_boundary_length_limit,
 *	mime_nesting_limit (one more level fails, and stays failed).
 *	Properties: for random 8-bit bodies, single part and inside a
 *	multipart, the output is 7-bit in the converted part, no line is
 *	longer than 76 characters, and decoding quoted-printable gives the
 *	body back; the output does not depend on how the input is split
 *	into mime_write() calls; a failing output callback stops the run.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/mime.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mime.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define OUT_MAX		(1024 * 1024)

struct out {
	size_t	len;
	int	calls;
	int	fail_at;		/* fail the n-th call, 0 never */
	char	buf[OUT_MAX];
};

static struct out test_out;

static int
out_fn(void *ctx, const void *buf, size_t len)
{
	struct out *o = ctx;

	o->calls++;
	if (o->fail_at != 0 && o->calls == o->fail_at)
		return (-EPIPE);
	assert_true(o->len + len <= sizeof(o->buf));
	memcpy(o->buf + o->len, buf, len);
	o->len += len;
	return (0);
}

static const struct mime_limits lim_default = { 102400, 100, 2048, 2048 };

/* Convert in[len] in pieces of 'piece' bytes (0: one call). */
static int
run(const struct mime_limits *lim, const char *in, size_t len, size_t piece)
{
	struct mime *m;
	size_t	off, n;
	int	err = 0;

	memset(&test_out, 0, sizeof(test_out));
	assert_non_null(m = mime_open(lim, out_fn, &test_out));
	for (off = 0; off < len && err == 0; off += n) {
		n = piece == 0 || len - off < piece ? len - off : piece;
		err = mime_write(m, in + off, n);
	}
	if (err == 0)
		err = mime_close(m);
	mime_free(m);
	return (err);
}

#define H_8BIT	"Content-Transfer-Encoding: 8bit\n"
#define H_QP	"Content-Transfer-Encoding: quoted-printable\n"
#define H_7BIT	"Content-Transfer-Encoding: 7bit\n"
#define A10	"aaaaaaaaaa"
#define A70	A10 A10 A10 A10 A10 A10 A10
#define X44	"xxxxxxxxxxxxxxxxxxxxxx" "xxxxxxxxxxxxxxxxxxxxxx"

struct mcase {
	const char *name;
	const char *in;
	const char *out;
	int	err;
	struct mime_limits lim;		/* all 0: the defaults */
};

static const struct mcase cases[] = {
	{ "undeclared 8-bit passes", "Subject: x\n\nK\xc3\xb6ln \xff\n",
	    "Subject: x\n\nK\xc3\xb6ln \xff\n", 0, { 0 } },
	{ "7bit passes", "Content-Transfer-Encoding: 7bit\n\n\xe4\n",
	    "Content-Transfer-Encoding: 7bit\n\n\xe4\n", 0, { 0 } },
	{ "8bit text", "Content-Type: text/plain; charset=utf-8\n" H_8BIT
	    "Subject: s\n\nGr\xc3\xbc\xc3\x9f" "e\n",
	    "Content-Type: text/plain; charset=utf-8\nSubject: s\n" H_QP
	    "\nGr=C3=BC=C3=9F" "e\n", 0, { 0 } },
	{ "equals, controls, trailing space and tab",
	    H_8BIT "\na=b \n\tx\t\nc\rd\x01\x7f~\n \n\n",
	    H_QP "\na=3Db=20\n\tx=09\nc=0Dd=01=7F~\n=20\n\n", 0, { 0 } },
	{ "soft break after 73", H_8BIT "\n" A70 "abcdefghij\n",
	    H_QP "\n" A70 "abc=\ndefghij\n", 0, { 0 } },
	{ "soft break, then encoded", H_8BIT "\n" A70 "ab\xe4\xe4\n",
	    H_QP "\n" A70 "ab=E4=\n=E4\n", 0, { 0 } },
	{ "binary converted", "Content-Transfer-Encoding: Binary\n\n\xe4\n",
	    H_QP "\n=E4\n", 0, { 0 } },
	{ "quoted-printable and base64 untouched",
	    "Content-Transfer-Encoding: base64\n\n5A==\xe4\n",
	    "Content-Transfer-Encoding: base64\n\n5A==\xe4\n", 0, { 0 } },
	{ "two encoding headers, the last wins",
	    H_8BIT "Content-Transfer-Encoding: 7bit\n\n\xe4\n",
	    "Content-Transfer-Encoding: 7bit\n\n\xe4\n", 0, { 0 } },
	{ "quoted encoding value is no token",
	    "Content-Transfer-Encoding: \"8bit\"\n\n\xe4\n",
	    "Content-Transfer-Encoding: \"8bit\"\n\n\xe4\n", 0, { 0 } },
	{ "obsolete name space colon", "Subject :  x\n" H_8BIT "\n\xe4\n",
	    "Subject:  x\n" H_QP "\n=E4\n", 0, { 0 } },
	{ "body without empty line", "Subject: a\n" H_8BIT "no header\n",
	    "Subject: a\n" H_QP "\nno header\n", 0, { 0 } },
	{ "headers only", "Subject: a\n" H_8BIT, "Subject: a\n" H_QP, 0,
	    { 0 } },
	{ "no final LF", H_8BIT "\nabc \xe4", H_QP "\nabc =E4\n", 0, { 0 } },
	{ "no final LF, 7 bit", "S: a\n\nabc", "S: a\n\nabc\n", 0, { 0 } },
	{ "empty", "", "", 0, { 0 } },
	{ "multipart, rfc822, nested multipart",
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed;\n\tboundary=\"B1\" (outer)\n"
	    H_8BIT "\n"
	    "pre \xe4\n"
	    "--B1\n"
	    "Content-Type: text/plain\n" H_8BIT "\n"
	    "\xe4 part one\n"
	    "--B1\n"
	    "Content-Type: message/rfc822\n" H_8BIT "\n"
	    "Subject: inner \xfc\n"
	    "Content-Type: multipart/alternative; boundary=B2\n" H_8BIT "\n"
	    "--B2\n" H_8BIT "\n"
	    "\xf6 inner\n"
	    "--B2\n"
	    "Content-Type: text/html\n\n"
	    "<p>7 bit \xf6</p>\n"
	    "--B2--\n"
	    "--B1\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "AAAA\n"
	    "--B1--\n"
	    "epi \xe4\n",
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed;\n\tboundary=\"B1\" (outer)\n"
	    H_7BIT "\n"
	    "pre \xe4\n"
	    "--B1\n"
	    "Content-Type: text/plain\n" H_QP "\n"
	    "=E4 part one\n"
	    "--B1\n"
	    "Content-Type: message/rfc822\n" H_7BIT "\n"
	    "Subject: inner \xfc\n"
	    "Content-Type: multipart/alternative; boundary=B2\n" H_7BIT "\n"
	    "--B2\n" H_QP "\n"
	    "=F6 inner\n"
	    "--B2\n"
	    "Content-Type: text/html\n\n"
	    "<p>7 bit \xf6</p>\n"
	    "--B2--\n"
	    "--B1\n"
	    "Content-Type: application/octet-stream\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "AAAA\n"
	    "--B1--\n"
	    "epi \xe4\n", 0, { 0 } },
	{ "digest parts default to message/rfc822",
	    "Content-Type: multipart/digest; boundary=D\n\n"
	    "--D\n" H_8BIT "\nSubject: m\n" H_8BIT "\n\xe4\n--D--\n",
	    "Content-Type: multipart/digest; boundary=D\n\n"
	    "--D\n" H_7BIT "\nSubject: m\n" H_QP "\n=E4\n--D--\n", 0,
	    { 0 } },
	{ "message/global 8bit is a leaf",
	    "Content-Type: message/global\n" H_8BIT "\nSubject: \xe4\n",
	    "Content-Type: message/global\n" H_QP "\nSubject: =E4\n", 0,
	    { 0 } },
	{ "message/partial 8bit: 7bit label, body encoded",
	    "Content-Type: message/partial; id=x\n" H_8BIT "\n\xe4\n",
	    "Content-Type: message/partial; id=x\n" H_7BIT "\n=E4\n", 0,
	    { 0 } },
	{ "other types keep the type they had",
	    "Content-Type: message/rfc822\nContent-Type: image/png\n"
	    H_8BIT "\nSubject: a\n",
	    "Content-Type: message/rfc822\nContent-Type: image/png\n"
	    H_7BIT "\nSubject: a\n", 0, { 0 } },
	{ "header_size_limit drops continuation lines",
	    "X-Long: 0123456789\n abc\n" H_8BIT "\n\xe4\n",
	    "X-Long: 0123456789\n" H_QP "\n=E4\n", 0,
	    { 10, 100, 2048, 2048 } },
	{ "a continued record is no boundary",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    X44 "--b\n"
	    "--b\n" H_8BIT "\n\xe4\n",
	    "Content-Type: multipart/mixed; boundary=b\n\n"
	    X44 "--b\n"
	    "--b\n" H_QP "\n=E4\n", 0, { 102400, 100, 2048, 44 } },
	{ "a line that fills its record, then a header",
	    "Content-Transfer-Encoding: 8bit   \n\n\xe4\n",
	    H_QP "\n=E4\n", 0, { 102400, 100, 2048, 34 } },
	{ "boundary cut at mime_boundary_length_limit",
	    "Content-Type: multipart/mixed; boundary=abcdef\n\n"
	    "--abcXYZ\n" H_8BIT "\n\xe4\n",
	    "Content-Type: multipart/mixed; boundary=abcdef\n\n"
	    "--abcXYZ\n" H_QP "\n=E4\n", 0, { 102400, 100, 3, 2048 } },
	{ "nesting at the limit",
	    "Content-Type: multipart/mixed; boundary=a; boundary=b; "
	    "boundary=c; boundary=d\n\n--a\n" H_8BIT "\n\xe4\n",
	    "Content-Type: multipart/mixed; boundary=a; boundary=b; "
	    "boundary=c; boundary=d\n\n--a\n" H_QP "\n=E4\n", 0,
	    { 102400, 2, 2048, 2048 } },
	{ "nesting over the limit",
	    "Content-Type: multipart/mixed; boundary=a; boundary=b; "
	    "boundary=c; boundary=d; boundary=e\n\n--a\n\xe4\n",
	    NULL, MIME_ERR_NESTING, { 102400, 2, 2048, 2048 } },
};

static void
test_cases(void **state)
{
	const struct mcase *c;
	const struct mime_limits *lim;
	size_t	i, len, piece;
	static const size_t pieces[] = { 0, 1, 2, 7, 4096 };
	size_t	p;
	int	err;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		c = &cases[i];
		lim = c->lim.header_limit ? &c->lim : &lim_default;
		len = strlen(c->in);
		for (p = 0; p < NELEM(pieces); p++) {
			piece = pieces[p];
			err = run(lim, c->in, len, piece);
			if (err != c->err)
				fail_msg("%s (pieces of %zu): error %d, "
				    "want %d", c->name, piece, err, c->err);
			if (c->out == NULL)
				continue;
			if (test_out.len != strlen(c->out) ||
			    memcmp(test_out.buf, c->out, test_out.len) != 0)
				fail_msg("%s (pieces of %zu): got\n%.*s\n"
				    "want\n%s", c->name, piece,
				    (int)test_out.len, test_out.buf, c->out);
		}
	}
}

/* An error sticks: every later call returns it. */
static void
test_error_sticks(void **state)
{
	static const char in[] = "Content-Type: multipart/mixed; "
	    "boundary=a; boundary=b; boundary=c\n\n--a\n";
	const struct mime_limits lim = { 100, 0, 10, 600 };
	struct mime *m;

	(void)state;
	memset(&test_out, 0, sizeof(test_out));
	assert_non_null(m = mime_open(&lim, out_fn, &test_out));
	assert_int_equal(mime_write(m, in, sizeof(in) - 1), MIME_ERR_NESTING);
	assert_int_equal(mime_write(m, "x\n", 2), MIME_ERR_NESTING);
	assert_int_equal(mime_close(m), MIME_ERR_NESTING);
	mime_free(m);
}

/* Without the downgrade (header checks, generic maps) Postfix does not
 * report too deep a nesting: the content passes unchanged. */
static void
test_nesting_unreported(void **state)
{
	static const char in[] = "Content-Type: multipart/mixed; "
	    "boundary=a; boundary=b; boundary=c\n\n--a\nx\n";
	static const struct mime_hooks hk = { 0, NULL, NULL, NULL };
	const struct mime_limits lim = { 100, 0, 10, 600 };
	struct mime *m;

	(void)state;
	memset(&test_out, 0, sizeof(test_out));
	assert_non_null(m = mime_open_hooks(&lim, &hk, out_fn, &test_out));
	assert_int_equal(mime_write(m, in, sizeof(in) - 1), 0);
	assert_int_equal(mime_close(m), 0);
	assert_int_equal(test_out.len, sizeof(in) - 1);
	assert_memory_equal(test_out.buf, in, sizeof(in) - 1);
	mime_free(m);
}

/* The output callback's error stops the conversion and is returned. */
static void
test_out_error(void **state)
{
	static const char in[] = H_8BIT "\n\xe4\n\xe4\n\xe4\n";
	struct mime *m;

	(void)state;
	memset(&test_out, 0, sizeof(test_out));
	test_out.fail_at = 3;
	assert_non_null(m = mime_open(&lim_default, out_fn, &test_out));
	assert_int_equal(mime_write(m, in, sizeof(in) - 1), -EPIPE);
	mime_free(m);
}

static uint32_t test_rnd = 12345;

static uint32_t
rnd(void)
{
	test_rnd = test_rnd * 1103515245 + 12345;
	return ((test_rnd >> 8) & 0xffffff);
}

static int
hexval(int c)
{
	return (c >= '0' && c <= '9' ? c - '0' : c - 'A' + 10);
}

/* Decode quoted-printable text[len] (soft breaks, =XX) into out. */
static size_t
qp_decode(const char *t, size_t len, char *out)
{
	size_t	i, n = 0;

	for (i = 0; i < len; i++) {
		if (t[i] == '=' && i + 1 < len && t[i + 1] == '\n') {
			i++;
			continue;
		}
		if (t[i] == '=') {
			assert_true(i + 2 < len);
			out[n++] = (char)(hexval(t[i + 1]) * 16 +
			    hexval(t[i + 2]));
			i += 2;
			continue;
		}
		out[n++] = t[i];
	}
	return (n);
}

/* A random body: lines of random bytes (no LF), some long. */
static size_t
random_body(char *b, size_t max)
{
	size_t	n = 0, len, i;

	while (n + 400 < max) {
		len = rnd() % 8 == 0 ? rnd() % 300 : rnd() % 90;
		for (i = 0; i < len; i++) {
			do
				b[n] = (char)(rnd() & 0xff);
			while (b[n] == '\n');
			n++;
		}
		b[n++] = '\n';
		if (rnd() % 50 == 0)
			break;
	}
	return (n);
}

static void
check_qp_lines(const char *t, size_t len)
{
	size_t	i, col = 0;

	for (i = 0; i < len; i++) {
		if (t[i] == '\n') {
			assert_true(col <= 76);
			col = 0;
			continue;
		}
		assert_true(t[i] == '\t' ||
		    ((unsigned char)t[i] >= 32 && (unsigned char)t[i] < 127));
		col++;
	}
}

static char test_in[256 * 1024];
static char test_body[128 * 1024];
static char test_dec[128 * 1024];
static char test_first[OUT_MAX];

static void
test_random_roundtrip(void **state)
{
	static const char head[] = "Subject: r\n" H_8BIT "\n";
	static const char mp_head[] = "Content-Type: multipart/mixed; "
	    "boundary=\"=_sep\"\n\n--=_sep\n" H_8BIT "\n";
	static const char mp_tail[] = "--=_sep--\n";
	size_t	blen, ilen, hlen, first_len, dlen, piece;
	const char *q;
	int	round, mp;

	(void)state;
	for (round = 0; round < 200; round++) {
		mp = round % 2;
		blen = random_body(test_body, sizeof(test_body) / 2);
		/* A body line must not look like the boundary. */
		if (mp && blen > 1 && test_body[0] == '-')
			test_body[0] = 'x';
		ilen = 0;
		memcpy(test_in, mp ? mp_head : head, mp ? sizeof(mp_head) - 1 :
		    sizeof(head) - 1);
		ilen = mp ? sizeof(mp_head) - 1 : sizeof(head) - 1;
		memcpy(test_in + ilen, test_body, blen);
		ilen += blen;
		if (mp) {
			memcpy(test_in + ilen, mp_tail, sizeof(mp_tail) - 1);
			ilen += sizeof(mp_tail) - 1;
		}
		assert_int_equal(run(&lim_default, test_in, ilen, 0), 0);
		first_len = test_out.len;
		memcpy(test_first, test_out.buf, first_len);

		/* The converted part: after its new header, up to the end. */
		q = memmem(test_first, first_len, H_QP "\n", sizeof(H_QP));
		assert_non_null(q);
		q += sizeof(H_QP);
		hlen = (size_t)(q - test_first);
		dlen = first_len - hlen - (mp ? sizeof(mp_tail) - 1 : 0);
		check_qp_lines(q, dlen);
		assert_int_equal(qp_decode(q, dlen, test_dec), blen);
		assert_memory_equal(test_dec, test_body, blen);

		/* Any split of the input gives the same bytes. */
		piece = 1 + rnd() % 5000;
		assert_int_equal(run(&lim_default, test_in, ilen, piece), 0);
		assert_int_equal(test_out.len, first_len);
		assert_memory_equal(test_out.buf, test_first, first_len);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_error_sticks),
		cmocka_unit_test(test_nesting_unreported),
		cmocka_unit_test(test_out_error),
		cmocka_unit_test(test_random_roundtrip),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

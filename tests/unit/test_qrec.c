/*
 * NAME
 *	test_qrec 1
 * SUMMARY
 *	unit tests for parent/qrec.c
 * DESCRIPTION
 *	Record headers (length encodings accepted and refused as Postfix's
 *	rec_get_raw() does) and content decoding (N/L lines, pointer and
 *	padding records, the end at X, every corrupt case with the number
 *	smtp(8) would log). Every content case runs against a memory
 *	source and against descriptor sources with windows from 16 bytes
 *	up, allocated or the caller's (qrec_src_fd_buf), which must all
 *	give the same result.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "qrec.h"

/* ---- building records ---- */

struct qb {
	unsigned char p[8192];
	size_t	len;
};

static void
qb_put(struct qb *b, const void *data, size_t len)
{
	assert_true(len <= sizeof(b->p) - b->len);
	memcpy(b->p + b->len, data, len);
	b->len += len;
}

/* A record with a minimal length encoding; returns its offset. */
static size_t
qb_rec(struct qb *b, int type, const void *data, size_t len)
{
	size_t	off = b->len;
	unsigned char t = (unsigned char)type, lb;
	size_t	l = len;

	qb_put(b, &t, 1);
	do {
		lb = l & 0x7f;
		l >>= 7;
		if (l)
			lb |= 0x80;
		qb_put(b, &lb, 1);
	} while (l);
	qb_put(b, data, len);
	return (off);
}

static size_t
qb_str(struct qb *b, int type, const char *s)
{
	return (qb_rec(b, type, s, strlen(s)));
}

static size_t
qb_ptr(struct qb *b, unsigned long target)
{
	char	s[32];

	snprintf(s, sizeof(s), "%15lu", target);
	return (qb_str(b, 'p', s));
}

/* ---- record headers ---- */

struct hdr_vec {
	const char *name;
	const char *bytes;
	size_t	len;
	int	err;
	int	type;
	unsigned long long rlen;
	unsigned long long data_off;
};

#define B(s)	s, sizeof(s) - 1

static const struct hdr_vec hdr_vectors[] = {
	{ "empty N", B("N\x00"), 0, 'N', 0, 2 },
	{ "short payload", B("S\x03" "abc"), 0, 'S', 3, 2 },
	{ "two length bytes", B("L\x80\x01"), -EUCLEAN, 0, 0, 0 },
	{ "non-minimal zero", B("N\x80\x00"), 0, 'N', 0, 3 },
	{ "127", B("N\x7f"), -EUCLEAN, 0, 0, 0 },
	{ "no length byte", B("N"), -EUCLEAN, 0, 0, 0 },
	{ "continued, then EOF", B("N\x80"), -EUCLEAN, 0, 0, 0 },
	{ "payload past EOF", B("N\x05" "abc"), -EUCLEAN, 0, 0, 0 },
	{ "INT_MAX, past EOF", B("N\xff\xff\xff\xff\x07"), -EUCLEAN, 0, 0, 0 },
	{ "above INT_MAX", B("N\xff\xff\xff\xff\x08"), -EUCLEAN, 0, 0, 0 },
	{ "six length bytes", B("N\x80\x80\x80\x80\x80\x00"), -EUCLEAN, 0, 0, 0 },
	{ "type byte 0", B("\x00\x00"), 0, 0, 0, 2 },
	{ "type byte 255", B("\xff\x01" "x"), 0, 255, 1, 2 },
	{ "nothing", B(""), -ENODATA, 0, 0, 0 },
};

static void
test_get_headers(void **state)
{
	struct qrec_src src;
	struct qrec rec;
	char	why[256];
	size_t	i;
	int	err;

	(void)state;
	for (i = 0; i < sizeof(hdr_vectors) / sizeof(hdr_vectors[0]); i++) {
		const struct hdr_vec *v = &hdr_vectors[i];

		qrec_src_mem(&src, v->bytes, v->len);
		why[0] = 0;
		err = qrec_get(&src, 0, &rec, why, sizeof(why));
		if (err != v->err)
			fail_msg("%s: got %d, want %d (%s)", v->name, err,
			    v->err, why);
		if (err == -EUCLEAN)
			assert_non_null(strstr(why, "offset 0"));
		if (err == 0) {
			assert_int_equal(rec.type, v->type);
			assert_int_equal(rec.len, v->rlen);
			assert_int_equal(rec.data_offset, v->data_off);
			assert_int_equal(rec.offset, 0);
		}
	}
}

static void
test_get_long_record(void **state)
{
	static unsigned char buf[4096];
	struct qrec_src src;
	struct qrec rec;
	char	why[128];

	(void)state;
	/* L with 2048 = 0x80 0x10, as cleanup writes long lines */
	buf[0] = 'L';
	buf[1] = 0x80;
	buf[2] = 0x10;
	memset(buf + 3, 'x', 2048);
	qrec_src_mem(&src, buf, 3 + 2048);
	assert_int_equal(qrec_get(&src, 0, &rec, why, sizeof(why)), 0);
	assert_int_equal(rec.type, 'L');
	assert_int_equal(rec.len, 2048);
	assert_int_equal(rec.data_offset, 3);
	/* one byte short */
	qrec_src_mem(&src, buf, 3 + 2047);
	assert_int_equal(qrec_get(&src, 0, &rec, why, sizeof(why)),
	    -EUCLEAN);
	assert_non_null(strstr(why, "unexpected EOF in data"));
	/* offset past the end */
	qrec_src_mem(&src, buf, 10);
	assert_int_equal(qrec_get(&src, 10, &rec, why, sizeof(why)),
	    -ENODATA);
	assert_int_equal(qrec_get(&src, 11, &rec, why, sizeof(why)),
	    -ENODATA);
}

/* ---- content ---- */

struct sink {
	unsigned char out[16384];
	size_t	len;
	int	fail_at;	/* fail the call that would pass this many bytes */
};

static int
sink_fn(void *ctx, const void *data, size_t len)
{
	struct sink *s = ctx;

	if (s->fail_at > 0 && s->len + len >= (size_t)s->fail_at)
		return (-ENOSPC);
	assert_true(len > 0);
	assert_true(len <= sizeof(s->out) - s->len);
	memcpy(s->out + s->len, data, len);
	s->len += len;
	return (0);
}

typedef size_t (*build_fn)(struct qb *);	/* returns start offset */

struct content_vec {
	const char *name;
	build_fn build;
	int	err;
	const char *want;	/* err == 0 */
	size_t	wantlen;
	int	bad_type;	/* err == -EUCLEAN */
	long	bad_offset;	/* -1: don't check */
};

static size_t
b_simple(struct qb *b)
{
	qb_str(b, 'N', "abc");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_continued(struct qb *b)
{
	qb_str(b, 'L', "ab");
	qb_str(b, 'N', "cd");
	qb_str(b, 'L', "ef");
	qb_str(b, 'L', "gh");
	qb_str(b, 'N', "");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_trailing_l(struct qb *b)
{
	qb_str(b, 'N', "x");
	qb_str(b, 'L', "no newline");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_empty_lines(struct qb *b)
{
	qb_str(b, 'N', "");
	qb_str(b, 'N', "");
	qb_str(b, 'N', ".");
	qb_str(b, 'N', "..x");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_nothing(struct qb *b)
{
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_binary(struct qb *b)
{
	qb_rec(b, 'N', "a\0b\r\xff\x80", 6);
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_padding(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_str(b, 'w', "ignored padding");
	qb_str(b, 'N', "b");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_zero(struct qb *b)
{
	qb_ptr(b, 0);
	qb_str(b, 'N', "a");
	qb_str(b, 'p', "");		/* empty payload: 0 */
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_forward(struct qb *b)
{
	size_t	p;
	char	s[32];

	qb_str(b, 'N', "a");
	p = qb_str(b, 'p', "   000000000000");	/* patched below */
	qb_str(b, 'N', "skipped");
	snprintf(s, sizeof(s), "%15zu", b->len);
	memcpy(b->p + p + 2, s, 15);
	qb_str(b, 'N', "c");
	qb_str(b, 'X', "");
	return (0);
}

/* How cleanup inserts a header: the old record becomes a pointer to the
 * new text, which ends with a pointer back. Content starts after a
 * leading envelope-like record, to test a non-zero offset. */
static size_t
b_ptr_insert(struct qb *b)
{
	size_t	start, p1, back, ins;
	char	s[32];

	qb_str(b, 'M', "");
	start = b->len;
	qb_str(b, 'N', "h1");
	p1 = qb_str(b, 'p', "              0");
	back = b->len;
	qb_str(b, 'N', "body");
	qb_str(b, 'X', "");
	qb_str(b, 'E', "");
	ins = qb_str(b, 'N', "inserted");
	qb_ptr(b, back);
	snprintf(s, sizeof(s), "%15zu", ins);
	memcpy(b->p + p1 + 2, s, 15);
	return (start);
}

static size_t
b_ptr_spaces(struct qb *b)
{
	size_t	p;
	char	s[64];

	p = qb_str(b, 'p', "\t \n  00000000000000000000000000000");
	qb_str(b, 'N', "skipped");
	snprintf(s, sizeof(s), "\t \n  %029zu", b->len);
	memcpy(b->p + p + 2, s, strlen(s));
	qb_str(b, 'N', "target");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_loop(struct qb *b)
{
	qb_ptr(b, 0);
	qb_ptr(b, 17);		/* the record at 17 points to itself */
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_bad_value(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_str(b, 'p', "   12a");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_negative(struct qb *b)
{
	qb_str(b, 'p', "-5");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_overflow(struct qb *b)
{
	qb_str(b, 'p', "99999999999999999999999");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_long(struct qb *b)
{
	char	s[80];

	memset(s, ' ', sizeof(s) - 2);
	s[sizeof(s) - 2] = '0';
	s[sizeof(s) - 1] = 0;
	qb_str(b, 'p', s);
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_past_eof(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_ptr(b, 5000);
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_ptr_nul(struct qb *b)
{
	size_t	p;

	/* a C string: the NUL ends the number, as in Postfix */
	p = qb_rec(b, 'p', "  20\0junk", 9);
	(void)p;
	qb_str(b, 'N', "skipped");	/* 11..19 */
	qb_str(b, 'N', "t");		/* 20 */
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_bad_type(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_str(b, 'R', "rcpt@x");
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_end_in_content(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_str(b, 'E', "");
	return (0);
}

static size_t
b_no_x(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_str(b, 'N', "b");
	return (0);
}

static size_t
b_truncated(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_str(b, 'N', "bcdef");
	b->len -= 2;
	return (0);
}

static size_t
b_type_nul(struct qb *b)
{
	qb_str(b, 'N', "a");
	qb_rec(b, 0, "", 0);
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_big_line(struct qb *b)
{
	static char x[3000];

	memset(x, 'x', sizeof(x));
	qb_rec(b, 'L', x, 2048);
	qb_rec(b, 'N', x, 952);
	qb_str(b, 'X', "");
	return (0);
}

static size_t
b_m_first(struct qb *b)
{
	qb_str(b, 'M', "");
	qb_str(b, 'X', "");
	return (0);
}

static char big_want[3001];

static const struct content_vec content_vectors[] = {
	{ "simple", b_simple, 0, B("abc\n"), 0, 0 },
	{ "L joins N", b_continued, 0, B("abcd\nefgh\n"), 0, 0 },
	{ "L before X ends a line", b_trailing_l, 0, B("x\nno newline\n"), 0, 0 },
	{ "empty and dot lines", b_empty_lines, 0, B("\n\n.\n..x\n"), 0, 0 },
	{ "no content", b_nothing, 0, B(""), 0, 0 },
	{ "binary bytes", b_binary, 0, B("a\0b\r\xff\x80\n"), 0, 0 },
	{ "padding skipped", b_padding, 0, B("a\nb\n"), 0, 0 },
	{ "pointer 0 is a no-op", b_ptr_zero, 0, B("a\n"), 0, 0 },
	{ "pointer forward", b_ptr_forward, 0, B("a\nc\n"), 0, 0 },
	{ "inserted header", b_ptr_insert, 0, B("h1\ninserted\nbody\n"), 0, 0 },
	{ "pointer with blanks", b_ptr_spaces, 0, B("target\n"), 0, 0 },
	{ "pointer NUL", b_ptr_nul, 0, B("t\n"), 0, 0 },
	{ "3000-char line", b_big_line, 0, NULL, 3001, 0, 0 },
	{ "pointer loop", b_ptr_loop, -EUCLEAN, NULL, 0, QREC_TYPE_ERROR, 17 },
	{ "pointer value", b_ptr_bad_value, -EUCLEAN, NULL, 0, QREC_TYPE_ERROR, 3 },
	{ "pointer negative", b_ptr_negative, -EUCLEAN, NULL, 0, QREC_TYPE_ERROR, 0 },
	{ "pointer overflow", b_ptr_overflow, -EUCLEAN, NULL, 0, QREC_TYPE_ERROR, 0 },
	{ "pointer too long", b_ptr_long, -EUCLEAN, NULL, 0, QREC_TYPE_ERROR, 0 },
	{ "pointer past EOF", b_ptr_past_eof, -EUCLEAN, NULL, 0, QREC_TYPE_EOF, 5000 },
	{ "R in content", b_bad_type, -EUCLEAN, NULL, 0, 'R', 3 },
	{ "E in content", b_end_in_content, -EUCLEAN, NULL, 0, 'E', 3 },
	{ "M in content", b_m_first, -EUCLEAN, NULL, 0, 'M', 0 },
	{ "EOF before X", b_no_x, -EUCLEAN, NULL, 0, QREC_TYPE_EOF, 6 },
	{ "truncated record", b_truncated, -EUCLEAN, NULL, 0, QREC_TYPE_ERROR, 3 },
	{ "type byte 0", b_type_nul, -EUCLEAN, NULL, 0, 0, 3 },
};

/* Runs one case on one source; returns the error. */
static int
run_case(const struct content_vec *v, struct qrec_src *src, size_t start,
    uint64_t max_out, struct sink *s, struct qrec_content *res)
{
	char	why[256];
	int	err;

	memset(s, 0, sizeof(*s));
	why[0] = 0;
	err = qrec_content(src, start, max_out, sink_fn, s, res, why,
	    sizeof(why));
	if (err != v->err)
		fail_msg("%s: got %d, want %d (%s)", v->name, err, v->err, why);
	if (err == 0) {
		const char *want = v->want ? v->want : big_want;

		if (s->len != v->wantlen || memcmp(s->out, want, s->len) != 0)
			fail_msg("%s: wrong output (%zu bytes)", v->name,
			    s->len);
		assert_int_equal(res->out_len, v->wantlen);
	}
	if (err == -EUCLEAN) {
		if (res->bad_type != v->bad_type)
			fail_msg("%s: bad_type %d, want %d", v->name,
			    res->bad_type, v->bad_type);
		if (v->bad_offset >= 0 &&
		    res->bad_offset != (uint64_t)v->bad_offset)
			fail_msg("%s: bad_offset %llu, want %ld (%s)", v->name,
			    (unsigned long long)res->bad_offset,
			    v->bad_offset, why);
		assert_true(strlen(why) > 0);
	}
	return (err);
}

/* A window that is not the heap's: qrec_src_free() must not free it. */
static unsigned char caller_win[4096];

static void
test_content_table(void **state)
{
	static const size_t windows[] = { 16, 17, 31, 64, 1000, 0 };
	struct qrec_content res;
	struct qrec_src src;
	struct sink s;
	struct qb b;
	size_t	i, w, start;
	int	fd;

	(void)state;
	memset(big_want, 'x', 3000);
	big_want[3000] = '\n';
	for (i = 0; i < sizeof(content_vectors) / sizeof(content_vectors[0]);
	    i++) {
		const struct content_vec *v = &content_vectors[i];

		memset(&b, 0, sizeof(b));
		start = v->build(&b);
		qrec_src_mem(&src, b.p, b.len);
		run_case(v, &src, start, UINT64_MAX, &s, &res);

		fd = memfd_create("test_qrec", MFD_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, b.p, b.len), (ssize_t)b.len);
		for (w = 0; w < sizeof(windows) / sizeof(windows[0]); w++) {
			assert_int_equal(qrec_src_fd(&src, fd, b.len,
			    windows[w]), 0);
			run_case(v, &src, start, UINT64_MAX, &s, &res);
			qrec_src_free(&src);
		}
		/* The caller's window, reused: free leaves it alone. */
		for (w = 0; w < 2; w++) {
			assert_int_equal(qrec_src_fd_buf(&src, fd, b.len,
			    caller_win, w == 0 ? 16 : sizeof(caller_win)), 0);
			run_case(v, &src, start, UINT64_MAX, &s, &res);
			qrec_src_free(&src);
		}
		close(fd);
	}
}

static void
test_content_limits(void **state)
{
	struct qrec_content res;
	struct qrec_src src;
	struct sink s;
	struct qb b;
	char	why[256];

	(void)state;
	memset(&b, 0, sizeof(b));
	qb_str(&b, 'N', "abc");
	qb_str(&b, 'N', "def");
	qb_str(&b, 'X', "");
	qrec_src_mem(&src, b.p, b.len);

	/* exactly enough */
	memset(&s, 0, sizeof(s));
	assert_int_equal(qrec_content(&src, 0, 8, sink_fn, &s, &res, why,
	    sizeof(why)), 0);
	assert_int_equal(res.lines, 2);
	/* one byte short: in a payload, then at a newline */
	memset(&s, 0, sizeof(s));
	assert_int_equal(qrec_content(&src, 0, 6, sink_fn, &s, &res, why,
	    sizeof(why)), -EFBIG);
	memset(&s, 0, sizeof(s));
	assert_int_equal(qrec_content(&src, 0, 7, sink_fn, &s, &res, why,
	    sizeof(why)), -EFBIG);
	assert_non_null(strstr(why, "exceeds"));

	/* the sink's error comes back */
	memset(&s, 0, sizeof(s));
	s.fail_at = 5;
	assert_int_equal(qrec_content(&src, 0, UINT64_MAX, sink_fn, &s, &res,
	    why, sizeof(why)), -ENOSPC);
}

/* A loop that produces output: stopped by the reverse-jump guard. */
static int
count_sink(void *ctx, const void *data, size_t len)
{
	(void)data;
	*(uint64_t *)ctx += len;
	return (0);
}

static void
test_content_loop_output(void **state)
{
	struct qrec_content res;
	struct qrec_src src;
	struct qb b;
	uint64_t n = 0;
	char	why[256];

	(void)state;
	memset(&b, 0, sizeof(b));
	qb_str(&b, 'M', "");
	qb_str(&b, 'N', "a");		/* at 2 */
	qb_ptr(&b, 2);			/* back to it, forever */
	qb_str(&b, 'X', "");
	qrec_src_mem(&src, b.p, b.len);
	assert_int_equal(qrec_content(&src, 2, UINT64_MAX, count_sink, &n,
	    &res, why, sizeof(why)), -EUCLEAN);
	assert_int_equal(res.bad_type, QREC_TYPE_ERROR);
	assert_non_null(strstr(why, "too many reverse jump records"));
	/* the first jump is not a reverse one; then 10000 are allowed */
	assert_int_equal(n, 2 * (QREC_REVERSE_JUMP_LIMIT + 2));
	assert_int_equal(res.out_len, n);
}

static void
test_read_and_peek(void **state)
{
	struct qrec_src src;
	const unsigned char *p;
	unsigned char buf[64], win[64];
	char	why[256];
	size_t	got;
	int	fd;

	(void)state;
	fd = memfd_create("test_qrec", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "0123456789abcdefghijklmnopqrstuvwxyz", 36),
	    36);
	assert_int_equal(qrec_src_fd(&src, fd, 36, 16), 0);
	assert_int_equal(qrec_read(&src, 10, buf, 20, why, sizeof(why)), 0);
	assert_memory_equal(buf, "abcdefghijklmnopqrst", 20);
	assert_int_equal(qrec_read(&src, 30, buf, 7, why, sizeof(why)),
	    -EUCLEAN);
	assert_int_equal(qrec_peek(&src, 30, 100, &p, &got, why, sizeof(why)),
	    0);
	assert_int_equal(got, 6);
	assert_memory_equal(p, "uvwxyz", 6);
	assert_int_equal(qrec_peek(&src, 36, 1, &p, &got, why, sizeof(why)),
	    -ENODATA);
	qrec_src_free(&src);

	/* the file shrank under us: a read error, not corruption */
	assert_int_equal(qrec_src_fd(&src, fd, 100, 16), 0);
	assert_int_equal(qrec_read(&src, 30, buf, 20, why, sizeof(why)), -EIO);
	assert_non_null(strstr(why, "shrank"));
	qrec_src_free(&src);

	/* a bad descriptor */
	assert_int_equal(qrec_src_fd(&src, -1, 10, 0), -EINVAL);
	qrec_src_free(&src);
	/* a caller's window below the minimum, or none */
	assert_int_equal(qrec_src_fd_buf(&src, fd, 36, win,
	    QREC_WINDOW_MIN - 1), -EINVAL);
	assert_int_equal(qrec_src_fd_buf(&src, fd, 36, NULL, 64), -EINVAL);
	assert_int_equal(qrec_src_fd_buf(&src, fd, 36, win, sizeof(win)), 0);
	assert_int_equal(qrec_read(&src, 10, buf, 20, why, sizeof(why)), 0);
	assert_memory_equal(buf, "abcdefghijklmnopqrst", 20);
	qrec_src_free(&src);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_headers),
		cmocka_unit_test(test_get_long_record),
		cmocka_unit_test(test_content_table),
		cmocka_unit_test(test_content_limits),
		cmocka_unit_test(test_content_loop_output),
		cmocka_unit_test(test_read_and_peek),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

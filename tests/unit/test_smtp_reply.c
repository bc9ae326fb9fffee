/*
 * NAME
 *	test_smtp_reply 1
 * SUMMARY
 *	unit tests of the SMTP reply reader and parser
 * DESCRIPTION
 *	The parser (smtp_reply_begin/add_line) against a table of replies:
 *	single and multi-line, enhanced status codes of the same and of
 *	another class, 3xx and out-of-range codes, garbage lines, codes
 *	that change between lines (smtpjail: protocol error), bare codes.
 *	The reader (smtp_reply_read) over a socketpair fed by a writer
 *	thread: pipelined replies in one read, bare LF, a CR LF split over
 *	two writes, a 100 KB line (cut, warned, still parsed, and the next
 *	reply intact), NUL and 8-bit bytes (censored), too many lines and
 *	too much text (cut short), EOF in the middle of a reply, a
 *	deadline, and cancellation through sys_set_cancel_fd().
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/smtp_reply.c
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

#include <cmocka.h>

#include "msg.h"
#include "sj_sys.h"
#include "smtp_reply.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Parser table. */

struct parse_case {
	const char *lines[4];		/* NULL-terminated */
	int	code;
	const char *dsn;
	int	dsn_given;
	unsigned flags;			/* flags that must be set */
	unsigned noflags;		/* flags that must not be set */
	const char *formatted;		/* smtp_reply_format(); NULL = skip */
};

#define F_G	SMTP_REPLY_F_GARBAGE
#define F_M	SMTP_REPLY_F_MISMATCH
#define F_B	SMTP_REPLY_F_BADCODE

static const struct parse_case parse_cases[] = {
	{ { "250 ok" }, 250, "2.0.0", 0, 0, F_G | F_M | F_B, "250 ok" },
	{ { "550 5.1.1 no such user" }, 550, "5.1.1", 1, 0, 0,
	    "550 5.1.1 no such user" },
	/* Enhanced code of another class: ignored (Postfix). */
	{ { "550 4.1.1 odd" }, 550, "5.0.0", 0, 0, 0, NULL },
	{ { "452 4.5.3 Too many recipients" }, 452, "4.5.3", 1, 0, 0, NULL },
	{ { "250 2.0.0" }, 250, "2.0.0", 1, 0, 0, NULL },
	{ { "550  5.7.1 two spaces" }, 550, "5.7.1", 1, 0, 0, NULL },
	{ { "550 5.7.1x glued" }, 550, "5.0.0", 0, 0, 0, NULL },
	{ { "550 5.1234.1 too long" }, 550, "5.0.0", 0, 0, 0, NULL },
	{ { "550 5.1.1234 too long" }, 550, "5.0.0", 0, 0, 0, NULL },
	{ { "250" }, 250, "2.0.0", 0, 0, F_G, "250" },
	{ { "250-first", "250-second", "250 third" }, 250, "2.0.0", 0, 0,
	    F_G | F_M, "250-first 250-second 250 third" },
	/* The DSN comes from the final line. */
	{ { "550-5.1.1 first", "550 5.2.2 last" }, 550, "5.2.2", 1, 0, 0,
	    NULL },
	{ { "250-", "250 x" }, 250, "2.0.0", 0, 0, F_G, "250- 250 x" },
	/* 3xx and out-of-range codes: status 5.5.0. */
	{ { "354 go ahead" }, 354, "5.5.0", 0, 0, F_B, NULL },
	{ { "199 low" }, 199, "5.5.0", 0, F_B, 0, NULL },
	{ { "600 high" }, 600, "5.5.0", 0, F_B, 0, NULL },
	{ { "000 zero" }, 0, "5.5.0", 0, F_B, 0, NULL },
	/* Garbage lines stay in the text; the reply goes on. */
	{ { "hello there", "250 ok" }, 250, "2.0.0", 0, F_G, F_M,
	    "hello there 250 ok" },
	{ { "25 short", "250 ok" }, 250, "2.0.0", 0, F_G, 0, NULL },
	{ { "2500 long", "250 ok" }, 250, "2.0.0", 0, F_G, 0, NULL },
	{ { "250\tok", "250 ok" }, 250, "2.0.0", 0, F_G, 0, "250 ok 250 ok" },
	/* smtpjail: lines that disagree make a protocol error. */
	{ { "250-ok", "550 no" }, 0, "5.5.0", 0, F_M, 0, "250-ok 550 no" },
	{ { "250-a", "251-b", "250 c" }, 0, "5.5.0", 0, F_M, 0, NULL },
	{ { "550-5.1.1 a", "250 2.0.0 b" }, 0, "5.5.0", 0, F_M, 0, NULL },
};

static void
test_parse_table(void **state)
{
	const struct parse_case *c;
	struct smtp_reply r;
	char	out[SJ_REPLY_TEXT_MAX + 1];
	size_t	i, k;
	int	done;

	(void)state;
	for (i = 0; i < NELEM(parse_cases); i++) {
		c = &parse_cases[i];
		smtp_reply_begin(&r);
		done = 0;
		for (k = 0; c->lines[k] != NULL; k++) {
			assert_int_equal(done, 0);
			done = smtp_reply_add_line(&r, c->lines[k],
			    strlen(c->lines[k]), 0);
		}
		if (!done)
			fail_msg("case %zu: reply not complete", i);
		if (r.code != c->code)
			fail_msg("case %zu: code %d, want %d", i, r.code,
			    c->code);
		assert_string_equal(r.dsn, c->dsn);
		assert_int_equal(r.dsn_given, c->dsn_given);
		if ((r.flags & c->flags) != c->flags ||
		    (r.flags & c->noflags) != 0)
			fail_msg("case %zu: flags 0x%x", i, r.flags);
		assert_int_equal(r.nlines, k);
		if (c->formatted != NULL) {
			smtp_reply_format(&r, out, sizeof(out));
			assert_string_equal(out, c->formatted);
		}
	}
}

static void
test_parse_incomplete(void **state)
{
	struct smtp_reply r;

	(void)state;
	smtp_reply_begin(&r);
	assert_int_equal(smtp_reply_add_line(&r, "250-a", 5, 0), 0);
	assert_int_equal(smtp_reply_add_line(&r, "junk", 4, 0), 0);
	assert_int_equal(smtp_reply_add_line(&r, "", 0, 0), 0);
	assert_true(r.flags & SMTP_REPLY_F_GARBAGE);
	assert_int_equal(smtp_reply_add_line(&r, "250 b", 5, 0), 1);
	assert_int_equal(r.code, 250);
}

static void
test_fake(void **state)
{
	struct smtp_reply r;
	char	out[8];

	(void)state;
	smtp_reply_fake(&r, "5.3.4");
	assert_int_equal(r.code, 0);
	assert_string_equal(r.dsn, "5.3.4");
	assert_int_equal(smtp_reply_format(&r, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	smtp_reply_fake(&r, "bogus");
	assert_string_equal(r.dsn, "5.5.0");
}

/* Reader over a socketpair. */

struct writer {
	int	fd;
	const char *pieces[4];		/* written with a pause between */
	size_t	lens[4];
	int	close_after;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	size_t	i, off;
	ssize_t	n;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	for (i = 0; i < NELEM(w->pieces) && w->pieces[i] != NULL; i++) {
		if (i > 0)
			nanosleep(&ts, NULL);
		for (off = 0; off < w->lens[i]; off += (size_t)n) {
			n = write(w->fd, w->pieces[i] + off, w->lens[i] - off);
			if (n <= 0)
				return (NULL);
		}
	}
	if (w->close_after)
		close(w->fd);
	return (NULL);
}

struct rd {
	int	sv[2];
	pthread_t thr;
	struct writer w;
	struct smtp_reply_io io;
	int	started;
};

static void
rd_start(struct rd *rd, const char *p0, size_t l0, const char *p1, size_t l1,
    int close_after)
{
	memset(rd, 0, sizeof(*rd));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, rd->sv), 0);
	assert_int_equal(fcntl(rd->sv[0], F_SETFL, O_NONBLOCK), 0);
	rd->w.fd = rd->sv[1];
	rd->w.pieces[0] = p0;
	rd->w.lens[0] = l0;
	rd->w.pieces[1] = p1;
	rd->w.lens[1] = l1;
	rd->w.close_after = close_after;
	smtp_reply_io_init(&rd->io, rd->sv[0], "test[127.0.0.1]:25");
	assert_int_equal(pthread_create(&rd->thr, NULL, writer_main, &rd->w),
	    0);
	rd->started = 1;
}

static void
rd_stop(struct rd *rd)
{
	if (rd->started)
		pthread_join(rd->thr, NULL);
	close(rd->sv[0]);
	if (!rd->w.close_after)
		close(rd->sv[1]);
}

static int64_t
soon(int ms)
{
	return (sys_now_ms() + ms);
}

/* Warnings seen, for the checks that a cut is logged. */
static struct test_ctx {
	int	warnings;
	char	last[512];
} test_ctx;

static void
test_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN)
		test_ctx.warnings++;
	snprintf(test_ctx.last, sizeof(test_ctx.last), "%s", text);
}

#define S(x)	x, sizeof(x) - 1

static void
test_read_pipelined(void **state)
{
	struct rd rd;
	struct smtp_reply r;

	(void)state;
	rd_start(&rd, S("220 a\r\n250-b\r\n250 c\n354 d\r\n"), NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 220);
	assert_string_equal(r.text, "220 a");
	assert_true(smtp_reply_pending(&rd.io) > 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text, "250-b\n250 c");
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 354);
	assert_int_equal(smtp_reply_pending(&rd.io), 0);
	rd_stop(&rd);
}

static void
test_read_split_crlf(void **state)
{
	struct rd rd;
	struct smtp_reply r;

	(void)state;
	rd_start(&rd, S("250-a\r"), S("\n250 b\r\n"), 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 250);
	assert_string_equal(r.text, "250-a\n250 b");
	assert_int_equal(r.flags & SMTP_REPLY_F_CENSORED, 0);
	rd_stop(&rd);
}

static void
test_read_long_line(void **state)
{
	struct rd rd;
	struct smtp_reply r;
	size_t	len = 100 * 1024;
	char	*big = malloc(len + 32);

	(void)state;
	assert_non_null(big);
	memcpy(big, "550 5.7.1 ", 10);
	memset(big + 10, 'x', len - 10);
	memcpy(big + len, "\r\n251 next\r\n", 12);
	test_ctx.warnings = 0;
	rd_start(&rd, big, len + 12, NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 550);
	assert_string_equal(r.dsn, "5.7.1");
	assert_true(r.flags & SMTP_REPLY_F_LONGLINE);
	assert_int_equal(r.len, SJ_SMTP_LINE_MAX);
	assert_int_equal(strlen(r.text), SJ_SMTP_LINE_MAX);
	assert_true(test_ctx.warnings >= 1);
	assert_non_null(strstr(test_ctx.last, "response longer than"));
	/* The rest of the long line was skipped, not taken as a reply. */
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 251);
	assert_string_equal(r.text, "251 next");
	rd_stop(&rd);
	free(big);
}

static void
test_read_line_exactly_max(void **state)
{
	struct rd rd;
	struct smtp_reply r;
	char	*line = malloc(SJ_SMTP_LINE_MAX + 2);

	(void)state;
	assert_non_null(line);
	memcpy(line, "250 ", 4);
	memset(line + 4, 'y', SJ_SMTP_LINE_MAX - 4);
	memcpy(line + SJ_SMTP_LINE_MAX, "\r\n", 2);
	rd_start(&rd, line, SJ_SMTP_LINE_MAX + 2, NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.flags & SMTP_REPLY_F_LONGLINE, 0);
	assert_int_equal(r.len, SJ_SMTP_LINE_MAX);
	rd_stop(&rd);
	free(line);
}

static void
test_read_nul_8bit(void **state)
{
	struct rd rd;
	struct smtp_reply r;
	char	out[64];

	(void)state;
	rd_start(&rd, S("550 5.1.1 bad\0user\xff\x1b[0m\r\n"), NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 550);
	assert_true(r.flags & SMTP_REPLY_F_CENSORED);
	assert_string_equal(r.text, "550 5.1.1 bad?user??[0m");
	smtp_reply_format(&r, out, sizeof(out));
	assert_string_equal(out, "550 5.1.1 bad?user??[0m");
	rd_stop(&rd);
}

static void
test_read_many_lines(void **state)
{
	struct rd rd;
	struct smtp_reply r;
	size_t	n = SJ_SMTP_REPLY_LINES_MAX + 50, i, off = 0;
	char	*buf = malloc(n * 8 + 16);

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < n; i++) {
		memcpy(buf + off, "250-xx\r\n", 8);
		off += 8;
	}
	memcpy(buf + off, "250 end\r\n", 9);
	off += 9;
	rd_start(&rd, buf, off, NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 250);
	assert_int_equal(r.nlines, n + 1);
	assert_true(r.flags & SMTP_REPLY_F_TRUNCATED);
	assert_true(r.len <= SJ_REPLY_TEXT_MAX);
	assert_int_equal(strlen(r.text), r.len);
	rd_stop(&rd);
	free(buf);
}

static void
test_read_text_cap(void **state)
{
	struct rd rd;
	struct smtp_reply r;
	char	*buf = malloc(3 * 1100 + 16);
	size_t	off = 0, i;

	(void)state;
	assert_non_null(buf);
	for (i = 0; i < 3; i++) {
		memcpy(buf + off, i < 2 ? "250-" : "250 ", 4);
		memset(buf + off + 4, 'a' + (int)i, 1000);
		memcpy(buf + off + 1004, "\r\n", 2);
		off += 1006;
	}
	rd_start(&rd, buf, off, NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r), 0);
	assert_int_equal(r.code, 250);
	assert_true(r.flags & SMTP_REPLY_F_TRUNCATED);
	assert_int_equal(r.len, SJ_REPLY_TEXT_MAX);
	assert_int_equal(strlen(r.text), SJ_REPLY_TEXT_MAX);
	rd_stop(&rd);
	free(buf);
}

static void
test_read_eof(void **state)
{
	struct rd rd;
	struct smtp_reply r;

	(void)state;
	rd_start(&rd, S("250-a\r\n"), NULL, 0, 1);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r),
	    -ECONNRESET);
	rd_stop(&rd);

	rd_start(&rd, S("hello\r\n"), NULL, 0, 1);
	assert_int_equal(smtp_reply_read(&rd.io, soon(10000), &r),
	    -ECONNRESET);
	rd_stop(&rd);
}

static void
test_read_timeout(void **state)
{
	struct rd rd;
	struct smtp_reply r;

	(void)state;
	rd_start(&rd, S("250-partial\r\n"), NULL, 0, 0);
	assert_int_equal(smtp_reply_read(&rd.io, soon(200), &r), -ETIMEDOUT);
	rd_stop(&rd);
}

static void
test_read_cancel(void **state)
{
	struct rd rd;
	struct smtp_reply r;
	int	p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	rd_start(&rd, S("250-never ends\r\n"), NULL, 0, 0);
	sys_set_cancel_fd(p[0]);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(smtp_reply_read(&rd.io, soon(30000), &r),
	    -ECANCELED);
	sys_set_cancel_fd(-1);
	rd_stop(&rd);
	close(p[0]);
	close(p[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_table),
		cmocka_unit_test(test_parse_incomplete),
		cmocka_unit_test(test_fake),
		cmocka_unit_test(test_read_pipelined),
		cmocka_unit_test(test_read_split_crlf),
		cmocka_unit_test(test_read_long_line),
		cmocka_unit_test(test_read_line_exactly_max),
		cmocka_unit_test(test_read_nul_8bit),
		cmocka_unit_test(test_read_many_lines),
		cmocka_unit_test(test_read_text_cap),
		cmocka_unit_test(test_read_eof),
		cmocka_unit_test(test_read_timeout),
		cmocka_unit_test(test_read_cancel),
	};

	msg_set_sink(test_sink, NULL);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_transcript 1
 * SUMMARY
 *	unit tests of the child's session transcript
 * DESCRIPTION
 *	Recording before transcript_begin() does nothing; commands split
 *	into "Out: " lines, reply lines become "In:  " lines, censored and
 *	cut; Postfix's protocol-error rules (garbage reply lines,
 *	smtp_check_code()) set the class; a session without an error
 *	class sends nothing; a long session keeps its head and its tail
 *	within SJ_TRANSCRIPT_MAX, says how many lines it dropped and
 *	where, and what it sends passes the parent's decoder.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/transcript.c, Postfix src/smtp/smtp_chat.c, smtp_trouble.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "transcript.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct {
	int	calls;
	struct ipc_msg m;
	int	rc;
} sent;

static int
emit(void *ctx, const struct ipc_msg *m)
{
	(void)ctx;
	sent.calls++;
	sent.m = *m;
	return (sent.rc);
}

static void
reset_sent(void)
{
	memset(&sent, 0, sizeof(sent));
}

static void
test_inactive(void **state)
{
	(void)state;
	reset_sent();
	/* After a send (or before any begin) nothing is recorded. */
	transcript_begin("a[1.2.3.4]:25");
	assert_int_equal(transcript_send(1, emit, NULL), 0);
	transcript_out("EHLO x\r\n", 8);
	transcript_in("garbage", 7);
	transcript_check_code(500);
	transcript_error(IPC_TC_DATA);
	assert_string_equal(transcript_peek()->text, "");
	assert_int_equal(transcript_peek()->classes, 0);
	assert_int_equal(transcript_send(1, emit, NULL), 0);
	assert_int_equal(sent.calls, 0);
}

static void
test_lines(void **state)
{
	const struct ipc_transcript *t;
	char	longline[3000];
	const char *p;

	(void)state;
	reset_sent();
	transcript_begin("mx.example[192.0.2.1]:25");
	transcript_in("220 hello", 9);
	p = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
	transcript_out(p, strlen(p));
	transcript_out(".\r\nQUIT\r\n", 9);
	transcript_in("250-x\x01\xff\tz", 9);
	memset(longline, 'L', sizeof(longline));
	transcript_in(longline, sizeof(longline));
	t = transcript_peek();
	assert_string_equal(t->peer, "mx.example[192.0.2.1]:25");
	p = "In:  220 hello\nOut: MAIL FROM:<a@b>\nOut: RCPT TO:<c@d>\n"
	    "Out: DATA\nOut: .\nOut: QUIT\nIn:  250-x?? z\nIn:  LLL";
	assert_int_equal(strncmp(t->text, p, strlen(p)), 0);
	/* The long line is cut to the line limit, prefix included. */
	assert_int_equal(strlen(strrchr(t->text, '\n') + 1),
	    SJ_TRANSCRIPT_LINE_MAX);
	/* "LLL..." is no reply line: a protocol error (smtp_chat_resp). */
	assert_int_equal(t->classes, IPC_TC_PROTOCOL);
	/* Well-formed replies and no failure: nothing is sent. */
	reset_sent();
	transcript_begin("mx.example[192.0.2.1]:25");
	transcript_in("220 hello", 9);
	transcript_in("250", 3);
	transcript_in("250-more", 8);
	assert_int_equal(transcript_send(9, emit, NULL), 0);
	assert_int_equal(sent.calls, 0);
}

static void
test_classes(void **state)
{
	static const struct {
		const char *line;
		int	proto;
	} lines[] = {
		{ "250 ok", 0 }, { "250-ok", 0 }, { "250", 0 }, { "250 ", 0 },
		{ "hello", 1 }, { "250x", 1 }, { "25", 1 }, { "2500 x", 1 },
		{ "", 1 }, { " 250 ok", 1 },
	};
	static const struct {
		int	code;
		int	proto;
	} codes[] = {
		{ 0, 1 }, { 250, 1 }, { 354, 1 }, { 399, 1 }, { 400, 0 },
		{ 421, 0 }, { 450, 0 }, { 499, 0 }, { 500, 1 }, { 501, 1 },
		{ 509, 1 }, { 510, 0 }, { 550, 0 }, { 554, 0 }, { 555, 1 },
		{ 599, 0 }, { 600, 1 },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(lines); i++) {
		transcript_begin("h[1.1.1.1]:25");
		transcript_in(lines[i].line, strlen(lines[i].line));
		if ((transcript_peek()->classes == IPC_TC_PROTOCOL) !=
		    lines[i].proto)
			fail_msg("line \"%s\": classes 0x%x", lines[i].line,
			    transcript_peek()->classes);
	}
	for (i = 0; i < NELEM(codes); i++) {
		transcript_begin("h[1.1.1.1]:25");
		transcript_check_code(codes[i].code);
		if ((transcript_peek()->classes == IPC_TC_PROTOCOL) !=
		    codes[i].proto)
			fail_msg("code %d: classes 0x%x", codes[i].code,
			    transcript_peek()->classes);
	}
	transcript_begin("h[1.1.1.1]:25");
	transcript_error(IPC_TC_DATA | 0x80);
	assert_int_equal(transcript_peek()->classes, IPC_TC_DATA);
}

/* A session far longer than the buffer: head and tail, and decodable. */
static void
test_long_session(void **state)
{
	const struct ipc_transcript *t;
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg out;
	char	line[64], why[256];
	const char *p;
	ssize_t	n;
	int	i, total = 1000;

	(void)state;
	reset_sent();
	transcript_begin("mx.example[192.0.2.1]:25");
	for (i = 0; i < total; i++) {
		snprintf(line, sizeof(line), "RCPT TO:<r%04d@example.test>\r\n",
		    i);
		transcript_out(line, strlen(line));
		snprintf(line, sizeof(line), "250 2.1.5 r%04d ok", i);
		transcript_in(line, strlen(line));
	}
	transcript_check_code(501);
	t = transcript_peek();
	assert_true(strlen(t->text) <= SJ_TRANSCRIPT_MAX);
	assert_true(strlen(t->text) > SJ_TRANSCRIPT_MAX - 100);
	assert_true(t->omitted > 0);
	/* The head: the first lines, in order, up to the omission. */
	assert_int_equal(strncmp(t->text, "Out: RCPT TO:<r0000@example.test>\n"
	    "In:  250 2.1.5 r0000 ok\n", 58), 0);
	for (i = 0, p = t->text; i < (int)t->omitted_at; i++)
		p = strchr(p, '\n') + 1;
	assert_true(p - t->text <= TRANSCRIPT_HEAD_MAX + 1);
	/* The tail: the last lines, then nothing else. */
	assert_non_null(strstr(t->text, "In:  250 2.1.5 r0999 ok"));
	assert_string_equal(strrchr(t->text, '\n') + 1,
	    "In:  250 2.1.5 r0999 ok");
	{
		unsigned nl = 1;

		for (p = t->text; *p; p++)
			nl += *p == '\n';
		assert_int_equal(nl + t->omitted, 2 * total);
	}

	assert_int_equal(transcript_send(42, emit, NULL), 0);
	assert_int_equal(sent.calls, 1);
	assert_int_equal(sent.m.type, IPC_T_TRANSCRIPT);
	assert_int_equal(sent.m.u.transcript.job_id, 42);
	n = ipc_msg_encode(&sent.m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ipc_msg_decode(IPC_C2P, buf, (size_t)n, -1, &out,
	    why, sizeof(why)), 0);
	assert_string_equal(out.u.transcript.text, sent.m.u.transcript.text);

	/* An emit failure is returned; the session is over either way. */
	transcript_begin("mx.example[192.0.2.1]:25");
	transcript_in("junk", 4);
	sent.rc = -EPIPE;
	assert_int_equal(transcript_send(43, emit, NULL), -EPIPE);
	assert_int_equal(transcript_send(43, emit, NULL), 0);
	assert_int_equal(sent.calls, 2);
}

/* At most SJ_TRANSCRIPT_PER_JOB per job (the parent refuses more). */
static void
test_per_job_cap(void **state)
{
	int	i;

	(void)state;
	reset_sent();
	for (i = 0; i < SJ_TRANSCRIPT_PER_JOB + 3; i++) {
		transcript_begin("h[1.1.1.1]:25");
		transcript_error(IPC_TC_PROTOCOL);
		assert_int_equal(transcript_send(100, emit, NULL), 0);
	}
	assert_int_equal(sent.calls, SJ_TRANSCRIPT_PER_JOB);
	/* The next job starts a new count. */
	transcript_begin("h[1.1.1.1]:25");
	transcript_error(IPC_TC_PROTOCOL);
	assert_int_equal(transcript_send(101, emit, NULL), 0);
	assert_int_equal(sent.calls, SJ_TRANSCRIPT_PER_JOB + 1);
	assert_int_equal(sent.m.u.transcript.job_id, 101);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inactive),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_long_session),
		cmocka_unit_test(test_per_job_cap),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

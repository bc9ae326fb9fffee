/*
 * NAME
 *	test_notice 1
 * SUMMARY
 *	unit tests of the postmaster notice: classes, checks, records
 * DESCRIPTION
 *	notice_classes() against Postfix's class names; notice_keep()
 *	against transcripts a hostile child could send (each refused with
 *	a reason) and its per-request limit; notice_records() byte by byte:
 *	the record encoding (including a two-byte length), the envelope
 *	and header lines of a notice captured from Postfix 3.7.11 in both
 *	header_from_format forms, the transcript wrapped as Postfix's
 *	line_wrap(78, 4) does (expected lines worked out from Postfix's
 *	algorithm by hand), and the note where lines were omitted.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/notice.c; Postfix src/smtp/smtp_chat.c, src/global/post_mail.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "notice.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_classes(void **state)
{
	static const struct {
		const char *list;
		int	rc;
		uint32_t mask;
	} cases[] = {
		{ "", 0, 0 },
		{ "resource, software", 0, 0 },
		{ "resource, software, protocol", 0, IPC_TC_PROTOCOL },
		{ "PROTOCOL", 0, IPC_TC_PROTOCOL },
		{ "data,protocol", 0, IPC_TC_ALL },
		{ " bounce 2bounce delay policy data ", 0, IPC_TC_DATA },
		{ "protocol, bogus", -EINVAL, 0 },
		{ "protocols", -EINVAL, 0 },
	};
	char	why[256];
	uint32_t mask;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		mask = 0xdead;
		why[0] = '\0';
		assert_int_equal(notice_classes(cases[i].list, &mask, why,
		    sizeof(why)), cases[i].rc);
		if (cases[i].rc == 0)
			assert_int_equal(mask, cases[i].mask);
		else
			assert_non_null(strstr(why, "notify_classes: unknown "
			    "class"));
	}
}

static void
good(struct ipc_transcript *t)
{
	memset(t, 0, sizeof(*t));
	t->job_id = 7;
	t->classes = IPC_TC_PROTOCOL;
	snprintf(t->peer, sizeof(t->peer), "mx.example[192.0.2.1]:25");
	snprintf(t->text, sizeof(t->text), "In:  220 hi\nOut: EHLO me\n"
	    "In:  501 what");
}

static void
test_keep(void **state)
{
	struct notice_set set;
	struct ipc_transcript t;
	char	why[256];
	int	i;

	(void)state;
	memset(&set, 0, sizeof(set));
	good(&t);
	assert_int_equal(notice_keep(&set, &t, 7, "Q1", why, sizeof(why)), 0);
	assert_int_equal(set.count, 1);
	assert_string_equal(set.t[0]->text, t.text);

#define BAD(stmt, want) do { \
	good(&t); \
	stmt; \
	why[0] = '\0'; \
	assert_int_equal(notice_keep(&set, &t, 7, "Q1", why, sizeof(why)), \
	    -1); \
	if (strstr(why, (want)) == NULL) \
		fail_msg("%s: why \"%s\", want \"%s\"", #stmt, why, (want)); \
} while (0)
	BAD(t.job_id = 8, "TRANSCRIPT for job 8, expected job 7");
	BAD(t.classes = 0, "error classes 0x0");
	BAD(t.classes = 4, "error classes 0x4");
	BAD(snprintf(t.peer, sizeof(t.peer), "mx [1.2.3.4]:25"),
	    "malformed peer");
	BAD(snprintf(t.peer, sizeof(t.peer), "mx[1.2.3.4]"),
	    "malformed peer");
	BAD(snprintf(t.peer, sizeof(t.peer), "mx[1.2.3.4]:2x"),
	    "malformed peer");
	BAD(memset(t.peer, 'a', sizeof(t.peer)), "malformed peer");
	BAD(snprintf(t.text, sizeof(t.text), "In:  ok\nbad line"),
	    "malformed line");
	BAD(snprintf(t.text, sizeof(t.text), "In:  ok\n"), "malformed line");
	BAD(snprintf(t.text, sizeof(t.text), "In:  \x1b[2J"),
	    "malformed line");
	BAD(memset(t.text, 'a', sizeof(t.text)), "malformed line");
	BAD(t.omitted_at = 1, "omission point 1 of 3 lines");
	BAD((t.omitted = 1, t.omitted_at = 4), "omission point 4 of 3");
#undef BAD
	assert_int_equal(set.count, 1);

	/* Up to the per-request limit kept; one more is a violation. */
	good(&t);
	for (i = 1; i < NOTICE_PER_JOB_MAX; i++)
		assert_int_equal(notice_keep(&set, &t, 7, "Q1", why,
		    sizeof(why)), 0);
	assert_int_equal(set.count, NOTICE_PER_JOB_MAX);
	assert_int_equal(notice_keep(&set, &t, 7, "Q1", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 8 TRANSCRIPT messages"));
	assert_int_equal(set.count, NOTICE_PER_JOB_MAX);
	notice_free(&set);
	assert_int_equal(set.count, 0);
}

/* Splits records; returns the count and fills types[] and payloads. */
static size_t
records(const struct sj_buf *b, char *types, char (*pay)[4096],
    size_t max)
{
	size_t	pos = 0, n = 0, len;
	int	shift;

	while (pos < b->len) {
		assert_true(n < max);
		types[n] = (char)b->data[pos++];
		len = 0;
		shift = 0;
		for (;;) {
			assert_true(pos < b->len);
			len |= (size_t)(b->data[pos] & 0x7f) << shift;
			shift += 7;
			if ((b->data[pos++] & 0x80) == 0)
				break;
		}
		assert_true(pos + len <= b->len);
		assert_true(len < sizeof(pay[0]));
		memcpy(pay[n], b->data + pos, len);
		pay[n][len] = '\0';
		pos += len;
		n++;
	}
	types[n] = '\0';
	return (n);
}

static void
test_records(void **state)
{
	static const char *const want_head[] = {
		"Received: by host.example (Postfix)",
		"\tid ABC123; Mon, 23 Nov 2026 20:45:39 +0000 (UTC)",
		"Date: Mon, 23 Nov 2026 20:45:39 +0000 (UTC)",
		"From: Mail Delivery System <MAILER-DAEMON@host.example>",
		"To: Postmaster <postmaster>",
		"Subject: Postfix SMTP client: errors from "
		    "mx.example[192.0.2.1]:25",
		"",
		"Unexpected response from mx.example[192.0.2.1]:25.",
		"",
		"Transcript of session follows.",
		"",
		" In:  220 hi",
		" Out: EHLO me",
		" (smtpjail: 5 lines of this session omitted)",
		" In:  250 w0000000 w0000001 w0000002 w0000003 w0000004 "
		    "w0000005 w0000006",
		"     w0000007 w0000008 w0000009 w0000010 w0000011 w0000012 "
		    "w0000013 w0000014",
		"     w0000015 w0000016 w0000017 w0000018 w0000019",
		" Out: RCPT",
		"     TO:<xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx@remote.test>",
		"     NOTIFY=NEVER",
		"",
		"For other details, see the local mail logfile",
	};
	static char pay[64][4096];
	char	types[65], w[256];
	struct ipc_transcript t;
	struct notice_msg m;
	struct sj_buf b;
	size_t	n, i;
	int	k;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	good(&t);
	n = (size_t)snprintf(t.text, sizeof(t.text),
	    "In:  220 hi\nOut: EHLO me\nIn:  250");
	for (k = 0; k < 20; k++)
		n += (size_t)snprintf(t.text + n, sizeof(t.text) - n,
		    " w%07d", k);
	snprintf(t.text + n, sizeof(t.text) - n, "\nOut: RCPT TO:<%s"
	    "@remote.test>  NOTIFY=NEVER",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	t.omitted = 5;
	t.omitted_at = 2;
	memset(&m, 0, sizeof(m));
	m.myhostname = "host.example";
	m.mail_name = "Postfix";
	m.sender = "double-bounce@host.example";
	m.recipient = "postmaster";
	m.queue_id = "ABC123";
	m.now.tv_sec = 1795466739;
	m.now.tv_usec = 529598;
	m.t = &t;
	assert_int_equal(sj_buf_init(&b, NOTICE_RECORDS_MAX), 0);
	assert_int_equal(notice_records(&b, &m), 0);
	/* The first records, byte for byte (record.c, post_mail.c). */
	assert_memory_equal(b.data, "T\x11" "1795466739 529598"
	    "A\x18log_message_origin=local" "A\x0dtrace_flags=0"
	    "S\x1a" "double-bounce@host.example" "R\x0apostmaster" "M\x00",
	    2 + 17 + 2 + 24 + 2 + 13 + 2 + 26 + 2 + 10 + 2);
	n = records(&b, types, pay, NELEM(pay) - 1);
	assert_int_equal(n, 6 + NELEM(want_head) + 2);
	assert_string_equal(types + 6 + NELEM(want_head), "XE");
	for (i = 0; i < NELEM(want_head); i++) {
		assert_int_equal(types[6 + i], 'N');
		if (strcmp(pay[6 + i], want_head[i]) != 0)
			fail_msg("line %zu: \"%s\", want \"%s\"", i,
			    pay[6 + i], want_head[i]);
	}
	assert_string_equal(pay[6 + NELEM(want_head)], "");

	/* header_from_format = obsolete; omission after the last line;
	 * a 125-byte word goes whole onto a continuation line of 130
	 * bytes: two length bytes (0x82 0x01). */
	sj_buf_reset(&b);
	m.hfrom_obsolete = 1;
	good(&t);
	t.omitted = 1;
	t.omitted_at = 3;
	memset(w, 'z', 130);
	w[130] = '\0';
	memcpy(w, "In:  ", 5);
	snprintf(t.text, sizeof(t.text), "In:  1\nIn:  2\n%s", w);
	assert_int_equal(notice_records(&b, &m), 0);
	assert_non_null(memmem(b.data, b.len, "N\x82\x01     zzz", 11));
	n = records(&b, types, pay, NELEM(pay) - 1);
	assert_string_equal(pay[9], "From: MAILER-DAEMON@host.example "
	    "(Mail Delivery System)");
	assert_string_equal(pay[10], "To: postmaster (Postmaster)");
	assert_string_equal(pay[17], " In:  1");
	assert_string_equal(pay[18], " In:  2");
	assert_string_equal(pay[19], " In:");
	assert_int_equal(strlen(pay[20]), 130);
	assert_int_equal(strspn(pay[20] + 5, "z"), 125);
	assert_string_equal(pay[21], " (smtpjail: 1 lines of this session "
	    "omitted)");
	assert_string_equal(pay[22], "");

	/* A buffer too small: -ENOSPC, never an overrun. */
	sj_buf_free(&b);
	assert_int_equal(sj_buf_init(&b, 200), 0);
	assert_int_equal(notice_records(&b, &m), -ENOSPC);
	assert_true(b.len <= 200);
	sj_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classes),
		cmocka_unit_test(test_keep),
		cmocka_unit_test(test_records),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

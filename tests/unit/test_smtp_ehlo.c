/*
 * NAME
 *	test_smtp_ehlo 1
 * SUMMARY
 *	unit tests of the EHLO feature parser
 * DESCRIPTION
 *	A table of EHLO replies (built with the reply parser, so censoring
 *	and line splitting are those of a real read) against the expected
 *	feature bits, SIZE limit and server name: every keyword smtpjail
 *	knows, case-insensitivity, "KEYWORD=value", SIZE without a value,
 *	with a non-numeric value (warning), with values at and beyond 64
 *	bits (no limit), keywords that only start like a known one, lines
 *	without a keyword, unknown keywords (XFORWARD, ...); AUTH and the
 *	old AUTH= form with their mechanism words, joined when they differ.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/smtp_ehlo.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"
#include "smtp_ehlo.h"
#include "smtp_reply.h"
#include "smtp_session.h"
#include "sj_ehlo_mask.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

#define P	SMTP_EHLO_PIPELINING
#define SZ	SMTP_EHLO_SIZE
#define B8	SMTP_EHLO_8BITMIME
#define DS	SMTP_EHLO_DSN
#define U8	SMTP_EHLO_SMTPUTF8
#define ES	SMTP_EHLO_ENHANCEDSTATUSCODES
#define CH	SMTP_EHLO_CHUNKING
#define TLS	SMTP_EHLO_STARTTLS

struct ehlo_case {
	const char *lines[12];
	unsigned features;
	uint64_t size;
	const char *server;
	int	warnings;
};

static const struct ehlo_case ehlo_cases[] = {
	{ { "250-mx.example.com Hello client", "250-PIPELINING",
	    "250-SIZE 10240000", "250-VRFY", "250-ETRN", "250-STARTTLS",
	    "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN",
	    "250-SMTPUTF8", "250 CHUNKING" },
	    P | SZ | B8 | DS | U8 | ES | CH | TLS, 10240000,
	    "mx.example.com", 0 },
	{ { "250 only.example" }, 0, 0, "only.example", 0 },
	{ { "250-x", "250-pipelining", "250-Size", "250 8bitMime" },
	    P | SZ | B8, 0, "x", 0 },
	{ { "250-x", "250 SIZE=1000" }, SZ, 1000, "x", 0 },
	{ { "250-x", "250 SIZE\t2000" }, SZ, 2000, "x", 0 },
	{ { "250-x", "250 SIZE abc" }, SZ, 0, "x", 1 },
	{ { "250-x", "250 SIZE 12x" }, SZ, 0, "x", 1 },
	{ { "250-x", "250 SIZE 0" }, SZ, 0, "x", 0 },
	{ { "250-x", "250 SIZE 4611686018427387903" }, SZ,
	    4611686018427387903ULL, "x", 0 },
	{ { "250-x", "250 SIZE 18446744073709551616" }, SZ, 0, "x", 0 },
	{ { "250-x", "250 SIZE 99999999999999999999999999999999999" }, SZ,
	    0, "x", 0 },
	{ { "250-x", "250-PIPELININGX", "250-8BITMIMEY", "250 DSNZ" }, 0, 0,
	    "x", 0 },
	{ { "250-x", "250-AUTH=LOGIN PLAIN", "250-AUTH LOGIN",
	    "250 XFORWARD NAME ADDR" }, SMTP_EHLO_AUTH, 0, "x", 0 },
	/* A line without keyword does not count as the first line. */
	{ { "250-", "250-PIPELINING", "250 DSN" }, DS, 0, "PIPELINING", 0 },
	/* Garbage lines are still looked at, as Postfix does. */
	{ { "250-x", "PIPELINING", "250 DSN" }, DS, 0, "x", 0 },
	{ { "250-x", "250-\xff\xfePIPELINING", "250 SMTPUTF8" }, U8, 0, "x",
	    0 },
};

static struct test_ctx {
	int	warnings;
	char	info[512];
} test_ctx;

static void
test_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)text;
	(void)ctx;
	if (lvl == MSG_LVL_WARN)
		test_ctx.warnings++;
	if (lvl == MSG_LVL_INFO)
		snprintf(test_ctx.info, sizeof(test_ctx.info), "%s", text);
}

static void
test_ehlo_table(void **state)
{
	const struct ehlo_case *c;
	struct smtp_reply r;
	struct smtp_ehlo e;
	size_t	i, k;

	(void)state;
	for (i = 0; i < NELEM(ehlo_cases); i++) {
		c = &ehlo_cases[i];
		smtp_reply_begin(&r);
		for (k = 0; c->lines[k] != NULL; k++)
			(void)smtp_reply_add_line(&r, c->lines[k],
			    strlen(c->lines[k]), 0);
		test_ctx.warnings = 0;
		smtp_ehlo_parse(&r, "mx[192.0.2.1]:25", 0, &e);
		if (e.features != c->features)
			fail_msg("case %zu: features 0x%x, want 0x%x", i,
			    e.features, c->features);
		if (e.size_limit != c->size)
			fail_msg("case %zu: size %llu, want %llu", i,
			    (unsigned long long)e.size_limit,
			    (unsigned long long)c->size);
		assert_string_equal(e.server, c->server);
		if (c->features & SMTP_EHLO_AUTH)
			assert_string_equal(e.auth, "LOGIN PLAIN LOGIN");
		if (test_ctx.warnings != c->warnings)
			fail_msg("case %zu: %d warnings, want %d", i,
			    test_ctx.warnings, c->warnings);
	}
}

static void
test_ehlo_empty(void **state)
{
	struct smtp_reply r;
	struct smtp_ehlo e;

	(void)state;
	smtp_reply_begin(&r);
	memset(&e, 0xff, sizeof(e));
	smtp_ehlo_parse(&r, "x", 0, &e);
	assert_int_equal(e.features, 0);
	assert_int_equal(e.size_limit, 0);
	assert_string_equal(e.server, "");
}

static void
test_ehlo_long_server_name(void **state)
{
	struct smtp_reply r;
	struct smtp_ehlo e;
	char	line[600];

	(void)state;
	memcpy(line, "250-", 4);
	memset(line + 4, 'n', sizeof(line) - 4);
	smtp_reply_begin(&r);
	(void)smtp_reply_add_line(&r, line, sizeof(line), 0);
	(void)smtp_reply_add_line(&r, "250 PIPELINING", 14, 0);
	smtp_ehlo_parse(&r, "x", 0, &e);
	assert_int_equal(strlen(e.server), SJ_HOSTNAME_MAX);
	assert_int_equal(e.features, SMTP_EHLO_PIPELINING);
}

/*
 * smtp_discard_ehlo_keywords: the names Postfix's ehlo_mask() knows, in
 * any case, unknown ones ignored; the discarded keywords are not seen,
 * the log line lists them in Postfix's order, "silent-discard" mutes it.
 */
static void
test_ehlo_discard(void **state)
{
	static const char *const lines[] = { "250-mx.example.com",
	    "250-PIPELINING", "250-SIZE 1000", "250-STARTTLS",
	    "250-ENHANCEDSTATUSCODES", "250-8BITMIME", "250-DSN",
	    "250-SMTPUTF8", "250-CHUNKING", "250 AUTH PLAIN LOGIN" };
	struct smtp_reply r;
	struct smtp_ehlo e;
	char	buf[SJ_EHLO_MASK_STR_MAX];
	unsigned m;
	size_t	k;

	(void)state;
	m = sj_ehlo_mask("starttls, Pipelining  chunking,nosuchword");
	assert_int_equal(m, SJ_EHLO_MASK_STARTTLS | SJ_EHLO_MASK_PIPELINING |
	    SJ_EHLO_MASK_CHUNKING);
	assert_string_equal(sj_ehlo_mask_str(m, buf, sizeof(buf)),
	    "PIPELINING STARTTLS CHUNKING");
	assert_int_equal(sj_ehlo_mask(""), 0);
	assert_int_equal(sj_ehlo_mask("silent-discard, dsn"),
	    SJ_EHLO_MASK_SILENT | SJ_EHLO_MASK_DSN);
	assert_string_equal(sj_ehlo_mask_str(SJ_EHLO_MASK_ALL, buf,
	    sizeof(buf)), "8BITMIME AUTH ETRN PIPELINING SIZE VERP VRFY "
	    "XCLIENT XFORWARD STARTTLS ENHANCEDSTATUSCODES DSN SMTPUTF8 "
	    "CHUNKING SILENT-DISCARD");

	smtp_reply_begin(&r);
	for (k = 0; k < NELEM(lines); k++)
		(void)smtp_reply_add_line(&r, lines[k], strlen(lines[k]), 0);
	test_ctx.info[0] = '\0';
	smtp_ehlo_parse(&r, "x", m, &e);
	assert_int_equal(e.features, SZ | B8 | DS | U8 | ES |
	    SMTP_EHLO_AUTH);
	assert_int_equal(e.size_limit, 1000);
	/* The parser logs nothing: the parent writes the line. */
	assert_string_equal(test_ctx.info, "");

	test_ctx.info[0] = '\0';
	smtp_ehlo_parse(&r, "x", sj_ehlo_mask("size auth 8bitmime dsn "
	    "smtputf8 enhancedstatuscodes silent-discard"), &e);
	assert_int_equal(e.features, P | TLS | CH);
	assert_int_equal(e.size_limit, 0);
	assert_string_equal(e.auth, "");
	assert_string_equal(test_ctx.info, "");

	/* Nothing discarded: nothing logged, every keyword seen. */
	smtp_ehlo_parse(&r, "x", 0, &e);
	assert_int_equal(e.features, P | SZ | B8 | DS | U8 | ES | CH | TLS |
	    SMTP_EHLO_AUTH);
	assert_string_equal(e.auth, "PLAIN LOGIN");
	assert_string_equal(test_ctx.info, "");
}

/* smtp_ehlo_read(): EHLO_NOTE with the peer's mask unless silent. */
static struct ipc_msg emitted[4];
static int nemitted;

static int
capture_emit(void *ctx, const struct ipc_msg *m)
{
	(void)ctx;
	if (nemitted < 4)
		emitted[nemitted] = *m;
	nemitted++;
	return (0);
}

static void
test_ehlo_read(void **state)
{
	static const char *const lines[] = { "250-mx.example.com",
	    "250-PIPELINING", "250 CHUNKING" };
	struct ipc_deliver dlv;
	struct smtp_job job;
	struct smtp_peer peer;
	struct smtp_reply r;
	struct smtp_ehlo e;
	size_t	k;

	(void)state;
	memset(&dlv, 0, sizeof(dlv));
	memset(&job, 0, sizeof(job));
	dlv.job_id = 42;
	job.dlv = &dlv;
	job.emit = capture_emit;
	smtp_session_peer(&peer, "mx.example.com", "192.0.2.1", 25);
	smtp_reply_begin(&r);
	for (k = 0; k < NELEM(lines); k++)
		(void)smtp_reply_add_line(&r, lines[k], strlen(lines[k]), 0);

	nemitted = 0;
	smtp_ehlo_read(&job, &r, &peer, &e);
	assert_int_equal(nemitted, 0);
	assert_int_equal(e.features, P | CH);

	peer.ehlo_discard = SJ_EHLO_MASK_CHUNKING | SJ_EHLO_MASK_DSN;
	smtp_ehlo_read(&job, &r, &peer, &e);
	assert_int_equal(nemitted, 1);
	assert_int_equal(emitted[0].type, IPC_T_EHLO_NOTE);
	assert_int_equal(emitted[0].u.ehlo_note.job_id, 42);
	assert_int_equal(emitted[0].u.ehlo_note.mask, peer.ehlo_discard);
	assert_int_equal(e.features, P);

	peer.ehlo_discard |= SJ_EHLO_MASK_SILENT;
	smtp_ehlo_read(&job, &r, &peer, &e);
	assert_int_equal(nemitted, 1);
	assert_int_equal(e.features, P);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ehlo_table),
		cmocka_unit_test(test_ehlo_empty),
		cmocka_unit_test(test_ehlo_long_server_name),
		cmocka_unit_test(test_ehlo_discard),
		cmocka_unit_test(test_ehlo_read),
	};

	msg_set_sink(test_sink, NULL);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

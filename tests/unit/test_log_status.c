/*
 * NAME
 *	test_log_status 1
 * SUMMARY
 *	unit tests for parent/log_status.c
 * DESCRIPTION
 *	Postfix's 52 format_tv test vectors (util/format_tv.in/.ref, the
 *	inputs converted to seconds and microseconds the way Postfix's test
 *	driver does), delay formatting at every resolution, the address
 *	quoting of quote_822_local(), and whole status lines observed from
 *	a real Postfix 3.7.11 (Debian 12).
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "log_status.h"

/* ---- format_tv: Postfix's own vectors ---- */

struct tv_vec {
	const char *in;		/* as written in format_tv.in */
	int	sig;
	int	max;
	const char *ref;	/* as written in format_tv.ref */
};

static const struct tv_vec postfix_vectors[] = {
	{ "1110", 2, 6, "1110" },
	{ "111", 2, 6, "111" },
	{ "11.1", 2, 6, "11" },
	{ "1.11", 2, 6, "1.1" },
	{ "0.111", 2, 6, "0.11" },
	{ "0.0111", 2, 6, "0.011" },
	{ "0.00111", 2, 6, "0.0011" },
	{ "0.000111", 2, 6, "0.00011" },
	{ "0.0000111", 2, 6, "0.000011" },
	{ "1000", 2, 6, "1000" },
	{ "100", 2, 6, "100" },
	{ "10", 2, 6, "10" },
	{ "1", 2, 6, "1" },
	{ "0.1", 2, 6, "0.1" },
	{ "0.01", 2, 6, "0.01" },
	{ "0.001", 2, 6, "0.001" },
	{ "0.0001", 2, 6, "0.0001" },
	{ "0.00001", 2, 6, "0.00001" },
	{ "0.0000011", 2, 6, "0.000001" },
	{ "996", 2, 6, "996" },
	{ "99.6", 2, 6, "100" },
	{ "9.96", 2, 6, "10" },
	{ ".996", 2, 6, "1" },
	{ ".0996", 2, 6, "0.1" },
	{ ".00996", 2, 6, "0.01" },
	{ ".000996", 2, 6, "0.001" },
	{ "1110", 1, 6, "1110" },
	{ "111", 1, 6, "111" },
	{ "11.1", 1, 6, "11" },
	{ "1.11", 1, 6, "1" },
	{ "0.111", 1, 6, "0.1" },
	{ "0.0111", 1, 6, "0.01" },
	{ "0.00111", 1, 6, "0.001" },
	{ "0.000111", 1, 6, "0.0001" },
	{ "0.000011", 1, 6, "0.00001" },
	{ "1000", 1, 6, "1000" },
	{ "100", 1, 6, "100" },
	{ "10", 1, 6, "10" },
	{ "1", 1, 6, "1" },
	{ "0.1", 1, 6, "0.1" },
	{ "0.01", 1, 6, "0.01" },
	{ "0.001", 1, 6, "0.001" },
	{ "0.0001", 1, 6, "0.0001" },
	{ "0.00001", 1, 6, "0.00001" },
	{ "0.0000011", 1, 6, "0.000001" },
	{ "996", 1, 6, "996" },
	{ "99.6", 1, 6, "100" },
	{ "9.96", 1, 6, "10" },
	{ ".996", 1, 6, "1" },
	{ ".0996", 1, 6, "0.1" },
	{ ".00996", 1, 6, "0.01" },
	{ ".000996", 1, 6, "0.001" },
};

static void
test_format_tv_postfix_vectors(void **state)
{
	char	out[64];
	size_t	i;

	(void)state;
	assert_int_equal(sizeof(postfix_vectors) / sizeof(postfix_vectors[0]),
	    52);
	for (i = 0; i < sizeof(postfix_vectors) / sizeof(postfix_vectors[0]);
	    i++) {
		const struct tv_vec *v = &postfix_vectors[i];
		/* Postfix's driver: sec = (int) tval; usec = (tval-sec)*1e6 */
		double	tval = strtod(v->in, NULL);
		int	sec = (int)tval;
		int	usec = (int)((tval - sec) * 1000000);

		assert_int_equal(log_status_format_tv(out, sizeof(out), sec,
		    usec, v->sig, v->max), 0);
		if (strcmp(out, v->ref) != 0)
			fail_msg("vector %zu: %s %d %d: got %s, want %s", i,
			    v->in, v->sig, v->max, out, v->ref);
	}
}

/* ---- format_tv: the delay fields, 2 digits, every resolution ---- */

struct delay_vec {
	long	sec;
	long	usec;
	int	res;		/* delay_logging_resolution_limit */
	const char *want;
};

static const struct delay_vec delay_vectors[] = {
	/* Examples of Postfix's format_tv() rule, R = 2 */
	{ 0, 3100, 2, "0" },
	{ 0, 6100, 2, "0.01" },
	{ 0, 80000, 2, "0.08" },
	{ 0, 125000, 2, "0.13" },
	{ 1, 949999, 2, "1.9" },
	{ 12, 600000, 2, "13" },
	{ 338, 0, 2, "338" },
	/* edges */
	{ 0, 0, 2, "0" },
	{ 0, 999999, 2, "1" },
	{ 0, 4999, 2, "0" },
	{ 0, 5000, 2, "0.01" },
	{ 9, 950000, 2, "10" },
	{ 9, 949999, 2, "9.9" },
	{ 1, 0, 2, "1" },
	{ 1, 50000, 2, "1.1" },
	{ 1, 49999, 2, "1" },
	{ 86400, 0, 2, "86400" },
	{ 0, 1000000, 2, "1" },		/* usec == 1e6 is accepted */
	/* R = 0: whole seconds */
	{ 0, 600000, 0, "1" },
	{ 0, 400000, 0, "0" },
	{ 1, 500000, 0, "2" },
	{ 1, 499999, 0, "1" },
	/* R = 1 */
	{ 0, 60000, 1, "0.1" },
	{ 0, 40000, 1, "0" },
	{ 0, 250000, 1, "0.3" },
	/* R = 3 */
	{ 0, 3100, 3, "0.003" },
	{ 0, 123456, 3, "0.12" },
	/* R = 6 */
	{ 0, 123, 6, "0.00012" },
	{ 0, 7, 6, "0.000007" },
	{ 0, 1, 6, "0.000001" },
	{ 2, 345678, 6, "2.3" },
};

static void
test_format_tv_resolutions(void **state)
{
	char	out[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(delay_vectors) / sizeof(delay_vectors[0]);
	    i++) {
		const struct delay_vec *v = &delay_vectors[i];

		assert_int_equal(log_status_format_tv(out, sizeof(out), v->sec,
		    v->usec, 2, v->res), 0);
		if (strcmp(out, v->want) != 0)
			fail_msg("delay %zu: %ld.%06ld R=%d: got %s, want %s",
			    i, v->sec, v->usec, v->res, out, v->want);
	}
}

static void
test_format_tv_errors(void **state)
{
	char	out[8];

	(void)state;
	assert_int_equal(log_status_format_tv(out, sizeof(out), 1, 0, 2, 7),
	    -EINVAL);
	assert_int_equal(log_status_format_tv(out, sizeof(out), 1, 0, 2, -1),
	    -EINVAL);
	assert_int_equal(log_status_format_tv(out, sizeof(out), 1, 0, 0, 2),
	    -EINVAL);
	assert_int_equal(log_status_format_tv(out, sizeof(out), 1, 0, 7, 2),
	    -EINVAL);
	assert_int_equal(log_status_format_tv(out, sizeof(out), -1, 0, 2, 2),
	    -EINVAL);
	assert_int_equal(log_status_format_tv(out, sizeof(out), 0, -1, 2, 2),
	    -EINVAL);
	assert_int_equal(log_status_format_tv(out, sizeof(out), 0, 1000001, 2,
	    2), -EINVAL);
	/* too small: cut, terminated */
	assert_int_equal(log_status_format_tv(out, 4, 123456, 0, 2, 2),
	    -ENOSPC);
	assert_string_equal(out, "123");
	assert_int_equal(log_status_format_tv(out, sizeof(out), LONG_MAX,
	    999999, 2, 2), -ENOSPC);
}

/* ---- address quoting ---- */

struct addr_vec {
	const char *in;
	const char *want;
};

static const struct addr_vec addr_vectors[] = {
	{ "bob@remote.test", "bob@remote.test" },
	{ "", "" },
	{ "user", "user" },
	{ "first.last@example.com", "first.last@example.com" },
	{ "a+tag=x!y#z$%&'*/?^_`{|}~-@x.test", "a+tag=x!y#z$%&'*/?^_`{|}~-@x.test" },
	{ "john doe@example.com", "\"john doe\"@example.com" },
	{ "a..b@x", "\"a..b\"@x" },
	{ ".a@x", "\".a\"@x" },
	{ "a.@x", "\"a.\"@x" },
	{ "a\"b@x", "\"a\\\"b\"@x" },
	{ "a\\b@x", "\"a\\\\b\"@x" },
	{ "a@b@x", "\"a@b\"@x" },
	{ "@x", "\"\"@x" },
	{ "a(b)@x", "\"a(b)\"@x" },
	{ "a<b>@x", "\"a<b>\"@x" },
	{ "a,b@x", "\"a,b\"@x" },
	{ "a;b@x", "\"a;b\"@x" },
	{ "a:b@x", "\"a:b\"@x" },
	{ "a[b]@x", "\"a[b]\"@x" },
	{ "a\tb@x", "\"a\tb\"@x" },
	{ "a\rb@x", "\"a\\\rb\"@x" },
	{ "a\x7f" "b@x", "\"a\x7f" "b\"@x" },
	/* 8-bit clean: UTF-8 local parts are left alone */
	{ "j\xc3\xbcrgen@x.test", "j\xc3\xbcrgen@x.test" },
	{ "j\xc3\xbc rgen@x.test", "\"j\xc3\xbc rgen\"@x.test" },
	/* source route: kept, only the local part after ':' is checked */
	{ "@r1,@r2:user@x", "@r1,@r2:user@x" },
	{ "@r1:us er@x", "@r1:\"us er\"@x" },
	/* no '@': the whole string is the local part */
	{ "has space", "\"has space\"" },
	/* the domain is never quoted */
	{ "user@dom ain", "user@dom ain" },
};

static void
test_quote_addr(void **state)
{
	char	out[256];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(addr_vectors) / sizeof(addr_vectors[0]); i++) {
		assert_int_equal(log_status_quote_addr(out, sizeof(out),
		    addr_vectors[i].in), 0);
		if (strcmp(out, addr_vectors[i].want) != 0)
			fail_msg("addr %zu: got [%s], want [%s]", i, out,
			    addr_vectors[i].want);
	}
	assert_int_equal(log_status_quote_addr(out, 5, "john doe@x"),
	    -ENOSPC);
	assert_string_equal(out, "\"joh");
}

/* ---- printable ---- */

static void
test_printable(void **state)
{
	char	a[] = "ok\ttab\r\n\x01\x7f end";
	char	b[] = "caf\xc3\xa9 \xff\xfe \xc3 x";
	char	c[] = "caf\xc3\xa9";

	(void)state;
	log_status_printable(a, 1);
	assert_string_equal(a, "ok?tab??\?? end");
	log_status_printable(b, 1);
	/* valid-looking UTF-8 kept; 0xff, 0xfe, a lone lead byte: '?' */
	assert_string_equal(b, "caf\xc3\xa9 ?? ? x");
	log_status_printable(c, 0);
	assert_string_equal(c, "caf??");
}

/* ---- whole lines ---- */

static struct timeval
tv(long s, long us)
{
	struct timeval t;

	t.tv_sec = s;
	t.tv_usec = us;
	return (t);
}

struct line_vec {
	const char *name;
	const char *qid;
	const char *rcpt;
	const char *orig;
	const char *relay;
	struct msg_stats st;
	struct timeval now;
	unsigned res;
	int	internal;
	int	utf8;
	const char *dsn;
	enum log_status_word status;
	const char *reason;
	const char *want;
};

#define T0	1795466739L

static const struct line_vec line_vectors[] = {
	{
		"observed sent line",
		"874ECA76317", "bob@remote.test", "bob@remote.test",
		"127.0.0.1[127.0.0.1]:2525",
		{ { T0, 0 }, { T0 + 22, 100000 }, { T0 + 22, 230000 },
		  { T0 + 22, 231000 }, { T0 + 22, 234000 }, 0 },
		{ T0 + 99, 0 }, 2, 0, 1,
		"2.0.0", LOG_STATUS_SENT, "250 2.0.0 Ok",
		"874ECA76317: to=<bob@remote.test>, "
		"relay=127.0.0.1[127.0.0.1]:2525, delay=22, "
		"delays=22/0.13/0/0, dsn=2.0.0, status=sent (250 2.0.0 Ok)"
	},
	{
		"observed bounce line",
		"8794CA76063", "harduser@remote.test", "",
		"127.0.0.1[127.0.0.1]:2526",
		{ { T0, 0 }, { T0, 60000 }, { T0, 140000 },
		  { T0, 141000 }, { T0, 200000 }, 0 },
		{ T0 + 99, 0 }, 2, 0, 1,
		"5.1.1", LOG_STATUS_BOUNCED,
		"host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
		"<harduser@remote.test>: Recipient address rejected: no such "
		"user (in reply to RCPT TO command)",
		"8794CA76063: to=<harduser@remote.test>, "
		"relay=127.0.0.1[127.0.0.1]:2526, delay=0.2, "
		"delays=0.06/0.08/0/0.06, dsn=5.1.1, status=bounced (host "
		"127.0.0.1[127.0.0.1] said: 550 5.1.1 <harduser@remote.test>: "
		"Recipient address rejected: no such user (in reply to RCPT "
		"TO command))"
	},
	{
		"connect failure: relay=none, no session stamp",
		"CB9F3A76093", "user@refused.test", NULL, "none",
		{ { T0, 0 }, { T0, 10000 }, { T0, 110000 },
		  { 0, 0 }, { T0, 112000 }, 0 },
		{ T0 + 99, 0 }, 2, 0, 1,
		"4.4.1", LOG_STATUS_DEFERRED,
		"connect to 127.0.0.1[127.0.0.1]:2529: Connection refused",
		"CB9F3A76093: to=<user@refused.test>, relay=none, delay=0.11, "
		"delays=0.01/0.1/0/0, dsn=4.4.1, status=deferred (connect to "
		"127.0.0.1[127.0.0.1]:2529: Connection refused)"
	},
	{
		"reused connection",
		"C7205A760D8", "alice@example.test", NULL,
		"127.0.0.1[127.0.0.1]:2526",
		{ { T0, 0 }, { T0, 1000 }, { T0, 71000 },
		  { T0, 72000 }, { T0, 111000 }, 1 },
		{ T0 + 99, 0 }, 2, 0, 1,
		"2.0.0", LOG_STATUS_SENT, "250 2.0.0 Ok: queued as TEST123",
		"C7205A760D8: to=<alice@example.test>, "
		"relay=127.0.0.1[127.0.0.1]:2526, conn_use=2, delay=0.11, "
		"delays=0/0.07/0/0.04, dsn=2.0.0, status=sent (250 2.0.0 Ok: "
		"queued as TEST123)"
	},
	{
		"address probe",
		"016B0A76084", "user3@nodsn.test", NULL,
		"127.0.0.1[127.0.0.1]:2530",
		{ { T0, 0 }, { T0, 20000 }, { T0, 20000 },
		  { T0, 30000 }, { T0, 40000 }, 0 },
		{ T0 + 99, 0 }, 2, 0, 1,
		"2.1.5", LOG_STATUS_DELIVERABLE, "250 2.1.5 Ok",
		"016B0A76084: to=<user3@nodsn.test>, "
		"relay=127.0.0.1[127.0.0.1]:2530, delay=0.04, "
		"delays=0.02/0/0.01/0.01, dsn=2.1.5, status=deliverable (250 "
		"2.1.5 Ok)"
	},
	{
		"orig_to differs; same-case comparison ignored",
		"A1", "bob@remote.test", "Alias@Example.test", "none",
		{ { T0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, 0 },
		{ T0 + 5, 250000 }, 2, 0, 1,
		"4.0.0", LOG_STATUS_DEFERRED, "x",
		/* no active_arrival: pdelay = now - arrival, others 0 */
		"A1: to=<bob@remote.test>, orig_to=<Alias@Example.test>, "
		"relay=none, delay=5.3, delays=5.3/0/0/0, dsn=4.0.0, "
		"status=deferred (x)"
	},
	{
		"orig_to equal ignoring case: left out",
		"A2", "bob@remote.test", "BOB@Remote.Test", "none",
		{ { T0, 0 }, { T0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, 0 },
		{ T0 + 1, 0 }, 2, 0, 1,
		"4.0.0", LOG_STATUS_DEFERRED, "x",
		/* no agent_handoff: adelay = now - active */
		"A2: to=<bob@remote.test>, relay=none, delay=1, "
		"delays=0/1/0/0, dsn=4.0.0, status=deferred (x)"
	},
	{
		"quoted addresses, external form",
		"A3", "john doe@x.test", "\"q\"@x.test", "none",
		{ { T0, 0 }, { T0, 0 }, { T0, 0 }, { 0, 0 }, { 0, 0 }, 0 },
		{ T0, 500000 }, 2, 0, 1,
		"5.0.0", LOG_STATUS_BOUNCED, "r",
		"A3: to=<\"john doe\"@x.test>, orig_to=<\"\\\"q\\\"\"@x.test>, "
		"relay=none, delay=0.5, delays=0/0/0/0.5, dsn=5.0.0, "
		"status=bounced (r)"
	},
	{
		"internal form",
		"A4", "john doe@x.test", NULL, "none",
		{ { T0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, 0 },
		{ T0, 0 }, 2, 1, 1,
		"5.0.0", LOG_STATUS_SOFTBOUNCE, "r",
		"A4: to=<john doe@x.test>, relay=none, delay=0, "
		"delays=0/0/0/0, dsn=5.0.0, status=SOFTBOUNCE (r)"
	},
	{
		"empty recipient, clock jumped back",
		"A5", "", NULL, "none",
		{ { T0, 0 }, { T0 - 10, 0 }, { T0 - 20, 0 }, { T0 - 30, 5 },
		  { T0 - 40, 0 }, 0 },
		{ T0, 0 }, 2, 0, 1,
		"4.3.0", LOG_STATUS_UNDELIVERABLE_NOT_CACHED, "r",
		"A5: to=<>, relay=none, delay=0, delays=0/0/0/0, dsn=4.3.0, "
		"status=undeliverable-but-not-cached (r)"
	},
	{
		"control bytes and 8-bit text censored like Postfix's msg(3)",
		"A6", "j\xc3\xbcrgen@x.test", NULL, "none",
		{ { T0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, 0 },
		{ T0, 0 }, 2, 0, 1,
		"5.0.0", LOG_STATUS_UNDELIVERABLE, "bad\r\nline \xff",
		"A6: to=<j\xc3\xbcrgen@x.test>, relay=none, delay=0, "
		"delays=0/0/0/0, dsn=5.0.0, status=undeliverable (bad?\?line ?)"
	},
	{
		"utf8 off",
		"A7", "j\xc3\xbcrgen@x.test", NULL, "none",
		{ { T0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, { 0, 0 }, 0 },
		{ T0, 0 }, 2, 0, 0,
		"5.0.0", LOG_STATUS_BOUNCED, "r",
		"A7: to=<j??rgen@x.test>, relay=none, delay=0, "
		"delays=0/0/0/0, dsn=5.0.0, status=bounced (r)"
	},
	{
		"resolution 6 and 0",
		"A8", "a@b", NULL, "none",
		{ { T0, 0 }, { T0, 123 }, { T0, 1123 }, { T0, 2123 },
		  { T0, 502123 }, 0 },
		{ T0, 0 }, 6, 0, 1,
		"2.0.0", LOG_STATUS_SENT, "ok",
		"A8: to=<a@b>, relay=none, delay=0.5, "
		"delays=0.00012/0.001/0.001/0.5, dsn=2.0.0, status=sent (ok)"
	},
	{
		"resolution 0",
		"A9", "a@b", NULL, "none",
		{ { T0, 0 }, { T0, 123 }, { T0, 1123 }, { T0, 2123 },
		  { T0 + 1, 502123 }, 0 },
		{ T0, 0 }, 0, 0, 1,
		"2.0.0", LOG_STATUS_SENT, "ok",
		"A9: to=<a@b>, relay=none, delay=2, delays=0/0/0/2, "
		"dsn=2.0.0, status=sent (ok)"
	},
};

static void
test_lines(void **state)
{
	char	out[LOG_STATUS_LINE_MAX];
	struct log_status ls;
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(line_vectors) / sizeof(line_vectors[0]); i++) {
		const struct line_vec *v = &line_vectors[i];

		memset(&ls, 0, sizeof(ls));
		ls.queue_id = v->qid;
		ls.recipient = v->rcpt;
		ls.orig_recipient = v->orig;
		ls.relay = v->relay;
		ls.stats = &v->st;
		ls.now = v->now;
		ls.resolution = v->res;
		ls.addr_form_internal = v->internal;
		ls.utf8 = v->utf8;
		ls.dsn_status = v->dsn;
		ls.status = v->status;
		ls.reason = v->reason;
		assert_int_equal(log_status_format(out, sizeof(out), &ls), 0);
		if (strcmp(out, v->want) != 0)
			fail_msg("line %zu (%s):\n got  %s\n want %s", i,
			    v->name, out, v->want);
	}
}

static void
test_line_errors(void **state)
{
	struct msg_stats st;
	struct log_status ls;
	char	out[256];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.incoming_arrival = tv(T0, 0);
	memset(&ls, 0, sizeof(ls));
	ls.queue_id = "Q";
	ls.recipient = "a@b";
	ls.relay = "none";
	ls.stats = &st;
	ls.now = tv(T0, 0);
	ls.resolution = 2;
	ls.dsn_status = "2.0.0";
	ls.status = LOG_STATUS_SENT;
	ls.reason = "ok";
	assert_int_equal(log_status_format(out, sizeof(out), &ls), 0);
	assert_string_equal(out, "Q: to=<a@b>, relay=none, delay=0, "
	    "delays=0/0/0/0, dsn=2.0.0, status=sent (ok)");

	ls.resolution = 7;
	assert_int_equal(log_status_format(out, sizeof(out), &ls), -EINVAL);
	ls.resolution = 2;
	ls.status = LOG_STATUS_WORD_COUNT;
	assert_int_equal(log_status_format(out, sizeof(out), &ls), -EINVAL);
	ls.status = LOG_STATUS_SENT;
	ls.reason = NULL;
	assert_int_equal(log_status_format(out, sizeof(out), &ls), -EINVAL);
	ls.reason = "ok";
	ls.stats = NULL;
	assert_int_equal(log_status_format(out, sizeof(out), &ls), -EINVAL);
	ls.stats = &st;
	ls.recipient = NULL;
	assert_int_equal(log_status_format(out, sizeof(out), &ls), -EINVAL);
	ls.recipient = "a@b";

	/* too small: cut and terminated */
	assert_int_equal(log_status_format(out, 10, &ls), -ENOSPC);
	assert_string_equal(out, "Q: to=<a@");
	assert_int_equal(log_status_format(out, 0, &ls), -ENOSPC);

	assert_null(log_status_word_str(LOG_STATUS_WORD_COUNT));
	assert_string_equal(log_status_word_str(LOG_STATUS_DEFERRED),
	    "deferred");
}

/* Absurd stamps from a (trusted, but still) blob: no hang, no overflow. */
static void
test_absurd_stamps(void **state)
{
	struct msg_stats st;
	struct log_status ls;
	char	out[512];

	(void)state;
	memset(&st, 0, sizeof(st));
	st.incoming_arrival = tv(LONG_MIN, LONG_MIN);
	st.active_arrival = tv(LONG_MAX, LONG_MAX);
	st.agent_handoff = tv(1, LONG_MIN);
	st.conn_setup_done = tv(LONG_MAX, -5);
	st.deliver_done = tv(LONG_MAX, LONG_MAX);
	st.reuse_count = UINT_MAX;
	memset(&ls, 0, sizeof(ls));
	ls.queue_id = "Q";
	ls.recipient = "a@b";
	ls.relay = "none";
	ls.stats = &st;
	ls.resolution = 2;
	ls.dsn_status = "2.0.0";
	ls.status = LOG_STATUS_SENT;
	ls.reason = "ok";
	assert_int_equal(log_status_format(out, sizeof(out), &ls), 0);
	assert_non_null(strstr(out, ", conn_use=4294967296, delay="));
	assert_non_null(strstr(out, ", dsn=2.0.0, status=sent (ok)"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_tv_postfix_vectors),
		cmocka_unit_test(test_format_tv_resolutions),
		cmocka_unit_test(test_format_tv_errors),
		cmocka_unit_test(test_quote_addr),
		cmocka_unit_test(test_printable),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_line_errors),
		cmocka_unit_test(test_absurd_stamps),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

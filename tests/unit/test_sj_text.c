/*
 * NAME
 *	test_sj_text 1
 * SUMMARY
 *	unit tests of the peer-text censor and checks
 * DESCRIPTION
 *	sj_text_censor(): CR, LF and TAB become spaces, NUL, other
 *	controls, DEL and 8-bit bytes become '?', output is cut at its
 *	size and always printable. sj_text_is_printable() over every byte
 *	value. sj_text_is_dsn_status() against a table of accepted and
 *	rejected statuses (RFC 3463: class 2/4/5, 1-3 digit subject and
 *	detail, nothing else).
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	ipc/sj_text.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sj_limits.h"
#include "sj_text.h"

/* One byte longer than a host name may be. */
#define SJ_TEST_LONG	(SJ_HOSTNAME_MAX + 1)

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct censor_case {
	const char *in;
	size_t	inlen;
	size_t	outsz;
	const char *want;
};

#define IN(s)	s, sizeof(s) - 1

static const struct censor_case censor_cases[] = {
	{ IN("250 ok"), 64, "250 ok" },
	{ IN("a\r\nb"), 64, "a  b" },
	{ IN("a\tb"), 64, "a b" },
	{ IN("a\0b"), 64, "a?b" },
	{ IN("\x1b[31mred"), 64, "?[31mred" },
	{ IN("del\x7f"), 64, "del?" },
	{ IN("caf\xc3\xa9"), 64, "caf??" },
	{ IN("\x80\xff\x01\x1f"), 64, "????" },
	{ IN(" ~"), 64, " ~" },
	/* Truncation: at most outsz - 1 bytes, always terminated. */
	{ IN("abcdefgh"), 5, "abcd" },
	{ IN("abcdefgh"), 9, "abcdefgh" },
	{ IN("abcdefgh"), 8, "abcdefg" },
	{ IN("abc"), 1, "" },
	{ IN(""), 8, "" },
	{ IN("a\r\n"), 3, "a " },
};

static void
test_censor(void **state)
{
	const struct censor_case *c;
	char	out[80];
	size_t	i, n;

	(void)state;
	for (i = 0; i < NELEM(censor_cases); i++) {
		c = &censor_cases[i];
		memset(out, '#', sizeof(out));
		n = sj_text_censor(out, c->outsz, c->in, c->inlen);
		if (strcmp(out, c->want) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, out,
			    c->want);
		assert_int_equal(n, strlen(c->want));
		/* Nothing written past outsz. */
		assert_int_equal(out[c->outsz], '#');
	}
}

static void
test_censor_outsz_zero(void **state)
{
	char	out[4] = "###";

	(void)state;
	assert_int_equal(sj_text_censor(out, 0, "abc", 3), 0);
	assert_string_equal(out, "###");
}

/* Whatever goes in, what comes out passes the parent's check. */
static void
test_censor_all_bytes(void **state)
{
	char	in[256], out[257];
	size_t	i, n;

	(void)state;
	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	n = sj_text_censor(out, sizeof(out), in, sizeof(in));
	assert_int_equal(n, 256);
	assert_int_equal(strlen(out), 256);
	assert_true(sj_text_is_printable(out));
	for (i = 0; i < 256; i++) {
		if (i == '\r' || i == '\n' || i == '\t')
			assert_int_equal(out[i], ' ');
		else if (i < 0x20 || i > 0x7e)
			assert_int_equal(out[i], '?');
		else
			assert_int_equal(out[i], (char)i);
	}
}

static void
test_is_printable(void **state)
{
	char	s[4];
	int	c;

	(void)state;
	assert_true(sj_text_is_printable(""));
	assert_true(sj_text_is_printable(" !~ 250 2.0.0 Ok: queued"));
	for (c = 1; c < 256; c++) {
		s[0] = 'a';
		s[1] = (char)c;
		s[2] = 'b';
		s[3] = '\0';
		if (sj_text_is_printable(s) != (c >= 0x20 && c <= 0x7e))
			fail_msg("byte 0x%02x misjudged", c);
	}
}

struct dsn_case {
	const char *s;
	int	ok;
};

static const struct dsn_case dsn_cases[] = {
	{ "2.0.0", 1 },
	{ "4.4.1", 1 },
	{ "5.7.1", 1 },
	{ "5.1.10", 1 },
	{ "4.123.456", 1 },
	{ "2.999.999", 1 },
	{ "5.0.999", 1 },
	{ "", 0 },
	{ "2", 0 },
	{ "2.", 0 },
	{ "2.0", 0 },
	{ "2.0.", 0 },
	{ "1.0.0", 0 },
	{ "3.0.0", 0 },
	{ "6.0.0", 0 },
	{ "0.0.0", 0 },
	{ "x.0.0", 0 },
	{ "20.0.0", 0 },
	{ "2..0", 0 },
	{ "2.0..0", 0 },
	{ "2.1234.0", 0 },
	{ "2.0.1234", 0 },
	{ "2.a.0", 0 },
	{ "2.0.a", 0 },
	{ "2.0.0.0", 0 },
	{ "2.0.0 ", 0 },
	{ " 2.0.0", 0 },
	{ "2.0.0\n", 0 },
	{ "2,0,0", 0 },
	{ "+2.0.0", 0 },
	{ "2.+1.0", 0 },
	{ "2.-1.0", 0 },
	{ "5.5.-1", 0 },
	{ "5.5.1x", 0 },
	{ "2.0.0\r\n", 0 },
};

static void
test_dsn_status(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(dsn_cases); i++)
		if (sj_text_is_dsn_status(dsn_cases[i].s) != dsn_cases[i].ok)
			fail_msg("\"%s\": want %s", dsn_cases[i].s,
			    dsn_cases[i].ok ? "accepted" : "rejected");
}

static const struct {
	const char *s;
	int	ok;
} relay_cases[] = {
	{ "none", 1 },
	{ "mx.test[192.0.2.1]:25", 1 },
	{ "mx-1.example_x.test[2001:db8::1]:587", 1 },
	{ "192.0.2.1[192.0.2.1]:25", 1 },
	{ "2001:db8::1[2001:db8::1]:25", 1 },
	{ "*.test[192.0.2.1]:25", 1 },
	{ "", 0 },
	{ "None", 0 },
	{ "none ", 0 },
	{ "mx.test", 0 },
	{ "[192.0.2.1]:25", 0 },
	{ "mx.test[]:25", 0 },
	{ "mx.test[192.0.2.1]", 0 },
	{ "mx.test[192.0.2.1]:", 0 },
	{ "mx.test[192.0.2.1]:123456", 0 },
	{ "mx.test[192.0.2.1]:25x", 0 },
	/* free text that would read as more status-line fields */
	{ "mx.test[192.0.2.1]:25, status=sent (250 ok)", 0 },
	{ "mx.test, status=sent[192.0.2.1]:25", 0 },
	{ "mx.test[192.0.2.1 ]:25", 0 },
	{ "mx.test[192.0.2.1]:25 ", 0 },
	{ "mx(test)[192.0.2.1]:25", 0 },
	{ "mx.test[zz]:25", 0 },
	{ "mx/test[192.0.2.1]:25", 0 },
};

static void
test_relay(void **state)
{
	char	longhost[SJ_TEST_LONG + 32];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(relay_cases); i++)
		if (sj_text_is_relay(relay_cases[i].s) != relay_cases[i].ok)
			fail_msg("relay \"%s\": want %s", relay_cases[i].s,
			    relay_cases[i].ok ? "accepted" : "rejected");
	/* a host name longer than RFC 1035 allows */
	memset(longhost, 'a', SJ_TEST_LONG);
	strcpy(longhost + SJ_TEST_LONG, "[192.0.2.1]:25");
	assert_int_equal(sj_text_is_relay(longhost), 0);
	longhost[SJ_TEST_LONG] = '\0';
	assert_int_equal(sj_text_is_host(longhost), 0);
	assert_int_equal(sj_text_is_host("mx.test"), 1);
	assert_int_equal(sj_text_is_host("2001:db8::1"), 1);
	assert_int_equal(sj_text_is_host(""), 0);
	assert_int_equal(sj_text_is_host("mx test"), 0);
	assert_int_equal(sj_text_is_host("mx.test,"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_censor),
		cmocka_unit_test(test_censor_outsz_zero),
		cmocka_unit_test(test_censor_all_bytes),
		cmocka_unit_test(test_is_printable),
		cmocka_unit_test(test_dsn_status),
		cmocka_unit_test(test_relay),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_generic_hdr - smtp_generic_maps in headers (child/generic_hdr.c)
 * DESCRIPTION
 *	The header address parser and re-emitter against what Postfix's
 *	smtp_header_rewrite() produces (tok822_parse(), smtp_map11_tree(),
 *	tok822_externalize(TOK822_STR_HEAD), the 70-byte line joining):
 *	bare addresses, "phrase <addr>", quoted phrases, comments (moved
 *	to the end of their address), groups, missing commas, quoted local
 *	parts, domain literals, folding, the 250-byte phrase limit; headers
 *	without a found address or not of an address kind stay unchanged;
 *	a lookup error and an over-long address are errors.
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

#include "generic_hdr.h"

struct tc {
	int	calls;
	char	last[GENERIC_HDR_ADDR_MAX + 1];
};

static int
lookup(void *ctx, const char *addr, char *out, size_t outsz)
{
	struct tc *t = ctx;

	t->calls++;
	snprintf(t->last, sizeof(t->last), "%s", addr);
	if (strcmp(addr, "joe@int.example") == 0) {
		snprintf(out, outsz, "joe@ext.example");
		return (1);
	}
	if (strcmp(addr, "a b@int.example") == 0) {
		snprintf(out, outsz, "x@ext.example");
		return (1);
	}
	if (strcmp(addr, "q@int.example") == 0) {
		snprintf(out, outsz, "q r@ext.example");
		return (1);
	}
	if (strcmp(addr, "error@int.example") == 0)
		return (-EAGAIN);
	return (0);
}

static const struct {
	const char *in;
	const char *out;		/* NULL: unchanged */
} cases[] = {
	{ "From: joe@int.example", "From: joe@ext.example" },
	{ "From: Joe User <joe@int.example>",
	    "From: Joe User <joe@ext.example>" },
	{ "From: \"Joe, User\" <joe@int.example>",
	    "From: \"Joe, User\" <joe@ext.example>" },
	{ "From: joe@int.example (Joe)", "From: joe@ext.example (Joe)" },
	{ "From: (Joe) joe@int.example", "From: joe@ext.example (Joe)" },
	{ "From: Joe <joe@int.example (c)>",
	    "From: Joe <joe@ext.example (c)>" },
	{ "To: joe@int.example, bob@other.example",
	    "To: joe@ext.example, bob@other.example" },
	{ "To: joe@int.example,\n\tbob@other.example",
	    "To: joe@ext.example, bob@other.example" },
	{ "To: joe@int.example bob@x.example",
	    "To: joe@ext.example, bob@x.example" },
	{ "To: friends: joe@int.example, bob@x.example;",
	    "To: friends: joe@ext.example, bob@x.example;" },
	{ "To: joe@int.example, aaaaaaaaaaaaaaaaaaaa@x.example, "
	    "bbbbbbbbbbbbbbbbbbbbbbb@x.example, c@x.example",
	    "To: joe@ext.example, aaaaaaaaaaaaaaaaaaaa@x.example,\n"
	    "\tbbbbbbbbbbbbbbbbbbbbbbb@x.example, c@x.example" },
	{ "Cc: \"a b\"@int.example", "Cc: x@ext.example" },
	{ "Cc: q@int.example", "Cc: \"q r\"@ext.example" },
	{ "Reply-To: joe@int.example, x@[10.0.0.1]",
	    "Reply-To: joe@ext.example, x@[10.0.0.1]" },
	{ "rEPLY-tO: joe@int.example", "rEPLY-tO: joe@ext.example" },
	{ "Sender: <joe@int.example>", "Sender: <joe@ext.example>" },
	/* Not found, not an address header, empty: unchanged. */
	{ "To: bob@other.example", NULL },
	{ "To: \"Joe\" <bob@other.example>, (x)", NULL },
	{ "Subject: joe@int.example", NULL },
	{ "Delivered-To: joe@int.example", NULL },
	{ "To:", NULL },
	{ "To:   ", NULL },
	/* Blanks before the colon: Postfix parses from the name's length
	 * plus one, so the colon becomes part of the address. */
	{ "FROM : joe@int.example", NULL },
};

static void
test_rewrite(void **state)
{
	struct tc t;
	char	*out;
	size_t	i, outlen;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&t, 0, sizeof(t));
		rc = generic_hdr_rewrite(cases[i].in, strlen(cases[i].in),
		    lookup, &t, &out, &outlen);
		if (cases[i].out == NULL) {
			if (rc != 0)
				print_error("case %zu: rc %d \"%s\"\n", i, rc,
				    rc > 0 ? out : "");
			assert_int_equal(rc, 0);
			assert_null(out);
			continue;
		}
		if (rc != 1 || strcmp(out, cases[i].out) != 0)
			print_error("case %zu: rc %d \"%s\"\n", i, rc,
			    rc == 1 ? out : "");
		assert_int_equal(rc, 1);
		assert_string_equal(out, cases[i].out);
		assert_int_equal(outlen, strlen(out));
		free(out);
	}
}

static void
test_colon_key(void **state)
{
	struct tc t;
	char	*out;
	size_t	outlen;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(generic_hdr_rewrite("FROM : joe@int.example", 22,
	    lookup, &t, &out, &outlen), 0);
	assert_int_equal(t.calls, 1);
	assert_string_equal(t.last, ":joe@int.example");
}

static void
test_phrase_limit(void **state)
{
	char	in[400], *out;
	struct tc t;
	size_t	outlen;

	(void)state;
	memset(&t, 0, sizeof(t));
	memcpy(in, "From: ", 6);
	memset(in + 6, 'A', 260);
	snprintf(in + 266, sizeof(in) - 266, " <joe@int.example>");
	assert_int_equal(generic_hdr_rewrite(in, strlen(in), lookup, &t, &out,
	    &outlen), 1);
	assert_string_equal(out, "From: <joe@ext.example>");
	free(out);
	/* 250 bytes of phrase stay. */
	in[6 + 244] = '\0';
	strcat(in, " <joe@int.example>");
	assert_int_equal(generic_hdr_rewrite(in, strlen(in), lookup, &t, &out,
	    &outlen), 1);
	assert_int_equal(strncmp(out, "From: AAAA", 10), 0);
	free(out);
}

static void
test_errors(void **state)
{
	char	*in, *out;
	struct tc t;
	size_t	outlen, n = GENERIC_HDR_ADDR_MAX + 10;

	(void)state;
	memset(&t, 0, sizeof(t));
	assert_int_equal(generic_hdr_rewrite("To: joe@int.example, "
	    "error@int.example", 38, lookup, &t, &out, &outlen), -EAGAIN);
	assert_null(out);
	/* An address longer than a lookup key: an error, not a lookup. */
	in = malloc(n + 5);
	assert_non_null(in);
	memcpy(in, "To: ", 4);
	memset(in + 4, 'a', n);
	in[n + 4] = '\0';
	t.calls = 0;
	assert_int_equal(generic_hdr_rewrite(in, n + 4, lookup, &t, &out,
	    &outlen), -E2BIG);
	assert_int_equal(t.calls, 0);
	free(in);
}

static void
test_match(void **state)
{
	(void)state;
	assert_int_equal(generic_hdr_match("From: x", 7), 4);
	assert_int_equal(generic_hdr_match("resent-to : x", 13), 9);
	assert_int_equal(generic_hdr_match("Return-Path:<>", 14), 11);
	assert_int_equal(generic_hdr_match("Received: x", 11), 0);
	assert_int_equal(generic_hdr_match("From x", 6), 0);
	assert_int_equal(generic_hdr_match("Fromx: x", 8), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rewrite),
		cmocka_unit_test(test_colon_key),
		cmocka_unit_test(test_phrase_limit),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_match),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_cfg_params 1
 * SUMMARY
 *	unit tests of the Postfix-style parameter store
 * DESCRIPTION
 *	Tables of main.cf texts (continuation lines, comments between
 *	them, '#' inside a value, trimming, CRLF, a later definition with
 *	its warning, syntax errors with the line number), of $name
 *	expansions (every form Postfix 3.7 has, nesting, $$, undefined
 *	names, loops and syntax errors refused), of typed conversions
 *	(booleans naming the parameter, integers with ranges, times with
 *	units and "10sec", lists) and of -o values. Also: a missing file,
 *	the built-in defaults (syslog_name, relay_domains by
 *	compatibility_level), and that a cached expansion follows a change.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/cfg_params.c, parent/cfg_maincf.c, parent/cfg_expand.c,
 *	parent/cfg_defaults.c
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

#include "cfg_params.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

struct warns {
	int	n;
	char	last[1024];
};

static void
collect(void *ctx, const char *text)
{
	struct warns *w = ctx;

	w->n++;
	snprintf(w->last, sizeof(w->last), "%s", text);
}

/*
 * main.cf syntax.
 */
static const struct syntax_case {
	const char *text;
	const char *name;		/* parameter to look at */
	const char *want;		/* raw value, NULL = not set */
	int	warnings;
	const char *warn_has;		/* substring of the last warning */
} syntax_cases[] = {
	{"a = b\n", "a", "b", 0, NULL},
	{"a=b", "a", "b", 0, NULL},			/* no newline */
	{"   \n\na = b\n\n", "a", "b", 0, NULL},
	{"a =    b c   \n", "a", "b c", 0, NULL},
	{"a = b\r\n", "a", "b", 0, NULL},		/* CR is blank */
	{"a =\n", "a", "", 0, NULL},
	/* continuation: newline dropped, leading blanks kept */
	{"a = b\n  c\n", "a", "b  c", 0, NULL},
	{"a = b\n\tc\n d\n", "a", "b\tc d", 0, NULL},
	/* comment and blank lines inside a continuation */
	{"a = b\n# note\n  c\n", "a", "b  c", 0, NULL},
	{"a = b\n\n  c\n", "a", "b  c", 0, NULL},
	{"a = b\n   # indented comment\n  c\n", "a", "b  c", 0, NULL},
	/* '#' not at line start is part of the value (obs) */
	{"myhostname = foo.example #comment\n", "myhostname",
	    "foo.example #comment", 0, NULL},
	{"# a = x\n", "a", NULL, 0, NULL},
	{"  # a = x\n", "a", NULL, 0, NULL},
	/* a later definition wins, with Postfix's warning */
	{"a = 1\nb = 2\na = 3\n", "a", "3", 1,
	    "T, line 3: overriding earlier entry: a=1"},
	{"a = 1\na = 1\n", "a", "1", 0, NULL},	/* same: no warning */
	/* continuation without a preceding line: skipped, warned */
	{"  x = 1\na = 2\n", "x", NULL, 1,
	    "T: logical line must not start with whitespace"},
	{"  x = 1\na = 2\n", "a", "2", 1, NULL},
	/* values are stored raw */
	{"a = $b ${c} $$\n", "a", "$b ${c} $$", 0, NULL},
};

static void
test_syntax(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(syntax_cases); i++) {
		const struct syntax_case *c = &syntax_cases[i];
		struct sj_params *p = sj_params_new();
		struct warns w;
		char	why[512] = "";
		const char *v;

		memset(&w, 0, sizeof(w));
		assert_non_null(p);
		if (sj_params_load_buf(p, "T", c->text, strlen(c->text),
		    collect, &w, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		v = sj_params_is_set(p, c->name) ? sj_params_raw(p, c->name) :
		    NULL;
		if (c->want == NULL) {
			if (v != NULL)
				fail_msg("case %zu: %s set to '%s'", i,
				    c->name, v);
		} else {
			if (v == NULL || strcmp(v, c->want) != 0)
				fail_msg("case %zu: %s = '%s', want '%s'", i,
				    c->name, v ? v : "(unset)", c->want);
		}
		if (w.n != c->warnings)
			fail_msg("case %zu: %d warnings, want %d (%s)", i, w.n,
			    c->warnings, w.last);
		if (c->warn_has && strstr(w.last, c->warn_has) == NULL)
			fail_msg("case %zu: warning '%s' lacks '%s'", i,
			    w.last, c->warn_has);
		sj_params_free(p);
	}
}

static const struct bad_syntax {
	const char *text;
	const char *why_has;
} bad_syntax[] = {
	{"a = 1\nfoo bar\n", "T, line 2: missing '=' after attribute name"},
	{"= x\n", "T, line 1: missing attribute name"},
	{"a = 1\nb\n  = 2\nc d\n", "T, line 4: missing '='"},
	{"a = 1\n\nb\n  c\n", "T, line 3: missing '='"},
};

static void
test_syntax_errors(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(bad_syntax); i++) {
		struct sj_params *p = sj_params_new();
		char	why[512] = "";
		int	rc;

		rc = sj_params_load_buf(p, "T", bad_syntax[i].text,
		    strlen(bad_syntax[i].text), NULL, NULL, why, sizeof(why));
		assert_int_equal(rc, -EINVAL);
		if (strstr(why, bad_syntax[i].why_has) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, why,
			    bad_syntax[i].why_has);
		sj_params_free(p);
	}
}

static void
test_missing_file(void **state)
{
	struct sj_params *p = sj_params_new();
	char	why[512] = "";

	(void)state;
	assert_int_equal(sj_params_load_file(p, "/nonexistent/main.cf", NULL,
	    NULL, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(why, "open /nonexistent/main.cf: No such"));
	sj_params_free(p);
}

/*
 * Expansion.
 */
static const char *exp_defs[] = {
	"a", "x",
	"b", "$a",
	"c", "${b}y",
	"d", "$(c)z",
	"e", "",
	"dollar", "$$b",
	"ws", "two words",
	"n9", "9",
	"n10", "10",
	"loop1", "$loop2",
	"loop2", "$loop1",
	"self", "pre $self",
};

static const struct exp_case {
	const char *text;
	const char *want;		/* NULL: an error */
	const char *why_has;
} exp_cases[] = {
	{"plain", "plain", NULL},
	{"$a", "x", NULL},
	{"${a}", "x", NULL},
	{"$(a)", "x", NULL},
	{"[$a]", "[x]", NULL},
	{"$a.b", "x.b", NULL},			/* name ends at '.' */
	{"$a$a", "xx", NULL},
	{"$b", "x", NULL},			/* recursive */
	{"$d", "xyz", NULL},			/* nested three deep */
	{"$$", "$", NULL},
	{"$$a", "$a", NULL},
	{"a$$$a", "a$x", NULL},
	{"$dollar", "$b", NULL},		/* $$ not re-expanded */
	{"$undefined", "", NULL},
	{"<${undefined}>", "<>", NULL},
	{"$e", "", NULL},
	{"$ws", "two words", NULL},
	/* ${name?text} and ${name:text} */
	{"${a?set}", "set", NULL},
	{"${e?set}", "", NULL},
	{"${undefined?set}", "", NULL},
	{"${a:unset}", "", NULL},
	{"${e:unset}", "unset", NULL},
	{"${undefined:unset}", "unset", NULL},
	{"${a?$b-$a}", "x-x", NULL},		/* text is expanded */
	{"${a?text:with:colons}", "text:with:colons", NULL},
	/* ${name?{t1}:{t2}} */
	{"${a?{yes}:{no}}", "yes", NULL},
	{"${e?{yes}:{no}}", "no", NULL},
	{"${undefined?{yes}:{no}}", "no", NULL},
	{"${a ? {yes} : {no}}", "yes", NULL},
	{"${a?{$b}:{$undefined}}", "x", NULL},
	{"${e?{yes}}", "", NULL},
	{"${a?{a{b}c}}", "a{b}c", NULL},		/* balanced braces */
	/* relational */
	{"${{1} == {1} ? {t} : {f}}", "t", NULL},
	{"${{1} != {1} ? {t} : {f}}", "f", NULL},
	{"${{$n9} < {$n10} ? {t} : {f}}", "t", NULL},	/* numeric */
	{"${{9x} < {10x} ? {t} : {f}}", "f", NULL},	/* string */
	{"${{b} > {a}?{t}:{f}}", "t", NULL},
	{"${{a} >= {a}?{t}:{f}}", "t", NULL},
	{"${{a} <= {b}?{t}:{f}}", "t", NULL},
	{"${{$a} == {x}}", "true", NULL},
	{"${{$a} == {y}}", "", NULL},
	{"${{$a} == {x} ? {yes}}", "yes", NULL},
	{"${{$a} == {y} : {no}}", "no", NULL},
	{"${{3.6} <level {2} ? {old} : {new}}", "new", NULL},
	{"${{0} <level {2} ? {old} : {new}}", "old", NULL},
	{"${{3.10} >level {3.9} ? {y} : {n}}", "y", NULL},
	{"${{3.6} ==level {3.6.0} ? {y} : {n}}", "y", NULL},
	/* errors */
	{"$loop1", NULL, "unreasonable macro call nesting"},
	{"$self", NULL, "nesting"},
	{"${a", NULL, "truncated macro reference"},
	{"$", NULL, "empty macro name"},
	{"x$ y", NULL, "empty macro name"},
	{"${}", NULL, "empty macro name"},
	{"${a?{x}", NULL, "truncated"},
	{"${a?{x}:{y}z}", NULL, "unexpected input"},
	{"${a?{x}z}", NULL, "\":\" expected"},
	{"${a b}", NULL, "attribute name syntax error"},
	{"${{a} ~ {b}}", NULL, "expected at"},
	{"${{a} == b}", NULL, "{expression}"},
	{"${{a} == {b} x}", NULL, "\"?\" or \":\" expected"},
	{"${{a} <bogus {b}}", NULL, "bad operator suffix"},
	{"${{x} <level {2}}", NULL, "bad compatibility level"},
	{"${{a}", NULL, "truncated"},
};

static void
test_expand(void **state)
{
	struct sj_params *p = sj_params_new();
	size_t	i;

	(void)state;
	assert_non_null(p);
	for (i = 0; i < NELEM(exp_defs); i += 2)
		assert_int_equal(sj_params_set(p, exp_defs[i],
		    exp_defs[i + 1]), 0);
	for (i = 0; i < NELEM(exp_cases); i++) {
		const struct exp_case *c = &exp_cases[i];
		char	why[512] = "", *out = NULL;
		int	rc;

		rc = sj_params_expand(p, c->text, &out, why, sizeof(why));
		if (c->want != NULL) {
			if (rc != 0)
				fail_msg("case %zu '%s': error %d %s", i,
				    c->text, rc, why);
			if (strcmp(out, c->want) != 0)
				fail_msg("case %zu '%s': got '%s', want '%s'",
				    i, c->text, out, c->want);
		} else {
			if (rc >= 0)
				fail_msg("case %zu '%s': accepted as '%s'", i,
				    c->text, out);
			assert_null(out);
			if (strstr(why, c->why_has) == NULL)
				fail_msg("case %zu '%s': '%s' lacks '%s'", i,
				    c->text, why, c->why_has);
		}
		free(out);
	}
	sj_params_free(p);
}

static void
test_loop_error_names_parameter(void **state)
{
	struct sj_params *p = sj_params_new();
	char	why[512] = "";

	(void)state;
	assert_int_equal(sj_params_set(p, "myorigin", "$mydomain"), 0);
	assert_int_equal(sj_params_set(p, "mydomain", "$myorigin"), 0);
	assert_null(sj_params_get(p, "myorigin", why, sizeof(why)));
	assert_non_null(strstr(why, "parameter myorigin: "));
	assert_non_null(strstr(why, "nesting"));
	sj_params_free(p);
}

static void
test_defaults(void **state)
{
	struct sj_params *p = sj_params_new();
	char	why[256];

	(void)state;
	assert_string_equal(sj_params_get(p, "syslog_name", why,
	    sizeof(why)), "postfix");
	assert_string_equal(sj_params_get(p, "smtp_helo_name", why,
	    sizeof(why)), "");	/* myhostname: set by config.c */
	assert_string_equal(sj_params_get(p, "max_idle", why, sizeof(why)),
	    "100s");
	assert_string_equal(sj_params_get(p, "notify_classes", why,
	    sizeof(why)), "resource, software");
	/* compatibility_level 0: relay_domains = $mydestination */
	assert_int_equal(sj_params_set_default(p, "myhostname", "h.example"),
	    0);
	assert_int_equal(sj_params_set_default(p, "mydomain", "example"), 0);
	assert_string_equal(sj_params_get(p, "fast_flush_domains", why,
	    sizeof(why)), "h.example, localhost.example, localhost");
	assert_int_equal(sj_params_set(p, "compatibility_level", "3.6"), 0);
	assert_string_equal(sj_params_get(p, "fast_flush_domains", why,
	    sizeof(why)), "");
	/* multi-instance */
	assert_int_equal(sj_params_set(p, "multi_instance_name", "pf-out"), 0);
	assert_string_equal(sj_params_get(p, "syslog_name", why,
	    sizeof(why)), "pf-out");
	/* smtp_fallback_relay = $fallback_relay */
	assert_int_equal(sj_params_set(p, "fallback_relay", "[r.example]"), 0);
	assert_string_equal(sj_params_get(p, "smtp_fallback_relay", why,
	    sizeof(why)), "[r.example]");
	/* unknown names */
	why[0] = 'x';
	assert_null(sj_params_get(p, "no_such_parameter", why, sizeof(why)));
	assert_string_equal(why, "");
	assert_false(sj_params_is_set(p, "max_use"));
	assert_string_equal(sj_params_raw(p, "max_use"), "100");
	sj_params_free(p);
}

static void
test_cache_follows_changes(void **state)
{
	struct sj_params *p = sj_params_new();
	char	why[256];

	(void)state;
	assert_int_equal(sj_params_set(p, "x", "<$y>"), 0);
	assert_int_equal(sj_params_set(p, "y", "1"), 0);
	assert_string_equal(sj_params_get(p, "x", why, sizeof(why)), "<1>");
	assert_int_equal(sj_params_set(p, "y", "2"), 0);
	assert_string_equal(sj_params_get(p, "x", why, sizeof(why)), "<2>");
	sj_params_free(p);
}

/*
 * Typed values.
 */
static const struct bool_case {
	const char *value;
	int	want;			/* -1: error */
} bool_cases[] = {
	{"yes", 1}, {"YES", 1}, {"Yes", 1}, {"no", 0}, {"NO", 0},
	{"true", -1}, {"1", -1}, {"", -1}, {"yes ", -1}, {"y", -1},
};

static void
test_bool(void **state)
{
	struct sj_params *p = sj_params_new();
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(bool_cases); i++) {
		char	why[256] = "";
		int	v = -7, rc;

		assert_int_equal(sj_params_set(p, "soft_bounce",
		    bool_cases[i].value), 0);
		rc = sj_params_get_bool(p, "soft_bounce", &v, why, sizeof(why));
		if (bool_cases[i].want < 0) {
			assert_int_equal(rc, -EINVAL);
			assert_non_null(strstr(why, "bad boolean configuration:"
			    " soft_bounce = "));
		} else {
			assert_int_equal(rc, 0);
			assert_int_equal(v, bool_cases[i].want);
		}
	}
	/* expanded before conversion */
	assert_int_equal(sj_params_set(p, "answer", "no"), 0);
	assert_int_equal(sj_params_set(p, "soft_bounce", "$answer"), 0);
	{
		char	why[256];
		int	v = 1;

		assert_int_equal(sj_params_get_bool(p, "soft_bounce", &v, why,
		    sizeof(why)), 0);
		assert_int_equal(v, 0);
	}
	sj_params_free(p);
}

static const struct int_case {
	const char *value;
	long	min, max;
	long	want;
	const char *why_has;		/* NULL: success */
} int_cases[] = {
	{"5", 0, 10, 5, NULL},
	{"0", 0, 10, 0, NULL},
	{"-3", -5, 10, -3, NULL},
	{"11", 0, 10, 0, "invalid n: 11 (max 10)"},
	{"0", 1, 10, 0, "invalid n: 0 (min 1)"},
	{"5x", 0, 10, 0, "bad numerical configuration: n = 5x"},
	{"", 0, 10, 0, "bad numerical configuration"},
	{"99999999999", 0, 10, 0, "bad numerical configuration"},
	{"5s", 0, 10, 0, "bad numerical configuration"},
};

static void
test_int(void **state)
{
	struct sj_params *p = sj_params_new();
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(int_cases); i++) {
		const struct int_case *c = &int_cases[i];
		char	why[256] = "";
		long	v = -99;
		int	rc;

		assert_int_equal(sj_params_set(p, "n", c->value), 0);
		rc = sj_params_get_int(p, "n", c->min, c->max, &v, why,
		    sizeof(why));
		if (c->why_has == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, why);
			assert_int_equal(v, c->want);
		} else {
			assert_true(rc < 0);
			if (strstr(why, c->why_has) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, why,
				    c->why_has);
		}
	}
	sj_params_free(p);
}

static const struct time_case {
	const char *value;
	int	def_unit;
	long	want;			/* -1: error */
} time_cases[] = {
	{"10", 's', 10},
	{"10s", 's', 10},
	{"10sec", 's', 10},		/* only the first letter counts */
	{"10seconds", 'm', 10},
	{"2m", 's', 120},
	{"2min", 's', 120},
	{"1h", 's', 3600},
	{"1d", 's', 86400},
	{"1w", 's', 604800},
	{"10", 'm', 600},		/* bare number: the default unit */
	{"10", 'h', 36000},
	{"0", 's', 0},
	{"0s", 's', 0},
	{"10x", 's', -1},
	{"", 's', -1},
	{"s", 's', -1},
	{"-1", 's', -1},
	{"-1s", 's', -1},
	{"99999999999", 's', -1},
	{"4000w", 's', -1},		/* overflows an int */
	{"10 s", 's', -1},
	{"10S", 's', -1},		/* units are lower case */
};

static void
test_time(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(time_cases); i++) {
		const struct time_case *c = &time_cases[i];
		long	v = -5;
		int	rc = sj_conv_time(c->value, c->def_unit, &v);

		if (c->want < 0) {
			if (rc == 0)
				fail_msg("case %zu '%s': accepted as %ld", i,
				    c->value, v);
		} else {
			if (rc != 0 || v != c->want)
				fail_msg("case %zu '%s': rc %d v %ld want %ld",
				    i, c->value, rc, v, c->want);
		}
	}
}

static void
test_time_getter(void **state)
{
	struct sj_params *p = sj_params_new();
	char	why[256] = "";
	long	v;

	(void)state;
	assert_int_equal(sj_params_get_time(p, "smtp_helo_timeout", 's', 1,
	    INT32_MAX, &v, why, sizeof(why)), 0);
	assert_int_equal(v, 300);
	assert_int_equal(sj_params_set(p, "smtp_helo_timeout", "5min"), 0);
	assert_int_equal(sj_params_get_time(p, "smtp_helo_timeout", 's', 1,
	    INT32_MAX, &v, why, sizeof(why)), 0);
	assert_int_equal(v, 300);
	assert_int_equal(sj_params_set(p, "smtp_helo_timeout", "5y"), 0);
	assert_int_equal(sj_params_get_time(p, "smtp_helo_timeout", 's', 1,
	    INT32_MAX, &v, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "parameter smtp_helo_timeout: bad time "
	    "value or unit: 5y");
	assert_int_equal(sj_params_set(p, "smtp_helo_timeout", "0"), 0);
	assert_int_equal(sj_params_get_time(p, "smtp_helo_timeout", 's', 1,
	    INT32_MAX, &v, why, sizeof(why)), -ERANGE);
	assert_string_equal(why, "invalid smtp_helo_timeout: 0 (min 1)");
	sj_params_free(p);
}

static const struct list_case {
	const char *value;
	int	n;
	const char *joined;		/* elements joined by '|' */
} list_cases[] = {
	{"", 0, ""},
	{"  , ,\t", 0, ""},
	{"a", 1, "a"},
	{"a,b", 2, "a|b"},
	{"a, b  c,,d\n e", 5, "a|b|c|d|e"},
	{"deferred, defer", 2, "deferred|defer"},
};

static void
test_list(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(list_cases); i++) {
		char	**argv, joined[256] = "";
		int	argc, j;

		assert_int_equal(sj_list_split(list_cases[i].value, &argv,
		    &argc), 0);
		assert_int_equal(argc, list_cases[i].n);
		assert_null(argv[argc]);
		for (j = 0; j < argc; j++)
			snprintf(joined + strlen(joined), sizeof(joined) -
			    strlen(joined), "%s%s", j ? "|" : "", argv[j]);
		assert_string_equal(joined, list_cases[i].joined);
		sj_list_free(argv, argc);
	}
}

static const struct override_case {
	const char *arg;
	const char *name;
	const char *want;
	const char *why_has;
} override_cases[] = {
	{"a=b", "a", "b", NULL},
	{" a = b c ", "a", "b c", NULL},
	{"a=", "a", "", NULL},
	{"a==b", "a", "=b", NULL},
	{"syslog_name=postfix/$service_name", "syslog_name",
	    "postfix/$service_name", NULL},
	{"novalue", NULL, NULL,
	    "invalid \"-o novalue\" option value: missing '=' after attribute "
	    "name"},
	{"=x", NULL, NULL, "missing attribute name"},
	{"", NULL, NULL, "missing attribute name"},
	{"a b=c", NULL, NULL, "missing '='"},
};

static void
test_override(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(override_cases); i++) {
		const struct override_case *c = &override_cases[i];
		struct sj_params *p = sj_params_new();
		char	why[256] = "";
		int	rc = sj_params_override(p, c->arg, why, sizeof(why));

		if (c->why_has == NULL) {
			assert_int_equal(rc, 0);
			assert_string_equal(sj_params_raw(p, c->name), c->want);
			assert_true(sj_params_is_set(p, c->name));
		} else {
			assert_int_equal(rc, -EINVAL);
			if (strstr(why, c->why_has) == NULL)
				fail_msg("case %zu: '%s' lacks '%s'", i, why,
				    c->why_has);
		}
		sj_params_free(p);
	}
}

static void
test_too_long(void **state)
{
	struct sj_params *p = sj_params_new();
	char	*big = malloc(SJ_PARAM_VALUE_MAX / 2 + 1);
	char	why[256] = "", *out;

	(void)state;
	assert_non_null(big);
	memset(big, 'x', SJ_PARAM_VALUE_MAX / 2);
	big[SJ_PARAM_VALUE_MAX / 2] = '\0';
	assert_int_equal(sj_params_set(p, "big", big), 0);
	assert_int_equal(sj_params_set(p, "bigger", "$big$big$big"), 0);
	assert_int_equal(sj_params_expand(p, "$bigger", &out, why,
	    sizeof(why)), -E2BIG);
	assert_non_null(strstr(why, "longer than"));
	free(big);
	sj_params_free(p);
}

/*
 * sj_params_new() appends the built-in defaults without searching, which
 * is right only if the table names each parameter once.
 */
static void
test_defaults_unique(void **state)
{
	struct sj_params *p = sj_params_new();
	const char *a, *b;
	size_t	i, j, n;

	(void)state;
	assert_non_null(p);
	for (n = 0; sj_params_nth(p, n, NULL, NULL) != NULL; n++)
		;
	assert_true(n > 100);
	for (i = 0; i < n; i++) {
		a = sj_params_nth(p, i, NULL, NULL);
		for (j = i + 1; j < n; j++) {
			b = sj_params_nth(p, j, NULL, NULL);
			if (strcmp(a, b) == 0)
				fail_msg("default %s listed twice", a);
		}
	}
	sj_params_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_syntax_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_loop_error_names_parameter),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_defaults_unique),
		cmocka_unit_test(test_cache_follows_changes),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_time_getter),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_override),
		cmocka_unit_test(test_too_long),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

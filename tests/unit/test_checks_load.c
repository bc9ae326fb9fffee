/*
 * NAME
 *	test_checks_load 1
 * SUMMARY
 *	unit tests of the regexp: and pcre: table parser for smtp_*_checks
 * DESCRIPTION
 *	Table: table text in, the rules out (operation, flags, pattern
 *	flags, $N count, patterns, replacement template, line number) and
 *	the warnings Postfix's dict_regexp.c and readlline.c give for what
 *	they skip: flags i, x, m and an unknown one; negation and double
 *	negation; /p1/!/p2/; another delimiter and an escaped one; $N,
 *	${N}, $(N) and $$; continued lines with comments between them;
 *	trailing blanks; if/endif, an ENDIF without IF, an IF without
 *	ENDIF, text after IF and ENDIF; a missing replacement, a bad or
 *	unclosed pattern, $N beyond the subexpressions or with a negated
 *	pattern, non-numeric and empty macro names, an unrecognized line,
 *	a first line that starts with white space. Errors: a pattern and
 *	a replacement over smtpjail's bounds, an empty pattern. pcre:
 *	tables (Postfix's dict_pcre.c): the default flags (i and s on),
 *	each of i, m, s, x, A, E, U toggling its option, X ignored with
 *	Postfix's warning, negation, $N and ${N} within the captures,
 *	if/endif, continued lines, a bad pattern and an unclosed one
 *	skipped with Postfix's warnings; an unknown flag letter (and with
 *	it /p1/!/p2/, which pcre: lacks) stops the parse with the file's
 *	line (fail closed). Every rule the parser keeps encodes as a
 *	CHECK message.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/checks_load.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include <cmocka.h>

#include "checks_load.h"
#include "ipc_msg.h"
#include "msg.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static char warnings[8192];

static void
sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl != MSG_LVL_WARN)
		return;
	strncat(warnings, text, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

#define O_DEF	(IPC_CHK_O_ICASE | IPC_CHK_O_EXTENDED)
#define M	IPC_CHK_OP_MATCH
#define IF	IPC_CHK_OP_IF
#define EI	IPC_CHK_OP_ENDIF
#define F1	IPC_CHK_F_MATCH1
#define H2	IPC_CHK_F_HAS2
#define F2	IPC_CHK_F_MATCH2
#define P_DEF	(IPC_CHK_P_CASELESS | IPC_CHK_P_DOTALL)

struct want {
	uint32_t op, flags, opts1, opts2, max_sub, lineno;
	const char *pat1, *pat2, *repl;
};

struct pcase {
	const char *name;
	const char *text;
	struct want rules[5];
	size_t	n;
	const char *warn;		/* "" none, else a substring */
};

static const struct pcase pcases[] = {
	{ "plain rule", "/^Subject: a/ REPLACE Subject: b\n",
	    { { M, F1, O_DEF, 0, 0, 1, "^Subject: a", "",
	    "REPLACE Subject: b" } }, 1, "" },
	{ "flags i x m", "/a/i x\n/b/x y\n/c/m z\n/d/ixm w\n",
	    { { M, F1, IPC_CHK_O_EXTENDED, 0, 0, 1, "a", "", "x" },
	      { M, F1, IPC_CHK_O_ICASE, 0, 0, 2, "b", "", "y" },
	      { M, F1, O_DEF | IPC_CHK_O_NEWLINE, 0, 0, 3, "c", "", "z" },
	      { M, F1, IPC_CHK_O_NEWLINE, 0, 0, 4, "d", "", "w" } }, 4, "" },
	{ "unknown flag", "/a/q x\n", { { 0 } }, 0,
	    "regexp map T, line 1: unknown regexp option \"q\": skipping "
	    "this rule" },
	{ "negation", "!/a/ DUNNO\n!!/b/ x\n! /c/ y\n",
	    { { M, 0, O_DEF, 0, 0, 1, "a", "", "DUNNO" },
	      { M, F1, O_DEF, 0, 0, 2, "b", "", "x" },
	      { M, 0, O_DEF, 0, 0, 3, "c", "", "y" } }, 3, "" },
	{ "second pattern", "/a/!/b/i x\n/c/!!/d/ y\n",
	    { { M, F1 | H2, O_DEF, IPC_CHK_O_EXTENDED, 0, 1, "a", "b", "x" },
	      { M, F1 | H2 | F2, O_DEF, O_DEF, 0, 2, "c", "d", "y" } }, 2,
	    "" },
	{ "other and escaped delimiters", "|a/b| x\n/c\\/d/ y\n",
	    { { M, F1, O_DEF, 0, 0, 1, "a/b", "", "x" },
	      { M, F1, O_DEF, 0, 0, 2, "c\\/d", "", "y" } }, 2, "" },
	{ "substitutions", "/(a)(b)/ X: $1 ${2} $(1) $$ $$1 end\n",
	    { { M, F1, O_DEF, 0, 2, 1, "(a)(b)", "",
	    "X: ${1} ${2} ${1} $$ $$1 end" } }, 1, "" },
	{ "continued lines", "/a/ REPLACE X: y\n  z\n# c\n\n\tw  \n/b/ c\n",
	    { { M, F1, O_DEF, 0, 0, 1, "a", "", "REPLACE X: y  z\tw" },
	      { M, F1, O_DEF, 0, 0, 6, "b", "", "c" } }, 2, "" },
	{ "if endif", "if /x/\n/y/ a\nENDIF\nif !/z/\nendif\n",
	    { { IF, F1, O_DEF, 0, 0, 1, "x", "", "" },
	      { M, F1, O_DEF, 0, 0, 2, "y", "", "a" },
	      { EI, 0, 0, 0, 0, 3, "", "", "" },
	      { IF, 0, O_DEF, 0, 0, 4, "z", "", "" },
	      { EI, 0, 0, 0, 0, 5, "", "", "" } }, 5, "" },
	{ "endif without if", "endif\n", { { 0 } }, 0,
	    "regexp map T, line 1: ignoring ENDIF without matching IF" },
	{ "if without endif", "if /x/\n/y/ a\n",
	    { { IF, F1, O_DEF, 0, 0, 1, "x", "", "" },
	      { M, F1, O_DEF, 0, 0, 2, "y", "", "a" } }, 2,
	    "regexp map T, line 1: IF has no matching ENDIF" },
	{ "text after if", "if /x/ junk\nendif extra\n",
	    { { IF, F1, O_DEF, 0, 0, 1, "x", "", "" },
	      { EI, 0, 0, 0, 0, 2, "", "", "" } }, 2,
	    "ignoring extra text after IF statement: \"junk\"" },
	{ "no replacement", "/a/\n",
	    { { M, F1, O_DEF, 0, 0, 1, "a", "", "" } }, 1,
	    "regexp map T, line 1: no replacement text: using empty string" },
	{ "bad regexp", "/a[/ x\n", { { 0 } }, 0, "regexp map T, line 1: " },
	{ "no closing delimiter", "/abc x\n", { { 0 } }, 0,
	    "no closing regexp delimiter \"/\": skipping this rule" },
	{ "$N beyond the subexpressions", "/(a)/ $2\n", { { 0 } }, 0,
	    "out of range replacement index \"2\": skipping this rule" },
	{ "$N with negation", "!/(a)/ $1\n", { { 0 } }, 0,
	    "$number found in negative match replacement text" },
	{ "non-numeric $name", "/a/ $x\n", { { 0 } }, 0,
	    "non-numeric replacement index \"x\"" },
	{ "$0", "/a/ $0\n", { { 0 } }, 0,
	    "out-of-range replacement index \"0\"" },
	{ "truncated macro", "/a/ ${1\n", { { 0 } }, 0,
	    "truncated macro reference: \"${1\"" },
	{ "empty macro name", "/a/ x $\n", { { 0 } }, 0,
	    "empty macro name: \"x $\"" },
	{ "unrecognized", "foo bar\n", { { 0 } }, 0,
	    "regexp map T, line 1: ignoring unrecognized request" },
	{ "leading white space", "  /a/ b\n/c/ d\n",
	    { { M, F1, O_DEF, 0, 0, 2, "c", "", "d" } }, 1,
	    "T: logical line must not start with whitespace: \"  /a/ b\"" },
	{ "no final newline, CRLF", "/a/ b\r\n/c/ d",
	    { { M, F1, O_DEF, 0, 0, 1, "a", "", "b" },
	      { M, F1, O_DEF, 0, 0, 2, "c", "", "d" } }, 2, "" },
};

/* pcre: tables, Postfix src/util/dict_pcre.c. */
static const struct pcase pcre_cases[] = {
	{ "pcre: plain rule", "/^Subject: a/ REPLACE Subject: b\n",
	    { { M, F1, P_DEF, 0, 0, 1, "^Subject: a", "",
	    "REPLACE Subject: b" } }, 1, "" },
	{ "pcre: flags", "/a/i x\n/b/s y\n/c/mxAEU z\n/d/is w\n",
	    { { M, F1, IPC_CHK_P_DOTALL, 0, 0, 1, "a", "", "x" },
	      { M, F1, IPC_CHK_P_CASELESS, 0, 0, 2, "b", "", "y" },
	      { M, F1, P_DEF | IPC_CHK_P_MULTILINE | IPC_CHK_P_EXTENDED |
	        IPC_CHK_P_ANCHORED | IPC_CHK_P_DOLLAR_ENDONLY |
	        IPC_CHK_P_UNGREEDY, 0, 0, 3, "c", "", "z" },
	      { M, F1, 0, 0, 0, 4, "d", "", "w" } }, 4, "" },
	{ "pcre: obsolete X", "/a/X x\n",
	    { { M, F1, P_DEF, 0, 0, 1, "a", "", "x" } }, 1,
	    "pcre map T, line 1: ignoring obsolete regexp option \"X\"" },
	{ "pcre: negation", "!/a/ DUNNO\n!!/b/ x\n",
	    { { M, 0, P_DEF, 0, 0, 1, "a", "", "DUNNO" },
	      { M, F1, P_DEF, 0, 0, 2, "b", "", "x" } }, 2, "" },
	{ "pcre: substitutions", "/(a)(?:x)(?<n>b)/ X: $1 ${2} $$\n",
	    { { M, F1, P_DEF, 0, 2, 1, "(a)(?:x)(?<n>b)", "",
	    "X: ${1} ${2} $$" } }, 1, "" },
	{ "pcre: if endif, continued", "if /^X-/\n/y/ REPLACE\n  X-Y: z\n"
	    "endif\n",
	    { { IF, F1, P_DEF, 0, 0, 1, "^X-", "", "" },
	      { M, F1, P_DEF, 0, 0, 2, "y", "", "REPLACE  X-Y: z" },
	      { EI, 0, 0, 0, 0, 4, "", "", "" } }, 3, "" },
	{ "pcre: if without endif", "if !/x/\n", { { IF, 0, P_DEF, 0, 0, 1,
	    "x", "", "" } }, 1, "pcre map T, line 1: IF has no matching ENDIF" },
	{ "pcre: bad pattern", "/a(/ x\n/b/ y\n",
	    { { M, F1, P_DEF, 0, 0, 2, "b", "", "y" } }, 1,
	    "pcre map T, line 1: error in regex at offset 2: missing closing "
	    "parenthesis" },
	{ "pcre: no closing delimiter", "/abc x\n", { { 0 } }, 0,
	    "pcre map T, line 1: no closing regexp delimiter \"/\": "
	    "ignoring this rule" },
	{ "pcre: $N beyond the captures", "/(a)(?:b)/ $2\n", { { 0 } }, 0,
	    "pcre map T, line 1: out of range replacement index \"2\": "
	    "skipping this rule" },
	{ "pcre: $N with negation", "!/(a)/ $1\n", { { 0 } }, 0,
	    "pcre map T, line 1: $number found in negative match" },
};

static void
run_pcase(const struct pcase *c, uint32_t kind)
{
	struct checks_set set = { 0 };
	struct ipc_msg m;
	unsigned char buf[SJ_IPC_MSG_MAX];
	char	why[512];
	ssize_t	rc;
	size_t	i;
	const struct want *w;
	const struct ipc_check *r;

	warnings[0] = '\0';
	if (checks_parse_buf(&set, "T", c->text, strlen(c->text),
	    kind, IPC_CHK_BODY, 2, why, sizeof(why)) != 0)
		fail_msg("%s: error %s", c->name, why);
	if (set.n != c->n)
		fail_msg("%s: %u rules, want %zu (warnings: %s)", c->name,
		    set.n, c->n, warnings);
	for (i = 0; i < c->n; i++) {
		w = &c->rules[i];
		r = &set.v[i];
		if (r->op != w->op || r->flags != w->flags ||
		    r->opts1 != w->opts1 || r->opts2 != w->opts2 ||
		    r->max_sub != w->max_sub || r->lineno != w->lineno ||
		    strcmp(r->pat1, w->pat1) != 0 ||
		    strcmp(r->pat2, w->pat2) != 0 ||
		    strcmp(r->repl, w->repl) != 0 || r->cls != IPC_CHK_BODY ||
		    r->table != 2 || r->kind != kind)
			fail_msg("%s: rule %zu: op %u flags %u opts %u/%u sub "
			    "%u line %u \"%s\" \"%s\" \"%s\"", c->name, i,
			    r->op, r->flags, r->opts1, r->opts2, r->max_sub,
			    r->lineno, r->pat1, r->pat2, r->repl);
		/* What the parser keeps, the IPC carries. */
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_CHECK;
		m.fd = -1;
		m.u.check = *r;
		if ((rc = ipc_msg_encode(&m, buf, sizeof(buf))) < 0)
			fail_msg("%s: rule %zu does not encode: %zd", c->name,
			    i, rc);
	}
	if (c->warn[0] == '\0' && warnings[0] != '\0')
		fail_msg("%s: unexpected warnings: %s", c->name, warnings);
	if (c->warn[0] != '\0' && strstr(warnings, c->warn) == NULL)
		fail_msg("%s: warnings \"%s\" lack \"%s\"", c->name, warnings,
		    c->warn);
	checks_set_free(&set);
}

static void
test_parse(void **state)
{
	size_t	i;

	(void)state;
	msg_set_sink(sink, NULL);
	for (i = 0; i < NELEM(pcases); i++)
		run_pcase(&pcases[i], IPC_CHK_K_REGEXP);
	for (i = 0; i < NELEM(pcre_cases); i++)
		run_pcase(&pcre_cases[i], IPC_CHK_K_PCRE);
}

static void
test_errors(void **state)
{
	struct checks_set set = { 0 };
	char	text[6000], why[512];

	(void)state;
	msg_set_sink(sink, NULL);
	/* A pattern over SJ_CHECK_PATTERN_MAX. */
	text[0] = '/';
	memset(text + 1, 'a', SJ_CHECK_PATTERN_MAX + 1);
	snprintf(text + SJ_CHECK_PATTERN_MAX + 2, 16, "/ x\n");
	assert_int_equal(checks_parse_buf(&set, "T", text, strlen(text),
	    IPC_CHK_K_REGEXP, IPC_CHK_HEADER, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "pattern longer than 2000 bytes"));
	/* A replacement over SJ_CHECK_ACTION_MAX. */
	memcpy(text, "/a/ ", 4);
	memset(text + 4, 'b', SJ_CHECK_ACTION_MAX + 1);
	text[SJ_CHECK_ACTION_MAX + 5] = '\0';
	assert_int_equal(checks_parse_buf(&set, "T", text, strlen(text),
	    IPC_CHK_K_REGEXP, IPC_CHK_HEADER, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "replacement text longer than"));
	/* An empty pattern cannot be carried. */
	assert_int_equal(checks_parse_buf(&set, "T", "// x\n", 5,
	    IPC_CHK_K_REGEXP, IPC_CHK_HEADER, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "empty pattern"));
	checks_set_free(&set);
	assert_string_equal(checks_class_name(IPC_CHK_NESTED),
	    "smtp_nested_header_checks");
}

/*
 * pcre: a flag letter Postfix does not know stops the start (Postfix
 * would skip the rule): the file's line, the letter, the flags there are.
 */
static void
test_pcre_refused(void **state)
{
	static const struct {
		const char *text, *why;
	} cases[] = {
		{ "/a/ x\n/b/iq y\n", "pcre map T, line 2: unknown regexp "
		    "option \"q\" is not supported by smtpjail (Postfix would "
		    "skip the rule; pcre_table(5) flags are i, m, s, x, A, E, "
		    "U, X)" },
		{ "# c\n\nif /a/B\nendif\n", "pcre map T, line 3: unknown "
		    "regexp option \"B\"" },
		{ "/a/!/b/ x\n", "pcre map T, line 1: unknown regexp option "
		    "\"!\"" },
		{ "/a/\x01 x\n", "unknown regexp option \"?\"" },
	};
	struct checks_set set = { 0 };
	char	why[512];
	size_t	i;

	(void)state;
	msg_set_sink(sink, NULL);
	for (i = 0; i < NELEM(cases); i++) {
		why[0] = '\0';
		if (checks_parse_buf(&set, "T", cases[i].text,
		    strlen(cases[i].text), IPC_CHK_K_PCRE, IPC_CHK_BODY, 0,
		    why, sizeof(why)) != -1 || strstr(why, cases[i].why) ==
		    NULL)
			fail_msg("case %zu: why \"%s\", want \"%s\"", i, why,
			    cases[i].why);
		checks_set_free(&set);
	}
	/* The same letter in a regexp: table: skipped, as Postfix does. */
	assert_int_equal(checks_parse_buf(&set, "T", "/a/q x\n", 7,
	    IPC_CHK_K_REGEXP, IPC_CHK_BODY, 0, why, sizeof(why)), 0);
	assert_int_equal(set.n, 0);
	checks_set_free(&set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_pcre_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

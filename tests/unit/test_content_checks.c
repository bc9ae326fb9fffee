/*
 * NAME
 *	test_content_checks 1
 * SUMMARY
 *	unit tests of the child's header and body checks
 * DESCRIPTION
 *	Rules come from table text through the parent's parser
 *	(checks_load(3)) into content_checks_add(), as CONFIG's CHECK
 *	messages bring them; content goes through mime(3) with the hooks.
 *	Table: content and tables in, exact bytes out and the CHECK_LOG
 *	fields: REPLACE with ${N} and $$, IGNORE, STRIP, PREPEND, WARN,
 *	INFO, DUNNO, an unsupported action, REPLACE and PREPEND without
 *	text or with a non-header, the first table that answers wins, an
 *	IF without ENDIF ends its table only, /p1/!/p2/, a folded header
 *	(one key with '\n'), MIME headers of the primary block in the MIME
 *	class, multipart and nested headers, body records of a line longer
 *	than line_length_limit each looked up, an empty line never looked
 *	up, the header block ended by a non-header line, checks with the
 *	8-bit downgrade (body checks see quoted-printable) and without it
 *	(the 8bit part is untouched), an empty result (lookup error: the
 *	job fails, "EMPTY" logged). pcre: tables (libpcre2, as Postfix's
 *	dict_pcre.c): case-insensitive and dot-all by default, 'i', 's',
 *	'm', 'U' changing that, \s and non-greedy quantifiers, $N and an
 *	unset group expanding to nothing, negation and if/endif, a regexp:
 *	table and a pcre: table in one parameter, and a pattern that
 *	backtracks catastrophically on a hostile line: the match limit
 *	ends it with Postfix's warning and no match. Refusals: rules out
 *	of order, a bad template, an ENDIF without IF, rules for a class
 *	CONFIG says has no table, a table whose rules change type, a pcre:
 *	rule with a second pattern or $N beyond its captures.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/content_checks.c, parent/checks_load.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "checks_load.h"
#include "content_checks.h"
#include "ipc_msg.h"
#include "mime.h"
#include "msg.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct {
	char	out[65536];
	size_t	len;
	char	log[8192];
} t;

static int
out_fn(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	assert_true(t.len + len < sizeof(t.out));
	memcpy(t.out + t.len, buf, len);
	t.len += len;
	t.out[t.len] = '\0';
	return (0);
}

static const char *const kinds[] = { "", "ACTION", "UNSUPPORTED",
	"NO_TEXT", "BAD_HEADER", "EMPTY" };

static void
log_fn(const struct ipc_check_log *lg)
{
	char	line[2600];

	assert_true(lg->kind >= 1 && lg->kind <= 5);
	snprintf(line, sizeof(line), "%s %u %u %u [%s] [%s]\n",
	    kinds[lg->kind], lg->action, lg->where, lg->cls, lg->content,
	    lg->text);
	strncat(t.log, line, sizeof(t.log) - strlen(t.log) - 1);
}

static void
quiet(enum msg_level lvl, const char *text, void *ctx)
{
	(void)lvl;
	(void)text;
	(void)ctx;
}

static char warnings[2048];

static void
warn_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl != MSG_LVL_WARN)
		return;
	strncat(warnings, text, sizeof(warnings) - strlen(warnings) - 2);
	strcat(warnings, "\n");
}

/* Tables for each class ("" none, NULL: parameter not set). */
struct tables {
	const char *header[2], *mime, *nested, *body;
};

/* pcre: which tables are pcre: (1 << (class * 2 + table)). */
static void
load_kinds(const struct tables *tb, uint32_t pcre)
{
	const char *text[IPC_CHK_NCLASS][2] = {
		{ tb->header[0], tb->header[1] }, { tb->mime, NULL },
		{ tb->nested, NULL }, { tb->body, NULL },
	};
	struct checks_set set = { 0 };
	char	why[512];
	uint32_t cls, i, classes = 0;

	content_checks_reset();
	content_checks_set_log(log_fn);
	for (cls = 0; cls < IPC_CHK_NCLASS; cls++)
		for (i = 0; i < 2; i++) {
			if (text[cls][i] == NULL)
				continue;
			classes |= 1U << cls;
			assert_int_equal(checks_parse_buf(&set, "T",
			    text[cls][i], strlen(text[cls][i]),
			    (pcre >> (cls * 2 + i)) & 1 ? IPC_CHK_K_PCRE :
			    IPC_CHK_K_REGEXP, cls, i, why, sizeof(why)), 0);
		}
	for (i = 0; i < set.n; i++)
		if (content_checks_add(&set.v[i], why, sizeof(why)) < 0)
			fail_msg("add: %s", why);
	assert_int_equal(content_checks_ready(classes, why, sizeof(why)), 0);
	checks_set_free(&set);
}

static void
load(const struct tables *tb)
{
	load_kinds(tb, 0);
}

/* Run 'in' through mime(3) with the hooks; the error. */
static int
run(const char *in, int downgrade, uint32_t record_limit, int *failed)
{
	struct mime_limits lim = { 102400, 100, 2048, record_limit };
	struct content_checks_job j = { out_fn, NULL, 7, 0 };
	struct mime_hooks hk;
	struct mime *m;
	int	err;

	t.len = 0;
	t.out[0] = '\0';
	t.log[0] = '\0';
	content_checks_hooks(&hk, &j, downgrade);
	assert_non_null(m = mime_open_hooks(&lim, &hk, out_fn, NULL));
	err = mime_write(m, in, strlen(in));
	if (err == 0)
		err = mime_close(m);
	mime_free(m);
	*failed = j.failed;
	return (err);
}

struct ccase {
	const char *name;
	struct tables tb;
	const char *in;
	int	downgrade;
	uint32_t record_limit;
	const char *out;
	const char *log;
};

static const struct ccase ccases[] = {
	{ "header actions",
	    { { "/^Subject: (a+)(x)?$/ REPLACE Subject: [$1$2] $$\n"
		"/^X-I:/ IGNORE\n/^X-S:/ STRIP why\n"
		"/^X-P: (.*)/ PREPEND X-New: $1\n/^X-W:/ WARN careful\n"
		"/^X-N:/ info\n/^X-D:/ DUNNO\n/^X-R:/ REJECT no\n"
		"/^X-E:/ REPLACE\n/^X-B:/ PREPEND not a header\n", NULL },
	      NULL, NULL, NULL },
	    "Subject: aaa\nX-I: 1\nX-S: 2\nX-P: v\nX-W: 3\nX-N: 4\n"
	    "X-D: 5\nX-R: 6\nX-E: 7\nX-B: 8\n\nbody\n", 0, 2048,
	    "Subject: [aaa] $\nX-New: v\nX-P: v\nX-W: 3\nX-N: 4\nX-D: 5\n"
	    "X-R: 6\nX-E: 7\nX-B: 8\n\nbody\n",
	    "ACTION 2 0 0 [Subject: aaa] [Subject: [aaa] $]\n"
	    "ACTION 4 0 0 [X-S: 2] [why]\n"
	    "ACTION 3 0 0 [X-P: v] [X-New: v]\n"
	    "ACTION 0 0 0 [X-W: 3] [careful]\n"
	    "ACTION 1 0 0 [X-N: 4] []\n"
	    "UNSUPPORTED 0 0 0 [] [REJECT no]\n"
	    "NO_TEXT 2 0 0 [] []\n"
	    "BAD_HEADER 3 0 0 [] [not a header]\n" },
	{ "first table wins, IF without ENDIF ends its table",
	    { { "if /^X-A/\n/^X-A: 1/ REPLACE X-A: one\n"
		"/^X-B:/ REPLACE X-B: never\n",
		"/^X-A:/ REPLACE X-A: second\n/^X-B:/ REPLACE X-B: two\n" },
	      NULL, NULL, NULL },
	    "X-A: 1\nX-A: 2\nX-B: b\n\n", 0, 2048,
	    "X-A: one\nX-A: second\nX-B: two\n\n",
	    "ACTION 2 0 0 [X-A: 1] [X-A: one]\n"
	    "ACTION 2 0 0 [X-A: 2] [X-A: second]\n"
	    "ACTION 2 0 0 [X-B: b] [X-B: two]\n" },
	{ "second pattern and a folded header",
	    { { "/^X-F: a/!/c$/ REPLACE X-F: not c\n"
		"/^X-G: one[[:space:]]+two$/ REPLACE X-G: folded\n", NULL },
	      NULL, NULL, NULL },
	    "X-F: a b\nX-F: a c\nX-G: one\n\ttwo\nX-H: one\n\ttwo\n\n", 0,
	    2048, "X-F: not c\nX-F: a c\nX-G: folded\nX-H: one\n\ttwo\n\n",
	    "ACTION 2 0 0 [X-F: a b] [X-F: not c]\n"
	    "ACTION 2 0 0 [X-G: one??two] [X-G: folded]\n" },
	{ "MIME headers in the primary block use the MIME class",
	    { { "/^Content-Type:/ REPLACE X-Never: x\n", NULL },
	      "/^Content-Type: text\\/(.*)/ REPLACE Content-Type: text/$1; x=y\n"
	      "/^MIME-Version:/ WARN mv\n", NULL, NULL },
	    "MIME-Version: 1.0\nContent-Type: text/plain\n\nbody\n", 0, 2048,
	    "MIME-Version: 1.0\nContent-Type: text/plain; x=y\n\nbody\n",
	    "ACTION 0 0 1 [MIME-Version: 1.0] [mv]\n"
	    "ACTION 2 0 1 [Content-Type: text/plain] "
	    "[Content-Type: text/plain; x=y]\n" },
	{ "a MIME class without tables leaves MIME headers alone",
	    { { "/^Content-Type:/ REPLACE X-Never: x\n", NULL },
	      NULL, NULL, NULL },
	    "Content-Type: text/plain\n\nbody\n", 0, 2048,
	    "Content-Type: text/plain\n\nbody\n", NULL },
	{ "multipart and nested headers",
	    { { "/^X-Q:/ REPLACE X-Q: primary\n", NULL },
	      "/^X-Q:/ REPLACE X-Q: part\n", "/^X-Q:/ REPLACE X-Q: nested\n",
	      NULL },
	    "X-Q: 0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "X-Q: 1\n\npart\n--b\nContent-Type: message/rfc822\n\n"
	    "X-Q: 2\n\ninner\n--b--\n", 0, 2048,
	    "X-Q: primary\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "X-Q: part\n\npart\n--b\nContent-Type: message/rfc822\n\n"
	    "X-Q: nested\n\ninner\n--b--\n", NULL },
	{ "body records and an empty line",
	    { { NULL, NULL }, NULL, NULL,
	      "/^aaaa/ REPLACE bbbb\n/^$/ REPLACE never\n/^x/ IGNORE\n"
	      "/^p/ PREPEND before\n" },
	    "H: h\n\naaaaaaaaaa\n\nxyz\npq\n", 0, 4,
	    "H: h\n\nbbbbbbbbaa\n\nbefore\npq\n",
	    "ACTION 2 1 3 [aaaa] [bbbb]\nACTION 2 1 3 [aaaa] [bbbb]\n"
	    "ACTION 3 1 3 [pq] [before]\n" },
	{ "a non-header line ends the primary block",
	    { { "/^H:/ REPLACE H: 2\n", NULL }, NULL, NULL,
	      "/^$/ WARN never\n/^no header/ INFO\n" },
	    "H: 1\nno header\n", 0, 2048, "H: 2\n\nno header\n",
	    "ACTION 2 0 0 [H: 1] [H: 2]\nACTION 1 1 3 [no header] []\n" },
	{ "downgrade: body checks see quoted-printable",
	    { { NULL, NULL }, NULL, NULL, "/^=E4/ REPLACE converted\n" },
	    "Content-Transfer-Encoding: 8bit\n\n\344x\n", 1, 2048,
	    "Content-Transfer-Encoding: quoted-printable\n\nconverted\n",
	    NULL },
	{ "no downgrade: the 8bit part is untouched",
	    { { NULL, NULL }, NULL, NULL, "/^=E4/ REPLACE never\n" },
	    "Content-Transfer-Encoding: 8bit\n\n\344x\n", 0, 2048,
	    "Content-Transfer-Encoding: 8bit\n\n\344x\n", NULL },
};

/* Every table of these cases is a pcre: table. */
static const struct ccase pcre_ccases[] = {
	{ "pcre: header actions and flags",
	    { { "/^Subject: (a+)(x)?$/ REPLACE Subject: [$1$2] $$\n"
		"/^x-i:/ IGNORE\n"
		"/^X-C: lower$/i REPLACE X-C: case-sensitive\n"
		"/^X-P: (.*?)\\s*$/ PREPEND X-New: [$1]\n"
		"/^X-W:/ WARN careful\n"
		"/^X-U: (a+)/U REPLACE X-U: $1\n"
		"/^X-M: one$/m REPLACE X-M: multi-line\n"
		"/^X-S: one.\\ttwo$/ REPLACE X-S: dot-all\n"
		"/^X-T: one.\\ttwo$/s REPLACE X-T: never\n", NULL },
	      NULL, NULL, NULL },
	    "Subject: aaa\nX-I: 1\nX-C: LOWER\nX-C: lower\nX-P: v  \n"
	    "X-W: 3\nX-U: aaa\nX-M: one\n\ttwo\nX-S: one\n\ttwo\n"
	    "X-T: one\n\ttwo\n\nbody\n", 0, 2048,
	    "Subject: [aaa] $\nX-C: LOWER\nX-C: case-sensitive\n"
	    "X-New: [v]\nX-P: v  \nX-W: 3\nX-U: a\nX-M: multi-line\n"
	    "X-S: dot-all\nX-T: one\n\ttwo\n\nbody\n",
	    "ACTION 2 0 0 [Subject: aaa] [Subject: [aaa] $]\n"
	    "ACTION 2 0 0 [X-C: lower] [X-C: case-sensitive]\n"
	    "ACTION 3 0 0 [X-P: v  ] [X-New: [v]]\n"
	    "ACTION 0 0 0 [X-W: 3] [careful]\n"
	    "ACTION 2 0 0 [X-U: aaa] [X-U: a]\n"
	    "ACTION 2 0 0 [X-M: one??two] [X-M: multi-line]\n"
	    "ACTION 2 0 0 [X-S: one??two] [X-S: dot-all]\n" },
	{ "pcre: body, negation, if/endif, unset groups, match limit",
	    { { NULL, NULL }, NULL, NULL,
	      "/^(a+)+$/ REPLACE never\n"
	      "if !/^skip/\n/^(\\w+) (\\w+)$/ REPLACE $2 $1\nendif\n"
	      "/^(x)$|^(y)$/ REPLACE [$1][$2]\n"
	      "!/^[a-z ]*$/i WARN not lower case\n" },
	    "H: h\n\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\nhello world\n"
	    "skip me\ny\nx\nUPPER\n", 0, 2048,
	    "H: h\n\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\nworld hello\n"
	    "skip me\n[][y]\n[x][]\nUPPER\n",
	    "ACTION 2 1 3 [hello world] [world hello]\n"
	    "ACTION 2 1 3 [y] [[][y]]\n"
	    "ACTION 2 1 3 [x] [[x][]]\n"
	    "ACTION 0 1 3 [UPPER] [not lower case]\n" },
};

/* One case: its tables loaded (pcre: those of the mask), run, checked. */
static void
run_case(const struct ccase *c, uint32_t pcre)
{
	int	failed;

	load_kinds(&c->tb, pcre);
	if (run(c->in, c->downgrade, c->record_limit, &failed) != 0 || failed)
		fail_msg("%s: failed", c->name);
	if (strcmp(t.out, c->out) != 0)
		fail_msg("%s: output\n%s\nwant\n%s", c->name, t.out, c->out);
	if (c->log != NULL && strcmp(t.log, c->log) != 0)
		fail_msg("%s: log\n%s\nwant\n%s", c->name, t.log, c->log);
}

static void
test_pcre(void **state)
{
	static const struct tables mixed = {
		{ "/^X-A:/ REPLACE X-A: regexp\n",
		  "/^x-a:/ REPLACE X-A: never\n"
		  "/^x-b: (?<v>.+)/ REPLACE X-B: pcre $1\n" },
		NULL, NULL, NULL };
	size_t	i;
	int	failed;

	(void)state;
	msg_set_sink(warn_sink, NULL);
	for (i = 0; i < NELEM(pcre_ccases); i++) {
		warnings[0] = '\0';
		run_case(&pcre_ccases[i], 0xff);
	}
	/* The hostile line of the last case: PCRE2's message, no match. */
	assert_string_equal(warnings, "pcre map (table 1 of "
	    "smtp_body_checks), line 1: match limit exceeded\n");
	/* One parameter, a regexp: table, then a pcre: one. */
	load_kinds(&mixed, 1U << 1);
	assert_int_equal(run("X-A: 1\nX-B: 2\n\n", 0, 2048, &failed), 0);
	assert_string_equal(t.out, "X-A: regexp\nX-B: pcre 2\n\n");
	content_checks_reset();
}

static void
test_cases(void **state)
{
	size_t	i;

	(void)state;
	msg_set_sink(quiet, NULL);
	for (i = 0; i < NELEM(ccases); i++)
		run_case(&ccases[i], 0);
	content_checks_reset();
}

static void
test_empty_result(void **state)
{
	struct tables tb = { { NULL, NULL }, NULL, NULL, "/^bad/\n" };
	int	failed;

	(void)state;
	msg_set_sink(quiet, NULL);
	load(&tb);
	assert_int_equal(run("H: h\n\nok\nbad line\nnot sent\n", 0, 2048,
	    &failed), CONTENT_CHECKS_ERR);
	assert_true(failed);
	assert_string_equal(t.log, "EMPTY 0 1 3 [bad line] []\n");
	assert_null(strstr(t.out, "not sent"));
	content_checks_reset();
}

/* A body match rule, as a CHECK message brings it. */
static void
body_rule(struct ipc_check *ck, uint32_t kind, uint32_t opts,
    const char *pat, const char *repl, uint32_t max_sub)
{
	memset(ck, 0, sizeof(*ck));
	ck->cls = IPC_CHK_BODY;
	ck->op = IPC_CHK_OP_MATCH;
	ck->flags = IPC_CHK_F_MATCH1;
	ck->kind = kind;
	ck->opts1 = opts;
	snprintf(ck->pat1, sizeof(ck->pat1), "%s", pat);
	snprintf(ck->repl, sizeof(ck->repl), "%s", repl);
	ck->max_sub = max_sub;
}

static void
test_refused(void **state)
{
	struct ipc_check ck;
	char	why[256];

	(void)state;
	content_checks_reset();
	body_rule(&ck, IPC_CHK_K_REGEXP, IPC_CHK_O_EXTENDED, "(a)", "x ${2}",
	    1);
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "bad replacement template"));
	snprintf(ck.repl, sizeof(ck.repl), "x $1");
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	snprintf(ck.repl, sizeof(ck.repl), "x ${1} $$");
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), 0);
	/* Out of order: a header rule after a body rule. */
	ck.cls = IPC_CHK_HEADER;
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "out of order"));
	ck.cls = IPC_CHK_BODY;
	ck.op = IPC_CHK_OP_ENDIF;
	ck.pat1[0] = ck.repl[0] = '\0';
	ck.flags = ck.max_sub = 0;
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "ENDIF without IF"));
	/* CONFIG says no body table, yet body rules came. */
	assert_int_equal(content_checks_ready(1U << IPC_CHK_HEADER, why,
	    sizeof(why)), -1);
	assert_int_equal(content_checks_ready(1U << 4, why, sizeof(why)), -1);
	assert_int_equal(content_checks_ready(1U << IPC_CHK_BODY, why,
	    sizeof(why)), 0);
	/* Nothing after ready. */
	ck.op = IPC_CHK_OP_MATCH;
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	content_checks_reset();

	/* pcre: $N beyond the captures; a table that changes type. */
	body_rule(&ck, IPC_CHK_K_PCRE, IPC_CHK_P_CASELESS, "(a)(?:b)",
	    "x ${2}", 2);
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "beyond the pattern's subexpressions"));
	content_checks_reset();
	snprintf(ck.repl, sizeof(ck.repl), "x ${1}");
	ck.max_sub = 1;
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), 0);
	ck.kind = IPC_CHK_K_REGEXP;
	ck.opts1 = IPC_CHK_O_EXTENDED;
	assert_int_equal(content_checks_add(&ck, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "out of order"));
	content_checks_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_pcre),
		cmocka_unit_test(test_empty_result),
		cmocka_unit_test(test_refused),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

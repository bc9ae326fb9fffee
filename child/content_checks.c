/*
 * NAME
 *	content_checks 3
 * SUMMARY
 *	header and body checks on the content the child sends
 * DESCRIPTION
 *	See content_checks.h. The lookup is Postfix's dict_regexp_lookup()
 *	(src/util/dict_regexp.c) or dict_pcre_lookup()
 *	(src/util/dict_pcre.c) per table: the first rule whose pattern
 *	matches (and whose optional second pattern matches, or with '!'
 *	does not) gives the result, its "${N}" replaced by the Nth
 *	parenthesised subexpression of the match (nothing when that one
 *	did not take part or is empty); "if /re/" skips to its "endif"
 *	unless re matches (without an endif: the table has no answer);
 *	a regexec() or pcre2_match() failure other than "no match" is
 *	logged and counts as no match, whether or not the pattern is
 *	negated (DICT_REGEXP_REGEXEC, DICT_PCRE_EXEC). pcre: patterns are
 *	compiled without JIT (it needs executable memory, which the
 *	filter refuses) and matched with bounded match, depth and heap
 *	limits (SJ_CHECK_PCRE_*), where Postfix takes PCRE2's defaults: a
 *	hostile line that exceeds them costs a bounded amount of work and
 *	is a match error, as Postfix's would be at its limits. One match
 *	data block, sized for the pattern with the most captures, serves
 *	every pcre: rule. The action is Postfix's hbc_action()
 *	(src/global/header_body_checks.c) with smtp(8)'s call-backs: a
 *	logger (smtp_hbc_logger(), formatted by the parent from CHECK_LOG)
 *	and PREPEND writing a line (smtp_text_out()).
 * SECURITY
 *	Child only; the content is hostile. A header or body record is
 *	copied NUL-terminated into a buffer bounded by the mime(3) limits
 *	(header_size_limit + line_length_limit), an expansion into one of
 *	at most CC_EXP_MAX bytes (over it: the job is deferred). Rules are
 *	checked on arrival: classes and tables in order, each "${N}" of a
 *	template within max_sub, nothing else after '$'. regcomp(),
 *	regexec(), pcre2_compile() and pcre2_match() allocate memory
 *	(malloc()) and compute; no other system call.
 * SEE ALSO
 *	Postfix src/util/dict_regexp.c, src/util/dict_pcre.c,
 *	src/global/header_body_checks.c, src/global/maps.c,
 *	src/smtp/smtp_proto.c; regexp_table(5), pcre_table(5), pcre2api(3)
 */
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "content_checks.h"
#include "generic_hdr.h"
#include "msg.h"
#include "sj_check_re.h"
#include "sj_limits.h"
#include "smtp_content.h"

/* An expansion may quote the whole header; beyond this, defer. */
#define CC_EXP_MAX	(1024 * 1024)

struct cc_rule {
	uint32_t cls, table, op, flags, max_sub, lineno, kind;
	regex_t	*re1, *re2;		/* regexp: compiled, or NULL */
	pcre2_code *pc1;		/* pcre: compiled, or NULL */
	char	*repl;			/* template, see ipc_msg.h */
	uint32_t endif;			/* IF: its ENDIF's index, or none */
};

#define CC_NONE		UINT32_MAX

static struct content_checks_ctx {
	int	generic;		/* CONFIG's IPC_CF_GENERIC */
	generic_hdr_lookup_fn generic_lookup;	/* child_main's GENERIC_REQ */
	struct cc_rule *rules;
	uint32_t n, size;
	uint32_t first[IPC_CHK_NCLASS];	/* each class's first rule */
	uint32_t count[IPC_CHK_NCLASS];
	uint32_t *ifs;			/* open IFs of the current table */
	uint32_t nifs;
	int	ready;
	int	broken;			/* a rule was refused: never ready */
	uint32_t classes;		/* 1 << IPC_CHK_*: parameter set */
	char	*key;			/* the lookup key, NUL-terminated */
	size_t	key_size;
	char	*exp;			/* the expanded result */
	size_t	exp_len, exp_size;
	regmatch_t pmatch[IPC_CHK_SUB_MAX + 1];
	pcre2_match_context *pmctx;	/* the SJ_CHECK_PCRE_* limits */
	pcre2_match_data *pmd;		/* for every pcre: rule */
	uint32_t pmd_pairs;		/* its ovector's size */
	content_checks_log_fn log;
} cc_ctx;

static const char *const cc_actions[] = {
	[IPC_CHL_A_WARNING] = "WARN",
	[IPC_CHL_A_INFO] = "INFO",
	[IPC_CHL_A_REPLACE] = "REPLACE",
	[IPC_CHL_A_PREPEND] = "PREPEND",
	[IPC_CHL_A_STRIP] = "STRIP",
};

void
content_checks_set_log(content_checks_log_fn fn)
{
	cc_ctx.log = fn;
}

void
content_checks_reset(void)
{
	content_checks_log_fn log;
	generic_hdr_lookup_fn glookup;
	uint32_t i;

	for (i = 0; i < cc_ctx.n; i++) {
		if (cc_ctx.rules[i].re1 != NULL)
			regfree(cc_ctx.rules[i].re1);
		if (cc_ctx.rules[i].re2 != NULL)
			regfree(cc_ctx.rules[i].re2);
		free(cc_ctx.rules[i].re1);
		free(cc_ctx.rules[i].re2);
		pcre2_code_free(cc_ctx.rules[i].pc1);
		free(cc_ctx.rules[i].repl);
	}
	pcre2_match_data_free(cc_ctx.pmd);
	pcre2_match_context_free(cc_ctx.pmctx);
	free(cc_ctx.rules);
	free(cc_ctx.ifs);
	free(cc_ctx.key);
	free(cc_ctx.exp);
	log = cc_ctx.log;
	glookup = cc_ctx.generic_lookup;
	memset(&cc_ctx, 0, sizeof(cc_ctx));
	cc_ctx.log = log;
	cc_ctx.generic_lookup = glookup;
}

/* A template: "$$" or "${N}" with 1 <= N <= max_sub after each '$'. */
static int
cc_template_ok(const char *t, uint32_t max_sub)
{
	unsigned long n;

	while ((t = strchr(t, '$')) != NULL) {
		if (t[1] == '$') {
			t += 2;
			continue;
		}
		if (t[1] != '{' || t[2] < '1' || t[2] > '9')
			return (0);
		for (n = 0, t += 2; *t >= '0' && *t <= '9' && n <= 99; t++)
			n = n * 10 + (unsigned long)(*t - '0');
		if (*t != '}' || n > max_sub)
			return (0);
		t++;
	}
	return (1);
}

/*
 * dict_pcre_compile(), without JIT; the match context and one match
 * data block large enough for every pcre: rule so far.
 */
static int
cc_compile_pcre(struct cc_rule *r, const struct ipc_check *ck, char *why,
    size_t whysz)
{
	pcre2_match_data *md;
	uint32_t count = 0;
	size_t	off;
	int	err;

	if ((r->pc1 = sj_check_re_pcre(ck->pat1, ck->opts1, &err,
	    &off)) == NULL) {
		snprintf(why, whysz, "CHECK rule line %u: pattern does not "
		    "compile", ck->lineno);
		return (-1);
	}
	if (pcre2_pattern_info(r->pc1, PCRE2_INFO_CAPTURECOUNT, &count) != 0 ||
	    ck->max_sub > count) {
		snprintf(why, whysz, "CHECK rule line %u: ${%u} beyond the "
		    "pattern's subexpressions", ck->lineno, ck->max_sub);
		return (-1);
	}
	if (cc_ctx.pmctx == NULL) {
		if ((cc_ctx.pmctx = pcre2_match_context_create(NULL)) == NULL) {
			snprintf(why, whysz, "out of memory");
			return (-1);
		}
		(void)pcre2_set_match_limit(cc_ctx.pmctx,
		    SJ_CHECK_PCRE_MATCH_LIMIT);
		(void)pcre2_set_depth_limit(cc_ctx.pmctx,
		    SJ_CHECK_PCRE_DEPTH_LIMIT);
		(void)pcre2_set_heap_limit(cc_ctx.pmctx,
		    SJ_CHECK_PCRE_HEAP_LIMIT);
	}
	if (cc_ctx.pmd == NULL || count + 1 > cc_ctx.pmd_pairs) {
		if ((md = pcre2_match_data_create(count + 1, NULL)) == NULL) {
			snprintf(why, whysz, "out of memory");
			return (-1);
		}
		pcre2_match_data_free(cc_ctx.pmd);
		cc_ctx.pmd = md;
		cc_ctx.pmd_pairs = count + 1;
	}
	return (0);
}

/* As dict_regexp_parseline(): REG_NOSUB unless $N is used. */
static int
cc_compile(struct cc_rule *r, const struct ipc_check *ck, char *why,
    size_t whysz)
{
	regex_t	*re;

	if (ck->op == IPC_CHK_OP_ENDIF)
		return (0);
	if (ck->kind == IPC_CHK_K_PCRE)
		return (cc_compile_pcre(r, ck, why, whysz));
	if ((re = malloc(sizeof(*re))) == NULL) {
		snprintf(why, whysz, "out of memory");
		return (-1);
	}
	if (sj_check_re_regcomp(re, ck->pat1, ck->opts1,
	    ck->op == IPC_CHK_OP_IF || ck->max_sub == 0) != 0) {
		free(re);
		snprintf(why, whysz, "CHECK rule line %u: pattern does not "
		    "compile", ck->lineno);
		return (-1);
	}
	r->re1 = re;
	if (ck->max_sub > r->re1->re_nsub) {
		snprintf(why, whysz, "CHECK rule line %u: ${%u} beyond the "
		    "pattern's subexpressions", ck->lineno, ck->max_sub);
		return (-1);
	}
	if ((ck->flags & IPC_CHK_F_HAS2) == 0)
		return (0);
	if ((re = malloc(sizeof(*re))) == NULL) {
		snprintf(why, whysz, "out of memory");
		return (-1);
	}
	if (sj_check_re_regcomp(re, ck->pat2, ck->opts2, 1) != 0) {
		free(re);
		snprintf(why, whysz, "CHECK rule line %u: second pattern does "
		    "not compile", ck->lineno);
		return (-1);
	}
	r->re2 = re;
	return (0);
}

int
content_checks_add(const struct ipc_check *ck, char *why, size_t whysz)
{
	struct cc_rule *r, *v;
	const struct cc_rule *prev;
	uint32_t size, *ifs;

	prev = cc_ctx.n > 0 ? &cc_ctx.rules[cc_ctx.n - 1] : NULL;
	if (cc_ctx.ready || cc_ctx.n >= SJ_CHECKS_MAX ||
	    (prev != NULL && (ck->cls < prev->cls ||
	    (ck->cls == prev->cls && ck->table < prev->table) ||
	    (ck->cls == prev->cls && ck->table == prev->table &&
	    ck->kind != prev->kind)))) {
		snprintf(why, whysz, "CHECK rule %u out of order", cc_ctx.n);
		return (-1);
	}
	if (!cc_template_ok(ck->repl, ck->max_sub)) {
		snprintf(why, whysz, "CHECK rule %u: bad replacement template",
		    cc_ctx.n);
		return (-1);
	}
	/* A new table (or class): its open IFs stay without an ENDIF. */
	if (prev == NULL || prev->cls != ck->cls || prev->table != ck->table)
		cc_ctx.nifs = 0;
	if (cc_ctx.n == cc_ctx.size) {
		size = cc_ctx.size ? cc_ctx.size * 2 : 16;
		if ((v = realloc(cc_ctx.rules, size * sizeof(*v))) == NULL) {
			snprintf(why, whysz, "out of memory");
			return (-1);
		}
		cc_ctx.rules = v;
		if ((ifs = realloc(cc_ctx.ifs, size * sizeof(*ifs))) == NULL) {
			snprintf(why, whysz, "out of memory");
			return (-1);
		}
		cc_ctx.ifs = ifs;
		cc_ctx.size = size;
	}
	r = &cc_ctx.rules[cc_ctx.n];
	memset(r, 0, sizeof(*r));
	r->cls = ck->cls;
	r->table = ck->table;
	r->op = ck->op;
	r->flags = ck->flags;
	r->max_sub = ck->max_sub;
	r->lineno = ck->lineno;
	r->kind = ck->kind;
	r->endif = CC_NONE;
	if ((r->repl = strdup(ck->repl)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return (-1);
	}
	if (ck->op == IPC_CHK_OP_IF) {
		cc_ctx.ifs[cc_ctx.nifs++] = cc_ctx.n;
	} else if (ck->op == IPC_CHK_OP_ENDIF) {
		if (cc_ctx.nifs == 0) {
			free(r->repl);
			snprintf(why, whysz, "CHECK rule %u: ENDIF without IF",
			    cc_ctx.n);
			return (-1);
		}
		cc_ctx.rules[cc_ctx.ifs[--cc_ctx.nifs]].endif = cc_ctx.n;
	}
	if (cc_ctx.count[ck->cls]++ == 0)
		cc_ctx.first[ck->cls] = cc_ctx.n;
	cc_ctx.n++;
	if (cc_compile(r, ck, why, whysz) < 0) {
		cc_ctx.broken = 1;
		return (-1);
	}
	return (0);
}

int
content_checks_ready(uint32_t classes, char *why, size_t whysz)
{
	uint32_t cls;

	if (cc_ctx.broken || (classes & ~IPC_CHK_CLASSES_ALL)) {
		snprintf(why, whysz, "CONFIG checks_classes 0x%x", classes);
		return (-1);
	}
	for (cls = 0; cls < IPC_CHK_NCLASS; cls++) {
		if (cc_ctx.count[cls] > 0 && (classes & (1U << cls)) == 0) {
			snprintf(why, whysz, "CHECK rules for class %u, which "
			    "CONFIG says has no table", cls);
			return (-1);
		}
	}
	cc_ctx.classes = classes;
	cc_ctx.ready = 1;
	return (0);
}

/* Grow a buffer to hold 'need' bytes, at most 'max'. */
static int
cc_grow(char **buf, size_t *size, size_t need, size_t max)
{
	size_t	n = *size ? *size : 256;
	char	*p;

	if (need <= *size)
		return (0);
	if (need > max)
		return (-ENOMEM);
	while (n < need)
		n = n > max / 2 ? max : n * 2;
	if ((p = realloc(*buf, n)) == NULL)
		return (-ENOMEM);
	*buf = p;
	*size = n;
	return (0);
}

static int
cc_exp_add(const char *s, size_t n)
{
	int	err;

	if ((err = cc_grow(&cc_ctx.exp, &cc_ctx.exp_size,
	    cc_ctx.exp_len + n + 1, CC_EXP_MAX)) < 0)
		return (err);
	memcpy(cc_ctx.exp + cc_ctx.exp_len, s, n);
	cc_ctx.exp_len += n;
	cc_ctx.exp[cc_ctx.exp_len] = '\0';
	return (0);
}

/* The template with ${N} from pmatch[] (dict_regexp_expand()). */
static int
cc_expand(const struct cc_rule *r, const char *key)
{
	const char *t = r->repl, *d;
	const regmatch_t *pm;
	unsigned long n;
	int	err;

	cc_ctx.exp_len = 0;
	if ((err = cc_exp_add("", 0)) < 0)
		return (err);
	while ((d = strchr(t, '$')) != NULL) {
		if ((err = cc_exp_add(t, (size_t)(d - t))) < 0)
			return (err);
		if (d[1] == '$') {
			if ((err = cc_exp_add("$", 1)) < 0)
				return (err);
			t = d + 2;
			continue;
		}
		/* "${N}", checked by cc_template_ok(). */
		for (n = 0, t = d + 2; *t != '}'; t++)
			n = n * 10 + (unsigned long)(*t - '0');
		t++;
		pm = &cc_ctx.pmatch[n];
		if (pm->rm_so >= 0 && pm->rm_eo > pm->rm_so &&
		    (err = cc_exp_add(key + pm->rm_so,
		    (size_t)(pm->rm_eo - pm->rm_so))) < 0)
			return (err);
	}
	return (cc_exp_add(t, strlen(t)));
}

/* The parameter a rule belongs to, for a match error's warning. */
static const char *
cc_where(const struct cc_rule *r)
{
	return (r->cls == IPC_CHK_BODY ? "smtp_body_checks" :
	    "the header checks");
}

/*
 * DICT_PCRE_EXEC: 1 when the rule's condition holds; the first 'nsub'
 * captures into cc_ctx.pmatch, as regexec() leaves them (-1: unset).
 * The message of a match error is PCRE2's own (a constant of the
 * library, never text of the content), as dict_pcre_exec_error() logs.
 */
static int
cc_exec_pcre(const struct cc_rule *r, int match, const char *key,
    size_t keylen, size_t nsub)
{
	PCRE2_SIZE *ov;
	PCRE2_UCHAR err[120];
	size_t	i;
	int	rc;

	rc = pcre2_match(r->pc1, (PCRE2_SPTR)key, keylen, 0, 0, cc_ctx.pmd,
	    cc_ctx.pmctx);
	if (rc == PCRE2_ERROR_NOMATCH)
		return (!match);
	if (rc > 0) {
		ov = pcre2_get_ovector_pointer(cc_ctx.pmd);
		for (i = 0; i < nsub; i++) {
			if (i < (size_t)rc && ov[2 * i] != PCRE2_UNSET) {
				cc_ctx.pmatch[i].rm_so = (regoff_t)ov[2 * i];
				cc_ctx.pmatch[i].rm_eo =
				    (regoff_t)ov[2 * i + 1];
			} else {
				cc_ctx.pmatch[i].rm_so = -1;
				cc_ctx.pmatch[i].rm_eo = -1;
			}
		}
		return (match);
	}
	if (pcre2_get_error_message(rc, err, sizeof(err)) < 0)
		snprintf((char *)err, sizeof(err), "unexpected pcre2 error "
		    "code %d", rc);
	msg_warn("pcre map (table %u of %s), line %u: %s", r->table + 1,
	    cc_where(r), r->lineno, (const char *)err);
	return (0);
}

/* DICT_REGEXP_REGEXEC: 1 when the rule's condition holds. */
static int
cc_exec(const struct cc_rule *r, const regex_t *re, int match,
    const char *key, size_t keylen, size_t nsub)
{
	int	rc;

	if (r->kind == IPC_CHK_K_PCRE)
		return (cc_exec_pcre(r, match, key, keylen, nsub));
	rc = regexec(re, key, nsub, nsub ? cc_ctx.pmatch : NULL, 0);
	if (rc == REG_NOMATCH)
		return (!match);
	if (rc == 0)
		return (match);
	msg_warn("regexp map (table %u of %s), line %u: regexec error %d",
	    r->table + 1, cc_where(r), r->lineno, rc);
	return (0);
}

/*
 * One table, rules [*ip, end) of the same table: 1 with the result in
 * cc_ctx.exp, 0 no answer, <0 error. *ip moves past the table.
 */
static int
cc_lookup_table(uint32_t *ip, uint32_t end, const char *key, size_t keylen)
{
	uint32_t i = *ip, tbl = cc_ctx.rules[i].table, last = i;
	const struct cc_rule *r;
	size_t	nsub;
	int	found = 0;

	while (last < end && cc_ctx.rules[last].table == tbl)
		last++;
	*ip = last;
	for (; i < last && !found; i++) {
		r = &cc_ctx.rules[i];
		switch (r->op) {
		case IPC_CHK_OP_MATCH:
			nsub = r->max_sub > 0 ? r->max_sub + 1 : 0;
			if (!cc_exec(r, r->re1, r->flags & IPC_CHK_F_MATCH1,
			    key, keylen, nsub))
				break;
			if (r->re2 != NULL && !cc_exec(r, r->re2,
			    r->flags & IPC_CHK_F_MATCH2, key, keylen, 0))
				break;
			found = 1;
			if (cc_expand(r, key) < 0)
				return (-ENOMEM);
			break;
		case IPC_CHK_OP_IF:
			if (cc_exec(r, r->re1, r->flags & IPC_CHK_F_MATCH1,
			    key, keylen, 0))
				break;
			if (r->endif == CC_NONE)
				return (0);
			i = r->endif;
			break;
		default:
			break;
		}
	}
	return (found);
}

/* maps_find(): the first table with an answer; 1, 0, or <0. */
static int
cc_lookup(uint32_t cls, const char *key)
{
	uint32_t i = cc_ctx.first[cls], end = i + cc_ctx.count[cls];
	size_t	keylen = strlen(key);
	int	rc;

	if (*key == '\0')
		return (0);
	while (i < end)
		if ((rc = cc_lookup_table(&i, end, key, keylen)) != 0)
			return (rc);
	return (0);
}

/* Postfix printable(): what may go into a log line, cut at 'max'. */
static void
cc_censor(char *out, size_t outsz, const char *in, size_t max)
{
	size_t	n = 0;
	unsigned char c;

	for (; *in != '\0' && n < max && n < outsz - 1; in++) {
		c = (unsigned char)*in;
		out[n++] = c >= 0x20 && c <= 0x7e ? (char)c : '?';
	}
	out[n] = '\0';
}

static void
cc_log(const struct content_checks_job *j, uint32_t kind, uint32_t action,
    uint32_t where, uint32_t cls, const char *content, const char *text)
{
	struct ipc_check_log lg;

	if (cc_ctx.log == NULL)
		return;
	memset(&lg, 0, sizeof(lg));
	lg.job_id = j->job_id;
	lg.kind = kind;
	lg.action = action;
	lg.where = where;
	lg.cls = cls;
	cc_censor(lg.content, sizeof(lg.content), content,
	    SJ_CHECK_LOG_CONTENT_MAX);
	cc_censor(lg.text, sizeof(lg.text), text, SJ_CHECK_ACTION_MAX);
	cc_ctx.log(&lg);
}

static int
cc_write(struct content_checks_job *j, const char *text, size_t len,
    int nl)
{
	int	err;

	if (len > 0 && (err = j->out(j->out_ctx, text, len)) < 0)
		return (err);
	return (nl ? j->out(j->out_ctx, "\n", 1) : 0);
}

/* STREQUAL(): the action word, any case, exactly. */
static int
cc_is(const char *cmd, size_t len, const char *word)
{
	return (strncasecmp(cmd, word, len) == 0 && word[len] == '\0');
}

/*
 * hbc_action(): 0 send 'line' unchanged, 1 send cc_ctx.exp's text
 * instead (moved to its start), 2 send nothing; <0 an output error.
 */
static int
cc_action(struct content_checks_job *j, uint32_t cls, uint32_t where,
    const char *line)
{
	const char *cmd = cc_ctx.exp, *args;
	size_t	len = strcspn(cmd, " \t");
	uint32_t act;
	int	err;

	for (args = cmd + len; *args == ' ' || *args == '\t' ||
	    *args == '\r' || *args == '\n' || *args == '\v' || *args == '\f';
	    args++)
		;
	for (act = 0; act <= IPC_CHL_A_STRIP; act++)
		if (cc_is(cmd, len, cc_actions[act]))
			break;
	switch (act) {
	case IPC_CHL_A_WARNING:
	case IPC_CHL_A_INFO:
		cc_log(j, IPC_CHL_ACTION, act, where, cls, line, args);
		return (0);
	case IPC_CHL_A_REPLACE:
	case IPC_CHL_A_PREPEND:
		if (*args == '\0') {
			cc_log(j, IPC_CHL_NO_TEXT, act, where, cls, "", "");
			return (0);
		}
		if (where == IPC_CHL_W_HEADER &&
		    mime_header_name(args, strlen(args)) == 0) {
			cc_log(j, IPC_CHL_BAD_HEADER, act, where, cls, "",
			    args);
			return (0);
		}
		cc_log(j, IPC_CHL_ACTION, act, where, cls, line, args);
		if (act == IPC_CHL_A_PREPEND)
			return ((err = cc_write(j, args, strlen(args), 1)) < 0 ?
			    err : 0);
		memmove(cc_ctx.exp, args, strlen(args) + 1);
		return (1);
	case IPC_CHL_A_STRIP:
		cc_log(j, IPC_CHL_ACTION, act, where, cls, line, args);
		return (2);
	default:
		break;
	}
	/* IGNORE is not logged, for compatibility with cleanup(8). */
	if (cc_is(cmd, len, "IGNORE"))
		return (2);
	if (cc_is(cmd, len, "DUNNO") || cc_is(cmd, len, "OK"))
		return (0);
	cc_log(j, IPC_CHL_UNSUPPORTED, 0, where, cls, "", cmd);
	return (0);
}

/* Look up and act; 0 unchanged, 1 replaced (cc_ctx.exp), 2 dropped. */
static int
cc_check(struct content_checks_job *j, uint32_t cls, uint32_t where,
    const char *key)
{
	int	rc;

	if ((rc = cc_lookup(cls, key)) <= 0)
		return (rc == -ENOMEM ? CONTENT_CHECKS_ERR : rc);
	if (cc_ctx.exp[0] == '\0') {
		/* maps_find(): an empty result is a configuration error. */
		cc_log(j, IPC_CHL_EMPTY, 0, where, cls, key, "");
		return (CONTENT_CHECKS_ERR);
	}
	return (cc_action(j, cls, where, key));
}

static int
cc_fail(struct content_checks_job *j, int err)
{
	if (err == CONTENT_CHECKS_ERR)
		j->failed = 1;
	return (err);
}

int
content_checks_header(void *ctx, int hcls, int is_mime, const char *hdr,
    size_t len)
{
	struct content_checks_job *j = ctx;
	const char *p, *nl, *end;
	char	*gout = NULL;
	size_t	goutlen, gnlen;
	uint32_t cls;
	int	rc;

	gnlen = cc_ctx.generic ? generic_hdr_match(hdr, len) : 0;
	/* hbc_header_checks(): MIME headers are MIME headers anywhere. */
	cls = is_mime || hcls == MIME_HDR_MULTIPART ? IPC_CHK_MIME :
	    hcls == MIME_HDR_NESTED ? IPC_CHK_NESTED : IPC_CHK_HEADER;
	if (cc_ctx.count[cls] == 0)
		rc = 0;
	else if ((rc = cc_check(j, cls, IPC_CHL_W_HEADER, hdr)) < 0)
		return (cc_fail(j, rc));
	if (rc == 2)
		return (0);
	if (rc == 1) {
		hdr = cc_ctx.exp;
		len = strlen(hdr);
	}
	/* smtp_generic_maps: primary headers of an address kind, by the
	 * header's original name (smtp_header_rewrite()). */
	if (cc_ctx.generic && hcls == MIME_HDR_PRIMARY && gnlen > 0) {
		rc = generic_hdr_rewrite_as(hdr, len, gnlen,
		    cc_ctx.generic_lookup, j, &gout, &goutlen);
		if (rc == -ECANCELED)
			return (rc);
		if (rc < 0)
			return (cc_fail(j, CONTENT_CHECKS_ERR));
		if (rc > 0) {
			hdr = gout;
			len = goutlen;
		}
	}
	/* smtp_header_out(): each '\n'-separated line as a record. */
	for (p = hdr, end = hdr + len; ; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if ((rc = cc_write(j, p, (size_t)((nl ? nl : end) - p),
		    1)) < 0 || nl == NULL) {
			free(gout);
			return (rc < 0 ? rc : 0);
		}
	}
}

int
content_checks_body(void *ctx, int type, const char *text, size_t len)
{
	struct content_checks_job *j = ctx;
	const char *nul;
	int	rc, err;

	if (cc_ctx.count[IPC_CHK_BODY] > 0) {
		/* The lookup key is a C string (Postfix's record text). */
		nul = memchr(text, '\0', len);
		if ((err = cc_grow(&cc_ctx.key, &cc_ctx.key_size, len + 1,
		    (size_t)-1)) < 0)
			return (cc_fail(j, CONTENT_CHECKS_ERR));
		memcpy(cc_ctx.key, text, nul ? (size_t)(nul - text) : len);
		cc_ctx.key[nul ? (size_t)(nul - text) : len] = '\0';
		if ((rc = cc_check(j, IPC_CHK_BODY, IPC_CHL_W_BODY,
		    cc_ctx.key)) < 0)
			return (cc_fail(j, rc));
		if (rc == 2)
			return (0);
		if (rc == 1) {
			text = cc_ctx.exp;
			len = strlen(text);
		}
	}
	return (cc_write(j, text, len, type == MIME_REC_NORM));
}

void
content_checks_hooks(struct mime_hooks *hk, struct content_checks_job *j,
    int downgrade)
{
	memset(hk, 0, sizeof(*hk));
	hk->downgrade = downgrade;
	hk->ctx = j;
	/* Postfix: smtp_header_rewrite only with header checks (any of
	 * the three), smtp_body_rewrite only with body checks. */
	if ((cc_ctx.classes & ~(1U << IPC_CHK_BODY)) || cc_ctx.generic)
		hk->header = content_checks_header;
	if (cc_ctx.classes & (1U << IPC_CHK_BODY))
		hk->body = content_checks_body;
}

void
content_checks_opts(struct smtp_content_opts *opts, struct mime_limits *lim,
    const struct ipc_config *cfg, int downgrade, uint32_t job_id)
{
	opts->downgrade = downgrade;
	/* smtp_proto.c: the MIME parser runs for generic maps too. */
	cc_ctx.generic = (cfg->flags & IPC_CF_GENERIC) != 0 &&
	    cc_ctx.generic_lookup != NULL;
	opts->checks = cc_ctx.classes != 0 || cc_ctx.generic;
	opts->job_id = job_id;
	if (downgrade || opts->checks) {
		lim->header_limit = cfg->header_size_limit;
		lim->nesting_limit = cfg->mime_nesting_limit;
		lim->boundary_limit = cfg->mime_boundary_length_limit;
		lim->record_limit = cfg->queue_line_length_limit;
		opts->mime = lim;
	}
}

void
content_checks_set_generic(generic_hdr_lookup_fn fn)
{
	cc_ctx.generic_lookup = fn;
}

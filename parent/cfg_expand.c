/*
 * NAME
 *	cfg_expand 3
 * SUMMARY
 *	$name expansion of parameter values, as Postfix's mac_expand()
 * DESCRIPTION
 *	sj_params_expand() expands a raw value as Postfix's mac_expand()
 *	does with recursion: $name, ${name}, $(name), "$$"
 *	for a literal '$', undefined names expand to nothing, ${name?text}
 *	(text if the value is non-empty), ${name:text} (text if empty or
 *	undefined), ${name?{t1}:{t2}}, and the relational form
 *	${{a} OP {b} ? {t1} : {t2}} with OP one of == != < <= > >= (numeric
 *	when both sides are all digits, else strcmp) and the "level"
 *	suffix (<level etc.) that compares compatibility levels such as
 *	"3.6". Nesting deeper than SJ_PARAM_NEST_MAX is an error, which is
 *	how a loop ("a = $b", "b = $a") is refused. Names are looked up
 *	with sj_params_raw() (parent/cfg_params.c).
 * SECURITY
 *	Parent, while root, before any sandbox, on trusted configuration;
 *	the result is bounded by SJ_PARAM_VALUE_MAX and the recursion by
 *	SJ_PARAM_NEST_MAX, so that a typing mistake cannot exhaust memory
 *	or the stack.
 * SEE ALSO
 *	parent/cfg_params.c, postconf(5), Postfix util/mac_expand.c,
 *	util/mac_parse.c
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_dstr.h"
#include "cfg_params.h"

/* One expansion in progress. */
struct sj_exp {
	const struct sj_params *p;
	struct sj_dstr *out;
	int	depth;
	int	err;			/* first error, negative errno */
	char	*why;
	size_t	whysz;
};

#define CHARS_SPACE	" \t\r\n"
#define RELOP_CHARS	"<>!=?+-*/~&|%"

static int exp_text(struct sj_exp *, const char *);

static int
exp_fail(struct sj_exp *x, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
exp_fail(struct sj_exp *x, int err, const char *fmt, ...)
{
	va_list	ap;

	if (x->err == 0) {
		x->err = err;
		if (x->why && x->whysz) {
			va_start(ap, fmt);
			vsnprintf(x->why, x->whysz, fmt, ap);
			va_end(ap);
		}
	}
	return (x->err);
}

/*
 * At *cp (after optional blanks) a '{': return the payload between the
 * balanced braces (terminated in place), advance past '}' and blanks.
 */
static char *
exp_curly(struct sj_exp *x, char **cp)
{
	char	*s = *cp + strspn(*cp, CHARS_SPACE), *payload, *q;
	int	level = 1;

	if (*s != '{')
		return (NULL);
	for (q = payload = s + 1; *q; q++) {
		if (*q == '{')
			level++;
		else if (*q == '}' && --level == 0)
			break;
	}
	if (*q == '\0') {
		exp_fail(x, -EINVAL, "unbalanced {} in attribute expression: "
		    "\"%.60s\"", s);
		return (NULL);
	}
	*q++ = '\0';
	*cp = q + strspn(q, CHARS_SPACE);
	return (payload);
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return (0);
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (1);
}

/* Compatibility levels: "3.6" < "3.10" (each component numeric). */
static long
level_cmp(const char *a, const char *b)
{
	unsigned long va, vb;
	char	*ea, *eb;

	for (;;) {
		va = strtoul(a, &ea, 10);
		vb = strtoul(b, &eb, 10);
		if (va != vb)
			return (va < vb ? -1 : 1);
		if (*ea != '.' && *eb != '.')
			return (0);
		a = *ea == '.' ? ea + 1 : "0";
		b = *eb == '.' ? eb + 1 : "0";
	}
}

static int
level_ok(const char *s)
{
	/* digits, optionally ".digits" and ".digits" again */
	int	parts = 0;

	for (;;) {
		if (!isdigit((unsigned char)*s))
			return (0);
		while (isdigit((unsigned char)*s))
			s++;
		if (++parts > 3)
			return (0);
		if (*s == '\0')
			return (1);
		if (*s++ != '.')
			return (0);
	}
}

/* Expand text into a fresh string, sharing depth and error state. */
static char *
exp_sub(struct sj_exp *x, const char *text)
{
	struct sj_dstr d, *saved = x->out;

	if (dstr_init(&d) < 0) {
		exp_fail(x, -ENOMEM, "out of memory");
		return (NULL);
	}
	x->out = &d;
	exp_text(x, text);
	x->out = saved;
	if (x->err) {
		free(d.s);
		return (NULL);
	}
	return (d.s);
}

/* ${{a} OP {b} ...}: *result "true" or "", *cp past the right operand. */
static int
exp_relational(struct sj_exp *x, char **cp, const char **result)
{
	static const char *ops[] = {"==", "!=", "<", "<=", ">=", ">"};
	char	*left, *right, *op, *lv = NULL, *rv = NULL, *end;
	size_t	oplen, i, sfx = 0;
	long	delta, a, b;
	int	op_idx = -1, level = 0;

	if ((left = exp_curly(x, cp)) == NULL)
		return (x->err ? x->err : -EINVAL);
	op = *cp;
	oplen = strspn(op, RELOP_CHARS);
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strlen(ops[i]) == oplen && strncmp(op, ops[i], oplen) == 0)
			op_idx = (int)i;
	if (op_idx < 0)
		return (exp_fail(x, -EINVAL, "\"==\" or \"!=\" or \"<\" or "
		    "\"<=\" or \">=\" or \">\" expected at: \"...%.40s}>>>"
		    "%.20s\"", left, op));
	while (isalnum((unsigned char)op[oplen + sfx]))
		sfx++;
	if (sfx > 0) {
		if (sfx != 5 || strncmp(op + oplen, "level", 5) != 0)
			return (exp_fail(x, -EINVAL, "bad operator suffix at: "
			    "\"...%.*s>>>%.*s\"", (int)oplen, op, (int)sfx,
			    op + oplen));
		level = 1;
	}
	*cp = op + oplen + sfx;
	if ((right = exp_curly(x, cp)) == NULL) {
		if (x->err)
			return (x->err);
		return (exp_fail(x, -EINVAL, "\"{expression}\" expected at: "
		    "\"...{%.40s} %.*s>>>%.20s\"", left, (int)(oplen + sfx),
		    op, *cp));
	}
	if ((lv = exp_sub(x, left)) == NULL ||
	    (rv = exp_sub(x, right)) == NULL) {
		free(lv);
		return (x->err);
	}
	if (level) {
		if (!level_ok(lv) || !level_ok(rv)) {
			exp_fail(x, -EINVAL, "bad compatibility level: "
			    "\"%.40s\" or \"%.40s\"", lv, rv);
			free(lv);
			free(rv);
			return (x->err);
		}
		delta = level_cmp(lv, rv);
	} else if (all_digits(lv) && all_digits(rv)) {
		errno = 0;
		a = strtol(lv, &end, 10);
		b = errno == 0 ? strtol(rv, &end, 10) : 0;
		if (errno == ERANGE) {
			exp_fail(x, -ERANGE, "bad conversion: %.40s or %.40s",
			    lv, rv);
			free(lv);
			free(rv);
			return (x->err);
		}
		delta = a < b ? -1 : a > b;
	} else {
		delta = strcmp(lv, rv);
	}
	free(lv);
	free(rv);
	switch (op_idx) {
	case 0:
		*result = delta == 0 ? "true" : "";
		break;
	case 1:
		*result = delta != 0 ? "true" : "";
		break;
	case 2:
		*result = delta < 0 ? "true" : "";
		break;
	case 3:
		*result = delta <= 0 ? "true" : "";
		break;
	case 4:
		*result = delta >= 0 ? "true" : "";
		break;
	default:
		*result = delta > 0 ? "true" : "";
		break;
	}
	return (0);
}

/* One $name / ${...} / $(...) reference; expr is a writable copy. */
static int
exp_expr(struct sj_exp *x, char *expr)
{
	const char *lookup = NULL;
	char	*cp = expr, *start, *iftrue, *iffalse;
	size_t	ws;
	int	ch;

	if (++x->depth > SJ_PARAM_NEST_MAX)
		return (exp_fail(x, -ELOOP, "unreasonable macro call nesting: "
		    "\"%.60s\" (a parameter refers to itself?)", expr));
	if (cp[strspn(cp, CHARS_SPACE)] == '{') {
		if (exp_relational(x, &cp, &lookup) < 0)
			return (x->err);
		if ((ch = *cp) != '\0') {
			if (ch != '?' && ch != ':')
				return (exp_fail(x, -EINVAL, "\"?\" or \":\" "
				    "expected at: \"...}>>>%.20s\"", cp));
			cp++;
		}
	} else {
		start = cp = cp + strspn(cp, CHARS_SPACE);
		for (;;) {
			ws = strspn(cp, CHARS_SPACE);
			ch = cp[ws];
			if (ch == '\0') {
				*cp = '\0';
				break;
			}
			if (ch == '?' || ch == ':') {
				*cp = '\0';
				cp += ws + 1;
				break;
			}
			if (!isalnum((unsigned char)*cp) && *cp != '_')
				return (exp_fail(x, -EINVAL, "attribute name "
				    "syntax error at: \"...%.*s>>>%.20s\"",
				    (int)(cp - expr), expr, cp));
			cp++;
		}
		lookup = sj_params_raw(x->p, start);
	}
	switch (ch) {
	case '?':
		if ((iftrue = exp_curly(x, &cp)) == NULL) {
			if (x->err)
				return (x->err);
			iftrue = cp;
			cp = "";
		}
		if (lookup != NULL && *lookup != '\0' &&
		    exp_text(x, iftrue) < 0)
			return (x->err);
		if (*cp == '\0')
			break;
		if (*cp != ':')
			return (exp_fail(x, -EINVAL, "\":\" expected at: "
			    "\"...%.40s}>>>%.20s\"", iftrue, cp));
		cp++;
		/* ${x?{a}:{b}}: go on with the ':' operand. */
		/* FALLTHROUGH */
	case ':':
		if ((iffalse = exp_curly(x, &cp)) == NULL) {
			if (x->err)
				return (x->err);
			iffalse = cp;
			cp = "";
		}
		if ((lookup == NULL || *lookup == '\0') &&
		    exp_text(x, iffalse) < 0)
			return (x->err);
		if (*cp != '\0')
			return (exp_fail(x, -EINVAL, "unexpected input at: "
			    "\"...%.40s}>>>%.20s\"", iffalse, cp));
		break;
	default:
		/* Undefined or empty: nothing. Else expand recursively. */
		if (lookup != NULL && *lookup != '\0' &&
		    exp_text(x, lookup) < 0)
			return (x->err);
		break;
	}
	x->depth--;
	return (0);
}

/* Postfix mac_parse(): literal text and $ references. */
static int
exp_text(struct sj_exp *x, const char *text)
{
	const char *vp = text, *ep;
	char	open, close, *expr;
	size_t	lit;
	int	level, rc;

	while (*vp && x->err == 0) {
		if (*vp != '$') {
			lit = strcspn(vp, "$");
			if ((rc = dstr_add(x->out, vp, lit)) < 0)
				return (exp_fail(x, rc, "expanded value longer "
				    "than %d bytes", SJ_PARAM_VALUE_MAX));
			vp += lit;
			continue;
		}
		if (vp[1] == '$') {
			if ((rc = dstr_add(x->out, "$", 1)) < 0)
				return (exp_fail(x, rc, "expanded value longer "
				    "than %d bytes", SJ_PARAM_VALUE_MAX));
			vp += 2;
			continue;
		}
		vp++;
		if (*vp == '{' || *vp == '(') {
			open = *vp;
			close = open == '{' ? '}' : ')';
			level = 1;
			for (ep = ++vp; *ep; ep++) {
				if (*ep == open)
					level++;
				else if (*ep == close && --level == 0)
					break;
			}
			if (*ep == '\0')
				return (exp_fail(x, -EINVAL, "truncated macro "
				    "reference: \"%.60s\"", text));
			expr = strndup(vp, (size_t)(ep - vp));
			vp = ep + 1;
		} else {
			for (ep = vp; isalnum((unsigned char)*ep) ||
			    *ep == '_'; ep++)
				continue;
			expr = strndup(vp, (size_t)(ep - vp));
			vp = ep;
		}
		if (expr == NULL)
			return (exp_fail(x, -ENOMEM, "out of memory"));
		if (*expr == '\0') {
			free(expr);
			return (exp_fail(x, -EINVAL, "empty macro name: "
			    "\"%.60s\"", text));
		}
		rc = exp_expr(x, expr);
		free(expr);
		if (rc < 0)
			return (rc);
	}
	return (x->err);
}

int
sj_params_expand(const struct sj_params *p, const char *text, char **out,
    char *why, size_t whysz)
{
	struct sj_dstr d;
	struct sj_exp x;

	*out = NULL;
	if (dstr_init(&d) < 0) {
		snprintf(why, whysz, "out of memory");
		return (-ENOMEM);
	}
	memset(&x, 0, sizeof(x));
	x.p = p;
	x.out = &d;
	x.why = why;
	x.whysz = whysz;
	if (exp_text(&x, text) < 0) {
		free(d.s);
		return (x.err);
	}
	*out = d.s;
	return (0);
}

/*
 * NAME
 *	checks_load 3
 * SUMMARY
 *	read the regexp: and pcre: tables of smtp_*_checks at start
 * DESCRIPTION
 *	See checks_load.h. The table syntax is Postfix's regexp_table(5)
 *	or pcre_table(5), read as src/util/dict_regexp.c,
 *	src/util/dict_pcre.c and src/util/readlline.c do:
 *	logical lines (a line that starts with white space continues the
 *	previous one; empty lines and lines whose first non-blank is '#'
 *	are skipped, also between continued lines), trailing white space
 *	removed; then per logical line
 *	  /pattern/flags [!/pattern2/flags] replacement
 *	  if [!]/pattern/flags ... endif
 *	with any non-alphanumeric character as delimiter, '\' escaping it,
 *	'!' before a pattern negating it, flags 'i' (case, on by default),
 *	'x' (extended syntax, on by default) and 'm' (REG_NEWLINE), and
 *	$N, ${N}, $(N) and $$ in the replacement (Postfix mac_parse()).
 *	A pcre: table has no second pattern; its flags are those of
 *	dict_pcre.c: 'i' (case, on by default), 's' (dot matches newline,
 *	on by default), 'm', 'x', 'A', 'E', 'U', and 'X', which PCRE2
 *	lacks (ignored with Postfix's warning). A flag letter Postfix does
 *	not know makes Postfix skip the rule; in a pcre: table smtpjail
 *	refuses to start instead (fail closed: the administrator meant a
 *	rule that would otherwise not apply).
 *	Each pattern is compiled here once (regcomp(), pcre2_compile()
 *	without JIT, with the options the child uses) so that a rule
 *	Postfix skips (bad expression, $N beyond the subexpressions, $N
 *	with a negated pattern, ...) is skipped with the same warning; the
 *	child compiles the rules that remain. The replacement is sent as a
 *	template ("$$", "${N}", see ipc_msg.h) so the child has no macro
 *	syntax to parse.
 * SECURITY
 *	Parent only, at start, as root before the chroot (the tables are
 *	the administrator's). Every rule is bounded (SJ_CHECK_PATTERN_MAX,
 *	SJ_CHECK_ACTION_MAX) and their number (SJ_CHECKS_MAX), the file's
 *	size (SJ_CHECK_FILE_MAX).
 * SEE ALSO
 *	Postfix src/util/dict_regexp.c, readlline.c, mac_parse.c,
 *	src/global/header_body_checks.c; regexp_table(5), header_checks(5)
 */
#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg_params.h"
#include "checks_load.h"
#include "file_read.h"
#include "msg.h"
#include "sj_check_re.h"
#include "sj_limits.h"

/* Postfix's ISSPACE/ISALNUM: the C locale's, on unsigned chars. */
#define CK_SPACE(c)	isspace((unsigned char)(c))
#define CK_ALNUM(c)	isalnum((unsigned char)(c))
/* A byte of the table in an error text. */
#define CK_PRINT(c)	(isprint((unsigned char)(c)) ? (c) : '?')

static const char *const checks_params[IPC_CHK_NCLASS] = {
	[IPC_CHK_HEADER] = "smtp_header_checks",
	[IPC_CHK_MIME] = "smtp_mime_header_checks",
	[IPC_CHK_NESTED] = "smtp_nested_header_checks",
	[IPC_CHK_BODY] = "smtp_body_checks",
};

/* One pattern as dict_regexp_get_pat() takes it apart. */
struct ck_pat {
	char	*re;			/* NUL-terminated in the line */
	int	match;
	uint32_t opts;			/* IPC_CHK_O_* or IPC_CHK_P_* */
};

/* The parse of one table: where it is, what it has seen. */
struct ck_parse {
	struct checks_set *set;
	const char *map;
	uint32_t cls, table;
	uint32_t kind;			/* IPC_CHK_K_* */
	const char *type;		/* "regexp" or "pcre", for warnings */
	int	lineno;
	int	nesting;		/* open IFs */
	int	*if_lines;		/* their line numbers, nesting deep */
	int	if_size;
	char	*why;
	size_t	whysz;
};

const char *
checks_class_name(uint32_t cls)
{
	return (cls < IPC_CHK_NCLASS ? checks_params[cls] : "?");
}

void
checks_set_free(struct checks_set *set)
{
	free(set->v);
	set->v = NULL;
	set->n = set->size = 0;
}

/*
 * Compile to check it (dict_pcre_compile(), then its capture count as
 * dict_pcre_parse_rule() takes it); 0 or -1.
 */
static int
ck_compile_pcre(struct ck_parse *cp, const struct ck_pat *pat, size_t *nsub)
{
	pcre2_code *code;
	uint32_t count = 0;
	size_t	off;
	int	err;
	PCRE2_UCHAR msg[256];

	if ((code = sj_check_re_pcre(pat->re, pat->opts, &err, &off)) == NULL) {
		if (pcre2_get_error_message(err, msg, sizeof(msg)) < 0)
			snprintf((char *)msg, sizeof(msg), "unexpected pcre2 "
			    "error code %d", err);
		msg_warn("pcre map %s, line %d: error in regex at offset %lu: "
		    "%s", cp->map, cp->lineno, (unsigned long)off, msg);
		return (-1);
	}
	if (pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &count) != 0)
		count = 0;
	pcre2_code_free(code);
	if (nsub != NULL)
		*nsub = count;
	return (0);
}

/* Compile to check it (Postfix dict_regexp_compile_pat()); 0 or -1. */
static int
ck_compile(struct ck_parse *cp, const struct ck_pat *pat, int nosub,
    size_t *nsub)
{
	regex_t	re;
	char	err[256];
	int	rc;

	if (cp->kind == IPC_CHK_K_PCRE)
		return (ck_compile_pcre(cp, pat, nsub));
	if ((rc = sj_check_re_regcomp(&re, pat->re, pat->opts, nosub)) != 0) {
		(void)regerror(rc, &re, err, sizeof(err));
		msg_warn("regexp map %s, line %d: %s", cp->map, cp->lineno,
		    err);
		return (-1);
	}
	if (nsub != NULL)
		*nsub = re.re_nsub;
	regfree(&re);
	return (0);
}

/* dict_regexp_get_pat()'s flags: 1 with *pp past them, 0 skipped. */
static int
ck_regexp_flags(struct ck_parse *cp, char **pp, struct ck_pat *pat)
{
	char	*p = *pp;

	pat->opts = IPC_CHK_O_EXTENDED | IPC_CHK_O_ICASE;
	for (; *p != '\0' && !CK_SPACE(*p) && *p != '!'; p++) {
		switch (*p) {
		case 'i':
			pat->opts ^= IPC_CHK_O_ICASE;
			break;
		case 'm':
			pat->opts ^= IPC_CHK_O_NEWLINE;
			break;
		case 'x':
			pat->opts ^= IPC_CHK_O_EXTENDED;
			break;
		default:
			msg_warn("regexp map %s, line %d: unknown regexp "
			    "option \"%c\": skipping this rule", cp->map,
			    cp->lineno, *p);
			return (0);
		}
	}
	*pp = p;
	return (1);
}

/*
 * dict_pcre_get_pattern()'s flags: 1 with *pp past them, -1 (why[]
 * set) for a letter Postfix would skip the rule for: fail closed.
 */
static int
ck_pcre_flags(struct ck_parse *cp, char **pp, struct ck_pat *pat)
{
	static const struct {
		char	letter;
		uint32_t bit;
	} flags[] = {
		{ 'i', IPC_CHK_P_CASELESS }, { 'm', IPC_CHK_P_MULTILINE },
		{ 's', IPC_CHK_P_DOTALL }, { 'x', IPC_CHK_P_EXTENDED },
		{ 'A', IPC_CHK_P_ANCHORED }, { 'E', IPC_CHK_P_DOLLAR_ENDONLY },
		{ 'U', IPC_CHK_P_UNGREEDY },
	};
	char	*p = *pp;
	size_t	i;

	pat->opts = IPC_CHK_P_CASELESS | IPC_CHK_P_DOTALL;
	for (; *p != '\0' && !CK_SPACE(*p); p++) {
		for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
			if (*p == flags[i].letter)
				break;
		if (i < sizeof(flags) / sizeof(flags[0])) {
			pat->opts ^= flags[i].bit;
		} else if (*p == 'X') {
			/* PCRE_EXTRA, which PCRE2 does not have. */
			msg_warn("pcre map %s, line %d: ignoring obsolete "
			    "regexp option \"%c\"", cp->map, cp->lineno, *p);
		} else {
			snprintf(cp->why, cp->whysz, "pcre map %s, line %d: "
			    "unknown regexp option \"%c\" is not supported "
			    "by smtpjail (Postfix would skip the rule; "
			    "pcre_table(5) flags are i, m, s, x, A, E, U, X)",
			    cp->map, cp->lineno, CK_PRINT(*p));
			return (-1);
		}
	}
	*pp = p;
	return (1);
}

/*
 * dict_regexp_get_pat(), dict_pcre_get_pattern(): 1 with *pp past the
 * flags, 0 (skipped with a warning) or -1 (an error, why[] set).
 */
static int
ck_get_pat(struct ck_parse *cp, char **pp, struct ck_pat *pat)
{
	char	*p = *pp, delim;

	pat->match = 1;
	for (;; p++) {
		if (*p == '!')
			pat->match = !pat->match;
		else if (!CK_SPACE(*p))
			break;
	}
	if (*p == '\0') {
		msg_warn("%s map %s, line %d: no regexp: skipping this rule",
		    cp->type, cp->map, cp->lineno);
		return (0);
	}
	delim = *p++;
	pat->re = p;
	for (; *p != '\0'; p++) {
		if (*p == '\\') {
			if (p[1] == '\0')
				break;
			p++;
		} else if (*p == delim) {
			break;
		}
	}
	if (*p == '\0') {
		msg_warn("%s map %s, line %d: no closing regexp delimiter "
		    "\"%c\": %s this rule", cp->type, cp->map, cp->lineno,
		    delim, cp->kind == IPC_CHK_K_PCRE ? "ignoring" :
		    "skipping");
		return (0);
	}
	*p++ = '\0';
	*pp = p;
	return (cp->kind == IPC_CHK_K_PCRE ? ck_pcre_flags(cp, pp, pat) :
	    ck_regexp_flags(cp, pp, pat));
}

/* Append to the template; -1 when it would not fit (an error). */
static int
ck_tpl_add(struct ck_parse *cp, char *tpl, size_t *len, const char *s,
    size_t n)
{
	if (*len + n > SJ_CHECK_ACTION_MAX) {
		snprintf(cp->why, cp->whysz, "%s map %s, line %d: "
		    "replacement text longer than %d bytes is not supported "
		    "by smtpjail", cp->type, cp->map, cp->lineno,
		    SJ_CHECK_ACTION_MAX);
		return (-1);
	}
	memcpy(tpl + *len, s, n);
	*len += n;
	tpl[*len] = '\0';
	return (0);
}

/*
 * mac_parse() with dict_regexp_prescan(): the template and the highest
 * $N. 1 done, 0 bad syntax (warned: Postfix skips the rule), -1 error.
 */
static int
ck_prescan(struct ck_parse *cp, const char *v, char *tpl,
    uint32_t *max_sub)
{
	const char *vp = v, *ep, *name;
	char	open, close, num[16];
	size_t	len = 0, nlen, i;
	unsigned long n;
	int	level;

	*max_sub = 0;
	tpl[0] = '\0';
	while (*vp != '\0') {
		if (*vp != '$') {
			if (ck_tpl_add(cp, tpl, &len, vp, 1) < 0)
				return (-1);
			vp++;
			continue;
		}
		if (vp[1] == '$') {
			if (ck_tpl_add(cp, tpl, &len, "$$", 2) < 0)
				return (-1);
			vp += 2;
			continue;
		}
		vp++;
		if (*vp == '(' || *vp == '{') {
			open = *vp;
			close = open == '(' ? ')' : '}';
			name = ++vp;
			for (level = 1, ep = vp; level > 0; ep++) {
				if (*ep == '\0') {
					msg_warn("truncated macro reference: "
					    "\"%s\"", v);
					return (0);
				}
				if (*ep == open)
					level++;
				if (*ep == close)
					level--;
			}
			nlen = (size_t)(ep - vp) - 1;
			vp = ep;
		} else {
			name = vp;
			for (ep = vp; CK_ALNUM(*ep) || *ep == '_'; ep++)
				;
			nlen = (size_t)(ep - vp);
			vp = ep;
		}
		if (nlen == 0) {
			msg_warn("empty macro name: \"%s\"", v);
			return (0);
		}
		for (i = 0; i < nlen; i++)
			if (!isdigit((unsigned char)name[i]))
				break;
		if (i < nlen) {
			msg_warn("%s map %s, line %d: non-numeric "
			    "replacement index \"%.*s\"", cp->type, cp->map,
			    cp->lineno, (int)nlen, name);
			return (0);
		}
		for (n = 0, i = 0; i < nlen && n <= IPC_CHK_SUB_MAX; i++)
			n = n * 10 + (unsigned long)(name[i] - '0');
		if (n < 1) {
			msg_warn("%s map %s, line %d: %s replacement "
			    "index \"%.*s\"", cp->type, cp->map, cp->lineno,
			    cp->kind == IPC_CHK_K_PCRE ? "out of range" :
			    "out-of-range", (int)nlen, name);
			return (0);
		}
		if (n > IPC_CHK_SUB_MAX) {
			snprintf(cp->why, cp->whysz, "%s map %s, line %d: "
			    "replacement index \"%.*s\" above %d is not "
			    "supported by smtpjail", cp->type, cp->map,
			    cp->lineno, (int)nlen, name, IPC_CHK_SUB_MAX);
			return (-1);
		}
		if (n > *max_sub)
			*max_sub = (uint32_t)n;
		snprintf(num, sizeof(num), "${%lu}", n);
		if (ck_tpl_add(cp, tpl, &len, num, strlen(num)) < 0)
			return (-1);
	}
	return (1);
}

/* A new rule at the end of the set, zeroed; NULL with why[] set. */
static struct ipc_check *
ck_new(struct ck_parse *cp, uint32_t op)
{
	struct checks_set *set = cp->set;
	struct ipc_check *v, *r;
	uint32_t size;

	if (set->n >= SJ_CHECKS_MAX) {
		snprintf(cp->why, cp->whysz, "%s map %s, line %d: more than "
		    "%d content-check rules in all are not supported by "
		    "smtpjail", cp->type, cp->map, cp->lineno, SJ_CHECKS_MAX);
		return (NULL);
	}
	if (set->n == set->size) {
		size = set->size ? set->size * 2 : 16;
		if ((v = realloc(set->v, size * sizeof(*v))) == NULL) {
			snprintf(cp->why, cp->whysz, "out of memory");
			return (NULL);
		}
		set->v = v;
		set->size = size;
	}
	r = &set->v[set->n];
	memset(r, 0, sizeof(*r));
	r->cls = cp->cls;
	r->table = cp->table;
	r->op = op;
	r->kind = cp->kind;
	r->lineno = (uint32_t)cp->lineno;
	return (r);
}

static int
ck_copy_pat(struct ck_parse *cp, char *dst, const char *re)
{
	if (strlen(re) > SJ_CHECK_PATTERN_MAX) {
		snprintf(cp->why, cp->whysz, "%s map %s, line %d: pattern "
		    "longer than %d bytes is not supported by smtpjail",
		    cp->type, cp->map, cp->lineno, SJ_CHECK_PATTERN_MAX);
		return (-1);
	}
	strcpy(dst, re);
	return (0);
}

/* /pat1/[!/pat2/] replacement: 0 (kept or skipped) or -1. */
static int
ck_match_rule(struct ck_parse *cp, char *p)
{
	struct ck_pat p1, p2;
	struct ipc_check *r;
	char	tpl[SJ_CHECK_ACTION_MAX + 1];
	uint32_t max_sub;
	size_t	nsub = 0;
	int	has2 = 0, rc;

	if ((rc = ck_get_pat(cp, &p, &p1)) <= 0)
		return (rc);
	/* Only a regexp: pattern's flags stop at '!'. */
	if (*p == '!') {
		if ((rc = ck_get_pat(cp, &p, &p2)) <= 0)
			return (rc);
		has2 = 1;
	}
	while (*p != '\0' && CK_SPACE(*p))
		p++;
	if (*p == '\0')
		msg_warn("%s map %s, line %d: no replacement text: using "
		    "empty string", cp->type, cp->map, cp->lineno);
	if ((rc = ck_prescan(cp, p, tpl, &max_sub)) <= 0) {
		if (rc < 0)
			return (-1);
		msg_warn("%s map %s, line %d: bad replacement syntax: "
		    "skipping this rule", cp->type, cp->map, cp->lineno);
		return (0);
	}
	if (max_sub > 0 && p1.match == 0) {
		msg_warn("%s map %s, line %d: $number found in negative "
		    "match replacement text: skipping this rule", cp->type,
		    cp->map, cp->lineno);
		return (0);
	}
	if (ck_compile(cp, &p1, max_sub == 0, &nsub) < 0)
		return (0);
	if (max_sub > nsub) {
		msg_warn("%s map %s, line %d: out of range replacement "
		    "index \"%d\": skipping this rule", cp->type, cp->map,
		    cp->lineno, (int)max_sub);
		return (0);
	}
	if (has2 && ck_compile(cp, &p2, 1, NULL) < 0)
		return (0);
	if ((r = ck_new(cp, IPC_CHK_OP_MATCH)) == NULL ||
	    ck_copy_pat(cp, r->pat1, p1.re) < 0 ||
	    (has2 && ck_copy_pat(cp, r->pat2, p2.re) < 0))
		return (-1);
	/* An empty pattern cannot travel (ipc_msg: empty = absent). */
	if (r->pat1[0] == '\0' || (has2 && r->pat2[0] == '\0')) {
		snprintf(cp->why, cp->whysz, "%s map %s, line %d: an "
		    "empty pattern is not supported by smtpjail (use /^/)",
		    cp->type, cp->map, cp->lineno);
		return (-1);
	}
	r->flags = (p1.match ? IPC_CHK_F_MATCH1 : 0) |
	    (has2 ? IPC_CHK_F_HAS2 : 0) |
	    (has2 && p2.match ? IPC_CHK_F_MATCH2 : 0);
	r->opts1 = p1.opts;
	r->opts2 = has2 ? p2.opts : 0;
	r->max_sub = max_sub;
	strcpy(r->repl, tpl);
	cp->set->n++;
	return (0);
}

static int
ck_if_rule(struct ck_parse *cp, char *p)
{
	struct ck_pat pat;
	struct ipc_check *r;
	int	*v, rc;

	p += 2;
	while (*p != '\0' && CK_SPACE(*p))
		p++;
	if ((rc = ck_get_pat(cp, &p, &pat)) <= 0)
		return (rc);
	while (*p != '\0' && CK_SPACE(*p))
		p++;
	if (*p != '\0') {
		msg_warn("%s map %s, line %d: ignoring extra text after "
		    "IF statement: \"%s\"", cp->type, cp->map, cp->lineno, p);
		msg_warn("%s map %s, line %d: do not prepend whitespace to "
		    "statements between IF and ENDIF", cp->type, cp->map,
		    cp->lineno);
	}
	if (ck_compile(cp, &pat, 1, NULL) < 0)
		return (0);
	if ((r = ck_new(cp, IPC_CHK_OP_IF)) == NULL ||
	    ck_copy_pat(cp, r->pat1, pat.re) < 0)
		return (-1);
	if (r->pat1[0] == '\0') {
		snprintf(cp->why, cp->whysz, "%s map %s, line %d: an "
		    "empty pattern is not supported by smtpjail (use /^/)",
		    cp->type, cp->map, cp->lineno);
		return (-1);
	}
	r->flags = pat.match ? IPC_CHK_F_MATCH1 : 0;
	r->opts1 = pat.opts;
	if (cp->nesting == cp->if_size) {
		if ((v = realloc(cp->if_lines, (size_t)(cp->if_size + 16) *
		    sizeof(*v))) == NULL) {
			snprintf(cp->why, cp->whysz, "out of memory");
			return (-1);
		}
		cp->if_lines = v;
		cp->if_size += 16;
	}
	cp->if_lines[cp->nesting++] = cp->lineno;
	cp->set->n++;
	return (0);
}

static int
ck_endif_rule(struct ck_parse *cp, char *p)
{
	p += 5;
	if (cp->nesting == 0) {
		msg_warn("%s map %s, line %d: ignoring ENDIF without "
		    "matching IF", cp->type, cp->map, cp->lineno);
		return (0);
	}
	while (*p != '\0' && CK_SPACE(*p))
		p++;
	if (*p != '\0')
		msg_warn("%s map %s, line %d: ignoring extra text after "
		    "ENDIF", cp->type, cp->map, cp->lineno);
	if (ck_new(cp, IPC_CHK_OP_ENDIF) == NULL)
		return (-1);
	cp->nesting--;
	cp->set->n++;
	return (0);
}

/* dict_regexp_parseline() on one logical line, trailing blanks gone. */
static int
ck_line(struct ck_parse *cp, char *p)
{
	if (!CK_ALNUM(*p))
		return (ck_match_rule(cp, p));
	if (strncasecmp(p, "IF", 2) == 0 && !CK_ALNUM(p[2]))
		return (ck_if_rule(cp, p));
	if (strncasecmp(p, "ENDIF", 5) == 0 && !CK_ALNUM(p[5]))
		return (ck_endif_rule(cp, p));
	msg_warn("%s map %s, line %d: ignoring unrecognized request",
	    cp->type, cp->map, cp->lineno);
	return (0);
}

/* A logical line is complete: trim it, parse it unless it is bad. */
static int
ck_logical(struct ck_parse *cp, char *line, size_t len)
{
	char	*end;

	line[len] = '\0';
	if (len == 0)
		return (0);
	if (CK_SPACE(line[0])) {
		msg_warn("%s: logical line must not start with whitespace: "
		    "\"%.30s%s\"", cp->map, line, len > 30 ? "..." : "");
		return (0);
	}
	/* Postfix's C strings end at a NUL byte. */
	end = line + strlen(line);
	while (end > line && CK_SPACE(end[-1]))
		end--;
	*end = '\0';
	if (*line == '\0')
		return (0);
	return (ck_line(cp, line));
}

int
checks_parse_buf(struct checks_set *set, const char *mapname,
    const char *buf, size_t len, uint32_t kind, uint32_t cls,
    uint32_t table, char *why, size_t whysz)
{
	struct ck_parse cp;
	const char *p = buf, *end = buf + len, *nl, *q;
	char	*lbuf;
	size_t	llen = 0, n;
	int	lineno = 0, first = 0, rc = 0;

	memset(&cp, 0, sizeof(cp));
	cp.set = set;
	cp.map = mapname;
	cp.cls = cls;
	cp.table = table;
	cp.kind = kind;
	cp.type = kind == IPC_CHK_K_PCRE ? "pcre" : "regexp";
	cp.why = why;
	cp.whysz = whysz;
	if ((lbuf = malloc(len + 1)) == NULL) {
		snprintf(why, whysz, "out of memory");
		return (-1);
	}
	while (p < end && rc == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		lineno++;
		for (q = p; q < p + n && CK_SPACE(*q); q++)
			;
		if (q < p + n && *q != '#') {
			/* Not blank, not a comment: new or continued. */
			if (llen > 0 && !CK_SPACE(*p)) {
				cp.lineno = first;
				rc = ck_logical(&cp, lbuf, llen);
				llen = 0;
			}
			if (llen == 0)
				first = lineno;
			memcpy(lbuf + llen, p, n);
			llen += n;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (rc == 0 && llen > 0) {
		cp.lineno = first;
		rc = ck_logical(&cp, lbuf, llen);
	}
	while (rc == 0 && cp.nesting-- > 0)
		msg_warn("%s map %s, line %d: IF has no matching ENDIF",
		    cp.type, mapname, cp.if_lines[cp.nesting]);
	free(cp.if_lines);
	free(lbuf);
	return (rc);
}

/* Read a whole table file (as root, before the chroot). */
static int
checks_read_file(const char *type, const char *path, char **bufp,
    size_t *lenp, char *why, size_t whysz)
{
	enum file_read_stage stage;
	int	rc;

	if ((rc = file_read(path, SJ_CHECK_FILE_MAX, bufp, lenp, NULL, NULL,
	    &stage)) == 0)
		return (0);
	if (rc == -EINVAL || rc == -EFBIG)
		snprintf(why, whysz, "%s:%s: not a regular file of at most "
		    "%lu bytes", type, path, (unsigned long)SJ_CHECK_FILE_MAX);
	else
		snprintf(why, whysz, "%s %s:%s: %s", stage == FILE_READ_OPEN ?
		    "open" : "read", type, path, file_read_strerror(rc));
	return (-1);
}

/* One parameter's list of tables, into 'set'. */
static int
checks_load_param(struct sj_config *cfg, struct checks_set *set,
    uint32_t cls, char *why, size_t whysz)
{
	const char *name = checks_params[cls], *value;
	char	**argv = NULL, *buf, *colon;
	size_t	len;
	uint32_t kind;
	int	argc = 0, i, rc = 0;

	why[0] = '\0';
	if ((value = sj_params_get(cfg->params, name, why, whysz)) == NULL) {
		if (why[0] != '\0')
			return (-1);
		value = "";		/* not set, no default: empty */
	}
	if (sj_list_split(value, &argv, &argc) < 0) {
		snprintf(why, whysz, "out of memory");
		return (-1);
	}
	if (argc > 0)
		cfg->child.checks_classes |= 1U << cls;
	for (i = 0; i < argc && rc == 0; i++) {
		/* Only the types whose patterns the child can match. */
		if (strncmp(argv[i], "regexp:", 7) == 0) {
			kind = IPC_CHK_K_REGEXP;
		} else if (strncmp(argv[i], "pcre:", 5) == 0) {
			kind = IPC_CHK_K_PCRE;
		} else {
			snprintf(why, whysz, "%s = %s is not supported by "
			    "smtpjail: %s: content checks read regexp: and "
			    "pcre: tables only (see README \"Parameters\")",
			    name, value, argv[i]);
			rc = -1;
			break;
		}
		colon = strchr(argv[i], ':');
		if ((rc = checks_read_file(kind == IPC_CHK_K_PCRE ? "pcre" :
		    "regexp", colon + 1, &buf, &len, why, whysz)) < 0)
			break;
		rc = checks_parse_buf(set, colon + 1, buf, len, kind, cls,
		    (uint32_t)i, why, whysz);
		free(buf);
	}
	sj_list_free(argv, argc);
	return (rc);
}

int
checks_load(struct sj_config *cfg, char *why, size_t whysz)
{
	struct checks_set set = { 0 };
	uint32_t cls;

	cfg->child.checks_classes = 0;
	for (cls = 0; cls < IPC_CHK_NCLASS; cls++) {
		if (checks_load_param(cfg, &set, cls, why, whysz) < 0) {
			checks_set_free(&set);
			return (-1);
		}
	}
	free(cfg->checks);
	cfg->checks = set.v;
	cfg->child.checks_count = set.n;
	return (0);
}

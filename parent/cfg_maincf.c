/*
 * NAME
 *	cfg_maincf 3
 * SUMMARY
 *	main.cf and -o name=value, read with Postfix's syntax
 * DESCRIPTION
 *	main.cf is read with Postfix's syntax (postconf(5); Postfix
 *	readllines()/split_nameval()): a physical line that starts
 *	with whitespace continues the logical line; empty, all-blank and
 *	'#' lines are skipped, also between continuation lines; '#'
 *	elsewhere is part of the value; "name = value" is trimmed; a later
 *	definition with a different value replaces the earlier one with
 *	the warning "FILE, line N: overriding earlier entry: name=old".
 *	sj_params_override() takes one "-o name=value" the same way.
 *	Values go into the store raw (sj_params_set(), parent/cfg_params.c).
 * SECURITY
 *	Parent, while root, before any sandbox. main.cf and -o are trusted
 *	configuration; the file and each logical line are still bounded
 *	(SJ_MAIN_CF_MAX, SJ_PARAM_VALUE_MAX).
 * SEE ALSO
 *	parent/cfg_params.c, postconf(5), Postfix global/mail_conf.c,
 *	util/readlline.c, util/split_nameval.c
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_dstr.h"
#include "cfg_params.h"
#include "file_read.h"

const char *
sj_params_split_nameval(char *buf, char **name, char **value)
{
	char	*np, *ep, *cp, *vp, *end;

	for (np = buf; *np && isspace((unsigned char)*np); np++)
		continue;
	if (*np == '\0' || *np == '=')
		return ("missing attribute name");
	for (ep = np; *ep && !isspace((unsigned char)*ep) && *ep != '='; ep++)
		continue;
	for (cp = ep; *cp && isspace((unsigned char)*cp); cp++)
		continue;
	if (*cp != '=')
		return ("missing '=' after attribute name");
	*ep = '\0';
	for (vp = cp + 1; *vp && isspace((unsigned char)*vp); vp++)
		continue;
	for (end = vp + strlen(vp); end > vp &&
	    isspace((unsigned char)end[-1]); end--)
		continue;
	*end = '\0';
	*name = np;
	*value = vp;
	return (NULL);
}

static void
warnf(sj_params_warn_fn fn, void *ctx, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warnf(sj_params_warn_fn fn, void *ctx, const char *fmt, ...)
{
	char	text[1024];
	va_list	ap;

	if (fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fn(ctx, text);
}

/* The physical line at *pos: [*start, *start+*len); advances *pos. */
static int
next_physical(const char *buf, size_t buflen, size_t *pos,
    const char **start, size_t *len)
{
	const char *nl;

	if (*pos >= buflen)
		return (0);
	*start = buf + *pos;
	nl = memchr(*start, '\n', buflen - *pos);
	*len = nl ? (size_t)(nl - *start) : buflen - *pos;
	*pos += *len + (nl ? 1 : 0);
	return (1);
}

static int
is_blank_or_comment(const char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len && isspace((unsigned char)s[i]); i++)
		continue;
	return (i == len || s[i] == '#');
}

static int
load_logical(struct sj_params *p, const char *label, int lineno,
    char *line, sj_params_warn_fn warn, void *ctx, char *why, size_t whysz)
{
	char	*name, *value;
	const char *err, *old;
	int	rc;

	if ((err = sj_params_split_nameval(line, &name, &value)) != NULL) {
		snprintf(why, whysz, "%s, line %d: %s: \"%.100s\"", label,
		    lineno, err, line);
		return (-EINVAL);
	}
	if ((old = sj_params_raw(p, name)) != NULL &&
	    sj_params_is_set(p, name) && strcmp(old, value) != 0)
		warnf(warn, ctx, "%s, line %d: overriding earlier entry: "
		    "%s=%.200s", label, lineno, name, old);
	if ((rc = sj_params_set(p, name, value)) < 0) {
		snprintf(why, whysz, "%s, line %d: parameter %s: %s", label,
		    lineno, name, rc == -E2BIG ? "value too long" :
		    strerror(-rc));
		return (rc);
	}
	return (0);
}

int
sj_params_load_buf(struct sj_params *p, const char *label, const char *buf,
    size_t len, sj_params_warn_fn warn, void *ctx, char *why, size_t whysz)
{
	struct sj_dstr lg;
	const char *ls;
	size_t	pos = 0, ll;
	int	lineno = 0, first = 0, rc = 0;

	if (len > SJ_MAIN_CF_MAX) {
		snprintf(why, whysz, "%s: larger than %d bytes", label,
		    SJ_MAIN_CF_MAX);
		return (-EFBIG);
	}
	if ((rc = dstr_init(&lg)) < 0) {
		snprintf(why, whysz, "%s: %s", label, strerror(-rc));
		return (rc);
	}
	while (next_physical(buf, len, &pos, &ls, &ll)) {
		lineno++;
		if (memchr(ls, '\0', ll) != NULL) {
			snprintf(why, whysz, "%s, line %d: NUL byte", label,
			    lineno);
			rc = -EINVAL;
			goto out;
		}
		if (is_blank_or_comment(ls, ll))
			continue;
		if (isspace((unsigned char)*ls)) {
			if (lg.len == 0) {
				/* Postfix skips it, with this warning. */
				warnf(warn, ctx, "%s: logical line must not "
				    "start with whitespace: \"%.30s%s\"",
				    label, ls, ll > 30 ? "..." : "");
				continue;
			}
			/* Continuation: newline dropped, blanks kept. */
			if ((rc = dstr_add(&lg, ls, ll)) < 0)
				goto toolong;
			continue;
		}
		if (lg.len > 0 && (rc = load_logical(p, label, first, lg.s,
		    warn, ctx, why, whysz)) < 0)
			goto out;
		lg.len = 0;
		lg.s[0] = '\0';
		first = lineno;
		if ((rc = dstr_add(&lg, ls, ll)) < 0)
			goto toolong;
	}
	if (lg.len > 0)
		rc = load_logical(p, label, first, lg.s, warn, ctx, why, whysz);
out:
	free(lg.s);
	return (rc);
toolong:
	if (rc == -E2BIG)
		snprintf(why, whysz, "%s, line %d: logical line longer than "
		    "%d bytes", label, first, SJ_PARAM_VALUE_MAX);
	else
		snprintf(why, whysz, "%s: %s", label, strerror(-rc));
	free(lg.s);
	return (rc);
}

int
sj_params_load_file(struct sj_params *p, const char *path,
    sj_params_warn_fn warn, void *ctx, char *why, size_t whysz)
{
	enum file_read_stage stage;
	char	*buf;
	size_t	len;
	int	rc;

	if ((rc = file_read(path, SJ_MAIN_CF_MAX, &buf, &len, NULL, NULL,
	    &stage)) < 0) {
		if (rc == -EFBIG)
			snprintf(why, whysz, "%s: larger than %d bytes", path,
			    SJ_MAIN_CF_MAX);
		else
			snprintf(why, whysz, "%s %s: %s", stage ==
			    FILE_READ_OPEN ? "open" : "read", path,
			    file_read_strerror(rc));
		return (rc);
	}
	rc = sj_params_load_buf(p, path, buf, len, warn, ctx, why, whysz);
	free(buf);
	return (rc);
}

int
sj_params_override(struct sj_params *p, const char *nameval, char *why,
    size_t whysz)
{
	char	*copy, *name, *value;
	const char *err;
	int	rc;

	if ((copy = strdup(nameval)) == NULL)
		return (-ENOMEM);
	if ((err = sj_params_split_nameval(copy, &name, &value)) != NULL) {
		snprintf(why, whysz, "invalid \"-o %.200s\" option value: %s",
		    nameval, err);
		free(copy);
		return (-EINVAL);
	}
	if ((rc = sj_params_set(p, name, value)) < 0)
		snprintf(why, whysz, "invalid \"-o %.200s\" option value: %s",
		    nameval, rc == -E2BIG ? "value too long" : strerror(-rc));
	free(copy);
	return (rc);
}

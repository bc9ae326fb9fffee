/*
 * NAME
 *	dict_inline 3
 * SUMMARY
 *	inline: tables, written in main.cf
 * DESCRIPTION
 *	"inline:{ key1=value1, { key2 = value with, commas } }", as
 *	Postfix's dict_inline.c reads it: the table is a list in braces;
 *	elements are separated by commas or white space; an element in
 *	its own braces may hold both; each element is "key=value" with
 *	white space around key and value removed. A fixed-string table
 *	(DICT_FLAG_FIXED); keys are folded with DICT_FLAG_FOLD_FIX.
 * SECURITY
 *	Parent, at start. The text comes from main.cf (trusted).
 * SEE ALSO
 *	parent/dict.c; Postfix src/util/dict_inline.c, mystrtok.c
 *	(behaviour, no code copied)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

/* Removes leading and trailing white space in place. */
static char *
dict_inline_trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return (s);
}

/* Next element; braces group. NULL at the end; *bad on imbalance. */
static char *
dict_inline_next(char **pp, int *bad)
{
	char	*p = *pp, *start;
	int	depth = 0;

	while (*p && (*p == ',' || isspace((unsigned char)*p)))
		p++;
	if (*p == '\0')
		return (NULL);
	start = p;
	for (; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth < 0)
			break;
		else if (depth == 0 && (*p == ',' ||
		    isspace((unsigned char)*p)))
			break;
	}
	if (depth != 0) {
		*bad = 1;
		return (NULL);
	}
	if (*p)
		*p++ = '\0';
	*pp = p;
	return (start);
}

int
dict_inline_open(struct dict *d, char *why, size_t whysz)
{
	char	*text, *p, *elem, *eq, *key, *val;
	size_t	len = strlen(d->name), tlen;
	int	bad = 0, err;

	d->flags |= DICT_FLAG_FIXED;
	d->lookup = dict_kv_lookup;
	if (len < 2 || d->name[0] != '{' || d->name[len - 1] != '}') {
		snprintf(why, whysz, "%s: bad syntax: \"%s\"; need "
		    "\"inline:{name=value...}\"", d->spec, d->spec);
		return (-EINVAL);
	}
	tlen = len - 2;
	if ((text = strndup(d->name + 1, tlen)) == NULL) {
		snprintf(why, whysz, "%s: out of memory", d->spec);
		return (-ENOMEM);
	}
	p = text;
	while ((elem = dict_inline_next(&p, &bad)) != NULL) {
		len = strlen(elem);
		if (elem[0] == '{') {
			if (len < 2 || elem[len - 1] != '}') {
				bad = 1;
				break;
			}
			elem[len - 1] = '\0';
			elem++;
		}
		if ((eq = strchr(elem, '=')) == NULL) {
			snprintf(why, whysz, "%s: bad syntax: need "
			    "\"name=value\" instead of \"%.100s\"", d->spec,
			    elem);
			goto fail;
		}
		*eq = '\0';
		key = dict_inline_trim(elem);
		val = dict_inline_trim(eq + 1);
		if (*key == '\0') {
			snprintf(why, whysz, "%s: bad syntax: empty key",
			    d->spec);
			goto fail;
		}
		if ((err = dict_kv_add(d, key, val)) < 0) {
			snprintf(why, whysz, "%s: %s", d->spec,
			    strerror(-err));
			goto fail;
		}
	}
	if (bad) {
		snprintf(why, whysz, "%s: bad syntax: unbalanced '{' or '}'",
		    d->spec);
		goto fail;
	}
	if (d->nkv == 0) {
		snprintf(why, whysz, "%s: bad syntax: empty table", d->spec);
		goto fail;
	}
	explicit_bzero(text, tlen);
	free(text);
	dict_kv_done(d);
	return (0);
fail:
	explicit_bzero(text, tlen);
	free(text);
	return (-EINVAL);
}

/*
 * NAME
 *	dict_static 3
 * SUMMARY
 *	static: tables: one value for every key
 * DESCRIPTION
 *	"static:value" answers value for any key, as Postfix's
 *	dict_static.c does; "static:{ text with spaces }" gives the text
 *	inside the braces without the white space at its ends. A
 *	fixed-string table.
 * SECURITY
 *	Parent, at start. The text comes from main.cf (trusted).
 * SEE ALSO
 *	parent/dict.c; Postfix src/util/dict_static.c (behaviour, no code
 *	copied)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

static int
dict_static_lookup(struct dict *d, const char *key, char *out,
    size_t outsz, char *why, size_t whysz)
{
	size_t	len = strlen(d->value);

	(void)key;
	if (len >= outsz) {
		snprintf(why, whysz, "%s: value longer than %zu bytes",
		    d->spec, outsz - 1);
		return (-ENOSPC);
	}
	memcpy(out, d->value, len + 1);
	return (1);
}

int
dict_static_open(struct dict *d, char *why, size_t whysz)
{
	const char *s = d->name;
	size_t	len = strlen(s);

	d->flags |= DICT_FLAG_FIXED;
	d->lookup = dict_static_lookup;
	if (s[0] == '{') {
		if (len < 2 || s[len - 1] != '}') {
			snprintf(why, whysz, "%s: bad syntax: \"%s\"; need "
			    "\"static:{value}\"", d->spec, d->spec);
			return (-EINVAL);
		}
		s++;
		len -= 2;
		while (len > 0 && isspace((unsigned char)*s)) {
			s++;
			len--;
		}
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
	}
	if ((d->value = strndup(s, len)) == NULL) {
		snprintf(why, whysz, "%s: out of memory", d->spec);
		return (-ENOMEM);
	}
	return (0);
}

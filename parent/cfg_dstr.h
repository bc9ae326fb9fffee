/*
 * NAME
 *	cfg_dstr.h 3h
 * SUMMARY
 *	the growable string of main.cf reading and $name expansion
 * DESCRIPTION
 *	Shared by parent/cfg_maincf.c (a logical line) and
 *	parent/cfg_expand.c (an expanded value): a NUL-terminated string
 *	that grows on demand up to SJ_PARAM_VALUE_MAX bytes (cfg_params.h);
 *	more is -E2BIG, an allocation failure -ENOMEM. The caller frees s.
 * SECURITY
 *	Parent, before any sandbox; the bound keeps a typing mistake in
 *	main.cf from exhausting memory.
 */
#ifndef CFG_DSTR_H
#define CFG_DSTR_H

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_params.h"

/* Growable string, bounded by SJ_PARAM_VALUE_MAX. */
struct sj_dstr {
	char	*s;
	size_t	len;
	size_t	cap;
};

static inline int
dstr_add(struct sj_dstr *d, const char *s, size_t n)
{
	char	*ns;
	size_t	ncap;

	if (n > SJ_PARAM_VALUE_MAX || d->len + n > SJ_PARAM_VALUE_MAX)
		return (-E2BIG);
	if (d->len + n + 1 > d->cap) {
		ncap = d->cap ? d->cap : 64;
		while (ncap < d->len + n + 1)
			ncap *= 2;
		if ((ns = realloc(d->s, ncap)) == NULL)
			return (-ENOMEM);
		d->s = ns;
		d->cap = ncap;
	}
	memcpy(d->s + d->len, s, n);
	d->len += n;
	d->s[d->len] = '\0';
	return (0);
}

static inline int
dstr_init(struct sj_dstr *d)
{
	d->s = NULL;
	d->len = d->cap = 0;
	return (dstr_add(d, "", 0));
}

#endif

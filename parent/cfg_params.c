/*
 * NAME
 *	cfg_params 3
 * SUMMARY
 *	Postfix-style parameter store: layers, lookup, typed getters
 * DESCRIPTION
 *	Holds every parameter the parent may read, in three layers: the
 *	built-in defaults of Postfix 3.7 (postconf -d of Debian 3.7.11)
 *	plus smtpjail's own (the table of parent/cfg_defaults.c), and
 *	explicit values from main.cf or -o (read by parent/cfg_maincf.c).
 *
 *	Values are kept raw and expanded when read (sj_params_get(), with
 *	parent/cfg_expand.c, which does what Postfix's mac_expand() does);
 *	an expansion is cached until the next change of any value.
 *
 *	Typed getters convert as Postfix does: booleans yes/no in any case
 *	(else "bad boolean configuration: name = value"), integers in
 *	decimal with a range, times as an integer plus one unit letter
 *	s m h d w where only the first character after the digits counts
 *	("10sec" is 10 seconds), lists split on commas and whitespace.
 * SECURITY
 *	Parent, while root, before any sandbox. main.cf and -o are trusted
 *	configuration; every value is still bounded (SJ_MAIN_CF_MAX,
 *	SJ_PARAM_VALUE_MAX, SJ_PARAM_NEST_MAX) so that a typing mistake
 *	cannot exhaust memory or the stack.
 * SEE ALSO
 *	parent/config.c, parent/cfg_defaults.c, parent/cfg_maincf.c,
 *	parent/cfg_expand.c, postconf(5), Postfix global/mail_conf.c,
 *	global/conv_time.c, global/mail_params.h, smtp/smtp_params.c
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_defaults.h"
#include "cfg_params.h"

struct sj_param {
	char	*name;
	char	*value;			/* main.cf or -o, or NULL */
	char	*dflt;			/* default or NULL */
	char	*expanded;		/* cache of the expanded value */
};

struct sj_params {
	struct sj_param *v;
	size_t	n;
	size_t	cap;
	int	cached;			/* some .expanded may be set */
	size_t	*slot;			/* hash index: v[] position + 1, 0 free */
	size_t	nslot;			/* power of two, > 2 * cap */
};

#define CHARS_COMMA_SP	", \t\r\n"

/* FNV-1a over the name: the index behind param_find(). */
static size_t
param_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name != '\0'; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return (h);
}

static void
param_index_put(struct sj_params *p, size_t i)
{
	size_t	k = param_hash(p->v[i].name) & (p->nslot - 1);

	while (p->slot[k] != 0)
		k = (k + 1) & (p->nslot - 1);
	p->slot[k] = i + 1;
}

/* (Re)build the index for the current capacity; -ENOMEM leaves it as is. */
static int
param_index_build(struct sj_params *p)
{
	size_t	nslot = 256, *slot, i;

	while (nslot <= 2 * p->cap)
		nslot *= 2;
	if ((slot = calloc(nslot, sizeof(*slot))) == NULL)
		return (-ENOMEM);
	free(p->slot);
	p->slot = slot;
	p->nslot = nslot;
	for (i = 0; i < p->n; i++)
		param_index_put(p, i);
	return (0);
}

static struct sj_param *
param_find(const struct sj_params *p, const char *name)
{
	size_t	k, i;

	if (p->nslot == 0)
		return (NULL);
	for (k = param_hash(name) & (p->nslot - 1); (i = p->slot[k]) != 0;
	    k = (k + 1) & (p->nslot - 1))
		if (strcmp(p->v[i - 1].name, name) == 0)
			return (&p->v[i - 1]);
	return (NULL);
}

static struct sj_param *
param_find_or_add(struct sj_params *p, const char *name)
{
	struct sj_param *e, *nv;
	size_t	ncap;

	if ((e = param_find(p, name)) != NULL)
		return (e);
	if (p->n == p->cap) {
		ncap = p->cap ? p->cap * 2 : 128;
		if ((nv = realloc(p->v, ncap * sizeof(*nv))) == NULL)
			return (NULL);
		p->v = nv;
		p->cap = ncap;
		if (param_index_build(p) < 0)
			return (NULL);
	}
	e = &p->v[p->n];
	memset(e, 0, sizeof(*e));
	if ((e->name = strdup(name)) == NULL)
		return (NULL);
	param_index_put(p, p->n);
	p->n++;
	return (e);
}

/* Any change may alter any expansion: forget them all. */
static void
params_uncache(struct sj_params *p)
{
	size_t	i;

	if (!p->cached)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].expanded);
		p->v[i].expanded = NULL;
	}
	p->cached = 0;
}

static int
param_store(struct sj_params *p, const char *name, const char *value,
    int is_default)
{
	struct sj_param *e;
	char	*copy;

	if (name == NULL || *name == '\0' || value == NULL)
		return (-EINVAL);
	if (strlen(value) > SJ_PARAM_VALUE_MAX)
		return (-E2BIG);
	if ((e = param_find_or_add(p, name)) == NULL)
		return (-ENOMEM);
	if ((copy = strdup(value)) == NULL)
		return (-ENOMEM);
	if (is_default) {
		free(e->dflt);
		e->dflt = copy;
	} else {
		free(e->value);
		e->value = copy;
	}
	params_uncache(p);
	return (0);
}

struct sj_params *
sj_params_new(void)
{
	struct sj_params *p;
	size_t	i;

	/*
	 * The table holds each name once (test_cfg_params checks it), so the
	 * defaults are appended without a search: building the set is linear
	 * rather than quadratic in the table's ~220 rows.
	 */
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	if ((p->v = calloc(sj_param_ndefaults, sizeof(*p->v))) == NULL) {
		free(p);
		return (NULL);
	}
	p->cap = sj_param_ndefaults;
	for (i = 0; i < sj_param_ndefaults; i++) {
		p->v[i].name = strdup(sj_param_defaults[i].name);
		p->v[i].dflt = strdup(sj_param_defaults[i].value);
		p->n = i + 1;
		if (p->v[i].name == NULL || p->v[i].dflt == NULL) {
			sj_params_free(p);
			return (NULL);
		}
	}
	if (param_index_build(p) < 0) {
		sj_params_free(p);
		return (NULL);
	}
	return (p);
}

void
sj_params_free(struct sj_params *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++) {
		free(p->v[i].name);
		free(p->v[i].value);
		free(p->v[i].dflt);
		free(p->v[i].expanded);
	}
	free(p->v);
	free(p->slot);
	free(p);
}

int
sj_params_set(struct sj_params *p, const char *name, const char *value)
{
	return (param_store(p, name, value, 0));
}

int
sj_params_set_default(struct sj_params *p, const char *name,
    const char *value)
{
	return (param_store(p, name, value, 1));
}

int
sj_params_is_set(const struct sj_params *p, const char *name)
{
	const struct sj_param *e = param_find(p, name);

	return (e != NULL && e->value != NULL);
}

const char *
sj_params_raw(const struct sj_params *p, const char *name)
{
	const struct sj_param *e = param_find(p, name);

	if (e == NULL)
		return (NULL);
	return (e->value ? e->value : e->dflt);
}

const char *
sj_params_nth(const struct sj_params *p, size_t i, int *is_set,
    int *has_default)
{
	if (i >= p->n)
		return (NULL);
	if (is_set != NULL)
		*is_set = p->v[i].value != NULL;
	if (has_default != NULL)
		*has_default = p->v[i].dflt != NULL;
	return (p->v[i].name);
}

const char *
sj_params_get(struct sj_params *p, const char *name, char *why,
    size_t whysz)
{
	struct sj_param *e = param_find(p, name);
	const char *raw;
	char	inner[512];

	if (whysz)
		why[0] = '\0';
	if (e == NULL || (raw = e->value ? e->value : e->dflt) == NULL)
		return (NULL);
	if (e->expanded != NULL)
		return (e->expanded);
	inner[0] = '\0';
	if (sj_params_expand(p, raw, &e->expanded, inner,
	    sizeof(inner)) < 0) {
		snprintf(why, whysz, "parameter %s: %s", name, inner);
		return (NULL);
	}
	p->cached = 1;
	return (e->expanded);
}

/*
 * Typed getters.
 */

int
sj_params_get_str(struct sj_params *p, const char *name, const char **out,
    char *why, size_t whysz)
{
	if ((*out = sj_params_get(p, name, why, whysz)) != NULL)
		return (0);
	if (whysz && why[0] == '\0')
		snprintf(why, whysz, "parameter %s: no value and no default",
		    name);
	return (-EINVAL);
}

/*
 * A copy of the parameter's value in *out (the old copy freed), for a
 * module that keeps it beyond the parameter table.
 */
int
sj_params_dup_str(struct sj_params *p, const char *name, char **out,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	free(*out);
	if ((*out = strdup(v)) == NULL) {
		snprintf(why, whysz, "parameter %s: out of memory", name);
		return (-ENOMEM);
	}
	return (0);
}

int
sj_params_get_bool(struct sj_params *p, const char *name, int *out,
    char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	if (strcasecmp(v, "yes") == 0)
		*out = 1;
	else if (strcasecmp(v, "no") == 0)
		*out = 0;
	else {
		snprintf(why, whysz, "bad boolean configuration: %s = %.100s "
		    "(expected yes or no)", name, v);
		return (-EINVAL);
	}
	return (0);
}

static int
check_range(const char *name, long v, long min, long max, char *why,
    size_t whysz)
{
	if (v < min) {
		snprintf(why, whysz, "invalid %s: %ld (min %ld)", name, v,
		    min);
		return (-ERANGE);
	}
	if (v > max) {
		snprintf(why, whysz, "invalid %s: %ld (max %ld)", name, v,
		    max);
		return (-ERANGE);
	}
	return (0);
}

int
sj_params_get_int(struct sj_params *p, const char *name, long min, long max,
    long *out, char *why, size_t whysz)
{
	const char *v;
	char	*end;
	long	n;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	errno = 0;
	n = strtol(v, &end, 10);
	if (*v == '\0' || *end != '\0' || errno == ERANGE ||
	    n < INT_MIN || n > INT_MAX) {
		snprintf(why, whysz, "bad numerical configuration: %s = %.100s",
		    name, v);
		return (-EINVAL);
	}
	if ((rc = check_range(name, n, min, max, why, whysz)) < 0)
		return (rc);
	*out = n;
	return (0);
}

int
sj_conv_time(const char *text, int def_unit, long *secs)
{
	char	*end;
	long	n, mult;

	errno = 0;
	n = strtol(text, &end, 10);
	if (*text == '\0' || end == text || errno == ERANGE || n < 0 ||
	    n > INT_MAX)
		return (-EINVAL);
	/* Only the first character after the digits counts ("10sec"). */
	switch (*end ? *end : def_unit) {
	case 'w':
		mult = 7 * 24 * 3600;
		break;
	case 'd':
		mult = 24 * 3600;
		break;
	case 'h':
		mult = 3600;
		break;
	case 'm':
		mult = 60;
		break;
	case 's':
		mult = 1;
		break;
	default:
		return (-EINVAL);
	}
	if (n >= INT_MAX / mult && mult > 1)
		return (-EINVAL);
	*secs = n * mult;
	return (0);
}

int
sj_params_get_time(struct sj_params *p, const char *name, int def_unit,
    long min, long max, long *out, char *why, size_t whysz)
{
	const char *v;
	long	secs;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	if (sj_conv_time(v, def_unit, &secs) < 0) {
		snprintf(why, whysz, "parameter %s: bad time value or unit: "
		    "%.100s", name, v);
		return (-EINVAL);
	}
	if ((rc = check_range(name, secs, min, max, why, whysz)) < 0)
		return (rc);
	*out = secs;
	return (0);
}

void
sj_list_free(char **argv, int argc)
{
	int	i;

	if (argv == NULL)
		return;
	for (i = 0; i < argc; i++)
		free(argv[i]);
	free(argv);
}

int
sj_list_split(const char *text, char ***argvp, int *argcp)
{
	char	**argv = NULL, **nv;
	const char *cp = text;
	size_t	n;
	int	argc = 0;

	*argvp = NULL;
	*argcp = 0;
	for (;;) {
		cp += strspn(cp, CHARS_COMMA_SP);
		if (*cp == '\0')
			break;
		n = strcspn(cp, CHARS_COMMA_SP);
		if ((nv = realloc(argv, (size_t)(argc + 2) * sizeof(*nv))) ==
		    NULL)
			goto nomem;
		argv = nv;
		if ((argv[argc] = strndup(cp, n)) == NULL)
			goto nomem;
		argv[++argc] = NULL;
		cp += n;
	}
	if (argv == NULL && (argv = calloc(1, sizeof(*argv))) == NULL)
		return (-ENOMEM);
	*argvp = argv;
	*argcp = argc;
	return (0);
nomem:
	sj_list_free(argv, argc);
	return (-ENOMEM);
}

int
sj_params_get_list(struct sj_params *p, const char *name, char ***argv,
    int *argc, char *why, size_t whysz)
{
	const char *v;
	int	rc;

	if ((rc = sj_params_get_str(p, name, &v, why, whysz)) < 0)
		return (rc);
	if ((rc = sj_list_split(v, argv, argc)) < 0)
		snprintf(why, whysz, "parameter %s: %s", name, strerror(-rc));
	return (rc);
}

/*
 * NAME
 *	dict 3
 * SUMMARY
 *	Postfix lookup tables in the parent: dispatcher and table lists
 * DESCRIPTION
 *	dict_open() splits "type:name" at the first colon and hands the
 *	table to its type: inline:, static:, texthash: are read here
 *	(Postfix's dict_inline.c, dict_static.c, dict_thash.c semantics);
 *	hash:, btree:, lmdb:, cdb: files built by postmap(1) are opened
 *	with the libraries Debian's Postfix uses (parent/dict_db.c,
 *	dict_lmdb.c, dict_cdb.c), at start and as root, as stock smtp(8)
 *	opens its tables before it drops privileges, so that a root-only
 *	sasl_passwd.db works; proxy:TYPE:NAME goes to proxymap(8)
 *	(parent/dict_proxy.c), which gives every other type Postfix has
 *	with Postfix's own code. Every other type is refused with a
 *	reason that names the form that works.

 *	Lookups follow Postfix: a fixed-string table (DICT_FLAG_FIXED)
 *	folds the key to lower case when the requestor asks with
 *	DICT_FLAG_FOLD_FIX (Postfix's dict_get() with a fold buffer); a
 *	pattern table (DICT_FLAG_PATTERN) sees the key as given.
 *	dict_maps_*() is Postfix's maps_create()/maps_find() over a list of
 *	tables, and dict_maps_find_addr() the search order of
 *	mail_addr_find() (src/global/mail_addr_find.c): user+ext@domain in
 *	every table, then, in fixed-string tables only, user@domain,
 *	user+ext and user when the domain is local, and @domain.
 *
 *	dict_changed() is Postfix's "table has changed" test: a file-based
 *	table whose file was modified or replaced since it was opened
 *	makes the process exit after the current job, so that master(8)
 *	starts one that reads the new contents.
 * SECURITY
 *	Parent. Table names and native table contents come from main.cf
 *	and root-owned files (trusted). Keys come from the delivery
 *	request (qmgr, trusted) or from the parent's own decisions; they
 *	are bounded (DICT_KEY_MAX) before a lookup. Values are copied into
 *	the caller's bounded buffer or refused.
 * SEE ALSO
 *	parent/dict_inline.c, dict_static.c, dict_texthash.c,
 *	dict_db.c, dict_lmdb.c, dict_cdb.c, dict_file.c, dict_proxy.c; Postfix src/util/dict.c, dict_open.c,
 *	src/global/maps.c, mail_addr_find.c (behaviour, no code copied)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dict.h"
#include "msg.h"

/* Types smtpjail opens itself, and the ones it knows to refuse. */
static const struct dict_type {
	const char *type;
	int	(*open)(struct dict *, char *, size_t);
} dict_types[] = {
	{ "inline", dict_inline_open },
	{ "static", dict_static_open },
	{ "texthash", dict_texthash_open },
	{ "hash", dict_db_open },
	{ "btree", dict_db_open },
	{ "lmdb", dict_lmdb_open },
	{ "cdb", dict_cdb_open },
	{ "proxy", dict_proxy_open },
};

/* Indexed files Debian's Postfix does not build (postconf -m lists
 * neither): texthash: reads the source file, the same "key value"
 * lines postmap(1) reads. */
static const char *const dict_db_types[] = {
	"dbm", "sdbm",
};

void
dict_fold(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
dict_type_refused(const char *type, const char *name, const char *param,
    char *why, size_t whysz)
{
	size_t	i;

	for (i = 0; i < sizeof(dict_db_types) / sizeof(dict_db_types[0]); i++)
		if (strcmp(type, dict_db_types[i]) == 0) {
			snprintf(why, whysz, "%s: table type \"%s:\" is not "
			    "supported by smtpjail; use texthash:%s (the "
			    "same source file, read as root at start) or "
			    "proxy:%s:%s (listed in proxy_read_maps)",
			    param, type, name, type, name);
			return (-EINVAL);
		}
	snprintf(why, whysz, "%s: table type \"%s:\" is not supported by "
	    "smtpjail; use proxy:%s:%s (listed in proxy_read_maps), or an "
	    "inline:, static: or texthash: table", param, type, type, name);
	return (-EINVAL);
}

struct dict *
dict_open(const char *spec, const char *param, int flags,
    const struct dict_env *env, char *why, size_t whysz)
{
	struct dict *d;
	const char *colon;
	size_t	i;
	int	err;

	if (spec == NULL || strlen(spec) > DICT_SPEC_MAX) {
		snprintf(why, whysz, "%s: table name too long", param);
		return (NULL);
	}
	if ((colon = strchr(spec, ':')) == NULL || colon == spec ||
	    colon[1] == '\0') {
		/* Postfix: "need dictionary_type:dictionary_name". */
		snprintf(why, whysz, "%s: open dictionary: expecting "
		    "\"type:name\" form instead of \"%s\"", param, spec);
		return (NULL);
	}
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->spec = strdup(spec)) == NULL ||
	    (d->type = strndup(spec, (size_t)(colon - spec))) == NULL ||
	    (d->name = strdup(colon + 1)) == NULL) {
		snprintf(why, whysz, "%s: out of memory", param);
		dict_close(d);
		return (NULL);
	}
	d->stat_fd = -1;
	d->flags = flags & ~DICT_FLAG_IMPL_MASK;
	d->env = env;
	for (i = 0; i < sizeof(dict_types) / sizeof(dict_types[0]); i++)
		if (strcmp(d->type, dict_types[i].type) == 0)
			break;
	if (i == sizeof(dict_types) / sizeof(dict_types[0])) {
		(void)dict_type_refused(d->type, d->name, param, why, whysz);
		dict_close(d);
		return (NULL);
	}
	if ((err = dict_types[i].open(d, why, whysz)) < 0) {
		dict_close(d);
		return (NULL);
	}
	return (d);
}

void
dict_close(struct dict *d)
{
	size_t	i;

	if (d == NULL)
		return;
	if (d->close != NULL)
		d->close(d);
	for (i = 0; i < d->nkv; i++) {
		free(d->kv[i].key);
		if (d->kv[i].value != NULL) {
			/* A value may be a password. */
			explicit_bzero(d->kv[i].value, strlen(d->kv[i].value));
			free(d->kv[i].value);
		}
	}
	free(d->kv);
	if (d->value != NULL) {
		explicit_bzero(d->value, strlen(d->value));
		free(d->value);
	}
	if (d->stat_fd >= 0)
		(void)close(d->stat_fd);
	free(d->spec);
	free(d->type);
	free(d->name);
	free(d);
}

int
dict_get(struct dict *d, const char *key, char *out, size_t outsz,
    char *why, size_t whysz)
{
	char	folded[DICT_KEY_MAX + 1];
	size_t	len;

	if (outsz == 0)
		return (-ENOSPC);
	*out = '\0';
	if ((len = strlen(key)) > DICT_KEY_MAX) {
		snprintf(why, whysz, "%s: lookup key longer than %d bytes",
		    d->spec, DICT_KEY_MAX);
		return (-EINVAL);
	}
	/* dict.c: a fixed-string table folds with FOLD_FIX, a pattern
	 * table with FOLD_MUL. proxymap folds on its side from the
	 * request flags, so only native tables fold here. */
	memcpy(folded, key, len + 1);
	if (strcmp(d->type, "proxy") != 0 &&
	    (((d->flags & DICT_FLAG_FIXED) &&
	    (d->flags & DICT_FLAG_FOLD_FIX)) ||
	    ((d->flags & DICT_FLAG_PATTERN) &&
	    (d->flags & DICT_FLAG_FOLD_MUL))))
		dict_fold(folded);
	return (d->lookup(d, folded, out, outsz, why, whysz));
}

int
dict_changed(const struct dict *d)
{
	struct stat st;

	if (d->stat_fd < 0)
		return (0);
	if (fstat(d->stat_fd, &st) < 0)
		return (1);
	/* Modified in place, or unlinked/renamed over (the open file is
	 * then the old one: no links left). */
	return (st.st_mtim.tv_sec != d->mtime.tv_sec ||
	    st.st_mtim.tv_nsec != d->mtime.tv_nsec || st.st_nlink == 0);
}

/* ------------------------------------------------------------------ */
/* Native key/value store                                              */

int
dict_kv_add(struct dict *d, const char *key, const char *value)
{
	struct dict_kv *n;

	if (d->nkv >= DICT_ENTRIES_MAX)
		return (-E2BIG);
	if ((n = realloc(d->kv, (d->nkv + 1) * sizeof(*n))) == NULL)
		return (-ENOMEM);
	d->kv = n;
	n[d->nkv].key = strdup(key);
	n[d->nkv].value = strdup(value);
	if (n[d->nkv].key == NULL || n[d->nkv].value == NULL) {
		free(n[d->nkv].key);
		free(n[d->nkv].value);
		return (-ENOMEM);
	}
	if ((d->flags & DICT_FLAG_FOLD_FIX) != 0)
		dict_fold(n[d->nkv].key);
	n[d->nkv].seq = d->nkv;
	d->nkv++;
	return (0);
}

static int
dict_kv_cmp(const void *a, const void *b)
{
	const struct dict_kv *x = a, *y = b;
	int	c = strcmp(x->key, y->key);

	if (c != 0)
		return (c);
	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

void
dict_kv_done(struct dict *d)
{
	size_t	i, j;

	if (d->nkv == 0)
		return;
	/* Sorted by key, then by insertion: the first of duplicates
	 * stays, as Postfix keeps the first entry of a texthash: file. */
	qsort(d->kv, d->nkv, sizeof(*d->kv), dict_kv_cmp);
	for (i = 1, j = 0; i < d->nkv; i++) {
		if (strcmp(d->kv[i].key, d->kv[j].key) == 0) {
			/* dict_thash.c warns and keeps the first. */
			msg_warn("%s: duplicate entry: \"%.100s\"", d->spec,
			    d->kv[i].key);
			free(d->kv[i].key);
			explicit_bzero(d->kv[i].value,
			    strlen(d->kv[i].value));
			free(d->kv[i].value);
			continue;
		}
		d->kv[++j] = d->kv[i];
	}
	d->nkv = j + 1;
}

static int
dict_kv_key_cmp(const void *k, const void *e)
{
	return (strcmp(k, ((const struct dict_kv *)e)->key));
}

int
dict_kv_lookup(struct dict *d, const char *key, char *out, size_t outsz,
    char *why, size_t whysz)
{
	const struct dict_kv *e;
	size_t	len;

	if (d->nkv == 0 || (e = bsearch(key, d->kv, d->nkv, sizeof(*d->kv),
	    dict_kv_key_cmp)) == NULL)
		return (0);
	if ((len = strlen(e->value)) >= outsz) {
		snprintf(why, whysz, "%s: value of \"%.100s\" longer than %zu "
		    "bytes", d->spec, key, outsz - 1);
		return (-ENOSPC);
	}
	memcpy(out, e->value, len + 1);
	return (1);
}

/* ------------------------------------------------------------------ */
/* Lists of tables                                                     */

/*
 * Next element of a main.cf list: separators are commas and white
 * space, and a {...} group (an inline: table) stays whole, as
 * Postfix's mystrtokq() does. Returns the length, 0 at the end, or -1
 * for an unbalanced brace.
 */
static long
dict_list_next(const char **pp, const char **start)
{
	const char *p = *pp;
	int	depth = 0;

	while (*p && (*p == ',' || isspace((unsigned char)*p)))
		p++;
	*start = p;
	for (; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth < 0)
			return (-1);
		else if (depth == 0 && (*p == ',' ||
		    isspace((unsigned char)*p)))
			break;
	}
	if (depth != 0)
		return (-1);
	*pp = p;
	return ((long)(p - *start));
}

struct dict_maps *
dict_maps_open(const char *param, const char *list, int flags,
    const struct dict_env *env, char *why, size_t whysz)
{
	struct dict_maps *m;
	const char *p = list, *start;
	char	spec[DICT_SPEC_MAX + 1];
	long	len;

	if ((m = calloc(1, sizeof(*m))) == NULL ||
	    (m->param = strdup(param)) == NULL) {
		snprintf(why, whysz, "%s: out of memory", param);
		free(m);
		return (NULL);
	}
	while ((len = dict_list_next(&p, &start)) != 0) {
		if (len < 0) {
			snprintf(why, whysz, "%s: unbalanced '{' or '}' in "
			    "\"%.200s\"", param, list);
			goto bad;
		}
		if (len > DICT_SPEC_MAX) {
			snprintf(why, whysz, "%s: table name too long", param);
			goto bad;
		}
		if (m->ndict >= DICT_MAPS_MAX) {
			snprintf(why, whysz, "%s: more than %d tables", param,
			    DICT_MAPS_MAX);
			goto bad;
		}
		memcpy(spec, start, (size_t)len);
		spec[len] = '\0';
		if ((m->dict[m->ndict] = dict_open(spec, param, flags, env,
		    why, whysz)) == NULL)
			goto bad;
		m->ndict++;
	}
	return (m);
bad:
	dict_maps_close(m);
	return (NULL);
}

void
dict_maps_close(struct dict_maps *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->ndict; i++)
		dict_close(m->dict[i]);
	free(m->param);
	free(m);
}

int
dict_maps_find(struct dict_maps *m, const char *key, int flags, char *out,
    size_t outsz, char *why, size_t whysz)
{
	size_t	i;
	int	rc;

	if (*key == '\0')
		return (0);
	for (i = 0; i < m->ndict; i++) {
		if (flags != 0 && (m->dict[i]->flags & flags) == 0)
			continue;
		rc = dict_get(m->dict[i], key, out, outsz, why, whysz);
		if (rc != 0) {
			/* maps.c: "%s:%s lookup error for \"%s\"" */
			if (rc < 0 && rc != -ENOSPC)
				msg_warn("%s lookup error for \"%.100s\"",
				    m->dict[i]->spec, key);
			return (rc);
		}
	}
	return (0);
}

int
dict_maps_find_addr(struct dict_maps *m, const char *addr,
    const char *delim, int (*is_local)(const char *, void *), void *ctx,
    char *out, size_t outsz, char *why, size_t whysz)
{
	char	key[DICT_KEY_MAX + 1], user[DICT_KEY_MAX + 1];
	const char *at, *domain;
	size_t	ulen, blen;
	int	rc, local;

	if (strlen(addr) > DICT_KEY_MAX) {
		snprintf(why, whysz, "%s: address longer than %d bytes",
		    m->param, DICT_KEY_MAX);
		return (-EINVAL);
	}
	/* 1. The whole address, in every table (patterns too). */
	if ((rc = dict_maps_find(m, addr, 0, out, outsz, why, whysz)) != 0)
		return (rc);
	at = strrchr(addr, '@');
	ulen = at != NULL ? (size_t)(at - addr) : strlen(addr);
	domain = at != NULL ? at + 1 : NULL;
	memcpy(user, addr, ulen);
	user[ulen] = '\0';
	/* The base of user+ext: up to the first delimiter character. */
	blen = delim != NULL && *delim ? strcspn(user, delim) : ulen;
	if (blen == 0)
		blen = ulen;		/* "+foo": no base, no extension */

	/* 2. user@domain without the extension (fixed tables only). */
	if (domain != NULL && blen < ulen) {
		snprintf(key, sizeof(key), "%.*s@%s", (int)blen, user, domain);
		if ((rc = dict_maps_find(m, key, DICT_FLAG_FIXED, out, outsz,
		    why, whysz)) != 0)
			return (rc);
	}
	/* 3. user+ext, then user, when the domain is ours (or absent:
	 * "an address of the form user matches itself"). */
	local = domain == NULL || (is_local != NULL && is_local(domain, ctx));
	if (local) {
		if (domain != NULL && (rc = dict_maps_find(m, user,
		    DICT_FLAG_FIXED, out, outsz, why, whysz)) != 0)
			return (rc);
		if (blen < ulen) {
			snprintf(key, sizeof(key), "%.*s", (int)blen, user);
			if ((rc = dict_maps_find(m, key, DICT_FLAG_FIXED, out,
			    outsz, why, whysz)) != 0)
				return (rc);
		}
	}
	/* 4. @domain. */
	if (domain != NULL) {
		snprintf(key, sizeof(key), "@%s", domain);
		if ((rc = dict_maps_find(m, key, DICT_FLAG_FIXED, out, outsz,
		    why, whysz)) != 0)
			return (rc);
	}
	return (0);
}

const char *
dict_maps_changed(const struct dict_maps *m)
{
	size_t	i;

	if (m == NULL)
		return (NULL);
	for (i = 0; i < m->ndict; i++)
		if (dict_changed(m->dict[i]))
			return (m->dict[i]->spec);
	return (NULL);
}

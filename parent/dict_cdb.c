/*
 * NAME
 *	dict_cdb 3
 * SUMMARY
 *	cdb: tables (constant databases made by postmap(1))
 * DESCRIPTION
 *	"cdb:NAME" reads NAME.cdb with tinycdb, the library of Debian's
 *	postfix-cdb, read-only, opened at start. postmap(1) replaces a
 *	cdb file by renaming a new one over it, so the open file never
 *	changes under a reader and no lock is taken (Postfix's
 *	dict_cdb.c takes none); the rename is what dict_changed() sees.
 *	Keys follow Postfix: folded by DICT_FLAG_FOLD_FIX, tried with and
 *	without the terminating NUL.
 * SECURITY
 *	Parent, opened as root at start. The file is written by root
 *	with postmap(1) and is trusted as main.cf is. tinycdb checks
 *	each position against the mapped file's size; values are copied
 *	into the caller's bounded buffer.
 * SEE ALSO
 *	parent/dict.c, dict_file.c; Postfix src/util/dict_cdb.c
 *	(behaviour, no code copied); cdb(3)
 */
#include <cdb.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

static int
dict_cdb_get(struct dict *d, const char *key, size_t klen, char *out,
    size_t outsz, char *why, size_t whysz)
{
	struct cdb *c = d->handle;
	const void *v;
	unsigned vlen;
	int	rc;

	if ((rc = cdb_find(c, key, (unsigned)klen)) == 0)
		return (0);
	if (rc < 0) {
		/* dict_cdb.c: "error reading %s: %m" (fatal) */
		snprintf(why, whysz, "error reading %s: %s", d->name,
		    strerror(errno));
		return (-EAGAIN);
	}
	vlen = cdb_datalen(c);
	if ((v = cdb_get(c, vlen, cdb_datapos(c))) == NULL) {
		snprintf(why, whysz, "error reading %s: %s", d->name,
		    strerror(errno));
		return (-EAGAIN);
	}
	return (dict_file_value(d, key, v, vlen, out, outsz, why, whysz));
}

static int
dict_cdb_lookup(struct dict *d, const char *key, char *out, size_t outsz,
    char *why, size_t whysz)
{
	int	flags = d->flags, rc;

	/* No lock: the file is replaced, never rewritten (see above). */
	d->flags &= ~DICT_FLAG_LOCK;
	rc = dict_file_lookup(d, key, dict_cdb_get, out, outsz, why, whysz);
	d->flags = (d->flags & ~DICT_FLAG_LOCK) | (flags & DICT_FLAG_LOCK);
	return (rc);
}

static void
dict_cdb_close(struct dict *d)
{
	struct cdb *c = d->handle;

	if (c == NULL)
		return;
	cdb_free(c);
	free(c);
	d->handle = NULL;
}

int
dict_cdb_open(struct dict *d, char *why, size_t whysz)
{
	char	path[PATH_MAX];
	struct cdb *c;
	int	fd;

	if ((fd = dict_file_open(d, ".cdb", path, sizeof(path), why,
	    whysz)) < 0)
		return (fd);
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(why, whysz, "%s: out of memory", d->spec);
		return (-ENOMEM);
	}
	if (cdb_init(c, fd) < 0) {
		/* dict_cdb.c: "open database %s: %m" */
		snprintf(why, whysz, "open database %s: %s", path,
		    strerror(errno));
		free(c);
		return (-EINVAL);
	}
	d->handle = c;
	d->lookup = dict_cdb_lookup;
	d->close = dict_cdb_close;
	return (0);
}

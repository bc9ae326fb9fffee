/*
 * NAME
 *	dict_lmdb 3
 * SUMMARY
 *	lmdb: tables (LMDB files made by postmap(1))
 * DESCRIPTION
 *	"lmdb:NAME" reads NAME.lmdb with liblmdb, read-only, opened at
 *	start, in the environment form Postfix's dict_lmdb.c uses: one
 *	file (MDB_NOSUBDIR), no lock file (MDB_NOLOCK; postmap(1) and
 *	readers lock the file itself, parent/dict_file.c), the unnamed
 *	database. Each lookup is one read-only transaction. Keys follow
 *	Postfix: folded by DICT_FLAG_FOLD_FIX, tried with and without the
 *	terminating NUL. When postmap(1) grew the file past the mapping,
 *	the map size is adopted again once (MDB_MAP_RESIZED), as
 *	Postfix's slmdb.c does; dict_changed() then ends the process
 *	after the current job.
 * SECURITY
 *	Parent, opened as root at start. The file is written by root
 *	with postmap(1) and is trusted as main.cf is; values are copied
 *	into the caller's bounded buffer while the transaction lasts.
 * SEE ALSO
 *	parent/dict.c, dict_file.c; Postfix src/util/dict_lmdb.c,
 *	slmdb.c (behaviour, no code copied); lmdb.h
 */
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dict.h"

struct dict_lmdb {
	MDB_env	*env;
	MDB_dbi	dbi;
};

static int
dict_lmdb_get(struct dict *d, const char *key, size_t klen, char *out,
    size_t outsz, char *why, size_t whysz)
{
	struct dict_lmdb *l = d->handle;
	MDB_txn	*txn;
	MDB_val	k, v;
	int	rc, tries;

	for (tries = 0;; tries++) {
		rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn);
		if (rc == MDB_MAP_RESIZED && tries == 0 &&
		    mdb_env_set_mapsize(l->env, 0) == 0)
			continue;
		break;
	}
	if (rc != 0) {
		snprintf(why, whysz, "error reading %s: %s", d->name,
		    mdb_strerror(rc));
		return (-EAGAIN);
	}
	k.mv_data = (void *)key;
	k.mv_size = klen;
	rc = mdb_get(txn, l->dbi, &k, &v);
	if (rc == 0)
		rc = dict_file_value(d, key, v.mv_data, v.mv_size, out, outsz,
		    why, whysz);
	else if (rc == MDB_NOTFOUND)
		rc = 0;
	else {
		snprintf(why, whysz, "error reading %s: %s", d->name,
		    mdb_strerror(rc));
		rc = -EAGAIN;
	}
	mdb_txn_abort(txn);
	return (rc);
}

static int
dict_lmdb_lookup(struct dict *d, const char *key, char *out, size_t outsz,
    char *why, size_t whysz)
{
	return (dict_file_lookup(d, key, dict_lmdb_get, out, outsz, why,
	    whysz));
}

static void
dict_lmdb_close(struct dict *d)
{
	struct dict_lmdb *l = d->handle;

	if (l == NULL)
		return;
	if (l->env != NULL)
		mdb_env_close(l->env);
	free(l);
	d->handle = NULL;
}

int
dict_lmdb_open(struct dict *d, char *why, size_t whysz)
{
	char	path[PATH_MAX];
	struct dict_lmdb *l;
	MDB_txn	*txn;
	int	fd, rc;

	if ((fd = dict_file_open(d, ".lmdb", path, sizeof(path), why,
	    whysz)) < 0)
		return (fd);
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(why, whysz, "%s: out of memory", d->spec);
		return (-ENOMEM);
	}
	d->handle = l;
	d->close = dict_lmdb_close;
	d->lookup = dict_lmdb_lookup;
	if ((rc = mdb_env_create(&l->env)) != 0 ||
	    (rc = mdb_env_open(l->env, path, MDB_NOSUBDIR | MDB_NOLOCK |
	    MDB_RDONLY, 0)) != 0 ||
	    (rc = mdb_txn_begin(l->env, NULL, MDB_RDONLY, &txn)) != 0) {
		/* dict_lmdb.c: "open database %s: %s" */
		snprintf(why, whysz, "open database %s: %s", path,
		    mdb_strerror(rc));
		return (rc > 0 ? -rc : -EINVAL);
	}
	rc = mdb_dbi_open(txn, NULL, 0, &l->dbi);
	mdb_txn_abort(txn);
	if (rc != 0) {
		snprintf(why, whysz, "open database %s: %s", path,
		    mdb_strerror(rc));
		return (rc > 0 ? -rc : -EINVAL);
	}
	return (0);
}

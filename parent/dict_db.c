/*
 * NAME
 *	dict_db 3
 * SUMMARY
 *	hash: and btree: tables (Berkeley DB files made by postmap(1))
 * DESCRIPTION
 *	"hash:/etc/postfix/sasl_passwd" reads /etc/postfix/sasl_passwd.db,
 *	"btree:NAME" reads NAME.db, with the Berkeley DB library Debian's
 *	Postfix uses (libdb5.3), read-only, opened at start. Keys follow
 *	Postfix's dict_db.c: folded by the requestor's DICT_FLAG_FOLD_FIX,
 *	tried with and without the terminating NUL (parent/dict_file.c).
 *	A change of the file ends the process after the current job
 *	(dict_changed()); smtpjail never reads a rewritten file through
 *	the handle it opened.
 * SECURITY
 *	Parent, opened as root at start. The database file is written by
 *	root with postmap(1) and is trusted as main.cf is; lookups copy
 *	the value into the caller's bounded buffer.
 * SEE ALSO
 *	parent/dict.c, dict_file.c; Postfix src/util/dict_db.c (behaviour,
 *	no code copied); Berkeley DB's DB->open and DB->get
 */
#include <db.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "dict.h"

static int
dict_db_get(struct dict *d, const char *key, size_t klen, char *out,
    size_t outsz, char *why, size_t whysz)
{
	DB	*db = d->handle;
	DBT	k, v;
	int	rc;

	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = (void *)key;
	k.size = (u_int32_t)klen;
	if ((rc = db->get(db, NULL, &k, &v, 0)) == DB_NOTFOUND)
		return (0);
	if (rc != 0) {
		/* dict_db.c: "error reading %s: %m" (fatal) */
		snprintf(why, whysz, "error reading %s: %s", d->name,
		    db_strerror(rc));
		return (-EAGAIN);
	}
	return (dict_file_value(d, key, v.data, v.size, out, outsz, why,
	    whysz));
}

static int
dict_db_lookup(struct dict *d, const char *key, char *out, size_t outsz,
    char *why, size_t whysz)
{
	return (dict_file_lookup(d, key, dict_db_get, out, outsz, why,
	    whysz));
}

static void
dict_db_close(struct dict *d)
{
	DB	*db = d->handle;

	if (db != NULL)
		(void)db->close(db, 0);
	d->handle = NULL;
}

int
dict_db_open(struct dict *d, char *why, size_t whysz)
{
	char	path[PATH_MAX];
	DB	*db;
	int	fd, rc;

	if ((fd = dict_file_open(d, ".db", path, sizeof(path), why,
	    whysz)) < 0)
		return (fd);
	if ((rc = db_create(&db, NULL, 0)) != 0) {
		snprintf(why, whysz, "create DB database: %s",
		    db_strerror(rc));
		return (-ENOMEM);
	}
	rc = db->open(db, NULL, path, NULL,
	    strcmp(d->type, "btree") == 0 ? DB_BTREE : DB_HASH, DB_RDONLY,
	    0);
	if (rc != 0) {
		/* dict_db.c: "open database %s: %m" */
		snprintf(why, whysz, "open database %s: %s", path,
		    db_strerror(rc));
		(void)db->close(db, 0);
		return (rc > 0 ? -rc : -EINVAL);
	}
	d->handle = db;
	d->lookup = dict_db_lookup;
	d->close = dict_db_close;
	return (0);
}

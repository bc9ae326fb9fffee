/*
 * NAME
 *	dict_file 3
 * SUMMARY
 *	what the indexed table files (hash:, btree:, lmdb:, cdb:) share
 * DESCRIPTION
 *	See dict.h. The file a table type keeps its index in is "name"
 *	plus the type's suffix (".db", ".lmdb", ".cdb"), as postmap(1)
 *	writes it. dict_file_open() opens it read-only and keeps the
 *	descriptor: dict_changed() compares its modification time and
 *	link count with those at open (Postfix's dict->stat_fd and
 *	dict->mtime), and a shared flock() on it excludes postmap(1)'s
 *	exclusive lock while it rewrites the file. Like Postfix it warns
 *	when the source file "name" is newer than the database by more
 *	than 100 seconds.
 *
 *	dict_file_lookup() is the key rule of Postfix's database tables:
 *	a key is looked up with its terminating NUL (postmap(1) stores
 *	keys and values that way) and then without; whichever form is
 *	found first is the only one asked from then on
 *	(DICT_FLAG_TRY1NULL, DICT_FLAG_TRY0NULL). A value ends at its
 *	first NUL or at its length.
 * SECURITY
 *	Parent. The files are named in main.cf and written by root with
 *	postmap(1) (trusted); they are opened as root at start, before
 *	the parent drops privileges and chroots, so a root-only file
 *	(mode 0600 sasl_passwd.db) works as it does for smtp(8). Values
 *	are copied into the caller's bounded buffer or refused.
 * SEE ALSO
 *	parent/dict_db.c, dict_lmdb.c, dict_cdb.c; Postfix
 *	src/util/dict_db.c, dict_lmdb.c, dict_cdb.c, dict.c
 *	(behaviour, no code copied)
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dict.h"
#include "msg.h"

/* dict_db.c: a source file this much newer than its database. */
#define DICT_FILE_STALE_SLACK	100

int
dict_file_open(struct dict *d, const char *suffix, char *path,
    size_t pathsz, char *why, size_t whysz)
{
	struct stat st, src;
	int	fd, err;

	if ((size_t)snprintf(path, pathsz, "%s%s", d->name, suffix) >=
	    pathsz) {
		snprintf(why, whysz, "%s: file name too long", d->spec);
		return (-ENAMETOOLONG);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		err = errno;
		/* dict_db.c etc.: "open database %s: %m" */
		snprintf(why, whysz, "open database %s: %s", path,
		    strerror(err));
		return (-err);
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "open database %s: not a regular file",
		    path);
		(void)close(fd);
		return (-EINVAL);
	}
	d->stat_fd = fd;
	d->mtime = st.st_mtim;
	if (stat(d->name, &src) == 0 && src.st_mtime > st.st_mtime &&
	    src.st_mtime < time(NULL) - DICT_FILE_STALE_SLACK)
		msg_warn("database %s is older than source file %s", path,
		    d->name);
	d->flags |= DICT_FLAG_FIXED | DICT_FLAG_TRY0NULL | DICT_FLAG_TRY1NULL;
	return (fd);
}

int
dict_file_value(struct dict *d, const char *key, const void *v,
    size_t vlen, char *out, size_t outsz, char *why, size_t whysz)
{
	const char *nul = memchr(v, '\0', vlen);
	size_t	len = nul != NULL ? (size_t)(nul - (const char *)v) : vlen;

	if (len >= outsz) {
		snprintf(why, whysz, "%s: value of \"%.100s\" longer than %zu "
		    "bytes", d->spec, key, outsz - 1);
		return (-ENOSPC);
	}
	memcpy(out, v, len);
	out[len] = '\0';
	return (1);
}

int
dict_file_lookup(struct dict *d, const char *key, dict_file_get_fn get,
    char *out, size_t outsz, char *why, size_t whysz)
{
	size_t	len = strlen(key);
	int	rc = 0, locked = 0;

	if ((d->flags & DICT_FLAG_LOCK) != 0) {
		if (flock(d->stat_fd, LOCK_SH) < 0) {
			/* dict_db.c: "%s: lock dictionary: %m" (fatal) */
			snprintf(why, whysz, "%s: lock dictionary: %s",
			    d->name, strerror(errno));
			return (-EAGAIN);
		}
		locked = 1;
	}
	if ((d->flags & DICT_FLAG_TRY1NULL) != 0) {
		rc = get(d, key, len + 1, out, outsz, why, whysz);
		if (rc > 0)
			d->flags &= ~DICT_FLAG_TRY0NULL;
	}
	if (rc == 0 && (d->flags & DICT_FLAG_TRY0NULL) != 0) {
		rc = get(d, key, len, out, outsz, why, whysz);
		if (rc > 0)
			d->flags &= ~DICT_FLAG_TRY1NULL;
	}
	if (locked && flock(d->stat_fd, LOCK_UN) < 0 && rc >= 0) {
		snprintf(why, whysz, "%s: unlock dictionary: %s", d->name,
		    strerror(errno));
		rc = -EAGAIN;
	}
	return (rc);
}

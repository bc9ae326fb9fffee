/*
 * NAME
 *	dict.h 3h
 * SUMMARY
 *	Postfix lookup tables in the parent: dispatcher and table lists
 * DESCRIPTION
 *	See parent/dict.c. A table is named as in main.cf, "type:name".
 *	Types: inline:, static:, texthash: (native, parent/dict_inline.c,
 *	dict_static.c, dict_texthash.c), the indexed files postmap(1)
 *	builds: hash:, btree: (Berkeley DB, parent/dict_db.c), lmdb:
 *	(parent/dict_lmdb.c), cdb: (tinycdb, parent/dict_cdb.c), opened
 *	as root at start, and proxy:TYPE:NAME (proxymap(8),
 *	parent/dict_proxy.c). Anything else is refused when it is opened,
 *	with a reason naming a form that works.
 *
 *	Lookups return 1 (found, value in out[]), 0 (not found), or a
 *	negative errno: -EAGAIN for Postfix's DICT_ERR_RETRY (try again
 *	later: defer), -EINVAL for DICT_ERR_CONFIG, -ENOSPC for a value
 *	longer than the caller's buffer (also a configuration error).
 */
#ifndef DICT_H
#define DICT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/*
 * Postfix's DICT_FLAG_* values (src/util/dict.h): the proxymap protocol
 * carries them as numbers, so they must be the same bits.
 */
#define DICT_FLAG_NONE		0
#define DICT_FLAG_DUP_WARN	(1 << 0)
#define DICT_FLAG_DUP_IGNORE	(1 << 1)
#define DICT_FLAG_TRY0NULL	(1 << 2)	/* keys stored without NUL */
#define DICT_FLAG_TRY1NULL	(1 << 3)	/* keys stored with NUL */
#define DICT_FLAG_FIXED		(1 << 4)	/* keys are fixed strings */
#define DICT_FLAG_PATTERN	(1 << 5)	/* keys are patterns */
#define DICT_FLAG_LOCK		(1 << 6)	/* lock before access */
#define DICT_FLAG_DUP_REPLACE	(1 << 7)
#define DICT_FLAG_SYNC_UPDATE	(1 << 8)
#define DICT_FLAG_NO_REGSUB	(1 << 11)
#define DICT_FLAG_NO_PROXY	(1 << 12)
#define DICT_FLAG_NO_UNAUTH	(1 << 13)
#define DICT_FLAG_FOLD_FIX	(1 << 14)	/* fold keys of fixed tables */
#define DICT_FLAG_FOLD_MUL	(1 << 15)	/* fold keys of pattern tables */
#define DICT_FLAG_FOLD_ANY	(DICT_FLAG_FOLD_FIX | DICT_FLAG_FOLD_MUL)
#define DICT_FLAG_MULTI_WRITER	(1 << 18)
#define DICT_FLAG_UTF8_REQUEST	(1 << 19)

/* Set by the table itself; a proxymap open reply says which. */
#define DICT_FLAG_IMPL_MASK	(DICT_FLAG_FIXED | DICT_FLAG_PATTERN | \
				DICT_FLAG_MULTI_WRITER)
/* What a requestor may change per request (sent with each lookup). */
#define DICT_FLAG_PARANOID	(DICT_FLAG_NO_REGSUB | DICT_FLAG_NO_PROXY | \
				DICT_FLAG_NO_UNAUTH)
#define DICT_FLAG_RQST_MASK	(DICT_FLAG_FOLD_ANY | DICT_FLAG_LOCK | \
				DICT_FLAG_DUP_REPLACE | DICT_FLAG_DUP_WARN | \
				DICT_FLAG_DUP_IGNORE | DICT_FLAG_SYNC_UPDATE | \
				DICT_FLAG_PARANOID | DICT_FLAG_UTF8_REQUEST)
/* Everything else: fixed at open (the proxymap open request). */
#define DICT_FLAG_INST_MASK	(~(DICT_FLAG_IMPL_MASK | DICT_FLAG_RQST_MASK))

/* A table name "type:name" as written in main.cf. */
#define DICT_SPEC_MAX		1024
/* A lookup key: an address, a host name with a port, or the "status
 * text" key of smtp_delivery_status_filter (SJ_DSN_STATUS_MAX + 1 +
 * SJ_REASON_MAX, checked in parent/dsn_filter.c). */
#define DICT_KEY_MAX		2600
/* A lookup result kept by a caller (a "user:password" line is short;
 * Postfix has no bound, smtpjail defers beyond this). */
#define DICT_VALUE_MAX		4096
/* Tables in one main.cf list (smtp_sasl_password_maps = a, b, ...). */
#define DICT_MAPS_MAX		16
/* Entries of one native table (inline:, texthash:). */
#define DICT_ENTRIES_MAX	100000
/* Size of one texthash: file read at start. */
#define DICT_FILE_MAX		(16 * 1024 * 1024)

/* What opening a table may need from the configuration. */
struct dict_env {
	const char *proxy_read_maps;	/* $proxy_read_maps, expanded */
	const char *proxymap_service;	/* $proxymap_service_name */
	int	ipc_timeout;		/* $ipc_timeout, seconds */
	/* The directory holding private/ (relative paths work before and
	 * after the chroot into $queue_directory): "private" normally. */
	const char *private_dir;
};

struct dict_kv {
	char	*key;
	char	*value;
	size_t	seq;			/* order of insertion */
};

struct dict {
	char	*type;			/* "texthash" */
	char	*name;			/* "/etc/postfix/sasl_passwd" */
	char	*spec;			/* "texthash:/etc/postfix/sasl_passwd" */
	int	flags;			/* DICT_FLAG_* */
	int	(*lookup)(struct dict *, const char *key, char *out,
		    size_t outsz, char *why, size_t whysz);
	void	(*close)(struct dict *);
	/* Change detection (texthash:): the file opened at start. */
	int	stat_fd;		/* -1: never changes */
	struct timespec mtime;
	/* Native tables: sorted by key (dict_kv_*). */
	struct dict_kv *kv;
	size_t	nkv;
	/* hash:, btree:, lmdb:, cdb: the library's handle */
	void	*handle;
	/* static: and proxy: */
	char	*value;			/* static: the value */
	const struct dict_env *env;	/* proxy: (not owned) */
};

/*
 * Opens one table; flags are the requestor's (DICT_FLAG_LOCK |
 * DICT_FLAG_FOLD_FIX for smtp_sasl_password_maps). Returns NULL with
 * why[] (a complete sentence for msg_fatal) on any failure. 'param'
 * names the parameter in the reason.
 */
struct dict *dict_open(const char *spec, const char *param, int flags,
	    const struct dict_env *, char *why, size_t whysz);
void	dict_close(struct dict *);

/* One lookup with the table's own key folding. See the DESCRIPTION. */
int	dict_get(struct dict *, const char *key, char *out, size_t outsz,
	    char *why, size_t whysz);

/* 1 if the table's file changed since it was opened (Postfix's
 * dict_changed()): the process should exit after the current job. */
int	dict_changed(const struct dict *);

/* Per type (called by dict_open after the common part is set). */
int	dict_inline_open(struct dict *, char *why, size_t whysz);
int	dict_static_open(struct dict *, char *why, size_t whysz);
int	dict_texthash_open(struct dict *, char *why, size_t whysz);
int	dict_proxy_open(struct dict *, char *why, size_t whysz);
int	dict_db_open(struct dict *, char *why, size_t whysz);
int	dict_lmdb_open(struct dict *, char *why, size_t whysz);
int	dict_cdb_open(struct dict *, char *why, size_t whysz);

/*
 * Indexed files (hash:, btree:, lmdb:, cdb:), shared by their modules.
 * dict_file_open() opens "name.suffix" read-only for change detection
 * and locking (d->stat_fd, d->mtime), warns as Postfix does when the
 * source file is newer than the database, and sets the key-NUL flags.
 * Returns the descriptor or a negative errno with why[].
 */
int	dict_file_open(struct dict *, const char *suffix, char *path,
	    size_t pathsz, char *why, size_t whysz);

/* One raw lookup of a key of klen bytes: 1 with the value copied to
 * out[] (up to its first NUL, as Postfix's vstring_strncpy), 0, or a
 * negative errno with why[]. */
typedef int (*dict_file_get_fn)(struct dict *, const char *key,
	    size_t klen, char *out, size_t outsz, char *why, size_t whysz);

/*
 * Postfix's dict_db.c/dict_lmdb.c/dict_cdb.c key rule: the key with its
 * terminating NUL (what postmap(1) writes), then without (tables made
 * by other programs); the first form that is found is the only one
 * tried from then on. Takes a shared lock on d->stat_fd around the
 * lookup when DICT_FLAG_LOCK is set (postmap(1) holds an exclusive one
 * while it rewrites the file).
 */
int	dict_file_lookup(struct dict *, const char *key, dict_file_get_fn,
	    char *out, size_t outsz, char *why, size_t whysz);

/* Copies a value of vlen bytes up to its first NUL; -ENOSPC with why[]. */
int	dict_file_value(struct dict *, const char *key, const void *v,
	    size_t vlen, char *out, size_t outsz, char *why, size_t whysz);

/* Native tables' key/value store, shared by inline: and texthash:. */
/* Adds a pair (copies; the key folded with DICT_FLAG_FOLD_FIX).
 * 0, or -ENOMEM/-E2BIG. */
int	dict_kv_add(struct dict *, const char *key, const char *value);
/* Sorts after the last add; of duplicate keys the first stays. */
void	dict_kv_done(struct dict *);
int	dict_kv_lookup(struct dict *, const char *key, char *out,
	    size_t outsz, char *why, size_t whysz);
/* ASCII lower case in place (Postfix's lowercase()). */
void	dict_fold(char *);

/* ------------------------------------------------------------------ */
/* A list of tables, searched in order (Postfix's maps_create/find)    */

struct dict_maps {
	char	*param;			/* "smtp_sasl_password_maps" */
	struct dict *dict[DICT_MAPS_MAX];
	size_t	ndict;
};

/* Splits 'list' on commas and white space (braces keep an inline:
 * table whole) and opens each table. NULL with why[]. */
struct dict_maps *dict_maps_open(const char *param, const char *list,
	    int flags, const struct dict_env *, char *why, size_t whysz);
void	dict_maps_close(struct dict_maps *);

/*
 * maps_find(): the first table with the key wins; an error of a table
 * stops the search. With DICT_FLAG_FIXED in 'flags' only fixed-string
 * tables are asked (mail_addr_find's derived keys). An empty key is
 * never found.
 */
int	dict_maps_find(struct dict_maps *, const char *key, int flags,
	    char *out, size_t outsz, char *why, size_t whysz);

/*
 * mail_addr_find() for an address: user+ext@domain (every table), then
 * in fixed-string tables only user@domain (without the extension after
 * a $recipient_delimiter character), user+ext and user when the domain
 * is local (is_local() says so; NULL: never), and @domain. 'delim' is
 * $recipient_delimiter ("" for none).
 */
int	dict_maps_find_addr(struct dict_maps *, const char *addr,
	    const char *delim, int (*is_local)(const char *domain, void *),
	    void *ctx, char *out, size_t outsz, char *why, size_t whysz);

/* The spec of the first table that changed, or NULL. */
const char *dict_maps_changed(const struct dict_maps *);

#endif

/*
 * NAME
 *	qfile.h 3h
 * SUMMARY
 *	the parent's access to one Postfix queue file
 * DESCRIPTION
 *	Open a queue file named by a delivery request (names validated as
 *	Postfix does), hold a shared flock(2) on it while the request is
 *	served, decode its content into a sealed memfd for the child, mark
 *	recipients done by overwriting one type byte, and mark the file
 *	corrupt. See parent/qfile.c and Postfix src/global/rec_type.h,
 *	record.c, deliver_completed.c and mark_corrupt.c.
 *
 *	Every function returns 0 or a negative errno; on error why[] says
 *	what, where (path, byte offset) and why.
 */
#ifndef QFILE_H
#define QFILE_H

#include <stddef.h>
#include <stdint.h>

#include "sj_limits.h"	/* SJ_QUEUE_NAME_MAX, SJ_QUEUE_ID_MAX */

/* $hash_queue_depth: Postfix has no upper bound; nobody needs more. */
#define QFILE_HASH_DEPTH_MAX	16
/* "queue_name/" + depth x "c/" + "queue_id" + NUL */
#define QFILE_PATH_MAX \
	(SJ_QUEUE_NAME_MAX + 1 + 2 * QFILE_HASH_DEPTH_MAX + \
	 SJ_QUEUE_ID_MAX + 1)
/* global/mail_queue.h: MAIL_QUEUE_STAT_CORRUPT */
#define QFILE_MODE_CORRUPT	0400
/* memfd name seen in /proc/PID/fd of parent and child */
#define QFILE_MEMFD_NAME	"smtpjail-content"

struct qfile {
	int	fd;			/* -1 when closed */
	uint64_t size;			/* st_size at open */
	char	path[QFILE_PATH_MAX];	/* relative to $queue_directory */
	char	queue_id[SJ_QUEUE_ID_MAX + 1];
	/* From the C (size) record, when it parses; used by mark_done. */
	int	size_rec_ok;
	uint64_t data_offset;		/* first content record */
	uint64_t xtra_offset;		/* the X record */
	/* After -EUCLEAN from qfile_content_memfd(): what smtp(8) logs
	 * as "<qid>: bad record type: %d in message content". */
	int	bad_type;
	uint64_t bad_offset;
};

/* 1 if the name passes Postfix's check, else 0. */
int	qfile_queue_name_ok(const char *queue_name);
int	qfile_queue_id_ok(const char *queue_id);

/*
 * 1 if queue_name is listed in $hash_queue_names (comma or white space
 * separated, case-insensitive), else 0.
 */
int	qfile_queue_is_hashed(const char *hash_queue_names,
	    const char *queue_name);

/*
 * "queue_name/[hash dirs/]queue_id" as Postfix's mail_queue_path()
 * builds it; hash_depth 0 means not hashed. -EINVAL for a bad name or
 * depth, -ENAMETOOLONG if out[] is too small.
 */
int	qfile_path(char *out, size_t outsz, const char *queue_name,
	    const char *queue_id, int hash_depth);

/*
 * Opens <queue_name>/<queue_id> relative to the current directory
 * (the parent runs in $queue_directory) with O_RDWR|O_NOFOLLOW|
 * O_CLOEXEC, checks that it is a regular file with owner mode rwx
 * (Postfix's mail_open_ok()), takes flock(LOCK_SH|LOCK_NB) and reads
 * the C record. Errors: -EINVAL bad name; -ENOENT no such file;
 * -ELOOP a symbolic link; -EPERM not a regular file or not mode rwx
 * for the owner (not ready, or already marked corrupt); -EAGAIN the
 * lock is held by another process (qmgr); other -errno from the
 * system calls. qfile_close() is safe after any outcome.
 */
int	qfile_open(struct qfile *, const char *queue_name,
	    const char *queue_id, char *why, size_t whysz);
/* Same, with hash_depth directory levels (0 = none), see qfile_path(). */
int	qfile_open_hashed(struct qfile *, const char *queue_name,
	    const char *queue_id, int hash_depth, char *why, size_t whysz);

/*
 * Decodes the content that starts at 'offset' (the request's data
 * offset: right after the M record) into a new memfd, LF line endings,
 * sealed against any change (shrink, grow, write, seal) and positioned
 * at 0. 'size' is the request's size (content segment bytes including
 * record headers); it is checked for plausibility only, the X record
 * ends the content. Returns 0 with *memfd (close it) and *len (decoded
 * bytes). -EINVAL: a negative size, or the offset is not a content
 * start; -EUCLEAN: corrupt content, or a file that ends before the
 * content does (truncated: bad_type -1) (q->bad_type, q->bad_offset);
 * -EFBIG: more than SJ_CONTENT_MAX bytes; -EIO: read error; other
 * -errno from memfd_create/write/fcntl.
 */
int	qfile_content_memfd(struct qfile *, long offset, long size,
	    int *memfd, uint64_t *len, char *why, size_t whysz);

/*
 * Overwrites the type byte at rcpt_offset with 'D' if, and only if, it
 * is the type byte of a well-formed 'R' record outside the content
 * segment. -1 means "nothing to mark" and returns 0 without writing.
 * -EINVAL: offset 0, < -1 or past the end of the file; -EALREADY: the
 * byte is already 'D'; -EPERM: anything else (refused, nothing
 * written); -EIO or -errno if the write fails.
 */
int	qfile_mark_done(struct qfile *, long rcpt_offset, char *why,
	    size_t whysz);

/*
 * fchmod(fd, 0400) as Postfix's mark_corrupt() does, and logs
 * "warning: corrupted queue file: <path>". qmgr then moves the file
 * to the corrupt queue when the request is deferred.
 */
int	qfile_mark_corrupt(struct qfile *);

/* Closes the file (dropping the lock). Idempotent. */
void	qfile_close(struct qfile *);

#endif

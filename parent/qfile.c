/*
 * NAME
 *	qfile 3
 * SUMMARY
 *	the parent's access to one Postfix queue file
 * DESCRIPTION
 *	qfile_open() validates the queue name and id exactly as Postfix's
 *	mail_queue_name_ok()/mail_queue_id_ok() do (so no '/' and no '.'
 *	can reach the path), opens the file without following symbolic
 *	links, refuses anything but a regular file whose owner mode is rwx
 *	(Postfix's mail_open_ok(); 0400 means corrupt), and takes the
 *	shared non-blocking flock(2) that keeps a restarted qmgr from
 *	handing the same file out twice.
 *
 *	qfile_content_memfd() checks that the request's data offset sits
 *	right after the M record, decodes the content with qrec_content()
 *	into a memfd through a large buffer, and seals the memfd so that
 *	the child receives bytes nobody can change. The queue-file window
 *	and that buffer are the module's context, reused by every request
 *	(the parent serves one request at a time).
 *
 *	qfile_mark_done() is the parent's only write to a queue file other
 *	than the corrupt mode: one 'D' byte, and only over the type byte of
 *	a well-formed 'R' record that lies outside the content segment.
 * SECURITY
 *	Parent, running as $mail_owner in $queue_directory. Names come from
 *	qmgr (trusted) and are still validated; offsets come from qmgr's
 *	request and are checked against the file before any read or write.
 *	The child never sees the queue file descriptor, only the sealed
 *	memfd.
 * SEE ALSO
 *	Postfix global/mail_queue.c, global/mail_open_ok.c,
 *	global/rec_type.h, global/deliver_request.c,
 *	global/deliver_completed.c, global/mark_corrupt.c; parent/qrec.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msg.h"
#include "qfile.h"
#include "qrec.h"
#include "sj_limits.h"
#include "sj_match.h"

#define ULL(x)	((unsigned long long)(x))

/* Output buffer between the decoder and the memfd: few large writes. */
#define QFILE_OUTBUF_SIZE	(256 * 1024)

/*
 * The queue-file window and the output buffer, kept for the life of
 * the process: allocated per message they were fresh pages every time
 * (glibc returns large blocks to the system on free), and faulting in
 * 512 KB per message cost more than decoding a 1 MB message.
 */
static struct qfile_ctx {
	unsigned char win[QREC_WINDOW_DEFAULT];
	unsigned char out[QFILE_OUTBUF_SIZE];
} qfile_ctx;
/* The C record is 95 bytes; anything much longer is not one. */
#define QFILE_SIZE_REC_MAX	256

/* Postfix global/safe_ultostr.c: the base-52 alphabet of long ids. */
static const char qfile_b52[] =
    "0123456789BCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";

static int
qfile_is_alnum(int ch)
{
	return ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	    (ch >= '0' && ch <= '9'));
}

int
qfile_queue_name_ok(const char *name)
{
	size_t	i;

	if (name == NULL || name[0] == 0)
		return (0);
	for (i = 0; name[i] != 0; i++)
		if (i >= SJ_QUEUE_NAME_MAX || !qfile_is_alnum(
		    (unsigned char)name[i]))
			return (0);
	return (1);
}

int
qfile_queue_id_ok(const char *id)
{
	size_t	i;

	if (id == NULL || id[0] == 0)
		return (0);
	for (i = 0; id[i] != 0; i++)
		if (i >= SJ_QUEUE_ID_MAX || (!qfile_is_alnum(
		    (unsigned char)id[i]) && id[i] != '_'))
			return (0);
	return (1);
}

int
qfile_queue_is_hashed(const char *names, const char *queue_name)
{
	if (queue_name == NULL || queue_name[0] == '\0')
		return (0);
	return (sj_match_list_has(names, queue_name));
}

/*
 * Postfix mail_queue_dir(): a long id (a 'z' at index >= 10) hashes on
 * its microseconds, the 4 base-52 characters before the last 'z',
 * re-printed as "%05X"; an undecodable field counts as 0.
 */
static void
qfile_hash_source(const char *id, char *out, size_t outsz)
{
	const char *z = strrchr(id, 'z'), *cp;
	unsigned long usec = 0;

	if (z == NULL || z - id < 10) {
		snprintf(out, outsz, "%s", id);
		return;
	}
	for (cp = z - 4; cp < z; cp++) {
		const char *d = strchr(qfile_b52, *cp);

		if (*cp == 0 || d == NULL) {
			usec = 0;
			break;
		}
		usec = usec * 52 + (unsigned long)(d - qfile_b52);
	}
	snprintf(out, outsz, "%05lX", usec);
}

int
qfile_path(char *out, size_t outsz, const char *queue_name,
    const char *queue_id, int hash_depth)
{
	char	src[SJ_QUEUE_ID_MAX + 1], dirs[2 * QFILE_HASH_DEPTH_MAX + 1];
	size_t	srclen, d = 0;
	int	i, n;

	if (!qfile_queue_name_ok(queue_name) || !qfile_queue_id_ok(queue_id) ||
	    hash_depth < 0 || hash_depth > QFILE_HASH_DEPTH_MAX)
		return (-EINVAL);
	dirs[0] = 0;
	if (hash_depth > 0) {
		qfile_hash_source(queue_id, src, sizeof(src));
		srclen = strlen(src);
		for (i = 0; i < hash_depth; i++) {
			/* Postfix dir_forest(): '_' once the name runs out */
			dirs[d++] = (size_t)i < srclen ? src[i] : '_';
			dirs[d++] = '/';
		}
		dirs[d] = 0;
	}
	n = snprintf(out, outsz, "%s/%s%s", queue_name, dirs, queue_id);
	if (n < 0 || (size_t)n >= outsz)
		return (-ENAMETOOLONG);
	return (0);
}

/* Parses two non-negative decimals (after optional blanks). */
static int
qfile_parse_size_rec(const char *s, uint64_t *seg_len, uint64_t *data_off)
{
	uint64_t v[2];
	int	i;

	for (i = 0; i < 2; i++) {
		while (*s == ' ')
			s++;
		if (*s < '0' || *s > '9')
			return (-1);
		for (v[i] = 0; *s >= '0' && *s <= '9'; s++) {
			if (v[i] > (INT64_MAX - 9) / 10)
				return (-1);
			v[i] = v[i] * 10 + (uint64_t)(*s - '0');
		}
		if (*s != ' ' && *s != 0)
			return (-1);
	}
	*seg_len = v[0];
	*data_off = v[1];
	return (0);
}

/* Learns the content segment bounds from the C record, if it is sane. */
static void
qfile_read_size_rec(struct qfile *q)
{
	struct qrec_src src;
	struct qrec rec;
	char	buf[QFILE_SIZE_REC_MAX + 1], why[256];
	uint64_t seg_len, data_off;

	q->size_rec_ok = 0;
	if (qrec_src_fd(&src, q->fd, q->size, 512) < 0)
		return;
	if (qrec_get(&src, 0, &rec, why, sizeof(why)) == 0 &&
	    rec.type == QREC_TYPE_SIZE && rec.len <= QFILE_SIZE_REC_MAX &&
	    qrec_read(&src, rec.data_offset, buf, (size_t)rec.len, why,
	    sizeof(why)) == 0) {
		buf[rec.len] = 0;
		if (qfile_parse_size_rec(buf, &seg_len, &data_off) == 0 &&
		    data_off >= rec.data_offset + rec.len + 2 &&
		    data_off <= q->size && seg_len <= q->size - data_off) {
			q->data_offset = data_off;
			q->xtra_offset = data_off + seg_len;
			q->size_rec_ok = 1;
		}
	}
	qrec_src_free(&src);
}

int
qfile_open(struct qfile *q, const char *queue_name, const char *queue_id,
    char *why, size_t whysz)
{
	return (qfile_open_hashed(q, queue_name, queue_id, 0, why, whysz));
}

int
qfile_open_hashed(struct qfile *q, const char *queue_name,
    const char *queue_id, int hash_depth, char *why, size_t whysz)
{
	struct stat st;
	int	err, fl;

	memset(q, 0, sizeof(*q));
	q->fd = -1;
	if (!qfile_queue_name_ok(queue_name)) {
		snprintf(why, whysz, "bad mail queue name");
		return (-EINVAL);
	}
	if (!qfile_queue_id_ok(queue_id)) {
		snprintf(why, whysz, "bad mail queue id");
		return (-EINVAL);
	}
	if ((err = qfile_path(q->path, sizeof(q->path), queue_name, queue_id,
	    hash_depth)) < 0) {
		snprintf(why, whysz, "%s: cannot build queue file path "
		    "(hash depth %d)", queue_id, hash_depth);
		return (err);
	}
	snprintf(q->queue_id, sizeof(q->queue_id), "%s", queue_id);

	/* O_NONBLOCK: a FIFO planted in the queue must not hang us. */
	q->fd = open(q->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
	    O_NONBLOCK);
	if (q->fd < 0) {
		err = -errno;
		snprintf(why, whysz, "open %s %s: %s%s", queue_name, queue_id,
		    strerror(-err), err == -ELOOP ? " (symbolic link "
		    "refused)" : "");
		return (err);
	}
	if (fstat(q->fd, &st) < 0) {
		err = -errno;
		snprintf(why, whysz, "fstat %s: %s", q->path, strerror(-err));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "%s: uid %ld: not a regular file",
		    q->path, (long)st.st_uid);
		err = -EPERM;
		goto fail;
	}
	if ((st.st_mode & S_IRWXU) != S_IRWXU) {
		snprintf(why, whysz, "%s: mode %04o: not a ready queue file "
		    "(0400 = corrupt)", q->path,
		    (unsigned)(st.st_mode & 07777));
		err = -EPERM;
		goto fail;
	}
	if ((fl = fcntl(q->fd, F_GETFL)) < 0 ||
	    fcntl(q->fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		err = -errno;
		snprintf(why, whysz, "fcntl %s: %s", q->path, strerror(-err));
		goto fail;
	}
	if (flock(q->fd, LOCK_SH | LOCK_NB) < 0) {
		err = -errno;
		if (err == -EWOULDBLOCK) {
			snprintf(why, whysz, "shared lock %s: locked by "
			    "another process", q->path);
			err = -EAGAIN;
		} else
			snprintf(why, whysz, "shared lock %s: %s", q->path,
			    strerror(-err));
		goto fail;
	}
	q->size = (uint64_t)st.st_size;
	qfile_read_size_rec(q);
	return (0);

fail:
	close(q->fd);
	q->fd = -1;
	return (err);
}

/* ---- content into a sealed memfd ---- */

struct qfile_out {
	int	fd;
	unsigned char *buf;
	size_t	len;
};

static int
qfile_write_all(int fd, const unsigned char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0) {
			if (errno == EINTR)
				continue;
			return (-errno);
		}
		if (n == 0)
			return (-EIO);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
qfile_out_flush(struct qfile_out *o)
{
	int	err;

	if (o->len == 0)
		return (0);
	err = qfile_write_all(o->fd, o->buf, o->len);
	o->len = 0;
	return (err);
}

static int
qfile_out_sink(void *ctx, const void *data, size_t len)
{
	struct qfile_out *o = ctx;
	int	err;

	if (len > QFILE_OUTBUF_SIZE - o->len) {
		if ((err = qfile_out_flush(o)) < 0)
			return (err);
		if (len >= QFILE_OUTBUF_SIZE)
			return (qfile_write_all(o->fd, data, len));
	}
	memcpy(o->buf + o->len, data, len);
	o->len += len;
	return (0);
}

/* The data offset Postfix records is the byte after the "M\0" record. */
static int
qfile_check_offset(struct qfile *q, long offset, long size,
    char *why, size_t whysz)
{
	unsigned char m[2];
	ssize_t	n;

	if (offset < 2 || size < 0) {
		snprintf(why, whysz, "%s: bad content offset %ld or size %ld "
		    "in the request", q->path, offset, size);
		return (-EINVAL);
	}
	/*
	 * qmgr took offset and size from this file's size record: a file
	 * that ends before the content does has been truncated. Postfix's
	 * smtp(8) meets the end of file while sending ("bad record type:
	 * -1") and marks the file corrupt; we find it before sending.
	 */
	if ((uint64_t)offset >= q->size ||
	    (uint64_t)size > q->size - (uint64_t)offset) {
		q->bad_type = -1;
		q->bad_offset = q->size;
		snprintf(why, whysz, "%s: bad record type: -1 in message "
		    "content (premature end of file: content %ld+%ld, file "
		    "size %llu)", q->path, offset, size, ULL(q->size));
		return (-EUCLEAN);
	}
	do
		n = pread(q->fd, m, sizeof(m), (off_t)(offset - 2));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		n = -errno;
		snprintf(why, whysz, "%s: read at offset %ld: %s", q->path,
		    offset - 2, strerror((int)-n));
		return (-EIO);
	}
	if (n != 2 || m[0] != QREC_TYPE_MESG || m[1] != 0) {
		snprintf(why, whysz, "%s: content offset %ld does not follow "
		    "an M record", q->path, offset);
		return (-EINVAL);
	}
	return (0);
}

int
qfile_content_memfd(struct qfile *q, long offset, long size, int *memfd,
    uint64_t *len, char *why, size_t whysz)
{
	struct qrec_src src;
	struct qrec_content res;
	struct qfile_out out;
	char	detail[512];
	int	err, mfd;

	*memfd = -1;
	*len = 0;
	q->bad_type = 0;
	q->bad_offset = 0;
	if (q->fd < 0) {
		snprintf(why, whysz, "queue file not open");
		return (-EBADF);
	}
	if ((err = qfile_check_offset(q, offset, size, why, whysz)) < 0)
		return (err);
	mfd = memfd_create(QFILE_MEMFD_NAME, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0) {
		err = -errno;
		snprintf(why, whysz, "memfd_create: %s", strerror(-err));
		return (err);
	}
	memset(&out, 0, sizeof(out));
	out.fd = mfd;
	out.buf = qfile_ctx.out;
	if ((err = qrec_src_fd_buf(&src, q->fd, q->size, qfile_ctx.win,
	    sizeof(qfile_ctx.win))) < 0) {
		close(mfd);
		snprintf(why, whysz, "%s: queue file source: %s", q->path,
		    strerror(-err));
		return (err);
	}
	detail[0] = 0;
	err = qrec_content(&src, (uint64_t)offset, SJ_CONTENT_MAX,
	    qfile_out_sink, &out, &res, detail, sizeof(detail));
	qrec_src_free(&src);
	if (err == 0 && (err = qfile_out_flush(&out)) < 0)
		snprintf(detail, sizeof(detail), "writing content: %s",
		    strerror(-err));
	if (err < 0) {
		if (err == -EUCLEAN) {
			q->bad_type = res.bad_type;
			q->bad_offset = res.bad_offset;
		}
		snprintf(why, whysz, "%s: %s", q->path, detail);
		close(mfd);
		return (err);
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL) < 0) {
		err = -errno;
		snprintf(why, whysz, "seal content memfd: %s", strerror(-err));
		close(mfd);
		return (err);
	}
	if (lseek(mfd, 0, SEEK_SET) != 0) {
		err = -errno;
		snprintf(why, whysz, "rewind content memfd: %s",
		    strerror(-err));
		close(mfd);
		return (err);
	}
	*memfd = mfd;
	*len = res.out_len;
	return (0);
}

/* ---- recipient and corrupt marking ---- */

int
qfile_mark_done(struct qfile *q, long rcpt_offset, char *why, size_t whysz)
{
	struct qrec_src src;
	struct qrec rec;
	char	detail[256];
	ssize_t	n;
	int	err;

	if (rcpt_offset == -1)
		return (0);
	if (q->fd < 0) {
		snprintf(why, whysz, "queue file not open");
		return (-EBADF);
	}
	if (rcpt_offset <= 0 || (uint64_t)rcpt_offset >= q->size) {
		snprintf(why, whysz, "%s: bad recipient offset %ld (file size "
		    "%llu)", q->path, rcpt_offset, ULL(q->size));
		return (-EINVAL);
	}
	if (q->size_rec_ok && (uint64_t)rcpt_offset + 2 >= q->data_offset &&
	    (uint64_t)rcpt_offset < q->xtra_offset) {
		snprintf(why, whysz, "%s: recipient offset %ld lies in the "
		    "message content (%llu-%llu): refused", q->path,
		    rcpt_offset, ULL(q->data_offset - 2), ULL(q->xtra_offset));
		return (-EPERM);
	}
	if ((err = qrec_src_fd(&src, q->fd, q->size, QREC_WINDOW_MIN)) < 0) {
		snprintf(why, whysz, "%s: out of memory", q->path);
		return (err);
	}
	err = qrec_get(&src, (uint64_t)rcpt_offset, &rec, detail,
	    sizeof(detail));
	qrec_src_free(&src);
	if (err == -EIO) {
		snprintf(why, whysz, "%s: %s", q->path, detail);
		return (err);
	}
	if (err < 0) {
		snprintf(why, whysz, "%s: no record at recipient offset %ld "
		    "(%s): refused", q->path, rcpt_offset, detail);
		return (-EPERM);
	}
	if (rec.type == QREC_TYPE_DONE) {
		snprintf(why, whysz, "%s: recipient at offset %ld is already "
		    "marked done", q->path, rcpt_offset);
		return (-EALREADY);
	}
	if (rec.type != QREC_TYPE_RCPT) {
		snprintf(why, whysz, "%s: record type %d at recipient offset "
		    "%ld is not a recipient: refused", q->path, rec.type,
		    rcpt_offset);
		return (-EPERM);
	}
	do
		n = pwrite(q->fd, "D", 1, (off_t)rcpt_offset);
	while (n < 0 && errno == EINTR);
	if (n != 1) {
		err = n < 0 ? -errno : -EIO;
		snprintf(why, whysz, "update queue file %s: %s", q->path,
		    strerror(-err));
		return (err);
	}
	return (0);
}

int
qfile_mark_corrupt(struct qfile *q)
{
	int	err;

	if (q->fd < 0)
		return (-EBADF);
	msg_warn("corrupted queue file: %s", q->path);
	if (fchmod(q->fd, QFILE_MODE_CORRUPT) < 0) {
		err = -errno;
		msg_warn("mark_corrupt: fchmod %s: %s", q->path,
		    strerror(-err));
		return (err);
	}
	return (0);
}

void
qfile_close(struct qfile *q)
{
	if (q->fd >= 0)
		(void)close(q->fd);
	q->fd = -1;
}

/*
 * NAME
 *	sj_buf.h 3h
 * SUMMARY
 *	bounded byte buffer for encoding and decoding untrusted data
 * DESCRIPTION
 *	A buffer has a capacity fixed at creation. Writers append and fail
 *	with -ENOSPC rather than grow past it; readers consume from a read
 *	cursor and fail with -EBADMSG rather than read past the data.
 *	Integers are little-endian on the wire.
 */
#ifndef SJ_BUF_H
#define SJ_BUF_H

#include <stddef.h>
#include <stdint.h>

struct sj_buf {
	unsigned char *data;	/* storage, owned unless 'borrowed' */
	size_t	cap;		/* fixed capacity */
	size_t	len;		/* bytes written */
	size_t	pos;		/* read cursor, <= len */
	int	borrowed;	/* data belongs to the caller */
};

int	sj_buf_init(struct sj_buf *, size_t cap);
void	sj_buf_wrap(struct sj_buf *, const void *data, size_t len);
void	sj_buf_free(struct sj_buf *);
void	sj_buf_reset(struct sj_buf *);
size_t	sj_buf_left(const struct sj_buf *);	/* unread bytes */

int	sj_buf_put(struct sj_buf *, const void *, size_t);
int	sj_buf_put_u8(struct sj_buf *, uint8_t);
int	sj_buf_put_u16(struct sj_buf *, uint16_t);
int	sj_buf_put_u32(struct sj_buf *, uint32_t);
int	sj_buf_put_u64(struct sj_buf *, uint64_t);
/* u16 length prefix, then the bytes; fails if strlen > max */
int	sj_buf_put_str(struct sj_buf *, const char *, size_t max);

int	sj_buf_get(struct sj_buf *, void *, size_t);
int	sj_buf_get_u8(struct sj_buf *, uint8_t *);
int	sj_buf_get_u16(struct sj_buf *, uint16_t *);
int	sj_buf_get_u32(struct sj_buf *, uint32_t *);
int	sj_buf_get_u64(struct sj_buf *, uint64_t *);
/*
 * Reads a u16-prefixed string into out[outsz] (NUL-terminated). Fails
 * with -EBADMSG if the length exceeds max or outsz-1, if the bytes run
 * out, or if the string holds a NUL byte.
 */
int	sj_buf_get_str(struct sj_buf *, char *out, size_t outsz, size_t max);

#endif

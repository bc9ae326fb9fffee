/*
 * NAME
 *	sj_buf 3
 * SUMMARY
 *	bounded byte buffer
 * DESCRIPTION
 *	See sj_buf.h. Capacity is fixed at creation; every put checks room,
 *	every get checks what is left, before touching memory.
 * SECURITY
 *	Both processes; decodes bytes from the other process and from
 *	Postfix. No length is used before it is checked against 'len'.
 * SEE ALSO
 *	ipc_msg(3)
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sj_buf.h"

int
sj_buf_init(struct sj_buf *b, size_t cap)
{
	memset(b, 0, sizeof(*b));
	if (cap == 0)
		return (-EINVAL);
	if ((b->data = malloc(cap)) == NULL)
		return (-ENOMEM);
	b->cap = cap;
	return (0);
}

void
sj_buf_wrap(struct sj_buf *b, const void *data, size_t len)
{
	memset(b, 0, sizeof(*b));
	/* Read-only use: the cast is safe because puts need room (cap=len). */
	b->data = (unsigned char *)(uintptr_t)data;
	b->cap = b->len = len;
	b->borrowed = 1;
}

void
sj_buf_free(struct sj_buf *b)
{
	if (!b->borrowed)
		free(b->data);
	memset(b, 0, sizeof(*b));
}

void
sj_buf_reset(struct sj_buf *b)
{
	b->len = b->pos = 0;
}

size_t
sj_buf_left(const struct sj_buf *b)
{
	return (b->len - b->pos);
}

int
sj_buf_put(struct sj_buf *b, const void *p, size_t n)
{
	if (b->borrowed || n > b->cap - b->len)
		return (-ENOSPC);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	return (0);
}

int
sj_buf_put_u8(struct sj_buf *b, uint8_t v)
{
	return (sj_buf_put(b, &v, 1));
}

int
sj_buf_put_u16(struct sj_buf *b, uint16_t v)
{
	unsigned char p[2] = { v & 0xff, v >> 8 };

	return (sj_buf_put(b, p, sizeof(p)));
}

int
sj_buf_put_u32(struct sj_buf *b, uint32_t v)
{
	unsigned char p[4];
	int	i;

	for (i = 0; i < 4; i++)
		p[i] = (v >> (8 * i)) & 0xff;
	return (sj_buf_put(b, p, sizeof(p)));
}

int
sj_buf_put_u64(struct sj_buf *b, uint64_t v)
{
	unsigned char p[8];
	int	i;

	for (i = 0; i < 8; i++)
		p[i] = (v >> (8 * i)) & 0xff;
	return (sj_buf_put(b, p, sizeof(p)));
}

int
sj_buf_put_str(struct sj_buf *b, const char *s, size_t max)
{
	size_t	n = strlen(s);
	int	err;

	if (n > max || n > UINT16_MAX)
		return (-EINVAL);
	if (b->cap - b->len < 2 + n)
		return (-ENOSPC);
	if ((err = sj_buf_put_u16(b, (uint16_t)n)) < 0)
		return (err);
	return (sj_buf_put(b, s, n));
}

int
sj_buf_get(struct sj_buf *b, void *p, size_t n)
{
	if (n > b->len - b->pos)
		return (-EBADMSG);
	if (n > 0)
		memcpy(p, b->data + b->pos, n);
	b->pos += n;
	return (0);
}

int
sj_buf_get_u8(struct sj_buf *b, uint8_t *v)
{
	return (sj_buf_get(b, v, 1));
}

int
sj_buf_get_u16(struct sj_buf *b, uint16_t *v)
{
	unsigned char p[2];

	if (sj_buf_get(b, p, sizeof(p)) < 0)
		return (-EBADMSG);
	*v = (uint16_t)(p[0] | (p[1] << 8));
	return (0);
}

int
sj_buf_get_u32(struct sj_buf *b, uint32_t *v)
{
	unsigned char p[4];
	int	i;

	if (sj_buf_get(b, p, sizeof(p)) < 0)
		return (-EBADMSG);
	*v = 0;
	for (i = 3; i >= 0; i--)
		*v = (*v << 8) | p[i];
	return (0);
}

int
sj_buf_get_u64(struct sj_buf *b, uint64_t *v)
{
	unsigned char p[8];
	int	i;

	if (sj_buf_get(b, p, sizeof(p)) < 0)
		return (-EBADMSG);
	*v = 0;
	for (i = 7; i >= 0; i--)
		*v = (*v << 8) | p[i];
	return (0);
}

int
sj_buf_get_str(struct sj_buf *b, char *out, size_t outsz, size_t max)
{
	size_t	start = b->pos;
	uint16_t n;

	if (outsz == 0 || sj_buf_get_u16(b, &n) < 0)
		return (-EBADMSG);
	/* Like every other get, a failed one consumes nothing. */
	if (n > max || n > outsz - 1 || n > b->len - b->pos ||
	    memchr(b->data + b->pos, '\0', n) != NULL) {
		b->pos = start;
		return (-EBADMSG);
	}
	memcpy(out, b->data + b->pos, n);
	out[n] = '\0';
	b->pos += n;
	return (0);
}

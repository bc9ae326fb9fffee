/*
 * NAME
 *	file_read 3
 * SUMMARY
 *	one bounded reader for the whole files the parent loads
 * DESCRIPTION
 *	See file_read.h.
 * SECURITY
 *	Parent only; as root at start or as mail_owner at delivery time,
 *	on files the configuration names (trusted). Bounded before the
 *	allocation: a file larger than 'max' is not read.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_read.h"

static int
file_read_fail(int fd, char *buf, size_t len, int rc)
{
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (fd >= 0)
		(void)close(fd);
	return (rc);
}

int
file_read(const char *path, size_t max, char **bufp, size_t *lenp,
    struct stat *stp, int *fdp, enum file_read_stage *stage)
{
	struct stat st;
	char	*buf;
	size_t	got = 0, size;
	ssize_t	n;
	int	fd;

	*bufp = NULL;
	*lenp = 0;
	if (fdp != NULL)
		*fdp = -1;
	*stage = FILE_READ_OPEN;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return (-errno);
	if (fstat(fd, &st) < 0)
		return (file_read_fail(fd, NULL, 0, -errno));
	if (!S_ISREG(st.st_mode))
		return (file_read_fail(fd, NULL, 0, -EINVAL));
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		return (file_read_fail(fd, NULL, 0, -EFBIG));
	size = (size_t)st.st_size;
	*stage = FILE_READ_READ;
	if ((buf = malloc(size + 1)) == NULL)
		return (file_read_fail(fd, NULL, 0, -ENOMEM));
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return (file_read_fail(fd, buf, size, -errno));
		/*
		 * Not -ESTALE: read(2) returns that itself on NFS, and it
		 * would then be worded as a shrink. read(2) on a regular
		 * file does not return ENODATA.
		 */
		if (n == 0)
			return (file_read_fail(fd, buf, size, -ENODATA));
		got += (size_t)n;
	}
	buf[got] = '\0';
	if (fdp != NULL)
		*fdp = fd;
	else
		(void)close(fd);
	if (stp != NULL)
		*stp = st;
	*bufp = buf;
	*lenp = got;
	return (0);
}

const char *
file_read_strerror(int rc)
{
	switch (rc) {
	case -EINVAL:
		return ("not a regular file");
	case -EFBIG:
		return ("file too large");
	case -ENODATA:
		return ("file shrank while read");
	case -ENOMEM:
		return ("out of memory");
	default:
		return (strerror(-rc));
	}
}

void
file_read_free(char *buf, size_t len)
{
	if (buf == NULL)
		return;
	explicit_bzero(buf, len);
	free(buf);
}

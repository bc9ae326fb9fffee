/*
 * NAME
 *	fd_check.h 3h
 * SUMMARY
 *	tests: how many descriptors are open, whether one is closed
 * DESCRIPTION
 *	For tests that check that code under test keeps no descriptor it
 *	received or made: count_fds() before and after, fd_is_closed() for
 *	a number that must no longer be open. Include after <cmocka.h>.
 *	Test code only.
 */
#ifndef FD_CHECK_H
#define FD_CHECK_H

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>

/* Descriptors open in this process (opendir()'s own not counted). */
static inline int
count_fds(void)
{
	DIR    *d;
	struct dirent *e;
	int	n = 0;

	assert_non_null(d = opendir("/proc/self/fd"));
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return (n - 1);
}

/* 1 when fd is not an open descriptor of this process. */
static inline int
fd_is_closed(int fd)
{
	return (fcntl(fd, F_GETFD) < 0 && errno == EBADF);
}

#endif

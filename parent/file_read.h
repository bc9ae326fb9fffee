/*
 * NAME
 *	file_read.h 3h
 * SUMMARY
 *	one bounded reader for the whole files the parent loads
 * DESCRIPTION
 *	file_read() reads a regular file of at most 'max' bytes into a
 *	NUL-terminated buffer: main.cf, texthash: tables, content-check
 *	tables, trust anchor files, certificate and key files. It opens
 *	with O_NONBLOCK and O_NOCTTY (a FIFO or a terminal named in the
 *	configuration neither blocks nor becomes the controlling terminal)
 *	and refuses what is not a regular file before reading it. A file
 *	that ends before the size fstat() gave (edited while read) is an
 *	error, never a silently shorter configuration.
 *
 *	Returns 0, or a negative errno: open(2), fstat(2) or read(2)'s,
 *	-EINVAL (not a regular file), -EFBIG (larger than max), -ENOMEM,
 *	-ENODATA (the file shrank while read; not -ESTALE, which read(2)
 *	itself returns on NFS); *stage says which step failed, for the
 *	caller's own wording of the message (Postfix's where there is
 *	one). file_read_strerror() is the text for a code.
 *	With 'fdp' non-NULL the descriptor stays open and is returned
 *	there (a table's later change checks); *stp gets fstat()'s answer.
 * SECURITY
 *	Parent only. The buffer is wiped before it is freed on an error;
 *	callers wipe key material themselves (file_read_free()).
 */
#ifndef FILE_READ_H
#define FILE_READ_H

#include <stddef.h>
#include <sys/stat.h>

enum file_read_stage {
	FILE_READ_OPEN,		/* open(2), fstat(2), type and size */
	FILE_READ_READ,		/* malloc() and read(2) */
};

int	file_read(const char *path, size_t max, char **bufp, size_t *lenp,
	    struct stat *stp, int *fdp, enum file_read_stage *stage);
const char *file_read_strerror(int rc);
void	file_read_free(char *buf, size_t len);

#endif

/*
 * NAME
 *	test_file_read 1
 * SUMMARY
 *	unit tests of the parent's bounded whole-file reader
 * DESCRIPTION
 *	parent/file_read.c: a file of exactly 'max' bytes is read whole
 *	and NUL-terminated, one byte more is -EFBIG before any read; a
 *	missing file is -ENOENT at the open stage; a directory and a FIFO
 *	(which must not block the open) are -EINVAL, "not a regular file";
 *	with 'fdp' the descriptor stays open on the same file and 'st' is
 *	fstat()'s answer; an empty file is an empty string. The shrink
 *	check (-ESTALE) needs a file truncated between fstat() and read()
 *	and is not driven here.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/file_read.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "file_read.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sj-file-read.XXXXXX");
	return (mkdtemp(dir) == NULL ? -1 : 0);
}

static int
teardown(void **state)
{
	char	cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE   *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_sizes(void **state)
{
	enum file_read_stage stage;
	char	path[128], *buf;
	size_t	len;

	(void)state;
	snprintf(path, sizeof(path), "%s/ten", dir);
	write_file(path, "0123456789", 10);
	assert_int_equal(file_read(path, 10, &buf, &len, NULL, NULL, &stage),
	    0);
	assert_int_equal(len, 10);
	assert_string_equal(buf, "0123456789");
	file_read_free(buf, len);

	assert_int_equal(file_read(path, 9, &buf, &len, NULL, NULL, &stage),
	    -EFBIG);
	assert_null(buf);
	assert_int_equal(len, 0);
	assert_int_equal(stage, FILE_READ_OPEN);

	snprintf(path, sizeof(path), "%s/empty", dir);
	write_file(path, "", 0);
	assert_int_equal(file_read(path, 10, &buf, &len, NULL, NULL, &stage),
	    0);
	assert_int_equal(len, 0);
	assert_string_equal(buf, "");
	file_read_free(buf, len);
}

static void
test_refusals(void **state)
{
	enum file_read_stage stage;
	char	path[128], *buf;
	size_t	len;

	(void)state;
	snprintf(path, sizeof(path), "%s/missing", dir);
	assert_int_equal(file_read(path, 10, &buf, &len, NULL, NULL, &stage),
	    -ENOENT);
	assert_int_equal(stage, FILE_READ_OPEN);
	assert_string_equal(file_read_strerror(-ENOENT), strerror(ENOENT));

	assert_int_equal(file_read(dir, 10, &buf, &len, NULL, NULL, &stage),
	    -EINVAL);
	assert_null(buf);
	assert_string_equal(file_read_strerror(-EINVAL),
	    "not a regular file");

	/* No writer: a blocking open would hang here. */
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(file_read(path, 10, &buf, &len, NULL, NULL, &stage),
	    -EINVAL);
	assert_int_equal(stage, FILE_READ_OPEN);
	assert_null(buf);

	assert_string_equal(file_read_strerror(-ESTALE),
	    "file shrank while read");
	assert_string_equal(file_read_strerror(-EFBIG), "file too large");
}

static void
test_keep_fd(void **state)
{
	enum file_read_stage stage;
	struct stat st, st2;
	char	path[128], *buf;
	size_t	len;
	int	fd = -2;

	(void)state;
	snprintf(path, sizeof(path), "%s/table", dir);
	write_file(path, "k v\n", 4);
	assert_int_equal(file_read(path, 100, &buf, &len, &st, &fd, &stage),
	    0);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st2), 0);
	assert_int_equal(st2.st_ino, st.st_ino);
	assert_int_equal(st.st_size, 4);
	assert_string_equal(buf, "k v\n");
	assert_int_equal(close(fd), 0);
	file_read_free(buf, len);

	/* A refusal leaves no descriptor behind. */
	fd = -2;
	assert_int_equal(file_read(path, 3, &buf, &len, &st, &fd, &stage),
	    -EFBIG);
	assert_int_equal(fd, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_keep_fd),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

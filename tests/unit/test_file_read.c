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
 *	check (-ENODATA) is driven without a race by a sysfs attribute,
 *	which fstat() sizes at a page but which reads shorter (skipped
 *	where /sys is not mounted); read(2)'s own errors, -ESTALE from
 *	NFS among them, keep strerror()'s wording, never "shrank".
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

	assert_string_equal(file_read_strerror(-EFBIG), "file too large");
}

/* The one "shrank" code, and errnos read(2) returns itself kept as such. */
static void
test_wording(void **state)
{
	static const int real[] = { ESTALE, EIO, EINTR, EAGAIN, EISDIR };
	size_t	i;

	(void)state;
	assert_string_equal(file_read_strerror(-ENODATA),
	    "file shrank while read");
	for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
		assert_string_equal(file_read_strerror(-real[i]),
		    strerror(real[i]));
		assert_null(strstr(file_read_strerror(-real[i]), "shrank"));
	}
}

/*
 * sysfs sizes every attribute at a page and reads its real text, so
 * the read ends before fstat()'s size: a shrink with no writer racing.
 */
static void
test_shrink(void **state)
{
	static const char *const attr[] = {
		"/sys/devices/system/cpu/online",
		"/sys/kernel/uevent_seqnum",
	};
	enum file_read_stage stage;
	struct stat st;
	char	*buf;
	size_t	i, len;

	(void)state;
	for (i = 0; i < sizeof(attr) / sizeof(attr[0]); i++)
		if (stat(attr[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size > 64 && access(attr[i], R_OK) == 0)
			break;
	if (i == sizeof(attr) / sizeof(attr[0]))
		skip();
	assert_int_equal(file_read(attr[i], (size_t)st.st_size, &buf, &len,
	    NULL, NULL, &stage), -ENODATA);
	assert_int_equal(stage, FILE_READ_READ);
	assert_null(buf);
	assert_int_equal(len, 0);
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
		cmocka_unit_test(test_wording),
		cmocka_unit_test(test_shrink),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

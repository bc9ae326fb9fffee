/*
 * NAME
 *	aux_export_policy 1
 * SUMMARY
 *	write the seccomp filters as fixtures
 * SYNOPSIS
 *	aux_export_policy DIRECTORY
 * DESCRIPTION
 *	Writes DIRECTORY/policy_child.pfc (the child's allow-list, kill
 *	mode), DIRECTORY/policy_parent.pfc (the parent's deny-list) and
 *	DIRECTORY/policy_spawner.pfc (the spawner's allow-list), in
 *	libseccomp's pseudo filter code. tests/sandbox/test_sandbox.c
 *	checks that the current filters still equal tests/fixtures/, so a
 *	policy change shows up as a fixture diff in review. Regenerate
 *	after a deliberate change with
 *
 *	    make tests && build/tests/sandbox/aux_export_policy tests/fixtures
 *
 *	The output depends on the architecture and on libseccomp's version
 *	(the fixtures are from x86_64, Debian 12, libseccomp 2.5.4).
 * SEE ALSO
 *	policy/policy_child.c, policy/policy_parent.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sj_sandbox.h"
#include "sj_spawner.h"

#ifdef SJ_ASAN
#define ASAN_BUILD	1
#else
#define ASAN_BUILD	0
#endif

static int
export_child(int fd)
{
	return (policy_child_export(fd, 0));
}

static int
export_spawner(int fd)
{
	return (policy_spawner_export(fd, 0));
}

static int
export_one(const char *dir, const char *name, int (*fn)(int))
{
	char	path[4096];
	int	fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) < 0) {
		fprintf(stderr, "aux_export_policy: %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	err = fn(fd);
	if (close(fd) < 0 && err == 0)
		err = -errno;
	if (err < 0) {
		fprintf(stderr, "aux_export_policy: %s: %s\n", path,
		    strerror(-err));
		return (-1);
	}
	printf("wrote %s\n", path);
	return (0);
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: aux_export_policy DIRECTORY\n");
		return (2);
	}
	if (ASAN_BUILD) {
		fprintf(stderr, "aux_export_policy: this is an ASan build, "
		    "whose child filter differs on purpose; use the normal "
		    "build\n");
		return (2);
	}
	if (export_one(argv[1], "policy_child.pfc", export_child) < 0 ||
	    export_one(argv[1], "policy_parent.pfc", policy_parent_export) < 0 ||
	    export_one(argv[1], "policy_spawner.pfc", export_spawner) < 0)
		return (1);
	return (0);
}

/*
 * NAME
 *	sandbox_child 3
 * SUMMARY
 *	locking down the child
 * DESCRIPTION
 *	sandbox_check_spec() says whether the sandbox directory and user
 *	are acceptable: the directory exists, is a directory, is owned by
 *	root, is writable by neither group nor other, and is empty; the
 *	sandbox uid and gid are not 0 and the uid is not $mail_owner's.
 *	It runs in the parent before the fork (to refuse to start with a
 *	clear reason) and again in the child, on the descriptor it will
 *	chroot into.
 *
 *	sandbox_child_enter() turns the freshly forked child, still root,
 *	into the network-only process of SECURITY.md ("The child's
 *	sandbox"). The caller has already closed every other descriptor,
 *	and the parent prepared before the fork what cannot be had in the
 *	jail (tzset(), the c-ares channel, its random key, the seccomp
 *	program: child_prepare()). In order:
 *
 *	1. Open the directory (a symbolic link is followed) and check it
 *	   with sandbox_check_spec's rules on that descriptor, then
 *	   fchdir() to it, chroot(".") and chdir("/"): what was checked is
 *	   what becomes the root, even if the path changes in between.
 *	2. Empty the bounding set: every capability up to cap_max_bits()
 *	   is read (cap_get_bound), and one still in the set is dropped
 *	   (cap_drop_bound) and read again. Dropping needs CAP_SETPCAP in
 *	   the effective set, which the uid change below takes away: so it
 *	   comes first. A child of the spawner finds the set already empty
 *	   (policy/spawner.c) and drops nothing; the spawner's filter,
 *	   which it inherits, has no PR_CAPBSET_DROP, so a drop there
 *	   would kill it (policy/policy_spawner.c).
 *	3. Clear the ambient set (no privilege needed), with one
 *	   PR_CAP_AMBIENT_CLEAR_ALL.
 *	4. setgroups(0), setresgid(), setresuid() to the sandbox user (they
 *	   need CAP_SETGID/CAP_SETUID, so before the capabilities go), and
 *	   check the result with getgroups/getresgid/getresuid. Leaving uid
 *	   0 makes the kernel clear the effective and permitted sets,
 *	   unless a securebit said otherwise.
 *	5. Clear the effective, permitted and inheritable sets with capset()
 *	   (the inheritable set survives a uid change; a SECBIT_KEEP_CAPS
 *	   inherited from a parent would keep the others), and check that
 *	   all of them (capget()) and the ambient set are empty. (The
 *	   bounding set was read back empty in step 2; see
 *	   sandbox_bounding_drop() for why steps 3 to 5 cannot refill it.)
 *	6. PR_SET_NO_NEW_PRIVS (required to load a filter without
 *	   CAP_SYS_ADMIN, and no execve could ever grant anything),
 *	   PR_SET_DUMPABLE 0 (no ptrace or /proc/PID/mem by the same uid,
 *	   no core), PR_SET_PDEATHSIG SIGKILL: the kernel kills the child
 *	   when the parent ends, however it ends. The parent, as
 *	   $mail_owner, cannot signal the sandbox user's process, and a
 *	   child that no longer reads its IPC socket would not notice the
 *	   EOF. A credential change clears the setting, so it comes after
 *	   step 4; a parent that ended before it was set is caught by
 *	   comparing getppid() with the parent seen on entry.
 *	7. rlimits, each with its reason in the table below.
 *	8. The seccomp allow-list (policy/policy_child.c), from the program
 *	   the parent built before the fork; when there is none (a test
 *	   that forks and calls this directly), it is built first, before
 *	   step 1, while descriptors and memory are not yet limited.
 *
 *	Any failing step returns -1 with "step: reason" in why[]; the
 *	caller exits. There is no degraded mode.
 * SECURITY
 *	Child, as root, before it has read a byte from the network. The
 *	specification comes from the parent's configuration (main.cf,
 *	trusted); the directory's contents are not trusted (names are
 *	censored before they are reported).
 * SEE ALSO
 *	include/sj_sandbox.h, policy/policy_child.c, policy/sandbox_report.c
 */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sj_limits.h"
#include "sj_sandbox.h"
#include "sj_text.h"

#define SANDBOX_PARAM	"smtpjail_sandbox_directory"
#define SANDBOX_USER	"smtpjail_sandbox_user"

struct sandbox_rlimit {
	int	resource;
	const char *name;
	rlim_t	value;			/* soft and hard */
	const char *why;
};

static const struct sandbox_rlimit sandbox_rlimits[] = {
	/* The child writes no file: a regular file reached by mistake
	 * cannot grow (write fails, SIGXFSZ). */
	{ RLIMIT_FSIZE, "RLIMIT_FSIZE", 0, "no file writes" },
	/* IPC socket, content memfd, c-ares sockets, one SMTP session. */
	{ RLIMIT_NOFILE, "RLIMIT_NOFILE", SJ_CHILD_NOFILE, "few descriptors" },
	/* Second line behind seccomp (no clone): no new process for the
	 * sandbox uid. */
	{ RLIMIT_NPROC, "RLIMIT_NPROC", 0, "no new processes" },
	/* Message content and peer data never end up in a core file. */
	{ RLIMIT_CORE, "RLIMIT_CORE", 0, "no core dumps" },
#ifndef SJ_ASAN
	/* Bounds what a hostile server can make the child allocate.
	 * AddressSanitizer reserves terabytes of shadow memory, so an ASan
	 * build (-DSJ_ASAN) goes without. */
	{ RLIMIT_AS, "RLIMIT_AS", SJ_CHILD_AS_BYTES, "bounded memory" },
#endif
};

#define SANDBOX_NRLIMITS (sizeof(sandbox_rlimits) / sizeof(sandbox_rlimits[0]))

/*
 * The first entry other than "." and "..", or "" when empty. getdents64
 * into a stack buffer rather than opendir(): in the freshly forked child
 * readdir's 32 KB buffer would be heap shared with the parent, a
 * copy-on-write fault for every page it touches.
 */
static int
sandbox_dir_first_entry(int dfd, char *name, size_t namesz)
{
	union {
		struct dirent64 align;
		char	bytes[2048];
	} buf;
	struct dirent64 de;
	const char *dname;
	ssize_t	n, off;
	size_t	fixed = offsetof(struct dirent64, d_name);

	name[0] = '\0';
	if (lseek(dfd, 0, SEEK_SET) < 0)
		return (-errno);
	while ((n = getdents64(dfd, buf.bytes, sizeof(buf.bytes))) > 0) {
		for (off = 0; off < n; off += de.d_reclen) {
			if ((size_t)(n - off) < fixed)
				return (-EIO);
			memcpy(&de, buf.bytes + off, fixed);
			if (de.d_reclen <= fixed || de.d_reclen > n - off)
				return (-EIO);
			dname = buf.bytes + off + fixed;
			if (memchr(dname, '\0', de.d_reclen - fixed) == NULL)
				return (-EIO);
			if (strcmp(dname, ".") == 0 || strcmp(dname, "..") == 0)
				continue;
			sj_text_censor(name, namesz, dname, strlen(dname));
			return (0);
		}
	}
	return (n < 0 ? -errno : 0);
}

/*
 * Opens the sandbox directory and checks it. Returns the descriptor,
 * or -1 with why[] filled.
 */
static int
sandbox_dir_open(const char *dir, char *why, size_t whysz)
{
	struct stat st;
	char	entry[64];
	int	fd, err;

	if (dir == NULL || dir[0] != '/') {
		snprintf(why, whysz, "%s %s: not an absolute path",
		    SANDBOX_PARAM, dir ? dir : "(unset)");
		return (-1);
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whysz, "%s %s: %s", SANDBOX_PARAM, dir,
		    errno == ENOTDIR ? "not a directory" : strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) < 0) {
		snprintf(why, whysz, "%s %s: fstat: %s", SANDBOX_PARAM, dir,
		    strerror(errno));
		goto bad;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whysz, "%s %s: not a directory", SANDBOX_PARAM,
		    dir);
		goto bad;
	}
	if (st.st_uid != 0) {
		snprintf(why, whysz, "%s %s: not owned by root (owner uid %lu)",
		    SANDBOX_PARAM, dir, (unsigned long)st.st_uid);
		goto bad;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		snprintf(why, whysz, "%s %s: writable by group or other "
		    "(mode %04o); it must be writable by root only",
		    SANDBOX_PARAM, dir, (unsigned)(st.st_mode & 07777));
		goto bad;
	}
	if ((err = sandbox_dir_first_entry(fd, entry, sizeof(entry))) < 0) {
		snprintf(why, whysz, "%s %s: cannot list: %s", SANDBOX_PARAM,
		    dir, strerror(-err));
		goto bad;
	}
	if (entry[0] != '\0') {
		snprintf(why, whysz, "%s %s: not empty (contains '%s')",
		    SANDBOX_PARAM, dir, entry);
		goto bad;
	}
	return (fd);
bad:
	close(fd);
	return (-1);
}

static int
sandbox_ids_check(const struct sj_sandbox_spec *spec, char *why,
    size_t whysz)
{
	if (spec->uid == 0 || spec->uid == (uid_t)-1) {
		snprintf(why, whysz, "%s: uid %ld is not allowed (root or "
		    "invalid); use a dedicated unprivileged user",
		    SANDBOX_USER, (long)spec->uid);
		return (-1);
	}
	if (spec->gid == 0 || spec->gid == (gid_t)-1) {
		snprintf(why, whysz, "%s: gid %ld is not allowed (root or "
		    "invalid); use a dedicated unprivileged group",
		    SANDBOX_USER, (long)spec->gid);
		return (-1);
	}
	if (spec->uid == spec->forbidden_uid) {
		snprintf(why, whysz, "%s: uid %lu is $mail_owner's; the "
		    "sandbox user must be a different, dedicated user",
		    SANDBOX_USER, (unsigned long)spec->uid);
		return (-1);
	}
	return (0);
}

int
sandbox_check_spec(const struct sj_sandbox_spec *spec, char *why,
    size_t whysz)
{
	int	fd;

	if ((fd = sandbox_dir_open(spec->directory, why, whysz)) < 0)
		return (-1);
	close(fd);
	return (sandbox_ids_check(spec, why, whysz));
}

#define STEP_FAIL(...) do { \
	snprintf(why, whysz, __VA_ARGS__); \
	return (-1); \
} while (0)

static int
sandbox_chroot(const struct sj_sandbox_spec *spec, char *why, size_t whysz)
{
	int	fd, saved;

	if ((fd = sandbox_dir_open(spec->directory, why, whysz)) < 0)
		return (-1);
	if (sandbox_ids_check(spec, why, whysz) < 0) {
		close(fd);
		return (-1);
	}
	if (fchdir(fd) < 0 || chroot(".") < 0) {
		saved = errno;
		close(fd);
		STEP_FAIL("chroot %s: %s", spec->directory, strerror(saved));
	}
	close(fd);
	if (chdir("/") < 0)
		STEP_FAIL("chdir / in %s: %s", spec->directory,
		    strerror(errno));
	return (0);
}

/*
 * Each capability read, dropped only if set, and read again: the read
 * is the check, and one call for a capability the spawner already
 * dropped (all of them) instead of a drop and a later read.
 *
 * The check is made here, not after the uid and capset steps, because
 * they cannot put anything back in the bounding set: in the kernel the
 * only writers of cred->cap_bset are cap_prctl_drop() (PR_CAPBSET_DROP,
 * security/commoncap.c), which only lowers it, and set_cred_user_ns()
 * for a new user namespace (kernel/user_namespace.c; no unshare() or
 * clone() follows). cap_task_fix_setuid()/cap_emulate_setxuid() (the
 * setresuid() of step 4) and cap_capset() (step 5) change the
 * permitted, effective, inheritable and ambient sets only.
 */
static int
sandbox_bounding_drop(char *why, size_t whysz)
{
	cap_value_t cap, max = cap_max_bits();
	int	set;

	for (cap = 0; cap < max; cap++) {
		if ((set = cap_get_bound(cap)) == 0)
			continue;
		if (set < 0)
			STEP_FAIL("cap_get_bound %d: %s", (int)cap,
			    strerror(errno));
		if (cap_drop_bound(cap) < 0)
			STEP_FAIL("cap_drop_bound %d (needs CAP_SETPCAP): %s",
			    (int)cap, strerror(errno));
		if (cap_get_bound(cap) != 0)
			STEP_FAIL("cap_get_bound %d: still in the bounding set",
			    (int)cap);
	}
	return (0);
}

static int
sandbox_ids_drop(const struct sj_sandbox_spec *spec, char *why,
    size_t whysz)
{
	uid_t	ru, eu, su;
	gid_t	rg, eg, sg;
	int	n;

	if (setgroups(0, NULL) < 0)
		STEP_FAIL("setgroups 0: %s", strerror(errno));
	if (setresgid(spec->gid, spec->gid, spec->gid) < 0)
		STEP_FAIL("setresgid %lu: %s", (unsigned long)spec->gid,
		    strerror(errno));
	if (setresuid(spec->uid, spec->uid, spec->uid) < 0)
		STEP_FAIL("setresuid %lu: %s", (unsigned long)spec->uid,
		    strerror(errno));
	if (getresuid(&ru, &eu, &su) < 0 || ru != spec->uid ||
	    eu != spec->uid || su != spec->uid)
		STEP_FAIL("getresuid: ids are not %lu after setresuid",
		    (unsigned long)spec->uid);
	if (getresgid(&rg, &eg, &sg) < 0 || rg != spec->gid ||
	    eg != spec->gid || sg != spec->gid)
		STEP_FAIL("getresgid: ids are not %lu after setresgid",
		    (unsigned long)spec->gid);
	if ((n = getgroups(0, NULL)) != 0)
		STEP_FAIL("getgroups: %d supplementary groups after "
		    "setgroups 0", n);
	return (0);
}

/*
 * capset()/capget() on the stack rather than libcap's cap_set_proc(),
 * cap_get_proc() and cap_compare(): the same two system calls, without
 * the heap allocations (copy-on-write faults in a freshly forked child).
 */
int
sandbox_caps_clear_sets(char *why, size_t whysz)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	size_t	i;

	/* All zero: effective, permitted, inheritable. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	memset(data, 0, sizeof(data));
	if (capset(&hdr, data) < 0)
		STEP_FAIL("capset (clear): %s", strerror(errno));
	/* Check every set, as the kernel now has it. */
	memset(&hdr, 0, sizeof(hdr));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	memset(data, 0xff, sizeof(data));
	if (capget(&hdr, data) < 0)
		STEP_FAIL("capget: %s", strerror(errno));
	if (hdr.version != _LINUX_CAPABILITY_VERSION_3)
		STEP_FAIL("capget: kernel answers with version 0x%x, not 0x%x",
		    (unsigned)hdr.version, _LINUX_CAPABILITY_VERSION_3);
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
		if (data[i].effective != 0 || data[i].permitted != 0 ||
		    data[i].inheritable != 0)
			STEP_FAIL("capset: capabilities remain after clearing");
	return (0);
}

static int
sandbox_caps_clear(char *why, size_t whysz)
{
	cap_value_t cap, max = cap_max_bits();

	if (sandbox_caps_clear_sets(why, whysz) < 0)
		return (-1);
	for (cap = 0; cap < max; cap++)
		if (cap_get_ambient(cap) != 0)
			STEP_FAIL("cap_get_ambient %d: still in the ambient "
			    "set", (int)cap);
	return (0);
}

static int
sandbox_prctl(pid_t parent, char *why, size_t whysz)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		STEP_FAIL("prctl PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		STEP_FAIL("prctl PR_GET_NO_NEW_PRIVS: not set");
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		STEP_FAIL("prctl PR_SET_DUMPABLE 0: %s", strerror(errno));
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		STEP_FAIL("prctl PR_GET_DUMPABLE: still dumpable");
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		STEP_FAIL("prctl PR_SET_PDEATHSIG SIGKILL: %s",
		    strerror(errno));
	if (getppid() != parent)
		STEP_FAIL("the parent (pid %ld) ended during start-up",
		    (long)parent);
	return (0);
}

static int
sandbox_rlimits_set(char *why, size_t whysz)
{
	const struct sandbox_rlimit *r;
	struct rlimit rl;

	for (r = sandbox_rlimits; r < sandbox_rlimits + SANDBOX_NRLIMITS;
	    r++) {
		rl.rlim_cur = rl.rlim_max = r->value;
		if (setrlimit(r->resource, &rl) < 0)
			STEP_FAIL("setrlimit %s %lu (%s): %s", r->name,
			    (unsigned long)r->value, r->why, strerror(errno));
	}
	return (0);
}

int
sandbox_child_enter(const struct sj_sandbox_spec *spec, char *why,
    size_t whysz)
{
	pid_t	parent = getppid();
	int	err;

	/* Normally built by the parent before the fork (child_prepare());
	 * otherwise now, while descriptors and memory are not limited. */
	if (!policy_child_prepared(spec->seccomp_trap) &&
	    policy_child_prepare(spec->seccomp_trap, why, whysz) < 0)
		return (-1);
	if (sandbox_chroot(spec, why, whysz) < 0 ||
	    sandbox_bounding_drop(why, whysz) < 0)
		return (-1);
	/* One call for the whole set (libcap's cap_reset_ambient() first
	 * probes every capability); step 5 checks each one. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		STEP_FAIL("prctl PR_CAP_AMBIENT_CLEAR_ALL: %s",
		    strerror(errno));
	if (sandbox_ids_drop(spec, why, whysz) < 0 ||
	    sandbox_caps_clear(why, whysz) < 0 ||
	    sandbox_prctl(parent, why, whysz) < 0 ||
	    sandbox_rlimits_set(why, whysz) < 0)
		return (-1);
	if ((err = policy_child_install(spec->seccomp_trap, why, whysz)) < 0)
		return (-1);
	return (0);
}

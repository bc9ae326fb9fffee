/*
 * NAME
 *	sandbox_report 3
 * SUMMARY
 *	the sandbox self-check: a live child, as the kernel sees it
 * DESCRIPTION
 *	sandbox_report() checks a running child against what
 *	sandbox_child_enter() promises, from the kernel's own records:
 *
 *	/proc/PID/status   Uid, Gid (real/effective/saved/fs all the
 *			   sandbox ids), Groups (none), CapEff, CapPrm,
 *			   CapInh, CapBnd, CapAmb (all zero), NoNewPrivs
 *			   (1), Seccomp (2: filter), Seccomp_filters (>= 1)
 *	/proc/PID/status   owned by root although the process is not:
 *			   the kernel gives the files of /proc/PID to root
 *			   when the process is not dumpable (PR_SET_DUMPABLE
 *			   0)
 *	/proc/PID/root     the sandbox directory as this process sees it
 *			   (a chrooted process's root reads as the path of
 *			   its chroot from outside)
 *	/proc/PID/limits   RLIMIT_FSIZE, RLIMIT_NPROC, RLIMIT_CORE 0,
 *			   RLIMIT_NOFILE and RLIMIT_AS at most the values
 *			   of sj_limits.h (soft and hard)
 *
 *	then the number of system calls of the allow-list, and the
 *	filter's action: "kill" passes, "trap" (smtpjail_seccomp_debug =
 *	yes, which reports a violation instead of killing) fails. One line per
 *	property, then "sandbox-check: ok" or "sandbox-check: FAILED (...)".
 * SECURITY
 *	Parent, as root, before it drops privileges (--sandbox-check and
 *	tests). Reads only kernel-generated files; every field is parsed
 *	with bounds, and a missing field is a failure.
 * SEE ALSO
 *	include/sj_sandbox_report.h, policy/sandbox_child.c, proc(5)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sj_limits.h"
#include "sj_sandbox_report.h"

#define REPORT_FILE_MAX		16384	/* /proc/PID/status is ~1.5 KiB */
#define REPORT_VALUE_MAX	128
#define REPORT_FAILED_MAX	512

struct report {
	FILE   *out;
	char	failed[REPORT_FAILED_MAX];	/* "CapBnd, root" */
	int	nfailed;
};

static void
report_line(struct report *rp, const char *prop, const char *value, int ok,
    const char *expected)
{
	size_t	len;

	if (ok) {
		fprintf(rp->out, "sandbox-check: %s %s ok\n", prop, value);
		return;
	}
	fprintf(rp->out, "sandbox-check: %s %s FAILED (expected %s)\n", prop,
	    value, expected);
	len = strlen(rp->failed);
	snprintf(rp->failed + len, sizeof(rp->failed) - len, "%s%s",
	    rp->nfailed ? ", " : "", prop);
	rp->nfailed++;
}

/* Reads a whole /proc file into buf (NUL-terminated). */
static int
report_slurp(const char *path, char *buf, size_t bufsz)
{
	size_t	len = 0;
	ssize_t	n;
	int	fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return (-errno);
	while (len < bufsz - 1) {
		n = read(fd, buf + len, bufsz - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			close(fd);
			return (err);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	return (0);
}

/* The rest of the line of buf that starts with prefix, or NULL. */
static const char *
report_find_line(const char *buf, const char *prefix)
{
	const char *p = buf;
	size_t	len = strlen(prefix);

	while (p != NULL) {
		if (strncmp(p, prefix, len) == 0)
			return (p + len);
		if ((p = strchr(p, '\n')) != NULL)
			p++;
	}
	return (NULL);
}

/*
 * The value of "Name:\tvalue\n" in a status buffer, tabs turned into
 * '/', surrounding blanks removed. 0, or -ENOENT.
 */
static int
report_status_field(const char *status, const char *name, char *val,
    size_t valsz)
{
	char	prefix[32];
	const char *v, *end;
	size_t	i = 0;

	snprintf(prefix, sizeof(prefix), "%s:", name);
	if ((v = report_find_line(status, prefix)) == NULL)
		return (-ENOENT);
	while (*v == '\t' || *v == ' ')
		v++;
	if ((end = strchr(v, '\n')) == NULL)
		end = v + strlen(v);
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; v < end && i < valsz - 1; v++)
		val[i++] = *v == '\t' ? '/' : *v;
	val[i] = '\0';
	return (0);
}

/* "a/b/c/d": all four equal to id. */
static int
report_ids_are(const char *val, unsigned long id)
{
	const char *p = val;
	char   *end;
	unsigned long v;
	int	n;

	for (n = 0; n < 4; n++) {
		errno = 0;
		v = strtoul(p, &end, 10);
		if (errno != 0 || end == p || v != id)
			return (0);
		if (n < 3 && *end != '/')
			return (0);
		p = end + 1;
	}
	return (*end == '\0');
}

static int
report_hex_is_zero(const char *val)
{
	char   *end;
	unsigned long long v;

	if (*val == '\0')
		return (0);
	errno = 0;
	v = strtoull(val, &end, 16);
	return (errno == 0 && *end == '\0' && v == 0);
}

/* Field 'name' of the status buffer into val; "(missing)" if absent. */
static int
report_get(const char *status, const char *name, char *val, size_t valsz)
{
	if (report_status_field(status, name, val, valsz) == 0)
		return (1);
	snprintf(val, valsz, "(missing)");
	return (0);
}

static void
report_status(struct report *rp, pid_t pid, const struct sj_sandbox_spec *spec,
    uid_t *uid_seen)
{
	static const char *const caps[] = {
		"CapEff", "CapPrm", "CapInh", "CapBnd", "CapAmb",
	};
	char	path[64], buf[REPORT_FILE_MAX], val[REPORT_VALUE_MAX];
	char	expect[64];
	size_t	i;
	int	err, found;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if ((err = report_slurp(path, buf, sizeof(buf))) < 0) {
		report_line(rp, "status", strerror(-err), 0,
		    "a running child");
		return;
	}
	found = report_get(buf, "Uid", val, sizeof(val));
	if (found)
		*uid_seen = (uid_t)strtoul(val, NULL, 10);
	snprintf(expect, sizeof(expect), "%lu for real/effective/saved/fs",
	    (unsigned long)spec->uid);
	report_line(rp, "uid", val, found && report_ids_are(val, spec->uid),
	    expect);

	found = report_get(buf, "Gid", val, sizeof(val));
	snprintf(expect, sizeof(expect), "%lu for real/effective/saved/fs",
	    (unsigned long)spec->gid);
	report_line(rp, "gid", val, found && report_ids_are(val, spec->gid),
	    expect);

	found = report_get(buf, "Groups", val, sizeof(val));
	report_line(rp, "groups", found && val[0] == '\0' ? "none" : val,
	    found && val[0] == '\0', "none");

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		found = report_get(buf, caps[i], val, sizeof(val));
		report_line(rp, caps[i], val, found && report_hex_is_zero(val),
		    "0000000000000000");
	}

	found = report_get(buf, "NoNewPrivs", val, sizeof(val));
	report_line(rp, "NoNewPrivs", val, found && strcmp(val, "1") == 0,
	    "1");
	found = report_get(buf, "Seccomp", val, sizeof(val));
	report_line(rp, "Seccomp", val, found && strcmp(val, "2") == 0,
	    "2 (filter mode)");
	/* Reported since Linux 5.9. */
	if (report_get(buf, "Seccomp_filters", val, sizeof(val)))
		report_line(rp, "Seccomp_filters", val,
		    strtoul(val, NULL, 10) >= 1, "at least 1");
	else
		report_line(rp, "Seccomp_filters", "(not reported by this "
		    "kernel)", 1, "");
}

static void
report_dumpable(struct report *rp, pid_t pid, uid_t uid_seen)
{
	char	path[64];
	int	ok;
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	if (stat(path, &st) < 0) {
		report_line(rp, "dumpable", strerror(errno), 0, "0");
		return;
	}
	/* proc(5): files (not the directory) under /proc/PID belong to
	 * root when the task is not dumpable. A sandbox uid of 0 is
	 * refused, so this is conclusive. */
	ok = st.st_uid == 0 && uid_seen != 0;
	report_line(rp, "dumpable", ok ? "0" : "1", ok,
	    "0 (/proc/PID/status owned by root)");
}

static void
report_root(struct report *rp, pid_t pid, const struct sj_sandbox_spec *spec)
{
	char	path[64], link[PATH_MAX], want[PATH_MAX];
	ssize_t	n;

	snprintf(path, sizeof(path), "/proc/%ld/root", (long)pid);
	if ((n = readlink(path, link, sizeof(link) - 1)) < 0) {
		report_line(rp, "root", strerror(errno), 0,
		    "the sandbox directory");
		return;
	}
	link[n] = '\0';
	if (spec->directory == NULL ||
	    realpath(spec->directory, want) == NULL) {
		report_line(rp, "root", link, 0, spec->directory ?
		    spec->directory : "(no sandbox directory)");
		return;
	}
	report_line(rp, "root", link, strcmp(link, want) == 0, want);
}

/* "unlimited" or a number; ULLONG_MAX for unlimited; -1 if neither. */
static int
report_limit_value(const char *s, unsigned long long *v)
{
	char   *end;

	if (strcmp(s, "unlimited") == 0) {
		*v = ULLONG_MAX;
		return (0);
	}
	errno = 0;
	*v = strtoull(s, &end, 10);
	return (errno == 0 && end != s && *end == '\0' ? 0 : -1);
}

struct report_limit {
	const char *prop;
	const char *label;		/* as in /proc/PID/limits */
	unsigned long long max;		/* soft and hard at most this */
	int	checked;		/* 0: shown, not judged */
};

static void
report_limits(struct report *rp, pid_t pid)
{
	static const struct report_limit limits[] = {
		{ "RLIMIT_FSIZE", "Max file size", 0, 1 },
		{ "RLIMIT_NPROC", "Max processes", 0, 1 },
		{ "RLIMIT_CORE", "Max core file size", 0, 1 },
		{ "RLIMIT_NOFILE", "Max open files", SJ_CHILD_NOFILE, 1 },
#ifdef SJ_ASAN
		{ "RLIMIT_AS", "Max address space", 0, 0 },
#else
		{ "RLIMIT_AS", "Max address space", SJ_CHILD_AS_BYTES, 1 },
#endif
	};
	const struct report_limit *l;
	char	path[64], buf[REPORT_FILE_MAX], soft[32], hard[32];
	char	val[80], expect[80], label[48];
	unsigned long long s, h;
	const char *p;
	int	err, ok;

	snprintf(path, sizeof(path), "/proc/%ld/limits", (long)pid);
	if ((err = report_slurp(path, buf, sizeof(buf))) < 0) {
		report_line(rp, "limits", strerror(-err), 0, "a running child");
		return;
	}
	for (l = limits; l < limits + sizeof(limits) / sizeof(limits[0]);
	    l++) {
		ok = 0;
		snprintf(val, sizeof(val), "(missing)");
		snprintf(label, sizeof(label), "%s ", l->label);
		if ((p = report_find_line(buf, label)) != NULL &&
		    sscanf(p, "%31s %31s", soft, hard) == 2) {
			snprintf(val, sizeof(val), "%s/%s", soft, hard);
			ok = report_limit_value(soft, &s) == 0 &&
			    report_limit_value(hard, &h) == 0 &&
			    (!l->checked || (s <= l->max && h <= l->max));
		}
		if (l->checked)
			snprintf(expect, sizeof(expect),
			    "soft/hard at most %llu", l->max);
		else
			snprintf(expect, sizeof(expect), "a value");
		if (ok && !l->checked) {
			/* ASan needs terabytes of address space. */
			snprintf(val + strlen(val), sizeof(val) - strlen(val),
			    " (ASan build: not limited)");
		}
		report_line(rp, l->prop, val, ok, expect);
	}
}

/* Every property of the child, into rp. */
static void
report_child(struct report *rp, pid_t child, const struct sj_sandbox_spec *spec)
{
	char	val[64], expect[64];
	uid_t	uid_seen = 0;
	int	n;

	report_status(rp, child, spec, &uid_seen);
	report_dumpable(rp, child, uid_seen);
	report_root(rp, child, spec);
	report_limits(rp, child);

	n = policy_child_rule_count();
	snprintf(val, sizeof(val), "%d", n);
#ifdef SJ_ASAN
	snprintf(expect, sizeof(expect), "a list");
	report_line(rp, "allowed-syscalls", val, n > 0, expect);
#else
	snprintf(expect, sizeof(expect), "at most %d", SJ_CHILD_SYSCALLS_MAX);
	report_line(rp, "allowed-syscalls", val,
	    n > 0 && n <= SJ_CHILD_SYSCALLS_MAX, expect);
#endif
	/* A trapping filter reports a violation and lets the call fail
	 * instead of killing: not the sandbox SECURITY.md describes. */
	report_line(rp, "seccomp-action", spec->seccomp_trap ?
	    "trap (smtpjail_seccomp_debug = yes: violations are reported, "
	    "not killed)" : "kill", !spec->seccomp_trap,
	    "kill: set smtpjail_seccomp_debug = no");
}

static int
report_verdict(struct report *rp, const char *what)
{
	if (rp->nfailed == 0)
		fprintf(rp->out, "sandbox-check: %sok\n", what);
	else
		fprintf(rp->out, "sandbox-check: %sFAILED (%s)\n", what,
		    rp->failed);
	return (rp->nfailed == 0 ? 0 : -1);
}

int
sandbox_report(pid_t child, const struct sj_sandbox_spec *spec, FILE *out)
{
	struct report rp;

	memset(&rp, 0, sizeof(rp));
	rp.out = out;
	report_child(&rp, child, spec);
	return (report_verdict(&rp, ""));
}

/* "0000000000abcdef" equal to mask. */
static int
report_hex_is(const char *val, unsigned long long mask)
{
	char   *end;
	unsigned long long v;

	if (*val == '\0')
		return (0);
	errno = 0;
	v = strtoull(val, &end, 16);
	return (errno == 0 && *end == '\0' && v == mask);
}

static void
report_spawner(struct report *rp, pid_t spawner,
    const struct sj_sandbox_spec *spec, unsigned long long caps)
{
	static const char *const kept[] = { "CapEff", "CapPrm" };
	static const char *const none[] = { "CapInh", "CapBnd", "CapAmb" };
	char	path[64], buf[REPORT_FILE_MAX], val[REPORT_VALUE_MAX];
	char	prop[32], expect[64], link[PATH_MAX], want[PATH_MAX];
	ssize_t	n;
	size_t	i;
	int	err, found;

	snprintf(path, sizeof(path), "/proc/%ld/status", (long)spawner);
	if ((err = report_slurp(path, buf, sizeof(buf))) < 0) {
		report_line(rp, "spawner-status", strerror(-err), 0,
		    "a running spawner");
		return;
	}
	snprintf(expect, sizeof(expect), "%016llx", caps);
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		found = report_get(buf, kept[i], val, sizeof(val));
		snprintf(prop, sizeof(prop), "spawner-%s", kept[i]);
		report_line(rp, prop, val, found && report_hex_is(val, caps),
		    expect);
	}
	for (i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		found = report_get(buf, none[i], val, sizeof(val));
		snprintf(prop, sizeof(prop), "spawner-%s", none[i]);
		report_line(rp, prop, val, found && report_hex_is_zero(val),
		    "0000000000000000");
	}
	found = report_get(buf, "NoNewPrivs", val, sizeof(val));
	report_line(rp, "spawner-NoNewPrivs", val, found &&
	    strcmp(val, "1") == 0, "1");
	found = report_get(buf, "Seccomp", val, sizeof(val));
	report_line(rp, "spawner-Seccomp", val, found &&
	    strcmp(val, "2") == 0, "2 (filter mode)");
	snprintf(path, sizeof(path), "/proc/%ld/root", (long)spawner);
	n = readlink(path, link, sizeof(link) - 1);
	link[n < 0 ? 0 : n] = '\0';
	found = n > 0 && spec->directory != NULL &&
	    realpath(spec->directory, want) != NULL;
	report_line(rp, "spawner-root", n < 0 ? strerror(errno) : link,
	    found && strcmp(link, want) == 0, "the sandbox directory");
}

int
sandbox_report_spawner(pid_t spawner, const struct sj_sandbox_spec *spec,
    unsigned long long caps, FILE *out)
{
	struct report rp;

	memset(&rp, 0, sizeof(rp));
	rp.out = out;
	report_spawner(&rp, spawner, spec, caps);
	return (report_verdict(&rp, "spawner "));
}

int
sandbox_report_pair(pid_t child, pid_t spawner,
    const struct sj_sandbox_spec *spec, unsigned long long caps, FILE *out)
{
	struct report rp;

	memset(&rp, 0, sizeof(rp));
	rp.out = out;
	report_child(&rp, child, spec);
	report_spawner(&rp, spawner, spec, caps);
	return (report_verdict(&rp, ""));
}

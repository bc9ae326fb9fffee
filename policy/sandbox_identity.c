/*
 * NAME
 *	sandbox_identity 3
 * SUMMARY
 *	is the sandbox user really dedicated to the sandbox?
 * DESCRIPTION
 *	sandbox_identity_check() refuses a $smtpjail_sandbox_user whose
 *	uid or gid lets the child reach something that belongs to
 *	someone else. A process can signal, ptrace (were it dumpable) or
 *	share files with every other process of its uid; with its gid it
 *	can read and write what the group may. So the user must be used
 *	by nothing but smtpjail:
 *
 *	- not "nobody", nor the kernel's overflow uid
 *	  (/proc/sys/kernel/overflowuid): NFS root squash, user
 *	  namespaces and other daemons all map to it;
 *	- no other passwd entry with the same uid;
 *	- its group (its passwd gid) is not $mail_owner's group, not
 *	  $setgid_group (postdrop: write access to the maildrop), has no
 *	  members in the group database, and is no other user's primary
 *	  group;
 *	- it owns none of the files that the check can see cheaply: its
 *	  home directory and the first SANDBOX_ID_HOME_SCAN entries in
 *	  it, the sandbox directory and the directory above it.
 *
 *	A user created with "adduser --system --group _smtpjail" (what
 *	make install and the Debian package do) passes: its own group
 *	with no members, home /nonexistent.
 * SECURITY
 *	Parent, as root, before the child is forked: reads the passwd
 *	and group databases (whatever NSS serves; trusted as the system's
 *	configuration) and stats a few paths. Never runs in the child.
 * SEE ALSO
 *	policy/sandbox_child.c (uid/gid 0, $mail_owner's uid, the
 *	directory), SECURITY.md, smtpjail(8)
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sj_identity.h"

#define SANDBOX_ID_PARAM	"parameter smtpjail_sandbox_user"
#define SANDBOX_ID_HOME_SCAN	256	/* home entries looked at */
#define SANDBOX_ID_OVERFLOW	"/proc/sys/kernel/overflowuid"
#define SANDBOX_ID_OVERFLOW_DEF	65534	/* the kernel's default */

/* The kernel's overflow uid, or its default if unreadable. */
static uid_t
sandbox_id_overflow_uid(void)
{
	char	buf[32];
	ssize_t	n;
	long	v;
	int	fd;
	char   *end;

	if ((fd = open(SANDBOX_ID_OVERFLOW, O_RDONLY | O_CLOEXEC)) < 0)
		return ((uid_t)SANDBOX_ID_OVERFLOW_DEF);
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return ((uid_t)SANDBOX_ID_OVERFLOW_DEF);
	buf[n] = '\0';
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v < 0 || v > INT_MAX)
		return ((uid_t)SANDBOX_ID_OVERFLOW_DEF);
	return ((uid_t)v);
}

/* Does uid own path (followed) or, for a directory, one of its first
 * entries? *owned receives the path found. 0 = no, 1 = yes. */
static int
sandbox_id_owns(const char *path, uid_t uid, int scan, char *owned,
    size_t ownedsz)
{
	struct stat st;
	struct dirent *de;
	DIR    *d;
	int	n = 0, found = 0;

	if (stat(path, &st) < 0)
		return (0);		/* e.g. /nonexistent */
	if (st.st_uid == uid) {
		snprintf(owned, ownedsz, "%s", path);
		return (1);
	}
	if (!scan || !S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
		return (0);
	while (!found && n++ < SANDBOX_ID_HOME_SCAN &&
	    (de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && st.st_uid == uid) {
			snprintf(owned, ownedsz, "%s/%s", path, de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return (found);
}

/* Another passwd entry with this uid, or whose primary group is gid. */
static int
sandbox_id_scan_passwd(const struct sj_identity *id, char *why,
    size_t whysz)
{
	struct passwd *pw;
	int	rc = 0;

	setpwent();
	while (rc == 0 && (pw = getpwent()) != NULL) {
		if (strcmp(pw->pw_name, id->user) == 0)
			continue;
		if (pw->pw_uid == id->uid) {
			snprintf(why, whysz, "%s: user \"%.100s\" shares uid "
			    "%lu with user \"%.100s\"; the sandbox needs a "
			    "dedicated user", SANDBOX_ID_PARAM, id->user,
			    (unsigned long)id->uid, pw->pw_name);
			rc = -1;
		} else if (pw->pw_gid == id->gid) {
			snprintf(why, whysz, "%s: the group (gid %lu) of user "
			    "\"%.100s\" is also the primary group of user "
			    "\"%.100s\"; the sandbox needs a dedicated group",
			    SANDBOX_ID_PARAM, (unsigned long)id->gid,
			    id->user, pw->pw_name);
			rc = -1;
		}
	}
	endpwent();
	return (rc);
}

int
sandbox_identity_check(const struct sj_identity *id, char *why,
    size_t whysz)
{
	struct passwd *pw;
	struct group *gr;
	char	owned[PATH_MAX + 256], dir[PATH_MAX];
	char   *slash;

	if (strcmp(id->user, "nobody") == 0 ||
	    id->uid == sandbox_id_overflow_uid()) {
		snprintf(why, whysz, "%s: user \"%.100s\" (uid %lu) is the "
		    "shared overflow user of NFS, user namespaces and other "
		    "daemons; use a dedicated user (adduser --system --group "
		    "_smtpjail)", SANDBOX_ID_PARAM, id->user,
		    (unsigned long)id->uid);
		return (-1);
	}
	if (id->gid == id->mail_owner_gid) {
		snprintf(why, whysz, "%s: user \"%.100s\" has the group of "
		    "mail_owner \"%.100s\" (gid %lu); the sandbox needs a "
		    "dedicated group", SANDBOX_ID_PARAM, id->user,
		    id->mail_owner, (unsigned long)id->gid);
		return (-1);
	}
	if (id->setgid_group != NULL && *id->setgid_group != '\0' &&
	    (gr = getgrnam(id->setgid_group)) != NULL &&
	    gr->gr_gid == id->gid) {
		snprintf(why, whysz, "%s: user \"%.100s\" has the group of "
		    "setgid_group \"%.100s\"; the sandbox needs a dedicated "
		    "group", SANDBOX_ID_PARAM, id->user, id->setgid_group);
		return (-1);
	}
	errno = 0;
	if ((gr = getgrgid(id->gid)) != NULL && gr->gr_mem != NULL &&
	    gr->gr_mem[0] != NULL) {
		snprintf(why, whysz, "%s: the group \"%.100s\" (gid %lu) of "
		    "user \"%.100s\" has members (\"%.100s\"%s); the sandbox "
		    "needs a dedicated group without members",
		    SANDBOX_ID_PARAM, gr->gr_name, (unsigned long)id->gid,
		    id->user, gr->gr_mem[0], gr->gr_mem[1] ? ", ..." : "");
		return (-1);
	}
	if (sandbox_id_scan_passwd(id, why, whysz) < 0)
		return (-1);

	if ((pw = getpwnam(id->user)) != NULL && pw->pw_dir != NULL &&
	    pw->pw_dir[0] == '/' &&
	    sandbox_id_owns(pw->pw_dir, id->uid, 1, owned, sizeof(owned))) {
		snprintf(why, whysz, "%s: user \"%.100s\" owns %.300s (in its "
		    "home directory); a dedicated sandbox user owns no files",
		    SANDBOX_ID_PARAM, id->user, owned);
		return (-1);
	}
	if (id->directory != NULL && id->directory[0] == '/' &&
	    strlen(id->directory) < sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%s", id->directory);
		if (sandbox_id_owns(dir, id->uid, 0, owned, sizeof(owned)) ||
		    ((slash = strrchr(dir, '/')) != NULL && slash != dir &&
		    (*slash = '\0', sandbox_id_owns(dir, id->uid, 0, owned,
		    sizeof(owned))))) {
			snprintf(why, whysz, "%s: user \"%.100s\" owns %.300s; "
			    "the sandbox directory and its parent must belong "
			    "to root", SANDBOX_ID_PARAM, id->user, owned);
			return (-1);
		}
	}
	return (0);
}

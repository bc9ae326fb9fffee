/*
 * NAME
 *	sj_identity.h 3h
 * SUMMARY
 *	the sandbox user's identity check (policy/sandbox_identity.c)
 */
#ifndef SJ_IDENTITY_H
#define SJ_IDENTITY_H

#include <sys/types.h>

struct sj_identity {
	const char *user;		/* smtpjail_sandbox_user */
	uid_t	uid;
	gid_t	gid;			/* its passwd gid */
	const char *mail_owner;
	gid_t	mail_owner_gid;
	const char *setgid_group;	/* postdrop; NULL or "": not checked */
	const char *directory;		/* smtpjail_sandbox_directory */
};

/* 0, or -1 with why[] naming the parameter, the user and the reason. */
int	sandbox_identity_check(const struct sj_identity *, char *why,
	    size_t whysz);

#endif

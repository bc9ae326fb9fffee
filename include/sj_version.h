/*
 * NAME
 *	sj_version.h 3h
 * SUMMARY
 *	smtpjail's release number
 * DESCRIPTION
 *	SJ_VERSION is printed by --version and must equal the upstream part
 *	of the newest debian/changelog entry (tests/pkg/t_deb.sh checks it).
 */
#ifndef SJ_VERSION_H
#define SJ_VERSION_H

#define SJ_VERSION	"0.9.0"

/* smtpjail_sandbox_user's default, and the one of versions before 0.9.0
 * that existing installs keep using (parent/config.c). */
#define SJ_SANDBOX_USER_DEFAULT	"_smtpjail"
#define SJ_SANDBOX_USER_LEGACY	"smtpjail"

#endif

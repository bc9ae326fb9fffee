/*
 * NAME
 *	main_info 3
 * SUMMARY
 *	--help, --version; --sandbox-check and --config-check on a bad start
 * DESCRIPTION
 *	main_info_option() looks at the command line before anything else
 *	is read. "--help" prints a summary of how smtpjail is run and
 *	exits 0; "--version" prints smtpjail's version, the IPC version
 *	of its two halves and the versions of the libraries this binary
 *	runs with (c-ares, libseccomp, libidn2, libpcre2-8), then exits 0.
 *	Either must be the only argument, so that a typo in master.cf
 *	never turns a daemon start into a help text.
 *
 *	main_info_sandbox_check() says whether --sandbox-check is among
 *	the options: the caller then reports a configuration error as
 *	"sandbox-check: FAILED (reason)" on stdout, as the self-check's
 *	verdicts are, instead of a fatal log line. main_info_config_check()
 *	does the same for --config-check ("config-check: FAILED (reason)").
 * SECURITY
 *	Parent, as root, before main.cf is read. Prints only fixed text
 *	and version strings of the linked libraries.
 * SEE ALSO
 *	parent/main.c, smtpjail(8)
 */
#include <ares.h>
#include <idn2.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc_msg.h"
#include "main_info.h"
#include "sj_check_re.h"
#include "sj_version.h"

static void
main_info_help(void)
{
	printf("usage: smtpjail -t unix [Postfix daemon options] "
	    "[flags=DORX]\n"
	    "       smtpjail --config-check | --sandbox-check | --help | "
	    "--version\n"
	    "\n"
	    "smtpjail is a drop-in replacement for Postfix's smtp(8) "
	    "delivery agent,\n"
	    "run by master(8) from master.cf:\n"
	    "\n"
	    "    smtp      unix  -       -       y       -       -       "
	    "smtpjail\n"
	    "\n"
	    "Postfix daemon options: -c (chroot) -d -D -i max_idle -l "
	    "-m max_use -n name\n"
	    "    -o name=value -s count -S (stdin/stdout, testing) "
	    "-t type -u -v -V -z\n"
	    "--sandbox-check  start the process pair as master(8) would, "
	    "print each\n"
	    "                 sandbox property of the live child, end with "
	    "\"sandbox-check: ok\"\n"
	    "                 or \"sandbox-check: FAILED (reasons)\" (exit "
	    "status 0 or 1)\n"
	    "--config-check   print each setting smtpjail refuses to start "
	    "with (main.cf,\n"
	    "                 -o, master.cf lines that would run it as root), "
	    "end with\n"
	    "                 \"config-check: ok\" or \"config-check: FAILED "
	    "(N settings ...)\"\n"
	    "                 (exit status 0 or 1); starts nothing\n"
	    "--help, --version  this text; the versions, then exit\n"
	    "\n"
	    "main.cf is read from $MAIL_CONFIG (default /etc/postfix). "
	    "See smtpjail(8),\n"
	    "smtpjail(5), /usr/share/doc/smtpjail/SECURITY.md.\n");
}

static void
main_info_version(void)
{
	const struct scmp_version *sv = seccomp_version();
	const char *idn = idn2_check_version(NULL);
	PCRE2_UCHAR pv[64];

	printf("smtpjail %s\n", SJ_VERSION);
	printf("ipc version %d\n", IPC_VERSION);
	printf("c-ares %s (built with %s)\n", ares_version(NULL),
	    ARES_VERSION_STR);
	if (sv != NULL)
		printf("libseccomp %u.%u.%u (built with %d.%d.%d)\n",
		    sv->major, sv->minor, sv->micro, SCMP_VER_MAJOR,
		    SCMP_VER_MINOR, SCMP_VER_MICRO);
	printf("libidn2 %s (built with %s)\n", idn ? idn : "?",
	    IDN2_VERSION);
	if (pcre2_config(PCRE2_CONFIG_VERSION, pv) < 0)
		snprintf((char *)pv, sizeof(pv), "?");
	printf("libpcre2-8 %s (built with %d.%d)\n", (char *)pv,
	    PCRE2_MAJOR, PCRE2_MINOR);
	/* The child's TLS (child/tls.c) and the parent's key operations
	 * (parent/tls_sign.c) */
	printf("openssl %s (built with %s)\n",
	    OpenSSL_version(OPENSSL_VERSION_STRING), OPENSSL_VERSION_STR);
}

void
main_info_option(int argc, char **argv)
{
	if (argc != 2)
		return;
	if (strcmp(argv[1], "--help") == 0) {
		main_info_help();
		exit(fflush(stdout) == 0 ? 0 : 1);
	}
	if (strcmp(argv[1], "--version") == 0) {
		main_info_version();
		exit(fflush(stdout) == 0 ? 0 : 1);
	}
}

/* 1 if the long option 'want' is among the options. */
static int
main_info_long_option(int argc, char **argv, const char *want)
{
	int	i;

	/*
	 * As parent/cfg_cmdline.c reads options: up to "--" or a
	 * non-option; an option letter that takes a value (imnost) at the
	 * end of its word takes the next word.
	 */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		size_t	j;

		if (strcmp(a, want) == 0)
			return (1);
		if (strcmp(a, "--sandbox-check") == 0 ||
		    strcmp(a, "--config-check") == 0)
			continue;
		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0' ||
		    a[1] == '-')
			return (0);
		for (j = 1; a[j] != '\0'; j++)
			if (strchr("imnost", a[j]) != NULL) {
				if (a[j + 1] == '\0')
					i++;
				break;
			}
	}
	return (0);
}

int
main_info_sandbox_check(int argc, char **argv)
{
	return (main_info_long_option(argc, argv, "--sandbox-check"));
}

int
main_info_config_check(int argc, char **argv)
{
	return (main_info_long_option(argc, argv, "--config-check"));
}

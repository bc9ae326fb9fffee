/*
 * NAME
 *	test_config 1
 * SUMMARY
 *	unit tests of the parent's command line and main.cf loading
 * DESCRIPTION
 *	Each test writes a main.cf under a mkdtemp() directory, points
 *	MAIL_CONFIG at it and calls sj_config_load() with an argv from a
 *	table: every generic daemon option and its effect; invalid,
 *	malformed and missing options and values, and what the error
 *	names; smtp(8)'s flags= (accepted) and any other trailing argument
 *	(refused); the ident rule (postfix/smtp whatever the binary is
 *	called, Debian's relay line, multi-instance, the override);
 *	resolv.conf parsing; the ipc_config flags, timeouts, port and
 *	local addresses; the mail_owner and sandbox user checks; every
 *	default; warnings kept for the log; $MAIL_VERBOSE and $MAIL_DEBUG.
 * SECURITY
 *	Test only. Name lookups are limited to numeric addresses and
 *	"localhost" (/etc/hosts), so nothing leaves the machine.
 * SEE ALSO
 *	parent/config.c, parent/cfg_cmdline.c, parent/cfg_child.c,
 *	include/sj_config.h
 */
#include <errno.h>
#include <pwd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg_params.h"
#include "sj_config.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXARGS		24

static struct tenv {
	char	dir[64];
	char	main_cf[128];
	char	resolv[128];
} tenv;

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

/* main.cf = the base settings every test needs, then 'extra'. */
static void
write_main(const char *extra)
{
	char	text[8192];

	snprintf(text, sizeof(text),
	    "# test main.cf\n"
	    "myhostname = mx.example.test\n"
	    "smtpjail_sandbox_user = nobody\n"
	    "smtpjail_resolv_conf = %s\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "%s", tenv.resolv, extra ? extra : "");
	write_file(tenv.main_cf, text);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tenv.dir, sizeof(tenv.dir), "/tmp/sj-config.XXXXXX");
	if (mkdtemp(tenv.dir) == NULL)
		return (-1);
	snprintf(tenv.main_cf, sizeof(tenv.main_cf), "%s/main.cf", tenv.dir);
	snprintf(tenv.resolv, sizeof(tenv.resolv), "%s/resolv.conf",
	    tenv.dir);
	write_file(tenv.resolv, "nameserver 192.0.2.53\n");
	write_main(NULL);
	setenv("MAIL_CONFIG", tenv.dir, 1);
	unsetenv("MAIL_VERBOSE");
	unsetenv("MAIL_DEBUG");
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tenv.main_cf);
	unlink(tenv.resolv);
	rmdir(tenv.dir);
	unsetenv("MAIL_CONFIG");
	return (0);
}

static int
argc_of(const char *const *argv)
{
	int	n = 0;

	while (n < MAXARGS && argv[n] != NULL)
		n++;
	return (n);
}

static int
load(struct sj_config *cfg, const char *const *argv, char *why,
    size_t whysz)
{
	return (sj_config_load(cfg, argc_of(argv), (char **)argv, why,
	    whysz));
}

static int
have_inet6(void)
{
	int	fd = socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0)
		return (errno != EAFNOSUPPORT);
	close(fd);
	return (1);
}

/*
 * Defaults.
 */
static void
test_defaults(void **state)
{
	static const char *const argv[] = {"/usr/lib/postfix/sbin/smtpjail",
	    "-t", "unix", NULL};
	struct sj_config cfg;
	struct passwd *pw;
	char	why[512] = "";
	uint32_t want;

	(void)state;
	if (load(&cfg, argv, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_string_equal(cfg.config_dir, tenv.dir);
	assert_string_equal(cfg.service_name, "smtpjail");
	assert_string_equal(cfg.process_name, "smtp");
	assert_string_equal(cfg.transport_type, "unix");
	assert_int_equal(cfg.socket_count, 1);
	assert_int_equal(cfg.opt_chroot + cfg.opt_debug + cfg.opt_solitary +
	    cfg.opt_unlimited + cfg.opt_standalone + cfg.opt_unpriv +
	    cfg.opt_verbose + cfg.opt_stderr + cfg.opt_sandbox_check +
	    cfg.opt_debugger, 0);
	assert_int_equal(cfg.nargs, 0);
	assert_string_equal(cfg.cli_flags, "");
	assert_string_equal(cfg.queue_directory, "/var/spool/postfix");
	assert_string_equal(cfg.mail_owner, "postfix");
	pw = getpwnam("postfix");
	assert_non_null(pw);
	assert_int_equal(cfg.mail_owner_uid, pw->pw_uid);
	assert_int_equal(cfg.mail_owner_gid, pw->pw_gid);
	assert_string_equal(cfg.syslog_name, "postfix");
	assert_string_equal(cfg.syslog_facility, "mail");
	assert_string_equal(cfg.maillog_file, "");
	assert_string_equal(cfg.postlog_service_name, "postlog");
	assert_string_equal(cfg.myhostname, "mx.example.test");
	assert_int_equal(cfg.max_use, 100);
	assert_int_equal(cfg.max_idle, 100);
	assert_int_equal(cfg.ipc_timeout, 3600);
	assert_int_equal(cfg.daemon_timeout, 18000);
	assert_string_equal(cfg.bounce_service_name, "bounce");
	assert_string_equal(cfg.defer_service_name, "defer");
	assert_string_equal(cfg.trace_service_name, "trace");
	assert_string_equal(cfg.verify_service_name, "verify");
	assert_string_equal(cfg.flush_service_name, "flush");
	assert_string_equal(cfg.cleanup_service_name, "cleanup");
	assert_int_equal(cfg.soft_bounce, 0);
	assert_string_equal(cfg.notify_classes, "resource, software");
	assert_string_equal(cfg.error_notice_recipient, "postmaster");
	assert_string_equal(cfg.double_bounce_sender, "double-bounce");
	assert_string_equal(cfg.mail_name, "Postfix");
	assert_string_equal(cfg.best_mx_transport, "");
	/* compatibility_level 0: $relay_domains = $mydestination */
	assert_string_equal(cfg.fast_flush_domains,
	    "mx.example.test, localhost.example.test, localhost");
	assert_int_equal(cfg.delay_logging_resolution_limit, 2);
	assert_int_equal(cfg.hash_queue_depth, 1);
	assert_string_equal(cfg.hash_queue_names, "deferred, defer");
	assert_string_equal(cfg.sandbox_directory, "/var/lib/smtpjail/empty");
	assert_string_equal(cfg.sandbox_user, "nobody");
	pw = getpwnam("nobody");
	assert_int_equal(cfg.sandbox_uid, pw->pw_uid);
	assert_int_equal(cfg.sandbox_gid, pw->pw_gid);
	assert_int_equal(cfg.seccomp_trap, 0);

	want = IPC_CF_SKIP_5XX_GREETING | IPC_CF_SKIP_QUIT_RESPONSE |
	    IPC_CF_RANDOMIZE | IPC_CF_INET4 | IPC_CF_DEBUG_PEER_PARENT |
	    IPC_CF_USE_CHUNKING | IPC_CF_CACHE_ON_DEMAND | IPC_CF_HOST_DNS |
	    (have_inet6() ? IPC_CF_INET6 : 0);
	assert_int_equal(cfg.child.flags, want);
	assert_int_equal(cfg.child.addr_pref, IPC_PREF_ANY);
	assert_int_equal(cfg.child.connect_timeout, 30);
	assert_int_equal(cfg.child.helo_timeout, 300);
	assert_int_equal(cfg.child.mail_timeout, 300);
	assert_int_equal(cfg.child.rcpt_timeout, 300);
	assert_int_equal(cfg.child.data_init_timeout, 120);
	assert_int_equal(cfg.child.data_xfer_timeout, 180);
	assert_int_equal(cfg.child.data_done_timeout, 600);
	assert_int_equal(cfg.child.quit_timeout, 300);
	assert_int_equal(cfg.child.rset_timeout, 20);
	assert_int_equal(cfg.child.mx_address_limit, 5);
	assert_int_equal(cfg.child.mx_session_limit, 2);
	assert_int_equal(cfg.child.line_length_limit, 998);
	assert_int_equal(cfg.child.default_port, 25);
	assert_string_equal(cfg.child.helo_name, "mx.example.test");
	assert_string_equal(cfg.child.relayhost, "");
	assert_string_equal(cfg.child.fallback_relay, "");
	assert_string_equal(cfg.child.local_addrs, "127.0.0.1");
	assert_string_equal(cfg.child.dns_servers, "192.0.2.53:53");
	/* Postfix 3.7 smtp_connection_cache_* / reuse defaults */
	assert_int_equal(cfg.child.cache_time_limit, 2);
	assert_int_equal(cfg.child.reuse_time_limit, 300);
	assert_int_equal(cfg.child.reuse_count_limit, 0);
	assert_string_equal(cfg.child.cache_destinations, "");
	assert_int_equal(cfg.nwarnings, 0);

	assert_string_equal(sj_config_param(&cfg, "mydomain"),
	    "example.test");
	assert_string_equal(sj_config_param(&cfg, "myorigin"),
	    "mx.example.test");
	assert_string_equal(sj_config_param(&cfg, "service_name"), "smtpjail");
	assert_string_equal(sj_config_param(&cfg, "process_name"), "smtp");
	assert_null(sj_config_param(&cfg, "no_such_parameter"));
	sj_config_free(&cfg);
	assert_null(cfg.params);
	assert_null(cfg.service_name);
}

/*
 * Options that work.
 */
static void
test_options(void **state)
{
	static const char *const argv[] = {"smtpjail", "-c", "-d", "-D", "-l",
	    "-u", "-v", "-v", "-V", "-z", "-i", "5m", "-m", "7", "-n", "relay",
	    NULL};
	static const char *const argv2[] = {"smtpjail", "-cuvtinet", "-s3",
	    "-oSoft_Bounce=x", "-o", "soft_bounce=yes", "-S", NULL};
	struct sj_config cfg;
	char	why[512] = "";

	(void)state;
	/* -t is required: give it last, after the others. */
	{
		const char *a[MAXARGS];
		int	n = argc_of(argv);

		memcpy(a, argv, (size_t)n * sizeof(*a));
		a[n] = "-t";
		a[n + 1] = "unix";
		a[n + 2] = NULL;
		if (load(&cfg, a, why, sizeof(why)) != 0)
			fail_msg("%s", why);
	}
	assert_int_equal(cfg.opt_chroot, 1);
	assert_int_equal(cfg.opt_debug, 1);
	assert_int_equal(cfg.opt_debugger, 1);
	assert_int_equal(cfg.opt_solitary, 1);
	assert_int_equal(cfg.opt_unpriv, 1);
	assert_int_equal(cfg.opt_verbose, 2);
	assert_int_equal(cfg.opt_stderr, 1);
	assert_int_equal(cfg.opt_unlimited, 1);
	assert_int_equal(cfg.opt_standalone, 0);
	assert_int_equal(cfg.max_idle, 300);
	assert_int_equal(cfg.max_use, 7);
	assert_string_equal(cfg.service_name, "relay");
	assert_string_equal(sj_config_param(&cfg, "service_name"), "relay");
	sj_config_free(&cfg);

	/* bundled flags, attached arguments, -o in order, -S */
	if (load(&cfg, argv2, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_int_equal(cfg.opt_chroot, 1);
	assert_int_equal(cfg.opt_unpriv, 1);
	assert_int_equal(cfg.opt_verbose, 1);
	assert_string_equal(cfg.transport_type, "inet");
	assert_int_equal(cfg.socket_count, 3);
	assert_int_equal(cfg.opt_standalone, 1);
	assert_int_equal(cfg.soft_bounce, 1);
	assert_true(cfg.child.flags & IPC_CF_SOFT_BOUNCE);
	assert_string_equal(sj_config_param(&cfg, "Soft_Bounce"), "x");
	sj_config_free(&cfg);
}

static void
test_sandbox_check_and_standalone(void **state)
{
	static const char *const a1[] = {"smtpjail", "--sandbox-check", NULL};
	static const char *const a2[] = {"smtpjail", "-v",
	    "--sandbox-check", "-o", "max_use=5", NULL};
	static const char *const a3[] = {"smtpjail", "-S", NULL};
	struct sj_config cfg;
	char	why[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, a1, why, sizeof(why)), 0);
	assert_int_equal(cfg.opt_sandbox_check, 1);
	assert_null(cfg.transport_type);
	sj_config_free(&cfg);
	assert_int_equal(load(&cfg, a2, why, sizeof(why)), 0);
	assert_int_equal(cfg.opt_sandbox_check, 1);
	assert_int_equal(cfg.opt_verbose, 1);
	assert_int_equal(cfg.max_use, 5);
	sj_config_free(&cfg);
	assert_int_equal(load(&cfg, a3, why, sizeof(why)), 0);
	assert_int_equal(cfg.opt_standalone, 1);
	sj_config_free(&cfg);
}

static void
test_environment(void **state)
{
	static const char *const argv[] = {"smtpjail", "-t", "unix", "-v",
	    NULL};
	struct sj_config cfg;
	char	why[512] = "";

	(void)state;
	setenv("MAIL_VERBOSE", "1", 1);
	setenv("MAIL_DEBUG", "", 1);
	assert_int_equal(load(&cfg, argv, why, sizeof(why)), 0);
	assert_int_equal(cfg.opt_verbose, 2);
	assert_int_equal(cfg.opt_debugger, 1);
	sj_config_free(&cfg);
	unsetenv("MAIL_VERBOSE");
	unsetenv("MAIL_DEBUG");

	setenv("MAIL_CONFIG", "/nonexistent-sj", 1);
	assert_int_equal(load(&cfg, argv, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "open /nonexistent-sj/main.cf: No such "
	    "file or directory"));
	setenv("MAIL_CONFIG", tenv.dir, 1);
}

/*
 * Errors: each names the option or parameter.
 */
static const struct err_case {
	const char *argv[MAXARGS];
	const char *why_has;
} err_cases[] = {
	{{"smtpjail", "-t", "unix", "-x", NULL}, "invalid option: -x"},
	{{"smtpjail", "-t", "unix", "-r", "10", NULL}, "invalid option: -r"},
	{{"smtpjail", "-cq", "-t", "unix", NULL}, "invalid option: -q"},
	{{"smtpjail", "--bogus", "-t", "unix", NULL},
	    "invalid option: --bogus"},
	{{"smtpjail", "-t", NULL}, "option requires an argument: -t"},
	{{"smtpjail", "-t", "unix", "-o", NULL},
	    "option requires an argument: -o"},
	{{"smtpjail", "-t", "tcp", NULL},
	    "invalid -t value: unsupported transport type: \"tcp\""},
	{{"smtpjail", NULL}, "no transport type specified"},
	{{"smtpjail", "-u", "-c", NULL}, "no transport type specified"},
	{{"smtpjail", "-t", "unix", "-s", "0", NULL},
	    "invalid -s value: \"0\""},
	{{"smtpjail", "-t", "unix", "-s", "abc", NULL},
	    "invalid -s value: \"abc\""},
	{{"smtpjail", "-t", "unix", "-s", "-1", NULL},
	    "invalid -s value: \"-1\""},
	{{"smtpjail", "-t", "unix", "-i", "abc", NULL},
	    "invalid -i value: \"abc\""},
	{{"smtpjail", "-t", "unix", "-i", "0", NULL}, "invalid -i value"},
	{{"smtpjail", "-t", "unix", "-i", "10y", NULL}, "invalid -i value"},
	{{"smtpjail", "-t", "unix", "-m", "0", NULL},
	    "invalid -m value: \"0\""},
	{{"smtpjail", "-t", "unix", "-m", "7x", NULL}, "invalid -m value"},
	{{"smtpjail", "-t", "unix", "-n", "../x", NULL}, "invalid -n value"},
	{{"smtpjail", "-t", "unix", "-n", "", NULL}, "invalid -n value"},
	{{"smtpjail", "-t", "unix", "-o", "soft_bounce", NULL},
	    "invalid \"-o soft_bounce\" option value: missing '=' after "
	    "attribute name"},
	{{"smtpjail", "-t", "unix", "-o", "=yes", NULL},
	    "invalid \"-o =yes\" option value: missing attribute name"},
	/* trailing arguments: smtp(8) takes only flags= */
	{{"smtpjail", "-t", "unix", "foo", NULL},
	    "unknown attribute name: foo"},
	{{"smtpjail", "-t", "unix", "flags=DO", "bar=1", NULL},
	    "unknown attribute name: bar=1"},
	{{"smtpjail", "-t", "unix", "--", "-v", NULL},
	    "unknown attribute name: -v"},
	{{"smtpjail", "-t", "unix", "flags=DQ", NULL},
	    "invalid flag 'Q' in \"flags=DQ\""},
	{{"smtpjail", "-t", "unix", "flags=d", NULL}, "invalid flag 'd'"},
	/* parameter values */
	{{"smtpjail", "-t", "unix", "-o", "soft_bounce=maybe", NULL},
	    "bad boolean configuration: soft_bounce = maybe"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_skip_5xx_greeting=1", NULL},
	    "bad boolean configuration: smtp_skip_5xx_greeting = 1"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_seccomp_debug=on", NULL},
	    "bad boolean configuration: smtpjail_seccomp_debug = on"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_helo_timeout=5y", NULL},
	    "parameter smtp_helo_timeout: bad time value or unit: 5y"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_rcpt_timeout=0", NULL},
	    "invalid smtp_rcpt_timeout: 0 (min 1)"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_connection_cache_time_limit=0",
	    NULL}, "invalid smtp_connection_cache_time_limit: 0 (min 1)"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_connection_reuse_time_limit=0",
	    NULL}, "invalid smtp_connection_reuse_time_limit: 0 (min 1)"},
	{{"smtpjail", "-t", "unix", "-o",
	    "smtp_connection_cache_on_demand=sometimes", NULL},
	    "bad boolean configuration: smtp_connection_cache_on_demand = "
	    "sometimes"},
	{{"smtpjail", "-t", "unix", "-o", "max_use=0", NULL},
	    "invalid max_use: 0 (min 1)"},
	{{"smtpjail", "-t", "unix", "-o", "max_idle=soon", NULL},
	    "parameter max_idle: bad time value or unit: soon"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_mx_address_limit=five", NULL},
	    "bad numerical configuration: smtp_mx_address_limit = five"},
	{{"smtpjail", "-t", "unix", "-o", "delay_logging_resolution_limit=7",
	    NULL}, "invalid delay_logging_resolution_limit: 7 (max 6)"},
	{{"smtpjail", "-t", "unix", "-o", "hash_queue_depth=0", NULL},
	    "invalid hash_queue_depth: 0 (min 1)"},
	{{"smtpjail", "-t", "unix", "-o", "syslog_facility=bogus", NULL},
	    "parameter syslog_facility: unrecognized value: bogus"},
	{{"smtpjail", "-t", "unix", "-o", "maillog_file=/tmp/x.log", NULL},
	    "maillog_file value '/tmp/x.log' does not match any prefix in "
	    "maillog_file_prefixes"},
	{{"smtpjail", "-t", "unix", "-o", "inet_protocols=ipx", NULL},
	    "parameter inet_protocols: invalid value: \"ipx\""},
	{{"smtpjail", "-t", "unix", "-o", "smtp_address_preference=ipv5",
	    NULL}, "bad smtp_address_preference value: \"ipv5\""},
	{{"smtpjail", "-t", "unix", "-o", "smtp_dns_support_level=maybe",
	    NULL}, "invalid smtp_dns_support_level: \"maybe\""},
	{{"smtpjail", "-t", "unix", "-o", "smtp_host_lookup=dns,nis", NULL},
	    "unknown smtp_host_lookup value \"nis\" in \"dns,nis\""},
	{{"smtpjail", "-t", "unix", "-o", "smtp_host_lookup=", NULL},
	    "smtp_host_lookup: no lookup method"},
	{{"smtpjail", "-t", "unix", "-o", "mime_nesting_limit=0", NULL},
	    "mime_nesting_limit"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_tcp_port=no-such-svc-sj",
	    NULL}, "parameter smtp_tcp_port: unknown service"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_tcp_port=70000", NULL},
	    "parameter smtp_tcp_port: invalid port number: 70000"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_tcp_port=0", NULL},
	    "parameter smtp_tcp_port: invalid port number: 0"},
	{{"smtpjail", "-t", "unix", "-o", "queue_directory=spool", NULL},
	    "parameter queue_directory: not an absolute path"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_sandbox_directory=x",
	    NULL}, "parameter smtpjail_sandbox_directory: not an absolute"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_helo_name=", NULL},
	    "parameter smtp_helo_name: value must not be empty"},
	{{"smtpjail", "-t", "unix", "-o", "smtp_helo_name=$smtp_helo_name",
	    NULL}, "parameter smtp_helo_name: unreasonable macro call nesting"},
	{{"smtpjail", "-t", "unix", "-o", "syslog_name=${x", NULL},
	    "parameter syslog_name: truncated macro reference"},
	{{"smtpjail", "-t", "unix", "-o", "inet_interfaces=[]", NULL},
	    "parameter inet_interfaces: bad host or address"},
	{{"smtpjail", "-t", "unix", "-o", "bounce_service_name=../x", NULL},
	    "parameter bounce_service_name: bad service name"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_process_name=a/b", NULL},
	    "parameter smtpjail_process_name: bad value"},
	/* users */
	{{"smtpjail", "-t", "unix", "-o", "mail_owner=no-such-user-sj", NULL},
	    "parameter mail_owner: unknown user: \"no-such-user-sj\""},
	{{"smtpjail", "-t", "unix", "-o", "mail_owner=root", NULL},
	    "parameter mail_owner: user \"root\" has a privileged"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_sandbox_user=no-such-sj",
	    NULL}, "parameter smtpjail_sandbox_user: unknown user"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_sandbox_user=root", NULL},
	    "parameter smtpjail_sandbox_user: user \"root\" has a privileged"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_sandbox_user=postfix",
	    NULL}, "parameter smtpjail_sandbox_user: user \"postfix\" shares "
	    "the user or group ID of mail_owner"},
	{{"smtpjail", "-t", "unix", "-o", "mail_owner=nobody", NULL},
	    "shares the user or group ID of mail_owner \"nobody\""},
};

static void
test_errors(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(err_cases); i++) {
		struct sj_config cfg;
		char	why[512] = "";

		if (load(&cfg, err_cases[i].argv, why, sizeof(why)) != -1)
			fail_msg("case %zu: accepted", i);
		if (strstr(why, err_cases[i].why_has) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, why,
			    err_cases[i].why_has);
		/* a failed load leaves nothing behind */
		assert_null(cfg.params);
		assert_null(cfg.service_name);
	}
}

static void
test_main_cf_errors_and_warnings(void **state)
{
	static const char *const argv[] = {"smtpjail", "-t", "unix", NULL};
	struct sj_config cfg;
	char	why[512] = "";

	(void)state;
	write_main("max_use = 10\nbroken line here\n");
	assert_int_equal(load(&cfg, argv, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "main.cf, line 7: missing '=' after "
	    "attribute name: \"broken line here\""));

	write_main("max_use = 10\nmax_use = 20\n");
	assert_int_equal(load(&cfg, argv, why, sizeof(why)), 0);
	assert_int_equal(cfg.max_use, 20);
	assert_int_equal(cfg.nwarnings, 1);
	assert_non_null(strstr(cfg.warnings[0], "main.cf, line 7: overriding "
	    "earlier entry: max_use=10"));
	assert_null(cfg.warnings[1]);
	sj_config_free(&cfg);

	/* -o wins over main.cf, silently; a later -o over an earlier one */
	{
		static const char *const a2[] = {"smtpjail", "-t", "unix",
		    "-o", "max_use=30", "-m", "40", NULL};

		assert_int_equal(load(&cfg, a2, why, sizeof(why)), 0);
		assert_int_equal(cfg.max_use, 40);
		assert_int_equal(cfg.nwarnings, 1);
		sj_config_free(&cfg);
	}
	write_main(NULL);
}

/*
 * The ident rule: $syslog_name/$process_name, process_name being
 * $smtpjail_process_name ("smtp"), or basename(argv[0]) if empty.
 */
static const struct ident_case {
	const char *argv[MAXARGS];
	const char *main_extra;
	const char *service;
	const char *ident;
} ident_cases[] = {
	{{"/usr/lib/postfix/sbin/smtpjail", "-t", "unix", NULL}, NULL,
	    "smtpjail", "postfix/smtp"},
	/* master.cf "smtp unix - - y - - smtpjail" */
	{{"smtpjail", "-n", "smtp", "-t", "unix", "-u", "-c", NULL}, NULL,
	    "smtp", "postfix/smtp"},
	/* Debian's relay line */
	{{"smtpjail", "-n", "relay", "-t", "unix", "-o",
	    "syslog_name=postfix/$service_name", NULL}, NULL,
	    "relay", "postfix/relay/smtp"},
	{{"smtpjail", "-t", "unix", "-o", "smtpjail_process_name=smtpjail",
	    NULL}, NULL, "smtpjail", "postfix/smtpjail"},
	{{"/x/smtp-trace", "-n", "smtp", "-t", "unix", "-o",
	    "smtpjail_process_name=", NULL}, NULL, "smtp",
	    "postfix/smtp-trace"},
	{{"smtpjail", "-t", "unix", NULL},
	    "multi_instance_name = postfix-out\n",
	    "smtpjail", "postfix-out/smtp"},
	{{"smtpjail", "-t", "unix", NULL}, "syslog_name = mailer\n",
	    "smtpjail", "mailer/smtp"},
	/* process_name and service_name are forced, as Postfix 3.12 */
	{{"smtpjail", "-t", "unix", "-o", "process_name=foo", "-o",
	    "service_name=bar", NULL}, NULL, "smtpjail", "postfix/smtp"},
	{{"smtpjail", "-t", "unix", "-o", "syslog_name=pf/$process_name",
	    NULL}, NULL, "smtpjail", "pf/smtp/smtp"},
};

static void
test_ident_rule(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(ident_cases); i++) {
		const struct ident_case *c = &ident_cases[i];
		struct sj_config cfg;
		char	why[512] = "", ident[256];

		write_main(c->main_extra);
		if (load(&cfg, c->argv, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		snprintf(ident, sizeof(ident), "%s/%s", cfg.syslog_name,
		    cfg.process_name);
		if (strcmp(ident, c->ident) != 0)
			fail_msg("case %zu: ident %s, want %s", i, ident,
			    c->ident);
		assert_string_equal(cfg.service_name, c->service);
		assert_string_equal(sj_config_param(&cfg, "process_name"),
		    cfg.process_name);
		assert_string_equal(sj_config_param(&cfg, "service_name"),
		    c->service);
		sj_config_free(&cfg);
	}
	write_main(NULL);
}

/*
 * resolv.conf, as glibc reads it.
 */
static const struct resolv_case {
	const char *text;		/* NULL: no file */
	const char *want;
	int	warnings;
} resolv_cases[] = {
	{"", "127.0.0.1:53", 0},
	{"# only comments\nsearch example\n", "127.0.0.1:53", 0},
	{"nameserver 192.0.2.1\n", "192.0.2.1:53", 0},
	{"nameserver 2001:db8::1\n", "[2001:db8::1]:53", 0},
	{"nameserver\t192.0.2.1\t# local\n", "192.0.2.1:53", 0},
	{"domain x\nnameserver 192.0.2.1\noptions ndots:2\n"
	    "nameserver 2001:db8::2 ; v6\n",
	    "192.0.2.1:53,[2001:db8::2]:53", 0},
	{"nameserver 192.0.2.1\nnameserver 192.0.2.2\n"
	    "nameserver 192.0.2.3\nnameserver 192.0.2.4\n",
	    "192.0.2.1:53,192.0.2.2:53,192.0.2.3:53", 0},
	{"nameserver 192.0.2.1", "192.0.2.1:53", 0},	/* no newline */
	{" nameserver 192.0.2.9\n", "127.0.0.1:53", 0},
	{"nameservers 192.0.2.9\n", "127.0.0.1:53", 0},
	{"#nameserver 192.0.2.9\n", "127.0.0.1:53", 0},
	{"nameserver fe80::1%eth0\n", "127.0.0.1:53", 1},
	{"nameserver dns.example\nnameserver 192.0.2.1\n", "192.0.2.1:53", 1},
	{NULL, "127.0.0.1:53", 1},
};

static void
test_resolv_conf(void **state)
{
	static const char *const argv[] = {"smtpjail", "-t", "unix", NULL};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(resolv_cases); i++) {
		struct sj_config cfg;
		char	why[512] = "";

		unlink(tenv.resolv);
		if (resolv_cases[i].text != NULL)
			write_file(tenv.resolv, resolv_cases[i].text);
		if (load(&cfg, argv, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		if (strcmp(cfg.child.dns_servers, resolv_cases[i].want) != 0)
			fail_msg("case %zu: '%s', want '%s'", i,
			    cfg.child.dns_servers, resolv_cases[i].want);
		if (cfg.nwarnings != resolv_cases[i].warnings)
			fail_msg("case %zu: %d warnings, want %d", i,
			    cfg.nwarnings, resolv_cases[i].warnings);
		sj_config_free(&cfg);
	}
	write_file(tenv.resolv, "nameserver 192.0.2.53\n");
}

/*
 * Chrooted (-c) with smtpjail_resolv_conf unset: the file stock smtp(8)
 * reads in its chroot, $queue_directory/etc/resolv.conf; an explicit
 * setting wins; without -c the parameter's default applies.
 */
static void
test_resolv_conf_chroot(void **state)
{
	static const char *const argv_c[] = {"smtpjail", "-t", "unix", "-c",
	    NULL};
	struct sj_config cfg;
	char	text[1024], etc[160], inroot[192], why[512] = "";

	(void)state;
	snprintf(etc, sizeof(etc), "%s/etc", tenv.dir);
	snprintf(inroot, sizeof(inroot), "%s/resolv.conf", etc);
	assert_int_equal(mkdir(etc, 0755), 0);
	write_file(inroot, "nameserver 192.0.2.77\n");
	snprintf(text, sizeof(text), "myhostname = mx.example.test\n"
	    "smtpjail_sandbox_user = nobody\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "queue_directory = %s\n", tenv.dir);
	write_file(tenv.main_cf, text);
	if (load(&cfg, argv_c, why, sizeof(why)) != 0)
		fail_msg("chroot: %s", why);
	assert_string_equal(cfg.child.dns_servers, "192.0.2.77:53");
	sj_config_free(&cfg);

	/* Missing there: glibc's 127.0.0.1, and a warning naming it. */
	unlink(inroot);
	if (load(&cfg, argv_c, why, sizeof(why)) != 0)
		fail_msg("chroot, no file: %s", why);
	assert_string_equal(cfg.child.dns_servers, "127.0.0.1:53");
	assert_int_equal(cfg.nwarnings, 1);
	sj_config_free(&cfg);

	/* An explicit setting is read as given. */
	write_file(inroot, "nameserver 192.0.2.77\n");
	snprintf(text + strlen(text), sizeof(text) - strlen(text),
	    "smtpjail_resolv_conf = %s\n", tenv.resolv);
	write_file(tenv.main_cf, text);
	if (load(&cfg, argv_c, why, sizeof(why)) != 0)
		fail_msg("chroot, explicit: %s", why);
	assert_string_equal(cfg.child.dns_servers, "192.0.2.53:53");
	sj_config_free(&cfg);

	unlink(inroot);
	rmdir(etc);
	write_main(NULL);
}

/* resolv.conf "options", clamped as glibc's res_setoptions() does. */
static const struct resolv_opt_case {
	const char *text;		/* NULL: no file */
	unsigned timeout, attempts;
	int	rotate;
} resolv_opt_cases[] = {
	{"nameserver 192.0.2.1\n", 5, 2, 0},
	{NULL, 5, 2, 0},
	{"options timeout:2 attempts:3\n", 2, 3, 0},
	{"options\ttimeout:1\tattempts:1 rotate\n", 1, 1, 1},
	{"options rotate\noptions timeout:7\n", 7, 2, 1},
	{"options timeout:0 attempts:0\n", 1, 1, 0},
	{"options timeout:99 attempts:99\n", 30, 5, 0},
	{"options ndots:3 edns0 timeout:x attempts: rotates\n", 5, 2, 0},
	{"options timeout:3 timeout:4\n", 4, 2, 0},
	{"#options timeout:9\n optionstimeout:9\n", 5, 2, 0},
};

static void
test_resolv_options(void **state)
{
	static const char *const argv[] = {"smtpjail", "-t", "unix", NULL};
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(resolv_opt_cases); i++) {
		const struct resolv_opt_case *c = resolv_opt_cases + i;
		struct sj_config cfg;
		char	why[512] = "";

		unlink(tenv.resolv);
		if (c->text != NULL)
			write_file(tenv.resolv, c->text);
		if (load(&cfg, argv, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		if (cfg.resolv_timeout != c->timeout ||
		    cfg.resolv_attempts != c->attempts ||
		    cfg.resolv_rotate != c->rotate)
			fail_msg("case %zu: timeout %u attempts %u rotate %d, "
			    "want %u %u %d", i, cfg.resolv_timeout,
			    cfg.resolv_attempts, cfg.resolv_rotate, c->timeout,
			    c->attempts, c->rotate);
		sj_config_free(&cfg);
	}
	write_file(tenv.resolv, "nameserver 192.0.2.53\n");
}

/* debug_peer_list / debug_peer_level (Postfix debug_peer(3)). */
static void
test_debug_peer(void **state)
{
	static const struct {
		const char *o[3];
		int	rc;			/* 0, or -1: refused */
		const char *list;		/* sent to the child */
		int	warnings;
		const char *why;		/* in the error or warning */
	} v[] = {
		{{NULL}, 0, "", 0, NULL},
		{{"debug_peer_list=mx.example.com, 192.0.2.0/24 [::1]"}, 0,
		    "mx.example.com, 192.0.2.0/24 [::1]", 0, NULL},
		{{"debug_peer_list=hash:/etc/postfix/peers example.com"}, 0,
		    "hash:/etc/postfix/peers example.com", 1,
		    "\"hash:/etc/postfix/peers\": /file and type:table"},
		{{"debug_peer_list=10.0.0.0/33"}, -1, NULL, 0,
		    "debug_peer_list: bad pattern \"10.0.0.0/33\""},
		{{"debug_peer_level=0"}, -1, NULL, 0, "debug_peer_level"},
		{{"debug_peer_level=5", "debug_peer_list=example.com"}, 0,
		    "example.com", 0, NULL},
		/* fast_flush_domains is checked once, at start-up */
		{{"fast_flush_domains=hash:/etc/postfix/ff example.com"}, 0, "",
		    1, "fast_flush_domains: entry \"hash:/etc/postfix/ff\": "
		    "/file and type:table patterns are not supported"},
		/* a domain list: a malformed pattern never matches, a warning */
		{{"fast_flush_domains=10.0.0.0/33 example.com"}, 0, "", 1,
		    "fast_flush_domains: entry \"10.0.0.0/33\" not supported"},
		/* a string list: any word is an exact name; maps are warned of */
		{{"smtp_connection_cache_destinations=[10.0.0.1]:25"}, 0, "", 0,
		    NULL},
		{{"smtp_connection_cache_destinations=hash:/etc/postfix/cd "
		    "a.example"}, 0, "", 1, "smtp_connection_cache_destinations: "
		    "entry \"hash:/etc/postfix/cd\": /file and type:table"},
	};
	size_t	i, j;

	(void)state;
	for (i = 0; i < NELEM(v); i++) {
		const char *argv[10] = {"smtpjail", "-t", "unix"};
		struct sj_config cfg;
		char	why[512] = "";
		int	argc = 3, rc, found;

		for (j = 0; j < 3 && v[i].o[j] != NULL; j++) {
			argv[argc++] = "-o";
			argv[argc++] = v[i].o[j];
		}
		argv[argc] = NULL;
		rc = load(&cfg, argv, why, sizeof(why));
		if (rc != v[i].rc)
			fail_msg("case %zu: rc %d (%s), want %d", i, rc, why,
			    v[i].rc);
		if (rc != 0) {
			if (strstr(why, v[i].why) == NULL)
				fail_msg("case %zu: \"%s\" lacks \"%s\"", i,
				    why, v[i].why);
			continue;
		}
		assert_string_equal(cfg.child.debug_peer_list, v[i].list);
		if (cfg.nwarnings != v[i].warnings)
			fail_msg("case %zu: %d warnings, want %d", i,
			    cfg.nwarnings, v[i].warnings);
		for (j = 0, found = v[i].why == NULL; !found &&
		    j < (size_t)cfg.nwarnings; j++)
			found = strstr(cfg.warnings[j], v[i].why) != NULL;
		if (!found)
			fail_msg("case %zu: no warning with \"%s\"", i,
			    v[i].why);
		sj_config_free(&cfg);
	}
}

/*
 * What the child is told.
 */
#define F_DEF	(IPC_CF_SKIP_5XX_GREETING | IPC_CF_SKIP_QUIT_RESPONSE | \
		 IPC_CF_RANDOMIZE | IPC_CF_INET4 | IPC_CF_DEBUG_PEER_PARENT | \
		 IPC_CF_USE_CHUNKING | IPC_CF_CACHE_ON_DEMAND | IPC_CF_HOST_DNS)

static const struct flag_case {
	const char *o[4];		/* -o values */
	uint32_t want;			/* + INET6 if "all" and usable */
	int	all;			/* inet_protocols = all */
	uint32_t pref;
} flag_cases[] = {
	{{NULL}, F_DEF, 1, IPC_PREF_ANY},
	{{"smtp_skip_5xx_greeting=no"}, F_DEF & ~IPC_CF_SKIP_5XX_GREETING, 1,
	    IPC_PREF_ANY},
	{{"smtp_skip_quit_response=NO"}, F_DEF & ~IPC_CF_SKIP_QUIT_RESPONSE, 1,
	    IPC_PREF_ANY},
	{{"ignore_mx_lookup_error=yes"}, F_DEF | IPC_CF_IGNORE_MX_ERROR, 1,
	    IPC_PREF_ANY},
	{{"disable_dns_lookups=yes"}, F_DEF | IPC_CF_DISABLE_DNS, 1,
	    IPC_PREF_ANY},
	{{"smtp_dns_support_level=disabled"}, F_DEF | IPC_CF_DISABLE_DNS, 1,
	    IPC_PREF_ANY},
	/* the level, when set, overrides the legacy boolean */
	{{"smtp_dns_support_level=enabled", "disable_dns_lookups=yes"}, F_DEF,
	    1, IPC_PREF_ANY},
	{{"smtp_never_send_ehlo=yes"}, F_DEF | IPC_CF_NEVER_EHLO, 1,
	    IPC_PREF_ANY},
	{{"smtp_randomize_addresses=no"}, F_DEF & ~IPC_CF_RANDOMIZE, 1,
	    IPC_PREF_ANY},
	{{"smtp_defer_if_no_mx_address_found=yes"},
	    F_DEF | IPC_CF_DEFER_NO_MX_ADDR, 1, IPC_PREF_ANY},
	{{"soft_bounce=yes"}, F_DEF | IPC_CF_SOFT_BOUNCE, 1, IPC_PREF_ANY},
	{{"smtpjail_use_chunking=no"}, F_DEF & ~IPC_CF_USE_CHUNKING, 1,
	    IPC_PREF_ANY},
	{{"smtp_connection_cache_on_demand=no"},
	    F_DEF & ~IPC_CF_CACHE_ON_DEMAND, 1, IPC_PREF_ANY},
	{{"inet_protocols=ipv4"}, F_DEF, 0, IPC_PREF_ANY},
	{{"inet_protocols=ipv6"}, (F_DEF & ~IPC_CF_INET4) | IPC_CF_INET6, 0,
	    IPC_PREF_ANY},
	{{"inet_protocols=ipv4, ipv6"}, F_DEF | IPC_CF_INET6, 0, IPC_PREF_ANY},
	{{"inet_protocols="}, F_DEF & ~IPC_CF_INET4, 0, IPC_PREF_ANY},
	{{"smtp_address_preference=ipv6"}, F_DEF, 1, IPC_PREF_IPV6},
	{{"smtp_address_preference=IPv4"}, F_DEF, 1, IPC_PREF_IPV4},
	{{"parent_domain_matches_subdomains=relay_domains"},
	    F_DEF & ~IPC_CF_DEBUG_PEER_PARENT, 1, IPC_PREF_ANY},
	{{"disable_mime_output_conversion=yes"},
	    F_DEF | IPC_CF_NO_MIME_OCONV, 1, IPC_PREF_ANY},
	{{"smtp_host_lookup=native"},
	    (F_DEF & ~IPC_CF_HOST_DNS) | IPC_CF_HOST_NATIVE, 1, IPC_PREF_ANY},
	{{"smtp_host_lookup=native, dns"}, F_DEF | IPC_CF_HOST_NATIVE, 1,
	    IPC_PREF_ANY},
};

static void
test_child_flags(void **state)
{
	size_t	i;
	int	j;

	(void)state;
	for (i = 0; i < NELEM(flag_cases); i++) {
		const struct flag_case *c = &flag_cases[i];
		const char *argv[MAXARGS] = {"smtpjail", "-t", "unix"};
		struct sj_config cfg;
		char	why[512] = "";
		uint32_t want = c->want;
		int	n = 3;

		for (j = 0; j < 4 && c->o[j] != NULL; j++) {
			argv[n++] = "-o";
			argv[n++] = c->o[j];
		}
		argv[n] = NULL;
		if (c->all && have_inet6())
			want |= IPC_CF_INET6;
		if (load(&cfg, argv, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		if (cfg.child.flags != want)
			fail_msg("case %zu: flags %#x, want %#x", i,
			    cfg.child.flags, want);
		assert_int_equal(cfg.child.addr_pref, c->pref);
		sj_config_free(&cfg);
	}
}

static void
test_child_values(void **state)
{
	static const char *const argv[] = {"smtpjail", "-t", "unix",
	    "-o", "smtp_connect_timeout=0", "-o", "smtp_helo_timeout=2m",
	    "-o", "smtp_data_done_timeout=10sec", "-o", "smtp_quit_timeout=1h",
	    "-o", "smtp_mx_address_limit=0", "-o", "smtp_line_length_limit=0",
	    NULL};
	static const char *const argv2[] = {"smtpjail", "-t", "unix",
	    "-o", "relayhost=[relay.example]:587", "-o",
	    "fallback_relay=fb.example", "-o", "myhostname=h.example",
	    "-o", "smtp_mx_session_limit=9", "-o",
	    "smtp_connection_cache_time_limit=1m", "-o",
	    "smtp_connection_reuse_time_limit=2", "-o",
	    "smtp_connection_reuse_count_limit=7", "-o",
	    "smtp_connection_cache_destinations=a.example b.example", NULL};
	static const char *const argv3[] = {"smtpjail", "-t", "unix",
	    "-o", "smtp_helo_name=helo.$mydomain", "-o",
	    "smtp_fallback_relay=[x]", "-o", "fallback_relay=unused", NULL};
	struct sj_config cfg;
	char	why[512] = "";

	(void)state;
	if (load(&cfg, argv, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_int_equal(cfg.child.connect_timeout, 0);
	assert_int_equal(cfg.child.helo_timeout, 120);
	assert_int_equal(cfg.child.data_done_timeout, 10);
	assert_int_equal(cfg.child.quit_timeout, 3600);
	assert_int_equal(cfg.child.mx_address_limit, 0);
	assert_int_equal(cfg.child.line_length_limit, 0);
	sj_config_free(&cfg);

	if (load(&cfg, argv2, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_string_equal(cfg.child.relayhost, "[relay.example]:587");
	assert_string_equal(cfg.child.fallback_relay, "fb.example");
	assert_string_equal(cfg.child.helo_name, "h.example");
	assert_string_equal(cfg.myhostname, "h.example");
	assert_int_equal(cfg.child.mx_session_limit, 9);
	assert_int_equal(cfg.child.cache_time_limit, 60);
	assert_int_equal(cfg.child.reuse_time_limit, 2);
	assert_int_equal(cfg.child.reuse_count_limit, 7);
	assert_string_equal(cfg.child.cache_destinations,
	    "a.example b.example");
	sj_config_free(&cfg);

	if (load(&cfg, argv3, why, sizeof(why)) != 0)
		fail_msg("%s", why);
	assert_string_equal(cfg.child.helo_name, "helo.example.test");
	assert_string_equal(cfg.child.fallback_relay, "[x]");
	sj_config_free(&cfg);
}

static void
test_relay_too_long(void **state)
{
	const char *argv[] = {"smtpjail", "-t", "unix", "-o", NULL, NULL};
	struct sj_config cfg;
	char	why[512] = "", *o;
	size_t	n = SJ_NEXTHOP_MAX + 20;

	(void)state;
	o = malloc(n + 1);
	assert_non_null(o);
	memset(o, 'a', n);
	memcpy(o, "relayhost=", 10);
	o[n] = '\0';
	argv[4] = o;
	assert_int_equal(load(&cfg, argv, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "parameter relayhost: value longer than"));
	free(o);
}

static const struct port_case {
	const char *o[2];
	uint32_t want;
} port_cases[] = {
	{{NULL}, 25},
	{{"smtp_tcp_port=smtp"}, 25},
	{{"smtp_tcp_port=2525"}, 2525},
	{{"smtp_tcp_port=submission"}, 587},
	{{"smtp_tcp_port=smtps"}, 465},
	{{"smtp_tcp_port=submissions"}, 465},
	{{"smtp_tcp_port=lmtp"}, 24},
	{{"smtp_tcp_port=smtp", "known_tcp_ports=smtp=2526"}, 2526},
	{{"smtp_tcp_port=mine", "known_tcp_ports=a=mine=10025, b=1"}, 10025},
};

static void
test_port(void **state)
{
	size_t	i;
	int	j;

	(void)state;
	for (i = 0; i < NELEM(port_cases); i++) {
		const char *argv[MAXARGS] = {"smtpjail", "-t", "unix"};
		struct sj_config cfg;
		char	why[512] = "";
		int	n = 3;

		for (j = 0; j < 2 && port_cases[i].o[j] != NULL; j++) {
			argv[n++] = "-o";
			argv[n++] = port_cases[i].o[j];
		}
		argv[n] = NULL;
		if (load(&cfg, argv, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		assert_int_equal(cfg.child.default_port, port_cases[i].want);
		sj_config_free(&cfg);
	}
}

static const struct iface_case {
	const char *o[3];
	const char *want;		/* exact, or NULL: see has */
	const char *has;
} iface_cases[] = {
	{{"inet_interfaces=127.0.0.1"}, "127.0.0.1", NULL},
	{{"inet_interfaces=127.0.0.1, 127.0.0.1 [127.0.0.1]"}, "127.0.0.1",
	    NULL},
	{{"inet_interfaces=127.0.0.1 ::1", "inet_protocols=ipv4, ipv6",
	    "proxy_interfaces=192.0.2.7"}, "127.0.0.1,::1,192.0.2.7", NULL},
	{{"inet_interfaces=127.0.0.1 [::1]", "inet_protocols=ipv4"},
	    "127.0.0.1", NULL},
	{{"inet_interfaces=127.0.0.2", "proxy_interfaces=198.51.100.1,"
	    "198.51.100.2"}, "127.0.0.2,198.51.100.1,198.51.100.2", NULL},
	{{"inet_interfaces=loopback-only", "inet_protocols=ipv4"}, NULL,
	    "127.0.0.1"},
	{{"inet_interfaces=all", "inet_protocols=ipv4"}, NULL, "127.0.0.1"},
	{{"inet_interfaces=localhost", "inet_protocols=ipv4"}, "127.0.0.1",
	    NULL},
	{{"inet_interfaces=", "proxy_interfaces="}, "", NULL},
};

static void
test_local_addrs(void **state)
{
	size_t	i;
	int	j;

	(void)state;
	for (i = 0; i < NELEM(iface_cases); i++) {
		const struct iface_case *c = &iface_cases[i];
		const char *argv[MAXARGS] = {"smtpjail", "-t", "unix"};
		struct sj_config cfg;
		char	why[512] = "";
		int	n = 3;

		for (j = 0; j < 3 && c->o[j] != NULL; j++) {
			argv[n++] = "-o";
			argv[n++] = c->o[j];
		}
		argv[n] = NULL;
		if (load(&cfg, argv, why, sizeof(why)) != 0)
			fail_msg("case %zu: %s", i, why);
		if (c->want != NULL &&
		    strcmp(cfg.child.local_addrs, c->want) != 0)
			fail_msg("case %zu: '%s', want '%s'", i,
			    cfg.child.local_addrs, c->want);
		if (c->has != NULL &&
		    strstr(cfg.child.local_addrs, c->has) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i,
			    cfg.child.local_addrs, c->has);
		/* ipv4 only: no ':' anywhere */
		if (c->o[1] != NULL && strcmp(c->o[1], "inet_protocols=ipv4")
		    == 0 && strchr(cfg.child.local_addrs, ':') != NULL)
			fail_msg("case %zu: IPv6 in '%s'", i,
			    cfg.child.local_addrs);
		sj_config_free(&cfg);
	}
}

static void
test_cli_flags(void **state)
{
	static const char *const a1[] = {"smtpjail", "-t", "unix",
	    "flags=DRX", NULL};
	static const char *const a2[] = {"smtpjail", "-t", "unix", "FLAGS=O",
	    "flags=", "Flags=RX", NULL};
	static const char *const a3[] = {"smtpjail", "-t", "unix", "--",
	    "flags=D", NULL};
	struct sj_config cfg;
	char	why[512] = "";

	(void)state;
	assert_int_equal(load(&cfg, a1, why, sizeof(why)), 0);
	assert_string_equal(cfg.cli_flags, "DRX");
	assert_int_equal(cfg.nargs, 1);
	assert_string_equal(cfg.args[0], "flags=DRX");
	assert_null(cfg.args[1]);
	sj_config_free(&cfg);
	assert_int_equal(load(&cfg, a2, why, sizeof(why)), 0);
	assert_string_equal(cfg.cli_flags, "RX");	/* the last one */
	assert_int_equal(cfg.nargs, 3);
	sj_config_free(&cfg);
	assert_int_equal(load(&cfg, a3, why, sizeof(why)), 0);
	assert_string_equal(cfg.cli_flags, "D");
	sj_config_free(&cfg);
}

static void
test_hostname_defaults(void **state)
{
	static const char *const a1[] = {"smtpjail", "-t", "unix", NULL};
	static const char *const a2[] = {"smtpjail", "-t", "unix", "-o",
	    "mydomain=example.org", NULL};
	struct sj_config cfg;
	char	why[512] = "", host[256], want[600];
	const char *dot;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	/* main.cf without myhostname */
	write_file(tenv.main_cf, "smtpjail_sandbox_user = nobody\n"
	    "inet_interfaces = 127.0.0.1\n");
	assert_int_equal(load(&cfg, a1, why, sizeof(why)), 0);
	dot = strchr(host, '.');
	snprintf(want, sizeof(want), "%s%s", host, dot ? "" : ".localdomain");
	assert_string_equal(cfg.myhostname, want);
	assert_string_equal(sj_config_param(&cfg, "mydomain"),
	    dot ? dot + 1 : "localdomain");
	assert_string_equal(cfg.child.helo_name, want);
	sj_config_free(&cfg);

	assert_int_equal(load(&cfg, a2, why, sizeof(why)), 0);
	snprintf(want, sizeof(want), "%s%s", host, dot ? "" :
	    ".example.org");
	assert_string_equal(cfg.myhostname, want);
	sj_config_free(&cfg);
	write_main(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_sandbox_check_and_standalone),
		cmocka_unit_test(test_environment),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_main_cf_errors_and_warnings),
		cmocka_unit_test(test_ident_rule),
		cmocka_unit_test(test_resolv_conf),
		cmocka_unit_test(test_resolv_options),
		cmocka_unit_test(test_debug_peer),
		cmocka_unit_test(test_child_flags),
		cmocka_unit_test(test_child_values),
		cmocka_unit_test(test_relay_too_long),
		cmocka_unit_test(test_port),
		cmocka_unit_test(test_resolv_conf_chroot),
		cmocka_unit_test(test_local_addrs),
		cmocka_unit_test(test_cli_flags),
		cmocka_unit_test(test_hostname_defaults),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

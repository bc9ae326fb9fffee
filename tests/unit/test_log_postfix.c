/*
 * NAME
 *	test_log_postfix 1
 * SUMMARY
 *	unit tests of the parent's Postfix-compatible log channel
 * DESCRIPTION
 *	postlog: the test binds a datagram socket, points POSTLOG_SERVICE
 *	(or $queue_directory/public/postlog) at it, opens the log from a
 *	real sj_config_load() and checks the bytes of each datagram against
 *	Postfix 3.7's msg_logger format: "Mmm dd hh:mm:ss HOST
 *	postfix/smtp[PID]: [severity: ]text", for every severity, with
 *	censoring, the 2000-byte cut, the configuration warnings replayed
 *	at open, and a postlogd that appears after the open. Also the exact
 *	formatter at a fixed time, the -V stderr copy, the facility table,
 *	and syslog: in a private mount namespace a socket of the test
 *	replaces /dev/log, and the record must carry <facility|severity>
 *	and the ident postfix/smtp.
 * SECURITY
 *	Test only. The mount namespace is the child's own and dies with it.
 * SEE ALSO
 *	parent/log_postfix.c, include/sj_log.h
 */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg.h"
#include "sj_config.h"
#include "sj_log.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct tenv {
	char	dir[64];
	char	sock[128];		/* the fake postlogd */
	int	fd;
} tenv = {.fd = -1};

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	assert_true(fputs(text, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
}

static int
bind_dgram(const char *path)
{
	struct sockaddr_un sun;
	struct timeval tv = {.tv_sec = 10};
	int	fd;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return (-1);
	}
	/* Only a guard against a hang; no assertion depends on time. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return (fd);
}

/* main.cf under the test directory; maillog_file turns postlog on. */
static void
write_main(const char *extra)
{
	char	path[128], text[2048];

	snprintf(path, sizeof(path), "%s/main.cf", tenv.dir);
	snprintf(text, sizeof(text),
	    "myhostname = mx.example.test\n"
	    "smtpjail_sandbox_user = nobody\n"
	    "smtpjail_resolv_conf = %s/resolv.conf\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "%s", tenv.dir, extra ? extra : "");
	write_file(path, text);
}

static void
load(struct sj_config *cfg, const char *const *extra_argv)
{
	const char *argv[16] = {"/usr/libexec/smtpjail", "-t", "unix"};
	char	why[512] = "";
	int	n = 3;

	while (extra_argv != NULL && *extra_argv != NULL && n < 15)
		argv[n++] = *extra_argv++;
	argv[n] = NULL;
	if (sj_config_load(cfg, n, (char **)argv, why, sizeof(why)) != 0)
		fail_msg("sj_config_load: %s", why);
}

static int
setup(void **state)
{
	char	path[128];

	(void)state;
	snprintf(tenv.dir, sizeof(tenv.dir), "/tmp/sj-log.XXXXXX");
	if (mkdtemp(tenv.dir) == NULL)
		return (-1);
	snprintf(tenv.sock, sizeof(tenv.sock), "%s/postlogd", tenv.dir);
	if ((tenv.fd = bind_dgram(tenv.sock)) < 0)
		return (-1);
	snprintf(path, sizeof(path), "%s/resolv.conf", tenv.dir);
	write_file(path, "nameserver 192.0.2.1\n");
	write_main("maillog_file = /var/log/sj-test.log\n");
	setenv("MAIL_CONFIG", tenv.dir, 1);
	setenv("POSTLOG_SERVICE", tenv.sock, 1);
	unsetenv("POSTLOG_HOSTNAME");
	unsetenv("MAIL_VERBOSE");
	return (0);
}

static int
teardown(void **state)
{
	char	path[128];

	(void)state;
	log_close();
	close(tenv.fd);
	unlink(tenv.sock);
	snprintf(path, sizeof(path), "%s/main.cf", tenv.dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/resolv.conf", tenv.dir);
	unlink(path);
	rmdir(tenv.dir);
	unsetenv("POSTLOG_SERVICE");
	unsetenv("MAIL_CONFIG");
	return (0);
}

static ssize_t
recv_one(int fd, char *buf, size_t bufsz)
{
	ssize_t	n = recv(fd, buf, bufsz - 1, 0);

	assert_true(n > 0);
	buf[n] = '\0';
	return (n);
}

/* The timestamp is one of the two seconds around the send. */
static void
check_record(const char *rec, time_t before, time_t after,
    const char *host, const char *ident, const char *body)
{
	char	want[4096], stamp[64];
	struct tm tm;
	time_t	t;
	int	ok = 0;

	for (t = before; t <= after && !ok; t++) {
		localtime_r(&t, &tm);
		strftime(stamp, sizeof(stamp), "%b %d %H:%M:%S", &tm);
		snprintf(want, sizeof(want), "%s %s %s[%ld]: %s", stamp, host,
		    ident, (long)getpid(), body);
		ok = strcmp(rec, want) == 0;
	}
	if (!ok)
		fail_msg("record '%s', want '%s'", rec, want);
}

static const struct sev_case {
	enum msg_level lvl;
	const char *text;
	const char *body;
} sev_cases[] = {
	{MSG_LVL_INFO, "874ECA76317: to=<bob@remote.test>, relay=none, "
	    "delay=0.11, dsn=4.4.1, status=deferred (connect to x: refused)",
	    "874ECA76317: to=<bob@remote.test>, relay=none, delay=0.11, "
	    "dsn=4.4.1, status=deferred (connect to x: refused)"},
	{MSG_LVL_VERBOSE, "verbose text", "verbose text"},
	{MSG_LVL_WARN, "defer service failure", "warning: defer service "
	    "failure"},
	{MSG_LVL_ERROR, "accept connection: EMFILE", "error: accept "
	    "connection: EMFILE"},
	{MSG_LVL_FATAL, "do not run this command by hand", "fatal: do not run "
	    "this command by hand"},
	{MSG_LVL_PANIC, "broken invariant", "panic: broken invariant"},
	/* censoring: every byte outside 0x20-0x7e becomes '?', but UTF-8
	 * (smtputf8_enable = yes, the default; a lone lead or continuation
	 * byte is not UTF-8) */
	{MSG_LVL_INFO, "a\tb\r\nc\x01\x7f\xc3\xa9", "a?b??c??\xc3\xa9"},
	{MSG_LVL_INFO, "x\xc3y\xa9", "x?y?"},
	{MSG_LVL_INFO, "", ""},
};

static void
test_postlog_format(void **state)
{
	struct sj_config cfg;
	char	rec[4096];
	size_t	i;

	(void)state;
	load(&cfg, NULL);
	assert_int_equal(log_open(&cfg), 0);
	assert_string_equal(log_ident(), "postfix/smtp");
	for (i = 0; i < NELEM(sev_cases); i++) {
		time_t	before = time(NULL), after;

		log_sink(sev_cases[i].lvl, sev_cases[i].text, NULL);
		recv_one(tenv.fd, rec, sizeof(rec));
		after = time(NULL);
		check_record(rec, before, after, "mx", "postfix/smtp",
		    sev_cases[i].body);
	}
	/* through msg.c, as the daemon logs */
	msg_set_sink(log_sink, NULL);
	{
		time_t	before = time(NULL);

		msg_warn("%s: %d", "table changed", 42);
		recv_one(tenv.fd, rec, sizeof(rec));
		check_record(rec, before, time(NULL), "mx", "postfix/smtp",
		    "warning: table changed: 42");
	}
	msg_set_sink(NULL, NULL);
	log_close();
	sj_config_free(&cfg);
}

/* smtputf8_enable = no: UTF-8 is censored too (Postfix printable()). */
static void
test_postlog_ascii_only(void **state)
{
	static const char *const o[] = {"-o", "smtputf8_enable=no", NULL};
	struct sj_config cfg;
	char	rec[4096];
	time_t	before;

	(void)state;
	load(&cfg, o);
	assert_int_equal(log_open(&cfg), 0);
	before = time(NULL);
	log_sink(MSG_LVL_INFO, "to=<u@b\xc3\xbc" "cher.test>", NULL);
	recv_one(tenv.fd, rec, sizeof(rec));
	check_record(rec, before, time(NULL), "mx", "postfix/smtp",
	    "to=<u@b??cher.test>");
	log_close();
	sj_config_free(&cfg);
}

static void
test_postlog_truncates(void **state)
{
	struct sj_config cfg;
	char	*big, rec[8192];
	const char *colon;
	size_t	n = 3000;

	(void)state;
	load(&cfg, NULL);
	assert_int_equal(log_open(&cfg), 0);
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'x', n);
	big[n] = '\0';
	log_sink(MSG_LVL_WARN, big, NULL);
	recv_one(tenv.fd, rec, sizeof(rec));
	colon = strstr(rec, "]: warning: ");
	assert_non_null(colon);
	assert_int_equal(strlen(colon + strlen("]: warning: ")), SJ_LOG_RECLEN);
	free(big);
	log_close();
	sj_config_free(&cfg);
}

static void
test_postlog_ident_and_host(void **state)
{
	static const char *const relay[] = {"-n", "relay", "-o",
	    "syslog_name=postfix/$service_name", NULL};
	struct sj_config cfg;
	char	rec[4096];
	time_t	before;

	(void)state;
	load(&cfg, relay);
	assert_int_equal(log_open(&cfg), 0);
	before = time(NULL);
	log_sink(MSG_LVL_INFO, "hi", NULL);
	recv_one(tenv.fd, rec, sizeof(rec));
	check_record(rec, before, time(NULL), "mx", "postfix/relay/smtp",
	    "hi");
	/* re-open with another ident */
	assert_int_equal(log_reopen_ident("postfix/other"), 0);
	before = time(NULL);
	log_sink(MSG_LVL_INFO, "hi", NULL);
	recv_one(tenv.fd, rec, sizeof(rec));
	check_record(rec, before, time(NULL), "mx", "postfix/other", "hi");
	log_close();
	sj_config_free(&cfg);
}

static void
test_postlog_warnings_replayed(void **state)
{
	struct sj_config cfg;
	char	rec[4096];

	(void)state;
	write_main("maillog_file = /var/log/sj-test.log\n"
	    "max_use = 5\nmax_use = 6\n");
	load(&cfg, NULL);
	assert_int_equal(cfg.nwarnings, 1);
	assert_int_equal(log_open(&cfg), 0);
	recv_one(tenv.fd, rec, sizeof(rec));
	assert_non_null(strstr(rec, " mx postfix/smtp["));
	assert_non_null(strstr(rec, "]: warning: "));
	assert_non_null(strstr(rec, "main.cf, line 7: overriding earlier "
	    "entry: max_use=5"));
	log_close();
	sj_config_free(&cfg);
	write_main("maillog_file = /var/log/sj-test.log\n");
}

/* Without POSTLOG_SERVICE: $queue_directory/public/$postlog_service_name. */
static void
test_postlog_path_from_config(void **state)
{
	struct sj_config cfg;
	char	pub[128], path[160], extra[512], rec[4096];
	int	fd;

	(void)state;
	snprintf(pub, sizeof(pub), "%s/public", tenv.dir);
	assert_int_equal(mkdir(pub, 0700), 0);
	snprintf(path, sizeof(path), "%s/mylog", pub);
	fd = bind_dgram(path);
	assert_true(fd >= 0);
	snprintf(extra, sizeof(extra), "maillog_file = /var/log/x\n"
	    "queue_directory = %s\npostlog_service_name = mylog\n",
	    tenv.dir);
	write_main(extra);
	unsetenv("POSTLOG_SERVICE");
	load(&cfg, NULL);
	assert_int_equal(log_open(&cfg), 0);
	log_sink(MSG_LVL_ERROR, "e", NULL);
	recv_one(fd, rec, sizeof(rec));
	assert_non_null(strstr(rec, " mx postfix/smtp["));
	assert_non_null(strstr(rec, "]: error: e"));
	log_close();
	sj_config_free(&cfg);
	close(fd);
	unlink(path);
	rmdir(pub);
	setenv("POSTLOG_SERVICE", tenv.sock, 1);
	write_main("maillog_file = /var/log/sj-test.log\n");
}

/* postlogd down at open, up later: the next record gets through. */
static void
test_postlog_reconnects(void **state)
{
	struct sj_config cfg;
	char	path[160], rec[4096];
	int	fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/late", tenv.dir);
	setenv("POSTLOG_SERVICE", path, 1);
	load(&cfg, NULL);
	assert_int_equal(log_open(&cfg), 0);
	log_sink(MSG_LVL_INFO, "lost", NULL);	/* dropped silently */
	fd = bind_dgram(path);
	assert_true(fd >= 0);
	log_sink(MSG_LVL_INFO, "found", NULL);
	recv_one(fd, rec, sizeof(rec));
	assert_non_null(strstr(rec, "]: found"));
	log_close();
	sj_config_free(&cfg);
	close(fd);
	unlink(path);
	setenv("POSTLOG_SERVICE", tenv.sock, 1);
}

/* Before main.cf: $MAIL_LOGTAG, $POSTLOG_SERVICE, $POSTLOG_HOSTNAME. */
static void
test_bootstrap(void **state)
{
	char	rec[4096];
	time_t	before;

	(void)state;
	setenv("MAIL_LOGTAG", "pfx", 1);
	setenv("POSTLOG_HOSTNAME", "boot.example", 1);
	assert_int_equal(log_open_bootstrap(), 0);
	assert_string_equal(log_ident(), "pfx/smtp");
	before = time(NULL);
	log_sink(MSG_LVL_FATAL, "invalid option: -x", NULL);
	recv_one(tenv.fd, rec, sizeof(rec));
	check_record(rec, before, time(NULL), "boot", "pfx/smtp",
	    "fatal: invalid option: -x");
	unsetenv("MAIL_LOGTAG");
	unsetenv("POSTLOG_HOSTNAME");
	assert_int_equal(log_open_bootstrap(), 0);
	assert_string_equal(log_ident(), "postfix/smtp");
	before = time(NULL);
	log_sink(MSG_LVL_INFO, "x", NULL);
	recv_one(tenv.fd, rec, sizeof(rec));
	check_record(rec, before, time(NULL), "amnesiac", "postfix/smtp", "x");
	log_close();
}

static void
test_format_fixed_time(void **state)
{
	char	buf[256], small[20];
	const char *tz = getenv("TZ");
	char	*saved = tz ? strdup(tz) : NULL;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* 2024-03-05 07:08:09 UTC: day of month zero-padded (%d) */
	assert_int_equal(log_format_postlog(buf, sizeof(buf), 1709622489,
	    "pfi.example.test", "postfix/smtp", 9152, MSG_LVL_INFO,
	    "874ECA76317: removed"), 60);
	assert_string_equal(buf, "Mar 05 07:08:09 pfi postfix/smtp[9152]: "
	    "874ECA76317: removed");
	assert_true(log_format_postlog(buf, sizeof(buf), 0, "h", "p/s", 1,
	    MSG_LVL_WARN, "w") > 0);
	assert_string_equal(buf, "Jan 01 00:00:00 h p/s[1]: warning: w");
	assert_true(log_format_postlog(small, sizeof(small), 0, "h", "p/s", 1,
	    MSG_LVL_WARN, "w") < 0);
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else
		unsetenv("TZ");
	tzset();
}

static void
test_stderr_copy(void **state)
{
	static const char *const v[] = {"-V", NULL};
	struct sj_config cfg;
	char	path[128], rec[4096], out[512] = "";
	int	fd, saved;
	ssize_t	n;

	(void)state;
	snprintf(path, sizeof(path), "%s/stderr", tenv.dir);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	saved = dup(2);
	assert_true(saved >= 0);
	load(&cfg, v);
	assert_int_equal(cfg.opt_stderr, 1);
	assert_int_equal(log_open(&cfg), 0);
	assert_int_equal(dup2(fd, 2), 2);
	log_sink(MSG_LVL_WARN, "copied", NULL);
	log_sink(MSG_LVL_INFO, "too", NULL);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	recv_one(tenv.fd, rec, sizeof(rec));
	assert_non_null(strstr(rec, "]: warning: copied"));
	recv_one(tenv.fd, rec, sizeof(rec));
	n = pread(fd, out, sizeof(out) - 1, 0);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "postfix/smtp: warning: copied\n"
	    "postfix/smtp: too\n");
	close(fd);
	unlink(path);
	log_close();
	sj_config_free(&cfg);
}

static const struct fac_case {
	const char *name;
	int	code;
} fac_cases[] = {
	{"mail", LOG_MAIL}, {"daemon", LOG_DAEMON}, {"local0", LOG_LOCAL0},
	{"local7", LOG_LOCAL7}, {"user", LOG_USER}, {"auth", LOG_AUTH},
	{"MAIL", -1}, {"", -1}, {"local8", -1}, {"bogus", -1},
};

static void
test_facilities(void **state)
{
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(fac_cases); i++)
		assert_int_equal(log_facility_code(fac_cases[i].name),
		    fac_cases[i].code);
	assert_int_equal(log_facility_code(NULL), -1);
}

/*
 * syslog, with a socket of ours as /dev/log in a private mount
 * namespace of a child process.
 */
static void
syslog_child(const char *devdir, const char *facility)
{
	struct sj_config cfg;
	const char *argv[] = {"smtpjail", "-t", "unix", "-o", NULL, NULL};
	char	why[512], o[64];

	if (unshare(CLONE_NEWNS) < 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount(devdir, "/dev", NULL, MS_BIND, NULL) < 0)
		_exit(77);
	snprintf(o, sizeof(o), "syslog_facility=%s", facility);
	argv[4] = o;
	if (sj_config_load(&cfg, 5, (char **)argv, why, sizeof(why)) != 0)
		_exit(2);
	if (log_open(&cfg) != 0)
		_exit(3);
	log_sink(MSG_LVL_INFO, "status=sent", NULL);
	log_sink(MSG_LVL_WARN, "w\x01", NULL);
	log_sink(MSG_LVL_FATAL, "f", NULL);
	log_close();
	_exit(0);
}

static void
test_syslog(void **state)
{
	static const struct {
		const char *facility;
		int	code;
	} facs[] = {{"mail", LOG_MAIL}, {"local3", LOG_LOCAL3}};
	char	devdir[160], logpath[200], rec[4096], pat[256];
	size_t	i;

	(void)state;
	write_main(NULL);		/* maillog_file empty: syslog */
	snprintf(devdir, sizeof(devdir), "%s/dev", tenv.dir);
	assert_int_equal(mkdir(devdir, 0755), 0);
	snprintf(logpath, sizeof(logpath), "%s/log", devdir);
	for (i = 0; i < NELEM(facs); i++) {
		static const struct {
			int	sev;
			const char *body;
		} recs[] = {{LOG_INFO, "status=sent"},
		    {LOG_WARNING, "warning: w\\?"}, {LOG_CRIT, "fatal: f"}};
		int	fd = bind_dgram(logpath), status, j;
		pid_t	pid;

		assert_true(fd >= 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			syslog_child(devdir, facs[i].facility);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		if (WEXITSTATUS(status) == 77) {
			close(fd);
			unlink(logpath);
			rmdir(devdir);
			write_main("maillog_file = /var/log/sj-test.log\n");
			skip();
		}
		assert_int_equal(WEXITSTATUS(status), 0);
		for (j = 0; j < 3; j++) {
			regex_t	re;

			recv_one(fd, rec, sizeof(rec));
			snprintf(pat, sizeof(pat), "^<%d>[A-Z][a-z][a-z] "
			    "[ 0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9] "
			    "postfix/smtp\\[%d\\]: %s$",
			    facs[i].code | recs[j].sev, (int)pid,
			    recs[j].body);
			assert_int_equal(regcomp(&re, pat, REG_EXTENDED |
			    REG_NOSUB), 0);
			if (regexec(&re, rec, 0, NULL, 0) != 0)
				fail_msg("'%s' !~ '%s'", rec, pat);
			regfree(&re);
		}
		close(fd);
		unlink(logpath);
	}
	rmdir(devdir);
	write_main("maillog_file = /var/log/sj-test.log\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_postlog_format),
		cmocka_unit_test(test_postlog_ascii_only),
		cmocka_unit_test(test_postlog_truncates),
		cmocka_unit_test(test_postlog_ident_and_host),
		cmocka_unit_test(test_postlog_warnings_replayed),
		cmocka_unit_test(test_postlog_path_from_config),
		cmocka_unit_test(test_postlog_reconnects),
		cmocka_unit_test(test_bootstrap),
		cmocka_unit_test(test_format_fixed_time),
		cmocka_unit_test(test_stderr_copy),
		cmocka_unit_test(test_facilities),
		cmocka_unit_test(test_syslog),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

/*
 * NAME
 *	log_postfix 3
 * SUMMARY
 *	the parent's log channel, as a Postfix 3.7 daemon writes it
 * DESCRIPTION
 *	log_open() is called once the configuration is known and before
 *	any chroot or privilege drop (Postfix src/master/single_server.c,
 *	src/global/maillog_client.c, src/util/msg_syslog.c):
 *
 *	- $maillog_file empty (the default): openlog(ident, LOG_PID |
 *	  LOG_NDELAY, $syslog_facility), so that the /dev/log connection
 *	  exists before the chroot. Severities: info LOG_INFO, warning
 *	  LOG_WARNING, error LOG_ERR, fatal and panic LOG_CRIT.
 *	- $maillog_file set: a SOCK_DGRAM socket connected to postlogd(8)
 *	  at $POSTLOG_SERVICE (which master(8) exports) or else
 *	  $queue_directory/public/$postlog_service_name. Each record is one
 *	  datagram "Mmm dd hh:mm:ss HOST IDENT[PID]: [severity: ]text",
 *	  HOST being the first label of $myhostname ($POSTLOG_HOSTNAME if
 *	  that is empty), exactly as Postfix's msg_logger.c formats it;
 *	  postlogd appends it and a newline to $maillog_file. If postlogd
 *	  cannot be reached the record is dropped, as a 3.7 daemon does,
 *	  and the connection is tried again with the next record.
 *
 *	The ident is "$syslog_name/$process_name" (parent/config.c), with
 *	the pid. Text is censored (bytes outside 0x20-0x7e become '?', as
 *	Postfix's printable()) and cut at SJ_LOG_RECLEN bytes. With -V a
 *	copy goes to stderr as "ident: [severity: ]text" (msg_vstream).
 *	Before log_open() and after log_close() records go to stderr.
 *
 *	log_open_bootstrap() is what a Postfix daemon does before main.cf
 *	is read: ident "$MAIL_LOGTAG/smtp" ("postfix/smtp" without it),
 *	facility mail, postlog if master(8) exported POSTLOG_SERVICE (host
 *	$POSTLOG_HOSTNAME), else syslog. With it, an error in main.cf or
 *	on the command line reaches the mail log, not only stderr (which
 *	master(8) connects to /dev/null).
 * SECURITY
 *	Parent. The sink is the last stop for text from every module and
 *	from the child's LOG messages, so it censors again whatever it is
 *	given. The channel is opened while root, before the chroot, and
 *	stays usable after it.
 * SEE ALSO
 *	include/sj_log.h, ipc/msg.c, Postfix util/msg_syslog.c,
 *	util/msg_logger.c, global/maillog_client.c
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log_status.h"
#include "sj_limits.h"
#include "sj_log.h"

enum log_mode {
	LOG_MODE_NONE = 0,
	LOG_MODE_SYSLOG,
	LOG_MODE_POSTLOG,
};

/* The module's one context: the channel of this process. */
static struct log_ctx {
	enum log_mode mode;
	int	facility;
	int	sock;			/* postlog socket or -1 */
	int	to_stderr;		/* -V */
	int	utf8;			/* $smtputf8_enable: keep UTF-8 */
	char	ident[256];		/* openlog() keeps a pointer */
	char	host[SJ_HOSTNAME_MAX + 1];
	char	path[sizeof(((struct sockaddr_un *)0)->sun_path)];
} log_ctx = {
	.sock = -1,
};

static const struct log_facility {
	const char *name;
	int	code;
} log_facilities[] = {
	{"auth", LOG_AUTH},
	{"authpriv", LOG_AUTHPRIV},
	{"cron", LOG_CRON},
	{"daemon", LOG_DAEMON},
	{"ftp", LOG_FTP},
	{"kern", LOG_KERN},
	{"lpr", LOG_LPR},
	{"mail", LOG_MAIL},
	{"news", LOG_NEWS},
	{"syslog", LOG_SYSLOG},
	{"user", LOG_USER},
	{"uucp", LOG_UUCP},
	{"local0", LOG_LOCAL0},
	{"local1", LOG_LOCAL1},
	{"local2", LOG_LOCAL2},
	{"local3", LOG_LOCAL3},
	{"local4", LOG_LOCAL4},
	{"local5", LOG_LOCAL5},
	{"local6", LOG_LOCAL6},
	{"local7", LOG_LOCAL7},
};

int
log_facility_code(const char *name)
{
	size_t	i;

	if (name == NULL)
		return (-1);
	for (i = 0; i < sizeof(log_facilities) / sizeof(log_facilities[0]);
	    i++)
		if (strcmp(log_facilities[i].name, name) == 0)
			return (log_facilities[i].code);
	return (-1);
}

const char *
log_ident(void)
{
	return (log_ctx.ident);
}

static int
log_severity(enum msg_level lvl)
{
	switch (lvl) {
	case MSG_LVL_WARN:
		return (LOG_WARNING);
	case MSG_LVL_ERROR:
		return (LOG_ERR);
	case MSG_LVL_FATAL:
	case MSG_LVL_PANIC:
		return (LOG_CRIT);
	default:
		return (LOG_INFO);
	}
}

/*
 * Postfix printable(): anything but 0x20-0x7e becomes '?', except
 * UTF-8 sequences when $smtputf8_enable is on (util_utf8_enable).
 */
static void
log_censor(char *out, size_t outsz, const char *in)
{
	size_t	n = 0;

	for (; *in && n + 1 < outsz && n < SJ_LOG_RECLEN; in++)
		out[n++] = *in;
	out[n] = '\0';
	log_status_printable(out, log_ctx.utf8);
}

int
log_format_postlog(char *buf, size_t bufsz, time_t now, const char *host,
    const char *ident, long pid, enum msg_level lvl, const char *text)
{
	struct tm tm;
	size_t	len;
	int	n;

	if (localtime_r(&now, &tm) == NULL)
		return (-EINVAL);
	if ((len = strftime(buf, bufsz, "%b %d %H:%M:%S ", &tm)) == 0)
		return (-ENOSPC);
	n = snprintf(buf + len, bufsz - len, "%.*s %s[%ld]: %s%.*s",
	    (int)strcspn(host, "."), host, ident, pid,
	    msg_level_prefix(lvl), SJ_LOG_RECLEN, text);
	if (n < 0 || (size_t)n >= bufsz - len)
		return (-ENOSPC);
	return ((int)(len + (size_t)n));
}

static void
log_postlog_connect(void)
{
	struct sockaddr_un sun;
	int	fd;

	if (log_ctx.sock >= 0)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, log_ctx.path, strlen(log_ctx.path) + 1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		close(fd);
		return;
	}
	log_ctx.sock = fd;
}

void
log_sink(enum msg_level lvl, const char *text, void *unused)
{
	char	clean[SJ_LOG_RECLEN + 1];
	char	rec[SJ_LOG_RECLEN + SJ_HOSTNAME_MAX +
	    sizeof(log_ctx.ident) + 64];
	const char *prefix = msg_level_prefix(lvl);
	int	n;

	(void)unused;
	log_censor(clean, sizeof(clean), text ? text : "");
	switch (log_ctx.mode) {
	case LOG_MODE_SYSLOG:
		syslog(log_ctx.facility | log_severity(lvl), "%s%s", prefix,
		    clean);
		break;
	case LOG_MODE_POSTLOG:
		log_postlog_connect();
		if (log_ctx.sock < 0)
			break;
		n = log_format_postlog(rec, sizeof(rec), time(NULL),
		    log_ctx.host, log_ctx.ident, (long)getpid(), lvl, clean);
		if (n > 0)
			(void)send(log_ctx.sock, rec, (size_t)n, MSG_NOSIGNAL);
		break;
	default:
		dprintf(STDERR_FILENO, "%s%s%s%s\n", log_ctx.ident,
		    log_ctx.ident[0] ? ": " : "", prefix, clean);
		return;
	}
	if (log_ctx.to_stderr)
		dprintf(STDERR_FILENO, "%s: %s%s\n", log_ctx.ident, prefix,
		    clean);
}

void
log_close(void)
{
	if (log_ctx.mode == LOG_MODE_SYSLOG)
		closelog();
	if (log_ctx.sock >= 0)
		close(log_ctx.sock);
	log_ctx.sock = -1;
	log_ctx.mode = LOG_MODE_NONE;
	log_ctx.to_stderr = 0;
}

int
log_reopen_ident(const char *ident)
{
	if (ident == NULL || *ident == '\0' ||
	    strlen(ident) >= sizeof(log_ctx.ident))
		return (-EINVAL);
	if (log_ctx.mode == LOG_MODE_SYSLOG)
		closelog();
	memcpy(log_ctx.ident, ident, strlen(ident) + 1);
	if (log_ctx.mode == LOG_MODE_SYSLOG)
		openlog(log_ctx.ident, LOG_PID | LOG_NDELAY, log_ctx.facility);
	return (0);
}

/* Open syslog or postlog (path != NULL) under ctx.ident. */
static void
log_start(int facility, const char *path, const char *host, int to_stderr)
{
	log_ctx.facility = facility;
	/* Load the time zone now: /etc/localtime is gone after chroot. */
	tzset();
	if (path == NULL) {
		openlog(log_ctx.ident, LOG_PID | LOG_NDELAY, facility);
		log_ctx.mode = LOG_MODE_SYSLOG;
	} else {
		snprintf(log_ctx.path, sizeof(log_ctx.path), "%s", path);
		snprintf(log_ctx.host, sizeof(log_ctx.host), "%s",
		    host != NULL && *host != '\0' ? host : "amnesiac");
		log_ctx.mode = LOG_MODE_POSTLOG;
		log_postlog_connect();
	}
	log_ctx.to_stderr = to_stderr;
}

int
log_open_bootstrap(void)
{
	const char *tag = getenv("MAIL_LOGTAG"), *svc;
	int	n;

	log_close();
	if (tag == NULL || *tag == '\0')
		tag = "postfix";
	n = snprintf(log_ctx.ident, sizeof(log_ctx.ident), "%s/smtp", tag);
	if (n < 0 || (size_t)n >= sizeof(log_ctx.ident)) {
		log_ctx.ident[0] = '\0';
		return (-ENAMETOOLONG);
	}
	if ((svc = getenv("POSTLOG_SERVICE")) != NULL && *svc != '\0') {
		if (strlen(svc) >= sizeof(log_ctx.path))
			return (-ENAMETOOLONG);
		log_start(LOG_MAIL, svc, getenv("POSTLOG_HOSTNAME"), 0);
	} else
		log_start(LOG_MAIL, NULL, NULL, 0);
	return (0);
}

int
log_open(const struct sj_config *cfg)
{
	char	path[sizeof(log_ctx.path)];
	const char *env, *host;
	int	fac, n, i;

	log_close();
	log_ctx.utf8 = cfg->smtputf8_enable;
	if ((fac = log_facility_code(cfg->syslog_facility)) < 0)
		return (-EINVAL);
	n = snprintf(log_ctx.ident, sizeof(log_ctx.ident), "%s/%s",
	    cfg->syslog_name, cfg->process_name);
	if (n < 0 || (size_t)n >= sizeof(log_ctx.ident)) {
		log_ctx.ident[0] = '\0';
		return (-ENAMETOOLONG);
	}
	if (cfg->maillog_file == NULL || cfg->maillog_file[0] == '\0') {
		log_start(fac, NULL, NULL, cfg->opt_stderr);
	} else {
		if ((env = getenv("POSTLOG_SERVICE")) != NULL && *env != '\0')
			n = snprintf(path, sizeof(path), "%s", env);
		else
			n = snprintf(path, sizeof(path), "%s/public/%s",
			    cfg->queue_directory, cfg->postlog_service_name);
		if (n < 0 || (size_t)n >= sizeof(path))
			return (-ENAMETOOLONG);
		host = cfg->myhostname;
		if (host == NULL || *host == '\0')
			host = getenv("POSTLOG_HOSTNAME");
		log_start(fac, path, host, cfg->opt_stderr);
	}
	for (i = 0; i < cfg->nwarnings; i++)
		log_sink(MSG_LVL_WARN, cfg->warnings[i], NULL);
	return (0);
}

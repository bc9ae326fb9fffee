/*
 * NAME
 *	sj_log.h 3h
 * SUMMARY
 *	the parent's Postfix-compatible log channel (syslog or postlog)
 * DESCRIPTION
 *	log_open() opens, before any chroot, the channel main.cf asks for:
 *	syslog (openlog(ident, LOG_PID|LOG_NDELAY, $syslog_facility)) when
 *	$maillog_file is empty, else a SOCK_DGRAM socket connected to
 *	postlogd(8) ($POSTLOG_SERVICE, or $queue_directory/public/
 *	$postlog_service_name). The ident is "$syslog_name/$process_name",
 *	e.g. "postfix/smtp" (parent/config.c says how process_name is
 *	chosen). log_sink() is the msg_set_sink() function: it censors
 *	the text, adds Postfix's "warning: " style prefix and writes one
 *	record; with -V it also writes "ident: text" to stderr. log_open()
 *	then logs the warnings sj_config_load() collected. It may be
 *	called again to re-open with a new configuration.
 * SECURITY
 *	Parent only. The text it is given is censored once more (non-
 *	printable bytes become '?') and cut at 2000 bytes, as Postfix does.
 */
#ifndef SJ_LOG_H
#define SJ_LOG_H

#include <stddef.h>
#include <time.h>

#include "msg.h"
#include "sj_config.h"

/* Postfix msg_syslog.c / msg_logger.c: MSG_*_RECLEN. */
#define SJ_LOG_RECLEN	2000

/* 0, or a negative errno (unknown facility, path too long). */
int	log_open(const struct sj_config *);
/*
 * Before the configuration is known (so that a configuration error is
 * logged): "$MAIL_LOGTAG/smtp" to postlog at $POSTLOG_SERVICE if set,
 * else to syslog (mail). log_open() later replaces it.
 */
int	log_open_bootstrap(void);
/* msg_sink_fn: ctx is unused (the module keeps one static context). */
void	log_sink(enum msg_level, const char *text, void *ctx);
/* Re-open with another ident (e.g. after a configuration change). */
int	log_reopen_ident(const char *ident);
void	log_close(void);

/* The ident in use ("postfix/smtp"), or "" before log_open(). */
const char *log_ident(void);
/* LOG_MAIL etc. for a $syslog_facility name, or -1 if unknown. */
int	log_facility_code(const char *name);
/*
 * One postlog datagram as postlogd(8) expects it (Postfix 3.7
 * msg_logger.c): "Mmm dd hh:mm:ss HOST IDENT[PID]: [severity: ]text",
 * HOST being the first label of 'host'. Returns the length, or a
 * negative errno if it does not fit.
 */
int	log_format_postlog(char *buf, size_t bufsz, time_t now,
	    const char *host, const char *ident, long pid,
	    enum msg_level lvl, const char *text);

#endif

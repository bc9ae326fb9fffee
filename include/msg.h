/*
 * NAME
 *	msg.h 3h
 * SUMMARY
 *	diagnostics: info, warn, error, fatal, panic
 * DESCRIPTION
 *	Every module reports through these functions. The front end
 *	formats the text (bounded) and hands it to the sink installed for
 *	this process: in the parent the Postfix log channel (syslog or
 *	postlog, parent/log_*.c); in the child an IPC LOG message to the
 *	parent, which checks it again before it writes it.
 *
 *	msg_fatal() is for a bad environment (configuration, permissions),
 *	msg_panic() for a broken invariant (a bug). Both log then exit(1);
 *	an exit hook lets the parent defer work in flight first.
 */
#ifndef MSG_H
#define MSG_H

#include <stdarg.h>

enum msg_level {
	MSG_LVL_VERBOSE = 0,
	MSG_LVL_INFO,
	MSG_LVL_WARN,
	MSG_LVL_ERROR,
	MSG_LVL_FATAL,
	MSG_LVL_PANIC,
};

/* A sink receives one formatted line, without level prefix. */
typedef void (*msg_sink_fn)(enum msg_level, const char *text, void *ctx);

void	msg_set_sink(msg_sink_fn, void *ctx);
void	msg_set_verbose(int level);
int	msg_verbose_level(void);
/* Called once before exit by msg_fatal/msg_panic (not re-entered). */
void	msg_set_exit_hook(void (*)(void));

void	msg_verbose(const char *, ...) __attribute__((format(printf, 1, 2)));
void	msg_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	msg_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	msg_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	msg_fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	msg_panic(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	msg_vlog(enum msg_level, const char *, va_list)
	    __attribute__((format(printf, 2, 0)));

/* The prefix Postfix writes before the text: "", "warning: ", ... */
const char *msg_level_prefix(enum msg_level);

#endif

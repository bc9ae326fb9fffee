/*
 * NAME
 *	msg 3
 * SUMMARY
 *	diagnostics front end shared by parent and child
 * DESCRIPTION
 *	Formats a bounded line and hands it to this process's sink: the
 *	Postfix log in the parent, an IPC LOG message in the child. Before
 *	a sink is installed, lines go to stderr. The module state is the
 *	process's logging context; nothing else in it is mutable.
 * SECURITY
 *	Both processes. Callers pass peer text only after sj_text_censor().
 * SEE ALSO
 *	parent/log_postfix.c, child/child_main.c
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "msg.h"
#include "sj_limits.h"

static struct msg_ctx {
	msg_sink_fn sink;
	void	*sink_ctx;
	int	verbose;
	void	(*exit_hook)(void);
	int	exiting;
} msg_ctx;

static void
msg_stderr_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	dprintf(2, "%s%s\n", msg_level_prefix(lvl), text);
}

const char *
msg_level_prefix(enum msg_level lvl)
{
	switch (lvl) {
	case MSG_LVL_WARN:
		return ("warning: ");
	case MSG_LVL_ERROR:
		return ("error: ");
	case MSG_LVL_FATAL:
		return ("fatal: ");
	case MSG_LVL_PANIC:
		return ("panic: ");
	default:
		return ("");
	}
}

void
msg_set_sink(msg_sink_fn fn, void *ctx)
{
	msg_ctx.sink = fn;
	msg_ctx.sink_ctx = ctx;
}

void
msg_set_verbose(int level)
{
	msg_ctx.verbose = level;
}

int
msg_verbose_level(void)
{
	return (msg_ctx.verbose);
}

void
msg_set_exit_hook(void (*fn)(void))
{
	msg_ctx.exit_hook = fn;
}

void
msg_vlog(enum msg_level lvl, const char *fmt, va_list ap)
{
	char	line[SJ_LOG_TEXT_MAX + 1];
	msg_sink_fn sink = msg_ctx.sink ? msg_ctx.sink : msg_stderr_sink;

	vsnprintf(line, sizeof(line), fmt, ap);
	sink(lvl, line, msg_ctx.sink_ctx);
}

#define MSG_FN(fn, lvl) \
void \
fn(const char *fmt, ...) \
{ \
	va_list	ap; \
	va_start(ap, fmt); \
	msg_vlog(lvl, fmt, ap); \
	va_end(ap); \
}

MSG_FN(msg_info, MSG_LVL_INFO)
MSG_FN(msg_warn, MSG_LVL_WARN)
MSG_FN(msg_error, MSG_LVL_ERROR)

void
msg_verbose(const char *fmt, ...)
{
	va_list	ap;

	if (msg_ctx.verbose <= 0)
		return;
	va_start(ap, fmt);
	msg_vlog(MSG_LVL_INFO, fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
msg_die(void)
{
	if (msg_ctx.exit_hook && !msg_ctx.exiting) {
		msg_ctx.exiting = 1;
		msg_ctx.exit_hook();
	}
	_exit(1);
}

void
msg_fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vlog(MSG_LVL_FATAL, fmt, ap);
	va_end(ap);
	msg_die();
}

void
msg_panic(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vlog(MSG_LVL_PANIC, fmt, ap);
	va_end(ap);
	msg_die();
}

/*
 * NAME
 *	child_log 3
 * SUMMARY
 *	the lines the child originates: LOG messages and stderr, one budget
 * DESCRIPTION
 *	Everything the sandboxed child makes the parent log passes here:
 *	its LOG messages (child_log_msg()) and the lines it writes on its
 *	stderr pipe (child_log_stderr(): a seccomp trap report, a sanitizer
 *	report, a script error of the test hook). Each is logged with the
 *	fixed prefix CHILD_LOG_PREFIX right after the level word, so that
 *	no line of the child's making reads as one of Postfix's: a Postfix
 *	status line is "<queue id>: to=<...>, ... status=...", and the
 *	prefix contains a space, which no queue id has. Postfix log
 *	parsers anchor on "postfix/smtp[pid]: <queue id>: to=<", so a
 *	child that writes "4ABC: to=<bob@x>, relay=..., status=sent (ok)"
 *	produces "postfix/smtp[pid]: sandboxed child: 4ABC: to=<bob@x>, ..."
 *	and forges nothing.
 *
 *	Both kinds count against one budget, CHILD_LOG_PER_JOB lines per
 *	job (cc->log_count, reset by the parent at each job): past it the
 *	child is flooding and the caller ends the pair. A stderr line is
 *	counted at its newline and again at every CHILD_ERR_LINE_MAX bytes
 *	without one, so the budget bounds bytes too. Each call reads at
 *	most CHILD_ERR_READ_MAX bytes of stderr, so that a child writing
 *	without pause cannot keep the parent from its deadline: the
 *	caller's poll loop comes back between reads.
 * SECURITY
 *	Parent. LOG text was checked by ipc_msg_decode() (printable,
 *	bounded); stderr bytes are hostile and censored here.
 * SEE ALSO
 *	parent/child_ctl.c, SECURITY.md "Limits the child cannot stretch"
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "child_ctl.h"
#include "child_log.h"
#include "msg.h"
#include "sj_text.h"

static void
child_log_line(enum msg_level lvl, const char *what, const char *text)
{
	switch (lvl) {
	case MSG_LVL_VERBOSE:
		msg_verbose("%s%s%s", CHILD_LOG_PREFIX, what, text);
		break;
	case MSG_LVL_INFO:
		msg_info("%s%s%s", CHILD_LOG_PREFIX, what, text);
		break;
	case MSG_LVL_WARN:
		msg_warn("%s%s%s", CHILD_LOG_PREFIX, what, text);
		break;
	default:
		msg_error("%s%s%s", CHILD_LOG_PREFIX, what, text);
		break;
	}
}

static int
child_log_over(const struct child_ctl *cc, char *why, size_t whysz)
{
	if (cc->log_count <= CHILD_LOG_PER_JOB)
		return (0);
	snprintf(why, whysz, "child sent more than %d LOG messages and "
	    "stderr lines in one job", CHILD_LOG_PER_JOB);
	return (-EBADMSG);
}

int
child_log_msg(struct child_ctl *cc, const struct ipc_log *lg, char *why,
    size_t whysz)
{
	cc->log_count++;
	if (child_log_over(cc, why, whysz) < 0)
		return (-EBADMSG);
	/* Text is printable and bounded: ipc_msg_decode() checked it. */
	child_log_line((enum msg_level)lg->level, "", lg->text);
	return (0);
}

int
child_log_charge(struct child_ctl *cc, char *why, size_t whysz)
{
	cc->log_count++;
	return (child_log_over(cc, why, whysz) < 0 ? -EBADMSG : 0);
}

/* One stderr line is complete (or cut): count it, log it censored. */
static void
child_log_err_line(struct child_ctl *cc)
{
	char	line[CHILD_ERR_LINE_MAX + 1];

	cc->log_count++;
	if (cc->log_count <= CHILD_LOG_PER_JOB) {
		sj_text_censor(line, sizeof(line), cc->err_line, cc->err_len);
		child_log_line(MSG_LVL_WARN, "stderr: ", line);
	}
	cc->err_len = 0;
}

int
child_log_stderr(struct child_ctl *cc, int final, char *why, size_t whysz)
{
	char	chunk[512];
	size_t	got = 0, i;
	ssize_t	n;

	if (cc->err_fd < 0)
		return (0);
	while (got < CHILD_ERR_READ_MAX &&
	    (n = read(cc->err_fd, chunk, sizeof(chunk))) > 0) {
		got += (size_t)n;
		for (i = 0; i < (size_t)n; i++) {
			if (chunk[i] == '\n') {
				child_log_err_line(cc);
				continue;
			}
			cc->err_line[cc->err_len++] = chunk[i];
			if (cc->err_len == CHILD_ERR_LINE_MAX)
				child_log_err_line(cc);
		}
		if (!final && child_log_over(cc, why, whysz) < 0)
			return (-EBADMSG);
	}
	if (final && cc->err_len > 0)
		child_log_err_line(cc);
	return (final ? 0 : child_log_over(cc, why, whysz));
}

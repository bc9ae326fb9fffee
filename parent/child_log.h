/*
 * NAME
 *	child_log.h 3h
 * SUMMARY
 *	the lines the child originates: LOG messages and stderr, one budget
 */
#ifndef CHILD_LOG_H
#define CHILD_LOG_H

#include <stddef.h>

#include "ipc_msg.h"

struct child_ctl;

/*
 * Every line of the child's making starts with this (after the level
 * word): a space makes it unlike any queue id, so it cannot be taken
 * for a Postfix status line.
 */
#define CHILD_LOG_PREFIX	"sandboxed child: "
/* A stderr line is cut (and counted) at this many bytes. */
#define CHILD_ERR_LINE_MAX	256
/* stderr bytes read per call, before the caller polls again. */
#define CHILD_ERR_READ_MAX	4096

/* Count and log one LOG message; -EBADMSG (why) past the budget. */
int	child_log_msg(struct child_ctl *, const struct ipc_log *,
	    char *why, size_t whysz);
/* Count one line logged for the child (CHECK_LOG); -EBADMSG past it. */
int	child_log_charge(struct child_ctl *, char *why, size_t whysz);
/*
 * Read (a bounded amount of) the child's stderr, count and log each
 * line; -EBADMSG (why) past the budget. final: the child is gone, log
 * what is left (within the budget) and never fail.
 */
int	child_log_stderr(struct child_ctl *, int final, char *why,
	    size_t whysz);

#endif

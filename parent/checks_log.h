/*
 * NAME
 *	checks_log.h 3h
 * SUMMARY
 *	log the lines of the child's header and body checks
 * DESCRIPTION
 *	checks_log() logs one CHECK_LOG of the job 'job_id' as Postfix's
 *	smtp(8) logs what its header/body checks did, after charging it
 *	to the child's log budget. 'classes' is CONFIG's checks_classes.
 *	0, or -EBADMSG with why[] set (a protocol violation).
 * SEE ALSO
 *	checks_log(3), child/content_checks.c
 */
#ifndef CHECKS_LOG_H
#define CHECKS_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"

struct child_ctl;

int	checks_log(struct child_ctl *, const struct ipc_check_log *,
	    uint32_t job_id, uint32_t classes, const char *queue_id,
	    char *why, size_t whysz);

#endif

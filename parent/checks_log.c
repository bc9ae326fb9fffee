/*
 * NAME
 *	checks_log 3
 * SUMMARY
 *	log the lines of the child's header and body checks
 * DESCRIPTION
 *	See checks_log.h. The child matches the content; Postfix logs
 *	what its checks did (src/smtp/smtp_proto.c smtp_hbc_logger(),
 *	src/global/header_body_checks.c hbc_action(), src/global/maps.c
 *	maps_find()). The child sends the fields (CHECK_LOG), the parent
 *	formats Postfix's lines with the job's queue id:
 *	  <qid>: <action>: <header|body> <content>[: <text>]
 *	  warning: unsupported command in <map> map: <action>
 *	  warning: REPLACE action without text in <map> map
 *	  warning: bad PREPEND header text "<text>" in <map> map -- need
 *	    "headername: headervalue"
 *	  warning: <map> lookup of <content> returns an empty string
 *	    result, with "<map> should return NO RESULT in case of NOT
 *	    FOUND" and "<qid>: smtp header checks lookup error" after it.
 * SECURITY
 *	Parent. The fields come from a possibly compromised child: the
 *	decoder checked ranges and that the texts are printable and
 *	bounded; here the job id must be the job's, the class one whose
 *	parameter is set, and each line counts against the job's log
 *	budget (parent/child_log.c), so a child cannot flood the log.
 *	The content is what the message holds: a stock smtp(8) logs it
 *	the same way.
 * SEE ALSO
 *	child/content_checks.c, parent/checks_load.c
 */
#include <errno.h>
#include <stdio.h>

#include "checks_load.h"
#include "checks_log.h"
#include "child_log.h"
#include "msg.h"

static const char *const checks_log_actions[] = {
	[IPC_CHL_A_WARNING] = "warning",
	[IPC_CHL_A_INFO] = "info",
	[IPC_CHL_A_REPLACE] = "replace",
	[IPC_CHL_A_PREPEND] = "prepend",
	[IPC_CHL_A_STRIP] = "strip",
};

int
checks_log(struct child_ctl *cc, const struct ipc_check_log *lg,
    uint32_t job_id, uint32_t classes, const char *queue_id, char *why,
    size_t whysz)
{
	const char *map = checks_class_name(lg->cls);
	const char *where = lg->where == IPC_CHL_W_BODY ? "body" : "header";
	const char *word = lg->action == IPC_CHL_A_PREPEND ? "PREPEND" :
	    "REPLACE";

	if (lg->job_id != job_id || (classes & (1U << lg->cls)) == 0) {
		snprintf(why, whysz, "CHECK_LOG for job %u class %u (job %u, "
		    "classes 0x%x)", lg->job_id, lg->cls, job_id, classes);
		return (-EBADMSG);
	}
	if (child_log_charge(cc, why, whysz) < 0)
		return (-EBADMSG);
	switch (lg->kind) {
	case IPC_CHL_ACTION:
		if (lg->text[0] != '\0')
			msg_info("%s: %s: %s %s: %s", queue_id,
			    checks_log_actions[lg->action], where,
			    lg->content, lg->text);
		else
			msg_info("%s: %s: %s %s", queue_id,
			    checks_log_actions[lg->action], where,
			    lg->content);
		break;
	case IPC_CHL_UNSUPPORTED:
		msg_warn("unsupported command in %s map: %s", map, lg->text);
		break;
	case IPC_CHL_NO_TEXT:
		msg_warn("%s action without text in %s map", word, map);
		break;
	case IPC_CHL_BAD_HEADER:
		msg_warn("bad %s header text \"%s\" in %s map -- need "
		    "\"headername: headervalue\"", word, lg->text, map);
		break;
	case IPC_CHL_EMPTY:
		msg_warn("%s lookup of %s returns an empty string result",
		    map, lg->content);
		msg_warn("%s should return NO RESULT in case of NOT FOUND",
		    map);
		msg_warn("%s: smtp %s checks lookup error", queue_id,
		    lg->where == IPC_CHL_W_BODY ? "body" : "header");
		break;
	}
	return (0);
}

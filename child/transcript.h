/*
 * NAME
 *	transcript.h 3h
 * SUMMARY
 *	the bounded transcript of one SMTP session, for postmaster notices
 * DESCRIPTION
 *	Postfix's smtp(8) keeps a history of every command it sends and
 *	every reply line it receives (smtp_chat.c), notes the error
 *	classes of the session (MAIL_ERROR_PROTOCOL, MAIL_ERROR_DATA), and
 *	when the session ends with a class listed in $notify_classes it
 *	mails the history to $error_notice_recipient. The child keeps the
 *	history and the classes here and sends them to the parent as one
 *	TRANSCRIPT message after the session; the parent decides whether
 *	and how to mail it (parent/notice.c).
 *
 *	transcript_begin() starts a session's history (peer is
 *	"host[addr]:port"); before it, and after transcript_send(), the
 *	recording calls do nothing, so that code shared with tests and
 *	fuzzers may call them freely.
 *
 *	transcript_out() records what is sent: each CRLF-terminated
 *	command in buf[len] becomes one "Out: " line. transcript_in()
 *	records one reply line ("In:  "), and notes a protocol error when
 *	the line is not "NNN", "NNN " or "NNN-" followed by text (Postfix
 *	smtp_chat_resp()). transcript_check_code() is Postfix's
 *	smtp_check_code() for a reply that made a command fail: a code
 *	below 400 or above 599, 555, or 500-509 is a protocol error.
 *	transcript_error() notes a class directly.
 *
 *	Lines are censored (printable ASCII) and cut at
 *	SJ_TRANSCRIPT_LINE_MAX; the history is bounded by
 *	SJ_TRANSCRIPT_MAX: once full, the first TRANSCRIPT_HEAD_MAX bytes
 *	of lines stay and the oldest lines after them are dropped, so the
 *	notice shows how the session began and how it ended.
 *
 *	transcript_send() ends the session's history: if an error class
 *	was noted it emits one IPC_T_TRANSCRIPT for job_id. It returns 0
 *	or the emit error.
 * SECURITY
 *	Child only. Reply lines are hostile: they are censored and bounded
 *	before they are stored; the parent checks the message again.
 */
#ifndef TRANSCRIPT_H
#define TRANSCRIPT_H

#include <stddef.h>
#include <stdint.h>

#include "child_deliver.h"
#include "ipc_msg.h"

/* Bytes of the first lines that are never dropped (the handshake). */
#define TRANSCRIPT_HEAD_MAX	(SJ_TRANSCRIPT_MAX / 3)

void	transcript_begin(const char *peer);
/* debug_peer_list matched this peer: also log each line, as Postfix's
 * smtp_chat does at a raised msg_verbose ("> peer: cmd", "< peer: reply"). */
void	transcript_debug(int on);
void	transcript_out(const char *buf, size_t len);
void	transcript_in(const char *line, size_t len);
void	transcript_check_code(int code);
void	transcript_error(uint32_t classes);	/* IPC_TC_* */
int	transcript_send(uint32_t job_id, child_emit_fn, void *emit_ctx);

/* For tests: the history so far and the classes noted. */
const struct ipc_transcript *transcript_peek(void);

#endif

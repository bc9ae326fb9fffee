/*
 * NAME
 *	content_checks.h 3h
 * SUMMARY
 *	smtp_header_checks, smtp_mime_header_checks,
 *	smtp_nested_header_checks and smtp_body_checks in the child
 * DESCRIPTION
 *	What Postfix 3.7 smtp(8) does with these tables while it sends
 *	the content (src/smtp/smtp_proto.c smtp_header_rewrite(),
 *	smtp_body_rewrite(); src/global/header_body_checks.c): each
 *	complete header, and each body record (a line, or a piece of a
 *	line longer than line_length_limit), is looked up in the
 *	parameter's regexp: tables, the first table that matches wins
 *	(Postfix maps_find(); an empty key never matches), and the action
 *	is applied:
 *	  WARN, INFO: logged, the text is sent unchanged;
 *	  REPLACE text: logged, text is sent instead (a header
 *	    replacement must itself be a header);
 *	  PREPEND text: logged, text is sent as a line before it;
 *	  STRIP: logged, IGNORE: not logged, the text is not sent;
 *	  DUNNO, OK: sent unchanged;
 *	  anything else (REJECT, DISCARD, HOLD, FILTER, REDIRECT, BCC,
 *	    ...): "unsupported command in <parameter> map: <action>",
 *	    sent unchanged.
 *	Headers are classified as Postfix does: primary headers use
 *	smtp_header_checks, MIME headers (Content-*, MIME-Version, also in
 *	the primary block) and the headers after a multipart boundary use
 *	smtp_mime_header_checks, headers of an attached message/rfc822
 *	smtp_nested_header_checks; a class without tables passes its
 *	headers unchanged. A table whose lookup result is empty is a
 *	lookup error: the job is deferred ("4.3.0 local data error"), as
 *	Postfix's SMTP_ERR_DATA.
 *
 *	content_checks_add() takes the CHECK messages that follow CONFIG
 *	(in the parent's order: class, then table), content_checks_ready()
 *	compiles them (libc regcomp(), the flags regexp_table(5) gives);
 *	content_checks_opts() sets up a job's content options (mime(3)
 *	parsing when checks or the 8-bit downgrade need it), and the two
 *	hooks are mime(3)'s header and body callbacks.
 * SECURITY
 *	Child only. The content is hostile: it is only matched (regexec()
 *	on a NUL-terminated copy) and copied into bounded buffers; what
 *	is logged is cut at 200 bytes and censored to printable ASCII
 *	before it leaves as CHECK_LOG fields. The rules come from the
 *	parent and are checked again here (order, template syntax).
 *	Computation only: no system call beyond the allocator's.
 * SEE ALSO
 *	Postfix header_checks(5), regexp_table(5); parent/checks_load.c
 */
#ifndef CONTENT_CHECKS_H
#define CONTENT_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"
#include "generic_hdr.h"
#include "mime.h"

struct smtp_content_opts;

/* 0, or -1 with why[] set (a protocol error: out of order, bad form). */
int	content_checks_add(const struct ipc_check *, char *why, size_t whysz);
/* After the last CHECK: CONFIG's checks_classes (1 << IPC_CHK_*). */
int	content_checks_ready(uint32_t classes, char *why, size_t whysz);
/* Forget every rule (tests, fuzzing). */
void	content_checks_reset(void);

/*
 * A job's content options: mime(3) limits from CONFIG, whether to
 * downgrade 8-bit parts, and the checks.
 */
void	content_checks_opts(struct smtp_content_opts *, struct mime_limits *,
	    const struct ipc_config *, int downgrade, uint32_t job_id);

/* One job's checks: where the output goes, what went wrong. */
struct content_checks_job {
	mime_out_fn out;
	void	*out_ctx;
	uint32_t job_id;
	int	failed;			/* a lookup error: defer the job */
};

/* The hooks for mime_open_hooks(), with the job; the flags of opts. */
void	content_checks_hooks(struct mime_hooks *, struct content_checks_job *,
	    int downgrade);
int	content_checks_header(void *job, int cls, int is_mime,
	    const char *hdr, size_t len);
int	content_checks_body(void *job, int type, const char *text,
	    size_t len);

/* A lookup error (an empty result) stopped the content. */
#define CONTENT_CHECKS_ERR	(-200101)

/* How a CHECK_LOG leaves (the child's IPC, with its log budget). */
typedef void (*content_checks_log_fn)(const struct ipc_check_log *);
void	content_checks_set_log(content_checks_log_fn);

/*
 * smtp_generic_maps on header addresses: how an address is looked up
 * (child_main's GENERIC_REQ; the ctx it gets is the content_checks_job).
 * With CONFIG's IPC_CF_GENERIC and a lookup set, the header hook runs
 * for every header and rewrites the primary address headers after the
 * header checks, as Postfix's smtp_header_rewrite() does.
 */
void	content_checks_set_generic(generic_hdr_lookup_fn);

#endif

/*
 * NAME
 *	ehlo_discard.h 3h
 * SUMMARY
 *	which EHLO keywords to ignore from a server (parent side)
 * DESCRIPTION
 *	See parent/ehlo_discard.c.
 */
#ifndef EHLO_DISCARD_H
#define EHLO_DISCARD_H

#include <stddef.h>
#include <stdint.h>

struct sj_config;
struct ipc_ehlo_note;

/* EHLO_NOTEs per job: a session says EHLO once, and again after
 * STARTTLS; sessions per job are bounded by smtp_mx_session_limit and
 * the fallback relays. */
#define EHLO_DISCARD_NOTES_MAX	64

/* Reads smtp_discard_ehlo_keywords and opens
 * smtp_discard_ehlo_keyword_address_maps (as root, at start). */
int	ehlo_discard_open(struct sj_config *, char *why, size_t whysz);
/* The SJ_EHLO_MASK_* bits for the server at numeric address 'addr'. */
unsigned ehlo_discard_for(const char *addr);
/* A job starts: no socket sent yet, no note logged. */
void	ehlo_discard_job_begin(uint32_t job_id);
/* An EHLO_NOTE of the child: logs Postfix's line; -1 with why[] when it
 * is not for this job, not the mask of its last SMTP socket, or one
 * too many (a protocol violation). */
int	ehlo_discard_note(const struct ipc_ehlo_note *, char *why,
	    size_t whysz);
/* The spec of a table that changed since it was opened, or NULL. */
const char *ehlo_discard_changed(void);
/* Tests: back to nothing discarded, the table closed. */
void	ehlo_discard_reset(void);

#endif

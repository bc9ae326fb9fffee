/*
 * NAME
 *	checks_load.h 3h
 * SUMMARY
 *	read the regexp: and pcre: tables of smtp_*_checks at start
 * DESCRIPTION
 *	checks_load() reads smtp_header_checks, smtp_mime_header_checks,
 *	smtp_nested_header_checks and smtp_body_checks from the
 *	configuration, opens each regexp: or pcre: table they name (as
 *	root, before the chroot, as smtp(8) opens its tables), parses it
 *	with Postfix's regexp_table(5) or pcre_table(5) syntax and keeps
 *	the rules in cfg->checks, counted
 *	in cfg->child.checks_count, for the CHECK messages every new child
 *	gets after CONFIG. Another table type is refused (-1, why[] says
 *	which form works).
 *
 *	checks_parse_buf() parses one table's text ('kind' IPC_CHK_K_REGEXP
 *	or IPC_CHK_K_PCRE) into 'set' (the unit under test): rules Postfix
 *	would skip are skipped with Postfix's warning (msg_warn); what
 *	smtpjail cannot carry (a pattern or action longer than
 *	SJ_CHECK_*_MAX, more than SJ_CHECKS_MAX rules) or will not skip (a
 *	pcre: flag letter Postfix does not know) is an error (-1, why[]
 *	set).
 * SEE ALSO
 *	Postfix regexp_table(5), pcre_table(5), header_checks(5);
 *	child/content_checks.c
 */
#ifndef CHECKS_LOAD_H
#define CHECKS_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "ipc_msg.h"
#include "sj_config.h"

struct checks_set {
	struct ipc_check *v;
	uint32_t n;
	uint32_t size;
};

int	checks_parse_buf(struct checks_set *, const char *mapname,
	    const char *buf, size_t len, uint32_t kind, uint32_t cls,
	    uint32_t table, char *why, size_t whysz);
void	checks_set_free(struct checks_set *);

/* The parameter name of a class (IPC_CHK_*), as Postfix logs it. */
const char *checks_class_name(uint32_t cls);

int	checks_load(struct sj_config *, char *why, size_t whysz);

#endif

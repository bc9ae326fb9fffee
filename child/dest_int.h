/*
 * NAME
 *	dest_int.h 3h
 * SUMMARY
 *	what the two modules of dest(3) share
 * DESCRIPTION
 *	child/dest.c (address collection) and child/dest_nexthop.c (the
 *	nexthop parser) share the separators, the SMTP port and two
 *	helpers. Nothing else includes this header.
 * SECURITY
 *	Child only.
 */
#ifndef DEST_INT_H
#define DEST_INT_H

#include <stdint.h>

#include "dest.h"
#include "dns.h"

#define DEST_SEP	", \t\r\n"	/* Postfix CHARS_COMMA_SP */
#define DEST_SMTP_PORT	25		/* loop detection only here */

/* A literal address into a dns_addr; 0 or -1. */
int	dest_literal(const char *host, struct dns_addr *a);

/* An error result: status, censored reason, relay "none". */
void	dest_fill_err(struct ipc_result *err, const char *status,
	    uint32_t flags, const char *reason);

#endif

/*
 * NAME
 *	generic_map.h 3h
 * SUMMARY
 *	smtp_generic_maps lookups in the parent (Postfix mail_addr_map)
 * DESCRIPTION
 *	See parent/generic_map.c.
 */
#ifndef GENERIC_MAP_H
#define GENERIC_MAP_H

#include <stddef.h>

#include "dict.h"

struct generic_map {
	struct dict_maps *maps;		/* smtp_generic_maps, opened */
	const char *delim;		/* $recipient_delimiter */
	const char *myorigin;		/* $myorigin */
	const char *mydestination;	/* $mydestination, expanded */
	int	propagate;		/* "generic" in
					 * $propagate_unmatched_extensions */
};

/*
 * Postfix's smtp_map11_internal() for one address in internal
 * (unquoted) form: 1 and the new address (internal form) in out[], 0
 * when no table has it, or a negative errno with why[] (a lookup error,
 * a result that is not an address: the job is deferred).
 */
int	generic_map_addr(const struct generic_map *, const char *addr,
	    char *out, size_t outsz, char *why, size_t whysz);

/* Postfix quote_822_local() (QUOTE_FLAG_DEFAULT): 0 or -ENOSPC. */
int	generic_map_quote(const char *addr, int bare_localpart, char *out,
	    size_t outsz);
/* Postfix unquote_822_local(): 0 or -ENOSPC. */
int	generic_map_unquote(const char *addr, char *out, size_t outsz);

#endif

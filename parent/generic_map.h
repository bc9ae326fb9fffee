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

/* ------------------------------------------------------------------ */
/* The process's smtp_generic_maps                                     */

struct sj_config;
struct ipc_generic_req;

/* Reads smtp_generic_maps and what the lookups need; sets CONFIG's
 * IPC_CF_GENERIC when the list is not empty. 0 or negative, why[]. */
int	generic_map_config(struct sj_config *, char *why, size_t whysz);
/* Opens the tables (as root, before the chroot, like sasl_open()). */
int	generic_map_open(char *why, size_t whysz);
int	generic_map_enabled(void);
/* The first table that changed since it was opened, or NULL. */
const char *generic_map_changed(void);

/*
 * smtp_rewrite_generic_internal() for an envelope address: an empty
 * address, or maps off, is copied. 0, or negative with why[] (a lookup
 * error, or a result longer than outsz: defer).
 */
int	generic_map_envelope(const char *addr, char *out, size_t outsz,
	    char *why, size_t whysz);

/*
 * The envelope recipients req->rcpt[map[k]] (k < n) through
 * generic_map_envelope(), each at most maxlen bytes, before the child
 * hears of the job: an array of n malloc'ed addresses; NULL with why[]
 * empty when generic maps are off, NULL with why[] set on an error
 * (the job is deferred whole).
 */
struct dreq;
char  **generic_map_rcpts(const struct dreq *, const unsigned *map,
	    unsigned n, size_t maxlen, char *why, size_t whysz);
void	generic_map_rcpts_free(char **, unsigned n);

/*
 * One GENERIC_REQ of the child: refused (negative, why[]: an IPC
 * violation, the job is deferred) when generic maps are off, for
 * another job, or after SJ_GENERIC_REQ_MAX requests of the job
 * (*count); otherwise the GENERIC_REPLY is sent on ipc_fd (a lookup
 * error is answered IPC_GENERIC_ERROR and logged).
 */
int	generic_map_serve(int ipc_fd, const struct ipc_generic_req *,
	    uint32_t job_id, unsigned *count, const char *queue_id,
	    char *why, size_t whysz);

#endif

/*
 * NAME
 *	dsn_filter.h 3h
 * SUMMARY
 *	smtp_delivery_status_filter (parent side)
 * DESCRIPTION
 *	See parent/dsn_filter.c.
 */
#ifndef DSN_FILTER_H
#define DSN_FILTER_H

#include <stddef.h>

struct sj_config;
struct ipc_result;

/* Opens the filter's tables (as root, at start); none when empty. */
int	dsn_filter_open(struct sj_config *, char *why, size_t whysz);
/* Replaces r->status and r->reason by the filter's answer, if any.
 * 1 when replaced, 0 when not. */
int	dsn_filter_apply(struct ipc_result *r);
/* The spec of a table that changed since it was opened, or NULL. */
const char *dsn_filter_changed(void);
void	dsn_filter_reset(void);

#endif

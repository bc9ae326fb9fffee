/*
 * NAME
 *	tls_policy.h 3h
 * SUMMARY
 *	smtp_tls_policy_maps: the TLS policy of one nexthop
 * DESCRIPTION
 *	See parent/tls_policy.c.
 * SECURITY
 *	Parent only. The tables are trusted configuration.
 */
#ifndef PARENT_TLS_POLICY_H
#define PARENT_TLS_POLICY_H

#include <stddef.h>

#include "dict.h"
#include "ipc_msg.h"
#include "sj_tls.h"

struct sj_config;
struct sj_params;

/* Postfix smtp_tls_policy.c MARK_INVALID(): the deferral. */
#define TLS_POLICY_DSN		"4.7.5"
#define TLS_POLICY_REASON	"client TLS configuration problem"

/*
 * Remember the parameters a policy entry falls back on ('p' and
 * 'global' must outlive every lookup). Returns 0, or -1 with why[]
 * for a setting that cannot work with a policy table.
 */
int	tls_policy_config(struct sj_params *p, const struct sj_tls_config *global,
	    int smtputf8, int ipc_timeout, char *why, size_t whysz);

/* Open smtp_tls_policy_maps (as root, before the privilege drop). */
int	tls_policy_open(char *why, size_t whysz);

/* Use 'm' as the table list (tests); NULL: none. Takes ownership. */
void	tls_policy_set_maps(struct dict_maps *m);

/* Is a policy table configured? */
int	tls_policy_enabled(void);

/*
 * The effective policy of 'nexthop' in *job (untouched without a table;
 * changed by the table entry found). Returns 1 when an entry was
 * found, 0 when none was (*job is the global policy), -1 when the
 * lookup failed or the entry is invalid: Postfix's warning was logged
 * and the job is deferred with TLS_POLICY_DSN / TLS_POLICY_REASON.
 */
int	tls_policy_lookup(const char *nexthop, struct sj_tls_config *job);

/*
 * Apply one table value found under 'key' to *job (a copy of the
 * global policy); 'where' is Postfix's "title, class \"name\"". 0, or
 * -1 with Postfix's warning in warn[] (without "warning: ").
 */
int	tls_policy_apply(const char *where, const char *value,
	    struct sj_tls_config *job, char *warn, size_t warnsz);

/* The IPC message of a policy; -1 when it does not fit (why[]). */
int	tls_policy_to_ipc(const struct sj_tls_config *, uint32_t job_id,
	    struct ipc_tls_policy *, char *why, size_t whysz);
/* TLS_ANCHOR 'index' (0 .. ta_count - 1) of that message; -1 if none. */
int	tls_policy_anchor_to_ipc(const struct sj_tls_config *,
	    uint32_t job_id, uint32_t index, struct ipc_tls_anchor *);

/* The spec of a table that changed since it was opened, or NULL. */
const char *tls_policy_changed(void);

#endif

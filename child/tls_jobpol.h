/*
 * NAME
 *	tls_jobpol.h 3h
 * SUMMARY
 *	the child's side of smtp_tls_policy_maps: one job's TLS policy
 * DESCRIPTION
 *	See child/tls_jobpol.c.
 * SECURITY
 *	Child only; the message comes from the parent (trusted).
 */
#ifndef CHILD_TLS_JOBPOL_H
#define CHILD_TLS_JOBPOL_H

#include <stdint.h>

#include "ipc_msg.h"

/* A TLS_POLICY arrived: keep it for the next DELIVER. -1: a second one
 * before that, or a field the child cannot use (a protocol error). */
int	tls_jobpol_set(const struct ipc_tls_policy *);
/* One TLS_ANCHOR of that TLS_POLICY, in order. -1: not announced, out
 * of order or for another job (a protocol error). */
int	tls_jobpol_anchor(const struct ipc_tls_anchor *);
/* DELIVER 'job_id' starts: use its policy, if one came. -1: the one
 * kept was for another job, or an announced anchor did not come (a
 * protocol error). */
int	tls_jobpol_begin(uint32_t job_id);
/* A digest of the policy in force, for the connection cache's key. */
void	tls_jobpol_id(unsigned char id[32]);
/* The job ended: main.cf's policy again. */
void	tls_jobpol_end(void);

#endif

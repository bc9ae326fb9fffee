/*
 * NAME
 *	deliver_job.h 3h
 * SUMMARY
 *	the job in flight, shared by the deliver modules
 * DESCRIPTION
 *	Private to parent/deliver.c (the request), parent/deliver_child.c
 *	(the exchange with the child) and parent/deliver_outcome.c (what
 *	becomes of each recipient). The rest of the program uses deliver.h.
 * SECURITY
 *	Parent.
 */
#ifndef PARENT_DELIVER_JOB_H
#define PARENT_DELIVER_JOB_H

#include <stdint.h>

#include "dreq.h"
#include "ipc_msg.h"
#include "notice.h"
#include "qfile.h"
#include "sasl.h"
#include "sj_config.h"

struct child_ctl;

/* Per-recipient state of the job in flight. */
struct deliver_rcpt {
	int	reported;		/* result came from the child */
	int	done;			/* acted on: 1 when marked or final */
	struct ipc_result res;		/* the outcome to act on */
};

struct deliver_job {
	const struct sj_config *cfg;
	struct dreq *req;
	struct qfile qf;
	uint32_t job_id;
	struct deliver_rcpt *rcpt;
	int	have_site;		/* a SITE_RESULT arrived */
	struct ipc_result site;
	struct ipc_done done;
	struct notice_set notices;	/* session transcripts (notice.c) */
	int	child_broken;		/* the pair must be restarted */
	long long end_ms;		/* job_now_ms() deadline (job_deadline.c) */
	unsigned *map;			/* child's recipient k: request's map[k] */
	unsigned nmap;			/* recipients handed to the child */
	int	aborted;		/* ABORT sent at the deadline */
	char	nexthop[SJ_NEXTHOP_MAX + 1];	/* as sent in DELIVER */
	struct sasl_job sasl;		/* what SASL_REQ may be given */
	unsigned nsign;			/* SIGN_REQs answered in this job */
	int	probe_open;		/* IPC_DF_DNSSEC_PROBE, no report yet */
	/* The job's TLS policy (smtp_tls_policy_maps, parent/tls_policy.c):
	 * 1 when the table had an entry, sent as TLS_POLICY first. */
	int	tls_found;
	struct sj_tls_config tls;
	unsigned ngeneric;		/* GENERIC_REQ answered */
	char	**rw;			/* rewritten recipients, or NULL */
	char	why[1024];		/* why the child's word was discarded */
};

/* parent/deliver.c: a result made here: relay=none, reason censored. */
void	deliver_result_local(struct ipc_result *, const char *status,
	    const char *reason);

/* parent/deliver_child.c: hand the job to the child, collect results
 * until DONE. 0 when the child's results may be used; -1 (job->why). */
int	deliver_run_child(struct deliver_job *, struct child_ctl *,
	    int memfd, uint64_t content_len);

/* parent/deliver_outcome.c: the request's MSG_STATS from the child's
 * stamps (DONE or a result). */
void	deliver_times(struct deliver_job *, uint32_t reuse_count,
	    uint64_t setup_sec, uint32_t setup_usec, uint64_t done_sec,
	    uint32_t done_usec);
/* Recipient i's outcome; 1 when it is done (marked, or nothing to mark). */
int	deliver_outcome(struct deliver_job *, unsigned i,
	    const struct ipc_result *);
/* A checked result arrived: act on it now. */
void	deliver_arrived(struct deliver_job *, const struct ipc_result *);

#endif

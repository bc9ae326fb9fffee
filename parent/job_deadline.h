/*
 * NAME
 *	job_deadline.h 3h
 * SUMMARY
 *	the one absolute deadline of a job handed to the child
 */
#ifndef JOB_DEADLINE_H
#define JOB_DEADLINE_H

#include <stdint.h>

#include "sj_config.h"

/* Content bytes per $smtp_data_xfer_timeout a peer must take. */
#define JOB_XFER_CHUNK		65536
/* One DNS lookup batch of the child (child/dns.h DNS_DEADLINE_MS). */
#define JOB_DNS_BATCH_S		60ULL
/* Addresses assumed when smtp_mx_address_limit is 0 (no limit). */
#define JOB_ADDR_UNLIMITED	64ULL
/* The parent's own steps around the child's work. */
#define JOB_SLACK_S		60ULL
/* Never more than a day, whatever the configuration says. */
#define JOB_DEADLINE_MAX_S	86400ULL
/* After the deadline the parent sends ABORT and waits this long for
 * the child's DONE (results that arrive meanwhile still count). */
#define JOB_ABORT_GRACE_MS	5000

/* Milliseconds from the job's start (see job_deadline.c). */
long long job_deadline_ms(const struct sj_config *, uint64_t size,
	    unsigned nrcpt);
/* CLOCK_MONOTONIC in milliseconds, for deadlines. */
long long job_now_ms(void);

#endif

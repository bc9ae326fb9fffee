/*
 * NAME
 *	msg_stats.h 3h
 * SUMMARY
 *	Postfix's per-delivery timestamps (the request's "time" blob)
 * DESCRIPTION
 *	The 88-byte MSG_STATS blob (Postfix src/global/msg_stats.h),
 *	decoded.
 *	Used for the delay= and delays= fields of the status line.
 */
#ifndef MSG_STATS_H
#define MSG_STATS_H

#include <sys/time.h>

#define MSG_STATS_BLOB_LEN	88	/* 64-bit Linux, global/msg_stats.h */

struct msg_stats {
	struct timeval incoming_arrival;
	struct timeval active_arrival;
	struct timeval agent_handoff;
	struct timeval conn_setup_done;
	struct timeval deliver_done;
	unsigned reuse_count;
};

#endif

/*
 * NAME
 *	deliver.h 3h
 * SUMMARY
 *	one qmgr delivery request, from greeting to final reply
 */
#ifndef DELIVER_H
#define DELIVER_H

#include "child_pool.h"
#include "sj_config.h"

/*
 * Serves one qmgr connection (rfd/wfd may be the same socket) with the
 * pool's child for the request's nexthop. A child that died, hung or
 * broke the protocol ends only its job. Returns 0, or -1 when the
 * spawner is gone (no more children): the caller must exit after the
 * reply was written, so that master(8) starts a fresh parent.
 */
int	deliver_serve(int rfd, int wfd, const struct sj_config *,
	    struct child_pool *);

#endif

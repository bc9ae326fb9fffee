/*
 * NAME
 *	deliver.h 3h
 * SUMMARY
 *	one qmgr delivery request, from greeting to final reply
 */
#ifndef DELIVER_H
#define DELIVER_H

#include "child_ctl.h"
#include "sj_config.h"

/*
 * Serves one qmgr connection (rfd/wfd may be the same socket). Returns
 * 0, or -1 when the child is no longer usable (died, hung or broke the
 * protocol): the caller must exit after the reply was written, so that
 * master(8) starts a fresh pair.
 */
int	deliver_serve(int rfd, int wfd, const struct sj_config *,
	    struct child_ctl *);

#endif

/*
 * NAME
 *	cfg_child.h 3h
 * SUMMARY
 *	the child's CONFIG from the parameters
 * DESCRIPTION
 *	See parent/cfg_child.c.
 * SECURITY
 *	Parent, before any sandbox.
 */
#ifndef PARENT_CFG_CHILD_H
#define PARENT_CFG_CHILD_H

#include <stddef.h>

#include "sj_config.h"

/* cfg->child (struct ipc_config) and what comes with it (hosts). */
int	cfg_child(struct sj_config *, char *why, size_t whysz);

#endif

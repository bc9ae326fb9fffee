/*
 * NAME
 *	cfg_cmdline.h 3h
 * SUMMARY
 *	the parent's command line
 * DESCRIPTION
 *	See parent/cfg_cmdline.c.
 * SECURITY
 *	Parent, before any sandbox.
 */
#ifndef PARENT_CFG_CMDLINE_H
#define PARENT_CFG_CMDLINE_H

#include <stddef.h>

#include "sj_config.h"

/* getopt("+cdDi:lm:n:o:s:St:uvVz") plus --sandbox-check and
 * --config-check; *next = optind. */
int	cfg_cmdline_options(struct sj_config *, int argc, char **argv,
	    int *next, char *why, size_t whysz);
/* smtp(8) get_cli_attr(): argv[first..] may only be flags=DORX. */
int	cfg_cmdline_attrs(struct sj_config *, int argc, char **argv,
	    int first, char *why, size_t whysz);

#endif

/*
 * NAME
 *	cfg_defaults.h 3h
 * SUMMARY
 *	the built-in parameter defaults (parent)
 * DESCRIPTION
 *	See parent/cfg_defaults.c. Only parent/cfg_params.c reads the
 *	table, to start a new store.
 */
#ifndef CFG_DEFAULTS_H
#define CFG_DEFAULTS_H

#include <stddef.h>

struct sj_param_default {
	const char *name;
	const char *value;
};

/* Each name once; sj_param_ndefaults rows. */
extern const struct sj_param_default sj_param_defaults[];
extern const size_t sj_param_ndefaults;

#endif

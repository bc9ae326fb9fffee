/*
 * NAME
 *	config.h 3h
 * SUMMARY
 *	helpers of parent/config.c shared with the cfg_* modules
 * DESCRIPTION
 *	See parent/config.c. Private to the parent's configuration
 *	modules (cfg_cmdline.c, cfg_child.c, cfg_net.c); the rest of the
 *	program uses include/sj_config.h.
 * SECURITY
 *	Parent, before any sandbox.
 */
#ifndef PARENT_CONFIG_H
#define PARENT_CONFIG_H

#include <stddef.h>

#include "sj_config.h"

/* Allocation failure while the rest of the work is done. */
#define NOMEM(why, whysz)	(snprintf((why), (whysz), "out of memory"), \
				    -ENOMEM)

/* A warning kept for log_open(). */
void	config_warnf(struct sj_config *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* A name that goes into a path or the ident: printable, no '/', bounded. */
int	config_safe_name(const char *);
/* Printable ASCII only. */
int	config_printable(const char *);
/* Typed parameter values with Postfix's ranges (sj_params_get_*). */
int	config_get_time(struct sj_config *, const char *name, long min,
	    long max, unsigned *dst, char *why, size_t whysz);
int	config_get_int(struct sj_config *, const char *name, long min,
	    long max, long *dst, char *why, size_t whysz);

/*
 * A Postfix match list that sj_match(3) evaluates; what a malformed
 * pattern means (see parent/config.c).
 */
enum config_bad {
	CONFIG_BAD_ERROR,
	CONFIG_BAD_WARN,
	CONFIG_BAD_NAME,
};

int	config_match_list(struct sj_config *, const char *name,
	    const char *list, enum config_bad on_bad, char *why,
	    size_t whysz);

#endif

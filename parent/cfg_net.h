/*
 * NAME
 *	cfg_net.h 3h
 * SUMMARY
 *	the network part of the configuration
 * DESCRIPTION
 *	See parent/cfg_net.c.
 * SECURITY
 *	Parent, before any sandbox.
 */
#ifndef PARENT_CFG_NET_H
#define PARENT_CFG_NET_H

#include <stddef.h>

#include "sj_config.h"

/* inet_protocols as the child's CONFIG flags. */
int	cfg_net_protocols(struct sj_config *, char *why, size_t whysz);
/* inet_interfaces (keywords = 1) or proxy_interfaces into local_addrs. */
int	cfg_net_interfaces(struct sj_config *, const char *param,
	    int keywords, char *why, size_t whysz);
/* The name servers and resolver options. */
int	cfg_net_resolv(struct sj_config *, char *why, size_t whysz);

#endif

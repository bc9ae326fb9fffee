/*
 * NAME
 *	tls_sesscache.h 3h
 * SUMMARY
 *	the child's TLS session cache, for resumption
 * DESCRIPTION
 *	See child/tls_sesscache.c.
 * SECURITY
 *	Child only.
 */
#ifndef CHILD_TLS_SESSCACHE_H
#define CHILD_TLS_SESSCACHE_H

#include <stdint.h>

#include <openssl/ssl.h>

#include "sj_tls.h"

struct tls_peer;

/* Entries kept: one child serves one nexthop (a few MX hosts). */
#define SJ_TLS_SESS_MAX		16

/* A SHA-256 of what the session was negotiated for. */
struct tls_sess_key {
	int	valid;
	unsigned char md[32];
};

/*
 * Compute the key of a new connection into *key, and when a live
 * session is cached under it, offer a copy of it (SSL_set_session);
 * it stays cached until it expires or a newer one replaces it.
 */
void	tls_sesscache_offer(SSL *, struct tls_sess_key *,
	    const struct sj_tls_config *, int level, const struct tls_peer *,
	    const char *sni);
/* Keep 'sess' (a reference is taken) for at most 'timeout' seconds. */
void	tls_sesscache_put(const struct tls_sess_key *, SSL_SESSION *,
	    unsigned timeout);
void	tls_sesscache_flush(void);
/* Entries in use (tests). */
unsigned tls_sesscache_count(void);

#endif

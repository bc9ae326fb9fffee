/*
 * NAME
 *	dane_server.h 3h
 * SUMMARY
 *	levels dane and dane-only in delivery: one server's TLS level and
 *	TLSA records
 * DESCRIPTION
 *	dane_server_level() runs, for one server address about to be
 *	tried at a configured level dane or dane-only, what Postfix 3.7
 *	smtp_connect.c does through smtp_tls_policy_cache_query() and
 *	dane_init(): the TLSA lookup of _port._tcp.host (child/
 *	dnssec_query.c) when the host's address was validated, and the
 *	decision of child/dane_policy.c. It returns the level to try the
 *	server at (SJ_TLS_LEV_MAY, _ENCRYPT, _HALF_DANE or _DANE), or
 *	DANE_SERVER_SKIP with 'why' filled (status and text of the
 *	deferral) after the warning "TLS policy lookup for DEST/HOST:
 *	TEXT", as Postfix skips the server. The warnings go to the parent
 *	as TLS_INFO POLICY events with a reason number, which the parent
 *	words (parent/tls_log.c).
 *
 *	The records of the last decision stay here until the next one;
 *	dane_server_ssl() gives them to one SSL connection (child/tls.c,
 *	at levels half-dane and dane).
 * SECURITY
 *	Child only, in the sandbox. TLSA answers are hostile and parsed
 *	by child/tlsa.c; the host name is one dns_parse.c validated.
 * SEE ALSO
 *	child/dane_policy.h, child/dnssec_query.h, child/dane.h, Postfix
 *	src/smtp/smtp_connect.c, src/smtp/smtp_tls_policy.c, RFC 7672
 */
#ifndef DANE_SERVER_H
#define DANE_SERVER_H

#include <openssl/ssl.h>

#include "ipc_msg.h"
#include "sj_tls.h"

#define DANE_SERVER_SKIP	(-1000)

struct dns_ctx;
struct dest_addr;
struct tls_peer;

/*
 * The level to try 'a' at, DANE_SERVER_SKIP (why filled), or a
 * negative errno (-ECANCELED: the parent cancelled the wait). 'dest':
 * the nexthop domain (Postfix iter->dest); 'port': the server's port.
 */
int	dane_server_level(struct dns_ctx *, const struct ipc_config *,
	    int conf_level, const char *dest, const struct dest_addr *a,
	    unsigned port, const struct tls_peer *, struct ipc_result *why);

/* The last decision's records on 'ssl': 0, or -1 (none usable). */
int	dane_server_ssl(SSL *ssl);
/* The TLSA base domain of the last DANE decision (Postfix: the SNI
 * name, RFC 7672 3.1), or NULL when it gave no DANE level. */
const char *dane_server_base(void);

/* SSL_CTX_dane_enable() with tls_dane_digests, before the lock-down;
 * remembers smtp_tls_dane_insecure_mx_policy. 0 or -1. */
int	dane_server_ctx(SSL_CTX *ctx, const struct sj_tls_config *);

#endif

/*
 * NAME
 *	conn_cache.h 3h
 * SUMMARY
 *	idle SMTP sessions kept inside the child for reuse
 * DESCRIPTION
 *	The child's own connection cache, in place of Postfix's scache(8):
 *	up to SJ_CONN_CACHE_MAX idle sessions, each found by its
 *	destination label (the request's first nexthop, "" when it was not
 *	stored under one) or by its endpoint (address and port). Taking a
 *	session removes it from both and counts one more use; an entry idle
 *	longer than smtp_connection_cache_time_limit is closed.
 * SECURITY
 *	Child only. The descriptors never leave the child.
 */
#ifndef CONN_CACHE_H
#define CONN_CACHE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "smtp_session.h"

/* "nexthop\nsender" */
#define CONN_CACHE_OWNER_MAX	(SJ_NEXTHOP_MAX + SJ_SENDER_MAX + 1)

/*
 * Who may take the sessions stored from now on, as Postfix's cache keys
 * (smtp_key.c) with SASL: the nexthop being served when
 * smtp_sasl_auth_enable is on, and the sender with
 * smtp_sender_dependent_authentication (else ""): a session
 * authenticated for one of them never carries another's mail. Stored
 * entries keep the owner of their time; only the current one's are
 * taken.
 */
void	conn_cache_owner(const char *nexthop, const char *sender);

/*
 * The job's effective TLS policy (child/tls_jobpol.c tls_jobpol_id()):
 * entries stored from now on carry it, and only entries with the
 * current one are taken.
 */
#define CONN_CACHE_POLICY_LEN	32
void	conn_cache_policy(const unsigned char id[CONN_CACHE_POLICY_LEN]);

/*
 * Keep 'conn' until now + idle_ms. 'dest' is the destination label or
 * "". When the cache is full the entry idle the longest is closed.
 */
void	conn_cache_store(const struct smtp_conn *conn, const char *dest,
	    int64_t idle_ms);

/*
 * Take a live session by destination label, or by endpoint, whose EHLO
 * offered every SMTP_EHLO_* feature in 'need' (what the job requires:
 * smtp_session_needs()). Returns 1 with *conn filled (reuse_count
 * already counts this use), or 0.
 */
int	conn_cache_take_dest(const char *dest, unsigned need,
	    struct smtp_conn *conn);
int	conn_cache_take_endp(const char *addr, unsigned port, unsigned need,
	    struct smtp_conn *conn);

/*
 * For the idle wait: close the entries whose time is up, then fill
 * pfd[0..max-1] with the rest (POLLIN: a server closing or talking to
 * an idle session) and set *deadline_ms to the earliest expiry (0 when
 * none). Returns the count.
 */
size_t	conn_cache_poll_fds(struct pollfd *pfd, size_t max,
	    int64_t *deadline_ms);

/* After the poll: close every entry whose descriptor showed anything. */
void	conn_cache_poll_done(const struct pollfd *pfd, size_t n);

/* Close every entry, with a QUIT that is not waited for. */
void	conn_cache_close_all(void);

/* Entries in use (tests). */
size_t	conn_cache_count(void);

#endif

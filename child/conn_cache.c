/*
 * NAME
 *	conn_cache 3
 * SUMMARY
 *	idle SMTP sessions kept inside the child for reuse
 * DESCRIPTION
 *	See conn_cache.h. Postfix smtp(8) passes an idle session's socket
 *	to scache(8) and gets it back by destination label or endpoint;
 *	here the child keeps the socket itself, so it never leaves the
 *	sandbox and no cache protocol is spoken. The semantics follow
 *	Postfix 3.7 (smtp_reuse.c, scache_multi.c): one entry is stored
 *	under its endpoint and, for the first good session of a request,
 *	also under the request's nexthop; taking it by either label
 *	removes it; an entry idle longer than
 *	smtp_connection_cache_time_limit is closed. Between jobs the child
 *	polls the idle descriptors (child_main.c): input or EOF from a
 *	server on an idle session means it went away or is out of step,
 *	and the entry is closed at once.
 *
 *	Closing an entry sends QUIT without waiting for the reply, as a
 *	courtesy; scache(8) only closes. An entry with TLS
 *	(smtp_tls_connection_reuse) keeps its TLS state in child/tls.c
 *	under the same descriptor: its QUIT goes as a record, then the
 *	close_notify.
 * SECURITY
 *	Child only. Descriptors are closed through sj_sys.h; nothing is
 *	read from an idle session.
 * SEE ALSO
 *	Postfix src/smtp/smtp_reuse.c, src/scache/scache.c
 */
#include <stdio.h>
#include <string.h>

#include "conn_cache.h"
#include "sj_sys.h"
#include "tls.h"

struct conn_cache_entry {
	int	in_use;
	struct smtp_conn conn;
	char	dest[SJ_NEXTHOP_MAX + 1];	/* destination label or "" */
	char	owner[CONN_CACHE_OWNER_MAX + 1];	/* see conn_cache_owner() */
	unsigned char policy[CONN_CACHE_POLICY_LEN];	/* conn_cache_policy() */
	int64_t	idle_until_ms;			/* monotonic */
	int64_t	stored_ms;			/* for eviction order */
};

/*
 * The entries are 8.6 KB each and last in the struct, and nused says
 * whether any is in use: a child that never stores a session reads none
 * of their pages. It is a fresh process whose bss was never touched by
 * the process it was forked from, so even a read costs a page fault (the
 * zero page mapped), 8 per child at its first poll.
 */
static struct conn_cache_ctx {
	unsigned nused;				/* entries in_use */
	char	owner[CONN_CACHE_OWNER_MAX + 1];
	unsigned char policy[CONN_CACHE_POLICY_LEN];
	struct conn_cache_entry e[SJ_CONN_CACHE_MAX];
} conn_cache_ctx;

void
conn_cache_owner(const char *nexthop, const char *sender)
{
	snprintf(conn_cache_ctx.owner, sizeof(conn_cache_ctx.owner),
	    "%s\n%s", nexthop, sender);
}

void
conn_cache_policy(const unsigned char id[CONN_CACHE_POLICY_LEN])
{
	memcpy(conn_cache_ctx.policy, id, CONN_CACHE_POLICY_LEN);
}

/*
 * An entry is free again: its flag, descriptor and keys are cleared, so
 * that it matches no lookup even for a walk that forgot in_use. Not the
 * whole entry: it spans two pages, which only a store touches (and the
 * next store overwrites every field it reads).
 */
static void
conn_cache_free(struct conn_cache_entry *e)
{
	e->in_use = 0;
	e->conn.fd = -1;
	e->dest[0] = '\0';
	e->owner[0] = '\0';
	memset(e->policy, 0xff, sizeof(e->policy));
	conn_cache_ctx.nused--;
}

/* Close an entry; 'quit': with a QUIT first, not waited for. */
static void
conn_cache_drop(struct conn_cache_entry *e, int quit)
{
	static const char quit_cmd[] = "QUIT\r\n";

	short	ev;

	/* Non-blocking socket: a full buffer only loses the courtesy. A
	 * connection with TLS (smtp_tls_connection_reuse) sends it as a
	 * record, then its close_notify (tls_io_close()); never a clear
	 * byte inside the TLS stream. */
	if (quit)
		(void)tls_io_write(e->conn.fd, quit_cmd, sizeof(quit_cmd) - 1,
		    &ev);
	tls_io_close(e->conn.fd);
	(void)sys_close(e->conn.fd);
	conn_cache_free(e);
}

/* An entry found is taken out: the caller owns its descriptor. */
static void
conn_cache_take(struct conn_cache_entry *e, struct smtp_conn *conn)
{
	*conn = e->conn;
	/* Postfix smtp_session_activate(): one more use. */
	conn->reuse_count++;
	conn_cache_free(e);
}

/*
 * The entries walked stop at the last one in use: entries are filled
 * from the first, and one past the last used is a page the child has
 * not touched (each read of one costs a page fault).
 */
static void
conn_cache_expire(int64_t now)
{
	struct conn_cache_entry *e;
	size_t	i, left = conn_cache_ctx.nused;

	for (i = 0; i < SJ_CONN_CACHE_MAX && left > 0; i++) {
		e = &conn_cache_ctx.e[i];
		if (!e->in_use)
			continue;
		left--;
		if (e->idle_until_ms <= now)
			conn_cache_drop(e, 1);
	}
}

void
conn_cache_store(const struct smtp_conn *conn, const char *dest,
    int64_t idle_ms)
{
	struct conn_cache_entry *e, *slot = NULL;
	int64_t	now = sys_now_ms();
	size_t	i;

	/* With TLS: from now on its record I/O reports to no job. */
	tls_io_idle(conn->fd);
	conn_cache_expire(now);
	for (i = 0; i < SJ_CONN_CACHE_MAX; i++) {
		e = &conn_cache_ctx.e[i];
		if (!e->in_use) {
			slot = e;
			break;
		}
		if (slot == NULL || e->stored_ms < slot->stored_ms)
			slot = e;
	}
	if (slot->in_use)
		conn_cache_drop(slot, 1);
	slot->in_use = 1;
	conn_cache_ctx.nused++;
	slot->conn = *conn;
	snprintf(slot->dest, sizeof(slot->dest), "%s", dest);
	memcpy(slot->owner, conn_cache_ctx.owner, sizeof(slot->owner));
	memcpy(slot->policy, conn_cache_ctx.policy, sizeof(slot->policy));
	slot->stored_ms = now;
	slot->idle_until_ms = now + idle_ms;
}

/*
 * Postfix 3.7.22 puts "SMTPUTF8 required" in both cache keys: a session
 * stored by a job that did not need a feature must not carry a job that
 * does when its server did not offer it (the check is in the handshake,
 * which a reused session skips). Here the entry is matched against the
 * features it offered, which also lets such a job reuse a session that
 * offered them. Likewise the TLS level (SMTP_NEED_TLS_LEVEL, Postfix
 * keys its cache on the TLS policy too): a clear-text session made at
 * "none" or "may" never carries a job at a level that requires TLS;
 * and the whole effective policy (conn_cache_policy(): a job whose
 * smtp_tls_policy_maps entry differs, e.g. other protocols under
 * which STARTTLS might have worked, never takes the session). Sessions
 * with TLS are stored only with smtp_tls_connection_reuse
 * (smtp_session.c), and then, at a level that matches the certificate,
 * under the hop they were verified for (the owner,
 * child/child_deliver.c), so a verified session never carries mail for
 * another name.
 */
static int
conn_cache_fits(const struct conn_cache_entry *e, unsigned need)
{
	unsigned level = need >> SMTP_NEED_TLS_SHIFT;

	need &= (1U << SMTP_NEED_TLS_SHIFT) - 1;
	if (level != 0 && (unsigned)e->conn.tls_level + 1 != level)
		return (0);
	return (e->in_use && (e->conn.ehlo.features & need) == need &&
	    strcmp(e->owner, conn_cache_ctx.owner) == 0 &&
	    memcmp(e->policy, conn_cache_ctx.policy, sizeof(e->policy)) == 0);
}

/*
 * Take the first live entry that offers 'need' and matches: by
 * destination label when dest is not NULL, else by endpoint.
 */
static int
conn_cache_take_match(const char *dest, const char *addr, unsigned port,
    unsigned need, struct smtp_conn *conn)
{
	struct conn_cache_entry *e;
	size_t	i, seen = 0;	/* entries in use seen */

	conn_cache_expire(sys_now_ms());
	for (i = 0; i < SJ_CONN_CACHE_MAX && seen < conn_cache_ctx.nused;
	    i++) {
		e = &conn_cache_ctx.e[i];
		if (!e->in_use)
			continue;
		seen++;
		if (!conn_cache_fits(e, need))
			continue;
		if (dest != NULL ? strcmp(e->dest, dest) == 0 :
		    e->conn.peer.port == port &&
		    strcmp(e->conn.peer.addr, addr) == 0) {
			conn_cache_take(e, conn);
			return (1);
		}
	}
	return (0);
}

int
conn_cache_take_dest(const char *dest, unsigned need, struct smtp_conn *conn)
{
	if (*dest == '\0')
		return (0);
	return (conn_cache_take_match(dest, NULL, 0, need, conn));
}

int
conn_cache_take_endp(const char *addr, unsigned port, unsigned need,
    struct smtp_conn *conn)
{
	return (conn_cache_take_match(NULL, addr, port, need, conn));
}

size_t
conn_cache_poll_fds(struct pollfd *pfd, size_t max, int64_t *deadline_ms)
{
	struct conn_cache_entry *e;
	size_t	i, n = 0;

	conn_cache_expire(sys_now_ms());
	*deadline_ms = 0;
	for (i = 0; i < SJ_CONN_CACHE_MAX && n < max &&
	    n < conn_cache_ctx.nused; i++) {
		e = &conn_cache_ctx.e[i];
		if (!e->in_use)
			continue;
		pfd[n].fd = e->conn.fd;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
		if (*deadline_ms == 0 || e->idle_until_ms < *deadline_ms)
			*deadline_ms = e->idle_until_ms;
	}
	return (n);
}

void
conn_cache_poll_done(const struct pollfd *pfd, size_t n)
{
	struct conn_cache_entry *e;
	size_t	i, j;

	for (i = 0; i < n; i++) {
		if (pfd[i].revents == 0)
			continue;
		for (j = 0; j < SJ_CONN_CACHE_MAX &&
		    conn_cache_ctx.nused > 0; j++) {
			e = &conn_cache_ctx.e[j];
			/* EOF, 421 or junk: closed without QUIT */
			if (e->in_use && e->conn.fd == pfd[i].fd) {
				conn_cache_drop(e, 0);
				break;
			}
		}
	}
}

void
conn_cache_close_all(void)
{
	size_t	i;

	for (i = 0; i < SJ_CONN_CACHE_MAX && conn_cache_ctx.nused > 0; i++)
		if (conn_cache_ctx.e[i].in_use)
			conn_cache_drop(&conn_cache_ctx.e[i], 1);
}

size_t
conn_cache_count(void)
{
	return (conn_cache_ctx.nused);
}

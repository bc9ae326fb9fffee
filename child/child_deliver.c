/*
 * NAME
 *	child_deliver 3
 * SUMMARY
 *	walk the destinations of one job and run SMTP sessions
 * DESCRIPTION
 *	See child_deliver.h. The walk is Postfix 3.7 smtp_connect_inet()
 *	(src/smtp/smtp_connect.c):
 *
 *	- Hops in order (nexthop elements, then smtp_fallback_relay). The
 *	  last hop is the final destination; so is a hop for which we are
 *	  an MX host or whose lookup found a mail loop (dest_list.final):
 *	  later hops are not tried then.
 *	- A lookup failure is remembered as the last error; the walk goes
 *	  on with the next hop.
 *	- Addresses in order; each counts toward smtp_mx_address_limit. A
 *	  failed connect (smtp_connect_timeout) is logged as info,
 *	  remembered (4.4.1 "connect to H[A]:P: <error>") and skipped.
 *	- The session on the last address of the final destination is on
 *	  the final server: its soft errors defer instead of keeping the
 *	  recipients. A session whose handshake succeeded counts toward
 *	  smtp_mx_session_limit; the one that reaches the limit ends this
 *	  destination (and is final on the final destination).
 *	- Recipients left when the walk ends fail with the last error, or
 *	  4.3.0 "server unavailable or unable to receive mail" when there
 *	  was none; a hard last error of a relay becomes 4.3.5 with
 *	  "warning: relayhost configuration problem" (or
 *	  smtp_fallback_relay). They are reported with relay=none.
 *
 *	Connection reuse (Postfix 3.7 smtp_connect_inet() and
 *	smtp_reuse_session(), sessions kept by conn_cache(3)): the cache
 *	policy is decided on the first hop once its lookup found addresses
 *	(smtp_connection_cache_destinations names its domain: load and
 *	store; else with smtp_connection_cache_on_demand, qmgr's
 *	CONN_LOAD/CONN_STORE flags). With load, a destination first tries
 *	the session stored under the request's nexthop (first hop only),
 *	then sessions to the endpoints of its best MX preference, and for
 *	each less preferred address a session to that endpoint before a
 *	new connection. A session taken from the cache counts as an
 *	address and a session (the limits apply), and its address is not
 *	connected to again for this destination. The DNS lookup is not
 *	skipped: 3.7 looks up first and searches the cache with the result.
 *	After a transaction that ended without QUIT the session is stored
 *	under its endpoint, and the first one of the request also under
 *	the nexthop label; a session that went well (not throttled) clears
 *	the label, so that a less preferred server is not stored under it.
 *	A cached session whose RSET probe fails is closed and the walk
 *	goes on as if it had not been cached: no error is recorded.
 *
 *	The per-job arrays (recipient state, send order, hops, addresses)
 *	live in this module's context, sized for SJ_RCPT_MAX recipients.
 * SECURITY
 *	Child only, in the sandbox: sockets are created and connected only
 *	through sj_sys.h (AF_INET/AF_INET6, non-blocking). DNS results come
 *	from dest(3), already validated; server text is handled by
 *	smtp_session(3).
 * SEE ALSO
 *	Postfix src/smtp/smtp_connect.c, child/dest.h, child/smtp_session.h
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "child_deliver.h"
#include "conn_cache.h"
#include "dane_server.h"
#include "msg.h"
#include "sj_match.h"
#include "sj_sys.h"
#include "smtp_session.h"
#include "tls.h"
#include "transcript.h"

static struct child_deliver_ctx {
	unsigned char rstate[SJ_RCPT_MAX];
	uint32_t order[SJ_RCPT_MAX];
	struct dest_hop hops[DEST_HOPS_MAX];
	struct dest_list list;
	unsigned char used[DEST_ADDR_MAX];	/* address served from cache */
	int	conn_load;			/* SMTP_MISC_FLAG_CONN_LOAD */
	char	dest_label[SJ_NEXTHOP_MAX + 1];	/* "" = none */
	struct dns_ctx *dns;			/* for TLSA lookups */
	const char *hop_name;			/* the hop's domain */
} child_deliver_ctx;

/* Counts of one destination (Postfix addr_count and sess_count). */
struct deliver_count {
	unsigned addr;
	unsigned sess;
};

static void
deliver_result(struct ipc_result *r, const char *status, const char *reason)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->status, sizeof(r->status), "%s", status);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	snprintf(r->relay, sizeof(r->relay), "%s", "none");
}

/*
 * Do sessions stored from now on belong to the current hop alone?
 * With SASL (the hop's credentials), and with TLS connection reuse at
 * a level that matches the certificate against the hop's names:
 * Postfix's endpoint key then carries the current nexthop too
 * (smtp.h COND_SASL_SMTP_KEY_FLAG_CUR_NEXTHOP,
 * COND_TLS_SMTP_KEY_FLAG_CUR_NEXTHOP), so a connection verified for
 * one hop never carries mail for a fallback relay at the same address.
 */
static int
deliver_owner_hop(const struct ipc_config *cfg)
{
	const struct sj_tls_config *t = tls_config();

	return ((cfg->flags & IPC_CF_SASL) != 0 || (t != NULL &&
	    t->conn_reuse && SJ_TLS_MUST_MATCH(t->level)));
}

static unsigned
deliver_port(const struct dest_addr *a)
{
	if (a->sa.ss_family == AF_INET6)
		return (ntohs(((const struct sockaddr_in6 *)&a->sa)->sin6_port));
	return (ntohs(((const struct sockaddr_in *)&a->sa)->sin_port));
}

/* Non-blocking connect within smtp_connect_timeout (0: kernel limit). */
static int
deliver_connect(const struct ipc_config *cfg, const struct dest_addr *a,
    int *fdp)
{
	int64_t	deadline;
	int	fd, err;

	/* The parent opens it (egress policy) and passes it on still
	 * connecting: the timeout is ours, as before. */
	if ((fd = sys_connect_via(IPC_CONN_SMTP,
	    (const struct sockaddr *)&a->sa, a->salen)) < 0)
		return (fd);
	deadline = cfg->connect_timeout == 0 ? 0 :
	    sys_now_ms() + (int64_t)cfg->connect_timeout * 1000;
	if ((err = sys_wait(fd, POLLOUT, deadline)) == 0)
		err = sys_connect_result(fd);
	if (err < 0) {
		(void)sys_close(fd);
		return (err);
	}
	*fdp = fd;
	return (0);
}

/*
 * After one session: the postmaster notice, then the connection goes
 * to the cache or is closed. Returns 0 or a negative errno.
 */
static int
deliver_session_end(struct smtp_job *job, int fd, int rv)
{
	struct child_deliver_ctx *c = &child_deliver_ctx;
	struct smtp_conn keep;
	int	err;

	if (rv >= 0 && rv != SMTP_SESSION_STALE && smtp_session_keep(&keep)) {
		conn_cache_store(&keep, c->dest_label,
		    (int64_t)job->cfg->cache_time_limit * 1000);
		c->dest_label[0] = '\0';
	} else {
		tls_io_close(fd);
		(void)sys_close(fd);
		if (rv >= 0 && rv != SMTP_SESSION_STALE && !job->throttled)
			c->dest_label[0] = '\0';
	}
	smtp_session_end(job);
	if (rv < 0)
		return (rv);
	/* Postfix smtp_cleanup_session(): the postmaster notice. */
	if (rv != SMTP_SESSION_STALE && (err = transcript_send(
	    job->dlv->job_id, job->emit, job->emit_ctx)) < 0)
		return (err);
	return (0);
}

/*
 * The live address entry of 'list' for a cached session, or -1 (an
 * entry found by the nexthop label may be for an address the lookup
 * no longer returns).
 */
static int
deliver_addr_index(const struct dest_list *list, const struct smtp_conn *conn)
{
	size_t	i;

	for (i = 0; i < list->count; i++)
		if (!child_deliver_ctx.used[i] &&
		    deliver_port(&list->addr[i]) == conn->peer.port &&
		    strcmp(list->addr[i].addr_text, conn->peer.addr) == 0)
			return ((int)i);
	return (-1);
}

/*
 * Run the job on sessions from the cache (Postfix smtp_reuse_session()).
 * 'which' < 0: the nexthop label; else the endpoint of list->addr[which].
 * The addresses still to try are the unused ones from 'ahead' on (the
 * walk has passed those before). Returns 1 when a session ran, 0 when
 * none was usable, or a negative errno. *done_list is set when the
 * destination has no address left to try (none unused, or the session
 * or address limit was reached).
 */
static int
deliver_cached(struct smtp_job *job, const struct dest_list *list, int which,
    size_t ahead, int final_nexthop, struct deliver_count *n, int *done_list)
{
	struct child_deliver_ctx *c = &child_deliver_ctx;
	const struct ipc_config *cfg = job->cfg;
	struct smtp_conn conn;
	size_t	i, left;
	int	rv, err, idx, found;

	for (;;) {
		if (which < 0)
			found = conn_cache_take_dest(c->dest_label,
			    smtp_session_needs(job), &conn);
		else
			found = conn_cache_take_endp(list->addr[which].addr_text,
			    deliver_port(&list->addr[which]),
			    smtp_session_needs(job), &conn);
		if (!found)
			return (0);
		/* Postfix smtp_update_addr_list(): the address is served */
		idx = which >= 0 ? which : deliver_addr_index(list, &conn);
		if (idx >= 0)
			c->used[idx] = 1;
		/* Postfix: by endpoint, the address's own preference; by
		 * nexthop, what the session had when it was stored */
		if (which >= 0)
			conn.peer.best_mx = list->addr[which].pref ==
			    list->addr[0].pref;
		for (left = 0, i = ahead; i < list->count; i++)
			left += !c->used[i];
		/* Postfix smtp_update_addr_list(): the list ends at the
		 * session or the address limit */
		if (cfg->mx_session_limit > 0 &&
		    n->sess + 1 >= cfg->mx_session_limit)
			left = 0;
		if (cfg->mx_address_limit > 0 &&
		    n->addr + 1 >= cfg->mx_address_limit)
			left = 0;
		rv = smtp_session_resume(job, &conn, final_nexthop && left == 0);
		if ((err = deliver_session_end(job, conn.fd, rv)) < 0)
			return (err);
		if (rv == SMTP_SESSION_STALE) {
			/* As if it had not been cached: the address may
			 * still get a new connection. */
			if (idx >= 0)
				c->used[idx] = 0;
			continue;
		}
		n->addr++;
		n->sess++;
		*done_list = left == 0;
		return (1);
	}
}

/*
 * The addresses of one destination. Returns 0 or a negative errno
 * (cancel, emit failure).
 */
static int
deliver_hop(struct smtp_job *job, const struct dest_list *list,
    int final_nexthop)
{
	struct child_deliver_ctx *c = &child_deliver_ctx;
	const struct ipc_config *cfg = job->cfg;
	const struct dest_addr *a;
	struct smtp_peer peer;
	struct ipc_result why, dw;
	struct tls_peer tp;
	struct deliver_count n = { 0, 0 };
	size_t	i, j;
	int	fd, err, last, rv, done_list = 0;
	int	conf_level = tls_config() == NULL ? SJ_TLS_LEV_NONE :
	    tls_config()->level;

	memset(c->used, 0, sizeof(c->used));
	if (c->conn_load && list->count > 0) {
		/* First by the nexthop, then the best MX endpoints. */
		if (job->left > 0 && (rv = deliver_cached(job, list, -1, 0,
		    final_nexthop, &n, &done_list)) < 0)
			return (rv);
		for (i = 0; i < list->count && job->left > 0 && !done_list &&
		    list->addr[i].pref == list->addr[0].pref; i++)
			if (!c->used[i] && (rv = deliver_cached(job, list,
			    (int)i, 0, final_nexthop, &n, &done_list)) < 0)
				return (rv);
		if (done_list)
			return (0);
	}

	for (i = 0; i < list->count && job->left > 0; i++) {
		if (c->used[i])
			continue;
		a = &list->addr[i];
		job->tls_level = conf_level;
		/* A less preferred address: a cached session first. */
		if (c->conn_load && a->pref != list->addr[0].pref) {
			if ((rv = deliver_cached(job, list, (int)i, i,
			    final_nexthop, &n, &done_list)) < 0)
				return (rv);
			if (rv > 0) {
				if (done_list)
					break;
				continue;
			}
		}
		for (j = i + 1; j < list->count && c->used[j]; j++)
			;
		last = j == list->count;
		if (++n.addr == cfg->mx_address_limit)
			last = 1;
		smtp_session_peer(&peer, a->host, a->addr_text, deliver_port(a));
		/* Postfix SMTP_FEATURE_BEST_MX: the list is in preference
		 * order; without MX every address has preference 0 */
		peer.best_mx = a->pref == list->addr[0].pref;
		/* dane, dane-only: this server's level, or skip it. */
		if (SJ_TLS_IS_DANE(conf_level) && !job->tls_plain_next) {
			memset(&dw, 0, sizeof(dw));
			memset(&tp, 0, sizeof(tp));
			tp.job_id = job->dlv->job_id;
			tp.emit = job->emit;
			tp.emit_ctx = job->emit_ctx;
			rv = dane_server_level(c->dns, cfg, conf_level,
			    c->hop_name, a, deliver_port(a), &tp, &dw);
			if (rv == DANE_SERVER_SKIP) {
				deliver_result(&why, dw.status, dw.reason);
				smtp_session_set_why(job, &why);
				if (last)
					break;
				continue;
			}
			if (rv < 0)
				return (rv);
			job->tls_level = rv;
		}
		if ((err = deliver_connect(cfg, a, &fd)) < 0) {
			if (err == -ECANCELED)
				return (err);
			deliver_result(&why, "4.4.1", "");
			snprintf(why.reason, sizeof(why.reason),
			    "connect to %s:%u: %s", peer.namaddr, peer.port,
			    strerror(-err));
			msg_info("%s", why.reason);
			smtp_session_set_why(job, &why);
			if (last)
				break;
			continue;
		}
		peer.ehlo_discard = sys_connect_ehlo_discard();
		if (final_nexthop && last)
			job->final_server = 1;
		rv = smtp_session_run(job, fd, &peer, final_nexthop &&
		    (last || (cfg->mx_session_limit > 0 &&
		    n.sess + 1 == cfg->mx_session_limit)));
		job->tls_level = conf_level;
		if ((err = deliver_session_end(job, fd, rv)) < 0)
			return (err);
		/* Postfix smtp_connect.c: after a failed opportunistic
		 * handshake (or TLS session), the same address again in
		 * clear text, not counted against the limits. */
		if (job->tls_retry_plain) {
			job->tls_retry_plain = 0;
			job->tls_plain_next = 1;
			n.addr--;
			i--;
			continue;
		}
		if (rv == SMTP_SESSION_COUNTED &&
		    ++n.sess == cfg->mx_session_limit)
			last = 1;
		if (last)
			break;
	}
	job->tls_level = conf_level;
	return (0);
}

/*
 * Postfix smtp_cache_policy() and SET_SCACHE_REQUEST_NEXTHOP(), on the
 * first hop once it has addresses: the flags stay for later hops, the
 * label is the hop as the request named it.
 */
static void
deliver_cache_policy(struct smtp_job *job, const struct dest_hop *hop)
{
	struct child_deliver_ctx *c = &child_deliver_ctx;
	const struct ipc_config *cfg = job->cfg;
	uint32_t f = job->dlv->flags;

	if (cfg->cache_destinations[0] != '\0' &&
	    sj_match_list_has(cfg->cache_destinations, hop->name)) {
		c->conn_load = job->conn_store = 1;
	} else if (cfg->flags & IPC_CF_CACHE_ON_DEMAND) {
		c->conn_load = (f & IPC_DF_CONN_LOAD) != 0;
		job->conn_store = (f & IPC_DF_CONN_STORE) != 0;
	}
	if (c->conn_load || job->conn_store)
		snprintf(c->dest_label, sizeof(c->dest_label),
		    hop->no_mx ? "[%s]:%u" : "%s:%u", hop->name,
		    (unsigned)hop->port);
}

/* Postfix smtp_connect_inet(): what is left after the last hop. */
static int
deliver_leftover(struct smtp_job *job, const struct dest_hop *hops,
    const struct dest_hop *last_hop, const char *relay_problem,
    unsigned relay_problem_seq)
{
	struct ipc_result why;

	job->final_server = 1;
	if (!job->have_why || job->why.status[0] == '2') {
		deliver_result(&why, "4.3.0",
		    "server unavailable or unable to receive mail");
	} else {
		why = job->why;
		if (relay_problem != NULL && relay_problem_seq == job->why_seq) {
			msg_warn("%s configuration problem", relay_problem);
		} else if (why.status[0] != '4' && last_hop != NULL &&
		    last_hop->is_fallback) {
			msg_warn("smtp_fallback_relay configuration problem");
			memcpy(why.status, "4.3.5", sizeof("4.3.5"));
		} else if (why.status[0] != '4' && hops[0].is_relay &&
		    !hops[0].is_fallback) {
			msg_warn("relayhost configuration problem");
			memcpy(why.status, "4.3.5", sizeof("4.3.5"));
		}
		/* Postfix: the session is gone, the relay is "none". */
		snprintf(why.relay, sizeof(why.relay), "%s", "none");
	}
	return (smtp_session_fail_all(job, &why, NULL, 1));
}

int
child_deliver(struct dns_ctx *dns, const struct ipc_config *cfg,
    const struct ipc_deliver *dlv, const struct ipc_rcpt *rcpts,
    size_t nrcpt, child_emit_fn emit, void *emit_ctx, struct ipc_done *done)
{
	struct child_deliver_ctx *c = &child_deliver_ctx;
	const struct dest_hop *last_hop = NULL;
	const char *relay_problem = NULL;
	unsigned relay_problem_seq = 0;
	struct smtp_job job;
	struct ipc_result err_res;
	size_t	nhops = 0, h;
	int	final_nexthop, rv;

	memset(done, 0, sizeof(*done));
	done->job_id = dlv->job_id;
	done->reuse_count = 0;
	if (nrcpt == 0)
		return (0);
	if (nrcpt > SJ_RCPT_MAX) {
		msg_warn("child_deliver: %zu recipients, more than %d",
		    nrcpt, SJ_RCPT_MAX);
		nrcpt = SJ_RCPT_MAX;
	}
	smtp_session_job_init(&job, cfg, dlv, rcpts, nrcpt, c->rstate,
	    c->order, emit, emit_ctx, done);
	c->conn_load = 0;
	c->dest_label[0] = '\0';
	c->dns = dns;

	memset(&err_res, 0, sizeof(err_res));
	if (dest_parse_nexthop(dlv->nexthop, cfg, c->hops, DEST_HOPS_MAX,
	    &nhops, &err_res) < 0 || nhops == 0) {
		if (err_res.status[0] == '\0')
			deliver_result(&err_res, "4.3.5",
			    "empty or invalid nexthop");
		job.final_server = 1;
		return (smtp_session_fail_all(&job, &err_res, NULL, 1));
	}

	for (h = 0; h < nhops && job.left > 0; h++) {
		last_hop = &c->hops[h];
		job.dest = c->hops[h].spec;
		conn_cache_owner(deliver_owner_hop(cfg) ? job.dest : "",
		    (cfg->flags & IPC_CF_SASL_SENDER) ? dlv->sender : "");
		memset(&err_res, 0, sizeof(err_res));
		/* Not cleared whole (45 KB, eleven pages a new child would
		 * fault in): dest_resolve() resets the count, final and
		 * relay_problem, and dest_output() fills every address it
		 * counts. */
		c->hop_name = c->hops[h].name;
		rv = dest_resolve(dns, &c->hops[h], cfg, &c->list, &err_res);
		if (rv == -ECANCELED)
			return (rv);
		final_nexthop = h + 1 == nhops || c->list.final ||
		    (err_res.flags & IPC_RF_LOOPS_BACK) != 0;
		if (h == 0 && rv == 0 && c->list.count > 0)
			deliver_cache_policy(&job, &c->hops[0]);
		if (rv < 0 || c->list.count == 0) {
			if (err_res.status[0] == '\0')
				deliver_result(&err_res, "4.3.0",
				    "server unavailable or unable to "
				    "receive mail");
			snprintf(err_res.relay, sizeof(err_res.relay), "%s",
			    "none");
			smtp_session_set_why(&job, &err_res);
			relay_problem = c->list.relay_problem;
			relay_problem_seq = job.why_seq;
		} else if ((rv = deliver_hop(&job, &c->list,
		    final_nexthop)) < 0) {
			return (rv);
		}
		if (final_nexthop)
			break;
	}
	if (job.left > 0 && (rv = deliver_leftover(&job, c->hops, last_hop,
	    relay_problem, relay_problem_seq)) < 0)
		return (rv);
	return (0);
}

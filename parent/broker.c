/*
 * NAME
 *	broker 3
 * SUMMARY
 *	the parent opens the child's connections (egress broker)
 * DESCRIPTION
 *	See broker.h. The child has no socket() or connect() (its seccomp
 *	allow-list, policy/policy_child.c): for each DNS query socket and
 *	each SMTP connection it sends CONNECT (job id, purpose, numeric
 *	address, port). The parent checks it against the egress policy
 *	(policy/egress.c); if allowed, it creates an AF_INET/AF_INET6
 *	socket of the purpose's type (UDP for DNS over UDP, TCP otherwise),
 *	non-blocking and close-on-exec, binds an SMTP socket to the source
 *	address Postfix would use (smtp_bind_address, smtp_bind_address6,
 *	or the one inet_interfaces address: src/smtp/smtp_connect.c), starts
 *	the connect, sends the socket back with SOCKET (SCM_RIGHTS) and
 *	closes its own copy. The parent never waits for the connection:
 *	the child waits for it (smtp_connect_timeout) as before.
 *
 *	After the parent sent ABORT (the job's deadline), every request
 *	is answered ECANCELED and nothing is opened.
 *
 *	A refusal is logged as a warning with the queue id and the reason
 *	and answered with EACCES: the child treats it as a failed connect
 *	("connect to host[addr]:port: Permission denied"), tries the next
 *	address and, as with any connection failure, the job is deferred.
 *	A bind failure is logged as Postfix does; with
 *	smtp_bind_address_enforce the connection then fails too.
 * SECURITY
 *	Parent, as $mail_owner after start-up. What the child asks is
 *	hostile: decoded by ipc/ipc_msg_codec.c and ipc/ipc_msg_check.c
 *	(purpose in range, a numeric address, port 1..65535), then judged
 *	only by the policy. The parent never reads from or writes to a
 *	socket it opened for the child.
 * SEE ALSO
 *	policy/egress.c, child/sys.c (sys_connect_via), SECURITY.md
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "broker.h"
#include "child_ctl.h"
#include "ehlo_discard.h"
#include "ipc_chan.h"
#include "msg.h"
#include "sj_egress.h"

static struct broker_ctx {
	struct egress_policy pol;
	struct egress_job job;
	uint32_t job_id;
	int	active;
	int	aborted;		/* ABORT sent: open nothing more */
	unsigned smtp_conns;		/* SMTP sockets given in this job */
} broker_ctx;

int
broker_init(const struct sj_config *cfg, char *why, size_t whysz)
{
	struct egress_conf c;
	const char *enforce;

	memset(&c, 0, sizeof(c));
	c.dns_servers = cfg->child.dns_servers;
	c.own_addrs = cfg->child.local_addrs;
	c.inet_addrs = cfg->inet_addrs ? cfg->inet_addrs : "";
	c.relayhost = cfg->child.relayhost;
	c.fallback_relay = cfg->child.fallback_relay;
	c.egress_allow = sj_config_param(cfg, "smtpjail_egress_allow");
	c.bind_address = sj_config_param(cfg, "smtp_bind_address");
	c.bind_address6 = sj_config_param(cfg, "smtp_bind_address6");
	enforce = sj_config_param(cfg, "smtp_bind_address_enforce");
	if (enforce != NULL && *enforce && strcasecmp(enforce, "yes") != 0 &&
	    strcasecmp(enforce, "no") != 0) {
		snprintf(why, whysz, "parameter smtp_bind_address_enforce: "
		    "bad boolean value: \"%.60s\"", enforce);
		return (-1);
	}
	c.bind_enforce = enforce != NULL && strcasecmp(enforce, "yes") == 0;
	c.default_port = cfg->child.default_port;
	c.mx_address_limit = cfg->child.mx_address_limit;
	memset(&broker_ctx, 0, sizeof(broker_ctx));
	return (egress_policy_init(&broker_ctx.pol, &c, why, whysz));
}

void
broker_job_begin(uint32_t job_id, const char *nexthop)
{
	egress_job_begin(&broker_ctx.job, &broker_ctx.pol, nexthop);
	ehlo_discard_job_begin(job_id);
	broker_ctx.job_id = job_id;
	broker_ctx.active = 1;
	broker_ctx.aborted = 0;
	broker_ctx.smtp_conns = 0;
}

/* For parent/tls_sign.c: one signature per SMTP connection given. */
void
broker_job_window(uint32_t *job_id, int *active, unsigned *smtp_conns)
{
	*job_id = broker_ctx.job_id;
	*active = broker_ctx.active && !broker_ctx.aborted;
	*smtp_conns = broker_ctx.smtp_conns;
}

void
broker_job_abort(void)
{
	broker_ctx.aborted = 1;
}

void
broker_job_end(void)
{
	broker_ctx.active = 0;
}

void
broker_describe(void (*out)(void *, const char *), void *ctx)
{
	egress_describe(&broker_ctx.pol, out, ctx);
}

/* Source address (smtp_connect.c); -errno only when enforced. */
static int
broker_bind(int fd, int family, const char *queue_id)
{
	const struct egress_net *b;
	struct sockaddr_storage ss;
	socklen_t len;
	char	text[INET6_ADDRSTRLEN + 8];
	int	enforce, err;

	if ((b = egress_bind_address(&broker_ctx.pol, family,
	    &enforce)) == NULL)
		return (0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, b->addr, 4);
		len = sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, b->addr, 16);
		len = sizeof(*s6);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == 0)
		return (0);
	err = -errno;
	egress_net_format(b, text, sizeof(text));
	msg_warn("%s: smtp_connect_addr: bind %s: %s", queue_id, text,
	    strerror(-err));
	return (enforce ? err : 0);
}

/* A socket for the child: fd, or -errno. */
static int
broker_open(uint32_t purpose, const struct sockaddr *sa, socklen_t salen,
    const char *queue_id)
{
	int	fd, err, type;

	type = purpose == IPC_CONN_DNS_UDP ? SOCK_DGRAM : SOCK_STREAM;
	if ((fd = socket(sa->sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		return (-errno);
	if (purpose == IPC_CONN_SMTP &&
	    (err = broker_bind(fd, sa->sa_family, queue_id)) < 0) {
		(void)close(fd);
		return (err);
	}
	if (connect(fd, sa, salen) < 0 && errno != EINPROGRESS) {
		err = -errno;
		(void)close(fd);
		return (err);
	}
	return (fd);
}

int
broker_serve(int ipc_fd, const struct ipc_msg *msg, const char *queue_id,
    char *why, size_t whysz)
{
	const struct ipc_connect *c = &msg->u.connect;
	struct sockaddr_storage ss;
	struct ipc_msg ans;
	socklen_t len;
	char	reason[512];
	int	fd = -1, err;

	if (msg->type != IPC_T_CONNECT)
		msg_panic("broker_serve: %s", ipc_msg_name(msg->type));
	if (!broker_ctx.active || c->job_id != broker_ctx.job_id) {
		snprintf(why, whysz, "CONNECT for job %u, %s %u", c->job_id,
		    broker_ctx.active ? "expected job" : "no job in progress, "
		    "last", broker_ctx.job_id);
		return (-1);
	}
	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, c->addr,
	    &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)c->port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, c->addr,
	    &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port =
		    htons((uint16_t)c->port);
		len = sizeof(struct sockaddr_in6);
	} else {
		/* ipc_msg_decode() refuses it: a bug if we get here. */
		msg_panic("broker_serve: address \"%s\"", c->addr);
	}
	/* After ABORT the child is only to report and finish. */
	if (broker_ctx.aborted)
		err = -ECANCELED;
	else
		err = egress_check(&broker_ctx.pol, &broker_ctx.job,
		    c->purpose, (struct sockaddr *)&ss, len, reason,
		    sizeof(reason));
	if (err == -EACCES)
		msg_warn("%s: sandboxed child's connection request refused: %s",
		    queue_id, reason);
	else if (err == 0 && (fd = broker_open(c->purpose,
	    (struct sockaddr *)&ss, len, queue_id)) < 0)
		err = fd;
	else if (err == 0 && c->purpose == IPC_CONN_SMTP)
		broker_ctx.smtp_conns++;

	memset(&ans, 0, sizeof(ans));
	ans.type = IPC_T_SOCKET;
	ans.fd = fd;
	ans.u.socket.job_id = c->job_id;
	ans.u.socket.error = err < 0 ? (uint32_t)-err : 0;
	/* smtp_discard_ehlo_*: the parent knows the address it opened;
	 * the key is its canonical text (inet_ntop), as Postfix's
	 * session->addr, whatever spelling the child used. */
	if (err == 0 && c->purpose == IPC_CONN_SMTP) {
		char	canon[INET6_ADDRSTRLEN];
		const void *bin = ss.ss_family == AF_INET ?
		    (const void *)&((struct sockaddr_in *)&ss)->sin_addr :
		    (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr;

		if (inet_ntop(ss.ss_family, bin, canon, sizeof(canon)) == NULL)
			msg_panic("broker_serve: inet_ntop: %s", c->addr);
		ans.u.socket.ehlo_discard = ehlo_discard_for(canon);
	}
	/* Timed as every other send to the child (child_ctl_send()): a
	 * child that stops reading holds the parent CHILD_SEND_TIMEOUT_MS
	 * at most, then its job ends as a protocol failure. */
	err = ipc_chan_send_timed(ipc_fd, &ans, CHILD_SEND_TIMEOUT_MS);
	if (fd >= 0)
		(void)close(fd);
	if (err < 0) {
		snprintf(why, whysz, "send SOCKET: %s", strerror(-err));
		return (-1);
	}
	return (0);
}

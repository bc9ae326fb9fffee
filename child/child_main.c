/*
 * NAME
 *	child_main 3
 * SUMMARY
 *	the sandboxed child: lock-down, then serve jobs from the parent
 * DESCRIPTION
 *	Runs in the child forked by parent/child_ctl.c, still as root. In
 *	this order (SECURITY.md, "Processes"): put the IPC socket on fd 3
 *	and the stderr pipe on fd 2, /dev/null on 0 and 1, close every other
 *	descriptor; enter the sandbox (policy/sandbox_child.c: chroot, ids,
 *	capabilities, no_new_privs, rlimits, seccomp). Only then does it
 *	send READY and read its first byte from the parent.
 *
 *	What every child shares and cannot build in the jail (time zone,
 *	the recipient slots, OpenSSL's configuration, the TLS context and
 *	every trusted certificate (tls_prepare()), the seccomp program) is
 *	prepared once by
 *	child_prepare() before the fork (in the spawner, policy/spawner.c,
 *	or in the parent when it forks a child itself), so the child
 *	inherits it ready. What must differ from one child to the next is
 *	made after the fork by child_after_fork(), before the lock-down:
 *	the random state (the DNS module's generator from getrandom(), the
 *	C library's rand() state that c-ares 1.18 keys its query ids with
 *	when it cannot read /dev/urandom, which it cannot in the jail) and
 *	a new c-ares channel keyed from it. A channel made once and forked
 *	would give every child the same query-id sequence; and OpenSSL's
 *	generators, reseeded by tls_reseed().
 *
 *	Then: CONFIG once (DNS servers, timeouts, names), and per job a
 *	DELIVER with the content memfd, preceded by a TLS_POLICY when the
 *	job's nexthop has an smtp_tls_policy_maps entry (child/tls_jobpol.c;
 *	with the TLS_ANCHORs it announces, after it) and followed by
 *	exactly rcpt_count RCPT messages, in order; the job runs
 *	(child/child_deliver.c) and ends with DONE. An ABORT, or input
 *	while a job runs, cancels the job. EOF from the parent ends the
 *	child. Anything out of order is a
 *	protocol error: the child logs it and exits.
 *
 *	Between jobs the child may hold idle SMTP sessions for reuse
 *	(child/conn_cache.c). It then waits for the parent with poll(2) on
 *	the IPC socket and those sessions together: an idle session whose
 *	server closes it or sends anything is closed at once, and one whose
 *	smtp_connection_cache_time_limit is up is closed when its time
 *	comes. When the child ends, its idle sessions get a QUIT.
 * SECURITY
 *	Child. After sandbox_child_enter() it holds no privilege, no file
 *	system and only the system calls of policy/policy_child.c. It trusts
 *	the parent's messages (they are still decoded by the table).
 * SEE ALSO
 *	parent/child_ctl.c, child/child_deliver.c, policy/sandbox_child.c
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "child_deliver.h"
#include "child_main.h"
#include "conn_cache.h"
#include "content_checks.h"
#include "dns.h"
#include "dnssec_query.h"
#include "hosts.h"
#include "ipc_chan.h"
#include "msg.h"
#include "smtp_auth.h"
#include "sj_sandbox.h"
#include "sj_sys.h"
#include "sj_text.h"
#include "tls.h"
#include "tls_keyprov.h"
#include "tls_jobpol.h"

#define CHILD_IPC_FD	3
#define CHILD_ERR_FD	2

static struct child_ctx {
	int	ipc_fd;
	struct ipc_config cfg;
	struct dns_ctx dns;
	struct ipc_rcpt *rcpts;		/* SJ_RCPT_MAX slots, allocated once */
	unsigned log_count;		/* LOG messages sent in this job */
	/* rand()'s state, made this child's own (child_after_fork()) */
	int32_t	rand_state[64];
	int	have_null_fd;		/* the spawner's /dev/null, below */
	int	null_fd;
	uint32_t job_id;		/* the job running, for SASL_REQ */
	int	aborted;		/* its ABORT arrived during a SASL_REQ */
} child_ctx;

/* msg(3) sink: every diagnostic becomes an IPC LOG message. */
static void
child_log_sink(enum msg_level lvl, const char *text, void *ctx)
{
	struct ipc_msg m;

	(void)ctx;
	/*
	 * The parent ends the pair after SJ_CHILD_LOG_PER_JOB LOG messages
	 * in one job. Peers can make us warn without bound (a thousand
	 * malformed MX names): one last line says so, the rest is dropped.
	 */
	if (child_ctx.log_count >= SJ_CHILD_LOG_PER_JOB - 1) {
		if (child_ctx.log_count > SJ_CHILD_LOG_PER_JOB - 1)
			return;
		lvl = MSG_LVL_WARN;
		text = "child: more log lines in this job than the parent "
		    "accepts: the rest are not logged";
	}
	child_ctx.log_count++;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_LOG;
	m.fd = -1;
	m.u.log.level = lvl > MSG_LVL_ERROR ? MSG_LVL_ERROR : lvl;
	sj_text_censor(m.u.log.text, sizeof(m.u.log.text), text,
	    strlen(text));
	(void)ipc_chan_send(child_ctx.ipc_fd, &m);
}

/* A header/body check fired: its fields, within the log budget. */
static void
child_check_log(const struct ipc_check_log *lg)
{
	struct ipc_msg m;

	/* The last line of the budget is the sink's "the rest are not
	 * logged"; msg_warn() sends it once and drops the rest. */
	if (child_ctx.log_count >= SJ_CHILD_LOG_PER_JOB - 1) {
		msg_warn("child: header/body check lines beyond the log "
		    "budget are not logged");
		return;
	}
	child_ctx.log_count++;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_CHECK_LOG;
	m.fd = -1;
	m.u.check_log = *lg;
	(void)ipc_chan_send(child_ctx.ipc_fd, &m);
}

/* Early failures, before there is an IPC sink: stderr pipe, then exit. */
static void __attribute__((noreturn))
child_die(const char *what, const char *why)
{
	dprintf(CHILD_ERR_FD, "smtpjail child: %s: %s\n", what, why);
	_exit(1);
}

static void
child_fds(int ipc_fd, int err_fd)
{
	int	nullfd;

	/* /dev/null on 0 and 1: opened now, the jail has no /dev; a child
	 * of the spawner (already in the jail) has the spawner's. */
	if (child_ctx.have_null_fd)
		nullfd = child_ctx.null_fd;
	else if ((nullfd = open("/dev/null", O_RDWR)) < 0)
		child_die("open /dev/null", strerror(errno));
	if (err_fd != CHILD_ERR_FD && dup2(err_fd, CHILD_ERR_FD) < 0)
		child_die("dup2 stderr", strerror(errno));
	if (ipc_fd != CHILD_IPC_FD && dup3(ipc_fd, CHILD_IPC_FD, O_CLOEXEC) < 0)
		child_die("dup3 ipc", strerror(errno));
	if (dup2(nullfd, 0) < 0 || dup2(nullfd, 1) < 0)
		child_die("dup2 /dev/null", strerror(errno));
	/* Every other descriptor goes: the queue file, master's fds, ... */
	if (close_range(CHILD_IPC_FD + 1, ~0U, 0) < 0)
		child_die("close_range", strerror(errno));
	child_ctx.ipc_fd = CHILD_IPC_FD;
	sys_set_ipc(CHILD_IPC_FD);
}

static int
child_emit(void *ctx, const struct ipc_msg *m)
{
	(void)ctx;
	return (ipc_chan_send(child_ctx.ipc_fd, m));
}

static void __attribute__((noreturn))
child_protocol_error(const char *what)
{
	msg_error("child: IPC protocol error: %s", what);
	conn_cache_close_all();
	_exit(1);
}

/* Receive one message; EOF from the parent ends the child quietly. */
static void
child_recv(struct ipc_msg *m)
{
	char	why[256];
	int	err;

	for (;;) {
		err = ipc_chan_recv(child_ctx.ipc_fd, IPC_P2C, m, why,
		    sizeof(why));
		if (err == 0)
			return;
		if (err == -ECONNRESET) {
			conn_cache_close_all();
			_exit(0);
		}
		if (err == -EAGAIN || err == -EINTR)
			continue;
		child_protocol_error(err == -EBADMSG || err == -EPROTO ?
		    why : strerror(-err));
	}
}

/*
 * smtp_auth(3)'s request: SASL_REQ, then the parent's SASL_CRED. An
 * ABORT for the job (or EOF) in its place cancels the job.
 */
static int
child_sasl_ask(const struct ipc_sasl_req *req, struct ipc_sasl_cred *cred)
{
	struct ipc_msg m;
	int	err;

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_SASL_REQ;
	m.fd = -1;
	m.u.sasl_req = *req;
	if ((err = ipc_chan_send(child_ctx.ipc_fd, &m)) < 0)
		return (err);
	child_recv(&m);
	if (m.type == IPC_T_ABORT && m.u.abort.job_id == child_ctx.job_id) {
		child_ctx.aborted = 1;
		return (-ECANCELED);
	}
	if (m.type != IPC_T_SASL_CRED || m.u.sasl_cred.job_id != req->job_id)
		child_protocol_error("expected SASL_CRED after SASL_REQ");
	*cred = m.u.sasl_cred;
	explicit_bzero(&m, sizeof(m));
	return (0);
}

/*
 * child/tls_keyprov.c's request: SIGN_REQ, then the parent's SIGN_RESP
 * (the client key is the parent's). An ABORT in its place cancels.
 */
static int
child_sign_ask(void *ctx, struct ipc_sign_req *req,
    struct ipc_sign_resp *resp)
{
	struct ipc_msg m;
	int	err;

	(void)ctx;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_SIGN_REQ;
	m.fd = -1;
	req->job_id = child_ctx.job_id;
	m.u.sign_req = *req;
	if ((err = ipc_chan_send(child_ctx.ipc_fd, &m)) < 0)
		return (err);
	child_recv(&m);
	if (m.type == IPC_T_ABORT && m.u.abort.job_id == child_ctx.job_id) {
		child_ctx.aborted = 1;
		return (-ECANCELED);
	}
	if (m.type != IPC_T_SIGN_RESP || m.u.sign_resp.job_id != req->job_id)
		child_protocol_error("expected SIGN_RESP after SIGN_REQ");
	*resp = m.u.sign_resp;
	return (0);
}

/*
 * generic_hdr(3)'s lookup: GENERIC_REQ, then the parent's GENERIC_REPLY
 * (the tables are the parent's). An ABORT in its place cancels the job.
 */
static int
child_generic_ask(void *ctx, const char *addr, char *out, size_t outsz)
{
	struct ipc_msg m;
	int	err;

	(void)ctx;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_GENERIC_REQ;
	m.fd = -1;
	m.u.generic_req.job_id = child_ctx.job_id;
	if (strlen(addr) >= sizeof(m.u.generic_req.address))
		return (-E2BIG);
	memcpy(m.u.generic_req.address, addr, strlen(addr) + 1);
	if ((err = ipc_chan_send(child_ctx.ipc_fd, &m)) < 0)
		return (err);
	child_recv(&m);
	if (m.type == IPC_T_ABORT && m.u.abort.job_id == child_ctx.job_id) {
		child_ctx.aborted = 1;
		return (-ECANCELED);
	}
	if (m.type != IPC_T_GENERIC_REPLY ||
	    m.u.generic_reply.job_id != child_ctx.job_id)
		child_protocol_error("expected GENERIC_REPLY after "
		    "GENERIC_REQ");
	if (m.u.generic_reply.status == IPC_GENERIC_ERROR)
		return (-EAGAIN);
	if (m.u.generic_reply.status == IPC_GENERIC_NOTFOUND)
		return (0);
	if (strlen(m.u.generic_reply.address) >= outsz)
		return (-E2BIG);
	memcpy(out, m.u.generic_reply.address,
	    strlen(m.u.generic_reply.address) + 1);
	return (1);
}


/* The dnssec_probe outcome (dns_set_probe()): the parent logs it. */
static void
child_probe_report(void *ctx, int result)
{
	struct ipc_msg m;

	(void)ctx;
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_DNSSEC_PROBE;
	m.fd = -1;
	m.u.dnssec_probe.job_id = child_ctx.job_id;
	m.u.dnssec_probe.result = (uint32_t)result;
	if (ipc_chan_send(child_ctx.ipc_fd, &m) < 0)
		_exit(1);
}

static void
child_send_done(uint32_t job_id, const struct ipc_done *d)
{
	struct ipc_msg m;

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_DONE;
	m.fd = -1;
	if (d != NULL)
		m.u.done = *d;
	m.u.done.job_id = job_id;
	if (ipc_chan_send(child_ctx.ipc_fd, &m) < 0)
		_exit(1);
}

/*
 * The job's TLS policy (its TLS_POLICY, if one came before the DELIVER)
 * and the connection cache key that goes with it.
 */
static void
child_job_tls(uint32_t job_id)
{
	unsigned char id[CONN_CACHE_POLICY_LEN];

	if (tls_jobpol_begin(job_id) < 0)
		child_protocol_error("TLS_POLICY of another job, or "
		    "without its TLS_ANCHORs, before DELIVER");
	tls_jobpol_id(id);
	conn_cache_policy(id);
}

static void
child_job(struct ipc_msg *dm)
{
	struct ipc_deliver *dlv = &dm->u.deliver;
	struct ipc_done done;
	struct ipc_msg m;
	uint32_t i;
	int	err, aborted;

	dlv->content_fd = dm->fd;
	child_job_tls(dlv->job_id);
	/* dnssec_probe: the parent says whether it is still due. */
	dns_allow_probe(&child_ctx.dns,
	    (dlv->flags & IPC_DF_DNSSEC_PROBE) != 0);
	for (i = 0; i < dlv->rcpt_count; i++) {
		child_recv(&m);
		if (m.type == IPC_T_ABORT && m.u.abort.job_id == dlv->job_id) {
			ipc_msg_release(dm);
			tls_jobpol_end();
			child_send_done(dlv->job_id, NULL);
			return;
		}
		if (m.type != IPC_T_RCPT || m.u.rcpt.job_id != dlv->job_id ||
		    m.u.rcpt.index != i)
			child_protocol_error("expected RCPT in order after "
			    "DELIVER");
		child_ctx.rcpts[i] = m.u.rcpt;
	}
	memset(&done, 0, sizeof(done));
	child_ctx.job_id = dlv->job_id;
	child_ctx.aborted = 0;
	sys_set_job(dlv->job_id);
	sys_set_cancel_fd(child_ctx.ipc_fd);
	err = child_deliver(&child_ctx.dns, &child_ctx.cfg, dlv,
	    child_ctx.rcpts, dlv->rcpt_count, child_emit, NULL, &done);
	aborted = sys_abort_taken();
	sys_set_cancel_fd(-1);
	smtp_auth_job_end();
	dns_sock_job_end();
	tls_jobpol_end();
	ipc_msg_release(dm);
	/* An ABORT read while a SOCKET or SASL answer was awaited is not
	 * read again. */
	if (err == -ECANCELED && !child_ctx.aborted && !aborted) {
		/* Input from the parent: an ABORT for this job, or EOF. */
		child_recv(&m);
		if (m.type != IPC_T_ABORT || m.u.abort.job_id != dlv->job_id)
			child_protocol_error("message other than ABORT during "
			    "a job");
	}
	child_send_done(dlv->job_id, &done);
}

/*
 * Between jobs: wait for the parent while watching the idle cached
 * sessions (input or EOF on one drops it) and their idle deadlines.
 * Returns when the IPC socket is readable (or on a poll error, so that
 * the blocking receive reports what is wrong).
 */
static void
child_idle_wait(void)
{
	struct pollfd pfd[1 + SJ_CONN_CACHE_MAX];
	int64_t	deadline, now;
	size_t	n;
	int	rc, timeout;

	for (;;) {
		n = conn_cache_poll_fds(pfd + 1, SJ_CONN_CACHE_MAX, &deadline);
		if (n == 0)
			return;
		pfd[0].fd = child_ctx.ipc_fd;
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		now = sys_now_ms();
		timeout = deadline <= now ? 0 : deadline - now > 3600000 ?
		    3600000 : (int)(deadline - now);
		rc = sys_poll(pfd, 1 + n, timeout);
		if (rc < 0 && rc != -EINTR)
			return;
		if (rc > 0)
			conn_cache_poll_done(pfd + 1, n);
		if (rc > 0 && pfd[0].revents != 0)
			return;
	}
}

void
child_sandbox_spec(const struct sj_config *cfg, struct sj_sandbox_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->directory = cfg->sandbox_directory;
	spec->uid = cfg->sandbox_uid;
	spec->gid = cfg->sandbox_gid;
	spec->forbidden_uid = cfg->mail_owner_uid;
	spec->seccomp_trap = cfg->seccomp_trap;
}

void
child_main_null_fd(int fd)
{
	child_ctx.have_null_fd = 1;
	child_ctx.null_fd = fd;
}

int
child_prepare(const struct sj_config *cfg, char *why, size_t whysz)
{
	int	err;

	child_prepare_release();
	/* The child's copy of the time zone: no tzset() in the jail. */
	tzset();
	if ((child_ctx.rcpts = calloc(SJ_RCPT_MAX,
	    sizeof(*child_ctx.rcpts))) == NULL) {
		snprintf(why, whysz, "calloc %d recipients: %s", SJ_RCPT_MAX,
		    strerror(errno));
		child_prepare_release();
		return (-1);
	}
	/* OpenSSL's configuration, providers and trust store: read now,
	 * the jail has no files. */
	tls_keyprov_set_signer(child_sign_ask, NULL);
	if (tls_prepare(&cfg->tls, why, whysz) < 0) {
		child_prepare_release();
		return (-1);
	}
	if ((err = policy_child_prepare(cfg->seccomp_trap, why, whysz)) < 0) {
		child_prepare_release();
		return (-1);
	}
	return (0);
}

/*
 * In each new child, before the lock-down: its own random state and a
 * resolver keyed from it. glibc's initstate() keeps its generator's type
 * in the first word of the array and the state in the rest (glibc
 * stdlib/random_r.c); the rest is then filled from getrandom(), so that
 * rand() starts from 2016 bits of the kernel's, not from a 32-bit seed.
 * c-ares 1.18 (ares_init.c, randomize_key()) keys its query ids with
 * /dev/urandom, or rand() when that cannot be opened, as in the jail.
 */
int
child_after_fork(const struct sj_config *cfg, char *why, size_t whysz)
{
	struct dns_opts dopt;
	unsigned seed;
	size_t	have = 0, want = sizeof(child_ctx.rand_state) -
		    sizeof(child_ctx.rand_state[0]);
	ssize_t	got;

	if (getrandom(&seed, sizeof(seed), 0) != (ssize_t)sizeof(seed)) {
		snprintf(why, whysz, "getrandom: %s", strerror(errno));
		return (-1);
	}
	(void)initstate(seed, (char *)child_ctx.rand_state,
	    sizeof(child_ctx.rand_state));
	while (have < want) {
		got = getrandom((char *)(child_ctx.rand_state + 1) + have,
		    want - have, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			snprintf(why, whysz, "getrandom: %s", strerror(errno));
			return (-1);
		}
		have += (size_t)got;
	}
	/* The inherited channel (if any) is left as it is: freeing it
	 * would only write to pages shared with the spawner. */
	memset(&dopt, 0, sizeof(dopt));
	dopt.timeout_ms = cfg->resolv_timeout * 1000;
	dopt.tries = cfg->resolv_attempts;
	dopt.rotate = cfg->resolv_rotate;
	return (dns_init_opts(&child_ctx.dns, &dopt, why, whysz));
}

void
child_prepare_release(void)
{
	dns_free(&child_ctx.dns);
	free(child_ctx.rcpts);
	tls_release();
	policy_child_release();
	memset(&child_ctx, 0, sizeof(child_ctx));
}

/*
 * Everything up to READY, in a frame of its own: child_main()'s frame
 * (two IPC messages, 31 KB) would be probed page by page before the
 * first step, and every page the freshly forked child writes is a
 * copy-on-write or zero-fill fault.
 */
static void __attribute__((noinline))
child_start(int ipc_fd, int err_fd, const struct sj_config *cfg)
{
	/* Read-only: sending READY writes no page of a 7.7 KB message. */
	static const struct ipc_msg ready = {
		.type = IPC_T_READY,
		.fd = -1,
		.u.ready.version = IPC_VERSION,
	};
	struct sj_sandbox_spec spec;
	char	why[512];

	child_fds(ipc_fd, err_fd);
	/* child_prepare() ran before the fork: the recipient slots and
	 * the seccomp program are already here. */
	if (child_ctx.rcpts == NULL)
		child_die("start-up", "child_prepare() did not run before "
		    "the fork");
	if (child_after_fork(cfg, why, sizeof(why)) < 0)
		child_die("start-up", why);

	/* This child's own randomness, before the jail (SECURITY.md). */
	if (tls_reseed() < 0)
		child_die("start-up", "cannot reseed OpenSSL's random "
		    "generator");
	child_sandbox_spec(cfg, &spec);
	if (sandbox_child_enter(&spec, why, sizeof(why)) < 0)
		child_die("sandbox", why);

	/* dnssec_probe, parsed by the parent (parent/dnssec_probe.c). */
	dns_set_probe(&child_ctx.dns, cfg->dnssec_probe_type,
	    cfg->dnssec_probe_name, child_probe_report, NULL);
	msg_set_sink(child_log_sink, NULL);
	content_checks_set_log(child_check_log);
	content_checks_set_generic(child_generic_ask);
	smtp_auth_set_ask(child_sasl_ask);
	if (ipc_chan_send(child_ctx.ipc_fd, &ready) < 0)
		_exit(1);
}

/* CONFIG once, then jobs until EOF. */
static void __attribute__((noinline, noreturn))
child_serve(void)
{
	struct ipc_msg m;
	char	why[256];
	uint32_t i;

	child_recv(&m);
	if (m.type != IPC_T_CONFIG)
		child_protocol_error("first message is not CONFIG");
	child_ctx.cfg = m.u.config;
	/* smtp_host_lookup = native: the hosts file, one pair each. */
	for (i = 0; i < child_ctx.cfg.hosts_count; i++) {
		child_recv(&m);
		if (m.type != IPC_T_HOSTS)
			child_protocol_error("expected HOSTS after CONFIG");
		if (hosts_add(&m.u.hosts) < 0)
			msg_warn("child: hosts entry %s %s ignored",
			    m.u.hosts.addr, m.u.hosts.name);
	}
	/* smtp_*_checks: the rules, compiled as they come. */
	for (i = 0; i < child_ctx.cfg.checks_count; i++) {
		child_recv(&m);
		if (m.type != IPC_T_CHECK)
			child_protocol_error("expected CHECK after HOSTS");
		if (content_checks_add(&m.u.check, why, sizeof(why)) < 0)
			child_protocol_error(why);
	}
	if (content_checks_ready(child_ctx.cfg.checks_classes, why,
	    sizeof(why)) < 0)
		child_protocol_error(why);
	if (dns_set_servers(&child_ctx.dns, child_ctx.cfg.dns_servers) < 0)
		msg_warn("child: cannot use DNS servers \"%s\"",
		    child_ctx.cfg.dns_servers);
	/* smtp_dns_support_level = dnssec, with the AD trust rule's
	 * verdict on the resolvers the parent read (dnssec_query.h). */
	dns_set_dnssec(&child_ctx.dns,
	    (child_ctx.cfg.flags & IPC_CF_DNSSEC) != 0,
	    dnssec_ad_trusted(child_ctx.cfg.dns_servers,
	    (child_ctx.cfg.flags & IPC_CF_TRUST_AD) != 0));

	for (;;) {
		child_idle_wait();
		child_recv(&m);
		switch (m.type) {
		case IPC_T_DELIVER:
			child_ctx.log_count = 0;
			child_job(&m);
			break;
		case IPC_T_TLS_POLICY:
			/* The next job's smtp_tls_policy_maps entry. */
			if (tls_jobpol_set(&m.u.tls_policy) < 0)
				child_protocol_error("TLS_POLICY twice, or "
				    "one the child cannot use");
			break;
		case IPC_T_TLS_ANCHOR:
			/* A trust anchor of that entry's tafile=. */
			if (tls_jobpol_anchor(&m.u.tls_anchor) < 0)
				child_protocol_error("TLS_ANCHOR not announced "
				    "by the TLS_POLICY before it");
			break;
		case IPC_T_ABORT:
			/* Nothing running: the job already ended. */
			break;
		default:
			child_protocol_error("unexpected message between jobs");
		}
	}
}

void
child_main(int ipc_fd, int err_fd, const struct sj_config *cfg)
{
	child_start(ipc_fd, err_fd, cfg);
	child_serve();
}

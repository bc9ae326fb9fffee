/*
 * NAME
 *	main 3
 * SUMMARY
 *	smtpjail - sandboxed drop-in replacement for Postfix smtp(8)
 * DESCRIPTION
 *	The parent process. Started by master(8) as root (SECURITY.md,
 *	"Processes"; Postfix src/master/single_server.c): ignore
 *	SIGPIPE/SIGXFSZ; read the command line and main.cf; open the log
 *	channel; refuse a tty; open the accept lock; fork the spawner
 *	while still root (policy/spawner.c: it builds every sandboxed
 *	child, one per destination, parent/child_pool.c); then chroot (-c)
 *	and drop to $mail_owner (-u), install the parent's own seccomp
 *	filter, and serve delivery requests from qmgr one connection at a
 *	time until $max_use, $max_idle, master going away, or the
 *	spawner's end. A child that dies or breaks the protocol ends only
 *	its own job.
 *
 *	Before anything is started, parent/cfg_refuse.c checks every
 *	parameter smtpjail does not honour: a setting that would make it
 *	deliver differently from smtp(8) is logged as fatal, one line
 *	each; so is a parent that master(8) started without -u (it would
 *	serve as root). It then closes qmgr's waiting connection unserved
 *	(qmgr defers the mail and keeps it) and exits.
 *
 *	--sandbox-check starts the spawner and one child as above, prints
 *	the live child's and the spawner's sandbox properties and exits 0
 *	only if every one is as designed; a configuration error is its
 *	"FAILED" verdict too. --help and --version: parent/main_info.c.
 *	--config-check prints the refusals a start would log (and
 *	master.cf's smtpjail lines run as root) and exits 0 only if there
 *	are none; it starts nothing.
 * SECURITY
 *	Root until sandbox_parent_enter(); $mail_owner and no capabilities
 *	after. Talks to master(8), qmgr and the Postfix services (trusted)
 *	and to the child (hostile: see parent/child_ctl.c, deliver_child.c).
 * SEE ALSO
 *	parent/master_svc.c, parent/deliver.c, child/child_main.c
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "cfg_refuse.h"
#include "child_main.h"
#include "checks_load.h"
#include "child_pool.h"
#include "deliver.h"
#include "dreq.h"
#include "dsn_filter.h"
#include "ehlo_discard.h"
#include "main_info.h"
#include "master_svc.h"
#include "msg.h"
#include "generic_map.h"
#include "sasl.h"
#include "tls_sign.h"
#include "sj_config.h"
#include "sj_identity.h"
#include "sj_log.h"
#include "sj_sandbox.h"
#include "sj_sandbox_report.h"
#include "sj_text.h"
#include "tls_log.h"
#include "tls_policy.h"

/* How long a refused start waits for qmgr's connection (master(8)
 * starts an agent when one is already waiting). */
#define REFUSE_ACCEPT_WAIT_MS	1000

/* The parent's one context. */
static struct parent_ctx {
	struct sj_config cfg;
	struct master_svc svc;
	struct child_pool pool;
	pid_t	pid;			/* this process, for the exit hook */
	int	starting;		/* under master(8), not serving yet */
} parent_ctx;

#ifdef SJ_ASAN
/*
 * ASan build only. LeakSanitizer's exit-time scan attaches to the process
 * with ptrace from a cloned helper; the parent's seccomp filter kills
 * ptrace, so the scan would hang or fail the exit status that master(8)
 * watches. Leaks are checked in the unit tests instead.
 */
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return ("detect_leaks=0");
}
#endif

/*
 * The Postfix log, plus warnings and worse on stderr: master(8) gives
 * its children /dev/null there, but an administrator who runs smtpjail
 * by hand (or --sandbox-check) must see why it refuses to start.
 */
static void
main_sink(enum msg_level lvl, const char *text, void *ctx)
{
	char	clean[SJ_LOG_TEXT_MAX + 1];

	log_sink(lvl, text, ctx);
	if (lvl < MSG_LVL_WARN || parent_ctx.cfg.opt_stderr)
		return;
	sj_text_censor(clean, sizeof(clean), text, strlen(text));
	dprintf(STDERR_FILENO, "smtpjail: %s%s\n", msg_level_prefix(lvl),
	    clean);
}

/* Is $smtpjail_sandbox_user dedicated to the sandbox? (policy/) */
static int
identity_check(const struct sj_config *cfg, char *why, size_t whysz)
{
	struct sj_identity id;
	const char *sg = sj_config_param(cfg, "setgid_group");

	memset(&id, 0, sizeof(id));
	id.user = cfg->sandbox_user;
	id.uid = cfg->sandbox_uid;
	id.gid = cfg->sandbox_gid;
	id.mail_owner = cfg->mail_owner;
	id.mail_owner_gid = cfg->mail_owner_gid;
	id.setgid_group = sg != NULL ? sg : "postdrop";
	id.directory = cfg->sandbox_directory;
	return (sandbox_identity_check(&id, why, whysz));
}

/* --sandbox-check lines: what the filter allows, what egress allows. */
static void
sandbox_check_line(void *ctx, const char *line)
{
	fputs(line, ctx);
}

static int
sandbox_check_main(struct sj_config *cfg)
{
	struct sj_sandbox_spec spec;
	struct child_ctl *cc;
	char	why[1024];
	int	rc;

	if (geteuid() != 0) {
		printf("sandbox-check: FAILED (must run as root, as master(8) "
		    "starts smtpjail)\n");
		return (1);
	}
	child_sandbox_spec(cfg, &spec);
	if (sandbox_check_spec(&spec, why, sizeof(why)) < 0 ||
	    identity_check(cfg, why, sizeof(why)) < 0) {
		printf("sandbox-check: FAILED (%s)\n", why);
		return (1);
	}
	if (child_pool_init(&parent_ctx.pool, cfg, why, sizeof(why)) < 0) {
		printf("sandbox-check: FAILED (spawner did not start: %s)\n",
		    why);
		return (1);
	}
	if ((cc = child_pool_get(&parent_ctx.pool, "sandbox-check", why,
	    sizeof(why))) == NULL) {
		child_pool_close_all(&parent_ctx.pool);
		printf("sandbox-check: FAILED (child did not start: %s)\n",
		    why);
		return (1);
	}
	/* For a diff after an upgrade: each call with its conditions. */
	policy_child_describe(cfg->seccomp_trap, sandbox_check_line, stdout);
	broker_describe(sandbox_check_line, stdout);
	fflush(stdout);
	rc = sandbox_report_pair(cc->pid,
	    child_pool_spawner_pid(&parent_ctx.pool), &spec,
	    spawner_caps_mask(), stdout);
	fflush(stdout);
	child_pool_close_all(&parent_ctx.pool);
	return (rc == 0 ? 0 : 1);
}

static void
log_at(enum msg_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
log_at(enum msg_level lvl, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	msg_vlog(lvl, fmt, ap);
	va_end(ap);
}

/* One refusal, as a fatal log line (the caller exits after the last). */
static void
refuse_log(void *ctx, const char *line)
{
	(void)ctx;
	log_at(MSG_LVL_FATAL, "%s", line);
}

/* One refusal, printed by --config-check. */
static void
refuse_print(void *ctx, const char *line)
{
	(void)ctx;
	printf("config-check: %s\n", line);
}

/*
 * --config-check: the verdicts a start would log (main.cf and -o), and
 * master.cf's smtpjail lines run as root, without starting anything.
 */
static int
config_check_main(struct sj_config *cfg)
{
	char	why[1024], path[4096];
	int	n, m;

	if ((n = cfg_refuse_check(cfg->params, refuse_print, NULL, why,
	    sizeof(why))) < 0) {
		printf("config-check: FAILED (%s)\n", why);
		return (1);
	}
	snprintf(path, sizeof(path), "%s/master.cf", cfg->config_dir);
	if ((m = cfg_refuse_master_cf(path, refuse_print, NULL, why,
	    sizeof(why))) < 0) {
		printf("config-check: master.cf not checked: %s\n", why);
		m = 0;
	}
	/* The content-check tables as the start would read them. */
	if (checks_load(cfg, why, sizeof(why)) < 0) {
		printf("config-check: %s\n", why);
		m++;
	}
	if (n + m == 0) {
		printf("config-check: ok\n");
		return (0);
	}
	printf("config-check: FAILED (%d setting%s smtpjail refuses)\n",
	    n + m, n + m == 1 ? "" : "s");
	return (1);
}

/*
 * A refused start, after its fatal lines. master(8) started us because
 * qmgr(8) waits on the listen socket: take that connection and close
 * it, so that qmgr defers the mail at once and keeps it queued, instead
 * of waiting for an agent until $daemon_timeout (Postfix
 * qmgr/qmgr_transport.c, qmgr_deliver.c). No "available" status goes
 * to master(8), which therefore throttles the service ("bad command
 * startup") rather than restarting it in a loop.
 */
static void
refuse_unserved(int nlisten)
{
	struct pollfd pfd[MASTER_LISTEN_MAX];
	int	i, n = 0, conn;

	for (i = 0; i < nlisten && i < MASTER_LISTEN_MAX; i++) {
		int	listening = 0;
		socklen_t len = sizeof(listening);

		/* Only master(8)'s listen sockets, never another descriptor. */
		if (getsockopt(MASTER_LISTEN_FD + i, SOL_SOCKET, SO_ACCEPTCONN,
		    &listening, &len) < 0 || !listening)
			continue;
		pfd[n].fd = MASTER_LISTEN_FD + i;
		pfd[n].events = POLLIN;
		pfd[n].revents = 0;
		n++;
	}
	if (n > 0 && poll(pfd, (nfds_t)n, REFUSE_ACCEPT_WAIT_MS) > 0)
		for (i = 0; i < n; i++)
			if (pfd[i].revents != 0 && (conn = accept4(pfd[i].fd,
			    NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0)
				close(conn);
}

static void __attribute__((noreturn))
refuse_exit(struct sj_config *cfg)
{
	if (!cfg->opt_standalone)
		refuse_unserved(cfg->socket_count);
	exit(1);
}

/*
 * Every other fatal error before serving (a bad parameter value, an
 * unreadable CAfile, a refused table type, ...) ends the same way as a
 * refusal: msg_fatal() calls this before it exits. Only in this process
 * (the spawner and the children inherit the hook, not the listen
 * sockets) and only while starting under master(8).
 */
static void
start_fatal_hook(void)
{
	if (parent_ctx.starting && getpid() == parent_ctx.pid)
		refuse_unserved(parent_ctx.cfg.socket_count > 0 ?
		    parent_ctx.cfg.socket_count : 1);
}

/* Wait for qmgr to close first, as deliver_request_final() does. */
static void
drain_until_eof(int fd, unsigned timeout)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	char	buf[512];

	while (poll(&pfd, 1, (int)(timeout * 1000)) > 0)
		if (read(fd, buf, sizeof(buf)) <= 0)
			break;
}

static void __attribute__((noreturn))
serve_exit(int status)
{
	/* Idle children go to the other processes; those on loan keep
	 * this process a while longer (child_pool_close_all()): tell
	 * master(8) that it takes no more jobs, so that it starts another
	 * process for the next one. */
	child_pool_lend_idle(&parent_ctx.pool);
	if (child_pool_lent_count(&parent_ctx.pool) > 0)
		(void)master_svc_status(&parent_ctx.svc, 0);
	child_pool_close_all(&parent_ctx.pool);
	exit(status);
}

static long long
serve_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

static void __attribute__((noreturn))
serve(struct sj_config *cfg)
{
	struct master_svc *svc = &parent_ctx.svc;
	struct pollfd pfd[MASTER_LISTEN_MAX + 2 + SJ_CHILD_POOL_MAX];
	long long last = serve_now_ms(), left;
	int	i, n, np, rv, conn, broken, tmo, child_tmo;
	const char *table;

	for (;;) {
		alarm(cfg->daemon_timeout);	/* watchdog, re-armed per pass */
		n = 0;
		for (i = 0; i < svc->nlisten; i++) {
			pfd[n].fd = svc->listen_fd[i];
			pfd[n++].events = POLLIN;
		}
		pfd[n].fd = svc->status_fd;
		pfd[n++].events = POLLIN;
		np = child_pool_poll_fds(&parent_ctx.pool, pfd + n,
		    SJ_CHILD_POOL_MAX + 1, &child_tmo);
		/* $max_idle counts from the last request, whatever the idle
		 * children's time limits wake us for in between. */
		tmo = -1;
		if (cfg->max_idle) {
			left = (long long)cfg->max_idle * 1000 -
			    (serve_now_ms() - last);
			if (left <= 0)
				serve_exit(0);		/* $max_idle */
			tmo = left > 3600000 ? 3600000 : (int)left;
		}
		if (child_tmo >= 0 && (tmo < 0 || child_tmo < tmo))
			tmo = child_tmo;
		rv = poll(pfd, (nfds_t)(n + np), tmo);
		if (rv < 0 && errno == EINTR)
			continue;
		if (rv < 0)
			msg_fatal("poll: %s", strerror(errno));
		if (pfd[n - 1].revents != 0)
			serve_exit(0);		/* master stopped or reloaded */
		/* Idle children that spoke, died or timed out; the spawner. */
		if (child_pool_poll_done(&parent_ctx.pool, pfd + n, np) < 0) {
			msg_warn("the spawner of sandboxed children is gone");
			serve_exit(1);
		}
		for (i = 0; i < svc->nlisten; i++) {
			if (pfd[i].revents == 0)
				continue;
			conn = master_svc_accept(svc, svc->listen_fd[i]);
			if (conn == -EAGAIN)
				continue;
			if (conn < 0) {
				msg_error("accept connection: %s",
				    strerror(-conn));
				continue;
			}
			if (master_svc_status(svc, 0) < 0)
				serve_exit(0);
			broken = deliver_serve(conn, conn, cfg,
			    &parent_ctx.pool) < 0;
			drain_until_eof(conn, cfg->ipc_timeout);
			close(conn);
			last = serve_now_ms();
			if (master_svc_status(svc, 1) < 0)
				serve_exit(0);
			if (broken) {
				/* No more children: let master(8) start a
				 * fresh parent and spawner. */
				msg_warn("the spawner of sandboxed children is "
				    "gone");
				serve_exit(1);
			}
			if (++svc->use_count >= cfg->max_use &&
			    cfg->max_use > 0)
				serve_exit(0);
			/* single_server.c: a changed table ends the process
			 * after the job, so that master(8) starts a fresh one. */
			if ((table = sasl_changed()) != NULL ||
			    (table = tls_policy_changed()) != NULL ||
			    (table = ehlo_discard_changed()) != NULL ||
			    (table = dsn_filter_changed()) != NULL ||
			    (table = generic_map_changed()) != NULL) {
				msg_info("table %s has changed -- restarting",
				    table);
				serve_exit(0);
			}
		}
	}
}

int
main(int argc, char **argv)
{
	struct sj_config *cfg = &parent_ctx.cfg;
	struct sj_sandbox_spec spec;
	struct sj_parent_spec pspec;
	char	why[1024];
	int	n;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	main_info_option(argc, argv);
	parent_ctx.pid = getpid();
	parent_ctx.starting = !main_info_sandbox_check(argc, argv) &&
	    !main_info_config_check(argc, argv);
	msg_set_exit_hook(start_fatal_hook);

	/* Until main.cf is read, log as $MAIL_LOGTAG/smtp (master gives
	 * us no stderr): a configuration error must reach the mail log. */
	if (log_open_bootstrap() == 0)
		msg_set_sink(main_sink, NULL);
	if (sj_config_load(cfg, argc, argv, why, sizeof(why)) < 0) {
		if (main_info_sandbox_check(argc, argv)) {
			printf("sandbox-check: FAILED (%s)\n", why);
			return (1);
		}
		if (main_info_config_check(argc, argv)) {
			printf("config-check: FAILED (%s)\n", why);
			return (1);
		}
		msg_fatal("%s", why);
	}
	/* The egress policy: a bad one stops us here (fail closed). */
	if (broker_init(cfg, why, sizeof(why)) < 0) {
		if (main_info_sandbox_check(argc, argv)) {
			printf("sandbox-check: FAILED (%s)\n", why);
			return (1);
		}
		if (main_info_config_check(argc, argv)) {
			printf("config-check: FAILED (%s)\n", why);
			return (1);
		}
		msg_fatal("%s", why);
	}
	if (cfg->opt_standalone || cfg->opt_sandbox_check ||
	    cfg->opt_config_check)
		parent_ctx.starting = 0;
	msg_set_verbose(cfg->opt_verbose);
	if (log_open(cfg) < 0)
		msg_fatal("cannot open the log channel");
	msg_set_sink(main_sink, NULL);
	dreq_set_service(cfg->service_name);
	if (cfg->seccomp_trap)
		msg_warn("smtpjail_seccomp_debug = yes: the child's seccomp "
		    "filter traps and reports instead of killing; do not use "
		    "this in production");

	if (cfg->opt_config_check)
		return (config_check_main(cfg));
	if (cfg->opt_sandbox_check)
		return (sandbox_check_main(cfg));
	if (!cfg->opt_debug && !cfg->opt_standalone && isatty(0))
		msg_fatal("do not run this command by hand");
	if (chdir(cfg->queue_directory) < 0)
		msg_fatal("chdir %s: %s", cfg->queue_directory,
		    strerror(errno));
	/* Fail closed: never deliver in a weaker form than configured. */
	if (tls_policy_config(cfg->params, &cfg->tls, cfg->smtputf8_enable,
	    (int)cfg->ipc_timeout, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	if ((n = cfg_refuse_check(cfg->params, refuse_log, NULL, why,
	    sizeof(why))) < 0)
		msg_fatal("%s", why);
	if (n > 0)
		refuse_exit(cfg);

	child_sandbox_spec(cfg, &spec);
	if (sandbox_check_spec(&spec, why, sizeof(why)) < 0 ||
	    identity_check(cfg, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	if (!cfg->opt_unpriv && geteuid() == 0) {
		log_at(MSG_LVL_FATAL, "refusing to serve as root: master(8) "
		    "passed no -u, so master.cf runs service %s with \"n\" in "
		    "the unprivileged column; " CFG_REFUSE_ROOT_ADVICE,
		    cfg->service_name);
		refuse_exit(cfg);
	}
	if (master_svc_init(&parent_ctx.svc, cfg, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	if (child_pool_init(&parent_ctx.pool, cfg, why, sizeof(why)) < 0)
		msg_fatal("cannot start the spawner of sandboxed children: %s",
		    why);
	/* Tables as root, as smtp(8) opens them before it drops privileges;
	 * after the spawner's fork, so that no child's memory held them. */
	if (sasl_open(why, sizeof(why)) < 0 ||
	    tls_policy_open(why, sizeof(why)) < 0 ||
	    ehlo_discard_open(cfg, why, sizeof(why)) < 0 ||
	    dsn_filter_open(cfg, why, sizeof(why)) < 0 ||
	    generic_map_open(why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	/* smtp_*_checks: regexp: tables, read here as smtp(8) opens them. */
	if (checks_load(cfg, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	/* The TLS client key: the same place, for the same reasons. */
	if (tls_sign_open(&cfg->tls, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	/* OpenSSL's error texts, for the children's TLS_INFO LIBERR. */
	tls_log_init(&cfg->tls);

	memset(&pspec, 0, sizeof(pspec));
	pspec.chroot_dir = cfg->opt_chroot ? cfg->queue_directory : NULL;
	pspec.drop = cfg->opt_unpriv;
	pspec.uid = cfg->mail_owner_uid;
	pspec.gid = cfg->mail_owner_gid;
	if (sandbox_parent_enter(&pspec, why, sizeof(why)) < 0)
		msg_fatal("%s", why);

	parent_ctx.starting = 0;
	if (cfg->opt_standalone) {
		/* -S: one client on stdin/stdout, for testing by hand. */
		if (deliver_serve(0, 1, cfg, &parent_ctx.pool) < 0) {
			msg_warn("the spawner of sandboxed children is gone");
			serve_exit(1);
		}
		serve_exit(0);
	}
	/* Idle children shared with the other processes of this service
	 * (parent/child_lend.c); the configuration is complete now. */
	child_pool_share(&parent_ctx.pool);
	serve(cfg);
}

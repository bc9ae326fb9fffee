/*
 * NAME
 *	main 3
 * SUMMARY
 *	smtpjail - sandboxed drop-in replacement for Postfix smtp(8)
 * DESCRIPTION
 *	The parent process. Started by master(8) as root (design.md,
 *	postfix-interfaces.md 1.6): ignore SIGPIPE/SIGXFSZ; read the
 *	command line and main.cf; open the log channel; refuse a tty;
 *	open the accept lock; fork the spawner while still root
 *	(policy/spawner.c: it builds every sandboxed child, one per
 *	destination, parent/child_pool.c); then chroot (-c) and drop to
 *	$mail_owner (-u), install the parent's own seccomp filter, and
 *	serve delivery requests from qmgr one connection at a time until
 *	$max_use, $max_idle, master going away, or the spawner's end. A
 *	child that dies or breaks the protocol ends only its own job.
 *
 *	--sandbox-check starts the spawner and one child as above, prints
 *	the live child's and the spawner's sandbox properties and exits 0
 *	only if every one is as designed; a configuration error is its
 *	"FAILED" verdict too. --help and --version: parent/main_info.c.
 * SECURITY
 *	Root until sandbox_parent_enter(); $mail_owner and no capabilities
 *	after. Talks to master(8), qmgr and the Postfix services (trusted)
 *	and to the child (hostile: see parent/child_ctl.c, deliver.c).
 * SEE ALSO
 *	parent/master_svc.c, parent/deliver.c, child/child_main.c
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "child_main.h"
#include "child_pool.h"
#include "deliver.h"
#include "dreq.h"
#include "main_info.h"
#include "master_svc.h"
#include "msg.h"
#include "sasl.h"
#include "sj_config.h"
#include "sj_identity.h"
#include "sj_log.h"
#include "sj_sandbox.h"
#include "sj_sandbox_report.h"
#include "sj_text.h"
#include "tls_log.h"

/* The parent's one context. */
static struct parent_ctx {
	struct sj_config cfg;
	struct master_svc svc;
	struct child_pool pool;
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
	fflush(stdout);
	rc = sandbox_report_pair(cc->pid,
	    child_pool_spawner_pid(&parent_ctx.pool), &spec,
	    spawner_caps_mask(), stdout);
	fflush(stdout);
	child_pool_close_all(&parent_ctx.pool);
	return (rc == 0 ? 0 : 1);
}

/* Wait for qmgr to close first, as Postfix does (interfaces 1.7 step 7). */
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
			if ((table = sasl_changed()) != NULL) {
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

	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	main_info_option(argc, argv);

	/* Until main.cf is read, log as $MAIL_LOGTAG/smtp (master gives
	 * us no stderr): a configuration error must reach the mail log. */
	if (log_open_bootstrap() == 0)
		msg_set_sink(main_sink, NULL);
	if (sj_config_load(cfg, argc, argv, why, sizeof(why)) < 0) {
		if (main_info_sandbox_check(argc, argv)) {
			printf("sandbox-check: FAILED (%s)\n", why);
			return (1);
		}
		msg_fatal("%s", why);
	}
	msg_set_verbose(cfg->opt_verbose);
	if (log_open(cfg) < 0)
		msg_fatal("cannot open the log channel");
	msg_set_sink(main_sink, NULL);
	dreq_set_service(cfg->service_name);
	if (cfg->seccomp_trap)
		msg_warn("smtpjail_seccomp_debug = yes: the child's seccomp "
		    "filter traps and reports instead of killing; do not use "
		    "this in production");

	if (cfg->opt_sandbox_check)
		return (sandbox_check_main(cfg));
	if (!cfg->opt_debug && !cfg->opt_standalone && isatty(0))
		msg_fatal("do not run this command by hand");
	if (chdir(cfg->queue_directory) < 0)
		msg_fatal("chdir %s: %s", cfg->queue_directory,
		    strerror(errno));

	child_sandbox_spec(cfg, &spec);
	if (sandbox_check_spec(&spec, why, sizeof(why)) < 0 ||
	    identity_check(cfg, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	if (master_svc_init(&parent_ctx.svc, cfg, why, sizeof(why)) < 0)
		msg_fatal("%s", why);
	if (child_pool_init(&parent_ctx.pool, cfg, why, sizeof(why)) < 0)
		msg_fatal("cannot start the spawner of sandboxed children: %s",
		    why);
	/* Tables as root, as smtp(8) opens them before it drops privileges;
	 * after the spawner's fork, so that no child's memory held them. */
	if (sasl_open(why, sizeof(why)) < 0)
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

	if (cfg->opt_standalone) {
		/* -S: one client on stdin/stdout, for testing by hand. */
		if (deliver_serve(0, 1, cfg, &parent_ctx.pool) < 0) {
			msg_warn("the spawner of sandboxed children is gone");
			serve_exit(1);
		}
		serve_exit(0);
	}
	serve(cfg);
}

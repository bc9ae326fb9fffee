/*
 * NAME
 *	test_child_sandboxed 1
 * SUMMARY
 *	the real child, in its real sandbox, against scripted SMTP and DNS
 *	servers
 * DESCRIPTION
 *	Each scenario is one delivery job played end to end, with nothing
 *	faked on the child's side:
 *
 *	- the configuration is loaded by the parent's own sj_config_load()
 *	  from a test main.cf plus "-o name=value" overrides, as master(8)
 *	  would pass them;
 *	- the child is forked by the parent's child_ctl_spawn() and runs
 *	  child_main(): chroot into an empty directory, the test user, no
 *	  capabilities, the production seccomp allow-list (kill mode, no
 *	  test-only loosening);
 *	- this process plays the parent over the IPC channel (READY,
 *	  CONFIG, DELIVER with a sealed memfd, RCPT, then RCPT_RESULT,
 *	  SITE_RESULT, LOG and DONE through child_ctl_recv());
 *	- SMTP servers are forked processes that follow a per-scenario
 *	  script (the srv_spec rows below: the reply to each command, or
 *	  "stall" or "drop" at that stage) on 127.0.0.K:25 and record every
 *	  byte they receive;
 *	- a DNS server answers from a zone table (MX, A, null MX, and the
 *	  rcodes SERVFAIL, REFUSED, NOTIMP, FORMERR, no answer at all) on
 *	  127.0.0.1:53, which the child learns from the resolv.conf that the
 *	  parent reads.
 *
 *	Everything runs in a private network namespace made at start-up
 *	(unshare(CLONE_NEWNET)), so port 25 and 53 are ours and nothing
 *	leaves the host. Each scenario asserts the result messages (type,
 *	recipient, DSN status, reply code, relay, reason text, flags) in
 *	order, the DONE time stamps when mail went out, the log lines the
 *	child sent, how many connections each server accepted, and the
 *	exact bytes each server received (envelope, ESMTP parameters,
 *	pipelining, dot-stuffing, line folding, BDAT chunks, QUIT/RSET).
 *	Servers that offer CHUNKING read each "BDAT <n>" chunk whole before
 *	they answer it (with a scripted reply per chunk). A scenario may
 *	run several jobs on one child (state must not leak between jobs),
 *	send ABORT while the child waits, or have a server whose accept
 *	queue is full (the SYN is dropped: connect timeout). Connection
 *	reuse scenarios run jobs with their own CONN_LOAD/CONN_STORE flags
 *	and pauses on one child and check each DONE's reuse count, and the
 *	connections and bytes over all jobs (no QUIT, RSET before the next
 *	MAIL, the idle and reuse limits, a server closing an idle session
 *	or failing the RSET probe).
 *
 *	Pipelining is proven, not assumed: a 'hold' server answers nothing
 *	until the DATA line is in, which only a client that pipelines can
 *	reach; a 'lockstep' server records "<<pipelined>>" if a command
 *	arrives before the previous one was answered.
 *
 *	Timeouts: the stage under test gets 1 s through its Postfix
 *	parameter; every other stage keeps 30 s, so a slow machine does not
 *	time out by accident. Durations are never asserted. One DNS
 *	scenario waits for c-ares' own retry timer (2 tries of 5 s).
 *
 *	Needs root (chroot, setresuid, network namespace): every scenario
 *	is skipped with a message otherwise.
 * SEE ALSO
 *	child/child_main.c, parent/child_ctl.c, SECURITY.md; Postfix
 *	src/smtp/smtp_connect.c, smtp_addr.c, smtp_proto.c
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "broker.h"
#include "checks_load.h"
#include "checks_log.h"
#include "child_ctl.h"
#include "ipc_chan.h"
#include "msg.h"
#include "sj_config.h"
#include "test_user.h"
#include "tls_log.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Against hangs only: per message from the child, per server reaped. */
#define RECV_LIMIT_MS	60000
#define REAP_LIMIT_S	20
#define MAX_SRV		4
#define MAX_RCPT	4
#define MAX_RES		6
#define MANY_RCPT	300	/* RCPTs far past the pipelining window */
#define MAX_OPTS	8
#define MAX_CHUNK	4	/* scripted replies to BDAT chunks */
#define MAX_LOGS	4
#define MAX_JOBS	3	/* connection reuse scenarios */
#define LOGCAP_MAX	(256 * 1024)
#define SRV_BUF		(128 * 1024)
/* More than the socket buffers hold: the client's writes must stall. */
#define BIG_CONTENT	(8 * 1024 * 1024)

/* Special replies in a server script. */
#define STALL	"!stall"	/* never answer; read until EOF */
#define DROP	"!drop"		/* close instead of answering */
#define FLOOD	"!flood"	/* "220-flood" lines without end */
#define TRICKLE	"!trickle:"	/* the rest of this reply,
				 * one byte every 200 ms */
/* Hostile TLS peers: "220 Ready to start TLS", the ClientHello read,
 * then: */
#define TLS_GARBAGE	"!tls-garbage"	/* bytes that are no TLS record */
#define TLS_TRUNC	"!tls-trunc"	/* half a ServerHello record, close */
#define TLS_CLOSE	"!tls-close"	/* close at once */
#define TLS_STALL	"!tls-stall"	/* never answer (timeout) */

/* What a server does once it has answered DATA with 3xx. */
enum after_data {
	AD_READ = 0,		/* read the content, answer the dot */
	AD_NOREAD,		/* stop reading: the client's writes stall */
	AD_DROP,		/* close the connection */
	AD_REJECT,		/* send the 'dot' reply at once, then close */
};

/*
 * One scripted SMTP server. A NULL reply is the ordinary one (see
 * srv_default_*). Lines are answered one at a time, in order, as they
 * arrive; 'hold' answers nothing after EHLO until the DATA (or QUIT or
 * RSET) line is in, which only a pipelining client can pass, and
 * 'lockstep' records "<<pipelined>>" when a command arrives before the
 * previous one was answered, which a client without PIPELINING must
 * never do.
 */
struct srv_spec {
	const char *addr;	/* listen on addr:25; NULL = unused slot */
	const char *greet;
	const char *ehlo;
	const char *helo;
	const char *mail;
	const char *rcpt[MAX_RCPT];	/* by order of arrival */
	const char *data;
	const char *dot;		/* also the reply to BDAT LAST */
	const char *chunk[MAX_CHUNK];	/* to BDAT chunks but the last */
	const char *rset;
	const char *quit;
	const char *starttls;	/* NULL: 502; TLS_* below: hostile TLS */
	int	hold;
	int	lockstep;
	enum after_data after_data;
	int	small_rcvbuf;	/* tiny receive window */
	int	syn_drop;	/* no process; accept queue full */
	int	close_after_dot;	/* close once the dot is answered */
};

struct rcpt_spec {
	const char *addr;
	const char *orcpt;
	unsigned notify;	/* 1 NEVER 2 SUCCESS 4 FAILURE 8 DELAY */
};

struct exp_res {
	enum ipc_type type;	/* 0 ends the list */
	unsigned index;
	const char *status;
	unsigned code;		/* diag_code */
	const char *relay;
	const char *reason;	/* exact */
	unsigned flags;
	const char *diag;	/* exact diag_text, NULL = not checked */
};

#define NOCONN	(-1)		/* in conns[]: server not used */

struct scenario {
	const char *name;
	const char *opts[MAX_OPTS];	/* "-o" values */
	const char *nexthop;
	const char *sender;		/* NULL = alice@src.test */
	struct rcpt_spec rcpt[MAX_RCPT];	/* NULL addr ends; none = bob */
	const char *content;		/* NULL = CONTENT */
	size_t	big;			/* generated content, bytes */
	uint32_t dflags;		/* IPC_DF_* */
	uint32_t smtputf8;
	uint32_t ret;
	const char *envid;
	struct srv_spec srv[MAX_SRV];
	const char *recv[MAX_SRV];	/* exact bytes received; NULL = any */
	int	conns[MAX_SRV];		/* 0 = 1, NOCONN = 0, or N */
	struct exp_res res[MAX_RES];
	const char *log[MAX_LOGS];	/* must appear in the log */
	const char *nolog[MAX_LOGS];	/* must not */
	unsigned many;			/* this many generated recipients,
					 * all sent through srv[0] */
	/* Jobs on one child (0 = 1), each with the same outcome and recv[]. */
	int	repeat;
	int	abort_ms;		/* send ABORT after this long */
	/* srv[0] and srv[1] are equal MX hosts: count which each job used. */
	int	equal_pref;
	/* TRANSCRIPT per job: 0 not checked, TC_NONE none, else classes. */
	int	tc;
	const char *tc_text;		/* in that transcript's text */
	/*
	 * srv[0] must receive EHLO, MAIL, RCPT and the 'big' content in
	 * BDAT chunks: all of them and QUIT, or with bdat_stop only that
	 * many chunks, then RSET and QUIT.
	 */
	int	bdat;
	unsigned bdat_stop;
	/*
	 * SASL_REQ (smtp_sasl_auth_enable in opts): the status the test's
	 * parent answers with (IPC_SASL_NONE, _FOUND, _ERROR; no
	 * credential is ever given), and how many requests of kind
	 * IPC_SASL_ASK_EXISTS must come (0: none may).
	 */
	uint32_t sasl_status;
	int	sasl_exists;
	/*
	 * Connection reuse: 'reuse_jobs' jobs on one child, job j with
	 * DELIVER flags job_flags[j] after a pause of pause_ms[j]; its DONE
	 * must say reuse_count reuse[j]. recv[] and conns[] are then the
	 * totals over all jobs, and res[] is the outcome of every job.
	 */
	int	reuse_jobs;
	/*
	 * Round trips: the turns srv[0] took in all (a reply written after
	 * it read from the client since its last reply; the greeting is
	 * none). 0 = not checked.
	 */
	unsigned turns;
	/*
	 * DNS: the UDP sockets the child asked the broker for, over all
	 * jobs (one per job and server: child/dns_sock.c). 0 = not checked.
	 */
	unsigned dns_connects;
	uint32_t job_flags[MAX_JOBS];
	int	pause_ms[MAX_JOBS];
	uint32_t reuse[MAX_JOBS];
};

#define TC_NONE	(-1)

/*
 * The world: a private network namespace, a DNS server, a config
 * directory with main.cf and resolv.conf, an empty sandbox directory.
 */
static struct world {
	int	ok;			/* root and namespace available */
	char	skip_why[256];
	char	dir[64];
	char	sandbox[64];
	char	main_cf[128];
	char	resolv[128];
	char	resolv_fast[128];	/* one try of one second */
	pid_t	dns_pid;
} world;

static struct logcap {
	size_t	len;
	char	buf[LOGCAP_MAX];
} logcap;

/*
 * Scenario texts.
 */
#define CONTENT		"Subject: t\n\nhello\n"
#define CONTENT_SIZE	"18"
#define WIRE		"Subject: t\r\n\r\nhello\r\n"

#define EHLO_C		"EHLO client.test\r\n"
#define HELO_C		"HELO client.test\r\n"
#define MAIL_C		"MAIL FROM:<alice@src.test>\r\n"
#define RCPT_B		"RCPT TO:<bob@dst.test>\r\n"
#define RCPT_C		"RCPT TO:<carol@dst.test>\r\n"
#define RCPT_D		"RCPT TO:<dave@dst.test>\r\n"
#define QUIT		"QUIT\r\n"
#define PIPELINED	EHLO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT
/* Connection reuse: a kept session's transaction, new and reused. */
#define REUSE_NEW	EHLO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n"
#define REUSE_AGAIN	"RSET\r\n" MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n"
#define REUSE_LS	(IPC_DF_CONN_LOAD | IPC_DF_CONN_STORE)
/* A cached session's RSET probe, pipelined with the next transaction. */
#define REUSE_PROBE	"RSET\r\n" MAIL_C RCPT_B "DATA\r\n"
#define BDAT_WIRE	"BDAT 21 LAST\r\n" WIRE
#define REUSE_NEW_BDAT	EHLO_C MAIL_C RCPT_B BDAT_WIRE
#define REUSE_AGAIN_BDAT "RSET\r\n" MAIL_C RCPT_B BDAT_WIRE

#define EHLO_PIPE	"250-srv.test\r\n250 PIPELINING\r\n"
#define EHLO_NONE	"250 srv.test\r\n"
#define EHLO_ALL	"250-srv.test Hello\r\n250-PIPELINING\r\n" \
			"250-SIZE 1000000\r\n250-8BITMIME\r\n250-DSN\r\n" \
			"250-SMTPUTF8\r\n250 ENHANCEDSTATUSCODES\r\n"
#define QUEUED		"250 2.0.0 Ok: queued as 4XYZ"
#define EHLO_CHUNK	"250-srv.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n"
/* More than four chunks (SMTP_BDAT_WINDOW) of 128 KiB. */
#define BDAT_BIG	(1024 * 1024)

#define A2		"127.0.0.2"
#define H2		"127.0.0.2[127.0.0.2]"
#define R2		H2 ":25"
#define NH2		"[127.0.0.2]"

/* 4 KiB of 'a', for a header that makes PCRE2 backtrack deep. */
#define A16	"aaaaaaaaaaaaaaaa"
#define A256	A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16 A16
#define A1K	A256 A256 A256 A256
#define A4K	A1K A1K A1K A1K

#define SENT(i, relay, flags) \
	{ IPC_T_RCPT_RESULT, i, "2.0.0", 250, relay, QUEUED, flags, NULL }
#define RCPT_RES(i, st, code, relay, reason) \
	{ IPC_T_RCPT_RESULT, i, st, code, relay, reason, 0, NULL }
#define SITE_RES(st, code, relay, reason) \
	{ IPC_T_SITE_RESULT, 0, st, code, relay, reason, 0, NULL }
#define TIMED_OUT(stage) \
	SITE_RES("4.4.2", 0, R2, "conversation with " H2 " timed out " \
	    "while " stage)
#define LOST(stage) \
	SITE_RES("4.4.2", 0, R2, "lost connection with " H2 " while " stage)
#define DNS_NF(name, type, text) \
	"Host or domain name not found. Name service error for name=" \
	name " type=" type ": " text

/* A line longer than the client keeps (SJ_SMTP_LINE_MAX = 2048). */
#define X64	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" \
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
#define X512	X64 X64 X64 X64 X64 X64 X64 X64
#define X2048	X512 X512 X512 X512
#define X54	"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
/* "550 5.1.1 " is 10 bytes: the kept part is these plus 2038 x. */
#define LONG_550	"550 5.1.1 " X2048 X512 "\r\n"
#define LONG_KEPT	"550 5.1.1 " X512 X512 X512 X64 X64 X64 X64 X64 X64 \
			X64 X54

#define EHLO_TLS	"250-srv.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n"
#define TLS_FAIL	SITE_RES("4.7.5", 0, R2, "Cannot start TLS: handshake " \
			    "failure")
#define TLS_HOSTILE(nm, how, level, logtext) \
	TLS_HOSTILE_RES(nm, how, level, logtext, TLS_FAIL)
/* "may" does not throttle (smtp_misc_fail(SMTP_NOTHROTTLE)): per rcpt. */
#define TLS_FAIL_RCPT	RCPT_RES(0, "4.7.5", 0, R2, "Cannot start TLS: " \
			    "handshake failure")
#define TLS_HOSTILE_RES(nm, how, level, logtext, result) { \
		.name = nm, \
		.nexthop = NH2, \
		.opts = { "smtp_tls_security_level=" level, \
		    "smtp_starttls_timeout=2s" }, \
		.srv = {{ .addr = A2, .ehlo = EHLO_TLS, .starttls = how }}, \
		.recv = { EHLO_C "STARTTLS\r\n" }, \
		.res = { result }, \
		.log = { logtext }, \
	}

/* "may" with SASL on and a credential for NH2; the handshake fails. */
#define SASL_MAY_TLS_GARBAGE \
		.nexthop = NH2, \
		.opts = { "smtp_tls_security_level=may", \
		    "smtp_sasl_auth_enable=yes", \
		    "smtp_sasl_password_maps=inline:{" NH2 "=u:p}" }, \
		.dflags = IPC_DF_TLS_PLAIN_OK, \
		.srv = {{ .addr = A2, .ehlo = EHLO_TLS, \
		    .starttls = TLS_GARBAGE }}

static const struct scenario scenarios[] = {
	/*
	 * Hostile TLS peers (Postfix smtp_proto.c smtp_start_tls()): the
	 * handshake fails, nothing more is sent on the connection, the
	 * recipients are deferred; the child lives on (DONE).
	 */
	TLS_HOSTILE("tls_garbage_after_starttls", TLS_GARBAGE, "encrypt",
	    "SSL_connect error to " R2 ": -1"),
	TLS_HOSTILE("tls_truncated_server_hello", TLS_TRUNC, "encrypt",
	    "SSL_connect error to " R2 ": "),
	TLS_HOSTILE("tls_close_mid_handshake", TLS_CLOSE, "verify",
	    "SSL_connect error to " R2 ": "),
	TLS_HOSTILE_RES("tls_silent_peer_times_out", TLS_STALL, "may",
	    "SSL_connect error to " R2 ": Connection timed out",
	    TLS_FAIL_RCPT),
	/* "may", waited long enough (IPC_DF_TLS_PLAIN_OK): the same server
	 * again in clear text, which at "none" does not send STARTTLS. */
	{
		.name = "tls_may_plaintext_retry",
		.nexthop = NH2,
		.opts = { "smtp_tls_security_level=may" },
		.dflags = IPC_DF_TLS_PLAIN_OK,
		.srv = {{ .addr = A2, .ehlo = EHLO_TLS,
		    .starttls = TLS_GARBAGE }},
		.conns = { 2 },
		.recv = { EHLO_C "STARTTLS\r\n" PIPELINED },
		.res = { SENT(0, R2, 0) },
		.log = { "SSL_connect error to " R2 ": -1",
		    "QID1: Cannot start TLS: handshake failure" },
	},
	/*
	 * Postfix's PLAINTEXT_FALLBACK_OK_AFTER_STARTTLS_FAILURE also needs
	 * !HAVE_SASL_CREDENTIALS: the child asks the parent whether there
	 * is a credential (ASK_EXISTS); one exists: no retry in clear
	 * text, the recipient is deferred as without IPC_DF_TLS_PLAIN_OK.
	 */
	{
		.name = "tls_may_no_plaintext_retry_with_sasl_credential",
		SASL_MAY_TLS_GARBAGE,
		.recv = { EHLO_C "STARTTLS\r\n" },
		.res = { TLS_FAIL_RCPT },
		.sasl_status = IPC_SASL_FOUND,
		.sasl_exists = 1,
		.log = { "SSL_connect error to " R2 ": -1" },
	},
	{
		.name = "tls_may_plaintext_retry_without_sasl_credential",
		SASL_MAY_TLS_GARBAGE,
		.conns = { 2 },
		.recv = { EHLO_C "STARTTLS\r\n" PIPELINED },
		.res = { SENT(0, R2, 0) },
		.sasl_status = IPC_SASL_NONE,
		.sasl_exists = 1,
		.log = { "SSL_connect error to " R2 ": -1",
		    "QID1: Cannot start TLS: handshake failure" },
	},
	/* Required but not offered, or refused: Postfix's texts. */
	{
		.name = "tls_required_not_offered",
		.nexthop = NH2,
		.opts = { "smtp_tls_security_level=encrypt" },
		.srv = {{ .addr = A2 }},
		.recv = { EHLO_C QUIT },
		.res = { SITE_RES("4.7.4", 0, R2, "TLS is required, but was "
		    "not offered by host " H2) },
	},
	{
		.name = "tls_required_refused",
		.nexthop = NH2,
		.opts = { "smtp_tls_security_level=secure" },
		.srv = {{ .addr = A2, .ehlo = EHLO_TLS,
		    .starttls = "454 4.7.0 TLS not available\r\n" }},
		.recv = { EHLO_C "STARTTLS\r\n" QUIT },
		.res = { SITE_RES("4.7.0", 454, R2, "TLS is required, but host "
		    H2 " refused to start TLS: 454 4.7.0 TLS not available") },
	},
	{
		.name = "tls_note_starttls_offer",
		.nexthop = NH2,
		.opts = { "smtp_tls_note_starttls_offer=yes" },
		.srv = {{ .addr = A2, .ehlo = EHLO_TLS }},
		.recv = { PIPELINED },
		.res = { SENT(0, R2, 0) },
		.log = { "Host offered STARTTLS: [127.0.0.2]" },
	},
	/*
	 * ESMTP features on and off.
	 */
	{
		.name = "features_all_on",
		.tc = TC_NONE,
		.repeat = 2,
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test", "rfc822;bob@dst.test", 2 | 4 }},
		.dflags = IPC_DF_8BITMIME, .smtputf8 = 1, .ret = 1,
		.envid = "env+1=x",
		.srv = {{ .addr = A2, .ehlo = EHLO_ALL, .hold = 1 }},
		.recv = { EHLO_C "MAIL FROM:<alice@src.test> SIZE="
		    CONTENT_SIZE " BODY=8BITMIME ENVID=env+2B1+3Dx RET=FULL "
		    "SMTPUTF8\r\nRCPT TO:<bob@dst.test> "
		    "ORCPT=rfc822;bob@dst.test NOTIFY=SUCCESS,FAILURE\r\n"
		    "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, IPC_RF_REMOTE_DSN) },
	},
	{
		.name = "features_all_off_lockstep",
		.tc = TC_NONE,
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test", "rfc822;bob@dst.test", 2 | 4 },
		    { "carol@dst.test", NULL, 0 }},
		.dflags = IPC_DF_8BITMIME, .smtputf8 = 1, .ret = 1,
		.envid = "env",
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .lockstep = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B RCPT_C "DATA\r\n" WIRE ".\r\n"
		    QUIT },
		.res = { SENT(0, R2, 0), SENT(1, R2, 0) },
	},
	{
		.name = "body_7bit_dsn_hdrs",
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test", NULL, 1 }},
		.dflags = IPC_DF_7BIT, .ret = 2,
		.srv = {{ .addr = A2, .ehlo = EHLO_ALL, .hold = 1 }},
		.recv = { EHLO_C "MAIL FROM:<alice@src.test> SIZE="
		    CONTENT_SIZE " BODY=7BIT RET=HDRS\r\n"
		    "RCPT TO:<bob@dst.test> NOTIFY=NEVER\r\n"
		    "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, IPC_RF_REMOTE_DSN) },
	},
	{
		.name = "size_too_large_refused_before_mail",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 SIZE 10\r\n" }},
		.recv = { EHLO_C QUIT },
		.res = { RCPT_RES(0, "5.3.4", 0, R2, "message size "
		    CONTENT_SIZE " exceeds size limit 10 of server " H2) },
	},
	{
		.name = "size_limit_large_enough",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 SIZE " CONTENT_SIZE "\r\n",
		    .hold = 1 }},
		.recv = { EHLO_C "MAIL FROM:<alice@src.test> SIZE="
		    CONTENT_SIZE "\r\n" RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	/*
	 * 8-bit MIME to a server without 8BITMIME: converted to
	 * quoted-printable in the sandbox (child/mime.c), no SIZE=, as
	 * Postfix 3.7's SMTP_MIME_DOWNGRADE; disable_mime_output_conversion
	 * sends it as it is.
	 */
	{
		.name = "mime_downgrade_no_8bitmime",
		.nexthop = NH2,
		.dflags = IPC_DF_8BITMIME,
		.content = "Subject: t\nContent-Transfer-Encoding: 8bit\n\n"
		    "K\xc3\xb6ln = \n.dot\n",
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 SIZE\r\n", .hold = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nSubject: t\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		    "K=C3=B6ln =3D=20\r\n..dot\r\n.\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	/*
	 * Header and body checks (regexp: tables the parent read) compiled
	 * and matched inside the production sandbox: regcomp() and
	 * regexec() need no system call the filter lacks. With the 8-bit
	 * downgrade, body checks see the quoted-printable lines.
	 */
	{
		.name = "content_checks",
		.opts = { "smtp_header_checks=regexp:@DIR@/header_checks",
		    "smtp_body_checks=regexp:@DIR@/body_checks" },
		.nexthop = NH2,
		.dflags = IPC_DF_8BITMIME,
		.content = "Subject: old\nX-Pre: p\nX-Drop: x\nX-Warn: w\n"
		    "Content-Transfer-Encoding: 8bit\n\n"
		    "K\xc3\xb6ln\ndrop me\nkeep (me)\n",
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 SIZE\r\n", .hold = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n"
		    "Subject: new old\r\nX-Was: p\r\nX-Pre: p\r\n"
		    "X-Warn: w\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		    "Cologne\r\nkept: me\r\n.\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
		.log = { "QID1: replace: header Subject: old: Subject: new old",
		    "QID1: warning: header X-Warn: w: careful",
		    "QID1: prepend: header X-Pre: p: X-Was: p",
		    "QID1: replace: body K=C3=B6ln: Cologne" },
	},
	/*
	 * The same with pcre: tables: pcre2_compile() and pcre2_match()
	 * (no JIT) inside the production sandbox: a pattern that
	 * backtracks until the match limit stops it, one whose 16 KB
	 * header needs megabytes of PCRE2 heap frames (malloc() through
	 * mmap()), and a case-sensitive rule.
	 */
	{
		.name = "content_checks_pcre",
		.opts = { "smtp_header_checks=pcre:@DIR@/pcre_header_checks",
		    "smtp_body_checks=pcre:@DIR@/pcre_body_checks" },
		.nexthop = NH2,
		.dflags = IPC_DF_8BITMIME,
		.content = "subject: old\nX-Pre: p\nX-Drop: x\nX-Case: Yes\n"
		    "X-Long: " A4K A4K A4K A4K "\n"
		    "Content-Transfer-Encoding: 8bit\n\n"
		    "K\xc3\xb6ln\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\n"
		    "keep (me)\n",
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 SIZE\r\n", .hold = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n"
		    "Subject: new old\r\nX-Was: p\r\nX-Pre: p\r\n"
		    "X-Case: Yes\r\nX-Long: deep\r\n"
		    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
		    "Cologne\r\naaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab\r\n"
		    "kept: me\r\n.\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
		.log = { "QID1: replace: header subject: old: Subject: new old",
		    "QID1: prepend: header X-Pre: p: X-Was: p",
		    "QID1: replace: body K=C3=B6ln: Cologne" },
	},
	{
		.name = "mime_no_oconv",
		.opts = { "disable_mime_output_conversion=yes" },
		.nexthop = NH2,
		.dflags = IPC_DF_8BITMIME,
		.content = "Subject: t\nContent-Transfer-Encoding: 8bit\n\n"
		    "K\xc3\xb6ln\n",
		.srv = {{ .addr = A2 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nSubject: t\r\n"
		    "Content-Transfer-Encoding: 8bit\r\n\r\n"
		    "K\xc3\xb6ln\r\n.\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "size_without_limit",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 SIZE\r\n", .hold = 1 }},
		.recv = { EHLO_C "MAIL FROM:<alice@src.test> SIZE="
		    CONTENT_SIZE "\r\n" RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "smtputf8_required_not_offered",
		.nexthop = NH2,
		.smtputf8 = 1 | 2,
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-PIPELINING\r\n250 8BITMIME\r\n" }},
		.recv = { EHLO_C QUIT },
		.res = { RCPT_RES(0, "5.6.7", 0, R2, "SMTPUTF8 is required, "
		    "but was not offered by host " H2) },
	},
	{
		.name = "smtputf8_requested_not_required",
		.nexthop = NH2,
		.smtputf8 = 1,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .lockstep = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "enhanced_status_codes",
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" },
		    { "dave@dst.test" }},
		.srv = {{ .addr = A2, .ehlo = EHLO_ALL,
		    .rcpt = { "550 5.1.1 <bob@dst.test>: unknown\r\n",
		    "550 unknown\r\n", "450 5.1.1 wrong class\r\n" },
		    .data = "554 5.5.1 Error: no valid recipients\r\n" }},
		.recv = { EHLO_C "MAIL FROM:<alice@src.test> SIZE="
		    CONTENT_SIZE "\r\n" RCPT_B RCPT_C RCPT_D "DATA\r\n"
		    "RSET\r\n" QUIT },
		.res = {
		    RCPT_RES(0, "5.1.1", 550, R2, "host " H2 " said: 550 "
			"5.1.1 <bob@dst.test>: unknown (in reply to RCPT TO "
			"command)"),
		    RCPT_RES(1, "5.0.0", 550, R2, "host " H2 " said: 550 "
			"unknown (in reply to RCPT TO command)"),
		    RCPT_RES(2, "4.0.0", 450, R2, "host " H2 " said: 450 "
			"5.1.1 wrong class (in reply to RCPT TO command)"),
		},
	},
	{
		.name = "ehlo_rejected_helo_fallback",
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test", "rfc822;bob@dst.test", 2 }},
		.srv = {{ .addr = A2, .ehlo = "502 5.5.2 Error: command not "
		    "recognized\r\n", .lockstep = 1 }},
		.recv = { EHLO_C HELO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n"
		    QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "never_send_ehlo",
		.opts = { "smtp_never_send_ehlo=yes" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .lockstep = 1 }},
		.recv = { HELO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "helo_name_and_quit_reply_awaited",
		.opts = { "smtp_helo_name=helo.example.test",
		    "smtp_skip_quit_response=no" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .lockstep = 1 }},
		.recv = { "EHLO helo.example.test\r\n" MAIL_C RCPT_B
		    "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},

	/*
	 * Content: exact bytes for dot-stuffing and line folding.
	 */
	{
		.name = "dot_stuffing_exact_bytes",
		.tc = TC_NONE,
		.nexthop = NH2,
		.content = "Subject: dots\n\n.leading\n..two\nx.\n.\n"
		    "\xc3\xa9t\xc3\xa9\n\nend without newline",
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .lockstep = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n"
		    "Subject: dots\r\n\r\n..leading\r\n...two\r\nx.\r\n"
		    "..\r\n\xc3\xa9t\xc3\xa9\r\n\r\nend without newline\r\n"
		    ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "line_folding_exact_bytes",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.opts = { "smtp_line_length_limit=10" },
		.nexthop = NH2,
		.content = "0123456789abcdefghijklmnopqrstuvwxyz\n"
		    ".0123456789abc\n0123456789\n01234567890\n",
		.srv = {{ .addr = A2 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n"
		    "0123456789\r\n abcdefghi\r\n jklmnopqr\r\n stuvwxyz\r\n"
		    "..012345678\r\n 9abc\r\n"
		    "0123456789\r\n"
		    "0123456789\r\n 0\r\n"
		    ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
		.log = { "QID1: breaking line > 10 bytes with <CR><LF>SPACE" },
	},
	{
		.name = "default_line_limit_998",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.nexthop = NH2,
		.content = X512 X512 "\n",
		.srv = {{ .addr = A2 }},
		/* 1024 bytes: 998, then CR LF SPACE and the other 26. */
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n"
		    X512 X64 X64 X64 X64 X64 X64 X64
		    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n "
		    "xxxxxxxxxxxxxxxxxxxxxxxxxx\r\n.\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
	},

	/*
	 * Every stage's timeout (1 s for that stage, 30 s for the others).
	 */
	{
		.name = "timeout_greeting",
		.opts = { "smtp_helo_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .greet = STALL }},
		.recv = { "" },
		.res = { TIMED_OUT("receiving the initial server greeting") },
	},
	{
		.name = "timeout_ehlo",
		.opts = { "smtp_helo_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = STALL }},
		.recv = { EHLO_C },
		.res = { TIMED_OUT("performing the EHLO handshake") },
	},
	{
		.name = "timeout_helo",
		.opts = { "smtp_helo_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "500 what\r\n", .helo = STALL }},
		.recv = { EHLO_C HELO_C },
		.res = { TIMED_OUT("performing the HELO handshake") },
	},
	{
		.name = "timeout_mail",
		.opts = { "smtp_mail_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .mail = STALL }},
		.recv = { EHLO_C MAIL_C },
		.res = { TIMED_OUT("sending MAIL FROM") },
	},
	{
		.name = "timeout_rcpt",
		.repeat = 2,
		.opts = { "smtp_rcpt_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE,
		    .rcpt = { STALL } }},
		.recv = { EHLO_C MAIL_C RCPT_B },
		.res = { TIMED_OUT("sending RCPT TO") },
	},
	{
		.name = "timeout_data_init",
		.opts = { "smtp_data_init_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .data = STALL }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" },
		.res = { TIMED_OUT("sending DATA command") },
	},
	{
		.name = "timeout_data_xfer",
		.opts = { "smtp_data_xfer_timeout=1" },
		.nexthop = NH2,
		.big = BIG_CONTENT,
		.srv = {{ .addr = A2, .after_data = AD_NOREAD,
		    .small_rcvbuf = 1 }},
		.res = { TIMED_OUT("sending message body") },
	},
	{
		.name = "timeout_data_done_may_deliver_twice",
		.repeat = 2,
		.opts = { "smtp_data_done_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .dot = STALL }},
		.recv = { PIPELINED },
		.res = { TIMED_OUT("sending end of data -- message may be "
		    "sent more than once") },
		.log = { "warning: sandboxed child: " R2 ": no reply to the end of data: the "
		    "message may be delivered twice" },
	},
	{
		.name = "timeout_quit_after_delivery",
		.opts = { "smtp_quit_timeout=1", "smtp_skip_quit_response=no" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .quit = STALL }},
		.recv = { PIPELINED },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "timeout_rset_after_all_rcpt_rejected",
		.opts = { "smtp_rset_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE,
		    .rcpt = { "550 5.1.1 no such user\r\n" }, .rset = STALL }},
		.recv = { EHLO_C MAIL_C RCPT_B "RSET\r\n" },
		.res = { RCPT_RES(0, "5.1.1", 550, R2, "host " H2 " said: 550 "
		    "5.1.1 no such user (in reply to RCPT TO command)") },
	},

	/*
	 * The server drops the connection at each stage.
	 */
	{
		.name = "drop_at_greeting",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .greet = DROP }},
		.recv = { "" },
		.res = { LOST("receiving the initial server greeting") },
	},
	{
		.name = "drop_at_ehlo",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = DROP }},
		.recv = { EHLO_C },
		.res = { LOST("performing the EHLO handshake") },
	},
	{
		.name = "drop_at_mail",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .mail = DROP }},
		.recv = { EHLO_C MAIL_C },
		.res = { LOST("sending MAIL FROM") },
	},
	{
		.name = "drop_at_mail_pipelined",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .mail = DROP, .hold = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" },
		.res = { LOST("sending MAIL FROM") },
	},
	{
		.name = "drop_at_rcpt",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .rcpt = { DROP } }},
		.recv = { EHLO_C MAIL_C RCPT_B },
		.res = { LOST("sending RCPT TO") },
	},
	{
		.name = "drop_at_data",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .data = DROP }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" },
		.res = { LOST("sending DATA command") },
	},
	{
		.name = "drop_during_body",
		.repeat = 2,
		.nexthop = NH2,
		.big = BIG_CONTENT,
		.srv = {{ .addr = A2, .after_data = AD_DROP,
		    .small_rcvbuf = 1 }},
		.res = { LOST("sending message body") },
	},
	{
		.name = "premature_reject_during_body",
		.nexthop = NH2,
		.big = BIG_CONTENT,
		.srv = {{ .addr = A2, .after_data = AD_REJECT,
		    .dot = "554 5.3.4 Message too big for me\r\n",
		    .small_rcvbuf = 1 }},
		.res = { RCPT_RES(0, "5.3.4", 554, R2, "host " H2 " said: 554 "
		    "5.3.4 Message too big for me (in reply to end of DATA "
		    "command)") },
	},
	/*
	 * CHUNKING: a 1 MB message in BDAT chunks of 128 KiB, exact
	 * bytes; then the second chunk refused: five chunks went out
	 * (SMTP_BDAT_WINDOW unanswered), no more, RSET and QUIT.
	 */
	{
		.name = "bdat_chunks",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.nexthop = NH2,
		.big = BDAT_BIG,
		.bdat = 1,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK }},
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "bdat_second_chunk_refused",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.nexthop = NH2,
		.big = BDAT_BIG,
		.bdat = 1,
		.bdat_stop = 5,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK,
		    .chunk = { NULL, "554 5.7.1 chunk 2 rejected\r\n" } }},
		.res = { RCPT_RES(0, "5.7.1", 554, R2, "host " H2 " said: 554 "
		    "5.7.1 chunk 2 rejected (in reply to BDAT command)") },
	},
	{
		.name = "drop_at_end_of_data",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .dot = DROP }},
		.recv = { PIPELINED },
		.res = { LOST("sending end of data -- message may be sent more "
		    "than once") },
		.log = { "warning: sandboxed child: " R2 ": no reply to the end of data: the "
		    "message may be delivered twice" },
	},
	{
		.name = "drop_at_quit_after_delivery",
		.opts = { "smtp_skip_quit_response=no" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .quit = DROP }},
		.recv = { PIPELINED },
		.res = { SENT(0, R2, 0) },
	},

	/*
	 * 4xx and 5xx at each stage.
	 */
	{
		.name = "greeting_421_final_server",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .greet = "421 4.3.2 Service not "
		    "available\r\n" }},
		.recv = { QUIT },
		.res = {{ IPC_T_SITE_RESULT, 0, "4.3.2", 421, R2, "host " H2
		    " refused to talk to me: 421 4.3.2 Service not available",
		    0, "421 4.3.2 Service not available" }},
	},
	{
		.name = "greeting_554_skip_5xx_yes",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .greet = "554 5.7.1 No SMTP service "
		    "here\r\n" }},
		.recv = { QUIT },
		.res = { SITE_RES("4.7.1", 554, R2, "host " H2 " refused to "
		    "talk to me: 554 5.7.1 No SMTP service here") },
	},
	{
		.name = "greeting_554_skip_5xx_no",
		.opts = { "smtp_skip_5xx_greeting=no" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .greet = "554 5.7.1 No SMTP service "
		    "here\r\n" }},
		.recv = { QUIT },
		.res = { SITE_RES("5.7.1", 554, R2, "host " H2 " refused to "
		    "talk to me: 554 5.7.1 No SMTP service here") },
	},
	{
		.name = "ehlo_421",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "421 4.7.0 closing\r\n" }},
		.recv = { EHLO_C QUIT },
		.res = { SITE_RES("4.7.0", 421, R2, "host " H2 " refused to "
		    "talk to me: 421 4.7.0 closing") },
	},
	{
		.name = "helo_550_after_ehlo_500",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "500 5.5.1 no\r\n",
		    .helo = "550 5.7.1 go away\r\n" }},
		.recv = { EHLO_C HELO_C QUIT },
		.res = { SITE_RES("5.7.1", 550, R2, "host " H2 " refused to "
		    "talk to me: 550 5.7.1 go away") },
	},
	{
		.name = "mail_451_pipelined",
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" }},
		.srv = {{ .addr = A2, .mail = "451 4.3.0 Try later\r\n",
		    .hold = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B RCPT_C "DATA\r\nRSET\r\n" QUIT },
		.res = {
		    RCPT_RES(0, "4.3.0", 451, R2, "host " H2 " said: 451 4.3.0 "
			"Try later (in reply to MAIL FROM command)"),
		    RCPT_RES(1, "4.3.0", 451, R2, "host " H2 " said: 451 4.3.0 "
			"Try later (in reply to MAIL FROM command)"),
		},
	},
	{
		.name = "mail_553_lockstep",
		.tc = TC_NONE,
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_NONE, .lockstep = 1,
		    .mail = "553 5.1.8 bad sender\r\n" }},
		.recv = { EHLO_C MAIL_C "RSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.1.8", 553, R2, "host " H2 " said: 553 "
		    "5.1.8 bad sender (in reply to MAIL FROM command)") },
	},
	{
		.name = "rcpt_per_recipient",
		.tc = TC_NONE,
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" },
		    { "dave@dst.test" }},
		.srv = {{ .addr = A2, .rcpt = { "450 4.2.0 mailbox busy\r\n",
		    "550 5.1.1 unknown user\r\n", NULL } }},
		.recv = { EHLO_C MAIL_C RCPT_B RCPT_C RCPT_D "DATA\r\n" WIRE
		    ".\r\n" QUIT },
		.res = {
		    RCPT_RES(0, "4.2.0", 450, R2, "host " H2 " said: 450 4.2.0 "
			"mailbox busy (in reply to RCPT TO command)"),
		    RCPT_RES(1, "5.1.1", 550, R2, "host " H2 " said: 550 5.1.1 "
			"unknown user (in reply to RCPT TO command)"),
		    SENT(2, R2, 0),
		},
	},
	{
		.name = "data_452",
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" }},
		.srv = {{ .addr = A2, .rcpt = { "550 5.1.1 unknown\r\n" },
		    .data = "452 4.3.1 Insufficient system storage\r\n" }},
		.recv = { EHLO_C MAIL_C RCPT_B RCPT_C "DATA\r\nRSET\r\n" QUIT },
		.res = {
		    RCPT_RES(0, "5.1.1", 550, R2, "host " H2 " said: 550 5.1.1 "
			"unknown (in reply to RCPT TO command)"),
		    RCPT_RES(1, "4.3.1", 452, R2, "host " H2 " said: 452 4.3.1 "
			"Insufficient system storage (in reply to DATA "
			"command)"),
		},
	},
	{
		.name = "data_554",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .data = "554 5.7.0 no\r\n" }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.7.0", 554, R2, "host " H2 " said: 554 "
		    "5.7.0 no (in reply to DATA command)") },
	},
	{
		.name = "end_of_data_552_all",
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" }},
		.srv = {{ .addr = A2, .dot = "552 5.3.4 Message too big\r\n" }},
		.recv = { EHLO_C MAIL_C RCPT_B RCPT_C "DATA\r\n" WIRE ".\r\n"
		    QUIT },
		.res = {
		    RCPT_RES(0, "5.3.4", 552, R2, "host " H2 " said: 552 5.3.4 "
			"Message too big (in reply to end of DATA command)"),
		    RCPT_RES(1, "5.3.4", 552, R2, "host " H2 " said: 552 5.3.4 "
			"Message too big (in reply to end of DATA command)"),
		},
	},
	{
		.name = "end_of_data_451",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .dot = "451 4.3.0 queue trouble\r\n" }},
		.recv = { PIPELINED },
		.res = { RCPT_RES(0, "4.3.0", 451, R2, "host " H2 " said: 451 "
		    "4.3.0 queue trouble (in reply to end of DATA command)") },
	},

	/*
	 * Multi-line, malformed and oversize replies.
	 */
	{
		.name = "multiline_replies",
		.dflags = IPC_DF_7BIT,	/* no MIME conversion */
		.nexthop = NH2,
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" }},
		.srv = {{ .addr = A2,
		    .greet = "220-srv.test first\r\n220-second\r\n"
		    "220 third\r\n",
		    .ehlo = "250-srv.test\r\n250-SIZE 1000\r\n"
		    "250 PIPELINING\r\n",
		    .rcpt = { "550-5.1.1 first line\r\n550-5.1.1 second\r\n"
		    "550 5.1.1 third\r\n" },
		    .dot = "250-2.0.0 Ok\r\n250 2.0.0 queued as 4XYZ\r\n" }},
		.recv = { EHLO_C "MAIL FROM:<alice@src.test> SIZE="
		    CONTENT_SIZE "\r\n" RCPT_B RCPT_C "DATA\r\n" WIRE
		    ".\r\n" QUIT },
		.res = {
		    RCPT_RES(0, "5.1.1", 550, R2, "host " H2 " said: 550-5.1.1 "
			"first line 550-5.1.1 second 550 5.1.1 third (in reply "
			"to RCPT TO command)"),
		    RCPT_RES(1, "2.0.0", 250, R2, "250-2.0.0 Ok 250 2.0.0 "
			"queued as 4XYZ"),
		},
	},
	{
		.name = "garbage_lines_before_reply",
		.tc = IPC_TC_PROTOCOL, .tc_text = "In:  what?",
		.nexthop = NH2,
		.srv = {{ .addr = A2,
		    .greet = "hello there\r\n220 srv.test\r\n",
		    .data = "what?\r\n354 go ahead\r\n" }},
		.recv = { PIPELINED },
		.res = { SENT(0, R2, 0) },
		.log = { "warning: sandboxed child: non-ESMTP response from " R2 ": what?" },
	},
	{
		.name = "code_mismatch_in_multiline",
		.tc = IPC_TC_PROTOCOL, .tc_text = "In:  550 5.1.1 no",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .rcpt = { "250-ok\r\n550 5.1.1 no\r\n" },
		    .data = "554 5.5.1 Error: no valid recipients\r\n" }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.5.0", 0, R2, "host " H2 " said: 250-ok "
		    "550 5.1.1 no (in reply to RCPT TO command)") },
	},
	{
		.name = "reply_code_out_of_range",
		.tc = IPC_TC_PROTOCOL, .tc_text = "In:  199 what",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .rcpt = { "199 what\r\n" }}},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.5.0", 0, R2, "host " H2 " said: 199 "
		    "what (in reply to RCPT TO command)") },
	},
	{
		.name = "2xx_to_data_is_protocol_error",
		.tc = IPC_TC_PROTOCOL, .tc_text = "Out: DATA",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .data = "250 2.0.0 sure\r\n" }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.5.0", 0, R2, "Protocol error: host " H2
		    " said: 250 2.0.0 sure (in reply to DATA command)") },
	},
	{
		.name = "non_printable_reply_censored",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .rcpt = {
		    "550 5.1.1 bad\x01\xff\ttext\x7f"
		    "\r\r\n" }}},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.1.1", 550, R2, "host " H2 " said: 550 "
		    "5.1.1 bad?? text? (in reply to RCPT TO command)") },
	},
	{
		.name = "oversize_reply_line",
		.repeat = 2,
		.nexthop = NH2,
		.srv = {{ .addr = A2, .rcpt = { LONG_550 }}},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.res = {{ IPC_T_RCPT_RESULT, 0, "5.1.1", 550, R2, "host " H2
		    " said: " LONG_KEPT " (in reply to RCPT TO command)", 0,
		    LONG_KEPT }},
		.log = { "warning: sandboxed child: " R2 ": response longer than 2048: "
		    "550 5.1.1 xxxxxxxxxxxxxxxxxxxx..." },
	},
	{
		.name = "oversize_multiline_ehlo",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "250-srv.test\r\n"
		    "250-" X512 "\r\n250-" X512 "\r\n250-" X512 "\r\n"
		    "250-" X512 "\r\n250-" X512 "\r\n250 PIPELINING\r\n" }},
		/* PIPELINING came after the cut: the client does not use it. */
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, 0) },
		.log = { "warning: sandboxed child: " R2 ": multi-line response longer than "
		    "2048 " },
	},

	/*
	 * The parent cancels; a reply that never ends; envelope quoting.
	 */
	{
		.name = "abort_while_waiting_for_greeting",
		.nexthop = NH2,
		.abort_ms = 300,
		.repeat = 2,
		.srv = {{ .addr = A2, .greet = STALL }},
		.recv = { "" },
	},
	{
		.name = "abort_during_dns_lookup",
		.nexthop = "timeout.test",
		.abort_ms = 300,
	},
	{
		/* 30 bytes at 5 a second: each read is quick, the greeting
		 * as a whole takes 6 s against smtp_helo_timeout 1 s */
		.name = "trickled_greeting_times_out",
		.opts = { "smtp_helo_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2,
		    .greet = TRICKLE "220 srv.test ESMTP slowly...\r\n" }},
		.recv = { "" },
		.res = { TIMED_OUT("receiving the initial server greeting") },
	},
	{
		.name = "endless_multiline_greeting",
		.opts = { "smtp_helo_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .greet = FLOOD }},
		.recv = { "" },
		.res = { TIMED_OUT("receiving the initial server greeting") },
		.log = { "warning: sandboxed child: " R2 ": multi-line response longer than "
		    "2048 " },
	},
	{
		.name = "null_sender_quoted_local_part_utf8_orcpt",
		.nexthop = NH2,
		.sender = "",
		.rcpt = {{ "first last@dst.test", "rfc822;first last@dst.test",
		    8 }, { "j\xc3\xb6rg@dst.test", "utf-8;j\xc3\xb6rg@dst.test",
		    4 }},
		.smtputf8 = 1,
		.srv = {{ .addr = A2, .ehlo = EHLO_ALL, .hold = 1 }},
		.recv = { EHLO_C "MAIL FROM:<> SIZE=" CONTENT_SIZE
		    " SMTPUTF8\r\n"
		    "RCPT TO:<\"first last\"@dst.test> "
		    "ORCPT=rfc822;first+20last@dst.test NOTIFY=DELAY\r\n"
		    "RCPT TO:<j\xc3\xb6rg@dst.test> "
		    "ORCPT=utf-8;j\\x{F6}rg@dst.test NOTIFY=FAILURE\r\n"
		    "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, R2, IPC_RF_REMOTE_DSN),
		    SENT(1, R2, IPC_RF_REMOTE_DSN) },
	},

	/*
	 * Connections, probes, many recipients, IPv6.
	 */
	{
		.name = "timeout_connect",
		.opts = { "smtp_connect_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .syn_drop = 1 }},
		.recv = { "" },
		.res = { SITE_RES("4.4.1", 0, "none", "connect to " H2 ":25: "
		    "Connection timed out") },
		.log = { "connect to " H2 ":25: Connection timed out" },
	},
	{
		.name = "connect_refused_single_server",
		.nexthop = "[127.0.0.6]",
		.res = { SITE_RES("4.4.1", 0, "none", "connect to "
		    "127.0.0.6[127.0.0.6]:25: Connection refused") },
	},
	{
		.name = "address_probe_rcpt_then_rset",
		.nexthop = NH2,
		.dflags = IPC_DF_VERIFY_ONLY,
		.srv = {{ .addr = A2 }},
		.recv = { EHLO_C MAIL_C RCPT_B "RSET\r\n" QUIT },
		.res = { RCPT_RES(0, "2.1.5", 250, R2, "250 2.1.5 Ok") },
	},
	{
		.name = "many_recipients_beyond_pipelining_window",
		.nexthop = NH2,
		.many = MANY_RCPT,
		.srv = {{ .addr = A2 }},
	},
	{
		.name = "ipv6_aaaa_record",
		.opts = { "inet_protocols=all" },
		.nexthop = "v6.test",
		.srv = {{ .addr = "::1" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "v6.test[::1]:25", 0) },
	},
	{
		.name = "ipv6_literal",
		.opts = { "inet_protocols=all" },
		.nexthop = "[ipv6:::1]",
		.srv = {{ .addr = "::1", .ehlo = EHLO_NONE, .lockstep = 1 }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" WIRE ".\r\n" QUIT },
		.res = { SENT(0, "::1[::1]:25", 0) },
	},
	{
		.name = "helo_450",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = "500 5.5.1 no\r\n",
		    .helo = "450 4.7.1 later\r\n" }},
		.recv = { EHLO_C HELO_C QUIT },
		.res = { SITE_RES("4.7.1", 450, R2, "host " H2 " refused to "
		    "talk to me: 450 4.7.1 later") },
	},

	/*
	 * MX order and fallback, DNS error classes, the loop check.
	 */
	{
		.name = "mx_5xx_greeting_skipped_next_mx",
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3", .greet = "554 5.7.1 no\r\n" },
		    { .addr = "127.0.0.4" }},
		.recv = { QUIT, PIPELINED },
		.res = { SENT(0, "mx-b.order.test[127.0.0.4]:25", 0) },
		.log = { "QID1: host mx-a.order.test[127.0.0.3] refused to "
		    "talk to me: 554 5.7.1 no" },
	},
	{
		.name = "mx_5xx_greeting_not_skipped_bounces",
		.opts = { "smtp_skip_5xx_greeting=no" },
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3", .greet = "554 5.7.1 no\r\n" },
		    { .addr = "127.0.0.4" }},
		.recv = { QUIT },
		.conns = { 1, NOCONN },
		.res = { SITE_RES("5.7.1", 554, "mx-a.order.test[127.0.0.3]:25",
		    "host mx-a.order.test[127.0.0.3] refused to talk to me: "
		    "554 5.7.1 no") },
	},
	{
		.name = "mx_session_limit_final_server",
		.opts = { "smtp_mx_session_limit=1" },
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3", .mail = "451 4.3.0 later\r\n" },
		    { .addr = "127.0.0.4" }},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		.conns = { 1, NOCONN },
		.res = { RCPT_RES(0, "4.3.0", 451,
		    "mx-a.order.test[127.0.0.3]:25", "host "
		    "mx-a.order.test[127.0.0.3] said: 451 4.3.0 later (in "
		    "reply to MAIL FROM command)") },
	},
	{
		/*
		 * The MX lookup and the two address lookups of a job share
		 * one UDP socket (child/dns_sock.c); the next job asks for
		 * a new one (a new source port per delivery).
		 */
		.name = "dns_one_udp_socket_per_job",
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3" }},
		.repeat = 2,
		.recv = { PIPELINED },
		.dns_connects = 2,
		.res = { SENT(0, "mx-a.order.test[127.0.0.3]:25", 0) },
	},
	{
		.name = "dns_disabled_host_lookup",
		.opts = { "smtp_dns_support_level=disabled" },
		.nexthop = "nomx.test",
		.srv = {{ .addr = "127.0.0.5" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "nomx.test[127.0.0.5]:25", 0) },
	},
	{
		.name = "dns_disabled_not_found",
		.opts = { "disable_dns_lookups=yes" },
		.nexthop = "nx.test",
		.res = { SITE_RES("5.4.4", 0, "none", "unable to look up host "
		    "nx.test: Name or service not known") },
	},
	{
		.name = "dns_cname_followed",
		.nexthop = "alias.test",
		.srv = {{ .addr = "127.0.0.5" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "alias.test[127.0.0.5]:25", 0) },
	},
	{
		.name = "dns_cname_loop",
		.nexthop = "loop1.test",
		.res = { SITE_RES("5.4.4", 0, "none", "Name server loop for "
		    "loop1.test") },
		.log = { "warning: sandboxed child: dns_lookup: Name server loop for " },
	},
	{
		.name = "nexthop_list_second_destination",
		.nexthop = "[127.0.0.6], " NH2,
		.srv = {{ .addr = A2 }},
		.recv = { PIPELINED },
		.res = { SENT(0, R2, 0) },
		.log = { "connect to 127.0.0.6[127.0.0.6]:25: Connection "
		    "refused" },
	},
	{
		.name = "dns_malformed_mx_5_4_4",
		.nexthop = "badmx.test",
		.res = { SITE_RES("5.4.4", 0, "none", "Name service error for "
		    "name=badmx.test type=MX: Malformed or unexpected name "
		    "server reply") },
		.log = { "warning: sandboxed child: malformed domain name in resource data of "
		    "MX record for badmx.test: bad!x.badmx.test" },
	},
	{
		.name = "mx_order_4xx_greeting_next_mx",
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3", .greet = "421 4.3.2 busy\r\n" },
		    { .addr = "127.0.0.4" }},
		.recv = { QUIT, PIPELINED },
		.res = { SENT(0, "mx-b.order.test[127.0.0.4]:25", 0) },
		.log = { "QID1: host mx-a.order.test[127.0.0.3] refused to "
		    "talk to me: 421 4.3.2 busy" },
	},
	{
		.name = "mx_fallback_after_connect_refused",
		.nexthop = "fb.test",
		.srv = {{ .addr = "127.0.0.8" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "mx-b.fb.test[127.0.0.8]:25", 0) },
		.log = { "connect to mx-a.fb.test[127.0.0.7]:25: Connection "
		    "refused" },
	},
	{
		.name = "mx_rcpt_4xx_kept_for_next_mx",
		.repeat = 2,
		.nexthop = "order.test",
		.rcpt = {{ "bob@dst.test" }, { "carol@dst.test" }},
		.srv = {{ .addr = "127.0.0.3",
		    .rcpt = { "450 4.2.0 later\r\n" }},
		    { .addr = "127.0.0.4" }},
		.recv = { EHLO_C MAIL_C RCPT_B RCPT_C "DATA\r\n" WIRE ".\r\n"
		    QUIT, PIPELINED },
		.res = { SENT(1, "mx-a.order.test[127.0.0.3]:25", 0),
		    SENT(0, "mx-b.order.test[127.0.0.4]:25", 0) },
		.log = { "QID1: host mx-a.order.test[127.0.0.3] said: 450 "
		    "4.2.0 later (in reply to RCPT TO command)" },
	},
	{
		.name = "mx_soft_bounce_5xx_rcpt_tries_next_mx",
		.opts = { "soft_bounce=yes" },
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3",
		    .rcpt = { "550 5.1.1 unknown here\r\n" }},
		    { .addr = "127.0.0.4",
		    .rcpt = { "550 5.1.1 unknown there\r\n" }}},
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT,
		    EHLO_C MAIL_C RCPT_B "DATA\r\nRSET\r\n" QUIT },
		/* The child reports 5.x.x; the parent applies soft_bounce. */
		.res = { RCPT_RES(0, "5.1.1", 550,
		    "mx-b.order.test[127.0.0.4]:25", "host "
		    "mx-b.order.test[127.0.0.4] said: 550 5.1.1 unknown there "
		    "(in reply to RCPT TO command)") },
		.log = { "QID1: host mx-a.order.test[127.0.0.3] said: 550 "
		    "5.1.1 unknown here (in reply to RCPT TO command)" },
	},
	{
		/* 2 of 2^20 runs could see one host only: 2e-6, accepted. */
		.name = "mx_equal_preference_randomized",
		.nexthop = "equal.test",
		.repeat = 20,
		.equal_pref = 1,
		.srv = {{ .addr = "127.0.0.13" }, { .addr = "127.0.0.14" }},
	},
	{
		.name = "mx_equal_preference_answer_order",
		.opts = { "smtp_randomize_addresses=no" },
		.nexthop = "equal.test",
		.repeat = 20,
		.equal_pref = 2,
		.srv = {{ .addr = "127.0.0.13" }, { .addr = "127.0.0.14" }},
	},
	{
		.name = "mx_all_fail_last_error",
		.nexthop = "fb.test",
		.srv = {{ .addr = "127.0.0.8",
		    .greet = "450 4.3.2 not now\r\n" }},
		.recv = { QUIT },
		.res = { SITE_RES("4.3.2", 450, "mx-b.fb.test[127.0.0.8]:25",
		    "host mx-b.fb.test[127.0.0.8] refused to talk to me: 450 "
		    "4.3.2 not now") },
	},
	{
		.name = "mx_address_limit",
		.opts = { "smtp_mx_address_limit=1" },
		.nexthop = "fb.test",
		.srv = {{ .addr = "127.0.0.8" }},
		.conns = { NOCONN },
		.res = { SITE_RES("4.4.1", 0, "none", "connect to "
		    "mx-a.fb.test[127.0.0.7]:25: Connection refused") },
	},
	{
		.name = "no_mx_uses_a_record",
		.nexthop = "nomx.test",
		.srv = {{ .addr = "127.0.0.5" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "nomx.test[127.0.0.5]:25", 0) },
	},
	{
		.name = "fallback_relay_after_dns_failure",
		.opts = { "smtp_fallback_relay=[127.0.0.12]" },
		.nexthop = "nx.test",
		.srv = {{ .addr = "127.0.0.12" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "127.0.0.12[127.0.0.12]:25", 0) },
	},
	{
		.name = "dns_nxdomain_5_4_4",
		.nexthop = "nx.test",
		.res = { SITE_RES("5.4.4", 0, "none",
		    DNS_NF("nx.test", "A", "Host not found")) },
	},
	{
		.name = "dns_servfail_4_4_3",
		.repeat = 2,
		.nexthop = "servfail.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF("servfail.test",
		    "MX", "Host not found, try again")) },
	},
	{
		.name = "dns_refused_4_4_3",
		.nexthop = "refused.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF("refused.test",
		    "MX", "Host not found, try again")) },
	},
	{
		.name = "dns_notimp_4_4_3",
		.nexthop = "notimp.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF("notimp.test",
		    "MX", "Host not found, try again")) },
	},
	{
		.name = "dns_formerr_5_4_3",
		.nexthop = "formerr.test",
		.res = { SITE_RES("5.4.3", 0, "none", DNS_NF("formerr.test",
		    "MX", "Non-recoverable error")) },
	},
	/* Hostile answers, through the real c-ares in the sandbox. */
	{
		.name = "dns_compression_loop_4_4_3",
		.nexthop = "ptrloop.test",
		.res = { SITE_RES("4.4.3", 0, "none", "Name service error for "
		    "name=ptrloop.test type=MX: Malformed or unexpected name "
		    "server reply") },
	},
	{
		/* dropped by c-ares as if unanswered: the timeout class */
		.name = "dns_answer_to_another_question_4_4_3",
		.opts = { "smtpjail_resolv_conf=@DIR@/resolv-fast.conf" },
		.nexthop = "wrongq.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF("wrongq.test",
		    "MX", "Host not found, try again")) },
	},
	{
		/* TC over UDP, nothing on TCP: c-ares cannot get it */
		.name = "dns_truncated_no_tcp_4_4_3",
		.opts = { "smtpjail_resolv_conf=@DIR@/resolv-fast.conf" },
		.nexthop = "tc.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF("tc.test",
		    "MX", "Host not found, try again")) },
	},
	{
		/* resolv.conf "options timeout:1 attempts:1", via the parent. */
		.name = "dns_timeout_4_4_3",
		.opts = { "smtpjail_resolv_conf=@DIR@/resolv-fast.conf" },
		.nexthop = "timeout.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF("timeout.test",
		    "MX", "Host not found, try again")) },
	},
	{
		.name = "dns_null_mx_5_1_0",
		.nexthop = "nullmx.test",
		.res = { SITE_RES("5.1.0", 0, "none", "Domain nullmx.test does "
		    "not accept mail (nullMX)") },
	},
	{
		.name = "dns_mx_host_without_address",
		.nexthop = "noaddr.test",
		.res = { SITE_RES("5.4.4", 0, "none", DNS_NF("gone.noaddr.test",
		    "A", "Host not found")) },
		.log = { "warning: sandboxed child: no MX host for noaddr.test has a valid "
		    "address record" },
	},
	{
		.name = "dns_mx_host_address_servfail",
		.nexthop = "softaddr.test",
		.res = { SITE_RES("4.4.3", 0, "none", DNS_NF(
		    "sf.softaddr.test", "A", "Host not found, try again")) },
	},
	{
		.name = "dns_mx_servfail_ignore_mx_lookup_error",
		.opts = { "ignore_mx_lookup_error=yes" },
		.nexthop = "mxfail.test",
		.srv = {{ .addr = "127.0.0.5" }},
		.recv = { PIPELINED },
		.res = { SENT(0, "mxfail.test[127.0.0.5]:25", 0) },
	},
	{
		.name = "dns_relayhost_hard_error_4_3_5",
		.opts = { "relayhost=[nx.test]" },
		.nexthop = "[nx.test]",
		.res = { SITE_RES("4.3.5", 0, "none",
		    DNS_NF("nx.test", "A", "Host not found")) },
		.log = { "warning: sandboxed child: relayhost configuration problem" },
	},
	{
		.name = "loop_best_mx_is_me",
		.repeat = 2,
		.nexthop = "self.test",
		.srv = {{ .addr = "127.0.0.9" }},
		.conns = { NOCONN },
		.res = {{ IPC_T_SITE_RESULT, 0, "5.4.6", 0, "none", "mail for "
		    "self.test loops back to myself", IPC_RF_LOOPS_BACK,
		    NULL }},
	},
	{
		.name = "loop_only_better_mx_tried_no_fallback",
		.opts = { "smtp_fallback_relay=[127.0.0.12]" },
		.nexthop = "better.test",
		.srv = {{ .addr = "127.0.0.11", .greet = "421 4.3.2 busy\r\n" },
		    { .addr = "127.0.0.9" }, { .addr = "127.0.0.12" }},
		.recv = { QUIT },
		.conns = { 1, NOCONN, NOCONN },
		.res = { SITE_RES("4.3.2", 421, "mx.better.test[127.0.0.11]:25",
		    "host mx.better.test[127.0.0.11] refused to talk to me: "
		    "421 4.3.2 busy") },
	},
	{
		.name = "loop_unable_to_find_primary_relay",
		.nexthop = "primary.test",
		.srv = {{ .addr = "127.0.0.9" }},
		.conns = { NOCONN },
		.res = { SITE_RES("4.4.4", 0, "none", "unable to find primary "
		    "relay for primary.test") },
	},
	/* Postfix smtp_helo(): a server that answers EHLO with our own
	 * $myhostname is us: 5.4.6 at the best MX (final), 4.4.6 below */
	{
		.name = "loop_ehlo_own_hostname_best_mx_5_4_6",
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3",
		    .greet = "220 client.test ESMTP\r\n",
		    .ehlo = "250-client.test\r\n250 PIPELINING\r\n" },
		    { .addr = "127.0.0.4" }},
		.recv = { EHLO_C QUIT },
		.conns = { 1, NOCONN },
		.res = { SITE_RES("5.4.6", 0, "mx-a.order.test[127.0.0.3]:25",
		    "mail for order.test loops back to myself") },
		.log = { "warning: sandboxed child: host mx-a.order.test[127.0.0.3]:25 greeted "
		    "me with my own hostname client.test",
		    "warning: sandboxed child: host mx-a.order.test[127.0.0.3]:25 replied to "
		    "HELO/EHLO with my own hostname client.test" },
	},
	{
		.name = "loop_ehlo_own_hostname_lower_mx_4_4_6",
		.nexthop = "order.test",
		.srv = {{ .addr = "127.0.0.3", .greet = "421 4.3.2 busy\r\n" },
		    { .addr = "127.0.0.4",
		    .ehlo = "250-CLIENT.TEST\r\n250 PIPELINING\r\n" }},
		.recv = { QUIT, EHLO_C QUIT },
		.res = { SITE_RES("4.4.6", 0, "mx-b.order.test[127.0.0.4]:25",
		    "mail for order.test loops back to myself") },
		.log = { "replied to HELO/EHLO with my own hostname "
		    "client.test" },
	},
	{
		.name = "loop_literal_own_address",
		.nexthop = "[127.0.0.9]",
		.srv = {{ .addr = "127.0.0.9" }},
		.conns = { NOCONN },
		.res = {{ IPC_T_SITE_RESULT, 0, "5.4.6", 0, "none", "mail for "
		    "127.0.0.9 loops back to myself", IPC_RF_LOOPS_BACK,
		    NULL }},
	},

	/*
	 * Connection reuse (child/conn_cache.c, Postfix smtp_reuse.c): a
	 * transaction on a session the job may store ends without QUIT;
	 * a later job that may load it sends a lone RSET and then MAIL on
	 * the same connection. The child's QUIT on exit ends each
	 * recording.
	 */
	{
		.name = "reuse_store_then_load",
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 3,
		/* a reused session stays cacheable without CONN_STORE */
		.job_flags = { IPC_DF_CONN_STORE,
		    IPC_DF_CONN_LOAD | IPC_DF_CONN_STORE, IPC_DF_CONN_LOAD },
		.reuse = { 0, 1, 2 },
		.recv = { REUSE_NEW REUSE_AGAIN REUSE_AGAIN QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "warning", "error" },
	},
	{
		.name = "reuse_no_flags_quit",
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 2,
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { PIPELINED PIPELINED },
		.res = { SENT(0, R2, 0) },
	},
	{
		/* CONN_STORE without smtp_connection_cache_on_demand */
		.name = "reuse_on_demand_off",
		.opts = { "smtp_connection_cache_on_demand=no" },
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { PIPELINED PIPELINED },
		.res = { SENT(0, R2, 0) },
	},
	{
		/* smtp_connection_cache_destinations: without qmgr's flags */
		.name = "reuse_cache_destinations",
		.opts = { "smtp_connection_cache_destinations=other.test "
		    "127.0.0.2" },
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 2,
		.reuse = { 0, 1 },
		.recv = { REUSE_NEW REUSE_AGAIN QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "reuse_idle_time_limit",
		.opts = { "smtp_connection_cache_time_limit=1s" },
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		/* well past the 1 s idle limit: the child closed it */
		.pause_ms = { 0, 2500 },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW QUIT REUSE_NEW QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "warning", "error" },
	},
	{
		/* the server ends the idle session: a new one, no error */
		.name = "reuse_server_closes_idle",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .close_after_dot = 1 }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.pause_ms = { 0, 300 },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW REUSE_NEW },
		.res = { SENT(0, R2, 0) },
		.nolog = { "warning", "error", "lost connection" },
	},
	{
		/* RSET probe answered 421: a new connection, no deferral */
		.name = "reuse_probe_421",
		.nexthop = NH2,
		.srv = {{ .addr = A2,
		    .rset = "421 4.3.2 Service shutting down\r\n" }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		/* the probe leads MAIL, RCPT and DATA; no content follows */
		.recv = { REUSE_NEW REUSE_PROBE REUSE_NEW QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "4.3.2", "warning", "error" },
	},
	{
		/* RSET probe met by EOF: the same */
		.name = "reuse_probe_eof",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .rset = DROP }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW REUSE_PROBE REUSE_NEW QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "lost connection", "warning", "error" },
	},
	/*
	 * CHUNKING: the probe, MAIL, RCPT, "BDAT LAST" and the chunk went
	 * out in one write (smtp_session.c, SMTP_PROBE_CONTENT_MAX). A
	 * failed probe moves the job to a new connection with nothing
	 * reported, whatever the server answered after it. This server
	 * breaks RFC 5321 (3.8: after 421 it must close): it takes the
	 * transaction after its 421, so it gets the message twice; the
	 * documented duplicate, never a loss.
	 */
	{
		.name = "reuse_probe_421_bdat",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK,
		    .rset = "421 4.3.2 Service shutting down\r\n" }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW_BDAT REUSE_AGAIN_BDAT REUSE_NEW_BDAT
		    QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "4.3.2", "warning", "error" },
	},
	{
		/* a receiver that rejects RSET (500): the same */
		.name = "reuse_probe_rset_rejected_bdat",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK,
		    .rset = "500 5.5.2 Error: command not recognized\r\n" }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW_BDAT REUSE_AGAIN_BDAT REUSE_NEW_BDAT
		    QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "5.5.2", "warning", "error" },
	},
	{
		/* the probe met by EOF: the server closed on RSET */
		.name = "reuse_probe_eof_bdat",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK, .rset = DROP }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW_BDAT REUSE_AGAIN_BDAT REUSE_NEW_BDAT
		    QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "lost connection", "warning", "error" },
	},
	{
		/* the server ended the idle session: the one write meets a
		 * closed socket (EOF or reset); a new one, no error */
		.name = "reuse_server_closes_idle_bdat",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK,
		    .close_after_dot = 1 }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.pause_ms = { 0, 300 },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW_BDAT REUSE_NEW_BDAT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "warning", "error", "lost connection" },
	},
	{
		/* a receiver that stops answering: after the LAST chunk the
		 * probe's reply is awaited for smtp_data_done_timeout, then
		 * the job moves to a new connection, nothing reported */
		.name = "reuse_probe_silent_bdat",
		.opts = { "smtp_data_done_timeout=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK, .rset = STALL }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW_BDAT REUSE_AGAIN_BDAT REUSE_NEW_BDAT
		    QUIT },
		.res = { SENT(0, R2, 0) },
		.nolog = { "warning", "error" },
	},
	/*
	 * Round trips per message, counted as the server's turns (a reply
	 * after reading from the client; the greeting is none). New
	 * session, DATA: EHLO; MAIL RCPT DATA; content "." QUIT = 3. New
	 * session, BDAT: EHLO; MAIL RCPT "BDAT LAST" content QUIT = 2.
	 * Three jobs on one kept session and the QUIT when the child
	 * exits: DATA 3 + 2 + 2 + 1 (a reused session: RSET MAIL RCPT
	 * DATA; content "."), BDAT 2 + 1 + 1 + 1 (RSET MAIL RCPT "BDAT
	 * LAST" content in one write, smtp_session.c).
	 */
	{
		.name = "rtt_new_data",
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.recv = { PIPELINED },
		.turns = 3,
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "rtt_new_bdat",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK }},
		.recv = { REUSE_NEW_BDAT QUIT },
		.turns = 2,
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "rtt_reuse_data",
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 3,
		.job_flags = { REUSE_LS, REUSE_LS, REUSE_LS },
		.reuse = { 0, 1, 2 },
		.recv = { REUSE_NEW REUSE_AGAIN REUSE_AGAIN QUIT },
		.turns = 8,
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "rtt_reuse_bdat",
		.nexthop = NH2,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK }},
		.reuse_jobs = 3,
		.job_flags = { REUSE_LS, REUSE_LS, REUSE_LS },
		.reuse = { 0, 1, 2 },
		.recv = { REUSE_NEW_BDAT REUSE_AGAIN_BDAT REUSE_AGAIN_BDAT
		    QUIT },
		.turns = 5,
		.res = { SENT(0, R2, 0) },
	},
	/*
	 * The size bound (SMTP_PROBE_CONTENT_MAX, 64 KB): 60000 bytes go
	 * out with the probe (2 + 1 + 1), 100000 bytes wait for the
	 * probe's reply (3 + 2 + 1); one chunk each. The new session's 3:
	 * the server reads the 100 KB write in two reads and answers MAIL
	 * and RCPT in between, which counts as a turn though the client
	 * did not wait for it.
	 */
	{
		.name = "rtt_reuse_bdat_60k",
		.nexthop = NH2,
		.big = 60000,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS | IPC_DF_7BIT, REUSE_LS | IPC_DF_7BIT },
		.reuse = { 0, 1 },
		.turns = 4,
		.res = { SENT(0, R2, 0) },
	},
	{
		.name = "rtt_reuse_bdat_100k",
		.nexthop = NH2,
		.big = 100000,
		.srv = {{ .addr = A2, .ehlo = EHLO_CHUNK }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS | IPC_DF_7BIT, REUSE_LS | IPC_DF_7BIT },
		.reuse = { 0, 1 },
		.turns = 6,
		.res = { SENT(0, R2, 0) },
	},
	{
		/* every RCPT refused: RSET ends it, the session stays */
		.name = "reuse_after_rcpt_rejected",
		.nexthop = NH2,
		.srv = {{ .addr = A2,
		    .rcpt = { "550 5.1.1 <bob@dst.test>: unknown\r\n" } }},
		.reuse_jobs = 2,
		.job_flags = { REUSE_LS, REUSE_LS },
		.reuse = { 0, 1 },
		.recv = { EHLO_C MAIL_C RCPT_B "DATA\r\n" "RSET\r\n"
		    "RSET\r\n" MAIL_C RCPT_B "DATA\r\n" "RSET\r\n" QUIT },
		.res = { RCPT_RES(0, "5.1.1", 550, R2, "host " H2 " said: 550 "
		    "5.1.1 <bob@dst.test>: unknown (in reply to RCPT TO "
		    "command)") },
	},
	{
		/* smtp_connection_reuse_count_limit: the last use QUITs */
		.name = "reuse_count_limit",
		.opts = { "smtp_connection_reuse_count_limit=1" },
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 3,
		.job_flags = { REUSE_LS, REUSE_LS, REUSE_LS },
		.reuse = { 0, 1, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW "RSET\r\n" MAIL_C RCPT_B "DATA\r\n" WIRE
		    ".\r\n" QUIT REUSE_NEW QUIT },
		.res = { SENT(0, R2, 0) },
	},
	{
		/* smtp_connection_reuse_time_limit: reused once more, then
		 * QUIT, as Postfix checks the age at the end of a
		 * transaction */
		.name = "reuse_time_limit",
		.opts = { "smtp_connection_reuse_time_limit=1s",
		    "smtp_connection_cache_time_limit=60s" },
		.nexthop = NH2,
		.srv = {{ .addr = A2 }},
		.reuse_jobs = 3,
		.job_flags = { REUSE_LS, REUSE_LS, REUSE_LS },
		.pause_ms = { 0, 1500, 0 },
		.reuse = { 0, 1, 0 },
		.conns = { 2 },
		.recv = { REUSE_NEW "RSET\r\n" MAIL_C RCPT_B "DATA\r\n" WIRE
		    ".\r\n" QUIT REUSE_NEW QUIT },
		.res = { SENT(0, R2, 0) },
	},
};

/*
 * The DNS zone. A name without a record of the asked type answers
 * NOERROR without records; a name not listed answers NXDOMAIN.
 */
#define T_A	1
#define T_CNAME	5
#define T_MX	15
#define T_AAAA	28
#define Z_RCODE	1000		/* answer with rcode 'val' */
#define Z_DROP	1001		/* do not answer */
#define Z_PTRLOOP 1002		/* MX whose target points at itself */
#define Z_WRONGQ 1003		/* an answer to another question */
#define Z_TC	1004		/* truncated (TC), and no TCP server */

struct zrr {
	const char *name;
	int	type;
	int	only;		/* Z_RCODE/Z_DROP: qtype, 0 = any */
	unsigned val;		/* MX preference or rcode */
	const char *data;	/* address, or MX host ("." = null MX) */
};

static const struct zrr zone[] = {
	/* MX order: listed worse first, so order is not answer order. */
	{ "order.test", T_MX, 0, 20, "mx-b.order.test" },
	{ "order.test", T_MX, 0, 10, "mx-a.order.test" },
	{ "mx-a.order.test", T_A, 0, 0, "127.0.0.3" },
	{ "mx-b.order.test", T_A, 0, 0, "127.0.0.4" },
	/* Fallback: nothing listens on 127.0.0.7. */
	{ "fb.test", T_MX, 0, 10, "mx-a.fb.test" },
	{ "fb.test", T_MX, 0, 20, "mx-b.fb.test" },
	{ "mx-a.fb.test", T_A, 0, 0, "127.0.0.7" },
	{ "mx-b.fb.test", T_A, 0, 0, "127.0.0.8" },
	{ "nomx.test", T_A, 0, 0, "127.0.0.5" },
	{ "servfail.test", Z_RCODE, 0, 2, NULL },
	{ "formerr.test", Z_RCODE, 0, 1, NULL },
	{ "notimp.test", Z_RCODE, 0, 4, NULL },
	{ "refused.test", Z_RCODE, 0, 5, NULL },
	{ "timeout.test", Z_DROP, 0, 0, NULL },
	/* Hostile answers. */
	{ "ptrloop.test", Z_PTRLOOP, 0, 0, NULL },
	{ "wrongq.test", Z_WRONGQ, 0, 0, NULL },
	{ "tc.test", Z_TC, 0, 0, NULL },
	{ "nullmx.test", T_MX, 0, 0, "." },
	{ "noaddr.test", T_MX, 0, 10, "gone.noaddr.test" },
	{ "softaddr.test", T_MX, 0, 10, "sf.softaddr.test" },
	{ "sf.softaddr.test", Z_RCODE, 0, 2, NULL },
	{ "mxfail.test", Z_RCODE, T_MX, 2, NULL },
	{ "mxfail.test", T_A, 0, 0, "127.0.0.5" },
	/* Loops: 127.0.0.9 is in proxy_interfaces. */
	{ "self.test", T_MX, 0, 10, "me.self.test" },
	{ "me.self.test", T_A, 0, 0, "127.0.0.9" },
	{ "better.test", T_MX, 0, 10, "me.better.test" },
	{ "better.test", T_MX, 0, 5, "mx.better.test" },
	{ "me.better.test", T_A, 0, 0, "127.0.0.9" },
	{ "mx.better.test", T_A, 0, 0, "127.0.0.11" },
	{ "primary.test", T_MX, 0, 5, "gone.primary.test" },
	{ "primary.test", T_MX, 0, 10, "me.primary.test" },
	{ "me.primary.test", T_A, 0, 0, "127.0.0.9" },
	/* An invalid MX host name: the answer is malformed. */
	{ "badmx.test", T_MX, 0, 10, "bad!x.badmx.test" },
	{ "v6.test", T_AAAA, 0, 0, "::1" },
	/* Equal preferences, in this answer order. */
	{ "equal.test", T_MX, 0, 10, "mx-a.equal.test" },
	{ "equal.test", T_MX, 0, 10, "mx-b.equal.test" },
	{ "mx-a.equal.test", T_A, 0, 0, "127.0.0.13" },
	{ "mx-b.equal.test", T_A, 0, 0, "127.0.0.14" },
	/* CNAMEs without the target's data: the client follows them. */
	{ "alias.test", T_CNAME, 0, 0, "nomx.test" },
	{ "loop1.test", T_CNAME, 0, 0, "loop2.test" },
	{ "loop2.test", T_CNAME, 0, 0, "loop1.test" },
};

/*
 * In a forked server: cmocka's handlers must not run there, and the
 * server must not outlive the test if the test dies.
 */
static void
default_signals(void)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGSYS,
	    SIGABRT, SIGTERM, SIGINT };
	size_t	i;

	for (i = 0; i < NELEM(sigs); i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
}

static int
tolower_ascii(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

static void
put16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

/* "a.b.c" as DNS labels at out; returns the length or 0. */
static size_t
dns_encode_name(const char *name, unsigned char *out, size_t outsz)
{
	size_t	n = 0, len;
	const char *cp = name, *dot;

	if (strcmp(name, ".") == 0) {
		out[0] = 0;
		return (1);
	}
	while (*cp) {
		dot = strchr(cp, '.');
		len = dot ? (size_t)(dot - cp) : strlen(cp);
		if (len == 0 || len > 63 || n + len + 2 > outsz)
			return (0);
		out[n++] = (unsigned char)len;
		memcpy(out + n, cp, len);
		n += len;
		cp += len + (dot != NULL);
	}
	out[n++] = 0;
	return (n);
}

/* The answer to q[qlen] into a[asz]; 0 = no answer. */
static size_t
dns_reply(const unsigned char *q, size_t qlen, unsigned char *a, size_t asz)
{
	char	name[256];
	size_t	off = 12, nl = 0, qend, n, i, len;
	unsigned qtype, rcode = 0, an = 0;
	int	known = 0;
	struct in_addr in;

	if (qlen < 12 || (q[2] & 0x80) || q[4] != 0 || q[5] != 1)
		return (0);
	while (off < qlen && q[off] != 0) {
		len = q[off];
		if (len > 63 || off + 1 + len > qlen || nl + len + 1 >=
		    sizeof(name))
			return (0);
		if (nl)
			name[nl++] = '.';
		for (i = 0; i < len; i++)
			name[nl++] = (char)tolower_ascii(q[off + 1 + i]);
		off += 1 + len;
	}
	name[nl] = '\0';
	if (off + 5 > qlen)
		return (0);
	qend = off + 5;
	qtype = (unsigned)q[off + 1] << 8 | q[off + 2];
	if (qend > asz)
		return (0);
	memcpy(a, q, qend);
	n = qend;
	for (i = 0; i < NELEM(zone); i++) {
		const struct zrr *z = &zone[i];
		unsigned char rd[300];
		size_t	rdlen;

		if (strcmp(z->name, name) != 0)
			continue;
		known = 1;
		if (z->type == Z_DROP && (!z->only || z->only == (int)qtype))
			return (0);
		if (z->type == Z_PTRLOOP && n + 16 <= asz) {
			/* owner: the question; MX 10, target: a pointer
			 * to the target itself (a compression loop) */
			a[n++] = 0xc0;
			a[n++] = 12;
			put16(a + n, T_MX);
			put16(a + n + 2, 1);
			memset(a + n + 4, 0, 4);
			a[n + 7] = 60;
			put16(a + n + 8, 4);
			put16(a + n + 10, 10);
			put16(a + n + 12, (unsigned)(0xc000 | (n + 12)));
			n += 14;
			an = 1;
			break;
		}
		if (z->type == Z_WRONGQ) {
			/* the same id, another name: c-ares must drop it */
			name[0] = name[0] == 'x' ? 'y' : 'x';
			if ((len = dns_encode_name(name, a + 12, asz - 16)) == 0)
				return (0);
			put16(a + 12 + len, qtype);
			put16(a + 14 + len, 1);
			n = 16 + len;
			break;
		}
		if (z->type == Z_TC) {
			a[2] = (unsigned char)(0x86 | (q[2] & 0x01));
			a[3] = 0x80;
			put16(a + 6, 0);
			put16(a + 8, 0);
			put16(a + 10, 0);
			return (qend);
		}
		if (z->type == Z_RCODE && (!z->only || z->only == (int)qtype)) {
			rcode = z->val;
			an = 0;
			n = qend;
			break;
		}
		if (z->type != (int)qtype && z->type != T_CNAME)
			continue;
		if (z->type == T_A) {
			if (inet_pton(AF_INET, z->data, &in) != 1)
				return (0);
			memcpy(rd, &in, 4);
			rdlen = 4;
		} else if (z->type == T_AAAA) {
			if (inet_pton(AF_INET6, z->data, rd) != 1)
				return (0);
			rdlen = 16;
		} else if (z->type == T_CNAME) {
			if ((rdlen = dns_encode_name(z->data, rd,
			    sizeof(rd))) == 0)
				return (0);
		} else {
			put16(rd, z->val);
			if ((rdlen = dns_encode_name(z->data, rd + 2,
			    sizeof(rd) - 2)) == 0)
				return (0);
			rdlen += 2;
		}
		if (n + 12 + rdlen > asz)
			return (0);
		a[n++] = 0xc0;		/* the name in the question */
		a[n++] = 12;
		put16(a + n, (unsigned)z->type);
		put16(a + n + 2, 1);		/* IN */
		memset(a + n + 4, 0, 4);
		a[n + 7] = 60;			/* TTL */
		put16(a + n + 8, (unsigned)rdlen);
		n += 10;
		memcpy(a + n, rd, rdlen);
		n += rdlen;
		an++;
	}
	if (!known)
		rcode = 3;			/* NXDOMAIN */
	/* QR AA, RD copied, RA; no OPT record: c-ares takes it as is. */
	a[2] = (unsigned char)(0x84 | (q[2] & 0x01));
	a[3] = (unsigned char)(0x80 | rcode);
	put16(a + 6, an);
	put16(a + 8, 0);
	put16(a + 10, 0);
	return (n);
}

static void __attribute__((noreturn))
dns_serve(int fd)
{
	unsigned char q[1500], a[1500];
	struct sockaddr_storage peer;
	socklen_t plen;
	ssize_t	n;
	size_t	alen;

	for (;;) {
		plen = sizeof(peer);
		n = recvfrom(fd, q, sizeof(q), 0, (struct sockaddr *)&peer,
		    &plen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			_exit(1);
		if ((alen = dns_reply(q, (size_t)n, a, sizeof(a))) > 0)
			(void)sendto(fd, a, alen, 0, (struct sockaddr *)&peer,
			    plen);
	}
}

/*
 * The scripted SMTP server.
 */
struct conn {
	const struct srv_spec *sp;
	int	fd;
	int	ctl;
	int	rec;
	char	buf[SRV_BUF];
	size_t	len;
	int	in_data;
	int	skipping;		/* in an over-long content line */
	int	stalled;
	int	released;		/* 'hold' passed */
	int	greeted;		/* EHLO/HELO answered */
	int	mail_ok;
	unsigned nrcpt;
	unsigned nrcpt_ok;
	int	pipelined;		/* lockstep violated */
	uint64_t bdat_left;		/* chunk bytes still to come */
	int	bdat_last;		/* that chunk is the LAST */
	unsigned nchunk;		/* chunks before it */
	int	heard;			/* read from the client since the
					 * last reply */
	unsigned *turns;		/* shared with the test: replies
					 * that followed a read */
};

static void
srv_record(struct conn *c, const void *p, size_t n)
{
	if (write(c->rec, p, n) != (ssize_t)n)
		_exit(100);
}

/*
 * A TLS peer that breaks the handshake (after "220" to STARTTLS): the
 * client's ClientHello is read (not recorded: binary), then garbage, a
 * record header that promises more than follows, a close, or silence.
 * Always -1: the connection ends.
 */
static int
srv_tls_hostile(struct conn *c, const char *how)
{
	static const char ready[] = "220 2.0.0 Ready to start TLS\r\n";
	/* handshake record, TLS 1.2, 0x50 bytes promised; 6 sent */
	static const unsigned char trunc[] = {
		0x16, 0x03, 0x03, 0x00, 0x50, 0x02, 0x00, 0x00, 0x4c, 0x03, 0x03
	};
	static const char garbage[] = "HTTP/1.1 400 Bad Request\r\n\r\n"
	    "\x80\x00\xff\xfe this is not TLS";
	struct pollfd p = { c->fd, POLLIN, 0 };
	char	buf[4096];

	if (send(c->fd, ready, sizeof(ready) - 1, MSG_NOSIGNAL) <= 0)
		return (-1);
	if (poll(&p, 1, 10000) <= 0 || recv(c->fd, buf, sizeof(buf), 0) <= 0)
		return (-1);
	if (strcmp(how, TLS_GARBAGE) == 0)
		(void)send(c->fd, garbage, sizeof(garbage) - 1, MSG_NOSIGNAL);
	else if (strcmp(how, TLS_TRUNC) == 0)
		(void)send(c->fd, trunc, sizeof(trunc), MSG_NOSIGNAL);
	else if (strcmp(how, TLS_STALL) == 0)
		while (recv(c->fd, buf, sizeof(buf), 0) > 0)
			;
	if (strcmp(how, TLS_CLOSE) != 0)
		while (poll(&p, 1, 5000) > 0 &&
		    recv(c->fd, buf, sizeof(buf), 0) > 0)
			;
	return (-1);
}

/* Send a reply or act on STALL/DROP; -1 means close now. */
static int
srv_say(struct conn *c, const char *text)
{
	size_t	len;
	ssize_t	n;

	if (strcmp(text, STALL) == 0) {
		c->stalled = 1;
		return (0);
	}
	if (strcmp(text, DROP) == 0)
		return (-1);
	/* A round trip: the client sent, then waited for this reply. */
	if (c->heard) {
		c->heard = 0;
		if (c->turns != NULL)
			(*c->turns)++;
	}
	if (strncmp(text, TRICKLE, strlen(TRICKLE)) == 0) {
		/* A server that answers one byte at a time, slower than
		 * the stage's deadline allows: the deadline fires. */
		const struct timespec gap = { 0, 200 * 1000 * 1000 };

		for (text += strlen(TRICKLE); *text != '\0'; text++) {
			if (send(c->fd, text, 1, MSG_NOSIGNAL) != 1)
				return (-1);
			nanosleep(&gap, NULL);
		}
		return (0);
	}
	if (strncmp(text, "!tls-", 5) == 0)
		return (srv_tls_hostile(c, text));
	if (strcmp(text, FLOOD) == 0) {
		/* A reply that never ends: only the deadline stops it. */
		while (send(c->fd, "220-flood\r\n", 11, MSG_NOSIGNAL) == 11)
			;
		return (-1);
	}
	for (len = strlen(text); len > 0; len -= (size_t)n, text += n)
		if ((n = send(c->fd, text, len, MSG_NOSIGNAL)) <= 0)
			return (-1);
	return (0);
}

static int
srv_verb(const char *line, size_t len, const char *verb)
{
	return (len >= 4 && strncasecmp(line, verb, 4) == 0);
}

/* Read what is there within ms milliseconds; 0, or -1 at EOF/error. */
static int
srv_fill(struct conn *c, int ms)
{
	struct pollfd p[2];
	char	tmp[65536];
	ssize_t	n;

	p[0].fd = c->fd;
	p[0].events = POLLIN;
	p[1].fd = c->ctl;
	p[1].events = POLLIN;
	if (poll(p, 2, ms) <= 0)
		return (0);
	if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
		return (p[1].revents ? -1 : 0);	/* the test is over */
	if ((n = read(c->fd, tmp, sizeof(tmp))) <= 0)
		return (-1);
	c->heard = 1;
	srv_record(c, tmp, (size_t)n);
	if (c->stalled)
		return (0);
	if ((size_t)n > sizeof(c->buf) - c->len) {
		/* Only content lines get this long: keep the tail. */
		c->skipping = 1;
		c->len = 0;
		n = n > (ssize_t)sizeof(c->buf) ? (ssize_t)sizeof(c->buf) : n;
	}
	memcpy(c->buf + c->len, tmp, (size_t)n);
	c->len += (size_t)n;
	return (0);
}

/* Does the buffer hold a line, after the first, that starts with verb? */
static int
srv_has_line(const struct conn *c, const char *verb)
{
	const char *p = c->buf, *end = c->buf + c->len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (srv_verb(p, (size_t)(nl - p), verb))
			return (1);
		p = nl + 1;
	}
	return (0);
}

/* The reply to one command line; NULL = none (hold). */
static const char *
srv_answer(struct conn *c, const char *line, size_t len)
{
	const struct srv_spec *sp = c->sp;
	const char *r;

	if (srv_verb(line, len, "EHLO")) {
		c->greeted = 1;
		return (sp->ehlo ? sp->ehlo : EHLO_PIPE);
	}
	if (srv_verb(line, len, "HELO")) {
		c->greeted = 1;
		return (sp->helo ? sp->helo : "250 srv.test\r\n");
	}
	if (srv_verb(line, len, "MAIL")) {
		r = sp->mail ? sp->mail : "250 2.1.0 Ok\r\n";
		c->mail_ok = r[0] == '2';
		return (r);
	}
	if (srv_verb(line, len, "RCPT")) {
		r = c->nrcpt < MAX_RCPT ? sp->rcpt[c->nrcpt] : NULL;
		c->nrcpt++;
		if (r == NULL)
			r = c->mail_ok ? "250 2.1.5 Ok\r\n" :
			    "503 5.5.1 Error: need MAIL command\r\n";
		if (r[0] == '2')
			c->nrcpt_ok++;
		return (r);
	}
	if (srv_verb(line, len, "DATA")) {
		r = sp->data ? sp->data : c->nrcpt_ok ?
		    "354 End data with <CR><LF>.<CR><LF>\r\n" :
		    "554 5.5.1 Error: no valid recipients\r\n";
		/* The last line decides: "what?\r\n354 go" opens DATA. */
		if (strstr(r, "354 ") != NULL)
			c->in_data = 1;
		return (r);
	}
	if (srv_verb(line, len, "RSET")) {
		c->mail_ok = 0;
		c->nrcpt = c->nrcpt_ok = 0;
		return (sp->rset ? sp->rset : "250 2.0.0 Ok\r\n");
	}
	if (srv_verb(line, len, "QUIT"))
		return (sp->quit ? sp->quit : "221 2.0.0 Bye\r\n");
	if (srv_verb(line, len, "STARTTLS") && sp->starttls != NULL)
		return (sp->starttls);
	if (srv_verb(line, len, "BDAT")) {
		/* The reply waits for the chunk (srv_chunk). */
		c->bdat_left = strtoull(line + 4, NULL, 10);
		c->bdat_last = memmem(line, len, " LAST", 5) != NULL;
		return (NULL);
	}
	return ("502 5.5.2 Error: command not recognized\r\n");
}

/* After 354: the ending the script asks for. 1 = go on, -1 = close. */
static int
srv_after_data(struct conn *c)
{
	struct pollfd p;

	switch (c->sp->after_data) {
	case AD_REJECT:
		(void)srv_say(c, c->sp->dot);
		return (-1);
	case AD_DROP:
		return (-1);
	case AD_NOREAD:
		/* Read nothing more: wait until the test is over. */
		p.fd = c->ctl;
		p.events = POLLIN;
		while (poll(&p, 1, -1) < 0 && errno == EINTR)
			;
		return (-1);
	default:
		return (1);
	}
}

/* Take BDAT chunk bytes from the buffer; answer a complete chunk. */
static int
srv_chunk(struct conn *c)
{
	const char *r;
	size_t	n = c->len < c->bdat_left ? c->len : (size_t)c->bdat_left;

	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
	c->bdat_left -= n;
	if (c->bdat_left > 0)
		return (0);
	if (c->bdat_last) {
		c->nchunk = 0;
		r = c->sp->dot ? c->sp->dot : QUEUED "\r\n";
		if (c->sp->close_after_dot) {
			(void)srv_say(c, r);
			return (-1);
		}
	} else {
		r = c->nchunk < MAX_CHUNK ? c->sp->chunk[c->nchunk] : NULL;
		c->nchunk++;
		if (r == NULL)
			r = "250 2.0.0 Ok: chunk\r\n";
	}
	return (srv_say(c, r));
}

/* Handle the complete lines in the buffer. 0 = need more, -1 = close. */
static int
srv_lines(struct conn *c)
{
	char   *nl;
	size_t	ll;
	const char *r;
	int	quit;

	for (;;) {
		if (c->stalled)
			break;
		if (c->bdat_left > 0) {
			if (c->len == 0)
				break;
			if (srv_chunk(c) < 0)
				return (-1);
			continue;
		}
		if ((nl = memchr(c->buf, '\n', c->len)) == NULL)
			break;
		ll = (size_t)(nl - c->buf) + 1;
		if (c->in_data) {
			if (!c->skipping && ll == 3 &&
			    memcmp(c->buf, ".\r\n", 3) == 0) {
				c->in_data = 0;
				if (c->sp->lockstep && c->len > ll)
					c->pipelined = 1;
				if (c->sp->lockstep && c->len == ll &&
				    srv_fill(c, 50) < 0)
					return (-1);
				if (c->sp->lockstep && c->len > ll)
					c->pipelined = 1;
				if (srv_say(c, c->sp->dot ? c->sp->dot :
				    QUEUED "\r\n") < 0)
					return (-1);
				if (c->sp->close_after_dot)
					return (-1);
			}
			c->skipping = 0;
			memmove(c->buf, c->buf + ll, c->len - ll);
			c->len -= ll;
			continue;
		}
		if (c->sp->hold && c->greeted && !c->released) {
			if (!srv_has_line(c, "DATA") &&
			    !srv_has_line(c, "QUIT") &&
			    !srv_has_line(c, "RSET"))
				return (0);
			c->released = 1;
		}
		r = srv_answer(c, c->buf, ll);
		quit = srv_verb(c->buf, ll, "QUIT");
		memmove(c->buf, c->buf + ll, c->len - ll);
		c->len -= ll;
		if (c->sp->lockstep) {
			/* Anything more before we answered? */
			if (srv_fill(c, 50) < 0)
				return (-1);
			if (c->len > 0)
				c->pipelined = 1;
		}
		if (r == NULL) {
			/* BDAT: the chunk, then the reply (BDAT 0: now). */
			if (c->bdat_left == 0 && srv_chunk(c) < 0)
				return (-1);
			continue;
		}
		if (srv_say(c, r) < 0)
			return (-1);
		if (c->in_data && !c->stalled && srv_after_data(c) < 0)
			return (-1);
		if (quit && !c->stalled)
			return (-1);
	}
	return (0);
}

static void
srv_conn(const struct srv_spec *sp, int fd, int ctl, int rec,
    unsigned *turns)
{
	static struct conn c;
	const char *greet = sp->greet ? sp->greet : "220 srv.test ESMTP\r\n";

	memset(&c, 0, sizeof(c));
	c.sp = sp;
	c.fd = fd;
	c.ctl = ctl;
	c.rec = rec;
	c.turns = turns;
	if (srv_say(&c, greet) < 0)
		return;
	for (;;) {
		if (srv_lines(&c) < 0)
			break;
		if (srv_fill(&c, -1) < 0)
			break;
	}
	if (c.pipelined)
		srv_record(&c, "<<pipelined>>", 13);
}

static void __attribute__((noreturn))
srv_main(const struct srv_spec *sp, int lfd, int ctl, int rec,
    unsigned *turns)
{
	struct pollfd p[2];
	int	fd, nconn = 0;

	default_signals();
	for (;;) {
		p[0].fd = lfd;
		p[0].events = POLLIN;
		p[1].fd = ctl;
		p[1].events = POLLIN;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(100);
		}
		if (p[0].revents & POLLIN) {
			if ((fd = accept(lfd, NULL, NULL)) < 0)
				_exit(100);
			nconn++;
			srv_conn(sp, fd, ctl, rec, turns);
			close(fd);
			continue;
		}
		if (p[1].revents)
			_exit(nconn > 99 ? 99 : nconn);
	}
}

struct srv_run {
	pid_t	pid;			/* 0: syn_drop, no process */
	int	ctl;			/* write end; close = stop */
	int	rec;			/* memfd: what it received */
	int	lfd;			/* syn_drop: the full listener */
	int	fill[2];		/* syn_drop: queue fillers */
	unsigned *turns;		/* shared page: the server's turns */
};

/* Fill the accept queue of a backlog-0 listener: later SYNs are dropped. */
static void
srv_fill_queue(struct srv_run *run, const struct sockaddr *sa,
    socklen_t salen)
{
	int	i;

	for (i = 0; i < 2; i++) {
		run->fill[i] = socket(sa->sa_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		assert_true(run->fill[i] >= 0);
		if (connect(run->fill[i], sa, salen) < 0 &&
		    errno != EINPROGRESS)
			fail_msg("filler connect: %s", strerror(errno));
	}
	run->pid = 0;
	run->ctl = -1;
}

/* Start server i; the servers before it are runs[0..i-1]. */
static void
srv_start(const struct srv_spec *sp, struct srv_run *runs, int i)
{
	struct srv_run *run = &runs[i];
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t salen;
	int	lfd, one = 1, small = 2048, pfd[2];

	memset(&ss, 0, sizeof(ss));
	if (strchr(sp->addr, ':') != NULL) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(25);
		assert_int_equal(inet_pton(AF_INET6, sp->addr,
		    &sin6->sin6_addr), 1);
		salen = sizeof(*sin6);
	} else {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(25);
		assert_int_equal(inet_pton(AF_INET, sp->addr, &sin->sin_addr),
		    1);
		salen = sizeof(*sin);
	}
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(lfd >= 0);
	assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), 0);
	if (sp->small_rcvbuf)
		assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &small,
		    sizeof(small)), 0);
	if (bind(lfd, (struct sockaddr *)&ss, salen) < 0)
		fail_msg("bind %s:25: %s", sp->addr, strerror(errno));
	assert_int_equal(listen(lfd, sp->syn_drop ? 0 : 16), 0);
	run->rec = memfd_create("srv-rec", MFD_CLOEXEC);
	assert_true(run->rec >= 0);
	run->turns = mmap(NULL, sizeof(*run->turns), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(run->turns != MAP_FAILED);
	*run->turns = 0;
	run->lfd = -1;
	if (sp->syn_drop) {
		run->lfd = lfd;
		srv_fill_queue(run, (struct sockaddr *)&ss, salen);
		return;
	}
	assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
	run->pid = fork();
	assert_true(run->pid >= 0);
	if (run->pid == 0) {
		/* Only the test may hold the write end of a server's pipe. */
		close(pfd[1]);
		while (i-- > 0) {
			if (runs[i].pid == 0) {
				close(runs[i].lfd);
				close(runs[i].fill[0]);
				close(runs[i].fill[1]);
			} else {
				close(runs[i].ctl);
			}
			close(runs[i].rec);
		}
		srv_main(sp, lfd, pfd[0], run->rec, run->turns);
	}
	close(lfd);
	close(pfd[0]);
	run->ctl = pfd[1];
}

/* End the server; its exit status is the number of connections. */
static int
srv_stop(struct srv_run *run)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int	i, st = 0;

	if (run->pid == 0) {
		close(run->fill[0]);
		close(run->fill[1]);
		close(run->lfd);
		return (0);
	}
	close(run->ctl);
	for (i = 0; i < REAP_LIMIT_S * 100; i++) {
		if (waitpid(run->pid, &st, WNOHANG) == run->pid)
			break;
		nanosleep(&ts, NULL);
	}
	if (i == REAP_LIMIT_S * 100) {
		kill(run->pid, SIGKILL);
		waitpid(run->pid, &st, 0);
		return (-1);
	}
	return (WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

static char *
srv_recording(int rec, size_t *lenp)
{
	struct stat sb;
	char   *p;

	assert_int_equal(fstat(rec, &sb), 0);
	p = malloc((size_t)sb.st_size + 1);
	assert_non_null(p);
	assert_int_equal(pread(rec, p, (size_t)sb.st_size, 0), sb.st_size);
	p[sb.st_size] = '\0';
	*lenp = (size_t)sb.st_size;
	return (p);
}

/*
 * The parent's side.
 */
static void
cap_sink(enum msg_level lvl, const char *text, void *ctx)
{
	int	n;

	(void)ctx;
	if (logcap.len >= sizeof(logcap.buf) - 1)
		return;
	n = snprintf(logcap.buf + logcap.len, sizeof(logcap.buf) - logcap.len,
	    "%s%s\n", msg_level_prefix(lvl), text);
	if (n > 0)
		logcap.len += (size_t)n < sizeof(logcap.buf) - logcap.len ?
		    (size_t)n : sizeof(logcap.buf) - logcap.len - 1;
}

static int
content_memfd(const char *text, size_t len)
{
	size_t	off = 0;
	ssize_t	n;
	int	fd;

	fd = memfd_create("content", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	assert_true(fd >= 0);
	while (off < len) {
		n = write(fd, text + off, len - off);
		assert_true(n > 0);
		off += (size_t)n;
	}
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_WRITE | F_SEAL_SEAL), 0);
	return (fd);
}

static char *
big_content(size_t size)
{
	char   *p = malloc(size);
	size_t	i;

	assert_non_null(p);
	for (i = 0; i < size; i++)
		p[i] = (i % 77 == 76) ? '\n' : (char)('a' + i % 26);
	return (p);
}

/* Print a byte string with escapes, for failure messages. */
static void
show(const char *label, const char *p, size_t len)
{
	size_t	i;

	print_message("%s (%zu bytes): \"", label, len);
	for (i = 0; i < len && i < 4096; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\r')
			print_message("\\r");
		else if (c == '\n')
			print_message("\\n\"\n  \"");
		else if (c < 0x20 || c > 0x7e)
			print_message("\\x%02x", c);
		else
			print_message("%c", c);
	}
	print_message("%s\"\n", i < len ? "..." : "");
}

struct outcome {
	struct ipc_result res[MANY_RCPT + MAX_RES];
	enum ipc_type type[MANY_RCPT + MAX_RES];
	int	nres;
	int	done;
	struct ipc_done stats;
	int	ntranscript;		/* TRANSCRIPT messages */
	struct ipc_transcript transcript;	/* the last one */
	int	sasl_exists;		/* SASL_REQ of kind ASK_EXISTS */
};

/* "-o" values; "@DIR@" stands for the world's config directory. */
static void
load_config(const struct scenario *sc, struct sj_config *cfg)
{
	static char opt[MAX_OPTS][256];
	const char *argv[4 + 2 * MAX_OPTS + 1], *at;
	char	why[512] = "";
	int	argc = 0, i;

	argv[argc++] = "smtpjail";
	argv[argc++] = "-t";
	argv[argc++] = "unix";
	for (i = 0; i < MAX_OPTS && sc->opts[i] != NULL; i++) {
		if ((at = strstr(sc->opts[i], "@DIR@")) != NULL)
			snprintf(opt[i], sizeof(opt[i]), "%.*s%s%s",
			    (int)(at - sc->opts[i]), sc->opts[i], world.dir,
			    at + 5);
		else
			snprintf(opt[i], sizeof(opt[i]), "%s", sc->opts[i]);
		argv[argc++] = "-o";
		argv[argc++] = opt[i];
	}
	argv[argc] = NULL;
	memset(cfg, 0, sizeof(*cfg));
	if (sj_config_load(cfg, argc, (char **)argv, why, sizeof(why)) < 0)
		fail_msg("sj_config_load: %s", why);
	/* smtp_*_checks, as parent/main.c reads them at start. */
	if (checks_load(cfg, why, sizeof(why)) < 0)
		fail_msg("checks_load: %s", why);
}

/* DNS UDP sockets requested since the scenario began (run_job()). */
static unsigned dns_udp_connects;

/* Play the parent for one job on the running child. */
static void
run_job(const struct scenario *sc, struct child_ctl *cc, struct outcome *out)
{
	static const struct rcpt_spec bob = { "bob@dst.test", NULL, 0 };
	struct ipc_msg m;
	char	why[1024] = "", *big = NULL;
	const char *content = sc->content ? sc->content : CONTENT;
	size_t	clen, nrcpt, i;
	int	memfd, err;

	if (sc->big) {
		big = big_content(sc->big);
		content = big;
		clen = sc->big;
	} else {
		clen = strlen(content);
	}
	for (nrcpt = 0; nrcpt < MAX_RCPT && sc->rcpt[nrcpt].addr; nrcpt++)
		;
	if (sc->many)
		nrcpt = sc->many;
	memfd = content_memfd(content, clen);
	free(big);

	memset(&m, 0, sizeof(m));
	m.type = IPC_T_DELIVER;
	m.fd = memfd;
	m.u.deliver.job_id = 7;
	m.u.deliver.rcpt_count = nrcpt ? (uint32_t)nrcpt : 1;
	m.u.deliver.flags = sc->dflags;
	m.u.deliver.smtputf8 = sc->smtputf8;
	m.u.deliver.ret_flags = sc->ret;
	m.u.deliver.content_size = clen;
	m.u.deliver.data_size = clen;
	m.u.deliver.content_fd = memfd;
	snprintf(m.u.deliver.nexthop, sizeof(m.u.deliver.nexthop), "%s",
	    sc->nexthop);
	snprintf(m.u.deliver.sender, sizeof(m.u.deliver.sender), "%s",
	    sc->sender ? sc->sender : "alice@src.test");
	snprintf(m.u.deliver.envid, sizeof(m.u.deliver.envid), "%s",
	    sc->envid ? sc->envid : "");
	snprintf(m.u.deliver.queue_id, sizeof(m.u.deliver.queue_id), "QID1");
	/* The parent's side of the egress broker, as parent/deliver_child.c. */
	broker_job_begin(7, m.u.deliver.nexthop);
	if (child_ctl_send(cc, &m, why, sizeof(why)) < 0)
		fail_msg("DELIVER: %s", why);
	close(memfd);
	for (i = 0; i < (nrcpt ? nrcpt : 1); i++) {
		const struct rcpt_spec *r = sc->many ? &bob : nrcpt ?
		    &sc->rcpt[i] : &bob;

		memset(&m, 0, sizeof(m));
		m.type = IPC_T_RCPT;
		m.fd = -1;
		m.u.rcpt.job_id = 7;
		m.u.rcpt.index = (uint32_t)i;
		m.u.rcpt.notify_flags = r->notify;
		if (sc->many)
			snprintf(m.u.rcpt.address, sizeof(m.u.rcpt.address),
			    "r%03zu@dst.test", i);
		else
			snprintf(m.u.rcpt.address, sizeof(m.u.rcpt.address),
			    "%s", r->addr);
		snprintf(m.u.rcpt.orcpt, sizeof(m.u.rcpt.orcpt), "%s",
		    r->orcpt ? r->orcpt : "");
		if (child_ctl_send(cc, &m, why, sizeof(why)) < 0)
			fail_msg("RCPT: %s", why);
	}

	memset(out, 0, sizeof(*out));
	cc->log_count = 0;
	if (sc->abort_ms > 0) {
		struct pollfd p = { cc->ipc_fd, POLLIN, 0 };
		struct timespec t0, t1;
		long	left = sc->abort_ms;

		/* A message before the ABORT other than a request for a
		 * socket would be a result: none due. */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		while (left > 0 && poll(&p, 1, (int)left) > 0) {
			err = child_ctl_recv(cc, &m, RECV_LIMIT_MS, why,
			    sizeof(why));
			if (err < 0 || m.type != IPC_T_CONNECT)
				fail_msg("child spoke before the ABORT");
			if (broker_serve(cc->ipc_fd, &m, "QID1", why,
			    sizeof(why)) < 0)
				fail_msg("broker: %s", why);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			left = sc->abort_ms - ((t1.tv_sec - t0.tv_sec) * 1000 +
			    (t1.tv_nsec - t0.tv_nsec) / 1000000);
		}
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_ABORT;
		m.fd = -1;
		m.u.abort.job_id = 7;
		if (child_ctl_send(cc, &m, why, sizeof(why)) < 0)
			fail_msg("ABORT: %s", why);
	}
	while (!out->done) {
		err = child_ctl_recv(cc, &m, RECV_LIMIT_MS, why, sizeof(why));
		if (err < 0)
			fail_msg("child_ctl_recv: %s", why);
		switch (m.type) {
		case IPC_T_RCPT_RESULT:
		case IPC_T_SITE_RESULT:
			if (m.u.result.job_id != 7)
				fail_msg("result for job %u",
				    m.u.result.job_id);
			if (out->nres >= (int)NELEM(out->res))
				fail_msg("too many results");
			out->type[out->nres] = m.type;
			out->res[out->nres++] = m.u.result;
			break;
		case IPC_T_TRANSCRIPT:
			if (m.u.transcript.job_id != 7)
				fail_msg("TRANSCRIPT for job %u",
				    m.u.transcript.job_id);
			out->ntranscript++;
			out->transcript = m.u.transcript;
			break;
		case IPC_T_TLS_INFO: {
			/* As deliver_child.c: formatted, every line on. */
			static const struct sj_tls_config all = {
				.log_mask = ~0U, .note_starttls_offer = 1 };

			if (m.u.tls_info.job_id != 7)
				fail_msg("TLS_INFO for job %u",
				    m.u.tls_info.job_id);
			(void)tls_log_info(&all, &m.u.tls_info);
			break;
		}
		case IPC_T_CONNECT:
			if (m.u.connect.purpose == IPC_CONN_DNS_UDP)
				dns_udp_connects++;
			if (broker_serve(cc->ipc_fd, &m, "QID1", why,
			    sizeof(why)) < 0)
				fail_msg("broker: %s", why);
			break;
		case IPC_T_SASL_REQ: {
			/* The status of the scenario, never a credential. */
			struct ipc_msg a;

			if (m.u.sasl_req.job_id != 7)
				fail_msg("SASL_REQ for job %u",
				    m.u.sasl_req.job_id);
			out->sasl_exists += m.u.sasl_req.kind ==
			    IPC_SASL_ASK_EXISTS;
			memset(&a, 0, sizeof(a));
			a.type = IPC_T_SASL_CRED;
			a.fd = -1;
			a.u.sasl_cred.job_id = 7;
			a.u.sasl_cred.status = sc->sasl_status;
			if (child_ctl_send(cc, &a, why, sizeof(why)) < 0)
				fail_msg("SASL_CRED: %s", why);
			break;
		}
		case IPC_T_CHECK_LOG:
			/* As deliver_child.c: formatted by the parent. */
			if (checks_log(cc, &m.u.check_log, 7,
			    IPC_CHK_CLASSES_ALL, "QID1", why, sizeof(why)) < 0)
				fail_msg("CHECK_LOG: %s", why);
			break;
		case IPC_T_DONE:
			if (m.u.done.job_id != 7)
				fail_msg("DONE for job %u", m.u.done.job_id);
			out->done = 1;
			out->stats = m.u.done;
			break;
		default:
			fail_msg("unexpected %s", ipc_msg_name(m.type));
		}
	}
}

static void
child_start(const struct sj_config *cfg, struct child_ctl *cc)
{
	char	why[1024] = "";

	if (broker_init(cfg, why, sizeof(why)) < 0)
		fail_msg("broker_init: %s", why);
	if (child_ctl_spawn(cc, cfg, why, sizeof(why)) < 0)
		fail_msg("child_ctl_spawn: %s", why);
	if (child_ctl_start(cc, cfg, why, sizeof(why)) < 0) {
		child_ctl_stop(cc, why, sizeof(why));
		fail_msg("child_ctl_start: %s", why);
	}
}

static void
child_end(struct child_ctl *cc)
{
	char	why[1024] = "";

	child_ctl_stop(cc, why, sizeof(why));
	/* The child exits on EOF from the parent, as in production. */
	if (!WIFEXITED(cc->wstatus) || WEXITSTATUS(cc->wstatus) != 0)
		fail_msg("child did not end cleanly: %s", why);
}


static void
show_results(const struct outcome *out)
{
	int	i;

	for (i = 0; i < out->nres; i++)
		print_message("  got %s index %u status %s code %u relay %s "
		    "flags %u\n    reason \"%s\"\n    diag \"%s\"\n",
		    ipc_msg_name(out->type[i]), out->res[i].index,
		    out->res[i].status, out->res[i].diag_code,
		    out->res[i].relay, out->res[i].flags, out->res[i].reason,
		    out->res[i].diag_text);
}

/* The time stamps the parent needs for delays=, when mail went out. */
static int
check_stats(const struct scenario *sc, const struct outcome *out)
{
	const struct ipc_done *d = &out->stats;
	int	i;

	for (i = 0; i < out->nres; i++)
		if (out->res[i].status[0] == '2')
			break;
	if (i == out->nres)
		return (0);
	if (d->conn_setup_done_sec == 0 || d->deliver_done_sec == 0 ||
	    d->deliver_done_sec < d->conn_setup_done_sec ||
	    (d->deliver_done_sec == d->conn_setup_done_sec &&
	    d->deliver_done_usec < d->conn_setup_done_usec) ||
	    d->conn_setup_done_usec >= 1000000 ||
	    d->deliver_done_usec >= 1000000) {
		print_message("%s: DONE times %llu.%06u and %llu.%06u\n",
		    sc->name, (unsigned long long)d->conn_setup_done_sec,
		    d->conn_setup_done_usec,
		    (unsigned long long)d->deliver_done_sec,
		    d->deliver_done_usec);
		return (1);
	}
	return (0);
}

/* 'many' scenarios: every recipient sent, in order, by srv[0]. */
static int
check_many(const struct scenario *sc, const struct outcome *out)
{
	const struct ipc_result *r;
	int	i;

	if (out->nres != (int)sc->many) {
		print_message("%s: %d results, expected %u\n", sc->name,
		    out->nres, sc->many);
		return (1);
	}
	for (i = 0; i < out->nres; i++) {
		r = &out->res[i];
		if (out->type[i] != IPC_T_RCPT_RESULT ||
		    r->index != (unsigned)i ||
		    strcmp(r->status, "2.0.0") != 0 || r->diag_code != 250 ||
		    strcmp(r->relay, R2) != 0 || strcmp(r->reason, QUEUED)) {
			print_message("%s: result %d: %s index %u %s %s\n",
			    sc->name, i, ipc_msg_name(out->type[i]), r->index,
			    r->status, r->reason);
			return (1);
		}
	}
	return (0);
}

/* What srv[0] must receive in a 'many' scenario; caller frees. */
static char *
many_recv(unsigned n)
{
	size_t	sz = 256 + (size_t)n * 32, len;
	char   *p = malloc(sz);
	unsigned i;

	assert_non_null(p);
	len = (size_t)snprintf(p, sz, "%s%s", EHLO_C, MAIL_C);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(p + len, sz - len,
		    "RCPT TO:<r%03u@dst.test>\r\n", i);
	snprintf(p + len, sz - len, "DATA\r\n" WIRE ".\r\n" QUIT);
	return (p);
}

/*
 * What srv[0] must receive in a 'bdat' scenario: the content of
 * big_content() with CR LF in 131072-byte chunks; caller frees.
 */
static char *
bdat_recv(const struct scenario *sc)
{
	const char *content = big_content(sc->big);
	size_t	wlen = 0, cap = sc->big * 2 + 4096, len, i, n, off = 0;
	char   *wire = malloc(cap), *p = malloc(cap);
	unsigned k = 0;

	assert_non_null(wire);
	assert_non_null(p);
	for (i = 0; i < sc->big; i++) {
		if (content[i] == '\n')
			wire[wlen++] = '\r';
		wire[wlen++] = content[i];
	}
	if (sc->big > 0 && content[sc->big - 1] != '\n') {
		wire[wlen++] = '\r';
		wire[wlen++] = '\n';
	}
	free((void *)content);
	len = (size_t)snprintf(p, cap, "%s%s%s", EHLO_C, MAIL_C, RCPT_B);
	do {
		n = wlen - off > 131072 ? 131072 : wlen - off;
		if (sc->bdat_stop && k == sc->bdat_stop)
			break;
		len += (size_t)snprintf(p + len, cap - len, "BDAT %zu%s\r\n",
		    n, n == wlen - off ? " LAST" : "");
		memcpy(p + len, wire + off, n);
		len += n;
		off += n;
		k++;
	} while (off < wlen);
	snprintf(p + len, cap - len, "%s", sc->bdat_stop ? "RSET\r\n" QUIT :
	    QUIT);
	free(wire);
	return (p);
}

/* The postmaster transcript of the job, as the scenario says. */
static int
check_transcript(const struct scenario *sc, const struct outcome *out)
{
	const struct ipc_transcript *t = &out->transcript;

	if (sc->tc == 0)
		return (0);
	if (sc->tc == TC_NONE && out->ntranscript == 0)
		return (0);
	if (sc->tc != TC_NONE && out->ntranscript == 1 &&
	    t->classes == (uint32_t)sc->tc &&
	    (sc->tc_text == NULL || strstr(t->text, sc->tc_text) != NULL))
		return (0);
	print_message("%s: %d TRANSCRIPT messages, expected %s; last: "
	    "classes %u peer %s\n%s\n", sc->name, out->ntranscript,
	    sc->tc == TC_NONE ? "none" : "one", t->classes, t->peer,
	    out->ntranscript ? t->text : "");
	return (1);
}

/* As many "is there a SASL credential?" questions as the scenario says. */
static int
check_sasl(const struct scenario *sc, const struct outcome *out)
{
	if (out->sasl_exists == sc->sasl_exists)
		return (0);
	print_message("%s: %d SASL_REQ (exists), expected %d\n", sc->name,
	    out->sasl_exists, sc->sasl_exists);
	return (1);
}

static int
check_results(const struct scenario *sc, const struct outcome *out)
{
	const struct exp_res *e;
	const struct ipc_result *r;
	int	i, nexp, bad = 0;

	if (sc->many)
		return (check_many(sc, out));
	for (nexp = 0; nexp < MAX_RES && sc->res[nexp].type != 0; nexp++)
		;
	if (nexp != out->nres) {
		print_message("%s: %d results, expected %d\n", sc->name,
		    out->nres, nexp);
		bad = 1;
	}
	for (i = 0; i < nexp && i < out->nres; i++) {
		e = &sc->res[i];
		r = &out->res[i];
		if (e->type != out->type[i] || e->index != r->index ||
		    strcmp(e->status, r->status) != 0 ||
		    e->code != r->diag_code || strcmp(e->relay, r->relay) ||
		    (e->reason && strcmp(e->reason, r->reason) != 0) ||
		    e->flags != r->flags ||
		    (e->diag && strcmp(e->diag, r->diag_text) != 0)) {
			print_message("%s: result %d differs; expected %s "
			    "index %u status %s code %u relay %s flags %u\n"
			    "    reason \"%s\"\n", sc->name, i,
			    ipc_msg_name(e->type), e->index, e->status,
			    e->code, e->relay, e->flags,
			    e->reason ? e->reason : "(any)");
			bad = 1;
		}
	}
	if (bad)
		show_results(out);
	return (bad);
}

/* equal_pref: one sent result from srv[0] or srv[1]; count which. */
static int
count_equal(const struct scenario *sc, const struct outcome *out,
    int used[2])
{
	char	relay[2][64];
	int	i;

	for (i = 0; i < 2; i++)
		snprintf(relay[i], sizeof(relay[i]), "mx-%c.equal.test[%s]:25",
		    'a' + i, sc->srv[i].addr);
	for (i = 0; i < 2; i++) {
		if (out->nres == 1 && out->type[0] == IPC_T_RCPT_RESULT &&
		    strcmp(out->res[0].status, "2.0.0") == 0 &&
		    strcmp(out->res[0].relay, relay[i]) == 0) {
			used[i]++;
			return (0);
		}
	}
	print_message("%s: not sent by either MX host\n", sc->name);
	show_results(out);
	return (1);
}

/* What server i must have received over all jobs; caller frees. */
static char *
want_recv_of(const struct scenario *sc, int i, int jobs)
{
	const char *one;
	char   *p, *all;
	size_t	len;
	int	j;

	p = sc->many && i == 0 ? many_recv(sc->many) :
	    sc->bdat && i == 0 ? bdat_recv(sc) : NULL;
	one = p ? p : sc->recv[i];
	if (one == NULL)
		return (NULL);
	len = strlen(one);
	all = malloc(len * (size_t)jobs + 1);
	assert_non_null(all);
	for (j = 0; j < jobs; j++)
		memcpy(all + len * (size_t)j, one, len);
	all[len * (size_t)jobs] = '\0';
	free(p);
	return (all);
}

/*
 * What a scenario has running, so that the teardown can end it when an
 * assertion failed half-way (the next scenario needs the ports).
 */
static struct current {
	struct srv_run runs[MAX_SRV];
	int	stopped[MAX_SRV];
	int	nsrv;			/* servers started */
	struct child_ctl cc;
	int	child_live;
	struct sj_config cfg;
	int	cfg_loaded;
} cur;

static int
scenario_teardown(void **state)
{
	char	why[1024];
	int	i;

	(void)state;
	if (cur.child_live)
		child_ctl_stop(&cur.cc, why, sizeof(why));
	for (i = 0; i < cur.nsrv; i++) {
		if (!cur.stopped[i])
			(void)srv_stop(&cur.runs[i]);
		close(cur.runs[i].rec);
		if (cur.runs[i].turns != NULL)
			munmap(cur.runs[i].turns, sizeof(unsigned));
	}
	if (cur.cfg_loaded)
		sj_config_free(&cur.cfg);
	memset(&cur, 0, sizeof(cur));
	return (0);
}

/*
 * One job of a reuse scenario on the running child: its own DELIVER
 * flags, after its pause (to let an idle time run out, or a server's
 * close arrive: the outcome must be the same however the child learns
 * of it), and the use count of the connection in DONE.
 */
static int
reuse_job(const struct scenario *sc, int job, struct outcome *out)
{
	static struct scenario one;
	struct timespec ts;
	int	bad = 0;

	one = *sc;
	one.dflags = sc->job_flags[job];
	if (sc->pause_ms[job] > 0) {
		ts.tv_sec = sc->pause_ms[job] / 1000;
		ts.tv_nsec = (long)(sc->pause_ms[job] % 1000) * 1000000L;
		nanosleep(&ts, NULL);
	}
	run_job(&one, &cur.cc, out);
	bad |= check_results(sc, out);
	bad |= check_stats(sc, out);
	if (out->stats.reuse_count != sc->reuse[job]) {
		print_message("%s: job %d: DONE reuse_count %u, expected %u\n",
		    sc->name, job + 1, out->stats.reuse_count,
		    sc->reuse[job]);
		bad = 1;
	}
	if (bad)
		print_message("%s: job %d of one child\n", sc->name, job + 1);
	return (bad);
}

static void
run_scenario(void **state)
{
	const struct scenario *sc = *state;
	struct srv_run *runs = cur.runs;
	static struct outcome out;
	char   *rec, *want_recv;
	size_t	len;
	int	i, nsrv, conns, want, job, bad = 0, used[2] = { 0, 0 };
	int	jobs = sc->reuse_jobs > 0 ? sc->reuse_jobs :
	    sc->repeat > 0 ? sc->repeat : 1;

	if (!world.ok) {
		print_message("skipped: %s\n", world.skip_why);
		skip();
	}
	logcap.len = 0;
	logcap.buf[0] = '\0';
	for (nsrv = 0; nsrv < MAX_SRV && sc->srv[nsrv].addr; nsrv++) {
		srv_start(&sc->srv[nsrv], runs, nsrv);
		cur.nsrv = nsrv + 1;
	}
	load_config(sc, &cur.cfg);
	cur.cfg_loaded = 1;
	dns_udp_connects = 0;
	child_start(&cur.cfg, &cur.cc);
	cur.child_live = 1;
	/* Later jobs on the same child must not see state of earlier ones. */
	for (job = 0; job < jobs; job++) {
		if (sc->reuse_jobs > 0) {
			bad |= reuse_job(sc, job, &out);
			continue;
		}
		run_job(sc, &cur.cc, &out);
		if (sc->equal_pref) {
			bad |= count_equal(sc, &out, used);
			continue;
		}
		if (job > 0 && (check_results(sc, &out) ||
		    check_stats(sc, &out)))
			print_message("%s: job %d of one child\n", sc->name,
			    job + 1);
		bad |= check_results(sc, &out);
		bad |= check_stats(sc, &out);
		bad |= check_transcript(sc, &out);
		bad |= check_sasl(sc, &out);
	}
	cur.child_live = 0;
	child_end(&cur.cc);
	cur.cfg_loaded = 0;
	if (sc->dns_connects > 0 && dns_udp_connects != sc->dns_connects) {
		print_message("%s: %u DNS UDP sockets asked for, expected "
		    "%u\n", sc->name, dns_udp_connects, sc->dns_connects);
		bad = 1;
	}
	sj_config_free(&cur.cfg);

	if (sc->equal_pref == 1 && (used[0] == 0 || used[1] == 0)) {
		print_message("%s: %d and %d jobs per host: not shuffled\n",
		    sc->name, used[0], used[1]);
		bad = 1;
	}
	if (sc->equal_pref == 2 && used[0] != jobs) {
		print_message("%s: %d and %d jobs per host: not in answer "
		    "order\n", sc->name, used[0], used[1]);
		bad = 1;
	}
	for (i = 0; i < nsrv; i++) {
		conns = srv_stop(&runs[i]);
		cur.stopped[i] = 1;
		want = sc->conns[i] == 0 ? 1 : sc->conns[i] == NOCONN ? 0 :
		    sc->conns[i];
		if (sc->reuse_jobs == 0)
			want *= jobs;
		if (sc->equal_pref)
			want = used[i];
		if (sc->srv[i].syn_drop)
			want = 0;	/* the kernel dropped the SYNs */
		want_recv = want_recv_of(sc, i, sc->reuse_jobs ? 1 : jobs);
		rec = srv_recording(runs[i].rec, &len);
		if (i == 0 && sc->turns > 0 && *runs[i].turns != sc->turns) {
			print_message("%s: server %s took %u turns, expected "
			    "%u\n", sc->name, sc->srv[i].addr, *runs[i].turns,
			    sc->turns);
			bad = 1;
		}
		if (conns != want) {
			print_message("%s: server %s accepted %d connections, "
			    "expected %d\n", sc->name, sc->srv[i].addr, conns,
			    want);
			bad = 1;
		}
		if (want_recv != NULL && (len != strlen(want_recv) ||
		    memcmp(rec, want_recv, len) != 0)) {
			print_message("%s: server %s received other bytes\n",
			    sc->name, sc->srv[i].addr);
			show("expected", want_recv, strlen(want_recv));
			show("received", rec, len);
			bad = 1;
		}
		free(want_recv);
		free(rec);
	}
	scenario_teardown(NULL);
	for (i = 0; i < MAX_LOGS && sc->log[i]; i++) {
		if (strstr(logcap.buf, sc->log[i]) == NULL) {
			print_message("%s: log lacks \"%s\"\n", sc->name,
			    sc->log[i]);
			bad = 1;
		}
	}
	for (i = 0; i < MAX_LOGS && sc->nolog[i]; i++) {
		if (strstr(logcap.buf, sc->nolog[i]) != NULL) {
			print_message("%s: log has \"%s\"\n", sc->name,
			    sc->nolog[i]);
			bad = 1;
		}
	}
	if (bad) {
		print_message("log:\n%s", logcap.buf);
		fail_msg("scenario %s failed", sc->name);
	}
}

/*
 * The world.
 */
static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
		fprintf(stderr, "write %s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static int
lo_up(void)
{
	struct ifreq ifr;
	int	fd, rc = -1;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return (-1);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return (rc);
}

static int
dns_start(void)
{
	struct sockaddr_in sin;
	int	fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(53);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return (-1);
	if ((world.dns_pid = fork()) == 0) {
		default_signals();
		dns_serve(fd);
	}
	close(fd);
	return (world.dns_pid > 0 ? 0 : -1);
}

static int
world_setup(void **state)
{
	struct passwd *sbu;
	char	text[2048];

	(void)state;
	if (geteuid() != 0) {
		snprintf(world.skip_why, sizeof(world.skip_why), "needs root "
		    "(chroot, setresuid, network namespace)");
		return (0);
	}
	if (unshare(CLONE_NEWNET) < 0 || lo_up() < 0) {
		snprintf(world.skip_why, sizeof(world.skip_why), "cannot make "
		    "a network namespace: %s", strerror(errno));
		return (0);
	}
	if ((sbu = test_sandbox_user()) == NULL) {
		fprintf(stderr, "no dedicated sandbox user\n");
		return (-1);
	}
	snprintf(world.dir, sizeof(world.dir), "/tmp/sj-childsb.XXXXXX");
	snprintf(world.sandbox, sizeof(world.sandbox),
	    "/tmp/sj-childsb-jail.XXXXXX");
	if (mkdtemp(world.dir) == NULL || mkdtemp(world.sandbox) == NULL ||
	    chmod(world.sandbox, 0755) < 0) {
		fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
		return (-1);
	}
	snprintf(world.main_cf, sizeof(world.main_cf), "%s/main.cf",
	    world.dir);
	snprintf(world.resolv, sizeof(world.resolv), "%s/resolv.conf",
	    world.dir);
	write_file(world.resolv, "nameserver 127.0.0.1\n");
	snprintf(world.resolv_fast, sizeof(world.resolv_fast),
	    "%s/resolv-fast.conf", world.dir);
	write_file(world.resolv_fast, "nameserver 127.0.0.1\n"
	    "options timeout:1 attempts:1\n");
	snprintf(text, sizeof(text),
	    "# smtpjail test_child_sandboxed\n"
	    "myhostname = client.test\n"
	    "smtpjail_sandbox_user = %s\n"
	    "smtpjail_sandbox_directory = %s\n"
	    "smtpjail_resolv_conf = %s\n"
	    "inet_interfaces = 127.0.0.1\n"
	    "proxy_interfaces = 127.0.0.9\n"
	    "inet_protocols = ipv4\n"
	    /* The test world lives on loopback addresses, which the
	     * egress policy refuses unless they are listed. */
	    "smtpjail_egress_allow = 127.0.0.0/8, [::1]\n"
	    /* Generous: only the stage under test gets a short one. */
	    "smtp_connect_timeout = 30s\n"
	    "smtp_helo_timeout = 30s\n"
	    "smtp_mail_timeout = 30s\n"
	    "smtp_rcpt_timeout = 30s\n"
	    "smtp_data_init_timeout = 30s\n"
	    "smtp_data_xfer_timeout = 30s\n"
	    "smtp_data_done_timeout = 30s\n"
	    "smtp_quit_timeout = 30s\n"
	    "smtp_rset_timeout = 30s\n",
	    sbu->pw_name, world.sandbox, world.resolv);
	write_file(world.main_cf, text);
	/* For the content_checks scenario. */
	snprintf(text, sizeof(text), "%s/header_checks", world.dir);
	write_file(text, "/^Subject: (.*)/ REPLACE Subject: new $1\n"
	    "/^X-Pre: (.*)/ PREPEND X-Was: $1\n"
	    "/^X-Drop:/ IGNORE\n/^X-Warn:/ WARN careful\n");
	snprintf(text, sizeof(text), "%s/body_checks", world.dir);
	write_file(text, "/^K=C3=B6ln$/ REPLACE Cologne\n"
	    "/^drop/ IGNORE\n/^keep \\((.*)\\)$/ REPLACE kept: $1\n");
	/* For the content_checks_pcre scenario. */
	snprintf(text, sizeof(text), "%s/pcre_header_checks", world.dir);
	write_file(text, "/^Subject: (.*)/ REPLACE Subject: new $1\n"
	    "/^X-Pre: (.*?)\\s*$/ PREPEND X-Was: $1\n"
	    "/^X-Drop:/ IGNORE\n/^X-Case: yes/i WARN never\n"
	    "/^X-Long: (?:a|b)*$/ REPLACE X-Long: deep\n");
	snprintf(text, sizeof(text), "%s/pcre_body_checks", world.dir);
	write_file(text, "/^(a+)+$/ REPLACE never\n"
	    "/^K=C3=B6ln$/ REPLACE Cologne\n"
	    "/^keep \\((.*)\\)$/ REPLACE kept: $1\n");
	setenv("MAIL_CONFIG", world.dir, 1);
	unsetenv("MAIL_VERBOSE");
	unsetenv("MAIL_DEBUG");
	if (dns_start() < 0) {
		fprintf(stderr, "DNS server: %s\n", strerror(errno));
		return (-1);
	}
	msg_set_sink(cap_sink, NULL);
	world.ok = 1;
	return (0);
}

static int
world_teardown(void **state)
{
	char	path[256];
	int	st;

	(void)state;
	if (world.dns_pid > 0) {
		kill(world.dns_pid, SIGKILL);
		waitpid(world.dns_pid, &st, 0);
	}
	if (world.dir[0]) {
		unlink(world.main_cf);
		snprintf(path, sizeof(path), "%s/header_checks", world.dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/body_checks", world.dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/pcre_header_checks",
		    world.dir);
		unlink(path);
		snprintf(path, sizeof(path), "%s/pcre_body_checks", world.dir);
		unlink(path);
		unlink(world.resolv);
		unlink(world.resolv_fast);
		rmdir(world.dir);
	}
	if (world.sandbox[0])
		rmdir(world.sandbox);
	return (0);
}

int
main(void)
{
	static struct CMUnitTest tests[NELEM(scenarios)];
	size_t	i;

	for (i = 0; i < NELEM(scenarios); i++) {
		tests[i].name = scenarios[i].name;
		tests[i].test_func = run_scenario;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = scenario_teardown;
		tests[i].initial_state = (void *)&scenarios[i];
	}
	return (_cmocka_run_group_tests("child_sandboxed", tests, NELEM(tests),
	    world_setup, world_teardown));
}

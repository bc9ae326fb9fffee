/*
 * NAME
 *	test_smtp_auth 1
 * SUMMARY
 *	unit tests of the child's AUTH dialogue (child/smtp_auth.c)
 * DESCRIPTION
 *	A scripted server (replies in order) and a scripted parent
 *	(the SASL_CRED answer): PLAIN's initial response and LOGIN's two
 *	answers byte for byte; the transcript never sees the secret; the
 *	mechanism filter; the security options; each failure with
 *	Postfix's status and text (soft bounce, no mechanism, no
 *	compatible mechanism, protocol loop, lookup error); no credential:
 *	no AUTH; one request per destination and job, another for the
 *	next destination or job; the credential wiped at the job's end.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/smtp_auth.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"
#include "smtp_auth.h"
#include "smtp_session.h"

static struct {
	const char *replies[8];		/* "334 ...", "235 ...", ... */
	size_t	next;
	char	sent[4096];		/* lines sent, '\n' after each */
	char	shown[1024];
	struct smtp_reply reply;
	struct ipc_sasl_cred cred;
	unsigned asks;
	char	kinds[16];		/* IPC_SASL_ASK_* of each request */
	char	challenge[SJ_SASL_CHALLENGE_MAX + 1];
	char	warn[512];
} t;

static void
sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN)
		snprintf(t.warn, sizeof(t.warn), "%s", text);
}

static int
chat(void *ctx, const char *line, const char *shown,
    const struct smtp_reply **reply)
{
	const char *r;

	(void)ctx;
	snprintf(t.sent + strlen(t.sent), sizeof(t.sent) - strlen(t.sent),
	    "%s\n", line);
	snprintf(t.shown + strlen(t.shown), sizeof(t.shown) -
	    strlen(t.shown), "%s\n", shown);
	r = t.replies[t.next] != NULL ? t.replies[t.next++] : "421 gone";
	smtp_reply_begin(&t.reply);
	assert_int_equal(smtp_reply_add_line(&t.reply, r, strlen(r), 0), 1);
	*reply = &t.reply;
	return (0);
}

static int
ask(const struct ipc_sasl_req *req, struct ipc_sasl_cred *cred)
{
	t.asks++;
	snprintf(t.kinds + strlen(t.kinds), sizeof(t.kinds) -
	    strlen(t.kinds), "%u", req->kind);
	*cred = t.cred;
	cred->job_id = req->job_id;
	if (req->kind != IPC_SASL_ASK_PASSWORD)
		memset(cred->password, 0, sizeof(cred->password));
	if (req->kind == IPC_SASL_ASK_CRAM_MD5) {
		snprintf(t.challenge, sizeof(t.challenge), "%s",
		    req->challenge);
		snprintf(cred->response, sizeof(cred->response), "UkVTUA==");
		if (strcmp(req->challenge, "%%%") == 0) {
			cred->status = IPC_SASL_ERROR;
			cred->response[0] = '\0';
		}
	}
	return (0);
}

static struct ipc_config cfg;
static struct ipc_deliver dlv;
static struct smtp_job job;
static struct smtp_peer peer;
static struct smtp_ehlo ehlo;
static struct smtp_auth_io io = { chat, NULL, SMTP_AUTH_TLS_NONE };

static void
reset(const char *mechs, uint32_t opts, const char *user, const char *pw)
{
	memset(&t, 0, sizeof(t));
	memset(&cfg, 0, sizeof(cfg));
	memset(&ehlo, 0, sizeof(ehlo));
	cfg.flags = IPC_CF_SASL | IPC_CF_SASL_SOFT_BOUNCE;
	cfg.sasl_opts = opts;
	dlv.job_id++;
	job.cfg = &cfg;
	job.dlv = &dlv;
	smtp_session_peer(&peer, "relay.example", "192.0.2.1", 587);
	ehlo.features = SMTP_EHLO_AUTH;
	snprintf(ehlo.auth, sizeof(ehlo.auth), "%s", mechs);
	t.cred.status = user != NULL ? IPC_SASL_FOUND : IPC_SASL_NONE;
	if (user != NULL) {
		snprintf(t.cred.username, sizeof(t.cred.username), "%s", user);
		snprintf(t.cred.password, sizeof(t.cred.password), "%s", pw);
	}
	io.tls = SMTP_AUTH_TLS_NONE;
	smtp_auth_job_end();
}

static int
login(struct ipc_result *why)
{
	memset(why, 0, sizeof(*why));
	return (smtp_auth_login(&job, "[relay.example]:587", &peer, &ehlo,
	    &io, why));
}

static void
test_plain(void **state)
{
	struct ipc_result why;

	(void)state;
	reset("LOGIN PLAIN", IPC_SASL_NOANONYMOUS, "user", "secret");
	t.replies[0] = "235 2.7.0 Authentication successful";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	/* base64("\0user\0secret") */
	assert_string_equal(t.sent, "AUTH PLAIN AHVzZXIAc2VjcmV0\n");
	assert_string_equal(t.shown, "AUTH PLAIN <credentials>\n");
	assert_int_equal(t.asks, 1);
	/* The next session of the job and destination: no new request. */
	t.replies[1] = "235 2.7.0 ok";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_int_equal(t.asks, 1);
	/* Another destination of the job: asked again. */
	t.replies[2] = "235 2.7.0 ok";
	assert_int_equal(smtp_auth_login(&job, "[fb.example]:25", &peer,
	    &ehlo, &io, &why), SMTP_AUTH_DONE);
	assert_int_equal(t.asks, 2);
}

/*
 * Which options apply: smtp_sasl_security_options in clear text,
 * smtp_sasl_tls_security_options over TLS, the verified ones when the
 * certificate matched (Postfix smtp_sasl_glue.c smtp_sasl_start()).
 */
static void
test_tls_options(void **state)
{
	struct ipc_result why;

	(void)state;
	/* Postfix's default in clear text: PLAIN is plain text, refused. */
	reset("PLAIN", IPC_SASL_NOPLAINTEXT | IPC_SASL_NOANONYMOUS, "user",
	    "secret");
	cfg.sasl_tls_opts = IPC_SASL_NOANONYMOUS;
	cfg.sasl_tls_verified_opts = IPC_SASL_NOPLAINTEXT;
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_null(strstr(t.sent, "secret"));
	/* Over TLS the TLS options allow it. */
	reset("PLAIN", IPC_SASL_NOPLAINTEXT | IPC_SASL_NOANONYMOUS, "user",
	    "secret");
	cfg.sasl_tls_opts = IPC_SASL_NOANONYMOUS;
	cfg.sasl_tls_verified_opts = IPC_SASL_NOPLAINTEXT;
	io.tls = SMTP_AUTH_TLS_ON;
	t.replies[0] = "235 2.7.0 ok";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_string_equal(t.sent, "AUTH PLAIN AHVzZXIAc2VjcmV0\n");
	/* A matched certificate: the verified options, which refuse it. */
	reset("PLAIN", IPC_SASL_NOANONYMOUS, "user", "secret");
	cfg.sasl_tls_opts = IPC_SASL_NOANONYMOUS;
	cfg.sasl_tls_verified_opts = IPC_SASL_NOPLAINTEXT;
	io.tls = SMTP_AUTH_TLS_MATCHED;
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_null(strstr(t.sent, "secret"));
}

static void
test_login(void **state)
{
	struct ipc_result why;

	(void)state;
	reset("LOGIN", 0, "user", "secret");
	t.replies[0] = "334 VXNlcm5hbWU6";
	t.replies[1] = "334 UGFzc3dvcmQ6";
	t.replies[2] = "235 2.7.0 Authentication successful";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_string_equal(t.sent, "AUTH LOGIN\ndXNlcg==\nc2VjcmV0\n");
	assert_string_equal(t.shown, "AUTH LOGIN\n<username>\n<password>\n");
	/* The filter leaves LOGIN only, though PLAIN is preferred. */
	reset("PLAIN LOGIN", 0, "u", "p");
	snprintf(cfg.sasl_mechs, sizeof(cfg.sasl_mechs), "!plain, login");
	t.replies[0] = "334 VXNlcm5hbWU6";
	t.replies[1] = "334 UGFzc3dvcmQ6";
	t.replies[2] = "235 2.7.0 ok";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_string_equal(t.sent, "AUTH LOGIN\ndQ==\ncA==\n");
}

static void
test_failures(void **state)
{
	struct ipc_result why;
	int	i;

	(void)state;
	/* 535 with soft bounce: 4.7.8, the server's words. */
	reset("PLAIN", 0, "user", "bad");
	t.replies[0] = "535 5.7.8 Error: authentication failed: nope";
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "4.7.8");
	assert_string_equal(why.reason, "SASL authentication failed; server "
	    "relay.example[192.0.2.1] said: 535 5.7.8 Error: authentication "
	    "failed: nope");
	assert_int_equal(why.diag_code, 535);
	assert_string_equal(why.mta_name, "relay.example");
	/* Without soft bounce: 5.7.8. */
	reset("PLAIN", 0, "user", "bad");
	cfg.flags &= ~IPC_CF_SASL_SOFT_BOUNCE;
	t.replies[0] = "535 5.7.8 Error: authentication failed: nope";
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "5.7.8");
	/* noplaintext (Postfix's default): no mechanism, nothing sent. */
	reset("PLAIN LOGIN", IPC_SASL_NOPLAINTEXT | IPC_SASL_NOANONYMOUS,
	    "user", "pw");
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "4.7.0");
	assert_string_equal(why.reason, "SASL authentication failed; cannot "
	    "authenticate to server relay.example[192.0.2.1]: no mechanism "
	    "available");
	assert_string_equal(t.sent, "");
	/* Only unknown mechanisms offered. */
	reset("GSSAPI DIGEST-MD5", 0, "user", "pw");
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.reason, "SASL authentication failed; cannot "
	    "authenticate to server relay.example[192.0.2.1]: no mechanism "
	    "available");
	/* The filter leaves nothing: warning, then no compatible one. */
	reset("CRAM-MD5", 0, "user", "pw");
	snprintf(cfg.sasl_mechs, sizeof(cfg.sasl_mechs), "plain");
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.reason, "SASL authentication failed: server "
	    "relay.example[192.0.2.1] offered no compatible authentication "
	    "mechanisms for this type of connection security");
	assert_string_equal(t.warn, "relay.example[192.0.2.1]:587 offered "
	    "no supported AUTH mechanisms: 'CRAM-MD5'");
	/* A server that challenges PLAIN again. */
	reset("PLAIN", 0, "user", "pw");
	t.replies[0] = "334 again";
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "4.7.0");
	/* The parent's lookup failed: defer, nothing sent. */
	reset("PLAIN", 0, "user", "pw");
	t.cred.status = IPC_SASL_ERROR;
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "4.3.0");
	assert_string_equal(t.sent, "");
	(void)i;
}

/* CRAM-MD5: preferred; the child asks for the username only, the
 * parent answers the challenge; noplaintext allows it, noactive not. */
static void
test_cram_md5(void **state)
{
	struct ipc_result why;

	(void)state;
	reset("PLAIN LOGIN CRAM-MD5", IPC_SASL_NOPLAINTEXT |
	    IPC_SASL_NOANONYMOUS, "user", "secret");
	t.replies[0] = "334 PDEyMzQ1QGV4YW1wbGU+";
	t.replies[1] = "235 2.7.0 Authentication successful";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_string_equal(t.sent, "AUTH CRAM-MD5\nUkVTUA==\n");
	assert_string_equal(t.shown, "AUTH CRAM-MD5\n<response>\n");
	assert_string_equal(t.kinds, "12");
	assert_string_equal(t.challenge, "PDEyMzQ1QGV4YW1wbGU+");
	/* A second session of the destination: the username is kept,
	 * the response is asked for its own challenge. */
	t.replies[2] = "334 PDY3ODlAZXhhbXBsZT4=";
	t.replies[3] = "235 2.7.0 ok";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_string_equal(t.kinds, "122");
	assert_string_equal(t.challenge, "PDY3ODlAZXhhbXBsZT4=");
	/* Then a server of it with PLAIN only: no password is asked. */
	reset("PLAIN LOGIN CRAM-MD5", 0, "user", "secret");
	t.replies[0] = "334 PDEyMzQ1QGV4YW1wbGU+";
	t.replies[1] = "235 2.7.0 ok";
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	snprintf(ehlo.auth, sizeof(ehlo.auth), "PLAIN");
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.reason, "SASL authentication failed; cannot "
	    "authenticate to server relay.example[192.0.2.1]: no mechanism "
	    "available");
	assert_string_equal(t.kinds, "12");
	/* noactive rules CRAM-MD5 out too. */
	reset("CRAM-MD5", IPC_SASL_NOACTIVE, "user", "secret");
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "4.7.0");
	assert_string_equal(t.sent, "");
	/* A wrong password: the server's 535 as for PLAIN. */
	reset("CRAM-MD5", 0, "user", "bad");
	t.replies[0] = "334 PDEyMzQ1QGV4YW1wbGU+";
	t.replies[1] = "535 5.7.8 Error: authentication failed: x";
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.status, "4.7.8");
	/* The parent finds the challenge unusable: 4.7.0, no response. */
	reset("CRAM-MD5", 0, "user", "secret");
	t.replies[0] = "334 %%%";
	assert_int_equal(login(&why), SMTP_AUTH_FAILED);
	assert_string_equal(why.reason, "SASL authentication failed; cannot "
	    "authenticate to server relay.example[192.0.2.1]: bad CRAM-MD5 "
	    "challenge");
	assert_string_equal(t.sent, "AUTH CRAM-MD5\n");
}

static void
test_not_needed(void **state)
{
	struct ipc_result why;

	(void)state;
	/* No credential: no AUTH (Postfix: "like strangers"). */
	reset("PLAIN", 0, NULL, NULL);
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_string_equal(t.sent, "");
	assert_int_equal(t.asks, 1);
	/* SASL off, or no AUTH offered: the parent is not asked. */
	reset("PLAIN", 0, "u", "p");
	cfg.flags = 0;
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	reset("PLAIN", 0, "u", "p");
	ehlo.features = 0;
	assert_int_equal(login(&why), SMTP_AUTH_DONE);
	assert_int_equal(t.asks, 0);
}

static void
test_filter(void **state)
{
	char	out[64];

	(void)state;
	smtp_auth_filter("PLAIN LOGIN CRAM-MD5", "", out, sizeof(out));
	assert_string_equal(out, "PLAIN LOGIN CRAM-MD5");
	smtp_auth_filter("PLAIN LOGIN CRAM-MD5", "login, cram-md5", out,
	    sizeof(out));
	assert_string_equal(out, "LOGIN CRAM-MD5");
	smtp_auth_filter("PLAIN LOGIN", "!login plain", out, sizeof(out));
	assert_string_equal(out, "PLAIN");
	smtp_auth_filter("PLAIN", "login", out, sizeof(out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_login),
		cmocka_unit_test(test_tls_options),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_cram_md5),
		cmocka_unit_test(test_not_needed),
		cmocka_unit_test(test_filter),
	};

	msg_set_sink(sink, NULL);
	smtp_auth_set_ask(ask);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

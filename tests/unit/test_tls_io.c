/*
 * NAME
 *	test_tls_io 1
 * SUMMARY
 *	unit tests of the child's TLS record I/O (child/tls.c) against a
 *	TLS server that breaks the session after the handshake
 * DESCRIPTION
 *	The child's TLS context (tls_prepare(), level "encrypt") over one
 *	end of a socketpair; a forked OpenSSL server with a self-signed
 *	EC certificate made here completes the handshake on the other end
 *	and then writes bytes that are no TLS record on the socket itself.
 *	Checked: tls_io_read() fails with -EPROTO, and, as Postfix's
 *	tls_bio_ops.c tls_bio() does with tls_print_errors() when
 *	SSL_read() or SSL_write() fails with SSL_ERROR_SSL, the child
 *	reports OpenSSL's error queue as "TLS library problem" events
 *	(TLS_INFO LIBERR: "wrong version number" here), and leaves the
 *	queue empty. With smtp_tls_connection_reuse: a connection left
 *	idle (tls_io_idle()) reports such errors to no job, and
 *	tls_io_resume() reports the handshake's summary as CONN_REUSED
 *	for the next job.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/tls.c, Postfix src/tls/tls_bio_ops.c, src/tls/tls_misc.c
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cfg_params.h"
#include "child_deliver.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_sys.h"
#include "sj_tls.h"
#include "tls.h"

#define EVENTS_MAX	32

static struct {
	struct ipc_tls_info ev[EVENTS_MAX];
	size_t	n;
} seen;

static int
collect(void *ctx, const struct ipc_msg *m)
{
	(void)ctx;
	if (m->type == IPC_T_TLS_INFO && seen.n < EVENTS_MAX)
		seen.ev[seen.n++] = m->u.tls_info;
	return (0);
}

static void
sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	(void)lvl;
	(void)text;
}

/* A self-signed P-256 certificate and its key, in memory. */
static SSL_CTX *
server_ctx(void)
{
	EVP_PKEY *key;
	X509	*crt;
	SSL_CTX *ctx;

	assert_non_null(key = EVP_EC_gen("P-256"));
	assert_non_null(crt = X509_new());
	assert_int_equal(X509_set_version(crt, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(crt), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(crt), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(crt), 3600));
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(crt),
	    "CN", MBSTRING_ASC, (const unsigned char *)"mx.example", -1, -1,
	    0), 1);
	assert_int_equal(X509_set_issuer_name(crt, X509_get_subject_name(crt)),
	    1);
	assert_int_equal(X509_set_pubkey(crt, key), 1);
	assert_true(X509_sign(crt, key, EVP_sha256()) > 0);
	assert_non_null(ctx = SSL_CTX_new(TLS_server_method()));
	assert_int_equal(SSL_CTX_use_certificate(ctx, crt), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(ctx, key), 1);
	X509_free(crt);
	EVP_PKEY_free(key);
	return (ctx);
}

/* The server: a handshake, then a line past the TLS layer, then EOF. */
static void
serve(int fd, SSL_CTX *ctx)
{
	static const char junk[] = "250 not a TLS record\r\n";
	char	buf[4096];
	SSL	*ssl;

	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1 ||
	    SSL_accept(ssl) != 1)
		_exit(2);
	if (write(fd, junk, sizeof(junk) - 1) != (ssize_t)sizeof(junk) - 1)
		_exit(3);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

/* One client session (level "encrypt") with a forked serve(). */
struct session {
	struct sj_params *params;
	struct sj_tls_config cfg;
	struct tls_state st;
	int	fd;
	pid_t	pid;
};

static struct tls_peer peer7 = { "example", "mx.example",
    "mx.example[192.0.2.1]:25", 7, collect, NULL };

static void
session_start(struct session *t)
{
	char	why[512];
	SSL_CTX *sctx;
	int	sv[2];

	msg_set_sink(sink, NULL);
	assert_non_null(t->params = sj_params_new());
	assert_int_equal(sj_params_set(t->params, "compatibility_level",
	    "3.6"), 0);
	assert_int_equal(sj_params_set(t->params, "smtp_tls_security_level",
	    "encrypt"), 0);
	memset(&t->cfg, 0, sizeof(t->cfg));
	if (sj_tls_config_load(&t->cfg, t->params, why, sizeof(why)) < 0)
		fail_msg("config: %s", why);
	if (tls_prepare(&t->cfg, why, sizeof(why)) < 0)
		fail_msg("tls_prepare: %s", why);
	sctx = server_ctx();
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_true((t->pid = fork()) >= 0);
	if (t->pid == 0) {
		close(sv[0]);
		serve(sv[1], sctx);
	}
	close(sv[1]);
	SSL_CTX_free(sctx);
	t->fd = sv[0];
	assert_int_equal(fcntl(t->fd, F_SETFL, O_NONBLOCK), 0);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(tls_start(t->fd, SJ_TLS_LEV_ENCRYPT, &peer7,
	    sys_now_ms() + 10000, &t->st), 0);
	assert_true(tls_io_active(t->fd));
}

/* Read until the server's junk line: the record error. */
static void
session_read_junk(struct session *t)
{
	struct pollfd pfd;
	char	buf[512];
	ssize_t	n;
	short	ev;

	/* Session tickets first (valid records), then the bad one. */
	for (;;) {
		n = tls_io_read(t->fd, buf, sizeof(buf), &ev);
		if (n != -EAGAIN)
			break;
		pfd.fd = t->fd;
		pfd.events = ev;
		assert_true(poll(&pfd, 1, 10000) == 1);
	}
	assert_int_equal(n, -EPROTO);
	assert_int_equal(ERR_peek_error(), 0);
}

static void
session_end(struct session *t)
{
	int	status;

	tls_io_close(t->fd);
	assert_false(tls_io_active(t->fd));
	close(t->fd);
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tls_release();
	sj_params_free(t->params);
}

static void
test_record_error_after_handshake(void **state)
{
	struct session t;
	size_t	i, liberr = 0, wrong_version = 0;

	(void)state;
	session_start(&t);
	session_read_junk(&t);
	for (i = 0; i < seen.n; i++) {
		if (seen.ev[i].event != SJ_TLS_EV_LIBERR)
			continue;
		liberr++;
		assert_int_equal(seen.ev[i].job_id, 7);
		if (ERR_GET_REASON(seen.ev[i].lib_err) ==
		    SSL_R_WRONG_VERSION_NUMBER)
			wrong_version++;
	}
	if (wrong_version != 1)
		fail_msg("%zu LIBERR events, %zu of them \"wrong version "
		    "number\", want 1", liberr, wrong_version);
	session_end(&t);
}

/*
 * smtp_tls_connection_reuse: a connection kept idle in the cache
 * (tls_io_idle()) reports what its record I/O meets to no job, and
 * leaves OpenSSL's error queue empty; tls_io_resume() gives it to the
 * next job with the summary of its handshake as CONN_REUSED.
 */
static void
test_idle_then_resume(void **state)
{
	struct tls_peer peer8 = { "example", "mx.example",
	    "mx.example[192.0.2.1]:25", 8, collect, NULL };
	const struct ipc_tls_info *est = NULL, *re;
	struct session t;
	size_t	i, before;

	(void)state;
	session_start(&t);
	for (i = 0; i < seen.n; i++)
		if (seen.ev[i].event == SJ_TLS_EV_ESTABLISHED)
			est = &seen.ev[i];
	assert_non_null(est);
	before = seen.n;
	tls_io_idle(t.fd);
	assert_true(tls_io_active(t.fd));
	session_read_junk(&t);
	assert_int_equal(seen.n, before);

	assert_int_equal(tls_io_resume(t.fd, &peer8), 0);
	assert_int_equal(seen.n, before + 1);
	re = &seen.ev[before];
	assert_int_equal(re->event, SJ_TLS_EV_CONN_REUSED);
	assert_int_equal(re->job_id, 8);
	assert_int_equal(re->trust, est->trust);
	assert_string_equal(re->peer, est->peer);
	assert_string_equal(re->protocol, est->protocol);
	assert_string_equal(re->cipher, est->cipher);
	/* Without TLS on the descriptor: nothing to resume. */
	assert_int_equal(tls_io_resume(STDERR_FILENO, &peer8), -ENOENT);
	session_end(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_error_after_handshake),
		cmocka_unit_test(test_idle_then_resume),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

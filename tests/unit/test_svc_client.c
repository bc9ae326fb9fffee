/*
 * NAME
 *	test_svc_client 1
 * SUMMARY
 *	unit tests of the bounce/defer/trace, verify and flush clients and
 *	of the 5.3 routing table
 * DESCRIPTION
 *	A fake service runs in a child process on a UNIX socket in a temp
 *	directory (private/bounce, private/trace, private/verify,
 *	public/flush), sends a configurable greeting, captures the request
 *	list it receives and answers with configurable bytes (status 0, 1,
 *	-1, garbage, nothing, or not at all). The captured requests are
 *	compared byte for byte with APPENDs that Postfix 3.7.11's smtp(8)
 *	was seen to send to bounce(8) and trace(8) and with the verify and
 *	flush requests of Postfix's verify_clnt.c and flush_clnt.c; return
 *	codes and warnings are checked for every reply.
 *
 *	svc_route() is checked against a full table of the cases of
 *	Postfix's sent.c, defer.c and bounce.c, and
 *	exhaustively against the safety rules: a failed report never marks
 *	a recipient done nor lets the request be FINAL; a deferral (also
 *	soft_bounce) of real mail never does either; a bounce is done only
 *	through a required bounce(8) APPEND.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/svc_client.c
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "msg.h"
#include "svc_client.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define IN(s)		s, sizeof(s) - 1
#define TMO		30	/* generous: only to avoid hanging */
#define REQ_MAX		8192

/* ------------------------------------------------------------------ */
/* Warning capture, temp directory                                     */

static struct test_ctx {
	char	warn[16384];
	char	dir[64];
	int	top;		/* descriptor of the original cwd */
} tc;

static void
capture_sink(enum msg_level lvl, const char *text, void *ctx)
{
	size_t	len = strlen(tc.warn);

	(void)ctx;
	snprintf(tc.warn + len, sizeof(tc.warn) - len, "%s%s\n",
	    msg_level_prefix(lvl), text);
}

static int
group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	msg_set_sink(capture_sink, NULL);
	snprintf(tc.dir, sizeof(tc.dir), "/tmp/sj-test-svc.XXXXXX");
	if (mkdtemp(tc.dir) == NULL)
		return (-1);
	if ((tc.top = open(".", O_RDONLY | O_DIRECTORY)) < 0)
		return (-1);
	if (chdir(tc.dir) < 0 || mkdir("private", 0700) < 0 ||
	    mkdir("public", 0700) < 0)
		return (-1);
	return (0);
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	if (fchdir(tc.top) < 0)
		return (-1);
	close(tc.top);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tc.dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static int
setup(void **state)
{
	(void)state;
	tc.warn[0] = '\0';
	return (0);
}

/* ------------------------------------------------------------------ */
/* The fake service                                                    */

struct fake {
	const char *path;	/* "private/bounce" */
	const char *greet;	/* NULL: hang up without a greeting */
	size_t	greetlen;
	const char *reply;	/* NULL: close without a reply */
	size_t	replylen;
	int	hang;		/* greet, read, then never answer */
	int	nconn;		/* connections to serve */
	pid_t	pid;
	int	pipe;		/* captured requests: size_t len, bytes */
};

/* Reads one attr0 list (until an empty name); returns its length. */
static size_t
fake_read_list(int fd, char *buf, size_t cap)
{
	size_t	len = 0, tok = 0;
	int	name = 1;
	char	c;

	while (len < cap && read(fd, &c, 1) == 1) {
		buf[len++] = c;
		if (c != '\0')
			continue;
		if (name && len - 1 == tok)
			break;		/* empty name: end of list */
		name = !name;
		tok = len;
	}
	return (len);
}

static void
fake_serve(struct fake *fk, int lfd, int out)
{
	char	buf[REQ_MAX];
	size_t	len;
	int	i, fd;

	for (i = 0; i < fk->nconn; i++) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			_exit(2);
		if (fk->greet == NULL) {
			/* Hang up at once: nothing is read. */
			close(fd);
			len = 0;
			if (write(out, &len, sizeof(len)) != sizeof(len))
				_exit(4);
			continue;
		}
		if (write(fd, fk->greet, fk->greetlen) != (ssize_t)fk->greetlen)
			_exit(3);
		len = fake_read_list(fd, buf, sizeof(buf));
		if (write(out, &len, sizeof(len)) != sizeof(len) ||
		    write(out, buf, len) != (ssize_t)len)
			_exit(4);
		if (fk->hang) {
			for (;;)
				pause();
		}
		if (fk->reply != NULL && write(fd, fk->reply, fk->replylen) !=
		    (ssize_t)fk->replylen)
			_exit(5);
		close(fd);
	}
	_exit(0);
}

static void
fake_start(struct fake *fk)
{
	struct sockaddr_un sa;
	int	lfd, p[2];

	if (fk->nconn == 0)
		fk->nconn = 1;
	unlink(fk->path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", fk->path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	assert_int_equal(pipe(p), 0);
	fk->pid = fork();
	assert_true(fk->pid >= 0);
	if (fk->pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		fake_serve(fk, lfd, p[1]);
	}
	close(p[1]);
	close(lfd);
	fk->pipe = p[0];
}

/* The next captured request (len 0: nothing came); -1 if none. */
static ssize_t
fake_request(struct fake *fk, char *buf, size_t cap)
{
	size_t	len;

	if (read(fk->pipe, &len, sizeof(len)) != sizeof(len))
		return (-1);
	assert_true(len <= cap);
	if (len > 0)
		assert_int_equal(read(fk->pipe, buf, len), (ssize_t)len);
	return ((ssize_t)len);
}

static void
fake_done(struct fake *fk)
{
	int	st;

	kill(fk->pid, SIGKILL);
	waitpid(fk->pid, &st, 0);
	close(fk->pipe);
	unlink(fk->path);
}

/* ------------------------------------------------------------------ */
/* bounce / defer / trace APPEND                                       */

#define GREET_BOUNCE	"protocol\0delivery_status_protocol\0\0"
#define STATUS_OK	"status\0000\0\0"

/* 5.2: observed to private/bounce (484 bytes). */
static const char bounce_req[] =
    "nrequest\0000\0flags\0000\0queue_id\0008794CA76063\0"
    "original_recipient\0harduser@remote.test\0"
    "recipient\0harduser@remote.test\0offset\000335\0"
    "dsn_orig_rcpt\0rfc822;harduser@remote.test\0"
    "notify_flags\0000\0status\0005.1.1\0diag_type\0smtp\0"
    "diag_text\000550 5.1.1 <harduser@remote.test>: Recipient address "
    "rejected: no such user\0mta_type\0dns\0mta_mname\000127.0.0.1\0"
    "action\0failed\0reason\0host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
    "<harduser@remote.test>: Recipient address rejected: no such user "
    "(in reply to RCPT TO command)\0\0";

static const struct svc_rcpt bounce_rcpt = {
	.orig_addr = "harduser@remote.test",
	.address = "harduser@remote.test",
	.offset = 335,
	.dsn_orcpt = "rfc822;harduser@remote.test",
	.notify = 0,
};

static const struct svc_dsn bounce_dsn = {
	.status = "5.1.1", .action = "failed",
	.reason = "host 127.0.0.1[127.0.0.1] said: 550 5.1.1 "
	    "<harduser@remote.test>: Recipient address rejected: no such "
	    "user (in reply to RCPT TO command)",
	.dtype = "smtp",
	.dtext = "550 5.1.1 <harduser@remote.test>: Recipient address "
	    "rejected: no such user",
	.mtype = "dns", .mname = "127.0.0.1",
};

/* 5.10: observed to private/trace. */
static const char trace_req[] =
    "nrequest\0000\0flags\0000\0queue_id\0DAB15A760F5\0"
    "original_recipient\0user@nodsn.test\0recipient\0user@nodsn.test\0"
    "offset\000255\0dsn_orig_rcpt\0rfc822;user@nodsn.test\0"
    "notify_flags\0002\0status\0002.0.0\0diag_type\0smtp\0"
    "diag_text\000250 2.0.0 Ok\0mta_type\0dns\0mta_mname\000127.0.0.1\0"
    "action\0relayed\0reason\0delivery via 127.0.0.1[127.0.0.1]:2530: "
    "250 2.0.0 Ok\0\0";

static void
test_bounce_observed(void **state)
{
	struct fake fk = { .path = "private/bounce", IN(GREET_BOUNCE),
	    IN(STATUS_OK) };
	char	got[REQ_MAX], why[512];

	(void)state;
	assert_int_equal(sizeof(bounce_req) - 1, 484);
	fake_start(&fk);
	assert_int_equal(svc_bounce_append("private", "bounce", 0,
	    "8794CA76063", &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)),
	    0);
	assert_int_equal(fake_request(&fk, got, sizeof(got)), 484);
	assert_memory_equal(got, bounce_req, 484);
	fake_done(&fk);
	assert_string_equal(tc.warn, "");
}

static void
test_trace_observed(void **state)
{
	struct fake fk = { .path = "private/trace", IN(GREET_BOUNCE),
	    IN(STATUS_OK) };
	const struct svc_rcpt r = {
		"user@nodsn.test", "user@nodsn.test", 255,
		"rfc822;user@nodsn.test", DSN_NOTIFY_SUCCESS,
	};
	struct svc_dsn d = {
		.status = "2.0.0", .action = "relayed", .dtype = "smtp",
		.dtext = "250 2.0.0 Ok", .mtype = "dns", .mname = "127.0.0.1",
	};
	char	got[REQ_MAX], why[512], reason[256];

	(void)state;
	assert_int_equal(svc_trace_reason(reason, sizeof(reason),
	    "127.0.0.1[127.0.0.1]:2530", "250 2.0.0 Ok"), 0);
	d.reason = reason;
	fake_start(&fk);
	assert_int_equal(svc_bounce_append("private", "trace", 0,
	    "DAB15A760F5", &r, &d, TMO, why, sizeof(why)), 0);
	assert_int_equal(fake_request(&fk, got, sizeof(got)),
	    sizeof(trace_req) - 1);
	assert_memory_equal(got, trace_req, sizeof(trace_req) - 1);
	fake_done(&fk);
}

/* Only the trace bits of the request flags are passed on. */
static void
test_flags_masked(void **state)
{
	struct fake fk = { .path = "private/trace", IN(GREET_BOUNCE),
	    IN(STATUS_OK) };
	static const char want[] =
	    "nrequest\0000\0flags\0001024\0queue_id\0ABC\0";
	char	got[REQ_MAX], why[512];
	ssize_t	n;

	(void)state;
	fake_start(&fk);
	assert_int_equal(svc_bounce_append("private", "trace",
	    DEL_REQ_FLAG_SUCCESS | DEL_REQ_FLAG_BOUNCE | DEL_REQ_FLAG_RECORD |
	    DEL_REQ_FLAG_CONN_LOAD | DEL_REQ_FLAG_CONN_STORE, "ABC",
	    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)), 0);
	n = fake_request(&fk, got, sizeof(got));
	assert_true(n > 40);
	assert_memory_equal(got, want, sizeof(want) - 1);
	fake_done(&fk);
}

static const struct rcase {
	const char *label;
	const char *greet;
	size_t	greetlen;
	const char *reply;	/* NULL: close without reply */
	size_t	replylen;
	int	rc;
	int	sent;		/* the request reached the service */
	const char *warn;	/* substring of the warnings, or NULL: none */
	const char *why;	/* substring of why[] */
} rcases[] = {
	{ "status 0", IN(GREET_BOUNCE), IN(STATUS_OK), 0, 1, NULL, "" },
	{ "status 1", IN(GREET_BOUNCE), IN("status\0001\0\0"), -EPROTO, 1,
	  NULL, "private/bounce: service answered status 1" },
	{ "status -1", IN(GREET_BOUNCE), IN("status\0004294967295\0\0"),
	  -EPROTO, 1, NULL, "answered status -1" },
	{ "garbage reply", IN(GREET_BOUNCE), IN("bogus\0x\0\0"), -EBADMSG, 1,
	  "warning: unexpected attribute bogus from private/bounce socket "
	  "(expecting: status)\nwarning: write/read private/bounce socket: ",
	  "write/read private/bounce socket" },
	{ "extra attribute after status", IN(GREET_BOUNCE),
	  IN("status\0000\0extra\0x\0\0"), -EBADMSG, 1,
	  "unexpected attribute extra from private/bounce socket (expecting: "
	  "(list terminator))", "write/read" },
	{ "non-numeric status", IN(GREET_BOUNCE), IN("status\0ok\0\0"),
	  -EBADMSG, 1, "malformed numerical data", "write/read" },
	{ "no reply", IN(GREET_BOUNCE), NULL, 0, -EPIPE, 1,
	  "warning: premature end-of-input on private/bounce socket while "
	  "reading input attribute name\n", "write/read" },
	{ "wrong greeting", IN("protocol\0cleanup_protocol\0\0"),
	  IN(STATUS_OK), -EBADMSG, 0,
	  "warning: unexpected protocol cleanup_protocol from private/bounce "
	  "socket (expected: delivery_status_protocol)\n"
	  "warning: read private/bounce socket: ", "read private/bounce" },
	{ "greeting with extra attribute",
	  IN("protocol\0delivery_status_protocol\0x\0y\0\0"), IN(STATUS_OK),
	  -EBADMSG, 0, "unexpected attribute x", "read private/bounce" },
	{ "no greeting", NULL, 0, NULL, 0, -EPIPE, 0,
	  "premature end-of-input on private/bounce socket", "read" },
};

static void
test_bounce_replies(void **state)
{
	char	got[REQ_MAX], why[1024];
	size_t	i;
	ssize_t	n;
	int	rc;

	(void)state;
	for (i = 0; i < NELEM(rcases); i++) {
		const struct rcase *c = &rcases[i];
		struct fake fk = { .path = "private/bounce", c->greet,
		    c->greetlen, c->reply, c->replylen, 0, 1, 0, -1 };

		tc.warn[0] = '\0';
		fake_start(&fk);
		rc = svc_bounce_append("private", "bounce", 0, "8794CA76063",
		    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why));
		if (rc != c->rc)
			fail_msg("case '%s': rc %d, expected %d (%s)", c->label,
			    rc, c->rc, why);
		n = fake_request(&fk, got, sizeof(got));
		if (c->sent) {
			assert_int_equal(n, 484);
			assert_memory_equal(got, bounce_req, 484);
		} else if (n > 0) {
			fail_msg("case '%s': a request was sent", c->label);
		}
		if (c->warn == NULL && tc.warn[0] != '\0')
			fail_msg("case '%s': warning %s", c->label, tc.warn);
		if (c->warn != NULL && strstr(tc.warn, c->warn) == NULL)
			fail_msg("case '%s': warnings '%s' lack '%s'",
			    c->label, tc.warn, c->warn);
		if (rc != 0 && strstr(why, c->why) == NULL)
			fail_msg("case '%s': why '%s' lacks '%s'", c->label,
			    why, c->why);
		fake_done(&fk);
	}
}

static void
test_connect_errors(void **state)
{
	struct sockaddr_un sa;
	char	why[512];
	int	fd;

	(void)state;
	assert_int_equal(svc_bounce_append("private", "nosuch", 0, "ABC",
	    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)), -ENOENT);
	assert_non_null(strstr(tc.warn, "warning: connect to private/nosuch: "
	    "No such file or directory\n"));
	/* A socket nobody listens on. */
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "private/dead");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(svc_bounce_append("private", "dead", 0, "ABC",
	    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)), -ECONNREFUSED);
	unlink("private/dead");
	/* Names that are not a service. */
	assert_int_equal(svc_bounce_append("private", "../x", 0, "ABC",
	    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)), -EINVAL);
	assert_int_equal(svc_bounce_append("private", "", 0, "ABC",
	    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)), -EINVAL);
	assert_int_equal(svc_bounce_append("private", "bounce", 0, NULL,
	    &bounce_rcpt, &bounce_dsn, TMO, why, sizeof(why)), -EINVAL);
}

/* A request that does not fit is refused before anything is sent. */
static void
test_request_too_large(void **state)
{
	struct svc_dsn d = bounce_dsn;
	char	*big, why[512];

	(void)state;
	big = malloc(SVC_REQUEST_MAX + 1);
	assert_non_null(big);
	memset(big, 'x', SVC_REQUEST_MAX);
	big[SVC_REQUEST_MAX] = '\0';
	d.reason = big;
	assert_int_equal(svc_bounce_append("private", "nosuch", 0, "ABC",
	    &bounce_rcpt, &d, TMO, why, sizeof(why)), -ENOSPC);
	/* It did not even try to connect. */
	assert_null(strstr(tc.warn, "connect to"));
	free(big);
}

static void
test_timeout(void **state)
{
	struct fake fk = { .path = "private/bounce", IN(GREET_BOUNCE),
	    IN(STATUS_OK), .hang = 1 };
	char	got[REQ_MAX], why[512];

	(void)state;
	fake_start(&fk);
	assert_int_equal(svc_bounce_append("private", "bounce", 0,
	    "8794CA76063", &bounce_rcpt, &bounce_dsn, 1, why, sizeof(why)),
	    -ETIMEDOUT);
	assert_int_equal(fake_request(&fk, got, sizeof(got)), 484);
	assert_non_null(strstr(tc.warn, "timeout on private/bounce socket"));
	fake_done(&fk);
}

/* ------------------------------------------------------------------ */
/* verify and flush                                                    */

#define GREET_VERIFY	"protocol\0address_verification_prrotocol\0\0"

static void
test_verify(void **state)
{
	struct fake fk = { .path = "private/verify", IN(GREET_VERIFY),
	    IN(STATUS_OK) };
	char	got[REQ_MAX], why[512];
	static const char want[] = "request\0update\0address\0a@b.test\0"
	    "recipient_status\0002\0reason\0host said: 550 no\0\0";

	(void)state;
	fake_start(&fk);
	assert_int_equal(svc_verify_update("private", "verify", "a@b.test",
	    DEL_RCPT_STAT_BOUNCE, "host said: 550 no", TMO, why, sizeof(why)),
	    0);
	assert_int_equal(fake_request(&fk, got, sizeof(got)),
	    sizeof(want) - 1);
	assert_memory_equal(got, want, sizeof(want) - 1);
	fake_done(&fk);

	/* MISSING-only: an extra attribute before status is skipped. */
	fk.reply = "extra\0x\0status\0000\0\0";
	fk.replylen = sizeof("extra\0x\0status\0000\0\0") - 1;
	fake_start(&fk);
	assert_int_equal(svc_verify_update("private", "verify", "a@b.test",
	    DEL_RCPT_STAT_OK, "", TMO, why, sizeof(why)), 0);
	fake_done(&fk);

	/* VRFY_STAT_BAD (-2) and VRFY_STAT_FAIL (-1). */
	fk.reply = "status\0004294967294\0\0";
	fk.replylen = sizeof("status\0004294967294\0\0") - 1;
	fake_start(&fk);
	assert_int_equal(svc_verify_update("private", "verify", "a@b.test",
	    DEL_RCPT_STAT_OK, "", TMO, why, sizeof(why)), -EPROTO);
	assert_non_null(strstr(why, "status -2"));
	fake_done(&fk);

	/* The bounce greeting is not the verify greeting. */
	fk.greet = GREET_BOUNCE;
	fk.greetlen = sizeof(GREET_BOUNCE) - 1;
	fk.reply = STATUS_OK;
	fk.replylen = sizeof(STATUS_OK) - 1;
	fake_start(&fk);
	assert_int_equal(svc_verify_update("private", "verify", "a@b.test",
	    DEL_RCPT_STAT_OK, "", TMO, why, sizeof(why)), -EBADMSG);
	fake_done(&fk);
	assert_non_null(strstr(tc.warn, "unexpected protocol "
	    "delivery_status_protocol from private/verify socket (expected: "
	    "address_verification_prrotocol)"));
}

static const struct vcase {
	const char *orig;
	const char *addr;
	int	nconn;
	const char *first;	/* address of the first update */
	const char *second;	/* of the second, or NULL */
} vcases[] = {
	{ "alias@x.test", "user@x.test", 2, "alias@x.test", "user@x.test" },
	{ "", "user@x.test", 1, "user@x.test", NULL },
	{ NULL, "user@x.test", 1, "user@x.test", NULL },
	{ "user@x.test", "user@x.test", 1, "user@x.test", NULL },
};

static void
test_verify_rcpt(void **state)
{
	char	got[REQ_MAX], why[512], want[256];
	size_t	i;
	ssize_t	n;

	(void)state;
	for (i = 0; i < NELEM(vcases); i++) {
		const struct vcase *c = &vcases[i];
		struct fake fk = { .path = "private/verify", IN(GREET_VERIFY),
		    IN(STATUS_OK), .nconn = c->nconn };
		const struct svc_rcpt r = { c->orig, c->addr, 100, "", 0 };

		fake_start(&fk);
		assert_int_equal(svc_verify_rcpt("private", "verify", &r,
		    DEL_RCPT_STAT_DEFER, "r", TMO, why, sizeof(why)), 0);
		n = snprintf(want, sizeof(want),
		    "request%cupdate%caddress%c%s%c", 0, 0, 0, c->first, 0);
		assert_true(fake_request(&fk, got, sizeof(got)) > n);
		assert_memory_equal(got, want, (size_t)n);
		if (c->second != NULL) {
			n = snprintf(want, sizeof(want),
			    "request%cupdate%caddress%c%s%c", 0, 0, 0,
			    c->second, 0);
			assert_true(fake_request(&fk, got, sizeof(got)) > n);
			assert_memory_equal(got, want, (size_t)n);
		}
		fake_done(&fk);
	}
	/* The first update fails: no second one. */
	{
		struct fake fk = { .path = "private/verify", IN(GREET_VERIFY),
		    IN("status\0004294967295\0\0"), .nconn = 1 };
		const struct svc_rcpt r = { "a@x.test", "b@x.test", 1, "", 0 };

		fake_start(&fk);
		assert_int_equal(svc_verify_rcpt("private", "verify", &r,
		    DEL_RCPT_STAT_OK, "", TMO, why, sizeof(why)), -EPROTO);
		fake_done(&fk);
	}
}

#define GREET_FLUSH	"protocol\0queue_flush_protocol\0\0"

static void
test_flush(void **state)
{
	struct fake fk = { .path = "public/flush", IN(GREET_FLUSH),
	    IN("status\0004\0\0") };
	static const char want[] =
	    "request\0add\0site\0example.com\0queue_id\0ABC123\0\0";
	char	got[REQ_MAX], why[512];
	int	st = 99;

	(void)state;
	fake_start(&fk);
	assert_int_equal(svc_flush_add("public", "flush", "example.com",
	    "ABC123", TMO, &st, why, sizeof(why)), 0);
	assert_int_equal(st, FLUSH_STAT_DENY);
	assert_int_equal(fake_request(&fk, got, sizeof(got)),
	    sizeof(want) - 1);
	assert_memory_equal(got, want, sizeof(want) - 1);
	fake_done(&fk);

	fk.reply = "status\0004294967295\0\0";
	fk.replylen = sizeof("status\0004294967295\0\0") - 1;
	fake_start(&fk);
	assert_int_equal(svc_flush_add("public", "flush", "example.com",
	    "ABC123", TMO, &st, why, sizeof(why)), 0);
	assert_int_equal(st, FLUSH_STAT_FAIL);
	fake_done(&fk);

	/* No flush service at all. */
	assert_int_equal(svc_flush_add("public", "flush", "example.com",
	    "ABC123", TMO, &st, why, sizeof(why)), -ENOENT);
	assert_int_equal(st, FLUSH_STAT_FAIL);
}

/* ------------------------------------------------------------------ */
/* The decision table (sent.c, defer.c, bounce.c)                      */

#define OK3	(DEL_REQ_FLAG_SUCCESS | DEL_REQ_FLAG_BOUNCE)
#define MTA	DEL_REQ_FLAG_MTA_VRFY
#define USR	DEL_REQ_FLAG_USR_VRFY
#define REC	DEL_REQ_FLAG_RECORD
#define DLY	DEL_REQ_FLAG_REC_DLY_SENT
#define N_SUC	DSN_NOTIFY_SUCCESS
#define N_FAIL	DSN_NOTIFY_FAILURE
#define N_DLY	DSN_NOTIFY_DELAY
#define FINAL	DEL_STAT_FINAL
#define DEFER	DEL_STAT_DEFER
#define FB_NO	SVC_FALLBACK_NONE
#define FB_TR	SVC_FALLBACK_TRACE
#define FB_BO	SVC_FALLBACK_BOUNCE

static const struct route_case {
	const char *label;
	unsigned flags;
	int	outcome;
	int	soft;
	int	negc;		/* $address_verify_negative_cache */
	int	rdsn;		/* the server announced DSN */
	unsigned notify;
	/* expected */
	int	cls;
	const char *action;
	const char *log;
	const char *steps;	/* V T B D: required; v t b d: not */
	unsigned notify_out;
	int	vstat;
	int	done;
	int	status;
	int	flush;
	int	logall;
	enum svc_fallback fb;
} rt[] = {
	/* Success. */
	{ "sent", OK3, 2, 0, 1, 0, 0,
	  2, "relayed", "sent", "", 0, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, SUCCESS flag clear", DEL_REQ_FLAG_BOUNCE, 2, 0, 1, 0, 0,
	  2, "relayed", "sent", "", 0, -1, 0, FINAL, 0, 0, FB_TR },
	{ "sent, sendmail -v", OK3 | REC, 2, 0, 1, 0, 0,
	  2, "relayed", "sent", "T", 0, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, NOTIFY=SUCCESS, no remote DSN", OK3, 2, 0, 1, 0, N_SUC,
	  2, "relayed", "sent", "T", N_SUC, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, NOTIFY=SUCCESS, remote DSN", OK3, 2, 0, 1, 1, N_SUC,
	  2, "relayed", "sent", "", 0, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, -v and NOTIFY=SUCCESS,FAILURE", OK3 | REC, 2, 0, 1, 0,
	  N_SUC | N_FAIL,
	  2, "relayed", "sent", "TT", N_SUC | N_FAIL, -1, 1, FINAL, 0, 0,
	  FB_TR },
	{ "sent, delay cleared, NOTIFY empty", OK3 | DLY, 2, 0, 1, 0, 0,
	  2, "relayed", "sent", "T", 0, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, delay cleared, NOTIFY=DELAY", OK3 | DLY, 2, 0, 1, 0, N_DLY,
	  2, "relayed", "sent", "T", N_DLY, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, delay cleared, NOTIFY=FAILURE", OK3 | DLY, 2, 0, 1, 0,
	  N_FAIL,
	  2, "relayed", "sent", "", N_FAIL, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, delay cleared, NOTIFY=SUCCESS, remote DSN", OK3 | DLY, 2, 0,
	  1, 1, N_SUC,
	  2, "relayed", "sent", "T", 0, -1, 1, FINAL, 0, 0, FB_TR },
	{ "sent, delay cleared, NOTIFY=SUCCESS,DELAY", OK3 | DLY, 2, 0, 1, 0,
	  N_SUC | N_DLY,
	  2, "relayed", "sent", "TT", N_SUC | N_DLY, -1, 1, FINAL, 0, 0,
	  FB_TR },
	{ "sent, MTA probe", OK3 | MTA, 2, 0, 0, 0, 0,
	  2, "deliverable", "deliverable", "V", 0, 0, 1, FINAL, 0, 0, FB_NO },
	{ "sent, MTA probe, SUCCESS clear", DEL_REQ_FLAG_BOUNCE | MTA, 2, 0,
	  1, 0, 0,
	  2, "deliverable", "deliverable", "V", 0, 0, 0, FINAL, 0, 0, FB_NO },
	{ "sent, sendmail -bv", OK3 | USR, 2, 0, 1, 0, 0,
	  2, "deliverable", "deliverable", "T", 0, -1, 1, FINAL, 0, 0,
	  FB_NO },
	{ "sent, both probe flags: MTA wins", OK3 | MTA | USR, 2, 0, 1, 0, 0,
	  2, "deliverable", "deliverable", "V", 0, 0, 1, FINAL, 0, 0, FB_NO },
	{ "sent, -bv with -v: one trace", OK3 | USR | REC, 2, 0, 1, 0, N_SUC,
	  2, "deliverable", "deliverable", "T", N_SUC, -1, 1, FINAL, 0, 0,
	  FB_NO },
	/* Soft failure. */
	{ "deferred", OK3, 4, 0, 1, 0, 0,
	  4, "delayed", "deferred", "d", 0, -1, 0, DEFER, 1, 1, FB_NO },
	{ "deferred, sendmail -v", OK3 | REC, 4, 0, 1, 0, 0,
	  4, "delayed", "deferred", "dt", 0, -1, 0, DEFER, 1, 1, FB_NO },
	{ "deferred, soft_bounce", OK3, 4, 1, 1, 0, N_DLY,
	  4, "delayed", "deferred", "d", N_DLY, -1, 0, DEFER, 1, 1, FB_NO },
	{ "deferred, remote DSN does not matter", OK3, 4, 0, 1, 1, N_SUC,
	  4, "delayed", "deferred", "d", N_SUC, -1, 0, DEFER, 1, 1, FB_NO },
	{ "deferred, MTA probe", OK3 | MTA, 4, 0, 1, 0, 0,
	  4, "undeliverable", "undeliverable", "V", 0, 1, 1, FINAL, 0, 0,
	  FB_NO },
	{ "deferred, MTA probe, no negative cache", OK3 | MTA, 4, 0, 0, 0, 0,
	  4, "undeliverable-but-not-cached", "undeliverable-but-not-cached",
	  "", 0, -1, 1, FINAL, 0, 0, FB_NO },
	{ "deferred, sendmail -bv", OK3 | USR, 4, 0, 1, 0, 0,
	  4, "undeliverable", "undeliverable", "T", 0, -1, 1, FINAL, 0, 0,
	  FB_NO },
	{ "deferred, sendmail -bv, SUCCESS clear", DEL_REQ_FLAG_BOUNCE | USR,
	  4, 0, 1, 0, 0,
	  4, "undeliverable", "undeliverable", "T", 0, -1, 1, FINAL, 0, 0,
	  FB_NO },
	/* Hard failure. */
	{ "bounced", OK3, 5, 0, 1, 0, 0,
	  5, "failed", "bounced", "B", 0, -1, 1, FINAL, 0, 0, FB_BO },
	{ "bounced, SUCCESS clear", DEL_REQ_FLAG_BOUNCE, 5, 0, 1, 0, 0,
	  5, "failed", "bounced", "B", 0, -1, 1, FINAL, 0, 0, FB_BO },
	{ "bounced, sendmail -v", OK3 | REC, 5, 0, 1, 0, N_FAIL,
	  5, "failed", "bounced", "BT", N_FAIL, -1, 1, FINAL, 0, 0, FB_BO },
	{ "bounced, soft_bounce", OK3, 5, 1, 1, 0, 0,
	  4, "delayed", "SOFTBOUNCE", "D", 0, -1, 0, DEFER, 0, 0, FB_BO },
	{ "bounced, soft_bounce, sendmail -v", OK3 | REC, 5, 1, 1, 0, 0,
	  4, "delayed", "SOFTBOUNCE", "DT", 0, -1, 0, DEFER, 0, 0, FB_BO },
	{ "bounced, MTA probe", OK3 | MTA, 5, 0, 1, 0, 0,
	  5, "undeliverable", "undeliverable", "V", 0, 2, 1, FINAL, 0, 0,
	  FB_NO },
	{ "bounced, MTA probe, no negative cache", OK3 | MTA, 5, 0, 0, 0, 0,
	  5, "undeliverable-but-not-cached", "undeliverable-but-not-cached",
	  "", 0, -1, 1, FINAL, 0, 0, FB_NO },
	{ "bounced, MTA probe, soft_bounce", OK3 | MTA, 5, 1, 1, 0, 0,
	  5, "undeliverable", "undeliverable", "V", 0, 2, 1, FINAL, 0, 0,
	  FB_NO },
	{ "bounced, sendmail -bv, soft_bounce", OK3 | USR, 5, 1, 1, 0, 0,
	  5, "undeliverable", "undeliverable", "T", 0, -1, 1, FINAL, 0, 0,
	  FB_NO },
};

static void
steps_string(const struct svc_route *r, char *out)
{
	static const char upper[] = "VTBD", lower[] = "vtbd";
	int	i;

	for (i = 0; i < r->nstep; i++)
		out[i] = r->step[i].required ? upper[r->step[i].call] :
		    lower[r->step[i].call];
	out[i] = '\0';
}

static void
test_route_table(void **state)
{
	struct svc_route r;
	char	steps[SVC_ROUTE_STEPS_MAX + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(rt); i++) {
		const struct route_case *c = &rt[i];

		assert_int_equal(svc_route(c->flags, c->outcome, c->soft,
		    c->negc, c->rdsn, c->notify, &r), 0);
		steps_string(&r, steps);
		if (r.dsn_class != c->cls || strcmp(r.action, c->action) != 0 ||
		    strcmp(r.log_status, c->log) != 0 ||
		    strcmp(steps, c->steps) != 0 || r.notify != c->notify_out ||
		    r.verify_status != c->vstat || r.done_if_ok != c->done ||
		    r.status_if_ok != c->status || r.flush != c->flush ||
		    r.log_always != c->logall || r.fallback != c->fb)
			fail_msg("case '%s': class %d action %s log %s steps "
			    "'%s' notify %u vstat %d done %d status %d "
			    "flush %d logall %d fallback %d", c->label,
			    r.dsn_class,
			    r.action, r.log_status, steps, r.notify,
			    r.verify_status, r.done_if_ok, r.status_if_ok,
			    r.flush, r.log_always, (int)r.fallback);
		/* What the caller asks afterwards. */
		assert_int_equal(svc_route_done(&r, 1), c->done);
		assert_int_equal(svc_route_status(&r, 1), c->status);
		assert_int_equal(svc_route_done(&r, 0), 0);
		assert_int_equal(svc_route_status(&r, 0), DEFER);
	}
	assert_int_equal(svc_route(OK3, 3, 0, 1, 0, 0, &r), -EINVAL);
	assert_int_equal(svc_route(OK3, 0, 0, 1, 0, 0, &r), -EINVAL);
}

static int
has_step(const struct svc_route *r, enum svc_call call, int required)
{
	int	i;

	for (i = 0; i < r->nstep; i++)
		if (r->step[i].call == call && r->step[i].required == required)
			return (1);
	return (0);
}

/* Every combination against the rules that keep mail from being lost. */
static void
test_route_safety(void **state)
{
	static const unsigned bits[] = {
		DEL_REQ_FLAG_SUCCESS, DEL_REQ_FLAG_BOUNCE, MTA, USR, REC,
		DEL_REQ_FLAG_CONN_LOAD, DEL_REQ_FLAG_CONN_STORE, DLY,
	};
	static const int outcomes[] = { 2, 4, 5 };
	struct svc_route r;
	unsigned mask, flags, notify;
	size_t	o, b;
	int	soft, negc, rdsn, n = 0;

	(void)state;
	for (mask = 0; mask < 1u << NELEM(bits); mask++) {
		flags = 0;
		for (b = 0; b < NELEM(bits); b++)
			if (mask & 1u << b)
				flags |= bits[b];
		for (o = 0; o < NELEM(outcomes); o++)
		for (soft = 0; soft < 2; soft++)
		for (negc = 0; negc < 2; negc++)
		for (rdsn = 0; rdsn < 2; rdsn++)
		for (notify = 0; notify < 16; notify++) {
			int	probe = (flags & (MTA | USR)) != 0;

			assert_int_equal(svc_route(flags, outcomes[o], soft,
			    negc, rdsn, notify, &r), 0);
			n++;
			/* A failed report never completes anything. */
			assert_int_equal(svc_route_done(&r, 0), 0);
			assert_int_equal(svc_route_status(&r, 0), DEFER);
			/* Done only where the request may be FINAL. */
			if (r.done_if_ok)
				assert_int_equal(r.status_if_ok, FINAL);
			if (probe) {
				/* Probes never touch bounce/defer logs. */
				assert_false(has_step(&r, SVC_CALL_BOUNCE, 1));
				assert_false(has_step(&r, SVC_CALL_DEFER, 0));
				assert_false(has_step(&r, SVC_CALL_DEFER, 1));
				assert_int_equal(r.fallback, FB_NO);
				continue;
			}
			if (outcomes[o] == 4 || (outcomes[o] == 5 && soft)) {
				/* A deferral of real mail: never done. */
				assert_int_equal(r.done_if_ok, 0);
				assert_int_equal(svc_route_status(&r, 1),
				    DEFER);
				assert_int_equal(r.dsn_class, 4);
				assert_true(has_step(&r, SVC_CALL_DEFER, 0) ||
				    has_step(&r, SVC_CALL_DEFER, 1));
			}
			if (outcomes[o] == 5 && !soft) {
				/* Done only through a required bounce. */
				assert_true(has_step(&r, SVC_CALL_BOUNCE, 1));
				assert_int_equal(r.fallback, FB_BO);
				assert_int_equal(r.dsn_class, 5);
			}
			if (outcomes[o] == 2) {
				assert_int_equal(r.done_if_ok,
				    (flags & DEL_REQ_FLAG_SUCCESS) != 0);
				assert_int_equal(r.fallback, FB_TR);
				/* Every trace of a success is required. */
				assert_false(has_step(&r, SVC_CALL_TRACE, 0));
			}
		}
	}
	assert_int_equal(n, 256 * 3 * 2 * 2 * 2 * 16);
}

/* ------------------------------------------------------------------ */
/* DSN status, trace reason, fallback reason                           */

static const struct dsn_case {
	const char *in;
	int	outcome;
	int	cls;
	int	rc;
	const char *out;
	const char *warn;
} dsn_cases[] = {
	{ "2.0.0", 2, 2, 0, "2.0.0", NULL },
	{ "2.1.5", 2, 2, 0, "2.1.5", NULL },
	{ "4.4.1", 4, 4, 0, "4.4.1", NULL },
	{ "5.1.1", 5, 5, 0, "5.1.1", NULL },
	{ "5.1.1", 5, 4, 0, "4.1.1", NULL },	/* soft_bounce */
	{ "5.123.456", 5, 5, 0, "5.123.456", NULL },
	{ "4.1.1", 5, 5, 1, "5.0.0",
	  "warning: bounce_append: ignoring dsn code \"4.1.1\"\n" },
	{ "5.1.1", 4, 4, 1, "4.0.0",
	  "warning: defer_append: ignoring dsn code \"5.1.1\"\n" },
	{ "4.0.0", 2, 2, 1, "2.0.0",
	  "warning: sent: ignoring dsn code \"4.0.0\"\n" },
	{ "", 4, 4, 1, "4.0.0",
	  "warning: defer_append: ignoring dsn code \"\"\n" },
	{ NULL, 2, 2, 1, "2.0.0", "warning: sent: ignoring dsn code \"\"\n" },
	{ "2.0", 2, 2, 1, "2.0.0", NULL },
	{ "2.0.0.0", 2, 2, 1, "2.0.0", NULL },
	{ "2.1234.0", 2, 2, 1, "2.0.0", NULL },
	{ "5.1.1 x", 5, 5, 1, "5.0.0", NULL },
	{ "5.1.1\n", 5, 4, 1, "4.0.0",
	  "warning: bounce_append: ignoring dsn code \"5.1.1 \"\n" },
};

static void
test_dsn_status(void **state)
{
	char	out[SJ_DSN_STATUS_MAX + 1];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(dsn_cases); i++) {
		const struct dsn_case *c = &dsn_cases[i];

		tc.warn[0] = '\0';
		assert_int_equal(svc_dsn_status(out, sizeof(out), c->in,
		    c->outcome, c->cls), c->rc);
		assert_string_equal(out, c->out);
		if (c->rc == 0)
			assert_string_equal(tc.warn, "");
		else if (c->warn != NULL)
			assert_string_equal(tc.warn, c->warn);
		else
			assert_non_null(strstr(tc.warn, "ignoring dsn code"));
	}
	assert_int_equal(svc_dsn_status(out, sizeof(out), "2.0.0", 3, 2),
	    -EINVAL);
	assert_int_equal(svc_dsn_status(out, sizeof(out), "2.0.0", 2, 1),
	    -EINVAL);
	assert_int_equal(svc_dsn_status(out, 5, "2.0.0", 2, 2), -EINVAL);
}

static void
test_reasons(void **state)
{
	char	out[64], small[10];

	(void)state;
	assert_int_equal(svc_trace_reason(out, sizeof(out),
	    "127.0.0.1[127.0.0.1]:2530", "250 2.0.0 Ok"), 0);
	assert_string_equal(out,
	    "delivery via 127.0.0.1[127.0.0.1]:2530: 250 2.0.0 Ok");
	assert_int_equal(svc_trace_reason(out, sizeof(out), "none", "x y"), 0);
	assert_string_equal(out, "x y");
	assert_int_equal(svc_trace_reason(out, sizeof(out), NULL, "x y"), 0);
	assert_string_equal(out, "x y");
	assert_int_equal(svc_trace_reason(small, sizeof(small), "relay",
	    "reason"), -ENOSPC);
	assert_string_equal(small, "delivery ");

	assert_int_equal(svc_fallback_reason(out, sizeof(out), FB_TR,
	    "DAB15A760F5", "bounce", "trace"), 0);
	assert_string_equal(out, "DAB15A760F5: trace service failed");
	assert_int_equal(svc_fallback_reason(out, sizeof(out), FB_BO,
	    "DAB15A760F5", "bounce", "trace"), 0);
	assert_string_equal(out, "bounce or trace service failure");
	assert_int_equal(svc_fallback_reason(out, sizeof(out), FB_NO,
	    "DAB15A760F5", "bounce", "trace"), -EINVAL);
	assert_int_equal(svc_fallback_reason(small, sizeof(small), FB_BO,
	    "Q", "bounce", "trace"), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bounce_observed, setup),
		cmocka_unit_test_setup(test_trace_observed, setup),
		cmocka_unit_test_setup(test_flags_masked, setup),
		cmocka_unit_test_setup(test_bounce_replies, setup),
		cmocka_unit_test_setup(test_connect_errors, setup),
		cmocka_unit_test_setup(test_request_too_large, setup),
		cmocka_unit_test_setup(test_timeout, setup),
		cmocka_unit_test_setup(test_verify, setup),
		cmocka_unit_test_setup(test_verify_rcpt, setup),
		cmocka_unit_test_setup(test_flush, setup),
		cmocka_unit_test_setup(test_route_table, setup),
		cmocka_unit_test_setup(test_route_safety, setup),
		cmocka_unit_test_setup(test_dsn_status, setup),
		cmocka_unit_test_setup(test_reasons, setup),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}

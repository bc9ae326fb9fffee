/*
 * NAME
 *	test_pass 1
 * SUMMARY
 *	best_mx_transport hand-off: request bytes and reply handling
 * DESCRIPTION
 *	A fake delivery agent listens on private/<transport> in a temp
 *	queue directory and parses what pass_rcpt() sends with the real
 *	request reader (dreq_read), so the hand-off is checked against the
 *	same rules qmgr's requests are; it then answers FINAL, DEFER or
 *	garbage, or is absent.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dreq.h"
#include "pass.h"

enum answer { ANS_FINAL, ANS_DEFER, ANS_GARBAGE };

static char old_cwd[4096];
static char tmpdir[64];

static void
fill_req(struct dreq *r, struct dreq_rcpt *rc)
{
	static char empty[] = "", nexthop[] = "mx.example.test",
	    enc[] = "8bit", sender[] = "a@example.test", ctx[] = "remote";
	static char o0[] = "x@one.test", a0[] = "x@one.test",
	    o1[] = "orig@two.test", a1[] = "y@two.test",
	    orcpt[] = "rfc822;orig@two.test";

	memset(r, 0, sizeof(*r));
	r->flags = 3;
	snprintf(r->queue_name, sizeof(r->queue_name), "active");
	snprintf(r->queue_id, sizeof(r->queue_id), "4F2A81C0E3");
	r->data_offset = 700;
	r->data_size = 1234;
	r->nexthop = nexthop;
	r->encoding = enc;
	r->sendopts = 0;
	r->sendopts_name = "smtputf8";
	r->sender = sender;
	r->dsn_envid = empty;
	r->stats.incoming_arrival.tv_sec = 1795466739;
	r->stats.agent_handoff.tv_sec = 1795466761;
	r->stats.agent_handoff.tv_usec = 644604;
	r->client_name = r->client_addr = r->client_port = empty;
	r->client_proto = r->client_helo = r->sasl_method = empty;
	r->sasl_username = r->sasl_sender = r->log_ident = empty;
	r->rewrite_context = ctx;
	r->rcpt_count = 2;
	rc[0] = (struct dreq_rcpt){ o0, a0, 296, empty, 0 };
	rc[1] = (struct dreq_rcpt){ o1, a1, 354, orcpt, 6 };
	r->rcpt = rc;
}

/* The fake agent: one connection, checks, answers; exit 0 if as expected. */
static pid_t
agent_start(const char *transport, enum answer ans, const char *want_hop)
{
	struct sockaddr_un sa;
	int	lfd, fd, rc = 0;
	pid_t	pid;

	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "private/%s", transport);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	if ((pid = fork()) == 0) {
		struct dreq got;
		char	why[256];

		alarm(20);
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			_exit(10);
		if (dreq_greet(fd, 5) < 0)
			_exit(11);
		memset(&got, 0, sizeof(got));
		if (dreq_read(fd, &got, 5, why, sizeof(why)) < 0) {
			fprintf(stderr, "agent: %s\n", why);
			_exit(12);
		}
		if (got.rcpt_count != 1 ||
		    strcmp(got.rcpt[0].address, "y@two.test") != 0 ||
		    strcmp(got.rcpt[0].orig_addr, "orig@two.test") != 0 ||
		    got.rcpt[0].offset != 354 || got.rcpt[0].notify != 6 ||
		    strcmp(got.rcpt[0].dsn_orcpt, "rfc822;orig@two.test") ||
		    strcmp(got.nexthop, want_hop) != 0 ||
		    strcmp(got.queue_id, "4F2A81C0E3") != 0 ||
		    got.data_offset != 700 || got.data_size != 1234 ||
		    strcmp(got.encoding, "8bit") != 0 || got.flags != 3 ||
		    got.stats.agent_handoff.tv_sec != 1795466761 ||
		    got.stats.agent_handoff.tv_usec != 644604)
			rc = 13;
		if (ans == ANS_GARBAGE) {
			if (write(fd, "bogus\0x\0\0", 9) != 9)
				rc = 14;
		} else if (dreq_reply(fd, NULL, ans == ANS_FINAL ?
		    DEL_STAT_FINAL : DEL_STAT_DEFER, 5) < 0) {
			rc = 15;
		}
		dreq_free(&got);
		_exit(rc);
	}
	close(lfd);
	return (pid);
}

static int
agent_wait(pid_t pid)
{
	int	st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	return (WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sj-pass.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || getcwd(old_cwd, sizeof(old_cwd)) ==
	    NULL || chdir(tmpdir) < 0 || mkdir("private", 0700) < 0)
		return (-1);
	signal(SIGPIPE, SIG_IGN);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	const char *names[] = { "relay1", "relay2", "relay3" };
	char	path[64];
	size_t	k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		snprintf(path, sizeof(path), "private/%s", names[k]);
		unlink(path);
	}
	rmdir("private");
	if (chdir(old_cwd) < 0)
		return (-1);
	rmdir(tmpdir);
	return (0);
}

static void
test_final_with_nexthop(void **state)
{
	struct dreq req;
	struct dreq_rcpt rc[2];
	char	why[256];
	pid_t	pid;

	(void)state;
	fill_req(&req, rc);
	pid = agent_start("relay1", ANS_FINAL, "[10.0.0.1]:2525");
	assert_int_equal(pass_rcpt("relay1:[10.0.0.1]:2525", &req, 1, 5, why,
	    sizeof(why)), DEL_STAT_FINAL);
	assert_int_equal(agent_wait(pid), 0);
}

static void
test_defer_same_nexthop(void **state)
{
	struct dreq req;
	struct dreq_rcpt rc[2];
	char	why[256];
	pid_t	pid;

	(void)state;
	fill_req(&req, rc);
	pid = agent_start("relay2", ANS_DEFER, "mx.example.test");
	assert_int_equal(pass_rcpt("relay2", &req, 1, 5, why, sizeof(why)),
	    DEL_STAT_DEFER);
	assert_int_equal(agent_wait(pid), 0);
}

static void
test_garbage_reply(void **state)
{
	struct dreq req;
	struct dreq_rcpt rc[2];
	char	why[256];
	pid_t	pid;

	(void)state;
	fill_req(&req, rc);
	pid = agent_start("relay3", ANS_GARBAGE, "mx.example.test");
	assert_int_equal(pass_rcpt("relay3", &req, 1, 5, why, sizeof(why)),
	    -EBADMSG);
	assert_non_null(strstr(why, "malformed reply"));
	assert_int_equal(agent_wait(pid), 0);
}

static void
test_unreachable(void **state)
{
	struct dreq req;
	struct dreq_rcpt rc[2];
	char	why[256];
	int	st;

	(void)state;
	fill_req(&req, rc);
	st = pass_rcpt("nosuch", &req, 0, 5, why, sizeof(why));
	assert_true(st < 0 && st != -EBADMSG);
	assert_non_null(strstr(why, "private/nosuch"));
	assert_true(pass_rcpt(":x", &req, 0, 5, why, sizeof(why)) == -EINVAL);
	assert_true(pass_rcpt("a/b", &req, 0, 5, why, sizeof(why)) < 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_final_with_nexthop),
		cmocka_unit_test(test_defer_same_nexthop),
		cmocka_unit_test(test_garbage_reply),
		cmocka_unit_test(test_unreachable),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

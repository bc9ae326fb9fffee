/*
 * NAME
 *	test_smtp_ack 1
 * SUMMARY
 *	when the child acknowledges reply bytes at once (TCP_QUICKACK)
 * DESCRIPTION
 *	A TCP connection on the loopback, the test's end put in delayed-ACK
 *	("pingpong") mode with TCP_QUICKACK 0; getsockopt(TCP_QUICKACK)
 *	then reads 0 until smtp_ack_wait() sets it. Cases: a wait after a
 *	read sets it; a wait after a read and then a write (which carried
 *	the ACK) does not; a second wait without a new read does not; a
 *	read from another descriptor does not make this one due.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/smtp_ack.c, tcp(7)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "smtp_ack.h"

struct pair {
	int	cli;			/* the child's end */
	int	srv;
};

static void
pair_open(struct pair *p)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int	lfd, zero = 0;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	p->cli = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(p->cli >= 0);
	assert_int_equal(connect(p->cli, (struct sockaddr *)&sin,
	    sizeof(sin)), 0);
	p->srv = accept(lfd, NULL, NULL);
	assert_true(p->srv >= 0);
	close(lfd);
	assert_int_equal(setsockopt(p->cli, IPPROTO_TCP, TCP_QUICKACK, &zero,
	    sizeof(zero)), 0);
}

static int
quickack(int fd)
{
	int	v = -1;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &v, &len),
	    0);
	return (v);
}

static void
pair_close(struct pair *p)
{
	close(p->cli);
	close(p->srv);
}

static void
test_wait_after_read(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p);
	assert_int_equal(quickack(p.cli), 0);
	smtp_ack_read(p.cli);
	smtp_ack_wait(p.cli);
	assert_int_equal(quickack(p.cli), 1);
	pair_close(&p);
}

static void
test_write_carries_the_ack(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p);
	smtp_ack_read(p.cli);
	smtp_ack_sent(p.cli);
	smtp_ack_wait(p.cli);
	assert_int_equal(quickack(p.cli), 0);
	pair_close(&p);
}

static void
test_once_per_read(void **state)
{
	struct pair p;
	int	zero = 0;

	(void)state;
	pair_open(&p);
	smtp_ack_read(p.cli);
	smtp_ack_wait(p.cli);
	assert_int_equal(quickack(p.cli), 1);
	assert_int_equal(setsockopt(p.cli, IPPROTO_TCP, TCP_QUICKACK, &zero,
	    sizeof(zero)), 0);
	smtp_ack_wait(p.cli);
	assert_int_equal(quickack(p.cli), 0);
	pair_close(&p);
}

static void
test_other_descriptor(void **state)
{
	struct pair p, q;

	(void)state;
	pair_open(&p);
	pair_open(&q);
	smtp_ack_read(q.cli);
	smtp_ack_wait(p.cli);
	assert_int_equal(quickack(p.cli), 0);
	smtp_ack_sent(q.cli);
	pair_close(&q);
	pair_close(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_after_read),
		cmocka_unit_test(test_write_carries_the_ack),
		cmocka_unit_test(test_once_per_read),
		cmocka_unit_test(test_other_descriptor),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

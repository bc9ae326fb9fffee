/*
 * NAME
 *	test_conn_cache 1
 * SUMMARY
 *	the child's cache of idle SMTP sessions
 * DESCRIPTION
 *	Sessions are socketpairs: the test holds the "server" end and sees
 *	what the cache writes (QUIT) and when it closes. Cases: taken by
 *	nexthop label and by endpoint (each removes the entry, counts one
 *	more use); no match for another port, address or label, nor
 *	for a job that needs a feature (SMTPUTF8) the session lacks; a full
 *	cache closes the entry stored first; the idle limit closes an
 *	entry (by lookup and by the idle poll); the poll's deadline is the
 *	earliest expiry; input or EOF on an idle session drops it without
 *	QUIT; closing all sends QUIT to each.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/conn_cache.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "conn_cache.h"
#include "sj_sys.h"
#include "sj_tls.h"

/* A session to ADDR:PORT; *peer_fd is the server's end. */
static void
mk_conn(struct smtp_conn *c, const char *addr, unsigned port, int *peer_fd)
{
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	memset(c, 0, sizeof(*c));
	c->fd = sv[0];
	*peer_fd = sv[1];
	smtp_session_peer(&c->peer, "mx.example", addr, port);
	c->esmtp = 1;
	c->expire_ms = sys_now_ms() + 300000;
}

/* What the cache wrote to a session before closing it: "" or QUIT. */
static void
assert_closed_with(int peer_fd, const char *want)
{
	char	buf[64];
	ssize_t	n;

	n = read(peer_fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
	/* and then EOF: the cache closed its end */
	assert_int_equal(read(peer_fd, buf, sizeof(buf)), 0);
	close(peer_fd);
}

static void
test_take_by_label_and_endpoint(void **state)
{
	struct smtp_conn a, b, got;
	int	pa, pb;

	(void)state;
	mk_conn(&a, "192.0.2.1", 25, &pa);
	mk_conn(&b, "192.0.2.2", 25, &pb);
	a.reuse_count = 3;
	conn_cache_store(&a, "example.com:25", 60000);
	conn_cache_store(&b, "", 60000);
	assert_int_equal(conn_cache_count(), 2);

	assert_int_equal(conn_cache_take_dest("other.example:25", 0, &got), 0);
	assert_int_equal(conn_cache_take_dest("", 0, &got), 0);
	assert_int_equal(conn_cache_take_endp("192.0.2.2", 587, 0, &got), 0);
	assert_int_equal(conn_cache_take_endp("192.0.2.3", 25, 0, &got), 0);

	assert_int_equal(conn_cache_take_dest("example.com:25", 0, &got), 1);
	assert_int_equal(got.fd, a.fd);
	assert_int_equal(got.reuse_count, 4);
	assert_string_equal(got.peer.relay, "mx.example[192.0.2.1]:25");
	/* gone under both labels */
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25, 0, &got), 0);

	assert_int_equal(conn_cache_take_endp("192.0.2.2", 25, 0, &got), 1);
	assert_int_equal(got.fd, b.fd);
	assert_int_equal(got.reuse_count, 1);
	assert_int_equal(conn_cache_count(), 0);
	close(a.fd);
	close(b.fd);
	close(pa);
	close(pb);
}

/*
 * A job that needs SMTPUTF8 takes only a session whose EHLO offered it,
 * by label and by endpoint; other jobs take either.
 */
static void
test_take_needs_features(void **state)
{
	struct smtp_conn a, b, got;
	int	pa, pb;

	(void)state;
	mk_conn(&a, "192.0.2.1", 25, &pa);
	mk_conn(&b, "192.0.2.1", 25, &pb);
	b.ehlo.features = SMTP_EHLO_PIPELINING | SMTP_EHLO_SMTPUTF8;
	conn_cache_store(&a, "example.com:25", 60000);
	assert_int_equal(conn_cache_take_dest("example.com:25",
	    SMTP_EHLO_SMTPUTF8, &got), 0);
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25,
	    SMTP_EHLO_SMTPUTF8, &got), 0);
	assert_int_equal(conn_cache_count(), 1);

	conn_cache_store(&b, "example.com:25", 60000);
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25,
	    SMTP_EHLO_SMTPUTF8, &got), 1);
	assert_int_equal(got.fd, b.fd);
	assert_int_equal(conn_cache_take_dest("example.com:25",
	    SMTP_EHLO_SMTPUTF8, &got), 0);
	assert_int_equal(conn_cache_take_dest("example.com:25", 0, &got), 1);
	assert_int_equal(got.fd, a.fd);
	assert_int_equal(conn_cache_count(), 0);
	close(a.fd);
	close(b.fd);
	close(pa);
	close(pb);
}

/*
 * The TLS level is part of the key (SMTP_NEED_TLS_LEVEL): a clear-text
 * session made at "may" (STARTTLS not offered) or "none" (the retry
 * after a failed handshake) never carries a job that requires TLS, nor
 * one at another level; a job that states no level takes any.
 */
static void
test_take_tls_level(void **state)
{
	struct smtp_conn a, b, got;
	int	pa, pb;

	(void)state;
	mk_conn(&a, "192.0.2.1", 25, &pa);
	mk_conn(&b, "192.0.2.1", 25, &pb);
	a.tls_level = SJ_TLS_LEV_MAY;
	b.tls_level = SJ_TLS_LEV_NONE;
	conn_cache_store(&a, "example.com:25", 60000);
	conn_cache_store(&b, "example.com:25", 60000);
	assert_int_equal(conn_cache_take_dest("example.com:25",
	    SMTP_NEED_TLS_LEVEL(SJ_TLS_LEV_ENCRYPT), &got), 0);
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25,
	    SMTP_NEED_TLS_LEVEL(SJ_TLS_LEV_VERIFY), &got), 0);
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25,
	    SMTP_NEED_TLS_LEVEL(SJ_TLS_LEV_NONE), &got), 1);
	assert_int_equal(got.fd, b.fd);
	assert_int_equal(conn_cache_take_dest("example.com:25",
	    SMTP_NEED_TLS_LEVEL(SJ_TLS_LEV_NONE), &got), 0);
	assert_int_equal(conn_cache_take_dest("example.com:25",
	    SMTP_NEED_TLS_LEVEL(SJ_TLS_LEV_MAY) | SMTP_EHLO_SMTPUTF8, &got), 0);
	assert_int_equal(conn_cache_take_dest("example.com:25",
	    SMTP_NEED_TLS_LEVEL(SJ_TLS_LEV_MAY), &got), 1);
	assert_int_equal(got.fd, a.fd);
	assert_int_equal(conn_cache_count(), 0);
	close(a.fd);
	close(b.fd);
	close(pa);
	close(pb);
}

static void
test_full_cache_closes_oldest(void **state)
{
	struct smtp_conn c[SJ_CONN_CACHE_MAX + 1], got;
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	int	peer[SJ_CONN_CACHE_MAX + 1], i;
	char	addr[32];

	(void)state;
	for (i = 0; i <= SJ_CONN_CACHE_MAX; i++) {
		snprintf(addr, sizeof(addr), "192.0.2.%d", i + 1);
		mk_conn(&c[i], addr, 25, &peer[i]);
		conn_cache_store(&c[i], "", 60000);
		nanosleep(&ts, NULL);	/* distinct store times */
	}
	assert_int_equal(conn_cache_count(), SJ_CONN_CACHE_MAX);
	assert_closed_with(peer[0], "QUIT\r\n");
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25, 0, &got), 0);
	conn_cache_close_all();
	assert_int_equal(conn_cache_count(), 0);
	for (i = 1; i <= SJ_CONN_CACHE_MAX; i++)
		assert_closed_with(peer[i], "QUIT\r\n");
}

/*
 * A free slot between used ones: the walks stop at the last entry in
 * use, not at the first free one, so an entry after a gap is still
 * found, expired and polled.
 */
static void
test_gap_between_entries(void **state)
{
	struct smtp_conn a, b, c, got;
	struct pollfd pfd[SJ_CONN_CACHE_MAX];
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int64_t	deadline;
	int	pa, pb, pc;

	(void)state;
	mk_conn(&a, "192.0.2.1", 25, &pa);
	mk_conn(&b, "192.0.2.2", 25, &pb);
	mk_conn(&c, "192.0.2.3", 25, &pc);
	conn_cache_store(&a, "", 600000);
	conn_cache_store(&b, "", 600000);
	conn_cache_store(&c, "", 10);
	/* the first two slots taken out: only the third is in use */
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25, 0, &got), 1);
	close(got.fd);
	close(pa);
	assert_int_equal(conn_cache_take_endp("192.0.2.2", 25, 0, &got), 1);
	assert_int_equal(got.fd, b.fd);
	assert_int_equal(conn_cache_count(), 1);
	assert_int_equal(conn_cache_poll_fds(pfd, SJ_CONN_CACHE_MAX,
	    &deadline), 1);
	assert_int_equal(pfd[0].fd, c.fd);
	/* b back, into the first free slot: c is still found after it */
	conn_cache_store(&got, "", 600000);
	nanosleep(&ts, NULL);
	/* c is past its idle limit: the walk reaches it past slot 0 */
	assert_int_equal(conn_cache_take_endp("192.0.2.3", 25, 0, &got), 0);
	assert_closed_with(pc, "QUIT\r\n");
	assert_int_equal(conn_cache_count(), 1);
	assert_int_equal(conn_cache_take_endp("192.0.2.2", 25, 0, &got), 1);
	close(got.fd);
	close(pb);
	assert_int_equal(conn_cache_count(), 0);
}

static void
test_idle_limit(void **state)
{
	struct smtp_conn a, b, got;
	struct pollfd pfd[SJ_CONN_CACHE_MAX];
	struct timespec ts = { 0, 50 * 1000 * 1000 };
	int64_t	before, deadline;
	int	pa, pb;

	(void)state;
	mk_conn(&a, "192.0.2.1", 25, &pa);
	mk_conn(&b, "192.0.2.2", 25, &pb);
	before = sys_now_ms();
	conn_cache_store(&a, "", 10);
	conn_cache_store(&b, "", 600000);
	assert_int_equal(conn_cache_poll_fds(pfd, SJ_CONN_CACHE_MAX,
	    &deadline), 2);
	assert_true(deadline >= before + 10 && deadline < before + 600000);
	nanosleep(&ts, NULL);
	/* past a's idle limit: closed by the lookup, with QUIT */
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25, 0, &got), 0);
	assert_closed_with(pa, "QUIT\r\n");
	assert_int_equal(conn_cache_poll_fds(pfd, SJ_CONN_CACHE_MAX,
	    &deadline), 1);
	assert_int_equal(pfd[0].fd, b.fd);
	assert_true(deadline >= before + 600000);
	conn_cache_close_all();
	assert_closed_with(pb, "QUIT\r\n");
}

/* The server talks on (or closes) an idle session: dropped, no QUIT. */
static void
test_idle_input_drops(void **state)
{
	struct smtp_conn a, b;
	struct pollfd pfd[SJ_CONN_CACHE_MAX];
	int64_t	deadline;
	size_t	n;
	ssize_t	r;
	int	pa, pb;

	(void)state;
	mk_conn(&a, "192.0.2.1", 25, &pa);
	mk_conn(&b, "192.0.2.2", 25, &pb);
	conn_cache_store(&a, "", 60000);
	conn_cache_store(&b, "", 60000);
	assert_int_equal(write(pa, "421 4.4.2 idle\r\n", 16), 16);
	close(pb);
	n = conn_cache_poll_fds(pfd, SJ_CONN_CACHE_MAX, &deadline);
	assert_int_equal(n, 2);
	assert_int_equal(poll(pfd, n, 5000), 2);
	conn_cache_poll_done(pfd, n);
	assert_int_equal(conn_cache_count(), 0);
	/* nothing written; closed with our input unread: EOF or reset */
	r = read(pa, pfd, sizeof(pfd));
	assert_true(r == 0 || (r < 0 && errno == ECONNRESET));
	close(pa);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_take_by_label_and_endpoint),
		cmocka_unit_test(test_take_needs_features),
		cmocka_unit_test(test_take_tls_level),
		cmocka_unit_test(test_full_cache_closes_oldest),
		cmocka_unit_test(test_gap_between_entries),
		cmocka_unit_test(test_idle_limit),
		cmocka_unit_test(test_idle_input_drops),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

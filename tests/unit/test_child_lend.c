/*
 * NAME
 *	test_child_lend 1
 * SUMMARY
 *	unit tests of the scache(8) client that lends idle children
 * DESCRIPTION
 *	parent/child_lend.c against a scripted server on private/scache in
 *	a scratch directory (a fake of scache(8) for this unit test; the
 *	real one is exercised by tests/e2e/t_e2e_share.sh). Checked: the
 *	exact attributes of save_endp and find_endp (request, ttl, label
 *	with the service, IPC version and a 32-hex-digit configuration
 *	digest, property), the descriptor handed over in each direction,
 *	"not found" leaving sharing on, a received descriptor that is not
 *	a SOCK_SEQPACKET socket or whose peer has gone refused and closed,
 *	a request on a connection the server closed sent again on a new
 *	one, a malformed reply turning sharing off, two configurations getting
 *	two digests, and the property text's parser.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/child_lend.c, Postfix src/scache/scache.c
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg_params.h"
#include "child_lend.h"
#include "fd_check.h"
#include "ipc_fdpass.h"
#include "ipc_msg.h"

static char dir[64], olddir[512];
static struct sj_config cfg;

/* ------------------------------------------------------------------ */
/* The scripted server (a forked process, one connection)             */

enum script {
	S_SAVE_OK,		/* save_endp, descriptor, status 0 */
	S_SAVE_LOST,		/* save_endp, descriptor, then EOF */
	S_FIND_OK,		/* find_endp, status 0, a live seqpacket end */
	S_FIND_NONE,		/* find_endp, status 2 */
	S_FIND_STALE,		/* find_endp, status 0, an end whose peer is gone */
	S_FIND_PIPE,		/* find_endp, status 0, a pipe */
	S_FIND_BADPROP,		/* find_endp, status 0, property "junk" */
	S_GARBAGE,		/* a reply with the wrong attribute name */
	S_FIND_TWO,		/* find_endp, status 0, two descriptors */
	S_RESTART,		/* find_endp, status 2, the connection closed;
				 * then the same on a second connection */
};

/* One attribute list: "name\0value\0...\0". Returns pairs read, and the
 * pairs as "name=value\n" lines in out[]; -1 on EOF or error. */
static int
srv_read_list(int fd, char *out, size_t outsz)
{
	char	name[256], val[2048], c;
	size_t	n, o = 0;
	int	pairs = 0, which;

	out[0] = '\0';
	for (;;) {
		for (which = 0; which < 2; which++) {
			char   *b = which ? val : name;
			size_t	cap = which ? sizeof(val) : sizeof(name);

			for (n = 0;; n++) {
				if (read(fd, &c, 1) != 1 || n + 1 >= cap)
					return (-1);
				b[n] = c;
				if (c == '\0')
					break;
			}
			if (which == 0 && n == 0)
				return (pairs);	/* the terminator */
		}
		o += (size_t)snprintf(out + o, outsz - o, "%s=%s\n", name, val);
		if (o >= outsz)
			return (-1);
		pairs++;
	}
}

static void
srv_write(int fd, const void *buf, size_t len)
{
	if (write(fd, buf, len) != (ssize_t)len)
		_exit(20);
}

#define SRV_LIST(fd, lit)	srv_write((fd), (lit), sizeof(lit))

/* One byte with 'n' descriptors (Postfix sends one). */
static void
srv_send_fds(int sock, const int *fd, int n)
{
	if (ipc_fdpass_send(sock, "", 1, 0, fd, (size_t)n) != 0)
		_exit(21);
}

static int
srv_recv_fd(int sock)
{
	struct ipc_fdpass_info in;
	char	byte;
	int	fd;

	if (ipc_fdpass_recv(sock, &byte, 1, 0, &fd, 1, &in) < 0 ||
	    in.len != 1 || fd < 0)
		return (-1);
	return (fd);
}

/* The request the client sent, as lines, goes to the test through
 * 'report' (a pipe); exit status 0 when the script ran to its end. */
static void
srv_run(int lfd, enum script sc, int report)
{
	char	req[4096], dummy[64];
	int	c, sv[2], fd, type;
	socklen_t len = sizeof(type);

	if ((c = accept(lfd, NULL, NULL)) < 0)
		_exit(10);
	if (sc == S_RESTART) {
		/* As scache(8) exits between two requests of a client. */
		SRV_LIST(c, "protocol\0connection_cache_protocol\0");
		if (srv_read_list(c, req, sizeof(req)) < 0)
			_exit(16);
		srv_write(report, req, strlen(req));
		SRV_LIST(c, "status\0" "2\0property\0\0");
		close(c);
		if ((c = accept(lfd, NULL, NULL)) < 0)
			_exit(17);
		sc = S_FIND_NONE;
	}
	SRV_LIST(c, "protocol\0connection_cache_protocol\0");
	if (srv_read_list(c, req, sizeof(req)) < 0)
		_exit(11);
	srv_write(report, req, strlen(req));
	switch (sc) {
	case S_SAVE_OK:
		SRV_LIST(c, "dummy\0\0");
		if ((fd = srv_recv_fd(c)) < 0 ||
		    getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 ||
		    type != SOCK_SEQPACKET)
			_exit(12);
		srv_write(report, "fd=seqpacket\n", 13);
		SRV_LIST(c, "status\0" "0\0");
		break;
	case S_SAVE_LOST:
		SRV_LIST(c, "dummy\0\0");
		if ((fd = srv_recv_fd(c)) < 0)
			_exit(18);
		srv_write(report, "fd=taken\n", 9);
		break;			/* exits: the status never comes */
	case S_FIND_NONE:
	case S_RESTART:			/* its second connection */
		SRV_LIST(c, "status\0" "2\0property\0\0");
		break;
	case S_GARBAGE:
		SRV_LIST(c, "stratus\0" "0\0property\0\0");
		break;
	case S_FIND_OK:
	case S_FIND_STALE:
	case S_FIND_PIPE:
	case S_FIND_BADPROP:
	case S_FIND_TWO:
		if (sc == S_FIND_BADPROP)
			SRV_LIST(c, "status\0" "0\0property\0junk\0");
		else
			SRV_LIST(c, "status\0" "0\0property\0pid=4242;until=99\0");
		if (srv_read_list(c, dummy, sizeof(dummy)) != 1 ||
		    strcmp(dummy, "dummy=\n") != 0)
			_exit(13);
		if (sc == S_FIND_PIPE) {
			if (pipe(sv) < 0)
				_exit(14);
		} else if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0) {
			_exit(14);
		}
		if (sc == S_FIND_STALE)
			close(sv[1]);
		srv_send_fds(c, sv, sc == S_FIND_TWO ? 2 : 1);
		if (sc == S_FIND_TWO)
			break;		/* the client gives up on the stream */
		if (srv_read_list(c, dummy, sizeof(dummy)) != 1)
			_exit(15);
		/* Keep the peer alive until the client is done. */
		(void)srv_read_list(c, dummy, sizeof(dummy));
		break;
	}
	_exit(0);
}

struct srv {
	pid_t	pid;
	int	report;		/* read end */
};

static struct srv
srv_start(enum script sc)
{
	struct sockaddr_un sa;
	struct srv s;
	int	lfd, p[2];

	assert_int_equal(pipe(p), 0);
	assert_true((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "private/scache");
	(void)unlink(sa.sun_path);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	s.pid = fork();
	assert_true(s.pid >= 0);
	if (s.pid == 0) {
		close(p[0]);
		srv_run(lfd, sc, p[1]);
	}
	close(lfd);
	close(p[1]);
	s.report = p[0];
	return (s);
}

/* The server's report, and its exit status checked to be 0. */
static void
srv_end(struct srv *s, char *report, size_t sz)
{
	ssize_t	n, o = 0;
	int	st;

	while ((n = read(s->report, report + o, sz - 1 - (size_t)o)) > 0)
		o += n;
	report[o] = '\0';
	close(s->report);
	assert_int_equal(waitpid(s->pid, &st, 0), s->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	(void)state;
	if (getcwd(olddir, sizeof(olddir)) == NULL)
		return (-1);
	snprintf(dir, sizeof(dir), "/tmp/test_child_lend.XXXXXX");
	if (mkdtemp(dir) == NULL || chdir(dir) < 0 ||
	    mkdir("private", 0700) < 0)
		return (-1);
	memset(&cfg, 0, sizeof(cfg));
	cfg.service_name = (char *)"relayjail";
	cfg.child_sharing = 1;
	cfg.ipc_timeout = 5;
	cfg.child.cache_time_limit = 2;
	signal(SIGPIPE, SIG_IGN);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	(void)unlink("private/scache");
	(void)rmdir("private");
	if (chdir(olddir) < 0)
		return (-1);
	return (rmdir(dir));
}

/* "smtpjail:relayjail:V:<32 hex>:" */
static void
check_prefix(const char *label_line)
{
	char	want[64];
	const char *p;
	size_t	i;

	snprintf(want, sizeof(want), "label=smtpjail:relayjail:%u:",
	    (unsigned)IPC_VERSION);
	assert_non_null(p = strstr(label_line, want));
	p += strlen(want);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", p[i]));
	assert_int_equal(p[32], ':');
}

static void
test_save(void **state)
{
	struct child_lend l;
	struct child_lend_props p = { 1234, 5678 };
	char	why[256], rep[4096];
	struct srv s;
	int	sv[2];

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	assert_true(l.enabled);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	s = srv_start(S_SAVE_OK);
	assert_int_equal(child_lend_save(&l, "[mx.example]:25", sv[0], &p, 3),
	    0);
	child_lend_close(&l);
	srv_end(&s, rep, sizeof(rep));
	assert_non_null(strstr(rep, "request=save_endp\nttl=3\nlabel="));
	check_prefix(rep);
	assert_non_null(strstr(rep, ":[mx.example]:25\n"
	    "property=pid=1234;until=5678\n"));
	assert_non_null(strstr(rep, "fd=seqpacket\n"));
	assert_true(l.enabled);
	close(sv[0]);
	close(sv[1]);
}

/* The reply after the descriptor is lost: scache(8) may hold the child,
 * so the save counts as done (the caller must not keep it) and the
 * broken stream turns sharing off. */
static void
test_save_lost(void **state)
{
	struct child_lend l;
	struct child_lend_props p = { 1234, 5678 };
	char	why[256], rep[4096];
	struct srv s;
	int	sv[2];

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	s = srv_start(S_SAVE_LOST);
	assert_int_equal(child_lend_save(&l, "example.com", sv[0], &p, 2), 0);
	assert_false(l.enabled);
	srv_end(&s, rep, sizeof(rep));
	assert_non_null(strstr(rep, "fd=taken\n"));
	close(sv[0]);
	close(sv[1]);
}

static void
test_find(void **state)
{
	struct child_lend l;
	struct child_lend_props p;
	char	why[256], rep[4096];
	struct srv s;
	socklen_t len;
	int	fd, type;

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	s = srv_start(S_FIND_OK);
	memset(&p, 0, sizeof(p));
	fd = child_lend_find(&l, "example.com", &p);
	assert_true(fd >= 0);
	assert_int_equal(p.pid, 4242);
	assert_int_equal(p.until_ms, 99);
	len = sizeof(type);
	assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len), 0);
	assert_int_equal(type, SOCK_SEQPACKET);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	child_lend_close(&l);
	close(fd);
	srv_end(&s, rep, sizeof(rep));
	assert_non_null(strstr(rep, "request=find_endp\nlabel="));
	check_prefix(rep);
	assert_non_null(strstr(rep, ":example.com\n"));
}

/* Not found: -ENOENT, sharing stays on. */
static void
test_find_none(void **state)
{
	struct child_lend l;
	struct child_lend_props p;
	char	why[256], rep[4096];
	struct srv s;

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	s = srv_start(S_FIND_NONE);
	assert_int_equal(child_lend_find(&l, "example.com", &p), -ENOENT);
	assert_true(l.enabled);
	child_lend_close(&l);
	srv_end(&s, rep, sizeof(rep));
}

/* A descriptor that is not a live child's channel: refused, closed. */
static void
test_find_refused(void **state)
{
	static const struct {
		enum script sc;
		int	err;
	} t[] = {
		{ S_FIND_STALE, -ESTALE },
		{ S_FIND_PIPE, -ENOTSOCK },
		{ S_FIND_BADPROP, -EBADMSG },
	};
	struct child_lend l;
	struct child_lend_props p;
	char	why[256], rep[4096];
	struct srv s;
	size_t	i;
	int	before, after;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)),
		    0);
		s = srv_start(t[i].sc);
		before = count_fds();
		assert_int_equal(child_lend_find(&l, "example.com", &p),
		    t[i].err);
		/* The stream is still in step: sharing stays on. */
		assert_true(l.enabled);
		child_lend_close(&l);
		after = count_fds();
		/* Nothing received was kept open. */
		assert_int_equal(after, before);
		srv_end(&s, rep, sizeof(rep));
	}
}

/* scache(8) went away between two requests: the second goes out on a
 * new connection, once, and sharing stays on. */
static void
test_restart(void **state)
{
	struct child_lend l;
	struct child_lend_props p;
	char	why[256], rep[4096];
	struct srv s;
	const char *q;

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	s = srv_start(S_RESTART);
	assert_int_equal(child_lend_find(&l, "example.com", &p), -ENOENT);
	/* Let the server close the first connection. */
	usleep(100000);
	assert_int_equal(child_lend_find(&l, "example.org", &p), -ENOENT);
	assert_true(l.enabled);
	child_lend_close(&l);
	srv_end(&s, rep, sizeof(rep));
	assert_non_null(q = strstr(rep, ":example.com\n"));
	assert_non_null(strstr(q, "request=find_endp\nlabel="));
	assert_non_null(strstr(q, ":example.org\n"));
}

/* Two descriptors where one is due: neither kept, sharing off. */
static void
test_two_fds(void **state)
{
	struct child_lend l;
	struct child_lend_props p;
	char	why[256], rep[4096];
	struct srv s;
	int	before, after;

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	s = srv_start(S_FIND_TWO);
	before = count_fds();
	assert_int_equal(child_lend_find(&l, "example.com", &p), -EBADMSG);
	assert_false(l.enabled);
	after = count_fds();
	assert_int_equal(after, before);
	srv_end(&s, rep, sizeof(rep));
}

/* A reply that breaks the protocol turns sharing off. */
static void
test_garbage(void **state)
{
	struct child_lend l;
	struct child_lend_props p;
	char	why[256], rep[4096];
	struct srv s;

	(void)state;
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	s = srv_start(S_GARBAGE);
	assert_true(child_lend_find(&l, "example.com", &p) < 0);
	assert_false(l.enabled);
	assert_int_equal(l.fd, -1);
	/* Off: nothing more is asked. */
	assert_int_equal(child_lend_find(&l, "example.com", &p), -ENOENT);
	srv_end(&s, rep, sizeof(rep));
}

/* No scache(8) at all: sharing off, no crash. */
static void
test_no_server(void **state)
{
	struct child_lend l;
	struct child_lend_props p = { 2, 3 };
	char	why[256];
	int	sv[2];

	(void)state;
	(void)unlink("private/scache");
	assert_int_equal(child_lend_init(&l, &cfg, why, sizeof(why)), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	assert_true(child_lend_save(&l, "example.com", sv[0], &p, 2) < 0);
	assert_false(l.enabled);
	close(sv[0]);
	close(sv[1]);
}

/*
 * Sharing off, and two configurations: two labels. A parameter the
 * child inherits rather than receives (main.cf's TLS level) changes
 * the label too, and the same parameters give the same label.
 */
static void
test_config(void **state)
{
	struct child_lend a, b, c, d;
	struct sj_params *p;
	char	why[256];

	(void)state;
	cfg.child_sharing = 0;
	assert_int_equal(child_lend_init(&a, &cfg, why, sizeof(why)), 0);
	assert_false(a.enabled);
	cfg.child_sharing = 1;
	assert_int_equal(child_lend_init(&a, &cfg, why, sizeof(why)), 0);
	cfg.child.cache_time_limit = 3;
	assert_int_equal(child_lend_init(&b, &cfg, why, sizeof(why)), 0);
	cfg.child.cache_time_limit = 2;
	assert_true(a.enabled && b.enabled);
	assert_string_not_equal(a.prefix, b.prefix);
	assert_int_equal(strncmp(a.prefix, b.prefix, 20), 0);

	assert_non_null(p = sj_params_new());
	cfg.params = p;
	assert_int_equal(sj_params_set(p, "smtp_tls_security_level", "may"),
	    0);
	assert_int_equal(child_lend_init(&c, &cfg, why, sizeof(why)), 0);
	assert_int_equal(child_lend_init(&d, &cfg, why, sizeof(why)), 0);
	assert_string_equal(c.prefix, d.prefix);
	assert_string_not_equal(c.prefix, a.prefix);
	assert_int_equal(sj_params_set(p, "smtp_tls_security_level",
	    "encrypt"), 0);
	assert_int_equal(child_lend_init(&d, &cfg, why, sizeof(why)), 0);
	assert_string_not_equal(c.prefix, d.prefix);
	cfg.params = NULL;
	sj_params_free(p);
}

static void
test_props(void **state)
{
	static const char *bad[] = {
		"", "pid=", "pid=1;until=5", "pid=-3;until=5", "pid=12",
		"pid=12;until=", "pid=12;until=-1", "pid=12;until=5x",
		"pid=12 ;until=5", "until=5;pid=12", "pid=99999999999;until=1",
		"pid=12;until=99999999999999999999",
	};
	struct child_lend_props p = { 0, 0 }, q;
	char	buf[SJ_LEND_PROP_MAX];
	size_t	i;

	(void)state;
	assert_int_equal(child_lend_props_parse("pid=12;until=345", &p), 0);
	assert_int_equal(p.pid, 12);
	assert_int_equal(p.until_ms, 345);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(child_lend_props_parse(bad[i], &q), -EBADMSG);
	p.pid = 2147483647;
	p.until_ms = INT64_MAX;
	assert_int_equal(child_lend_props_format(buf, sizeof(buf), &p), 0);
	assert_int_equal(child_lend_props_parse(buf, &q), 0);
	assert_int_equal(q.pid, p.pid);
	assert_true(q.until_ms == p.until_ms);
	assert_int_equal(child_lend_props_format(buf, 8, &p), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_props),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_save),
		cmocka_unit_test(test_save_lost),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_find_none),
		cmocka_unit_test(test_find_refused),
		cmocka_unit_test(test_restart),
		cmocka_unit_test(test_two_fds),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_no_server),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

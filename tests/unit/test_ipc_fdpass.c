/*
 * NAME
 *	test_ipc_fdpass 1
 * SUMMARY
 *	unit tests of descriptor passing (SCM_RIGHTS) over a real socketpair
 * DESCRIPTION
 *	ipc/ipc_fdpass.c on a SOCK_SEQPACKET pair made by ipc_chan_pair().
 *	A table of counts: one and two descriptors arrive working, in
 *	order and close-on-exec; more than the receiver keeps are closed
 *	(the numbers the kernel gave them fail fcntl(F_GETFD) with EBADF,
 *	and /proc/self/fd counts only the kept ones); none when one is
 *	expected leaves fds[] at -1. A datagram longer than the buffer
 *	(MSG_TRUNC) is -EMSGSIZE and more descriptors than the control
 *	buffer holds (MSG_CTRUNC) -ETOOMANYREFS, each with every
 *	descriptor closed. The wire: one SCM_RIGHTS control message of
 *	CMSG_LEN(n * sizeof(int)) bytes, or no control data without a
 *	descriptor, as read back with a raw recvmsg(2). Also: a control
 *	message other than SCM_RIGHTS is reported, EOF is a length of 0,
 *	nothing waiting is -EAGAIN, and the send refuses too many
 *	descriptors and reports a closed peer.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	ipc/ipc_fdpass.c, tests/unit/test_ipc_chan.c
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd_check.h"
#include "ipc_chan.h"
#include "ipc_fdpass.h"
#include "sj_limits.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
/* More than the control buffer holds, for MSG_CTRUNC. */
#define TOO_MANY	(SJ_FDPASS_FDS_MAX + 2)

static const char payload[] = "fdpass";

/* sv[0] sends, sv[1] receives; src[] the descriptors to send. */
struct pair {
	int	sv[2];
	int	src[TOO_MANY];
};

static int
setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));
	size_t	i;

	if (p == NULL || ipc_chan_pair(p->sv) != 0)
		return (-1);
	/* Distinct files, told apart by their inode. */
	for (i = 0; i < NELEM(p->src); i++) {
		char	name[] = "/tmp/sj-fdpass.XXXXXX";

		if ((p->src[i] = mkstemp(name)) < 0 || unlink(name) < 0)
			return (-1);
	}
	*state = p;
	return (0);
}

static int
teardown(void **state)
{
	struct pair *p = *state;
	size_t	i;

	for (i = 0; i < 2; i++)
		if (p->sv[i] >= 0)
			close(p->sv[i]);
	for (i = 0; i < NELEM(p->src); i++)
		close(p->src[i]);
	free(p);
	return (0);
}

/*
 * The numbers the next 'n' received descriptors will get: the kernel
 * installs them at the lowest free numbers, in order.
 */
static void
next_free_fds(int *out, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		assert_true((out[i] = dup(0)) >= 0);
	for (i = 0; i < n; i++)
		close(out[i]);
}

static int
same_file(int a, int b)
{
	struct stat sa, sb;

	return (fstat(a, &sa) == 0 && fstat(b, &sb) == 0 &&
	    sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino);
}

static int
is_kept(int fd, const int *kept, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (kept[i] == fd)
			return (1);
	return (0);
}

/* ------------------------------------------------------------------ */

static const struct count_case {
	const char *name;
	size_t	sent;		/* descriptors sent */
	size_t	maxfds;		/* the receiver keeps at most */
	size_t	kept;		/* expected in fds[] */
	size_t	extra;		/* expected closed */
} count_cases[] = {
	{ "one, one expected", 1, 1, 1, 0 },
	{ "two, two expected", 2, 2, 2, 0 },
	{ "two, up to three expected", 2, 3, 2, 0 },
	{ "three, two expected", 3, 2, 2, 1 },
	{ "the most, one expected", SJ_FDPASS_FDS_MAX, 1, 1,
	    SJ_FDPASS_FDS_MAX - 1 },
	{ "one, none expected", 1, 0, 0, 1 },
	{ "none, one expected", 0, 1, 0, 0 },
	{ "none, none expected", 0, 0, 0, 0 },
};

static void
test_counts(void **state)
{
	struct pair *p = *state;
	const struct count_case *c;
	struct ipc_fdpass_info in;
	int	fds[SJ_FDPASS_FDS_MAX], nums[SJ_FDPASS_FDS_MAX];
	char	buf[64];
	int	before;
	size_t	i;

	for (c = count_cases; c < count_cases + NELEM(count_cases); c++) {
		print_message("%s\n", c->name);
		assert_int_equal(ipc_fdpass_send(p->sv[0], payload,
		    sizeof(payload), MSG_NOSIGNAL, p->src, c->sent), 0);
		before = count_fds();
		next_free_fds(nums, c->sent);
		memset(buf, 0, sizeof(buf));
		memset(fds, 0x55, sizeof(fds));
		assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
		    MSG_CMSG_CLOEXEC, fds, c->maxfds, &in), 0);
		assert_int_equal(in.len, sizeof(payload));
		assert_memory_equal(buf, payload, sizeof(payload));
		assert_int_equal(in.nfds, c->kept);
		assert_int_equal(in.nextra, c->extra);
		assert_int_equal(in.other_level, -1);
		/* Kept: the ones sent, in order, close-on-exec. */
		for (i = 0; i < c->kept; i++) {
			assert_int_equal(fcntl(fds[i], F_GETFD), FD_CLOEXEC);
			assert_true(same_file(fds[i], p->src[i]));
		}
		for (; i < c->maxfds; i++)
			assert_int_equal(fds[i], -1);
		/* The others: not leaked. */
		for (i = 0; i < c->sent; i++)
			if (!is_kept(nums[i], fds, c->kept))
				assert_true(fd_is_closed(nums[i]));
		assert_int_equal(count_fds(), before + (int)c->kept);
		for (i = 0; i < c->kept; i++)
			close(fds[i]);
	}
}

/* A datagram longer than the buffer: -EMSGSIZE, its descriptor closed. */
static void
test_truncated_datagram(void **state)
{
	struct pair *p = *state;
	struct ipc_fdpass_info in;
	char	big[256], buf[16];
	int	fd, num, before;

	memset(big, 'x', sizeof(big));
	assert_int_equal(ipc_fdpass_send(p->sv[0], big, sizeof(big),
	    MSG_NOSIGNAL, p->src, 1), 0);
	before = count_fds();
	next_free_fds(&num, 1);
	assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
	    MSG_CMSG_CLOEXEC, &fd, 1, &in), -EMSGSIZE);
	assert_int_equal(in.len, sizeof(buf));	/* what was copied */
	assert_int_equal(in.nfds, 0);
	assert_int_equal(in.nextra, 1);
	assert_int_equal(fd, -1);
	assert_true(fd_is_closed(num));
	assert_int_equal(count_fds(), before);
}

/* Raw sendmsg(2): the helper itself refuses to send this many. */
static void
raw_send_fds(int sock, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr hdr;
		unsigned char buf[CMSG_SPACE(TOO_MANY * sizeof(int))];
	}	cbuf;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;

	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)payload;
	iov.iov_len = sizeof(payload);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.buf;
	mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL),
	    (ssize_t)sizeof(payload));
}

/* More than the control buffer holds: -ETOOMANYREFS, none kept. */
static void
test_truncated_control(void **state)
{
	struct pair *p = *state;
	struct ipc_fdpass_info in;
	int	fds[2], nums[TOO_MANY], before;
	char	buf[64];
	size_t	i;

	assert_int_equal(ipc_fdpass_send(p->sv[0], payload, sizeof(payload),
	    MSG_NOSIGNAL, p->src, TOO_MANY), -EINVAL);
	raw_send_fds(p->sv[0], p->src, TOO_MANY);
	before = count_fds();
	next_free_fds(nums, TOO_MANY);
	assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
	    MSG_CMSG_CLOEXEC, fds, NELEM(fds), &in), -ETOOMANYREFS);
	assert_int_equal(in.len, sizeof(payload));
	assert_int_equal(in.nfds, 0);
	/* Those that fitted were installed, then closed here; the kernel
	 * closed the rest. */
	assert_int_equal(in.nextra, SJ_FDPASS_FDS_MAX);
	assert_int_equal(fds[0], -1);
	assert_int_equal(fds[1], -1);
	for (i = 0; i < TOO_MANY; i++)
		assert_true(fd_is_closed(nums[i]));
	assert_int_equal(count_fds(), before);
}

/* What goes on the wire, read back with a raw recvmsg(2). */
static void
test_wire(void **state)
{
	static const size_t counts[] = { 0, 1, 2 };
	struct pair *p = *state;
	union {
		struct cmsghdr hdr;
		unsigned char buf[CMSG_SPACE(TOO_MANY * sizeof(int))];
	}	cbuf;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	char	buf[64];
	int	got[2];
	size_t	i, k;

	for (k = 0; k < NELEM(counts); k++) {
		assert_int_equal(ipc_fdpass_send(p->sv[0], payload,
		    sizeof(payload), MSG_NOSIGNAL, p->src, counts[k]), 0);
		memset(&mh, 0, sizeof(mh));
		memset(&cbuf, 0, sizeof(cbuf));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = sizeof(cbuf.buf);
		assert_int_equal(recvmsg(p->sv[1], &mh, MSG_CMSG_CLOEXEC),
		    (ssize_t)sizeof(payload));
		assert_memory_equal(buf, payload, sizeof(payload));
		assert_int_equal(mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC), 0);
		if (counts[k] == 0) {
			assert_int_equal(mh.msg_controllen, 0);
			continue;
		}
		assert_non_null(cm = CMSG_FIRSTHDR(&mh));
		assert_int_equal(cm->cmsg_level, SOL_SOCKET);
		assert_int_equal(cm->cmsg_type, SCM_RIGHTS);
		assert_int_equal(cm->cmsg_len, CMSG_LEN(counts[k] *
		    sizeof(int)));
		assert_null(CMSG_NXTHDR(&mh, cm));
		memcpy(got, CMSG_DATA(cm), counts[k] * sizeof(int));
		for (i = 0; i < counts[k]; i++) {
			assert_true(same_file(got[i], p->src[i]));
			close(got[i]);
		}
	}
}

/* A control message that is not SCM_RIGHTS is reported, not refused. */
static void
test_other_control(void **state)
{
	struct pair *p = *state;
	struct ipc_fdpass_info in;
	char	buf[64];
	int	fd, on = 1;

	assert_int_equal(setsockopt(p->sv[1], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)), 0);
	assert_int_equal(ipc_fdpass_send(p->sv[0], payload, sizeof(payload),
	    MSG_NOSIGNAL, NULL, 0), 0);
	assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
	    MSG_CMSG_CLOEXEC, &fd, 1, &in), 0);
	assert_int_equal(in.len, sizeof(payload));
	assert_int_equal(in.nfds + in.nextra, 0);
	assert_int_equal(in.other_level, SOL_SOCKET);
	assert_int_equal(in.other_type, SCM_CREDENTIALS);
}

/* Nothing there, EOF, a closed peer, bad arguments. */
static void
test_edges(void **state)
{
	struct pair *p = *state;
	struct ipc_fdpass_info in;
	char	buf[64];
	int	fds[SJ_FDPASS_FDS_MAX + 1];

	assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
	    MSG_CMSG_CLOEXEC | MSG_DONTWAIT, fds, 1, &in), -EAGAIN);
	assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
	    MSG_CMSG_CLOEXEC, fds, NELEM(fds), &in), -EINVAL);
	assert_int_equal(ipc_fdpass_send(p->sv[0], payload, sizeof(payload),
	    MSG_NOSIGNAL, NULL, 1), -EINVAL);
	close(p->sv[0]);
	p->sv[0] = -1;
	assert_int_equal(ipc_fdpass_recv(p->sv[1], buf, sizeof(buf),
	    MSG_CMSG_CLOEXEC, fds, 1, &in), 0);
	assert_int_equal(in.len, 0);
	assert_int_equal(fds[0], -1);
	assert_int_equal(ipc_fdpass_send(p->sv[1], payload, sizeof(payload),
	    MSG_NOSIGNAL, p->src, 1), -EPIPE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_datagram, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_truncated_control, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wire, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_control, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_edges, setup, teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

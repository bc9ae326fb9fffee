/*
 * NAME
 *	test_ipc_chan 1
 * SUMMARY
 *	unit tests of the IPC channel over a real socketpair
 * DESCRIPTION
 *	Sends real datagrams, some crafted with raw sendmsg(2), through a
 *	pair made by ipc_chan_pair(): DELIVER with a sealed memfd arrives
 *	with a working descriptor; a DELIVER without one, a LOG with one,
 *	two or many descriptors, an oversize or empty datagram, a control
 *	message that is not SCM_RIGHTS and a message in the wrong
 *	direction are refused, and every descriptor that came with a
 *	refused message is closed (checked on the number and by counting
 *	/proc/self/fd); EOF is -ECONNRESET, a send to a closed peer -EPIPE.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	ipc/ipc_chan.c
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
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "fd_check.h"
#include "ipc_chan.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_limits.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* sv[0] is the parent's end, sv[1] the child's. */
struct pair {
	int	sv[2];
};

static int
setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	if (p == NULL || ipc_chan_pair(p->sv) != 0)
		return (-1);
	*state = p;
	return (0);
}

static int
teardown(void **state)
{
	struct pair *p = *state;

	if (p->sv[0] >= 0)
		close(p->sv[0]);
	if (p->sv[1] >= 0)
		close(p->sv[1]);
	free(p);
	return (0);
}

/* The number the next received descriptor will get. */
static int
lowest_free_fd(void)
{
	int	fd = dup(0);

	assert_true(fd >= 0);
	close(fd);
	return (fd);
}

static int
content_memfd(const char *text)
{
	int	fd = memfd_create("sj-content", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	size_t	n = strlen(text);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, n), (ssize_t)n);
	assert_int_equal(fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_GROW |
	    F_SEAL_SHRINK | F_SEAL_SEAL), 0);
	return (fd);
}

static void
build(enum ipc_type t, struct ipc_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->type = t;
	m->fd = -1;
	switch (t) {
	case IPC_T_READY:
		m->u.ready.version = IPC_VERSION;
		break;
	case IPC_T_CONFIG:
		snprintf(m->u.config.helo_name, sizeof(m->u.config.helo_name),
		    "client.example.test");
		m->u.config.default_port = 25;
		m->u.config.flags = IPC_CF_INET4;
		break;
	case IPC_T_DELIVER:
		m->u.deliver.job_id = 7;
		m->u.deliver.rcpt_count = 2;
		m->u.deliver.content_fd = -1;
		snprintf(m->u.deliver.sender, sizeof(m->u.deliver.sender),
		    "sender@example.test");
		snprintf(m->u.deliver.nexthop, sizeof(m->u.deliver.nexthop),
		    "example.test");
		break;
	case IPC_T_RCPT:
		m->u.rcpt.job_id = 7;
		m->u.rcpt.index = 1;
		snprintf(m->u.rcpt.address, sizeof(m->u.rcpt.address),
		    "rcpt@example.test");
		break;
	case IPC_T_ABORT:
		m->u.abort.job_id = 7;
		break;
	case IPC_T_HOSTS:
		snprintf(m->u.hosts.addr, sizeof(m->u.hosts.addr), "192.0.2.1");
		snprintf(m->u.hosts.name, sizeof(m->u.hosts.name), "h.test");
		break;
	case IPC_T_LOG:
		m->u.log.level = MSG_LVL_WARN;
		snprintf(m->u.log.text, sizeof(m->u.log.text), "a warning");
		break;
	case IPC_T_RCPT_RESULT:
	case IPC_T_SITE_RESULT:
		m->u.result.job_id = 7;
		m->u.result.diag_code = 250;
		snprintf(m->u.result.status, sizeof(m->u.result.status),
		    "2.0.0");
		snprintf(m->u.result.relay, sizeof(m->u.result.relay),
		    "mx.example.test[192.0.2.1]:25");
		break;
	case IPC_T_DONE:
		m->u.done.job_id = 7;
		m->u.done.deliver_done_usec = 5;
		break;
	case IPC_T_TRANSCRIPT:
		m->u.transcript.job_id = 7;
		m->u.transcript.classes = IPC_TC_PROTOCOL;
		snprintf(m->u.transcript.peer, sizeof(m->u.transcript.peer),
		    "mx.example.test[192.0.2.1]:25");
		snprintf(m->u.transcript.text, sizeof(m->u.transcript.text),
		    "Out: RCPT TO:<a@b>\nIn:  501 what");
		break;
	case IPC_T_TLS_INFO:
		m->u.tls_info.job_id = 7;
		m->u.tls_info.event = 1;	/* SJ_TLS_EV_ESTABLISHED */
		m->u.tls_info.trust = 3;	/* SJ_TLS_TRUST_VERIFIED */
		m->u.tls_info.usebits = m->u.tls_info.algbits = 256;
		snprintf(m->u.tls_info.peer, sizeof(m->u.tls_info.peer),
		    "mx.example.test[192.0.2.1]:25");
		snprintf(m->u.tls_info.protocol,
		    sizeof(m->u.tls_info.protocol), "TLSv1.3");
		snprintf(m->u.tls_info.cipher, sizeof(m->u.tls_info.cipher),
		    "TLS_AES_256_GCM_SHA384");
		break;
	case IPC_T_SASL_REQ:
		m->u.sasl_req.job_id = 7;
		snprintf(m->u.sasl_req.dest, sizeof(m->u.sasl_req.dest),
		    "[relay.example.test]:587");
		snprintf(m->u.sasl_req.host, sizeof(m->u.sasl_req.host),
		    "relay.example.test");
		break;
	case IPC_T_SASL_CRED:
		m->u.sasl_cred.job_id = 7;
		m->u.sasl_cred.status = IPC_SASL_FOUND;
		snprintf(m->u.sasl_cred.username,
		    sizeof(m->u.sasl_cred.username), "user");
		snprintf(m->u.sasl_cred.password,
		    sizeof(m->u.sasl_cred.password), "p\x01ss word");
		break;
	case IPC_T_CONNECT:
		m->u.connect.job_id = 7;
		m->u.connect.purpose = IPC_CONN_DNS_UDP;
		m->u.connect.port = 53;
		snprintf(m->u.connect.addr, sizeof(m->u.connect.addr),
		    "2001:db8::53");
		break;
	case IPC_T_SOCKET:
		m->u.socket.job_id = 7;		/* granted: a descriptor */
		m->u.socket.ehlo_discard = 1U << 13;	/* CHUNKING */
		break;
	case IPC_T_EHLO_NOTE:
		m->u.ehlo_note.job_id = 7;
		m->u.ehlo_note.mask = 1U << 1;	/* PIPELINING */
		break;
	case IPC_T_CHECK:
		m->u.check.op = IPC_CHK_OP_MATCH;
		m->u.check.flags = IPC_CHK_F_MATCH1;
		snprintf(m->u.check.pat1, sizeof(m->u.check.pat1), "^Subject:");
		snprintf(m->u.check.repl, sizeof(m->u.check.repl), "WARN x");
		break;
	case IPC_T_CHECK_LOG:
		m->u.check_log.kind = IPC_CHL_ACTION;
		snprintf(m->u.check_log.content,
		    sizeof(m->u.check_log.content), "Subject: hi");
		break;
	case IPC_T_SIGN_REQ:
		m->u.sign_req.job_id = 7;
		m->u.sign_req.alg = SJ_SIGN_RSA_PSS;
		m->u.sign_req.md = SJ_SIGN_MD_SHA256;
		memset(m->u.sign_req.digest, 'e', 64);
		break;
	case IPC_T_SIGN_RESP:
		m->u.sign_resp.job_id = 7;
		memset(m->u.sign_resp.sig, '0', 2 * SJ_SIGN_SIG_MAX);
		break;
	case IPC_T_TLS_POLICY:
		m->u.tls_policy.job_id = 7;
		m->u.tls_policy.level = SJ_TLS_LEV_ENCRYPT;
		snprintf(m->u.tls_policy.servername,
		    sizeof(m->u.tls_policy.servername), "mx.example.com");
		break;
	case IPC_T_GENERIC_REQ:
		m->u.generic_req.job_id = 7;
		snprintf(m->u.generic_req.address,
		    sizeof(m->u.generic_req.address), "user@example.com");
		break;
	case IPC_T_GENERIC_REPLY:
		m->u.generic_reply.job_id = 7;
		m->u.generic_reply.status = IPC_GENERIC_FOUND;
		snprintf(m->u.generic_reply.address,
		    sizeof(m->u.generic_reply.address), "user@example.net");
		break;
	case IPC_T_TLS_ANCHOR:
		m->u.tls_anchor.job_id = 7;
		m->u.tls_anchor.kind = SJ_TLS_TA_CERT;
		memset(m->u.tls_anchor.der, 'a', 2 * SJ_TLS_TA_DER_MAX);
		break;
	case IPC_T_DNSSEC_PROBE:
		m->u.dnssec_probe.job_id = 7;
		m->u.dnssec_probe.result = IPC_PROBE_MAX;
		break;
	default:
		fail_msg("build: type %d", (int)t);
	}
}

static size_t
enc(const struct ipc_msg *m, unsigned char *buf, size_t sz)
{
	ssize_t	n = ipc_msg_encode(m, buf, sz);

	assert_true(n > 0);
	return ((size_t)n);
}

/* sendmsg(2) of arbitrary bytes with 'nfds' descriptors attached. */
static void
raw_send(int sock, const void *buf, size_t len, const int *fds, size_t nfds)
{
	union {
		struct cmsghdr hdr;
		unsigned char buf[CMSG_SPACE(64 * sizeof(int))];
	}	cbuf;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;

	assert_true(nfds <= 64);
	memset(&mh, 0, sizeof(mh));
	memset(&cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		mh.msg_control = cbuf.buf;
		mh.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
		memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	}
	assert_int_equal(sendmsg(sock, &mh, MSG_NOSIGNAL), (ssize_t)len);
}

/* Receive, expect a refusal naming 'want', and no descriptor leak. */
static void
expect_refused(int sock, enum ipc_dir dir, int fds_before, int next_fd,
    const char *want)
{
	struct ipc_msg m;
	char	why[256];
	int	rc;

	rc = ipc_chan_recv(sock, dir, &m, why, sizeof(why));
	if (rc != -EBADMSG || strstr(why, want) == NULL)
		fail_msg("rc %d why \"%s\", want -EBADMSG \"%s\"", rc, why,
		    want);
	assert_int_equal(m.fd, -1);
	assert_int_equal(count_fds(), fds_before);
	if (next_fd >= 0)
		assert_true(fd_is_closed(next_fd));
}

/* The channel still works after a refusal (no stale bytes). */
static void
expect_works(struct pair *p)
{
	struct ipc_msg m, out;
	char	why[256];

	build(IPC_T_ABORT, &m);
	m.u.abort.job_id = 4242;
	assert_int_equal(ipc_chan_send(p->sv[0], &m), 0);
	assert_int_equal(ipc_chan_recv(p->sv[1], IPC_P2C, &out, why,
	    sizeof(why)), 0);
	assert_int_equal(out.type, IPC_T_ABORT);
	assert_int_equal(out.u.abort.job_id, 4242);
}

/* ------------------------------------------------------------------ */

static void
test_pair(void **state)
{
	struct pair *p = *state;
	int	type;
	socklen_t len = sizeof(type);

	assert_int_equal(getsockopt(p->sv[0], SOL_SOCKET, SO_TYPE, &type,
	    &len), 0);
	assert_int_equal(type, SOCK_SEQPACKET);
	assert_true(fcntl(p->sv[0], F_GETFD) & FD_CLOEXEC);
	assert_true(fcntl(p->sv[1], F_GETFD) & FD_CLOEXEC);
}

static void
test_every_type(void **state)
{
	struct pair *p = *state;
	const struct ipc_msg_spec *s;
	struct ipc_msg m, out;
	char	why[256];
	uint32_t t;
	int	from, to, mfd = -1;

	for (t = 1; t < IPC_T_MAX; t++) {
		s = ipc_msg_spec((enum ipc_type)t);
		build((enum ipc_type)t, &m);
		if (ipc_msg_wants_fd(&m))
			m.fd = mfd = content_memfd("x");
		from = s->dir == IPC_P2C ? p->sv[0] : p->sv[1];
		to = s->dir == IPC_P2C ? p->sv[1] : p->sv[0];
		assert_int_equal(ipc_chan_send(from, &m), 0);
		if (ipc_chan_recv(to, s->dir, &out, why, sizeof(why)) != 0)
			fail_msg("%s: %s", s->name, why);
		assert_int_equal(out.type, t);
		assert_true(s->has_fd ? out.fd >= 0 : out.fd == -1);
		if (t == IPC_T_DELIVER) {
			assert_int_equal(out.u.deliver.content_fd, out.fd);
			m.u.deliver.content_fd = out.fd;
		}
		ipc_msg_release(&out);
		if (mfd >= 0) {
			close(mfd);
			mfd = -1;
		}
	}
}

static void
test_deliver_memfd(void **state)
{
	static const char content[] =
	    "From: a@example.test\r\nSubject: t\r\n\r\nbody\r\n";
	struct pair *p = *state;
	struct ipc_msg m, out;
	char	why[256], got[sizeof(content)];
	int	mfd;

	mfd = content_memfd(content);
	build(IPC_T_DELIVER, &m);
	m.fd = mfd;
	m.u.deliver.content_size = sizeof(content) - 1;
	assert_int_equal(ipc_chan_send(p->sv[0], &m), 0);
	/* The sender keeps its descriptor. */
	assert_false(fd_is_closed(mfd));
	assert_int_equal(ipc_chan_recv(p->sv[1], IPC_P2C, &out, why,
	    sizeof(why)), 0);
	assert_int_equal(out.type, IPC_T_DELIVER);
	assert_true(out.fd >= 0);
	assert_int_not_equal(out.fd, mfd);
	assert_int_equal(out.u.deliver.content_fd, out.fd);
	assert_int_equal(out.u.deliver.job_id, 7);
	assert_int_equal(out.u.deliver.content_size, sizeof(content) - 1);
	assert_string_equal(out.u.deliver.sender, "sender@example.test");
	/* MSG_CMSG_CLOEXEC. */
	assert_true(fcntl(out.fd, F_GETFD) & FD_CLOEXEC);
	/* The same sealed file: content and seals. */
	memset(got, 0, sizeof(got));
	assert_int_equal(pread(out.fd, got, sizeof(got), 0),
	    (ssize_t)sizeof(content) - 1);
	assert_string_equal(got, content);
	assert_true(fcntl(out.fd, F_GET_SEALS) & F_SEAL_WRITE);
	assert_int_equal(write(out.fd, "x", 1), -1);
	ipc_msg_release(&out);
	assert_int_equal(out.fd, -1);
	close(mfd);
}

static void
test_deliver_without_fd(void **state)
{
	struct pair *p = *state;
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg m;
	char	why[256];
	int	before = count_fds();
	size_t	n;

	/* The sender refuses... */
	build(IPC_T_DELIVER, &m);
	assert_int_equal(ipc_chan_send(p->sv[0], &m), -EINVAL);
	assert_int_equal(fcntl(p->sv[1], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ipc_chan_recv(p->sv[1], IPC_P2C, &m, why,
	    sizeof(why)), -EAGAIN);
	assert_int_equal(fcntl(p->sv[1], F_SETFL, 0), 0);
	/* ...and so does the receiver of crafted bytes. */
	build(IPC_T_DELIVER, &m);
	n = enc(&m, buf, sizeof(buf));
	raw_send(p->sv[0], buf, n, NULL, 0);
	expect_refused(p->sv[1], IPC_P2C, before, -1,
	    "DELIVER: missing descriptor");
	expect_works(p);
}

static void
test_log_with_fd(void **state)
{
	struct pair *p = *state;
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg m;
	int	before, next, mfd;
	size_t	n;

	mfd = content_memfd("secret");
	build(IPC_T_LOG, &m);
	m.fd = mfd;
	/* The sender refuses a descriptor on a type that declares none. */
	assert_int_equal(ipc_chan_send(p->sv[1], &m), -EINVAL);
	m.fd = -1;
	n = enc(&m, buf, sizeof(buf));
	raw_send(p->sv[1], buf, n, &mfd, 1);
	close(mfd);
	before = count_fds();
	next = lowest_free_fd();
	expect_refused(p->sv[0], IPC_C2P, before, next,
	    "LOG: unexpected descriptor");
}

static void
test_two_fds(void **state)
{
	struct pair *p = *state;
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg m;
	int	before, next, fds[2];
	size_t	n;

	fds[0] = content_memfd("one");
	fds[1] = content_memfd("two");
	build(IPC_T_DELIVER, &m);
	n = enc(&m, buf, sizeof(buf));
	raw_send(p->sv[0], buf, n, fds, 2);
	close(fds[0]);
	close(fds[1]);
	before = count_fds();
	next = lowest_free_fd();
	expect_refused(p->sv[1], IPC_P2C, before, next,
	    "DELIVER: 2 descriptors in one message");
	expect_works(p);
}

/* More than the receive control buffer holds: MSG_CTRUNC. */
static void
test_many_fds(void **state)
{
	struct pair *p = *state;
	unsigned char buf[SJ_IPC_MSG_MAX];
	struct ipc_msg m;
	int	before, fds[40];
	size_t	i, n;

	for (i = 0; i < NELEM(fds); i++)
		fds[i] = content_memfd("many");
	build(IPC_T_LOG, &m);
	n = enc(&m, buf, sizeof(buf));
	raw_send(p->sv[1], buf, n, fds, NELEM(fds));
	for (i = 0; i < NELEM(fds); i++)
		close(fds[i]);
	before = count_fds();
	expect_refused(p->sv[0], IPC_C2P, before, lowest_free_fd(),
	    "LOG: control data truncated");
}

static void
test_oversize(void **state)
{
	struct pair *p = *state;
	static unsigned char big[SJ_IPC_MSG_MAX + 100];
	struct ipc_msg m;
	int	before, next, mfd;
	size_t	n;

	build(IPC_T_LOG, &m);
	n = enc(&m, big, sizeof(big));
	memset(big + n, 'x', sizeof(big) - n);
	big[4] = big[5] = big[6] = big[7] = 0;	/* length irrelevant */

	/* Larger than the receive buffer: truncated, with an fd. */
	mfd = content_memfd("big");
	raw_send(p->sv[1], big, sizeof(big), &mfd, 1);
	close(mfd);
	before = count_fds();
	next = lowest_free_fd();
	expect_refused(p->sv[0], IPC_C2P, before, next,
	    "LOG: datagram truncated");

	/* One byte over the limit fits the buffer but is refused. */
	raw_send(p->sv[1], big, SJ_IPC_MSG_MAX + 1, NULL, 0);
	expect_refused(p->sv[0], IPC_C2P, before, -1,
	    "LOG: datagram of 8193 bytes exceeds 8192");

	/* Exactly the limit gets to the decoder (oversize body). */
	raw_send(p->sv[1], big, SJ_IPC_MSG_MAX, NULL, 0);
	expect_refused(p->sv[0], IPC_C2P, before, -1,
	    "LOG: header says body of 0 bytes");

	/* The next message is whole: SOCK_SEQPACKET dropped the rest. */
	build(IPC_T_DONE, &m);
	assert_int_equal(ipc_chan_send(p->sv[1], &m), 0);
	assert_int_equal(ipc_chan_recv(p->sv[0], IPC_C2P, &m, NULL, 0), 0);
	assert_int_equal(m.type, IPC_T_DONE);
}

static void
test_eof(void **state)
{
	struct pair *p = *state;
	struct ipc_msg m;
	char	why[256];

	/* Messages sent before the close are still delivered. */
	build(IPC_T_DONE, &m);
	assert_int_equal(ipc_chan_send(p->sv[1], &m), 0);
	close(p->sv[1]);
	p->sv[1] = -1;
	assert_int_equal(ipc_chan_recv(p->sv[0], IPC_C2P, &m, why,
	    sizeof(why)), 0);
	assert_int_equal(m.type, IPC_T_DONE);
	assert_int_equal(ipc_chan_recv(p->sv[0], IPC_C2P, &m, why,
	    sizeof(why)), -ECONNRESET);
	assert_int_equal(ipc_chan_recv(p->sv[0], IPC_C2P, &m, why,
	    sizeof(why)), -ECONNRESET);
	/* And a send to the closed peer is -EPIPE, without SIGPIPE. */
	build(IPC_T_ABORT, &m);
	assert_int_equal(ipc_chan_send(p->sv[0], &m), -EPIPE);
}

static void
test_eof_shutdown(void **state)
{
	struct pair *p = *state;
	struct ipc_msg m;
	char	why[256];

	assert_int_equal(shutdown(p->sv[1], SHUT_WR), 0);
	assert_int_equal(ipc_chan_recv(p->sv[0], IPC_C2P, &m, why,
	    sizeof(why)), -ECONNRESET);
}

/* A 0-byte datagram from a live peer is not EOF. */
static void
test_empty_datagram(void **state)
{
	struct pair *p = *state;
	int	before = count_fds(), mfd;

	assert_int_equal(send(p->sv[0], "", 0, MSG_NOSIGNAL), 0);
	expect_refused(p->sv[1], IPC_P2C, before, -1, "empty datagram");
	expect_works(p);

	/* With a descriptor: refused by the decoder, descriptor closed. */
	mfd = content_memfd("e");
	raw_send(p->sv[0], "", 0, &mfd, 1);
	close(mfd);
	before = count_fds();
	expect_refused(p->sv[1], IPC_P2C, before, lowest_free_fd(),
	    "message of 0 bytes is shorter");
	expect_works(p);
}

static void
test_wrong_direction(void **state)
{
	struct pair *p = *state;
	struct ipc_msg m;
	int	before = count_fds();

	/* A child that sends a parent-to-child message. */
	build(IPC_T_CONFIG, &m);
	assert_int_equal(ipc_chan_send(p->sv[1], &m), 0);
	expect_refused(p->sv[0], IPC_C2P, before, -1,
	    "CONFIG: wrong direction: parent-to-child message received by "
	    "the parent");
	/* A parent that sends a child-to-parent message. */
	build(IPC_T_RCPT_RESULT, &m);
	assert_int_equal(ipc_chan_send(p->sv[0], &m), 0);
	expect_refused(p->sv[1], IPC_P2C, before, -1,
	    "RCPT_RESULT: wrong direction");
}

/* SO_PASSCRED makes the kernel attach SCM_CREDENTIALS: not allowed. */
static void
test_credentials(void **state)
{
	struct pair *p = *state;
	struct ipc_msg m;
	int	on = 1, before = count_fds();

	assert_int_equal(setsockopt(p->sv[0], SOL_SOCKET, SO_PASSCRED, &on,
	    sizeof(on)), 0);
	build(IPC_T_LOG, &m);
	assert_int_equal(ipc_chan_send(p->sv[1], &m), 0);
	expect_refused(p->sv[0], IPC_C2P, before, -1,
	    "LOG: control message level 1 type 2 is not SCM_RIGHTS");
}

static void
test_send_refuses(void **state)
{
	struct pair *p = *state;
	struct ipc_msg m;
	char	why[256];

	build(IPC_T_LOG, &m);
	snprintf(m.u.log.text, sizeof(m.u.log.text), "bad\r\ntext");
	assert_int_equal(ipc_chan_send(p->sv[1], &m), -EINVAL);
	build(IPC_T_LOG, &m);
	m.type = (enum ipc_type)99;
	assert_int_equal(ipc_chan_send(p->sv[1], &m), -EINVAL);
	/* Nothing went out. */
	assert_int_equal(fcntl(p->sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ipc_chan_recv(p->sv[0], IPC_C2P, &m, why,
	    sizeof(why)), -EAGAIN);
	assert_int_equal(ipc_chan_send(-1, &m), -EINVAL);
	build(IPC_T_LOG, &m);
	assert_int_equal(ipc_chan_send(-1, &m), -EBADF);
}

/*
 * A peer that does not read: the timed send gives up with -ETIMEDOUT
 * once the socket buffer is full (the blocking send would wait for
 * ever), and what was sent before is intact.
 */
static void
test_send_timed(void **state)
{
	struct pair *p = *state;
	struct ipc_msg m;
	char	why[256];
	int	i, err = 0;

	build(IPC_T_RCPT, &m);
	for (i = 0; i < 100000; i++)
		if ((err = ipc_chan_send_timed(p->sv[0], &m, 50)) < 0)
			break;
	assert_int_equal(err, -ETIMEDOUT);
	assert_true(i > 0);
	/* The reader takes one; there is room again. */
	assert_int_equal(ipc_chan_recv(p->sv[1], IPC_P2C, &m, why,
	    sizeof(why)), 0);
	assert_int_equal(m.type, IPC_T_RCPT);
	build(IPC_T_RCPT, &m);
	assert_int_equal(ipc_chan_send_timed(p->sv[0], &m, 1000), 0);
	/* The peer gone: -EPIPE, not a timeout. */
	close(p->sv[1]);
	p->sv[1] = -1;
	assert_int_equal(ipc_chan_send_timed(p->sv[0], &m, 1000), -EPIPE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_type, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_memfd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_deliver_without_fd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_log_with_fd, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_two_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eof_shutdown, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_empty_datagram, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_direction, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_credentials, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_timed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_send_refuses, setup,
		    teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

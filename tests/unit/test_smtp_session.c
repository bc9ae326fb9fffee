/*
 * NAME
 *	test_smtp_session 1
 * SUMMARY
 *	SMTP client state machine and destination walker against scripted
 *	SMTP servers
 * DESCRIPTION
 *	Each test starts a scripted server (a thread with a loopback TCP
 *	listener) that plays, per connection, a list of steps: the exact
 *	command lines it must receive, then the bytes it replies, then an
 *	optional action (read the message content up to the final dot,
 *	close, stall). The client runs smtp_session_run() on a connected
 *	socket, or child_deliver() with "[127.0.0.1]:PORT" nexthops. Every
 *	emitted result is encoded and decoded with the IPC codec as the
 *	parent would, and each recipient must be reported exactly once.
 *
 *	Cases: delivery with and without PIPELINING (the pipelined group
 *	must arrive before any reply); 5xx and 4xx on one RCPT; 4xx on a
 *	non-final server (kept) and with soft_bounce; all RCPT rejected
 *	(RSET, with and without pipelining, with a 554 or a 354 to DATA);
 *	MAIL 5xx and 4xx; DATA 554; DATA 250 (protocol error); end of data
 *	451; no reply after the final dot (deferred, warning); greeting 421
 *	(final and not), 554 with and without smtp_skip_5xx_greeting; EHLO
 *	502 (HELO fallback), EHLO 421, smtp_never_send_ehlo; multi-line
 *	replies; codes that change between lines; garbage lines; a 100 KB
 *	reply line; NUL and 8-bit bytes; a server that answers before it
 *	is asked; MAIL/RCPT parameters (SIZE, BODY=8BITMIME, ENVID, RET,
 *	SMTPUTF8, ORCPT xtext/unitext, NOTIFY, quoted local part) and the
 *	exact content bytes; SIZE limit too small; SMTPUTF8 required;
 *	timeouts of 1 s against a stalling server; lost connection in the
 *	body; cancellation. CHUNKING: BDAT pipelined and not, disabled,
 *	folded, RCPT refusals, BDAT refused, BDAT unknown (500/502, also
 *	with every RCPT refused), no
 *	reply; a content of three 128 KiB chunks (exact bytes, all sent
 *	before the first reply); the second of six chunks refused, with
 *	PIPELINING (replies read once SMTP_BDAT_WINDOW chunks are
 *	unanswered, no sixth chunk, RSET) and without. child_deliver():
 *	one hop; a refused port then a working one; only a refused port; a
 *	421 hop then a good one; a 4xx recipient kept for the next hop;
 *	cancellation; connection reuse: two BDAT jobs on one kept
 *	connection (RSET between, QUIT only when the cache is closed), and
 *	no reuse after a protocol error.
 * SECURITY
 *	Test only. Listens on 127.0.0.1 only.
 * SEE ALSO
 *	child/smtp_session.c, child/child_deliver.c
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "child_deliver.h"
#include "conn_cache.h"
#include "dns.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_sys.h"
#include "smtp_content.h"
#include "smtp_session.h"
#include "local_connector.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Scripted server. */

#define A_DATA		(1 << 0)	/* read content up to "." first */
#define A_CLOSE		(1 << 1)	/* close after the reply */
#define A_STALL		(1 << 2)	/* then wait for the client to close */
#define A_BDAT		(1 << 3)	/* read the chunk of the last "BDAT n" */

struct step {
	const char *expect;		/* lines to receive; NULL ends */
	const char *reply;		/* bytes to send, or NULL */
	size_t	reply_len;		/* 0: strlen(reply) */
	int	action;
};

#define SRV_CONNS	3
#define SRV_IO_MS	15000

struct server {
	int	lfd;
	unsigned port;
	const struct step *scripts[SRV_CONNS];
	pthread_t thr;
	int	started;
	/* Connection state. */
	int	cfd;
	char	in[65536];
	size_t	in_len;
	/* Results, read after the join. */
	char	error[1024];
	char	*data;			/* last DATA content, or BDAT chunks */
	int	bdat_seen;		/* this connection sent a chunk */
	size_t	data_len;
	int	conns;
};

static void
srv_error(struct server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
srv_error(struct server *s, const char *fmt, ...)
{
	va_list	ap;

	if (s->error[0] != '\0')
		return;
	va_start(ap, fmt);
	vsnprintf(s->error, sizeof(s->error), fmt, ap);
	va_end(ap);
}

/* One CRLF line into line[] (with the CRLF); 0 at EOF or timeout. */
static size_t
srv_line(struct server *s, char *line, size_t linesz)
{
	struct pollfd pfd;
	char	*lf;
	size_t	n;
	ssize_t	r;

	for (;;) {
		if ((lf = memchr(s->in, '\n', s->in_len)) != NULL) {
			n = (size_t)(lf - s->in) + 1;
			if (n >= linesz)
				n = linesz - 1;
			memcpy(line, s->in, n);
			line[n] = '\0';
			memmove(s->in, s->in + n, s->in_len - n);
			s->in_len -= n;
			return (n);
		}
		if (s->in_len == sizeof(s->in))
			s->in_len = 0;		/* absurd line: drop */
		pfd.fd = s->cfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, SRV_IO_MS) <= 0)
			return (0);
		r = read(s->cfd, s->in + s->in_len, sizeof(s->in) - s->in_len);
		if (r <= 0)
			return (0);
		s->in_len += (size_t)r;
	}
}

static int
srv_send(struct server *s, const char *p, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		n = send(s->cfd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return (-1);
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static int
srv_data(struct server *s)
{
	char	line[65536];
	size_t	n;

	free(s->data);
	s->data = NULL;
	s->data_len = 0;
	for (;;) {
		if ((n = srv_line(s, line, sizeof(line))) == 0) {
			srv_error(s, "EOF in DATA");
			return (-1);
		}
		if (strcmp(line, ".\r\n") == 0)
			return (0);
		s->data = realloc(s->data, s->data_len + n);
		if (s->data == NULL)
			return (-1);
		memcpy(s->data + s->data_len, line, n);
		s->data_len += n;
	}
}

/*
 * Exactly 'n' bytes of a BDAT chunk: what is buffered, then the socket.
 * The chunks of one connection are appended to s->data (which the
 * first replaces).
 */
static int
srv_bdat(struct server *s, const char *lines)
{
	const char *b = NULL, *p;
	struct pollfd pfd;
	size_t	n, take;
	ssize_t	r;
	char	*grown;

	for (p = lines; (p = strstr(p, "BDAT ")) != NULL; p++)
		b = p;
	if (b == NULL) {
		srv_error(s, "A_BDAT without a BDAT command");
		return (-1);
	}
	if (!s->bdat_seen) {
		free(s->data);
		s->data = NULL;
		s->data_len = 0;
		s->bdat_seen = 1;
	}
	n = s->data_len + strtoul(b + 5, NULL, 10);
	if ((grown = realloc(s->data, n + 1)) == NULL)
		return (-1);
	s->data = grown;
	while (s->data_len < n) {
		if (s->in_len == 0) {
			pfd.fd = s->cfd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, SRV_IO_MS) <= 0 ||
			    (r = read(s->cfd, s->in, sizeof(s->in))) <= 0) {
				srv_error(s, "EOF in BDAT chunk");
				return (-1);
			}
			s->in_len = (size_t)r;
		}
		take = n - s->data_len < s->in_len ? n - s->data_len :
		    s->in_len;
		memcpy(s->data + s->data_len, s->in, take);
		s->data_len += take;
		memmove(s->in, s->in + take, s->in_len - take);
		s->in_len -= take;
	}
	return (0);
}

static void
srv_drain(struct server *s)
{
	struct pollfd pfd;
	char	buf[4096];

	pfd.fd = s->cfd;
	pfd.events = POLLIN;
	while (poll(&pfd, 1, SRV_IO_MS) > 0 &&
	    read(s->cfd, buf, sizeof(buf)) > 0)
		;
}

static void
srv_conn(struct server *s, const struct step *st)
{
	char	got[65536], line[65536];
	const char *p;
	size_t	lines, n, glen;
	int	k;

	s->in_len = 0;
	s->bdat_seen = 0;
	for (k = 0; st[k].expect != NULL; k++) {
		for (lines = 0, p = st[k].expect; (p = strstr(p, "\r\n")); p += 2)
			lines++;
		for (glen = 0; lines > 0; lines--) {
			if ((n = srv_line(s, line, sizeof(line))) == 0) {
				srv_error(s, "conn %d step %d: EOF, want \"%s\"",
				    s->conns, k, st[k].expect);
				return;
			}
			if (glen + n < sizeof(got)) {
				memcpy(got + glen, line, n);
				glen += n;
			}
		}
		got[glen] = '\0';
		if (strcmp(got, st[k].expect) != 0) {
			srv_error(s, "conn %d step %d: got \"%s\", want \"%s\"",
			    s->conns, k, got, st[k].expect);
			return;
		}
		if ((st[k].action & A_DATA) && srv_data(s) < 0)
			return;
		if ((st[k].action & A_BDAT) && srv_bdat(s, got) < 0)
			return;
		if (st[k].reply != NULL && srv_send(s, st[k].reply,
		    st[k].reply_len ? st[k].reply_len : strlen(st[k].reply)))
			return;
		if (st[k].action & A_CLOSE)
			return;
		if (st[k].action & A_STALL) {
			srv_drain(s);
			return;
		}
	}
	/* End of script: anything more from the client is an error. */
	if ((n = srv_line(s, line, sizeof(line))) > 0)
		srv_error(s, "conn %d: unexpected \"%s\"", s->conns, line);
}

static void *
srv_main(void *arg)
{
	struct server *s = arg;
	struct pollfd pfd;
	int	i;

	for (i = 0; i < SRV_CONNS && s->scripts[i] != NULL; i++) {
		pfd.fd = s->lfd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, SRV_IO_MS) <= 0) {
			srv_error(s, "no connection %d", i);
			return (NULL);
		}
		if ((s->cfd = accept(s->lfd, NULL, NULL)) < 0) {
			srv_error(s, "accept failed");
			return (NULL);
		}
		s->conns++;
		srv_conn(s, s->scripts[i]);
		close(s->cfd);
	}
	return (NULL);
}

static int
listen_any(unsigned *port, int do_listen)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int	fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	if (do_listen)
		assert_int_equal(listen(fd, 8), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	*port = ntohs(sin.sin_port);
	return (fd);
}

static void
srv_start(struct server *s, const struct step *c0, const struct step *c1)
{
	memset(s, 0, sizeof(*s));
	s->lfd = listen_any(&s->port, 1);
	s->scripts[0] = c0;
	s->scripts[1] = c1;
	assert_int_equal(pthread_create(&s->thr, NULL, srv_main, s), 0);
	s->started = 1;
}

static void
srv_join(struct server *s)
{
	if (s->started)
		pthread_join(s->thr, NULL);
	s->started = 0;
	close(s->lfd);
	if (s->error[0] != '\0')
		fail_msg("server: %s", s->error);
}

static void
srv_free(struct server *s)
{
	free(s->data);
	s->data = NULL;
}

/* Client side. */

static struct test_ctx {
	int	warnings;
	int	infos;
	char	last_warning[1024];
	char	last_info[3000];
} test_ctx;

static void
test_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN) {
		test_ctx.warnings++;
		snprintf(test_ctx.last_warning, sizeof(test_ctx.last_warning),
		    "%s", text);
	} else if (lvl == MSG_LVL_INFO) {
		test_ctx.infos++;
		snprintf(test_ctx.last_info, sizeof(test_ctx.last_info), "%s",
		    text);
	}
}

#define FX_RCPT_MAX	4
#define FX_MSGS_MAX	16

struct fixture {
	struct ipc_config cfg;
	struct ipc_deliver dlv;
	struct ipc_rcpt rcpts[FX_RCPT_MAX];
	size_t	nrcpt;
	unsigned char rstate[FX_RCPT_MAX];
	uint32_t order[FX_RCPT_MAX];
	struct ipc_done done;
	struct smtp_job job;
	struct ipc_msg msgs[FX_MSGS_MAX];
	int	nmsgs;
	int	emit_error;
};

/* The parent's view: every result must survive the IPC codec. */
static int
fx_emit(void *ctx, const struct ipc_msg *m)
{
	struct fixture *fx = ctx;
	unsigned char buf[SJ_IPC_MSG_MAX];
	char	why[256];
	ssize_t	n;

	n = ipc_msg_encode(m, buf, sizeof(buf));
	if (n < 0 || fx->nmsgs >= FX_MSGS_MAX) {
		fx->emit_error = 1;
		return (-EINVAL);
	}
	if (ipc_msg_decode(IPC_C2P, buf, (size_t)n, -1,
	    &fx->msgs[fx->nmsgs], why, sizeof(why)) < 0) {
		fprintf(stderr, "decode: %s\n", why);
		fx->emit_error = 1;
		return (-EINVAL);
	}
	/* The checks of parent/deliver_child.c, so a contract break shows
	 * here. */
	{
		const struct ipc_result *r = &fx->msgs[fx->nmsgs].u.result;
		char	cls = r->status[0];
		int	i;

		for (i = 0; i < fx->nmsgs; i++)
			if (fx->msgs[i].type == IPC_T_SITE_RESULT)
				fx->emit_error = 1;	/* after SITE */
		if (m->type == IPC_T_SITE_RESULT && cls == '2')
			fx->emit_error = 1;
		if (cls == '2' && (r->diag_code < 200 || r->diag_code > 299))
			fx->emit_error = 1;
		if (cls != '2' && r->diag_code != 0 && r->diag_code < 400)
			fx->emit_error = 1;
		if (fx->emit_error)
			fprintf(stderr, "result breaks the parent's rules: "
			    "%s %s %u\n", ipc_msg_name(m->type), r->status,
			    r->diag_code);
	}
	fx->nmsgs++;
	return (0);
}

static const char *default_rcpts[] = {
	"bob@remote.test", "carol@remote.test", "dave@remote.test",
};

static void
fx_init(struct fixture *fx, const char *content, size_t nrcpt)
{
	size_t	i, len = strlen(content);
	int	fd;

	memset(fx, 0, sizeof(*fx));
	fx->cfg.flags = IPC_CF_SKIP_5XX_GREETING | IPC_CF_SKIP_QUIT_RESPONSE |
	    IPC_CF_INET4;
	fx->cfg.connect_timeout = 20;
	fx->cfg.helo_timeout = 20;
	fx->cfg.mail_timeout = 20;
	fx->cfg.rcpt_timeout = 20;
	fx->cfg.data_init_timeout = 20;
	fx->cfg.data_xfer_timeout = 20;
	fx->cfg.data_done_timeout = 20;
	fx->cfg.quit_timeout = 20;
	fx->cfg.rset_timeout = 20;
	fx->cfg.mx_address_limit = 5;
	fx->cfg.mx_session_limit = 2;
	fx->cfg.line_length_limit = 998;
	fx->cfg.default_port = 25;
	snprintf(fx->cfg.helo_name, sizeof(fx->cfg.helo_name), "%s",
	    "client.example");

	fx->dlv.job_id = 42;
	fx->dlv.rcpt_count = (uint32_t)nrcpt;
	fx->dlv.content_size = len;
	fx->dlv.data_size = len;
	snprintf(fx->dlv.sender, sizeof(fx->dlv.sender), "%s",
	    "alice@example.test");
	snprintf(fx->dlv.queue_id, sizeof(fx->dlv.queue_id), "%s",
	    "4F2A81C0E3");
	fd = memfd_create("test-content", 0);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	fx->dlv.content_fd = fd;

	fx->nrcpt = nrcpt;
	for (i = 0; i < nrcpt; i++) {
		fx->rcpts[i].job_id = 42;
		fx->rcpts[i].index = (uint32_t)i;
		snprintf(fx->rcpts[i].address, sizeof(fx->rcpts[i].address),
		    "%s", default_rcpts[i]);
	}
	smtp_session_job_init(&fx->job, &fx->cfg, &fx->dlv, fx->rcpts, nrcpt,
	    fx->rstate, fx->order, fx_emit, fx, &fx->done);
	test_ctx.warnings = test_ctx.infos = 0;
	test_ctx.last_warning[0] = test_ctx.last_info[0] = '\0';
}

static void
fx_free(struct fixture *fx)
{
	close(fx->dlv.content_fd);
}

static int
client_connect(unsigned port)
{
	struct sockaddr_in sin;
	int	fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)),
	    0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	return (fd);
}

/* One session against one script; returns smtp_session_run()'s value. */
static int
run_session(struct fixture *fx, struct server *srv, const struct step *sc,
    int final)
{
	struct smtp_peer peer;
	int	fd, rv;

	srv_start(srv, sc, NULL);
	fd = client_connect(srv->port);
	smtp_session_peer(&peer, "127.0.0.1", "127.0.0.1", srv->port);
	fx->job.final_server = final;
	rv = smtp_session_run(&fx->job, fd, &peer, final);
	close(fd);
	srv_join(srv);
	assert_int_equal(fx->emit_error, 0);
	return (rv);
}

static const struct ipc_result *
fx_rcpt(const struct fixture *fx, uint32_t index)
{
	const struct ipc_result *found = NULL;
	int	i;

	for (i = 0; i < fx->nmsgs; i++) {
		if (fx->msgs[i].type != IPC_T_RCPT_RESULT ||
		    fx->msgs[i].u.result.index != index)
			continue;
		if (found != NULL)
			fail_msg("recipient %u reported twice", index);
		found = &fx->msgs[i].u.result;
	}
	return (found);
}

static const struct ipc_result *
fx_site(const struct fixture *fx)
{
	int	i;

	for (i = 0; i < fx->nmsgs; i++)
		if (fx->msgs[i].type == IPC_T_SITE_RESULT)
			return (&fx->msgs[i].u.result);
	return (NULL);
}

static void
relay_of(char *buf, size_t sz, unsigned port)
{
	snprintf(buf, sz, "127.0.0.1[127.0.0.1]:%u", port);
}

/* A recipient result: status, exact reason, relay with our port. */
static void
check_rcpt(const struct fixture *fx, uint32_t index, const char *status,
    const char *reason, unsigned port)
{
	const struct ipc_result *r = fx_rcpt(fx, index);
	char	relay[64];

	if (r == NULL)
		fail_msg("no result for recipient %u", index);
	assert_int_equal(r->job_id, 42);
	assert_string_equal(r->status, status);
	if (reason != NULL)
		assert_string_equal(r->reason, reason);
	if (port != 0) {
		relay_of(relay, sizeof(relay), port);
		assert_string_equal(r->relay, relay);
	}
}

#define SAID(reply, cmd) \
	"host 127.0.0.1[127.0.0.1] said: " reply " (in reply to " cmd ")"

/* Script pieces. */
#define GREET		{ "", "220 srv.test ESMTP\r\n", 0, 0 }
#define EHLO_PLAIN	{ "EHLO client.example\r\n", \
			  "250-srv.test\r\n250 8BITMIME\r\n", 0, 0 }
#define EHLO_PIPE	{ "EHLO client.example\r\n", "250-srv.test\r\n" \
			  "250-PIPELINING\r\n250 8BITMIME\r\n", 0, 0 }
#define MAIL_OK		{ "MAIL FROM:<alice@example.test>\r\n", \
			  "250 2.1.0 Ok\r\n", 0, 0 }
#define RCPT_OK(a)	{ "RCPT TO:<" a ">\r\n", "250 2.1.5 Ok\r\n", 0, 0 }
#define DATA_OK		{ "DATA\r\n", "354 End data with <CR><LF>.<CR><LF>\r\n", \
			  0, 0 }
#define DOT_OK		{ "", "250 2.0.0 Ok: queued as ABC\r\n", 0, A_DATA }
#define QUIT		{ "QUIT\r\n", "221 2.0.0 Bye\r\n", 0, 0 }
#define END		{ NULL, NULL, 0, 0 }
#define PIPE_CMDS	"MAIL FROM:<alice@example.test>\r\n" \
			"RCPT TO:<bob@remote.test>\r\n" \
			"RCPT TO:<carol@remote.test>\r\n" \
			"RCPT TO:<dave@remote.test>\r\n" \
			"DATA\r\n"

#define CONTENT		"Subject: test\n\n.hidden dot\nbody\n"
#define CONTENT_WIRE	"Subject: test\r\n\r\n..hidden dot\r\nbody\r\n"
#define SENT_REASON	"250 2.0.0 Ok: queued as ABC"

/* All sent; 'job': the fixture's job ran them (not child_deliver). */
static void
check_sent(const struct fixture *fx, unsigned port, int job)
{
	const struct ipc_result *r;
	uint32_t i;

	assert_int_equal(fx->nmsgs, (int)fx->nrcpt);
	for (i = 0; i < fx->nrcpt; i++) {
		check_rcpt(fx, i, "2.0.0", SENT_REASON, port);
		r = fx_rcpt(fx, i);
		assert_int_equal(r->diag_code, 250);
		assert_string_equal(r->diag_text, SENT_REASON);
		assert_string_equal(r->mta_name, "127.0.0.1");
	}
	if (job)
		assert_int_equal(fx->job.left, 0);
}

static void
check_all_sent(const struct fixture *fx, unsigned port)
{
	check_sent(fx, port, 1);
}

static void
check_walk_sent(const struct fixture *fx, unsigned port)
{
	check_sent(fx, port, 0);
}

/* Delivery. */

static void
test_deliver_plain(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		RCPT_OK("carol@remote.test"), RCPT_OK("dave@remote.test"),
		DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_int_equal(srv.data_len, strlen(CONTENT_WIRE));
	assert_memory_equal(srv.data, CONTENT_WIRE, srv.data_len);
	assert_true(fx.job.complete_session);
	assert_true(fx.done.conn_setup_done_sec != 0);
	assert_true(fx.done.deliver_done_sec != 0);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_deliver_pipelined(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PIPE,
		/* All five commands must be in before any reply. */
		{ PIPE_CMDS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		    "250 2.1.5 Ok\r\n354 go\r\n", 0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_memory_equal(srv.data, CONTENT_WIRE, srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

/* Early talker: every reply is sent right after the greeting. */
static void
test_deliver_server_runs_ahead(void **state)
{
	static const struct step sc[] = {
		{ "", "220 srv.test\r\n250-srv.test\r\n250 PIPELINING\r\n"
		    "250 ok\r\n250 ok\r\n354 go\r\n250 2.0.0 Ok: queued as ABC"
		    "\r\n", 0, 0 },
		{ "EHLO client.example\r\n", NULL, 0, 0 },
		{ "MAIL FROM:<alice@example.test>\r\n"
		    "RCPT TO:<bob@remote.test>\r\nDATA\r\n", NULL, 0, 0 },
		{ "", NULL, 0, A_DATA },
		{ "QUIT\r\n", NULL, 0, 0 },
		END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/* Parameters, quoting and the exact bytes of an 8-bit message. */
static void
test_deliver_parameters(void **state)
{
	static const char body[] = "Subject: caf\xc3\xa9\n\n\xff\x80 8bit\n";
	char	mail[256];
	struct step sc[] = {
		GREET,
		{ "EHLO client.example\r\n", "250-srv.test\r\n250-SIZE 1000000"
		    "\r\n250-8BITMIME\r\n250-DSN\r\n250 SMTPUTF8\r\n", 0, 0 },
		{ mail, "250 ok\r\n", 0, 0 },
		{ "RCPT TO:<bob@remote.test> ORCPT=rfc822;bob@remote.test "
		    "NOTIFY=SUCCESS,FAILURE,DELAY\r\n", "250 ok\r\n", 0, 0 },
		{ "RCPT TO:<carol@remote.test> ORCPT=utf-8;car\\x{F6}l"
		    "\\x{2B}\\x{3D}\\x{5C}@remote.test NOTIFY=NEVER\r\n",
		    "250 ok\r\n", 0, 0 },
		{ "RCPT TO:<\"john doe\"@remote.test>\r\n", "250 ok\r\n", 0,
		    0 },
		DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, body, 3);
	fx.dlv.flags = IPC_DF_8BITMIME;
	fx.dlv.ret_flags = 2;
	fx.dlv.smtputf8 = 1;
	snprintf(fx.dlv.envid, sizeof(fx.dlv.envid), "%s", "env+id=1");
	fx.rcpts[0].notify_flags = 2 | 4 | 8;
	snprintf(fx.rcpts[0].orcpt, sizeof(fx.rcpts[0].orcpt), "%s",
	    "rfc822;bob@remote.test");
	fx.rcpts[1].notify_flags = 1;
	snprintf(fx.rcpts[1].orcpt, sizeof(fx.rcpts[1].orcpt), "%s",
	    "utf-8;car\xc3\xb6l+=\\@remote.test");
	snprintf(fx.rcpts[2].address, sizeof(fx.rcpts[2].address), "%s",
	    "john doe@remote.test");
	snprintf(mail, sizeof(mail), "MAIL FROM:<alice@example.test> SIZE=%zu"
	    " BODY=8BITMIME ENVID=env+2Bid+3D1 RET=HDRS SMTPUTF8\r\n",
	    strlen(body));
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_int_equal(srv.data_len, strlen(body) + 3);
	assert_memory_equal(srv.data, "Subject: caf\xc3\xa9\r\n\r\n\xff\x80 8bit"
	    "\r\n", srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_deliver_null_sender_and_helo(void **state)
{
	static const struct step sc[] = {
		GREET,
		{ "EHLO client.example\r\n", "502 5.5.2 Error: command not "
		    "recognized\r\n", 0, 0 },
		{ "HELO client.example\r\n", "250 srv.test\r\n", 0, 0 },
		{ "MAIL FROM:<>\r\n", "250 ok\r\n", 0, 0 },
		RCPT_OK("bob@remote.test"), DATA_OK, DOT_OK, QUIT, END,
	};
	static const struct step never[] = {
		GREET,
		{ "HELO client.example\r\n", "250 srv.test\r\n", 0, 0 },
		{ "MAIL FROM:<>\r\n", "250 ok\r\n", 0, 0 },
		RCPT_OK("bob@remote.test"), DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 1);
	fx.dlv.sender[0] = '\0';
	fx.dlv.flags = IPC_DF_8BITMIME;		/* not offered: no BODY= */
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	srv_free(&srv);
	fx_free(&fx);

	fx_init(&fx, CONTENT, 1);
	fx.dlv.sender[0] = '\0';
	fx.cfg.flags |= IPC_CF_NEVER_EHLO;
	assert_int_equal(run_session(&fx, &srv, never, 1),
	    SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/* Multi-line replies everywhere; lines joined by spaces in results. */
static void
test_multiline(void **state)
{
	static const struct step sc[] = {
		{ "", "220-srv.test first\r\n220-second\r\n220 third\r\n", 0,
		    0 },
		EHLO_PLAIN,
		{ "MAIL FROM:<alice@example.test>\r\n", "250-a\r\n250 b\r\n",
		    0, 0 },
		RCPT_OK("bob@remote.test"), DATA_OK,
		{ "", "250-2.0.0 first\r\n250 2.0.0 second\r\n", 0, A_DATA },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_rcpt(&fx, 0, "2.0.0", "250-2.0.0 first 250 2.0.0 second",
	    srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/* Recipient-level failures. */

static void
test_rcpt_5xx_one_of_three(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 "
		    "<carol@remote.test>: Recipient address rejected: no such "
		    "user\r\n250 2.1.5 Ok\r\n354 go\r\n", 0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 0), SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 0, "2.0.0", SENT_REASON, srv.port);
	check_rcpt(&fx, 1, "5.1.1", SAID("550 5.1.1 <carol@remote.test>: "
	    "Recipient address rejected: no such user", "RCPT TO command"),
	    srv.port);
	check_rcpt(&fx, 2, "2.0.0", SENT_REASON, srv.port);
	r = fx_rcpt(&fx, 1);
	assert_int_equal(r->diag_code, 550);
	assert_string_equal(r->diag_text, "550 5.1.1 <carol@remote.test>: "
	    "Recipient address rejected: no such user");
	assert_string_equal(r->mta_name, "127.0.0.1");
	srv_free(&srv);
	fx_free(&fx);
}

static const struct step rcpt_4xx_script[] = {
	GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
	{ "RCPT TO:<carol@remote.test>\r\n", "450 4.2.0 <carol@remote.test>: "
	    "Recipient address rejected: try later\r\n", 0, 0 },
	RCPT_OK("dave@remote.test"), DATA_OK, DOT_OK, QUIT, END,
};

#define CAROL_450 SAID("450 4.2.0 <carol@remote.test>: Recipient address " \
	"rejected: try later", "RCPT TO command")

static void
test_rcpt_4xx_final(void **state)
{
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, rcpt_4xx_script, 1),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 1, "4.2.0", CAROL_450, srv.port);
	check_rcpt(&fx, 0, "2.0.0", SENT_REASON, srv.port);
	check_rcpt(&fx, 2, "2.0.0", SENT_REASON, srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_rcpt_4xx_not_final(void **state)
{
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, rcpt_4xx_script, 0),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 2);
	assert_null(fx_rcpt(&fx, 1));
	assert_int_equal(fx.rstate[1], SMTP_RCPT_KEEP);
	assert_int_equal(fx.job.left, 1);
	assert_string_equal(test_ctx.last_info, "4F2A81C0E3: " CAROL_450);
	assert_string_equal(fx.job.why.reason, CAROL_450);
	smtp_session_end(&fx.job);
	assert_int_equal(fx.rstate[1], SMTP_RCPT_TODO);
	srv_free(&srv);
	fx_free(&fx);
}

/* soft_bounce: a 5xx on a non-final server keeps the recipient. */
static void
test_rcpt_5xx_soft_bounce(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK,
		{ "RCPT TO:<bob@remote.test>\r\n", "550 5.1.1 no\r\n", 0, 0 },
		RCPT_OK("carol@remote.test"), DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 2);
	fx.cfg.flags |= IPC_CF_SOFT_BOUNCE;
	assert_int_equal(run_session(&fx, &srv, sc, 0), SMTP_SESSION_COUNTED);
	assert_null(fx_rcpt(&fx, 0));
	assert_int_equal(fx.rstate[0], SMTP_RCPT_KEEP);
	check_rcpt(&fx, 1, "2.0.0", SENT_REASON, srv.port);
	srv_free(&srv);
	fx_free(&fx);

	/* On the final server the 5.x.x is reported; the parent defers. */
	fx_init(&fx, CONTENT, 2);
	fx.cfg.flags |= IPC_CF_SOFT_BOUNCE;
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_rcpt(&fx, 0, "5.1.1", SAID("550 5.1.1 no", "RCPT TO command"),
	    srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/* Address probes (IPC_DF_VERIFY_ONLY): MAIL and RCPT, then RSET; no DATA. */
static void
test_verify_only(void **state)
{
	static const struct step plain[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		{ "RCPT TO:<carol@remote.test>\r\n", "550 5.1.1 no such user\r\n",
		    0, 0 },
		RCPT_OK("dave@remote.test"),
		{ "RSET\r\n", "250 2.0.0 Ok\r\n", 0, 0 },
		QUIT, END,
	};
	static const struct step piped[] = {
		GREET, EHLO_PIPE,
		{ "MAIL FROM:<alice@example.test>\r\n"
		    "RCPT TO:<bob@remote.test>\r\n"
		    "RCPT TO:<carol@remote.test>\r\n"
		    "RCPT TO:<dave@remote.test>\r\n",
		    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n"
		    "250 2.1.5 Ok\r\n", 0, 0 },
		{ "RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n", 0, 0 },
		END,
	};
	const struct step *scripts[] = { plain, piped };
	struct fixture fx;
	struct server srv;
	size_t	k;

	(void)state;
	for (k = 0; k < NELEM(scripts); k++) {
		fx_init(&fx, CONTENT, 3);
		fx.dlv.flags |= IPC_DF_VERIFY_ONLY;
		assert_int_equal(run_session(&fx, &srv, scripts[k], 1),
		    SMTP_SESSION_COUNTED);
		assert_int_equal(fx.nmsgs, 3);
		check_rcpt(&fx, 0, "2.1.5", "250 2.1.5 Ok", srv.port);
		assert_int_equal(fx_rcpt(&fx, 0)->diag_code, 250);
		check_rcpt(&fx, 1, "5.1.1", SAID("550 5.1.1 no such user",
		    "RCPT TO command"), srv.port);
		check_rcpt(&fx, 2, "2.1.5", "250 2.1.5 Ok", srv.port);
		srv_free(&srv);
		fx_free(&fx);
	}
}

static void
test_rcpt_all_rejected(void **state)
{
	static const struct step plain[] = {
		GREET, EHLO_PLAIN, MAIL_OK,
		{ "RCPT TO:<bob@remote.test>\r\n", "550 5.1.1 a\r\n", 0, 0 },
		{ "RCPT TO:<carol@remote.test>\r\n", "550 5.1.1 b\r\n", 0, 0 },
		{ "RCPT TO:<dave@remote.test>\r\n", "550 5.1.1 c\r\n", 0, 0 },
		{ "RSET\r\n", "250 2.0.0 Ok\r\n", 0, 0 },
		QUIT, END,
	};
	static const struct step piped[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "250 ok\r\n550 5.1.1 a\r\n550 5.1.1 b\r\n"
		    "550 5.1.1 c\r\n554 5.5.1 Error: no valid recipients\r\n",
		    0, 0 },
		{ "RSET\r\nQUIT\r\n", "250 ok\r\n221 bye\r\n", 0, 0 },
		END,
	};
	/* A server that says 354 anyway gets a lone "." (RFC 2920). */
	static const struct step piped354[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "250 ok\r\n550 5.1.1 a\r\n550 5.1.1 b\r\n"
		    "550 5.1.1 c\r\n354 go\r\n", 0, 0 },
		{ "", "250 2.0.0 empty\r\n", 0, A_DATA },
		QUIT, END,
	};
	const struct step *scripts[] = { plain, piped, piped354 };
	struct fixture fx;
	struct server srv;
	size_t	k;

	(void)state;
	for (k = 0; k < NELEM(scripts); k++) {
		fx_init(&fx, CONTENT, 3);
		assert_int_equal(run_session(&fx, &srv, scripts[k], 1),
		    SMTP_SESSION_COUNTED);
		assert_int_equal(fx.nmsgs, 3);
		check_rcpt(&fx, 0, "5.1.1", SAID("550 5.1.1 a",
		    "RCPT TO command"), srv.port);
		check_rcpt(&fx, 1, "5.1.1", NULL, srv.port);
		check_rcpt(&fx, 2, "5.1.1", SAID("550 5.1.1 c",
		    "RCPT TO command"), srv.port);
		if (k == 2)
			assert_int_equal(srv.data_len, 0);
		srv_free(&srv);
		fx_free(&fx);
	}
}

/* Replies that apply to every recipient of the transaction. */

static void
test_mail_rejected(void **state)
{
	static const struct step hard[] = {
		GREET, EHLO_PLAIN,
		{ "MAIL FROM:<alice@example.test>\r\n", "553 5.1.8 <alice@"
		    "example.test>: Sender address rejected\r\n", 0, 0 },
		{ "RSET\r\n", "250 ok\r\n", 0, 0 },
		QUIT, END,
	};
	static const struct step piped[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "451 4.3.0 try later\r\n503 no\r\n503 no\r\n"
		    "503 no\r\n503 no\r\n", 0, 0 },
		{ "RSET\r\nQUIT\r\n", "250 ok\r\n", 0, 0 },
		END,
	};
	struct fixture fx;
	struct server srv;
	uint32_t i;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, hard, 0),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	for (i = 0; i < 3; i++)
		check_rcpt(&fx, i, "5.1.8", SAID("553 5.1.8 <alice@example."
		    "test>: Sender address rejected", "MAIL FROM command"),
		    srv.port);
	srv_free(&srv);
	fx_free(&fx);

	/* 4xx at the final server: deferred; RCPT replies are ignored. */
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, piped, 1),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	for (i = 0; i < 3; i++)
		check_rcpt(&fx, i, "4.3.0", SAID("451 4.3.0 try later",
		    "MAIL FROM command"), srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_data_rejected(void **state)
{
	static const struct step s554[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		RCPT_OK("carol@remote.test"),
		{ "DATA\r\n", "554 5.5.1 Error: no thanks\r\n", 0, 0 },
		{ "RSET\r\n", "250 ok\r\n", 0, 0 },
		QUIT, END,
	};
	static const struct step s250[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		RCPT_OK("carol@remote.test"),
		{ "DATA\r\n", "250 ok\r\n", 0, 0 },
		{ "RSET\r\n", "250 ok\r\n", 0, 0 },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init(&fx, CONTENT, 2);
	assert_int_equal(run_session(&fx, &srv, s554, 1),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 2);
	check_rcpt(&fx, 0, "5.5.1", SAID("554 5.5.1 Error: no thanks",
	    "DATA command"), srv.port);
	check_rcpt(&fx, 1, "5.5.1", NULL, srv.port);
	srv_free(&srv);
	fx_free(&fx);

	/* A 2xx where 3xx was due: protocol error, 5.5.0. */
	fx_init(&fx, CONTENT, 2);
	assert_int_equal(run_session(&fx, &srv, s250, 1),
	    SMTP_SESSION_COUNTED);
	check_rcpt(&fx, 0, "5.5.0", "Protocol error: " SAID("250 ok",
	    "DATA command"), srv.port);
	r = fx_rcpt(&fx, 1);
	assert_non_null(r);
	assert_int_equal(r->diag_code, 0);
	assert_string_equal(r->diag_text, "250 ok");
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_dot_451(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		RCPT_OK("carol@remote.test"), DATA_OK,
		{ "", "451 4.3.0 Error: queue file write error\r\n", 0,
		    A_DATA },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	uint32_t i;

	(void)state;
	fx_init(&fx, CONTENT, 2);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 2);
	for (i = 0; i < 2; i++)
		check_rcpt(&fx, i, "4.3.0", SAID("451 4.3.0 Error: queue file "
		    "write error", "end of DATA command"), srv.port);
	assert_true(fx.job.complete_session);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_dot_no_reply(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PIPE,
		{ "MAIL FROM:<alice@example.test>\r\n"
		    "RCPT TO:<bob@remote.test>\r\n"
		    "RCPT TO:<carol@remote.test>\r\nDATA\r\n",
		    "250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n", 0, 0 },
		{ "", NULL, 0, A_DATA | A_CLOSE },
		END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init(&fx, CONTENT, 2);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	/* A whole-session failure on the final server: SITE_RESULT. */
	assert_int_equal(fx.nmsgs, 1);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.4.2");
	assert_string_equal(r->reason, "lost connection with 127.0.0.1"
	    "[127.0.0.1] while sending end of data -- message may be sent "
	    "more than once");
	assert_int_equal(r->diag_code, 0);
	assert_int_equal(test_ctx.warnings, 1);
	assert_non_null(strstr(test_ctx.last_warning, "delivered twice"));
	assert_int_equal(fx.job.left, 0);
	assert_false(fx.job.complete_session);
	assert_memory_equal(srv.data, CONTENT_WIRE, srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

/* The server closes after 354 while a large body is being sent. */
static void
test_lost_in_body(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		{ "DATA\r\n", "354 go\r\n", 0, A_CLOSE },
		END,
	};
	size_t	len = 16 * 1024 * 1024;
	char	*big = malloc(len + 1);
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	assert_non_null(big);
	memset(big, 'b', len);
	big[len] = '\0';
	fx_init(&fx, big, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 1);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.4.2");
	assert_string_equal(r->reason, "lost connection with 127.0.0.1"
	    "[127.0.0.1] while sending message body");
	srv_free(&srv);
	fx_free(&fx);
	free(big);
}

/* Greeting and handshake. */

static void
test_greeting_421(void **state)
{
	static const struct step sc[] = {
		{ "", "421 4.3.2 tsrv busy, try later\r\n", 0, 0 },
		{ "QUIT\r\n", NULL, 0, 0 },
		END,
	};
	static const char reason[] = "host 127.0.0.1[127.0.0.1] refused to "
	    "talk to me: 421 4.3.2 tsrv busy, try later";
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;
	char	relay[64];

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1),
	    SMTP_SESSION_NOT_COUNTED);
	assert_int_equal(fx.nmsgs, 1);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.3.2");
	assert_string_equal(r->reason, reason);
	assert_int_equal(r->diag_code, 421);
	assert_string_equal(r->mta_name, "127.0.0.1");
	relay_of(relay, sizeof(relay), srv.port);
	assert_string_equal(r->relay, relay);
	assert_int_equal(fx.job.left, 0);
	srv_free(&srv);
	fx_free(&fx);

	/* Not the final server: keep everything, log the reason. */
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 0),
	    SMTP_SESSION_NOT_COUNTED);
	assert_int_equal(fx.nmsgs, 0);
	assert_int_equal(fx.job.left, 3);
	assert_int_equal(fx.rstate[0], SMTP_RCPT_KEEP);
	assert_string_equal(test_ctx.last_info + strlen("4F2A81C0E3: "),
	    reason);
	assert_memory_equal(test_ctx.last_info, "4F2A81C0E3: ", 12);
	assert_true(fx.job.have_why);
	assert_string_equal(fx.job.why.status, "4.3.2");
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_greeting_554(void **state)
{
	static const struct step sc[] = {
		{ "", "554 5.3.2 tsrv no service\r\n", 0, 0 },
		{ "QUIT\r\n", NULL, 0, 0 },
		END,
	};
	static const char reason[] = "host 127.0.0.1[127.0.0.1] refused to "
	    "talk to me: 554 5.3.2 tsrv no service";
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	/* smtp_skip_5xx_greeting = yes: class forced to 4, text kept. */
	fx_init(&fx, CONTENT, 2);
	assert_int_equal(run_session(&fx, &srv, sc, 1),
	    SMTP_SESSION_NOT_COUNTED);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.3.2");
	assert_string_equal(r->reason, reason);
	assert_int_equal(r->diag_code, 554);
	srv_free(&srv);
	fx_free(&fx);

	/* smtp_skip_5xx_greeting = no: bounce, even on a backup. */
	fx_init(&fx, CONTENT, 2);
	fx.cfg.flags &= ~IPC_CF_SKIP_5XX_GREETING;
	assert_int_equal(run_session(&fx, &srv, sc, 0),
	    SMTP_SESSION_NOT_COUNTED);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "5.3.2");
	assert_string_equal(r->reason, reason);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_ehlo_421(void **state)
{
	static const struct step sc[] = {
		GREET,
		{ "EHLO client.example\r\n", "421 4.7.0 go away\r\n", 0, 0 },
		{ "QUIT\r\n", NULL, 0, 0 },
		END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init(&fx, CONTENT, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1),
	    SMTP_SESSION_NOT_COUNTED);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.7.0");
	assert_string_equal(r->reason, "host 127.0.0.1[127.0.0.1] refused to "
	    "talk to me: 421 4.7.0 go away");
	srv_free(&srv);
	fx_free(&fx);
}

/* Garbage and broken replies. */

#define NUL_REPLY	"550 5.1.1 bad\0user\xff\r\n"

static void
test_garbage_replies(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK,
		/* Not a reply line: kept, reading goes on (Postfix). */
		{ "RCPT TO:<bob@remote.test>\r\n", "garbage line\r\n"
		    "250 2.1.5 Ok\r\n", 0, 0 },
		/* Codes change between lines: protocol error, 5.5.0. */
		{ "RCPT TO:<carol@remote.test>\r\n", "250-ok\r\n550 no\r\n",
		    0, 0 },
		/* NUL and 8-bit bytes are censored. */
		{ "RCPT TO:<dave@remote.test>\r\n", NUL_REPLY,
		    sizeof(NUL_REPLY) - 1, 0 },
		DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 0, "2.0.0", SENT_REASON, srv.port);
	check_rcpt(&fx, 1, "5.5.0", SAID("250-ok 550 no", "RCPT TO command"),
	    srv.port);
	r = fx_rcpt(&fx, 1);
	assert_int_equal(r->diag_code, 0);
	check_rcpt(&fx, 2, "5.1.1", SAID("550 5.1.1 bad?user?",
	    "RCPT TO command"), srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_greeting_garbage_then_close(void **state)
{
	static const struct step sc[] = {
		{ "", "hello world\r\n", 0, A_CLOSE },
		END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init(&fx, CONTENT, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1),
	    SMTP_SESSION_NOT_COUNTED);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.4.2");
	assert_string_equal(r->reason, "lost connection with 127.0.0.1"
	    "[127.0.0.1] while receiving the initial server greeting");
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_long_reply_line(void **state)
{
	size_t	len = 100 * 1024;
	char	*reply = malloc(len + 3);
	struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK,
		{ "RCPT TO:<bob@remote.test>\r\n", reply, 0, 0 },
		{ "RSET\r\n", "250 ok\r\n", 0, 0 },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;
	static const char tail[] = " (in reply to RCPT TO command)";

	(void)state;
	assert_non_null(reply);
	memcpy(reply, "550 5.7.1 ", 10);
	memset(reply + 10, 'L', len - 10);
	memcpy(reply + len, "\r\n", 3);
	fx_init(&fx, CONTENT, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	assert_non_null(r = fx_rcpt(&fx, 0));
	assert_string_equal(r->status, "5.7.1");
	assert_int_equal(strlen(r->diag_text), SJ_SMTP_LINE_MAX);
	assert_true(strlen(r->reason) > SJ_SMTP_LINE_MAX);
	assert_string_equal(r->reason + strlen(r->reason) - strlen(tail),
	    tail);
	assert_true(test_ctx.warnings >= 1);
	srv_free(&srv);
	fx_free(&fx);
	free(reply);
}

/* Local refusals. */

static void
test_size_limit(void **state)
{
	static const struct step sc[] = {
		GREET,
		{ "EHLO client.example\r\n", "250-srv.test\r\n250 SIZE 10\r\n",
		    0, 0 },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;
	char	want[256];

	(void)state;
	fx_init(&fx, CONTENT, 2);
	assert_int_equal(run_session(&fx, &srv, sc, 0), SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 2);
	snprintf(want, sizeof(want), "message size %zu exceeds size limit 10 "
	    "of server 127.0.0.1[127.0.0.1]", strlen(CONTENT));
	check_rcpt(&fx, 0, "5.3.4", want, srv.port);
	check_rcpt(&fx, 1, "5.3.4", want, srv.port);
	r = fx_rcpt(&fx, 0);
	assert_int_equal(r->diag_code, 0);
	assert_string_equal(r->mta_name, "");
	assert_string_equal(r->diag_text, "");
	assert_true(fx.job.complete_session);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_smtputf8_required(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 1);
	fx.dlv.smtputf8 = 1 | 8;	/* requested, UTF-8 recipient */
	assert_int_equal(run_session(&fx, &srv, sc, 0),
	    SMTP_SESSION_NOT_COUNTED);
	check_rcpt(&fx, 0, "5.6.7", "SMTPUTF8 is required, but was not "
	    "offered by host 127.0.0.1[127.0.0.1]", srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/* Timeouts (1 s) and cancellation. */

static void
test_timeouts(void **state)
{
	static const struct step greet_stall[] = {
		{ "", NULL, 0, A_STALL },
		END,
	};
	static const struct step rcpt_stall[] = {
		GREET, EHLO_PLAIN, MAIL_OK,
		{ "RCPT TO:<bob@remote.test>\r\n", NULL, 0, A_STALL },
		END,
	};
	static const struct step dot_stall[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		DATA_OK,
		{ "", NULL, 0, A_DATA | A_STALL },
		END,
	};
	static const struct {
		const struct step *sc;
		const char *stage;
		int	warnings;
	} cases[] = {
		{ greet_stall, "receiving the initial server greeting", 0 },
		{ rcpt_stall, "sending RCPT TO", 0 },
		{ dot_stall, "sending end of data -- message may be sent more "
		    "than once", 1 },
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;
	char	want[256];
	size_t	k;

	(void)state;
	for (k = 0; k < NELEM(cases); k++) {
		fx_init(&fx, CONTENT, 1);
		fx.cfg.helo_timeout = 1;
		fx.cfg.rcpt_timeout = 1;
		fx.cfg.data_done_timeout = 1;
		(void)run_session(&fx, &srv, cases[k].sc, 1);
		assert_int_equal(fx.nmsgs, 1);
		assert_non_null(r = fx_site(&fx));
		assert_string_equal(r->status, "4.4.2");
		snprintf(want, sizeof(want), "conversation with 127.0.0.1"
		    "[127.0.0.1] timed out while %s", cases[k].stage);
		assert_string_equal(r->reason, want);
		assert_int_equal(test_ctx.warnings, cases[k].warnings);
		srv_free(&srv);
		fx_free(&fx);
	}
}

static void
test_cancel(void **state)
{
	static const struct step sc[] = {
		{ "", NULL, 0, A_STALL },
		END,
	};
	struct fixture fx;
	struct server srv;
	int	p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "a", 1), 1);
	fx_init(&fx, CONTENT, 2);
	sys_set_cancel_fd(p[0]);
	assert_int_equal(run_session(&fx, &srv, sc, 1), -ECANCELED);
	sys_set_cancel_fd(-1);
	assert_int_equal(fx.nmsgs, 0);
	srv_free(&srv);
	fx_free(&fx);
	close(p[0]);
	close(p[1]);
}

/* child_deliver(): the walk over "[127.0.0.1]:PORT" hops. */

static struct dns_ctx test_dns;

static int
walk(struct fixture *fx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
walk(struct fixture *fx, const char *fmt, ...)
{
	va_list	ap;
	int	rv;

	va_start(ap, fmt);
	vsnprintf(fx->dlv.nexthop, sizeof(fx->dlv.nexthop), fmt, ap);
	va_end(ap);
	rv = child_deliver(&test_dns, &fx->cfg, &fx->dlv, fx->rcpts,
	    fx->nrcpt, fx_emit, fx, &fx->done);
	assert_int_equal(fx->emit_error, 0);
	return (rv);
}

static void
test_walk_one_hop(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n",
		    0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	srv_start(&srv, sc, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port), 0);
	srv_join(&srv);
	check_walk_sent(&fx, srv.port);
	assert_int_equal(fx.done.job_id, 42);
	assert_int_equal(fx.done.reuse_count, 0);
	assert_true(fx.done.conn_setup_done_sec != 0);
	assert_true(fx.done.deliver_done_sec != 0);
	srv_free(&srv);
	fx_free(&fx);
}

static void
test_walk_refused_then_ok(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	unsigned dead;
	int	dfd = listen_any(&dead, 0);	/* bound, not listening */
	char	want[128];

	(void)state;
	fx_init(&fx, CONTENT, 1);
	srv_start(&srv, sc, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u, [127.0.0.1]:%u", dead,
	    srv.port), 0);
	srv_join(&srv);
	check_walk_sent(&fx, srv.port);
	snprintf(want, sizeof(want), "connect to 127.0.0.1[127.0.0.1]:%u: "
	    "Connection refused", dead);
	assert_int_equal(test_ctx.infos, 1);
	assert_string_equal(test_ctx.last_info, want);
	srv_free(&srv);
	fx_free(&fx);
	close(dfd);
}

static void
test_walk_refused_only(void **state)
{
	struct fixture fx;
	unsigned dead;
	int	dfd = listen_any(&dead, 0);
	const struct ipc_result *r;
	char	want[128];

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", dead), 0);
	assert_int_equal(fx.nmsgs, 1);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.4.1");
	snprintf(want, sizeof(want), "connect to 127.0.0.1[127.0.0.1]:%u: "
	    "Connection refused", dead);
	assert_string_equal(r->reason, want);
	assert_string_equal(r->relay, "none");
	assert_int_equal(r->diag_code, 0);
	assert_true(fx.done.conn_setup_done_sec != 0);
	fx_free(&fx);
	close(dfd);
}

static void
test_walk_421_then_ok(void **state)
{
	static const struct step busy[] = {
		{ "", "421 4.3.2 tsrv busy, try later\r\n", 0, 0 },
		{ "QUIT\r\n", NULL, 0, 0 },
		END,
	};
	static const struct step good[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		RCPT_OK("carol@remote.test"), DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server s1, s2;

	(void)state;
	fx_init(&fx, CONTENT, 2);
	srv_start(&s1, busy, NULL);
	srv_start(&s2, good, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u [127.0.0.1]:%u", s1.port,
	    s2.port), 0);
	srv_join(&s1);
	srv_join(&s2);
	check_walk_sent(&fx, s2.port);
	assert_string_equal(test_ctx.last_info, "4F2A81C0E3: "
	    "host 127.0.0.1[127.0.0.1] "
	    "refused to talk to me: 421 4.3.2 tsrv busy, try later");
	srv_free(&s1);
	srv_free(&s2);
	fx_free(&fx);
}

/* A recipient deferred by the first hop is tried again at the next. */
static void
test_walk_kept_recipient(void **state)
{
	static const struct step first[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("bob@remote.test"),
		{ "RCPT TO:<carol@remote.test>\r\n", "450 4.2.0 later\r\n", 0,
		    0 },
		DATA_OK, DOT_OK, QUIT, END,
	};
	static const struct step second[] = {
		GREET, EHLO_PLAIN, MAIL_OK, RCPT_OK("carol@remote.test"),
		DATA_OK, DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server s1, s2;

	(void)state;
	fx_init(&fx, CONTENT, 2);
	srv_start(&s1, first, NULL);
	srv_start(&s2, second, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u,[127.0.0.1]:%u", s1.port,
	    s2.port), 0);
	srv_join(&s1);
	srv_join(&s2);
	assert_int_equal(fx.nmsgs, 2);
	check_rcpt(&fx, 0, "2.0.0", SENT_REASON, s1.port);
	check_rcpt(&fx, 1, "2.0.0", SENT_REASON, s2.port);
	srv_free(&s1);
	srv_free(&s2);
	fx_free(&fx);
}

/* Both hops soft-fail: the last error, relay none, per SITE_RESULT. */
static void
test_walk_all_fail(void **state)
{
	static const struct step busy[] = {
		{ "", "421 4.3.2 tsrv busy\r\n", 0, 0 },
		{ "QUIT\r\n", NULL, 0, 0 },
		END,
	};
	struct fixture fx;
	struct server s1;
	unsigned dead;
	int	dfd = listen_any(&dead, 0);
	const struct ipc_result *r;
	char	want[128];

	(void)state;
	fx_init(&fx, CONTENT, 2);
	srv_start(&s1, busy, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u,[127.0.0.1]:%u", s1.port,
	    dead), 0);
	srv_join(&s1);
	assert_int_equal(fx.nmsgs, 1);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.4.1");
	snprintf(want, sizeof(want), "connect to 127.0.0.1[127.0.0.1]:%u: "
	    "Connection refused", dead);
	assert_string_equal(r->reason, want);
	assert_string_equal(r->relay, "none");
	srv_free(&s1);
	fx_free(&fx);
	close(dfd);
}

static void
test_walk_cancel(void **state)
{
	static const struct step sc[] = {
		{ "", NULL, 0, A_STALL },
		END,
	};
	struct fixture fx;
	struct server srv;
	int	p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	fx_init(&fx, CONTENT, 2);
	srv_start(&srv, sc, NULL);
	assert_int_equal(write(p[1], "a", 1), 1);
	sys_set_cancel_fd(p[0]);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port),
	    -ECANCELED);
	sys_set_cancel_fd(-1);
	/* The server may or may not have seen the connection. */
	pthread_join(srv.thr, NULL);
	srv.started = 0;
	close(srv.lfd);
	assert_int_equal(fx.nmsgs, 0);
	srv_free(&srv);
	fx_free(&fx);
	close(p[0]);
	close(p[1]);
}

static int
setup_dns(void **state)
{
	char	why[256];

	(void)state;
	if (dns_init(&test_dns, why, sizeof(why)) < 0) {
		fprintf(stderr, "dns_init: %s\n", why);
		return (-1);
	}
	return (0);
}

static int
teardown_dns(void **state)
{
	(void)state;
	dns_free(&test_dns);
	return (0);
}

/* CHUNKING (RFC 3030). */

#define EHLO_CHUNK	{ "EHLO client.example\r\n", "250-srv.test\r\n" \
			  "250-PIPELINING\r\n250-CHUNKING\r\n250 8BITMIME\r\n", \
			  0, 0 }
#define EHLO_CHUNK_ONLY	{ "EHLO client.example\r\n", "250-srv.test\r\n" \
			  "250-CHUNKING\r\n250 8BITMIME\r\n", 0, 0 }
/* CONTENT as BDAT data: CR LF line ends, no dot-stuffing. */
#define CONTENT_BDAT	"Subject: test\r\n\r\n.hidden dot\r\nbody\r\n"
#define BDAT_CMD	"BDAT 36 LAST\r\n"
#define PIPE_MAIL_RCPTS	"MAIL FROM:<alice@example.test>\r\n" \
			"RCPT TO:<bob@remote.test>\r\n" \
			"RCPT TO:<carol@remote.test>\r\n" \
			"RCPT TO:<dave@remote.test>\r\n"
#define PIPE_BDAT	PIPE_MAIL_RCPTS BDAT_CMD
#define QUIT_NOREPLY	{ "QUIT\r\n", NULL, 0, 0 }

static void
fx_init_chunking(struct fixture *fx, const char *content, size_t nrcpt)
{
	fx_init(fx, content, nrcpt);
	fx->cfg.flags |= IPC_CF_USE_CHUNKING;
}

/* Everything, data and QUIT included, is in before the first reply. */
static void
test_bdat_pipelined(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		    "250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as ABC\r\n", 0,
		    A_BDAT },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	assert_int_equal(strlen(CONTENT_BDAT), 36);
	fx_init_chunking(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_int_equal(srv.data_len, strlen(CONTENT_BDAT));
	assert_memory_equal(srv.data, CONTENT_BDAT, srv.data_len);
	assert_true(fx.job.complete_session);
	assert_true(fx.done.deliver_done_sec != 0);
	srv_free(&srv);
	fx_free(&fx);
}

/* CHUNKING without PIPELINING: one command at a time. */
static void
test_bdat_plain(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_CHUNK_ONLY, MAIL_OK, RCPT_OK("bob@remote.test"),
		{ BDAT_CMD, "250 2.0.0 Ok: queued as ABC\r\n", 0, A_BDAT },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init_chunking(&fx, CONTENT, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_memory_equal(srv.data, CONTENT_BDAT, srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

/* smtpjail_use_chunking = no: DATA even when CHUNKING is offered. */
static void
test_bdat_disabled(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_CMDS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		    "250 2.1.5 Ok\r\n354 go\r\n", 0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_memory_equal(srv.data, CONTENT_WIRE, srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

/* Folding and a last line without LF: the BDAT size must match. */
static void
test_bdat_folded(void **state)
{
	char	content[2600], wire[2700], cmd[64];
	struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ NULL, "250 ok\r\n250 ok\r\n250 2.0.0 Ok: queued as ABC\r\n",
		    0, A_BDAT },
		QUIT, END,
	};
	char	lines[256];
	struct fixture fx;
	struct server srv;
	size_t	n = 0;

	(void)state;
	memset(content, 'x', 2500);
	memcpy(content + 2500, "\n.end", 6);
	/* 998 + CR LF SPACE + 997 + CR LF SPACE + 505 (limit 998). */
	memset(wire, 'x', 998);
	n = 998;
	memcpy(wire + n, "\r\n ", 3);
	n += 3;
	memset(wire + n, 'x', 997);
	n += 997;
	memcpy(wire + n, "\r\n ", 3);
	n += 3;
	memset(wire + n, 'x', 505);
	n += 505;
	memcpy(wire + n, "\r\n.end\r\n", 8);
	n += 8;
	snprintf(cmd, sizeof(cmd), "BDAT %zu LAST\r\n", n);
	snprintf(lines, sizeof(lines), "MAIL FROM:<alice@example.test>\r\n"
	    "RCPT TO:<bob@remote.test>\r\n%s", cmd);
	sc[2].expect = lines;
	fx_init_chunking(&fx, content, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_int_equal(srv.data_len, n);
	assert_memory_equal(srv.data, wire, n);
	/* Logged once. */
	assert_int_equal(test_ctx.infos, 1);
	srv_free(&srv);
	fx_free(&fx);
}

/* One RCPT refused; the others are delivered by the BDAT. */
static void
test_bdat_rcpt_rejected(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no "
		    "such user\r\n250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as "
		    "ABC\r\n", 0, A_BDAT },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init_chunking(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 0, "2.0.0", SENT_REASON, srv.port);
	check_rcpt(&fx, 1, "5.1.1", SAID("550 5.1.1 no such user",
	    "RCPT TO command"), srv.port);
	check_rcpt(&fx, 2, "2.0.0", SENT_REASON, srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/*
 * Every RCPT refused. Pipelined: the chunk was already sent, the server
 * refuses the BDAT, no outcome changes. One at a time: no BDAT, RSET.
 * MAIL refused (pipelined): the same.
 */
static void
test_bdat_all_rejected(void **state)
{
	static const struct step piped[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 ok\r\n550 5.1.1 a\r\n550 5.1.1 b\r\n"
		    "550 5.1.1 c\r\n554 5.5.1 Error: no valid recipients\r\n",
		    0, A_BDAT },
		QUIT, END,
	};
	static const struct step plain[] = {
		GREET, EHLO_CHUNK_ONLY, MAIL_OK,
		{ "RCPT TO:<bob@remote.test>\r\n", "550 5.1.1 a\r\n", 0, 0 },
		{ "RCPT TO:<carol@remote.test>\r\n", "550 5.1.1 b\r\n", 0, 0 },
		{ "RCPT TO:<dave@remote.test>\r\n", "550 5.1.1 c\r\n", 0, 0 },
		{ "RSET\r\n", "250 2.0.0 Ok\r\n", 0, 0 },
		QUIT, END,
	};
	static const struct step mail_piped[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "553 5.1.8 bad sender\r\n503 5.5.1 a\r\n"
		    "503 5.5.1 b\r\n503 5.5.1 c\r\n503 5.5.1 no MAIL\r\n",
		    0, A_BDAT },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	uint32_t i;

	(void)state;
	fx_init_chunking(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, piped, 1),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 0, "5.1.1", SAID("550 5.1.1 a", "RCPT TO command"),
	    srv.port);
	check_rcpt(&fx, 1, "5.1.1", SAID("550 5.1.1 b", "RCPT TO command"),
	    srv.port);
	check_rcpt(&fx, 2, "5.1.1", SAID("550 5.1.1 c", "RCPT TO command"),
	    srv.port);
	assert_int_equal(srv.data_len, strlen(CONTENT_BDAT));
	srv_free(&srv);
	fx_free(&fx);

	fx_init_chunking(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, plain, 1),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 2, "5.1.1", SAID("550 5.1.1 c", "RCPT TO command"),
	    srv.port);
	assert_null(srv.data);
	srv_free(&srv);
	fx_free(&fx);

	fx_init_chunking(&fx, CONTENT, 3);
	assert_int_equal(run_session(&fx, &srv, mail_piped, 1),
	    SMTP_SESSION_COUNTED);
	assert_int_equal(fx.nmsgs, 3);
	for (i = 0; i < 3; i++)
		check_rcpt(&fx, i, "5.1.8", SAID("553 5.1.8 bad sender",
		    "MAIL FROM command"), srv.port);
	srv_free(&srv);
	fx_free(&fx);
}

/* The server refuses the chunk: 5xx bounces, 4xx defers, as for ".". */
static void
test_bdat_refused(void **state)
{
	static const struct step hard[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
		    "554 5.7.1 content rejected\r\n", 0, A_BDAT },
		QUIT, END,
	};
	static const struct step soft[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
		    "451 4.3.0 try later\r\n", 0, A_BDAT },
		QUIT, END,
	};
	static const struct {
		const struct step *sc;
		const char *status;
		const char *reason;
		uint32_t code;
	} cases[] = {
		{ hard, "5.7.1", SAID("554 5.7.1 content rejected",
		    "BDAT command"), 554 },
		{ soft, "4.3.0", SAID("451 4.3.0 try later", "BDAT command"),
		    451 },
	};
	struct fixture fx;
	struct server srv;
	uint32_t i;
	size_t	k;

	(void)state;
	for (k = 0; k < NELEM(cases); k++) {
		fx_init_chunking(&fx, CONTENT, 3);
		assert_int_equal(run_session(&fx, &srv, cases[k].sc, 1),
		    SMTP_SESSION_COUNTED);
		assert_int_equal(fx.nmsgs, 3);
		for (i = 0; i < 3; i++) {
			check_rcpt(&fx, i, cases[k].status, cases[k].reason,
			    srv.port);
			assert_int_equal(fx_rcpt(&fx, i)->diag_code,
			    cases[k].code);
		}
		srv_free(&srv);
		fx_free(&fx);
	}
}

/*
 * A content of lines (some starting with '.') whose BDAT form is at
 * least 'min' bytes; *wire gets that form (CR LF, no dot-stuffing).
 */
static char *
big_content(size_t min, char **wire, size_t *wlen)
{
	size_t	n = 0, w = 0, cap = min + 4096, line = 0;
	char	*c = malloc(cap), *o = malloc(cap * 2);

	assert_non_null(c);
	assert_non_null(o);
	while (w < min) {
		int	k = snprintf(c + n, cap - n, "%sline %zu "
		    "abcdefghijklmnopqrstuvwxyz0123456789\n",
		    line % 7 == 0 ? "." : "", line);

		memcpy(o + w, c + n, (size_t)k - 1);
		memcpy(o + w + k - 1, "\r\n", 2);
		n += (size_t)k;
		w += (size_t)k + 1;
		line++;
	}
	c[n] = '\0';
	*wire = o;
	*wlen = w;
	return (c);
}

#define CHUNK_CMD	"BDAT 131072\r\n"

/*
 * A content of two full chunks and a rest: with PIPELINING all three
 * go out before the first reply (fewer than SMTP_BDAT_WINDOW), then
 * QUIT; the server got the content exactly.
 */
static void
test_bdat_chunks(void **state)
{
	char	*content, *wire, last[64];
	size_t	wlen;
	struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL FROM:<alice@example.test>\r\n"
		    "RCPT TO:<bob@remote.test>\r\n" CHUNK_CMD, NULL, 0,
		    A_BDAT },
		{ CHUNK_CMD, NULL, 0, A_BDAT },
		{ last, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 chunk 1\r\n"
		    "250 2.0.0 chunk 2\r\n250 2.0.0 Ok: queued as ABC\r\n", 0,
		    A_BDAT },
		QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	assert_int_equal(SMTP_CONTENT_BDAT_CHUNK, 131072);
	content = big_content(2 * 131072 + 1000, &wire, &wlen);
	snprintf(last, sizeof(last), "BDAT %zu LAST\r\n", wlen - 2 * 131072);
	fx_init_chunking(&fx, content, 1);
	assert_int_equal(run_session(&fx, &srv, sc, 1), SMTP_SESSION_COUNTED);
	check_all_sent(&fx, srv.port);
	assert_int_equal(srv.data_len, wlen);
	assert_memory_equal(srv.data, wire, wlen);
	assert_true(fx.job.complete_session);
	srv_free(&srv);
	fx_free(&fx);
	free(content);
	free(wire);
}

/*
 * The second of six chunks refused. Pipelined: four chunks go out
 * unanswered; before the fifth the replies to MAIL, RCPT and chunk 1
 * are read, before the sixth the refusal of chunk 2, which becomes the
 * outcome; no sixth chunk, the replies to chunks 3-5 are read, RSET
 * and QUIT. One at a time: the refusal of chunk 2 is read before a
 * third is sent; RSET, QUIT.
 */
static void
test_bdat_chunk_refused(void **state)
{
	char	*content, *wire;
	size_t	wlen;
	static const struct step pipe[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL FROM:<alice@example.test>\r\n"
		    "RCPT TO:<bob@remote.test>\r\n" CHUNK_CMD, NULL, 0,
		    A_BDAT },
		{ CHUNK_CMD, NULL, 0, A_BDAT },
		{ CHUNK_CMD, NULL, 0, A_BDAT },
		{ CHUNK_CMD, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 chunk 1"
		    "\r\n554 5.7.1 chunk 2 rejected\r\n", 0, A_BDAT },
		{ CHUNK_CMD, "554 5.5.1 no\r\n554 5.5.1 no\r\n554 5.5.1 no\r\n",
		    0, A_BDAT },
		{ "RSET\r\nQUIT\r\n", "250 2.0.0 Ok\r\n221 2.0.0 Bye\r\n", 0,
		    0 },
		END,
	};
	static const struct step plain[] = {
		GREET, EHLO_CHUNK_ONLY, MAIL_OK, RCPT_OK("bob@remote.test"),
		{ CHUNK_CMD, "250 2.0.0 chunk 1\r\n", 0, A_BDAT },
		{ CHUNK_CMD, "452 4.3.1 chunk 2 rejected\r\n", 0, A_BDAT },
		{ "RSET\r\n", "250 2.0.0 Ok\r\n", 0, 0 },
		QUIT, END,
	};
	static const struct {
		const struct step *sc;
		size_t	chunks;
		const char *status;
		const char *reason;
		uint32_t code;
	} cases[] = {
		{ pipe, 5, "5.7.1", SAID("554 5.7.1 chunk 2 rejected",
		    "BDAT command"), 554 },
		{ plain, 2, "4.3.1", SAID("452 4.3.1 chunk 2 rejected",
		    "BDAT command"), 452 },
	};
	struct fixture fx;
	struct server srv;
	size_t	k;

	(void)state;
	content = big_content(5 * 131072 + 1000, &wire, &wlen);
	for (k = 0; k < NELEM(cases); k++) {
		fx_init_chunking(&fx, content, 1);
		assert_int_equal(run_session(&fx, &srv, cases[k].sc, 1),
		    SMTP_SESSION_COUNTED);
		assert_int_equal(fx.nmsgs, 1);
		check_rcpt(&fx, 0, cases[k].status, cases[k].reason, srv.port);
		assert_int_equal(fx_rcpt(&fx, 0)->diag_code, cases[k].code);
		/* Whole chunks, exactly, and nothing after the last sent. */
		assert_int_equal(srv.data_len, cases[k].chunks * 131072);
		assert_memory_equal(srv.data, wire, srv.data_len);
		assert_true(fx.job.complete_session);
		srv_free(&srv);
		fx_free(&fx);
	}
	free(content);
	free(wire);
}

/*
 * CHUNKING offered, BDAT unknown (502): deferred, never bounced, no
 * QUIT on the out-of-step stream; the next session with the same
 * server uses DATA.
 */
static void
test_bdat_unknown(void **state)
{
	static const struct step first[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
		    "502 5.5.1 Error: command not implemented\r\n", 0,
		    A_BDAT },
		QUIT_NOREPLY, END,
	};
	static const struct step second[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_CMDS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		    "250 2.1.5 Ok\r\n354 go\r\n", 0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	struct smtp_peer peer;
	const struct ipc_result *r;
	uint32_t i;
	int	fd;

	(void)state;
	srv_start(&srv, first, second);
	smtp_session_peer(&peer, "127.0.0.1", "127.0.0.1", srv.port);

	fx_init_chunking(&fx, CONTENT, 3);
	fd = client_connect(srv.port);
	assert_int_equal(smtp_session_run(&fx.job, fd, &peer, 1),
	    SMTP_SESSION_COUNTED);
	close(fd);
	assert_int_equal(fx.emit_error, 0);
	assert_int_equal(fx.nmsgs, 3);
	for (i = 0; i < 3; i++) {
		check_rcpt(&fx, i, "4.5.1", SAID("502 5.5.1 Error: command not "
		    "implemented", "BDAT command"), srv.port);
		r = fx_rcpt(&fx, i);
		assert_int_equal(r->diag_code, 502);
	}
	assert_int_equal(test_ctx.warnings, 1);
	assert_non_null(strstr(test_ctx.last_warning, "offers CHUNKING"));
	assert_false(fx.job.complete_session);
	fx_free(&fx);

	fx_init_chunking(&fx, CONTENT, 3);
	fd = client_connect(srv.port);
	assert_int_equal(smtp_session_run(&fx.job, fd, &peer, 1),
	    SMTP_SESSION_COUNTED);
	close(fd);
	srv_join(&srv);
	check_all_sent(&fx, srv.port);
	assert_memory_equal(srv.data, CONTENT_WIRE, srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

/*
 * BDAT unknown (500) with every RCPT refused: the server took the chunk
 * for commands all the same, so the session ends there and the next
 * session with the server uses DATA; the RCPT outcomes stay as set.
 */
static void
test_bdat_unknown_no_rcpt(void **state)
{
	static const struct step first[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, "250 ok\r\n550 5.1.1 a\r\n550 5.1.1 b\r\n"
		    "550 5.1.1 c\r\n500 5.5.2 Error: bad syntax\r\n", 0,
		    A_BDAT },
		QUIT_NOREPLY, END,
	};
	static const struct step second[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_CMDS, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		    "250 2.1.5 Ok\r\n354 go\r\n", 0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;
	struct smtp_peer peer;
	int	fd;

	(void)state;
	srv_start(&srv, first, second);
	smtp_session_peer(&peer, "127.0.0.1", "127.0.0.1", srv.port);

	fx_init_chunking(&fx, CONTENT, 3);
	fd = client_connect(srv.port);
	assert_int_equal(smtp_session_run(&fx.job, fd, &peer, 1),
	    SMTP_SESSION_COUNTED);
	close(fd);
	assert_int_equal(fx.emit_error, 0);
	assert_int_equal(fx.nmsgs, 3);
	check_rcpt(&fx, 0, "5.1.1", SAID("550 5.1.1 a", "RCPT TO command"),
	    srv.port);
	check_rcpt(&fx, 1, "5.1.1", SAID("550 5.1.1 b", "RCPT TO command"),
	    srv.port);
	check_rcpt(&fx, 2, "5.1.1", SAID("550 5.1.1 c", "RCPT TO command"),
	    srv.port);
	assert_int_equal(test_ctx.warnings, 1);
	assert_non_null(strstr(test_ctx.last_warning, "offers CHUNKING"));
	assert_false(fx.job.complete_session);
	fx_free(&fx);

	fx_init_chunking(&fx, CONTENT, 3);
	fd = client_connect(srv.port);
	assert_int_equal(smtp_session_run(&fx.job, fd, &peer, 1),
	    SMTP_SESSION_COUNTED);
	close(fd);
	srv_join(&srv);
	check_all_sent(&fx, srv.port);
	assert_memory_equal(srv.data, CONTENT_WIRE, srv.data_len);
	srv_free(&srv);
	fx_free(&fx);
}

/* No reply to BDAT LAST within smtp_data_done_timeout. */
static void
test_bdat_timeout(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ "MAIL FROM:<alice@example.test>\r\n"
		    "RCPT TO:<bob@remote.test>\r\n" BDAT_CMD,
		    "250 ok\r\n250 ok\r\n", 0, A_BDAT | A_STALL },
		END,
	};
	struct fixture fx;
	struct server srv;
	const struct ipc_result *r;

	(void)state;
	fx_init_chunking(&fx, CONTENT, 1);
	fx.cfg.data_done_timeout = 1;
	(void)run_session(&fx, &srv, sc, 1);
	assert_int_equal(fx.nmsgs, 1);
	assert_non_null(r = fx_site(&fx));
	assert_string_equal(r->status, "4.4.2");
	assert_string_equal(r->reason, "conversation with 127.0.0.1"
	    "[127.0.0.1] timed out while sending end of data -- message may "
	    "be sent more than once");
	assert_int_equal(test_ctx.warnings, 1);
	srv_free(&srv);
	fx_free(&fx);
}

/*
 * Connection reuse (child/conn_cache.c): with qmgr's CONN_LOAD and
 * CONN_STORE the BDAT transaction ends without QUIT, the session is
 * kept, and the next job sends the RSET probe pipelined with MAIL and
 * the RCPTs; the chunk follows only once their replies are in.
 */
static void
fx_init_reuse(struct fixture *fx)
{
	fx_init_chunking(fx, CONTENT, 3);
	fx->cfg.flags |= IPC_CF_CACHE_ON_DEMAND;
	fx->cfg.cache_time_limit = 60;
	fx->cfg.reuse_time_limit = 300;
	fx->dlv.flags |= IPC_DF_CONN_LOAD | IPC_DF_CONN_STORE;
}

#define BDAT_REPLIES	"250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n" \
			"250 2.1.5 Ok\r\n250 2.0.0 Ok: queued as ABC\r\n"

static void
test_walk_reuse_bdat(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_CHUNK,
		{ PIPE_BDAT, BDAT_REPLIES, 0, A_BDAT },
		{ "RSET\r\n" PIPE_MAIL_RCPTS, "250 2.0.0 Ok\r\n"
		    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.1.5 Ok\r\n"
		    "250 2.1.5 Ok\r\n", 0, 0 },
		{ BDAT_CMD, "250 2.0.0 Ok: queued as ABC\r\n", 0, A_BDAT },
		QUIT_NOREPLY, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init_reuse(&fx);
	srv_start(&srv, sc, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port), 0);
	check_walk_sent(&fx, srv.port);
	assert_int_equal(fx.done.reuse_count, 0);
	assert_int_equal(conn_cache_count(), 1);
	fx_free(&fx);

	fx_init_reuse(&fx);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port), 0);
	check_walk_sent(&fx, srv.port);
	/* DONE says 1: the parent logs conn_use=2 */
	assert_int_equal(fx.done.reuse_count, 1);
	assert_int_equal(conn_cache_count(), 1);
	/* the child's exit: QUIT, not waited for */
	conn_cache_close_all();
	assert_int_equal(conn_cache_count(), 0);
	srv_join(&srv);
	assert_int_equal(srv.conns, 1);
	/* The server appends the chunks of its connection: both jobs. */
	assert_int_equal(srv.data_len, 2 * strlen(CONTENT_BDAT));
	assert_memory_equal(srv.data, CONTENT_BDAT, strlen(CONTENT_BDAT));
	assert_memory_equal(srv.data + strlen(CONTENT_BDAT), CONTENT_BDAT,
	    strlen(CONTENT_BDAT));
	srv_free(&srv);
	fx_free(&fx);
}

/*
 * A kept session whose server did not offer SMTPUTF8 is not taken for
 * a job that requires it (Postfix 3.7.22 smtp_key: the cache keys say
 * whether SMTPUTF8 is required): the job gets a new connection, whose
 * EHLO decides (5.6.7), and the kept session stays for other jobs. The
 * server closes the first connection after its dot reply, so a job
 * that wrongly takes it sees its RSET probe fail and the cache empty.
 */
static void
test_walk_reuse_needs_smtputf8(void **state)
{
	static const struct step c0[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "250 ok\r\n250 ok\r\n250 ok\r\n250 ok\r\n"
		    "354 go\r\n", 0, 0 },
		{ "", "250 2.0.0 Ok: queued as ABC\r\n", 0, A_DATA | A_CLOSE },
		END,
	};
	static const struct step c1[] = {
		GREET, EHLO_PIPE, QUIT, END,
	};
	static const char why[] = "SMTPUTF8 is required, but was not offered "
	    "by host 127.0.0.1[127.0.0.1]";
	struct fixture fx;
	struct server srv;
	uint32_t i;

	(void)state;
	fx_init_reuse(&fx);
	fx.cfg.flags &= ~IPC_CF_USE_CHUNKING;
	srv_start(&srv, c0, c1);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port), 0);
	check_walk_sent(&fx, srv.port);
	assert_int_equal(conn_cache_count(), 1);
	fx_free(&fx);

	fx_init_reuse(&fx);
	fx.cfg.flags &= ~IPC_CF_USE_CHUNKING;
	fx.dlv.smtputf8 = 1 | 8;	/* requested, UTF-8 recipient */
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port), 0);
	for (i = 0; i < fx.nrcpt; i++)
		check_rcpt(&fx, i, "5.6.7", why, srv.port);
	assert_int_equal(fx.done.reuse_count, 0);
	/* not taken: still there for jobs that do not need SMTPUTF8 */
	assert_int_equal(conn_cache_count(), 1);
	conn_cache_close_all();
	srv_join(&srv);
	assert_int_equal(srv.conns, 2);
	srv_free(&srv);
	fx_free(&fx);
}

/*
 * A session with a protocol error (a 500 to RCPT: Postfix
 * smtp_check_code()) is not kept: QUIT after the dot, as without the
 * flags, and nothing in the cache.
 */
static void
test_walk_no_reuse_after_protocol_error(void **state)
{
	static const struct step sc[] = {
		GREET, EHLO_PIPE,
		{ PIPE_CMDS, "250 ok\r\n500 5.5.2 what?\r\n250 ok\r\n"
		    "250 ok\r\n354 go\r\n", 0, 0 },
		DOT_OK, QUIT, END,
	};
	struct fixture fx;
	struct server srv;

	(void)state;
	fx_init_reuse(&fx);
	fx.cfg.flags &= ~IPC_CF_USE_CHUNKING;
	srv_start(&srv, sc, NULL);
	assert_int_equal(walk(&fx, "[127.0.0.1]:%u", srv.port), 0);
	srv_join(&srv);
	assert_int_equal(conn_cache_count(), 0);
	assert_int_equal(srv.conns, 1);
	srv_free(&srv);
	fx_free(&fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deliver_plain),
		cmocka_unit_test(test_deliver_pipelined),
		cmocka_unit_test(test_deliver_server_runs_ahead),
		cmocka_unit_test(test_deliver_parameters),
		cmocka_unit_test(test_deliver_null_sender_and_helo),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_rcpt_5xx_one_of_three),
		cmocka_unit_test(test_verify_only),
		cmocka_unit_test(test_rcpt_4xx_final),
		cmocka_unit_test(test_rcpt_4xx_not_final),
		cmocka_unit_test(test_rcpt_5xx_soft_bounce),
		cmocka_unit_test(test_rcpt_all_rejected),
		cmocka_unit_test(test_mail_rejected),
		cmocka_unit_test(test_data_rejected),
		cmocka_unit_test(test_dot_451),
		cmocka_unit_test(test_dot_no_reply),
		cmocka_unit_test(test_lost_in_body),
		cmocka_unit_test(test_greeting_421),
		cmocka_unit_test(test_greeting_554),
		cmocka_unit_test(test_ehlo_421),
		cmocka_unit_test(test_garbage_replies),
		cmocka_unit_test(test_greeting_garbage_then_close),
		cmocka_unit_test(test_long_reply_line),
		cmocka_unit_test(test_size_limit),
		cmocka_unit_test(test_smtputf8_required),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_cancel),
		cmocka_unit_test(test_walk_one_hop),
		cmocka_unit_test(test_walk_refused_then_ok),
		cmocka_unit_test(test_walk_refused_only),
		cmocka_unit_test(test_walk_421_then_ok),
		cmocka_unit_test(test_walk_kept_recipient),
		cmocka_unit_test(test_walk_all_fail),
		cmocka_unit_test(test_walk_cancel),
		cmocka_unit_test(test_bdat_pipelined),
		cmocka_unit_test(test_bdat_plain),
		cmocka_unit_test(test_bdat_disabled),
		cmocka_unit_test(test_bdat_folded),
		cmocka_unit_test(test_bdat_rcpt_rejected),
		cmocka_unit_test(test_bdat_all_rejected),
		cmocka_unit_test(test_bdat_refused),
		cmocka_unit_test(test_bdat_chunks),
		cmocka_unit_test(test_bdat_chunk_refused),
		cmocka_unit_test(test_bdat_unknown),
		cmocka_unit_test(test_bdat_unknown_no_rcpt),
		cmocka_unit_test(test_bdat_timeout),
		cmocka_unit_test(test_walk_reuse_bdat),
		cmocka_unit_test(test_walk_no_reuse_after_protocol_error),
		cmocka_unit_test(test_walk_reuse_needs_smtputf8),
	};

	msg_set_sink(test_sink, NULL);
	/* No parent here: open sockets as the broker would. */
	sys_set_connector(local_connect);
	return (cmocka_run_group_tests(tests, setup_dns, teardown_dns));
}

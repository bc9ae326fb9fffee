/*
 * NAME
 *	test_dreq 1
 * SUMMARY
 *	unit tests of the qmgr delivery request: read, validate, reply
 * DESCRIPTION
 *	A request captured from a real Postfix 3.7.11 qmgr (591 bytes) is fed
 *	through a socketpair and every decoded field is checked. A table
 *	of mutations of that request (missing, extra, reordered, renamed
 *	attributes; bad queue names and ids; empty nexthop; time blobs of
 *	87 and 89 bytes; recipient counts 0, too many and more than sent;
 *	non-numeric numbers; values cut off without their NUL) must each
 *	be refused with the expected reason and Postfix's warnings, and
 *	"sendopts" (3.10+) must be accepted in place of "smtputf8". The
 *	reply is compared byte for byte with two replies seen from Postfix
 *	3.7.11's smtp(8) (a delivery, a 421 greeting), and the queue file
 *	check (Postfix mail_open_ok()) is run against real files.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/dreq.c; Postfix src/global/deliver_request.c
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dreq.h"
#include "msg.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define TMO		30	/* generous: only to avoid hanging */

/* ------------------------------------------------------------------ */
/* The capture (Postfix 3.7.11 qmgr) and a serialiser for mutations   */

#define TIME_B64 \
	"E6cEawAAAABjOw0AAAAAABOnBGsAAAAAUAQOAAAA" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAAAAAAAAAAA=="

/* The bytes qmgr sent, as one literal (line breaks of the doc removed). */
static const char capture[] =
    "flags\0003\0queue_name\0active\0queue_id\0DAB15A760F5\0offset\000274\0"
    "size\000277\0nexthop\0[127.0.0.1]:2530\0encoding\0\0smtputf8\0000\0"
    "sender\0alice@ok.test\0envelope_id\0\0ret_flags\0000\0"
    "time\0" TIME_B64 "\0"
    "log_client_name\0\0log_client_address\0\0log_client_port\0\0"
    "log_protocol_name\0\0log_helo_name\0\0sasl_method\0\0"
    "sasl_username\0\0sasl_sender\0\0log_ident\0\0rewrite_context\0local\0"
    "recipient_count\0001\0\0"
    "original_recipient\0user@nodsn.test\0recipient\0user@nodsn.test\0"
    "offset\000255\0dsn_orig_rcpt\0rfc822;user@nodsn.test\0"
    "notify_flags\0002\0\0";

struct kv {
	const char *name;
	const char *value;
};

static const struct kv common[] = {
	{ "flags", "3" }, { "queue_name", "active" },
	{ "queue_id", "DAB15A760F5" }, { "offset", "274" }, { "size", "277" },
	{ "nexthop", "[127.0.0.1]:2530" }, { "encoding", "" },
	{ "smtputf8", "0" }, { "sender", "alice@ok.test" },
	{ "envelope_id", "" }, { "ret_flags", "0" }, { "time", TIME_B64 },
	{ "log_client_name", "" }, { "log_client_address", "" },
	{ "log_client_port", "" }, { "log_protocol_name", "" },
	{ "log_helo_name", "" }, { "sasl_method", "" },
	{ "sasl_username", "" }, { "sasl_sender", "" }, { "log_ident", "" },
	{ "rewrite_context", "local" }, { "recipient_count", "1" },
};

static const struct kv rcpt[] = {
	{ "original_recipient", "user@nodsn.test" },
	{ "recipient", "user@nodsn.test" }, { "offset", "255" },
	{ "dsn_orig_rcpt", "rfc822;user@nodsn.test" }, { "notify_flags", "2" },
};

enum op { OP_NONE, OP_DROP, OP_SET, OP_RENAME, OP_INSERT, OP_SWAP };

struct mutation {
	int	rcpt;		/* 0: common list, 1: the (first) recipient */
	enum op	op;
	int	k;		/* attribute index (insert: before it) */
	const char *name;
	const char *value;
};

struct outbuf {
	char	*data;
	size_t	len, cap;
};

static void
out_add(struct outbuf *o, const char *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 1024;
		o->data = realloc(o->data, o->cap);
		assert_non_null(o->data);
	}
	memcpy(o->data + o->len, s, n);
	o->len += n;
}

static void
out_kv(struct outbuf *o, const char *name, const char *value)
{
	out_add(o, name, strlen(name) + 1);
	out_add(o, value, strlen(value) + 1);
}

static void
out_list(struct outbuf *o, const struct kv *list, int n,
    const struct mutation *m)
{
	int	i;

	for (i = 0; i <= n; i++) {
		if (m != NULL && m->op == OP_INSERT && m->k == i)
			out_kv(o, m->name, m->value);
		if (i == n)
			break;
		if (m != NULL && m->k == i) {
			if (m->op == OP_DROP)
				continue;
			if (m->op == OP_SET) {
				out_kv(o, list[i].name, m->value);
				continue;
			}
			if (m->op == OP_RENAME) {
				out_kv(o, m->name, list[i].value);
				continue;
			}
			if (m->op == OP_SWAP && i + 1 < n) {
				out_kv(o, list[i + 1].name, list[i + 1].value);
				out_kv(o, list[i].name, list[i].value);
				i++;
				continue;
			}
		}
		out_kv(o, list[i].name, list[i].value);
	}
	out_add(o, "", 1);
}

/* The request with one mutation and nrcpt recipient lists. */
static void
build(struct outbuf *o, const struct mutation *m, int nrcpt)
{
	int	i;

	o->len = 0;
	out_list(o, common, (int)NELEM(common),
	    m != NULL && m->rcpt == 0 ? m : NULL);
	for (i = 0; i < nrcpt; i++)
		out_list(o, rcpt, (int)NELEM(rcpt),
		    m != NULL && m->rcpt == 1 && i == 0 ? m : NULL);
}

/* ------------------------------------------------------------------ */
/* Helpers: warning capture and a feeding child                        */

static struct test_ctx {
	char	warn[16384];
	char	topdir[PATH_MAX];
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
setup(void **state)
{
	(void)state;
	tc.warn[0] = '\0';
	msg_set_sink(capture_sink, NULL);
	signal(SIGPIPE, SIG_IGN);
	dreq_set_service("smtp");
	return (0);
}

struct feeder {
	pid_t	pid;
	int	fd;
};

static int
feed(struct feeder *f, const void *data, size_t len, int eof)
{
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		const char *p = data;
		size_t	off = 0;
		ssize_t	w;

		/* Never outlive a test that failed before feed_done(). */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		while (off < len && (w = write(sv[1], p + off,
		    len - off)) > 0)
			off += (size_t)w;
		if (eof)
			_exit(0);
		for (;;)
			pause();
	}
	close(sv[1]);
	f->fd = sv[0];
	return (sv[0]);
}

static void
feed_done(struct feeder *f)
{
	int	st;

	kill(f->pid, SIGKILL);
	waitpid(f->pid, &st, 0);
	close(f->fd);
}

static ssize_t
read_all(int fd, char *buf, size_t cap)
{
	size_t	len = 0;
	ssize_t	n;

	while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	return ((ssize_t)len);
}

/* ------------------------------------------------------------------ */
/* The capture                                                         */

static void
check_capture(const struct dreq *r)
{
	static const unsigned char zero[40];

	assert_int_equal(r->flags, 3);
	assert_string_equal(r->queue_name, "active");
	assert_string_equal(r->queue_id, "DAB15A760F5");
	assert_int_equal(r->data_offset, 274);
	assert_int_equal(r->data_size, 277);
	assert_string_equal(r->nexthop, "[127.0.0.1]:2530");
	assert_string_equal(r->encoding, "");
	assert_int_equal(r->sendopts, 0);
	assert_string_equal(r->sender, "alice@ok.test");
	assert_string_equal(r->dsn_envid, "");
	assert_int_equal(r->dsn_ret, 0);
	/* The blob as received, and decoded. */
	assert_int_equal(r->time_blob[0], 0x13);
	assert_int_equal(r->time_blob[3], 0x6b);
	assert_memory_equal(r->time_blob + 48, zero, 40);
	assert_int_equal(r->stats.incoming_arrival.tv_sec, 1795467027);
	assert_int_equal(r->stats.incoming_arrival.tv_usec, 867171);
	assert_int_equal(r->stats.active_arrival.tv_sec, 1795467027);
	assert_int_equal(r->stats.active_arrival.tv_usec, 918608);
	/* Zero on the wire: filled with "now" as Postfix does. */
	assert_true(r->stats.agent_handoff.tv_sec > 0);
	assert_int_equal(r->stats.conn_setup_done.tv_sec, 0);
	assert_int_equal(r->stats.conn_setup_done.tv_usec, 0);
	assert_int_equal(r->stats.deliver_done.tv_sec, 0);
	assert_int_equal(r->stats.deliver_done.tv_usec, 0);
	assert_int_equal(r->stats.reuse_count, 0);
	assert_string_equal(r->client_name, "");
	assert_string_equal(r->client_addr, "");
	assert_string_equal(r->client_port, "");
	assert_string_equal(r->client_proto, "");
	assert_string_equal(r->client_helo, "");
	assert_string_equal(r->sasl_method, "");
	assert_string_equal(r->sasl_username, "");
	assert_string_equal(r->sasl_sender, "");
	assert_string_equal(r->log_ident, "");
	assert_string_equal(r->rewrite_context, "local");
	assert_int_equal(r->rcpt_count, 1);
	assert_non_null(r->rcpt);
	assert_string_equal(r->rcpt[0].orig_addr, "user@nodsn.test");
	assert_string_equal(r->rcpt[0].address, "user@nodsn.test");
	assert_int_equal(r->rcpt[0].offset, 255);
	assert_string_equal(r->rcpt[0].dsn_orcpt, "rfc822;user@nodsn.test");
	assert_int_equal(r->rcpt[0].notify, 2);
}

static void
test_capture(void **state)
{
	struct outbuf o = { 0 };
	struct feeder f;
	struct dreq r;
	char	why[512];

	(void)state;
	/* The serialiser reproduces the capture exactly. */
	assert_int_equal(sizeof(capture) - 1, 591);
	build(&o, NULL, 1);
	assert_int_equal(o.len, 591);
	assert_memory_equal(o.data, capture, 591);
	free(o.data);

	feed(&f, capture, sizeof(capture) - 1, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)), 0);
	check_capture(&r);
	assert_string_equal(r.sendopts_name, "smtputf8");
	assert_string_equal(tc.warn, "");
	dreq_free(&r);
	assert_null(r.rcpt);
	assert_null(r.nexthop);
	feed_done(&f);
}

/* 3.10+ calls the 8th attribute "sendopts". */
static void
test_sendopts(void **state)
{
	const struct mutation m = { 0, OP_RENAME, 7, "sendopts", NULL };
	const struct mutation v = { 0, OP_SET, 7, NULL, "48" };
	struct outbuf o = { 0 };
	struct feeder f;
	struct dreq r;
	char	why[512];

	(void)state;
	build(&o, &m, 1);
	feed(&f, o.data, o.len, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)), 0);
	check_capture(&r);
	assert_string_equal(r.sendopts_name, "sendopts");
	dreq_free(&r);
	feed_done(&f);

	build(&o, &v, 1);
	feed(&f, o.data, o.len, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)), 0);
	assert_int_equal(r.sendopts, 48);
	dreq_free(&r);
	feed_done(&f);
	assert_string_equal(tc.warn, "");
	free(o.data);
}

/* Several recipients; offset -1 (sent as %lu) means "nothing to mark". */
static void
test_recipients(void **state)
{
	const struct mutation m = { 0, OP_SET, 22, NULL, "3" };
	const struct mutation neg = { 1, OP_SET, 2, NULL,
	    "18446744073709551615" };
	struct outbuf o = { 0 };
	struct feeder f;
	struct dreq r;
	char	why[512];
	unsigned i;

	(void)state;
	build(&o, &m, 3);
	feed(&f, o.data, o.len, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)), 0);
	assert_int_equal(r.rcpt_count, 3);
	for (i = 0; i < 3; i++) {
		assert_string_equal(r.rcpt[i].address, "user@nodsn.test");
		assert_int_equal(r.rcpt[i].offset, 255);
	}
	dreq_free(&r);
	feed_done(&f);

	build(&o, &neg, 1);
	feed(&f, o.data, o.len, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)), 0);
	assert_int_equal(r.rcpt[0].offset, -1);
	dreq_free(&r);
	feed_done(&f);
	free(o.data);
}

/* qmgr changed its mind: EOF before any byte is quiet. */
static void
test_quiet_eof(void **state)
{
	struct feeder f;
	struct dreq r;
	char	why[512];

	(void)state;
	feed(&f, "", 0, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)),
	    -ECONNRESET);
	assert_string_equal(tc.warn, "");
	assert_null(r.rcpt);
	dreq_free(&r);
	feed_done(&f);
}

/* The first byte may come later than the timeout (no limit there). */
static void
test_late_first_byte(void **state)
{
	struct dreq r;
	char	why[512];
	pid_t	pid;
	int	sv[2], st;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		sleep(2);
		if (write(sv[1], capture, sizeof(capture) - 1) !=
		    (ssize_t)sizeof(capture) - 1)
			_exit(1);
		_exit(0);
	}
	close(sv[1]);
	assert_int_equal(dreq_read(sv[0], &r, 1, why, sizeof(why)), 0);
	check_capture(&r);
	dreq_free(&r);
	close(sv[0]);
	waitpid(pid, &st, 0);
}

static void
test_timeout(void **state)
{
	struct feeder f;
	struct dreq r;
	char	why[512];

	(void)state;
	feed(&f, capture, 100, 0);
	assert_int_equal(dreq_read(f.fd, &r, 1, why, sizeof(why)),
	    -ETIMEDOUT);
	assert_non_null(strstr(why, "timeout on smtp socket"));
	assert_non_null(strstr(tc.warn, "warning: deliver_request_get: error "
	    "receiving common attributes\n"));
	dreq_free(&r);
	feed_done(&f);
}

/* ------------------------------------------------------------------ */
/* Malformed requests                                                  */

#define A4	"AAAA"
#define A40	A4 A4 A4 A4 A4 A4 A4 A4 A4 A4
#define A40X26	A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 A40 \
	A40 A40 A40 A40 A40 A40 A40 A40 A40 A40
#define B87	A40 A40 A4 A4 A4 A4 A4 A4 A4 A4 A4	/* 29 groups */
#define B89	B87 "AAA="

#define COMMON_ERR "warning: deliver_request_get: error receiving common " \
	"attributes\n"
#define RCPT_ERR "warning: deliver_request_get: error receiving recipient " \
	"attributes\n"

static const struct mcase {
	const char *label;
	struct mutation m;
	int	nrcpt;		/* recipient lists sent */
	size_t	cut;		/* bytes cut off the end */
	const char *why;	/* substring of why[] */
	const char *warn;	/* substring of the warnings */
} mcases[] = {
	{ "missing sender", { 0, OP_DROP, 8, NULL, NULL }, 1, 0,
	  "unexpected attribute envelope_id from smtp socket (expecting: "
	  "sender)", COMMON_ERR },
	{ "missing recipient_count", { 0, OP_DROP, 22, NULL, NULL }, 1, 0,
	  "missing attribute recipient_count in input from smtp socket",
	  COMMON_ERR },
	{ "extra attribute", { 0, OP_INSERT, 5, "bogus", "x" }, 1, 0,
	  "unexpected attribute bogus from smtp socket (expecting: nexthop)",
	  COMMON_ERR },
	{ "extra attribute at the end", { 0, OP_INSERT, 23, "bogus", "x" },
	  1, 0, "unexpected attribute bogus from smtp socket (expecting: "
	  "(list terminator))", COMMON_ERR },
	{ "wrong order", { 0, OP_SWAP, 3, NULL, NULL }, 1, 0,
	  "unexpected attribute size from smtp socket (expecting: offset)",
	  COMMON_ERR },
	{ "misnamed", { 0, OP_RENAME, 7, "smtputf9", NULL }, 1, 0,
	  "unexpected attribute smtputf9 from smtp socket (expecting: "
	  "smtputf8)", COMMON_ERR },
	{ "queue_id with /", { 0, OP_SET, 2, NULL, "DAB15/A760F5" }, 1, 0,
	  "bad mail queue id: DAB15/A760F5", "bad mail queue id" },
	{ "queue_id ..", { 0, OP_SET, 2, NULL, ".." }, 1, 0,
	  "bad mail queue id: ..", NULL },
	{ "queue_id ../x", { 0, OP_SET, 2, NULL, "../x" }, 1, 0,
	  "bad mail queue id: ../x", NULL },
	{ "queue_id empty", { 0, OP_SET, 2, NULL, "" }, 1, 0,
	  "bad mail queue id: ", NULL },
	{ "queue_id 256 chars", { 0, OP_SET, 2, NULL,
	  A40 A40 A40 A40 A40 A40 "AAAAAAAAAAAAAAAA" }, 1, 0,
	  "attribute queue_id too long (256 > 255 bytes)", COMMON_ERR },
	{ "queue_name with /", { 0, OP_SET, 1, NULL, "act/ive" }, 1, 0,
	  "bad mail queue name: act/ive", "warning: bad mail queue name: "
	  "act/ive\n" },
	{ "queue_name with _", { 0, OP_SET, 1, NULL, "act_ive" }, 1, 0,
	  "bad mail queue name: act_ive", NULL },
	{ "queue_name empty", { 0, OP_SET, 1, NULL, "" }, 1, 0,
	  "bad mail queue name: ", NULL },
	{ "queue_name ..", { 0, OP_SET, 1, NULL, ".." }, 1, 0,
	  "bad mail queue name: ..", NULL },
	{ "empty nexthop", { 0, OP_SET, 5, NULL, "" }, 1, 0,
	  "DAB15A760F5: empty nexthop in delivery request", NULL },
	{ "time blob 87 bytes", { 0, OP_SET, 11, NULL, B87 }, 1, 0,
	  "size mis-match: 87 != 88", COMMON_ERR },
	{ "time blob 89 bytes", { 0, OP_SET, 11, NULL, B89 }, 1, 0,
	  "size mis-match: 89 != 88", COMMON_ERR },
	{ "time blob not base64", { 0, OP_SET, 11, NULL, "!!!!" }, 1, 0,
	  "malformed base64 data", COMMON_ERR },
	{ "recipient_count 0", { 0, OP_SET, 22, NULL, "0" }, 0, 0,
	  "DAB15A760F5: no recipients in delivery request for destination "
	  "[127.0.0.1]:2530", NULL },
	{ "recipient_count too large", { 0, OP_SET, 22, NULL, "10001" }, 1, 0,
	  "too many recipients in delivery request: 10001 (limit 10000)",
	  NULL },
	{ "recipient_count -1", { 0, OP_SET, 22, NULL, "4294967295" }, 1, 0,
	  "too many recipients", NULL },
	{ "fewer recipients than counted", { 0, OP_SET, 22, NULL, "2" }, 1, 0,
	  "premature end-of-input on smtp socket while reading input "
	  "attribute name", RCPT_ERR },
	{ "non-numeric flags", { 0, OP_SET, 0, NULL, "3x" }, 1, 0,
	  "malformed numerical data from smtp socket while reading input "
	  "attribute value: 3x", COMMON_ERR },
	{ "non-numeric recipient_count", { 0, OP_SET, 22, NULL, "one" }, 1, 0,
	  "malformed numerical data", COMMON_ERR },
	{ "negative offset", { 0, OP_SET, 3, NULL, "18446744073709551615" },
	  1, 0, "bad message offset", NULL },
	{ "negative size", { 0, OP_SET, 4, NULL, "9223372036854775808" },
	  1, 0, "bad message offset 274 or size 9223372036854775808", NULL },
	/* The sender's limit is SJ_SENDER_MAX (4096): 104 x 40 + 1. */
	{ "sender too long", { 0, OP_SET, 8, NULL,
	  A40X26 A40X26 A40X26 A40X26 "x" }, 1, 0,
	  "attribute sender too long (4161 > 4096 bytes)", COMMON_ERR },
	{ "value without NUL, then EOF", { 0, OP_NONE, 0, NULL, NULL }, 1, 2,
	  "unexpected end-of-input from smtp socket while reading input "
	  "attribute value", RCPT_ERR },
	{ "common list cut", { 0, OP_NONE, 0, NULL, NULL }, 0, 200,
	  "end-of-input", COMMON_ERR },
	{ "recipient: missing notify_flags", { 1, OP_DROP, 4, NULL, NULL }, 1,
	  0, "missing attribute notify_flags in input from smtp socket",
	  RCPT_ERR },
	{ "recipient: extra attribute", { 1, OP_INSERT, 2, "bogus", "1" }, 1,
	  0, "unexpected attribute bogus from smtp socket (expecting: "
	  "offset)", RCPT_ERR },
	{ "recipient: wrong order", { 1, OP_SWAP, 0, NULL, NULL }, 1, 0,
	  "unexpected attribute recipient from smtp socket (expecting: "
	  "original_recipient)", RCPT_ERR },
	{ "recipient: offset 0", { 1, OP_SET, 2, NULL, "0" }, 1, 0,
	  "DAB15A760F5: bad recipient offset 0", NULL },
	{ "recipient: offset -2", { 1, OP_SET, 2, NULL,
	  "18446744073709551614" }, 1, 0, "bad recipient offset", NULL },
	{ "recipient: non-numeric notify", { 1, OP_SET, 4, NULL, "2 " }, 1, 0,
	  "malformed numerical data", RCPT_ERR },
};

static void
test_malformed(void **state)
{
	struct outbuf o = { 0 };
	struct feeder f;
	struct dreq r;
	char	why[1024];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < NELEM(mcases); i++) {
		const struct mcase *c = &mcases[i];

		tc.warn[0] = '\0';
		build(&o, &c->m, c->nrcpt);
		assert_true(o.len > c->cut);
		feed(&f, o.data, o.len - c->cut, 1);
		rc = dreq_read(f.fd, &r, TMO, why, sizeof(why));
		if (rc != -EBADMSG)
			fail_msg("case '%s': rc %d (%s)", c->label, rc, why);
		if (strstr(why, c->why) == NULL)
			fail_msg("case '%s': why '%s' lacks '%s'", c->label,
			    why, c->why);
		if (c->warn != NULL && strstr(tc.warn, c->warn) == NULL)
			fail_msg("case '%s': warnings '%s' lack '%s'",
			    c->label, tc.warn, c->warn);
		/* Every refusal is logged. */
		if (strncmp(tc.warn, "warning: ", 9) != 0)
			fail_msg("case '%s': no warning", c->label);
		/* Nothing is left allocated. */
		assert_null(r.rcpt);
		assert_null(r.nexthop);
		assert_int_equal(r.rcpt_count, 0);
		dreq_free(&r);
		feed_done(&f);
	}
	free(o.data);
}

/* The stream name in warnings follows the service name. */
static void
test_service_name(void **state)
{
	const struct mutation m = { 0, OP_DROP, 8, NULL, NULL };
	struct outbuf o = { 0 };
	struct feeder f;
	struct dreq r;
	char	why[512];

	(void)state;
	dreq_set_service("relay");
	build(&o, &m, 1);
	feed(&f, o.data, o.len, 1);
	assert_int_equal(dreq_read(f.fd, &r, TMO, why, sizeof(why)),
	    -EBADMSG);
	assert_non_null(strstr(tc.warn, "warning: unexpected attribute "
	    "envelope_id from relay socket (expecting: sender)\n"));
	dreq_free(&r);
	feed_done(&f);
	free(o.data);
	dreq_set_service("smtp");
}

/* ------------------------------------------------------------------ */
/* Greeting and reply                                                  */

static void
test_greet(void **state)
{
	char	got[64];
	int	sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(dreq_greet(sv[0], TMO), 0);
	close(sv[0]);
	assert_int_equal(read_all(sv[1], got, sizeof(got)), 36);
	assert_memory_equal(got, "protocol\0delivery_request_protocol\0\0",
	    36);
	close(sv[1]);
}

static const char reply_ok[] =
    "status\0\0diag_type\0\0diag_text\0\0mta_type\0\0mta_mname\0\0"
    "action\0\0reason\0\0status\0000\0\0";

static const char reply_421[] =
    "status\0004.3.2\0diag_type\0smtp\0diag_text\000421 4.3.2 tsrv busy, "
    "try later\0mta_type\0dns\0mta_mname\000127.0.0.1\0action\0\0"
    "reason\0host 127.0.0.1[127.0.0.1] refused to talk to me: 421 4.3.2 "
    "tsrv busy, try later\0status\0004294967295\0\0";

static const char reply_defer[] =
    "status\0\0diag_type\0\0diag_text\0\0mta_type\0\0mta_mname\0\0"
    "action\0\0reason\0\0status\0004294967295\0\0";

static void
check_reply(const struct dreq_hop *hop, int status, const char *want,
    size_t wantlen)
{
	char	got[4096];
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(dreq_reply(sv[0], hop, status, TMO), 0);
	close(sv[0]);
	assert_int_equal(read_all(sv[1], got, sizeof(got)), wantlen);
	assert_memory_equal(got, want, wantlen);
	close(sv[1]);
}

static void
test_reply(void **state)
{
	const struct dreq_hop h421 = {
		.status = "4.3.2", .dtype = "smtp",
		.dtext = "421 4.3.2 tsrv busy, try later", .mtype = "dns",
		.mname = "127.0.0.1", .action = "",
		.reason = "host 127.0.0.1[127.0.0.1] refused to talk to me: "
		    "421 4.3.2 tsrv busy, try later",
	};
	const struct dreq_hop empty = { 0 };

	(void)state;
	assert_int_equal(sizeof(reply_ok) - 1, 77);
	check_reply(NULL, DEL_STAT_FINAL, reply_ok, sizeof(reply_ok) - 1);
	check_reply(&empty, DEL_STAT_FINAL, reply_ok, sizeof(reply_ok) - 1);
	check_reply(&h421, DEL_STAT_DEFER, reply_421, sizeof(reply_421) - 1);
	check_reply(NULL, DEL_STAT_DEFER, reply_defer,
	    sizeof(reply_defer) - 1);
	/* Anything but 0 goes out as DEFER. */
	check_reply(NULL, 1, reply_defer, sizeof(reply_defer) - 1);
	check_reply(NULL, -2, reply_defer, sizeof(reply_defer) - 1);
}

static void
test_reply_bounds(void **state)
{
	struct dreq_hop hop = { 0 };
	char	c, *big;
	int	sv[2];

	(void)state;
	big = malloc(SJ_REASON_MAX + 2);
	assert_non_null(big);
	memset(big, 'r', SJ_REASON_MAX + 1);
	big[SJ_REASON_MAX + 1] = '\0';
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	hop.reason = big;
	assert_int_equal(dreq_reply(sv[0], &hop, DEL_STAT_DEFER, TMO), -EINVAL);
	hop.reason = NULL;
	hop.status = "4.4.1.1234567";
	assert_int_equal(dreq_reply(sv[0], &hop, DEL_STAT_DEFER, TMO), -EINVAL);
	/* Nothing was written. */
	assert_int_equal(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	/* At the bound it goes out. */
	big[SJ_REASON_MAX] = '\0';
	hop.status = "4.4.1";
	hop.reason = big;
	assert_int_equal(dreq_reply(sv[0], &hop, DEL_STAT_DEFER, TMO), 0);
	close(sv[0]);
	close(sv[1]);
	free(big);
}

static void
test_wait_close(void **state)
{
	int	sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	assert_int_equal(dreq_wait_close(sv[0], TMO), 0);
	close(sv[0]);

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], "x", 1), 1);
	assert_int_equal(dreq_wait_close(sv[0], TMO), -EBADMSG);
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------ */
/* Queue file check and MSG_STATS                                      */

static void
make_file(const char *path, mode_t mode)
{
	int	fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0600);

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path, mode), 0);
}

static const struct qcase {
	const char *label;
	const char *qname;
	const char *qid;
	int	rc;
	const char *warn;	/* substring, or NULL for no warning */
} qcases[] = {
	{ "ready", "active", "AAA1", 0, NULL },
	{ "mode 0700 exactly for owner", "active", "AAA2", 0, NULL },
	{ "not executable (not ready)", "active", "BBB1", -EPERM, NULL },
	{ "corrupt (0400)", "active", "BBB2", -EPERM, NULL },
	{ "missing", "active", "NONE", -ENOENT, NULL },
	{ "symbolic link", "active", "LINK", -EPERM,
	  "not a regular file" },
	{ "directory", "active", "DIR", -EPERM, "not a regular file" },
	{ "queue id with /", "active", "a/b", -EINVAL, "bad mail queue id" },
	{ "queue id ..", "active", "..", -EINVAL, "bad mail queue id" },
	{ "queue name ..", "..", "AAA1", -EINVAL, "bad mail queue name" },
};

static void
test_queue_file(void **state)
{
	char	dir[] = "/tmp/sj-test-dreq.XXXXXX", why[512], cmd[64];
	struct dreq r;
	size_t	i;
	int	top, rc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	top = open(".", O_RDONLY | O_DIRECTORY);
	assert_true(top >= 0);
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(mkdir("active", 0700), 0);
	make_file("active/AAA1", 0700);
	make_file("active/AAA2", 0744);
	make_file("active/BBB1", 0600);
	make_file("active/BBB2", 0400);
	assert_int_equal(symlink("AAA1", "active/LINK"), 0);
	assert_int_equal(mkdir("active/DIR", 0700), 0);

	for (i = 0; i < NELEM(qcases); i++) {
		const struct qcase *c = &qcases[i];

		memset(&r, 0, sizeof(r));
		snprintf(r.queue_name, sizeof(r.queue_name), "%s", c->qname);
		snprintf(r.queue_id, sizeof(r.queue_id), "%s", c->qid);
		tc.warn[0] = '\0';
		rc = dreq_check_queue_file(&r, why, sizeof(why));
		if (rc != c->rc)
			fail_msg("case '%s': rc %d (%s)", c->label, rc, why);
		if (c->warn == NULL && tc.warn[0] != '\0')
			fail_msg("case '%s': warning %s", c->label, tc.warn);
		if (c->warn != NULL && strstr(tc.warn, c->warn) == NULL)
			fail_msg("case '%s': warnings '%s' lack '%s'",
			    c->label, tc.warn, c->warn);
		if (rc != 0)
			assert_true(why[0] != '\0');
	}
	/* The hashed-path variant. */
	assert_int_equal(mkdir("deferred", 0700), 0);
	assert_int_equal(mkdir("deferred/A", 0700), 0);
	make_file("deferred/A/AAA9", 0700);
	assert_int_equal(dreq_check_queue_path("deferred/A/AAA9", why,
	    sizeof(why)), 0);

	assert_int_equal(fchdir(top), 0);
	close(top);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void
test_stats(void **state)
{
	struct msg_stats st = { 0 }, back;
	unsigned char blob[MSG_STATS_BLOB_LEN];

	(void)state;
	st.incoming_arrival.tv_sec = 1795467027;
	st.incoming_arrival.tv_usec = 867171;
	st.active_arrival.tv_sec = 1;
	st.agent_handoff.tv_usec = 999999;
	st.conn_setup_done.tv_sec = 0x7fffffffffffLL;
	st.deliver_done.tv_sec = 5;
	st.reuse_count = 0xdeadbeef;
	dreq_stats_encode(blob, &st);
	assert_int_equal(blob[0], 0x13);
	assert_int_equal(blob[3], 0x6b);
	assert_int_equal(blob[80], 0xef);
	assert_int_equal(blob[83], 0xde);
	assert_int_equal(blob[84] | blob[85] | blob[86] | blob[87], 0);
	dreq_stats_decode(&back, blob);
	assert_memory_equal(&back.incoming_arrival, &st.incoming_arrival,
	    sizeof(st.incoming_arrival));
	assert_int_equal(back.agent_handoff.tv_usec, 999999);
	assert_int_equal(back.conn_setup_done.tv_sec, 0x7fffffffffffLL);
	assert_int_equal(back.deliver_done.tv_sec, 5);
	assert_int_equal(back.reuse_count, 0xdeadbeef);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_capture, setup),
		cmocka_unit_test_setup(test_sendopts, setup),
		cmocka_unit_test_setup(test_recipients, setup),
		cmocka_unit_test_setup(test_quiet_eof, setup),
		cmocka_unit_test_setup(test_late_first_byte, setup),
		cmocka_unit_test_setup(test_timeout, setup),
		cmocka_unit_test_setup(test_malformed, setup),
		cmocka_unit_test_setup(test_service_name, setup),
		cmocka_unit_test_setup(test_greet, setup),
		cmocka_unit_test_setup(test_reply, setup),
		cmocka_unit_test_setup(test_reply_bounds, setup),
		cmocka_unit_test_setup(test_wait_close, setup),
		cmocka_unit_test_setup(test_queue_file, setup),
		cmocka_unit_test_setup(test_stats, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

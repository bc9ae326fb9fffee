/*
 * NAME
 *	test_attr 1
 * SUMMARY
 *	unit tests of the attr0 attribute protocol reader and writer
 * DESCRIPTION
 *	The reader is fed through a socketpair by a child process (so that
 *	inputs larger than the socket buffer, slow peers and peers that
 *	never close can be simulated). A table of inputs is read in STRICT
 *	and MISSING-only mode and checked for the return code and the exact
 *	Postfix warning text; further tests cover values (alternative
 *	names, data, string-equals, MORE), freeing on failure, bounds on
 *	names and values, byte-at-a-time input on a non-blocking socket,
 *	timeouts, and the writer's exact bytes, bounds and errors.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/attr.c; Postfix src/util/attr_scan0.c, attr_print0.c
 */
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
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "attr.h"
#include "msg.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define IN(s)		s, sizeof(s) - 1
#define PATH		"test socket"
#define TMO		30	/* generous: only to avoid hanging */

/* ------------------------------------------------------------------ */
/* Helpers: warning capture and a feeding child                        */

static struct test_ctx {
	char	warn[16384];
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
	return (0);
}

struct feeder {
	pid_t	pid;
	int	fd;		/* our end */
};

/*
 * A child writes data[len] to the other end of a socketpair, 'chunk'
 * bytes at a time (0: all at once), then closes it (eof) or keeps it
 * open until feed_done().
 */
static int
feed(struct feeder *f, const void *data, size_t len, size_t chunk, int eof,
    int nonblock)
{
	int	sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	f->pid = fork();
	assert_true(f->pid >= 0);
	if (f->pid == 0) {
		const char *p = data;
		size_t	off = 0;

		/* Never outlive a test that failed before feed_done(). */
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(sv[0]);
		while (off < len) {
			size_t	n = chunk == 0 || chunk > len - off ?
			    len - off : chunk;
			ssize_t	w = write(sv[1], p + off, n);

			if (w <= 0)
				_exit(1);
			off += (size_t)w;
			if (chunk != 0)
				usleep(200);
		}
		if (eof)
			_exit(0);
		for (;;)
			pause();
	}
	close(sv[1]);
	if (nonblock)
		assert_int_equal(fcntl(sv[0], F_SETFL,
		    fcntl(sv[0], F_GETFL) | O_NONBLOCK), 0);
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

/* ------------------------------------------------------------------ */
/* The reader: a table of inputs for one expected list a, b, c         */

struct abc {
	char	*a;
	unsigned b;
	unsigned long c;
};

static void
abc_spec(struct attr_spec spec[3], struct abc *v)
{
	memset(spec, 0, 3 * sizeof(*spec));
	memset(v, 0, sizeof(*v));
	spec[0].type = ATTR_TYPE_STR;
	spec[0].name = "a";
	spec[0].max = 8;
	spec[0].out.str = &v->a;
	spec[1].type = ATTR_TYPE_INT;
	spec[1].name = "b";
	spec[1].out.u = &v->b;
	spec[2].type = ATTR_TYPE_LONG;
	spec[2].name = "c";
	spec[2].out.ul = &v->c;
}

#define GOOD	"a\0hello\0b\00042\0c\0007\0\0"

static const struct rcase {
	const char *label;
	const char *in;
	size_t	inlen;
	int	eof;
	int	flags;
	int	rc;
	const char *warn;	/* exact text, NULL: no warning */
} rcases[] = {
	{ "good strict", IN(GOOD), 1, ATTR_FLAG_STRICT, 0, NULL },
	{ "good missing-only", IN(GOOD), 1, ATTR_FLAG_MISSING, 0, NULL },
	{ "good, peer keeps the connection open", IN(GOOD), 0,
	  ATTR_FLAG_STRICT, 0, NULL },
	{ "missing b", IN("a\0hello\0\0"), 1, ATTR_FLAG_STRICT, -EBADMSG,
	  "warning: missing attribute b in input from test socket\n" },
	{ "missing c, missing-only", IN("a\0hello\0b\0001\0\0"), 1,
	  ATTR_FLAG_MISSING, -EBADMSG,
	  "warning: missing attribute c in input from test socket\n" },
	{ "unexpected x", IN("a\0hello\0x\0y\0b\00042\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG,
	  "warning: unexpected attribute x from test socket "
	  "(expecting: b)\n" },
	{ "unexpected x skipped", IN("a\0hello\0x\0y\0b\00042\0c\0007\0\0"),
	  1, ATTR_FLAG_MISSING, 0, NULL },
	{ "trailing x", IN("a\0hello\0b\00042\0c\0007\0x\0y\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG,
	  "warning: unexpected attribute x from test socket "
	  "(expecting: (list terminator))\n" },
	{ "trailing x skipped", IN("a\0hello\0b\00042\0c\0007\0x\0y\0\0"), 1,
	  ATTR_FLAG_MISSING, 0, NULL },
	{ "reordered", IN("b\00042\0a\0hello\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG,
	  "warning: unexpected attribute b from test socket "
	  "(expecting: a)\n" },
	{ "reordered, missing-only", IN("b\00042\0a\0hello\0c\0007\0\0"), 1,
	  ATTR_FLAG_MISSING, -EBADMSG,
	  "warning: missing attribute b in input from test socket\n" },
	{ "end of input at once", IN(""), 1, ATTR_FLAG_STRICT, -EPIPE,
	  "warning: premature end-of-input on test socket while reading "
	  "input attribute name\n" },
	{ "end of input in a value", IN("a\0hel"), 1, ATTR_FLAG_STRICT,
	  -EPIPE, "warning: unexpected end-of-input from test socket while "
	  "reading input attribute value\n" },
	{ "end of input in a name", IN("a\0hello\0b\00042\0c\0007\0ab"), 1,
	  ATTR_FLAG_STRICT, -EPIPE, "warning: unexpected end-of-input from "
	  "test socket while reading input attribute name\n" },
	{ "no terminator", IN("a\0hello\0b\00042\0c\0007\0"), 1,
	  ATTR_FLAG_STRICT, -EPIPE, "warning: premature end-of-input on "
	  "test socket while reading input attribute name\n" },
	{ "non-numeric int", IN("a\0hello\0b\0004x2\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: malformed numerical data "
	  "from test socket while reading input attribute value: 4x2\n" },
	{ "negative int", IN("a\0hello\0b\0-1\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: malformed numerical data "
	  "from test socket while reading input attribute value: -1\n" },
	{ "blank before int", IN("a\0hello\0b\0 42\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: malformed numerical data "
	  "from test socket while reading input attribute value:  42\n" },
	{ "empty int", IN("a\0hello\0b\0\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: malformed numerical data "
	  "from test socket while reading input attribute value: \n" },
	{ "int overflow", IN("a\0hello\0b\0004294967296\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: malformed numerical data "
	  "from test socket while reading input attribute value: "
	  "4294967296\n" },
	{ "int max", IN("a\0hello\0b\0004294967295\0c\0007\0\0"), 1,
	  ATTR_FLAG_STRICT, 0, NULL },
	{ "long max", IN("a\0hello\0b\0001\0c\00018446744073709551615\0\0"),
	  1, ATTR_FLAG_STRICT, 0, NULL },
	{ "long overflow",
	  IN("a\0hello\0b\0001\0c\00018446744073709551616\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: malformed numerical data "
	  "from test socket while reading input attribute value: "
	  "18446744073709551616\n" },
	{ "string at its bound", IN("a\00012345678\0b\0001\0c\0002\0\0"), 1,
	  ATTR_FLAG_STRICT, 0, NULL },
	{ "string over its bound", IN("a\000123456789\0b\0001\0c\0002\0\0"),
	  1, ATTR_FLAG_STRICT, -EBADMSG, "warning: attribute a too long "
	  "(9 > 8 bytes) from test socket\n" },
	{ "control characters censored",
	  IN("a\0hello\0\001x\ny\0z\0b\0001\0c\0002\0\0"), 1,
	  ATTR_FLAG_STRICT, -EBADMSG, "warning: unexpected attribute ?x y "
	  "from test socket (expecting: b)\n" },
};

static void
test_reader_table(void **state)
{
	struct attr_spec spec[3];
	struct attr_stream s;
	struct feeder f;
	struct abc v;
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < NELEM(rcases); i++) {
		const struct rcase *c = &rcases[i];

		tc.warn[0] = '\0';
		abc_spec(spec, &v);
		feed(&f, c->in, c->inlen, 0, c->eof, 0);
		assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
		rc = attr_scan(&s, c->flags, spec, 3);
		if (rc != c->rc)
			fail_msg("case '%s': rc %d, expected %d (%s)", c->label,
			    rc, c->rc, tc.warn);
		if (c->warn == NULL) {
			if (tc.warn[0] != '\0')
				fail_msg("case '%s': unexpected warning: %s",
				    c->label, tc.warn);
		} else if (strcmp(tc.warn, c->warn) != 0) {
			fail_msg("case '%s': warning '%s', expected '%s'",
			    c->label, tc.warn, c->warn);
		}
		if (rc == 0) {
			assert_non_null(v.a);
			assert_true(v.b != 0 && v.c != 0);
		} else {
			/* Freed and reset on failure. */
			assert_null(v.a);
			/* The stream keeps the warning for the caller. */
			assert_true(s.err[0] != '\0');
		}
		free(v.a);
		attr_stream_free(&s);
		feed_done(&f);
	}
}

static void
test_reader_values(void **state)
{
	struct attr_spec spec[3];
	struct attr_stream s;
	struct feeder f;
	struct abc v;

	(void)state;
	abc_spec(spec, &v);
	feed(&f, IN("a\0hello\0b\0004294967295\0c\00018446744073709551615"
	    "\0\0"), 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_scan(&s, ATTR_FLAG_STRICT, spec, 3), 0);
	assert_string_equal(v.a, "hello");
	assert_int_equal(v.b, 4294967295u);
	assert_true(v.c == 18446744073709551615ul);
	/* The list is consumed: next is the end of input. */
	assert_int_equal(attr_stream_at_eof(&s), 1);
	free(v.a);
	attr_stream_free(&s);
	feed_done(&f);
}

/* Alternative names, data, string-equals, MORE, two lists in a row. */
static void
test_reader_types(void **state)
{
	static const char in[] =
	    "protocol\0hello_protocol\0\0"
	    "sendopts\00016\0time\0Zm9vYmFy\0\0"
	    "smtputf8\0003\0time\0Zm9vYmE=\0\0"
	    "x\0\0" "\0";	/* x = "", then the terminator */
	unsigned char data[6];
	unsigned u = 0;
	const char *got = NULL;
	struct attr_spec sp[2];
	struct attr_stream s;
	struct feeder f;

	(void)state;
	memset(sp, 0, sizeof(sp));
	sp[0].type = ATTR_TYPE_INT;
	sp[0].name = "smtputf8";
	sp[0].alt = "sendopts";
	sp[0].out.u = &u;
	sp[0].got = &got;
	sp[1].type = ATTR_TYPE_DATA;
	sp[1].name = "time";
	sp[1].max = sizeof(data);
	sp[1].out.data = data;

	feed(&f, in, sizeof(in) - 1, 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_greet_read(&s, "hello_protocol"), 0);
	assert_int_equal(attr_scan(&s, ATTR_FLAG_STRICT, sp, 2), 0);
	assert_int_equal(u, 16);
	assert_string_equal(got, "sendopts");
	assert_memory_equal(data, "foobar", 6);
	/* "fooba" is 5 bytes, not 6. */
	assert_int_equal(attr_scan(&s, ATTR_FLAG_STRICT, sp, 2), -EBADMSG);
	assert_string_equal(got, "smtputf8");
	assert_string_equal(tc.warn, "warning: attribute time: size mis-match:"
	    " 5 != 6 from test socket\n");
	/* After that failure the terminator is still unread. */
	tc.warn[0] = '\0';
	assert_int_equal(attr_get_end(&s, ATTR_FLAG_STRICT), 0);
	{
		char	buf[8];

		assert_int_equal(attr_get_str(&s, ATTR_FLAG_STRICT, "x", buf,
		    sizeof(buf)), 0);
		assert_string_equal(buf, "");
		assert_int_equal(attr_get_end(&s, ATTR_FLAG_STRICT), 0);
	}
	assert_int_equal(attr_stream_at_eof(&s), 1);
	assert_string_equal(tc.warn, "");
	attr_stream_free(&s);
	feed_done(&f);
}

static const struct dcase {
	const char *label;
	const char *in;
	size_t	inlen;
	int	rc;
	const char *warn;
} dcases[] = {
	{ "exact", IN("d\0Zm9vYmFy\0\0"), 0, NULL },
	{ "longer", IN("d\0Zm9vYmFyYg==\0\0"), -EBADMSG,
	  "warning: attribute d: size mis-match: 7 != 6 from test socket\n" },
	{ "shorter", IN("d\0Zm9v\0\0"), -EBADMSG,
	  "warning: attribute d: size mis-match: 3 != 6 from test socket\n" },
	{ "malformed", IN("d\0Zm9vYmF\0\0"), -EBADMSG,
	  "warning: malformed base64 data from test socket while reading "
	  "input attribute value: Zm9vYmF\n" },
	{ "empty", IN("d\0\0\0"), -EBADMSG,
	  "warning: attribute d: size mis-match: 0 != 6 from test socket\n" },
};

static void
test_reader_data(void **state)
{
	unsigned char data[6];
	struct attr_spec sp;
	struct attr_stream s;
	struct feeder f;
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(dcases); i++) {
		memset(&sp, 0, sizeof(sp));
		sp.type = ATTR_TYPE_DATA;
		sp.name = "d";
		sp.max = sizeof(data);
		sp.out.data = data;
		tc.warn[0] = '\0';
		feed(&f, dcases[i].in, dcases[i].inlen, 0, 1, 0);
		assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
		if (attr_scan(&s, ATTR_FLAG_STRICT, &sp, 1) != dcases[i].rc)
			fail_msg("case %s: wrong rc (%s)", dcases[i].label,
			    tc.warn);
		if (dcases[i].warn != NULL)
			assert_string_equal(tc.warn, dcases[i].warn);
		else
			assert_string_equal(tc.warn, "");
		attr_stream_free(&s);
		feed_done(&f);
	}
}

static void
test_reader_streq(void **state)
{
	struct attr_stream s;
	struct feeder f;

	(void)state;
	feed(&f, IN("protocol\0bogus\0\0"), 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_greet_read(&s, "delivery_status_protocol"),
	    -EBADMSG);
	assert_string_equal(tc.warn, "warning: unexpected protocol bogus from "
	    "test socket (expected: delivery_status_protocol)\n");
	attr_stream_free(&s);
	feed_done(&f);

	/* A greeting with an extra attribute is refused (STRICT). */
	tc.warn[0] = '\0';
	feed(&f, IN("protocol\0p\0x\0y\0\0"), 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_greet_read(&s, "p"), -EBADMSG);
	assert_string_equal(tc.warn, "warning: unexpected attribute x from "
	    "test socket (expecting: (list terminator))\n");
	attr_stream_free(&s);
	feed_done(&f);
}

/* Names and values over their bounds, and long values that fit. */
static void
test_reader_bounds(void **state)
{
	struct attr_spec sp;
	struct attr_stream s;
	struct feeder f;
	char	*in, *val = NULL;
	size_t	len;

	(void)state;
	/* A name of ATTR_NAME_MAX + 1 bytes. */
	in = calloc(1, ATTR_VALUE_MAX + 64);
	assert_non_null(in);
	memset(in, 'n', ATTR_NAME_MAX + 1);
	len = ATTR_NAME_MAX + 1;
	memcpy(in + len, "\0v\0\0", 4);
	len += 4;
	feed(&f, in, len, 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_get_end(&s, ATTR_FLAG_MISSING), -ENOSPC);
	assert_non_null(strstr(tc.warn, "input attribute name too long"));
	attr_stream_free(&s);
	feed_done(&f);

	/* A value of ATTR_VALUE_MAX + 1 bytes, skipped in MISSING mode. */
	tc.warn[0] = '\0';
	memcpy(in, "x\0", 2);
	memset(in + 2, 'v', ATTR_VALUE_MAX + 1);
	len = 2 + ATTR_VALUE_MAX + 1;
	memcpy(in + len, "\0\0", 2);
	len += 2;
	feed(&f, in, len, 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_get_end(&s, ATTR_FLAG_MISSING), -ENOSPC);
	assert_non_null(strstr(tc.warn, "input attribute value too long"));
	attr_stream_free(&s);
	feed_done(&f);

	/* Exactly ATTR_VALUE_MAX: read whole, across many buffer fills. */
	tc.warn[0] = '\0';
	len = 2 + ATTR_VALUE_MAX;
	in[len - 1] = 'w';
	memcpy(in + len, "\0\0", 2);
	len += 2;
	memset(&sp, 0, sizeof(sp));
	sp.type = ATTR_TYPE_STR;
	sp.name = "x";
	sp.max = ATTR_VALUE_MAX;
	sp.out.str = &val;
	feed(&f, in, len, 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_scan(&s, ATTR_FLAG_STRICT, &sp, 1), 0);
	assert_non_null(val);
	assert_int_equal(strlen(val), ATTR_VALUE_MAX);
	assert_int_equal(val[ATTR_VALUE_MAX - 1], 'w');
	assert_string_equal(tc.warn, "");
	free(val);
	attr_stream_free(&s);
	feed_done(&f);
	free(in);
}

/* More unknown attributes than ATTR_SKIP_MAX in MISSING mode. */
static void
test_reader_skip_limit(void **state)
{
	struct attr_stream s;
	struct feeder f;
	char	*in;
	size_t	i, len = 0, cap = (ATTR_SKIP_MAX + 2) * 8 + 8;

	(void)state;
	in = malloc(cap);
	assert_non_null(in);
	for (i = 0; i < ATTR_SKIP_MAX + 2; i++) {
		memcpy(in + len, "zz\0v\0", 5);
		len += 5;
	}
	in[len++] = '\0';
	feed(&f, in, len, 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_get_end(&s, ATTR_FLAG_MISSING), -EBADMSG);
	assert_non_null(strstr(tc.warn, "unexpected attributes from test "
	    "socket"));
	attr_stream_free(&s);
	feed_done(&f);
	free(in);
}

/* One byte at a time into a non-blocking socket: EAGAIN paths. */
static void
test_reader_trickle(void **state)
{
	struct attr_spec spec[3];
	struct attr_stream s;
	struct feeder f;
	struct abc v;

	(void)state;
	abc_spec(spec, &v);
	feed(&f, IN("x\0skipped\0" GOOD), 1, 1, 1);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_scan(&s, ATTR_FLAG_MISSING, spec, 3), 0);
	assert_string_equal(v.a, "hello");
	assert_int_equal(v.b, 42);
	assert_int_equal(v.c, 7);
	free(v.a);
	attr_stream_free(&s);
	feed_done(&f);
}

/* A peer that stops sending: the wait ends with a timeout. */
static void
test_reader_timeout(void **state)
{
	struct attr_spec spec[3];
	struct attr_stream s;
	struct feeder f;
	struct abc v;

	(void)state;
	abc_spec(spec, &v);
	feed(&f, IN("a\0hel"), 0, 0, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, 1), 0);
	assert_int_equal(attr_scan(&s, ATTR_FLAG_STRICT, spec, 3), -ETIMEDOUT);
	assert_string_equal(tc.warn, "warning: timeout on test socket while "
	    "reading input attribute value\n");
	assert_null(v.a);
	attr_stream_free(&s);
	feed_done(&f);
}

static void
test_reader_at_eof(void **state)
{
	struct attr_stream s;
	struct feeder f;

	(void)state;
	feed(&f, "", 0, 0, 1, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_stream_at_eof(&s), 1);
	attr_stream_free(&s);
	feed_done(&f);

	feed(&f, IN("a\0"), 0, 0, 0);
	assert_int_equal(attr_stream_init(&s, f.fd, PATH, TMO), 0);
	assert_int_equal(attr_stream_at_eof(&s), 0);
	/* The byte stays buffered. */
	assert_int_equal(attr_stream_at_eof(&s), 0);
	attr_stream_free(&s);
	feed_done(&f);
	assert_string_equal(tc.warn, "");
}

/* ------------------------------------------------------------------ */
/* The writer                                                          */

static ssize_t
read_all(int fd, char *buf, size_t cap)
{
	size_t	len = 0;
	ssize_t	n;

	while (len < cap && (n = read(fd, buf + len, cap - len)) > 0)
		len += (size_t)n;
	return ((ssize_t)len);
}

static void
test_writer_bytes(void **state)
{
	static const char want[] =
	    "s\0text\0e\0\0i\0004294967295\0z\0000\0"
	    "l\00018446744073709551615\0L\000274\0d\0Zm9vYmFy\0n\0\0\0";
	struct attr_out o;
	char	got[256];
	int	sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(attr_out_init(&o, 256), 0);
	attr_put_str(&o, "s", "text");
	attr_put_str(&o, "e", "");
	attr_put_int(&o, "i", -1);
	attr_put_int(&o, "z", 0);
	attr_put_long(&o, "l", -1L);
	attr_put_long(&o, "L", 274);
	attr_put_data(&o, "d", "foobar", 6);
	attr_put_str(&o, "n", NULL);
	attr_put_end(&o);
	assert_int_equal(attr_out_write(&o, sv[0], TMO), 0);
	attr_out_free(&o);
	close(sv[0]);
	assert_int_equal(read_all(sv[1], got, sizeof(got)), sizeof(want) - 1);
	assert_memory_equal(got, want, sizeof(want) - 1);
	close(sv[1]);
}

static void
test_writer_errors(void **state)
{
	struct attr_out o;
	char	c;
	int	sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* Too small: nothing at all is written. */
	assert_int_equal(attr_out_init(&o, 10), 0);
	attr_put_str(&o, "name", "value");
	attr_put_int(&o, "n", 1);
	attr_put_end(&o);
	assert_int_equal(attr_out_write(&o, sv[0], TMO), -ENOSPC);
	attr_out_free(&o);
	/* Data that does not fit. */
	assert_int_equal(attr_out_init(&o, 10), 0);
	attr_put_data(&o, "d", "foobarfoobar", 12);
	assert_int_equal(attr_out_write(&o, sv[0], TMO), -ENOSPC);
	attr_out_free(&o);
	/* An empty name. */
	assert_int_equal(attr_out_init(&o, 100), 0);
	attr_put_str(&o, "", "v");
	attr_put_end(&o);
	assert_int_equal(attr_out_write(&o, sv[0], TMO), -EINVAL);
	attr_out_free(&o);
	assert_int_equal(recv(sv[1], &c, 1, MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
	/* The peer is gone: -EPIPE, and no SIGPIPE either way. */
	close(sv[1]);
	assert_int_equal(attr_greet_write(sv[0], "p", TMO), -EPIPE);
	close(sv[0]);
}

/* A peer that never reads: the write ends with a timeout. */
static void
test_writer_timeout(void **state)
{
	size_t	len = 8 * 1024 * 1024;
	char	*big;
	int	sv[2];

	(void)state;
	big = calloc(1, len);
	assert_non_null(big);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(attr_write_all(sv[0], big, len, 1), -ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);
	free(big);
}

static void
test_greet_write(void **state)
{
	char	got[64];
	int	sv[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(attr_greet_write(sv[0], "delivery_request_protocol",
	    TMO), 0);
	close(sv[0]);
	assert_int_equal(read_all(sv[1], got, sizeof(got)), 36);
	assert_memory_equal(got, "protocol\0delivery_request_protocol\0\0",
	    36);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reader_table, setup),
		cmocka_unit_test_setup(test_reader_values, setup),
		cmocka_unit_test_setup(test_reader_types, setup),
		cmocka_unit_test_setup(test_reader_data, setup),
		cmocka_unit_test_setup(test_reader_streq, setup),
		cmocka_unit_test_setup(test_reader_bounds, setup),
		cmocka_unit_test_setup(test_reader_skip_limit, setup),
		cmocka_unit_test_setup(test_reader_trickle, setup),
		cmocka_unit_test_setup(test_reader_timeout, setup),
		cmocka_unit_test_setup(test_reader_at_eof, setup),
		cmocka_unit_test_setup(test_writer_bytes, setup),
		cmocka_unit_test_setup(test_writer_errors, setup),
		cmocka_unit_test_setup(test_writer_timeout, setup),
		cmocka_unit_test_setup(test_greet_write, setup),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

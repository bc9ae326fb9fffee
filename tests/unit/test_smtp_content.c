/*
 * NAME
 *	test_smtp_content 1
 * SUMMARY
 *	unit tests of the DATA and BDAT content writer
 * DESCRIPTION
 *	smtp_content_send() reads a memfd and writes to one end of a
 *	socketpair; a reader thread collects the bytes, which are compared
 *	exactly with the expected wire form. Table: LF to CR LF, a CR
 *	before LF kept (Postfix sends the record plus CR LF), dot-stuffing
 *	(also of a lone "." line and of a long line), a last line without
 *	LF, empty content, 8-bit bytes untouched, line breaking at 998
 *	(998 exactly: none; 999, 1500, 1996 bytes), no breaking with limit
 *	0, the pipelined trailer. A 3 MB message of random lines with dots,
 *	CRs and long lines checks chunk boundaries against a byte-at-a-
 *	time reference. BDAT (smtp_content_bdat): small contents in one
 *	"BDAT <n> LAST" with the prefix in front; 3 MB in chunks against
 *	the reference framing; contents of exactly one and two chunks (no
 *	empty last chunk); 'more' stopping after the second chunk.
 *	With opts.mime: 8-bit MIME converted before dot-stuffing, folding
 *	and BDAT framing; a MIME nesting error stops with res.mime set.
 *	Errors: content shorter than its size (local error), a peer that
 *	closed (lost connection, body or end stage), a peer that stops
 *	reading (timeout), cancellation.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	child/smtp_content.c
 */
#include <errno.h>
#include <fcntl.h>
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

#include "msg.h"
#include "sj_sys.h"
#include "mime.h"
#include "smtp_content.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static struct test_ctx {
	int	infos;
	char	last_info[256];
} test_ctx;

static void
test_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_INFO) {
		test_ctx.infos++;
		snprintf(test_ctx.last_info, sizeof(test_ctx.last_info), "%s",
		    text);
	}
}

static int
make_memfd(const void *data, size_t len)
{
	int	fd = memfd_create("test-content", 0);
	size_t	off;
	ssize_t	n;

	assert_true(fd >= 0);
	for (off = 0; off < len; off += (size_t)n) {
		n = write(fd, (const char *)data + off, len - off);
		assert_true(n > 0);
	}
	return (fd);
}

/* Reader thread: everything until EOF. */
struct sink {
	int	fd;
	unsigned char *buf;
	size_t	len, cap;
	pthread_t thr;
};

static void *
sink_main(void *arg)
{
	struct sink *s = arg;
	ssize_t	n;

	for (;;) {
		if (s->len == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 65536;
			s->buf = realloc(s->buf, s->cap);
			if (s->buf == NULL)
				return (NULL);
		}
		n = read(s->fd, s->buf + s->len, s->cap - s->len);
		if (n <= 0)
			return (NULL);
		s->len += (size_t)n;
	}
}

/* BDAT runs: the prefix, and what 'more' does. */
struct bdat_run {
	int	bdat;			/* smtp_content_bdat(), else _send() */
	const char *prefix;
	int	stop_after;		/* stop at this 'more' call; 0 never */
	int	calls;			/* 'more' calls seen */
	const struct mime_limits *mime;	/* opts.mime */
};

static int
bdat_more(void *ctx)
{
	struct bdat_run *b = ctx;

	b->calls++;
	return (b->stop_after > 0 && b->calls >= b->stop_after ? 7 : 0);
}

/* Send in[len] through smtp_content_send/bdat(); *out gets the wire. */
static int
run_xfer(const void *in, size_t len, uint64_t size, unsigned limit,
    const char *trailer, struct bdat_run *b, unsigned char **out,
    size_t *outlen, struct smtp_content_result *res)
{
	struct smtp_content_opts opts;
	struct sink s;
	int	sv[2], memfd, err;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	memset(&s, 0, sizeof(s));
	s.fd = sv[1];
	assert_int_equal(pthread_create(&s.thr, NULL, sink_main, &s), 0);
	memfd = make_memfd(in, len);
	memset(&opts, 0, sizeof(opts));
	opts.line_limit = limit;
	opts.xfer_timeout = 30;
	opts.done_timeout = 30;
	opts.trailer = trailer;
	if (b != NULL)
		opts.mime = b->mime;
	if (b != NULL && b->prefix != NULL) {
		opts.prefix = b->prefix;
		opts.prefix_len = strlen(b->prefix);
	}
	if (b != NULL && b->bdat)
		err = smtp_content_bdat(sv[0], memfd, size, &opts, bdat_more,
		    b, res);
	else
		err = smtp_content_send(sv[0], memfd, size, &opts, res);
	close(sv[0]);
	pthread_join(s.thr, NULL);
	close(sv[1]);
	close(memfd);
	*out = s.buf;
	*outlen = s.len;
	return (err);
}

static int
run_send(const void *in, size_t len, uint64_t size, unsigned limit,
    const char *trailer, unsigned char **out, size_t *outlen,
    struct smtp_content_result *res)
{
	return (run_xfer(in, len, size, limit, trailer, NULL, out, outlen,
	    res));
}

struct content_case {
	const char *in;
	unsigned limit;
	const char *trailer;
	const char *want;
	int	folded;
};

static const struct content_case content_cases[] = {
	{ "hello\nworld\n", 998, ".\r\n", "hello\r\nworld\r\n.\r\n", 0 },
	{ "a\r\nb\n", 998, ".\r\n", "a\r\r\nb\r\n.\r\n", 0 },
	{ ".leading\n..two\nmid.dle\n", 998, ".\r\n",
	    "..leading\r\n...two\r\nmid.dle\r\n.\r\n", 0 },
	{ ".\n", 998, ".\r\n", "..\r\n.\r\n", 0 },
	{ "x\n.\n", 998, ".\r\n", "x\r\n..\r\n.\r\n", 0 },
	{ "no newline", 998, ".\r\n", "no newline\r\n.\r\n", 0 },
	{ ".dot no newline", 998, ".\r\n", "..dot no newline\r\n.\r\n", 0 },
	{ "", 998, ".\r\n", ".\r\n", 0 },
	{ "\n", 998, ".\r\n", "\r\n.\r\n", 0 },
	{ "\n\n", 998, ".\r\n", "\r\n\r\n.\r\n", 0 },
	{ "caf\xc3\xa9 \x80\xff\n", 998, ".\r\n",
	    "caf\xc3\xa9 \x80\xff\r\n.\r\n", 0 },
	{ "body\n", 998, ".\r\nQUIT\r\n", "body\r\n.\r\nQUIT\r\n", 0 },
	{ "abcdefghij\n", 4, ".\r\n", "abcd\r\n efg\r\n hij\r\n.\r\n", 1 },
	{ "abcd\n", 4, ".\r\n", "abcd\r\n.\r\n", 0 },
	{ "abcde\n", 4, ".\r\n", "abcd\r\n e\r\n.\r\n", 1 },
	{ ".abcdef\n", 4, ".\r\n", "..abc\r\n def\r\n.\r\n", 1 },
	{ "abcdefghij\n", 0, ".\r\n", "abcdefghij\r\n.\r\n", 0 },
};

static void
test_content_table(void **state)
{
	const struct content_case *c;
	struct smtp_content_result res;
	unsigned char *out;
	size_t	outlen, i;
	int	err;

	(void)state;
	for (i = 0; i < NELEM(content_cases); i++) {
		c = &content_cases[i];
		test_ctx.infos = 0;
		err = run_send(c->in, strlen(c->in), strlen(c->in), c->limit,
		    c->trailer, &out, &outlen, &res);
		if (err != 0)
			fail_msg("case %zu: error %d", i, err);
		if (outlen != strlen(c->want) ||
		    memcmp(out, c->want, outlen) != 0)
			fail_msg("case %zu: got \"%.*s\"", i, (int)outlen,
			    (const char *)out);
		assert_int_equal(res.folded, c->folded);
		assert_int_equal(test_ctx.infos, c->folded);
		assert_int_equal(res.bytes_out, outlen);
		assert_int_equal(res.bytes_in, strlen(c->in));
		free(out);
	}
}

/* Long lines at the default limit: exact expected bytes. */
static void
test_content_fold_998(void **state)
{
	static const size_t lens[] = { 998, 999, 1500, 1996 };
	struct smtp_content_result res;
	unsigned char *out, *want, *in;
	size_t	outlen, i, k, w, left, piece;

	(void)state;
	for (k = 0; k < NELEM(lens); k++) {
		in = malloc(lens[k] + 1);
		want = malloc(lens[k] * 2 + 16);
		assert_non_null(in);
		assert_non_null(want);
		for (i = 0; i < lens[k]; i++)
			in[i] = (unsigned char)('a' + i % 26);
		in[lens[k]] = '\n';
		/* 998, then " " + 997 per continuation line. */
		w = 0;
		piece = 998;
		for (i = 0, left = lens[k]; left > 0; ) {
			size_t	n = left < piece ? left : piece;

			if (i > 0) {
				memcpy(want + w, "\r\n ", 3);
				w += 3;
			}
			memcpy(want + w, in + i, n);
			w += n;
			i += n;
			left -= n;
			piece = 997;
		}
		memcpy(want + w, "\r\n.\r\n", 5);
		w += 5;
		test_ctx.infos = 0;
		assert_int_equal(run_send(in, lens[k] + 1, lens[k] + 1, 998,
		    ".\r\n", &out, &outlen, &res), 0);
		assert_int_equal(outlen, w);
		assert_memory_equal(out, want, w);
		assert_int_equal(res.folded, lens[k] > 998);
		if (lens[k] > 998)
			assert_string_equal(test_ctx.last_info,
			    "breaking line > 998 bytes with <CR><LF>SPACE");
		if (lens[k] == 1500) {
			/* The case named in the brief, spelled out. */
			assert_int_equal(w, 998 + 3 + 502 + 5);
		}
		free(in);
		free(want);
		free(out);
	}
}

/* Byte-at-a-time restatement of the rules, for the large test. */
static size_t
ref_convert(const unsigned char *in, size_t len, size_t limit, int dots,
    const char *trailer, unsigned char *out)
{
	size_t	o = 0, i, space_left = 0;
	int	bol = 1;

	if (limit <= 1)
		limit = SIZE_MAX;
	for (i = 0; i < len; i++) {
		if (bol) {
			bol = 0;
			space_left = limit;
			if (in[i] == '.' && dots)
				out[o++] = '.';
		}
		if (in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			bol = 1;
			continue;
		}
		if (space_left == 0) {
			memcpy(out + o, "\r\n ", 3);
			o += 3;
			space_left = limit - 1;
		}
		out[o++] = in[i];
		if (limit != SIZE_MAX)
			space_left--;
	}
	if (!bol) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	memcpy(out + o, trailer, strlen(trailer));
	return (o + strlen(trailer));
}

/* Random lines: dots, CRs, 8-bit bytes, some longer than 998. */
static void
gen_lines(unsigned char *in, size_t len)
{
	size_t	i = 0;
	uint32_t x = 12345;

	while (i < len) {
		size_t	ll, k;

		x = x * 1103515245 + 12345;
		ll = (x >> 8) % 5 == 0 ? 900 + (x >> 4) % 3000 : (x >> 12) % 90;
		for (k = 0; k < ll && i < len; k++, i++) {
			x = x * 1103515245 + 12345;
			in[i] = (x >> 16) % 17 == 0 ? '.' :
			    (x >> 16) % 29 == 0 ? '\r' :
			    (unsigned char)(0x20 + (x >> 16) % 0xdf);
		}
		if (i < len)
			in[i++] = '\n';
	}
}

static void
test_content_large(void **state)
{
	size_t	len = 3 * 1024 * 1024 + 17, outlen, wl;
	unsigned char *in = malloc(len), *want = malloc(len * 3 + 64), *out;
	struct smtp_content_result res;

	(void)state;
	assert_non_null(in);
	assert_non_null(want);
	gen_lines(in, len);
	/* A dot exactly at a chunk boundary, after an LF. */
	in[SMTP_CONTENT_CHUNK - 1] = '\n';
	in[SMTP_CONTENT_CHUNK] = '.';
	wl = ref_convert(in, len, 998, 1, ".\r\nQUIT\r\n", want);
	assert_int_equal(run_send(in, len, len, 998, ".\r\nQUIT\r\n", &out,
	    &outlen, &res), 0);
	assert_int_equal(outlen, wl);
	assert_memory_equal(out, want, wl);
	assert_int_equal(res.bytes_in, len);
	assert_int_equal(res.folded, 1);
	free(out);
	free(in);
	free(want);
}

/*
 * The BDAT wire form of conv[clen] (the converted content): a prefix,
 * full chunks as "BDAT <chunk>", the rest as "BDAT <m> LAST", then the
 * trailer. Returns the length; *chunks gets the number of commands.
 */
static size_t
ref_bdat(const unsigned char *conv, size_t clen, const char *prefix,
    const char *trailer, unsigned char *out, uint64_t *chunks)
{
	size_t	o = 0, n;
	int	len;

	*chunks = 0;
	if (prefix != NULL) {
		memcpy(out, prefix, strlen(prefix));
		o = strlen(prefix);
	}
	do {
		n = clen > SMTP_CONTENT_BDAT_CHUNK ? SMTP_CONTENT_BDAT_CHUNK :
		    clen;
		len = sprintf((char *)out + o, "BDAT %zu%s\r\n", n,
		    n == clen ? " LAST" : "");
		o += (size_t)len;
		memcpy(out + o, conv, n);
		o += n;
		conv += n;
		clen -= n;
		(*chunks)++;
	} while (clen > 0);
	if (trailer != NULL) {
		memcpy(out + o, trailer, strlen(trailer));
		o += strlen(trailer);
	}
	return (o);
}

struct bdat_case {
	const char *in;
	unsigned limit;
	const char *prefix;
	const char *trailer;
	const char *want;
};

static const struct bdat_case bdat_cases[] = {
	{ "", 998, NULL, NULL, "BDAT 0 LAST\r\n" },
	{ "", 998, NULL, "QUIT\r\n", "BDAT 0 LAST\r\nQUIT\r\n" },
	{ ".a\nb", 998, NULL, "QUIT\r\n",
	    "BDAT 7 LAST\r\n.a\r\nb\r\nQUIT\r\n" },
	{ ".\n", 998, "MAIL FROM:<>\r\nRCPT TO:<x@y>\r\n", "QUIT\r\n",
	    "MAIL FROM:<>\r\nRCPT TO:<x@y>\r\nBDAT 3 LAST\r\n.\r\n"
	    "QUIT\r\n" },
	{ "abcdefghij\n", 4, NULL, NULL,
	    "BDAT 18 LAST\r\nabcd\r\n efg\r\n hij\r\n" },
};

/* Small contents: one LAST chunk, no dot-stuffing, prefix in front. */
static void
test_bdat_table(void **state)
{
	const struct bdat_case *c;
	struct smtp_content_result res;
	struct bdat_run b;
	unsigned char *out;
	size_t	outlen, i;

	(void)state;
	for (i = 0; i < NELEM(bdat_cases); i++) {
		c = &bdat_cases[i];
		memset(&b, 0, sizeof(b));
		b.bdat = 1;
		b.prefix = c->prefix;
		assert_int_equal(run_xfer(c->in, strlen(c->in), strlen(c->in),
		    c->limit, c->trailer, &b, &out, &outlen, &res), 0);
		if (outlen != strlen(c->want) ||
		    memcmp(out, c->want, outlen) != 0)
			fail_msg("case %zu: got \"%.*s\"", i, (int)outlen,
			    (const char *)out);
		assert_int_equal(res.chunks, 1);
		assert_int_equal(res.stopped, 0);
		assert_int_equal(res.bytes_out, outlen);
		assert_int_equal(b.calls, 0);
		free(out);
	}
}

/*
 * Many chunks: 3 MB of random lines against the reference, with a
 * prefix; contents that convert to exactly one and two chunks (the
 * last chunk is full and LAST, no empty "BDAT 0 LAST"); a prefix too
 * long for the headroom.
 */
static void
test_bdat_chunks(void **state)
{
	static const size_t exact[] = { SMTP_CONTENT_BDAT_CHUNK,
	    2 * SMTP_CONTENT_BDAT_CHUNK };
	const char *prefix = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\n";
	size_t	len = 3 * 1024 * 1024 + 17, outlen, cl, wl, k;
	unsigned char *in = malloc(len), *conv = malloc(len * 3 + 64);
	unsigned char *want = malloc(len * 3 + 4096), *out;
	struct smtp_content_result res;
	struct bdat_run b;
	uint64_t chunks;

	(void)state;
	assert_non_null(in);
	assert_non_null(conv);
	assert_non_null(want);
	gen_lines(in, len);
	cl = ref_convert(in, len, 998, 0, "", conv);
	wl = ref_bdat(conv, cl, prefix, "QUIT\r\n", want, &chunks);
	assert_true(chunks > 3);
	memset(&b, 0, sizeof(b));
	b.bdat = 1;
	b.prefix = prefix;
	assert_int_equal(run_xfer(in, len, len, 998, "QUIT\r\n", &b, &out,
	    &outlen, &res), 0);
	assert_int_equal(outlen, wl);
	assert_memory_equal(out, want, wl);
	assert_int_equal(res.chunks, chunks);
	assert_int_equal(b.calls, chunks - 1);
	assert_int_equal(res.bytes_in, len);
	assert_int_equal(res.bytes_out, outlen);
	free(out);

	/* n - 2 bytes and no LF: the CR LF added at the end fills it. */
	for (k = 0; k < NELEM(exact); k++) {
		memset(in, 'x', exact[k] - 2);
		cl = ref_convert(in, exact[k] - 2, 0, 0, "", conv);
		assert_int_equal(cl, exact[k]);
		wl = ref_bdat(conv, cl, NULL, NULL, want, &chunks);
		assert_int_equal(chunks, k + 1);
		memset(&b, 0, sizeof(b));
		b.bdat = 1;
		assert_int_equal(run_xfer(in, exact[k] - 2, exact[k] - 2, 0,
		    NULL, &b, &out, &outlen, &res), 0);
		assert_int_equal(outlen, wl);
		assert_memory_equal(out, want, wl);
		assert_int_equal(res.chunks, k + 1);
		assert_int_equal(b.calls, k);
		free(out);
	}

	/* A prefix longer than the headroom goes out on its own first. */
	{
		char   *big = malloc(SMTP_CONTENT_HEADROOM + 1);

		assert_non_null(big);
		memset(big, 'P', SMTP_CONTENT_HEADROOM);
		big[SMTP_CONTENT_HEADROOM] = '\0';
		gen_lines(in, 200000);
		cl = ref_convert(in, 200000, 998, 0, "", conv);
		wl = ref_bdat(conv, cl, big, "QUIT\r\n", want, &chunks);
		memset(&b, 0, sizeof(b));
		b.bdat = 1;
		b.prefix = big;
		assert_int_equal(run_xfer(in, 200000, 200000, 998, "QUIT\r\n",
		    &b, &out, &outlen, &res), 0);
		assert_int_equal(outlen, wl);
		assert_memory_equal(out, want, wl);
		assert_int_equal(res.bytes_out, outlen);
		assert_int_equal(res.chunks, 2);
		free(out);
		free(big);
	}
	free(in);
	free(conv);
	free(want);
}

/* 'more' stops after the second chunk: its value returns, no more goes. */
static void
test_bdat_stop(void **state)
{
	size_t	len = 5 * SMTP_CONTENT_BDAT_CHUNK, outlen, cl, wl;
	unsigned char *in = malloc(len), *conv = malloc(len * 3),
	    *want = malloc(len * 3), *out;
	struct smtp_content_result res;
	struct bdat_run b;
	uint64_t chunks;

	(void)state;
	assert_non_null(in);
	assert_non_null(conv);
	assert_non_null(want);
	gen_lines(in, len);
	cl = ref_convert(in, len, 998, 0, "", conv);
	/* What went out: the first two chunks, whole. */
	wl = ref_bdat(conv, 2 * SMTP_CONTENT_BDAT_CHUNK + 1, "RCPT\r\n",
	    NULL, want, &chunks);
	wl -= strlen("BDAT 1 LAST\r\n") + 1;
	assert_true(cl > 3 * SMTP_CONTENT_BDAT_CHUNK);
	memset(&b, 0, sizeof(b));
	b.bdat = 1;
	b.prefix = "RCPT\r\n";
	b.stop_after = 2;
	assert_int_equal(run_xfer(in, len, len, 998, "QUIT\r\n", &b, &out,
	    &outlen, &res), 7);
	assert_int_equal(res.stopped, 1);
	assert_int_equal(res.chunks, 2);
	assert_int_equal(b.calls, 2);
	assert_int_equal(outlen, wl);
	assert_memory_equal(out, want, wl);
	free(out);
	free(in);
	free(conv);
	free(want);
}

/*
 * With opts.mime (a server without 8BITMIME): the content goes through
 * mime(3) first, then dot-stuffing, folding and BDAT framing; a MIME
 * nesting error stops the transfer with res.mime set.
 */
#define X10	"xxxxxxxxxx"
#define X50	X10 X10 X10 X10 X10
#define X60	X50 X10

static void
test_content_mime(void **state)
{
	static const struct mime_limits lim = { 102400, 1, 2048, 2048 };
	static const char in[] = "Content-Transfer-Encoding: 8bit\n\n"
	    ".K\xc3\xb6ln\n" X60 "\n";
	static const char want_data[] =
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    "..K=C3=B6ln\r\n" X50 "\r\n " X10 "\r\n.\r\n";
	static const char want_bdat[] = "BDAT 124 LAST\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
	    ".K=C3=B6ln\r\n" X50 "\r\n " X10 "\r\n";
	static const char deep[] = "Content-Type: multipart/mixed; "
	    "boundary=a; boundary=b; boundary=c; boundary=d\n\nx\n";
	struct smtp_content_result res;
	struct bdat_run b;
	unsigned char *out;
	size_t	outlen;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.mime = &lim;
	assert_int_equal(run_xfer(in, sizeof(in) - 1, sizeof(in) - 1, 50,
	    ".\r\n", &b, &out, &outlen, &res), 0);
	if (outlen != sizeof(want_data) - 1 ||
	    memcmp(out, want_data, outlen) != 0)
		fail_msg("DATA: got \"%.*s\"", (int)outlen, (const char *)out);
	assert_int_equal(res.bytes_in, sizeof(in) - 1);
	assert_int_equal(res.mime, 0);
	free(out);

	b.bdat = 1;
	assert_int_equal(run_xfer(in, sizeof(in) - 1, sizeof(in) - 1, 50,
	    NULL, &b, &out, &outlen, &res), 0);
	if (outlen != sizeof(want_bdat) - 1 ||
	    memcmp(out, want_bdat, outlen) != 0)
		fail_msg("BDAT: got \"%.*s\"", (int)outlen, (const char *)out);
	free(out);

	b.bdat = 0;
	assert_int_equal(run_xfer(deep, sizeof(deep) - 1, sizeof(deep) - 1,
	    998, ".\r\n", &b, &out, &outlen, &res), MIME_ERR_NESTING);
	assert_int_equal(res.mime, 1);
	assert_int_equal(res.local, 0);
	assert_int_equal(res.stage, 0);
	free(out);
}

static void
test_content_short_memfd(void **state)
{
	struct smtp_content_result res;
	unsigned char *out;
	size_t	outlen;

	(void)state;
	assert_int_equal(run_send("abc\n", 4, 14, 998, ".\r\n", &out, &outlen,
	    &res), -EIO);
	assert_int_equal(res.local, 1);
	assert_int_equal(res.bytes_in, 4);
	/* Nothing that could end the DATA phase reached the server. */
	assert_null(memmem(out, outlen, "\r\n.\r\n", 5));
	free(out);
}

/* The peer closed its end: lost connection, in the body or at the end. */
static void
test_content_peer_closed(void **state)
{
	struct smtp_content_opts opts;
	struct smtp_content_result res;
	size_t	big = 1024 * 1024, k;
	char	*data = malloc(big);
	int	sv[2], memfd, err;
	static const size_t sizes[] = { 10, 1024 * 1024 };

	(void)state;
	assert_non_null(data);
	memset(data, 'z', big);
	for (k = 0; k < 2; k++) {
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
		close(sv[1]);
		memfd = make_memfd(data, sizes[k]);
		memset(&opts, 0, sizeof(opts));
		opts.line_limit = 998;
		opts.xfer_timeout = 30;
		opts.done_timeout = 30;
		opts.trailer = ".\r\n";
		err = smtp_content_send(sv[0], memfd, sizes[k], &opts, &res);
		assert_true(err == -EPIPE || err == -ECONNRESET);
		assert_int_equal(res.local, 0);
		assert_int_equal(res.stage, k == 0 ? SMTP_CONTENT_END :
		    SMTP_CONTENT_BODY);
		close(sv[0]);
		close(memfd);
	}
	free(data);
}

/* The peer stops reading: the write makes no progress. */
static void
test_content_stall(void **state)
{
	struct smtp_content_opts opts;
	struct smtp_content_result res;
	size_t	big = 8 * 1024 * 1024;
	char	*data = malloc(big);
	int	sv[2], memfd, err;

	(void)state;
	assert_non_null(data);
	memset(data, 'q', big);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	memfd = make_memfd(data, big);
	memset(&opts, 0, sizeof(opts));
	opts.line_limit = 998;
	opts.xfer_timeout = 1;
	opts.done_timeout = 1;
	opts.trailer = ".\r\n";
	err = smtp_content_send(sv[0], memfd, big, &opts, &res);
	assert_int_equal(err, -ETIMEDOUT);
	assert_int_equal(res.stage, SMTP_CONTENT_BODY);
	assert_true(res.bytes_out < big);
	close(sv[0]);
	close(sv[1]);
	close(memfd);
	free(data);
}

static void
test_content_cancel(void **state)
{
	struct smtp_content_opts opts;
	struct smtp_content_result res;
	size_t	big = 8 * 1024 * 1024;
	char	*data = malloc(big);
	int	sv[2], p[2], memfd, err;

	(void)state;
	assert_non_null(data);
	memset(data, 'c', big);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	memfd = make_memfd(data, big);
	memset(&opts, 0, sizeof(opts));
	opts.line_limit = 998;
	opts.xfer_timeout = 60;
	opts.done_timeout = 60;
	opts.trailer = ".\r\n";
	assert_int_equal(write(p[1], "x", 1), 1);
	sys_set_cancel_fd(p[0]);
	err = smtp_content_send(sv[0], memfd, big, &opts, &res);
	sys_set_cancel_fd(-1);
	assert_int_equal(err, -ECANCELED);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(memfd);
	free(data);
}

static void
test_content_write(void **state)
{
	int	sv[2];
	char	buf[16];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(smtp_content_write(sv[0], "QUIT\r\n", 6, 5), 0);
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 6);
	assert_memory_equal(buf, "QUIT\r\n", 6);
	assert_int_equal(smtp_content_write(sv[0], "", 0, 5), 0);
	close(sv[1]);
	assert_int_equal(smtp_content_write(sv[0], "RSET\r\n", 6, 5), -EPIPE);
	close(sv[0]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_content_table),
		cmocka_unit_test(test_content_fold_998),
		cmocka_unit_test(test_content_large),
		cmocka_unit_test(test_bdat_table),
		cmocka_unit_test(test_bdat_chunks),
		cmocka_unit_test(test_bdat_stop),
		cmocka_unit_test(test_content_mime),
		cmocka_unit_test(test_content_short_memfd),
		cmocka_unit_test(test_content_peer_closed),
		cmocka_unit_test(test_content_stall),
		cmocka_unit_test(test_content_cancel),
		cmocka_unit_test(test_content_write),
	};

	msg_set_sink(test_sink, NULL);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

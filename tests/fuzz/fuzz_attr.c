/*
 * NAME
 *	fuzz_attr 1
 * SUMMARY
 *	libFuzzer target: the attr0 reader (qmgr requests, service replies)
 * DESCRIPTION
 *	Input: one selector byte, then the bytes a peer sends, served from
 *	a memfd (the reader's read/poll path, EOF at the end). The
 *	selector picks what reads them:
 *	0: dreq_read(), qmgr's whole delivery request and its recipients;
 *	1: a bounce/defer/trace reply: greeting, then "status" with
 *	   MISSING-only strictness (unknown attributes skipped), as
 *	   parent/svc_client.c reads it;
 *	2: a STRICT list of every attribute type (string, int, long,
 *	   base64 data, fixed string), with an alternative name, as
 *	   parent/pass.c and dreq.c use them;
 *	3: piecewise reads (attr_get_str/uint/ulong/end) of lists with
 *	   EXTRA-only and MORE strictness until the input runs out.
 *	Errors are fine; crashes, leaks, reads out of bounds and unbounded
 *	work are not. Strings a failed scan allocated must come back NULL.
 * SECURITY
 *	The peers (qmgr, bounce, defer, trace, another delivery agent) are
 *	Postfix, trusted; the reader still bounds every name and value.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "attr.h"
#include "dreq.h"
#include "fuzz_quiet.h"
#include "msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
fuzz_request(int fd)
{
	struct dreq req;
	char	why[512];

	(void)dreq_read(fd, &req, 1, why, sizeof(why));
	dreq_free(&req);
}

static void
fuzz_service_reply(struct attr_stream *s)
{
	struct attr_spec sp;
	unsigned v = 0;

	if (attr_greet_read(s, "delivery_status_protocol") < 0)
		return;
	memset(&sp, 0, sizeof(sp));
	sp.type = ATTR_TYPE_INT;
	sp.name = "status";
	sp.out.u = &v;
	(void)attr_scan(s, ATTR_FLAG_MISSING, &sp, 1);
}

static void
fuzz_all_types(struct attr_stream *s)
{
	struct attr_spec sp[5];
	char	*str = NULL;
	const char *got = NULL;
	unsigned u = 0;
	unsigned long ul = 0;
	unsigned char blob[16];

	memset(sp, 0, sizeof(sp));
	sp[0].type = ATTR_TYPE_STR;
	sp[0].name = "smtputf8";
	sp[0].alt = "sendopts";
	sp[0].max = 100;
	sp[0].out.str = &str;
	sp[0].got = &got;
	sp[1].type = ATTR_TYPE_INT;
	sp[1].name = "status";
	sp[1].out.u = &u;
	sp[2].type = ATTR_TYPE_LONG;
	sp[2].name = "offset";
	sp[2].out.ul = &ul;
	sp[3].type = ATTR_TYPE_DATA;
	sp[3].name = "time";
	sp[3].max = sizeof(blob);
	sp[3].out.data = blob;
	sp[4].type = ATTR_TYPE_STREQ;
	sp[4].name = "protocol";
	sp[4].out.eq = "delivery_request_protocol";
	if (attr_scan(s, ATTR_FLAG_STRICT, sp, 5) < 0 && str != NULL)
		abort();		/* a failed scan must free its strings */
	free(str);
}

static void
fuzz_piecewise(struct attr_stream *s)
{
	char	buf[64];
	unsigned u;
	unsigned long ul;
	int	i;

	for (i = 0; i < 64; i++) {
		if (attr_get_str(s, ATTR_FLAG_EXTRA | ATTR_FLAG_MORE, "name",
		    buf, sizeof(buf)) < 0 &&
		    attr_get_uint(s, ATTR_FLAG_MISSING | ATTR_FLAG_MORE,
		    "count", &u) < 0 &&
		    attr_get_ulong(s, ATTR_FLAG_NONE | ATTR_FLAG_MORE, "size",
		    &ul) < 0)
			break;
		if (attr_get_end(s, i & 1 ? ATTR_FLAG_MISSING :
		    ATTR_FLAG_STRICT) < 0 && s->eof)
			break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct attr_stream s;
	int	fd;

	msg_set_sink(fuzz_quiet, NULL);
	if (size < 1)
		return (0);
	if ((fd = memfd_create("fuzz_attr", MFD_CLOEXEC)) < 0)
		abort();
	if (size > 1 && write(fd, data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	if (lseek(fd, 0, SEEK_SET) != 0)
		abort();
	if (data[0] % 4 == 0) {
		fuzz_request(fd);
		close(fd);
		return (0);
	}
	if (attr_stream_init(&s, fd, "fuzz socket", 1) < 0)
		abort();
	switch (data[0] % 4) {
	case 1:
		fuzz_service_reply(&s);
		break;
	case 2:
		fuzz_all_types(&s);
		break;
	default:
		fuzz_piecewise(&s);
		break;
	}
	attr_stream_free(&s);
	close(fd);
	return (0);
}

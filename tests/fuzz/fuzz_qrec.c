/*
 * NAME
 *	fuzz_qrec 1
 * SUMMARY
 *	libFuzzer target: queue file record reader and content decoder
 * DESCRIPTION
 *	Input: 2 bytes little-endian start offset (taken modulo the file
 *	size + 1), 1 byte window size selector, then the queue file bytes.
 *	Walks every record header from offset 0 with qrec_get(), decodes
 *	the content from the start offset with qrec_content() on a memory
 *	source, and again on a memfd source read through a small window;
 *	the two results must be identical (a differential check of the
 *	window logic). Any mismatch or broken invariant aborts.
 *
 *	Build: clang -g -O1 -fsanitize=fuzzer,address,undefined
 *	    -D_GNU_SOURCE -Iinclude -Iparent tests/fuzz/fuzz_qrec.c
 *	    parent/qrec.c -o fuzz_qrec
 *	Run:   ./fuzz_qrec tests/fuzz/corpus/qrec
 *	Without libFuzzer (replays files): add -DFUZZ_STANDALONE and drop
 *	-fsanitize=fuzzer.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "qrec.h"

/*
 * Keep runs fast: pointer loops may replay content up to 10001 times, and
 * the windowed source reads each replay again. 64 KiB still takes every
 * content path (and the -EFBIG cap) of inputs up to -max_len=65536; at
 * 1 MiB a run of 10^7 took hours.
 */
#define FUZZ_MAX_OUT	(64 * 1024)

struct fsink {
	uint64_t hash;
	uint64_t len;
};

static int
fsink_fn(void *ctx, const void *data, size_t len)
{
	struct fsink *s = ctx;
	const unsigned char *p = data;

	if (len == 0)
		abort();		/* the decoder never sends nothing */
	s->len += len;
	while (len-- > 0) {
		s->hash ^= *p++;
		s->hash *= 0x100000001b3ULL;
	}
	return (0);
}

struct fresult {
	int	err;
	struct qrec_content res;
	struct fsink sink;
};

static void
run_content(struct qrec_src *src, uint64_t start, struct fresult *r)
{
	char	why[256];

	memset(r, 0, sizeof(*r));
	r->sink.hash = 0xcbf29ce484222325ULL;
	why[0] = 0;
	r->err = qrec_content(src, start, FUZZ_MAX_OUT, fsink_fn, &r->sink,
	    &r->res, why, sizeof(why));
	if (r->err != 0 && r->err != -EUCLEAN && r->err != -EFBIG)
		abort();
	if (r->err != 0 && why[0] == 0)
		abort();		/* every failure explains itself */
	if (r->res.out_len != r->sink.len || r->res.out_len > FUZZ_MAX_OUT)
		abort();
	if (r->err == -EUCLEAN && r->res.bad_type < QREC_TYPE_ERROR)
		abort();
}

static void
walk_records(struct qrec_src *src)
{
	struct qrec rec;
	char	why[256];
	uint64_t off = 0;
	int	err;

	for (;;) {
		err = qrec_get(src, off, &rec, why, sizeof(why));
		if (err == -ENODATA || err == -EUCLEAN)
			return;
		if (err != 0)
			abort();
		if (rec.data_offset + rec.len > src->size ||
		    rec.data_offset <= off || rec.len > QREC_LEN_MAX ||
		    rec.type < 0 || rec.type > 255)
			abort();
		off = rec.data_offset + rec.len;
	}
}

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qrec_src src;
	struct fresult a, b;
	uint64_t start;
	size_t	flen, window;
	const uint8_t *file;
	int	fd;

	if (size < 3)
		return (0);
	file = data + 3;
	flen = size - 3;
	start = (uint64_t)(data[0] | (data[1] << 8)) % (flen + 1);
	window = QREC_WINDOW_MIN + data[2] % 240;

	qrec_src_mem(&src, file, flen);
	walk_records(&src);
	run_content(&src, start, &a);

	if ((fd = memfd_create("fuzz_qrec", MFD_CLOEXEC)) < 0)
		return (0);
	if (flen > 0 && write(fd, file, flen) != (ssize_t)flen) {
		close(fd);
		return (0);
	}
	if (qrec_src_fd(&src, fd, flen, window) != 0)
		abort();
	walk_records(&src);
	run_content(&src, start, &b);
	qrec_src_free(&src);
	close(fd);

	if (a.err != b.err || a.sink.len != b.sink.len ||
	    a.sink.hash != b.sink.hash)
		abort();
	if (a.err == -EUCLEAN && (a.res.bad_type != b.res.bad_type ||
	    a.res.bad_offset != b.res.bad_offset))
		abort();
	return (0);
}

#ifdef FUZZ_STANDALONE
int
main(int argc, char **argv)
{
	static uint8_t buf[16 * 1024 * 1024];
	size_t	n;
	FILE	*fp;
	int	i;

	for (i = 1; i < argc; i++) {
		if ((fp = fopen(argv[i], "rb")) == NULL) {
			perror(argv[i]);
			return (1);
		}
		n = fread(buf, 1, sizeof(buf), fp);
		fclose(fp);
		LLVMFuzzerTestOneInput(buf, n);
		printf("ok - %s\n", argv[i]);
	}
	return (0);
}
#endif

/*
 * NAME
 *	test_sj_buf 1
 * SUMMARY
 *	unit tests of the bounded buffer
 * DESCRIPTION
 *	Puts past the capacity, gets past the data, little-endian layout,
 *	string length limits, NUL inside strings, read-only wrapped
 *	buffers, and that a failed put or get changes nothing.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	ipc/sj_buf.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sj_buf.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static void
test_init(void **state)
{
	struct sj_buf b;

	(void)state;
	assert_int_equal(sj_buf_init(&b, 0), -EINVAL);
	assert_int_equal(sj_buf_init(&b, 16), 0);
	assert_int_equal(b.cap, 16);
	assert_int_equal(b.len, 0);
	assert_int_equal(b.pos, 0);
	assert_int_equal(sj_buf_left(&b), 0);
	sj_buf_free(&b);
	assert_null(b.data);
	sj_buf_free(&b);		/* twice is harmless */
}

static void
test_put_capacity(void **state)
{
	struct sj_buf b;
	unsigned char x[16];

	(void)state;
	memset(x, 'x', sizeof(x));
	assert_int_equal(sj_buf_init(&b, 16), 0);
	assert_int_equal(sj_buf_put(&b, x, 16), 0);
	assert_int_equal(b.len, 16);
	assert_int_equal(sj_buf_put(&b, x, 1), -ENOSPC);
	assert_int_equal(sj_buf_put_u8(&b, 1), -ENOSPC);
	assert_int_equal(sj_buf_put(&b, x, 0), 0);
	assert_int_equal(b.len, 16);
	sj_buf_reset(&b);
	assert_int_equal(b.len, 0);

	/* Room for 3: a u32 fails and writes nothing. */
	assert_int_equal(sj_buf_put(&b, x, 13), 0);
	assert_int_equal(sj_buf_put_u32(&b, 0xdeadbeef), -ENOSPC);
	assert_int_equal(sj_buf_put_u64(&b, 1), -ENOSPC);
	assert_int_equal(b.len, 13);
	assert_int_equal(sj_buf_put_u16(&b, 0x0102), 0);
	assert_int_equal(sj_buf_put_u16(&b, 0x0102), -ENOSPC);
	assert_int_equal(sj_buf_put_u8(&b, 7), 0);
	assert_int_equal(b.len, 16);
	/* A length that would wrap an unchecked 'len + n'. */
	sj_buf_reset(&b);
	assert_int_equal(sj_buf_put(&b, x, 1), 0);
	assert_int_equal(sj_buf_put(&b, x, SIZE_MAX), -ENOSPC);
	assert_int_equal(b.len, 1);
	sj_buf_free(&b);
}

static void
test_little_endian(void **state)
{
	static const unsigned char want[] = {
		0xab,
		0x34, 0x12,
		0x78, 0x56, 0x34, 0x12,
		0xef, 0xcd, 0xab, 0x89, 0x67, 0x45, 0x23, 0x01,
	};
	struct sj_buf b;
	uint8_t	v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	assert_int_equal(sj_buf_init(&b, 64), 0);
	assert_int_equal(sj_buf_put_u8(&b, 0xab), 0);
	assert_int_equal(sj_buf_put_u16(&b, 0x1234), 0);
	assert_int_equal(sj_buf_put_u32(&b, 0x12345678), 0);
	assert_int_equal(sj_buf_put_u64(&b, 0x0123456789abcdefULL), 0);
	assert_int_equal(b.len, sizeof(want));
	assert_memory_equal(b.data, want, sizeof(want));

	assert_int_equal(sj_buf_get_u8(&b, &v8), 0);
	assert_int_equal(v8, 0xab);
	assert_int_equal(sj_buf_get_u16(&b, &v16), 0);
	assert_int_equal(v16, 0x1234);
	assert_int_equal(sj_buf_get_u32(&b, &v32), 0);
	assert_int_equal(v32, 0x12345678);
	assert_int_equal(sj_buf_get_u64(&b, &v64), 0);
	assert_true(v64 == 0x0123456789abcdefULL);
	assert_int_equal(sj_buf_left(&b), 0);

	/* Extremes. */
	sj_buf_reset(&b);
	assert_int_equal(sj_buf_put_u32(&b, UINT32_MAX), 0);
	assert_int_equal(sj_buf_put_u64(&b, UINT64_MAX), 0);
	assert_int_equal(sj_buf_get_u32(&b, &v32), 0);
	assert_int_equal(v32, UINT32_MAX);
	assert_int_equal(sj_buf_get_u64(&b, &v64), 0);
	assert_true(v64 == UINT64_MAX);
	sj_buf_free(&b);
}

/* Every get past the end fails and leaves the cursor alone. */
static void
test_get_past_end(void **state)
{
	static const unsigned char data[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct sj_buf b;
	unsigned char out[16];
	uint8_t	v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	sj_buf_wrap(&b, data, sizeof(data));
	assert_int_equal(sj_buf_get_u64(&b, &v64), -EBADMSG);
	assert_int_equal(b.pos, 0);
	assert_int_equal(sj_buf_get(&b, out, 8), -EBADMSG);
	assert_int_equal(sj_buf_get(&b, out, SIZE_MAX), -EBADMSG);
	assert_int_equal(b.pos, 0);
	assert_int_equal(sj_buf_get_u32(&b, &v32), 0);
	assert_int_equal(v32, 0x04030201);
	assert_int_equal(sj_buf_get_u32(&b, &v32), -EBADMSG);
	assert_int_equal(b.pos, 4);
	assert_int_equal(sj_buf_get_u16(&b, &v16), 0);
	assert_int_equal(sj_buf_get_u16(&b, &v16), -EBADMSG);
	assert_int_equal(b.pos, 6);
	assert_int_equal(sj_buf_get_u8(&b, &v8), 0);
	assert_int_equal(v8, 7);
	assert_int_equal(sj_buf_get_u8(&b, &v8), -EBADMSG);
	assert_int_equal(sj_buf_get(&b, out, 0), 0);
	assert_int_equal(sj_buf_left(&b), 0);

	/* Empty buffer. */
	sj_buf_wrap(&b, NULL, 0);
	assert_int_equal(sj_buf_get_u8(&b, &v8), -EBADMSG);
	assert_int_equal(sj_buf_get(&b, out, 0), 0);
}

/* A wrapped buffer is read-only and is not freed. */
static void
test_wrap_read_only(void **state)
{
	unsigned char data[8] = { 0 };
	struct sj_buf b;

	(void)state;
	sj_buf_wrap(&b, data, sizeof(data));
	assert_int_equal(b.borrowed, 1);
	assert_int_equal(sj_buf_left(&b), 8);
	assert_int_equal(sj_buf_put_u8(&b, 1), -ENOSPC);
	assert_int_equal(sj_buf_put(&b, "x", 0), -ENOSPC);
	assert_int_equal(sj_buf_put_str(&b, "", 8), -ENOSPC);
	assert_int_equal(data[0], 0);
	sj_buf_free(&b);		/* ASan: no free of stack memory */
	assert_null(b.data);
}

static void
test_put_str(void **state)
{
	struct sj_buf b;
	char	*big;

	(void)state;
	assert_int_equal(sj_buf_init(&b, 16), 0);
	assert_int_equal(sj_buf_put_str(&b, "abcd", 3), -EINVAL);
	assert_int_equal(b.len, 0);
	assert_int_equal(sj_buf_put_str(&b, "abcd", 4), 0);
	assert_int_equal(b.len, 6);
	assert_memory_equal(b.data, "\x04\x00" "abcd", 6);
	assert_int_equal(sj_buf_put_str(&b, "", 0), 0);
	assert_int_equal(b.len, 8);
	/* 8 left: 2 + 7 does not fit, and nothing is written. */
	assert_int_equal(sj_buf_put_str(&b, "1234567", 100), -ENOSPC);
	assert_int_equal(b.len, 8);
	assert_int_equal(sj_buf_put_str(&b, "123456", 100), 0);
	assert_int_equal(b.len, 16);
	sj_buf_free(&b);

	/* Longer than a u16 length can say. */
	big = malloc(70000);
	assert_non_null(big);
	memset(big, 'a', 69999);
	big[69999] = '\0';
	assert_int_equal(sj_buf_init(&b, 80000), 0);
	assert_int_equal(sj_buf_put_str(&b, big, SIZE_MAX), -EINVAL);
	assert_int_equal(b.len, 0);
	big[UINT16_MAX] = '\0';
	assert_int_equal(sj_buf_put_str(&b, big, SIZE_MAX), 0);
	assert_int_equal(b.len, 2 + UINT16_MAX);
	sj_buf_free(&b);
	free(big);
}

struct str_case {
	const char *name;
	const char *bytes;	/* u16 length + data, as on the wire */
	size_t	len;
	size_t	outsz;
	size_t	max;
	int	rc;
	const char *want;
};

#define W(s)	s, sizeof(s) - 1

static const struct str_case str_cases[] = {
	{ "plain", W("\x03\x00" "abc"), 8, 8, 0, "abc" },
	{ "empty", W("\x00\x00"), 1, 0, 0, "" },
	{ "exact max", W("\x03\x00" "abc"), 4, 3, 0, "abc" },
	{ "over max", W("\x04\x00" "abcd"), 8, 3, -EBADMSG, NULL },
	{ "over outsz", W("\x04\x00" "abcd"), 4, 100, -EBADMSG, NULL },
	{ "outsz 0", W("\x00\x00"), 0, 100, -EBADMSG, NULL },
	{ "past end", W("\x05\x00" "abcd"), 16, 16, -EBADMSG, NULL },
	{ "length past end", W("\xff\xff" "ab"), 16, 0xffff, -EBADMSG, NULL },
	{ "half length", W("\x01"), 16, 16, -EBADMSG, NULL },
	{ "no length", "", 0, 16, 16, -EBADMSG, NULL },
	{ "NUL first", W("\x03\x00" "\0bc"), 8, 8, -EBADMSG, NULL },
	{ "NUL inside", W("\x03\x00" "a\0c"), 8, 8, -EBADMSG, NULL },
	{ "NUL last", W("\x03\x00" "ab\0"), 8, 8, -EBADMSG, NULL },
	{ "8-bit ok", W("\x02\x00" "\xc3\xa9"), 8, 8, 0, "\xc3\xa9" },
};

static void
test_get_str(void **state)
{
	const struct str_case *c;
	unsigned char *exact;
	struct sj_buf b;
	char	out[128];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < NELEM(str_cases); i++) {
		c = &str_cases[i];
		/* Exact-size copy, so ASan sees a read past the end. */
		exact = malloc(c->len ? c->len : 1);
		assert_non_null(exact);
		memcpy(exact, c->bytes, c->len);
		sj_buf_wrap(&b, exact, c->len);
		memset(out, '#', sizeof(out));
		rc = sj_buf_get_str(&b, out, c->outsz, c->max);
		if (rc != c->rc)
			fail_msg("case \"%s\": rc %d, want %d", c->name, rc,
			    c->rc);
		if (rc == 0) {
			assert_string_equal(out, c->want);
			assert_int_equal(sj_buf_left(&b), 0);
		} else {
			/* Nothing consumed, nothing written. */
			if (b.pos != 0)
				fail_msg("case \"%s\": cursor moved to %zu",
				    c->name, b.pos);
			assert_int_equal(out[0], '#');
		}
		free(exact);
	}
}

/* Strings back to back, then the cursor continues after each. */
static void
test_str_sequence(void **state)
{
	struct sj_buf b;
	char	out[8];

	(void)state;
	assert_int_equal(sj_buf_init(&b, 32), 0);
	assert_int_equal(sj_buf_put_str(&b, "one", 7), 0);
	assert_int_equal(sj_buf_put_str(&b, "", 7), 0);
	assert_int_equal(sj_buf_put_str(&b, "three", 7), 0);
	assert_int_equal(sj_buf_get_str(&b, out, sizeof(out), 7), 0);
	assert_string_equal(out, "one");
	assert_int_equal(sj_buf_get_str(&b, out, sizeof(out), 7), 0);
	assert_string_equal(out, "");
	/* Too small an output: refused, then read with room. */
	assert_int_equal(sj_buf_get_str(&b, out, 5, 7), -EBADMSG);
	assert_int_equal(sj_buf_get_str(&b, out, sizeof(out), 7), 0);
	assert_string_equal(out, "three");
	assert_int_equal(sj_buf_left(&b), 0);
	assert_int_equal(sj_buf_get_str(&b, out, sizeof(out), 7), -EBADMSG);
	sj_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_put_capacity),
		cmocka_unit_test(test_little_endian),
		cmocka_unit_test(test_get_past_end),
		cmocka_unit_test(test_wrap_read_only),
		cmocka_unit_test(test_put_str),
		cmocka_unit_test(test_get_str),
		cmocka_unit_test(test_str_sequence),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

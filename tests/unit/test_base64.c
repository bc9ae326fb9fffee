/*
 * NAME
 *	test_base64 1
 * SUMMARY
 *	unit tests of the strict base64 codec
 * DESCRIPTION
 *	RFC 4648 section 10 test vectors both ways; round trips of every
 *	length 0..300 over all byte values; a table of malformed inputs
 *	(length, alphabet, misplaced or excess padding, non-zero filler
 *	bits) that must all be refused; buffer bounds of both directions;
 *	the 88-byte "time" blob of the real qmgr capture.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/base64.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base64.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static const struct vector {
	const char *plain;
	size_t	len;
	const char *coded;
} vectors[] = {
	{ "", 0, "" },
	{ "f", 1, "Zg==" },
	{ "fo", 2, "Zm8=" },
	{ "foo", 3, "Zm9v" },
	{ "foob", 4, "Zm9vYg==" },
	{ "fooba", 5, "Zm9vYmE=" },
	{ "foobar", 6, "Zm9vYmFy" },
	{ "\xff\xfe\xfd", 3, "//79" },
	{ "\x00", 1, "AA==" },
	{ "\xfb\xff", 2, "+/8=" },
};

static void
test_vectors(void **state)
{
	char	out[64];
	unsigned char dec[64];
	size_t	i, dlen;
	long	n;

	(void)state;
	for (i = 0; i < NELEM(vectors); i++) {
		const struct vector *v = &vectors[i];
		size_t	plen = v->len;

		n = base64_encode(out, sizeof(out), v->plain, plen);
		assert_int_equal(n, (long)strlen(v->coded));
		assert_string_equal(out, v->coded);
		assert_int_equal(base64_decode(dec, sizeof(dec), v->coded,
		    strlen(v->coded), &dlen), 0);
		assert_int_equal(dlen, plen);
		assert_memory_equal(dec, v->plain, plen);
	}
}

static void
test_roundtrip(void **state)
{
	unsigned char in[300], dec[300];
	char	out[BASE64_ENCODED_LEN(300) + 1];
	size_t	len, i, dlen;
	long	n;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 7 + 3);
	for (len = 0; len <= sizeof(in); len++) {
		n = base64_encode(out, sizeof(out), in, len);
		assert_int_equal(n, (long)BASE64_ENCODED_LEN(len));
		assert_int_equal(out[n], '\0');
		memset(dec, 0xaa, sizeof(dec));
		assert_int_equal(base64_decode(dec, sizeof(dec), out,
		    (size_t)n, &dlen), 0);
		assert_int_equal(dlen, len);
		assert_memory_equal(dec, in, len);
	}
}

static const char *const malformed[] = {
	"Z",		/* length not a multiple of 4 */
	"Zg=",
	"Zm9vY",
	"Zg=a",		/* data after padding */
	"Z===",		/* too much padding */
	"====",
	"=Zg=",
	"Zm8=Zm8=",	/* padding before the last group */
	"Zg==Zm9v",
	"Zh==",		/* non-zero filler bits */
	"Zm9=",
	"Zm 8",		/* outside the alphabet */
	"Zm-8",
	"Zm_8",
	"Zm9v\n",
	"Zm9\x80",
	"Zm9v\r\n==",
};

static void
test_malformed(void **state)
{
	unsigned char dec[64];
	size_t	i, dlen;

	(void)state;
	for (i = 0; i < NELEM(malformed); i++) {
		dlen = 99;
		assert_int_equal(base64_decode(dec, sizeof(dec), malformed[i],
		    strlen(malformed[i]), &dlen), -EINVAL);
		assert_int_equal(dlen, 0);
	}
	/* An embedded NUL is outside the alphabet too. */
	assert_int_equal(base64_decode(dec, sizeof(dec), "Zm\0v", 4, &dlen),
	    -EINVAL);
}

static void
test_bounds(void **state)
{
	char	out[9];
	unsigned char dec[8];
	size_t	dlen;

	(void)state;
	/* "foobar" needs 8 characters and a NUL. */
	assert_int_equal(base64_encode(out, 8, "foobar", 6), -ENOSPC);
	assert_int_equal(base64_encode(out, 9, "foobar", 6), 8);
	assert_int_equal(base64_encode(out, 0, "", 0), -ENOSPC);
	/* Decoding 6 bytes into 5. */
	assert_int_equal(base64_decode(dec, 5, "Zm9vYmFy", 8, &dlen),
	    -ENOSPC);
	assert_int_equal(base64_decode(dec, 6, "Zm9vYmFy", 8, &dlen), 0);
	assert_int_equal(dlen, 6);
	assert_int_equal(base64_decode(dec, 0, "", 0, &dlen), 0);
	assert_int_equal(dlen, 0);
}

/* The "time" attribute of the qmgr request captured in test_dreq.c. */
#define CAPTURE_TIME \
	"E6cEawAAAABjOw0AAAAAABOnBGsAAAAAUAQOAAAA" \
	"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" \
	"AAAAAAAAAAAAAAA=="

static void
test_time_blob(void **state)
{
	unsigned char dec[100];
	char	again[200];
	size_t	dlen;

	(void)state;
	assert_int_equal(strlen(CAPTURE_TIME), 120);
	assert_int_equal(base64_decode(dec, sizeof(dec), CAPTURE_TIME,
	    strlen(CAPTURE_TIME), &dlen), 0);
	assert_int_equal(dlen, 88);
	/* incoming_arrival.tv_sec, little-endian. */
	assert_int_equal(dec[0] | dec[1] << 8 | dec[2] << 16 |
	    (uint32_t)dec[3] << 24, 1795467027u);
	assert_int_equal(base64_encode(again, sizeof(again), dec, dlen), 120);
	assert_string_equal(again, CAPTURE_TIME);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bounds),
		cmocka_unit_test(test_time_blob),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

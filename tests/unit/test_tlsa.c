/*
 * NAME
 *	test_tlsa 1
 * SUMMARY
 *	unit tests for child/tlsa.c and child/dnssec_query.c
 * DESCRIPTION
 *	Builds DNS answers byte by byte (a small writer below) and checks
 *	what tlsa_answer_parse() keeps: TLSA records of the name, CNAMEs
 *	followed, the AD bit and the echoed DO bit, NXDOMAIN, SERVFAIL,
 *	and malformed answers (truncated, pointer loops, two OPTs). Then
 *	the usability rules (RFC 7672: usages 2 and 3 only; digest
 *	lengths; full data that decodes), tls_dane_digests parsing,
 *	the DO query dnssec_query_build() writes, and the AD trust rule.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "dnssec_query.h"
#include "tlsa.h"

struct wr {
	unsigned char b[65536];
	size_t	n;
};

static void
put8(struct wr *w, unsigned v)
{
	assert_true(w->n < sizeof(w->b));
	w->b[w->n++] = (unsigned char)v;
}

static void
put16(struct wr *w, unsigned v)
{
	put8(w, v >> 8);
	put8(w, v & 0xff);
}

static void
put32(struct wr *w, uint32_t v)
{
	put16(w, v >> 16);
	put16(w, v & 0xffff);
}

static void
putname(struct wr *w, const char *name)
{
	unsigned char wire[256];
	int	n = tlsa_name_to_wire(name, wire, sizeof(wire));

	assert_true(n > 0);
	memcpy(w->b + w->n, wire, (size_t)n);
	w->n += (size_t)n;
}

/* Header: flags3 holds AD and RCODE. */
static void
header(struct wr *w, unsigned flags3, unsigned qd, unsigned an, unsigned ns,
    unsigned ar)
{
	w->n = 0;
	put16(w, 0x1234);
	put8(w, 0x81);				/* QR, RD */
	put8(w, flags3 | 0x80);			/* RA */
	put16(w, qd);
	put16(w, an);
	put16(w, ns);
	put16(w, ar);
}

static void
question(struct wr *w, const char *name)
{
	putname(w, name);
	put16(w, TLSA_T_TLSA);
	put16(w, TLSA_C_IN);
}

static void
rr_tlsa(struct wr *w, const char *owner, unsigned u, unsigned s, unsigned m,
    const unsigned char *data, size_t len, uint32_t ttl)
{
	if (owner)
		putname(w, owner);
	else
		put16(w, 0xc00c);		/* the question's name */
	put16(w, TLSA_T_TLSA);
	put16(w, TLSA_C_IN);
	put32(w, ttl);
	put16(w, (unsigned)(3 + len));
	put8(w, u);
	put8(w, s);
	put8(w, m);
	memcpy(w->b + w->n, data, len);
	w->n += len;
}

static void
rr_opt(struct wr *w, int dobit)
{
	put8(w, 0);
	put16(w, TLSA_T_OPT);
	put16(w, 1232);
	put8(w, 0);
	put8(w, 0);
	put8(w, dobit ? 0x80 : 0);
	put8(w, 0);
	put16(w, 0);
}

#define QN	"_25._tcp.mx.example.test"

static const unsigned char d32[32] = {1, 2, 3};

static struct tlsa_set set;

static void
test_answer_secure(void **state)
{
	struct wr w;

	(void)state;
	header(&w, 0x20, 1, 2, 0, 1);
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	rr_tlsa(&w, "_25._TCP.MX.Example.test", 2, 0, 1, d32, 32, 100);
	rr_opt(&w, 1);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set), TLSA_OK);
	assert_int_equal(set.count, 2);
	assert_true(set.ad);
	assert_true(set.edns_do);
	assert_int_equal(set.ttl, 100);
	assert_int_equal(set.rr[0].usage, 3);
	assert_int_equal(set.rr[0].len, 32);
	assert_memory_equal(set.data + set.rr[1].off, d32, 32);
	assert_true(dnssec_answer_secure(&set, 1));
	assert_false(dnssec_answer_secure(&set, 0));
}

static void
test_answer_not_validated(void **state)
{
	struct wr w;

	(void)state;
	/* AD without OPT: c-ares' EDNS fallback resent without DO. */
	header(&w, 0x20, 1, 1, 0, 0);
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set), TLSA_OK);
	assert_true(set.ad);
	assert_false(set.edns_do);
	assert_false(dnssec_answer_secure(&set, 1));
	/* DO echoed, no AD. */
	header(&w, 0x00, 1, 1, 0, 1);
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	rr_opt(&w, 1);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set), TLSA_OK);
	assert_false(dnssec_answer_secure(&set, 1));
}

static void
test_answer_cname(void **state)
{
	struct wr w;
	size_t	rdlen_at;

	(void)state;
	header(&w, 0x20, 1, 3, 0, 1);
	question(&w, QN);
	put16(&w, 0xc00c);
	put16(&w, TLSA_T_CNAME);
	put16(&w, TLSA_C_IN);
	put32(&w, 60);
	rdlen_at = w.n;
	put16(&w, 0);
	putname(&w, "_25._tcp.other.test");
	w.b[rdlen_at + 1] = (unsigned char)(w.n - rdlen_at - 2);
	rr_tlsa(&w, "_25._tcp.other.test", 3, 1, 1, d32, 32, 60);
	/* A record of another owner is not ours. */
	rr_tlsa(&w, "_25._tcp.third.test", 3, 1, 1, d32, 32, 60);
	rr_opt(&w, 1);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set), TLSA_OK);
	assert_int_equal(set.count, 1);
}

static void
test_answer_classes(void **state)
{
	struct wr w;

	(void)state;
	header(&w, 0x20 | 3, 1, 0, 0, 1);	/* NXDOMAIN */
	question(&w, QN);
	rr_opt(&w, 1);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set),
	    TLSA_NOTFOUND);
	assert_true(set.ad);
	header(&w, 0x20, 1, 0, 0, 1);		/* NODATA */
	question(&w, QN);
	rr_opt(&w, 1);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set),
	    TLSA_NOTFOUND);
	header(&w, 2, 1, 0, 0, 0);		/* SERVFAIL */
	question(&w, QN);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set), TLSA_RETRY);
}

static void
test_answer_malformed(void **state)
{
	struct wr w;
	size_t	full;

	(void)state;
	header(&w, 0x20, 1, 1, 0, 1);
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	rr_opt(&w, 1);
	full = w.n;
	/* Every truncation is refused, never read past. */
	for (size_t n = 0; n < full; n++)
		assert_int_equal(tlsa_answer_parse(w.b, n, QN, &set),
		    TLSA_MALFORMED);
	/* A pointer to itself. */
	header(&w, 0x20, 1, 1, 0, 0);
	question(&w, QN);
	put16(&w, 0xc000 | (unsigned)w.n);
	assert_int_equal(tlsa_answer_parse(w.b, w.n + 10, QN, &set),
	    TLSA_MALFORMED);
	/* Two OPT records (RFC 6891 6.1.1). */
	header(&w, 0x20, 1, 0, 0, 2);
	question(&w, QN);
	rr_opt(&w, 1);
	rr_opt(&w, 1);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set),
	    TLSA_MALFORMED);
	/* rdata shorter than the three fixed octets: dropped, counted. */
	header(&w, 0x20, 1, 1, 0, 0);
	question(&w, QN);
	put16(&w, 0xc00c);
	put16(&w, TLSA_T_TLSA);
	put16(&w, TLSA_C_IN);
	put32(&w, 1);
	put16(&w, 2);
	put16(&w, 0x0301);
	assert_int_equal(tlsa_answer_parse(w.b, w.n, QN, &set), TLSA_OK);
	assert_int_equal(set.count, 0);
	assert_int_equal(set.dropped, 1);
}

static void
test_answer_arena(void **state)
{
	static struct wr big;
	unsigned char data[4000];

	(void)state;
	memset(data, 0x30, sizeof(data));
	/* 5 x 4000 octets: the fifth does not fit TLSA_DATA_MAX. */
	header(&big, 0x20, 1, 5, 0, 0);
	question(&big, QN);
	for (int i = 0; i < 5; i++)
		rr_tlsa(&big, NULL, 3, 0, 0, data, sizeof(data), 1);
	assert_int_equal(tlsa_answer_parse(big.b, big.n, QN, &set), TLSA_OK);
	assert_int_equal(set.count, 4);
	assert_int_equal(set.dropped, 1);
	assert_int_equal(set.used, 16000);
}

static void
test_usable(void **state)
{
	struct tlsa_digests dg;
	struct tlsa_rr rr;
	char	why[TLSA_WHY_MAX];
	unsigned char d64[64] = {0};

	(void)state;
	assert_int_equal(tlsa_digests_parse("sha512 sha256", &dg, why,
	    sizeof(why)), 0);
	set.used = 0;
	set.count = 0;
	memcpy(set.data, d64, 64);
	set.used = 64;
	rr.off = 0;
	rr.usage = 3;
	rr.selector = 1;
	rr.mtype = 1;
	rr.len = 32;
	assert_true(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	rr.len = 31;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	assert_string_equal(why, "malformed sha256 digest, length 31, in RR: "
	    "x IN TLSA 3 1 1 ...");
	rr.mtype = 2;
	rr.len = 64;
	assert_true(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	rr.mtype = 3;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	assert_string_equal(why, "unsupported matching type 3 in RR: "
	    "x IN TLSA 3 1 3 ...");
	rr.mtype = 1;
	rr.len = 32;
	rr.usage = 1;				/* PKIX-EE: RFC 7672 3.1.3 */
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	assert_string_equal(why, "unsupported certificate usage 1 in RR: "
	    "x IN TLSA 1 ...");
	rr.usage = 0;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	rr.usage = 2;
	rr.selector = 2;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	assert_string_equal(why, "unsupported selector 2 in RR: "
	    "x IN TLSA 2 2 ...");
	/* Full data that is not DER. */
	rr.selector = 1;
	rr.mtype = 0;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	assert_string_equal(why, "malformed public key in RR: "
	    "x IN TLSA 2 1 0 ...");
	assert_int_equal(ERR_peek_error(), 0);	/* not left for TLS */
	rr.selector = 0;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	/* Only sha256 configured: sha512 records are unusable. */
	assert_int_equal(tlsa_digests_parse("sha256", &dg, why, sizeof(why)),
	    0);
	rr.selector = 1;
	rr.mtype = 2;
	rr.len = 64;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
}

static void
test_usable_spki(void **state)
{
	struct tlsa_digests dg;
	struct tlsa_rr rr;
	char	why[TLSA_WHY_MAX];
	EVP_PKEY *k = EVP_EC_gen("P-256");
	unsigned char *p;
	int	n;

	(void)state;
	assert_non_null(k);
	assert_int_equal(tlsa_digests_parse("sha256", &dg, why, sizeof(why)),
	    0);
	p = set.data;
	n = i2d_PUBKEY(k, &p);
	assert_true(n > 0 && n < 200);
	set.used = (size_t)n;
	rr.off = 0;
	rr.len = (uint16_t)n;
	rr.usage = 3;
	rr.selector = 1;
	rr.mtype = 0;
	assert_true(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	/* Trailing octet after the key: refused as Postfix does. */
	set.data[n] = 0;
	set.used++;
	rr.len++;
	assert_false(tlsa_rr_usable(&set, &rr, &dg, "x", why, sizeof(why)));
	EVP_PKEY_free(k);
}

static void
test_digests(void **state)
{
	struct tlsa_digests dg;
	char	why[TLSA_WHY_MAX];

	(void)state;
	assert_int_equal(tlsa_digests_parse("sha512, sha256", &dg, why,
	    sizeof(why)), 0);
	assert_int_equal(dg.count, 2);
	assert_int_equal(dg.d[0].mtype, 2);
	assert_int_equal(dg.d[1].mtype, 1);
	assert_int_equal(tlsa_digests_parse("sha256=1 =2", &dg, why,
	    sizeof(why)), 0);
	assert_int_equal(dg.d[1].mtype, 2);
	assert_int_equal(tlsa_digests_parse("sha256=2", &dg, why,
	    sizeof(why)), -EINVAL);
	assert_string_equal(why, "Non-standard value in tls_dane_digests: "
	    "sha256=2");
	assert_int_equal(tlsa_digests_parse("sha256 sha256", &dg, why,
	    sizeof(why)), -EINVAL);
	assert_string_equal(why, "Duplicate element in tls_dane_digests: "
	    "sha256");
	assert_int_equal(tlsa_digests_parse("md5", &dg, why, sizeof(why)),
	    -EINVAL);
	assert_int_equal(tlsa_digests_parse("sha256=x", &dg, why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(tlsa_digests_parse("", &dg, why, sizeof(why)),
	    -EINVAL);
}

static void
test_answer_validated(void **state)
{
	struct wr w;

	(void)state;
	header(&w, 0x20, 1, 1, 0, 1);
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	rr_opt(&w, 1);
	assert_true(dnssec_answer_validated(w.b, w.n, 1));
	assert_false(dnssec_answer_validated(w.b, w.n, 0));
	for (size_t n = 0; n < w.n; n++)
		assert_false(dnssec_answer_validated(w.b, n, 1));
	header(&w, 0x20, 1, 1, 0, 1);
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	rr_opt(&w, 0);				/* DO not echoed */
	assert_false(dnssec_answer_validated(w.b, w.n, 1));
	header(&w, 0x20, 1, 1, 0, 0);		/* no OPT: EDNS fallback */
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	assert_false(dnssec_answer_validated(w.b, w.n, 1));
	header(&w, 0x00, 1, 1, 0, 1);		/* no AD */
	question(&w, QN);
	rr_tlsa(&w, NULL, 3, 1, 1, d32, 32, 300);
	rr_opt(&w, 1);
	assert_false(dnssec_answer_validated(w.b, w.n, 1));
}

static void
test_query_build(void **state)
{
	unsigned char q[DNSSEC_QUERY_MAX];
	static const unsigned char want[] = {
		0, 0, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, 1,
		3, '_', '2', '5', 4, '_', 't', 'c', 'p', 2, 'm', 'x', 4,
		't', 'e', 's', 't', 0,
		0, 52, 0, 1,
		0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0,
	};
	int	n;

	(void)state;
	n = dnssec_query_build("_25._tcp.MX.test", TLSA_T_TLSA, q, sizeof(q));
	assert_int_equal(n, sizeof(want));
	assert_memory_equal(q, want, sizeof(want));
	/* The OPT record is the last 11 octets: what c-ares cuts off. */
	assert_int_equal(q[n - 11], 0);
	assert_int_equal(dnssec_query_build("a..b", 1, q, sizeof(q)),
	    -EINVAL);
	assert_int_equal(dnssec_query_build(".", 1, q, sizeof(q)), -EINVAL);
	assert_int_equal(dnssec_query_build("a", 1, q, 10), -EINVAL);
}

static void
test_trust_rule(void **state)
{
	(void)state;
	assert_true(dnssec_ad_trusted("127.0.0.1:53", 0));
	assert_true(dnssec_ad_trusted("127.0.0.53:53,[::1]:53", 0));
	assert_true(dnssec_ad_trusted("", 0));
	assert_true(dnssec_ad_trusted("::1", 0));
	assert_false(dnssec_ad_trusted("192.0.2.1:53", 0));
	assert_false(dnssec_ad_trusted("127.0.0.1:53,192.0.2.1:53", 0));
	assert_false(dnssec_ad_trusted("[2001:db8::1]:53", 0));
	assert_false(dnssec_ad_trusted("[::1", 0));
	assert_true(dnssec_ad_trusted("192.0.2.1:53", 1));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answer_secure),
		cmocka_unit_test(test_answer_not_validated),
		cmocka_unit_test(test_answer_cname),
		cmocka_unit_test(test_answer_classes),
		cmocka_unit_test(test_answer_malformed),
		cmocka_unit_test(test_answer_arena),
		cmocka_unit_test(test_usable),
		cmocka_unit_test(test_usable_spki),
		cmocka_unit_test(test_digests),
		cmocka_unit_test(test_answer_validated),
		cmocka_unit_test(test_query_build),
		cmocka_unit_test(test_trust_rule),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_cfg_tls 1
 * SUMMARY
 *	unit tests of the smtp_tls_* parameters (parent/cfg_tls.c) and of
 *	the TLS log lines the parent formats (parent/tls_log.c)
 * DESCRIPTION
 *	Tables of main.cf settings and what they must become: the level
 *	(with the obsolete smtp_use_tls, smtp_enforce_tls and
 *	smtp_tls_enforce_peername), the protocol bounds, the cipher list
 *	with its exclusions per level, the fingerprints, the log mask, and
 *	the settings refused at start with the reason. Then TLS_INFO
 *	fields and the exact line Postfix 3.7 logs for them.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/cfg_tls.c, parent/tls_log.c, Postfix src/tls/tls_misc.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include "cfg_params.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_tls.h"
#include "tls_log.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))
#define NSET		4

struct cfg_case {
	const char *name;
	const char *set[NSET];		/* "name=value" */
	int	rc;			/* 0 or -EINVAL */
	const char *why;		/* substring of why[] on failure */
	int	level;
	const char *cipherlist;		/* exact, NULL = not checked */
	unsigned exclude;
	int	min_version;
	unsigned log_mask;
};

#define FP "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:" \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"

static const struct cfg_case cfg_cases[] = {
	{ "default: none", { NULL }, 0, NULL, SJ_TLS_LEV_NONE, NULL, 0,
	    TLS1_VERSION, 0 },
	{ "smtp_use_tls = yes: may", { "smtp_use_tls=yes" }, 0, NULL,
	    SJ_TLS_LEV_MAY, "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH", 0,
	    TLS1_VERSION, 0 },
	{ "smtp_enforce_tls = yes: verify", { "smtp_enforce_tls=yes" }, 0,
	    NULL, SJ_TLS_LEV_VERIFY,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!aNULL", 0, TLS1_VERSION,
	    SJ_TLS_LOG_UNTRUSTED },
	{ "smtp_enforce_tls, no peername: encrypt", { "smtp_enforce_tls=yes",
	    "smtp_tls_enforce_peername=no" }, 0, NULL, SJ_TLS_LEV_ENCRYPT,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!eNULL", 0, TLS1_VERSION,
	    0 },
	{ "level wins over smtp_use_tls", { "smtp_use_tls=yes",
	    "smtp_tls_security_level=none" }, 0, NULL, SJ_TLS_LEV_NONE, NULL,
	    0, TLS1_VERSION, 0 },
	{ "encrypt, exclusions, high, loglevel 1", {
	    "smtp_tls_security_level=encrypt",
	    "smtp_tls_exclude_ciphers=RC4, 3DES",
	    "smtp_tls_mandatory_ciphers=high", "smtp_tls_loglevel=1" }, 0,
	    NULL, SJ_TLS_LEV_ENCRYPT,
	    "aNULL:-aNULL:HIGH:@STRENGTH:!RC4:!3DES:!eNULL", 0, TLS1_VERSION,
	    SJ_TLS_LOG_SUMMARY },
	{ "may ignores the mandatory settings", {
	    "smtp_tls_security_level=may",
	    "smtp_tls_mandatory_protocols=TLSv1.3",
	    "smtp_tls_mandatory_exclude_ciphers=AES",
	    "smtp_tls_protocols=!SSLv2, !SSLv3, !TLSv1" }, 0, NULL,
	    SJ_TLS_LEV_MAY, "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH",
	    SJ_TLS_P_SSLv2 | SJ_TLS_P_SSLv3 | SJ_TLS_P_TLSv1, 0, 0 },
	{ "secure: mandatory protocols, loglevel 2", {
	    "smtp_tls_security_level=secure",
	    "smtp_tls_mandatory_protocols=TLSv1.2 TLSv1.3",
	    "smtp_tls_loglevel=2" }, 0, NULL, SJ_TLS_LEV_SECURE, NULL,
	    SJ_TLS_P_SSLv2 | SJ_TLS_P_SSLv3 | SJ_TLS_P_TLSv1 | SJ_TLS_P_TLSv1_1,
	    0, SJ_TLS_LOG_SUMMARY | SJ_TLS_LOG_UNTRUSTED | SJ_TLS_LOG_PEERCERT |
	    SJ_TLS_LOG_VERBOSE | SJ_TLS_LOG_CACHE },
	{ "fingerprint with one sha256", { "smtp_tls_security_level="
	    "fingerprint", "smtp_tls_fingerprint_cert_match=" FP }, 0, NULL,
	    SJ_TLS_LEV_FPRINT, NULL, 0, TLS1_VERSION, SJ_TLS_LOG_UNTRUSTED },
	{ "dane: mandatory settings, untrusted logged", {
	    "smtp_tls_security_level=dane" }, 0, NULL, SJ_TLS_LEV_DANE,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!aNULL", 0, TLS1_VERSION,
	    SJ_TLS_LOG_UNTRUSTED },
	{ "dane-only", { "smtp_tls_security_level=dane-only" }, 0, NULL,
	    SJ_TLS_LEV_DANE_ONLY, NULL, 0, TLS1_VERSION, SJ_TLS_LOG_UNTRUSTED },
	{ "half-dane is not a configured level", {
	    "smtp_tls_security_level=half-dane" }, -EINVAL,
	    "invalid TLS level \"half-dane\"", 0, NULL, 0, 0, 0 },
	/* Refused. */
	{ "dane: bad tls_dane_digests", { "smtp_tls_security_level=dane",
	    "tls_dane_digests=md5" }, -EINVAL, "tls_dane_digests", 0, NULL,
	    0, 0, 0 },
	{ "dane: bad insecure MX policy", { "smtp_tls_security_level=dane",
	    "smtp_tls_dane_insecure_mx_policy=maybe" }, -EINVAL,
	    "invalid smtp_tls_dane_insecure_mx_policy value: \"maybe\"", 0,
	    NULL, 0, 0, 0 },
	{ "unknown level", { "smtp_tls_security_level=maybe" }, -EINVAL,
	    "invalid TLS level \"maybe\"", 0, NULL, 0, 0, 0 },
	/* The table is read per job (parent/tls_policy.c, test_tls_policy). */
	{ "policy maps accepted at level none",
	    { "smtp_tls_policy_maps=hash:/etc/x" }, 0, NULL, SJ_TLS_LEV_NONE,
	    NULL, 0, TLS1_VERSION, 0 },
	{ "DSA client certificate refused", { "smtp_tls_dcert_file=/etc/c.pem" },
	    -EINVAL, "smtp_tls_dcert_file", 0, NULL, 0, 0, 0 },
	{ "wrappermode below encrypt refused", { "smtp_tls_wrappermode=yes",
	    "smtp_tls_security_level=may" }, -EINVAL,
	    "smtp_tls_wrappermode requires \"smtp_tls_security_level = "
	    "encrypt\" (or stronger)", 0, NULL, 0, 0, 0 },
	{ "wrappermode at encrypt", { "smtp_tls_wrappermode=yes",
	    "smtp_tls_security_level=encrypt" }, 0, NULL, SJ_TLS_LEV_ENCRYPT,
	    NULL, 0, TLS1_VERSION, 0 },
	{ "fingerprint without any", { "smtp_tls_security_level="
	    "fingerprint" }, -EINVAL, "no fingerprints", 0, NULL, 0, 0, 0 },
	{ "fingerprint too short", { "smtp_tls_security_level=fingerprint",
	    "smtp_tls_fingerprint_cert_match=AB:CD" }, -EINVAL,
	    "malformed sha256 fingerprint \"AB:CD\"", 0, NULL, 0, 0, 0 },
	{ "bad protocol", { "smtp_tls_security_level=encrypt",
	    "smtp_tls_mandatory_protocols=TLSv9" }, -EINVAL,
	    "Invalid TLS protocol list", 0, NULL, 0, 0, 0 },
	{ "bad grade", { "smtp_tls_security_level=may",
	    "smtp_tls_ciphers=strong" }, -EINVAL, "invalid cipher grade", 0,
	    NULL, 0, 0, 0 },
	{ "unary in exclusion", { "smtp_tls_security_level=may",
	    "smtp_tls_exclude_ciphers=!RC4" }, -EINVAL, "invalid unary", 0,
	    NULL, 0, 0, 0 },
	{ "bad loglevel", { "smtp_tls_loglevel=loud" }, -EINVAL,
	    "smtp_tls_loglevel", 0, NULL, 0, 0, 0 },
	/* Accepted: the cache is the child's own (child/tls_sesscache.c). */
	{ "session cache database accepted", {
	    "smtp_tls_session_cache_database=btree:/var/lib/x" }, 0, NULL,
	    SJ_TLS_LEV_NONE, NULL, 0, TLS1_VERSION, 0 },
};

static void
test_config(void **state)
{
	struct sj_tls_config t;
	char	why[512];
	size_t	i, j;
	int	rc;

	(void)state;
	for (i = 0; i < NELEM(cfg_cases); i++) {
		const struct cfg_case *c = &cfg_cases[i];
		struct sj_params *p = sj_params_new();

		assert_non_null(p);
		assert_int_equal(sj_params_set(p, "compatibility_level", "3.6"),
		    0);
		for (j = 0; j < NSET && c->set[j] != NULL; j++) {
			const char *eq = strchr(c->set[j], '=');
			char	name[128];

			assert_non_null(eq);
			snprintf(name, sizeof(name), "%.*s",
			    (int)(eq - c->set[j]), c->set[j]);
			assert_int_equal(sj_params_set(p, name, eq + 1), 0);
		}
		why[0] = '\0';
		rc = sj_tls_config_load(&t, p, why, sizeof(why));
		sj_params_free(p);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->name, rc, c->rc,
			    why);
		if (rc < 0) {
			if (strstr(why, c->why) == NULL)
				fail_msg("%s: why \"%s\" lacks \"%s\"", c->name,
				    why, c->why);
			continue;
		}
		if (t.level != c->level)
			fail_msg("%s: level %d, want %d", c->name, t.level,
			    c->level);
		if (c->cipherlist && strcmp(t.cipherlist, c->cipherlist) != 0)
			fail_msg("%s: cipher list \"%s\", want \"%s\"",
			    c->name, t.cipherlist, c->cipherlist);
		if (t.protos.exclude != c->exclude ||
		    t.protos.min_version != c->min_version)
			fail_msg("%s: protocols exclude 0x%x min 0x%x, want "
			    "0x%x 0x%x", c->name, t.protos.exclude,
			    t.protos.min_version, c->exclude, c->min_version);
		if (t.log_mask != c->log_mask)
			fail_msg("%s: log mask 0x%x, want 0x%x", c->name,
			    t.log_mask, c->log_mask);
		if (t.level == SJ_TLS_LEV_FPRINT && (t.nfpt != 1 ||
		    t.fpt_len[0] != 32 || t.fpt[0][0] != 0xab ||
		    t.fpt[0][31] != 0x89))
			fail_msg("%s: fingerprint not decoded", c->name);
	}
}

/*
 * dane and dane-only carry the set of a server lowered to "may" (Postfix
 * 3.7 smtp_tls_policy.c policy_create(): protocols and cipher grade are
 * chosen after dane_init(), from the level it leaves), and a connection
 * picks it only then (sj_tls_level_protos(), sj_tls_level_ciphers()).
 */
static void
test_dane_may(void **state)
{
	static const char *const set[][2] = {
		{ "smtp_tls_mandatory_protocols", ">=TLSv1.3" },
		{ "smtp_tls_protocols", ">=TLSv1.2" },
		{ "smtp_tls_mandatory_ciphers", "high" },
		{ "smtp_tls_ciphers", "medium" },
		{ "smtp_tls_mandatory_exclude_ciphers", "RC4" },
		{ "smtp_tls_exclude_ciphers", "MD5" },
	};
	static const char *const levels[] = { "dane", "dane-only", "encrypt" };
	struct sj_tls_config t;
	struct sj_params *p;
	char	why[512];
	size_t	i, j;

	(void)state;
	for (i = 0; i < NELEM(levels); i++) {
		assert_non_null(p = sj_params_new());
		assert_int_equal(sj_params_set(p, "compatibility_level", "3.6"),
		    0);
		assert_int_equal(sj_params_set(p, "smtp_tls_security_level",
		    levels[i]), 0);
		for (j = 0; j < NELEM(set); j++)
			assert_int_equal(sj_params_set(p, set[j][0],
			    set[j][1]), 0);
		why[0] = '\0';
		if (sj_tls_config_load(&t, p, why, sizeof(why)) != 0)
			fail_msg("%s: %s", levels[i], why);
		sj_params_free(p);
		/* The configured level: mandatory, whatever the server. */
		assert_int_equal(t.protos.min_version, TLS1_3_VERSION);
		assert_string_equal(t.cipherlist, i < 2 ?
		    "aNULL:-aNULL:HIGH:@STRENGTH:!MD5:!RC4:!aNULL" :
		    "aNULL:-aNULL:HIGH:@STRENGTH:!MD5:!RC4:!eNULL");
		assert_ptr_equal(sj_tls_level_protos(&t, t.level), &t.protos);
		assert_ptr_equal(sj_tls_level_ciphers(&t, SJ_TLS_LEV_ENCRYPT),
		    t.cipherlist);
		assert_ptr_equal(sj_tls_level_protos(&t, SJ_TLS_LEV_HALF_DANE),
		    &t.protos);
		if (i == 2) {
			/* Not a DANE level: nothing lowers it to may. */
			assert_false(sj_tls_use_may(&t, SJ_TLS_LEV_MAY));
			assert_ptr_equal(sj_tls_level_protos(&t,
			    SJ_TLS_LEV_MAY), &t.protos);
			assert_string_equal(t.may_cipherlist, t.cipherlist);
			continue;
		}
		/* Lowered to may: smtp_tls_protocols, smtp_tls_ciphers and
		 * smtp_tls_exclude_ciphers only (set_cipher_grade()). */
		assert_true(sj_tls_use_may(&t, SJ_TLS_LEV_MAY));
		assert_int_equal(t.may_protos.min_version, TLS1_2_VERSION);
		assert_ptr_equal(sj_tls_level_protos(&t, SJ_TLS_LEV_MAY),
		    &t.may_protos);
		assert_string_equal(sj_tls_level_ciphers(&t, SJ_TLS_LEV_MAY),
		    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!MD5");
	}
}

/* The parent's lines, captured. */
static struct cap {
	int	n;
	char	last[2048];
} cap;

static void
cap_sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)lvl;
	(void)ctx;
	cap.n++;
	snprintf(cap.last, sizeof(cap.last), "%s", text);
}

struct log_case {
	const char *name;
	struct ipc_tls_info info;
	unsigned mask;
	const char *line;		/* NULL: nothing logged */
};

#define PEER	"mx.example.test[192.0.2.1]:25"

static const struct log_case log_cases[] = {
	{ "summary, TLS 1.3, RSA", { .event = SJ_TLS_EV_ESTABLISHED,
	    .trust = SJ_TLS_TRUST_VERIFIED, .usebits = 256, .algbits = 256,
	    .sig_bits = 2048, .peer = PEER, .protocol = "TLSv1.3",
	    .cipher = "TLS_AES_256_GCM_SHA384", .kex_name = "X25519",
	    .sig_name = "RSA-PSS", .sig_dgst = "SHA256" }, SJ_TLS_LOG_SUMMARY,
	    "Verified TLS connection established to " PEER ": TLSv1.3 with "
	    "cipher TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 "
	    "server-signature RSA-PSS (2048 bits) server-digest SHA256" },
	{ "summary, ECDSA with a curve", { .event = SJ_TLS_EV_ESTABLISHED,
	    .trust = SJ_TLS_TRUST_UNTRUSTED, .usebits = 128, .algbits = 128,
	    .peer = PEER, .protocol = "TLSv1.3",
	    .cipher = "TLS_AES_128_GCM_SHA256", .kex_name = "ECDHE",
	    .kex_curve = "prime256v1", .sig_name = "ECDSA",
	    .sig_curve = "prime256v1", .sig_dgst = "SHA256" },
	    SJ_TLS_LOG_SUMMARY, "Untrusted TLS connection established to "
	    PEER ": TLSv1.3 with cipher TLS_AES_128_GCM_SHA256 (128/128 "
	    "bits) key-exchange ECDHE (prime256v1) server-signature ECDSA "
	    "(prime256v1) server-digest SHA256" },
	{ "summary, TLS 1.2, anonymous", { .event = SJ_TLS_EV_ESTABLISHED,
	    .trust = SJ_TLS_TRUST_ANON, .usebits = 256, .algbits = 256,
	    .peer = PEER, .protocol = "TLSv1.2",
	    .cipher = "ECDHE-RSA-AES256-GCM-SHA384" }, SJ_TLS_LOG_SUMMARY,
	    "Anonymous TLS connection established to " PEER ": TLSv1.2 with "
	    "cipher ECDHE-RSA-AES256-GCM-SHA384 (256/256 bits)" },
	{ "summary at loglevel 0", { .event = SJ_TLS_EV_ESTABLISHED,
	    .trust = SJ_TLS_TRUST_TRUSTED, .peer = PEER, .protocol = "TLSv1.3",
	    .cipher = "X" }, 0, NULL },
	{ "self-signed", { .event = SJ_TLS_EV_VERIFY_FAIL,
	    .verify_err = X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
	    .peer = PEER }, SJ_TLS_LOG_UNTRUSTED,
	    "certificate verification failed for " PEER ": self-signed "
	    "certificate" },
	{ "untrusted issuer", { .event = SJ_TLS_EV_VERIFY_FAIL,
	    .verify_err = X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
	    .peer = PEER, .issuer = "/CN=Some CA" }, SJ_TLS_LOG_UNTRUSTED,
	    "certificate verification failed for " PEER ": untrusted issuer "
	    "/CN=Some CA" },
	{ "expired", { .event = SJ_TLS_EV_VERIFY_FAIL,
	    .verify_err = X509_V_ERR_CERT_HAS_EXPIRED, .peer = PEER },
	    SJ_TLS_LOG_UNTRUSTED, "server certificate verification failed for "
	    PEER ": certificate has expired" },
	{ "CA expired", { .event = SJ_TLS_EV_VERIFY_FAIL,
	    .verify_err = X509_V_ERR_CERT_HAS_EXPIRED, .verify_depth = 1,
	    .peer = PEER }, SJ_TLS_LOG_UNTRUSTED, "CA certificate "
	    "verification failed for " PEER ": certificate has expired" },
	{ "hostname mismatch", { .event = SJ_TLS_EV_VERIFY_FAIL,
	    .verify_err = X509_V_ERR_HOSTNAME_MISMATCH, .peer = PEER },
	    SJ_TLS_LOG_UNTRUSTED, "server certificate verification failed for "
	    PEER ": num=62:hostname mismatch" },
	{ "verify failure at may", { .event = SJ_TLS_EV_VERIFY_FAIL,
	    .verify_err = X509_V_ERR_CERT_HAS_EXPIRED, .peer = PEER },
	    SJ_TLS_LOG_SUMMARY, NULL },
	{ "connect: status", { .event = SJ_TLS_EV_CONNECT_ERR,
	    .conn_kind = SJ_TLS_CERR_STATUS, .conn_code = (uint32_t)-1,
	    .peer = PEER }, 0, "SSL_connect error to " PEER ": -1" },
	{ "connect: lost", { .event = SJ_TLS_EV_CONNECT_ERR,
	    .conn_kind = SJ_TLS_CERR_LOST, .peer = PEER }, 0,
	    "SSL_connect error to " PEER ": lost connection" },
	{ "connect: errno", { .event = SJ_TLS_EV_CONNECT_ERR,
	    .conn_kind = SJ_TLS_CERR_ERRNO, .conn_code = ECONNRESET,
	    .peer = PEER }, 0, "SSL_connect error to " PEER ": Connection "
	    "reset by peer" },
	{ "connect: errno out of range", { .event = SJ_TLS_EV_CONNECT_ERR,
	    .conn_kind = SJ_TLS_CERR_ERRNO, .conn_code = 99999,
	    .peer = PEER }, 0, "SSL_connect error to " PEER ": Unknown error" },
	{ "library error with data", { .event = SJ_TLS_EV_LIBERR,
	    .lib_err = 0x0A00042EU, .lib_line = 1601, .lib_has_data = 1,
	    .lib_file = "../ssl/record/rec_layer_s3.c",
	    .lib_data = "SSL alert number 70" }, 0,
	    "TLS library problem: error:0A00042E:SSL routines::tlsv1 alert "
	    "protocol version:../ssl/record/rec_layer_s3.c:1601:SSL alert "
	    "number 70:" },
	{ "library error without data", { .event = SJ_TLS_EV_LIBERR,
	    .lib_err = 0x0A00010BU, .lib_line = 354,
	    .lib_file = "../ssl/record/ssl3_record.c" }, 0,
	    "TLS library problem: error:0A00010B:SSL routines::wrong version "
	    "number:../ssl/record/ssl3_record.c:354:" },
	{ "peer certificate at loglevel 2", { .event = SJ_TLS_EV_PEERCERT,
	    .peer = PEER, .subject_cn = "mx.example.test", .issuer = "CA",
	    .fprint = "AB:CD", .pkey_fprint = "EF:01" }, SJ_TLS_LOG_PEERCERT,
	    PEER ": subject_CN=mx.example.test, issuer_CN=CA, "
	    "fingerprint=AB:CD, pkey_fingerprint=EF:01" },
	/* dane: the parent words the policy warnings (Postfix 3.7). */
	{ "policy: no TLSA", { .event = SJ_TLS_EV_POLICY,
	    .conn_code = SJ_TLS_POL_NO_TLSA, .peer = "example.test",
	    .host = "mx.example.test", .verify_depth = 25 }, 0,
	    "TLS policy lookup for example.test/mx.example.test: no TLSA "
	    "records found" },
	{ "policy: insecure MX", { .event = SJ_TLS_EV_POLICY,
	    .conn_code = SJ_TLS_POL_NONDNSSEC, .peer = "example.test",
	    .host = "mx.example.test" }, 0, "TLS policy lookup for "
	    "example.test/mx.example.test: non DNSSEC destination" },
	{ "policy: lookup error", { .event = SJ_TLS_EV_POLICY,
	    .conn_code = SJ_TLS_POL_LOOKUP_ERR, .peer = "example.test",
	    .host = "mx.example.test", .verify_depth = 2525 }, 0,
	    "TLS policy lookup for example.test/mx.example.test: TLSA lookup "
	    "error for mx.example.test:2525" },
	{ "policy: dnssec lookups off", { .event = SJ_TLS_EV_POLICY,
	    .conn_code = SJ_TLS_POL_NO_DNSSEC, .peer = "example.test",
	    .host = "mx.example.test" }, 0, "example.test: dane configured "
	    "with dnssec lookups disabled" },
};

static void
test_log(void **state)
{
	struct sj_tls_config t;
	size_t	i;

	(void)state;
	/* The parent has OpenSSL's texts when TLS is on (tls_prepare()). */
	OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS |
	    OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL);
	msg_set_sink(cap_sink, NULL);
	for (i = 0; i < NELEM(log_cases); i++) {
		const struct log_case *c = &log_cases[i];

		memset(&t, 0, sizeof(t));
		t.log_mask = c->mask;
		cap.n = 0;
		cap.last[0] = '\0';
		assert_int_equal(tls_log_info(&t, &c->info), 0);
		if (c->line == NULL) {
			if (cap.n != 0)
				fail_msg("%s: logged \"%s\"", c->name,
				    cap.last);
			continue;
		}
		if (cap.n != 1 || strcmp(cap.last, c->line) != 0)
			fail_msg("%s: logged %d lines, last \"%s\"\n  want "
			    "\"%s\"", c->name, cap.n, cap.last, c->line);
	}
	/* A reason number the parent does not know: refused, not logged. */
	{
		struct ipc_tls_info bad = { .event = SJ_TLS_EV_POLICY,
		    .conn_code = 99, .peer = "example.test",
		    .host = "mx.example.test" };

		memset(&t, 0, sizeof(t));
		cap.n = 0;
		assert_int_equal(tls_log_info(&t, &bad), -EINVAL);
		assert_int_equal(cap.n, 0);
	}
	msg_set_sink(NULL, NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_dane_may),
		cmocka_unit_test(test_log),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

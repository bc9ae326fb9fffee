/*
 * NAME
 *	test_tls_policy 1
 * SUMMARY
 *	unit tests of smtp_tls_policy_maps (parent/tls_policy.c), its child
 *	side (child/tls_jobpol.c) and the TLS session cache
 *	(child/tls_sesscache.c)
 * DESCRIPTION
 *	The lookup order of Postfix 3.7 smtp_tls_policy.c against an
 *	inline: table (the nexthop as is, then the parent domains with a
 *	leading dot, one lookup only for "[host]:port" forms, folded keys,
 *	the first error stops); a table of entries and what they become
 *	(level, cipher list, protocols, match names, fingerprints, SNI) or
 *	the warning Postfix logs for them before the deferral; the
 *	TLS_POLICY message built from a policy, through the codec, to the
 *	child's copy; the connection cache keyed on the policy; the
 *	session cache offering a session only under its own key.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/tls_policy.c, child/tls_jobpol.c, child/tls_sesscache.c,
 *	Postfix src/smtp/smtp_tls_policy.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "cfg_params.h"
#include "conn_cache.h"
#include "dict.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_sys.h"
#include "sj_tls.h"
#include "tls.h"
#include "tls_jobpol.h"
#include "tls_policy.h"
#include "tls_sesscache.h"

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* The last warnings logged (msg(3) sink). */
static struct {
	char	text[4096];
} seen;

static void
sink(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN) {
		size_t	used = strlen(seen.text);

		snprintf(seen.text + used, sizeof(seen.text) - used, "%s\n",
		    text);
	}
}

static struct sj_params *params;
static struct sj_tls_config global;

#define FP1 "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:" \
	"AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
#define FP2 "0123456789abcdef0123456789abcdef" \
	"0123456789abcdef0123456789abcdef"

static int
setup(void **state)
{
	char	why[512];

	(void)state;
	msg_set_sink(sink, NULL);
	params = sj_params_new();
	assert_non_null(params);
	assert_int_equal(sj_params_set(params, "compatibility_level", "3.6"),
	    0);
	assert_int_equal(sj_params_set(params, "smtp_tls_policy_maps",
	    "inline:{x=y}"), 0);
	assert_int_equal(sj_params_set(params, "smtp_tls_loglevel", "1"), 0);
	assert_int_equal(sj_params_set(params,
	    "smtp_tls_mandatory_exclude_ciphers", "RC4"), 0);
	assert_int_equal(sj_params_set(params,
	    "smtp_tls_session_cache_database", "btree:${data_directory}/x"),
	    0);
	if (sj_tls_config_load(&global, params, why, sizeof(why)) < 0)
		fail_msg("global: %s", why);
	assert_int_equal(global.level, SJ_TLS_LEV_NONE);
	assert_true(global.enabled);
	assert_int_equal(global.sess_cache_timeout, 3600);
	if (tls_policy_config(params, &global, 0, 10, why, sizeof(why)) < 0)
		fail_msg("policy config: %s", why);
	return (0);
}

static int
teardown(void **state)
{
	(void)state;
	tls_policy_set_maps(NULL);
	sj_params_free(params);
	return (0);
}

/* ------------------------------------------------------------------ */

static void
use_table(const char *spec)
{
	static const struct dict_env env = { "", "proxymap", 10, "private" };
	struct dict_maps *m;
	char	why[512];

	m = dict_maps_open("smtp_tls_policy_maps", spec,
	    DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX, &env, why, sizeof(why));
	if (m == NULL)
		fail_msg("%s: %s", spec, why);
	tls_policy_set_maps(m);
}

static const struct order_case {
	const char *nexthop;
	int	rc;
	int	level;
	const char *warn;		/* substring of the warnings, or NULL */
} order_cases[] = {
	{ "example.com", 1, SJ_TLS_LEV_ENCRYPT, NULL },
	{ "Example.COM", 1, SJ_TLS_LEV_ENCRYPT, NULL },
	/* parent domains, with the leading dot, nearest first */
	{ "mx.example.com", 1, SJ_TLS_LEV_SECURE, NULL },
	{ "a.b.example.com", 1, SJ_TLS_LEV_SECURE, NULL },
	{ "host.example.net", 1, SJ_TLS_LEV_VERIFY, NULL },
	/* explicit nexthops: one lookup, exactly as written */
	{ "[mx.example.com]:587", 1, SJ_TLS_LEV_MAY, NULL },
	{ "[mx.example.com]", 0, SJ_TLS_LEV_NONE, NULL },
	{ "[a.example.com]:587", 0, SJ_TLS_LEV_NONE, NULL },
	{ "example.com:2525", 1, SJ_TLS_LEV_NONE, NULL },
	{ "other.org", 0, SJ_TLS_LEV_NONE, NULL },
	/* an invalid entry stops the search and defers */
	{ "bad.org", -1, SJ_TLS_LEV_NONE, "smtp_tls_policy_maps, next-hop "
	    "destination \"bad.org\": invalid security level \"bogus\"" },
	{ "x.bad.org", 1, SJ_TLS_LEV_ENCRYPT, NULL },
	{ "dane.org", 1, SJ_TLS_LEV_DANE, NULL },
};

static void
test_lookup_order(void **state)
{
	struct sj_tls_config job;
	size_t	i;
	int	rc;

	(void)state;
	use_table("inline:{ example.com=encrypt, .example.com=secure, "
	    "{[mx.example.com]:587 = may}, .net=verify, "
	    "{example.com:2525 = none}, bad.org=bogus, .bad.org=encrypt, "
	    "dane.org=dane }");
	for (i = 0; i < NELEM(order_cases); i++) {
		const struct order_case *c = &order_cases[i];

		seen.text[0] = '\0';
		job = global;
		rc = tls_policy_lookup(c->nexthop, &job);
		if (rc != c->rc)
			fail_msg("%s: rc %d, want %d (%s)", c->nexthop, rc,
			    c->rc, seen.text);
		if (job.level != c->level)
			fail_msg("%s: level %d, want %d", c->nexthop, job.level,
			    c->level);
		if (c->warn != NULL && strstr(seen.text, c->warn) == NULL)
			fail_msg("%s: warnings \"%s\" lack \"%s\"", c->nexthop,
			    seen.text, c->warn);
		if (c->warn == NULL && seen.text[0] != '\0')
			fail_msg("%s: unexpected warning \"%s\"", c->nexthop,
			    seen.text);
	}
	tls_policy_set_maps(NULL);
	job = global;
	assert_int_equal(tls_policy_lookup("example.com", &job), 0);
}

/* ------------------------------------------------------------------ */

static const struct apply_case {
	const char *value;
	int	rc;
	const char *warn;		/* substring on failure or warning */
	int	level;
	const char *cipherlist;		/* exact, NULL: not checked */
	unsigned exclude;		/* protocol bits that must be set */
	int	min_version;
	const char *match;		/* exact, NULL: not checked */
	const char *sni;		/* exact, NULL: not checked */
	size_t	nfpt;
} apply_cases[] = {
	{ "encrypt", 0, NULL, SJ_TLS_LEV_ENCRYPT,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!RC4:!eNULL",
	    0, TLS1_VERSION, "", "", 0 },
	{ "may protocols=!SSLv2:!SSLv3:!TLSv1 ciphers=high", 0, NULL,
	    SJ_TLS_LEV_MAY, "aNULL:-aNULL:HIGH:@STRENGTH",
	    SJ_TLS_P_SSLv2 | SJ_TLS_P_SSLv3 | SJ_TLS_P_TLSv1, 0, NULL, NULL,
	    0 },
	{ "encrypt { protocols = >=TLSv1.2 }", 0, NULL, SJ_TLS_LEV_ENCRYPT,
	    NULL, 0, TLS1_2_VERSION, NULL, NULL, 0 },
	{ "encrypt, exclude=3DES:SHA1", 0, NULL, SJ_TLS_LEV_ENCRYPT,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!3DES:!SHA1:!eNULL", 0,
	    TLS1_VERSION, NULL, NULL, 0 },
	{ "secure match=mx.example.com:.example.net match=nexthop", 0, NULL,
	    SJ_TLS_LEV_SECURE, "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!RC4:"
	    "!aNULL", 0, TLS1_VERSION, "mx.example.com:.example.net:nexthop",
	    NULL, 0 },
	{ "verify", 0, NULL, SJ_TLS_LEV_VERIFY, NULL, 0, TLS1_VERSION,
	    "hostname", NULL, 0 },
	{ "secure", 0, NULL, SJ_TLS_LEV_SECURE, NULL, 0, TLS1_VERSION,
	    "nexthop, dot-nexthop", NULL, 0 },
	{ "secure servername=mx.example.net", 0, NULL, SJ_TLS_LEV_SECURE,
	    NULL, 0, TLS1_VERSION, NULL, "mx.example.net", 0 },
	{ "encrypt servername=hostname", 0, NULL, SJ_TLS_LEV_ENCRYPT, NULL, 0,
	    TLS1_VERSION, NULL, "hostname", 0 },
	{ "fingerprint match=" FP1 "|" FP2, 0, NULL, SJ_TLS_LEV_FPRINT, NULL,
	    0, TLS1_VERSION, "", NULL, 2 },
	{ "fingerprint match=" FP1 " match=" FP2, 0, NULL, SJ_TLS_LEV_FPRINT,
	    NULL, 0, TLS1_VERSION, "", NULL, 2 },
	{ "encrypt connection_reuse=no", 0, NULL, SJ_TLS_LEV_ENCRYPT, NULL,
	    0, TLS1_VERSION, NULL, NULL, 0 },
	{ "NONE ciphers=high", 0, "ignoring attribute \"ciphers=high\" with "
	    "TLS disabled", SJ_TLS_LEV_NONE, NULL, 0, 0, NULL, NULL, 0 },
	/* Postfix's refusals, its words */
	{ "", -1, "W: invalid empty policy", 0, NULL, 0, 0, NULL, NULL, 0 },
	{ "bogus", -1, "W: invalid security level \"bogus\"", 0, NULL, 0, 0,
	    NULL, NULL, 0 },
	{ "encrypt foo=bar", -1, "W: invalid attribute name: \"foo\"", 0,
	    NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt ciphers=high ciphers=low", -1, "W: attribute \"ciphers\" "
	    "is specified multiple times", 0, NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt ciphers=", -1, "W: attribute \"ciphers\" has empty value",
	    0, NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt match=mx.example.com", -1, "W: attribute \"match\" invalid "
	    "at security level \"encrypt\"", 0, NULL, 0, 0, NULL, NULL, 0 },
	{ "verify servername=-bad-", -1, "W: \"servername=-bad-\" specifies "
	    "an invalid hostname", 0, NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt connection_reuse=maybe", -1, "W: attribute "
	    "\"connection_reuse\" has bad value: \"maybe\"", 0, NULL, 0, 0,
	    NULL, NULL, 0 },
	{ "encrypt novalue", -1, "W: malformed attribute/value pair "
	    "\"novalue\": missing '=' after attribute name", 0, NULL, 0, 0,
	    NULL, NULL, 0 },
	{ "encrypt {protocols=TLSv1.2", -1, "malformed attribute/value pair",
	    0, NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt ciphers=bogus", -1, "invalid cipher grade: \"bogus\"", 0,
	    NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt protocols=TLSv9", -1, "Invalid TLS protocol list", 0, NULL,
	    0, 0, NULL, NULL, 0 },
	{ "fingerprint match=zz:yy", -1, "malformed sha256 fingerprint", 0,
	    NULL, 0, 0, NULL, NULL, 0 },
	/* dane, dane-only: the child resolves them per server */
	{ "dane", 0, NULL, SJ_TLS_LEV_DANE,
	    "aNULL:-aNULL:HIGH:MEDIUM:+RC4:@STRENGTH:!RC4:!aNULL", 0,
	    TLS1_VERSION, "", NULL, 0 },
	{ "dane-only protocols=>=TLSv1.2", 0, NULL, SJ_TLS_LEV_DANE_ONLY,
	    NULL, 0, TLS1_2_VERSION, "", NULL, 0 },
	{ "half-dane", -1, "invalid security level \"half-dane\"", 0, NULL,
	    0, 0, NULL, NULL, 0 },
	{ "dane match=mx.example.com", -1, "attribute \"match\" invalid at "
	    "security level \"dane\"", 0, NULL, 0, 0, NULL, NULL, 0 },
	/* tafile=: verify and secure only, the file read now */
	{ "dane tafile=/etc/postfix/ta.pem", -1, "attribute \"tafile\" "
	    "invalid at security level \"dane\"", 0, NULL, 0, 0, NULL, NULL,
	    0 },
	{ "secure tafile=/nonexistent/ta.pem", -1, "error opening trust "
	    "anchor file: /nonexistent/ta.pem: No such file or directory", 0,
	    NULL, 0, 0, NULL, NULL, 0 },
	{ "verify tafile=", -1, "attribute \"tafile\" has empty value", 0,
	    NULL, 0, 0, NULL, NULL, 0 },
	{ "encrypt tafile=/etc/postfix/ta.pem", -1, "attribute \"tafile\" "
	    "invalid at security level \"encrypt\"", 0, NULL, 0, 0, NULL, NULL,
	    0 },
};

static void
test_apply(void **state)
{
	struct sj_tls_config job;
	char	warn[4096];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < NELEM(apply_cases); i++) {
		const struct apply_case *c = &apply_cases[i];

		job = global;
		warn[0] = seen.text[0] = '\0';
		rc = tls_policy_apply("W", c->value, &job, warn, sizeof(warn));
		if (rc != c->rc)
			fail_msg("\"%s\": rc %d, want %d (%s)", c->value, rc,
			    c->rc, warn);
		if (rc < 0) {
			if (strstr(warn, c->warn) == NULL)
				fail_msg("\"%s\": warning \"%s\" lacks \"%s\"",
				    c->value, warn, c->warn);
			continue;
		}
		if (c->warn != NULL && strstr(seen.text, c->warn) == NULL)
			fail_msg("\"%s\": warnings \"%s\" lack \"%s\"",
			    c->value, seen.text, c->warn);
		if (job.level != c->level)
			fail_msg("\"%s\": level %d, want %d", c->value,
			    job.level, c->level);
		if (c->cipherlist != NULL &&
		    strcmp(job.cipherlist, c->cipherlist) != 0)
			fail_msg("\"%s\": cipher list \"%s\", want \"%s\"",
			    c->value, job.cipherlist, c->cipherlist);
		if ((job.protos.exclude & c->exclude) != c->exclude)
			fail_msg("\"%s\": protocol exclusions 0x%x lack 0x%x",
			    c->value, job.protos.exclude, c->exclude);
		if (c->level > SJ_TLS_LEV_NONE &&
		    job.protos.min_version != c->min_version)
			fail_msg("\"%s\": min version 0x%x, want 0x%x",
			    c->value, job.protos.min_version, c->min_version);
		if (c->match != NULL && strcmp(job.match, c->match) != 0)
			fail_msg("\"%s\": match \"%s\", want \"%s\"", c->value,
			    job.match, c->match);
		if (c->sni != NULL && strcmp(job.servername, c->sni) != 0)
			fail_msg("\"%s\": servername \"%s\", want \"%s\"",
			    c->value, job.servername, c->sni);
		if (job.nfpt != c->nfpt)
			fail_msg("\"%s\": %zu fingerprints, want %zu", c->value,
			    job.nfpt, c->nfpt);
		/* verification failures are logged where the level matches */
		assert_int_equal(!!(job.log_mask & SJ_TLS_LOG_UNTRUSTED),
		    SJ_TLS_MUST_MATCH(c->level));
		assert_int_equal(job.enabled, c->level > SJ_TLS_LEV_NONE);
	}
}

/* ------------------------------------------------------------------ */

/*
 * dane entries: the set a server lowered to "may" uses (Postfix 3.7
 * smtp_tls_policy.c policy_create(): protocols and grade follow
 * dane_init()); an entry's protocols=, ciphers= and exclude= are kept
 * whatever the level; the set crosses the codec to the child's copy.
 */
static void
test_dane_may(void **state)
{
	struct sj_tls_config job, job2;
	struct ipc_msg m;
	const struct sj_tls_config *t;
	unsigned char id1[32], id2[32];
	char	why[512], warn[1024];

	(void)state;
	job = global;
	assert_int_equal(tls_policy_apply("W", "dane protocols=>=TLSv1.3 "
	    "ciphers=high exclude=MD5", &job, warn, sizeof(warn)), 0);
	assert_int_equal(job.protos.min_version, TLS1_3_VERSION);
	assert_int_equal(job.may_protos.min_version, TLS1_3_VERSION);
	assert_string_equal(job.cipherlist,
	    "aNULL:-aNULL:HIGH:@STRENGTH:!MD5:!aNULL");
	assert_string_equal(job.may_cipherlist, "aNULL:-aNULL:HIGH:@STRENGTH:!MD5");
	assert_true(sj_tls_use_may(&job, SJ_TLS_LEV_MAY));
	/* Not a DANE level: copies. */
	job2 = global;
	assert_int_equal(tls_policy_apply("W", "encrypt protocols=>=TLSv1.3",
	    &job2, warn, sizeof(warn)), 0);
	assert_string_equal(job2.may_cipherlist, job2.cipherlist);
	assert_int_equal(job2.may_protos.min_version, TLS1_3_VERSION);
	assert_false(sj_tls_use_may(&job2, SJ_TLS_LEV_MAY));

	if (tls_prepare(&global, why, sizeof(why)) < 0)
		fail_msg("tls_prepare: %s", why);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_TLS_POLICY;
	m.fd = -1;
	assert_int_equal(tls_policy_to_ipc(&job, 11, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	assert_int_equal(m.u.tls_policy.may_proto_min, TLS1_3_VERSION);
	assert_int_equal(tls_jobpol_set(&m.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_begin(11), 0);
	t = tls_config();
	assert_string_equal(t->may_cipherlist, job.may_cipherlist);
	assert_memory_equal(&t->may_protos, &job.may_protos,
	    sizeof(t->may_protos));
	assert_ptr_equal(sj_tls_level_ciphers(t, SJ_TLS_LEV_MAY),
	    t->may_cipherlist);
	assert_ptr_equal(sj_tls_level_ciphers(t, SJ_TLS_LEV_DANE),
	    t->cipherlist);
	tls_jobpol_id(id1);
	tls_jobpol_end();
	/* The same but for the "may" list: another connection key. */
	snprintf(job.may_cipherlist, sizeof(job.may_cipherlist), "%s",
	    "aNULL:-aNULL:HIGH:@STRENGTH");
	assert_int_equal(tls_policy_to_ipc(&job, 12, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	assert_int_equal(tls_jobpol_set(&m.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_begin(12), 0);
	tls_jobpol_id(id2);
	tls_jobpol_end();
	assert_memory_not_equal(id1, id2, 32);
	tls_release();
}

/* ------------------------------------------------------------------ */

/* The parent's policy, through the codec, to the child's copy. */
static void
test_to_child(void **state)
{
	struct sj_tls_config job, job2;
	unsigned char buf[SJ_IPC_MSG_MAX], id1[32], id2[32], id0[32];
	struct ipc_msg m, d;
	const struct sj_tls_config *t;
	char	why[512], warn[1024];
	ssize_t	n;

	(void)state;
	if (tls_prepare(&global, why, sizeof(why)) < 0)
		fail_msg("tls_prepare: %s", why);
	tls_jobpol_id(id0);
	job = global;
	assert_int_equal(tls_policy_apply("W", "fingerprint protocols="
	    ">=TLSv1.2 servername=mx.example.net match=" FP1 "|" FP2, &job,
	    warn, sizeof(warn)), 0);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_TLS_POLICY;
	m.fd = -1;
	assert_int_equal(tls_policy_to_ipc(&job, 7, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	n = ipc_msg_encode(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ipc_msg_decode(IPC_P2C, buf, (size_t)n, -1, &d, why,
	    sizeof(why)), 0);

	/* Kept for its own DELIVER only, once. */
	assert_int_equal(tls_jobpol_set(&d.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_set(&d.u.tls_policy), -1);
	assert_int_equal(tls_jobpol_begin(8), -1);
	assert_true(tls_config() == tls_config_global());
	assert_int_equal(tls_jobpol_set(&d.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_begin(7), 0);
	t = tls_config();
	assert_int_equal(t->level, SJ_TLS_LEV_FPRINT);
	assert_string_equal(t->cipherlist, job.cipherlist);
	assert_string_equal(t->servername, "mx.example.net");
	assert_int_equal(t->protos.min_version, TLS1_2_VERSION);
	assert_int_equal(t->nfpt, 2);
	assert_memory_equal(t->fpt[0], job.fpt[0], 32);
	assert_memory_equal(t->fpt[1], job.fpt[1], 32);
	assert_int_equal(t->fpt_len[1], 32);
	tls_jobpol_id(id1);
	tls_jobpol_end();
	assert_true(tls_config() == tls_config_global());
	/* Another policy, another connection cache key. */
	job2 = global;
	assert_int_equal(tls_policy_apply("W", "encrypt", &job2, warn,
	    sizeof(warn)), 0);
	assert_int_equal(tls_policy_to_ipc(&job2, 9, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	assert_int_equal(tls_jobpol_set(&m.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_begin(9), 0);
	tls_jobpol_id(id2);
	tls_jobpol_end();
	assert_memory_not_equal(id1, id2, 32);
	assert_memory_not_equal(id0, id2, 32);
	/* A job without TLS_POLICY: main.cf's policy and key. */
	assert_int_equal(tls_jobpol_begin(10), 0);
	tls_jobpol_id(id2);
	assert_memory_equal(id0, id2, 32);
	tls_jobpol_end();
	tls_release();
}

/*
 * connection_reuse=: the entry's choice over smtp_tls_connection_reuse
 * (the last one wins, as Postfix's), carried to the child by
 * TLS_POLICY; the two choices give two connection cache keys.
 */
static void
test_conn_reuse(void **state)
{
	static const struct {
		int	global;			/* smtp_tls_connection_reuse */
		const char *value;
		int	want;
	} cases[] = {
		{ 0, "encrypt", 0 },
		{ 1, "encrypt", 1 },
		{ 0, "encrypt connection_reuse=yes", 1 },
		{ 1, "encrypt connection_reuse=no", 0 },
		{ 0, "verify connection_reuse=yes connection_reuse=no", 0 },
		{ 0, "secure connection_reuse=no, connection_reuse=YES", 1 },
	};
	unsigned char buf[SJ_IPC_MSG_MAX], id[2][32];
	struct sj_tls_config job;
	struct ipc_msg m, d;
	char	why[512], warn[1024];
	size_t	i;
	ssize_t	n;

	(void)state;
	if (tls_prepare(&global, why, sizeof(why)) < 0)
		fail_msg("tls_prepare: %s", why);
	for (i = 0; i < NELEM(cases); i++) {
		job = global;
		job.conn_reuse = cases[i].global;
		if (tls_policy_apply("W", cases[i].value, &job, warn,
		    sizeof(warn)) < 0)
			fail_msg("\"%s\": %s", cases[i].value, warn);
		if (job.conn_reuse != cases[i].want)
			fail_msg("\"%s\" (main.cf %d): conn_reuse %d, want %d",
			    cases[i].value, cases[i].global, job.conn_reuse,
			    cases[i].want);
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_TLS_POLICY;
		m.fd = -1;
		assert_int_equal(tls_policy_to_ipc(&job, 20 + (uint32_t)i,
		    &m.u.tls_policy, why, sizeof(why)), 0);
		n = ipc_msg_encode(&m, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(ipc_msg_decode(IPC_P2C, buf, (size_t)n, -1,
		    &d, why, sizeof(why)), 0);
		assert_int_equal(tls_jobpol_set(&d.u.tls_policy), 0);
		assert_int_equal(tls_jobpol_begin(20 + (uint32_t)i), 0);
		assert_int_equal(tls_config()->conn_reuse, cases[i].want);
		if (i < 2)
			tls_jobpol_id(id[i]);
		tls_jobpol_end();
	}
	/* "encrypt" with and without reuse: never the same key. */
	assert_memory_not_equal(id[0], id[1], 32);
	/* Any other value is refused (ipc/ipc_msg_check.c, which the
	 * encoder and the child's decoder both run). */
	m.u.tls_policy.conn_reuse = 2;
	assert_true(ipc_msg_encode(&m, buf, sizeof(buf)) < 0);
	tls_release();
}

/*
 * tafile=: the anchors of the file go to the child as TLS_ANCHORs after
 * the TLS_POLICY, through the codec; the child takes them in order and
 * only as many as announced, and the DELIVER waits for all of them.
 */
static void
test_tafile_to_child(void **state)
{
	char	path[] = "/tmp/sj_tls_policy_ta.XXXXXX", why[512];
	char	warn[1024], value[128];
	unsigned char buf[SJ_IPC_MSG_MAX], id0[32], id1[32];
	struct sj_tls_config job;
	struct ipc_msg m, d, a[2];
	const struct sj_tls_config *t;
	X509_NAME *nm;
	EVP_PKEY *key;
	X509	*cert;
	FILE	*fp;
	uint32_t i;
	ssize_t	n;
	int	fd;

	(void)state;
	assert_non_null(key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"));
	assert_non_null(cert = X509_new());
	X509_set_version(cert, 2);
	X509_gmtime_adj(X509_getm_notBefore(cert), 0);
	X509_gmtime_adj(X509_getm_notAfter(cert), 86400);
	nm = X509_get_subject_name(cert);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
	    (const unsigned char *)"TA", -1, -1, 0);
	X509_set_issuer_name(cert, nm);
	X509_set_pubkey(cert, key);
	assert_true(X509_sign(cert, key, EVP_sha256()) > 0);
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(fp = fdopen(fd, "w"));
	assert_int_equal(PEM_write_X509(fp, cert), 1);
	assert_int_equal(PEM_write_PUBKEY(fp, key), 1);
	assert_int_equal(fclose(fp), 0);

	if (tls_prepare(&global, why, sizeof(why)) < 0)
		fail_msg("tls_prepare: %s", why);
	tls_jobpol_id(id0);
	job = global;
	snprintf(value, sizeof(value), "secure tafile=%s match=nexthop", path);
	if (tls_policy_apply("W", value, &job, warn, sizeof(warn)) < 0)
		fail_msg("%s: %s", value, warn);
	assert_non_null(job.ta);
	assert_int_equal(job.ta->n, 2);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_TLS_POLICY;
	m.fd = -1;
	assert_int_equal(tls_policy_to_ipc(&job, 7, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	assert_int_equal(m.u.tls_policy.ta_count, 2);
	for (i = 0; i < 2; i++) {
		memset(&m, 0, sizeof(m));
		m.type = IPC_T_TLS_ANCHOR;
		m.fd = -1;
		assert_int_equal(tls_policy_anchor_to_ipc(&job, 7, i,
		    &m.u.tls_anchor), 0);
		n = ipc_msg_encode(&m, buf, sizeof(buf));
		assert_true(n > 0);
		assert_int_equal(ipc_msg_decode(IPC_P2C, buf, (size_t)n, -1,
		    &a[i], why, sizeof(why)), 0);
	}
	assert_int_equal(tls_policy_anchor_to_ipc(&job, 7, 2,
	    &m.u.tls_anchor), -1);
	memset(&m, 0, sizeof(m));
	m.type = IPC_T_TLS_POLICY;
	m.fd = -1;
	assert_int_equal(tls_policy_to_ipc(&job, 7, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	n = ipc_msg_encode(&m, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(ipc_msg_decode(IPC_P2C, buf, (size_t)n, -1, &d, why,
	    sizeof(why)), 0);

	/* Not announced, out of order, missing: refused. */
	assert_int_equal(tls_jobpol_anchor(&a[0].u.tls_anchor), -1);
	assert_int_equal(tls_jobpol_set(&d.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_anchor(&a[1].u.tls_anchor), -1);
	assert_int_equal(tls_jobpol_anchor(&a[0].u.tls_anchor), 0);
	assert_int_equal(tls_jobpol_begin(7), -1);
	tls_jobpol_end();
	/* In order: the job's policy has the file's anchors. */
	assert_int_equal(tls_jobpol_set(&d.u.tls_policy), 0);
	assert_int_equal(tls_jobpol_anchor(&a[0].u.tls_anchor), 0);
	assert_int_equal(tls_jobpol_anchor(&a[1].u.tls_anchor), 0);
	assert_int_equal(tls_jobpol_anchor(&a[1].u.tls_anchor), -1);
	assert_int_equal(tls_jobpol_begin(7), 0);
	t = tls_config();
	assert_int_equal(t->level, SJ_TLS_LEV_SECURE);
	assert_non_null(t->ta);
	assert_int_equal(t->ta->n, 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(t->ta->a[i].kind, job.ta->a[i].kind);
		assert_int_equal(t->ta->a[i].len, job.ta->a[i].len);
		assert_memory_equal(t->ta->a[i].der, job.ta->a[i].der,
		    job.ta->a[i].len);
	}
	assert_int_equal(t->ta->a[0].kind, SJ_TLS_TA_CERT);
	assert_int_equal(t->ta->a[1].kind, SJ_TLS_TA_PKEY);
	/* Other anchors, another connection cache key. */
	tls_jobpol_id(id1);
	assert_memory_not_equal(id0, id1, 32);
	tls_jobpol_end();
	/* Without tafile=: main.cf's anchors (none here), none sent. */
	job = global;
	assert_int_equal(tls_policy_apply("W", "secure", &job, warn,
	    sizeof(warn)), 0);
	assert_null(job.ta);
	assert_int_equal(tls_policy_to_ipc(&job, 8, &m.u.tls_policy, why,
	    sizeof(why)), 0);
	assert_int_equal(m.u.tls_policy.ta_count, 0);
	/* Over the IPC bound: the entry is refused with the reason (the
	 * job is deferred 4.7.5), main.cf's policy kept. */
	assert_non_null(fp = fopen(path, "w"));
	for (i = 0; i <= SJ_TLS_TA_MAX; i++)
		assert_int_equal(PEM_write_X509(fp, cert), 1);
	assert_int_equal(fclose(fp), 0);
	job = global;
	assert_int_equal(tls_policy_apply("W", value, &job, warn,
	    sizeof(warn)), -1);
	assert_non_null(strstr(warn, "more than 16 trust anchors "
	    "(smtpjail's limit)"));
	tls_release();
	unlink(path);
	X509_free(cert);
	EVP_PKEY_free(key);
}

/* A clear-text session is taken only under the policy it was made. */
static void
test_conn_cache_policy(void **state)
{
	unsigned char a[CONN_CACHE_POLICY_LEN], b[CONN_CACHE_POLICY_LEN];
	struct smtp_conn c, got;
	int	sv[2];

	(void)state;
	memset(a, 1, sizeof(a));
	memset(b, 2, sizeof(b));
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    sv), 0);
	memset(&c, 0, sizeof(c));
	c.fd = sv[0];
	smtp_session_peer(&c.peer, "mx.example", "192.0.2.1", 25);
	c.esmtp = 1;
	c.expire_ms = sys_now_ms() + 300000;
	conn_cache_owner("", "");
	conn_cache_policy(a);
	conn_cache_store(&c, "example.com", 60000);
	conn_cache_policy(b);
	assert_int_equal(conn_cache_take_dest("example.com", 0, &got), 0);
	assert_int_equal(conn_cache_take_endp("192.0.2.1", 25, 0, &got), 0);
	conn_cache_policy(a);
	assert_int_equal(conn_cache_take_dest("example.com", 0, &got), 1);
	assert_int_equal(got.fd, sv[0]);
	close(sv[0]);
	close(sv[1]);
}

/* ------------------------------------------------------------------ */

static SSL_SESSION *
mk_session(const char *id)
{
	static const unsigned char key[48] = { 1, 2, 3 };
	SSL_SESSION *s;

	assert_non_null(s = SSL_SESSION_new());
	assert_int_equal(SSL_SESSION_set1_id(s, (const unsigned char *)id,
	    (unsigned)strlen(id)), 1);
	assert_int_equal(SSL_SESSION_set1_master_key(s, key, sizeof(key)), 1);
	assert_int_equal(SSL_SESSION_set_protocol_version(s, TLS1_2_VERSION),
	    1);
	SSL_SESSION_set_timeout(s, 7200);
	return (s);
}

static void
test_sesscache(void **state)
{
	struct tls_peer p1 = { "example.com", "mx.example.com",
	    "mx.example.com[192.0.2.1]:25", 1, NULL, NULL };
	struct tls_peer p2 = { "example.com", "mx2.example.com",
	    "mx2.example.com[192.0.2.2]:25", 1, NULL, NULL };
	struct tls_sess_key k1, k2, k;
	struct sj_tls_config other;
	SSL_CTX *ctx;
	SSL	*ssl;
	SSL_SESSION *s1;

	(void)state;
	assert_non_null(ctx = SSL_CTX_new(TLS_client_method()));
	tls_sesscache_flush();
	/* Keys of two servers; nothing cached yet: nothing offered. */
	assert_non_null(ssl = SSL_new(ctx));
	tls_sesscache_offer(ssl, &k1, &global, SJ_TLS_LEV_MAY, &p1, NULL);
	assert_true(k1.valid);
	assert_null(SSL_get_session(ssl));
	SSL_free(ssl);
	assert_non_null(ssl = SSL_new(ctx));
	tls_sesscache_offer(ssl, &k2, &global, SJ_TLS_LEV_MAY, &p2, NULL);
	SSL_free(ssl);
	assert_memory_not_equal(k1.md, k2.md, sizeof(k1.md));

	s1 = mk_session("session-one");
	tls_sesscache_put(&k1, s1, 3600);
	SSL_SESSION_free(s1);
	assert_int_equal(tls_sesscache_count(), 1);
	/* Not for the other server, another level, another SNI or
	 * another policy. */
	assert_non_null(ssl = SSL_new(ctx));
	tls_sesscache_offer(ssl, &k, &global, SJ_TLS_LEV_MAY, &p2, NULL);
	assert_null(SSL_get_session(ssl));
	tls_sesscache_offer(ssl, &k, &global, SJ_TLS_LEV_ENCRYPT, &p1, NULL);
	assert_null(SSL_get_session(ssl));
	tls_sesscache_offer(ssl, &k, &global, SJ_TLS_LEV_MAY, &p1,
	    "mx.example.com");
	assert_null(SSL_get_session(ssl));
	other = global;
	other.protos.min_version = TLS1_3_VERSION;
	tls_sesscache_offer(ssl, &k, &other, SJ_TLS_LEV_MAY, &p1, NULL);
	assert_null(SSL_get_session(ssl));
	assert_int_equal(tls_sesscache_count(), 1);
	/* Its own key: a copy offered, the entry kept for the next
	 * connection (a TLS 1.3 server may send no new ticket on a
	 * resumed one). */
	tls_sesscache_offer(ssl, &k, &global, SJ_TLS_LEV_MAY, &p1, NULL);
	assert_non_null(SSL_get_session(ssl));
	assert_int_equal(tls_sesscache_count(), 1);
	SSL_free(ssl);
	assert_non_null(ssl = SSL_new(ctx));
	tls_sesscache_offer(ssl, &k, &global, SJ_TLS_LEV_MAY, &p1, NULL);
	assert_non_null(SSL_get_session(ssl));
	{
		unsigned len = 0;
		const unsigned char *id = SSL_SESSION_get_id(
		    SSL_get_session(ssl), &len);

		assert_int_equal(len, strlen("session-one"));
		assert_memory_equal(id, "session-one", len);
	}
	SSL_free(ssl);
	/* The server's next session replaces it. */
	s1 = mk_session("session-new");
	tls_sesscache_put(&k1, s1, 3600);
	SSL_SESSION_free(s1);
	assert_int_equal(tls_sesscache_count(), 1);
	assert_non_null(ssl = SSL_new(ctx));
	tls_sesscache_offer(ssl, &k, &global, SJ_TLS_LEV_MAY, &p1, NULL);
	{
		unsigned len = 0;
		const unsigned char *id = SSL_SESSION_get_id(
		    SSL_get_session(ssl), &len);

		assert_int_equal(len, strlen("session-new"));
		assert_memory_equal(id, "session-new", len);
	}
	SSL_free(ssl);
	tls_sesscache_flush();
	assert_int_equal(tls_sesscache_count(), 0);
	/* Timeout 0 (smtp_tls_session_cache_timeout = 0): nothing kept. */
	s1 = mk_session("session-two");
	tls_sesscache_put(&k1, s1, 0);
	assert_int_equal(tls_sesscache_count(), 0);
	/* Bounded: the oldest entries make room. */
	{
		struct tls_sess_key kk;
		int	i;

		for (i = 0; i < SJ_TLS_SESS_MAX + 4; i++) {
			memset(&kk, 0, sizeof(kk));
			kk.valid = 1;
			kk.md[0] = (unsigned char)i;
			tls_sesscache_put(&kk, s1, 3600);
		}
		assert_int_equal(tls_sesscache_count(), SJ_TLS_SESS_MAX);
	}
	SSL_SESSION_free(s1);
	tls_sesscache_flush();
	assert_int_equal(tls_sesscache_count(), 0);
	SSL_CTX_free(ctx);
}

/* smtp_tls_session_cache_database switches the child's cache on; the
 * timeout bounds it, 0 switches it off. */
static void
test_sess_cache_params(void **state)
{
	static const struct {
		const char *db, *timeout;
		unsigned want;
	} cases[] = {
		{ "", "3600s", 0 },
		{ "btree:/var/lib/postfix/smtp_scache", "3600s", 3600 },
		{ "btree:/var/lib/postfix/smtp_scache", "2h", 7200 },
		{ "btree:/var/lib/postfix/smtp_scache", "0", 0 },
	};
	struct sj_tls_config t;
	struct sj_params *p;
	char	why[512];
	size_t	i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		assert_non_null(p = sj_params_new());
		assert_int_equal(sj_params_set(p,
		    "smtp_tls_session_cache_database", cases[i].db), 0);
		assert_int_equal(sj_params_set(p,
		    "smtp_tls_session_cache_timeout", cases[i].timeout), 0);
		if (sj_tls_config_load(&t, p, why, sizeof(why)) < 0)
			fail_msg("case %zu: %s", i, why);
		sj_params_free(p);
		assert_int_equal(t.sess_cache_timeout, cases[i].want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_to_child),
		cmocka_unit_test(test_conn_reuse),
		cmocka_unit_test(test_dane_may),
		cmocka_unit_test(test_tafile_to_child),
		cmocka_unit_test(test_conn_cache_policy),
		cmocka_unit_test(test_sesscache),
		cmocka_unit_test(test_sess_cache_params),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}

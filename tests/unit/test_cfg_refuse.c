/*
 * NAME
 *	test_cfg_refuse 1
 * SUMMARY
 *	unit tests of the refusal table (fail closed at start)
 * DESCRIPTION
 *	Every default of the table starts, at compatibility_level 0 and
 *	3.6, one row at a time and all at once; every refused row, set to
 *	a value that is neither its default nor "off", with the feature
 *	it depends on switched on, is refused with the exact fatal line;
 *	a dependent row is accepted while its feature is off; "off"
 *	values and $name expansions; honoured and inert rows take any
 *	value; defaults that name another parameter follow it; unknown
 *	smtpjail_* names with the suggestion; master.cf
 *	lines that would run smtpjail as root; and README "Parameters"
 *	names every row, the refused ones in its refused list.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/cfg_refuse.c
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfg_params.h"
#include "cfg_refuse.h"

#define TEST_VALUE	"sj-test-value"
#define LINES_MAX	400

struct verdicts {
	int	n;
	char	*line[LINES_MAX];
};

static void
collect(void *ctx, const char *line)
{
	struct verdicts *v = ctx;

	if (v->n < LINES_MAX)
		v->line[v->n] = strdup(line);
	v->n++;
}

static void
verdicts_free(struct verdicts *v)
{
	int	i;

	for (i = 0; i < v->n && i < LINES_MAX; i++)
		free(v->line[i]);
	v->n = 0;
}

static int
has_line(const struct verdicts *v, const char *want)
{
	int	i;

	for (i = 0; i < v->n && i < LINES_MAX; i++)
		if (strcmp(v->line[i], want) == 0)
			return (1);
	return (0);
}

static int
check(struct sj_params *p, struct verdicts *v)
{
	char	why[256];
	int	n;

	memset(v, 0, sizeof(*v));
	n = cfg_refuse_check(p, collect, v, why, sizeof(why));
	assert_int_equal(n, v->n);
	return (n);
}

static void
refused_line(char *buf, size_t sz, const char *name, const char *value)
{
	snprintf(buf, sz, "%s = %s is not supported by smtpjail (see README "
	    "\"Parameters\")", name, value);
}

/* The setting that turns on what a dependent row needs. */
static void
switch_on(struct sj_params *p, enum cfg_refuse_dep dep)
{
	switch (dep) {
	case CFG_DEP_NONE:
	case CFG_DEP_PIX:	/* on by default */
		break;
	case CFG_DEP_TLS:
		assert_int_equal(sj_params_set(p, "smtp_tls_security_level",
		    "encrypt"), 0);
		break;
	case CFG_DEP_SASL:
		assert_int_equal(sj_params_set(p, "smtp_sasl_auth_enable",
		    "yes"), 0);
		break;
	case CFG_DEP_XFORWARD:
		assert_int_equal(sj_params_set(p,
		    "smtp_send_xforward_command", "yes"), 0);
		break;
	case CFG_DEP_BIND:
		assert_int_equal(sj_params_set(p, "smtp_bind_address",
		    "192.0.2.1"), 0);
		break;
	case CFG_DEP_DEADLINE:
		assert_int_equal(sj_params_set(p, "smtp_per_request_deadline",
		    "yes"), 0);
		break;
	}
}

static void
test_table_sane(void **state)
{
	const struct cfg_refuse_row *t;
	size_t	n, i, j, refused = 0;

	(void)state;
	t = cfg_refuse_table(&n);
	/* smtp(8) 3.7 reads about 185 parameters. */
	assert_true(n >= 180);
	for (i = 0; i < n; i++) {
		assert_non_null(t[i].name);
		assert_non_null(t[i].dflt);
		assert_true(t[i].family < CFG_FAM_COUNT);
		if (t[i].kind == CFG_HONOURED)
			assert_null(t[i].reason);
		else
			assert_non_null(t[i].reason);
		if (t[i].kind == CFG_REFUSED)
			refused++;
		else
			assert_int_equal(t[i].dep, CFG_DEP_NONE);
		for (j = i + 1; j < n; j++)
			if (strcmp(t[i].name, t[j].name) == 0)
				fail_msg("%s twice in the table", t[i].name);
		assert_ptr_equal(cfg_refuse_find(t[i].name), &t[i]);
	}
	assert_true(refused >= 33);
	assert_null(cfg_refuse_find("no_such_parameter"));
}

/* Each default, set explicitly, starts; so do all of them at once. */
static void
test_defaults_accepted(void **state)
{
	static const char *const levels[] = {"0", "3.6", "3.7"};
	const struct cfg_refuse_row *t;
	struct sj_params *p, *all;
	struct verdicts v;
	size_t	n, i, l;

	(void)state;
	t = cfg_refuse_table(&n);
	for (l = 0; l < sizeof(levels) / sizeof(levels[0]); l++) {
		assert_non_null(all = sj_params_new());
		assert_int_equal(sj_params_set(all, "compatibility_level",
		    levels[l]), 0);
		for (i = 0; i < n; i++) {
			assert_non_null(p = sj_params_new());
			assert_int_equal(sj_params_set(p,
			    "compatibility_level", levels[l]), 0);
			assert_int_equal(sj_params_set(p, t[i].name,
			    t[i].dflt), 0);
			if (check(p, &v) != 0)
				fail_msg("default of %s refused: %s",
				    t[i].name, v.line[0]);
			verdicts_free(&v);
			sj_params_free(p);
			assert_int_equal(sj_params_set(all, t[i].name,
			    t[i].dflt), 0);
		}
		assert_int_equal(check(all, &v), 0);
		sj_params_free(all);
	}
	/* Nothing set at all. */
	assert_non_null(p = sj_params_new());
	assert_int_equal(check(p, &v), 0);
	sj_params_free(p);
}

/* Every refused row, with its feature on, is refused by name. */
static void
test_each_refused(void **state)
{
	const struct cfg_refuse_row *t;
	struct sj_params *p;
	struct verdicts v;
	char	want[512];
	size_t	n, i;

	(void)state;
	t = cfg_refuse_table(&n);
	for (i = 0; i < n; i++) {
		if (t[i].kind != CFG_REFUSED)
			continue;
		assert_non_null(p = sj_params_new());
		switch_on(p, t[i].dep);
		assert_int_equal(sj_params_set(p, t[i].name, TEST_VALUE), 0);
		check(p, &v);
		refused_line(want, sizeof(want), t[i].name, TEST_VALUE);
		if (!has_line(&v, want))
			fail_msg("%s = %s not refused (%d verdicts)",
			    t[i].name, TEST_VALUE, v.n);
		verdicts_free(&v);
		sj_params_free(p);
	}
}

/* A dependent row is accepted while its feature is off. */
static void
test_dependent_accepted_when_off(void **state)
{
	const struct cfg_refuse_row *t;
	struct sj_params *p;
	struct verdicts v;
	size_t	n, i;

	(void)state;
	t = cfg_refuse_table(&n);
	for (i = 0; i < n; i++) {
		if (t[i].kind != CFG_REFUSED || t[i].dep == CFG_DEP_NONE)
			continue;
		assert_non_null(p = sj_params_new());
		if (t[i].dep == CFG_DEP_PIX)
			assert_int_equal(sj_params_set(p,
			    "smtp_pix_workarounds", ""), 0);
		assert_int_equal(sj_params_set(p, t[i].name, TEST_VALUE), 0);
		if (check(p, &v) != 0)
			fail_msg("%s refused with its feature off: %s",
			    t[i].name, v.line[0]);
		verdicts_free(&v);
		sj_params_free(p);
	}
	/* The example: smtp_tls_CApath while the level is none. */
	assert_non_null(p = sj_params_new());
	assert_int_equal(sj_params_set(p, "smtp_tls_security_level", "none"),
	    0);
	assert_int_equal(sj_params_set(p, "smtp_tls_CApath", "/etc/ssl/certs"),
	    0);
	assert_int_equal(check(p, &v), 0);
	sj_params_free(p);
}

/* Families: the switch of each, by its "on" and "off" values. */
static const struct family_case {
	const char *name;
	const char *value;
	int	refused;
} family_cases[] = {
	{"smtp_tls_security_level", "dane", 0},
	{"smtp_tls_security_level", "dane-only", 0},
	{"smtp_tls_force_insecure_host_tlsa_lookup", "yes", 0},
	{"smtp_tls_security_level", "encrypt", 0},
	{"smtp_tls_security_level", "may", 0},
	{"smtp_tls_security_level", "none", 0},
	{"smtp_tls_security_level", "", 0},
	{"smtp_tls_security_level", " Secure ", 0},
	{"smtp_use_tls", "yes", 0},
	/* Honoured: read per job (parent/tls_policy.c). */
	{"smtp_tls_policy_maps", "hash:/etc/postfix/tls_policy", 0},
	{"smtp_tls_per_site", "hash:/etc/postfix/tls_per_site", 1},
	{"smtp_tls_wrappermode", "yes", 0},
	{"smtp_tls_session_cache_database", "btree:/var/lib/x", 0},
	{"smtp_sasl_auth_enable", "yes", 0},
	{"smtp_send_dummy_mail_auth", "yes", 0},	/* SASL is off */
	{"smtp_sasl_auth_enable", "NO", 0},
	/* Honoured; parent/dict.c refuses table types it cannot open. */
	{"smtp_generic_maps", "texthash:/etc/postfix/generic", 0},
	{"tcp_windowsize", "65536", 1},
	/* Honoured: regexp: and pcre: (parent/checks_load.c refuses
	 * other table types, cidr: or hash:, when it opens them). */
	{"smtp_header_checks", "regexp:/etc/postfix/header_checks", 0},
	{"smtp_body_checks", "pcre:/etc/postfix/body_checks", 0},
	{"smtp_mime_header_checks", "cidr:/etc/postfix/mime_checks", 0},
	/* Honoured since the egress broker binds the child's sockets. */
	{"smtp_bind_address", "192.0.2.1", 0},
	{"smtp_bind_address6", "2001:db8::1", 0},
	{"smtp_host_lookup", "native", 0},
	{"smtp_host_lookup", "dns, native", 0},
	{"smtp_dns_support_level", "dnssec", 0},
	/* Honoured: the child probes (child/dnssec_query.c). */
	{"dnssec_probe", "", 0},
	{"dnssec_probe", "txt:example.org", 0},
	{"smtp_dns_support_level", "enabled", 0},
	{"smtp_dns_support_level", "disabled", 0},
	{"smtp_pix_workarounds", "", 0},
	{"smtp_pix_workarounds", "disable_esmtp, delay_dotcrlf", 0},
	{"smtp_pix_workarounds", "delay_dotcrlf", 1},
	{"smtp_send_xforward_command", "yes", 1},
	/* Honoured: parent/dsn_filter.c, parent/ehlo_discard.c. */
	{"smtp_delivery_status_filter", "proxy:pcre:/etc/postfix/dsn", 0},
	{"smtp_discard_ehlo_keywords", "pipelining", 0},
	{"smtp_reply_filter", "pcre:/etc/postfix/reply_filter", 1},
	{"disable_mime_output_conversion", "yes", 0},
	{"smtp_tls_loglevel", "1", 0},
	{"tcp_windowsize", "65536", 1},
	{"lmtp_tcp_port", "2424", 0},
	{"smtp_connect_timeout", "5s", 0},
	{"mime_nesting_limit", "20", 0},
};

static void
test_families(void **state)
{
	struct sj_params *p;
	struct verdicts v;
	char	want[512];
	size_t	i;
	int	n;

	(void)state;
	for (i = 0; i < sizeof(family_cases) / sizeof(family_cases[0]); i++) {
		const struct family_case *c = &family_cases[i];

		assert_non_null(p = sj_params_new());
		assert_int_equal(sj_params_set(p, c->name, c->value), 0);
		n = check(p, &v);
		if (n != c->refused)
			fail_msg("%s = \"%s\": %d refusals, want %d", c->name,
			    c->value, n, c->refused);
		if (c->refused) {
			refused_line(want, sizeof(want), c->name, c->value);
			assert_true(has_line(&v, want));
		}
		verdicts_free(&v);
		sj_params_free(p);
	}
}

/* The exact line of the issue; values are shown expanded; every
 * offending parameter is reported, not only the first. */
static void
test_lines(void **state)
{
	struct sj_params *p;
	struct verdicts v;

	(void)state;
	assert_non_null(p = sj_params_new());
	assert_int_equal(sj_params_set(p, "early_reply", "yes"), 0);
	assert_int_equal(sj_params_set(p,
	    "smtp_tls_block_early_mail_reply", "$early_reply"), 0);
	assert_int_equal(sj_params_set(p, "smtp_tls_dkey_file",
	    "/etc/ssl/chain.pem"), 0);
	assert_int_equal(sj_params_set(p, "tcp_windowsize", "65536"), 0);
	assert_int_equal(check(p, &v), 3);
	assert_true(has_line(&v, "smtp_tls_block_early_mail_reply = yes "
	    "is not supported by smtpjail (see README \"Parameters\")"));
	assert_true(has_line(&v, "smtp_tls_dkey_file = /etc/ssl/chain.pem "
	    "is not supported by smtpjail (see README \"Parameters\")"));
	assert_true(has_line(&v, "tcp_windowsize = 65536 is not supported "
	    "by smtpjail (see README \"Parameters\")"));
	verdicts_free(&v);
	sj_params_free(p);
}

/*
 * The default a value is compared with is Postfix's, of the configured
 * compatibility_level; a default that names another parameter follows
 * that parameter when it is set (smtp(8) would use it).
 */
static void
test_defaults_follow(void **state)
{
	struct sj_params *p;
	struct verdicts v;

	(void)state;
	assert_non_null(p = sj_params_new());
	/* A refused parameter whose default names another one follows it
	 * (smtp_tls_dkey_file = $smtp_tls_dcert_file). */
	assert_int_equal(sj_params_set(p, "smtp_tls_dcert_file",
	    "/etc/postfix/client.pem"), 0);
	assert_int_equal(check(p, &v) >= 1, 1);
	assert_true(has_line(&v, "smtp_tls_dkey_file = "
	    "/etc/postfix/client.pem is not supported by smtpjail (see "
	    "README \"Parameters\")"));
	verdicts_free(&v);
	sj_params_free(p);

	/* Honoured now: default_delivery_status_filter starts. */
	assert_non_null(p = sj_params_new());
	assert_int_equal(sj_params_set(p, "default_delivery_status_filter",
	    "proxy:pcre:/etc/postfix/dsn_filter"), 0);
	assert_int_equal(check(p, &v), 0);
	verdicts_free(&v);
	sj_params_free(p);

	/* smtp_per_request_deadline's default follows the old name. */
	assert_non_null(p = sj_params_new());
	assert_int_equal(sj_params_set(p, "smtp_per_record_deadline", "yes"),
	    0);
	assert_int_equal(check(p, &v), 2);
	assert_true(has_line(&v, "smtp_per_request_deadline = yes is not "
	    "supported by smtpjail (see README \"Parameters\")"));
	verdicts_free(&v);
	sj_params_free(p);
}

/* Honoured and inert rows take any value. */
static void
test_honoured_any_value(void **state)
{
	const struct cfg_refuse_row *t;
	struct sj_params *p;
	struct verdicts v;
	size_t	n, i;

	(void)state;
	t = cfg_refuse_table(&n);
	for (i = 0; i < n; i++) {
		if (t[i].kind == CFG_REFUSED)
			continue;
		assert_non_null(p = sj_params_new());
		assert_int_equal(sj_params_set(p, t[i].name, TEST_VALUE), 0);
		assert_int_equal(check(p, &v), 0);
		sj_params_free(p);
	}
}

static const struct unknown_case {
	const char *name;
	const char *near;
} unknown_cases[] = {
	{"smtpjail_sandbox_dir", "smtpjail_sandbox_directory"},
	{"smtpjail_sandbox_usr", "smtpjail_sandbox_user"},
	{"smtpjail_seccomp_debgu", "smtpjail_seccomp_debug"},
	{"smtpjail_resolv", "smtpjail_resolv_conf"},
	{"smtpjail_use_chunkin", "smtpjail_use_chunking"},
	{"smtpjail_processname", "smtpjail_process_name"},
};

static void
test_unknown_smtpjail(void **state)
{
	struct sj_params *p;
	struct verdicts v;
	char	want[512];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(unknown_cases) / sizeof(unknown_cases[0]);
	    i++) {
		assert_non_null(p = sj_params_new());
		assert_int_equal(sj_params_set(p, unknown_cases[i].name, "x"),
		    0);
		assert_int_equal(check(p, &v), 1);
		snprintf(want, sizeof(want), "unknown parameter %s: smtpjail "
		    "owns the smtpjail_* names; did you mean %s?",
		    unknown_cases[i].name, unknown_cases[i].near);
		assert_string_equal(v.line[0], want);
		verdicts_free(&v);
		sj_params_free(p);
	}
	/* Known names, and names of other programs, are not ours to judge. */
	assert_non_null(p = sj_params_new());
	assert_int_equal(sj_params_set(p, "smtpjail_sandbox_directory", "/x"),
	    0);
	assert_int_equal(sj_params_set(p, "smtpjail_use_chunking", "no"), 0);
	assert_int_equal(sj_params_set(p, "smtpd_tls_security_level",
	    "encrypt"), 0);
	assert_int_equal(sj_params_set(p, "my_own_parameter", "x"), 0);
	assert_int_equal(check(p, &v), 0);
	sj_params_free(p);
}

static void
test_master_cf(void **state)
{
	char	dir[] = "/tmp/sj-refuse.XXXXXX", path[256], why[256];
	struct verdicts v;
	FILE	*fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/master.cf", dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("# smtp unix - n y - - smtpjail\n"
	    "smtp      inet  n       -       y       -       -       smtpd\n"
	    "relay     unix  -       -       y       -       -       "
	    "smtpjail\n"
	    "  -o syslog_name=postfix/$service_name n n n n n smtpjail\n"
	    "smtp      unix  -       n       y       -       -       "
	    "smtpjail\n"
	    "stock     unix  -       n       y       -       -       smtp\n"
	    "short     unix  -       n\n", fp);
	fclose(fp);
	memset(&v, 0, sizeof(v));
	assert_int_equal(cfg_refuse_master_cf(path, collect, &v, why,
	    sizeof(why)), 1);
	assert_non_null(strstr(v.line[0], "line 5: service smtp/unix runs "
	    "smtpjail as root"));
	assert_non_null(strstr(v.line[0], "unprivileged column"));
	verdicts_free(&v);
	unlink(path);
	assert_true(cfg_refuse_master_cf(path, collect, &v, why,
	    sizeof(why)) == -ENOENT);
	rmdir(dir);
}

/* README "Parameters" names every row; refused rows in the refused list. */
static void
test_readme(void **state)
{
	const struct cfg_refuse_row *t;
	const char *top = getenv("SJ_TOP"), *refused_at;
	char	path[512], *text, want[128];
	size_t	n, i, len;
	int	missing = 0;
	FILE	*fp;

	(void)state;
	snprintf(path, sizeof(path), "%s/README.md", top ? top : ".");
	assert_non_null(fp = fopen(path, "r"));
	assert_non_null(text = calloc(1, 1 << 20));
	len = fread(text, 1, (1 << 20) - 1, fp);
	fclose(fp);
	assert_true(len > 0);
	refused_at = strstr(text, "### Refused at start");
	assert_non_null(refused_at);
	t = cfg_refuse_table(&n);
	for (i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "`%s`", t[i].name);
		if (strstr(text, want) == NULL) {
			print_message("README.md does not name %s\n",
			    t[i].name);
			missing++;
		} else if (t[i].kind == CFG_REFUSED &&
		    strstr(refused_at, want) == NULL) {
			print_message("README.md does not list %s as "
			    "refused\n", t[i].name);
			missing++;
		} else if (t[i].kind != CFG_REFUSED &&
		    strstr(text, want) >= refused_at) {
			print_message("README.md lists %s only as refused\n",
			    t[i].name);
			missing++;
		}
	}
	free(text);
	assert_int_equal(missing, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sane),
		cmocka_unit_test(test_defaults_accepted),
		cmocka_unit_test(test_each_refused),
		cmocka_unit_test(test_dependent_accepted_when_off),
		cmocka_unit_test(test_families),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_defaults_follow),
		cmocka_unit_test(test_honoured_any_value),
		cmocka_unit_test(test_unknown_smtpjail),
		cmocka_unit_test(test_master_cf),
		cmocka_unit_test(test_readme),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_sasl 1
 * SUMMARY
 *	unit tests of the parent's SASL release rule and settings
 * DESCRIPTION
 *	sasl_answer() against an inline: table: the job's nexthop key, the
 *	host-name key only for the destination's own host, the sender with
 *	smtp_sender_dependent_authentication (mail_addr_find order), a
 *	fallback relay; refusals of another destination, another job, a
 *	second request for a destination; "user:password" split at the
 *	first colon. sasl_config(): Postfix's defaults, each refused
 *	setting with its reason.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/sasl.c
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

#include "cfg_params.h"
#include "dict.h"
#include "msg.h"
#include "sasl.h"
#include "sj_config.h"

static void
quiet(enum msg_level lvl, const char *text, void *ctx)
{
	(void)lvl;
	(void)text;
	(void)ctx;
}

/* A configuration from main.cf lines; sasl_config() applied. */
static int
load(struct sj_config *cfg, const char *maincf, char *why, size_t whysz)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->params = sj_params_new();
	assert_non_null(cfg->params);
	assert_int_equal(sj_params_load_buf(cfg->params, "main.cf", maincf,
	    strlen(maincf), NULL, NULL, why, whysz), 0);
	cfg->ipc_timeout = 5;
	return (sasl_config(cfg, why, whysz));
}

static void
unload(struct sj_config *cfg)
{
	sasl_set_maps(NULL);
	sj_params_free(cfg->params);
}

static const char base_cf[] =
    "smtp_sasl_auth_enable = yes\n"
    "smtp_sasl_security_options = noanonymous\n"
    "smtp_fallback_relay = [fb.example]:25\n"
    "mydestination = here.example\n"
    "recipient_delimiter = +\n"
    "smtp_sasl_password_maps = inline:{ "
    "{[relay.example]:587 = relayuser:relay:pw}, "
    "{relay.example = hostuser:hostpw}, "
    "{mx.other.example = mxuser:mxpw}, "
    "{other.example = otheruser:otherpw}, "
    "{[fb.example]:25 = fbuser:fbpw}, "
    "{u@sender.example = senderuser:senderpw}, "
    "{@dom.example = domuser:dompw}, "
    "{nopass.example = justuser} }\n";

/* A job's SASL state at its start: nothing asked yet. */
static void
job_init(struct sasl_job *j, const char *nexthop, const char *sender)
{
	memset(j, 0, sizeof(*j));
	j->nexthop = nexthop;
	j->sender = sender;
}

static int
ask_kind(struct sasl_job *j, uint32_t job_id, uint32_t kind, const char *dest,
    const char *chal, struct ipc_sasl_cred *out, char *why, size_t whysz)
{
	struct ipc_sasl_req req;

	memset(&req, 0, sizeof(req));
	req.job_id = job_id;
	req.kind = kind;
	snprintf(req.dest, sizeof(req.dest), "%s", dest);
	snprintf(req.host, sizeof(req.host), "%s", "mx.example");
	snprintf(req.challenge, sizeof(req.challenge), "%s", chal);
	return (sasl_answer(j, job_id, &req, out, why, whysz));
}

static int
ask(struct sasl_job *j, uint32_t job_id, uint32_t req_job, const char *dest,
    const char *host, struct ipc_sasl_cred *out, char *why, size_t whysz)
{
	struct ipc_sasl_req req;

	memset(&req, 0, sizeof(req));
	req.job_id = req_job;
	snprintf(req.dest, sizeof(req.dest), "%s", dest);
	snprintf(req.host, sizeof(req.host), "%s", host);
	return (sasl_answer(j, job_id, &req, out, why, whysz));
}

static void
test_release(void **state)
{
	struct sj_config cfg;
	struct ipc_sasl_cred c;
	struct sasl_job j;
	char	why[512];

	(void)state;
	assert_int_equal(load(&cfg, base_cf, why, sizeof(why)), 0);
	assert_true(cfg.child.flags & IPC_CF_SASL);
	assert_true(cfg.child.flags & IPC_CF_SASL_SOFT_BOUNCE);
	assert_int_equal(cfg.child.sasl_opts, IPC_SASL_NOANONYMOUS);
	assert_int_equal(sasl_open(why, sizeof(why)), 0);

	/* The host of the destination itself comes first (Postfix). */
	job_init(&j, "[relay.example]:587", "u@sender.example");
	assert_int_equal(ask(&j, 7, 7, "[relay.example]:587",
	    "RELAY.example", &c, why, sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_FOUND);
	assert_string_equal(c.username, "hostuser");
	assert_string_equal(c.password, "hostpw");
	assert_int_equal(c.job_id, 7);
	/* A second request for it in the same job: refused. */
	assert_int_equal(ask(&j, 7, 7, "[relay.example]:587",
	    "relay.example", &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "second SASL_REQ for destination"));

	/* An MX name from the child's DNS is no key: the nexthop's. */
	job_init(&j, "other.example", "");
	assert_int_equal(ask(&j, 8, 8, "other.example", "mx.other.example",
	    &c, why, sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_FOUND);
	assert_string_equal(c.username, "otheruser");

	/* A host name naming another entry is ignored too. */
	job_init(&j, "[relay.example]:587", "");
	assert_int_equal(ask(&j, 9, 9, "[relay.example]:587",
	    "other.example", &c, why, sizeof(why)), 0);
	/* "user:pass:word": split at the first colon. */
	assert_string_equal(c.username, "relayuser");
	assert_string_equal(c.password, "relay:pw");

	/* Another destination, another job: refused. */
	job_init(&j, "[relay.example]:587", "");
	assert_int_equal(ask(&j, 9, 9, "other.example", "other.example", &c,
	    why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not the job's nexthop"));
	assert_int_equal(ask(&j, 9, 10, "[relay.example]:587",
	    "relay.example", &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "SASL_REQ for job 10, expected job 9"));

	/* A fallback relay is the job's too, once. */
	assert_int_equal(ask(&j, 9, 9, "[fb.example]:25", "fb.example", &c,
	    why, sizeof(why)), 0);
	assert_string_equal(c.username, "fbuser");

	/* No entry; an entry without a password. */
	job_init(&j, "none.example, nopass.example", "");
	assert_int_equal(ask(&j, 11, 11, "none.example", "none.example", &c,
	    why, sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_NONE);
	assert_int_equal(ask(&j, 11, 11, "nopass.example", "x", &c, why,
	    sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_FOUND);
	assert_string_equal(c.username, "justuser");
	assert_string_equal(c.password, "");
	unload(&cfg);
}

static void
test_sender(void **state)
{
	struct sj_config cfg;
	struct ipc_sasl_cred c;
	struct sasl_job j;
	char	why[512], cf[2048];

	(void)state;
	snprintf(cf, sizeof(cf), "%s%s", base_cf,
	    "smtp_sender_dependent_authentication = yes\n");
	assert_int_equal(load(&cfg, cf, why, sizeof(why)), 0);
	assert_true(cfg.child.flags & IPC_CF_SASL_SENDER);
	assert_int_equal(sasl_open(why, sizeof(why)), 0);
	memset(&j, 0, sizeof(j));
	j.nexthop = "[relay.example]:587";
	/* user+ext@domain -> user@domain wins over the nexthop. */
	j.sender = "u+tag@sender.example";
	assert_int_equal(ask(&j, 1, 1, "[relay.example]:587",
	    "relay.example", &c, why, sizeof(why)), 0);
	assert_string_equal(c.username, "senderuser");
	/* @domain. */
	job_init(&j, "[relay.example]:587", "x@dom.example");
	assert_int_equal(ask(&j, 2, 2, "[relay.example]:587",
	    "relay.example", &c, why, sizeof(why)), 0);
	assert_string_equal(c.username, "domuser");
	/* The null sender: no sender key. */
	job_init(&j, "[relay.example]:587", "");
	assert_int_equal(ask(&j, 3, 3, "[relay.example]:587",
	    "relay.example", &c, why, sizeof(why)), 0);
	assert_string_equal(c.username, "hostuser");
	unload(&cfg);
}

/* RFC 2195 section 2's example, then the release order for CRAM-MD5. */
static void
test_cram_md5(void **state)
{
	static const char chal[] =
	    "PDE4OTYuNjk3MTcwOTUyQHBvc3RvZmZpY2UucmVzdG9uLm1jaS5uZXQ+";
	struct sj_config cfg;
	struct ipc_sasl_cred c;
	struct sasl_job j;
	char	why[512], out[128];
	int	i;

	(void)state;
	assert_int_equal(sasl_cram_md5("tim", "tanstaaftanstaaf", chal, out,
	    sizeof(out)), 0);
	/* base64("tim b913a602c7eda7a495b4e6e7334d3890") */
	assert_string_equal(out, "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw");
	assert_int_equal(sasl_cram_md5("tim", "x", "not base64!", out,
	    sizeof(out)), -EINVAL);

	assert_int_equal(load(&cfg, base_cf, why, sizeof(why)), 0);
	assert_int_equal(sasl_open(why, sizeof(why)), 0);
	job_init(&j, "other.example", "");
	/* A response before the username: refused. */
	assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_CRAM_MD5,
	    "other.example", chal, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "before its username"));
	job_init(&j, "other.example", "");
	/* The username without the password. */
	assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_USER, "other.example",
	    "", &c, why, sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_FOUND);
	assert_string_equal(c.username, "otheruser");
	assert_string_equal(c.password, "");
	/* The password after the username: refused. */
	{
		struct sasl_job k = j;

		assert_int_equal(ask_kind(&k, 4, IPC_SASL_ASK_PASSWORD,
		    "other.example", "", &c, why, sizeof(why)), -1);
	}
	/* Responses, never the password, up to the limit. */
	for (i = 0; i < SASL_CRAM_PER_DEST_MAX; i++) {
		assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_CRAM_MD5,
		    "other.example", chal, &c, why, sizeof(why)), 0);
		assert_int_equal(c.status, IPC_SASL_FOUND);
		assert_string_equal(c.password, "");
		assert_true(strlen(c.response) > 0);
	}
	assert_int_equal(sasl_cram_md5("otheruser", "otherpw", chal, out,
	    sizeof(out)), 0);
	assert_string_equal(c.response, out);
	assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_CRAM_MD5,
	    "other.example", chal, &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 8 CRAM-MD5"));
	/* A challenge that is not base64: a lookup error, no response. */
	job_init(&j, "other.example", "");
	assert_int_equal(ask_kind(&j, 5, IPC_SASL_ASK_USER, "other.example",
	    "", &c, why, sizeof(why)), 0);
	assert_int_equal(ask_kind(&j, 5, IPC_SASL_ASK_CRAM_MD5,
	    "other.example", "%%%", &c, why, sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_ERROR);
	assert_string_equal(c.response, "");
	unload(&cfg);
}

/*
 * ASK_EXISTS (Postfix HAVE_SASL_CREDENTIALS before a plain-text retry):
 * the status alone, any number of times up to the limit, before or
 * after the password, which it does not use up.
 */
static void
test_exists(void **state)
{
	struct sj_config cfg;
	struct ipc_sasl_cred c;
	struct sasl_job j;
	char	why[512];
	int	i;

	(void)state;
	assert_int_equal(load(&cfg, base_cf, why, sizeof(why)), 0);
	assert_int_equal(sasl_open(why, sizeof(why)), 0);
	job_init(&j, "other.example", "");
	for (i = 0; i < SASL_EXISTS_PER_DEST_MAX; i++) {
		memset(&c, 'x', sizeof(c));
		assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_EXISTS,
		    "other.example", "", &c, why, sizeof(why)), 0);
		assert_int_equal(c.status, IPC_SASL_FOUND);
		assert_string_equal(c.username, "");
		assert_string_equal(c.password, "");
		if (i == 0) {
			/* The password is still given once. */
			assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_PASSWORD,
			    "other.example", "", &c, why, sizeof(why)), 0);
			assert_string_equal(c.password, "otherpw");
		}
	}
	assert_int_equal(ask_kind(&j, 4, IPC_SASL_ASK_EXISTS, "other.example",
	    "", &c, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "more than 8 SASL_REQ (exists)"));
	/* No entry: none. A destination not the job's: refused. */
	job_init(&j, "none.example", "");
	assert_int_equal(ask_kind(&j, 5, IPC_SASL_ASK_EXISTS, "none.example",
	    "", &c, why, sizeof(why)), 0);
	assert_int_equal(c.status, IPC_SASL_NONE);
	assert_int_equal(ask_kind(&j, 5, IPC_SASL_ASK_EXISTS, "other.example",
	    "", &c, why, sizeof(why)), -1);
	unload(&cfg);
}

static void
test_config(void **state)
{
	static const struct {
		const char *cf;
		const char *why;	/* NULL: accepted */
	} cases[] = {
		{ "smtp_sasl_auth_enable = no\n", NULL },
		{ "smtp_sasl_auth_enable = yes\n", "specify a password table "
		    "via the `smtp_sasl_password_maps' configuration "
		    "parameter" },
		{ "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = "
		    "hash:/etc/postfix/sasl_passwd\n", NULL },
		{ "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = "
		    "static:a:b\nsmtp_sasl_type = dovecot\n", "smtp_sasl_type" },
		{ "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = "
		    "static:a:b\nsmtp_sasl_auth_cache_name = x\n",
		    "smtp_sasl_auth_cache_name" },
		{ "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = "
		    "static:a:b\nsmtp_sasl_security_options = noplaintext, "
		    "forward_secrecy\n", "unknown SASL security option "
		    "\"forward_secrecy\"" },
		{ "smtp_sasl_auth_enable = yes\nsmtp_sasl_password_maps = "
		    "static:a:b\nsmtp_sasl_mechanism_filter = /etc/mechs\n",
		    "mechanism names only" },
	};
	struct sj_config cfg;
	char	why[512];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		why[0] = '\0';
		rc = load(&cfg, cases[i].cf, why, sizeof(why));
		if (cases[i].why == NULL) {
			if (rc != 0)
				fail_msg("case %zu: %s", i, why);
		} else {
			assert_int_not_equal(rc, 0);
			if (strstr(why, cases[i].why) == NULL)
				fail_msg("case %zu: %s", i, why);
		}
		unload(&cfg);
	}
	/* Postfix's default options: noplaintext, noanonymous. */
	assert_int_equal(load(&cfg, "smtp_sasl_auth_enable = yes\n"
	    "smtp_sasl_password_maps = static:a:b\n", why, sizeof(why)), 0);
	assert_int_equal(cfg.child.sasl_opts, IPC_SASL_NOPLAINTEXT |
	    IPC_SASL_NOANONYMOUS);
	assert_int_equal(cfg.child.sasl_tls_opts, cfg.child.sasl_opts);
	unload(&cfg);
	/* dbm: passes the settings and is refused when opened; a missing
	 * hash: file fails with Postfix's "open database" text. */
	assert_int_equal(load(&cfg, "smtp_sasl_auth_enable = yes\n"
	    "smtp_sasl_password_maps = dbm:/etc/postfix/sasl_passwd\n", why,
	    sizeof(why)), 0);
	assert_int_equal(sasl_open(why, sizeof(why)), -1);
	assert_non_null(strstr(why, "use texthash:/etc/postfix/sasl_passwd"));
	unload(&cfg);
	assert_int_equal(load(&cfg, "smtp_sasl_auth_enable = yes\n"
	    "smtp_sasl_password_maps = hash:/nonexistent/sasl_passwd\n", why,
	    sizeof(why)), 0);
	assert_int_equal(sasl_open(why, sizeof(why)), -1);
	assert_non_null(strstr(why, "open database "
	    "/nonexistent/sasl_passwd.db: No such file or directory"));
	unload(&cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_sender),
		cmocka_unit_test(test_cram_md5),
		cmocka_unit_test(test_exists),
		cmocka_unit_test(test_config),
	};

	msg_set_sink(quiet, NULL);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

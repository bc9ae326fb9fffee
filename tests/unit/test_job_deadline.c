/*
 * NAME
 *	test_job_deadline 1
 * SUMMARY
 *	unit tests for parent/job_deadline.c
 * DESCRIPTION
 *	The job deadline is the sum of what the child's own timeouts allow
 *	(addresses times the connect timeout, sessions times the stages,
 *	one RCPT reply per recipient, the content by 64 KiB, DNS and
 *	slack), capped by $daemon_timeout and a day; it grows with the
 *	recipients, the content and the limits, and never is 0.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/job_deadline.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "job_deadline.h"

static void
config(struct sj_config *cfg)
{
	struct ipc_config *c = &cfg->child;

	memset(cfg, 0, sizeof(*cfg));
	c->connect_timeout = 30;
	c->helo_timeout = 300;
	c->mail_timeout = 300;
	c->rcpt_timeout = 300;
	c->data_init_timeout = 120;
	c->data_xfer_timeout = 180;
	c->data_done_timeout = 600;
	c->quit_timeout = 300;
	c->rset_timeout = 20;
	c->mx_address_limit = 5;
	c->mx_session_limit = 2;
	cfg->daemon_timeout = 0;
}

static void
test_sum(void **state)
{
	struct sj_config cfg;
	long long session;

	(void)state;
	config(&cfg);
	/* greeting+EHLO+HELO, MAIL, 1 RCPT, DATA, 1 chunk, dot, QUIT,
	 * 2 RSET */
	session = 3 * 300 + 300 + 300 + 120 + 180 + 600 + 300 + 2 * 20;
	assert_int_equal(job_deadline_ms(&cfg, 100, 1),
	    (60 * (5 + 2) + 5 * 30 + 2 * session + 60) * 1000LL);
	/* nine more recipients: nine more RCPT replies per session */
	assert_int_equal(job_deadline_ms(&cfg, 100, 10) -
	    job_deadline_ms(&cfg, 100, 1), 2 * 9 * 300 * 1000LL);
	/* 64 KiB more content: one more transfer period per session */
	assert_int_equal(job_deadline_ms(&cfg, 100 + JOB_XFER_CHUNK, 1) -
	    job_deadline_ms(&cfg, 100, 1), 2 * 180 * 1000LL);
	/* 0 recipients counts as one */
	assert_int_equal(job_deadline_ms(&cfg, 100, 0),
	    job_deadline_ms(&cfg, 100, 1));
}

static void
test_limits(void **state)
{
	struct sj_config cfg;
	long long a, b;

	(void)state;
	config(&cfg);
	a = job_deadline_ms(&cfg, 0, 1);
	cfg.child.mx_session_limit = 0;		/* one per address */
	b = job_deadline_ms(&cfg, 0, 1);
	assert_true(b > a);
	cfg.child.mx_session_limit = 50;	/* no more than addresses */
	assert_int_equal(job_deadline_ms(&cfg, 0, 1), b);
	cfg.child.mx_address_limit = 0;		/* no limit: 64 assumed */
	assert_true(job_deadline_ms(&cfg, 0, 1) > b);
}

static void
test_caps(void **state)
{
	struct sj_config cfg;

	(void)state;
	config(&cfg);
	cfg.daemon_timeout = 3;
	assert_int_equal(job_deadline_ms(&cfg, 1 << 30, 10000), 3000);
	cfg.daemon_timeout = 0;
	assert_int_equal(job_deadline_ms(&cfg, 1UL << 31, 10000),
	    (long long)JOB_DEADLINE_MAX_S * 1000);
	memset(&cfg, 0, sizeof(cfg));
	cfg.daemon_timeout = 0;
	assert_true(job_deadline_ms(&cfg, 0, 1) >= 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sum),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_caps),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

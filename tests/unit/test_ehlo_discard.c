/*
 * NAME
 *	test_ehlo_discard 1
 * SUMMARY
 *	unit tests of parent/ehlo_discard.c
 * DESCRIPTION
 *	smtp_discard_ehlo_keywords alone; with
 *	smtp_discard_ehlo_keyword_address_maps (an inline: table keyed by
 *	the server address): the entry wins, a missing address falls back
 *	to the parameter; EHLO_NOTE: Postfix's log line for the mask of the
 *	job's last SMTP socket, refused for another job, another mask or
 *	past EHLO_DISCARD_NOTES_MAX.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/ehlo_discard.c
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
#include "ehlo_discard.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_config.h"
#include "sj_ehlo_mask.h"

static char info[512];

static void
capture(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_INFO)
		snprintf(info, sizeof(info), "%s", text);
}

static int
load(struct sj_config *cfg, const char *maincf, char *why, size_t whysz)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->params = sj_params_new();
	assert_non_null(cfg->params);
	assert_int_equal(sj_params_load_buf(cfg->params, "main.cf", maincf,
	    strlen(maincf), NULL, NULL, why, whysz), 0);
	cfg->ipc_timeout = 5;
	return (ehlo_discard_open(cfg, why, whysz));
}

static void
test_keywords(void **state)
{
	struct sj_config cfg;
	char	why[512];

	(void)state;
	assert_int_equal(load(&cfg, "", why, sizeof(why)), 0);
	assert_int_equal(ehlo_discard_for("192.0.2.1"), 0);
	assert_null(ehlo_discard_changed());
	sj_params_free(cfg.params);

	assert_int_equal(load(&cfg, "smtp_discard_ehlo_keywords = "
	    "Pipelining, starttls nonsense\n", why, sizeof(why)), 0);
	assert_int_equal(ehlo_discard_for("192.0.2.1"),
	    SJ_EHLO_MASK_PIPELINING | SJ_EHLO_MASK_STARTTLS);
	sj_params_free(cfg.params);
	ehlo_discard_reset();
}

static void
test_maps(void **state)
{
	struct sj_config cfg;
	char	why[512];

	(void)state;
	assert_int_equal(load(&cfg, "smtp_discard_ehlo_keywords = dsn\n"
	    "smtp_discard_ehlo_keyword_address_maps = inline:{ "
	    "{192.0.2.1 = chunking silent-discard}, {2001:db8::1 = size} }\n",
	    why, sizeof(why)), 0);
	assert_int_equal(ehlo_discard_for("192.0.2.1"),
	    SJ_EHLO_MASK_CHUNKING | SJ_EHLO_MASK_SILENT);
	assert_int_equal(ehlo_discard_for("2001:db8::1"), SJ_EHLO_MASK_SIZE);
	assert_int_equal(ehlo_discard_for("192.0.2.2"), SJ_EHLO_MASK_DSN);
	sj_params_free(cfg.params);

	/* A type smtpjail refuses: fatal at start, with the reason. */
	assert_int_equal(load(&cfg, "smtp_discard_ehlo_keyword_address_maps"
	    " = dbm:/etc/postfix/x\n", why, sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "smtp_discard_ehlo_keyword_address_maps:"
	    " table type \"dbm:\""));
	sj_params_free(cfg.params);
	ehlo_discard_reset();
}

static void
test_note(void **state)
{
	struct sj_config cfg;
	struct ipc_ehlo_note n;
	char	why[512];
	int	i;

	(void)state;
	assert_int_equal(load(&cfg, "smtp_discard_ehlo_keywords = "
	    "chunking, size, dsn\n", why, sizeof(why)), 0);
	ehlo_discard_job_begin(7);
	n.job_id = 7;
	n.mask = SJ_EHLO_MASK_SIZE | SJ_EHLO_MASK_DSN | SJ_EHLO_MASK_CHUNKING;
	/* No socket sent yet in this job: nothing to log. */
	assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), -1);
	assert_int_equal(ehlo_discard_for("192.0.2.1"), n.mask);
	info[0] = '\0';
	assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), 0);
	assert_string_equal(info, "discarding EHLO keywords: SIZE DSN "
	    "CHUNKING");
	n.job_id = 8;
	assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "EHLO_NOTE for job 8"));
	n.job_id = 7;
	n.mask = SJ_EHLO_MASK_SIZE;
	assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), -1);
	n.mask = SJ_EHLO_MASK_SIZE | SJ_EHLO_MASK_DSN | SJ_EHLO_MASK_CHUNKING;
	for (i = 1; i < EHLO_DISCARD_NOTES_MAX; i++)
		assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), 0);
	assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), -1);
	/* A new job starts afresh. */
	ehlo_discard_job_begin(9);
	n.job_id = 9;
	assert_int_equal(ehlo_discard_note(&n, why, sizeof(why)), -1);
	sj_params_free(cfg.params);
	ehlo_discard_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords),
		cmocka_unit_test(test_maps),
		cmocka_unit_test(test_note),
	};

	msg_set_sink(capture, NULL);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_dsn_filter 1
 * SUMMARY
 *	unit tests of parent/dsn_filter.c (smtp_delivery_status_filter)
 * DESCRIPTION
 *	No filter: nothing changes. A filter's "X.Y.Z text" replaces status
 *	and text; 5.x.x to 4.x.x and back are allowed, success to failure
 *	and back are not (Postfix's warning, the status kept), nor a result
 *	without a valid status; the default follows
 *	default_delivery_status_filter; an inline: table keyed by the whole
 *	"status text" string matches only that.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/dsn_filter.c
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cfg_params.h"
#include "dsn_filter.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_config.h"

static char warned[512];

static void
capture(enum msg_level lvl, const char *text, void *ctx)
{
	(void)ctx;
	if (lvl == MSG_LVL_WARN)
		snprintf(warned, sizeof(warned), "%s", text);
}

static void
load(struct sj_config *cfg, const char *maincf)
{
	char	why[512];

	memset(cfg, 0, sizeof(*cfg));
	cfg->params = sj_params_new();
	assert_non_null(cfg->params);
	assert_int_equal(sj_params_load_buf(cfg->params, "main.cf", maincf,
	    strlen(maincf), NULL, NULL, why, sizeof(why)), 0);
	cfg->ipc_timeout = 5;
	if (dsn_filter_open(cfg, why, sizeof(why)) < 0)
		fail_msg("%s", why);
}

static void
result(struct ipc_result *r, const char *status, const char *reason)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->status, sizeof(r->status), "%s", status);
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
}

static void
test_none(void **state)
{
	struct sj_config cfg;
	struct ipc_result r;

	(void)state;
	load(&cfg, "");
	result(&r, "5.1.1", "host x said: 550 no");
	assert_int_equal(dsn_filter_apply(&r), 0);
	assert_string_equal(r.status, "5.1.1");
	assert_string_equal(r.reason, "host x said: 550 no");
	sj_params_free(cfg.params);
	dsn_filter_reset();
}

static void
test_static(void **state)
{
	struct sj_config cfg;
	struct ipc_result r;

	(void)state;
	/* The default follows default_delivery_status_filter. */
	load(&cfg, "default_delivery_status_filter = "
	    "static:{4.7.1   try again later, please}\n");
	result(&r, "5.1.1", "host x said: 550 no");
	assert_int_equal(dsn_filter_apply(&r), 1);
	assert_string_equal(r.status, "4.7.1");
	assert_string_equal(r.reason, "try again later, please");
	/* Success never becomes a failure. */
	warned[0] = '\0';
	result(&r, "2.0.0", "250 ok");
	assert_int_equal(dsn_filter_apply(&r), 0);
	assert_string_equal(r.status, "2.0.0");
	assert_string_equal(warned, "smtp_delivery_status_filter: bad "
	    "status code: 4.7.1   try again later, please");
	sj_params_free(cfg.params);
	dsn_filter_reset();

	/* ... nor a failure a success; and a result must be a status. */
	load(&cfg, "smtp_delivery_status_filter = static:2.0.0\n");
	result(&r, "4.4.1", "connect failed");
	assert_int_equal(dsn_filter_apply(&r), 0);
	assert_string_equal(r.status, "4.4.1");
	result(&r, "2.0.0", "250 ok");
	assert_int_equal(dsn_filter_apply(&r), 1);
	assert_string_equal(r.reason, "");
	sj_params_free(cfg.params);
	dsn_filter_reset();
	load(&cfg, "smtp_delivery_status_filter = static:{4.01.1 x}\n");
	result(&r, "5.1.1", "no");
	assert_int_equal(dsn_filter_apply(&r), 0);
	sj_params_free(cfg.params);
	dsn_filter_reset();
}

static void
test_inline_key(void **state)
{
	struct sj_config cfg;
	struct ipc_result r;

	(void)state;
	load(&cfg, "smtp_delivery_status_filter = inline:{ "
	    "{5.1.1=5.1.2 changed} }\n");
	/* The key is "status text": a bare status does not match. */
	result(&r, "5.1.1", "");
	assert_int_equal(dsn_filter_apply(&r), 0);
	sj_params_free(cfg.params);
	dsn_filter_reset();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_inline_key),
	};

	msg_set_sink(capture, NULL);
	return (cmocka_run_group_tests(tests, NULL, NULL));
}

/*
 * NAME
 *	test_generic_map - smtp_generic_maps lookups (parent/generic_map.c)
 * DESCRIPTION
 *	Postfix's mail_addr_map_internal() as smtp(8) uses it: the search
 *	order (user+ext@domain, user@domain, user+ext and user for local
 *	domains only, @domain), the split_addr() exceptions, quoted keys,
 *	"@otherdomain" results, a bare user result getting @$myorigin,
 *	extension propagation, multi-valued and non-address results, and
 *	quote_822_local()/unquote_822_local().
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dict.h"
#include "generic_map.h"

static const struct dict_env no_env = { "", "proxymap", 10, "private" };

#define FLAGS	(DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX)

struct gm_case {
	const char *table;
	const char *addr;
	int	propagate;
	const char *want;		/* NULL: not found */
};

static const struct gm_case gm_cases[] = {
	/* 1. the full address first. */
	{ "inline:{u+x@d.example=full, u@d.example=noext}", "u+x@d.example",
	    0, "full@origin.example" },
	/* 2. without the extension. */
	{ "inline:{u@d.example=noext@n.example}", "u+x@d.example", 0,
	    "noext@n.example" },
	/* ... and the unmatched extension when propagated. */
	{ "inline:{u@d.example=noext@n.example}", "u+x@d.example", 1,
	    "noext+x@n.example" },
	/* Full match: nothing to propagate. */
	{ "inline:{u+x@d.example=a@n.example}", "u+x@d.example", 1,
	    "a@n.example" },
	/* split_addr(): postmaster and owner-/-request are never split. */
	{ "inline:{owner@d.example=x}", "owner-list@d.example", 0, NULL },
	{ "inline:{postmaster@d.example=x}", "postmaster@d.example", 0,
	    "x@origin.example" },
	/* No delimiter in the local part, or a null base. */
	{ "inline:{u@d.example=x}", "u.x@d.example", 0, NULL },
	{ "inline:{u@d.example=x@y}", "u-x@d.example", 0, "x@y" },
	{ "inline:{@d.example=x@y}", "+x@d.example", 0, "x@y" },
	/* 3. user only for $myorigin and $mydestination domains. */
	{ "inline:{u=user@y}", "u@d.example", 0, NULL },
	{ "inline:{u=user@y}", "u@origin.example", 0, "user@y" },
	{ "inline:{u=user@y}", "u+x@LOCAL.example", 0, "user@y" },
	{ "inline:{u+x=ux@y, u=user@y}", "u+x@local.example", 0, "ux@y" },
	/* An address without a domain: full and without extension only. */
	{ "inline:{u=user@y}", "u+x", 0, "user@y" },
	/* 4. @domain; "@other" keeps the local part, sans extension when
	 * matched without it. */
	{ "inline:{@d.example=@n.example}", "u+x@d.example", 0,
	    "u+x@n.example" },
	{ "inline:{@d.example=x@y, u@d.example=z@y}", "u@d.example", 0,
	    "z@y" },
	/* Fixed-string tables only after the first key; the domain's
	 * parent never matches. */
	{ "inline:{@example=x@y}", "u@d.example", 0, NULL },
	/* Keys are external (quoted) form. */
	{ "inline:{{\"a b\"@d.example=ab@y}}", "a b@d.example", 0, "ab@y" },
	/* Results: the first of a list; a phrase and <>; quoted. */
	{ "inline:{{u@d.example=a@y, b@y}}", "u@d.example", 0, "a@y" },
	{ "inline:{{u@d.example=Joe <j@y>}}", "u@d.example", 0, "j@y" },
	{ "inline:{{u@d.example=\"j d\"@y}}", "u@d.example", 0, "j d@y" },
	{ "inline:{{u@d.example=\"a,b\"@y, c@y}}", "u@d.example", 0,
	    "a,b@y" },
	/* Case folding of fixed keys. */
	{ "inline:{u@d.example=x@y}", "U@D.Example", 0, "x@y" },
};

static void
test_order(void **state)
{
	struct generic_map g;
	char	why[512], out[256];
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(gm_cases) / sizeof(gm_cases[0]); i++) {
		memset(&g, 0, sizeof(g));
		g.maps = dict_maps_open("smtp_generic_maps", gm_cases[i].table,
		    FLAGS, &no_env, why, sizeof(why));
		if (g.maps == NULL)
			print_error("case %zu: %s\n", i, why);
		assert_non_null(g.maps);
		g.delim = "+-";
		g.myorigin = "origin.example";
		g.mydestination = "local.example, other.example";
		g.propagate = gm_cases[i].propagate;
		rc = generic_map_addr(&g, gm_cases[i].addr, out, sizeof(out),
		    why, sizeof(why));
		if (gm_cases[i].want == NULL) {
			if (rc != 0)
				print_error("case %zu: %s -> rc %d\n", i,
				    gm_cases[i].addr, rc);
			assert_int_equal(rc, 0);
		} else {
			if (rc != 1 || strcmp(out, gm_cases[i].want) != 0)
				print_error("case %zu: %s -> rc %d \"%s\", "
				    "want \"%s\"\n", i, gm_cases[i].addr, rc,
				    rc == 1 ? out : why, gm_cases[i].want);
			assert_int_equal(rc, 1);
			assert_string_equal(out, gm_cases[i].want);
		}
		dict_maps_close(g.maps);
	}
}

static void
test_errors(void **state)
{
	struct generic_map g;
	char	why[512], out[16], big[DICT_KEY_MAX + 2];

	(void)state;
	memset(&g, 0, sizeof(g));
	g.maps = dict_maps_open("smtp_generic_maps",
	    "inline:{u@d=@y, v@d=<>, w@d=averylongaddress@example.com}",
	    FLAGS, &no_env, why, sizeof(why));
	assert_non_null(g.maps);
	g.delim = "";
	g.myorigin = "o";
	g.mydestination = "";
	/* A result that is not an address: an error, deferred. */
	assert_int_equal(generic_map_addr(&g, "v@d", out, sizeof(out), why,
	    sizeof(why)), -EINVAL);
	assert_non_null(strstr(why, "non-address result"));
	/* Over the caller's buffer: an error, never truncated. */
	assert_int_equal(generic_map_addr(&g, "w@d", out, sizeof(out), why,
	    sizeof(why)), -ENOSPC);
	/* Too long a key. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(generic_map_addr(&g, big, out, sizeof(out), why,
	    sizeof(why)), -EINVAL);
	assert_int_equal(generic_map_addr(&g, "u@d", out, sizeof(out), why,
	    sizeof(why)), 1);
	assert_string_equal(out, "u@y");
	dict_maps_close(g.maps);
}

static void
test_quote(void **state)
{
	static const struct {
		const char *in, *quoted;
	} q[] = {
		{ "u@d", "u@d" },
		{ "a b@d", "\"a b\"@d" },
		{ "a\"b@d", "\"a\\\"b\"@d" },
		{ ".u@d", "\".u\"@d" },
		{ "a..b@d", "\"a..b\"@d" },
		{ "@r:a b@d", "@r:\"a b\"@d" },
		{ "", "\"\"" },
		{ "x@y@d", "\"x@y\"@d" },
	};
	char	out[64], back[64];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
		assert_int_equal(generic_map_quote(q[i].in, 0, out,
		    sizeof(out)), 0);
		assert_string_equal(out, q[i].quoted);
		assert_int_equal(generic_map_unquote(out, back,
		    sizeof(back)), 0);
		assert_string_equal(back, q[i].in);
	}
	assert_int_equal(generic_map_quote("a b", 1, out, sizeof(out)), 0);
	assert_string_equal(out, "\"a b\"");
	assert_int_equal(generic_map_quote("a b@d", 0, out, 6), -ENOSPC);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_quote),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}

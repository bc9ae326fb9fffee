/*
 * NAME
 *	test_dict 1
 * SUMMARY
 *	unit tests of the lookup tables: inline:, static:, texthash:,
 *	proxy: (against a scripted proxymap), lists and address search
 * DESCRIPTION
 *	Each native type with its syntax and key folding; texthash:
 *	continuation, comment and duplicate lines and change detection;
 *	the refusal of the other types with the form that works (the
 *	indexed files: tests/unit/test_dict_file.c); Postfix's
 *	maps_find() order and error stop; mail_addr_find()'s search order
 *	(user+ext@domain, user@domain, user, @domain) and the FIXED/PATTERN
 *	distinction; the proxymap requests (open with the instance flags,
 *	lookup with the request flags) and each reply status, against a
 *	fake proxymap on a UNIX socket in a temporary "private" directory.
 * SECURITY
 *	Test only.
 * SEE ALSO
 *	parent/dict.c, dict_inline.c, dict_static.c, dict_texthash.c,
 *	dict_proxy.c
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dict.h"
#include "msg.h"

static struct {
	char	warn[4096];
	char	dir[64];
	int	top;
} tc;

static void
capture_sink(enum msg_level lvl, const char *text, void *ctx)
{
	size_t	len = strlen(tc.warn);

	(void)ctx;
	snprintf(tc.warn + len, sizeof(tc.warn) - len, "%s%s\n",
	    msg_level_prefix(lvl), text);
}

static int
group_setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	msg_set_sink(capture_sink, NULL);
	snprintf(tc.dir, sizeof(tc.dir), "/tmp/sj-test-dict.XXXXXX");
	if (mkdtemp(tc.dir) == NULL)
		return (-1);
	if ((tc.top = open(".", O_RDONLY | O_DIRECTORY)) < 0)
		return (-1);
	if (chdir(tc.dir) < 0 || mkdir("private", 0700) < 0)
		return (-1);
	return (0);
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
	if (fchdir(tc.top) < 0)
		return (-1);
	close(tc.top);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tc.dir);
	return (system(cmd) == 0 ? 0 : -1);
}

static int
setup(void **state)
{
	(void)state;
	tc.warn[0] = '\0';
	return (0);
}

static const struct dict_env no_env = { NULL, NULL, 10, NULL };

#define FLAGS	(DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX)

static int
get(struct dict *d, const char *key, char *out, size_t outsz)
{
	char	why[256];

	return (dict_get(d, key, out, outsz, why, sizeof(why)));
}

/* ------------------------------------------------------------------ */
/* Native types                                                        */

static void
test_inline(void **state)
{
	char	why[512], out[64];
	struct dict *d;

	(void)state;
	d = dict_open("inline:{ Key1=v1, {key2 = value, with comma } , "
	    "k3=}", "p", FLAGS, &no_env, why, sizeof(why));
	assert_non_null(d);
	assert_true(d->flags & DICT_FLAG_FIXED);
	assert_int_equal(get(d, "key1", out, sizeof(out)), 1);
	assert_string_equal(out, "v1");
	/* Folded with FOLD_FIX, keys and lookups alike. */
	assert_int_equal(get(d, "KEY1", out, sizeof(out)), 1);
	assert_int_equal(get(d, "key2", out, sizeof(out)), 1);
	assert_string_equal(out, "value, with comma");
	assert_int_equal(get(d, "k3", out, sizeof(out)), 1);
	assert_string_equal(out, "");
	assert_int_equal(get(d, "nokey", out, sizeof(out)), 0);
	/* Too small a buffer is an error, not a truncation. */
	assert_int_equal(get(d, "key2", out, 4), -ENOSPC);
	dict_close(d);

	/* Without FOLD_FIX: case matters. */
	d = dict_open("inline:{Key1=v1}", "p", 0, &no_env, why, sizeof(why));
	assert_non_null(d);
	assert_int_equal(get(d, "key1", out, sizeof(out)), 0);
	assert_int_equal(get(d, "Key1", out, sizeof(out)), 1);
	dict_close(d);
}

static void
test_inline_bad(void **state)
{
	static const char *const bad[] = {
		"inline:key=value", "inline:{key}", "inline:{ {a=b }",
		"inline:{}", "inline:{=x}", "inline:{a=b}}",
	};
	char	why[512];
	size_t	i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_null(dict_open(bad[i], "p", FLAGS, &no_env, why,
		    sizeof(why)));
		assert_non_null(strstr(why, "bad syntax"));
	}
}

static void
test_static(void **state)
{
	char	why[512], out[64];
	struct dict *d;

	(void)state;
	d = dict_open("static:user:pass", "p", FLAGS, &no_env, why,
	    sizeof(why));
	assert_non_null(d);
	assert_int_equal(get(d, "anything", out, sizeof(out)), 1);
	assert_string_equal(out, "user:pass");
	dict_close(d);
	d = dict_open("static:{  two words }", "p", FLAGS, &no_env, why,
	    sizeof(why));
	assert_non_null(d);
	assert_int_equal(get(d, "x", out, sizeof(out)), 1);
	assert_string_equal(out, "two words");
	dict_close(d);
	assert_null(dict_open("static:{x", "p", FLAGS, &no_env, why,
	    sizeof(why)));
}

static void
write_file(const char *path, const char *text)
{
	FILE	*fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
test_texthash(void **state)
{
	char	why[512], out[128], spec[128];
	struct dict *d;

	(void)state;
	write_file("thash", "# comment\n"
	    "[Relay.Example]:587\tuser1:pass1\n"
	    "\n"
	    "multi  first\n"
	    "  # comment inside\n"
	    "   second  \n"
	    "dup a\n"
	    "DUP b\n"
	    "novalue\n"
	    "last\tno newline");
	snprintf(spec, sizeof(spec), "texthash:%s/thash", tc.dir);
	d = dict_open(spec, "p", FLAGS, &no_env, why, sizeof(why));
	assert_non_null(d);
	assert_int_equal(get(d, "[relay.example]:587", out, sizeof(out)), 1);
	assert_string_equal(out, "user1:pass1");
	assert_int_equal(get(d, "multi", out, sizeof(out)), 1);
	assert_string_equal(out, "first   second");
	/* The first of duplicates stays (folded: DUP = dup). */
	assert_int_equal(get(d, "dup", out, sizeof(out)), 1);
	assert_string_equal(out, "a");
	assert_non_null(strstr(tc.warn, "duplicate entry: \"dup\""));
	assert_non_null(strstr(tc.warn, "line 9: expected format: key "
	    "whitespace value"));
	assert_int_equal(get(d, "novalue", out, sizeof(out)), 0);
	assert_int_equal(get(d, "last", out, sizeof(out)), 1);
	assert_string_equal(out, "no newline");
	assert_int_equal(get(d, "# comment", out, sizeof(out)), 0);

	/* Unchanged, then modified: Postfix's "table has changed". */
	assert_int_equal(dict_changed(d), 0);
	write_file("thash", "new entry\n");
	{
		struct timespec ts[2] = { { 0, UTIME_NOW },
		    { 12345, 0 } };

		assert_int_equal(utimensat(AT_FDCWD, "thash", ts, 0), 0);
	}
	assert_int_equal(dict_changed(d), 1);
	dict_close(d);

	/* Replaced by rename (the old file has no links left). */
	d = dict_open(spec, "p", FLAGS, &no_env, why, sizeof(why));
	assert_non_null(d);
	assert_int_equal(dict_changed(d), 0);
	write_file("thash.new", "other entry\n");
	assert_int_equal(rename("thash.new", "thash"), 0);
	assert_int_equal(dict_changed(d), 1);
	dict_close(d);

	snprintf(spec, sizeof(spec), "texthash:%s/missing", tc.dir);
	assert_null(dict_open(spec, "p", FLAGS, &no_env, why, sizeof(why)));
	assert_non_null(strstr(why, "open database"));
}

static void
test_refused(void **state)
{
	char	why[512];

	(void)state;
	/* hash:, btree:, lmdb:, cdb: are opened (tests/unit/test_dict_file.c);
	 * the file types Debian's Postfix does not build are refused. */
	assert_null(dict_open("dbm:/etc/postfix/sasl_passwd",
	    "smtp_sasl_password_maps", FLAGS, &no_env, why, sizeof(why)));
	assert_string_equal(why, "smtp_sasl_password_maps: table type "
	    "\"dbm:\" is not supported by smtpjail; use "
	    "texthash:/etc/postfix/sasl_passwd (the same source file, read "
	    "as root at start) or proxy:dbm:/etc/postfix/sasl_passwd "
	    "(listed in proxy_read_maps)");
	assert_null(dict_open("sdbm:/x", "p", FLAGS, &no_env, why,
	    sizeof(why)));
	assert_non_null(strstr(why, "use texthash:/x"));
	assert_null(dict_open("regexp:/etc/postfix/re", "p", FLAGS, &no_env,
	    why, sizeof(why)));
	assert_non_null(strstr(why, "use proxy:regexp:/etc/postfix/re"));
	assert_null(dict_open("nocolon", "p", FLAGS, &no_env, why,
	    sizeof(why)));
	assert_non_null(strstr(why, "\"type:name\""));
	assert_null(dict_open(":x", "p", FLAGS, &no_env, why, sizeof(why)));
	assert_null(dict_open("x:", "p", FLAGS, &no_env, why, sizeof(why)));
}

/* ------------------------------------------------------------------ */
/* Lists and the address search                                        */

static void
test_maps_order(void **state)
{
	char	why[512], out[64];
	struct dict_maps *m;

	(void)state;
	m = dict_maps_open("p", "inline:{a=first}, inline:{ a=second, "
	    "b=second }\tstatic:{any thing}", FLAGS, &no_env, why,
	    sizeof(why));
	assert_non_null(m);
	assert_int_equal(m->ndict, 3);
	assert_int_equal(dict_maps_find(m, "a", 0, out, sizeof(out), why,
	    sizeof(why)), 1);
	assert_string_equal(out, "first");
	assert_int_equal(dict_maps_find(m, "B", 0, out, sizeof(out), why,
	    sizeof(why)), 1);
	assert_string_equal(out, "second");
	assert_int_equal(dict_maps_find(m, "zz", 0, out, sizeof(out), why,
	    sizeof(why)), 1);
	assert_string_equal(out, "any thing");
	/* An empty key is never found. */
	assert_int_equal(dict_maps_find(m, "", 0, out, sizeof(out), why,
	    sizeof(why)), 0);
	assert_null(dict_maps_changed(m));
	dict_maps_close(m);

	assert_null(dict_maps_open("p", "inline:{a=b", FLAGS, &no_env, why,
	    sizeof(why)));
	assert_null(dict_maps_open("p", "inline:{a=b}, dbm:/x", FLAGS,
	    &no_env, why, sizeof(why)));
	assert_non_null(strstr(why, "dbm:"));
	m = dict_maps_open("p", "", FLAGS, &no_env, why, sizeof(why));
	assert_non_null(m);
	assert_int_equal(m->ndict, 0);
	dict_maps_close(m);
}

static int
is_local(const char *domain, void *ctx)
{
	return (strcmp(domain, (const char *)ctx) == 0);
}

static void
test_addr_order(void **state)
{
	static const struct {
		const char *table;
		const char *addr;
		const char *want;	/* NULL: not found */
	} cases[] = {
		/* Full address first. */
		{ "inline:{u+x@d.example=full, u@d.example=noext, "
		    "@d.example=domain}", "U+x@D.example", "full" },
		{ "inline:{u@d.example=noext, @d.example=domain}",
		    "u+x@d.example", "noext" },
		{ "inline:{@d.example=domain, u=user}", "u+x@d.example",
		    "domain" },
		/* user, user+ext only for a local domain. */
		{ "inline:{u=user, @here.example=domain}", "u+x@here.example",
		    "user" },
		{ "inline:{u+x=userext, u=user}", "u+x@here.example",
		    "userext" },
		{ "inline:{u=user}", "u@d.example", NULL },
		/* A bare user matches itself, then without extension. */
		{ "inline:{u=user}", "u+x", "user" },
		/* Other domains do not match, nor a parent domain. */
		{ "inline:{@example=parent}", "u@d.example", NULL },
		/* No delimiter character in the local part. */
		{ "inline:{u@d.example=noext}", "u-x@d.example", NULL },
	};
	char	why[512], out[64];
	struct dict_maps *m;
	size_t	i;
	int	rc;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		m = dict_maps_open("p", cases[i].table, FLAGS, &no_env, why,
		    sizeof(why));
		assert_non_null(m);
		rc = dict_maps_find_addr(m, cases[i].addr, "+", is_local,
		    (void *)"here.example", out, sizeof(out), why,
		    sizeof(why));
		if (cases[i].want == NULL) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, 1);
			assert_string_equal(out, cases[i].want);
		}
		dict_maps_close(m);
	}
}

/* ------------------------------------------------------------------ */
/* proxymap                                                            */

struct fake_pm {
	pid_t	pid;
	int	pipe;		/* requests seen: one line each */
	int	nconn;
	unsigned server_flags;	/* in the open reply */
};

/* Reads one attr0 list as "name|value|name|value". */
static int
fake_read(int fd, char *line, size_t cap)
{
	size_t	len = 0;
	int	field = 0, at_start = 1;
	char	c;

	line[0] = '\0';
	for (;;) {
		if (read(fd, &c, 1) != 1)
			return (-1);
		if (c == '\0' && at_start && field % 2 == 0)
			return (0);		/* empty name: end of list */
		if (c == '\0') {
			field++;
			at_start = 1;
			if (len + 1 < cap)
				line[len++] = '|';
		} else {
			at_start = 0;
			if (len + 1 < cap)
				line[len++] = c;
		}
		line[len] = '\0';
		if (field % 2 == 0 && at_start && len > 0)
			continue;
	}
}

static void
fake_send(int fd, const char *const *kv, size_t n)
{
	char	buf[1024];
	size_t	len = 0, i, l;

	for (i = 0; i < n; i++) {
		l = strlen(kv[i]) + 1;
		memcpy(buf + len, kv[i], l);
		len += l;
	}
	buf[len++] = '\0';
	assert_int_equal(write(fd, buf, len), (ssize_t)len);
}

static void
fake_pm_serve(struct fake_pm *fk, int lfd, int out)
{
	static const char *greet[] = { "protocol", "proxymap_protocol" };
	char	req[2048], flags[16];
	int	i, fd;

	for (i = 0; i < fk->nconn; i++) {
		if ((fd = accept(lfd, NULL, NULL)) < 0)
			_exit(1);
		fake_send(fd, greet, 2);
		if (fake_read(fd, req, sizeof(req)) < 0)
			_exit(1);
		dprintf(out, "%s\n", req);
		if (strncmp(req, "request|open|", 13) == 0) {
			const char *r[] = { "status", "0", "flags", flags };

			snprintf(flags, sizeof(flags), "%u", fk->server_flags);
			fake_send(fd, r, 4);
		} else if (strstr(req, "|key|known") != NULL) {
			const char *r[] = { "status", "0", "value", "secret" };

			fake_send(fd, r, 4);
		} else if (strstr(req, "|key|retry") != NULL) {
			const char *r[] = { "status", "2", "value", "" };

			fake_send(fd, r, 4);
		} else if (strstr(req, "|key|config") != NULL) {
			const char *r[] = { "status", "5", "value", "" };

			fake_send(fd, r, 4);
		} else if (strstr(req, "|key|deny") != NULL) {
			const char *r[] = { "status", "4" };

			fake_send(fd, r, 2);	/* open-time denial below */
		} else if (strstr(req, "|key|hangup") != NULL) {
			/* close without a reply */
		} else {
			const char *r[] = { "status", "1", "value", "" };

			fake_send(fd, r, 4);
		}
		close(fd);
	}
	_exit(0);
}

static void
fake_pm_start(struct fake_pm *fk)
{
	struct sockaddr_un sa;
	int	lfd, p[2];

	(void)unlink("private/proxymap");
	assert_int_equal(pipe(p), 0);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, "private/proxymap");
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lfd, 8), 0);
	if ((fk->pid = fork()) == 0) {
		close(p[0]);
		fake_pm_serve(fk, lfd, p[1]);
	}
	close(lfd);
	close(p[1]);
	fk->pipe = p[0];
}

static void
fake_pm_done(struct fake_pm *fk, char *seen, size_t cap)
{
	ssize_t	n;
	size_t	len = 0;
	int	status;

	while (len + 1 < cap && (n = read(fk->pipe, seen + len,
	    cap - len - 1)) > 0)
		len += (size_t)n;
	seen[len] = '\0';
	close(fk->pipe);
	assert_int_equal(waitpid(fk->pid, &status, 0), fk->pid);
}

static const struct dict_env pm_env = {
	"$other proxy:regexp:/etc/postfix/re, proxy:texthash:/x",
	"proxymap", 5, "private",
};

static void
test_proxy(void **state)
{
	struct fake_pm fk = { 0, -1, 7, DICT_FLAG_PATTERN };
	char	why[512], out[64], seen[4096];
	struct dict *d;

	(void)state;
	fake_pm_start(&fk);
	d = dict_open("proxy:regexp:/etc/postfix/re", "p", FLAGS |
	    DICT_FLAG_UTF8_REQUEST, &pm_env, why, sizeof(why));
	assert_non_null(d);
	/* The table's own kind comes from proxymap. */
	assert_true(d->flags & DICT_FLAG_PATTERN);
	assert_false(d->flags & DICT_FLAG_FIXED);
	assert_int_equal(get(d, "known", out, sizeof(out)), 1);
	assert_string_equal(out, "secret");
	/* The key goes as given: proxymap folds it (FOLD_FIX sent). */
	assert_int_equal(get(d, "Other", out, sizeof(out)), 0);
	assert_int_equal(get(d, "retry", out, sizeof(out)), -EAGAIN);
	assert_int_equal(get(d, "config", out, sizeof(out)), -EINVAL);
	/* A hang-up is retried once on a new connection, then deferred. */
	assert_int_equal(get(d, "hangup", out, sizeof(out)), -EAGAIN);
	dict_close(d);
	fake_pm_done(&fk, seen, sizeof(seen));
	/* open: instance flags only (LOCK, FOLD_FIX, UTF8 are request
	 * flags); lookup: 16384|64|524288 = 540736. */
	assert_non_null(strstr(seen, "request|open|table|regexp:/etc/postfix/"
	    "re|flags|0|\n"));
	assert_non_null(strstr(seen, "request|lookup|table|regexp:/etc/"
	    "postfix/re|flags|540736|key|known|\n"));
	assert_non_null(strstr(seen, "|key|Other|\n"));
	/* The hang-up was asked twice. */
	assert_non_null(strstr(strstr(seen, "|key|hangup|\n") + 1,
	    "|key|hangup|\n"));
	assert_non_null(strstr(tc.warn, "dict_proxy_lookup"));
}

static void
test_proxy_refused(void **state)
{
	char	why[512];

	(void)state;
	/* Not in proxy_read_maps: Postfix's advice, proxymap not asked. */
	assert_null(dict_open("proxy:hash:/etc/postfix/sasl_passwd", "p",
	    FLAGS, &pm_env, why, sizeof(why)));
	assert_string_equal(why, "proxy:hash:/etc/postfix/sasl_passwd: to "
	    "approve this table for proxymap access, list "
	    "proxy:hash:/etc/postfix/sasl_passwd in main.cf:proxy_read_maps");
	assert_null(dict_open("proxy:nocolon", "p", FLAGS, &pm_env, why,
	    sizeof(why)));
	assert_null(dict_open("proxy:proxy:x:y", "p", FLAGS, &pm_env, why,
	    sizeof(why)));
	/* No proxymap listening: open fails (connect refused/missing). */
	(void)unlink("private/proxymap");
	assert_null(dict_open("proxy:texthash:/x", "p", FLAGS, &pm_env, why,
	    sizeof(why)));
	assert_non_null(strstr(why, "private/proxymap"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_inline, setup),
		cmocka_unit_test_setup(test_inline_bad, setup),
		cmocka_unit_test_setup(test_static, setup),
		cmocka_unit_test_setup(test_texthash, setup),
		cmocka_unit_test_setup(test_refused, setup),
		cmocka_unit_test_setup(test_maps_order, setup),
		cmocka_unit_test_setup(test_addr_order, setup),
		cmocka_unit_test_setup(test_proxy, setup),
		cmocka_unit_test_setup(test_proxy_refused, setup),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}

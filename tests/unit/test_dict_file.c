/*
 * NAME
 *	test_dict_file 1
 * SUMMARY
 *	unit tests of the indexed table files: hash:, btree:, lmdb:, cdb:
 * DESCRIPTION
 *	Tables built by Debian's postmap(1) from one source file, in each
 *	type: folded keys found, values whole, unknown keys not found,
 *	a missing file refused with Postfix's "open database" text, a
 *	rebuild seen by dict_changed() (in place for hash:/btree:/lmdb:,
 *	by rename for cdb:), the "older than source file" warning. Keys
 *	stored without their NUL (written here with each library, as
 *	programs other than postmap(1) do) are found too, as Postfix's
 *	dict_db.c/dict_lmdb.c/dict_cdb.c find them.
 * SECURITY
 *	Test only. Runs /usr/sbin/postmap with a private, empty
 *	configuration directory.
 * SEE ALSO
 *	parent/dict_file.c, dict_db.c, dict_lmdb.c, dict_cdb.c
 */
#include <cdb.h>
#include <db.h>
#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dict.h"
#include "msg.h"

static struct {
	char	warn[4096];
	char	dir[64];
} tc;

static const struct dict_env no_env = { NULL, NULL, 10, NULL };

#define FLAGS	(DICT_FLAG_LOCK | DICT_FLAG_FOLD_FIX)

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
	char	path[128];
	FILE	*f;

	(void)state;
	msg_set_sink(capture_sink, NULL);
	snprintf(tc.dir, sizeof(tc.dir), "/tmp/sj-test-dictfile.XXXXXX");
	if (mkdtemp(tc.dir) == NULL)
		return (-1);
	/* postmap -c DIR: an empty main.cf gives Postfix's defaults. */
	snprintf(path, sizeof(path), "%s/main.cf", tc.dir);
	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	fclose(f);
	return (0);
}

static int
group_teardown(void **state)
{
	char	cmd[128];

	(void)state;
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

static void
write_src(const char *name, const char *text)
{
	char	path[128];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", tc.dir, name);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
postmap(const char *type, const char *name)
{
	char	cmd[256];

	snprintf(cmd, sizeof(cmd), "/usr/sbin/postmap -c %s %s:%s/%s",
	    tc.dir, type, tc.dir, name);
	assert_int_equal(system(cmd), 0);
}

static int
get(struct dict *d, const char *key, char *out, size_t outsz)
{
	char	why[256];

	return (dict_get(d, key, out, outsz, why, sizeof(why)));
}

static const char src_text[] =
	"# relays\n"
	"[Relay.Example]:587\tuser1:pass1\n"
	"sender@Example.COM   user2:secret with spaces\n"
	"@example.org\tuser3:p3\n";

static void
one_type(const char *type, const char *suffix)
{
	char	why[512], out[64], spec[128], path[128];
	struct dict *d;
	struct timespec ts[2] = { { 0, UTIME_NOW }, { 0, 0 } };

	write_src(type, src_text);
	postmap(type, type);
	snprintf(spec, sizeof(spec), "%s:%s/%s", type, tc.dir, type);
	d = dict_open(spec, "smtp_sasl_password_maps", FLAGS, &no_env, why,
	    sizeof(why));
	if (d == NULL)
		fail_msg("%s", why);
	assert_true(d->flags & DICT_FLAG_FIXED);
	assert_int_equal(get(d, "[relay.example]:587", out, sizeof(out)), 1);
	assert_string_equal(out, "user1:pass1");
	/* FOLD_FIX: the requestor's key is folded, as postmap folded. */
	assert_int_equal(get(d, "[RELAY.example]:587", out, sizeof(out)), 1);
	assert_int_equal(get(d, "sender@example.com", out, sizeof(out)), 1);
	assert_string_equal(out, "user2:secret with spaces");
	assert_int_equal(get(d, "@example.org", out, sizeof(out)), 1);
	assert_string_equal(out, "user3:p3");
	assert_int_equal(get(d, "[relay.example]", out, sizeof(out)), 0);
	assert_int_equal(get(d, "# relays", out, sizeof(out)), 0);
	/* postmap stores keys with their NUL, except in cdb: files
	 * (dict_cdb.c writes them without): the other form is dropped. */
	if (strcmp(type, "cdb") == 0) {
		assert_false(d->flags & DICT_FLAG_TRY1NULL);
		assert_true(d->flags & DICT_FLAG_TRY0NULL);
	} else {
		assert_true(d->flags & DICT_FLAG_TRY1NULL);
		assert_false(d->flags & DICT_FLAG_TRY0NULL);
	}
	/* A value longer than the caller's buffer is an error. */
	assert_int_equal(dict_get(d, "sender@example.com", out, 8, why,
	    sizeof(why)), -ENOSPC);
	assert_int_equal(dict_changed(d), 0);

	/* Rebuilt: Postfix's "table has changed", exit after the job. */
	write_src(type, "[relay.example]:587 other:pw\n");
	postmap(type, type);
	snprintf(path, sizeof(path), "%s/%s%s", tc.dir, type, suffix);
	ts[1].tv_sec = 12345;
	(void)utimensat(AT_FDCWD, path, ts, 0);
	assert_int_equal(dict_changed(d), 1);
	dict_close(d);

	/* The source file newer than the database (by > 100 s). */
	ts[1].tv_sec = time(NULL) - 1000;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	snprintf(path, sizeof(path), "%s/%s", tc.dir, type);
	ts[1].tv_sec = time(NULL) - 500;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	tc.warn[0] = '\0';
	d = dict_open(spec, "p", FLAGS, &no_env, why, sizeof(why));
	assert_non_null(d);
	assert_non_null(strstr(tc.warn, "is older than source file"));
	assert_int_equal(get(d, "[relay.example]:587", out, sizeof(out)), 1);
	assert_string_equal(out, "other:pw");
	dict_close(d);

	/* Missing: Postfix's text, the file name with its suffix. */
	snprintf(spec, sizeof(spec), "%s:%s/missing", type, tc.dir);
	assert_null(dict_open(spec, "p", FLAGS, &no_env, why, sizeof(why)));
	snprintf(path, sizeof(path), "open database %s/missing%s: No such "
	    "file or directory", tc.dir, suffix);
	assert_string_equal(why, path);
}

static void
test_hash(void **state)
{
	(void)state;
	one_type("hash", ".db");
}

static void
test_btree(void **state)
{
	(void)state;
	one_type("btree", ".db");
}

static void
test_lmdb(void **state)
{
	(void)state;
	one_type("lmdb", ".lmdb");
}

static void
test_cdb(void **state)
{
	(void)state;
	one_type("cdb", ".cdb");
}

/* Keys and values without their NUL, written with each library. */
static void
check_nonul(const char *spec)
{
	char	why[512], out[64];
	struct dict *d;

	d = dict_open(spec, "p", FLAGS, &no_env, why, sizeof(why));
	if (d == NULL)
		fail_msg("%s", why);
	assert_int_equal(get(d, "KEY", out, sizeof(out)), 1);
	assert_string_equal(out, "value");
	assert_false(d->flags & DICT_FLAG_TRY1NULL);
	assert_true(d->flags & DICT_FLAG_TRY0NULL);
	assert_int_equal(get(d, "other", out, sizeof(out)), 0);
	dict_close(d);
}

static void
test_nonul(void **state)
{
	char	path[128], spec[128];
	DB	*db;
	DBT	k, v;
	MDB_env	*env;
	MDB_txn	*txn;
	MDB_dbi	dbi;
	MDB_val	mk, mv;
	struct cdb_make cm;
	int	fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/nonul.db", tc.dir);
	assert_int_equal(db_create(&db, NULL, 0), 0);
	assert_int_equal(db->open(db, NULL, path, NULL, DB_HASH, DB_CREATE,
	    0600), 0);
	memset(&k, 0, sizeof(k));
	memset(&v, 0, sizeof(v));
	k.data = "key";
	k.size = 3;
	v.data = "value";
	v.size = 5;
	assert_int_equal(db->put(db, NULL, &k, &v, 0), 0);
	assert_int_equal(db->close(db, 0), 0);
	snprintf(spec, sizeof(spec), "hash:%s/nonul", tc.dir);
	check_nonul(spec);

	snprintf(path, sizeof(path), "%s/nonul.lmdb", tc.dir);
	assert_int_equal(mdb_env_create(&env), 0);
	assert_int_equal(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_NOLOCK,
	    0600), 0);
	assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), 0);
	assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), 0);
	mk.mv_data = "key";
	mk.mv_size = 3;
	mv.mv_data = "value";
	mv.mv_size = 5;
	assert_int_equal(mdb_put(txn, dbi, &mk, &mv, 0), 0);
	assert_int_equal(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	snprintf(spec, sizeof(spec), "lmdb:%s/nonul", tc.dir);
	check_nonul(spec);

	snprintf(path, sizeof(path), "%s/nonul.cdb", tc.dir);
	assert_true((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) >= 0);
	assert_int_equal(cdb_make_start(&cm, fd), 0);
	assert_int_equal(cdb_make_add(&cm, "key", 3, "value", 5), 0);
	assert_int_equal(cdb_make_finish(&cm), 0);
	close(fd);
	snprintf(spec, sizeof(spec), "cdb:%s/nonul", tc.dir);
	check_nonul(spec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_hash, setup),
		cmocka_unit_test_setup(test_btree, setup),
		cmocka_unit_test_setup(test_lmdb, setup),
		cmocka_unit_test_setup(test_cdb, setup),
		cmocka_unit_test_setup(test_nonul, setup),
	};

	return (cmocka_run_group_tests(tests, group_setup, group_teardown));
}

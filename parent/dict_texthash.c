/*
 * NAME
 *	dict_texthash 3
 * SUMMARY
 *	texthash: tables, read whole from a postmap(1) source file
 * DESCRIPTION
 *	"texthash:/etc/postfix/sasl_passwd" reads the file that postmap(1)
 *	would compile, once, at start (as root, before the parent drops
 *	its privileges, so a root-only file works), as Postfix's
 *	dict_thash.c does: one "key value" entry per logical line; a line
 *	that starts with white space continues the previous one; empty
 *	lines and lines whose first non-blank character is '#' are
 *	skipped; the key ends at the first white space and the value is
 *	the rest without the white space at its ends. A line without a
 *	value is skipped with Postfix's warning; of duplicate keys the
 *	first stays. A fixed-string table; keys are folded with
 *	DICT_FLAG_FOLD_FIX.
 *
 *	The file stays open so that dict_changed() can tell when it was
 *	modified or replaced ("table has changed": exit after the job).
 * SECURITY
 *	Parent, at start, as root. The file is the administrator's
 *	(trusted); it is bounded by DICT_FILE_MAX and every entry by the
 *	line. Its contents (passwords) are wiped from the read buffer.
 * SEE ALSO
 *	parent/dict.c; Postfix src/util/dict_thash.c, readlline.c
 *	(behaviour, no code copied)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dict.h"
#include "file_read.h"
#include "msg.h"

/* One logical line: key and value split in place, or a warning. */
static int
dict_texthash_entry(struct dict *d, char *line, int lineno, char *why,
    size_t whysz)
{
	char	*key = line, *val, *e;
	int	err;

	while (isspace((unsigned char)*key))
		key++;
	if (*key == '\0' || *key == '#')
		return (0);
	for (val = key; *val && !isspace((unsigned char)*val); val++)
		;
	if (*val)
		*val++ = '\0';
	while (isspace((unsigned char)*val))
		val++;
	e = val + strlen(val);
	while (e > val && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if (*val == '\0') {
		msg_warn("%s, line %d: expected format: key whitespace value",
		    d->name, lineno);
		return (0);
	}
	if ((err = dict_kv_add(d, key, val)) < 0) {
		snprintf(why, whysz, "%s, line %d: %s", d->name, lineno,
		    strerror(-err));
		return (err);
	}
	return (0);
}

static int
dict_texthash_parse(struct dict *d, char *buf, size_t len, char *why,
    size_t whysz)
{
	char	*p = buf, *end = buf + len, *nl, *logical, *t;
	size_t	llen = 0, n;
	int	lineno = 0, first = 0, err = 0;

	/* readlline(): one logical line is a line that starts with a
	 * non-blank, plus the lines that start with white space after
	 * it; blank and comment lines are skipped, also in between. */
	if ((logical = malloc(len + 1)) == NULL) {
		snprintf(why, whysz, "%s: out of memory", d->name);
		return (-ENOMEM);
	}
	for (; p < end && err == 0; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		lineno++;
		n = (size_t)(nl - p);
		for (t = p; t < nl && isspace((unsigned char)*t); t++)
			;
		if (t == nl || *t == '#')
			continue;
		if (p == t || llen == 0) {
			if (llen > 0) {
				logical[llen] = '\0';
				err = dict_texthash_entry(d, logical, first,
				    why, whysz);
			}
			llen = 0;
			first = lineno;
		}
		/* A continuation keeps its leading white space and loses
		 * the newline before it (postmap -q shows the same). */
		memcpy(logical + llen, p, n);
		llen += n;
	}
	if (err == 0 && llen > 0) {
		logical[llen] = '\0';
		err = dict_texthash_entry(d, logical, first, why, whysz);
	}
	explicit_bzero(logical, len + 1);
	free(logical);
	return (err);
}

int
dict_texthash_open(struct dict *d, char *why, size_t whysz)
{
	enum file_read_stage stage;
	struct stat st;
	char	*buf;
	size_t	got;
	int	fd, err;

	d->flags |= DICT_FLAG_FIXED;
	d->lookup = dict_kv_lookup;
	if ((err = file_read(d->name, DICT_FILE_MAX, &buf, &got, &st, &fd,
	    &stage)) < 0) {
		/* dict_thash.c: "open database %s: %m" */
		if (err == -EFBIG)
			snprintf(why, whysz, "open database %s: larger than "
			    "%d bytes", d->name, DICT_FILE_MAX);
		else if (err == -ENOMEM)
			snprintf(why, whysz, "%s: out of memory", d->name);
		else
			snprintf(why, whysz, "%s database %s: %s",
			    stage == FILE_READ_OPEN ? "open" : "read",
			    d->name, file_read_strerror(err));
		return (err);
	}
	d->stat_fd = fd;
	d->mtime = st.st_mtim;
	err = dict_texthash_parse(d, buf, got, why, whysz);
	explicit_bzero(buf, got);
	free(buf);
	if (err < 0)
		return (err);
	dict_kv_done(d);
	return (0);
}

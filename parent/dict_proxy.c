/*
 * NAME
 *	dict_proxy 3
 * SUMMARY
 *	proxy:TYPE:NAME tables, looked up through Postfix's proxymap(8)
 * DESCRIPTION
 *	A client of proxymap(8) with the requests and replies of Postfix's
 *	dict_proxy.c, over the attribute protocol of parent/attr.c:
 *	connect to private/$proxymap_service_name (relative to the queue
 *	directory, so before and after the chroot), read the greeting
 *	"protocol proxymap_protocol", then
 *
 *	  open:   request=open table=TYPE:NAME flags=<instance flags>
 *	          -> status, flags (the table's FIXED/PATTERN bits)
 *	  lookup: request=lookup table=TYPE:NAME flags=<instance and
 *	          request flags> key=KEY -> status, value
 *
 *	Status: 0 found, 1 not found, 2 try again, 3 bad request,
 *	4 table not approved, 5 configuration error (dict_proxy.h).
 *	proxymap itself folds the key from the request flags.
 *
 *	The table must be listed as "proxy:TYPE:NAME" in $proxy_read_maps:
 *	proxymap refuses others (status 4), and smtpjail checks the list
 *	at start so that the refusal comes with Postfix's own advice. The
 *	open request is made at start: a refused or unknown table stops
 *	smtpjail there, as Postfix's dict_proxy_open() does.
 *
 *	Each lookup is one connection (proxymap may close idle ones at
 *	any time; the parent has no event loop to keep one). Where
 *	Postfix retries forever with a sleep, smtpjail tries twice and
 *	then reports "try again" (the job is deferred).
 * SECURITY
 *	Parent. proxymap is a Postfix daemon (trusted; dict_proxy.c:
 *	"not meant to be a trusted process" for uid/gid or file names,
 *	which smtpjail never looks up). Replies are read with bounded
 *	values (ATTR_VALUE_MAX) and copied into the caller's buffer or
 *	refused.
 * SEE ALSO
 *	parent/dict.c, attr.c, svc_client.c; Postfix
 *	src/global/dict_proxy.c, dict_proxy.h, src/proxymap/proxymap.c
 *	(behaviour, no code copied)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attr.h"
#include "dict.h"
#include "msg.h"
#include "svc_client.h"

#define PROXY_PROTO		"proxymap_protocol"

#define PROXY_STAT_OK		0
#define PROXY_STAT_NOKEY	1
#define PROXY_STAT_RETRY	2
#define PROXY_STAT_BAD		3
#define PROXY_STAT_DENY		4
#define PROXY_STAT_CONFIG	5

/* One request of at most a key and a table name. */
#define PROXY_REQUEST_MAX	(DICT_SPEC_MAX + DICT_KEY_MAX + 256)

/* Is "proxy:NAME" an element of $proxy_read_maps? */
static int
dict_proxy_approved(const char *list, const char *spec)
{
	const char *p = list, *s;
	size_t	len = strlen(spec);

	if (list == NULL)
		return (0);
	while (*p) {
		while (*p && (*p == ',' || isspace((unsigned char)*p)))
			p++;
		s = p;
		while (*p && *p != ',' && !isspace((unsigned char)*p))
			p++;
		if ((size_t)(p - s) == len && strncmp(s, spec, len) == 0)
			return (1);
	}
	return (0);
}

/*
 * One exchange. req is complete; on success *status and, for a lookup,
 * value[] (or for an open, *flags). Returns 0 or -errno with why[].
 */
static int
dict_proxy_call(struct dict *d, struct attr_out *req, int is_open,
    int *status, unsigned *flags, char *value, size_t valuesz,
    char *why, size_t whysz)
{
	const struct dict_env *env = d->env;
	char	path[160];
	struct attr_stream s;
	char	*val = NULL;
	unsigned st = 0, fl = 0;
	struct attr_spec spec[2] = {
		{ .type = ATTR_TYPE_INT, .name = "status", .out.u = &st },
		{ .type = ATTR_TYPE_INT, .name = "flags", .out.u = &fl },
	};
	int	fd, err;

	if (!is_open) {
		spec[1].type = ATTR_TYPE_STR;
		spec[1].name = "value";
		spec[1].max = ATTR_VALUE_MAX;
		spec[1].out.str = &val;
	}
	if ((fd = svc_open(env->private_dir, env->proxymap_service,
	    env->ipc_timeout, &s, path, sizeof(path), why, whysz)) < 0)
		return (fd);
	if ((err = attr_greet_read(&s, PROXY_PROTO)) < 0)
		snprintf(why, whysz, "read %s: %s", path,
		    s.err[0] ? s.err : strerror(-err));
	else if ((err = attr_out_write(req, fd, env->ipc_timeout)) < 0)
		snprintf(why, whysz, "write %s: %s", path, strerror(-err));
	else if ((err = attr_scan(&s, ATTR_FLAG_STRICT, spec, 2)) < 0)
		snprintf(why, whysz, "write/read %s: %s", path,
		    s.err[0] ? s.err : strerror(-err));
	attr_stream_free(&s);
	(void)close(fd);
	if (err < 0) {
		free(val);
		return (err == -ENOSPC ? -EBADMSG : err);
	}
	*status = (int)st;
	if (flags != NULL)
		*flags = fl;
	if (val != NULL) {
		if (strlen(val) >= valuesz) {
			snprintf(why, whysz, "%s: value longer than %zu bytes",
			    d->spec, valuesz - 1);
			explicit_bzero(val, strlen(val));
			free(val);
			return (-ENOSPC);
		}
		memcpy(value, val, strlen(val) + 1);
		explicit_bzero(val, strlen(val));
		free(val);
	}
	return (0);
}

static int
dict_proxy_lookup(struct dict *d, const char *key, char *out, size_t outsz,
    char *why, size_t whysz)
{
	struct attr_out o;
	int	err, status = -1, tries;

	for (tries = 0; tries < 2; tries++) {
		if ((err = attr_out_init(&o, PROXY_REQUEST_MAX)) < 0) {
			snprintf(why, whysz, "%s: %s", d->spec,
			    strerror(-err));
			return (err);
		}
		attr_put_str(&o, "request", "lookup");
		attr_put_str(&o, "table", d->name);
		attr_put_int(&o, "flags", d->flags & (DICT_FLAG_INST_MASK |
		    DICT_FLAG_RQST_MASK));
		attr_put_str(&o, "key", key);
		attr_put_end(&o);
		err = dict_proxy_call(d, &o, 0, &status, NULL, out, outsz,
		    why, whysz);
		attr_out_free(&o);
		if (err == -ENOSPC)
			return (err);
		if (err == 0)
			break;
		msg_warn("dict_proxy_lookup: %s", why);
	}
	if (err < 0) {
		*out = '\0';
		return (-EAGAIN);
	}
	switch (status) {
	case PROXY_STAT_OK:
		return (1);
	case PROXY_STAT_NOKEY:
		*out = '\0';
		return (0);
	case PROXY_STAT_RETRY:
		*out = '\0';
		snprintf(why, whysz, "%s: lookup of \"%.100s\": try again",
		    d->spec, key);
		return (-EAGAIN);
	case PROXY_STAT_BAD:
		msg_fatal("%s lookup failed for table \"%s\" key \"%.100s\": "
		    "invalid request", d->env->proxymap_service, d->name, key);
	case PROXY_STAT_DENY:
		msg_fatal("%s service is not configured for table \"%s\"",
		    d->env->proxymap_service, d->name);
	case PROXY_STAT_CONFIG:
		*out = '\0';
		snprintf(why, whysz, "%s: lookup of \"%.100s\": configuration "
		    "error", d->spec, key);
		return (-EINVAL);
	default:
		*out = '\0';
		msg_warn("%s lookup failed for table \"%s\" key \"%.100s\": "
		    "unexpected reply status %d", d->env->proxymap_service,
		    d->name, key, status);
		snprintf(why, whysz, "%s: unexpected reply status %d",
		    d->spec, status);
		return (-EAGAIN);
	}
}

int
dict_proxy_open(struct dict *d, char *why, size_t whysz)
{
	const struct dict_env *env = d->env;
	struct attr_out o;
	unsigned server_flags = 0;
	int	err, status = -1;

	d->lookup = dict_proxy_lookup;
	if (env == NULL || env->proxymap_service == NULL ||
	    env->private_dir == NULL) {
		snprintf(why, whysz, "%s: no proxymap service configured",
		    d->spec);
		return (-EINVAL);
	}
	if (strncmp(d->name, "proxy:", 6) == 0 || strchr(d->name, ':') ==
	    NULL || d->name[0] == ':') {
		snprintf(why, whysz, "%s: need \"proxy:type:name\"", d->spec);
		return (-EINVAL);
	}
	if (!dict_proxy_approved(env->proxy_read_maps, d->spec)) {
		/* proxymap.c's advice, given before proxymap is asked. */
		snprintf(why, whysz, "%s: to approve this table for %s access, "
		    "list %s in main.cf:proxy_read_maps", d->spec,
		    env->proxymap_service, d->spec);
		return (-EPERM);
	}
	if ((err = attr_out_init(&o, PROXY_REQUEST_MAX)) < 0) {
		snprintf(why, whysz, "%s: %s", d->spec, strerror(-err));
		return (err);
	}
	attr_put_str(&o, "request", "open");
	attr_put_str(&o, "table", d->name);
	attr_put_int(&o, "flags", d->flags & DICT_FLAG_INST_MASK);
	attr_put_end(&o);
	err = dict_proxy_call(d, &o, 1, &status, &server_flags, NULL, 0, why,
	    whysz);
	attr_out_free(&o);
	if (err < 0)
		return (err);
	switch (status) {
	case PROXY_STAT_OK:
		d->flags = (d->flags & ~DICT_FLAG_IMPL_MASK) |
		    ((int)server_flags & DICT_FLAG_IMPL_MASK);
		return (0);
	case PROXY_STAT_BAD:
		snprintf(why, whysz, "%s open failed for table \"%s\": "
		    "invalid request", env->proxymap_service, d->name);
		return (-EINVAL);
	case PROXY_STAT_DENY:
		snprintf(why, whysz, "%s service is not configured for table "
		    "\"%s\"", env->proxymap_service, d->name);
		return (-EPERM);
	default:
		snprintf(why, whysz, "%s open failed for table \"%s\": "
		    "unexpected status %d", env->proxymap_service, d->name,
		    status);
		return (-EPROTO);
	}
}

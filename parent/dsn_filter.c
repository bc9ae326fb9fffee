/*
 * NAME
 *	dsn_filter 3
 * SUMMARY
 *	smtp_delivery_status_filter: replace a recipient's status and text
 * DESCRIPTION
 *	Postfix 3.0's delivery status filter (src/global/dsn_filter.c, used
 *	by bounce_append(), defer_append() and sent()): before a recipient's
 *	outcome is logged and reported, the tables of
 *	smtp_delivery_status_filter (default $default_delivery_status_filter)
 *	are searched with the key "STATUS TEXT" ("5.1.1 host mx[192.0.2.1]
 *	said: 550 5.1.1 ... (in reply to RCPT TO command)"). A result
 *	"X.Y.Z new text" replaces the status and the text: a non-delivery
 *	status (4.x.x, 5.x.x) may become another non-delivery status, so a
 *	bounce can become a deferral and back, a success only another
 *	success; anything else is ignored with Postfix's warning "PARAM:
 *	bad status code: RESULT". The filter is applied once, to the
 *	outcome the child reported (or the parent decided), in the parent,
 *	before soft_bounce and the routing to bounce(8), defer(8), trace(8)
 *	or verify(8); the remote server's own reply (the DSN's Diagnostic-
 *	Code) is not changed, as in Postfix.
 *
 *	The tables are opened at start as root with DICT_FLAG_LOCK (no key
 *	folding), as smtp(8) does; the types are those of parent/dict.c, so
 *	a regexp: or pcre: filter is written proxy:regexp:... (listed in
 *	proxy_read_maps). A lookup error leaves the status as it is, as
 *	maps_find() in dsn_filter_lookup() does. A changed table file ends
 *	the process after the current job (dsn_filter_changed()).
 * SECURITY
 *	Parent. The tables are trusted configuration. The key contains text
 *	of the remote server (through the child): it is only a lookup key,
 *	bounded by the result's fields, and a proxymap request carries it
 *	as an attribute value. The replacement comes from the tables.
 * SEE ALSO
 *	parent/deliver_outcome.c, parent/dict.c; Postfix
 *	src/global/dsn_filter.c, dsn_util.c, bounce.c, defer.c, sent.c
 *	(behaviour, no code copied)
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg_params.h"
#include "dict.h"
#include "dsn_filter.h"
#include "ipc_msg.h"
#include "msg.h"
#include "sj_config.h"
#include "sj_limits.h"

#define DSN_FILTER_PARAM	"smtp_delivery_status_filter"

/* Every status and text fits one lookup key, as in Postfix. */
_Static_assert(SJ_DSN_STATUS_MAX + 1 + SJ_REASON_MAX <= DICT_KEY_MAX,
    "DICT_KEY_MAX too small for a delivery status filter key");

static struct dsn_filter_ctx {
	struct dict_maps *maps;
	struct dict_env env;
	char	*proxy_read_maps;
	char	*proxymap_service;
} dsn_filter_ctx;

int
dsn_filter_open(struct sj_config *cfg, char *why, size_t whysz)
{
	struct dsn_filter_ctx *c = &dsn_filter_ctx;
	struct sj_params *p = cfg->params;
	const char *v;
	int	rc;

	dsn_filter_reset();
	if ((rc = sj_params_get_str(p, DSN_FILTER_PARAM, &v, why,
	    whysz)) < 0)
		return (rc);
	if (v[strspn(v, ", \t\r\n")] == '\0')
		return (0);
	if ((rc = sj_params_dup_str(p, "proxy_read_maps", &c->proxy_read_maps,
	    why, whysz)) < 0 ||
	    (rc = sj_params_dup_str(p, "proxymap_service_name",
	    &c->proxymap_service, why, whysz)) < 0)
		return (rc);
	c->env.proxy_read_maps = c->proxy_read_maps;
	c->env.proxymap_service = c->proxymap_service;
	c->env.ipc_timeout = (int)cfg->ipc_timeout;
	c->env.private_dir = "private";
	/* dsn_filter_create(): maps_create(title, names, DICT_FLAG_LOCK) */
	if ((c->maps = dict_maps_open(DSN_FILTER_PARAM, v, DICT_FLAG_LOCK,
	    &c->env, why, whysz)) == NULL)
		return (-EINVAL);
	return (0);
}

/*
 * Postfix dsn_valid(): the length of the "C.SSS.DDD" status at the
 * start of s (class 2, 4 or 5; no leading zero in a number of more
 * than one digit; then the end or white space), or 0.
 */
static size_t
dsn_filter_valid(const char *s)
{
	const char *p = s;
	int	part;
	size_t	n;

	if (*p != '2' && *p != '4' && *p != '5')
		return (0);
	p++;
	for (part = 0; part < 2; part++) {
		if (*p++ != '.')
			return (0);
		if (!isdigit((unsigned char)p[0]) ||
		    (p[0] == '0' && isdigit((unsigned char)p[1])))
			return (0);
		for (n = 1; isdigit((unsigned char)p[n]); n++)
			;
		if (n > 3)
			return (0);
		p += n;
	}
	if (*p != '\0' && !isspace((unsigned char)*p))
		return (0);
	return ((size_t)(p - s));
}

int
dsn_filter_apply(struct ipc_result *r)
{
	struct dsn_filter_ctx *c = &dsn_filter_ctx;
	char	key[SJ_DSN_STATUS_MAX + 1 + SJ_REASON_MAX + 1];
	char	value[DICT_VALUE_MAX + 1], why[512];
	const char *text;
	size_t	len;
	int	ndr;

	if (c->maps == NULL || dsn_filter_valid(r->status) == 0)
		return (0);
	ndr = r->status[0] != '2';
	snprintf(key, sizeof(key), "%s %s", r->status, r->reason);
	if (dict_maps_find(c->maps, key, 0, value, sizeof(value), why,
	    sizeof(why)) <= 0)
		return (0);
	/* No success <=> failure mappings. */
	if ((len = dsn_filter_valid(value)) == 0 ||
	    (ndr ? value[0] == '2' : value[0] != '2')) {
		msg_warn("%s: bad status code: %s", DSN_FILTER_PARAM, value);
		return (0);
	}
	/* dsn_split(): the status, white space, the text. */
	memcpy(r->status, value, len);
	r->status[len] = '\0';
	for (text = value + len; isspace((unsigned char)*text); text++)
		;
	snprintf(r->reason, sizeof(r->reason), "%s", text);
	return (1);
}

const char *
dsn_filter_changed(void)
{
	return (dict_maps_changed(dsn_filter_ctx.maps));
}

void
dsn_filter_reset(void)
{
	struct dsn_filter_ctx *c = &dsn_filter_ctx;

	dict_maps_close(c->maps);
	free(c->proxy_read_maps);
	free(c->proxymap_service);
	memset(c, 0, sizeof(*c));
}
